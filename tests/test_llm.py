import json
from dataclasses import replace

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from pydantic import SecretStr

from rag.llm import AnswerStream, CircuitBreaker, LLMAnswerBuilder, ThinkFilter, usable_rewrite
from rag.prompts import EXPECTED_VARIABLES, PromptError, load_chat_prompt, load_template
from rag.settings import REPO_ROOT, Settings

LABS = "2017年新批准组建了多少个重点实验室？"


def test_prompt_files_have_exactly_their_variables(tmp_path):
    for name in ("answer", "rewrite"):
        prompt = load_chat_prompt(REPO_ROOT / "prompts", name)
        assert [m.__class__.__name__ for m in prompt.messages][0].startswith("System")
        assert set(prompt.input_variables) == EXPECTED_VARIABLES[f"{name}_system"] | EXPECTED_VARIABLES[f"{name}_user"]
    (tmp_path / "answer_user.txt").write_text("{question} {extra}", encoding="utf-8")
    with pytest.raises(PromptError, match=r"missing variables \[\], unexpected \['extra'\]"):
        load_template(tmp_path, "answer_user")
    with pytest.raises(PromptError, match="missing prompt file"):
        load_template(tmp_path, "answer_system")


def test_bad_prompt_file_fails_at_start(engine, tmp_path):
    (tmp_path / "answer_system.txt").write_text("no variables", encoding="utf-8")
    settings = replace(engine.settings, prompts_dir=tmp_path)
    with pytest.raises(PromptError):
        LLMAnswerBuilder(engine.builder, settings, model=GenericFakeChatModel(messages=iter([])))


def test_api_key_is_secret_and_not_in_the_cache_key():
    s = Settings.from_env({"RAG_LLM_API_KEY": "sk-very-secret", "RAG_LLM_BASE_URL": "http://x/v1", "RAG_LLM_MODEL": "m",
                           "RAG_LLM_DEADLINE_S": "7"})
    assert isinstance(s.llm_api_key, SecretStr) and s.llm_api_key.get_secret_value() == "sk-very-secret"
    assert "sk-very-secret" not in repr(s) + str(s) + s.cache_key()
    assert s.llm_deadline_s == 7.0 and s.cache_key() != replace(s, llm_model="other").cache_key()
    assert s.cache_key() == replace(s, llm_api_key=SecretStr("another")).cache_key()


def test_no_model_configured(engine):
    status = engine.model_status
    assert not status.configured and "extractive" in status.describe()
    stream = engine.ask_stream(LABS)
    chunks = list(stream)
    assert chunks == [stream.answer.answer] and not stream.changed and stream.answer.mode == "extractive"
    assert "fallback_reason" not in stream.answer.as_dict()


def test_breaker_opens_after_three_failures_and_honours_retry_after():
    now = [0.0]
    b = CircuitBreaker(cooldown_s=60, clock=lambda: now[0])
    b.failure("x")
    b.failure("x")
    assert b.allow()
    b.failure("x")
    assert not b.allow() and b.remaining() == 60
    now[0] = 61
    assert b.allow()
    b.failure("x")  # the trial call fails: paused again
    assert not b.allow()
    b.success()
    assert b.allow() and b.failures == 0
    b.failure("rate", retry_after=120)  # the server asks for a longer pause
    assert b.remaining() == 120
    b.failure("rate", retry_after=10_000)
    assert b.remaining() <= 600


def test_think_filter_across_chunks():
    f = ThinkFilter()
    out = "".join(f.feed(c) for c in ["<thi", "nk>secret 37个", "</th", "ink>", "36个", " [§0.", "2]", "<t"]) + f.flush()
    assert out == "36个 [§0.2]<t"


def test_usable_rewrite():
    rules = "2017年新批准组建了多少个重点实验室？"
    assert usable_rewrite("Standalone question: 2017年新批准组建了多少个工程研究中心？", rules, 500) == "2017年新批准组建了多少个工程研究中心？"
    assert usable_rewrite("<think>hmm</think>\n工程研究中心有多少个？", rules, 500) == "工程研究中心有多少个？"
    for bad in ("", "   ", "36个 [§0.2]", "信中未提及", "x" * 300 + "？", "2017年新批准组建重点实验室36个。", "请访问 http://x.example 吗？"):
        assert usable_rewrite(bad, rules, 500) == "", bad


def test_answer_stream_of_an_answer(engine):
    answer = engine.ask(LABS)
    stream = AnswerStream.of(answer)
    assert "".join(stream) == answer.answer and stream.result() is answer and not stream.changed


def test_cli_json_has_mode_and_fallback_reason(engine, capsys):
    from rag.cli import _print_answer

    model = GenericFakeChatModel(messages=iter([AIMessage(content="2017年新批准组建重点实验室37个[§0.2]。")]))
    answer = LLMAnswerBuilder(engine.builder, engine.settings, model=model).build(LABS, LABS, engine.retriever.rank(LABS))
    _print_answer(answer, as_json=True)
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "extractive" and out["fallback_reason"] and "37个" not in out["answer"]
    _print_answer(answer, as_json=False)
    assert "extractive answer; the language model's was not used" in capsys.readouterr().out
