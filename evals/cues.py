"""Typed cue tables (regular expressions kept as data), validated when loaded.

A misspelt key or a pattern that does not compile fails at load time with the file's name.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from medcite.core.resources import load_typed

DATA_PACKAGE = "medcite.evals.data"


def _compiler(flags: re.RegexFlag) -> BeforeValidator:
    def compile_cue(value: object) -> re.Pattern[str]:
        if isinstance(value, re.Pattern):
            return value
        if not isinstance(value, str) or not value:
            raise ValueError(f"a cue must be a non-empty regular expression, got {value!r}")
        try:
            return re.compile(value, flags)
        except re.error as exc:
            raise ValueError(f"{value!r} is not a valid regular expression: {exc}") from exc

    return BeforeValidator(compile_cue)


Regex = Annotated[re.Pattern[str], _compiler(re.I)]
"""A case-insensitive regular expression, compiled when the table is loaded."""
LineRegex = Annotated[re.Pattern[str], _compiler(re.I | re.M)]
"""The same, with ``^`` and ``$`` matching at every line."""


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerCues(Table):
    """``evals/data/answer_cues.json``: how FHIR answers are read."""

    yes_no: dict[Literal["yes", "no"], list[Regex]]
    trend: dict[Literal["increasing", "decreasing", "stable"], list[Regex]]
    number_words: dict[str, int] = Field(description="count words, lower case")
    list_filler_words: list[str] = Field(description="words an allergy name may leave out")
    counted: list[Regex] = Field(description="what a count of active medication orders counts, after the number")
    context: list[Regex] = Field(description="where a statement turns to earlier values or the end of a span")


class QaAnswerCues(Table):
    """``evals/data/qa_answer_cues.json``: how the chosen option is read out of a QA reply."""

    final_marker: list[LineRegex] = Field(description="the final-answer marker; the choice follows it")
    answer_lead: list[LineRegex] = Field(description="phrases the choice follows: 'the answer is', 'I'll go with'")
    negated_lead: LineRegex = Field(description="what after a lead withdraws it ('the answer is not A')")
    contrast: LineRegex = Field(description="after a withdrawn choice, what the choice follows ('not A but B')")
    several_letters: LineRegex = Field(description="two letters given as the answer ('A and C'): no single choice")
    letter_claim: list[LineRegex] = Field(description="phrases naming the chosen letter in group 1: 'E is correct'")
    hedge: list[LineRegex] = Field(description="words of a reply weighing options without choosing one")

    @field_validator("letter_claim")
    @classmethod
    def _one_group(cls, patterns: list[re.Pattern[str]]) -> list[re.Pattern[str]]:
        for p in patterns:
            if p.groups != 1:
                raise ValueError(f"letter_claim {p.pattern!r} needs exactly one group (the letter)")
        return patterns


@cache
def answer_cues() -> AnswerCues:
    return load_typed(DATA_PACKAGE, "answer_cues.json", AnswerCues)


@cache
def qa_answer_cues() -> QaAnswerCues:
    return load_typed(DATA_PACKAGE, "qa_answer_cues.json", QaAnswerCues)
