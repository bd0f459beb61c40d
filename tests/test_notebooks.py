"""The notebooks of the guided path (notebooks/) run, and their exercise checks can fail.

Each notebook is a Jupytext percent-format script. A cell marked ``exercise="name"`` is left for
the learner; ``notebooks/solutions/`` holds, under the same name, the answer (``exercise=``) and a
common mistake (``mistake=``). The code cell after an exercise is its check.

* Every notebook, with its answers filled in, runs top to bottom on a fresh Jupyter kernel
  (``nbclient``), as CI runs it.
* Every check catches its mistake: the notebook's cells are run in this process up to that check,
  with the mistake in place of the answer, and the check must raise AssertionError.
"""

import os
from pathlib import Path

import matplotlib
import pytest

if os.environ.get("CI"):  # CI installs the `notebooks` extra: missing, it is an error
    import jupytext
    import nbclient
else:
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


def cells_marked(notebook, key: str) -> dict:
    """{name: cell} for the code cells whose metadata has ``key="name"``."""
    return {c.metadata[key]: c for c in notebook.cells if key in c.metadata}


def with_answers(path: Path, mistake: str | None = None):
    """The notebook at ``path`` with every exercise cell replaced by its solution (or, for the
    exercise named ``mistake``, by its common mistake)."""
    notebook = jupytext.read(path)
    solutions = jupytext.read(path.parent / "solutions" / path.name)
    answers, mistakes = cells_marked(solutions, "exercise"), cells_marked(solutions, "mistake")
    for name, cell in cells_marked(notebook, "exercise").items():
        cell.source = (mistakes if name == mistake else answers)[name].source
    return notebook


def exercises():
    return [(p, name) for p in NOTEBOOKS for name in cells_marked(jupytext.read(p), "exercise")]


def test_the_path_is_numbered_without_gaps():
    assert len(NOTEBOOKS) >= 6
    assert [int(p.name[:2]) for p in NOTEBOOKS] == list(range(1, len(NOTEBOOKS) + 1))


@pytest.mark.slow  # 2 to 6 s each: a kernel starts, and notebook 4 trains for 15 epochs
@pytest.mark.host_only("each notebook runs once, on the host")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_with_its_answers(path: Path, monkeypatch: pytest.MonkeyPatch):
    # The kernel imports minigrad from this checkout, installed or not.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    notebook = with_answers(path)
    client = nbclient.NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    client.execute()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_has_an_answer_a_mistake_and_a_check(path: Path):
    notebook = jupytext.read(path)
    solutions = jupytext.read(path.parent / "solutions" / path.name)
    names = set(cells_marked(notebook, "exercise"))
    assert names, "a notebook of the path has exercises"
    assert set(cells_marked(solutions, "exercise")) == names
    assert set(cells_marked(solutions, "mistake")) == names
    for i, cell in enumerate(notebook.cells):
        if "exercise" in cell.metadata:
            assert notebook.cells[i + 1].cell_type == "code", "the cell after an exercise checks it"


@pytest.mark.host_only("runs notebook code on the host")
@pytest.mark.parametrize("path, name", exercises(), ids=lambda v: getattr(v, "stem", v))
def test_the_check_catches_the_common_mistake(path: Path, name: str):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    notebook = with_answers(path, mistake=name)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    check = next(i for i, c in enumerate(code) if c.metadata.get("exercise") == name) + 1
    namespace: dict = {"__name__": "__notebook__"}
    try:
        for cell in code[:check]:
            exec(compile(cell.source, f"{path.name}", "exec"), namespace)
        with pytest.raises(AssertionError):
            exec(compile(code[check].source, f"{path.name} (check of {name})", "exec"), namespace)
    finally:
        plt.close("all")
