"""The 14 notes bundles (QI-Core / US Core): every note section is citable evidence whose key resolves to its note,
section and date; the problem list follows the SNOMED semantic tags of the raw data; care plans, devices,
administrations and referenced medications are rendered. Expectations come from the raw JSON (evals.fhir.raw_*)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from medcite.agent.citations import resolve
from medcite.core.citation_keys import is_key
from medcite.core.evidence import CarePlanFact, Evidence, MedicationFact, NoteFact
from medcite.evals.fhir.raw_bundle import concept_text, read_bundle, resource_key, status_code
from medcite.evals.fhir.raw_notes import raw_notes
from medcite.tools.fhir import LocalSource, facts, patient_sections

pytestmark = pytest.mark.slow

AS_OF = date(2025, 8, 1)
FINDING_TAGS = {"finding", "situation"}
_TAG = re.compile(r"\(([a-z][a-z /\-]*)\)$")


def _words(text: str) -> str:
    return " ".join(text.replace("[", "(").replace("]", ")").split())


def _keys(items: list[Evidence], prefix: str) -> set[str]:
    return {e.key for e in items if e.key.startswith(prefix)}


def test_every_note_section_is_citable_and_resolves_to_its_note_section_and_date(notes_bundles: list[Path]) -> None:
    notes = sections = 0
    for path in notes_bundles:
        source = LocalSource.from_paths(path)
        pid = source.patient_ids()[0]
        by_key = {e.key: e for e in facts.notes(source, pid)}
        raw = raw_notes(read_bundle(path))
        expected = {n.section_key(h): (n, h, body) for n in raw for h, body in n.sections.items()}
        assert set(by_key) == set(expected), path.name
        cited = {c.key: c for c in resolve(list(by_key), by_key)}
        for key, (note, heading, body) in expected.items():
            fact, citation = by_key[key].fact, cited[key]
            assert is_key(key) and isinstance(fact, NoteFact)
            assert (citation.resource_type, citation.resource_id) == tuple(note.key.split("/"))
            assert (citation.section, citation.date, fact.written) == (heading, note.day, note.day)
            assert _words(fact.text) == _words(body), key
            assert fact.also_in and fact.also_in[0].startswith("DiagnosticReport/")  # the presentedForm twin
        notes += len(raw)
        sections += len(expected)
    assert (notes, sections) == (231, 1386)


def test_the_problem_list_and_the_findings_follow_the_snomed_semantic_tags(notes_bundles: list[Path]) -> None:
    split = {"problems": 0, "findings": 0}
    for path in notes_bundles:
        raw = read_bundle(path)
        by_group: dict[tuple[bool, bool], set[str]] = {}
        for cond in raw.of_type("Condition"):
            display = next(c["display"] for c in cond["code"]["coding"] if c["system"] == "http://snomed.info/sct")
            tag = _TAG.search(display)
            finding = bool(tag) and tag.group(1) in FINDING_TAGS  # type: ignore[union-attr]
            active = status_code(cond, "clinicalStatus") == "active"
            by_group.setdefault((finding, active), set()).add(resource_key(cond))
        source = LocalSource.from_paths(path)
        shown = patient_sections(source, source.patient_ids()[0], AS_OF)
        assert _keys(shown.active_problems, "Condition/") == by_group.get((False, True), set()), path.name
        assert _keys(shown.resolved_problems, "Condition/") == by_group.get((False, False), set()), path.name
        findings = by_group.get((True, True), set()) | by_group.get((True, False), set())
        assert _keys(shown.findings, "Condition/") == findings, path.name
        split["problems"] += len(by_group.get((False, True), set()) | by_group.get((False, False), set()))
        split["findings"] += len(findings)
    assert split == {"problems": 65, "findings": 167}


def test_the_summary_shows_the_latest_assessments_care_plans_devices_and_administrations(
    notes_bundles: list[Path],
) -> None:
    for path in notes_bundles:
        raw = read_bundle(path)
        source = LocalSource.from_paths(path)
        shown = patient_sections(source, raw.patient_id, AS_OF)
        latest = sorted(raw_notes(raw), key=lambda n: (n.instant, n.key), reverse=True)[:3]
        assert [e.key for e in shown.recent_notes] == [n.section_key("Assessment and Plan") for n in latest]
        plans = [e for e in shown.care_plans if isinstance(e.fact, CarePlanFact)]
        assert len(plans) == min(5, len(raw.of_type("CarePlan")))
        assert all(p.fact.activities or not raw.by_key[p.key].get("activity") for p in plans)  # type: ignore[union-attr]
        assert _keys(shown.devices, "Device/") == {resource_key(d) for d in raw.of_type("Device")}
        given = sorted(raw.of_type("MedicationAdministration"), key=lambda m: m["effectiveDateTime"], reverse=True)
        assert [e.key for e in shown.administrations if e.key.startswith("Medication")] == [
            resource_key(m) for m in given[:5]
        ]


def test_medication_references_are_resolved_to_the_medication(notes_bundles: list[Path]) -> None:
    checked = 0
    for path in notes_bundles:
        raw = read_bundle(path)
        source = LocalSource.from_paths(path)
        shown = {e.key: e for e in facts.medications(source, raw.patient_id, "all")}
        for request in raw.of_type("MedicationRequest"):
            ref = (request.get("medicationReference") or {}).get("reference", "")
            if not ref:
                continue
            medication = raw.by_key.get(ref.replace("urn:uuid:", "Medication/"))
            fact = shown[resource_key(request)].fact
            assert medication is not None and isinstance(fact, MedicationFact)
            assert fact.code.display == concept_text(medication["code"]) and fact.code.system_label == "RxNorm"
            checked += 1
    assert checked == 9
