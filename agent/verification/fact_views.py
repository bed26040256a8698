"""What the binding rules need from typed facts: text and codes to match concepts against, readings with their
numbers and dates, every date a fact carries, numbers written in its display, its status, its series.

Nothing here parses an evidence line: every value comes from a typed field of the fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from medcite.agent.verification.claims import Quantity, dates_in, quantities_in
from medcite.agent.verification.vocabulary import Lexicon, lexicon, phrases, text_map
from medcite.core.evidence import (
    AbsenceFact,
    AllergyFact,
    CareGapFact,
    CarePlanFact,
    ConditionFact,
    EncounterFact,
    Evidence,
    GuidelineFact,
    ImmunizationFact,
    MedicationFact,
    NoteFact,
    ObservationFact,
    PatientFact,
    ProcedureFact,
    ResourceFact,
    Value,
)

ACTIVE = frozenset({"active", "recurrence", "relapse", "on-hold", "draft", "intended"})
ENCOUNTER_CLASS_WORDS = {"EMER": "emergency", "IMP": "inpatient hospital admission", "AMB": "ambulatory outpatient"}
# How a care-gap status is put in words.
CARE_GAP_STATUS_WORDS = {
    "due": "due overdue",
    "up_to_date": "up to date current done",
    "unknown": "unknown not known",
    "not_applicable": "not applicable not recommended",
}


@dataclass(frozen=True)
class Point:
    """One number of a reading: a component when ``label`` is set ('Systolic Blood Pressure')."""

    number: float
    unit: str | None
    label: str | None


@dataclass(frozen=True)
class ReadingView:
    """One dated reading of an observation series: the cited line's own, or an earlier one with its key."""

    key: str
    date: str | None
    points: tuple[Point, ...]


def _points(values: Iterable[Value]) -> tuple[Point, ...]:
    return tuple(Point(v.number, v.unit, v.label) for v in values if v.number is not None)


def _code(system_label: str | None, code: str | None) -> set[str]:
    return {f"{(system_label or '').lower()}:{code}"} if code else set()


class FactView:
    """One cited (or gathered) fact, seen by the binding rules."""

    def __init__(self, key: str, evidence: Evidence, lex: Lexicon) -> None:
        self.key = key
        self.fact = evidence.fact
        self.kind: str = evidence.fact.kind
        self._lex = lex
        self._matches: dict[str, bool] = {}
        texts, codes = self._texts_and_codes()
        self.raw = " | ".join(t for t in texts if t)
        self.norm = text_map(self.raw).text
        self.words = frozenset(self.norm.split())
        self.codes = frozenset(codes)

    def _texts_and_codes(self) -> tuple[list[str], set[str]]:
        f = self.fact
        if isinstance(f, ObservationFact):
            labels = [v.label or "" for v in f.values]
            texts = [v.text for v in f.values if v.number is None]
            codes = _code(f.code.system_label, f.code.code) | {f"loinc:{v.code}" for v in f.values if v.code}
            return [f.code.display or "", *labels, *texts], codes
        if isinstance(f, MedicationFact):
            return [f.code.display or "", *f.reasons, f.dosage or ""], _code(f.code.system_label, f.code.code)
        if isinstance(f, ConditionFact | ImmunizationFact | ResourceFact):
            return [f.code.display or ""], _code(f.code.system_label, f.code.code)
        if isinstance(f, ProcedureFact):
            return [f.code.display or "", *f.reasons], _code(f.code.system_label, f.code.code)
        if isinstance(f, EncounterFact):
            cls = ENCOUNTER_CLASS_WORDS.get(f.encounter_class or "", "")
            return [f.code.display or "", *f.reasons, cls], _code(f.code.system_label, f.code.code)
        if isinstance(f, AllergyFact):
            parts = [f.code.display or "", *f.categories, f.allergy_type, f.criticality or "", *f.reactions]
            return parts, _code(f.code.system_label, f.code.code)
        if isinstance(f, PatientFact):
            return ["patient", f.gender or "", "deceased died death" if f.deceased else ""], set()
        if isinstance(f, AbsenceFact):
            return [f.what], set()
        if isinstance(f, GuidelineFact):
            return [f.title, f.issuer, f.section, f.excerpt, f.grade or ""], set()
        if isinstance(f, NoteFact):  # a note section: the record's own words
            return [f.note_type, f.section or "", f.text, f.unread or ""], _code("loinc", f.note_type_code)
        if isinstance(f, CarePlanFact):
            return [f.code.display or "", *f.addresses, *f.activities], _code(f.code.system_label, f.code.code)
        if isinstance(f, CareGapFact):
            entries = [e.label for e in (f.last, *f.used) if e is not None]
            words = [CARE_GAP_STATUS_WORDS[f.status], f.title, f.reason, f.interval or "", *f.missing, *entries]
            if f.status == "unknown" or (f.status == "due" and f.last is None):
                words += phrases().negation  # the status rests on what the record lacks: "no …", "without …"
            return [*words, "USPSTF recommendation", "preventive care"], set()
        return [], set()

    def matches(self, cid: str) -> bool:
        """Whether this fact is about concept ``cid`` (by code, name, abbreviation or class member)."""
        if cid not in self._matches:
            self._matches[cid] = self._lex.matches(cid, self.norm, self.raw, self.codes)
        return self._matches[cid]

    def names(self, concepts: Iterable[str]) -> bool:
        return any(self.matches(c) for c in concepts)

    @property
    def is_record(self) -> bool:
        return self.kind not in ("absence", "guideline")

    @cached_property
    def series(self) -> str:
        code = getattr(self.fact, "code", None)
        if code is None:
            return self.key
        return f"{self.kind}|{code.system or ''}|{code.code or code.display or ''}"

    @cached_property
    def readings(self) -> tuple[ReadingView, ...]:
        """Observation readings, newest first: this line's own, then the earlier ones it cites."""
        f = self.fact
        if not isinstance(f, ObservationFact):
            return ()
        own = ReadingView(self.key, f.effective, _points(f.values))
        return (own, *(ReadingView(r.key, r.date, _points(r.values)) for r in f.earlier))

    @cached_property
    def dates(self) -> tuple[str, ...]:
        """Every date the fact carries (for an immunization, its earlier doses too)."""
        f = self.fact
        out: list[str | None] = []
        if isinstance(f, ConditionFact):
            out = [f.onset, f.abatement]
        elif isinstance(f, MedicationFact):
            out = [f.authored]
        elif isinstance(f, AllergyFact):
            out = [f.recorded]
        elif isinstance(f, ImmunizationFact):
            out = [f.occurrence, *(r.date for r in f.earlier)]
        elif isinstance(f, EncounterFact | ProcedureFact):
            out = [f.start, f.end]
        elif isinstance(f, PatientFact):
            out = [f.birth_date, f.deceased if f.deceased and f.deceased[:1].isdigit() else None]
        elif isinstance(f, ObservationFact):
            out = [r.date for r in self.readings]
        elif isinstance(f, GuidelineFact | ResourceFact):
            out = [f.date]
        elif isinstance(f, CareGapFact):
            out = [f.as_of, f.due_date, *(e.date for e in (f.last, *f.used) if e is not None)]
        elif isinstance(f, NoteFact):  # the day it was written, and the dates its text states
            out = [f.written, *dates_in(f.text)]
        elif isinstance(f, CarePlanFact):
            out = [f.start, f.end]
        return tuple(d for d in out if d)

    @cached_property
    def label_numbers(self) -> tuple[Quantity, ...]:
        """Numbers written in the fact's names ('0-10' in a pain scale, '500 MG' in a drug, '23 valent')."""
        f = self.fact
        texts: list[str] = []
        code = getattr(f, "code", None)
        if code is not None and code.display:
            texts.append(code.display)
        if isinstance(f, MedicationFact) and f.dosage:
            texts.append(f.dosage)
        if isinstance(f, GuidelineFact):
            texts += [f.title, f.excerpt]
        if isinstance(f, CareGapFact):
            texts += [f.title, f.interval or "", f.reason]
        if isinstance(f, NoteFact):
            texts.append(f.text)
        if isinstance(f, CarePlanFact):
            texts += f.activities
        return tuple(q for t in texts for q in quantities_in(t))

    @property
    def active(self) -> bool | None:
        """True or False for a medication or problem (by its status), None for other facts."""
        f = self.fact
        if isinstance(f, MedicationFact):
            return f.status.lower() in ACTIVE
        if isinstance(f, ConditionFact):
            return f.clinical_status.lower() in ACTIVE
        return None

    @property
    def newest_date(self) -> str | None:
        return max(self.dates, default=None) if self.kind != "patient" else None


class EvidenceIndex:
    """All gathered evidence, as views made on demand, with the newest date of every series."""

    def __init__(self, evidence: Mapping[str, Evidence], lex: Lexicon | None = None) -> None:
        self.evidence = evidence
        self.lex = lex or lexicon()
        self._views: dict[str, FactView] = {}

    def view(self, key: str) -> FactView:
        if key not in self._views:
            self._views[key] = FactView(key, self.evidence[key], self.lex)
        return self._views[key]

    def views(self) -> list[FactView]:
        return [self.view(k) for k in self.evidence]

    @cached_property
    def newest(self) -> dict[str, str]:
        """Series -> the newest date any gathered fact of it carries."""
        out: dict[str, str] = {}
        for v in self.views():
            if v.is_record and v.kind != "patient" and v.dates:
                day = max(v.dates)
                if day > out.get(v.series, ""):
                    out[v.series] = day
        return out

    def naming(self, concepts: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
        """Keys of gathered record facts about any of ``concepts``, other than ``exclude``."""
        skip = set(exclude)
        wanted = list(concepts)
        return [v.key for v in self.views() if v.key not in skip and v.is_record and v.names(wanted)]

    @cached_property
    def absences(self) -> list[FactView]:
        return [v for v in self.views() if v.kind == "absence"]
