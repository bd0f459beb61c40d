"""Data-parallel training: the digits classifier on several processes, gradients averaged by MPI.

    mpiexec -n 2 python examples/train_distributed.py     # two processes (ranks)
    python examples/train_distributed.py                  # the same script, one process
    mpiexec -n 2 python examples/train_distributed.py --save run.npz --stop-after 2
    mpiexec -n 2 python examples/train_distributed.py --resume run.npz

Every rank builds the same model (rank 0's weights are broadcast to the others), trains on its
own shard of every epoch (``DistributedSampler``), and after each ``backward()``
``DistributedDataParallel`` averages the gradients over the ranks, so that every rank takes the
same optimizer step: one model, trained on n shards at once. The losses printed are averaged
over all ranks; only rank 0 prints and writes checkpoints.

What it shows: which samples each rank gets; that the averaged loss falls as in one process;
the time per epoch on n ranks against one process (rank 0 times an epoch alone first);
checkpoints that hold what all ranks share once and each rank's own state (its random stream
for dropout, its BatchNorm statistics) so that a resumed run continues exactly.
Figure: runs/train_distributed.png (loss per epoch, time per epoch).

Without mpi4py installed (pip install -e ".[dist]") it runs as one process on the "single"
backend. docs/distributed.md explains the ideas and the measured numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from typing import Any

import common
import matplotlib.pyplot as plt
import numpy as np
import train_classifier

import minigrad
import minigrad.distributed as dist
import minigrad.nn as nn
from minigrad.data import DataLoader, DistributedSampler, load_digits, train_val_test_split
from minigrad.nn.parallel import DistributedDataParallel
from minigrad.training import evaluate, fit
from optim import Adam
from regularizers import EarlyStopping


def build_parser() -> argparse.ArgumentParser:
    p = common.parser(__doc__)
    p.add_argument(
        "--epochs", type=int, default=None, help="epochs to train (default: 8, or 2 with --quick)"
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=32,
        help="samples per rank per step; one step sees batch-size x ranks samples "
        "(default: %(default)s)",
    )
    p.add_argument("--lr", type=float, default=0.005, help="Adam's lr (default: %(default)s)")
    p.add_argument(
        "--patience",
        type=int,
        default=3,
        help="early stopping on the averaged validation loss (default: %(default)s)",
    )
    p.add_argument(
        "--bucket-cap-mb",
        type=float,
        default=25.0,
        help="gradients all-reduced together, at most this many MB (default: %(default)s)",
    )
    p.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip timing one epoch on rank 0 alone (the one-process figure)",
    )
    p.add_argument("--save", default=None, help="rank 0 writes a checkpoint here every epoch")
    p.add_argument("--resume", default=None, help="continue the run saved in this checkpoint")
    p.add_argument(
        "--stop-after",
        type=int,
        default=None,
        help="stop after this many epochs, as if interrupted (try --resume)",
    )
    return p


def build_model() -> nn.Module:
    """train_classifier.py's CNN, with dropout: 1x8x8 -> 16x4x4 -> 32x2x2 -> 10 classes."""
    return train_classifier.build_model("cnn", dropout=0.2)


def seed_dropout_per_rank(seed: int) -> None:
    """Give each rank its own random stream from here on (dropout masks), drawn from
    (seed, rank) so a run is still reproducible. Initial weights and the data order were
    seeded alike on every rank, before this."""
    state = np.random.SeedSequence([seed, dist.get_rank()]).generate_state(1)[0]
    minigrad.manual_seed(int(state))


# ---- checkpoints: shared state once, each rank's own state in a list ---------------------------


def save_checkpoint(
    path: str, model: nn.Module, optimizer: Any, early_stopping: Any, epoch: int, history: dict
) -> None:
    """Rank 0 writes the checkpoint; every rank waits until it is complete (``barrier``).

    The parameters and the optimizer's state are the same on every rank (the same averaged
    gradients, the same steps), so rank 0's copy is saved once. What differs per rank is
    gathered to rank 0 and saved as a list: its random stream (dropout), its BatchNorm
    running statistics, and its early stopper (whose best weights include them).
    """
    own = {
        "rng_state": minigrad.get_rng_state(),
        "buffers": {name: buffer.numpy() for name, buffer in model.named_buffers()},
        "early_stopping": early_stopping.state_dict(),
    }
    every_rank: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(every_rank, own)
    if dist.get_rank() == 0:
        minigrad.save(
            {
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "epoch": epoch,
                "history": history,
                "ranks": every_rank,
            },
            path,  # written atomically: a crash leaves the previous checkpoint
        )
    dist.barrier()  # no rank reads the file, or goes on to overwrite it, before it is complete


def load_checkpoint(path: str, model: nn.Module, optimizer: Any, early_stopping: Any):
    """Every rank reads the checkpoint (on several machines: a shared folder) and takes the
    shared state and its own. Returns the epoch to start from and the history so far."""
    checkpoint = minigrad.load(path)
    ranks = checkpoint["ranks"]
    if len(ranks) != dist.get_world_size():
        raise SystemExit(
            f"error: {path} holds the state of {len(ranks)} ranks, this run has "
            f"{dist.get_world_size()}; resume with mpiexec -n {len(ranks)}"
        )
    own = ranks[dist.get_rank()]
    model.load_state_dict(checkpoint["model"])
    model.load_state_dict(own["buffers"], strict=False)  # this rank's BatchNorm statistics
    optimizer.load_state_dict(checkpoint["optimizer"])
    early_stopping.load_state_dict(own["early_stopping"])
    minigrad.set_rng_state(own["rng_state"])
    return checkpoint["epoch"], checkpoint["history"]


# ---- the one-process figure -------------------------------------------------------------------


def time_one_process_epoch(
    args: argparse.Namespace, train: tuple, val: tuple, device: Any
) -> float:
    """Rank 0 trains a copy of the model on the whole training set alone for two epochs, with
    the same samples per step as all ranks together, and measures the validation loss, as an
    epoch of ``fit`` does; the others wait (sleeping, not spinning). Returns the seconds the
    second epoch took, on every rank."""
    seconds = np.zeros(1)
    state = minigrad.get_rng_state()  # the run itself must not depend on whether this ran
    if dist.get_rank() == 0:
        model = build_model().to(device)
        loader = DataLoader(
            train, batch_size=args.batch_size * dist.get_world_size(), shuffle=True, device=device
        )
        optimizer = Adam(model.parameters(), lr=args.lr)
        loss_fn = nn.CrossEntropyLoss()
        for _ in range(2):  # the first epoch warms up (first calls, memory): time the second
            start = time.perf_counter()
            for inputs, targets in loader:  # what fit does
                loss = loss_fn(model(inputs), targets)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            evaluate(model, DataLoader(val, batch_size=256, device=device), loss_fn)
            seconds[0] = time.perf_counter() - start
    minigrad.set_rng_state(state)
    dist.barrier()
    total = minigrad.tensor(seconds, device="cpu")
    dist.broadcast(total, src=0)
    return float(total.item())


def main() -> None:
    args = build_parser().parse_args()
    dist.init_process_group("mpi" if dist.is_available() else "single")
    rank, world_size = dist.get_rank(), dist.get_world_size()
    device = common.setup(args)  # the same seed on every rank: the same split, the same init
    args.epochs = args.epochs or (2 if args.quick else 8)
    say = print if rank == 0 else (lambda *a, **k: None)

    X, y = load_digits(as_images=True)
    train, val, test = train_val_test_split(X, y, seed=args.seed)
    # One order per epoch, drawn alike on every rank from (seed, epoch); each takes its share.
    sampler = DistributedSampler(train, seed=args.seed)
    train_loader = DataLoader(train, batch_size=args.batch_size, sampler=sampler, device=device)
    # Validation and test are sharded too; fit/evaluate all-reduce the sums, so every rank
    # sees the mean over all samples (padding repeats at most world_size - 1 of them).
    val_loader = DataLoader(
        val, batch_size=256, sampler=DistributedSampler(val, shuffle=False), device=device
    )
    test_loader = DataLoader(
        test, batch_size=256, sampler=DistributedSampler(test, shuffle=False), device=device
    )

    shards: list[Any] = [None] * world_size
    dist.all_gather_object(shards, list(sampler)[:6])
    say(f"{dist.get_backend()} backend, {world_size} rank(s) on {device}")
    say(f"digits: {len(train[0])} train, {len(val[0])} validation, {len(test[0])} test")
    for r, first in enumerate(shards):
        say(f"  rank {r}: {len(sampler)} training samples per epoch, epoch 0 starts with {first}")

    baseline = None
    if world_size > 1 and not args.no_baseline and not args.resume:
        baseline = time_one_process_epoch(args, train, val, device)
        say(f"one process alone: {baseline:.2f} s for one epoch")

    model = DistributedDataParallel(build_model().to(device), bucket_cap_mb=args.bucket_cap_mb)
    say(f"gradient buckets (last layer first): {[len(b) for b in model.buckets]} parameters")
    seed_dropout_per_rank(args.seed)
    optimizer = Adam(model.parameters(), lr=args.lr)
    early_stopping = EarlyStopping(patience=args.patience)
    start_epoch, history = 0, None
    if args.resume:
        start_epoch, history = load_checkpoint(args.resume, model.module, optimizer, early_stopping)
        args.save = args.save or args.resume
        say(f"resumed {args.resume} after epoch {start_epoch}")

    epoch_seconds: list[float] = []
    started = [time.perf_counter()]

    def on_epoch_end(epoch: int, history: dict) -> None:
        epoch_seconds.append(time.perf_counter() - started[0])
        say(
            f"epoch {epoch + 1}: loss {history['train_loss'][-1]:.4f} (averaged over "
            f"{world_size} rank(s)), validation loss {history['val_loss'][-1]:.4f}, "
            f"{epoch_seconds[-1]:.2f} s"
        )
        if args.save:
            save_checkpoint(args.save, model.module, optimizer, early_stopping, epoch + 1, history)
        if args.stop_after is not None and epoch + 1 >= args.stop_after:
            say(f"stopping after epoch {epoch + 1}, as asked; continue with --resume")
            raise SystemExit(0)
        started[0] = time.perf_counter()  # the checkpoint is not part of the epoch's time

    history = fit(
        model,
        train_loader,
        optimizer,
        nn.CrossEntropyLoss(),
        args.epochs,
        val_loader=val_loader,
        early_stopping=early_stopping,
        progress=False,
        start_epoch=start_epoch,
        history=history,
        on_epoch_end=on_epoch_end,
    )
    test_result = evaluate(model, test_loader, nn.CrossEntropyLoss())
    # Every rank holds the same parameters, bit for bit: compare a hash of their bytes.
    digest = hashlib.sha256(b"".join(p.numpy().tobytes() for p in model.parameters()))
    digests: list[Any] = [None] * world_size
    dist.all_gather_object(digests, digest.hexdigest())

    mean_epoch = float(np.median(epoch_seconds)) if epoch_seconds else float("nan")
    say(f"test accuracy {test_result['accuracy']:.2%}, test loss {test_result['loss']:.4f}")
    say(f"parameters identical on every rank: {len(set(digests)) == 1}")
    say(f"time per epoch on {world_size} rank(s): {mean_epoch:.2f} s (median)")
    if baseline is not None:
        say(f"one process: {baseline:.2f} s per epoch; speed-up {baseline / mean_epoch:.2f}x")
    if rank == 0:
        fig = plot(history, epoch_seconds, baseline, world_size)
        common.save_figure(fig, args, "train_distributed.png")
        common.notice(
            f"Each rank trained on {len(sampler)} samples per epoch, 1/{world_size} of the "
            "data; the loss printed is the mean over all ranks (fit all-reduces its sums).",
            "The parameters end identical on every rank: the same start (broadcast from rank "
            "0) and the same averaged gradient at every step.",
            "Every step ends in an all-reduce that waits for the slowest rank: on a machine "
            "with fewer free cores than ranks that wait, not the bytes sent, decides the time "
            "(docs/distributed.md measures where it goes and models larger machines).",
        )
    dist.destroy_process_group()


def plot(history: dict, epoch_seconds: list[float], baseline: float | None, world_size: int):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    ax = axes[0]
    ax.plot(epochs, history["train_loss"], "o-", label="train (averaged over ranks)")
    ax.plot(epochs, history["val_loss"], "o-", label="validation (averaged over ranks)")
    ax.set(xlabel="epoch", ylabel="loss", yscale="log", title="Loss per epoch")
    ax.legend()
    ax.grid(alpha=0.3)
    common.integer_epoch_ticks(ax)
    ax = axes[1]
    labels, values = [], []
    if baseline is not None:
        labels.append("1 process")
        values.append(baseline)
    if epoch_seconds:
        labels.append(f"{common.plural(world_size, 'rank')}")
        values.append(float(np.median(epoch_seconds)))
    ax.bar(labels, values, color=["0.6", "tab:blue"][-len(values) :])
    ax.set(ylabel="seconds per epoch", title="Time per epoch (median)")
    ax.grid(alpha=0.3, axis="y")
    return fig


if __name__ == "__main__":
    main()
