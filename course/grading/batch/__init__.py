"""Autograde a whole class: one job per student, in parallel, robust to broken and hostile work.

One module per job of the batch (``ARCHITECTURE.md``, "Data flow"):

- :mod:`.config`: the course's nbgrader configuration and the batch's own limits;
- :mod:`.template`: the assignment's gradebook rows and release, made once per batch;
- :mod:`.submission`: reading a student's folder (only the notebook is used);
- :mod:`.notebook`: checking and repairing one submitted notebook;
- :mod:`.job`: one student graded by nbgrader in a private folder, under one time limit;
- :mod:`.verdicts`: the job's status and reason from the grader's verdicts;
- :mod:`.merge`: the outcome into the real gradebook and ``autograded/``;
- :mod:`.executor`: forked workers or a Dask cluster;
- :mod:`.report`: the CSV rows and the summary table;
- :mod:`.run`: :func:`autograde_batch`, which ties them together.
"""

from course.grading.batch.config import BatchLimits, api, default_db_url, load_config, overrides_from_flags
from course.grading.batch.job import Job, JobResult, grade_job
from course.grading.batch.report import CSV_COLUMNS, BatchResult, outcome_dict, summary_table
from course.grading.batch.run import SandboxUnavailable, autograde_batch

__all__ = ["BatchLimits", "BatchResult", "CSV_COLUMNS", "Job", "JobResult", "SandboxUnavailable", "api",
           "autograde_batch", "default_db_url", "grade_job", "load_config", "outcome_dict",
           "overrides_from_flags", "summary_table"]
