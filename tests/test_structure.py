from datetime import date

import pytest

from rag.structure import load_letter, parse_letter, parse_signature_date

EXPECTED = {
    "0": "开头与落款",
    "0.1": "前言·首先", "0.2": "前言·其次", "0.3": "前言·第三", "0.4": "前言·第四",
    "1": "第1部分 攻坚科技体制改革",
    "1.1": "第1部分·一是 强化科技有效供给",
    "1.2": "第1部分·二是 为科研人员松绑助力",
    "1.3": "第1部分·三是 完善多元化的科技投入机制",
    "1.4": "第1部分·四是 深化科技奖励制度改革",
    "2": "第2部分 支撑产业创新发展",
    "2.1": "第2部分·一是 推进建设国家重要技术创新与研发基地",
    "2.2": "第2部分·二是 支撑建设先进装备制造业基地",
    "2.3": "第2部分·三是 支撑建设重大技术装备战略基地",
    "2.4": "第2部分·四是 支撑建设新型原材料基地",
    "2.5": "第2部分·五是 支撑建设现代农业生产基地",
    "3": "第3部分 打造区域创新高地",
    "3.1": "第3部分·一是 推进沈大国家自主创新示范区建设",
    "3.2": "第3部分·二是 促进高新区转型升级",
    "3.3": "第3部分·三是 引领五大区域创新发展",
    "3.4": "第3部分·四是 继续强化科技量化考核",
    "4": "第4部分 促进科技成果转化",
    "4.1": "第4部分·一是 建设完善技术转移体系",
    "4.2": "第4部分·二是 促进科技与金融深度融通",
    "4.3": "第4部分·三是 推进科技对外交流与合作",
    "5": "第5部分 提升科技基础能力",
    "5.1": "第5部分·一是 培育壮大科技型企业",
    "5.2": "第5部分·二是 加强科技基础条件建设",
    "5.3": "第5部分·三是 打造“双创”升级版",
    "5.4": "第5部分·四是 深入实施科技惠民工程",
    "6": "第6部分 壮大科技人才队伍",
    "6.1": "第6部分·一是 优化科技人才发展体制机制",
    "6.2": "第6部分·二是 加大高层次科技人才培养力度",
    "6.3": "第6部分·三是 完善科技人才梯次培养体系",
}


@pytest.fixture(scope="module")
def letter(request):
    from rag.settings import REPO_ROOT

    return load_letter(REPO_ROOT / "corpus" / "liaoning-reply-1383.txt")


def test_every_section_id_and_label(letter):
    assert {s.id: s.label for s in letter.sections} == EXPECTED


def test_section_text_is_verbatim_and_offsets_point_into_the_source(letter):
    for s in letter.sections:
        pieces = [letter.source[a:b] for a, b in s.spans]
        assert "\n".join(pieces) == s.text
        assert "\u00a0" not in s.text


def test_metadata(letter):
    m = letter.meta
    assert m.doc_number == "辽科提字〔2018〕85号"
    assert m.title == "关于省人大第十三届一次会议第1383号建议的答复"
    assert m.addressee == "丁桦"
    assert m.suggestion_title == "关于促进我省科技发展的建议"
    assert m.suggestion_number == "1383"
    assert m.session == "省人大第十三届一次会议"
    assert m.signer == "辽宁省科学技术厅"
    assert m.signed == date(2018, 6, 7) and m.signed_raw == "201867"
    assert m.published == date(2021, 4, 29)


def test_quirk_missing_full_stop_before_marker(letter):
    assert letter.section("2.1").text.endswith("全省高新技术产品增加值增长15%")
    assert letter.section("2.2").text.startswith("二是支撑建设先进装备制造业基地")
    assert letter.section("4.1").text.endswith("全省技术合同成交额增长15%")


def test_web_residue_never_in_a_section(letter):
    for s in letter.sections:
        assert "点击" not in s.text and "当前位置" not in s.text and "来源:" not in s.text


def test_section_zero_holds_header_background_transition_and_signature(letter):
    text = letter.section("0").text
    for part in ("辽科提字〔2018〕85号", "丁桦代表:", "辽宁省委、省政府高度重视", "为促进我省科技事业健康", "辽宁省科学技术厅", "201867"):
        assert part in text
    assert "首先" not in text


def test_typo_in_source_is_kept(letter):
    assert "辽委办发〔20175号)" in letter.section("0.4").text


@pytest.mark.parametrize("raw,expected", [
    ("201867", date(2018, 6, 7)), ("20180607", date(2018, 6, 7)), ("2018年6月7日", date(2018, 6, 7)),
    ("2018-06-07", date(2018, 6, 7)), ("20181231", date(2018, 12, 31)), ("2018111", None), ("abc", None),
])
def test_signature_dates(raw, expected):
    assert parse_signature_date(raw) == expected


def test_a_second_letter_gets_its_own_outline():
    source = (
        "辽科函〔2019〕12号 关于省政协十二届三次会议第88号提案的答复\n\n李明委员:\n\n"
        "您提出的《关于加强科普工作的提案》收悉,现答复如下:\n\n"
        "一、加强科普基础设施。一是建设科技馆10个。二是建设科普基地。\n\n"
        "二、壮大科普队伍。首先,培训科普人员500人次。其次,表彰先进。\n\n"
        "辽宁省科学技术厅\n\n2019年7月1日\n"
    )
    letter = parse_letter(source, "second")
    ids = [s.id for s in letter.sections]
    assert ids == ["0", "1", "1.1", "1.2", "2", "2.1", "2.2"]
    assert letter.section("1").label == "第1部分 加强科普基础设施"
    assert letter.section("2.1").label == "第2部分·首先 培训科普人员500人次"
    assert letter.meta.doc_number == "辽科函〔2019〕12号"
    assert letter.meta.addressee == "李明" and letter.meta.suggestion_number == "88"
    assert letter.meta.signed == date(2019, 7, 1)
    assert letter.section("1.1").text == "一是建设科技馆10个。"
