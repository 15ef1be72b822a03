"""``course validate``: run a student's notebook and say, one line per test, what passed.

The notebook is executed here with nbclient (in its own folder, in a fresh kernel whose own
standard output and error go nowhere, so no kernel warnings reach the terminal), and each graded
test cell's outputs are read: the ``AssertionError`` that :func:`course.grading.recorder.record`
raises names the likely mistake; a cell with no error passed, unless the graded function calls a
library function that does the whole job (the grader's own static scan, run here too, so the
student learns before grading that it earns nothing). The report is plain text: no HTML, no ANSI
codes unless the output is a terminal, no tracebacks::

    ✗ test-convolve1d-full   0/2  convolve1d is not implemented yet (...) (0 of 6 cases correct)
    ✓ test-convolve1d-same   2/2  passed
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from course.grading.results import TestResult

ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


class ValidateError(Exception):
    """The notebook could not be read or run at all (the message says why, in plain words)."""


@dataclass
class Report:
    notebook: Path
    tests: list[TestResult] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)  # "cell 3 (convolve1d): SyntaxError: ..."
    stopped: str | None = None  # why the run stopped early (a timeout, a dead kernel)
    seconds: float = 0.0

    @property
    def failed(self) -> list[TestResult]:
        return [t for t in self.tests if not t.passed]

    @property
    def ok(self) -> bool:
        return not self.failed and self.stopped is None


def one_line(text: str, limit: int = 800) -> str:
    """``text`` without ANSI codes, on one line, at most ``limit`` characters."""
    text = ANSI_RE.sub("", str(text))
    text = " ".join(part.strip() for part in text.strip().splitlines() if part.strip())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_of(cell: Any) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename, evalue = output.get("ename", "Error"), one_line(output.get("evalue", ""))
            return f"{ename}: {evalue}" if evalue else str(ename)
    return None


def _why_undefined(message: str, cells: Any) -> str:
    """A NameError for a graded function, with why the cell defining it did not run."""
    from course.grading.diagnosis import explain_not_run

    why = explain_not_run(message, cells)
    return f"{message}: {why}" if why else message


def _label(index: int, cell: Any) -> str:
    gid = cell.metadata.get("nbgrader", {}).get("grade_id")
    if gid:
        return f"cell {index + 1} ({gid})"
    first = next((ln.strip() for ln in str(cell.get("source", "")).splitlines() if ln.strip()), "")
    first = first if len(first) <= 50 else first[:47] + "..."
    return f"cell {index + 1}" + (f" ({first})" if first else "")


def _changed_test_cells(nb: Any) -> set[str]:
    """grade_ids of test cells whose source differs from the released one (nbgrader's checksum)."""
    from nbgrader import utils

    from course.grading.preprocessors import is_test_cell

    changed = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if is_test_cell(cell) and meta.get("checksum"):
            try:
                if utils.compute_checksum(cell) != meta["checksum"]:
                    changed.add(meta.get("grade_id", ""))
            except Exception:
                changed.add(meta.get("grade_id", ""))
    return changed


def _shortcuts(nb: Any) -> dict[str, str]:
    """grade_id -> the grader's "no points" message, for test cells whose checked function calls
    a forbidden library function (``course.grading.static``); {} if the scan cannot run."""
    try:
        from course.grading.checks import get
        from course.grading.preprocessors import is_test_cell, record_calls, student_sources
        from course.grading.static import find_shortcuts

        sources = student_sources(nb)
        found: dict[str, str] = {}
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            for check_id in record_calls(cell.source):
                check = get(check_id)
                names = find_shortcuts(sources, check.function, check.forbidden) if check.forbidden else []
                if names:
                    found[cell.metadata["nbgrader"].get("grade_id", "")] = (
                        f"no points for {check.function}: it calls {', '.join(names)}, a library function "
                        "that does the whole job. Write it yourself from loops or building blocks "
                        "(np.fft, np.einsum, sliding_window_view).")
                    break
        return found
    except Exception:  # the advice is a bonus: never let it stop the report
        return {}


def _execute(nb: Any, folder: Path, timeout: int, kernel_name: str, boot: str | None = None) -> dict[str, Any]:
    """Run every code cell of ``nb`` in place; stop at the first timeout or dead kernel (as the
    grader does). Returns ``{"status", "stopped_at", "reason", ...}``."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    state: dict[str, Any] = {"status": "ok", "stopped_at": None, "stopped_grade_id": None, "reason": ""}
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                            extra_arguments=[f"--IPKernelApp.exec_lines={boot}"] if boot else [],
                            interrupt_on_timeout=False, shutdown_kernel="immediate",
                            resources={"metadata": {"path": str(folder)}})
    devnull = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "stdin": subprocess.DEVNULL}
    try:
        with client.setup_kernel(**devnull):
            for index, cell in enumerate(nb.cells):
                if state["stopped_at"] is not None:
                    if cell.cell_type == "code":
                        cell.outputs = []
                    continue
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    state.update(status="timeout", stopped_at=index,
                                 reason=f"{_label(index, cell)} ran longer than {timeout} s (an endless loop or wait?)")
                except DeadKernelError:
                    state.update(status="crashed", stopped_at=index,
                                 reason=f"the Python kernel died while running {_label(index, cell)} "
                                        "(too much memory, or the code ended the process)")
                if state["stopped_at"] == index:
                    state["stopped_grade_id"] = cell.metadata.get("nbgrader", {}).get("grade_id")
    except Exception as exc:  # the kernel would not start, or its channels broke
        if state["stopped_at"] is None:
            raise ValidateError(f"could not run the notebook: {type(exc).__name__}: {one_line(exc, 300)}") from exc
    return state


def validate_notebook(path: str | os.PathLike[str], timeout: int = 60) -> Report:
    """Execute the notebook at ``path`` (a copy in memory: the file is not changed) and decide
    every graded test cell as the grader would."""
    import nbformat

    from course.grading.preprocessors import is_test_cell

    path = Path(path)
    try:
        nb = nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise ValidateError(f"no such notebook: {path}") from None
    except Exception as exc:
        raise ValidateError(f"{path} is not a notebook that can be read ({type(exc).__name__}: "
                            f"{one_line(exc, 200)})") from None
    report = Report(notebook=path)
    changed = _changed_test_cells(nb)
    kernel = nb.metadata.get("kernelspec", {}).get("name") or "python3"
    start = time.monotonic()
    run = copy.deepcopy(nb)
    from course.grading.preprocessors import GuardedExecute  # the grader's rules: shortcuts absent

    execution = _execute(run, path.resolve().parent, timeout, kernel, GuardedExecute.student_boot_line(path))
    report.seconds = round(time.monotonic() - start, 1)
    if execution["stopped_at"] is not None:
        report.stopped = execution["reason"]
    tests_by_index = {i for i, c in enumerate(run.cells) if is_test_cell(c)}
    for index, cell in enumerate(run.cells):
        if index in tests_by_index or cell.cell_type != "code":
            continue
        error = _error_of(cell)
        if error:
            report.cell_errors.append(f"{_label(index, cell)}: {error}")
    shortcuts = _shortcuts(run)
    stopped_at = execution["stopped_at"]
    for index, cell in enumerate(run.cells):
        if index not in tests_by_index:
            continue
        meta = cell.metadata["nbgrader"]
        gid = meta.get("grade_id", f"cell-{index}")
        points = float(meta.get("points", 0) or 0)
        error = _error_of(cell)
        if gid in changed:
            passed, message = False, ("this test cell was changed: the grader runs the original test "
                                      "(restore it from the released exercise)")
        elif stopped_at is not None and index >= stopped_at:
            passed, message = False, f"did not run: {execution['reason']}"
        elif error:  # record() raises AssertionError with the likely mistake; asserts too
            passed = False
            message = error.split(": ", 1)[1] if error.startswith("AssertionError: ") else error
            message = _why_undefined(message, run.cells)
            if message == "AssertionError":
                message = "an assertion of this test failed"
        elif gid in shortcuts:
            passed, message = False, shortcuts[gid]
        else:
            passed, message = True, "passed"
        report.tests.append(TestResult(gid, points, passed, message, index + 1))
    return report


# --- the terminal report -------------------------------------------------------------------
_GREEN, _RED, _YELLOW, _BOLD, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[0m"


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set or TERM is dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except Exception:
        return False


def _symbols(stream: TextIO) -> tuple[str, str]:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "✓✗".encode(encoding)
        return "✓", "✗"
    except (UnicodeEncodeError, LookupError):
        return "PASS", "FAIL"


def _fmt(x: float) -> str:
    return f"{x:g}"


def format_report(report: Report, colour: bool = False, symbols: tuple[str, str] = ("✓", "✗")) -> str:
    """The report as text: a heading, one line per test, then what else went wrong."""

    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    tests = report.tests
    passed = [t for t in tests if t.passed]
    total = sum(t.points for t in tests)
    got = sum(t.score for t in tests)
    lines = [f"{report.notebook.name}: {len(passed)} of {len(tests)} visible tests passed, "
             f"{_fmt(got)} of {_fmt(total)} points ({report.seconds:g} s)", ""]
    width = max([len(t.grade_id) for t in tests] + [4])
    pwidth = max([len(f"{_fmt(t.score)}/{_fmt(t.points)}") for t in tests] + [3])
    for t in tests:
        mark = paint(symbols[0], _GREEN) if t.passed else paint(symbols[1], _RED)
        pts = f"{_fmt(t.score)}/{_fmt(t.points)}"
        lines.append(f"{mark} {t.grade_id:<{width}}  {pts:>{pwidth}}  {t.message}")
    if not tests:
        lines.append("(this notebook has no graded test cells)")
    extra = []
    if report.stopped:
        extra.append(paint(f"The run stopped early: {report.stopped}; the tests after it did not run.", _YELLOW))
    if report.cell_errors:
        extra.append("Other cells raised an error:")
        extra += [f"  {e}" for e in report.cell_errors]
    if extra:
        lines += ["", *extra]
    lines.append("")
    if report.ok:
        lines.append(paint("Success! Your notebook passes all the visible tests.", _BOLD))
    else:
        n = len(report.failed)
        lines.append(paint(f"{n} test{'s' if n != 1 else ''} failed." if n else "The notebook did not run to the end.", _BOLD)
                     + " Fix the code, then run `course validate` again (Restart & Run All in JupyterLab does the same).")
    lines.append("Hidden tests run too when your work is graded.")
    return "\n".join(lines)


def print_report(report: Report, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    stream.write(format_report(report, colour=use_colour(stream), symbols=_symbols(stream)) + "\n")
    stream.flush()
