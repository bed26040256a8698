"""Rules as data: the gather plan and the question kinds (typed, checked at start-up), phrase lists (hedges,
uncertainty, injection patterns) and the verifier's vocabulary (``verification_*.json``, loaded by
``medcite.agent.verification``).

``gather.json`` loads into :class:`GatherRules`, which rejects unknown keys, unknown tool names and
arguments a tool does not accept, so a typo fails when the graph is built, not in a run.
``questions.json`` loads into :class:`QuestionRules`, whose patterns are compiled when loaded.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from medcite.core.resources import load_lines, load_typed
from medcite.tools.caregaps.tool import TOOL_ARGS as CARE_GAP_TOOL_ARGS
from medcite.tools.fhir.langchain_tools import TOOL_ARGS as FHIR_TOOL_ARGS
from medcite.tools.notes import NOTE_TOOL_ARGS

# Every record tool's argument schema by name: the rules are checked against these.
TOOL_ARGS = {**FHIR_TOOL_ARGS, **CARE_GAP_TOOL_ARGS, **NOTE_TOOL_ARGS}


def phrase_list(name: str) -> tuple[str, ...]:
    """Non-comment lines of ``agent/rules/<name>.txt``."""
    return load_lines(__package__, f"{name}.txt")


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CallRule(_Rule):
    """One FHIR tool call with fixed arguments."""

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_tool(self) -> CallRule:
        schema = TOOL_ARGS.get(self.tool)
        if schema is None:
            raise ValueError(f"unknown tool {self.tool!r}; tools: {', '.join(sorted(TOOL_ARGS))}")
        try:
            schema.model_validate(self.args)
        except ValidationError as exc:
            raise ValueError(f"arguments {self.args} do not fit {self.tool}: {exc}") from exc
        extra = set(self.args) - set(schema.model_fields)
        if extra:
            raise ValueError(f"{self.tool} takes no argument {', '.join(sorted(extra))}")
        return self


class TopicRule(_Rule):
    """Questions that mention one of ``match`` (word prefixes) get ``calls``."""

    match: tuple[str, ...] = Field(min_length=1)
    calls: tuple[CallRule, ...] = Field(min_length=1)
    expects: str | None = Field(default=None, description="the data the question needs, for missing-data flags")
    generic: bool = Field(default=False, description="applies only when no specific topic or name matched")


class GuidelineRule(_Rule):
    """When a question asks for guidance, and how many passages summaries take per problem."""

    match: tuple[str, ...] = Field(min_length=1)
    k: int = Field(ge=1, le=20)
    summary_k_per_problem: int = Field(ge=0, le=10)
    summary_max_problems: int = Field(ge=0, le=50)


class NotesRule(_Rule):
    """When a question is searched in the clinical notes (reasons, plans, complaints, history), how many
    sections to take, and which questions read the latest notes whole."""

    match: tuple[str, ...] = Field(min_length=1)
    k: int = Field(ge=1, le=20)
    latest_match: tuple[str, ...] = Field(min_length=1)
    latest_n: int = Field(ge=1, le=20)


class GatherRules(_Rule):
    """The deterministic evidence plan (``rules/gather.json``)."""

    always: tuple[CallRule, ...]
    topics: tuple[TopicRule, ...]
    fallback: tuple[CallRule, ...]
    guidelines: GuidelineRule
    notes: NotesRule


@cache
def gather_rules() -> GatherRules:
    """The gather plan, validated (a mistake in the file is a ``ConfigError`` naming it)."""
    return load_typed(__package__, "gather.json", GatherRules)


def _compiled(pattern: object) -> object:
    """A string compiled case-insensitively (anything else is left for pydantic to reject)."""
    if not isinstance(pattern, str):
        return pattern
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {pattern!r} ({exc})") from exc


def _named(pattern: re.Pattern[str]) -> re.Pattern[str]:
    if "name" not in pattern.groupindex:
        raise ValueError(f"pattern {pattern.pattern!r} has no (?P<name>...) group")
    return pattern


Pattern = Annotated[re.Pattern[str], BeforeValidator(_compiled)]
NamePattern = Annotated[re.Pattern[str], BeforeValidator(_compiled), AfterValidator(_named)]
Patterns = tuple[Pattern, ...]


class ConditionRules(_Rule):
    """'Is X active?': the condition name, quoted or captured by a pattern."""

    status_words: tuple[str, ...] = Field(min_length=1, description="a quoted name is a condition with one of these")
    patterns: tuple[NamePattern, ...] = Field(min_length=1)
    not_names: tuple[str, ...] = ()


class ObservationRules(_Rule):
    """Questions naming a lab or vital sign: its latest value, its trend, or whether it is recorded."""

    min_alias_chars: int = Field(ge=1, le=5)
    trend_words: tuple[str, ...] = Field(min_length=1)
    recorded_patterns: Patterns = Field(min_length=1)


class CueRules(_Rule):
    match: Patterns = Field(min_length=1)
    exclude: Patterns = ()


class EncounterClass(_Rule):
    label: str = Field(min_length=1)
    code: str = Field(pattern=r"^[A-Za-z]{2,12}$")
    match: Patterns = Field(min_length=1)


class EncounterRules(_Rule):
    """'When was the last emergency visit?': an encounter word (or a class), and a word asking when."""

    match: Patterns = Field(min_length=1)
    when: Patterns = Field(min_length=1)
    classes: tuple[EncounterClass, ...] = ()


class QuestionRules(_Rule):
    """The question kinds the planner recognises (``rules/questions.json``)."""

    quoted: NamePattern
    condition: ConditionRules
    observation: ObservationRules
    medications: CueRules
    allergies: CueRules
    encounters: EncounterRules


@cache
def question_rules() -> QuestionRules:
    """The question kinds, validated (a mistake in the file is a ``ConfigError`` naming it)."""
    return load_typed(__package__, "questions.json", QuestionRules)
