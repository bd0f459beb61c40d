"""The same checks on a real GPU through CuPy. Marked ``gpu``; skipped where CuPy or CUDA is absent.

``pytest -m gpu`` runs just these; ``scripts/gpu-check`` runs the whole suite with
``--device=cuda``, these included.
"""

import numpy as np
import pytest

import minigrad as mg
import optim
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
    monkeypatch.setattr(fused, "usable", lambda xp, theta: False)
    plain_theta, plain_state = _run_steps(OPTIMIZERS[name], dtype)
    tolerance = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(fused_theta, plain_theta, **tolerance)
    assert fused_state.keys() == plain_state.keys()
    for key in fused_state:
        np.testing.assert_allclose(fused_state[key], plain_state[key], **tolerance)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_repeated_indices_add_up_in_the_gradient_on_cuda(dtype):
    """getitem's backward is a scatter-add (backend.scatter_add), whose dtypes CuPy limits."""
    x = mg.tensor([1.0, 2.0, 3.0, 4.0], dtype=dtype, requires_grad=True, device="cuda")
    index = mg.tensor([0, 2, 0, 0, 3], device="cuda")
    (x[index] * mg.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=dtype, device="cuda")).sum().backward()
    assert x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad.numpy(), np.array([8.0, 0.0, 2.0, 5.0], dtype=dtype))
