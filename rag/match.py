"""Which figure of the evidence answers a figure question, if any.

A figure fits when its unit, year and plan/result fit the question, the thing it counts is named
where it stands (its list item or clause), and the rest of the question is about its sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rag.figures import figures_of, named_figures_of
from rag.questions import LEXICON, UNIT_GROUPS, Question, content_words
from rag.retrieve import Retrieval
from rag.scoring import Scorer, abbreviation, char_share, head_noun
from rag.text import clause_spans, normalize, plan_years, sentence_spans
from rag.types import Chunk, Figure, Letter, Section


def previous_sentence(section: Section, sentence: str) -> str:
    """The sentence before, which often names the topic this one continues (该基金…共资助…)."""
    spans_ = sentence_spans(section.text)
    starts = [a for a, _ in spans_]
    at = section.text.find(sentence)
    i = starts.index(at) if at in starts else 0
    return section.text[spans_[i - 1][0] : spans_[i - 1][1]] if i > 0 else ""


def parent_title(letters: dict[str, Letter], section: Section) -> str:
    if section.parent in (None, "0"):
        return ""
    return letters[section.doc].section(section.parent).title


class FigureMatcher:
    def __init__(self, letters: dict[str, Letter], scorer: Scorer, cache_dir: Path | None = None):
        self.letters = letters
        self.scorer = scorer
        self.cache_dir = cache_dir
        self.all_text = "\n".join(letter.source for letter in letters.values())
        # each section's figures, looked up once instead of scanning the letter per candidate
        self.by_section: dict[tuple[str, str], list[Figure]] = {}
        for letter in letters.values():
            for f in figures_of(letter):
                self.by_section.setdefault((f.doc, f.section), []).append(f)
        self.named = [f for letter in letters.values() for f in named_figures_of(letter)]
        self._specific: dict[str, bool] = {}
        self._thing_names: dict[str, bool] = {}
        self.sentences = [normalize(s.text[a:b]) for letter in letters.values() for s in letter.sections
                          for a, b in sentence_spans(s.text)]

    def _words_in(self, phrase: str, text: str) -> bool:
        """Every word of a phrase is in the text, in any order (创新创业团队 in 科技创新创业人才团队);
        compounds of four characters and more are taken two by two (省级重点 → 省级, 重点)."""
        words = content_words(phrase, self.cache_dir)
        pieces = [w[i : i + 2] for w in words for i in range(0, len(w), 2)] if words else []
        return all(p in text for p in pieces if len(p) == 2 or p == pieces[-1])

    def names_a_figure(self, phrase: str) -> bool:
        """The phrase is what some figure of the letter counts, written right beside it (工程研究中心39个):
        the name of a counted thing, which a question means as written, not any thing sharing its words."""
        if phrase not in self._thing_names:
            self._thing_names[phrase] = any(
                normalize(phrase + f.text) in normalize(f.item) or normalize(f.text + phrase) in normalize(f.item)
                for figures in self.by_section.values() for f in figures)
        return self._thing_names[phrase]

    def is_specific(self, phrase: str) -> bool:
        """A phrase of five or more characters that at most two sentences of the letter write: the name
        of one thing (省级技术创新中心), not a common word of the letter (科技创新, 科研人员)."""
        if phrase not in self._specific:
            self._specific[phrase] = len(phrase) >= 5 and sum(phrase in s for s in self.sentences) <= 2
        return self._specific[phrase]

    def match(self, q: Question, evidence: list[Chunk], retrieval: Retrieval) -> Match:
        """Figures that fit the question, best first, and near misses: figures of the very thing asked
        about that differ in a qualifier the question states (the year, 国家级/省级, plan or result)."""
        rank_of = {(e.section.doc, e.section.id): e.rank for e in evidence}
        # "验收合格、已经挂牌运作的工程技术研究中心": the head after the last 的 is the thing counted;
        # what comes before it narrows it down and is checked against the figure's sentence.
        modifiers, _, counted = q.counted.rpartition("的")
        if len(re.findall(r"[\u4e00-\u9fff]", counted)) < 2:
            modifiers, counted = "", q.counted
        if q.unit_group == "money" and not q.english:
            counted = _as_money(counted)
        # word by word, so that bigrams across 跟/的/有关 do not count against the phrase
        counted_words = " ".join(content_words(counted, self.cache_dir)) if counted else ""
        # only the modifiers the letter has words for can be checked (批下来, 合格 cannot)
        modifier_words = [w for w in content_words(modifiers, self.cache_dir) if len(w) >= 2 and w in self.all_text]
        # the letter's names in the question that say what is counted (工程研究中心 in 多少个工程研究中心)
        thing_anchors = [p for p in q.anchors if counted and (p in q.counted or q.counted in p or _shares_word(p, counted))]
        asked_levels = levels_fitting(levels_in(q.text))
        full, near = [], []
        for e in evidence:
            for f in self.by_section.get((e.section.doc, e.section.id), []):
                unit_fits = not q.unit_group or f.unit in UNIT_GROUPS[q.unit_group]
                if q.unit_strict and not unit_fits:
                    continue
                if any(x in f.clause for x in q.excluded):
                    continue  # the question set this aside ("农业那块不算")
                segment = self._segment_of(f)
                context = self._context(f)
                if not all(any(alt in context + e.section.title for alt in group) for group in q.names):
                    continue  # a place the question names (丹东, 德国) does not qualify this figure
                if q.english:
                    s_seg, s_ctx = self.scorer.relevance(q, segment), self.scorer.relevance(q, context)
                else:
                    s_seg = max(self.scorer.overlap(counted_words, segment), abbreviation(counted, segment),
                                0.8 * char_share(counted, segment)) if counted else 0.0
                    s_ctx = self.scorer.overlap(counted_words, context) if counted else 0.0
                s_clause = self.scorer.relevance(q, context)
                s_sent = self.scorer.relevance(q, f.sentence)
                dense = self._sentence_similarity(retrieval, f, e.section)
                score = (3 * s_seg + s_ctx + 2 * s_clause + s_sent + self.scorer.relevance(q, f.item)
                         + 0.3 / (1 + rank_of[(f.doc, f.section)]) + 0.5 * unit_fits
                         + 0.3 * (f"{f.doc}:{f.section}" in retrieval.preferred))
                if q.english:
                    score += 2 * dense
                whole = self.scorer.relevance(q, previous_sentence(e.section, f.sentence) + f.sentence
                                       + e.section.title + parent_title(self.letters, e.section))
                if modifier_words and sum(w in f.sentence or abbreviation(w, f.clause) > 0 for w in modifier_words) < len(modifier_words) / 2:
                    continue  # the figure's sentence says nothing of what narrows the thing down
                if not self._supported(q, max(s_seg, s_ctx), s_clause, whole, segment + context, self._alone_in_sentence(f, q)):
                    continue
                # The letter's own names in the question: one the figure's sentence never mentions means
                # the question is about something else (省级技术创新中心 is not 省级工程技术研究中心);
                # one in the figure's own piece is the thing it counts (工程研究中心39个).
                local = normalize(segment + "，" + context)
                broad = normalize(previous_sentence(e.section, f.sentence) + f.sentence + e.section.title
                                  + parent_title(self.letters, e.section))
                if any(self.is_specific(p) and p not in broad and not self._words_in(p, f.sentence) for p in q.anchors):
                    continue
                if any(p not in local and self.names_a_figure(p) for p in thing_anchors if counted.endswith(p)):
                    continue  # the thing asked about, as the letter names it, is not what this figure counts
                if any(len(p) >= 5 and p in normalize(f.sentence) and p not in local and normalize(f.item).endswith(p[-3:])
                       for p in q.anchors) and not any(a in local for a in q.anchors):
                    continue  # another thing of the same kind, named in another clause (探索组建辽宁省实验室, not 省级重点实验室)
                own = normalize(segment)
                thing = max((len(p) for p in thing_anchors if p in own), default=0)
                named = sum(len(p) for p in q.anchors if p in own)
                score += 0.25 * max((len(p) for p in q.anchors if p in local), default=0)
                differs = []
                if q.years and not self.year_fits(f, q.years):
                    differs.append("year")
                if q.intent and not q.years and f.status not in (q.intent, "unknown"):
                    differs.append("status")
                if asked_levels and not asked_levels & levels_in(segment) and levels_in(segment):
                    differs.append("level")  # 国家级 asked, 省级 stated
                (near if differs else full).append(Candidate(score, f, thing, tuple(differs), named))
        if asked_levels:
            # 国家级 asked, and a figure of the evidence names it: a figure whose piece states no level
            # (162个重点实验室通过验收) is not the national one
            head = head_noun(counted, self.cache_dir) if counted else ""
            stated = [c for c in full + near if head and head in c.figure.item
                      and asked_levels & levels_in(self._segment_of(c.figure))]
            if stated:
                unstated = [c for c in full if not levels_in(self._segment_of(c.figure))]
                full = [c for c in full if c not in unstated]
                near += [Candidate(c.score, c.figure, c.thing, (*c.differs, "level"), c.named) for c in unstated]
        # Of the figures of one sentence, the one whose own piece names more of what the question says
        # wins (新批准组建…重点实验室 is 36, not the 162 that 通过验收 in the same sentence).
        pool = full + near
        full = [c for c in full if not _outnamed(c, pool)]
        near = [c for c in near if not _outnamed(c, pool)]
        # the figure whose own piece names the thing asked about outranks those that only share words with it
        full.sort(key=lambda c: (-c.thing, -c.score))
        near.sort(key=lambda c: (-c.thing, -c.score))
        if not full and not near and counted:
            full = self._in_names(q, counted, evidence, rank_of)
        best_thing = full[0].thing if full else 0
        full = [c for c in full if c.thing >= best_thing]
        also: list[Figure] = []
        narrow = full[0].figure if full else None
        # ... unless the conversation is in that field: the previous answer cited its section
        # (农业方面… then "那要突破多少项重大关键技术": agriculture's 10项以上)
        in_field = narrow is not None and f"{narrow.doc}:{narrow.section}" in retrieval.preferred
        if len(full) > 1 and counted and not in_field and self._narrowed(narrow, counted, q.text):
            # The letter counts this thing twice, once narrowed to a field the question does not name
            # (重大关键技术: 全年60项, and 制约…现代农业发展的 10项以上): the general count answers,
            # and the narrow one is shown beside it.
            general = next((c for c in full[1:] if not self._narrowed(c.figure, counted, q.text)), None)
            if general:
                also = [narrow]
                full = [general] + [c for c in full if c is not general]
        return Match(
            full=[(c.score, c.figure) for c in full],
            near=[c for c in near if c.thing or (counted and c.score >= 3)],
            also=also,
        )

    def _narrowed(self, f: Figure, counted: str, question: str) -> bool:
        """The figure's piece narrows the thing with a 的-phrase (突破制约我省现代农业发展的重大关键技术)
        of which the question states no word. The piece's opening word is its verb (突破, 新增), not part
        of what narrows."""
        item = normalize(f.item)
        at = item.find(counted)
        if at < 0:
            return False
        before = item[:at]
        de = before.rfind("的")
        if de < 0 or at - de > 5:
            return False
        words = [w for w in content_words(before[:de], self.cache_dir) if len(w) >= 2]
        if words and before.startswith(words[0]):
            words = words[1:]
        asked = normalize(question).replace(counted, "")
        return bool(words) and not any(_shares_word(w, asked) for w in words)

    def _in_names(self, q: Question, counted: str, evidence: list[Chunk], rank_of) -> list[Candidate]:
        """"沈阳那个人才政策是多少条": the number of a name (“人才政策24条”) answers only a question
        that counts what the name itself is, in the name's own unit."""
        head = head_noun(counted, self.cache_dir)
        name_words = [w for w in content_words(counted, self.cache_dir) if w in self.all_text]
        out = []
        for f in self.named:
            if (f.doc, f.section) not in rank_of or not head or head not in f.item:
                continue
            if q.unit_group and f.unit not in UNIT_GROUPS[q.unit_group]:
                continue
            if not all(w in f.item or w in f.clause for w in name_words):
                continue  # every word of the asked thing is the name's or its clause's (沈阳“人才政策24条”)
            out.append(Candidate(self.scorer.relevance(q, f.sentence) + 0.3 / (1 + rank_of[(f.doc, f.section)]),
                                 f, len(f.item)))
        return sorted(out, key=lambda c: -c.score)[:1]

    def _supported(self, q: Question, thing: float, clause: float, whole: float, local: str, alone: bool) -> bool:
        """What is asked about must be named where the figure stands, and the rest of the question
        must be about the figure's sentence (not about another topic that shares a noun)."""
        if q.english:
            return whole >= 0.4 and (clause >= 0.2 or thing >= 0.3 or (whole >= 0.5 and clause > 0))
        if whole < 0.45:
            return False
        if q.counted and thing >= 0.5:
            return True
        heads = {head_noun(q.counted, self.cache_dir) or q.last_term} - {""}
        if clause >= 0.5 or (whole >= 0.6 and any(h in local for h in heads)):
            return True
        # The sentence is plainly the one asked about and holds one figure of the asked kind.
        return q.unit_strict and whole >= 0.6 and alone

    def _alone_in_sentence(self, f: Figure, q: Question) -> bool:
        same = [g for g in self.by_section[(f.doc, f.section)] if g.sentence == f.sentence
                and (not q.unit_group or g.unit in UNIT_GROUPS[q.unit_group])]
        return len(same) == 1

    def _context(self, f: Figure) -> str:
        """The figure's clause, with the clause before it when its own has no subject (…计划,立项1510项)."""
        clauses = [f.sentence[a:b] for a, b in clause_spans(f.sentence)]
        for i, c in enumerate(clauses):
            if f.clause in c:
                bare = re.sub(r"[\d.]+|" + re.escape(f.unit) + "|以上|达到|增长", "", c)
                if len(re.findall(r"[\u4e00-\u9fff]", bare)) < 4 and i:
                    return clauses[i - 1] + c
                return c
        return f.clause

    @staticmethod
    def _segment_of(f: Figure) -> str:
        """The figure's own piece, with the words that open its list (2017年新批准组建…), which
        belong to every piece of it."""
        if f.clause.startswith(f.item):
            return f.item
        return _lead_words(f.clause.split("、")[0]) + f.item

    def year_fits(self, f: Figure, years: list[int]) -> bool:
        """The figure's sentence must state the year asked; a plan with no year is for the letter's year."""
        stated = [int(y) for y in re.findall(r"(?<![\d〔])((?:19|20)\d{2})(?=年)", f.sentence)] + plan_years(f.sentence)
        if stated:
            return any(y in stated for y in years)
        letter = self.letters[f.doc]
        signed = letter.meta.signed.year if letter.meta.signed else None
        return f.status == "target" and signed in years

    def _sentence_similarity(self, retrieval: Retrieval, f: Figure, section: Section) -> float:
        start = section.text.find(f.sentence)
        return retrieval.sentence_similarity.get((f.doc, f.section, start), 0.0)


@dataclass(frozen=True)
class Candidate:
    score: float
    figure: Figure
    thing: int  # length of the letter's own name of the asked thing found in the figure's piece
    differs: tuple[str, ...] = ()  # qualifiers the question states that the figure does not share
    named: int = 0  # length of all the letter's names in the question that the figure's piece holds


def _outnamed(c: Candidate, pool: list[Candidate]) -> bool:
    return any(o.figure.sentence == c.figure.sentence and (o.thing, o.named) > (c.thing, c.named)
               and o.thing >= c.thing and o.named >= c.named for o in pool)


@dataclass
class Match:
    full: list[tuple[float, Figure]]
    near: list[Candidate] = field(default_factory=list)
    also: list[Figure] = field(default_factory=list)  # the same thing counted in a narrower field


# what people call money (经费, 钱, 费用) is what the letter counts in 元 as 资金
_MONEY_NOUN = re.compile(r"(?:经费|费用|款项|拨款|钱|资金)$")
_LETTER_MONEY = ("资金", "贷款", "投资", "资本")


def _as_money(counted: str) -> str:
    """The money a question asks about, in the letter's word: 财政经费 → 财政资金; 自然科学基金计划
    (…花了多少钱) names whose money it is, which the sentence names, so the thing counted is 资金."""
    if _MONEY_NOUN.search(counted):
        return _MONEY_NOUN.sub("资金", counted)
    if any(word in counted for word in _LETTER_MONEY):
        return counted
    # 能贷多少钱 asks for 贷款, 投了多少 for 投资
    return next((word for word in ("贷款", "投资") if word[0] in counted), "资金")


def _shares_word(a: str, b: str) -> bool:
    return any(a[i : i + 2] in b for i in range(len(a) - 1))


@lru_cache(maxsize=1)
def _level_words() -> list[tuple[str, re.Pattern]]:
    rows = [line.split("\t") for line in (LEXICON / "levels.tsv").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    return [(level, re.compile(pattern, re.I)) for level, pattern in rows]


def levels_in(text: str) -> set[str]:
    """The administrative levels a text states (national, provincial, provincial and above)."""
    return {level for level, pattern in _level_words() if pattern.search(text)}


def levels_fitting(asked: set[str]) -> set[str]:
    """The stated levels that answer the asked ones: 省级 and 省级以上 are read as one (people say
    "provincial-level" of what the letter counts 省级以上), 国家级 is never the count of 省级以上."""
    out = set(asked)
    if asked & {"provincial", "provincial_up"}:
        out |= {"provincial", "provincial_up"}
    return out


def _lead_words(first_piece: str) -> str:
    """The words before the first figure of a list clause (2017年新批准组建), shared by every piece."""
    m = re.search(r"\d+(?:\.\d+)?(?![\d年])", first_piece)
    lead = first_piece[: m.start()] if m else ""
    return re.sub(r"[\u4e00-\u9fff]{2,}$", lambda x: x.group(0)[: max(0, len(x.group(0)) - 8)], lead)
