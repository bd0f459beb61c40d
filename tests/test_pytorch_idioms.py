"""PyTorch's meanings for the names PyTorch has: what a learner's PyTorch code computes.

Where NumPy and PyTorch give one call two meanings (``transpose(0, 1)``, ``max(dim)``,
``var()``, ``size``), PyTorch's wins and NumPy's spelling stays an alias where the meaning is
the same. Expected values are worked out by hand from PyTorch's documented behaviour.
"""

import math

import numpy as np
import pytest

import minigrad as mg

M = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])


def t(values=M, **kwargs):
    return mg.tensor(np.array(values, dtype=np.float64), **kwargs)


def test_transpose_of_two_dims_swaps_them_and_permute_reorders():
    x = t(np.arange(24.0).reshape(2, 3, 4))
    assert t().transpose(0, 1).shape == (3, 2)  # NumPy's transpose(0, 1) would be the identity
    assert x.transpose(0, 2).shape == (4, 3, 2)
    assert x.transpose(-1, 0).shape == (4, 3, 2)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.permute((2, 0, 1)).shape == (4, 2, 3)
    np.testing.assert_array_equal(x.permute(2, 0, 1).numpy(), x.numpy().transpose(2, 0, 1))
    assert x.transpose((1, 0, 2)).shape == (3, 2, 4)  # one sequence: NumPy's permutation
    assert t().t().shape == (3, 2) and t().T.shape == (3, 2)
    with pytest.raises(ValueError, match="t\\(\\) expects a tensor of at most 2 dims"):
        x.t()


def test_max_along_a_dim_gives_values_and_indices():
    values, indices = t().max(1)
    np.testing.assert_array_equal(values.numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])  # the first of the tied 7s
    assert indices.dtype == np.int64
    result = mg.max(t(), dim=0, keepdim=True)
    assert result.values.shape == (1, 3) and result.indices.numpy().tolist() == [[1, 0, 1]]
    low = t().min(axis=1)  # NumPy's axis= is accepted and means dim
    np.testing.assert_array_equal(low.values.numpy(), [1.0, 0.0])
    assert t().max().item() == 7.0 and t().max().shape == ()
    np.testing.assert_array_equal(mg.max(t(), t() * 0 + 3).numpy(), np.maximum(M, 3))  # elementwise
    np.testing.assert_array_equal(t().amax(1).numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(t().amin(dim=(0, 1), keepdim=True).numpy(), [[0.0]])


def test_max_along_a_dim_sends_the_gradient_to_the_index_it_returns():
    x = t(requires_grad=True)
    x.max(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])  # not 0.5, 0.5 for the 7s
    y = t(requires_grad=True)
    y.amax(1).sum().backward()  # amax shares a tie, as torch.amax does
    np.testing.assert_array_equal(y.grad.numpy(), [[0, 1, 0], [0.5, 0, 0.5]])


def test_classifier_tutorial_idiom_predicted_classes():
    outputs = t([[0.1, 2.0, 0.3], [1.5, 0.2, 0.1]])
    labels = mg.tensor([1, 2])
    _, predicted = mg.max(outputs, 1)
    correct = (predicted == labels).sum().item()
    assert correct == 1
    classes = ("plane", "car", "bird")
    assert classes[predicted[0]] == "car"  # __index__ on a one-element integer tensor


def test_dim_and_keepdim_everywhere_with_numpy_aliases():
    x = t()
    assert x.sum(dim=1).shape == (2,) and x.sum(1, keepdim=True).shape == (2, 1)
    assert x.sum(axis=1, keepdims=True).shape == (2, 1)
    assert x.mean(dim=0).shape == (3,)
    assert x.argmax(dim=1).numpy().tolist() == [1, 0] and x.argmax(1, keepdim=True).shape == (2, 1)
    assert x.argmax().item() == 3
    assert mg.softmax(x, dim=0).shape == (2, 3) and x.log_softmax(dim=1).shape == (2, 3)
    assert x.logsumexp(dim=1).shape == (2,)
    assert x.unsqueeze(dim=0).shape == (1, 2, 3) and x.unsqueeze(axis=-1).shape == (2, 3, 1)
    assert x.unsqueeze(0).squeeze(dim=0).shape == (2, 3)
    assert t(np.ones((2, 3, 4))).flatten(start_dim=1).shape == (2, 12)
    assert mg.nn.Flatten(0, 1)(t(np.ones((2, 3, 4)))).shape == (6, 4)
    assert mg.nn.Softmax(dim=1)(x).shape == (2, 3)
    with pytest.raises(TypeError, match="give dim or axis"):
        x.sum(dim=0, axis=1)


def test_var_and_std_are_unbiased_by_default_as_in_pytorch():
    x = t([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(5 / 3)  # sum of squares 5, over n - 1 = 3
    assert x.var(unbiased=False).item() == pytest.approx(1.25)
    assert x.var(correction=0).item() == pytest.approx(1.25)
    assert x.var(ddof=0).item() == pytest.approx(np.var([1, 2, 3, 4]))  # NumPy's name and default
    assert x.std().item() == pytest.approx(math.sqrt(5 / 3))
    with pytest.raises(TypeError, match="give one of correction, unbiased or ddof"):
        x.var(ddof=0, correction=1)


def test_sizes_and_shapes_by_pytorch_names():
    x = t(np.zeros((2, 3, 4)))
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.dim() == 3 and x.numel() == 24 and len(x) == 2
    assert x.view(6, 4).shape == (6, 4) and x.view(-1).shape == (24,)
    assert x.contiguous() is x
    assert t([[1.0], [2.0]]).expand(2, 3).shape == (2, 3)
    assert t([[1.0], [2.0]]).expand(-1, 4).shape == (2, 4)
    a, b = t(np.ones((2, 3))), t(np.ones((3, 4)))
    assert a.mm(b).shape == (2, 4)
    with pytest.raises(ValueError, match="mm: needs two 2-d tensors"):
        a.mm(t(np.ones(3)))


def test_dtypes_and_devices_by_pytorch_names():
    x = t([1.7, -2.2])
    assert x.float().dtype == np.float32 and x.double().dtype == np.float64
    assert x.half().dtype == np.float16 and x.long().dtype == np.int64
    assert x.int().dtype == np.int32 and x.bool().dtype == np.bool_
    assert x.long().numpy().tolist() == [1, -2]  # truncation, as PyTorch's
    assert x.to(mg.float32).dtype == np.float32
    moved = x.to("cpu", mg.float32)
    assert moved.device == "cpu" and moved.dtype == np.float32
    assert x.to(dtype=mg.float64) is x  # nothing to change
    assert x.type() == "float64" and x.type(mg.float32).dtype == np.float32
    assert mg.device("cpu") is mg.device("cpu", 0)  # torch.device("cpu")
    assert mg.device(x.device.type) is x.device and x.to(mg.device(x.device.type)) is x
    with pytest.raises(TypeError, match="index must be an int"):
        mg.device("cpu", "0")


def test_comparisons_math_and_masks_by_pytorch_names():
    x = t([1.0, 2.0, 3.0])
    assert x.eq(2.0).numpy().tolist() == [False, True, False]
    assert x.ne(2.0).numpy().tolist() == [True, False, True]
    assert x.lt(2.0).numpy().tolist() == [True, False, False]
    assert x.le(2.0).numpy().tolist() == [True, True, False]
    assert x.gt(2.0).numpy().tolist() == [False, False, True]
    assert x.ge(2.0).numpy().tolist() == [False, True, True]
    assert x.pow(2).numpy().tolist() == [1.0, 4.0, 9.0]
    assert x.clamp(1.5, 2.5).numpy().tolist() == [1.5, 2.0, 2.5]
    assert x.clamp(min=2.0).numpy().tolist() == [2.0, 2.0, 3.0]
    assert x.masked_fill(x > 1.5, 0.0).numpy().tolist() == [1.0, 0.0, 0.0]
    np.testing.assert_allclose(mg.sin(x).numpy(), np.sin([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.cos().numpy(), np.cos([1.0, 2.0, 3.0]))
    assert bool(x.any()) and isinstance(x.all(), mg.Tensor)
    assert (x > 0).all().item() is True and x.gt(2.5).any(dim=0).item() is True


def test_masked_fill_gradient_skips_the_filled_places():
    x = t([1.0, 2.0, 3.0], requires_grad=True)
    x.masked_fill(x > 1.5, 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 0.0])


def test_clone_copies_memory_and_keeps_the_gradient_path():
    x = t([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y.data is not x.data and not y.is_leaf and y.grad_fn is not None
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    z = t([1.0, 2.0])
    copy = z.clone()
    copy[0] = 9.0
    assert z.numpy()[0] == 1.0
    assert x.is_leaf and x.grad_fn is None


def test_in_place_methods_change_the_tensor_and_its_version():
    x = t([1.0, -2.0, 3.0])
    assert x.add_(1.0) is x and x.numpy().tolist() == [2.0, -1.0, 4.0]
    x.sub_(1.0).mul_(2.0).div_(2.0)
    assert x.numpy().tolist() == [1.0, -2.0, 3.0]
    x.clamp_(-1.0, 2.0)
    assert x.numpy().tolist() == [1.0, -1.0, 2.0]
    x.copy_(t([5.0, 6.0, 7.0]))
    assert x.numpy().tolist() == [5.0, 6.0, 7.0]
    x.fill_(2.0)
    assert x.numpy().tolist() == [2.0, 2.0, 2.0]
    x.zero_()
    assert x.numpy().tolist() == [0.0, 0.0, 0.0] and x._version == 8


def test_python_protocols_on_one_element_tensors():
    loss = t(0.123456)
    assert float(loss) == pytest.approx(0.123456) and f"{loss:.3f}" == "0.123"
    assert int(mg.tensor(3)) == 3 and bool(mg.tensor(True)) is True
    assert [10, 20, 30][mg.tensor(2)] == 30
    with pytest.raises(TypeError, match="only integer tensors can be used as an index"):
        [10, 20][t(1.0)]
    rows = list(t())
    assert len(rows) == 2 and rows[1].numpy().tolist() == [7.0, 0.0, 7.0]
    assert "tensor(" in f"{t()}"


@pytest.mark.host_only("np.asarray of a host tensor")
def test_numpy_asarray_of_a_host_tensor():
    x = t()
    np.testing.assert_array_equal(np.asarray(x), M)
    copied = np.array(x)
    copied[0, 0] = 100.0
    assert x.numpy()[0, 0] == 1.0


def test_numpy_asarray_of_a_device_tensor_is_a_clear_error():
    import fake_device  # noqa: F401

    with pytest.raises(TypeError, match="np.asarray\\(\\) of a tensor on fakegpu"):
        np.asarray(mg.tensor([1.0], device="fakegpu"))


def test_backward_of_a_non_scalar_with_a_gradient_argument():
    x = t([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(mg.tensor(np.array([0.1, 1.0, 0.0001])))  # a vector-Jacobian product
    np.testing.assert_allclose(x.grad.numpy(), [0.2, 4.0, 0.0006])


def test_the_polynomial_tutorial_with_manual_updates_under_no_grad():
    # PyTorch's "Learning PyTorch with examples": fit sin(x) on [-pi, pi] with a cubic.
    x = mg.tensor(np.linspace(-math.pi, math.pi, 2000), dtype=mg.float64)
    y = mg.sin(x)
    a, b, c, d = (mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in (0.1, 0.2, 0.3, 0.4))
    learning_rate = 1e-6
    for _ in range(2000):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with mg.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    assert a.is_leaf and a.requires_grad
    # The best cubic, by least squares, is where gradient descent is heading.
    powers = np.stack([x.numpy() ** k for k in range(4)], axis=1)
    best, residual, *_ = np.linalg.lstsq(powers, np.sin(x.numpy()), rcond=None)
    assert residual[0] < loss.item() < 1.05 * residual[0]
    np.testing.assert_allclose([p.item() for p in (a, b, c, d)], best, atol=0.015)


def log_softmax_rows(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


LOGITS = np.array([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0], [2.0, 0.0, 0.0], [-0.5, 0.5, 1.5]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_class_weights_and_ignored_targets_follows_pytorch(reduction):
    target, weight = [2, -100, 0, 1], np.array([0.5, 2.0, 1.0])
    logp = log_softmax_rows(LOGITS)
    kept = np.array([1.0, 0.0, 1.0, 1.0])
    safe = np.array([2, 0, 0, 1])
    per_sample = -logp[np.arange(4), safe] * weight[safe] * kept
    expected = {
        "mean": per_sample.sum() / (weight[safe] * kept).sum(),  # divided by the weights, not N
        "sum": per_sample.sum(),
        "none": per_sample,
    }[reduction]
    loss = mg.nn.functional.cross_entropy(t(LOGITS), target, mg.tensor(weight), reduction=reduction)
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)
    module = mg.nn.CrossEntropyLoss(mg.tensor(weight), reduction=reduction)
    np.testing.assert_allclose(module(t(LOGITS), target).numpy(), expected, rtol=1e-12)
    nll = mg.nn.functional.nll_loss(t(logp), target, mg.tensor(weight), reduction=reduction)
    np.testing.assert_allclose(nll.numpy(), expected, rtol=1e-12)


def test_cross_entropy_ignore_index_that_names_a_class_and_smoothing():
    logp = log_softmax_rows(LOGITS)
    loss = mg.nn.functional.cross_entropy(t(LOGITS), [1, 0, 0, 2], ignore_index=0)
    assert loss.item() == pytest.approx(-(logp[0, 1] + logp[3, 2]) / 2)  # two samples count
    smoothed = mg.nn.functional.cross_entropy(
        t(LOGITS), [1, 0, 0, 2], ignore_index=0, label_smoothing=0.2, reduction="sum"
    )
    picked = -(logp[0, 1] + logp[3, 2])
    uniform = -(logp[0].mean() + logp[3].mean())
    assert smoothed.item() == pytest.approx(0.8 * picked + 0.2 * uniform)
    with pytest.raises(ValueError, match=r"target values must lie in \[0, 2\] \(or be ignore"):
        mg.nn.functional.cross_entropy(t(LOGITS), [1, 5, 0, 2])


IGNORED_LOSSES = {
    "cross_entropy": lambda x, y, **k: mg.nn.functional.cross_entropy(x, y, **k),
    "cross_entropy smoothed": lambda x, y, **k: mg.nn.functional.cross_entropy(
        x, y, label_smoothing=0.2, **k
    ),
    "nll_loss": lambda x, y, **k: mg.nn.functional.nll_loss(x, y, **k),
}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("loss", IGNORED_LOSSES)
def test_a_batch_of_only_ignored_targets_has_gradient_zero(loss, weighted):
    """Every target ignored: the 'mean' is 0 / 0 = NaN, as PyTorch's, but each ignored sample
    is out of the loss, so the gradient is exactly 0 (PyTorch's), not 0 * (1 / 0) = NaN: a batch
    of pure padding must not fill a model's gradients with NaN."""
    weight = {"weight": mg.tensor([0.5, 2.0, 1.0])} if weighted else {}
    for ignore in ({}, {"ignore_index": 1}):
        x = t(LOGITS, requires_grad=True)
        target = [1, 1, 1, 1] if ignore else [-100] * 4
        value = IGNORED_LOSSES[loss](x, target, **weight, **ignore)
        assert math.isnan(value.item())
        value.backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros_like(LOGITS))
    for reduction in ("sum", "none"):  # 0 and zeros, with the same zero gradient
        x = t(LOGITS, requires_grad=True)
        value = IGNORED_LOSSES[loss](x, [-100] * 4, reduction=reduction, **weight)
        np.testing.assert_array_equal(value.numpy(), np.zeros(value.shape))
        value.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros_like(LOGITS))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss", IGNORED_LOSSES)
def test_an_ignored_row_of_nan_scores_counts_for_nothing(loss, reduction):
    """A padding row whose scores are NaN: its loss is 0 (not 0 * NaN), as in PyTorch, whose
    losses skip an ignored sample; the other rows' losses are those without it."""
    scores = LOGITS.copy()
    scores[1] = np.nan
    value = IGNORED_LOSSES[loss](t(scores), [2, -100, 0, 1], reduction=reduction)
    expected = IGNORED_LOSSES[loss](t(LOGITS[[0, 2, 3]]), [2, 0, 1], reduction=reduction).numpy()
    if reduction == "none":
        expected = np.insert(expected, 1, 0.0)
    np.testing.assert_allclose(value.numpy(), expected, rtol=1e-12)


def test_label_smoothing_counts_a_class_of_weight_zero():
    """PyTorch's smoothing term, w-weighted mean over classes of -log p, counts for every
    sample not ignored: a target class of weight 0 drops the picked term, not the smoothing."""
    logp = log_softmax_rows(LOGITS)
    weight = np.array([0.5, 0.0, 1.0])
    loss = mg.nn.functional.cross_entropy(
        t(LOGITS), [1, 1, 0, 2], mg.tensor(weight), label_smoothing=0.2, reduction="none"
    )
    picked = -logp[np.arange(4), [1, 1, 0, 2]] * weight[[1, 1, 0, 2]]
    uniform = -(logp * weight).mean(axis=1)
    np.testing.assert_allclose(loss.numpy(), 0.8 * picked + 0.2 * uniform, rtol=1e-12)
    assert loss.numpy()[0] > 0  # 0 before: the sample's smoothing term was dropped too


def test_functional_pad_reads_flat_amounts_from_the_last_dim_and_minigrad_pad_pairs():
    """F.pad(x, (1, 2)) pads the last dim (PyTorch's form); minigrad.pad takes one (before,
    after) pair per axis, first axis first, as np.pad (PyTorch has no torch.pad)."""
    x = t(M)
    np.testing.assert_array_equal(
        mg.nn.functional.pad(x, (1, 2)).numpy(), np.pad(M, [(0, 0), (1, 2)])
    )
    np.testing.assert_array_equal(mg.pad(x, [(1, 2), (0, 0)]).numpy(), np.pad(M, [(1, 2), (0, 0)]))
    with pytest.raises(TypeError, match=r"use minigrad.nn.functional.pad\(x, \(1, 2\)\)"):
        mg.pad(x, (1, 2))


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = t([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    np.testing.assert_array_equal(y.grad.numpy(), [6.0, 12.0])  # dz/dy = 2y
    np.testing.assert_array_equal(x.grad.numpy(), [18.0, 36.0])
    assert (x * 2).grad is None  # without retain_grad a result keeps no gradient


def test_register_hook_sees_and_can_replace_a_gradient():
    x = t([1.0, 2.0], requires_grad=True)
    seen = []
    y = x * x
    y.register_hook(lambda g: seen.append(g.numpy().tolist()))  # observe: returns None
    handle = x.register_hook(lambda g: g * 10)  # replace the leaf's gradient
    y.sum().backward()
    assert seen == [[1.0, 1.0]]
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 40.0])
    handle.remove()
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="register_hook: the tensor does not require grad"):
        t([1.0]).register_hook(print)


def test_a_hook_on_a_result_changes_what_flows_to_the_inputs():
    x = t([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 0.5)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.5, 1.5])


def test_gradcheck_takes_pytorchs_tuple_of_inputs():
    x = t([1.0, 2.0], requires_grad=True)
    y = t([0.5, 3.0], requires_grad=True)
    assert mg.gradcheck(lambda a, b: a * b.sin(), (x, y))
    assert mg.gradgradcheck(lambda a, b: a * a * b, [x, y])
    assert mg.gradcheck(lambda a: a.cos(), x)


def test_module_dict_and_parameter_list_register_what_they_hold():
    blocks = mg.nn.ModuleDict({"encoder": mg.nn.Linear(2, 3), "act": mg.nn.ReLU()})
    blocks["decoder"] = mg.nn.Linear(3, 1)
    assert list(blocks) == ["encoder", "act", "decoder"] and "act" in blocks
    assert sorted(blocks.state_dict()) == [
        "decoder.bias", "decoder.weight", "encoder.bias", "encoder.weight",
    ]  # fmt: skip
    del blocks["act"]
    assert list(blocks.keys()) == ["encoder", "decoder"]
    with pytest.raises(KeyError, match="ModuleDict has no module 'act'"):
        blocks["act"]
    scales = mg.nn.ParameterList([t([1.0, 2.0]), mg.nn.Parameter(t([3.0]))])
    assert len(scales) == 2 and sorted(scales.state_dict()) == ["0", "1"]
    assert all(p.requires_grad for p in scales.parameters())
    shared = t([1.0])
    assert mg.nn.Parameter(shared).data is shared.data  # nn.Parameter(t) shares, as in PyTorch


class LegendrePolynomial3(mg.autograd.Function):
    """PyTorch's "defining new autograd functions" tutorial, as written there."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class Scale(mg.autograd.Function):
    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x * factor

    @staticmethod
    def backward(ctx, grad_output):
        assert ctx.needs_input_grad == (True, False)  # one per forward argument
        return grad_output * ctx.factor, None


def test_pytorchs_custom_function_form_runs_as_written():
    x = t([-0.5, 0.3, 0.9], requires_grad=True)
    y = LegendrePolynomial3.apply(x)
    assert type(y.grad_fn).__name__ == "LegendrePolynomial3"
    np.testing.assert_allclose(y.numpy(), 0.5 * (5 * x.numpy() ** 3 - 3 * x.numpy()))
    assert mg.gradcheck(LegendrePolynomial3.apply, (x,))
    assert mg.gradcheck(lambda a: Scale.apply(a, 2.5), x)
    z = Scale.apply(LegendrePolynomial3.apply(x), 2.0).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2.0 * 1.5 * (5 * x.numpy() ** 2 - 1))


def test_a_custom_function_in_pytorchs_form_refuses_second_derivatives_clearly():
    x = t([0.5], requires_grad=True)
    (g,) = mg.grad(LegendrePolynomial3.apply(x).sum(), [x], create_graph=False)
    with pytest.raises(RuntimeError, match="gives first derivatives only"):
        mg.grad(LegendrePolynomial3.apply(x).sum(), [x], create_graph=True)


def test_the_polynomial_tutorial_with_nn_as_written():
    # "Learning PyTorch with examples", PyTorch: nn. torch -> minigrad is the only change.
    import minigrad as torch
    from minigrad import nn

    torch.manual_seed(0)  # the tutorial's loss after 2000 steps depends on the initial weights
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    assert xx.dtype == torch.float32  # PyTorch's promotion: float32 ** int64 stays float32
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    for _ in range(2000):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    best, residual, *_ = np.linalg.lstsq(
        np.stack([x.numpy() ** k for k in range(4)], axis=1).astype(np.float64),
        np.sin(x.numpy().astype(np.float64)),
        rcond=None,
    )
    assert residual[0] < loss.item() < 1.1 * residual[0]
    coefficients = [linear_layer.bias.item(), *linear_layer.weight.numpy().ravel()]
    np.testing.assert_allclose(coefficients, best, atol=0.02)
    frozen = model.requires_grad_(False)
    assert frozen is model and not any(p.requires_grad for p in model.parameters())


def test_a_parameter_with_an_integer_tensor_keeps_its_float_dtype():
    weight = mg.nn.Parameter(mg.tensor([1.0, 2.0]))  # a Tensor subclass takes the same rule
    assert (weight * mg.tensor([2, 3])).dtype == np.float32
    assert (mg.tensor([2, 3]) * weight).dtype == np.float32


def test_the_quickstart_classifier_as_written(tmp_path):
    # PyTorch's "Quickstart", on the bundled digits instead of FashionMNIST; the imports are the
    # only change (torch -> minigrad, torch.utils.data -> minigrad.data, torch.optim -> optim).
    import minigrad as torch
    import optim
    from minigrad import nn
    from minigrad.data import DataLoader, Dataset

    class Digits(Dataset):
        def __init__(self, images, labels):
            self.images, self.labels = images, labels

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, idx):
            return torch.tensor(self.images[idx], dtype=torch.float32), int(self.labels[idx])

    torch.manual_seed(0)
    images, labels = torch.data.load_digits(as_images=True)
    training_data, test_data = (
        Digits(images[:1400], labels[:1400]),
        Digits(images[1400:], labels[1400:]),
    )
    train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
    test_dataloader = DataLoader(test_data, batch_size=64)
    device = torch.get_default_device()

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(8 * 8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = NeuralNetwork().to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=0.5)

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 10 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                assert f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]"

    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        return test_loss, correct

    first_loss, _ = test(test_dataloader, model, loss_fn)
    for _ in range(15):
        train(train_dataloader, model, loss_fn, optimizer)
    test_loss, correct = test(test_dataloader, model, loss_fn)
    # test() against the same numbers computed in NumPy from the model's outputs
    with torch.no_grad():
        logits = model(torch.tensor(images[1400:])).numpy().astype(np.float64)
    expected = np.mean(logits.argmax(1) == labels[1400:])
    assert correct == pytest.approx(expected, abs=1e-12)
    assert test_loss < first_loss / 4 and correct > 0.9  # it learned (chance: 2.30 and 0.1)

    torch.save(model.state_dict(), tmp_path / "model.pth")
    model = NeuralNetwork().to(device)
    model.load_state_dict(torch.load(tmp_path / "model.pth", weights_only=True))
    classes = [str(i) for i in range(10)]
    model.eval()
    x, y = test_data[0][0], test_data[0][1]
    with torch.no_grad():
        x = x.to(device)
        pred = model(x.unsqueeze(0))
        predicted, actual = classes[pred[0].argmax(0)], classes[y]
    assert predicted == str(logits[0].argmax()) and actual == str(labels[1400])


def test_the_cnn_tutorial_idioms():
    # "Training a classifier": a Net with Conv2d, MaxPool2d, torch.flatten(x, 1), and
    # torch.max(outputs, 1) for the predicted classes; on 1x8x8 digits.
    import minigrad as torch
    import minigrad.nn.functional as F
    import optim
    from minigrad import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
            self.pool = nn.MaxPool2d(2, 2)
            self.fc1 = nn.Linear(6 * 4 * 4, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = torch.flatten(x, 1)  # flatten all dimensions except batch
            return self.fc1(x)

    torch.manual_seed(0)
    images, labels = torch.data.load_digits(as_images=True)
    inputs, targets = torch.tensor(images[:256]), torch.tensor(labels[:256])
    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    _, predicted = torch.max(outputs, 1)
    np.testing.assert_array_equal(predicted.numpy(), outputs.numpy().argmax(1))
    correct = (predicted == targets).sum().item()
    assert losses[-1] < losses[0] / 3 and correct > 0.8 * 256


def test_dtypes_by_pytorchs_short_names():
    assert (mg.float, mg.double, mg.half) == (mg.float32, mg.float64, mg.float16)
    assert (mg.long, mg.int, mg.short, mg.bool) == (mg.int64, mg.int32, mg.int16, mg.bool_)
    assert mg.tensor([1, 2]).type(mg.float).dtype == np.float32
    assert mg.zeros(2, dtype=mg.long).dtype == np.int64


def test_load_takes_pytorchs_map_location_and_weights_only(tmp_path):
    path = tmp_path / "w.pth"
    mg.save({"w": mg.tensor([1.0, 2.0])}, path)
    for kwargs in ({"map_location": "cpu"}, {"weights_only": True}, {"weights_only": False}):
        np.testing.assert_array_equal(mg.load(path, **kwargs)["w"], [1.0, 2.0])
    np.testing.assert_array_equal(mg.load(path, "cpu")["w"], [1.0, 2.0])
    with pytest.raises(TypeError, match="map_location must be a device name"):
        mg.load(path, map_location={"cuda:0": "cpu"})
    with pytest.raises(ValueError, match="cdua"):
        mg.load(path, map_location="cdua")


def test_a_zero_dim_tensor_takes_the_dtype_of_its_category_like_a_number():
    # PyTorch: in one category, dimensioned tensors decide the dtype; a 0-d tensor acts as a
    # Python number would. Across categories, the higher one (float > int > bool) wins.
    f32, f64 = mg.tensor([1.0, 2.0], dtype=mg.float32), mg.tensor(3.0, dtype=mg.float64)
    assert (f32 + f64).dtype == np.float32 and (f64 * f32).dtype == np.float32
    assert (mg.tensor([1, 2], dtype=mg.int32) + mg.tensor(5)).dtype == np.int32
    assert (mg.tensor([1, 2]) + mg.tensor(0.5, dtype=mg.float64)).dtype == np.float64
    assert (mg.tensor([True]) + mg.tensor(1)).dtype == np.int64
    assert (f64 * mg.tensor(2.0, dtype=mg.float32)).dtype == np.float64  # both 0-d: NumPy's rule
    x = mg.tensor(3.0, dtype=mg.float64, requires_grad=True)
    (f32 * x).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.item() == 3.0


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sin", "cos"])
def test_float_functions_of_an_integer_tensor_give_the_default_float_dtype(name):
    ints = mg.tensor([1, 4])
    result = getattr(ints, name)()
    assert result.dtype == mg.get_default_dtype() == np.float32  # NumPy's would be float64
    np.testing.assert_allclose(result.numpy(), getattr(np, name)(np.array([1.0, 4.0])), rtol=1e-6)


def test_an_integer_tensor_to_a_float_power_is_the_default_float_dtype():
    assert (mg.tensor([1, 2]) ** 2.0).dtype == np.float32
    np.testing.assert_allclose((mg.tensor([2]) ** -1.0).numpy(), [0.5])
    assert (mg.tensor([1, 2]) ** 2).dtype == np.int64  # an int power keeps the ints


def test_atan2_gradient_at_the_origin_is_zero():
    y, x = t([0.0, 1.0]), t([0.0, 1.0])
    y.requires_grad_(True), x.requires_grad_(True)
    mg.atan2(y, x).sum().backward()
    # at (1, 1): dz/dy = x / (x^2 + y^2) = 1/2, dz/dx = -y / (x^2 + y^2) = -1/2
    np.testing.assert_allclose(y.grad.numpy(), [0.0, 0.5])
    np.testing.assert_allclose(x.grad.numpy(), [0.0, -0.5])


def test_clamp_to_tensor_bounds_sends_each_gradient_where_its_value_was_taken():
    x = t([-1.0, 1.0, 0.5, 2.0, -3.0], requires_grad=True)
    low = t([-1.0, 0.0, 0.6, 0.0, -2.0], requires_grad=True)
    high = t([1.0, 1.0, 0.7, 2.0, -1.0], requires_grad=True)
    out = x.clamp(low, high)
    np.testing.assert_array_equal(out.numpy(), [-1.0, 1.0, 0.6, 2.0, -2.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 0, 1, 0])  # on a bound: x keeps it
    np.testing.assert_array_equal(low.grad.numpy(), [0, 0, 1, 0, 1])
    np.testing.assert_array_equal(high.grad.numpy(), [0, 0, 0, 0, 0])
    y = t([1.0, 3.0], requires_grad=True)
    y.clamp_min(t(2.0)).sum().backward()  # a 0-d bound; clamp_min too
    np.testing.assert_array_equal(y.grad.numpy(), [0, 1])


def test_clamp_with_min_above_max_gives_max_everywhere():
    x = t([-2.0, 0.0, 2.0], requires_grad=True)
    out = x.clamp(1.0, -1.0)
    np.testing.assert_array_equal(out.numpy(), [-1.0, -1.0, -1.0])  # min(max(x, 1), -1)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 0])


def test_clamp_of_an_int_tensor_to_a_float_bound_is_the_default_float():
    ints = mg.tensor([1, 2, 3])
    assert ints.clamp(0.5, 2.5).dtype == np.float32
    np.testing.assert_array_equal(ints.clamp(max=1.5).numpy(), [1.0, 1.5, 1.5])
    assert ints.clamp(1, 2).dtype == np.int64  # int bounds keep the ints


def test_where_promotes_its_two_branches_as_arithmetic_does():
    keep = mg.tensor([True, False])
    assert mg.where(keep, mg.tensor([1, 2]), 2.5).dtype == np.float32
    mixed = mg.where(keep, mg.tensor([1.0, 2.0], dtype=mg.float32), t([3.0, 4.0]))
    assert mixed.dtype == np.float64
    np.testing.assert_array_equal(mixed.numpy(), [1.0, 4.0])
    assert mg.where(keep, mg.tensor([1, 2], dtype=mg.int32), mg.tensor([3, 4])).dtype == np.int64
    assert mg.where(keep, 1, 0).dtype == np.int64


def test_an_empty_tuple_of_dims_reduces_over_all_of_them():
    x = t()  # NumPy's sum(axis=()) would reduce nothing
    assert x.sum(()).shape == () and x.sum(dim=(), keepdim=True).shape == (1, 1)
    assert x.sum(()).item() == 22.0 and x.mean(()).item() == 22.0 / 6 and x.amax(()).item() == 7.0
    np.testing.assert_allclose(x.norm(dim=()).item(), np.sqrt((M**2).sum()))


def test_a_0d_tensor_takes_dim_0_or_minus_1():
    x = t(2.5, requires_grad=True)
    for dim in (0, -1):
        assert x.sum(dim).shape == () and x.sum(dim).item() == 2.5
        assert x.mean(dim, keepdim=True).shape == ()
        values, indices = x.max(dim)
        assert values.item() == 2.5 and indices.item() == 0 and indices.dtype == np.int64
        assert x.argmin(dim).item() == 0 and x.prod(dim).item() == 2.5
        assert x.softmax(dim).item() == 1.0 and x.log_softmax(dim).item() == 0.0
    x.max(0).values.backward()
    assert x.grad.item() == 1.0
    with pytest.raises(ValueError, match="axis 1 is out of range"):
        x.sum(1)


def test_var_and_std_take_unbiased_second_as_pytorch():
    x = t()
    # row 0: [1, 5, 2], mean 8/3, squared deviations sum 26/3
    np.testing.assert_allclose(x.var(1, False).numpy()[0], 26 / 9)  # unbiased=False: / n
    np.testing.assert_allclose(x.var(1, True).numpy()[0], 26 / 6)  # not keepdim=True
    assert x.var(1, True).shape == (2,) and x.var(1, True, True).shape == (2, 1)
    np.testing.assert_allclose(x.std(False).item(), M.std())  # std(unbiased=False), all values
    np.testing.assert_allclose(mg.var_mean(x, 1, False)[0].numpy(), M.var(axis=1))


def test_std_gradient_where_all_values_are_equal_is_zero():
    x = t([[2.0, 2.0], [1.0, 3.0]], requires_grad=True)
    x.std(1).sum().backward()
    # row 1: std = sqrt(2), d std / d x_i = (x_i - mean) / ((n - 1) std) = -+1 / sqrt(2)
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 0.0], [-(0.5**0.5), 0.5**0.5]])


def test_mean_and_var_of_integers_are_refused_as_pytorch_does():
    with pytest.raises(TypeError, match="mean: needs a floating tensor, got int64"):
        mg.tensor([1, 2]).mean()
    with pytest.raises(TypeError, match="var: needs a floating tensor"):
        mg.tensor([1, 2]).std()
    assert mg.tensor([1, 2]).mean(dtype=mg.float64).item() == 1.5  # dtype= converts first


def test_integer_sums_and_logsumexp_have_pytorch_s_dtypes():
    assert mg.tensor([200, 100], dtype=mg.uint8).sum().dtype == np.int64
    assert mg.tensor([200, 100], dtype=mg.uint8).sum().item() == 300
    assert mg.tensor([0, 0]).logsumexp(0).dtype == np.float32
    np.testing.assert_allclose(mg.tensor([0, 0]).logsumexp(0).item(), np.log(2.0), rtol=1e-6)


def test_squeeze_of_a_dim_whose_size_is_not_1_leaves_it():
    x = mg.zeros(1, 3, 1, 4)
    assert x.squeeze(1).shape == (1, 3, 1, 4)  # NumPy would refuse
    assert x.squeeze((0, 1)).shape == (3, 1, 4)
    assert x.squeeze(-2).shape == (1, 3, 4)
    assert mg.tensor(2.0).squeeze(0).shape == () and mg.tensor(2.0).squeeze(-1).shape == ()
    with pytest.raises(ValueError, match="out of range"):
        x.squeeze(4)


def test_the_function_transpose_takes_pytorch_s_two_dims():
    x = mg.tensor(np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(mg.transpose(x, 0, -1).numpy(), x.numpy().swapaxes(0, 2))
    assert mg.transpose(x, (1, 0, 2)).shape == (3, 2, 4)  # NumPy's permutation stays


def test_add_and_sub_scale_other_by_alpha_as_functions_methods_and_in_place():
    a, b = t([1.0, 2.0], requires_grad=True), t([10.0, 20.0], requires_grad=True)
    out = mg.add(a, b, alpha=0.5)
    np.testing.assert_array_equal(out.numpy(), [6.0, 12.0])  # a + alpha * b
    out.sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 0.5])  # d/db = alpha
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(mg.sub(a, b, alpha=2).numpy(), [-19.0, -38.0])
    np.testing.assert_array_equal(a.add(b, alpha=-1).numpy(), [-9.0, -18.0])
    np.testing.assert_array_equal(a.sub(3).numpy(), [-2.0, -1.0])
    np.testing.assert_array_equal(a.mul(b).numpy(), mg.mul(a, b).numpy())
    x = t([1.0, 2.0])
    assert x.add_(t([1.0, 1.0]), alpha=3) is x and x.tolist() == [4.0, 5.0]
    assert x.sub_(2, alpha=2) is x and x.tolist() == [0.0, 1.0]
    ints = mg.tensor([1, 2])
    assert mg.add(ints, ints, alpha=3).tolist() == [4, 8] and mg.add(ints, 1).dtype == np.int64
    with pytest.raises(RuntimeError, match=r"add: alpha=1.5 is a float and the operands are int"):
        mg.add(ints, ints, alpha=1.5)  # an integer result has no room for 1.5 * b, as PyTorch
    with pytest.raises(RuntimeError, match=r"sub: alpha=True \(a bool\) is only for bool"):
        mg.sub(a, b, alpha=True)
    assert mg.multiply is mg.mul and mg.subtract is mg.sub and mg.divide is mg.div
    assert mg.negative(a).tolist() == [-1.0, -2.0] and a.neg().tolist() == [-1.0, -2.0]


def test_div_rounds_by_rounding_mode_towards_zero_or_minus_infinity():
    ints = mg.tensor([-7, 7, -8, 7])
    divisor = mg.tensor([2, 2, 2, -2])
    trunc = mg.div(ints, divisor, rounding_mode="trunc")
    assert trunc.dtype == np.int64 and trunc.tolist() == [-3, 3, -4, -3]  # C's division
    assert ints.div(divisor, rounding_mode="floor").tolist() == [-4, 3, -4, -4]  # Python's //
    assert mg.div(ints, divisor).tolist() == [-3.5, 3.5, -4.0, -3.5]  # true division
    assert mg.div(mg.tensor(-(2**62) - 1), 2, rounding_mode="trunc").item() == -(2**61)
    x = t([-7.5, 7.5], requires_grad=True)
    y = mg.div(x, 2.0, rounding_mode="trunc")
    assert y.tolist() == [-3.0, 3.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]  # a step function, as PyTorch's derivative
    assert mg.true_divide(mg.tensor([1]), 2).tolist() == [0.5]
    z = mg.tensor([7, -7])
    assert z.div_(2, rounding_mode="floor") is z and z.tolist() == [3, -4]
    with pytest.raises(ValueError, match=r"div: rounding_mode must be None, 'trunc' or 'floor'"):
        mg.div(ints, 2, rounding_mode="round")
    with pytest.raises(ZeroDivisionError, match="div: integer division by zero"):
        mg.div(ints, 0, rounding_mode="trunc")


def test_fmod_takes_the_sign_of_the_dividend_and_remainder_of_the_divisor():
    a = t([-7.0, 7.0, -7.0, 7.5], requires_grad=True)
    b = t([2.0, -2.0, -2.0, 2.0], requires_grad=True)
    out = mg.fmod(a, b)
    assert out.tolist() == [-1.0, 1.0, -1.0, 1.5]
    assert mg.remainder(a, b).tolist() == [1.0, -1.0, -1.0, 1.5]
    assert mg.fmod(mg.tensor([-7, 7]), 2).tolist() == [-1, 1]  # integers stay integers
    out.sum().backward()
    assert a.grad.tolist() == [1.0] * 4
    assert b.grad.tolist() == [3.0, 3.0, -3.0, -3.0]  # -trunc(a / b)
    assert a.fmod(3).tolist() == [-1.0, 1.0, -1.0, 1.5]


def test_nansum_and_nanmean_skip_nans_and_their_gradient():
    nan = math.nan
    x = t([[1.0, nan, 3.0], [nan, nan, nan]], requires_grad=True)
    assert mg.nansum(x).item() == 4.0
    assert x.nansum(1).tolist() == [4.0, 0.0]  # all NaN: an empty sum, 0
    means = mg.nanmean(x, dim=1)
    assert means.tolist()[0] == 2.0 and math.isnan(means.tolist()[1])  # 0 / 0
    y = t([[1.0, nan, 3.0], [nan, 2.0, nan]], requires_grad=True)
    mg.nanmean(y, 1, keepdim=True).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]])
    # an all-NaN row: its mean is 0 / 0, whose gradient 1 / 0 = inf times the mask 0 is NaN,
    # as PyTorch's (the mask multiplies, so an inf or NaN gradient is not hidden)
    means.sum().backward()
    assert x.grad.tolist()[0] == [0.5, 0.0, 0.5] and np.isnan(x.grad.numpy()[1]).all()
    assert mg.nansum(mg.tensor([1, 2], dtype=mg.int8)).dtype == np.int64  # as sum
    with pytest.raises(TypeError, match="nanmean: needs a floating tensor"):
        mg.nanmean(mg.tensor([1, 2]))


def test_tile_pads_missing_sizes_with_ones_in_front():
    x = t(M)
    assert mg.tile(x, (2,)).shape == (2, 6)  # repeat would need a size per dim
    np.testing.assert_array_equal(x.tile(2, 1, 2).numpy(), np.tile(M, (2, 1, 2)))
    np.testing.assert_array_equal(x.tile((3,)).numpy(), np.tile(M, 3))


def test_pow_and_relu_in_place_write_into_the_tensor():
    x = t([-2.0, 3.0])
    assert x.pow_(2) is x and x.tolist() == [4.0, 9.0]
    y = t([-2.0, 3.0])
    assert y.relu_() is y and y.tolist() == [0.0, 3.0]


def test_cumsum_and_cumprod_take_a_dtype_that_the_running_values_keep():
    small = mg.tensor([100, 100], dtype=mg.int8)
    assert mg.cumsum(small, 0).dtype == np.int64 and mg.cumsum(small, 0).tolist() == [100, 200]
    kept = small.cumsum(0, dtype=mg.int8)
    assert kept.dtype == np.int8  # NumPy's cumsum would widen it to int64
    assert mg.cumprod(mg.tensor([1.5, 2.0]), 0, dtype=mg.float64).dtype == np.float64
    assert mg.cumsum(mg.tensor([1, 2]), dim=0, dtype=mg.float32).tolist() == [1.0, 3.0]


def test_reductions_over_no_values_give_pytorchs_nan_and_inf():
    """PyTorch answers these with IEEE values, not errors: the mean of nothing is 0 / 0 = NaN,
    logsumexp of nothing log(0) = -inf, softmax of an empty tensor the empty tensor."""
    empty = t(np.zeros((0, 3)), requires_grad=True)
    assert math.isnan(empty.mean().item())
    assert np.isnan(mg.mean(empty, 0).numpy()).all() and mg.mean(empty, 1).shape == (0,)
    mg.mean(empty, 0).sum().backward()
    assert empty.grad.shape == (0, 3)
    assert mg.logsumexp(empty, 0).tolist() == [-math.inf] * 3
    assert mg.softmax(empty, 0).shape == (0, 3) and mg.log_softmax(empty, 1).shape == (0, 3)
    assert math.isnan(t(np.zeros(0)).median().item())
    assert math.isnan(mg.nn.functional.mse_loss(empty, empty).item())
    logits = t(np.zeros((0, 3)), requires_grad=True)
    loss = mg.nn.functional.cross_entropy(logits, np.zeros(0, dtype=np.int64))
    assert math.isnan(loss.item())  # an empty batch: 0 / 0, as PyTorch's
    loss.backward()
    assert logits.grad.shape == (0, 3)


def test_variance_without_degrees_of_freedom_is_nan_or_inf_with_a_warning():
    """n - correction <= 0: PyTorch divides by max(0, n - correction) = 0 and warns, so one
    value's unbiased variance is 0 / 0 = NaN (its gradient NaN), and a spread's is inf."""
    one = t([2.0], requires_grad=True)
    with pytest.warns(UserWarning, match=r"var: 1 values over dim \(0,\) leave no degrees"):
        variance = one.var()
    assert math.isnan(variance.item())
    variance.backward()
    assert math.isnan(one.grad.item())
    with pytest.warns(UserWarning):
        assert np.isnan(t([[1.0, 2.0]]).std(0).numpy()).all()
    with pytest.warns(UserWarning, match="correction=2"):
        assert t([1.0, 2.0]).var(correction=2).item() == math.inf
    with pytest.warns(UserWarning):
        spread, middle = mg.var_mean(t([3.0]))
    assert math.isnan(spread.item()) and middle.item() == 3.0
    assert t([2.0]).var(correction=0).item() == 0.0  # n - 0 = 1: no warning, an answer
