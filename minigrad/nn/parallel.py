"""``DistributedDataParallel``: one model per process, gradients averaged after every backward.

Data parallelism in three lines. Every rank holds the same model and gets a different shard of
each batch (``minigrad.data.DistributedSampler``); it computes the gradient of its own shard;
then the gradients are averaged over the ranks, so every rank takes the same optimizer step and
the models stay identical. With n ranks of B samples each and a loss that is a mean,

    g = (1 / nB) sum over all nB samples of grad l_i  =  (1 / n) sum over ranks r of g_r

where g_r is rank r's gradient of the mean over its own B samples: averaging the ranks'
gradients *is* the gradient of the big batch (docs/distributed.md).

How it is wired here:

* at construction, rank 0's parameters and buffers are broadcast to every rank, so all start
  from the same values whatever each rank's initialisation drew;
* the parameters are grouped into *buckets* of about ``bucket_cap_mb`` megabytes, in reverse
  order (the last layer's gradients are the first a backward pass finishes);
* each forward in training queues ``_average_gradients`` with
  ``minigrad.autograd.run_after_backward``; the engine calls it once the next ``backward()`` has
  written every ``.grad``. It all-reduces each bucket as one flat array (one message per bucket
  rather than one per parameter) and divides by the world size. ``optimizer.step()`` then sees
  averaged gradients and needs no change.

Why a callback after backward rather than a hook per parameter: minigrad's engine writes the
leaves' gradients at the end of the pass, all at once, so there is no earlier moment to start a
bucket; one callback that reduces every bucket is the simplest thing that is correct, also for a
parameter that got no gradient on some rank. PyTorch starts each bucket's all-reduce while the
backward pass is still computing earlier layers (overlap); the cost model in
docs/distributed.md says what that would save.

BatchNorm's batch statistics are per rank (each normalises its own shard; there is no
SyncBatchNorm), and so are its running statistics after construction: they are buffers, which
are broadcast once, not averaged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .. import distributed as dist
from ..autograd import is_grad_enabled, mark_written, no_grad, run_after_backward
from ..backend import to_host
from ..checks import check_number
from ..tensor import Tensor
from .module import Module, Parameter


class DistributedDataParallel(Module):
    """Wrap ``module`` so that its gradients are averaged over all ranks after ``backward()``.

    Call it exactly like ``module`` (its forward is ``module``'s). ``model.module`` is the
    wrapped module: save and load ``model.module.state_dict()`` to get keys without the
    ``module.`` prefix. Every rank must build it at the same point (it broadcasts), after
    ``minigrad.distributed.init_process_group``.

    Args:
        module: the model, already on its device.
        bucket_cap_mb: the largest bucket of gradients reduced in one all-reduce, in
            megabytes (2**20 bytes); a parameter larger than that gets a bucket of its own.
    """

    def __init__(self, module: Module, bucket_cap_mb: float = 25.0) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(
                f"DistributedDataParallel: module must be an nn.Module, got {type(module).__name__}"
            )
        check_number(
            "DistributedDataParallel", "bucket_cap_mb", bucket_cap_mb, low=0, low_inclusive=False
        )
        if not dist.is_initialized():
            raise RuntimeError(
                "DistributedDataParallel: no process group; call "
                "minigrad.distributed.init_process_group() first"
            )
        self.module = module
        self.bucket_cap_mb = float(bucket_cap_mb)
        self.require_backward_grad_sync = True  # False inside no_sync()
        self._queued = False  # an average is queued for the coming backward
        _check_same_model_on_every_rank(module)
        with no_grad():  # every rank starts from rank 0's values
            for tensor in [*module.parameters(), *module.buffers()]:
                dist.broadcast(tensor, src=0)
        trained = [p for p in module.parameters() if p.requires_grad]
        self.buckets = _buckets(list(reversed(trained)), int(self.bucket_cap_mb * 2**20))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if is_grad_enabled() and self.require_backward_grad_sync and not self._queued:
            self._queued = True
            run_after_backward(self._average_gradients)
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside the block, backward leaves the gradients local (they add up in ``.grad``); the
        first backward after it averages the sum. Gradient accumulation over k micro-batches
        then costs one all-reduce instead of k."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def _average_gradients(self) -> None:
        """Replace every ``.grad`` by its mean over the ranks, one all-reduce per bucket.

        A bucket's flat array holds its gradients one after the other, then one flag per
        parameter (1 if this rank has a gradient for it). After the sum, a parameter whose
        flags add to 0 had no gradient anywhere and keeps ``.grad = None``; a missing gradient
        on some ranks counts as zeros, as it is: the loss there did not depend on it.
        """
        self._queued = False
        world_size = dist.get_world_size()
        for bucket in self.buckets:
            xp = bucket[0].xp
            pieces, flags = [], []
            for param in bucket:
                grad = param.grad
                if grad is not None and grad.requires_grad:
                    raise RuntimeError(
                        "DistributedDataParallel: gradients recorded with create_graph=True "
                        "cannot be averaged across ranks; backward without create_graph"
                    )
                if grad is None:
                    pieces.append(xp.zeros(param.numel(), dtype=param.dtype))
                else:
                    pieces.append(grad.data.reshape(-1))
                flags.append(0.0 if grad is None else 1.0)
            flat = Tensor._wrap(
                xp.concatenate([*pieces, xp.asarray(flags, dtype=bucket[0].dtype)]),
                bucket[0].device,
            )
            # The ranks' buckets were checked to agree at construction: no check per step.
            dist._all_reduce_unchecked(flat)
            values, counts = flat.data[: -len(bucket)], flat.data[-len(bucket) :]
            start = 0
            for param, count in zip(bucket, to_host(counts).tolist()):
                piece = values[start : start + param.numel()].reshape(param.shape) / world_size
                start += param.numel()
                if count == 0:
                    continue  # no rank has a gradient for it
                if param.grad is None:
                    param.grad = Tensor._wrap(piece, param.device)
                else:
                    param.grad.data[...] = piece
                    mark_written(param.grad)

    def extra_repr(self) -> str:
        sizes = ", ".join(str(len(bucket)) for bucket in self.buckets)
        return f"bucket_cap_mb={self.bucket_cap_mb:g}, parameters per bucket: [{sizes}]"


def _buckets(params: list[Parameter], cap_bytes: int) -> list[list[Parameter]]:
    """Consecutive parameters in groups of at most ``cap_bytes`` (a bigger one alone), each of
    one dtype and device, since a bucket is all-reduced as one array."""
    buckets: list[list[Parameter]] = []
    size = 0
    for param in params:
        nbytes = param.numel() * param.dtype.itemsize
        last = buckets[-1] if buckets else None
        fits = (
            last is not None
            and size + nbytes <= cap_bytes
            and (last[0].dtype, last[0].device) == (param.dtype, param.device)
        )
        if fits:
            last.append(param)  # type: ignore[union-attr]
            size += nbytes
        else:
            buckets.append([param])
            size = nbytes
    return buckets


def _check_same_model_on_every_rank(module: Module) -> None:
    """Raise on every rank if the ranks' models differ (names, shapes, dtypes of parameters and
    buffers, which parameters are trained): broadcasting or averaging mismatched tensors would
    mix up their values, and the buckets are all-reduced without a check of their own."""
    parameters, buffers = module.named_parameters(), module.named_buffers()
    # requires_grad too: it decides which parameters go into the buckets
    layout = [
        ("parameter", name, tuple(p.shape), str(p.dtype), p.requires_grad) for name, p in parameters
    ]
    layout += [("buffer", name, tuple(b.shape), str(b.dtype), False) for name, b in buffers]
    layouts: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(layouts, layout)
    for rank, other in enumerate(layouts):
        if other != layouts[0]:
            difference = next(
                (f"{a} on rank 0, {b} on rank {rank}" for a, b in zip(layouts[0], other) if a != b),
                f"{len(layouts[0])} tensors on rank 0, {len(other)} on rank {rank}",
            )
            raise RuntimeError(
                f"DistributedDataParallel: the model differs between ranks ({difference}); "
                "every rank must build the same model"
            )
