"""A small hand-written patient record (transaction Bundle with urn:uuid references) for unit tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
PID = "p1"


def _ref(rid: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{rid}"}


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _obs(
    rid: str,
    code: str,
    display: str,
    when: str,
    value: float | None,
    unit: str,
    category: str = "laboratory",
    components: list[tuple[str, str, float]] | None = None,
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": category}]}
        ],
        "code": _concept(LOINC, code, display),
        "subject": _ref(PID),
        "effectiveDateTime": when,
    }
    if value is not None:
        res["valueQuantity"] = {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    for c_code, c_display, c_value in components or []:
        res.setdefault("component", []).append(
            {
                "code": _concept(LOINC, c_code, c_display),
                "valueQuantity": {"value": c_value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
            }
        )
    return res


def resources() -> list[dict[str, Any]]:
    clinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    return [
        {
            "resourceType": "Patient",
            "id": PID,
            "name": [{"given": ["Ada"], "family": "Lovelace"}],
            "gender": "female",
            "birthDate": "1960-05-20",
            "address": [{"city": "Boston", "state": "MA", "country": "US"}],
        },
        {
            "resourceType": "Encounter",
            "id": "e1",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "type": [_concept(SNOMED, "185349003", "Check up")],
            "subject": _ref(PID),
            "period": {"start": "2020-01-10T09:00:00+00:00", "end": "2020-01-10T09:30:00+00:00"},
        },
        {
            "resourceType": "Encounter",
            "id": "e2",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
            "type": [_concept(SNOMED, "32485007", "Hospital admission")],
            "subject": _ref(PID),
            "reasonCode": [_concept(SNOMED, "38341003", "Hypertension")],
            "period": {"start": "2021-06-01T10:00:00+00:00", "end": "2021-06-04T12:00:00+00:00"},
        },
        {
            "resourceType": "Condition",
            "id": "c1",
            "subject": _ref(PID),
            "encounter": _ref("e1"),
            "clinicalStatus": {"coding": [{"system": clinical, "code": "active"}]},
            "verificationStatus": {"coding": [{"code": "confirmed"}]},
            "code": _concept(SNOMED, "44054006", "Diabetes"),
            "onsetDateTime": "2015-03-01T00:00:00+00:00",
        },
        {
            "resourceType": "Condition",
            "id": "c2",
            "subject": _ref(PID),
            "clinicalStatus": {"coding": [{"system": clinical, "code": "resolved"}]},
            "code": _concept(SNOMED, "444814009", "Viral sinusitis"),
            "onsetDateTime": "2019-02-01T00:00:00+00:00",
            "abatementDateTime": "2019-02-15T00:00:00+00:00",
        },
        {
            "resourceType": "Medication",
            "id": "m1",
            "code": _concept("http://www.nlm.nih.gov/research/umls/rxnorm", "860975", "Metformin 500 MG"),
        },
        {
            "resourceType": "MedicationRequest",
            "id": "mr1",
            "status": "active",
            "intent": "order",
            "medicationReference": _ref("m1"),
            "subject": _ref(PID),
            "authoredOn": "2015-03-01",
            "reasonReference": [_ref("c1")],
            "dosageInstruction": [
                {
                    "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                    "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
                }
            ],
        },
        {
            "resourceType": "MedicationRequest",
            "id": "mr2",
            "status": "stopped",
            "intent": "order",
            "medicationCodeableConcept": _concept(
                "http://www.nlm.nih.gov/research/umls/rxnorm", "313782", "Acetaminophen 325 MG"
            ),
            "subject": _ref(PID),
            "authoredOn": "2019-02-01",
        },
        {
            "resourceType": "AllergyIntolerance",
            "id": "a1",
            "patient": _ref(PID),
            "type": "allergy",
            "category": ["food"],
            "criticality": "high",
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "code": _concept(SNOMED, "91935009", "Allergy to peanuts"),
            "recordedDate": "2010-04-02",
            "reaction": [{"manifestation": [_concept(SNOMED, "271807003", "Rash")], "severity": "moderate"}],
        },
        {
            "resourceType": "Immunization",
            "id": "i1",
            "status": "completed",
            "patient": _ref(PID),
            "vaccineCode": _concept("http://hl7.org/fhir/sid/cvx", "140", "Influenza"),
            "occurrenceDateTime": "2020-01-10T09:00:00+00:00",
        },
        {
            "resourceType": "Immunization",
            "id": "i2",
            "status": "completed",
            "patient": _ref(PID),
            "vaccineCode": _concept("http://hl7.org/fhir/sid/cvx", "140", "Influenza"),
            "occurrenceDateTime": "2021-01-12T09:00:00+00:00",
        },
        {
            "resourceType": "Procedure",
            "id": "pr1",
            "status": "completed",
            "subject": _ref(PID),
            "code": _concept(SNOMED, "73761001", "Colonoscopy"),
            "reasonReference": [_ref("c1")],
            "performedPeriod": {"start": "2020-01-10T09:00:00+00:00", "end": "2020-01-10T10:00:00+00:00"},
        },
        _obs("o1", "4548-4", "Hemoglobin A1c", "2019-01-05T08:00:00+00:00", 7.9, "%"),
        _obs("o2", "4548-4", "Hemoglobin A1c", "2020-01-10T08:00:00+00:00", 7.1, "%"),
        _obs("o3", "4548-4", "Hemoglobin A1c", "2021-06-02T08:00:00+00:00", 6.4, "%"),
        _obs("o4", "6298-4", "Potassium", "2021-06-02T08:00:00+00:00", 4.25, "mmol/L"),
        _obs(
            "o5",
            "55284-4",
            "Blood Pressure",
            "2020-01-10T09:05:00+00:00",
            None,
            "mm[Hg]",
            "vital-signs",
            [("8462-3", "Diastolic Blood Pressure", 82), ("8480-6", "Systolic Blood Pressure", 141)],
        ),
        _obs(
            "o6",
            "55284-4",
            "Blood Pressure",
            "2021-06-01T10:05:00+00:00",
            None,
            "mm[Hg]",
            "vital-signs",
            [("8462-3", "Diastolic Blood Pressure", 78), ("8480-6", "Systolic Blood Pressure", 128)],
        ),
    ]


def bundle(bundle_type: str = "transaction") -> dict[str, Any]:
    entries = []
    for res in copy.deepcopy(resources()):
        entry: dict[str, Any] = {"fullUrl": f"urn:uuid:{res['id']}", "resource": res}
        if bundle_type in ("transaction", "batch"):
            entry["request"] = {"method": "POST", "url": res["resourceType"]}
        entries.append(entry)
    return {"resourceType": "Bundle", "type": bundle_type, "entry": entries}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path
