"""The one registry of differentiable ops, with sample inputs, that drives the gradient checks.

Each ``OpCase`` is a function of tensors plus the arrays to call it with. Every array becomes a
float64 tensor that requires grad; anything else (an int index array, a boolean mask) is passed as
it is. Samples stay away from kinks (|x| >= 0.3 for abs and relu, no ties for max) so that
finite differences are valid. ``test_every_function_is_checked`` fails when a Function subclass
in minigrad is reached by no case here: add an op, add its case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import minigrad as mg
from minigrad.nn import functional as F
from minigrad.nn import rnn

_rng = np.random.default_rng(1234)


def rand(*shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return _rng.uniform(low, high, size=shape)


def positive(*shape: int) -> np.ndarray:
    return _rng.uniform(0.5, 2.0, size=shape)


def away_from_zero(*shape: int) -> np.ndarray:
    """Values with 0.3 <= |x| <= 2: away from the kink of abs, relu and friends."""
    return _rng.uniform(0.3, 2.0, size=shape) * _rng.choice([-1.0, 1.0], size=shape)


def distinct(*shape: int) -> np.ndarray:
    """Values at least 0.1 apart, so max/min have no ties a finite difference could cross."""
    size = int(np.prod(shape))
    return (_rng.permutation(size) * 0.1 - size * 0.05).reshape(shape)


@dataclass
class OpCase:
    name: str
    fn: Callable[..., Any]
    inputs: list[Any] = field(default_factory=list)
    second_order: bool = True

    def tensors(self, device: str | None = None) -> list[Any]:
        """Fresh inputs on ``device`` (the default device): float arrays become float64 tensors
        that require grad."""
        return [
            mg.Tensor(x.astype(np.float64), requires_grad=True, device=device)
            if isinstance(x, np.ndarray) and x.dtype.kind == "f"
            else x
            for x in self.inputs
        ]


CLASS_WEIGHTS = [0.5, 2.0, 1.0]  # for the weighted losses


CASES: list[OpCase] = [
    # ---- elementwise, with broadcasting ----
    OpCase("add", lambda a, b: a + b, [rand(3, 4), rand(3, 4)]),
    OpCase("add_broadcast", lambda a, b: a + b, [rand(2, 1, 3), rand(4, 1)]),
    OpCase("add_scalar", lambda a: 2.0 + a, [rand(3)]),
    OpCase("sub", lambda a, b: a - b, [rand(3, 4), rand(4)]),
    OpCase("rsub", lambda a: 1.0 - a, [rand(2, 3)]),
    OpCase("mul", lambda a, b: a * b, [rand(3, 4), rand(3, 1)]),
    OpCase("div", lambda a, b: a / b, [rand(3, 4), away_from_zero(4)]),
    OpCase("rdiv", lambda a: 1.0 / a, [away_from_zero(5)]),
    OpCase("pow_tensor", lambda a, b: a**b, [positive(3, 2), rand(3, 2)]),
    OpCase("pow_scalar", lambda a: a**3, [rand(4)]),
    OpCase("pow_fraction", lambda a: a**0.5 + a**-1.5, [positive(4)]),
    OpCase("rpow", lambda a: 2.0**a, [rand(4)]),
    OpCase("neg", lambda a: -a, [rand(2, 3)]),
    OpCase("exp", mg.exp, [rand(2, 3)]),
    OpCase("sin", mg.sin, [rand(2, 3)]),
    OpCase("cos", lambda a: a.cos(), [rand(2, 3)]),
    OpCase("log", mg.log, [positive(2, 3)]),
    OpCase("sqrt", mg.sqrt, [positive(5)]),
    OpCase("abs", mg.abs, [away_from_zero(2, 3)]),
    OpCase("tanh", mg.tanh, [rand(2, 3)]),
    OpCase("sigmoid", mg.sigmoid, [rand(2, 3, low=-6, high=6)]),
    OpCase("relu", mg.relu, [away_from_zero(3, 3)]),
    OpCase("leaky_relu", lambda a: mg.leaky_relu(a, 0.1), [away_from_zero(3, 3)]),
    OpCase("clip", lambda a: mg.clip(a, -1.0, 1.0), [np.array([-1.7, -0.5, 0.2, 0.9, 1.6])]),
    OpCase("clip_min_only", lambda a: a.clip(min=0.0), [away_from_zero(6)]),
    OpCase("maximum", mg.maximum, [distinct(3, 2), distinct(3, 2) + 0.05]),
    OpCase("minimum", mg.minimum, [distinct(3, 2), distinct(2) + 0.05]),
    OpCase("where", lambda c, a, b: mg.where(c, a, b), [rand(3, 4) > 0, rand(3, 4), rand(4)]),
    OpCase("rsqrt", mg.rsqrt, [positive(2, 3)]),
    OpCase("log1p", lambda a: a.log1p(), [rand(2, 3, low=-0.5, high=2)]),
    OpCase("expm1", mg.expm1, [rand(2, 3)]),
    OpCase("log2", mg.log2, [positive(4)]),
    OpCase("log10", lambda a: a.log10(), [positive(4)]),
    OpCase("reciprocal", mg.reciprocal, [away_from_zero(2, 3)]),
    # step functions: samples a quarter away from every jump, where the derivative is 0
    OpCase("floor", mg.floor, [np.array([-1.75, -0.25, 0.25, 1.5])]),
    OpCase("ceil", lambda a: a.ceil(), [np.array([-1.75, -0.25, 0.25, 1.5])]),
    OpCase("round", mg.round, [np.array([-1.25, -0.25, 0.75, 1.7])]),
    OpCase("round_decimals", lambda a: a.round(decimals=1), [np.array([-1.125, 0.375, 0.67])]),
    OpCase("trunc", mg.trunc, [np.array([-1.75, -0.25, 0.25, 1.5])]),
    OpCase("sign", mg.sign, [away_from_zero(5)]),
    OpCase(
        "floor_divide",
        lambda a, b: a // b,
        [np.array([-7.5, 7.5, -5.25, 5.25]), np.array([2.0, 2.0, -2.0, -2.0])],
    ),
    OpCase(
        "remainder",
        lambda a, b: a % b,
        [np.array([-7.5, 7.5, -5.25, 5.25]), np.array([2.0, 2.0, -2.0, -2.0])],
    ),
    OpCase("rremainder", lambda b: 5.5 % b, [np.array([2.0, -2.0, 1.25])]),
    OpCase(
        "fmod",
        mg.fmod,
        [np.array([-7.5, 7.5, -5.25, 5.25]), np.array([2.0, 2.0, -2.0, -2.0])],
    ),
    OpCase(
        "div_trunc",
        lambda a, b: a.div(b, rounding_mode="trunc"),
        [np.array([-7.5, 7.5, -5.25, 5.25]), np.array([2.0, 2.0, -2.0, -2.0])],
    ),
    OpCase("add_alpha", lambda a, b: mg.add(a, b, alpha=-2.5), [rand(3, 4), rand(4)]),
    OpCase("sub_alpha", lambda a, b: a.sub(b, alpha=0.5), [rand(2, 3), rand(2, 1)]),
    # ---- reductions ----
    OpCase("sum_all", lambda a: a.sum(), [rand(3, 4)]),
    OpCase("sum_axis", lambda a: a.sum(axis=1), [rand(3, 4, 2)]),
    OpCase("sum_axes_keepdims", lambda a: a.sum(axis=(0, 2), keepdims=True), [rand(3, 4, 2)]),
    OpCase("mean", lambda a: a.mean(axis=-1), [rand(3, 4)]),
    OpCase(
        "nansum",
        lambda a: mg.nansum(a, 1) + a.nansum(),
        [np.array([[1.5, np.nan, -0.5], [np.nan, np.nan, 2.0]])],
    ),
    OpCase(
        "nanmean",
        lambda a: mg.nanmean(a, 0, keepdim=True),
        [np.array([[1.5, np.nan, -0.5], [0.7, np.nan, 2.0], [np.nan, 0.2, 1.0]])],
    ),
    OpCase("max_all", lambda a: a.max(), [distinct(3, 4)]),
    OpCase("amax_axis", lambda a: a.amax(axis=0), [distinct(3, 4)]),
    OpCase("amin_keepdims", lambda a: a.amin(dim=1, keepdim=True), [distinct(3, 4)]),
    OpCase("max_dim_values", lambda a: a.max(1).values, [distinct(3, 4)]),
    OpCase("min_dim_keepdim_values", lambda a: a.min(1, keepdim=True).values, [distinct(3, 20)]),
    OpCase("var", lambda a: a.var(axis=0), [rand(5, 3)]),
    OpCase("var_unbiased_all", lambda a: a.var(ddof=1), [rand(4, 3)]),
    OpCase("prod_all", lambda a: a.prod(), [away_from_zero(2, 3)]),
    OpCase("prod_dim", lambda a: a.prod(0, keepdim=True), [rand(3, 4, 2)]),
    # a zero in a row: the gradient is the product of the others, not 0 / 0
    OpCase(
        "prod_with_zeros",
        lambda a: a.prod(1),
        [np.array([[1.5, 0.0, -2.0], [0.0, 0.0, 1.2], [0.7, 1.3, -0.9]])],
    ),
    OpCase("norm_fro", lambda a: a.norm(), [rand(3, 4)]),
    OpCase("norm_p3_dim", lambda a: mg.norm(a, 3, dim=1, keepdim=True), [away_from_zero(3, 4)]),
    OpCase("norm_p1", lambda a: a.norm(1, dim=(0, 1)), [away_from_zero(3, 2)]),
    OpCase("norm_p_half", lambda a: a.norm(0.5, dim=0), [away_from_zero(3, 2)]),
    OpCase("norm_inf", lambda a: a.norm(float("inf"), dim=1), [away_from_zero(3, 4)]),
    OpCase("norm_zero_count", lambda a: a.norm(0), [away_from_zero(3, 2)]),
    OpCase("dist", lambda a, b: mg.dist(a, b), [rand(3, 2), rand(2)]),
    OpCase("median_all", lambda a: a.median(), [distinct(3, 3)]),
    OpCase("median_dim", lambda a: a.median(1).values, [distinct(3, 4)]),
    OpCase("sort", lambda a: a.sort(0).values, [distinct(3, 4)]),
    OpCase("sort_descending", lambda a: mg.sort(a, descending=True).values, [distinct(2, 5)]),
    OpCase("logsumexp", lambda a: mg.logsumexp(a, axis=1), [rand(3, 5)]),
    OpCase("softmax", lambda a: mg.softmax(a, axis=-1), [rand(3, 5)]),
    OpCase("softmax_axis0", lambda a: mg.softmax(a, axis=0), [rand(3, 5)]),
    # a row 1000 below the others: exp would underflow under one shared shift, so each row is
    # shifted by its own maximum (the second path of Softmax.forward)
    OpCase(
        "softmax_rows_far_apart",
        lambda a: mg.softmax(a - mg.tensor([[0.0], [1000.0]], device=a.device), axis=-1),
        [rand(2, 4)],
    ),
    OpCase("log_softmax", lambda a: mg.log_softmax(a), [rand(3, 5)]),
    # ---- shape ----
    OpCase("reshape", lambda a: a.reshape(4, -1), [rand(2, 6)]),
    OpCase("transpose", lambda a: a.transpose(2, 0, 1), [rand(2, 3, 4)]),
    OpCase("T", lambda a: a.T, [rand(2, 3)]),
    OpCase("swapaxes", lambda a: mg.swapaxes(a, 0, -1), [rand(2, 3, 4)]),
    OpCase("flatten", lambda a: a.flatten(1), [rand(2, 3, 4)]),
    OpCase("squeeze", lambda a: a.squeeze(1), [rand(3, 1, 2)]),
    OpCase("unsqueeze", lambda a: a.unsqueeze(0), [rand(3, 2)]),
    OpCase("broadcast_to", lambda a: a.broadcast_to((4, 3, 2)), [rand(3, 1)]),
    OpCase("concatenate", lambda a, b: mg.concatenate([a, b], axis=1), [rand(2, 3), rand(2, 2)]),
    OpCase("stack", lambda a, b: mg.stack([a, b], axis=-1), [rand(2, 3), rand(2, 3)]),
    OpCase("pad", lambda a: mg.pad(a, [(1, 0), (2, 1)]), [rand(2, 3)]),
    OpCase("tile", lambda a: mg.tile(a, (2,)) + a.tile(1, 2), [rand(2, 3)]),
    OpCase("repeat", lambda a: a.repeat(2, 1, 3), [rand(2, 3)]),
    OpCase("diag_embed", lambda a: mg.diag(a, -1), [rand(3)]),
    OpCase("diag_of_matrix", lambda a: a.diag(1), [rand(3, 4)]),
    OpCase("trace", mg.trace, [rand(3, 3)]),
    OpCase("getitem_basic", lambda a: a[1:, ::2], [rand(3, 5)]),
    OpCase("getitem_int", lambda a: a[1], [rand(3, 5)]),
    OpCase("getitem_repeated", lambda a, i: a[i], [rand(4, 3), np.array([0, 2, 0, 0, 3])]),
    OpCase(
        "getitem_pairs",
        lambda a, i, j: a[i, j],
        [rand(3, 4), np.array([0, 2, 2]), np.array([1, 3, 3])],
    ),
    OpCase("getitem_mask", lambda a, m: a[m], [rand(3, 4), rand(3, 4) > 0]),
    # ---- linear algebra ----
    OpCase("matmul", lambda a, b: a @ b, [rand(3, 4), rand(4, 2)]),
    OpCase("matmul_batched", lambda a, b: a @ b, [rand(2, 3, 4), rand(2, 4, 5)]),
    OpCase("matmul_broadcast", lambda a, b: a @ b, [rand(2, 1, 3, 4), rand(3, 4, 2)]),
    OpCase("matmul_vector_left", lambda a, b: a @ b, [rand(4), rand(2, 4, 3)]),
    OpCase("matmul_vector_right", lambda a, b: a @ b, [rand(3, 4), rand(4)]),
    OpCase("matmul_dot", lambda a, b: a @ b, [rand(4), rand(4)]),
    OpCase("bmm", mg.bmm, [rand(2, 3, 4), rand(2, 4, 2)]),
    OpCase(
        "einsum_chain",
        lambda a, b, c: mg.einsum("ij,jk,k->i", a, b, c),
        [rand(2, 3), rand(3, 4), rand(4)],
    ),
    OpCase("einsum_outer_transpose", lambda a, b: mg.einsum("i,j->ji", a, b), [rand(3), rand(2)]),
    # j is summed inside the first operand alone: its gradient is broadcast along j
    OpCase("einsum_own_index", lambda a, b: mg.einsum("ij,k->ik", a, b), [rand(2, 3), rand(4)]),
    OpCase("einsum_implicit_dot", lambda a, b: mg.einsum("i,i", a, b), [rand(4), rand(4)]),
    OpCase("addmm", mg.addmm, [rand(2), rand(3, 4), rand(4, 2)]),
    OpCase(
        "addmm_scaled",
        lambda c, a, b: mg.addmm(c, a, b, beta=0.5, alpha=-2.0),
        [rand(3, 1), rand(3, 4), rand(4, 2)],
    ),
    # ---- losses ----
    OpCase("mse_loss", lambda a, b: F.mse_loss(a, b), [rand(4, 3), rand(4, 3)]),
    OpCase(
        "cross_entropy", lambda a, t: F.cross_entropy(a, t), [rand(4, 5), np.array([0, 4, 2, 2])]
    ),
    OpCase(
        "cross_entropy_sum",
        lambda a, t: F.cross_entropy(a, t, reduction="sum"),
        [rand(3, 4), np.array([1, 0, 3])],
    ),
]

# Functions whose rule no finite-difference check in float64 can reach, each with the reason and
# the test that checks it exactly instead.
NOT_GRADCHECKED = {
    "Cast": "casting float64 to float64 is skipped (no-op); its identity rule is checked "
    "exactly in test_engine.py::test_astype_gradient_is_identity_in_the_new_dtype",
    "_OnceDifferentiated": "a @once_differentiable gradient, whose backward raises by design; "
    "checked in test_custom_function.py::test_once_differentiable_allows_create_graph_but_"
    "refuses_a_second_derivative",
}


# ==== nn: layers, convolution and pooling, activations and losses (minigrad.nn.functional) =====
def _seeded_dropout(a):
    mg.manual_seed(7)  # the same mask on every call, so finite differences see one function
    return F.dropout(a, p=0.4, training=True)


CASES += [
    # ---- linear ----
    OpCase("linear", lambda x, w, b: F.linear(x, w, b), [rand(4, 3), rand(2, 3), rand(2)]),
    OpCase("linear_no_bias", lambda x, w: F.linear(x, w), [rand(4, 3), rand(2, 3)]),
    OpCase(
        "linear_batched", lambda x, w, b: F.linear(x, w, b), [rand(2, 3, 4), rand(2, 4), rand(2)]
    ),
    # ---- conv2d: im2col (a strided view), one matrix product; backward through col2im ----
    OpCase(
        "conv2d",
        lambda x, w, b: F.conv2d(x, w, b),
        [rand(2, 2, 5, 5), rand(3, 2, 3, 3), rand(3)],
    ),
    OpCase(
        "conv2d_stride2",
        lambda x, w: F.conv2d(x, w, stride=2),
        [rand(2, 2, 6, 5), rand(2, 2, 3, 2)],
    ),
    OpCase(
        "conv2d_padding1",
        lambda x, w, b: F.conv2d(x, w, b, padding=1),
        [rand(1, 2, 4, 4), rand(3, 2, 3, 3), rand(3)],
    ),
    OpCase(
        "conv2d_stride_padding_rectangular",
        lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2)),
        [rand(2, 1, 5, 4), rand(2, 1, 2, 3), rand(2)],
    ),
    OpCase(
        "conv2d_dilation_same",
        lambda x, w: F.conv2d(x, w, padding="same", dilation=(1, 2)),
        [rand(1, 2, 5, 5), rand(2, 2, 2, 2)],
    ),
    OpCase(
        "conv2d_unbatched",
        lambda x, w: F.conv2d(x, w, padding=1),
        [rand(2, 3, 3), rand(2, 2, 2, 2)],
    ),
    OpCase(
        "conv2d_groups",
        lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
        [rand(2, 4, 4, 3), rand(4, 2, 3, 2), rand(4)],
    ),
    OpCase(
        "conv1d",
        lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, groups=2),
        [rand(2, 4, 7), rand(2, 2, 3), rand(2)],
    ),
    OpCase(
        "conv_transpose2d",
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        [rand(2, 3, 3, 2), rand(3, 2, 3, 3), rand(2)],
    ),
    OpCase(
        "conv_transpose2d_groups_dilated",
        lambda x, w: F.conv_transpose2d(x, w, stride=(1, 2), groups=2, dilation=(2, 1)),
        [rand(1, 4, 3, 3), rand(4, 1, 2, 2)],
    ),
    OpCase("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [rand(2, 2, 5, 7)]),
    OpCase("interpolate_nearest", lambda x: F.interpolate(x, scale_factor=2), [rand(1, 2, 3, 2)]),
    OpCase(
        "interpolate_nearest_exact",
        lambda x: F.interpolate(x, scale_factor=0.7, mode="nearest-exact"),
        [rand(1, 2, 5)],
    ),
    OpCase(
        "interpolate_linear", lambda x: F.interpolate(x, size=7, mode="linear"), [rand(2, 2, 4)]
    ),
    OpCase(
        "interpolate_bilinear_align_corners",
        lambda x: F.interpolate(x, scale_factor=(1.5, 0.6), mode="bilinear", align_corners=True),
        [rand(1, 2, 3, 5)],
    ),
    OpCase(
        "interpolate_bicubic",
        lambda x: F.interpolate(x, size=(5, 3), mode="bicubic"),
        [rand(1, 2, 3, 4)],
    ),
    OpCase(
        "interpolate_trilinear",
        lambda x: F.interpolate(x, scale_factor=1.7, mode="trilinear"),
        [rand(1, 1, 2, 3, 2)],
    ),
    OpCase(
        "interpolate_area", lambda x: F.interpolate(x, size=(2, 3), mode="area"), [rand(1, 2, 5, 4)]
    ),
    OpCase("unfold", lambda x: F.unfold(x, (2, 3), padding=1, stride=(2, 1)), [rand(2, 2, 4, 4)]),
    OpCase(
        "fold",
        lambda c: F.fold(c, (4, 4), (2, 3), padding=1, stride=(2, 1)),
        [rand(2, 12, 12)],
    ),
    # ---- pooling (distinct values: no ties, so max has no kink near the samples) ----
    OpCase("max_pool2d", lambda x: F.max_pool2d(x, 2), [distinct(2, 2, 4, 4)]),
    # windows side by side that miss the last row and column: col2im must leave those at zero
    OpCase("max_pool2d_untiled_edge", lambda x: F.max_pool2d(x, 2), [distinct(1, 2, 5, 5)]),
    OpCase(
        "max_pool2d_tiled_padded", lambda x: F.max_pool2d(x, 2, padding=1), [distinct(1, 1, 4, 4)]
    ),
    OpCase(
        "max_pool2d_overlapping_padded",
        lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
        [distinct(2, 2, 5, 5)],
    ),
    OpCase(
        "max_pool2d_stride1", lambda x: F.max_pool2d(x, (2, 3), stride=1), [distinct(1, 2, 4, 5)]
    ),
    OpCase("avg_pool2d", lambda x: F.avg_pool2d(x, 2), [rand(2, 2, 4, 4)]),
    OpCase(
        "avg_pool2d_overlapping_padded",
        lambda x: F.avg_pool2d(x, 3, stride=2, padding=1),
        [rand(2, 2, 5, 4)],
    ),
    # ---- normalisation, dropout, embedding ----
    OpCase(
        "batch_norm_training",
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        [rand(4, 3), rand(3), rand(3)],
    ),
    OpCase(
        "batch_norm2d_training",
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        [rand(2, 3, 2, 2), rand(3), rand(3)],
    ),
    OpCase(
        "batch_norm_eval",
        lambda x, m, v, w: F.batch_norm(x, m, v, w, training=False),
        [rand(4, 3), rand(3), positive(3), rand(3)],
    ),
    OpCase("dropout", _seeded_dropout, [rand(4, 5)]),
    OpCase("embedding", lambda w, i: F.embedding(i, w), [rand(5, 3), np.array([[0, 2], [2, 4]])]),
    # ---- activations ----
    OpCase("gelu", lambda a: F.gelu(a), [rand(3, 4, low=-4, high=4)]),
    OpCase("gelu_far_tails", lambda a: F.gelu(a), [np.array([-7.0, -3.1, -2.6, 2.6, 3.1, 7.0])]),
    OpCase("gelu_tanh", lambda a: F.gelu(a, approximate="tanh"), [rand(3, 4)]),
    OpCase("erf", F.erf, [rand(3, 4, low=-3.5, high=3.5)]),
    OpCase("softplus", lambda a: F.softplus(a, beta=2.0), [rand(3, 4, low=-5, high=5)]),
    OpCase("F_leaky_relu", lambda a: F.leaky_relu(a, 0.2), [away_from_zero(3, 3)]),
    OpCase("silu", F.silu, [rand(3, 4, low=-4, high=4)]),
    OpCase("mish", F.mish, [rand(3, 4, low=-4, high=4)]),
    OpCase("elu", lambda a: F.elu(a, alpha=0.7), [away_from_zero(3, 4)]),
    OpCase("hardtanh", lambda a: F.hardtanh(a, -0.5, 1.0), [np.array([-1.7, -0.3, 0.2, 0.9, 1.6])]),
    OpCase("softsign", F.softsign, [rand(3, 4)]),
    OpCase("relu6", F.relu6, [np.array([-1.7, -0.3, 0.4, 2.0, 5.5, 6.6])]),
    OpCase("selu", F.selu, [away_from_zero(3, 4)]),
    OpCase("celu", lambda a: F.celu(a, 0.5), [away_from_zero(3, 4)]),
    OpCase("logsigmoid", F.logsigmoid, [rand(3, 4, low=-4, high=4)]),
    OpCase("softmin", lambda a: F.softmin(a, 1), [rand(3, 4)]),
    OpCase("glu", lambda a: F.glu(a, 0), [rand(4, 3)]),
    OpCase("hardshrink", F.hardshrink, [np.array([-1.7, -0.3, 0.2, 0.9, 1.6])]),
    OpCase("softshrink", F.softshrink, [np.array([-1.7, -0.3, 0.2, 0.9, 1.6])]),
    OpCase("tanhshrink", F.tanhshrink, [rand(3, 4)]),
    OpCase("threshold", lambda a: F.threshold(a, 0.1, -2.0), [away_from_zero(3, 4)]),
    # ---- losses ----
    OpCase("l1_loss", lambda a, b: F.l1_loss(a, b), [away_from_zero(4, 3), np.zeros((4, 3))]),
    OpCase(
        "smooth_l1_loss",
        lambda a, b: F.smooth_l1_loss(a, b, beta=0.8),
        [np.array([[-1.7, -0.3, 0.2], [0.5, 1.1, 2.0]]), np.zeros((2, 3))],
    ),
    OpCase(
        "huber_loss",
        lambda a, b: F.huber_loss(a, b, reduction="sum", delta=0.6),
        [np.array([[-1.7, -0.3, 0.2], [0.5, 1.1, 2.0]]), np.zeros((2, 3))],
    ),
    OpCase(
        "binary_cross_entropy",
        lambda x, y: F.binary_cross_entropy(x, y),
        [rand(3, 4, low=0.05, high=0.95), rand(3, 4, low=0, high=1)],
    ),
    OpCase(
        "binary_cross_entropy_weighted",
        lambda x, y, w: F.binary_cross_entropy(x, y, w, reduction="sum"),
        [rand(3, 4, low=0.05, high=0.95), rand(3, 4, low=0, high=1), positive(4)],
    ),
    OpCase(
        "kl_div",
        lambda a, t: F.kl_div(a, t, reduction="batchmean"),
        [rand(3, 4, low=-3, high=-0.1), rand(3, 4, low=0.1, high=1)],
    ),
    OpCase(
        "kl_div_log_target",
        lambda a, t: F.kl_div(a, t, reduction="sum", log_target=True),
        [rand(3, 4, low=-3, high=-0.1), rand(3, 4, low=-3, high=-0.1)],
    ),
    OpCase(
        "cross_entropy_probabilities",
        lambda a, p: F.cross_entropy(a, p, label_smoothing=0.1),
        [rand(4, 3), rand(4, 3, low=0, high=1)],
    ),
    OpCase(
        "cross_entropy_probabilities_weighted_kdim",
        lambda a, p: F.cross_entropy(
            a, p, mg.tensor(CLASS_WEIGHTS, dtype=a.dtype, device=a.device), reduction="none"
        ),
        [rand(2, 3, 2), rand(2, 3, 2, low=0, high=1)],
    ),
    OpCase(
        "cross_entropy_kdim",
        lambda a: F.cross_entropy(a, [[0, 2], [-100, 1]], label_smoothing=0.1),
        [rand(2, 3, 2)],
    ),
    OpCase("nll_loss_kdim", lambda a: F.nll_loss(a, [[[0, 2], [1, 1]]]), [rand(1, 3, 2, 2)]),
    OpCase("normalize", lambda a: F.normalize(a, dim=1), [rand(3, 4)]),
    OpCase("cosine_similarity", F.cosine_similarity, [rand(3, 4), rand(1, 4)]),
    OpCase("pad_constant", lambda a: F.pad(a, (1, 2, -1, 1), value=0.5), [rand(3, 4)]),
    OpCase("pad_reflect", lambda a: F.pad(a, (2, 1, 1, 1), mode="reflect"), [rand(1, 3, 4)]),
    OpCase("pad_replicate", lambda a: F.pad(a, (2, 3), mode="replicate"), [rand(2, 3)]),
    OpCase("pad_circular", lambda a: F.pad(a, (0, 1, 2, 3), mode="circular"), [rand(1, 3, 4)]),
    OpCase(
        "nll_loss",
        lambda a, t: F.nll_loss(a, t, reduction="sum"),
        [rand(4, 3), np.array([0, 2, 1, 2])],
    ),
    OpCase(
        "cross_entropy_label_smoothing",
        lambda a, t: F.cross_entropy(a, t, label_smoothing=0.2),
        [rand(4, 5), np.array([0, 4, 2, 2])],
    ),
    OpCase(
        "cross_entropy_none",
        lambda a, t: F.cross_entropy(a, t, reduction="none"),
        [rand(3, 4), np.array([1, 0, 3])],
    ),
    OpCase(
        "cross_entropy_weighted_ignored",
        lambda a: F.cross_entropy(
            a, [2, -100, 0, 1], mg.tensor(CLASS_WEIGHTS, dtype=a.dtype, device=a.device)
        ),
        [rand(4, 3)],
    ),
    OpCase(
        "cross_entropy_ignored_smoothed_none",
        lambda a: F.cross_entropy(
            a, [1, 0, 0, 2], ignore_index=0, label_smoothing=0.2, reduction="none"
        ),
        [rand(4, 3)],
    ),
    OpCase(
        "nll_loss_weighted_ignored",
        lambda a: F.nll_loss(
            a, [2, -100, 0, 1], mg.tensor(CLASS_WEIGHTS, dtype=a.dtype, device=a.device)
        ),
        [rand(4, 3)],
    ),
    OpCase(
        "bce_with_logits",
        lambda x, y: F.binary_cross_entropy_with_logits(x, y),
        [rand(3, 4, low=-6, high=6), rand(3, 4, low=0, high=1)],
    ),
    OpCase(
        "bce_with_logits_weighted",
        lambda x, y, w, p: F.binary_cross_entropy_with_logits(
            x, y, weight=w, reduction="sum", pos_weight=p
        ),
        [rand(3, 4), rand(3, 4, low=0, high=1), positive(4), positive(4)],
    ),
]


# ==== recurrent layers (minigrad.nn.rnn): the cells, and unroll's time loop over them ==========
# Their own generator, so cases added above never change these samples.
_rnn_rng = np.random.default_rng(19)


def _rnn(*shape: int) -> np.ndarray:
    return _rnn_rng.uniform(-1.0, 1.0, size=shape)


def _rnn_weights(gates: int, inputs: int, hidden: int) -> list[np.ndarray]:
    """weight_ih, weight_hh, bias_ih, bias_hh of one layer with ``gates`` gates."""
    rows = gates * hidden
    return [_rnn(rows, inputs), _rnn(rows, hidden), _rnn(rows), _rnn(rows)]


def _two_lstm_layers(seed: int | None):
    """x (T, N, I), h_0 and c_0 (2, N, H), then 2 x 4 weights -> output and final states."""

    def fn(x, h0, c0, *weights):
        if seed is not None:
            mg.manual_seed(seed)  # the same dropout masks on every call
        states = [(h0[0], c0[0]), (h0[1], c0[1])]
        layers = [weights[:4], weights[4:]]
        out, finals = rnn.unroll(
            rnn.lstm_cell, x, states, layers, dropout=0.3, training=seed is not None
        )
        return mg.cat([out, mg.stack([part for state in finals for part in state])])

    return fn


CASES += [
    OpCase("rnn_tanh_cell", rnn.rnn_tanh_cell, [_rnn(2, 3), _rnn(2, 2), *_rnn_weights(1, 3, 2)]),
    OpCase(
        "lstm_cell",
        lambda x, h, c, *w: mg.stack(rnn.lstm_cell(x, (h, c), *w)),
        [_rnn(2, 3), _rnn(2, 2), _rnn(2, 2), *_rnn_weights(4, 3, 2)],
    ),
    OpCase(
        "lstm_cell_no_bias",
        lambda x, h, c, w_ih, w_hh: mg.stack(rnn.lstm_cell(x, (h, c), w_ih, w_hh)),
        [_rnn(2, 3), _rnn(2, 2), _rnn(2, 2), *_rnn_weights(4, 3, 2)[:2]],
    ),
    OpCase("gru_cell", rnn.gru_cell, [_rnn(2, 3), _rnn(2, 2), *_rnn_weights(3, 3, 2)]),
    # Whole sequences: gradients through time and across layers (first order: each call is a
    # few hundred ops, and the cells above check the second derivatives of the same ops).
    OpCase(
        "rnn_tanh_unroll",
        lambda x, h, *w: rnn.unroll(rnn.rnn_tanh_cell, x, [h], [w])[0],
        [_rnn(3, 2, 2), _rnn(2, 2), *_rnn_weights(1, 2, 2)],
        second_order=False,
    ),
    OpCase(
        "gru_unroll",
        lambda x, h, *w: rnn.unroll(rnn.gru_cell, x, [h], [w])[0],
        [_rnn(3, 2, 2), _rnn(2, 2), *_rnn_weights(3, 2, 2)],
        second_order=False,
    ),
    OpCase(
        "lstm_two_layers_unroll",
        _two_lstm_layers(seed=None),
        [_rnn(3, 2, 2), _rnn(2, 2, 2), _rnn(2, 2, 2)]
        + _rnn_weights(4, 2, 2)
        + _rnn_weights(4, 2, 2),
        second_order=False,
    ),
    OpCase(
        "lstm_two_layers_dropout_unroll",
        _two_lstm_layers(seed=3),
        [_rnn(2, 2, 2), _rnn(2, 2, 2), _rnn(2, 2, 2)]
        + _rnn_weights(4, 2, 2)
        + _rnn_weights(4, 2, 2),
        second_order=False,
    ),
]


# ==== sequence models: masks, scans, picking and attention (issue 19) ===========================
def _indices(like: Any, *rows: list[int]) -> Any:
    return mg.tensor(rows, device=like.device)  # where the op's input is


CASES += [
    OpCase("tril", lambda a: mg.tril(a), [rand(2, 3, 4)]),
    OpCase("triu_diagonal", lambda a: a.triu(diagonal=1), [rand(4, 3)]),
    OpCase("tril_negative_diagonal", lambda a: a.tril(-1), [rand(3, 3)]),
    OpCase("masked_fill", lambda a, m: a.masked_fill(m, -1.5), [rand(3, 4), rand(4) > 0]),
    OpCase(
        "masked_fill_function", lambda a, m: mg.masked_fill(a, m, 2.0), [rand(2, 3), rand(2, 3) > 0]
    ),
    OpCase("cumsum", lambda a: mg.cumsum(a, dim=1), [rand(3, 4)]),
    OpCase("cumsum_first_dim", lambda a: a.cumsum(0), [rand(4, 2, 3)]),
    OpCase("split_sizes", lambda a: mg.split(a, [1, 3], dim=1)[1] * 2.0, [rand(2, 4)]),
    OpCase(
        "split_int_sum",
        lambda a: sum(p.sum() * (i + 1) for i, p in enumerate(a.split(2))),
        [rand(5, 2)],
    ),
    OpCase("chunk", lambda a: a.chunk(3, dim=-1)[2], [rand(2, 7)]),
    OpCase(
        "gather",
        lambda a: mg.gather(a, 1, _indices(a, [0, 0, 2], [1, 3, 3])),
        [rand(2, 4)],
    ),
    OpCase(
        "gather_dim0_smaller_index",
        lambda a: a.gather(0, _indices(a, [2, 0], [2, 2])),
        [rand(3, 4)],
    ),
    OpCase("topk_values", lambda a: mg.topk(a, 2).values, [distinct(3, 5)]),
    OpCase(
        "topk_smallest_dim0", lambda a: a.topk(2, dim=0, largest=False).values, [distinct(4, 3)]
    ),
]


# (Embedding's padding_idx is left out on purpose: its row's gradient is 0 by definition, not
# the derivative a finite difference measures; test_attention.py checks it exactly.)
def _blind_row_mask(like: Any) -> Any:
    keep = np.ones((3, 4), dtype=bool)
    keep[1] = False  # query 1 may look at no key: its output is 0, its gradient 0
    keep[2, 0] = False
    return mg.tensor(keep, device=like.device)


CASES += [
    OpCase(
        "layer_norm",
        lambda x, w, b: F.layer_norm(x, (3,), w, b),
        [rand(2, 4, 3), rand(3), rand(3)],
    ),
    OpCase("layer_norm_two_dims_no_affine", lambda x: F.layer_norm(x, (2, 3)), [rand(4, 2, 3)]),
    OpCase("layer_norm_weight_only", lambda x, w: F.layer_norm(x, 4, w), [rand(3, 4), rand(4)]),
    OpCase(
        "layer_norm_bias_only_two_dims",
        lambda x, b: F.layer_norm(x, (2, 3), None, b, eps=0.1),
        [rand(2, 2, 2, 3), rand(2, 3)],
    ),
    OpCase(
        "scaled_dot_product_attention",
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v),
        [rand(2, 3, 4), rand(2, 5, 4), rand(2, 5, 2)],
    ),
    OpCase(
        "scaled_dot_product_attention_causal",
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        [rand(2, 1, 4, 3), rand(2, 1, 4, 3), rand(2, 1, 4, 3)],
    ),
    OpCase(
        "scaled_dot_product_attention_bool_mask_blind_row",
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=_blind_row_mask(q)),
        [rand(3, 2), rand(4, 2), rand(4, 3)],
    ),
    OpCase(
        "scaled_dot_product_attention_float_mask_scale",
        lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m, scale=0.7),
        [rand(2, 3, 2), rand(2, 4, 2), rand(2, 4, 3), rand(3, 4)],
    ),
]


# ==== PyTorch's shape and product helpers built from other ops (narrow, flip, roll, ...) ========
_more_rng = np.random.default_rng(2024)


def _more(*shape: int) -> np.ndarray:
    return _more_rng.uniform(-2.0, 2.0, size=shape)


CASES += [
    OpCase("narrow", lambda a: a.narrow(1, 1, 2), [_more(3, 4)]),
    OpCase("narrow_negative_start", lambda a: mg.narrow(a, 0, -2, 2), [_more(3, 2)]),
    OpCase("unflatten", lambda a: a.unflatten(1, (2, -1)), [_more(3, 6)]),
    OpCase("flip", lambda a: a.flip(0, 2), [_more(2, 3, 4)]),
    OpCase("roll_dims", lambda a: a.roll((1, -2), (0, 1)), [_more(3, 4)]),
    OpCase("roll_flat", lambda a: mg.roll(a, 5), [_more(2, 3)]),
    OpCase(
        "index_select_repeats",
        lambda a: a.index_select(1, mg.tensor([3, 0, 3], device=a.device)),
        [_more(2, 4)],
    ),
    OpCase("outer", mg.outer, [_more(3), _more(4)]),
    OpCase("dot", mg.dot, [_more(5), _more(5)]),
    OpCase("hstack", lambda a, b: mg.hstack([a, b]), [_more(2, 3), _more(2, 1)]),
    OpCase("vstack_rows", lambda a, b: mg.vstack([a, b]), [_more(3), _more(2, 3)]),
    OpCase("mT", lambda a: a.mT, [_more(2, 3, 4)]),
    OpCase("softmax_dtype", lambda a: F.softmax(a, dim=0, dtype=mg.float64), [_more(3, 2)]),
    OpCase("mean_dtype", lambda a: a.mean(1, dtype=mg.float64), [_more(3, 2)]),
]


# ==== PyTorch's scatter family, elementwise extras and statistics found missing ================
_ops2_rng = np.random.default_rng(2025)


def _o2(*shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return _ops2_rng.uniform(low, high, size=shape)


def _o2_signed(*shape: int) -> np.ndarray:
    """0.3 <= |x| <= 1.5, either sign: away from 0 (kinks) and from the poles of tan."""
    return _ops2_rng.uniform(0.3, 1.5, size=shape) * _ops2_rng.choice([-1.0, 1.0], size=shape)


def _long(values: Any, like: Any) -> Any:
    return mg.tensor(np.array(values, dtype=np.int64), device=like.device)


_SCATTER_INDEX = [[0, 2, 1, 0], [2, 0, 0, 1]]  # no position named twice: scatter is exact

CASES += [
    OpCase(
        "scatter",
        lambda a, s: a.scatter(0, _long(_SCATTER_INDEX, a), s),
        [_o2(3, 4), _o2(2, 4)],
    ),
    OpCase(
        "scatter_src_larger_dim1",
        lambda a, s: mg.scatter(a, 1, _long([[3, 0], [1, 2], [0, 3]], a), s),
        [_o2(3, 4), _o2(3, 3)],
    ),
    OpCase("scatter_number", lambda a: a.scatter(1, _long([[1], [0]], a), 0.5), [_o2(2, 3)]),
    OpCase(
        "scatter_add_repeats",
        lambda a, s: a.scatter_add(1, _long([[0, 0, 2], [1, 1, 1]], a), s),
        [_o2(2, 3), _o2(2, 3)],
    ),
    OpCase(
        "index_add_repeats_alpha",
        lambda a, s: mg.index_add(a, 1, _long([2, 0, 2], a), s, alpha=-1.5),
        [_o2(2, 3), _o2(2, 3)],
    ),
]


# ==== PyTorch's remaining common Tensor methods (erfinv, logit, xlogy, diagonal, cummax, ...) ===
_ops3_rng = np.random.default_rng(2026)


def _o3(*shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return _ops3_rng.uniform(low, high, size=shape)


def _o3_distinct(*shape: int) -> np.ndarray:
    """Distinct values 0.1 apart in a random order: no ties for sorts and running extremes."""
    size = int(np.prod(shape))
    return (_ops3_rng.permutation(size) * 0.1 - size * 0.05).reshape(shape)


CASES += [
    OpCase("erfinv", mg.erfinv, [_o3(3, 4, low=-0.9, high=0.9)]),
    OpCase("logit", lambda a: a.logit(), [_o3(3, 4, low=0.1, high=0.9)]),
    OpCase("logit_eps", lambda a: mg.logit(a, eps=0.2), [np.array([0.05, 0.3, 0.5, 0.7, 0.95])]),
    OpCase("xlogy", mg.xlogy, [_o3(3, 4), _o3(3, 4, low=0.3, high=2.0)]),
    OpCase(
        "xlogy_zero_x",
        lambda x, y: x.xlogy(y) + mg.xlogy(x * 0, y),
        [_o3(2, 3), _o3(3, low=0.3, high=2.0)],
    ),
    OpCase("hypot", mg.hypot, [_o3(3, 4), _o3(4)]),
    OpCase("fmax_nan", mg.fmax, [_o3_distinct(2, 3), np.array([0.05, np.nan, -0.05])]),
    OpCase("fmin", lambda a, b: a.fmin(b), [_o3_distinct(2, 3), _o3_distinct(2, 3) + 0.05]),
    OpCase(
        "nan_to_num",
        lambda a: a.nan_to_num(posinf=1.0, neginf=-3.0) * 1.5,
        [np.array([[0.5, np.nan, -1.5], [np.inf, 2.0, -np.inf]])],
    ),
    OpCase("exp2", lambda a: a.exp2(), [_o3(3, 4)]),
    OpCase("frac", mg.frac, [np.array([-1.75, -0.25, 0.3, 1.6])]),
    OpCase(
        "addcmul_addcdiv",
        lambda a, b, c: a.addcmul(b, c, value=0.5) + mg.addcdiv(a, b, c, value=-2),
        [_o3(3, 4), _o3(3, 1), _o3(4, low=0.5, high=2.0)],
    ),
    OpCase("diagonal", lambda a: a.diagonal(1, -1, 0), [_o3(3, 2, 4)]),
    OpCase("unbind", lambda a: mg.unbind(a, -1)[1] * a.unbind(0)[0][:2], [_o3(2, 3)]),
    OpCase("movedim", lambda a: a.movedim((0, 1), (2, 0)), [_o3(2, 3, 4)]),
    OpCase("repeat_interleave", lambda a: a.repeat_interleave(2), [_o3(2, 3)]),
    OpCase(
        "repeat_interleave_counts",
        lambda a: mg.repeat_interleave(a, mg.tensor([2, 0, 1], device=a.device), dim=1),
        [_o3(2, 3)],
    ),
    OpCase("unfold_overlapping", lambda a: a.unfold(1, 3, 1), [_o3(2, 5)]),
    OpCase("kthvalue", lambda a: a.kthvalue(2, 0).values, [_o3_distinct(3, 4)]),
    # mode: no case, its value jumps whenever a tie breaks (test_tensor_methods.py checks it)
    OpCase("cummax", lambda a: a.cummax(1).values, [_o3_distinct(2, 5)]),
    OpCase("cummin", lambda a: mg.cummin(a, 0).values, [_o3_distinct(4, 2)]),
    OpCase("logcumsumexp", lambda a: a.logcumsumexp(0), [_o3(5, 2)]),
    OpCase(
        "take_and_take_along_dim",
        lambda a: (
            a.take(_long([[0, -1], [5, 5]], a)).sum() * a.take_along_dim(_long([[1], [0]], a), 1)
        ),
        [_o3(2, 3)],
    ),
    OpCase(
        "masked_select",
        lambda a: a.masked_select(mg.tensor([True, False, True], device=a.device)),
        [_o3(2, 3)],
    ),
    OpCase("sum_to_size", lambda a: a.sum_to_size(1, 3), [_o3(2, 3)]),
    OpCase(
        "index_fill_index_copy",
        lambda a, s: a.index_fill(1, _long([0], a), 2.0).index_copy(0, _long([1], a), s),
        [_o3(2, 3), _o3(1, 3)],
    ),
    OpCase(
        "mv_addmv",
        lambda i, m, v: i.addmv(m, v, beta=0.5, alpha=2.0) + m.mv(v),
        [_o3(3), _o3(3, 4), _o3(4)],
    ),
    OpCase(
        "baddbmm_addbmm",
        lambda i, a, b: mg.baddbmm(i, a, b, beta=2.0).sum(0) + mg.addbmm(i, a, b, alpha=-1.0),
        [_o3(2, 4), _o3(2, 2, 3), _o3(2, 3, 4)],
    ),
    OpCase("inner", mg.inner, [_o3(2, 3), _o3(4, 3)]),
    OpCase("cross", lambda a, b: a.cross(b, dim=-1), [_o3(4, 3), _o3(4, 3)]),
    OpCase("kron", mg.kron, [_o3(2, 2), _o3(3)]),
    OpCase(
        "renorm",
        lambda a: a.renorm(2, 0, 1.0),
        [np.array([[0.3, 0.2, -0.1], [1.5, -2.0, 0.7], [0.1, 0.9, -1.2]])],
    ),
]


# ==== PyTorch's missing layers: activations, PReLU, group/instance norm, 1-d pools, distances ===
_layers_rng = np.random.default_rng(2025)


def _layers(*shape: int) -> np.ndarray:
    """Values with 0.2 <= |x| <= 2.5 that avoid the kinks at 0 and +-3 (hardswish/sigmoid)."""
    return _layers_rng.uniform(0.2, 2.5, size=shape) * _layers_rng.choice([-1.0, 1.0], size=shape)


CASES += [
    OpCase("F_relu_inplace_in_graph", lambda a: F.relu(a * 1.0, inplace=True), [_layers(3, 4)]),
    OpCase("hardswish", F.hardswish, [_layers(3, 4)]),
    OpCase("hardsigmoid", F.hardsigmoid, [_layers(3, 4)]),
    OpCase("softplus_threshold", lambda a: F.softplus(a * 4.0, 2.0, 5.0), [_layers(3, 4)]),
    OpCase("prelu_per_channel", F.prelu, [_layers(2, 3, 4), _layers(3)]),
    OpCase("prelu_shared", F.prelu, [_layers(5), _layers(1)]),
    OpCase(
        "group_norm",
        lambda x, w, b: F.group_norm(x, 2, w, b),
        [_layers(2, 4, 3), _layers(4), _layers(4)],
    ),
    OpCase(
        "instance_norm_affine",
        lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
        [_layers(2, 3, 2, 2), _layers(3), _layers(3)],
    ),
    OpCase("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1), [distinct(2, 2, 7)]),
    OpCase(
        "max_unpool2d",
        lambda x: F.max_unpool2d(
            x, mg.Tensor(np.array([[[[0, 3], [9, 14]]]]), device=x.device), 2, output_size=(4, 4)
        ),
        [rand(1, 1, 2, 2)],
    ),
    OpCase("avg_pool1d", lambda x: F.avg_pool1d(x, 2, 1, 1), [_layers(2, 5)]),
    OpCase(
        "local_response_norm",
        lambda x: F.local_response_norm(x, 3, alpha=0.5, beta=0.75, k=1.0),
        [rand(2, 4, 3)],
    ),
    OpCase("rrelu_eval", lambda x: F.rrelu(x, 0.1, 0.3), [away_from_zero(2, 5)]),
    OpCase("pairwise_distance", F.pairwise_distance, [_layers(4, 3), _layers(4, 3)]),
    OpCase(
        "pairwise_distance_p3_keepdim",
        lambda a, b: F.pairwise_distance(a, b, p=3.0, keepdim=True),
        [_layers(2, 3), _layers(2, 3)],
    ),
]


def _zeros_at(array: np.ndarray, *places: tuple[int, ...]) -> np.ndarray:
    """``array`` with exact zeros at ``places``: cumprod's gradient must not divide by them.
    (Finite differences are valid there: cumprod is a polynomial in each input.)"""
    array = array.copy()
    for place in places:
        array[place] = 0.0
    return array


CASES += [
    OpCase("tan", mg.tan, [_o2_signed(3, 4)]),
    OpCase("asin", mg.asin, [_o2(3, 4, low=-0.8, high=0.8)]),
    OpCase("acos", lambda a: a.acos(), [_o2(3, 4, low=-0.8, high=0.8)]),
    OpCase("atan", mg.atan, [_o2(3, 4)]),
    OpCase("atan2_broadcast", mg.atan2, [_o2_signed(3, 4), _o2_signed(4)]),
    OpCase("sinh", mg.sinh, [_o2(3, 4)]),
    OpCase("cosh", lambda a: a.cosh(), [_o2(3, 4)]),
    OpCase("asinh", mg.asinh, [_o2(3, 4)]),
    OpCase("acosh", mg.acosh, [_o2(3, 4, low=1.2, high=3.0)]),
    OpCase("atanh", lambda a: a.atanh(), [_o2(3, 4, low=-0.8, high=0.8)]),
    OpCase("logaddexp_broadcast", mg.logaddexp, [_o2(3, 4), _o2(3, 1)]),
    OpCase("logaddexp_far_apart", lambda a, b: a.logaddexp(b * 40.0), [_o2(5), _o2(5)]),
    OpCase("square", mg.square, [_o2(3, 4)]),
    OpCase("lerp_tensor_weight", mg.lerp, [_o2(3, 4), _o2(4), _o2(3, 4)]),
    OpCase("lerp_number_weight", lambda a, b: a.lerp(b, 0.3), [_o2(3, 4), _o2(3, 4)]),
    OpCase("clamp_min", lambda a: a.clamp_min(0.1), [_o2_signed(3, 4)]),
    OpCase("clamp_max_tensor", lambda a, b: mg.clamp_max(a, b), [_o2(3, 4), _o2(4) + 5.0]),
    OpCase("cumprod", lambda a: a.cumprod(1), [_o2_signed(3, 4)]),
    OpCase(
        "cumprod_zeros", lambda a: mg.cumprod(a, 1), [_zeros_at(_o2(3, 5), (0, 1), (1, 2), (1, 4))]
    ),
    OpCase(
        "cumprod_zeros_dim0",
        lambda a: a.cumprod(0),
        [_zeros_at(_o2(4, 2, 3), (0, 1, 1), (2, 0, 0))],
    ),
    OpCase(
        "var_mean",
        lambda a: mg.var_mean(a, 1)[0] + 2.0 * mg.var_mean(a, 1)[1],
        [_o2(3, 4)],
    ),
    OpCase(
        "std_mean_biased_keepdim",
        lambda a: mg.std_mean(a, 0, keepdim=True, correction=0)[0] * mg.std_mean(a, 0)[1],
        [_o2(3, 4)],
    ),
]


# ==== TransformerEncoderLayer: the composite, gradient-checked through its input ==============
def _encoder_layer(norm_first: bool) -> Any:
    state = mg.get_rng_state()  # importing the registry leaves minigrad's generator as it was
    mg.manual_seed(7)
    layer = mg.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first)
    mg.set_rng_state(state)
    return layer.double()


_POST_NORM, _PRE_NORM = _encoder_layer(False), _encoder_layer(True)
_encoder_rng = np.random.default_rng(2026)

CASES += [
    OpCase(
        "transformer_encoder_layer_post_norm",
        lambda x: _POST_NORM.to(x.device)(x),
        [_encoder_rng.uniform(-1.0, 1.0, size=(3, 2, 4))],
    ),
    OpCase(
        "transformer_encoder_layer_pre_norm_causal",
        lambda x: _PRE_NORM.to(x.device)(
            x, src_mask=mg.ones(3, 3, dtype=bool, device=x.device).triu(1)
        ),
        [_encoder_rng.uniform(-1.0, 1.0, size=(3, 4))],
    ),
]


# ==== TransformerDecoderLayer: self-attention, attention to the memory, feed-forward =========
def _decoder_layer(norm_first: bool) -> Any:
    state = mg.get_rng_state()  # importing the registry leaves minigrad's generator as it was
    mg.manual_seed(11)
    layer = mg.nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first)
    mg.set_rng_state(state)
    return layer.double()


_DECODER_POST_NORM, _DECODER_PRE_NORM = _decoder_layer(False), _decoder_layer(True)

CASES += [
    OpCase(
        "transformer_decoder_layer_post_norm",
        lambda x, m: _DECODER_POST_NORM.to(x.device)(x, m),
        [_encoder_rng.uniform(-1.0, 1.0, size=(3, 2, 4)), _encoder_rng.uniform(-1, 1, (5, 2, 4))],
    ),
    OpCase(
        "transformer_decoder_layer_pre_norm_causal",
        lambda x, m: _DECODER_PRE_NORM.to(x.device)(
            x, m, tgt_mask=mg.ones(3, 3, dtype=bool, device=x.device).triu(1), tgt_is_causal=True
        ),
        [_encoder_rng.uniform(-1.0, 1.0, size=(3, 4)), _encoder_rng.uniform(-1, 1, (2, 4))],
    ),
]


# ==== LSTMLayer: one LSTM layer's whole time loop as one op (backpropagation through time by
# hand); the array backward and the recorded one are two codes, so the agreement check matters.
_lstm_layer_rng = np.random.default_rng(41)


def _lstm_layer_inputs(steps: int, batch: int, inputs: int, hidden: int, bias: bool) -> list:
    def draw(*shape: int) -> np.ndarray:
        return _lstm_layer_rng.uniform(-1.0, 1.0, size=shape)

    rows = 4 * hidden
    weights = [draw(rows, inputs), draw(rows, hidden)] + ([draw(rows), draw(rows)] if bias else [])
    return [draw(steps, batch, inputs), draw(batch, hidden), draw(batch, hidden), *weights]


CASES += [
    OpCase(
        "lstm_layer",  # every output: h_1 ... h_T, h_T again and c_T
        lambda *a: mg.cat([rnn.lstm_layer(*a)[0], mg.stack(rnn.lstm_layer(*a)[1:])]),
        _lstm_layer_inputs(3, 2, 3, 2, bias=True),
    ),
    OpCase(
        "lstm_layer_no_bias_one_step",
        lambda *a: rnn.lstm_layer(*a)[2],
        _lstm_layer_inputs(1, 3, 2, 2, bias=False),
    ),
]


# ==== MultiheadAttention's self-attention as one op (SelfAttention), through the layer =========
def _self_attention_layer() -> Any:
    state = mg.get_rng_state()
    mg.manual_seed(11)
    layer = mg.nn.MultiheadAttention(4, 2, batch_first=True).double()
    with mg.no_grad():  # PyTorch starts the biases at 0; give them values so they are checked
        layer.in_proj_bias.copy_(mg.randn(12, dtype=mg.float64))
    mg.set_rng_state(state)
    return layer


_SELF_ATTENTION = _self_attention_layer()


def _blind_first_query(x: Any) -> Any:
    """The causal mask and a padding mask that hides key 0 of sample 1 (True: may not look), so
    that query 0 of sample 1 may look at nothing: weights 0, output the bias alone."""
    future = mg.ones(3, 3, dtype=bool, device=x.device).triu(1)
    padding = np.zeros((2, 3), dtype=bool)
    padding[1, 0] = True
    layer = _SELF_ATTENTION.to(x.device)
    mask = mg.tensor(padding, device=x.device)
    return layer(x, x, x, need_weights=False, attn_mask=future, key_padding_mask=mask)[0]


CASES += [
    OpCase(
        "multihead_self_attention_one_op",
        lambda x: _SELF_ATTENTION.to(x.device)(x, x, x, need_weights=False)[0],
        [_encoder_rng.uniform(-1.0, 1.0, size=(2, 3, 4))],
    ),
    OpCase(
        "multihead_self_attention_one_op_masked",
        _blind_first_query,
        [_encoder_rng.uniform(-1.0, 1.0, size=(2, 3, 4))],
    ),
]


# ==== PyTorch's margin, embedding and likelihood losses (minigrad/nn/losses.py) ===============
# Their own generator, so cases added above never change these samples; the targets are int
# arrays (passed as they are) turned into float tensors inside each case, so that only the
# inputs are checked. The hinge samples are chosen to stay >= 0.1 from each kink.
_loss_rng = np.random.default_rng(2027)


def _lr(*shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return _loss_rng.uniform(low, high, size=shape)


def _floats(values: Any, like: Any) -> Any:
    return mg.tensor(np.asarray(values, dtype=np.float64), device=like.device)


_SIGNS = np.array([[1, -1, 1], [-1, -1, 1]])  # targets of +1 and -1

CASES += [
    OpCase(
        "margin_ranking_loss",
        lambda a, b: F.margin_ranking_loss(a, b, _floats(_SIGNS, a), margin=0.3),
        [
            np.array([[0.9, -1.2, 0.1], [0.4, 1.5, -0.7]]),
            np.array([[0.2, 0.5, 1.3], [-0.8, 0.6, -1.9]]),
        ],
    ),
    OpCase(
        "hinge_embedding_loss_odd_target",
        lambda x: F.hinge_embedding_loss(
            x, _floats([[1, -1, 0], [-1, -1, 2]], x), 1.2, reduction="sum"
        ),
        [np.array([[0.9, 0.4, 0.3], [1.7, 0.6, -0.5]])],
    ),
    OpCase(
        "cosine_embedding_loss",
        lambda a, b: F.cosine_embedding_loss(a, b, _floats([1, -1, -1, 1], a), margin=-0.2),
        [_lr(4, 3), _lr(4, 3)],
    ),
    OpCase(
        "triplet_margin_loss_swap_p3",
        lambda a, p, n: F.triplet_margin_loss(
            a, p, n, margin=2.0, p=3, swap=True, reduction="none"
        ),
        [_lr(4, 3), _lr(4, 3), _lr(4, 3)],
    ),
    OpCase(
        "poisson_nll_loss_full",
        lambda x: F.poisson_nll_loss(x, _floats([[0, 1, 2.5], [4, 0.5, 7]], x), full=True),
        [_lr(2, 3)],
    ),
    OpCase(
        "poisson_nll_loss_rates",
        lambda x: F.poisson_nll_loss(x, _floats([[0, 1, 2.5], [4, 0.5, 7]], x), log_input=False),
        [_lr(2, 3, low=0.2, high=3.0)],
    ),
    OpCase(
        "gaussian_nll_loss_shared_var",
        lambda x, y, v: F.gaussian_nll_loss(x, y, v, full=True, reduction="sum"),
        [_lr(4, 3), _lr(4, 3), _lr(4, 1, low=0.2, high=2.0)],
    ),
    OpCase("soft_margin_loss", lambda x: F.soft_margin_loss(x, _floats(_SIGNS, x)), [_lr(2, 3)]),
    OpCase(
        "multilabel_soft_margin_loss_weighted",
        lambda x, y, w: F.multilabel_soft_margin_loss(x, y, w, reduction="none"),
        [_lr(3, 4), _lr(3, 4, low=0.0, high=1.0), _lr(4, low=0.2, high=2.0)],
    ),
    OpCase(
        "multi_margin_loss_p2_weighted",
        lambda x, w: F.multi_margin_loss(x, _long([2, 0, 3], x), p=2, margin=0.8, weight=w),
        [
            np.array([[0.1, 1.3, 0.6, -0.9], [0.5, -1.1, 1.4, 0.2], [-0.3, 0.7, 0.0, 1.2]]),
            _lr(4, low=0.2, high=2.0),
        ],
    ),
    OpCase(
        "multilabel_margin_loss",
        lambda x: F.multilabel_margin_loss(x, _long([[3, 0, -1, 1], [1, 1, 2, -1]], x)),
        [np.array([[0.1, 1.3, 0.6, -0.9], [0.5, -1.1, 1.4, 0.2]])],
    ),
]


# ==== PyTorch's layers built from other ops (minigrad/nn/layers_more.py) ======================
CASES += [
    OpCase("rms_norm", lambda x, w: F.rms_norm(x, (2, 3), w), [_lr(4, 2, 3), _lr(2, 3)]),
    OpCase("rms_norm_eps", lambda x: F.rms_norm(x, 3, eps=0.1), [_lr(2, 3)]),
    OpCase(
        "bilinear",
        lambda a, b, w, c: F.bilinear(a, b, w, c),
        [_lr(2, 3, 2), _lr(2, 3, 4), _lr(5, 2, 4), _lr(5)],
    ),
    OpCase("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), [_lr(2, 8, 2, 3)]),
    OpCase("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), [_lr(3, 4, 2)]),
    OpCase("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 3), [_lr(2, 2, 7)]),
    # distinct values: no ties, so the maximum has no kink near the samples
    OpCase(
        "adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (2, 3)), [distinct(2, 2, 5, 7)]
    ),
    OpCase("adaptive_max_pool1d", lambda x: F.adaptive_max_pool1d(x, 4), [distinct(2, 7)]),
    OpCase(
        "lp_pool2d",
        lambda x: F.lp_pool2d(x, 3.0, (2, 3), stride=1),
        [_lr(2, 2, 4, 5, low=0.3, high=2.0)],
    ),
    OpCase("lp_pool1d", lambda x: F.lp_pool1d(x, 2, 3, ceil_mode=True), [_lr(2, 2, 7)]),
]


# ==== 3-d convolution and pooling, 1-d transposed convolution (built on the 2-d ops) ==========
CASES += [
    OpCase(
        "conv3d",
        lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 1), groups=2),
        [_lr(2, 4, 3, 4, 3), _lr(4, 2, 2, 2, 2), _lr(4)],
    ),
    OpCase(
        "conv3d_same_dilated",
        lambda x, w: F.conv3d(x, w, padding="same", dilation=(2, 1, 1)),
        [_lr(1, 2, 4, 3, 3), _lr(3, 2, 2, 2, 1)],
    ),
    OpCase(
        "max_pool3d",
        lambda x: F.max_pool3d(x, 2, stride=1, padding=1, ceil_mode=True),
        [distinct(1, 2, 3, 3, 4)],
    ),
    OpCase(
        "avg_pool3d",
        lambda x: F.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        [_lr(2, 2, 4, 5, 4)],
    ),
    OpCase(
        "adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (2, 3, 2)), [_lr(1, 2, 5, 4, 3)]
    ),
    OpCase(
        "conv_transpose1d",
        lambda x, w, b: F.conv_transpose1d(
            x, w, b, stride=2, padding=1, output_padding=1, groups=2
        ),
        [_lr(2, 4, 5), _lr(4, 3, 3), _lr(6)],
    ),
]


# ==== minigrad.linalg: well-conditioned matrices, SPD for cholesky, distinct eigenvalues ======
def _well_conditioned(*shape: int) -> np.ndarray:
    """Random matrices with their diagonal pushed away from 0: far from singular."""
    return _lr(*shape, low=-1.0, high=1.0) + 4.0 * np.eye(shape[-1])


def _sym(a: Any) -> Any:
    """A symmetric matrix from any square one, so that a finite difference of one entry moves
    the whole (lower-triangle-reading) input as the analytic gradient assumes."""
    return (a + a.swapaxes(-1, -2)) * 0.5


_diag_distinct = np.diag([1.0, 2.5, 4.0, 6.0])  # eigenvalues well apart for eigh's 1/(w_j - w_i)


def _eigh_loss(a: Any) -> Any:
    w, q = mg.linalg.eigh(_sym(a))
    return w * w + (q**4).sum(-2)  # sign-independent in each eigenvector


def _svd_loss(a: Any) -> Any:
    u, s, vh = mg.linalg.svd(a, full_matrices=False)
    return (u * u * s[..., None, :]).sum() + (u @ (s[..., None] * vh)).sum() + (vh**4).sum()


CASES += [
    OpCase("linalg_inv", mg.linalg.inv, [_well_conditioned(2, 3, 3)]),
    OpCase("linalg_det", mg.linalg.det, [_well_conditioned(2, 3, 3)]),
    OpCase("linalg_slogdet", lambda a: mg.linalg.slogdet(a).logabsdet, [_well_conditioned(3, 3)]),
    OpCase(
        "linalg_solve",
        lambda a, b: mg.linalg.solve(a, b),
        [_well_conditioned(2, 3, 3), _lr(1, 3, 2)],
    ),
    OpCase(
        "linalg_solve_right_vector",
        lambda a, b, c: mg.linalg.solve(a, b, left=False) + mg.linalg.solve(a, c).sum(),
        [_well_conditioned(3, 3), _lr(2, 3), _lr(3)],
    ),
    OpCase(
        "linalg_cholesky",
        lambda a: mg.linalg.cholesky(_sym(a) + 3.0 * mg.eye(3, dtype=mg.float64, device=a.device)),
        [_lr(2, 3, 3)],
    ),
    OpCase(
        "linalg_matrix_power", lambda a: mg.linalg.matrix_power(a, -3), [_well_conditioned(3, 3)]
    ),
    OpCase("linalg_pinv_wide", mg.linalg.pinv, [_lr(2, 3, 4)]),
    OpCase("linalg_pinv_tall", mg.linalg.pinv, [_lr(4, 2)]),
    OpCase("linalg_eigh", _eigh_loss, [_diag_distinct + _lr(4, 4, low=-0.3, high=0.3)]),
    OpCase("linalg_svd_tall", _svd_loss, [_lr(2, 4, 3)]),
    OpCase("linalg_svd_wide", _svd_loss, [_lr(3, 4)]),
    OpCase(
        "linalg_matrix_norms",
        lambda a: (
            mg.linalg.matrix_norm(a, "nuc")
            + mg.linalg.matrix_norm(a, 1)
            + mg.linalg.matrix_norm(a, -2)
        ),
        [_lr(2, 3, 4)],
    ),
    OpCase("linalg_vector_norm", lambda a: mg.linalg.vector_norm(a, 3, dim=(0, 2)), [_lr(2, 3, 4)]),
]
NOT_GRADCHECKED["Qr"] = (
    "linalg.qr gives values only; its backward raises NotImplementedError "
    "(tests/test_linalg.py::test_qr_backward_raises)"
)


# ==== grid_sample / affine_grid / pdist / gumbel_softmax: built from existing ops ==============
def _grid(*shape: int) -> np.ndarray:
    """Sample positions whose pixel coordinates stay 0.1 away from integers and from the
    reflection and clamping points, so no finite difference crosses a kink."""
    cells = _rng.integers(-3, 6, size=shape) + _rng.uniform(0.15, 0.85, size=shape)
    return (2.0 * cells + 1.0) / 4.0 - 1.0  # align_corners=False with size 4: x = (4 g + 3) / 2


def _seeded_gumbel(a):
    """One noise draw on every call (hard=True's straight-through gradient is not the
    derivative of its output: tests/test_functional_more6.py checks it)."""
    mg.manual_seed(7)
    return F.gumbel_softmax(a, tau=0.7, dim=0)


CASES += [
    OpCase(
        "grid_sample_bilinear_zeros",
        lambda x, g: F.grid_sample(x, g, align_corners=False),
        [rand(2, 2, 4, 4), _grid(2, 3, 2, 2)],
    ),
    OpCase(
        "grid_sample_bilinear_border",
        lambda x, g: F.grid_sample(x, g, padding_mode="border", align_corners=False),
        [rand(1, 2, 4, 4), _grid(1, 3, 3, 2) * 0.8],
    ),
    OpCase(
        "grid_sample_bilinear_reflection",
        lambda x, g: F.grid_sample(x, g, padding_mode="reflection", align_corners=False),
        [rand(1, 1, 4, 4), _grid(1, 3, 3, 2)],
    ),
    OpCase(
        "grid_sample_nearest",
        lambda x, g: F.grid_sample(x, g, mode="nearest", align_corners=False),
        [rand(1, 2, 4, 4), _grid(1, 2, 3, 2)],
    ),
    OpCase(
        "affine_grid",
        lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=False),
        [rand(2, 2, 3)],
    ),
    OpCase(
        "affine_grid_3d",
        lambda t: F.affine_grid(t, (1, 1, 2, 3, 2), align_corners=True),
        [rand(1, 3, 4)],
    ),
    OpCase("pdist", F.pdist, [rand(4, 3)]),
    OpCase("pdist_p3", lambda x: F.pdist(x, p=3), [rand(3, 2)]),
    OpCase("gumbel_softmax", _seeded_gumbel, [rand(3, 2)]),
]
