"""Red team of the grading boundary (issue 17), played as the held-out hostile set would be: a
student who wants points without the work, against ex01-ex04, by whole classes of attack.

One ``course autograde --jobs 2`` batch per assignment (module-scoped). Every attack submission
is the instructor's solution with ONE graded function replaced by the attack; the attack returns
the right answer only when its route reaches a whole-job function (else it returns zeros). So a
contained attack loses that function's points, and a route that is open scores full marks.

Attacks that still get points today are marked ``xfail(strict=True)`` with the reason: the test
asserts the secure behaviour, fails now, and turns the suite red once the hole is fixed (then drop
the mark). Honest habits assert full marks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from grading_helpers import cell_by_id, copy_course, env, read_csv, solved_notebook, write_submission

COURSE = [str(Path(sys.executable).parent / "course")]

# ---------------------------------------------------------------------------------------------
# building blocks of the attacks (student code)

# 1-D full convolution through numpy.polynomial's Legendre product (legmul never calls np.convolve:
# it multiplies through legmulx/legadd); the module is reached through pkgutil.resolve_name with a
# built name, so neither the tampering scan (no importlib, no getattr on numpy) nor the shortcut
# scan resolves it
LEGENDRE = '''
import pkgutil as _pk
_L = _pk.resolve_name("numpy.poly" + "nomial.leg" + "endre")
def _full1d(a, b):
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    to, mul, back = (getattr(_L, "poly2" + "leg"), getattr(_L, "leg" + "mul"), getattr(_L, "leg2" + "poly"))
    out = np.asarray(back(mul(to(a), to(b))), float)
    n = len(a) + len(b) - 1
    return np.concatenate([out, np.zeros(max(0, n - len(out)))])[:n]
'''

# the same product written plainly (the static scan names numpy.polynomial: contained)
LEGENDRE_PLAIN = '''
from numpy.polynomial import legendre as L
def _full1d(a, b):
    out = L.leg2poly(L.legmul(L.poly2leg(np.asarray(a, float)), L.poly2leg(np.asarray(b, float))))
    n = len(a) + len(b) - 1
    return np.concatenate([out, np.zeros(max(0, n - len(out)))])[:n]
'''

# the stand-in finder taken off sys.meta_path, the base interpreter's site-packages put on sys.path
# (after `import sys as _s`)
BASE_SITE_REACHED = '''_mp = getattr(_s, "meta" + "_path")
for _f in list(_mp):
    if "Stand" in type(_f).__name__:
        _mp.remove(_f)
_s.path.append(_s.base_prefix + "/lib/python%d.%d/site-packages" % _s.version_info[:2])
'''

# SymPy's exact convolution from the BASE interpreter's site-packages: the sandbox mounts the base
# Python installation whole (SandboxKernelManager's python_roots) and covers only the virtual
# environment's site-packages, so whatever is installed in the base Python is there; the stand-in
# finder is taken off sys.meta_path first (no scan sees a getattr with a built name)
SYMPY_BASE_SITE = '''
import sys as _s, pkgutil as _pk
''' + BASE_SITE_REACHED + '''# native optional dependencies answer ImportError (not the erased loader's AttributeError), and
# sympy.external.gmpy's `from ctypes import c_long, sizeof` gets a two-name module of plain Python
import types as _t
_ct = _t.ModuleType("ct" + "ypes")
_ct.c_long, _ct.sizeof = int, (lambda _: 8)
getattr(_s, "mod" + "ules").update(dict.fromkeys(("gmpy2", "gmpy", "flint", "symengine"), None), **{"ct" + "ypes": _ct})
_conv = _pk.resolve_name("sym" + "py.discrete.convolutions:convolution")
def _full1d(a, b):
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    out = np.array([float(v) for v in _conv([float(v) for v in a], [float(v) for v in b])])
    n = len(a) + len(b) - 1
    return np.concatenate([out, np.zeros(max(0, n - len(out)))])[:n]
'''

# whether the base site-packages' SymPy is reached (its float convolution is far too slow to grade
# within the time limits, but it runs: "[1. 3. 2.]" for [1, 2] * [1, 1] in the sandbox)
SYMPY_REACHED = SYMPY_BASE_SITE + '''
print("REACHED", _conv.__module__, _full1d([1, 2], [1, 1]))
'''

GUARDED = '''
def _full(a, b):
    try:
        return _full1d(a, b)
    except Exception:
        return np.zeros(len(np.ravel(a)) + len(np.ravel(b)) - 1)
'''

CONVOLVE1D = '''
def convolve1d(x, w, mode="full"):
    x, w = np.asarray(x), np.asarray(w)
    n, k = len(x), len(w)
    full = _full(x, w)
    if mode == "full":
        return full
    if mode == "same":
        s = (min(n, k) - 1) // 2
        return full[s:s + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
'''

# 2-D cross-correlation from 1-D full products of rows (kept short: exact in double precision)
CORRELATE2D = '''
def correlate2d(x, w, stride=1, padding=0):
    x, w = np.asarray(x, float), np.asarray(w, float)
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    ph, pw = (padding, padding) if np.ndim(padding) == 0 else padding
    x = np.pad(x, ((ph, ph), (pw, pw)))
    (H, W), (kh, kw) = x.shape, w.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for r in range(H - kh + 1):
        for i in range(kh):
            out[r] += _full(x[r + i], w[i, ::-1])[kw - 1:W]
    return out[::sh, ::sw]
'''

CONV_LAYER = CORRELATE2D + '''
def conv_layer_forward(x, weight, bias, stride=1, padding=0):
    x, weight, bias = np.asarray(x, float), np.asarray(weight, float), np.asarray(bias, float)
    maps = [sum(correlate2d(x[c], weight[o, c], stride, padding) for c in range(x.shape[0])) + bias[o]
            for o in range(weight.shape[0])]
    return np.stack(maps)
'''


def _attack(route: str, body: str) -> str:
    return "import numpy as np\n" + route + GUARDED + body


# ---------------------------------------------------------------------------------------------
# floods: correct own code, then output that should count against max_output_bytes

# in the answer cell (before any record counts against the cap)
FLOOD_ANSWER = {
    # update_display_data goes to nbclient's _update_display_id, never through output(): the cap
    # counts 4 one-byte displays, then each is replaced by a 1 MB update
    "update_display": '''
from IPython.display import display
_handles = [display("s", display_id=True) for _ in range(4)]
for _h in _handles:
    _h.update("u" * (1 << 20))
''',
    # a display message's metadata is not counted by _message_size
    "output_metadata": '''
from IPython.display import publish_display_data
for _ in range(4):
    publish_display_data({"text/plain": "m"}, metadata={"pad": "z" * (1 << 20)})
''',
}
# in the answer cell of a notebook of its own: displays made under the cap, the notebook over it,
# then record parts carrying those displays' ids (nbclient would replace each display with the
# whole message, text/plain included, before the record itself is refused over the cap)
FLOOD_RECORD = {
    "record_updates_a_display": '''
from IPython.display import display, publish_display_data
_kind = "application/vnd.course." + "record+json"  # (built: the mimetype written out is tampering)
_handles = [display("s", display_id=True) for _ in range(4)]
print("p" * (1 << 20))
for _h in _handles:
    publish_display_data({_kind: {"nonce": "0" * 32}, "text/plain": "r" * (1 << 20)},
                         transient={"display_id": _h.display_id})
''',
}
# in cells of their own after the tests
FLOOD_CELLS = {
    # an error's evalue is not counted (only its traceback, which _render_traceback_ keeps short)
    "error_evalue": '''class _Quiet(Exception):
    def _render_traceback_(self):
        return ["quiet"]
raise _Quiet("e" * (4 << 20))
''',
    # a plain print flood: counted (the control of this group)
    "stream": '''print("x" * (4 << 20))
''',
}
CAP = 1_000_000  # nbgrader_config.py: GuardedExecute.max_output_bytes


# ---------------------------------------------------------------------------------------------
# honest habits (ex01): correct own code with an ordinary notebook habit at the top of the answer

# each in a cell of its own (added after the answers): the test asserts the cell raised nothing
HONEST_CELLS = {
    "tqdm_progress": "from tqdm import tqdm\nfor _ in tqdm(range(3)):\n    pass\n",
    "autoreload": "%load_ext autoreload\n%autoreload 2\n",
    "unpack_plot_line": "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nline, = ax.plot([0, 1, 2])\n",
    "unpack_hist": "import matplotlib.pyplot as plt\ncounts, edges, patches = plt.hist([1, 2, 2, 3])\n",
    "unpack_get_ylim": "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nlo, hi = ax.get_ylim()\n",
    "isinstance_figure": "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nassert isinstance(fig, plt.Figure)\n",
    "unpack_two_panels": "import matplotlib.pyplot as plt\nfig, (ax1, ax2) = plt.subplots(1, 2)\nax2.plot([1, 2])\n",
    "index_a_grid": "import matplotlib.pyplot as plt\nfig, axes = plt.subplots(2, 3)\naxes[1, 2].plot([1, 2])\n",
    "figure_classes": ("import matplotlib.figure, matplotlib.axes\nimport matplotlib.pyplot as plt\n"
                       "fig, ax = plt.subplots()\nassert isinstance(fig, matplotlib.figure.Figure)\n"
                       "assert isinstance(ax, matplotlib.axes.Axes) and isinstance(plt.Figure(), plt.Figure)\n"),
    "course_plotting": ("from course.plotting import new_axes, show_figure, show_signal\n"
                        "fig, axes = new_axes(1, 2)\nshow_signal(np.ones(4), ax=axes[0])\n"
                        "show_figure(fig, alt='two panels')\n"),
    "try_import": "try:\n    import ctypes\nexcept ImportError:\n    ctypes = None\n",
    "config_retina": "%config InlineBackend.figure_format = 'retina'\n",
    "cell_magic_time": "%%time\ny = convolve1d(np.ones(30), np.ones(4))\n",
    "timeit": "%timeit convolve1d(np.ones(50), np.ones(5))\n",
    "typing_dataclass_cache": ("from __future__ import annotations\nimport random, functools, dataclasses\n"
                               "import numpy.typing as npt\nrandom.seed(0)\n@dataclasses.dataclass\nclass Setting:\n"
                               "    mode: str = 'full'\n@functools.lru_cache\ndef width(k: int) -> int:\n    return k\n"
                               "def f(x: npt.NDArray[np.float64]) -> int:\n    return width(len(x))\n"
                               "np.testing.assert_allclose(np.ones(2), np.ones(2))\n"),
    "unused_torch_scipy": "import torch\nfrom scipy import signal\nimport scipy.ndimage\n",
    "audio": ("from IPython.display import Audio, display\n"
              "display(Audio(np.sin(np.linspace(0, 400, 8000)), rate=8000))\n"),
    "help": "help(np.zeros)\n",
    "cpu_count": "import os, multiprocessing, hashlib\nprint(os.cpu_count(), multiprocessing.cpu_count(), hashlib.md5(b'x').hexdigest())\n",
}
HONEST_CELLS_FAILING: dict[str, str] = {}  # habits that raise while grading today (and not in the student's kernel)

# ordinary habits that the tampering scan takes for tampering (every mark lost): each in a cell of
# its own of one notebook; the test asserts the scan names none of them
HONEST_TAMPER = {
    "ipython_core_display": ("from IPython.core.display import HTML\n", "imports IPython.core"),
    "own_display_helper": ("def display(x):\n    print(x)\n", "redefines display"),
    "loop_variable_record": ("for record in [1, 2]:\n    pass\n", "record"),
    "gc_collect": ("import gc\ngc.collect()\n", " gc"),
    "get_ipython_magic": ("get_ipython().run_line_magic('matplotlib', 'inline')\n", "get_ipython"),
    "reload_own_module": ("import importlib\n", "imports importlib"),
}

OWN_CONVOLVE = '''
def convolve1d(x, w, mode="full"):
    x, w = np.asarray(x), np.asarray(w)
    n, k = len(x), len(w)
    full = np.zeros(n + k - 1, dtype=np.result_type(x, w, float))
    for a in range(n):
        full[a:a + k] += x[a] * w
    if mode == "full":
        return full
    if mode == "same":
        s = (min(n, k) - 1) // 2
        return full[s:s + max(n, k)]
    return full[min(n, k) - 1:max(n, k)]
'''

# a habit at the top of the answer cell: the function is never defined
TQDM_AT_TOP = "from tqdm import tqdm\nimport numpy as np\n" + OWN_CONVOLVE
# the student checks their answer against np.convolve after the def (np.convolve raises while
# grading; the function is already defined)
COMPARE_AFTER = ("import numpy as np\n" + OWN_CONVOLVE
                 + "print(np.allclose(convolve1d([1, 2, 3], [1, 1]), np.convolve([1, 2, 3], [1, 1])))\n")

# ex04: every whole-job pooling route a student could think of (course's reference, SciPy's
# filters from the base site-packages, PyTorch's pooling): none is there
POOL_ATTACK = '''
import numpy as np, sys as _s, pkgutil as _pk
''' + BASE_SITE_REACHED + '''_found = None
for _name in ("course.pool" + "ing:max_pool2d", "torch.nn.functional:max_pool2d", "scipy.ndimage:maximum_filter"):
    try:
        _found = (_name, _pk.resolve_name(_name))
        break
    except BaseException:
        pass
def max_pool2d(x, size, stride=None):
    if _found is None:
        return np.zeros((1, 1))
    if _found[0].startswith("course"):
        return _found[1](x, size, stride)
    raise NotImplementedError(_found[0])
'''

# ---------------------------------------------------------------------------------------------
# the batches

EX01 = "ex01_convolution_1d"
EX02 = "ex02_convolution_2d"
EX03 = "ex03_conv_layer"
EX04 = "ex04_pooling"


PROBE = ""  # an exploring run sets code that prints what the kernel sees (not used by the tests)


def _ex01() -> dict[str, dict[str, Any]]:
    subs: dict[str, dict[str, Any]] = {"control": {}}
    subs["legendre_hidden_names"] = {"convolve1d": _attack(LEGENDRE, CONVOLVE1D)}
    subs["legendre_plain"] = {"convolve1d": _attack(LEGENDRE_PLAIN, CONVOLVE1D)}
    subs["sympy_base_site"] = {"convolve1d": "import numpy as np\n" + OWN_CONVOLVE + SYMPY_REACHED}
    subs["floods"] = {"convolve1d": "import numpy as np\n" + OWN_CONVOLVE + "".join(FLOOD_ANSWER.values()),
                      "extra": list(FLOOD_CELLS.values())}
    subs["floods_records"] = {"convolve1d": "import numpy as np\n" + OWN_CONVOLVE + "".join(FLOOD_RECORD.values())}
    subs["honest_cells"] = {"convolve1d": COMPARE_AFTER, "extra": list(HONEST_CELLS.values())}
    subs["honest_tqdm_at_top"] = {"convolve1d": TQDM_AT_TOP}
    subs["honest_tamper_habits"] = {"extra": [code for code, _ in HONEST_TAMPER.values()]}
    if PROBE:
        subs["probe"] = {"convolve1d": "import numpy as np\n" + OWN_CONVOLVE + PROBE}
    return subs


def _ex02() -> dict[str, dict[str, Any]]:
    return {"control": {},
            "legendre_hidden_names": {"correlate2d": _attack(LEGENDRE, CORRELATE2D)}}


def _ex03() -> dict[str, dict[str, Any]]:
    return {"control": {},
            "legendre_hidden_names": {"conv_layer_forward": _attack(LEGENDRE, CONV_LAYER)}}


def _ex04() -> dict[str, dict[str, Any]]:
    return {"control": {}, "pool_routes": {"max_pool2d": POOL_ATTACK}}


BATCHES = {EX01: _ex01, EX02: _ex02, EX03: _ex03, EX04: _ex04}


def _notebook(root: Path, aid: str, spec: dict[str, Any]) -> nbformat.NotebookNode:
    nb = solved_notebook(root, aid)
    for grade_id, source in spec.items():
        if grade_id != "extra":
            cell_by_id(nb, grade_id).source = source
    for source in spec.get("extra", []):
        nb.cells.append(nbformat.v4.new_code_cell(source))
    return nb


def release(root: Path, aids: list[str]) -> Path:
    """A course at ``root`` with ``aids`` released (one ``course release`` for all of them)."""
    copy_course(root, aids)
    subprocess.run([*COURSE, "release", *aids], cwd=root, env=env(), check=True, capture_output=True)
    return root


def run_batch(root: Path, aid: str, subs: dict[str, dict[str, Any]], timeout: int = 20) -> dict[str, Any]:
    """Write ``subs`` for the released ``aid`` and grade them in one ``course autograde``."""
    sub = root / f"submitted-{aid}"
    for name, spec in subs.items():
        write_submission(sub, name, aid, _notebook(root, aid, spec))
    csv_path = root / f"grades-{aid}.csv"
    done = subprocess.run([*COURSE, "autograde", aid, "--submitted", str(sub), "--jobs", "2", "--timeout",
                           str(timeout), "--csv", str(csv_path), "--quiet"], cwd=root, env=env(),
                          capture_output=True, text=True)
    rows = read_csv(csv_path) if csv_path.exists() else {}
    return {"root": root, "rc": done.returncode, "stderr": done.stderr[-3000:], "rows": rows}


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = release(tmp_path_factory.mktemp("heldout"), list(BATCHES))
    done = {}
    for aid, make in BATCHES.items():
        if aid == EX04:  # the last batch: no autograded notebook is small enough to come back
            with open(root / "nbgrader_config.py", "a") as fh:
                fh.write(f"\nc.BatchLimits.max_returned_bytes = {TINY_RETURN}\n")
        done[aid] = run_batch(root, aid, make())
    return done


TINY_RETURN = 2_000  # bytes: BatchLimits.max_returned_bytes for the ex04 batch


def _row(batches: dict[str, Any], aid: str, student: str) -> dict[str, str]:
    batch = batches[aid]
    assert batch["rc"] == 0, batch["stderr"]
    return batch["rows"][student]


def _cells(batches: dict[str, Any], aid: str, student: str) -> list[Any]:
    path = batches[aid]["root"] / "autograded" / student / aid / f"{aid}.ipynb"
    return nbformat.read(path, as_version=4).cells


def _extra_cells(batches: dict[str, Any], aid: str, student: str, n: int) -> list[Any]:
    return _cells(batches, aid, student)[-n:]


def _errors(cell: Any) -> list[str]:
    return [f"{o.get('ename')}: {str(o.get('evalue'))[:200]}" for o in cell.get("outputs", [])
            if o.get("output_type") == "error"]


# (assignment, student, function's points, reason it is open today or None when contained)
ROUTES = [
    (EX01, "legendre_hidden_names", 6, None),  # numpy.polynomial is absent (a stand-in that raises on use)
    (EX01, "legendre_plain", 6, None),
    (EX02, "legendre_hidden_names", 9, None),
    (EX03, "legendre_hidden_names", 5, None),
    (EX04, "pool_routes", 4, None),
]


def _route_param(aid: str, student: str, points: int, why: str | None) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
    return pytest.param(aid, student, points, id=f"{aid[:4]}-{student}", marks=marks)


@pytest.mark.parametrize("aid", list(BATCHES))
def test_the_control_earns_every_automatic_point(batches: dict, aid: str) -> None:
    row = _row(batches, aid, "control")
    if aid == EX04:  # no autograded file came back (TINY_RETURN): the gradebook's grades only
        assert (row["status"], row["score"]) == ("ok", row["max_score"]), row
        return
    assert row["status"] == "ok" and "all tests passed" in row["reason"], row


@pytest.mark.parametrize("aid,student,points", [_route_param(*r) for r in ROUTES])
def test_no_route_reaches_a_whole_job(batches: dict, aid: str, student: str, points: int) -> None:
    """The attack's function earns nothing: it is right only if its route did the whole job."""
    control = float(_row(batches, aid, "control")["score"])
    row = _row(batches, aid, student)
    assert float(row["score"]) <= control - points, row


def test_no_package_outside_the_allow_list_is_reachable(batches: dict) -> None:
    cell = next(c for c in _cells(batches, EX01, "sympy_base_site")
                if c.metadata.get("nbgrader", {}).get("grade_id") == "convolve1d")
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    assert "REACHED" not in text, text
    assert _row(batches, EX01, "sympy_base_site")["score"] == _row(batches, EX01, "control")["score"]


FLOOD_PARAMS = [*FLOOD_ANSWER, *FLOOD_RECORD, *FLOOD_CELLS]  # every message counts (GuardedExecute.process_message)


@pytest.mark.parametrize("flood", FLOOD_PARAMS)
def test_every_output_counts_against_the_cap(batches: dict, flood: str) -> None:
    """Each flood (4 MB) is written where its outputs can be measured: the answer cell or a cell of
    its own; what the grader kept of it stays under the notebook's cap."""
    cells = _cells(batches, EX01, "floods_records" if flood in FLOOD_RECORD else "floods")
    if flood in FLOOD_ANSWER or flood in FLOOD_RECORD:
        cell = next(c for c in cells if c.metadata.get("nbgrader", {}).get("grade_id") == "convolve1d")
    else:
        cell = cells[len(cells) - len(FLOOD_CELLS) + list(FLOOD_CELLS).index(flood)]
    kept = len(json.dumps(cell.get("outputs", [])))
    assert kept <= CAP + 10_000, (flood, kept)


@pytest.mark.parametrize("student", ["floods", "floods_records"])
def test_a_flood_keeps_its_own_marks(batches: dict, student: str) -> None:
    row = _row(batches, EX01, student)
    assert float(row["score"]) == float(_row(batches, EX01, "control")["score"]), row


def _honest_param(name: str) -> Any:
    why = HONEST_CELLS_FAILING.get(name)
    marks = [pytest.mark.xfail(strict=True, reason=why)] if why else []
    return pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("habit", [_honest_param(n) for n in HONEST_CELLS])
def test_an_honest_habit_runs_while_grading(batches: dict, habit: str) -> None:
    cells = _extra_cells(batches, EX01, "honest_cells", len(HONEST_CELLS))
    assert _errors(cells[list(HONEST_CELLS).index(habit)]) == [], habit


def test_honest_cells_keep_every_mark_and_np_convolve_after_the_def_is_harmless(batches: dict) -> None:
    row = _row(batches, EX01, "honest_cells")
    assert (row["score"], row["status"]) == (_row(batches, EX01, "control")["score"], "ok"), row


def test_an_unmounted_helper_at_the_top_of_an_answer_keeps_the_marks(batches: dict) -> None:
    row = _row(batches, EX01, "honest_tqdm_at_top")
    assert row["score"] == _row(batches, EX01, "control")["score"], row


def _tamper_param(name: str) -> Any:
    return pytest.param(name, id=name)


def _tamper_findings(batches: dict) -> list[str]:
    path = batches[EX01]["root"] / "autograded" / "honest_tamper_habits" / EX01 / f"{EX01}.ipynb"
    return nbformat.read(path, as_version=4).metadata["course_grading"]["tampering"]


@pytest.mark.parametrize("habit", [_tamper_param(n) for n in HONEST_TAMPER])
def test_an_ordinary_habit_is_no_tampering(batches: dict, habit: str) -> None:
    word = HONEST_TAMPER[habit][1]
    assert not [f for f in _tamper_findings(batches) if word in f], _tamper_findings(batches)


def test_ordinary_habits_keep_every_mark(batches: dict) -> None:
    row = _row(batches, EX01, "honest_tamper_habits")
    assert (row["score"], row["status"]) == (_row(batches, EX01, "control")["score"], "ok"), row


def test_a_notebook_over_the_returned_size_is_said_so(batches: dict) -> None:
    """ex04's batch brings back no autograded file over max_returned_bytes: the grade is kept and
    the reason says why the file is missing."""
    row = _row(batches, EX04, "control")
    assert row["status"] == "ok" and "over max_returned_bytes" in row["reason"], row
    assert not (batches[EX04]["root"] / "autograded" / "control" / EX04).exists() or not any(
        (batches[EX04]["root"] / "autograded" / "control" / EX04).glob("*.ipynb"))
