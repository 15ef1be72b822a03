"""A term around the autograde batch: what happens before, between and after batches.

The gradebook (nbgrader's, through its ``Gradebook`` API) stays the one source of truth for
scores, due dates, extensions and students; this package only reads it, writes it through that
API, and keeps beside it the one thing nbgrader has no column for (each submission's status and
reason from the latest run, :mod:`.records`). One module per topic:

- :mod:`.records`: status and reason of the latest run per student, in a small JSON sidecar;
- :mod:`.grades`: the rows of a grades CSV, computed from the gradebook (hand grades included);
- :mod:`.handgrades`: a hand grade is kept, and not re-flagged, while its answer is unchanged;
- :mod:`.lateness`: the course's late policy (an nbgrader ``LateSubmissionPlugin``), penalties
  and per-student extensions;
- :mod:`.exports`: ``course grades --format long|wide|canvas``;
- :mod:`.roster`: ``course students import roster.csv``;
- :mod:`.report` and :mod:`.report_html`: the class misconception report;
- :mod:`.similarity`: pairwise similarity of the students' answer code (copydetect).
"""
