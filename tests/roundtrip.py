"""The grading round trip of some assignments, as test functions that a test module takes in
(one module per assignment, so that pytest-xdist spreads the batches over the workers):
release, autograde one batch of fake students per assignment (``course autograde``), feedback,
and what each student got.

Students in each batch: ``solution`` (the instructor's answers typed into the release),
``untouched`` (the release as given), ``syntax-error`` (the solution with a SyntaxError in its
first answer cell) and ``mistake-<name>`` for each file of ``tests/mistakes/<assignment>/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from grading_helpers import (
    apply_mistake,
    copy_course,
    course,
    feedback_text,
    mistakes,
    read_csv,
    release_notebook_names,
    solved_notebook,
    write_submission,
)
from course.grading.release import leaks


def _break_first_answer(nb: nbformat.NotebookNode) -> str:
    """Put a SyntaxError (an unclosed bracket) at the end of the first answer cell that defines a
    function; returns that function's name."""
    import ast

    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            defs = [n.name for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)]
            if defs:
                cell.source = cell.source.rstrip("\n") + "\nBROKEN = (1,\n"
                return defs[0]
    raise ValueError("no answer cell defines a function")


def roundtrip_tests(ASSIGNMENTS: list[str]) -> dict[str, Any]:
    """The fixtures ``released`` and ``batch`` and the round-trip tests of ``ASSIGNMENTS``; a test
    module does ``globals().update(roundtrip_tests([...]))``."""
    MISTAKE_CASES = [(aid, m) for aid in ASSIGNMENTS for m in mistakes(aid)]
    _BATCHES: dict[str, dict] = {}

    @pytest.fixture(scope="module")
    def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
        root = copy_course(tmp_path_factory.mktemp("course"), ASSIGNMENTS)
        course("release", *ASSIGNMENTS, root=root)
        return root




    @pytest.fixture(scope="module")
    def batch(released: Path):
        """batch(aid) -> {"rows": CSV rows by student, "expect": {student: EXPECT}, "csv": Path}; one
        ``course autograde`` (and one ``course feedback``) per assignment, shared by the tests."""

        def run(aid: str) -> dict:
            if aid in _BATCHES:
                return _BATCHES[aid]
            submitted = released / f"submitted-{aid}"
            names = release_notebook_names(released, aid)
            expect: dict[str, str] = {}
            for name in names:
                write_submission(submitted, "solution", aid, solved_notebook(released, aid, name), name)
                write_submission(submitted, "untouched", aid, nbformat.read(released / "exercises" / aid / name, 4), name)
            broken = solved_notebook(released, aid, names[0])
            function = _break_first_answer(broken)
            write_submission(submitted, "syntax-error", aid, broken, names[0])
            for name in names[1:]:
                write_submission(submitted, "syntax-error", aid, solved_notebook(released, aid, name), name)
            for mistake in mistakes(aid):
                student = f"mistake-{mistake.stem}"
                for name in names:
                    nb = solved_notebook(released, aid, name)
                    if name == names[0]:
                        nb, expect[student] = apply_mistake(nb, mistake)
                    write_submission(submitted, student, aid, nb, name)
            only = submitted
            csv_path = released / f"grades-{aid}.csv"
            course("autograde", aid, "--submitted", str(only), "--jobs", "2", "--csv", str(csv_path), "--quiet", root=released)
            course("feedback", aid, "--allow-pending", root=released)  # ex03's written answer waits for a person
            _BATCHES[aid] = {"rows": read_csv(csv_path), "expect": expect, "csv": csv_path, "submitted": only,
                             "broken": function}
            return _BATCHES[aid]

        return run


    @pytest.mark.parametrize("aid", ASSIGNMENTS)
    def test_release_has_no_solution_and_no_hidden_test(released: Path, aid: str) -> None:
        for name in release_notebook_names(released, aid):
            problems = leaks(released / "exercises" / aid / name, released / "solutions" / aid / name)
            assert problems == []
            text = (released / "exercises" / aid / name).read_text("utf-8")
            assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
            assert ".hidden\"" not in text


    def _hand_graded_points(root: Path, aid: str) -> float:
        """Points of written answers (grade + solution cells): nbgrader leaves them to a person."""
        total = 0.0
        for name in release_notebook_names(root, aid):
            nb = nbformat.read(root / "solutions" / aid / name, 4)
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("grade") and meta.get("solution"):
                    total += float(meta.get("points", 0))
        return total


    @pytest.mark.parametrize("aid", ASSIGNMENTS)
    def test_solutions_score_full_marks(batch, released: Path, aid: str) -> None:
        row = batch(aid)["rows"]["solution"]
        assert float(row["max_score"]) > 0
        manual = _hand_graded_points(released, aid)
        assert float(row["score"]) == float(row["max_score"]) - manual, row
        assert row["status"] == "ok"
        if manual:
            assert "wait for manual grading" in row["reason"]


    @pytest.mark.parametrize("aid", ASSIGNMENTS)
    def test_untouched_release_scores_zero(batch, aid: str) -> None:
        row = batch(aid)["rows"]["untouched"]
        assert float(row["score"]) == 0.0, row
        assert float(row["max_score"]) > 0


    @pytest.mark.parametrize("aid,mistake", MISTAKE_CASES, ids=[f"{a}-{m.stem}" for a, m in MISTAKE_CASES])
    def test_mistake_loses_points_and_feedback_names_it(batch, released: Path, aid: str, mistake: Path) -> None:
        result = batch(aid)
        student = f"mistake-{mistake.stem}"
        row = result["rows"][student]
        assert float(row["score"]) < float(row["max_score"]), row
        text = feedback_text(released, student, aid)
        assert text, f"no feedback HTML for {student}"
        assert result["expect"][student] in text, f"{result['expect'][student]!r} not in the feedback of {student}; row: {row}"


    @pytest.mark.parametrize("aid", ASSIGNMENTS)
    def test_a_syntax_error_is_named_in_the_feedback(batch, released: Path, aid: str) -> None:
        """Issue 19: a graded function whose cell has a SyntaxError was reported as a bare NameError;
        the feedback now says which cell did not run and why."""
        result = batch(aid)
        assert float(result["rows"]["syntax-error"]["score"]) < float(result["rows"]["syntax-error"]["max_score"])
        text = feedback_text(released, "syntax-error", aid)
        assert f"the cell defining {result['broken']} did not run: SyntaxError at line " in text, text[-3000:]


    @pytest.mark.parametrize("aid", ASSIGNMENTS)
    def test_every_student_gets_one_feedback_report(batch, released: Path, aid: str) -> None:
        result = batch(aid)
        for student in result["rows"]:
            reports = list((released / "feedback" / student / aid).glob("*.html"))
            assert len(reports) == len(release_notebook_names(released, aid)), student

    return {name: value for name, value in locals().items()
            if name in ("released", "batch") or name.startswith("test_")}
