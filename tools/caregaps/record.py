"""The patient's record as the care-gap rules read it: dated, coded entries from any ``FhirSource``.

Each resource type is searched once per patient; entries keep the calendar day written in the record
(``2019-06-25``), their codes (``system|code``), a coded or numeric value and a status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from medcite.core.vocabulary import normalize_name
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.fhir_dates import day_of
from medcite.tools.fhir.formatting import clean_text
from medcite.tools.fhir.query import SearchQuery
from medcite.tools.fhir.source import FhirSource

Resource = dict[str, Any]
# Statuses that mean nothing was done, or the entry is void.
VOID_STATUS = frozenset(
    {"entered-in-error", "cancelled", "not-done", "stopped-before-start", "refuted", "revoked", "draft"}
)
ACTIVE_CONDITION = frozenset({"active", "recurrence", "relapse"})
ACTIVE_MEDICATION = frozenset({"active", "intended"})
MEDICATION_TYPES = frozenset({"MedicationRequest", "MedicationStatement", "MedicationAdministration"})
_DATE_FIELDS = {
    "Condition": ("onsetDateTime", "onsetPeriod", "recordedDate"),
    "MedicationRequest": ("authoredOn",),
    "MedicationStatement": ("effectiveDateTime", "effectivePeriod", "dateAsserted"),
    "MedicationAdministration": ("effectiveDateTime", "effectivePeriod"),
    "ImagingStudy": ("started",),
    "CarePlan": ("period", "created"),
}
_MEDICATION_CODE = ("medicationCodeableConcept",)


def calendar_day(value: Any) -> date | None:
    """The calendar day written in a FHIR date, dateTime or Period start (``2019-06-25T10:00:00-04:00`` -> that day)."""
    text = day_of(value)
    if text is None or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Entry:
    """One dated record entry: what the rules compare and what a care-gap line cites."""

    key: str
    resource_type: str
    day: date | None
    label: str
    codes: frozenset[str]
    status: str | None = None
    number: float | None = None
    value_codes: frozenset[str] = frozenset()
    value_day: date | None = None
    end: date | None = None  # Condition abatement

    @property
    def void(self) -> bool:
        return self.status in VOID_STATUS


def _codes_of(values: list[Any]) -> frozenset[str]:
    return frozenset(f"{c.system or ''}|{c.code}" for v in values for c in rf.codings_of(v) if c.code)


def _label(concepts: list[Any], fallback: str) -> str:
    for concept in concepts:
        text = rf.concept_text(concept)
        if text:
            return clean_text(text, 120)
    return fallback


def _number(res: Resource) -> float | None:
    if isinstance(res.get("valueQuantity"), dict) and res["valueQuantity"].get("value") is not None:
        return float(res["valueQuantity"]["value"])
    if isinstance(res.get("valueInteger"), int) and not isinstance(res.get("valueInteger"), bool):
        return float(res["valueInteger"])
    return None


@dataclass
class PatientRecord:
    """Lazy, cached access to one patient's entries by resource type."""

    source: FhirSource
    patient_id: str
    _cache: dict[str, list[Entry]] = field(default_factory=dict)
    _patient: Resource | None = None

    @property
    def patient(self) -> Resource:
        if self._patient is None:
            self._patient = self.source.read("Patient", self.patient_id) or {}
        return self._patient

    def entries(self, resource_type: str) -> list[Entry]:
        """Every entry of one type, oldest first (undated first), void ones included."""
        if resource_type not in self._cache:
            found = self.source.search(SearchQuery(resource_type=resource_type, patient=self.patient_id))
            entries = [self._entry(res) for res in found]
            self._cache[resource_type] = sorted(entries, key=lambda e: (e.day or date.min, e.key))
        return self._cache[resource_type]

    def _medication_concepts(self, res: Resource) -> list[Any]:
        concepts = [res.get(k) for k in _MEDICATION_CODE if res.get(k)]
        ref = res.get("medicationReference")
        if isinstance(ref, dict):
            target = rf.reference_target(ref.get("reference", ""))
            linked = self.source.read(*target) if target else None
            if linked and linked.get("code"):
                concepts.append(linked["code"])
            elif ref.get("display"):
                concepts.append({"text": ref["display"]})
        return concepts

    def _entry(self, res: Resource) -> Entry:
        rtype = str(res.get("resourceType"))
        key = rf.resource_key(res)
        if rtype in MEDICATION_TYPES:
            concepts = self._medication_concepts(res)
        else:
            spec = rf.type_spec(rtype).code
            concepts = [v for p in (spec.paths if spec else ("code",)) for v in rf.values_at(res, p)]
        raw_date = next((res[f] for f in _DATE_FIELDS.get(rtype, ()) if res.get(f)), None) or rf.date_value(res)
        verification = next((c.code for c in rf.codings_of(res.get("verificationStatus")) if c.code), None)
        status = verification if verification in VOID_STATUS else rf.status(res) or res.get("status")
        return Entry(
            key=key,
            resource_type=rtype,
            day=calendar_day(raw_date),
            label=_label(concepts, rtype),
            codes=_codes_of(concepts),
            status=str(status) if status else None,
            number=_number(res),
            value_codes=_codes_of([res.get("valueCodeableConcept")]),
            value_day=calendar_day(res.get("valueDateTime")),
            end=calendar_day(res.get("abatementDateTime") or res.get("abatementPeriod")),
        )


def name_matches(entry: Entry, names: tuple[str, ...]) -> bool:
    """Whether one of ``names`` appears as whole words in the entry's label (case and punctuation ignored)."""
    label = f" {normalize_name(entry.label)} "
    return any(re.search(rf"(?<![a-z0-9]){re.escape(normalize_name(n))}(?![a-z0-9])", label) for n in names)
