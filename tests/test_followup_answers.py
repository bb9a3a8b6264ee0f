"""Follow-ups that work on the conversation's own answers: a sum or difference of the figures shown,
a figure put forward to be checked, and an item of the part just discussed."""

from rag.followup import item_ordinal
from rag.types import Turn


def converse(engine, *questions):
    history = []
    for q in questions:
        answer = engine.ask(q, history)
        history.append(Turn(q, answer))
    return history[-1].answer


def test_sum_of_the_two_figures_shown(engine):
    a = converse(engine, "全省有多少个国家重点实验室？", "国家级工程技术研究中心有多少个？", "两个加起来呢？")
    assert a.found and "**31个**" in a.answer and "19个+12个" in a.answer
    assert a.status == "result"


def test_difference_of_the_two_figures_shown(engine):
    a = converse(engine, "省级以上技术转移中心的目标是多少个？", "技术转移示范机构呢？", "两者差多少？")
    assert a.found and "57" in a.answer and {c.section for c in a.citations} == {"4.1"}


def test_arithmetic_needs_two_figures_shown(engine):
    # one figure answered so far: nothing to add up, so no computed figure is made up
    a = converse(engine, "全省有多少个国家重点实验室？", "两个加起来呢？")
    assert "31" not in a.answer


def test_figure_put_forward_is_checked_against_the_previous_subject(engine):
    a = converse(engine, "省级以上技术转移示范机构2018年要达到多少家？", "我印象里是80家，对吗？")
    assert a.answer.startswith("**不对**") and "70家" in a.answer
    a = converse(engine, "2018年计划新增多少家高新技术企业？", "是500家以上吗？")
    assert a.answer.startswith("**对**")


def test_item_of_the_part_just_discussed(engine):
    a = converse(engine, "信的第四部分讲什么？", "它的第二条说了什么？")
    assert a.citations[0].section == "4.2"
    a = converse(engine, "What does part 2 of the letter cover?", "And its fifth item?")
    assert a.citations[0].section == "2.5"


def test_item_ordinals():
    assert item_ordinal("它的第二条说了什么") == 2
    assert item_ordinal("三是什么") == 3
    assert item_ordinal("and its fifth item?") == 5
    assert item_ordinal("重点实验室有多少个") is None


def test_unqualified_figure_is_not_the_national_one(engine):
    # 162个重点实验室 (no level) in the 2017 sentence is not a count of national key labs
    a = engine.ask("2017年新组建了多少个国家级重点实验室？")
    assert "162个" not in a.answer.split("\n")[0] and not a.found


def test_another_thing_of_the_same_kind_is_not_counted(engine):
    # the sentence plans 20家省级重点实验室 and, in another clause, 辽宁省实验室 with no figure
    a = engine.ask("辽宁省实验室计划组建几家？")
    assert not a.found and "20家" not in a.answer


def test_check_counts_in_any_counting_unit(engine):
    a = engine.ask("“十二五”期间公益研究基金资助了376个项目，是吗？")
    assert a.answer.startswith("**对**") and "376项" in a.answer


def test_english_check_in_times_is_not_answered_with_enterprises(engine):
    a = engine.ask("The letter says the shared instruments will serve SMEs 8000 times, right?")
    assert "4000家以上" not in a.answer


def test_english_question_about_what_the_letter_has_no_word_for(engine):
    a = engine.ask("What is the population of Liaoning province?")
    assert not a.found


def test_which_is_more_and_by_how_much_of_the_last_two_figures(engine):
    history = []
    for q in ("2017年新批准了多少个省级工程技术研究中心？", "工程研究中心呢？"):
        history.append(Turn(q, engine.ask(q, history)))
    a = engine.ask("哪个多？多几个？", history)
    assert a.found and "多22个" in a.answer.split("\n")[0]
