"""The package's public surface: lazy imports, public names, device()."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

import course

DESIGN_NAMES = [  # ARCHITECTURE.md, "Public names"
    "convolve1d", "correlate1d", "convolve2d", "correlate2d", "conv_output_size",
    "conv_layer_forward", "count_conv_parameters", "max_pool2d", "avg_pool2d",
    "adaptive_max_pool2d", "receptive_field", "conv2d", "device",
]


def test_import_course_does_not_import_torch_or_widgets() -> None:
    # The grading kernel and NumPy-only notebooks should not pay for PyTorch or ipywidgets.
    code = "import sys, course; print('torch' in sys.modules, 'ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_numerical_core_never_imports_widgets() -> None:
    code = (
        "import sys, course\n"
        "for name in course.__all__: getattr(course, name)\n"
        "import course.naive as n\n"
        "for name in n.__all__: getattr(n, name)\n"
        "print('ipywidgets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("name", DESIGN_NAMES)
def test_design_public_names_exist_with_docstrings(name: str) -> None:
    obj = getattr(course, name)
    assert callable(obj)
    assert obj.__doc__ and len(obj.__doc__) > 40, f"course.{name} needs a real docstring"


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'convolve3d'"):
        course.convolve3d  # noqa: B018


def test_device_is_cuda_exactly_when_available() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert course.device() == torch.device(expected)
