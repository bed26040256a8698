"""The shipped default corpus: USPSTF recommendations and MedQuAD NIH answers (see data/ATTRIBUTION.md)."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from medcite.tools.retrieval.passage import Document, Passage, passages_hash

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_CORPUS_FILE = DATA_DIR / "default_guidelines.jsonl.gz"
ATTRIBUTION_FILE = DATA_DIR / "ATTRIBUTION.md"
DEFAULT_SOURCES = ("uspstf", "medquad")


def iter_records(path: Path = DEFAULT_CORPUS_FILE) -> Iterator[dict[str, object]]:
    """Raw records of the shipped corpus (passage fields plus ``question`` for MedQuAD)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def load_passages(path: Path = DEFAULT_CORPUS_FILE) -> list[Passage]:
    return [Passage.model_validate({k: v for k, v in r.items() if k != "question"}) for r in iter_records(path)]


def default_documents(path: Path = DEFAULT_CORPUS_FILE) -> list[Document]:
    """Passages grouped into documents (one USPSTF topic, one MedQuAD source file)."""
    groups: dict[str, list[Passage]] = {}
    for passage in load_passages(path):
        groups.setdefault(passage.doc_id, []).append(passage)
    return [
        Document(doc_id=doc_id, doc_hash=passages_hash(items), origin="default", passages=items)
        for doc_id, items in groups.items()
    ]


@lru_cache(maxsize=4)
def corpus_version(path: Path = DEFAULT_CORPUS_FILE) -> str:
    """Digest of the shipped file: the store rebuilds default documents when it changes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


VECTORS_FILE = DATA_DIR / "default_guidelines.all-minilm-l6-v2.f16.npy"
_CHECK_ROWS = (0, 1000, 4000, -1)
_CHECK_MIN_COSINE = 0.99


def default_vectors(embedder: Any) -> dict[str, np.ndarray] | None:
    """Shipped embeddings of the default corpus (rows follow the corpus file), when they match.

    They are used only with the default model, and only after a few passages embedded now agree
    with them (cosine ≥ 0.99); otherwise the corpus is embedded from scratch.
    """
    if not getattr(embedder, "is_default", False) or not VECTORS_FILE.is_file():
        return None
    vectors = np.load(VECTORS_FILE).astype(np.float32)
    passages = load_passages()
    if vectors.shape[0] != len(passages):
        log.warning("shipped corpus embeddings do not match the corpus; embedding it instead")
        return None
    rows = [passages[i] for i in _CHECK_ROWS]
    live = embedder.encode([p.index_text() for p in rows])
    if float((live * vectors[list(_CHECK_ROWS)]).sum(axis=1).min()) < _CHECK_MIN_COSINE:
        log.warning("shipped corpus embeddings differ from the model's; embedding the corpus instead")
        return None
    return {p.id: v for p, v in zip(passages, vectors, strict=True)}

