"""Suggested questions for an empty chat, taken from the regression set by id, and the presenter's
walk through them.

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
    question: str  # what the chip asks first
    then: tuple[str, ...] = ()  # follow-ups offered next, in order


# (regression id, chip caption key); order is the order shown and the order a presenter steps through.
DEMO: tuple[tuple[str, str], ...] = (
    ("trap-keylabs-2017", "demo_figure"),
    ("pr-hightech-500", "demo_plan"),
    ("six-parts", "demo_list"),
    ("fu-keylabs-after-eng-centres", "demo_followup"),
    ("na-budget-2019", "demo_refusal"),
    ("en-hightech-enterprises", "demo_english"),
)


def suggestions(questions: Sequence[dict], demo: Sequence[tuple[str, str]] = DEMO) -> list[Suggestion]:
    """Resolve the demo ids against the regression questions; an unknown id is an error."""
    by_id = {q["id"]: q for q in questions}
    out = []
    for case_id, category in demo:
        if case_id not in by_id:
            raise KeyError(f"demo question {case_id!r} is not in the regression set")
        case = by_id[case_id]
        history = [str(h) for h in case.get("history") or []]
        if history:
            out.append(Suggestion(case_id, category, history[0], tuple(history[1:]) + (case["question"],)))
        else:
            out.append(Suggestion(case_id, category, case["question"]))
    return out


def next_followup(asked: Sequence[str], items: Sequence[Suggestion]) -> str | None:
    """The follow-up to offer after the questions asked so far, if they are a demo pair in progress."""
    for s in items:
        steps = (s.question, *s.then)
        for n in range(1, len(steps)):
            if len(asked) >= n and list(asked[-n:]) == list(steps[:n]):
                return steps[n]
    return None


def steps(items: Sequence[Suggestion]) -> list[str]:
    """Every demo question in order, each follow-up right after the question it follows."""
    return [q for s in items for q in (s.question, *s.then)]


def next_step(asked: Sequence[str], walk: Sequence[str]) -> int:
    """How far the presenter has got: the index in `walk` of the next question to ask (len(walk) when
    done). Read from the conversation itself, so a reload resumes where the demo stood; questions
    asked in between (from the audience) do not count."""
    n = 0
    for question in asked:
        if n < len(walk) and question == walk[n]:
            n += 1
    return n
