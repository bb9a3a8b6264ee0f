"""The regression set, run end to end through the real engine, with a scoreboard by kind."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from rag.settings import REPO_ROOT, Settings
from rag.types import Answer, Turn

QUESTIONS_PATH = REPO_ROOT / "tests" / "regression" / "questions.yaml"


def load_questions(path: Path = QUESTIONS_PATH) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def ask_in_conversation(engine, case: dict) -> Answer:
    """Ask the case's earlier questions first, as one conversation, then the question itself."""
    history: list[Turn] = []
    for earlier in case.get("history") or []:
        history.append(Turn(earlier, engine.ask(earlier, history)))
    return engine.ask(case["question"], history)


@dataclass
class Verdict:
    ok: bool
    problems: list[str]


def check(case: dict, answer: Answer) -> Verdict:
    problems = []
    if answer.found != case["found"]:
        problems.append(f"found={answer.found}, expected {case['found']}")
    if case["found"]:
        for needle in case.get("contains") or []:
            # a figure must stand on its own: "8个" is not found inside "198个"
            guard = r"(?<![\d.])" if needle[:1].isdigit() else ""
            if not re.search(guard + re.escape(needle), answer.answer):
                problems.append(f"answer lacks {needle!r}")
        sections = [str(s) for s in case.get("sections") or []]
        cited = [c.section for c in answer.citations]
        if sections and (not cited or cited[0] not in sections):
            problems.append(f"cites {cited}, expected one of {sections}")
        if case.get("status") and answer.status != case["status"]:
            problems.append(f"status {answer.status}, expected {case['status']}")
        for c in answer.citations:
            if c.quote not in answer.answer and c.quote.split("。")[0] not in answer.answer:
                problems.append(f"quote of §{c.section} not shown")
    return Verdict(not problems, problems)


def run_eval(engine, questions: list[dict] | None = None, write: bool = True) -> dict:
    questions = questions if questions is not None else load_questions()
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    started = time.perf_counter()
    for case in questions:
        answer = ask_in_conversation(engine, case)
        verdict = check(case, answer)
        by_kind[case["kind"]][1] += 1
        by_kind[case["kind"]][0] += verdict.ok
        if not verdict.ok:
            failures.append({"id": case["id"], "question": case["question"], "problems": verdict.problems,
                             "answer": answer.answer})
    report = {
        "passed": sum(p for p, _ in by_kind.values()),
        "total": len(questions),
        "by_kind": {k: {"passed": p, "total": t} for k, (p, t) in sorted(by_kind.items())},
        "failures": failures,
        "mode": engine.mode,
        "seconds": round(time.perf_counter() - started, 2),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if write:
        path = engine.settings.eval_report_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def last_report(settings: Settings) -> dict | None:
    try:
        return json.loads(settings.eval_report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def scoreboard(report: dict) -> str:
    lines = [f"{'kind':<14}{'passed':>8}{'total':>7}"]
    for kind, row in report["by_kind"].items():
        lines.append(f"{kind:<14}{row['passed']:>8}{row['total']:>7}")
    lines.append(f"{'all':<14}{report['passed']:>8}{report['total']:>7}   ({report['mode']}, {report['seconds']} s)")
    return "\n".join(lines)
