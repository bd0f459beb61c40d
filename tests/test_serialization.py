"""minigrad save/load: exact round trips, no pickle, atomic writes, clear errors on bad files."""

from __future__ import annotations

import errno
import io
import itertools
import json
import math
import os
import re
import stat
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from fake_device import FAKE_GPU
from forged_checkpoints import (
    BZIP2,
    STORED,
    Entry,
    checkpoint_bytes,
    deflated,
    npy_bytes,
    npy_header,
    one_array,
    stored,
    zip_bytes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from minigrad.serialization import HEADER_ENTRY, MAX_BYTES, MAX_HEADER_BYTES, load, save
from minigrad.tensor import Tensor


def assert_same(loaded, original, where="root"):
    """Equal in type and value, bit for bit: floats by their bits, arrays by dtype, shape, bytes."""
    if isinstance(original, Tensor):  # Tensors come back as Tensors, with requires_grad
        assert type(loaded) is Tensor, where
        assert loaded.requires_grad == original.requires_grad, where
        assert loaded.device is minigrad.backend.cpu, where
        loaded, original = loaded.numpy(), original.numpy()
    if isinstance(original, np.ndarray):
        assert type(loaded) is np.ndarray, where
        assert loaded.dtype == original.dtype and loaded.shape == original.shape, where
        assert loaded.tobytes() == np.ascontiguousarray(original).tobytes(), where
        return
    if isinstance(original, str):
        assert type(loaded) is str and loaded == original, where
        return
    assert type(loaded) is type(original), f"{where}: {type(loaded)} != {type(original)}"
    if isinstance(original, np.generic):
        assert loaded.tobytes() == original.tobytes(), where
    elif isinstance(original, float):
        assert struct.pack("<d", loaded) == struct.pack("<d", original), where
    elif isinstance(original, dict):
        assert list(loaded) == list(original), where  # same keys, same order, same key types
        assert [type(k) for k in loaded] == [type(k) for k in original], where
        for key in original:
            assert_same(loaded[key], original[key], f"{where}.{key}")
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original), where
        for index, (a, b) in enumerate(zip(loaded, original)):
            assert_same(a, b, f"{where}.{index}")
    else:
        assert loaded == original, where


def round_trip(obj, folder):
    path = folder / "checkpoint.npz"
    save(obj, path)
    return load(path)


def training_checkpoint():
    """What a real checkpoint holds: model, optimizer (with scheduler), early stopper, rng."""
    minigrad.manual_seed(0)
    rng = np.random.default_rng(0)
    return {
        "model": {
            "0.weight": Tensor(rng.normal(size=(4, 3)).astype(np.float32)),
            "0.bias": rng.normal(size=4).astype(np.float32),
            "bn.num_batches_tracked": np.array(17, dtype=np.int64),
        },
        "optimizer": {
            "state": {0: {"momentum": rng.normal(size=(4, 3)), "step": 3}, 2: {"step": 3}},
            "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1, 2]}],
            "step_count": 3,
            "scheduler": {"base_lrs": [0.1], "last_epoch": 3, "mode": "triangular"},
        },
        "early_stopping": {
            "best_score": np.float64(0.25),
            "best_epoch": 2,
            "wait": 0,
            "best_weights": None,
            "stopped_epoch": None,
        },
        "epoch": 4,
        "rng": minigrad.get_rng_state(),
    }


# ---- round trips -----------------------------------------------------------------------------


def test_a_training_checkpoint_round_trips_exactly(tmp_path):
    original = training_checkpoint()
    loaded = round_trip(original, tmp_path)
    assert_same(loaded, original)
    assert isinstance(loaded["model"]["0.weight"], Tensor)  # Tensors load as Tensors
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(loaded["optimizer"]["state"]) == {0, 2}  # int keys stay ints


def test_the_rng_state_with_128_bit_ints_restores_the_same_random_stream(tmp_path):
    minigrad.manual_seed(2024)
    minigrad.random.generator().random(5)
    state = minigrad.get_rng_state()
    assert state["state"]["state"] > 2**64  # bigger than any int64
    expected = minigrad.random.generator().random(3)
    minigrad.manual_seed(1)
    minigrad.set_rng_state(round_trip(state, tmp_path))
    np.testing.assert_array_equal(minigrad.random.generator().random(3), expected)


@pytest.mark.parametrize(
    "value",
    [0, -1, 2**63, -(2**63) - 1, 2**64 + 1, 3**300, -(7**500), True, False, None, "", "ü ∂ 🚀"],
)
def test_python_scalars_round_trip_with_their_type(value, tmp_path):
    assert_same(round_trip(value, tmp_path), value)


@pytest.mark.parametrize(
    "bits",
    [
        0x0000000000000000,  # 0.0
        0x8000000000000000,  # -0.0
        0x7FF0000000000000,  # inf
        0xFFF0000000000000,  # -inf
        0x7FF8000000000000,  # nan, as float("nan") makes it
        0xFFF8000000000000,  # a negative nan, as inf - inf makes it on x86
        0x7FF0000000000001,  # a signalling nan with a payload
        0x0000000000000001,  # the smallest subnormal
        0x3FB999999999999A,  # 0.1
    ],
)
def test_floats_round_trip_bit_for_bit(bits, tmp_path):
    value = struct.unpack("<d", struct.pack("<Q", bits))[0]
    loaded = round_trip([value], tmp_path)[0]
    assert struct.pack("<d", loaded) == struct.pack("<Q", bits)
    assert math.isnan(round_trip(float("nan"), tmp_path))


def test_arrays_keep_dtype_shape_and_order(tmp_path):
    arrays = [
        np.arange(12, dtype=np.float32).reshape(3, 4).T,  # not contiguous
        np.asfortranarray(np.ones((2, 3), dtype=np.float16)),
        np.zeros((0, 5), dtype=np.int64),
        np.array(3.5),
        np.array([True, False]),
        np.array([1 + 2j], dtype=np.complex64),
        np.array([1, 2], dtype=">i4"),  # big-endian stays big-endian
        np.array([np.nan, -np.inf, -0.0], dtype=np.float64),
        np.arange(6, dtype=np.uint8).reshape(1, 2, 3),
    ]
    assert_same(round_trip(arrays, tmp_path), arrays)


def test_numpy_scalars_come_back_as_numpy_scalars(tmp_path):
    values = (np.float32(1.5), np.int64(-3), np.bool_(True), np.uint16(7), np.float64("nan"))
    loaded = round_trip(values, tmp_path)
    assert_same(loaded, values)
    assert type(loaded) is tuple


def test_tensors_on_any_device_load_on_map_location_and_raw_arrays_on_the_host(tmp_path):
    on_device = Tensor(np.arange(4, dtype=np.float32), device="fakegpu", requires_grad=True)
    raw = FAKE_GPU.from_host(np.arange(3, dtype=np.int64))
    save({"tensor": on_device, "raw": raw}, tmp_path / "c.npz")
    loaded = load(tmp_path / "c.npz")  # Tensors on the CPU unless map_location says otherwise
    assert type(loaded["tensor"]) is Tensor and loaded["tensor"].dtype == np.float32
    assert loaded["tensor"].device is minigrad.backend.cpu and loaded["tensor"].requires_grad
    assert type(loaded["raw"]) is np.ndarray
    np.testing.assert_array_equal(loaded["raw"], [0, 1, 2])
    moved = load(tmp_path / "c.npz", map_location="fakegpu")
    assert moved["tensor"].device is FAKE_GPU and moved["tensor"].tolist() == [0, 1, 2, 3]
    assert type(moved["raw"]) is np.ndarray


def test_a_version_1_checkpoint_still_loads(tmp_path):
    header = {"format": "minigrad-checkpoint", "version": 1, "root": {"array": "array_0"}}
    header["arrays"] = {"array_0": {"dtype": "<f8", "shape": [2]}}
    raw_header = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(tmp_path / "old.npz", array_0=np.array([1.5, 2.5]), **{HEADER_ENTRY: raw_header})
    np.testing.assert_array_equal(load(tmp_path / "old.npz"), [1.5, 2.5])


def test_containers_keep_their_kind_and_dict_order(tmp_path):
    original = {"b": [], "a": (), "c": {}, 5: [[(), [{}]]], "nested": ({"x": [1, (2.0,)]},)}
    assert_same(round_trip(original, tmp_path), original)


leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    hnp.arrays(
        dtype=st.one_of(
            hnp.boolean_dtypes(),
            hnp.integer_dtypes(),
            hnp.unsigned_integer_dtypes(),
            hnp.floating_dtypes(),
            hnp.complex_number_dtypes(),
        ),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
    ),
)
structures = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.one_of(st.text(max_size=6), st.integers()), children, max_size=4),
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(structures)
def test_any_nested_structure_round_trips_exactly(tmp_path, structure):
    assert_same(round_trip(structure, tmp_path), structure)


# ---- the file format -------------------------------------------------------------------------


def test_the_file_is_a_plain_npz_with_a_json_header_and_no_object_arrays(tmp_path):
    path = tmp_path / "model.ckpt"  # the name is used as given: no .npz appended
    save({"w": np.ones(3), "epoch": 2}, path)
    assert os.listdir(tmp_path) == ["model.ckpt"]
    with np.load(path, allow_pickle=False) as contents:
        raw = contents[HEADER_ENTRY]
        assert raw.dtype == np.uint8
        header = json.loads(raw.tobytes().decode("utf-8"))
        assert header["format"] == "minigrad-checkpoint" and header["version"] == 2
        assert all(contents[name].dtype != object for name in contents.files)


def test_saving_again_replaces_the_previous_checkpoint(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"epoch": 1}, path)
    save({"epoch": 2}, str(path))
    assert load(str(path)) == {"epoch": 2}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


# ---- what cannot be saved --------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj, where",
    [
        ({"optimizer": {"state": {3: {"momentum": object()}}}}, "optimizer.state.3.momentum"),
        ({"layers": [1, {2, 3}]}, "layers.1"),
        ({"x": np.array([{}, None], dtype=object)}, "x"),
        ({"when": np.datetime64("2024-01-01")}, "when"),
        ({"z": 1 + 2j}, "z"),
        (lambda: 0, "the top level"),
    ],
)
def test_an_unsupported_value_is_a_type_error_naming_its_key_path(obj, where, tmp_path):
    with pytest.raises(TypeError, match=where):
        save(obj, tmp_path / "ckpt.npz")
    assert os.listdir(tmp_path) == []


def test_keys_must_be_strings_or_ints_and_structures_must_not_contain_themselves(tmp_path):
    with pytest.raises(TypeError, match="keys must be strings or ints"):
        save({"a": {(1, 2): 0}}, tmp_path / "c.npz")
    with pytest.raises(TypeError, match="keys must be strings or ints"):
        save({True: 0}, tmp_path / "c.npz")
    loop: list = [1]
    loop.append(loop)
    with pytest.raises(TypeError, match="contains itself"):
        save({"loop": loop}, tmp_path / "c.npz")
    shared = [1.0]
    assert round_trip({"a": shared, "b": shared}, tmp_path) == {"a": [1.0], "b": [1.0]}
    loaded = round_trip({np.int64(3): "numpy int key"}, tmp_path)
    assert loaded == {3: "numpy int key"} and type(next(iter(loaded))) is int


def test_saving_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save({}, tmp_path / "missing" / "ckpt.npz")


def test_saving_through_a_symlink_writes_the_file_it_points_to(tmp_path):
    (tmp_path / "runs").mkdir()
    real = tmp_path / "runs" / "epoch-7.npz"
    save({"epoch": 7}, real)
    link = tmp_path / "latest.npz"
    try:
        link.symlink_to(real)
    except OSError:  # Windows without the right to make links
        pytest.skip("this system cannot make symlinks")
    save({"epoch": 8}, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert load(real) == {"epoch": 8} and load(link) == {"epoch": 8}
    assert sorted(os.listdir(tmp_path)) == ["latest.npz", "runs"]
    assert os.listdir(tmp_path / "runs") == ["epoch-7.npz"]


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664, 0o400])
def test_saving_again_keeps_the_files_permissions(mode, tmp_path, umask_022, monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"epoch": 1}, path)
    path.chmod(mode)
    modes_while_written = []
    real_savez = np.savez

    def savez(file, **arrays):
        modes_while_written.append(stat.S_IMODE(os.fstat(file.fileno()).st_mode))
        real_savez(file, **arrays)

    monkeypatch.setattr(np, "savez", savez)
    save({"epoch": 2}, path)
    assert stat.S_IMODE(path.stat().st_mode) == mode and load(path) == {"epoch": 2}
    assert modes_while_written == [mode & ~0o022]  # a private file is never readable by others


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_permissions_open_would_give(umask, tmp_path):
    old = os.umask(umask)
    try:
        save({"epoch": 1}, tmp_path / "ckpt.npz")
        with open(tmp_path / "plain", "wb"):
            pass
    finally:
        os.umask(old)
    modes = [stat.S_IMODE((tmp_path / name).stat().st_mode) for name in ("ckpt.npz", "plain")]
    assert modes[0] == modes[1] == 0o666 & ~umask


# ---- atomic writes ---------------------------------------------------------------------------


def test_a_failed_save_leaves_the_previous_checkpoint_intact(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"epoch": 1, "w": np.arange(3.0)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"optimizer\.state\.3\.momentum"):
        save({"epoch": 2, "optimizer": {"state": {3: {"momentum": object()}}}}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_crash_while_writing_keeps_the_old_file_and_removes_the_temporary(
    error, tmp_path, monkeypatch
):
    path = tmp_path / "ckpt.npz"
    save({"epoch": 1}, path)

    def write_half_then_fail(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise error

    monkeypatch.setattr(np, "savez", write_half_then_fail)
    with pytest.raises(type(error)):
        save({"epoch": 2}, path)
    monkeypatch.undo()
    assert load(path) == {"epoch": 1}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_a_failed_rename_removes_the_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"

    def refuse(source, target):
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError):
        save({"epoch": 2}, path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("failing", ["open", "write", "replace"])
def test_an_error_while_saving_names_the_checkpoint_not_the_temporary(
    failing, tmp_path, monkeypatch
):
    path = tmp_path / "ckpt.npz"

    def fail(name, *args, **kwargs):  # as the OS reports it: naming the temporary file
        raise OSError(errno.ENOSPC, "No space left on device", os.path.join(tmp_path, ".x.tmp"))

    if failing == "open":
        monkeypatch.setattr(minigrad.serialization, "open", fail, raising=False)
    elif failing == "write":
        monkeypatch.setattr(np, "savez", fail)
    else:
        monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError) as caught:
        save({"epoch": 1}, path)
    assert str(caught.value) == f"save: could not write {path}: No space left on device"
    assert caught.value.errno == errno.ENOSPC and ".tmp" not in str(caught.value)
    assert os.listdir(tmp_path) == []


def test_the_write_is_flushed_to_disk_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b)))
    save({"epoch": 1}, tmp_path / "ckpt.npz")
    if os.name == "posix":
        assert calls == ["fsync file", "replace", "fsync folder"]
    else:  # Windows cannot open a folder to flush it
        assert calls == ["fsync file", "replace"]


@pytest.mark.parametrize("refusing", ["open", "fsync"])
def test_a_folder_that_cannot_be_flushed_is_skipped_silently(refusing, tmp_path, monkeypatch):
    real = getattr(os, refusing)

    def refuse_folders(*args):  # Windows cannot open a folder; some file systems cannot flush one
        if os.path.isdir(args[0]):  # a folder's name for os.open, its descriptor for os.fsync
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(*args)

    monkeypatch.setattr(os, refusing, refuse_folders)
    save({"epoch": 1}, tmp_path / "ckpt.npz")
    monkeypatch.undo()
    assert load(tmp_path / "ckpt.npz") == {"epoch": 1}
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def last_written(path, seconds_ago):
    when = time.time() - seconds_ago
    os.utime(path, (when, when))


def leftover(path, seconds_ago=3600.0):
    """A temporary file at ``path`` such as a save killed ``seconds_ago`` would have left."""
    path.write_bytes(b"PK\x03\x04 half a zip")
    last_written(path, seconds_ago)


def test_a_save_removes_the_temporaries_that_killed_saves_to_the_same_file_left(tmp_path):
    removed = [".run[1].npz.0123abcd.tmp", ".run[1].npz.deadbeef.tmp"]
    kept = [
        ".run1.npz.0123abcd.tmp",  # another file's: the name's brackets are not a pattern
        ".other.npz.0123abcd.tmp",
        "run[1].npz.0123abcd.tmp",
        ".run[1].npz.0123ABCD.tmp",  # not what secrets.token_hex writes
        ".run[1].npz.0123abc.tmp",
        ".run[1].npz.0123abcde.tmp",
        ".run[1].npz.0123abcd.tmp.bak",
        ".run[1].npz.x.0123abcd.tmp",
        "notes.txt",
    ]
    for name in removed + kept:
        leftover(tmp_path / name)
    (tmp_path / ".run[1].npz.cafef00d.tmp").mkdir()  # a folder of that name is not ours either
    save({"epoch": 2}, tmp_path / "run[1].npz")
    expected = ["run[1].npz", ".run[1].npz.cafef00d.tmp", *kept]
    assert sorted(os.listdir(tmp_path)) == sorted(expected)


def test_a_temporary_that_another_save_is_writing_now_is_kept(tmp_path):
    leftover(tmp_path / ".ckpt.npz.0123abcd.tmp", seconds_ago=0.0)  # as this save starts
    save({"epoch": 2}, tmp_path / "ckpt.npz")
    assert sorted(os.listdir(tmp_path)) == [".ckpt.npz.0123abcd.tmp", "ckpt.npz"]


KILLED_SAVER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import minigrad

    def write_half_then_hang(file, **arrays):
        file.write(b"PK\\x03\\x04 half a zip")
        file.flush()
        print("writing", flush=True)
        time.sleep(60)

    np.savez = write_half_then_hang
    minigrad.save({"epoch": 1}, sys.argv[1])
    """
)


def test_a_save_killed_midway_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"epoch": 1}, path)
    script = tmp_path / "saver.py"
    script.write_text(KILLED_SAVER)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    process = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout.readline().strip() == "writing"
    finally:
        process.kill()  # no except clause runs: the temporary stays
        process.wait()
        process.stdout.close()
    (left,) = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    assert re.fullmatch(r"\.ckpt\.npz\.[0-9a-f]{8}\.tmp", left)
    last_written(tmp_path / left, 3600.0)  # as if killed an hour ago
    save({"epoch": 2}, path)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz", "saver.py"] and load(path) == {"epoch": 2}


# ---- loading what is not a good checkpoint ---------------------------------------------------


@pytest.fixture
def small_checkpoint(tmp_path):
    original = {
        "w": np.arange(6, dtype=np.float32).reshape(2, 3),
        "empty": np.zeros((0, 2)),
        "state": {0: {"step": 2**70, "lr": 0.1}},
        "tag": ("a", None, True),
    }
    path = tmp_path / "good.npz"
    save(original, path)
    return path, original


def assert_load_refuses(path, words="minigrad checkpoint", **limits):
    with pytest.raises(ValueError, match=words) as caught:
        load(path, **limits)
    assert str(path) in str(caught.value)


def test_a_truncated_checkpoint_is_an_error_naming_the_file(small_checkpoint, tmp_path):
    path, _ = small_checkpoint
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    for length in [0, 1, 10, len(data) // 2, len(data) - 22, len(data) - 1]:
        cut.write_bytes(data[:length])
        assert_load_refuses(cut)


def test_every_single_corrupted_byte_is_an_error_or_changes_nothing(small_checkpoint, tmp_path):
    """Flip each byte in turn: load must refuse the file or return exactly the saved data (zip
    bookkeeping such as timestamps does not matter); a flip in stored content is always refused.
    """
    path, original = small_checkpoint
    data = path.read_bytes()
    content = set()  # the positions of the entries' bytes (the arrays and the JSON header)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
            start = info.header_offset + 30 + name_length + extra_length
            content.update(range(start, start + info.compress_size))
    damaged = tmp_path / "damaged.npz"
    accepted = []
    for position in range(len(data)):
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        damaged.write_bytes(bytes(flipped))
        try:
            loaded = load(damaged)
        except ValueError as error:
            assert str(damaged) in str(error)
        else:
            assert_same(loaded, original, f"byte {position}")
            accepted.append(position)
    assert len(content) > len(data) // 2
    assert content.isdisjoint(accepted)


def test_a_plain_npz_written_by_someone_else_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "weights.npz"
    np.savez(path, w=np.ones(3))
    assert_load_refuses(path, "no 'minigrad_checkpoint_header' entry")


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, I am text", b"\x80\x04\x95 pickle-like bytes", json.dumps({"a": 1}).encode()],
)
def test_other_kinds_of_files_are_not_checkpoints(content, tmp_path):
    path = tmp_path / "other.bin"
    path.write_bytes(content)
    assert_load_refuses(path)


def test_a_single_npy_array_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.ones(3))
    assert_load_refuses(path, "single array")


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nothing.npz")


executed = []


class Payload:
    """Unpickling this would run code: the attack that allow_pickle=False closes."""

    def __reduce__(self):
        return (executed.append, ("code ran",))


def write_archive(path, header, **arrays):
    entries = {HEADER_ENTRY: np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}
    np.savez(path, **entries, **arrays)


def test_object_arrays_in_a_file_are_refused_and_never_unpickled(tmp_path):
    path = tmp_path / "evil.npz"
    header = {
        "format": "minigrad-checkpoint",
        "version": 1,
        "root": {"array": "array_0"},
        "arrays": {"array_0": {"dtype": "|O", "shape": [1]}},
    }
    write_archive(path, header, array_0=np.array([Payload()], dtype=object))
    assert_load_refuses(path, "pickle")
    assert executed == []


def header_with(**changes):
    header = {"format": "minigrad-checkpoint", "version": 1, "root": None, "arrays": {}}
    header.update(changes)
    return header


@pytest.mark.parametrize(
    "header, arrays, words",
    [
        (header_with(version=3), {}, "version 3"),
        (header_with(version=0), {}, "version 0"),
        (header_with(root={"tensor": ["array_0", True]}), {}, "malformed tensor node"),
        (header_with(format="something-else"), {}, "format"),
        (header_with(root={"array": "array_0"}), {}, "malformed node"),
        (header_with(root={"tuple": [1], "list": []}), {}, "malformed node"),
        (header_with(root={"dict": [["a"]]}), {}, "malformed dict entry"),
        (header_with(root={"dict": [[{"list": []}, None]]}), {}, "dict key"),
        (header_with(root={"float": "nothex!!"}), {}, "minigrad checkpoint"),
        (header_with(), {"array_0": np.ones(2)}, "do not match"),
        (
            header_with(
                root={"array": "array_0"},
                arrays={"array_0": {"dtype": "<f4", "shape": [2]}},
            ),
            {"array_0": np.ones(2)},  # float64, not the float32 the header promises
            "the header says",
        ),
        ("just a string", {}, "format"),
    ],
)
def test_a_header_that_does_not_check_out_is_refused(header, arrays, words, tmp_path):
    path = tmp_path / "forged.npz"
    write_archive(path, header, **arrays)
    assert_load_refuses(path, words)


def test_a_header_that_is_not_json_or_not_bytes_is_refused(tmp_path):
    path = tmp_path / "forged.npz"
    np.savez(path, **{HEADER_ENTRY: np.frombuffer(b"{not json", dtype=np.uint8)})
    assert_load_refuses(path, "JSONDecodeError")
    np.savez(path, **{HEADER_ENTRY: np.array([1.0, 2.0])})
    assert_load_refuses(path, "byte array")


def test_the_loaded_file_is_closed_so_it_can_be_replaced(small_checkpoint):
    path, _ = small_checkpoint
    load(path)
    save({"epoch": 3}, path)
    assert load(path) == {"epoch": 3}
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None


# ---- what a file can make load allocate ------------------------------------------------------

# What a refusal may allocate: the zip's table of contents, a few .npy headers, zipfile's buffers.
LITTLE = 2**20


def refusal_peak(path, words, **limits):
    """Check that ``load`` refuses ``path``; return the most memory it allocated meanwhile."""
    tracemalloc.start()
    try:
        assert_load_refuses(path, words, **limits)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


TWO_GIB = (2**28,)  # a float64 array of this shape holds 2 GiB
TWO_GIB_HEADER = npy_header("<f8", TWO_GIB)


@pytest.mark.parametrize(
    "forged, words",
    [
        (  # deflate expands 1,032 times at most, so 1 KB cannot hold 2 GiB
            one_array(
                deflated("array_0", TWO_GIB_HEADER + bytes(1024), size=len(TWO_GIB_HEADER) + 2**31),
                shape=TWO_GIB,
            ),
            r"entry 'array_0' declares 2,147,483,776 bytes, more than its \d+ bytes",
        ),
        (  # a stored entry holds exactly what the file holds
            one_array(
                Entry(
                    "array_0.npy",
                    TWO_GIB_HEADER + bytes(1024),
                    STORED,
                    size=len(TWO_GIB_HEADER) + 2**31,
                ),
                shape=TWO_GIB,
            ),
            r"entry 'array_0' declares 2,147,483,776 bytes, more than its 1,152 bytes",
        ),
        (  # and entries cannot hold more than the whole file
            one_array(
                stored("array_0", TWO_GIB_HEADER + bytes(1024), size=len(TWO_GIB_HEADER) + 2**31),
                shape=TWO_GIB,
            ),
            r"its entries declare more bytes than the file's",
        ),
        (  # an honest zip entry of 1 KB, whose .npy header declares 2 GiB
            one_array(stored("array_0", TWO_GIB_HEADER + bytes(1024)), shape=TWO_GIB),
            r"entry 'array_0' declares a float64 array of shape \(268435456,\) "
            r"\(2,147,483,648 bytes\) but holds 1,024 bytes",
        ),
    ],
    ids=["deflated", "stored", "beyond the file", "npy header"],
)
def test_a_small_file_that_declares_gigabytes_is_refused_before_allocating(forged, words, tmp_path):
    path = tmp_path / "bomb.npz"
    path.write_bytes(forged)
    assert path.stat().st_size < 4096
    assert refusal_peak(path, words) < LITTLE


def test_the_arrays_together_may_hold_at_most_max_bytes(tmp_path):
    path = tmp_path / "big.npz"
    save({"a": np.zeros(2**17), "b": np.ones(2**17, dtype=np.float32)}, path)  # 1 MiB + 0.5 MiB
    total = 2**20 + 2**19
    words = r"holds 1,572,864 bytes of arrays, more than max_bytes=1,572,863; .*max_bytes"
    assert refusal_peak(path, words, max_bytes=total - 1) < total // 4
    assert load(path, max_bytes=total)["b"].sum() == 2**17
    assert MAX_BYTES == 4 * 2**30 and load(path)["a"].shape == (2**17,)


def header_bomb(padding):
    """A checkpoint whose JSON header ends in ``padding`` spaces (valid JSON), deflated 1000:1."""
    text = json.dumps({"format": "minigrad-checkpoint", "version": 1, "root": "", "arrays": {}})
    head = npy_header(np.uint8, (len(text) + padding,)) + text.encode()
    spaces = (b" " * 2**20 for _ in range(padding // 2**20))  # never all in memory at once
    return zip_bytes(deflated(HEADER_ENTRY, itertools.chain([head], spaces)))


def test_a_header_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.npz"
    path.write_bytes(header_bomb(64 * 2**20))  # 64 MiB of header in a 64 KiB file
    assert path.stat().st_size < 100_000
    words = r"has a header of 67,108,9\d\d bytes, more than max_header_bytes=4,194,304; .*trust"
    assert refusal_peak(path, words) < LITTLE
    path.write_bytes(header_bomb(MAX_HEADER_BYTES))
    assert_load_refuses(path, "max_header_bytes")
    assert load(path, max_header_bytes=2 * MAX_HEADER_BYTES) == ""


# ---- what save does not write, load does not read ----------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        np.array(["ab", "c"]),
        np.array([b"ab"]),
        np.array(["2024-01-01"], dtype="datetime64[D]"),
        np.array([3], dtype="timedelta64[s]"),
        np.zeros(2, dtype="V4"),
        np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]),
    ],
    ids=lambda array: str(array.dtype),
)
def test_only_the_boolean_and_numeric_arrays_save_writes_are_loaded(array, tmp_path):
    path = tmp_path / "forged.npz"
    path.write_bytes(checkpoint_bytes({"array": "array_0"}, {"array_0": array}))
    assert_load_refuses(path, r"entry 'array_0' has dtype .*boolean and numeric arrays only")


def test_a_void_array_of_a_quadrillion_empty_items_is_refused(tmp_path):
    path = tmp_path / "forged.npz"
    path.write_bytes(
        one_array(stored("array_0", npy_header("V0", (10**15,))), dtype="|V0", shape=(10**15,))
    )
    assert refusal_peak(path, r"entry 'array_0' has dtype \|?V0") < LITTLE


@pytest.mark.parametrize(
    "second", [stored("array_0", npy_bytes(np.zeros(2))), Entry("array_0", npy_bytes(np.zeros(2)))]
)
def test_an_entry_named_twice_is_refused(second, tmp_path):
    """zipfile reads the last of two entries of one name; np.load reads 'a' and 'a.npy' as one."""
    path = tmp_path / "forged.npz"
    path.write_bytes(one_array(stored("array_0", npy_bytes(np.ones(2))), second))
    assert_load_refuses(path, "entry 'array_0' appears twice")


def test_other_compression_methods_are_refused(tmp_path):
    path = tmp_path / "forged.npz"
    path.write_bytes(one_array(Entry("array_0.npy", b"BZh9", BZIP2)))
    assert_load_refuses(path, "entry 'array_0' uses zip compression method 12")


@pytest.mark.parametrize(
    "forged, words",
    [
        (checkpoint_bytes(None, version=True), "format version True"),
        (checkpoint_bytes(None, version=1.0), "format version 1.0"),
        (
            checkpoint_bytes({"scalar": "array_0"}, {"array_0": np.ones((2, 2))}),
            r"a scalar node names 'array_0', of shape \(2, 2\)",
        ),
        (
            one_array(stored("array_0", npy_header("<f8", (-1, -2)) + bytes(16)), shape=(-1, -2)),
            r"entry 'array_0' has a negative length in its shape \(-1, -2\)",
        ),
    ],
    ids=["version true", "version 1.0", "2-D scalar", "negative shape"],
)
def test_a_header_that_save_would_not_write_is_refused(forged, words, tmp_path):
    path = tmp_path / "forged.npz"
    path.write_bytes(forged)
    assert_load_refuses(path, words)


def test_save_and_load_take_a_binary_file_object_as_torch_does():
    buffer = io.BytesIO()
    state = {
        "weight": minigrad.tensor([[1.5, -2.0]], dtype=minigrad.float64),
        "step": 3,
        "name": None,
    }
    minigrad.save(state, buffer)
    buffer.seek(0)
    loaded = minigrad.load(buffer)
    np.testing.assert_array_equal(loaded["weight"], [[1.5, -2.0]])
    assert loaded["weight"].dtype == np.float64
    assert loaded["step"] == 3 and loaded["name"] is None
    with pytest.raises(ValueError, match="the file object is not a readable minigrad checkpoint"):
        minigrad.load(io.BytesIO(b"PK\x03\x04 not really a zip"))
