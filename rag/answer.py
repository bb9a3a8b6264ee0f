"""Retrieved sections → a grounded Answer with citations, by extraction (no language model).

Every answer quotes the letter verbatim and cites the section the quote comes from. A question is
"not found" when the evidence does not carry what it asks: no figure of the unit, time and thing it
asks about; a person, place or date the sections never state; or words the letter never uses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from rag import compare, overview
from rag.figures import FIGURE, STATUS_EN, STATUS_ZH, reported_years, status_at, status_words, years_in
from rag.match import Candidate, FigureMatcher, parent_title
from rag.questions import (
    LEXICON,
    UNIT_GROUPS,
    Question,
    alternatives,
    analyze,
    asks_when,
    intent_of,
    is_yes_no,
    letter_form,
    place_is,
    place_kind_asked,
    segmenter,
)
from rag.questions import places as places_list
from rag.retrieve import Retrieval, translate_groups, translate_terms, untranslated_words
from rag.scoring import Scorer, bigrams
from rag.settings import Settings
from rag.structure import DOC_NUMBER
from rag.text import clause_spans, enclosing, is_english, sentence_spans, sentences
from rag.types import Answer, Chunk, Citation, Figure, Letter, Section

log = logging.getLogger(__name__)
NOT_FOUND = "信中未提及"  # the one "not found" phrase: prompts, extractive answers and tests use it


class AnswerBuilder:
    mode = "extractive"

    def __init__(self, letters: Sequence[Letter], cache_dir: Path | None = None,
                 retrieve: Callable[..., Retrieval] | None = None):
        self.letters = {letter.doc: letter for letter in letters}
        self.cache_dir = cache_dir
        self.retrieve = retrieve  # ranks the sections for a sub-question (one side of a comparison)
        self.meta_rules = [
            (field, re.compile(pattern, re.I))
            for field, pattern in (
                line.split("\t") for line in (LEXICON / "meta.tsv").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")
            )
        ]
        self.scorer = Scorer(letters)
        self.matcher = FigureMatcher(self.letters, self.scorer, cache_dir)

    @classmethod
    def from_settings(cls, settings: Settings, letters: Sequence[Letter],
                      retrieve: Callable[..., Retrieval] | None = None) -> AnswerBuilder:
        builder = cls(letters, cache_dir=settings.data_dir / "jieba", retrieve=retrieve)
        if settings.uses_llm:
            from rag.llm import LLMAnswerBuilder

            return LLMAnswerBuilder(builder, settings)  # checked against the letter, falls back to extraction
        return builder

    def _query_text(self, q: Question) -> str:
        return " ".join(translate_terms(q.text)) if q.english else " ".join(q.terms)

    # ---- entry point ----------------------------------------------------------------------
    def build(self, question: str, resolved: str, retrieval: Retrieval) -> Answer:
        return self._with_status(self._build(question, resolved, retrieval))

    def _with_status(self, answer: Answer) -> Answer:
        """An answer whose quotes are all plans, or all reported results, says so (a list of 2018 tasks
        is a plan as much as a single 2018 figure is)."""
        if not answer.found or not answer.citations or answer.kind in ("compound", "meta"):
            return answer
        statuses = {answer.status} if answer.status != "unknown" else {
            self._status_of(self.letters[c.doc].section(c.section), s) for c in answer.citations for s in sentences(c.quote)}
        if len(statuses) != 1 or "unknown" in statuses:
            return answer
        status = statuses.pop()
        letter = self.letters[answer.citations[0].doc]
        year = letter.meta.signed.year if letter.meta.signed else ""
        english = is_english(answer.question)
        words = (STATUS_EN if english else STATUS_ZH)[status].format(year=year)
        if words.lower() not in answer.answer.lower():
            note = f"*(What the letter says here is {words}.)*" if english else f"*（信中此处所述为{words}。）*"
            answer = replace(answer, answer=f"{answer.answer}\n\n{note}")
        return replace(answer, status=status)

    def _build(self, question: str, resolved: str, retrieval: Retrieval) -> Answer:
        top = retrieval.sections[0][0].metadata["doc"] if retrieval.sections else next(iter(self.letters))
        letter = self.letters[top]
        signed_year = letter.meta.signed.year if letter.meta.signed else None
        q = analyze(resolved, letter.source, signed_year, self.cache_dir, ambient=letter.meta.signer)
        evidence = self._evidence(retrieval)
        closest = evidence[0].section if evidence else None

        if meta := self._meta_answer(question, resolved, q, letter):
            return meta
        computed = compare.compose(self, question, resolved, q, retrieval) if q.figures else None
        if computed:
            return computed  # a question that quotes a figure asks about that figure, not for an overview
        if overview.cues()["where"].search(q.text) and (where := self._where_answer(question, resolved, q, evidence)):
            return where
        if (scope := overview.read_scope(q, letter, self.scorer)) and (
                summary := overview.compose(question, resolved, scope, letter, q, self.scorer)):
            return summary
        if not q.terms and not q.figures and not q.years and not (q.english and translate_groups(q.text)):
            return self._no_question(question, resolved, q)
        if not q.figures and (computed := compare.compose(self, question, resolved, q, retrieval)):
            return computed
        if _FULL_NAME.search(q.text) and (full := self._full_name_answer(question, resolved, q, letter)):
            return full
        if by_number := self._document_by_number(question, resolved, q, letter):
            return by_number
        if q.unknown_names or (q.unknown and q.kind in {"person", "when", "place", "agent"}):
            # Words the letter never uses decide only where no finer evidence check follows;
            # figure and list answers are held to their own clause instead.
            return self._not_found(question, resolved, q, closest, f"unknown terms {q.unknown}")
        if (_OUTCOME.search(q.text) and not re.search(r"还是|是不是|\bor\b", q.text)  # "…实现了，还是…" asks which
                and (signed_year and q.years and max(q.years) >= signed_year or not q.years and _LATER.search(q.text))):
            # A letter cannot report how its own year, or a later one, turned out: only what it planned.
            return self._not_found(question, resolved, q, closest, "outcome after the letter's date")
        handler = {
            "figure": self._figure_answer,
            "verify": self._verify_answer,
            "list": self._list_answer,
            "place": self._place_answer,
            "when": self._when_answer,
            "person": lambda *a: None,  # the only people a letter names are in its header
            "agent": self._agent_answer,
            "docnum": self._docnum_answer,
            "passage": self._passage_answer,
        }[q.kind]
        answer = handler(question, resolved, q, evidence, retrieval)
        if q.kind in ("passage", "when") and is_yes_no(q.text, q.english):
            answer = self._year_check(q, answer)
        return answer or self._not_found(question, resolved, q, closest, q.kind)

    def _evidence(self, retrieval: Retrieval, k: int = 5) -> list[Chunk]:
        """The top k sections, then any section the exact lane found that they miss."""
        scores = {f"{d.metadata['doc']}:{d.metadata['section']}": score for d, score in retrieval.sections}
        keys = list(scores)[:k] + retrieval.exact
        out: list[Chunk] = []
        for key in dict.fromkeys(keys):
            doc, _, sid = key.partition(":")
            lanes = ("fused",) * (key in keys[:k]) + ("exact",) * (key in retrieval.exact)
            out.append(Chunk(self.letters[doc].section(sid), len(out), scores.get(key, 0.0), lanes))
        return out

    # ---- answers --------------------------------------------------------------------------
    def _meta_answer(self, question: str, resolved: str, q: Question, letter: Letter) -> Answer | None:
        """Facts of the letter itself (文号, addressee, signer, dates …): every one the question asks
        ("Who sent this reply, and to whom?" is two), each with the line of the letter it stands in."""
        if _OTHER_DOCUMENT.search(resolved) and not _THIS_LETTER.search(resolved):
            return None  # the 文号 or date of a document the letter cites, not of the letter
        found = []
        for field, pattern in self.meta_rules:
            if field == "signed" and any(f == "published" for f, _, _ in found):
                continue  # one date is asked for: the site's, when the question names the site
            if pattern.search(resolved) and field not in (f for f, _, _ in found):
                fact = self._meta_fact(field, letter, q.english)
                if fact is None:
                    return None
                found.append((field, *fact))
        if not found:
            return None
        cites = tuple(dict.fromkeys(cite for _, _, cite in found))
        text = "\n\n".join(line for _, line, _ in found)
        text += "\n\n" + "\n".join(f"> {c.quote}" for c in cites)
        return Answer(question, text, True, cites, "meta", "unknown", resolved)

    def _meta_fact(self, field: str, letter: Letter, english: bool) -> tuple[str, Citation] | None:
        m = letter.meta
        value = {
            "doc_number": m.doc_number,
            "addressee": m.addressee,
            "suggestion_number": m.suggestion_number and f"第{m.suggestion_number}号",
            "suggestion_title": m.suggestion_title and f"《{m.suggestion_title}》",
            "session": m.session,
            "signer": m.signer,
            "signed": m.signed and f"{m.signed.year}年{m.signed.month}月{m.signed.day}日",
            "published": m.published and m.published.isoformat(),
        }[field]
        if not value:
            return None
        header = letter.section("0")
        probe = {"signed": m.signed_raw, "published": None, "suggestion_number": m.suggestion_number,
                 "suggestion_title": m.suggestion_title}.get(field, value)
        line = next((ln for ln in header.text.splitlines() if probe and probe in ln), header.text.splitlines()[0])
        note = ""
        if field == "signed" and m.signed_raw and m.signed_raw != value:
            note = f"（原文落款写作“{m.signed_raw}”）" if not english else f" (written “{m.signed_raw}” in the source)"
        if field == "published":
            note = "（网站发布日期，见网页信息栏，不属于信件正文）" if not english else " (date the site published it)"
            line = header.text.splitlines()[0]
        cite = Citation(letter.doc, "0", header.label, line)
        return f"**{value}**{note} {cite.marker()}", cite

    def _figure_answer(self, question, resolved, q: Question, evidence, retrieval) -> Answer | None:
        match = self.matcher.match(q, evidence, retrieval)
        if match.full:
            shown = self._render_figure(question, resolved, q, match.full[0][1])
            return self._with_narrower(shown, q, match.also)
        if match.near:
            return self._closest_figure(question, resolved, q, match.near[0])
        return None

    def figure_for(self, text: str, q: Question, retrieval: Retrieval, values: Sequence[float] = ()) -> Figure | None:
        """The figure a sub-question asks for (one side of a comparison), or None; of those that fit,
        the one with a value the side names (the 376 projects), if any."""
        letter = next(iter(self.letters.values()))
        signed = letter.meta.signed.year if letter.meta.signed else None
        sub = analyze(text, letter.source, signed, self.cache_dir, ambient=letter.meta.signer)
        sub.kind = "figure"
        ranked = self.retrieve(text, dense=False) if self.retrieve else retrieval
        match = self.matcher.match(sub, self._evidence(ranked), ranked)
        named = [f for _, f in match.full if f.value in values]
        return named[0] if named else match.full[0][1] if match.full else None

    def status_words(self, f: Figure, english: bool) -> str:
        return status_words(f, self.letters[f.doc], english)

    def _closest_figure(self, question, resolved, q: Question, near: Candidate) -> Answer:
        """The letter has a figure of the thing asked about, but not with a qualifier the question
        states: show it as the closest, never as the answer."""
        shown = self._render_figure(question, resolved, q, near.figure)
        reasons = "、".join(_DIFFERS_ZH[d] for d in near.differs) if not q.english else \
            ", ".join(_DIFFERS_EN[d] for d in near.differs)
        head = (f"{NOT_FOUND}与问题完全对应的数字（{reasons}）。最接近的是：\n\n" if not q.english
                else f"{NOT_FOUND} — the letter gives no figure for exactly this ({reasons}). The closest it gives:\n\n")
        return replace(shown, answer=head + shown.answer, found=False, kind="figure", outcome="closest",
                       closest=near.figure.section)

    def _render_figure(self, question, resolved, q: Question, f: Figure) -> Answer:
        letter = self.letters[f.doc]
        section = letter.section(f.section)
        cite = Citation(f.doc, f.section, section.label, f.sentence)
        status_line = self.status_words(f, q.english)  # a reply plans for the year it is signed
        what = f.item  # verbatim: shown text is never stitched together
        if q.english:
            head = f"**{f.text}** — {what}" + (f"; {status_line}." if status_line else ".")
        else:
            head = f"**{f.text}**（{what}）" + (f"——这是{status_line}。" if status_line else "。")
        text = f"{head}\n\n> {f.sentence} {cite.marker()}"
        return Answer(question, text, True, (cite,), "figure", f.status, resolved)

    def _with_narrower(self, shown: Answer, q: Question, narrower: list[Figure]) -> Answer:
        """The same thing counted within a narrower field, shown after the general count so that
        neither is taken for the other."""
        if not narrower:
            return shown
        lines, cites = [shown.answer], list(shown.citations)
        for f in narrower:
            section = self.letters[f.doc].section(f.section)
            cite = Citation(f.doc, f.section, section.label, f.sentence)
            lead = (f"The letter also counts it within a narrower field: **{f.text}** — {f.item}." if q.english
                    else f"信中另有范围更窄的同类数字：**{f.text}**（{f.item}）。")
            lines.append(f"{lead}\n\n> {f.sentence} {cite.marker()}")
            cites.append(cite)
        return replace(shown, answer="\n\n".join(lines), citations=tuple(cites))

    def _verify_answer(self, question, resolved, q: Question, evidence, retrieval) -> Answer | None:
        """A check ("是37个吗？", "…200家，对吧？"): find the subject first, as if the question asked for
        its figure, then say 对 or 不对 with the letter's figure. The quoted figure never picks the subject."""
        quoted = [_quoted_number(t) for t in q.figures]
        quoted = [x for x in quoted if x]
        if not quoted:
            return self._year_check(q, self._passage_answer(question, resolved, q, evidence, retrieval))
        letter = self.letters[evidence[0].section.doc] if evidence else next(iter(self.letters.values()))
        signed_year = letter.meta.signed.year if letter.meta.signed else None
        if len(set(q.figures)) > 1 and (claims := _claims(letter_form(q.text, letter.source), q.figures)):
            # "贷款3亿元以上、投资2亿元以上，是吗": each figure is checked against its own subject
            parts = []
            for claim in claims:
                sub = analyze(claim, letter.source, signed_year, self.cache_dir, ambient=letter.meta.signer)
                sub.kind = "verify"
                parts.append(self._verify_answer(question, resolved, sub, evidence, retrieval) if sub.figures else None)
            if all(parts):
                return self._joined_checks(question, resolved, q, parts)
        subject = analyze(_as_figure_question(letter_form(q.text, letter.source), q.figures, q.english), letter.source, signed_year,
                          self.cache_dir, ambient=letter.meta.signer)
        subject.kind = "figure"
        units = {u for _, u in quoted if u}
        if q.english and not units and re.search(r"\d\s*times\b", q.text, re.I):
            units = {"次"}  # "serve SMEs 8000 times": a count of services, not of enterprises
        if units:
            subject.unit_group = next((g for g, members in UNIT_GROUPS.items() if units & members), subject.unit_group)
            subject.unit_strict = True
        strict = self.matcher.match(subject, evidence, retrieval)
        # The year or the plan/result may be what is being checked ("…是2018年的计划吗？"): among the
        # figures of the subject, regardless of time, the one with the quoted value is the one meant.
        loose = self.matcher.match(replace(subject, years=[], intent=None), evidence, retrieval) \
            if subject.years or subject.intent else strict
        top = loose.full[0][0] if loose.full else 0.0
        valued = [f for score, f in loose.full if score >= top - 1.0
                  and any(value == f.value and _same_unit(unit, f.unit) for value, unit in quoted)]
        if valued:
            f = valued[0]
        elif strict.full or loose.full:
            f = (strict.full or loose.full)[0][1]
        else:
            near = strict.near or loose.near
            if not near:
                return None
            # the letter has the figure of that thing, with another qualifier (国家级 said, 省级以上 written)
            f = near[0].figure
            shown = self._render_figure(question, resolved, q, f)
            why = "、".join(_DIFFERS_ZH[d] for d in near[0].differs) if not q.english else \
                ", ".join(_DIFFERS_EN[d] for d in near[0].differs)
            verdict = (f"**No** — the letter says {f.text} ({f.item}); {why}. " if q.english
                       else f"**不对**：信中写的是“{f.item}”（{why}）。")
            return replace(shown, answer=verdict + "\n\n" + shown.answer, kind="check")
        value_ok = any(value == f.value and _same_unit(unit, f.unit) for value, unit in quoted)
        # what the question asserts of the figure's time: a year, or plan versus result
        claimed = intent_of(q.text) if not q.years else ("result" if signed_year and max(q.years) < signed_year else "target")
        tense_ok = not claimed or f.status in (claimed, "unknown")
        year_ok = not q.years or self.matcher.year_fits(f, q.years)
        shown = self._render_figure(question, resolved, q, f)
        said = "、".join(t.strip() for t in q.figures)
        wrong = []
        if not value_ok:
            wrong.append(f"the letter says {f.text}, not {said}" if q.english else f"信中写的是{f.text}，不是{said}")
        if not (tense_ok and year_ok):
            status = (STATUS_EN if q.english else STATUS_ZH).get(f.status, "").format(year=signed_year or "")
            wrong.append(f"it is {status}" if q.english else f"这是{status}")
        if not wrong and q.english and (unrendered := _unrendered_modifiers(q.text)):
            # "Does Liaoning have 20 purple unicorn labs?": words the letter has no term for may name
            # another thing; the value alone does not make it a yes
            words = ", ".join(unrendered)
            head = (f"{NOT_FOUND} — the letter does not say this of \"{words}\". The closest figure it gives:\n\n")
            return replace(shown, answer=head + shown.answer, found=False, kind="check", outcome="closest",
                           closest=f.section)
        if q.english:
            verdict = "**Yes.** " if not wrong else "**No** — " + "; ".join(wrong) + ". "
        else:
            verdict = "**对**。" if not wrong else "**不对**：" + "；".join(wrong) + "。"
        if not wrong and f.qualifier in ("以上", "以下", "左右", "余") and f.qualifier not in said:
            verdict += (f"(The letter says {f.text}.) " if q.english else f"（信中写的是“{f.text}”。）")
        return replace(shown, answer=verdict + "\n\n" + shown.answer, kind="check")

    def _where_answer(self, question, resolved, q: Question, evidence: list[Chunk]) -> Answer | None:
        """"这两个目标是在信的哪一部分提出的": the part and item of the letter that says it, with the
        sentence. A follow-up with nothing of its own to look for is the previous answer's section
        (retrieval puts it first)."""
        where = re.sub(overview.cues()["where"].pattern, " ", q.text, flags=re.I)
        wanted = analyze(where, self.letters[evidence[0].section.doc].source, None, self.cache_dir) if evidence else None
        for e in evidence[:3]:
            section = e.section
            if section.id == "0" or (section.depth == 0 and any(s.parent == section.id for s in self.letters[section.doc].sections)):
                continue
            if wanted and (wanted.terms or wanted.english) and not self._coverage_ok(wanted, section.text, 0.5, section):
                continue
            letter = self.letters[section.doc]
            part = letter.section(section.parent) if section.parent and section.parent != "0" else None
            sentence = next((s for s in sentences(section.text) if wanted and wanted.terms
                             and self.scorer.overlap(" ".join(wanted.terms), s) >= 0.5), sentences(section.text)[0])
            cite = Citation(section.doc, section.id, section.label, sentence)
            heading = f"（{part.title}）" if part and part.title and part.title not in section.label else ""
            if q.english:
                head = f"In **{section.label}**{heading} {cite.marker()}:"
            else:
                head = f"在信中**{section.label}**{heading} {cite.marker()}："
            return Answer(question, f"{head}\n\n> {sentence} {cite.marker()}", True, (cite,), "fact",
                          "unknown", resolved, outcome="answered")
        return None

    def _joined_checks(self, question, resolved, q: Question, parts: list[Answer]) -> Answer:
        right = all(p.answer.startswith(("**对**", "**Yes.**")) for p in parts)
        if q.english:
            head = "**Yes.**" if right else "**No** — not all of it matches the letter."
        else:
            head = "**对**。" if right else "**不对**：有与信中不符之处。"
        body = "\n\n".join(f"{i}. {p.answer}" for i, p in enumerate(parts, 1))
        citations = tuple(dict.fromkeys(c for p in parts for c in p.citations))
        statuses = {p.status for p in parts}
        return Answer(question, f"{head}\n\n{body}", True, citations, "check",
                      statuses.pop() if len(statuses) == 1 else "unknown", resolved, outcome="answered")

    def _year_check(self, q: Question, passage: Answer | None) -> Answer | None:
        """"…是2011年起设立的，对不对？": the year the question states against the year of the sentence
        that says it. No verdict when the sentence gives no year."""
        if not passage or not passage.found or not passage.citations:
            return passage
        stated = set(reported_years(passage.citations[0].quote))  # the sentence that says it, not the ones after
        asked = set(years_in(q.text))  # as written: "十三五" in a question is not a year it states
        if not stated or not asked or passage.kind == "check":
            return passage
        said = "、".join(f"{y}年" for y in sorted(stated))
        if asked <= stated:
            verdict = "**Yes.**" if q.english else "**对**。"
        else:
            verdict = f"**No** — the letter says {said}." if q.english else f"**不对**：信中写的是{said}。"
        return replace(passage, answer=f"{verdict}\n\n{passage.answer}", kind="check")

    def _best_sentences(self, q: Question, evidence: list[Chunk], retrieval: Retrieval, n: int = 1):
        scored = []
        for e in evidence:
            for a, b in sentence_spans(e.section.text):
                sent = e.section.text[a:b]
                if len(sent) < 8 or (a == 0 and len(sent) <= len(e.section.title) + 5):
                    continue  # a bare heading is not evidence
                score = self.scorer.relevance(q, sent) + 0.15 / (1 + e.rank)
                sim = retrieval.sentence_similarity.get((e.section.doc, e.section.id, a))
                if q.english:
                    # the glossary's terms first; the vectors bridge what it cannot render
                    score += self.scorer.relevance(q, sent) + (sim or 0.0)
                scored.append((score, e.section, sent, a))
        scored.sort(key=lambda t: -t[0])
        return scored[:n]

    def _coverage_ok(self, q: Question, sentence: str, share: float = 0.45, section: Section | None = None) -> bool:
        """Enough of the question's words are in the sentence (read with its section's heading); for
        English, some of the terms the glossary renders."""
        context = sentence + (section.title + parent_title(self.letters, section) if section else "")
        if q.english:
            return self.scorer.relevance(q, context) >= share / 3
        # verbs weigh half and a term counts as the letter's word for it (分成, 大学 ~ 高校): people
        # paraphrase how things are done more freely than what they are
        return self.scorer.relevance(q, context) >= share

    def _passage_answer(self, question, resolved, q: Question, evidence, retrieval) -> Answer | None:
        best = self._best_sentences(q, evidence, retrieval, n=2)
        if not best or not self._coverage_ok(q, best[0][2], section=best[0][1]):
            return None
        if q.asked and not any(q.asked in sent for _, _, sent, _ in best):
            return None  # "要准备什么材料": a passage that never says 材料 does not answer it
        source = self.letters[best[0][1].doc].source
        if _HOW_TO.search(q.text) and q.verbs and not any(
                alt in source for v in q.verbs for alt in [v, *alternatives(v)]):
            return None  # "个人怎么申请…": how to do what the letter never writes of is not in it
        if q.english and self.scorer.relevance(q, best[0][2] + best[0][1].title) < 0.75:
            return None  # a passage must carry most of what an English question names, not one word of it
        if q.english and untranslated_words(q.text) and self.scorer.relevance(q, best[0][2] + best[0][1].title) < 0.8:
            return None  # a word the letter has no term for ("population") asks for more than the bare bar
        citations, lines = [], []
        for i, (score, section, sent, start) in enumerate(best):
            if i and (score < best[0][0] * 0.8 or not self._coverage_ok(q, sent, section=section)):
                break
            if i and any(sent in c.quote for c in citations):
                continue  # already quoted as the explanation of the first
            sent = self._with_explanation(section, sent, start)
            cite = Citation(section.doc, section.id, section.label, sent)
            citations.append(cite)
            lines.append(f"> {sent} {cite.marker()}")
        intro = "The letter says:" if q.english else "信中写道："
        return Answer(question, intro + "\n\n" + "\n>\n".join(lines), True, tuple(citations), "passage", "unknown", resolved)

    def _documents_answer(self, question, resolved, q: Question, evidence, retrieval) -> Answer | None:
        """Which documents: every 《…》 the best evidence names, in the letter's order, each with the
        文号 written after it; when the question names the kind (三年行动计划), only names of that kind."""
        asked = _ASKED_DOCUMENT.search(q.text)
        if not asked:
            return None
        asked_kind = next(g for g in asked.groups() if g)
        if asked_kind in _PLAIN_KINDS and not _DOC_CUE.search(q.text):
            return None  # "有哪些计划" asks for plans, not for the names of documents
        names = [name for e in evidence for name in _NAMED_DOC.findall(e.section.text)]
        # the longest end of the asked words that names carry (…要实施的三年行动计划 → 三年行动计划)
        kind = next((asked_kind[i:] for i in range(len(asked_kind) - 1) if any(asked_kind[i:] in n for n in names)), asked_kind)
        kind_in_names = any(kind in name for name in names)
        found: list[tuple[str, Section, str]] = []
        for _, section, sent, _ in self._best_sentences(q, evidence, retrieval, n=4):
            if not self._coverage_ok(q, sent, 0.4, section):
                continue
            pool = [section.text[a:b] for a, b in sentence_spans(section.text)] if kind_in_names else [sent]
            for text in pool:
                names = [m for m in _NAMED_DOC.finditer(text) if not kind_in_names or kind in m[0]]
                # "要修订哪些办法": of the names, those in the clause of the act asked about, if it is there
                acted = [m for m in names if any(t in _NAMED_DOC.sub("", _clause_at(text, m.start()))
                                                 for t in q.terms if t not in kind and t != "文件")]
                for m in acted or names:
                    number = DOC_NUMBER.match(text[m.end():].lstrip("(（"))
                    name = m[0] + (f"（{number[0]}）" if number else "")
                    if all(name != n for n, _, _ in found):
                        found.append((name, section, text))
            if found:
                break
        if not found:
            return None
        cites = tuple(dict.fromkeys(Citation(s.doc, s.id, s.label, sent) for _, s, sent in found))
        head = (f"The letter names {len(found)}:" if q.english else f"信中提到{len(found)}份：")
        lines = [head, "", *(f"- {name}" for name, _, _ in found), ""]
        lines.extend(f"> {c.quote} {c.marker()}" for c in cites)
        return Answer(question, "\n".join(lines), True, cites, "list", self._status_of(found[0][1], found[0][2]), resolved)

    def _list_answer(self, question, resolved, q: Question, evidence, retrieval) -> Answer | None:
        if documents := self._documents_answer(question, resolved, q, evidence, retrieval):
            return documents
        # A question about a whole part ("…这一部分包括哪几项") lists the part's items.
        query = self._query_text(q)
        for e in evidence[:3]:
            letter = self.letters[e.section.doc]
            part = e.section if e.section.parent == "0" and e.section.depth == 0 else None
            if part is None and e.section.parent and e.section.parent != "0":
                part = letter.section(e.section.parent)
            if part and self.scorer.overlap(part.title, q.text if not q.english else query) >= 0.6:
                return self._children_answer(question, resolved, letter, part)
        best = self._best_sentences(q, evidence, retrieval, n=1)
        if not best or not self._coverage_ok(q, best[0][2], section=best[0][1]):
            return None
        if q.asked and q.asked not in best[0][1].text:
            return None  # "要准备哪些材料": a section that never says 材料 does not list them
        _, section, sent, start = best[0]
        sent = self._with_explanation(section, sent, start)
        letter = self.letters[section.doc]
        if re.search(r"[:：]$", sent) and section.id == "0":
            parts = [s for s in letter.sections if s.parent == "0" and s.depth == 0]
            if parts:
                return self._children_answer(question, resolved, letter, None, parts, sent)
        items = enumeration(sent, query)
        if q.figures:
            # "198个平台分别是哪几类": the list of what a quoted figure counts follows it (其中A、B、C);
            # a list the figure merely stands in (沈阳“人才政策24条”、大连…) does not answer that.
            clauses = [sent[a:b] for a, b in clause_spans(sent)]
            at = next((i for i, c in enumerate(clauses) if any(f in c for f in q.figures)), None)
            listed = []
            if at is not None:
                figure_end = max(clauses[at].find(f) + len(f) for f in q.figures if f in clauses[at])
                rest = clauses[at][figure_end:]
                if re.search(r"(?:其中|包括|分别)[^、]*、", rest):
                    listed.append(rest)
                if at + 1 < len(clauses) and re.match(r"其中|包括|分别|即", clauses[at + 1]) and "、" in clauses[at + 1]:
                    listed.append(clauses[at + 1])
            if not listed:
                return None
            items = enumeration(listed[0], query)
        if any(i in re.findall(r"“([^”]+)”", q.text) for i in items):
            # the list holds the thing asked about ("双推进"、"双围绕"…): its siblings, not what it is;
            # the sentence and its explanation (即:…) answer instead
            items = []
        if not items and sent == best[0][2]:
            return None  # asked for a list, and the best evidence lists nothing
        cite = Citation(section.doc, section.id, section.label, sent)
        body = "\n".join(f"- {item}" for item in items)
        intro = ("The letter lists:" if q.english else "信中列举：") if items else ("The letter says:" if q.english else "信中写道：")
        text = (intro + "\n\n" + body + "\n\n" if items else intro + "\n\n") + f"> {sent} {cite.marker()}"
        return Answer(question, text, True, (cite,), "list", self._status_of(section, sent), resolved)

    def _status_of(self, section: Section, sentence: str) -> str:
        return status_at(self.letters[section.doc], section, sentence)

    @staticmethod
    def _with_explanation(section: Section, sent: str, start: int) -> str:
        """A sentence followed by its own explanation (…的思路。即:…) is quoted with it."""
        end = start + len(sent)
        rest = section.text[end:]
        if re.match(r"\s*(?:即|也就是|具体是|具体为)[:：,，]?", rest):
            # the explanation runs to the full stop: its parts are often split by semicolons
            stop = re.search(r"[。！？!?]", rest)
            return section.text[start : end + (stop.end() if stop else len(rest))]
        return sent

    def _children_answer(self, question, resolved, letter: Letter, part: Section | None, children=None, lead=None):
        children = children or [s for s in letter.sections if s.parent == part.id]
        if not children:
            return None
        citations = [Citation(letter.doc, c.id, c.label, c.text.split("。")[0] + ("。" if "。" in c.text else "")) for c in children]
        lines = [f"- {cite.quote} {cite.marker()}" for c, cite in zip(children, citations)]
        head = f"> {lead} [§0]\n\n" if lead else (f"**{part.label}** 共{len(children)}项：\n\n" if part else "")
        if lead:
            citations.insert(0, Citation(letter.doc, "0", letter.section("0").label, lead))
        return Answer(question, head + "\n".join(lines), True, tuple(citations), "list", "unknown", resolved)

    def _place_answer(self, question, resolved, q: Question, evidence, retrieval) -> Answer | None:
        """Which city/country: places count when they form a coordinated list (沈阳、大连、鞍山联合创建…)
        or stand in the same list piece as what the question names; never a place inside another name.
        Lists in other sentences of the same section that fit the question too are added (德国、韩国、芬兰
        in one sentence of §4.3, 俄罗斯、白俄罗斯、乌克兰 in the next)."""
        found: list[str] = []
        quotes: list[tuple[Section, str]] = []
        # sentences tie on a short question (那国内是跟哪个省合作); the first with a place of the kind asked answers
        for _, section, sent, _ in self._best_sentences(q, evidence, retrieval, n=8):
            if quotes and section.id != quotes[0][0].id:
                continue
            # a further list of places in the same section needs less of the question's words
            # (…与俄罗斯、白俄罗斯、乌克兰等国家… after …与德国、韩国、芬兰…开展国际科技合作)
            if not self._coverage_ok(q, sent, 0.35 if quotes else 0.5, section):  # read with its heading
                continue
            places = self._places_for(q, sent, section)
            if quotes and not any(self._listed_places(sent[a:b]) for a, b in clause_spans(sent)):
                continue
            if places:
                found.extend(places)
                quotes.append((section, sent))
        if not found:
            return None
        cites = tuple(Citation(s.doc, s.id, s.label, sent) for s, sent in quotes)
        text = f"**{'、'.join(dict.fromkeys(found))}**\n\n" + "\n".join(f"> {c.quote} {c.marker()}" for c in cites)
        return Answer(question, text, True, cites, "place", "unknown", resolved)

    def _places_for(self, q: Question, sent: str, section: Section | None = None) -> list[str]:
        # the question's words that its section does not use (点名, 提到) say how it asks, not what
        context = section.text + section.title + parent_title(self.letters, section) if section else ""
        words = [t for t in q.terms if not context or t in context] or q.terms
        terms = " ".join(words) or self._query_text(q)

        def fit(text: str) -> float:
            return self.scorer.relevance(q, text) if q.english else self.scorer.overlap(terms, text)

        kind = place_kind_asked(q.text)  # a province is not an answer to "which cities"
        clauses = [sent[c0:c1] for c0, c1 in clause_spans(sent)]
        clauses = [c for c in clauses if fit(c) >= (0.3 if q.english else 0.4)]
        # a coordinated list of places in any fitting clause, before a single place standing in one
        # (推进沈阳、大连、鞍山联合创建… before 振兴东北 in the clause ahead of it)
        for clause in clauses:
            if found := [p for p in self._listed_places(clause) if p not in q.text and place_is(p, kind)]:
                return found
        for clause in clauses:
            # a single place that stands with what is asked, in its own list piece
            found = [p for piece in clause.split("、") if fit(piece) >= 0.5 for p in self._places_in(piece)
                     if p not in q.text and place_is(p, kind)]
            if found:
                return found
        return []

    def _full_name_answer(self, question, resolved, q: Question, letter: Letter) -> Answer | None:
        """What a short name stands for (自创区 → 沈大国家自主创新示范区): the shortest name of the letter
        that holds its characters in order and ends as it does, widened to the whole noun phrase."""
        if quoted := re.search(r"[“\"]([\u4e00-\u9fff]{2,6})[”\"]", q.text):
            short = quoted[1]
        else:
            before = q.text[: _FULL_NAME.search(q.text).start()].rstrip("的 ，,、：:")
            short = re.split(r"[的说里中是，,：:\s]", before)[-1][-6:]
        if len(short) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]+", short):
            return None
        pattern = re.compile("[^“”\"，,。；;、]{0,6}?".join(map(re.escape, short)))  # a name never spans a quote or clause
        best = None
        for section in letter.sections:
            for a, b in sentence_spans(section.text):
                sent = section.text[a:b]
                for m in pattern.finditer(sent):
                    if m[0] == short:
                        continue  # the short name itself, not what it stands for
                    full = self._widen_name(sent, m.start(), m.end())
                    if full != short and (best is None or len(full) < len(best[0])):
                        best = (full, section, sent)
        if best is None:
            return None
        full, section, sent = best
        cite = Citation(section.doc, section.id, section.label, sent)
        text = (f"**{full}** (“{short}” for short)" if q.english else f"**{full}**（简称“{short}”）") + \
            f"\n\n> {sent} {cite.marker()}"
        return Answer(question, text, True, (cite,), "fact", "unknown", resolved, outcome="answered")

    def _document_by_number(self, question, resolved, q: Question, letter: Letter) -> Answer | None:
        """"辽委办发那个文件叫什么": the document the letter cites with that 文号 (or its issuer code)."""
        if not re.search(r"叫什么|什么文件|哪个文件|哪份文件|名称|名字|是什么|which document|what document|title", q.text, re.I):
            return None
        for section in letter.sections:
            for m in DOC_NUMBER.finditer(section.text):
                code = re.match(r"[\u4e00-\u9fff]+", m[0])
                if m[0] == letter.meta.doc_number or not code or len(code[0]) < 3 or code[0] not in q.text:
                    continue
                names = list(_NAMED_DOC.finditer(section.text[: m.start()]))
                if not names:
                    continue
                name = names[-1][0]
                sent = _sentence_at(section.text, m.start())
                cite = Citation(section.doc, section.id, section.label, sent)
                text = (f"**{name}**（{m[0]}）" if not q.english else f"**{name}** ({m[0]})") + f"\n\n> {sent} {cite.marker()}"
                return Answer(question, text, True, (cite,), "fact", self._status_of(section, sent), resolved,
                              outcome="answered")
        return None

    def _widen_name(self, sent: str, start: int, end: int) -> str:
        """The noun phrase around a span: nouns to the left until a verb or a mark (推进[沈大国家]自主…)."""
        words = list(segmenter(self.cache_dir).cut(sent[:start]))
        lead = ""
        while words and (words[-1].flag[:1] in {"n", "j", "b"} or words[-1].flag in {"vn", "nz", "ns"}):
            lead = words.pop().word + lead
        # …and to the end of the word the span stops in (高新技术企 → 高新技术企业)
        pos, tail_end = 0, end
        for w in segmenter(self.cache_dir).cut(sent):
            if pos < end < pos + len(w.word):
                tail_end = pos + len(w.word)
            pos += len(w.word)
        return lead + sent[start:tail_end]

    def _places_in(self, text: str) -> list[str]:
        """Places of a text in order (parenthesised asides left out: 清华启迪(沈阳)科技园 is not in 沈阳;
        nor a document's title: 《辽宁省重点实验室…评估规则》 says nothing of where the laboratories are)."""
        gazetteer = places_list()
        plain = re.sub(r"[(（][^)）]*[)）]|《[^》]*(?:》|$)|^[^《》]*》", "", text)
        return [w.word for w in segmenter(self.cache_dir).cut(plain) if w.flag == "ns" or w.word in gazetteer]

    def _listed_places(self, clause: str) -> list[str]:
        """The places of a coordinated list: those at its 、 joins (…与[德国]、[韩国]、[芬兰]及…,
        推动[盘锦]、[丹东]高新区…), never a place inside a longer name of the same piece."""
        pieces = clause.split("、")
        if len(pieces) < 2:
            return []
        out = []
        for i, piece in enumerate(pieces):
            plain = re.sub(r"[(（][^)）]*[)）]", "", piece).strip("“”\"")
            places = self._places_in(plain)
            if not places:
                continue
            ends_with = plain.endswith(places[-1])
            starts_with = plain.startswith(places[0])
            if i == 0 and ends_with:
                out.append(places[-1])
            elif 0 < i < len(pieces) - 1 and (starts_with or ends_with):
                out.append(places[0] if starts_with else places[-1])
            elif i == len(pieces) - 1 and starts_with:
                out.append(places[0])
        return out if len(out) >= 2 else []

    def _agent_answer(self, question, resolved, q: Question, evidence, retrieval) -> Answer | None:
        """Which department did it: an organisation named in the sentence before the act asked about."""
        source = self.letters[evidence[0].section.doc].source
        if any(v not in source and v[-1] not in source for v in q.verbs if len(v) >= 2):
            return None  # the act itself (牵头, 承建…) is not in the letter
        named = re.findall(r"《[^》]+》", q.text)
        for _, section, sent, _ in self._best_sentences(q, evidence, retrieval, n=3):
            if not self._coverage_ok(q, sent, 0.6, section):
                continue
            document = named[0] if named else ""
            if not named and (fit := {t: self.scorer.relevance(q, t) for t in re.findall(r"《[^》]+》", sent)}):
                # a document named in other words ("the Interim Provisions on post-subsidy…", 后补助那个规定):
                # the title of this sentence that carries most of the question
                document = max(fit, key=fit.get) if max(fit.values()) >= 0.3 else ""
            if document and document in sent:
                # "《…》是哪两个部门发的": the bodies in the clause that names the document
                at = sent.find(document)
                before = re.split(r"[，,；;。]", sent[:at])[-1].split("《")[0]
                # the doers end where the act starts (省科技厅|制定下发了《…》和《…评估规则》)
                before = next((before[:end] for end in range(len(before), 0, -1) if _ORG.search(before[:end])), before)
            else:
                # where the act or its object starts; an English question by its glossary renderings
                # the act's verb first: a term can sit inside the doer's own name (科技 in 省科技厅)
                words = [v for v in q.verbs if v in sent] or q.terms or translate_terms(q.text)
                acts = [sent.find(t) for t in words if t in sent and t not in sent[:4]]
                before = sent[: min(acts)] if acts else ""
            orgs = [o.lstrip("和与及、") for o in _ORG.findall(before) if o not in q.text]
            if orgs:
                cite = Citation(section.doc, section.id, section.label, sent)
                who = "、".join(dict.fromkeys(orgs))
                # "哪年由哪个部门…" asks both: the date written with the act comes first
                if asks_when(q.text) and (dates := [d for d in _DATE.findall(before) if d not in q.text]):
                    who = f"{dates[-1]} · {who}"
                return Answer(question, f"**{who}**\n\n> {sent} {cite.marker()}",
                              True, (cite,), "fact", self._status_of(section, sent), resolved)
        return None

    def _docnum_answer(self, question, resolved, q: Question, evidence, retrieval) -> Answer | None:
        """The 文号 of a document the letter cites: the number written right after its title."""
        for _, section, sent, _ in self._best_sentences(q, evidence, retrieval, n=3):
            if not self._coverage_ok(q, sent, 0.5, section):
                continue
            numbers = DOC_NUMBER.findall(sent)
            if numbers:
                cite = Citation(section.doc, section.id, section.label, sent)
                return Answer(question, f"**{numbers[0]}**\n\n> {sent} {cite.marker()}", True, (cite,),
                              "fact", self._status_of(section, sent), resolved)
        return None

    def _when_answer(self, question, resolved, q: Question, evidence, retrieval) -> Answer | None:
        """A date question needs a date in the evidence that the question did not already give."""
        day_level = bool(re.search(r"哪天|哪一天|几月|日期|date", q.text))
        for _, section, sent, _ in self._best_sentences(q, evidence, retrieval, n=3):
            if not self._coverage_ok(q, sent, 0.7):
                continue
            dates = _DATE.findall(sent)
            new = [d for d in dates if d not in q.text and (not day_level or "月" in d)]
            if new:
                cite = Citation(section.doc, section.id, section.label, sent)
                return Answer(question, f"**{new[0]}**\n\n> {sent} {cite.marker()}", True, (cite,), "fact", "result", resolved)
        return None

    def _no_question(self, question, resolved, q: Question) -> Answer:
        """Markup, symbols or noise: nothing to look up, so no section is offered as the closest."""
        text = (f"{NOT_FOUND} — there is nothing here to look up in the letter (only symbols, markup or question words)."
                if q.english else f"{NOT_FOUND}：输入里没有可以在信中查找的内容（只有符号、标记或提问词）。")
        return Answer(question, text, False, (), "not_found", "unknown", resolved, None, outcome="not_found")

    def _not_found(self, question, resolved, q: Question, closest: Section | None, why: str) -> Answer:
        log.debug("not found (%s): %r", why, resolved)
        if q.english:
            text = f"{NOT_FOUND} — the letter does not say this."
            if closest:
                text += f" The closest section is {closest.label} [§{closest.id}]."
        else:
            text = f"{NOT_FOUND}这一内容。"
            if closest:
                text += f"最接近的是“{closest.label}” [§{closest.id}]。"
        return Answer(question, text, False, (), "not_found", "unknown", resolved, closest.id if closest else None,
                      outcome="not_found")


_BARE_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(%|percent)?")
_CHECK_TAIL = re.compile(r"[，,]?\s*(?:我没记错吧|没记错吧|没错吧|对不对|对吧|是不是|是吗|是这样吗|吗|吧|呢|right|correct|isn't it|is that right)?[？?。!！\s]*$", re.I)


def _same_unit(said: str, written: str) -> bool:
    """个, 项 and 家 all count things in speech: "376个项目" checks the letter's 376项."""
    return not said or said == written or (said in UNIT_GROUPS["count"] and written in UNIT_GROUPS["count"])


def _quoted_number(text: str) -> tuple[float, str] | None:
    """A figure quoted in a question: (value, unit), unit "" when the question gives none (English)."""
    if m := FIGURE.fullmatch(text):
        return float(m["num"]), m["unit"]
    if m := _BARE_NUMBER.fullmatch(text.strip()):
        return float(m[1]), "%" if m[2] else ""
    return None


def _unrendered_modifiers(text: str) -> list[str]:
    """Words right after a number that the glossary cannot render ("20 purple unicorn labs"): they
    may make the thing counted another one than any the letter names."""
    unknown = set(untranslated_words(text))
    out = []
    for m in re.finditer(r"\d[\d,.]*\s+((?:[A-Za-z-]+\s+){0,3})", text):
        out += [w for w in m[1].lower().split() if w in unknown]
    return out


def _claims(text: str, figures: list[str]) -> list[str]:
    """A check quoting several figures, cut into one claim per figure; each later claim keeps what the
    first clause says about the whole ("活动，…投资2亿元以上")."""
    positions = []
    for figure in dict.fromkeys(figures):
        at = text.find(figure)
        if at < 0:
            return []
        positions.append((at, at + len(figure)))
    positions.sort()
    first = positions[0][0]
    lead = max(text.rfind(c, 0, first) for c in "，,；;：:") + 1
    tail = _CHECK_TAIL.search(text[positions[-1][1]:])
    ask = tail[0] if tail else ""
    claims, start = [], lead
    for _, end in positions:
        claims.append(text[:lead] + text[start:end].lstrip("、和及与，,") + ask)
        start = end
    return claims


def _as_figure_question(text: str, figures: list[str], english: bool) -> str:
    """The check as the figure question it checks: "是37个吗" → "是多少个"."""
    for figure in figures:
        m = FIGURE.fullmatch(figure)
        ask = ("how many" if english else "多少" + (m["unit"] if m and m["unit"] not in "%" else "")) if m or english else "多少"
        if m and m["lead"]:
            ask = m["lead"] + ask
        at = text.find(figure)
        if at < 0:
            continue
        rest = text[at + len(figure):]
        # "…立项1510项是2018年的计划吗": what follows the figure asserts, it does not name the thing
        if re.match(r"\s*(?:[，,。？?！!]|是|吗|吧|对|没|这|那|了|呢|is\b|are\b|right|correct)", rest, re.I):
            rest = ""
        text = text[:at] + ask + (" " if english and not ask.endswith(" ") and rest[:1] not in ("", " ") else "") + rest
    return _CHECK_TAIL.sub("", text) or text


# "哪些文件", "哪几个三年行动计划": the kind of document asked for (what a 《…》 name ends in)
_DOC_KIND = r"[\u4e00-\u9fff]{0,8}?(?:文件|政策|办法|规定|方案|意见|计划|规划|规则|细则|通知|条例)"
_ASKED_DOCUMENT = re.compile(r"(?:哪些|哪几[个份部项]?|什么|哪[一二三四五六七八九十两][个份部项]?)(" + _DOC_KIND + r")"
                             r"|(" + _DOC_KIND + r")(?:分别)?(?:有|是|都有|包括|叫|叫做)?(?:哪些|哪几[个份部项]?|什么)(?:名字|名称)?[？?]?$"
                             r"|\b(?:which|what) (documents?|policies|regulations|plans|measures)\b")
_PLAIN_KINDS = frozenset({"计划", "政策", "规划", "意见", "方案", "plans", "policies", "measures"})
_DOC_CUE = re.compile(r"文件|名称|名字|叫什么|全称|《|document|title|name", re.I)
_NAMED_DOC = re.compile(r"《[^》]{2,60}》")


def _sentence_at(text: str, pos: int) -> str:
    a, b = enclosing(sentence_spans(text), pos)
    return text[a:b]


def _clause_at(text: str, pos: int) -> str:
    a, b = enclosing(clause_spans(text), pos)
    return text[a:b]


_FULL_NAME = re.compile(r"全称|全名|是什么的简称|是什么意思|指的是什么|指什么|stands? for|full name|short for", re.I)
_DIFFERS_ZH = {"year": "年份不同", "status": "计划与实绩不同", "level": "级别不同"}
_DIFFERS_EN = {"year": "a different year", "status": "plan versus result", "level": "a different level"}
# how something is done ("个人怎么申请…")
_HOW_TO = re.compile(r"怎么|怎样|如何|咋|how (?:do|does|can|to)\b", re.I)
# how a plan turned out, asked without a year ("盘锦高新区后来升国家级成功了没有？")
_LATER = re.compile(r"后来|最后|最终|结果如何|成功了?没有|成没成|有没有成功|成功了吗|进展如何|落实得怎么样|现在怎么样了|turn(?:ed)? out|in the end|eventually", re.I)
_OUTCOME = re.compile(r"成功了?没有|成功了吗|完成了|实现了|达到了|达成了|落实了|最后|结果如何|效果如何|怎么样了|实际(?:新增|完成|达到|实现|建成|有)|完成没有|有没有完成|是否完成|年底|did\b|achieved|was met|were met|turned out", re.I)
# English titles are capitalised: "the Opinions on improving…", "the Interim Provisions…", "the 13th Five-Year Plan"
_OTHER_DOCUMENT = re.compile(r"《[^》]+》|那(?:个|份)文件|实施意见|暂行规定|管理办法|实施办法|方案|细则|通知|规划"
                             r"|\b(?:Opinions|Provisions|Measures|Rules|Regulations|Notice|Plan|Guidelines)\b")
_THIS_LETTER = re.compile(r"答复|回复|这封|这份|本信|该信|\breply\b|\bletter\b", re.I)
_DATE = re.compile(r"(?:19|20)\d{2}年(?:\d{1,2}月(?:\d{1,2}日)?)?")
_ORG = re.compile(r"(?:省|市|国家|中科院)?[\u4e00-\u9fff]{0,6}?(?:厅|局|委员会|省委|市委|办公厅|政府|科学院|研究院|大学)(?=[、,，和与共联]|$)")
_LIST_FRAME = frozenset({"与", "和", "及", "推动", "推进", "支持", "加强", "等"})
_ENUM_LEAD = re.compile(r"^.*?(?:围绕|包括|从|与|按照|以|建立和完善|完善|推动|支持)|^其中")
_ENUM_TAIL = re.compile(r"(?:等|“|”|的|及“).*$")


def enumeration(sentence: str, query: str) -> list[str]:
    """The items of the 、-list in the clause that best matches the question."""
    best, best_score = None, -1.0
    for c0, c1 in clause_spans(sentence):
        clause = sentence[c0:c1].rstrip("，,。；;：:")
        if "、" not in clause:
            continue
        score = len(bigrams(query) & bigrams(clause)) + clause.count("、")
        if score > best_score:
            best, best_score = clause, score
    if not best:
        return []
    pieces = [p.strip("“”\"") for p in best.split("、")]
    first = _ENUM_LEAD.sub("", pieces[0])
    last = _ENUM_TAIL.sub("", pieces[-1]) or pieces[-1]
    middle_len = max((len(p) for p in pieces[1:-1]), default=6)
    if len(first) > middle_len + 4:
        first = _tail_words(first, middle_len)
    items = [first, *pieces[1:-1]]
    head = [(w.word, w.flag) for w in segmenter().cut(last)]
    single = [(w.word, w.flag) for w in segmenter().cut(first)]
    def kind(word: str, flag: str) -> str:
        return "place" if flag == "ns" or word in places_list() else flag

    if len(single) == 1 and len(head) > 1 and kind(*head[0]) == kind(*single[0]) and kind(*head[0])[:1] in "np":
        # "盘锦、丹东高新区晋升国家级": what follows the last item of one word is said of them all
        last = head[0][0]
    if len(last) > middle_len + 2:  # "产业技术创新和创新人才激励": the last piece may join two items
        items.extend(p for p in re.split(r"和(?=[\u4e00-\u9fff]{2,})", last) if p)
    else:
        items.append(last)
    return [i.strip("“”\"") for i in items if i]


def _tail_words(text: str, length: int) -> str:
    """The shortest run of whole words at the end of text that is at least `length` long:
    the first item of a list, without the words that open the clause."""
    words = [w.word for w in segmenter().cut(text)]
    tail = ""
    while words and len(tail) < length:
        tail = words.pop() + tail
    return tail
