"""The owner's regression run: in the background, counted as it goes, one at a time."""

from __future__ import annotations

import threading

from rag.eval_job import EvalJob, job_for
from rag.types import Answer


class SlowEngine:
    """Answers every question "**36个**" after the test lets it go on."""

    mode = "extractive"

    def __init__(self, settings):
        self.settings = settings
        self.go = threading.Event()
        self.asked: list[str] = []

    def ask(self, question, history=()):
        self.go.wait(10)
        self.asked.append(question)
        return Answer(question, "**36个**", True)


CASES = [
    {"id": "a", "kind": "figure", "question": "q1", "found": True, "contains": ["36个"]},
    {"id": "b", "kind": "followup", "question": "q3", "history": ["q2"], "found": True, "contains": ["37个"]},
]


def test_a_run_counts_every_question_asked_and_writes_its_report(settings, tmp_path):
    from dataclasses import replace

    engine = SlowEngine(replace(settings, data_dir=tmp_path))
    job = EvalJob()
    assert job.start(engine, CASES)
    assert job.running and job.total == 3 and job.done == 0
    assert not job.start(engine, CASES)  # one at a time
    engine.go.set()
    assert job.wait(10)
    assert job.done == 3 and engine.asked == ["q1", "q2", "q3"]
    assert job.report["passed"] == 1 and job.report["total"] == 2
    assert (tmp_path / "last-eval.json").exists()


def test_a_failing_run_says_so_and_can_start_again(settings, tmp_path):
    from dataclasses import replace

    class Broken(SlowEngine):
        def ask(self, question, history=()):
            raise RuntimeError("index gone")

    job = EvalJob()
    job.start(Broken(replace(settings, data_dir=tmp_path)), CASES)
    assert job.wait(10)
    assert job.report is None and "index gone" in job.error
    assert job.start(SlowEngine(replace(settings, data_dir=tmp_path)), []) and job.wait(10)


def test_one_job_per_data_folder():
    assert job_for("x") is job_for("x") and job_for("x") is not job_for("y")
