"""Which cells are whose: test cells, the student's code, the checks a test cell records."""

from __future__ import annotations

import ast

from nbformat.notebooknode import NotebookNode
from nbgrader import utils

METADATA_KEY = "course_grading"
"""Notebook metadata key under which the grader writes its run and its verdicts."""


def record_calls(source: str) -> list[str]:
    """Check ids used in ``record("id", fn)`` calls of a test cell's source, in order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    ids = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            first = node.args[0]
            if name == "record" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                ids.append((node.lineno, node.col_offset, first.value))
    return [i for _, _, i in sorted(ids)]


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def student_sources(nb: NotebookNode) -> list[str]:
    """Sources of the code the student wrote: solution cells and cells without nbgrader metadata
    (instructor cells are restored by ``OverwriteCells`` and are not the student's)."""
    sources = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if not meta or meta.get("solution", False) or not (meta.get("grade") or meta.get("locked")):
            sources.append(cell.source)
    return sources
