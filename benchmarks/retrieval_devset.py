"""Development retrieval evaluation built from the real corpus.

- MedQuAD: each NIH question → its answer passage (passages are indexed without the question text).
- USPSTF: for each recommendation statement, a topic/population question ("Is cervical cancer
  screening recommended for women aged 21 to 65 years?") → that statement.

A query counts as answered at k when a relevant passage (the gold one or one with identical text) is
in the top k. Reports recall@1/5/10 and MRR@10 per retriever mode.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from medcite.corpora.default import iter_records
from medcite.tools.retrieval.retriever import MODES, GuidelineRetriever, Mode

KS = (1, 5, 10)


@dataclass(frozen=True)
class DevQuestion:
    query: str
    relevant: frozenset[str]
    subset: str  # "medquad" | "uspstf"


@dataclass
class Metrics:
    n: int = 0
    hits_at: dict[int, int] = field(default_factory=lambda: dict.fromkeys(KS, 0))
    reciprocal_ranks: float = 0.0

    def add(self, rank: int | None) -> None:
        self.n += 1
        for k in KS:
            if rank is not None and rank <= k:
                self.hits_at[k] += 1
        if rank is not None and rank <= max(KS):
            self.reciprocal_ranks += 1.0 / rank

    def recall(self, k: int) -> float:
        return self.hits_at[k] / self.n if self.n else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_ranks / self.n if self.n else 0.0


def _lower_words(text: str) -> str:
    """Lower-case capitalised words, keep acronyms (HIV, BRCA)."""
    return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in text.split())


def _uspstf_question(title: str) -> str | None:
    if " -- " not in title:
        return None
    topic, population = (s.strip() for s in title.split(" -- ", 1))
    name, _, kind = topic.partition(":")
    subject = _lower_words(f"{name} {kind}")
    return f"Is {subject} recommended for {_lower_words(population)}?"


def dev_questions(
    records: Iterable[Mapping[str, object]] | None = None,
    medquad_sample: int | None = 1000,
    seed: int = 0,
) -> list[DevQuestion]:
    """Questions with their relevant passage ids (identical texts count as the same answer)."""
    rows = list(records if records is not None else iter_records())
    ids_by_text: dict[str, set[str]] = {}
    for r in rows:
        ids_by_text.setdefault(str(r["text"]).strip(), set()).add(str(r["id"]))
    medquad: list[DevQuestion] = []
    uspstf: dict[str, set[str]] = {}
    for r in rows:
        same = frozenset(ids_by_text[str(r["text"]).strip()])
        if r.get("source") == "medquad" and r.get("question"):
            query = " ".join(str(r["question"]).replace(" ?", "?").split())
            medquad.append(DevQuestion(query, same, "medquad"))
        elif r.get("source") == "uspstf" and r.get("grade"):
            question = _uspstf_question(str(r["title"]))
            if question:
                uspstf.setdefault(question, set()).update(same)
    if medquad_sample is not None and medquad_sample < len(medquad):
        medquad = random.Random(seed).sample(medquad, medquad_sample)
    return medquad + [DevQuestion(q, frozenset(ids), "uspstf") for q, ids in uspstf.items()]


def split(questions: Sequence[DevQuestion], seed: int = 0) -> tuple[list[DevQuestion], list[DevQuestion]]:
    """A seeded half/half split: tune settings on the first, report on the second."""
    shuffled = list(questions)
    random.Random(seed).shuffle(shuffled)
    half = len(shuffled) // 2
    return shuffled[:half], shuffled[half:]


def first_relevant_rank(ids: Sequence[str], relevant: frozenset[str]) -> int | None:
    for rank, pid in enumerate(ids, start=1):
        if pid in relevant:
            return rank
    return None


def evaluate(
    retriever: GuidelineRetriever,
    questions: Sequence[DevQuestion],
    modes: Sequence[Mode] = MODES,
) -> dict[Mode, dict[str, Metrics]]:
    """Metrics per mode and subset (plus ``all``), using the full search pipeline."""
    vectors = retriever.store.embedder.encode([q.query for q in questions])
    results: dict[Mode, dict[str, Metrics]] = {}
    for mode in modes:
        per: dict[str, Metrics] = {}
        for q, vec in zip(questions, vectors, strict=True):
            hits = retriever.search(q.query, k=max(KS), mode=mode, query_vector=vec)
            rank = first_relevant_rank([h.passage.id for h in hits], q.relevant)
            for subset in (q.subset, "all"):
                per.setdefault(subset, Metrics()).add(rank)
        results[mode] = per
    return results


def metrics_table(results: dict[Mode, dict[str, Metrics]]) -> str:
    """A Markdown table: one row per subset and mode."""
    lines = [
        "| subset | mode | n | R@1 | R@5 | R@10 | MRR@10 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    subsets = sorted({s for per in results.values() for s in per}, key=lambda s: (s == "all", s))
    for subset in subsets:
        for mode, per in results.items():
            m = per.get(subset)
            if m is None:
                continue
            lines.append(
                f"| {subset} | {mode} | {m.n} | {m.recall(1):.3f} | {m.recall(5):.3f} | "
                f"{m.recall(10):.3f} | {m.mrr:.3f} |"
            )
    return "\n".join(lines)
