"""The regression set through the model path, with a scripted model that echoes the extractive answer:
verification must keep (nearly) every found answer as the model's, and the pass count must not move."""

import time

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from rag.evaluation import load_questions, run_eval
from rag.llm import LLMAnswerBuilder


class Recorder:
    """The extractive answer step, remembering its last answer for the echo model."""

    def __init__(self, inner):
        self.inner, self.letters, self.last = inner, inner.letters, None

    def build(self, question, resolved, retrieval):
        self.last = self.inner.build(question, resolved, retrieval)
        return self.last


@pytest.fixture(scope="module")
def echo_engine(engine):
    from dataclasses import replace as dc_replace

    from rag.engine import Engine

    recorder = Recorder(engine.builder)

    def replies():
        while True:
            yield AIMessage(content=recorder.last.answer if recorder.last else "")

    model = GenericFakeChatModel(messages=replies())
    settings = dc_replace(engine.settings, llm_deadline_s=30.0)
    builder = LLMAnswerBuilder(recorder, settings, model=model)
    builder.rewrite = lambda question, history, fallback: fallback  # the echo has nothing to say on follow-ups
    return Engine(settings, engine.index, engine.retriever, builder, engine.index_report)


def test_echo_model_keeps_the_pass_count_and_most_answers_as_the_models(engine, echo_engine):
    questions = load_questions()
    baseline = run_eval(engine, questions, write=False)
    started = time.perf_counter()
    report = run_eval(echo_engine, questions, write=False)
    seconds = time.perf_counter() - started
    found = report["found_by_mode"]
    kept = found.get("llm", 0) / max(1, sum(found.values()))
    failures = "\n".join(f"{f['id']}: {f['problems']}" for f in report["failures"][:10])
    assert report["passed"] == baseline["passed"], failures
    assert kept >= 0.9, f"only {kept:.1%} of found answers kept as the model's ({found}), {seconds:.0f} s"
    print(f"echo model: {report['passed']}/{report['total']} passed, {kept:.1%} of found answers kept as llm, {seconds:.0f} s")
