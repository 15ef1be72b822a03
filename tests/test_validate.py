"""`course validate PATH.ipynb` in a terminal (issue 13): the real command, through subprocess.

Plain text when stdout is not a terminal (no HTML, no ANSI codes), one line per test with ✓ or
✗, its points and the message; no traceback from course internals, no kernel warning; exit 1
when a test fails, 0 when all pass. Colour only on a terminal (a pseudo-terminal here).
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE = str(Path(sys.executable).parent / "course")
AID = "ex01_convolution_1d"
MARKERS = re.compile(r"(?m)^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?")

BUGGY_CORRELATE = '''def correlate1d(x, w, mode="valid"):
    x = np.asarray(x); w = np.asarray(w)
    n, k = len(x), len(w)
    padded = np.concatenate([np.zeros(k - 1), x, np.zeros(k - 1)])
    full = np.array([np.dot(padded[t:t + k], w) for t in range(n + k - 2)])  # one lag short
    if mode == "full":
        return full
    start = (min(n, k) - 1) // 2
    return full[start:start + max(n, k)] if mode == "same" else full[min(n, k) - 1:max(n, k)]
'''


def _notebook(tmp_path: Path, replace: dict[str, str] | None = None, solved: bool = True) -> Path:
    """The released ex01 notebook with the solutions filled in (or left as released), and the
    functions in ``replace`` (name -> source) put in their cells instead."""
    solutions = json.loads((ROOT / "solutions" / AID / f"{AID}.ipynb").read_text(encoding="utf-8"))
    answers = {c["metadata"]["nbgrader"]["grade_id"]: MARKERS.sub("", "".join(c["source"]))
               for c in solutions["cells"] if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("solution")}
    nb = json.loads((ROOT / "exercises" / AID / f"{AID}.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution") and gid in answers:
            source = answers[gid] if solved else "".join(cell["source"])
            for name, code in (replace or {}).items():
                if f"def {name}(" in answers[gid]:
                    source = code
            cell["source"] = source
    folder = tmp_path / AID
    folder.mkdir()
    path = folder / f"{AID}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    return subprocess.run([COURSE, "validate", str(path)], capture_output=True, text=True, timeout=240, env=env,
                          cwd=path.parent)


def _assert_plain(text: str) -> None:
    assert "<span" not in text and "&#39;" not in text and "&quot;" not in text, text
    assert "\x1b[" not in text, repr(text)
    assert "Traceback" not in text and "recorder.py" not in text and "site-packages" not in text, text
    assert "IPKernelApp" not in text and "WARNING" not in text, text


TEST_LINE = re.compile(r"^(✓|✗) (test-[a-z0-9-]+) +(\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)  (.+)$")


def _test_lines(out: str) -> dict[str, tuple[str, str, str, str]]:
    found = {}
    for line in out.splitlines():
        m = TEST_LINE.match(line)
        if m:
            found[m.group(2)] = (m.group(1), m.group(3), m.group(4), m.group(5))
    return found


def test_untouched_exercise_fails_every_test_in_plain_text(tmp_path: Path) -> None:
    result = _validate(_notebook(tmp_path, solved=False))
    _assert_plain(result.stdout + result.stderr)
    assert result.returncode == 1, result.stdout
    lines = _test_lines(result.stdout)
    # ex01: six graded test cells, 2+2+2+2+1+1 points
    assert sorted(lines) == sorted(["test-convolve1d-full", "test-convolve1d-same", "test-convolve1d-valid",
                                    "test-correlate1d-valid", "test-correlate1d-same", "test-correlate1d-full"])
    assert all(mark == "✗" and got == "0" for mark, got, _, _ in lines.values())
    assert sum(int(total) for _, _, total, _ in lines.values()) == 10
    assert lines["test-convolve1d-full"][3].startswith(
        "convolve1d is not implemented yet: convolve1d(x: array of 3 values, w: array of 3 values, mode='full') "
        "raised NotImplementedError")
    assert result.stdout.startswith(f"{AID}.ipynb: 0 of 6 visible tests passed, 0 of 10 points")


def test_a_bug_is_one_failing_line_with_its_symptom(tmp_path: Path) -> None:
    result = _validate(_notebook(tmp_path, {"correlate1d": BUGGY_CORRELATE}))
    _assert_plain(result.stdout + result.stderr)
    assert result.returncode == 1
    lines = _test_lines(result.stdout)
    assert [lines[t][0] for t in ("test-convolve1d-full", "test-convolve1d-same", "test-convolve1d-valid")] == ["✓"] * 3
    assert lines["test-convolve1d-full"][1:3] == ("2", "2") and lines["test-convolve1d-full"][3] == "passed"
    # [1, 2, 3] correlated with [0, 1, 0.5] in full mode has 3 + 3 - 1 = 5 values; the loop makes 4
    mark, got, total, message = lines["test-correlate1d-full"]
    assert (mark, got, total) == ("✗", "0", "1")
    assert message.startswith("your output has length 4, expected 5 for mode='full'"), message
    assert "3 tests failed." in result.stdout


def test_a_solved_notebook_passes_and_exits_zero(tmp_path: Path) -> None:
    result = _validate(_notebook(tmp_path))
    _assert_plain(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout
    lines = _test_lines(result.stdout)
    assert len(lines) == 6 and all(mark == "✓" and got == total for mark, got, total, _ in lines.values())
    assert "Success! Your notebook passes all the visible tests." in result.stdout


def test_missing_notebook_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = _validate(tmp_path / "nothing.ipynb")
    assert result.returncode == 2
    assert result.stdout == "" and result.stderr.strip() == f"course validate: no such notebook: {tmp_path / 'nothing.ipynb'}"


@pytest.mark.skipif(not hasattr(pty, "openpty"), reason="needs a pseudo-terminal")
def test_colour_only_on_a_terminal(tmp_path: Path) -> None:
    path = _notebook(tmp_path, {"correlate1d": BUGGY_CORRELATE})
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([COURSE, "validate", str(path)], stdout=follower, stderr=subprocess.PIPE, env=env,
                            cwd=path.parent)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=240)
    os.close(leader)
    text = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 1
    assert "\x1b[32m✓\x1b[0m test-convolve1d-full" in text and "\x1b[31m✗\x1b[0m test-correlate1d-full" in text
    assert "<span" not in text and "Traceback" not in text
