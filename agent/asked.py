"""What a question asks, in the kinds the planner recognises, each with the tool calls that answer it.

An ``Asked`` item is planned from the question (``planner.plan_question``); gather runs its calls and
records the citation keys they returned in ``keys``, and finalize composes the answer rendered from the
record from the typed facts behind those keys (``record_answer.compose``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Asked(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    keys: tuple[str, ...] = Field(default=(), description="citation keys its calls returned (set by gather)")

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """The tool calls whose results answer it: ``(tool, arguments)``."""
        raise NotImplementedError

    def expects(self) -> str | None:
        """The data it needs, in words, for a missing-data flag when its calls find nothing."""
        return None


class _Observed(_Asked):
    name: str = Field(description="an observation vocabulary name, or the text searched for")

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        return [("search_observations", {"code_or_name": self.name})]

    def expects(self) -> str | None:
        return self.name


class LatestValue(_Observed):
    """The latest value of a lab or vital sign, with the previous value and the trend."""

    kind: Literal["latest_value"] = "latest_value"


class TrendOf(_Observed):
    """Whether a lab or vital sign is rising, falling or stable."""

    kind: Literal["trend"] = "trend"


class IsRecorded(_Observed):
    """Whether a lab or vital sign is recorded at all (a citable empty search when it is not)."""

    kind: Literal["is_recorded"] = "is_recorded"


class ConditionStatus(_Asked):
    """Whether a condition is active, with its onset and abatement."""

    kind: Literal["condition_status"] = "condition_status"
    name: str = Field(min_length=2, description="the condition as asked")

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        return [("list_conditions", {"status": "all"})]


class ActiveMedications(_Asked):
    """The active medication orders and their count."""

    kind: Literal["active_medications"] = "active_medications"

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        return [("list_medications", {"status": "active"})]

    def expects(self) -> str | None:
        return "active medications"


class Allergies(_Asked):
    """The recorded allergies and intolerances."""

    kind: Literal["allergies"] = "allergies"

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        return [("list_allergies", {"status": "all"})]

    def expects(self) -> str | None:
        return "allergies"


class LastEncounter(_Asked):
    """The most recent encounter, of one class (``EMER``, ``IMP``, ``AMB``, ...) or of any."""

    kind: Literal["last_encounter"] = "last_encounter"
    encounter_class: str | None = None
    label: str = Field(default="", description="the class in words: 'emergency'")

    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        args: dict[str, Any] = {"latest_n": 1}
        if self.encounter_class:
            args["encounter_class"] = self.encounter_class
        return [("list_encounters", args)]

    def expects(self) -> str | None:
        return f"{self.label} encounters" if self.label else "encounters"


Asked = Annotated[
    LatestValue | TrendOf | IsRecorded | ConditionStatus | ActiveMedications | Allergies | LastEncounter,
    Field(discriminator="kind"),
]
AskedKind = Literal[
    "latest_value", "trend", "is_recorded", "condition_status", "active_medications", "allergies", "last_encounter"
]
