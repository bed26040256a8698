"""Hybrid, recency-aware guideline search over the store: dense + BM25, RRF, optional re-ranking,
an optional population filter; every hit says whether it is stale (superseded, or past its issuer's
review cycle) and which corpus snapshot it belongs to."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from medcite.core.errors import InputError
from medcite.core.evidence import Evidence
from medcite.core.settings import Settings
from medcite.tools.retrieval.fusion import RRF_K, RRF_WEIGHTS, reciprocal_rank_fusion
from medcite.tools.retrieval.hits import GuidelineHit, hit_evidence
from medcite.tools.retrieval.lexical import LEXICAL_FORMAT, LexicalIndex
from medcite.tools.retrieval.passage import Passage, content_hash
from medcite.tools.retrieval.population import Population
from medcite.tools.retrieval.recency import (
    TopicVersions,
    issuer_policies,
    prefer_newest,
    same_topic_groups,
    stale_reason,
    version_key,
)
from medcite.tools.retrieval.rerank import CrossEncoderReranker
from medcite.tools.retrieval.store import GuidelineStore, StoredChunk

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")
CANDIDATES = 50  # per retriever, before fusion
RERANK_CANDIDATES = 30
TITLE_CACHE = 20_000  # title embeddings kept in memory


@dataclass(frozen=True)
class Ranked:
    """A candidate after fusion: id, score and its rank in each retriever (1-based, None if absent)."""

    id: str
    score: float
    dense_rank: int | None
    lexical_rank: int | None


class GuidelineRetriever:
    """Searches a ``GuidelineStore``; every hit carries its date and a stale flag."""

    def __init__(
        self,
        store: GuidelineStore,
        settings: Settings | None = None,
        reranker: CrossEncoderReranker | None = None,
        rrf_k: int = RRF_K,
        weights: tuple[float, float] = RRF_WEIGHTS,
        candidates: int = CANDIDATES,
    ) -> None:
        self.store = store
        self.settings = settings or store.settings
        if reranker is None and self.settings.reranker_model:
            reranker = CrossEncoderReranker(self.settings.reranker_model)
        self.reranker = reranker
        self.rrf_k = rrf_k
        self.weights = weights
        self.candidates = candidates
        self._lexical: LexicalIndex | None = None
        self._lexical_revision: str | None = None
        self._topics: TopicVersions | None = None
        self._topics_revision: str | None = None
        self._title_vectors: dict[str, np.ndarray] = {}

    # --- lexical index ---------------------------------------------------------------------------
    def _cache_dir(self) -> Path:
        where = self.settings.chroma_url or str(self.settings.store_dir)
        return self.settings.data_dir / "bm25" / f"{self.store.name}-{content_hash(where, length=8)}"

    def lexical(self) -> LexicalIndex:
        """The BM25 index for the store's current revision (from memory, disk cache, or built)."""
        revision = self.store.revision()
        if self._lexical is not None and self._lexical_revision == revision:
            return self._lexical
        folder = self._cache_dir() / f"{revision}-{LEXICAL_FORMAT}"
        index = LexicalIndex.load(folder)
        if index is None:
            chunks = list(self.store.iter_chunks())
            index = LexicalIndex.build([c.passage.id for c in chunks], [c.passage.index_text() for c in chunks])
            if self.store.revision() == revision:
                for old in folder.parent.glob("*"):
                    if old != folder:
                        shutil.rmtree(old, ignore_errors=True)
                index.save(folder)
        self._lexical, self._lexical_revision = index, revision
        return index

    def topic_versions(self) -> TopicVersions:
        """The newest passage of every topic in the store (rebuilt when the store changes)."""
        revision = self.store.revision()
        if self._topics is None or self._topics_revision != revision:
            self._topics = TopicVersions(
                (c.passage.id, version_key(c.passage), c.passage.date) for c in self.store.iter_chunks()
            )
            self._topics_revision = revision
        return self._topics

    def title_similarity(self, query_vector: np.ndarray, passages: list[Passage]) -> list[float]:
        """Cosine of the query with each passage's topic (or title): is the passage about what was asked?"""
        titles = [p.topic or p.title for p in passages]
        missing = sorted({t for t in titles if t not in self._title_vectors})
        if missing:
            if len(self._title_vectors) + len(missing) > TITLE_CACHE:
                self._title_vectors.clear()
            self._title_vectors.update(zip(missing, self.store.embedder.encode(missing), strict=True))
        return [float(query_vector @ self._title_vectors[t]) for t in titles]

    # --- search ----------------------------------------------------------------------------------
    def rank(
        self,
        query: str,
        mode: Mode = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> tuple[list[Ranked], dict[str, StoredChunk]]:
        """Fused candidates (best first) and the chunks fetched on the way."""
        n = self.candidates
        chunks: dict[str, StoredChunk] = {}
        dense_ids: list[str] = []
        lexical_ids: list[str] = []
        if mode in ("hybrid", "dense"):
            vector = query_vector if query_vector is not None else self.store.embedder.encode_query(query)
            for chunk in self.store.dense_search(vector, n):
                chunks[chunk.passage.id] = chunk
                dense_ids.append(chunk.passage.id)
        if mode in ("hybrid", "bm25"):
            lexical_ids = [pid for pid, _ in self.lexical().search(query, n)]
        parts = [(r, w) for r, w in zip((dense_ids, lexical_ids), self.weights, strict=True) if r]
        fused = reciprocal_rank_fusion(
            [r for r, _ in parts], k=self.rrf_k, weights=[w for _, w in parts]
        )[:n]
        dense_pos = {pid: i for i, pid in enumerate(dense_ids, start=1)}
        lexical_pos = {pid: i for i, pid in enumerate(lexical_ids, start=1)}
        ranked = [Ranked(pid, s, dense_pos.get(pid), lexical_pos.get(pid)) for pid, s in fused]
        missing = [r.id for r in ranked if r.id not in chunks]
        chunks.update(self.store.get(missing, with_embeddings=True))
        return [r for r in ranked if r.id in chunks], chunks

    def search(
        self,
        query: str,
        k: int = 5,
        mode: Mode = "hybrid",
        today: dt.date | None = None,
        query_vector: np.ndarray | None = None,
        population: Population | None = None,
    ) -> list[GuidelineHit]:
        """The ``k`` best passages; among passages on one topic the newest comes first. With a
        ``population``, passages addressed to other people (sex, age, pregnancy) are left out."""
        query = " ".join(query.split())
        if not query:
            raise InputError("search query is empty")
        if k < 1:
            raise InputError(f"k must be at least 1, got {k}")
        ranked, chunks = self.rank(query, mode, query_vector)
        if self.reranker is not None and ranked:
            head, tail = ranked[:RERANK_CANDIDATES], ranked[RERANK_CANDIDATES:]
            scores = self.reranker.scores(query, [chunks[r.id].passage.index_text() for r in head])
            order = sorted(range(len(head)), key=lambda i: -scores[i])
            head = [Ranked(head[i].id, scores[i], head[i].dense_rank, head[i].lexical_rank) for i in order]
            ranked = head + tail
        if population is not None:
            ranked = [r for r in ranked if population.admits(chunks[r.id].passage)]
        passages = [chunks[r.id].passage for r in ranked]
        groups = same_topic_groups([version_key(p) for p in passages], [chunks[r.id].embedding for r in ranked])
        order, older = prefer_newest(list(range(len(ranked))), groups, lambda i: passages[i].date)
        versions = self.topic_versions()
        hits = []
        for i in order[:k]:
            p = passages[i]
            newer = passages[older[i]].id if i in older else versions.newer_than(version_key(p), p.date)
            r = ranked[i]
            hits.append(self.hit(p, r.score, newer, today, r.dense_rank, r.lexical_rank))
        return hits

    def hit(
        self,
        passage: Passage,
        score: float,
        newer: str | None = None,
        today: dt.date | None = None,
        dense_rank: int | None = None,
        lexical_rank: int | None = None,
    ) -> GuidelineHit:
        """A passage as a hit: stale when ``newer`` supersedes it or its issuer's review cycle has passed."""
        policy = issuer_policies().get(passage.issuer)
        return GuidelineHit(
            passage=passage,
            score=score,
            stale_reason=stale_reason(passage, self.settings.stale_after_years, newer, today),
            snapshot=policy.snapshot_line() if policy and policy.current_as_of else None,
            superseded_by=newer,
            dense_rank=dense_rank,
            lexical_rank=lexical_rank,
        )

    def passages_evidence(self, ids: list[str], today: dt.date | None = None) -> list[Evidence]:
        """Stored passages by id (those the store holds, in the given order) as citable Evidence."""
        chunks = self.store.get(list(dict.fromkeys(ids)))
        versions = self.topic_versions()
        out = []
        for pid in dict.fromkeys(ids):
            if pid in chunks:
                p = chunks[pid].passage
                newer = versions.newer_than(version_key(p), p.date)
                out.append(hit_evidence(self.hit(p, 0.0, newer, today)))
        return out

    def search_evidence(self, query: str, k: int = 5, population: Population | None = None) -> list[Evidence]:
        """Hits as ``Evidence`` (key ``guideline:<id>``) for citation checks and stale flags."""
        return [hit_evidence(h) for h in self.search(query, k, population=population)]


def open_retriever(settings: Settings | None = None) -> GuidelineRetriever:
    """Open the configured store and its retriever (``medcite.corpora.open_guidelines`` also builds the
    default corpus on first use)."""
    settings = settings or Settings.from_env()
    return GuidelineRetriever(GuidelineStore(settings), settings)
