"""Ops fused into one Function for speed compute what the composed ops they replaced computed.

Each fused op is compared with its formula written out in minigrad's elementwise ops (the
implementation it replaced) on random inputs: values, first derivatives in float64 and float32,
and second derivatives in float64 (its recorded backward, create_graph=True).
"""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F

rng = np.random.default_rng(20)
TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-6)}


def compare(fused, composed, arrays, dtype, second_order):
    """fused(*tensors) against composed(*tensors): values, gradients under a random weighting
    of the outputs, and (if asked) the gradients of a random weighting of those gradients."""
    inputs = [mg.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    results = []
    for function in (fused, composed):
        out = function(*inputs)
        weights = mg.tensor(np.random.default_rng(0).standard_normal(out.shape).astype(dtype))
        grads = mg.grad((out * weights).sum(), inputs, create_graph=second_order)
        found = [out] + list(grads)
        if second_order:
            probes = [mg.tensor(np.random.default_rng(1).standard_normal(g.shape)) for g in grads]
            total = sum((g * p).sum() for g, p in zip(grads, probes))
            found += list(mg.grad(total, inputs))
        results.append(found)
    for got, expected in zip(*results):
        assert got.dtype == expected.dtype == dtype
        np.testing.assert_allclose(got.numpy(), expected.numpy(), **TOLERANCE[dtype])


# ---- GELU ---------------------------------------------------------------------------------------
def composed_gelu(x, approximate):
    """F.gelu as it was: x/2 (1 + erf(x / sqrt 2)), or its tanh form
    x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate == "none":
        return x * 0.5 * (1.0 + F.erf(x * (1 / math.sqrt(2))))
    inner = (x + 0.044715 * x * x * x) * math.sqrt(2 / math.pi)
    return x * 0.5 * (1.0 + mg.tanh(inner))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gelu_is_its_composed_formula(approximate, dtype):
    x = rng.uniform(-6, 6, (5, 7))
    x[0, :3] = [0.0, -0.0, 1e-30]  # around 0, where z = x Phi(x) passes through 0
    compare(
        lambda a: F.gelu(a, approximate),
        lambda a: composed_gelu(a, approximate),
        [x],
        dtype,
        second_order=dtype == np.float64,
    )


def test_gelu_of_integers_is_computed_in_the_default_float_dtype():
    out = F.gelu(mg.tensor([-1, 0, 2]))
    assert out.dtype == mg.get_default_dtype()
    expected = [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in (-1, 0, 2)]
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
