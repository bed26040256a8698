"""A source-independent search and the one predicate that decides what matches it.

Servers differ at the edges (date boundaries, text matching), so every source applies
:func:`matches` to what it returns: the same query gives the same answer on any source.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from medcite.core.vocabulary import normalize_name
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.fhir_dates import EARLIEST, day_end, day_start

_TYPE_RE = re.compile(r"^[A-Z][A-Za-z]+$")


class SearchQuery(BaseModel):
    """Resources of one type, narrowed to a patient, codes, status, category and dates."""

    model_config = ConfigDict(frozen=True)

    resource_type: str
    patient: str | None = None
    codes: tuple[str, ...] = Field(default=(), description="'system|code' or bare 'code' tokens (any)")
    text: str | None = Field(default=None, description="case-insensitive text in the code's display")
    statuses: tuple[str, ...] = Field(
        default=(),
        description="status codes (any); clinical status for Condition and AllergyIntolerance",
    )
    categories: tuple[str, ...] = ()
    date_ge: date | None = None
    date_le: date | None = None
    newest_first: bool = False

    @field_validator("resource_type")
    @classmethod
    def _type_name(cls, value: str) -> str:
        if not _TYPE_RE.match(value):
            raise ValueError(f"not a FHIR resource type name: {value!r}")
        return value


def _token_matches(token: str, coding: rf.Coding) -> bool:
    if "|" not in token:
        return coding.code == token
    system, code = token.split("|", 1)
    return (not system or coding.system == system) and (not code or coding.code == code)


def matches(resource: rf.Resource, query: SearchQuery) -> bool:
    """Whether ``resource`` satisfies ``query`` (the canonical meaning of every search)."""
    if resource.get("resourceType") != query.resource_type:
        return False
    if query.patient is not None and rf.patient_id(resource) != query.patient:
        return False
    if query.codes:
        found = rf.codes(resource)
        if not any(_token_matches(t, c) for t in query.codes for c in found):
            return False
    if query.text:
        needle = normalize_name(query.text)
        if not any(needle in normalize_name(t) for t in rf.code_texts(resource)):
            return False
    if query.statuses and rf.status(resource) not in query.statuses:
        return False
    if query.categories and not set(query.categories) & set(rf.categories(resource)):
        return False
    if query.date_ge or query.date_le:
        span = rf.date_range(resource)
        if span is None:
            return False
        if query.date_ge and span[1] < day_start(query.date_ge):
            return False
        if query.date_le and span[0] > day_end(query.date_le):
            return False
    return True


def order_key(resource: rf.Resource) -> tuple[datetime, str]:
    """Canonical order: by the type's date (undated first), then by citation key."""
    span = rf.date_range(resource)
    return (span[0] if span else EARLIEST), rf.resource_key(resource)


def in_order(resources: list[rf.Resource], newest_first: bool = False) -> list[rf.Resource]:
    return sorted(resources, key=order_key, reverse=newest_first)
