"""What the lectures say agrees with what their figures and outputs show (issue 13), and every
lecture can be navigated and has answers to its questions.

Numbers are read from the lectures' checked outputs (``# NBVAL_CHECK_OUTPUT`` cells: nbval
re-runs them and fails when a rerun prints something else), so a claim in the text is compared
with what the code really computes. The figures' code is checked statically (``ast``) for the
few properties that decide how a reader reads them (which way up a kernel is drawn, a colour bar).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

LECTURES_DIR = Path(__file__).resolve().parents[1] / "lectures"
LECTURES = sorted(p.name for p in LECTURES_DIR.glob("*.ipynb"))
NAV = "**Course navigation.**"


def _nb(name: str) -> nbformat.NotebookNode:
    return nbformat.read(LECTURES_DIR / name, as_version=4)


def _markdown(name: str) -> str:
    return "\n".join(c.source for c in _nb(name).cells if c.cell_type == "markdown")


def _code(name: str) -> str:
    return "\n".join(c.source for c in _nb(name).cells if c.cell_type == "code")


def _checked(name: str, marker: str) -> str:
    """Text output of the one checked cell whose source contains ``marker``."""
    cells = [c for c in _nb(name).cells if c.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in c.source and marker in c.source]
    assert len(cells) == 1, f"{name}: {len(cells)} checked cells contain {marker!r}"
    text = "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cells[0].outputs)
    assert text, f"{name}: the checked cell with {marker!r} has no stored output"
    return text


def _calls_in(source: str, func: str) -> list[ast.Call]:
    """The calls of ``func`` (a name or an attribute) in one cell's source (magics skipped)."""
    source = "\n".join("" if line.lstrip().startswith("%") else line for line in source.splitlines())
    return [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
            and (n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", None)) == func]


def _calls(name: str, func: str) -> list[ast.Call]:
    return [call for cell in _nb(name).cells if cell.cell_type == "code" for call in _calls_in(cell.source, func)]


def _kw(call: ast.Call, name: str):
    for k in call.keywords:
        if k.arg == name:
            try:
                return ast.literal_eval(k.value)
            except ValueError:
                return ast.unparse(k.value)
    return None


# --------------------------------------------------------------------------- navigation
@pytest.mark.parametrize("name", LECTURES)
def test_every_lecture_links_to_the_previous_and_the_next(name: str) -> None:
    cells = _nb(name).cells
    top = [c.source for c in cells[:3] if c.cell_type == "markdown" and NAV in c.source]
    bottom = cells[-1].source if cells[-1].cell_type == "markdown" else ""
    assert len(top) == 1 and NAV in bottom, f"{name}: navigation at the top and at the very end"
    nav = top[0]
    assert nav == bottom, f"{name}: the two navigation lines differ"
    links = re.findall(r"\[([^\]]+)\]\(([^)]+)\)", nav)
    for _text, target in links:
        assert (LECTURES_DIR / target).resolve().exists(), f"{name}: broken link {target}"
    i = LECTURES.index(name)
    previous = re.search(r"Previous: \[[^\]]+\]\(([^)]+)\)", nav)
    following = re.search(r"Next: \[[^\]]+\]\(([^)]+)\)", nav)
    if i > 0:
        assert previous and previous.group(1) == LECTURES[i - 1], f"{name}: previous should be {LECTURES[i - 1]}"
    else:
        assert previous is None and "Previous: none" in nav
    if i < len(LECTURES) - 1:
        assert following and following.group(1) == LECTURES[i + 1], f"{name}: next should be {LECTURES[i + 1]}"
    else:
        assert following is None and "Next: none" in nav
    assert re.search(r"\(\.\./exercises/ex\d\d_\w+/ex\d\d_\w+\.ipynb\)", nav), f"{name}: no exercise link"


def test_exercises_are_numbered_in_lecture_order() -> None:
    # each exercise follows the lecture it practises: the first lecture that names exercise k in its
    # navigation line comes no later than the first lecture naming exercise k + 1 (issue 19: ex04,
    # pooling, once followed lecture 05 while ex05, receptive field, followed lecture 04)
    first: dict[int, int] = {}
    for name in LECTURES:
        nav = next(c.source for c in _nb(name).cells if c.cell_type == "markdown" and NAV in c.source)
        exercises = nav.split("Exercise:", 1)[1]
        for number in re.findall(r"\(\.\./exercises/ex(\d\d)_", exercises):
            first.setdefault(int(number), int(name[:2]))
    numbers = sorted(first)
    assert numbers == list(range(1, len(numbers) + 1)), f"exercises linked from the lectures: {numbers}"
    lectures = [first[k] for k in numbers]
    assert lectures == sorted(lectures), f"exercise -> first lecture naming it: {first}"


@pytest.mark.parametrize("name", LECTURES)
def test_the_title_carries_the_file_number(name: str) -> None:
    title = _nb(name).cells[0].source.splitlines()[0]
    assert title.startswith(f"# Lecture {name[:2]} — "), f"{name}: title {title!r}"


# --------------------------------------------------------------------------- answers
@pytest.mark.parametrize("name", LECTURES)
def test_every_question_has_a_collapsed_answer(name: str) -> None:
    cell = next(c.source for c in _nb(name).cells if c.cell_type == "markdown" and "## Check your understanding" in c.source)
    section = cell.split("## Check your understanding", 1)[1].split("\n## ", 1)[0]
    questions = re.split(r"^\d+\. ", section, flags=re.M)[1:]
    assert len(questions) >= 4, f"{name}: {len(questions)} questions"
    for k, question in enumerate(questions, start=1):
        blocks = re.findall(r"<details><summary>Answer</summary>\s*(.*?)\s*</details>", question, flags=re.S)
        assert len(blocks) == 1, f"{name}: question {k} has {len(blocks)} answer blocks"
        assert len(blocks[0]) >= 40, f"{name}: question {k}'s answer is too short: {blocks[0]!r}"
        # markdown inside <details> renders only after a blank line
        assert re.search(r"<summary>Answer</summary>\n\n", question), f"{name}: question {k}: blank line after <summary>"


# --------------------------------------------------------------------------- lecture 02
def test_02_dilation_panel_shows_the_taps_it_used() -> None:
    # each of the 9 taps is outlined on the input (a loop over the taps), with its weight written
    assert "dilation 2: the 9 taps" in _code("02_convolution_2d.ipynb")
    taps = [c for c in _calls("02_convolution_2d.ipynb", "highlight_window") if ast.unparse(c.args[0]) == "axes[2]"]
    assert taps and [ast.unparse(a) for a in taps[0].args[1:]] == ["r", "c", "1", "1"]
    out = _checked("02_convolution_2d.ipynb", "dilation=d")
    assert re.search(r"^ 1  0  2 \| 1x1 +\| 1x1$", out, re.M)


def test_02_says_why_the_fout_formula_is_computed_with_correlate2d() -> None:
    text = _markdown("02_convolution_2d.ipynb")
    assert re.search(r"Why `correlate2d` for a formula written with \$\*\$\?[\s\S]{0,600}do not flip the kernels", text)
    out = _checked("02_convolution_2d.ipynb", "fused.shape")
    assert "equals b + sum_j fout_l(j) * f(i, j): True" in out


def test_02_writes_the_fused_kernel_as_f_i_j_like_exercise_3() -> None:
    # issue 19: the lecture wrote f_{l+1}(i) inside the sum, exercise 3 f_{l+1}(i, j)
    text = _markdown("02_convolution_2d.ipynb")
    assert "$$fout_{l+1}(i) = b_{l+1}(i) + \\sum_{j=1}^{l_f} fout_l(j) * f_{l+1}(i, j)$$" in text
    assert not re.search(r"f_\{l\+1\}\(i\)", text), "a kernel written f_{l+1}(i) without its input map j"
    assert "f_{(l+1)}(i)" in text, "say how the slide writes it"
    exercise = (LECTURES_DIR.parent / "solutions/ex03_conv_layer/ex03_conv_layer.ipynb").read_text()
    assert "f_{l+1}(i, j)" in exercise


def test_02_the_1x1_output_shares_the_stride_2_outputs_colour_scale() -> None:
    # issue 19: the lone 14 was drawn near-white, its colour scale having one value
    grids = {ast.unparse(c.args[0]): c for c in _calls("02_convolution_2d.ipynb", "show_grid")}
    for name in ("strided", "dilated"):
        assert (_kw(grids[name], "vmin"), _kw(grids[name], "vmax")) == ("out_lo", "out_hi"), name
    assert "out_lo, out_hi = min(strided.min(), dilated.min()), max(strided.max(), dilated.max())" in _code("02_convolution_2d.ipynb")


# --------------------------------------------------------------------------- lecture 04
def test_04_fixed_size_maps_have_frequency_upwards_and_a_colour_bar() -> None:
    grids = [c for c in _calls("04_pooling.ipynb", "show_grid") if ast.unparse(c.args[0]) == "fixed"]
    assert grids and _kw(grids[0], "origin") == "lower", "row 0 (lowest frequency) must be at the bottom"
    assert _kw(grids[0], "vmin") == "lo" and _kw(grids[0], "vmax") == "hi", "one colour scale for the three maps"
    bars = [c for c in _calls("04_pooling.ipynb", "colorbar") if "dB" in str(_kw(c, "label"))]
    assert bars, "the 9x9 maps need a colour bar in dB"


# --------------------------------------------------------------------------- lecture 06
def test_06_kernel_is_drawn_the_way_the_spectrogram_is() -> None:
    kernel = [c for c in _calls("06_cnns_for_audio.ipynb", "show_grid") if ast.unparse(c.args[0]) == "kernel"]
    assert kernel and _kw(kernel[0], "origin") == "lower", "an upsweep drawn with row 0 at the top looks like a downsweep"


def test_06_time_shift_claim_matches_the_peaks() -> None:
    out = _checked("06_cnns_for_audio.ipynb", "whole clip 0.32 s earlier")
    peaks = {m[0].strip(): (float(m[1]), float(m[2])) for m in re.findall(r"^(.+?): peak response +[\d.]+ at ([\d.]+) s, +(\d+) Hz", out, re.M)}
    (t0, f0), (t1, f1), (t2, f2) = peaks["upcall (0.5-1.5 s, 70-200 Hz)"], peaks["whole clip 0.32 s earlier"], peaks["call 195 Hz higher"]
    assert t0 - t1 == pytest.approx(5 * 128 / 2000, abs=0.011) and f1 == f0, "the earlier clip's peak: same call, 0.32 s earlier"
    assert f2 - f0 == pytest.approx(25 * 2000 / 256, abs=8) and t2 == t0, "the higher call's peak: 195 Hz higher, same time"
    assert "== original map moved 5 frames left: True" in out
    assert "0.32 s earlier" in _markdown("06_cnns_for_audio.ipynb") and "0.3 s earlier" not in _markdown("06_cnns_for_audio.ipynb")


def test_06_gallery_draws_each_clip_with_its_own_noise() -> None:
    # one seed per panel: the clips (and so their noise) differ
    calls = _calls("06_cnns_for_audio.ipynb", "generate_clips")
    seeds = [ast.unparse(next(k.value for k in c.keywords if k.arg == "seed")) for c in calls
             if any(k.arg == "snr_db" for k in c.keywords) and "col" in ast.unparse(c)]
    assert sorted(seeds) == ["100 + col", "110 + col"], seeds
    levels = [c for c in _calls("06_cnns_for_audio.ipynb", "show_spectrogram") if _kw(c, "vmin") == -10]
    assert levels and _kw(levels[0], "vmax") == 40, "the plain spectrograms (flat tone, ship lines) on a dB scale"


def test_06_and_07_explain_the_frame_lengths() -> None:
    six, seven = _markdown("06_cnns_for_audio.ipynb"), _markdown("07_a_complete_cnn.ipynb")
    assert re.search(r"Why 256 samples here, and 64 in lecture 07\?", six)
    assert re.search(r"Why 64 samples, when lecture 06 framed the audio in 256\?", seven)
    assert re.search(r"framed audio: +\(30, 256\)", _checked("06_cnns_for_audio.ipynb", "frame_audio(audio, N_FFT, HOP)"))


# --------------------------------------------------------------------------- lecture 07
def test_07_text_claims_no_result_the_code_does_not_set() -> None:
    text, code = _markdown("07_a_complete_cnn.ipynb"), _code("07_a_complete_cnn.ipynb")
    epochs = {int(v) for v in re.findall(r"^EPOCHS_\w+(?:, \w+)? = (\d+)", code, re.M)}
    assert epochs, "the epoch budgets are set in the code"
    for n in re.findall(r"(\d+) epochs?\b", text):
        assert int(n) in epochs, f"the text speaks of {n} epochs; the code runs {sorted(epochs)}"
    for sentence in re.split(r"(?<=[.!?])\s", text):
        if re.search(r"accura", sentence, re.I):
            assert not re.search(r"\d+(\.\d+)? ?%", sentence), f"an accuracy number written by hand: {sentence!r}"
    assert "less surely" not in text and "99 %" not in text


def test_07_watches_the_validation_split_and_keeps_the_test_split_for_the_end() -> None:
    code = _code("07_a_complete_cnn.ipynb")
    assert 'load_split("validation"' in code and 'load_split("test"' in code
    for call in _calls("07_a_complete_cnn.ipynb", "train"):
        assert _kw(call, "X_val") in ("X_val", "F_val"), ast.unparse(call)
        assert "test" not in ast.unparse(call).lower(), f"the test split must not steer training: {ast.unparse(call)}"
    labels = [_kw(c, "label") for c in _calls("07_a_complete_cnn.ipynb", "plot")]
    assert "validation split" in labels and not any("test" in str(lab) for lab in labels)


def test_07_runs_the_slides_keras_code_and_it_agrees_with_the_course() -> None:
    code = _code("07_a_complete_cnn.ipynb")
    for line in ["model = Sequential()", "model.add(Conv2D(32, kernel_size=(5, 5), activation='relu'))",
                 "model.add(MaxPooling2D(pool_size=(2, 2), strides=(2, 2)))",
                 "model.add(Conv2D(64, kernel_size=(5, 5), activation='relu'))", "model.add(MaxPooling2D(pool_size=(2, 2)))",
                 "model.add(Flatten())", "model.add(Dense(1000, activation='relu'))",
                 "model.add(Dense(NumClasses, activation='softmax'))", 'os.environ["KERAS_BACKEND"] = "torch"']:
        assert line in code, line
    assert re.search(r"model\.add\(Input\(shape=\(size, size, 1\)\)\)", code)
    out = _checked("07_a_complete_cnn.ipynb", "keras_rows")
    assert out.count("agree") == 14 and "DIFFER" not in out
    assert "Keras count_params(): 3,904,639,106 | course.models.summary: 3,904,639,106" in out
    assert "Keras count_params(): 53,887,106 | course.models.summary: 53,887,106" in out


def test_06_explorer_answer_quotes_what_the_detector_gives() -> None:
    # question 5's answer quotes the detector's peak for examples 1 and 0 at several SNRs: recompute them
    from course.widgets.audio import UpcallExplorer

    answer = _markdown("06_cnns_for_audio.ipynb").split("5. In the explorer", 1)[1]
    quoted = {1: r"about 10\.4 at \+10 dB, 8\.5 at \+4 dB, 7\.1 at 0 dB, 6\.3 at −2 dB and\s+4\.5 at −6 dB",
              0: r"about 9 at \+10 dB,\s+6\.8 at \+4 dB, 5\.4 at 0 dB, 4\.7 at −2 dB and 3\.7 at −6 dB"}
    peaks = {1: [(10, 10.4), (4, 8.5), (0, 7.1), (-2, 6.3), (-6, 4.5)], 0: [(10, 9.0), (4, 6.8), (0, 5.4), (-2, 4.7), (-6, 3.7)]}
    flat_range = {1: (3.4, 4.2), 0: (3.6, 4.05)}   # "between 3.4 and 4.2", "near 3.7-4"
    assert "between 3.4 and 4.2" in answer and "near 3.7–4" in answer
    for example in (1, 0):
        assert re.search(quoted[example], answer), f"the answer's numbers for example {example} changed: update this test"
        explorer = UpcallExplorer(kind="upcall", example=example, snr=10.0)
        for snr, peak in peaks[example]:
            explorer.snr.value = float(snr)
            assert explorer.score == pytest.approx(peak, abs=0.1), (example, snr, explorer.score)
        explorer.kind.value = "flat"
        lo, hi = flat_range[example]
        for snr in (-6, 0, 4, 10):
            explorer.snr.value = float(snr)
            assert lo - 0.05 <= explorer.score <= hi + 0.05, ("flat", example, snr, explorer.score)


def _explorer_peak_and_brightest(explorer) -> tuple[float, float]:
    """The detector's peak frequency and the frequency of the brightest input cell in the peak's frame."""
    from course.audio import feature_axes

    times, freqs = feature_axes()
    column = int(np.argmin(np.abs(times - explorer.peak_time)))
    rows = slice(3, freqs.size - 3)                       # the rows a 7x7 window can centre on
    return explorer.peak_frequency, float(freqs[rows][np.argmax(explorer.spec[rows, column])])


def test_06_explorer_opens_on_a_call_the_detector_finds() -> None:
    # issue 19: the default view's peak sat on the faint 2nd harmonic (172 Hz), not on the bright call
    from course.widgets.audio import UpcallExplorer

    call = next(c for c in _calls("06_cnns_for_audio.ipynb", "UpcallExplorer"))
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    explorer = UpcallExplorer(**kwargs)
    peak, brightest = _explorer_peak_and_brightest(explorer)
    assert abs(peak - brightest) <= 1.5 * 2000 / 256, f"default view: peak {peak} Hz, the call at {brightest} Hz"
    text = _markdown("06_cnns_for_audio.ipynb")
    assert f"opens on upcall example {kwargs['example']} at +{kwargs['snr']:.0f} dB" in text
    assert f"peaks on the call, at {explorer.peak_time:.2f} s and {explorer.peak_frequency:.0f} Hz" in text
    # the text's counter-example: example 0's peak sits on the 2nd harmonic of its call
    explorer.example.value = 0
    peak, brightest = _explorer_peak_and_brightest(explorer)
    assert abs(peak - 2 * brightest) <= 2 * 2000 / 256, (peak, brightest)
    assert f"The peak\n({explorer.peak_time:.2f} s, {explorer.peak_frequency:.0f} Hz) sits on the fainter 2nd harmonic" in text
    assert "122 Hz/s" in text and (2000 / 256) / (128 / 2000) == pytest.approx(122, abs=0.1)


# --------------------------------------------------------------------------- lecture 06, section 3 and 6
def _figure_alt(name: str, marker: str) -> str:
    """The alt text of the one figure cell whose source contains ``marker``."""
    calls = [c for cell in _nb(name).cells if cell.cell_type == "code" and marker in cell.source
             for c in _calls_in(cell.source, "show_figure")]
    assert len(calls) == 1, f"{name}: {len(calls)} figures with {marker!r}"
    return _kw(calls[0], "alt")


def test_06_gallery_alt_text_says_what_the_quiet_row_shows() -> None:
    # issue 19: "two clicks show as stripes" where three did, "faint but visible" for plain lines
    out = _checked("06_cnns_for_audio.ipynb", 'quiet_inputs["clicks"]')
    stripes = [float(t) for t in re.search(r"\(mean > 0\.5\) at ([\d., ]+) s", out).group(1).split(", ")]
    assert float(re.search(r"brightest other column: mean ([-\d.]+)", out).group(1)) < 0.5 / 2, "stripes well apart from noise"
    alt = _figure_alt("06_cnns_for_audio.ipynb", "quiet_inputs[kind] =")
    words = {2: "two", 3: "three", 4: "four", 5: "five"}
    said = re.search(r"the clicks show as (\w+) vertical stripes,\s+at about ([\d., and]+) s", alt)
    assert said and said.group(1) == words[len(stripes)], f"{len(stripes)} stripes measured; the alt says {said and said.group(1)}"
    quoted = [float(t) for t in re.findall(r"[\d.]+\d", said.group(2))]
    assert quoted == pytest.approx(stripes, abs=0.02)
    assert "faint but visible" not in alt and "plainly visible" in alt


def _log_line_widths(n_fft: int, hop: int, drop_db: float = 40.0) -> list[int]:
    """Rows within ``drop_db`` of each partial's peak (the 100 Hz tone), on the lecture's log axis."""
    from course.audio import frequencies, log_frequency, log_spectrogram
    from course.data import harmonic_tone

    spec, f_log = log_frequency(log_spectrogram(harmonic_tone(100, 4, duration=2.0), n_fft, hop), frequencies(n_fft), 50.0, 700.0)
    level = spec.mean(axis=-1)
    widths = []
    for k in range(1, 5):
        j = int(np.argmin(np.abs(f_log - 100 * k)))
        j += int(np.argmax(level[j - 2:j + 3])) - 2          # the line's own peak row
        lo = hi = j
        while level[lo - 1] > level[j] - drop_db:
            lo -= 1
        while level[hi + 1] > level[j] - drop_db:
            hi += 1
        widths.append(hi - lo + 1)
    return widths


def test_06_log_axis_panels_show_shrinking_gaps_and_equally_thin_lines() -> None:
    # issue 19: the alt text claimed equally spaced partials on a log axis, and the 100 Hz line was
    # drawn much thicker (a linear spectrogram's 8 Hz line width is a wide band at 100 Hz on a log axis)
    out = _checked("06_cnns_for_audio.ipynb", "def profile")
    gaps = [tuple(ast.literal_eval(g) for g in pair) for pair in re.findall(r"gaps between partials: (\[[\d, ]+\]) \(100 Hz tone\), (\[[\d, ]+\])", out)]
    (lin_a, lin_b), (log_a, log_b) = gaps
    assert lin_a == [100] * 3 and lin_b == [120] * 3
    assert log_a == log_b and log_a == sorted(log_a, reverse=True) and log_a[0] > log_a[-1], log_a
    text, alt = _markdown("06_cnns_for_audio.ipynb"), _figure_alt("06_cnns_for_audio.ipynb", "Hz, log axis")
    assert "equally spaced the same way" not in alt and "gaps" in alt and "shrink" in alt
    assert f"({', '.join(str(g) for g in log_a[:-1])} and {log_a[-1]} bins)" in text
    log_calls = [c for c in _calls("06_cnns_for_audio.ipynb", "plot_spectrogram") if _kw(c, "log_axis") is True]
    assert len(log_calls) == 1
    n_fft, hop = _kw(log_calls[0], "n_fft"), _kw(log_calls[0], "hop")
    widths = _log_line_widths(n_fft, hop)    # 40 dB: half the panels' colour range (-40 to about 45 dB)
    assert max(widths) <= 1.5 * min(widths), f"line widths on the log axis (rows within 40 dB of each peak): {widths}"
    assert "all lines equally thin" in alt


def _bright_track(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frames (s) where a CNN input holds a bright tone (a cell above 1.6, i.e. 16 dB over its row's
    median: noise stays below it), and the tone's frequency (Hz) in each of those frames."""
    from course.audio import feature_axes

    times, freqs = feature_axes()
    on = x.max(axis=0) > 1.6
    return times[on], freqs[x.argmax(axis=0)[on]]


def test_07_training_gallery_alt_says_what_the_clips_show() -> None:
    # issue 19: the alt called the flat tone "faint where whitening removed most of a long tone"; the
    # panel shows a short bright tone (0.7-1.3 s) with a harmonic near 460 Hz
    from course.audio import features
    from course.data import load_split

    code = next(c.source for c in _nb("07_a_complete_cnn.ipynb").cells if c.cell_type == "code" and "snrs.append" in c.source)
    assert 'load_split("train", 2000)' in code and "(train_clips.kinds == kind) & (train_clips.snr_db > 6)" in code
    alt = _figure_alt("07_a_complete_cnn.ipynb", "snrs.append")
    assert "faint where whitening" not in alt
    clips = load_split("train", 2000)
    claims = {"upcall": ("rising from about 80 to 170 Hz between 1.3 and 1.8 s", (1.3, 1.8), None),
              "flat": ("near 230 Hz from 0.7 to 1.3 s", (0.7, 1.3), 230)}
    for kind, (words, (start, end), level_hz) in claims.items():
        assert words in alt, kind
        i = int(np.flatnonzero((clips.kinds == kind) & (clips.snr_db > 6))[0])
        x = features(clips.audio[i:i + 1])[0, 0]
        t, f = _bright_track(x)
        assert t.min() == pytest.approx(start, abs=0.07) and t.max() == pytest.approx(end, abs=0.1), (kind, t)
        if level_hz is not None:
            assert np.median(f) == pytest.approx(level_hz, abs=8), (kind, f)
        # the second harmonic: bright at twice the tone's frequency, in the same frames
        rows = np.round(2 * f / (2000 / 256)).astype(int)
        harmonic = [x[r - 1:r + 2, j].max() for r, j in zip(rows, np.flatnonzero(x.max(axis=0) > 1.6))]
        assert np.median(harmonic) > 1.2, (kind, harmonic)
    assert "second harmonic near 460 Hz" in alt and "second harmonic at twice the frequency" in alt
