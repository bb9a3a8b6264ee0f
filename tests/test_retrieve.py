import pytest

from rag.retrieve import lexical_query, translate_terms


@pytest.mark.parametrize("question,section", [
    ("2017年新批准组建了多少个重点实验室？", "0.2"),
    ("省级星创天地要建多少家？", "2.5"),
    ("大仪网入网单位要达到多少家？", "5.3"),
    ("科技特派团", "2.5"),
])
def test_right_section_first(engine, question, section):
    assert engine.retriever.rank(question).section_ids()[0] == section


@pytest.mark.parametrize("question,section", [
    ("How many new high-tech enterprises will be added?", "5.1"),
    ("How much bank lending to tech companies is expected?", "4.2"),
    ("Which countries are named for international cooperation?", "4.3"),
])
def test_english_questions_reach_the_right_section(engine, question, section):
    assert section in engine.retriever.rank(question).section_ids()[:3]


def test_exact_figure_in_question_reaches_the_answer_step(engine):
    # 120家 stands in two sections; both must be among the candidates.
    hits = engine.retriever.exact_hits("120家是什么")
    assert {"liaoning-reply-1383:1.1", "liaoning-reply-1383:5.3"} <= set(hits)


def test_retriever_interface_returns_documents(engine):
    docs = engine.retriever.invoke("新增高新技术企业500家")
    assert docs and docs[0].metadata["section"] == "5.1" and len(docs) == engine.settings.top_k


def test_english_terms_bridge_to_chinese():
    assert "高新技术企业" in translate_terms("How many high-tech enterprises?")
    assert lexical_query("2017年重点实验室") == "2017年重点实验室"


def test_a_rare_name_of_the_letter_reaches_the_answer_step(engine):
    assert "liaoning-reply-1383:2.5" in engine.retriever.exact_hits("星创天地怎么样")
    assert "liaoning-reply-1383:5.1" in engine.retriever.exact_hits("500家是什么")


def test_glossary_terms_are_found_with_other_joining_words_and_plurals():
    from rag.retrieve import translate_groups, untranslated_words

    # the glossary writes "strategic base for major technical equipment"
    groups = translate_groups("For the strategic base of major technical equipment, which fields are prioritized?")
    assert ["重大技术装备战略基地"] in groups and ["战略"] not in groups  # the whole name, not its words
    assert untranslated_words("For the strategic base of major technical equipment, which fields are prioritized?") == ["prioritized"]
    # a year and a frame word are not a topic, whatever the glossary pairs them as
    assert translate_groups("What's the 2018 target for new high-tech enterprises?") == [["高新技术企业"], ["2018"]]


def test_vectors_are_asked_only_when_the_text_lane_has_no_clear_winner(engine, monkeypatch):
    calls = []
    embeddings = engine.retriever.index.embeddings
    original = embeddings.embed_query
    monkeypatch.setattr(embeddings, "embed_query", lambda text: calls.append(text) or original(text))
    clear = engine.retriever.rank("2017年新批准组建省级工程技术研究中心多少个？")
    assert clear.sections[0][0].metadata["section"] == "0.2" and calls == []
    engine.retriever.rank("辽宁现在一共有几个国家级高新区？")  # near-tied sections: the vectors decide
    engine.retriever.rank("How many provincial key laboratories were added in 2017?")  # English always
    assert len(calls) == 2
