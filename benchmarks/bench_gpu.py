"""minigrad on CuPy against PyTorch CUDA, in one run on the same GPU.

    python benchmarks/bench_gpu.py            # every workload (about a minute on a warm GPU)
    python benchmarks/bench_gpu.py --quick    # fewer repeats (scripts/gpu-check runs this)
    python benchmarks/bench_gpu.py --json results.json

The workloads are bench.py's, built by the same functions (PyTorch's side by torch_workloads.py),
at GPU-sized batches:

1. MLP step 784-256-128-10, Adam, at batch 512 and 4096.
2. CNN step (conv 3x3x8, ReLU, max-pool 2, linear 10), SGD, at batch 256.
3. LSTM step (1 layer, hidden 128, 64 steps, batch 32, Adam), bench.py's size: thousands of small
   kernels, where launch overhead decides.
4. Tiny-GPT step (2 blocks, width 64, context 64, batch 32, Adam), bench.py's size.
5. Per-op launch overhead: 200 elementwise ops on 4x4 float64, forward and backward.

Every timed call ends in ``loss.item()``, which waits for the GPU, so a timed step is a finished
step (synchronised wall time). Both sides are warmed up first (CuPy compiles each kernel on first
use), then take turns call by call (bench.compare); medians of the per-repeat ratios are printed.
PyTorch is needed only here, never by minigrad; without it the torch column is left out.
Unlike bench.py on the CPU, both frameworks run in one process: on the GPU their kernels do not
compete for CPU threads, and the per-repeat ratios need the pairing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the workloads live there, one home for each)

import minigrad  # noqa: E402

try:  # an optional column: PyTorch is never a dependency
    import torch_workloads
except ImportError:
    torch_workloads = None


def mlp_sides(batch: int, device: str) -> dict[str, Callable[[], float]]:
    weights, x, labels = bench.mlp_start(batch=batch)
    sides = {"minigrad": minigrad_side(bench.mlp_minigrad, weights, x, labels, device)}
    if torch_workloads is not None:
        sides["torch"] = torch_workloads.mlp_torch(weights, x, labels, device)
    return sides


def cnn_sides(batch: int, device: str) -> dict[str, Callable[[], float]]:
    weights, x, labels = bench.cnn_start(batch)
    sides = {"minigrad": minigrad_side(bench.cnn_minigrad, weights, x, labels, device)}
    if torch_workloads is not None:
        sides["torch"] = torch_workloads.cnn_torch(weights, x, labels, device)
    return sides


def lstm_sides(device: str) -> dict[str, Callable[[], float]]:
    weights, x, labels = bench.lstm_start()  # bench.py's size: it is a per-step cost already
    sides = {"minigrad": minigrad_side(bench.lstm_minigrad, weights, x, labels, device)}
    if torch_workloads is not None:
        sides["torch"] = torch_workloads.lstm_torch(weights, x, labels, device)
    return sides


def gpt_sides(device: str) -> dict[str, Callable[[], float]]:
    weights, ids, targets = bench.gpt_start()
    flat_targets = targets.reshape(-1)  # one per position, as the model's rows of scores
    sides = {"minigrad": minigrad_side(bench.gpt_minigrad, weights, ids, flat_targets, device)}
    if torch_workloads is not None:
        sides["torch"] = torch_workloads.gpt_torch(weights, ids, targets, device)
    return sides


def minigrad_side(
    build: Callable, weights: list, x: Any, labels: Any, device: str
) -> Callable[[], float]:
    model, optimizer = build(weights, device)
    x_mg, labels_mg = minigrad.tensor(x, device=device), minigrad.tensor(labels, device=device)
    return lambda: bench.minigrad_train_step(model, optimizer, x_mg, labels_mg)


def per_op_sides(device: str) -> dict[str, Callable[[], float]]:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((4, 4)), rng.uniform(0.5, 1.0, (4, 4))
    x_mg = minigrad.tensor(x, requires_grad=True, device=device)
    w_mg = minigrad.tensor(w, requires_grad=True, device=device)
    sides = {"minigrad": lambda: bench.per_op_minigrad(x_mg, w_mg, bench.PER_OP_LENGTH)}
    if torch_workloads is not None:
        sides["torch"] = torch_workloads.per_op_torch(x, w, bench.PER_OP_LENGTH, device)
    return sides


WORKLOADS: dict[str, tuple[Callable[[str], dict[str, Callable[[], float]]], int]] = {
    # name: (the sides, calls per timed block)
    "MLP step, batch 512": (lambda device: mlp_sides(512, device), 20),
    "MLP step, batch 4096": (lambda device: mlp_sides(4096, device), 10),
    "CNN step, batch 256": (lambda device: cnn_sides(256, device), 10),
    "LSTM step, 64 steps, batch 32": (lstm_sides, 5),
    "tiny-GPT step, context 64, batch 32": (gpt_sides, 5),
    "per-op, 200 ops on 4x4 float64": (per_op_sides, 5),
}


def check_agreement(sides: dict[str, Callable[[], float]]) -> float:
    """Both sides start from the same weights and data: their first losses must agree."""
    losses = [side() for side in sides.values()]
    return max(losses) - min(losses)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (gpu-check)")
    parser.add_argument("--json", metavar="PATH", help="also write the results to PATH")
    args = parser.parse_args()
    if not minigrad.cuda.is_available():
        print("bench_gpu.py: needs CuPy and a CUDA GPU, and none is usable here", file=sys.stderr)
        return 2
    global torch_workloads
    if torch_workloads is not None and not torch_workloads.torch.cuda.is_available():
        print("bench_gpu.py: PyTorch sees no GPU; timing minigrad alone", file=sys.stderr)
        torch_workloads = None
    warmup, repeats = (3, 5) if args.quick else (5, 15)
    results: dict[str, Any] = {}
    print(f"{'workload':36s} {'minigrad ms':>12s} {'torch ms':>10s} {'minigrad/torch':>22s}")
    for name, (make_sides, calls) in WORKLOADS.items():
        sides = make_sides("cuda")
        gap = check_agreement(sides)
        times = bench.compare(sides, calls, warmup, repeats)
        row: dict[str, Any] = {side: bench.summary(t) for side, t in times.items()}
        line = f"{name:36s} {row['minigrad']['median'] * 1e3:12.3f}"
        if "torch" in times:
            row["ratio"] = bench.ratios(times["minigrad"], times["torch"])
            row["first_loss_gap"] = gap
            line += f" {row['torch']['median'] * 1e3:10.3f} {bench.spread(row['ratio']):>22s}"
        results[name] = row
        print(line, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
