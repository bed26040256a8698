"""Ingest documents into the guideline store: skip unchanged ones, replace changed ones, report per file.

Embedding is batched across documents (one ``encode`` call per write batch) and every write holds
whole documents, so an interrupted run leaves each document either fully old or fully new.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from tqdm import tqdm

from medcite.core.errors import InputError
from medcite.corpora.default import DEFAULT_SOURCES, corpus_version, default_documents, default_vectors
from medcite.corpora.readers import KINDS, is_sidecar, read_document
from medcite.tools.retrieval.passage import Document

if TYPE_CHECKING:
    from medcite.tools.retrieval.store import GuidelineStore

log = logging.getLogger(__name__)

Status = Literal["added", "replaced", "unchanged", "error"]
WRITE_BATCH_PASSAGES = 512


@dataclass
class FileResult:
    origin: str
    status: Status
    chunks: int = 0
    message: str = ""

    def line(self) -> str:
        if self.status == "error":
            return f"error      {self.origin}: {self.message}"
        return f"{self.status:<10} {self.origin} ({self.chunks} chunks)"


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    @property
    def errors(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    def render(self) -> str:
        lines = [r.line() for r in self.results]
        lines.append(
            f"{self.count('added')} added, {self.count('replaced')} replaced, "
            f"{self.count('unchanged')} unchanged, {len(self.errors)} failed"
        )
        return "\n".join(lines)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files to ingest: given files as they are, folders searched for supported files."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in KINDS
                and not is_sidecar(p)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)
    return files


def write_documents(
    store: GuidelineStore,
    docs: Sequence[Document],
    progress: bool = False,
    vectors: Mapping[str, np.ndarray] | None = None,
    desc: str = "Embedding",
) -> list[FileResult]:
    """Write documents that are new or changed; ``vectors`` (id → embedding) skips encoding."""
    results: dict[str, FileResult] = {}
    stored = store.document_hashes([d.doc_id for d in docs])
    pending: list[Document] = []
    for doc in docs:
        versions = stored.get(doc.doc_id, set())
        if versions == {doc.doc_hash}:
            results[doc.doc_id] = FileResult(doc.origin, "unchanged", len(doc.passages))
        else:
            pending.append(doc)
            status: Status = "replaced" if versions else "added"
            results[doc.doc_id] = FileResult(doc.origin, status, len(doc.passages))
    for doc_id, message in store.check_ids(pending).items():
        results[doc_id] = FileResult(results[doc_id].origin, "error", message=message)
    pending = [d for d in pending if results[d.doc_id].status != "error"]
    total = sum(len(d.passages) for d in pending)
    with tqdm(total=total, desc=desc, unit="chunk", disable=not progress or total == 0) as bar:
        for batch in _batches(pending, WRITE_BATCH_PASSAGES):
            texts = [p.index_text() for d in batch for p in d.passages]
            try:
                store.write(batch, _embed(store, batch, texts, vectors))
            except InputError as exc:
                for d in batch:
                    results[d.doc_id] = FileResult(d.origin, "error", message=str(exc))
            bar.update(len(texts))
    return [results[d.doc_id] for d in docs]


def _embed(
    store: GuidelineStore,
    batch: Sequence[Document],
    texts: list[str],
    vectors: Mapping[str, np.ndarray] | None,
) -> np.ndarray:
    ids = [p.id for d in batch for p in d.passages]
    if vectors is not None and all(i in vectors for i in ids):
        return np.stack([vectors[i] for i in ids]).astype(np.float32)
    return store.embedder.encode(texts)


def _batches(docs: Sequence[Document], size: int) -> Iterable[list[Document]]:
    batch: list[Document] = []
    n = 0
    for doc in docs:
        batch.append(doc)
        n += len(doc.passages)
        if n >= size:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def ingest_paths(store: GuidelineStore, paths: Iterable[Path], progress: bool = False) -> IngestReport:
    """Read, chunk, embed and store each file; a bad file gets an error line, the others go in."""
    report = IngestReport()
    docs: list[Document] = []
    order: list[FileResult | Document] = []
    files = expand_paths(paths)
    for path in tqdm(files, desc="Reading", unit="file", disable=not progress or len(files) < 2):
        try:
            if not path.exists():
                raise InputError(f"{path}: no such file or folder")
            doc = read_document(path)
        except InputError as exc:
            order.append(FileResult(str(path), "error", message=str(exc)))
            continue
        docs.append(doc)
        order.append(doc)
    written = iter(write_documents(store, _unique(docs), progress=progress))
    by_doc = {doc.doc_id: next(written) for doc in _unique(docs)}
    for item in order:
        report.results.append(item if isinstance(item, FileResult) else by_doc[item.doc_id])
    return report


def _unique(docs: list[Document]) -> list[Document]:
    """One entry per doc id (the same file given twice is ingested once)."""
    return list({d.doc_id: d for d in docs}.values())


def ensure_default_corpus(store: GuidelineStore, progress: bool = False) -> IngestReport:
    """Build (or update) the shipped default corpus in the store; a no-op once it is current."""
    version = corpus_version()
    report = IngestReport()
    if store.default_corpus_version() == version:
        return report
    docs = default_documents()
    vectors = default_vectors(store.embedder)
    report.results = write_documents(
        store, docs, progress=progress, vectors=vectors, desc="Building default guideline corpus"
    )
    keep = [d.doc_id for d in docs]
    store.delete_documents({"$and": [{"source": {"$in": list(DEFAULT_SOURCES)}}, {"doc_id": {"$nin": keep}}]})
    if report.ok:
        store.set_default_corpus_version(version)
    return report
