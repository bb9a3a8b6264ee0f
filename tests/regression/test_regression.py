"""Every regression question, end to end through the real engine (real index, real retrieval)."""

import pytest

from rag.evaluation import ask_in_conversation, check, load_questions

CASES = load_questions()


def test_the_set_is_broad():
    kinds = {c["kind"] for c in CASES}
    assert len(CASES) >= 80 and len({c["id"] for c in CASES}) == len(CASES)
    assert {"figure", "fact", "list", "trap", "plan_result", "unanswerable", "near_miss", "followup", "english", "paraphrase"} <= kinds


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in CASES])
def test_question(engine, case):
    answer = ask_in_conversation(engine, case)
    verdict = check(case, answer)
    assert verdict.ok, (
        f"\nQ: {case['question']} (history {case.get('history') or []})"
        f"\nexpected found={case['found']} contains={case.get('contains')} sections={case.get('sections')}"
        f"\ngot: {answer.answer}\nproblems: {verdict.problems}"
    )

