"""Optional language-model answers: the same retrieval, the letter's sections given as data, and every
sentence of the reply verified against them (rag/verify.py) before it is shown.

Time is bounded: one deadline per answer covers the follow-up rewrite and the answer; calls run in a
worker thread so that a hung or dripping endpoint costs no more than the deadline; after repeated
failures the endpoint is left alone for a while (a circuit breaker) and answers are extractive.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import SecretStr

from rag.answer import NOT_FOUND, AnswerBuilder
from rag.figures import figures_of
from rag.followup import is_followup
from rag.prompts import load_chat_prompt
from rag.questions import QUESTION_WORD
from rag.retrieve import Retrieval
from rag.settings import Settings
from rag.text import is_english, sentences
from rag.types import Answer, Citation, Letter, Turn
from rag.verify import MARKER, NOT_FOUND_REPLY, Evidence, Verification, cjk_bigrams, fold, strip_think, verify_answer

log = logging.getLogger(__name__)
MAX_SECTIONS = 10  # sections given to the model: the extractive answer's, then the best retrieved
BREAKER_FAILURES = 3  # failed calls in a row before the endpoint is paused
MAX_PAUSE_S = 600.0  # the longest pause, whatever a Retry-After asks
HISTORY_TURNS = 3  # turns of the conversation the follow-up rewrite sees

_deadline: ContextVar[float | None] = ContextVar("rag_llm_deadline", default=None)


@contextmanager
def answer_deadline(seconds: float, at: float | None = None):
    """One deadline (time.monotonic) for all the model does for one answer; an inner call keeps the outer one."""
    if _deadline.get() is not None:
        yield
        return
    token = _deadline.set(at if at is not None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def current_deadline(default_s: float) -> float:
    at = _deadline.get()
    return at if at is not None else time.monotonic() + default_s


class ModelUnavailable(Exception):
    """No usable reply from the model; `reason` is the few words an answer's fallback_reason shows."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ModelStatus:
    """How the language model is doing, for the page and the command line."""

    configured: bool
    ok: bool = False  # configured, not paused, and the last call (if any) worked
    paused_until: datetime | None = None  # local time
    reason: str = ""  # the last failure
    model: str = ""

    @property
    def paused(self) -> bool:
        return self.paused_until is not None

    def describe(self, english: bool = True) -> str:
        if not self.configured:
            return "no language model: answers are extractive" if english else "未配置语言模型：答案均摘自原信"
        if self.paused_until:
            until = self.paused_until.strftime("%H:%M:%S")
            return (f"answers are extractive for now: the language model ({self.reason}) is paused until {until}" if english
                    else f"语言模型暂不可用（{self.reason}），{until}前的答案均摘自原信")
        if not self.ok and self.reason:
            return (f"language model {self.model}: the last call failed ({self.reason})" if english
                    else f"语言模型 {self.model}：上次调用失败（{self.reason}）")
        return (f"language model {self.model}: every sentence is checked against the letter" if english
                else f"语言模型 {self.model}：每句都与原信核对")

    def as_dict(self) -> dict:
        return {"configured": self.configured, "ok": self.ok, "model": self.model, "reason": self.reason,
                "paused_until": self.paused_until.isoformat(timespec="seconds") if self.paused_until else None}


class CircuitBreaker:
    """After `failures` failed calls in a row the endpoint is skipped for `cooldown_s` (longer when a 429's
    Retry-After asks for it, at most MAX_PAUSE_S); then one call is tried again."""

    def __init__(self, cooldown_s: float, failures: int = BREAKER_FAILURES, clock: Callable[[], float] = time.monotonic):
        self.cooldown_s, self.threshold, self.clock = cooldown_s, failures, clock
        self.failures, self.paused_until, self.reason = 0, 0.0, ""
        self.calls = 0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        return self.clock() >= self.paused_until

    def success(self) -> None:
        with self._lock:
            self.failures, self.paused_until, self.reason = 0, 0.0, ""
            self.calls += 1

    def failure(self, reason: str, retry_after: float | None = None) -> None:
        with self._lock:
            self.failures += 1
            self.calls += 1
            self.reason = reason
            now = self.clock()
            if retry_after:  # the server says when to come back: not before
                self.paused_until = max(self.paused_until, now + min(retry_after, MAX_PAUSE_S))
            if self.failures >= self.threshold:
                pause = min(max(self.cooldown_s, retry_after or 0.0), MAX_PAUSE_S)
                self.paused_until = max(self.paused_until, now + pause)

    def remaining(self) -> float:
        return max(0.0, self.paused_until - self.clock())


def make_chat_model(settings: Settings, timeout: float | None = None) -> BaseChatModel:
    """ChatOpenAI for an OpenAI-compatible endpoint: no retries, and a timeout within the answer's deadline."""
    from langchain_openai import ChatOpenAI

    key = settings.llm_api_key
    if isinstance(key, str):
        key = SecretStr(key)
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=key or SecretStr("not-needed"),  # local servers (Ollama, llama.cpp) take any key
        temperature=0,
        timeout=timeout or settings.llm_deadline_s,
        max_retries=0,
    )


def _describe(err: BaseException, waited: float) -> tuple[str, float | None]:
    """A failure in a few words (shown as fallback_reason, logged in one line) and any Retry-After."""
    status = getattr(err, "status_code", None)
    response = getattr(err, "response", None)
    retry_after = None
    if response is not None:
        raw = getattr(response, "headers", {}).get("retry-after")
        try:
            retry_after = float(raw) if raw else None
        except ValueError:
            retry_after = None
    name = type(err).__name__
    if status in (401, 403):
        return f"the endpoint refused the API key ({status})", None
    if status == 429:
        return "the endpoint is rate-limiting (429)", retry_after
    if status:
        return f"the endpoint answered with an error ({status})", retry_after
    if "Timeout" in name:
        return f"no reply within {waited:.0f} s", None
    if "Connection" in name:
        return "the endpoint cannot be reached", None
    return f"the call failed ({name})", None


def _short(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text[:160] + ("…" if len(text) > 160 else "")


class ChatEndpoint:
    """The configured chat model behind a deadline and a circuit breaker."""

    def __init__(self, settings: Settings, model: BaseChatModel | None = None):
        self.settings = settings
        self._model = model  # a fixed model (tests); otherwise one is made per call with the time left
        self.breaker = CircuitBreaker(settings.llm_cooldown_s)
        if model is None:
            make_chat_model(settings)  # imports the client now, not within the first answer's deadline

    def status(self) -> ModelStatus:
        name = self.settings.llm_model or type(self._model).__name__
        left = self.breaker.remaining()
        until = datetime.now() + timedelta(seconds=left) if left > 0 else None
        return ModelStatus(True, ok=until is None and self.breaker.failures == 0, paused_until=until,
                           reason=self.breaker.reason, model=name)

    def available(self) -> bool:
        return self.breaker.allow()

    def invoke(self, messages: Sequence[BaseMessage], deadline: float) -> str:
        return "".join(self._call(messages, deadline, streaming=False))

    def stream(self, messages: Sequence[BaseMessage], deadline: float) -> Iterator[str]:
        return self._call(messages, deadline, streaming=True)

    def _fail(self, reason: str, retry_after: float | None = None, detail: str = "") -> ModelUnavailable:
        self.breaker.failure(reason, retry_after)
        log.warning("language model call failed: %s%s; using the extractive answer", reason, f" ({detail})" if detail else "")
        return ModelUnavailable(reason)

    def _call(self, messages: Sequence[BaseMessage], deadline: float, streaming: bool) -> Iterator[str]:
        if not self.breaker.allow():
            until = (datetime.now() + timedelta(seconds=self.breaker.remaining())).strftime("%H:%M:%S")
            raise ModelUnavailable(f"the model is paused until {until} after failures ({self.breaker.reason})")
        started = time.monotonic()
        if deadline - started < 0.2:
            raise ModelUnavailable("no time left for the model")
        model = self._model or make_chat_model(self.settings, timeout=deadline - started)
        box: queue.Queue = queue.Queue()
        cancel = threading.Event()

        def work() -> None:
            try:
                if streaming:
                    for chunk in model.stream(list(messages)):
                        if cancel.is_set():
                            return  # leaving the loop closes the response
                        box.put(("chunk", _content(chunk.content)))
                else:
                    box.put(("chunk", _content(model.invoke(list(messages)).content)))
                box.put(("done", None))
            except BaseException as err:  # noqa: BLE001 — handed to the waiting thread
                box.put(("error", err))

        threading.Thread(target=work, name="llm-call", daemon=True).start()
        said = False
        try:
            while True:
                try:
                    kind, value = box.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    waited = time.monotonic() - started
                    raise self._fail(f"no complete reply within {waited:.0f} s") from None
                if kind == "chunk":
                    if value:
                        said = said or bool(value.strip())
                        yield value
                elif kind == "done":
                    if not said:
                        raise self._fail("the model's reply was empty")
                    self.breaker.success()
                    return
                else:
                    reason, retry_after = _describe(value, time.monotonic() - started)
                    raise self._fail(reason, retry_after, f"{type(value).__name__}: {_short(value)}") from None
        finally:
            cancel.set()


def _content(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content)
    return str(content or "")


class ThinkFilter:
    """Streamed text without <think>…</think>: what a reasoning model thinks is never shown."""

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self):
        self.buf, self.inside = "", False

    def feed(self, chunk: str) -> str:
        self.buf += chunk
        out = []
        while True:
            low = self.buf.lower()
            if self.inside:
                i = low.find(self.CLOSE)
                if i < 0:
                    self.buf = self.buf[-len(self.CLOSE) :]
                    break
                self.buf, self.inside = self.buf[i + len(self.CLOSE) :].lstrip(), False
                continue
            i = low.find(self.OPEN)
            if i >= 0:
                out.append(self.buf[:i])
                self.buf, self.inside = self.buf[i + len(self.OPEN) :], True
                continue
            keep = next((n for n in range(len(self.OPEN) - 1, 0, -1) if low.endswith(self.OPEN[:n])), 0)
            out.append(self.buf[: len(self.buf) - keep])
            self.buf = self.buf[len(self.buf) - keep :]
            break
        return "".join(out)

    def flush(self) -> str:
        rest, self.buf = ("" if self.inside else self.buf), ""
        return rest


class AnswerStream:
    """An answer as it is written. Iterate it for text chunks (the model's, <think> left out); once it is
    exhausted, `answer` is the final, verified Answer and `changed` says whether verification changed
    what was streamed (the page then shows `answer.answer` instead, saying so)."""

    def __init__(self, chunks: Iterable[str], finish: Callable[[str, str], Answer], notices: Sequence[str] = ()):
        self._chunks, self._finish, self.notices = chunks, finish, list(notices)
        self.answer: Answer | None = None
        self.streamed = ""
        self.changed = False

    @classmethod
    def of(cls, answer: Answer) -> AnswerStream:
        """An answer already made (extractive, or several parts): streamed in one piece, unchanged."""
        return cls([answer.answer], lambda text, failure: answer)

    def __iter__(self) -> Iterator[str]:
        if self.answer is not None:
            return
        parts, failure, visible = [], "", ThinkFilter()
        try:
            for chunk in self._chunks:
                parts.append(chunk)
                if shown := visible.feed(chunk):
                    self.streamed += shown
                    yield shown
        except ModelUnavailable as err:
            failure = err.reason
        if tail := visible.flush():
            self.streamed += tail
            yield tail
        answer = self._finish("".join(parts), failure)
        notices = [n for n in (*self.notices, answer.notice) if n]
        self.answer = replace(answer, notice=" ".join(notices)) if notices else answer
        self.changed = self.answer.answer.strip() != self.streamed.strip()

    def result(self) -> Answer:
        """The final answer, reading the rest of the stream first if needed."""
        for _ in self:
            pass
        assert self.answer is not None
        return self.answer


def fallback(answer: Answer, reason: str) -> Answer:
    return replace(answer, mode="extractive", fallback_reason=reason)


@dataclass(frozen=True)
class _Plan:
    question: str
    resolved: str
    extractive: Answer
    evidence: Evidence
    messages: list[BaseMessage]


class LLMAnswerBuilder:
    """The extractive answer first; then the model phrases an answer from the same sections, and what
    of it is verified against them is shown. Any failure, or nothing verified, leaves the extractive
    answer with `fallback_reason` saying why."""

    mode = "llm"

    def __init__(self, extractive: AnswerBuilder, settings: Settings, model: BaseChatModel | None = None,
                 endpoint: ChatEndpoint | None = None):
        self.extractive = extractive
        self.letters = extractive.letters
        self.settings = settings
        self.prompt = load_chat_prompt(settings.prompts_dir, "answer")  # fails fast on a bad prompt file
        self.rewrite_prompt = load_chat_prompt(settings.prompts_dir, "rewrite")
        self.endpoint = endpoint or ChatEndpoint(settings, model)

    # ---- the answer ---------------------------------------------------------------------------
    def build(self, question: str, resolved: str, retrieval: Retrieval) -> Answer:
        plan = self._plan(question, resolved, retrieval)
        try:
            reply = self.endpoint.invoke(plan.messages, current_deadline(self.settings.llm_deadline_s))
        except ModelUnavailable as err:
            return fallback(plan.extractive, err.reason)
        return self.finish(plan, reply)

    def stream(self, question: str, resolved: str, retrieval: Retrieval, deadline: float) -> AnswerStream:
        plan = self._plan(question, resolved, retrieval)

        def chunks() -> Iterator[str]:
            yield from self.endpoint.stream(plan.messages, deadline)

        def finish(text: str, failure: str) -> Answer:
            return fallback(plan.extractive, failure) if failure else self.finish(plan, text)

        return AnswerStream(chunks(), finish)

    def finish(self, plan: _Plan, reply: str) -> Answer:
        v = verify_answer(reply, plan.evidence)
        if v.fallback_reason:
            log.info("model answer not used (%s): %r", v.fallback_reason, plan.resolved)
            return fallback(plan.extractive, v.fallback_reason)
        ex = plan.extractive
        return Answer(
            question=plan.question,
            answer=v.text,
            found=True,
            citations=self._citations(v, plan),
            kind=ex.kind if ex.found else "passage",
            status=ex.status if ex.found else "unknown",
            resolved_question=plan.resolved,
            mode=self.mode,
            outcome="answered",
            notice=ex.notice,
        )

    def _letter(self, retrieval: Retrieval, extractive: Answer) -> Letter:
        if extractive.citations:
            return self.letters[extractive.citations[0].doc]
        if retrieval.sections:
            return self.letters[retrieval.sections[0][0].metadata["doc"]]
        return next(iter(self.letters.values()))

    def _plan(self, question: str, resolved: str, retrieval: Retrieval) -> _Plan:
        extractive = self.extractive.build(question, resolved, retrieval)
        letter = self._letter(retrieval, extractive)
        ids = [c.section for c in extractive.citations if c.doc == letter.doc]
        if extractive.closest:
            ids.append(extractive.closest)
        ids = list(dict.fromkeys(ids))  # all the extractive answer cites (a whole-letter overview cites many)
        for d, _ in retrieval.sections:
            if len(ids) >= MAX_SECTIONS:
                break
            if d.metadata["doc"] == letter.doc and d.metadata["section"] not in ids:
                ids.append(d.metadata["section"])
        sections = {sid: letter.section(sid) for sid in ids}
        evidence = Evidence(letter, sections, tuple(f for f in figures_of(letter) if f.section in sections),
                            extractive, is_english(resolved))
        messages = self.prompt.format_messages(question=resolved, not_found=NOT_FOUND, sections=_sections_block(sections.values()),
                                               **_letter_facts(letter))
        return _Plan(question, resolved, extractive, evidence, messages)

    def _citations(self, v: Verification, plan: _Plan) -> tuple[Citation, ...]:
        """The extractive answer's citations where the answer cites those sections, then the others,
        each quoting the sentence of its section closest to what the answer says."""
        own = {c.section: c for c in plan.extractive.citations}
        order = [c.section for c in plan.extractive.citations if c.section in v.cites]
        order += [k for k in v.cites if k not in own]
        said = cjk_bigrams(fold(MARKER.sub(" ", v.text)))
        out = []
        for sid in order:
            if sid in own:
                out.append(own[sid])
                continue
            section = plan.evidence.sections[sid]
            quote = max(sentences(section.text), key=lambda s: len(cjk_bigrams(fold(s)) & said), default=section.text)
            out.append(Citation(section.doc, sid, section.label, quote))
        return tuple(out)

    # ---- follow-ups -------------------------------------------------------------------------------
    def rewrite(self, question: str, history: Sequence[Turn], fallback: str) -> str:
        """A follow-up as a standalone question, written by the model from the last turns; the rules'
        rewrite (`fallback`) on any failure or an unusable reply. Takes at most 40% of the time left."""
        if not history or not self.endpoint.available():
            return fallback
        letter = next(iter(self.letters.values()))
        turns = "\n".join(f"Q: {t.question}\nA: {_gist(t.answer.answer)}" for t in history[-HISTORY_TURNS:])
        messages = self.rewrite_prompt.format_messages(history=turns, question=question,
                                                       letter_title=_letter_facts(letter)["letter_title"],
                                                       letter_date=_letter_facts(letter)["letter_date"])
        deadline = current_deadline(self.settings.llm_deadline_s)
        try:
            reply = self.endpoint.invoke(messages, time.monotonic() + 0.4 * max(0.0, deadline - time.monotonic()))
        except ModelUnavailable:
            return fallback
        rewritten = usable_rewrite(reply, fallback, self.settings.max_question_chars)
        if rewritten and is_followup(rewritten, letter.source):
            rewritten = ""  # still leans on the conversation: the rules' rewrite says more
        if rewritten:
            log.debug("follow-up %r rewritten by the model as %r (rules: %r)", question, rewritten, fallback)
        return rewritten or fallback


def usable_rewrite(reply: str, fallback: str, max_chars: int) -> str:
    """The model's standalone question, or "" when it is empty, too long, not a question, or an answer."""
    lines = [x.strip() for x in strip_think(reply or "").splitlines() if x.strip()]
    if not lines:
        return ""
    text = re.sub(r"^(?:standalone question|rewritten question|question|改写后的问题|独立问题|问题)\s*[:：]\s*", "", lines[0], flags=re.I)
    text = text.strip(" \"'“”「」`")
    if not text or len(text) > min(max_chars, 3 * len(fallback) + 40):
        return ""
    if NOT_FOUND_REPLY.search(text) or MARKER.search(text) or re.search(r"https?://|www\.|@", text):
        return ""
    if not (text.endswith(("?", "？")) or QUESTION_WORD.search(text) or re.search(r"[吗呢]|是否", text)):
        return ""
    return text


def _gist(answer: str, limit: int = 200) -> str:
    text = " ".join(MARKER.sub("", answer).split())
    return text[:limit] + ("…" if len(text) > limit else "")


def _letter_facts(letter: Letter) -> dict[str, str]:
    m = letter.meta
    signed = m.signed
    return {
        "letter_title": " ".join(x for x in (m.doc_number, m.title) if x) or letter.doc,
        "letter_date": f"{signed.year}年{signed.month}月{signed.day}日 ({signed.isoformat()})" if signed else "unknown",
        "letter_year": str(signed.year) if signed else "the letter's year",
    }


def _sections_block(sections: Iterable) -> str:
    def esc(text: str) -> str:
        return text.replace("<", "＜").replace(">", "＞")

    return "\n".join(f'<section id="{s.id}" label="{esc(s.label)}">\n{esc(s.text)}\n</section>' for s in sections)
