import json
from pathlib import Path

import pytest

from medcite.core.errors import InputError
from medcite.evals.results_log import ResultLog


def test_append_is_flushed_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    log = ResultLog(path)
    log.append({"key": "a", "hash": "h1", "v": 1})
    log.append({"key": "b", "hash": "h1", "v": 2})
    assert len(path.read_text().splitlines()) == 2  # on disk before the log is closed or dropped
    again = ResultLog(path)
    assert again.is_done("a", "h1") and not again.is_done("a", "h2") and not again.is_done("c", "h1")
    assert [r["v"] for r in again.records()] == [1, 2]


def test_newer_line_for_a_key_wins(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    log = ResultLog(path)
    log.append({"key": "a", "hash": "old", "v": 1})
    log.append({"key": "a", "hash": "new", "v": 2})
    records = ResultLog(path).records()
    assert len(records) == 1 and records[0]["v"] == 2
    assert ResultLog(path).is_done("a", "new")


def test_cut_off_last_line_is_dropped_and_appends_stay_valid(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    good = json.dumps({"key": "a", "hash": "h", "v": 1})
    path.write_text(good + "\n" + '{"key": "b", "hash": "h", "v": 2, "raw_ou', encoding="utf-8")
    log = ResultLog(path)
    assert [r["key"] for r in log.records()] == ["a"]
    log.append({"key": "b", "hash": "h", "v": 3})
    lines = path.read_text().splitlines()
    assert [json.loads(x)["v"] for x in lines] == [1, 3]


def test_damaged_line_in_the_middle_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text('{"key": "a", "hash": "h"}\nnot json\n{"key": "b", "hash": "h"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"run\.jsonl, line 2"):
        ResultLog(path)


def test_foreign_records_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match="'key' and 'hash'"):
        ResultLog(path)
    with pytest.raises(ValueError):
        ResultLog(tmp_path / "new.jsonl").append({"key": "x"})
