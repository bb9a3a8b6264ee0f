"""The same engine against a Chroma server (RAG_CHROMA_HOST/PORT) instead of the embedded store."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.engine import load_engine
from rag.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_engine_over_a_chroma_server(chroma_server, tmp_path):
    settings = Settings.from_env({"RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(chroma_server),
                                  "RAG_DATA_DIR": str(tmp_path)})
    engine = load_engine(settings)
    assert engine.index_report.built == ["liaoning-reply-1383"]
    answer = engine.ask("2017年新批准组建了多少个重点实验室？")
    assert answer.answer.startswith("**36个**") and answer.citations[0].section == "0.2"
    assert not (tmp_path / "chroma").exists()  # nothing embedded on the side
    again = load_engine(settings)
    assert again.index_report.built == [] and again.index_report.kept == ["liaoning-reply-1383"]


def _start(path, port):
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("chroma server did not start")


def test_a_port_that_never_answers_is_named_within_seconds(tmp_path):
    from rag.index import StoreError

    with socket.socket() as silent:  # accepts connections, never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings = Settings.from_env({"RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(port),
                                      "RAG_DATA_DIR": str(tmp_path), "RAG_STORE_TIMEOUT_S": "1"})
        started = time.monotonic()
        with pytest.raises(StoreError, match=f"127.0.0.1:{port}"):
            load_engine(settings)
        assert time.monotonic() - started < 5


def test_a_server_that_stops_mid_session_leaves_the_text_index_answering(tmp_path, monkeypatch):
    import rag.retrieve

    monkeypatch.setattr(rag.retrieve, "DENSE_RETRY_S", 0.5)
    port, path = _free_port(), tmp_path / "store"
    proc = _start(path, port)
    try:
        settings = Settings.from_env({"RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(port),
                                      "RAG_DATA_DIR": str(tmp_path), "RAG_STORE_TIMEOUT_S": "2"})
        engine = load_engine(settings)
        # English always asks the vector lanes (they bridge the languages)
        question = "How many provincial key laboratories were newly approved in 2017?"
        assert engine.ask(question).notice == ""
        proc.terminate()
        proc.wait(timeout=10)
        started = time.monotonic()
        down = engine.ask(question)
        assert down.answer.startswith("**36个**") and "vector store" in down.notice
        assert time.monotonic() - started < 5
        proc = _start(path, port)  # back: the vector lanes are used again
        time.sleep(0.6)
        assert engine.ask(question).notice == ""
    finally:
        proc.kill()
