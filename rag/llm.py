"""Optional language-model answers: same retrieval, same citations, checked against the letter.

The model's answer is kept only if every section marker names a retrieved section and every figure
in it appears verbatim in a cited section; otherwise the extractive answer stands.
"""

from __future__ import annotations

import logging
import re

from langchain_core.language_models import BaseChatModel

from rag.answer import NOT_FOUND, AnswerBuilder
from rag.prompts import load_prompt
from rag.retrieve import Retrieval
from rag.settings import Settings
from rag.text import sentences
from rag.types import Answer, Citation

log = logging.getLogger(__name__)
_MARKER = re.compile(r"\[§(\d+(?:\.\d+)*)\]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:万元|亿元|元|%|人次|个|家|项|名|次|件|所|条|人)?(?:以上)?")


def make_chat_model(settings: Settings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key or "not-needed",
        temperature=0,
        timeout=60,
        max_retries=1,
    )


def cited_keys(text: str) -> list[str]:
    return list(dict.fromkeys(_MARKER.findall(text)))


class LLMAnswerBuilder:
    mode = "llm"

    def __init__(self, extractive: AnswerBuilder, settings: Settings, model: BaseChatModel | None = None):
        self.extractive = extractive
        self.prompt = load_prompt(settings.prompts_dir, "answer")
        self.model = model or make_chat_model(settings)

    def build(self, question: str, resolved: str, retrieval: Retrieval) -> Answer:
        fallback = self.extractive.build(question, resolved, retrieval)
        sections = {}
        for doc, _ in retrieval.sections[:4]:
            letter = self.extractive.letters[doc.metadata["doc"]]
            sections[doc.metadata["section"]] = letter.section(doc.metadata["section"])
        context = "\n\n".join(f"[§{sid}] {s.label}\n{s.text}" for sid, s in sections.items())
        try:
            reply = self.model.invoke(self.prompt.format_messages(question=resolved, context=context, not_found=NOT_FOUND))
        except Exception:  # the endpoint is optional: any failure falls back to extraction
            log.exception("language model call failed; using the extractive answer")
            return fallback
        text = str(reply.content).strip()
        if text.startswith(NOT_FOUND):
            return fallback if not fallback.found else Answer(question, text, False, (), "not_found", resolved_question=resolved, mode=self.mode)
        keys = [k for k in cited_keys(text) if k in sections]
        if not keys:
            log.warning("model answer cites no retrieved section; using the extractive answer")
            return fallback
        text = _MARKER.sub(lambda m: m.group(0) if m.group(1) in sections else "", text)
        cited_text = "".join(sections[k].text for k in keys)
        unsupported = [n for n in _NUMBER.findall(text) if n and n not in cited_text and not re.fullmatch(r"\d+(?:\.\d+)*", n)]
        if unsupported:
            log.warning("model answer has figures not in its cited sections %s; using the extractive answer", unsupported)
            return fallback
        citations = tuple(Citation(sections[k].doc, k, sections[k].label, _quote_for(text, sections[k].text)) for k in keys)
        return Answer(question, text, True, citations, fallback.kind if fallback.found else "passage",
                      fallback.status, resolved, mode=self.mode)


def _quote_for(answer: str, section_text: str) -> str:
    """The sentence of the section sharing the most figures with the answer (verbatim)."""
    figures = set(_NUMBER.findall(answer))
    best = max(sentences(section_text), key=lambda s: sum(f in s for f in figures), default=section_text)
    return best
