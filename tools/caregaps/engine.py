"""The care-gap engine: which USPSTF A/B recommendations apply to a patient on a date, and their status.

Applicability reads age on the as-of date, sex and the criteria of each rule; status reads the latest
qualifying record entry and the interval one entry counts for. Everything dated after the as-of date
is ignored, so the answer for a past date is what the record showed then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from medcite.core.errors import InputError
from medcite.tools.caregaps.as_of import resolve_as_of
from medcite.tools.caregaps.checks import evaluate, matching
from medcite.tools.caregaps.models import GUIDELINE_PREFIX, AsOf, CareGap, CareGapReport, RecordEntry, Status
from medcite.tools.caregaps.record import ACTIVE_MEDICATION, MEDICATION_TYPES, Entry, PatientRecord, calendar_day
from medcite.tools.caregaps.rules import Recommendation, Rulebook, Satisfier, rulebook
from medcite.tools.fhir.source import FhirSource

PREGNANCY_CODES = "pregnancy"  # the code set whose latest Condition starts the current pregnancy
PREGNANT = "pregnant"  # the criterion that says a pregnancy is active


def age_in_years(birth: date, on: date) -> int:
    """Completed years on ``on`` (a 29 February birthday falls on 1 March in other years)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_in_months(birth: date, on: date) -> int:
    return (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)


def _entry(e: Entry) -> RecordEntry:
    return RecordEntry(key=e.key, day=e.day, label=e.label)


@dataclass(frozen=True)
class _Patient:
    birth: date | None
    sex: str | None
    deceased: date | None


def _patient(record: PatientRecord) -> _Patient:
    res = record.patient
    if not res:
        raise InputError(f"Patient/{record.patient_id} is not in {record.source.description}")
    deceased = calendar_day(res.get("deceasedDateTime"))
    return _Patient(calendar_day(res.get("birthDate")), res.get("gender"), deceased)


class _Evaluation:
    """One recommendation for one patient on one date."""

    def __init__(self, rec: Recommendation, record: PatientRecord, book: Rulebook, patient: _Patient, on: date):
        self.rec, self.record, self.book, self.patient, self.on = rec, record, book, patient, on
        self.used: list[Entry] = []

    def gap(self, status: Status, reason: str, **extra: object) -> CareGap:
        entries = list({e.key: e for e in self.used}.values())
        return CareGap(
            recommendation_id=self.rec.id,
            guideline_key=f"{GUIDELINE_PREFIX}{self.rec.passage}",
            title=self.rec.title,
            grade=self.rec.grade,
            status=status,
            reason=reason,
            evidence=tuple(_entry(e) for e in entries),
            as_of=self.on,
            **extra,  # type: ignore[arg-type]
        )

    def run(self) -> CareGap:
        rec, p, on = self.rec, self.patient, self.on
        if p.deceased is not None and p.deceased <= on:
            return self.gap("not_applicable", f"deceased {p.deceased.isoformat()}")
        if p.birth is None:
            return self.gap("unknown", "the record has no birth date", missing=("a birth date",))
        if on < p.birth:
            return self.gap("not_applicable", f"the as-of date is before the patient's birth ({p.birth.isoformat()})")
        age = age_in_years(p.birth, on)
        if rec.sex is not None and p.sex not in ("female", "male"):
            return self.gap("unknown", f"recommended for {rec.sex}s; sex is recorded as {p.sex or 'nothing'}",
                            missing=("sex",))
        if rec.sex is not None and p.sex != rec.sex:
            return self.gap("not_applicable", f"recommended for {'women' if rec.sex == 'female' else 'men'}")
        outside = self._outside_ages(p.birth, age)
        if outside:
            return self.gap("not_applicable", outside)
        for name in rec.excludes:
            found = evaluate(self.book.criteria[name], self.record, self.book, on)
            if found.holds:
                self.used += found.entries
                return self.gap("not_applicable", self.book.criteria[name].label)
        missing: list[str] = []
        for name in rec.requires:
            found = evaluate(self.book.criteria[name], self.record, self.book, on)
            self.used += found.entries
            if found.holds is False:
                return self.gap("not_applicable", f"not {self.book.criteria[name].label}")
            missing += found.missing
        if missing:
            return self.gap("unknown", f"the record does not show {'; '.join(missing)}", missing=tuple(missing))
        if rec.unrecorded:
            return self.gap("unknown", rec.unrecorded, missing=(f"whether {rec.title.lower()} was given",))
        return self._satisfaction(age)

    def _outside_ages(self, birth: date, age: int) -> str | None:
        rec, on = self.rec, self.on
        low, high = rec.ages
        too_young = age_in_months(birth, on) < low * 12 + (rec.min_age_months or 0)
        too_old = age > high or (rec.max_age_days is not None and (on - birth).days > rec.max_age_days)
        if not (too_young or too_old):
            return None
        span = f"{low}–{high}" if high < 100 else f"{low} and older"
        return f"age {age} on {on.isoformat()} is outside {span}"

    def _qualifying(self, sat: Satisfier) -> list[Entry]:
        entries = matching(self.record, self.book.code_sets[sat.codes], self.on)
        if sat.since_pregnancy:
            start = self._pregnancy_start()
            entries = [e for e in entries if start is not None and e.day is not None and e.day >= start]
        if sat.min_age_at_entry is not None and self.patient.birth is not None:
            birth, least = self.patient.birth, sat.min_age_at_entry
            entries = [e for e in entries if e.day is not None and age_in_years(birth, e.day) >= least]
        if sat.every is None:  # a medication counts only as a current prescription
            entries = [e for e in entries if e.resource_type not in MEDICATION_TYPES or e.status in ACTIVE_MEDICATION]
        return entries

    def _pregnancy_start(self) -> date | None:
        found = matching(self.record, self.book.code_sets[PREGNANCY_CODES], self.on)
        return found[-1].day if found else None

    def _satisfaction(self, age: int) -> CareGap:
        best: tuple[date, Entry, Satisfier] | None = None  # the entry that counts longest
        latest: tuple[Entry, Satisfier] | None = None
        sats = [
            s for s in self.rec.satisfied_by if s.patient_ages is None or s.patient_ages[0] <= age <= s.patient_ages[1]
        ]
        for sat in sats:
            entries = self._qualifying(sat)
            last = entries[-1] if entries else None
            if last is None or last.day is None:
                continue
            until = sat.every.after(last.day) if sat.every else date.max
            if best is None or until > best[0]:
                best = (until, last, sat)
            if latest is None or (last.day, last.key) > (latest[0].day or date.min, latest[0].key):
                latest = (last, sat)
        if best is not None and best[0] > self.on:
            until, last, sat = best
            self.used.append(last)
            next_due = None if until == date.max else until
            when = f"; next due {next_due.isoformat()}" if next_due else "; once is enough"
            return self.gap("up_to_date", f"{last.label} on {_iso(last.day)}{when}", last=_entry(last),
                            interval=_interval(sat), due_date=next_due)
        if latest is not None:
            last, sat = latest
            self.used.append(last)
            due_since = sat.every.after(last.day) if sat.every and last.day else None
            since = f", due since {due_since.isoformat()}" if due_since else ""
            return self.gap("due", f"last {last.label} on {_iso(last.day)}{since}", last=_entry(last),
                            interval=_interval(sat), due_date=due_since)
        labels = ", ".join(dict.fromkeys(self.book.code_sets[s.codes].label for s in sats))
        return self.gap("due", f"no {labels} in the record", interval=_interval(sats[0]) if sats else None)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "an unknown date"


def _interval(sat: Satisfier) -> str:
    return f"every {sat.every.text()}" if sat.every else "once"


def care_gaps(
    source: FhirSource,
    patient_id: str,
    as_of: date | AsOf | None = None,
    today: date | None = None,
    book: Rulebook | None = None,
) -> CareGapReport:
    """The status of every USPSTF A/B recommendation for one patient on the as-of date: ``as_of`` (a day,
    or an as-of already resolved), else today, or the record's last clinical activity when that is more
    than a year before today."""
    book = book or rulebook()
    record = PatientRecord(source, patient_id)
    patient = _patient(record)
    when = as_of if isinstance(as_of, AsOf) else resolve_as_of(record, as_of, today)
    gaps = tuple(_Evaluation(rec, record, book, patient, when.day).run() for rec in book.recommendations)
    pregnant = evaluate(book.criteria[PREGNANT], record, book, when.day).holds is True
    return CareGapReport(
        patient_id=patient_id,
        as_of=when,
        age=age_in_years(patient.birth, when.day) if patient.birth and patient.birth <= when.day else None,
        sex=patient.sex,
        pregnant=pregnant,
        rules_source=book.source,
        snapshot=book.snapshot,
        gaps=gaps,
    )

