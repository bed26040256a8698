"""The real Synthea bundles: complete loading, reference resolution, and a compact context that keeps
every active problem, active medication, allergy and latest result while using far fewer tokens."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from benchmarks.tokens import count_tokens
from medcite.core.evidence import ConditionFact, ObservationFact, PatientFact
from medcite.tools.fhir import LocalSource, facts, patient_sections, render_patient_context
from medcite.tools.fhir.formatting import format_number

AS_OF = date(2024, 1, 1)
MIN_TOKEN_RATIO = 10.0


def _raw_resources(bundle: Path) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in json.loads(bundle.read_text())["entry"]]


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for k, v in node.items() if k != "reference" for r in _references(v)]
    if isinstance(node, list):
        return [r for item in node for r in _references(item)]
    return []


@pytest.fixture(scope="module")
def whole_folder(synthea_bundles: list[Path]) -> LocalSource:
    return LocalSource.from_paths(synthea_bundles[0].parent)


def test_folder_loads_completely_with_every_reference_resolved(
    whole_folder: LocalSource, synthea_bundles: list[Path]
) -> None:
    report = whole_folder.report
    assert report.complete, report.excluded[:3]
    repeats = [i for i in report.issues if "identical content; read once" in i.message]
    assert report.issues == repeats  # shared Organization/Practitioner entries, each named as a warning
    assert len(whole_folder.patient_ids()) == len(synthea_bundles)
    keys = set()
    total = 0
    for bundle in synthea_bundles:
        for res in _raw_resources(bundle):
            keys.add(f"{res['resourceType']}/{res['id']}")
            total += 1
    assert report.resources == len(keys) == total - len(repeats)
    for key in keys:
        rtype, rid = key.split("/")
        loaded = whole_folder.read(rtype, rid)
        assert loaded is not None
        for ref in _references(loaded):
            assert not ref.startswith("urn:"), (key, ref)
            if not ref.startswith("#"):
                target_type, target_id = ref.split("/")
                assert whole_folder.read(target_type, target_id) is not None, (key, ref)


def test_conditions_match_the_manifest(whole_folder: LocalSource, shared_data: Path) -> None:
    manifest = shared_data / "fhir_synthea_r4" / "manifest.csv"
    bundles_dir = manifest.parent / "bundles"
    with manifest.open() as f:
        rows = list(csv.DictReader(f))
    assert rows
    for row in rows:
        bundle = json.loads((bundles_dir / row["file"]).read_text())
        patient_id = bundle["entry"][0]["resource"]["id"]
        shown = facts.conditions(whole_folder, patient_id, "all")
        assert len(shown) == int(row["n_Condition"]), row["file"]
        assert {e.fact.code.display for e in shown if isinstance(e.fact, ConditionFact)} == set(
            row["conditions"].split("; ")
        ), row["file"]
        patient = facts.demographics(whole_folder, patient_id, AS_OF)[0].fact
        assert isinstance(patient, PatientFact)
        assert patient.birth_date == row["birthDate"] and patient.gender == row["gender"]
        assert (patient.deceased is not None) == (row["deceased"] == "True")


def _latest_by_code(observations: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Independently of the code under test: the latest observation(s) of each code."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for obs in observations:
        coding = obs["code"]["coding"][0]
        groups[f"{coding['system']}|{coding['code']}"].append(obs)
    latest = {}
    for code, group in groups.items():
        newest = max(o["effectiveDateTime"] for o in group)
        latest[code] = [o for o in group if o["effectiveDateTime"] == newest]
    return latest


def test_compact_context_keeps_the_facts_with_ten_times_fewer_tokens(synthea_bundles: list[Path]) -> None:
    ratios = {}
    for bundle in synthea_bundles:
        raw = _raw_resources(bundle)
        source = LocalSource.from_paths(bundle)
        (patient_id,) = source.patient_ids()
        context = render_patient_context(source, patient_id, AS_OF)
        lines = {line.split("]", 1)[0][1:]: line for line in context.splitlines() if line.startswith("[")}

        def status(r: dict[str, Any]) -> str:
            return str(r["clinicalStatus"]["coding"][0]["code"])

        must_have = [r for r in raw if r["resourceType"] == "Condition" and status(r) == "active"]
        must_have += [r for r in raw if r["resourceType"] == "MedicationRequest" and r["status"] == "active"]
        must_have += [r for r in raw if r["resourceType"] == "AllergyIntolerance"]
        for res in must_have:
            key = f"{res['resourceType']}/{res['id']}"
            assert key in lines, (bundle.name, key)
        observations = [r for r in raw if r["resourceType"] == "Observation"]
        for code, newest in _latest_by_code(observations).items():
            present = [o for o in newest if f"Observation/{o['id']}" in lines]
            assert present, (bundle.name, code)
            obs = present[0]
            line = lines[f"Observation/{obs['id']}"]
            if "valueQuantity" in obs:
                assert f": {format_number(obs['valueQuantity']['value'])} " in line, line
            for comp in obs.get("component", []):
                assert f" {format_number(comp['valueQuantity']['value'])} " in line, line
        ratio = count_tokens(bundle.read_bytes()) / count_tokens(context)
        ratios[bundle.name] = ratio
    assert min(ratios.values()) >= MIN_TOKEN_RATIO, ratios


def test_sections_expose_evidence_for_the_summarizer(synthea_bundles: list[Path]) -> None:
    bundle = max(synthea_bundles, key=lambda p: p.stat().st_size)
    source = LocalSource.from_paths(bundle)
    (patient_id,) = source.patient_ids()
    sections = patient_sections(source, patient_id, AS_OF)
    assert sections.active_problems and sections.latest_results and sections.encounters
    results = [e.fact for e in sections.latest_results if isinstance(e.fact, ObservationFact)]
    a1c = next(f for f in results if f.code.code == "4548-4")
    value = a1c.single
    assert value is not None and value.number is not None and value.unit == "%" and a1c.category == "laboratory"
    line = a1c.render()
    assert a1c.date and a1c.date in line and format_number(value.number) in line
    keys = [e.key for e in sections.evidence()]
    assert len(keys) == len(set(keys))


def test_observation_search_window_and_order_on_real_data(synthea_bundles: list[Path]) -> None:
    bundle = max(synthea_bundles, key=lambda p: p.stat().st_size)
    source = LocalSource.from_paths(bundle)
    (patient_id,) = source.patient_ids()
    raw_a1c = sorted(
        (o["effectiveDateTime"][:10], o["valueQuantity"]["value"])
        for o in _raw_resources(bundle)
        if o["resourceType"] == "Observation" and o["code"]["coding"][0]["code"] == "4548-4"
    )
    assert len(raw_a1c) >= 3
    found = facts.observations(source, patient_id, "hemoglobin a1c", latest_n=50)
    assert [(e.date, e.fact.single.number) for e in found if isinstance(e.fact, ObservationFact) and e.fact.single] == (
        raw_a1c[::-1]
    )
    since, until = date.fromisoformat(raw_a1c[1][0]), date.fromisoformat(raw_a1c[-2][0])
    windowed = facts.observations(source, patient_id, "4548-4", since=since, until=until)
    assert [e.date for e in windowed] == [d for d, _ in raw_a1c[1:-1]][::-1][:5]
    timeline = facts.timeline(source, patient_id, since=since, until=until)
    dates = [e.date or "" for e in timeline]
    assert dates == sorted(dates) and since.isoformat() <= dates[0] and dates[-1] <= until.isoformat()
