"""nbgrader configuration of the convolutional-models course.

`solutions/` is nbgrader's source folder (instructor notebooks with solutions and hidden tests),
`exercises/` the release folder (what students get). Autograding executes each notebook in a
sandboxed kernel (course.grading.sandbox) and decides graded test cells in the grader's own
process from the outputs the tests recorded (course.grading.preprocessors). The `course` command
(course/cli.py) drives the same configuration; plain `nbgrader ...` commands keep working here.
"""

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "convolutional-models"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# Execution limits: one budget for the whole notebook, and at most this long per cell.
c.GuardedExecute.timeout = 60
c.GuardedExecute.notebook_timeout = 120
c.GuardedExecute.max_output_bytes = 1_000_000
c.SandboxKernelManager.sandbox_memory_mb = 2048
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Deleted test cells are put back from the gradebook's copy of the instructor's source.
c.OverwriteCells.add_missing_cells = True

c.Autograde.autograde_preprocessors = [
    "course.grading.preprocessors.GuardedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "course.grading.preprocessors.RecordVerdicts",
    "course.grading.preprocessors.SanitizeStudentHTML",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Student content is inert wherever it is rendered: the autograded notebooks are cleaned by
# SanitizeStudentHTML above; the formgrader and the feedback HTML clean again when they render.
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.preprocessors = ["course.grading.preprocessors.SanitizeStudentHTML"]
