"""Recurrent layers against their gate equations, worked out by hand in NumPy.

Each reference below is PyTorch's documented equation written with one slice of the stacked
weights per gate (W_ii = weight_ih[0:H], W_if = weight_ih[H:2H], ...), so a wrong gate order,
a bias in the wrong place (GRU's b_hn inside the reset product) or a state mix-up fails here.
The gradients are checked by the op registry (tests/op_registry.py) and the BPTT test below.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.data import DataLoader
from minigrad.nn import rnn
from minigrad.text import CharTokenizer, NextTokenDataset, load_names
from optim import Adam

I, H = 3, 4  # input_size, hidden_size in these tests
T, N = 5, 2  # steps and batch of the bidirectional tests


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ---- the references: one step of each cell, gate by gate ---------------------------------------
def ref_rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, activation=np.tanh):
    return activation(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


def ref_lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    n = h.shape[-1]

    def gate(k):  # W_i? x + b_i? + W_h? h + b_h? for gate number k of (i, f, g, o)
        rows = slice(k * n, (k + 1) * n)
        return x @ w_ih[rows].T + b_ih[rows] + h @ w_hh[rows].T + b_hh[rows]

    i, f, g, o = sigmoid(gate(0)), sigmoid(gate(1)), np.tanh(gate(2)), sigmoid(gate(3))
    c = f * c + i * g
    return o * np.tanh(c), c


def ref_gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    n = h.shape[-1]
    r_, z_, n_ = slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n)
    r = sigmoid(x @ w_ih[r_].T + b_ih[r_] + h @ w_hh[r_].T + b_hh[r_])
    z = sigmoid(x @ w_ih[z_].T + b_ih[z_] + h @ w_hh[z_].T + b_hh[z_])
    new = np.tanh(x @ w_ih[n_].T + b_ih[n_] + r * (h @ w_hh[n_].T + b_hh[n_]))
    return (1 - z) * new + z * h


def weights_of(module, layer=None):
    """weight_ih, weight_hh, bias_ih, bias_hh of a cell or of one layer, as NumPy arrays."""
    suffix = "" if layer is None else f"_l{layer}"
    state = module.state_dict()
    return [state[f"{name}{suffix}"] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]


def ref_sequence(kind, module, x, h0, c0=None, activation=np.tanh):
    """The layer by hand: every layer over every step of x (T, N, I), time first.

    Returns (output (T, N, H), h_n, c_n) with h_n, c_n of shape (num_layers, N, H)."""
    layer_input, h_n, c_n = x, [], []
    for layer in range(module.num_layers):
        w = weights_of(module, layer)
        h = h0[layer]
        c = None if c0 is None else c0[layer]
        outputs = []
        for x_t in layer_input:
            if kind == "lstm":
                h, c = ref_lstm_cell(x_t, h, c, *w)
            elif kind == "gru":
                h = ref_gru_cell(x_t, h, *w)
            else:
                h = ref_rnn_cell(x_t, h, *w, activation=activation)
            outputs.append(h)
        layer_input = np.stack(outputs)
        h_n.append(h)
        c_n.append(c)
    return layer_input, np.stack(h_n), None if c0 is None else np.stack(c_n)


LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def make(kind, **options):
    mg.manual_seed(0)
    return LAYERS[kind](I, H, dtype=mg.float64, **options)


def run(kind, module, x, h0=None, c0=None):
    """Call the layer; return (output, h_n, c_n) as NumPy arrays (c_n None unless LSTM)."""
    x = mg.tensor(x)
    if kind == "lstm":
        hx = None if h0 is None else (mg.tensor(h0), mg.tensor(c0))
        out, (h_n, c_n) = module(x, hx)
        return out.numpy(), h_n.numpy(), c_n.numpy()
    out, h_n = module(x, None if h0 is None else mg.tensor(h0))
    return out.numpy(), h_n.numpy(), None


rng = np.random.default_rng(0)


# ---- layers against the equations ---------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_a_three_step_sequence_follows_the_gate_equations(kind):
    module = make(kind)
    x = rng.standard_normal((3, 2, I))
    zeros = np.zeros((1, 2, H))
    out, h_n, c_n = run(kind, module, x)
    expected, h_expected, c_expected = ref_sequence(
        kind, module, x, zeros, zeros if kind == "lstm" else None
    )
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n, h_expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n[0], out[-1])  # the last output is the last layer's last h
    if kind == "lstm":
        np.testing.assert_allclose(c_n, c_expected, rtol=1e-12, atol=1e-12)


def test_rnn_with_relu_uses_relu():
    module = make("rnn", nonlinearity="relu")
    x = rng.standard_normal((3, 2, I))
    out, _, _ = run("rnn", module, x)
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    expected, _, _ = ref_sequence("rnn", module, x, np.zeros((1, 2, H)), activation=relu)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert (out == 0).any() and (out > 0).any()


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_the_initial_state_is_where_the_recurrence_starts(kind):
    module = make(kind, num_layers=2)
    x = rng.standard_normal((3, 2, I))
    h0, c0 = rng.standard_normal((2, 2, H)), rng.standard_normal((2, 2, H))
    c0 = c0 if kind == "lstm" else None
    out, h_n, c_n = run(kind, module, x, h0, c0)
    expected, h_expected, c_expected = ref_sequence(kind, module, x, h0, c0)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n, h_expected, rtol=1e-12, atol=1e-12)
    if kind == "lstm":
        np.testing.assert_allclose(c_n, c_expected, rtol=1e-12, atol=1e-12)
    zero_start, _, _ = run(kind, module, x)
    assert not np.allclose(out, zero_start)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_batch_first_only_swaps_the_first_two_axes(kind):
    time_first = make(kind, num_layers=2)
    batch_first = make(kind, num_layers=2, batch_first=True)
    x = rng.standard_normal((4, 3, I))  # (T, N, I)
    out, h_n, _ = run(kind, time_first, x)
    out_bf, h_n_bf, _ = run(kind, batch_first, x.transpose(1, 0, 2).copy())
    assert out_bf.shape == (3, 4, H)
    np.testing.assert_allclose(out_bf, out.transpose(1, 0, 2), rtol=1e-12)
    np.testing.assert_allclose(h_n_bf, h_n, rtol=1e-12)  # the state stays (layers, N, H)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_two_layers_with_dropout_in_eval_mode_are_the_stack_by_hand(kind):
    module = make(kind, num_layers=2, dropout=0.5).eval()
    x = rng.standard_normal((3, 2, I))
    zeros = np.zeros((2, 2, H))
    out, h_n, _ = run(kind, module, x)
    expected, h_expected, _ = ref_sequence(kind, module, x, zeros, zeros)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n, h_expected, rtol=1e-12, atol=1e-12)


def test_dropout_acts_between_layers_in_training_and_follows_the_seed():
    module = make("lstm", num_layers=2, dropout=0.5)
    x = rng.standard_normal((3, 2, I))
    mg.manual_seed(1)
    first, h_n, _ = run("lstm", module, x)
    mg.manual_seed(1)
    again, _, _ = run("lstm", module, x)
    np.testing.assert_array_equal(first, again)
    zeros = np.zeros((2, 2, H))
    expected, h_expected, _ = ref_sequence("lstm", module, x, zeros, zeros)
    assert not np.allclose(first, expected)  # the second layer saw a dropped-out input
    # ... but the first layer did not: its final state is the one without dropout.
    np.testing.assert_allclose(h_n[0], h_expected[0], rtol=1e-12)


def test_dropout_with_one_layer_warns_as_in_pytorch():
    with pytest.warns(UserWarning, match="dropout=0.2 acts between layers"):
        nn.GRU(I, H, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(I, H, num_layers=2, dropout=0.2)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_one_unbatched_sequence_gives_unbatched_outputs(kind):
    module = make(kind, num_layers=2)
    x = rng.standard_normal((3, I))
    h0, c0 = rng.standard_normal((2, H)), rng.standard_normal((2, H))
    c0 = c0 if kind == "lstm" else None
    out, h_n, c_n = run(kind, module, x, h0, c0)
    assert out.shape == (3, H) and h_n.shape == (2, H)
    batched = run(kind, module, x[:, None], h0[:, None], None if c0 is None else c0[:, None])
    np.testing.assert_allclose(out, batched[0][:, 0], rtol=1e-12)
    np.testing.assert_allclose(h_n, batched[1][:, 0], rtol=1e-12)
    if kind == "lstm":
        np.testing.assert_allclose(c_n, batched[2][:, 0], rtol=1e-12)


# ---- parameters ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_state_dict_keys_and_shapes_are_pytorchs(kind):
    rows = GATES[kind] * H
    module = LAYERS[kind](I, H, num_layers=2)
    shapes = {name: value.shape for name, value in module.state_dict().items()}
    assert shapes == {
        "weight_ih_l0": (rows, I), "weight_hh_l0": (rows, H), "bias_ih_l0": (rows,),
        "bias_hh_l0": (rows,), "weight_ih_l1": (rows, H), "weight_hh_l1": (rows, H),
        "bias_ih_l1": (rows,), "bias_hh_l1": (rows,),
    }  # fmt: skip
    assert list(shapes)[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    no_bias = LAYERS[kind](I, H, num_layers=2, bias=False)
    assert list(no_bias.state_dict()) == [
        "weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"
    ]  # fmt: skip
    assert all(value.dtype == np.float32 for value in module.state_dict().values())


@pytest.mark.parametrize("cls, gates", [(nn.RNNCell, 1), (nn.LSTMCell, 4), (nn.GRUCell, 3)])
def test_cell_parameters_are_pytorchs(cls, gates):
    shapes = {name: value.shape for name, value in cls(I, H).state_dict().items()}
    assert shapes == {
        "weight_ih": (gates * H, I), "weight_hh": (gates * H, H), "bias_ih": (gates * H,),
        "bias_hh": (gates * H,),
    }  # fmt: skip
    assert list(cls(I, H, bias=False).state_dict()) == ["weight_ih", "weight_hh"]


@pytest.mark.parametrize("make_module", [lambda: nn.LSTM(I, 64, 2), lambda: nn.GRUCell(I, 64)])
def test_every_parameter_starts_uniform_within_one_over_sqrt_hidden(make_module):
    bound = 1 / math.sqrt(64)
    for name, value in make_module().state_dict().items():
        assert np.abs(value).max() <= bound, name
        assert np.abs(value).max() > 0.9 * bound, name  # spread over the whole range
        assert abs(value.mean()) < 0.2 * bound, name


def test_a_state_dict_round_trips_and_reset_parameters_draws_again():
    a, b = nn.GRU(I, H, num_layers=2), nn.GRU(I, H, num_layers=2)
    b.load_state_dict(a.state_dict())
    x = mg.tensor(rng.standard_normal((3, 2, I)).astype(np.float32))
    np.testing.assert_array_equal(a(x)[0].numpy(), b(x)[0].numpy())
    b.reset_parameters()
    assert not np.allclose(a(x)[0].numpy(), b(x)[0].numpy())


def test_all_weights_lists_each_layers_parameters_in_pytorchs_order():
    module = nn.LSTM(I, H, num_layers=2)
    assert module.all_weights[1][0] is module.weight_ih_l1
    assert module.all_weights[1][3] is module.bias_hh_l1
    assert nn.LSTM(I, H, bias=False).all_weights[0][2:] == [None, None]


def test_repr_shows_the_settings_that_differ_from_the_defaults():
    assert repr(nn.LSTM(3, 4)) == "LSTM(3, 4)"
    assert (
        repr(nn.GRU(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.5))
        == "GRU(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.5)"
    )
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4, nonlinearity=relu)"
    assert repr(nn.LSTMCell(3, 4, bias=False)) == "LSTMCell(3, 4, bias=False)"


# ---- cells ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_cells_follow_the_equations_batched_and_unbatched(kind):
    mg.manual_seed(0)
    cell = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}[kind](I, H, dtype=mg.float64)
    w = weights_of(cell)
    x, h, c = rng.standard_normal((2, I)), rng.standard_normal((2, H)), rng.standard_normal((2, H))
    if kind == "lstm":
        got = [t.numpy() for t in cell(mg.tensor(x), (mg.tensor(h), mg.tensor(c)))]
        expected = ref_lstm_cell(x, h, c, *w)
        one = [t.numpy() for t in cell(mg.tensor(x[0]), (mg.tensor(h[0]), mg.tensor(c[0])))]
        zero_state = cell(mg.tensor(x))[0].numpy()
        from_zero = ref_lstm_cell(x, 0 * h, 0 * c, *w)[0]
    else:
        reference = ref_gru_cell if kind == "gru" else ref_rnn_cell
        got = [cell(mg.tensor(x), mg.tensor(h)).numpy()]
        expected = [reference(x, h, *w)]
        one = [cell(mg.tensor(x[0]), mg.tensor(h[0])).numpy()]
        zero_state = cell(mg.tensor(x)).numpy()
        from_zero = reference(x, 0 * h, *w)
    for a, b, single in zip(got, expected, one):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        assert single.shape == (H,)
        np.testing.assert_allclose(single, b[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(zero_state, from_zero, rtol=1e-12, atol=1e-12)


def test_a_cell_in_a_loop_is_the_layer():
    mg.manual_seed(0)
    layer = nn.LSTM(I, H, dtype=mg.float64)
    cell = nn.LSTMCell(I, H, dtype=mg.float64)
    cell.load_state_dict({name[:-3]: value for name, value in layer.state_dict().items()})
    x = mg.tensor(rng.standard_normal((4, 2, I)))
    state = None
    for t in range(4):
        state = cell(x[t], state)
    out, (h_n, c_n) = layer(x)
    np.testing.assert_allclose(state[0].numpy(), h_n[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(state[1].numpy(), c_n[0].numpy(), rtol=1e-12)


def test_rnn_relu_cell_gradchecks_away_from_the_kink():
    # Its own generator: drawn from the module's, the inputs depended on which tests ran before
    # (pytest-xdist's order once put a pre-activation at 0.036, by relu's kink).
    generator = np.random.default_rng(21)
    while True:  # redraw until every pre-activation is away from the kink at 0
        x, h = generator.standard_normal((2, I)), generator.standard_normal((2, H))
        w = [generator.standard_normal(s) for s in ((H, I), (H, H), (H,), (H,))]
        if np.abs(ref_rnn_cell(x, h, *w, activation=lambda v: v)).min() > 0.05:
            break
    inputs = [mg.tensor(a, requires_grad=True) for a in (x, h, *w)]
    assert mg.gradcheck(rnn.rnn_relu_cell, *inputs)


# ---- backpropagation through time ---------------------------------------------------------------
def test_bptt_of_a_one_unit_rnn_is_the_chain_rule_by_hand():
    """h1 = tanh(w x1 + u h0), h2 = tanh(w x2 + u h1), so with a = 1 - h^2 (tanh's derivative)

    dh2/du = a2 (h1 + u dh1/du) = a2 (h1 + u a1 h0)      dh2/dw = a2 (x2 + u a1 x1)

    The weights' gradients sum over both steps: that is backpropagation through time."""
    w, u, x1, x2, h0 = 0.7, -0.4, 0.5, -1.2, 0.3
    layer = nn.RNN(1, 1, bias=False, dtype=mg.float64)
    layer.load_state_dict({"weight_ih_l0": [[w]], "weight_hh_l0": [[u]]})
    out, _ = layer(
        mg.tensor([[[x1]], [[x2]]], dtype=mg.float64), mg.tensor([[[h0]]], dtype=mg.float64)
    )
    out[1].sum().backward()
    h1 = math.tanh(w * x1 + u * h0)
    h2 = math.tanh(w * x2 + u * h1)
    a1, a2 = 1 - h1**2, 1 - h2**2
    assert layer.weight_hh_l0.grad.item() == pytest.approx(a2 * (h1 + u * a1 * h0), rel=1e-12)
    assert layer.weight_ih_l0.grad.item() == pytest.approx(a2 * (x2 + u * a1 * x1), rel=1e-12)


def test_the_gradient_reaches_every_step_of_the_input():
    layer = nn.GRU(I, H, num_layers=2, batch_first=True)
    x = mg.tensor(rng.standard_normal((2, 5, I)).astype(np.float32), requires_grad=True)
    out, h_n = layer(x)
    h_n[-1].sum().backward()  # only the final state: every earlier step reaches it through time
    assert (np.abs(x.grad.numpy()).sum(axis=(0, 2)) > 0).all()


# ---- a language model that learns -------------------------------------------------------------
@pytest.mark.slow
def test_an_lstm_language_model_beats_the_best_bigram_table_in_200_steps():
    """On names it never saw, the LSTM must predict better than any table of letter pairs can:
    2.345 nats per character for the best bigram table (counts on the training names), and
    below 2.25 for the LSTM after 200 steps of Adam (2.13 when written, seed 0)."""
    names = load_names()
    names = [names[i] for i in np.random.default_rng(0).permutation(len(names))]
    train = "\n" + "\n".join(names[:4600]) + "\n"
    val = "\n" + "\n".join(names[4600:]) + "\n"
    tokenizer = CharTokenizer(train)
    train_ids, val_ids = tokenizer.encode(train), tokenizer.encode(val)
    counts = np.ones((27, 27))  # add-one smoothing: no pair has probability 0
    np.add.at(counts, (train_ids[:-1], train_ids[1:]), 1)
    probs = counts / counts.sum(axis=1, keepdims=True)
    best_bigram = -np.log(probs[val_ids[:-1], val_ids[1:]]).mean()
    assert best_bigram == pytest.approx(2.345, abs=1e-3)

    class LanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(27, 16)
            self.lstm = nn.LSTM(16, 32, batch_first=True)
            self.out = nn.Linear(32, 27)

        def forward(self, ids):
            return self.out(self.lstm(self.embedding(ids))[0])

    def loss_of(model, ids, targets):
        return F.cross_entropy(model(ids).reshape(-1, 27), targets.reshape(-1))

    mg.manual_seed(0)
    model = LanguageModel()
    optimizer = Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(NextTokenDataset(train_ids, 16), batch_size=32, shuffle=True)
    for step, (ids, targets) in enumerate(loader):
        optimizer.zero_grad()
        loss_of(model, ids, targets).backward()
        optimizer.step()
        if step + 1 == 200:
            break
    starts = range(0, len(val_ids) - 16, 16)
    blocks = np.stack([val_ids[i : i + 17] for i in starts])
    with mg.no_grad():
        val_loss = loss_of(model, mg.tensor(blocks[:, :-1]), mg.tensor(blocks[:, 1:])).item()
    assert val_loss < 2.25 < best_bigram


# ---- LSTMLayer: the fused time loop against unroll over lstm_cell -----------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [True, False])
def test_lstm_layer_computes_what_unroll_computes(dtype, bias):
    """Outputs and every gradient (through h_1 ... h_T, h_T and c_T) of the one-op layer equal
    the recorded step-by-step graph's, in both float dtypes."""
    generator = np.random.default_rng(5)
    steps, batch, inputs, hidden = 6, 3, 4, 5
    shapes = [(steps, batch, inputs), (batch, hidden), (batch, hidden), (4 * hidden, inputs),
              (4 * hidden, hidden)] + ([(4 * hidden,)] * 2 if bias else [])  # fmt: skip
    tensors = [
        mg.tensor(generator.uniform(-1, 1, s).astype(dtype), requires_grad=True) for s in shapes
    ]
    out, h_n, c_n = rnn.lstm_layer(*tensors)
    weights = tensors[3:] + [None] * (2 if not bias else 0)
    expected, [(h_ref, c_ref)] = rnn.unroll(rnn.lstm_cell, tensors[0], [tuple(tensors[1:3])],
                                            [weights])  # fmt: skip
    tolerance = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12}
    for got, want in [(out, expected), (h_n, h_ref), (c_n, c_ref)]:
        assert got.dtype == dtype
        np.testing.assert_allclose(got.numpy(), want.numpy(), **tolerance)
    g_out, g_c = (mg.tensor(generator.standard_normal(s).astype(dtype)) for s in
                  [(steps, batch, hidden), (batch, hidden)])  # fmt: skip
    fused = mg.grad((out * g_out).sum() + (c_n * g_c).sum() + (h_n * h_n).sum(), tensors)
    reference = mg.grad((expected * g_out).sum() + (c_ref * g_c).sum() + (h_ref * h_ref).sum(),
                        tensors)  # fmt: skip
    for got, want in zip(fused, reference):
        assert got.dtype == dtype
        np.testing.assert_allclose(got.numpy(), want.numpy(), **tolerance)


def test_lstm_layer_promotes_dtypes_as_the_cell_ops_do():
    module = nn.LSTM(I, H)  # float32 weights
    for dtype, expected in [(mg.float64, np.float64), (mg.int64, np.float64)]:
        x = mg.ones(2, 1, I, dtype=dtype)
        out, (h_n, c_n) = module(x)
        assert out.dtype == h_n.dtype == c_n.dtype == expected
        unrolled, _ = rnn.unroll(rnn.lstm_cell, x, [(mg.zeros(1, H),) * 2], [module.all_weights[0]])
        assert unrolled.dtype == expected
        np.testing.assert_allclose(out.numpy(), unrolled.numpy(), rtol=1e-6)
    integers = [mg.ones(2, 1, I, dtype=mg.int64), *[mg.zeros(1, H, dtype=mg.int64)] * 2]
    with pytest.raises(TypeError, match="floating point"):
        rnn.lstm_layer(*integers, *[w.astype(mg.int64) for w in module.all_weights[0][:2]])


def test_lstm_layer_backward_refuses_a_weight_changed_in_place():
    """The op keeps its gates' activations for backward; a weight overwritten between forward
    and backward (an optimizer step) must raise, not give a gradient of the old weights."""
    module = nn.LSTM(I, H)
    out, _ = module(mg.randn(3, 2, I))
    loss = out.sum()
    with mg.no_grad():
        module.weight_hh_l0 += 1.0
    with pytest.raises(RuntimeError, match="modified in place|in-place|version"):
        loss.backward()


def test_lstm_layer_with_one_bias_counts_the_other_as_zeros():
    """lstm_cell accepts bias_ih alone; so does the one-op layer, with the same values and
    gradients."""
    generator = np.random.default_rng(8)
    x, h, c = (mg.tensor(generator.uniform(-1, 1, s)) for s in [(4, 2, I), (2, H), (2, H)])
    w_ih, w_hh, b = (
        mg.tensor(generator.uniform(-1, 1, s), requires_grad=True)
        for s in [(4 * H, I), (4 * H, H), (4 * H,)]
    )
    for only_ih in (True, False):
        biases = (b, None) if only_ih else (None, b)
        out = rnn.lstm_layer(x, h, c, w_ih, w_hh, *biases)[0]
        expected = rnn.unroll(rnn.lstm_cell, x, [(h, c)], [[w_ih, w_hh, *biases]])[0]
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)
        got = mg.grad(out.sum(), [w_ih, b])
        want = mg.grad(expected.sum(), [w_ih, b])
        for a, e in zip(got, want):
            np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-12)


# ---- bidirectional ----------------------------------------------------------------------------


def ref_bidirectional(kind, module, x, h0, c0=None):
    """PyTorch's bidirectional layers by hand: in each layer the forward direction over x and
    the reverse direction over x read backwards, its outputs put back in time order; the layer's
    output is the two side by side. h_n's row 2k is layer k forward, 2k + 1 layer k reverse."""
    state = module.state_dict()
    layer_input, h_n, c_n = x, [], []
    for layer in range(module.num_layers):
        halves = []
        for direction, suffix in enumerate(("", "_reverse")):
            w = [
                state[f"{name}_l{layer}{suffix}"]
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            ]
            row = 2 * layer + direction
            h, c = h0[row], None if c0 is None else c0[row]
            steps = layer_input if direction == 0 else layer_input[::-1]
            outputs = []
            for x_t in steps:
                if kind == "lstm":
                    h, c = ref_lstm_cell(x_t, h, c, *w)
                elif kind == "gru":
                    h = ref_gru_cell(x_t, h, *w)
                else:
                    h = ref_rnn_cell(x_t, h, *w)
                outputs.append(h)
            outputs = np.stack(outputs)
            halves.append(outputs if direction == 0 else outputs[::-1])
            h_n.append(h)
            c_n.append(c)
        layer_input = np.concatenate(halves, axis=-1)
    return layer_input, np.stack(h_n), None if c0 is None else np.stack(c_n)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_bidirectional_layers_are_two_directions_by_hand(kind, num_layers):
    module = make(kind, num_layers=num_layers, bidirectional=True)
    x = rng.standard_normal((T, N, I))
    h0 = rng.standard_normal((2 * num_layers, N, H))
    c0 = rng.standard_normal((2 * num_layers, N, H)) if kind == "lstm" else None
    out, h_n, c_n = run(kind, module, x, h0, c0)
    ref_out, ref_h, ref_c = ref_bidirectional(kind, module, x, h0, c0)
    assert out.shape == (T, N, 2 * H) and h_n.shape == (2 * num_layers, N, H)
    np.testing.assert_allclose(out, ref_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n, ref_h, rtol=1e-12, atol=1e-12)
    if kind == "lstm":
        np.testing.assert_allclose(c_n, ref_c, rtol=1e-12, atol=1e-12)
    # PyTorch's forward-output rule: the last step of the forward half, the first of the reverse
    np.testing.assert_array_equal(out[-1, :, :H], h_n[-2])
    np.testing.assert_array_equal(out[0, :, H:], h_n[-1])


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_bidirectional_state_dict_is_pytorchs(kind):
    module = make(kind, num_layers=2, bidirectional=True)
    rows = GATES[kind] * H
    expected = []
    for layer, inputs in ((0, I), (1, 2 * H)):
        for suffix in ("", "_reverse"):
            expected += [
                (f"weight_ih_l{layer}{suffix}", (rows, inputs)),
                (f"weight_hh_l{layer}{suffix}", (rows, H)),
                (f"bias_ih_l{layer}{suffix}", (rows,)),
                (f"bias_hh_l{layer}{suffix}", (rows,)),
            ]
    assert [(name, value.shape) for name, value in module.state_dict().items()] == expected
    assert "bidirectional=True" in repr(module)


def test_bidirectional_gradients_match_finite_differences_batch_first_and_unbatched():
    module = make("lstm", bidirectional=True, batch_first=True)
    x = mg.tensor(rng.standard_normal((N, T, I)), requires_grad=True)
    out, (h_n, c_n) = module(x)
    assert out.shape == (N, T, 2 * H) and h_n.shape == (2, N, H)
    assert mg.gradcheck(lambda x: module(x)[0], (x,))
    one, (h_one, _) = module(mg.tensor(x.numpy()[0]))
    assert one.shape == (T, 2 * H) and h_one.shape == (2, H)
    np.testing.assert_allclose(one.numpy(), out.numpy()[0], rtol=1e-12, atol=1e-12)
