"""Outcomes of the fuzz inputs per surface (loader, CLI command) and mutation category, printed at the end
of the test run (``tests/fuzz/conftest.py``)."""

from __future__ import annotations

from collections import Counter, defaultdict

OUTCOMES: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))


def record(surface: str, category: str, outcome: str) -> None:
    OUTCOMES[surface][category][outcome] += 1


def table() -> list[str]:
    """One block per surface: a row per category, a column per outcome, and a total row."""
    lines: list[str] = []
    for surface, by_category in OUTCOMES.items():
        kinds = sorted({k for counts in by_category.values() for k in counts})
        width = max(len(c) for c in [*by_category, "category"]) + 2
        lines.append(f"{surface}:")
        lines.append("  " + "category".ljust(width) + "".join(k.rjust(max(len(k), 5) + 2) for k in kinds) + "  total")
        total: Counter[str] = Counter()
        for category, counts in by_category.items():
            total.update(counts)
            cells = "".join(str(counts[k]).rjust(max(len(k), 5) + 2) for k in kinds)
            lines.append("  " + category.ljust(width) + cells + str(sum(counts.values())).rjust(7))
        cells = "".join(str(total[k]).rjust(max(len(k), 5) + 2) for k in kinds)
        lines.append("  " + "all".ljust(width) + cells + str(sum(total.values())).rjust(7))
    return lines
