"""The records that flow through the pipeline: text → Section → Chunk → Answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Status = Literal["target", "result", "unknown"]


@dataclass(frozen=True)
class Section:
    """One numbered unit of a letter, the unit of citation."""

    doc: str
    id: str  # "0", "0.2", "2", "2.1" — the letter's own numbering
    label: str  # what people see: "前言·其次", "第2部分·一是 推进建设…"
    title: str
    text: str  # verbatim from the letter (pieces joined by newlines for section 0)
    spans: tuple[tuple[int, int], ...]  # character offsets of the pieces in the source file
    parent: str | None = None

    @property
    def depth(self) -> int:
        return self.id.count(".")


@dataclass(frozen=True)
class LetterMeta:
    doc: str
    title: str = ""
    doc_number: str = ""  # 文号, e.g. 辽科提字〔2018〕85号
    addressee: str = ""
    suggestion_title: str = ""
    suggestion_number: str = ""
    session: str = ""
    signer: str = ""
    signed: date | None = None
    signed_raw: str = ""
    published: date | None = None


@dataclass(frozen=True)
class Letter:
    meta: LetterMeta
    sections: tuple[Section, ...]
    source: str  # the file's text as read
    content_hash: str

    @property
    def doc(self) -> str:
        return self.meta.doc

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)


@dataclass(frozen=True)
class Figure:
    """A number the letter states, with what it counts."""

    doc: str
    section: str
    text: str  # verbatim: "500家以上", "15%", "3亿元以上"
    value: float
    unit: str
    qualifier: str  # 以上 / 达到 / 增长 / 新增 / "" …
    clause: str  # the clause it sits in, verbatim
    item: str  # its own piece of that clause: 重点实验室36个 out of a list of three, verbatim
    sentence: str  # the sentence it sits in, verbatim
    status: Status
    start: int  # offset inside the section text


@dataclass(frozen=True)
class Chunk:
    """A retrieved section handed to the answer step: its place in the ranking and how it got there."""

    section: Section
    rank: int  # 0 = best
    score: float
    lanes: tuple[str, ...] = ()  # "fused" (the ranked lanes) and/or "exact" (a figure or phrase it repeats)


@dataclass(frozen=True)
class Citation:
    doc: str
    section: str
    label: str
    quote: str  # verbatim text of the letter

    def marker(self) -> str:
        return f"[§{self.section}]"

    def as_dict(self) -> dict:
        return {"doc": self.doc, "section": self.section, "label": self.label, "quote": self.quote}


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str  # Markdown
    found: bool
    citations: tuple[Citation, ...] = ()
    kind: str = ""  # figure / list / fact / passage / not_found
    status: Status = "unknown"
    resolved_question: str = ""  # the question after follow-up resolution
    closest: str | None = None  # for not-found answers: the nearest section id
    mode: str = "extractive"
    outcome: str = ""  # answered / closest (the letter does not say exactly this) / not_found; "" = by `found`
    notice: str = ""  # something the person should know about how this answer was made (shown beside it)
    fallback_reason: str = ""  # why a configured model's answer was not used (mode is then "extractive")

    @property
    def graded(self) -> str:
        return self.outcome or ("answered" if self.found else "not_found")

    def as_dict(self) -> dict:
        out = {
            "question": self.question,
            "answer": self.answer,
            "found": self.found,
            "outcome": self.graded,
            "citations": [c.as_dict() for c in self.citations],
            "kind": self.kind,
            "mode": self.mode,
        }
        if self.status != "unknown":
            out["status"] = self.status
        if self.resolved_question and self.resolved_question != self.question:
            out["resolved_question"] = self.resolved_question
        if self.closest:
            out["closest_section"] = self.closest
        if self.notice:
            out["notice"] = self.notice
        if self.fallback_reason:
            out["fallback_reason"] = self.fallback_reason
        return out


@dataclass
class Turn:
    question: str
    answer: Answer

