import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from rag.answer import NOT_FOUND
from rag.llm import LLMAnswerBuilder
from rag.prompts import PromptError, load_prompt
from rag.settings import REPO_ROOT


def _builder(engine, *replies):
    model = GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))
    return LLMAnswerBuilder(engine.builder, engine.settings, model=model)


def test_prompt_files_have_exactly_their_variables(tmp_path):
    assert set(load_prompt(REPO_ROOT / "prompts", "answer").input_variables) == {"question", "context", "not_found"}
    (tmp_path / "answer.txt").write_text("{question} {context} {extra}", encoding="utf-8")
    with pytest.raises(PromptError, match="missing variables \\['not_found'\\], unexpected \\['extra'\\]"):
        load_prompt(tmp_path, "answer")


def test_model_answer_with_checked_figure_and_citation_is_kept(engine):
    q = "2017年新批准组建了多少个重点实验室？"
    builder = _builder(engine, "2017年新批准组建重点实验室**36个**，这是已完成的结果 [§0.2]。")
    answer = builder.build(q, q, engine.retriever.rank(q))
    assert answer.mode == "llm" and answer.found and [c.section for c in answer.citations] == ["0.2"]


def test_invented_figure_falls_back_to_extraction(engine):
    q = "2017年新批准组建了多少个重点实验室？"
    builder = _builder(engine, "2017年新批准组建重点实验室**40个** [§0.2]。")
    answer = builder.build(q, q, engine.retriever.rank(q))
    assert answer.mode == "extractive" and answer.answer.startswith("**36个**")


def test_invented_citation_key_is_dropped_or_falls_back(engine):
    q = "2017年新批准组建了多少个重点实验室？"
    builder = _builder(engine, "36个 [§9.9]")
    answer = builder.build(q, q, engine.retriever.rank(q))
    assert answer.mode == "extractive" and "[§9.9]" not in answer.answer


def test_model_not_found_is_honoured(engine):
    q = "2019年辽宁省科技厅的预算是多少？"
    answer = _builder(engine, NOT_FOUND).build(q, q, engine.retriever.rank(q))
    assert not answer.found and answer.answer.startswith(NOT_FOUND)
