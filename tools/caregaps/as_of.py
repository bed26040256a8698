"""The as-of date: the day ages, intervals and "due" are computed for.

A date the user gives wins. Otherwise today, unless the record's last clinical activity is more than a
year before today: an old record is read as of its last activity, and the output says so.
"""

from __future__ import annotations

from datetime import date

from medcite.tools.caregaps.models import AsOf, RecordEntry
from medcite.tools.caregaps.record import Entry, PatientRecord
from medcite.tools.caregaps.rules import Span
from medcite.tools.fhir.source import FhirSource

# Entry types that show clinical activity; on the same day an encounter is named first.
ACTIVITY_TYPES = ("Encounter", "Procedure", "Observation", "DiagnosticReport", "Immunization", "MedicationRequest")
STALE_RECORD = Span(years=1)


def last_activity(record: PatientRecord) -> Entry | None:
    """The record's latest dated clinical entry (an encounter when several share the latest day)."""
    best: tuple[date, int, str, Entry] | None = None
    for rank, rtype in enumerate(ACTIVITY_TYPES):
        for e in record.entries(rtype):
            if e.void or e.day is None:
                continue
            candidate = (e.day, -rank, e.key, e)
            if best is None or candidate[:3] > best[:3]:
                best = candidate
    return best[3] if best else None


def resolve_as_of(record: PatientRecord, given: date | None = None, today: date | None = None) -> AsOf:
    """``given``; else today; else, for a record whose last activity is over a year old, that day."""
    if given is not None:
        return AsOf(day=given, basis="given")
    today = today or date.today()
    last = last_activity(record)
    if last is None or last.day is None or STALE_RECORD.after(last.day) >= today:
        return AsOf(day=today, basis="today")
    entry = RecordEntry(key=last.key, day=last.day, label=last.label)
    return AsOf(day=last.day, basis="last_activity", last_activity=entry)


def record_as_of(source: FhirSource, patient_id: str, given: date | None = None, today: date | None = None) -> AsOf:
    """The as-of date for one patient of a source (see :func:`resolve_as_of`)."""
    return resolve_as_of(PatientRecord(source, patient_id), given, today)
