"""A labelled sample for note search, built from the raw notes of the notes bundles (decoded without tools.fhir):
for a note section, a phrase of 4 to 8 consecutive words that occurs in no other section of the patient's notes,
and the citation key of that section (``DocumentReference/<id>#<slug>``).

Bundles alternate between a dev half (tuning) and a test half (reporting), by sorted file name. The sample is
drawn with a fixed seed, so every run sees the same queries.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from medcite.evals.fhir.raw_bundle import read_bundle
from medcite.evals.fhir.raw_notes import raw_notes

Split = Literal["dev", "test"]
PER_BUNDLE = 10
SEED = 20250728
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")


@dataclass(frozen=True)
class NoteQuery:
    bundle: Path
    patient_id: str
    query: str
    key: str
    split: Split


def _norm(text: str) -> str:
    return " " + " ".join(w.lower() for w in _WORD.findall(text)) + " "


def _unique_phrase(body: str, others: list[str], rng: random.Random) -> str | None:
    words = _WORD.findall(body)
    for _ in range(20):
        if len(words) < 4:
            return None
        size = rng.randint(4, min(8, len(words)))
        start = rng.randint(0, len(words) - size)
        phrase = " ".join(words[start : start + size])
        if sum(_norm(phrase) in o for o in others) == 1:
            return phrase
    return None


def bundle_queries(path: Path, split: Split, per_bundle: int = PER_BUNDLE, seed: int = SEED) -> list[NoteQuery]:
    bundle = read_bundle(path)
    sections = [(note.section_key(h), body) for note in raw_notes(bundle) for h, body in note.sections.items()]
    normalized = [_norm(body) for _, body in sections]
    rng = random.Random(f"{seed}:{path.name}")
    order = list(range(len(sections)))
    rng.shuffle(order)
    out: list[NoteQuery] = []
    for i in order:
        key, body = sections[i]
        phrase = _unique_phrase(body, normalized, rng)
        if phrase is not None:
            out.append(NoteQuery(path, bundle.patient_id, phrase, key, split))
        if len(out) == per_bundle:
            break
    return out


def sample(bundles: Iterable[Path], per_bundle: int = PER_BUNDLE) -> list[NoteQuery]:
    """Queries for every bundle; even positions (sorted by name) are the dev half, odd ones the test half."""
    paths = sorted(Path(p) for p in bundles)
    return [q for i, p in enumerate(paths) for q in bundle_queries(p, "dev" if i % 2 == 0 else "test", per_bundle)]
