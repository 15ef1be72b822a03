"""nbgrader settings for every user of the class server: install as /etc/jupyter/nbgrader_config.py.

Students and instructors share one exchange folder; the course id and the exchange come from
the environment so the same file serves a test hub (tests/test_jupyterhub.py) and the real one.
The course's own settings (solutions/ -> exercises/, the grading preprocessors) stay in the
course checkout's nbgrader_config.py, which nbgrader reads after this file.
"""

import os

c = get_config()  # noqa: F821 (nbgrader's config loader provides get_config)

c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "convolutional-models")
# release_assignment -> fetch_assignment -> submit -> collect all go through this folder
# (root-owned, mode 1777: `install -d -m 1777 /srv/nbgrader/exchange`)
c.Exchange.root = os.environ.get("COURSE_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
# The gradebook: PostgreSQL on a class server (set only in the formgrader service's
# environment by jupyterhub_config.py); nbgrader's SQLite file otherwise.
if os.environ.get("COURSE_GRADEBOOK_URL"):
    c.CourseDirectory.db_url = os.environ["COURSE_GRADEBOOK_URL"]
# Size caps on the students' side: `nbgrader submit` leaves out a file over max_file_size kB
# and refuses a submission over max_dir_size kB. The grader's collect (course/exchange.py,
# wired in the course's nbgrader_config.py) enforces the same caps whatever a student copies
# into inbound/ by hand; keep the two equal.
c.CourseDirectory.max_file_size = 20_000
c.CourseDirectory.max_dir_size = 50_000
