"""Search hits and their citable rendering: ``[guideline:<id>] Title — Issuer (date) · section: passage…``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from medcite.core.evidence import Evidence
from medcite.tools.retrieval.passage import Passage

CITATION_PREFIX = "guideline:"
PASSAGE_CHARS = 320


@dataclass(frozen=True)
class GuidelineHit:
    """One retrieved passage with its fused score, rank, date status and provenance."""

    passage: Passage
    score: float
    stale: bool
    stale_after_years: float
    superseded_by: str | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None

    @property
    def key(self) -> str:
        return f"{CITATION_PREFIX}{self.passage.id}"

    @property
    def date(self) -> str | None:
        return self.passage.date


def _clean(text: str) -> str:
    """One line, no bracketed keys a model could mistake for citations."""
    text = re.sub(r"\s+", " ", text).strip()
    return text.replace("[", "(").replace("]", ")")


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def hit_line(hit: GuidelineHit, passage_chars: int = PASSAGE_CHARS) -> str:
    p = hit.passage
    date = p.date or "undated"
    if hit.stale:
        date += f", STALE: older than {hit.stale_after_years:g} years"
    head = f"[{hit.key}] {_clean(p.title)}"
    if p.issuer:
        head += f" — {_clean(p.issuer)}"
    head += f" ({date})"
    if p.grade:
        head += f" · grade {_clean(p.grade)}"
    if hit.superseded_by:
        head += f" · newer on this topic: {CITATION_PREFIX}{hit.superseded_by}"
    section = f"{_clean(p.section)}: " if p.section else ""
    return f"{head} · {section}{_clip(_clean(p.text), passage_chars)}"


def hit_evidence(hit: GuidelineHit, passage_chars: int = PASSAGE_CHARS) -> Evidence:
    p = hit.passage
    return Evidence(
        key=hit.key,
        text=hit_line(hit, passage_chars),
        source="guideline",
        date=p.date,
        meta={
            "title": p.title,
            "issuer": p.issuer,
            "section": p.section,
            "url": p.url,
            "grade": p.grade,
            "stale": hit.stale,
            "superseded_by": f"{CITATION_PREFIX}{hit.superseded_by}" if hit.superseded_by else None,
            "score": hit.score,
            "source": p.source,
            "doc_id": p.doc_id,
            "passage": p.text,
        },
    )
