"""FHIR QA summaries per task kind: the four outcome rates (answered-correct, answered-wrong, abstained,
fallback), accuracy, citation correctness and abstention correctness, with 95% Wilson intervals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from medcite.core.disclaimer import DISCLAIMER
from medcite.evals.fhir.scoring import Outcome
from medcite.evals.markdown import table
from medcite.evals.plots import Series, grouped_bars, stacked_shares
from medcite.evals.results_log import ResultLog
from medcite.evals.sessions import items_per_second, result_files
from medcite.evals.stats import Proportion

ALL = "all"
NOTE_KIND_PREFIX = "note_"
GROUPS = {"(coded data)": False, "(notes)": True}  # group row -> whether it holds the note_* kinds
RATES: dict[str, tuple[Outcome, ...]] = {
    "answered-correct": ("answered_correct",),
    "answered-wrong": ("answered_wrong",),
    "abstained": ("abstained_right", "abstained_wrong"),
    "fallback": ("fallback",),
}


def _share(records: list[dict[str, Any]], field: str) -> Proportion:
    values = [r["score"][field] for r in records if r["score"][field] is not None]
    return Proportion.of(sum(1 for v in values if v), len(values))


def _outcome(record: dict[str, Any]) -> Outcome | None:
    """None for lines scored before outcomes existed (``medcite eval fhir --rescore`` adds them)."""
    outcome: Outcome | None = record["score"].get("outcome")
    return outcome


class KindSummary(BaseModel):
    kind: str
    n: int
    accuracy: Proportion  # answered-correct or abstained-right
    rates: dict[str, Proportion]  # the four outcome rates (RATES), over tasks with an outcome
    abstained_right: Proportion  # of the abstentions, how many on absent-answer tasks
    unscored: int  # lines without an outcome: rescore them
    citation_correct: Proportion  # over answerable tasks
    abstention_correct: Proportion
    cited_unknown: int  # cited FHIR keys that are not in the bundle
    mean_latency_s: float

    @classmethod
    def of(cls, kind: str, records: list[dict[str, Any]]) -> KindSummary:
        n = len(records)
        outcomes = [o for r in records if (o := _outcome(r)) is not None]
        abstained = sum(1 for o in outcomes if o in RATES["abstained"])
        return cls(
            kind=kind,
            n=n,
            accuracy=Proportion.of(sum(1 for r in records if r["correct"]), n),
            rates={
                name: Proportion.of(sum(1 for o in outcomes if o in which), len(outcomes))
                for name, which in RATES.items()
            },
            abstained_right=Proportion.of(sum(1 for o in outcomes if o == "abstained_right"), abstained),
            unscored=n - len(outcomes),
            citation_correct=_share(records, "citation_correct"),
            abstention_correct=_share(records, "abstention_correct"),
            cited_unknown=sum(len(r["score"]["cited_unknown"]) for r in records),
            mean_latency_s=sum(r["latency_s"] for r in records) / n if n else 0.0,
        )


class FhirRunSummary(BaseModel):
    name: str
    system: dict[str, Any]
    kinds: dict[str, KindSummary]
    groups: dict[str, KindSummary] = {}  # coded-data tasks and notes-only tasks, when a run has both
    overall: KindSummary
    tasks_per_s: float | None = None


def summarize_run(results_path: Path) -> FhirRunSummary:
    records = ResultLog(results_path).records()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_kind.setdefault(r["kind"], []).append(r)
    grouped = {
        name: [r for r in records if r["kind"].startswith(NOTE_KIND_PREFIX) == notes] for name, notes in GROUPS.items()
    }
    return FhirRunSummary(
        name=results_path.name.removesuffix(".jsonl"),
        system=records[0]["system"] if records else {},
        kinds={k: KindSummary.of(k, by_kind[k]) for k in sorted(by_kind)},
        groups={k: KindSummary.of(k, v) for k, v in grouped.items() if v} if all(grouped.values()) else {},
        overall=KindSummary.of(ALL, records),
        tasks_per_s=items_per_second(results_path),
    )


def _rate_cells(s: KindSummary) -> list[object]:
    abstained = s.rates["abstained"]
    right = f" ({s.abstained_right.k} right)" if abstained.k else ""
    return [
        s.rates["answered-correct"].percent(),
        s.rates["answered-wrong"].percent(),
        abstained.percent() + right,
        s.rates["fallback"].percent(),
    ]


def render_markdown(runs: list[FhirRunSummary]) -> str:
    rows: list[list[object]] = []
    for run in runs:
        for s in [*run.kinds.values(), *run.groups.values(), run.overall]:
            rows.append(
                [
                    run.name,
                    s.kind,
                    s.n,
                    *_rate_cells(s),
                    s.accuracy.percent(),
                    s.citation_correct.percent(),
                    s.cited_unknown,
                    round(s.mean_latency_s, 2),
                ]
            )
    systems = [[r.name, json.dumps(r.system), r.overall.n, r.tasks_per_s and round(r.tasks_per_s, 3)] for r in runs]
    unscored = [f"{r.name} ({r.overall.unscored})" for r in runs if r.overall.unscored]
    return "\n\n".join(
        [
            "# medcite FHIR question answering",
            f"Generated {datetime.now(UTC).isoformat(timespec='seconds')}. {DISCLAIMER}",
            "Gold answers are computed from the raw bundle JSON. Each task has one outcome. *answered-correct*: "
            "every value, date or item the answer asserts for the asked item is the gold (an answer stating several "
            "candidates, or listing the record, is not correct); *answered-wrong*: any other answer; *abstained*: "
            "says the record does not hold it (right only when the gold is *not in record*; the right ones in "
            "brackets); *fallback*: the system marked its text as a list of record entries instead of an answer. "
            "*correct*: answered-correct or abstained right; *citations*: a cited key is a resource (or note section) "
            "holding the answer (answerable tasks); *unknown keys*: cited FHIR keys not in the bundle. *(coded "
            "data)* and *(notes)* group the tasks answerable from coded resources and those answerable only from "
            "the clinical notes (`note_*`). Percentages with 95% Wilson CI.",
            table(
                [
                    "run",
                    "task kind",
                    "n",
                    "answered-correct %",
                    "answered-wrong %",
                    "abstained %",
                    "fallback %",
                    "correct %",
                    "citations %",
                    "unknown keys",
                    "mean s",
                ],
                rows,
                "llrrrrrrrrr",
            ),
            *(
                [
                    f"Lines scored before outcomes existed, not in the rates: {', '.join(unscored)}. "
                    "Score them again with `medcite eval fhir --rescore`."
                ]
                if unscored
                else []
            ),
            "![outcome rates per run](fhir_outcomes.png)",
            "![correct per task kind](fhir_accuracy.png)",
            "## Systems",
            table(["run", "system", "tasks", "tasks/s"], systems, "llrr"),
        ]
    )


def plot_outcomes(runs: list[FhirRunSummary], path: Path) -> Path:
    """The four outcome rates of each run, as one stacked bar per run."""
    parts = [(name, [100 * r.overall.rates[name].value for r in runs]) for name in RATES]
    return stacked_shares([r.name for r in runs], parts, path, title="FHIR QA outcomes (all tasks)")


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
        [k.replace("_", "\n") for k in kinds], series, path, title="FHIR QA: correct per task kind", ylabel="correct %"
    )


class FhirReport(BaseModel):
    summary_json: Path
    markdown: Path
    plot: Path  # correct per task kind
    outcomes_plot: Path  # the four outcome rates per run
    runs: list[FhirRunSummary]


def write_report(folder: Path) -> FhirReport:
    """Summarise every run in ``folder`` into summary.json, report.md, fhir_outcomes.png and fhir_accuracy.png."""
    runs = [summarize_run(p) for p in result_files(folder)]
    summary = folder / "summary.json"
    summary.write_text(json.dumps([r.model_dump() for r in runs], indent=2), encoding="utf-8")
    markdown = folder / "report.md"
    markdown.write_text(render_markdown(runs) + "\n", encoding="utf-8")
    return FhirReport(
        summary_json=summary,
        markdown=markdown,
        plot=plot_runs(runs, folder / "fhir_accuracy.png"),
        outcomes_plot=plot_outcomes(runs, folder / "fhir_outcomes.png"),
        runs=runs,
    )


def compare_scores(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str:
    """Plain-text lines comparing two scorings of the same result lines: correct and the four rates."""

    def counts(records: list[dict[str, Any]]) -> dict[str, str]:
        n = len(records)
        share = lambda k: f"{k}/{n} ({100 * k / n:.1f}%)" if n else "–"  # noqa: E731
        outcomes = [_outcome(r) for r in records]
        out = {"correct": share(sum(1 for r in records if r["correct"]))}
        for name, which in RATES.items():
            out[name] = share(sum(1 for o in outcomes if o in which)) if None not in outcomes else "–"
        return out

    was, now = counts(before), counts(after)
    changed = sum(1 for a, b in zip(before, after, strict=True) if a["correct"] != b["correct"])
    lines = [f"  {'':18s} {'before':>18s} {'after':>18s}"]
    lines += [f"  {name:18s} {was[name]:>18s} {now[name]:>18s}" for name in was]
    lines.append(f"  {changed} of {len(after)} tasks changed between correct and not correct")
    return "\n".join(lines)


def outcome_line(s: KindSummary) -> str:
    """One summary as a line of text: the four rates, then correct with its interval."""
    rates = "  ".join(f"{name} {100 * p.value:5.1f}%" for name, p in s.rates.items())
    return f"  {s.kind:18s} {rates}  correct {s.accuracy.percent()}"
