"""Real-browser passes: `streamlit run app.py` driven by Chromium through Playwright.

One server for the module; every page the tests open records its requests, and none may leave
127.0.0.1 (no web fonts, icons or telemetry: the page must work offline).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from rag.settings import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
QUESTION = "2017年新批准组建了多少个重点实验室？"
ENG_CENTRES = "2017年新批准组建了多少个省级工程技术研究中心？"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed")


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


@pytest.fixture(scope="module")
def server(data_dir):
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "streamlit-server.log", "w", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_CHROMA", "RAG_LLM"))}
    env["RAG_DATA_DIR"] = str(data_dir)
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


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A fresh 1280×800 tab; after the test, every request it made must have stayed on 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    tab = context.new_page()
    tab.requests = requests
    yield tab
    context.close()
    outside = [u for u in requests if not u.startswith((server + "/", "data:", "blob:" + server))]
    assert not outside, f"requests left the machine: {outside}"
    assert any(u.startswith(server) for u in requests)


def chat_box(page):
    return page.get_by_test_id("stChatInputTextArea")


def open_app(page, url: str, wait_for: str = "stChatInputTextArea"):
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.get_by_test_id(wait_for).first).to_be_visible(timeout=120_000)


def ask(page, question: str, expect_text: str):
    """Ask in the chat box; the new answer (the last message, after the question) holds expect_text."""
    from playwright.sync_api import expect

    messages = page.get_by_test_id("stChatMessage").filter(visible=True)  # not the hidden copies of a redraw
    asked = messages.filter(has=page.get_by_test_id("stChatMessageAvatarUser"))
    before = asked.count()
    box = chat_box(page)
    box.fill(question)
    box.press("Enter")
    expect(asked).to_have_count(before + 1, timeout=60_000)
    expect(asked.last).to_contain_text(question)
    answer = messages.last
    expect(answer).to_contain_text(expect_text, timeout=60_000)
    return answer


def settle(page, ms: int = 800) -> None:
    page.wait_for_timeout(ms)  # let the page finish drawing before a picture or a measure


def px(page, selector: str, prop: str) -> float:
    value = page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}")
    return float(re.match(r"[\d.]+", value)[0])


# ------------------------------------------------------------------------------------------ tests


def test_ask_see_the_citation_and_open_it(page, server):
    from playwright.sync_api import expect

    started = time.monotonic()
    open_app(page, server)
    expect(page.get_by_text("试试这些问题")).to_be_visible(timeout=120_000)
    print(f"first visit: chat box after {time.monotonic() - started:.1f} s")
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "1-welcome.png"))

    answer = ask(page, QUESTION, "36个")
    expect(answer).to_contain_text("[§0.2]")
    source = page.get_by_test_id("stExpander").filter(has_text="§0.2 前言·其次")
    expect(source).to_be_visible()
    expect(source).to_contain_text("重点实验室36个")  # the citation is open under the answer
    # quotes at full contrast: the proof must not be greyed out
    assert page.locator("blockquote").first.evaluate("e => getComputedStyle(e).opacity") == "1"
    settle(page)
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
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "3-letter.png"))

    page.get_by_text("数字核对", exact=True).click()
    search = page.get_by_placeholder("例如：重点实验室、500、亿元")
    expect(search).to_be_visible(timeout=30_000)
    search.fill("重点实验室")
    search.press("Enter")
    expect(page.get_by_text("当前显示 9 个")).to_be_visible(timeout=30_000)
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "4-figures.png"))

    # Selecting a row of the table opens its figure's section in the letter view.
    table = page.get_by_test_id("stDataFrame").bounding_box()
    page.mouse.click(table["x"] + 16, table["y"] + 35 + 17)  # first row's selection box
    expect(page.locator(".st-key-focus_card")).to_contain_text("§0.2 前言·其次", timeout=30_000)
    expect(page.locator(".st-key-focus_card")).to_contain_text("重点实验室36个")

    # the owner page of the same session is offline too
    page.goto(server + "/owner")
    expect(page.get_by_text("访客反馈")).to_be_visible(timeout=60_000)
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "5-owner.png"))


def test_reload_keeps_the_conversation_and_its_language(page, server):
    from playwright.sync_api import expect

    open_app(page, server)
    ask(page, ENG_CENTRES, "61个")
    ask(page, "那重点实验室呢？", "36个")
    page.get_by_text("English", exact=True).click()
    expect(page.get_by_placeholder(re.compile("^Ask about the letter"))).to_be_visible(timeout=30_000)
    expect(page).to_have_url(re.compile(r"[?&]lang=en"))
    address = page.url
    page.reload()
    expect(page.get_by_test_id("stChatMessage").filter(has_text="36个").last).to_be_visible(timeout=60_000)
    messages = page.get_by_test_id("stChatMessage")
    expect(messages.filter(has_text=ENG_CENTRES)).to_have_count(1)
    expect(messages.filter(has_text="那重点实验室呢？")).to_have_count(1)
    expect(page.get_by_placeholder(re.compile("^Ask about the letter"))).to_be_visible()
    assert page.url == address

    second = page.context.new_page()  # the same address in a new tab
    second.goto(address)
    expect(second.get_by_test_id("stChatMessage").filter(has_text="那重点实验室呢？")).to_have_count(1, timeout=60_000)
    second.close()


def test_a_permalink_answers_on_open(page, server):
    from playwright.sync_api import expect

    page.goto(f"{server}/?q={quote(QUESTION)}")
    answer = page.get_by_test_id("stChatMessage").filter(has_text="36个").last
    expect(answer).to_be_visible(timeout=120_000)
    expect(answer).to_contain_text("重点实验室36个")
    expect(page).to_have_url(re.compile(r"\?c=[0-9a-f]{16}$"))  # the question left the address: a reload does not ask again
    # the answer's own share link is such a permalink
    page.get_by_role("button", name="分享").last.click()
    link = page.get_by_test_id("stCode").last.inner_text().strip()
    assert parse_qs(urlsplit(link).query)["q"] == [QUESTION] and link.startswith(server)


def test_presenter_view_reads_from_the_back_of_the_room(page, server):
    from playwright.sync_api import expect

    open_app(page, server + "/?view=present")
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    page.get_by_role("button", name=re.compile("下一个演示问题")).first.click()
    answer = page.get_by_test_id("stChatMessage").filter(has_text="36个").last
    expect(answer).to_be_visible(timeout=60_000)
    settle(page, 1200)
    lead = "[class*='st-key-lead-'] strong"
    figure_px = px(page, lead, "fontSize")
    quote_px = px(page, "[data-testid='stChatMessage'] blockquote p", "fontSize")
    answer_px = px(page, "[class*='st-key-lead-'] p", "fontSize")
    mark = page.locator("[data-testid='stChatMessage'] blockquote .stMarkdownColoredBackground").filter(has_text="36个")
    expect(mark).to_have_count(1)  # the figure itself is marked inside its sentence
    print(f"presenter view: figure {figure_px}px, answer {answer_px}px, quote {quote_px}px")
    assert figure_px >= 28 and answer_px >= 20 and quote_px >= 20
    assert page.locator("blockquote").first.evaluate("e => getComputedStyle(e).opacity") == "1"
    # nothing overlaps: the figure's line, the quote and the chat box stand apart
    lead_box = page.locator(lead).first.bounding_box()
    quote_box = page.locator("[data-testid='stChatMessage'] blockquote").first.bounding_box()
    box = page.get_by_test_id("stChatInput").bounding_box()
    assert lead_box["y"] + lead_box["height"] <= quote_box["y"]
    assert quote_box["y"] + quote_box["height"] <= box["y"], "the quote runs under the chat box"
    page.mouse.move(5, 790)  # no tooltip in the picture
    settle(page, 400)
    page.screenshot(path=str(ARTIFACTS / "6-presenter.png"))

    page.get_by_role("button", name=re.compile("下一个演示问题")).first.click()  # one click, the next demo question
    expect(page.get_by_test_id("stChatMessage").filter(has_text="500家以上").last).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stChatMessage").filter(has_text=QUESTION)).to_have_count(0)  # one exchange at a time


def test_an_inline_citation_opens_its_section_with_the_figure_marked(page, server):
    from playwright.sync_api import expect

    open_app(page, server)
    answer = ask(page, QUESTION, "36个")
    answer.locator('a[href^="#cite:"]').first.click()
    focus = page.locator(".st-key-focus_card")
    expect(focus).to_be_visible(timeout=30_000)
    expect(focus).to_contain_text("§0.2 前言·其次")
    figure = focus.locator(".stMarkdownColoredBackground strong").filter(has_text=re.compile("^36个$"))
    expect(figure).to_have_count(1)
    sentence = focus.locator(".stMarkdownColoredBackground").filter(has_text="2017年新批准组建省级工程技术研究中心61个")
    expect(sentence).to_have_count(1)
    # brought into view once the letter is drawn (it is long: on a busy machine that takes seconds)
    page.wait_for_function(
        "() => { const t = document.querySelector('.st-key-focus_card').getBoundingClientRect().top;"
        " return t >= 0 && t < 400; }",
        timeout=20_000,
    )
    settle(page)
    # and it stays there: a late redraw that scrolls the page away is undone by the page's script
    in_view = ("() => { const t = document.querySelector('.st-key-focus_card').getBoundingClientRect().top;"
               " return t >= 0 && t < 400; }")
    page.wait_for_function(in_view, timeout=30_000)
    settle(page, 3500)
    top = focus.bounding_box()["y"]
    assert 0 <= top < 400, f"the opened section did not stay in view (at {top}px)"
    assert "#cite" not in page.url  # the link did not leave or reload the page
    page.screenshot(path=str(ARTIFACTS / "7-citation.png"))


def test_letter_search_finds_and_marks_a_phrase(page, server):
    from playwright.sync_api import expect

    open_app(page, server)
    page.get_by_text("原信", exact=True).click()
    search = page.get_by_placeholder("例如：重点实验室")
    expect(search).to_be_visible(timeout=30_000)
    search.fill("技术转移")
    search.press("Enter")
    expect(page.get_by_text(re.compile(r"第 1 处，共 \d+ 处"))).to_be_visible(timeout=30_000)
    total = int(re.search(r"共 (\d+) 处", page.get_by_text(re.compile(r"第 1 处，共")).inner_text())[1])
    focus = page.locator(".st-key-focus_card")
    expect(focus.locator(".stMarkdownColoredBackground").filter(has_text="技术转移").first).to_be_visible()
    page.get_by_role("button", name="下一处").click()
    expect(page.get_by_text(f"第 2 处，共 {total} 处")).to_be_visible(timeout=30_000)
    marks = page.locator(".stMain .stMarkdownColoredBackground").filter(has_text=re.compile("^技术转移$"))
    assert marks.count() >= total  # every match marked in the letter (and the current one in the card)
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "8-letter-search.png"))
    page.get_by_role("button", name="全部展开").click()
    sections = page.locator("[data-testid='stExpander'] details")
    expect(page.locator("[data-testid='stExpander'] details:not([open])")).to_have_count(0, timeout=30_000)
    assert sections.count() >= 28


def test_the_box_counts_near_the_limit_and_keeps_a_draft(page, server):
    from playwright.sync_api import expect

    open_app(page, server)
    box = chat_box(page)
    box.fill("多" * 450)
    counter = page.locator(".lqa-counter")
    expect(counter).to_have_text("450/500 字")
    expect(counter).to_be_visible()
    box.fill("多" * 600)
    expect(counter).to_have_text("600/500 字")
    assert "lqa-over" in counter.get_attribute("class")
    box.press("Enter")
    expect(page.get_by_text(re.compile("问题太长了（600 字）"))).to_be_visible(timeout=30_000)
    expect(box).to_have_value("多" * 600)  # kept for trimming, not emptied
    page.get_by_text("原信", exact=True).click()  # a rerun and another view: the draft stays
    expect(page.get_by_placeholder("例如：重点实验室")).to_be_visible(timeout=30_000)
    expect(chat_box(page)).to_have_value("多" * 600)
    chat_box(page).fill("重点实验室有多少")
    page.get_by_text("问答", exact=True).click()
    settle(page)
    expect(chat_box(page)).to_have_value("重点实验室有多少")
