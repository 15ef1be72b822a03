"""The kernel's guard and the grader's check of its records, without a notebook server.

The guard installs an audit hook, which cannot be removed from a process: each guard test runs in
a fresh Python subprocess that plays the kernel (key file and sealed cases in its folder, as
``GuardedExecute`` leaves them). ``RecordVerdicts`` is tested on small notebooks holding the
records such a kernel (or a forger) would leave.
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
guard.boot()
def own(x, w, mode="full"):
    out = np.zeros(len(x) + len(w) - 1)
    for i in range(len(x)):
        out[i:i + len(w)] += x[i] * np.asarray(w, dtype=float)
    return out
results = {}
def graded(name, fn, nonce, watch=True):
    try:
        __course_guard__.run("ex01.convolve1d.full", fn, nonce, watch)
        results[name] = captured[-1]["application/vnd.course.record+json"]
    except BaseException as exc:
        results[name] = f"{type(exc).__name__}: {exc}"
'''


def _kernel(tmp_path: Path, body: str, calls: list[str]) -> dict:
    """Run ``KERNEL`` + ``body`` in a subprocess in ``tmp_path``, with a key and one sealed case
    file per name in ``calls`` (``nonces[name]`` in the body); return ``results`` and the key."""
    key = secrets.token_bytes(32)
    (tmp_path / casefile.KEY_FILE).write_bytes(key)
    cases = [((np.arange(6.0), np.array([1.0, -2.0, 0.5])), {"mode": "full"})]
    nonces = {}
    for name in calls:
        nonces[name] = secrets.token_hex(16)
        sealed = casefile.seal(key, nonces[name], casefile.encode_cases(cases))
        (tmp_path / casefile.case_file_name(nonces[name])).write_bytes(sealed)
    code = KERNEL + f"nonces = {nonces!r}\n" + textwrap.dedent(body) + "\nprint('@@' + json.dumps(results))\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    line = [ln for ln in done.stdout.splitlines() if ln.startswith("@@")][-1]
    return {"results": json.loads(line[2:]), "key": key, "files": sorted(p.name for p in tmp_path.iterdir())}


def _genuine(record: dict, key: bytes) -> bool:
    message = casefile.record_message(record["nonce"], record["check"], record["outputs"], record["hits"],
                                      record["intact"])
    return casefile.record_mac(key, message) == record["mac"]


def test_an_honest_call_is_signed_and_its_files_are_gone(tmp_path: Path) -> None:
    out = _kernel(tmp_path, 'graded("own", own, nonces["own"])', ["own"])
    record = out["results"]["own"]
    assert _genuine(record, out["key"]) and record["hits"] == [] and record["intact"] is True
    value = casefile.decode_output(json.loads(record["outputs"])[0]["value"])
    np.testing.assert_allclose(value, np.convolve(np.arange(6.0), [1.0, -2.0, 0.5]))
    assert out["files"] == []  # key and case file read, then deleted


@pytest.mark.parametrize("route", [
    "np.convolve(x, w, mode)",
    "np.ma.convolve(x, w, mode=mode).data",
    "list(map(np._core.multiarray.correlate, [x], [np.asarray(w)[::-1]], [2]))[0]",
    "__import__('pickle').loads(b'cnumpy._core._multiarray_umath\\ncorrelate2\\n.')(x, np.asarray(w)[::-1], 2)",
    "__import__('scipy.linalg', fromlist=['x']).convolution_matrix(w, len(x)) @ x",
])
def test_a_whole_job_function_is_seen_whatever_the_route(tmp_path: Path, route: str) -> None:
    body = f'graded("route", lambda x, w, mode="full": {route}, nonces["route"])'
    record = _kernel(tmp_path, body, ["route"])["results"]["route"]
    assert record["hits"], record
    assert json.loads(record["outputs"])[0]["ok"], record  # the answer itself was right


def test_escape_hatches_are_refused_after_boot(tmp_path: Path) -> None:
    body = '''
    attempts = {
        "ctypes": "import ctypes; ctypes.CDLL(None)",
        "process": "import subprocess; subprocess.run(['true'])",
        "fork": "import os; os.fork()",
        "gc walk": "import gc; gc.get_objects()",
        "profiler off": "sys.setprofile(None)",
        "tracer": "sys.settrace(lambda *a: None)",
        "process memory": "open('/proc/self/mem', 'rb')",
        "code swap": "own.__code__ = (lambda x, w, mode='full': x).__code__",
        "second numpy core": "del sys.modules['numpy._core._multiarray_umath']; import numpy._core._multiarray_umath",
        "fake begin": "sys.audit('course.guard.begin', '0' * 32, True, [])",
        "original via the hook": "sys.audit('course.guard.call', 'numpy._core._multiarray_umath.correlate', (np.ones(3), np.ones(2), 0), {}, [])",
    }
    for name, code in attempts.items():
        try:
            exec(code)
            results[name] = "allowed"
        except BaseException as exc:
            results[name] = type(exc).__name__
    '''
    results = _kernel(tmp_path, body, [])["results"]
    assert results == {name: "PermissionError" for name in results}, results


def test_a_guard_changed_during_the_call_is_reported(tmp_path: Path) -> None:
    body = '''
    def meddles(x, w, mode="full"):
        profiler = sys.getprofile()
        for cell in profiler.__closure__:
            if callable(cell.cell_contents) and getattr(cell.cell_contents, "__name__", "") == "audit":
                cell.cell_contents = lambda *a: None  # silence the profiler's reports
        return own(x, w, mode)
    graded("meddles", meddles, nonces["meddles"])
    '''
    out = _kernel(tmp_path, body, ["meddles"])
    record = out["results"]["meddles"]
    assert _genuine(record, out["key"]) and record["intact"] is False


def test_cases_cannot_be_read_before_the_call(tmp_path: Path) -> None:
    body = '''
    import glob
    blob = open(glob.glob(".course-case-*.json")[0], "rb").read()
    from course.grading import casefile
    try:
        casefile.decode_cases(blob)
        results["read"] = "readable"
    except casefile.CaseFileError:
        results["read"] = "sealed"
    '''
    assert _kernel(tmp_path, body, ["c"])["results"]["read"] == "sealed"


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


def _record(key: bytes, nonce: str, outputs: list, hits: list[str] | None = None, intact: bool = True,
            mac: str | None = None) -> dict:
    text = json.dumps(outputs, separators=(",", ":"))
    hits = hits or []
    real = casefile.record_mac(key, casefile.record_message(nonce, CHECK, text, hits, intact))
    payload = {"version": 2, "check": CHECK, "nonce": nonce, "outputs": text, "hits": hits, "intact": intact,
               "mac": mac or real}
    return nbformat.v4.new_output("display_data", data={casefile.RECORD_MIMETYPE: payload})


def _right_outputs(cases: list) -> list:
    check = get(CHECK)
    return [{"ok": True, "value": casefile.encode_output(check.reference(*a, **k))} for a, k in cases]


def _decide(nb: nbformat.NotebookNode, key: bytes, sent: list[SentCall]) -> dict:
    _, resources = RecordVerdicts().preprocess(nb, {"course_guard": {"key": key, "calls": sent}})
    return nb.metadata["course_grading"]


@pytest.fixture
def call() -> tuple[bytes, SentCall]:
    key = secrets.token_bytes(32)
    cases = get(CHECK).make_cases()
    return key, SentCall(CHECK, secrets.token_hex(16), 1, cases)


def test_a_genuine_record_in_its_cell_passes(call) -> None:
    key, sent = call
    nb = _notebook()
    nb.cells[1].outputs = [_record(key, sent.nonce, _right_outputs(sent.cases))]
    meta = _decide(nb, key, [sent])
    assert meta["cells"]["test-0"]["passed"] is True and meta["tampering"] == [] and meta["review"] == []


@pytest.mark.parametrize("forgery", ["bad mac", "unknown nonce", "duplicate", "wrong cell"])
def test_records_the_grader_cannot_trust_mean_tampering(call, forgery: str) -> None:
    key, sent = call
    nb = _notebook(2)
    good = _record(key, sent.nonce, _right_outputs(sent.cases))
    nb.cells[1].outputs = [good]
    if forgery == "bad mac":
        nb.cells[1].outputs = [_record(key, sent.nonce, _right_outputs(sent.cases), mac="0" * 64)]
    elif forgery == "unknown nonce":
        nb.cells[1].outputs.append(_record(key, "1" * 32, _right_outputs(sent.cases)))
    elif forgery == "duplicate":
        nb.cells[1].outputs.append(good)
    else:
        nb.cells[2].outputs = [good]
    meta = _decide(nb, key, [sent])
    assert meta["tampering"], meta
    assert all(v["passed"] is False for v in meta["cells"].values())


def test_no_record_and_no_error_goes_to_a_person(call) -> None:
    key, sent = call
    meta = _decide(_notebook(), key, [sent])
    assert meta["cells"]["test-0"]["kind"] == "Review" and meta["review"]


def test_a_changed_guard_goes_to_a_person(call) -> None:
    key, sent = call
    nb = _notebook()
    nb.cells[1].outputs = [_record(key, sent.nonce, _right_outputs(sent.cases), intact=False)]
    meta = _decide(nb, key, [sent])
    assert meta["cells"]["test-0"]["kind"] == "Review" and meta["review"]


def test_a_whole_job_function_seen_running_costs_the_check(call) -> None:
    key, sent = call
    nb = _notebook()
    nb.cells[1].outputs = [_record(key, sent.nonce, _right_outputs(sent.cases), hits=["numpy.convolve"])]
    meta = _decide(nb, key, [sent])
    assert meta["cells"]["test-0"]["kind"] == "Shortcut" and "numpy.convolve" in meta["cells"]["test-0"]["message"]


def test_prepare_cell_sends_secret_cases_and_rewrites_only_the_call(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    source = 'from course.grading import record\n\n# visible\nrecord("ex01.convolve1d.full.hidden", convolve1d)\n'
    out, sent = prepare_cell(source, 3, str(tmp_path), key, b"s" * 32, None)
    assert out.startswith("from course.grading import record\n\n# visible\n__course_guard__.run(")
    assert f'"{sent[0].nonce}"' in out.replace("'", '"') and out.rstrip().endswith("True)")
    blob = (tmp_path / casefile.case_file_name(sent[0].nonce)).read_bytes()
    cases = casefile.decode_cases(casefile.unseal(key, sent[0].nonce, blob))
    again = get("ex01.convolve1d.full.hidden").make_cases(get("ex01.convolve1d.full.hidden").seed_from(b"s" * 32))
    assert len(cases) == len(again) and all(np.array_equal(a[0][0], b[0][0]) for a, b in zip(cases, again))


def test_the_static_scan_resolves_names_bound_in_locked_cells(call) -> None:
    # `np` comes from the release's locked import cell; the record itself is clean (as if the
    # guard had missed the call): the scan alone must still see numpy's convolve
    key, sent = call
    nb = _notebook()
    nb.cells.insert(0, nbformat.v4.new_code_cell("import numpy as np", metadata={"nbgrader": {
        "grade": False, "solution": False, "locked": True, "grade_id": "imports", "schema_version": 3}}))
    nb.cells[1].source = "def convolve1d(x, w, mode='full'):\n    return np.convolve(x, w, mode)\n"
    sent.cell_index = 2
    nb.cells[2].outputs = [_record(key, sent.nonce, _right_outputs(sent.cases))]
    meta = _decide(nb, key, [sent])
    assert meta["cells"]["test-0"]["kind"] == "Shortcut" and "numpy.convolve" in meta["cells"]["test-0"]["message"]
