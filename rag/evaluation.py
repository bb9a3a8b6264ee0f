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
    outcome: str = "right"  # right / wrong_found (a wrong or incomplete answer shown as found) / wrong_refusal / wrong_other


# A check ("是37个吗？") opens with its verdict: 对 / 不对 (Yes / No in English).
_VERDICT = re.compile(r"^\**\s*(不对|对|No\b|Yes\b)", re.I)


def verdict_of(answer_text: str) -> bool | None:
    m = _VERDICT.match(answer_text.strip())
    if not m:
        return None
    return m[1].lower() in ("对", "yes")


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
        if "verdict" in case and verdict_of(answer.answer) != case["verdict"]:
            problems.append(f"verdict {verdict_of(answer.answer)}, expected {case['verdict']}")
    if not problems:
        outcome = "right"
    elif answer.found:
        outcome = "wrong_found"
    elif case["found"]:
        outcome = "wrong_refusal"
    else:
        outcome = "wrong_other"
    return Verdict(not problems, problems, outcome)


def run_eval(engine, questions: list[dict] | None = None, write: bool = True) -> dict:
    questions = questions if questions is not None else load_questions()
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # passed, total, wrong_found, wrong_refusal
    failures = []
    modes: dict[str, int] = defaultdict(int)  # found answers by the path that made them (llm / extractive)
    started = time.perf_counter()
    for case in questions:
        answer = ask_in_conversation(engine, case)
        verdict = check(case, answer)
        if answer.found:
            modes[answer.mode] += 1
        row = by_kind[case["kind"]]
        row[0] += verdict.ok
        row[1] += 1
        row[2] += verdict.outcome == "wrong_found"
        row[3] += verdict.outcome == "wrong_refusal"
        if not verdict.ok:
            failures.append({"id": case["id"], "question": case["question"], "problems": verdict.problems,
                             "outcome": verdict.outcome, "answer": answer.answer})
    report = {
        "passed": sum(row[0] for row in by_kind.values()),
        "total": len(questions),
        "wrong_found": sum(row[2] for row in by_kind.values()),
        "wrong_refusal": sum(row[3] for row in by_kind.values()),
        "by_kind": {k: {"passed": p, "total": t, "wrong_found": wf, "wrong_refusal": wr}
                    for k, (p, t, wf, wr) in sorted(by_kind.items())},
        "failures": failures,
        "mode": engine.mode,
        "found_by_mode": dict(modes),
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
    """Pass rate by kind, beside the two failures that matter most: a wrong answer shown as found,
    and a refusal where the letter answers."""
    lines = [f"{'kind':<14}{'passed':>8}{'total':>7}{'wrong-found':>13}{'wrong-refusal':>15}"]
    for kind, row in report["by_kind"].items():
        lines.append(f"{kind:<14}{row['passed']:>8}{row['total']:>7}{row.get('wrong_found', 0):>13}{row.get('wrong_refusal', 0):>15}")
    lines.append(f"{'all':<14}{report['passed']:>8}{report['total']:>7}{report.get('wrong_found', 0):>13}"
                 f"{report.get('wrong_refusal', 0):>15}   ({report['mode']}, {report['seconds']} s)")
    return "\n".join(lines)
