"""Attention, LayerNorm and Embedding's padding_idx against their formulas, written out with
NumPy in each test: softmax(Q K^T / sqrt(d) + M) V, multi-head attention head by head,
(x - mean) / sqrt(var + eps) * w + b."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F

rng = np.random.default_rng(19)


def t(array, requires_grad=False):
    return mg.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def softmax(scores):
    """Row softmax; a row of only -inf gives weights 0 (PyTorch's sdpa gives that too)."""
    top = scores.max(axis=-1, keepdims=True)
    blind = top == -np.inf
    e = np.exp(scores - np.where(blind, 0.0, top))
    return np.where(blind, 0.0, e / np.where(blind, 1.0, e.sum(axis=-1, keepdims=True)))


def attention(q, k, v, mask=None, scale=None):
    """softmax(Q K^T * scale + M) V, with M additive (0 or -inf or any float)."""
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ np.swapaxes(k, -1, -2) * scale
    if mask is not None:
        scores = scores + mask
    return softmax(scores) @ v


# ---- scaled_dot_product_attention ---------------------------------------------------------------
def test_sdpa_is_softmax_of_scaled_scores_times_values():
    q, k, v = (
        rng.normal(size=(2, 3, 4, 5)),
        rng.normal(size=(2, 3, 6, 5)),
        rng.normal(size=(2, 3, 6, 7)),
    )
    out = F.scaled_dot_product_attention(t(q), t(k), t(v))
    assert out.shape == (2, 3, 4, 7)
    np.testing.assert_allclose(out.numpy(), attention(q, k, v), atol=1e-12)


def test_sdpa_scale_replaces_one_over_sqrt_d():
    q, k, v = rng.normal(size=(3, 2)), rng.normal(size=(4, 2)), rng.normal(size=(4, 3))
    out = F.scaled_dot_product_attention(t(q), t(k), t(v), scale=2.5)
    np.testing.assert_allclose(out.numpy(), attention(q, k, v, scale=2.5), atol=1e-12)


def test_causal_mask_lets_query_i_see_keys_up_to_i_only():
    q, k, v = rng.normal(size=(1, 4, 3)), rng.normal(size=(1, 4, 3)), rng.normal(size=(1, 4, 2))
    causal = np.where(np.tril(np.ones((4, 4))) == 1, 0.0, -np.inf)
    out = F.scaled_dot_product_attention(t(q), t(k), t(v), is_causal=True).numpy()
    np.testing.assert_allclose(out, attention(q, k, v, causal), atol=1e-12)
    # Query 0 sees only key 0, so its output is value 0 exactly.
    np.testing.assert_allclose(out[0, 0], v[0, 0], atol=1e-12)
    # Changing the last key and value changes only the last query's output.
    k2, v2 = k.copy(), v.copy()
    k2[0, 3] += 5.0
    v2[0, 3] -= 3.0
    out2 = F.scaled_dot_product_attention(t(q), t(k2), t(v2), is_causal=True).numpy()
    np.testing.assert_allclose(out2[0, :3], out[0, :3], atol=1e-12)
    assert not np.allclose(out2[0, 3], out[0, 3])


def test_bool_mask_true_takes_part_and_equals_the_float_mask_of_zero_and_minus_inf():
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2))
    keep = rng.random((3, 5)) > 0.4
    keep[:, 0] = True
    additive = np.where(keep, 0.0, -np.inf)
    with_bool = F.scaled_dot_product_attention(t(q), t(k), t(v), attn_mask=mg.tensor(keep))
    with_float = F.scaled_dot_product_attention(t(q), t(k), t(v), attn_mask=t(additive))
    np.testing.assert_allclose(with_bool.numpy(), attention(q, k, v, additive), atol=1e-12)
    np.testing.assert_allclose(with_float.numpy(), with_bool.numpy(), atol=1e-12)


def test_float_mask_is_added_to_the_scores():
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    bias = rng.normal(size=(3, 5))
    out = F.scaled_dot_product_attention(t(q), t(k), t(v), attn_mask=t(bias))
    np.testing.assert_allclose(out.numpy(), attention(q, k, v, bias), atol=1e-12)


def test_a_query_that_may_see_no_key_gets_zeros_and_finite_gradients():
    q = t(rng.normal(size=(3, 2)), requires_grad=True)
    k = t(rng.normal(size=(4, 2)), requires_grad=True)
    v = t(rng.normal(size=(4, 3)), requires_grad=True)
    keep = np.ones((3, 4), dtype=bool)
    keep[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mg.tensor(keep))
    assert np.all(out.numpy()[1] == 0.0) and np.isfinite(out.numpy()).all()
    out.sum().backward()
    for x in (q, k, v):
        assert np.isfinite(x.grad.numpy()).all()
    assert np.all(q.grad.numpy()[1] == 0.0)


def test_sdpa_dropout_one_half_keeps_rows_scaled_and_zero_means_no_dropout():
    q, k, v = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)), np.eye(6)
    plain = F.scaled_dot_product_attention(t(q), t(k), t(v), dropout_p=0.0).numpy()
    np.testing.assert_allclose(plain, attention(q, k, np.eye(6)), atol=1e-12)
    mg.manual_seed(3)
    dropped = F.scaled_dot_product_attention(t(q), t(k), t(v), dropout_p=0.5).numpy()
    # With V = I the output is the weight matrix: each weight is 0 or doubled.
    kept = dropped != 0
    assert 0 < kept.sum() < kept.size
    np.testing.assert_allclose(dropped[kept], 2 * plain[kept], atol=1e-12)


# ---- MultiheadAttention -------------------------------------------------------------------------
def mha_by_hand(x_q, x_k, x_v, w_in, b_in, w_out, b_out, heads, mask=None):
    """Multi-head attention written out: project, attend head by head, concatenate, project.
    x_* are (N, L, E); mask is additive, broadcasting to (N, H, L, S)."""
    e = x_q.shape[-1]
    d = e // heads
    q = x_q @ w_in[:e].T + b_in[:e]
    k = x_k @ w_in[e : 2 * e].T + b_in[e : 2 * e]
    v = x_v @ w_in[2 * e :].T + b_in[2 * e :]
    outs, weights = [], []
    for h in range(heads):
        part = slice(h * d, (h + 1) * d)
        scores = q[..., part] @ np.swapaxes(k[..., part], -1, -2) / math.sqrt(d)
        if mask is not None:
            scores = scores + np.broadcast_to(mask, (x_q.shape[0], heads) + scores.shape[1:])[:, h]
        w = softmax(scores)
        weights.append(w)
        outs.append(w @ v[..., part])
    out = np.concatenate(outs, axis=-1) @ w_out.T + b_out
    return out, np.stack(weights, axis=1)


def _mha(batch_first=False, bias=True):
    mg.manual_seed(0)
    layer = nn.MultiheadAttention(8, 2, bias=bias, batch_first=batch_first, dtype=mg.float64)
    if bias:  # PyTorch starts both biases at 0; give them values so they are tested
        with mg.no_grad():
            layer.in_proj_bias.copy_(mg.tensor(rng.normal(size=24)))
            layer.out_proj.bias.copy_(mg.tensor(rng.normal(size=8)))
    return layer


def _params(layer):
    w_in = layer.in_proj_weight.numpy()
    b_in = layer.in_proj_bias.numpy() if layer.in_proj_bias is not None else np.zeros(24)
    w_out = layer.out_proj.weight.numpy()
    b_out = layer.out_proj.bias.numpy() if layer.out_proj.bias is not None else np.zeros(8)
    return w_in, b_in, w_out, b_out


def test_mha_has_pytorchs_parameter_names_and_shapes():
    layer = nn.MultiheadAttention(8, 2)
    shapes = {name: tuple(value.shape) for name, value in layer.state_dict().items()}
    assert shapes == {
        "in_proj_weight": (24, 8),
        "in_proj_bias": (24,),
        "out_proj.weight": (8, 8),
        "out_proj.bias": (8,),
    }
    assert set(nn.MultiheadAttention(8, 2, bias=False).state_dict()) == {
        "in_proj_weight",
        "out_proj.weight",
    }
    # PyTorch's initialisation: xavier-uniform in_proj_weight, zero biases
    assert np.all(layer.in_proj_bias.numpy() == 0) and np.all(layer.out_proj.bias.numpy() == 0)
    bound = math.sqrt(6 / (8 + 24))
    assert np.abs(layer.in_proj_weight.numpy()).max() <= bound


@pytest.mark.parametrize("bias", [True, False])
def test_mha_splits_heads_attends_each_and_merges_them(bias):
    layer = _mha(batch_first=True, bias=bias)
    x_q, x_kv = rng.normal(size=(3, 4, 8)), rng.normal(size=(3, 5, 8))
    out, weights = layer(t(x_q), t(x_kv), t(x_kv), average_attn_weights=False)
    expected, expected_weights = mha_by_hand(x_q, x_kv, x_kv, *_params(layer), heads=2)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    assert weights.shape == (3, 2, 4, 5)
    np.testing.assert_allclose(weights.numpy(), expected_weights, atol=1e-12)


def test_mha_self_attention_one_projection_gives_the_same_as_three():
    layer = _mha(batch_first=True)
    x = rng.normal(size=(2, 4, 8))
    same, _ = layer(*(t(x),) * 3)
    copies, _ = layer(t(x), t(x), t(x))  # three tensors: three projections
    np.testing.assert_allclose(same.numpy(), copies.numpy(), atol=1e-12)


def test_mha_weights_are_averaged_over_heads_by_default_and_none_when_not_needed():
    layer = _mha(batch_first=True)
    x = rng.normal(size=(2, 3, 8))
    _, per_head = layer(t(x), t(x), t(x), average_attn_weights=False)
    _, averaged = layer(t(x), t(x), t(x))
    np.testing.assert_allclose(averaged.numpy(), per_head.numpy().mean(axis=1), atol=1e-12)
    np.testing.assert_allclose(averaged.numpy().sum(axis=-1), 1.0, atol=1e-12)
    assert layer(t(x), t(x), t(x), need_weights=False)[1] is None


def test_mha_sequence_first_is_the_transpose_of_batch_first():
    seq_first, batch_first = _mha(batch_first=False), _mha(batch_first=True)
    batch_first.load_state_dict(seq_first.state_dict())
    x = rng.normal(size=(4, 2, 8))  # (L, N, E)
    out_l, w_l = seq_first(t(x), t(x), t(x))
    xb = np.swapaxes(x, 0, 1)
    out_b, w_b = batch_first(t(xb), t(xb), t(xb))
    assert out_l.shape == (4, 2, 8) and w_l.shape == (2, 4, 4)
    np.testing.assert_allclose(out_l.numpy(), np.swapaxes(out_b.numpy(), 0, 1), atol=1e-12)
    np.testing.assert_allclose(w_l.numpy(), w_b.numpy(), atol=1e-12)


def test_mha_unbatched_input_gives_unbatched_output():
    layer = _mha()
    x = rng.normal(size=(4, 8))
    out, weights = layer(t(x), t(x), t(x))
    batched, batched_weights = layer(t(x[:, None]), t(x[:, None]), t(x[:, None]))
    assert out.shape == (4, 8) and weights.shape == (4, 4)
    np.testing.assert_allclose(out.numpy(), batched.numpy()[:, 0], atol=1e-12)
    np.testing.assert_allclose(weights.numpy(), batched_weights.numpy()[0], atol=1e-12)


def test_key_padding_mask_true_hides_a_key_from_every_query():
    layer = _mha(batch_first=True)
    x_q, x_kv = rng.normal(size=(2, 3, 8)), rng.normal(size=(2, 5, 8))
    padded = np.zeros((2, 5), dtype=bool)
    padded[0, 3:] = True  # the first sequence is 3 long, the second 5
    out, weights = layer(t(x_q), t(x_kv), t(x_kv), key_padding_mask=mg.tensor(padded))
    mask = np.where(padded, -np.inf, 0.0)[:, None, None, :]
    expected, expected_weights = mha_by_hand(x_q, x_kv, x_kv, *_params(layer), heads=2, mask=mask)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    assert np.all(weights.numpy()[0, :, 3:] == 0)
    np.testing.assert_allclose(weights.numpy(), expected_weights.mean(axis=1), atol=1e-12)
    # What sits at a padded position does not matter at all.
    x_other = x_kv.copy()
    x_other[0, 3:] = 100.0
    out_other, _ = layer(t(x_q), t(x_other), t(x_other), key_padding_mask=mg.tensor(padded))
    np.testing.assert_allclose(out_other.numpy(), out.numpy(), atol=1e-12)


def test_mha_attn_mask_true_is_masked_out_and_float_masks_add():
    layer = _mha(batch_first=True)
    x = rng.normal(size=(2, 4, 8))
    future = np.triu(np.ones((4, 4), dtype=bool), 1)  # MultiheadAttention: True = may not look
    out, _ = layer(t(x), t(x), t(x), attn_mask=mg.tensor(future), is_causal=True)
    expected, _ = mha_by_hand(x, x, x, *_params(layer), heads=2, mask=np.where(future, -np.inf, 0))
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    per_head = rng.normal(size=(2 * 2, 4, 4))  # (N * H, L, S)
    padding = rng.normal(size=(2, 4))
    out, _ = layer(
        t(x), t(x), t(x), attn_mask=t(per_head), key_padding_mask=t(padding), need_weights=False
    )
    mask = per_head.reshape(2, 2, 4, 4) + padding[:, None, None, :]
    expected, _ = mha_by_hand(x, x, x, *_params(layer), heads=2, mask=mask)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)


def test_mha_dropout_only_in_training():
    layer = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = mg.randn(2, 4, 8)
    layer.eval()
    a, b = layer(x, x, x)[0], layer(x, x, x)[0]
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    layer.train()
    mg.manual_seed(1)
    c = layer(x, x, x)[0]
    assert not np.allclose(c.numpy(), a.numpy())


def test_mha_gradients_reach_every_parameter_and_input():
    layer = _mha(batch_first=True)
    x = t(rng.normal(size=(2, 3, 8)), requires_grad=True)
    out, _ = layer(x, x, x)
    (out * out).sum().backward()
    assert np.abs(x.grad.numpy()).sum() > 0
    for name, parameter in layer.named_parameters():
        assert parameter.grad is not None and np.abs(parameter.grad.numpy()).sum() > 0, name


# ---- LayerNorm -----------------------------------------------------------------------------------
def test_layer_norm_is_its_formula_over_the_last_dims():
    x, w, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = ((x - mean) ** 2).mean(axis=(1, 2), keepdims=True)  # biased
    expected = (x - mean) / np.sqrt(var + 1e-5) * w + b
    np.testing.assert_allclose(F.layer_norm(t(x), (3, 4), t(w), t(b)).numpy(), expected, atol=1e-12)


def test_layer_norm_module_starts_as_plain_normalisation_with_pytorchs_parameters():
    layer = nn.LayerNorm(4, eps=1e-3, dtype=mg.float64)
    assert {k: v.shape for k, v in layer.state_dict().items()} == {"weight": (4,), "bias": (4,)}
    x = rng.normal(size=(5, 4)) * 3 + 2
    y = layer(t(x)).numpy()
    expected = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(y, expected, atol=1e-12)
    assert set(nn.LayerNorm(4, bias=False).state_dict()) == {"weight"}
    assert nn.LayerNorm([2, 3], elementwise_affine=False).state_dict() == {}


def test_layer_norm_gradient_matches_the_closed_form():
    # dL/dx = (g - mean(g) - x_hat * mean(g * x_hat)) / sqrt(var + eps), with g = dL/dx_hat
    x = t(rng.normal(size=(3, 5)), requires_grad=True)
    g = rng.normal(size=(3, 5))
    (F.layer_norm(x, 5) * t(g)).sum().backward()
    xv = x.numpy()
    std = np.sqrt(xv.var(-1, keepdims=True) + 1e-5)
    x_hat = (xv - xv.mean(-1, keepdims=True)) / std
    expected = (g - g.mean(-1, keepdims=True) - x_hat * (g * x_hat).mean(-1, keepdims=True)) / std
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=1e-10)


# ---- Embedding's padding_idx ---------------------------------------------------------------
def test_padding_row_starts_at_zero_and_gets_no_gradient():
    layer = nn.Embedding(5, 3, padding_idx=-1)
    assert layer.padding_idx == 4
    assert np.all(layer.weight.numpy()[4] == 0)
    with mg.no_grad():
        layer.weight[4] = 7.0  # it is read like any row...
    index = mg.tensor([[4, 1, 4], [0, 1, 2]])
    out = layer(index)
    np.testing.assert_array_equal(out.numpy()[0, 0], [7.0, 7.0, 7.0])
    (out * out).sum().backward()
    grad = layer.weight.grad.numpy()
    assert np.all(grad[4] == 0)  # ...but never trained
    np.testing.assert_allclose(grad[1], 2 * 2 * layer.weight.numpy()[1], rtol=1e-6)
    assert np.all(grad[3] == 0)
