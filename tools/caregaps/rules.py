"""The care-gap rules as typed data: code sets, criteria and one rule per USPSTF A/B recommendation.

Three files in ``data/`` load into the models below; every model rejects unknown keys, and the
rulebook checks that each criterion and recommendation names code sets and criteria that exist, so a
typo fails at start-up with the file's name.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator

from medcite.core.errors import ConfigError
from medcite.core.resources import load_typed

PACKAGE = "medcite.tools.caregaps"
SYSTEMS = {
    "sct": "http://snomed.info/sct",
    "loinc": "http://loinc.org",
    "cvx": "http://hl7.org/fhir/sid/cvx",
    "rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
}
ResourceType = Literal[
    "Condition",
    "Observation",
    "Procedure",
    "DiagnosticReport",
    "Immunization",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationAdministration",
    "ImagingStudy",
    "CarePlan",
]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CodeSet(_Data):
    """Codes (``sct|73761001``) that mean one thing, and the resource types that carry them."""

    label: str = Field(min_length=1)
    resources: tuple[ResourceType, ...]
    codes: tuple[str, ...] = ()
    names: tuple[str, ...] = Field(default=(), description="medication ingredient names, matched in the display")

    @field_validator("codes")
    @classmethod
    def _system_codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for token in codes:
            system, sep, code = token.rpartition("|")
            system = SYSTEMS.get(system, system)
            if not sep or system not in SYSTEMS.values() or not code:
                raise ValueError(f"{token!r} is not 'system|code' with a system in {', '.join(SYSTEMS)}")
            out.append(f"{system}|{code}")
        return tuple(out)

    @model_validator(mode="after")
    def _something_to_match(self) -> CodeSet:
        if not self.codes and not self.names:
            raise ValueError(f"code set {self.label!r} has neither codes nor names")
        return self


class Span(_Data):
    """A length of time: years, months and days."""

    years: int = Field(default=0, ge=0)
    months: int = Field(default=0, ge=0)
    days: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _not_empty(self) -> Span:
        if not (self.years or self.months or self.days):
            raise ValueError("a span needs years, months or days")
        return self

    def after(self, start: date) -> date:
        """``start`` plus this span (calendar years and months; the 29th of February falls back to the 28th)."""
        month_index = start.month - 1 + self.months
        year = start.year + self.years + month_index // 12
        month = month_index % 12 + 1
        day = start.day
        while True:
            try:
                moved = date(year, month, day)
                break
            except ValueError:
                day -= 1
        return date.fromordinal(moved.toordinal() + self.days)

    def text(self) -> str:
        """'3 years', '6 months', 'year' (a single unit reads 'every year')."""
        parts = [(n, unit) for n, unit in ((self.years, "year"), (self.months, "month"), (self.days, "day")) if n]
        if len(parts) == 1 and parts[0][0] == 1:
            return parts[0][1]
        return ", ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts)


class ConditionCheck(_Data):
    """A Condition from ``codes`` active on the as-of date (onset on or before it, not yet abated)."""

    kind: Literal["condition"]
    codes: str


class ConditionEndedCheck(_Data):
    """A Condition from ``codes`` that ended (abated) within ``within`` before the as-of date."""

    kind: Literal["condition_ended"]
    codes: str
    within: Span


class ProcedureEverCheck(_Data):
    """A completed Procedure from ``codes`` on or before the as-of date."""

    kind: Literal["procedure_ever"]
    codes: str


class ValueCheck(_Data):
    """The latest numeric result from ``codes`` (within ``within`` before the as-of date) compared to ``value``."""

    kind: Literal["latest_value"]
    codes: str
    op: Literal[">=", ">", "<=", "<"]
    value: float
    within: Span | None = None


class CodedCheck(_Data):
    """Coded results from ``codes``: the latest one's value (``which: latest``) or any value ever
    (``which: ever``) is in the code set ``values``. With no result at all the answer is unknown."""

    kind: Literal["coded_value"]
    codes: str
    values: str
    which: Literal["latest", "ever"]
    within: Span | None = None


class DateValueCheck(_Data):
    """The latest result from ``codes`` holds a date (``valueDateTime``) within ``within`` before the as-of date."""

    kind: Literal["date_value_within"]
    codes: str
    within: Span


class NotRecordedCheck(_Data):
    """A criterion records do not carry in coded form: always unknown."""

    kind: Literal["not_recorded"]


Check = Annotated[
    ConditionCheck | ConditionEndedCheck | ProcedureEverCheck | ValueCheck | CodedCheck | DateValueCheck
    | NotRecordedCheck,
    Field(discriminator="kind"),
]


class Criterion(_Data):
    """Holds when any check holds; unknown when none holds and one cannot be answered; else does not hold."""

    label: str = Field(min_length=1, description="what holds, e.g. 'overweight or obesity (BMI ≥ 25)'")
    datum: str = Field(min_length=1, description="what is missing when the record cannot answer, e.g. 'a BMI'")
    any_of: tuple[Check, ...] = Field(min_length=1)


class Satisfier(_Data):
    """Record entries that count as the service being given, and for how long one counts."""

    codes: str
    every: Span | None = Field(default=None, description="the interval; none: once is enough")
    basis: str = Field(min_length=1, description="where the interval comes from (USPSTF text)")
    since_pregnancy: bool = Field(default=False, description="only entries since the current pregnancy began count")
    min_age_at_entry: int | None = Field(default=None, ge=0, description="only entries made at this age or older")
    patient_ages: tuple[int, int] | None = Field(default=None, description="applies only to patients of these ages")


class Recommendation(_Data):
    """One USPSTF grade A or B specific recommendation as a care-gap rule."""

    id: int = Field(description="the USPSTF specific recommendation id")
    passage: str = Field(pattern=r"^uspstf-rec-\d+$", description="its statement passage id in the guideline corpus")
    title: str = Field(min_length=1, description="a short title for the summary line")
    grade: Literal["A", "B"]
    sex: Literal["female", "male"] | None = None
    ages: tuple[int, int]
    min_age_months: int | None = Field(default=None, ge=0, le=11, description="months added to the lower age")
    max_age_days: int | None = Field(default=None, ge=0, description="a newborn limit, in days of life")
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    satisfied_by: tuple[Satisfier, ...] = ()
    unrecorded: str | None = Field(default=None, description="when nothing in a record shows the service was given")

    @model_validator(mode="after")
    def _satisfiable(self) -> Recommendation:
        if not self.satisfied_by and not self.unrecorded:
            raise ValueError(f"recommendation {self.id}: give satisfied_by or say why it is unrecorded")
        if self.ages[0] > self.ages[1]:
            raise ValueError(f"recommendation {self.id}: ages {self.ages} are out of order")
        return self


class CodeSets(RootModel[dict[str, CodeSet]]):
    pass


class Criteria(RootModel[dict[str, Criterion]]):
    pass


class RecommendationFile(_Data):
    source: str = Field(min_length=1, description="the USPSTF data the rules were written from")
    snapshot: date = Field(description="the date of that data: recommendations as of this day")
    recommendations: tuple[Recommendation, ...] = Field(min_length=1)


class Rulebook(_Data):
    """Everything the engine reads, cross-checked."""

    code_sets: dict[str, CodeSet]
    criteria: dict[str, Criterion]
    source: str
    snapshot: date
    recommendations: tuple[Recommendation, ...]

    @model_validator(mode="after")
    def _references_exist(self) -> Rulebook:
        problems: list[str] = []
        for name, crit in self.criteria.items():
            for check in crit.any_of:
                for field in ("codes", "values"):
                    ref = getattr(check, field, None)
                    if ref is not None and ref not in self.code_sets:
                        problems.append(f"criterion {name}: unknown code set {ref!r}")
        ids = [r.id for r in self.recommendations]
        if len(set(ids)) != len(ids):
            problems.append("recommendation ids repeat")
        for rec in self.recommendations:
            for ref in (*rec.requires, *rec.excludes):
                if ref not in self.criteria:
                    problems.append(f"recommendation {rec.id}: unknown criterion {ref!r}")
            for sat in rec.satisfied_by:
                if sat.codes not in self.code_sets:
                    problems.append(f"recommendation {rec.id}: unknown code set {sat.codes!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def recommendation(self, rec_id: int) -> Recommendation:
        return next(r for r in self.recommendations if r.id == rec_id)


@cache
def rulebook() -> Rulebook:
    """The shipped rules (``data/code_sets.json``, ``data/criteria.json``, ``data/uspstf_recommendations.json``)."""
    recs = load_typed(PACKAGE, "data/uspstf_recommendations.json", RecommendationFile)
    try:
        return Rulebook(
            code_sets=load_typed(PACKAGE, "data/code_sets.json", CodeSets).root,
            criteria=load_typed(PACKAGE, "data/criteria.json", Criteria).root,
            source=recs.source,
            snapshot=recs.snapshot,
            recommendations=recs.recommendations,
        )
    except ValueError as exc:
        raise ConfigError(f"{PACKAGE}/data: the care-gap rules do not fit together: {exc}") from exc
