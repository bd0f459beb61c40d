"""``save`` and ``load``: checkpoints as one ``.npz`` file, with no pickle anywhere.

A checkpoint is a nested structure (what ``state_dict()`` returns, plus ``get_rng_state()``, the
epoch, ...). ``save`` splits it in two:

* the **arrays** go into the ``.npz`` as ordinary ``.npy`` entries (``array_0``, ``array_1``, ...);
* the **structure** becomes a JSON document in which each array is replaced by a reference to
  its entry. The JSON is stored as one more entry, a ``uint8`` array of its UTF-8 bytes.

Every JSON node but ``null``, ``true``/``false`` and strings is tagged, so that what comes back
has the type that went in::

    {"int": "0x100000000000000000000000000000001"}   ints in hexadecimal: any size, exact
    {"float": "7ff8000000000000"}                     a float's 64 bits: NaN, inf, -0.0 exact
    {"array": "array_0"}                              an ndarray entry
    {"scalar": "array_1"}                             a NumPy scalar (np.float32(1.5), ...)
    {"list": [...]}   {"tuple": [...]}   {"dict": [[key, node], ...]}   keys: str or int

Why not pickle: unpickling runs whatever code the file names, so opening a checkpoint someone
sent you would be running their program. ``np.load(..., allow_pickle=False)`` and ``json.loads``
only ever build arrays and plain values.
"""

from __future__ import annotations

import json
import os
import secrets
import struct
from typing import Any

import numpy as np

from .backend import cpu, device_of_array, to_host
from .tensor import Tensor

FORMAT = "minigrad-checkpoint"
VERSION = 1
HEADER_ENTRY = "minigrad_checkpoint_header"

# Array dtypes a checkpoint may hold: booleans and numbers (no object arrays: they need pickle).
_ARRAY_KINDS = "biufc"


# ---- save ------------------------------------------------------------------------------------


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` to ``path`` (used as given; no ``.npz`` is appended), replacing it atomically.

    ``obj`` may nest dicts (str or int keys; NumPy int keys load as ints), lists, tuples,
    NumPy/CuPy arrays, Tensors (saved as host arrays; they load as NumPy arrays), NumPy scalars,
    Python ints (any size), floats, bools, strings and None. Anything else is a ``TypeError``
    naming where it sits, such as ``optimizer.state.3.momentum``, raised before the file is
    touched.

    The file is first written in full to a temporary file in the same folder, flushed to disk,
    and then renamed over ``path`` (``os.replace`` is atomic), so a crash or an error mid-save
    leaves the previous checkpoint as it was.
    """
    path = os.fspath(path)
    arrays: dict[str, np.ndarray] = {}
    root = _encode(obj, [], arrays, set())  # all TypeErrors happen here, before any writing
    header = {
        "format": FORMAT,
        "version": VERSION,
        "root": root,
        "arrays": {name: _describe(array) for name, array in arrays.items()},
    }
    arrays[HEADER_ENTRY] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)

    folder, name = os.path.split(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder} does not exist")
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as file:
            np.savez(file, **arrays)  # type: ignore[arg-type]  # NumPy's stub types allow_pickle only
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the rename makes them visible
        os.replace(temporary, path)
    except BaseException:  # also KeyboardInterrupt: never leave a half-written temporary behind
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _encode(value: Any, key_path: list, arrays: dict[str, np.ndarray], open_containers: set) -> Any:
    """``value`` as a JSON node; arrays are moved to the host and appended to ``arrays``."""
    if value is None or isinstance(value, (bool, str)):
        return str(value) if isinstance(value, str) else value  # np.str_ becomes a plain str
    if isinstance(value, np.generic):
        return {"scalar": _add_array(np.asarray(value), key_path, arrays)}
    if isinstance(value, int):
        return {"int": hex(value)}
    if isinstance(value, float):
        return {"float": struct.pack(">d", value).hex()}
    if isinstance(value, (Tensor, np.ndarray)) or _is_device_array(value):
        return {"array": _add_array(_to_host(value), key_path, arrays)}
    if isinstance(value, (dict, list, tuple)):
        if id(value) in open_containers:
            raise TypeError(f"save: {_where(key_path)} contains itself; a checkpoint is a tree")
        open_containers.add(id(value))
        if isinstance(value, dict):
            items = [
                _encode_item(k, v, key_path, arrays, open_containers) for k, v in value.items()
            ]
            node = {"dict": items}
        else:
            items = [
                _encode(item, [*key_path, index], arrays, open_containers)
                for index, item in enumerate(value)
            ]
            node = {"list" if isinstance(value, list) else "tuple": items}
        open_containers.discard(id(value))
        return node
    raise TypeError(
        f"save: cannot store a value of type {type(value).__name__} at {_where(key_path)}; a "
        "checkpoint holds dicts, lists, tuples, arrays, Tensors, numbers, strings and None"
    )


def _encode_item(key: Any, value: Any, key_path: list, arrays: dict, open_containers: set) -> list:
    if isinstance(key, bool) or not isinstance(key, (str, int, np.integer)):
        raise TypeError(
            f"save: the dict at {_where(key_path)} has a key {key!r} of type "
            f"{type(key).__name__}; keys must be strings or ints"
        )
    encoded_key = str(key) if isinstance(key, str) else {"int": hex(int(key))}
    return [encoded_key, _encode(value, [*key_path, key], arrays, open_containers)]


def _is_device_array(value: Any) -> bool:
    return device_of_array(value) is not cpu


def _to_host(value: Any) -> np.ndarray:
    return value.numpy() if isinstance(value, Tensor) else to_host(value)


def _add_array(array: np.ndarray, key_path: list, arrays: dict[str, np.ndarray]) -> str:
    if array.dtype.kind not in _ARRAY_KINDS:
        raise TypeError(
            f"save: the value at {_where(key_path)} has dtype {array.dtype}; a checkpoint holds "
            "boolean and numeric arrays only (object arrays would need pickle)"
        )
    name = f"array_{len(arrays)}"
    arrays[name] = np.asarray(array)  # a plain ndarray: subclasses would not survive np.load
    return name


def _describe(array: np.ndarray) -> dict[str, Any]:
    return {"dtype": array.dtype.str, "shape": list(array.shape)}


def _where(key_path: list) -> str:
    return ".".join(str(key) for key in key_path) if key_path else "the top level"


# ---- load ------------------------------------------------------------------------------------


class _NotACheckpoint(ValueError):
    """What ``load`` found wrong with a file; ``load`` adds the file's name."""


def load(path: str | os.PathLike) -> Any:
    """Read a checkpoint written by :func:`save`; arrays and Tensors come back as NumPy arrays.

    Tuples come back as tuples, ints as ints (any size), floats bit for bit, arrays with their
    dtype and shape. Loading never runs code from the file (no pickle). A file that is not a
    minigrad checkpoint, or is truncated or corrupted, raises a ``ValueError`` naming it; no
    partial result is ever returned.
    """
    path = os.fspath(path)
    with open(path, "rb") as file:  # a missing file stays a FileNotFoundError
        try:
            return _read(file)
        except _NotACheckpoint as error:
            raise ValueError(f"load: {path} is not a minigrad checkpoint: {error}") from error
        except Exception as error:
            # A damaged zip fails in many ways (BadZipFile, a CRC mismatch, EOFError, zlib.error,
            # NotImplementedError for a garbled compression byte, ...); to the user they all
            # mean the same thing.
            raise ValueError(
                f"load: {path} is not a readable minigrad checkpoint (truncated, corrupted or "
                f"another kind of file): {type(error).__name__}: {error}"
            ) from error


def _read(file: Any) -> Any:
    contents = np.load(file, allow_pickle=False)
    if not isinstance(contents, np.lib.npyio.NpzFile):
        raise _NotACheckpoint("it holds a single array, not an .npz archive")
    with contents:
        if HEADER_ENTRY not in contents.files:
            raise _NotACheckpoint(f"the archive has no '{HEADER_ENTRY}' entry")
        header = _read_header(contents[HEADER_ENTRY])
        expected = header["arrays"]
        if set(contents.files) != set(expected) | {HEADER_ENTRY}:
            raise _NotACheckpoint("its entries do not match the ones its header lists")
        arrays = {}
        for name, description in expected.items():
            array = contents[name]  # reading the whole entry also checks the zip's CRC-32
            if _describe(array) != description:
                raise _NotACheckpoint(
                    f"entry '{name}' is {_describe(array)}, the header says {description}"
                )
            arrays[name] = array
    return _decode(header["root"], arrays)


def _read_header(raw: np.ndarray) -> dict[str, Any]:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise _NotACheckpoint("its header is not a byte array")
    header = json.loads(raw.tobytes().decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _NotACheckpoint("its header does not name the minigrad checkpoint format")
    if header.get("version") != VERSION:
        raise _NotACheckpoint(
            f"format version {header.get('version')!r}; this minigrad reads version {VERSION}"
        )
    if not isinstance(header.get("arrays"), dict) or "root" not in header:
        raise _NotACheckpoint("its header lacks the structure or the array list")
    return header


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The inverse of ``_encode``; anything malformed is a ``_NotACheckpoint``."""
    if node is None or isinstance(node, (bool, str)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        ((tag, content),) = node.items()
        if tag == "int" and isinstance(content, str):
            return int(content, 16)
        if tag == "float" and isinstance(content, str) and len(content) == 16:
            return struct.unpack(">d", bytes.fromhex(content))[0]
        if tag in ("array", "scalar") and isinstance(content, str) and content in arrays:
            array = arrays[content]
            return array if tag == "array" else array[()]
        if tag in ("list", "tuple") and isinstance(content, list):
            items = [_decode(item, arrays) for item in content]
            return items if tag == "list" else tuple(items)
        if tag == "dict" and isinstance(content, list):
            result = {}
            for pair in content:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise _NotACheckpoint(f"malformed dict entry {pair!r:.80} in its header")
                key = _decode(pair[0], arrays)
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise _NotACheckpoint(f"a dict key {pair[0]!r:.80} in its header")
                result[key] = _decode(pair[1], arrays)
            return result
    raise _NotACheckpoint(f"malformed node {node!r:.80} in its header")
