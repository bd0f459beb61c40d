"""In-place changes and the gradients that depend on them (PyTorch's version counters).

Each case that would give a silently wrong gradient must raise at backward() instead; each
case where PyTorch computes the right gradient must still do so. Tensors are made on the
suite's device (pytest --device), so the same rules are checked on the stand-in GPU.
"""

import numpy as np
import pytest

import minigrad as mg
from optim import SGD

MODIFIED = "was modified in place after"


def leaf(values):
    return mg.tensor(values, requires_grad=True)


def test_a_constant_changed_after_use_is_caught():
    a, x = mg.tensor([1.0, 2.0]), leaf([3.0, 4.0])
    y = (x * a).sum()
    a[0] = 100.0  # x.grad would be [100, 2] instead of [1, 2]
    with pytest.raises(RuntimeError, match=f"input 1 of Mul .*{MODIFIED} Mul used it"):
        y.backward()


def test_an_output_changed_after_use_is_caught_when_backward_reads_it():
    x = leaf([3.0, 4.0])
    z = x.exp()  # dz/dx = z: exp's backward reads its output
    with mg.no_grad():
        z[0] = 0.0
    with pytest.raises(RuntimeError, match=f"the output of Exp .*{MODIFIED} Exp computed it"):
        z.sum().backward()


def test_a_leaf_changed_under_no_grad_after_use_is_caught():
    x = leaf([3.0, 4.0])
    y = (x * x).sum()
    with mg.no_grad():
        x[0] = 10.0  # x.grad would be [20, 8] instead of [6, 8]
    with pytest.raises(RuntimeError, match=f"input 0 of Mul .*now at version 1.*{MODIFIED}"):
        y.backward()


def test_an_optimizer_step_between_forward_and_backward_is_caught():
    w = leaf([1.0, 2.0])
    optimizer = SGD([w], lr=0.1)
    loss = (w * w).sum()
    w.grad = mg.tensor([1.0, 1.0])
    optimizer.step()
    with pytest.raises(RuntimeError, match=MODIFIED):
        loss.backward()


def test_a_change_through_a_view_or_detach_is_caught():
    x, base = leaf([3.0, 4.0]), mg.tensor([1.0, 2.0, 3.0])
    y = (x * base[1:3]).sum()
    view = base[0:2]  # shares base's memory with the slice Mul read
    view[1] = 7.0
    with pytest.raises(RuntimeError, match="input 1 of Mul .*through a tensor sharing"):
        y.backward()
    x = leaf([3.0, 4.0])
    y = (x * x).sum()
    x.detach()[0] = 5.0
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_changes_backward_does_not_read_are_allowed_as_in_pytorch():
    a, x = mg.tensor([1.0, 2.0]), leaf([3.0, 4.0])
    y = (x + a).sum()  # add's gradient does not depend on a
    a[0] = 100.0
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    x = leaf([3.0, 4.0])
    z = x * 2.0  # mul by a constant reads only the constant
    with mg.no_grad():
        z[0] = 0.0
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_changes_after_backward_are_fine_and_the_next_step_records_afresh():
    w = leaf([1.0, 2.0])
    optimizer = SGD([w], lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        (w * w).sum().backward()
        optimizer.step()
    np.testing.assert_allclose(w.numpy(), np.array([1.0, 2.0]) * 0.8**3, rtol=1e-6)
    assert w._version == 3


def test_the_tutorial_manual_update_changes_the_leaf_in_place():
    w = leaf([1.0, 2.0])
    same = w
    array = w.data
    (w * w).sum().backward()
    with mg.no_grad():
        w -= 0.1 * w.grad
        w *= 2.0
        w += 1.0
        w /= 2.0
    assert w is same and w.data is array, "the update rebound the name instead"
    assert w.requires_grad and w._ctx is None and w._version == 4
    np.testing.assert_allclose(w.numpy(), ((np.array([1.0, 2.0]) * 0.8) * 2 + 1) / 2, rtol=1e-6)


def test_in_place_arithmetic_follows_pytorch_rules():
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad cannot be changed"):
        w -= 1.0
    counts = mg.tensor([1, 2])
    with pytest.raises(TypeError, match="float32, which cannot be stored in this int64"):
        counts += 0.5
    counts += 1
    assert counts.numpy().tolist() == [2, 3]
    row = mg.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"result has shape \(2, 2\), the tensor \(2,\)"):
        row += mg.tensor([[1.0], [2.0]])
    y = leaf([1.0, 2.0]) * 1.0  # a non-leaf in grad mode: recorded out of place, as a new node
    y += 1.0
    y.sum().backward()


def test_a_failed_check_changes_nothing_and_the_graph_can_be_rebuilt():
    a, x = mg.tensor([1.0, 2.0]), leaf([3.0, 4.0])
    y = (x * a).sum()
    a[0] = 100.0
    with pytest.raises(RuntimeError):
        y.backward()
    assert x.grad is None
    (x * a).sum().backward()  # recorded after the change: fine
    np.testing.assert_array_equal(x.grad.numpy(), [100.0, 2.0])


# ---- copies where a user expects copies ----------------------------------------------------------


def test_tensor_copies_a_numpy_array_so_two_optimizers_start_from_the_same_point():
    from optim import Adam

    w0 = np.array([1.0, -2.0])
    a, b = mg.tensor(w0, requires_grad=True), mg.Tensor(w0, requires_grad=True)
    for w, optimizer in ((a, SGD([a], lr=0.5)), (b, Adam([b], lr=0.5))):
        (w * w).sum().backward()
        optimizer.step()
    assert w0.tolist() == [1.0, -2.0], "a step rewrote the caller's array"
    w0[0] = 7.0
    assert a.numpy()[0] != 7.0 and b.numpy()[0] != 7.0


@pytest.mark.host_only("from_numpy makes CPU tensors")
def test_from_numpy_shares_memory_both_ways():
    array = np.array([1.0, 2.0])
    t = mg.from_numpy(array)
    assert t.device == "cpu" and t.dtype == np.float64
    array[0] = 5.0
    assert t.numpy()[0] == 5.0
    t[1] = 9.0
    assert array[1] == 9.0
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray, got list"):
        mg.from_numpy([1.0])
    with pytest.raises(TypeError, match="from_numpy: arrays of <U1 are not supported"):
        mg.from_numpy(np.array(["a"]))
