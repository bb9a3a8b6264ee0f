"""Append-only JSON-lines files (feedback, conversations): nothing written is ever lost.

Writers start on a fresh line when a crash left the last one torn, and make each line durable
before returning; readers skip what they cannot read (torn, garbage or undecodable lines) and
count it, so one bad line never hides the rest.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_lock = threading.Lock()


@dataclass
class Records:
    items: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0  # lines that were not a JSON object


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line; flush and fsync before returning."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _lock, open(path, "ab") as fh:
        if fh.tell() > 0 and not _ends_with_newline(path):
            line = "\n" + line  # the last write was torn: never glue a record onto it
        fh.write(line.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def read_records(path: Path) -> Records:
    """Every readable record, oldest first, and how many lines were skipped."""
    out = Records()
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return out
    for line in raw.split(b"\n"):
        if not line.strip():
            continue
        try:
            item = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            out.skipped += 1
            continue
        if isinstance(item, dict):
            out.items.append(item)
        else:
            out.skipped += 1
    return out
