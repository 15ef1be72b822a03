"""A week of the class on one server, end to end, as real Unix users (deploy/README.md followed).

The test makes a class server in a private mount namespace (tests/class_server.py: the
namespace's ``/etc``, ``/home``, ``/opt`` and ``/srv`` are the test's own), runs the guide's own
commands there (``adduser``, ``chpasswd``, ``deploy/install-student-side.sh``, the exchange and
``/etc/jupyter``, ``/etc/jupyterhub/course.env``, the admin token, ``deploy/roster.py``), and
starts the real hub from the deployment's files: ``deploy/jupyterhub_config.py`` unchanged
(PAM logins against the namespace's ``/etc/shadow``, the cgroup spawner enforcing memory,
process and CPU limits, the idle culler, TLS with a self-signed certificate made here,
configurable-http-proxy) on 127.0.0.1. Then the week:

1. the instructor (the grader account, in its private course folder) releases ex01;
2. 20 students log in through the hub with their passwords; 4 get their servers (spawn times
   reported), find the lectures in ``~/lectures`` (an edited lecture is kept), fetch and submit
   through their server's Assignments endpoints; the other 16 fetch and submit with nbgrader's
   own commands as their own uid; the instructor sets the due date in the formgrader and two
   students submit late; one student spoofs another, one floods the exchange;
3. a student is added and another removed while servers run (no restart; a running server
   survives); the hub is restarted (a config change) and the servers stay up, same processes; one student's kernel tries to take all memory (OOM-killed in the user's cgroup,
   the server lives on) and forks without end (refused by ``pids.max``);
4. the instructor collects (the spoof and the flood reported and skipped), autogrades in the
   sandbox, comments on two submissions in the formgrader, makes and releases feedback, then
   regrades one commented student (``--student``) and releases their feedback again;
5. every student who submitted fetches exactly their own feedback (with their comment), and
   can list neither the exchange's feedback nor another student's home (their fetched pages
   and nbgrader's cache of their submission secret); the idle culler has stopped the idle servers.

What differs from the guide, and why:

- the course venv: the guide builds ``/opt/course/.venv`` with ``/usr/bin/python3 -m venv`` and
  ``pip install`` (network, several GB). Here it is ``/usr/bin/python3 -m venv --without-pip``
  with this checkout's venv ``site-packages`` bind-mounted as its own (same CPython 3.11 ABI)
  and the checkout's console scripts re-pointed at it (``ServerMachine.course_venv``), so every account
  runs Debian's Python as on a server; ``install-student-side.sh`` then finds the venv current
  and checks that an unprivileged account can run it;
- the grader's course folder is a copy of this working tree's files (the guide: ``git clone``);
- no systemd: the hub runs in the foreground, with ``course.env``'s variables, and the spawner is
  the guide's ``COURSE_SPAWNER=cgroup`` (what the config picks where systemd is not PID 1);
- the gradebook is the course folder's SQLite file (PostgreSQL: tests/test_jupyterhub.py);
- test-only hub settings: loopback ports, ``JUPYTERHUB_ACTIVITY_INTERVAL=5`` (servers report
  activity every 5 s instead of 300 s, so a 60 s culler timeout spares servers in use), and a
  ``week-admin`` service token with which the test reads servers' state;
- 16 students run nbgrader in processes forked from one root process that has imported
  nbgrader (tests/class_week_student.py: each child drops to the student's uid before it
  touches a file), instead of 16 interpreter starts of 2 s each.
"""

from __future__ import annotations

import json
import math
import ssl
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from class_server import ServerMachine, unavailable
from deploy_helpers import (ARTIFACTS, ASSIGNMENT, REPO, free_port, solved_notebook, tail,
                            wait_for_port)

pytestmark = pytest.mark.slow

COURSE = "convolutional-models"
GRADER = f"grader-{COURSE}"
COURSE_DIR = f"/home/{GRADER}/{COURSE}"
PROF = "prof"
STUDENTS = [f"stu{i:02d}" for i in range(1, 21)]
SERVER_USERS = STUDENTS[:4]          # log in, get a server, work in it
CLI_USERS = STUDENTS[4:]             # log in, then use nbgrader's commands as their uid
WRONG = {"stu11", "stu12", "stu13"}  # correlate1d left unanswered: 6 of 10 points
UNTOUCHED = {"stu14"}                # hands in the release as fetched: 0 points
LATE = {"stu15", "stu16"}            # correct, after the due date
SPOOFER, VICTIM = "stu17", "stu01"
FLOODER = "stu18"
ABSENT = {"stu19"}                   # fetches, never submits
HOG = "stu04"                        # the kernel that takes all memory, then forks
NEWCOMER = "stu21"                   # added and removed while the hub runs
REGRADED = "stu02"                   # regraded with --student after feedback went out
COMMENTS = {"stu02": "stu02: clear and vectorised, well done.",
            "stu11": "stu11: correlate1d is missing; see lecture 01's flip."}
MEM_LIMIT_MB, TASKS_MAX, CULL_TIMEOUT = 512, 96, 60
FULL, WRONG_SCORE = 10.0, 6.0


def password(user: str) -> str:
    return f"pw-{user}-{user[::-1]}-7"


# ---------------------------------------------------------------------------------------------
# the server, set up by the guide's commands
# ---------------------------------------------------------------------------------------------

def copy_course(machine: ServerMachine) -> None:
    """The grader's course folder (the guide: git clone): this working tree's files."""
    lines = (REPO / "deploy" / "student-side.txt").read_text().splitlines()
    paths = [ln for ln in lines if ln and not ln.startswith("#")]
    paths += ["nbgrader_config.py", f"solutions/{ASSIGNMENT}"]
    dest = machine.host(COURSE_DIR)
    dest.mkdir(parents=True)
    import shutil

    for rel in paths:
        src = REPO / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns(
                "__pycache__", ".ipynb_checkpoints", "*.egg-info", "k8s"))
        elif src.exists():
            shutil.copy2(src, dest / rel)
    machine.sh(f"chown -R {GRADER}: {COURSE_DIR}")


def guide_setup(machine: ServerMachine) -> None:
    """deploy/README.md sections 2-6 (the apt/npm/systemd lines aside), in the namespace."""
    users = " ".join(STUDENTS)
    machine.sh(f'for u in {users} {PROF} {GRADER}; do '
               f'adduser --disabled-password --gecos "" "$u" >/dev/null; done')
    chpasswd = "\n".join(f"{u}:{password(u)}" for u in [*STUDENTS, PROF]) + "\n"
    proc = machine.run(["chpasswd"], input=chpasswd)
    assert proc.returncode == 0, proc.stderr
    copy_course(machine)
    machine.course_venv()
    machine.sh(f"{COURSE_DIR}/deploy/install-student-side.sh {COURSE_DIR} /opt/course", timeout=300)
    machine.mount_site_packages()
    machine.sh("install -d -m 1777 /srv/nbgrader/exchange && "
               "install -D -m 644 /opt/course/deploy/etc-jupyter/nbgrader_config.py "
               "/etc/jupyter/nbgrader_config.py")
    machine.sh("install -d -m 700 /srv/jupyterhub /etc/jupyterhub && "
               "cp /opt/course/deploy/jupyterhub_config.py /etc/jupyterhub/ && "
               "(umask 077; openssl rand -hex 32 > /etc/jupyterhub/admin-token)")


def write_course_env(machine: ServerMachine, ports: dict[str, int], cert: Path, key: Path) -> None:
    """The guide's /etc/jupyterhub/course.env (ports picked just before the hub starts: another
    process may take a free port meanwhile), with TLS and the limits the week checks."""
    env = {
        "COURSE_ID": COURSE, "COURSE_INSTRUCTORS": PROF, "COURSE_STUDENTS": ",".join(STUDENTS),
        "COURSE_HUB_BIND_URL": f"https://127.0.0.1:{ports['public']}",
        "COURSE_SSL_CERT": "/etc/jupyterhub/tls.crt", "COURSE_SSL_KEY": "/etc/jupyterhub/tls.key",
        "COURSE_SPAWNER": "cgroup", "COURSE_MEM_LIMIT": f"{MEM_LIMIT_MB}M",
        "COURSE_TASKS_MAX": str(TASKS_MAX), "COURSE_CULL_TIMEOUT": str(CULL_TIMEOUT),
        "COURSE_CULL_EVERY": "5", "COURSE_FORMGRADER_PORT": str(ports["formgrader"]),
    }
    machine.host("/etc/jupyterhub/course.env").write_text(
        "".join(f"{k}={v}\n" for k, v in env.items()))
    machine.host("/etc/jupyterhub/tls.crt").write_bytes(cert.read_bytes())
    machine.host("/etc/jupyterhub/tls.key").write_bytes(key.read_bytes())
    machine.host("/etc/jupyterhub/tls.key").chmod(0o600)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the guide's COURSE_SSL_CERT/KEY)."""
    import subprocess

    cert, key = folder / "tls.crt", folder / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


TEST_HUB_CONFIG = '''
c = get_config()
load_subconfig("/etc/jupyterhub/jupyterhub_config.py")
# ---- test-only: loopback ports, fast activity reports, a token the test reads state with ----
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api}"
c.Spawner.environment["JUPYTERHUB_ACTIVITY_INTERVAL"] = "5"
c.JupyterHub.services.append({{"name": "week-admin", "api_token": "{token}"}})
c.JupyterHub.load_roles.append({{"name": "week-admin", "services": ["week-admin"],
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:services",
               "read:services", "access:services"]}})
'''


class Hub:
    """The running hub as the test sees it: its public https URL and API."""

    def __init__(self, machine: ServerMachine, ports: dict[str, int], cert: Path,
                 token: str, log: Path) -> None:
        self.machine, self.ports, self.cert, self.token, self.log = machine, ports, cert, token, log
        self.url = f"https://127.0.0.1:{ports['public']}"
        self.api_url = f"http://127.0.0.1:{ports['hub']}/hub/api"

    def api(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, f"{self.url}/hub/api{path}", verify=str(self.cert),
                                headers={"Authorization": f"token {self.token}"}, timeout=60, **kw)

    def server(self, user: str) -> dict:
        """The user's default server model ({} when none), state (pid) included."""
        r = self.api("GET", f"/users/{user}")
        return r.json()["servers"].get("", {}) if r.status_code == 200 else {}

    def wait(self, cond, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if cond():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{what}: not within {timeout:.0f} s\n{tail(self.log, 60)}")


def start_hub(machine: ServerMachine, root: Path, cert: Path, ports: dict[str, int],
              log_name: str = "jupyterhub.log") -> tuple:
    token = uuid.uuid4().hex
    machine.host("/etc/jupyterhub/week_hub.py").write_text(
        TEST_HUB_CONFIG.format(token=token, **ports))
    env = machine.env()
    for line in machine.host("/etc/jupyterhub/course.env").read_text().splitlines():
        k, v = line.split("=", 1)
        env[k] = v
    log = root / log_name
    proc = machine.popen(["/opt/course/.venv/bin/jupyterhub", "-f", "/etc/jupyterhub/week_hub.py"],
                         log=log, env=env, cwd="/srv/jupyterhub")
    hub = Hub(machine, ports, cert, token, log)
    wait_for_port(ports["public"], 60, proc, "jupyterhub", log)
    hub.wait(lambda: hub.api("GET", "/").status_code == 200, 90, "the hub's API")
    return hub, proc


# ---------------------------------------------------------------------------------------------
# students
# ---------------------------------------------------------------------------------------------

def notebooks() -> dict[str, str]:
    """What students hand in: solved, wrong (correlate1d unanswered) and the untouched release."""
    import nbformat

    release = REPO / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    solved = solved_notebook(release, REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    nb = nbformat.reads(solved, as_version=4)
    original = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source
                for c in nbformat.read(release, as_version=4).cells}
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "correlate1d":
            cell.source = original["correlate1d"]
    return {"solved": solved, "wrong": nbformat.writes(nb), "untouched": release.read_text()}


def kind_of(user: str) -> str:
    return "wrong" if user in WRONG else "untouched" if user in UNTOUCHED else "solved"


def login(hub: Hub, user: str, pw: str) -> tuple[requests.Session, int]:
    """The hub's login form, as a browser sends it (with its XSRF token)."""
    s = requests.Session()
    s.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would replace the test's CA
    s.verify = str(hub.cert)
    s.get(f"{hub.url}/hub/login", timeout=30)
    r = s.post(f"{hub.url}/hub/login", allow_redirects=False, timeout=60,
               data={"username": user, "password": pw, "_xsrf": s.cookies.get("_xsrf")})
    return s, r.status_code


def spawn(hub: Hub, session: requests.Session, user: str) -> tuple[float, str]:
    """The student starts their server from their own login session; seconds until ready, and
    a token for their server made the same way."""
    xsrf = {"X-XSRFToken": session.cookies.get("_xsrf")}
    t0 = time.monotonic()
    r = session.post(f"{hub.url}/hub/api/users/{user}/server", headers=xsrf, timeout=60)
    assert r.status_code in (201, 202), f"{user}: spawn gave {r.status_code} {r.text[:300]}"
    hub.wait(lambda: hub.server(user).get("ready"), 120, f"{user}'s server")
    elapsed = time.monotonic() - t0
    r = session.post(f"{hub.url}/hub/api/users/{user}/tokens", headers=xsrf, timeout=30,
                     json={"expires_in": 900, "scopes": [f"access:servers!user={user}"]})
    assert r.status_code == 201, f"{user}: token gave {r.status_code} {r.text[:300]}"
    return elapsed, r.json()["token"]


class Student:
    """A student's server, reached through the proxy with their token."""

    def __init__(self, hub: Hub, user: str, token: str) -> None:
        self.hub, self.user = hub, user
        self.base = f"{hub.url}/user/{user}"
        self.headers = {"Authorization": f"token {token}"}

    def call(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, self.base + path, headers=self.headers,
                                verify=str(self.hub.cert), timeout=120, **kw)

    def fetch_and_submit(self, notebook: str) -> None:
        form = {"course_id": COURSE, "assignment_id": ASSIGNMENT}
        r = self.call("POST", "/assignments/fetch", data=form)
        assert r.status_code == 200 and r.json()["success"], f"{self.user} fetch: {r.text[:500]}"
        r = self.call("PUT", f"/api/contents/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
                      json={"type": "notebook", "format": "json", "content": json.loads(notebook)})
        assert r.status_code in (200, 201), f"{self.user} save: {r.text[:300]}"
        r = self.call("POST", "/assignments/submit", data=form)
        assert r.status_code == 200 and r.json()["success"], f"{self.user} submit: {r.text[:500]}"


def run_students(machine: ServerMachine, root: Path, plan: list[dict]) -> dict:
    """tests/class_week_student.py in the namespace: each step as the student's own uid."""
    name = uuid.uuid4().hex[:8]
    plan_file, results_file = root / f"plan-{name}.json", root / f"results-{name}.json"
    plan_file.write_text(json.dumps(plan))
    script = Path(__file__).with_name("class_week_student.py")
    proc = machine.run(["/opt/course/.venv/bin/python", script, plan_file, results_file],
                       timeout=300)
    assert proc.returncode == 0, f"student runner failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(results_file.read_text())


# ---------------------------------------------------------------------------------------------
# kernels (websocket), for the limits
# ---------------------------------------------------------------------------------------------

def start_kernel(student: Student):
    import websocket

    r = student.call("POST", "/api/kernels", json={"name": "python3"})
    assert r.status_code == 201, r.text[:300]
    kid = r.json()["id"]
    ws = websocket.create_connection(
        f"wss://127.0.0.1:{student.hub.ports['public']}/user/{student.user}/api/kernels/{kid}/channels",
        header=[f"Authorization: {student.headers['Authorization']}"],
        sslopt={"ca_certs": str(student.hub.cert)}, timeout=120)
    return kid, ws


def execute(ws, code: str, timeout: float = 120) -> str:
    """Run ``code`` in the kernel; its printed output (an error's name and value included)."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "week",
                   "session": uuid.uuid4().hex, "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
    out, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
        elif msg["msg_type"] == "execute_reply":
            return "".join(out)
    raise AssertionError(f"no reply to {code!r} within {timeout} s: {out}")


def _spawner():  # noqa: ANN202
    """deploy/cgroup_spawner.py, the hub's spawner (deploy/ is no package: imported from its folder)."""
    import sys

    if str(REPO / "deploy") not in sys.path:
        sys.path.insert(0, str(REPO / "deploy"))
    import cgroup_spawner

    return cgroup_spawner


def cgroup_dir(controller: str, user: str) -> Path:
    """The user's group, under this process's own cgroup (the hub's, which it inherits)."""
    return Path("/sys/fs/cgroup", controller, _spawner().own_cgroup(controller).lstrip("/"), "jupyterhub", user)


def remove_groups() -> None:
    """The per-user groups left by servers the test killed with the hub (anything still in
    one is killed first: it can only be a leftover of this test's users)."""
    for controller in ("memory", "pids", "cpu"):
        parent = cgroup_dir(controller, "x").parent
        for group in sorted(parent.glob("*/")) if parent.is_dir() else []:
            for _ in range(50):
                if not _spawner().kill_members(group):
                    break
                time.sleep(0.1)
            group.rmdir()
        if parent.is_dir():
            parent.rmdir()


def oom_kills(user: str) -> int:
    text = (cgroup_dir("memory", user) / "memory.oom_control").read_text()
    return int(dict(line.split() for line in text.splitlines())["oom_kill"])


# ---------------------------------------------------------------------------------------------
# the week
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory):
    why = unavailable()
    if why:
        pytest.fail(why, pytrace=False)
    root = tmp_path_factory.mktemp("week")
    root.chmod(0o755)
    started = time.monotonic()
    cert, key = make_certificate(root)
    with ServerMachine() as machine:
        guide_setup(machine)
        ports = {k: free_port() for k in ("public", "hub", "proxy_api", "formgrader")}
        write_course_env(machine, ports, cert, key)
        hub, proc = start_hub(machine, root, cert, ports)
        procs = [proc]
        state = {"machine": machine, "hub": hub, "root": root, "spawn_s": {}, "events": {},
                 "procs": procs, "cert": cert, "ports": ports,
                 "notebooks": notebooks(), "started": started}
        try:
            yield state
        finally:
            from deploy_helpers import stop_tree

            # the hub and everything it started (servers, kernels, proxy, services): with
            # cleanup_servers=False stopping the hub alone would leave the servers running
            for p in procs:  # the hub as first started, and after the restart
                stop_tree(p, timeout=5)
            remove_groups()
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / "class_week_hub.log").write_text("".join(
                log.read_text(errors="replace") for log in sorted(root.glob("jupyterhub*.log"))))
            state["wall_s"] = round(time.monotonic() - started, 1)
            report = {k: state[k] for k in ("spawn_s", "events", "wall_s")}
            (ARTIFACTS / "class_week.json").write_text(json.dumps(report, indent=2))
            print(f"\nclass week: {json.dumps(report)}")


def test_the_hub_serves_tls_with_the_configured_certificate(week) -> None:
    hub = week["hub"]
    served = ssl.get_server_certificate(("127.0.0.1", hub.ports["public"]))
    assert ssl.PEM_cert_to_DER_cert(served) == ssl.PEM_cert_to_DER_cert(hub.cert.read_text())
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://127.0.0.1:{hub.ports['public']}/hub/login", timeout=10)
    # the guide's `install-student-side.sh` left a venv every account can run, and the class
    # folder private to the grader
    machine = week["machine"]
    assert machine.run(["/opt/course/.venv/bin/python", "-c", "import course"],
                       user="stu01").returncode == 0
    denied = machine.run(["ls", COURSE_DIR], user="stu01")
    assert denied.returncode != 0 and "Permission denied" in denied.stderr, denied


def test_instructor_releases(week) -> None:
    machine = week["machine"]
    machine.sh(f"cd {COURSE_DIR} && course release {ASSIGNMENT} && "
               f"nbgrader release_assignment {ASSIGNMENT}", user=GRADER, timeout=180)
    outbound = machine.host(f"/srv/nbgrader/exchange/{COURSE}/outbound/{ASSIGNMENT}")
    assert (outbound / f"{ASSIGNMENT}.ipynb").is_file()


def test_students_log_in_and_work_in_their_servers(week) -> None:
    hub, machine, nbs = week["hub"], week["machine"], week["notebooks"]
    # a wrong password and someone not in the class are refused
    assert login(hub, "stu01", "not-the-password")[1] == 403
    assert login(hub, PROF, password("stu01"))[1] == 403
    sessions = {}
    for user in STUDENTS:
        sessions[user], status = login(hub, user, password(user))
        assert status == 302, f"{user} could not log in through the hub: {status}"
    # stu01 edited a lecture before (say, last week): their copy is kept
    lectures = sorted(p.name for p in (REPO / "lectures").glob("*.ipynb"))
    machine.sh(f"mkdir -p ~/lectures && echo 'my notes' > ~/lectures/{lectures[0]}", user="stu01")

    def start(user):
        """Log in, start the server, find the lectures, fetch, work, submit: one student."""
        elapsed, token = spawn(hub, sessions[user], user)
        week["spawn_s"][user] = round(elapsed, 2)
        student = Student(hub, user, token)
        r = student.call("GET", "/api/contents/lectures")
        assert r.status_code == 200, r.text[:300]
        assert sorted(i["name"] for i in r.json()["content"] if i["name"].endswith(".ipynb")) \
            == lectures, f"{user} does not find the lectures"
        student.fetch_and_submit(nbs[kind_of(user)])
        return student

    with ThreadPoolExecutor(2) as pool:  # two at a time: 2 cores
        week["students"] = {s.user: s for s in pool.map(start, SERVER_USERS)}
    # every server runs as its student, inside its own limits
    for user in SERVER_USERS:
        assert (cgroup_dir("memory", user) / "memory.limit_in_bytes").read_text().strip() \
            == str(MEM_LIMIT_MB * 2**20)
        assert (cgroup_dir("pids", user) / "pids.max").read_text().strip() == str(TASKS_MAX)
        assert (cgroup_dir("cpu", user) / "cpu.cfs_quota_us").read_text().strip() == "100000"
    assert machine.host(f"/home/stu01/lectures/{lectures[0]}").read_text() == "my notes\n"
    assert machine.ids("stu02")[0] == machine.host("/home/stu02/lectures").stat().st_uid


def test_roster_changes_leave_running_servers_alone(week) -> None:
    hub, machine = week["hub"], week["machine"]
    before = hub.server("stu01")
    assert before.get("ready"), "stu01's server should be running"
    roster = ["/opt/course/.venv/bin/python", "/opt/course/deploy/roster.py"]
    api = ["--hub-api", hub.api_url]
    machine.sh(" ".join([*roster, "add", NEWCOMER, *api]))
    proc = machine.run(["chpasswd"], input=f"{NEWCOMER}:{password(NEWCOMER)}\n")
    assert proc.returncode == 0, proc.stderr
    assert login(hub, NEWCOMER, password(NEWCOMER))[1] == 302, "the new student cannot log in"
    r = hub.api("GET", f"/users/{NEWCOMER}")
    assert f"nbgrader-{COURSE}" in r.json()["groups"], r.text[:300]
    assert NEWCOMER in machine.host("/etc/jupyterhub/course.env").read_text()
    machine.sh(" ".join([*roster, "remove", NEWCOMER, *api]))
    assert login(hub, NEWCOMER, password(NEWCOMER))[1] == 403, "a removed student logged in"
    assert NEWCOMER not in machine.host("/etc/jupyterhub/course.env").read_text()
    after = hub.server("stu01")
    assert after.get("ready") and after["started"] == before["started"], (before, after)
    assert after["state"]["pid"] == before["state"]["pid"], "stu01's server was restarted"
    assert week["students"]["stu01"].call("GET", "/api/status").status_code == 200


def test_restarting_the_hub_leaves_servers_running(week) -> None:
    """A config change means `systemctl restart jupyterhub`: the students' servers stay up
    (cleanup_servers=False) and the new hub finds them again."""
    import signal

    import psutil

    before = {u: week["hub"].server(u) for u in ("stu01", HOG)}
    old = week["procs"][-1]
    old.send_signal(signal.SIGTERM)
    old.wait(60)
    for user, server in before.items():
        assert psutil.pid_exists(server["state"]["pid"]), f"{user}'s server died with the hub"
    hub, proc = start_hub(week["machine"], week["root"], week["cert"], week["ports"],
                          log_name="jupyterhub-restarted.log")
    week["procs"].append(proc)
    week["hub"] = hub
    for student in week["students"].values():
        student.hub = hub
    for user, server in before.items():
        after = hub.server(user)
        assert after.get("ready") and after["state"]["pid"] == server["state"]["pid"], (server, after)
        r = week["students"][user].call("GET", "/api/contents")
        assert r.status_code == 200, f"{user}'s server unreachable after the restart: {r.status_code}"


def test_a_kernel_cannot_take_the_server(week) -> None:
    student = week["students"][HOG]
    kills_before = oom_kills(HOG)
    kid, ws = start_kernel(student)
    try:
        execute(ws, "import os; print(os.getuid())", timeout=120)
        ws.send(json.dumps({  # fire and forget: the kernel dies before it could reply
            "header": {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request",
                       "username": "week", "session": uuid.uuid4().hex, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": "x = bytearray(b'1') * (4 * 1024**3)", "silent": False,
                        "store_history": False, "user_expressions": {}, "allow_stdin": False}}))
        deadline = time.monotonic() + 90
        while oom_kills(HOG) == kills_before and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        ws.close()
    week["events"]["oom_kill"] = oom_kills(HOG) - kills_before
    assert week["events"]["oom_kill"] >= 1, "the memory cgroup did not OOM-kill the kernel"
    assert student.call("GET", "/api/status").status_code == 200, "the server died with its kernel"

    bomb = ("import os, time\nkids, refused = [], None\ntry:\n"
            "    for _ in range(2000):\n        pid = os.fork()\n"
            "        if pid == 0:\n            time.sleep(3); os._exit(0)\n        kids.append(pid)\n"
            "except OSError as exc:\n    refused = exc.errno\n"
            "print(len(kids), refused)\nfor k in kids: os.waitpid(k, 0)\n")
    events_before = int((cgroup_dir("pids", HOG) / "pids.events").read_text().split()[1])
    kid, ws = start_kernel(student)
    try:
        forks, errno = execute(ws, bomb, timeout=120).split()
    finally:
        ws.close()
    import errno as errnos

    assert errno == str(errnos.EAGAIN) and int(forks) < TASKS_MAX, (forks, errno)
    week["events"]["fork_refused_after"] = int(forks)
    week["events"]["pids_max_events"] = int(
        (cgroup_dir("pids", HOG) / "pids.events").read_text().split()[1]) - events_before
    assert week["events"]["pids_max_events"] >= 1
    assert student.call("GET", "/api/status").status_code == 200


def test_students_without_servers_fetch_and_submit_as_themselves(week) -> None:
    hub, machine, nbs = week["hub"], week["machine"], week["notebooks"]
    on_time = [u for u in CLI_USERS if u not in LATE]
    results = run_students(machine, week["root"], [
        {"user": u, "op": "fetch_and_submit", "assignment": ASSIGNMENT, "notebook": nbs[kind_of(u)]}
        if u in on_time and u not in ABSENT else {"user": u, "op": "fetch", "assignment": ASSIGNMENT}
        for u in CLI_USERS])
    bad = {k: v for k, v in results.items() if v["rc"] != 0}
    assert not bad, bad
    for u in CLI_USERS:
        assert machine.host(f"/home/{u}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb").stat().st_uid \
            == machine.ids(u)[0], f"{u}'s fetched notebook is not theirs"

    # the instructor sets the due date in the formgrader: now, rounded up to the whole second (a
    # due date cut down to the second made students who had just submitted a fraction late);
    # then two students hand in late
    due = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(math.ceil(time.time())))
    r = requests.put(f"{hub.url}/services/{COURSE}/formgrader/api/assignment/{ASSIGNMENT}",
                     headers={"Authorization": f"token {hub.token}"}, verify=str(hub.cert),
                     json={"duedate_notimezone": due, "duedate_timezone": "UTC"}, timeout=60)
    assert r.status_code == 200 and r.json()["duedate"], r.text[:300]
    time.sleep(1.1)
    late_and_hostile = run_students(machine, week["root"], [
        *({"user": u, "op": "submit", "assignment": ASSIGNMENT, "notebook": nbs["solved"]}
          for u in sorted(LATE)),
        {"user": SPOOFER, "op": "spoof", "victim": VICTIM, "course": COURSE,
         "assignment": ASSIGNMENT, "notebook": nbs["untouched"]},
        {"user": FLOODER, "op": "flood", "course": COURSE, "assignment": ASSIGNMENT,
         "big_bytes": 200 * 2**20, "many_files": 600}])
    assert all(v["rc"] == 0 for v in late_and_hostile.values()), late_and_hostile


def submitted_students() -> list[str]:
    return [u for u in STUDENTS if u not in ABSENT]


def test_instructor_collects_grades_comments_and_returns_feedback(week) -> None:
    hub, machine = week["hub"], week["machine"]
    collect = machine.sh(f"cd {COURSE_DIR} && nbgrader collect {ASSIGNMENT}", user=GRADER,
                         timeout=180)
    log = collect.stdout + collect.stderr
    assert f"claims to be {VICTIM}'s but is owned by {SPOOFER}" in log, log[-3000:]
    assert "more than the" in log and "more than 500 files" in log, log[-3000:]
    submitted = machine.host(f"{COURSE_DIR}/submitted")
    assert sorted(p.name for p in submitted.iterdir()) == submitted_students()
    # the victim's own submission was collected, not the spoofer's later-dated folder
    stamp = (submitted / VICTIM / ASSIGNMENT / "timestamp.txt").read_text()
    assert not stamp.startswith("2099"), stamp
    flooded = submitted / FLOODER / ASSIGNMENT
    assert not (flooded / "data.bin").exists() and not (flooded / "f00000.txt").exists()

    graded = machine.sh(f"cd {COURSE_DIR} && course autograde {ASSIGNMENT} --submitted submitted "
                        f"--jobs 2 --quiet", user=GRADER, timeout=300)
    week["events"]["autograde_tail"] = graded.stdout[-600:]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{machine.host(COURSE_DIR) / 'gradebook.db'}") as gb:
        scores = {u: gb.find_submission(ASSIGNMENT, u).score for u in submitted_students()}
        late = {u: gb.find_submission(ASSIGNMENT, u).total_seconds_late
                for u in submitted_students()}
    expected = {u: WRONG_SCORE if u in WRONG else 0.0 if u in UNTOUCHED else FULL
                for u in submitted_students()}
    assert scores == expected, graded.stdout[-3000:] + graded.stderr[-3000:]
    assert {u for u, s in late.items() if s > 0} == LATE, late

    # hand grading in the formgrader: a comment on two submissions, as the instructor would
    service = f"{hub.url}/services/{COURSE}/formgrader/api"
    auth = {"Authorization": f"token {hub.token}"}
    r = requests.get(f"{service}/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}", headers=auth,
                     verify=str(hub.cert), timeout=60)
    assert r.status_code == 200, r.text[:300]
    ids = {n["student"]: n["id"] for n in r.json()}
    for user, text in COMMENTS.items():
        r = requests.get(f"{service}/comments", params={"submission_id": ids[user]},
                         headers=auth, verify=str(hub.cert), timeout=60)
        comment_id = r.json()[0]["id"]
        r = requests.put(f"{service}/comment/{comment_id}", json={"manual_comment": text},
                         headers=auth, verify=str(hub.cert), timeout=60)
        assert r.status_code == 200 and r.json()["manual_comment"] == text, r.text[:300]

    machine.sh(f"cd {COURSE_DIR} && course feedback {ASSIGNMENT} && "
               f"nbgrader release_feedback {ASSIGNMENT}", user=GRADER, timeout=300)

    # a regrade of one student keeps the way back open: nbgrader's timestamp.txt and
    # submission_secret.txt travel into autograded/ again (release_feedback's checksum needs the
    # secret), the person's comment is kept, and the student fetches the new page below
    machine.sh(f"cd {COURSE_DIR} && course autograde {ASSIGNMENT} --submitted submitted --student {REGRADED} "
               f"--quiet && course feedback {ASSIGNMENT} --student {REGRADED} && "
               f"nbgrader release_feedback {ASSIGNMENT} --student {REGRADED}", user=GRADER, timeout=300)
    for record in ("timestamp.txt", "submission_secret.txt"):
        copy = machine.host(f"{COURSE_DIR}/autograded/{REGRADED}/{ASSIGNMENT}/{record}")
        assert copy.read_bytes() == (submitted / REGRADED / ASSIGNMENT / record).read_bytes(), copy


def test_every_student_fetches_exactly_their_own_feedback(week) -> None:
    machine = week["machine"]
    results = run_students(machine, week["root"], [
        *({"user": u, "op": "fetch_feedback", "assignment": ASSIGNMENT} for u in STUDENTS),
        {"user": "stu05", "op": "peek", "course": COURSE, "victim": REGRADED}])
    assert results["stu05:peek"]["rc"] == 13, results["stu05:peek"]  # cannot list the others'
    for user in STUDENTS:
        assert results[f"{user}:fetch_feedback"]["rc"] == 0, results[f"{user}:fetch_feedback"]
        folder = machine.host(f"/home/{user}/{ASSIGNMENT}/feedback")
        pages = sorted(folder.glob(f"*/{ASSIGNMENT}.html")) if folder.is_dir() else []
        if user in ABSENT:
            assert pages == [], f"{user} never submitted but got feedback: {pages}"
            continue
        assert len(pages) == 1, f"{user}: {pages}"
        own = (machine.host(f"{COURSE_DIR}/submitted/{user}/{ASSIGNMENT}/timestamp.txt")
               .read_text().strip())
        assert pages[0].parent.name == own, (user, pages[0].parent.name, own)
        assert pages[0].stat().st_uid == machine.ids(user)[0]
        html = pages[0].read_text()
        for other, text in COMMENTS.items():
            assert (text in html) == (other == user), f"{user}'s page and {other}'s comment"


def test_the_idle_culler_stops_idle_servers(week) -> None:
    hub = week["hub"]
    hub.wait(lambda: not any(hub.server(u) for u in SERVER_USERS), 3 * CULL_TIMEOUT,
             "the culler stopping the idle servers")
    assert "Culling server" in hub.log.read_text(), tail(hub.log)
    for user in SERVER_USERS:  # stopping a server removes its groups
        assert not cgroup_dir("memory", user).exists(), user
    spawn = sorted(week["spawn_s"].values())
    week["events"]["spawn_median_s"] = statistics.median(spawn)
    week["events"]["spawn_max_s"] = spawn[-1]
