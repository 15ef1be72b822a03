"""Helpers of the grading tests: a temporary copy of the course, fake students, batch runs.

Nothing here writes into the repository: every course copy lives under pytest's tmp folders.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat

REPO = Path(__file__).resolve().parents[1]
MISTAKES = REPO / "tests" / "mistakes"
BIN = Path(sys.executable).parent
SOLUTION_RE = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n|^[ \t]*### END SOLUTION[ \t]*\n?", re.M)


# An honest ex01 answer (loops, nothing of a library's convolution): the control and the
# base of the hostile ex01 submissions in test_grading_redteam.py and test_integrity_attacks.py.
OWN_CORRELATE = '''
def correlate1d(x, w, mode="valid"):
    x, w = np.asarray(x), np.asarray(w)[::-1]
    n, k = len(x), len(w)
    full = np.zeros(n + k - 1, dtype=np.result_type(x, w))
    for a in range(n):
        full[a:a + k] += x[a] * w
    if mode == "full":
        return full
    if mode == "same":
        s = (min(n, k) - 1) // 2
        return full[s:s + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
'''

OWN_CONVOLVE = '''
def convolve1d(x, w, mode="full"):
    x, w = np.asarray(x), np.asarray(w)
    n, k = len(x), len(w)
    full = np.zeros(n + k - 1, dtype=np.result_type(x, w))
    for a in range(n):
        full[a:a + k] += x[a] * w
    if mode == "full":
        return full
    if mode == "same":
        s = (min(n, k) - 1) // 2
        return full[s:s + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
'''


def assignments() -> list[str]:
    src = REPO / "solutions"
    return sorted(p.name for p in src.iterdir() if p.is_dir() and (p / f"{p.name}.ipynb").exists()) if src.is_dir() else []


def mistakes(assignment_id: str) -> list[Path]:
    folder = MISTAKES / assignment_id
    return sorted(folder.glob("*.py")) if folder.is_dir() else []


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"
    return e


def course(*args: str, root: Path, check: bool = True, timeout: int = 600, subprocess_: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the ``course`` command on the course at ``root``: in this process (``course.cli.main``,
    fast: no interpreter start-up) or, with ``subprocess_=True``, as the console script."""
    cmd = [str(BIN / "course"), "--root", str(root), *args]
    if subprocess_:
        proc = subprocess.run(cmd, cwd=root, env=env(), capture_output=True, text=True, timeout=timeout)
    else:
        import contextlib

        from course.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(["--root", str(root), *args])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        proc = subprocess.CompletedProcess(cmd, code, out.getvalue(), err.getvalue())
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\nstdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}")
    return proc


def copy_course(dest: Path, ids: list[str] | None = None) -> Path:
    """Copy nbgrader_config.py and solutions/ (optionally only ``ids``) to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", dest / "nbgrader_config.py")
    for aid in ids or assignments():
        shutil.copytree(REPO / "solutions" / aid, dest / "solutions" / aid,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest


def solution_code(source: str) -> str:
    """A solution cell's source with the ``### BEGIN/END SOLUTION`` marker lines removed."""
    return SOLUTION_RE.sub("", source)


def solved_notebook(root: Path, aid: str, name: str | None = None) -> nbformat.NotebookNode:
    """The released notebook with every answer cell filled in with the instructor's solution,
    as a student who solved everything would submit it."""
    name = name or f"{aid}.ipynb"
    release = nbformat.read(root / "exercises" / aid / name, as_version=4)
    source = nbformat.read(root / "solutions" / aid / name, as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in release.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and gid in answers:
            cell.source = solution_code(answers[gid])
    return release


def apply_mistake(nb: nbformat.NotebookNode, mistake: Path) -> tuple[nbformat.NotebookNode, str]:
    """Replace, in the answer cells, the definitions of the functions the mistake file defines
    with the mistake's code; returns the notebook and the file's EXPECT string."""
    text = mistake.read_text("utf-8")
    tree = ast.parse(text)
    expect = None
    keep: list[str] = []
    lines = text.splitlines()
    defined: set[str] = set()
    for node in tree.body:
        segment = "\n".join(lines[node.lineno - 1 - len(getattr(node, "decorator_list", [])): node.end_lineno])
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "EXPECT" for t in node.targets):
            expect = ast.literal_eval(node.value)
            continue
        if isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant) and isinstance(node.value.value, str):
            continue  # the docstring
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defined.add(node.name)
        keep.append(segment)
    if expect is None:
        raise ValueError(f"{mistake} has no EXPECT = '...'")
    replacement = "\n\n".join(keep) + "\n"
    answer_cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]
    target = None
    for cell in answer_cells:
        try:
            ctree = ast.parse(cell.source)
        except SyntaxError:
            continue
        clines = cell.source.splitlines()
        spans = [(n.lineno - 1 - len(n.decorator_list), n.end_lineno) for n in ctree.body
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in defined]
        if spans:
            for start, end in sorted(spans, reverse=True):
                del clines[start:end]
            if target is None:
                clines.append(replacement)
                target = cell
            cell.source = "\n".join(clines)
    if target is None:
        answer_cells[-1].source += "\n\n" + replacement
    return nb, expect


def write_submission(submitted: Path, student: str, aid: str, nb: Any, name: str | None = None) -> Path:
    folder = submitted / student / aid
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{aid}.ipynb")
    if isinstance(nb, (bytes, str)):
        path.write_bytes(nb if isinstance(nb, bytes) else nb.encode("utf-8"))
    else:
        nbformat.write(nb, path)
    return path


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    return {r["student_id"]: r for r in rows}


def feedback_text(root: Path, student: str, aid: str) -> str:
    """The text of a student's feedback HTML (all notebooks), HTML-unescaped."""
    import html

    folder = root / "feedback" / student / aid
    return "\n".join(html.unescape(p.read_text("utf-8")) for p in sorted(folder.glob("*.html")))


def release_notebook_names(root: Path, aid: str) -> list[str]:
    return sorted(p.name for p in (root / "exercises" / aid).glob("*.ipynb"))


def cell_by_id(nb: Any, grade_id: str) -> Any:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def dump(nb: Any) -> str:
    return json.dumps(nb)
