"""Thumbs up / down on answers, kept as JSON lines next to the index (append-only, one fsync a line)."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.types import Answer

RATINGS = {0: "down", 1: "up"}  # st.feedback("thumbs") returns 0 for 👎 and 1 for 👍

_lock = threading.Lock()


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
    """Append one JSON line and make it durable before returning (flush + fsync)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def read_feedback(path: Path) -> list[dict[str, Any]]:
    """Every stored feedback line, oldest first (a torn last line is skipped)."""
    path = Path(path)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out
