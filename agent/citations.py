"""Citation keys resolved to their sources (resource type/id/date; guideline title/issuer/date/URL;
the search behind a "none recorded" fact)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from medcite.agent.answer import Citation
from medcite.core.citation_keys import resource_part
from medcite.core.evidence import AbsenceFact, Evidence, GuidelineFact


def _citation(ev: Evidence) -> Citation:
    fact = ev.fact
    citation = Citation(key=ev.key, source=ev.source, label=fact.render(), date=ev.date, text=ev.text)
    if isinstance(fact, GuidelineFact):
        update = {"title": fact.title, "issuer": fact.issuer, "url": fact.url, "stale": fact.stale}
    elif isinstance(fact, AbsenceFact):
        update = {"resource_type": fact.resource_type}
    else:
        part = resource_part(ev.key)
        update = {"resource_type": part[0], "resource_id": part[1]} if part else {}
    return citation.model_copy(update=update)


def resolve(keys: Iterable[str], evidence: Mapping[str, Evidence]) -> list[Citation]:
    """Each key (once, first seen first) that the evidence holds, as a :class:`Citation`."""
    return [_citation(evidence[key]) for key in dict.fromkeys(keys) if key in evidence]
