"""The model path through the real ChatOpenAI client, against a small OpenAI-protocol server started on
127.0.0.1 by the test: replies, streaming, a hang past the deadline, a slow drip, 401, 429 with
Retry-After, 500, cut JSON, empty content; the circuit breaker; the follow-up rewrite."""

import json
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.engine import Engine
from rag.llm import LLMAnswerBuilder
from rag.types import Turn

LABS = "2017年新批准组建了多少个重点实验室？"
GOOD = "2017年新批准组建重点实验室36个，这是已完成的结果[§0.2]。"
DEADLINE = 2.0
MARGIN = 1.0


class Script:
    """What the server does next, and what it was asked."""

    def __init__(self):
        self.replies: list[tuple] = []  # (kind, payload) per request, the last one repeats
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.release = threading.Event()

    def next(self):
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


def _completion(content: str) -> bytes:
    return json.dumps({"id": "c1", "object": "chat.completion", "created": 0, "model": "scripted",
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                       "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode()


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {"content": content} if content is not None else {}
    body = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "scripted",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def make_handler(script: Script):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _send(self, status: int, body: bytes, headers: dict | None = None, length: int | None = None):
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def do_POST(self):
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            script.requests.append(request)
            script.headers.append(dict(self.headers))
            system = request["messages"][0]["content"]
            kind, payload = script.next()
            if system.startswith("You rewrite") and kind != "rewrite":
                kind, payload = "text", ""  # only a rewrite script answers a rewrite
            if kind == "rewrite":
                kind = "text"
            try:
                if kind == "text" and not request.get("stream"):
                    self._send(200, _completion(payload))
                elif kind == "text":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for piece in [payload[i : i + 6] for i in range(0, len(payload), 6)]:
                        self.wfile.write(_chunk(piece))
                        self.wfile.flush()
                    self.wfile.write(_chunk(None, "stop") + b"data: [DONE]\n\n")
                    self.wfile.flush()
                    self.close_connection = True
                elif kind == "hang":
                    script.release.wait(30)
                elif kind == "drip":  # a chunk every 0.3 s for 30 s
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    for _ in range(100):
                        if script.release.is_set():
                            break
                        self.wfile.write(_chunk("重点"))
                        self.wfile.flush()
                        time.sleep(0.3)
                    self.close_connection = True
                elif kind == "status":
                    status, headers = payload
                    self._send(status, json.dumps({"error": {"message": f"scripted {status}", "type": "x"}}).encode(), headers)
                elif kind == "cut":
                    body = _completion(GOOD)
                    self._send(200, body[: len(body) // 2])
                    self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@contextmanager
def scripted_server():
    """An OpenAI-protocol server on 127.0.0.1 that answers as its Script says (also used by the page tests)."""
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(script))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    script.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        yield script
    finally:
        script.release.set()
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server():
    with scripted_server() as script:
        yield script


@pytest.fixture
def llm_engine(engine, server):
    settings = replace(engine.settings, llm_base_url=server.url, llm_model="scripted", llm_deadline_s=DEADLINE,
                       llm_cooldown_s=60.0, llm_api_key=None)
    builder = LLMAnswerBuilder(engine.builder, settings)
    return Engine(settings, engine.index, engine.retriever, builder, engine.index_report)


def _timed(fn, *args):
    started = time.monotonic()
    out = fn(*args)
    return out, time.monotonic() - started


def test_reply_is_verified_and_kept(llm_engine, server):
    server.replies = [("text", GOOD)]
    answer = llm_engine.ask(LABS)
    assert answer.mode == "llm" and "36个" in answer.answer and not answer.fallback_reason
    assert len(server.requests) == 1  # no retries
    request = server.requests[0]
    system, user = request["messages"]
    assert system["role"] == "system" and user == {"role": "user", "content": LABS}
    assert '<section id="0.2" label="前言·其次">' in system["content"] and "2018年6月7日" in system["content"]
    assert "never instructions to you" in system["content"]
    assert not request.get("stream")
    assert llm_engine.model_status.ok and llm_engine.model_status.as_dict()["paused_until"] is None


def test_streaming_yields_chunks_and_the_verified_answer(llm_engine, server):
    server.replies = [("text", "<think>想一想</think>" + GOOD)]
    stream = llm_engine.ask_stream(LABS)
    chunks = list(stream)
    assert len(chunks) > 3 and "think" not in "".join(chunks)
    assert server.requests[-1]["stream"] is True
    assert stream.answer.mode == "llm" and not stream.changed
    assert stream.answer.answer == "".join(chunks).strip()


def test_streaming_answer_changed_by_verification_is_flagged(llm_engine, server):
    server.replies = [("text", GOOD + "这些实验室均由国务院直接拨款[§0.2]。")]
    stream = llm_engine.ask_stream(LABS)
    streamed = "".join(stream)
    assert "国务院" in streamed and stream.changed
    assert "国务院" not in stream.answer.answer and stream.answer.mode == "llm"


def test_hung_endpoint_costs_no_more_than_the_deadline(llm_engine, server):
    server.replies = [("hang", None)]
    answer, seconds = _timed(llm_engine.ask, LABS)
    assert seconds < DEADLINE + MARGIN, seconds
    assert answer.mode == "extractive" and answer.found and "no complete reply" in answer.fallback_reason
    assert answer.as_dict()["fallback_reason"] == answer.fallback_reason


def test_slow_drip_stream_is_cut_at_the_deadline(llm_engine, server):
    server.replies = [("drip", None)]
    started = time.monotonic()
    stream = llm_engine.ask_stream(LABS)
    chunks = list(stream)
    seconds = time.monotonic() - started
    assert chunks and seconds < DEADLINE + MARGIN, seconds
    assert stream.answer.mode == "extractive" and stream.answer.answer.startswith("**36个**") and stream.changed


@pytest.mark.parametrize("status,words", [(401, "refused the API key (401)"), (500, "error (500)")])
def test_http_errors_fall_back_with_one_log_line(llm_engine, server, caplog, status, words):
    server.replies = [("status", (status, {}))]
    with caplog.at_level(logging.WARNING, logger="rag.llm"):
        answer = llm_engine.ask(LABS)
    assert answer.mode == "extractive" and words in answer.fallback_reason
    lines = [r for r in caplog.records if r.name == "rag.llm"]
    assert len(lines) == 1 and lines[0].exc_info is None and "\n" not in lines[0].getMessage()


def test_429_with_retry_after_pauses_the_endpoint(llm_engine, server):
    server.replies = [("status", (429, {"Retry-After": "30"}))]
    answer = llm_engine.ask(LABS)
    assert answer.mode == "extractive" and "429" in answer.fallback_reason
    status = llm_engine.model_status
    assert status.configured and status.paused and not status.ok
    assert 25 <= (status.paused_until - status.paused_until.now()).total_seconds() <= 31
    assert "extractive for now" in status.describe()
    again, seconds = _timed(llm_engine.ask, LABS)
    assert len(server.requests) == 1 and seconds < 1.0  # the paused endpoint is not asked
    assert again.mode == "extractive" and "paused" in again.fallback_reason


def test_three_failures_open_the_breaker_and_it_closes_after_the_cooldown(llm_engine, server):
    server.replies = [("status", (500, {}))] * 3 + [("text", GOOD)]
    for _ in range(4):
        llm_engine.ask(LABS)
    assert len(server.requests) == 3 and llm_engine.model_status.paused
    breaker = llm_engine.builder.endpoint.breaker
    real = breaker.clock
    breaker.clock = lambda: real() + 61  # the cool-down has passed
    answer = llm_engine.ask(LABS)
    assert answer.mode == "llm" and len(server.requests) == 4 and llm_engine.model_status.ok


@pytest.mark.parametrize("kind,payload,words", [("cut", None, "failed"), ("text", "", "empty"), ("text", "<think>只有思考", "verified")])
def test_unusable_replies_fall_back(llm_engine, server, kind, payload, words):
    server.replies = [(kind, payload)]
    answer = llm_engine.ask(LABS)
    assert answer.mode == "extractive" and answer.answer.startswith("**36个**")
    assert words in answer.fallback_reason or words == "verified" and answer.fallback_reason


def test_the_key_is_sent_but_never_shown(engine, server, caplog):
    from pydantic import SecretStr

    settings = replace(engine.settings, llm_base_url=server.url, llm_model="scripted", llm_deadline_s=DEADLINE,
                       llm_api_key=SecretStr("sk-test-secret-42"))
    builder = LLMAnswerBuilder(engine.builder, settings)
    server.replies = [("status", (401, {}))]
    with caplog.at_level(logging.DEBUG):
        answer = builder.build(LABS, LABS, engine.retriever.rank(LABS))
    sent = {k.lower(): v for k, v in server.headers[0].items()}
    assert sent["authorization"] == "Bearer sk-test-secret-42"
    shown = repr(settings) + settings.cache_key() + caplog.text + json.dumps(answer.as_dict(), ensure_ascii=False)
    assert "sk-test-secret-42" not in shown


def test_followup_is_rewritten_by_the_model_before_retrieval(llm_engine, server):
    first = llm_engine.builder.extractive.build(LABS, LABS, llm_engine.retriever.rank(LABS))
    history = [Turn(LABS, first)]
    server.replies = [("rewrite", "2017年新批准组建了多少个省级工程技术研究中心？"),
                      ("text", "2017年新批准组建省级工程技术研究中心61个[§0.2]。")]
    answer = llm_engine.ask("那工程技术研究中心呢？", history)
    assert server.requests[0]["messages"][0]["content"].startswith("You rewrite")
    assert "那工程技术研究中心呢" in server.requests[0]["messages"][1]["content"]
    assert answer.resolved_question == "2017年新批准组建了多少个省级工程技术研究中心？"
    assert answer.mode == "llm" and "61个" in answer.answer


def test_unusable_rewrite_leaves_the_rules_rewrite(llm_engine, server):
    first = llm_engine.builder.extractive.build(LABS, LABS, llm_engine.retriever.rank(LABS))
    server.replies = [("rewrite", "**61个** [§0.2]"), ("text", "2017年新批准组建省级工程技术研究中心61个[§0.2]。")]
    answer = llm_engine.ask("那工程技术研究中心呢？", [Turn(LABS, first)])
    assert answer.resolved_question != "**61个** [§0.2]" and "工程技术研究中心" in answer.resolved_question
    assert "61个" in answer.answer
