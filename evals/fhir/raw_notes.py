"""Clinical notes read straight from a raw bundle (base64 ``text/plain`` DocumentReference content, inline or in
a ``Binary`` of the bundle), without ``tools.fhir``, so note golds check that code independently.

Sections are the note's top-level ``# `` headings; the citation key of a section is
``DocumentReference/<id>#<heading lower-cased, runs of other characters as '-'>``.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from medcite.evals.fhir.raw_bundle import RawBundle, Resource, concept_text, day, resource_key

PLAIN = "text/plain"
_TRAILING_TAG = re.compile(r"\s*\([a-z][a-z /\-]*\)\s*$")


@dataclass(frozen=True)
class RawNote:
    key: str
    day: str | None
    instant: str
    note_type: str
    text: str
    sections: dict[str, str]  # heading -> body, in document order

    def section_key(self, heading: str) -> str:
        return f"{self.key}#{section_slug(heading)}"


def section_slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def split_top_sections(text: str) -> dict[str, str]:
    """Heading -> body for each line starting with ``# `` (``##`` sub-headings stay in their section)."""
    out: dict[str, str] = {}
    heading: str | None = None
    body: list[str] = []
    for line in text.splitlines():
        if line.startswith("# "):
            if heading is not None:
                out[heading] = "\n".join(body).strip()
            heading, body = line[2:].strip(), []
        elif heading is not None:
            body.append(line)
    if heading is not None:
        out[heading] = "\n".join(body).strip()
    return out


def _plain_data(bundle: RawBundle, doc: Resource) -> str | None:
    for content in doc.get("content") or []:
        attachment = content.get("attachment") or {}
        if not str(attachment.get("contentType", "")).startswith(PLAIN):
            continue
        data = attachment.get("data")
        if data is None and str(attachment.get("url", "")).startswith("Binary/"):
            data = (bundle.by_key.get(attachment["url"]) or {}).get("data")
        if isinstance(data, str):
            return base64.b64decode(data).decode("utf-8")
    return None


def raw_notes(bundle: RawBundle) -> list[RawNote]:
    """The bundle's plain-text DocumentReference notes (not entered-in-error), oldest first."""
    notes = []
    for doc in bundle.of_type("DocumentReference"):
        text = _plain_data(bundle, doc)
        if doc.get("status") == "entered-in-error" or text is None:
            continue
        instant = str(doc.get("date") or (doc.get("context") or {}).get("period", {}).get("start") or "")
        notes.append(
            RawNote(
                key=resource_key(doc),
                day=day(instant),
                instant=instant,
                note_type=concept_text(doc.get("type")),
                text=text,
                sections=split_top_sections(text),
            )
        )
    return sorted(notes, key=lambda n: (n.instant, n.key))


def without_tag(item: str) -> str:
    """``'dental care (regime/therapy)'`` -> ``'dental care'``; square brackets are written as parentheses
    (answers put citation keys in brackets, so bracketed words are never read as part of an answer)."""
    return _TRAILING_TAG.sub("", item).strip().replace("[", "(").replace("]", ")")


def plan_items(assessment_and_plan: str) -> list[str]:
    """What the plan part of an 'Assessment and Plan' section lists: each ``- `` item and each immunization
    named on a 'given the following immunizations:' line, semantic tags dropped, first seen first."""
    _, _, plan = assessment_and_plan.partition("## Plan")
    items: list[str] = []
    for line in plan.splitlines():
        line = line.strip()
        if line.startswith("- "):
            items.append(without_tag(line[2:]))
        elif "following immunizations:" in line:
            items.append(without_tag(line.split(":", 1)[1].strip().rstrip(".")))
    return [i for i in dict.fromkeys(items) if i]


def prescribed(assessment_and_plan: str) -> list[str]:
    """The items under 'The patient was prescribed the following medications:'."""
    _, found, rest = assessment_and_plan.partition("prescribed the following medications:")
    if not found:
        return []
    items = []
    for line in rest.strip().splitlines():
        if not line.strip().startswith("- "):
            break
        items.append(without_tag(line.strip()[2:]))
    return list(dict.fromkeys(items))
