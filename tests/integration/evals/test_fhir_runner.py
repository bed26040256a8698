"""The FHIR QA runner and scorers on the real bundles, with answer functions built from the gold."""

from pathlib import Path

import pytest

from medcite.cli import main
from medcite.evals.answers import EvalAnswer
from medcite.evals.fhir.gold import generate_tasks
from medcite.evals.fhir.oracle import oracle_answer
from medcite.evals.fhir.report import write_report
from medcite.evals.fhir.run import FhirRun, rescore, run_fhir
from medcite.evals.fhir.scoring import score_answer
from medcite.evals.fhir.tasks import FhirTask
from medcite.evals.registry import AgentEnv, resolve_fhir_agent
from medcite.evals.results_log import ResultLog


@pytest.fixture(scope="module")
def tasks(synthea_bundles: list[Path]) -> list[FhirTask]:
    return generate_tasks(synthea_bundles)


def _run(tmp_path: Path, name: str) -> FhirRun:
    return FhirRun(name=name, out_dir=tmp_path, system={"agent": name}, progress=False)


def test_oracle_scores_perfectly_and_report_is_written(tasks: list[FhirTask], tmp_path: Path) -> None:
    run_fhir(tasks, oracle_answer, _run(tmp_path, "oracle"))
    report = write_report(tmp_path)
    (summary,) = report.runs
    answerable = sum(1 for t in tasks if t.gold.in_record)
    assert summary.overall.n == len(tasks) == 271
    assert summary.overall.accuracy.k == len(tasks)
    assert summary.overall.rates["answered-correct"].k == answerable  # every answerable task
    assert summary.overall.rates["abstained"].k == summary.overall.abstained_right.k == len(tasks) - answerable
    assert summary.overall.rates["answered-wrong"].k == summary.overall.rates["fallback"].k == 0
    assert summary.overall.citation_correct.value == 1.0
    assert summary.overall.abstention_correct.value == 1.0
    assert summary.overall.cited_unknown == 0
    text = report.markdown.read_text()
    assert "| oracle | all |" in text and "100.0" in text and "answered-correct %" in text and "fallback %" in text
    assert report.plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report.outcomes_plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dumping_the_record_answers_nothing(tasks: list[FhirTask], tmp_path: Path) -> None:
    """The ``dump`` baseline holds every gold value in its text and asserts none: no task is answered
    correctly, none counts as an abstention, and marked as a fallback it is a fallback throughout."""
    dump = resolve_fhir_agent("dump", AgentEnv())
    run_fhir(tasks, dump, _run(tmp_path, "dump"))
    (summary,) = write_report(tmp_path).runs
    assert summary.overall.n == len(tasks)
    assert summary.overall.rates["answered-correct"].k == 0
    assert summary.overall.rates["answered-wrong"].k == len(tasks)
    assert summary.overall.accuracy.k == 0
    latest = next(t for t in tasks if t.kind == "latest_lab")
    assert f"{latest.gold.date}" in dump(latest).text  # the gold is in the dump
    marked = [score_answer(t, dump(t).model_copy(update={"fallback": True})).outcome for t in tasks]
    assert set(marked) == {"fallback"}


def wrong_values(task: FhirTask) -> EvalAnswer:
    """A confident answer with a wrong value for the task's gold, citing a key that is not in the bundle."""
    g = task.gold
    other_trend = {"increasing": "decreasing", "decreasing": "stable", "stable": "increasing"}
    wrong = {
        "quantity": lambda: f"The result is {float(g.value) * 1.5 + 1:.1f} {g.unit} on 1900-01-01.",
        "count": lambda: f"There are {int(g.value) + 3} active medication orders.",
        "yes_no": lambda: "No, it is resolved." if g.value == "yes" else "Yes, it is active.",
        "date": lambda: "It was on 1900-01-01.",
        "list": lambda: "Allergy to latex.",
        "trend": lambda: f"The value is {other_trend[str(g.value)]}.",
        "absent": lambda: "The latest one is 5.0 on 2001-01-01; there are 2.",
    }[g.answer_type]()
    return EvalAnswer(text=f"{wrong} [Observation/made-up]", citation_keys=["Observation/made-up"])


def always_abstain(task: FhirTask) -> EvalAnswer:
    return EvalAnswer(text="This is not in the record.")


def wrong_citation(task: FhirTask) -> EvalAnswer:
    """The oracle's words with the patient's own Patient resource cited instead of the holding resource."""
    right = oracle_answer(task)
    patient_key = f"Patient/{task.patient_id}"
    text = right.text
    for key in task.gold.resource_keys:
        text = text.replace(key, patient_key)
    return EvalAnswer(text=text, citation_keys=[patient_key] if task.gold.in_record else [], flags=right.flags)


def test_wrong_answers_are_scored_wrong(tasks: list[FhirTask]) -> None:
    answerable = [t for t in tasks if t.gold.in_record]
    absent = [t for t in tasks if not t.gold.in_record]
    for t in answerable:
        s = score_answer(t, wrong_values(t))
        assert not s.correct and s.citation_correct is False and s.cited_unknown == ["Observation/made-up"], t.id
    for t in absent:
        s = score_answer(t, wrong_values(t))
        assert not s.correct and not s.abstention_correct, t.id
    for t in answerable:
        s = score_answer(t, always_abstain(t))
        assert s.abstained and not s.abstention_correct and not s.correct, t.id
    for t in absent:
        assert score_answer(t, always_abstain(t)).correct
    for t in answerable:
        s = score_answer(t, wrong_citation(t))
        assert s.correct and s.citation_correct is False and s.cited_unknown == [], t.id


def test_lab_value_and_date_must_be_stated_together(tasks: list[FhirTask]) -> None:
    task = next(t for t in tasks if t.kind == "latest_lab")
    value, key = float(task.gold.value), task.gold.resource_keys[0]  # type: ignore[arg-type]
    together = f"The latest result is {value:.2f} {task.gold.unit}, measured {task.gold.date} [{key}]."
    apart = f"Results over the years included {value:.2f} and 1.5 {task.gold.unit}. Dates: {task.gold.date} [{key}]."
    assert score_answer(task, EvalAnswer(text=together)).correct
    scored = score_answer(task, EvalAnswer(text=apart))
    assert not scored.correct and scored.date_match and scored.citation_correct


def test_exact_and_normalized_matches_of_text_golds(tasks: list[FhirTask]) -> None:
    task = next(t for t in tasks if t.kind == "allergy_list")
    items = [str(v) for v in task.gold.value]
    verbatim = score_answer(task, EvalAnswer(text="Allergies: " + "; ".join(items)))
    assert verbatim.exact and verbatim.normalized and verbatim.correct
    shouted = score_answer(task, EvalAnswer(text="ALLERGIES: " + "; ".join(i.upper() for i in items)))
    assert shouted.exact is False and shouted.normalized and shouted.correct
    lab = next(t for t in tasks if t.kind == "latest_lab")
    assert score_answer(lab, oracle_answer(lab)).exact is None  # numbers are matched with a tolerance instead


def test_missing_data_flag_counts_as_abstention(tasks: list[FhirTask]) -> None:
    task = next(t for t in tasks if not t.gold.in_record)
    flagged = EvalAnswer(text="Nothing to report.", flags=["missing_data: no such result"])
    assert score_answer(task, flagged).correct


def test_runs_resume_and_compare(tasks: list[FhirTask], tmp_path: Path) -> None:
    subset = tasks[:40]
    calls: list[str] = []

    def counting_oracle(task: FhirTask) -> EvalAnswer:
        calls.append(task.id)
        return oracle_answer(task)

    run = _run(tmp_path, "oracle")
    run_fhir(subset[:15], counting_oracle, run)
    stats = run_fhir(subset, counting_oracle, run)
    assert (stats.finished, stats.skipped) == (25, 15)
    assert calls == [t.id for t in subset]  # nothing asked twice
    run_fhir(subset, always_abstain, _run(tmp_path, "abstainer"))
    report = write_report(tmp_path)
    by_name = {r.name: r for r in report.runs}
    assert by_name["oracle"].overall.accuracy.value == 1.0
    expected = sum(1 for t in subset if not t.gold.in_record) / len(subset)
    assert by_name["abstainer"].overall.accuracy.value == pytest.approx(expected)
    assert len(ResultLog(run.results_path).records()) == 40


def test_cli_with_the_oracle(tmp_path: Path, synthea_bundles: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "fhir", "--agent", "oracle", "--bundles", str(synthea_bundles[0]), "--out", str(tmp_path)]
    assert main([*argv, "--no-progress", "--write-tasks", str(tmp_path / "tasks.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "all" in out and "100.0" in out
    fhir_dir = tmp_path / "fhir"
    assert (fhir_dir / "report.md").is_file() and (fhir_dir / "fhir_accuracy.png").is_file()
    assert len((tmp_path / "tasks.jsonl").read_text().splitlines()) >= 8
    assert main([*argv, "--no-progress"]) == 0
    assert "0 answered now" in capsys.readouterr().out
    assert main([*argv, "--no-progress", "--rescore"]) == 0
    out = capsys.readouterr().out
    assert "stored answers scored again" in out and "answered-correct" in out and "0 of" in out


def test_rescore_replaces_old_scores_and_keeps_other_lines(tasks: list[FhirTask], tmp_path: Path) -> None:
    run = _run(tmp_path, "dump")
    subset = tasks[:12]
    dump = resolve_fhir_agent("dump", AgentEnv())
    run_fhir(subset, dump, run)
    log = ResultLog(run.results_path)
    # lines as the previous scorer wrote them: no outcome, some counted correct
    old = [
        {**r, "correct": True, "score": {k: v for k, v in r["score"].items() if k != "outcome"}} for r in log.records()
    ]
    log.rewrite(old)
    assert write_report(tmp_path).runs[0].overall.unscored == len(subset)
    before, after = rescore(subset[:10], run)
    assert len(before) == len(after) == 10
    assert all(r["correct"] for r in before) and not any(r["correct"] for r in after)
    assert all(r["score"]["outcome"] == "answered_wrong" for r in after)
    kept = ResultLog(run.results_path).records()
    assert [r["key"] for r in kept] == [t.id for t in subset] and "outcome" not in kept[-1]["score"]
