"""A small training loop, so the examples do not each retype it: ``fit`` and ``evaluate``.

``fit`` is the loop of every tutorial, nothing more (examples/lr_range_test.py writes it out by
hand). Per epoch: train on every batch, then measure on the validation set under ``no_grad`` in
eval mode, then ask the early stopper whether to stop. It returns a history of what happened::

    history = fit(model, train_loader, optimizer, nn.CrossEntropyLoss(), epochs=20,
                  val_loader=val_loader, early_stopping=EarlyStopping(patience=5))
    history["val_loss"][-1], history["val_accuracy"][-1], history["lr"][:3]

It uses the optimizer, the loss and the early stopper only through their methods, so it imports
neither ``optim`` nor ``regularizers``. A scheduler handed to the optimizer
(``SGD(..., scheduler=...)``) is stepped by the optimizer after every batch. Tensors stay on the
device the loaders put them on: running sums stay on it too, and only one number per quantity
per epoch comes back to the host (``.item()``).

Under data parallelism, when ``model`` is a ``DistributedDataParallel``, every rank runs them
together: each rank's sums and counts are all-reduced before the means are taken, so every rank
reports the same loss and metrics over all ranks' samples, and an early stopper makes the same
decision everywhere (a rank that stopped alone would leave the others waiting in their next
all-reduce). Any other model is measured on this rank alone, so rank 0 may evaluate
``model.module`` by itself. ``fit`` also calls ``set_epoch(epoch)`` on the training loader's
sampler when it has one (a ``DistributedSampler``: a new order every epoch).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from . import distributed
from .autograd import no_grad
from .backend import cpu
from .nn.parallel import DistributedDataParallel
from .tensor import Tensor

Metric = Callable[[Tensor, Tensor], Tensor]


def accuracy(output: Tensor, target: Tensor) -> Tensor:
    """The fraction of rows whose largest output is the target class (a 0-d Tensor)."""
    return (output.argmax(axis=-1) == target).astype(output.dtype).mean()


def _pair(batch: Any, owner: str) -> tuple[Any, Any]:
    """``(inputs, targets)`` of one batch, or a clear error for any other structure.

    A DataLoader over ``(X, y)`` or over ``(x, y)`` samples yields the list ``[xb, yb]`` (or a
    tuple, from a ``collate_fn``). Anything else would unpack wrongly or not at all: a Tensor
    (a loader over one array) would give its first two rows, a dict its two keys.
    """
    if isinstance(batch, (list, tuple)) and len(batch) == 2:
        return batch[0], batch[1]
    if isinstance(batch, (list, tuple)):
        raise ValueError(
            f"{owner}: each batch must be a pair (inputs, targets), got a {type(batch).__name__} "
            f"of {len(batch)} items; make the dataset's samples (x, y) pairs"
        )
    if isinstance(batch, Mapping):
        what = f"a dict with keys {list(batch)}; a collate_fn can return (inputs, targets)"
    else:
        what = f"a {type(batch).__name__}; a DataLoader over one array yields inputs only"
    raise TypeError(
        f"{owner}: each batch must be a pair (inputs, targets), as a DataLoader over (X, y) "
        f"yields, got {what}"
    )


def _count(targets: Any) -> int:
    """The number of samples in a batch: the targets' first dim (1 for an unbatched sample,
    which ``DataLoader(batch_size=None)`` yields)."""
    if isinstance(targets, numbers.Number) or getattr(targets, "ndim", None) == 0:
        return 1
    return len(targets)


def _run_batch(model, batch, loss_fn, metrics, totals, owner: str) -> Tensor:
    """Forward one batch, add its loss and metrics (times the batch size) to ``totals``."""
    inputs, targets = _pair(batch, owner)
    output = model(inputs)
    loss = loss_fn(output, targets)
    n = _count(targets)
    reduction = getattr(loss_fn, "reduction", "mean")
    if reduction not in ("mean", "sum"):
        raise ValueError(
            f"{owner}: the loss must reduce each batch to one number (reduction='mean' or "
            f"'sum'), got reduction={reduction!r}"
        )
    # the batch's summed loss: a mean loss times the batch size, a summed one as it is
    summed_loss = loss.detach() * n if reduction == "mean" else loss.detach()
    metric_values = {name: m(output.detach(), targets) for name, m in metrics}
    for name, value in {
        "loss": summed_loss,
        **{k: v * n for k, v in metric_values.items()},
    }.items():
        totals[name] = totals.get(name, 0) + value  # stays on the device: no host round trip
    totals["count"] = totals.get("count", 0) + n
    return loss


def _means(totals: dict[str, Any], model: Any) -> dict[str, float]:
    if not totals:
        raise ValueError("fit/evaluate: the loader yielded no batches (is the dataset empty?)")
    count = totals.pop("count")
    # a metric may return a Tensor or a plain number
    sums = {
        name: float(total.item() if hasattr(total, "item") else total)
        for name, total in totals.items()
    }
    if isinstance(model, DistributedDataParallel):
        # every rank's sums and counts, added up: the means over all ranks' samples
        names = sorted(sums)
        together = Tensor(np.array([count] + [sums[name] for name in names]), device=cpu)
        distributed.all_reduce(together)
        count, *values = together.numpy().tolist()
        sums = dict(zip(names, values))
    return {name: total / count for name, total in sums.items()}


def evaluate(model, loader, loss_fn, metrics: Mapping[str, Metric] | None = None) -> dict:
    """Mean loss and metrics of ``model`` over ``loader``, in eval mode and without a graph.

    The means are per sample over the whole loader (each batch weighted by its size); batches
    are ``(inputs, targets)`` pairs, as for :func:`fit`. The model's mode is put back
    afterwards, also when a batch raises."""
    metrics = {"accuracy": accuracy} if metrics is None else metrics
    was_training = getattr(model, "training", True)
    model.eval()  # Dropout off, BatchNorm uses its running statistics
    totals: dict[str, Any] = {}
    try:
        with no_grad():  # nothing here is differentiated: record no graph
            for batch in loader:
                _run_batch(model, batch, loss_fn, metrics.items(), totals, "evaluate")
    finally:  # the caller's mode back, also when a batch fails
        model.train(was_training)
    return _means(totals, model)


def fit(
    model,
    train_loader,
    optimizer,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    epochs: int,
    val_loader=None,
    early_stopping=None,
    progress: bool = True,
    metrics: Mapping[str, Metric] | None = None,
    start_epoch: int = 0,
    history: dict | None = None,
    on_epoch_end: Callable[[int, dict], None] | None = None,
) -> dict:
    """Train ``model`` for epochs ``start_epoch .. epochs - 1``; return the history.

    Every batch must be a pair ``(inputs, targets)`` (what a DataLoader over ``(X, y)`` or over
    ``(x, y)`` samples yields; anything else is refused with a TypeError or ValueError).
    ``loss_fn`` must reduce a batch to one number: its mean (``reduction='mean'``, the default)
    or its sum (``'sum'``); the reported losses and metrics are then per-sample means over the
    whole dataset, however the last batch is cut.

    ``metrics`` maps names to ``metric(output, target)`` (default: ``{"accuracy": accuracy}``;
    pass ``{}`` for regression). The history holds one entry per epoch in ``train_loss``,
    ``val_loss``, ``train_<metric>`` and ``val_<metric>`` (the ``val_`` lists stay empty
    without ``val_loader``), the lr of every optimizer step in
    ``lr`` (param group 0), and ``best_epoch`` / ``stopped_epoch`` from ``early_stopping``.

    ``early_stopping`` (it needs ``val_loader``) gets the validation loss after each epoch, and
    ends training when it says so, with the best weights restored; if the epoch budget runs out
    first, the best weights are restored too. To resume, pass the saved ``history`` and the
    next ``start_epoch``; ``on_epoch_end(epoch, history)`` runs after each epoch (checkpoints).
    """
    if early_stopping is not None and val_loader is None:
        raise ValueError("fit: early_stopping watches the validation loss; pass val_loader too")
    metrics = {"accuracy": accuracy} if metrics is None else metrics
    if history is None:
        names = ["loss", *metrics]
        history = {f"{part}_{name}": [] for part in ("train", "val") for name in names}
        history.update(lr=[], best_epoch=None, stopped_epoch=None)
    if early_stopping is not None and early_stopping.stopped_epoch is not None:
        return history  # resumed from a run that had already stopped
    bar = tqdm(range(start_epoch, epochs), desc="epochs", unit="epoch", disable=not progress)
    for epoch in bar:
        model.train()
        sampler: Any = getattr(train_loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):  # a DistributedSampler: this epoch's order
            sampler.set_epoch(epoch)
        totals: dict[str, Any] = {}
        for batch in train_loader:
            loss = _run_batch(model, batch, loss_fn, metrics.items(), totals, "fit")
            optimizer.zero_grad()
            loss.backward()
            history["lr"].append(optimizer.param_groups[0]["lr"])  # the lr this step uses
            optimizer.step()
        results = {f"train_{name}": value for name, value in _means(totals, model).items()}
        if val_loader is not None:
            val = evaluate(model, val_loader, loss_fn, metrics)
            results.update({f"val_{name}": value for name, value in val.items()})
        for name, value in results.items():
            history[name].append(value)
        bar.set_postfix_str(", ".join(f"{name} {value:.4g}" for name, value in results.items()))
        stop = early_stopping is not None and early_stopping.step(results["val_loss"], model)
        if early_stopping is not None:
            history["best_epoch"] = early_stopping.best_epoch
            history["stopped_epoch"] = early_stopping.stopped_epoch
        if on_epoch_end is not None:
            on_epoch_end(epoch, history)
        if stop:
            break  # early_stopping has put the best epoch's weights back
    else:
        if early_stopping is not None:
            early_stopping.restore(model)  # the budget ran out first: go back to the best epoch
    bar.close()
    return history
