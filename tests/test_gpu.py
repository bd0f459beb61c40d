"""The same checks on a real GPU through CuPy. Marked ``gpu``; skipped where CuPy or CUDA is absent.

``pytest -m gpu`` runs just these; ``scripts/gpu-check`` runs the whole suite with
``--device=cuda``, these included.
"""

import numpy as np
import pytest

import minigrad as mg
from op_registry import CASES

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
