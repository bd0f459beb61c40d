"""Feeding a model: ``DataLoader``, small synthetic datasets, and the bundled UCI digits.

Data augmentation lives in ``minigrad.transforms`` (also reachable as
``minigrad.data.transforms``); ``TransformDataset`` applies it sample by sample.

Everything here is plain NumPy until the last step: ``DataLoader`` hands out batches as
Tensors on the device you ask for. Random choices (shuffling, and the synthetic datasets when
no ``seed`` is given) draw from ``minigrad.random.generator()``, so ``minigrad.manual_seed``
makes a run reproducible and ``get_rng_state`` / ``set_rng_state`` checkpoint it.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from . import (
    distributed,
    transforms,  # noqa: F401  (minigrad.data.transforms, as torchvision pairs them)
)
from .backend import Device, cpu, device_of_array, get_array_module, get_device, to_host
from .checks import check_bool, check_int, check_number
from .random import generator
from .tensor import Tensor

__all__ = [
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "Subset",
    "TensorDataset",
    "TransformDataset",
    "load_digits",
    "make_moons",
    "make_regression",
    "make_spiral",
    "random_split",
    "train_val_test_split",
]


# ---- DataLoader ------------------------------------------------------------------------------


class DataLoader:
    """Iterate over a dataset in batches of Tensors, optionally reshuffled every epoch.

    ``dataset`` is either

    * a tuple of arrays with the same first dimension, such as ``(X, y)`` (NumPy or CuPy arrays
      or Tensors), read as columns, or one array, or
    * any object with ``__len__`` and ``__getitem__`` (a "map-style" dataset, as a PyTorch
      ``Dataset``) whose items are an array (or number) or a tuple of them, a list of
      ``(x, y)`` pairs included; a batch stacks the items with their array module.

    Each batch is a tuple of Tensors on ``device`` (the CPU by default), one per column, with
    the data's dtype (int64 labels stay int64, float32 features stay float32; Python floats
    from a map-style dataset become the default dtype). ``len(loader)`` is the number of
    batches; the last one is smaller unless ``drop_last=True`` drops it.

    With ``shuffle=True`` a new order is drawn from ``minigrad.random.generator()`` each time
    an epoch starts (when ``iter(loader)`` is called, i.e. at the top of the ``for`` loop)::

        minigrad.manual_seed(0)
        loader = DataLoader((X, y), batch_size=32, shuffle=True)
        for xb, yb in loader:
            ...

    ``sampler`` (instead of ``shuffle``) gives the order itself: any object whose iteration
    yields dataset indices and whose ``len`` is their number, such as a ``DistributedSampler``.

    ``generator`` is what ``shuffle`` draws from: None (minigrad's own, ``manual_seed``), a
    ``numpy.random.Generator``, or a ``minigrad.get_rng_state()`` dict to start a private one
    from. PyTorch's worker keywords are accepted: ``num_workers > 0`` still loads in this
    process (with a one-time warning; the batches are the same) and refuses ``worker_init_fn``,
    which would have run in the workers; ``pin_memory`` is accepted and ignored, since batches
    are copied to ``device`` directly; ``persistent_workers``, ``prefetch_factor`` and
    ``timeout`` are checked and ignored.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        device: str | Device | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        sampler: Any = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        generator: Any = None,
        worker_init_fn: Callable[[int], None] | None = None,
        persistent_workers: bool = False,
        prefetch_factor: int | None = None,
        timeout: float = 0,
    ) -> None:
        self._check_torch_keywords(
            num_workers, pin_memory, worker_init_fn, persistent_workers, prefetch_factor, timeout
        )
        # None: minigrad's own generator, looked up at each epoch so a later manual_seed counts.
        self.generator = None if generator is None else _generator_from("DataLoader", generator)
        self.batch_size = check_int("DataLoader", "batch_size", batch_size, low=1)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {collate_fn!r}")
        self.collate_fn = collate_fn
        self.shuffle = check_bool("DataLoader", "shuffle", shuffle)
        self.drop_last = check_bool("DataLoader", "drop_last", drop_last)
        self.device = get_device(device)
        self.dataset = dataset
        self._columns = _as_columns(dataset)  # None for a map-style dataset
        self._length = len(self._columns[0]) if self._columns is not None else len(dataset)
        self.sampler = _check_sampler(sampler, self.shuffle)

    def _check_torch_keywords(
        self,
        num_workers: Any,
        pin_memory: Any,
        worker_init_fn: Any,
        persistent_workers: Any,
        prefetch_factor: Any,
        timeout: Any,
    ) -> None:
        """PyTorch's worker-process keywords, accepted so its scripts run unchanged: batches
        are the same with or without them, since minigrad always loads in this process."""
        global _warned_num_workers
        self.num_workers = check_int("DataLoader", "num_workers", num_workers, low=0)
        self.pin_memory = check_bool("DataLoader", "pin_memory", pin_memory)  # see the docstring
        check_bool("DataLoader", "persistent_workers", persistent_workers)
        if prefetch_factor is not None:
            check_int("DataLoader", "prefetch_factor", prefetch_factor, low=1)
        check_number("DataLoader", "timeout", timeout, low=0)
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError(f"DataLoader: worker_init_fn must be callable, got {worker_init_fn!r}")
        if self.num_workers > 0 and worker_init_fn is not None:
            # It would seed or set up worker processes; skipping it could change the data.
            raise ValueError(
                f"DataLoader: worker_init_fn needs worker processes (num_workers="
                f"{self.num_workers}), and minigrad loads in the main process; set it up "
                "before the loop instead, or pass num_workers=0"
            )
        if self.num_workers > 0 and not _warned_num_workers:
            _warned_num_workers = True
            warnings.warn(
                f"DataLoader: num_workers={self.num_workers} loads in the main process: minigrad "
                "starts no worker processes (the batches are the same, only not prefetched)",
                UserWarning,
                stacklevel=3,
            )

    def __len__(self) -> int:
        count = self._length if self.sampler is None else len(self.sampler)
        if self.drop_last:
            return count // self.batch_size
        return math.ceil(count / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        # The order is drawn here, eagerly, so the random stream advances exactly once per
        # epoch, when the loop starts (not lazily at the first batch).
        if self.sampler is not None:
            return self._batches(_sampled_order(self.sampler, self._length))
        if self.shuffle:
            order = (self.generator or generator()).permutation(self._length)
        else:
            order = np.arange(self._length)
        return self._batches(order)

    def _batches(self, order: np.ndarray) -> Iterator[tuple[Tensor, ...]]:
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start : start + self.batch_size]
            if self.collate_fn is not None:  # the user's batching, given the samples, as PyTorch
                yield self.collate_fn([self.dataset[int(i)] for i in indices])
                continue
            if self._columns is not None:
                batch = tuple(_take(column, indices) for column in self._columns)
            else:
                batch = _collate([self.dataset[int(i)] for i in indices])
            # Each column is a fresh array (indexing copies), so the batch owns it: no copy.
            yield tuple(_on(column, self.device) for column in batch)

    def __repr__(self) -> str:
        return (
            f"DataLoader({self._length} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, device='{self.device}')"
        )


_warned_num_workers = False  # num_workers > 0 warns once per process


def _check_sampler(sampler: Any, shuffle: bool) -> Any:
    if sampler is None:
        return None
    if not (hasattr(sampler, "__iter__") and hasattr(sampler, "__len__")):
        raise TypeError(
            "DataLoader: sampler must yield dataset indices and have a len(), such as a "
            f"DistributedSampler; got {type(sampler).__name__}"
        )
    if shuffle:
        raise ValueError(
            "DataLoader: sampler option is mutually exclusive with shuffle; the sampler decides "
            "the order (DistributedSampler(..., shuffle=True) shuffles)"
        )
    return sampler


def _sampled_order(sampler: Any, length: int) -> np.ndarray:
    """The sampler's indices for this epoch, checked: a negative or too large index would
    otherwise wrap around or fail deep inside indexing."""
    order = np.fromiter((int(index) for index in sampler), dtype=np.int64)
    if len(order) != len(sampler):
        raise ValueError(
            f"DataLoader: the sampler yielded {len(order)} indices but its len() is {len(sampler)}"
        )
    if order.size and (order.min() < 0 or order.max() >= length):
        bad = order[(order < 0) | (order >= length)][0]
        raise IndexError(
            f"DataLoader: the sampler yielded index {bad}, outside the dataset's 0..{length - 1}"
        )
    return order


class DistributedSampler:
    """Each rank's share of the dataset, the same seeded order on every rank (PyTorch's).

    Every rank draws the same permutation of ``0 .. N-1`` from ``seed + epoch`` (so call
    ``set_epoch(epoch)`` at the start of each epoch to get a new order), pads it by repeating
    its first indices until its length is a multiple of ``num_replicas`` (``drop_last=True``
    drops the tail instead), and takes every ``num_replicas``-th index starting at ``rank``::

        N = 10, 3 ranks, no shuffle:  0 1 2 3 4 5 6 7 8 9 | 0 1   (padded to 12)
        rank 0: 0 3 6 9    rank 1: 1 4 7 0    rank 2: 2 5 8 1

    The shares are disjoint except for the padding and together cover the dataset. Every rank
    gets the same number of samples, hence of batches: a rank with one batch more would wait
    in its all-reduce for ranks that have finished the epoch. ``num_replicas`` and ``rank``
    default to the process group's world size and rank. Hand it to ``DataLoader(...,
    sampler=sampler)``; ``minigrad.training.fit`` calls ``set_epoch`` for you.
    """

    def __init__(
        self,
        dataset: Any,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        name = "DistributedSampler"
        if num_replicas is None or rank is None:
            if not distributed.is_initialized():
                raise RuntimeError(
                    f"{name}: num_replicas and rank default to the process group's, and there is "
                    "none; call minigrad.distributed.init_process_group() first or pass both"
                )
            num_replicas = distributed.get_world_size() if num_replicas is None else num_replicas
            rank = distributed.get_rank() if rank is None else rank
        self.num_replicas = check_int(name, "num_replicas", num_replicas, low=1)
        self.rank = check_int(name, "rank", rank, low=0, high=self.num_replicas - 1)
        self.shuffle = check_bool(name, "shuffle", shuffle)
        self.seed = check_int(name, "seed", seed, low=0)
        self.drop_last = check_bool(name, "drop_last", drop_last)
        self.dataset = dataset
        columns = _as_columns(dataset)  # a tuple (X, y) is counted by rows, as DataLoader does
        self.dataset_length = len(columns[0]) if columns is not None else len(dataset)
        if self.drop_last and self.dataset_length % self.num_replicas:
            # the largest multiple of num_replicas below N, shared out
            self.num_samples = math.ceil(
                (self.dataset_length - self.num_replicas) / self.num_replicas
            )
        else:
            self.num_samples = math.ceil(self.dataset_length / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Use the permutation of this epoch (``seed + epoch``) from now on."""
        self.epoch = check_int("DistributedSampler.set_epoch", "epoch", epoch, low=0)

    def __iter__(self) -> Iterator[int]:
        n = self.dataset_length
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = np.arange(n)
        if self.total_size > n:  # pad with the first indices, repeated as often as needed
            order = np.concatenate([order] * math.ceil(self.total_size / n))
        order = order[: self.total_size]
        return iter(order[self.rank :: self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def __repr__(self) -> str:
        return (
            f"DistributedSampler({self.dataset_length} samples, rank {self.rank} of "
            f"{self.num_replicas}, {self.num_samples} each, shuffle={self.shuffle}, "
            f"seed={self.seed}, epoch={self.epoch})"
        )


class Dataset:
    """Base class for a map-style dataset, as PyTorch's ``torch.utils.data.Dataset``: define
    ``__len__`` and ``__getitem__(i)`` (returning an array, a number, or a tuple of them)."""

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Tensors (or arrays) with the same first dim; item i is the tuple of their rows i.

    A DataLoader batches it by indexing each tensor once per batch, not sample by sample.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        lengths = {len(t) for t in tensors}
        if len(lengths) > 1:
            raise ValueError(
                f"TensorDataset: the tensors have different first dims {sorted(lengths)}"
            )
        self.tensors = tensors

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        return tuple(t[index] for t in self.tensors)


class TransformDataset(Dataset):
    """Arrays with the same first dim, as ``TensorDataset``, with torchvision's ``transform`` and
    ``target_transform``: item i is ``(transform(arrays[0][i]), target_transform(arrays[1][i]),
    arrays[2][i], ...)``, each transform left out when None.

    A transform gets **one sample** (one image, not a batch) and runs when the item is read, so
    ``DataLoader`` (which reads items one by one for a map-style dataset) makes every batch from
    fresh draws, on the host, before moving the batch to its device::

        train = TransformDataset(X_train, y_train, transform=transforms.RandomRotation(10))
    """

    def __init__(
        self,
        *arrays: Any,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        if not arrays:
            raise ValueError("TransformDataset: needs at least one array, e.g. (X, y)")
        lengths = [len(array) for array in arrays]
        if len(set(lengths)) > 1:
            raise ValueError(f"TransformDataset: the arrays have different lengths {lengths}")
        for name, function in (("transform", transform), ("target_transform", target_transform)):
            if function is not None and not callable(function):
                raise TypeError(f"TransformDataset: {name} must be callable, got {function!r}")
        if target_transform is not None and len(arrays) < 2:
            raise ValueError("TransformDataset: target_transform needs a second array (targets)")
        self.arrays = arrays
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        item = [array[index] for array in self.arrays]
        if self.transform is not None:
            item[0] = self.transform(item[0])
        if self.target_transform is not None:
            item[1] = self.target_transform(item[1])
        return tuple(item)


# ---- subsets and concatenations ----------------------------------------------------------------


def _map_style(owner: str, dataset: Any) -> Any:
    """``dataset`` as an object with ``__len__`` and ``__getitem__``: a tuple of arrays such as
    ``(X, y)`` (which DataLoader reads as columns) becomes a TensorDataset of those columns."""
    if isinstance(dataset, tuple):
        columns = _as_columns(dataset)
        assert columns is not None
        return TensorDataset(*columns)
    if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
        raise TypeError(
            f"{owner}: dataset must be a tuple of arrays such as (X, y), or an object with "
            f"__len__ and __getitem__; got {type(dataset).__name__}"
        )
    return dataset


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``, in that order: ``Subset(ds, [4, 0])[1]`` is
    ``ds[0]``. Indices may repeat; each must lie in ``-len(ds) .. len(ds)-1``."""

    def __init__(self, dataset: Any, indices: Any) -> None:
        self.dataset = dataset
        self._items = _map_style("Subset", dataset)
        if isinstance(indices, Tensor):
            indices = indices.numpy()
        order = np.asarray(indices)
        if order.ndim != 1 or (order.size and order.dtype.kind not in "iu"):
            raise TypeError(
                f"Subset: indices must be a 1-d sequence of integers, got {order.dtype} of "
                f"shape {order.shape}"
            )
        n = len(self._items)
        if order.size and (order.min() < -n or order.max() >= n):
            bad = order[(order < -n) | (order >= n)][0]
            raise IndexError(f"Subset: index {bad} is out of range for a dataset of {n} items")
        self.indices: list[int] = [int(i) % n for i in order] if n else []

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        if isinstance(index, (list, np.ndarray)):
            return [self._items[self.indices[int(i)]] for i in index]
        return self._items[self.indices[index]]


class ConcatDataset(Dataset):
    """Datasets one after another: item ``i`` comes from the first dataset whose cumulative
    length exceeds ``i`` (``cumulative_sizes`` holds those running totals)."""

    def __init__(self, datasets: Any) -> None:
        self.datasets = [_map_style("ConcatDataset", dataset) for dataset in datasets]
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes: list[int] = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index} is out of range for {n} items")
        index %= n
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _generator_from(owner: str, value: Any) -> np.random.Generator:
    """The generator to draw from: minigrad's own (``manual_seed``) for None, a NumPy Generator
    as it is, or a fresh one started from a ``minigrad.get_rng_state()`` dict (which leaves
    minigrad's own generator where it was)."""
    if value is None:
        return generator()
    if isinstance(value, np.random.Generator):
        return value
    if isinstance(value, dict) and "bit_generator" in value:
        fresh = np.random.default_rng()
        try:
            fresh.bit_generator.state = value
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(
                f"{owner}: generator state is damaged ({type(error).__name__}: {error}); pass "
                "the dict that minigrad.get_rng_state() returned"
            ) from None
        return fresh
    raise TypeError(
        f"{owner}: generator must be None, a numpy.random.Generator or a "
        f"minigrad.get_rng_state() dict, got {type(value).__name__}"
    )


def random_split(dataset: Any, lengths: Any, generator: Any = None) -> list[Subset]:
    """Shuffle ``dataset``'s indices and cut them into ``Subset``s of the given ``lengths``.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1: then each
    part gets ``floor(n * fraction)`` items and the ``r`` left over go one each to the first
    ``r`` parts (PyTorch's rule: ``[0.5, 0.5]`` of 5 is ``[3, 2]``). The order is drawn from
    ``generator`` (see ``DataLoader``), minigrad's own generator when None.
    """
    owner = "random_split"
    items = _map_style(owner, dataset)
    n = len(items)
    lengths = list(lengths)
    if not lengths:
        raise ValueError(f"{owner}: lengths is empty; give counts or fractions, e.g. [0.8, 0.2]")
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in lengths):
        counts = [check_int(owner, f"lengths[{i}]", v, low=0) for i, v in enumerate(lengths)]
    else:
        fractions = [
            check_number(owner, f"lengths[{i}]", v, low=0, high=1) for i, v in enumerate(lengths)
        ]
        total = math.fsum(fractions)
        if not (math.isclose(total, 1.0) and total <= 1.0):
            raise ValueError(
                f"{owner}: fractions in lengths must sum to 1, got {lengths} (sum {total})"
            )
        counts = [math.floor(n * fraction) for fraction in fractions]
        for i in range(n - sum(counts)):  # the remainder, round-robin from the first part
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"{owner}: part {i} of {lengths} gets no items of {n}", stacklevel=2)
    if sum(counts) != n:
        raise ValueError(
            f"{owner}: lengths {counts} sum to {sum(counts)}, but the dataset has {n} items"
        )
    order = _generator_from(owner, generator).permutation(n).tolist()
    ends = np.cumsum(counts).tolist()
    return [Subset(dataset, order[end - count : end]) for count, end in zip(counts, ends)]


def _as_columns(dataset: Any) -> tuple[Any, ...] | None:
    """A tuple of arrays (or one array) as a tuple of raw arrays; None if map-style.

    A list is a sequence of samples, as in PyTorch (``[(x0, y0), (x1, y1), ...]``)."""
    if isinstance(dataset, Tensor) or _is_array(dataset):
        dataset = (dataset,)
    if isinstance(dataset, TensorDataset):
        dataset = tuple(dataset.tensors)  # columns already: batch by indexing each one
    if isinstance(dataset, dict):
        raise TypeError(
            "DataLoader: a dict is not a dataset; pass its arrays as a tuple, e.g. "
            "(d['x'], d['y']), or an object with __len__ and __getitem__"
        )
    if not isinstance(dataset, tuple):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                "DataLoader: dataset must be a tuple of arrays such as (X, y), or an object "
                f"with __len__ and __getitem__; got {type(dataset).__name__}"
            )
        return None
    if len(dataset) == 0:
        raise ValueError("DataLoader: the dataset tuple is empty; pass (X, y) or (X,)")
    columns = []
    for column in dataset:
        if not (isinstance(column, Tensor) or _is_array(column)):
            column = Tensor(column)  # a Python list: floats become float32, ints int64
        column = column.data if isinstance(column, Tensor) else column
        if column.ndim == 0:
            raise ValueError("DataLoader: every array in the dataset needs a first dimension")
        columns.append(column)
    lengths = [column.shape[0] for column in columns]
    if len(set(lengths)) > 1:
        raise ValueError(
            f"DataLoader: the arrays in the dataset have different lengths {lengths}; "
            "each needs one row per sample"
        )
    return tuple(columns)


def _on(array: Any, device: Device) -> Tensor:
    """A fresh ``array`` as a tensor on ``device``, moved there if it is not already."""
    if isinstance(array, list):  # Python numbers: Tensor() applies its dtype policy
        return Tensor(array, device=device)
    if device_of_array(array) is not device:
        array = device.from_host(to_host(array))
    return Tensor._wrap(array, device)


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or device_of_array(value) is not cpu


def _take(array: Any, indices: np.ndarray) -> Any:
    """``array[indices]`` with the host index array moved to the array's own device first."""
    return array[device_of_array(array).from_host(indices)]


def _collate(items: list[Any]) -> tuple[Any, ...]:
    """Stack a list of samples (each an array, a number, or a tuple of them) into columns."""
    samples = [item if isinstance(item, tuple) else (item,) for item in items]
    width = len(samples[0])
    if any(len(sample) != width for sample in samples):
        raise ValueError("DataLoader: the dataset's items have different numbers of fields")
    return tuple(_stack([sample[field] for sample in samples]) for field in range(width))


def _stack(values: list[Any]) -> Any:
    values = [value.data if isinstance(value, Tensor) else value for value in values]
    if all(type(value) in (int, float, bool) for value in values):
        return values  # Python numbers: Tensor() applies its dtype policy (floats -> float32)
    stacked = get_array_module(values[0]).stack(values)
    if stacked.dtype.kind not in "biufc":
        raise TypeError(
            f"DataLoader: cannot batch dataset items of type {type(values[0]).__name__}; "
            "items must be arrays, numbers, or tuples of them"
        )
    return stacked


# ---- synthetic datasets ----------------------------------------------------------------------


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A fresh generator for ``seed``, or minigrad's own one (``manual_seed``) when None."""
    return generator() if seed is None else np.random.default_rng(seed)


def make_spiral(
    n_samples: int,
    n_classes: int = 3,
    noise: float = 0.2,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: a classic problem no linear model can solve.

    Sample ``i`` of class ``k`` sits at radius ``r`` (evenly spaced in [0, 1] along its arm) and
    angle ``2 pi k / n_classes + 3 pi r + noise * N(0, 1)``: every arm makes three quarters of
    a turn, and ``noise`` (in radians) blurs it.

    Returns ``X`` of shape (n_samples, 2), float32, and ``y`` of shape (n_samples,), int64 in
    ``0 .. n_classes - 1``, in random order. Class sizes differ by at most one.
    """
    check_int("make_spiral", "n_samples", n_samples, low=1)
    check_int("make_spiral", "n_classes", n_classes, low=1)
    check_number("make_spiral", "noise", noise, low=0)
    rng = _rng(seed)
    labels = np.arange(n_samples) % n_classes
    # The position of each sample along its arm: 0, 1, 2, ... within its class, scaled to [0, 1].
    rank = np.arange(n_samples) // n_classes
    per_class = np.bincount(labels, minlength=n_classes)
    radius = rank / np.maximum(per_class[labels] - 1, 1)
    angle = 2 * np.pi * labels / n_classes + 3 * np.pi * radius + noise * rng.normal(size=n_samples)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    order = rng.permutation(n_samples)
    return X[order].astype(np.float32), labels[order].astype(np.int64)


def make_moons(
    n_samples: int, noise: float = 0.1, seed: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interlocking half circles: class 0 on top, class 1 below and shifted right.

    Class 0: ``(cos t, sin t)``; class 1: ``(1 - cos t, 0.5 - sin t)``, for ``t`` evenly spaced
    in [0, pi]; Gaussian noise of standard deviation ``noise`` is added to both coordinates.

    Returns ``X`` of shape (n_samples, 2), float32, and ``y`` of shape (n_samples,), int64 in
    {0, 1}, in random order (class 0 gets the extra sample when ``n_samples`` is odd).
    """
    check_int("make_moons", "n_samples", n_samples, low=1)
    check_number("make_moons", "noise", noise, low=0)
    rng = _rng(seed)
    n_top = n_samples - n_samples // 2
    t_top = np.linspace(0, np.pi, n_top)
    t_bottom = np.linspace(0, np.pi, n_samples // 2)
    top = np.stack([np.cos(t_top), np.sin(t_top)], axis=1)
    bottom = np.stack([1 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)], axis=1)
    X = np.concatenate([top, bottom]) + noise * rng.normal(size=(n_samples, 2))
    y = np.concatenate([np.zeros(n_top), np.ones(n_samples // 2)])
    order = rng.permutation(n_samples)
    return X[order].astype(np.float32), y[order].astype(np.int64)


def make_regression(
    n_samples: int,
    n_features: int,
    n_informative: int | None = None,
    noise: float = 0.1,
    correlated: bool = False,
    seed: int | np.random.Generator | None = None,
    group_size: int = 3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A linear regression problem with a known answer: ``y = X @ coef + noise * N(0, 1)``.

    The first ``n_informative`` features (default: half of them, at least one) have non-zero
    coefficients, drawn with magnitude in [1, 3] and a random sign; the rest are zero, which is
    what Lasso should find.

    With ``correlated=False`` the features are independent standard normals. With
    ``correlated=True`` they come in groups of ``group_size`` consecutive features that share
    one hidden normal variable ``z``: feature ``j`` of a group is ``(z + 0.1 e_j) / sqrt(1.01)``
    (unit variance, correlation about 0.99 within the group), and the informative features of a
    group share one coefficient. That is the Elastic Net lesson: Lasso tends to keep one feature
    per group, Elastic Net spreads the weight over the whole group, as the true ``coef`` does.

    Returns ``(X, y, coef)``: ``X`` of shape (n_samples, n_features), ``y`` of shape
    (n_samples,) and the true coefficients ``coef`` of shape (n_features,), all float32.
    """
    check_int("make_regression", "n_samples", n_samples, low=1)
    check_int("make_regression", "n_features", n_features, low=1)
    if n_informative is None:
        n_informative = max(1, n_features // 2)
    check_int("make_regression", "n_informative", n_informative, low=0, high=n_features)
    check_int("make_regression", "group_size", group_size, low=1)
    check_bool("make_regression", "correlated", correlated)
    check_number("make_regression", "noise", noise, low=0)
    rng = _rng(seed)
    if correlated:
        group = np.arange(n_features) // group_size  # the group each feature belongs to
        hidden = rng.normal(size=(n_samples, group[-1] + 1))
        X = (hidden[:, group] + 0.1 * rng.normal(size=(n_samples, n_features))) / np.sqrt(1.01)
        group_coef = rng.uniform(1, 3, size=group[-1] + 1) * rng.choice([-1, 1], group[-1] + 1)
        coef = group_coef[group]
    else:
        X = rng.normal(size=(n_samples, n_features))
        coef = rng.uniform(1, 3, size=n_features) * rng.choice([-1, 1], n_features)
    coef[n_informative:] = 0.0
    y = X @ coef + noise * rng.normal(size=n_samples)
    return X.astype(np.float32), y.astype(np.float32), coef.astype(np.float32)


def train_val_test_split(
    *arrays: Any,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int | np.random.Generator | None = None,
) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    """Shuffle the rows of ``arrays`` (all of the same length) and cut them into three parts.

    Returns ``(train, val, test)``, each a tuple with one array per input, ready for
    ``DataLoader``::

        train, val, test = train_val_test_split(X, y, seed=0)
        loader = DataLoader(train, batch_size=64, shuffle=True)

    The validation and test parts get ``round(n * fraction)`` rows each; training gets the
    rest, and must get at least one. Arrays may be NumPy or CuPy (or lists); each stays on its
    device. The shuffle draws from ``seed``, or from ``minigrad.random.generator()`` when None.
    """
    if not arrays:
        raise ValueError("train_val_test_split: pass at least one array, e.g. (X, y)")
    for name, fraction in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        check_number("train_val_test_split", name, fraction, low=0, high=1, high_inclusive=False)
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"train_val_test_split: val_fraction + test_fraction must be below 1 to leave rows "
            f"for training, got {val_fraction} + {test_fraction}"
        )
    lengths = [len(array) for array in arrays]
    if len(set(lengths)) > 1:
        raise ValueError(f"train_val_test_split: the arrays have different lengths {lengths}")
    n = lengths[0]
    n_val, n_test = round(n * val_fraction), round(n * test_fraction)
    if n - n_val - n_test < 1:
        raise ValueError(
            f"train_val_test_split: {n} rows leave none for training after {n_val} for "
            f"validation and {n_test} for test"
        )
    order = _rng(seed).permutation(n)
    parts = (order[n_val + n_test :], order[:n_val], order[n_val : n_val + n_test])
    if any(isinstance(array, Tensor) for array in arrays):
        raise TypeError("train_val_test_split: pass arrays, not Tensors (use tensor.numpy())")
    arrays = tuple(array if _is_array(array) else np.asarray(array) for array in arrays)
    train, val, test = (tuple(_take(array, part) for array in arrays) for part in parts)
    return train, val, test


# ---- the UCI handwritten digits --------------------------------------------------------------

_DIGITS_FILE = Path(__file__).parent / "datasets" / "digits.npz"


def load_digits(as_images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The UCI handwritten digits: 1,797 grey 8x8 images of the digits 0-9, about 180 of each.

    Returns ``X``, float32 in [0, 1] (the raw 0..16 pixel counts divided by 16), of shape
    (1797, 64), or (1797, 1, 8, 8) with ``as_images=True`` (for ``Conv2d``); and ``y``, int64
    labels of shape (1797,).

    The data ship inside minigrad (``minigrad/datasets/digits.npz``, no download): E. Alpaydin
    and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning Repository,
    1998, https://doi.org/10.24432/C50P49, licensed CC BY 4.0 (see ``datasets/ATTRIBUTION.md``).
    """
    check_bool("load_digits", "as_images", as_images)
    with np.load(_DIGITS_FILE, allow_pickle=False) as digits:
        pixels, labels = digits["pixels"], digits["labels"]
    X = pixels.astype(np.float32) / 16.0
    X = X.reshape(-1, 1, 8, 8) if as_images else X.reshape(-1, 64)
    return X, labels.astype(np.int64)
