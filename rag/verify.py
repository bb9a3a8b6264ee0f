"""A model's answer, checked claim by claim against the sections it was given.

Pure functions over typed records. The answer is cut into sentences; a sentence stands only if every
number in it is a figure of a section it cites, counting the thing its own clause names, with the
figure's qualifier (以上), direction (增长) and plan or result, and if its words are the cited
sections' words. A sentence that fails is removed with its claim; the letter's own clause for that
point stands in where there is one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from rag.figures import FIGURE, section_status, years_in
from rag.retrieve import english_stopwords, translate_groups, untranslated_words
from rag.text import clause_spans, is_english, sentence_spans
from rag.types import Answer, Figure, Letter, Section

FRAMES_PATH = Path(__file__).with_name("lexicon") / "frames.txt"
MARKER = re.compile(r"\[§(\d+(?:\.\d+)*)\]")
# 【§0.2】 [§ 0.2] （§0.2） [§0.2, §1.1] [§0.2 前言·其次] and a bare §0.2
_MARKER_VARIANT = re.compile(
    r"[\[【（(［〔]\s*§\s*(\d+(?:\.\d+)*)((?:\s*[,，、;；和及]\s*§?\s*\d+(?:\.\d+)*)*)[^\]】）)］〕\n§]{0,24}?[\]】）)］〕]"
    r"|§\s*(\d+(?:\.\d+)*)"
)
NOT_FOUND_REPLY = re.compile(
    r"信中未提及|信中没有提[到及]|信中并未提[到及]|信中未提到|未提及|没有提及|并未提及|未涉及|没有涉及|没有相关(?:内容|信息|数据)"
    r"|does(?: not|n't) (?:mention|say|specify|state|contain|give|provide)|(?:is|are) not mentioned|not (?:stated|mentioned) in the letter"
    r"|no (?:such )?information|not found in the letter",
    re.I,
)
_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)

# ---- numbers -------------------------------------------------------------------------------
_MONEY = {"元": 1.0, "万元": 1e4, "亿元": 1e8}
_COUNT_UNITS = ("人次", "个", "家", "项", "名", "次", "件", "所", "条", "人", "倍", "台", "套", "位")
_UNIT = re.compile(
    r"\s*(?P<approx>余|多)?\s*(?P<mult>个亿|万|亿|million|billion|thousand)?\s*(?P<approx2>余|多)?\s*"
    r"(?P<unit>万元|亿元|元|%|percent|per cent|pct|yuan|rmb|cny|人次|个|家|项|名|次|件|所|条|人|倍|台|套|位|周年|年|月|日|号|天)?"
    r"(?P<tail>以上|以下|左右|余|多|\s*or more|\s*plus)?",
    re.I,
)
_ARABIC = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])(?!\.\d)")
_CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_CN_NUMBER = re.compile(
    rf"(?<![第哪这那每几前后头{_CN_DIGITS}])([{_CN_DIGITS}]+)"
    r"(?=(?:余|多)?(?:个亿|亿元|万元|亿|万|人次|个|家|项|名|次|所|条|件|人|位|倍|台|套))"
)
_PERCENT_WORD = re.compile(rf"百分之([\d.]+|[{_CN_DIGITS}]+)")
_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?|(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*日"
                   r"|((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_MONTHS = "january february march april may june july august september october november december".split()
_DATE_EN = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{2})"
                      r"|\b(\d{1,2})\s+(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d{2})", re.I)
_DOC_NUMBER = re.compile(r"[〔\[(（]\s*(?:19|20)\d{2}\s*[〕\])）]\s*\d+\s*号|第?\d+号|\bno\.?\s*\d+", re.I)
_STRUCTURAL = re.compile(r"第\s*\d+\s*(?:部分|条|点|个方面|项任务|段|句|章|节)|\b(?:part|item|section|point|paragraph)s?\s+\d+(?:\.\d+)?"
                         r"|\b\d+(?:st|nd|rd|th)\b", re.I)
_ABOVE_BEFORE = re.compile(r"(?:超过|突破|多于|不少于|不低于|至少|逾|more than|over|at least|upwards of|in excess of|exceeding|above)"
                           r"\s*(?:rmb|cny|¥|yuan)?\s*$", re.I)
_GROWTH = re.compile(r"增长|增加|提高|上升|提升|increase|grow|rise|rose|up by", re.I)
_DECLINE = re.compile(r"下降|减少|降低|下滑|缩减|回落|decrease|declin|drop|fall|fell|shrink|down by|fewer", re.I)
_PLAN_CUES = re.compile(r"计划|目标|力争|预计|预期|拟|打算|target|plan|will\b|aim|goal|expected", re.I)
_RESULT_CUES = re.compile(r"已|完成了|实现了|取得了|实绩|achieved|already|reported|result|were approved|was approved", re.I)
# a result said outright outweighs a plan word (这一目标已经完成 says the target was met)
_MET = re.compile(r"已经?(?:完成|实现|达到|达成)|(?:完成|实现|达到|达成)了|achieved|already|(?:was|were|has been|have been) (?:met|reached)", re.I)
# a sentence that only says plan or result (这些都是已经完成的实绩) is checked against its sections' status
_STATUS_ONLY = re.compile(r"这些|这是|这|都|均|是|属于|为|不是|并非|而非|而|也|已经|已|完成|实现|的|了|实绩|结果|成果|计划|目标|工作|任务|年度|(?:19|20)\d{2}年?"
                          r"|\b(?:these|this|those|it|they|all|are|is|were|was|a|an|the|of|for|not|but|and|rather|than|both|also|reported|results?|already|achieved|"
                          r"plans?|planned|targets?|goals?|work)\b", re.I)
_CONTACT = re.compile(
    r"https?://\S+|www\.\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<!\d)(?:\+?86[-\s]?)?(?:0\d{2,3}[-\s]?)?\d{7,8}(?!\d)|(?<!\d)1[3-9]\d{9}(?!\d)"
    r"|\d{3,4}-\d{3,4}-\d{4}|电话|热线|联系方式|联系人|邮箱|网址|微信|公众号|\bqq\b|phone|hotline|e-?mail|call us",
    re.I,
)

# ---- records -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """A number a sentence states: what kind, its value normalised (yuan, percent points, a count)."""

    kind: str  # figure / year / date / docnum / other
    value: float
    group: str  # count / money / percent / bare (no unit: a count in English) / year / date / other
    start: int  # the number and its unit, in the sentence
    end: int
    above: bool = False  # 以上 / 超过 / more than
    token: str = ""
    unit_end: int = -1  # end of the number and its unit, before a trailing 以上  # for dates, document numbers and others: the text that must be in the letter


@dataclass(frozen=True)
class Evidence:
    """What the model was given, and the extractive answer it is held to."""

    letter: Letter
    sections: dict[str, Section]  # id → section, in the order given
    figures: tuple[Figure, ...]  # of those sections
    extractive: Answer
    english: bool = False


@dataclass(frozen=True)
class SentenceCheck:
    text: str  # as the model wrote it (markers normalised)
    ok: bool
    reason: str = ""
    kind: str = "claim"  # claim / quote / trusted (the extractive answer's own) / frame
    cites: tuple[str, ...] = ()
    shown: str = ""  # what is shown when ok: figures in the letter's form
    mentions: tuple[Mention, ...] = ()


@dataclass
class Verification:
    text: str  # the answer to show ("" when the extractive answer must stand)
    sentences: list[SentenceCheck] = field(default_factory=list)
    replaced: int = 0
    removed: int = 0
    cites: tuple[str, ...] = ()
    fallback_reason: str = ""  # why the extractive answer stands instead; "" when the model's does

    @property
    def changed(self) -> bool:
        return bool(self.replaced or self.removed)


# ---- text helpers --------------------------------------------------------------------------


def strip_think(text: str) -> str:
    """A reasoning model's <think>…</think> is not part of its answer (nor an unclosed one)."""
    text = _THINK.sub("", text)
    if re.match(r"\s*<think>", text, re.I):
        return ""  # still thinking when it stopped
    if "</think>" in text.lower():  # the opening tag was cut by the server
        text = text[text.lower().rindex("</think>") + len("</think>") :]
    return text.strip()


def normalize_markers(text: str) -> str:
    """【§0.2】, [§ 0.2], （§0.2）, §0.2 and [§0.2, §1.1] written as [§0.2] and [§0.2][§1.1]."""

    def one(m: re.Match) -> str:
        if m[3]:
            return f"[§{m[3]}]"
        ids = [m[1], *re.findall(r"\d+(?:\.\d+)*", m[2] or "")]
        return "".join(f"[§{i}]" for i in ids)

    return _MARKER_VARIANT.sub(one, text)


def fold(text: str) -> str:
    """NFKC and lower case, character by character, so that positions stay those of the text."""
    out = []
    for ch in text:
        f = unicodedata.normalize("NFKC", ch)
        f = f.lower() if len(f) == 1 else ch
        out.append(f if len(f) == 1 else ch)
    return "".join(out)


def cjk_bigrams(text: str) -> set[str]:
    return {run[i : i + 2] for run in re.findall(r"[\u4e00-\u9fff]+", text) for i in range(len(run) - 1)}


@lru_cache(maxsize=1)
def frames() -> tuple[str, ...]:
    lines = FRAMES_PATH.read_text(encoding="utf-8").splitlines()
    return tuple(sorted({fold(x.strip()) for x in lines if x.strip() and not x.startswith("#")}, key=len, reverse=True))


def without_frames(text: str) -> str:
    for phrase in frames():
        text = text.replace(phrase, " ")
    return text


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


# ---- sentences -----------------------------------------------------------------------------

_LINE_PREFIX = re.compile(r"^\s*(?:>+\s*|[-*+•]\s+|\d{1,2}[.)、]\s+|[（(]\d{1,2}[)）]\s*|#{1,6}\s+)*")
_EN_ABBREV = re.compile(r"(?:\bno|\be\.g|\bi\.e|\bmr|\bdr|\bvs|\betc|\bst)\.$", re.I)


@dataclass
class _Piece:
    line: int
    text: str  # the sentence, with its end punctuation and trailing markers
    prefix: str = ""  # markdown that opens its line, kept with the line's first sentence


def split_sentences(text: str) -> list[_Piece]:
    """Sentences, line by line: cut at 。！？!?；; and an English '. '; a marker written after the end
    punctuation belongs to the sentence before it."""
    pieces: list[_Piece] = []
    for n, line in enumerate(text.split("\n")):
        m = _LINE_PREFIX.match(line)
        prefix, body = line[: m.end()], line[m.end() :]
        cuts, start = [], 0
        for i, ch in enumerate(body):
            end_here = ch in "。！？!?；;" or (ch == "." and (i + 1 == len(body) or body[i + 1] == " ")
                                             and not _EN_ABBREV.search(body[: i + 1]) and not body[max(0, i - 1) : i].isdigit())
            if end_here:
                j = i + 1
                while True:  # trailing markers and closing quotes stay with the sentence
                    mk = re.match(r"\s*(?:\[§\d+(?:\.\d+)*\]|[”」』）)\]*]+)", body[j:])
                    if not mk or not mk.group(0).strip():
                        break
                    j += mk.end()
                cuts.append((start, j))
                start = j
        if start < len(body):
            cuts.append((start, len(body)))
        first = True
        for a, b in cuts:
            chunk = body[a:b]
            if not chunk.strip():
                continue
            if pieces and pieces[-1].line == n and re.fullmatch(r"\s*(?:\[§\d+(?:\.\d+)*\]\s*)+[。.]?\s*", chunk):
                pieces[-1].text += chunk  # a marker standing alone after the sentence
                continue
            pieces.append(_Piece(n, chunk, prefix if first else ""))
            first = False
        if not cuts or not any(body[a:b].strip() for a, b in cuts):
            pieces.append(_Piece(n, "", prefix))  # an empty line keeps the layout
    return pieces


# ---- mentions ------------------------------------------------------------------------------


def _cn_value(numeral: str) -> float | None:
    import cn2an

    try:
        return float(cn2an.cn2an(numeral, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def mentions(text: str, letter_text: str = "") -> list[Mention]:
    """Every number of a (folded) sentence: Arabic, Chinese numerals, 百分之…, years, dates, document
    numbers; structural numbers (第4部分, Part 4) are left out. Numerals the letter itself writes as a
    name (科技创新六项行动) are not figures."""
    out: list[Mention] = []
    taken = [False] * len(text)

    def free(a: int, b: int) -> bool:
        return not any(taken[a:b])

    def take(a: int, b: int) -> None:
        for i in range(a, b):
            taken[i] = True

    for m in _STRUCTURAL.finditer(text):
        take(*m.span())
    for m in _DATE.finditer(text):
        if free(*m.span()):
            y, mo, d = (m[1], m[2], m[3]) if m[1] else (None, m[4], m[5]) if m[4] else (m[6], m[7], m[8])
            token = (f"{int(y)}-" if y else "") + f"{int(mo)}-" + (f"{int(d)}" if d else "")
            out.append(Mention("date", 0.0, "date", *m.span(), token=token))
            take(*m.span())
    for m in _DATE_EN.finditer(text):
        if free(*m.span()):
            if m[1]:
                mo, d, y = _MONTHS.index(m[1].lower()) + 1, int(m[2]), int(m[3])
            else:
                d, mo, y = int(m[4]), _MONTHS.index(m[5].lower()) + 1, int(m[6])
            out.append(Mention("date", 0.0, "date", *m.span(), token=f"{y}-{mo}-{d}"))
            take(*m.span())
    for m in _DOC_NUMBER.finditer(text):
        if free(*m.span()):
            token = re.sub(r"\s+", "", m[0]).lower().removeprefix("no.").removeprefix("no")
            out.append(Mention("docnum", 0.0, "other", *m.span(), token=token))
            take(*m.span())
    for m in re.finditer(r"\d+(?:\s*\+\s*\d+)+", text):  # names such as “6+4”, “1+4”
        if free(*m.span()):
            out.append(Mention("other", 0.0, "other", *m.span(), token=re.sub(r"\s+", "", m[0])))
            take(*m.span())
    for m in _PERCENT_WORD.finditer(text):
        if free(*m.span()):
            value = float(m[1]) if m[1][0].isdigit() else _cn_value(m[1])
            if value is not None:
                out.append(Mention("figure", value, "percent", *m.span()))
                take(*m.span())
    numbers = [(m.start(), m.end(), float(m[0].replace(",", ""))) for m in _ARABIC.finditer(text)]
    for m in _CN_NUMBER.finditer(text):
        unit = text[m.end() : m.end() + 1]
        if letter_text and text[m.start() : m.end() + 2] in letter_text:
            continue  # the letter writes it so: a name (六项行动, 三个层次), not a figure
        if m[1] == "一" and unit not in "万亿":
            continue  # 一家公司, 一项工作: an article
        if (value := _cn_value(m[1])) is not None:
            numbers.append((m.start(), m.end(), value))
    for start, end, value in sorted(numbers):
        if not free(start, end):
            continue
        u = _UNIT.match(text, end)
        unit, mult = (u["unit"] or "").lower(), (u["mult"] or "").lower()
        approx = bool(u["approx"] or u["approx2"]) and bool(unit or mult)
        tail = (u["tail"] or "").strip().lower()
        stop = u.end() if (unit or mult) else end
        if tail in ("以上", "余", "多", "or more", "plus") and (unit or mult):
            stop = u.end()
        before = text[max(0, start - 14) : start]
        above = bool(_ABOVE_BEFORE.search(before)) or approx or tail in ("以上", "余", "多", "or more", "plus")
        plain = text[start:end]
        is_year = (re.fullmatch(r"(?:19|20)\d{2}", plain) and not mult and unit in ("", "年")
                   and tail != "以上" and not text[end:].lstrip().startswith(("%", "percent")))
        if is_year:
            out.append(Mention("year", value, "year", start, end + (1 if unit == "年" else 0), token=plain))
            take(start, end)
            continue
        factor = {"万": 1e4, "亿": 1e8, "个亿": 1e8, "million": 1e6, "billion": 1e9, "thousand": 1e3}.get(mult, 1.0)
        currency = bool(re.search(r"(?:rmb|cny|¥|yuan)\s*$", before, re.I))
        if unit in _MONEY:
            group, value = "money", value * _MONEY[unit] * factor
        elif unit in ("yuan", "rmb", "cny") or currency or (mult and not unit and mult != "thousand"):
            group, value = "money", value * factor  # 3亿, 3个亿 and RMB 300 million are money, as the letter writes it
        elif unit in ("%", "percent", "per cent", "pct"):
            group = "percent"
        elif unit in _COUNT_UNITS:
            group, value = "count", value * factor
        elif unit in ("周年", "年", "天", "月", "日", "号"):
            token = text[start:stop]
            out.append(Mention("other", value, "other", start, stop, above, token=token))
            take(start, stop)
            continue
        else:
            group, value = "bare", value * factor
        unit_end = u.start("unit") + len(u["unit"]) if u["unit"] else (u.start("mult") + len(u["mult"]) if mult else end)
        out.append(Mention("figure", value, group, start, stop, above, unit_end=unit_end))
        take(start, stop)
    return sorted(out, key=lambda x: x.start)


def figure_value(f: Figure) -> tuple[float, str]:
    if f.unit in _MONEY:
        return f.value * _MONEY[f.unit], "money"
    if f.unit == "%":
        return f.value, "percent"
    if f.unit == "年":
        return f.value, "other"
    return f.value, "count"


def figure_form(f: Figure) -> str:
    """The figure's number and unit as the letter writes them (36个, 3亿元) without its qualifier."""
    m = FIGURE.fullmatch(f.text)
    return m["num"] + m["unit"] if m else f.text


@lru_cache(maxsize=512)
def _noun_of(item: str, text: str) -> str:
    """What a figure counts: its own piece of the clause without the number and the words that open
    a list (和162个重点实验室通过验收 → 重点实验室通过验收)."""
    noun = item.replace(text, " ")
    noun = re.sub(r"[\d.]+(?:万元|亿元|元|%|人次|个|家|项|名|次|件|所|条|人|倍|台|套)?(?:以上)?", " ", noun)
    noun = re.sub(r"^[\s、]*(?:(?:19|20)\d{2}年|和|及|与|其中|共有|共|全省有|截至目前|我省|全省)+", "", noun.strip())
    return noun


def _cut_item(clause: str, at: int) -> tuple[int, int]:
    """The piece of a clause holding position `at`, cut like figures.clause_item: at 、 and before a
    和/及/and that follows a number."""
    cuts = [0]
    for m in re.finditer(r"、|[和及与]|\band\b|;", clause):
        if m[0] == "、":
            cuts.append(m.end())
        elif re.search(r"\d", clause[cuts[-1] : m.start()]):
            cuts.append(m.start())
    cuts.append(len(clause))
    for a, b in zip(cuts, cuts[1:]):
        if a <= at < b:
            return a, b
    return 0, len(clause)


def _pieces(text: str, m: Mention) -> list[str]:
    """The mention's local text, narrowest first: its list piece, its clause, the clause before too."""
    spans_ = clause_spans(text)
    idx = next((i for i, (a, b) in enumerate(spans_) if a <= m.start < b), None)
    if idx is None:
        return [text]
    a, b = spans_[idx]
    p0, p1 = _cut_item(text[a:b], m.start - a)
    out = [text[a + p0 : a + p1], text[a:b]]
    if idx:
        out.append(text[spans_[idx - 1][0] : b])
    return out


def _strip_numbers(text: str) -> str:
    return re.sub(r"\d+(?:[.,]\d+)*\s*(?:万元|亿元|元|%|人次|个|家|项|名|次|件|所|条|人|倍|台|套|年)?(?:以上)?", " ", text)


def _en_terms(text: str) -> list[list[str]]:
    return [g for g in translate_groups(text) if not re.fullmatch(r"(?:19|20)\d{2}", g[0])]


def _score(noun: str, piece: str, english: bool) -> tuple[float, float]:
    """(recall, f1): the share of the figure's noun found in the piece, and its balance with the
    share of the piece that the noun explains."""
    nb = cjk_bigrams(noun)
    if not nb:
        return 0.0, 0.0
    if english:
        groups = _en_terms(piece)
        if not groups:
            return 0.0, 0.0
        found = set().union(*(cjk_bigrams(alt) for g in groups for alt in g))
        recall = len(nb & found) / len(nb)
        hits = sum(any(alt in noun or len(cjk_bigrams(alt) & nb) * 2 >= max(1, len(cjk_bigrams(alt))) for alt in g) for g in groups)
        precision = hits / len(groups)
    else:
        pb = cjk_bigrams(_strip_numbers(piece))
        if not pb:
            return 0.0, 0.0
        recall = len(nb & pb) / len(nb)
        precision = len(nb & pb) / len(pb)
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return recall, f1


def _has_content(piece: str, english: bool) -> bool:
    if english:
        return bool(_en_terms(piece))
    return len(cjk_bigrams(without_frames(_strip_numbers(piece)))) >= 1


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


@dataclass(frozen=True)
class _Context:
    evidence: Evidence
    cited: tuple[str, ...]
    text: str  # the folded sentence, markers and verified quotes blanked
    english: bool


def check_figure(m: Mention, ctx: _Context) -> tuple[Figure | None, str]:
    """The figure of a cited section this mention states, or the reason it states none."""
    ev = ctx.evidence
    figs = [f for f in ev.figures if f.section in ctx.cited]
    value_of = {id(f): figure_value(f) for f in figs}
    candidates = [f for f in figs if _same(value_of[id(f)][0], m.value) and (m.group == "bare" or value_of[id(f)][1] == m.group)]
    shown = ctx.text[m.start : m.end].strip()
    if not candidates:
        return None, f"{shown} is not a figure of §{', §'.join(ctx.cited)}"
    best: Figure | None = None
    rivalled = False
    for piece in _pieces(ctx.text, m):  # narrowest first, wider while the piece does not name the thing
        if not _has_content(piece, ctx.english):
            continue
        scores = {id(f): _score(_noun_of(f.item, f.text), piece, ctx.english) for f in figs}
        cand = max(candidates, key=lambda f: scores[id(f)])
        recall, f1 = scores[id(cand)]
        rival = max((scores[id(f)][1] for f in figs if not _same(value_of[id(f)][0], m.value)), default=0.0)
        if recall >= 0.5:
            if f1 >= rival:
                best = cand
                break
            return None, f"{shown} is not what the letter counts there"
        rivalled = rivalled or rival > 0
    if best is None and rivalled:
        return None, f"{shown} is not what the letter counts there"
    if best is None:
        # nothing in the sentence says what is counted: only a value one figure has will do
        distinct = {(f.item, f.text) for f in candidates}
        if len(distinct) != 1:
            return None, f"{shown}: the sentence does not say what it counts"
        best = candidates[0]
    return best, _qualifier_problem(m, best, ctx)


def _qualifier_problem(m: Mention, f: Figure, ctx: _Context) -> str:
    shown = ctx.text[m.start : m.end].strip()
    above = f.qualifier in ("以上", "余")
    if above != m.above:
        return f"{shown}: the letter says {f.text}"
    pieces = _pieces(ctx.text, m)
    clause = pieces[1] if len(pieces) > 1 else pieces[0]
    if _DECLINE.search(clause) and not _DECLINE.search(f.clause):
        return f"{shown}: the letter says {f.text} (direction)"
    own = fold(f.sentence)

    def cues(text: str) -> tuple[bool, bool]:
        plan = any(c[0] not in own for c in _PLAN_CUES.finditer(text))
        result = any(c[0] not in own for c in _RESULT_CUES.finditer(text))
        return plan, result

    plan, result = cues(clause)
    if not plan and not result:
        plan, result = cues(ctx.text)
    if _MET.search(ctx.text) and not any(c[0] in own for c in _MET.finditer(ctx.text)):
        plan, result = False, True
    if plan and not result and f.status == "result":
        return f"{shown} is a reported result, not a plan"
    if result and not plan and f.status == "target":
        return f"{shown} is a target, not a result"
    stated = [y for y in years_in(ctx.text)]
    own_years = years_in(f.sentence)
    if stated and own_years and not set(stated) & set(own_years):
        return f"{shown}: the letter gives it for {own_years[0]}"
    return ""


def _signed_year(letter: Letter) -> int | None:
    return letter.meta.signed.year if letter.meta.signed else None


def _in_text(token: str, texts: Iterable[str]) -> bool:
    pattern = re.compile(r"(?<![\d.])" + re.escape(token) + r"(?![\d])")
    return any(pattern.search(t) for t in texts)


def _letter_dates(letter: Letter) -> set[str]:
    out = set()
    for d in (letter.meta.signed, letter.meta.published):
        if isinstance(d, date):
            out |= {f"{d.year}-{d.month}-{d.day}", f"{d.month}-{d.day}"}
    return out


def _date_tokens(text: str) -> set[str]:
    return {m.token for m in mentions(fold(text)) if m.kind == "date"}


# ---- one sentence ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Known:
    """What every sentence is checked against, computed once per answer."""

    evidence: Evidence
    folded: dict[str, str]  # section id → folded text
    extractive_plain: str  # the extractive answer's words, folded, markers and markup removed
    extractive_numbers: tuple[Mention, ...]  # numbers it states outside its quotes (computed: 多25个)
    extractive_sections: frozenset[str]
    ambient: frozenset[str]  # bigrams of what the whole letter is about (辽宁省, its issuer)


def _plain(text: str) -> str:
    text = MARKER.sub(" ", text)
    text = re.sub(r"\*\*|__|`|^#+\s*|^>\s*", "", text, flags=re.M)
    return fold("".join(text.split()))


def known_of(ev: Evidence) -> _Known:
    folded = {sid: fold(s.text) for sid, s in ev.sections.items()}
    ex = normalize_markers(ev.extractive.answer) if ev.extractive.found or ev.extractive.outcome == "closest" else ""
    own_lines = "\n".join(line for line in ex.splitlines() if not line.lstrip().startswith(">"))
    numbers = tuple(m for m in mentions(fold(MARKER.sub(" ", own_lines)), ev.letter.source) if m.kind == "figure")
    meta = ev.letter.meta
    ambient = cjk_bigrams(fold(" ".join([meta.signer, meta.title, "辽宁省", "我省", "全省", "省科技厅"])))
    return _Known(ev, folded, _plain(ex), numbers, frozenset(c.section for c in ev.extractive.citations), frozenset(ambient))


def _support(rest: str, cited_text: str, english: bool, known: _Known) -> float | None:
    """Share of the sentence's words found in the cited sections; None when it has no words to check."""
    rest = without_frames(rest)
    if english:
        groups = _en_terms(rest)
        loose = [w for w in untranslated_words(rest) if not w.isdigit()]
        if not groups and not loose:
            return None
        found = sum(any(fold(alt) in cited_text for alt in g) for g in groups)
        return found / (len(groups) + 0.5 * len(loose))
    grams = cjk_bigrams(_strip_numbers(rest))
    if len(grams) < 2:
        return None
    cited = cjk_bigrams(cited_text) | known.ambient
    return len(grams & cited) / len(grams)


def check_sentence(raw: str, known: _Known, previous: tuple[str, ...] = ()) -> SentenceCheck:
    """One sentence; `previous` is what the sentence before it cites (这是2018年的目标 speaks of it)."""
    ev = known.evidence
    english = is_english(raw) if re.search(r"[A-Za-z\u4e00-\u9fff]", raw) else ev.english
    text = fold(raw)
    markers = MARKER.findall(text)
    cites = tuple(dict.fromkeys(k for k in markers if k in ev.sections))
    invented = [k for k in markers if k not in ev.sections]
    if invented:
        return SentenceCheck(raw, False, f"cites §{invented[0]}, a section it was not given", cites=cites)
    work = text
    for m in MARKER.finditer(work):
        work = _blank(work, *m.span())
    for m in re.finditer(r"\*\*|__|`", work):
        work = _blank(work, *m.span())
    plain = " ".join(work.split())
    core = plain.strip(" 。.!！?？;；:：,，")
    if len(core) >= 2 and "".join(core.split()) in known.extractive_plain:
        numbers = tuple(mentions(work, ev.letter.source))
        return SentenceCheck(raw, True, kind="trusted", cites=cites or tuple(sorted(known.extractive_sections)),
                             shown=raw, mentions=numbers)
    given_texts = list(known.folded.values())
    for m in _CONTACT.finditer(work):
        if not any(m[0].strip() in t for t in given_texts):
            return SentenceCheck(raw, False, "a link or contact detail the letter does not give", cites=cites)
    if len(core) >= 6:
        whole = [sid for sid, t in known.folded.items() if core in t]
        if whole:
            cites = cites or (whole[0],)
            shown = raw if MARKER.search(raw) else raw.rstrip() + f" [§{cites[0]}]"
            return SentenceCheck(raw, True, kind="quote", cites=cites, shown=shown,
                                 mentions=tuple(mentions(work, ev.letter.source)))
    # quotations: verbatim letter text in 「」 “” "" stands as a quote
    quoted: list[Mention] = []
    for m in re.finditer(r"「([^」]+)」|“([^”]+)”|\"([^\"]+)\"|『([^』]+)』", work):
        inner = next(g for g in m.groups() if g is not None).strip()
        homes = [sid for sid, t in known.folded.items() if inner and inner in t]
        if homes and (set(homes) & set(cites) or not cites):
            cites = cites or (homes[0],)
            quoted += [x for x in mentions(work[m.start() : m.end()], ev.letter.source) if x.kind == "figure"]
            work = _blank(work, *m.span())
    found = mentions(work, ev.letter.source)
    says_status = bool(_PLAN_CUES.search(work) or _RESULT_CUES.search(work) or _MET.search(work))
    if says_status and _status_only(work) and all(m.kind == "year" for m in found) and (cites or previous):
        # "这是已完成的实绩", "This is a plan": said of the sentence before when it has no marker of its own
        about = cites or previous
        problem = _status_problem(work, about, ev) or next(
            (p for m in found if (p := _check_mention(m, _Context(ev, about, work, english), [known.folded[c] for c in about], known)[0])), "")
        if problem:
            return SentenceCheck(raw, False, problem, cites=cites)
        return SentenceCheck(raw, True, kind="status", cites=cites, shown=raw, mentions=tuple(quoted))
    if not cites:
        if not found and _support(work, "", english, known) is None and _is_frame(work, english):
            return SentenceCheck(raw, True, kind="frame", shown=raw)
        return SentenceCheck(raw, False, "a claim with no section marker")
    cited_texts = [known.folded[c] for c in cites]
    ctx = _Context(ev, cites, work, english)
    shown, edits = raw, []
    for m in found:
        problem, figure = _check_mention(m, ctx, cited_texts, known)
        if problem:
            return SentenceCheck(raw, False, problem, cites=cites)
        if figure is not None:
            edits.append((m, figure))
    support = _support(work, " ".join(cited_texts), english, known)
    if support is not None and support < 0.5:
        return SentenceCheck(raw, False, f"words not in §{', §'.join(cites)} ({support:.0%} found)", cites=cites)
    shown = _letter_form(raw, work, edits, english)
    return SentenceCheck(raw, True, cites=cites, shown=shown, mentions=tuple(found) + tuple(quoted))


def _status_only(work: str) -> bool:
    rest = _STATUS_ONLY.sub(" ", without_frames(work))
    return not re.search(r"[\u4e00-\u9fff]|[a-z]{3,}", rest, re.I)


def _status_problem(work: str, cites: tuple[str, ...], ev: Evidence) -> str:
    """"这些都是已经完成的实绩 [§0.2]": the sections cited must be reported results (or plans)."""
    year = _signed_year(ev.letter)
    statuses = {section_status(ev.sections[c], year) for c in cites}
    met = bool(_MET.search(work) or _RESULT_CUES.search(work))
    plan = bool(_PLAN_CUES.search(work)) and not _MET.search(work)
    if plan and statuses == {"result"}:
        return "calls a reported result a plan"
    if met and not plan and statuses == {"target"}:
        return "calls a plan a result"
    return ""


def _is_frame(work: str, english: bool) -> bool:
    rest = without_frames(work)
    if english:
        words = [w for w in re.findall(r"[a-z]+", rest) if w not in english_stopwords() and len(w) > 2]
        return not words
    return len(re.findall(r"[\u4e00-\u9fff]", re.sub(r"[的了是和与及等呢吧啊：]", "", rest))) <= 1


def _check_mention(m: Mention, ctx: _Context, cited_texts: list[str], known: _Known) -> tuple[str, Figure | None]:
    ev = ctx.evidence
    if m.kind == "year":
        # the letter's own year is the year of its plans: allowed where a cited section plans
        ok = _in_text(m.token, cited_texts) or (int(m.value) == _signed_year(ev.letter) and any(
            section_status(ev.sections[c], _signed_year(ev.letter)) != "result" for c in ctx.cited))
        return ("" if ok else f"the year {m.token} is not in §{', §'.join(ctx.cited)}"), None
    if m.kind == "date":
        tokens = set().union(*(_date_tokens(t) for t in cited_texts))
        if "0" in ctx.cited:
            tokens |= _letter_dates(ev.letter)
        return ("" if m.token in tokens else f"the date {ctx.text[m.start:m.end].strip()} is not in the letter"), None
    if m.kind == "docnum":
        digits = re.sub(r"\D", "", m.token)
        ok = any(m.token in t.replace(" ", "") for t in cited_texts) or (
            m.token.isdigit() and _in_text(digits, cited_texts))
        return ("" if ok else f"the number {ctx.text[m.start:m.end].strip()} is not in the letter"), None
    if m.kind == "other":
        ok = any(m.token in t for t in cited_texts) or _in_text(re.sub(r"[^\d.]", "", m.token) or m.token, cited_texts)
        return ("" if ok else f"{m.token} is not in §{', §'.join(ctx.cited)}"), None
    figure, problem = check_figure(m, ctx)
    if figure is None and problem.endswith(tuple(f"§{c}" for c in ctx.cited)) and set(ctx.cited) & known.extractive_sections:
        # a number the extractive answer itself states (a difference, 多25个) for the same sections
        if any(_same(x.value, m.value) and x.group in (m.group, "bare") for x in known.extractive_numbers):
            return "", None
    return problem, figure


def _letter_form(raw: str, work: str, edits: list[tuple[Mention, Figure]], english: bool) -> str:
    """Figures in the letter's own form: 三十六个 → 36个 in Chinese; in English the letter's form is
    added in parentheses after the piece that states it, unless the sentence already has it."""
    out = raw
    for m, f in sorted(edits, key=lambda e: -e[0].start):
        form = figure_form(f)
        if english:
            if f.text in raw or form in raw:
                continue
            piece = _pieces(work, m)[0]
            at = work.find(piece, max(0, m.start - len(piece))) + len(piece)
            at = len(work[:at].rstrip(" .,;:。，；：!?"))
            out = out[:at] + f" ({f.text})" + out[at:]
        elif raw[m.start : m.unit_end].replace(" ", "") != form:
            out = out[: m.start] + form + out[m.unit_end :]
    return out


# ---- the whole answer ----------------------------------------------------------------------


def _stand_in(check: SentenceCheck, ev: Evidence, shown: set[str]) -> str:
    """The letter's own clause for the point a failed sentence made: the best bigram match among the
    given sections' figure clauses and sentences, verbatim, with its marker."""
    if not check.cites:
        return ""  # an unmarked claim has no point of the letter to stand in for
    pool = check.cites
    text = fold(MARKER.sub(" ", check.text))
    if is_english(check.text):
        grams = set().union(*(cjk_bigrams(alt) for g in _en_terms(text) for alt in g)) if _en_terms(text) else set()
    else:
        grams = cjk_bigrams(without_frames(_strip_numbers(text)))
    if len(grams) < 2:
        return ""
    best, best_key = "", (0.0, 0.0)
    for sid in pool:
        section = ev.sections[sid]
        options = [section.text[a:b] for a, b in sentence_spans(section.text)]
        options += [f.clause for f in ev.figures if f.section == sid]
        for opt in options:
            og = cjk_bigrams(fold(opt))
            if not og:
                continue
            hit = len(grams & og)
            recall, f1 = hit / len(grams), 2 * hit / (len(grams) + len(og))
            if recall >= 0.4 and (f1, -len(opt)) > best_key:
                best, best_key = f"{opt.rstrip('，,。；;：: ')} [§{sid}]", (f1, -len(opt))
    if not best or any(best.split(" [§")[0] in s for s in shown):
        return ""
    return best


def _note(replaced: int, removed: int, english: bool) -> str:
    n = replaced + removed
    if english:
        return (f"*Check: {n} sentence{'s' * (n > 1)} of the model's answer could not be verified against the letter; "
                f"{replaced} replaced with the letter's own words, {removed} removed.*")
    return f"*核验说明：模型回答中有{n}句未能与原信核实，{replaced}句已换成原信原文，{removed}句已删去。*"


def _figure_of_answer(extractive: Answer, letter: Letter) -> Mention | None:
    """The figure an extractive figure answer opens with (**36个**)."""
    if extractive.kind != "figure" or not extractive.found:
        return None
    m = re.match(r"\s*\*\*([^*]+)\*\*", extractive.answer)
    if not m:
        return None
    found = [x for x in mentions(fold(m[1]), letter.source) if x.kind == "figure"]
    return found[0] if found else None


_VERDICT = re.compile(r"^\W*(不对|不是|对|是的|no\b|yes\b|correct|incorrect)", re.I)


def _verdict(text: str) -> bool | None:
    m = _VERDICT.match(text.strip())
    if not m:
        return None
    return m[1].lower() in ("对", "是的", "yes", "correct")


def verify_answer(reply: str, ev: Evidence) -> Verification:
    """The model's reply as it may be shown, or the reason the extractive answer stands instead."""
    text = normalize_markers(strip_think(reply or ""))
    if not text.strip():
        return Verification("", fallback_reason="the model's reply was empty")
    if NOT_FOUND_REPLY.search(text):
        why = "the model said the letter does not answer it" if ev.extractive.found else "the model found no answer either"
        return Verification("", fallback_reason=why)
    if ev.extractive.outcome == "closest":
        return Verification("", fallback_reason="the letter gives no figure for exactly this")
    known = known_of(ev)
    pieces = split_sentences(text)
    checks: list[SentenceCheck | None] = []
    previous: tuple[str, ...] = ()
    for p in pieces:
        check = check_sentence(p.text, known, previous) if p.text.strip() else None
        if check is not None and check.ok and check.cites:
            previous = check.cites
        elif p.text.strip() == "" or (check is not None and check.kind == "frame"):
            previous = () if p.text.strip() == "" else previous  # a new paragraph starts afresh
        checks.append(check)
    shown_texts = {c.shown for c in checks if c and c.ok}
    lines: dict[int, list[str]] = {}
    replaced = removed = 0
    standing: list[Mention] = []  # figures of the letter's clauses that stand in for failed sentences
    for piece, check in zip(pieces, checks):
        row = lines.setdefault(piece.line, [])
        if check is None:
            continue
        lead = piece.prefix if not row else ""
        if check.ok:
            row.append(lead + check.shown)
            continue
        stand_in = _stand_in(check, ev, shown_texts)
        if stand_in:
            shown_texts.add(stand_in)
            standing += [x for x in mentions(fold(MARKER.sub(" ", stand_in)), ev.letter.source) if x.kind == "figure"]
            row.append(lead + (" " if ev.english and row else "") + stand_in + ("." if ev.english else "。"))
            replaced += 1
        else:
            removed += 1
    kept = [c for c in checks if c and c.ok and c.kind != "frame"]
    if not kept:
        return Verification("", [c for c in checks if c], replaced, removed,
                            fallback_reason="no sentence of the model's answer could be verified")
    wanted = _figure_of_answer(ev.extractive, ev.letter)
    if wanted is not None:
        stated = [x for c in kept for x in c.mentions if x.kind == "figure"] + standing
        if not any(_same(x.value, wanted.value) and x.group in (wanted.group, "bare") for x in stated):
            return Verification("", [c for c in checks if c], replaced, removed,
                                fallback_reason="the model's answer does not give the letter's figure")
    if ev.extractive.kind == "verify" or _verdict(ev.extractive.answer) is not None and ev.extractive.found:
        want, got = _verdict(ev.extractive.answer), _verdict(text)
        if want is not None and got is not None and want != got:
            return Verification("", [c for c in checks if c], replaced, removed,
                                fallback_reason="the model's 对/不对 differs from the letter's figure")
    had_text = {p.line for p in pieces if p.text.strip()}
    body = "\n".join("".join(lines.get(n, [])) for n in range(max(lines) + 1)
                     if n not in had_text or any(x.strip() for x in lines.get(n, [])))
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    if replaced or removed:
        body += "\n\n" + _note(replaced, removed, ev.english)
    cites = tuple(dict.fromkeys(k for c in kept for k in c.cites))
    cites += tuple(k for k in dict.fromkeys(MARKER.findall(body)) if k not in cites)
    return Verification(body, [c for c in checks if c], replaced, removed, cites)


def letter_evidence(letter: Letter, section_ids: Sequence[str], extractive: Answer, english: bool,
                    figures: Sequence[Figure]) -> Evidence:
    sections = {sid: letter.section(sid) for sid in section_ids}
    return Evidence(letter, sections, tuple(f for f in figures if f.section in sections), extractive, english)
