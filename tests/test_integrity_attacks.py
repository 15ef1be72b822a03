"""Grading integrity by construction (issue 17): one ``course autograde`` batch of ex01
submissions, each a whole class of attack that got full marks against the earlier in-kernel
guard, plus honest habits that must keep every mark, and a flood with the grader's peak memory.

Each attack's ``convolve1d`` returns the right answer only if it reaches a real convolution (it
falls back to zeros otherwise); ``correlate1d`` is the student's own loop in every submission.
So a submission earns ``TOTAL - CONVOLVE_POINTS`` at most when the route is closed, ``TOTAL`` when
it is open. The properties that close them (``ARCHITECTURE.md``, "Trust boundary"): whole-job
functions absent from the kernel with no copy left, no native code after boot, no new process,
only the allowed distributions mounted, nothing in the kernel worth stealing, every message
counted against the output cap.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading_helpers import OWN_CONVOLVE, OWN_CORRELATE, cell_by_id, copy_course, env, read_csv, write_submission

AID = "ex01_convolution_1d"
CONVOLVE_POINTS = 6
TOTAL = 10

# ``SHORTCUT(x, w, mode)`` is whatever the attack found (None: nothing); convolve1d uses it.
USE = '''
def convolve1d(x, w, mode="full"):
    found = SHORTCUT
    if found is None:
        return np.zeros(len(x) + len(w) - 1)
    return found(x, w, mode)
'''

C_CALL = '''
def _from_c(c2):
    def conv(x, w, mode):
        a, v = np.asarray(x, float), np.asarray(w, float)
        if len(v) > len(a):
            a, v = v, a
        return c2(a, v[::-1], {"valid": 0, "same": 1, "full": 2}[mode])
    return conv
'''

ATTACKS = {
    # state: the hook's traceback, frames, closures, sys.getprofile(), gc
    "traceback_frames": C_CALL + '''
import sys, inspect
SHORTCUT = None
try:
    open("/proc/self/mem", "rb")
except Exception as exc:
    tb = exc.__traceback__
    while tb is not None and SHORTCUT is None:
        frame = getattr(tb, "tb_" + "frame")
        for name, value in {**inspect.getargvalues(frame).locals, **getattr(frame, "f_" + "globals")}.items():
            if callable(value) and getattr(value, "__name__", "") == "correlate2":
                try:
                    value(np.ones(2), np.ones(2), 2)
                    SHORTCUT = _from_c(value)
                except Exception:
                    pass
        tb = tb.tb_next
''' + USE,
    "getprofile_closure": C_CALL + '''
import sys, inspect
SHORTCUT = None
prof = sys.getprofile()
if prof is not None:
    for value in inspect.getclosurevars(prof).nonlocals.values():
        if getattr(value, "__name__", "") == "correlate2":
            SHORTCUT = _from_c(value)
''' + USE,
    "gc_walk": C_CALL + '''
import sys
SHORTCUT = None
_g = getattr(sys, "mod" + "ules")["g" + "c"]
for obj in getattr(_g, "get_" + "objects")():
    candidates = obj.values() if type(obj) is dict else [obj]
    for value in list(candidates):
        if type(value).__name__ == "builtin_function_or_method" and value.__name__ == "correlate2":
            try:
                value(np.ones(2), np.ones(2), 2)
                SHORTCUT = _from_c(value)
            except Exception:
                pass
''' + USE,
    # names the grader's cells rely on, shadowed
    "shadowed_entry": '''
import builtins
class _Entry:
    def run(self, check_id, fn, nonce, *rest):
        real = getattr(builtins, "__course" + "_guard__")
        return real.run(check_id, lambda x, w, mode="full": np.convolve(x, w, mode), nonce)
globals()["__course" + "_guard__"] = _Entry()
SHORTCUT = None
''' + USE,
    "shadowed_record_and_print": '''
def record(*args, **kwargs):
    pass
SHORTCUT = None
''' + USE,
    # threads of every kind
    "threading_thread": '''
import threading
def SHORTCUT(x, w, mode):
    box = []
    t = threading.Thread(target=lambda: box.append(np.convolve(x, w, mode)))
    t.start(); t.join()
    return box[0] if box else np.zeros(len(x) + len(w) - 1)
''' + USE.replace("found = SHORTCUT", "found = SHORTCUT"),
    "futures_worker": '''
from concurrent.futures import ThreadPoolExecutor
_pool = ThreadPoolExecutor(1)
def SHORTCUT(x, w, mode):
    try:
        return _pool.submit(np.convolve, x, w, mode).result()
    except Exception:
        return np.zeros(len(x) + len(w) - 1)
''' + USE,
    "raw_thread": '''
import _thread, time
def SHORTCUT(x, w, mode):
    box = []
    def work():
        try:
            box.append(np.convolve(x, w, mode))
        except Exception:
            box.append(np.zeros(len(x) + len(w) - 1))
    _thread.start_new_thread(work, ())
    while not box:
        time.sleep(0.001)
    return box[0]
''' + USE,
    # native code after boot, new processes
    "native_loaders": C_CALL + '''
import sys
SHORTCUT = None
_name = "numpy._core._multiarray_" + "umath"
_mod = getattr(sys, "mod" + "ules")[_name]
attempts = []
def _try(make):
    global SHORTCUT
    try:
        m = make()
        c2 = getattr(m, "correlate" + "2")
        c2(np.ones(2), np.ones(2), 2)
        SHORTCUT = _from_c(c2)
    except Exception as exc:
        attempts.append(repr(exc)[:80])
_imp = getattr(sys, "mod" + "ules")["_imp"]
_mach = getattr(sys, "mod" + "ules")["importlib.machinery"]
_util = getattr(sys, "mod" + "ules")["importlib.util"]
_lib = getattr(sys, "mod" + "ules")["importlib"]
_try(lambda: getattr(_imp, "create_" + "dynamic")(_util.spec_from_file_location(_name, _mod.__file__)))
_try(lambda: getattr(_lib, "rel" + "oad")(_mod))
_try(lambda: _util.module_from_spec(_util.spec_from_file_location(
    _name, _mod.__file__, loader=_mach.ExtensionFileLoader(_name, _mod.__file__))))
def _fresh():
    del getattr(sys, "mod" + "ules")[_name]
    try:
        return getattr(_lib, "import_" + "module")(_name)
    finally:
        getattr(sys, "mod" + "ules")[_name] = _mod
_try(_fresh)
def _ctypes():
    ct = getattr(_lib, "import_" + "module")("ctypes")
    return ct
_try(_ctypes)
''' + USE,
    "new_process": '''
import os, subprocess, sys, json
def SHORTCUT(x, w, mode):
    code = ("import numpy, json, sys; a = json.loads(sys.argv[1]); "
            "print(json.dumps(numpy.convolve(a[0], a[1], a[2]).tolist()))")
    arg = json.dumps([np.asarray(x).tolist(), np.asarray(w).tolist(), mode])
    for run in (lambda: subprocess.run([sys.executable, "-c", code, arg], capture_output=True, text=True).stdout,
                lambda: os.popen(f"{sys.executable} -c '{code}' '{arg}'").read()):
        try:
            return np.array(json.loads(run()))
        except Exception:
            pass
    try:
        pid = os.fork()
        if pid == 0:
            os._exit(0)
    except Exception:
        pass
    return np.zeros(len(x) + len(w) - 1)
''' + USE,
}

# whole-job libraries installed in the virtual environment (not mounted while grading): each
# ``FULL(x, w)`` is a real full convolution where the library is there (checked on the host by
# ``test_each_package_attack_would_work_where_the_package_is_there``)
PACKAGES = {
    "scipy_signal": "from scipy import signal\nFULL = lambda x, w: signal.convolve(x, w)",
    "scipy_ndimage": "import scipy.ndimage as nd\n"
                     "FULL = lambda x, w: nd.convolve1d(np.pad(np.asarray(x, float), len(w) - 1), np.asarray(w, float), "
                     "mode='constant')[(len(w) - 1) // 2:][:len(x) + len(w) - 1]",
    "scipy_linalg": "from scipy.linalg import convolution_matrix\n"
                    "FULL = lambda x, w: convolution_matrix(np.asarray(w, float), len(x)) @ np.asarray(x, float)",
    "torch": "import torch\nFULL = lambda x, w: torch.nn.functional.conv1d(torch.tensor(np.asarray(x, float))[None, None], "
             "torch.tensor(np.asarray(w, float)[::-1].copy())[None, None], padding=len(w) - 1)[0, 0].numpy()",
    "keras": "import os\nos.environ.setdefault('KERAS_BACKEND', 'torch')\nimport keras\n"
             "FULL = lambda x, w: np.asarray(keras.ops.convert_to_numpy(keras.ops.correlate("
             "np.asarray(x, float), np.asarray(w, float)[::-1].copy(), mode='full')))",
    "pylab": "from matplotlib.pylab import convolve\nFULL = lambda x, w: convolve(x, w)",
    "sympy": "from sympy.discrete.convolutions import convolution\n"
             "FULL = lambda x, w: np.array([complex(v).real for v in convolution(list(map(float, x)), list(map(float, w)))])",
    # (Pillow's Kernel is a real 2-D correlation, of 8-bit images: not exact for these floats)
    "pillow": "from PIL import Image, ImageFilter\n"
              "FULL = lambda x, w: np.asarray(Image.fromarray(np.uint8(x)).filter(ImageFilter.Kernel((3, 3), [1] * 9)), float)",
}

PACKAGE_USE = '''
def convolve1d(x, w, mode="full"):
    n, k = len(x), len(w)
    full = FULL(x, w)
    if mode == "full":
        return full
    if mode == "same":
        s = (min(n, k) - 1) // 2
        return full[s:s + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
'''

HONEST = {
    "plots_displays_prints_times": '''%matplotlib inline
import time
import matplotlib.pyplot as plt
from IPython.display import display, Markdown
from course.plotting import show_signal
fig, ax = plt.subplots()
ax.plot([0, 1], [1, 0]); plt.title("a line"); plt.show()
fig, (left, right) = plt.subplots(1, 2)
left.imshow(np.eye(3)); fig.colorbar(None); plt.close(fig)
display(Markdown("**my notes**"))
start = time.perf_counter()
print("hello", np.arange(3))
''' + OWN_CONVOLVE + '''
print(f"took {time.perf_counter() - start:.3f} s")
''',
    "imports_scipy_to_compare": "from scipy.signal import convolve as reference\n" + OWN_CONVOLVE,
}


def _notebook(root: Path, convolve_code: str) -> nbformat.NotebookNode:
    nb = nbformat.read(root / "exercises" / AID / f"{AID}.ipynb", as_version=4)
    cell_by_id(nb, "convolve1d").source = convolve_code
    cell_by_id(nb, "correlate1d").source = OWN_CORRELATE
    return nb


FLOOD = OWN_CONVOLVE + '''
from IPython.display import publish_display_data
for _ in range(40):
    print("x" * (1 << 20))  # (a fast loop: the kernel sends about a megabyte per message)
_kind = "application/vnd.course." + "record+json"  # (built: the mimetype written out is tampering)
for _ in range(6):
    publish_display_data({_kind: {"nonce": "0" * 32}, "text/plain": "y" * (2 << 20)})
# routes nbclient does not send through output(): display updates, metadata, comms (a widget
# comm with no _model_module, and state kept by nbclient's default store_widget_state)
from IPython.display import display
for _h in [display("s", display_id=True) for _ in range(10)]:
    _h.update("u" * (4 << 20))
for _ in range(10):
    publish_display_data({"text/plain": "m"}, metadata={"pad": "z" * (4 << 20)})
from ipykernel.comm import Comm
_c = Comm(target_name="jupyter.widget", data={"state": {}, "buffer_paths": []})
for _ in range(40):
    _c.send(data={"state": {"pad": "c" * (10 << 20)}, "buffer_paths": []})
'''

GIANT = OWN_CONVOLVE + '''
from IPython.display import publish_display_data
for _ in range(3):
    publish_display_data({"application/vnd.course.record+json": {"nonce": "0" * 32},
                          "text/plain": "y" * (150 << 20)})
'''

SCRATCH_MB = 40  # GuardedExecute.max_scratch_mb for this batch (the course's default is 256)
# own work, then 5 x 30 MB of files in the notebook's folder (each under file_size_mb)
FILLS_ITS_FOLDER = OWN_CONVOLVE + '''
import time
for _i in range(5):
    with open(f"fill{_i}.bin", "wb") as _fh:
        _fh.write(b"f" * (30 << 20))
time.sleep(3)
'''

MEASURED = '''
import json, subprocess, sys, time
import psutil
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
peak = 0
while proc.poll() is None:
    try:
        tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.Error:
        tree = []
    for p in tree:
        try:
            if "ipykernel_launcher" in " ".join(p.cmdline()) or p.name() in ("bwrap", "setpriv", "prlimit"):
                continue  # the kernels: their own memory is capped by the sandbox
            peak = max(peak, p.memory_info().rss)
        except psutil.Error:
            pass
    time.sleep(0.05)
out, err = proc.communicate()
print(json.dumps({"rc": proc.returncode, "stderr": err[-3000:], "peak_kib": peak // 1024}))
'''


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = copy_course(tmp_path_factory.mktemp("integrity"), [AID])
    course_cmd = [str(Path(sys.executable).parent / "course")]
    subprocess.run([*course_cmd, "release", AID], cwd=root, env=env(), check=True, capture_output=True)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(f"\nc.GuardedExecute.max_scratch_mb = {SCRATCH_MB}\n")
    sub = root / "submitted"
    write_submission(sub, "control", AID, _notebook(root, OWN_CONVOLVE))
    for name, code in {**ATTACKS, **{f"package_{k}": v + "\n" + PACKAGE_USE for k, v in PACKAGES.items()}}.items():
        write_submission(sub, name, AID, _notebook(root, code))
    for name, code in HONEST.items():
        write_submission(sub, f"honest_{name}", AID, _notebook(root, code))
    write_submission(sub, "flood", AID, _notebook(root, FLOOD))
    write_submission(sub, "giant", AID, _notebook(root, GIANT))
    write_submission(sub, "fills_its_folder", AID, _notebook(root, FILLS_ITS_FOLDER))
    csv_path = root / "grades.csv"
    cmd = [*course_cmd, "autograde", AID, "--submitted", str(sub), "--jobs", "2", "--timeout", "15",
           "--csv", str(csv_path), "--quiet"]
    done = subprocess.run([sys.executable, "-c", MEASURED, *cmd], cwd=root, env=env(), check=True,
                          capture_output=True, text=True)
    measured = json.loads(done.stdout)
    assert measured["rc"] == 0, measured["stderr"]
    return {"root": root, "rows": read_csv(csv_path), "peak_kib": measured["peak_kib"]}


@pytest.mark.parametrize("name", sorted(set(PACKAGES) - {"pillow"}))
def test_each_package_attack_would_work_where_the_package_is_there(name: str) -> None:
    """On the host, where the package is installed, the attack's convolve1d is right: a zero
    while grading comes from the package's absence, not from a broken attack."""
    check = PACKAGES[name] + PACKAGE_USE + PACKAGE_CHECK
    if name in IN_A_SUBPROCESS:
        proc = subprocess.run([sys.executable, "-c", "import numpy as np\n" + check], capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
    else:
        exec(check, {"np": np})


PACKAGE_CHECK = """
rng = np.random.default_rng(0)
for n, k in ((5, 3), (8, 2), (7, 4), (6, 1)):
    x, w = rng.normal(size=n), rng.normal(size=k)
    for mode in ("full", "same", "valid"):
        assert np.allclose(convolve1d(x, w, mode), np.convolve(x, w, mode), atol=1e-6), (n, k, mode)
"""
IN_A_SUBPROCESS = {"keras"}
"""Importing keras in pytest's own process loses pytest's captured sys.stderr for every later
test of that worker ("I/O operation on closed file"): its check runs in a fresh interpreter."""


def test_the_control_earns_everything(batch: dict) -> None:
    row = batch["rows"]["control"]
    assert (float(row["score"]), row["status"]) == (TOTAL, "ok"), row


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_no_route_reaches_a_whole_job_function(batch: dict, name: str) -> None:
    row = batch["rows"][name]
    assert float(row["score"]) <= TOTAL - CONVOLVE_POINTS, row


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_no_whole_job_library_is_there_while_grading(batch: dict, name: str) -> None:
    row = batch["rows"][f"package_{name}"]
    assert float(row["score"]) <= TOTAL - CONVOLVE_POINTS, row
    assert row["status"] != "tampered", row  # importing a library is no tampering
    # the static scan names the library when it sees it; else its use raised while grading
    # (pylab's stand-in draws nothing: its convolve returns no numbers)
    assert "not available while grading" in row["reason"] or "convolve1d calls" in row["reason"] or name == "pylab", row


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_habits_keep_every_mark(batch: dict, name: str) -> None:
    row = batch["rows"][f"honest_{name}"]
    assert (float(row["score"]), row["status"]) == (TOTAL, "ok"), row


def test_plotting_leaves_a_note_as_data(batch: dict) -> None:
    path = batch["root"] / "autograded" / "honest_plots_displays_prints_times" / AID / f"{AID}.ipynb"
    notes = nbformat.read(path, as_version=4).metadata["course_grading"]["notes"]
    assert {n["package"] for n in notes} >= {"matplotlib", "course.plotting"}, notes
    assert all(n["kind"] == "stand_in" and "not redrawn" in n["text"] for n in notes
               if n["package"] in ("matplotlib", "course.plotting")), notes


def test_a_flood_is_capped_records_included(batch: dict) -> None:
    row = batch["rows"]["flood"]
    assert (float(row["score"]), row["status"]) == (TOTAL, "ok"), row  # its own work is right
    path = batch["root"] / "autograded" / "flood" / AID / f"{AID}.ipynb"
    assert path.stat().st_size < 3_000_000  # 52 MB printed (12 MB beside a record part), 40 MB of display
    # updates, 40 MB of metadata, 400 MB of widget comms


def test_the_graders_memory_stays_bounded_whatever_a_notebook_prints(batch: dict) -> None:
    # "giant" sends three 150 MB messages (the earlier grader held each, beside a record part,
    # and its peak grew with the flood); the grader's socket refuses any message over
    # max_record_bytes, so the run stops there (with that reason) and the peak of
    # every grading process (the command and its workers, polled) stays that of an ordinary batch
    row = batch["rows"]["giant"]
    assert (row["status"], float(row["score"])) == ("crashed", 0.0), row
    assert "sent an output larger than the grader accepts" in row["reason"], row
    assert batch["peak_kib"] < 400 * 1024, batch["peak_kib"]


def test_the_notebooks_folder_is_bounded_in_all(batch: dict) -> None:
    """Files under each file's limit, more than max_scratch_mb in all: the run stops there with
    its own reason (every graded cell from there on earns nothing)."""
    row = batch["rows"]["fills_its_folder"]
    assert (row["status"], float(row["score"])) == ("crashed", 0.0), row
    assert f"wrote more than {SCRATCH_MB} MB of files to the notebook's folder" in row["reason"], row
