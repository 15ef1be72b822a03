"""Every topic of the syllabus's first part is taught in the lecture where the course says it is.

Each topic is found by a heading or keyword in the lecture's markdown (case-insensitive regular
expression), each lecture links to its exercise(s) by a relative path and ends with questions, and
the key numbers of the slides are stored in the lecture's checked outputs.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

LECTURES = Path(__file__).resolve().parents[1] / "lectures"

# topic -> (lecture file, pattern that must appear in its markdown)
TOPICS: dict[str, tuple[str, str]] = {
    "local connectivity": ("01_convolution_1d.ipynb", r"#+ .*local connectivity"),
    "why local connectivity (pattern anywhere, feature extractor)": ("01_convolution_1d.ipynb", r"anywhere.*[\s\S]*feature extractor"),
    "continuous convolution": ("01_convolution_1d.ipynb", r"\*\*continuous\*\*[\s\S]*\\int_\{-\\infty\}\^\{\\infty\} x\(a\)\\, w\(t-a\)"),
    "discrete convolution": ("01_convolution_1d.ipynb", r"\*\*discrete\*\*[\s\S]*\\sum_\{a=-\\infty\}\^\{\\infty\} x\[a\]\\, w\[t-a\]"),
    "notation note": ("01_convolution_1d.ipynb", r"notes on notation[\s\S]*goodfellow"),
    "time-reversed kernel": ("01_convolution_1d.ipynb", r"#+ .*kernel is time-reversed"),
    "finite support": ("01_convolution_1d.ipynb", r"#+ .*finite support"),
    "sliding demo": ("01_convolution_1d.ipynb", r"#+ .*interactively"),
    "spectrogram x[t, w]": ("02_convolution_2d.ipynb", r"#+ .*spectrogram \$x\[t, \\omega\]\$"),
    "convolution vs cross-correlation": ("02_convolution_2d.ipynb", r"#+ .*convolution vs cross-correlation"),
    "what libraries compute": ("02_convolution_2d.ipynb", r"libraries implement cross-correlation"),
    "why the flip does not matter": ("02_convolution_2d.ipynb", r"not important in practice[\s\S]*learned"),
    "worked 5x5 example": ("02_convolution_2d.ipynb", r"#+ .*worked example"),
    "multiple kernels / fusing": ("02_convolution_2d.ipynb", r"#+ .*multiple kernels.*fusing"),
    "fout formula": ("02_convolution_2d.ipynb", r"fout_\{l\+1\}\(i\) = b_\{l\+1\}\(i\) \+ \\sum_\{j=1\}\^\{l_f\} fout_l\(j\) \* f_\{l\+1\}\(i, j\)"),
    "combinatorial explosion (10 x 10 = 100)": ("02_convolution_2d.ipynb", r"10 \\times 10 = 100[\s\S]*combinatorial explosion"),
    "stride": ("02_convolution_2d.ipynb", r"\*\*stride\*\*"),
    "padding": ("02_convolution_2d.ipynb", r"\*\*padding\*\*"),
    "dilation": ("02_convolution_2d.ipynb", r"\*\*dilation\*\*"),
    "output-size formula": ("02_convolution_2d.ipynb", r"output size[\s\S]*\\left\\lfloor \\frac\{n \+ 2p - d\\,\(k-1\) - 1\}\{s\}"),
    "kernel = learned feature extractor": ("03_why_convolution.ipynb", r"#+ .*learned feature extractor"),
    "sparse interactions": ("03_why_convolution.ipynb", r"#+ .*sparse interactions"),
    "banded dense-matrix equivalent": ("03_why_convolution.ipynb", r"\*\*banded\*\*"),
    "parameter sharing": ("03_why_convolution.ipynb", r"#+ .*parameter sharing"),
    "equivariance": ("03_why_convolution.ipynb", r"#+ .*equivariance under translation"),
    "receptive field": ("05_receptive_field.ipynb", r"#+ .*receptive field"),
    "receptive field checked by experiment": ("05_receptive_field.ipynb", r"#+ .*by experiment"),
    "common architecture": ("04_pooling.ipynb", r"#+ .*common architecture"),
    "linear stage, nonlinearity, pooling": ("04_pooling.ipynb", r"\*\*linear stage\*\*[\s\S]*\*\*nonlinear activation\*\*[\s\S]*\*\*pooling\*\*"),
    "max pooling": ("04_pooling.ipynb", r"#+ .*max .*pooling"),
    "average pooling": ("04_pooling.ipynb", r"#+ .*average pooling"),
    "mask size, stride, statistic": ("04_pooling.ipynb", r"\*\*mask size\*\*[\s\S]*\*\*stride\*\*[\s\S]*\*\*statistic\*\*"),
    "pooling reduces dimensions and helps translation invariance": ("04_pooling.ipynb", r"\*\*reduce dimensions\*\*[\s\S]*\*\*help with translation invariance\*\*"),
    "pooling to a fixed size": ("04_pooling.ipynb", r"#+ .*pooling to a fixed size"),
    "alternative to resizing": ("04_pooling.ipynb", r"alternative to resizing an input"),
}

EXERCISE_LINKS = {
    "01_convolution_1d.ipynb": ["ex01_convolution_1d"],
    "02_convolution_2d.ipynb": ["ex02_convolution_2d", "ex03_conv_layer"],
    "03_why_convolution.ipynb": ["ex03_conv_layer"],
    "05_receptive_field.ipynb": ["ex05_receptive_field"],
    "04_pooling.ipynb": ["ex04_pooling"],
}

# the slides' numbers, as the checked cells print them
KEY_OUTPUTS = {
    "02_convolution_2d.ipynb": ["feature map: [[12, 12, 17], [10, 17, 19], [9, 6, 14]]", "stepper output: [[12, 12, 17], [10, 17, 19], [9, 6, 14]]"],
    "03_why_convolution.ipynb": ["conv layer:  80", "first layer (1 -> 32 maps, 5x5): 832"],
    "05_receptive_field.ipynb": ["two 3-wide convs: 5", "conv5, pool2, conv5, pool2: 16"],
    "04_pooling.ipynb": ["max pooling:     [[6, 5], [3, 4]]", "-> adaptive max pool (9, 9)"],
}


def _markdown(name: str) -> str:
    nb = nbformat.read(LECTURES / name, as_version=4)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def _checked_outputs(name: str) -> str:
    nb = nbformat.read(LECTURES / name, as_version=4)
    return "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)


@pytest.mark.parametrize("topic", list(TOPICS))
def test_topic_is_taught_in_its_lecture(topic):
    name, pattern = TOPICS[topic]
    assert re.search(pattern, _markdown(name), flags=re.IGNORECASE | re.MULTILINE), f"{topic!r} not found in {name}"


@pytest.mark.parametrize("name", sorted(EXERCISE_LINKS))
def test_lecture_ends_with_questions_and_links_its_exercises(name):
    text = _markdown(name)
    assert re.search(r"^## Check your understanding", text, flags=re.MULTILINE)
    assert len(re.findall(r"^\d\. ", text.split("## Check your understanding")[1], flags=re.MULTILINE)) >= 3
    for exercise in EXERCISE_LINKS[name]:
        assert f"](../exercises/{exercise}/{exercise}.ipynb)" in text, f"{name} does not link {exercise}"


@pytest.mark.parametrize("name", sorted(KEY_OUTPUTS))
def test_key_numbers_are_pinned_in_checked_outputs(name):
    stored = _checked_outputs(name)
    for expected in KEY_OUTPUTS[name]:
        assert expected in stored


def test_the_audio_half_is_left_to_lectures_06_and_07():
    # lectures 01-05 do not teach the audio-specific part (whale upcall, harmonic structure)
    for name in EXERCISE_LINKS:
        text = _markdown(name).lower()
        assert "upcall" not in text and "harmonic structure" not in text, name
