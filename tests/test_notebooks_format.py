"""Format rules for the committed notebooks (lectures/, solutions/, exercises/).

Why: notebooks are committed without outputs so that diffs stay small and reviewable (no base64
figures, no widget state, no execution counts that change on every run). The single exception is
the lecture cells marked ``# NBVAL_CHECK_OUTPUT``: they print the lecture's key numbers (the 5x5
example's feature map, parameter counts, receptive fields) as plain text, and their outputs are
committed on purpose, because ``pytest --nbval-lax`` re-runs the lecture and compares exactly those
cells with the stored text: CI proves that the lecture shows the right numbers. Absolute paths
(``/work``, ``/root``, ``/tmp``, home folders) would break on a student's machine and leak the
author's; every notebook must run on the standard ``python3`` kernel.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "lectures").glob("*.ipynb"))
ALL_NOTEBOOKS = sorted(
    p for folder in ("lectures", "solutions", "exercises") for p in (ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)
CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"
# an absolute path: /work/..., /root, /tmp/..., /home/..., /Users/... or C:\ -- not inside a URL
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:work|root|tmp|home|Users)(?:/|\b)|\b[A-Za-z]:\\\\")


def _is_check_cell(cell) -> bool:
    return cell.cell_type == "code" and any(line.strip() == CHECK_MARKER for line in cell.source.splitlines())


def test_the_five_lectures_exist():
    names = [p.name for p in LECTURES]
    for expected in ("01_convolution_1d.ipynb", "02_convolution_2d.ipynb", "03_why_convolution.ipynb", "05_receptive_field.ipynb", "04_pooling.ipynb"):
        assert expected in names


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.name)
def test_lecture_outputs_only_in_check_cells(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    n_checks = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"{path.name} cell {index}"
        if _is_check_cell(cell):
            n_checks += 1
            # the stored output is what nbval compares against: it must be there, as plain text
            assert cell.outputs, f"{where} is marked {CHECK_MARKER} but has no stored output to compare"
            for out in cell.outputs:
                assert out.output_type == "stream" and out.name == "stdout", (
                    f"{where}: a checked cell should print plain text (stdout), got a {out.output_type} output"
                )
            # nbval treats a cell without execution count as unrun and refuses its stored outputs
            assert cell.execution_count is not None, f"{where}: checked cell needs its execution count"
        else:
            assert cell.outputs == [], f"{where} has outputs; clear them (only {CHECK_MARKER} cells keep theirs)"
            assert cell.execution_count is None, f"{where} has execution_count {cell.execution_count}; expected null"
    assert n_checks >= 2, f"{path.name} pins too few of its key numbers ({n_checks} {CHECK_MARKER} cells)"


def test_solution_and_exercise_notebooks_have_no_outputs():
    offenders = []
    for path in ALL_NOTEBOOKS:
        if path.parent.name == "lectures" and path.parent.parent == ROOT:
            continue
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
                offenders.append(f"{path.relative_to(ROOT)} cell {index}")
    assert offenders == [], f"notebooks must be committed without outputs: {offenders}"


def test_every_notebook_uses_the_python3_kernel_and_no_absolute_paths():
    assert ALL_NOTEBOOKS, "no notebooks found"
    problems = []
    for path in ALL_NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        name = nb.metadata.get("kernelspec", {}).get("name")
        if name != "python3":
            problems.append(f"{path.relative_to(ROOT)}: kernelspec {name!r}, expected 'python3'")
        text = path.read_text(encoding="utf-8")
        for match in ABSOLUTE_PATH.finditer(text):
            context = text[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
            problems.append(f"{path.relative_to(ROOT)}: absolute path {match.group()!r} in ...{context}...")
    assert problems == []


@pytest.mark.parametrize(
    ("text", "is_absolute"),
    [
        ('open("/work/main/data.npy")', True),
        ("cd /root && ls", True),
        ("saved to /tmp/x.png", True),
        ("/home/alice/course", True),
        ("C:\\\\Users\\\\bob", True),
        ("https://phiresky.github.io/convolution-demo/", False),
        ("../exercises/ex01_convolution_1d/ex01_convolution_1d.ipynb", False),
        ("the input/work ratio", False),
    ],
)
def test_absolute_path_pattern(text, is_absolute):
    assert bool(ABSOLUTE_PATH.search(text)) is is_absolute


# --- maintenance: re-run lectures and store outputs exactly as the rules above want ------------
def refresh_lecture(path: Path) -> None:
    """Execute a lecture; keep the stdout of ``# NBVAL_CHECK_OUTPUT`` cells, clear everything else.

    Run after editing a lecture: ``python tests/test_notebooks_format.py lectures/*.ipynb``.
    """
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    n_checks = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if errors:
            raise RuntimeError(f"{path.name} cell {index} raised {errors[0].ename}: {errors[0].evalue}")
        if _is_check_cell(cell):
            text = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
            others = [o.output_type for o in cell.outputs if not (o.output_type == "stream" and o.name == "stdout")]
            if others:
                raise RuntimeError(f"{path.name} cell {index}: a checked cell may only print, it produced {others}")
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
            n_checks += 1
            cell.execution_count = n_checks
        else:
            cell.outputs = []
            cell.execution_count = None
        cell.metadata = {}
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)  # the Python version would churn diffs
    nbformat.write(nb, path)


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        refresh_lecture(Path(name).resolve())
        print(f"refreshed {name}")
