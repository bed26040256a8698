"""Name-to-LOINC and status lookups (data files), and the server query built from a search."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest

from medcite.core.vocabulary import normalize_name, observation_names
from medcite.tools.fhir.http_client import outcome_text, retry_after_seconds
from medcite.tools.fhir.lookups import LOINC, observation_target, status_codes
from medcite.tools.fhir.query import SearchQuery
from medcite.tools.fhir.server_source import search_params


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("hba1c", "4548-4"),
        ("HbA1c", "4548-4"),
        ("Hb A1c", "4548-4"),
        ("blood pressure", "55284-4"),
        ("BP", "85354-9"),
        ("potassium", "6298-4"),
        ("eGFR", "33914-3"),
        ("LDL-C", "18262-6"),
    ],
)
def test_common_names_map_to_loinc(name: str, code: str) -> None:
    target = observation_target(name)
    assert f"{LOINC}|{code}" in target.codes and target.text is None


def test_codes_pass_through_and_unknown_names_search_text() -> None:
    assert observation_target(" 2093-3 ").codes == (f"{LOINC}|2093-3",)
    assert observation_target("http://acme.org/labs|K1").codes == ("http://acme.org/labs|K1",)
    unknown = observation_target("ferritin level")
    assert unknown.codes == () and unknown.text == "ferritin level"


def test_name_table_is_well_formed() -> None:
    seen: dict[str, str] = {}
    for entry in observation_names():
        assert entry.codes and all(re.fullmatch(r"\d{1,7}-\d", c) for c in entry.codes), entry.name
        for alias in entry.names:
            key = normalize_name(alias)
            assert seen.setdefault(key, entry.name) == entry.name, f"{alias!r} names both {seen[key]} and {entry.name}"


def test_status_words() -> None:
    assert status_codes("Condition", "active") == ("active", "recurrence", "relapse")
    assert status_codes("MedicationRequest", "all") == ()
    with pytest.raises(ValueError, match="'gone' is not one of active, stopped, other, all"):
        status_codes("MedicationRequest", "gone")


def test_server_query_uses_standard_parameters() -> None:
    query = SearchQuery(
        resource_type="Observation",
        patient="p1",
        codes=(f"{LOINC}|4548-4", "x,y"),
        categories=("laboratory",),
        date_ge=date(2020, 1, 1),
        date_le=date(2020, 12, 31),
        text="ignored by the server",
        newest_first=True,
    )
    assert search_params(query, 25) == [
        ("patient", "p1"),
        ("code", f"{LOINC}|4548-4,x\\,y"),
        ("category", "laboratory"),
        ("date", "ge2020-01-01"),
        ("date", "le2020-12-31"),
        ("_sort", "-date"),
        ("_count", "25"),
    ]
    conditions = search_params(SearchQuery(resource_type="Condition", statuses=("active",)), 10)
    assert ("clinical-status", "active") in conditions and ("_sort", "onset-date") in conditions
    assert ("_id", "p1") in search_params(SearchQuery(resource_type="Patient", patient="p1"), 10)
    assert ("_include", "MedicationRequest:medication") in search_params(
        SearchQuery(resource_type="MedicationRequest"), 10
    )


def test_retry_after_and_outcome_parsing() -> None:
    assert retry_after_seconds("3") == 3.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after_seconds(later) or 0) <= 31
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"diagnostics": "bad date"}, {"details": {"text": "and more"}}],
    }
    assert outcome_text(outcome) == "bad date; and more"
    assert outcome_text({"resourceType": "Patient"}) is None
