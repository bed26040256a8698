"""Summary-faithfulness scores of hand-made summaries written from real bundle facts."""

import json
from pathlib import Path
from typing import Any

import pytest

from medcite.cli import main
from medcite.evals.answers import EvalAnswer
from medcite.evals.fhir.raw_bundle import read_bundle
from medcite.evals.summaries.report import write_report
from medcite.evals.summaries.run import SummaryRun, run_summaries, targets_for
from medcite.evals.summaries.scoring import score_summary


@pytest.fixture(scope="module")
def kermit(synthea_bundles: list[Path]) -> Path:
    return next(p for p in synthea_bundles if p.name.startswith("Kermit_Trantow"))


def _of_type(path: Path, resource_type: str) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in json.loads(path.read_text())["entry"] if e["resource"]["resourceType"] == resource_type
    ]


def _faithful_summary(path: Path) -> str:
    """Active problems, active medications, allergies and one lab, each line cited, read from the JSON here."""
    lines = ["# Summary", "## Active problems"]
    for c in _of_type(path, "Condition"):
        if c["clinicalStatus"]["coding"][0]["code"] == "active":
            lines.append(f"- {c['code']['text']} since {c['onsetDateTime'][:10]} [Condition/{c['id']}]")
    lines.append("## Medications")
    for m in _of_type(path, "MedicationRequest"):
        if m["status"] == "active":
            lines.append(f"- {m['medicationCodeableConcept']['text']} [MedicationRequest/{m['id']}]")
    lines.append("## Allergies")
    lines += [f"- {a['code']['text']} [AllergyIntolerance/{a['id']}]" for a in _of_type(path, "AllergyIntolerance")]
    weight = max(
        (o for o in _of_type(path, "Observation") if o["code"]["coding"][0]["code"] == "29463-7"),
        key=lambda o: o["effectiveDateTime"],
    )
    lines.append(
        f"Body weight was {weight['valueQuantity']['value']:.1f} kg on {weight['effectiveDateTime'][:10]} "
        f"[Observation/{weight['id']}]."
    )
    lines.append("_Research use only: medcite output is not medical advice and medcite is not a medical device._")
    return "\n".join(lines)


def test_faithful_summary_scores_full_marks(kermit: Path) -> None:
    score = score_summary(EvalAnswer(text=_faithful_summary(kermit)), read_bundle(kermit))
    assert score.citation_precision == 1.0
    assert score.fhir_citations == score.supported_citations >= 8
    assert {k: v.covered.value for k, v in score.coverage.items()} == {
        "conditions": 1.0,
        "medications": 1.0,
        "allergies": 1.0,
    }
    assert score.coverage["allergies"].covered.n == 3
    assert score.unverified_claims == 0 and score.unknown_keys == [] and score.flags == 0


def test_planted_faults_are_caught(kermit: Path) -> None:
    text = _faithful_summary(kermit)
    bundle = read_bundle(kermit)
    weight_line = next(line for line in text.splitlines() if line.startswith("Body weight"))
    value = weight_line.split()[3]

    wrong_number = text.replace(weight_line, weight_line.replace(value, f"{float(value) + 7:.1f}"))
    s = score_summary(EvalAnswer(text=wrong_number), bundle)
    assert s.citation_precision is not None and s.citation_precision < 1.0
    assert s.unverified_claims == 1
    (bad,) = [c for c in s.sentences if c.status != "supported"]
    assert bad.status == "unsupported" and "not in the cited resources" in bad.problems[0]

    wrong_date = text.replace(weight_line, weight_line.replace(weight_line.split()[-2], "1999-01-01"))
    assert score_summary(EvalAnswer(text=wrong_date), bundle).unverified_claims == 1

    fake_key = text + "\nPotassium 4.1 mmol/L [Observation/00000000-fake]."
    s = score_summary(EvalAnswer(text=fake_key), bundle)
    assert s.unknown_keys == ["Observation/00000000-fake"] and s.unverified_claims == 1

    uncited = text + "\nThe patient takes aspirin 81 mg daily."
    s = score_summary(EvalAnswer(text=uncited), bundle)
    assert s.unverified_claims == 1 and s.uncited_sentences == 1 and s.citation_precision == 1.0

    med_line = next(line for line in text.splitlines() if "[MedicationRequest/" in line)
    s = score_summary(EvalAnswer(text=text.replace(med_line + "\n", ""), flags=["stale_guideline: x", "y"]), bundle)
    assert s.coverage["medications"].covered.value == pytest.approx(2 / 3)
    assert len(s.coverage["medications"].missing) == 1 and s.flags == 2


def test_care_gap_lines_are_checked_for_their_record_keys_not_their_computed_dates(kermit: Path) -> None:
    text = _faithful_summary(kermit)
    bundle = read_bundle(kermit)
    weight = next(k for k in bundle.by_key if k.startswith("Observation/"))
    line = (
        "[caregap:uspstf-rec-433] due: Weight loss behavioral interventions, USPSTF grade B "
        f"[guideline:uspstf-rec-433]; every year, due since 2021-02-03; based on Body Mass Index [{weight}]"
    )
    s = score_summary(EvalAnswer(text=f"{text}\n{line}"), bundle)
    assert s.unverified_claims == 0 and s.citation_precision == 1.0
    assert [c.status for c in s.sentences if c.keys and c.keys[0].startswith("caregap:")] == ["derived"]
    fake = line.replace(weight, "Observation/00000000-fake")
    s = score_summary(EvalAnswer(text=f"{text}\n{fake}"), bundle)
    assert s.unknown_keys == ["Observation/00000000-fake"] and s.unverified_claims == 1


def test_naming_an_item_without_citing_it_still_covers_it(kermit: Path) -> None:
    s = score_summary(EvalAnswer(text="Known allergies: bee venom, peanuts and shellfish."), read_bundle(kermit))
    assert s.coverage["allergies"].covered.value == 1.0
    assert s.unverified_claims == 1  # it names record items without a citation


def test_runner_report_and_cli_with_the_oracle_summarizer(
    synthea_bundles: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = targets_for(synthea_bundles[:4])
    from medcite.evals.summaries.oracle import oracle_summary

    run = SummaryRun(name="oracle", out_dir=tmp_path / "s", system={"summarizer": "oracle"}, progress=False)
    run_summaries(targets[:2], oracle_summary, run)
    stats = run_summaries(targets, oracle_summary, run)
    assert (stats.finished, stats.skipped) == (2, 2)
    report = write_report(tmp_path / "s")
    (summary,) = report.runs
    assert summary.bundles == 4 and summary.citation_precision.value == 1.0 and summary.unverified_claims == 0
    assert report.plot.read_bytes()[:4] == b"\x89PNG"
    assert "oracle (all 4)" in report.markdown.read_text()

    argv = ["eval", "summaries", "--summarizer", "oracle", "--limit", "2", "--out", str(tmp_path), "--no-progress"]
    assert main(argv) == 0
    assert "citation precision 100.0" in capsys.readouterr().out
    assert (tmp_path / "summaries" / "report.md").is_file()
