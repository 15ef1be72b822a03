"""Where the class's gradebook is: one answer for every ``course`` command, the same as nbgrader's.

:func:`gradebook_url` decides, first match wins:

1. an explicit URL (a command's ``--db``);
2. the environment variable ``COURSE_GRADEBOOK_URL`` (what the deployment sets for the grader);
3. ``CourseDirectory.db_url`` as nbgrader itself loads its configuration for the course folder
   (:func:`nbgrader_config`): the course folder's ``nbgrader_config.py`` over the Jupyter config
   folders (``jupyter --paths``: the environment's ``etc/jupyter``, ``~/.jupyter``,
   ``/usr/local/etc/jupyter``, ``/etc/jupyter``, earlier ones winning);
4. nbgrader's own default, ``sqlite:///<course folder>/gradebook.db``.

So a class whose ``/etc/jupyter/nbgrader_config.py`` (or the course's config) names a
PostgreSQL gradebook gets that gradebook from every command without ``--db``; a forgotten
``--db`` never creates a second SQLite gradebook beside it. A ``postgresql://`` URL without a
driver is given ``+psycopg2`` (the driver the course installs) unless psycopg 3 is importable.
"""

from __future__ import annotations

import os
from typing import Any

ENV_URL = "COURSE_GRADEBOOK_URL"
DB_HELP = ("SQLAlchemy URL of the gradebook (default: $COURSE_GRADEBOOK_URL, else CourseDirectory.db_url from "
           "nbgrader's configuration, else sqlite:///gradebook.db in the course folder)")
CONFIG_NAME = "nbgrader_config"


def nbgrader_config(root: str | os.PathLike[str]) -> Any:
    """The traitlets ``Config`` nbgrader loads for the course at ``root``: ``nbgrader_config``
    from every Jupyter config folder, then ``root/nbgrader_config.py`` (nbgrader's own loading,
    as ``nbgrader`` run in ``root`` does; errors in a file are raised, not skipped)."""
    from jupyter_core.application import JupyterApp
    from traitlets.config import Application

    class _Loader(JupyterApp):  # what nbgrader's NbGrader app inherits its config loading from
        name = "nbgrader"
        config_file_name = CONFIG_NAME

    app = _Loader()
    JupyterApp.load_config_file(app, suppress_errors=False)  # every Jupyter config folder
    Application.load_config_file(app, f"{CONFIG_NAME}.py", path=os.path.abspath(root))  # then the course's
    return app.config


def gradebook_url(root: str | os.PathLike[str], explicit: str | None = None) -> str:
    """The class's gradebook URL (see the module docstring for the order)."""
    if explicit:
        return normalise_url(explicit)
    if os.environ.get(ENV_URL):
        return normalise_url(os.environ[ENV_URL])
    from nbgrader.coursedir import CourseDirectory

    root = os.path.abspath(root)
    return normalise_url(CourseDirectory(config=nbgrader_config(root), root=root).db_url)


def normalise_url(value: str) -> str:
    """``value`` as a SQLAlchemy URL, ``postgresql://`` given the installed driver; raises
    ``ValueError`` naming the expected forms when it is not a database URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ValueError(f"{value!r} is not a database URL; expected e.g. sqlite:///gradebook.db or "
                         "postgresql://user@host/gradebook") from exc
    if url.drivername == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError:
            url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)
