from rag.answer import NOT_FOUND, enumeration
from rag.evaluation import ask_in_conversation
from rag.followup import resolve_followup
from rag.types import Turn


def test_figure_first_then_quote_then_citation(engine):
    a = engine.ask("2017年新批准组建了多少个重点实验室？")
    assert a.found and a.kind == "figure" and a.status == "result"
    assert a.answer.startswith("**36个**")
    quote = a.citations[0].quote
    assert quote.startswith("2017年新批准组建省级工程技术研究中心61个、重点实验室36个")
    assert quote in engine.letter().section("0.2").text
    assert a.answer.index("**36个**") < a.answer.index(quote) < a.answer.index("[§0.2]")
    what = a.answer.split("（")[1].split("）")[0]
    assert what == "重点实验室36个" and what in quote  # the counted thing is shown verbatim too


def test_plan_versus_result(engine):
    target = engine.ask("2018年要新组建多少家省级重点实验室？")
    assert "**20家**" in target.answer and target.status == "target" and "目标" in target.answer
    assert target.citations[0].section == "5.2"


def test_same_figure_in_two_places_is_told_apart(engine):
    assert engine.ask("大仪网入网单位要达到多少家？").citations[0].section == "5.3"
    assert engine.ask("省级产业技术创新战略联盟要达到多少家？").citations[0].section == "1.1"


def test_every_figure_shown_is_verbatim_in_its_cited_section(engine):
    for q in ["今年要新增多少家高新技术企业？", "技术合同成交额要增长多少？", "贷款要实现多少？"]:
        a = engine.ask(q)
        shown = a.answer.split("**")[1]
        assert shown in engine.letter().section(a.citations[0].section).text


def test_near_miss_is_not_found_and_names_closest_section(engine):
    a = engine.ask("中科院机器人与智能制造创新研究院的院长是谁？")
    assert not a.found and a.answer.startswith(NOT_FOUND) and a.citations == ()
    assert a.closest == "0.2" and "[§0.2]" in a.answer


def test_year_the_letter_does_not_report_is_not_found(engine):
    a = engine.ask("2017年新建了多少家星创天地？")
    assert not a.found and a.closest == "2.5"


def test_list_answer_gives_every_item(engine):
    a = engine.ask("“科技创新六项行动”是从哪六个方面部署的？")
    for item in ["创新环境构建", "创新主体培育", "创新高地引领", "成果转化促进", "产业技术创新", "创新人才激励"]:
        assert f"- {item}" in a.answer


def test_part_items_are_listed_with_their_own_citations(engine):
    a = engine.ask("“支撑产业创新发展”这一部分具体包括哪几项工作？")
    assert [c.section for c in a.citations] == ["2", "2.1", "2.2", "2.3", "2.4", "2.5"]  # the part's heading, then its items


def test_followup_is_resolved_against_the_previous_question(engine):
    first = engine.ask("2017年新批准组建了多少个省级工程技术研究中心？")
    assert "**61个**" in first.answer
    second = engine.ask("那重点实验室呢？", [Turn(first.question, first)])
    assert second.resolved_question == "2017年新批准组建了多少重点实验室？"  # its own counting word, unknown yet
    assert "**36个**" in second.answer and second.citations[0].section == "0.2"


def test_followup_needs_history():
    assert resolve_followup("那重点实验室呢？", []) == "那重点实验室呢？"


def test_english_question_answered_from_chinese_text(engine):
    a = engine.ask("How many new high-tech enterprises will be added?")
    assert "**500家以上**" in a.answer and a.citations[0].section == "5.1"
    assert "新增高新技术企业500家以上" in a.citations[0].quote and "target" in a.answer


def test_metadata_questions(engine):
    assert "**辽科提字〔2018〕85号**" in engine.ask("这份答复的文号是什么？").answer
    assert "**2018年6月7日**" in engine.ask("这份答复的落款日期是哪一天？").answer
    assert "**丁桦**" in engine.ask("Who is this reply addressed to?").answer


def test_enumeration_trims_lead_and_tail():
    sentence = "重点围绕高端钢铁材料、高性能有色金属材料、新型化工材料和先进功能材料等研制与开发,推进企业合作。"
    assert enumeration(sentence, "哪些材料") == ["高端钢铁材料", "高性能有色金属材料", "新型化工材料", "先进功能材料"]


def test_conversation_helper_passes_history(engine):
    case = {"question": "那重点实验室呢？", "history": ["2017年新批准组建了多少个省级工程技术研究中心？"]}
    assert "**36个**" in ask_in_conversation(engine, case).answer


def test_figures_inside_names_and_anniversaries_are_not_figures(engine):
    texts = {f.text for f in engine.figures()}
    assert "24条" not in texts and not any("周年" in t for t in texts)
    assert {"36个", "500家以上", "增长15%", "3亿元以上", "共5082.1万元"} <= texts


def test_markup_in_a_chinese_question_keeps_it_chinese(engine):
    a = engine.ask("<script>alert(1)</script>2017年新批准组建了多少个重点实验室")
    assert a.answer.startswith("**36个**") and "已完成" in a.answer


def test_everyday_words_are_read_as_the_letters_own(engine):
    a = engine.ask("大学和科研院所的成果在辽宁本地落地转化，今年要做到多少项？")
    assert "**2000项以上**" in a.answer and a.citations[0].section == "4.1"


def test_five_year_plan_names_a_period(engine):
    assert "**376项**" in engine.ask("“十二五”期间公益研究基金资助了多少个项目？").answer
    # the 2017 money is not the 十二五 money
    assert not engine.ask("“十二五”期间公益研究基金总共投入了多少资金？").found


def test_an_aside_sets_a_figure_apart(engine):
    a = engine.ask("农业那块不算，全年要拿下的重大关键技术定了个什么数？")
    assert "**60项**" in a.answer and a.citations[0].section == "2.1"


def test_which_department_did_it(engine):
    a = engine.ask("辽宁省科学事业公益研究基金是哪两个部门一起设立的？")
    assert "省科技厅" in a.answer and "省财政厅" in a.answer and a.citations[0].section == "0.3"
    assert not engine.ask("国家机器人技术创新中心由哪家单位牵头建设？").found


def test_a_place_the_letter_never_names_is_not_found(engine):
    assert not engine.ask("吉林省有几个国家重点实验室？").found


def test_a_time_only_followup_asks_the_same_of_another_year(engine):
    first = engine.ask("今年计划新组建多少家省级重点实验室？")
    assert "**20家**" in first.answer
    second = engine.ask("去年呢？", [Turn(first.question, first)])
    assert "**36个**" in second.answer and second.status == "result"


def test_a_conversation_keeps_its_focus(engine):
    history = []
    for q in ["“十二五”期间公益研究基金资助了多少项目？"]:
        history.append(Turn(q, engine.ask(q, history)))
    a = engine.ask("转化的科技成果有多少项？", history)
    assert "**54项**" in a.answer and a.citations[0].section == "0.3"


def test_jieba_cache_lives_in_the_data_folder(engine, data_dir):
    import jieba

    assert jieba.dt.tmp_dir == str(data_dir / "jieba")
    assert (data_dir / "jieba" / "jieba.cache").exists()


def test_a_place_named_in_the_question_must_be_where_the_figure_is(engine):
    assert not engine.ask("丹东有几个国家重点实验室？").found  # 丹东 is in the letter, not in that sentence
    assert not engine.ask("How many German researchers did Liaoning bring in?").found
    assert "**19个**" in engine.ask("辽宁有几个国家重点实验室？").answer  # the letter's own province is implied


def test_greetings_do_not_get_in_the_way(engine):
    a = engine.ask("您好，想问下省级以上的技术转移示范机构要发展到多少家？谢谢")
    assert "**达到70家**" in a.answer


def test_a_wrong_figure_in_the_question_is_corrected(engine):
    a = engine.ask("新增高新技术企业600家，是计划吗？")
    assert a.answer.startswith("**不对**：信中写的是500家以上，不是600家") and "**500家以上**" in a.answer
    assert a.kind == "check" and a.citations[0].section == "5.1"
    assert not engine.ask("已经有7个了吗").answer.count("167个")  # 7个 is not 167个


def test_a_two_part_question_gets_both_parts(engine):
    a = engine.ask("产业技术创新平台已经批了多少个，今年还要再建多少家？")
    assert a.kind == "compound" and "**198个**" in a.answer and "**50家**" in a.answer
    assert [c.section for c in a.citations] == ["0.2", "1.1"]
    assert "已完成" in a.answer and "目标" in a.answer


def test_the_document_number_of_a_cited_document(engine):
    a = engine.ask("2017年两办联合发的那份改进省级财政科研项目资金管理的实施意见，文号是多少？")
    assert a.answer.startswith("**辽委办发〔20175号**") and a.citations[0].section == "0.4"


def test_a_later_years_outcome_is_not_in_the_letter(engine):
    assert not engine.ask("“十三五”规划定的2020年科技发展目标，最后都完成了吗？").found


def test_a_check_of_two_figures_checks_each_against_its_own_subject(engine):
    a = engine.ask("科技金融走进高新区活动，目标是贷款3亿元以上、投资2亿元以上，是吗？")
    assert a.kind == "check" and a.answer.startswith("**不对**")
    assert "信中写的是1亿元以上，不是2亿元以上" in a.answer and "3亿元以上" in a.answer
    right = engine.ask("科技金融走进高新区活动，目标是贷款3亿元以上、投资1亿元以上，是吗？")
    assert right.answer.startswith("**对**")


def test_a_check_of_a_year_compares_it_with_the_year_of_the_sentence(engine):
    right = engine.ask("公益研究基金是2011年起设立的，对不对？")
    assert right.answer.startswith("**对**") and right.citations[0].section == "0.3"
    wrong = engine.ask("省科技厅是2016年完成“十三五”科技规划制定的吗？")
    assert wrong.answer.startswith("**不对**：信中写的是2015年") and wrong.status == "result"


def test_a_list_of_planned_work_says_it_is_a_plan(engine):
    a = engine.ask("支撑先进装备制造业基地，重点围绕哪些装备领域搞研发？")
    assert a.status == "target" and "2018年工作目标（计划）" in a.answer
    # a horizon year ("到2020年") does not make a 2015 result a plan
    b = engine.ask("十三五规划里说的“五位一体”科技创新资源配置模式，是哪五个方面？")
    assert b.status == "result" and "计划" not in b.answer.split("\n\n")[-1]


def test_a_demonstrative_points_back_at_the_thing_named_before(engine):
    first = engine.ask("“科技金融走进高新区活动”计划办几次？")
    a = engine.ask("通过这个活动要撬动多少银行贷款？", [Turn("“科技金融走进高新区活动”计划办几次？", first)])
    assert "科技金融走进高新区活动" in a.resolved_question and a.answer.startswith("**3亿元以上**")


def test_a_part_named_with_nothing_else_asked_gets_its_overview(engine):
    for q in ["What is part 4 about?", "第三部分？", "第四部分有几项？"]:
        a = engine.ask(q)
        assert a.found and a.citations and a.citations[0].section.split(".")[0] in "34", q
    assert engine.ask("第四部分有几项？").answer.splitlines()[0].endswith("共3项：")
    assert engine.ask("Tell me about section 2.5").citations[0].section == "2.5"
    assert engine.ask("§0.2讲了什么").citations[0].section == "0.2"


def test_an_open_question_about_an_item_named_by_its_title_gets_the_item(engine):
    a = engine.ask("打造“双创”升级版具体要做些什么？")
    assert a.kind == "overview" and a.citations[0].section == "5.3"
    assert all(w in a.answer for w in ("众创空间", "200家", "大学科技园", "大仪网"))


def test_a_letter_wide_topic_is_gathered_under_its_short_names_too(engine):
    from rag.overview import short_names

    text = engine.letter().source
    assert short_names("沈大国家自主创新示范区", text) == ["自创区", "沈大自创区"]
    assert short_names("科技型中小企业", text) == []  # 科技企业 drops a qualifier, it abbreviates nothing
    a = engine.ask("关于沈大国家自主创新示范区，信里前后都提到了哪些举措？")
    assert {c.section for c in a.citations} >= {"3.1", "3.3", "6.1"}
    assert "沈阳片区" in a.answer and "人才特区" in a.answer


def test_the_figures_of_a_part_are_listed_with_what_they_count(engine):
    a = engine.ask("第五部分有哪些量化指标？")
    assert a.found and a.status == "target"
    shown = [line for line in a.answer.splitlines() if line.startswith("- **")]
    assert len(shown) == 6 and "- **达到200家** — 备案省级以上众创空间达到200家 [§5.3]" in shown
    for c in a.citations:
        assert c.quote in engine.letter().section(c.section).text


def test_a_share_of_a_whole_is_computed_from_both_figures_and_says_so(engine):
    a = engine.ask("“十二五”期间公益研究基金资助的项目里，转化了科技成果的大概占多大比例？")
    assert a.kind == "compare" and a.answer.startswith("约**14.4%**") and "54÷376" in a.answer
    assert "由信中数字算得" in a.answer and {c.section for c in a.citations} == {"0.3"}
    b = engine.ask("已批准的产业技术创新平台里，共性技术平台占多大比例？")
    assert "13÷198" in b.answer
    # a part larger than its "whole" is not a share
    assert "÷" not in engine.ask("重点实验室里，工程技术研究中心占多大比例？").answer


def test_english_entity_questions_read_the_clause_that_names_them(engine):
    a = engine.ask("Which departments jointly set up the public welfare research fund?")
    assert a.answer.startswith("**省科技厅、省财政厅**") and a.citations[0].section == "0.3"
    # the coordinated list of cities, not 东北 from the clause before it
    b = engine.ask("Which cities are named for the national tech transfer demonstration zone?")
    assert b.answer.startswith("**沈阳、大连、鞍山**")


def test_an_english_question_of_two_halves_answers_both(engine):
    a = engine.ask("How many provincial key labs will be newly built in 2018, and how many were built in 2017?")
    assert a.kind == "compound" and "**20家**" in a.answer and "**36个**" in a.answer


def test_a_check_whose_thing_the_letter_does_not_name_is_not_a_yes(engine):
    a = engine.ask("Does Liaoning have 20 purple unicorn labs?")
    assert not a.found and a.outcome == "closest" and "Yes" not in a.answer
    b = engine.ask("Does Liaoning have 20 state key laboratories?")
    assert b.answer.startswith("**No**") and "19个" in b.answer  # the state (national) figure, not 20家 provincial
    c = engine.ask("Is it true that the province wants more than 4,000 registered tech-based SMEs?")
    assert c.answer.startswith("**Yes.**") and "4000家以上" in c.answer


def test_things_asked_of_each_are_answered_each(engine):
    a = engine.ask("科技精准扶贫方面，培养农民技术员和建设省级星创天地的目标分别是多少？")
    assert a.kind == "compound" and "**1000人次以上**" in a.answer and "**30家以上**" in a.answer
    b = engine.ask("2018年计划新组建的省级重点实验室比2017年实际新批的多还是少？")
    assert "**36个**" in b.answer and "**20家**" in b.answer and "多16个" in b.answer


def test_where_in_the_letter_is_answered_with_the_part_and_item(engine):
    h = []
    for q in ["新组建产业技术创新平台的目标是多少家？", "那省级产业技术创新战略联盟呢？"]:
        h.append(Turn(q, engine.ask(q, h)))
    a = engine.ask("这两个目标是在信的哪一部分提出的？", h)
    assert a.citations[0].section == "1.1" and "攻坚科技体制改革" in a.answer and "强化科技有效供给" in a.answer
    assert engine.ask("众创空间的目标在信的哪一部分？").citations[0].section == "5.3"


def test_places_of_a_list_and_of_the_next_list_in_the_section(engine):
    a = engine.ask("在国际科技合作方面，信里点名了哪些国家？")
    assert a.answer.startswith("**德国、韩国、芬兰、俄罗斯、白俄罗斯、乌克兰**")
    assert "- 盘锦\n- 丹东\n" in engine.ask("哪些高新区要晋升国家级？").answer


def test_an_english_self_introduction_is_not_the_topic(engine):
    a = engine.ask("Hi, I'm a foreign correspondent in Shenyang. Could you give me a quick overview of the main areas this letter covers?")
    assert a.kind == "overview" and "攻坚科技体制改革" in a.answer and "沈阳" not in a.answer.splitlines()[0]


def test_what_a_quoted_term_means_is_its_explanation_not_its_siblings(engine):
    a = engine.ask("推进高新区建设里说的“双推进”具体指什么？")
    assert "推进科技金融走进高新区,推进大学科技园走进高新区" in a.answer and "- 双围绕" not in a.answer


def test_figures_added_up_are_computed_and_said_to_be(engine):
    a = engine.ask("科技金融活动的贷款目标和投资目标加起来一共至少多少亿元？")
    assert a.answer.startswith("合计至少**4亿元**（3亿元以上+1亿元以上，由信中数字算得）")
    b = engine.ask("三类产业技术创新平台的数量加起来，正好等于198个吗？")
    assert b.answer.startswith("**对**：13个+167个+18个，合计198个")
    assert {c.section for c in b.citations} == {"0.2"}
    c = engine.ask("How many key labs and engineering research centres were approved in 2017 in total?")
    assert "**75个**" in c.answer and "36个+39个" in c.answer
    d = engine.ask("2017年那几个基金计划里，财政资金和吸纳的社会资金加起来一共多少？")
    assert d.answer.startswith("合计**8004.1万元**（2922万元+共5082.1万元")
    # a single thing asked with 一共 is not a sum
    assert engine.ask("2017年一共新批了多少个重点实验室？").answer.startswith("**36个**")


def test_a_preamble_that_says_nothing_of_the_letter_is_not_the_question(engine):
    a = engine.ask("记者核实一下：答复里说辽宁目前有几个国家重点实验室？")
    assert a.answer.startswith("**19个**")
    # a lead that names a thing of the letter is kept as the question's topic
    assert engine.ask("重点实验室这块，2017年新增了多少个？").answer.startswith("**36个**")


def test_places_are_read_with_the_words_of_their_section(engine):
    a = engine.ask("对外科技合作里点名了哪些国家？")  # 点名 is how it asks; 对外 is the section's heading
    assert a.answer.startswith("**德国、韩国、芬兰、俄罗斯、白俄罗斯、乌克兰**")


def test_a_thing_counted_twice_leads_with_the_general_count(engine):
    # 重大关键技术: 全年攻克60项 (§2.1) for the province, 10项以上 only for agriculture (§2.5)
    a = engine.ask("今年计划突破多少项重大关键技术？")
    assert a.answer.startswith("**60项**") and [c.section for c in a.citations] == ["2.1", "2.5"]
    assert "范围更窄" in a.answer and "10项以上" in a.answer
    # the field named: the narrow count is the answer, and nothing is added beside it
    a = engine.ask("农业方面要突破多少项关键技术？")
    assert a.answer.startswith("**10项以上**") and [c.section for c in a.citations] == ["2.5"]


def test_a_counting_word_that_opens_a_noun_is_part_of_the_noun(engine):
    from rag.questions import ask_word, counted_phrase

    assert ask_word("要培养多少人才团队").unit == "" and counted_phrase("要培养多少人才团队") == "人才团队"
    assert ask_word("资助了多少项目").unit == ""
    assert ask_word("培养多少人次").unit == "人次" and ask_word("有多少家企业").unit == "家"
    a = engine.ask("2018年要引进多少人才团队？")
    assert a.answer.startswith("**50个**")


def test_a_new_thing_in_a_follow_up_takes_its_own_counting_word(engine):
    history = []
    for q in ("2018年要重点培养多少名战略科技人才？", "那人才团队呢？"):
        a = engine.ask(q, history)
        history.append(Turn(q, a))
    assert "多少名" not in a.resolved_question and a.answer.startswith("**50个**")


def test_money_is_asked_for_in_everyday_words(engine):
    # the letter writes 财政资金; people say 经费, 钱
    for q in ("2017年自然科学基金计划安排了多少经费？", "2017年自然科学基金计划安排了多少财政经费？"):
        assert engine.ask(q).answer.startswith("**2922万元**"), q
    assert engine.ask("科技金融这块能贷多少钱？").answer.startswith("**3亿元以上**")


def test_how_many_of_the_figures_have_a_value_lists_them(engine):
    a = engine.ask("2018年的目标里，几项是增长15%的？分别是什么？")
    assert a.kind == "compare" and "有2项" in a.answer
    assert {c.section for c in a.citations} == {"2.1", "4.1"}


def test_a_question_quoting_a_figure_stands_alone_after_another(engine):
    first = engine.ask("几项目标是增长15%的？")
    second = engine.ask("哪些指标是120家？", [Turn(first.question, first)])
    assert second.resolved_question == "哪些指标是120家？"
    assert {c.section for c in second.citations} == {"1.1", "5.3"}


def test_kinds_of_a_thing_are_the_items_of_its_breakdown(engine):
    a = engine.ask("198个平台分为哪些类型，各多少个？")
    assert a.found and "产业共性技术创新平台13个" in a.answer and "产业技术创新综合服务平台18个" in a.answer


def test_english_comparison_sides_keep_their_own_time_and_figure(engine):
    a = engine.ask("Which is larger, the 1510 projects approved in 2017 or the 376 projects funded in the "
                   "12th Five-Year Plan period?")
    assert a.kind == "compare" and "**1510项**" in a.answer and "**376项**" in a.answer and "by 1134" in a.answer
    # a side that names a figure the letter does not give it: compared with the letter's own, and told so
    a = engine.ask("Which is larger, the 1510 projects approved in 2017 or the 999 projects funded in the "
                   "12th Five-Year Plan period?")
    assert "by 511" not in a.answer and "**61个**" not in a.answer
    assert "not 999" in a.answer and "by 1134" in a.answer


def test_more_a_or_b_is_a_comparison_not_a_yes(engine):
    a = engine.ask("Are there more provincial engineering technology research centers or key laboratories "
                   "newly approved in 2017?")
    assert a.kind == "compare" and a.answer.startswith("**61个**") and "36个" in a.answer
    assert not a.answer.startswith("**Yes")


def test_whom_the_letter_replies_to_is_its_addressee(engine):
    for q in ("Who is this letter a reply to?", "Who was the suggestion from?"):
        a = engine.ask(q)
        assert a.kind == "meta" and a.answer.startswith("**丁桦**"), q
    assert engine.ask("Who replied to the suggestion?").answer.startswith("**辽宁省科学技术厅**")


def test_a_doer_and_its_year_are_found_even_when_a_term_sits_in_its_name(engine):
    # 科技 of the question is also inside 省科技厅: the act's verb marks where the doer ends
    a = engine.ask("辽宁省科技发展“十三五”规划是哪年由哪个部门组织制定完成的？")
    assert a.found and a.answer.startswith("**2015年 · 省科技厅**")
    assert [c.section for c in a.citations] == ["0.1"]


def test_a_word_narrowing_the_asked_type_is_not_a_missing_subject(engine):
    # the letter never writes 国内; it narrows "which province", it is not a thing the letter must name
    a = engine.ask("辽宁和国内哪个省开展对口科技合作？")
    assert a.found and "江苏省" in a.answer.split("\n")[0] and a.citations[0].section == "4.3"
    b = engine.ask("那国内是跟哪个省合作？", [Turn("辽宁跟国外哪些国家开展科技合作？", engine.ask("辽宁跟国外哪些国家开展科技合作？"))])
    assert b.found and "江苏省" in b.answer.split("\n")[0]
    # a place the letter never names still cannot be answered
    assert not engine.ask("日本哪个城市和辽宁开展科技合作？").found


def test_a_time_word_opening_the_counted_phrase_is_not_a_qualifier(engine):
    a = engine.ask("目前辽宁省拥有的国家重点实验室数量是多少？")
    assert a.found and a.answer.startswith("**19个**") and a.citations[0].section == "0.2"


def test_english_hyphenated_level_is_read_as_the_letters_level(engine):
    right = engine.ask("Is the target for provincial-level and above maker spaces 200?")
    wrong = engine.ask("Is the target for provincial-level and above maker spaces 300?")
    assert right.kind == wrong.kind == "check"
    assert right.answer.startswith("**Yes") and wrong.answer.startswith("**No")
    assert "200家" in wrong.answer and right.citations[0].section == "5.3"


def test_how_to_do_what_the_letter_never_writes_of_is_not_found(engine):
    assert not engine.ask("个人怎么申请国家自然科学基金青年项目？").found
    assert engine.ask("怎么促进科技成果转化？").found


def test_work_done_on_one_topic_is_the_point_of_it(engine):
    a = engine.ask("介绍一下辽宁在创新平台建设上已经取得的成绩")
    assert a.kind == "overview" and [c.section for c in a.citations] == ["0.2"]
    # a time word (到目前为止) is not the topic: all the work done
    b = engine.ask("到目前为止辽宁在科技方面已经做了哪些工作？")
    assert [c.section for c in b.citations] == ["0.1", "0.2", "0.3", "0.4"]


def test_a_topic_that_titles_a_part_gathers_all_its_items(engine):
    a = engine.ask("在科技人才培养和引进上有哪些措施？")
    assert [c.section for c in a.citations][:3] == ["6.1", "6.2", "6.3"] and "人才特区" in a.answer


def test_an_overview_naming_its_own_topic_stands_alone(engine):
    first = engine.ask("介绍一下辽宁在创新平台建设上已经取得的成绩")
    a = engine.ask("人才方面有哪些安排？", [Turn("介绍一下辽宁在创新平台建设上已经取得的成绩", first)])
    assert a.resolved_question == "人才方面有哪些安排？"
    assert {c.section for c in a.citations} >= {"6.1", "6.2", "6.3"}


def test_provincial_and_provincial_and_above_are_read_as_one_level(engine):
    a = engine.ask("Is the target for provincial-level maker spaces 200?")
    assert a.kind == "check" and a.answer.startswith("**Yes") and a.citations[0].section == "5.3"
    # national is never the count of 省级以上
    assert not engine.ask("国家级众创空间要备案多少家？").found


def test_a_programme_named_plan_is_not_a_plan_intent(engine):
    a = engine.ask("基金计划利用和吸纳的社会资金有多少钱？")
    assert a.found and a.answer.startswith("**共5082.1万元**") and a.status == "result"


def test_the_doers_of_a_document_named_in_other_words(engine):
    cases = {
        "Who issued the Interim Provisions on post-subsidy management of provincial science and technology plans and special funds?": "省科技厅、省财政厅",
        "Who issued the Opinions on improving the management of provincial fiscal research project funds?": "辽宁省委、省政府办公厅",
        "后补助管理的那个暂行规定是哪两个部门发的？": "省科技厅、省财政厅",
        "评估规则是哪个部门制定的？": "省科技厅",
    }
    for q, who in cases.items():
        a = engine.ask(q)
        assert a.kind == "fact" and a.answer.startswith(f"**{who}**"), q
        assert a.citations[0].section == "0.4"
    b = engine.ask("When was the Liaoning public-interest scientific research fund set up, and by whom?")
    assert b.answer.startswith("**2011年 · 省科技厅、省财政厅**")


def test_how_a_topic_is_planned_is_an_overview_of_it(engine):
    a = engine.ask("人才队伍建设这块怎么规划？")
    assert a.kind == "overview" and [c.section for c in a.citations][:2] == ["6", "6.1"]
    # 规划 frames the question; it is not a topic that pulls in the 十三五 plan of §0.1
    assert [c.section for c in engine.ask("农业这块怎么规划的？").citations] == ["2.5", "3.3"]


def test_a_conversation_in_a_field_holds_a_twice_counted_figure_to_it(engine):
    first = engine.ask("农业方面计划新增多少个新品种？")
    a = engine.ask("那要突破多少项重大关键技术？", [Turn("农业方面计划新增多少个新品种？", first)])
    assert a.found and a.answer.startswith("**10项以上**") and a.citations[0].section == "2.5"
    # with no field before it, the province-wide count answers and the narrow one stands beside it
    b = engine.ask("今年计划突破多少项重大关键技术？")
    assert b.answer.startswith("**60项**") and "10项以上" in b.answer


def test_how_many_targets_are_a_value_with_words_between(engine):
    a = engine.ask("信里有几个指标的目标是增长15%？分别是什么？")
    assert a.found and {c.section for c in a.citations} == {"2.1", "4.1"}


def test_a_part_of_a_breakdown_is_a_share_of_the_figure_it_breaks_down(engine):
    # 13个 is 其中 of the 198个 in its own sentence, not of 2018's 50家 new platforms in §1.1
    a = engine.ask("产业技术创新平台里，产业共性技术创新平台占多大比例？")
    assert a.answer.startswith("约**6.6%**") and {c.section for c in a.citations} == {"0.2"}
    # 占多少个 asks for the part's count, not a share
    b = engine.ask("这些产业技术创新平台里，产业共性技术创新平台占多少个？")
    assert b.answer.startswith("**13个**")
