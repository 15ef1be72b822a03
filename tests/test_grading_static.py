"""The no-shortcut scan and the tampering scan (ast, in the grader's process)."""

from __future__ import annotations

import pytest

from course.grading.checks import CONVOLUTION_SHORTCUTS
from course.grading.static import find_shortcuts, find_tampering

F = CONVOLUTION_SHORTCUTS


@pytest.mark.parametrize("code,expected", [
    ("import numpy as np\ndef convolve1d(x, w, mode='full'):\n    return np.convolve(x, w, mode)", ["numpy.convolve"]),
    ("import numpy\ndef convolve1d(x, w, mode='full'):\n    return numpy.correlate(x, w[::-1], 'full')", ["numpy.correlate"]),
    ("from numpy import convolve as c\ndef convolve1d(x, w, mode='full'):\n    return c(x, w, mode)", ["numpy.convolve"]),
    ("from scipy import signal as s\ndef convolve1d(x, w, mode='full'):\n    return s.fftconvolve(x, w, mode)", ["scipy.signal.fftconvolve"]),
    ("import scipy.signal\ndef convolve1d(x, w, mode='full'):\n    return scipy.signal.convolve(x, w)", ["scipy.signal.convolve"]),
    ("from scipy.ndimage import convolve1d as c1\ndef convolve1d(x, w, mode='full'):\n    return c1(x, w)", ["scipy.ndimage.convolve1d"]),
    ("import torch.nn.functional as F\ndef convolve1d(x, w, mode='full'):\n    return F.conv1d(x, w)", ["torch.nn.functional.conv1d"]),
    ("import numpy as np\nconvolve1d = np.convolve", ["numpy.convolve"]),
    ("from numpy import convolve as convolve1d", ["numpy.convolve"]),
    ("import numpy as np\nconvolve1d = lambda x, w, mode='full': np.convolve(x, w, mode)", ["numpy.convolve"]),
    ("import numpy as np\ndef convolve1d(x, w, mode='full'):\n    return getattr(np, 'convolve')(x, w, mode)", ["numpy.convolve"]),
    ("def convolve1d(x, w, mode='full'):\n    return __import__('numpy').convolve(x, w, mode)", ["numpy.convolve"]),
    ("import importlib\ndef convolve1d(x, w, mode='full'):\n    return importlib.import_module('scipy.signal').convolve(x, w)", ["scipy.signal.convolve"]),
    ("from numpy import *\ndef convolve1d(x, w, mode='full'):\n    return convolve(x, w, mode)", ["numpy.convolve"]),
    ("import numpy as np\nm = np\ndef convolve1d(x, w, mode='full'):\n    return m.convolve(x, w, mode)", ["numpy.convolve"]),
    ("import numpy as np\ndef helper(x, w):\n    return inner(x, w)\ndef inner(x, w):\n    return np.convolve(x, w)\n"
     "def convolve1d(x, w, mode='full'):\n    return helper(x, w)", ["numpy.convolve"]),
    ("import numpy as np\nconv = np.convolve\ndef convolve1d(x, w, mode='full'):\n    return conv(x, w, mode)", ["numpy.convolve"]),
    ("from course import convolve1d as ref\ndef convolve1d(x, w, mode='full'):\n    return ref(x, w, mode)", ["course.convolve1d"]),
    ("def convolve1d(x, w, mode='full'):\n    from course.convolution import convolve1d as c\n    return c(x, w, mode)", ["course.convolution.convolve1d"]),
])
def test_shortcuts_are_found(code: str, expected: list[str]) -> None:
    assert find_shortcuts([code], "convolve1d", F) == expected


def test_shortcut_found_across_cells() -> None:
    cells = ["import numpy as np", "def helper(x, w):\n    return np.correlate(x, w)",
             "def correlate1d(x, w, mode='valid'):\n    return helper(x, w)"]
    assert find_shortcuts(cells, "correlate1d", F) == ["numpy.correlate"]


def test_computed_getattr_on_a_module_counts() -> None:
    code = "import numpy as np\ndef convolve1d(x, w, mode='full'):\n    return getattr(np, 'con' + 'volve')(x, w)"
    assert find_shortcuts([code], "convolve1d", F) == ["numpy.<computed>"]


@pytest.mark.parametrize("code", [
    "import numpy as np\ndef convolve1d(x, w, mode='full'):\n    X = np.fft.rfft(x, 8)\n    return np.fft.irfft(X * np.fft.rfft(w, 8), 8)",
    "import numpy as np\nfrom numpy.lib.stride_tricks import sliding_window_view as swv\n"
    "def convolve1d(x, w, mode='full'):\n    return np.einsum('ij,j->i', swv(np.pad(x, len(w) - 1), len(w)), w[::-1])",
    "import numpy as np\ndef convolve1d(x, w, mode='full'):\n    y = np.zeros(len(x) + len(w) - 1)\n"
    "    for a in range(len(x)):\n        y[a:a + len(w)] += x[a] * w\n    return y",
    # a shortcut used elsewhere in the notebook (e.g. to check an answer) does not count
    "import numpy as np\ndef convolve1d(x, w, mode='full'):\n    return np.dot(x, w)\nprint(np.convolve([1, 2], [3]))",
])
def test_building_blocks_are_allowed(code: str) -> None:
    assert find_shortcuts([code], "convolve1d", F) == []


def test_magics_and_syntax_errors_do_not_break_the_scan() -> None:
    cells = ["%matplotlib inline\nimport numpy as np", "def broken(:", "def convolve1d(x, w, mode='full'):\n    return np.convolve(x, w)"]
    assert find_shortcuts(cells, "convolve1d", F) == ["numpy.convolve"]


@pytest.mark.parametrize("code,words", [
    ("import course.grading.recorder as r\nr.judge = None", "imports course.grading.recorder"),
    ("from course.grading import record", "imports course.grading"),
    ("from course import grading", "imports course.grading"),
    ("import course\ncourse.grading.guard.run('c', print, '0')", "uses course.grading"),
    ("import sys\nsys.modules['course.grading'] = None", "names 'course.grading'"),
    ("import builtins\nbuiltins.__course_guard__ = None", "uses .__course_guard__"),
    ("class Fake:\n    pass\n__course_guard__ = Fake()", "uses __course_guard__"),
    ("import builtins\nreal = getattr(builtins, '__course_guard__')", "names '__course_guard__'"),
    ("from IPython.display import publish_display_data\n"
     "publish_display_data({'application/vnd.course.record+json': {}})", "names 'application/vnd.course.record+json'"),
    ("import glob\ncases = glob.glob('.course-case-*')", "names '.course-case-'"),
])
def test_tampering_is_found(code: str, words: str) -> None:
    found = [str(f) for f in find_tampering([code])]
    assert any(words in f for f in found), found


# ordinary notebook code, some of it taken for tampering before the kernel held nothing worth
# stealing (issue 17): it changes nothing but the student's own outputs
@pytest.mark.parametrize("code", [
    "import numpy as np\nimport matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (4, 3)\nx = np.arange(3)\nx[0] = 5",
    "import os\nimport sys\nprint(sys.version, os.getcwd())",
    "import numpy as np\nnp.random.seed(0)\nrng = np.random.default_rng(1)",
    "class Result:\n    pass\nr = Result()\nr.value = 3",
    "import torch\ntorch.backends.cudnn.deterministic = True\ntorch.manual_seed(0)",
    "from IPython.core.display import HTML\nHTML('<b>x</b>')",
    "def display(x):\n    print(x)",
    "import gc\ngc.collect()",
    "get_ipython().run_line_magic('matplotlib', 'inline')",
    "import importlib\nimport mymodule\nimportlib.reload(mymodule)",
    "for record in [1, 2]:\n    pass",
    "import numpy as np\nnp.set_printoptions(precision=3)\nexec('y = 1')\nprint(eval('1 + 1'), globals().get('y'))",
    "import builtins\nprint(builtins.len([1]))",
])
def test_ordinary_code_is_not_tampering(code: str) -> None:
    assert find_tampering([code]) == []
