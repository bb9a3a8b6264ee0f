"""Figures of a letter: number, unit, qualifier, the clause that says what it counts, target or result."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text import clause_spans, enclosing, sentence_spans
from rag.types import Figure, Letter, Section, Status

UNITS = ("万元", "亿元", "元", "%", "人次", "个", "家", "项", "名", "次", "件", "所", "条", "人", "倍", "台", "套", "年")
_LEADING = ("达到", "增长", "超过", "突破", "累计", "共")
_TRAILING = ("以上", "以下", "左右", "余")
FIGURE = re.compile(
    r"(?P<lead>" + "|".join(_LEADING) + r")?"
    r"(?<![\d+〔第])(?P<num>\d+(?:\.\d+)?)"
    r"(?P<unit>" + "|".join(map(re.escape, UNITS)) + r")"
    r"(?P<tail>" + "|".join(_TRAILING) + r")?"
)
# A year is four digits not followed by a unit ("2000项" is a count, "2017辽宁省委…" a year).
_NAME = re.compile(r"“[^”]{1,30}”|《[^》]{1,60}》")
_YEAR = re.compile(r"(?<![\d〔])((?:19|20)\d{2})(?![\d〕—\-+.项个家名次万亿元%人件所条倍台套])")
# Cue words are about tense, not topic: reported work vs planned work.
_RESULT_CUES = re.compile(r"期间|截至目前|近年来|已经|已|共有|通过验收|取得|完成了|晋升为")
_TARGET_CUES = re.compile(r"全年|新增|新组建|新建|新派驻|达到|力争|计划|将|要|继续|推进|推动|加快|以上")


def clause_item(clause: str, at: int) -> str:
    """The piece of a list clause holding position `at`: pieces are cut at 、, and before a 和/及
    that follows a figure (157个工程技术研究中心和162个重点实验室)."""
    cuts = [0]
    for m in re.finditer(r"、|[和及]", clause):
        if m[0] == "、":
            cuts.append(m.end())
        elif re.search(r"\d", clause[cuts[-1] : m.start()]):
            cuts.append(m.start())
    cuts.append(len(clause))
    for start, end in zip(cuts, cuts[1:]):
        if start <= at < end:
            return clause[start:end].strip("、")
    return clause


def years_in(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]


def reported_years(sentence: str) -> list[int]:
    """Years a sentence reports on: "到2020年" is the horizon of a plan made in 2015, and
    "2017年度…奖励大会" the name of what is held, not the year of the sentence."""
    return _years(sentence)[0]


def _years(sentence: str) -> tuple[list[int], list[int]]:
    reported, horizons = [], []
    for m in _YEAR.finditer(sentence):
        before = sentence[max(0, m.start() - 2) : m.start()]
        if sentence[m.end() : m.end() + 2] == "年度":
            continue
        if before.endswith("到") or (before.endswith("至") and before != "截至"):
            horizons.append(int(m[1]))
        else:
            reported.append(int(m[1]))
    return reported, horizons


def sentence_status(sentence: str, signed_year: int | None) -> Status:
    reported, horizons = _years(sentence)
    years = reported or horizons
    if years and signed_year:
        # The year a sentence is about decides: before the letter's year is reported, from it on is planned.
        return "result" if max(years) < signed_year else "target"
    if _RESULT_CUES.search(sentence):
        return "result"
    if _TARGET_CUES.search(sentence):
        return "target"
    return "unknown"


def section_status(section: Section, signed_year: int | None) -> Status:
    votes = [sentence_status(section.text[s:e], signed_year) for s, e in sentence_spans(section.text)]
    results, targets = votes.count("result"), votes.count("target")
    if results == targets:
        return "unknown"
    return "result" if results > targets else "target"


# a figure's plan or result, in words
STATUS_ZH = {"target": "{year}年工作目标（计划）", "result": "已完成的结果（实绩）"}
STATUS_EN = {"target": "a {year} target (plan)", "result": "a reported result (already achieved)"}


def status_words(f: Figure, letter: Letter, english: bool) -> str:
    """"2018年工作目标（计划）" / "a reported result (already achieved)"; "" when the letter does not say."""
    year = letter.meta.signed.year if letter.meta.signed else ""
    return (STATUS_EN if english else STATUS_ZH).get(f.status, "").format(year=year)


def _signed_year(letter: Letter) -> int | None:
    return letter.meta.signed.year if letter.meta.signed else None


@lru_cache(maxsize=8)
def section_statuses(letter: Letter) -> dict[str, Status]:
    """Each section's status by its sentences' vote, else its parent's: computed once per letter."""
    own = {s.id: section_status(s, _signed_year(letter)) for s in letter.sections}
    return {s.id: own[s.id] if own[s.id] != "unknown" or not s.parent else own.get(s.parent, "unknown")
            for s in letter.sections}


@lru_cache(maxsize=8)
def _part_statuses(letter: Letter) -> dict[str, Status]:
    """Each numbered part's status by the vote of all its sections (part 2's items are all 2018 work)."""
    votes: dict[str, list[Status]] = {}
    for s in letter.sections:
        votes.setdefault(s.id.split(".")[0], []).append(section_status(s, _signed_year(letter)))
    out: dict[str, Status] = {}
    for part, v in votes.items():
        results, targets = v.count("result"), v.count("target")
        out[part] = "unknown" if results == targets else "result" if results > targets else "target"
    return out


def status_at(letter: Letter, section: Section, sentence: str) -> Status:
    """Plan or result for a sentence of a section: the sentence's own cues, else its section's (or
    parent's), else its part's. Section 0, the frame of the letter, has no part to lean on."""
    status = sentence_status(sentence, _signed_year(letter))
    if status == "unknown":
        status = section_statuses(letter)[section.id]
    if status == "unknown" and section.id != "0":
        status = _part_statuses(letter)[section.id.split(".")[0]]
    return status


def extract_figures(letter: Letter, in_names: bool = False) -> list[Figure]:
    """The letter's figures; with `in_names`, instead, the numbers that are part of a name
    (沈阳“人才政策24条”), each with that name as its item."""
    signed_year = letter.meta.signed.year if letter.meta.signed else None
    out: list[Figure] = []
    defaults = section_statuses(letter)
    for section in letter.sections:
        text = section.text
        sents, clauses = sentence_spans(text), clause_spans(text)
        names = [m.span() for m in _NAME.finditer(text)]
        for m in FIGURE.finditer(text):
            name = next(((a, b) for a, b in names if a < m.start("num") < b), None)
            if (name is not None) != in_names:
                continue  # part of a name: “人才政策24条”, 《…》
            num, unit = m["num"], m["unit"]
            after = text[m.end() : m.end() + 1]
            if unit == "年" and len(num) == 4:
                continue  # a year, not a quantity
            if (after and after in "+—-") or text[m.start("num") - 1 : m.start("num")] in "+-":
                continue  # names like “6+4”, 2030—
            if unit == "年" and not m["tail"]:
                continue  # "2011年起" etc.; durations are written with 年 + 以上 when they are figures
            s0, s1 = enclosing(sents, m.start("num"))
            c0, c1 = enclosing(clauses, m.start("num"))
            sentence = text[s0:s1]
            status = sentence_status(sentence, signed_year)
            if status == "unknown":
                status = defaults[section.id]
            lead = m["lead"] or ""
            clause = text[c0:c1].rstrip("，,。；;：:")
            out.append(
                Figure(
                    doc=section.doc,
                    section=section.id,
                    text=m[0],
                    value=float(num),
                    unit=unit,
                    qualifier=(m["tail"] or lead or ""),
                    clause=clause,
                    item=text[name[0] + 1 : name[1] - 1] if name else clause_item(clause, m.start() - c0),
                    sentence=sentence,
                    status=status,
                    start=m.start(),
                )
            )
    return out


@lru_cache(maxsize=8)
def figures_of(letter: Letter) -> tuple[Figure, ...]:
    return tuple(extract_figures(letter))


@lru_cache(maxsize=8)
def named_figures_of(letter: Letter) -> tuple[Figure, ...]:
    return tuple(extract_figures(letter, in_names=True))
