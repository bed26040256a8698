"""Three-valued criteria over the record: holds, does not hold, or the record cannot tell."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from medcite.tools.caregaps.record import ACTIVE_CONDITION, Entry, PatientRecord, name_matches
from medcite.tools.caregaps.rules import (
    Check,
    CodedCheck,
    CodeSet,
    ConditionCheck,
    ConditionEndedCheck,
    Criterion,
    DateValueCheck,
    NotRecordedCheck,
    ProcedureEverCheck,
    Rulebook,
    Span,
    ValueCheck,
)

Verdict = bool | None  # None: the record cannot tell


@dataclass(frozen=True)
class Finding:
    """A verdict and the record entries it rests on."""

    holds: Verdict
    entries: tuple[Entry, ...] = ()
    missing: tuple[str, ...] = field(default=())


def matching(record: PatientRecord, codes: CodeSet, on: date) -> list[Entry]:
    """Entries of the code set's types with one of its codes (or names), dated on or before ``on``, not void;
    oldest first."""
    found: list[Entry] = []
    for rtype in codes.resources:
        for e in record.entries(rtype):
            if e.void or e.day is None or e.day > on:
                continue
            if e.codes & set(codes.codes) or (codes.names and name_matches(e, codes.names)):
                found.append(e)
    return sorted(found, key=lambda e: (e.day or date.min, e.key))


def within(day: date, span: Span | None, on: date) -> bool:
    """``day`` lies within ``span`` before ``on`` (always, without a span)."""
    return span is None or span.after(day) > on


def active_on(e: Entry, on: date) -> bool:
    """A Condition that began on or before ``on`` and had not abated by then."""
    if e.end is not None:
        return e.end > on
    return e.status is None or e.status in ACTIVE_CONDITION


def _compare(number: float, op: str, value: float) -> bool:
    return {">=": number >= value, ">": number > value, "<=": number <= value, "<": number < value}[op]


def _latest(entries: Iterable[Entry]) -> Entry | None:
    items = list(entries)
    return items[-1] if items else None


def run_check(check: Check, record: PatientRecord, book: Rulebook, on: date) -> Finding:
    """One check on the record as of ``on``."""
    if isinstance(check, NotRecordedCheck):
        return Finding(None)
    codes = book.code_sets[check.codes]
    entries = matching(record, codes, on)
    if isinstance(check, ConditionCheck):
        active = [e for e in entries if active_on(e, on)]
        return Finding(bool(active), tuple(active))
    if isinstance(check, ConditionEndedCheck):
        ended = [e for e in entries if e.end is not None and e.end <= on and within(e.end, check.within, on)]
        return Finding(bool(ended), tuple(ended))
    if isinstance(check, ProcedureEverCheck):
        return Finding(bool(entries), tuple(entries[-1:]))
    if isinstance(check, ValueCheck):
        latest = _latest(e for e in entries if e.number is not None and within(e.day or on, check.within, on))
        if latest is None or latest.number is None:
            return Finding(None)
        return Finding(_compare(latest.number, check.op, check.value), (latest,))
    if isinstance(check, CodedCheck):
        coded = [e for e in entries if e.value_codes and within(e.day or on, check.within, on)]
        if not coded:
            return Finding(None)
        wanted = set(book.code_sets[check.values].codes)
        if check.which == "latest":
            return Finding(bool(coded[-1].value_codes & wanted), (coded[-1],))
        hits = [e for e in coded if e.value_codes & wanted]
        return Finding(bool(hits), (hits[-1],) if hits else (coded[-1],))
    if isinstance(check, DateValueCheck):
        latest = _latest(e for e in entries if e.value_day is not None)
        if latest is None or latest.value_day is None:
            return Finding(None)
        return Finding(latest.value_day <= on and within(latest.value_day, check.within, on), (latest,))
    raise TypeError(f"unknown check {check!r}")  # pragma: no cover - the union is closed


def evaluate(criterion: Criterion, record: PatientRecord, book: Rulebook, on: date) -> Finding:
    """Holds when any check holds; unknown when none holds and one cannot tell; else does not hold."""
    findings = [run_check(c, record, book, on) for c in criterion.any_of]
    held = [f for f in findings if f.holds]
    if held:
        return Finding(True, tuple(e for f in held for e in f.entries))
    used = tuple(e for f in findings for e in f.entries)
    if any(f.holds is None for f in findings):
        return Finding(None, used, (criterion.datum,))
    return Finding(False, used)
