"""A watch on the kernel's scratch folder: the total it may write there is bounded.

The sandbox's limits bound each file (``file_size_mb``) and ``/tmp`` (a size-capped tmpfs), but
the scratch folder is a folder of the grader's disk, bound into the sandbox (its ipc sockets and
the grader's case files live there), so nothing in the kernel bounds its total. :class:`ScratchWatch`
polls the folder's size from the grader's side and calls ``on_over`` once when it passes the
limit (``GuardedExecute`` then kills the kernel and stops the run with its own reason). What
the kernel writes between two polls can pass the limit: the bound is ``limit`` plus what a
process writes in ``interval`` seconds.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable


def folder_bytes(folder: str) -> int:
    """Bytes of disk used under ``folder`` (allocated blocks, links not followed; a file that
    disappears while walking counts nothing)."""
    total = 0
    todo = [folder]
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += info.st_blocks * 512
            if stat.S_ISDIR(info.st_mode):
                todo.append(entry.path)
    return total


class ScratchWatch:
    """Polls ``folder`` every ``interval`` seconds in a daemon thread; calls ``on_over(size)``
    once when its size passes ``limit`` bytes, then stops."""

    def __init__(self, folder: str, limit: int, on_over: Callable[[int], None], interval: float = 0.2) -> None:
        if limit <= 0:
            raise ValueError(f"the scratch folder's limit must be a positive number of bytes, got {limit}")
        self.folder, self.limit, self.interval = folder, limit, interval
        self._on_over = on_over
        self._stopped = threading.Event()
        self.tripped = False
        self._thread = threading.Thread(target=self._run, name="course-scratch-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            size = folder_bytes(self.folder)
            if size > self.limit:
                self.tripped = True
                self._on_over(size)
                return

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
