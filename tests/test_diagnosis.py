"""Honest diagnoses (issues 13 and 19): a catalogued mistake is named only when it explains every
output, and every cause that fits is named when several do.

- issue 13's two cases, with hand-worked expected texts: a correlate2d that pads correctly but
  stops one window early is told "one window too few", not "you padded one side only"; leaving
  the padding out entirely is explained by the call that raised, not a bare NumPy error;
- issue 19's two wrong diagnoses: np.array_split bins are not called "ceil(i*n/out)" starts; a
  layer that pads all four sides but sizes its output H + p - k + 1 is told both causes that give
  exactly its output (a loop/size that stops early, or one-sided padding);
- every natural bug of tests/natural_bugs.py (off-by-one loops, integer truncation, transposed
  outputs, a stride in one axis only, ...) gets its honest message (``HONEST``): its symptom, and
  only the catalogued mistakes that explain it, on the visible AND the hidden cases;
- every catalogue entry never fires on its own near miss: a student who gives the mistake's
  answer on every failing case but one;
- symptoms and exceptions are described in the student's terms (shapes, first differing index).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from course.grading.checks import Check, Misconception, all_checks
from course.grading.diagnosis import Outcome, diagnose, diagnose_outcomes, explain_error
from course.grading.recorder import judge, run_cases

from natural_bugs import HONEST, NATURAL_BUGS

ROOT = Path(__file__).resolve().parents[1]

AIDS = {"ex01": "ex01_convolution_1d", "ex02": "ex02_convolution_2d", "ex03": "ex03_conv_layer",
        "ex04": "ex04_pooling", "ex05": "ex05_receptive_field"}
SEEDS = (20_261_205, 7)  # the hidden checks' cases here, two draws (the grader uses its secret)


@lru_cache(maxsize=None)
def _solution_code(prefix: str) -> str:
    aid = AIDS[prefix]
    nb = json.loads((ROOT / "solutions" / aid / f"{aid}.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("solution")]
    return "\n\n".join("".join(c["source"]) for c in cells)


def _student(prefix: str, source: str) -> tuple[str, Any]:
    """The solution with ``source``'s function in place of its own: (function name, function)."""
    own: dict[str, Any] = {"np": np}
    exec(compile(source, "<bug>", "exec"), own)
    name = next(k for k, v in own.items() if callable(v) and k != "np")
    ns: dict[str, Any] = {"np": np}
    exec(compile(_solution_code(prefix), f"<{prefix}>", "exec"), ns)
    exec(compile(source, "<bug>", "exec"), ns)
    return name, ns[name]


@lru_cache(maxsize=None)
def _cases(check_id: str, seed: int) -> list[Any]:
    return all_checks()[check_id].make_cases(seed)


def _verdicts(prefix: str, function: str, fn: Any) -> list[tuple[Check, str]]:
    """(check, message) for every check of ``function`` that ``fn`` fails, for both seeds."""
    failed = []
    for check_id, check in sorted(all_checks().items()):
        if not check_id.startswith(prefix + ".") or check.function != function:
            continue
        for seed in SEEDS if check.hidden else SEEDS[:1]:
            cases = _cases(check_id, seed)
            ok, message, _ = judge(check, run_cases(check, fn, cases), cases)
            if not ok:
                failed.append((check, message))
    return failed


# --------------------------------------------------------------------------------------------
# the issue's two cases
# --------------------------------------------------------------------------------------------
X5 = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]], dtype=float)
W3 = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=float)


def _bug(name: str) -> tuple[str, Any]:
    prefix, _, source = next(b for b in NATURAL_BUGS if b[1] == name)
    return _student(prefix, source)


def test_loop_one_window_early_is_not_called_one_sided_padding() -> None:
    _, correlate2d = _bug("correlate2d_loop_stops_one_window_early")
    check = all_checks()["ex02.correlate2d.padding"]
    cases = check.make_cases()
    ok, message, n_ok = judge(check, run_cases(check, correlate2d, cases), cases)
    # one case passes: stride 2 with a leftover (a 3x2 kernel on the 4x5 map padded to 6x7), where
    # range(0, 6 - 3, 2) still reaches the last window
    assert not ok and n_ok == 1
    # the slide's 5x5 map padded by 1 is 7x7: a 3x3 kernel fits 5 times along each axis; the
    # loop range(0, 7 - 3, 1) stops after 4
    assert message.startswith("one window too few along each axis: your output is 4×4, expected 5×5 for x of shape (5, 5)")
    assert "the values you return are right, the last ones are missing" in message
    assert "padded one side" not in message and "Likely mistake" not in message


def test_one_sided_padding_is_named_with_the_other_cause_of_the_same_output() -> None:
    """Padding the top/left only gives exactly the output of a loop that stops before the last
    window (the windows start at the same places): both causes are named, neither asserted."""
    check = all_checks()["ex02.correlate2d.padding"]

    def one_side(x, w, stride=1, padding=0):  # pads top and left only
        xp = np.pad(np.asarray(x, float), ((padding, 0), (padding, 0)))
        kh, kw = np.shape(w)
        return np.array([[np.sum(xp[i:i + kh, j:j + kw] * w) for j in range(0, xp.shape[1] - kw + 1, stride)]
                         for i in range(0, xp.shape[0] - kh + 1, stride)])

    ok, message, _ = judge(check, run_cases(check, one_side))
    assert not ok
    assert message == ("one window too few along each axis: your output is 4×4, expected 5×5 for x of shape (5, 5), "
                       "w of shape (3, 3), padding=1; the values you return are right, the last ones are missing. "
                       "Each of these gives exactly your output, so the tests cannot tell which one you made: "
                       "(1) your loops (or the output size you compute) stop before the last window; (2) you padded "
                       "one side only (top/left): `padding` zeros go on ALL four sides (top, bottom, left and right)")


LAYER_SIZED_H_PLUS_P = """
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x = np.asarray(x, dtype=float); weight = np.asarray(weight, dtype=float); bias = np.asarray(bias, dtype=float)
    c_out, c_in, kh, kw = weight.shape
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    h_out = (x.shape[1] + padding - kh) // stride + 1
    w_out = (x.shape[2] + padding - kw) // stride + 1
    out = np.zeros((c_out, h_out, w_out))
    for i in range(c_out):
        out[i] = bias[i]
        for j in range(c_in):
            for r in range(h_out):
                for c in range(w_out):
                    out[i, r, c] += np.sum(xp[j, r * stride:r * stride + kh, c * stride:c * stride + kw] * weight[i, j])
    return out
"""


def test_issue19_padded_all_sides_sized_h_plus_p_names_both_causes() -> None:
    """Issue 19: this layer pads all four sides; it was told "you padded one side only" and, in
    the same message, that its loops may stop early. Both causes give its output: both are named,
    as alternatives, on the visible and the hidden cases."""
    function, fn = _student("ex03", LAYER_SIZED_H_PLUS_P)
    verdicts = dict((c.id, m) for c, m in _verdicts("ex03", function, fn))
    assert set(verdicts) == {"ex03.conv_layer_forward.stride_padding", "ex03.conv_layer_forward.stride_padding.hidden"}
    # HAND_X is 3x3, the kernels 2x2, padding 1: 3 + 2 - 2 + 1 = 4 windows per axis, this code makes 3 + 1 - 2 + 1 = 3
    assert verdicts["ex03.conv_layer_forward.stride_padding"] == (
        "one window too few along each axis: your output is 2×3×3, expected 2×4×4 for x of shape (2, 3, 3), weight of "
        "shape (2, 2, 2, 2), bias [1, -2], padding=1; the values you return are right, the last ones are missing. "
        "Each of these gives exactly your output, so the tests cannot tell which one you made: (1) your loops (or the "
        "output size you compute) stop before the last window; (2) you padded one side only (top/left): `padding` "
        "zeros go on ALL four sides (top, bottom, left and right)")
    for message in verdicts.values():
        assert "Likely mistake" not in message


ARRAY_SPLIT = """
def adaptive_max_pool2d(x, output_size):
    x = np.asarray(x, dtype=float)
    oh, ow = (output_size, output_size) if np.ndim(output_size) == 0 else output_size
    rows = np.array_split(np.arange(x.shape[-2]), oh)
    cols = np.array_split(np.arange(x.shape[-1]), ow)
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            out[..., i, j] = x[..., r[0]:r[-1] + 1, c[0]:c[-1] + 1].max(axis=(-2, -1))
    return out
"""


def test_issue19_array_split_bins_are_not_called_ceil_starts() -> None:
    """Issue 19: np.array_split bins were told "your bins start at ceil(i*n/out)". On 5 -> 3 both
    rules give the same bins; the visible cases now hold 10 -> 4 (array_split: [0, 3), [3, 6),
    [6, 8), [8, 10); ceil starts: [0, 3), [3, 5), [5, 8), [8, 10)), so the right one is named,
    on the visible and the hidden cases."""
    from course.grading.exercises.adaptive_pooling import MISCONCEPTIONS_ADAPTIVE

    ceil_start = next(m for m in MISCONCEPTIONS_ADAPTIVE if m.name == "ceil_start")
    function, fn = _student("ex04", ARRAY_SPLIT)
    verdicts = _verdicts("ex04", function, fn)
    assert {c.id for c, _ in verdicts} == {"ex04.adaptive_max_pool2d.all", "ex04.adaptive_max_pool2d.all.hidden"}
    for _, message in verdicts:
        assert message.startswith("your bins are np.array_split's blocks: disjoint, their sizes differ by at most one")
        assert ceil_start.message not in message and "ceil(i*n/out)" not in message


def test_ceil_start_bins_are_not_called_array_split() -> None:
    _, fn = _student("ex04", (ROOT / "tests" / "mistakes" / "ex04_pooling" / "adaptive_max_pool2d_ceil_start.py").read_text("utf-8"))
    for _, message in _verdicts("ex04", "adaptive_max_pool2d", fn):
        assert message.startswith("your bins start at ceil(i*n/out)") and "array_split" not in message


def test_two_mistakes_with_the_same_output_are_both_named() -> None:
    """When two catalogued mistakes give the student's output on every case, both are named and
    the message says the tests cannot tell them apart (never one of them asserted)."""
    from dataclasses import replace

    check = all_checks()["ex02.correlate2d.valid"]
    flipped = next(m for m in check.misconceptions if m.name == "flipped_kernel")
    twin = Misconception("rotated_kernel", "you rotated the kernel by 180 degrees: slide w as it is", flipped.compute)
    both = replace(check, misconceptions=(flipped, twin))
    cases = both.make_cases()
    results = run_cases(both, flipped.compute, cases)
    ok, message, _ = judge(both, results, cases)
    assert not ok
    assert message.startswith("your output differs first at ")
    assert message.endswith(". Each of these gives exactly your output, so the tests cannot tell which one you made: "
                            f"(1) {flipped.message}; (2) {twin.message}")


def test_no_padding_at_all_is_explained_by_the_call() -> None:
    _, correlate2d = _bug("correlate2d_no_padding_at_all")
    check = all_checks()["ex02.correlate2d.padding"]
    ok, message, _ = judge(check, run_cases(check, correlate2d))
    assert not ok
    # output 5x5 from the padded size, but windows cut from the unpadded 5x5 map: at i = 3 the
    # slice x[3:6] has 2 rows... first the column j = 3: x[0:3, 3:6] is 3x2
    assert message == ("correlate2d(x: 5×5 array, w: 3×3 array, padding=1) raised ValueError: operands could not be "
                       "broadcast together with shapes (3,2) (3,3): the slice taken for one window was 3×2, smaller "
                       "than the 3×3 kernel, so a window ran past the edge of the array being sliced; expected an "
                       "output of shape 5×5")


# --------------------------------------------------------------------------------------------
# no catalogue entry fires on a natural bug, or on its own near miss
# --------------------------------------------------------------------------------------------
CATALOGUE = sorted({(c.id.split(".")[0], c.function, m.name): m for c in all_checks().values()
                    if c.id.split(".")[0] in AIDS for m in c.misconceptions}.items())


@lru_cache(maxsize=None)
def _natural_verdicts(name: str) -> list[tuple[Check, str]]:
    prefix, _, source = next(b for b in NATURAL_BUGS if b[1] == name)
    function, fn = _student(prefix, source)
    return _verdicts(prefix, function, fn)


def test_every_natural_bug_loses_points_and_every_function_has_natural_bugs() -> None:
    functions: set[tuple[str, str]] = set()
    for prefix, name, source in NATURAL_BUGS:
        assert _natural_verdicts(name), f"{name} passes every check"
        functions.add((prefix, _student(prefix, source)[0]))
    catalogued = {(p, f) for (p, f, _), _ in CATALOGUE}
    assert catalogued <= functions, catalogued - functions
    assert set(HONEST) == {name for _, name, _ in NATURAL_BUGS}
    for prefix in ("ex03", "ex04", "ex05"):  # issue 19: at least ten written for each
        assert sum(p == prefix for p, _, _ in NATURAL_BUGS) >= 13, prefix


@pytest.mark.parametrize("bug", [b[1] for b in NATURAL_BUGS])
def test_natural_bug_gets_its_honest_message(bug: str) -> None:
    """The first failing test says what HONEST says; on every check the bug fails (visible and
    hidden, two hidden draws) the only catalogued mistakes named are the ones that explain it."""
    expect, allowed = HONEST[bug]
    verdicts = _natural_verdicts(bug)
    assert expect in verdicts[0][1], verdicts[0]
    for check, message in verdicts:
        named = {m.name for m in check.misconceptions if m.message in message}
        assert named <= allowed, (check.id, message)
        if not allowed:
            assert "Likely mistake" not in message and "Each of these" not in message, (check.id, message)


@pytest.mark.parametrize("bug", [b[1] for b in NATURAL_BUGS])
def test_a_natural_bug_that_loses_hidden_points_fails_a_visible_test_of_that_cell(bug: str) -> None:
    """Issue 19: validate said "Success!" and then the grade lost points. A bug that fails a
    hidden check fails its visible twin too (the same graded cell), so validate shows it."""
    failed = {check.id for check, _ in _natural_verdicts(bug)}
    for check_id in failed:
        if check_id.endswith(".hidden"):
            assert check_id.removesuffix(".hidden") in failed, check_id


@pytest.mark.parametrize("bug", [b[1] for b in NATURAL_BUGS if HONEST[b[1]][1]])
def test_a_mistake_named_on_a_visible_check_explains_the_hidden_cases_too(bug: str) -> None:
    """Issue 19: a catalogued mistake must explain every case the student fails, hidden ones
    included. Where a natural bug is told a mistake on a visible check, that mistake explains its
    outputs on the hidden twin's cases too (or the hidden cases pass)."""
    from course.grading.diagnosis import explaining_mistakes

    prefix, _, source = next(b for b in NATURAL_BUGS if b[1] == bug)
    _, fn = _student(prefix, source)
    for check, message in _natural_verdicts(bug):
        if check.hidden:
            continue
        named = [m for m in check.misconceptions if m.message in message]
        hidden = all_checks().get(check.id + ".hidden")
        if not named or hidden is None:
            continue
        for seed in SEEDS:
            cases = _cases(hidden.id, seed)
            outcomes = _outcomes(hidden, fn, cases)
            expected = [hidden.reference(*a, **k) for a, k in cases]
            if all(o.error is None and hidden.compare(o.value, e) for o, e in zip(outcomes, expected)):
                continue
            explains = {m.name for m in explaining_mistakes(hidden, cases, outcomes, expected)}
            assert {m.name for m in named} <= explains, (check.id, seed, explains)


def _outcomes(check: Check, fn: Any, cases: list[Any]) -> list[Outcome]:
    from course.grading.recorder import decode

    return [Outcome(value=decode(r["value"])) if r["ok"] else Outcome(error=r["error"]) for r in run_cases(check, fn, cases)]


def _near_miss(check: Check, m: Misconception, cases: list[Any]) -> list[dict[str, Any]] | None:
    """Outcomes of a student who has mistake ``m`` on every case but one failing case, where
    the answer is the mistake's plus 1 at its first value (another bug); None when ``m`` fails
    fewer than two cases."""
    from course.grading.recorder import encode

    results, failing = [], []
    for i, (args, kwargs) in enumerate(cases):
        expected = check.reference(*args, **kwargs)
        try:
            wrong = m.compute(*args, **kwargs)
        except Exception:
            wrong = expected
        if not check.compare(wrong, expected):
            failing.append(i)
        results.append({"ok": True, "value": encode(wrong)})
    if len(failing) < 2:
        return None
    from course.grading.recorder import decode

    last = failing[-1]
    value = np.array(decode(results[last]["value"]), dtype=float, copy=True)
    if value.size == 0:
        return None
    value.flat[0] += 1
    results[last] = {"ok": True, "value": encode(value)}
    return results


@pytest.mark.parametrize("key", [k for k, _ in CATALOGUE], ids=lambda k: f"{k[1]}:{k[2]}")
def test_catalogue_entry_never_fires_on_its_near_miss(key: tuple[str, str, str]) -> None:
    prefix, function, name = key
    tried = 0
    for check_id, check in sorted(all_checks().items()):
        if not check_id.startswith(prefix + ".") or check.function != function:
            continue
        m = next((m for m in check.misconceptions if m.name == name), None)
        if m is None or not _is_value_mistake(check, m):
            continue
        cases = _cases(check_id, SEEDS[0])
        results = _near_miss(check, m, cases)
        if results is None:
            continue
        tried += 1
        ok, message, _ = judge(check, results, cases)
        assert not ok
        assert m.message not in message, (check_id, message)
    if name in _SINGLE_CASE_ONLY:
        return
    assert tried, f"{function}: {name} never fails two cases of a check"


_SINGLE_CASE_ONLY = {"always_bias"}  # wrong only for bias=False: one case per check


def _is_value_mistake(check: Check, m: Misconception) -> bool:
    args, kwargs = check.make_cases(SEEDS[0])[0]
    try:
        out = m.compute(*args, **kwargs)
    except Exception:
        return True
    try:
        return np.asarray(out).dtype.kind in "biufc"
    except Exception:
        return False


# --------------------------------------------------------------------------------------------
# symptoms and exceptions in the student's terms
# --------------------------------------------------------------------------------------------
def test_symptom_names_the_first_differing_position_in_2d() -> None:
    check = all_checks()["ex02.correlate2d.valid"]
    expected = np.array([[12.0, 12, 17], [10, 17, 19], [9, 6, 14]])  # the slide's answer
    got = expected.copy()
    got[1, 2] = 18.0
    message = diagnose(check, ((X5, W3), {}), got, expected)
    assert message.startswith("your output differs first at [1, 2] for x of shape (5, 5), w of shape (3, 3): "
                              "you return 18.0, expected 19.0 (1 of 9 values wrong")


def test_transposed_and_integer_outputs_are_described() -> None:
    check = all_checks()["ex02.correlate2d.valid"]
    expected = np.array([[1.5, 2.0, 0.0], [4.25, -1.0, 3.0]])
    assert diagnose(check, ((X5, W3), {}), expected.T, expected) == (
        "your output is 3×2, expected 2×3 for x of shape (5, 5), w of shape (3, 3): rows and columns are swapped "
        "(your output is the transpose of the expected one)")
    message = diagnose(check, ((X5, W3), {}), np.array([[1, 2, 0], [4, -1, 3]]), expected)
    assert message == ("your output holds whole numbers (dtype int64) for x of shape (5, 5), w of shape (3, 3), but the "
                       "expected values have fractions (e.g. 1.5): the fractional parts were cut off")


def test_one_axis_short_is_said_per_axis() -> None:
    check = all_checks()["ex04.max_pool2d.basic"]
    x = np.arange(16.0).reshape(4, 4)
    expected = np.array([[5.0, 7.0], [13.0, 15.0]])
    message = diagnose(check, ((x, 2), {}), np.array([[5.0, 7.0, 7.0], [13.0, 15.0, 15.0]]), expected)
    assert message.startswith("one column too many: your output is 2×3, expected 2×2 for x of shape (4, 4)")


def test_exception_names_call_shapes_and_expected_output() -> None:
    check = all_checks()["ex03.conv_layer_forward.channels"]
    x, weight, bias = np.zeros((2, 5, 6)), np.zeros((3, 2, 2, 3)), np.zeros(3)
    message = explain_error(check, ((x, weight, bias), {}), "IndexError: index 2 is out of bounds for axis 0 with size 2")
    # (C_out, H - kH + 1, W - kW + 1) = (3, 4, 4)
    assert message == ("conv_layer_forward(x: 2×5×6 array, weight: 3×2×2×3 array, bias: array of 3 values) raised "
                       "IndexError: index 2 is out of bounds for axis 0 with size 2; expected an output of shape 3×4×4")
    size = all_checks()["ex02.conv_output_size.stride_padding"]
    assert explain_error(size, ((9, 5), {"stride": 3, "padding": 2}), "TypeError: bad") == (
        "conv_output_size(n=9, k=5, stride=3, padding=2) raised TypeError: bad; expected 3")


def test_a_crash_on_some_cases_is_reported_where_it_happens() -> None:
    check = all_checks()["ex02.correlate2d.valid"]
    cases = check.make_cases()
    expected = [check.reference(*a, **k) for a, k in cases]
    outcomes = [Outcome(value=expected[0]), Outcome(error="ZeroDivisionError: division by zero")] + [
        Outcome(value=e) for e in expected[2:]]
    messages = diagnose_outcomes(check, cases, outcomes, expected)
    assert messages[0] is None and messages[1].startswith("correlate2d(x: ")
    assert "raised ZeroDivisionError: division by zero; expected an output of shape" in messages[1]
    assert "Likely mistake" not in messages[1]


def test_none_or_text_returned_is_said_plainly() -> None:
    check = all_checks()["ex02.correlate2d.valid"]
    expected = np.array([[12.0, 12, 17], [10, 17, 19], [9, 6, 14]])
    assert diagnose(check, ((X5, W3), {}), None, expected) == (
        "correlate2d returned None for x of shape (5, 5), w of shape (3, 3), expected an array of shape 3×3: "
        "does the function end without `return`?")
    from course.grading.recorder import decode, encode

    text = decode(encode("not done"))  # what the grader gets back for a string
    assert diagnose(check, ((X5, W3), {}), text, expected) == (
        "correlate2d returned 'not done' for x of shape (5, 5), w of shape (3, 3), expected an array of shape 3×3")
    size = all_checks()["ex02.conv_output_size.stride_padding"]
    assert diagnose(size, ((9, 5), {"stride": 3, "padding": 2}), None, 3).startswith(
        "conv_output_size returned None for n=9, k=5, stride=3, padding=2, expected 3:")


# --------------------------------------------------------------------------------------------
# a graded function never defined: why its cell did not run (issue 19)
# --------------------------------------------------------------------------------------------
def _cell(source: str, ename: str | None = None, evalue: str = "") -> Any:
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    if ename:  # what IPython records for a cell that raised
        cell.outputs = [nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[])]
    return cell


def test_a_syntax_error_is_named_where_the_function_is_undefined() -> None:
    from course.grading.diagnosis import explain_not_run

    broken = "import numpy as np\n\ndef receptive_field(layers):\n    r = 1\n    for k, s in layers:\n        r += (k - 1\n    return r\n"
    name_error = "NameError: name 'receptive_field' is not defined"
    # IPython's evalue for a SyntaxError names the line: "'(' was never closed (3012.py, line 6)"
    cells = [_cell("x = 1"), _cell(broken, "SyntaxError", "'(' was never closed (3012542235.py, line 6)")]
    assert explain_not_run(name_error, cells) == (
        "the cell defining receptive_field did not run: SyntaxError at line 6: '(' was never closed")
    # no line in the evalue: the cell is compiled to find it
    cells = [_cell(broken, "SyntaxError", "'(' was never closed")]
    assert explain_not_run(f"the cell failed with {name_error}", cells) == (
        "the cell defining receptive_field did not run: SyntaxError at line 6: '(' was never closed")
    indented = "def receptive_field(layers):\n    r = 1\n      return r\n"
    cells = [_cell(indented, "IndentationError", "unexpected indent (1849708361.py, line 3)")]
    assert explain_not_run(name_error, cells) == (
        "the cell defining receptive_field did not run: IndentationError at line 3: unexpected indent")


def test_other_reasons_a_function_is_undefined() -> None:
    from course.grading.diagnosis import explain_not_run

    name_error = "NameError: name 'max_pool2d' is not defined"
    before = "import numpy as np\nSIZE = np.zeros(3)[5]\n\ndef max_pool2d(x, size, stride=None):\n    return x\n"
    cells = [_cell(before, "IndexError", "index 5 is out of bounds for axis 0 with size 3")]
    assert explain_not_run(name_error, cells) == (
        "the cell defining max_pool2d stopped with IndexError: index 5 is out of bounds for axis 0 with size 3 "
        "before max_pool2d was defined")
    assert explain_not_run(name_error, [_cell("def maxpool2d(x, size, stride=None):\n    return x\n")]) == (
        "no cell defines max_pool2d: keep the function's name and its `def max_pool2d(...)` line as released")
    assert explain_not_run(name_error, [_cell("def max_pool2d(x, size, stride=None):\n    return x\n")]) == (
        "the cell defining max_pool2d has not run (run it, or Restart & Run All, before the tests)")
    assert explain_not_run("ValueError: bad", []) is None


def test_inputs_are_shown_whole_when_small_and_by_shape_and_whole_numbers_when_large() -> None:
    """Issue 19: inputs were cut mid-number ("[-1..."). Small arrays are shown whole; large ones
    by their shape and an excerpt whose every entry is a whole number (or an ellipsis)."""
    check = all_checks()["ex02.correlate2d.valid"]
    small_w = np.array([[1.0, -2.5], [0.0, 3.0]])
    x = np.arange(88, dtype=float).reshape(8, 11) - 40.5
    expected = check.reference(x, small_w)
    wrong = expected.copy()
    wrong[2, 3] += 1
    message = diagnose(check, ((x, small_w), {}), wrong, expected)
    head, _, inputs = message.partition("input: ")
    assert inputs.startswith("x = array of shape 8×11: [[-40.5, -39.5, ..., -31.5, -30.5], [-29.5, -28.5, ..., ")
    assert inputs.endswith("; w = [[1, -2.5], [0, 3]])")
    numbers = re.findall(r"[^\[\],;=\s()][^\[\],;()\s]*", inputs.split(": ", 1)[1].split("; w =")[0])
    assert numbers and all(n == "..." or re.fullmatch(r"-?\d+(\.\d+)?", n) for n in numbers), numbers
