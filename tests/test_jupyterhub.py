"""Smoke test of deploy/: a real JupyterHub for one class, started on 127.0.0.1 by the test.

The hub loads deploy/jupyterhub_config.py unchanged and replaces only what a test machine must:
PAM logins and Unix accounts become ``SharedPasswordAuthenticator`` (one password for students,
a longer one for instructors) and
``SimpleLocalProcessSpawner`` (home folders in a temporary directory), the formgrader service
runs as the current user, and every port is a free loopback port. The students' nbgrader
settings are deploy/etc-jupyter/nbgrader_config.py (what /etc/jupyter gets on a server).

What it proves, in the order a class meets it:
1. the instructor releases ex01_convolution_1d to the exchange with nbgrader's own command;
2. a student logs in with the password (a wrong password is refused), gets a server from the
   course venv, sees the released exercise in the assignment list, fetches it, and the
   notebook appears in their home folder (Jupyter contents API);
3. the formgrader service answers the instructor (member of formgrade-<course>), lists the
   released assignment and keeps its gradebook in PostgreSQL (a throw-away server started by
   the test); it refuses the student.

Needs Node's configurable-http-proxy (JupyterHub's proxy):
``npm install -g configurable-http-proxy@5.3.0``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from deploy_helpers import (ARTIFACTS, ASSIGNMENT, REPO, VENV_BIN, PostgresServer,
                            free_port, released_exercise, stop_tree, tail, venv_env,
                            wait_for_port)

pytestmark = pytest.mark.slow

COURSE = "convolutional-models"  # deploy/ default = the course's nbgrader_config.py
PASSWORD = "correct-horse-battery"
ADMIN_PASSWORD = "instructors-use-a-much-longer-passphrase"
DEPLOY = REPO / "deploy"


def _proxy_or_fail() -> str:
    chp = shutil.which("configurable-http-proxy")
    if chp is None:
        pytest.fail("JupyterHub's proxy `configurable-http-proxy` is not on PATH. Install it from "
                    "the npm registry: `npm install -g configurable-http-proxy@5.3.0` "
                    "(needs Node.js and npm: `apt-get install nodejs npm`).", pytrace=False)
    return chp


class Hub:
    """A running hub: its URL, the admin service's token and a log file."""

    def __init__(self, url: str, admin_token: str, log: Path, root: Path) -> None:
        self.url = url
        self.admin_token = admin_token
        self.log = log
        self.root = root

    def api(self, method: str, path: str, token: str | None = None, **kw) -> requests.Response:
        headers = {"Authorization": f"token {token or self.admin_token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers,
                                timeout=30, **kw)

    def user_token(self, user: str, scopes: list[str]) -> str:
        r = self.api("POST", f"/users/{user}/tokens",
                     json={"note": "smoke test", "expires_in": 600, "scopes": scopes})
        assert r.status_code == 201, f"could not make a token for {user}: {r.status_code} {r.text}"
        return r.json()["token"]


def _hub_config(root: Path, ports: dict[str, int], admin_token: str) -> Path:
    """A config that loads deploy/jupyterhub_config.py and swaps in test-only parts."""
    allow_root = ["--allow-root"] if os.geteuid() == 0 else []
    text = f'''
c = get_config()
load_subconfig({str(DEPLOY / "jupyterhub_config.py")!r})

# ---- test-only replacements (never use these on a real server) ----
c.JupyterHub.bind_url = "http://127.0.0.1:{ports["public"]}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{ports["hub"]}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports["proxy_api"]}"
c.ConfigurableHTTPProxy.pid_file = {str(root / "proxy.pid")!r}
c.JupyterHub.pid_file = {str(root / "hub.pid")!r}
c.JupyterHub.db_url = "sqlite:///{root / "hub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(root / "cookie_secret")!r}
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {PASSWORD!r}
c.SharedPasswordAuthenticator.admin_password = {ADMIN_PASSWORD!r}
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = {str(root / "home" / "{username}")!r}
c.Spawner.args = {allow_root!r}
# no /opt/course here: the checkout's venv, without deploy/start-singleuser.sh's lecture copy
c.Spawner.cmd = [{str(VENV_BIN / "jupyterhub-singleuser")!r}]
c.Spawner.environment.update({{
    "JUPYTER_CONFIG_PATH": {str(DEPLOY / "etc-jupyter")!r},
    "COURSE_EXCHANGE_ROOT": {str(root / "exchange")!r},
}})
service = c.JupyterHub.services[0]
service.pop("user")                      # no grader account here: run as ourselves
service["command"] += {allow_root!r}
service["environment"].update(c.Spawner.environment)
service["environment"]["PATH"] = c.Spawner.environment["PATH"]
# a service with an admin token stands in for the person who sets the class up
c.JupyterHub.services.append({{"name": "smoke-admin", "api_token": {admin_token!r}}})
c.JupyterHub.load_roles.append({{
    "name": "smoke-admin",
    "services": ["smoke-admin"],
    "scopes": ["admin:users", "admin:servers", "tokens", "list:services", "read:services"],
}})
'''
    path = root / "jupyterhub_config.py"
    path.write_text(text)
    return path


def _release(root: Path) -> None:
    """The instructor's step: nbgrader release_assignment copies exercises/<id> to the exchange."""
    course_dir = root / "course"
    src = released_exercise(root)
    shutil.copytree(src, course_dir / "exercises" / ASSIGNMENT)
    shutil.copy(REPO / "nbgrader_config.py", course_dir / "nbgrader_config.py")
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, course_dir / "solutions" / ASSIGNMENT)
    env = venv_env(JUPYTER_CONFIG_PATH=str(DEPLOY / "etc-jupyter"),
                   COURSE_EXCHANGE_ROOT=str(root / "exchange"))
    proc = subprocess.run(
        [str(VENV_BIN / "nbgrader"), "release_assignment", ASSIGNMENT],
        cwd=course_dir, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"release_assignment failed:\n{proc.stdout}\n{proc.stderr}"
    outbound = root / "exchange" / COURSE / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert outbound.exists(), f"the release did not reach the exchange: {outbound}"


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    with server:
        server.create_database("gradebook")
        yield server


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer) -> Iterator[Hub]:
    _proxy_or_fail()
    root = tmp_path_factory.mktemp("hub")
    (root / "exchange").mkdir(mode=0o777)
    (root / "home").mkdir()
    _release(root)
    ports = {k: free_port() for k in ("public", "hub", "proxy_api", "formgrader")}
    admin_token = secrets.token_hex(16)
    config = _hub_config(root, ports, admin_token)
    env = venv_env(
        COURSE_INSTRUCTORS="instructor1", COURSE_STUDENTS="student1,student2",
        COURSE_VENV=str(VENV_BIN.parent), COURSE_DIR=str(root / "course"),
        COURSE_FORMGRADER_PORT=str(ports["formgrader"]),
        COURSE_GRADEBOOK_URL=postgres.sqlalchemy_url("gradebook"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"), JUPYTER_DATA_DIR=str(root / "data"))
    env.pop("MPLBACKEND", None)  # the suite's Agg must not leak into the users' kernels
    log = root / "jupyterhub.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(config)], cwd=root,
                                env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{ports['public']}", admin_token, log, root)
    try:
        wait_for_port(ports["public"], 40, proc, "jupyterhub", log)
        # the hub routes itself once its managed service (the formgrader) has started
        _wait(lambda: hub.api("GET", "/").status_code == 200, 90, "hub API", log)
        yield hub
    finally:
        stop_tree(proc, timeout=10)  # the hub, its proxy, the servers and their kernels
        shutil.copy(log, _artifact("jupyterhub.log"))


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def _wait(cond, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if cond():
                return
        except requests.RequestException as exc:
            last = exc
        time.sleep(0.3)
    raise AssertionError(f"{what} not ready after {timeout:.0f} s ({last})\n{tail(log)}")


def _login(hub: Hub, user: str, password: str) -> tuple[requests.Session, requests.Response]:
    """Log in through the hub's login form, as a browser does (with its XSRF token)."""
    s = requests.Session()
    r = s.get(f"{hub.url}/hub/login", timeout=30)
    assert r.status_code == 200, r.text[:500]
    xsrf = s.cookies.get("_xsrf")
    return s, s.post(f"{hub.url}/hub/login", data={"username": user, "password": password,
                                                   "_xsrf": xsrf},
                     allow_redirects=False, timeout=30)


def test_student_logs_in_and_sees_the_released_exercise(hub: Hub) -> None:
    # a wrong password is refused
    _, bad = _login(hub, "student1", "wrong-password")
    assert bad.status_code == 403, f"wrong password gave {bad.status_code}"
    # someone not on the class list is refused even with the password
    _, stranger = _login(hub, "mallory", PASSWORD)
    assert stranger.status_code == 403, f"unknown user gave {stranger.status_code}"
    # the right password logs in: a redirect and the hub's login cookie
    session, ok = _login(hub, "student1", PASSWORD)
    assert ok.status_code == 302, f"login gave {ok.status_code}: {ok.text[:300]}"
    assert "jupyterhub-session-id" in session.cookies or any(
        c.name.startswith("jupyterhub-hub-login") for c in session.cookies), session.cookies
    me = session.get(f"{hub.url}/hub/api/user", timeout=30)
    assert me.status_code == 200 and me.json()["name"] == "student1", me.text[:300]

    # the student's server: started through the REST API, from the course venv
    r = hub.api("POST", "/users/student1/server")
    assert r.status_code in (201, 202, 400), r.text  # 400: the login already started it
    _wait(lambda: hub.api("GET", "/users/student1").json()["servers"].get("", {}).get("ready"),
          90, "student1's server", hub.log)
    token = hub.user_token("student1", ["access:servers!user=student1"])
    auth = {"Authorization": f"token {token}"}
    base = f"{hub.url}/user/student1"

    # nbgrader's assignment list (the Assignments tab) shows the released exercise
    r = requests.get(f"{base}/assignments", params={"course_id": COURSE}, headers=auth, timeout=60)
    assert r.status_code == 200, r.text[:500]
    listing = r.json()
    assert listing["success"], listing
    released = {(a["course_id"], a["assignment_id"], a["status"]) for a in listing["value"]}
    assert (COURSE, ASSIGNMENT, "released") in released, listing

    # fetch it: it lands in the student's home folder, visible through the contents API
    r = requests.post(f"{base}/assignments/fetch", headers=auth, timeout=60,
                      data={"course_id": COURSE, "assignment_id": ASSIGNMENT})
    assert r.status_code == 200, r.text[:500]
    r = requests.get(f"{base}/api/contents/{ASSIGNMENT}", headers=auth, timeout=30)
    assert r.status_code == 200, r.text[:500]
    names = [item["name"] for item in r.json()["content"]]
    assert f"{ASSIGNMENT}.ipynb" in names, names
    fetched = hub.root / "home" / "student1" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    released_nb = json.loads((hub.root / "course" / "exercises" / ASSIGNMENT /
                              f"{ASSIGNMENT}.ipynb").read_text())
    assert json.loads(fetched.read_text())["cells"] == released_nb["cells"]


def test_formgrader_service_is_for_instructors_only(hub: Hub, postgres: PostgresServer) -> None:
    # instructors are the hub's admins: they log in with the admin passphrase, not the students'
    _, wrong = _login(hub, "instructor1", PASSWORD)
    assert wrong.status_code == 403, f"an admin logged in with the students' password: {wrong}"
    _, ok = _login(hub, "instructor1", ADMIN_PASSWORD)
    assert ok.status_code == 302, f"instructor login gave {ok.status_code}"
    r = hub.api("GET", "/users/instructor1")
    assert r.json()["admin"] is True and f"formgrade-{COURSE}" in r.json()["groups"], r.text

    service = f"{hub.url}/services/{COURSE}"
    instructor = hub.user_token("instructor1", [f"access:services!service={COURSE}"])
    auth = {"Authorization": f"token {instructor}"}
    _wait(lambda: requests.get(f"{service}/api/status", timeout=10,
                               headers=auth).status_code == 200,
          90, "formgrader service", hub.log)
    r = requests.get(f"{service}/formgrader", timeout=60, headers=auth)
    assert r.status_code == 200 and "formgrader" in r.text.lower(), r.status_code
    # the formgrader sees the assignment (source in the course folder, released in the
    # exchange) and keeps its gradebook in PostgreSQL (COURSE_GRADEBOOK_URL)
    r = requests.get(f"{service}/formgrader/api/assignments", timeout=60, headers=auth)
    assert r.status_code == 200, r.text[:500]
    status = {a["name"]: a["status"] for a in r.json()}
    assert status.get(ASSIGNMENT) == "released", status
    import psycopg2

    conn = psycopg2.connect(postgres.url("gradebook"))
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = 'public'")
            tables = {row[0] for row in cur.fetchall()}
    finally:
        conn.close()
    assert {"assignment", "submitted_assignment", "grade", "alembic_version"} <= tables, \
        f"the formgrader did not create its gradebook in PostgreSQL: {sorted(tables)}"
    # nbgrader's list pages carry the course's figures (course/term/formgrader.py, enabled in the
    # venv beside nbgrader's formgrader), read from the same PostgreSQL gradebook
    r = requests.get(f"{service}/formgrader/manage_submissions/{ASSIGNMENT}", timeout=60, headers=auth)
    assert r.status_code == 200 and "Course figures — the figure that counts" in r.text, r.text[-3000:]
    assert "could not be read" not in r.text and "the figures here read" not in r.text, r.text[-3000:]
    assert not (hub.root / "course" / "gradebook.db").exists(), "the formgrader fell back to SQLite"
    # the student cannot even obtain a token for the service ...
    r = hub.api("POST", "/users/student2/tokens",
                json={"scopes": [f"access:services!service={COURSE}"], "expires_in": 60})
    assert r.status_code == 400 and "not held by" in r.text, \
        f"student got a formgrader token: {r.status_code} {r.text}"
    # ... and their ordinary token is refused by it
    student = hub.user_token("student2", ["access:servers!user=student2"])
    r = requests.get(f"{service}/api/status", timeout=30, allow_redirects=False,
                     headers={"Authorization": f"token {student}"})
    assert r.status_code == 403, f"the formgrader answered a student: {r.status_code}"
