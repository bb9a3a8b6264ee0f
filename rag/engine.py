"""The answering engine: one object that owns the index, the retriever and the answer step."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from rag.answer import AnswerBuilder
from rag.compare import is_comparison_text
from rag.figures import figures_of
from rag.followup import resolve_followup, split_compound
from rag.index import IndexReport, LetterIndex, Progress
from rag.questions import official_wording, segmenter
from rag.retrieve import HybridRetriever, make_retriever
from rag.settings import Settings
from rag.text import is_english, strip_markup
from rag.types import Answer, Figure, Letter, Section, Turn
from rag.validate import clean_question

log = logging.getLogger(__name__)


@dataclass
class Engine:
    settings: Settings
    index: LetterIndex
    retriever: HybridRetriever
    builder: AnswerBuilder
    index_report: IndexReport
    started_seconds: float = 0.0

    @property
    def letters(self) -> list[Letter]:
        return self.index.letters

    @cached_property
    def letter_text(self) -> str:
        return "\n".join(letter.source for letter in self.letters)

    @property
    def mode(self) -> str:
        return self.builder.mode

    def letter(self, doc: str | None = None) -> Letter:
        return self.index.letter(doc) if doc else self.letters[0]

    def section(self, doc: str, section_id: str) -> Section:
        return self.letter(doc).section(section_id)

    def figures(self, doc: str | None = None) -> list[Figure]:
        letters = [self.letter(doc)] if doc else self.letters
        return [f for letter in letters for f in figures_of(letter)]

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        """Answer one question; `history` holds the earlier turns of the same conversation.

        Raises rag.validate.BadQuestion for input that is not a question (empty, too long, control bytes).
        """
        question = clean_question(question, self.settings)
        # "A和B哪个多，多几个" is one comparison, not two questions
        parts = [question] if is_comparison_text(question) else split_compound(strip_markup(question) or question)
        if len(parts) == 1:
            return self._ask_one(question, history)
        # Bounded work: a part asked twice is answered once, and only the first few parts are answered,
        # within the time budget ("几？几？几？…" pasted 250 times is one question, answered at once).
        unique = list(dict.fromkeys(" ".join(p.split()) for p in parts))
        started = time.perf_counter()
        # "A是多少？B又是多少？": each part answered in turn, later parts leaning on earlier ones.
        turns, answers = list(history), []
        for part in unique[: self.settings.max_parts]:
            answer = self._ask_one(part, turns, force_followup=bool(answers))
            answers.append(answer)
            turns.append(Turn(part, answer))
            if time.perf_counter() - started > self.settings.answer_budget_s:
                break
        if len(answers) == 1 and len(unique) == 1:
            return replace(answers[0], question=question)
        combined = combine(question, answers)
        if len(answers) < len(unique):
            return replace(combined, notice=too_complex(len(unique), len(answers), answers[0].question))
        return combined

    def _ask_one(self, question: str, history: Sequence[Turn], force_followup: bool = False) -> Answer:
        resolved = resolve_followup(strip_markup(question) or question, history, force=force_followup)
        resolved = official_wording(resolved, self.letter_text)
        prefer: tuple[str, ...] = ()
        if history:
            # The conversation's focus: the sections of the previous answer (or its nearest miss).
            last = history[-1].answer
            prefer = tuple(f"{c.doc}:{c.section}" for c in last.citations)
            if not prefer and last.closest:
                prefer = (f"{self.letter().doc}:{last.closest}",)
        ranked = self.retriever.rank(resolved, prefer=prefer, prefer_weight=0.2 if resolved != question else 0.1)
        answer = self.builder.build(question, resolved, ranked)
        log.debug("ask %r → %s %s", resolved, answer.kind, [c.section for c in answer.citations])
        return answer


def too_complex(asked: int, answered: int, sample: str) -> str:
    if is_english(sample):
        return f"The question has {asked} parts; only the first {answered} were answered. Ask the rest separately."
    return f"问题包含{asked}个部分，只回答了前{answered}个；其余请分开提问。"


def combine(question: str, answers: list[Answer]) -> Answer:
    """One answer for a question of several parts: each part's answer under its own number."""
    text = "\n\n".join(f"**{i}.** {a.question}\n\n{a.answer}" for i, a in enumerate(answers, 1))
    citations = tuple(dict.fromkeys(c for a in answers for c in a.citations))
    statuses = {a.status for a in answers}
    return Answer(
        question=question,
        answer=text,
        found=any(a.found for a in answers),
        citations=citations,
        kind="compound",
        status=statuses.pop() if len(statuses) == 1 else "unknown",
        resolved_question="；".join(a.resolved_question or a.question for a in answers),
        closest=next((a.closest for a in answers if a.closest), None),
        mode=answers[0].mode,
    )


def load_engine(settings: Settings, progress: Progress | None = None) -> Engine:
    """Open the index (building it the first time or when a letter changed) and make the engine."""
    started = time.perf_counter()
    segmenter(settings.data_dir / "jieba")  # jieba's cache goes under our data folder, not the shared /tmp
    index = LetterIndex(settings)
    report = index.ensure(progress=progress)
    retriever = make_retriever(index, k=settings.top_k)
    builder = AnswerBuilder.from_settings(settings, index.letters, retrieve=retriever.rank)
    return Engine(settings, index, retriever, builder, report, time.perf_counter() - started)
