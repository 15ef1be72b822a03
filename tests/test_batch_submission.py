"""``course.grading.batch.submission.read_submission``: what of a student's folder reaches the
grader, read without a kernel or a gradebook (issue 17 #8: the batch had no unit tests).

Only the released notebook is used; another single notebook stands in for a missing one, with a
note; every other file is listed in one submission note, except what nbgrader and Jupyter put
there themselves (``timestamp.txt``, ``submission_secret.txt``, ``.ipynb_checkpoints/``: issue 18
#5, every collected row said "other files ... ignored: submission_secret.txt"); links are never
followed; a notebook over the cap is not read.
"""

from __future__ import annotations

from pathlib import Path

from course.grading.batch.submission import read_submission

NAME = "ex01.ipynb"
NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "alice" / "ex01"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def test_only_the_notebook_is_read_and_the_rest_is_listed(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {NAME: NOTEBOOK, "helper.py": b"import os", "course/__init__.py": b""})
    sub = read_submission(folder, [NAME], 10_000)
    assert sub.notebooks == {NAME: NOTEBOOK}
    assert sub.notes == ["only the notebook is graded; other files in the submission were ignored: course/, helper.py"]


def test_what_nbgrader_and_jupyter_put_there_is_not_listed(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {NAME: NOTEBOOK, "timestamp.txt": b"2026-12-01 10:00:00.000000 UTC",
                                "submission_secret.txt": b"ab" * 32,
                                ".ipynb_checkpoints/ex01-checkpoint.ipynb": NOTEBOOK})
    sub = read_submission(folder, [NAME], 10_000)
    assert sub.notes == [] and sub.notebooks == {NAME: NOTEBOOK}
    assert sub.timestamp == b"2026-12-01 10:00:00.000000 UTC"


def test_one_other_notebook_stands_in_for_a_missing_one(tmp_path: Path) -> None:
    sub = read_submission(_folder(tmp_path, {"ex01 (1).ipynb": NOTEBOOK}), [NAME], 10_000)
    assert sub.notebooks == {NAME: NOTEBOOK}
    assert sub.notes == [f"no {NAME} in the submission: graded ex01 (1).ipynb in its place"]


def test_two_other_notebooks_are_not_guessed_between(tmp_path: Path) -> None:
    sub = read_submission(_folder(tmp_path, {"a.ipynb": NOTEBOOK, "b.ipynb": NOTEBOOK}), [NAME], 10_000)
    assert sub.notebooks == {}
    assert sub.notes == ["only the notebook is graded; other files in the submission were ignored: a.ipynb, b.ipynb"]


def test_a_linked_notebook_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "solutions.ipynb"
    secret.write_bytes(NOTEBOOK)
    folder = _folder(tmp_path, {})
    (folder / NAME).symlink_to(secret)
    sub = read_submission(folder, [NAME], 10_000)
    assert sub.notebooks == {} and sub.notes == [
        f"only the notebook is graded; other files in the submission were ignored: {NAME} (a link, not followed)"]


def test_a_notebook_over_the_cap_is_not_read(tmp_path: Path) -> None:
    sub = read_submission(_folder(tmp_path, {NAME: b" " * 2000}), [NAME], 1000)
    assert sub.notebooks == {} and sub.too_large == {NAME: 2000}


def test_a_missing_folder_is_said_so(tmp_path: Path) -> None:
    sub = read_submission(tmp_path / "nobody" / "ex01", [NAME], 10_000)
    assert sub.folder_missing and sub.notebooks == {}


def test_many_other_files_are_counted_not_all_listed(tmp_path: Path) -> None:
    sub = read_submission(_folder(tmp_path, {NAME: NOTEBOOK, **{f"f{i}.txt": b"x" for i in range(8)}}), [NAME], 10_000)
    assert sub.notes == ["only the notebook is graded; other files in the submission were ignored: "
                         "f0.txt, f1.txt, f2.txt, f3.txt, f4.txt and 3 more"]
