"""Citation keys resolved to their sources (resource type/id/date; guideline title/issuer/date/URL)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from medcite.agent.answer import Citation
from medcite.core.evidence import Evidence


def _label(ev: Evidence) -> str:
    return re.sub(r"^\[[^\]]+\]\s*", "", ev.text).strip()


def resolve(keys: Iterable[str], evidence: Mapping[str, Evidence]) -> list[Citation]:
    out: list[Citation] = []
    for key in dict.fromkeys(keys):
        ev = evidence.get(key)
        if ev is None:
            continue
        if ev.source == "guideline":
            m = ev.meta
            out.append(
                Citation(
                    key=key,
                    source="guideline",
                    label=_label(ev),
                    date=ev.date,
                    title=m.get("title"),
                    issuer=m.get("issuer"),
                    url=m.get("url"),
                    stale=bool(m.get("stale")),
                    text=ev.text,
                )
            )
        else:
            rtype, _, rid = key.partition("/")
            out.append(
                Citation(
                    key=key,
                    source="fhir",
                    label=_label(ev),
                    date=ev.date,
                    resource_type=rtype,
                    resource_id=rid,
                    text=ev.text,
                )
            )
    return out
