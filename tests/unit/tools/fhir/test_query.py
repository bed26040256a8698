"""The search predicate every source applies: dates by precision, codes, text, status, category."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from medcite.tools.fhir.fhir_dates import LATEST, element_range, parse_range
from medcite.tools.fhir.query import SearchQuery, in_order, matches
from medcite.tools.fhir.resource_fields import patient_id, reference_target


def _obs(rid: str, when: Any, code: str = "4548-4", status: str = "final") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": status,
        "category": [{"coding": [{"code": "laboratory"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": "Hemoglobin A1c"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": when,
    }


def test_date_precision_gives_ranges_in_utc() -> None:
    assert parse_range("2020") == (
        datetime(2020, 1, 1, tzinfo=UTC),
        datetime(2020, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    )
    assert parse_range("2020-02")[1].day == 29  # type: ignore[index]
    start, end = parse_range("2020-03-04T23:30:00-02:00")  # type: ignore[misc]
    assert start == end == datetime(2020, 3, 5, 1, 30, tzinfo=UTC)
    assert parse_range("2020-13-01") is None and parse_range("yesterday") is None


def test_periods_cover_start_to_end_and_open_ends_are_unbounded() -> None:
    span = element_range({"start": "2020-01-01", "end": "2020-01-03"})
    assert span is not None and span[1].day == 3 and span[1].hour == 23
    assert element_range({"start": "2020-01-01"})[1] == LATEST  # type: ignore[index]
    assert element_range({}) is None and element_range(42) is None


def test_references_and_patient_ids() -> None:
    assert reference_target("Patient/p1") == ("Patient", "p1")
    assert reference_target("https://x.org/fhir/Patient/p1/_history/3") == ("Patient", "p1")
    assert reference_target("urn:uuid:abc") is None and reference_target("#contained") is None
    assert patient_id(_obs("o", "2020")) == "p1"
    assert patient_id({"resourceType": "Patient", "id": "p9"}) == "p9"
    assert patient_id({"resourceType": "AllergyIntolerance", "patient": {"reference": "Group/g"}}) is None


@pytest.mark.parametrize(
    ("when", "ge", "le", "expected"),
    [
        ("2020-06-15T10:00:00+00:00", date(2020, 6, 15), date(2020, 6, 15), True),
        ("2020-06-15T23:59:59+00:00", None, date(2020, 6, 15), True),
        ("2020-06-16T00:00:00+00:00", None, date(2020, 6, 15), False),
        ("2020-06-14T23:59:59+00:00", date(2020, 6, 15), None, False),
        ("2020-06", date(2020, 6, 30), None, True),  # month precision overlaps the day
        (None, date(2000, 1, 1), None, False),  # undated never matches a window
    ],
)
def test_date_window_is_inclusive_by_day(when: Any, ge: date | None, le: date | None, expected: bool) -> None:
    query = SearchQuery(resource_type="Observation", date_ge=ge, date_le=le)
    assert matches(_obs("o", when), query) is expected


def test_codes_text_status_category_and_patient() -> None:
    obs = _obs("o", "2020-01-01")
    q = SearchQuery(resource_type="Observation")
    assert matches(obs, q.model_copy(update={"codes": ("http://loinc.org|4548-4",)}))
    assert matches(obs, q.model_copy(update={"codes": ("4548-4",)}))
    assert not matches(obs, q.model_copy(update={"codes": ("http://snomed.info/sct|4548-4",)}))
    assert matches(obs, q.model_copy(update={"text": "hemoglobin a1C"}))
    assert not matches(obs, q.model_copy(update={"text": "potassium"}))
    assert not matches(obs, q.model_copy(update={"statuses": ("preliminary",)}))
    assert matches(obs, q.model_copy(update={"categories": ("laboratory", "vital-signs")}))
    assert not matches(obs, q.model_copy(update={"patient": "p2"}))
    assert not matches(obs, SearchQuery(resource_type="Condition"))


def test_canonical_order_is_by_date_then_key() -> None:
    found = in_order([_obs("b", "2021"), _obs("c", None), _obs("a", "2021"), _obs("d", "2019")])
    assert [r["id"] for r in found] == ["c", "d", "a", "b"]
    assert [r["id"] for r in in_order(found, newest_first=True)] == ["b", "a", "d", "c"]


def test_query_rejects_non_type_names() -> None:
    with pytest.raises(ValidationError):
        SearchQuery(resource_type="Observation?_id=1")
