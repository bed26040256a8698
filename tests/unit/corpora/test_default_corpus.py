"""The shipped default corpus file: complete, unique, dated, attributed."""

from collections import Counter

import numpy as np

from medcite.corpora.default import (
    ATTRIBUTION_FILE,
    VECTORS_FILE,
    default_documents,
    iter_records,
    load_passages,
)


def test_corpus_has_every_source_passage_with_unique_ids() -> None:
    passages = load_passages()
    assert len(passages) == 7934
    assert len({p.id for p in passages}) == len(passages)
    assert Counter(p.source for p in passages) == {"uspstf": 2346, "medquad": 5588}


def test_every_passage_has_title_issuer_date_and_url() -> None:
    for p in load_passages():
        assert p.title and p.issuer and p.date and p.url, p.id


def test_uspstf_recommendation_statements_keep_their_grade() -> None:
    statements = [p for p in load_passages() if p.section == "Recommendation Statement"]
    assert len(statements) == 143
    assert {p.grade for p in statements} <= {"A", "B", "C", "D", "I"}
    assert all(p.text.startswith("Recommendation (Grade") for p in statements)


def test_documents_group_all_passages_of_a_topic() -> None:
    docs = default_documents()
    assert sum(len(d.passages) for d in docs) == 7934
    assert len({d.doc_id for d in docs}) == len(docs)
    cervical = [d for d in docs if any(p.id == "uspstf-rec-426" for p in d.passages)]
    assert len(cervical) == 1 and len(cervical[0].passages) > 10


def test_medquad_records_keep_the_question_for_evaluation_only() -> None:
    first = next(r for r in iter_records() if r["source"] == "medquad")
    assert str(first["question"]).endswith("?")
    assert "question" not in load_passages()[-1].model_dump()


def test_shipped_vectors_match_the_corpus_rows() -> None:
    vectors = np.load(VECTORS_FILE)
    assert vectors.shape == (7934, 384) and vectors.dtype == np.float16
    norms = np.linalg.norm(vectors.astype(np.float32), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-2)


def test_attribution_names_sources_and_licences() -> None:
    text = ATTRIBUTION_FILE.read_text(encoding="utf-8")
    for needle in ("CC BY 4.0", "Ben Abacha", "USPSTF", "b146a57b7cc80b3e88371dcada26118a5575a48e"):
        assert needle in text


def test_each_specific_recommendation_is_its_own_statement_with_population_and_date() -> None:
    statements = {p.recommendation_id: p for p in load_passages() if p.recommendation_id}
    assert len(statements) == 143
    cervical = statements["426"]
    assert cervical.id == "uspstf-rec-426" and cervical.grade == "A" and cervical.date == "2018-08-21"
    assert (cervical.sex, cervical.age_min, cervical.age_max, cervical.pregnancy) == ("female", 21, 65, None)
    assert "Population: Women aged 21 to 65 years (women, ages 21 to 65)." in cervical.text
    diabetes = statements["1934"]
    assert diabetes.sex is None and (diabetes.age_min, diabetes.age_max) == (35, 70)
    assert "every 3 years" in diabetes.text  # the API's frequency text
    assert statements["1932"].pregnancy == "only"  # gestational diabetes: pregnant persons
    assert statements["1905"].pregnancy == "excluded"  # tobacco cessation: nonpregnant adults
    assert statements["2016"].pregnancy is None  # depression: adults, including pregnant persons
    assert statements["2020"].pregnancy is None  # folic acid: persons who could become pregnant


def test_section_passages_carry_the_span_of_their_topics_populations() -> None:
    by_topic: dict[str, list] = {}
    for p in load_passages():
        if p.source == "uspstf":
            by_topic.setdefault(p.doc_id, []).append(p)
    gestational = next(v for v in by_topic.values() if v[0].topic == "Gestational Diabetes: Screening")
    assert all(p.pregnancy == "only" and p.sex == "female" for p in gestational)
    colorectal = next(v for v in by_topic.values() if v[0].topic == "Colorectal Cancer: Screening")
    sections = [p for p in colorectal if not p.recommendation_id]
    assert sections and {(p.age_min, p.age_max) for p in sections} == {(45, 85)}
