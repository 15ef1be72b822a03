"""Every lecture runs top to bottom, and its ``# NBVAL_CHECK_OUTPUT`` cells reproduce the outputs
committed with them (the lecture's key numbers: the 5x5 feature map, parameter counts, receptive
fields, pooled shapes).

This is the check ``pytest --nbval-lax lectures/`` made, done over the executed copies the
website is built from (``tests/site_helpers.py``): each lecture is executed once per test run,
shared with ``test_site_build.py``. The comparison is nbval's: every output key except nbval's
skipped ones (metadata, execution counts, widget model ids, images), streams by stream name.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from site_helpers import REPO, executed_lectures, run_folder

LECTURES = sorted((REPO / "lectures").glob("*.ipynb"))
MARK = "# NBVAL_CHECK_OUTPUT"
#: nbval's skip_compare, images included (nbval-lax with no sanitising)
SKIPPED = {"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
           "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"}


def _streams_joined(outputs: list) -> list[dict]:
    """Consecutive outputs of one stream as one (the kernel may send a print in pieces)."""
    joined: list[dict] = []
    for out in outputs:
        if out["output_type"] == "stream" and joined and joined[-1].get("output_type") == "stream" \
                and joined[-1]["name"] == out["name"]:
            joined[-1] = {**joined[-1], "text": joined[-1]["text"] + out["text"]}
        else:
            joined.append(dict(out))
    return joined


def comparable(outputs: list) -> dict[str, list]:
    """Outputs flattened as nbval compares them: key -> values (a stream's text under its name)."""
    flat: dict[str, list] = {}
    for out in _streams_joined(outputs):
        if out["output_type"] == "stream":
            flat.setdefault(out["name"], []).append(out["text"])
            continue
        for key, value in out.items():
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIPPED:
                        flat.setdefault(mime, []).append(data if isinstance(data, str) else json.dumps(data, sort_keys=True))
            elif key not in SKIPPED:
                flat.setdefault(key, []).append(value)
    return flat


def mismatches(committed: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> list[str]:
    """Every marked cell whose fresh outputs differ from the committed ones."""
    problems = []
    pairs = list(zip(committed.cells, executed.cells))
    assert len(committed.cells) == len(executed.cells), "the executed copy has other cells"
    for index, (mine, fresh) in enumerate(pairs):
        if mine.cell_type != "code" or MARK not in mine.source:
            continue
        assert fresh.source == mine.source, f"cell {index}: the executed copy is of another version"
        want, got = comparable(mine.outputs), comparable(fresh.outputs)
        if want != got:
            problems.append(f"cell {index} ({mine.source.splitlines()[0][:60]}...):\n  committed {want}\n  now       {got}")
    return problems


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return executed_lectures(run_folder(tmp_path_factory))


@pytest.mark.parametrize("lecture", LECTURES, ids=lambda p: p.name)
def test_lecture_runs_and_reproduces_its_checked_outputs(executed: dict[str, Path], lecture: Path) -> None:
    committed = nbformat.read(lecture, as_version=4)
    fresh = nbformat.read(executed[lecture.name], as_version=4)
    marked = [c for c in committed.cells if c.cell_type == "code" and MARK in c.source]
    assert all(c.outputs for c in marked), f"{lecture.name}: a {MARK} cell is committed without its output"
    assert not [o for c in fresh.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert mismatches(committed, fresh) == []


def test_a_changed_number_is_caught(executed: dict[str, Path]) -> None:
    """The check fails when a committed number differs from what the lecture now prints."""
    lecture = next(p for p in LECTURES if MARK in p.read_text("utf-8"))
    committed = nbformat.read(lecture, as_version=4)
    fresh = nbformat.read(executed[lecture.name], as_version=4)
    cell = next(c for c in committed.cells if c.cell_type == "code" and MARK in c.source and c.outputs)
    out = next(o for o in cell.outputs if o.output_type == "stream" or "text/plain" in o.get("data", {}))
    text = out.text if out.output_type == "stream" else out.data["text/plain"]
    digit = next(ch for ch in text if ch.isdigit())
    changed = text.replace(digit, str((int(digit) + 1) % 10), 1)
    if out.output_type == "stream":
        out.text = changed
    else:
        out.data["text/plain"] = changed
    assert len(mismatches(committed, fresh)) == 1


def _execute_in_process(args: tuple[str, str, str]) -> str:
    from book.execute import execute

    notebook, cache, package = args
    return str(execute(Path(notebook), Path(cache), package))


def test_concurrent_callers_share_one_execution(tmp_path: Path) -> None:
    """Two processes asking for the same notebook at once: one runs it, the other waits for its
    copy (the lock per lecture); an edited notebook is executed again under a new name."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    runs = tmp_path / "runs.txt"
    notebook = tmp_path / "01_tiny.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import time\nwith open({str(runs)!r}, 'a') as f:\n    f.write('run\\n')\ntime.sleep(1)\nprint(6 * 7)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, notebook)
    cache = tmp_path / "cache"
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        copies = list(pool.map(_execute_in_process, [(str(notebook), str(cache), "pkg")] * 2))
    assert copies[0] == copies[1] and runs.read_text() == "run\n"
    assert nbformat.read(copies[0], as_version=4).cells[0].outputs[0].text == "42\n"
    nb.cells[0].source = nb.cells[0].source.replace("6 * 7", "6 * 8")
    nbformat.write(nb, notebook)
    again = _execute_in_process((str(notebook), str(cache), "pkg"))
    assert again != copies[0] and runs.read_text() == "run\nrun\n"
    assert sorted(cache.glob("*.ipynb")) == [Path(again)]  # the copy of the earlier version is gone
