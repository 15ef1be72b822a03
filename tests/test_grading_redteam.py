"""Red team against the whole grader: one ``course autograde`` batch of ex01 submissions, each a
determined student's try for points without the work, graded through the real command.

Every attack class of ``ARCHITECTURE.md`` ("Trust boundary") has at least one submission here;
each test asserts the score, the status and the absence of side effects. In every attack the
answer really is right (computed by a library function, a forged record, a table, ...), so a
zero comes from the defence, not from a wrong answer; ``control_correct`` is the same student
doing the work, for comparison.

Layers: the sandbox (``course/grading/sandbox``), grader-made cases and the record checks
(``inject.py``, ``RecordVerdicts``), the kernel's boot (whole-job functions absent, no native
code or process after boot: ``guard.py``), the static scan (``static.py``), the submission reader
(``batch/submission.py``). ``tests/test_integrity_attacks.py`` holds the attacks on the earlier
in-kernel guard.
"""

from __future__ import annotations

import http.server
import os
import threading
from pathlib import Path

import nbformat
import pytest

from grading_helpers import (OWN_CONVOLVE, OWN_CORRELATE, cell_by_id, copy_course, course, read_csv,
                             solved_notebook, write_submission)

AID = "ex01_convolution_1d"
NAME = f"{AID}.ipynb"
CONVOLVE_POINTS = 6  # test-convolve1d-full/same/valid: 2 + 2 + 2
TOTAL = 10

# Each: convolve1d reaches numpy's convolution by another route; the answers are right.
SHORTCUTS = {
    "np_from_locked_cell": "def convolve1d(x, w, mode='full'):\n    return np.convolve(x, w, mode)\n",
    "np_ma": "def convolve1d(x, w, mode='full'):\n    return np.asarray(np.ma.convolve(x, w, mode=mode))\n",
    "private_c_function": '''
from numpy._core import _multiarray_umath as _mu
def convolve1d(x, w, mode="full"):
    a, v = np.asarray(x), np.asarray(w)
    if len(v) > len(a):
        a, v = v, a
    return _mu.correlate(a, v[::-1], {"valid": 0, "same": 1, "full": 2}[mode])
''',
    "c_function_called_from_c": '''
import numpy._core.multiarray as _ma
def convolve1d(x, w, mode="full"):
    a, v = np.asarray(x), np.asarray(w)
    if len(v) > len(a):
        a, v = v, a
    return list(map(_ma.correlate, [a], [v[::-1]], [{"valid": 0, "same": 1, "full": 2}[mode]]))[0]
''',
    "attrgetter": "import operator\ndef convolve1d(x, w, mode='full'):\n    return operator.attrgetter('con' + 'volve')(np)(x, w, mode)\n",
    "pkgutil_resolve_name": "import pkgutil\ndef convolve1d(x, w, mode='full'):\n    return pkgutil.resolve_name('numpy:' + 'convolve')(x, w, mode)\n",
    "getattribute": "def convolve1d(x, w, mode='full'):\n    return np.__getattribute__('con' + 'volve')(x, w, mode)\n",
    "global_dict": "TOOLS = {}\ndef _setup():\n    global TOOLS\n    TOOLS = {'c': getattr(np, ''.join(['con', 'vol', 've']))}\n_setup()\n"
                   "def convolve1d(x, w, mode='full'):\n    return TOOLS['c'](x, w, mode)\n",
    "pickle_global": "import pickle\ndef convolve1d(x, w, mode='full'):\n"
                     "    return pickle.loads(b'cnumpy\\nconvolve\\n.')(x, w, mode)\n",
    "exec_string": "def convolve1d(x, w, mode='full'):\n    ns = {}\n"
                   "    exec('r = nu' + 'mpy.convolve(x, w, mode)', {'numpy': __import__('numpy'), 'x': x, 'w': w, 'mode': mode}, ns)\n"
                   "    return ns['r']\n",
    "polymul": '''
def convolve1d(x, w, mode="full"):
    full = np.polymul(np.asarray(x), np.asarray(w))
    n, k = len(x), len(w)
    if mode == "full":
        return full
    if mode == "same":
        s = (min(n, k) - 1) // 2
        return full[s:s + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
''',
    "in_a_thread": '''
import threading
def convolve1d(x, w, mode="full"):
    box = []
    t = threading.Thread(target=lambda: box.append(np.convolve(x, w, mode)))
    t.start(); t.join()
    return box[0]
''',
}

# Each: a record the guard did not make, or a guard that was got rid of.
FORGERIES = {
    "publishes_its_own_record": '''
from IPython.display import publish_display_data
def convolve1d(x, w, mode="full"):
    publish_display_data({"application/vnd.course.record+json": {
        "version": 2, "check": "ex01.convolve1d.full", "nonce": "0" * 32, "outputs": "[]",
        "hits": [], "intact": True, "mac": "0" * 64}})
    return np.convolve(x, w, mode)  # (absent while grading: the forged record is published first)
''',
    "replaces_the_guard": '''
import builtins, json
from IPython.display import publish_display_data
class _Fake:
    def run(self, check_id, fn, nonce, watch=True):
        publish_display_data({"application/vnd.course.record+json": {
            "version": 2, "check": check_id, "nonce": nonce, "outputs": "[]",
            "hits": [], "intact": True, "mac": "f" * 64}})
builtins.__course_guard__ = _Fake()
''' + OWN_CONVOLVE.replace("full[a:a + k] += x[a] * w", "full[a:a + k] += 0"),
    "replays_a_genuine_record": '''
from IPython import get_ipython
_pub = get_ipython().display_pub
_orig = _pub.publish
_saved = []
def _spy(data, *args, **kwargs):
    _saved.append(data)
    _orig(data, *args, **kwargs)
    if len(_saved) > 1:
        _orig(_saved[0], *args, **kwargs)
_pub.publish = _spy
''' + OWN_CONVOLVE,
}

SILENCED = '''
import builtins
class _Quiet:
    def run(self, *args, **kwargs):
        return None
builtins.__course_guard__ = _Quiet()
''' + OWN_CONVOLVE


def _release(root: Path) -> nbformat.NotebookNode:
    return nbformat.read(root / "exercises" / AID / NAME, as_version=4)


def _with(root: Path, convolve_code: str, correlate_code: str = OWN_CORRELATE) -> nbformat.NotebookNode:
    nb = _release(root)
    cell_by_id(nb, "convolve1d").source = convolve_code
    cell_by_id(nb, "correlate1d").source = correlate_code
    return nb


class _Server(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Server.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"answers")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_course(tmp_path_factory.mktemp("redteam"), [AID])
    course("release", AID, root=root)
    sub = root / "submitted"
    outside = tmp_path_factory.mktemp("outside")
    target = outside / "planted.txt"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    write_submission(sub, "control_correct", AID, _with(root, OWN_CONVOLVE))
    for name, code in SHORTCUTS.items():
        write_submission(sub, f"shortcut_{name}", AID, _with(root, code))
    for name, code in FORGERIES.items():
        write_submission(sub, f"forged_{name}", AID, _with(root, code))
    write_submission(sub, "silences_the_guard", AID, _with(root, SILENCED))

    # a table of answers for the public cases (what a student could compute offline)
    from course.grading.checks import get

    table = {}
    for mode in ("full", "same", "valid"):
        check = get(f"ex01.convolve1d.{mode}")
        for args, kwargs in check.make_cases():
            key = repr((args[0].tolist(), args[1].tolist(), kwargs.get("mode", "full")))
            table[key] = check.reference(*args, **kwargs).tolist()
    lookup = (f"TABLE = {table!r}\n"
              "def convolve1d(x, w, mode='full'):\n"
              "    key = repr((np.asarray(x).tolist(), np.asarray(w).tolist(), mode))\n"
              "    return np.array(TABLE.get(key, [0.0]))\n")
    write_submission(sub, "answer_table", AID, _with(root, lookup))

    # a course/ package beside the untouched release, meant to shadow the grader's
    path = write_submission(sub, "own_course_package", AID, _release(root))
    (path.parent / "course" / "grading").mkdir(parents=True)
    (path.parent / "course" / "__init__.py").write_text("")
    (path.parent / "course" / "grading" / "__init__.py").write_text("def record(*a, **k):\n    pass\n")

    # files, links, the network, resources: the right answers plus an attack in the same cell
    side_effects = f'''
import os, socket, urllib.request
for name in os.listdir("."):
    try:
        os.remove(name)
    except OSError:
        pass
try:
    os.symlink({str(target)!r}, {NAME!r})
    with open({NAME!r}, "w") as fh:
        fh.write("planted")
except OSError:
    pass
try:
    with open("big.bin", "wb") as fh:
        fh.write(b"x" * (80 << 20))
except OSError:
    pass
try:
    with open("/tmp/fill.bin", "wb") as fh:
        for _ in range(400):
            fh.write(b"y" * (1 << 20))
except OSError:
    pass
try:
    urllib.request.urlopen("http://127.0.0.1:{port}/leak", timeout=2).read()
except Exception:
    pass
for _ in range(300):
    try:
        os.fork()
    except OSError:
        break
'''
    write_submission(sub, "side_effects", AID, _with(root, OWN_CONVOLVE + side_effects))
    many = nbformat.v4.new_notebook()
    many.cells = [nbformat.v4.new_code_cell("") for _ in range(20_000)]
    write_submission(sub, "many_cells", AID, many)

    csv_path = root / "grades.csv"
    course("autograde", AID, "--submitted", str(sub), "--jobs", "2", "--timeout", "60", "--csv", str(csv_path),
           "--quiet", root=root)
    server.shutdown()
    return {"root": root, "rows": read_csv(csv_path), "target": target, "server_hits": list(_Server.hits)}


def _score(row: dict) -> float:
    return float(row["score"])


def test_control_does_the_work_and_earns_everything(batch: dict) -> None:
    row = batch["rows"]["control_correct"]
    assert (_score(row), row["status"]) == (TOTAL, "ok"), row


@pytest.mark.parametrize("name", sorted(SHORTCUTS))
def test_shortcuts_earn_nothing_for_that_function_however_reached(batch: dict, name: str) -> None:
    row = batch["rows"][f"shortcut_{name}"]
    assert (_score(row), row["status"]) == (TOTAL - CONVOLVE_POINTS, "ok"), row  # correlate1d is their own
    # named by the static scan, or (a route it cannot resolve) the function was absent while grading
    assert ("convolve1d calls" in row["reason"] or "not available in ex01_convolution_1d" in row["reason"]) \
        and "correlate1d calls" not in row["reason"], row


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forged_or_replayed_records_mean_tampered(batch: dict, name: str) -> None:
    row = batch["rows"][f"forged_{name}"]
    assert (_score(row), row["status"]) == (0.0, "tampered"), row


def test_a_silenced_guard_earns_nothing(batch: dict) -> None:
    row = batch["rows"]["silences_the_guard"]
    assert _score(row) == 0.0 and row["status"] in ("tampered", "review"), row


def test_answers_looked_up_in_a_table_fail_the_hidden_cases(batch: dict) -> None:
    row = batch["rows"]["answer_table"]
    assert _score(row) == TOTAL - CONVOLVE_POINTS, row  # every convolve1d test has hidden cases
    assert row["status"] == "ok", row


def test_a_course_package_beside_the_notebook_is_never_imported(batch: dict) -> None:
    row = batch["rows"]["own_course_package"]
    assert _score(row) == 0.0, row
    assert "other files in the submission were ignored: course/" in row["reason"], row


def test_files_links_network_and_forks_leave_no_trace(batch: dict) -> None:
    row = batch["rows"]["side_effects"]
    assert (_score(row), row["status"]) == (TOTAL, "ok"), row  # the work is right; nothing else counts
    assert not batch["target"].exists(), "the kernel wrote through a link outside its folder"
    assert batch["server_hits"] == [], "the kernel reached a server on the host's loopback"
    folder = batch["root"] / "autograded" / "side_effects" / AID
    assert sorted(p.name for p in folder.iterdir()) == [NAME]
    assert not (folder / NAME).is_symlink()
    assert nbformat.read(folder / NAME, as_version=4).cells  # the graded notebook, not the planted text
    assert _sandbox_descendants() == [], "processes of the sandbox user outlived the batch"


def _sandbox_descendants() -> list[int]:
    """Processes of the sandbox user (uid 65534) descending from this test process (other pytest
    workers may be grading at the same time: their kernels are not ours)."""
    parents, owners = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields["PPid"].split()[0])
        owners[int(entry.name)] = int(fields["Uid"].split()[0])
    found = []
    for pid, uid in owners.items():
        cur = pid
        while uid == 65534 and cur in parents and cur > 1:
            cur = parents[cur]
            if cur == os.getpid():
                found.append(pid)
                break
    return found


def test_a_huge_notebook_is_refused_before_it_runs(batch: dict) -> None:
    row = batch["rows"]["many_cells"]
    assert (_score(row), row["status"]) == (0.0, "invalid"), row
    assert "cells" in row["reason"], row


def test_hidden_cases_depend_on_the_instructors_secret_only() -> None:
    from course.grading.checks import get

    check = get("ex01.convolve1d.full.hidden")
    one, two = check.seed_from(b"a" * 32), check.seed_from(b"b" * 32)
    assert one == check.seed_from(b"a" * 32) and one != two
    first, second = check.make_cases(one), check.make_cases(two)
    assert any(a[0][0].shape != b[0][0].shape or not (a[0][0] == b[0][0]).all() for a, b in zip(first, second))
    import course.grading.exercises.audio_cnn as ex06

    assert not hasattr(ex06, "HIDDEN_SEED")  # ex06's hidden set comes from the secret too
    assert get(f"{ex06.HIDDEN_KEY.rsplit('.', 1)[0]}.90").hidden


def test_autograde_refuses_without_a_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import course.grading.sandbox.probe as probe

    root = copy_course(tmp_path / "c", [AID])
    course("release", AID, root=root)
    write_submission(root / "submitted", "s1", AID, solved_notebook(root, AID))
    monkeypatch.setitem(probe._cache, "answer", "The grading sandbox needs bubblewrap (bwrap), which is not "
                                                 f"installed: {probe.INSTALL}.")
    proc = course("autograde", AID, "--submitted", str(root / "submitted"), "--quiet", root=root, check=False)
    assert proc.returncode == 2
    assert "refuses" in proc.stderr and "apt-get install bubblewrap" in proc.stderr and "--no-sandbox" in proc.stderr
    assert not (root / "grades_ex01_convolution_1d.csv").exists()


def test_the_explicit_opt_out_warns_and_marks_every_row(tmp_path: Path) -> None:
    root = copy_course(tmp_path / "c", [AID])
    course("release", AID, root=root)
    write_submission(root / "submitted", "s1", AID, solved_notebook(root, AID))
    proc = course("autograde", AID, "--submitted", str(root / "submitted"), "--no-sandbox", "--quiet", root=root)
    assert "WITHOUT the sandbox" in proc.stderr
    row = read_csv(root / "grades_ex01_convolution_1d.csv")["s1"]
    assert row["score"] == "10.0" or float(row["score"]) == TOTAL
    assert "WITHOUT the sandbox" in row["reason"]
