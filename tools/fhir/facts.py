"""Patient facts as :class:`Evidence` lists, one function per kind of fact, on any source.

Every function returns lines in a fixed order (dates, then citation keys), so the same record gives
the same answer whether it sits in a local bundle or on a FHIR server.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from medcite.core.citation_keys import absence_key
from medcite.core.errors import InputError
from medcite.core.evidence import AbsenceFact, Evidence, NoteFact, ObservationFact
from medcite.core.vocabulary import find_observation_name
from medcite.tools.fhir import render
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.lookups import is_finding, observation_target, status_codes
from medcite.tools.fhir.notes import patient_notes
from medcite.tools.fhir.query import SearchQuery
from medcite.tools.fhir.source import FhirSource

Resource = dict[str, Any]
TIMELINE_TYPES = (
    "Encounter",
    "Condition",
    "MedicationRequest",
    "Procedure",
    "Immunization",
    "AllergyIntolerance",
    "Observation",
)
CATEGORY_ORDER = ("vital-signs", "laboratory")


def absent(resource_type: str, what: str, searched: str, *slug: str | date | None) -> Evidence:
    """A citable "none recorded" for a search that found nothing: key ``none:<slug>``, e.g.
    ``none:allergies``, ``none:medications-active``, ``none:observations-hba1c-since-2020-01-01``."""
    return Evidence(key=absence_key(*slug), fact=AbsenceFact(what=what, resource_type=resource_type, searched=searched))


def window_words(since: date | None, until: date | None) -> tuple[str, list[str | date | None]]:
    """(' from 2020-01-01 to 2021-01-01', slug parts) for a date window; empty for none."""
    words = (f" from {since}" if since else "") + (f" to {until}" if until else "")
    slug: list[str | date | None] = []
    if since:
        slug += ["since", since]
    if until:
        slug += ["until", until]
    return words, slug


def no_conditions(status: str) -> Evidence:
    return absent("Condition", f"{status} conditions", f"Condition, clinical status {status}", "conditions", status)


def no_medications(status: str) -> Evidence:
    return absent(
        "MedicationRequest", f"{status} medications", f"MedicationRequest, status {status}", "medications", status
    )


def no_allergies(status: str = "all") -> Evidence:
    qualifier = None if status == "all" else status
    what = "allergies or intolerances" if status == "all" else f"{status} allergies or intolerances"
    return absent("AllergyIntolerance", what, f"AllergyIntolerance, clinical status {status}", "allergies", qualifier)


_WINDOW_KINDS = {
    "Immunization": "immunizations",
    "Encounter": "encounters",
    "Procedure": "procedures",
    "CarePlan": "care plans",
    "Goal": "goals",
    "Device": "devices",
    "MedicationAdministration": "medication administrations",
    "entries": "entries",
}


def nothing_in_window(
    resource_type: str, since: date | None = None, until: date | None = None, encounter_class: str | None = None
) -> Evidence:
    """Nothing of ``resource_type`` ('entries': nothing at all) in the window (of one encounter class)."""
    kind = _WINDOW_KINDS[resource_type]
    words, slug = window_words(since, until)
    searched = ("every dated resource" if resource_type == "entries" else resource_type) + (
        f", class {encounter_class}" if encounter_class else ""
    )
    searched += words or ", all dates"
    what = (f"{encounter_class} " if encounter_class else "") + kind + words
    rtype = resource_type if resource_type != "entries" else "any"
    return absent(rtype, what, searched, kind, encounter_class, *slug)


def no_observations(code_or_name: str, since: date | None = None, until: date | None = None) -> Evidence:
    known = find_observation_name(code_or_name)
    name = known.name if known else code_or_name
    target = observation_target(code_or_name)
    words, slug = window_words(since, until)
    codes = ", ".join(target.codes) if target.codes else f"text {target.text!r}"
    what, searched = f"{target.label} results{words}", f"Observation, {codes}{words}"
    return absent("Observation", what, searched, "observations", name, *slug)


def no_results(category: str = "all") -> Evidence:
    qualifier = None if category == "all" else category
    what = "results" if category == "all" else f"{category} results"
    return absent("Observation", what, f"Observation, category {category}", "results", qualifier)


def resolver(source: FhirSource) -> render.Resolve:
    """``Type/id`` -> resource, remembering answers (reason and medication references repeat)."""
    seen: dict[str, Resource | None] = {}

    def resolve(key: str) -> Resource | None:
        if key not in seen:
            rtype, _, rid = key.partition("/")
            seen[key] = source.read(rtype, rid)
        return seen[key]

    return resolve


def _search(source: FhirSource, resource_type: str, patient_id: str, **criteria: Any) -> list[Resource]:
    return source.search(SearchQuery(resource_type=resource_type, patient=patient_id, **criteria))


def demographics(source: FhirSource, patient_id: str, as_of: date | None = None) -> list[Evidence]:
    found = source.read("Patient", patient_id)
    if found is None:
        raise InputError(f"Patient/{patient_id} is not in {source.description}")
    return [render.patient(found, as_of or date.today())]


def conditions(source: FhirSource, patient_id: str, status: str = "active") -> list[Evidence]:
    """Problems by clinical status: 'active', 'resolved' or 'all' (oldest onset first)."""
    found = _search(source, "Condition", patient_id, statuses=status_codes("Condition", status))
    return [render.condition(r) for r in found]


def problems_and_findings(
    source: FhirSource, patient_id: str, status: str = "active"
) -> tuple[list[Evidence], list[Evidence]]:
    """Conditions by clinical status, split by SNOMED semantic tag: (problems, social and situational
    findings), each oldest onset first."""
    found = _search(source, "Condition", patient_id, statuses=status_codes("Condition", status))
    problems = [render.condition(r) for r in found if not is_finding(r)]
    return problems, [render.condition(r) for r in found if is_finding(r)]


def no_problems(status: str) -> Evidence:
    """No condition of this status other than findings and situations (those have their own section)."""
    what = f"{status} problems (conditions other than findings and situations)"
    searched = f"Condition, clinical status {status}, not coded as a finding or situation"
    return absent("Condition", what, searched, "problems", status)


def no_findings() -> Evidence:
    return absent(
        "Condition", "social or situational findings", "Condition coded as a finding or situation", "findings"
    )


def medications(source: FhirSource, patient_id: str, status: str = "active") -> list[Evidence]:
    """Medication requests by status: 'active', 'stopped' or 'all' (oldest first)."""
    found = _search(source, "MedicationRequest", patient_id, statuses=status_codes("MedicationRequest", status))
    resolve = resolver(source)
    return [render.medication(r, resolve) for r in found]


def allergies(source: FhirSource, patient_id: str, status: str = "all") -> list[Evidence]:
    found = _search(
        source,
        "AllergyIntolerance",
        patient_id,
        statuses=status_codes("AllergyIntolerance", status),
    )
    return [render.allergy(r) for r in found]


def immunizations(
    source: FhirSource, patient_id: str, since: date | None = None, until: date | None = None
) -> list[Evidence]:
    """Every immunization in the window, newest first."""
    found = _search(source, "Immunization", patient_id, date_ge=since, date_le=until, newest_first=True)
    return [render.immunization(r) for r in found]


def latest_immunizations(source: FhirSource, patient_id: str) -> list[Evidence]:
    """The latest dose of each vaccine, citing its earlier doses (newest first)."""
    found = _search(source, "Immunization", patient_id, newest_first=True)
    return [render.immunization(group[0], earlier=group[1:]) for group in _group_by_code(found).values()]


def _recent(
    source: FhirSource,
    patient_id: str,
    resource_type: str,
    draw: Callable[[Resource, render.Resolve], Evidence],
    since: date | None,
    until: date | None,
    latest_n: int | None,
    categories: tuple[str, ...] = (),
) -> list[Evidence]:
    """Resources of one type in the window, newest first (the latest ``latest_n`` when given)."""
    found = _search(
        source, resource_type, patient_id, categories=categories, date_ge=since, date_le=until, newest_first=True
    )
    resolve = resolver(source)
    return [draw(r, resolve) for r in found[:latest_n]]


def encounters(
    source: FhirSource,
    patient_id: str,
    since: date | None = None,
    until: date | None = None,
    latest_n: int | None = None,
    encounter_class: str | None = None,
) -> list[Evidence]:
    """Encounters in the window (of one class: ``EMER``, ``IMP``, ``AMB``, ...), newest first (the latest
    ``latest_n`` when given)."""
    classes = (encounter_class,) if encounter_class else ()
    return _recent(source, patient_id, "Encounter", render.encounter, since, until, latest_n, classes)


def procedures(
    source: FhirSource,
    patient_id: str,
    since: date | None = None,
    until: date | None = None,
    latest_n: int | None = None,
) -> list[Evidence]:
    """Procedures in the window, newest first (the latest ``latest_n`` when given)."""
    return _recent(source, patient_id, "Procedure", render.procedure, since, until, latest_n)


def care_plans(source: FhirSource, patient_id: str, latest_n: int | None = None) -> list[Evidence]:
    """Care plans with their activities, active ones first, then newest first."""
    found = _search(source, "CarePlan", patient_id, newest_first=True)
    resolve = resolver(source)
    ordered = sorted(found, key=lambda r: r.get("status") != "active")  # stable: newest first within
    return [render.care_plan(r, resolve) for r in ordered[:latest_n]]


def goals(source: FhirSource, patient_id: str) -> list[Evidence]:
    return [render.generic(r) for r in _search(source, "Goal", patient_id)]


def devices(source: FhirSource, patient_id: str) -> list[Evidence]:
    return [render.generic(r) for r in _search(source, "Device", patient_id)]


def administrations(
    source: FhirSource,
    patient_id: str,
    since: date | None = None,
    until: date | None = None,
    latest_n: int | None = None,
) -> list[Evidence]:
    """Medications given (MedicationAdministration), newest first."""
    return _recent(source, patient_id, "MedicationAdministration", render.medication, since, until, latest_n)


def notes(
    source: FhirSource,
    patient_id: str,
    since: date | None = None,
    until: date | None = None,
    note_type: str | None = None,
    latest_n: int | None = None,
) -> list[Evidence]:
    """Every section of the notes written in the window (newest note first, sections in document order),
    of the latest ``latest_n`` notes when given."""
    found = patient_notes(source, patient_id, since, until, note_type)
    return [ev for note in found[:latest_n] for ev in render.note_sections(note)]


ASSESSMENT_WORDS = ("assessment", "plan", "impression")


def _assessment(sections: list[Evidence]) -> list[Evidence]:
    """A note's assessment and plan sections; else its first section (or the line saying it was not read)."""
    picked = [
        e
        for e in sections
        if isinstance(e.fact, NoteFact) and any(w in (e.fact.section or "").lower() for w in ASSESSMENT_WORDS)
    ]
    return picked or sections[:1]


def recent_assessments(source: FhirSource, patient_id: str, latest_n: int = 3) -> list[Evidence]:
    """The assessment and plan of each of the latest ``latest_n`` notes, newest first."""
    found = patient_notes(source, patient_id)[:latest_n]
    return [ev for note in found for ev in _assessment(render.note_sections(note))]


def no_notes(since: date | None = None, until: date | None = None, note_type: str | None = None) -> Evidence:
    words, slug = window_words(since, until)
    kind = f"{note_type} notes" if note_type else "clinical notes"
    searched = "DocumentReference and DiagnosticReport.presentedForm" + (f", type {note_type!r}" if note_type else "")
    return absent("DocumentReference", kind + words, searched + (words or ", all dates"), "notes", note_type, *slug)


def _code_key(res: Resource) -> str:
    for coding in rf.codes(res):
        if coding.code:
            return f"{coding.system or ''}|{coding.code}"
    return "text:" + (rf.concept_text(res.get("code")) or "")


def _group_by_code(newest_first: list[Resource]) -> dict[str, list[Resource]]:
    groups: dict[str, list[Resource]] = defaultdict(list)
    for res in newest_first:
        groups[_code_key(res)].append(res)
    return groups


def observations(
    source: FhirSource,
    patient_id: str,
    code_or_name: str,
    since: date | None = None,
    until: date | None = None,
    latest_n: int = 5,
) -> list[Evidence]:
    """Results for a LOINC code or a name ('hba1c', 'blood pressure', 'potassium'): the latest
    ``latest_n`` of each matching code, newest first; the newest line carries the trend."""
    target = observation_target(code_or_name)
    found = _search(
        source,
        "Observation",
        patient_id,
        codes=target.codes,
        text=target.text,
        date_ge=since,
        date_le=until,
        newest_first=True,
    )
    out: list[Evidence] = []
    for group in _group_by_code(found).values():
        shown = group[:latest_n]
        out.append(render.observation(shown[0], earlier=group[1:2]))
        out.extend(render.observation(r) for r in shown[1:])
    return out


def latest_results(
    source: FhirSource, patient_id: str, category: str | None = None, history: int = 2
) -> list[Evidence]:
    """The latest result of every observation code (vital signs, then labs, then the rest),
    each with up to ``history`` earlier values and the trend."""
    found = _search(
        source,
        "Observation",
        patient_id,
        categories=(category,) if category else (),
        newest_first=True,
    )
    lines = [render.observation(group[0], earlier=group[1 : 1 + history]) for group in _group_by_code(found).values()]

    def order(e: Evidence) -> tuple[int, str, str]:
        fact = e.fact
        assert isinstance(fact, ObservationFact)
        rank = CATEGORY_ORDER.index(fact.category) if fact.category in CATEGORY_ORDER else len(CATEGORY_ORDER)
        return rank, fact.code.display or "", e.key

    return sorted(lines, key=order)


def timeline(
    source: FhirSource,
    patient_id: str,
    since: date | None = None,
    until: date | None = None,
    types: tuple[str, ...] = TIMELINE_TYPES,
) -> list[Evidence]:
    """Everything dated in the window, oldest first: encounters, problems (by onset), prescriptions,
    procedures, immunizations, allergies and results."""
    resolve = resolver(source)
    dated: list[tuple[str, Evidence]] = []
    for rtype in types:
        for res in _search(source, rtype, patient_id, date_ge=since, date_le=until):
            line = render.render(res, resolve)
            span = rf.date_range(res)
            day = line.date or (span[0].date().isoformat() if span else "")
            dated.append((day, line))
    return [line for _, line in sorted(dated, key=lambda d: (d[0], d[1].key))]
