"""Passage: one citable unit of guideline text, with the metadata every hit carries."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PASSAGE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

# Metadata keys stored with every chunk in the vector store (besides the passage fields).
DOC_ID_KEY = "doc_id"
DOC_HASH_KEY = "doc_hash"

Sex = Literal["female", "male"]
Pregnancy = Literal["only", "excluded"]


def normalize_date(value: Any) -> str | None:
    """Return an ISO date string (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) or None.

    Accepts dates, datetimes and strings such as ``2023-04-30`` or ``2023-04-30T12:00:00Z``.
    Raises ValueError for anything else.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and 1000 <= value <= 9999:
        return str(value)
    text = str(value).strip()
    if "T" in text:
        text = text.split("T", 1)[0]
    if not _DATE_RE.match(text):
        raise ValueError(f"not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    parts = [int(p) for p in text.split("-")]
    dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    return text


class Passage(BaseModel):
    """A guideline passage as stored and cited: ``[guideline:<id>]``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=PASSAGE_ID_PATTERN, max_length=200)
    text: str = Field(min_length=1)
    title: str = Field(min_length=1)
    issuer: str = ""
    section: str = ""
    date: str | None = None
    url: str | None = None
    grade: str | None = None
    topic: str | None = None
    doc_id: str = Field(min_length=1)
    source: str = "user"
    # The population a recommendation addresses (None: not restricted): sex, ages in years (inclusive),
    # and pregnancy ("only": pregnant or postpartum persons; "excluded": nonpregnant persons).
    sex: Sex | None = None
    age_min: int | None = Field(default=None, ge=0, le=130)
    age_max: int | None = Field(default=None, ge=0, le=130)
    pregnancy: Pregnancy | None = None
    recommendation_id: str | None = Field(default=None, description="the issuer's id of a recommendation statement")

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str | None:
        return normalize_date(value)

    @model_validator(mode="after")
    def _ages_in_order(self) -> Passage:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError(f"age_min {self.age_min} is above age_max {self.age_max}")
        return self

    def index_text(self) -> str:
        """The text that is embedded and lexically indexed: title, section, then the passage."""
        head = f"{self.title} — {self.section}" if self.section else self.title
        return f"{head}\n{self.text}"

    def metadata(self, doc_hash: str) -> dict[str, str | int]:
        """Vector-store metadata (no None values) for this passage within a document version."""
        meta: dict[str, str | int] = {
            k: v for k, v in self.model_dump(exclude={"id", "text"}).items() if v not in (None, "")
        }
        meta[DOC_HASH_KEY] = doc_hash
        return meta

    @classmethod
    def from_store(cls, pid: str, text: str, meta: dict[str, Any]) -> Passage:
        fields = {k: v for k, v in meta.items() if k in cls.model_fields}
        return cls(id=pid, text=text, **fields)


class Document(BaseModel):
    """All passages of one source document, written to the store together."""

    doc_id: str
    doc_hash: str
    origin: str  # file path or corpus name, for reports
    passages: list[Passage]


def content_hash(*parts: str, length: int = 16) -> str:
    """Stable hex digest of the given strings."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:length]


def passages_hash(passages: list[Passage]) -> str:
    """Hash of a document's passages (ids, text and metadata) — changes when anything changes."""
    return content_hash(*(json.dumps(p.model_dump(), sort_keys=True) for p in passages))
