"""The answering engine: one object that owns the index, the retriever and the answer step."""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.answer import AnswerBuilder
from rag.compare import asks_of_shown, over_shown
from rag.figures import figures_of
from rag.followup import item_of_previous_part, resolve_followup, split_compound, split_each, with_item_named
from rag.index import IndexReport, LetterIndex, Progress, StoreError, check_data_dir, make_client, memory_client
from rag.llm import AnswerStream, ModelStatus, answer_deadline
from rag.questions import analyze, is_comparison_text, official_wording, segmenter, written_form
from rag.retrieve import HybridRetriever, make_retriever
from rag.settings import Settings
from rag.structure import section_named
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
    notice: str = ""  # how the engine is running when it is not as configured (store in memory, rebuilt)
    corpus_state: tuple = ()  # names, sizes and times of the corpus files the index was built from
    _reload_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.corpus_state = corpus_state(self.settings.corpus_dir)

    @property
    def letters(self) -> list[Letter]:
        return self.index.letters

    @property
    def letter_text(self) -> str:
        return self.index.letter_text

    def refresh(self) -> str:
        """Re-index when a letter was edited, added or removed on disk (checked at every question, by the
        files' sizes and times: microseconds). Returns a notice when it did, "" otherwise."""
        state = corpus_state(self.settings.corpus_dir)
        if state == self.corpus_state:
            return ""
        with self._reload_lock:
            if state == self.corpus_state:
                return ""  # another thread did it
            index = LetterIndex(self.settings, client=self.index.client)
            report = index.ensure()
            retriever = make_retriever(index, k=self.settings.top_k)
            builder = AnswerBuilder.from_settings(self.settings, index.letters, retrieve=retriever.rank)
            if hasattr(builder, "endpoint") and hasattr(self.builder, "endpoint"):
                builder.endpoint = self.builder.endpoint  # the model's state (paused or not) outlives a re-index
            self.index, self.retriever, self.builder, self.index_report = index, retriever, builder, report
            self.corpus_state = state
        notice = f"the letters changed on disk and were indexed again ({report.summary()})"
        log.info(notice)
        return notice

    @property
    def mode(self) -> str:
        return self.builder.mode

    @property
    def model_status(self) -> ModelStatus:
        """Whether a language model is configured, working, or paused (answers extractive for now) and why."""
        endpoint = getattr(self.builder, "endpoint", None)
        return endpoint.status() if endpoint else ModelStatus(configured=False)

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
        reloaded = self.refresh()
        with answer_deadline(self.settings.llm_deadline_s):  # one deadline for all the model does for it
            answer = self._ask_parts(question, history)
        notices = [n for n in (reloaded, self._store_notice(), answer.notice) if n]
        return replace(answer, notice=" ".join(notices)) if notices else answer

    def ask_stream(self, question: str, history: Sequence[Turn] = ()) -> AnswerStream:
        """Like ask(), with the model's text as it is written: iterate the result for text chunks; once it
        is exhausted, `.answer` is the verified Answer and `.changed` says whether verification changed
        the streamed text. Without a model (or for a question of several parts) the answer comes in one chunk.
        """
        question = clean_question(question, self.settings)
        plain = written_form(strip_markup(question) or question, self.letter_text)
        stream_one = getattr(self.builder, "stream", None)
        if stream_one is None or not is_comparison_text(question) and (len(split_compound(plain)) > 1 or len(split_each(plain)) > 1):
            return AnswerStream.of(self.ask(question, history))
        reloaded = self.refresh()
        deadline = time.monotonic() + self.settings.llm_deadline_s
        with answer_deadline(0, at=deadline):
            resolved, ranked = self._retrieve(question, history)
        stream = stream_one(question, resolved, ranked, deadline)
        stream.notices = [n for n in (reloaded, self._store_notice()) if n]
        return stream

    def _store_notice(self) -> str:
        if self.retriever.dense_paused_until > time.monotonic():
            return self.retriever.store_problem
        return ""

    def _ask_parts(self, question: str, history: Sequence[Turn]) -> Answer:
        # "A和B哪个多，多几个" is one comparison, not two questions
        plain = written_form(strip_markup(question) or question, self.letter_text)
        parts = [question] if is_comparison_text(question) else split_compound(plain)
        standalone = len(parts) == 1 and len(parts := split_each(plain)) > 1  # "A和B分别是多少": each on its own
        if len(parts) == 1:
            if history and (computed := self._over_shown(question, plain, history)):
                return computed
            return self._ask_one(question, history)
        # Bounded work: a part asked twice is answered once, and only the first few parts are answered,
        # within the time budget ("几？几？几？…" pasted 250 times is one question, answered at once).
        unique = list(dict.fromkeys(" ".join(p.split()) for p in parts))
        started = time.perf_counter()
        # with a model, its deadline bounds the parts instead (parts past it are answered extractively, at once)
        budget = max(self.settings.answer_budget_s, self.settings.llm_deadline_s if self.model_status.ok else 0.0)
        # "A是多少？B又是多少？": each part answered in turn, later parts leaning on earlier ones.
        turns, answers = list(history), []
        for part in unique[: self.settings.max_parts]:
            answer = self._ask_one(part, list(history) if standalone else turns, force_followup=bool(answers) and not standalone)
            answers.append(answer)
            turns.append(Turn(part, answer))
            if time.perf_counter() - started > budget:
                break
        if len(answers) == 1 and len(unique) == 1:
            return replace(answers[0], question=question)
        combined = combine(question, answers)
        if len(answers) < len(unique):
            return replace(combined, notice=too_complex(len(unique), len(answers), answers[0].question))
        return combined

    def _over_shown(self, question: str, plain: str, history: Sequence[Turn]) -> Answer | None:
        """"两个加起来呢？": a sum or difference of the figures the last answers gave."""
        if not asks_of_shown(plain):
            return None  # the cheap test first: most questions are not about the answers shown
        letter = self.letter()
        q = analyze(plain, letter.source, letter.meta.signed.year if letter.meta.signed else None, ambient=letter.meta.signer)
        return over_shown(self.builder, question, q, shown_figures(history, self.figures()))

    def _ask_one(self, question: str, history: Sequence[Turn], force_followup: bool = False) -> Answer:
        resolved, ranked = self._retrieve(question, history, force_followup)
        answer = self.builder.build(question, resolved, ranked)
        log.debug("ask %r → %s %s", resolved, answer.kind, [c.section for c in answer.citations])
        return answer

    def _retrieve(self, question: str, history: Sequence[Turn], force_followup: bool = False):
        """The question resolved against the conversation, and the sections ranked for it."""
        plain = written_form(strip_markup(question) or question, self.letter_text)
        if (item := item_of_previous_part(plain, history)) and any(s.id == item for s in self.letter().sections):
            plain = with_item_named(plain, item, is_english(plain))  # "它的第二条" after part 4 is 4.2
        resolved = resolve_followup(plain, history, force=force_followup, letter_text=self.letter_text)
        if resolved != plain and (rewrite := getattr(self.builder, "rewrite", None)):
            resolved = rewrite(plain, history, fallback=resolved)  # the model's standalone question, rules as fallback
        resolved = official_wording(resolved, self.letter_text)
        prefer: tuple[str, ...] = ()
        if history:
            # The conversation's focus: the sections of the previous answer (or its nearest miss).
            last = history[-1].answer
            prefer = tuple(f"{c.doc}:{c.section}" for c in last.citations)
            if not prefer and last.closest:
                prefer = (f"{self.letter().doc}:{last.closest}",)
        if named := section_named(resolved, self.letter()):
            # "前言第四点提到…", "第5部分第二条…": the question says where to look
            prefer, weight = (f"{self.letter().doc}:{named}",), 1.0
        else:
            weight = 0.2 if resolved != question else 0.1
        return resolved, self.retriever.rank(resolved, prefer=prefer, prefer_weight=weight)


def shown_figures(history: Sequence[Turn], figures: Sequence[Figure]) -> list[Figure]:
    """The figures the conversation's answers led with (**19个** quoted from its sentence), oldest first."""
    out: list[Figure] = []
    for turn in history[-3:]:
        a = turn.answer
        if not a.found or not a.citations:
            continue
        quotes = {c.quote for c in a.citations}
        for bold in re.findall(r"\*\*([^*]+)\*\*", a.answer):
            f = next((f for f in figures if f.text == bold and any(f.sentence in qt or qt in f.sentence for qt in quotes)), None)
            if f is not None and f not in out:
                out.append(f)
            if a.kind not in ("compare", "compound"):
                break  # a figure answer leads with its one figure
    return out


def corpus_state(corpus_dir: Path) -> tuple:
    out = []
    for path in sorted(Path(corpus_dir).glob("*.txt")):
        try:
            st = path.stat()
        except OSError:
            continue  # removed between the listing and the look
        out.append((path.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


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


def load_engine(settings: Settings, progress: Progress | None = None, memory_fallback: bool = False) -> Engine:
    """Open the index (building it the first time or when a letter changed) and make the engine.

    Raises StoreError when the data folder or the Chroma server cannot be used, unless `memory_fallback`
    (the page): then the index is built in memory and `engine.notice` says why.
    """
    started = time.perf_counter()
    notice, client = "", None
    try:
        if not settings.chroma_host:
            check_data_dir(settings)
        jieba_dir = settings.data_dir / "jieba"  # jieba's cache goes under our data folder, not the shared /tmp
        if settings.chroma_host:
            client = make_client(settings)
    except StoreError as err:
        if not memory_fallback:
            raise
        notice = f"{err}; answering from an index kept in memory"
        log.warning(notice)
        jieba_dir, client = Path(tempfile.mkdtemp(prefix="letter-qa-")), memory_client()
    segmenter(jieba_dir)
    index = LetterIndex(settings, client=client)
    report = index.ensure(progress=progress)
    retriever = make_retriever(index, k=settings.top_k)
    builder = AnswerBuilder.from_settings(settings, index.letters, retrieve=retriever.rank)
    engine = Engine(settings, index, retriever, builder, report, time.perf_counter() - started)
    engine.notice = notice or report.repaired
    return engine
