"""The page, run by Streamlit's AppTest against the real engine (no fakes)."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

import rag.engine
import rag.evaluation
from rag import ui
from rag.settings import REPO_ROOT, Settings

APP = str(REPO_ROOT / "app.py")

KEYLABS = "2017年新批准组建了多少个重点实验室？"
ENG_CENTRES = "2017年新批准组建了多少个省级工程技术研究中心？"
UNANSWERABLE = "2019年辽宁省科技厅的预算是多少？"


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def assistant_texts(at: AppTest) -> list[str]:
    """The Markdown of each assistant message, joined per message."""
    return ["\n".join(m.value for m in msg.markdown) for msg in at.chat_message if msg.name == "assistant"]


def user_texts(at: AppTest) -> list[str]:
    return ["\n".join(m.value for m in msg.markdown) for msg in at.chat_message if msg.name == "user"]


def all_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


# ------------------------------------------------------------------------------------------ chat


def test_figure_question_shows_figure_quote_and_highlighted_source(app):
    ask(app, KEYLABS)
    answer = assistant_texts(app)[-1]
    assert "**36个**" in answer
    assert "[§0.2]" in answer
    assert "重点实验室36个" in answer  # the quoted sentence
    assert answer.index("**36个**") < answer.index("重点实验室36个")  # figure first, then the quote
    labels = [e.label for e in app.expander]
    assert any("§0\\.2" in label and "前言·其次" in label for label in labels), labels
    cited = [e for e in app.expander if "前言·其次" in e.label][0]
    body = "\n".join(m.value for m in cited.markdown)
    assert ":orange-background[2017年新批准组建省级工程技术研究中心61个、重点实验室36个" in body
    assert "已取得成果" in answer  # the badge says it is a result, not a plan


def test_followup_uses_the_earlier_question(app):
    ask(app, ENG_CENTRES)
    assert "61个" in assistant_texts(app)[-1]
    ask(app, "那重点实验室呢？")
    answer = assistant_texts(app)[-1]
    assert "**36个**" in answer and "**61个**" not in answer
    assert any("按上文理解为" in c.value and "重点实验室" in c.value for c in app.chat_message[-1].caption)
    assert len(user_texts(app)) == 2


def test_unanswerable_question_gets_an_honest_refusal(app):
    ask(app, UNANSWERABLE)
    answer = assistant_texts(app)[-1]
    assert "信中未提及" in answer
    assert "36个" not in answer


def test_suggested_question_chip_and_followup_chip(app):
    assert any("试试这些问题" in c.value for c in app.caption)
    app.button(key="demo-trap-keylabs-2017").click().run()
    assert not app.exception
    assert user_texts(app) == [KEYLABS]
    assert "**36个**" in assistant_texts(app)[-1]

    app.button(key="clear_conversation").click().run()
    assert not app.chat_message or all(m.name == "assistant" for m in app.chat_message)
    app.button(key="demo-fu-keylabs-after-eng-centres").click().run()
    assert user_texts(app) == [ENG_CENTRES]
    follow = [b for b in app.button if b.key and b.key.startswith("next-")]
    assert follow and "那重点实验室呢？" in follow[0].label
    follow[0].click().run()
    assert user_texts(app)[-1] == "那重点实验室呢？"
    assert "36个" in assistant_texts(app)[-1]


def test_unanswerable_chip_shows_the_refusal(app):
    app.button(key="demo-na-budget-2019").click().run()
    assert "信中未提及" in assistant_texts(app)[-1]


def test_clear_conversation(app):
    ask(app, KEYLABS)
    assert user_texts(app)
    app.button(key="clear_conversation").click().run()
    assert user_texts(app) == []
    assert any("试试这些问题" in c.value for c in app.caption)


# ------------------------------------------------------------------------------------------ citations and letter


def test_citation_opens_its_section_in_the_letter_view(app):
    ask(app, KEYLABS)
    app.button(key="open-0-0").click().run()
    assert not app.exception
    assert app.session_state["view"] == "letter"
    assert app.session_state["focus"]["section"] == "0.2"
    text = all_markdown(app)
    assert "正在查看" in text
    assert "§0\\.2 前言·其次" in text
    assert ":orange-background[2017年新批准组建省级工程技术研究中心61个" in text
    # the focused section is also open in the outline
    open_sections = [e for e in app.expander if e.proto.expanded]
    assert [e.label for e in open_sections if e.label.startswith("§0\\.2")]
    app.button(key="focus_back").click().run()
    assert app.session_state["view"] == "chat"
    assert "**36个**" in assistant_texts(app)[-1]


def test_letter_view_shows_outline_and_metadata(app):
    app.segmented_control(key="view").set_value("letter").run()
    assert not app.exception
    text = all_markdown(app)
    for expected in ("辽科提字〔2018〕85号", "丁桦代表", "辽宁省科学技术厅", "2018年6月7日", "2021年4月29日", "关于促进我省科技发展的建议"):
        assert expected in text, expected
    for heading in ("开头与落款", "前言：已开展的工作", "第1部分 攻坚科技体制改革", "第6部分 壮大科技人才队伍"):
        assert heading in text, heading
    labels = [e.label for e in app.expander]
    assert any(label.startswith("§0\\.1") and "首先" in label for label in labels)
    assert any(label.startswith("§2\\.5") and "五是" in label for label in labels)
    assert len([label for label in labels if label.startswith("§")]) == 28  # §0, 0.1–0.4 and the 23 items of parts 1–6
    section_2_5 = [e for e in app.expander if e.label.startswith("§2\\.5")][0]
    assert "1000人次以上" in section_2_5.markdown[0].value


# ------------------------------------------------------------------------------------------ figures


def figure_table(at: AppTest):
    assert at.dataframe, "no figure table"
    return at.dataframe[0].value


def test_figure_checker_search_and_filters(app):
    app.segmented_control(key="view").set_value("figures").run()
    assert not app.exception
    full = figure_table(app)
    assert len(full) >= 40
    assert {"数字", "数值", "单位", "限定", "类型", "出处", "所指"} <= set(full.columns)

    app.text_input(key="fig_query").set_value("重点实验室").run()
    hits = figure_table(app)
    assert list(hits["数字"])[:2] == ["36个", "162个"]  # the figures that count key labs come first
    assert "20家" in set(hits["数字"])
    assert all("重点实验室" in c for c in list(hits["所指"])[:4])

    app.selectbox(key="fig_part").set_value("5").run()
    part5 = figure_table(app)
    assert list(part5["数字"]) == ["20家"]
    assert all(s.startswith("§5.") for s in part5["出处"])

    app.text_input(key="fig_query").set_value("").run()
    app.selectbox(key="fig_part").set_value("all").run()
    app.segmented_control(key="fig_status").set_value("target").run()
    targets = figure_table(app)
    assert set(targets["类型"]) == {"计划目标"}
    assert "500家以上" in set(targets["数字"]) and "36个" not in set(targets["数字"])

    app.text_input(key="fig_query").set_value("没有这个数字").run()
    assert not app.dataframe
    assert any("没有符合条件的数字" in i.value for i in app.info)


# ------------------------------------------------------------------------------------------ keep and share


def test_export_contains_questions_answers_citations_and_letter(app, monkeypatch):
    exports: list[str] = []
    real = ui.export_markdown

    def recording(*args, **kwargs):
        exports.append(real(*args, **kwargs))
        return exports[-1]

    monkeypatch.setattr(ui, "export_markdown", recording)
    app.run()
    assert app.download_button[0].proto.disabled  # nothing to export yet
    ask(app, KEYLABS)
    ask(app, UNANSWERABLE)
    assert not app.download_button[0].proto.disabled
    text = exports[-1]
    assert "关于省人大第十三届一次会议第1383号建议的答复" in text
    assert "辽科提字〔2018〕85号" in text
    assert "2018年6月7日" in text
    assert f"## 1. 问：{KEYLABS}" in text
    assert "**36个**" in text
    assert "- \\[§0\\.2\\] §0\\.2 前言·其次" in text
    assert "> 2017年新批准组建省级工程技术研究中心61个、重点实验室36个" in text
    assert "信中未提及" in text


def test_feedback_is_written_to_disk(app, app_env):
    path = Settings.from_env().feedback_path
    before = path.read_text(encoding="utf-8").count("\n") if path.exists() else 0
    ask(app, KEYLABS)
    app.feedback[0].set_value(1).run()
    assert not app.exception
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == before + 1
    record = json.loads(lines[-1])
    assert record["rating"] == "up"
    assert record["question"] == KEYLABS
    assert "36个" in record["answer"]
    assert record["citations"][0]["section"] == "0.2"
    assert "重点实验室36个" in record["citations"][0]["quote"]
    app.feedback[0].set_value(0).run()
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[-1])["rating"] == "down"


# ------------------------------------------------------------------------------------------ bad input and faults


@pytest.mark.parametrize("blank", ["", "   ", "\n\t "], ids=["empty", "spaces", "whitespace"])
def test_blank_questions_are_ignored(app, blank):
    ask(app, blank)
    assert user_texts(app) == []
    assert not app.warning
    assert any("试试这些问题" in c.value for c in app.caption)


def test_too_long_question_gets_a_friendly_message(app):
    ask(app, "多" * 600)
    assert len(app.warning) == 1
    assert "问题太长了（600 字）" in app.warning[0].value
    assert "500" in app.warning[0].value
    ask(app, KEYLABS)  # the chat goes on
    assert "**36个**" in assistant_texts(app)[-1]


def test_html_and_markdown_in_a_question_are_inert(app):
    question = "<script>alert(1)</script>多少个重点实验室 **粗体** [链接](http://example.com)"
    ask(app, question)
    shown = user_texts(app)[-1]
    assert "\\<script\\>alert\\(1\\)\\</script\\>" in shown
    assert "\\*\\*粗体\\*\\*" in shown
    assert "\\[链接\\]\\(http" in shown
    assert not app.get("html")
    assert all(not m.proto.allow_html for m in app.markdown)


def test_engine_error_shows_a_short_message_and_the_chat_goes_on(app, monkeypatch, caplog):
    def broken(self, question, history=()):
        raise RuntimeError("index exploded: secret detail")

    monkeypatch.setattr(rag.engine.Engine, "ask", broken)
    ask(app, KEYLABS)
    assert len(app.warning) == 1
    assert "没能处理" in app.warning[0].value
    page = all_markdown(app) + "\n".join(w.value for w in app.warning)
    assert "secret detail" not in page and "Traceback" not in page
    assert "index exploded" in caplog.text  # the details go to the server log
    monkeypatch.undo()
    ask(app, KEYLABS)
    assert "**36个**" in assistant_texts(app)[-1]


# ------------------------------------------------------------------------------------------ language, mode, regression, first start


def test_english_switch(app):
    app.segmented_control(key="lang").set_value("en").run()
    assert not app.exception
    assert app.segmented_control(key="view").options == ["Chat", "Letter", "Figures"]
    assert app.chat_input[0].placeholder.startswith("Ask about the letter")
    text = all_markdown(app)
    assert "Try these questions" in text
    assert "extractive" in text
    ask(app, KEYLABS)
    assert "Result (achieved)" in assistant_texts(app)[-1]
    assert any(b.label == "Open in the letter" for b in app.button)
    app.segmented_control(key="lang").set_value("zh").run()
    assert app.segmented_control(key="view").options == ["问答", "原信", "数字核对"]


@pytest.fixture
def keep_eval_report(app_env):
    """Put back whatever regression report the session had before the test ran a small one."""
    path = Settings.from_env().eval_report_path
    saved = path.read_bytes() if path.exists() else None
    yield path
    if saved is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(saved)


def test_mode_line_and_regression_run_on_demand(app, monkeypatch, keep_eval_report):
    text = all_markdown(app)
    assert "回答方式：抽取式" in text
    few = [q for q in rag.evaluation.load_questions() if q["id"] in ("trap-keylabs-2017", "na-budget-2019", "six-parts")]
    monkeypatch.setattr(rag.evaluation, "load_questions", lambda *a, **k: few)
    app.button(key="run_eval").click().run(timeout=120)
    assert not app.exception
    assert "回归测试 3/3 通过" in all_markdown(app)
    assert json.loads(keep_eval_report.read_text(encoding="utf-8"))["total"] == 3


def test_first_start_builds_the_index_with_progress(monkeypatch, tmp_path):
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "fresh"))
    calls: list[tuple[int, int, str]] = []
    real = rag.engine.load_engine

    def watched(settings, progress=None, **kwargs):
        def spy(done, total, doc):
            calls.append((done, total, doc))
            if progress:
                progress(done, total, doc)

        return real(settings, progress=spy, **kwargs)

    monkeypatch.setattr(rag.engine, "load_engine", watched)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert calls and calls[-1][0] == calls[-1][1]  # progress reached the end
    assert calls[-1][2] == "liaoning-reply-1383"
    assert (tmp_path / "fresh" / "chroma").is_dir()
    assert any("试试这些问题" in c.value for c in at.caption)  # and the page is ready
    at.chat_input[0].set_value(KEYLABS).run()
    assert "**36个**" in assistant_texts(at)[-1]


def test_an_unusable_data_folder_still_answers_and_says_so(monkeypatch, tmp_path):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("x")
    monkeypatch.setenv("RAG_DATA_DIR", str(not_a_folder))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert any("RAG_DATA_DIR" in w.value.replace("\\", "") and "memory" in w.value for w in at.warning)
    at.chat_input[0].set_value("2017年新批准组建了多少个重点实验室？").run()
    assert not at.exception and any("**36个**" in m.value for m in at.markdown)
