"""Gold answers on the real Synthea bundles, cross-checked by reading the bundle JSON again in the test."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from medcite.evals.fhir.gold import generate_tasks
from medcite.evals.fhir.tasks import NOT_IN_RECORD, FhirTask, read_tasks, write_tasks


@pytest.fixture(scope="module")
def tasks(synthea_bundles: list[Path]) -> list[FhirTask]:
    return generate_tasks(synthea_bundles)


def _resources(path: Path) -> list[dict[str, Any]]:
    return [e["resource"] for e in json.loads(path.read_text())["entry"]]


def _task(tasks: list[FhirTask], bundle_prefix: str, kind: str) -> FhirTask:
    return next(t for t in tasks if t.bundle.name.startswith(bundle_prefix) and t.kind == kind)


def test_task_set_size_and_kinds(tasks: list[FhirTask], synthea_bundles: list[Path]) -> None:
    assert len(tasks) >= 100
    kinds = Counter(t.kind for t in tasks)
    for kind in ("latest_lab", "active_med_count", "condition_active", "last_encounter", "allergy_list", "trend"):
        assert kinds[kind] >= 1, kind
    assert sum(n for k, n in kinds.items() if k.startswith("absent")) >= 20
    assert {t.bundle for t in tasks} == set(synthea_bundles)
    assert len({t.id for t in tasks}) == len(tasks)
    for t in tasks:
        if t.gold.in_record:
            assert t.gold.resource_keys, t.id
        else:
            assert t.gold.value == NOT_IN_RECORD and not t.gold.resource_keys


def test_every_gold_key_is_a_resource_of_its_bundle(tasks: list[FhirTask]) -> None:
    keys_by_bundle = {b: {f"{r['resourceType']}/{r['id']}" for r in _resources(b)} for b in {t.bundle for t in tasks}}
    for t in tasks:
        assert set(t.gold.resource_keys) <= keys_by_bundle[t.bundle], t.id


def test_allergy_list_matches_the_bundle(tasks: list[FhirTask]) -> None:
    task = _task(tasks, "Kermit_Trantow", "allergy_list")
    allergies = [r for r in _resources(task.bundle) if r["resourceType"] == "AllergyIntolerance"]
    assert sorted(task.gold.value) == sorted(a["code"]["text"] for a in allergies)
    assert sorted(task.gold.value) == ["Allergy to bee venom", "Allergy to peanuts", "Shellfish allergy"]


def test_active_medication_count_matches_the_bundle(tasks: list[FhirTask]) -> None:
    for prefix, expected in [("Mafalda_Turcotte", 4), ("Cammy_Kreiger", 0), ("Alberto_Atencio", 2)]:
        task = _task(tasks, prefix, "active_med_count")
        meds = [r for r in _resources(task.bundle) if r["resourceType"] == "MedicationRequest"]
        assert task.gold.value == sum(1 for m in meds if m["status"] == "active") == expected


def test_latest_lab_value_and_date_match_the_bundle(tasks: list[FhirTask]) -> None:
    labs = [t for t in tasks if t.kind == "latest_lab"]
    assert len(labs) >= 26
    for task in labs[::7]:
        (key,) = task.gold.resource_keys
        obs = {f"Observation/{r['id']}": r for r in _resources(task.bundle) if r["resourceType"] == "Observation"}
        chosen = obs[key]
        code = chosen["code"]["coding"][0]["code"]
        same_code = [o for o in obs.values() if o["code"]["coding"][0]["code"] == code]
        newest = max(o["effectiveDateTime"] for o in same_code)
        assert chosen["effectiveDateTime"] == newest
        assert task.gold.value == chosen["valueQuantity"]["value"]
        assert task.gold.unit == chosen["valueQuantity"]["unit"]
        assert task.gold.date == newest[:10]


def test_condition_status_matches_the_bundle(tasks: list[FhirTask]) -> None:
    for task in [t for t in tasks if t.kind == "condition_active"][:12]:
        name = task.question.split('"')[1]
        conds = [r for r in _resources(task.bundle) if r["resourceType"] == "Condition" and r["code"]["text"] == name]
        active = any(c["clinicalStatus"]["coding"][0]["code"] == "active" for c in conds)
        assert task.gold.value == ("yes" if active else "no"), task.id


def test_absent_tasks_really_are_absent(tasks: list[FhirTask]) -> None:
    for task in [t for t in tasks if t.kind == "absent_encounter"]:
        kind = task.question.split("most recent ")[1].split(" encounter")[0]
        cls = {"emergency": "EMER", "inpatient": "IMP", "ambulatory": "AMB"}[kind]
        encounters = [r for r in _resources(task.bundle) if r["resourceType"] == "Encounter"]
        assert not [e for e in encounters if e["class"]["code"] == cls], task.id
    for task in [t for t in tasks if t.kind == "absent_allergy"]:
        assert not [r for r in _resources(task.bundle) if r["resourceType"] == "AllergyIntolerance"]


def test_trend_direction_matches_the_last_two_values(tasks: list[FhirTask]) -> None:
    for task in [t for t in tasks if t.kind == "trend"][:8]:
        obs = {f"Observation/{r['id']}": r for r in _resources(task.bundle) if r["resourceType"] == "Observation"}
        old, new = (obs[k]["valueQuantity"]["value"] for k in task.gold.resource_keys)
        change = (new - old) / old
        expected = "stable" if abs(change) <= 0.02 else ("increasing" if change > 0 else "decreasing")
        assert task.gold.value == expected, task.id


def test_tasks_round_trip_through_jsonl(tasks: list[FhirTask], tmp_path: Path) -> None:
    path = write_tasks(tasks[:20], tmp_path / "tasks.jsonl")
    assert read_tasks(path) == tasks[:20]
