import json
import os
import subprocess
import sys

import pytest

from rag.settings import REPO_ROOT


def run(args, data_dir, stdin=None):
    env = dict(os.environ, RAG_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO_ROOT))
    return subprocess.run([sys.executable, "-m", "rag", *args], input=stdin, capture_output=True,
                          env=env, cwd=REPO_ROOT, timeout=120)


@pytest.fixture(scope="module")
def built(tmp_path_factory, engine, data_dir):
    return data_dir  # the session engine has built the index here


def test_ask_json_contract(built):
    out = run(["ask", "2017年新批准组建了多少个重点实验室？", "--json"], built)
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert obj["found"] is True and obj["answer"].startswith("**36个**")
    cite = obj["citations"][0]
    assert cite == {"doc": "liaoning-reply-1383", "section": "0.2", "label": "前言·其次", "quote": cite["quote"]}
    assert "重点实验室36个" in cite["quote"]


def test_ask_not_found_exits_zero(built):
    out = run(["ask", "2019年辽宁省科技厅的预算是多少？", "--json"], built)
    assert out.returncode == 0 and json.loads(out.stdout)["found"] is False


@pytest.mark.parametrize("question", ["", "   ", "x" * 501, "a\x01b", "重点\x7f实验室"])
def test_ask_bad_input_exit_2_one_line(built, question):
    out = run(["ask", question], built)
    assert out.returncode == 2
    err = out.stderr.decode()
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_ask_undecodable_bytes(built):
    env = dict(os.environ, RAG_DATA_DIR=str(built), PYTHONPATH=str(REPO_ROOT))
    out = subprocess.run([sys.executable, "-m", "rag", "ask", b"\xff\xfe\xfa"], capture_output=True, env=env, cwd=REPO_ROOT)
    assert out.returncode == 2 and b"UTF-8" in out.stderr and b"Traceback" not in out.stderr


def test_chat_json_conversations_and_bad_lines(built):
    stdin = "\n".join([
        "2017年新批准组建了多少个省级工程技术研究中心？",
        "那重点实验室呢？",
        "",
        "那重点实验室呢？",
        "   \x01",
    ]).encode() + b"\n\xff\xfe\n"
    out = run(["chat", "--json"], built, stdin=stdin)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert len(lines) == 5
    assert "**61个**" in lines[0]["answer"] and "**36个**" in lines[1]["answer"]
    assert "**36个**" not in lines[2]["answer"]  # a new conversation: no earlier question to lean on
    assert "error" in lines[3] and "error" in lines[4]


def test_outline_and_index(built):
    out = run(["outline"], built)
    assert out.returncode == 0 and "§2.5  第2部分·五是 支撑建设现代农业生产基地" in out.stdout.decode()
    out = run(["index"], built)
    assert out.returncode == 0 and "up to date: liaoning-reply-1383" in out.stdout.decode()
