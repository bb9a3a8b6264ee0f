"""The page's pure helpers: strings, safe Markdown, highlighting, outline, figure table, export,
suggested questions and feedback storage."""

from __future__ import annotations

import json
import re
import string
import threading
from datetime import UTC, datetime

import pytest

import rag.feedback
import rag.jsonl
import rag.validate
from rag import demo, ui
from rag.evaluation import load_questions
from rag.feedback import append_feedback, feedback_record, read_feedback
from rag.figures import figures_of
from rag.settings import REPO_ROOT
from rag.structure import load_corpus
from rag.types import Answer, Citation


@pytest.fixture(scope="module")
def letter():
    return load_corpus(REPO_ROOT / "corpus")[0]


@pytest.fixture(scope="module")
def figures(letter):
    return list(figures_of(letter))


@pytest.fixture(scope="module")
def questions():
    return load_questions()


def keylabs_answer() -> Answer:
    quote = "2017年新批准组建省级工程技术研究中心61个、重点实验室36个、工程研究中心39个,8个省级工程研究中心晋升为国家地方联合工程研究中心,共有157个工程技术研究中心和162个重点实验室通过验收,正式挂牌运行。"
    return Answer(
        question="2017年新批准组建了多少个重点实验室？",
        answer=f"**36个**（重点实验室36个）\n\n> {quote} [§0.2]",
        found=True,
        citations=(Citation("liaoning-reply-1383", "0.2", "前言·其次", quote),),
        kind="figure",
        status="result",
    )


# ------------------------------------------------------------------------------------------ strings


def test_both_languages_have_the_same_strings_and_placeholders():
    zh, en = ui.STRINGS["zh"], ui.STRINGS["en"]
    assert set(zh) == set(en)
    fields = lambda s: sorted(f for _, f, _, _ in string.Formatter().parse(s) if f)  # noqa: E731
    for key in zh:
        assert zh[key] and en[key], key
        assert fields(zh[key]) == fields(en[key]), key


def test_t_formats_and_falls_back_to_chinese():
    assert ui.t("en", "too_long", length=600, limit=500).startswith("That question is too long (600")
    assert ui.t("fr", "view_chat") == "问答"


# ------------------------------------------------------------------------------------------ Markdown safety


@pytest.mark.parametrize(
    "raw, literal",
    [
        pytest.param("<script>alert(1)</script>", "\\<script\\>alert\\(1\\)\\</script\\>", id="html"),
        pytest.param("**粗体**", "\\*\\*粗体\\*\\*", id="bold"),
        pytest.param("[点我](http://x.cn)", "\\[点我\\]\\(http\\:", id="link"),
        pytest.param(":red[红字] :smile:", "\\:red\\[红字\\] \\:smile\\:", id="directive-emoji"),
        pytest.param("$x^2$", "\\$x\\^2\\$", id="math"),
        pytest.param("# 标题", "\\# 标题", id="heading"),
        pytest.param("&lt;b&gt;", "\\&lt;b\\&gt;", id="entity"),
        pytest.param("`code`", "\\`code\\`", id="code"),
    ],
)
def test_escape_md_makes_text_literal(raw, literal):
    assert literal in ui.escape_md(raw)


def test_escape_md_keeps_lines_as_paragraphs():
    assert ui.escape_md("丁桦代表:\n\n您提出的建议收悉") == "丁桦代表\\:\n\n您提出的建议收悉"
    assert ui.escape_inline("a\nb") == "a b"


def test_highlight_marks_the_quote_inside_the_section(letter):
    section = letter.section("0.2")
    quote = "2017年新批准组建省级工程技术研究中心61个、重点实验室36个、工程研究中心39个,8个省级工程研究中心晋升为国家地方联合工程研究中心,共有157个工程技术研究中心和162个重点实验室通过验收,正式挂牌运行。"
    md = ui.highlight(section.text, quote)
    assert md.count(":yellow-background[") == 1
    inside = re.search(r":yellow-background\[(.*?)\]", md).group(1)
    assert inside.startswith("2017年新批准组建") and inside.endswith("正式挂牌运行。")
    assert md.startswith("其次,在搭建有效平台方面")
    assert md.endswith("中科院丹东育成中心建设成效显著。")


def test_highlight_marks_the_figure_inside_its_sentence(letter):
    section = letter.section("0.2")
    quote = keylabs_answer().citations[0].quote
    md = ui.highlight(section.text, quote, "36个")
    assert ":yellow-background[2017年新批准组建省级工程技术研究中心61个、重点实验室]:orange-background[**36个**]:yellow-background[、工程研究中心39个" in md
    assert md.count(":orange-background[") == 1  # not the 36 of 136, nor outside the sentence


def test_find_figure_never_inside_a_larger_number():
    assert ui.find_figure("共136个和36个", "36个") == (6, 9)
    assert ui.find_figure("共136个", "36个") is None
    assert ui.find_figure("增长15%以上", "15%") == (2, 5)
    assert ui.find_figure("a36个b", "36个", 2) is None  # only from `start` on


def test_search_hits_and_the_current_hit_are_marked():
    text = "重点实验室36个、国家重点实验室19个"
    marks = [(a, b, "current" if n == 1 else "hit") for n, (a, b) in enumerate(ui.find_all(text, "重点 实验室"))]
    assert [m[:2] for m in marks] == [(0, 5), (11, 16)]
    assert ui.highlight(text, marks=marks) == ":blue-background[重点实验室]36个、国家:violet-background[**重点实验室**]19个"
    assert ui.find_all("Key Labs and key labs", "KEY LABS") == [(0, 8), (13, 21)]
    assert ui.find_all("abc", "  ") == []


def test_highlight_of_several_sentences_of_one_section():
    md = ui.highlight("甲句。乙句。丙句。", ["甲句。", "丙句。"])
    assert md == ":yellow-background[甲句。]乙句。:yellow-background[丙句。]"


def test_highlight_without_a_match_is_plain_escaped_text():
    assert ui.highlight("甲(乙)丙。", "不在文中") == "甲\\(乙\\)丙。"
    assert ui.highlight("甲(乙)丙。", None) == "甲\\(乙\\)丙。"


def test_highlight_escapes_inside_the_mark_and_tolerates_spacing():
    md = ui.highlight("前文。投资(包括股权投资)1亿元以上。后文", "投资 (包括股权投资) 1亿元以上。")
    assert md == "前文。:yellow-background[投资\\(包括股权投资\\)1亿元以上。]后文"


def test_highlight_across_lines_marks_each_piece():
    md = ui.highlight("第一行甲乙\n丙丁第二行", "甲乙\n丙丁")
    assert md == "第一行:yellow-background[甲乙]\n\n:yellow-background[丙丁]第二行"


@pytest.mark.parametrize(
    "md, shown",
    [
        pytest.param("**36个** [§0.2]", "**36个** [§0.2]", id="answer-untouched"),
        pytest.param("见![图](http://evil.example/x.png)", "见图", id="image"),
        pytest.param("[点这里](https://evil.example)看", "点这里看", id="link"),
        pytest.param("[x](javascript:alert(1))", "x)", id="script-link"),
        pytest.param("<http://evil.example>", "http\\://evil\\.example", id="autolink"),
    ],
)
def test_safe_answer_md(md, shown):
    assert ui.safe_answer_md(md) == shown


def test_find_quote():
    assert ui.find_quote("abc def", "c d") == (2, 5)
    assert ui.find_quote("abcdef", "c  d") == (2, 4)
    assert ui.find_quote("abc", "") is None
    assert ui.find_quote("abc", "x") is None


# ------------------------------------------------------------------------------------------ questions


def test_precheck():
    assert ui.precheck(None, 500, "zh").action == "ignore"
    assert ui.precheck(" \n\t", 500, "zh").action == "ignore"
    ok = ui.precheck("  36个？ ", 500, "zh")
    assert (ok.action, ok.question) == ("ask", "36个？")
    long = ui.precheck("多" * 600, 500, "zh")
    assert long.action == "refuse" and "600" in long.message and "500" in long.message
    assert ui.precheck("x" * 500, 500, "en").action == "ask"


def test_shorten():
    assert ui.shorten("a  b") == "a b"
    assert ui.shorten("多" * 400, 10) == "多" * 9 + "…"


# ------------------------------------------------------------------------------------------ letter


def test_outline_has_header_preamble_and_six_parts(letter):
    groups = ui.letter_outline(letter)
    assert [g.kind for g in groups] == ["header", "preamble"] + ["part"] * 6
    assert [s.id for s in groups[1].sections] == ["0.1", "0.2", "0.3", "0.4"]
    assert [len(g.sections) for g in groups[2:]] == [4, 5, 4, 3, 4, 3]
    assert groups[2].title("zh") == "第1部分 攻坚科技体制改革"
    assert groups[7].title("en") == "Part 6 壮大科技人才队伍"
    assert ui.part_heading_extra(groups[2].heading) == ""
    assert ui.item_title(letter.section("2.2")) == "二是 支撑建设先进装备制造业基地"


def test_meta_rows(letter):
    rows = dict(ui.meta_rows(letter.meta, "zh"))
    assert rows["文号"] == "辽科提字〔2018〕85号"
    assert rows["致"] == "丁桦代表"
    assert "第1383号" in rows["建议"] and "关于促进我省科技发展的建议" in rows["建议"]
    assert rows["落款"].startswith("辽宁省科学技术厅 · 2018年6月7日")
    assert "201867" in rows["落款"]  # the source's own spelling is kept visible
    assert rows["网上发布"] == "2021年4月29日"
    assert dict(ui.meta_rows(letter.meta, "en"))["Published online"] == "2021\\-04\\-29"


def test_section_heading(letter):
    assert ui.section_heading(letter.section("0.2")) == "§0.2 前言·其次 · 在搭建有效平台方面,培育科技成果研发"
    assert ui.section_heading(letter.section("2.2")) == "§2.2 第2部分·二是 支撑建设先进装备制造业基地"


# ------------------------------------------------------------------------------------------ figures


def test_figure_search_ranks_the_figure_that_counts_the_words_first(figures, letter):
    hits = ui.filter_figures(figures, "重点实验室", letter=letter)
    assert [f.text for f in hits[:4]] == ["36个", "162个", "19个", "20家"]
    assert "61个" in [f.text for f in hits]  # same sentence, ranked after


@pytest.mark.parametrize(
    "query, part, status, expected",
    [
        pytest.param("", "5", "all", {"500家以上", "达到4000家以上", "20家", "达到200家", "达到120家", "8500次以上"}, id="part-5"),
        pytest.param("亿元", "all", "target", {"3亿元以上", "1亿元以上"}, id="money-targets"),
        pytest.param("2922", "all", "all", {"2922万元"}, id="number"),
        pytest.param("500", "all", "all", {"500家以上"}, id="number-not-substring"),
        pytest.param("§6.3", "all", "all", {"66个", "30名", "700名", "50个"}, id="section"),
        pytest.param("贷款", "all", "result", set(), id="none"),
    ],
)
def test_figure_filters(figures, letter, query, part, status, expected):
    found = {f.text for f in ui.filter_figures(figures, query, part, status, letter)}
    if query == "亿元":
        found = {t for t in found if "亿元" in t}
    assert found == expected


def test_figure_filter_by_status(figures):
    targets = ui.filter_figures(figures, status="target")
    results = ui.filter_figures(figures, status="result")
    assert targets and results
    assert all(f.status == "target" for f in targets)
    assert all(f.section.startswith("0.") for f in results)


def test_figure_rows_in_both_languages(figures, letter):
    row = ui.figure_rows([f for f in figures if f.text == "500家以上"], letter, "zh")[0]
    assert list(row) == ["数字", "所指", "类型", "出处", "数值", "单位", "限定"]
    assert row["数字"] == "500家以上" and row["数值"] == 500 and row["单位"] == "家" and row["限定"] == "以上"
    assert row["类型"] == "计划目标" and row["出处"] == "§5.1 第5部分·一是"
    assert row["所指"] == "新增高新技术企业500家以上"
    en = ui.figure_rows([figures[1]], letter, "en")[0]
    assert list(en)[0] == "Figure" and en["Kind"] == "Result"


def test_part_options(letter):
    options = ui.part_options(letter)
    assert options == ["all", "0", "1", "2", "3", "4", "5", "6"]
    assert ui.part_option_label("3", letter, "zh") == "第3部分 打造区域创新高地"
    assert ui.part_option_label("0", letter, "en") == "Header and preamble"


# ------------------------------------------------------------------------------------------ lines


def test_mode_and_eval_lines():
    assert "不使用语言模型" in ui.mode_line("extractive", "zh")
    assert "qwen2.5" in ui.mode_line("llm", "en", "qwen2.5")
    report = {"passed": 128, "total": 128, "finished": "2026-05-01T08:30:00+00:00"}
    local = datetime(2026, 5, 1, 8, 30, tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    assert ui.eval_line(report, "zh") == f"回归测试 128/128 通过（{local}）"
    assert ui.eval_line({"passed": 1, "total": 2, "finished": "soon"}, "en") == "Regression set: 1/2 passed (soon)"
    assert ui.eval_line(None, "en") == "Regression set not run yet"
    assert ui.eval_ok(report) and not ui.eval_ok({"passed": 1, "total": 2}) and not ui.eval_ok(None)


# ------------------------------------------------------------------------------------------ export


def test_export_markdown(letter):
    text = ui.export_markdown(
        letter.meta,
        [("<b>2017</b>年新批准组建了多少个重点实验室？", keylabs_answer())],
        "zh",
        exported_at=datetime(2026, 5, 1, 9, 30),
        section_of=lambda c: letter.section(c.section),
    )
    assert text.startswith("# 信件问答 · 对话记录\n")
    assert "关于省人大第十三届一次会议第1383号建议的答复（辽科提字〔2018〕85号）" in text
    assert "辽宁省科学技术厅 2018年6月7日" in text
    assert "2021年4月29日" in text
    assert "2026-05-01 09:30" in text
    assert "## 1. 问：\\<b\\>2017\\</b\\>年新批准组建了多少个重点实验室？" in text
    assert "**36个**" in text
    assert "*类型：已取得成果*" in text
    assert "- §0.2 前言·其次 · 在搭建有效平台方面,培育科技成果研发\n" in text  # plain, no escapes
    assert "  > 2017年新批准组建省级工程技术研究中心61个、重点实验室36个" in text


def test_export_lists_a_section_once_with_every_quote_of_it(letter):
    first, second = "支持我省重点产业园区与德国、韩国、芬兰开展合作。", "支持清华启迪(沈阳)科技园与俄罗斯合作。"
    answer = Answer(
        question="哪些国家？",
        answer=f"**德国、韩国**\n\n> {first} [§4.3]\n> {second} [§4.3]",
        found=True,
        citations=(Citation("liaoning-reply-1383", "4.3", "第4部分·三是", first), Citation("liaoning-reply-1383", "4.3", "第4部分·三是", second)),
    )
    text = ui.export_markdown(letter.meta, [("哪些国家？", answer)], "zh", section_of=lambda c: letter.section(c.section))
    assert text.count("- §4.3 ") == 1
    assert f"  > {first}" in text and "  > 支持清华启迪(沈阳)科技园与俄罗斯合作。" in text


@pytest.mark.parametrize(
    "raw, shown",
    [
        pytest.param("§0.2 前言·其次 (2017): 36个", "§0.2 前言·其次 (2017): 36个", id="plain-stays-plain"),
        pytest.param("**粗体** [链接](x) <b>", "\\*\\*粗体\\*\\* \\[链接\\](x) \\<b\\>", id="markup-literal"),
        pytest.param("# 标题", "\\# 标题", id="heading"),
        pytest.param("1. 第一", "1\\. 第一", id="list-number"),
        pytest.param("- 项", "\\- 项", id="list-dash"),
        pytest.param("a\nb", "a b", id="one-line"),
    ],
)
def test_escape_export(raw, shown):
    assert ui.escape_export(raw) == shown


def test_export_of_an_empty_conversation_and_in_english(letter):
    text = ui.export_markdown(letter.meta, [], "en", exported_at=datetime(2026, 5, 1))
    assert "(no conversation yet)" in text and "- **Signed**: 辽宁省科学技术厅 2018-06-07" in text
    assert ui.export_filename(letter.meta, datetime(2026, 5, 1, 9, 30)) == "letter-qa-liaoning-reply-1383-20260501-0930.md"


def test_export_of_a_refusal(letter):
    refusal = Answer(question="2019年的预算？", answer="信中未提及2019年的预算。", found=False, kind="not_found")
    text = ui.export_markdown(letter.meta, [("2019年的预算？", refusal)], "zh", exported_at=datetime(2026, 5, 1))
    assert "信中未提及2019年的预算。" in text and "*类型：信中未提及*" in text
    assert "**出处**" not in text


# ------------------------------------------------------------------------------------------ demo


def test_every_suggestion_is_a_regression_question(questions):
    by_id = {q["id"]: q for q in questions}
    items = demo.suggestions(questions)
    assert len(items) == len(demo.DEMO)
    for s in items:
        case = by_id[s.id]
        assert s.question in [case["question"], *(case.get("history") or [])]
        assert all(step in [case["question"], *(case.get("history") or [])] for step in s.then)
        assert s.category in ui.STRINGS["zh"]


def test_suggestions_cover_figure_list_followup_and_refusal(questions):
    by_id = {q["id"]: q for q in questions}
    kinds = {by_id[s.id]["kind"] for s in demo.suggestions(questions)}
    assert {"list", "followup", "unanswerable"} <= kinds
    assert kinds & {"figure", "trap"}
    assert any(not by_id[s.id]["found"] for s in demo.suggestions(questions))


def test_unknown_demo_id_fails_loudly(questions):
    with pytest.raises(KeyError, match="not in the regression set"):
        demo.suggestions(questions, [("no-such-id", "demo_figure")])


def test_next_followup(questions):
    items = demo.suggestions(questions)
    pair = next(s for s in items if s.then)
    assert demo.next_followup([pair.question], items) == pair.then[0]
    assert demo.next_followup(["别的问题", pair.question], items) == pair.then[0]
    assert demo.next_followup([pair.question, pair.then[0]], items) is None
    assert demo.next_followup([], items) is None


# ------------------------------------------------------------------------------------------ feedback


def test_feedback_is_appended_and_synced(tmp_path, monkeypatch):
    synced = []
    real_fsync = rag.jsonl.os.fsync
    monkeypatch.setattr(rag.jsonl.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    path = tmp_path / "sub" / "feedback.jsonl"
    append_feedback(path, feedback_record(keylabs_answer(), 1, turn=3))
    append_feedback(path, feedback_record(keylabs_answer(), 0, turn=3, lang="en"))
    assert len(synced) == 2
    records = read_feedback(path)
    assert [r["rating"] for r in records] == ["up", "down"]
    first = records[0]
    assert first["question"] == "2017年新批准组建了多少个重点实验室？"
    assert "**36个**" in first["answer"]
    assert first["citations"] == [keylabs_answer().citations[0].as_dict()]
    assert first["turn"] == 3 and first["found"] is True
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and all(json.loads(line) for line in lines)
    assert "重点实验室" in lines[0]  # stored readable, not \u-escaped


def test_feedback_cleared_and_torn_lines(tmp_path):
    path = tmp_path / "feedback.jsonl"
    append_feedback(path, feedback_record(keylabs_answer(), None))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"rating": "up"')  # a torn last line
    assert [r["rating"] for r in read_feedback(path)] == [None]
    assert read_feedback(tmp_path / "missing.jsonl") == []


# ------------------------------------------------------------------------------------------ engine slot


def test_engine_slot_builds_once_under_concurrency():
    slot = ui.EngineSlot()
    built = []

    def build():
        built.append(1)
        return object()

    threads = [threading.Thread(target=slot.get, args=(build,)) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(built) == 1
    assert slot.get(build) is slot.engine


# ------------------------------------------------------------------------------------------ conversation entries


def test_answer_entry_passes_earlier_answers_as_history():
    seen = []

    def ask(question, history=()):
        seen.append((question, [t.question for t in history]))
        return keylabs_answer()

    first = ui.answer_entry(ask, " 2017年新批准组建了多少个重点实验室？ ", [], 0, 500)
    assert first["id"] == 0 and first["answer"].found
    failed = {"id": 1, "question": "x", "notice": ("engine_error", {})}
    second = ui.answer_entry(ask, "那重点实验室呢？", [first, failed], 2, 500)
    assert seen[-1] == ("那重点实验室呢？", ["2017年新批准组建了多少个重点实验室？"])
    assert second["id"] == 2


def test_answer_entry_for_blank_long_bad_and_broken(caplog):
    def ask(question, history=()):
        raise AssertionError("must not be called")

    assert ui.answer_entry(ask, "  ", [], 0, 500) is None
    long = ui.answer_entry(ask, "多" * 501, [], 0, 500)
    assert long["notice"] == ("too_long", {"length": 501, "limit": 500})
    assert ui.notice_text(long["notice"], "en").startswith("That question is too long (501")

    def bad(question, history=()):
        raise rag.validate.BadQuestion("问题含有控制字符 (question contains control characters)")

    entry = ui.answer_entry(bad, "a\x01b", [], 1, 500)
    assert ui.notice_text(entry["notice"], "zh") == "问题含有控制字符 (question contains control characters)"

    def broken(question, history=()):
        raise RuntimeError("disk full at /secret/path")

    entry = ui.answer_entry(broken, "36个？", [], 2, 500)
    assert entry["notice"] == ("engine_error", {}) and "answer" not in entry
    assert "secret" not in ui.notice_text(entry["notice"], "zh")
    assert "disk full at /secret/path" in caplog.text


# ------------------------------------------------------------------------------------------ answers as the page draws them


def places_answer() -> Answer:
    first, second = "支持我省重点产业园区与德国、韩国开展合作。", "支持科技园与俄罗斯合作。"
    return Answer(
        question="哪些国家？",
        answer=f"**德国、韩国、俄罗斯**\n\n> {first} [§4.3]\n> {second} [§4.3]\n\n另见 [§0]。",
        found=True,
        citations=(Citation("liaoning-reply-1383", "4.3", "第4部分·三是", first), Citation("liaoning-reply-1383", "4.3", "第4部分·三是", second)),
    )


def test_the_figure_an_answer_leads_with():
    assert ui.answer_figure(keylabs_answer().answer) == "36个"
    assert ui.answer_figure("**对**。\n\n**36个**（重点实验室36个）") == "36个"  # a check: the verdict is no figure
    assert ui.answer_figure(places_answer().answer) is None
    assert ui.answer_figure("**4.促进科技成果转化。** [§4] 共3项") is None  # a part heading


def test_answer_markdown_marks_the_figure_links_citations_and_splits_the_lead():
    before, lead, after = ui.answer_markdown(keylabs_answer(), "liaoning-reply-1383", 7)
    assert before == ""
    assert lead == "**36个**（重点实验室36个）"
    assert "重点实验室:orange-background[**36个**]、工程研究中心39个" in after
    assert after.endswith("[\\[§0.2\\]](#cite:7:liaoning-reply-1383:0.2)")
    assert after.count("orange-background") == 1


def test_markers_become_links_even_when_not_cited_and_escaped_ones_stay_text():
    md = ui.link_citations("见 [§0] 与 \\[§1\\] 和 [§4.3]", places_answer(), "other-doc", 2)
    assert "[\\[§0\\]](#cite:2:other-doc:0)" in md  # not among the citations: the page's letter
    assert "[\\[§4.3\\]](#cite:2:liaoning-reply-1383:4.3)" in md
    assert "\\[§1\\]" in md and "#cite:2:other-doc:1" not in md


@pytest.mark.parametrize(
    "href, parsed",
    [
        pytest.param("#cite:3:liaoning-reply-1383:0.2", (3, "liaoning-reply-1383", "0.2"), id="ok"),
        pytest.param("#cite:3:doc:4", (3, "doc", "4"), id="part"),
        pytest.param("#cite:x:doc:4", None, id="bad-turn"),
        pytest.param("#cite:3:doc:4.a", None, id="bad-section"),
        pytest.param("javascript:alert(1)", None, id="script"),
        pytest.param(None, None, id="none"),
    ],
)
def test_parse_cite_href(href, parsed):
    assert ui.parse_cite_href(href) == parsed
    if parsed:
        assert ui.cite_href(*parsed) == href


def test_one_source_per_section_with_all_its_quotes():
    sources = ui.sources(places_answer())
    assert [(s.section, len(s.quotes)) for s in sources] == [("4.3", 2)]
    assert sources[0].citation.quote == places_answer().citations[0].quote


def test_share_params_send_a_question_that_stands_alone():
    followup = Answer("那重点实验室呢？", "**36个**", True, resolved_question="2017年新批准组建了多少个重点实验室？")
    assert ui.share_params(followup, "zh") == {"q": "2017年新批准组建了多少个重点实验室？"}
    assert ui.share_params(Answer("Q?", "a", True), "en") == {"q": "Q?", "lang": "en"}
    compound = Answer("A？B？", "…", True, kind="compound", resolved_question="A；B")
    assert ui.share_params(compound, "zh") == {"q": "A？B？"}


# ------------------------------------------------------------------------------------------ the letter as a document


def test_letter_order_and_contents(letter):
    order = ui.letter_order(letter)
    ids = [s.id for s in order]
    assert ids[:6] == ["0", "0.1", "0.2", "0.3", "0.4", "1"]
    assert ids.index("2") < ids.index("2.1") < ids.index("3")
    assert len(ids) == len(letter.sections)
    assert ui.toc_label(letter.section("0"), "zh") == "§0 开头与落款"
    assert ui.toc_label(letter.section("1"), "en") == "§1 Part 1 攻坚科技体制改革"
    assert ui.toc_label(letter.section("2.5"), "zh").startswith("§2.5 五是")


def test_letter_search_finds_every_place_in_reading_order(letter):
    hits = ui.letter_hits(letter, "重点实验室")
    assert [h.section for h in hits][:3] == ["0.2", "0.2", "0.2"]
    assert len(hits) >= 5
    section = letter.section(hits[0].section)
    assert section.text[hits[0].start : hits[0].end] == "重点实验室"
    assert ui.letter_hits(letter, "  ") == [] and ui.letter_hits(letter, None) == []
    assert ui.letter_hits(letter, "没有这句话") == []
    assert ui.letter_hits(letter, "重点实验室" * 50) == []  # cut to MAX_SEARCH_CHARS, still searched


# ------------------------------------------------------------------------------------------ presenter


def test_presenter_walks_the_demo_in_order(questions):
    walk = demo.steps(demo.suggestions(questions))
    assert len(walk) == len(demo.DEMO) + 1  # the follow-up pair is two steps
    pair = walk.index("2017年新批准组建了多少个省级工程技术研究中心？")
    assert walk[pair + 1] == "那重点实验室呢？"
    assert demo.next_step([], walk) == 0
    assert demo.next_step([walk[0], "观众的问题", walk[1]], walk) == 2
    assert demo.next_step([walk[1]], walk) == 0  # out of order does not count
    assert demo.next_step(walk, walk) == len(walk)


# ------------------------------------------------------------------------------------------ owner's feedback table


def test_feedback_rows_keep_the_last_rating_and_comment_per_answer(tmp_path):
    path = tmp_path / "feedback.jsonl"
    answer = keylabs_answer()
    append_feedback(path, feedback_record(answer, 1, turn=0, conversation="c1"))
    append_feedback(path, feedback_record(answer, 1, turn=0, conversation="c1", comment="  很清楚\n谢谢 "))
    append_feedback(path, feedback_record(answer, 0, turn=0, conversation="c1"))  # changed the thumb later
    append_feedback(path, feedback_record(places_answer(), 0, turn=1, conversation="c1", comment="=HYPERLINK(1)"))
    append_feedback(path, {"rating": "up", "question": "old line", "answer": "a", "time": "2026-01-01T00:00:00+00:00"})
    records = read_feedback(path)
    rows = rag.feedback.feedback_rows(records)
    assert [(r["question"], r["rating"], r["comment"]) for r in rows] == [
        ("old line", "up", ""),
        ("哪些国家？", "down", "=HYPERLINK(1)"),
        ("2017年新批准组建了多少个重点实验室？", "down", "很清楚 谢谢"),
    ]
    assert [r["question"] for r in rag.feedback.feedback_rows(records, rating="up")] == ["old line"]
    assert [r["question"] for r in rag.feedback.feedback_rows(records, text="很清楚")] == ["2017年新批准组建了多少个重点实验室？"]
    assert rows[0]["time"].startswith("2026-01-01") or rows[0]["time"].startswith("2025-12-31")
    csv_text = rag.feedback.rows_csv(rows)
    assert csv_text.startswith("\ufefftime,rating,question,answer,comment,conversation")
    assert "'=HYPERLINK(1)" in csv_text  # a formula is not run by the spreadsheet
    assert "很清楚 谢谢" in csv_text


def test_the_badge_says_which_path_made_an_answer():
    from datetime import datetime

    from rag.llm import ModelStatus
    from rag.types import Answer

    llm = Answer("q", "a", True, mode="llm")
    fell_back = Answer("q", "a", True, mode="extractive", fallback_reason="the model call failed (500)")
    assert ui.answer_badge(llm, "zh", True) == "语言模型组织·已逐句核验"
    assert ui.answer_badge(fell_back, "zh", True) == "摘自原信（the model call failed (500)）"
    assert ui.answer_badge(llm, "zh", False) == ""  # no model configured: nothing to tell apart
    paused = ModelStatus(configured=True, ok=False, paused_until=datetime.now(), reason="429", model="m")
    assert "暂不可用（429）" in ui.mode_line("llm", "zh", "m", paused)
    assert "逐一对照原信核验" in ui.mode_line("llm", "zh", "m", ModelStatus(configured=True, ok=True, model="m"))


def test_streaming_ask_writes_the_stream_and_returns_the_checked_answer():
    from rag.types import Answer

    class Stream:
        changed = True

        def __iter__(self):
            yield from ["36", "个"]

        def result(self):
            return Answer("q", "**36个**", True)

    written, revised = [], []
    ask = ui.streaming_ask(lambda q, turns: Stream(), lambda chunks: written.extend(chunks), revised)
    assert ask("q", []).answer == "**36个**" and written == ["36", "个"] and revised == [True]
