"""Module hooks and dotted-name look-ups, ParameterDict, and the data helpers (Subset,
random_split, ConcatDataset, DataLoader's PyTorch keywords). Expected values by hand."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn import module as module_file


def t(values, **kwargs):
    return mg.tensor(np.asarray(values, dtype=np.float64), **kwargs)


# ---- hooks ---------------------------------------------------------------------------------------


def test_forward_hook_sees_args_and_output_and_can_replace_the_output():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    x = t([[1.0, -2.0]])
    seen = []
    handle = model[1].register_forward_hook(lambda m, args, out: seen.append((m, args, out)))
    y = model(x)
    ((module, args, out),) = seen
    assert module is model[1] and isinstance(args, tuple) and len(args) == 1
    np.testing.assert_array_equal(out.numpy(), np.maximum(args[0].numpy(), 0))
    handle.remove()
    handle.remove()  # a second remove does nothing
    model(x)
    assert len(seen) == 1
    # a hook's return value replaces the output: zeroing the hidden layer leaves the bias
    with model[1].register_forward_hook(lambda m, a, out: out * 0):
        np.testing.assert_allclose(model(x).numpy(), model[2].bias.numpy()[None])
    np.testing.assert_allclose(model(x).numpy(), y.numpy())  # removed on leaving the block


def test_forward_pre_hook_can_replace_the_args_and_gradients_flow_through():
    layer = nn.Linear(2, 1)
    x = t([[1.0, 2.0]], requires_grad=True)
    handle = layer.register_forward_pre_hook(lambda m, args: args[0] * 2)  # a non-tuple: (x*2,)
    out = layer(x)
    expected = 2 * x.numpy() @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(out.numpy(), expected)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * layer.weight.numpy())
    handle.remove()
    np.testing.assert_allclose(layer(x).numpy(), expected - x.numpy() @ layer.weight.numpy().T)


def test_hooks_run_in_order_and_prepend_puts_one_first():
    layer = nn.Identity()
    order = []
    handles = [
        layer.register_forward_hook(lambda m, a, o: order.append("a")),
        layer.register_forward_hook(lambda m, a, o: order.append("b")),
        layer.register_forward_hook(lambda m, a, o: order.append("c"), prepend=True),
    ]
    layer(t([1.0]))
    assert order == ["c", "a", "b"]
    for handle in handles:
        handle.remove()


def test_no_hooks_means_the_plain_call():
    # Module.__call__ is forward() alone while no hook exists anywhere (the fast path).
    assert nn.Module.__call__ is nn.Module._plain_call
    handle = nn.ReLU().register_forward_pre_hook(lambda m, a: None)
    assert nn.Module.__call__ is nn.Module._call_with_hooks
    handle.remove()
    assert nn.Module.__call__ is nn.Module._plain_call and module_file._live_hooks == 0


def test_a_hook_must_be_callable():
    with pytest.raises(TypeError, match="register_forward_hook: hook must be callable"):
        nn.ReLU().register_forward_hook("print")


# ---- dotted names ------------------------------------------------------------------------------


def test_get_submodule_parameter_and_buffer_by_dotted_name():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.BatchNorm1d(3)))
    assert model.get_submodule("") is model
    assert model.get_submodule("1.0") is model[1][0]
    assert model.get_parameter("0.weight") is model[0].weight
    assert model.get_buffer("1.0.running_mean") is model[1][0].running_mean
    with pytest.raises(
        AttributeError, match=r"Sequential has no sub-module '2'; it has \['0', '1'\]"
    ):
        model.get_submodule("2")
    with pytest.raises(AttributeError, match="Linear has no parameter 'wieght'"):
        model.get_parameter("0.wieght")
    with pytest.raises(AttributeError, match="BatchNorm1d has no buffer 'weight'"):
        model.get_buffer("1.0.weight")  # a parameter, not a buffer
    with pytest.raises(TypeError, match="target must be a str"):
        model.get_submodule(0)


def test_parameter_dict_registers_and_wraps():
    params = nn.ParameterDict({"scale": t([2.0]), "shift": nn.Parameter(t([0.5]))})
    params["extra"] = t([1.0, 1.0])
    assert list(params) == ["scale", "shift", "extra"] and "shift" in params
    assert isinstance(params["scale"], nn.Parameter) and params["scale"].requires_grad
    assert list(params.state_dict()) == ["scale", "shift", "extra"]
    assert [name for name, _ in params.named_parameters()] == ["scale", "shift", "extra"]
    assert params.pop("extra").shape == (2,) and len(params) == 2
    with pytest.raises(KeyError, match="ParameterDict has no parameter 'extra'"):
        params["extra"]
    with pytest.raises(TypeError, match="must be a Tensor or Parameter, got float"):
        params["bad"] = 1.0
    with pytest.raises(KeyError, match="without '.'"):
        params["a.b"] = t([1.0])


# ---- data: Subset, random_split, ConcatDataset, DataLoader keywords ------------------------------


def test_subset_reads_the_chosen_items_of_a_map_style_or_column_dataset():
    X, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    subset = mg.data.Subset((X, y), [4, 0, -1])
    assert len(subset) == 3 and subset.indices == [4, 0, 4]
    np.testing.assert_array_equal(subset[1][0], X[0])
    xb, yb = next(iter(mg.data.DataLoader(subset, batch_size=3)))
    np.testing.assert_array_equal(xb.numpy(), X[[4, 0, 4]])
    np.testing.assert_array_equal(yb.numpy(), [4, 0, 4])
    pairs = [(np.float32(i), i) for i in range(4)]
    assert mg.data.Subset(pairs, [2])[0] == pairs[2]


def test_random_split_counts_and_fractions_partition_the_indices():
    mg.manual_seed(0)
    parts = mg.data.random_split(list(range(10)), [3, 7])
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    # fractions: floor(n * f) each, the remainder one by one from the first part
    assert [len(p) for p in mg.data.random_split(list(range(5)), [0.5, 0.5])] == [3, 2]
    assert [len(p) for p in mg.data.random_split(list(range(10)), [0.7, 0.2, 0.1])] == [7, 2, 1]
    assert [len(p) for p in mg.data.random_split(list(range(11)), [1 / 3] * 3)] == [4, 4, 3]
    with pytest.warns(UserWarning, match="part 1 .* gets no items"):  # [1, 0, 2]
        mg.data.random_split(list(range(3)), [0.1, 0.1, 0.8])


def test_random_split_draws_from_the_generator_it_is_given():
    state = mg.get_rng_state()
    a = mg.data.random_split(list(range(20)), [0.5, 0.5], generator=state)
    b = mg.data.random_split(list(range(20)), [0.5, 0.5], generator=state)
    assert a[0].indices == b[0].indices  # the same state, the same split
    assert mg.get_rng_state() == state  # minigrad's own generator did not move
    c = mg.data.random_split(list(range(20)), [10, 10], generator=np.random.default_rng(3))
    assert c[0].indices == np.random.default_rng(3).permutation(20)[:10].tolist()


def test_concat_dataset_indexes_across_the_parts():
    first, second = [(1.0, 0), (2.0, 1)], (np.array([[3.0], [4.0], [5.0]]), np.array([2, 3, 4]))
    both = mg.data.ConcatDataset([first, second])
    assert len(both) == 5 and both.cumulative_sizes == [2, 5]
    assert both[1] == (2.0, 1) and both[2][1] == 2 and both[-1][1] == 4
    with pytest.raises(IndexError, match="index 5 is out of range for 5 items"):
        both[5]


def test_data_loader_accepts_torch_keywords_and_its_generator():
    X = np.arange(8.0)
    loader = mg.data.DataLoader(
        X, batch_size=8, shuffle=True, generator=np.random.default_rng(1), pin_memory=True,
        timeout=0, persistent_workers=False,
    )  # fmt: skip
    first, second = next(iter(loader)), next(iter(loader))  # one array: batches are Tensors
    rng = np.random.default_rng(1)
    np.testing.assert_array_equal(first.numpy(), X[rng.permutation(8)])
    np.testing.assert_array_equal(second.numpy(), X[rng.permutation(8)])  # a new order each epoch


def test_data_loader_with_workers_loads_in_process_and_warns_once(monkeypatch):
    from minigrad import data

    monkeypatch.setattr(data, "_warned_num_workers", False)
    X = np.arange(6.0)
    with pytest.warns(UserWarning, match="num_workers=2 loads in the main process"):
        loader = mg.data.DataLoader(X, batch_size=6, num_workers=2)
    np.testing.assert_array_equal(next(iter(loader)).numpy(), X)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mg.data.DataLoader(X, num_workers=4)  # once per process
    with pytest.raises(ValueError, match="worker_init_fn needs worker processes"):
        mg.data.DataLoader(X, num_workers=2, worker_init_fn=lambda worker_id: None)


# ---- layers ----------------------------------------------------------------------------------


def test_identity_ignores_its_arguments_and_unflatten_splits_a_dim():
    x = t(np.arange(12.0).reshape(2, 6))
    assert nn.Identity(54, unused_argument="x")(x) is x
    out = nn.Unflatten(1, (2, 3))(x)
    np.testing.assert_array_equal(out.numpy(), np.arange(12.0).reshape(2, 2, 3))
    assert list(nn.Unflatten(-1, [3, -1])(x).shape) == [2, 3, 2]


def test_softplus_module_switches_to_linear_above_the_threshold():
    x = np.array([-2.0, 0.0, 1.0, 3.0])
    out = nn.Softplus(beta=2.0, threshold=4.0)(t(x)).numpy()
    smooth = np.log1p(np.exp(2.0 * x)) / 2.0
    np.testing.assert_allclose(out, np.where(2.0 * x > 4.0, x, smooth))
    assert out[3] == 3.0  # exactly x up there


def test_hardswish_hardsigmoid_values_and_kink_gradients():
    x = np.array([-4.0, -3.0, -1.5, 0.0, 2.0, 3.0, 5.0])
    relu6 = np.clip(x + 3, 0, 6)
    np.testing.assert_allclose(F.hardswish(t(x)).numpy(), x * relu6 / 6)
    np.testing.assert_allclose(nn.Hardsigmoid()(t(x)).numpy(), relu6 / 6)
    a = t(x, requires_grad=True)
    F.hardswish(a).sum().backward()
    inside = (x > -3) & (x < 3)
    np.testing.assert_allclose(a.grad.numpy(), np.where(inside, x / 3 + 0.5, (x >= 3) * 1.0))
    b = t(x, requires_grad=True)
    F.hardsigmoid(b).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), inside / 6.0)


def test_prelu_learns_one_slope_per_channel():
    layer = nn.PReLU(3)
    assert list(layer.state_dict()) == ["weight"] and np.all(layer.weight.numpy() == 0.25)
    x = np.array([[[-1.0, 2.0], [-2.0, -3.0], [4.0, -0.5]]])  # (1, 3, 2)
    layer.weight.data[...] = layer.weight.device.from_host(np.array([0.1, 0.2, 0.3]))
    out = layer(t(x))
    slope = np.array([0.1, 0.2, 0.3])[None, :, None]
    np.testing.assert_allclose(out.numpy(), np.where(x > 0, x, slope * x))
    out.sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.minimum(x, 0).sum(axis=(0, 2)))


def test_channel_dropout_zeroes_whole_channels_and_scales_the_rest():
    mg.manual_seed(0)
    x = t(np.ones((8, 16, 5)))
    out = nn.Dropout1d(0.5)(x).numpy()
    per_channel = out.reshape(8, 16, 5)
    assert np.all(per_channel == per_channel[..., :1])  # one draw per (sample, channel)
    assert set(np.unique(out)) <= {0.0, 2.0} and 0.3 < (out == 0).mean() < 0.7
    maps = nn.Dropout2d(0.25)(t(np.ones((4, 6, 3, 3)))).numpy()
    assert np.all(maps == maps[..., :1, :1]) and set(np.unique(maps)) <= {0.0, 4.0 / 3.0}
    layer = nn.Dropout2d(0.5).eval()
    np.testing.assert_array_equal(layer(t(np.ones((2, 3, 2, 2)))).numpy(), np.ones((2, 3, 2, 2)))


def test_one_dimensional_pools_are_the_two_dimensional_ones_on_a_row():
    x = np.arange(14.0).reshape(1, 2, 7) % 5
    out = nn.MaxPool1d(3, stride=2)(t(x)).numpy()
    expected = np.stack([x[..., i : i + 3].max(-1) for i in range(0, 5, 2)], -1)
    np.testing.assert_array_equal(out, expected)
    avg = nn.AvgPool1d(2, padding=1)(t(x[0])).numpy()  # unbatched (C, L); pads count as zeros
    padded = np.pad(x[0], ((0, 0), (1, 1)))
    np.testing.assert_allclose(avg, (padded[:, 0:8:2] + padded[:, 1:9:2]) / 2)


def test_group_and_instance_norm_normalise_by_hand():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 4, 3))
    groups = x.reshape(2, 2, 6)
    expected = (groups - groups.mean(-1, keepdims=True)) / np.sqrt(
        groups.var(-1, keepdims=True) + 1e-5
    )
    layer = nn.GroupNorm(2, 4)
    assert list(layer.state_dict()) == ["weight", "bias"]
    np.testing.assert_allclose(layer(t(x)).numpy(), expected.reshape(x.shape), rtol=1e-6)
    inorm = nn.InstanceNorm1d(4)
    assert inorm.state_dict() == {}  # PyTorch's defaults: no affine, no running statistics
    per = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(inorm(t(x)).numpy(), per, rtol=1e-6)
    tracked = nn.InstanceNorm1d(4, track_running_stats=True)
    tracked(t(x))
    np.testing.assert_allclose(tracked.running_mean.numpy(), 0.1 * x.mean(-1).mean(0), rtol=1e-6)
    unbiased = x.var(-1, ddof=1).mean(0)
    np.testing.assert_allclose(tracked.running_var.numpy(), 0.9 + 0.1 * unbiased, rtol=1e-6)
    assert int(tracked.num_batches_tracked.item()) == 0  # never counted, as PyTorch's


def test_distance_modules():
    a, b = np.array([[1.0, 2.0], [0.0, 3.0]]), np.array([[1.0, 0.0], [4.0, 0.0]])
    d = nn.PairwiseDistance()(t(a), t(b)).numpy()
    np.testing.assert_allclose(d, np.linalg.norm(a - b + 1e-6, axis=-1))
    cos = nn.CosineSimilarity(dim=1)(t(a), t(b)).numpy()
    np.testing.assert_allclose(
        cos, (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    )


def test_inplace_writes_through_the_version_counter_outside_a_graph():
    x = t([-1.0, 2.0])
    version = x._version
    assert F.relu(x, inplace=True) is x and x._version == version + 1
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])
    # a backward that read x before the write now raises instead of using the new values
    w = t([1.0, 1.0], requires_grad=True)
    y = (w * x).sum()
    nn.ReLU(inplace=True)(x * 1.0)  # a temporary: nothing read it
    nn.LeakyReLU(0.1, inplace=True)(x)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    # in a recorded graph a non-leaf is computed out of place, as `h += 1` is
    h = t([-1.0, 2.0], requires_grad=True) * 1.0
    out = F.relu(h, inplace=True)
    assert out is not h and np.array_equal(out.numpy(), [0.0, 2.0])
    with pytest.raises(RuntimeError, match=r"relu\(inplace=True\): a leaf tensor"):
        F.relu(t([1.0], requires_grad=True), inplace=True)
    with pytest.raises(TypeError, match="inplace must be"):
        nn.ReLU(inplace="yes")


# ---- init ------------------------------------------------------------------------------------


def test_trunc_normal_stays_inside_and_orthogonal_is_orthogonal():
    mg.manual_seed(1)
    w = mg.zeros(200, 50)
    nn.init.trunc_normal_(w, mean=0.5, std=1.0, a=-1.0, b=1.5)
    values = w.numpy()
    assert values.min() >= -1.0 and values.max() <= 1.5 and abs(values.mean() - 0.5) < 0.2
    for shape in [(3, 5), (5, 3), (4, 2, 3)]:
        q = nn.init.orthogonal_(mg.zeros(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        small = q @ q.T if q.shape[0] <= q.shape[1] else q.T @ q
        np.testing.assert_allclose(small, 4.0 * np.eye(len(small)), atol=1e-5)
    with pytest.raises(ValueError, match="holds under 1e-4"):
        nn.init.trunc_normal_(mg.zeros(3), mean=0.0, std=1.0, a=10.0, b=11.0)


def test_eye_and_dirac_pass_the_input_through():
    np.testing.assert_array_equal(nn.init.eye_(mg.zeros(2, 3)).numpy(), np.eye(2, 3))
    conv = nn.Conv1d(2, 2, 3, padding=1, bias=False)
    nn.init.dirac_(conv.weight)
    x = t(np.arange(10.0).reshape(1, 2, 5))
    np.testing.assert_allclose(conv(x.astype(conv.weight.dtype)).numpy(), x.numpy(), atol=1e-6)
    grouped = nn.init.dirac_(mg.zeros(4, 2, 3, 3), groups=2).numpy()
    assert grouped[2, 0, 1, 1] == 1.0 and grouped[3, 1, 1, 1] == 1.0 and grouped.sum() == 4


# ---- transformer encoder -----------------------------------------------------------------------


def _numpy_layer_norm(x, w, b, eps=1e-5):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) * w + b


def _numpy_encoder_layer(x, s, heads, norm_first):
    """One encoder layer on (S, E) input, from its state_dict, in NumPy."""

    def attention(h):
        q, k, v = np.split(h @ s["self_attn.in_proj_weight"].T + s["self_attn.in_proj_bias"], 3, -1)
        d = q.shape[-1] // heads
        outs = []
        for i in range(heads):
            part = slice(i * d, (i + 1) * d)
            scores = q[:, part] @ k[:, part].T / np.sqrt(d)
            weights = np.exp(scores - scores.max(-1, keepdims=True))
            outs.append(weights / weights.sum(-1, keepdims=True) @ v[:, part])
        out = np.concatenate(outs, -1)
        return out @ s["self_attn.out_proj.weight"].T + s["self_attn.out_proj.bias"]

    def feed_forward(h):
        hidden = np.maximum(h @ s["linear1.weight"].T + s["linear1.bias"], 0)
        return hidden @ s["linear2.weight"].T + s["linear2.bias"]

    def norm(h, i):
        return _numpy_layer_norm(h, s[f"norm{i}.weight"], s[f"norm{i}.bias"])

    if norm_first:
        x = x + attention(norm(x, 1))
        return x + feed_forward(norm(x, 2))
    x = norm(x + attention(x), 1)
    return norm(x + feed_forward(x), 2)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer_matches_numpy(norm_first):
    mg.manual_seed(3)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, norm_first=norm_first)
    layer.double()
    state = layer.state_dict()
    assert list(state) == [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
        "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
        "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
    ]  # fmt: skip
    rng = np.random.default_rng(0)
    for name in state:  # non-trivial norms too
        state[name] = rng.normal(size=state[name].shape) * 0.5
    layer.load_state_dict(state)
    x = rng.normal(size=(5, 8))
    np.testing.assert_allclose(
        layer(t(x)).numpy(), _numpy_encoder_layer(x, state, 2, norm_first), rtol=1e-6, atol=1e-9
    )


def test_transformer_encoder_copies_the_layer_and_applies_the_final_norm():
    mg.manual_seed(4)
    layer = nn.TransformerEncoderLayer(4, 1, 8, dropout=0.0, batch_first=True).double()
    encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(4).double())
    state = encoder.state_dict()
    assert [k for k in state if k.endswith("linear1.weight")] == [
        "layers.0.linear1.weight", "layers.1.linear1.weight",
    ]  # fmt: skip
    assert "norm.weight" in state and len(state) == 2 * 12 + 2
    for i in range(2):  # copies: equal weights, separate parameters
        np.testing.assert_array_equal(
            state[f"layers.{i}.linear1.weight"], layer.state_dict()["linear1.weight"]
        )
    assert encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight
    x = np.random.default_rng(1).normal(size=(2, 3, 4))
    expected = x
    for i in range(2):
        sub = {
            k[len(f"layers.{i}.") :]: v for k, v in state.items() if k.startswith(f"layers.{i}.")
        }
        expected = np.stack([_numpy_encoder_layer(s, sub, 1, False) for s in expected])
    expected = _numpy_layer_norm(expected, state["norm.weight"], state["norm.bias"])
    np.testing.assert_allclose(encoder(t(x)).numpy(), expected, rtol=1e-6, atol=1e-9)
