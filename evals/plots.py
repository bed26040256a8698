"""Grouped bar charts (matplotlib, Agg backend) comparing runs, with error bars and reference markers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from medcite.core.errors import ConfigError

try:
    import matplotlib
except ImportError as exc:  # an optional dependency: the evals extra
    raise ConfigError("evaluation plots need matplotlib: pip install 'medcite[evals]'") from exc

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure


@dataclass(frozen=True)
class Series:
    """One run: a value per group (None when missing) with optional (low, high) intervals."""

    label: str
    values: Sequence[float | None]
    intervals: Sequence[tuple[float, float] | None] = field(default_factory=tuple)


def grouped_bars(
    groups: Sequence[str],
    series: Sequence[Series],
    path: Path,
    *,
    title: str,
    ylabel: str,
    references: Sequence[Series] = (),
    ymax: float | None = 100.0,
) -> Path:
    """Write a PNG: one cluster per group, one bar per series, hollow markers for references."""
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(groups) + 2), 4.2), dpi=120)
    width = 0.8 / max(1, len(series))
    for i, s in enumerate(series):
        offset = (i - (len(series) - 1) / 2) * width
        shown = [g for g, v in enumerate(s.values) if v is not None]  # no bar where a run has no value
        xs = [g + offset for g in shown]
        heights = [float(s.values[g]) for g in shown]  # type: ignore[arg-type]
        bars = ax.bar(xs, heights, width=width * 0.95, label=s.label)
        if s.intervals:
            ivs = [s.intervals[g] for g in shown]
            lower = [max(0.0, h - iv[0]) if iv else 0.0 for h, iv in zip(heights, ivs, strict=True)]
            upper = [max(0.0, iv[1] - h) if iv else 0.0 for h, iv in zip(heights, ivs, strict=True)]
            ax.errorbar(xs, heights, yerr=[lower, upper], fmt="none", ecolor="black", capsize=3, lw=1)
        for bar, h in zip(bars, heights, strict=True):
            ax.annotate(f"{h:.0f}", (bar.get_x() + bar.get_width() / 2, h), ha="center", va="bottom", fontsize=7)
    markers = "D^sv*"
    for j, ref in enumerate(references):
        pts = [(g, v) for g, v in enumerate(ref.values) if v is not None]
        if pts:
            ax.scatter(
                [p[0] for p in pts],
                [p[1] for p in pts],
                marker=markers[j % len(markers)],
                facecolors="none",
                edgecolors="dimgray",
                zorder=5,
                label=ref.label,
            )
    ax.set_xticks(range(len(groups)), list(groups))
    ax.set_ylabel(ylabel)
    if ymax is not None:
        ax.set_ylim(0, ymax * 1.08)
    return _save(fig, ax, path, title)


def stacked_shares(
    rows: Sequence[str],
    parts: Sequence[tuple[str, Sequence[float]]],
    path: Path,
    *,
    title: str,
    xlabel: str = "% of tasks",
) -> Path:
    """Write a PNG: one horizontal bar per row, split into ``parts`` (label, one share in % per row) that
    add up to 100; each segment of 4% or more is labelled with its share."""
    fig, ax = plt.subplots(figsize=(8.0, 0.55 * len(rows) + 1.6), dpi=120)
    left = [0.0] * len(rows)
    for label, shares in parts:
        bars = ax.barh(range(len(rows)), shares, left=left, label=label)
        for bar, share in zip(bars, shares, strict=True):
            if share >= 4:
                x = bar.get_x() + bar.get_width() / 2
                ax.annotate(
                    f"{share:.0f}", (x, bar.get_y() + bar.get_height() / 2), ha="center", va="center", fontsize=7
                )
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.set_yticks(range(len(rows)), list(rows))
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    return _save(fig, ax, path, title)


def _save(fig: Figure, ax: Axes, path: Path, title: str) -> Path:
    """Title, legend outside the axes, and the PNG written to ``path``."""
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
