"""FHIR QA task records: the question, where to look, and the gold answer with the resources holding it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from medcite.core.errors import InputError

TaskKind = Literal[
    "latest_lab",
    "active_med_count",
    "condition_active",
    "last_encounter",
    "allergy_list",
    "trend",
    "absent_lab",
    "absent_encounter",
    "absent_allergy",
    "absent_medication",
    "note_chief_complaint",
    "note_latest_plan",
    "note_prescribed",
]
AnswerType = Literal["quantity", "count", "yes_no", "date", "list", "trend", "text", "absent"]
NOT_IN_RECORD = "not in record"


class Gold(BaseModel):
    """The expected answer; ``value`` is a number, a date, yes/no, a direction, a list, a phrase of a note, or
    ``not in record``."""

    model_config = ConfigDict(frozen=True)

    answer_type: AnswerType
    value: float | int | str | list[str]
    unit: str | None = None
    date: str | None = None
    resource_keys: list[str] = Field(default_factory=list, description="citation keys of the resources holding it")
    detail: str = ""

    @property
    def in_record(self) -> bool:
        return self.answer_type != "absent"


class FhirTask(BaseModel):
    """One question about one patient of one bundle."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: TaskKind
    bundle: Path
    patient_id: str
    question: str
    gold: Gold


def write_tasks(tasks: list[FhirTask], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(t.model_dump_json() + "\n" for t in tasks), encoding="utf-8")
    return path


def read_tasks(path: Path) -> list[FhirTask]:
    """Tasks from a JSONL file written by ``write_tasks``; errors name the file and line."""
    if not path.is_file():
        raise InputError(f"task file not found: {path}")
    tasks = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            tasks.append(FhirTask.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise InputError(f"{path}, line {lineno}: not a FHIR task ({exc})") from exc
    return tasks
