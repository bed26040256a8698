"""The guideline vector store: one Chroma collection per embedding model, written one document at a time.

Every chunk carries ``doc_id`` and ``doc_hash``. A document version is written in one upsert (all its
chunks or none), and older versions are deleted only after the new one is in, so an interrupted write
never leaves half a document.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from medcite.core.errors import ConfigError, InputError
from medcite.core.private_files import private_dir
from medcite.core.settings import Settings
from medcite.tools.retrieval.embedding import GuidelineEmbedder, is_default_model
from medcite.tools.retrieval.passage import DOC_HASH_KEY, DOC_ID_KEY, Document, Passage, content_hash

COLLECTION_PREFIX = "guidelines"
REVISION_KEY = "revision"
DEFAULT_CORPUS_KEY = "default_corpus"
_QUERY_IN_BATCH = 500


def collection_name(model_name: str) -> str:
    """``guidelines-all-minilm-l6-v2`` for the default model; a slug plus hash for any other."""
    if is_default_model(model_name):
        return f"{COLLECTION_PREFIX}-all-minilm-l6-v2"
    slug = re.sub(r"[^a-z0-9]+", "-", model_name.lower().rstrip("/").rsplit("/", 1)[-1]).strip("-")
    return f"{COLLECTION_PREFIX}-{slug[:40] or 'model'}-{content_hash(model_name, length=8)}"


def make_client(settings: Settings) -> Any:
    """``HttpClient`` when ``chroma_url`` is set, else a ``PersistentClient`` under ``store_dir``."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in {"http", "https"} or not url.hostname:
            raise ConfigError(f"MEDCITE_CHROMA_URL={settings.chroma_url!r} is not an http(s)://host:port URL.")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # connection errors vary by transport
            raise ConfigError(f"Cannot reach the Chroma server at {settings.chroma_url}: {exc}") from exc
    private_dir(settings.data_dir)
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.store_dir), settings=chroma_settings)


@dataclass(frozen=True)
class StoredChunk:
    passage: Passage
    doc_hash: str
    distance: float | None = None
    embedding: np.ndarray | None = None


def _chunk(pid: str, doc: str | None, meta: Any, **extra: Any) -> StoredChunk:
    meta = dict(meta or {})
    return StoredChunk(
        passage=Passage.from_store(pid, doc or "", meta),
        doc_hash=str(meta.get(DOC_HASH_KEY, "")),
        **extra,
    )


class GuidelineStore:
    """A Chroma collection of guideline chunks with an explicit sentence-transformers embedding."""

    def __init__(self, settings: Settings, embedder: GuidelineEmbedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or GuidelineEmbedder(settings.embedding_model)
        self.client = make_client(settings)
        self.name = collection_name(self.embedder.model_name)
        self.collection = self.client.get_or_create_collection(
            name=self.name,
            embedding_function=self.embedder.function,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_model": self.embedder.model_name},
        )
        self.max_batch = int(self.client.get_max_batch_size())

    # --- collection metadata -------------------------------------------------------------------
    def _metadata(self) -> dict[str, Any]:
        fresh = self.client.get_collection(self.name, embedding_function=self.embedder.function)
        return dict(fresh.metadata or {})

    def _set_metadata(self, **values: str) -> None:
        meta = self._metadata()
        meta.update(values)
        self.collection.modify(metadata=meta)

    def revision(self) -> str:
        """Changes on every write; derived indexes (BM25) rebuild when it differs."""
        return str(self._metadata().get(REVISION_KEY, "empty"))

    def _bump_revision(self) -> None:
        self._set_metadata(**{REVISION_KEY: uuid.uuid4().hex})

    def default_corpus_version(self) -> str | None:
        value = self._metadata().get(DEFAULT_CORPUS_KEY)
        return str(value) if value else None

    def set_default_corpus_version(self, version: str) -> None:
        self._set_metadata(**{DEFAULT_CORPUS_KEY: version})

    # --- reads -----------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self.collection.count())

    def count_sources(self, sources: Sequence[str]) -> int:
        """Chunks whose ``source`` is one of ``sources``."""
        res = self.collection.get(where={"source": {"$in": list(sources)}}, include=[])
        return len(res["ids"])

    def document_hashes(self, doc_ids: Sequence[str]) -> dict[str, set[str]]:
        """Stored versions (``doc_hash`` values) of each given document."""
        found: dict[str, set[str]] = {}
        for start in range(0, len(doc_ids), _QUERY_IN_BATCH):
            batch = list(doc_ids[start : start + _QUERY_IN_BATCH])
            res = self.collection.get(where={DOC_ID_KEY: {"$in": batch}}, include=["metadatas"])
            for meta in res["metadatas"] or []:
                found.setdefault(str(meta[DOC_ID_KEY]), set()).add(str(meta[DOC_HASH_KEY]))
        return found

    def owners(self, ids: Sequence[str]) -> dict[str, str]:
        """``doc_id`` of each given chunk id that is already stored."""
        owners: dict[str, str] = {}
        ids = list(dict.fromkeys(ids))
        for start in range(0, len(ids), _QUERY_IN_BATCH):
            res = self.collection.get(ids=list(ids[start : start + _QUERY_IN_BATCH]), include=["metadatas"])
            for pid, meta in zip(res["ids"], res["metadatas"] or [], strict=True):
                owners[pid] = str(meta[DOC_ID_KEY])
        return owners

    def get(self, ids: Sequence[str], with_embeddings: bool = False) -> dict[str, StoredChunk]:
        if not ids:
            return {}
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        res = self.collection.get(ids=list(ids), include=include)
        embs = res.get("embeddings") if with_embeddings else None
        return {
            pid: _chunk(
                pid,
                doc,
                meta,
                embedding=None if embs is None else np.asarray(embs[i], dtype=np.float32),
            )
            for i, (pid, doc, meta) in enumerate(
                zip(res["ids"], res["documents"] or [], res["metadatas"] or [], strict=True)
            )
        }

    def document(self, doc_id: str) -> list[StoredChunk]:
        """Every stored chunk of one document."""
        res = self.collection.get(where={DOC_ID_KEY: doc_id}, include=["documents", "metadatas"])
        return [
            _chunk(pid, doc, meta)
            for pid, doc, meta in zip(res["ids"], res["documents"] or [], res["metadatas"] or [], strict=True)
        ]

    def iter_chunks(self, batch_size: int = 5000) -> Iterator[StoredChunk]:
        """Every stored chunk, in storage order."""
        offset = 0
        while True:
            res = self.collection.get(include=["documents", "metadatas"], limit=batch_size, offset=offset)
            if not res["ids"]:
                return
            for pid, doc, meta in zip(res["ids"], res["documents"] or [], res["metadatas"] or [], strict=True):
                yield _chunk(pid, doc, meta)
            offset += len(res["ids"])

    def dense_search(self, vector: np.ndarray, n: int) -> list[StoredChunk]:
        """Nearest chunks to a query embedding, closest first, with their embeddings (fewer when the store
        holds fewer than ``n``: Chroma caps the result at the collection size, so no count is needed)."""
        if n <= 0:
            return []
        res = self.collection.query(
            query_embeddings=[vector.tolist()],
            n_results=n,
            include=["documents", "metadatas", "distances", "embeddings"],
        )
        ids = res["ids"][0]
        docs = (res["documents"] or [[]])[0]
        metas = (res["metadatas"] or [[]])[0]
        dists = (res["distances"] or [[]])[0]
        embs = cast(Any, res.get("embeddings"))
        return [
            _chunk(
                pid,
                docs[i],
                metas[i],
                distance=float(dists[i]),
                embedding=None if embs is None else np.asarray(embs[0][i], dtype=np.float32),
            )
            for i, pid in enumerate(ids)
        ]

    # --- writes ----------------------------------------------------------------------------------
    def check_ids(self, docs: Iterable[Document]) -> dict[str, str]:
        """Per document: an error when one of its chunk ids belongs to another document (stored,
        or earlier in ``docs``)."""
        docs = list(docs)
        owners = self.owners([p.id for d in docs for p in d.passages])
        errors: dict[str, str] = {}
        for doc in docs:
            clash = next(
                (p.id for p in doc.passages if owners.get(p.id, doc.doc_id) != doc.doc_id),
                None,
            )
            if clash is not None:
                errors[doc.doc_id] = f"passage id {clash!r} already belongs to document {owners[clash]!r}"
            else:
                owners.update({p.id: doc.doc_id for p in doc.passages})
        return errors

    def write(self, docs: Sequence[Document], vectors: np.ndarray) -> None:
        """Write whole documents (rows of ``vectors`` follow their passages), then drop old versions."""
        rows = [p for d in docs for p in d.passages]
        if len(rows) != len(vectors):
            raise ValueError(f"{len(rows)} passages but {len(vectors)} embeddings")
        if not rows:
            return
        batches = self._batches(docs)
        self._bump_revision()
        start = 0
        for batch in batches:
            passages = [(p, d.doc_hash) for d in batch for p in d.passages]
            end = start + len(passages)
            self.collection.upsert(
                ids=[p.id for p, _ in passages],
                embeddings=vectors[start:end],
                documents=[p.text for p, _ in passages],
                metadatas=[cast(Any, p.metadata(h)) for p, h in passages],
            )
            start = end
            self.collection.delete(
                where={
                    "$and": [
                        {DOC_ID_KEY: {"$in": [d.doc_id for d in batch]}},
                        {DOC_HASH_KEY: {"$nin": [d.doc_hash for d in batch]}},
                    ]
                }
            )
        self._bump_revision()

    def _batches(self, docs: Sequence[Document]) -> list[list[Document]]:
        """Whole documents packed into upserts of at most ``max_batch`` chunks."""
        batches: list[list[Document]] = [[]]
        size = 0
        for doc in docs:
            n = len(doc.passages)
            if n > self.max_batch:
                raise InputError(f"{doc.origin}: {n} chunks is more than one store write allows ({self.max_batch})")
            if size + n > self.max_batch:
                batches.append([])
                size = 0
            batches[-1].append(doc)
            size += n
        return [b for b in batches if b]

    def delete_documents(self, where: dict[str, Any]) -> None:
        self._bump_revision()
        self.collection.delete(where=where)
        self._bump_revision()
