"""A hybrid index over one patient's note sections: BM25 and sentence embeddings, fused by reciprocal rank.

Each section is indexed as its heading and text. Identical texts (the "No complaints." of every visit)
are embedded once; the vectors of a record's sections are kept on disk under a hash of the model and
the texts, and whole indexes are kept in memory under a hash of the sections, so a record already seen
is indexed again without embedding anything. Among equally good sections the newer note comes first.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import numpy as np

from medcite.core.evidence import Evidence, NoteFact
from medcite.tools.fhir.notes import type_matches
from medcite.tools.retrieval.fusion import reciprocal_rank_fusion
from medcite.tools.retrieval.lexical import LexicalIndex

log = logging.getLogger(__name__)

INDEX_FORMAT = "notes-1"  # part of every cache key: change when what is indexed changes
# Chosen on the dev half of the phrase sample (benchmarks/bench_note_search.py --tune): best recall@5.
MIN_COSINE = 0.2  # a section no query word matches must be at least this close to be a hit
FUSION_WEIGHTS = (1.0, 1.0)  # dense, BM25
MEMORY_INDEXES = 16


class Embedder(Protocol):
    """What the index needs of an embedding model (``tools.retrieval.embedding.GuidelineEmbedder``)."""

    model_name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class NoteHit:
    evidence: Evidence
    score: float
    dense_rank: int | None
    lexical_rank: int | None


def indexed_text(ev: Evidence) -> str:
    fact = ev.fact
    assert isinstance(fact, NoteFact)
    return f"{fact.section or fact.note_type}. {fact.text}"


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def index_digest(sections: Sequence[Evidence], model_name: str) -> str:
    """The content hash an index is cached under: format, model, and every section's key, date, type and text."""
    rows = []
    for ev in sections:
        fact = ev.fact
        assert isinstance(fact, NoteFact)
        rows.append(f"{ev.key}|{fact.written}|{fact.note_type_code}|{fact.note_type}|{indexed_text(ev)}")
    return _digest(INDEX_FORMAT, model_name, *rows)


class VectorCache:
    """Embeddings on disk, one ``.npy`` per set of unique texts (named by their hash)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path | None:
        return self.folder / f"{key}.npy" if self.folder else None

    def get(self, key: str, rows: int) -> np.ndarray | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            vectors = np.load(path)
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable note vectors %s: %s", path, exc)
            return None
        return vectors if vectors.ndim == 2 and vectors.shape[0] == rows else None

    def put(self, key: str, vectors: np.ndarray) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                np.save(f, vectors)
            os.replace(tmp, path)
        except OSError as exc:  # a cache that cannot be written only costs time
            log.warning("note vectors not cached at %s: %s", path, exc)


def _embed(texts: list[str], embedder: Embedder, cache: VectorCache) -> np.ndarray:
    """One normalised row per text; each distinct text is embedded once, or read from the cache."""
    unique = list(dict.fromkeys(texts))
    key = _digest(INDEX_FORMAT, embedder.model_name, *unique)
    vectors = cache.get(key, len(unique))
    if vectors is None:
        vectors = np.asarray(embedder.encode(unique), dtype=np.float32)
        cache.put(key, vectors)
    row = {text: i for i, text in enumerate(unique)}
    return vectors[[row[t] for t in texts]] if texts else vectors


def note_in_window(fact: NoteFact, since: date | None, until: date | None, note_type: str | None) -> bool:
    """Whether the note was written in the window (an undated note only when there is no window) and is
    of the type asked for."""
    day = fact.written or ""
    if since is not None and day < since.isoformat():
        return False
    if until is not None and (not day or day > until.isoformat()):
        return False
    return note_type is None or type_matches(note_type, fact.note_type_code, fact.note_type)


class NoteIndex:
    """The note sections of one record, searchable by words and by meaning."""

    def __init__(self, sections: list[Evidence], vectors: np.ndarray, lexical: LexicalIndex, embedder: Embedder):
        self.sections = sections
        self.vectors = vectors
        self.lexical = lexical
        self.embedder = embedder

    @classmethod
    def build(cls, sections: Sequence[Evidence], embedder: Embedder, cache_dir: Path | None = None) -> NoteIndex:
        """An index over the sections holding text (notes that could not be read are not indexed)."""
        kept = [e for e in sections if isinstance(e.fact, NoteFact) and e.fact.unread is None]
        texts = [indexed_text(e) for e in kept]
        vectors = _embed(texts, embedder, VectorCache(cache_dir))
        lexical = LexicalIndex.build([str(i) for i in range(len(kept))], texts)
        return cls(kept, vectors, lexical, embedder)

    def _newest_first(self, rows: list[int]) -> list[int]:
        return sorted(rows, key=lambda i: (self._written(i), self.sections[i].key), reverse=True)

    def _written(self, row: int) -> str:
        fact = self.sections[row].fact
        return fact.written or "" if isinstance(fact, NoteFact) else ""

    def search(
        self,
        query: str,
        k: int = 5,
        since: date | None = None,
        until: date | None = None,
        note_type: str | None = None,
    ) -> list[NoteHit]:
        """The ``k`` best sections for ``query`` among the notes in the window (and of the type)."""
        rows = [
            i
            for i, ev in enumerate(self.sections)
            if isinstance(ev.fact, NoteFact) and note_in_window(ev.fact, since, until, note_type)
        ]
        if not rows or not query.strip():
            return []
        query_vector = np.asarray(self.embedder.encode([query]), dtype=np.float32)[0]
        cosine = {i: float(self.vectors[i] @ query_vector) for i in rows}
        dense = sorted(self._newest_first(rows), key=lambda i: -round(cosine[i], 6))
        dense = [i for i in dense if cosine[i] >= MIN_COSINE]
        allowed = set(rows)
        lexical_scores = {int(i): s for i, s in self.lexical.search(query, len(self.sections)) if int(i) in allowed}
        lexical = sorted(self._newest_first(list(lexical_scores)), key=lambda i: -round(lexical_scores[i], 6))
        fused = reciprocal_rank_fusion([[str(i) for i in dense], [str(i) for i in lexical]], weights=FUSION_WEIGHTS)
        dense_rank = {i: n for n, i in enumerate(dense, start=1)}
        lexical_rank = {i: n for n, i in enumerate(lexical, start=1)}
        hits = []
        for item, score in fused[:k]:
            row = int(item)
            hits.append(NoteHit(self.sections[row], score, dense_rank.get(row), lexical_rank.get(row)))
        return hits


_MEMORY: OrderedDict[str, NoteIndex] = OrderedDict()


def cached_index(sections: Sequence[Evidence], embedder: Embedder, cache_dir: Path | None = None) -> NoteIndex:
    """The index of these sections, from memory when the same content was indexed before in this process."""
    key = index_digest(sections, embedder.model_name)
    found = _MEMORY.get(key)
    if found is None:
        found = NoteIndex.build(sections, embedder, cache_dir)
        _MEMORY[key] = found
        while len(_MEMORY) > MEMORY_INDEXES:
            _MEMORY.popitem(last=False)
    _MEMORY.move_to_end(key)
    return found
