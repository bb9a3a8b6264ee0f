"""The page with a language model configured: the model's text streams, the checked answer replaces it
when checking changed it (and says so), and each answer says which path made it. The model is the
scripted OpenAI-protocol server of tests/test_llm_endpoint.py, on 127.0.0.1."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from rag.settings import REPO_ROOT
from tests.test_llm_endpoint import GOOD, LABS, scripted_server

APP = str(REPO_ROOT / "app.py")


@pytest.fixture
def server():
    with scripted_server() as script:
        yield script


def _page(monkeypatch, url: str) -> AppTest:
    monkeypatch.setenv("RAG_LLM_BASE_URL", url)
    monkeypatch.setenv("RAG_LLM_MODEL", "scripted")
    monkeypatch.setenv("RAG_LLM_DEADLINE_S", "5")
    at = AppTest.from_file(APP, default_timeout=90)
    at.run(timeout=120)
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_a_streamed_answer_that_checking_changed_is_replaced_and_says_so(app_env, monkeypatch, server):
    server.replies = [("text", GOOD + "这些实验室均由国务院直接拨款[§0.2]。")]
    at = _page(monkeypatch, server.url)
    at.chat_input[0].set_value(LABS).run(timeout=90)
    assert not at.exception, at.exception
    assert any(r.get("stream") for r in server.requests)  # the page asked for a stream
    shown = _shown(at)
    assert "36个" in shown and "国务院" not in shown
    assert "核验后改写" in shown and "语言模型组织·已逐句核验" in shown


def test_a_failed_model_call_is_answered_from_the_letter_and_says_why(app_env, monkeypatch, server):
    server.replies = [("status", (500, {}))]
    at = _page(monkeypatch, server.url)
    at.chat_input[0].set_value(LABS).run(timeout=90)
    assert not at.exception, at.exception
    shown = _shown(at)
    assert "**36个**" in shown and "摘自原信（" in shown and "Traceback" not in shown
