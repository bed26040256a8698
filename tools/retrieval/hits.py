"""Search hits and their citable rendering: ``[guideline:<id>] Title — Issuer (date) · section: passage…``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from medcite.core.evidence import Evidence, GuidelineFact
from medcite.tools.retrieval.passage import Passage

CITATION_PREFIX = "guideline:"
PASSAGE_CHARS = 320


@dataclass(frozen=True)
class GuidelineHit:
    """One retrieved passage with its fused score, rank, date status and provenance."""

    passage: Passage
    score: float
    stale_reason: str | None = None  # a newer version in the store, or the issuer's review cycle has passed
    snapshot: str | None = None  # the corpus snapshot the passage belongs to
    superseded_by: str | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None

    @property
    def stale(self) -> bool:
        return self.stale_reason is not None

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


def hit_evidence(hit: GuidelineHit, passage_chars: int = PASSAGE_CHARS) -> Evidence:
    """The hit as citable Evidence: a :class:`GuidelineFact` with its provenance, recency and ranks."""
    p = hit.passage
    fact = GuidelineFact(
        title=_clean(p.title),
        issuer=_clean(p.issuer),
        section=_clean(p.section),
        published=p.date,
        url=p.url,
        grade=_clean(p.grade) if p.grade else None,
        topic=p.topic,
        doc_id=p.doc_id,
        corpus=p.source,
        excerpt=_clip(_clean(p.text), passage_chars),
        stale=hit.stale,
        stale_reason=hit.stale_reason,
        snapshot=hit.snapshot,
        superseded_by=f"{CITATION_PREFIX}{hit.superseded_by}" if hit.superseded_by else None,
        score=hit.score,
        dense_rank=hit.dense_rank,
        lexical_rank=hit.lexical_rank,
    )
    return Evidence(key=hit.key, fact=fact)


def hit_line(hit: GuidelineHit, passage_chars: int = PASSAGE_CHARS) -> str:
    """``[guideline:<id>] Title — Issuer (date) · section: passage…``."""
    return hit_evidence(hit, passage_chars).text
