"""Evidence: one citable fact, keyed by its citation key, with a typed fact behind it.

Every tool returns ``Evidence``. Its ``fact`` is one of a discriminated union of typed facts (an
observation with its values, earlier readings and trend; a condition with its status and onset; a
guideline passage with its issuer, grade and date; a search that found nothing; ...). The one-line
``text`` shown to models and people is rendered from the fact, never the other way round: nothing
downstream parses a line back into values.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

EvidenceSource = Literal["fhir", "guideline"]
Trend = Literal["rising", "falling", "stable"]


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    date_field: ClassVar[str | None] = None  # the field the fact is filed under by date

    @property
    def date(self) -> str | None:
        """The date the fact is filed under (None when it has none)."""
        value = getattr(self, self.date_field) if self.date_field else None
        return value if isinstance(value, str) else None

    def render(self) -> str:
        """The line after the ``[key]``."""
        raise NotImplementedError


class Code(BaseModel):
    """A coded concept as shown: its text and its first code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    display: str | None = None
    system: str | None = None
    code: str | None = None
    system_label: str | None = Field(default=None, description="short name of the code system: SNOMED, LOINC")

    def label(self) -> str:
        """'Prediabetes (SNOMED 15777000)'."""
        text = self.display or "unnamed"
        if not self.code:
            return text
        return f"{text} ({self.system_label} {self.code})" if self.system_label else f"{text} ({self.code})"


class Value(BaseModel):
    """One reported value; ``label``/``code`` are set for a component ('Systolic Blood Pressure', 8480-6)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(description="as shown: '6.2 %', '<5 mg/dL', 'Never smoker'")
    number: float | None = Field(default=None, description="the value exactly as recorded")
    unit: str | None = None
    comparator: str | None = None
    label: str | None = None
    code: str | None = None


def values_text(values: list[Value]) -> str:
    """'6.2 %' or 'Systolic Blood Pressure 120 mm(Hg), Diastolic Blood Pressure 80 mm(Hg)'."""
    if not values:
        return "no value"
    return ", ".join(f"{v.label} {v.text}" if v.label else v.text for v in values)


class Reading(BaseModel):
    """An earlier record of the same code: its own key, date, status and values (none for a vaccine dose)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    date: str | None = None
    status: str | None = None
    values: list[Value] = Field(default_factory=list)
    short_text: str = Field(default="", description="the values as shown on the later reading's line")


class ReferenceRange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    low: float | None = None
    high: float | None = None
    text: str = Field(description="'4-5.6 %' as shown")


class PatientFact(_Fact):
    kind: Literal["patient"] = "patient"
    name: str
    gender: str | None = None
    birth_date: str | None = None
    age: int | None = Field(default=None, description="at as_of, or at death")
    as_of: str | None = None
    deceased: str | None = Field(default=None, description="date of death, or 'yes' when only the flag is set")
    marital_status: str | None = None
    language: str | None = None
    place: str | None = None

    def render(self) -> str:
        parts = [self.name or "unnamed", self.gender or "gender unknown"]
        if self.birth_date:
            parts.append(f"born {self.birth_date}" + (f" (age {self.age})" if self.age is not None else ""))
        if self.deceased:
            parts.append(f"deceased {self.deceased}")
        body = ", ".join(parts)
        body += f"; marital status {self.marital_status}" if self.marital_status else ""
        body += f"; language {self.language}" if self.language else ""
        return body + (f"; {self.place}" if self.place else "")


class ConditionFact(_Fact):
    kind: Literal["condition"] = "condition"
    code: Code
    clinical_status: str = "status unknown"
    verification: str | None = None
    onset: str | None = None
    abatement: str | None = None
    category: str | None = None

    date_field: ClassVar[str | None] = "onset"

    def render(self) -> str:
        body = f"{self.code.label()}: {self.clinical_status}"
        body += f", onset {self.onset}" if self.onset else ""
        body += f", abated {self.abatement}" if self.abatement else ""
        return body + (f", {self.verification}" if self.verification and self.verification != "confirmed" else "")


def _with_reasons(body: str, reasons: list[str]) -> str:
    return f"{body}; reason {', '.join(reasons)}" if reasons else body


def _dated(day: str | None, body: str) -> str:
    return f"{day} {body}" if day else body


class MedicationFact(_Fact):
    kind: Literal["medication"] = "medication"
    code: Code
    status: str = "status unknown"
    intent: str | None = None
    authored: str | None = None
    dosage: str | None = None
    reasons: list[str] = Field(default_factory=list)

    date_field: ClassVar[str | None] = "authored"

    def render(self) -> str:
        body = f"{self.code.label()}: {self.status}" + (f"; {self.dosage}" if self.dosage else "")
        return _dated(self.authored, _with_reasons(body, self.reasons))


class AllergyFact(_Fact):
    kind: Literal["allergy"] = "allergy"
    code: Code
    clinical_status: str = "status unknown"
    categories: list[str] = Field(default_factory=list)
    allergy_type: str = "allergy"
    criticality: str | None = None
    recorded: str | None = None
    reactions: list[str] = Field(default_factory=list)

    date_field: ClassVar[str | None] = "recorded"

    def render(self) -> str:
        kind = " ".join(p for p in (" ".join(self.categories), self.allergy_type) if p)
        body = f"{self.code.label()}: {self.clinical_status} {kind}"
        body += f", criticality {self.criticality}" if self.criticality else ""
        body += f", recorded {self.recorded}" if self.recorded else ""
        return body + (f"; reaction {', '.join(self.reactions)}" if self.reactions else "")


class ImmunizationFact(_Fact):
    kind: Literal["immunization"] = "immunization"
    code: Code
    status: str = "status unknown"
    occurrence: str | None = None
    earlier: list[Reading] = Field(default_factory=list, description="earlier doses of the same vaccine, newest first")

    date_field: ClassVar[str | None] = "occurrence"

    @property
    def doses(self) -> int:
        return 1 + len(self.earlier)

    def earlier_facts(self) -> list[tuple[str, ImmunizationFact]]:
        """Each earlier dose as a fact of its own, with its key."""
        return [(r.key, ImmunizationFact(code=self.code, status=r.status or "status unknown", occurrence=r.date))
                for r in self.earlier]

    def render(self) -> str:
        body = f"{self.code.label()}: {self.status}"
        if self.earlier:
            first = self.earlier[-1].date
            keys = " ".join(f"[{r.key}]" for r in self.earlier)
            body += f"; {self.doses} doses since {first} {keys}"
        return _dated(self.occurrence, body)


class _SpanFact(_Fact):
    """Something that happened over a period, for reasons: an encounter, a procedure."""

    code: Code
    status: str = "status unknown"
    start: str | None = None
    end: str | None = None
    reasons: list[str] = Field(default_factory=list)
    date_field: ClassVar[str | None] = "start"


class EncounterFact(_SpanFact):
    kind: Literal["encounter"] = "encounter"
    encounter_class: str | None = None

    def render(self) -> str:
        body = f"{self.code.label()}: {self.status}" + (f", {self.encounter_class}" if self.encounter_class else "")
        return _dated(_span(self.start, self.end), _with_reasons(body, self.reasons))


def _span(start: str | None, end: str | None) -> str | None:
    return f"{start} to {end}" if start and end and end != start else start


class ProcedureFact(_SpanFact):
    kind: Literal["procedure"] = "procedure"

    def render(self) -> str:
        body = _with_reasons(f"{self.code.label()}: {self.status}", self.reasons)
        return _dated(_span(self.start, self.end), body)


SETTLED_OBSERVATION = frozenset({"final", "amended", "corrected"})


class ObservationFact(_Fact):
    kind: Literal["observation"] = "observation"
    code: Code
    category: str | None = None
    status: str = "status unknown"
    effective: str | None = None
    values: list[Value] = Field(default_factory=list)
    interpretation: list[str] = Field(default_factory=list, description="interpretation codes: H, L, N, A, ...")
    reference_range: ReferenceRange | None = None
    earlier: list[Reading] = Field(default_factory=list, description="earlier readings of the same code, newest first")
    trend: list[Trend] | None = Field(default=None, description="per value, from the previous reading to this one")

    date_field: ClassVar[str | None] = "effective"

    @property
    def single(self) -> Value | None:
        """The value when the observation has one unlabelled value."""
        return self.values[0] if len(self.values) == 1 and self.values[0].label is None else None

    def earlier_facts(self) -> list[tuple[str, ObservationFact]]:
        """Each earlier reading as a fact of its own, with its key."""
        return [
            (
                r.key,
                ObservationFact(
                    code=self.code,
                    category=self.category,
                    status=r.status or "status unknown",
                    effective=r.date,
                    values=r.values,
                ),
            )
            for r in self.earlier
        ]

    def render(self) -> str:
        body = f"{self.code.label()}: {values_text(self.values)}"
        body += "" if self.status in SETTLED_OBSERVATION else f" ({self.status})"
        body += f", flag {'/'.join(self.interpretation)}" if self.interpretation else ""
        body += f" (ref {self.reference_range.text})" if self.reference_range else ""
        if self.earlier:
            # Earlier values carry their own citation keys: every number on the line is traceable.
            body += "; previous " + ", ".join(f"{r.short_text} ({r.date}) [{r.key}]" for r in self.earlier)
            if self.trend:
                labels = [v.label for v in self.values]
                body += "; trend " + (
                    self.trend[0]
                    if len(self.trend) == 1
                    else ", ".join(f"{lbl} {d}" for lbl, d in zip(labels, self.trend, strict=True))
                )
        return _dated(self.effective, body)


class ResourceFact(_Fact):
    """Any other clinical resource: its code (or type) and status."""

    kind: Literal["resource"] = "resource"
    resource_type: str
    code: Code
    status: str = "status unknown"
    recorded: str | None = None

    date_field: ClassVar[str | None] = "recorded"

    def render(self) -> str:
        return _dated(self.recorded, f"{self.code.label()}: {self.status}")


class CarePlanFact(_Fact):
    """A care plan: what it is for, its status and period, and its activities with their status."""

    kind: Literal["care_plan"] = "care_plan"
    code: Code
    status: str = "status unknown"
    intent: str | None = None
    start: str | None = None
    end: str | None = None
    addresses: list[str] = Field(default_factory=list, description="the problems it is for")
    activities: list[str] = Field(default_factory=list, description="'Diabetic diet (finding) (in-progress)'")

    date_field: ClassVar[str | None] = "start"

    def render(self) -> str:
        body = f"care plan {self.code.label()}: {self.status}"
        body += f"; for {', '.join(self.addresses)}" if self.addresses else ""
        body += f"; activities: {'; '.join(self.activities)}" if self.activities else ""
        return _dated(_span(self.start, self.end), body)


def flatten_note_text(text: str) -> str:
    """Note text on one line: a heading ends with ':', a list item with ';'."""
    out = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            piece = line.lstrip("#").strip() + ":"
        elif line[:2] in ("- ", "* ", "• "):
            piece = line[2:].strip() + ";"
        else:
            piece = line
        out = f"{out} {piece}" if out else piece
    return out.rstrip(";")


class NoteFact(_Fact):
    """One section of a clinical note (DocumentReference or report text), keyed
    ``DocumentReference/<id>#<section-slug>``; a note whose content could not be read is one fact
    without a section, saying why."""

    kind: Literal["note"] = "note"
    note_type: str = Field(description="'History and physical note'")
    note_type_code: str | None = Field(default=None, description="LOINC code of the note type")
    section: str | None = Field(default=None, description="the section heading as written; None: the whole note")
    text: str = Field(default="", description="the section's text as written (inert: no brackets)")
    written: str | None = Field(default=None, description="the day the note was written")
    author: str | None = None
    status: str | None = None
    content_type: str | None = None
    unread: str | None = Field(default=None, description="why the note's text could not be read")
    also_in: list[str] = Field(default_factory=list, description="other resources holding the same note")

    date_field: ClassVar[str | None] = "written"

    def render(self) -> str:
        head = self.note_type + (f", {self.section}" if self.section else "")
        head += f" (by {self.author})" if self.author else ""
        head += " (entered in error)" if self.status == "entered-in-error" else ""
        if self.unread:
            return _dated(self.written, f"{head}: text not read ({self.unread})")
        return _dated(self.written, f"{head}: {flatten_note_text(self.text) or '(empty section)'}")


class GuidelineFact(_Fact):
    """A retrieved guideline passage with its provenance, recency and retrieval ranks."""

    kind: Literal["guideline"] = "guideline"
    title: str
    issuer: str = ""
    section: str = ""
    published: str | None = None
    url: str | None = None
    grade: str | None = None
    topic: str | None = None
    doc_id: str = ""
    corpus: str = Field(default="", description="the passage's source collection: uspstf, medquad, user, ...")
    excerpt: str = Field(description="the passage text as shown (clipped)")
    stale: bool = False
    stale_reason: str | None = Field(
        default=None, description="why it is stale: 'superseded by …', 'past the USPSTF review cycle …'"
    )
    snapshot: str | None = Field(
        default=None, description="the corpus snapshot it belongs to: 'USPSTF recommendations as of 2024-05-02'"
    )
    superseded_by: str | None = Field(default=None, description="citation key of a newer passage on the topic")
    score: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None

    date_field: ClassVar[str | None] = "published"

    @property
    def stale_on_its_own(self) -> bool:
        """Stale for a reason of its own (a newer version, or its own age), not only because its corpus
        snapshot is past the issuer's review cycle, which is said once for the whole corpus."""
        return self.stale and (self.superseded_by is not None or self.snapshot is None)

    def render(self) -> str:
        date = self.published or "undated"
        if self.stale_on_its_own:
            date += f", STALE: {self.stale_reason}" if self.stale_reason else ", STALE"
        head = self.title + (f" — {self.issuer}" if self.issuer else "") + f" ({date})"
        head += f" · grade {self.grade}" if self.grade else ""
        head += f" · newer on this topic: {self.superseded_by}" if self.superseded_by else ""
        section = f"{self.section}: " if self.section else ""
        return f"{head} · {section}{self.excerpt}"


class AbsenceFact(_Fact):
    """A search of the record that found nothing: citable, so "no allergies are recorded" can be checked."""

    kind: Literal["absence"] = "absence"
    what: str = Field(description="what was looked for, in words: 'allergies', 'observations matching hba1c'")
    resource_type: str
    searched: str = Field(description="the search, in words: 'AllergyIntolerance, any status'")
    place: str = Field(default="the record", description="where it was looked for")

    def render(self) -> str:
        return f"none recorded: no {self.what} in {self.place} (searched {self.searched})"


class EntryRef(BaseModel):
    """A record entry a computed fact rests on: its key, day and what it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    date: str | None = None
    label: str


CareGapStatus = Literal["due", "up_to_date", "not_applicable", "unknown"]
CARE_GAP_WORDS: dict[str, str] = {
    "due": "due",
    "up_to_date": "up to date",
    "unknown": "unknown",
    "not_applicable": "not applicable",
}


class CareGapFact(_Fact):
    """One USPSTF A/B recommendation's status for the patient on the as-of date, computed from the record."""

    kind: Literal["care_gap"] = "care_gap"
    status: CareGapStatus
    recommendation_id: str = Field(description="the USPSTF specific recommendation id")
    guideline_key: str = Field(description="citation key of the recommendation statement")
    title: str
    grade: str
    reason: str = Field(description="why this status, in one clause")
    last: EntryRef | None = Field(default=None, description="the latest qualifying record entry")
    interval: str | None = Field(default=None, description="'every 10 years', 'once'")
    due_date: str | None = Field(default=None, description="next due (up to date) or due since (due)")
    missing: list[str] = Field(default_factory=list, description="what the record lacks (unknown)")
    used: list[EntryRef] = Field(default_factory=list, description="other record entries the decision read")
    as_of: str

    date_field: ClassVar[str | None] = "as_of"

    def render(self) -> str:
        head = f"{CARE_GAP_WORDS[self.status]}: {self.title}, USPSTF grade {self.grade} [{self.guideline_key}]"
        last = self.last
        if self.status == "up_to_date" and last is not None:
            when = f"next due {self.due_date}" if self.due_date else "once is enough"
            body = f"last {last.label} {last.date} [{last.key}]; {self.interval}, {when}"
        elif self.status == "due" and last is not None:
            since = f", due since {self.due_date}" if self.due_date else ""
            body = f"last {last.label} {last.date} [{last.key}]; {self.interval}{since}"
        elif self.status == "due":
            body = f"{self.reason}; {self.interval}" if self.interval else self.reason
        else:
            body = self.reason
        used = [u for u in self.used if last is None or u.key != last.key]
        if used:
            body += "; based on " + ", ".join(f"{u.label} {u.date} [{u.key}]" if u.date else f"{u.label} [{u.key}]"
                                          for u in used)
        return f"{head}; {body} (as of {self.as_of})"


Fact = Annotated[
    PatientFact
    | ConditionFact
    | MedicationFact
    | AllergyFact
    | ImmunizationFact
    | EncounterFact
    | ProcedureFact
    | ObservationFact
    | ResourceFact
    | CarePlanFact
    | NoteFact
    | GuidelineFact
    | AbsenceFact
    | CareGapFact,
    Field(discriminator="kind"),
]


class Evidence(BaseModel):
    """A single citable fact. ``key`` is the citation key without brackets (``Observation/123``,
    ``guideline:uspstf-00012``, ``none:allergies``); ``text`` is the line rendered from ``fact``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    key: str
    fact: Fact
    neutralized: int = Field(default=0, description="fields replaced because they held instruction-like text")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        return f"[{self.key}] {self.fact.render()}"

    @property
    def date(self) -> str | None:
        return self.fact.date

    @property
    def source(self) -> EvidenceSource:
        return "guideline" if self.fact.kind == "guideline" else "fhir"

    @property
    def citation(self) -> str:
        return f"[{self.key}]"


def with_history(items: list[Evidence]) -> list[Evidence]:
    """``items`` plus the earlier readings and doses their lines cite, as evidence of their own (first
    seen first), so a draft may cite every key a line shows."""
    out = list(items)
    seen = {e.key for e in items}
    for ev in items:
        fact = ev.fact
        if isinstance(fact, ObservationFact | ImmunizationFact):
            for key, earlier in fact.earlier_facts():
                if key not in seen:
                    seen.add(key)
                    out.append(Evidence(key=key, fact=earlier))
    return out


def render_lines(items: list[Evidence], empty: str) -> str:
    """Join evidence lines for a tool result; ``empty`` says what was searched when nothing matched."""
    return "\n".join(e.text for e in items) if items else empty
