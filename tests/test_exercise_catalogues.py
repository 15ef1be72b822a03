"""Exercises ex02-ex05: their checks, mistake catalogues, wrong-answer fixtures and notebooks.

In-process and fast (no kernel, no nbgrader): the grading round trip through nbgrader is the
generic test of the grading pipeline, which picks up the same solutions/ and tests/mistakes/.

- every check passes the solution notebook's code, and the loop versions in ``course.naive``;
- every check's reference agrees with PyTorch (or a brute-force experiment) on its cases;
- every catalogued mistake, implemented as its ``compute``, is caught by at least one check and
  gets exactly its own message from the diagnosis wherever it fails;
- every fixture tests/mistakes/<id>/<mistake>.py, dropped into the solution, loses a check with
  EXPECT in the message;
- every check is recorded by its notebook, visible ids in the visible part, ``.hidden`` ids in the
  hidden part, and every graded cell has points;
- issue 19: the visible cases of every exercise (ex01-ex05) show every kind of input its hidden
  cases use (shapes, stride regimes, pairs, modes, dtypes), so that a student whose visible tests
  pass loses hidden points only for value-level bugs; and they tell the catalogued mistakes apart.
"""

from __future__ import annotations

import inspect
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from course.grading.checks import Check, Misconception, all_checks
from course.grading.diagnosis import diagnose
from course.grading.recorder import judge, run_cases

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = {
    "ex02": "ex02_convolution_2d",
    "ex03": "ex03_conv_layer",
    "ex04": "ex04_pooling",
    "ex05": "ex05_receptive_field",
}


def checks_of(prefix: str) -> list[Check]:
    return [c for cid, c in sorted(all_checks().items()) if cid.startswith(prefix + ".")]


ALL = [c for p in EXERCISES for c in checks_of(p)]


def notebook(prefix: str) -> dict[str, Any]:
    aid = EXERCISES[prefix]
    return json.loads((ROOT / "solutions" / aid / f"{aid}.ipynb").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _solution_code(prefix: str) -> str:
    cells = [c for c in notebook(prefix)["cells"] if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("solution")]
    return "\n\n".join("".join(c["source"]) for c in cells)


def solution_namespace(prefix: str) -> dict[str, Any]:
    """The solution notebook's solution cells, run in a fresh namespace (numpy imported as np)."""
    ns: dict[str, Any] = {"np": np}
    exec(compile(_solution_code(prefix), f"<{prefix} solution>", "exec"), ns)
    return ns


SEED = 20_261_205
"""A fixed seed for the hidden checks' cases here (the grader draws them from its secret)."""


@lru_cache(maxsize=None)
def cases_of(check_id: str) -> list[Any]:
    """The cases of ``check_id``: a visible check's own, a hidden one's from :data:`SEED`."""
    return all_checks()[check_id].make_cases(SEED)


def verdict(check: Check, fn: Any) -> tuple[bool, str | None]:
    cases = cases_of(check.id)
    passed, message, _ = judge(check, run_cases(check, fn, cases), cases)
    return passed, message


def misconception_student(check: Check, m: Misconception) -> Any:
    """A student with mistake ``m``: its wrong answer where the mistake applies, else right."""

    def student(*args: Any, **kwargs: Any) -> Any:
        try:
            return m.compute(*args, **kwargs)
        except Exception:
            return check.reference(*args, **kwargs)

    return student


# --------------------------------------------------------------------------------------------
# right answers pass
# --------------------------------------------------------------------------------------------
def test_every_exercise_has_checks() -> None:
    for prefix in EXERCISES:
        assert len(checks_of(prefix)) >= 6, prefix


@pytest.mark.parametrize("prefix", sorted(EXERCISES))
def test_solution_notebook_passes_every_check(prefix: str) -> None:
    ns = solution_namespace(prefix)
    for check in checks_of(prefix):
        passed, message = verdict(check, ns[check.function])
        assert passed, (check.id, message)


NAIVE = {
    "correlate2d": "course.naive.convolution",
    "convolve2d": "course.naive.convolution",
    "conv_layer_forward": "course.naive.layers",
    "max_pool2d": "course.naive.pooling",
    "avg_pool2d": "course.naive.pooling",
    "adaptive_max_pool2d": "course.naive.pooling",
    "receptive_field": "course.naive.receptive",
}


@pytest.mark.parametrize("check", [c for c in ALL if c.function in NAIVE], ids=lambda c: c.id)
def test_naive_loop_version_earns_the_points(check: Check) -> None:
    """The slow, readable loop versions (what a careful student writes) pass every check."""
    import importlib

    fn = getattr(importlib.import_module(NAIVE[check.function]), check.function)
    passed, message = verdict(check, fn)
    assert passed, message


# --------------------------------------------------------------------------------------------
# the references are right: PyTorch, or an experiment, on every case
# --------------------------------------------------------------------------------------------
def _t(a: Any) -> torch.Tensor:
    return torch.as_tensor(np.array(a, dtype=np.float64))  # a copy: no negative strides


def _torch_map(x: Any, op: Any) -> np.ndarray:
    """Apply a torch op to (H, W) or (C, H, W) through a (1, C, H, W) batch."""
    x = _t(x)
    batch = x[None, None] if x.ndim == 2 else x[None]
    out = op(batch)[0]
    return (out[0] if x.ndim == 2 else out).numpy()


def _conv_size_by_torch(n: int, k: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    return F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=stride, padding=padding, dilation=dilation).shape[-1]


def _receptive_by_experiment(layers: list[tuple[int, ...]]) -> int:
    """Backpropagate from one output unit of a 1-D stack with all-ones kernels; count the inputs it reaches."""
    triples = [(t[0], t[1], t[2] if len(t) > 2 else 1) for t in layers]
    n = 1
    for k, s, d in reversed(triples):  # an input just long enough for one output unit
        n = (n - 1) * s + d * (k - 1) + 1
    x = torch.zeros(1, 1, n, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, d in triples:
        y = F.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)
    y[0, 0, 0].backward()
    reached = np.flatnonzero(x.grad[0, 0].numpy())
    return int(reached[-1] - reached[0] + 1)


TORCH_REFERENCES = {
    "correlate2d": lambda x, w, stride=1, padding=0: F.conv2d(_t(x)[None, None], _t(w)[None, None], stride=stride, padding=padding)[0, 0].numpy(),
    "convolve2d": lambda x, w, stride=1, padding=0: F.conv2d(_t(x)[None, None], _t(np.asarray(w)[::-1, ::-1].copy())[None, None], stride=stride, padding=padding)[0, 0].numpy(),
    "conv_output_size": _conv_size_by_torch,
    "conv_layer_forward": lambda x, weight, bias, stride=1, padding=0: F.conv2d(_t(x)[None], _t(weight), _t(bias), stride=stride, padding=padding)[0].numpy(),
    "count_conv_parameters": lambda c_in, c_out, kernel_size, bias=True: sum(
        p.numel() for p in torch.nn.Conv2d(c_in, c_out, kernel_size, bias=bias, device="meta").parameters()
    ),
    "max_pool2d": lambda x, size, stride=None: _torch_map(x, lambda b: F.max_pool2d(b, size, size if stride is None else stride)),
    "avg_pool2d": lambda x, size, stride=None: _torch_map(x, lambda b: F.avg_pool2d(b, size, size if stride is None else stride)),
    "adaptive_max_pool2d": lambda x, output_size: _torch_map(x, lambda b: F.adaptive_max_pool2d(b, output_size)),
    "receptive_field": _receptive_by_experiment,
}


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_reference_agrees_with_pytorch(check: Check) -> None:
    independent = TORCH_REFERENCES[check.function]
    for args, kwargs in cases_of(check.id):
        ours, theirs = check.reference(*args, **kwargs), independent(*args, **kwargs)
        assert np.shape(ours) == np.shape(theirs), (check.id, args, kwargs)
        np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), atol=1e-9)


def test_lecture_example_is_the_slide() -> None:
    from course.grading.exercises import convolution_2d as ex02

    assert ex02.LECTURE_Y.tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    np.testing.assert_array_equal(TORCH_REFERENCES["correlate2d"](ex02.LECTURE_X, ex02.LECTURE_W), ex02.LECTURE_Y)


def test_hidden_cases_are_deterministic_and_small() -> None:
    """Same cases for the same seed (identical regrades); maps at most 32x32 and 4 channels (loops stay fast)."""
    for check in ALL:
        first, second = check.make_cases(SEED), check.make_cases(SEED)
        assert len(first) == len(second) > 0, check.id
        for (a1, k1), (a2, k2) in zip(first, second):
            assert k1 == k2, check.id
            for u, v in zip(a1, a2):
                np.testing.assert_array_equal(np.asarray(u, dtype=object), np.asarray(v, dtype=object))
                if isinstance(u, np.ndarray) and u.ndim >= 2:
                    assert u.shape[-1] <= 32 and u.shape[-2] <= 32, (check.id, u.shape)
                    assert u.ndim == 2 or u.shape[0] <= 4, (check.id, u.shape)


# --------------------------------------------------------------------------------------------
# the catalogues name the right mistake
# --------------------------------------------------------------------------------------------
CATALOGUE = [(c, m) for c in ALL for m in c.misconceptions]


@lru_cache(maxsize=None)
def mistake_verdict(check_id: str, name: str) -> tuple[bool, str | None]:
    """The verdict of check ``check_id`` on a student with mistake ``name`` (computed once)."""
    check = all_checks()[check_id]
    m = next(m for m in check.misconceptions if m.name == name)
    return verdict(check, misconception_student(check, m))


@pytest.mark.parametrize("check,m", CATALOGUE, ids=[f"{c.id}:{m.name}" for c, m in CATALOGUE])
def test_mistake_gets_its_own_message(check: Check, m: Misconception) -> None:
    """Wherever a student with this mistake fails a check, the feedback names this mistake."""
    passed, message = mistake_verdict(check.id, m.name)
    if not passed:
        assert message is not None and m.message in message, message


def test_every_mistake_is_caught_by_some_check() -> None:
    for prefix in EXERCISES:
        by_name: dict[tuple[str, str], bool] = {}
        for check in checks_of(prefix):
            for m in check.misconceptions:
                key = (check.function, m.name)
                by_name[key] = by_name.get(key, False) or not mistake_verdict(check.id, m.name)[0]
        missed = [k for k, caught in by_name.items() if not caught]
        assert not missed, missed


def test_every_mistake_is_wrong_somewhere_and_messages_are_distinct() -> None:
    for check in ALL:
        names = [m.name for m in check.misconceptions]
        assert len(set(names)) == len(names), check.id
        messages = [m.message for m in check.misconceptions]
        assert all(len(msg) > 30 for msg in messages), check.id


def test_diagnose_names_a_mistake_on_one_case() -> None:
    """The catalogue through course.grading.diagnose directly: the slide's example with the kernel flipped."""
    from course.grading.exercises import convolution_2d as ex02

    check = all_checks()["ex02.correlate2d.valid"]
    case = ((ex02.LECTURE_X, ex02.LECTURE_W), {})
    wrong = TORCH_REFERENCES["correlate2d"](ex02.LECTURE_X, ex02.LECTURE_W[::-1, ::-1])
    assert diagnose(check, case, wrong, ex02.LECTURE_Y) == ex02.MSG_CORRELATE_FLIPPED
    assert diagnose(check, case, ex02.LECTURE_Y.copy(), ex02.LECTURE_Y) is None


# --------------------------------------------------------------------------------------------
# wrong-answer fixtures for the nbgrader round trip
# --------------------------------------------------------------------------------------------
FIXTURES = sorted(p for prefix in EXERCISES for p in (ROOT / "tests" / "mistakes" / EXERCISES[prefix]).glob("*.py"))


def test_fixtures_cover_every_catalogue_entry() -> None:
    for prefix, aid in EXERCISES.items():
        folder = ROOT / "tests" / "mistakes" / aid
        names = {p.stem for p in folder.glob("*.py")}
        for check in checks_of(prefix):
            for m in check.misconceptions:
                assert f"{check.function}_{m.name}" in names, f"no fixture for {check.function}: {m.name}"


SHORTCUTS = [p for p in FIXTURES if "_shortcut_" in p.stem]


@pytest.mark.parametrize("path", SHORTCUTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shortcut_fixture_is_caught_by_the_scan(path: Path) -> None:
    """A right answer through a forbidden library function: the no-shortcut scan names it."""
    from course.grading.static import find_shortcuts

    prefix = path.parent.name[:4]
    source = path.read_text(encoding="utf-8")
    fixture: dict[str, Any] = {}
    exec(compile(source, str(path), "exec"), {"np": np}, fixture)
    function = path.stem.split("_shortcut_")[0]
    checks = [c for c in checks_of(prefix) if c.function == function]
    assert checks
    ns = solution_namespace(prefix)
    exec(compile(source, str(path), "exec"), ns)
    for check in checks:
        assert verdict(check, ns[function])[0], "the shortcut gives right answers: only the scan takes the points"
        found = find_shortcuts([_solution_code(prefix), source], function, check.forbidden)
        assert any(fixture["EXPECT"] == f"calls {name}" for name in found), found


@pytest.mark.parametrize("path", [p for p in FIXTURES if p not in SHORTCUTS], ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_loses_points_with_its_message(path: Path) -> None:
    prefix = path.parent.name[:4]
    source = path.read_text(encoding="utf-8")
    fixture: dict[str, Any] = {}
    exec(compile(source, str(path), "exec"), {"np": np}, fixture)
    expect = fixture["EXPECT"]
    assert isinstance(expect, str) and expect and not re.search(r"[<>&\"']", expect), expect
    functions = [n for n, v in fixture.items() if callable(v)]
    assert functions, "a fixture defines at least one graded function"
    ns = solution_namespace(prefix)
    exec(compile(source, str(path), "exec"), ns)  # the fixture's defs replace the solution's
    messages = []
    for check in checks_of(prefix):
        if check.function in functions:
            passed, message = verdict(check, ns[check.function])
            if not passed:
                messages.append(message)
    assert messages, "the mistake passes every check"
    assert any(expect in msg for msg in messages), messages


# --------------------------------------------------------------------------------------------
# notebooks
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prefix", sorted(EXERCISES))
def test_notebook_records_every_check(prefix: str) -> None:
    nb = notebook(prefix)
    visible, hidden = [], []
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and meta.get("grade"):
            assert meta.get("points", 0) > 0 and meta.get("locked"), meta
            head, _, rest = source.partition("### BEGIN HIDDEN TESTS")
            visible += re.findall(r'record\("([^"]+)"', head)
            hidden += re.findall(r'record\("([^"]+)"', rest)
            assert re.findall(r'record\("([^"]+)"', head), f"graded cell {meta['grade_id']} has no visible test"
        elif "record(" in source:
            pytest.fail(f"record() outside a graded cell: {source[:80]}")
    ids = {c.id for c in checks_of(prefix)}
    assert set(visible) | set(hidden) == ids
    assert all(not i.endswith(".hidden") for i in visible) and all(i.endswith(".hidden") for i in hidden)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        assert cell.get("outputs", []) == [] and cell.get("execution_count") is None
        assert "/work/" not in "".join(cell["source"])


@pytest.mark.parametrize("prefix", sorted(EXERCISES))
def test_notebook_names_its_lecture_and_shows_a_figure(prefix: str) -> None:
    text = "".join("".join(c["source"]) for c in notebook(prefix)["cells"])
    assert re.search(r"lectures/0\d_\w+\.ipynb", text)
    assert "course.plotting" in text and "show_grid" in text


LECTURE_LINK = re.compile(r"\[[^\]]+\]\((\.\./\.\./lectures/0\d_\w+\.ipynb)\)")


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
@pytest.mark.parametrize("aid", sorted(p.name for p in (ROOT / "solutions").iterdir() if p.name.startswith("ex")))
def test_exercise_links_to_existing_lectures(folder: str, aid: str) -> None:
    """Issue 19: the exercise names its lecture(s) in its first cell as a relative markdown link
    that opens the lecture (the lectures were renumbered: pooling 04, receptive field 05), and
    every lecture it mentions is such a link, not plain text."""
    path = ROOT / folder / aid / f"{aid}.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    links = LECTURE_LINK.findall("".join(cells[0]["source"]))
    assert links, f"{aid}: the first cell links no lecture"
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    for target in LECTURE_LINK.findall(text):
        assert (path.parent / target).resolve().is_file(), target
    assert not re.search(r"`lectures/0\d_\w+\.ipynb`", text), "a lecture named as plain text"


# --------------------------------------------------------------------------------------------
# issue 19: the visible cases show every kind of input the hidden cases use
# --------------------------------------------------------------------------------------------
def _pair(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))


def _argument_kinds(name: str, value: Any) -> set[str]:
    """What kind of value an argument is: array rank, dtype and squareness; int, pair
    (rectangular or not), None, a flag, a mode."""
    if isinstance(value, np.ndarray):
        kinds = {f"{name}: {value.ndim}-D, dtype kind {value.dtype.kind}"}
        if value.ndim >= 2:
            kinds.add(f"{name}: {'square' if value.shape[-1] == value.shape[-2] else 'non-square'}")
        return kinds
    if value is None or isinstance(value, (bool, str)):
        return {f"{name}: {value!r}"}
    if isinstance(value, (int, np.integer)):
        return {f"{name}: int"}
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, (int, np.integer)) for v in value):
        return {f"{name}: {'rectangular' if value[0] != value[1] else 'square'} pair"}
    return set()


def _stride_regime(n: int, span: int, s: int, p: int = 0) -> str:
    """Along one axis: stride 1; or windows that reach the end exactly ((n + 2p - span) divisible
    by s); or a leftover that the floor rule drops."""
    if s == 1:
        return "stride 1"
    return "stride > 1, windows fit exactly" if (n + 2 * p - span) % s == 0 else "stride > 1, leftover dropped"


def _function_kinds(function: str, bound: dict[str, Any]) -> set[str]:
    """The regimes that matter for ``function`` (stride regimes per axis, overlap, bins...)."""
    kinds: set[str] = set()
    if function in ("correlate2d", "convolve2d", "conv_layer_forward"):
        x, w = np.asarray(bound["x"]), np.asarray(bound["w" if "w" in bound else "weight"])
        s, p = int(bound.get("stride", 1)), int(bound.get("padding", 0))
        kinds |= {_stride_regime(x.shape[a], w.shape[a], s, p) for a in (-2, -1)} | {f"padding {'0' if p == 0 else '> 0'}"}
        if function == "conv_layer_forward":
            kinds |= {f"{'one' if x.shape[0] == 1 else 'several'} input maps", f"{'one' if w.shape[0] == 1 else 'several'} output maps"}
    elif function == "conv_output_size":
        d, p = int(bound.get("dilation", 1)), int(bound.get("padding", 0))
        span = d * (int(bound["k"]) - 1) + 1
        kinds |= {_stride_regime(int(bound["n"]), span, int(bound.get("stride", 1)), p), f"padding {'0' if p == 0 else '> 0'}",
                  f"dilation {'1' if d == 1 else '> 1'}"}
    elif function in ("max_pool2d", "avg_pool2d"):
        x = np.asarray(bound["x"])
        size = bound["size"]
        stride = bound.get("stride")
        for n, k, s in zip(x.shape[-2:], _pair(size), _pair(size if stride is None else stride)):
            kinds.add("windows overlap" if s < k else "windows side by side" if s == k else "gaps between windows")
            kinds.add("windows fit exactly" if (n - k) % s == 0 else "leftover dropped")
    elif function == "adaptive_max_pool2d":
        x = np.asarray(bound["x"])
        for n, o in zip(x.shape[-2:], _pair(bound["output_size"])):
            kinds.add("one bin" if o == 1 else "one cell per bin" if o == n else "even bins" if n % o == 0 else "uneven bins")
            starts, ends = [(i * n) // o for i in range(o)], [-(-((i + 1) * n) // o) for i in range(o)]
            if any(ends[i] > starts[i + 1] for i in range(o - 1)):
                kinds.add("overlapping bins")
    elif function == "count_conv_parameters":
        kinds.add("c_in 1" if bound["c_in"] == 1 else "c_in > 1")
    elif function == "receptive_field":
        layers = bound["layers"]
        kinds.add("one layer" if len(layers) == 1 else "several layers")
        kinds |= {f"a layer of {len(t)} numbers" for t in layers}
        kinds |= {"a stride > 1" for t in layers if t[1] > 1} | {"a dilation > 1" for t in layers if len(t) > 2 and t[2] > 1}
        kinds |= {"a 1-tap kernel" for t in layers if t[0] == 1}
    elif function in ("convolve1d", "correlate1d"):
        n, k = len(bound["x"]), len(bound["w"])
        kinds |= {"kernel longer than x" if k > n else "kernel as long as x" if k == n else "kernel shorter than x",
                  f"kernel length {'even' if k % 2 == 0 else 'odd'}", "one-tap kernel" if k == 1 else "several taps"}
    return kinds


def case_kinds(check: Check, case: Any) -> set[str]:
    """Every kind of input ``case`` is, by the reference's parameter names (an argument left out
    is the kind "default")."""
    args, kwargs = case
    params = list(inspect.signature(check.reference).parameters)
    bound = dict(zip(params, args)) | dict(kwargs)
    kinds = {f"{name}: default" for name in params if name not in bound}
    for name, value in bound.items():
        kinds |= _argument_kinds(name, value)
    return kinds | _function_kinds(check.function, bound)


KINDS_EXERCISES = ("ex01", "ex02", "ex03", "ex04", "ex05")
HIDDEN = [c for cid, c in sorted(all_checks().items()) if c.hidden and cid[:4] in KINDS_EXERCISES]


@pytest.mark.parametrize("check", HIDDEN, ids=lambda c: c.id)
def test_visible_cases_show_every_kind_of_hidden_input(check: Check) -> None:
    """Issue 19: validate said "Success!" and the grade lost points on kinds of input the visible
    tests never showed (a stride whose windows fit exactly, rectangular windows and output sizes).
    Every kind of the hidden check's input is among its visible twin's cases (the same graded
    cell), so a mistake named from the visible cases has seen every kind the hidden ones hold."""
    twin = all_checks()[check.id.removesuffix(".hidden")]
    shown = set().union(*(case_kinds(twin, case) for case in twin.make_cases()))
    for seed in (SEED, 1, 2):
        hidden = set().union(*(case_kinds(check, case) for case in check.make_cases(seed)))
        assert hidden <= shown, (seed, sorted(hidden - shown))


def test_case_kinds_tell_the_issue19_regimes_apart() -> None:
    """The kinds above see what issue 19 found missing: the check is real, not a tautology."""
    layer = all_checks()["ex03.conv_layer_forward.stride_padding"]
    x, w, b = np.zeros((2, 5, 6)), np.zeros((3, 2, 3, 2)), np.zeros(3)
    assert "stride > 1, windows fit exactly" in case_kinds(layer, ((x, w, b), {"stride": 2, "padding": 1}))
    assert "stride > 1, windows fit exactly" not in case_kinds(layer, ((np.zeros((2, 6, 7)), w, b), {"stride": 2}))
    pool = all_checks()["ex04.max_pool2d.stride"]
    assert "size: rectangular pair" in case_kinds(pool, ((np.zeros((4, 6)), (2, 3)), {}))
    adaptive = all_checks()["ex04.adaptive_max_pool2d.all"]
    assert "output_size: rectangular pair" in case_kinds(adaptive, ((np.zeros((6, 9)), (2, 4)), {}))
    before_issue19 = [((np.zeros((5, 5)), 3), {}), ((np.zeros((4, 4)), 2), {})]  # the old visible cases
    old = set().union(*(case_kinds(adaptive, c) for c in before_issue19))
    assert "output_size: rectangular pair" not in old and "x: non-square" not in old


@pytest.mark.parametrize("check", [c for c in ALL if not c.hidden], ids=lambda c: c.id)
def test_visible_cases_tell_the_catalogued_mistakes_apart(check: Check) -> None:
    """A student with one catalogued mistake is told that mistake alone by the visible check (no
    other mistake gives the same outputs there), so validate never names two where one was made."""
    from course.grading.diagnosis import Outcome, explaining_mistakes
    from course.grading.recorder import decode

    cases = cases_of(check.id)
    expected = [check.reference(*a, **k) for a, k in cases]
    for m in check.misconceptions:
        results = run_cases(check, misconception_student(check, m), cases)
        outcomes = [Outcome(value=decode(r["value"])) if r["ok"] else Outcome(error=r["error"]) for r in results]
        if all(o.error is None and check.compare(o.value, e) for o, e in zip(outcomes, expected)):
            continue
        assert [n.name for n in explaining_mistakes(check, cases, outcomes, expected)] == [m.name], m.name


@pytest.mark.parametrize("check,m", [(c, m) for c, m in CATALOGUE if c.hidden],
                         ids=[f"{c.id}:{m.name}" for c, m in CATALOGUE if c.hidden])
def test_a_mistake_that_loses_hidden_points_fails_the_visible_test_too(check: Check, m: Misconception) -> None:
    """Issue 19: a student with a catalogued mistake who loses the hidden points of a graded cell
    already fails its visible test (validate does not say "Success!")."""
    if not mistake_verdict(check.id, m.name)[0]:
        visible = check.id.removesuffix(".hidden")
        assert not mistake_verdict(visible, m.name)[0], visible


def _clip_kinds(case: Any) -> set[str]:
    """ex06's inputs by role: batches of clips (per-clip shape and dtype) and labels (dtype, classes)."""
    kinds: set[str] = set()
    for value in case[0]:
        if isinstance(value, np.ndarray) and value.ndim == 4:
            kinds.add(f"clips {value.shape[1:]} {value.dtype}")
        elif isinstance(value, np.ndarray) and value.ndim == 1:
            kinds.add(f"labels {value.dtype} of classes {sorted(set(value.tolist()))}")
    return kinds


def test_ex06_visible_cases_show_the_hidden_kinds_of_input() -> None:
    """ex06's hidden test set and train probe hold clips and labels of the kinds the visible
    validation set and gradient check show (same per-clip shape, dtype, classes)."""
    ex06 = [c for cid, c in sorted(all_checks().items()) if cid.startswith("ex06.") and c.function in ("model", "train")]
    shown = set().union(*(_clip_kinds(case) for c in ex06 if not c.hidden for case in c.make_cases()))
    hidden_checks = {c.seed_key or c.id: c for c in ex06 if c.hidden}  # the six accuracy checks share one set
    assert len(hidden_checks) == 2, sorted(hidden_checks)
    for check in hidden_checks.values():
        hidden = set().union(*(_clip_kinds(case) for case in check.make_cases(SEED)))
        assert hidden and hidden <= shown, (check.id, sorted(hidden - shown))
