"""TransformerDecoderLayer, TransformerDecoder and Transformer: PyTorch's state_dict keys and
shapes, a tiny layer against a NumPy reimplementation of its equations, and what the masks do."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

LAYER_KEYS = [
    ("self_attn.in_proj_weight", (12, 4)),
    ("self_attn.in_proj_bias", (12,)),
    ("self_attn.out_proj.weight", (4, 4)),
    ("self_attn.out_proj.bias", (4,)),
    ("multihead_attn.in_proj_weight", (12, 4)),
    ("multihead_attn.in_proj_bias", (12,)),
    ("multihead_attn.out_proj.weight", (4, 4)),
    ("multihead_attn.out_proj.bias", (4,)),
    ("linear1.weight", (6, 4)),
    ("linear1.bias", (6,)),
    ("linear2.weight", (4, 6)),
    ("linear2.bias", (4,)),
    ("norm1.weight", (4,)),
    ("norm1.bias", (4,)),
    ("norm2.weight", (4,)),
    ("norm2.bias", (4,)),
    ("norm3.weight", (4,)),
    ("norm3.bias", (4,)),
]


def shapes(module):
    return [(k, tuple(v.shape)) for k, v in module.state_dict().items()]


def test_decoder_layer_has_pytorchs_keys_and_shapes():
    layer = nn.TransformerDecoderLayer(4, 2, 6)
    assert shapes(layer) == LAYER_KEYS
    no_bias = nn.TransformerDecoderLayer(4, 2, 6, bias=False)
    assert [k for k, _ in shapes(no_bias)] == [k for k, _ in LAYER_KEYS if "weight" in k]


def test_decoder_and_transformer_keys():
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 6), 2, nn.LayerNorm(4))
    expected = [(f"layers.{i}.{k}", s) for i in range(2) for k, s in LAYER_KEYS]
    assert shapes(decoder) == expected + [("norm.weight", (4,)), ("norm.bias", (4,))]
    model = nn.Transformer(4, 2, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=6)
    keys = [k for k, _ in shapes(model)]
    assert keys[0] == "encoder.layers.0.self_attn.in_proj_weight"
    assert "encoder.norm.weight" in keys and "decoder.norm.bias" == keys[-1]
    assert "decoder.layers.1.multihead_attn.in_proj_weight" in keys
    assert len(keys) == 12 + 2 + 2 * 18 + 2  # encoder layer 12, its norm, 2 decoder layers, norm
    # every matrix re-initialised xavier-uniform: |w| <= sqrt(6 / (fan_in + fan_out))
    for name, p in model.named_parameters():
        if p.ndim > 1:
            assert np.abs(p.numpy()).max() <= np.sqrt(6.0 / sum(p.shape)) + 1e-7, name


# ---- a NumPy reimplementation of one decoder layer, to compare a tiny one with -------------
def np_layer_norm(x, w, b, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def np_attention(q_in, kv_in, sd, prefix, heads, blocked):
    """(L, E) queries, (S, E) keys/values, one sequence; blocked (L, S) True where masked."""
    w, b = sd[prefix + "in_proj_weight"], sd[prefix + "in_proj_bias"]
    e = q_in.shape[-1]
    q = q_in @ w[:e].T + b[:e]
    k = kv_in @ w[e : 2 * e].T + b[e : 2 * e]
    v = kv_in @ w[2 * e :].T + b[2 * e :]
    d = e // heads
    outs = []
    for h in range(heads):
        part = slice(h * d, (h + 1) * d)
        scores = q[:, part] @ k[:, part].T / np.sqrt(d)
        scores = np.where(blocked, -np.inf, scores)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        outs.append(weights @ v[:, part])
    return (
        np.concatenate(outs, -1) @ sd[prefix + "out_proj.weight"].T + sd[prefix + "out_proj.bias"]
    )


def np_decoder_layer(x, memory, sd, heads, norm_first, tgt_blocked, memory_blocked):
    def norm(i, y):
        return np_layer_norm(y, sd[f"norm{i}.weight"], sd[f"norm{i}.bias"])

    def sa(y):
        return np_attention(y, y, sd, "self_attn.", heads, tgt_blocked)

    def ca(y):
        return np_attention(y, memory, sd, "multihead_attn.", heads, memory_blocked)

    def ff(y):
        hidden = np.maximum(y @ sd["linear1.weight"].T + sd["linear1.bias"], 0.0)
        return hidden @ sd["linear2.weight"].T + sd["linear2.bias"]

    if norm_first:
        x = x + sa(norm(1, x))
        x = x + ca(norm(2, x))
        return x + ff(norm(3, x))
    x = norm(1, x + sa(x))
    x = norm(2, x + ca(x))
    return norm(3, x + ff(x))


def tiny_layer(norm_first, heads=1):
    rng = np.random.default_rng(5)
    layer = nn.TransformerDecoderLayer(2, heads, 3, dropout=0.0, norm_first=norm_first).double()
    sd = {k: rng.uniform(-1.0, 1.0, size=v.shape) for k, v in layer.state_dict().items()}
    layer.load_state_dict({k: mg.tensor(v) for k, v in sd.items()})
    return layer, sd


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("train", [False, True])
def test_tiny_layer_matches_numpy(norm_first, train):
    layer, sd = tiny_layer(norm_first)
    layer.train(train)  # dropout 0: training changes nothing
    rng = np.random.default_rng(6)
    x, memory = rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    causal = np.triu(np.ones((3, 3), dtype=bool), 1)
    memory_blocked = np.zeros((3, 4), dtype=bool)
    memory_blocked[0, 1] = memory_blocked[2, 3] = True
    out = layer(
        mg.tensor(x),
        mg.tensor(memory),
        tgt_mask=mg.tensor(causal),
        memory_mask=mg.tensor(memory_blocked),
        tgt_is_causal=True,
    )
    expected = np_decoder_layer(x, memory, sd, 1, norm_first, causal, memory_blocked)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    # no masks, batched as (T, N, E): each sequence of the batch on its own
    free = np.zeros((3, 3), dtype=bool)
    batch = rng.normal(size=(3, 2, 2))
    memories = rng.normal(size=(4, 2, 2))
    out = layer(mg.tensor(batch), mg.tensor(memories)).numpy()
    for n in range(2):
        expected = np_decoder_layer(
            batch[:, n], memories[:, n], sd, 1, norm_first, free, np.zeros((3, 4), dtype=bool)
        )
        np.testing.assert_allclose(out[:, n], expected, atol=1e-12)


def test_two_heads_and_batch_first_match_numpy():
    layer, sd = tiny_layer(False, heads=2)
    rng = np.random.default_rng(7)
    x, memory = rng.normal(size=(1, 3, 2)), rng.normal(size=(1, 5, 2))
    first = nn.TransformerDecoderLayer(2, 2, 3, dropout=0.0, batch_first=True).double()
    first.load_state_dict(layer.state_dict())
    out = first(mg.tensor(x), mg.tensor(memory)).numpy()[0]
    blocked = np.zeros((3, 5), dtype=bool)
    expected = np_decoder_layer(x[0], memory[0], sd, 2, False, np.zeros((3, 3), bool), blocked)
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_causal_target_mask_hides_later_positions():
    # pre-norm: a post-norm output of 2 features is +-1 after its LayerNorm, whatever the input
    layer, _ = tiny_layer(True)
    rng = np.random.default_rng(8)
    x, memory = rng.normal(size=(4, 1, 2)), rng.normal(size=(3, 1, 2))
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=np.float64)
    changed = x.copy()
    changed[-1] += [[3.0, -2.0]]  # not a shift of both features, which LayerNorm removes
    a = layer(mg.tensor(x), mg.tensor(memory), tgt_mask=mask).numpy()
    b = layer(mg.tensor(changed), mg.tensor(memory), tgt_mask=mask).numpy()
    np.testing.assert_allclose(a[:-1], b[:-1], atol=1e-12)  # earlier positions cannot see it
    assert np.abs(a[-1] - b[-1]).max() > 1e-3
    # the float mask and the bool one (True: masked) give the same
    as_bool = mg.ones(4, 4, dtype=bool).triu(1)
    c = layer(mg.tensor(x), mg.tensor(memory), tgt_mask=as_bool, tgt_is_causal=True).numpy()
    np.testing.assert_allclose(a, c, atol=1e-12)


def test_memory_padding_is_as_if_the_position_were_not_there():
    layer, _ = tiny_layer(True)
    rng = np.random.default_rng(9)
    x, memory = rng.normal(size=(3, 2, 2)), rng.normal(size=(4, 2, 2))
    padding = np.zeros((2, 4), dtype=bool)
    padding[1, 3] = True
    out = layer(mg.tensor(x), mg.tensor(memory), memory_key_padding_mask=mg.tensor(padding))
    shorter = layer(mg.tensor(x[:, 1:]), mg.tensor(memory[:3, 1:])).numpy()
    np.testing.assert_allclose(out.numpy()[:, 1:], shorter, atol=1e-12)
    full = layer(mg.tensor(x[:, :1]), mg.tensor(memory[:, :1])).numpy()
    np.testing.assert_allclose(out.numpy()[:, :1], full, atol=1e-12)


def test_generate_square_subsequent_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(3).numpy()
    assert mask.dtype == np.float32
    expected = np.array([[0.0, -np.inf, -np.inf], [0.0, 0.0, -np.inf], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(mask, expected)
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=np.float64).dtype == np.float64


def test_decoder_stacks_copies_and_transformer_runs():
    layer, _ = tiny_layer(False)
    decoder = nn.TransformerDecoder(layer, 2)
    a, b = decoder.layers
    assert a is not layer and b is not a
    np.testing.assert_array_equal(a.linear1.weight.numpy(), layer.linear1.weight.numpy())
    x, memory = mg.tensor(np.ones((3, 2))), mg.tensor(np.zeros((4, 2)))
    once = layer(x, memory)
    np.testing.assert_allclose(decoder(x, memory).numpy(), layer(once, memory).numpy())
    with pytest.raises(TypeError, match="decoder_layer must be a TransformerDecoderLayer"):
        nn.TransformerDecoder(nn.TransformerEncoderLayer(2, 1, 3), 2)

    model = nn.Transformer(4, 2, 1, 2, 8, dropout=0.0, batch_first=True).double()
    src = mg.tensor(np.random.default_rng(1).normal(size=(2, 5, 4)), requires_grad=True)
    tgt = mg.tensor(np.random.default_rng(2).normal(size=(2, 3, 4)), requires_grad=True)
    out = model(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(3))
    assert out.shape == (2, 3, 4)
    out.sum().backward()
    assert src.grad is not None and tgt.grad is not None
    assert model.decoder.layers[0].multihead_attn.in_proj_weight.grad is not None
    with pytest.raises(RuntimeError, match="batch number"):
        model(src, tgt[:1])
    with pytest.raises(RuntimeError, match="d_model"):
        model(src, tgt[..., :2])
