"""Guideline passages for a patient's active problems: about the problem, for this patient, each once.

For every problem the retriever is asked for the problem's name. A candidate counts only when its
topic is about the problem (the cosine of the problem name with the passage's topic is at least the
relevance floor) and its population admits the patient (sex, age, pregnancy). Of each topic the best
section is kept (the recommendation statement and clinical considerations before rationale, discussion
and "recommendations of others", per issuer in ``data/issuers.json``), and a topic already listed for
an earlier problem is not listed again. A problem with nothing above the floor gets no passage: the
caller says "no guideline in the corpus for X".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from medcite.core.citation_keys import absence_key
from medcite.core.evidence import AbsenceFact, Evidence
from medcite.tools.retrieval.hits import GuidelineHit
from medcite.tools.retrieval.population import Population
from medcite.tools.retrieval.recency import issuer_policies, topic_key, version_key
from medcite.tools.retrieval.retriever import GuidelineRetriever, Ranked
from medcite.tools.retrieval.store import StoredChunk

# Chosen on the development half of the labelled problem sample (benchmarks/bench_problem_guidelines.py).
RELEVANCE_FLOOR = 0.65
PER_PROBLEM = 2
_SEMANTIC_TAG = re.compile(r"\s*\((disorder|finding|situation|procedure|morphologic abnormality|event)\)\s*$", re.I)


def problem_query(name: str) -> str:
    """The problem's name without a SNOMED semantic tag: 'Stress (finding)' -> 'Stress'."""
    return " ".join(_SEMANTIC_TAG.sub("", name).split())


@dataclass(frozen=True)
class ProblemGuidance:
    """What the corpus holds for one problem: new passages, and topics already listed for another problem."""

    problem: str
    hits: tuple[GuidelineHit, ...] = ()
    relevance: tuple[float, ...] = ()
    listed_under: tuple[str, ...] = ()  # earlier problems whose passages apply to this one too

    @property
    def found(self) -> bool:
        return bool(self.hits or self.listed_under)


def no_guideline(problem: str, population: Population | None = None) -> Evidence:
    """The citable "no guideline in the corpus for X" of a problem the corpus holds nothing relevant on."""
    name = problem_query(problem)
    searched = f"guideline passages about {name}" + (f", for {population.describe()}" if population else "")
    fact = AbsenceFact(what="guideline", place=f"the corpus for {name}", resource_type="Guideline", searched=searched)
    return Evidence(key=absence_key("guidelines", name), fact=fact)


@dataclass
class _Topic:
    key: str
    relevance: float
    rank: int
    chunks: list[tuple[int, StoredChunk, Ranked]]


def _section_rank(chunk: StoredChunk) -> int:
    policy = issuer_policies().get(chunk.passage.issuer)
    return policy.section_rank(chunk.passage.section) if policy else 0


def _is_screening(chunk: StoredChunk) -> bool:
    """A screening recommendation: for people without the condition, so not guidance for a patient who has it."""
    policy = issuer_policies().get(chunk.passage.issuer)
    return policy.is_screening(chunk.passage.topic) if policy else False


def _is_background(chunk: StoredChunk) -> bool:
    policy = issuer_policies().get(chunk.passage.issuer)
    return policy.is_background(chunk.passage.section) if policy else False


class _Finder:
    def __init__(
        self, retriever: GuidelineRetriever, population: Population | None, floor: float, today: dt.date | None
    ) -> None:
        self.retriever, self.population, self.floor, self.today = retriever, population, floor, today

    def admits(self, chunk: StoredChunk) -> bool:
        return self.population is None or self.population.admits(chunk.passage)

    def topics(self, query: str) -> list[_Topic]:
        """Topics about the query, most relevant first, with their candidate chunks."""
        vector = self.retriever.store.embedder.encode_query(query)
        ranked, chunks = self.retriever.rank(query, "hybrid", vector)
        found = [(i, chunks[r.id], r) for i, r in enumerate(ranked) if self.admits(chunks[r.id])]
        sims = self.retriever.title_similarity(vector, [c.passage for _, c, _ in found])
        topics: dict[str, _Topic] = {}
        for (i, chunk, r), sim in zip(found, sims, strict=True):
            if sim < self.floor or _is_screening(chunk):
                continue
            key = topic_key(chunk.passage.topic, chunk.passage.title)
            topic = topics.setdefault(key, _Topic(key, sim, i, []))
            topic.chunks.append((i, chunk, r))
        return sorted(topics.values(), key=lambda t: (-round(t.relevance, 3), t.rank))

    def best(self, topic: _Topic) -> tuple[StoredChunk, Ranked | None]:
        """The topic's best section among the candidates; a background-only topic falls back to the best
        section of its whole document (the recommendation statement, when it admits the patient)."""
        _, chunk, r = min(topic.chunks, key=lambda t: (_section_rank(t[1]), t[0]))
        if not _is_background(chunk):
            return chunk, r
        others = [c for c in self.retriever.store.document(chunk.passage.doc_id) if self.admits(c)]
        better = [c for c in others if not _is_background(c)]
        return (min(better, key=lambda c: (_section_rank(c), c.passage.id)), None) if better else (chunk, r)

    def hit(self, chunk: StoredChunk, r: Ranked | None) -> GuidelineHit:
        p = chunk.passage
        newer = self.retriever.topic_versions().newer_than(version_key(p), p.date)
        if r is None:
            return self.retriever.hit(p, 0.0, newer, self.today)
        return self.retriever.hit(p, r.score, newer, self.today, r.dense_rank, r.lexical_rank)


def guidance_for_problems(
    retriever: GuidelineRetriever,
    problems: list[str],
    population: Population | None = None,
    k: int = PER_PROBLEM,
    floor: float = RELEVANCE_FLOOR,
    today: dt.date | None = None,
) -> list[ProblemGuidance]:
    """Up to ``k`` passages per problem (one per topic), none shown twice; problems in the given order."""
    finder = _Finder(retriever, population, floor, today)
    listed: dict[str, str] = {}  # topic key -> the problem it was listed under
    out: list[ProblemGuidance] = []
    for problem in dict.fromkeys(problems):
        hits: list[GuidelineHit] = []
        relevance: list[float] = []
        shared: list[str] = []
        for topic in finder.topics(problem_query(problem)):
            if len(hits) >= k:
                break
            if topic.key in listed:
                shared.append(listed[topic.key])
                continue
            chunk, r = finder.best(topic)
            hits.append(finder.hit(chunk, r))
            relevance.append(topic.relevance)
            listed[topic.key] = problem
        out.append(ProblemGuidance(problem, tuple(hits), tuple(relevance), tuple(dict.fromkeys(shared))))
    return out
