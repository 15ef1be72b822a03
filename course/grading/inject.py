"""Grader side of a graded run: the cases of each graded call, the test cell rewritten so that the
kernel runs the student's function on them, and the kernel's boot line (``course/grading/guard.py``).

For a test cell ``record("ex01.convolve1d.full.hidden", convolve1d)``, :func:`prepare_cell`

1. makes the check's cases in this process: the public ones, or for a hidden check those of
   :func:`course.grading.secret.hidden_seed` under the instructor's secret;
2. draws a fresh nonce (the call's name) and writes the cases to
   ``<kernel folder>/.course-case-<nonce>.json``;
3. returns the cell's source with the call rewritten to
   ``__course_guard__.run("ex01.convolve1d.full.hidden", convolve1d, "<nonce>")``.

Nothing here is secret from the kernel: the cases are the graded function's own arguments, and
the grader decides from the outputs the record carries, on the cases it keeps in
:class:`SentCall` (``course.grading.preprocessors.record_verdicts``). A student who replaces
``__course_guard__`` only changes what their own function is reported to return.
"""

from __future__ import annotations

import ast
import os
import secrets as _random
from dataclasses import dataclass, field
from typing import Any

from course.grading.casefile import case_file_name, encode_cases
from course.grading.guard import ENTRY
from course.grading.preprocessors.cells import record_call_nodes
from course.grading.sandbox import SANDBOX_UID


@dataclass
class SentCall:
    """One graded call the grader asked for: which check, its nonce, the cases sent, which cell."""

    check_id: str
    nonce: str
    cell_index: int
    cases: list[Any] = field(repr=False, default_factory=list)


def _write_private(path: str, data: bytes, kernel_uid: int | None) -> None:
    """Create ``path`` (never through a link, never over an existing file) for the kernel only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        if kernel_uid is not None:
            os.fchown(fd, kernel_uid, kernel_uid)
        with os.fdopen(fd, "wb", closefd=False) as fh:
            fh.write(data)
    finally:
        os.close(fd)


def kernel_uid(sandboxed: bool) -> int | None:
    """The uid the kernel runs as on the host when it is not ours (the grader is root)."""
    return SANDBOX_UID if sandboxed and os.geteuid() == 0 else None


def _span(lines: list[bytes], node: ast.AST) -> tuple[int, int]:
    """Byte offsets of ``node`` in the source (``ast`` columns count UTF-8 bytes)."""
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts[node.lineno - 1] + node.col_offset, starts[node.end_lineno - 1] + node.end_col_offset


def prepare_cell(source: str, cell_index: int, folder: str, secret: bytes | None,
                 uid: int | None) -> tuple[str, list[SentCall]]:
    """The rewritten source of a test cell and the calls sent (see the module docstring).

    A check id that is not registered raises ``KeyError`` (the release and the checks disagree)."""
    from course.grading.checks import get

    calls = record_call_nodes(source)
    if not calls:
        return source, []
    raw = source.encode("utf-8")
    lines = raw.splitlines(keepends=True)
    sent: list[SentCall] = []
    pieces: list[tuple[int, int, bytes]] = []
    for node in calls:
        check = get(node.args[0].value)
        cases = check.make_cases(check.seed_from(secret))  # (a visible check's seed is None)
        nonce = _random.token_hex(16)
        _write_private(os.path.join(folder, case_file_name(nonce)), encode_cases(cases), uid)
        fn_start, fn_end = _span(lines, node.args[1])
        start, end = _span(lines, node)
        fn_text = raw[fn_start:fn_end].decode("utf-8")
        call = f"{ENTRY}.run({check.id!r}, {fn_text}, {nonce!r})"
        pieces.append((start, end, call.encode("utf-8")))
        sent.append(SentCall(check.id, nonce, cell_index, cases))
    for start, end, text in reversed(pieces):
        raw = raw[:start] + text + raw[end:]
    return raw.decode("utf-8"), sent


def boot_line(assignment: str, preload: list[str] | tuple[str, ...], absent: list[str] | tuple[str, ...],
              stand_ins: dict[str, str], never_loaded: list[str] | tuple[str, ...] = (),
              remove_loaders: bool = True) -> str:
    """The kernel's first line (``IPKernelApp.exec_lines``): :func:`course.grading.guard.boot`
    with this assignment's settings (``course validate`` runs the same line)."""
    settings = {"assignment": str(assignment), "preload": tuple(preload), "absent": tuple(absent),
                "stand_ins": dict(stand_ins), "never_loaded": tuple(never_loaded),
                "remove_loaders": bool(remove_loaders)}
    args = ", ".join(f"{k}={v!r}" for k, v in settings.items())
    return f"import course.grading.guard as _g; _g.boot({args}); del _g"
