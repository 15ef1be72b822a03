"""The kernel's boot and the grader's check of its records, without a notebook server.

The boot erases functions and loaders and installs an audit hook, none of which can be undone in
a process: each boot test runs in a fresh Python subprocess that plays the kernel (plain case
files in its folder, as ``GuardedExecute`` leaves them). ``RecordVerdicts`` is tested on small
notebooks holding the records such a kernel (or a forger) would leave.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course.grading import casefile
from course.grading.checks import get
from course.grading.inject import SentCall, prepare_cell
from course.grading.preprocessors import RecordVerdicts

KERNEL = '''
import json, sys
import numpy as np
captured = []
import IPython.display
IPython.display.publish_display_data = lambda data, **kw: captured.append(data)
import course.grading.guard as guard
guard.boot("ex01_convolution_1d", preload=("numpy", "numpy.ma"),
           stand_ins={"matplotlib": "noop", "scipy": "absent", "numpy.polynomial": "absent"})
def own(x, w, mode="full"):
    out = np.zeros(len(x) + len(w) - 1)
    for i in range(len(x)):
        out[i:i + len(w)] += x[i] * np.asarray(w, dtype=float)
    return out
results = {}
def attempt(name, fn):
    try:
        results[name] = repr(fn())[:200]
    except BaseException as exc:
        results[name] = f"{type(exc).__name__}: {exc}"
def graded(name, fn, nonce):
    try:
        __course_guard__.run("ex01.convolve1d.full", fn, nonce)
        results[name] = captured[-1]["application/vnd.course.record+json"]
    except BaseException as exc:
        results[name] = f"{type(exc).__name__}: {exc}"
'''


def _kernel(tmp_path: Path, body: str, calls: list[str] = ()) -> dict:
    """Run ``KERNEL`` + ``body`` in a subprocess in ``tmp_path``, with one case file per name in
    ``calls`` (``nonces[name]`` in the body); return ``results`` and the folder's files."""
    cases = [((np.arange(6.0), np.array([1.0, -2.0, 0.5])), {"mode": "full"})]
    nonces = {}
    for name in calls:
        nonces[name] = secrets.token_hex(16)
        (tmp_path / casefile.case_file_name(nonces[name])).write_bytes(casefile.encode_cases(cases))
    code = KERNEL + f"nonces = {nonces!r}\n" + textwrap.dedent(body) + "\nprint('@@' + json.dumps(results))\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("@@")][-1]
    return {"results": json.loads(line[2:]), "files": sorted(p.name for p in tmp_path.iterdir())}


def test_an_honest_call_is_recorded_and_its_case_file_is_gone(tmp_path: Path) -> None:
    out = _kernel(tmp_path, 'graded("own", own, nonces["own"])', ["own"])
    record = out["results"]["own"]
    assert record["nonce"] and record["check"] == "ex01.convolve1d.full"
    outputs = json.loads(record["outputs"])
    assert outputs[0]["ok"] and np.allclose(casefile.decode_output(outputs[0]["value"]),
                                            np.convolve(np.arange(6.0), [1.0, -2.0, 0.5]))
    assert out["files"] == []


ROUTES = {
    "np.convolve": "np.convolve([1, 2], [1, 1])",
    "np.correlate": "np.correlate([1, 2], [1, 1])",
    "np.polymul": "np.polymul([1, 2], [1, 1])",
    "np.ma.convolve": "np.ma.convolve([1, 2], [1, 1])",
    "numpy.polynomial": "np.polynomial.polynomial.polymul([1, 2], [1, 1])",
    "legendre by a built name": "__import__('pkgutil').resolve_name('numpy.poly' + 'nomial.legendre').legmul([1, 2], [1, 1])",
    "hermite imported": "__import__('numpy.polynomial.hermite', fromlist=['x']).hermmul([1, 2], [1, 1])",
    "laguerre from the package": "np.polynomial.laguerre.lagmul([1, 2], [1, 1])",
    "Polynomial product": "np.polynomial.Polynomial([1, 2]) * np.polynomial.Polynomial([1, 1])",
    "private C function": "__import__('numpy._core._multiarray_umath', fromlist=['x']).correlate2(np.ones(2), np.ones(2), 2)",
    "pickle": "__import__('pickle').loads(b'cnumpy._core.multiarray\\ncorrelate\\n.')(np.ones(2), np.ones(2), 2)",
    "a thread": "(lambda box: (__import__('threading').Thread(target=lambda: box.append(np.convolve([1], [1]))).start(), box))([])",
}

POLYNOMIAL_ROUTES = {"numpy.polynomial", "legendre by a built name", "hermite imported", "laguerre from the package",
                     "Polynomial product"}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_numpys_convolution_is_absent_whatever_the_route(tmp_path: Path, route: str) -> None:
    result = _kernel(tmp_path, f"attempt('r', lambda: {ROUTES[route]})")["results"]["r"]
    if route == "a thread":  # the thread's own exception: nothing was appended
        assert result.endswith("[])"), result
        return
    if route in POLYNOMIAL_ROUTES:  # the whole package is absent (a stand-in that raises on use)
        assert result.startswith("NotAvailableWhileGrading: numpy.polynomial"), result
        assert "while grading ex01_convolution_1d: write the loop yourself" in result, result
        return
    assert result.startswith("NotAvailableWhileGrading: numpy's convolution"), result
    assert "ex01_convolution_1d: write the loop yourself" in result


def test_no_copy_of_an_erased_function_is_left_anywhere(tmp_path: Path) -> None:
    body = '''
import gc
names = {"correlate", "correlate2", "fork_exec", "create_dynamic", "create_builtin", "fork", "execv", "system"}
found = []
for obj in gc.get_objects():
    values = list(obj.values()) if type(obj) is dict else [obj]
    for v in values:
        if type(v).__name__ == "builtin_function_or_method" and v.__name__ in names:
            found.append(f"{getattr(v, '__module__', '?')}.{v.__name__}")
results["found"] = sorted(set(found))
'''
    assert _kernel(tmp_path, body)["results"]["found"] == []


def test_no_native_code_loads_after_boot(tmp_path: Path) -> None:
    body = '''
import importlib, importlib.util, importlib.machinery, _imp
name = "numpy._core._multiarray_umath"
mod = sys.modules[name]
attempt("create_dynamic", lambda: _imp.create_dynamic(importlib.util.spec_from_file_location(name, mod.__file__)))
attempt("reload", lambda: importlib.reload(mod).correlate2(np.ones(2), np.ones(2), 2))
attempt("extension loader", lambda: importlib.util.module_from_spec(importlib.util.spec_from_file_location(
    name, mod.__file__, loader=importlib.machinery.ExtensionFileLoader(name, mod.__file__))).correlate2)
del sys.modules[name]
attempt("sys.modules", lambda: importlib.import_module(name).correlate2(np.ones(2), np.ones(2), 2))
sys.modules[name] = mod
attempt("sub-interpreters", lambda: importlib.import_module("_xxsubinterpreters"))
attempt("a built-in module", lambda: importlib.import_module("_testcapi"))
try:  # an extension module that is not preloaded: the ordinary ImportError of a missing module
    import mmap
    results["try import"] = "imported"
except ImportError as exc:
    results["try import"] = f"ImportError: {exc}"
'''
    results = _kernel(tmp_path, body)["results"]
    assert results["create_dynamic"] == "ImportError: native code cannot be loaded while grading", results
    assert results["try import"] == "ImportError: native code cannot be loaded while grading", results
    for how, result in results.items():
        assert result.startswith(("ImportError", "NotAvailableWhileGrading", "ModuleNotFoundError")), (how, result)


def test_no_process_can_be_started(tmp_path: Path) -> None:
    body = '''
import os, subprocess, pty
attempt("fork", lambda: os.fork())
attempt("subprocess", lambda: subprocess.run([sys.executable, "-c", "print(1)"]))
attempt("system", lambda: os.system("true"))
attempt("posix_spawn", lambda: os.posix_spawn(sys.executable, [sys.executable], {}))
attempt("exec", lambda: os.execv(sys.executable, [sys.executable]))
attempt("fork_exec", lambda: sys.modules["_posixsubprocess"].fork_exec())
attempt("pty", lambda: pty.fork())
attempt("popen", lambda: os.popen("echo hi").read())
'''
    for how, result in _kernel(tmp_path, body)["results"].items():
        assert result.startswith(("PermissionError", "NotAvailableWhileGrading", "AttributeError")), (how, result)


def test_the_audit_hook_holds_nothing(tmp_path: Path) -> None:
    body = '''
try:
    open("/proc/self/mem", "rb")
except PermissionError as exc:
    tb, frames = exc.__traceback__, []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    hook = [f for f in frames if f.f_code.co_name == "_hook"]
    results["hook frames"] = len(hook)
    results["hook locals"] = sorted(hook[0].f_locals) if hook else None
    results["free vars"] = list(hook[0].f_code.co_freevars) if hook else None
    results["globals used"] = list(hook[0].f_code.co_names) if hook else None
results["profiler"] = repr(sys.getprofile())
'''
    results = _kernel(tmp_path, body)["results"]
    # its frame is reachable, and holds the event and its arguments only: no closure, and no
    # global or builtin a cell could replace other than the exception it raises
    assert results["hook frames"] == 1
    assert results["hook locals"] == ["args", "event"] and results["free vars"] == []
    assert set(results["globals used"]) <= {"PermissionError", "startswith", "endswith", "__class__"}, results
    assert results["profiler"] == "None"


def test_honest_habits_and_stand_ins_after_boot(tmp_path: Path) -> None:
    body = '''
attempt("display", lambda: __import__("IPython.display", fromlist=["x"]).Markdown("**x**")._repr_markdown_())
attempt("random", lambda: __import__("random").random() < 1)
attempt("plot", lambda: __import__("matplotlib.pyplot", fromlist=["x"]).subplots(1, 2)[1].shape)
attempt("scipy import", lambda: __import__("scipy.signal", fromlist=["x"]).__name__)
attempt("scipy use", lambda: __import__("scipy.signal", fromlist=["x"]).convolve([1], [1]))
def plotting_habits():  # what honest notebooks unpack and test, with matplotlib's shapes
    import matplotlib.pyplot as plt, matplotlib.figure, matplotlib.axes
    fig, ax = plt.subplots()
    line, = ax.plot([0, 1, 2])
    counts, edges, patches = plt.hist([1, 2, 2, 3])
    assert (len(counts), len(edges), len(patches)) == (10, 11, 10)
    counts, edges, patches = ax.hist([1, 2], bins=[0, 1, 2, 3])
    assert (len(counts), len(edges), len(patches)) == (3, 4, 3)
    lo, hi = ax.get_ylim()
    lo, hi = plt.xlim(0, 3)
    assert isinstance(fig, plt.Figure) and isinstance(fig, matplotlib.figure.Figure)
    assert isinstance(ax, matplotlib.axes.Axes) and isinstance(plt.Figure(figsize=(2, 2)), plt.Figure)
    fig, (ax1, ax2) = plt.subplots(1, 2)
    fig, axes = plt.subplots(2, 3)
    axes[1, 2].plot([1])
    assert axes.shape == (2, 3) and plt.subplots(3, 1, squeeze=False)[1].shape == (3, 1)
    fig, axes = plt.subplots(nrows=2, ncols=2)
    (a, b), (c, d) = axes
    return "drawn"
attempt("plotting habits", plotting_habits)
'''
    results = _kernel(tmp_path, body)["results"]
    assert results["display"] == "'**x**'" and results["random"] == "True" and results["plot"] == "(2,)"
    assert results["scipy import"] == "'scipy.signal'"
    assert results["plotting habits"] == "'drawn'", results["plotting habits"]
    assert results["scipy use"] == ("NotAvailableWhileGrading: scipy.signal.convolve is not available while "
                                    "grading ex01_convolution_1d: write the loop yourself")


# --- the grader's side ------------------------------------------------------------------------
CHECK = "ex01.convolve1d.full"


def _notebook(n_test_cells: int = 1) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("def convolve1d(x, w, mode='full'):\n    pass\n",
                                              metadata={"nbgrader": {"solution": True, "grade": False,
                                                                     "grade_id": "answer", "locked": False,
                                                                     "schema_version": 3}}))
    for i in range(n_test_cells):
        nb.cells.append(nbformat.v4.new_code_cell(
            f'from course.grading import record\nrecord("{CHECK}", convolve1d)\n',
            metadata={"nbgrader": {"grade": True, "solution": False, "locked": True, "points": 1,
                                   "grade_id": f"test-{i}", "schema_version": 3}}))
    return nb


def _record(nonce: str, outputs: list) -> dict:
    text = json.dumps(outputs, separators=(",", ":"))
    payload = {"version": casefile.FORMAT_VERSION, "check": CHECK, "nonce": nonce, "outputs": text}
    return nbformat.v4.new_output("display_data", data={casefile.RECORD_MIMETYPE: payload})


def _right_outputs(cases: list) -> list:
    check = get(CHECK)
    return [{"ok": True, "value": casefile.encode_output(check.reference(*a, **k))} for a, k in cases]


def _decide(nb: nbformat.NotebookNode, sent: list[SentCall]) -> dict:
    _, resources = RecordVerdicts().preprocess(nb, {"course_guard": {"calls": sent}})
    return nb.metadata["course_grading"]


@pytest.fixture
def call() -> SentCall:
    return SentCall(CHECK, secrets.token_hex(16), 1, get(CHECK).make_cases())


def test_a_genuine_record_in_its_cell_passes(call) -> None:
    sent = call
    nb = _notebook()
    nb.cells[1].outputs = [_record(sent.nonce, _right_outputs(sent.cases))]
    meta = _decide(nb, [sent])
    assert meta["cells"]["test-0"]["passed"] is True and meta["tampering"] == [] and meta["review"] == []


@pytest.mark.parametrize("forgery", ["unknown nonce", "duplicate", "wrong cell"])
def test_records_the_grader_cannot_trust_mean_tampering(call, forgery: str) -> None:
    sent = call
    nb = _notebook(2)
    good = _record(sent.nonce, _right_outputs(sent.cases))
    nb.cells[1].outputs = [good]
    if forgery == "unknown nonce":
        nb.cells[1].outputs.append(_record("1" * 32, _right_outputs(sent.cases)))
    elif forgery == "duplicate":
        nb.cells[1].outputs.append(good)
    else:
        nb.cells[2].outputs = [good]
    meta = _decide(nb, [sent])
    assert meta["tampering"], meta
    assert all(v["passed"] is False for v in meta["cells"].values())


def test_no_record_and_no_error_goes_to_a_person(call) -> None:
    sent = call
    meta = _decide(_notebook(), [sent])
    assert meta["cells"]["test-0"]["kind"] == "Review" and meta["review"]


def test_prepare_cell_sends_secret_cases_and_rewrites_only_the_call(tmp_path: Path) -> None:
    source = 'from course.grading import record\n\n# visible\nrecord("ex01.convolve1d.full.hidden", convolve1d)\n'
    out, sent = prepare_cell(source, 3, str(tmp_path), b"s" * 32, None)
    assert out.startswith("from course.grading import record\n\n# visible\n__course_guard__.run(")
    assert out.replace("'", '"').rstrip().endswith(f'convolve1d, "{sent[0].nonce}")')
    blob = (tmp_path / casefile.case_file_name(sent[0].nonce)).read_bytes()
    cases = casefile.decode_cases(blob)
    again = get("ex01.convolve1d.full.hidden").make_cases(get("ex01.convolve1d.full.hidden").seed_from(b"s" * 32))
    assert len(cases) == len(again) and all(np.array_equal(a[0][0], b[0][0]) for a, b in zip(cases, again))


def test_the_static_scan_resolves_names_bound_in_locked_cells(call) -> None:
    # `np` comes from the release's locked import cell; the record itself is clean (as if the
    # guard had missed the call): the scan alone must still see numpy's convolve
    sent = call
    nb = _notebook()
    nb.cells.insert(0, nbformat.v4.new_code_cell("import numpy as np", metadata={"nbgrader": {
        "grade": False, "solution": False, "locked": True, "grade_id": "imports", "schema_version": 3}}))
    nb.cells[1].source = "def convolve1d(x, w, mode='full'):\n    return np.convolve(x, w, mode)\n"
    sent.cell_index = 2
    nb.cells[2].outputs = [_record(sent.nonce, _right_outputs(sent.cases))]
    meta = _decide(nb, [sent])
    assert meta["cells"]["test-0"]["kind"] == "Shortcut" and "numpy.convolve" in meta["cells"]["test-0"]["message"]
