"""What one array operation costs the host on this GPU machine: CuPy's and PyTorch's, side by side.

    python benchmarks/gpu_costs.py            # a table of microseconds per call (about 20 s)

A training step of the small models here is hundreds of such calls on arrays of a few kilobytes,
so their host cost, not the GPU's arithmetic, sets the step's time (docs/gpu.md). Each row runs
one call many times after a warm-up and waits for the GPU once at the end: the time per call is
what the host spends launching it (the GPU keeps up). Shapes are the CNN step's at batch 256.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

CALLS = 2000


def per_call(function: Callable[[], Any], sync: Callable[[], Any]) -> float:
    """Microseconds per call of ``function``: the median of 5 runs of CALLS calls."""
    for _ in range(50):
        function()
    sync()
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(CALLS):
            function()
        sync()
        times.append((time.perf_counter() - start) / CALLS * 1e6)
    return sorted(times)[2]


def cupy_rows() -> dict[str, Callable[[], Any]]:
    import cupy as cp

    x, y, z = (cp.random.standard_normal((256, 10), dtype=cp.float32) for _ in range(3))
    a, b = cp.random.standard_normal((256, 1568), dtype=cp.float32), cp.ones((1568, 10), "f")
    rows, target = cp.arange(256), cp.arange(256) % 10
    big = cp.random.standard_normal((64, 32, 512), dtype=cp.float32)
    twice = cp.ElementwiseKernel("T x, T y", "T z", "z = x + y", "gpu_costs_add")
    row_sum = cp.ReductionKernel("T x", "T y", "x", "a + b", "y = a", "0", "gpu_costs_sum")
    return {
        "x + y": lambda: x + y,
        "add(x, y, out=z)": lambda: cp.add(x, y, out=z),
        "exp(x)": lambda: cp.exp(x),
        "ElementwiseKernel x + y": lambda: twice(x, y, z),
        "x.sum(axis=1, keepdims=True)": lambda: x.sum(axis=1, keepdims=True),
        "ReductionKernel, rows": lambda: row_sum(x, axis=1),
        "x.max(axis=1, keepdims=True)": lambda: x.max(axis=1, keepdims=True),
        "x.sum()": lambda: x.sum(),
        "x.argmax(axis=1)": lambda: x.argmax(axis=1),
        "x @ ones (256x10 @ 10)": lambda: x @ z[0],
        "arange(256)": lambda: cp.arange(256),
        "zeros((256, 10))": lambda: cp.zeros((256, 10), "f"),
        "empty((256, 10))": lambda: cp.empty((256, 10), "f"),
        "x[rows, target]": lambda: x[rows, target],
        "z[rows, target] = 1": lambda: z.__setitem__((rows, target), 1),
        "a @ b (256x1568 @ 1568x10)": lambda: a @ b,
        "big[3] (a view)": lambda: big[3],
        "big[:, :, 128:256] (a view)": lambda: big[:, :, 128:256],
        "x.reshape(-1)": lambda: x.reshape(-1),
        "big.transpose(2, 0, 1)": lambda: big.transpose(2, 0, 1),
        "broadcast_to(x[:, :1], x.shape)": lambda: cp.broadcast_to(x[:, :1], x.shape),
        "as_strided(x, ...)": lambda: cp.lib.stride_tricks.as_strided(x, (10, 256), (4, 40)),
        "expand_dims(rows, 0)": lambda: cp.expand_dims(rows, 0),
        "x.astype(float32) (a copy)": lambda: x.astype(cp.float32),
        "x.copy()": lambda: x.copy(),
        "where(x > 0, x, 0)": lambda: cp.where(x > 0, x, 0),
        "get_array_module(x)": lambda: cp.get_array_module(x),
        "x.flags.c_contiguous": lambda: x.flags.c_contiguous,
        "x.T": lambda: x.T,
        "ascontiguousarray(x)": lambda: cp.ascontiguousarray(x),
        "int(rows.max()) (a sync)": lambda: int(rows.max()),
    }


def torch_rows() -> dict[str, Callable[[], Any]]:
    import torch

    x, y, z = (torch.randn(256, 10, device="cuda") for _ in range(3))
    a, b = torch.randn(256, 1568, device="cuda"), torch.ones(1568, 10, device="cuda")
    rows, target = torch.arange(256, device="cuda"), torch.arange(256, device="cuda") % 10
    return {
        "x + y": lambda: x + y,
        "add(x, y, out=z)": lambda: torch.add(x, y, out=z),
        "exp(x)": lambda: torch.exp(x),
        "x.sum(axis=1, keepdims=True)": lambda: x.sum(dim=1, keepdim=True),
        "x.max(axis=1, keepdims=True)": lambda: x.amax(dim=1, keepdim=True),
        "x.sum()": lambda: x.sum(),
        "x.argmax(axis=1)": lambda: x.argmax(dim=1),
        "arange(256)": lambda: torch.arange(256, device="cuda"),
        "zeros((256, 10))": lambda: torch.zeros(256, 10, device="cuda"),
        "x[rows, target]": lambda: x[rows, target],
        "a @ b (256x1568 @ 1568x10)": lambda: a @ b,
        "int(rows.max()) (a sync)": lambda: int(rows.max()),
    }


def main() -> None:
    import cupy as cp

    costs: dict[str, dict[str, float]] = {}
    for row, function in cupy_rows().items():
        costs[row] = {"cupy": per_call(function, cp.cuda.Device().synchronize)}
    try:
        import torch

        for row, function in torch_rows().items():
            costs[row]["torch"] = per_call(function, torch.cuda.synchronize)
    except ImportError:
        pass
    print(f"{'host time per call, us':36s} {'cupy':>8s} {'torch':>8s}")
    for row, sides in costs.items():
        torch_cost = f"{sides['torch']:8.1f}" if "torch" in sides else f"{'':8s}"
        print(f"{row:36s} {sides['cupy']:8.1f} {torch_cost}")


if __name__ == "__main__":
    main()
