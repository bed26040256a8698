"""What a summary function is asked to summarise."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict


class SummaryTarget(BaseModel):
    """One patient of one bundle file."""

    model_config = ConfigDict(frozen=True)

    bundle: Path
    patient_id: str
