"""Binding rules: the claim of a cited sentence checked against the typed facts its keys stand for.

- every named concept must be about a cited fact (by code, name, abbreviation or drug class member);
- a number must equal a value of the fact it is about, at the precision written, through unit conversions; or a
  value recomputed from the cited facts (a difference, an age at an event, a time span, a count);
- a stated date must be a date of the cited facts, and of the same reading as the value stated with it;
- 'latest', 'current', 'most recent' bind a value or date to the newest of its series in the gathered evidence;
- a direction word must agree with the cited readings in date order;
- a stopped drug or resolved problem must be stated in the past, an active one not as stopped or resolved;
- a negation needs a cited "none recorded" fact or a negative value ('Never smoker');
- a judgement ('well controlled', 'normal', 'low risk') needs an interpretation code, a reference range or the
  same words in the cited text;
- a stated frequency must match the cited dosage.

A decided finding removes the sentence; an undecided one ('cannot tell') flags it as unverifiable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from medcite.agent.verification.claims import Claim, Cue, DateMention, Quantity, is_abstention
from medcite.agent.verification.fact_views import EvidenceIndex, FactView, Point, ReadingView
from medcite.agent.verification.vocabulary import OBS, phrases, unit_info
from medcite.core.evidence import ImmunizationFact, ObservationFact, PatientFact
from medcite.core.vocabulary import find_observation_name
from medcite.tools.fhir.formatting import format_number
from medcite.tools.fhir.observation_values import STABLE_WITHIN

Rule = Literal[
    "entity",
    "value",
    "date",
    "latest",
    "direction",
    "status",
    "negation",
    "judgement",
    "absence",
    "frequency",
    "anchor",
]
VALUE_RULES = frozenset({"value", "date", "latest"})
SCOPE_KINDS = {
    "allergies": ("allergen",),
    "medications": ("drug", "drug_class"),
    "conditions": ("condition",),
    "procedures": ("procedure",),
    "immunizations": ("vaccine",),
    "encounters": ("encounter",),
    "results": ("observation",),
}
INTERPRETATION = {
    "normal": {"N"},
    "controlled": {"N"},
    "high": {"H", "HH", "HU", ">"},
    "uncontrolled": {"H", "HH", "HU", "A", "AA"},
    "low": {"L", "LL", "LU", "<"},
    "abnormal": {"A", "AA", "H", "HH", "L", "LL", "HU", "LU"},
}


@dataclass(frozen=True)
class Finding:
    rule: Rule
    message: str
    decided: bool = True


@dataclass
class Bound:
    """A number bound to a cited fact: the readings it equals (or was computed from), and how."""

    quantity: Quantity
    view: FactView
    readings: list[ReadingView] = field(default_factory=list)
    how: Literal["value", "label", "age", "span", "difference", "count"] = "value"


def close(q: Quantity, value: float, unit: str | None) -> bool:
    """``value`` (recorded in ``unit``) equals the stated number at the precision written, after conversion;
    the value as the evidence line shows it (4 significant digits) counts too, so a conversion of the shown
    '443.4 10*3/uL' to '443,400/µL' matches."""
    shown = float(format_number(value))
    return _close(q, value, unit) or (shown != value and _close(q, shown, unit))


def _close(q: Quantity, value: float, unit: str | None) -> bool:
    if q.unit is not None and unit:
        stated, recorded = unit_info(q.unit), unit_info(unit)
        if stated is not None and recorded is not None:
            if stated.dimension != recorded.dimension:
                return False
            value = (recorded.to_base(value) - stated.offset) / stated.factor
    tol = 0.5 * 10.0 ** (-q.decimals)
    if q.approx:
        tol = max(2 * tol, abs(value) * 0.025)
    return abs(q.value - value) <= tol + 1e-9 * max(1.0, abs(value))


def _years_between(start: str, end: str) -> int | None:
    try:
        a, b = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    except ValueError:
        return None
    return b.year - a.year - ((b.month, b.day) < (a.month, a.day))


def _days_between(a: str, b: str) -> int | None:
    try:
        return abs((date.fromisoformat(b[:10]) - date.fromisoformat(a[:10])).days)
    except ValueError:
        return None


def _display(view: FactView) -> str:
    code = getattr(view.fact, "code", None)
    return (code.display if code is not None and code.display else view.kind) or view.kind


def _component(concepts: frozenset[str]) -> str | None:
    for c in concepts:
        if c.startswith(OBS) and c.endswith(" blood pressure") and c != OBS + "blood pressure":
            return c[len(OBS) :].split()[0]  # 'systolic' / 'diastolic'
    return None


class Binder:
    """Runs the binding rules for one cited sentence."""

    def __init__(self, claim: Claim, index: EvidenceIndex) -> None:
        self.claim = claim
        self.index = index
        self.views = [index.view(k) for k in claim.keys]
        self.records = [v for v in self.views if v.is_record]
        self.guidelines = [v for v in self.views if v.kind == "guideline"]
        self.absences = [v for v in self.views if v.kind == "absence"]
        self.findings: list[Finding] = []
        self.explained: set[int] = set()  # mentions covered by a cited "none recorded"
        self.support: dict[int, list[FactView]] = {}
        self.bound: list[Bound] = []
        self.dated: list[tuple[DateMention, FactView, str]] = []
        self.ph = phrases()

    def run(self) -> list[Finding]:
        self._absences()
        self._mentions()
        self._quantities()
        self._dates()
        self._latest()
        self._directions()
        self._status()
        self._negation()
        self._judgements()
        self._frequency()
        self._anchor()
        return self.findings

    def add(self, rule: Rule, message: str, decided: bool = True) -> None:
        self.findings.append(Finding(rule, message, decided))

    # ----------------------------------------------------------------- absence
    def _negative(self) -> bool:
        return bool(self.claim.negations) or is_abstention(self.claim.text)

    def _absences(self) -> None:
        for view in self.absences:
            scope, status, obs = absence_target(view.key)
            if not self._negative():
                self.add("absence", f"cites [{view.key}] (nothing recorded) but states that something is present")
                continue
            named = False
            for i, m in enumerate(self.claim.mentions):
                kinds = {self.index.lex.kind(c) for c in m.concepts}
                if (obs and OBS + obs in m.concepts) or (not obs and kinds & set(SCOPE_KINDS.get(scope, ()))):
                    self.explained.add(i)
                    named = True
            if not obs and any(c.kind == scope for c in self.claim.scopes):
                named = True
            stated = {c.kind for c in self.claim.scope_status}
            if status == "active" and ({"stopped", "resolved"} & stated) and "active" not in stated:
                self.add(
                    "absence", f"cites [{view.key}] (nothing {status}) but speaks of {', '.join(sorted(stated))} ones"
                )
            elif status in ("stopped", "resolved") and status not in stated:
                self.add("absence", f"cites [{view.key}] (nothing {status}) but does not say {status}")
            if not named:
                self.add("absence", f"cites [{view.key}] but is about something else")

    # ----------------------------------------------------------------- concepts
    def _mentions(self) -> None:
        for i, m in enumerate(self.claim.mentions):
            if i in self.explained:
                continue
            if m.word:
                found = [v for v in self.records if m.word in v.words]
            else:
                found = [v for v in self.records if v.names(m.concepts)]
            if not found:
                found = [v for v in self.guidelines if (m.word or m.text.lower()) in v.norm]
            if found:
                self.support[i] = found
                continue
            where = self.index.naming(m.concepts, exclude=self.claim.keys) if m.concepts else []
            hint = f"; it is on [{where[0]}]" if where else ""
            self.add("entity", f"names “{m.text}”, which the cited evidence does not{hint}")
        cites_drugs = any(v.kind == "medication" for v in self.records) or any(
            absence_target(v.key)[0] == "medications" for v in self.absences
        )
        if not cites_drugs and self.records:
            low = self.claim.text.lower()
            starts = {d.start for d in self.claim.dates}
            verb = next(
                (
                    m.group(0)
                    for v in self.ph.medication_verbs
                    for m in re.finditer(rf"\b{re.escape(v)}\b\s*", low)
                    if m.end() not in starts
                ),
                None,
            )
            if verb is not None:
                self.add("entity", f"says the patient {verb.strip()} a medication, but cites no prescription")

    # ----------------------------------------------------------------- numbers
    def _quantities(self) -> None:
        pool = self.records + self.guidelines
        for q in self.claim.quantities:
            mention = self.claim.attached(q)
            named: list[FactView] = []
            component: str | None = None
            if mention is not None:
                idx = self.claim.mentions.index(mention)
                named = self.support.get(idx, [])
                component = _component(mention.concepts)
            found = self._direct(q, named or pool, component)
            if not found:
                found = self._derived(q, named or pool) or (self._derived(q, pool) if named else [])
            if found:
                self.bound += found
            else:
                self.add("value", f"the value {q.text} is not in the cited evidence")

    def _points(self, reading: ReadingView, q: Quantity, component: str | None) -> list[Point]:
        points = list(reading.points)
        if component:
            return [p for p in points if p.label and component in p.label.lower()]
        if q.pair is not None:
            want = "systolic" if q.pair == 0 else "diastolic"
            labelled = [p for p in points if p.label and want in p.label.lower()]
            return labelled or points[q.pair : q.pair + 1]
        return points

    def _direct(self, q: Quantity, pool: list[FactView], component: str | None) -> list[Bound]:
        out: list[Bound] = []
        for v in pool:
            readings = [r for r in v.readings if any(close(q, p.number, p.unit) for p in self._points(r, q, component))]
            if readings:
                out.append(Bound(q, v, readings, "value"))
            elif any(close(q, lq.value, lq.unit) for lq in v.label_numbers):
                out.append(Bound(q, v, [], "label"))
            elif self._is_age(q, v):
                out.append(Bound(q, v, [], "age"))
        return out

    @staticmethod
    def _is_age(q: Quantity, view: FactView) -> bool:
        fact = view.fact
        return (
            isinstance(fact, PatientFact)
            and fact.age is not None
            and q.unit in (None, "a")
            and close(q, fact.age, None)
        )

    def _derived(self, q: Quantity, pool: list[FactView]) -> list[Bound]:
        """A value recomputed from the cited facts: a difference, an age at an event, a time span, a count."""
        if q.difference or self.claim.directions or q.unit == "percentage points":
            found = self._differences(q, pool)
            if found:
                return found
        return self._ages(q, pool) or self._spans(q, pool) or self._count(q, pool)

    def _ages(self, q: Quantity, pool: list[FactView]) -> list[Bound]:
        patient = next((v.fact for v in self.records if isinstance(v.fact, PatientFact)), None)
        if patient is None or not patient.birth_date or q.unit not in (None, "a"):
            return []
        for v in pool:
            for day in v.dates if v.kind != "patient" else ():
                age = _years_between(patient.birth_date, day)
                if age is not None and close(q, age, None):
                    return [Bound(q, v, [r for r in v.readings if r.date == day], "age")]
        return []

    def _spans(self, q: Quantity, pool: list[FactView]) -> list[Bound]:
        info = unit_info(q.unit) if q.unit else None
        if info is None or info.dimension != "time":
            return []
        days = sorted({d for v in pool for d in v.dates if v.kind != "patient"})
        for i, a in enumerate(days):
            for b in days[i + 1 :]:
                n = _days_between(a, b)
                if n is not None and close(q, n, "d"):
                    return [Bound(q, pool[0], [], "span")]
        return []

    def _count(self, q: Quantity, pool: list[FactView]) -> list[Bound]:
        countable = q.unit is None and q.decimals == 0 and (q.count_noun or q.word or q.value <= 50)
        if pool and countable and q.value in self._counts():
            return [Bound(q, pool[0], [], "count")]
        return []

    def _counts(self) -> set[float]:
        counts = {float(len(self.records))}
        kinds: dict[str, int] = {}
        for v in self.records:
            kinds[v.kind] = kinds.get(v.kind, 0) + 1
            if v.readings:
                counts.add(float(len(v.readings)))
            if isinstance(v.fact, ImmunizationFact):
                counts.add(float(v.fact.doses))
        counts |= {float(n) for n in kinds.values()}
        for i in self.support:
            counts.add(float(len(self.support[i])))
        return counts

    def _differences(self, q: Quantity, pool: list[FactView]) -> list[Bound]:
        for v in pool:
            rs = v.readings
            for i, a in enumerate(rs):
                for b in rs[i + 1 :]:
                    for pa in a.points:
                        for pb in b.points:
                            if pa.label == pb.label and close(q, abs(pa.number - pb.number), pa.unit):
                                return [Bound(q, v, [a, b], "difference")]
        return []

    # ----------------------------------------------------------------- dates
    def _valid_dates(self, view: FactView) -> tuple[set[str], set[str]]:
        """(dates this view may be stated with, dates that belong to other readings of a stated value)."""
        bound = [r for b in self.bound if b.view is view for r in b.readings]
        if view.readings and bound:
            own = {r.date for r in bound if r.date}
            return own, {r.date for r in view.readings if r.date} - own
        return set(view.dates), set()

    def _dates(self) -> None:
        for d in self.claim.dates:
            hits: list[tuple[FactView, str]] = []
            other = False
            for v in self.records + self.guidelines:
                valid, others = self._valid_dates(v)
                hits += [(v, day) for day in valid if day.startswith(d.prefix)]
                other = other or any(day.startswith(d.prefix) for day in others)
            if hits:
                self.dated += [(d, v, day) for v, day in hits]
            elif other:
                self.add("date", f"the date {d.text} belongs to another reading than the value stated")
            else:
                self.add("date", f"the date {d.text} is not a date of the cited evidence")

    # ----------------------------------------------------------------- latest
    def _latest(self) -> None:
        present = [c for c in self.claim.status if c.kind == "present_tense" and c.phrase in ("is", "are")]
        latest_clauses = {self.claim.clause(c.start) for c in self.claim.latest}
        for cue in present:  # 'her LDL is 72 mg/dL' states the current value
            clause = self.claim.clause(cue.start)
            if clause not in latest_clauses and any(
                b.how == "value" and self.claim.clause(b.quantity.start) == clause for b in self.bound
            ):
                self._check_newest(cue)
        for cue in self.claim.latest:
            self._check_newest(cue)

    def _check_newest(self, cue: Cue) -> None:
        """Values (else dates) stated in the cue's clause must be the newest of their series."""
        clause = self.claim.clause(cue.start)
        values = [b for b in self.bound if b.how == "value"]
        bound = [b for b in values if self.claim.clause(b.quantity.start) == clause] or values
        for b in bound:
            newest = self.index.newest.get(b.view.series)
            if newest and not any(r.date == newest for r in b.readings):
                dates = ", ".join(sorted({r.date or "undated" for r in b.readings}))
                self.add(
                    "latest", f"{b.quantity.text} is the {_display(b.view)} of {dates}; the latest is from {newest}"
                )
        if bound:
            return
        dated = [x for x in self.dated if self.claim.clause(x[0].start) == clause] or self.dated
        for d, v, day in dated:
            newest = self.index.newest.get(v.series)
            if v.kind in ("observation", "immunization", "procedure", "encounter") and newest and day != newest:
                self.add("latest", f"{d.text} is not the latest {_display(v)} (that is {newest})")

    # ----------------------------------------------------------------- direction
    def _directions(self) -> None:
        for cue in self.claim.directions:
            views = self._series_for(cue)
            if not views:
                if cue.kind in ("stable", "better", "worse"):
                    self.add("judgement", f"“{cue.phrase}” is a judgement the cited evidence does not support")
                else:
                    self.add("direction", f"cannot tell which cited result “{cue.phrase}” describes", decided=False)
                continue
            for view, component in views:
                self._direction(cue, view, component)

    def _series_for(self, cue: Cue) -> list[tuple[FactView, str | None]]:
        clause = self.claim.clause(cue.start)
        bound = [b for b in self.bound if b.view.readings and b.how in ("value", "difference")]
        near = [b for b in bound if self.claim.clause(b.quantity.start) == clause] or bound
        out: dict[str, tuple[FactView, str | None]] = {}
        for b in near:
            mention = self.claim.attached(b.quantity)
            out.setdefault(b.view.key, (b.view, _component(mention.concepts) if mention else None))
        if out:
            return list(out.values())
        for i, views in self.support.items():
            m = self.claim.mentions[i]
            for v in views:
                if v.readings:
                    out.setdefault(v.key, (v, _component(m.concepts)))
        return list(out.values())

    def _direction(self, cue: Cue, view: FactView, component: str | None) -> None:
        pair = self._pair(view)
        if pair is None:
            self.add("direction", f"“{cue.phrase}”: the cited {_display(view)} has no earlier reading", decided=False)
            return
        older, newer = pair
        moves = []
        for pa in older.points:
            pb = next((p for p in newer.points if p.label == pa.label), None)
            if pb is None or (component and not (pa.label and component in pa.label.lower())):
                continue
            moves.append((pa, pb))
        if not moves:
            self.add("direction", f"cannot compare the cited {_display(view)} readings", decided=False)
            return
        stated = cue.kind
        if stated in ("better", "worse"):
            polarity = self._polarity(view)
            if polarity is None:
                self.add("judgement", f"“{cue.phrase}”: whether {_display(view)} improved is a judgement", decided=True)
                return
            up = (stated == "better") == (polarity == "higher")
            stated = "rising" if up else "falling"
        agree = [self._agrees(stated, a.number, b.number) for a, b in moves]
        if not any(agree) or (len(moves) > 1 and not all(agree) and component is None):
            a, b = moves[0]
            what = a.label or _display(view)
            went = f"{format_number(a.number)} ({older.date}) to {format_number(b.number)} ({newer.date})"
            self.add("direction", f"says “{cue.phrase}”, but {what} went from {went}")

    @staticmethod
    def _agrees(stated: str, a: float, b: float) -> bool:
        change = (b - a) / max(abs(a), 1e-9)
        if stated == "stable":
            return abs(change) <= STABLE_WITHIN
        return b > a if stated == "rising" else b < a

    def _pair(self, view: FactView) -> tuple[ReadingView, ReadingView] | None:
        """The readings a direction is about, older first: those the sentence states, else the last two."""
        stated = {r.key: r for b in self.bound if b.view is view for r in b.readings}
        for _, v, day in self.dated:
            if v is view:
                stated.update({r.key: r for r in view.readings if r.date == day})
        rs = sorted(stated.values(), key=lambda r: r.date or "")
        if len({r.date for r in rs}) >= 2:
            return rs[0], rs[-1]
        if len(rs) == 1:
            earlier = [r for r in view.readings if (r.date or "") < (rs[0].date or "")]
            if earlier:
                return max(earlier, key=lambda r: r.date or ""), rs[0]
            later = [r for r in view.readings if (r.date or "") > (rs[0].date or "")]
            if later:
                return rs[0], min(later, key=lambda r: r.date or "")
        if len(view.readings) >= 2:
            return view.readings[1], view.readings[0]
        return None

    def _polarity(self, view: FactView) -> str | None:
        for name, polarity in self.ph.polarity.items():
            entry = find_observation_name(name)
            if entry is not None and view.matches(OBS + entry.name) and polarity != "none":
                return polarity
        return None

    # ----------------------------------------------------------------- status
    def _status(self) -> None:
        for i, views in self.support.items():
            m = self.claim.mentions[i]
            judged = [v for v in views if v.active is not None]
            if not judged:
                continue
            kinds = {c.kind for c in self.claim.near(self.claim.status, m.start)}
            problems = [p for v in judged if (p := self._status_problem(v, kinds))]
            if len(problems) == len(judged):
                self.add("status", problems[0])

    @staticmethod
    def _status_problem(view: FactView, kinds: set[str]) -> str | None:
        ending = "stopped" if view.kind == "medication" else "resolved"
        status = getattr(view.fact, "status", None) or getattr(view.fact, "clinical_status", "")
        if view.active:
            if ending in kinds:
                return f"[{view.key}] is {status}, stated as {ending}"
            return None
        if "current" in kinds or not ({"past", ending} & kinds):
            return f"[{view.key}] is {status}, stated as current"
        return None

    # ----------------------------------------------------------------- negation
    def _negation(self) -> None:
        if self.absences or not self.claim.negations:
            return
        for cue in self.claim.negations:
            if not any(cue.phrase in v.words for v in self.records + self.guidelines):
                self.add("negation", f"states “{cue.phrase} …”, which the cited evidence does not")
                return

    # ----------------------------------------------------------------- judgements
    def _judgements(self) -> None:
        for cue in self.claim.judgements:
            related = [v for i, vs in self.support.items() for v in vs
                       if self.claim.clause(self.claim.mentions[i].start) == self.claim.clause(cue.start)]  # fmt: skip
            if not self._judgement_supported(cue, related or self.records + self.guidelines):
                self.add(
                    "judgement", f"“{cue.phrase}” is a judgement with no interpretation, range or statement behind it"
                )

    def _judgement_supported(self, cue: Cue, views: list[FactView]) -> bool:
        phrase = " ".join(cue.phrase.split())
        if any(phrase in v.norm for v in self.views):
            return True
        for v in views:
            fact = v.fact
            if not isinstance(fact, ObservationFact):
                continue
            codes = {c.upper() for c in fact.interpretation}
            if codes & INTERPRETATION.get(cue.kind, set()):
                return True
            rr = fact.reference_range
            value = next((p.number for p in v.readings[0].points), None) if v.readings else None
            if rr is not None and value is not None:
                below = rr.low is not None and value < rr.low
                above = rr.high is not None and value > rr.high
                inside = not below and not above
                if (cue.kind in ("normal", "controlled") and inside) or (
                    cue.kind in ("high", "uncontrolled") and above
                ):
                    return True
                if (cue.kind == "low" and below) or (cue.kind == "abnormal" and not inside):
                    return True
        return False

    # ----------------------------------------------------------------- frequency
    def _frequency(self) -> None:
        meds = [v for v in self.records if v.kind == "medication"]
        for cue in self.claim.frequencies:
            if not meds:
                continue
            doses = [getattr(v.fact, "dosage", None) for v in meds]
            if not any(doses):
                self.add("frequency", f"“{cue.phrase}”: the cited prescription states no dosage", decided=False)
            elif not any(d and dosage_rate(d) == cue.kind for d in doses):
                self.add(
                    "frequency", f"“{cue.phrase}” does not match the cited dosage ({'; '.join(d for d in doses if d)})"
                )

    # ----------------------------------------------------------------- anchor
    def _anchor(self) -> None:
        if self.findings or self.support or self.bound or self.dated or (self.absences and self._negative()):
            return
        if self.guidelines:
            words = {w for w in self.claim.text.lower().split() if len(w) >= 5}
            if any(w.strip(".,;:") in g.words for g in self.guidelines for w in words):
                return
        self.add("anchor", "names nothing from the cited evidence")


def dosage_rate(dosage: str) -> str | None:
    """'1/d' for 'dose 1, 1 times per 1 d', '1/6h' for '… per 6 h', 'prn' for 'as needed'."""
    low = dosage.lower()
    if "as needed" in low:
        return "prn"
    m = re.search(r"(\d+) times per (\d+) ?([a-z]+)", low)
    if not m:
        return None
    n, per, unit = int(m.group(1)), int(m.group(2)), m.group(3)
    unit = {"d": "d", "day": "d", "h": "h", "wk": "wk", "w": "wk", "mo": "mo"}.get(unit, unit)
    return f"{n}/{unit}" if per == 1 else f"{n}/{per}{unit}"


def absence_target(key: str) -> tuple[str, str | None, str | None]:
    """(scope, status, observation name) of a 'none recorded' key: 'none:medications-active' ->
    ('medications', 'active', None); 'none:observations-hba1c' -> ('results', None, 'hba1c')."""
    body = key.partition(":")[2]
    for cut in ("-since-", "-until-"):
        body = body.split(cut)[0]
    head, _, rest = body.partition("-")
    if head == "observations":
        entry = find_observation_name(rest.replace("-", " "))
        return "results", None, entry.name if entry else rest.replace("-", " ")
    status = rest or None
    return head, ("active" if head in ("medications", "conditions") and status is None else status), None
