"""The typed result of a run: cited Markdown, resolved citations, uncertainty flags, a trace id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from medcite.core.disclaimer import DISCLAIMER
from medcite.tools.caregaps import CareGapReport

FlagKind = Literal[
    "missing_data",
    "conflicting_values",
    "stale_guideline",
    "weak_retrieval",
    "model_hedge",
    "model_uncertainty",
    "removed_claim",
    "unverified_claim",
    "possible_injection",
    "tool_error",
    "incomplete",
    "source_issue",
]


class Flag(BaseModel):
    """One reason to doubt (part of) the answer."""

    kind: FlagKind
    reason: str
    keys: list[str] = Field(default_factory=list, description="citation keys concerned")

    def __str__(self) -> str:
        keys = f" ({', '.join(self.keys)})" if self.keys else ""
        return f"{self.kind}: {self.reason}{keys}"


class Citation(BaseModel):
    """A citation key resolved to its source."""

    key: str
    source: Literal["fhir", "guideline"]
    label: str
    date: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    title: str | None = None
    issuer: str | None = None
    url: str | None = None
    stale: bool = False
    section: str | None = Field(default=None, description="for a note: the section cited")
    text: str = Field(description="the evidence line the key stands for")


class SentenceCheck(BaseModel):
    """Verification outcome of one sentence of a model draft."""

    sentence: str
    keys: list[str] = Field(default_factory=list)
    status: Literal[
        "verified",
        "abstention",
        "uncited",
        "unknown_citation",
        "unsupported_value",
        "unsupported_content",
        "unverifiable",
    ]
    problems: list[str] = Field(default_factory=list)

    @property
    def kept(self) -> bool:
        return self.status in ("verified", "abstention")


class Section(BaseModel):
    """A facts section of a summary, rendered from the record (never from the model)."""

    title: str
    lines: list[str]
    keys: list[str]


class Answer(BaseModel):
    """What ``ask`` and ``summarize`` return."""

    question: str
    text: str = Field(description="Markdown with inline [citation] keys")
    citations: list[Citation] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    checks: list[SentenceCheck] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    synopsis: str | None = None
    fallback: bool = Field(
        default=False, description="no model sentence verified: the text lists record entries, not an answer"
    )
    patient_id: str | None = None
    care_gaps: CareGapReport | None = Field(
        default=None, description="summaries: every USPSTF A/B recommendation's status, not-applicable ones included"
    )
    corpus_snapshots: list[str] = Field(
        default_factory=list, description="the snapshot date of each guideline corpus cited, said once"
    )
    model: str = ""
    trace_id: str = ""
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    disclaimer: str = DISCLAIMER

    def cited_keys(self) -> list[str]:
        return [c.key for c in self.citations]

    def to_markdown(self) -> str:
        """The full report: text, flags, sources and the disclaimer."""
        out = [self.text.rstrip(), ""]
        if self.flags:
            out += ["### Uncertainty flags", *[f"- ⚠ **{f.kind}**: {f.reason}" + _keys(f.keys) for f in self.flags], ""]
        if self.citations:
            out += ["### Sources", *[f"- `[{c.key}]` {c.label}" for c in self.citations]]
            out += [f"- guideline corpus: {s}" for s in self.corpus_snapshots] + [""]
        out += [f"_{self.disclaimer}_", f"<sub>trace {self.trace_id} · model {self.model}</sub>"]
        return "\n".join(out)


def _keys(keys: list[str]) -> str:
    return f" ({', '.join(f'`{k}`' for k in keys[:6])}{'…' if len(keys) > 6 else ''})" if keys else ""
