"""Fuzz inputs written once per session, and the outcome table printed after the run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fuzz import tally
from tests.fuzz.mutations import Base, Mutant

BASES = 3  # the smallest real bundles: mutated in turn


@pytest.fixture(scope="session")
def bases(synthea_bundles: list[Path]) -> list[Base]:
    return [Base(p) for p in sorted(synthea_bundles, key=lambda p: p.stat().st_size)[:BASES]]


@pytest.fixture(scope="session")
def written(bases: list[Base], tmp_path_factory: pytest.TempPathFactory) -> Callable[[Mutant], Path]:
    """The file of one mutant, made from the first base (in turn) the mutation applies to."""
    folder = tmp_path_factory.mktemp("fuzz-inputs")
    made: dict[str, Path] = {}

    def write(mutant: Mutant) -> Path:
        if mutant.id not in made:
            start = sum(map(ord, mutant.id)) % len(bases)
            for base in bases[start:] + bases[:start]:
                try:
                    data = mutant.make(base)
                except (IndexError, KeyError, StopIteration):  # this record lacks the element to mutate
                    continue
                path = folder / mutant.file_name
                path.write_bytes(data)
                made[mutant.id] = path
                break
            else:
                raise AssertionError(f"{mutant.id}: no base bundle has what the mutation needs")
        return made[mutant.id]

    return write


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if tally.OUTCOMES:
        terminalreporter.write_sep("-", "fuzz: outcomes per mutation category")
        for line in tally.table():
            terminalreporter.write_line(line)
