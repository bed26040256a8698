"""The wording of answers rendered from the record, as a typed, validated data file (``rules/record_answers.json``).

Each template may use only the placeholders its field allows, and a sentence that states a fact must cite
it (``{cite}``); a mistake stops start-up with the file's name and the field.
"""

from __future__ import annotations

import string
from functools import cache
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medcite.core.evidence import Trend
from medcite.core.resources import load_typed


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class _Templates(BaseModel):
    """Checks every string field against ``allowed`` (placeholders it may use) and ``cited`` (fields that
    must hold ``{cite}``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    allowed: ClassVar[dict[str, set[str]]] = {}
    cited: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _placeholders(self) -> _Templates:
        for field, names in self.allowed.items():
            template = getattr(self, field)
            try:
                used = placeholders(template)
            except ValueError as exc:
                raise ValueError(f"{field}: not a template ({exc}): {template!r}") from exc
            unknown = used - names
            if unknown:
                raise ValueError(f"{field} uses {sorted(unknown)}; it may use {sorted(names)}")
            if field in self.cited and "cite" not in used:
                raise ValueError(f"{field} states a fact and must cite it with {{cite}}")
        return self


class Labels(_Templates):
    model: str = Field(min_length=1, description="before the model's verified sentences")
    record: str = Field(min_length=1, description="before the sentences rendered from the record")
    abstention: str = Field(min_length=1, description="before the model's abstention backed by empty searches")

    allowed: ClassVar[dict[str, set[str]]] = {"model": set(), "record": set(), "abstention": set()}


class FallbackWording(_Templates):
    with_entries: str = Field(min_length=1)
    without_entries: str = Field(min_length=1)

    allowed: ClassVar[dict[str, set[str]]] = {"with_entries": set(), "without_entries": set()}


class ObservationWording(_Templates):
    latest: str
    recorded: str
    previous: str
    trend: str
    trend_answer: str
    trend_single: str
    trend_not_comparable: str
    component_trend: str
    trend_words: dict[Trend, str]

    _reading: ClassVar[set[str]] = {"name", "value", "date", "cite"}
    _pair: ClassVar[set[str]] = _reading | {"previous_value", "previous_date", "previous_cite"}
    allowed: ClassVar[dict[str, set[str]]] = {
        "latest": _reading | {"previous"},
        "recorded": _reading | {"previous"},
        "previous": {"value", "date", "cite", "trend"},
        "trend": {"trend"},
        "trend_answer": _pair | {"trend"},
        "trend_single": _reading,
        "trend_not_comparable": _pair,
        "component_trend": {"label", "trend"},
    }
    cited: ClassVar[frozenset[str]] = frozenset(
        {"latest", "recorded", "previous", "trend_answer", "trend_single", "trend_not_comparable"}
    )

    @model_validator(mode="after")
    def _every_trend(self) -> ObservationWording:
        missing = {"rising", "falling", "stable"} - set(self.trend_words)
        if missing:
            raise ValueError(f"trend_words lacks {sorted(missing)}")
        return self


class ConditionWording(_Templates):
    active: str
    not_active: str
    dates: str
    onset: str
    abated: str
    times: str
    status_words: dict[str, str] = Field(default_factory=dict, description="clinical status code → words")

    allowed: ClassVar[dict[str, set[str]]] = {
        "active": {"name", "status", "dates", "cite"},
        "not_active": {"name", "status", "dates", "cite"},
        "dates": {"parts"},
        "onset": {"date"},
        "abated": {"date"},
        "times": {"count"},
    }
    cited: ClassVar[frozenset[str]] = frozenset({"active", "not_active"})


class _Listing(_Templates):
    one: str
    many: str
    item: str
    details: str
    separator: str

    _listing: ClassVar[dict[str, set[str]]] = {
        "one": {"items"},
        "many": {"count", "items"},
        "item": {"name", "details", "cite"},
        "separator": set(),
    }
    cited: ClassVar[frozenset[str]] = frozenset({"item"})


class MedicationWording(_Listing):
    allowed: ClassVar[dict[str, set[str]]] = {**_Listing._listing, "details": {"dosage"}}


class AllergyWording(_Listing):
    inactive: str
    criticality: str
    reactions: str

    allowed: ClassVar[dict[str, set[str]]] = {
        **_Listing._listing,
        "details": {"parts"},
        "inactive": {"items"},
        "criticality": {"criticality"},
        "reactions": {"reactions"},
    }


class EncounterWording(_Templates):
    of_class: str
    any: str
    span: str
    absent_what: str

    allowed: ClassVar[dict[str, set[str]]] = {
        "of_class": {"label", "span", "cite", "type"},
        "any": {"span", "cite", "type", "encounter_class"},
        "span": {"start", "end"},
        "absent_what": {"label"},
    }
    cited: ClassVar[frozenset[str]] = frozenset({"of_class", "any"})


class RecordAnswerWording(_Templates):
    """``rules/record_answers.json``."""

    labels: Labels
    fallback: FallbackWording
    absent: str
    undated: str = Field(min_length=1, description="said for a date the record does not give")
    unnamed: str = Field(min_length=1, description="said for an entry the record gives no name or code")
    observation: ObservationWording
    condition: ConditionWording
    medications: MedicationWording
    allergies: AllergyWording
    encounter: EncounterWording

    allowed: ClassVar[dict[str, set[str]]] = {"absent": {"what", "cite"}, "undated": set(), "unnamed": set()}
    cited: ClassVar[frozenset[str]] = frozenset({"absent"})


@cache
def record_wording() -> RecordAnswerWording:
    """The wording, validated (a mistake in the file is a ``ConfigError`` naming it)."""
    return load_typed("medcite.agent.rules", "record_answers.json", RecordAnswerWording)
