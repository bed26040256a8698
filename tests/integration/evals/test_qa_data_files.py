"""The shipped dev samples load in both formats."""

from pathlib import Path

from medcite.evals.qa.datasets import MIRAGE_DATASETS, load_qa_file


def test_mirage_dev_sample(shared_data: Path) -> None:
    data = load_qa_file(shared_data / "mirage" / "benchmark_dev.json")
    assert tuple(data) == MIRAGE_DATASETS
    assert all(len(items) == 40 for items in data.values())
    assert {len(i.options) for i in data["medqa"]} == {4}
    assert {tuple(i.options.values()) for i in data["pubmedqa"]} == {("yes", "no", "maybe")}
    assert {tuple(i.options.values()) for i in data["bioasq"]} == {("yes", "no")}
    assert all(i.answer in i.options for items in data.values() for i in items)


def test_pubmedqa_dev_file_with_contexts(shared_data: Path) -> None:
    (items,) = load_qa_file(shared_data / "pubmedqa" / "pqal_dev.json").values()
    assert len(items) == 500
    assert all(i.context and i.answer in "ABC" for i in items)
    assert {i.answer for i in items} == {"A", "B", "C"}
