"""Evidence: one citable fact produced by a tool, keyed by its citation key."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

EvidenceSource = Literal["fhir", "guideline"]


class Evidence(BaseModel):
    """A single citable line.

    ``key`` is the citation key without brackets: ``Observation/123`` or ``guideline:uspstf-00012``.
    ``text`` is the compact line shown to the model; it starts with ``[key]``.
    """

    key: str
    text: str
    source: EvidenceSource
    date: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)

    @property
    def citation(self) -> str:
        return f"[{self.key}]"


def render_lines(items: list[Evidence], empty: str) -> str:
    """Join evidence lines for a tool result; ``empty`` says what was searched when nothing matched."""
    return "\n".join(e.text for e in items) if items else empty
