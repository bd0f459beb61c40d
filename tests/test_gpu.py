"""The same checks on a real GPU through CuPy. Marked ``gpu``; skipped where CuPy or CUDA is absent.

``pytest -m gpu`` runs just these; ``scripts/gpu-check`` runs the whole suite with
``--device=cuda``, these included.
"""

import numpy as np
import pytest

import minigrad as mg
import optim
from minigrad import kernels
from op_registry import CASES
from optim import fused

pytestmark = pytest.mark.gpu


def _require_gpu():
    try:
        import cupy  # noqa: F401
    except ImportError:
        pytest.skip('CuPy is not installed (pip install -e ".[gpu]")')
    if not mg.cuda.is_available():
        pytest.skip("CuPy is installed but no CUDA device is visible")


@pytest.fixture(autouse=True)
def gpu():
    _require_gpu()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_registry_on_cuda_matches_cpu_and_gradchecks_in_float64(case):
    cpu_out = case.fn(*case.tensors("cpu"))
    inputs = case.tensors("cuda")
    out = case.fn(*inputs)
    assert out.device == "cuda"
    np.testing.assert_allclose(out.numpy(), cpu_out.numpy(), rtol=1e-10, atol=1e-12)
    assert mg.gradcheck(case.fn, *inputs)
    if case.second_order:
        assert mg.gradgradcheck(case.fn, *inputs)


def test_numpy_copies_to_the_host():
    x = mg.tensor([1.0, 2.0], device="cuda")
    assert type(x.numpy()) is np.ndarray
    assert x.to("cpu").device == "cpu"


OPTIMIZERS = {
    "Adam": lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1),
    "Adam amsgrad": lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.9), amsgrad=True),
    "AdamW": lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.5),
    "SGD": lambda p: optim.SGD(p, lr=0.1, weight_decay=0.01),
    "SGD momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.3),
    "SGD nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
}


def _run_steps(make, dtype, steps=6):
    rng = np.random.default_rng(0)
    theta = mg.tensor(rng.standard_normal((33, 7)), dtype=dtype, requires_grad=True, device="cuda")
    optimizer = make([theta])
    for _ in range(steps):
        theta.grad = mg.tensor(rng.standard_normal((33, 7)), dtype=dtype, device="cuda")
        optimizer.step()
    saved = optimizer.state_dict()["state"].get(0, {})  # plain SGD keeps no state
    state = {k: v for k, v in saved.items() if k != "step"}
    return theta.numpy(), state


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_fused_kernels_compute_the_plain_equations(name, dtype, monkeypatch):
    """optim/fused.py's one-kernel updates against the plain array code beside them."""
    fused_theta, fused_state = _run_steps(OPTIMIZERS[name], dtype)
    calls = []
    for kernel in ("adam_", "sgd_"):
        monkeypatch.setattr(fused, kernel, lambda *a, **k: calls.append(a) or None)
    _run_steps(OPTIMIZERS[name], dtype, steps=1)
    assert calls, "the fused kernel was not used on cuda"
    monkeypatch.setattr(kernels, "usable", lambda xp, array: False)
    plain_theta, plain_state = _run_steps(OPTIMIZERS[name], dtype)
    tolerance = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(fused_theta, plain_theta, **tolerance)
    assert fused_state.keys() == plain_state.keys()
    for key in fused_state:
        np.testing.assert_allclose(fused_state[key], plain_state[key], **tolerance)


def _lstm_values_and_gradients(dtype):
    """A 2-layer nn.LSTM on cuda: its outputs and every gradient, under a random weighting."""
    mg.manual_seed(0)
    lstm = mg.nn.LSTM(5, 7, num_layers=2, dtype=dtype).to("cuda")
    x = mg.randn(6, 3, 5, dtype=dtype, device="cuda", requires_grad=True)
    out, (h_n, c_n) = lstm(x)
    weights = [mg.randn(*t.shape, dtype=dtype, device="cuda") for t in (out, h_n, c_n)]
    sum((t * w).sum() for t, w in zip((out, h_n, c_n), weights)).backward()
    tensors = [out, h_n, c_n, x.grad, *[p.grad for p in lstm.parameters()]]
    return [t.numpy() for t in tensors]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lstm_step_kernels_compute_the_plain_steps(dtype, monkeypatch):
    """nn.rnn's one-kernel LSTM steps (forward and backward) against the plain array code."""
    kernels._KERNELS.pop("lstm_forward_step", None)
    kernels._KERNELS.pop("lstm_backward_step", None)
    fused_results = _lstm_values_and_gradients(dtype)
    assert {"lstm_forward_step", "lstm_backward_step"} <= kernels._KERNELS.keys()
    monkeypatch.setattr(kernels, "usable", lambda xp, array: False)
    plain_results = _lstm_values_and_gradients(dtype)
    tolerance = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    for fused_result, plain_result in zip(fused_results, plain_results, strict=True):
        np.testing.assert_allclose(fused_result, plain_result, **tolerance)


CROSS_ENTROPY = {
    "mean": {},
    "sum": {"reduction": "sum"},
    "none": {"reduction": "none"},
    "class weights": {"weight": [1.0, 2.0, 0.5, 1.0, 3.0]},
    "ignore_index, none": {"ignore_index": 2, "reduction": "none"},
    "weights and ignore_index": {"weight": [1.0, 2.0, 0.5, 1.0, 3.0], "ignore_index": 1},
}


def _cross_entropy_and_gradient(dtype, arguments):
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((37, 5)) * 4, dtype=dtype, requires_grad=True, device="cuda")
    y = mg.tensor(rng.integers(0, 5, 37), device="cuda")
    if "weight" in arguments:
        weight = mg.tensor(arguments["weight"], dtype=dtype, device="cuda")
        arguments = {**arguments, "weight": weight}
    loss = mg.nn.functional.cross_entropy(x, y, **arguments)
    weighting = mg.tensor(rng.standard_normal(loss.shape), dtype=dtype, device="cuda")
    (loss * weighting).sum().backward()
    return loss.numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CROSS_ENTROPY)
def test_cross_entropy_kernels_compute_the_plain_lines(case, dtype, monkeypatch):
    """SoftmaxCrossEntropy's one-thread-per-row forward and one-kernel backward on cuda against
    the plain array code beside them."""
    kernels._KERNELS.pop("cross_entropy_rows", None)
    fused_results = _cross_entropy_and_gradient(dtype, CROSS_ENTROPY[case])
    assert {"cross_entropy_rows", "cross_entropy_grad"} <= kernels._KERNELS.keys()
    monkeypatch.setattr(kernels, "usable", lambda xp, array: False)
    plain_results = _cross_entropy_and_gradient(dtype, CROSS_ENTROPY[case])
    tolerance = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    for fused_result, plain_result in zip(fused_results, plain_results, strict=True):
        np.testing.assert_allclose(fused_result, plain_result, **tolerance)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_repeated_indices_add_up_in_the_gradient_on_cuda(dtype):
    """getitem's backward is a scatter-add (backend.scatter_add), whose dtypes CuPy limits."""
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], dtype=dtype, requires_grad=True, device="cuda")
    index = mg.tensor([0, 2, 0, 0, 3], device="cuda")
    (x[index] * mg.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=dtype, device="cuda")).sum().backward()
    assert x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad.numpy(), np.array([8.0, 0.0, 2.0, 5.0], dtype=dtype))
