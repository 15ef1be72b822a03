"""Grading machinery of the course: checks, diagnosis, the kernel-side recorder and the
nbgrader pipeline (preprocessors, sandboxed kernels, the parallel autograde batch).

Public names (imported lazily, so a student's kernel that only needs :func:`record` never
imports nbgrader):

- :class:`Check`, :class:`Misconception`, :func:`register`, :func:`get`
  (``course.grading.checks``): what a graded function must compute and the known mistakes;
  :func:`diagnose` (``course.grading.diagnosis``): what a wrong output means.
- :func:`record` (``course.grading.recorder``): called in test cells; runs the student's
  function on a check's cases and emits the outputs for the grader. Its verdict is advisory:
  the grade is decided by the grader's own process (``course.grading.preprocessors``).
"""

from __future__ import annotations

from course._lazy import lazy_attributes

_PUBLIC: dict[str, str] = {
    "Case": "course.grading.checks",
    "Check": "course.grading.checks",
    "Misconception": "course.grading.checks",
    "register": "course.grading.checks",
    "get": "course.grading.checks",
    "all_checks": "course.grading.checks",
    "diagnose": "course.grading.diagnosis",
    "default_compare": "course.grading.checks",
    "CONVOLUTION_SHORTCUTS": "course.grading.checks",
    "record": "course.grading.recorder",
    "RECORD_MIMETYPE": "course.grading.recorder",
}

__all__ = sorted(_PUBLIC)

__getattr__, __dir__ = lazy_attributes(__name__, globals(), _PUBLIC, submodules=True)
