import pytest

from rag.figures import clause_item, figures_of, sentence_status
from rag.settings import REPO_ROOT
from rag.structure import load_letter


@pytest.fixture(scope="module")
def figures():
    return {(f.section, f.text): f for f in figures_of(load_letter(REPO_ROOT / "corpus" / "liaoning-reply-1383.txt"))}


def test_every_figure_is_verbatim_with_unit_and_qualifier(figures):
    all_figures = figures_of(load_letter(REPO_ROOT / "corpus" / "liaoning-reply-1383.txt"))
    assert len(all_figures) == 47 and len(figures) == 46  # 20个以上 stands twice in §2.5
    for f in figures.values():
        assert f.text in f.item and f.item in f.clause and f.clause in f.sentence


@pytest.mark.parametrize("section,text,item,status", [
    ("0.2", "36个", "重点实验室36个", "result"),
    ("0.2", "162个", "和162个重点实验室通过验收", "result"),
    ("0.3", "共5082.1万元", "利用和吸纳社会资金共5082.1万元", "result"),
    ("1.1", "达到120家", "省级产业技术创新战略联盟达到120家", "target"),
    ("2.1", "增长15%", "全省高新技术产品增加值增长15%", "target"),
    ("4.1", "2000项以上", "院所科技成果省内转化2000项以上", "target"),
    ("5.1", "500家以上", "新增高新技术企业500家以上", "target"),
    ("6.3", "30名", "重点培养30名战略科技人才", "target"),
])
def test_figures_of_the_letter(figures, section, text, item, status):
    f = figures[(section, text)]
    assert f.item == item and f.status == status


def test_clause_item_cuts_lists():
    clause = "2017年新批准组建省级工程技术研究中心61个、重点实验室36个、工程研究中心39个"
    assert clause_item(clause, clause.find("36个")) == "重点实验室36个"
    assert clause_item(clause, 0) == "2017年新批准组建省级工程技术研究中心61个"


@pytest.mark.parametrize("sentence,status", [
    ("2017年新批准组建省级重点实验室36个。", "result"),
    ("2018年,重点培养30名战略科技人才。", "target"),
    ("“十二五”期间,共资助项目376项。", "result"),
    ("全年攻克60项重大关键技术。", "target"),
    ("促进高校、院所科技成果省内转化2000项以上。", "target"),  # 2000 here is a count, not a year
])
def test_plan_or_result_of_a_sentence(sentence, status):
    assert sentence_status(sentence, 2018) == status
