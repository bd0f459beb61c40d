"""The per-op cost of one checkout, for A/B comparisons between two checkouts of minigrad.

    python benchmarks/per_op_ab.py /path/to/checkout-a     # then the same for checkout-b, in turn

bench.py's per-op chain (200 elementwise ops on 4x4 float64, forward and backward), best of
7 repeats of 20 calls, in microseconds per op. Run the two checkouts in alternation a few times:
one number from a shared machine says little, pairs taken back to back say more.
"""

import os
import sys
import timeit

import numpy as np

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__) + "/..")
sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]

import bench  # noqa: E402  (from the checkout given, as is minigrad)

import minigrad  # noqa: E402

rng = np.random.default_rng(0)
x = minigrad.tensor(rng.standard_normal((4, 4)), requires_grad=True)
w = minigrad.tensor(rng.uniform(0.5, 1.0, (4, 4)), requires_grad=True)
seconds = min(
    timeit.repeat(lambda: bench.per_op_minigrad(x, w, bench.PER_OP_LENGTH), number=20, repeat=7)
)
print(f"{ROOT}: {seconds / 20 / bench.PER_OP_LENGTH * 1e6:.2f} us/op")
