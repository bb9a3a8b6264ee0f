from rag.followup import split_compound
from rag.questions import place_is, place_kind_asked, written_form


def test_a_clause_asking_the_same_of_each_item_stays_with_its_list():
    assert split_compound("那198个平台分成哪几类，每类各多少个？") == ["那198个平台分成哪几类，每类各多少个？"]
    assert len(split_compound("重点实验室有多少个？工程研究中心有多少个？")) == 2


def test_which_cities_takes_only_cities():
    kind = place_kind_asked("20家省级重点实验室分别落在哪些城市")
    assert kind == "city"
    assert place_is("大连", kind) and place_is("大连市", kind)
    assert not place_is("辽宁省", kind) and not place_is("辽宁", kind)
    assert place_kind_asked("和哪些国家开展了合作") == "country"
    assert place_kind_asked("省级重点实验室在哪里") is None  # 省级 is a level, not a kind of place


def test_spoken_words_are_read_in_their_written_form():
    assert written_form("这个咋个搞法", "信") == "这个怎么搞法"
    assert written_form("啥子时候", "啥子") == "啥子时候"  # a word the letter writes is kept
