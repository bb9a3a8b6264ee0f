"""Suggested questions for an empty chat, taken from the regression set by id.

Every suggestion is a regression question, so a demo only shows answers the test suite checks.
A follow-up suggestion asks the case's earlier question; its follow-up is then offered as the
next step under that answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Suggestion:
    id: str  # regression id in tests/regression/questions.yaml
    category: str  # interface-string key of its chip caption (rag.ui.STRINGS)
    icon: str
    question: str  # what the chip asks first
    then: tuple[str, ...] = ()  # follow-ups offered next, in order


# (regression id, chip caption key, icon); order is the order shown.
DEMO: tuple[tuple[str, str, str], ...] = (
    ("trap-keylabs-2017", "demo_figure", ":material/pin:"),
    ("pr-hightech-500", "demo_plan", ":material/flag:"),
    ("six-parts", "demo_list", ":material/format_list_bulleted:"),
    ("fu-keylabs-after-eng-centres", "demo_followup", ":material/forum:"),
    ("na-budget-2019", "demo_refusal", ":material/block:"),
    ("en-hightech-enterprises", "demo_english", ":material/translate:"),
)


def suggestions(questions: Sequence[dict], demo: Sequence[tuple[str, str, str]] = DEMO) -> list[Suggestion]:
    """Resolve the demo ids against the regression questions; an unknown id is an error."""
    by_id = {q["id"]: q for q in questions}
    out = []
    for case_id, category, icon in demo:
        if case_id not in by_id:
            raise KeyError(f"demo question {case_id!r} is not in the regression set")
        case = by_id[case_id]
        history = [str(h) for h in case.get("history") or []]
        if history:
            out.append(Suggestion(case_id, category, icon, history[0], tuple(history[1:]) + (case["question"],)))
        else:
            out.append(Suggestion(case_id, category, icon, case["question"]))
    return out


def next_followup(asked: Sequence[str], items: Sequence[Suggestion]) -> str | None:
    """The follow-up to offer after the questions asked so far, if they are a demo pair in progress."""
    for s in items:
        steps = (s.question, *s.then)
        for n in range(1, len(steps)):
            if len(asked) >= n and list(asked[-n:]) == list(steps[:n]):
                return steps[n]
    return None
