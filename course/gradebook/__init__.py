"""The course's records in and beside nbgrader's gradebook, shared by the autograde batch
(``course.grading.batch``) and the term's commands (``course.term``); it imports neither.

- :mod:`.students`: what a student id may be, and who is known (roster or gradebook);
- :mod:`.records`: status, notes and a person's decision of each submission's latest run (a
  JSON file beside the gradebook);
- :mod:`.grades`: the rows of a grades CSV, computed from the gradebook (hand grades included);
- :mod:`.handgrades`: a hand grade is kept, and not re-flagged, while its answer is unchanged;
- :mod:`.lateness`: the course's late policy (an nbgrader ``LateSubmissionPlugin``), penalties
  and per-student extensions.
"""
