"""The one interface every FHIR source implements, and the report of what a source could not use."""

from __future__ import annotations

import re
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field, field_validator

from medcite.tools.fhir.query import SearchQuery

Severity = Literal["error", "warning"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def one_line(text: str) -> str:
    """Control characters (newlines, terminal escapes) from the input shown escaped: ``\\n``, ``\\x1b``."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class LoadIssue(BaseModel):
    """One problem with the input, located as precisely as possible."""

    severity: Severity
    where: str = Field(description="file and entry index ('a.json entry 12', 'b.ndjson line 3') or URL")
    message: str
    key: str | None = Field(default=None, description="Type/id of the resource concerned, when known")

    @field_validator("where", "message", "key")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return one_line(value) if value is not None else None

    def __str__(self) -> str:
        key = f" ({self.key})" if self.key else ""
        return f"{self.severity}: {self.where}{key}: {self.message}"


class LoadReport(BaseModel):
    """What was read and what was left out. ``complete`` is False when anything was left out."""

    sources: list[str] = Field(default_factory=list)
    resources: int = 0
    by_type: dict[str, int] = Field(default_factory=dict)
    issues: list[LoadIssue] = Field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    @property
    def excluded(self) -> list[LoadIssue]:
        return [i for i in self.issues if i.severity == "error"]

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {t}" for t, n in sorted(self.by_type.items()))
        left_out = len(self.excluded)
        tail = f"; {left_out} left out as invalid" if left_out else ""
        warnings = len(self.issues) - left_out
        tail += f"; {warnings} warnings" if warnings else ""
        return f"{self.resources} resources ({kinds}){tail}"


@runtime_checkable
class FhirSource(Protocol):
    """Read access to FHIR R4 data: a local bundle set or a REST server.

    Resources are raw JSON dicts that passed R4B validation; searches return them in the canonical
    order of :mod:`tools.fhir.query`."""

    @property
    def description(self) -> str: ...

    @property
    def report(self) -> LoadReport: ...

    def patient_ids(self) -> list[str]: ...

    def read(self, resource_type: str, resource_id: str) -> dict[str, Any] | None: ...

    def search(self, query: SearchQuery) -> list[dict[str, Any]]: ...
