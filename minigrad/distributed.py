"""Several processes, one training run: the collectives data parallelism is built on.

``mpiexec -n 4 python train.py`` starts four copies of one script. Each copy (a *rank*,
numbered 0..3; four is the *world size*) joins the group with ``init_process_group("mpi")``,
and from then on they can combine tensors:

* ``all_reduce(t)``: every rank ends with the sum over ranks of its ``t`` (in place)::

      rank 0: t = [1, 2]      ->   [4, 6]  on every rank
      rank 1: t = [3, 4]

* ``broadcast(t, src=0)``: every rank ends with rank ``src``'s ``t`` (in place);
* ``barrier()``: no rank goes on until every rank has got there;
* ``all_gather_object(list, obj)``: every rank gets the list of every rank's Python object.

These are PyTorch's ``torch.distributed`` names. minigrad does not implement the
communication itself: MPI does, through ``mpi4py`` (``pip install -e ".[dist]"`` brings both
mpi4py and an MPI, MPICH), the same library on a laptop and on a cluster.

The backend ``"single"`` is a group of one process and needs no MPI: every collective is
then the identity (the sum over one rank is its own tensor). A script written for
``mpiexec -n N`` runs unchanged as plain ``python`` on it, which is also how the tests check
the single-process code paths.

Tensors on a GPU: MPI reads and writes memory by address. An MPI built "CUDA-aware" can be
given GPU memory directly; no portable call says whether it is, so minigrad stages a GPU
tensor through the host (copy to the host, reduce there, copy back) unless
``MINIGRAD_MPI_CUDA_AWARE=1`` is set in the environment. See docs/distributed.md.

A collective must be called by every rank, in the same order, with tensors of the same shape
and dtype: a rank that skips one leaves the others waiting for ever. ``all_reduce`` and
``broadcast`` check the shape and dtype agree (one small extra all-reduce) and raise on every
rank when they do not, because MPI itself would write the wrong number of values on some.
"""

from __future__ import annotations

import enum
import os
import time
from typing import Any

import numpy as np

from .autograd import mark_written
from .backend import to_host
from .checks import check_choice, check_int
from .tensor import Tensor

__all__ = [
    "ReduceOp",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
]

BACKENDS = ("mpi", "single")


class ReduceOp(enum.Enum):
    """How ``all_reduce`` combines the ranks' values, elementwise."""

    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


# ---- the two backends: a group of processes under MPI, and a group of one -----------------------


class _Single:
    """A group of one process: rank 0 of 1. Reducing over one rank leaves the tensor as it is."""

    name = "single"
    rank, world_size, cuda_aware = 0, 1, False

    def all_reduce(self, buffer: Any, op: ReduceOp) -> None:
        pass

    def broadcast(self, buffer: Any, src: int) -> None:
        pass

    def barrier(self) -> None:
        pass

    def all_gather_object(self, obj: Any) -> list[Any]:
        return [obj]

    def close(self) -> None:
        pass


class _MPI:
    """The processes started by ``mpiexec``, talking through mpi4py."""

    name = "mpi"

    def __init__(self) -> None:
        try:
            from mpi4py import MPI  # importing it starts MPI (MPI_Init) in this process
        except ImportError as error:
            raise RuntimeError(
                "init_process_group: backend 'mpi' needs mpi4py and an MPI library, which are "
                'not installed; pip install -e ".[dist]" installs both (mpi4py and MPICH), or '
                "use backend='single' to run as one process"
            ) from error
        self.MPI = MPI
        # A private copy of the world communicator: minigrad's messages can never be mixed up
        # with messages the user's own mpi4py code sends on COMM_WORLD.
        self.comm = MPI.COMM_WORLD.Dup()
        self.rank, self.world_size = self.comm.Get_rank(), self.comm.Get_size()
        self.cuda_aware = os.environ.get("MINIGRAD_MPI_CUDA_AWARE", "0") == "1"
        self.ops = {
            ReduceOp.SUM: MPI.SUM,
            ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN,
            ReduceOp.MAX: MPI.MAX,
        }

    def all_reduce(self, buffer: Any, op: ReduceOp) -> None:
        # IN_PLACE: the buffer is both what this rank sends and where the result lands.
        self.comm.Allreduce(self.MPI.IN_PLACE, buffer, op=self.ops[op])

    def broadcast(self, buffer: Any, src: int) -> None:
        self.comm.Bcast(buffer, root=src)

    def barrier(self) -> None:
        # MPI's own Barrier spins while it waits, taking a whole core from the ranks that are
        # still working (a waiting rank 1 slows rank 0's checkpoint on a 2-core laptop); a
        # non-blocking barrier polled with short sleeps waits without that.
        request = self.comm.Ibarrier()
        while not request.Test():
            time.sleep(0.001)

    def all_gather_object(self, obj: Any) -> list[Any]:
        return self.comm.allgather(obj)  # pickled: our own processes' objects, nobody else's

    def close(self) -> None:
        self.comm.Free()


_group: _Single | _MPI | None = None


def _current(caller: str) -> _Single | _MPI:
    if _group is None:
        raise RuntimeError(
            f"{caller}: no process group; call minigrad.distributed.init_process_group() first "
            "(backend 'mpi' under mpiexec, or 'single' for one process)"
        )
    return _group


# ---- joining and leaving ---------------------------------------------------------------------


def is_available() -> bool:
    """Whether the ``"mpi"`` backend can be used: mpi4py is installed (``".[dist]"``)."""
    try:
        import mpi4py  # noqa: F401  (only imported; MPI starts when mpi4py.MPI is)
    except ImportError:
        return False
    return True


def init_process_group(backend: str = "mpi") -> None:
    """Join the group of processes: ``"mpi"`` (every process ``mpiexec`` started; run as plain
    ``python`` it is a group of one) or ``"single"`` (one process, no MPI needed).

    Every rank must call it, before any collective; a second call needs
    ``destroy_process_group()`` in between.
    """
    global _group
    check_choice("init_process_group", "backend", backend, BACKENDS)
    if _group is not None:
        raise RuntimeError(
            f"init_process_group: the process group is already initialised (backend "
            f"'{_group.name}'); call destroy_process_group() first to start another"
        )
    _group = _MPI() if backend == "mpi" else _Single()


def destroy_process_group() -> None:
    """Leave the group (MPI itself shuts down when the process exits)."""
    global _group
    _current("destroy_process_group").close()
    _group = None


def is_initialized() -> bool:
    """Whether ``init_process_group`` has been called (and not undone)."""
    return _group is not None


def get_backend() -> str:
    """``"mpi"`` or ``"single"``."""
    return _current("get_backend").name


def get_rank() -> int:
    """This process's number, 0 .. world size - 1 (rank 0 is the one that prints and saves)."""
    return _current("get_rank").rank


def get_world_size() -> int:
    """How many processes take part."""
    return _current("get_world_size").world_size


# ---- the collectives -------------------------------------------------------------------------


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM) -> None:
    """Combine ``tensor`` over all ranks, in place: afterwards every rank holds

        tensor = op(tensor on rank 0, tensor on rank 1, ..., tensor on rank n-1)   elementwise

    (the sum by default). Every rank must call it with a tensor of the same shape and dtype.
    """
    group = _current("all_reduce")
    _check_tensor("all_reduce", tensor)
    if not isinstance(op, ReduceOp):
        raise TypeError(f"all_reduce: op must be a ReduceOp such as ReduceOp.SUM, got {op!r}")
    _check_same_everywhere("all_reduce", group, tensor)
    _all_reduce_unchecked(tensor, op)


def _all_reduce_unchecked(tensor: Tensor, op: ReduceOp = ReduceOp.SUM) -> None:
    """``all_reduce`` without the check that the ranks' tensors agree, for a caller that has
    made sure of it once (``DistributedDataParallel``'s buckets): one all-reduce, not two."""
    group = _current("all_reduce")
    _in_place(group, tensor, lambda buffer: group.all_reduce(buffer, op))


def broadcast(tensor: Tensor, src: int = 0) -> None:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank, in place."""
    group = _current("broadcast")
    _check_tensor("broadcast", tensor)
    check_int("broadcast", "src", src, low=0, high=group.world_size - 1)
    _check_same_everywhere("broadcast", group, tensor)
    _in_place(group, tensor, lambda buffer: group.broadcast(buffer, src))


def barrier() -> None:
    """Wait until every rank has called ``barrier()`` (e.g. rank 0 has finished a checkpoint)."""
    _current("barrier").barrier()


def all_gather_object(object_list: list[Any], obj: Any) -> None:
    """Fill ``object_list`` (of length world size) with every rank's ``obj``, in rank order.

    For small Python values (a random generator's state, a list of shapes); tensors go faster
    through ``all_reduce`` and ``broadcast``.
    """
    group = _current("all_gather_object")
    if not isinstance(object_list, list) or len(object_list) != group.world_size:
        raise ValueError(
            f"all_gather_object: object_list must be a list of length world_size "
            f"({group.world_size}), got {_describe(object_list)}"
        )
    object_list[:] = group.all_gather_object(obj)


# ---- how a tensor reaches MPI ----------------------------------------------------------------


def _check_tensor(caller: str, tensor: Any) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{caller}: tensor must be a minigrad Tensor, got {_describe(tensor)}")
    if tensor.requires_grad and tensor._ctx is not None:
        raise RuntimeError(
            f"{caller}: the tensor is the result of a recorded operation and is changed in "
            "place; pass tensor.detach(), or call it under minigrad.no_grad()"
        )


def _check_same_everywhere(caller: str, group: _Single | _MPI, tensor: Tensor) -> None:
    """Raise on every rank if the ranks' tensors differ in shape or dtype.

    MPI trusts each rank's element count, and with different counts some ranks get wrong
    values without any error. One all-reduce of four small numbers finds out: the largest
    value of (size, -size, ndim-and-dtype code, its negative) is (max, -min, ...), so
    max == min for both means every rank agrees, and every rank sees the same answer.
    """
    if group.world_size == 1:
        return
    code = tensor.ndim * 1000 + tensor.dtype.num  # NumPy's number for the dtype, below 1000
    signature = np.array([tensor.numel(), -tensor.numel(), code, -code], dtype=np.int64)
    group.all_reduce(signature, ReduceOp.MAX)
    if signature[0] != -signature[1] or signature[2] != -signature[3]:
        raise RuntimeError(
            f"{caller}: the tensors differ across ranks (this rank, {group.rank}, has shape "
            f"{tuple(tensor.shape)} and dtype {tensor.dtype}; the ranks hold between "
            f"{-signature[1]} and {signature[0]} elements): every rank must pass a tensor of "
            "the same shape and dtype"
        )


def _in_place(group: _Single | _MPI, tensor: Tensor, collective: Any) -> None:
    """Run ``collective(buffer)`` on a contiguous buffer holding ``tensor``'s values, and make
    sure the result ends up in ``tensor``.

    On the CPU the buffer is the tensor's own array when it is contiguous (no copy). A GPU
    array goes to MPI directly only when the MPI is CUDA-aware; otherwise it is staged through
    the host: copied to a NumPy array, combined there, copied back.
    """
    data = tensor.data
    on_gpu = tensor.device.type != "cpu"
    if on_gpu and group.cuda_aware:
        buffer = data if data.flags.c_contiguous else data.copy(order="C")
        tensor.xp.cuda.get_current_stream().synchronize()  # MPI must not read a half-written array
    else:
        buffer = to_host(data)  # a CPU array itself, or a host copy of a device array
        if not (buffer.flags.c_contiguous and buffer.flags.writeable):
            buffer = buffer.copy(order="C")
    collective(buffer)
    if buffer is not data:
        data[...] = tensor.device.from_host(buffer) if on_gpu and not group.cuda_aware else buffer
    mark_written(tensor)  # a graph that read the old values must not use the new ones


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{text if len(text) <= 60 else text[:57] + '...'} ({type(value).__name__})"
