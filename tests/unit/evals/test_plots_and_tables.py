from pathlib import Path

from medcite.evals.markdown import table
from medcite.evals.plots import Series, grouped_bars, stacked_shares
from medcite.evals.reference import REFERENCE_LABEL, reference_scores


def test_grouped_bars_with_missing_values_and_references(tmp_path: Path) -> None:
    path = grouped_bars(
        ["medqa", "bioasq"],
        [
            Series("closed", [30.0, 35.0], [(18.1, 45.4), (22.1, 50.5)]),
            Series("rag", [25.0, None], [(14.2, 40.2), None]),
            Series("perfect", [100.0, 100.0], [(91.2, 100.0000001), (91.2, 100.0)]),  # rounding above the value
        ],
        tmp_path / "sub" / "plot.png",
        title="t",
        ylabel="%",
        references=[Series("card", [87.7, None])],
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_markdown_table_escapes_and_aligns() -> None:
    text = table(["a", "b"], [["x|y", 1.23456], [None, "multi\nline"]])
    assert text.splitlines() == ["| a | b |", "| --- | ---: |", "| x\\|y | 1.23 |", "| – | multi line |"]


def test_reference_scores_are_labelled_and_mapped() -> None:
    refs = reference_scores()
    assert "model card" in refs.source and "not measured here" in REFERENCE_LABEL
    assert refs.for_dataset("medqa") == {"MedGemma 27B text-it": 87.7, "Gemma 3 27B": 74.9}
    assert refs.for_dataset("mmlu")["MedGemma 27B text-it"] == 87.0
    assert refs.for_dataset("bioasq") == {}


def test_stacked_shares(tmp_path: Path) -> None:
    parts = [("answered-correct", [100.0, 0.0]), ("answered-wrong", [0.0, 90.0]), ("abstained", [0.0, 10.0])]
    path = stacked_shares(["oracle", "dump"], parts, tmp_path / "outcomes.png", title="t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
