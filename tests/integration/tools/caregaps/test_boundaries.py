"""Boundaries of the care-gap rules on a real Synthea bundle edited one fact at a time: the day before and
after a birthday that crosses an age limit, sex, a missing BMI, and a qualifying procedure one day inside
and outside its interval."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from medcite.tools.caregaps import CareGap, care_gaps
from medcite.tools.fhir import LocalSource
from tests.conftest import SYNTHEA_DIR

# A man born 1975-10-12 with obesity (no diabetes), whose record ends 2020-02-23.
BASE = SYNTHEA_DIR / "Chauncey_Johnston_f4673866-81fb-411a-8486-0c27f2a5b480.json"
AS_OF = date(2020, 2, 23)
Bundle = dict[str, Any]
COLORECTAL_50_75, COLORECTAL_45_49, CERVICAL, BREAST = 1928, 1929, 426, 2035
DIABETES_SCREEN, AAA, HIV_SCREEN = 1934, 518, 485
NO_WEIGHT_DATA = ("39156-5", "162864005")  # BMI results and the obesity diagnosis


def _patient(bundle: Bundle) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")


def _edited(tmp_path: Path, *edits: Callable[[Bundle], None]) -> tuple[LocalSource, str]:
    bundle = json.loads(BASE.read_text())
    for edit in edits:
        edit(bundle)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(bundle))
    source = LocalSource.from_paths(path, strict=True)
    return source, source.patient_ids()[0]


def _gap(tmp_path: Path, rec_id: int, *edits: Callable[[Bundle], None], on: date = AS_OF) -> CareGap:
    source, pid = _edited(tmp_path, *edits)
    return next(g for g in care_gaps(source, pid, as_of=on).gaps if g.recommendation_id == rec_id)


def born(day: str) -> Callable[[Bundle], None]:
    def edit(bundle: Bundle) -> None:
        _patient(bundle)["birthDate"] = day

    return edit


def sex(gender: str) -> Callable[[Bundle], None]:
    def edit(bundle: Bundle) -> None:
        _patient(bundle)["gender"] = gender

    return edit


def without_code(*codes: str) -> Callable[[Bundle], None]:
    def edit(bundle: Bundle) -> None:
        bundle["entry"] = [
            e for e in bundle["entry"]
            if not any(c.get("code") in codes for c in (e["resource"].get("code") or {}).get("coding", []))
        ]

    return edit


def with_bmi(value: float, day: str) -> Callable[[Bundle], None]:
    return _add({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5", "display": "Body Mass Index"}]},
        "effectiveDateTime": f"{day}T10:00:00+00:00",
        "valueQuantity": {"value": value, "unit": "kg/m2", "system": "http://unitsofmeasure.org", "code": "kg/m2"},
    })


def with_colonoscopy(day: str, status: str = "completed") -> Callable[[Bundle], None]:
    return _add({
        "resourceType": "Procedure",
        "status": status,
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "73761001", "display": "Colonoscopy"}]},
        "performedDateTime": f"{day}T09:00:00+00:00",
    })


def with_smoking_status(code: str, display: str, day: str) -> Callable[[Bundle], None]:
    return _add({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "72166-2", "display": "Tobacco smoking status"}]},
        "effectiveDateTime": f"{day}T10:00:00+00:00",
        "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]},
    })


def _add(resource: dict[str, Any]) -> Callable[[Bundle], None]:
    def edit(bundle: Bundle) -> None:
        rid = str(uuid.uuid4())
        patient = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
        subject = {"reference": patient["fullUrl"]}
        bundle["entry"].append({
            "fullUrl": f"urn:uuid:{rid}",
            "resource": {**resource, "id": rid, "subject": subject},
            "request": {"method": "POST", "url": resource["resourceType"]},
        })

    return edit


# --- age limits --------------------------------------------------------------------------------------


def test_the_day_before_the_fiftieth_birthday_is_still_the_45_to_49_recommendation(tmp_path: Path) -> None:
    before = born("1970-02-24")  # turns 50 the day after the as-of date
    assert _gap(tmp_path, COLORECTAL_50_75, before).status == "not_applicable"
    assert _gap(tmp_path, COLORECTAL_45_49, before).status == "due"


def test_on_the_fiftieth_birthday_the_50_to_75_recommendation_applies(tmp_path: Path) -> None:
    on_birthday = born("1970-02-23")
    assert _gap(tmp_path, COLORECTAL_50_75, on_birthday).status == "due"
    gap = _gap(tmp_path, COLORECTAL_45_49, on_birthday)
    assert gap.status == "not_applicable" and "age 50" in gap.reason


def test_screening_stops_the_day_after_the_upper_age_limit(tmp_path: Path) -> None:
    assert _gap(tmp_path, COLORECTAL_50_75, born("1944-02-24")).status == "due"  # 75 until 2020-02-23
    gap = _gap(tmp_path, COLORECTAL_50_75, born("1944-02-23"))  # 76 on the as-of date
    assert gap.status == "not_applicable" and "age 76" in gap.reason


def test_a_leap_day_birthday_counts_from_the_first_of_march(tmp_path: Path) -> None:
    assert _gap(tmp_path, COLORECTAL_50_75, born("1968-02-29"), on=date(2018, 2, 28)).status == "not_applicable"
    assert _gap(tmp_path, COLORECTAL_50_75, born("1968-02-29"), on=date(2018, 3, 1)).status == "due"


# --- sex ---------------------------------------------------------------------------------------------


def test_sex_specific_recommendations_follow_the_recorded_sex(tmp_path: Path) -> None:
    assert _gap(tmp_path, CERVICAL).status == "not_applicable"
    assert _gap(tmp_path, CERVICAL, sex("female")).status == "due"
    assert _gap(tmp_path, BREAST, sex("female")).status == "due"
    assert _gap(tmp_path, AAA, sex("female"), born("1950-01-01")).status == "not_applicable"


def test_an_unrecorded_sex_makes_sex_specific_recommendations_unknown(tmp_path: Path) -> None:
    gap = _gap(tmp_path, CERVICAL, sex("unknown"))
    assert gap.status == "unknown" and gap.missing == ("sex",)
    assert _gap(tmp_path, HIV_SCREEN, sex("unknown")).status == "due"


# --- BMI ---------------------------------------------------------------------------------------------


def test_no_bmi_makes_diabetes_screening_unknown(tmp_path: Path) -> None:
    gap = _gap(tmp_path, DIABETES_SCREEN, without_code(*NO_WEIGHT_DATA))
    assert gap.status == "unknown"
    assert gap.missing == ("a BMI in the 5 years before the as-of date",)


def test_bmi_25_is_the_threshold_for_diabetes_screening(tmp_path: Path) -> None:
    below = _gap(tmp_path, DIABETES_SCREEN, without_code(*NO_WEIGHT_DATA), with_bmi(24.9, "2019-06-01"))
    assert below.status == "not_applicable" and below.reason.startswith("not overweight")
    at = _gap(tmp_path, DIABETES_SCREEN, without_code(*NO_WEIGHT_DATA), with_bmi(25.0, "2019-06-01"))
    assert at.status in ("due", "up_to_date")
    assert any(e.label == "Body Mass Index" for e in at.evidence)


def test_a_bmi_older_than_five_years_does_not_count(tmp_path: Path) -> None:
    stale = _gap(tmp_path, DIABETES_SCREEN, without_code(*NO_WEIGHT_DATA), with_bmi(31.0, "2015-02-23"))
    assert stale.status == "unknown"
    fresh = _gap(tmp_path, DIABETES_SCREEN, without_code(*NO_WEIGHT_DATA), with_bmi(31.0, "2015-02-24"))
    assert fresh.status != "unknown"


# --- intervals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "status"),
    [("2010-02-24", "up_to_date"), ("2010-02-23", "due"), ("2020-02-23", "up_to_date"), ("2020-02-24", "due")],
)
def test_a_colonoscopy_counts_for_ten_years_and_not_before_it_happens(tmp_path: Path, day: str, status: str) -> None:
    gap = _gap(tmp_path, COLORECTAL_50_75, born("1960-01-01"), with_colonoscopy(day))
    assert gap.status == status
    if day <= AS_OF.isoformat():
        assert gap.last is not None and gap.last.day == date.fromisoformat(day)
        assert gap.last.key in gap.record_keys
    else:
        assert gap.last is None  # a procedure after the as-of date is not in the record yet


def test_due_since_the_anniversary_of_the_last_colonoscopy(tmp_path: Path) -> None:
    gap = _gap(tmp_path, COLORECTAL_50_75, born("1960-01-01"), with_colonoscopy("2008-05-02"))
    assert gap.status == "due" and gap.due_date == date(2018, 5, 2) and gap.interval == "every 10 years"
    up = _gap(tmp_path, COLORECTAL_50_75, born("1960-01-01"), with_colonoscopy("2012-05-02"))
    assert up.status == "up_to_date" and up.due_date == date(2022, 5, 2)


def test_a_procedure_not_done_does_not_count(tmp_path: Path) -> None:
    gap = _gap(tmp_path, COLORECTAL_50_75, born("1960-01-01"), with_colonoscopy("2015-01-01", status="not-done"))
    assert gap.status == "due" and gap.last is None


# --- smoking -----------------------------------------------------------------------------------------


def test_aaa_screening_needs_an_ever_smoker_man_of_65_to_75(tmp_path: Path) -> None:
    old = born("1950-01-01")
    no_status = without_code("72166-2")
    never = _gap(tmp_path, AAA, old, no_status, with_smoking_status("266919005", "Never smoker", "2019-01-01"))
    assert never.status == "not_applicable"
    former = _gap(tmp_path, AAA, old, no_status, with_smoking_status("8517006", "Former smoker", "2019-01-01"))
    assert former.status == "due" and former.record_keys
    unknown = _gap(tmp_path, AAA, old, no_status)
    assert unknown.status == "unknown" and unknown.missing == ("a tobacco smoking status",)


def test_an_as_of_date_before_birth_applies_nothing(tmp_path: Path) -> None:
    source, pid = _edited(tmp_path)
    report = care_gaps(source, pid, as_of=date(1970, 1, 1))
    assert report.age is None and {g.status for g in report.gaps} == {"not_applicable"}
    assert report.gaps[0].reason == "the as-of date is before the patient's birth (1975-10-12)"
