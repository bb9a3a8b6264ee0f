"""Conversations on disk: saved as they go, read back whole, never broken by a bad line."""

from __future__ import annotations

import json

import pytest

from rag.conversations import ConversationStore, answer_from_record, answer_record, new_id, valid_id
from rag.types import Answer, Citation

QUOTE = "2017年新批准组建省级工程技术研究中心61个、重点实验室36个、工程研究中心39个。"


def keylabs() -> Answer:
    return Answer(
        question="那重点实验室呢？",
        answer=f"**36个**（重点实验室36个）\n\n> {QUOTE} [§0.2]",
        found=True,
        citations=(Citation("liaoning-reply-1383", "0.2", "前言·其次", QUOTE),),
        kind="figure",
        status="result",
        resolved_question="2017年新批准组建了多少个重点实验室？",
        notice="n",
    )


def test_ids_are_random_and_checked():
    a, b = new_id(), new_id()
    assert a != b and valid_id(a) and valid_id(b)
    for bad in ("", "../../etc/passwd", "ABCDEF0123456789", "0123", None, 12, "0123456789abcdef\n"):
        assert not valid_id(bad), bad


def test_an_answer_reads_back_equal():
    answer = keylabs()
    assert answer_from_record(json.loads(json.dumps(answer_record(answer)))) == answer
    later = dict(answer_record(answer), added_by_a_later_version=1)
    assert answer_from_record(later) == answer
    with pytest.raises(ValueError):
        answer_from_record({"question": "x"})


def test_turns_language_and_ratings_come_back(tmp_path):
    store = ConversationStore(tmp_path)
    cid = new_id()
    assert store.load(cid).entries == [] and not store.exists(cid)
    store.add_turn(cid, {"id": 0, "question": "那重点实验室呢？", "answer": keylabs()}, lang="zh")
    store.add_turn(cid, {"id": 1, "question": "多" * 600, "notice": ("too_long", {"length": 600, "limit": 500})}, lang="zh")
    store.set_lang(cid, "en")
    store.rate(cid, 0, 1, lang="en")
    back = store.load(cid)
    assert [e["id"] for e in back.entries] == [0, 1]
    assert back.entries[0]["answer"] == keylabs()
    assert back.entries[1]["notice"] == ("too_long", {"length": 600, "limit": 500})
    assert back.lang == "en" and back.ratings == {0: 1} and back.next_turn == 2
    assert back.title == "那重点实验室呢？"
    store.rate(cid, 0, None, lang="en")  # the thumbs taken back
    assert store.load(cid).ratings == {}


def test_a_torn_or_garbage_line_loses_only_itself(tmp_path):
    store = ConversationStore(tmp_path)
    cid = new_id()
    store.add_turn(cid, {"id": 0, "question": "q0", "answer": keylabs()}, lang="zh")
    with open(store.path(cid), "ab") as fh:
        fh.write(b'{"kind": "turn", "turn": 1, "question": "torn')
    store.add_turn(cid, {"id": 1, "question": "q1", "answer": keylabs()}, lang="zh")
    with open(store.path(cid), "ab") as fh:
        fh.write(b'\xff\xfe\n{"kind": "turn", "turn": 2, "question": "q2", "answer": {"question": 3}}\n')
    back = store.load(cid)
    assert [e["question"] for e in back.entries] == ["q0", "q1"]
    assert back.skipped == 3


def test_two_tabs_writing_the_same_turn_number_keep_both(tmp_path):
    store = ConversationStore(tmp_path)
    cid = new_id()
    for question in ("first tab", "second tab"):
        store.add_turn(cid, {"id": 0, "question": question, "answer": keylabs()}, lang="zh")
    back = store.load(cid)
    assert [(e["id"], e["question"]) for e in back.entries] == [(0, "first tab"), (1, "second tab")]


def test_earlier_conversations_follow_the_chain_newest_first(tmp_path):
    store = ConversationStore(tmp_path)
    first, empty, second, current = new_id(), new_id(), new_id(), new_id()
    store.add_turn(first, {"id": 0, "question": "one", "answer": keylabs()}, lang="zh")
    store.set_lang(empty, "en", previous=first)  # started, nothing asked: not listed
    store.add_turn(second, {"id": 0, "question": "two", "answer": keylabs()}, lang="zh", previous=empty)
    store.add_turn(current, {"id": 0, "question": "three", "answer": keylabs()}, lang="zh", previous=second)
    assert [c.title for c in store.earlier(current)] == ["two", "one"]
    assert [c.title for c in store.earlier(current, limit=1)] == ["two"]
    assert store.earlier(new_id()) == []


def test_a_bad_id_never_touches_the_file_system(tmp_path):
    store = ConversationStore(tmp_path / "c")
    with pytest.raises(ValueError):
        store.path("../x")
    assert not store.exists("../x")
    assert not (tmp_path / "c").exists()
