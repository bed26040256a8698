from benchmarks.retrieval_devset import DevQuestion, Metrics, dev_questions, first_relevant_rank, metrics_table, split


def test_metrics_recall_and_mrr() -> None:
    m = Metrics()
    for rank in (1, 3, 7, None):
        m.add(rank)
    assert (m.recall(1), m.recall(5), m.recall(10)) == (0.25, 0.5, 0.75)
    assert m.mrr == (1 + 1 / 3 + 1 / 7) / 4


def test_first_relevant_rank_uses_any_relevant_id() -> None:
    assert first_relevant_rank(["a", "b", "c"], frozenset({"c", "b"})) == 2
    assert first_relevant_rank(["a"], frozenset({"z"})) is None


def test_dev_questions_from_records() -> None:
    records = [
        {"id": "m1", "source": "medquad", "question": "What is (are) Gout ?", "text": "Gout is..."},
        {"id": "m2", "source": "medquad", "question": "What causes Gout ?", "text": "Gout is..."},
        {
            "id": "u1",
            "source": "uspstf",
            "grade": "B",
            "title": "Hypertension in Adults: Screening -- Adults 18 years or older",
            "text": "Recommendation (Grade B): screen.",
        },
        {"id": "u2", "source": "uspstf", "title": "Hypertension in Adults: Screening", "text": "Rationale."},
    ]
    qs = dev_questions(records, medquad_sample=None)
    assert qs[0] == DevQuestion("What is (are) Gout?", frozenset({"m1", "m2"}), "medquad")
    assert qs[-1] == DevQuestion(
        "Is hypertension in adults screening recommended for adults 18 years or older?",
        frozenset({"u1"}),
        "uspstf",
    )
    assert len(qs) == 3


def test_split_is_seeded_and_disjoint() -> None:
    qs = [DevQuestion(str(i), frozenset({str(i)}), "medquad") for i in range(10)]
    a, b = split(qs)
    assert split(qs) == (a, b) and len(a) == len(b) == 5 and not set(a) & set(b)


def test_table_has_a_row_per_subset_and_mode() -> None:
    m = Metrics()
    m.add(1)
    table = metrics_table({"hybrid": {"medquad": m, "all": m}, "dense": {"all": m}})
    assert table.count("\n") == 4 and "| all | dense | 1 | 1.000 |" in table
