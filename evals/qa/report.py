"""QA summaries per run and dataset (accuracy with 95% Wilson CI, unparseable answers), Markdown and PNG."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from medcite.core.disclaimer import DISCLAIMER
from medcite.evals.markdown import table
from medcite.evals.plots import Series, grouped_bars
from medcite.evals.qa.datasets import MIRAGE_DATASETS, PUBMEDQA_NAME
from medcite.evals.qa.run import RESULTS_SUFFIX
from medcite.evals.reference import REFERENCE_LABEL, ReferenceScores, reference_scores
from medcite.evals.results_log import ResultLog
from medcite.evals.sessions import items_per_second, result_files
from medcite.evals.stats import Proportion

ALL = "all"
DATASET_ORDER = (*MIRAGE_DATASETS, PUBMEDQA_NAME)


class DatasetSummary(BaseModel):
    dataset: str
    n: int
    correct: int
    unparseable: int
    accuracy: Proportion
    mean_latency_s: float
    mean_output_tokens: float

    @classmethod
    def of(cls, dataset: str, records: list[dict[str, Any]]) -> DatasetSummary:
        n = len(records)
        correct = sum(1 for r in records if r["correct"])
        return cls(
            dataset=dataset,
            n=n,
            correct=correct,
            unparseable=sum(1 for r in records if not r["parsed"]),
            accuracy=Proportion.of(correct, n),
            mean_latency_s=sum(r["latency_s"] for r in records) / n if n else 0.0,
            mean_output_tokens=sum(r["output_tokens"] for r in records) / n if n else 0.0,
        )


class RunSummary(BaseModel):
    name: str
    model: str
    mode: str
    datasets: dict[str, DatasetSummary]
    overall: DatasetSummary
    questions_per_s: float | None = None  # over every invocation of the run


def _order(names: set[str]) -> list[str]:
    return sorted(names, key=lambda d: (DATASET_ORDER.index(d) if d in DATASET_ORDER else len(DATASET_ORDER), d))


def summarize_run(results_path: Path) -> RunSummary:
    records = ResultLog(results_path).records()
    name = results_path.name.removesuffix(RESULTS_SUFFIX)
    by_dataset: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_dataset.setdefault(r["dataset"], []).append(r)
    return RunSummary(
        name=name,
        model=records[0]["model"] if records else "",
        mode=records[0]["mode"] if records else "",
        datasets={d: DatasetSummary.of(d, by_dataset[d]) for d in _order(set(by_dataset))},
        overall=DatasetSummary.of(ALL, records),
        questions_per_s=items_per_second(results_path),
    )


def collect_runs(qa_dir: Path) -> list[RunSummary]:
    """Every run in a QA output folder (one ``<run>.jsonl`` each), by name."""
    return [summarize_run(p) for p in result_files(qa_dir)]


def render_markdown(runs: list[RunSummary], refs: ReferenceScores) -> str:
    datasets = _order({d for r in runs for d in r.datasets})
    ref_models = list(refs.models)
    header = ["dataset", *[r.name for r in runs], *[f"{m} †" for m in ref_models]]
    rows: list[list[object]] = []
    for d in [*datasets, ALL]:
        cells: list[object] = []
        for r in runs:
            s = r.overall if d == ALL else r.datasets.get(d)
            cells.append(f"{s.accuracy.percent()} · n={s.n}" if s else None)
        reported = refs.for_dataset(d) if d != ALL else {}
        rows.append([d, *cells, *[f"{reported[m]:.1f}" if m in reported else None for m in ref_models]])
    detail_rows: list[list[object]] = []
    for r in runs:
        for s in [*r.datasets.values(), r.overall]:
            detail_rows.append(
                [
                    r.name,
                    s.dataset,
                    s.n,
                    s.correct,
                    s.accuracy.percent(),
                    s.unparseable,
                    round(s.mean_latency_s, 2),
                    round(s.mean_output_tokens, 1),
                ]
            )
    run_rows = [
        [
            r.name,
            f"`{r.model}`",
            r.mode,
            r.overall.n,
            None if r.questions_per_s is None else round(r.questions_per_s, 3),
        ]
        for r in runs
    ]
    return "\n\n".join(
        [
            "# medcite QA evaluation",
            f"Generated {datetime.now(UTC).isoformat(timespec='seconds')}. {DISCLAIMER}",
            "## Accuracy % (95% Wilson CI)",
            table(header, rows),
            f"† {REFERENCE_LABEL}: {refs.source}, on the full test sets with that source's own setup; "
            "shown for orientation only (medcite's dev samples are small and different).",
            "![accuracy per dataset](accuracy.png)",
            "## Runs",
            table(["run", "model", "mode", "questions", "questions/s"], run_rows, "lllrr"),
            "## Per dataset",
            "Unparseable answers (no option could be read from the reply) are counted as wrong.",
            table(
                ["run", "dataset", "n", "correct", "accuracy % (95% CI)", "unparseable", "mean s", "mean out tokens"],
                detail_rows,
                "llrrrrrr",
            ),
        ]
    )


def plot_runs(runs: list[RunSummary], refs: ReferenceScores, path: Path) -> Path:
    datasets = _order({d for r in runs for d in r.datasets})
    series = []
    for r in runs:
        stats = [r.datasets.get(d) for d in datasets]
        series.append(
            Series(
                label=r.name,
                values=[100 * s.accuracy.value if s else None for s in stats],
                intervals=[(100 * s.accuracy.low, 100 * s.accuracy.high) if s else None for s in stats],
            )
        )
    references = [
        Series(label=f"{m} ({REFERENCE_LABEL})", values=[refs.for_dataset(d).get(m) for d in datasets])
        for m in refs.models
    ]
    return grouped_bars(
        datasets, series, path, title="Accuracy per dataset (95% Wilson CI)", ylabel="accuracy %", references=references
    )


class QAReport(BaseModel):
    summary_json: Path
    markdown: Path
    plot: Path
    runs: list[RunSummary]


def write_report(qa_dir: Path) -> QAReport:
    """Summarise every run in ``qa_dir`` into summary.json, report.md and accuracy.png."""
    qa_dir = Path(qa_dir)
    runs = collect_runs(qa_dir)
    refs = reference_scores()
    summary = qa_dir / "summary.json"
    summary.write_text(json.dumps([r.model_dump() for r in runs], indent=2), encoding="utf-8")
    markdown = qa_dir / "report.md"
    markdown.write_text(render_markdown(runs, refs) + "\n", encoding="utf-8")
    plot = plot_runs(runs, refs, qa_dir / "accuracy.png")
    return QAReport(summary_json=summary, markdown=markdown, plot=plot, runs=runs)
