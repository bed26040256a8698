"""The verifier's vocabulary, loaded from data files into typed tables that reject unknown keys.

- ``rules/verification_concepts.json``: clinical concepts (conditions, drugs and drug classes, procedures,
  vaccines, allergens, findings, encounter types, dose forms) with names, case-sensitive abbreviations, codes
  and class members; extra names for the observation vocabulary of ``medcite.core.vocabulary``.
- ``rules/verification_units.json``: units as records (UCUM) and prose write them, with conversions.
- ``rules/verification_phrases.json``: qualifiers, direction words, judgements, status cues, negation, counts,
  frequencies, absence scopes and abstention patterns.

:class:`Lexicon` finds concept mentions in a sentence and tells whether a concept matches a fact's text or code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from medcite.core.resources import load_typed
from medcite.core.vocabulary import normalize_name, observation_names

RULES = "medcite.agent.rules"
ConceptKind = Literal[
    "condition", "drug", "drug_class", "procedure", "vaccine", "allergen", "finding", "encounter", "form", "observation"
]
OBS = "obs:"
MIN_ALIAS = 3  # observation aliases shorter than this ('k', 'na', 'mg') are too ambiguous in prose


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Concept(_Strict):
    """A clinical concept: names (case and punctuation ignored), abbreviations (case-sensitive), codes
    (``system:code``, e.g. ``snomed:38341003``) and, for a class, its member concept ids."""

    kind: ConceptKind
    names: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    members: tuple[str, ...] = ()


class ConceptTable(_Strict):
    concepts: dict[str, Concept]
    observation_aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    observation_abbreviations: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_references(self) -> ConceptTable:
        known_obs = {e.name for e in observation_names()}
        for name in [*self.observation_aliases, *self.observation_abbreviations]:
            if name not in known_obs:
                raise ValueError(f"{name!r} is not an observation vocabulary name")
        for cid, concept in self.concepts.items():
            for member in concept.members:
                ok = member[len(OBS) :] in known_obs if member.startswith(OBS) else member in self.concepts
                if not ok:
                    raise ValueError(f"concept {cid!r} lists unknown member {member!r}")
        return self


class Unit(_Strict):
    """A unit: its dimension and the conversion to the dimension's base (value * factor + offset)."""

    dimension: str
    factor: float = 1.0
    offset: float = 0.0
    names: tuple[str, ...] = Field(min_length=1)


class UnitTable(_Strict):
    units: dict[str, Unit]


class Directions(_Strict):
    rising: tuple[str, ...]
    falling: tuple[str, ...]
    stable: tuple[str, ...]
    better: tuple[str, ...]
    worse: tuple[str, ...]


class Judgements(_Strict):
    normal: tuple[str, ...]
    controlled: tuple[str, ...]
    uncontrolled: tuple[str, ...]
    high: tuple[str, ...]
    low: tuple[str, ...]
    abnormal: tuple[str, ...]
    risk: tuple[str, ...]
    stable_condition: tuple[str, ...]


class StatusCues(_Strict):
    current: tuple[str, ...]
    present_tense: tuple[str, ...]
    past: tuple[str, ...]
    stopped: tuple[str, ...]
    resolved: tuple[str, ...]


class Scopes(_Strict):
    """Words naming a kind of record entry, as in 'no allergies' or 'not on any medications'."""

    allergies: tuple[str, ...]
    medications: tuple[str, ...]
    conditions: tuple[str, ...]
    procedures: tuple[str, ...]
    immunizations: tuple[str, ...]
    encounters: tuple[str, ...]
    results: tuple[str, ...]


class ScopeStatus(_Strict):
    active: tuple[str, ...]
    stopped: tuple[str, ...]
    resolved: tuple[str, ...]


class Phrases(_Strict):
    latest: tuple[str, ...]
    not_latest: tuple[str, ...]
    direction: Directions
    judgements: Judgements
    status: StatusCues
    negation: tuple[str, ...]
    approximate: tuple[str, ...]
    difference: tuple[str, ...]
    counts: dict[str, int]
    count_nouns: tuple[str, ...]
    frequency: dict[str, str]
    scopes: Scopes
    scope_status: ScopeStatus
    abstentions: tuple[str, ...]
    polarity: dict[str, Literal["lower", "higher", "none"]]
    generic_display_words: tuple[str, ...]
    clause_breaks: tuple[str, ...]
    entity_suffixes: tuple[str, ...]
    not_entities: tuple[str, ...]
    medication_verbs: tuple[str, ...]

    @model_validator(mode="after")
    def _valid_patterns(self) -> Phrases:
        for pattern in self.abstentions:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"abstention pattern {pattern!r} is not a regular expression: {exc}") from exc
        known_obs = {e.name for e in observation_names()}
        unknown = set(self.polarity) - known_obs
        if unknown:
            raise ValueError(f"polarity names unknown observations: {sorted(unknown)}")
        return self


@cache
def concept_table() -> ConceptTable:
    return load_typed(RULES, "verification_concepts.json", ConceptTable)


@cache
def unit_table() -> UnitTable:
    return load_typed(RULES, "verification_units.json", UnitTable)


@cache
def phrases() -> Phrases:
    return load_typed(RULES, "verification_phrases.json", Phrases)


@dataclass(frozen=True)
class TextMap:
    """A normalized text (lower case, punctuation as single spaces) and, for each of its characters, the
    index of the character it came from, so spans found in it map back to the original."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def text_map(text: str) -> TextMap:
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text.lower()):
        if ch.isascii() and ch.isalnum():
            out.append(ch)
            origin.append(i)
        elif out and out[-1] != " ":
            out.append(" ")
            origin.append(i)
    while out and out[-1] == " ":
        out.pop()
        origin.pop()
    return TextMap("".join(out), tuple(origin))


def _plurals(name: str) -> list[str]:
    if name.endswith("y") and not name.endswith(("ay", "ey", "oy")):
        return [name, name[:-1] + "ies"]
    if name.endswith(("s", "x", "ch", "sh")):
        return [name, name + "es"]
    return [name, name + "s"]


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class Found:
    """A concept mention: its span in the original text and the concepts its words can mean."""

    start: int
    end: int
    text: str
    concepts: frozenset[str]


class Lexicon:
    """Every concept name and abbreviation, for finding mentions in sentences and matching facts."""

    def __init__(self, table: ConceptTable) -> None:
        self.concepts: dict[str, Concept] = dict(table.concepts)
        for entry in observation_names():
            names = [n for n in entry.names if len(normalize_name(n)) >= MIN_ALIAS]
            names += list(table.observation_aliases.get(entry.name, ()))
            self.concepts[OBS + entry.name] = Concept(
                kind="observation",
                names=tuple(dict.fromkeys(names)),
                abbreviations=table.observation_abbreviations.get(entry.name, ()),
                codes=tuple(f"loinc:{c}" for c in entry.codes),
            )
        self._by_name: dict[str, set[str]] = {}
        self._by_abbr: dict[str, set[str]] = {}
        for cid, concept in self.concepts.items():
            for name in concept.names:
                norm = normalize_name(name)
                if norm:
                    for form in _plurals(norm):
                        self._by_name.setdefault(form, set()).add(cid)
            for abbr in concept.abbreviations:
                for form in (abbr, abbr + "s"):
                    self._by_abbr.setdefault(form, set()).add(cid)
        self._name_re = re.compile(rf"(?<![a-z0-9])(?:{_alternation(self._by_name)})(?![a-z0-9])")
        self._abbr_re = re.compile(rf"(?<![A-Za-z0-9])(?:{_alternation(self._by_abbr)})(?![A-Za-z0-9])")
        self._fact_res: dict[str, tuple[re.Pattern[str] | None, re.Pattern[str] | None]] = {}

    def find(self, text: str, skip: Iterable[tuple[int, int]] = ()) -> list[Found]:
        """Concept mentions in ``text``, longest first, not overlapping each other or the ``skip`` spans."""
        taken = list(skip)
        candidates: list[Found] = []
        tm = text_map(text)
        for m in self._name_re.finditer(tm.text):
            start, end = tm.span(m.start(), m.end())
            candidates.append(Found(start, end, text[start:end], frozenset(self._by_name[m.group(0)])))
        for m in self._abbr_re.finditer(text):
            candidates.append(Found(m.start(), m.end(), m.group(0), frozenset(self._by_abbr[m.group(0)])))
        found: list[Found] = []
        for f in sorted(candidates, key=lambda f: (-(f.end - f.start), f.start)):
            if all(f.end <= s or f.start >= e for s, e in taken):
                found.append(f)
                taken.append((f.start, f.end))
        return sorted(found, key=lambda f: f.start)

    def kind(self, cid: str) -> ConceptKind:
        return self.concepts[cid].kind

    def _patterns(self, cid: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        if cid not in self._fact_res:
            concept = self.concepts[cid]
            names = [f for n in concept.names if normalize_name(n) for f in _plurals(normalize_name(n))]
            abbrs = [f for a in concept.abbreviations for f in (a, a + "s")]
            self._fact_res[cid] = (
                re.compile(rf"(?<![a-z0-9])(?:{_alternation(names)})(?![a-z0-9])") if names else None,
                re.compile(rf"(?<![A-Za-z0-9])(?:{_alternation(abbrs)})(?![A-Za-z0-9])") if abbrs else None,
            )
        return self._fact_res[cid]

    def matches(
        self, cid: str, norm_text: str, raw_text: str, codes: frozenset[str], _seen: frozenset[str] = frozenset()
    ) -> bool:
        """Whether concept ``cid`` is what a fact with this (normalized and raw) text and these codes is about."""
        concept = self.concepts[cid]
        if codes & set(concept.codes):
            return True
        by_name, by_abbr = self._patterns(cid)
        if by_name is not None and by_name.search(norm_text):
            return True
        if by_abbr is not None and by_abbr.search(raw_text):
            return True
        seen = _seen | {cid}
        return any(self.matches(m, norm_text, raw_text, codes, seen) for m in concept.members if m not in seen)


@cache
def lexicon() -> Lexicon:
    return Lexicon(concept_table())


@dataclass(frozen=True)
class UnitInfo:
    key: str
    dimension: str
    factor: float
    offset: float

    def to_base(self, value: float) -> float:
        return value * self.factor + self.offset


@cache
def _unit_names(with_keys: bool = True) -> dict[str, UnitInfo]:
    out: dict[str, UnitInfo] = {}
    for key, unit in unit_table().units.items():
        info = UnitInfo(key, unit.dimension, unit.factor, unit.offset)
        for name in (key, *unit.names) if with_keys else unit.names:
            out.setdefault(name.lower(), info)
    return out


def unit_info(name: str | None) -> UnitInfo | None:
    """The unit a record or a sentence writes as ``name`` (case ignored), or None when unknown."""
    return _unit_names().get(name.strip().lower()) if name else None


def sentence_unit(name: str) -> UnitInfo:
    """The unit of a name that :func:`unit_pattern` matched."""
    return _unit_names(with_keys=False)[name.strip().lower()]


@cache
def unit_pattern() -> re.Pattern[str]:
    """A unit written right after a number ('mg/dL', ' × 10³/µL', '°C', '-year-old'), longest first."""
    names = sorted(_unit_names(with_keys=False), key=len, reverse=True)
    return re.compile(rf"\s?(?:{'|'.join(re.escape(n) for n in names)})(?![A-Za-z0-9])", re.IGNORECASE)
