"""The shared JSON Lines reader (detente.io) and its users' one-line errors."""
from __future__ import annotations

import pytest

from detente.io import JsonlError, json_object, read_jsonl


def test_reads_objects_with_line_numbers_skipping_blank_lines_and_bom(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": 1}\n\n   \n{"id": 2, "text": "caf\xc3\xa9"}\n')
    assert list(read_jsonl(path)) == [(1, {"id": 1}), (4, {"id": 2, "text": "café"})]


def test_bad_line_is_path_line_reason(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1}\n{not json\n[1, 2]\n')
    with pytest.raises(JsonlError, match=r"bad\.jsonl:2: invalid JSON \(.*column 2\)$"):
        list(read_jsonl(path))
    seen: list[str] = []
    got = list(read_jsonl(path, on_bad_line=seen.append))
    assert got == [(1, {"id": 1})]
    assert [s.split(": ", 1)[0][-11:] for s in seen] == ["bad.jsonl:2", "bad.jsonl:3"]
    assert seen[1].endswith("not a JSON object (a list)")


def test_missing_file_and_callers_error_class(tmp_path):
    class GoldError(ValueError):
        pass

    with pytest.raises(GoldError, match=r"nope\.jsonl: training file not found$"):
        list(read_jsonl(tmp_path / "nope.jsonl", error=GoldError, missing="training file not found"))
    with pytest.raises(JsonlError, match="cannot read"):
        list(read_jsonl(tmp_path))  # a folder


def test_invalid_utf8_is_replaced_not_fatal(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"text": "caf\xe9"}\n')
    assert list(read_jsonl(path)) == [(1, {"text": "caf\ufffd"})]


def test_json_object():
    assert json_object(b'{"a": 1}') == {"a": 1}
    with pytest.raises(ValueError, match="not a JSON object"):
        json_object("3")


def test_gold_and_training_readers_report_file_and_line(tmp_path):
    from detente.events.evaluate import GoldFileError, load_gold
    from detente.events.training import TrainingDataError, load_codebook

    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "text": "x"}\n{"id": "b"}\n')
    with pytest.raises(GoldFileError, match=r"gold\.jsonl:2: a gold record needs"):
        load_gold(gold)
    (tmp_path / "cameo_manual_verb_codebook.jsonl").write_text(
        '{"code": "042", "name": "Make a visit"}\n"header"\n')
    with pytest.raises(TrainingDataError, match=r"codebook\.jsonl:2: not a JSON object"):
        load_codebook(tmp_path)
    with pytest.raises(TrainingDataError, match="codebook not found"):
        load_codebook(tmp_path / "elsewhere")
