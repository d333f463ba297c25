"""The notebooks run under papermill with the parameters the tools pass."""

from __future__ import annotations

from pathlib import Path

import papermill as pm

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def test_search_notebook_parameters_have_working_defaults() -> None:
    params = pm.inspect_notebook(str(NOTEBOOKS / "search.ipynb"))
    assert set(params) == {"query", "region", "theme", "country", "year_from", "limit", "index_dir"}


def test_search_notebook_runs_with_parameters(fixture_index: Path, tmp_path: Path) -> None:
    out = tmp_path / "search.ipynb"
    nb = pm.execute_notebook(
        str(NOTEBOOKS / "search.ipynb"), str(out), cwd=str(NOTEBOOKS), progress_bar=False,
        parameters={"query": "Vorausschau", "index_dir": str(fixture_index), "limit": 3},
        kernel_name="python3",
    )
    text = "".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
    )
    assert "fx-lapland-foresight-network" in text
    assert "theme Foresight" in text
