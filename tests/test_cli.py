"""The ``course`` command on a temporary copy of the course: release, check-release, validate,
grades, autograde's exit codes, the sandbox (a positive control) and plain ``nbgrader``."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import nbformat
import pytest

from grading_helpers import BIN, cell_by_id, copy_course, course, env, read_csv, solved_notebook, write_submission

AID = "ex01_convolution_1d"
NAME = f"{AID}.ipynb"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_course(tmp_path_factory.mktemp("cli"), [AID])
    course("release", AID, root=root)
    return root


@pytest.fixture
def copy(root: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "course"
    shutil.copytree(root, dest)
    return dest


def test_release_writes_the_student_version(root: Path) -> None:
    nb = nbformat.read(root / "exercises" / AID / NAME, 4)
    source = cell_by_id(nb, "convolve1d").source
    assert "raise NotImplementedError" in source
    assert "### BEGIN SOLUTION" not in source
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_check_release_passes_on_a_fresh_release(root: Path) -> None:
    proc = course("check-release", AID, root=root)
    assert "up to date" in proc.stdout


def test_check_release_fails_on_a_stale_release(copy: Path) -> None:
    path = copy / "exercises" / AID / NAME
    nb = nbformat.read(path, 4)
    cell_by_id(nb, "intro").source += "\nAn old sentence."
    nbformat.write(nb, path)
    proc = course("check-release", AID, root=copy, check=False)
    assert proc.returncode == 1
    assert "stale release" in proc.stderr


def test_check_release_fails_on_a_leaked_solution(copy: Path) -> None:
    path = copy / "exercises" / AID / NAME
    nb = nbformat.read(path, 4)
    cell_by_id(nb, "convolve1d").source = solved_notebook(copy, AID).cells[
        [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells].index("convolve1d")].source
    nbformat.write(nb, path)
    proc = course("check-release", AID, root=copy, check=False)
    assert proc.returncode == 1
    assert "leaks solution" in proc.stderr


def test_check_release_fails_on_a_leaked_hidden_test(copy: Path) -> None:
    path = copy / "exercises" / AID / NAME
    text = path.read_text("utf-8").replace("record(\\\"ex01.convolve1d.full\\\", convolve1d)",
                                            "record(\\\"ex01.convolve1d.full.hidden\\\", convolve1d)", 1)
    assert "full.hidden" in text
    path.write_text(text, "utf-8")
    proc = course("check-release", AID, root=copy, check=False)
    assert proc.returncode == 1
    assert "leaks solution / hidden-test line" in proc.stderr


def test_check_release_fails_on_a_missing_release(copy: Path) -> None:
    shutil.rmtree(copy / "exercises" / AID)
    assert course("check-release", AID, root=copy, check=False).returncode == 1


def test_validate_passes_a_solved_notebook(root: Path, tmp_path: Path) -> None:
    path = tmp_path / NAME
    nbformat.write(solved_notebook(root, AID), path)
    proc = course("validate", str(path), root=root, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout


def test_validate_fails_the_untouched_release_with_the_reason(root: Path, tmp_path: Path) -> None:
    path = tmp_path / NAME
    shutil.copy(root / "exercises" / AID / NAME, path)
    proc = course("validate", str(path), root=root, check=False)
    assert proc.returncode == 1
    assert "not implemented yet" in proc.stdout


def test_autograde_without_submissions_folder_cannot_run(root: Path) -> None:
    proc = course("autograde", AID, "--submitted", str(root / "nothing-here"), "--quiet", root=root, check=False,
                  subprocess_=True)  # the console script itself
    assert proc.returncode == 2
    assert "could not run" in proc.stderr


def test_sandbox_is_what_hides_the_solutions(copy: Path) -> None:
    """Positive control of the hostile test: without the sandbox the same notebook CAN read the
    solutions (and scores), with it (the default) it cannot."""
    secret = copy / "solutions" / AID / NAME
    nb = nbformat.read(copy / "exercises" / AID / NAME, 4)
    answers = solved_notebook(copy, AID)
    code = "\n".join(c.source for c in answers.cells if c.metadata.get("nbgrader", {}).get("solution"))
    cell_by_id(nb, "convolve1d").source = (
        f"import numpy as np\ntry:\n    open({str(secret)!r}).close()\n    can_read = True\n"
        f"except OSError:\n    can_read = False\nif can_read:\n" + "\n".join("    " + ln for ln in code.splitlines()))
    cell_by_id(nb, "correlate1d").source = "pass"
    write_submission(copy / "sub", "reader", AID, nb)
    course("autograde", AID, "--submitted", str(copy / "sub"), "--jobs", "1", "--quiet", "--no-sandbox",
           "--csv", str(copy / "plain.csv"), root=copy)
    course("autograde", AID, "--submitted", str(copy / "sub"), "--jobs", "1", "--quiet",
           "--csv", str(copy / "sandboxed.csv"), root=copy)
    assert read_csv(copy / "plain.csv")["reader"]["score"] == "10"
    assert read_csv(copy / "sandboxed.csv")["reader"]["score"] == "0"
    # course grades reads the gradebook: the last grading counts
    out = copy / "all.csv"
    course("grades", "--csv", str(out), root=copy)
    rows = out.read_text("utf-8").splitlines()
    assert rows[0] == ("student_id,assignment,score,max_score,status,submitted,needs_manual_grade,late_seconds,"
                       "penalty,decision")
    assert rows[1:] == ["reader,ex01_convolution_1d,0,10,ok,true,false,0,0,"]


def test_plain_nbgrader_autograde_uses_the_course_pipeline(copy: Path) -> None:
    import subprocess

    write_submission(copy / "submitted", "alice", AID, solved_notebook(copy, AID))
    nb = solved_notebook(copy, AID)
    cell_by_id(nb, "convolve1d").source = "import numpy as np\ndef convolve1d(x, w, mode='full'):\n    return np.convolve(x, w, mode)"
    write_submission(copy / "submitted", "bob", AID, nb)
    proc = subprocess.run([str(BIN / "nbgrader"), "autograde", AID], cwd=copy, env=env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    con = sqlite3.connect(copy / "gradebook.db")
    scores = dict(con.execute(
        "select s.student_id, sum(g.auto_score) from grade g join submitted_notebook n on g.notebook_id = n.id "
        "join submitted_assignment s on n.assignment_id = s.id group by s.student_id").fetchall())
    con.close()
    assert scores == {"alice": 10.0, "bob": 4.0}
    autograded = json.loads((copy / "autograded" / "bob" / AID / NAME).read_text("utf-8"))
    texts = json.dumps([c.get("outputs") for c in autograded["cells"]])
    assert "calls numpy.convolve" in texts


def test_db_url_and_dask_scheduler(copy: Path) -> None:
    """--db puts the grades in the given database; --scheduler sends the same jobs to a Dask
    cluster (here an in-process one) and gives the same CSV as the process pool."""
    from distributed import LocalCluster

    nb = solved_notebook(copy, AID)
    write_submission(copy / "sub", "carol", AID, nb)
    cell_by_id(nb, "correlate1d").source = "def correlate1d(x, w, mode='valid'):\n    return x"
    write_submission(copy / "sub", "dave", AID, nb)
    db = copy / "elsewhere.sqlite"
    course("autograde", AID, "--submitted", str(copy / "sub"), "--jobs", "2", "--quiet", "--db", f"sqlite:///{db}",
           "--csv", str(copy / "pool.csv"), root=copy)
    assert course("grades", root=copy).stdout.splitlines()[1:] == []  # nothing in the default gradebook
    out = course("grades", "--db", f"sqlite:///{db}", root=copy).stdout.splitlines()
    assert out[1:] == ["carol,ex01_convolution_1d,10,10,ok,true,false,0,0,",
                       "dave,ex01_convolution_1d,6,10,ok,true,false,0,0,"]
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        course("autograde", AID, "--submitted", str(copy / "sub"), "--quiet", "--scheduler", cluster.scheduler_address,
               "--db", f"sqlite:///{db}", "--csv", str(copy / "dask.csv"), root=copy)
    assert (copy / "dask.csv").read_text("utf-8") == (copy / "pool.csv").read_text("utf-8")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://ta@127.0.0.1:5433/gradebook", "postgresql+psycopg2://ta@127.0.0.1:5433/gradebook"),
        ("postgresql+psycopg2://ta@db/gradebook", "postgresql+psycopg2://ta@db/gradebook"),
        ("sqlite:///gradebook.db", "sqlite:///gradebook.db"),
        ("sqlite:////srv/grades/gradebook.db", "sqlite:////srv/grades/gradebook.db"),
    ],
)
def test_db_urls_get_the_installed_postgres_driver(given: str, expected: str) -> None:
    from course.cli import gradebook_url

    assert gradebook_url(given) == expected


def test_db_url_that_is_not_a_url_is_refused_with_an_example() -> None:
    import argparse

    from course.cli import gradebook_url

    with pytest.raises(argparse.ArgumentTypeError, match=r"'gradebook' is not a database URL; expected e\.g\. sqlite:///"):
        gradebook_url("gradebook")
