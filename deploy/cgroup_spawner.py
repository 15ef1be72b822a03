"""Per-user limits where systemd is not PID 1: each user's server in cgroup v1 groups of its own.

``CgroupSpawner`` is JupyterHub's ``LocalProcessSpawner`` (a server per Unix account, started by
the hub as root) plus the limits that ``LocalProcessSpawner`` ignores. Before a server starts,
the hub makes ``<hub's cgroup>/jupyterhub/<user>`` in the memory, pids and cpu controllers and
writes

- ``memory.limit_in_bytes`` (and ``memory.memsw.limit_in_bytes`` when swap is accounted) from
  ``Spawner.mem_limit``: a kernel that takes more is OOM-killed, the server lives on;
- ``pids.max`` from ``tasks_max``: a fork bomb's forks fail with EAGAIN;
- ``cpu.cfs_quota_us`` from ``Spawner.cpu_limit`` (1.0 = one core).

The server's process joins them before it drops root (``preexec_fn``), so everything the user
starts from it (kernels, terminals, their children) stays inside. Stopping the server kills what
is left in the group and removes it. On a server where systemd runs, use systemdspawner instead
(deploy/jupyterhub_config.py chooses); this spawner is what tests/test_class_week.py exercises.
It refuses to start a server it cannot limit rather than start one without limits.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Integer, Unicode

CONTROLLERS = ("memory", "pids", "cpu")
CPU_PERIOD_US = 100_000


def own_cgroup(controller: str, pid: int | str = "self") -> str:
    """The cgroup v1 path of process ``pid`` in ``controller`` (from /proc/<pid>/cgroup)."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    raise RuntimeError(f"process {pid} is in no cgroup v1 {controller!r} hierarchy: "
                       f"is cgroup v1's {controller} controller mounted?")



def kill_members(group: Path) -> bool:
    """SIGKILL every process of the cgroup folder ``group``; False once it holds none."""
    pids = (group / "cgroup.procs").read_text().split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    return bool(pids)


class CgroupSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose servers run under enforced memory, process and CPU limits."""

    tasks_max = Integer(
        512, config=True,
        help="Most processes and threads one user's server and everything it starts may have "
             "at once (cgroup pids.max); forks beyond it fail with EAGAIN. 0 means no limit.")
    cgroup_root = Unicode(
        "/sys/fs/cgroup", config=True,
        help="Where the cgroup v1 controllers are mounted (one folder per controller).")
    cgroup_parent = Unicode(
        "jupyterhub", config=True,
        help="Name of the group, under the hub's own cgroup in each controller, that holds one "
             "group per user server (so the hub's own limits still bound them all).")

    def group_name(self) -> str:
        """The user's group: the user name, plus the server name for named servers."""
        return self.user.name + (f"-{self.name}" if self.name else "")

    def group_dir(self, controller: str) -> Path:
        """This server's group folder in ``controller``."""
        base = own_cgroup(controller).lstrip("/")
        return Path(self.cgroup_root, controller, base, self.cgroup_parent, self.group_name())

    def limits(self) -> dict[str, dict[str, str]]:
        """The files to write in each controller's group, from the spawner's settings."""
        out: dict[str, dict[str, str]] = {c: {} for c in CONTROLLERS}
        if self.mem_limit:
            out["memory"]["memory.limit_in_bytes"] = str(self.mem_limit)
            if Path(self.cgroup_root, "memory", "memory.memsw.limit_in_bytes").exists():
                out["memory"]["memory.memsw.limit_in_bytes"] = str(self.mem_limit)
        if self.tasks_max:
            out["pids"]["pids.max"] = str(self.tasks_max)
        if self.cpu_limit:
            out["cpu"]["cpu.cfs_period_us"] = str(CPU_PERIOD_US)
            out["cpu"]["cpu.cfs_quota_us"] = str(int(self.cpu_limit * CPU_PERIOD_US))
        return out

    def make_groups(self) -> list[Path]:
        """Create this server's groups with their limits; raise when they cannot be made."""
        made = []
        for controller, files in self.limits().items():
            folder = self.group_dir(controller)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                for name, value in files.items():
                    (folder / name).write_text(value)
            except OSError as exc:
                raise RuntimeError(
                    f"cannot limit {self.user.name}'s server: {folder}: {exc}. CgroupSpawner needs "
                    f"cgroup v1 with the {', '.join(CONTROLLERS)} controllers mounted under "
                    f"{self.cgroup_root} and the hub running as root; where systemd runs, use "
                    "COURSE_SPAWNER=systemd") from exc
            made.append(folder)
        return made

    def make_preexec_fn(self, name):
        join = [str(d / "cgroup.procs") for d in self.make_groups()]
        drop_root = super().make_preexec_fn(name)

        def preexec() -> None:
            # still root here, in the child before exec: join the groups, then become the user
            for procs in join:
                fd = os.open(procs, os.O_WRONLY)
                try:
                    os.write(fd, str(os.getpid()).encode())
                finally:
                    os.close(fd)
            drop_root()

        return preexec

    async def stop(self, now=False):
        await super().stop(now=now)
        await self.remove_groups()

    async def remove_groups(self) -> None:
        """Kill whatever the user left running in the groups, then remove them."""
        for controller in CONTROLLERS:
            folder = self.group_dir(controller)
            if not folder.is_dir():
                continue
            for _ in range(50):
                if not kill_members(folder):
                    break
                await asyncio.sleep(0.1)
            try:
                folder.rmdir()
            except OSError as exc:
                self.log.warning("could not remove %s: %s", folder, exc)
