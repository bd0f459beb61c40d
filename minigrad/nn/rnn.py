"""Recurrent layers: ``RNN``, ``LSTM`` and ``GRU``, and the one-step cells they repeat.

A recurrent layer reads a sequence x_1 ... x_T one step at a time and carries a state from each
step to the next:

    h_t = cell(x_t, h_(t-1))          h_0 given (zeros by default)

The same weights are used at every step. Written out, a sequence of T steps is a T-layer deep
network whose layers share their weights, so the gradient of a loss with respect to a weight is
the sum of its gradients at every step. Computing it is "backpropagation through time" (BPTT),
and here it needs no code of its own: ``unroll`` runs the time loop in plain Python, every step
records its few ops (a matrix product, sigmoids, tanh, products) in the autograd graph, and
``backward`` walks that graph from step T back to step 1, adding each step's share into the
shared weights' gradients. Read ``unroll``, then one of the ``*_cell`` functions. ``nn.LSTM``
runs each layer as one op instead, ``LSTMLayer``, whose backward is BPTT written out by hand:
read it after ``lstm_cell``, whose graph it must match.

The three cells, with PyTorch's equations, gate order and parameter shapes (W_ih is
(G*H, input_size), W_hh is (G*H, H) with G gates stacked along the first axis):

    RNN (G = 1):   h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)      (or relu)

    LSTM (G = 4, gates i, f, g, o):
        i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)        input gate
        f = sigmoid(W_if x + b_if + W_hf h + b_hf)        forget gate
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)           candidate cell
        o = sigmoid(W_io x + b_io + W_ho h + b_ho)        output gate
        c' = f * c + i * g
        h' = o * tanh(c')

    GRU (G = 3, gates r, z, n):
        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)        reset gate
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)        update gate
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))     new gate
        h' = (1 - z) * n + z * h

(* is the elementwise product.) Every parameter starts as U(-1/sqrt(H), 1/sqrt(H)), as in
PyTorch, so ``state_dict`` loads both ways. docs/sequence-models.md tells why the LSTM gates.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import kernels
from ..autograd import Function
from ..backend import Device
from ..checks import ShapeError, check_bool, check_choice, check_int, check_number
from ..ops import relu, sigmoid, stack, tanh
from ..ops.shape import Concatenate, concatenate, flip
from ..tensor import Tensor
from . import functional as F
from . import init
from .layers import empty_parameter
from .module import Module, Parameter

__all__ = [
    "GRU", "GRUCell", "LSTM", "LSTMCell", "LSTMLayer", "RNN", "RNNCell", "gru_cell",
    "lstm_cell", "lstm_layer", "rnn_relu_cell", "rnn_tanh_cell", "unroll",
]  # fmt: skip

State = Any  # h, a Tensor (N, H), for RNN and GRU; the tuple (h, c) for LSTM
Cell = Callable[..., State]  # cell(input, state, weight_ih, weight_hh, bias_ih, bias_hh)


# ---- one step of each cell, as a function of its input, state and weights ------------------------
def rnn_tanh_cell(
    input: Tensor,
    hx: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
) -> Tensor:
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh). x (N, I), h (N, H)."""
    return tanh(F.linear(input, weight_ih, bias_ih) + F.linear(hx, weight_hh, bias_hh))


def rnn_relu_cell(
    input: Tensor,
    hx: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
) -> Tensor:
    """One Elman RNN step with relu: h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return relu(F.linear(input, weight_ih, bias_ih) + F.linear(hx, weight_hh, bias_hh))


def _lstm_gates(
    input: Tensor,
    h: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None,
    bias_hh: Tensor | None,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The LSTM's gates i, f, g, o, each (N, H): computed together, (N, 4H), then cut into
    quarters in PyTorch's order."""
    size = h.shape[-1]
    gates = F.linear(input, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)
    i = sigmoid(gates[:, :size])
    f = sigmoid(gates[:, size : 2 * size])
    g = tanh(gates[:, 2 * size : 3 * size])
    o = sigmoid(gates[:, 3 * size :])
    return i, f, g, o


def lstm_cell(
    input: Tensor,
    hx: tuple[Tensor, Tensor],
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step: (h', c') from x (N, I) and hx = (h, c), each (N, H), through the gates
    i, f, g, o of the module docstring (``_lstm_gates``)."""
    h, c = hx
    i, f, g, o = _lstm_gates(input, h, weight_ih, weight_hh, bias_ih, bias_hh)
    # The cell state is updated by a product and a sum, not squashed through a weight matrix:
    # along c the gradient is multiplied only by f at each step, which is why it survives long
    # sequences (docs/sequence-models.md).
    c = f * c + i * g
    return o * tanh(c), c


class LSTMLayer(Function):
    """One LSTM layer over a whole sequence as one op: the time loop of ``lstm_cell`` forward,
    and backpropagation through time written out by hand.

    Inputs: x (T, N, I), h_0 and c_0 (N, H), W_ih (4H, I), W_hh (4H, H), and b_ih, b_hh (4H,)
    unless the layer has no bias. Output, (T + 1, N, H): h_1 ... h_T, then c_T (a Function has
    one output; ``lstm_layer`` cuts it). Forward, step t (the module docstring has the gates):

        a = x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh     (N, 4H): the gates before activation
        i, f, o = sigmoid of a's quarters 1, 2, 4          g = tanh of quarter 3
        c_t = f c_(t-1) + i g                              h_t = o tanh(c_t)

    Backward, for t = T ... 1, with dh and dc the gradients reaching h_t and c_t (from the output
    at step t and from step t + 1), by the chain rule through those two lines:

        dc   += dh o (1 - tanh(c_t)^2)
        da_i  = dc g i (1 - i)      da_f = dc c_(t-1) f (1 - f)      (sigmoid' = s (1 - s))
        da_g  = dc i (1 - g^2)      da_o = dh tanh(c_t) o (1 - o)    (tanh' = 1 - tanh^2)
        dh_(t-1) = da W_hh  (+ the output's gradient at t - 1)       dc_(t-1) = dc f

    and then, for all steps at once, the weights' gradients summed over time:
    dW_ih = sum_t da_t^T x_t, dW_hh = sum_t da_t^T h_(t-1), db_ih = db_hh = sum_t da_t,
    dx_t = da_t W_ih.

    ``unroll`` computes the same with one small op per gate and step, each recorded in the graph
    (about 20 per step). Here no step is recorded, and the input's product with W_ih, which no
    step depends on, is one large matrix product for all T steps instead of T small ones:
    about 1.7x faster per time step (docs/sequence-models.md has the measurement). On the GPU
    each step's elementwise lines are one CUDA kernel (``_STEP_KERNELS``, below the class).
    """

    reads_inputs = None  # all of them (a recorded backward recomputes the steps from them)
    reads_output = True

    def forward(self, x, h, c, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
        xp, (steps, batch, _), size = self.xp, x.shape, h.shape[-1]
        # a = x_t W_ih^T (+ both biases) for every t in one product; each step adds h W_hh^T.
        gates = (x.reshape(steps * batch, -1) @ weight_ih.T).reshape(steps, batch, 4 * size)
        if bias_ih is not None:
            gates += bias_ih + bias_hh
        out = xp.empty((steps + 1, batch, size), dtype=gates.dtype)
        cells = xp.empty((steps + 1, batch, size), dtype=gates.dtype)  # c_0 ... c_T
        cells[0] = c
        self.tanh_cells = xp.empty((steps, batch, size), dtype=gates.dtype)
        self.activations, self.cells = gates, cells
        # W_hh^T laid out row by row once: the T products below ran 25% faster with it than
        # with the transposed view (OpenBLAS, 32x128 @ 128x512).
        weight_hh_t = xp.ascontiguousarray(weight_hh.T)
        if kernels.usable(xp, gates):  # on the GPU: each step's elementwise work in one kernel
            step = _kernel("forward")
            for t in range(steps):
                hw = (out[t - 1] if t else h) @ weight_hh_t
                step(hw, t, batch, size, gates, cells, self.tanh_cells, out, size=batch * size)
            out[steps] = cells[steps]
            return out
        # sigmoid(a) = (1 + tanh(a / 2)) / 2: all four activations are one tanh over the
        # gates, scaled by 1/2 before and after and shifted by 1/2 except on the g quarter.
        scale = xp.full(4 * size, 0.5, dtype=gates.dtype)
        scale[2 * size : 3 * size] = 1
        shift = 1 - scale  # 1/2, and 0 on g
        for t in range(steps):
            a = gates[t]  # overwritten by its activations (i, f, g, o), which backward reads
            a += h @ weight_hh_t
            a *= scale
            xp.tanh(a, out=a)
            a *= scale
            a += shift
            i, f, g, o = (a[:, k * size : (k + 1) * size] for k in range(4))
            c = xp.multiply(f, cells[t], out=cells[t + 1])
            c += i * g
            h = xp.multiply(o, xp.tanh(c, out=self.tanh_cells[t]), out=out[t])
        out[steps] = c
        return out

    def backward(self, grad, z, x, h, c, weight_ih, weight_hh, *biases):
        steps, batch, size = x.shape[0], x.shape[1], h.shape[-1]
        recorded = isinstance(grad, Tensor)
        if recorded:  # create_graph=True: the steps again, as recorded ops on the inputs
            activations, cells, tanh_cells = _lstm_steps(x, h, c, weight_ih, weight_hh, *biases)
            d_gates: Any = [None] * steps  # each step's da, joined below
        else:
            activations, cells, tanh_cells = self.activations, self.cells, self.tanh_cells
            d_gates = self.xp.empty(activations.shape, dtype=activations.dtype)
        if not recorded and kernels.usable(self.xp, activations):
            d_h, d_c = self._backward_steps_on_gpu(grad, weight_hh, d_gates)
        else:
            d_h, d_c = self._backward_steps(
                grad, weight_hh, activations, cells, tanh_cells, d_gates
            )
        if recorded:
            flat = Concatenate.apply(*d_gates, axis=0)  # (T N, 4H)
        else:
            flat = d_gates.reshape(steps * batch, 4 * size)
        needs = self.needs_input_grad
        d_x = (flat @ weight_ih).reshape(x.shape) if needs[0] else None
        d_w_ih = flat.T @ x.reshape(steps * batch, -1) if needs[3] else None
        d_w_hh = None
        if needs[4]:  # step 1 reads h_0, steps 2 ... T read the output's h_1 ... h_(T-1)
            earlier = z[: steps - 1].reshape((steps - 1) * batch, size)
            d_w_hh = flat[:batch].T @ h + flat[batch:].T @ earlier
        d_bias = flat.sum(axis=0) if biases else None
        return (d_x, d_h, d_c, d_w_ih, d_w_hh, *[d_bias] * len(biases))

    def _backward_steps(self, grad, weight_hh, activations, cells, tanh_cells, d_gates):
        """Steps T ... 1 of the class docstring's backward: each step's da into ``d_gates``
        (an array, or a list of Tensors when recorded); returns (dh_0, dc_0)."""
        steps, size = len(tanh_cells), weight_hh.shape[1]
        recorded = isinstance(grad, Tensor)
        d_h, d_c = grad[steps - 1], grad[steps]
        for t in reversed(range(steps)):
            a, tanh_c = activations[t], tanh_cells[t]
            i, f, g, o = (a[:, k * size : (k + 1) * size] for k in range(4))
            d_c = d_c + d_h * o * (1 - tanh_c * tanh_c)
            factors = (  # da_i, da_f, da_g, da_o, each as (gradient reaching it) x (derivative)
                (d_c * g, i - i * i),
                (d_c * cells[t], f - f * f),
                (d_c * i, 1 - g * g),
                (d_h * tanh_c, o - o * o),
            )
            if recorded:
                d_a = d_gates[t] = Concatenate.apply(*[u * v for u, v in factors], axis=1)
            else:  # each product written straight into its quarter of the (T, N, 4H) array
                d_a = d_gates[t]
                for k, (u, v) in enumerate(factors):
                    self.xp.multiply(u, v, out=d_a[:, k * size : (k + 1) * size])
            d_h = d_a @ weight_hh
            if t > 0:
                d_h = d_h + grad[t - 1]
            d_c = d_c * f
        return d_h, d_c

    def _backward_steps_on_gpu(self, grad, weight_hh, d_gates):
        """``_backward_steps`` with each step's elementwise work in one kernel (``_kernel``), the
        matrix product d_h = da W_hh beside it."""
        xp, (steps, batch, size) = self.xp, self.tanh_cells.shape
        grad = xp.ascontiguousarray(grad)  # the kernel indexes it as a plain (T + 1, N, H) block
        d_c = grad[steps].copy()  # updated in place, step by step
        d_h = xp.zeros((batch, size), dtype=grad.dtype)  # what step T + 1 sends back: nothing
        step, arrays = _kernel("backward"), (grad, self.activations, self.cells, self.tanh_cells)
        for t in reversed(range(steps)):
            step(d_h, t, batch, size, *arrays, d_c, d_gates, size=batch * size)
            d_h = d_gates[t] @ weight_hh
        return d_h, d_c


# ---- LSTMLayer's steps as one CUDA kernel each, for the GPU (see minigrad.kernels) -------------
# The same lines as the array code of forward and _backward_steps, for one element i = (n, j) of
# the (N, H) state. Every array is passed whole ("raw") and indexed by hand: (T, N, 4H) for the
# gates (quarter k of row n of step t starts at (t N + n) 4H + k H), (T + 1, N, H) or (T, N, H)
# for the rest. A forward step is then one matrix product and one kernel, a backward step the
# same, instead of 11 and 24 launches (the stand-in's counts) and their views.
_STEP_KERNELS = {
    "forward": (
        "raw T hw, int64 t, int64 batch, int64 hidden",  # hw = h_(t-1) W_hh^T, (N, 4H)
        "raw T gates, raw T cells, raw T tanh_cells, raw T h_out",
        """
        ptrdiff_t n = i / hidden, j = i % hidden;
        ptrdiff_t a = (t * batch + n) * 4 * hidden + j, p = n * 4 * hidden + j;
        ptrdiff_t s = (t * batch + n) * hidden + j;      // [t, n, j]; cells[t] holds c_(t-1)
        T ig = 1 / (1 + exp(-(gates[a] + hw[p])));
        T fg = 1 / (1 + exp(-(gates[a + hidden] + hw[p + hidden])));
        T gg = tanh(gates[a + 2 * hidden] + hw[p + 2 * hidden]);
        T og = 1 / (1 + exp(-(gates[a + 3 * hidden] + hw[p + 3 * hidden])));
        gates[a] = ig; gates[a + hidden] = fg; gates[a + 2 * hidden] = gg;
        gates[a + 3 * hidden] = og;                      // the activations, which backward reads
        T c = fg * cells[s] + ig * gg;
        cells[s + batch * hidden] = c;
        tanh_cells[s] = tanh(c);
        h_out[s] = og * tanh_cells[s];
        """,
    ),
    "backward": (
        "raw T d_h, int64 t, int64 batch, int64 hidden, raw T grad, raw T gates, raw T cells, "
        "raw T tanh_cells",  # d_h = da_(t+1) W_hh, what step t + 1 sends back to h_t
        "raw T d_c, raw T d_gates",  # d_c: in, the gradient reaching c_t; out, dc_(t-1)
        """
        ptrdiff_t n = i / hidden, j = i % hidden;
        ptrdiff_t a = (t * batch + n) * 4 * hidden + j, s = (t * batch + n) * hidden + j;
        T ig = gates[a], fg = gates[a + hidden], gg = gates[a + 2 * hidden];
        T og = gates[a + 3 * hidden], tc = tanh_cells[s];
        T dh = d_h[i] + grad[s];                         // plus the output's gradient at t
        T dc = d_c[i] + dh * og * (1 - tc * tc);
        d_gates[a] = dc * gg * (ig - ig * ig);
        d_gates[a + hidden] = dc * cells[s] * (fg - fg * fg);
        d_gates[a + 2 * hidden] = dc * ig * (1 - gg * gg);
        d_gates[a + 3 * hidden] = dh * tc * (og - og * og);
        d_c[i] = dc * fg;
        """,
    ),
}


def _kernel(direction: str) -> Any:
    return kernels.kernel(f"lstm_{direction}_step", *_STEP_KERNELS[direction])


def _lstm_steps(x, h, c, weight_ih, weight_hh, *biases):
    """LSTMLayer's forward as recorded ops, for a backward that is itself recorded
    (``create_graph=True``): each step's activations (N, 4H), c_0 ... c_T and tanh(c_t)."""
    activations, cells, tanh_cells = [], [c], []
    bias_ih, bias_hh = biases if biases else (None, None)
    for t in range(x.shape[0]):
        i, f, g, o = _lstm_gates(x[t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        activations.append(Concatenate.apply(i, f, g, o, axis=1))
        c = f * c + i * g
        cells.append(c)
        tanh_cells.append(tanh(c))
        h = o * tanh_cells[-1]
    return activations, cells, tanh_cells


def lstm_layer(
    input: Tensor,
    h: Tensor,
    c: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer over a sequence, input (T, N, I), from the state (h, c), each (N, H):
    (output h_1 ... h_T (T, N, H), h_T, c_T). The same as ``unroll`` over ``lstm_cell`` (a test
    holds them equal), computed by ``LSTMLayer``. Tensors of different dtypes are promoted as the
    matrix products of ``lstm_cell`` promote them (NumPy's rule)."""
    _check_layer_shapes(input, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
    tensors = [input, h, c, weight_ih, weight_hh]
    biases = [bias_ih, bias_hh]
    given = [b for b in biases if b is not None]
    if given:  # one bias alone (lstm_cell allows it): the other counts as zeros
        zero = Tensor._wrap(given[0].xp.zeros(given[0].shape, given[0].dtype), given[0].device)
        tensors += [zero if b is None else b for b in biases]
    dtype = np.result_type(*[t.dtype for t in tensors])  # what lstm_cell's products give
    if dtype.kind != "f":
        raise TypeError(f"lstm_layer: the input and weights must be floating point, got {dtype}")
    packed = LSTMLayer.apply(*[t if t.dtype == dtype else t.astype(dtype) for t in tensors])
    steps = input.shape[0]
    return packed[:steps], packed[steps - 1], packed[steps]


def _check_layer_shapes(input: Any, h: Any, c: Any, *weights: Any) -> None:
    """lstm_layer's arguments against each other, with a clear error before any arithmetic."""
    names = ("input", "h", "c", "weight_ih", "weight_hh", "bias_ih", "bias_hh")
    for name, value in zip(names, (input, h, c, *weights)):
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"lstm_layer: {name} must be a Tensor, got {type(value).__name__}")
    if input.ndim != 3 or input.shape[0] == 0:
        raise ValueError(
            f"lstm_layer: input must be (T, N, input_size) with T >= 1, got shape {input.shape}"
        )
    steps, batch, features = input.shape
    size = h.shape[-1] if h.ndim == 2 else -1
    expected = {
        "h": (batch, size), "c": (batch, size), "weight_ih": (4 * size, features),
        "weight_hh": (4 * size, size), "bias_ih": (4 * size,), "bias_hh": (4 * size,),
    }  # fmt: skip
    for name, value in zip(names[1:], (h, c, *weights)):
        if value is not None and (size < 1 or value.shape != expected[name]):
            raise ValueError(
                f"lstm_layer: {name} has shape {value.shape}; for input {input.shape} and h "
                f"{h.shape} it must be {expected[name]} (h: (N, H), weights stacked i, f, g, o)"
            )


def gru_cell(
    input: Tensor,
    hx: Tensor,
    weight_ih: Tensor,
    weight_hh: Tensor,
    bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None,
) -> Tensor:
    """One GRU step: h' from x (N, I) and h (N, H), through the gates r, z, n of the module
    docstring. The reset gate multiplies W_hn h + b_hn only (PyTorch's form), so the input side
    and the hidden side are two products, (N, 3H) each, cut in thirds."""
    size = hx.shape[-1]
    x_side = F.linear(input, weight_ih, bias_ih)
    h_side = F.linear(hx, weight_hh, bias_hh)
    r = sigmoid(x_side[:, :size] + h_side[:, :size])
    z = sigmoid(x_side[:, size : 2 * size] + h_side[:, size : 2 * size])
    n = tanh(x_side[:, 2 * size :] + r * h_side[:, 2 * size :])
    return n + z * (hx - n)  # = (1 - z) * n + z * h, one op fewer


# ---- the time loop: backpropagation through time comes from the graph it records ------------
def unroll(
    cell: Cell,
    input: Tensor,
    states: Sequence[State],
    all_weights: Sequence[Sequence[Any]],
    dropout: float = 0.0,
    training: bool = False,
) -> tuple[Tensor, list[State]]:
    """Run a stack of recurrent layers over a sequence: (output, final state of each layer).

    ``input`` is (T, N, I), time first; ``states[k]`` is layer k's initial state (h, or (h, c)
    for an LSTM, each (N, H)) and ``all_weights[k]`` its (weight_ih, weight_hh, bias_ih,
    bias_hh), biases possibly None. Layer k reads the outputs h_1 ... h_T of layer k - 1, after
    dropout in training (not after the last layer, as in PyTorch). ``output`` is the last
    layer's h_1 ... h_T, (T, N, H).
    """
    # The sequence as a list of T steps of (N, I). Each layer reads and writes such a list, and
    # the output is stacked once at the end; each step multiplies its own x_t by W_ih (T small
    # products rather than one large one: the same arithmetic, and the loop reads as the
    # equations do).
    steps = [input[t] for t in range(input.shape[0])]
    final_states = []
    for layer, (weight_ih, weight_hh, bias_ih, bias_hh) in enumerate(all_weights):
        if layer > 0 and training and dropout > 0:
            steps = [F.dropout(x, dropout, training) for x in steps]
        state, outputs = states[layer], []
        for x in steps:  # step t needs the state of step t - 1: a plain loop
            state = cell(x, state, weight_ih, weight_hh, bias_ih, bias_hh)
            outputs.append(state[0] if isinstance(state, tuple) else state)  # h
        steps = outputs
        final_states.append(state)
    return stack(steps), final_states


# ---- modules ----------------------------------------------------------------------------------
def _uniform_parameters(module: Module) -> None:
    """PyTorch's default for recurrent layers: every parameter ~ U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1.0 / math.sqrt(module.hidden_size)
    for parameter in module.parameters():
        init.uniform_(parameter, -bound, bound)


def _check_sizes(owner: str, input_size: Any, hidden_size: Any, bias: Any) -> None:
    check_int(owner, "input_size", input_size, low=1)
    check_int(owner, "hidden_size", hidden_size, low=1)
    check_bool(owner, "bias", bias)


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer, the input and state checks,
    and ``forward``, which hands the time loop to ``unroll`` with the subclass's ``step``."""

    gate_count = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, input_size, hidden_size, bias)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.num_layers = check_int(name, "num_layers", num_layers, low=1)
        self.batch_first = check_bool(name, "batch_first", batch_first)
        self.dropout = check_number(name, "dropout", dropout, low=0, high=1, high_inclusive=False)
        self.bidirectional = check_bool(name, "bidirectional", bidirectional)
        directions = 2 if self.bidirectional else 1
        if self.dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{name}: dropout={dropout} acts between layers, so with num_layers=1 it does "
                "nothing",
                stacklevel=2,
            )
        rows = self.gate_count * hidden_size
        # PyTorch's names and order: each layer's forward direction, then its reverse direction
        # (suffix "_reverse"), which reads the sequence from its end; a layer above the first
        # reads both directions' outputs side by side, hence directions * hidden_size inputs.
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else directions * hidden_size
            for suffix in ("", "_reverse")[:directions]:
                name = f"l{layer}{suffix}"
                setattr(
                    self, f"weight_ih_{name}", empty_parameter((rows, layer_input), device, dtype)
                )
                setattr(
                    self, f"weight_hh_{name}", empty_parameter((rows, hidden_size), device, dtype)
                )
                if bias:  # without bias PyTorch registers no bias at all: no state_dict key
                    setattr(self, f"bias_ih_{name}", empty_parameter((rows,), device, dtype))
                    setattr(self, f"bias_hh_{name}", empty_parameter((rows,), device, dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _uniform_parameters(self)

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def all_weights(self) -> list[list[Parameter | None]]:
        """[weight_ih, weight_hh, bias_ih, bias_hh] of each layer (biases None without bias);
        bidirectional: of each layer's forward direction, then its reverse one (PyTorch's
        order, the order of h_0's and h_n's first dim)."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return [
            [getattr(self, f"{name}_l{layer}{suffix}", None) for name in names]
            for layer in range(self.num_layers)
            for suffix in ("", "_reverse")[: self.num_directions]
        ]

    def cell(self, input: Tensor, state: State, *weights: Any) -> State:
        """One step of one layer (each subclass names its cell function)."""
        raise NotImplementedError

    def state_count(self) -> int:
        return 1

    def _check_input(self, input: Tensor) -> bool:
        """Whether ``input`` is one unbatched sequence (2-D) rather than a batch (3-D); a clear
        error if it is neither, or has the wrong number of features, or no steps."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(
                f"{name}: input must be 3-D, (L, N, input_size) or (N, L, input_size) with "
                f"batch_first=True, or 2-D (L, input_size) for one sequence; got shape "
                f"{input.shape}"
            )
        if input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: input has {input.shape[-1]} features (shape {input.shape}), expected "
                f"input_size={self.input_size}"
            )
        length = input.shape[1 if self.batch_first and input.ndim == 3 else 0]
        if length == 0:
            raise ValueError(f"{name}: the sequence is empty (input shape {input.shape})")
        return input.ndim == 2

    def _initial_states(self, hx: Any, batch: int, unbatched: bool, input: Tensor) -> list[State]:
        """Each layer's initial state, h or (h, c) of (N, H) tensors: zeros, or cut from hx."""
        name = type(self).__name__
        if hx is None:
            zeros = Tensor._wrap(
                input.xp.zeros((batch, self.hidden_size), dtype=input.dtype), input.device
            )
            parts = [("h_0", zeros)] * self.state_count()
        else:
            parts = self._state_parts(hx)
            first = self.num_layers * self.num_directions
            expected = (first, self.hidden_size) if unbatched else (
                first, batch, self.hidden_size)  # fmt: skip
            for label, part in parts:
                if not isinstance(part, Tensor):
                    raise TypeError(f"{name}: {label} must be a Tensor, got {type(part).__name__}")
                if part.shape != expected:
                    raise ValueError(
                        f"{name}: {label} must have shape {expected} (num_layers"
                        f"{' * 2 directions' if self.bidirectional else ''}, "
                        f"{'' if unbatched else 'batch, '}hidden_size) for input of shape "
                        f"{input.shape}, got {part.shape}"
                    )
                if part.device is not input.device:
                    raise RuntimeError(
                        f"{name}: input is on {input.device}, {label} on {part.device}; move one "
                        "of them with .to()"
                    )
            # Layer k's slice of each part, (N, H); one sequence gets its batch axis of 1.
            parts = [(label, part.unsqueeze(1) if unbatched else part) for label, part in parts]
        states = []
        for layer in range(self.num_layers * self.num_directions):
            state = tuple(part if hx is None else part[layer] for _, part in parts)
            states.append(state if len(state) > 1 else state[0])
        return states

    def _state_parts(self, hx: Any) -> list[tuple[str, Any]]:
        return [("h_0", hx)]

    def _run(self, input: Tensor, hx: Any) -> tuple[Tensor, list[tuple[Tensor, ...]], bool]:
        """(output in the caller's layout, final (h,) or (h, c) of every layer, unbatched)."""
        unbatched = self._check_input(input)
        if unbatched:
            sequence = input.unsqueeze(1)  # (L, 1, I)
        else:
            sequence = input.transpose(0, 1) if self.batch_first else input  # (L, N, I)
        states = self._initial_states(hx, sequence.shape[1], unbatched, input)
        output, finals = self._layers(sequence, states)
        if unbatched:
            output = output.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, [f if isinstance(f, tuple) else (f,) for f in finals], unbatched

    def _layers(self, sequence: Tensor, states: list[State]) -> tuple[Tensor, list[State]]:
        """The last layer's output (L, N, H) and every layer's final state: the time loop."""
        if self.bidirectional:
            return self._bidirectional_layers(sequence, states)
        return unroll(self.cell, sequence, states, self.all_weights, self.dropout, self.training)

    def _one_layer(
        self, sequence: Tensor, state: State, weights: list[Any]
    ) -> tuple[Tensor, State]:
        """One layer in one direction over (L, N, I): its outputs (L, N, H) and final state."""
        output, (final,) = unroll(self.cell, sequence, [state], [weights])
        return output, final

    def _bidirectional_layers(
        self, sequence: Tensor, states: list[State]
    ) -> tuple[Tensor, list[State]]:
        """Each layer twice: forward over the sequence, and the reverse direction as the same
        layer over the sequence read backwards, whose outputs are flipped back so that step t
        holds what the reverse direction computed at t (having seen steps t..L-1). The layer's
        output is the two side by side, (L, N, 2H), as PyTorch's; its final states are the
        forward one's at step L-1 and the reverse one's at step 0."""
        finals = []
        all_weights = self.all_weights
        for layer in range(self.num_layers):
            if layer > 0 and self.training and self.dropout > 0:
                sequence = F.dropout(sequence, self.dropout, True)
            forward, final = self._one_layer(sequence, states[2 * layer], all_weights[2 * layer])
            backward, final_reverse = self._one_layer(
                flip(sequence, 0), states[2 * layer + 1], all_weights[2 * layer + 1]
            )
            sequence = concatenate([forward, flip(backward, 0)], 2)
            finals += [final, final_reverse]
        return sequence, finals

    @staticmethod
    def _stacked(finals: list[tuple[Tensor, ...]], part: int, unbatched: bool) -> Tensor:
        """Part ``part`` of every layer's final state, stacked: (num_layers, N, H)."""
        out = stack([state[part] for state in finals])
        return out.squeeze(1) if unbatched else out

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(RNNBase):
    """A multi-layer Elman RNN. For each step t and each layer:

        h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh)      (relu with nonlinearity='relu')

    x_t is the input at step t for the first layer, the previous layer's h_t (after dropout, in
    training) for the others. ``forward(input, hx=None)`` takes input (L, N, input_size)
    ((N, L, input_size) with ``batch_first``, or (L, input_size) for one sequence) and h_0
    (num_layers, N, H) (zeros if None), and returns ``output, h_n``: the last layer's h_t for
    every t, (L, N, H) (batch first if asked), and every layer's last h, (num_layers, N, H).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        check_choice("RNN", "nonlinearity", nonlinearity, ("tanh", "relu"))
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            device, dtype,
        )  # fmt: skip
        self.nonlinearity = nonlinearity

    def cell(self, input: Tensor, state: State, *weights: Any) -> State:
        if self.nonlinearity == "tanh":
            return rnn_tanh_cell(input, state, *weights)
        return rnn_relu_cell(input, state, *weights)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, finals, unbatched = self._run(input, hx)
        return output, self._stacked(finals, 0, unbatched)

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + ", nonlinearity=relu"


class LSTM(RNNBase):
    """A multi-layer long short-term memory RNN (Hochreiter & Schmidhuber 1997). Each layer, at
    each step t, computes the gates i, f, g, o (in this order in the weights) and

        c_t = f * c_(t-1) + i * g          h_t = o * tanh(c_t)

    (the module docstring has every gate). ``forward(input, hx=None)`` takes hx = (h_0, c_0),
    each (num_layers, N, H) (zeros if None), and returns ``output, (h_n, c_n)``. The layout of
    input and output is RNN's. ``proj_size`` (LSTM with projections) is not supported.
    """

    gate_count = 4

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        if check_int("LSTM", "proj_size", proj_size, low=0) != 0:
            raise NotImplementedError(
                f"LSTM: proj_size={proj_size} (an LSTM with projections) is not supported in "
                "minigrad; add an nn.Linear after the LSTM instead"
            )
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            device, dtype,
        )  # fmt: skip

    def cell(self, input: Tensor, state: State, *weights: Any) -> State:
        return lstm_cell(input, state, *weights)

    def state_count(self) -> int:
        return 2

    def _one_layer(
        self, sequence: Tensor, state: State, weights: list[Any]
    ) -> tuple[Tensor, State]:
        output, h, c = lstm_layer(sequence, *state, *weights)
        return output, (h, c)

    def _layers(self, sequence: Tensor, states: list[State]) -> tuple[Tensor, list[State]]:
        """``unroll``'s loop over the layers, each layer's time loop one ``LSTMLayer`` op."""
        if self.bidirectional:
            return self._bidirectional_layers(sequence, states)
        finals = []
        for layer, weights in enumerate(self.all_weights):
            if layer > 0 and self.training and self.dropout > 0:
                sequence = F.dropout(sequence, self.dropout, True)
            sequence, h, c = lstm_layer(sequence, *states[layer], *weights)
            finals.append((h, c))
        return sequence, finals

    def _state_parts(self, hx: Any) -> list[tuple[str, Any]]:
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(
                f"LSTM: hx must be a tuple (h_0, c_0) of two Tensors, got {type(hx).__name__}"
            )
        return [("h_0", hx[0]), ("c_0", hx[1])]

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        output, finals, unbatched = self._run(input, hx)
        return output, (self._stacked(finals, 0, unbatched), self._stacked(finals, 1, unbatched))


class GRU(RNNBase):
    """A multi-layer gated recurrent unit RNN (Cho et al. 2014). Each layer, at each step t,
    computes the gates r, z, n (in this order in the weights) and

        h_t = (1 - z) * n + z * h_(t-1)

    (the module docstring has every gate). Inputs and outputs as RNN's: ``output, h_n``.
    """

    gate_count = 3

    def cell(self, input: Tensor, state: State, *weights: Any) -> State:
        return gru_cell(input, state, *weights)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, finals, unbatched = self._run(input, hx)
        return output, self._stacked(finals, 0, unbatched)


# ---- cells: one step, for a loop the user writes ----------------------------------------------
class RNNCellBase(Module):
    """The parameters weight_ih (G*H, I), weight_hh (G*H, H), bias_ih and bias_hh (G*H,) of a
    cell, and the checks of its input and state. ``forward(input, hx=None)`` takes input (N, I)
    or (I,) and a state (N, H) or (H,) (zeros if None)."""

    gate_count = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        _check_sizes(type(self).__name__, input_size, hidden_size, bias)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = self.gate_count * hidden_size
        self.weight_ih = empty_parameter((rows, input_size), device, dtype)
        self.weight_hh = empty_parameter((rows, hidden_size), device, dtype)
        if bias:
            self.bias_ih = empty_parameter((rows,), device, dtype)
            self.bias_hh = empty_parameter((rows,), device, dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _uniform_parameters(self)

    def _batched(self, input: Tensor, hx: Any, parts: int) -> tuple[Tensor, State, bool]:
        """(input (N, I), state tensors (N, H), unbatched), checked; zeros when hx is None."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: input must be (N, input_size) or (input_size,) with "
                f"input_size={self.input_size}, got shape {input.shape}"
            )
        unbatched = input.ndim == 1
        batch = 1 if unbatched else input.shape[0]
        if unbatched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = input.xp.zeros((batch, self.hidden_size), dtype=input.dtype)
            return input, tuple(Tensor._wrap(zeros, input.device) for _ in range(parts)), unbatched
        states = tuple(hx) if parts > 1 else (hx,)
        expected = (self.hidden_size,) if unbatched else (batch, self.hidden_size)
        for state in states:
            if not isinstance(state, Tensor) or state.shape != expected:
                shown = state.shape if isinstance(state, Tensor) else type(state).__name__
                raise ValueError(
                    f"{name}: the state must have shape {expected} for input of shape "
                    f"{(self.input_size,) if unbatched else input.shape}, got {shown}"
                )
        if unbatched:
            states = tuple(state.unsqueeze(0) for state in states)
        return input, states, unbatched

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: str | Device | None = None,
        dtype: Any = None,
    ) -> None:
        check_choice("RNNCell", "nonlinearity", nonlinearity, ("tanh", "relu"))
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), unbatched = self._batched(input, hx, 1)
        cell = rnn_tanh_cell if self.nonlinearity == "tanh" else rnn_relu_cell
        h = cell(input, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h.squeeze(0) if unbatched else h

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + ", nonlinearity=relu"


class LSTMCell(RNNCellBase):
    """One LSTM step: (h', c') from x and hx = (h, c), with the gates i, f, g, o."""

    gate_count = 4

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(
                f"LSTMCell: hx must be a tuple (h, c) of two Tensors, got {type(hx).__name__}"
            )
        input, (h, c), unbatched = self._batched(input, hx, 2)
        h, c = lstm_cell(input, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step: h' from x and h, with the gates r, z, n."""

    gate_count = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), unbatched = self._batched(input, hx, 1)
        h = gru_cell(input, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h.squeeze(0) if unbatched else h
