"""Synopsis evidence: most salient first, within the default token budget of the embedded model's tokenizer.

The heart-failure record is a real Synthea bundle (atrial fibrillation on warfarin and digoxin, prediabetes,
31 kinds of result) with a heart-failure episode added: the condition, two ejection fractions, an NT-proBNP,
an echocardiogram, and two abnormal labs unrelated to the problems. None of the 26 Synthea bundles holds
heart failure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.tokens import count_tokens
from medcite.agent.evidence_block import PROMPT_TOKENS_PER_8K, fit_evidence
from medcite.agent.problem_links import missing_linked_results
from medcite.agent.prompts import load_prompt
from medcite.agent.synopsis_evidence import synopsis_evidence
from medcite.core.evidence import ConditionFact, Evidence, ObservationFact, with_history
from medcite.tools.fhir import open_source, patient_sections
from tests.conftest import SYNTHEA_DIR

MAFALDA = SYNTHEA_DIR / "Mafalda_Turcotte_80833fb2-95c1-4f5b-ab5e-26230287ee61.json"
LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def _entry(resource: dict[str, Any], subject: str) -> dict[str, Any]:
    resource = {**resource, "subject": {"reference": subject}}
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource, "request": {"method": "POST"}}


def _observation(rid: str, code: str, display: str, category: str, day: str, value: float, unit: str,
                 low: float | None = None, high: float | None = None, flag: str | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation", "id": rid, "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display},
        "effectiveDateTime": f"{day}T09:00:00+00:00",
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
    }
    if low is not None or high is not None:
        res["referenceRange"] = [{"low": {"value": low, "unit": unit}, "high": {"value": high, "unit": unit}}]
    if flag:
        res["interpretation"] = [{"coding": [{"code": flag}]}]
    return res


HEART_FAILURE = [
    {"resourceType": "Condition", "id": "hf-0000-0000-0000-000000000001",
     "clinicalStatus": {"coding": [{"code": "active"}]},
     "code": {"coding": [{"system": SNOMED, "code": "88805009", "display": "Chronic congestive heart failure"}]},
     "onsetDateTime": "2020-03-11T09:00:00+00:00"},
    _observation("hf-0000-0000-0000-000000000002", "10230-1", "Left ventricular Ejection fraction", "imaging",
                 "2020-03-11", 38.0, "%", 52, 72),
    _observation("hf-0000-0000-0000-000000000003", "10230-1", "Left ventricular Ejection fraction", "imaging",
                 "2021-03-17", 31.0, "%", 52, 72),
    _observation("hf-0000-0000-0000-000000000004", "33762-6", "NT-proBNP", "laboratory",
                 "2021-03-17", 1450.0, "pg/mL", None, 125, "H"),
    {"resourceType": "Procedure", "id": "hf-0000-0000-0000-000000000005", "status": "completed",
     "code": {"coding": [{"system": SNOMED, "code": "40701008", "display": "Echocardiography (procedure)"}]},
     "performedPeriod": {"start": "2021-03-17T09:00:00+00:00", "end": "2021-03-17T09:40:00+00:00"}},
    _observation("hf-0000-0000-0000-000000000006", "2276-4", "Ferritin", "laboratory", "2021-03-17",
                 8.0, "ng/mL", 15, 150),
    _observation("hf-0000-0000-0000-000000000007", "19123-9", "Magnesium", "laboratory", "2021-03-17",
                 1.2, "mg/dL", None, None, "L"),
]
LVEF_BEFORE, LVEF, NTPROBNP, ECHO, FERRITIN, MAGNESIUM = (f"{r['resourceType']}/{r['id']}" for r in HEART_FAILURE[1:])


@pytest.fixture(scope="module")
def heart_failure(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bundle = json.loads(MAFALDA.read_text())
    subject = next(e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    bundle["entry"] += [_entry(r, subject) for r in HEART_FAILURE]
    path = tmp_path_factory.mktemp("hf") / "heart_failure.json"
    path.write_text(json.dumps(bundle))
    return path


def synopsis_block(path: Path) -> tuple[list[Evidence], list[str]]:
    """The synopsis candidates and the keys shown, as the draft node builds them for the embedded model."""
    source = open_source(path)
    pid = source.patient_ids()[0]
    sections = patient_sections(source, pid)
    items = with_history(sections.evidence() + missing_linked_results(source, pid, sections))
    fixed = sum(count_tokens(load_prompt(p)) for p in ("system", "synopsis", "draft_json")) + 24
    block = fit_evidence(synopsis_evidence(items), PROMPT_TOKENS_PER_8K - fixed, count_tokens, handles=True)
    assert fixed + block.size <= PROMPT_TOKENS_PER_8K
    return synopsis_evidence(items), block.keys


def test_heart_failure_results_come_first_and_fit(heart_failure: Path) -> None:
    ordered, shown = synopsis_block(heart_failure)
    keys = [e.key for e in ordered]
    assert {LVEF, LVEF_BEFORE, NTPROBNP, ECHO, FERRITIN, MAGNESIUM} <= set(shown)
    patient, allergies = keys[0], keys.index("none:allergies")
    problems = [i for i, e in enumerate(ordered) if isinstance(e.fact, ConditionFact) and "active" in e.text]
    medications = [i for i, k in enumerate(keys) if k.startswith("MedicationRequest/")][:4]
    assert patient.startswith("Patient/") and max(problems) < min(medications) and max(medications) < allergies
    # Results the problems call for, newest first; then their procedures; then the searches that found none.
    linked = ordered[allergies + 1 : keys.index(ECHO)]
    assert {LVEF, NTPROBNP} <= {e.key for e in linked} and all(isinstance(e.fact, ObservationFact) for e in linked)
    dates = [e.date or "" for e in linked]
    assert dates == sorted(dates, reverse=True)
    assert keys.index(ECHO) < keys.index("none:observations-heart-rate") < keys.index("none:observations-inr")
    # Then abnormal results (a flag, or outside the reference range), before every other result.
    others = [i for i, e in enumerate(ordered) if isinstance(e.fact, ObservationFact) and e not in linked]
    assert sorted(others)[:2] == sorted([keys.index(MAGNESIUM), keys.index(FERRITIN)])
    assert keys.index("none:observations-inr") < keys.index(MAGNESIUM)
    # The earlier ejection fraction is cited on the latest one's line, not shown as a line of its own.
    assert LVEF_BEFORE not in keys


def test_prompt_lines_are_compacted_from_the_facts(heart_failure: Path) -> None:
    ordered, _ = synopsis_block(heart_failure)
    line = next(e.text for e in ordered if e.key == LVEF)
    assert line == (
        f"[{LVEF}] 2021-03-17 Left ventricular Ejection fraction: 31 % (ref 52 %-72 %); "
        f"previous 38 % (2020-03-11) [{LVEF_BEFORE}]; trend falling"
    )
    blood_pressure = next(e for e in ordered if e.key.startswith("Observation/") and "Blood Pressure" in e.text)
    assert isinstance(blood_pressure.fact, ObservationFact) and len(blood_pressure.fact.earlier) == 1
    assert not any("SNOMED" in e.text or "LOINC" in e.text or "RxNorm" in e.text for e in ordered)
