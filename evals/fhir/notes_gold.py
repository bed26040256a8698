"""FHIR QA tasks answerable only from the clinical notes, with gold computed from the raw decoded note text
(:mod:`medcite.evals.fhir.raw_notes`): the chief complaint at a dated visit, the plan of the latest note, and the
medications a dated note says were prescribed. Dated questions use a day on which exactly one note was written."""

from __future__ import annotations

from collections import Counter
from typing import Any

from medcite.evals.fhir.raw_bundle import RawBundle
from medcite.evals.fhir.raw_notes import RawNote, plan_items, prescribed, raw_notes
from medcite.evals.fhir.tasks import Gold, TaskKind

CHIEF_COMPLAINT = "Chief Complaint"
ASSESSMENT_AND_PLAN = "Assessment and Plan"
NOTE_KINDS: tuple[TaskKind, ...] = ("note_chief_complaint", "note_latest_plan", "note_prescribed")


def _single_day_notes(notes: list[RawNote]) -> list[RawNote]:
    """Notes written on a day no other note of the bundle was (a date then names one visit), oldest first."""
    days = Counter(n.day for n in notes)
    return [n for n in notes if n.day and days[n.day] == 1]


def _list_gold(note: RawNote, items: list[str]) -> Gold:
    return Gold(
        answer_type="list", value=items, date=note.day, resource_keys=[note.section_key(ASSESSMENT_AND_PLAN)]
    )


def note_tasks(bundle: RawBundle, questions: dict[str, Any]) -> list[tuple[TaskKind, str, Gold]]:
    notes = raw_notes(bundle)
    if not notes:
        return []
    made: list[tuple[TaskKind, str, Gold]] = []
    dated = _single_day_notes(notes)
    with_complaint = [n for n in dated if n.sections.get(CHIEF_COMPLAINT)]
    if with_complaint:
        note = with_complaint[-1]
        gold = Gold(
            answer_type="text",
            value=note.sections[CHIEF_COMPLAINT],
            date=note.day,
            resource_keys=[note.section_key(CHIEF_COMPLAINT)],
        )
        made.append(("note_chief_complaint", questions["note_chief_complaint"].format(date=note.day), gold))
    latest = notes[-1]
    latest_is_unique = len(notes) == 1 or notes[-2].instant != latest.instant
    items = plan_items(latest.sections.get(ASSESSMENT_AND_PLAN, ""))
    if items and latest_is_unique:
        made.append(("note_latest_plan", questions["note_latest_plan"], _list_gold(latest, items)))
    with_rx = [n for n in dated if prescribed(n.sections.get(ASSESSMENT_AND_PLAN, ""))]
    earlier = [n for n in with_rx if n.key != latest.key] or with_rx
    if earlier:
        note = earlier[-1]
        gold = _list_gold(note, prescribed(note.sections[ASSESSMENT_AND_PLAN]))
        made.append(("note_prescribed", questions["note_prescribed"].format(date=note.day), gold))
    return made
