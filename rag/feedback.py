"""Thumbs up / down on answers, kept as JSON lines next to the index (append-only, see rag.jsonl)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.jsonl import append_record, read_records
from rag.types import Answer

RATINGS = {0: "down", 1: "up"}  # st.feedback("thumbs") returns 0 for 👎 and 1 for 👍


def feedback_record(answer: Answer, score: int | None, *, turn: int | None = None, lang: str = "zh") -> dict[str, Any]:
    """One feedback line: the rating with the question, the answer and its citations."""
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "rating": RATINGS.get(score) if score is not None else None,
        "score": score,
        "turn": turn,
        "lang": lang,
        "question": answer.question,
        "resolved_question": answer.resolved_question or answer.question,
        "answer": answer.answer,
        "found": answer.found,
        "kind": answer.kind,
        "mode": answer.mode,
        "citations": [c.as_dict() for c in answer.citations],
    }


def append_feedback(path: Path, record: dict[str, Any]) -> None:
    """Append one feedback line, durable before returning."""
    append_record(path, record)


def read_feedback(path: Path) -> list[dict[str, Any]]:
    """Every readable feedback line, oldest first (torn, garbage or undecodable lines are skipped)."""
    return read_records(path).items
