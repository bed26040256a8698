"""``search_notes(query, since?, until?, note_type?, k?)``: the note sections of one patient that best
match a question, as citable evidence (``DocumentReference/<id>#<section>``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from medcite.core.evidence import Evidence, NoteFact, render_lines
from medcite.tools.fhir import facts
from medcite.tools.fhir.langchain_tools import NoteTypeArg, WindowArgs
from medcite.tools.fhir.source import FhirSource
from medcite.tools.notes.index import Embedder, NoteIndex, cached_index, note_in_window

ToolResult = tuple[str, list[Evidence]]
MAX_UNREAD_SHOWN = 3
QUERY_SLUG_CHARS = 60


class SearchNotesArgs(WindowArgs, NoteTypeArg):
    query: str = Field(
        min_length=2,
        max_length=300,
        description="what to look for in the notes: 'why was metformin stopped', 'chief complaint', 'plan'",
    )
    k: int = Field(default=5, ge=1, le=20, description="how many sections to return, best first")


NOTE_TOOL_ARGS: dict[str, type[BaseModel]] = {"search_notes": SearchNotesArgs}


def no_matching_notes(query: str, since: date | None, until: date | None, note_type: str | None) -> Evidence:
    """The citable "none found" of a note search (key ``none:notes-matching-<query>...``)."""
    words, slug = facts.window_words(since, until)
    kind = f"{note_type} " if note_type else ""
    what = f"{kind}note sections matching {query[:QUERY_SLUG_CHARS]!r}{words}"
    searched = "note sections of DocumentReference and DiagnosticReport.presentedForm, by words and meaning"
    return facts.absent(
        "DocumentReference",
        what,
        searched + (words or ", all dates"),
        "notes",
        "matching",
        query[:QUERY_SLUG_CHARS],
        note_type,
        *slug,
    )


def make_note_tools(
    source: FhirSource,
    patient_id: str,
    embedder: Callable[[], Embedder],
    cache_dir: Path | None = None,
) -> list[BaseTool]:
    """``search_notes`` over ``patient_id``'s notes; the index is built on the first search (``embedder``
    is called then) and reused for the same notes."""
    built: dict[str, NoteIndex] = {}
    unread: list[Evidence] = []

    def index() -> NoteIndex:
        if "index" not in built:
            sections = facts.notes(source, patient_id)
            unread.extend(e for e in sections if isinstance(e.fact, NoteFact) and e.fact.unread)
            built["index"] = cached_index(sections, embedder(), cache_dir)
        return built["index"]

    def search_notes(
        query: str,
        since: date | None = None,
        until: date | None = None,
        note_type: str | None = None,
        k: int = 5,
    ) -> ToolResult:
        hits = [h.evidence for h in index().search(query, k, since, until, note_type)]
        not_read = [
            e for e in unread if isinstance(e.fact, NoteFact) and note_in_window(e.fact, since, until, note_type)
        ][:MAX_UNREAD_SHOWN]
        found = hits + not_read
        if not found:
            empty = no_matching_notes(query, since, until, note_type)
            return empty.text, [empty]
        return render_lines(found, ""), found

    return [
        StructuredTool.from_function(
            func=search_notes,
            name="search_notes",
            description=(
                "Search the patient's clinical notes (assessments, plans, complaints, history, reasons) by words "
                "and meaning; returns the best matching note sections with their dates, newest first among equals."
            ),
            args_schema=SearchNotesArgs,
            response_format="content_and_artifact",
        )
    ]
