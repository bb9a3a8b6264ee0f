"""The page, run by Streamlit's AppTest against the real engine (no fakes)."""

from __future__ import annotations

import json
import re

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
    assert "[\\[§0.2\\]](#cite:0:liaoning-reply-1383:0.2)" in answer  # the marker is a link to its section
    assert "重点实验室:orange-background[**36个**]、工程研究中心39个" in answer  # the figure marked in its quote
    assert answer.index("**36个**") < answer.index("重点实验室:orange")  # figure first, then the quote
    # the figure's paragraph is an element of its own, which the stylesheet draws large
    assert "**36个**（重点实验室36个）——这是已完成的结果（实绩）。" in [m.value for m in app.chat_message[-1].markdown]
    labels = [e.label for e in app.expander]
    assert any("§0\\.2" in label and "前言·其次" in label for label in labels), labels
    cited = [e for e in app.expander if "前言·其次" in e.label][0]
    body = "\n".join(m.value for m in cited.markdown)
    assert ":yellow-background[2017年新批准组建省级工程技术研究中心61个、重点实验室]:orange-background[**36个**]" in body
    assert "已取得成果" in answer  # the badge says it is a result, not a plan


def test_a_section_cited_twice_has_one_source_card(app):
    ask(app, "信中提到了哪些国家？")
    answer = assistant_texts(app)[-1]
    assert answer.count("#cite:0:liaoning-reply-1383:4.3") == 2  # cited under both quotes
    cards = [e for e in app.chat_message[-1].expander if e.label.startswith("§4\\.3")]
    assert len(cards) == 1
    body = "\n".join(m.value for m in cards[0].markdown)
    marked = "".join(re.findall(r":yellow-background\[(.*?)\](?!\()", body))
    assert "德国、韩国、芬兰" in marked and "俄罗斯、白俄罗斯、乌克兰" in marked  # both quoted sentences, in the one card


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

    app.button(key="new_conversation").click().run()
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


def test_new_conversation_and_the_earlier_one_listed(app):
    ask(app, KEYLABS)
    first = app.query_params["c"][0] if isinstance(app.query_params["c"], list) else app.query_params["c"]
    app.button(key="new_conversation").click().run()
    assert user_texts(app) == []
    assert any("试试这些问题" in c.value for c in app.caption)
    second = app.query_params["c"]
    second = second[0] if isinstance(second, list) else second
    assert second != first
    earlier = app.button(key=f"earlier-{first}")
    assert KEYLABS[:10] in earlier.label
    earlier.click().run()
    assert user_texts(app) == [KEYLABS] and "**36个**" in assistant_texts(app)[-1]


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
    assert ":yellow-background[2017年新批准组建省级工程技术研究中心61个、重点实验室]:orange-background[**36个**]" in text
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
    assert "- §0.2 前言·其次" in text  # one line per section, no backslashes
    assert "\\[§" not in text and "\\." not in text
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
    assert all("script" not in h.proto.body and "粗体" not in h.proto.body for h in app.get("html"))  # only the stylesheet
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


def test_visitors_see_the_last_regression_line_but_cannot_start_a_run(app, keep_eval_report):
    text = all_markdown(app)
    assert "回答方式：抽取式" in text
    assert not [b for b in app.button if b.key == "run_eval"]
    keep_eval_report.write_text(json.dumps({"passed": 7, "total": 7, "finished": "2026-05-01T08:00:00+00:00"}), encoding="utf-8")
    app.run()
    assert "回归测试 7/7 通过" in all_markdown(app)


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


# ------------------------------------------------------------------------------------------ conversations in the address


def conversation_id(at: AppTest) -> str:
    value = at.query_params["c"]
    return value[0] if isinstance(value, list) else value


def test_a_reload_brings_back_the_conversation_and_its_language(app):
    ask(app, ENG_CENTRES)
    ask(app, "那重点实验室呢？")
    app.segmented_control(key="lang").set_value("en").run()
    cid = conversation_id(app)
    reloaded = AppTest.from_file(APP, default_timeout=60)
    reloaded.query_params["c"] = cid  # a new session with the same address: a reload, a new tab, a restart
    reloaded.run()
    assert not reloaded.exception
    assert user_texts(reloaded) == [ENG_CENTRES, "那重点实验室呢？"]
    assert "**36个**" in assistant_texts(reloaded)[-1]
    assert reloaded.session_state["lang"] == "en"
    assert reloaded.chat_input[0].placeholder.startswith("Ask about the letter")
    ask(reloaded, "国家级的呢？")  # the follow-up reads the restored history
    assert user_texts(reloaded)[-1] == "国家级的呢？" and not reloaded.warning


def test_a_permalink_asks_its_question_in_a_conversation_of_its_own(app_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["q"] = KEYLABS
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert user_texts(at) == [KEYLABS]
    assert "**36个**" in assistant_texts(at)[-1]
    assert "q" not in at.query_params  # a reload shows the conversation, it does not ask again
    assert len(conversation_id(at)) == 16
    assert at.session_state["lang"] == "en"


def test_the_share_link_of_a_follow_up_asks_it_as_understood(app):
    ask(app, ENG_CENTRES)
    ask(app, "那重点实验室呢？")
    links = [c.value for c in app.chat_message[-1].code]
    assert len(links) == 1
    assert links[0].startswith("http") and "?q=" in links[0]
    from urllib.parse import parse_qs, urlsplit

    assert parse_qs(urlsplit(links[0]).query)["q"] == ["2017年新批准组建了多少重点实验室？"]


@pytest.mark.parametrize("bad", ["../../etc/passwd", "<script>", "x" * 5000], ids=["path", "markup", "huge"])
def test_a_bad_conversation_id_in_the_address_starts_a_new_one(app_env, bad):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["c"] = bad
    at.run()
    assert not at.exception
    assert any("对话编号无效" in i.value for i in at.info)
    assert conversation_id(at) != bad and len(conversation_id(at)) == 16


def test_thumbs_are_restored_with_the_conversation(app):
    ask(app, KEYLABS)
    app.feedback[0].set_value(1).run()
    reloaded = AppTest.from_file(APP, default_timeout=60)
    reloaded.query_params["c"] = conversation_id(app)
    reloaded.run()
    assert reloaded.feedback[0].value == 1


def test_a_comment_on_an_answer_reaches_the_feedback_file(app, app_env):
    path = Settings.from_env().feedback_path
    ask(app, KEYLABS)
    app.feedback[0].set_value(0).run()
    app.text_area(key="comment-0").set_value("应该说明是省级")
    app.button(key="FormSubmitter:comment-form-0-发送").click().run()
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert record["comment"] == "应该说明是省级" and record["rating"] == "down"
    assert record["conversation"] == conversation_id(app) and record["turn"] == 0


# ------------------------------------------------------------------------------------------ input


def test_an_over_long_question_stays_in_the_box_with_a_count(app):
    long = "重点实验室有多少个？" * 60
    ask(app, long)
    assert user_texts(app) == []  # not asked, not lost
    assert "问题太长了（600 字）" in app.warning[0].value and "留在输入框" in app.warning[0].value
    assert any(c.value == "600/500 字" for c in app.caption)
    box = app.chat_input[0].proto
    assert box.set_value and box.value == long  # put back into the box for trimming
    app.segmented_control(key="view").set_value("letter").run()  # another rerun: the box is still there
    assert app.chat_input and app.chat_input[0].key == "prompt"
    ask(app, KEYLABS)
    assert not app.warning and "**36个**" in assistant_texts(app)[-1]


def test_the_live_counter_is_given_the_limit(app):
    helper = [e for e in app.get("bidi_component") if e.proto.component_name == "letter_qa.page_helper"]
    assert len(helper) == 1
    data = json.loads(helper[0].proto.json)
    assert data["limit"] == 500 and data["unit"] == "字"


# ------------------------------------------------------------------------------------------ presenter and letter


def test_presenter_view_steps_through_the_demo_one_answer_at_a_time(app_env):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["view"] = "present"
    at.run()
    assert at.toggle(key="present").value is True
    assert any("sidebar" in h.proto.body and "display: none" in h.proto.body for h in at.get("html"))
    step = at.button(key="present_next")
    assert "1/7" in step.label and step.help == KEYLABS
    step.click().run()
    assert user_texts(at) == [KEYLABS]
    at.button(key="present_next").click().run()
    assert len(user_texts(at)) == 1  # only the latest exchange, large
    assert "500家以上" in assistant_texts(at)[-1]
    assert "3/7" in at.button(key="present_next").label
    at.toggle(key="present").set_value(False).run()
    assert "view" not in at.query_params and len(user_texts(at)) == 2


def test_letter_search_expand_all_and_contents(app):
    app.segmented_control(key="view").set_value("letter").run()
    app.text_input(key="letter_query").set_value("重点实验室").run()
    assert not app.exception
    assert any(c.value.startswith("第 1 处，共") for c in app.caption)
    card = all_markdown(app)
    assert ":violet-background[**重点实验室**]" in card and ":blue-background[重点实验室]" in card
    app.button(key="next_hit").click().run()
    assert any(c.value.startswith("第 2 处") for c in app.caption)
    app.text_input(key="letter_query").set_value("没有这句话").run()
    assert any("信中没有" in i.value for i in app.info)
    app.button(key="expand_all").click().run()
    assert all(e.proto.expanded for e in app.expander if e.label.startswith("§"))
    app.button(key="collapse_all").click().run()
    assert not any(e.proto.expanded for e in app.expander if e.label.startswith("§"))
    app.button(key="toc-sec-liaoning-reply-1383-5_1").click().run()
    assert app.session_state["focus"]["section"] == "5.1"
    assert [e.label for e in app.expander if e.proto.expanded] == ["§5\\.1 · 一是 培育壮大科技型企业"]


# ------------------------------------------------------------------------------------------ owner page


def table_with(at: AppTest, column: str):
    tables = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(tables) == 1, [list(d.value.columns) for d in at.dataframe]
    return tables[0]


def owner_page(app_env) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/owner.py").run()
    assert not at.exception, at.exception
    return at


def test_owner_page_shows_feedback_filters_it_and_offers_csv(app_env):
    from rag.feedback import append_feedback, feedback_record
    from rag.types import Answer

    path = Settings.from_env().feedback_path
    append_feedback(path, feedback_record(Answer("甲问题？", "甲回答", True), 1, turn=0, conversation="f" * 16, comment="很好"))
    append_feedback(path, feedback_record(Answer("乙问题？", "乙回答", True), 0, turn=1, conversation="f" * 16, comment="数字不对"))
    with open(path, "ab") as fh:
        fh.write(b"\xff garbage\n")
    at = owner_page(app_env)
    assert any("feedback" in c.value and "jsonl" in c.value for c in at.caption)  # where the file is
    assert any("没能读出" in w.value for w in at.warning)
    table = table_with(at, "说明")
    assert {"时间", "评价", "问题", "回答", "说明"} <= set(table.columns)
    assert list(table["问题"])[:2] == ["乙问题？", "甲问题？"]  # newest first
    at.segmented_control(key="fb_rating").set_value("down").run()
    table = table_with(at, "说明")
    assert set(table["问题"]) >= {"乙问题？"} and "甲问题？" not in set(table["问题"])
    at.text_input(key="fb_text").set_value("数字不对").run()
    assert list(table_with(at, "说明")["说明"]) == ["数字不对"]
    assert not at.download_button[0].proto.disabled


def test_owner_page_runs_the_regression_set_in_the_background(app_env, monkeypatch, keep_eval_report):
    few = [q for q in rag.evaluation.load_questions() if q["id"] in ("trap-keylabs-2017", "na-budget-2019", "six-parts")]
    at = owner_page(app_env)
    monkeypatch.setattr(rag.evaluation, "load_questions", lambda *a, **k: few)
    at.button(key="run_eval").click().run()
    assert not at.exception
    from rag.eval_job import job_for

    assert job_for(str(app_env)).wait(120)
    at.run()
    assert any("回归测试完成：3/3 通过" in s.value for s in at.success)
    assert any("回归测试 3/3 通过" in c.value for c in at.caption)
    board = table_with(at, "题数")
    assert sum(board["题数"]) == 3 and sum(board["通过"]) == 3
    assert json.loads(keep_eval_report.read_text(encoding="utf-8"))["total"] == 3


@pytest.mark.parametrize(
    "asked, shown",
    [
        pytest.param("多" * 600, "问题太长了（600 字）", id="too-long"),
        pytest.param("a\x01b", "控制字符", id="control-bytes"),
    ],
)
def test_a_permalink_with_a_bad_question_says_so_and_keeps_it(app_env, asked, shown):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["q"] = asked
    at.run()
    assert not at.exception
    page = "\n".join(w.value for w in at.warning)
    assert shown in page.replace("\\", "")
    if len(asked) > 500:
        assert user_texts(at) == [] and at.chat_input[0].proto.value == asked  # in the box, to be shortened


def test_an_unreadable_conversation_file_starts_afresh_without_a_traceback(app_env):
    from rag.conversations import new_id

    cid = new_id()
    folder = app_env / "conversations" / f"{cid}.jsonl"
    folder.mkdir(parents=True)  # a folder where the file should be: reading it fails
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["c"] = cid
    at.run()
    assert not at.exception
    assert user_texts(at) == [] and any("试试这些问题" in c.value for c in at.caption)
    ask(at, KEYLABS)  # saving fails too: the answer is still shown, with a notice
    assert "**36个**" in assistant_texts(at)[-1]
