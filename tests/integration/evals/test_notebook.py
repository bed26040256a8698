"""notebooks/evals.ipynb executed headless with the real default model and guideline search."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_evals_notebook_runs_and_shows_table_and_plot(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDCITE_EVAL_OUT", str(tmp_path))
    monkeypatch.setenv("MEDCITE_MODEL", "llamacpp:smollm2")
    nb = nbformat.read(PROJECT_ROOT / "notebooks" / "evals.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    markdown = [o["data"]["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})]
    assert any("Accuracy % (95% Wilson CI)" in m and "llamacpp-smollm2-rag" in m for m in markdown)
    assert any("image/png" in o.get("data", {}) for o in outputs)
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "llamacpp-smollm2-closed: 2 answered" in printed
    assert "guideline:" in printed  # the RAG run recorded the passages it was given
    assert (tmp_path / "qa" / "accuracy.png").is_file()
