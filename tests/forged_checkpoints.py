"""Checkpoint files written byte by byte, so that a test can make them lie.

``zipfile`` and ``np.savez`` write only honest archives. An attacker does not: the zip's table of
contents can declare any size, name an entry twice or pick any compression method, and a .npy
header can declare any dtype and shape whatever bytes follow it. These helpers write exactly what
they are told, so the tests can check that ``load`` refuses each lie before acting on it.
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.lib import format as npy

from minigrad.serialization import HEADER_ENTRY

STORED, DEFLATED, BZIP2 = 0, 8, 12  # zip compression methods


@dataclass
class Entry:
    """One zip entry: ``data`` as it lies in the file, and what the table of contents declares."""

    name: str
    data: bytes
    method: int = STORED
    size: int | None = None  # the declared uncompressed size; the true one when None
    compressed_size: int | None = None  # the declared size in the file; len(data) when None
    crc: int | None = None


def npy_header(dtype, shape) -> bytes:
    """The .npy header NumPy writes for an array of ``dtype`` and ``shape`` (no data)."""
    buffer = io.BytesIO()
    descr = npy.dtype_to_descr(np.dtype(dtype))
    npy.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    """A whole .npy file of ``array``, as ``np.save`` writes it (object arrays pickled)."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def header_bytes(root=None, arrays=None, **changes) -> bytes:
    """The .npy entry of a checkpoint's JSON header, with ``changes`` to its fields."""
    header = {"format": "minigrad-checkpoint", "version": 1, "root": root, "arrays": arrays or {}}
    header.update(changes)
    text = json.dumps(header).encode()
    return npy_header(np.uint8, (len(text),)) + text


def stored(name: str, data: bytes, size: int | None = None) -> Entry:
    """``data`` stored as it is, under ``name`` + ".npy" as ``np.savez`` names entries."""
    return Entry(name + ".npy", data, STORED, size, compressed_size=size)


def deflated(name: str, chunks: bytes | Iterable[bytes], size: int | None = None) -> Entry:
    """``chunks`` deflated as zip does it; an iterable of chunks is never held in memory whole."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, no zlib header
    true_size, crc, parts = 0, 0, []
    for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
        true_size, crc = true_size + len(chunk), zlib.crc32(chunk, crc)
        parts.append(compressor.compress(chunk))
    parts.append(compressor.flush())
    size = true_size if size is None else size
    return Entry(name + ".npy", b"".join(parts), DEFLATED, size, crc=crc)


def zip_bytes(*entries: Entry) -> bytes:
    """A zip archive of ``entries``: local headers and data, the table of contents, its end."""
    files, contents = b"", b""
    for entry in entries:
        name = entry.name.encode()
        size = len(entry.data) if entry.size is None else entry.size
        compressed_size = (
            len(entry.data) if entry.compressed_size is None else entry.compressed_size
        )
        crc = zlib.crc32(entry.data) if entry.crc is None else entry.crc
        sizes = (crc, compressed_size, size, len(name))
        contents += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, entry.method, 0,
                                0x21, *sizes, 0, 0, 0, 0, 0, len(files)) + name  # fmt: skip
        files += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, entry.method, 0, 0x21, *sizes, 0)
        files += name + entry.data
    count = len(entries)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(contents), len(files), 0)
    return files + contents + end


def checkpoint_bytes(root=None, arrays: dict[str, np.ndarray] | None = None, **changes) -> bytes:
    """An honest checkpoint of ``arrays`` whose header says ``root`` (and ``changes``)."""
    arrays = arrays or {}
    listed = {name: {"dtype": a.dtype.str, "shape": list(a.shape)} for name, a in arrays.items()}
    entries = [stored(HEADER_ENTRY, header_bytes(root, listed, **changes))]
    entries += [stored(name, npy_bytes(array)) for name, array in arrays.items()]
    return zip_bytes(*entries)


def one_array(*entries: Entry, dtype="<f8", shape=(2,)) -> bytes:
    """A checkpoint whose header lists one array, 'array_0' of ``dtype`` and ``shape``, and whose
    zip holds ``entries`` after the header (honest or not)."""
    listed = {"array_0": {"dtype": dtype, "shape": list(shape)}}
    return zip_bytes(stored(HEADER_ENTRY, header_bytes({"array": "array_0"}, listed)), *entries)
