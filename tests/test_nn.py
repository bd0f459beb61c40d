"""minigrad.nn: modules and parameters, layers, init, dropout and batch norm, losses, training."""

import math
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend, nn
from minigrad.backend import to_host
from minigrad.nn import functional as F
from minigrad.nn import init

rng = np.random.default_rng(0)


def as_tensor(*shape, dtype=np.float32):
    return mg.tensor(rng.normal(size=shape).astype(dtype))


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 4)
        self.act = nn.ReLU()
        self.out = nn.Linear(4, 3)

    def forward(self, x):
        return self.out(self.act(self.hidden(x)))


class WithBatchNorm(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(mg.tensor([1.0, 2.0]))
        self.norm = nn.BatchNorm1d(2)
        self.blocks = [nn.Linear(2, 2), nn.Linear(2, 2, bias=False)]  # a plain list registers

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.norm(x * self.scale)


# ---- registration, names and order ----------------------------------------------------------
def test_parameters_register_on_assignment_in_order_with_dotted_names():
    model = TwoLayer()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert [p for p in model.parameters()] == [p for _, p in model.named_parameters()]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in model.parameters())
    assert [name for name, _ in model.named_children()] == ["hidden", "act", "out"]
    assert list(model.children()) == [model.hidden, model.act, model.out]
    assert [type(m).__name__ for m in model.modules()] == ["TwoLayer", "Linear", "ReLU", "Linear"]


def test_sequential_and_module_list_name_children_by_position():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Sequential(nn.Linear(3, 3)))
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "2.0.weight", "2.0.bias"]
    assert (
        len(model) == 3 and isinstance(model[1], nn.Tanh) and isinstance(model[-1], nn.Sequential)
    )
    layers = nn.ModuleList([nn.Linear(1, 1)])
    layers.append(nn.Linear(1, 2))
    holder = nn.Module()
    holder.layers = layers
    assert [n for n, _ in holder.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
    ]  # fmt: skip
    named = nn.Sequential(OrderedDict([("first", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_parameters()] == ["first.weight", "first.bias"]


def test_a_plain_list_of_modules_becomes_a_module_list():
    model = WithBatchNorm()
    assert isinstance(model.blocks, nn.ModuleList)
    assert [name for name, _ in model.named_parameters()] == [
        "scale", "norm.weight", "norm.bias", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
    ]  # fmt: skip


def test_a_list_mixing_modules_with_other_things_is_an_error():
    holder = nn.Module()
    with pytest.raises(TypeError, match="use nn.ModuleList"):
        holder.parts = [nn.Linear(1, 1), "relu"]
    with pytest.raises(TypeError, match="one attribute per Parameter"):
        holder.weights = [nn.Parameter(mg.tensor([1.0])), 2.0]
    holder.numbers = [1, 2]  # not modules: a plain attribute
    assert holder.numbers == [1, 2] and list(holder.parameters()) == []


def test_assigning_before_super_init_is_a_clear_error():
    class Forgetful(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\)"):
        Forgetful()


def test_a_parameter_slot_takes_only_parameters_or_none():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="wrap it in nn.Parameter"):
        layer.weight = mg.tensor(np.ones((2, 2)))
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert layer(as_tensor(3, 2)).shape == (3, 2)


def test_reassigning_keeps_the_place_and_a_shared_parameter_is_listed_once():
    model = TwoLayer()
    model.hidden = nn.Linear(2, 4)
    assert [name for name, _ in model.named_children()] == ["hidden", "act", "out"]
    model.out.weight = nn.Parameter(mg.tensor(np.ones((3, 4), np.float32)))
    assert [n for n, _ in model.named_parameters()][2:] == ["out.weight", "out.bias"]
    tied = nn.Sequential(model.hidden, model.hidden)
    assert len(list(tied.parameters())) == 2
    del model.out
    assert [name for name, _ in model.named_children()] == ["hidden", "act"]


def test_reading_a_parameter_follows_every_way_of_changing_it():
    """A parameter is also kept as a plain attribute (fast reads in forward); every way of
    changing the registry must change what ``layer.name`` reads."""
    layer = nn.Linear(2, 3)
    new = nn.Parameter(mg.tensor(np.ones((3, 2), np.float32)))
    layer.weight = new
    assert layer.weight is new and next(layer.parameters()) is new
    layer.register_parameter("weight", None)
    assert layer.weight is None
    buffer = mg.tensor(np.zeros(3))
    layer.register_buffer("bias", buffer)  # a parameter name reused for a buffer
    assert layer.bias is buffer and [n for n, _ in layer.named_parameters()] == []
    layer.weight = new
    del layer.weight
    with pytest.raises(AttributeError, match="no attribute 'weight'"):
        _ = layer.weight
    assert "weight" not in layer.state_dict()
    layer.scale = 2.0  # an ordinary attribute is not registered anywhere
    layer.scale = nn.Parameter(mg.tensor(np.ones(1, np.float32)))
    assert isinstance(layer.scale, nn.Parameter) and "scale" in dict(layer.named_parameters())


def test_train_and_eval_set_the_mode_everywhere():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert model.training and model[1][0].training
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_sets_none_or_zeros_in_place():
    model = TwoLayer()
    F.mse_loss(model(as_tensor(5, 2)), as_tensor(5, 3)).backward()
    grad = model.out.weight.grad
    assert grad is not None
    model.zero_grad(set_to_none=False)
    assert model.out.weight.grad is grad and not grad.numpy().any()
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_apply_visits_every_module_children_first():
    seen = []
    nn.Sequential(nn.Linear(1, 1), nn.ReLU()).apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "Sequential"]


def test_calling_a_module_runs_forward_and_a_missing_forward_says_so():
    model = TwoLayer()
    x = as_tensor(3, 2)
    np.testing.assert_array_equal(model(x).numpy(), model.forward(x).numpy())
    with pytest.raises(NotImplementedError, match="Module has no forward"):
        nn.Module()(x)


def test_repr_reads_like_pytorch():
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 1, bias=False))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=8, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.1, inplace=False)\n"
        "  (3): Linear(in_features=8, out_features=1, bias=False)\n"
        ")"
    )
    assert repr(TwoLayer()).startswith("TwoLayer(\n  (hidden): Linear(in_features=2")
    assert repr(nn.Parameter(mg.tensor([1.0]))).startswith("Parameter containing:\ntensor(")


# ---- devices and dtypes ----------------------------------------------------------------------
@pytest.fixture
def standin_device(monkeypatch):
    """A second 'device' whose arrays are NumPy copies: enough to see what to() moves."""
    device = backend.Device(
        "standin", lambda: np, lambda a: np.array(a), lambda xp, a: np.array(a, copy=True)
    )
    monkeypatch.setitem(backend._DEVICES, "standin", device)
    return device


@pytest.mark.host_only("moves a CPU model to a stand-in device and back")
def test_to_moves_parameters_and_buffers_in_place(standin_device):
    model = WithBatchNorm()
    F.mse_loss(model(as_tensor(4, 2)), as_tensor(4, 2)).backward()
    params = list(model.parameters())
    before = [p.data for p in params]
    assert model.to("standin") is model
    assert list(model.parameters()) == params  # the same Parameter objects: optimizers keep them
    for p, old in zip(params, before):
        assert p.device is standin_device and p.data is not old
        assert p.grad.device is standin_device
        np.testing.assert_array_equal(p.numpy(), old)
    assert all(b.device is standin_device for b in model.buffers())
    model.to("cpu")
    assert all(p.device is backend.cpu for p in model.parameters())


def test_to_dtype_casts_floating_tensors_only():
    model = nn.BatchNorm1d(3).double()
    assert model.weight.dtype == np.float64 and model.running_var.dtype == np.float64
    assert model.num_batches_tracked.dtype == np.int64
    model.to(mg.float32)
    assert model.weight.dtype == np.float32


# ---- state_dict -------------------------------------------------------------------------------
def test_state_dict_holds_host_copies_in_pytorch_order():
    model = WithBatchNorm()
    state = model.state_dict()
    assert list(state) == [
        "scale", "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var",
        "norm.num_batches_tracked", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
    ]  # fmt: skip
    assert all(type(value) is np.ndarray for value in state.values())
    snapshot = state["scale"].copy()
    model.scale.data[...] = 100.0
    np.testing.assert_array_equal(state["scale"], snapshot)  # a copy, not the live array


def test_state_dict_round_trips_bitwise_into_another_model():
    mg.manual_seed(1)
    source = WithBatchNorm()
    source(as_tensor(8, 2))  # moves the running statistics
    mg.manual_seed(2)
    target = WithBatchNorm()
    arrays = [p.data for p in target.parameters()]
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name
    assert [p.data for p in target.parameters()] == arrays  # written into the same arrays


def test_load_state_dict_accepts_tensors_and_casts_to_the_parameter_dtype():
    layer = nn.Linear(2, 2)
    state = {
        name: mg.tensor(value.astype(np.float64)) for name, value in layer.state_dict().items()
    }
    target = nn.Linear(2, 2)
    target.load_state_dict(state)
    assert target.weight.dtype == np.float32
    np.testing.assert_array_equal(target.weight.numpy(), layer.weight.numpy())


def test_load_state_dict_errors_name_the_key_and_change_nothing():
    model = TwoLayer()
    before = model.state_dict()
    state = model.state_dict()
    state["hidden.weight"] = np.zeros((4, 2), np.float32)
    del state["out.bias"]
    state["extra"] = np.zeros(1)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "missing key 'out.bias'" in message and "unexpected key 'extra'" in message
    for name, value in model.state_dict().items():  # validated before writing: untouched
        assert value.tobytes() == before[name].tobytes()
    state = model.state_dict()
    state["out.weight"] = np.zeros((4, 3))
    with pytest.raises(
        RuntimeError, match=r"key 'out.weight': shape \(4, 3\) in the state, \(3, 4\)"
    ):
        model.load_state_dict(state, strict=False)


def test_load_state_dict_non_strict_reports_what_it_skipped():
    model = TwoLayer()
    state = {"hidden.weight": np.ones((4, 2)), "nonsense": np.ones(2)}
    result = model.load_state_dict(state, strict=False)
    assert result.unexpected_keys == ["nonsense"]
    assert result.missing_keys == ["hidden.bias", "out.weight", "out.bias"]
    assert (model.hidden.weight.numpy() == 1).all()


def test_non_persistent_buffers_stay_out_of_the_state_dict():
    module = nn.Module()
    module.register_buffer("kept", mg.tensor([1.0]))
    module.register_buffer("scratch", mg.tensor([2.0]), persistent=False)
    assert list(module.state_dict()) == ["kept"]
    assert [name for name, _ in module.named_buffers()] == ["kept", "scratch"]


# ---- Linear and init -------------------------------------------------------------------------
def test_linear_shapes_dtype_and_value():
    layer = nn.Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.weight.dtype == np.float32
    x = as_tensor(5, 3)
    out = layer(x)
    assert out.dtype == np.float32
    expected = x.numpy() @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    assert layer(as_tensor(4, 7, 3)).shape == (4, 7, 2)  # leading batch axes


def test_linear_bias_of_a_wider_dtype_promotes_as_an_add_would():
    """The bias is added into the product's own array only when that changes nothing."""
    x, w = as_tensor(5, 3), as_tensor(2, 3)  # float32
    b = mg.tensor(np.array([0.1, -0.2]))  # float64: 0.1 is not a float32 number
    out = F.linear(x, w, b)
    assert out.dtype == np.float64
    # The product on the tensors' own device: BLAS libraries may round float32 sums differently.
    expected = (x.data @ w.data.T).astype(np.float64) + b.data
    np.testing.assert_array_equal(out.numpy(), to_host(expected))


def test_linear_with_wrong_in_features_names_both():
    with pytest.raises(ValueError, match=r"input has 4 features .* \(in_features=3\)"):
        nn.Linear(3, 2)(as_tensor(5, 4))
    with pytest.raises(ValueError, match="linear: input has 4 features"):
        F.linear(as_tensor(5, 4), as_tensor(2, 3))


def test_default_init_follows_pytorch_bounds():
    mg.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    weight, bias = layer.weight.numpy(), layer.bias.numpy()
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.99 * bound
    assert np.abs(bias).max() <= bound
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.01 * bound  # U(-b, b): std = b/sqrt(3)


def test_init_is_reproducible_under_manual_seed():
    mg.manual_seed(42)
    first = TwoLayer().state_dict()
    mg.manual_seed(42)
    second = TwoLayer().state_dict()
    mg.manual_seed(43)
    third = TwoLayer().state_dict()
    assert all(first[k].tobytes() == second[k].tobytes() for k in first)
    assert first["hidden.weight"].tobytes() != third["hidden.weight"].tobytes()


def test_init_functions_fill_in_place_with_the_documented_statistics():
    mg.manual_seed(0)
    w = mg.tensor(np.zeros((500, 400), np.float32), requires_grad=True)
    data = w.data
    assert init.uniform_(w, -2.0, 3.0) is w and w.data is data
    assert w.numpy().min() >= -2 and w.numpy().max() <= 3
    init.normal_(w, 1.0, 0.5)
    assert abs(w.numpy().mean() - 1.0) < 0.01 and abs(w.numpy().std() - 0.5) < 0.01
    init.xavier_uniform_(w, gain=2.0)
    assert np.abs(w.numpy()).max() <= 2.0 * math.sqrt(6 / 900)
    init.xavier_normal_(w)
    assert abs(w.numpy().std() - math.sqrt(2 / 900)) < 0.01 * math.sqrt(2 / 900)
    init.kaiming_uniform_(w, nonlinearity="relu")
    assert np.abs(w.numpy()).max() <= math.sqrt(2) * math.sqrt(3 / 400)
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 500)) < 0.01 * math.sqrt(2 / 500)
    init.constant_(w, 0.25)
    assert (w.numpy() == 0.25).all() and w.dtype == np.float32
    init.zeros_(w)
    assert not w.numpy().any()
    init.ones_(w)
    assert (w.numpy() == 1).all()


def test_gain_and_fans():
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(1 / 3)
    assert init.calculate_gain("sigmoid") == 1.0
    conv_weight = mg.tensor(np.zeros((8, 3, 5, 5)))
    assert init.calculate_fan_in_and_fan_out(conv_weight) == (75, 200)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(mg.tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    # PyTorch's list of linear ones includes the transposed convolutions
    for name in ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
        assert init.calculate_gain(name) == 1.0


# ---- Dropout --------------------------------------------------------------------------------
def test_dropout_scales_survivors_in_training_and_is_the_identity_in_eval():
    mg.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = mg.tensor(np.ones((200, 100), np.float32))
    out = layer(x).numpy()
    assert out.dtype == np.float32
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.01
    assert abs(out.mean() - 1.0) < 0.02  # inverted dropout keeps the expected value
    layer.eval()
    assert layer(x) is x
    assert F.dropout(x, 0.0) is x


def test_dropout_gradient_uses_the_same_mask_and_the_seed_repeats_it():
    mg.manual_seed(5)
    x = mg.tensor(np.ones((4, 6)), requires_grad=True)
    out = F.dropout(x, 0.5)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.numpy())
    mg.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(x, 0.5).numpy(), out.numpy())


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_outside_zero_to_one_is_an_error(p):
    with pytest.raises(ValueError, match=r"Dropout: p must be a finite number in \[0, 1\]"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match=r"dropout: p must be a finite number in \[0, 1\]"):
        F.dropout(as_tensor(2), p)


def test_dropout_with_p_one_drops_everything_as_pytorch_does():
    # PyTorch takes p in [0, 1]; p = 1 gives zeros and zero gradients (no 1 / (1 - p) = 1/0)
    x = mg.tensor(np.arange(1.0, 7.0).reshape(1, 2, 3), requires_grad=True)
    for drop in (lambda a: F.dropout(a, 1.0), nn.Dropout(1.0), nn.Dropout1d(1.0)):
        x.grad = None
        out = drop(x)
        out.sum().backward()
        np.testing.assert_array_equal(out.numpy(), np.zeros((1, 2, 3)))
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros((1, 2, 3)))


# ---- BatchNorm --------------------------------------------------------------------------------
def test_batch_norm_1d_training_normalises_and_updates_running_stats_by_hand():
    layer = nn.BatchNorm1d(3)
    x = rng.normal(2.0, 3.0, size=(16, 3)).astype(np.float32)
    out = layer(mg.tensor(x)).numpy()
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=0), 1, atol=1e-3)  # biased var, eps=1e-5
    np.testing.assert_allclose(layer.running_mean.numpy(), 0.1 * x.mean(axis=0), rtol=1e-5)
    unbiased = x.var(axis=0, ddof=1)
    np.testing.assert_allclose(layer.running_var.numpy(), 0.9 + 0.1 * unbiased, rtol=1e-5)
    assert layer.num_batches_tracked.item() == 1
    x2 = rng.normal(size=(16, 3)).astype(np.float32)
    layer(mg.tensor(x2))
    expected_mean = 0.9 * 0.1 * x.mean(axis=0) + 0.1 * x2.mean(axis=0)
    np.testing.assert_allclose(layer.running_mean.numpy(), expected_mean, rtol=1e-5, atol=1e-7)
    assert layer.num_batches_tracked.item() == 2


def test_batch_norm_eval_uses_running_stats_and_affine_parameters():
    layer = nn.BatchNorm1d(2)
    with mg.no_grad():  # lists are moved to the tensor's device, as in PyTorch
        layer.running_mean[...] = [1.0, -1.0]
        layer.running_var[...] = [4.0, 0.25]
        layer.weight[...] = [2.0, 3.0]
        layer.bias[...] = [0.5, 0.0]
    layer.eval()
    x = np.array([[3.0, 0.0], [1.0, -1.5]], np.float32)
    expected = (x - [1.0, -1.0]) / np.sqrt(np.array([4.0, 0.25]) + 1e-5) * [2.0, 3.0] + [0.5, 0]
    np.testing.assert_allclose(layer(mg.tensor(x)).numpy(), expected, rtol=1e-6)
    assert layer.num_batches_tracked.item() == 0  # eval changes no statistics


def test_batch_norm_2d_normalises_per_channel_over_batch_and_space():
    layer = nn.BatchNorm2d(4)
    x = rng.normal(1.0, 2.0, size=(3, 4, 5, 5)).astype(np.float32)
    out = layer(mg.tensor(x)).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), 1, atol=1e-3)
    unbiased = x.var(axis=(0, 2, 3), ddof=1)
    np.testing.assert_allclose(layer.running_var.numpy(), 0.9 + 0.1 * unbiased, rtol=1e-5)


def test_batch_norm_momentum_none_is_a_cumulative_average():
    layer = nn.BatchNorm1d(1, momentum=None)
    batches = [rng.normal(size=(8, 1)).astype(np.float32) for _ in range(3)]
    for batch in batches:
        layer(mg.tensor(batch))
    expected = np.mean([b.mean() for b in batches])
    np.testing.assert_allclose(layer.running_mean.numpy(), [expected], rtol=1e-5)


def test_batch_norm_gradients_pass_gradcheck_in_float64():
    layer = nn.BatchNorm2d(2).double()
    x = mg.tensor(rng.normal(size=(3, 2, 2, 2)), requires_grad=True)
    assert mg.gradcheck(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, True), x, layer.weight, layer.bias
    )


def test_batch_norm_bad_input_is_named():
    with pytest.raises(ValueError, match="BatchNorm1d: input has 4 channels .* num_features=3"):
        nn.BatchNorm1d(3)(as_tensor(5, 4))
    with pytest.raises(ValueError, match="BatchNorm2d: expected 4-d input"):
        nn.BatchNorm2d(3)(as_tensor(5, 3))
    with pytest.raises(ValueError, match="more than one value per channel"):
        nn.BatchNorm1d(3)(as_tensor(1, 3))


# ---- Embedding and activations ---------------------------------------------------------------
def test_embedding_looks_up_rows_and_adds_gradients_of_repeats():
    layer = nn.Embedding(5, 3)
    index = np.array([[0, 4], [4, 4]])
    out = layer(index)
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.numpy()[1, 0], layer.weight.numpy()[4])
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy()[:, 0], [1, 0, 0, 0, 3])
    with pytest.raises(IndexError, match=r"indices must lie in \[0, 4\]"):
        layer(np.array([5]))


def test_activation_modules_compute_their_formulas():
    x = np.linspace(-4, 4, 17)
    t = mg.tensor(x)
    np.testing.assert_allclose(nn.ReLU()(t).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(t).numpy(), np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(nn.Tanh()(t).numpy(), np.tanh(x))
    np.testing.assert_allclose(nn.Sigmoid()(t).numpy(), 1 / (1 + np.exp(-x)))
    exact = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(nn.GELU()(t).numpy(), exact, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(nn.GELU("tanh")(t).numpy(), exact, atol=1e-3)
    soft = nn.Softmax(axis=0)(mg.tensor(x.reshape(-1, 1))).numpy()
    np.testing.assert_allclose(soft.sum(axis=0), [1.0])
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"


def test_erf_is_accurate_across_the_real_line():
    x = np.linspace(-9, 9, 3601)
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(F.erf(mg.tensor(x)).numpy(), expected, rtol=1e-14, atol=1e-15)
    assert F.erf(mg.tensor(x.astype(np.float32))).dtype == np.float32


# ---- losses -----------------------------------------------------------------------------------
def log_softmax_np(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def test_cross_entropy_with_label_smoothing_matches_the_formula():
    logits, target = rng.normal(size=(4, 5)), np.array([0, 3, 4, 1])
    logp = log_softmax_np(logits)
    eps = 0.1
    q = np.full((4, 5), eps / 5)
    q[np.arange(4), target] += 1 - eps
    expected = -(q * logp).sum(axis=1)
    got = F.cross_entropy(mg.tensor(logits), target, reduction="none", label_smoothing=eps)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    mean = nn.CrossEntropyLoss(label_smoothing=eps)(mg.tensor(logits), target)
    np.testing.assert_allclose(mean.item(), expected.mean(), rtol=1e-12)
    for bad in (-0.1, 1.5):
        with pytest.raises(
            ValueError, match=r"label_smoothing must be a finite number in \[0, 1\]"
        ):
            F.cross_entropy(mg.tensor(logits), target, label_smoothing=bad)


def test_nll_loss_and_l1_loss_values():
    logp = log_softmax_np(rng.normal(size=(3, 4)))
    target = np.array([2, 0, 3])
    np.testing.assert_allclose(
        F.nll_loss(mg.tensor(logp), target).item(), -logp[np.arange(3), target].mean()
    )
    a, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(F.l1_loss(mg.tensor(a), b).item(), np.abs(a - b).mean())
    np.testing.assert_allclose(nn.L1Loss("sum")(mg.tensor(a), b).item(), np.abs(a - b).sum())
    with pytest.raises(ValueError, match="l1_loss: input shape"):
        F.l1_loss(mg.tensor(a), np.ones(2))


def test_bce_with_logits_matches_the_formula_and_stays_finite_for_huge_logits():
    x, y = rng.normal(size=(3, 4)) * 3, rng.uniform(size=(3, 4))
    s = 1 / (1 + np.exp(-x))
    expected = -(y * np.log(s) + (1 - y) * np.log(1 - s))
    got = F.binary_cross_entropy_with_logits(mg.tensor(x), y, reduction="none")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)
    pos = np.array([1.0, 2.0, 3.0, 0.5])
    weighted = -(pos * y * np.log(s) + (1 - y) * np.log(1 - s))
    got = nn.BCEWithLogitsLoss(pos_weight=mg.tensor(pos))(mg.tensor(x), y)
    np.testing.assert_allclose(got.item(), weighted.mean(), rtol=1e-10)
    huge = mg.tensor(np.array([1000.0, -1000.0]), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(huge, np.array([0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [1000.0, 1000.0])
    loss.sum().backward()
    np.testing.assert_allclose(huge.grad.numpy(), [1.0, -1.0])


# ---- training ---------------------------------------------------------------------------------
def make_spiral(points_per_class=100, classes=3, seed=0):
    """The classic spiral: each class an arm winding around the origin, with noise."""
    gen = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(classes):
        radius = np.linspace(0.05, 1.0, points_per_class)
        angle = np.linspace(c * 4.0, (c + 1) * 4.0, points_per_class)
        angle = angle + gen.normal(0, 0.2, points_per_class)
        xs.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        ys.append(np.full(points_per_class, c))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys)


def adam_step(params, state, lr=0.01, betas=(0.9, 0.999), eps=1e-8):
    """A hand-written Adam update (the optim package is tested on its own)."""
    state["t"] = state.get("t", 0) + 1
    for i, p in enumerate(params):
        m, v = state.setdefault(i, (p.xp.zeros_like(p.data), p.xp.zeros_like(p.data)))
        g = p.grad.data
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        state[i] = (m, v)
        m_hat = m / (1 - betas[0] ** state["t"])
        v_hat = v / (1 - betas[1] ** state["t"])
        p.data -= (lr * m_hat / (p.xp.sqrt(v_hat) + eps)).astype(p.dtype)


def test_an_mlp_learns_the_spiral():
    mg.manual_seed(0)
    x, y = make_spiral()
    model = nn.Sequential(
        nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3)
    )
    params, state = list(model.parameters()), {}
    inputs = mg.tensor(x)
    for _ in range(300):
        loss = F.cross_entropy(model(inputs), y)
        model.zero_grad()
        loss.backward()
        adam_step(params, state)
    with mg.no_grad():
        accuracy = (model(inputs).numpy().argmax(axis=1) == y).mean()
    assert accuracy > 0.95, f"spiral accuracy {accuracy:.3f}"


def make_bars(count, seed):
    """8x8 images holding one horizontal (class 0) or vertical (class 1) bar, plus noise."""
    gen = np.random.default_rng(seed)
    images = gen.normal(0, 0.3, size=(count, 1, 8, 8)).astype(np.float32)
    labels = gen.integers(0, 2, size=count)
    where = gen.integers(0, 8, size=count)
    for i in range(count):
        if labels[i] == 0:
            images[i, 0, where[i], :] += 1.0
        else:
            images[i, 0, :, where[i]] += 1.0
    return images, labels


def test_a_small_cnn_learns_to_tell_horizontal_from_vertical_bars():
    mg.manual_seed(0)
    train_x, train_y = make_bars(256, seed=1)
    test_x, test_y = make_bars(200, seed=2)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.1),
        nn.Linear(4 * 4 * 4, 2),
    )
    params, state = list(model.parameters()), {}
    for _ in range(10):
        for start in range(0, 256, 32):
            batch = mg.tensor(train_x[start : start + 32])
            loss = F.cross_entropy(model(batch), train_y[start : start + 32])
            model.zero_grad()
            loss.backward()
            adam_step(params, state, lr=0.02)
    model.eval()
    with mg.no_grad():
        accuracy = (model(mg.tensor(test_x)).numpy().argmax(axis=1) == test_y).mean()
    assert accuracy > 0.9, f"bars accuracy {accuracy:.3f}"


# ---- the stand-in GPU (arrays that refuse NumPy, as CuPy's do) -------------------------------
def test_a_conv_net_trains_on_the_stand_in_gpu_like_on_the_cpu_without_host_copies():
    from fake_device import FakeArray, Transfers

    def build():
        mg.manual_seed(0)
        return nn.Sequential(
            nn.Conv2d(1, 2, 3, padding=1),
            nn.BatchNorm2d(2),
            nn.GELU(),
            nn.MaxPool2d(2),
            nn.AvgPool2d(2, stride=1),
            nn.Flatten(),
            nn.Dropout(0.2),
            nn.Linear(8, 3),
        )

    x = rng.normal(size=(4, 1, 6, 6)).astype(np.float32)
    target = np.array([0, 1, 2, 0])
    results = []
    for device in ("cpu", "fakegpu"):
        model = build().to(device)
        before = Transfers.to_host
        loss = F.cross_entropy(model(mg.tensor(x, device=device)), mg.tensor(target, device=device))
        model.zero_grad()
        loss.backward()
        if device == "fakegpu":
            assert Transfers.to_host == before  # nothing went back to the host
            assert all(isinstance(p.grad.data, FakeArray) for p in model.parameters())
            assert all(isinstance(b.data, FakeArray) for b in model.buffers())
        results.append((loss.item(), model.state_dict()))
    (cpu_loss, cpu_state), (gpu_loss, gpu_state) = results
    assert abs(cpu_loss - gpu_loss) < 1e-6
    for name in cpu_state:
        np.testing.assert_allclose(cpu_state[name], gpu_state[name], rtol=1e-6, err_msg=name)
    fresh = build().to("fakegpu")
    fresh.load_state_dict(gpu_state)  # host arrays in, device arrays kept
    assert all(isinstance(p.data, FakeArray) for p in fresh.parameters())
