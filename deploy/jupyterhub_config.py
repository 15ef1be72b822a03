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
COURSE_SHARED              the student side (install-student-side.sh) ``/opt/course``
COURSE_VENV                the shared venv with the course installed   ``<COURSE_SHARED>/.venv``
COURSE_GRADEBOOK_URL       gradebook URL for the formgrader only;      (nbgrader's config)
                           the guide names it once, in the grader's
                           ~/.jupyter/nbgrader_config.py instead
COURSE_HUB_BIND_URL        where the hub listens                       ``http://127.0.0.1:8000``
COURSE_FORMGRADER_PORT     loopback port of the formgrader service     ``9999``
COURSE_SSL_CERT/KEY        TLS certificate and key (optional)          (none)
COURSE_SPAWNER             ``systemd`` (systemdspawner) or ``cgroup``  ``systemd`` when systemd
                           (deploy/cgroup_spawner.py): both enforce    runs, else ``cgroup``
                           the limits below
COURSE_MEM_LIMIT           memory per user server (kernels included)   ``2G``
COURSE_CPU_LIMIT           cores per user server                       ``1``
COURSE_TASKS_MAX           processes/threads per user server           ``512``
COURSE_CULL_TIMEOUT        seconds idle before the culler stops a      ``3600``
                           server
COURSE_CULL_EVERY          seconds between the culler's checks         ``300``
COURSE_ADMIN_TOKEN_FILE    API token of the ``course-admin`` service    ``/etc/jupyterhub/``
                           (deploy/roster.py: add/remove students)     ``admin-token``
=========================  ==========================================  =========================

Roles: every student and instructor is a JupyterHub user with their own server (their own
Unix account, PAM passwords). Instructors are admins and members of ``formgrade-<COURSE_ID>``,
which gives them the formgrader, a JupyterHub *service* named like the course and running as
the grader account in the course directory. nbgrader's exchange (/srv/nbgrader/exchange,
configured in /etc/jupyter/nbgrader_config.py = deploy/etc-jupyter/nbgrader_config.py) carries
release -> fetch -> submit -> collect between them.
"""

import os
import sys
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
SHARED = Path(os.environ.get("COURSE_SHARED", "/opt/course"))
VENV = Path(os.environ.get("COURSE_VENV", str(SHARED / ".venv")))
TASKS_MAX = int(os.environ.get("COURSE_TASKS_MAX", "512"))
CULL_TIMEOUT = int(os.environ.get("COURSE_CULL_TIMEOUT", "3600"))
CULL_EVERY = int(os.environ.get("COURSE_CULL_EVERY", "300"))
ADMIN_TOKEN_FILE = Path(os.environ.get("COURSE_ADMIN_TOKEN_FILE", "/etc/jupyterhub/admin-token"))
SPAWNER = os.environ.get("COURSE_SPAWNER",
                         "systemd" if Path("/run/systemd/system").is_dir() else "cgroup")
if SPAWNER not in ("systemd", "cgroup"):
    raise ValueError(f"COURSE_SPAWNER={SPAWNER!r}: allowed values are 'systemd' and 'cgroup'")
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
# deploy/start-singleuser.sh runs as the user: it copies the lectures the user does not have yet
# into ~/lectures (never overwriting their edits), then starts the venv's jupyterhub-singleuser.
c.Spawner.cmd = [str(SHARED / "deploy" / "start-singleuser.sh")]
c.Spawner.default_url = "/lab/tree/lectures"
c.Spawner.notebook_dir = "~"
# nbgrader calls `alembic` by name, kernels must find the venv's python: venv first on PATH.
c.Spawner.environment = {"PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin"}
# Per-user limits, enforced: systemd's (as The Littlest JupyterHub does) or cgroup v1's.
c.Spawner.mem_limit = os.environ.get("COURSE_MEM_LIMIT", "2G")
c.Spawner.cpu_limit = float(os.environ.get("COURSE_CPU_LIMIT", "1"))
# generous: when a whole class logs in at the start of a lecture, servers start slowly
c.Spawner.http_timeout = 180
c.Spawner.start_timeout = 180
if SPAWNER == "systemd":
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.unit_extra_properties = {"TasksMax": str(TASKS_MAX)}
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.disable_user_sudo = True
else:
    sys.path.insert(0, str(SHARED / "deploy"))
    c.JupyterHub.spawner_class = "cgroup_spawner.CgroupSpawner"
    c.CgroupSpawner.tasks_max = TASKS_MAX
# Restarting the hub (or it crashing) leaves the students' servers running; adding or removing
# a student goes through the REST API (deploy/roster.py) and needs no restart at all.
c.JupyterHub.cleanup_servers = False

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
    {   # jupyterhub-idle-culler's scopes (its README)
        "name": "idle-culler",
        "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
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

# ---- the idle culler: stops servers nobody has used for COURSE_CULL_TIMEOUT seconds ----------
c.JupyterHub.services.append({
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={CULL_TIMEOUT}", f"--cull-every={CULL_EVERY}", "--concurrency=5"],
})

# ---- the class admin's token: deploy/roster.py adds and removes students while the hub runs --
if ADMIN_TOKEN_FILE.is_file():
    c.JupyterHub.services.append({"name": "course-admin",
                                  "api_token": ADMIN_TOKEN_FILE.read_text().strip()})
    c.JupyterHub.load_roles.append({
        "name": "course-admin",
        "services": ["course-admin"],
        "scopes": ["admin:users", "admin:servers", "groups", "list:services"],
    })
