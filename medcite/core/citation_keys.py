"""The one citation-key grammar: ``[Observation/123]``, ``[DocumentReference/9#assessment-and-plan]``,
``[guideline:uspstf-00042]``, ``[none:allergies]`` (a search that found nothing),
``[caregap:uspstf-rec-1928]`` (a preventive-care status computed from the record), alone or grouped as
``[A/1, B/2]``.

Used by the tools that make keys, the agent that verifies them and the evaluations that score them. A prompt
may show short handles (``[E3]``) in place of keys; ``expand_handles`` writes a draft's handles back as keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

RESOURCE_KEY = r"[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}(?:#[a-z0-9\-]{1,80})?"
GUIDELINE_KEY = r"guideline:[A-Za-z0-9_\-.:]{1,120}"
ABSENCE_KEY = r"none:[a-z0-9\-.]{1,160}"  # a search of the record that found nothing
CARE_GAP_KEY = r"caregap:[a-z0-9\-.]{1,120}"  # one recommendation's status for the patient
_KEY = re.compile(rf"^(?:{RESOURCE_KEY}|{GUIDELINE_KEY}|{ABSENCE_KEY}|{CARE_GAP_KEY})$")
_BRACKET = re.compile(r"\[([^\[\]]{1,400})\]")
_SEPARATORS = re.compile(r"[,;]\s*|\s+")


def is_key(token: str) -> bool:
    """Whether ``token`` (without brackets) is a citation key."""
    return _KEY.match(token) is not None


def _group_keys(group: str) -> list[str]:
    tokens = [t.strip().strip("`") for t in _SEPARATORS.split(group.strip())]
    return [t for t in tokens if t and is_key(t)]


def citation_keys(text: str) -> list[str]:
    """Citation keys in order of first appearance."""
    keys: list[str] = []
    for group in _BRACKET.findall(text):
        keys += [k for k in _group_keys(group) if k not in keys]
    return keys


def citation_groups(text: str) -> list[tuple[int, int, list[str]]]:
    """``(start, end, keys)`` of each bracketed group in ``text`` that holds at least one citation key."""
    found = ((m, _group_keys(m.group(1))) for m in _BRACKET.finditer(text))
    return [(m.start(), m.end(), keys) for m, keys in found if keys]


def strip_citations(text: str) -> str:
    """``text`` without its bracketed citation groups (other brackets are kept)."""
    return _BRACKET.sub(lambda m: "" if _group_keys(m.group(1)) else m.group(0), text)


def absence_key(*parts: object) -> str:
    """``none:<slug>`` from the words of a search: ``absence_key("observations", "hba1c")`` ->
    ``none:observations-hba1c`` (empty parts are skipped)."""
    words = [str(p) for p in parts if p]
    return "none:" + "-".join(re.sub(r"[^a-z0-9.]+", "-", w.lower()).strip("-") for w in words)


def expand_handles(text: str, handles: Mapping[str, str]) -> str:
    """``text`` with each bracket group of prompt handles (``[E3]``, ``[E3, E5]``, keys mixed in) written
    as the keys they stand for; brackets naming anything else are kept as they are."""

    def expand(match: re.Match[str]) -> str:
        tokens = [t.strip().strip("`") for t in _SEPARATORS.split(match.group(1).strip()) if t.strip()]
        named = [handles.get(t.upper(), t) for t in tokens]
        if not tokens or not any(t.upper() in handles for t in tokens) or not all(is_key(k) for k in named):
            return match.group(0)
        return "[" + ", ".join(dict.fromkeys(named)) + "]"

    return _BRACKET.sub(expand, text) if handles else text


def bracket(key: str) -> str:
    """``[key]``."""
    return f"[{key}]"


def resource_part(key: str) -> tuple[str, str, str | None] | None:
    """``("DocumentReference", "9", "assessment-and-plan")`` for a record key; None for a guideline key."""
    if key.startswith(("guideline:", "none:", "caregap:")) or "/" not in key:
        return None
    rtype, _, rest = key.partition("/")
    rid, _, fragment = rest.partition("#")
    return rtype, rid, fragment or None
