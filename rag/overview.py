"""Overviews built from the letter's own structure: the whole letter, one part or item, the work
already done, or one topic across parts. Every line is a verbatim piece of the letter with its
citation; nothing is paraphrased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import jieba

from rag.figures import figures_of
from rag.questions import LEXICON, Question, alternatives, letter_phrases, segmenter, stopwords
from rag.retrieve import translate_groups
from rag.scoring import Scorer, bigrams
from rag.structure import cn_numeral, section_named
from rag.text import normalize, sentence_spans
from rag.types import Answer, Citation, Letter, Section

_EN_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


@lru_cache(maxsize=1)
def cues() -> dict[str, re.Pattern]:
    """What makes a question ask for an overview, and of what (lexicon/overview.tsv)."""
    rows = [line.split("\t") for line in (LEXICON / "overview.tsv").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return {name: re.compile(pattern, re.I) for name, pattern in rows}


@dataclass(frozen=True)
class Scope:
    kind: str  # letter / plans (the numbered parts) / section (a part, an item, or 0 for the work done) / topic
    section: str = ""
    terms: tuple[str, ...] = ()
    figures: bool = False  # the figures of the scope are asked for, not its text


def read_scope(q: Question, letter: Letter, scorer: Scorer) -> Scope | None:
    """The overview a question asks for, or None when it asks for something narrower."""
    scope = _read_scope(q, letter, scorer)
    if scope and cues()["figures"].search(q.text) and scope.kind != "letter":
        return replace(scope, figures=True)
    return scope


def _part_number(text: str) -> int | None:
    if m := cues()["part"].search(text):
        raw = next(g for g in m.groups() if g)
        raw = str(_EN_NUMBERS.get(raw.lower(), raw))
        try:
            return cn_numeral(raw)
        except (KeyError, IndexError):
            return None
    return None


def _read_scope(q: Question, letter: Letter, scorer: Scorer) -> Scope | None:
    text = q.text
    if (narrow := cues()["narrow"].search(text)) and not (
            re.fullmatch(r"几[项条点个]|how many", narrow[0], re.I) and _counts_items(text, q, letter)):
        return None  # "第四部分有几项" is answered by the part's overview, which counts its items
    if not (cues()["summary"].search(text) or cues()["figures"].search(text) or (cues()["done"].search(text) and re.search(r"哪些|什么|啥|what|which", text, re.I))):
        # A part or item named with nothing else asked of it ("What is part 4 about?", "第四部分？")
        # asks for that part, whatever the wording around it.
        if q.figures or q.years or q.unknown:
            return None
        if terms := _topic_terms(q, letter):
            # "打造“双创”升级版具体要做些什么": an open question about an item named by its own title
            best, share = _best_titled(terms, text, letter, scorer)
            said = " ".join(terms) if q.english else text  # an English question, by its glossary terms
            if best is not None and _OPEN_ASK.search(text) and scorer.overlap(best.title, said) >= 0.6 \
                    and scorer.overlap(" ".join(terms), best.title) >= 0.7:
                return Scope("section", best.id)
            return None
        if named := section_named(text, letter):
            return Scope("section", named)
        n = _part_number(text)
        return Scope("section", str(n)) if n is not None and str(n) in {s.id for s in letter.sections} else None
    if named := section_named(text, letter):
        return Scope("section", named)
    if (n := _part_number(text)) is not None:
        ids = {s.id for s in letter.sections}
        return Scope("section", str(n)) if str(n) in ids else None
    terms = _topic_terms(q, letter)
    if cues()["done"].search(text):
        # "what did the research fund achieve": the point of the work done that speaks of it, if one does
        shares = {s.id: scorer.overlap(" ".join(terms), s.text) if terms else 0.0 for s in _children(letter, "0")}
        best = max(shares.values(), default=0.0)
        # one point far ahead of the others (平台 is 0.2's, though 0.1 names one too) is the one asked of
        done = [sid for sid, share in shares.items() if share >= 0.6 and share >= 0.85 * best]
        return Scope("section", done[0] if len(done) == 1 else "0")
    if not terms and q.intent == "target" and set(q.years) <= {_plan_year(letter)} \
            and (q.years or not cues()["letter"].search(text)):
        # "2018年的主要工作安排", "What are the main plans for 2018?": the plans are the numbered parts
        return Scope("plans")
    if not terms:
        # the whole letter only when the question names it; a bare "做什么工作" has lost its subject
        return Scope("letter") if cues()["letter"].search(text) else None
    # A question that names a part or item by its title gets that part or item: a part when the
    # question's topic is (mostly) in the part's title; an item when the question repeats its title,
    # or when the topic is in its title and in no other item (农业 is in 2.5 and 3.3: a topic).
    best, best_share = _best_titled(terms, text, letter, scorer)
    if best is not None and best_share >= 0.6:
        repeated = scorer.overlap(best.title, text) >= 0.6
        rarest = max(terms, key=lambda t: scorer.weight(bigrams(t)) / max(len(bigrams(t)), 1))
        elsewhere = [s for s in letter.sections if s.id != best.id and s.parent != best.id and s.depth > 0
                     and rarest in s.text]
        # "信里前后都提到了哪些举措": the question takes the whole letter as its scope, so a topic that
        # other items speak of too is gathered from all of them, not only from the item of that title
        letter_wide = cues()["letter"].search(text) and elsewhere and best.depth > 0
        if not letter_wide and (best.depth == 0 or repeated or not elsewhere):
            return Scope("section", best.id)
    if re.search(r"“[^”]+”|《[^》]+》|\"[^\"]+\"", text):
        return None  # what a named thing contains is the letter's to say, not a topic to gather
    return Scope("topic", terms=tuple(terms))


# a year says when, not what about: the years are read apart (Question.years)
_YEAR = re.compile(r"(?:19|20)\d{2}年?")
_OPEN_ASK = re.compile(r"什么|哪些|啥|怎么|如何|怎样|\bwhat\b|\bwhich\b|\bhow\b", re.I)


def _best_titled(terms: list[str], text: str, letter: Letter, scorer: Scorer) -> tuple[Section | None, float]:
    """The section whose title the question's topic matches best, and how well (0..1)."""
    query = " ".join(terms)
    best, best_share = None, 0.0
    for s in letter.sections:
        if s.id == "0" or not s.title:
            continue
        share = max(scorer.overlap(query, s.title), scorer.overlap(s.title, text) if len(s.title) >= 4 else 0.0)
        if share > best_share or (share == best_share and best is not None and s.depth < best.depth):
            best, best_share = s, share
    return best, best_share


@lru_cache(maxsize=4096)  # asked for every long phrase of every question; the letter does not change
def short_names(term: str, text: str) -> list[str]:
    """The letter's short names for a long name it uses: runs of the letter that keep the name's
    characters in order and its last one (沈大国家自主创新示范区 → 自创区, 沈大自创区), written at least twice."""
    if len(term) < 5 or not re.fullmatch(r"[\u4e00-\u9fff]+", term):
        return []
    out, words = [], [p.word for p in segmenter().cut(term)]
    for m in re.finditer(re.escape(term[-1]), text):
        for n in range(3, 7):
            run = text[max(0, m.end() - n) : m.end()]
            if len(run) == n and re.fullmatch(r"[\u4e00-\u9fff]+", run) and run not in term and run not in out \
                    and _abbreviates(run, words) and text.count(run) >= 2:
                out.append(run)
    return out


def _abbreviates(short: str, words: list[str], abbreviated: int = 0) -> bool:
    """Whether `short` is the name `words` cut the Chinese way: words kept whole or by their first
    character (at least two of them), the last word possibly by its tail (自主创新示范区 → 自创区).
    科技企业 does not abbreviate 科技型中小企业: it drops a qualifier and shortens nothing."""
    if not short:
        return abbreviated >= 2
    if not words:
        return False
    w, rest = words[0], words[1:]
    if short.startswith(w) and _abbreviates(short[len(w):], rest, abbreviated):
        return True
    if len(w) > 1 and short[0] == w[0] and _abbreviates(short[1:], rest, abbreviated + 1):
        return True
    if not rest and len(w) > 1 and w.endswith(short) and abbreviated >= 2:
        return True  # the head noun's tail: 示范区 → 区
    return _abbreviates(short, rest, abbreviated)


def _counts_items(text: str, q: Question, letter: Letter) -> bool:
    """Asks how many items a named part has, and nothing else."""
    if q.figures or q.years or _topic_terms(q, letter):
        return False
    if not re.search(r"几[项条点个]|how many (?:items|points|measures|tasks|parts)", text, re.I):
        return False
    return _part_number(text) is not None and section_named(text, letter) is None


def _topic_terms(q: Question, letter: Letter) -> list[str]:
    """The words that say what the overview is about, minus the words that only ask for one."""
    if q.english:
        groups = [g for g in translate_groups(q.text) if any(normalize(w) in normalize(letter.source) for w in g)]
        words = [w for g in groups for w in g if not cues()["frame"].search(w)]
        return [w for w in words if w in letter.source and not _YEAR.fullmatch(w)]
    # a topic is something the letter speaks of: fillers (大概, 简单) are not; a compound the letter
    # hardly writes whole is read by its words (农业科技 → 农业, 科技)
    # a long name the letter also writes short (沈大国家自主创新示范区, 自创区) is one topic, not its words
    named = [p for p in letter_phrases(q.text, letter.source, min_chars=5) if short_names(p, letter.source)]
    out = list(named)
    for t in q.terms:
        if _YEAR.fullmatch(t) or cues()["frame"].search(t) or cues()["letter"].fullmatch(t) or any(t in p for p in named):
            continue
        if len(t) >= 4 and letter.source.count(t) < 2:
            out.extend(w for w in jieba.lcut_for_search(t) if len(w) >= 2 and w != t and w in letter.source
                       and w not in stopwords())  # 目前为止 → not 目前
        elif t in letter.source or any(a in letter.source for a in alternatives(t)):
            out.append(t)
    return list(dict.fromkeys(out))


def compose(question: str, resolved: str, scope: Scope, letter: Letter, q: Question, scorer: Scorer) -> Answer | None:
    if scope.kind == "letter":
        return _letter_overview(question, resolved, letter, q.english)
    if scope.kind == "plans":
        return _plans_overview(question, resolved, letter, q.english)
    if scope.figures:
        return _figures_overview(question, resolved, letter, scope, q, scorer)
    if scope.kind == "section":
        return _section_overview(question, resolved, letter, letter.section(scope.section), q.english)
    return _topic_overview(question, resolved, letter, scope.terms, q, scorer)


def _figures_overview(question: str, resolved: str, letter: Letter, scope: Scope, q: Question,
                      scorer: Scorer) -> Answer | None:
    """"第五条定了哪些量化指标": every figure of the part, item or topic, with what it counts, cited."""
    if scope.kind == "section":
        ids = {scope.section} | {s.id for s in letter.sections if s.id.startswith(scope.section + ".")}
    else:
        topic = _topic_overview(question, resolved, letter, scope.terms, q, scorer)
        ids = {c.section for c in topic.citations} if topic else set()
    found = [f for f in figures_of(letter) if f.section in ids]
    if not found:
        return None
    lines, cites = [], []
    for f in found:
        cite = Citation(letter.doc, f.section, letter.section(f.section).label, f.item)  # shown as is
        cites.append(cite)
        lines.append(f"- **{f.text}** — {f.item} {cite.marker()}")
    where = f"§{scope.section}" if scope.kind == "section" else "、".join(scope.terms)
    head = f"The letter gives {len(found)} figures for {where}:" if q.english else f"信中{where}共有{len(found)}个数字："
    statuses = {f.status for f in found}
    return Answer(question, head + "\n\n" + "\n".join(lines), True, tuple(dict.fromkeys(cites)), "overview",
                  statuses.pop() if len(statuses) == 1 else "unknown", resolved, outcome="answered")


def _first_sentence(section: Section) -> str:
    spans_ = sentence_spans(section.text)
    return section.text[: spans_[0][1]] if spans_ else section.text


def _line(section: Section, quote: str) -> tuple[str, Citation]:
    cite = Citation(section.doc, section.id, section.label, quote)
    return f"- {quote} {cite.marker()}", cite


def _gist_line(letter: Letter, section: Section, english: bool) -> str:
    """What a section names and counts: its quoted names (“…”, 《…》) and its figures, verbatim."""
    # a quoted name with the noun it qualifies, when one follows (“十三五”规划)
    names = [m[0] + _next_noun(section.text[m.end():]) for m in re.finditer(r"“[^”]{2,30}”|《[^》]{2,60}》", section.text)]
    items = [f.item for f in figures_of(letter) if f.section == section.id]
    parts = []
    if names:
        parts.append(("Names: " if english else "提到：") + "、".join(dict.fromkeys(names)))
    if items:
        parts.append(("Figures: " if english else "数字：") + "；".join(dict.fromkeys(items)))
    return ("  " + "  \n  ".join(parts)) if parts else ""


def _next_noun(text: str) -> str:
    words = list(segmenter().cut(text[:8]))
    return words[0].word if words and words[0].flag[:1] == "n" and len(words[0].word) >= 2 else ""


def _children(letter: Letter, section_id: str) -> list[Section]:
    """The numbered pieces under a section; under section 0, the paragraphs of work done (0.1 …)."""
    return [s for s in letter.sections if s.parent == section_id and s.id.startswith(section_id + ".")]


def _letter_overview(question: str, resolved: str, letter: Letter, english: bool) -> Answer:
    m, header = letter.meta, letter.section("0")
    opening = next((ln for ln in header.text.splitlines() if "收悉" in ln or "答复如下" in ln), header.text.splitlines()[0])
    head_cite = Citation(letter.doc, "0", header.label, opening)
    done, parts = _children(letter, "0"), [s for s in letter.sections if s.parent == "0" and s.depth == 0]
    who = f"{m.addressee}代表" if m.addressee else ""
    if english:
        intro = (f"This is the reply {m.doc_number} of {m.signer or 'the department'} to deputy {m.addressee}'s suggestion "
                 f"《{m.suggestion_title}》. It first reports the work already done ({len(done)} points), then sets out "
                 f"{len(parts)} parts of next steps.")
        done_head, parts_head = "**Work already done (results):**", "**Next steps (plans):**"
    else:
        intro = (f"这是{m.signer or '来信单位'}对{who}《{m.suggestion_title}》的答复（{m.doc_number}）。"
                 f"信中先讲已经做的{len(done)}方面工作，再从{len(parts)}个方面部署下一步工作。")
        done_head, parts_head = "**已经做的工作（实绩）：**", "**下一步工作（计划）：**"
    lines, cites = [f"{intro}\n\n> {opening} {head_cite.marker()}", done_head], [head_cite]
    for s in done:
        line, cite = _line(s, _first_sentence(s))
        lines.append(line)
        cites.append(cite)
    lines.append(parts_head)
    for s in parts:
        line, cite = _line(s, _first_sentence(s))
        lines.append(line)
        cites.append(cite)
    return Answer(question, "\n\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:2 + len(done)]) + "\n\n"
                  + lines[2 + len(done)] + "\n\n" + "\n".join(lines[3 + len(done):]),
                  True, tuple(cites), "overview", "unknown", resolved, outcome="answered")


def _plan_year(letter: Letter) -> int | None:
    """The year the numbered parts plan for: the letter's own (a reply sets out this year's work)."""
    return letter.meta.signed.year if letter.meta.signed else None


def _plans_overview(question: str, resolved: str, letter: Letter, english: bool) -> Answer:
    """The numbered parts, each with its title and the titles of its items."""
    parts = [s for s in letter.sections if s.parent == "0" and s.depth == 0]
    year = _plan_year(letter)
    head = (f"The letter sets out its {year or ''} plans in {len(parts)} parts:" if english
            else f"信中从{len(parts)}个方面部署{f'{year}年' if year else '下一步'}的工作：")
    lines, cites = [head, ""], []
    for part in parts:
        line, cite = _line(part, _first_sentence(part))
        cites.append(cite)
        items = [c.title for c in _children(letter, part.id) if c.title]
        lines.append(line + ("  \n  " + "；".join(items) if items else ""))
    return Answer(question, "\n".join(lines), True, tuple(cites), "overview", "target", resolved, outcome="answered")


def _section_overview(question: str, resolved: str, letter: Letter, section: Section, english: bool) -> Answer:
    children = _children(letter, section.id) if section.id == "0" or section.depth == 0 else []
    cites: list[Citation] = []
    if children:
        heading = _first_sentence(section)
        if section.id == "0":
            head = f"**Work already done** — {len(children)} points:" if english else f"**已经做的工作** 共{len(children)}方面："
        else:
            head = f"**{heading}** [§{section.id}] — {len(children)} items:" if english else \
                f"**{heading}** [§{section.id}] 共{len(children)}项："
        if section.id != "0":
            cites.append(Citation(section.doc, section.id, section.label, _first_sentence(section)))
        lines = [head, ""]
        for child in children:
            line, cite = _line(child, _first_sentence(child))
            cites.append(cite)
            lines.append(line)
            if gist := _gist_line(letter, child, english):
                lines.append(gist)
        status = "result" if section.id == "0" else "target"
        return Answer(question, "\n".join(lines), True, tuple(cites), "overview", status, resolved, outcome="answered")
    # An item (or a part without items): its sentences, in order.
    sentences = [section.text[a:b] for a, b in sentence_spans(section.text)]
    cite = Citation(section.doc, section.id, section.label, sentences[0] if sentences else section.text)
    head = f"**{section.label}** [§{section.id}]" + (":" if english else "：")
    body = "\n".join(f"> {s}" + (f" {cite.marker()}" if i == 0 else "") for i, s in enumerate(sentences))
    return Answer(question, f"{head}\n\n{body}", True, (cite,), "overview", "unknown", resolved, outcome="answered")


def _titles(term: str, part: Section, letter: Letter) -> bool:
    """The term is in the part's title and in the titles of most of its items."""
    items = _children(letter, part.id)
    return term in part.title and bool(items) and sum(term in c.title for c in items) >= len(items) / 2


def _topic_overview(question: str, resolved: str, letter: Letter, terms: tuple[str, ...], q: Question,
                    scorer: Scorer, max_sections: int = 6) -> Answer | None:
    """Every section that speaks of the topic, with the sentences that do: those headed by it first,
    then in the letter's order."""
    # words most of the letter uses (科技, 建设) do not say what a section is about
    leaves = [s for s in letter.sections if s.id != "0" and not (s.depth == 0 and _children(letter, s.id))]
    # ... unless one numbered part and most of its items are titled by it (人才 in 壮大科技人才队伍 and
    # in each of its three items): that part is about it, while 发展 in 支撑产业创新发展 is only a word of it
    parts = [s for s in letter.sections if s.depth == 0 and s.id != "0" and s.title]
    titling = {t: owners[0].id for t in terms if len(owners := [p for p in parts if _titles(t, p, letter)]) == 1}
    specific = [t for t in terms if t in titling or sum(t in s.text for s in leaves) <= 0.4 * len(leaves)]
    terms = tuple(specific) or terms
    titled_parts = {titling[t] for t in terms if t in titling}
    forms = {t: [t, *alternatives(t), *short_names(t, letter.source)] for t in terms}
    weights = {t: scorer.weight(bigrams(t)) or 1.0 for t in terms}
    hits = []
    for s in letter.sections:
        if s.id == "0" or (s.depth == 0 and _children(letter, s.id)):
            continue  # headings are covered by their items; section 0 is the frame of the letter
        sentences = [s.text[a:b] for a, b in sentence_spans(s.text)]
        found = [(sent, sum(weights[t] for t, alts in forms.items() if any(a in sent for a in alts))) for sent in sentences]
        headed = bool(s.title) and s.title in found[0][0][:len(s.title) + 4]
        body = found[1:] if headed else found  # the heading aside
        if headed and any(w > 0 for _, w in found[:1]) or s.parent in titled_parts:
            # the section is about the topic (it is in its heading, or its part's): all of it, before the rest
            top_weight = sum(weights.values()) if s.parent in titled_parts else max(w for _, w in found)
            hits.append((2 * top_weight, s, [sent for sent, _ in body]))
        elif any(w > 0 for _, w in body):
            hits.append((max(w for _, w in body), s, [sent for sent, w in body if w > 0][:3]))
    if not hits:
        return None
    top = max(w for w, _, _ in hits)
    chosen = sorted((h for h in hits if h[0] >= 0.3 * top), key=lambda h: -h[0])[:max_sections]
    topic = "、".join(terms[:3])
    head = (f"The letter speaks of {topic} in {len(chosen)} places:" if q.english
            else f"信中涉及“{topic}”的内容有{len(chosen)}处：")
    lines, cites = [head, ""], []
    for _, s, sentences in chosen:
        cite = Citation(s.doc, s.id, s.label, sentences[0])
        cites.append(cite)
        lines.append(f"- **{s.label}** {cite.marker()}")
        lines.extend(f"  > {sent}" for sent in sentences)
    return Answer(question, "\n".join(lines), True, tuple(cites), "overview", "unknown", resolved, outcome="answered")
