"""LangChain tools over one patient's record, with typed argument schemas.

Each tool answers with compact citable text (one ``[Type/id] ...`` line per fact) and carries the
same facts as a ``list[Evidence]`` artifact, so the agent can verify every citation it receives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field, model_validator

from medcite.core.evidence import Evidence, render_lines
from medcite.tools.fhir import facts
from medcite.tools.fhir.source import FhirSource

ToolResult = tuple[str, list[Evidence]]


class _Window(BaseModel):
    since: date | None = Field(default=None, description="first day to include (YYYY-MM-DD)")
    until: date | None = Field(default=None, description="last day to include (YYYY-MM-DD)")

    @model_validator(mode="after")
    def _ordered(self) -> _Window:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self


class NoArgs(BaseModel):
    """No arguments."""


class ConditionArgs(BaseModel):
    status: Literal["active", "resolved", "all"] = Field(default="active", description="clinical status")


class MedicationArgs(BaseModel):
    status: Literal["active", "stopped", "all"] = Field(default="active", description="prescription status")


class AllergyArgs(BaseModel):
    status: Literal["active", "resolved", "all"] = Field(default="all", description="clinical status")


class WindowArgs(_Window):
    pass


class RecentArgs(_Window):
    latest_n: int = Field(default=10, ge=1, le=100, description="how many of the most recent to list")


class EncounterArgs(RecentArgs):
    encounter_class: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2,12}$",
        description="only this encounter class (v3 ActCode): AMB ambulatory, EMER emergency, IMP inpatient",
    )


class ObservationArgs(_Window):
    code_or_name: str = Field(
        min_length=1,
        max_length=100,
        description="LOINC code ('4548-4') or a name: 'hba1c', 'blood pressure', 'potassium'",
    )
    latest_n: int = Field(default=5, ge=1, le=50, description="latest results to list for each code")


class LatestResultsArgs(BaseModel):
    category: Literal["all", "vital-signs", "laboratory", "survey", "social-history"] = Field(
        default="all", description="observation category"
    )


class TimelineArgs(_Window):
    max_lines: int = Field(default=80, ge=1, le=400, description="most lines to return, oldest first")


class NoteTypeArg(BaseModel):
    note_type: str | None = Field(
        default=None,
        max_length=80,
        description="LOINC code or words of the note type: '34117-2', 'progress', 'discharge summary'",
    )


class ReadNotesArgs(_Window, NoteTypeArg):
    latest_n: int = Field(default=1, ge=1, le=20, description="how many of the latest notes to read in full")


# Each tool's argument schema by name (the agent's rules are checked against it at start-up).
TOOL_ARGS: dict[str, type[BaseModel]] = {
    "get_patient": NoArgs,
    "list_conditions": ConditionArgs,
    "list_medications": MedicationArgs,
    "list_allergies": AllergyArgs,
    "list_immunizations": WindowArgs,
    "list_encounters": EncounterArgs,
    "list_procedures": RecentArgs,
    "search_observations": ObservationArgs,
    "latest_results": LatestResultsArgs,
    "patient_timeline": TimelineArgs,
    "read_notes": ReadNotesArgs,
}


def _answer(items: list[Evidence], empty: Evidence, max_lines: int | None = None) -> ToolResult:
    """The lines found, or the citable "none recorded" fact of the search when nothing was found."""
    if not items:
        return empty.text, [empty]
    shown = items[:max_lines] if max_lines else items
    text = render_lines(shown, empty.text)
    if len(shown) < len(items):
        more = len(items) - len(shown)
        text += f"\nnote: {more} more lines in this window; narrow the dates to see them"
    return text, shown


def make_fhir_tools(source: FhirSource, patient_id: str, as_of: date | None = None) -> list[BaseTool]:
    """The patient-record tools, bound to ``source`` and one patient (checked to exist); ``as_of`` is the
    date ages are computed for (default today)."""
    facts.demographics(source, patient_id)
    pid = patient_id

    def get_patient() -> ToolResult:
        found = facts.demographics(source, pid, as_of)
        return _answer(found, facts.absent("Patient", "patient", "Patient", "patient"))

    def list_conditions(status: str = "active") -> ToolResult:
        return _answer(facts.conditions(source, pid, status), facts.no_conditions(status))

    def list_medications(status: str = "active") -> ToolResult:
        return _answer(facts.medications(source, pid, status), facts.no_medications(status))

    def list_allergies(status: str = "all") -> ToolResult:
        return _answer(facts.allergies(source, pid, status), facts.no_allergies(status))

    def list_immunizations(since: date | None = None, until: date | None = None) -> ToolResult:
        found = facts.immunizations(source, pid, since, until)
        return _answer(found, facts.nothing_in_window("Immunization", since, until))

    def list_encounters(
        since: date | None = None, until: date | None = None, latest_n: int = 10, encounter_class: str | None = None
    ) -> ToolResult:
        klass = encounter_class.upper() if encounter_class else None
        found = facts.encounters(source, pid, since, until, latest_n, klass)
        return _answer(found, facts.nothing_in_window("Encounter", since, until, klass))

    def list_procedures(since: date | None = None, until: date | None = None, latest_n: int = 10) -> ToolResult:
        found = facts.procedures(source, pid, since, until, latest_n)
        return _answer(found, facts.nothing_in_window("Procedure", since, until))

    def search_observations(
        code_or_name: str, since: date | None = None, until: date | None = None, latest_n: int = 5
    ) -> ToolResult:
        found = facts.observations(source, pid, code_or_name, since, until, latest_n)
        return _answer(found, facts.no_observations(code_or_name, since, until))

    def latest_results(category: str = "all") -> ToolResult:
        found = facts.latest_results(source, pid, None if category == "all" else category)
        return _answer(found, facts.no_results(category))

    def patient_timeline(since: date | None = None, until: date | None = None, max_lines: int = 80) -> ToolResult:
        found = facts.timeline(source, pid, since, until)
        return _answer(found, facts.nothing_in_window("entries", since, until), max_lines)

    def read_notes(
        since: date | None = None, until: date | None = None, note_type: str | None = None, latest_n: int = 1
    ) -> ToolResult:
        found = facts.notes(source, pid, since, until, note_type, latest_n)
        return _answer(found, facts.no_notes(since, until, note_type))

    specs: list[tuple[Callable[..., ToolResult], str]] = [
        (get_patient, "The patient's demographics: name, sex, birth date and age, deceased date."),
        (list_conditions, "The patient's conditions (problems) by clinical status, with onset."),
        (list_medications, "The patient's medication prescriptions by status, with dosage."),
        (list_allergies, "The patient's allergies and intolerances, with criticality and reactions."),
        (list_immunizations, "The patient's immunizations in a date window, newest first."),
        (list_encounters, "The patient's most recent encounters (visits) in a date window, of one class or all."),
        (list_procedures, "The patient's most recent procedures in a date window."),
        (search_observations, "Lab results and vital signs for one LOINC code or name, newest first, with trend."),
        (latest_results, "The latest value of every lab result and vital sign, with trend."),
        (patient_timeline, "Everything recorded for the patient in a date window, oldest first."),
        (read_notes, "The latest clinical notes in a date window, every section in full, newest note first."),
    ]
    return [
        StructuredTool.from_function(
            func=fn,
            name=fn.__name__,
            description=desc,
            args_schema=TOOL_ARGS[fn.__name__],
            response_format="content_and_artifact",
        )
        for fn, desc in specs
    ]
