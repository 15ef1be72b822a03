"""JupyterHub for one class on one server: students, instructors, nbgrader and its formgrader.

Install as /etc/jupyterhub/jupyterhub_config.py and run, as root,
``/opt/course/.venv/bin/jupyterhub -f /etc/jupyterhub/jupyterhub_config.py``
(deploy/README.md walks through the whole set-up). Everything that differs between classes comes
from environment variables, so this file is used unchanged (tests/test_jupyterhub.py loads it
and replaces only the authenticator, the spawner and the folders):

=========================  ==========================================  =========================
variable                   meaning                                     default
=========================  ==========================================  =========================
COURSE_ID                  nbgrader course id = formgrader service     ``convolutional-models``
COURSE_INSTRUCTORS         comma-separated Unix user names             ``instructor1``
COURSE_STUDENTS            comma-separated Unix user names             (empty)
COURSE_GRADER_USER         Unix account that runs the formgrader       ``grader-<COURSE_ID>``
COURSE_DIR                 the grader's course checkout (nbgrader      ``/home/<grader>/<id>``
                           course root: solutions/, exercises/, ...)
COURSE_VENV                the shared venv with the course installed   ``/opt/course/.venv``
COURSE_GRADEBOOK_URL       SQLAlchemy URL of the gradebook             (nbgrader's SQLite)
                           (``postgresql://grader@/gradebook``)
COURSE_HUB_BIND_URL        where the hub listens                       ``http://127.0.0.1:8000``
COURSE_FORMGRADER_PORT     loopback port of the formgrader service     ``9999``
COURSE_SSL_CERT/KEY        TLS certificate and key (optional)          (none)
=========================  ==========================================  =========================

Roles: every student and instructor is a JupyterHub user with their own server (their own
Unix account, PAM passwords). Instructors are admins and members of ``formgrade-<COURSE_ID>``,
which gives them the formgrader, a JupyterHub *service* named like the course and running as
the grader account in the course directory. nbgrader's exchange (/srv/nbgrader/exchange,
configured in /etc/jupyter/nbgrader_config.py = deploy/etc-jupyter/nbgrader_config.py) carries
release -> fetch -> submit -> collect between them.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub's config loader provides get_config)


def _names(var: str, default: str = "") -> list[str]:
    return [n.strip() for n in os.environ.get(var, default).split(",") if n.strip()]


# must equal CourseDirectory.course_id of the course's nbgrader_config.py (read last by nbgrader)
COURSE_ID = os.environ.get("COURSE_ID", "convolutional-models")
INSTRUCTORS = _names("COURSE_INSTRUCTORS", "instructor1")
STUDENTS = _names("COURSE_STUDENTS")
GRADER = os.environ.get("COURSE_GRADER_USER", f"grader-{COURSE_ID}")
COURSE_DIR = os.environ.get("COURSE_DIR", f"/home/{GRADER}/{COURSE_ID}")
VENV = Path(os.environ.get("COURSE_VENV", "/opt/course/.venv"))
FORMGRADER_PORT = int(os.environ.get("COURSE_FORMGRADER_PORT", "9999"))
GRADEBOOK_URL = os.environ.get("COURSE_GRADEBOOK_URL", "")

# ---- the hub itself -----------------------------------------------------------------------
# Loopback by default: put a TLS reverse proxy (nginx, Caddy) in front, or give a certificate.
c.JupyterHub.bind_url = os.environ.get("COURSE_HUB_BIND_URL", "http://127.0.0.1:8000")
if os.environ.get("COURSE_SSL_CERT") and os.environ.get("COURSE_SSL_KEY"):
    c.JupyterHub.ssl_cert = os.environ["COURSE_SSL_CERT"]
    c.JupyterHub.ssl_key = os.environ["COURSE_SSL_KEY"]
c.JupyterHub.db_url = os.environ.get("COURSE_HUB_DB_URL", "sqlite:////srv/jupyterhub/jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.environ.get("COURSE_HUB_COOKIE_SECRET",
                                                 "/srv/jupyterhub/jupyterhub_cookie_secret")

# ---- who may log in -----------------------------------------------------------------------
# Unix accounts with their passwords (PAM); the hub must run as root to start their servers.
c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
c.Authenticator.allowed_users = set(STUDENTS) | set(INSTRUCTORS)
c.Authenticator.admin_users = set(INSTRUCTORS)

# ---- every user's server: the course venv, JupyterLab, the course's widgets and nbgrader ---
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# nbgrader calls `alembic` by name, kernels must find the venv's python: venv first on PATH.
c.Spawner.environment = {"PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin"}
# Per-user limits (enforced by spawners that support them, e.g. systemdspawner).
c.Spawner.mem_limit = os.environ.get("COURSE_MEM_LIMIT", "2G")
c.Spawner.cpu_limit = float(os.environ.get("COURSE_CPU_LIMIT", "1"))
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120

# ---- groups and roles (nbgrader finds courses from groups named formgrade-/nbgrader-<id>) ---
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE_ID}": {"users": [*INSTRUCTORS, GRADER]},
    f"nbgrader-{COURSE_ID}": {"users": STUDENTS},
}
c.JupyterHub.load_roles = [
    {   # instructors reach the formgrader service and can see it in the hub's API
        "name": f"formgrade-{COURSE_ID}",
        "groups": [f"formgrade-{COURSE_ID}"],
        "scopes": [f"access:services!service={COURSE_ID}", "list:services",
                   f"read:services!service={COURSE_ID}"],
    },
    {   # students' assignment list asks the hub which courses exist
        "name": f"nbgrader-{COURSE_ID}",
        "groups": [f"nbgrader-{COURSE_ID}"],
        "scopes": ["list:services", f"read:services!service={COURSE_ID}"],
    },
    {   # a user's server may do what its owner may (the course_list extension needs it)
        "name": "server",
        "scopes": ["inherit"],
    },
]

# ---- the formgrader: a JupyterLab of the grader account in the course directory ------------
_service_env = {
    "JUPYTERHUB_DEFAULT_URL": "/formgrader",
    "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
}
if GRADEBOOK_URL:
    # read by /etc/jupyter/nbgrader_config.py, so the formgrader and `course autograde`
    # started from the grader's terminal both use PostgreSQL
    _service_env["COURSE_GRADEBOOK_URL"] = GRADEBOOK_URL
c.JupyterHub.services = [
    {
        "name": COURSE_ID,
        "url": f"http://127.0.0.1:{FORMGRADER_PORT}",
        "command": [str(VENV / "bin" / "jupyterhub-singleuser"), f"--ServerApp.root_dir={COURSE_DIR}"],
        "user": GRADER,
        "cwd": COURSE_DIR,
        "environment": _service_env,
        "oauth_no_confirm": True,
    }
]
