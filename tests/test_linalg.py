"""minigrad.linalg: values against NumPy or by hand, shapes, dtypes, errors and gradients.

Device-generic: tensors land on the suite's device (``--device``); ``.numpy()`` brings them back.
"""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.linalg as LA

rng = np.random.default_rng(7)


def well(*shape):
    return rng.standard_normal(shape) + 4.0 * np.eye(shape[-1])


def spd(*shape):
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def T(a, dtype=mg.float64, requires_grad=False):
    return mg.tensor(np.asarray(a), dtype=dtype, requires_grad=requires_grad)


def test_import_styles():
    assert mg.linalg is LA
    assert LA.inv.__module__ == "minigrad.linalg"


def test_vector_norm_by_hand():
    x = T([[3.0, -4.0], [0.0, 0.0]])
    assert LA.vector_norm(x).item() == pytest.approx(5.0)
    assert LA.vector_norm(x, 1).item() == pytest.approx(7.0)
    assert LA.vector_norm(x, math.inf).item() == pytest.approx(4.0)
    assert LA.vector_norm(x, -math.inf).item() == pytest.approx(0.0)
    assert LA.vector_norm(x, 0).item() == pytest.approx(2.0)
    np.testing.assert_allclose(LA.vector_norm(x, dim=1).numpy(), [5.0, 0.0])
    assert LA.vector_norm(x, dim=1, keepdim=True).shape == (2, 1)
    assert LA.vector_norm(T([3, 4], dtype=mg.int64), dtype=mg.float32).dtype == mg.float32


def test_vector_norm_gradient_and_zero():
    x = T([3.0, -4.0], requires_grad=True)
    LA.vector_norm(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.6, -0.8])
    z = T([0.0, 0.0], requires_grad=True)
    LA.vector_norm(z).backward()
    np.testing.assert_array_equal(z.grad.numpy(), [0.0, 0.0])  # 0 at the kink, never NaN


@pytest.mark.parametrize("ord", ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2])
def test_matrix_norm_matches_numpy(ord):
    a = rng.standard_normal((2, 3, 4))
    expected = np.linalg.norm(a, ord, axis=(-2, -1))
    out = LA.matrix_norm(T(a), ord)
    assert out.shape == (2,) and out.dtype == mg.float64
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    kept = LA.matrix_norm(T(a), ord, dim=(0, 2), keepdim=True)
    np.testing.assert_allclose(
        kept.numpy(), np.linalg.norm(a, ord, axis=(0, 2), keepdims=True), rtol=1e-12
    )


def test_matrix_norm_float32_and_bad_ord():
    a = rng.standard_normal((3, 3))
    out = LA.matrix_norm(T(a, mg.float32), 2)
    assert out.dtype == mg.float32
    assert out.item() == pytest.approx(np.linalg.norm(a, 2), rel=1e-5)
    with pytest.raises(ValueError, match="ord"):
        LA.matrix_norm(T(a), 3)


def test_norm_dispatch():
    a = rng.standard_normal((3, 4))
    assert LA.norm(T(a)).item() == pytest.approx(np.linalg.norm(a.ravel()))
    assert LA.norm(T(a), 2).item() == pytest.approx(np.linalg.norm(a, 2))  # matrix 2-norm
    np.testing.assert_allclose(LA.norm(T(a), 3, dim=1).numpy(), np.linalg.norm(a, 3, axis=1))
    assert LA.norm(T(a), "nuc", dim=(0, 1)).item() == pytest.approx(np.linalg.norm(a, "nuc"))
    assert LA.norm(T(a[0]), 1).item() == pytest.approx(np.abs(a[0]).sum())
    with pytest.raises(ValueError, match="1-D or 2-D"):
        LA.norm(T(rng.standard_normal((2, 2, 2))), 2)


def test_inv_det_slogdet_by_hand():
    a = T([[4.0, 7.0], [2.0, 6.0]])
    np.testing.assert_allclose(LA.inv(a).numpy(), np.array([[0.6, -0.7], [-0.2, 0.4]]))
    assert LA.det(a).item() == pytest.approx(10.0)
    sign, logabsdet = LA.slogdet(T([[0.0, 1.0], [1.0, 0.0]]) * 3)
    assert sign.item() == -1.0 and logabsdet.item() == pytest.approx(math.log(9.0))


def test_batched_inverse_and_det():
    a = well(2, 3, 4, 4)
    np.testing.assert_allclose(LA.inv(T(a)).numpy(), np.linalg.inv(a), rtol=1e-10)
    assert LA.det(T(a)).shape == (2, 3)
    np.testing.assert_allclose(LA.det(T(a)).numpy(), np.linalg.det(a), rtol=1e-10)
    assert LA.inv(T(a, mg.float32)).dtype == mg.float32


def test_gradients_by_formula():
    a = well(3, 3)
    g = rng.standard_normal((3, 3))
    x = T(a, requires_grad=True)
    (LA.inv(x) * T(g)).sum().backward()
    ai = np.linalg.inv(a)
    np.testing.assert_allclose(x.grad.numpy(), -ai.T @ g @ ai.T, rtol=1e-10)
    x = T(a, requires_grad=True)
    LA.det(x).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.linalg.det(a) * ai.T, rtol=1e-10)
    x = T(a, requires_grad=True)
    LA.slogdet(x).logabsdet.backward()
    np.testing.assert_allclose(x.grad.numpy(), ai.T, rtol=1e-10)


def test_solve_shapes_and_gradient():
    a, b = well(2, 3, 3), rng.standard_normal((3, 2))
    x = LA.solve(T(a), T(b))  # batch dims broadcast
    assert x.shape == (2, 3, 2)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), rtol=1e-10)
    v = rng.standard_normal(3)
    np.testing.assert_allclose(
        LA.solve(T(a[0]), T(v)).numpy(), np.linalg.solve(a[0], v), rtol=1e-10
    )
    right = LA.solve(T(a[0]), T(b.T), left=False)
    np.testing.assert_allclose(right.numpy() @ a[0], b.T, rtol=1e-10, atol=1e-12)
    A, B = T(a[0], requires_grad=True), T(b, requires_grad=True)
    g = rng.standard_normal((3, 2))
    (LA.solve(A, B) * T(g)).sum().backward()
    gb = np.linalg.solve(a[0].T, g)
    np.testing.assert_allclose(B.grad.numpy(), gb, rtol=1e-10)
    np.testing.assert_allclose(A.grad.numpy(), -gb @ np.linalg.solve(a[0], b).T, rtol=1e-10)


@pytest.mark.parametrize("op", [LA.inv, lambda a: LA.solve(a, a)])
def test_singular_raises_linalg_error(op):
    with pytest.raises(LA.LinAlgError, match="singular") as caught:
        op(T([[1.0, 2.0], [2.0, 4.0]]))
    assert isinstance(caught.value, RuntimeError)
    assert isinstance(caught.value, np.linalg.LinAlgError)


def test_cholesky_and_not_positive_definite():
    a = spd(2, 4, 4)
    L = LA.cholesky(T(a))
    np.testing.assert_allclose(L.numpy(), np.linalg.cholesky(a), rtol=1e-10)
    np.testing.assert_allclose(
        LA.cholesky(T(a), upper=True).numpy(), np.swapaxes(L.numpy(), -1, -2)
    )
    with pytest.raises(LA.LinAlgError, match="positive-definite"):
        LA.cholesky(T([[1.0, 2.0], [2.0, 1.0]]))


def test_cholesky_gradient_of_logdet():
    # log det A = 2 sum log diag(L), whose gradient is A^-1 (symmetric input)
    a = spd(3, 3)
    x = T(a, requires_grad=True)
    (2 * mg.log(LA.diagonal(LA.cholesky(x))).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.linalg.inv(a), rtol=1e-9)


def test_matrix_power():
    a = well(2, 3, 3)
    np.testing.assert_allclose(
        LA.matrix_power(T(a), 5).numpy(), np.linalg.matrix_power(a, 5), rtol=1e-10
    )
    np.testing.assert_allclose(
        LA.matrix_power(T(a), -2).numpy(), np.linalg.matrix_power(a, -2), rtol=1e-10
    )
    np.testing.assert_array_equal(
        LA.matrix_power(T(a), 0).numpy(), np.broadcast_to(np.eye(3), a.shape)
    )


def test_pinv():
    a = rng.standard_normal((2, 3, 5))
    np.testing.assert_allclose(LA.pinv(T(a)).numpy(), np.linalg.pinv(a), rtol=1e-9, atol=1e-12)
    assert LA.pinv(T(a)).shape == (2, 5, 3)


def test_eigh_values_and_eigenvalue_gradient():
    a = spd(2, 4, 4)
    w, q = LA.eigh(T(a))
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(a), rtol=1e-10)
    np.testing.assert_allclose(
        (q.numpy() * w.numpy()[..., None, :]) @ np.swapaxes(q.numpy(), -1, -2), a, rtol=1e-9
    )
    x = T(a[0], requires_grad=True)
    LA.eigvalsh(x)[-1].backward()  # d(largest eigenvalue)/dA = q q^T
    top = np.linalg.eigh(a[0])[1][:, -1]
    np.testing.assert_allclose(x.grad.numpy(), np.outer(top, top), rtol=1e-8, atol=1e-12)


def test_svd_svdvals():
    a = rng.standard_normal((2, 5, 3))
    u, s, vh = LA.svd(T(a), full_matrices=False)
    assert (u.shape, s.shape, vh.shape) == ((2, 5, 3), (2, 3), (2, 3, 3))
    np.testing.assert_allclose(s.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-10)
    np.testing.assert_allclose((u.numpy() * s.numpy()[..., None, :]) @ vh.numpy(), a, atol=1e-10)
    x = T(a[0], requires_grad=True)
    LA.svdvals(x)[0].backward()  # d(largest singular value)/dA = u_1 v_1^T
    U, _, Vh = np.linalg.svd(a[0])
    np.testing.assert_allclose(x.grad.numpy(), np.outer(U[:, 0], Vh[0]), rtol=1e-8, atol=1e-12)
    with pytest.raises(NotImplementedError, match="full_matrices"):
        LA.svd(T(a))


def test_qr_values_and_backward_raises():
    a = rng.standard_normal((5, 3))
    q, r = LA.qr(T(a))
    assert q.shape == (5, 3) and r.shape == (3, 3)
    np.testing.assert_allclose(q.numpy() @ r.numpy(), a, atol=1e-12)
    np.testing.assert_allclose(np.tril(r.numpy(), -1), 0.0, atol=1e-14)
    x = T(a, requires_grad=True)
    with pytest.raises(NotImplementedError, match="linalg.qr"):
        LA.qr(x).R.sum().backward()


def test_cross_multi_dot_diagonal():
    out = LA.cross(T([[1.0, 0.0, 0.0]]), T([[0.0, 1.0, 0.0]]))
    np.testing.assert_array_equal(out.numpy(), [[0.0, 0.0, 1.0]])
    with pytest.raises(ValueError, match="same number of dimensions"):
        LA.cross(T([1.0, 0.0, 0.0]), T([[0.0, 1.0, 0.0]]))
    a, b, c = rng.standard_normal(3), rng.standard_normal((3, 4)), rng.standard_normal(4)
    assert LA.multi_dot([T(a), T(b), T(c)]).item() == pytest.approx(a @ b @ c)
    with pytest.raises(ValueError, match="at least 2"):
        LA.multi_dot([T(b)])
    m = rng.standard_normal((2, 3, 4))
    np.testing.assert_array_equal(LA.diagonal(T(m), offset=1).numpy(), np.diagonal(m, 1, -2, -1))


def test_argument_errors():
    with pytest.raises(mg.checks.ShapeError, match="square"):
        LA.inv(T(np.ones((2, 3))))
    with pytest.raises(mg.checks.DtypeError, match="floating"):
        LA.det(T([[1, 2], [3, 4]], dtype=mg.int64))
    with pytest.raises(mg.checks.ShapeError, match="at least 2"):
        LA.inv(T([1.0, 2.0]))


def test_second_derivative_of_logdet():
    # g = d log det A / dA = A^-T, so sum(g * E) = tr(A^-1 E), whose gradient is -(A^-1 E A^-1)^T
    a = well(3, 3)
    x = T(a, requires_grad=True)
    (g,) = mg.grad(LA.slogdet(x).logabsdet, [x], create_graph=True)
    e = rng.standard_normal((3, 3))
    (h,) = mg.grad((g * T(e)).sum(), [x])
    ai = np.linalg.inv(a)
    np.testing.assert_allclose(h.numpy(), -(ai @ e @ ai).T, rtol=1e-9)


def test_a_solver_that_leaves_inf_silently_is_reported_as_numpys_would_be():
    """CuPy's inv/solve/cholesky return inf or NaN for a singular input instead of raising; an
    array module that does so (here a stand-in around NumPy) still gets LinAlgError."""
    import types

    from minigrad.linalg import LinAlgError, _call

    silent = types.SimpleNamespace(
        linalg=types.SimpleNamespace(inv=lambda a: np.full_like(a, np.inf)),
        isfinite=np.isfinite,
    )
    with pytest.raises(LinAlgError, match="linalg.inv: .*singular"):
        _call(silent, "inv", "inv", np.ones((2, 2)))
    nan_input = np.array([[np.nan, 0.0], [0.0, 1.0]])  # NaN in, NaN out: not the solver's failure
    assert np.isinf(_call(silent, "inv", "inv", nan_input)).all()
