"""A tiny nbgrader assignment for tests that merge jobs' results into a real gradebook without a
kernel (tests/test_batch_merge.py, tests/test_term_settle.py): one answer cell, one test cell
(2 points) and one written answer graded by hand (3 points), made with nbgrader's own test
helpers, and a gradebook filled by nbgrader's ``SaveCells`` from it."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook
from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveCells
from nbgrader.tests import create_grade_and_solution_cell, create_grade_cell, create_solution_cell

AID = NB = "ps1"


def assignment_notebook(answer: str = "def f(x):\n    return x\n",
                        written: str = "Because **weights are shared**.") -> bytes:
    nb = new_notebook(cells=[
        create_solution_cell(answer, "code", "answer-f"),
        create_grade_cell("assert f(1) == 1", "code", "test-f", 2),
        create_grade_and_solution_cell(written, "markdown", "answer-why", 3),
    ])
    return nbformat.writes(nb).encode("utf-8")


def template_gradebook(folder: Path) -> bytes:
    """The bytes of a SQLite gradebook with the assignment's cells (made in ``folder``)."""
    from course.grading.batch.speedups import fast_alembic_version

    fast_alembic_version()
    db = f"sqlite:///{folder}/gradebook.db"
    with Gradebook(db) as gb:
        gb.add_assignment(AID)
    nb = nbformat.reads(assignment_notebook().decode(), 4)
    SaveCells().preprocess(nb, {"nbgrader": {"db_url": db, "assignment": AID, "notebook": NB}})
    return (folder / "gradebook.db").read_bytes()
