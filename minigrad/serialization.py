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
    {"tensor": ["array_2", true]}                     a Tensor: its array, its requires_grad
                                                      (format version 2; version 1 had none)
    {"list": [...]}   {"tuple": [...]}   {"dict": [[key, node], ...]}   keys: str or int

Why not pickle: unpickling runs whatever code the file names, so opening a checkpoint someone
sent you would be running their program. ``numpy.lib.format.read_array(..., allow_pickle=False)``
and ``json.loads`` only ever build arrays and plain values.

Why ``load`` reads the zip itself instead of calling ``np.load``: a file is also a list of
promises. The zip's table of contents declares each entry's size and each ``.npy`` header a
dtype and shape, and NumPy allocates what they declare before reading a byte: a forged file of
600 bytes made ``np.load`` allocate 2 GiB. So every declared size is checked first, against the
bytes the file really holds and against limits the caller can raise (``max_bytes``, 4 GiB of
arrays; ``max_header_bytes``, 4 MiB of JSON), and only what ``save`` writes is accepted. The
rules are listed in docs/nn.md, "Writing to disk".

``save`` writes a temporary file ``.{name}.XXXXXXXX.tmp`` next to the checkpoint and renames it
over it, so that a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import secrets
import stat
import struct
import time
import zipfile
from typing import Any, BinaryIO

import numpy as np
from numpy.lib import format as npy

from .backend import Device, cpu, device_of_array, get_device, to_host
from .tensor import Tensor

FORMAT = "minigrad-checkpoint"
VERSION = 2  # 2: Tensors are marked as Tensors (version 1 files, all arrays, still load)
HEADER_ENTRY = "minigrad_checkpoint_header"

# Array dtypes a checkpoint may hold: booleans and numbers (no object arrays: they need pickle).
_ARRAY_KINDS = "biufc"

# What ``load`` allocates at most unless told otherwise: the arrays together, and the JSON header
# (much less, as Python objects parsed from JSON take several times its size).
MAX_BYTES = 4 * 2**30
MAX_HEADER_BYTES = 4 * 2**20

# Deflate cannot expand data more than 1032 times (at best, 2 bits code a 258-byte repeat), so a
# deflated entry that declares more is lying about its size.
_DEFLATE_MAX_RATIO = 1032


# ---- save ------------------------------------------------------------------------------------


def save(obj: Any, path: str | os.PathLike | BinaryIO) -> None:
    """Write ``obj`` to ``path`` (used as given; no ``.npz`` is appended), replacing it atomically;
    or into a binary file object opened for writing (``io.BytesIO``, as ``torch.save`` takes).

    ``obj`` may nest dicts (str or int keys; NumPy int keys load as ints), lists, tuples,
    NumPy/CuPy arrays, Tensors (with their requires_grad; they load as Tensors), NumPy scalars,
    Python ints (any size), floats, bools, strings and None. Anything else is a ``TypeError``
    naming where it sits, such as ``optimizer.state.3.momentum``, raised before the file is
    touched.

    The file is first written in full to a temporary file in the same folder, flushed to disk,
    and then renamed over ``path`` (``os.replace`` is atomic) and the folder flushed, so a crash
    or an error mid-save leaves the previous checkpoint as it was; an ``OSError`` names ``path``.
    A temporary left by a save that was killed is removed by the next save to the same file.
    Through a symlink, the file it points to is written and the link kept. An existing file keeps
    its permission bits; a new one gets the ones ``open`` gives (0o666 less the umask). A file
    object is written where it stands, with none of this: the stream is the caller's.
    """
    arrays: dict[str, np.ndarray] = {}
    root = _encode(obj, [], arrays, set())  # all TypeErrors happen here, before any writing
    header = {
        "format": FORMAT,
        "version": VERSION,
        "root": root,
        "arrays": {name: _describe(array.dtype, array.shape) for name, array in arrays.items()},
    }
    arrays[HEADER_ENTRY] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    if hasattr(path, "write"):
        np.savez(path, **arrays)  # type: ignore[arg-type]
        return
    path = os.fspath(path)
    target = os.path.realpath(path)  # through a symlink: write the file it names, keep the link
    folder, name = os.path.split(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder} does not exist")
    started = time.time()
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")  # 8 hex digits
    mode = _permissions(target)
    try:
        # Made with the target's permissions, so a private checkpoint is never readable by others
        # while it is written; open() masks them with the umask, as it does for any new file.
        with open(temporary, "xb", opener=lambda file, flags: os.open(file, flags, mode)) as file:
            np.savez(file, **arrays)  # type: ignore[arg-type]  # NumPy's stub types allow_pickle only
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the rename makes them visible
        if os.path.exists(target):
            os.chmod(temporary, mode)  # exactly the old file's bits, past the umask
        os.replace(temporary, target)
    except BaseException as error:  # also KeyboardInterrupt: never leave a temporary behind
        if os.path.exists(temporary):
            os.remove(temporary)
        if isinstance(error, OSError):
            raise _naming(path, error) from error
        raise
    _flush_folder(folder)
    _remove_stale_temporaries(folder, name, started)


def _remove_stale_temporaries(folder: str, name: str, started: float) -> None:
    """Remove the temporaries that earlier saves to ``name`` left when they were killed.

    They are the files ``.{name}.XXXXXXXX.tmp`` (8 hex digits) last written before this save
    started: another process saving to the same file writes its own temporary as it goes, so
    that one is newer. The 2 s of margin are for file systems that keep coarse times (FAT).
    """
    temporary = re.compile(re.escape(f".{name}.") + r"[0-9a-f]{8}\.tmp")
    with os.scandir(folder) as entries:
        for entry in entries:
            if temporary.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):  # gone already, or not ours to remove
                    if entry.stat(follow_symlinks=False).st_mtime < started - 2:
                        os.remove(entry.path)


def _flush_folder(folder: str) -> None:
    """Flush the folder's list of names to disk, so that the rename survives a power cut too.

    Not every OS can open a folder (Windows cannot) and not every file system can flush one; the
    checkpoint is in place either way, so then there is nothing more to do.
    """
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _permissions(target: str) -> int:
    """The permission bits of the file ``target``, or open()'s default for a new file."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return 0o666


def _naming(path: str, error: OSError) -> OSError:
    """``error`` told about ``path``: the OS names the temporary file, which the user never saw."""
    renamed = type(error)(f"save: could not write {path}: {error.strerror or error}")
    renamed.errno = error.errno  # code that tests for errno.ENOSPC still can
    return renamed


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
    if isinstance(value, Tensor):
        return {"tensor": [_add_array(value.numpy(), key_path, arrays), value.requires_grad]}
    if isinstance(value, np.ndarray) or _is_device_array(value):
        return {"array": _add_array(to_host(value), key_path, arrays)}
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


def _add_array(array: np.ndarray, key_path: list, arrays: dict[str, np.ndarray]) -> str:
    if array.dtype.kind not in _ARRAY_KINDS:
        raise TypeError(
            f"save: the value at {_where(key_path)} has dtype {array.dtype}; a checkpoint holds "
            "boolean and numeric arrays only (object arrays would need pickle)"
        )
    name = f"array_{len(arrays)}"
    arrays[name] = np.asarray(array)  # a plain ndarray: a subclass would not survive the round trip
    return name


def _describe(dtype: np.dtype, shape: tuple) -> dict[str, Any]:
    """An array as the header lists it; ``load`` checks each entry against it."""
    return {"dtype": dtype.str, "shape": list(shape)}


def _where(key_path: list) -> str:
    return ".".join(str(key) for key in key_path) if key_path else "the top level"


# ---- load ------------------------------------------------------------------------------------


class _NotACheckpoint(ValueError):
    """What ``load`` found wrong with a file; ``load`` adds the file's name."""


class _TooLarge(ValueError):
    """A checkpoint bigger than ``load`` was allowed to read; ``load`` adds the file's name."""


def load(
    path: str | os.PathLike | BinaryIO,
    map_location: Any = None,
    *,
    weights_only: bool | None = None,
    max_bytes: int = MAX_BYTES,
    max_header_bytes: int = MAX_HEADER_BYTES,
) -> Any:
    """Read a checkpoint written by :func:`save`: Tensors come back as Tensors (with their
    requires_grad), arrays as NumPy arrays.

    ``map_location`` is the device the Tensors are made on (the CPU by default; arrays always
    come back on the host, and ``load_state_dict`` copies each onto its parameter's device).
    ``weights_only`` is accepted so that PyTorch's ``torch.load(path, weights_only=True)`` runs
    unchanged: loading is always "weights only", whatever the flag says.

    Tuples come back as tuples, ints as ints (any size), floats bit for bit, arrays with their
    dtype and shape. Loading never runs code from the file (no pickle), and a file cannot make it
    allocate more than it allows: the arrays together may hold at most ``max_bytes`` (4 GiB),
    the JSON header ``max_header_bytes`` (4 MiB). Both are checked against the sizes the file
    declares, before anything is read; raise them to load a bigger checkpoint you trust.

    A file that is not a minigrad checkpoint, is truncated or corrupted, holds anything ``save``
    does not write (strings, dates, records, an entry named twice, ...) or is bigger than the
    limits raises a ``ValueError`` naming it and the problem; no partial result is ever returned.
    """
    if map_location is not None and not isinstance(map_location, (str, Device)):
        raise TypeError(
            f"load: map_location must be a device name such as 'cpu' or 'cuda', got "
            f"{type(map_location).__name__} (Tensors load on that device, arrays on the host)"
        )
    device = cpu if map_location is None else get_device(map_location)
    if hasattr(path, "read"):  # a binary file object holding one checkpoint from its start
        return _read_checkpoint(path, "the file object", device, max_bytes, max_header_bytes)
    path = os.fspath(path)
    with open(path, "rb") as file:  # a missing file stays a FileNotFoundError
        return _read_checkpoint(file, path, device, max_bytes, max_header_bytes)


def _read_checkpoint(
    file: Any, path: str, device: Device, max_bytes: int, max_header_bytes: int
) -> Any:
    """``_read``, with every way a damaged file can fail named as a ValueError about ``path``."""
    try:
        return _read(file, device, max_bytes, max_header_bytes)
    except _NotACheckpoint as error:
        raise ValueError(f"load: {path} is not a minigrad checkpoint: {error}") from error
    except _TooLarge as error:
        raise ValueError(f"load: {path} {error}") from error
    except Exception as error:
        # A damaged zip fails in many ways (BadZipFile, a CRC mismatch, EOFError, zlib.error,
        # a garbled .npy header, ...); to the user they all mean the same thing.
        raise ValueError(
            f"load: {path} is not a readable minigrad checkpoint (truncated, corrupted or "
            f"another kind of file): {type(error).__name__}: {error}"
        ) from error


def _read(file: Any, device: Device, max_bytes: int, max_header_bytes: int) -> Any:
    """The checkpoint in ``file``: every size is checked before the bytes it sizes are read."""
    if file.read(len(npy.MAGIC_PREFIX)) == npy.MAGIC_PREFIX:
        raise _NotACheckpoint("it holds a single array, not an .npz archive")
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        entries = _entries(archive, file.seek(0, os.SEEK_END))  # seek returns the size
        if HEADER_ENTRY not in entries:
            raise _NotACheckpoint(f"the archive has no '{HEADER_ENTRY}' entry")
        dtype, shape = _array_header(archive, entries[HEADER_ENTRY])
        if dtype != np.uint8 or len(shape) != 1:
            raise _NotACheckpoint("its header is not a byte array")
        if shape[0] > max_header_bytes:
            raise _TooLarge(
                f"has a header of {shape[0]:,} bytes, more than max_header_bytes="
                f"{max_header_bytes:,}; if you trust the file, pass a larger max_header_bytes"
            )
        header = _parse_header(_read_array(archive, entries[HEADER_ENTRY]))
        expected = header["arrays"]
        if set(entries) != set(expected) | {HEADER_ENTRY}:
            raise _NotACheckpoint("its entries do not match the ones its header lists")

        total = 0  # every array's header is checked before any array is allocated
        for name, description in expected.items():
            dtype, shape = _array_header(archive, entries[name])
            if _describe(dtype, shape) != description:
                raise _NotACheckpoint(
                    f"entry '{name}' is {_describe(dtype, shape)}, the header says {description}"
                )
            total += math.prod(shape) * dtype.itemsize
        if total > max_bytes:
            raise _TooLarge(
                f"holds {total:,} bytes of arrays, more than max_bytes={max_bytes:,}; if you "
                "trust the file, pass a larger max_bytes"
            )
        arrays = {name: _read_array(archive, entries[name]) for name in expected}
    return _decode(header["root"], arrays, device)


def _entries(archive: zipfile.ZipFile, file_size: int) -> dict[str, zipfile.ZipInfo]:
    """The archive's entries by array name, once the sizes its directory declares add up.

    The directory is the zip's table of contents, and what it declares is what NumPy would
    allocate; a forged one can declare gigabytes in a file of two kilobytes.
    """
    infos = archive.infolist()
    if sum(info.compress_size for info in infos) > file_size:
        raise _NotACheckpoint(f"its entries declare more bytes than the file's {file_size:,}")
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = info.filename.removesuffix(".npy")  # np.savez adds .npy to each name
        if info.compress_type == zipfile.ZIP_STORED:
            most = info.compress_size
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            most = _DEFLATE_MAX_RATIO * info.compress_size
        else:
            raise _NotACheckpoint(
                f"entry '{name}' uses zip compression method {info.compress_type}; a "
                "checkpoint's entries are stored or deflated"
            )
        if info.file_size > most:
            raise _NotACheckpoint(
                f"entry '{name}' declares {info.file_size:,} bytes, more than its "
                f"{info.compress_size:,} bytes in the file can hold"
            )
        if name in entries:  # zipfile would quietly read the last of them
            raise _NotACheckpoint(f"entry '{name}' appears twice in the archive")
        entries[name] = info
    return entries


def _array_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[np.dtype, tuple]:
    """An entry's dtype and shape, from its .npy header alone, once its size agrees with them."""
    name = info.filename.removesuffix(".npy")
    with archive.open(info) as stream:
        version = npy.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = npy.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, _, dtype = npy.read_array_header_2_0(stream)
        else:
            raise _NotACheckpoint(f"entry '{name}' is in .npy format {version}")
        header_size = stream.tell()
    if dtype.kind not in _ARRAY_KINDS:
        raise _NotACheckpoint(
            f"entry '{name}' has dtype {dtype}; a checkpoint holds boolean and numeric arrays "
            "only, as save writes them (object arrays would need pickle)"
        )
    if any(length < 0 for length in shape):
        raise _NotACheckpoint(f"entry '{name}' has a negative length in its shape {shape}")
    size = math.prod(shape) * dtype.itemsize
    if header_size + size != info.file_size:
        raise _NotACheckpoint(
            f"entry '{name}' declares a {dtype} array of shape {shape} ({size:,} bytes) but "
            f"holds {info.file_size - header_size:,} bytes"
        )
    return dtype, shape


def _read_array(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with archive.open(info) as stream:  # reading the whole entry also checks the zip's CRC-32
        return npy.read_array(stream, allow_pickle=False)


def _parse_header(raw: np.ndarray) -> dict[str, Any]:
    header = json.loads(raw.tobytes().decode("utf-8"))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _NotACheckpoint("its header does not name the minigrad checkpoint format")
    version = header.get("version")
    if type(version) is not int or version not in (1, VERSION):  # true and 1.0 equal 1 in Python
        raise _NotACheckpoint(
            f"format version {version!r}; this minigrad reads versions 1 to {VERSION}"
        )
    if not isinstance(header.get("arrays"), dict) or "root" not in header:
        raise _NotACheckpoint("its header lacks the structure or the array list")
    return header


def _decode(node: Any, arrays: dict[str, np.ndarray], device: Device) -> Any:
    """The inverse of ``_encode``, Tensors made on ``device``; anything malformed is a
    ``_NotACheckpoint``."""
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
            if tag == "array":
                return array
            if array.ndim != 0:
                raise _NotACheckpoint(f"a scalar node names '{content}', of shape {array.shape}")
            return array[()]
        if tag == "tensor" and isinstance(content, list) and len(content) == 2:
            name, requires_grad = content
            if not (isinstance(name, str) and name in arrays and isinstance(requires_grad, bool)):
                raise _NotACheckpoint(f"malformed tensor node {node!r:.80} in its header")
            array = arrays[name]
            if requires_grad and array.dtype.kind not in "fc":
                raise _NotACheckpoint(f"tensor '{name}' of dtype {array.dtype} requires grad")
            return Tensor(array, device=device, requires_grad=requires_grad)
        if tag in ("list", "tuple") and isinstance(content, list):
            items = [_decode(item, arrays, device) for item in content]
            return items if tag == "list" else tuple(items)
        if tag == "dict" and isinstance(content, list):
            result = {}
            for pair in content:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise _NotACheckpoint(f"malformed dict entry {pair!r:.80} in its header")
                key = _decode(pair[0], arrays, device)
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise _NotACheckpoint(f"a dict key {pair[0]!r:.80} in its header")
                result[key] = _decode(pair[1], arrays, device)
            return result
    raise _NotACheckpoint(f"malformed node {node!r:.80} in its header")
