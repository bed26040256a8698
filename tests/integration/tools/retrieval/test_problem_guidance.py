"""Guideline passages for active problems on real passages: about the problem, for this patient (sex,
age, pregnancy), the recommendation statement before background sections, each topic once, and nothing
when the corpus holds nothing on the problem."""

from __future__ import annotations

from pathlib import Path

from medcite.corpora.ingest import ingest_paths
from medcite.tools.retrieval import GuidelineRetriever
from medcite.tools.retrieval.embedding import GuidelineEmbedder
from medcite.tools.retrieval.population import Population
from medcite.tools.retrieval.problems import guidance_for_problems, problem_query
from tests.fixtures.guideline_store import new_store

WOMAN_45 = Population(sex="female", age=45, pregnant=False)
MAN_45 = Population(sex="male", age=45, pregnant=False)


def test_problem_names_lose_their_semantic_tag() -> None:
    assert problem_query("Stress (finding)") == "Stress"
    assert problem_query("Body mass index 30+ - obesity (finding)") == "Body mass index 30+ - obesity"
    assert problem_query("Hypertension") == "Hypertension"


def test_a_problem_gets_passages_about_it_and_an_unrelated_one_gets_none(
    guideline_retriever: GuidelineRetriever,
) -> None:
    leukemia, employment = guidance_for_problems(
        guideline_retriever, ["Chronic lymphocytic leukemia (disorder)", "Full-time employment (finding)"], WOMAN_45
    )
    assert leukemia.found and all("leukemia" in h.passage.title.lower() for h in leukemia.hits)
    assert all(r >= 0.65 for r in leukemia.relevance)
    assert not employment.found and employment.hits == ()


def test_a_screening_recommendation_is_no_guidance_for_a_patient_who_has_the_condition(
    guideline_retriever: GuidelineRetriever,
) -> None:
    ranked, chunks = guideline_retriever.rank("Hypertension", "hybrid")
    assert chunks[ranked[0].id].passage.topic == "Hypertension in Adults: Screening"  # the store's best match
    (hypertension,) = guidance_for_problems(guideline_retriever, ["Hypertension"], WOMAN_45)
    assert not any(h.passage.topic == "Hypertension in Adults: Screening" for h in hypertension.hits)


def test_passages_for_other_people_are_left_out(guideline_retriever: GuidelineRetriever) -> None:
    query = "cervical cancer screening cytology every 3 years"
    for_man = guideline_retriever.search(query, k=10, population=MAN_45)
    assert for_man and not any(h.passage.sex == "female" for h in for_man)
    for_woman = guideline_retriever.search(query, k=10, population=WOMAN_45)
    assert "guideline:uspstf-rec-426" in [h.key for h in for_woman]
    assert all(WOMAN_45.admits(h.passage) for h in for_woman)


def test_each_topic_is_listed_once_across_problems(guideline_retriever: GuidelineRetriever) -> None:
    names = ["Chronic lymphocytic leukemia", "Chronic lymphocytic leukemia (disorder)", "Leukemia"]
    found = guidance_for_problems(guideline_retriever, names, WOMAN_45)
    keys = [h.key for g in found for h in g.hits]
    assert keys and len(keys) == len(set(keys))
    topics = [h.passage.topic for g in found for h in g.hits]
    assert len(topics) == len(set(topics))
    assert found[1].listed_under == ("Chronic lymphocytic leukemia",)


STATEMENT_FIRST = """---
title: Gout Management
issuer: USPSTF
date: 2024-01-10
topic: Gout Management
---
## Recommendation Statement

Offer urate-lowering therapy to adults with recurrent gout flares.

## Recommendations of Others

The American College of Rheumatology recommends allopurinol as first-line urate-lowering therapy for gout,
with a starting dose of 100 mg daily titrated to a serum urate below 6 mg/dL.
"""


def test_a_background_section_gives_way_to_the_statement_of_its_topic(
    tmp_path: Path, guideline_embedder: GuidelineEmbedder
) -> None:
    (tmp_path / "gout.md").write_text(STATEMENT_FIRST, encoding="utf-8")
    retriever = GuidelineRetriever(new_store(tmp_path / "data", guideline_embedder))
    assert ingest_paths(retriever.store, [tmp_path / "gout.md"]).ok
    ranked, chunks = retriever.rank("Gout allopurinol first-line urate-lowering therapy", "hybrid")
    assert chunks[ranked[0].id].passage.section.startswith("Recommendations of Others")
    (gout,) = guidance_for_problems(retriever, ["Gout"], WOMAN_45)
    assert [h.passage.section for h in gout.hits] == ["Recommendation Statement"]
