"""Element-by-element loops as one CUDA kernel each, for the GPU (CuPy); the one home of the
kernel cache that ``optim.fused`` and the ops' GPU paths share.

On a GPU every array operation is a kernel launch, which costs several microseconds of Python and
driver time however small the array: on the H200 machine of docs/gpu.md, 15-50 us each. Where a
step is many small operations (an LSTM time step, an optimizer's update) those launches, not the
arithmetic, are its cost. A kernel here does the same equations as the plain array code beside
it, element by element, in one launch. The plain code stays the reference: it runs on the CPU
(NumPy has no such kernels), and the GPU tests compare the two.

The kernels are CuPy ``ElementwiseKernel``s: a CUDA C body run once per element ``i``, with ``T``
the arrays' dtype (float or double). CuPy compiles each on first use and caches it on disk.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_KERNELS: dict[str, Any] = {}


def usable(xp: Any, array: Any) -> bool:
    """True when ``array`` is a CuPy array of float32 or float64: the kernels' domain."""
    return getattr(xp, "__name__", "") == "cupy" and array.dtype in (np.float32, np.float64)


def kernel(name: str, inputs: str, outputs: str, body: str) -> Any:
    """The ElementwiseKernel ``minigrad_<name>`` (built once, then taken from the cache)."""
    found = _KERNELS.get(name)
    if found is None:
        import cupy

        found = _KERNELS[name] = cupy.ElementwiseKernel(inputs, outputs, body, f"minigrad_{name}")
    return found
