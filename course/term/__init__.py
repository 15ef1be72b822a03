"""The term's commands around the autograde batch: what happens before, between and after batches.

The gradebook (nbgrader's, through its ``Gradebook`` API) stays the one source of truth for
scores, due dates, extensions and students; what the batch and these commands share (student
ids, the status file, class rows, hand grades, the late policy, settling a held submission)
lives one level down, in :mod:`course.gradebook`. One module per topic:

- :mod:`.commands`: the ``course`` subcommands (grades, extension, settle, student, students
  import, report, similarity, feedback-bundle, feedback-mail);
- :mod:`.exports`: ``course grades --format long|wide|canvas``;
- :mod:`.roster`: ``course students import roster.csv`` (or Canvas's gradebook export);
- :mod:`.student`: ``course student S``, one student across assignments;
- :mod:`.report` and :mod:`.report_html`: the class misconception report;
- :mod:`.similarity`: clusters and ranked pairs of alike answer code (copydetect);
- :mod:`.bundles`: feedback without nbgrader's exchange (zips, Canvas, an outbox dry run);
- :mod:`.formgrader`: a Jupyter server extension that adds the course's figures (:mod:`.figures`:
  where nbgrader's totals differ, and why) to nbgrader's formgrader list pages.
"""
