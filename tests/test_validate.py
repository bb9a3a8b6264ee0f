import pytest

from rag.settings import Settings
from rag.validate import BadQuestion, clean_question, decode_question

S = Settings()


@pytest.mark.parametrize("bad", ["", "  \n\t ", "x" * 501, "a\x00b", "a\x1bb", "？？？", "a\ufffdb",
                                 "重点\udc80实验室", "\ud800", "a\x85b", "a\x9fb", None])
def test_bad_questions(bad):
    with pytest.raises(BadQuestion):
        clean_question(bad, S)


def test_clean_question_collapses_space_and_keeps_text():
    assert clean_question("  2017年  重点实验室？ ", S) == "2017年 重点实验室？"
    assert clean_question("<script>alert(1)</script>多少个重点实验室", S) == "<script>alert(1)</script>多少个重点实验室"


def test_decode():
    assert decode_question("重点".encode()) == "重点"
    with pytest.raises(BadQuestion, match="UTF-8"):
        decode_question(b"\xff\xfe")


def test_engine_refuses_bad_input(engine):
    with pytest.raises(BadQuestion):
        engine.ask("   ")
