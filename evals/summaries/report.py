"""Summary-faithfulness tables: one row per bundle and a pooled row per run; a PNG comparing runs."""

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

SECTIONS = ("conditions", "medications", "allergies")


class SummaryRunSummary(BaseModel):
    name: str
    system: dict[str, Any]
    bundles: int
    citation_precision: Proportion  # pooled over all FHIR citations
    coverage: dict[str, Proportion]  # pooled over all record items
    unknown_keys: int
    unverified_claims: int
    flags: int
    bundles_per_s: float | None = None


def _pooled(records: list[dict[str, Any]], section: str) -> Proportion:
    k = sum(r["score"]["coverage"][section]["covered"]["k"] for r in records)
    n = sum(r["score"]["coverage"][section]["covered"]["n"] for r in records)
    return Proportion.of(k, n)


def summarize_run(results_path: Path) -> tuple[SummaryRunSummary, list[dict[str, Any]]]:
    records = ResultLog(results_path).records()
    scores = [r["score"] for r in records]
    summary = SummaryRunSummary(
        name=results_path.name.removesuffix(".jsonl"),
        system=records[0]["system"] if records else {},
        bundles=len(records),
        citation_precision=Proportion.of(
            sum(s["supported_citations"] for s in scores), sum(s["fhir_citations"] for s in scores)
        ),
        coverage={section: _pooled(records, section) for section in SECTIONS},
        unknown_keys=sum(len(s["unknown_keys"]) for s in scores),
        unverified_claims=sum(s["unverified_claims"] for s in scores),
        flags=sum(s["flags"] for s in scores),
        bundles_per_s=items_per_second(results_path),
    )
    return summary, records


def _percent(k: int, n: int) -> str:
    return Proportion.of(k, n).percent() if n else "–"


def render_markdown(runs: list[tuple[SummaryRunSummary, list[dict[str, Any]]]]) -> str:
    parts = [
        "# medcite summary faithfulness",
        f"Generated {datetime.now(UTC).isoformat(timespec='seconds')}. {DISCLAIMER}",
        "*citation precision*: FHIR citations whose resource exists and holds every number and date of the "
        "citing sentence; *coverage*: active conditions, active medications and allergies of the record named "
        "or cited; *unverified*: sentences stating a number, date or record item without a citation, or with a "
        "failed citation; *flags*: uncertainty flags raised. Pooled percentages with 95% Wilson CI.",
    ]
    header = [
        "run / bundle",
        "citation precision %",
        *[f"{s} %" for s in SECTIONS],
        "unknown keys",
        "unverified",
        "flags",
    ]
    for summary, records in runs:
        rows: list[list[object]] = []
        for r in records:
            s = r["score"]
            cov = [s["coverage"][sec]["covered"] for sec in SECTIONS]
            rows.append(
                [
                    r["bundle"],
                    _percent(s["supported_citations"], s["fhir_citations"]),
                    *[_percent(c["k"], c["n"]) for c in cov],
                    len(s["unknown_keys"]),
                    s["unverified_claims"],
                    s["flags"],
                ]
            )
        rows.append(
            [
                f"**{summary.name} (all {summary.bundles})**",
                summary.citation_precision.percent(),
                *[summary.coverage[sec].percent() for sec in SECTIONS],
                summary.unknown_keys,
                summary.unverified_claims,
                summary.flags,
            ]
        )
        rate = f"{summary.bundles_per_s:.3f} bundles/s" if summary.bundles_per_s else "–"
        parts += [f"## {summary.name}", f"System: `{json.dumps(summary.system)}` · {rate}", table(header, rows)]
    parts.append("![summary faithfulness per run](summary_faithfulness.png)")
    return "\n\n".join(parts)


def plot_runs(runs: list[SummaryRunSummary], path: Path) -> Path:
    groups = ["citation precision", *[f"{s} coverage" for s in SECTIONS]]
    series = []
    for r in runs:
        props = [r.citation_precision, *[r.coverage[s] for s in SECTIONS]]
        series.append(
            Series(
                label=r.name,
                values=[100 * p.value if p.n else None for p in props],
                intervals=[(100 * p.low, 100 * p.high) if p.n else None for p in props],
            )
        )
    return grouped_bars(
        [g.replace(" ", "\n") for g in groups], series, path, title="Summary faithfulness (95% Wilson CI)", ylabel="%"
    )


class SummaryReport(BaseModel):
    summary_json: Path
    markdown: Path
    plot: Path
    runs: list[SummaryRunSummary]


def write_report(folder: Path) -> SummaryReport:
    """Summarise every run in ``folder`` into summary.json, report.md and summary_faithfulness.png."""
    runs = [summarize_run(p) for p in result_files(folder)]
    summaries = [s for s, _ in runs]
    summary = folder / "summary.json"
    summary.write_text(json.dumps([s.model_dump() for s in summaries], indent=2), encoding="utf-8")
    markdown = folder / "report.md"
    markdown.write_text(render_markdown(runs) + "\n", encoding="utf-8")
    plot = plot_runs(summaries, folder / "summary_faithfulness.png")
    return SummaryReport(summary_json=summary, markdown=markdown, plot=plot, runs=summaries)
