"""Typed cue tables (regular expressions kept as data), validated when loaded.

A misspelt key or a pattern that does not compile fails at load time with the file's name.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from medcite.core.resources import load_typed

DATA_PACKAGE = "medcite.evals.data"


def _compile(value: object) -> re.Pattern[str]:
    if isinstance(value, re.Pattern):
        return value
    if not isinstance(value, str) or not value:
        raise ValueError(f"a cue must be a non-empty regular expression, got {value!r}")
    try:
        return re.compile(value, re.I)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a valid regular expression: {exc}") from exc


Regex = Annotated[re.Pattern[str], BeforeValidator(_compile)]
"""A case-insensitive regular expression, compiled when the table is loaded."""


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


@cache
def answer_cues() -> AnswerCues:
    return load_typed(DATA_PACKAGE, "answer_cues.json", AnswerCues)
