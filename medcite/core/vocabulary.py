"""The observation vocabulary: lab and vital-sign names, aliases and LOINC codes.

One typed table (``data/observation_names.json``) used by the FHIR lookups, the question planner and
the verifier.
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, ConfigDict, Field, RootModel

from medcite.core.resources import load_typed

LOINC = "http://loinc.org"
_NON_WORD = re.compile(r"[^a-z0-9]+")


class ObservationName(BaseModel):
    """One named lab or vital sign."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = ""
    display: str
    aliases: tuple[str, ...] = ()
    codes: tuple[str, ...] = Field(min_length=1, description="LOINC codes")

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name first, then the aliases."""
        return (self.name, *self.aliases)

    @property
    def system_codes(self) -> tuple[str, ...]:
        """``http://loinc.org|4548-4`` for each code."""
        return tuple(f"{LOINC}|{c}" for c in self.codes)


class _Table(RootModel[dict[str, ObservationName]]):
    pass


def normalize_name(text: str) -> str:
    """Lower case, punctuation as single spaces: 'Hb-A1c' and 'hb a1c' compare equal."""
    return _NON_WORD.sub(" ", text.lower()).strip()


@cache
def observation_names() -> tuple[ObservationName, ...]:
    """Every entry of the vocabulary, in file order."""
    table = load_typed("medcite.core", "data/observation_names.json", _Table).root
    return tuple(entry.model_copy(update={"name": name}) for name, entry in table.items())


@cache
def _by_name() -> dict[str, ObservationName]:
    out: dict[str, ObservationName] = {}
    for entry in observation_names():
        for alias in entry.names:
            out.setdefault(normalize_name(alias), entry)
    return out


def find_observation_name(text: str) -> ObservationName | None:
    """The entry whose name or alias is ``text`` (case and punctuation ignored)."""
    return _by_name().get(normalize_name(text))


@cache
def aliases_longest_first() -> tuple[tuple[str, ObservationName], ...]:
    """(normalised alias, entry) pairs, longest alias first, for finding names inside a sentence."""
    pairs = [(normalize_name(a), e) for e in observation_names() for a in e.names]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))
