"""QA datasets: MIRAGE's ``{dataset: {qid: {question, options, answer}}}`` and PubMedQA's PQA-L format.

Both are read into ``QAItem`` records with lettered options; yes/no/maybe questions get the options
``A: yes, B: no, C: maybe`` as in MIRAGE. Malformed files raise ``InputError`` naming file and record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from medcite.core.errors import InputError

PUBMEDQA_NAME = "pqal"  # PubMedQA PQA-L with its abstract contexts
PUBMEDQA_OPTIONS = {"A": "yes", "B": "no", "C": "maybe"}
MIRAGE_DATASETS = ("medqa", "medmcqa", "pubmedqa", "bioasq", "mmlu")


class QAItem(BaseModel):
    """One question with lettered options and the gold letter; ``context`` holds given passages."""

    model_config = ConfigDict(frozen=True)

    dataset: str
    qid: str
    question: str
    options: dict[str, str]
    answer: str
    context: list[str] = Field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.dataset}/{self.qid}"


class MirageRecord(BaseModel):
    """One question as MIRAGE stores it (extra fields such as ``PMID`` are ignored)."""

    model_config = ConfigDict(extra="ignore")

    question: str = Field(min_length=1)
    options: dict[str, str] = Field(min_length=2)
    answer: str

    @field_validator("options")
    @classmethod
    def _letters(cls, options: dict[str, str]) -> dict[str, str]:
        bad = [k for k in options if len(k) != 1 or not k.isalpha() or not k.isupper()]
        if bad:
            raise ValueError(f"option keys must be single capital letters, got {bad}")
        return {k: str(v) for k, v in sorted(options.items())}

    @model_validator(mode="after")
    def _answer_is_option(self) -> MirageRecord:
        if self.answer not in self.options:
            raise ValueError(f"answer {self.answer!r} is not one of the options {sorted(self.options)}")
        return self


class PubMedQARecord(BaseModel):
    """One PQA-L instance (``ori_pqal.json`` schema)."""

    model_config = ConfigDict(extra="ignore")

    QUESTION: str = Field(min_length=1)
    CONTEXTS: list[str]
    final_decision: str

    @field_validator("final_decision")
    @classmethod
    def _decision(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in PUBMEDQA_OPTIONS.values():
            raise ValueError(f"final_decision must be yes, no or maybe, got {value!r}")
        return value


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise InputError(f"QA dataset file not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


def is_pubmedqa_format(data: Any) -> bool:
    if not isinstance(data, dict) or not data:
        return False
    first = next(iter(data.values()))
    return isinstance(first, dict) and "QUESTION" in first


def load_qa_file(path: Path, name: str | None = None) -> dict[str, list[QAItem]]:
    """All datasets in a MIRAGE-schema or PQA-L file, as ``{dataset: [items]}`` in file order.

    ``name`` names the dataset of a PQA-L file (default ``pqal``); MIRAGE files name their own.
    """
    path = Path(path)
    data = _read_json(path)
    if is_pubmedqa_format(data):
        return {name or PUBMEDQA_NAME: _pubmedqa_items(path, data, name or PUBMEDQA_NAME)}
    if not isinstance(data, dict) or not data:
        raise InputError(
            f"{path}: expected a JSON object {{dataset: {{qid: {{question, options, answer}}}}}} (MIRAGE schema) "
            "or PubMedQA's {pmid: {QUESTION, CONTEXTS, final_decision}}."
        )
    out: dict[str, list[QAItem]] = {}
    for dataset, questions in data.items():
        if not isinstance(questions, dict):
            raise InputError(
                f"{path}: dataset {dataset!r} must map question ids to questions, got {type(questions).__name__}"
            )
        items = []
        for qid, raw in questions.items():
            try:
                rec = MirageRecord.model_validate(raw)
            except ValidationError as exc:
                raise InputError(f"{path}: dataset {dataset!r}, question {qid!r}: {_first_error(exc)}") from exc
            items.append(
                QAItem(dataset=dataset, qid=str(qid), question=rec.question, options=rec.options, answer=rec.answer)
            )
        out[str(dataset)] = items
    return out


def _pubmedqa_items(path: Path, data: dict[str, Any], name: str) -> list[QAItem]:
    letter = {v: k for k, v in PUBMEDQA_OPTIONS.items()}
    items = []
    for pmid, raw in data.items():
        try:
            rec = PubMedQARecord.model_validate(raw)
        except ValidationError as exc:
            raise InputError(f"{path}: PubMedQA record {pmid!r}: {_first_error(exc)}") from exc
        items.append(
            QAItem(
                dataset=name,
                qid=str(pmid),
                question=rec.QUESTION,
                options=dict(PUBMEDQA_OPTIONS),
                answer=letter[rec.final_decision],
                context=[c.strip() for c in rec.CONTEXTS if c.strip()],
            )
        )
    return items


def select(available: dict[str, list[QAItem]], datasets: list[str] | None, limit: int | None) -> list[QAItem]:
    """Items of the named datasets (all when None), the first ``limit`` of each."""
    names = datasets or list(available)
    missing = [n for n in names if n not in available]
    if missing:
        raise InputError(
            f"dataset(s) {', '.join(missing)} not in the loaded files; available: {', '.join(available) or 'none'}"
        )
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be at least 1, got {limit}")
    return [item for n in names for item in available[n][:limit]]
