"""``GuardedExecute``: nbgrader's ``Execute`` with the sandboxed kernel, the kernel's guard, the
grader's own cases for every graded call, one time budget for the whole notebook, a stop at the
first timeout or crash, and an output cap.

The kernel's first line boots it for the assignment (``course/grading/guard.py``: NumPy's
convolution and process creation absent, no native code loaded afterwards, stand-ins for the
packages its sandbox does not mount). Each test cell is run with its ``record(...)`` calls
rewritten by ``course/grading/inject.py`` (cases made here); the notebook keeps the cell's
original source. What was sent is left in ``resources["course_guard"]`` for ``RecordVerdicts``.

The first cell that times out or kills its kernel STOPS the run; which cell and why is recorded
(in ``resources`` and in the notebook metadata) so that ``RecordVerdicts`` zeroes every graded
cell from there on. Output is capped while it arrives, records included: every message counts, and
only the first record of each call the grader made is kept beyond the cap; no message larger than
``max_record_bytes`` is accepted by the grader's socket at all, so the grader's memory stays
bounded whatever the notebook prints. The kernel starts in a fresh empty scratch folder, never in the instructor's
``autograded/`` folder (``ARCHITECTURE.md``, "Trust boundary").
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Integer, List, Unicode

from course.grading.preprocessors.cells import METADATA_KEY, is_test_cell
from course.grading.guard import NUMPY_CONVOLUTION
from course.grading.recorder import RECORD_MIMETYPE

UNCOUNTED_MESSAGES = ("status", "execute_input", "clear_output")
"""Kernel messages that bring no output (a cell's state, its echoed source, a clear)."""
RECORD_KEYS = ("version", "check", "nonce", "outputs")
"""What the grader keeps of a record (everything else a record may carry is dropped)."""

ASSIGNMENT_KERNEL_KEYS = ("extra_course_modules", "hidden_modules", "distributions", "preload", "absent_functions",
                          "stand_ins")


class GuardedExecute(Execute):
    """nbgrader's ``Execute`` with a per-notebook time budget, a stop-at-first-timeout-or-crash
    policy, an output cap and the sandboxed kernel."""

    store_widget_state = Bool(False, help="Never keep widget state while grading (nbclient's default "
                                          "keeps every comm message's state in memory)").tag(config=True)
    max_scratch_mb = Integer(256, help="Most the notebook may write to its folder in all (MB; each file is "
                                        "capped by SandboxKernelManager.file_size_mb): past it the kernel is "
                                        "ended and the run stops with that reason").tag(config=True)
    notebook_timeout = Integer(120, help="Seconds for the whole notebook (cells share it)").tag(config=True)
    max_output_bytes = Integer(1_000_000, help="Output kept per notebook, every message counted (records "
                                               "included)").tag(config=True)
    max_record_bytes = Integer(16_000_000, help="Largest message the grader accepts from the kernel (a "
                                                "record of a graded call is the largest legitimate one)").tag(config=True)
    preload = List(Unicode(), default_value=["numpy"],
                   help="Modules the kernel imports at boot, before native code loading is removed "
                        "(course/grading/guard.py); a module with native code that is not preloaded "
                        "cannot be imported afterwards").tag(config=True)
    absent_functions = List(Unicode(), default_value=list(NUMPY_CONVOLUTION),
                            help="'module:function' C functions that are absent from the kernel (replaced by "
                                 "ones that raise a clear error, no copy left)").tag(config=True)
    stand_ins = Dict(Unicode(), default_value={},
                     help="Top-level package -> 'noop' (plotting draws nothing) or 'absent' (imports, "
                          "raises on use), for packages the kernel does not mount "
                          "(course/grading/standins.py)").tag(config=True)
    assignment_kernels = Dict(
        help="Kernel settings of one assignment, by assignment id: 'extra_course_modules' (course files "
             "added to SandboxKernelManager.course_modules), 'hidden_modules' and 'distributions' "
             "(replace SandboxKernelManager's), 'preload', 'absent_functions' (replace this class's), "
             "'stand_ins' (merged into this class's; a package of 'distributions' needs none)").tag(config=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from course.grading.sandbox import SandboxKernelManager

        self.interrupt_on_timeout = False
        self.shutdown_kernel = "immediate"
        self.kernel_manager_class = SandboxKernelManager  # its `mode` says whether to sandbox
        self.scratch: str | None = None

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        # the kernel's own stdout/stderr (os.write(1, ...), ipykernel's banners) go nowhere, and
        # it starts in an empty scratch folder of its own, not in the autograded/ folder
        import subprocess

        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        kwargs.setdefault("stdin", subprocess.DEVNULL)
        kwargs["cwd"] = self.scratch
        from course.grading.inject import kernel_uid

        self._kernel_uid = kernel_uid(self.km.mode != "none")
        await super().async_start_new_kernel(**kwargs)
        from course.grading.sandbox.watch import ScratchWatch

        self._watch = ScratchWatch(self.scratch, int(self.max_scratch_mb) << 20, self._scratch_full)

    def _scratch_full(self, size: int) -> None:
        """(The watch's thread) the notebook wrote more than ``max_scratch_mb``: end its kernel."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None:
            process.kill()

    start_new_kernel = run_sync(async_start_new_kernel)

    async def async_start_new_kernel_client(self) -> Any:
        """The kernel's client, with a watch on its output socket: a message over
        ``max_record_bytes`` disconnects the kernel there, and the cell's reason says so."""
        import zmq

        kc = await super().async_start_new_kernel_client()
        address = f"inproc://course-iopub-{id(self)}-{time.monotonic_ns()}"
        kc.iopub_channel.socket.monitor(address, zmq.EVENT_DISCONNECTED)
        self._monitor = kc.context.socket(zmq.PAIR)  # (the client's context closes it with the others)
        self._monitor.connect(address)
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _oversized(self) -> bool:
        """Whether the kernel sent a message the client refused (its output socket disconnected)."""
        import zmq

        monitor = getattr(self, "_monitor", None)
        return monitor is not None and not monitor.closed and bool(monitor.get(zmq.EVENTS) & zmq.POLLIN)

    def create_kernel_manager(self) -> Any:
        """The sandbox's kernel manager, with this assignment's settings and the boot line."""
        from course.grading.inject import boot_line

        km = super().create_kernel_manager()
        settings = self.kernel_settings()
        km.course_modules = [*km.course_modules, *settings.get("extra_course_modules", [])]
        for name in ("hidden_modules", "distributions"):
            if name in settings:
                setattr(km, name, list(settings[name]))
        km.max_message_bytes = self.max_record_bytes
        km.boot_lines = [boot_line(self._assignment, settings.get("preload", self.preload),
                                   settings.get("absent_functions", self.absent_functions), self.active_stand_ins(),
                                   never_loaded=km.hidden_modules if km.mode != "none" else ()), *km.boot_lines]
        return km

    @classmethod
    def student_boot_line(cls, notebook: str | os.PathLike[str]) -> str:
        """The boot line ``course validate`` runs in the student's own kernel: the same absent
        functions and stand-ins as the grader's for the notebook's assignment (its file name),
        from the ``nbgrader_config.py`` of the nearest folder above it that has one (else the
        defaults); the native loaders stay (the student's kernel is no boundary)."""
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        from course.grading.inject import boot_line

        path = Path(notebook).resolve()
        config = Config()
        for folder in path.parents:
            if (folder / "nbgrader_config.py").is_file():
                config = PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
                break
        self = cls(config=config)
        self._assignment = path.stem
        settings = self.kernel_settings()
        return boot_line(path.stem, settings.get("preload", self.preload),
                         settings.get("absent_functions", self.absent_functions), self.active_stand_ins(),
                         remove_loaders=False)

    def kernel_settings(self) -> dict[str, Any]:
        """This assignment's entry of ``assignment_kernels`` (unknown keys refused)."""
        settings = self.assignment_kernels.get(self._assignment, {})
        unknown = sorted(set(settings) - set(ASSIGNMENT_KERNEL_KEYS))
        if unknown:
            raise ValueError(f"GuardedExecute.assignment_kernels[{self._assignment!r}] has unknown keys {unknown}; "
                             f"allowed: {', '.join(ASSIGNMENT_KERNEL_KEYS)}")
        return settings

    def active_stand_ins(self) -> dict[str, str]:
        """The stand-ins of this assignment's kernel: ``stand_ins`` with the assignment's entries
        merged in (an entry of ``None`` removes one, e.g. ``torch`` for ex06)."""
        merged = {**self.stand_ins, **self.kernel_settings().get("stand_ins", {})}
        return {name: kind for name, kind in merged.items() if kind is not None}

    def _grading_secret(self) -> bytes:
        from nbgrader.coursedir import CourseDirectory

        from course.grading import secret

        return secret.installed() or secret.ensure_secret(CourseDirectory(config=self.config).root)

    # --- the run ---------------------------------------------------------------------------
    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        self._state: dict[str, Any] = {
            "status": "ok", "stopped_at": None, "stopped_grade_id": None, "reason": "",
            "output_bytes": 0, "output_truncated": False, "seconds": 0.0,
        }
        self._deadline: float | None = None
        self._cell_timeout = self.timeout
        self._kept_cells: dict[int, NotebookNode] = {}
        self._watch: Any = None
        self._assignment = str(((resources or {}).get("nbgrader") or {}).get("assignment") or "")
        self._secret = self._grading_secret()
        self._sent: list[Any] = []
        self._recorded: set[str] = set()
        start = time.monotonic()
        self.scratch = tempfile.mkdtemp(prefix="course-kernel-")
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            if getattr(self, "_watch", None) is not None:
                self._watch.stop()
            if getattr(self, "_monitor", None) is not None:
                self._monitor.close(linger=0)
                self._monitor = None
            if resources is not None:
                resources["course_guard"] = {"calls": list(self._sent)}
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None
            self.timeout = self._cell_timeout
            self._state["seconds"] = round(time.monotonic() - start, 3)
            self._state["stand_ins"] = self.active_stand_ins()
            if resources is not None:
                resources["course_execution"] = dict(self._state)
            nb.metadata.setdefault(METADATA_KEY, {})["execution"] = dict(self._state)
        return nb, resources

    def _stop(self, index: int, cell: NotebookNode, status: str, reason: str) -> None:
        if self._state["stopped_at"] is None:
            self._state.update(status=status, stopped_at=index, reason=reason,
                               stopped_grade_id=cell.metadata.get("nbgrader", {}).get("grade_id"))

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if self._state["stopped_at"] is not None:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
            return cell, resources
        if cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now + max(1, int(self.notebook_timeout))
        remaining = self._deadline - now
        if remaining <= 0:
            self._stop(index, cell, "timeout",
                       f"the notebook used up its {self.notebook_timeout} s before cell {index + 1} could run")
            cell.outputs = []
            return cell, resources
        limit = int(max(1, min(self._cell_timeout or remaining, remaining) + 0.999))
        self.timeout = limit
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        label = f"cell {index + 1}" + (f" ({gid})" if gid else "")
        try:
            if not is_test_cell(cell):
                return super().preprocess_cell(cell, resources, index)
            return self._run_test_cell(cell, resources, index)
        except CellTimeoutError:
            if limit >= remaining - 1:  # the notebook's budget ran out (deterministic wording)
                why = f"{label} was still running when the notebook's {self.notebook_timeout} s ran out"
            else:
                why = f"{label} ran longer than the {self._cell_timeout} s allowed for one cell"
            if self._oversized():
                self._stop(index, cell, "crashed", f"{label} sent an output larger than the grader accepts "
                                                   f"({self.max_record_bytes} bytes in one message): the run stopped there")
            else:
                self._stop(index, cell, "timeout", why + " (an endless loop or wait?)")
        except DeadKernelError:
            if getattr(getattr(self, "_watch", None), "tripped", False):
                self._stop(index, cell, "crashed", f"{label} wrote more than {self.max_scratch_mb} MB of files "
                                                   "to the notebook's folder: the run stopped there")
            else:
                self._stop(index, cell, "crashed", f"the Python kernel died while running {label} (too much memory, or the code ended the process)")
        except Exception as exc:  # iopub timeouts, broken channels: the kernel is unusable
            self._stop(index, cell, "crashed", f"running {label} failed: {type(exc).__name__}: {str(exc)[:200]}")
        cell.outputs = [from_dict({"output_type": "error", "ename": self._state["status"].capitalize(),
                                   "evalue": self._state["reason"], "traceback": [self._state["reason"]]})]
        return cell, resources

    def _run_test_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        """Run a test cell with its graded calls rewritten for the guard; keep its own source."""
        from course.grading.inject import prepare_cell

        original = cell.source
        source, sent = prepare_cell(original, index, self.scratch, self._secret, self._kernel_uid)
        self._sent.extend(sent)
        cell.source = source
        try:
            return super().preprocess_cell(cell, resources, index)
        finally:
            cell.source = original

    # --- output cap ------------------------------------------------------------------------
    def process_message(self, msg: dict, cell: NotebookNode, cell_index: int) -> Any:
        """Every message of the kernel but its status and echo counts against the cap, all of it
        (content, metadata, buffers), before nbclient applies it: outputs, display updates
        (which nbclient applies without ``output``), errors, comms. Comms are counted and then
        dropped (no widget is rendered or stored while grading); a display update that carries a
        record is dropped (a record is never updated); a record goes to :meth:`output`."""
        msg_type = msg.get("msg_type", "")
        content = msg.get("content")
        if msg_type in UNCOUNTED_MESSAGES or not isinstance(content, dict):
            return super().process_message(msg, cell, cell_index)
        data = content.get("data")
        is_record = isinstance(data, dict) and RECORD_MIMETYPE in data
        if is_record and msg_type in ("display_data", "execute_result"):  # no display id: it updates nothing
            return super().process_message({**msg, "content": {**content, "transient": {}}}, cell, cell_index)
        counted = self._count(_message_size(msg), cell.outputs)
        if not counted or is_record or msg_type.startswith("comm"):
            return None
        return super().process_message(msg, cell, cell_index)

    def on_cell_executed(self, **kwargs: Any) -> Any:
        """nbgrader adds the shell reply's error (``ename``, ``evalue``, ``traceback``) to the cell
        when no iopub error of that name was kept: beyond the cap, a short one."""
        reply = kwargs.get("execute_reply") or {}
        content = reply.get("content") if isinstance(reply, dict) else None
        if isinstance(content, dict) and content.get("status") == "error" and \
                self._state["output_bytes"] + _message_size(reply) > self.max_output_bytes:
            short = {"ename": str(content.get("ename", ""))[:100], "evalue": str(content.get("evalue", ""))[:300],
                     "traceback": ["(traceback left out: the notebook's output is over the grader's cap)"]}
            kwargs["execute_reply"] = {**reply, "content": {**content, **short}}
        return super().on_cell_executed(**kwargs)

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        content = msg.get("content", {})
        data = content.get("data") if isinstance(content, dict) else None
        if isinstance(data, dict) and RECORD_MIMETYPE in data:
            return self._record_output(outs, msg, cell_index, data[RECORD_MIMETYPE])
        return super().output(outs, msg, display_id, cell_index)

    def _record_output(self, outs: list, msg: dict, cell_index: int, payload: Any) -> Any:
        """A record keeps only its record part (``RECORD_KEYS``: no metadata, no display id, so no
        update can replace it); the first one of a call the grader made in this cell is kept
        whatever the cap, every other counts against it like any output."""
        if not isinstance(payload, dict):
            return None
        payload = {key: payload[key] for key in RECORD_KEYS if key in payload}
        try:
            size = len(json.dumps(payload))
        except Exception:
            return None
        nonce = payload.get("nonce")
        expected = {c.nonce for c in self._sent if c.cell_index == cell_index} - self._recorded
        over = not self._count(size, outs)
        if nonce not in expected and over:
            return None
        if nonce in expected:
            self._recorded.add(nonce)
        msg = {**msg, "content": {"data": {RECORD_MIMETYPE: payload}, "metadata": {}}}
        return super().output(outs, msg, None, cell_index)

    def _count(self, size: int, outs: list) -> bool:
        """Add ``size`` to the notebook's output; False (and one note) once over the cap."""
        self._state["output_bytes"] += size
        if self._state["output_bytes"] <= self.max_output_bytes:
            return True
        if not self._state["output_truncated"]:
            self._state["output_truncated"] = True
            outs.append(from_dict({"output_type": "stream", "name": "stdout",
                                   "text": f"\n... output truncated by the grader (more than {self.max_output_bytes} bytes) ...\n"}))
        return False


def _message_size(msg: dict) -> int:
    """What a message brings into the grader: every string, key and number of its content and
    metadata, and its buffers (walked without copying: a 10 MB message costs no second 10 MB)."""
    size = 0
    todo: list[Any] = [msg.get("content"), msg.get("metadata"), *(msg.get("buffers") or [])]
    while todo:
        part = todo.pop()
        if isinstance(part, dict):
            todo.extend(part.keys())
            todo.extend(part.values())
        elif isinstance(part, (list, tuple)):
            todo.extend(part)
        elif isinstance(part, (str, bytes, bytearray)):
            size += len(part)
        elif isinstance(part, memoryview):
            size += part.nbytes
        else:
            size += 8
    return size
