import json

from rag.jsonl import append_record, read_records


def test_torn_last_line_is_skipped_and_the_next_record_starts_fresh(tmp_path):
    path = tmp_path / "f.jsonl"
    append_record(path, {"n": 1})
    with open(path, "ab") as fh:
        fh.write(b'{"n": 2, "torn')  # a crash mid-write
    append_record(path, {"n": 3})
    got = read_records(path)
    assert [r["n"] for r in got.items] == [1, 3] and got.skipped == 1


def test_garbage_and_undecodable_lines_are_counted_not_fatal(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b'{"n": 1}\n\xff\xfe garbage\n[1, 2]\nnot json\n' + json.dumps({"n": 2}).encode() + b"\n")
    got = read_records(path)
    assert [r["n"] for r in got.items] == [1, 2] and got.skipped == 3


def test_missing_file_reads_as_empty(tmp_path):
    got = read_records(tmp_path / "absent.jsonl")
    assert got.items == [] and got.skipped == 0
