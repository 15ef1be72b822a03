"""The course's nbgrader preprocessors, one per file; they run in the grader's process.

- :class:`GuardedExecute` (``guarded_execute.py``) replaces nbgrader's ``Execute``;
- :class:`RecordVerdicts` (``record_verdicts.py``) decides the graded test cells;
- :class:`SanitizeStudentHTML` (``sanitize_student_html.py``) makes the student's content inert.

``nbgrader_config.py`` names them in ``Autograde.autograde_preprocessors``.
"""

from course.grading.preprocessors.cells import METADATA_KEY, is_test_cell, record_calls, student_sources
from course.grading.preprocessors.guarded_execute import GuardedExecute
from course.grading.preprocessors.record_verdicts import RecordVerdicts
from course.grading.preprocessors.sanitize_student_html import SanitizeStudentHTML

__all__ = ["METADATA_KEY", "GuardedExecute", "RecordVerdicts", "SanitizeStudentHTML", "is_test_cell", "record_calls", "student_sources"]
