import json
from pathlib import Path

import pytest

from medcite.core.errors import InputError
from medcite.evals.qa.datasets import PUBMEDQA_OPTIONS, load_qa_file, select


def _write(tmp_path: Path, data: object, name: str = "bench.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _q(answer: str = "B", **extra: object) -> dict[str, object]:
    return {"question": "Which?", "options": {"A": "x", "B": "y"}, "answer": answer, **extra}


def test_mirage_schema_is_read_in_file_order(tmp_path: Path) -> None:
    path = _write(tmp_path, {"medqa": {"q2": _q("A"), "q1": _q(PMID=[1])}, "mmlu": {"m": _q()}})
    data = load_qa_file(path)
    assert list(data) == ["medqa", "mmlu"]
    assert [i.qid for i in data["medqa"]] == ["q2", "q1"]
    assert data["medqa"][0].answer == "A"
    assert data["medqa"][1].key == "medqa/q1"


def test_pubmedqa_format_gets_yes_no_maybe_letters_and_contexts(tmp_path: Path) -> None:
    record = {"QUESTION": "Does it work?", "CONTEXTS": ["Background.", " ", "Results."], "final_decision": "no"}
    data = load_qa_file(_write(tmp_path, {"123": record}))
    (item,) = data["pqal"]
    assert item.options == PUBMEDQA_OPTIONS
    assert item.answer == "B"
    assert item.context == ["Background.", "Results."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"medqa": {"q7": {"question": "Which?", "options": {"A": "x"}, "answer": "A"}}}, "question 'q7'"),
        ({"medqa": {"q7": _q("E")}}, "answer 'E' is not one of the options"),
        ({"medqa": {"q7": {"options": {"A": "x", "B": "y"}, "answer": "A"}}}, "question: Field required"),
        ({"medqa": {"q7": {"question": "Q", "options": {"a": "x", "b": "y"}, "answer": "a"}}}, "single capital"),
        ({"medqa": ["not", "a", "mapping"]}, "dataset 'medqa' must map question ids"),
        ([1, 2], "expected a JSON object"),
        ({"9": {"QUESTION": "Q", "CONTEXTS": [], "final_decision": "perhaps"}}, "PubMedQA record '9'"),
    ],
)
def test_malformed_files_name_file_and_record(tmp_path: Path, data: object, message: str) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as err:
        load_qa_file(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_qa_file(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"medqa": {', encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_qa_file(broken)


def test_select_limits_each_dataset_and_rejects_unknown_names(tmp_path: Path) -> None:
    data = load_qa_file(_write(tmp_path, {"a": {str(i): _q() for i in range(5)}, "b": {"x": _q()}}))
    assert [i.key for i in select(data, None, 2)] == ["a/0", "a/1", "b/x"]
    assert [i.key for i in select(data, ["b"], None)] == ["b/x"]
    with pytest.raises(InputError, match="medqa"):
        select(data, ["medqa"], None)
    with pytest.raises(InputError, match="--limit"):
        select(data, None, 0)
