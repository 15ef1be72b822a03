"""Which cells are whose: test cells, the student's code, the checks a test cell records."""

from __future__ import annotations

import ast

from nbformat.notebooknode import NotebookNode
from nbgrader import utils

METADATA_KEY = "course_grading"
"""Notebook metadata key under which the grader writes its run and its verdicts."""


RECORD_FUNCTION = "record"


def record_call_nodes(source: str) -> list[ast.Call]:
    """The ``record("<check id>", fn)`` calls of a test cell's source, in source order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
                and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == RECORD_FUNCTION
                and len(node.args) == 2 and not node.keywords
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            calls.append(node)
    return sorted(calls, key=lambda n: (n.lineno, n.col_offset))


def record_calls(source: str) -> list[str]:
    """Check ids used in ``record("id", fn)`` calls of a test cell's source, in order."""
    return [node.args[0].value for node in record_call_nodes(source)]


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def _student_cells(nb: NotebookNode) -> list[NotebookNode]:
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if not meta or meta.get("solution", False) or not (meta.get("grade") or meta.get("locked")):
            cells.append(cell)
    return cells


def student_sources(nb: NotebookNode) -> list[str]:
    """Sources of the code the student wrote: solution cells and cells without nbgrader metadata
    (instructor cells are restored by ``OverwriteCells`` and are not the student's)."""
    return [cell.source for cell in _student_cells(nb)]


def import_statements(source: str) -> str:
    """Only the ``import`` statements of a cell's source (the top-level ones), one per line."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    return "\n".join(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))


def imported_modules(sources: list[str]) -> set[str]:
    """Every module name an ``import`` statement of ``sources`` names (IPython magics are blanked
    out, cells that do not parse are skipped)."""
    from course.grading.static import parse_cells

    names: set[str] = set()
    for tree in parse_cells(sources):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def scan_sources(nb: NotebookNode) -> list[str]:
    """What the shortcut scan reads: the student's code, plus the imports of the instructor's
    cells (``np`` of the release's ``import numpy as np`` resolves to numpy in the student's
    code), but not the instructor's other bindings (data loaded by a locked cell is not the
    student's call)."""
    student = set(map(id, _student_cells(nb)))
    return [cell.source if id(cell) in student else import_statements(cell.source)
            for cell in nb.cells if cell.cell_type == "code"]
