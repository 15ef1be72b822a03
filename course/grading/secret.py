"""The instructor-held grading secret: where it lives and how hidden cases are derived from it.

Hidden test cases (check ids ending in ``.hidden``, ex06's hidden accuracy set and its train
probe) are generated from :func:`hidden_seed`, an HMAC of the check's id under a secret that only
the grader's process knows (``ARCHITECTURE.md``, "Trust boundary"). Nothing in the installed
package, the release or the student's kernel predicts them: the seeds in ``course/grading`` are
public, the secret is not.

The secret is read from the environment variable ``COURSE_GRADER_SECRET`` (hex) when it is set,
else from ``<course root>/.grader/secret`` (32 random bytes, created on first use by
:func:`ensure_secret`; the folder is ``0700``, the file ``0600``, and ``.grader/`` is git-ignored).
Neither may reach the grading kernel: the sandbox must not bind ``.grader/`` nor pass the variable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

ENV_VAR = "COURSE_GRADER_SECRET"
FOLDER = ".grader"
FILE = "secret"
SECRET_BYTES = 32
MIN_SECRET_BYTES = 16


class SecretError(RuntimeError):
    """The grading secret is missing, malformed or readable by others."""


def secret_path(root: str | os.PathLike[str]) -> Path:
    """``<root>/.grader/secret``."""
    return Path(root) / FOLDER / FILE


def _from_env() -> bytes | None:
    text = os.environ.get(ENV_VAR)
    if text is None or not text.strip():
        return None
    try:
        value = bytes.fromhex(text.strip())
    except ValueError:
        raise SecretError(f"{ENV_VAR} must be hex (e.g. the output of `python -c 'import secrets; print(secrets.token_hex(32))'`)") from None
    if len(value) < MIN_SECRET_BYTES:
        raise SecretError(f"{ENV_VAR} is too short: {len(value)} bytes, at least {MIN_SECRET_BYTES} needed")
    return value


def _read_file(path: Path) -> bytes:
    st = path.stat()
    if st.st_mode & 0o077:
        raise SecretError(f"{path} is readable by other users (mode {st.st_mode & 0o777:o}); run chmod 600 on it")
    value = path.read_bytes()
    if len(value) < MIN_SECRET_BYTES:
        raise SecretError(f"{path} holds {len(value)} bytes, at least {MIN_SECRET_BYTES} needed")
    return value


def load_secret(root: str | os.PathLike[str]) -> bytes:
    """The grading secret: ``$COURSE_GRADER_SECRET`` (hex) or ``<root>/.grader/secret``.

    Raises :class:`SecretError` when neither exists (the grader calls :func:`ensure_secret`)."""
    value = _from_env()
    if value is not None:
        return value
    path = secret_path(root)
    if not path.exists():
        raise SecretError(f"no grading secret: set {ENV_VAR} or create {path} (course grading does it on first use)")
    return _read_file(path)


def ensure_secret(root: str | os.PathLike[str]) -> bytes:
    """:func:`load_secret`, creating ``<root>/.grader/secret`` (32 random bytes, folder 0700, file
    0600) when neither the variable nor the file exists. Used by the grader, never by a kernel."""
    value = _from_env()
    if value is not None:
        return value
    path = secret_path(root)
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    if not path.exists():
        data = secrets.token_bytes(SECRET_BYTES)
        try:  # O_EXCL: two graders starting at once keep the first one's secret
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
    return _read_file(path)


def hidden_seed(secret: bytes, check_id: str) -> int:
    """First 8 bytes (big-endian) of HMAC-SHA256(secret, check_id): the seed of a hidden check."""
    if not isinstance(secret, (bytes, bytearray)) or len(secret) < MIN_SECRET_BYTES:
        raise SecretError("hidden_seed needs the grading secret (bytes, at least 16)")
    digest = hmac.new(bytes(secret), check_id.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def fresh_seed() -> int:
    """A seed nobody can predict (os.urandom): hidden cases outside grading, where no secret is."""
    return int.from_bytes(os.urandom(8), "big")


_installed: list[bytes] = []


def install(value: bytes | None) -> None:
    """Make ``value`` the secret of this process's grading (a batch job receives the instructor's
    secret with its job; ``None`` forgets it)."""
    _installed.clear()
    if value is not None:
        if not isinstance(value, (bytes, bytearray)) or len(value) < MIN_SECRET_BYTES:
            raise SecretError(f"the grading secret must be at least {MIN_SECRET_BYTES} bytes")
        _installed.append(bytes(value))


def installed() -> bytes | None:
    """The secret given to :func:`install`, if any."""
    return _installed[0] if _installed else None
