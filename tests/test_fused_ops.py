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
from minigrad.nn.attention import attend
from minigrad.ops.attention import SelfAttention
from minigrad.ops.reduction import Softmax

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
            found += list(mg.grad(total, inputs, allow_unused=True))  # (a bias's is None)
        results.append(found)
    for got, expected in zip(*results):
        assert (got is None) == (expected is None)
        if got is None:
            continue
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


# ---- LayerNorm ----------------------------------------------------------------------------------
def composed_layer_norm(x, shape, weight=None, bias=None, eps=1e-5):
    """F.layer_norm as it was: (x - mean) * (var + eps)^-1/2 * weight + bias, over the last
    len(shape) dims, in ops."""
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    centered = x - x.mean(axis=axes, keepdims=True)
    variance = (centered * centered).mean(axis=axes, keepdims=True)
    out = centered * (variance + eps) ** -0.5
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


@pytest.mark.parametrize(
    "x_shape, shape",
    [((4, 6, 5), (5,)), ((3, 2, 4), (2, 4)), ((7,), (7,)), ((2, 1, 3, 4), (3, 4))],
    ids=["last_dim", "two_dims", "unbatched", "two_leading_dims"],
)
@pytest.mark.parametrize(
    "has_weight, has_bias",
    [(True, True), (True, False), (False, True), (False, False)],
    ids=["weight_and_bias", "weight", "bias", "neither"],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layer_norm_is_its_composed_formula(x_shape, shape, has_weight, has_bias, dtype):
    arrays = [rng.normal(1.5, 3.0, x_shape)]  # mean and spread away from 0 and 1
    arrays += [rng.normal(size=shape) for present in (has_weight, has_bias) if present]

    def with_affine(layer_norm):
        def run(x, *params):
            weight = params[0] if has_weight else None
            bias = params[-1] if has_bias else None
            return layer_norm(x, shape, weight, bias, 1e-3)

        return run

    compare(
        with_affine(F.layer_norm),
        with_affine(composed_layer_norm),
        arrays,
        dtype,
        second_order=dtype == np.float64,
    )


def test_layer_norm_of_a_constant_row_is_zero_with_a_finite_gradient():
    """var = 0: n = 0 / sqrt(eps), and the gradient 1/sqrt(eps) times a centred dn."""
    x = mg.tensor(np.full((2, 4), 3.0), requires_grad=True)
    out = F.layer_norm(x, 4)
    np.testing.assert_array_equal(out.numpy(), np.zeros((2, 4)))
    g = np.arange(8.0).reshape(2, 4)
    (out * mg.tensor(g)).sum().backward()
    expected = (g - g.mean(axis=1, keepdims=True)) / math.sqrt(1e-5)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_layer_norm_of_integers_is_computed_in_the_default_float_dtype():
    out = F.layer_norm(mg.tensor([[1, 2, 3], [4, 5, 7]]), 3)
    assert out.dtype == mg.get_default_dtype()
    x = np.array([[1, 2, 3], [4, 5, 7]], dtype=np.float64)
    expected = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_layer_norm_weight_changed_in_place_before_backward_is_caught():
    x = mg.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    weight = mg.tensor(rng.normal(size=3), requires_grad=True)
    out = F.layer_norm(x, 3, weight)
    with mg.no_grad():
        weight.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"input 1 of LayerNorm .* modified in place"):
        out.sum().backward()


# ---- softmax with attention's mask folded in ---------------------------------------------------
def composed_masked_softmax(scores, keep):
    """attention's softmax as it was: where(keep, scores, -inf), then a softmax whose rows of
    only -inf give 0."""
    masked = mg.where(mg.tensor(keep), scores, -math.inf)
    return Softmax.apply(masked, axis=masked.ndim - 1, empty_rows_zero=True)


def row_softmax(scores):
    """The formula, row by row in NumPy (float64), each row shifted by its own maximum."""
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("mask", ["causal", "random_with_blind_rows"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_masked_softmax_is_where_then_softmax(mask, dtype):
    scores = rng.normal(size=(2, 3, 5, 5)) * 3
    if mask == "causal":
        keep = np.tril(np.ones((5, 5), dtype=bool))
    else:
        keep = rng.random((2, 1, 5, 5)) > 0.4
        keep[0, 0, 2] = False  # a query that may look at no key: weights 0, gradient 0
    on_device = mg.tensor(keep).data  # a raw array param, on the default device
    compare(
        lambda s: Softmax.apply(s, axis=3, keep=on_device, empty_rows_zero=True),
        lambda s: composed_masked_softmax(s, keep),
        [scores],
        dtype,
        second_order=dtype == np.float64,
    )
    weights = Softmax.apply(mg.tensor(scores), axis=3, keep=on_device, empty_rows_zero=True)
    weights = weights.numpy()
    assert np.all(weights[~np.broadcast_to(keep, weights.shape)] == 0)
    visible = np.where(keep, scores, -np.inf)
    blind = ~keep.any(axis=-1, keepdims=True)
    expected = np.where(blind, 0.0, row_softmax(np.where(blind, 0.0, visible)))
    np.testing.assert_allclose(weights, expected, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_rows_far_below_the_largest_use_their_own_maximum(dtype):
    """The CPU shifts every row by the largest value of all, unless a row would underflow."""
    offsets = np.array([[0.0], [-30.0], [-120.0], [-1000.0]])
    scores = rng.normal(size=(4, 6)) + offsets
    out = mg.softmax(mg.tensor(scores.astype(dtype)), dim=1).numpy()
    np.testing.assert_allclose(out, row_softmax(scores.astype(dtype).astype(np.float64)), rtol=1e-5)
    assert np.all(np.isfinite(out)) and np.all(out > 0)


def test_softmax_keeps_a_nan_or_inf_in_its_own_row():
    scores = mg.tensor(np.array([[np.nan, 1.0], [np.inf, 1.0], [1.0, 2.0]]))
    with np.errstate(invalid="ignore"):  # inf - inf, on purpose
        out = mg.softmax(scores, dim=1).numpy()
    assert np.all(np.isnan(out[:2]))
    np.testing.assert_allclose(out[2], row_softmax(np.array([1.0, 2.0])), rtol=1e-12)


def test_softmax_along_a_leading_axis_is_its_formula():
    scores = rng.normal(size=(4, 3, 2))
    out = mg.softmax(mg.tensor(scores), dim=0).numpy()
    expected = np.moveaxis(row_softmax(np.moveaxis(scores, 0, -1)), -1, 0)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


# ---- self-attention on packed projections -------------------------------------------------------
def composed_self_attention(qkv, heads, keep):
    """MultiheadAttention's core as it was (and still is when the weights are asked for):
    chunk, split the heads, attend, merge the heads."""
    n, length, width = qkv.shape
    size = width // 3 // heads

    def split(x):
        return x.reshape(n, length, heads, size).transpose(1, 2)

    q, k, v = qkv.chunk(3, dim=-1)
    out, _ = attend(split(q), split(k), split(v), keep=keep)
    return out.transpose(1, 2).reshape(n, length, heads * size)


@pytest.mark.parametrize("mask", ["none", "causal", "causal_and_padding_with_a_blind_query"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_self_attention_is_its_composed_ops(mask, dtype):
    n, length, heads, size = 2, 4, 2, 3
    keep = None
    if mask != "none":
        keep = np.tril(np.ones((length, length), dtype=bool))
    if mask == "causal_and_padding_with_a_blind_query":
        padded = np.zeros((n, 1, 1, length), dtype=bool)
        padded[1, ..., 0] = True  # sample 1 hides key 0: its query 0 may look at nothing
        keep = keep & ~padded
    on_device = None if keep is None else mg.tensor(keep).data

    def fused(qkv):
        return SelfAttention.apply(
            qkv, heads=heads, scale=size**-0.5, keep=on_device, empty_rows_zero=keep is not None
        )

    compare(
        fused,
        lambda qkv: composed_self_attention(qkv, heads, on_device),
        [rng.normal(size=(n, length, 3 * heads * size))],
        dtype,
        second_order=dtype == np.float64,
    )


def test_multihead_attention_takes_the_one_op_only_when_nothing_else_is_asked_for(monkeypatch):
    """Weights asked for, a float mask, dropout or separate key and value: the composed ops."""
    used = []
    original = SelfAttention.apply.__func__
    monkeypatch.setattr(
        SelfAttention,
        "apply",
        classmethod(lambda cls, *a, **k: used.append(1) or original(cls, *a, **k)),
    )
    layer = mg.nn.MultiheadAttention(4, 2, dropout=0.5, batch_first=True)
    x, other = mg.randn(2, 3, 4), mg.randn(2, 3, 4)
    layer.eval()
    layer(x, x, x, need_weights=False)
    assert len(used) == 1
    layer(x, x, x)  # the weights are returned
    layer(x, x, x, need_weights=False, attn_mask=mg.zeros(3, 3))  # a float mask, added
    layer(x, other, other, need_weights=False)  # not self-attention
    layer.train()
    layer(x, x, x, need_weights=False)  # dropout on the weights
    assert len(used) == 1


def test_a_nan_score_at_a_masked_place_spreads_to_its_row_as_in_pytorch():
    """The mask is added to the scores (-inf), as PyTorch adds it: NaN + -inf is NaN. (Replacing
    masked scores with where() would hide it, and cost a second full pass.)"""
    scores = np.array([[1.0, np.nan], [1.0, 2.0]])
    keep = mg.tensor(np.array([[True, False], [True, True]])).data
    with np.errstate(invalid="ignore"):
        weights = Softmax.apply(mg.tensor(scores), axis=1, keep=keep, empty_rows_zero=True)
    assert np.isnan(weights.numpy()[0]).all()
    np.testing.assert_allclose(weights.numpy()[1], row_softmax(scores[1]), rtol=1e-12)
