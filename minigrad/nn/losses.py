"""PyTorch's margin, embedding and likelihood losses: the functions (``F.margin_ranking_loss``,
...) and their modules (``nn.MarginRankingLoss``, ...).

Every loss here is a few differentiable ops, so its backward comes from theirs. Each formula is
PyTorch's documented one; where PyTorch's code differs from its documentation at an edge (a
target that is neither 1 nor -1), the code is what is followed, and the docstring says so.

Each function takes PyTorch's arguments in PyTorch's order, the deprecated ``size_average`` and
``reduce`` included, so that a positional call written for PyTorch means the same here. Either
of those two, when given, decides the reduction as in PyTorch (with its warning):
``reduce=False`` gives 'none', else ``size_average=False`` gives 'sum', else 'mean'.

The functions are re-exported by ``minigrad.nn.functional``, the modules by ``minigrad.nn``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..checks import check_bool, check_choice, check_number
from ..ops import where
from ..tensor import Tensor
from .functional import _reduce, _same_device, logsigmoid, pairwise_distance, softplus
from .module import Module

__all__ = [
    "CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "MarginRankingLoss",
    "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss", "PoissonNLLLoss",
    "SoftMarginLoss", "TripletMarginLoss", "cosine_embedding_loss", "gaussian_nll_loss",
    "hinge_embedding_loss", "margin_ranking_loss", "multi_margin_loss", "multilabel_margin_loss",
    "multilabel_soft_margin_loss", "poisson_nll_loss", "soft_margin_loss", "triplet_margin_loss",
]  # fmt: skip

_REDUCTIONS = ("mean", "sum", "none")


def _reduction(owner: str, size_average: Any, reduce: Any, reduction: str) -> str:
    """The reduction to use: ``reduction``, unless a deprecated ``size_average``/``reduce`` is
    given, which then decides as PyTorch's ``_Reduction.legacy_get_string`` does (None counts
    as True), with PyTorch's warning."""
    if size_average is None and reduce is None:
        return check_choice(owner, "reduction", reduction, _REDUCTIONS)
    size_average = True if size_average is None else check_bool(owner, "size_average", size_average)
    reduce = True if reduce is None else check_bool(owner, "reduce", reduce)
    legacy = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{legacy}' "
        "instead.",
        UserWarning,
        stacklevel=3,
    )
    return legacy


def _as_tensor(value: Any, like: Tensor, name: str, owner: str) -> Tensor:
    """``value`` as a tensor beside ``like`` (numbers and arrays in its dtype)."""
    if not isinstance(value, Tensor):
        value = Tensor(np.asarray(value, dtype=like.dtype), device=like.device)
    _same_device(like, owner, **{name: value})
    return value


def _mask(condition: Any, like: Tensor) -> Tensor:
    return Tensor._wrap(condition, like.device)


# ---- ranking and embedding losses ---------------------------------------------------------------
def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Any,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Margin ranking loss: with y = 1 when x1 should rank higher than x2, y = -1 when lower,

        loss = max(0, -y (x1 - x2) + margin)

    The three inputs must have the same number of dims, and broadcast together (PyTorch's rule).
    """
    name = "margin_ranking_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    margin = check_number(name, "margin", margin)
    target = _as_tensor(target, input1, "target", name)
    _same_device(input1, name, input2=input2)
    if not input1.ndim == input2.ndim == target.ndim:
        raise ValueError(
            f"{name}: input1, input2 and target must have the same number of dims, got shapes "
            f"{input1.shape}, {input2.shape} and {target.shape}"
        )
    loss = (-target * (input1 - input2) + margin).clamp_min(0.0)
    return _reduce(loss, reduction, name)


def hinge_embedding_loss(
    input: Tensor,
    target: Any,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Hinge embedding loss, for an input x that is a distance and a target y of 1 (similar)
    or -1 (dissimilar):

        loss = x                    where y = 1
               max(0, margin - x)   where y = -1

    As PyTorch's code: the first term is taken wherever y != -1 and the second wherever y != 1,
    so a target that is neither adds both.
    """
    name = "hinge_embedding_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    margin = check_number(name, "margin", margin)
    target = _as_tensor(target, input, "target", name)
    hinge = (margin - input).clamp_min(0.0)
    loss = where(_mask(target.data != 1, input), hinge, 0.0) + where(
        _mask(target.data != -1, input), input, 0.0
    )
    return _reduce(loss, reduction, name)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Any,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Cosine embedding loss, with c = cos(x1, x2) along the last dim and y = 1 (similar) or
    -1 (dissimilar):

        loss = 1 - c                where y = 1
               max(0, c - margin)   where y = -1       (0 for any other y)

    c is computed as PyTorch does, sum(x1 x2) / sqrt((sum(x1^2) + 1e-12) (sum(x2^2) + 1e-12)),
    the 1e-12 keeping a zero vector at c = 0. Inputs (N, D) with target (N,), or (D,) with a
    0-d target.
    """
    name = "cosine_embedding_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    margin = check_number(name, "margin", margin)
    target = _as_tensor(target, input1, "target", name)
    _same_device(input1, name, input2=input2)
    if target.ndim not in (0, 1):
        raise ValueError(f"{name}: target must be 0-d or 1-d, got shape {target.shape}")
    wanted = target.ndim + 1
    if input1.ndim != wanted or input2.ndim != wanted:
        raise ValueError(
            f"{name}: a {target.ndim}-d target needs {wanted}-d inputs, got shapes "
            f"{input1.shape} and {input2.shape}"
        )
    axis = target.ndim
    eps = 1e-12  # PyTorch's EPSILON in cosine_embedding_loss
    dot = (input1 * input2).sum(axis=axis)
    squares = ((input1 * input1).sum(axis=axis) + eps) * ((input2 * input2).sum(axis=axis) + eps)
    cos = dot / squares.sqrt()
    loss = where(_mask(target.data == 1, cos), 1.0 - cos, 0.0) + where(
        _mask(target.data == -1, cos), (cos - margin).clamp_min(0.0), 0.0
    )
    return _reduce(loss, reduction, name)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Triplet margin loss (Balntas et al. 2016, "Learning local feature descriptors with
    triplets and shallow convolutional neural networks"), with d the p-norm distance of
    ``F.pairwise_distance`` (eps added to the difference):

        loss = max(0, d(a, p) - d(a, n) + margin)

    ``swap`` (the paper's distance swap) uses min(d(a, n), d(p, n)) as the negative distance.
    Inputs (N, D) or (D,), all with the same number of dims; margin must be > 0.
    """
    name = "triplet_margin_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    margin = check_number(name, "margin", margin, low=0, low_inclusive=False)
    p = check_number(name, "p", p, low=0, low_inclusive=False, allow_inf=True)
    eps = check_number(name, "eps", eps)
    swap = check_bool(name, "swap", swap)
    _same_device(anchor, name, positive=positive, negative=negative)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise ValueError(
            f"{name}: anchor, positive and negative must have the same number of dims, got "
            f"shapes {anchor.shape}, {positive.shape} and {negative.shape}"
        )
    to_positive = pairwise_distance(anchor, positive, p, eps)
    to_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        to_negative = to_negative.minimum(pairwise_distance(positive, negative, p, eps))
    loss = (to_positive - to_negative + margin).clamp_min(0.0)
    return _reduce(loss, reduction, name)


# ---- likelihood losses --------------------------------------------------------------------------
def poisson_nll_loss(
    input: Tensor,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of a target count y under a Poisson distribution of rate r,
    without the constant log(y!):

        loss = exp(x) - y x             with log_input=True (x = log r, the default)
               x - y log(x + eps)       with log_input=False (x = r)

    ``full`` adds Stirling's approximation of log(y!), y log y - y + 0.5 log(2 pi y), where
    y > 1 (0 elsewhere, as PyTorch).
    """
    name = "poisson_nll_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    check_bool(name, "log_input", log_input)
    check_bool(name, "full", full)
    eps = check_number(name, "eps", eps)
    target = _as_tensor(target, input, "target", name)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        big = target.data > 1
        safe = _mask(target.xp.where(big, target.data, 2.0), input)  # no log(0) in the unused
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + where(_mask(big, input), stirling, 0.0)
    return _reduce(loss, reduction, name)


def gaussian_nll_loss(
    input: Tensor,
    target: Any,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of a target y under a Gaussian of mean x (the input) and
    variance v, without the constant unless ``full``:

        loss = 0.5 (log max(v, eps) + (x - y)^2 / max(v, eps))   (+ 0.5 log(2 pi) if full)

    v is clamped at eps in value only; its gradient is v's own (PyTorch clamps outside the
    graph). v may be a number, have the input's shape (one variance per value), or be one dim
    short of it or 1 in one dim (a variance shared along that dim). Every v must be >= 0.
    """
    name = "gaussian_nll_loss"
    check_bool(name, "full", full)
    eps = check_number(name, "eps", eps)
    target = _as_tensor(target, input, "target", name)
    if not isinstance(var, Tensor):
        check_number(name, "var", var, low=0)
    var = _as_tensor(var, input, "var", name)
    if var.ndim == 0:
        var = var.broadcast_to(input.shape)
    if bool((var.data < 0).any()):
        raise ValueError(f"{name}: every entry of var must be >= 0, got a negative one")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (
            input.ndim == var.ndim and sum(v for n, v in zip(input.shape, var.shape) if n != v) == 1
        ):
            raise ValueError(
                f"{name}: var of shape {var.shape} does not fit input of shape {input.shape}: "
                "it must have the input's shape, lack its last dim, or be 1 in one dim"
            )
    check_choice(name, "reduction", reduction, _REDUCTIONS)
    with no_grad():
        lift = var.clamp_min(eps) - var  # what the clamp adds, a constant to the graph
    var = var + lift
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, name)


# ---- margin losses for classification -----------------------------------------------------------
def soft_margin_loss(
    input: Tensor,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Two-class logistic loss for targets y of 1 or -1, elementwise

        loss = log(1 + exp(-y x))

    computed as softplus(-y x), which stays finite where exp(-y x) would overflow (PyTorch's
    log1p(exp(.)) gives inf there, past -y x = 709 in float64).
    """
    name = "soft_margin_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    target = _as_tensor(target, input, "target", name)
    return _reduce(softplus(-target * input, threshold=None), reduction, name)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Any,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-label one-versus-all loss: a binary cross-entropy on logits per class, averaged
    over the C classes (the last dim) of each sample,

        loss[n] = -1/C sum_c w[c] (y[n,c] log sigmoid(x[n,c]) + (1 - y[n,c]) log sigmoid(-x[n,c]))

    then reduced over the samples. ``weight`` w (broadcast to the input) is 1 when None.
    """
    name = "multilabel_soft_margin_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    target = _as_tensor(target, input, "target", name)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * _as_tensor(weight, input, "weight", name)
    loss = loss.sum(axis=input.ndim - 1) / input.shape[-1]
    return _reduce(loss, reduction, name)


def _class_indices(input: Tensor, target: Any, name: str) -> tuple[Tensor, Any]:
    """(N, C) scores (one sample (C,) as N = 1) and the (N,) integer targets, checked."""
    target = target if isinstance(target, Tensor) else Tensor(target, device=input.device)
    _same_device(input, name, target=target)
    indices = target.data
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got {indices.dtype}")
    if input.ndim == 1 and indices.ndim <= 1 and indices.size == 1:
        input, indices = input.reshape(1, -1), indices.reshape(1)
    if input.ndim != 2 or indices.shape != (input.shape[0],):
        raise ValueError(
            f"{name}: input must be (N, C) with target (N,), or (C,) with one target; got "
            f"shapes {input.shape} and {indices.shape}"
        )
    classes = input.shape[1]
    if indices.size and not bool(((indices >= 0) & (indices < classes)).all()):
        raise ValueError(f"{name}: target values must lie in [0, {classes - 1}]")
    return input, indices


def multi_margin_loss(
    input: Tensor,
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss: for the scores x of a sample of class y, out of C classes,

        loss = 1/C sum over i != y of w[y] max(0, margin - x[y] + x[i])^p

    with p 1 or 2 and w (``weight``, one value per class) 1 when None. Input (N, C) with
    target (N,), or (C,) with one target.
    """
    name = "multi_margin_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    if p not in (1, 2) or isinstance(p, bool):
        raise ValueError(f"{name}: p must be 1 or 2, got {p!r}")
    margin = check_number(name, "margin", margin)
    one_shape = target.shape if isinstance(target, Tensor) else np.shape(target)
    was_one = input.ndim == 1
    scores, indices = _class_indices(input, target, name)
    rows, classes = scores.shape
    picked = scores[scores.xp.arange(rows), indices].reshape(rows, 1)
    hinge = (margin - picked + scores).clamp_min(0.0)
    if p == 2:
        hinge = hinge * hinge
    others = scores.xp.arange(classes)[None, :] != indices[:, None]
    hinge = where(_mask(others, scores), hinge, 0.0)
    if weight is not None:
        weight = _as_tensor(weight, input, "weight", name)
        if weight.shape != (classes,):
            raise ValueError(
                f"{name}: weight must have one value per class, shape ({classes},), got "
                f"{weight.shape}"
            )
        hinge = hinge * weight[indices].reshape(rows, 1)
    loss = hinge.sum(axis=1) / classes
    if was_one:  # one sample: the target's shape, () or (1,), as PyTorch
        loss = loss.reshape(one_shape)
    return _reduce(loss, reduction, name)


def multilabel_margin_loss(
    input: Tensor,
    target: Any,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-label hinge loss: each sample's target lists its classes, then -1 (everything
    after the first -1 is ignored); with J those classes and C the number of classes,

        loss = 1/C sum over j in J, i not in J of max(0, 1 - (x[j] - x[i]))

    A class listed twice counts twice, as in PyTorch's loop. Input (N, C) with an integer
    target of the same shape, or (C,) with (C,).
    """
    name = "multilabel_margin_loss"
    reduction = _reduction(name, size_average, reduce, reduction)
    target = target if isinstance(target, Tensor) else Tensor(target, device=input.device)
    _same_device(input, name, target=target)
    indices = target.data
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got {indices.dtype}")
    if input.ndim not in (1, 2) or indices.shape != input.shape:
        raise ValueError(
            f"{name}: input must be (N, C) or (C,), with a target of the same shape; got "
            f"shapes {input.shape} and {indices.shape}"
        )
    was_one = input.ndim == 1
    scores = input.reshape(1, -1) if was_one else input
    indices = indices.reshape(scores.shape)
    rows, classes = scores.shape
    xp = scores.xp
    # a position counts while no -1 has been met in its row
    listed = xp.cumsum(indices == -1, axis=1) == 0
    if bool((listed & ((indices < 0) | (indices >= classes))).any()):
        raise ValueError(
            f"{name}: target values before each row's first -1 must lie in [0, {classes - 1}]"
        )
    named = (indices[:, :, None] == xp.arange(classes)) & listed[:, :, None]
    counts = named.sum(axis=1).astype(scores.dtype)  # times each class is listed
    others = (counts == 0).astype(scores.dtype)
    # pair[n, j, i] = max(0, 1 - x[n, j] + x[n, i]), for class j listed and class i not
    pair = (1.0 - scores.reshape(rows, classes, 1) + scores.reshape(rows, 1, classes)).clamp_min(
        0.0
    )
    weights = _mask(counts[:, :, None] * others[:, None, :], scores)
    loss = (pair * weights).sum(axis=(1, 2)) / classes
    if was_one:
        loss = loss.reshape(())
    return _reduce(loss, reduction, name)


# ---- the modules --------------------------------------------------------------------------------
class _Loss(Module):
    """A loss module: holds ``reduction`` (decided from the deprecated ``size_average`` and
    ``reduce`` when they are given, as in PyTorch)."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"):
        super().__init__()
        self.reduction = _reduction(type(self).__name__, size_average, reduce, reduction)


class MarginRankingLoss(_Loss):
    """``F.margin_ranking_loss`` as a module: max(0, -y (x1 - x2) + margin)."""

    def __init__(
        self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.margin = check_number("MarginRankingLoss", "margin", margin)

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        return margin_ranking_loss(input1, input2, target, self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``F.hinge_embedding_loss`` as a module: x where y = 1, max(0, margin - x) where y = -1."""

    def __init__(
        self, margin: float = 1.0, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.margin = check_number("HingeEmbeddingLoss", "margin", margin)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``F.cosine_embedding_loss`` as a module: 1 - cos where y = 1, max(0, cos - margin)
    where y = -1."""

    def __init__(
        self, margin: float = 0.0, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.margin = check_number("CosineEmbeddingLoss", "margin", margin)

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        return cosine_embedding_loss(input1, input2, target, self.margin, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``F.triplet_margin_loss`` as a module: max(0, d(a, p) - d(a, n) + margin)."""

    def __init__(
        self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
        size_average: Any = None, reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        owner = "TripletMarginLoss"
        self.margin = check_number(owner, "margin", margin, low=0, low_inclusive=False)
        self.p = check_number(owner, "p", p, low=0, low_inclusive=False, allow_inf=True)
        self.eps = check_number(owner, "eps", eps)
        self.swap = check_bool(owner, "swap", swap)

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return triplet_margin_loss(
            anchor, positive, negative, self.margin, self.p, self.eps, self.swap,
            reduction=self.reduction,
        )  # fmt: skip


class PoissonNLLLoss(_Loss):
    """``F.poisson_nll_loss`` as a module: exp(x) - y x (log_input) or x - y log(x + eps)."""

    def __init__(
        self, log_input: bool = True, full: bool = False, size_average: Any = None,
        eps: float = 1e-8, reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.log_input = check_bool("PoissonNLLLoss", "log_input", log_input)
        self.full = check_bool("PoissonNLLLoss", "full", full)
        self.eps = check_number("PoissonNLLLoss", "eps", eps)

    def forward(self, log_input: Tensor, target: Any) -> Tensor:
        return poisson_nll_loss(
            log_input, target, self.log_input, self.full, eps=self.eps, reduction=self.reduction
        )


class GaussianNLLLoss(_Loss):
    """``F.gaussian_nll_loss`` as a module: 0.5 (log v + (x - y)^2 / v), v clamped at eps.
    Its arguments are keyword-only, as in PyTorch."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full = check_bool("GaussianNLLLoss", "full", full)
        self.eps = check_number("GaussianNLLLoss", "eps", eps)

    def forward(self, input: Tensor, target: Any, var: Tensor | float) -> Tensor:
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class SoftMarginLoss(_Loss):
    """``F.soft_margin_loss`` as a module: log(1 + exp(-y x))."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_Loss):
    """``F.multilabel_soft_margin_loss`` as a module: per-class logistic loss, averaged over
    the classes. ``weight`` is a buffer, as in PyTorch."""

    def __init__(
        self, weight: Tensor | None = None, size_average: Any = None, reduce: Any = None,
        reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return multilabel_soft_margin_loss(input, target, self.weight, reduction=self.reduction)


class MultiMarginLoss(_Loss):
    """``F.multi_margin_loss`` as a module: multi-class hinge loss, p 1 or 2. ``weight`` is a
    buffer, as in PyTorch."""

    def __init__(
        self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
        size_average: Any = None, reduce: Any = None, reduction: str = "mean",
    ) -> None:  # fmt: skip
        super().__init__(size_average, reduce, reduction)
        if p not in (1, 2) or isinstance(p, bool):
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p!r}")
        self.p = p
        self.margin = check_number("MultiMarginLoss", "margin", margin)
        if weight is not None and weight.ndim != 1:
            raise ValueError(
                f"MultiMarginLoss: weight must be 1-d, one value per class, got shape "
                f"{weight.shape}"
            )
        self.register_buffer("weight", weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return multi_margin_loss(
            input, target, self.p, self.margin, self.weight, reduction=self.reduction
        )


class MultiLabelMarginLoss(_Loss):
    """``F.multilabel_margin_loss`` as a module: hinge between each listed class and each
    other one."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return multilabel_margin_loss(input, target, reduction=self.reduction)
