"""Feeding a model: ``DataLoader``, small synthetic datasets, and the bundled UCI digits.

Data augmentation lives in ``minigrad.transforms`` (also reachable as
``minigrad.data.transforms``); ``TransformDataset`` applies it sample by sample.

Everything here is plain NumPy until the last step: ``DataLoader`` hands out batches as
Tensors on the device you ask for. Random choices (shuffling, and the synthetic datasets when
no ``seed`` is given) draw from ``minigrad.random.generator()``, so ``minigrad.manual_seed``
makes a run reproducible and ``get_rng_state`` / ``set_rng_state`` checkpoint it.
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers
import warnings
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
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
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "TransformDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
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

    ``DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
    num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
    worker_init_fn=None, multiprocessing_context=None, generator=None, *, prefetch_factor=None,
    persistent_workers=False, pin_memory_device='', in_order=True, device=None)``: PyTorch's
    arguments in PyTorch's order, and ``device``, where the batches go (the CPU by default).

    ``dataset`` is either

    * any object with ``__len__`` and ``__getitem__`` (a "map-style" dataset, as a PyTorch
      ``Dataset``; a list of ``(x, y)`` pairs is one), or
    * minigrad's shortcut: a tuple of arrays with the same first dimension, such as ``(X, y)``
      (NumPy or CuPy arrays, Tensors or lists), read as the columns of a ``TensorDataset``, or
      one array or Tensor, whose rows are the samples (as PyTorch reads an array).

    A batch is what PyTorch's ``default_collate`` makes of the batch's samples (see
    :func:`default_collate`): it has the structure of one sample, with each leaf stacked into a
    Tensor. A sample ``(x, y)`` gives a list ``[xb, yb]``, a dict gives a dict of batches, an
    array (or one array as the dataset) gives a Tensor. Arrays keep their dtype (int64 labels stay
    int64, float32 features float32); Python floats become float64, ints int64, bools bool, as in
    PyTorch. ``(X, y)`` and a ``TensorDataset`` are batched by indexing each column once per
    batch, not sample by sample. ``len(loader)`` is the number of batches; the last one is smaller
    unless ``drop_last=True`` drops it.

    The order: ``shuffle=True`` draws a new permutation each time an epoch starts (when
    ``iter(loader)`` is called, i.e. at the top of the ``for`` loop) from ``generator``: None
    (minigrad's own, ``manual_seed``), a ``numpy.random.Generator``, or a
    ``minigrad.get_rng_state()`` dict to start a private one from::

        minigrad.manual_seed(0)
        loader = DataLoader((X, y), batch_size=32, shuffle=True)
        for xb, yb in loader:
            ...

    ``sampler`` (instead of ``shuffle``) gives the order itself: any object whose iteration
    yields dataset indices and whose ``len`` is their number (``RandomSampler``,
    ``WeightedRandomSampler``, ``DistributedSampler``, a list of indices). ``batch_sampler``
    gives whole batches, lists of indices (``BatchSampler``), and then excludes ``batch_size``,
    ``shuffle``, ``sampler`` and ``drop_last``. ``batch_size=None`` turns batching off, as in
    PyTorch: each sample comes alone, its arrays turned into Tensors and its numbers left as
    they are. The chosen order is in ``loader.sampler``, the batching in
    ``loader.batch_sampler``.

    ``collate_fn(samples)`` replaces ``default_collate``; what it returns is yielded as it is
    (not moved to ``device``). PyTorch's worker keywords are accepted: ``num_workers > 0`` still
    loads in this process (with a one-time warning; the batches are the same) and refuses
    ``worker_init_fn``, which would have run in the workers; ``pin_memory`` is accepted and
    ignored, since batches are copied to ``device`` directly; ``persistent_workers``,
    ``prefetch_factor``, ``timeout``, ``multiprocessing_context``, ``pin_memory_device`` and
    ``in_order`` are checked and ignored.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        device: str | Device | None = None,
    ) -> None:
        owner = "DataLoader"
        self._check_torch_keywords(
            num_workers, pin_memory, worker_init_fn, persistent_workers, prefetch_factor, timeout
        )
        check_bool(owner, "in_order", in_order)  # one process: batches always come in order
        self.multiprocessing_context = multiprocessing_context
        self.pin_memory_device = pin_memory_device
        # None: minigrad's own generator, looked up at each epoch so a later manual_seed counts.
        self.generator = None if generator is None else _generator_from(owner, generator)
        if batch_size is not None:
            batch_size = check_int(owner, "batch_size", batch_size, low=1)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {collate_fn!r}")
        self.collate_fn = collate_fn
        shuffle = False if shuffle is None else check_bool(owner, "shuffle", shuffle)
        self.drop_last = check_bool(owner, "drop_last", drop_last)
        self.device = get_device(device)
        self.dataset = dataset
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            self._init_iterable(dataset, batch_size, shuffle, sampler, batch_sampler)
            return
        self._columns = _as_columns(dataset)  # None for a map-style dataset
        # A bare array is one column whose rows are the samples: its batches are Tensors.
        self._bare = isinstance(dataset, Tensor) or _is_array(dataset)
        self._length = len(self._columns[0]) if self._columns is not None else len(dataset)

        if sampler is not None:
            _check_indices_source("sampler", sampler)
            if shuffle:
                raise ValueError(
                    "DataLoader: sampler option is mutually exclusive with shuffle; the sampler "
                    "decides the order (RandomSampler or DistributedSampler(shuffle=True) shuffle)"
                )
        if batch_sampler is not None:
            _check_indices_source("batch_sampler", batch_sampler)
            # PyTorch's rule: the batch sampler decides the batches, so nothing else may.
            if batch_size != 1 or shuffle or sampler is not None or self.drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    f"shuffle, sampler, and drop_last (got batch_size={batch_size}, "
                    f"shuffle={shuffle}, sampler={sampler!r}, drop_last={self.drop_last})"
                )
            batch_size = None
        elif batch_size is None and self.drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )
        if sampler is None:  # the data's rows, by their count: a tuple (X, y) is not 2 samples
            rows = range(self._length)
            sampler = RandomSampler(rows, generator=self.generator) if shuffle else None
            sampler = sampler or SequentialSampler(rows)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, self.drop_last)
        self.batch_size = batch_size
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.shuffle = shuffle

    def _init_iterable(
        self, dataset: Any, batch_size: int | None, shuffle: bool, sampler: Any, batch_sampler: Any
    ) -> None:
        """An IterableDataset decides its own order: PyTorch's checks, then no sampler at all."""
        for name, value in (
            ("shuffle", shuffle),
            ("sampler", sampler),
            ("batch_sampler", batch_sampler),
        ):
            if value is not None and value is not False:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified {name} option, but "
                    f"got {name}={value!r}"
                )
        if batch_size is None and self.drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )
        self._columns, self._bare, self._length = None, False, -1
        self.batch_size, self.shuffle = batch_size, False
        self.sampler = self.batch_sampler = None

    def _iterate(self) -> Iterator[Any]:
        """An IterableDataset's samples in its own order, ``batch_size`` at a time."""
        samples = iter(self.dataset)
        if self.batch_size is None:
            for sample in samples:
                yield self._convert_one(sample)
            return
        while True:
            chunk = list(itertools.islice(samples, self.batch_size))
            if not chunk or (self.drop_last and len(chunk) < self.batch_size):
                return
            if self.collate_fn is not None:
                yield self.collate_fn(chunk)
            else:
                yield _collate(chunk, self.device)

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
        if self._iterable:  # PyTorch's: from len(dataset), a TypeError when it has none
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            whole, rest = divmod(n, self.batch_size)
            return whole + (1 if rest and not self.drop_last else 0)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)  # batch_size=None: one sample at a time

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._iterate()
        # The order is drawn here, eagerly, so the random stream advances exactly once per
        # epoch, when the loop starts (not lazily at the first batch).
        if self.batch_sampler is None:  # batch_size=None: every index is a "batch" of its own
            order = _sampled_order(self.sampler, self._length)
            return (self._sample(int(i)) for i in order)
        if isinstance(self.batch_sampler, BatchSampler) and self.batch_sampler.sampler is (
            self.sampler
        ):
            # Our own batching: cut the sampler's order into slices (no list per batch).
            order = _sampled_order(self.sampler, self._length)
            size = self.batch_size
            assert size is not None
            batches = [order[s : s + size] for s in range(0, len(self) * size, size)]
        else:
            batches = [_sampled_order(b, self._length) for b in self.batch_sampler]
        return (self._batch(indices) for indices in batches)

    def _batch(self, indices: np.ndarray) -> Any:
        if self.collate_fn is not None:  # the user's batching, given the samples, as PyTorch
            return self.collate_fn([self._raw_sample(int(i)) for i in indices])
        if self._columns is not None:
            # Each column is a fresh array (indexing copies), so the batch owns it: no copy.
            batch = [_on(_take(column, indices), self.device) for column in self._columns]
            return batch[0] if self._bare else batch
        return _collate([self.dataset[int(i)] for i in indices], self.device)

    def _raw_sample(self, index: int) -> Any:
        if self._columns is None:
            return self.dataset[index]
        row = tuple(column[index] for column in self._columns)
        return row[0] if self._bare else row

    def _sample(self, index: int) -> Any:
        """One sample with batching off: PyTorch's default_convert (arrays become Tensors)."""
        return self._convert_one(self._raw_sample(index))

    def _convert_one(self, sample: Any) -> Any:
        return _convert(sample, self.device) if self.collate_fn is None else self.collate_fn(sample)

    def __repr__(self) -> str:
        if self._iterable:
            return (
                f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
                f"drop_last={self.drop_last}, device='{self.device}')"
            )
        return (
            f"DataLoader({self._length} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, device='{self.device}')"
        )


_warned_num_workers = False  # num_workers > 0 warns once per process


def _check_indices_source(name: str, source: Any) -> None:
    if not (hasattr(source, "__iter__") and hasattr(source, "__len__")):
        what = "lists of dataset indices" if name == "batch_sampler" else "dataset indices"
        example = "a BatchSampler" if name == "batch_sampler" else "a RandomSampler"
        raise TypeError(
            f"DataLoader: {name} must yield {what} and have a len(), such as {example}; got "
            f"{type(source).__name__}"
        )


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


# ---- samplers --------------------------------------------------------------------------------


class Sampler:
    """Base class of the samplers, as PyTorch's: ``__iter__`` yields dataset indices (or, for a
    batch sampler, lists of them) and ``__len__`` counts them."""

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """The indices ``0, 1, ..., len(data_source) - 1`` in order."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _sampler_generator(owner: str, value: Any) -> np.random.Generator | None:
    """None stays None (minigrad's own generator, looked up at every epoch, so a later
    ``manual_seed`` counts); a state dict starts its private generator once, here, so that
    each epoch continues its stream instead of repeating the first draw."""
    return None if value is None else _generator_from(owner, value)


class RandomSampler(Sampler):
    """Random indices into ``data_source``, a new draw at each ``iter``: PyTorch's
    ``RandomSampler(data_source, replacement=False, num_samples=None, generator=None)``.

    Without replacement, each epoch is a permutation of ``0 .. n-1``; a ``num_samples`` above
    ``n`` chains ``num_samples // n`` permutations and the start of one more. With
    replacement, ``num_samples`` (default ``n``) independent uniform draws. ``generator`` is as
    in ``DataLoader``.
    """

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        owner = "RandomSampler"
        self.data_source = data_source
        self.replacement = check_bool(owner, "replacement", replacement)
        self._num_samples = (
            None if num_samples is None else check_int(owner, "num_samples", num_samples, low=1)
        )
        self.generator = _sampler_generator(owner, generator)

    @property
    def num_samples(self) -> int:
        # Read at each epoch, as PyTorch: a dataset that grows gets more samples.
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        rng = self.generator or generator()
        n, count = len(self.data_source), self.num_samples
        if n == 0:
            return iter([])
        if self.replacement:
            return iter(rng.integers(0, n, size=count).tolist())
        # whole permutations, then the start of one more (drawn only if needed: one draw per
        # epoch in the common case count == n, so a seeded stream stays as before)
        parts = [rng.permutation(n) for _ in range(count // n)]
        if count % n:
            parts.append(rng.permutation(n)[: count % n])
        return iter(np.concatenate(parts).tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a new random order at each ``iter`` (no replacement): PyTorch's
    ``SubsetRandomSampler(indices, generator=None)``, e.g. a validation split of one dataset."""

    def __init__(self, indices: Any, generator: Any = None) -> None:
        self.indices = indices
        self.generator = _sampler_generator("SubsetRandomSampler", generator)

    def __iter__(self) -> Iterator[Any]:
        rng = self.generator or generator()
        return iter([self.indices[i] for i in rng.permutation(len(self.indices)).tolist()])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices ``i`` drawn with probability ``weights[i] / sum(weights)``:
    PyTorch's ``WeightedRandomSampler(weights, num_samples, replacement=True, generator=None)``.

    The weights need not sum to 1 (one weight per sample, e.g. ``1 / class_count[label]`` to
    balance classes). Without replacement an index comes at most once, so ``num_samples`` may
    not exceed the number of non-zero weights.
    """

    def __init__(
        self, weights: Any, num_samples: int, replacement: bool = True, generator: Any = None
    ) -> None:
        owner = "WeightedRandomSampler"
        self.num_samples = check_int(owner, "num_samples", num_samples, low=1)
        self.replacement = check_bool(owner, "replacement", replacement)
        if isinstance(weights, Tensor):
            weights = weights.numpy()
        weights = np.asarray(weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(
                f"{owner}: weights must be a 1-d sequence, got shape {tuple(weights.shape)}"
            )
        if not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
            raise ValueError(
                f"{owner}: weights must be finite and >= 0 with a positive sum, got {weights}"
            )
        nonzero = int(np.count_nonzero(weights))
        if not self.replacement and self.num_samples > nonzero:
            raise ValueError(
                f"{owner}: num_samples={self.num_samples} without replacement needs as many "
                f"non-zero weights, and there are {nonzero}"
            )
        self.weights = weights
        self.generator = _sampler_generator(owner, generator)

    def __iter__(self) -> Iterator[int]:
        rng = self.generator or generator()
        p = self.weights / self.weights.sum()  # the probabilities the weights stand for
        draws = rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return iter(draws.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``: PyTorch's
    ``BatchSampler(sampler, batch_size, drop_last)``; the last list is shorter unless
    ``drop_last`` drops it. ``list(BatchSampler(range(5), 2, False))`` is
    ``[[0, 1], [2, 3], [4]]``."""

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        self.sampler = sampler
        self.batch_size = check_int("BatchSampler", "batch_size", batch_size, low=1)
        self.drop_last = check_bool("BatchSampler", "drop_last", drop_last)

    def __iter__(self) -> Iterator[list[Any]]:
        batch: list[Any] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return math.ceil(len(self.sampler) / self.batch_size)


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

    def __add__(self, other: Any) -> ConcatDataset:
        """``a + b`` is ``ConcatDataset([a, b])``, as in PyTorch."""
        return ConcatDataset([self, other])


class IterableDataset:
    """Base class for a dataset that is a stream, as PyTorch's ``IterableDataset``: define
    ``__iter__`` to yield the samples (and ``__len__`` if their number is known).

    A ``DataLoader`` over it yields the samples in the stream's own order, ``batch_size`` at a
    time (the last batch smaller unless ``drop_last``), and refuses ``shuffle=True``, a
    ``sampler`` and a ``batch_sampler`` with PyTorch's ValueError. ``a + b`` chains two of them
    (``ChainDataset``)."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Any) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Iterable datasets one after another, as PyTorch's ``ChainDataset``: iterating yields
    every sample of the first, then of the second, and so on; ``len`` is the sum of theirs."""

    def __init__(self, datasets: Any) -> None:
        self.datasets = datasets

    def _each(self) -> Iterator[Any]:
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise TypeError(
                    f"ChainDataset only supports IterableDataset, got {type(dataset).__name__}"
                )
            yield dataset

    def __iter__(self) -> Iterator[Any]:
        for dataset in self._each():
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self._each())


class StackDataset(Dataset):
    """Datasets of the same length side by side, as PyTorch's ``StackDataset``: with positional
    datasets item i is the tuple ``(d0[i], d1[i], ...)``, with keyword ones the dict
    ``{name: d[i]}``. Mixing the two, giving none, or different lengths is a ValueError."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                "input/output, but both types are given."
            )
        if not (args or kwargs):
            raise ValueError("At least one dataset should be passed")
        datasets = list(args or kwargs.values())
        self._length = len(datasets[0])
        if any(len(dataset) != self._length for dataset in datasets):
            raise ValueError("Size mismatch between datasets")
        self.datasets: tuple[Any, ...] | dict[str, Any] = args or kwargs

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {name: dataset[index] for name, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)


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
        datasets = list(datasets)
        for dataset in datasets:
            if isinstance(dataset, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; use ChainDataset")
        self.datasets = [_map_style("ConcatDataset", dataset) for dataset in datasets]
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes: list[int] = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if index < -n:  # PyTorch's error for a negative index beyond the start
            raise ValueError("absolute value of index should not exceed dataset length")
        if index >= n:
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


def _on(array: Any, device: Device | None) -> Tensor:
    """A fresh ``array`` as a tensor on ``device`` (None: its own), moved there if need be."""
    if device is None:
        device = device_of_array(array)
    elif device_of_array(array) is not device:
        array = device.from_host(to_host(array))
    return Tensor._wrap(array, device)


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or device_of_array(value) is not cpu


def _take(array: Any, indices: np.ndarray) -> Any:
    """``array[indices]`` with the host index array moved to the array's own device first."""
    return array[device_of_array(array).from_host(indices)]


_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def default_collate(batch: Any) -> Any:
    """Stack a list of samples into a batch, as PyTorch's ``default_collate``.

    The batch has the structure of one sample, each leaf stacked along a new first dim:

    * Tensors and NumPy (or CuPy) arrays are stacked into a Tensor, in their dtype; NumPy
      scalars become a 1-d Tensor of their dtype;
    * Python floats become a float64 Tensor, ints int64, bools bool (PyTorch's dtypes, not the
      default dtype: ``torch.tensor(batch, dtype=torch.float64)`` for floats);
    * strings and bytes stay a list of them;
    * a dict gives a dict of batches (key by key), a namedtuple a namedtuple, and any other
      sequence (a tuple or a list) a *list* with one batch per field; the samples' sequences
      must all have the same length (a RuntimeError otherwise, as in PyTorch).

    The Tensors stay on the device of the arrays; ``DataLoader`` calls it with its ``device``
    (a ``collate_fn`` may call this function for the part it does not handle itself).
    """
    return _collate(list(batch), None)


def _collate(batch: Sequence[Any], device: Device | None) -> Any:
    """``default_collate(batch)``, its Tensors on ``device`` (None: where the arrays are)."""
    elem = batch[0]
    if isinstance(elem, Tensor) or _is_array(elem):
        arrays = [v.data if isinstance(v, Tensor) else v for v in batch]
        if arrays[0].dtype.kind not in "biufc":  # strings or objects: no Tensor holds them
            raise TypeError(_COLLATE_ERROR.format(arrays[0].dtype))
        return _on(get_array_module(arrays[0]).stack(arrays), device)
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return _collate([np.asarray(v) for v in batch], device)  # 0-d arrays, stacked to 1-d
    if isinstance(elem, bool) and all(isinstance(v, bool) for v in batch):
        return _on(np.array(batch, dtype=np.bool_), device)
    if isinstance(elem, float):
        return _on(np.array(batch, dtype=np.float64), device)  # PyTorch: float64, always
    if isinstance(elem, int):
        return Tensor(batch, device=device)  # int64; a float among them: the default dtype
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return _same_mapping(elem, {key: _collate([d[key] for d in batch], device) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple keeps its type
        return type(elem)(*(_collate(field, device) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [_collate(field, device) for field in zip(*batch)]
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def _same_mapping(sample: Mapping[Any, Any], values: dict[Any, Any]) -> Any:
    """``values`` in the sample's own mapping type where it can be copied (an OrderedDict stays
    one, as in PyTorch), else a plain dict."""
    if not isinstance(sample, MutableMapping):
        return values
    clone = copy.copy(sample)
    clone.update(values)
    return clone


def default_convert(data: Any) -> Any:
    """One sample's arrays as Tensors, the rest as it is: PyTorch's ``default_convert``, what
    ``DataLoader(batch_size=None)`` yields. NumPy arrays and scalars become Tensors (numbers,
    strings and Tensors stay), a tuple becomes a list, dicts and lists are converted inside."""
    return _convert(data, None)


def _convert(data: Any, device: Device | None) -> Any:
    if isinstance(data, Tensor):
        return data if device is None or data.device is device else data.to(device)
    if _is_array(data) or (isinstance(data, np.generic) and data.dtype.kind in "biufc"):
        array = np.asarray(data) if isinstance(data, np.generic) else data
        if array.dtype.kind not in "biufc":
            return data  # an array of strings stays as it is, as in PyTorch
        return _on(array.copy(), device)  # a copy: the Tensor must not share the dataset's array
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, Mapping):
        return _same_mapping(data, {key: _convert(value, device) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_convert(value, device) for value in data))
    if isinstance(data, (tuple, list)):
        return [_convert(value, device) for value in data]
    return data


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
