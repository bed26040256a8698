import datetime as dt

import pytest
from pydantic import ValidationError

from medcite.tools.retrieval.passage import Passage, normalize_date, passages_hash


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2024", "2024"),
        ("2024-04", "2024-04"),
        ("2024-04-30", "2024-04-30"),
        ("2024-04-30T10:00:00Z", "2024-04-30"),
        (dt.date(2020, 1, 2), "2020-01-02"),
        (2019, "2019"),
        (None, None),
    ],
)
def test_normalize_date_accepts_iso_forms(raw: object, iso: str | None) -> None:
    assert normalize_date(raw) == iso


@pytest.mark.parametrize("raw", ["30/04/2024", "2024-13-01", "2023-02-30", "soon"])
def test_normalize_date_rejects_other_forms(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_date(raw)


def test_passage_rejects_ids_that_would_break_citations() -> None:
    with pytest.raises(ValidationError):
        Passage(id="bad id]", text="t", title="T", doc_id="d")


def test_metadata_drops_empty_fields_and_adds_doc_hash() -> None:
    p = Passage(id="p1", text="t", title="T", doc_id="d", date="2020")
    meta = p.metadata("h")
    assert meta == {"title": "T", "date": "2020", "doc_id": "d", "source": "user", "doc_hash": "h"}
    assert Passage.from_store("p1", "t", meta) == p


def test_passages_hash_changes_with_any_field() -> None:
    p = Passage(id="p1", text="t", title="T", doc_id="d")
    assert passages_hash([p]) == passages_hash([p.model_copy()])
    assert passages_hash([p]) != passages_hash([p.model_copy(update={"date": "2021"})])
