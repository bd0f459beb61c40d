"""What tests/test_distributed.py runs under ``mpiexec -n 2``: one process per rank.

    python tests/distributed_worker.py OUT DEVICE SCENARIO [SCENARIO ...]

Each scenario trains something small and writes what it found to ``OUT/<scenario>_rank<r>.npz``;
the test reads every rank's file and compares. Nothing is asserted here, so that a failure
shows up in pytest as a comparison of values. Rank 0 also computes the single-process
reference where there is one.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

import minigrad
import minigrad.distributed as dist
import minigrad.nn as nn
from minigrad.data import DataLoader, DistributedSampler
from minigrad.nn.parallel import DistributedDataParallel
from minigrad.training import evaluate, fit
from optim import SGD, Adam
from regularizers import EarlyStopping

RANKS = 2


def write(out: str, scenario: str, **arrays: Any) -> None:
    np.savez(os.path.join(out, f"{scenario}_rank{dist.get_rank()}.npz"), **arrays)


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def regression_data(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)  # the same data on every rank
    X = rng.normal(size=(n, 5))
    return X, np.tanh(X @ rng.normal(size=(5, 3)))


def parameters(model: nn.Module) -> list[np.ndarray]:
    return [p.numpy().copy() for p in model.parameters()]


# ---- gradients: 2 ranks x 16 samples against 1 process x 32 -------------------------------------


def gradients(out: str) -> None:
    X, Y = regression_data(32)
    minigrad.manual_seed(100 + dist.get_rank())  # different weights per rank: DDP broadcasts 0's
    model = mlp()
    ddp = DistributedDataParallel(model, bucket_cap_mb=300 / 2**20)  # buckets [b2 W2 b1], [W1]
    loader = DataLoader((X, Y), batch_size=16, sampler=DistributedSampler((X, Y), seed=3))
    (x, y), *rest = list(loader)
    nn.MSELoss()(ddp(x), y).backward()
    found = {f"grad{i}": p.grad.numpy() for i, p in enumerate(model.parameters())}
    found["buckets"] = np.array([len(bucket) for bucket in ddp.buckets])
    found["batches"] = np.array(1 + len(rest))
    found["device"] = np.array(str(model[0].weight.device))
    if dist.get_rank() == 0:  # one process, all 32 samples, from the same (broadcast) weights
        alone = mlp()
        alone.load_state_dict(model.state_dict())
        nn.MSELoss()(alone(minigrad.tensor(X)), minigrad.tensor(Y)).backward()
        found.update({f"reference{i}": p.grad.numpy() for i, p in enumerate(alone.parameters())})
    write(out, "gradients", **found)


# ---- N optimizer steps: identical on every rank, equal to one process -------------------------


def steps(out: str) -> None:
    X, Y = regression_data(64)
    found = {}
    for name, make in (
        ("sgd", lambda ps: SGD(ps, lr=0.1, momentum=0.9)),
        ("adam", lambda ps: Adam(ps, lr=0.01)),
    ):
        minigrad.manual_seed(200 + dist.get_rank())
        model = mlp()
        initial = model.state_dict()  # rank 0's is what every rank starts from
        ddp = DistributedDataParallel(model)
        optimizer = make(ddp.parameters())
        sampler = DistributedSampler((X, Y), seed=5)
        loader = DataLoader((X, Y), batch_size=16, sampler=sampler)
        for epoch in range(3):  # 2 steps per epoch
            sampler.set_epoch(epoch)
            for x, y in loader:
                optimizer.zero_grad()
                nn.MSELoss()(ddp(x), y).backward()
                optimizer.step()
        found.update({f"{name}{i}": p for i, p in enumerate(parameters(model))})
        if dist.get_rank() == 0:  # the same steps in one process: both ranks' batches at once
            alone = mlp()
            alone.load_state_dict(initial)
            optimizer = make(alone.parameters())
            for epoch in range(3):
                shares = []
                for rank in range(RANKS):
                    share = DistributedSampler((X, Y), RANKS, rank, seed=5)
                    share.set_epoch(epoch)
                    shares.append(list(share))
                for start in range(0, len(shares[0]), 16):
                    rows = shares[0][start : start + 16] + shares[1][start : start + 16]
                    optimizer.zero_grad()
                    loss = nn.MSELoss()(alone(minigrad.tensor(X[rows])), minigrad.tensor(Y[rows]))
                    loss.backward()
                    optimizer.step()
            found.update({f"{name}_reference{i}": p for i, p in enumerate(parameters(alone))})
    write(out, "steps", **found)


# ---- the sampler under a real process group ----------------------------------------------------


def sampler(out: str) -> None:
    found = {}
    for epoch in range(2):
        share = DistributedSampler(range(37))  # 37: the last rank's share is padded
        share.set_epoch(epoch)
        found[f"epoch{epoch}"] = np.array(list(share))
    write(out, "sampler", **found)


# ---- early stopping decides alike on every rank ------------------------------------------------


def early_stopping(out: str) -> None:
    rng = np.random.default_rng(11)
    w = rng.normal(size=(4, 1))
    X, Xv = rng.normal(size=(64, 4)), rng.normal(size=(32, 4))
    y, yv = X @ w, Xv @ w
    yv[1::2] *= -1  # rank 1's validation shard (odd rows) gets worse as the model learns
    minigrad.manual_seed(0)
    model = DistributedDataParallel(nn.Linear(4, 1).double())
    optimizer = SGD(model.parameters(), lr=0.05)
    val_loader = DataLoader(
        (Xv, yv), batch_size=16, sampler=DistributedSampler((Xv, yv), shuffle=False)
    )
    # What this rank alone would decide from its own shard: a different epoch on each rank.
    alone, local_stop = EarlyStopping(patience=2), [-1]

    def on_epoch_end(epoch: int, history: dict) -> None:
        own = evaluate(model.module, val_loader, nn.MSELoss(), metrics={})["loss"]
        if alone.step(own) and local_stop[0] < 0:
            local_stop[0] = epoch

    history = fit(
        model,
        DataLoader((X, y), batch_size=8, sampler=DistributedSampler((X, y))),
        optimizer,
        nn.MSELoss(),
        epochs=20,
        val_loader=val_loader,
        early_stopping=EarlyStopping(patience=2),
        progress=False,
        metrics={},
        on_epoch_end=on_epoch_end,
    )
    write(
        out,
        "early_stopping",
        stopped_epoch=np.array(
            -1 if history["stopped_epoch"] is None else history["stopped_epoch"]
        ),
        local_stop=np.array(local_stop[0]),
        val_loss=np.array(history["val_loss"]),
    )


# ---- a rank-0 checkpoint resumes a 2-rank run bit for bit --------------------------------------


class Interrupted(Exception):
    pass


def resumable_run(
    checkpoint: str, epochs: int = 4, stop_after: int | None = None, resume: bool = False
) -> dict[str, Any] | None:
    """A small run with everything a rank keeps to itself: dropout (its own random stream) and
    BatchNorm (its own running statistics), saved and resumed as the example does."""
    import train_distributed  # examples/: its checkpoint functions are what is tested

    rng = np.random.default_rng(3)
    X = rng.normal(size=(96, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 1)
    minigrad.manual_seed(0)
    model = DistributedDataParallel(
        nn.Sequential(
            nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3)
        )
    )
    train_distributed.seed_dropout_per_rank(0)
    optimizer = Adam(model.parameters(), lr=0.01)
    stopper = EarlyStopping(patience=100)
    start, history = 0, None
    if resume:
        start, history = train_distributed.load_checkpoint(
            checkpoint, model.module, optimizer, stopper
        )

    def on_epoch_end(epoch: int, history: dict) -> None:
        train_distributed.save_checkpoint(
            checkpoint, model.module, optimizer, stopper, epoch + 1, history
        )
        if stop_after is not None and epoch + 1 >= stop_after:
            raise Interrupted

    try:
        history = fit(
            model,
            DataLoader((X, y), batch_size=8, sampler=DistributedSampler((X, y))),
            optimizer,
            nn.CrossEntropyLoss(),
            epochs,
            val_loader=DataLoader(
                (X[:32], y[:32]),
                batch_size=16,
                sampler=DistributedSampler((X[:32], y[:32]), shuffle=False),
            ),
            early_stopping=stopper,
            progress=False,
            start_epoch=start,
            history=history,
            on_epoch_end=on_epoch_end,
        )
    except Interrupted:
        return None
    state = {name: value for name, value in model.module.state_dict().items()}
    state["val_loss"] = np.array(history["val_loss"])
    state["train_loss"] = np.array(history["train_loss"])
    state["rng"] = np.array(minigrad.random.generator().integers(0, 2**62, size=4))
    return state


def resume_before(out: str) -> None:
    """The uninterrupted run, and a run interrupted after epoch 2 (its checkpoint stays)."""
    write(out, "uninterrupted", **resumable_run(os.path.join(out, "uninterrupted.npz")))
    resumable_run(os.path.join(out, "interrupted.npz"), stop_after=2)


def resume_after(out: str) -> None:
    """New processes: continue the interrupted run from rank 0's checkpoint."""
    write(out, "resumed", **resumable_run(os.path.join(out, "interrupted.npz"), resume=True))


# ---- mistakes every rank hears about ------------------------------------------------------------


def errors(out: str) -> None:
    """Each mistake must raise on every rank (a rank that raised alone would leave the others
    waiting); the messages are written for the test to read."""
    rank, messages = dist.get_rank(), []
    mistakes = [
        lambda: dist.all_reduce(minigrad.zeros(3 + rank)),  # MPI alone: wrong values on rank 1
        lambda: dist.broadcast(
            minigrad.zeros(2, dtype=minigrad.float64 if rank else minigrad.float32)
        ),
        lambda: DistributedDataParallel(nn.Linear(3, 2 + rank)),
    ]
    for mistake in mistakes:
        try:
            mistake()
            messages.append("no error")
        except RuntimeError as error:
            messages.append(str(error))
    write(out, "errors", messages=np.array(messages))


SCENARIOS = {
    "errors": errors,
    "gradients": gradients,
    "steps": steps,
    "sampler": sampler,
    "early_stopping": early_stopping,
    "resume_before": resume_before,
    "resume_after": resume_after,
}


def main() -> None:
    out, device, *scenarios = sys.argv[1:]
    if device == "fakegpu":
        import fake_device  # noqa: F401  (tests/, next to this file: registers the stand-in GPU)
    minigrad.set_default_device(device)
    dist.init_process_group("mpi")
    for scenario in scenarios:
        SCENARIOS[scenario](out)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
