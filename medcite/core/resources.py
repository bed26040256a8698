"""One loader for the files shipped inside packages: prompts, rules and data tables.

Typed tables load into pydantic models whose ``extra="forbid"`` rejects unknown keys, so a typo in a
rule file fails at start-up with the file's name, not at run time.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from medcite.core.errors import ConfigError

M = TypeVar("M", bound=BaseModel)


@cache
def read_text(package: str, name: str) -> str:
    """The text of file ``name`` (a path relative to ``package``'s folder)."""
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


@cache
def load_json(package: str, name: str) -> Any:
    """Parsed JSON of a shipped file; top-level keys starting with ``_`` (comments) are dropped."""
    data = json.loads(read_text(package, name))
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if not k.startswith("_")}
    return data


@cache
def load_lines(package: str, name: str) -> tuple[str, ...]:
    """Non-empty lines of a shipped text file that are not ``#`` comments, stripped."""
    lines = (line.strip() for line in read_text(package, name).splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def load_typed(package: str, name: str, model: type[M]) -> M:
    """A shipped JSON file validated into ``model``; a mistake names the file and the field."""
    try:
        return model.model_validate(load_json(package, name))
    except ValidationError as exc:
        raise ConfigError(f"{package}/{name} is not a valid {model.__name__}: {exc}") from exc
