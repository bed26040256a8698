"""The typed result of a run: cited Markdown, resolved citations, uncertainty flags, a trace id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from medcite.core.disclaimer import DISCLAIMER
from medcite.core.safe_text import markdown_cited, markdown_code, markdown_text
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
    url: str | None = Field(default=None, description="the passage's URL as its metadata gives it (text, never a link)")
    link: str | None = Field(default=None, description="the URL, when it may be shown as a link: shipped corpus only")
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
        "unsafe_markup",
    ]
    problems: list[str] = Field(default_factory=list)

    @property
    def kept(self) -> bool:
        return self.status in ("verified", "abstention")

    def shown(self) -> SentenceCheck:
        """As reported: a removed sentence by its length only (it may hold planted text; the audit log
        keeps it)."""
        if self.kept:
            return self
        return self.model_copy(update={"sentence": f"(removed, {len(self.sentence)} characters)"})


AnswerBasis = Literal["model", "record", "abstention", "fallback", "summary"]
BASIS_TITLES: dict[str, str] = {
    "model": "Model answer, verified against the record",
    "record": "Answer rendered from the record (not written by the model)",
    "abstention": "The record holds no answer",
    "fallback": "No answer",
    "summary": "Summary",
}
ORIGIN_TAGS: dict[str, str] = {"model": "model-written, verified", "record": "from the record"}
SentenceOrigin = Literal["model", "record"]


class AnswerSentence(BaseModel):
    """One sentence of an answer and who wrote it: the model (and it passed verification) or medcite, rendered
    from the typed record facts it cites."""

    text: str
    keys: list[str] = Field(default_factory=list)
    origin: SentenceOrigin
    abstention: bool = Field(default=False, description="a model sentence saying the record does not hold it")


class Section(BaseModel):
    """A facts section of a summary, rendered from the record (never from the model)."""

    title: str
    lines: list[str]
    keys: list[str]


class Answer(BaseModel):
    """What ``ask`` and ``summarize`` return."""

    question: str
    text: str = Field(description="Markdown with inline [citation] keys; record and model text in it is escaped")
    citations: list[Citation] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    checks: list[SentenceCheck] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    synopsis: str | None = Field(default=None, description="the verified model sentences, as plain text")
    fallback: bool = Field(
        default=False, description="no model sentence verified: the text lists record entries, not an answer"
    )
    basis: AnswerBasis | None = Field(
        default=None,
        description="model: the model's verified answer leads (a record answer may back it); record: rendered from "
        "the record, not model-written; abstention: the model's abstention, backed by cited empty searches; "
        "fallback: no answer, the matched record entries are listed; summary: a summary",
    )
    sentences: list[AnswerSentence] = Field(
        default_factory=list, description="the answer's sentences, each with its origin"
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
        """The full report: text, flags, sources and the footer. Record and model text is escaped
        (:mod:`medcite.core.safe_text`): nothing in it renders as a link, image or HTML."""
        out = [self.text.rstrip(), ""]
        if self.flags:
            out += ["### Uncertainty flags", *[flag_markdown(f) for f in self.flags], ""]
        if self.citations:
            sources = [f"- {markdown_code(f'[{c.key}]')} {markdown_cited(c.label)}" for c in self.citations]
            out += ["### Sources", *sources]
            out += [f"- guideline corpus: {markdown_text(s)}" for s in self.corpus_snapshots] + [""]
        return "\n".join([*out, self.footer_markdown()])

    def footer_markdown(self) -> str:
        """The disclaimer, trace id and model, as Markdown."""
        run = f"trace {markdown_text(self.trace_id)} · model {markdown_text(self.model)}"
        return f"_{self.disclaimer}_  \n<sub>{run}</sub>"


def flag_markdown(flag: Flag) -> str:
    """One flag as a Markdown list item."""
    keys = flag.keys
    shown = f" ({', '.join(markdown_code(k) for k in keys[:6])}{'…' if len(keys) > 6 else ''})" if keys else ""
    return f"- ⚠ **{flag.kind}**: {markdown_cited(flag.reason)}{shown}"
