"""FHIR QA summaries per task kind: accuracy, citation correctness, abstention correctness (95% Wilson CI)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from medcite.core.disclaimer import DISCLAIMER
from medcite.evals.markdown import table
from medcite.evals.plots import Series, grouped_bars
from medcite.evals.results_log import ResultLog
from medcite.evals.sessions import items_per_second, result_files
from medcite.evals.stats import Proportion

ALL = "all"


def _share(records: list[dict[str, Any]], field: str) -> Proportion:
    values = [r["score"][field] for r in records if r["score"][field] is not None]
    return Proportion.of(sum(1 for v in values if v), len(values))


class KindSummary(BaseModel):
    kind: str
    n: int
    accuracy: Proportion
    citation_correct: Proportion  # over answerable tasks
    abstention_correct: Proportion
    cited_unknown: int  # cited FHIR keys that are not in the bundle
    mean_latency_s: float

    @classmethod
    def of(cls, kind: str, records: list[dict[str, Any]]) -> KindSummary:
        n = len(records)
        return cls(
            kind=kind,
            n=n,
            accuracy=Proportion.of(sum(1 for r in records if r["correct"]), n),
            citation_correct=_share(records, "citation_correct"),
            abstention_correct=_share(records, "abstention_correct"),
            cited_unknown=sum(len(r["score"]["cited_unknown"]) for r in records),
            mean_latency_s=sum(r["latency_s"] for r in records) / n if n else 0.0,
        )


class FhirRunSummary(BaseModel):
    name: str
    system: dict[str, Any]
    kinds: dict[str, KindSummary]
    overall: KindSummary
    tasks_per_s: float | None = None


def summarize_run(results_path: Path) -> FhirRunSummary:
    records = ResultLog(results_path).records()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_kind.setdefault(r["kind"], []).append(r)
    return FhirRunSummary(
        name=results_path.name.removesuffix(".jsonl"),
        system=records[0]["system"] if records else {},
        kinds={k: KindSummary.of(k, by_kind[k]) for k in sorted(by_kind)},
        overall=KindSummary.of(ALL, records),
        tasks_per_s=items_per_second(results_path),
    )


def render_markdown(runs: list[FhirRunSummary]) -> str:
    rows: list[list[object]] = []
    for run in runs:
        for s in [*run.kinds.values(), run.overall]:
            rows.append(
                [
                    run.name,
                    s.kind,
                    s.n,
                    s.accuracy.percent(),
                    s.citation_correct.percent(),
                    s.abstention_correct.percent(),
                    s.cited_unknown,
                    round(s.mean_latency_s, 2),
                ]
            )
    systems = [[r.name, json.dumps(r.system), r.overall.n, r.tasks_per_s and round(r.tasks_per_s, 3)] for r in runs]
    return "\n\n".join(
        [
            "# medcite FHIR question answering",
            f"Generated {datetime.now(UTC).isoformat(timespec='seconds')}. {DISCLAIMER}",
            "Gold answers are computed from the raw bundle JSON. *accuracy*: the answer holds the gold value "
            "(absent-answer tasks: it says the record does not hold it); *citations*: a cited key is a resource "
            "holding the answer (answerable tasks); *abstention*: abstains exactly when the answer is not in the "
            "record; *unknown keys*: cited FHIR keys not in the bundle. Percentages with 95% Wilson CI.",
            table(
                ["run", "task kind", "n", "accuracy %", "citations %", "abstention %", "unknown keys", "mean s"],
                rows,
                "llrrrrrr",
            ),
            "![accuracy per task kind](fhir_accuracy.png)",
            "## Systems",
            table(["run", "system", "tasks", "tasks/s"], systems, "llrr"),
        ]
    )


def plot_runs(runs: list[FhirRunSummary], path: Path) -> Path:
    kinds = [*sorted({k for r in runs for k in r.kinds}), ALL]
    series = []
    for r in runs:
        stats = [r.overall if k == ALL else r.kinds.get(k) for k in kinds]
        series.append(
            Series(
                label=r.name,
                values=[100 * s.accuracy.value if s else None for s in stats],
                intervals=[(100 * s.accuracy.low, 100 * s.accuracy.high) if s else None for s in stats],
            )
        )
    return grouped_bars(
        [k.replace("_", "\n") for k in kinds], series, path, title="FHIR QA accuracy per task kind", ylabel="accuracy %"
    )


class FhirReport(BaseModel):
    summary_json: Path
    markdown: Path
    plot: Path
    runs: list[FhirRunSummary]


def write_report(folder: Path) -> FhirReport:
    """Summarise every run in ``folder`` into summary.json, report.md and fhir_accuracy.png."""
    runs = [summarize_run(p) for p in result_files(folder)]
    summary = folder / "summary.json"
    summary.write_text(json.dumps([r.model_dump() for r in runs], indent=2), encoding="utf-8")
    markdown = folder / "report.md"
    markdown.write_text(render_markdown(runs) + "\n", encoding="utf-8")
    return FhirReport(
        summary_json=summary, markdown=markdown, plot=plot_runs(runs, folder / "fhir_accuracy.png"), runs=runs
    )
