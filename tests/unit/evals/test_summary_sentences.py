from medcite.evals.summaries.scoring import sentences


def test_headings_disclaimers_and_bullets() -> None:
    text = (
        "# Summary\n"
        "## Active problems\n"
        "- Hypertension [Condition/1]\n"
        "1. Prediabetes [Condition/2]. HbA1c 6.1 % on 2019-03-01 [Observation/3].\n"
        "---\n"
        "_Research use only: medcite output is not medical advice and medcite is not a medical device._\n"
        "\n"
        "Weight 80.5 kg (e.g. stable). [Observation/4] Next sentence here.\n"
    )
    assert list(sentences(text)) == [
        "Hypertension [Condition/1]",
        "Prediabetes [Condition/2].",
        "HbA1c 6.1 % on 2019-03-01 [Observation/3].",
        "Weight 80.5 kg (e.g. stable). [Observation/4]",
        "Next sentence here.",
    ]
