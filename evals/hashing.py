"""Stable short digests of JSON-serialisable values (what was asked, to decide what to redo)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def digest(value: Any, length: int = 16) -> str:
    blob = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:length]
