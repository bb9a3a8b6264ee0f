"""Conversations kept on disk, one append-only JSON-lines file each, so a reload, a second tab with the
same address or a server restart brings a conversation back with its language.

A conversation's id is random and goes in the page address (`?c=…`); it is also its file name, so an id
is checked against ID_PATTERN before it touches the file system. Each line is one event:

    {"kind": "start", "time", "lang", "previous"}   written with the first event; `previous` is the
                                                     conversation the visitor left to start this one
    {"kind": "turn", "time", "turn", "question", "answer" | "notice"}
    {"kind": "lang", "time", "lang"}
    {"kind": "rating", "time", "turn", "score"}

Readers skip lines they cannot read (rag.jsonl), so a crash mid-write loses at most that line.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.jsonl import append_record, read_records
from rag.types import Answer, Citation

ID_PATTERN = re.compile(r"[0-9a-f]{16}")
LANGS = ("zh", "en")
_ANSWER_FIELDS = {f.name for f in dataclasses.fields(Answer)}
_CITATION_FIELDS = {f.name for f in dataclasses.fields(Citation)}


def new_id() -> str:
    return secrets.token_hex(8)


def valid_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def answer_record(answer: Answer) -> dict[str, Any]:
    """Every field of an answer, so that reading it back gives the same Answer."""
    record = dataclasses.asdict(answer)
    record["citations"] = [c.as_dict() for c in answer.citations]
    return record


def answer_from_record(record: dict[str, Any]) -> Answer:
    """The Answer of answer_record(); fields a later version added are ignored. ValueError when unusable."""
    if not isinstance(record, dict) or not isinstance(record.get("question"), str) or not isinstance(record.get("answer"), str):
        raise ValueError("not an answer record")
    values = {k: v for k, v in record.items() if k in _ANSWER_FIELDS}
    try:
        values["citations"] = tuple(
            Citation(**{k: str(v) for k, v in c.items() if k in _CITATION_FIELDS}) for c in record.get("citations") or ()
        )
        return Answer(**values)
    except (TypeError, AttributeError) as err:
        raise ValueError(f"not an answer record ({err})") from None


@dataclass
class Conversation:
    id: str
    entries: list[dict[str, Any]] = field(default_factory=list)  # the page's turns: {"id", "question", "answer" | "notice"}
    lang: str | None = None  # the last language chosen in it, None when never said
    previous: str | None = None
    ratings: dict[int, int] = field(default_factory=dict)  # turn id → the last thumbs score (0 down, 1 up)
    started: str = ""
    skipped: int = 0  # lines that could not be read

    @property
    def next_turn(self) -> int:
        return max((e["id"] for e in self.entries), default=-1) + 1

    @property
    def title(self) -> str:
        """The first question asked, which is how a person recognises a conversation."""
        return self.entries[0]["question"] if self.entries else ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ConversationStore:
    """The conversations of one data folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, conversation_id: str) -> Path:
        if not valid_id(conversation_id):
            raise ValueError(f"not a conversation id: {conversation_id!r}")
        return self.folder / f"{conversation_id}.jsonl"

    def exists(self, conversation_id: str) -> bool:
        return valid_id(conversation_id) and self.path(conversation_id).is_file()

    def _append(self, conversation_id: str, record: dict[str, Any], *, lang: str, previous: str | None) -> None:
        path = self.path(conversation_id)
        if not path.exists():
            append_record(path, {"kind": "start", "time": _now(), "lang": lang, "previous": previous if valid_id(previous) else None})
        append_record(path, {"time": _now(), **record})

    def add_turn(self, conversation_id: str, entry: dict[str, Any], *, lang: str, previous: str | None = None) -> None:
        """Save one page turn ({"id", "question", "answer" | "notice"}); OSError when the disk refuses."""
        record: dict[str, Any] = {"kind": "turn", "turn": entry["id"], "question": entry["question"]}
        if "answer" in entry:
            record["answer"] = answer_record(entry["answer"])
        else:
            key, values = entry["notice"]
            record["notice"] = [key, values]
        self._append(conversation_id, record, lang=lang, previous=previous)

    def set_lang(self, conversation_id: str, lang: str, *, previous: str | None = None) -> None:
        self._append(conversation_id, {"kind": "lang", "lang": lang}, lang=lang, previous=previous)

    def rate(self, conversation_id: str, turn: int, score: int | None, *, lang: str, previous: str | None = None) -> None:
        self._append(conversation_id, {"kind": "rating", "turn": turn, "score": score}, lang=lang, previous=previous)

    def load(self, conversation_id: str) -> Conversation:
        """The conversation as saved (empty when nothing was saved yet); unreadable lines are skipped."""
        records = read_records(self.path(conversation_id))
        out = Conversation(conversation_id, skipped=records.skipped)
        seen: set[int] = set()
        for record in records.items:
            kind = record.get("kind")
            if kind == "start":
                out.started = str(record.get("time") or "")
                out.previous = record.get("previous") if valid_id(record.get("previous")) else None
                if out.lang is None and record.get("lang") in LANGS:
                    out.lang = record["lang"]
            elif kind == "lang" and record.get("lang") in LANGS:
                out.lang = record["lang"]
            elif kind == "rating" and isinstance(record.get("turn"), int):
                score = record.get("score")
                if score in (0, 1):
                    out.ratings[record["turn"]] = score
                else:
                    out.ratings.pop(record["turn"], None)
            elif kind == "turn":
                entry = _entry(record)
                if entry is None:
                    out.skipped += 1
                    continue
                if entry["id"] in seen:  # two tabs wrote the same turn number: keep both, renumbered
                    entry["id"] = max(seen) + 1
                seen.add(entry["id"])
                out.entries.append(entry)
        return out

    def earlier(self, conversation_id: str, limit: int = 5) -> list[Conversation]:
        """The conversations this one was started from, newest first (only those with a question)."""
        out: list[Conversation] = []
        seen = {conversation_id}
        previous = self.load(conversation_id).previous if self.exists(conversation_id) else None
        while previous and previous not in seen and len(out) < limit:
            seen.add(previous)
            if not self.exists(previous):
                break
            conversation = self.load(previous)
            if conversation.entries:
                out.append(conversation)
            previous = conversation.previous
        return out


def _entry(record: dict[str, Any]) -> dict[str, Any] | None:
    turn, question = record.get("turn"), record.get("question")
    if not isinstance(turn, int) or not isinstance(question, str):
        return None
    if "answer" in record:
        try:
            return {"id": turn, "question": question, "answer": answer_from_record(record["answer"])}
        except ValueError:
            return None
    notice = record.get("notice")
    if isinstance(notice, list) and len(notice) == 2 and isinstance(notice[1], dict):
        return {"id": turn, "question": question, "notice": (notice[0], notice[1])}
    return None
