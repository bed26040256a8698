"""Answers rendered from the record: short, cited sentences composed in code from the typed facts behind the
keys a recognised question kind's calls returned (wording from ``rules/record_answers.json``).

Nothing here reads text back: values, dates, statuses and trends come from the facts, and each sentence cites
the facts it states. ``agrees`` tells whether a model's verified sentences cite what the record answer rests on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, Field

from medcite.agent.answer import SentenceCheck
from medcite.agent.answer_templates import RecordAnswerWording, record_wording
from medcite.agent.asked import (
    ActiveMedications,
    Allergies,
    Asked,
    AskedKind,
    ConditionStatus,
    IsRecorded,
    LastEncounter,
    TrendOf,
)
from medcite.core.citation_keys import bracket
from medcite.core.evidence import (
    AbsenceFact,
    AllergyFact,
    Code,
    ConditionFact,
    EncounterFact,
    Evidence,
    MedicationFact,
    ObservationFact,
    Reading,
)
from medcite.core.vocabulary import normalize_name
from medcite.tools.fhir.lookups import status_codes
from medcite.tools.fhir.observation_values import short_text

MAX_CONDITIONS = 3
_TRAILING_TAG = ("disorder", "finding", "situation", "morphologic abnormality", "procedure", "event")


class RecordSentence(BaseModel):
    """One sentence rendered from the record, with the keys it cites."""

    text: str
    keys: list[str]


class RecordAnswer(BaseModel):
    """The record's answer to one asked item."""

    kind: AskedKind
    sentences: list[RecordSentence]
    answer_keys: list[str] = Field(description="the entries the answer rests on")
    cite_all: bool = Field(default=False, description="a model answer must cite every one of them (a count, a list)")

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


def cite(keys: Iterable[str]) -> str:
    return " ".join(bracket(k) for k in keys)


def _name(w: RecordAnswerWording, code: Code) -> str:
    """The name the record gives, else its code, else the wording for an unnamed entry."""
    return code.display or code.code or w.unnamed


def compose_all(asked: Iterable[Asked], evidence: Mapping[str, Evidence]) -> list[RecordAnswer]:
    """A record answer for each asked item the gathered facts answer."""
    return [a for item in asked if (a := compose(item, evidence)) is not None]


def compose(item: Asked, evidence: Mapping[str, Evidence]) -> RecordAnswer | None:
    """The record's answer to ``item`` from the facts behind its keys; None when they do not answer it."""
    w = record_wording()
    found = [evidence[k] for k in item.keys if k in evidence]
    absent = [e for e in found if isinstance(e.fact, AbsenceFact)]
    if isinstance(item, ConditionStatus):
        return _condition(w, item, found)
    if absent and len(absent) == len(found):
        return _absent(w, item, absent)
    if isinstance(item, ActiveMedications):
        return _medications(w, found)
    if isinstance(item, Allergies):
        return _allergies(w, found)
    if isinstance(item, LastEncounter):
        return _encounter(w, item, found)
    return _observation(w, item, found)


def agrees(answer: RecordAnswer, verified: Sequence[SentenceCheck]) -> bool:
    """Whether the model's verified sentences cite what the record answer rests on: every entry of a count or a
    list, one entry otherwise. (What a sentence states about the entries it cites is the verifier's to check.)"""
    wanted = set(answer.answer_keys)
    cited = {k for c in verified for k in c.keys}
    return wanted <= cited if answer.cite_all else bool(wanted & cited)


def _one(kind: AskedKind, text: str, keys: list[str], answer_keys: list[str] | None = None) -> RecordAnswer:
    return RecordAnswer(kind=kind, sentences=[RecordSentence(text=text, keys=keys)], answer_keys=answer_keys or keys)


def _absent(w: RecordAnswerWording, item: Asked, absent: list[Evidence]) -> RecordAnswer:
    keys = [e.key for e in absent]
    first = absent[0].fact
    assert isinstance(first, AbsenceFact)
    what = first.what
    if isinstance(item, LastEncounter) and item.label:
        what = w.encounter.absent_what.format(label=item.label)
    return _one(item.kind, w.absent.format(what=what, cite=cite(keys)), keys)


# --- labs and vital signs ----------------------------------------------------------------------------


def _observation(w: RecordAnswerWording, item: Asked, found: list[Evidence]) -> RecordAnswer | None:
    readings = [(e.key, e.fact) for e in found if isinstance(e.fact, ObservationFact)]
    if not readings:
        return None
    # The newest day wins; within a day the search's order (newest first) decides.
    key, fact = max(readings, key=lambda r: (r[1].effective or "", -readings.index(r)))
    o = w.observation
    name = _name(w, fact.code)
    value, date = short_text(fact.values), fact.effective or w.undated
    previous = fact.earlier[0] if fact.earlier else None
    if isinstance(item, TrendOf):
        return _trend(w, item, key, fact, previous)
    clause = ""
    keys = [key]
    if previous is not None:
        clause = o.previous.format(
            value=_reading_text(previous),
            date=previous.date or w.undated,
            cite=cite([previous.key]),
            trend=o.trend.format(trend=_trend_words(w, fact)) if fact.trend else "",
        )
        keys.append(previous.key)
    template = o.recorded if isinstance(item, IsRecorded) else o.latest
    text = template.format(name=name, value=value, date=date, cite=cite([key]), previous=clause)
    return _one(item.kind, text, keys, [key])


def _reading_text(reading: Reading) -> str:
    return reading.short_text or short_text(reading.values)


def _trend_words(w: RecordAnswerWording, fact: ObservationFact) -> str:
    words = w.observation.trend_words
    trend = fact.trend or []
    if len(trend) == 1:
        return words[trend[0]]
    labels = [v.label or "value" for v in fact.values]
    return ", ".join(
        w.observation.component_trend.format(label=label, trend=words[t])
        for label, t in zip(labels, trend, strict=True)
    )


def _trend(
    w: RecordAnswerWording, item: Asked, key: str, fact: ObservationFact, previous: Reading | None
) -> RecordAnswer:
    o = w.observation
    name = _name(w, fact.code)
    reading = {"name": name, "value": short_text(fact.values), "date": fact.effective or w.undated}
    if previous is None:
        return _one(item.kind, o.trend_single.format(**reading, cite=cite([key])), [key])
    pair = {
        **reading,
        "cite": cite([key]),
        "previous_value": _reading_text(previous),
        "previous_date": previous.date or w.undated,
        "previous_cite": cite([previous.key]),
    }
    if not fact.trend:
        return _one(item.kind, o.trend_not_comparable.format(**pair), [key, previous.key], [key])
    text = o.trend_answer.format(**pair, trend=_trend_words(w, fact))
    return _one(item.kind, text, [key, previous.key], [key])


# --- conditions --------------------------------------------------------------------------------------


def _core_name(display: str) -> str:
    """Normalised name without a trailing SNOMED tag: 'Prediabetes (finding)' → 'prediabetes'."""
    name = normalize_name(display)
    for tag in _TRAILING_TAG:
        if name.endswith(f" {tag}"):
            return name[: -len(tag) - 1]
    return name


def _condition(w: RecordAnswerWording, item: ConditionStatus, found: list[Evidence]) -> RecordAnswer | None:
    records = [(e.key, e.fact) for e in found if isinstance(e.fact, ConditionFact)]
    asked = _core_name(item.name)
    groups: dict[str, list[tuple[str, ConditionFact]]] = {}
    for key, fact in records:
        groups.setdefault(fact.code.display or "", []).append((key, fact))
    exact = {d: g for d, g in groups.items() if _core_name(d) == asked}
    named = exact or {d: g for d, g in groups.items() if f" {asked} " in f" {_core_name(d)} "}
    if not named:
        return None
    shown = list(named.items())[:MAX_CONDITIONS]
    sentences = [_condition_sentence(w, display, group) for display, group in shown]
    keys = [k for s in sentences for k in s.keys]
    return RecordAnswer(kind=item.kind, sentences=sentences, answer_keys=keys)


def _current(group: list[tuple[str, ConditionFact]]) -> list[tuple[str, ConditionFact]]:
    active = set(status_codes("Condition", "active"))
    return [(k, f) for k, f in group if f.clinical_status in active]


def _condition_sentence(w: RecordAnswerWording, display: str, group: list[tuple[str, ConditionFact]]) -> RecordSentence:
    c = w.condition
    current = _current(group)
    shown = current or group
    latest = max((f for _, f in shown), key=lambda f: f.onset or "")
    parts = []
    if len(group) > 1:
        parts.append(c.times.format(count=len(group)))
    if latest.onset:
        parts.append(c.onset.format(date=latest.onset))
    if latest.abatement and not current:
        parts.append(c.abated.format(date=latest.abatement))
    status = c.status_words.get(latest.clinical_status, latest.clinical_status)
    template = c.active if current else c.not_active
    keys = [k for k, _ in shown]
    dates = c.dates.format(parts=", ".join(parts)) if parts else ""
    return RecordSentence(text=template.format(name=display, status=status, dates=dates, cite=cite(keys)), keys=keys)


# --- medications, allergies, encounters --------------------------------------------------------------


def _medications(w: RecordAnswerWording, found: list[Evidence]) -> RecordAnswer | None:
    m = w.medications
    orders = [(e.key, e.fact) for e in found if isinstance(e.fact, MedicationFact)]
    if not orders:
        return None
    items = m.separator.join(
        m.item.format(
            name=_name(w, fact.code),
            details=m.details.format(dosage=fact.dosage) if fact.dosage else "",
            cite=cite([key]),
        )
        for key, fact in orders
    )
    text = m.one.format(items=items) if len(orders) == 1 else m.many.format(count=len(orders), items=items)
    keys = [k for k, _ in orders]
    return RecordAnswer(
        kind="active_medications",
        sentences=[RecordSentence(text=text, keys=keys)],
        answer_keys=keys,
        cite_all=True,
    )


def _allergy_item(w: RecordAnswerWording, key: str, fact: AllergyFact) -> str:
    a = w.allergies
    parts = []
    if fact.criticality:
        parts.append(a.criticality.format(criticality=fact.criticality))
    if fact.reactions:
        parts.append(a.reactions.format(reactions=", ".join(fact.reactions)))
    details = a.details.format(parts="; ".join(parts)) if parts else ""
    return a.item.format(name=_name(w, fact.code), details=details, cite=cite([key]))


def _allergies(w: RecordAnswerWording, found: list[Evidence]) -> RecordAnswer | None:
    a = w.allergies
    records = [(e.key, e.fact) for e in found if isinstance(e.fact, AllergyFact)]
    if not records:
        return None
    active_codes = set(status_codes("AllergyIntolerance", "active"))
    current = [(k, f) for k, f in records if f.clinical_status in active_codes or f.clinical_status == "status unknown"]
    other = [r for r in records if r not in current]
    sentences = []
    if current:
        items = a.separator.join(_allergy_item(w, k, f) for k, f in current)
        text = a.one.format(items=items) if len(current) == 1 else a.many.format(count=len(current), items=items)
        sentences.append(RecordSentence(text=text, keys=[k for k, _ in current]))
    if other:
        items = a.separator.join(_allergy_item(w, k, f) for k, f in other)
        sentences.append(RecordSentence(text=a.inactive.format(items=items), keys=[k for k, _ in other]))
    keys = [k for k, _ in records]
    return RecordAnswer(kind="allergies", sentences=sentences, answer_keys=keys, cite_all=True)


def _encounter(w: RecordAnswerWording, item: LastEncounter, found: list[Evidence]) -> RecordAnswer | None:
    e = w.encounter
    visits = [(ev.key, ev.fact) for ev in found if isinstance(ev.fact, EncounterFact)]
    if not visits:
        return None
    key, fact = max(visits, key=lambda v: (v[1].start or "", -visits.index(v)))
    start = fact.start or w.undated
    span = e.span.format(start=start, end=fact.end) if fact.end and fact.end != fact.start else start
    kind = _name(w, fact.code)
    if item.label:
        text = e.of_class.format(label=item.label, span=span, cite=cite([key]), type=kind)
    else:
        text = e.any.format(span=span, cite=cite([key]), type=kind, encounter_class=fact.encounter_class or w.unnamed)
    return _one(item.kind, text, [key])
