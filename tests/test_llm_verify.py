"""Model replies, bad and good, through the model path with LangChain's fake chat models: every bad
reply is caught (no unverified figure or claim reaches the answer), every good one is kept."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from rag.answer import NOT_FOUND
from rag.figures import figures_of
from rag.llm import LLMAnswerBuilder
from rag.verify import MARKER, Evidence, figure_value, fold, mentions, normalize_markers, strip_think, verify_answer

LABS = "2017年新批准组建了多少个重点实验室？"
LABS_EN = "How many key laboratories were newly approved in 2017?"
HIGH_TECH = "2018年计划新增多少家高新技术企业？"
GROWTH = "全省高新技术产品增加值计划增长多少？"
LOANS = "计划实现贷款多少？"
PART4 = "第四部分讲了什么？"
SIGNED = "这封答复是哪天签发的？"


def _model(*replies):
    return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))


def ask(engine, question, reply):
    builder = LLMAnswerBuilder(engine.builder, engine.settings, model=_model(reply))
    return builder.build(question, question, engine.retriever.rank(question))


# (id, question, reply, what must not reach the answer)
BAD = [
    ("english-wrong-figure", LABS_EN, "In 2017, 37 key laboratories were newly approved [§0.2].", [r"\b37\b"]),
    ("bare-number", LABS, "2017年新批准组建的重点实验室数量为37 [§0.2]。", [r"37"]),
    ("wrong-year", LABS, "2016年新批准组建重点实验室36个[§0.2]。", [r"2016"]),
    ("percent-words-en", GROWTH, "The added value of high-tech products is to grow by 16 percent [§2.1].", [r"16"]),
    ("full-width-percent", GROWTH, "全省高新技术产品增加值增长16％[§2.1]。", [r"16"]),
    ("percent-words-zh", "全省技术合同成交额计划增长多少？", "全省技术合同成交额增长百分之二十[§4.1]。", [r"百分之二十", r"20%"]),
    ("yi-without-yuan", LOANS, "计划实现贷款0.3亿以上[§4.2]。", [r"0\.3"]),
    ("chinese-numerals", LABS, "2017年新批准组建重点实验室三十七个[§0.2]。", [r"三十七", r"37"]),
    ("chinese-money-wrong-thing", "计划投资多少？", "投资（包括股权投资）三亿元以上[§4.2]。", [r"投资（包括股权投资）(?:三|3)亿"]),
    ("substring-of-a-figure", LABS, "2017年新批准组建重点实验室6个[§0.2]。", [r"(?<!\d)6个"]),
    ("true-figure-wrong-thing", LABS, "2017年新批准组建重点实验室162个[§0.2]。", [r"重点实验室162个"]),
    ("figure-of-a-similar-thing", "2017年新批准组建了多少个工程技术研究中心？",
     "2017年新批准组建工程技术研究中心39个[§0.2]。", [r"工程技术研究中心39个"]),
    ("dropped-qualifier", HIGH_TECH, "2018年计划新增高新技术企业500家[§5.1]。", [r"500家(?!以上)"]),
    ("dropped-qualifier-en", LOANS, "The target is loans of RMB 300 million [§4.2].", [r"300 million"]),
    ("wrong-money-en", LOANS, "The target is loans of more than RMB 500 million [§4.2].", [r"500 million"]),
    ("flipped-direction", GROWTH, "全省高新技术产品增加值下降15%[§2.1]。", [r"下降"]),
    ("result-called-a-plan", LABS, "2017年新批准组建重点实验室36个，这是省里的计划目标[§0.2]。", [r"计划目标"]),
    ("plan-called-a-result", HIGH_TECH, "新增高新技术企业500家以上，这一目标已经完成[§5.1]。", [r"已经完成"]),
    ("invented-marker", LABS, "2017年新批准组建重点实验室36个[§0.2]。这些实验室均由国务院直接批准并拨款[§7.3]。",
     [r"国务院", r"§7\.3"]),
    ("unmarked-claim", LABS, "2017年新批准组建重点实验室36个[§0.2]。这些实验室主要分布在沈阳和大连。", [r"沈阳和大连"]),
    ("marked-invented-claim", LABS, "2017年新批准组建重点实验室36个[§0.2]。这些实验室均获得国家财政全额资助[§0.2]。",
     [r"全额资助"]),
    ("invented-claim-en", LABS_EN, "In 2017, 36 key laboratories were approved [§0.2]. All of them are funded directly by "
     "the State Council [§0.2].", [r"State Council"]),
    ("after-not-found", LABS, f"{NOT_FOUND}具体数字。不过据公开报道，2017年新建重点实验室40个，投入2.5亿元。",
     [r"40个", r"2\.5亿", r"公开报道"]),
    ("injected-contacts", LABS, "2017年新批准组建重点实验室36个[§0.2]。详情请访问 http://evil.example 或致电 024-12345678 [§0.2]。",
     [r"http", r"12345678", r"evil"]),
    ("think-shown", LABS, "<think>也许是37个？再看看。</think>2017年新批准组建重点实验室36个[§0.2]。", [r"think", r"37", r"再看看"]),
    ("think-unclosed", LABS, "<think>用户问重点实验室，可能是37个", [r"think", r"37"]),
    ("invented-date", SIGNED, "这封答复于2018年5月22日签发[§0]。", [r"5月22日"]),
    ("invented-doc-number", "这封答复的文号是什么？", "文号是辽科提字〔2018〕86号[§0]。", [r"86号"]),
    ("empty-reply", LABS, "   ", []),
    ("status-sentence-wrong", "近年来批准组建了多少个产业技术创新平台？",
     "近年来我省共批准组建198个产业技术创新平台[§0.2]。这是2018年的计划。", [r"2018年的计划"]),
    ("status-sentence-wrong-en", "What is the 2018 target for new high-tech enterprises?",
     "The letter sets a 2018 target of more than 500 new high-tech enterprises [§5.1]. This was already achieved.",
     [r"already achieved"]),
    ("wrong-thing-named-before", LABS, "重点实验室方面，2017年新批准组建了162个[§0.2]。", [r"组建了162个"]),
    ("glued-currency-en", LOANS, "The target is loans of more than RMB500 million [§4.2].", [r"500"]),
    ("wrong-signing-date", SIGNED, "这封答复由辽宁省科学技术厅发出[§0]，落款日期为2018年6月8日[§0]。", [r"6月8日"]),
]


@pytest.mark.parametrize("question,reply,forbidden", [pytest.param(*c[1:], id=c[0]) for c in BAD])
def test_bad_reply_is_caught(engine, question, reply, forbidden):
    answer = ask(engine, question, reply)
    for pattern in forbidden:
        assert not re.search(pattern, answer.answer), f"{pattern!r} reached the answer: {answer.answer!r}"
    if answer.mode == "extractive":
        assert answer.fallback_reason, "a fallback says why"
    # what stands is the letter's: every figure of the answer is one of its cited sections
    assert_figures_grounded(engine, answer.answer, [c.section for c in answer.citations])


def test_model_not_found_never_hides_a_found_answer(engine):
    answer = ask(engine, LABS, NOT_FOUND)
    assert answer.found and answer.mode == "extractive" and answer.answer.startswith("**36个**")
    assert answer.fallback_reason and answer.as_dict()["fallback_reason"] == answer.fallback_reason


def test_figure_question_needs_the_letters_figure(engine):
    answer = ask(engine, LABS, "截至目前，全省有国家重点实验室19个[§0.2]。")
    assert answer.mode == "extractive" and answer.answer.startswith("**36个**")
    assert "figure" in answer.fallback_reason


def test_check_with_the_wrong_verdict_falls_back(engine):
    answer = ask(engine, "2017年新批准组建的重点实验室是37个吗？", "对，2017年新批准组建重点实验室36个[§0.2]。")
    assert answer.mode == "extractive" and answer.answer.startswith("**不对**")


def test_failed_sentence_is_replaced_by_the_letters_clause_with_a_note(engine):
    reply = "2017年新批准组建重点实验室36个[§0.2]。同年新批准组建工程研究中心45个[§0.2]。"
    answer = ask(engine, "2017年新批准组建了多少个重点实验室和工程研究中心？", reply)
    assert answer.mode == "llm" and "45个" not in answer.answer
    assert "2017年新批准组建省级工程技术研究中心61个、重点实验室36个、工程研究中心39个 [§0.2]" in answer.answer
    assert "1句已换成原信原文" in answer.answer


# (id, question, reply, what the kept answer must contain)
GOOD = [
    ("lenticular-marker", LABS, "2017年新批准组建重点实验室36个，这是已完成的结果【§0.2】。", ["36个", "[§0.2]"]),
    ("spaced-marker", LABS, "2017年新批准组建重点实验室36个[§ 0.2]。", ["36个", "[§0.2]"]),
    ("paren-and-bare-markers", LABS, "2017年新批准组建重点实验室36个（§0.2）。这些都是已经完成的实绩 §0.2", ["36个", "[§0.2]"]),
    ("chinese-numerals-rewritten", LABS, "2017年新批准组建重点实验室三十六个[§0.2]。", ["重点实验室36个[§0.2]"]),
    ("english", LABS_EN, "In 2017, 36 new key laboratories were approved, a reported result [§0.2].", ["36", "(36个)"]),
    ("english-money", LOANS, "The 2018 target is loans of more than RMB 300 million [§4.2].", ["(3亿元以上)"]),
    ("plan-with-year", HIGH_TECH, "2018年计划新增高新技术企业500家以上，这是2018年的工作目标[§5.1]。", ["500家以上"]),
    ("growth", GROWTH, "全省高新技术产品增加值计划增长15%[§2.1]。", ["增长15%"]),
    ("framing", LABS, "好的。根据信件，2017年新批准组建重点实验室36个[§0.2]。", ["36个"]),
    ("think-dropped", LABS, "<think>看§0.2</think>\n2017年新批准组建重点实验室36个[§0.2]。", ["36个"]),
    ("quote", LABS, "信中写道：“2017年新批准组建省级工程技术研究中心61个、重点实验室36个、工程研究中心39个”[§0.2]。",
     ["重点实验室36个"]),
    ("list-sentence", "2017年新批准组建了多少个省级工程技术研究中心、重点实验室和工程研究中心？",
     "2017年新批准组建省级工程技术研究中心61个、重点实验室36个、工程研究中心39个[§0.2]。", ["61个", "39个"]),
    ("status-sentence", "辽宁省2018年要培养多少名战略科技人才？", "根据答复，2018年辽宁省计划重点培养30名战略科技人才，"
     "同时储备700名青年科技人才后备力量[§6.3]。这是2018年的工作目标。", ["30名", "这是2018年的工作目标"]),
    ("status-sentence-en", "What is the 2018 target for new high-tech enterprises?",
     "The letter sets a 2018 target of more than 500 new high-tech enterprises [§5.1]. This is a plan, not a result.",
     ["(500家以上)", "This is a plan"]),
    ("thing-named-before", LABS, "重点实验室方面，2017年新批准组建了36个[§0.2]。", ["36个"]),
    ("signing-date", SIGNED, "这封答复由辽宁省科学技术厅发出[§0]，落款日期为2018年6月7日[§0]。", ["2018年6月7日"]),
    ("two-sections", "“十二五”期间公益研究基金资助了多少项目？", "“十二五”期间，辽宁省科学事业公益研究基金共资助项目376项[§0.3]，"
     "攻克和解决重大共性关键技术问题79项，转化科技成果54项[§0.3]。", ["376项"]),
    ("overview", PART4, "第4部分主要讲促进科技成果转化[§4]，包括建设完善技术转移体系[§4.1]、促进科技与金融深度融通[§4.2]"
     "和推进科技对外交流与合作[§4.3]。其中省级以上技术转移中心达到13个[§4.1]。", ["达到13个", "[§4.3]"]),
]


@pytest.mark.parametrize("question,reply,wanted", [pytest.param(*c[1:], id=c[0]) for c in GOOD])
def test_good_reply_is_kept(engine, question, reply, wanted):
    answer = ask(engine, question, reply)
    assert answer.mode == "llm", answer.fallback_reason
    assert answer.found and not answer.fallback_reason
    assert "核验说明" not in answer.answer and "Check:" not in answer.answer, answer.answer
    for text in wanted:
        assert text in answer.answer, answer.answer
    cited = {c.section for c in answer.citations}
    assert set(MARKER.findall(answer.answer)) <= cited
    assert_figures_grounded(engine, answer.answer, [c.section for c in answer.citations])


def assert_figures_grounded(engine, text, cites=()):
    """Every figure a sentence of the answer states is a figure of a section it cites (a sentence of the
    extractive answer with no marker of its own: of the sections the answer cites)."""
    letter = engine.letters[0]
    figures = figures_of(letter)
    for line in text.splitlines():
        if line.startswith(("*核验说明", "*Check:")) or line.startswith(">"):
            continue  # the note; a quote of the letter
        for sentence in re.split(r"(?<=[。！？!?；;])|(?<=\.)\s", line):
            cited = set(MARKER.findall(sentence)) or set(cites)
            sentence = re.sub(r"“[^”]*”", lambda x: " " * len(x[0]), sentence)  # quoted letter text
            found = [m for m in mentions(fold(MARKER.sub(lambda x: " " * len(x[0]), sentence)), letter.source)
                     if m.kind == "figure"]
            for m in found:
                assert any(f.section in cited and figure_value(f)[0] == pytest.approx(m.value) for f in figures), \
                    f"{sentence!r} states {m} not in §{cited}"


# ---- pure functions ----------------------------------------------------------------------------


def test_markers_and_think_are_normalised():
    assert normalize_markers("A【§0.2】B[§ 1.1]C（§2）D §3.4 E[§0.2, §1.1]") == "A[§0.2]B[§1.1]C[§2]D [§3.4] E[§0.2][§1.1]"
    assert strip_think("<think>x</think> y") == "y"
    assert strip_think("<think>never closed") == ""


def test_mentions_read_every_way_of_writing_a_number():
    def read(text):
        return [(m.kind, m.value, m.group, m.above) for m in mentions(fold(text))]

    assert read("三十六个") == [("figure", 36.0, "count", False)]
    assert read("3个亿") == [("figure", 3e8, "money", False)]
    assert read("超过500家") == [("figure", 500.0, "count", True)]
    assert read("RMB 300 million") == [("figure", 3e8, "money", False)]
    assert read("１６％") == [("figure", 16.0, "percent", False)]
    assert read("百分之十五") == [("figure", 15.0, "percent", False)]
    assert read("2922万元") == [("figure", 29220000.0, "money", False)]
    assert read("more than 2,000") == [("figure", 2000.0, "bare", True)]
    assert [m.kind for m in mentions(fold("2017年 第4部分 5月22日 〔2018〕85号"))] == ["year", "date", "docnum"]
    assert read("36个")[0][1] == 36.0 and not [m for m in mentions(fold("36个")) if m.value == 6.0]


# ---- property: no figure outside the cited sections ever survives ------------------------------

_THINGS = ["重点实验室", "工程技术研究中心", "工程研究中心", "高新技术企业", "产业技术创新平台", "技术转移中心", "贷款", "key laboratories", ""]
_UNITS = ["个", "家", "项", "亿元", "万元", "%", " percent", ""]


@pytest.fixture(scope="module")
def evidence(engine):
    letter = engine.letters[0]
    ids = ["0.2", "4.1", "4.2", "5.1"]
    sections = {sid: letter.section(sid) for sid in ids}
    extractive = engine.ask(LABS)
    return Evidence(letter, sections, tuple(f for f in figures_of(letter) if f.section in sections), extractive)


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(_THINGS), st.one_of(st.integers(1, 3000), st.sampled_from([36, 61, 162, 13, 70, 500, 3, 15])),
                          st.sampled_from(_UNITS), st.sampled_from(["", "以上", "超过"]),
                          st.sampled_from(["0.2", "4.1", "4.2", "5.1", "9.9", ""])), min_size=1, max_size=4))
def test_no_figure_outside_the_cited_sections_survives(engine, evidence, parts):
    reply = ""
    for thing, value, unit, qualifier, sid in parts:
        number = f"超过{value}{unit}" if qualifier == "超过" else f"{value}{unit}{qualifier}"
        reply += f"{thing}{number}" + (f"[§{sid}]" if sid else "") + "。"
    v = verify_answer(reply, evidence)
    if not v.fallback_reason:
        assert_figures_grounded(engine, v.text, v.cites)
