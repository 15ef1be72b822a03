"""Wire formats between the grader and the grading kernel (stdlib + NumPy only).

Both sides import this module: the grader (``course.grading.inject``) to write the cases a test
cell's graded calls run on, the kernel (``course.grading.guard``) to read them and to encode the
outputs it records. It imports nothing else from the course, so the kernel never needs the checks,
their seeds or their references (``ARCHITECTURE.md``, "Trust boundary").

- :func:`encode_cases` / :func:`decode_cases`: a list of cases (positional arguments, keyword
  arguments) holding NumPy arrays of numbers, Python ``int``/``float``/``bool``/``str``/``None``,
  tuples and lists, as JSON with the arrays' raw bytes in base64. No pickle; sizes, depth and
  dtypes are bounded and validated on decoding (anything else raises :class:`CaseFileError`).
- :func:`encode_output` / :func:`decode_output`: one output of a graded function, exactly
  (numeric arrays as dtype + shape + bytes); anything malformed decodes to an
  :class:`Unencodable`.
- :func:`case_file_name`: where the cases of one graded call wait for the kernel, named by the
  call's nonce (``course/grading/guard.py`` reads and deletes it).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any

import numpy as np

RECORD_MIMETYPE = "application/vnd.course.record+json"
"""Mimetype of the display output carrying a graded call's record."""

FORMAT_VERSION = 3
CASE_FILE_PREFIX = ".course-case-"
NONCE_RE = re.compile(r"^[0-9a-f]{32}$")

MAX_FILE_BYTES = 96 * 1024 * 1024
MAX_ARRAY_BYTES = 48 * 1024 * 1024
MAX_CASES = 10_000
MAX_ITEMS = 10_000
MAX_DEPTH = 8
MAX_STR = 10_000
MAX_INT_DIGITS = 400
MAX_OUTPUT_BYTES = 4_000_000
"""An output larger than this is recorded as an error instead of its values (bounded payloads)."""

_DTYPE_RE = re.compile(r"^[<>|=]?[biufc][0-9]{1,2}$")
_ARRAY_KINDS = "biufc"


class CaseFileError(ValueError):
    """A case list that cannot be encoded, or a case file that is malformed."""


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------
def _enc_array(arr: np.ndarray) -> dict[str, Any]:
    if arr.dtype.kind not in _ARRAY_KINDS or arr.dtype.fields is not None:
        raise CaseFileError(f"arrays of dtype {arr.dtype} cannot be sent")
    if arr.nbytes > MAX_ARRAY_BYTES:
        raise CaseFileError(f"array too large to send ({arr.nbytes} bytes)")
    if arr.ndim > 32:
        raise CaseFileError("array has too many dimensions")
    return {
        "t": "array",
        "dtype": arr.dtype.str,
        "shape": [int(n) for n in arr.shape],
        "data": base64.b64encode(arr.tobytes(order="C")).decode("ascii"),
    }


def _enc(value: Any, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise CaseFileError("cases nested too deeply")
    if value is None:
        return {"t": "none"}
    if type(value) is bool:
        return {"t": "bool", "v": value}
    if type(value) is int:
        text = str(value)
        if len(text) > MAX_INT_DIGITS:
            raise CaseFileError("integer too large")
        return {"t": "int", "v": text}
    if type(value) is float:
        return {"t": "float", "v": value.hex()}
    if type(value) is str:
        if len(value) > MAX_STR:
            raise CaseFileError("string too long")
        return {"t": "str", "v": value}
    if type(value) in (tuple, list):
        if len(value) > MAX_ITEMS:
            raise CaseFileError("sequence too long")
        return {"t": "tuple" if type(value) is tuple else "list", "v": [_enc(v, depth + 1) for v in value]}
    if type(value) is np.ndarray:
        return _enc_array(value)
    if isinstance(value, np.generic) and not isinstance(value, (np.void, np.object_)):
        out = _enc_array(np.asarray(value))
        out["t"] = "scalar"
        return out
    raise CaseFileError(f"a case holds a {type(value).__name__}, which cannot be sent")


def encode_cases(cases: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> bytes:
    """The case file's bytes for ``cases`` (a list of ``(args, kwargs)``)."""
    if not isinstance(cases, (list, tuple)) or len(cases) > MAX_CASES:
        raise CaseFileError("cases must be a list of at most %d (args, kwargs) pairs" % MAX_CASES)
    items = []
    for case in cases:
        if not (isinstance(case, tuple) and len(case) == 2 and isinstance(case[0], tuple) and isinstance(case[1], dict)):
            raise CaseFileError("each case must be (args tuple, kwargs dict)")
        args, kwargs = case
        if any(type(k) is not str for k in kwargs):
            raise CaseFileError("keyword names must be strings")
        items.append({"args": [_enc(a, 1) for a in args], "kwargs": {k: _enc(v, 1) for k, v in kwargs.items()}})
    data = json.dumps({"format": "course-cases", "version": FORMAT_VERSION, "cases": items},
                      separators=(",", ":"), allow_nan=False).encode("ascii")
    if len(data) > MAX_FILE_BYTES:
        raise CaseFileError(f"case file too large ({len(data)} bytes)")
    return data


def _dec_array(item: dict[str, Any]) -> np.ndarray:
    dtype_str = item.get("dtype")
    if type(dtype_str) is not str or not _DTYPE_RE.match(dtype_str):
        raise CaseFileError("array of unsupported dtype")
    dtype = np.dtype(dtype_str)
    shape_list = item.get("shape")
    if type(shape_list) is not list or len(shape_list) > 32 or any(type(n) is not int or n < 0 for n in shape_list):
        raise CaseFileError("malformed array shape")
    shape = tuple(shape_list)
    data = item.get("data")
    if type(data) is not str or len(data) > (MAX_ARRAY_BYTES * 4) // 3 + 8:
        raise CaseFileError("malformed array data")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise CaseFileError("malformed array data") from None
    count = 1
    for n in shape:
        count *= n
        if count * dtype.itemsize > MAX_ARRAY_BYTES:
            raise CaseFileError("array too large")
    if count * dtype.itemsize != len(raw):
        raise CaseFileError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _dec(item: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise CaseFileError("cases nested too deeply")
    if type(item) is not dict:
        raise CaseFileError("malformed value")
    t = item.get("t")
    v = item.get("v")
    if t == "none":
        return None
    if t == "bool" and type(v) is bool:
        return v
    if t == "int" and type(v) is str and 0 < len(v) <= MAX_INT_DIGITS and re.fullmatch(r"-?[0-9]+", v):
        return int(v)
    if t == "float" and type(v) is str and len(v) < 64:
        try:
            return float.fromhex(v)
        except ValueError:
            raise CaseFileError("malformed float") from None
    if t == "str" and type(v) is str and len(v) <= MAX_STR:
        return v
    if t in ("tuple", "list") and type(v) is list and len(v) <= MAX_ITEMS:
        seq = [_dec(x, depth + 1) for x in v]
        return tuple(seq) if t == "tuple" else seq
    if t == "array":
        return _dec_array(item)
    if t == "scalar":
        arr = _dec_array(item)
        if arr.shape != ():
            raise CaseFileError("malformed scalar")
        return arr[()]
    raise CaseFileError(f"malformed value of kind {str(t)[:20]!r}")


def _no_constants(name: str) -> Any:
    raise CaseFileError(f"malformed case file (constant {name})")


def decode_cases(data: bytes) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Inverse of :func:`encode_cases`; :class:`CaseFileError` for anything malformed."""
    if not isinstance(data, (bytes, bytearray)) or len(data) > MAX_FILE_BYTES:
        raise CaseFileError("case file missing or too large")
    try:
        doc = json.loads(bytes(data).decode("ascii"), parse_constant=_no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise CaseFileError("case file is not JSON") from None
    if type(doc) is not dict or doc.get("format") != "course-cases" or doc.get("version") != FORMAT_VERSION:
        raise CaseFileError("not a course case file (or another version)")
    items = doc.get("cases")
    if type(items) is not list or len(items) > MAX_CASES:
        raise CaseFileError("malformed case list")
    cases = []
    for item in items:
        if type(item) is not dict or type(item.get("args")) is not list or type(item.get("kwargs")) is not dict:
            raise CaseFileError("malformed case")
        if len(item["args"]) > MAX_ITEMS or len(item["kwargs"]) > MAX_ITEMS:
            raise CaseFileError("malformed case")
        args = tuple(_dec(a, 1) for a in item["args"])
        kwargs = {}
        for k, v in item["kwargs"].items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,99}", k):
                raise CaseFileError("malformed keyword name")
            kwargs[k] = _dec(v, 1)
        cases.append((args, kwargs))
    return cases


# --------------------------------------------------------------------------------------------
# outputs
# --------------------------------------------------------------------------------------------
class Unencodable:
    """Stands for an output that is not a number or an array of numbers; never equals anything."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:  # noqa: D105
        return False

    __hash__ = None  # type: ignore[assignment]


def encode_output(value: Any) -> dict[str, Any]:
    """Encode one output exactly: numeric arrays (and scalars) as dtype + shape + raw bytes."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, str):
        return {"kind": "str", "value": str(value)[:1000]}
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        try:
            value = value.detach().cpu().numpy()
        except Exception:
            pass
    try:
        arr = np.asarray(value)
    except Exception:
        arr = None
    if arr is not None and arr.dtype.kind in "biufc" and arr.dtype.fields is None:
        if arr.nbytes > MAX_OUTPUT_BYTES:
            return {"kind": "error", "value": f"output too large ({arr.size} values of {arr.dtype})"}
        return {  # (np.ascontiguousarray would turn a 0-d array into shape (1,))
            "kind": "array",
            "dtype": arr.dtype.str,
            "shape": [int(n) for n in arr.shape],
            "data": base64.b64encode(arr.tobytes(order="C")).decode("ascii"),
        }
    try:
        text = repr(value)
    except Exception:
        text = "<unrepresentable>"
    return {"kind": "repr", "value": (text[:200] + "...") if len(text) > 200 else text, "type": type(value).__name__[:100]}


def decode_output(item: Any) -> Any:
    """Inverse of :func:`encode_output`; anything malformed becomes an :class:`Unencodable`."""
    if not isinstance(item, dict):
        return Unencodable("<malformed record>")
    kind = item.get("kind")
    if kind == "none":
        return None
    if kind == "str":
        return str(item.get("value", ""))
    if kind == "array":
        try:
            dtype_str = str(item["dtype"])
            if not _DTYPE_RE.match(dtype_str):
                return Unencodable(f"<array of unsupported dtype {dtype_str!r}>")
            dtype = np.dtype(dtype_str)
            shape = tuple(int(n) for n in item["shape"])
            if any(n < 0 for n in shape) or len(shape) > 32:
                return Unencodable("<malformed array>")
            raw = base64.b64decode(str(item["data"]), validate=True)
            count = math.prod(shape) if shape else 1
            if count * dtype.itemsize != len(raw):
                return Unencodable("<malformed array>")
            return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        except Exception:
            return Unencodable("<malformed array>")
    if kind == "error":
        return Unencodable(str(item.get("value", "<error>"))[:300])
    return Unencodable(f"a {item.get('type', 'value')} ({str(item.get('value', ''))[:200]})")


# --------------------------------------------------------------------------------------------
# the case file of one graded call
# --------------------------------------------------------------------------------------------
def case_file_name(nonce: str) -> str:
    """``.course-case-<nonce>.json``: the cases of one graded call (plain JSON: they are the
    graded function's own arguments, nothing to hide from it)."""
    if not isinstance(nonce, str) or not NONCE_RE.match(nonce):
        raise CaseFileError("a nonce is 32 lowercase hex digits")
    return f"{CASE_FILE_PREFIX}{nonce}.json"
