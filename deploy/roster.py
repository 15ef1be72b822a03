"""Add or remove students while the hub runs: no restart, nobody else's server stops.

    /opt/course/.venv/bin/python /opt/course/deploy/roster.py add NAME [NAME ...]
    /opt/course/.venv/bin/python /opt/course/deploy/roster.py remove NAME [NAME ...]

Run as root on the class server. ``add`` creates the Unix account when it is missing
(``adduser --disabled-password``; set its password with ``chpasswd``), tells the running hub
through its REST API (the user, and membership of ``nbgrader-<course>``, which shows them the
course in the Assignments tab), and adds the name to ``COURSE_STUDENTS`` in the hub's
environment file so a later restart agrees. ``remove`` deletes the user from the hub (their own
server stops; nobody else's does), drops the name from the environment file and locks the Unix
account; their home folder and submissions stay, for the record.

The API token is the ``course-admin`` service's (``/etc/jupyterhub/admin-token``, read by
deploy/jupyterhub_config.py at start).
"""

from __future__ import annotations

import argparse
import pwd
import re
import subprocess
import sys
from pathlib import Path

import requests

NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("action", choices=("add", "remove"))
    p.add_argument("names", nargs="+", help="Unix user names of the students")
    p.add_argument("--hub-api", default="http://127.0.0.1:8081/hub/api",
                   help="the hub's REST API (its hub_bind_url + /hub/api)")
    p.add_argument("--token-file", type=Path, default=Path("/etc/jupyterhub/admin-token"),
                   help="the course-admin service's API token")
    p.add_argument("--env-file", type=Path, default=Path("/etc/jupyterhub/course.env"),
                   help="the hub's environment file (COURSE_ID, COURSE_STUDENTS)")
    p.add_argument("--no-unix", action="store_true",
                   help="leave Unix accounts alone (they are managed elsewhere, e.g. LDAP)")
    return p.parse_args(argv)


def read_env(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a systemd EnvironmentFile."""
    out = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def write_students(path: Path, students: list[str]) -> None:
    """Set COURSE_STUDENTS in the environment file, keeping every other line as it is."""
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("COURSE_STUDENTS=")]
    lines.append("COURSE_STUDENTS=" + ",".join(students))
    tmp = path.with_name(path.name + ".new")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.chmod(path.stat().st_mode & 0o777)
    tmp.replace(path)


class Hub:
    """The few REST calls the roster needs, with the course-admin token."""

    def __init__(self, api: str, token: str) -> None:
        self.api = api.rstrip("/")
        self.headers = {"Authorization": f"token {token}"}

    def call(self, method: str, path: str, ok: tuple[int, ...], **kw) -> None:
        r = requests.request(method, self.api + path, headers=self.headers, timeout=60, **kw)
        if r.status_code not in ok:
            sys.exit(f"roster: {method} {path} answered {r.status_code}: {r.text[:300]}")


def add(hub: Hub, course: str, name: str, unix: bool) -> None:
    if unix:
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["adduser", "--disabled-password", "--gecos", "", name], check=True,
                           stdout=subprocess.DEVNULL)
        subprocess.run(["usermod", "--unlock", "--expiredate", "", name], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hub.call("POST", f"/users/{name}", ok=(201, 409))  # 409: the hub knows them already
    hub.call("POST", f"/groups/nbgrader-{course}/users", ok=(200,), json={"users": [name]})


def remove(hub: Hub, name: str, unix: bool) -> None:
    hub.call("DELETE", f"/users/{name}", ok=(204, 404))  # stops their server, and only theirs
    if unix:
        subprocess.run(["usermod", "--lock", "--expiredate", "1", name], check=False,
                       stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bad = [n for n in args.names if not NAME.match(n)]
    if bad:
        sys.exit(f"roster: not Unix user names: {bad} (lower-case letters, digits, _ and -, "
                 "starting with a letter or _)")
    env = read_env(args.env_file)
    course = env.get("COURSE_ID", "convolutional-models")
    students = [n for n in env.get("COURSE_STUDENTS", "").split(",") if n]
    hub = Hub(args.hub_api, args.token_file.read_text().strip())
    for name in args.names:
        if args.action == "add":
            add(hub, course, name, not args.no_unix)
            students += [] if name in students else [name]
        else:
            remove(hub, name, not args.no_unix)
            students = [n for n in students if n != name]
        write_students(args.env_file, students)
        print(f"{args.action}: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
