"""Rules as data: gather plans, units, hedges, abstentions, injection patterns."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def phrase_list(name: str) -> tuple[str, ...]:
    """Non-comment lines of ``agent/rules/<name>.txt``."""
    text = resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def json_rules(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8"))
