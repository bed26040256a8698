"""A summary as FHIR R4: a ``Composition`` whose sections reference the source resources, and a
``Provenance`` naming the model, in one collection ``Bundle`` validated with fhir.resources R4B."""

from __future__ import annotations

import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from medcite import __version__
from medcite.agent.answer import Answer
from medcite.core.citation_keys import citation_keys, resource_part
from medcite.core.safe_text import html_text, inert

SUMMARY_TYPE = {"system": "http://loinc.org", "code": "60591-5", "display": "Patient summary Document"}
ASSEMBLER = {
    "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
    "code": "assembler",
    "display": "Assembler",
}


def _div(lines: list[str]) -> dict[str, str]:
    """XHTML narrative: record and model text escaped (:func:`medcite.core.safe_text.html_text`), no links."""
    items = "".join(f"<li>{html_text(line)}</li>" for line in lines) or "<li>none recorded</li>"
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{items}</ul></div>'}


def _resources(keys: list[str]) -> list[str]:
    """``Type/id`` of each key that names a record resource (not a guideline passage or a "none recorded"
    search), once each."""
    parts = (resource_part(k) for k in keys)
    return list(dict.fromkeys(f"{p[0]}/{p[1]}" for p in parts if p))


def _references(keys: list[str]) -> list[dict[str, str]]:
    return [{"reference": r} for r in _resources(keys)]


def summary_bundle(answer: Answer) -> dict[str, Any]:
    """Composition + Provenance as a validated R4B collection Bundle (JSON dict)."""
    comp_id, prov_id = str(uuid.uuid4()), str(uuid.uuid4())
    author = {"display": f"medcite {__version__} (model {inert(answer.model)}); research output, not medical advice"}
    synopsis_keys = [c.key for c in answer.citations if f"[{c.key}]" in (answer.synopsis or "")]
    sections: list[dict[str, Any]] = [
        {
            "title": "Synopsis (model-written, verified)",
            "text": _div([answer.synopsis or ""]),
            **({"entry": _references(synopsis_keys)} if _references(synopsis_keys) else {}),
        }
    ]
    for s in answer.sections:
        section: dict[str, Any] = {"title": s.title, "text": _div(s.lines)}
        refs = _references(s.keys + [k for line in s.lines for k in citation_keys(line)])
        if refs:
            section["entry"] = refs
        sections.append(section)
    sections.append({"title": "Uncertainty flags", "text": _div([str(f) for f in answer.flags])})
    composition = {
        "resourceType": "Composition",
        "id": comp_id,
        "status": "preliminary",
        "type": {"coding": [SUMMARY_TYPE]},
        "subject": {"reference": f"Patient/{answer.patient_id}"},
        "date": answer.created,
        "author": [author],
        "title": f"Patient summary — {answer.disclaimer}",
        "section": sections,
    }
    cited = _resources(answer.cited_keys())
    provenance = {
        "resourceType": "Provenance",
        "id": prov_id,
        "target": [{"reference": f"Composition/{comp_id}"}],
        "recorded": answer.created,
        "agent": [{"type": {"coding": [ASSEMBLER]}, "who": author}],
        "entity": [{"role": "source", "what": {"reference": k}} for k in cited],
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": answer.created,
        "entry": [
            {"fullUrl": f"urn:uuid:{comp_id}", "resource": composition},
            {"fullUrl": f"urn:uuid:{prov_id}", "resource": provenance},
        ],
    }
    Bundle.model_validate(bundle)
    return bundle
