"""Care gaps as citable Evidence (``[caregap:uspstf-rec-1928]``) with typed facts, and the record
entries their lines cite, so every key a care-gap line shows resolves to evidence of its own."""

from __future__ import annotations

from medcite.core.evidence import CareGapFact, EntryRef, Evidence
from medcite.tools.caregaps.models import CareGap, CareGapReport, RecordEntry
from medcite.tools.fhir import facts
from medcite.tools.fhir import resource_fields as rf
from medcite.tools.fhir.render import render
from medcite.tools.fhir.source import FhirSource

KEY_PREFIX = "caregap:"
SECTION_TITLE = "Preventive care (USPSTF A/B)"


def _ref(entry: RecordEntry) -> EntryRef:
    return EntryRef(key=entry.key, date=entry.day.isoformat() if entry.day else None, label=entry.label)


def gap_key(gap: CareGap) -> str:
    """``caregap:uspstf-rec-1928``: the care gap of one recommendation."""
    return KEY_PREFIX + gap.guideline_key.removeprefix("guideline:")


def gap_evidence(gap: CareGap) -> Evidence:
    fact = CareGapFact(
        status=gap.status,
        recommendation_id=str(gap.recommendation_id),
        guideline_key=gap.guideline_key,
        title=gap.title,
        grade=gap.grade,
        reason=gap.reason,
        last=_ref(gap.last) if gap.last else None,
        interval=gap.interval,
        due_date=gap.due_date.isoformat() if gap.due_date else None,
        missing=list(gap.missing),
        used=[_ref(e) for e in gap.evidence],
        as_of=gap.as_of.isoformat(),
    )
    return Evidence(key=gap_key(gap), fact=fact)


def report_evidence(report: CareGapReport, with_not_applicable: bool = False) -> list[Evidence]:
    """The applicable recommendations (due, unknown, up to date), optionally the others after them."""
    gaps = report.applicable()
    if with_not_applicable:
        gaps += [g for g in report.gaps if not g.applicable]
    return [gap_evidence(g) for g in gaps]


def heading(report: CareGapReport) -> str:
    """'Preventive care (USPSTF A/B) — care gaps as of 2019-06-25, the record's last encounter; USPSTF
    recommendations as of 2024-05-02'."""
    return f"{SECTION_TITLE} — {report.as_of.statement()}; {report.snapshot_line()}"


def cited_entries(source: FhirSource, gaps: list[CareGap]) -> list[Evidence]:
    """Evidence for every record entry the gaps' lines cite (rendered from the resource itself)."""
    resolve = facts.resolver(source)
    out: list[Evidence] = []
    for key in dict.fromkeys(e.key for g in gaps for e in g.evidence):
        res = resolve(key)
        if res is not None and rf.resource_key(res) == key:
            out.append(render(res, resolve))
    return out
