"""Clinical notes of a patient: DocumentReference contents and report text (DiagnosticReport.presentedForm),
decoded, with a note that exists in both forms kept once.

A note's key is its DocumentReference (``DocumentReference/<id>``); report text that repeats a
DocumentReference's text is recorded in ``also_in`` instead of being a second note, and report text
found nowhere else is a note of its own (``DiagnosticReport/<id>``). Notes marked entered-in-error are
left out. Notes come newest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.attachments import AttachmentText, ReadBinary, rank, read_attachment
from medcite.tools.fhir.fhir_dates import EARLIEST, day_of, element_range
from medcite.tools.fhir.formatting import clean_text
from medcite.tools.fhir.query import SearchQuery
from medcite.tools.fhir.source import FhirSource

Resource = dict[str, Any]
LOINC = "http://loinc.org"
LEFT_OUT_STATUSES = frozenset({"entered-in-error"})


@dataclass
class ClinicalNote:
    """One note, decoded (``text``) or not (``unread`` says why)."""

    key: str
    note_type: str
    note_type_code: str | None
    written: str | None
    instant: str | None
    author: str | None
    status: str | None
    content_type: str | None
    text: str | None
    unread: str | None
    also_in: list[str] = field(default_factory=list)

    def matches_type(self, wanted: str) -> bool:
        return type_matches(wanted, self.note_type_code, self.note_type)


def type_matches(wanted: str, code: str | None, display: str) -> bool:
    """Whether a note of type ``code``/``display`` is what ``wanted`` names: the LOINC code or words of
    the type ('34117-2', 'progress', 'discharge summary')."""
    needle = wanted.strip().lower()
    return needle == (code or "").lower() or needle in display.lower()


def _reader(source: FhirSource) -> ReadBinary:
    cache: dict[str, Resource | None] = {}

    def read_binary(binary_id: str) -> Resource | None:
        if binary_id not in cache:
            cache[binary_id] = source.read("Binary", binary_id)
        return cache[binary_id]

    return read_binary


def _best_text(attachments: list[Resource], read_binary: ReadBinary) -> AttachmentText:
    """The first readable attachment in order of preference, else the reasons none could be read."""
    problems: list[str] = []
    first_type: str | None = None
    for attachment in sorted(attachments, key=rank):
        found = read_attachment(attachment, read_binary)
        first_type = first_type or found.content_type
        if found.text is not None:
            return found
        problems.append(found.problem or "no text")
    return AttachmentText(first_type, problem="; ".join(dict.fromkeys(problems)) or "the note has no content")


def _loinc(concept: Any) -> str | None:
    return next((c.code for c in rf.codings_of(concept) if c.system == LOINC and c.code), None)


def _author(refs: Any, source: FhirSource) -> str | None:
    for ref in refs or []:
        if not isinstance(ref, dict):
            continue
        if ref.get("display"):
            return clean_text(ref["display"], 80)
        target = rf.reference_target(ref.get("reference", ""))
        found = source.read(*target) if target and target[0] in ("Practitioner", "Organization") else None
        name = (found or {}).get("name")
        if isinstance(name, str):
            return clean_text(name, 80)
        if isinstance(name, list) and name and isinstance(name[0], dict):
            parts = [*name[0].get("given", []), name[0].get("family", "")]
            return clean_text(name[0].get("text") or " ".join(p for p in parts if p), 80) or None
    return None


def _instant(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("start"), str):
        return str(value["start"])
    return None


def _note(
    res: Resource, concept: Any, instant: str | None, authors: Any, text: AttachmentText, source: FhirSource
) -> ClinicalNote:
    return ClinicalNote(
        key=rf.resource_key(res),
        note_type=clean_text(rf.concept_text(concept) or "clinical note", 80),
        note_type_code=_loinc(concept),
        written=day_of(instant),
        instant=instant,
        author=_author(authors, source),
        status=res.get("status") if isinstance(res.get("status"), str) else None,
        content_type=text.content_type,
        text=text.text,
        unread=text.problem if text.text is None else None,
    )


def _document_notes(source: FhirSource, patient_id: str, read_binary: ReadBinary) -> list[ClinicalNote]:
    out = []
    for res in source.search(SearchQuery(resource_type="DocumentReference", patient=patient_id)):
        if res.get("status") in LEFT_OUT_STATUSES or res.get("docStatus") in LEFT_OUT_STATUSES:
            continue
        attachments = [c["attachment"] for c in res.get("content") or [] if isinstance(c.get("attachment"), dict)]
        instant = _instant(res.get("date")) or _instant((res.get("context") or {}).get("period"))
        text = _best_text(attachments, read_binary)
        out.append(_note(res, res.get("type"), instant, res.get("author"), text, source))
    return out


def _report_notes(source: FhirSource, patient_id: str, read_binary: ReadBinary) -> list[ClinicalNote]:
    out = []
    for res in source.search(SearchQuery(resource_type="DiagnosticReport", patient=patient_id)):
        forms = [f for f in res.get("presentedForm") or [] if isinstance(f, dict)]
        if not forms or res.get("status") in LEFT_OUT_STATUSES:
            continue
        instant = _instant(res.get("effectiveDateTime")) or _instant(res.get("effectivePeriod")) or res.get("issued")
        text = _best_text(forms, read_binary)
        out.append(_note(res, res.get("code"), instant, res.get("performer"), text, source))
    return out


def _same_text(text: str | None) -> str | None:
    return re.sub(r"\s+", " ", text).strip() if text else None


def _order(note: ClinicalNote) -> tuple[Any, str]:
    span = element_range(note.instant) if note.instant else None
    return (span[0] if span else EARLIEST), note.key


def patient_notes(
    source: FhirSource,
    patient_id: str,
    since: date | None = None,
    until: date | None = None,
    note_type: str | None = None,
) -> list[ClinicalNote]:
    """The patient's notes written in the window (by day), of the type when given, newest first."""
    read_binary = _reader(source)
    notes = _document_notes(source, patient_id, read_binary)
    by_text = {t: n for n in notes if (t := _same_text(n.text))}
    for report in _report_notes(source, patient_id, read_binary):
        twin = by_text.get(_same_text(report.text) or "")
        if twin is not None:
            twin.also_in.append(report.key)
        else:
            notes.append(report)
    kept = [
        n
        for n in notes
        if (since is None or (n.written or "") >= since.isoformat())
        and (until is None or (n.written is not None and n.written <= until.isoformat()))
        and (note_type is None or n.matches_type(note_type))
    ]
    return sorted(kept, key=_order, reverse=True)
