"""Citation keys resolved to their sources (resource type/id/date; a note's type, section and date;
guideline title/issuer/date/URL; the search behind a "none recorded" fact).

A guideline URL becomes a ``link`` (shown as an active link) only for a passage of the shipped default
corpus, whose metadata is reviewed; a URL from a user's own document stays text in ``url``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from medcite.agent.answer import Citation
from medcite.core.citation_keys import resource_part
from medcite.core.evidence import AbsenceFact, Evidence, GuidelineFact, NoteFact
from medcite.core.safe_text import web_url


def _citation(ev: Evidence) -> Citation:
    fact = ev.fact
    citation = Citation(key=ev.key, source=ev.source, label=fact.render(), date=ev.date, text=ev.text)
    if isinstance(fact, GuidelineFact):
        from medcite.corpora.default import DEFAULT_SOURCES  # here: only runs once a store was searched

        link = web_url(fact.url) if fact.corpus in DEFAULT_SOURCES else None
        update = {"title": fact.title, "issuer": fact.issuer, "url": fact.url, "link": link, "stale": fact.stale}
    elif isinstance(fact, AbsenceFact):
        update = {"resource_type": fact.resource_type}
    elif isinstance(fact, NoteFact):
        part = resource_part(ev.key)
        where = ", ".join(p for p in (fact.note_type, fact.section) if p)
        update = {
            "resource_type": part[0] if part else None,
            "resource_id": part[1] if part else None,
            "title": fact.note_type,
            "section": fact.section,
            "label": " ".join(p for p in (fact.written, where) if p) + (f" (by {fact.author})" if fact.author else ""),
        }
    else:
        part = resource_part(ev.key)
        update = {"resource_type": part[0], "resource_id": part[1]} if part else {}
    return citation.model_copy(update=update)


def resolve(keys: Iterable[str], evidence: Mapping[str, Evidence]) -> list[Citation]:
    """Each key (once, first seen first) that the evidence holds, as a :class:`Citation`."""
    return [_citation(evidence[key]) for key in dict.fromkeys(keys) if key in evidence]
