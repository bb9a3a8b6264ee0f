"""The regression run started from the owner page: one at a time per process, in a thread, so the
page that started it stays usable and can show how far it has got."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rag.evaluation import run_eval

log = logging.getLogger(__name__)


class _Counting:
    """The engine, counting the questions asked through it (a case with history asks several)."""

    def __init__(self, engine: Any, asked: Callable[[], None]):
        self._engine, self._asked = engine, asked

    def ask(self, question, history=()):
        try:
            return self._engine.ask(question, history)
        finally:
            self._asked()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


@dataclass
class EvalJob:
    done: int = 0
    total: int = 0
    running: bool = False
    report: dict | None = None
    error: str = ""
    started: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self, engine: Any, questions: list[dict]) -> bool:
        """Start a run in the background; False when one is already running."""
        with self._lock:
            if self.running:
                return False
            self.running, self.done, self.report, self.error = True, 0, None, ""
            self.total = sum(1 + len(case.get("history") or []) for case in questions)
            self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, args=(engine, questions), name="regression-run", daemon=True)
        self._thread.start()
        return True

    def _count(self) -> None:
        self.done += 1

    def _run(self, engine: Any, questions: list[dict]) -> None:
        try:
            report = run_eval(_Counting(engine, self._count), questions)
        except Exception as err:  # the owner sees a line; the details go to the log
            log.exception("regression run failed")
            self.error = f"{type(err).__name__}: {err}"
            report = None
        with self._lock:
            self.report, self.running = report, False

    def wait(self, seconds: float) -> bool:
        """Wait for the run to finish (tests); True when it has."""
        thread = self._thread
        if thread is not None:
            thread.join(seconds)
        return not self.running


_jobs: dict[str, EvalJob] = {}
_jobs_lock = threading.Lock()


def job_for(key: str) -> EvalJob:
    """The one job of a data folder in this process, shared by every owner page that is open."""
    with _jobs_lock:
        return _jobs.setdefault(key, EvalJob())
