"""Every op in the registry passes first- and second-order gradient checks in float64."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function
from op_registry import CASES, NOT_GRADCHECKED


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_first_order(case):
    assert mg.gradcheck(case.fn, *case.tensors())


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.second_order], ids=[c.name for c in CASES if c.second_order]
)
def test_second_order(case):
    assert mg.gradgradcheck(case.fn, *case.tensors())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_array_and_tensor_backward_agree(case):
    """A backward runs on raw arrays in an ordinary backward pass and on Tensors when it is
    recorded (create_graph=True): the two must give the same first derivatives."""
    inputs = case.tensors()
    out = case.fn(*inputs)
    weights = mg.Tensor(np.random.default_rng(0).standard_normal(out.shape))
    wrt = [x for x in inputs if isinstance(x, mg.Tensor) and x.requires_grad]
    on_arrays = mg.grad((out * weights).sum(), wrt, retain_graph=True, allow_unused=True)
    on_tensors = mg.grad((out * weights).sum(), wrt, create_graph=True, allow_unused=True)
    for a, t in zip(on_arrays, on_tensors):
        assert (a is None) == (t is None)
        if a is not None:
            assert a.dtype == t.dtype and a.shape == t.shape
            np.testing.assert_allclose(a.numpy(), t.numpy(), rtol=1e-12, atol=1e-14)


def _all_functions():
    found, stack = set(), [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub.__module__.startswith("minigrad") and sub not in found:
                found.add(sub)
                stack.append(sub)
    return found


def test_every_function_is_checked(monkeypatch):
    """Run every case forward, backward and backward-of-backward, recording each Function used;
    every Function subclass in minigrad must show up (or be listed, with a reason)."""
    seen = set()
    original = Function.apply.__func__

    def recording_apply(cls, *inputs, **params):
        seen.add(cls)
        return original(cls, *inputs, **params)

    monkeypatch.setattr(Function, "apply", classmethod(recording_apply))
    for case in CASES:
        inputs = case.tensors()
        out = case.fn(*inputs)
        wrt = [x for x in inputs if isinstance(x, mg.Tensor) and x.requires_grad]
        grads = mg.grad((out * out).sum(), wrt, create_graph=True, allow_unused=True)
        total = sum((g * g).sum() for g in grads if g is not None)
        if isinstance(total, mg.Tensor) and total.requires_grad:
            total.backward()
    missing = {f.__name__ for f in _all_functions() - seen} - set(NOT_GRADCHECKED)
    assert not missing, f"Functions with no gradcheck registry case: {sorted(missing)}"
