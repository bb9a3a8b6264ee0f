"""One real-browser pass: `streamlit run app.py` driven by Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rag.settings import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
QUESTION = "2017年新批准组建了多少个重点实验室？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError("streamlit did not come up")


@pytest.fixture
def server(app_env):
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "streamlit-server.log", "w", encoding="utf-8")
    env = dict(os.environ, RAG_DATA_DIR=str(app_env))
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.address", "127.0.0.1", "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def test_ask_see_the_citation_and_open_it(server):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(server)
            expect(page.get_by_text("试试这些问题")).to_be_visible(timeout=120_000)
            page.screenshot(path=str(ARTIFACTS / "1-welcome.png"))

            box = page.get_by_test_id("stChatInputTextArea")
            box.fill(QUESTION)
            box.press("Enter")
            answer = page.get_by_test_id("stChatMessage").filter(has_text="36个").last
            expect(answer).to_be_visible(timeout=60_000)
            expect(answer).to_contain_text("[§0.2]")
            source = page.get_by_test_id("stExpander").filter(has_text="§0.2 前言·其次")
            expect(source).to_be_visible()
            expect(source).to_contain_text("重点实验室36个")  # the citation is open under the answer
            page.wait_for_timeout(800)  # let the page settle before the picture
            # Picture the whole exchange: the question at the top, the answer and its open source below.
            asked = page.get_by_test_id("stChatMessage").filter(has_text=QUESTION).first
            page.mouse.move(800, 400)
            for _ in range(3):  # scroll up as a person would, until the question sits under the top bar
                page.mouse.wheel(0, asked.bounding_box()["y"] - 72)
                page.wait_for_timeout(400)
            page.screenshot(path=str(ARTIFACTS / "2-answer.png"))

            page.get_by_role("button", name="在原信中查看").first.click()
            focus = page.locator(".st-key-focus_card")
            expect(focus).to_be_visible(timeout=30_000)
            expect(focus).to_contain_text("§0.2 前言·其次")
            expect(focus).to_contain_text("2017年新批准组建省级工程技术研究中心61个")
            page.wait_for_timeout(800)
            page.screenshot(path=str(ARTIFACTS / "3-letter.png"))

            page.get_by_text("数字核对", exact=True).click()
            search = page.get_by_placeholder("例如：重点实验室、500、亿元")
            expect(search).to_be_visible(timeout=30_000)
            search.fill("重点实验室")
            search.press("Enter")
            expect(page.get_by_text("当前显示 9 个")).to_be_visible(timeout=30_000)
            page.wait_for_timeout(800)
            page.screenshot(path=str(ARTIFACTS / "4-figures.png"))

            # Selecting a row of the table opens its figure's section in the letter view.
            table = page.get_by_test_id("stDataFrame").bounding_box()
            page.mouse.click(table["x"] + 16, table["y"] + 35 + 17)  # first row's selection box
            expect(page.locator(".st-key-focus_card")).to_contain_text("§0.2 前言·其次", timeout=30_000)
            expect(page.locator(".st-key-focus_card")).to_contain_text("重点实验室36个")
        finally:
            browser.close()
