"""Thumbs up / down on answers, kept as JSON lines next to the index (append-only, see rag.jsonl),
and the owner's view of them: one row per rated answer, filtered, as a table or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.jsonl import Records, append_record, read_records
from rag.types import Answer

RATINGS = {0: "down", 1: "up"}  # st.feedback("thumbs") returns 0 for 👎 and 1 for 👍
MAX_COMMENT_CHARS = 2000


def feedback_record(
    answer: Answer,
    score: int | None,
    *,
    turn: int | None = None,
    lang: str = "zh",
    conversation: str | None = None,
    comment: str = "",
) -> dict[str, Any]:
    """One feedback line: the rating and the visitor's comment with the question, the answer and its citations."""
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "rating": RATINGS.get(score) if score is not None else None,
        "score": score,
        "comment": " ".join(comment.split())[:MAX_COMMENT_CHARS],
        "conversation": conversation,
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


def read_feedback_records(path: Path) -> Records:
    """Like read_feedback, with the count of skipped lines."""
    return read_records(path)


def latest_per_answer(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per rated answer, newest first: a visitor who changes a thumb or adds a comment
    writes a new line, and the last rating and the last comment stand."""
    by_answer: dict[tuple, dict[str, Any]] = {}
    for n, record in enumerate(records):
        if record.get("conversation") is not None and record.get("turn") is not None:
            key: tuple = (record["conversation"], record["turn"])
        else:
            key = ("line", n)  # lines of earlier versions name no conversation: each stands alone
        merged = dict(record)
        if not merged.get("comment") and key in by_answer:
            merged["comment"] = by_answer[key].get("comment", "")
        by_answer.pop(key, None)
        by_answer[key] = merged
    return list(reversed(by_answer.values()))


def _local_time(value: object) -> str:
    try:
        return datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value or "")


def feedback_rows(records: Sequence[dict[str, Any]], rating: str = "all", text: str = "") -> list[dict[str, str]]:
    """The owner's table: time, rating, question, answer, comment, conversation; `rating` is 'all',
    'up' or 'down'; every word of `text` must appear in the question, the answer or the comment."""
    words = [w.lower() for w in text.split()]
    rows = []
    for record in latest_per_answer(records):
        if rating != "all" and record.get("rating") != rating:
            continue
        row = {
            "time": _local_time(record.get("time")),
            "rating": str(record.get("rating") or ""),
            "question": str(record.get("question") or ""),
            "answer": str(record.get("answer") or ""),
            "comment": str(record.get("comment") or ""),
            "conversation": str(record.get("conversation") or ""),
        }
        haystack = " ".join((row["question"], row["answer"], row["comment"])).lower()
        if all(w in haystack for w in words):
            rows.append(row)
    return rows


def rows_csv(rows: Sequence[dict[str, str]]) -> str:
    """The rows as CSV, with a byte-order mark so that spreadsheet programs read the Chinese right."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["time", "rating", "question", "answer", "comment", "conversation"])
    writer.writeheader()
    # a visitor's text that starts like a formula is not run by the spreadsheet that opens the file
    writer.writerows({k: "'" + v if v[:1] in ("=", "+", "-", "@") else v for k, v in row.items()} for row in rows)
    return "\ufeff" + out.getvalue()
