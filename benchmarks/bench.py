"""How far is minigrad from the fastest NumPy that computes the same thing?

Each workload runs twice in the same process: once with minigrad, once with a hand-written
NumPy *floor* in this file that makes the same BLAS calls and nothing else (forward, backward by
hand, in-place optimizer update). The floor is what any framework must at least do, so the ratio
minigrad / floor is minigrad's overhead: 1.00x means none.

If PyTorch is installed, it is timed on every workload too (the chains with its cycle
collector running, as minigrad's chain rows), from the same weights and data, but in a process
of its own (``--child-framework torch``, with torch_workloads.py): in the process that times
minigrad against the floor, PyTorch's OpenMP threads and NumPy's BLAS threads would spin against
each other, and torch's objects would slow Python's cycle collector (issue 15). minigrad /
torch is therefore a ratio of two medians.

    python benchmarks/bench.py            # the full run, both malloc settings (about 3 minutes)
    python benchmarks/bench.py --quick    # a smoke run: few repeats, small counts (CI)
    python benchmarks/bench.py --json results.json
    python benchmarks/bench.py --device cuda   # minigrad on the GPU against the CPU floor
    python benchmarks/bench.py --profile mlp   # cProfile of minigrad's MLP step (or cnn, lstm,
                                               # gpt, per-op)

The workloads (see benchmarks/README.md for the details and how to read the numbers):

1. MLP step: 784-256-128-10, ReLU, batch 128, float32, softmax cross-entropy, Adam(lr=1e-3);
   and the wider 784-1024-512-10 the same way at batch 512 (where the matrix products dominate)
   and at batch 32 (where they do not).
2. CNN step: 64x1x28x28 -> conv 3x3 (8 channels, padding 1) -> ReLU -> max-pool 2 -> flatten ->
   linear 10 -> cross-entropy, SGD(lr=0.01); and the same at batch 256.
3. LSTM step: nn.LSTM(32, 128) over 64 steps of a batch of 32, a linear read-out of the last
   hidden state, cross-entropy, Adam. The floor runs the gates' loop forward and backward by hand.
4. Tiny-GPT step: 2 pre-LayerNorm blocks (4-head causal attention, GELU MLP), width 64, context
   64, batch 32, vocabulary 65, cross-entropy at every position, Adam. The floor writes out
   attention, LayerNorm and GELU and their backward by hand.
5. Per-op overhead: a chain of 200 elementwise ops (mul, add, tanh in turn) on 4x4 float64.
6. Deep chains: 20,000 and 100,000 ops; linear time means the longer one takes about 5x as long.
   Timed twice for minigrad: as a plain loop runs it, and with Python's cycle collector paused
   (as ``timeit`` does), which is minigrad's own work; see docs/performance.md for why they differ.

Every run also checks that minigrad computes what the floor computes (the losses of a few
training steps agree to 1e-5, at every size; PyTorch's are checked too) and reports memory, at
the default sizes: the tracemalloc peak of one MLP step, resident memory growth over many steps,
and page faults per step.

glibc gives large freed blocks back to the OS and page-faults them in again on the next step,
unless MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ are raised. Those are read when a process
starts, so this script runs itself once per setting in a fresh subprocess (``--malloc``), with the
same setting for every framework, and prints one table per setting.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.metadata
import json
import linecache
import math
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

# Run from a checkout without installing: the repository root holds minigrad/ and optim/.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import minigrad  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
import optim  # noqa: E402
from minigrad.autograd import cycle_collector_paused  # noqa: E402

# Read by glibc at process start. Freed blocks up to 32 MiB (glibc's largest allowed mmap
# threshold) then stay in the heap, and the heap is not trimmed, so a step reuses last step's pages.
MALLOC_TUNED = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}
LOSS_TOLERANCE = 1e-5
# PyTorch's CPU kernels (MKL/oneDNN, on every core) add float32 products in another order than
# NumPy's BLAS, and Adam turns that rounding into steps of size lr: in its first steps a weight
# moves by about lr whatever its gradient's size, so a tiny gradient that rounds to the other
# sign moves it 2 lr the other way. On the GPU machine's 16-core CPU this reached 1.0e-5 after
# 5 steps of the 784-1024-512-10 MLP at batch 512 (torch 2.11); a loss that is off because a
# workload differs (another learning rate, a missing bias) is off by far more than 1e-4.
TORCH_LOSS_TOLERANCE = 1e-4
MIB = 1 << 20


@dataclass
class Config:
    """How much to run. ``--quick`` shrinks everything; the workloads stay the same."""

    warmup: int  # untimed calls of each side before timing
    repeats: int  # timed blocks; each gives one time per side and one ratio
    mlp_steps: int  # calls per timed block
    mlp_large_steps: int  # 784-1024-512-10 at batch 512
    mlp_large_b32_steps: int  # and at batch 32
    cnn_steps: int
    cnn_b256_steps: int
    lstm_steps: int
    gpt_steps: int
    per_op_calls: int
    chain_lengths: tuple[int, int]
    chain_repeats: int
    rss_steps: int  # MLP steps for the resident-memory and page-fault count
    agreement_steps: int  # training steps whose losses must agree with the floor's


FULL = Config(10, 21, 20, 4, 10, 10, 3, 4, 2, 20, (20_000, 100_000), 9, 1000, 5)
QUICK = Config(2, 3, 3, 1, 2, 2, 1, 1, 1, 5, (5_000, 25_000), 1, 50, 5)
# Timed on every side, PyTorch's too (torch_workloads.bench_sides); the chains only here.
WORKLOADS = (
    "mlp_step", "mlp_large_step", "mlp_large_b32_step", "cnn_step", "cnn_b256_step",
    "lstm_step", "gpt_step", "per_op",
)  # fmt: skip

MLP_SIZES = (784, 256, 128, 10)
MLP_BATCH = 128
# Issue 20's wider MLP, at a batch where the matrix products dominate and at one where they do not
MLP_LARGE_SIZES = (784, 1024, 512, 10)
MLP_LARGE_BATCH, MLP_SMALL_BATCH = 512, 32
CNN_INPUT = (64, 1, 28, 28)
CNN_LARGE_BATCH = 256
CNN_CHANNELS = 8
CLASSES = 10
PER_OP_LENGTH = 200
PER_OP_CYCLE = ("mul", "add", "tanh")  # op i of the chain is PER_OP_CYCLE[i % 3]
ADAM = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
SGD_LR = 0.01
LSTM_STEPS, LSTM_BATCH, LSTM_INPUT, LSTM_HIDDEN = 64, 32, 32, 128  # (T, N, input), hidden H
GPT_VOCAB, GPT_CONTEXT, GPT_WIDTH, GPT_HEADS, GPT_BLOCKS, GPT_BATCH = 65, 64, 64, 4, 2, 32
BLOCK_PARAMETERS = [  # one GPT block's parameters, by their state_dict names
    "ln_1.weight", "ln_1.bias", "attn.in_proj_weight", "attn.in_proj_bias",
    "attn.out_proj.weight", "attn.out_proj.bias", "ln_2.weight", "ln_2.bias",
    "mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias",
]  # fmt: skip


# ================================================================================================
# Data and initial weights, shared by every framework
# ================================================================================================


def mlp_data(
    rng: np.random.Generator, batch: int = MLP_BATCH, features: int = MLP_SIZES[0]
) -> tuple[np.ndarray, np.ndarray]:
    """One batch of inputs and labels; every step trains on it (the cost of a step does not
    depend on the values)."""
    x = rng.standard_normal((batch, features), dtype=np.float32)
    return x, rng.integers(0, CLASSES, batch)


def mlp_weights(rng: np.random.Generator, sizes: tuple[int, ...] = MLP_SIZES) -> list[np.ndarray]:
    """[W1, b1, W2, b2, W3, b3], uniform(+-1/sqrt(in)) as PyTorch does. W has shape (out, in),
    the layout of nn.Linear (and PyTorch), so the floor makes the same BLAS calls as minigrad:
    the layout decides which matrix products run, and BLAS is not equally fast for each."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def cnn_data(rng: np.random.Generator, batch: int = CNN_INPUT[0]) -> tuple[np.ndarray, np.ndarray]:
    """One batch of inputs and labels; every step trains on it."""
    x = rng.standard_normal((batch, *CNN_INPUT[1:]), dtype=np.float32)
    return x, rng.integers(0, CLASSES, batch)


def cnn_weights(rng: np.random.Generator) -> list[np.ndarray]:
    """[kernel (8, 1, 3, 3), kernel bias (8,), W (8*14*14, 10), b (10,)]: the same at any batch."""
    _, channels, height, width = CNN_INPUT
    features = CNN_CHANNELS * (height // 2) * (width // 2)
    shapes = [(CNN_CHANNELS, channels, 3, 3), (CNN_CHANNELS,), (features, CLASSES), (CLASSES,)]
    fan_ins = [channels * 9, channels * 9, features, features]
    return [
        rng.uniform(-1 / np.sqrt(fan_in), 1 / np.sqrt(fan_in), shape).astype(np.float32)
        for shape, fan_in in zip(shapes, fan_ins)
    ]


def mlp_start(
    sizes: tuple[int, ...] = MLP_SIZES, batch: int = MLP_BATCH
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The MLP's initial weights, batch and labels, from seed 0: every framework starts here,
    in whichever process it runs."""
    rng = np.random.default_rng(0)
    weights, (x, labels) = mlp_weights(rng, sizes), mlp_data(rng, batch, sizes[0])
    return weights, x, labels


def cnn_start(batch: int = CNN_INPUT[0]) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The CNN's initial weights, batch and labels, from seed 0."""
    rng = np.random.default_rng(0)
    weights, (x, labels) = cnn_weights(rng), cnn_data(rng, batch)
    return weights, x, labels


def lstm_start() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The LSTM's initial weights [W_ih (4H, I), W_hh (4H, H), b_ih, b_hh (4H,), W_out (10, H),
    b_out (10,)], uniform(+-1/sqrt(H)) as PyTorch's nn.LSTM and nn.Linear(H, 10) start; a batch
    of sequences (T, N, I), sequence first as nn.LSTM's default; one label per sequence. Seed 0."""
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(LSTM_HIDDEN)
    shapes = [
        (4 * LSTM_HIDDEN, LSTM_INPUT),
        (4 * LSTM_HIDDEN, LSTM_HIDDEN),
        (4 * LSTM_HIDDEN,),
        (4 * LSTM_HIDDEN,),
        (CLASSES, LSTM_HIDDEN),
        (CLASSES,),
    ]
    weights = [rng.uniform(-bound, bound, shape).astype(np.float32) for shape in shapes]
    x = rng.standard_normal((LSTM_STEPS, LSTM_BATCH, LSTM_INPUT), dtype=np.float32)
    return weights, x, rng.integers(0, CLASSES, LSTM_BATCH)


def gpt_start() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The tiny GPT's initial weights by their state_dict names (GPT-2's initialisation: N(0, 0.02)
    for matrices and embeddings, zero biases, LayerNorm gains 1), a batch of character ids
    (N, T) and the next character after each (N, T). Seed 0."""
    rng = np.random.default_rng(0)
    vocab, context, width = GPT_VOCAB, GPT_CONTEXT, GPT_WIDTH
    shapes = {"tok_emb.weight": (vocab, width), "pos_emb.weight": (context, width)}
    block_shapes = [
        (width,), (width,), (3 * width, width), (3 * width,), (width, width), (width,),
        (width,), (width,), (4 * width, width), (4 * width,), (width, 4 * width), (width,),
    ]  # fmt: skip
    for k in range(GPT_BLOCKS):
        shapes.update(
            {f"blocks.{k}.{name}": shape for name, shape in zip(BLOCK_PARAMETERS, block_shapes)}
        )
    shapes.update({"ln_f.weight": (width,), "ln_f.bias": (width,), "head.weight": (vocab, width)})
    weights = {}
    for name, shape in shapes.items():
        if name.endswith("bias"):
            weights[name] = np.zeros(shape, np.float32)
        elif ".ln_" in name or name.startswith("ln_"):
            weights[name] = np.ones(shape, np.float32)
        else:
            weights[name] = (0.02 * rng.standard_normal(shape)).astype(np.float32)
    text = rng.integers(0, vocab, (GPT_BATCH, context + 1))
    return weights, text[:, :-1], text[:, 1:]


def per_op_start() -> tuple[np.ndarray, np.ndarray]:
    """The per-op chain's x and w (4x4 float64), from seed 0."""
    x, w = np.random.default_rng(0).standard_normal((2, 4, 4))
    return x, w


# ================================================================================================
# The floors: hand-written NumPy, the least work a framework can do for each workload
# ================================================================================================


def log_softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[Any, np.ndarray]:
    """Mean cross-entropy and its gradient with respect to the logits.

    loss = mean_i(-log softmax(logits_i)[label_i]); d loss / d logits = (softmax - onehot) / N.
    Shifting by the row maximum first keeps exp from overflowing.
    """
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), labels].mean()
    grad = np.exp(log_probs)
    grad[np.arange(n), labels] -= 1
    grad /= n
    return loss, grad


def adam_floor(params: list, grads: list, state: dict) -> None:
    """Adam, in place: m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).

    Each parameter needs one temporary array, reused for every intermediate (``out=``), where
    writing the formula out directly would allocate five.
    """
    lr, beta1, beta2, eps = ADAM["lr"], ADAM["beta1"], ADAM["beta2"], ADAM["eps"]
    state["t"] += 1
    t = state["t"]
    correction1, correction2 = 1 - beta1**t, 1 - beta2**t
    for p, g, m, v in zip(params, grads, state["m"], state["v"]):
        scratch = (1 - beta1) * g
        m *= beta1
        m += scratch
        np.multiply(g, 1 - beta2, out=scratch)
        scratch *= g
        v *= beta2
        v += scratch
        np.sqrt(v, out=scratch)
        scratch /= math.sqrt(correction2)  # a Python float: NumPy's float64 would promote
        scratch += eps  # scratch is now the denominator
        np.divide(m, scratch, out=scratch)
        scratch *= lr / correction1
        p -= scratch


def mlp_floor_step(params: list, state: dict, x: np.ndarray, labels: np.ndarray) -> float:
    """One Adam step of the MLP by hand: forward, backward, update. Returns the loss."""
    w1, b1, w2, b2, w3, b3 = params
    # forward: three matrix products, two ReLUs (in place: the output is also the mask's source)
    h1 = x @ w1.T
    h1 += b1
    np.maximum(h1, 0, out=h1)
    h2 = h1 @ w2.T
    h2 += b2
    np.maximum(h2, 0, out=h2)
    logits = h2 @ w3.T
    logits += b3
    loss, d_logits = log_softmax_cross_entropy(logits, labels)
    # backward: each layer gives dW = d_out^T @ input, db = sum of d_out, d_in = d_out @ W;
    # x needs no gradient, so the first layer stops at dW1.
    d_w3, d_b3 = d_logits.T @ h2, d_logits.sum(axis=0)
    d_h2 = d_logits @ w3
    d_h2 *= h2 > 0  # ReLU lets the gradient through where its output is positive
    d_w2, d_b2 = d_h2.T @ h1, d_h2.sum(axis=0)
    d_h1 = d_h2 @ w2
    d_h1 *= h1 > 0
    d_w1, d_b1 = d_h1.T @ x, d_h1.sum(axis=0)
    adam_floor(params, [d_w1, d_b1, d_w2, d_b2, d_w3, d_b3], state)
    return float(loss)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)), as 0.5 tanh(x / 2) + 0.5: the same function, and exp never overflows."""
    out = np.tanh(x * 0.5)
    out *= 0.5
    out += 0.5
    return out


def lstm_floor_step(params: list, state: dict, x: np.ndarray, labels: np.ndarray) -> float:
    """One Adam step of the LSTM sequence classifier by hand (PyTorch's gate order i, f, g, o):

        gates_t = x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh;  i, f, o = sigmoid, g = tanh of them
        c_t = f c_(t-1) + i g;  h_t = o tanh(c_t);  logits = h_T W_out^T + b_out

    The least work there is: the input's product for all T steps is one matrix product before
    the loop (and W_ih's gradient one after it), which no step depends on; only h_(t-1) W_hh^T
    must wait for the step before. Backward runs the loop in reverse, by the chain rule.
    """
    w_ih, w_hh, b_ih, b_hh, w_out, b_out = params
    steps, n, _ = x.shape
    size = w_hh.shape[1]
    projected = (x.reshape(steps * n, -1) @ w_ih.T).reshape(steps, n, 4 * size)
    projected += b_ih + b_hh
    h, c = np.zeros((n, size), np.float32), np.zeros((n, size), np.float32)
    hs, cs, acts = [h], [c], []  # h_0..h_T, c_0..c_T, and each step's gate activations
    for t in range(steps):
        gates = projected[t] + h @ w_hh.T
        act = np.empty_like(gates)
        act[:, : 2 * size] = sigmoid(gates[:, : 2 * size])  # i, f
        act[:, 2 * size : 3 * size] = np.tanh(gates[:, 2 * size : 3 * size])  # g
        act[:, 3 * size :] = sigmoid(gates[:, 3 * size :])  # o
        i, f, g, o = (act[:, k * size : (k + 1) * size] for k in range(4))
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h), cs.append(c), acts.append(act)
    logits = h @ w_out.T + b_out
    loss, d_logits = log_softmax_cross_entropy(logits, labels)
    # backward: the read-out, then the steps in reverse
    d_w_out, d_b_out = d_logits.T @ h, d_logits.sum(axis=0)
    d_h, d_c = d_logits @ w_out, np.zeros_like(c)
    d_gates = np.empty((steps, n, 4 * size), np.float32)
    for t in reversed(range(steps)):
        i, f, g, o = (acts[t][:, k * size : (k + 1) * size] for k in range(4))
        tanh_c = np.tanh(cs[t + 1])
        d_c += d_h * o * (1 - tanh_c * tanh_c)  # h_t = o tanh(c_t)
        d = d_gates[t]
        d[:, :size] = d_c * g * i * (1 - i)  # sigmoid' = s (1 - s)
        d[:, size : 2 * size] = d_c * cs[t] * f * (1 - f)
        d[:, 2 * size : 3 * size] = d_c * i * (1 - g * g)  # tanh' = 1 - tanh^2
        d[:, 3 * size :] = d_h * tanh_c * o * (1 - o)
        d_h = d @ w_hh  # to h_(t-1)
        d_c = d_c * f  # to c_(t-1): along the cell, only the forget gate
    flat = d_gates.reshape(steps * n, 4 * size)
    d_w_ih = flat.T @ x.reshape(steps * n, -1)
    d_w_hh = flat.T @ np.stack(hs[:-1]).reshape(steps * n, size)
    d_b = flat.sum(axis=0)
    adam_floor(params, [d_w_ih, d_w_hh, d_b, d_b, d_w_out, d_b_out], state)
    return float(loss)


def layer_norm_floor(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, Any]:
    """y = (x - mean) / sqrt(var + 1e-5) * gain + bias over the last axis; and backward's needs."""
    centred = x - x.mean(axis=-1, keepdims=True)
    inverse_std = 1 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + 1e-5)
    normed = centred * inverse_std
    return normed * gain + bias, (normed, inverse_std, gain)


def layer_norm_floor_backward(d_y: np.ndarray, cache: Any) -> tuple[np.ndarray, ...]:
    """d x = (d_n - mean(d_n) - n mean(d_n n)) / std, with d_n = d_y gain; and d gain, d bias."""
    normed, inverse_std, gain = cache
    d_normed = d_y * gain
    d_x = d_normed - d_normed.mean(axis=-1, keepdims=True)
    d_x -= normed * (d_normed * normed).mean(axis=-1, keepdims=True)
    d_x *= inverse_std
    rows = d_y.reshape(-1, d_y.shape[-1])
    return d_x, (rows * normed.reshape(rows.shape)).sum(axis=0), rows.sum(axis=0)


GELU_C = math.sqrt(2 / math.pi)


def gpt_floor_step(params: dict, state: dict, ids: np.ndarray, targets: np.ndarray) -> float:
    """One Adam step of the tiny GPT by hand: embeddings, GPT_BLOCKS pre-LayerNorm blocks
    (x + attention(LN(x)), then x + MLP(LN(x)) with GELU's tanh form), LN, the read-out.

        attention:  Q, K, V = split(h W_in^T + b_in) into heads of D = E / heads
                    A = softmax(Q K^T / sqrt(D), with -inf above the diagonal);  out = A V
        GELU:       u (1 + tanh(c (u + 0.044715 u^3))) / 2, c = sqrt(2 / pi)

    Backward by the chain rule, block by block in reverse; softmax's is
    d scores = A * (d A - sum_j(d A * A)), and the masked scores get none (A is 0 there).
    """
    n, steps = ids.shape
    width, heads = GPT_WIDTH, GPT_HEADS
    size = width // heads
    causal = np.triu(np.full((steps, steps), -np.inf, np.float32), 1)  # -inf above the diagonal
    grads: dict[str, np.ndarray] = {}

    def to_heads(a: np.ndarray) -> np.ndarray:  # (N, T, E) -> (N, heads, T, D)
        return a.reshape(n, steps, heads, size).transpose(0, 2, 1, 3)

    def from_heads(a: np.ndarray) -> np.ndarray:  # (N, heads, T, D) -> (N*T, E)
        return a.transpose(0, 2, 1, 3).reshape(n * steps, width)

    x = params["tok_emb.weight"][ids] + params["pos_emb.weight"][:steps]
    caches = []
    for k in range(GPT_BLOCKS):
        p = {name: params[f"blocks.{k}.{name}"] for name in BLOCK_PARAMETERS}
        h, ln_1 = layer_norm_floor(x, p["ln_1.weight"], p["ln_1.bias"])
        h = h.reshape(n * steps, width)
        qkv = h @ p["attn.in_proj_weight"].T + p["attn.in_proj_bias"]
        q, key, v = (to_heads(part) for part in np.split(qkv.reshape(n, steps, 3 * width), 3, -1))
        scores = q @ key.transpose(0, 1, 3, 2)
        scores *= 1 / math.sqrt(size)
        scores += causal
        scores -= scores.max(axis=-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(axis=-1, keepdims=True)
        mixed = from_heads(weights @ v)
        x = x + (mixed @ p["attn.out_proj.weight"].T + p["attn.out_proj.bias"]).reshape(x.shape)
        h2, ln_2 = layer_norm_floor(x, p["ln_2.weight"], p["ln_2.bias"])
        h2 = h2.reshape(n * steps, width)
        u = h2 @ p["mlp.0.weight"].T + p["mlp.0.bias"]
        tanh_z = np.tanh(GELU_C * (u + 0.044715 * (u * u * u)))  # u**3: a slow pow in NumPy
        gelu = 0.5 * u * (1 + tanh_z)
        x = x + (gelu @ p["mlp.2.weight"].T + p["mlp.2.bias"]).reshape(x.shape)
        caches.append((p, h, ln_1, q, key, v, weights, mixed, h2, ln_2, u, tanh_z, gelu))
    final, ln_f = layer_norm_floor(x, params["ln_f.weight"], params["ln_f.bias"])
    final = final.reshape(n * steps, width)
    logits = final @ params["head.weight"].T
    loss, d_logits = log_softmax_cross_entropy(logits, targets.reshape(-1))

    grads["head.weight"] = d_logits.T @ final
    d_x, grads["ln_f.weight"], grads["ln_f.bias"] = layer_norm_floor_backward(
        (d_logits @ params["head.weight"]).reshape(n, steps, width), ln_f
    )
    for k in reversed(range(GPT_BLOCKS)):
        p, h, ln_1, q, key, v, weights, mixed, h2, ln_2, u, tanh_z, gelu = caches[k]
        g: dict[str, np.ndarray] = {}
        # x = x + MLP(LN_2(x))
        d_out = d_x.reshape(n * steps, width)
        g["mlp.2.weight"], g["mlp.2.bias"] = d_out.T @ gelu, d_out.sum(axis=0)
        d_gelu_du = 0.5 * (1 + tanh_z) + 0.5 * u * (1 - tanh_z * tanh_z) * GELU_C * (
            1 + 3 * 0.044715 * (u * u)
        )
        d_u = (d_out @ p["mlp.2.weight"]) * d_gelu_du
        g["mlp.0.weight"], g["mlp.0.bias"] = d_u.T @ h2, d_u.sum(axis=0)
        d_h2 = (d_u @ p["mlp.0.weight"]).reshape(n, steps, width)
        d_ln, g["ln_2.weight"], g["ln_2.bias"] = layer_norm_floor_backward(d_h2, ln_2)
        d_x = d_x + d_ln
        # x = x + attention(LN_1(x))
        d_out = d_x.reshape(n * steps, width)
        g["attn.out_proj.weight"], g["attn.out_proj.bias"] = d_out.T @ mixed, d_out.sum(axis=0)
        d_mixed = to_heads((d_out @ p["attn.out_proj.weight"]).reshape(n, steps, width))
        d_weights = d_mixed @ v.transpose(0, 1, 3, 2)
        d_v = weights.transpose(0, 1, 3, 2) @ d_mixed
        d_scores = weights * (d_weights - (d_weights * weights).sum(axis=-1, keepdims=True))
        d_scores *= 1 / math.sqrt(size)
        d_q, d_k = d_scores @ key, d_scores.transpose(0, 1, 3, 2) @ q
        d_qkv = np.concatenate([from_heads(d_q), from_heads(d_k), from_heads(d_v)], axis=1)
        g["attn.in_proj_weight"], g["attn.in_proj_bias"] = d_qkv.T @ h, d_qkv.sum(axis=0)
        d_h = (d_qkv @ p["attn.in_proj_weight"]).reshape(n, steps, width)
        d_ln, g["ln_1.weight"], g["ln_1.bias"] = layer_norm_floor_backward(d_h, ln_1)
        d_x = d_x + d_ln
        grads.update({f"blocks.{k}.{name}": value for name, value in g.items()})
    # an embedding row's gradient is the sum over the places it was picked
    grads["tok_emb.weight"] = np.zeros_like(params["tok_emb.weight"])
    np.add.at(grads["tok_emb.weight"], ids.reshape(-1), d_x.reshape(n * steps, width))
    grads["pos_emb.weight"] = np.zeros_like(params["pos_emb.weight"])
    grads["pos_emb.weight"][:steps] = d_x.sum(axis=0)
    names = list(params)
    adam_floor([params[name] for name in names], [grads[name] for name in names], state)
    return float(loss)


def im2col_3x3(x: np.ndarray) -> np.ndarray:
    """Every 3x3 window of x (N, C, H, W), padded by 1: a matrix (N*H*W, C*3*3).

    The windows are a strided view of the padded image (no copy); the reshape into a matrix is
    the one copy. Axis order (n, row, col | channel, p, q) makes rows pixels and columns taps.
    """
    n, c, h, w = x.shape
    padded = np.zeros((n, c, h + 2, w + 2), dtype=x.dtype)
    padded[:, :, 1:-1, 1:-1] = x
    step_n, step_c, step_row, step_col = padded.strides
    windows = as_strided(
        padded,
        shape=(n, h, w, c, 3, 3),
        strides=(step_n, step_row, step_col, step_c, step_row, step_col),
    )
    return windows.reshape(n * h * w, c * 9)


def col2im_3x3(d_cols: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The adjoint of im2col_3x3: add every window's gradient back onto the pixels it came from.

    Loops over the 9 offsets (p, q) inside a window, never over pixels: each step adds one
    shifted copy of all windows at once.
    """
    n, c, h, w = shape
    d_windows = d_cols.reshape(n, h, w, c, 3, 3)
    d_padded = np.zeros((n, c, h + 2, w + 2), dtype=d_cols.dtype)
    for p in range(3):
        for q in range(3):
            d_padded[:, :, p : p + h, q : q + w] += d_windows[..., p, q].transpose(0, 3, 1, 2)
    return d_padded[:, :, 1:-1, 1:-1]


def cnn_floor_step(
    params: list, x: np.ndarray, labels: np.ndarray, input_grad: bool = False
) -> tuple[float, np.ndarray | None]:
    """One SGD step of the CNN by hand. Returns the loss, and d loss / dx if ``input_grad``
    (the benchmark never needs it: only the correctness check does)."""
    kernel, kernel_bias, w, b = params
    n, _, h, width = x.shape
    k = kernel.shape[0]
    # forward. The convolution is one matrix product; its rows come out in (n, row, col) order,
    # so the activations stay channels-last until flattening, which needs PyTorch's (c, row, col).
    cols = im2col_3x3(x)
    conv = cols @ kernel.reshape(k, -1).T  # (N*H*W, K)
    conv += kernel_bias
    relu = np.maximum(conv, 0)
    # 2x2 max-pool: the maximum over the 4 offsets (p, q) of each window, one offset at a time
    # (in NumPy 8x faster than windows.max(axis=(2, 4)), a reduction over small strided axes)
    windows = relu.reshape(n, h // 2, 2, width // 2, 2, k)  # a view
    pooled = windows[:, :, 0, :, 0].copy()  # (N, H/2, W/2, K)
    for p, q in ((0, 1), (1, 0), (1, 1)):
        np.maximum(pooled, windows[:, :, p, :, q], out=pooled)
    flat = pooled.transpose(0, 3, 1, 2).reshape(n, -1)
    logits = flat @ w
    logits += b
    loss, d_logits = log_softmax_cross_entropy(logits, labels)
    # backward
    d_w, d_b = flat.T @ d_logits, d_logits.sum(axis=0)
    d_pooled = (d_logits @ w.T).reshape(n, k, h // 2, width // 2).transpose(0, 2, 3, 1)
    # max-pool sends each window's gradient to its maximum; ReLU then masks where it was <= 0
    # (windows that are all zero after ReLU are masked out entirely, so ties there do not matter)
    is_max = windows == pooled[:, :, None, :, None, :]
    d_conv = (is_max * d_pooled[:, :, None, :, None, :]).reshape(n * h * width, k)
    d_conv *= conv > 0
    d_kernel, d_kernel_bias = (d_conv.T @ cols).reshape(kernel.shape), d_conv.sum(axis=0)
    d_x = col2im_3x3(d_conv @ kernel.reshape(k, -1), x.shape) if input_grad else None
    for p, g in zip(params, [d_kernel, d_kernel_bias, d_w, d_b]):
        p -= SGD_LR * g
    return float(loss), d_x


def per_op_floor(x: np.ndarray, w: np.ndarray, length: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The per-op chain forward, then backward by hand. Returns (loss, dloss/dx, dloss/dw).

    y = x; op i: y = y * w, y = y + w, y = tanh(y) in turn; loss = sum(y).
    """
    saved = []  # what each op's backward needs: the input of a mul, the output of a tanh
    y = x
    for i in range(length):
        op = PER_OP_CYCLE[i % 3]
        if op == "mul":
            saved.append(y)
            y = y * w
        elif op == "add":
            saved.append(None)
            y = y + w
        else:
            y = np.tanh(y)
            saved.append(y)
    loss = y.sum()
    grad, grad_w = np.ones_like(y), np.zeros_like(w)
    for i in reversed(range(length)):
        op, value = PER_OP_CYCLE[i % 3], saved[i]
        if op == "mul":  # d(y w)/dy = w, d(y w)/dw = y
            grad_w += grad * value
            grad = grad * w
        elif op == "add":  # d(y + w)/dw = 1
            grad_w += grad
        else:  # d tanh(y)/dy = 1 - tanh(y)^2
            grad = grad * (1 - value * value)
    return float(loss), grad, grad_w


def chain_floor(x: np.ndarray, length: int) -> tuple[float, np.ndarray]:
    """The deep chain y = y * 1.0001, y = y + 0.0001 in turn, then backward by hand (only the
    muls scale the gradient, and nothing needs saving). Returns (loss, dloss/dx)."""
    y = x
    for i in range(length):
        y = y * 1.0001 if i % 2 == 0 else y + 0.0001
    loss = y.sum()
    grad = np.ones_like(y)
    for i in reversed(range(length)):
        if i % 2 == 0:
            grad = grad * 1.0001
    return float(loss), grad


# ================================================================================================
# minigrad: the same workloads written as a user would write them
# ================================================================================================


def mlp_minigrad(weights: list[np.ndarray], device: str) -> tuple[Any, Any]:
    """The MLP as nn layers, sized by the floor's initial weights and holding them; its Adam."""
    nn = minigrad.nn
    linears = [nn.Linear(w.shape[1], w.shape[0]) for w in weights[0::2]]
    with minigrad.no_grad():
        for layer, w, b in zip(linears, weights[0::2], weights[1::2]):
            layer.weight[...] = w  # (out, in), as nn.Linear and PyTorch store it
            layer.bias[...] = b
    model = nn.Sequential(linears[0], nn.ReLU(), linears[1], nn.ReLU(), linears[2]).to(device)
    return model, optim.Adam(model.parameters(), lr=ADAM["lr"])


def cnn_minigrad(weights: list[np.ndarray], device: str) -> tuple[Any, Any]:
    """The CNN as nn layers, with the floor's initial weights; and its SGD."""
    nn = minigrad.nn
    kernel, kernel_bias, w, b = weights
    conv = nn.Conv2d(CNN_INPUT[1], CNN_CHANNELS, 3, padding=1)
    linear = nn.Linear(w.shape[0], CLASSES)
    with minigrad.no_grad():
        conv.weight[...] = kernel
        conv.bias[...] = kernel_bias
        linear.weight[...] = w.T
        linear.bias[...] = b
    model = nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), linear).to(device)
    return model, optim.SGD(model.parameters(), lr=SGD_LR)


class LSTMClassifier(minigrad.nn.Module):
    """nn.LSTM over the sequence, then nn.Linear on its last hidden state: class scores."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = minigrad.nn.LSTM(LSTM_INPUT, LSTM_HIDDEN)
        self.out = minigrad.nn.Linear(LSTM_HIDDEN, CLASSES)

    def forward(self, x: Any) -> Any:
        _, (h_n, _) = self.lstm(x)  # h_n: (layers = 1, N, H)
        return self.out(h_n[0])


def lstm_minigrad(weights: list[np.ndarray], device: str) -> tuple[Any, Any]:
    """The LSTM classifier with the floor's initial weights (PyTorch's names); and its Adam."""
    model = LSTMClassifier()
    names = ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0"]
    model.load_state_dict(dict(zip(names + ["out.weight", "out.bias"], weights)))
    model = model.to(device)
    return model, optim.Adam(model.parameters(), lr=ADAM["lr"])


class GPTBlock(minigrad.nn.Module):
    """x + attention(LN(x)), then x + MLP(LN(x)): examples/tiny_gpt.py's block, no dropout."""

    def __init__(self) -> None:
        super().__init__()
        nn = minigrad.nn
        self.ln_1 = nn.LayerNorm(GPT_WIDTH)
        self.attn = nn.MultiheadAttention(GPT_WIDTH, GPT_HEADS, batch_first=True)
        self.ln_2 = nn.LayerNorm(GPT_WIDTH)
        self.mlp = nn.Sequential(
            nn.Linear(GPT_WIDTH, 4 * GPT_WIDTH),
            nn.GELU("tanh"),
            nn.Linear(4 * GPT_WIDTH, GPT_WIDTH),
        )

    def forward(self, x: Any, future: Any) -> Any:
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, attn_mask=future, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class TinyGPT(minigrad.nn.Module):
    """Token and position embeddings, GPT_BLOCKS blocks, LayerNorm, a read-out without bias.
    forward returns (N*T, vocab) scores, one row per position, for F.cross_entropy."""

    def __init__(self) -> None:
        super().__init__()
        nn = minigrad.nn
        self.tok_emb = nn.Embedding(GPT_VOCAB, GPT_WIDTH)
        self.pos_emb = nn.Embedding(GPT_CONTEXT, GPT_WIDTH)
        self.blocks = nn.ModuleList([GPTBlock() for _ in range(GPT_BLOCKS)])
        self.ln_f = nn.LayerNorm(GPT_WIDTH)
        self.head = nn.Linear(GPT_WIDTH, GPT_VOCAB, bias=False)

    def forward(self, ids: Any) -> Any:
        steps = ids.shape[1]
        x = self.tok_emb(ids) + self.pos_emb(minigrad.arange(steps, device=ids.device))
        future = minigrad.ones(steps, steps, dtype=minigrad.bool_, device=ids.device).triu(1)
        for block in self.blocks:
            x = block(x, future)
        return self.head(self.ln_f(x)).reshape(-1, GPT_VOCAB)


def gpt_minigrad(weights: dict[str, np.ndarray], device: str) -> tuple[Any, Any]:
    """The tiny GPT with the floor's initial weights; and its Adam."""
    model = TinyGPT()
    model.load_state_dict(weights)
    model = model.to(device)
    return model, optim.Adam(model.parameters(), lr=ADAM["lr"])


def minigrad_train_step(model: Any, optimizer: Any, x: Any, labels: Any) -> float:
    """What a minigrad user writes in a training loop."""
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), labels)
    loss.backward()
    optimizer.step()
    return loss.item()  # also waits for the GPU, so a timed step is a finished step


def per_op_minigrad(x: Any, w: Any, length: int) -> float:
    """The per-op chain (see ``per_op_floor``), forward and backward; returns the loss."""
    x.grad = w.grad = None
    y = x
    for i in range(length):
        op = PER_OP_CYCLE[i % 3]
        if op == "mul":
            y = y * w
        elif op == "add":
            y = y + w
        else:
            y = minigrad.tanh(y)
    loss = y.sum()
    loss.backward()
    return loss.item()


def chain_minigrad(x: Any, length: int) -> float:
    """The deep chain (see ``chain_floor``), forward and backward; returns the loss."""
    x.grad = None
    y = x
    for i in range(length):
        y = y * 1.0001 if i % 2 == 0 else y + 0.0001
    loss = y.sum()
    loss.backward()
    return loss.item()


# ================================================================================================
# Measuring
# ================================================================================================


def compare(
    sides: dict[str, Callable[[], Any]], calls: int, warmup: int, repeats: int
) -> dict[str, list]:
    """Seconds per call of each side, one number per repeat (the mean over ``calls`` calls).

    The sides take turns call by call, and the one that goes first rotates, so a slow spell of a
    shared machine (another process, a frequency change) hits every side alike. Each side is
    warmed up first; the cycle collector runs between repeats, not only inside someone's call.
    """
    for function in sides.values():
        for _ in range(warmup):
            function()
    names = list(sides)
    times: dict[str, list] = {name: [] for name in names}
    for repeat in range(repeats):
        gc.collect()
        total = dict.fromkeys(names, 0.0)
        for call in range(calls):
            shift = (repeat + call) % len(names)
            for name in names[shift:] + names[:shift]:
                start = time.perf_counter()
                sides[name]()
                total[name] += time.perf_counter() - start
        for name in names:
            times[name].append(total[name] / calls)
    return times


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def ratios(numerator: list[float], denominator: list[float]) -> dict[str, float]:
    """Median [min, max] of the per-repeat ratios (each pair ran back to back)."""
    return summary([a / b for a, b in zip(numerator, denominator)])


def resident_bytes() -> int | None:
    """Current resident set size (Linux /proc); None where that is not available."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGESIZE")
    except OSError:
        return None


def tracemalloc_peak(step: Callable[[], Any]) -> int:
    """Bytes allocated at the high point of one call (after a warm-up call made the state)."""
    step()
    gc.collect()
    tracemalloc.start()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def steady_state_memory(step: Callable[[], Any], steps: int) -> dict[str, Any]:
    """Resident memory growth and page faults per step over ``steps`` steps after a warm-up."""
    for _ in range(10):
        step()
    gc.collect()
    rss_before = resident_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(steps):
        step()
    after = resource.getrusage(resource.RUSAGE_SELF)
    gc.collect()
    rss_after = resident_bytes()
    growth = None if rss_before is None else rss_after - rss_before
    return {
        "rss_growth_bytes": growth,
        "minor_faults_per_step": (after.ru_minflt - before.ru_minflt) / steps,
        "major_faults_per_step": (after.ru_majflt - before.ru_majflt) / steps,
    }


def graph_memory_after_del(forward: Callable[[], Any]) -> tuple[int, int]:
    """Bytes the graph of ``forward()`` holds, and bytes still held after ``del loss`` with the
    cycle collector off (none when the graph has no reference cycles)."""
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        del_loss = forward()  # a first pass, so that anything cached along the way (and
        del del_loss  # replaced on every pass) is already counted in `before`
        before = tracemalloc.get_traced_memory()[0]
        loss = forward()
        alive = tracemalloc.get_traced_memory()[0] - before
        del loss
        left = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
    finally:
        gc.enable()
    return alive, left


# ================================================================================================
# The workloads: set up both sides, check they agree, time them
# ================================================================================================


def mlp_workload(
    device: str, sizes: tuple[int, ...] = MLP_SIZES, batch: int = MLP_BATCH
) -> tuple[dict[str, Callable[[], float]], Callable[[], Any]]:
    """Each side's MLP training step, both from the same weights and data (a call trains one
    step and returns its loss); and minigrad's forward pass alone, returning the loss tensor."""
    weights, x, labels = mlp_start(sizes, batch)
    floor_params = [p.copy() for p in weights]
    state = {"t": 0, "m": [np.zeros_like(p) for p in weights]}
    state["v"] = [np.zeros_like(p) for p in weights]
    model, optimizer = mlp_minigrad(weights, device)
    x_t, labels_t = minigrad.tensor(x, device=device), minigrad.tensor(labels, device=device)
    sides = {
        "floor": lambda: mlp_floor_step(floor_params, state, x, labels),
        "minigrad": lambda: minigrad_train_step(model, optimizer, x_t, labels_t),
    }
    return sides, lambda: F.cross_entropy(model(x_t), labels_t)


def cnn_workload(device: str, batch: int = CNN_INPUT[0]) -> dict[str, Callable[[], float]]:
    """Each side's CNN training step, both from the same weights and data."""
    weights, x, labels = cnn_start(batch)
    floor_params = [p.copy() for p in weights]
    model, optimizer = cnn_minigrad(weights, device)
    x_t, labels_t = minigrad.tensor(x, device=device), minigrad.tensor(labels, device=device)
    sides = {
        "floor": lambda: cnn_floor_step(floor_params, x, labels)[0],
        "minigrad": lambda: minigrad_train_step(model, optimizer, x_t, labels_t),
    }
    return sides


def lstm_workload(device: str) -> dict[str, Callable[[], float]]:
    """Each side's LSTM training step, both from the same weights and data."""
    weights, x, labels = lstm_start()
    floor_params = [p.copy() for p in weights]
    state = {"t": 0, "m": [np.zeros_like(p) for p in weights]}
    state["v"] = [np.zeros_like(p) for p in weights]
    model, optimizer = lstm_minigrad(weights, device)
    x_t, labels_t = minigrad.tensor(x, device=device), minigrad.tensor(labels, device=device)
    return {
        "floor": lambda: lstm_floor_step(floor_params, state, x, labels),
        "minigrad": lambda: minigrad_train_step(model, optimizer, x_t, labels_t),
    }


def gpt_workload(device: str) -> dict[str, Callable[[], float]]:
    """Each side's tiny-GPT training step, both from the same weights and data."""
    weights, ids, targets = gpt_start()
    floor_params = {name: value.copy() for name, value in weights.items()}
    state = {"t": 0, "m": [np.zeros_like(p) for p in weights.values()]}
    state["v"] = [np.zeros_like(p) for p in weights.values()]
    model, optimizer = gpt_minigrad(weights, device)
    ids_t = minigrad.tensor(ids, device=device)
    targets_t = minigrad.tensor(targets.reshape(-1), device=device)
    return {
        "floor": lambda: gpt_floor_step(floor_params, state, ids, targets),
        "minigrad": lambda: minigrad_train_step(model, optimizer, ids_t, targets_t),
    }


def check_agreement(config: Config, device: str) -> dict[str, Any]:
    """Does minigrad compute what the floor computes? Fresh copies of both sides train a few
    steps; their losses (and the gradients below) must agree to 1e-5."""
    result: dict[str, Any] = {}
    workloads = {
        "mlp": mlp_workload(device)[0],
        "mlp_large": mlp_workload(device, MLP_LARGE_SIZES, MLP_LARGE_BATCH)[0],
        "mlp_large_b32": mlp_workload(device, MLP_LARGE_SIZES, MLP_SMALL_BATCH)[0],
        "cnn": cnn_workload(device),
        "cnn_b256": cnn_workload(device, CNN_LARGE_BATCH),
        "lstm": lstm_workload(device),
        "gpt": gpt_workload(device),
    }
    for name, sides in workloads.items():
        differences = [
            abs(sides["minigrad"]() - sides["floor"]()) for _ in range(config.agreement_steps)
        ]
        result[f"{name}_loss_max_difference"] = max(differences)

    # The CNN's input gradient, which the training step never needs, exercises col2im.
    rng = np.random.default_rng(1)
    weights, (x, labels) = cnn_weights(rng), cnn_data(rng)
    model, _ = cnn_minigrad(weights, device)
    x_t = minigrad.tensor(x, requires_grad=True, device=device)
    F.cross_entropy(model(x_t), minigrad.tensor(labels, device=device)).backward()
    _, d_x = cnn_floor_step(weights, x, labels, input_grad=True)
    result["cnn_input_grad_max_difference"] = float(np.abs(x_t.grad.numpy() - d_x).max())

    x, w = rng.standard_normal((2, 4, 4))
    x_t = minigrad.tensor(x, requires_grad=True, device=device)
    w_t = minigrad.tensor(w, requires_grad=True, device=device)
    loss = per_op_minigrad(x_t, w_t, PER_OP_LENGTH)
    floor_loss, d_x, d_w = per_op_floor(x, w, PER_OP_LENGTH)
    result["per_op_max_difference"] = max(
        abs(loss - floor_loss),
        float(np.abs(x_t.grad.numpy() - d_x).max()),
        float(np.abs(w_t.grad.numpy() - d_w).max()),
    )
    result["ok"] = all(v <= LOSS_TOLERANCE for v in result.values())
    return result


def torch_loss_differences(torch_losses: dict[str, list[float]]) -> dict[str, float]:
    """Max |loss difference| between PyTorch's first training steps, taken in its own process,
    and the floor's: both start from the same ``*_start()`` weights, so they must agree."""
    floor_steps = {
        "mlp_step": mlp_workload("cpu")[0]["floor"],
        "mlp_large_step": mlp_workload("cpu", MLP_LARGE_SIZES, MLP_LARGE_BATCH)[0]["floor"],
        "mlp_large_b32_step": mlp_workload("cpu", MLP_LARGE_SIZES, MLP_SMALL_BATCH)[0]["floor"],
        "cnn_step": cnn_workload("cpu")["floor"],
        "cnn_b256_step": cnn_workload("cpu", CNN_LARGE_BATCH)["floor"],
        "lstm_step": lstm_workload("cpu")["floor"],
        "gpt_step": gpt_workload("cpu")["floor"],
    }
    differences = {}
    for name, floor_step in floor_steps.items():
        floor_losses = [floor_step() for _ in torch_losses[name]]  # step i against torch's step i
        differences[name] = max(abs(a - b) for a, b in zip(floor_losses, torch_losses[name]))
    return differences


def bench_mlp(config: Config, device: str) -> tuple[dict[str, list], dict[str, Any]]:
    sides, minigrad_forward = mlp_workload(device)
    times = compare(sides, config.mlp_steps, config.warmup, config.repeats)
    memory: dict[str, Any] = {}
    for name in ("floor", "minigrad"):
        memory[name] = {"tracemalloc_peak_bytes": tracemalloc_peak(sides[name])}
        memory[name].update(steady_state_memory(sides[name], config.rss_steps))
    memory["graph_bytes_alive"], memory["graph_bytes_after_del"] = graph_memory_after_del(
        minigrad_forward
    )
    return times, memory


def bench_cnn(config: Config, device: str) -> tuple[dict[str, list], dict[str, Any]]:
    sides = cnn_workload(device)
    times = compare(sides, config.cnn_steps, config.warmup, config.repeats)
    steps = max(config.rss_steps // 5, 10)
    memory = {name: steady_state_memory(sides[name], steps) for name in ("floor", "minigrad")}
    return times, memory


def bench_larger(config: Config, device: str) -> dict[str, dict[str, list]]:
    """Seconds per training step of the wider MLP (at two batches) and of the CNN at a larger
    batch, floor and minigrad (issue 20); the memory rows stay at the default sizes."""
    large, small = MLP_LARGE_BATCH, MLP_SMALL_BATCH
    warmup, repeats = config.warmup, config.repeats
    return {
        "mlp_large_step": compare(
            mlp_workload(device, MLP_LARGE_SIZES, large)[0], config.mlp_large_steps, warmup, repeats
        ),
        "mlp_large_b32_step": compare(
            mlp_workload(device, MLP_LARGE_SIZES, small)[0],
            config.mlp_large_b32_steps,
            warmup,
            repeats,
        ),
        "cnn_b256_step": compare(
            cnn_workload(device, CNN_LARGE_BATCH), config.cnn_b256_steps, warmup, repeats
        ),
    }


def bench_sequences(config: Config, device: str) -> dict[str, dict[str, list]]:
    """Seconds per training step of the LSTM and the tiny GPT, floor and minigrad."""
    return {
        "lstm_step": compare(
            lstm_workload(device), config.lstm_steps, config.warmup, config.repeats
        ),
        "gpt_step": compare(gpt_workload(device), config.gpt_steps, config.warmup, config.repeats),
    }


def bench_per_op(config: Config, device: str) -> dict[str, list]:
    """Seconds per op (forward + backward) of the 200-op chain."""
    x, w = per_op_start()
    x_t = minigrad.tensor(x, requires_grad=True, device=device)
    w_t = minigrad.tensor(w, requires_grad=True, device=device)
    sides = {
        "floor": lambda: per_op_floor(x, w, PER_OP_LENGTH),
        "minigrad": lambda: per_op_minigrad(x_t, w_t, PER_OP_LENGTH),
    }
    times = compare(sides, config.per_op_calls, config.warmup, config.repeats)
    return {name: [t / PER_OP_LENGTH for t in values] for name, values in times.items()}


def collector_paused(function: Callable[[], Any]) -> Callable[[], Any]:
    """``function`` with Python's cycle collector off while it runs, as ``timeit`` times code
    (with the engine's own pause for backward, which restores the collector's state after)."""

    def run() -> Any:
        with cycle_collector_paused():
            return function()

    return run


PAUSED = "minigrad, collector paused"
CHAIN_SIDES = ("floor", "minigrad", PAUSED)


def bench_chains(config: Config, device: str) -> dict[str, dict[str, list]]:
    """Seconds per chain, by length and side: {"20000": {"floor": [...], "minigrad": [...],
    "minigrad, collector paused": [...]}}.

    Every length and side runs in every repeat, so the long/short ratio compares neighbours.
    """
    x = np.random.default_rng(0).standard_normal((4, 4))
    x_t = minigrad.tensor(x, requires_grad=True, device=device)
    sides = {}
    for n in config.chain_lengths:
        sides[f"floor {n}"] = lambda n=n: chain_floor(x, n)
        sides[f"minigrad {n}"] = lambda n=n: chain_minigrad(x_t, n)
        sides[f"{PAUSED} {n}"] = collector_paused(lambda n=n: chain_minigrad(x_t, n))
    times = compare(sides, 1, warmup=1, repeats=config.chain_repeats)
    return {
        str(n): {side: times[f"{side} {n}"] for side in CHAIN_SIDES} for n in config.chain_lengths
    }


# ================================================================================================
# Reporting
# ================================================================================================


LABEL_WIDTH = 36


def spread(r: dict[str, float]) -> str:
    return f"{r['median']:.2f}x [{r['min']:.2f}, {r['max']:.2f}]"


def ratio_of_medians(numerator: list[float], denominator: list[float]) -> float:
    """For times from different processes, whose repeats do not pair up as ``ratios`` needs."""
    return statistics.median(numerator) / statistics.median(denominator)


def time_row(
    label: str, scale: float, times: dict[str, list], torch_times: list | None = None
) -> str:
    """A table row: the floor's, minigrad's (and torch's) median time times ``scale``; then
    minigrad / floor as median [min, max] of the per-repeat ratios; then minigrad / torch."""
    columns = [times["floor"], times["minigrad"]] + ([torch_times] if torch_times else [])
    cells = [f"{label:<{LABEL_WIDTH}}"]
    cells += [f"{statistics.median(values) * scale:>10.3f}" for values in columns]
    cells.append(f"{spread(ratios(times['minigrad'], times['floor'])):>24}")
    if torch_times:
        cells.append(f"{ratio_of_medians(times['minigrad'], torch_times):>15.2f}x")
    return "".join(cells)


def memory_row(label: str, floor: float | None, minigrad: float | None, unit: str = "") -> str:
    """A memory row; ``unit`` "MiB" prints megabytes and the minigrad / floor ratio."""
    if floor is None or minigrad is None:
        return f"{label:<{LABEL_WIDTH}}{'n/a':>10}{'n/a':>10}"
    if unit == "MiB":
        ratio = f"{minigrad / floor:>23.2f}x" if floor > 0 else ""
        return f"{label:<{LABEL_WIDTH}}{floor / MIB:>10.2f}{minigrad / MIB:>10.2f}{ratio}"
    return f"{label:<{LABEL_WIDTH}}{floor:>10.1f}{minigrad:>10.1f}"


def print_report(config: Config, results: dict[str, Any]) -> None:
    times, memory, agreement = results["times_seconds"], results["memory"], results["agreement"]
    torch = results.get("torch")  # PyTorch's results from its own process, if it is installed
    torch_times = torch["times_seconds"] if torch else {}
    print(
        f"{'workload':<{LABEL_WIDTH}}{'floor':>10}{'minigrad':>10}"
        + (f"{'torch':>10}" if torch else "")
        + f"{'minigrad/floor':>24}"
        + (f"{'minigrad/torch':>16}" if torch else "")
    )
    for name, label, scale in (
        ("mlp_step", "MLP step (ms)", 1e3),
        ("mlp_large_step", "MLP 784-1024-512-10, batch 512 (ms)", 1e3),
        ("mlp_large_b32_step", "MLP 784-1024-512-10, batch 32 (ms)", 1e3),
        ("cnn_step", "CNN step (ms)", 1e3),
        ("cnn_b256_step", "CNN step, batch 256 (ms)", 1e3),
        ("lstm_step", "LSTM step (ms)", 1e3),
        ("gpt_step", "tiny-GPT step (ms)", 1e3),
        ("per_op", "per-op (us/op, fwd + bwd)", 1e6),
    ):
        print(time_row(label, scale, times[name], torch_times.get(name)))
    short, long = config.chain_lengths
    for n in (short, long):
        torch_chain = torch_times.get("chains", {}).get(str(n))
        print(time_row(f"chain of {n // 1000}k ops (s)", 1.0, times["chains"][str(n)], torch_chain))
    label = f"chain scaling {long // 1000}k/{short // 1000}k"
    print(
        f"{label:<{LABEL_WIDTH}}minigrad time({long // 1000}k) / time({short // 1000}k) = "
        f"{spread(results['chain_scaling'])} with the cycle collector paused "
        f"(linear time: {long / short:.0f})"
    )
    print(
        f"{'':<{LABEL_WIDTH}}the floor's own: {spread(results['chain_scaling_floor'])}; "
        f"minigrad with the collector running: "
        f"{spread(results['chain_scaling_collector_running'])} (see docs/performance.md)"
    )
    if torch:
        print(
            f"torch {torch['version']} ({torch['threads']} threads) ran in its own process, "
            f"before this one, on the same weights and data: minigrad/torch is a ratio of the "
            f"two medians, without [min, max], as no repeat of one ran beside a repeat of the other"
        )

    mlp, cnn = memory["mlp"], memory["cnn"]
    print(f"{'memory':<{LABEL_WIDTH}}{'floor':>10}{'minigrad':>10}{'minigrad/floor':>24}")
    key = "tracemalloc_peak_bytes"
    print(
        memory_row(
            "MLP step, tracemalloc peak (MiB)", mlp["floor"][key], mlp["minigrad"][key], "MiB"
        )
    )
    key = "rss_growth_bytes"
    label = f"MLP RSS growth, {config.rss_steps} steps (MiB)"
    print(memory_row(label, mlp["floor"][key], mlp["minigrad"][key], "MiB"))
    for name, side in (("MLP", mlp), ("CNN", cnn)):
        for kind in ("minor", "major"):
            key = f"{kind}_faults_per_step"
            print(
                memory_row(
                    f"{name} {kind} page faults / step", side["floor"][key], side["minigrad"][key]
                )
            )
    left, alive = mlp["graph_bytes_after_del"] / 1024, mlp["graph_bytes_alive"] / 1024
    verdict = "freed" if left < 0.05 * alive else "NOT freed"
    print(f"MLP graph after `del loss`, gc off: {verdict} ({left:.1f} KiB of {alive:.1f} KiB left)")

    verdict = "agree" if agreement["ok"] else f"DISAGREE (tolerance {LOSS_TOLERANCE})"
    print(
        f"check, minigrad vs floor: {verdict}. Max |loss difference| over "
        f"{config.agreement_steps} steps: MLP {agreement['mlp_loss_max_difference']:.1e} "
        f"(784-1024-512-10: batch 512 {agreement['mlp_large_loss_max_difference']:.1e}, "
        f"batch 32 {agreement['mlp_large_b32_loss_max_difference']:.1e}), "
        f"CNN {agreement['cnn_loss_max_difference']:.1e} "
        f"(batch 256 {agreement['cnn_b256_loss_max_difference']:.1e}), "
        f"LSTM {agreement['lstm_loss_max_difference']:.1e}, "
        f"tiny GPT {agreement['gpt_loss_max_difference']:.1e}; CNN input gradient "
        f"{agreement['cnn_input_grad_max_difference']:.1e}; per-op chain (loss and gradients) "
        f"{agreement['per_op_max_difference']:.1e}",
        flush=True,
    )
    if torch:
        differences = torch["loss_max_difference"]
        worst = max(differences.values())
        verdict = (
            "agree"
            if worst <= TORCH_LOSS_TOLERANCE
            else f"DISAGREE (tolerance {TORCH_LOSS_TOLERANCE})"
        )
        print(
            f"check, torch vs floor: {verdict}. Max |loss difference| over "
            f"{config.agreement_steps} steps: MLP {differences['mlp_step']:.1e} "
            f"(784-1024-512-10: batch 512 {differences['mlp_large_step']:.1e}, "
            f"batch 32 {differences['mlp_large_b32_step']:.1e}), "
            f"CNN {differences['cnn_step']:.1e} (batch 256 {differences['cnn_b256_step']:.1e}), "
            f"LSTM {differences['lstm_step']:.1e}, "
            f"tiny GPT {differences['gpt_step']:.1e}",
            flush=True,
        )


def run_child(args: argparse.Namespace) -> int:
    """One malloc setting: every workload, then the table and the memory lines."""
    config = QUICK if args.quick else FULL
    device = args.device
    setting = ", ".join(f"{k}={os.environ[k]}" for k in MALLOC_TUNED if k in os.environ)
    print(f"\n== malloc: {args.malloc} ({setting or 'glibc defaults'}) ==", flush=True)
    if device != "cpu":
        print(f"note: minigrad runs on {device}, the floor on the CPU: ratios are {device} / CPU")

    results: dict[str, Any] = {"agreement": check_agreement(config, device)}
    mlp_times, mlp_memory = bench_mlp(config, device)
    cnn_times, cnn_memory = bench_cnn(config, device)
    results["times_seconds"] = {
        "mlp_step": mlp_times,
        "cnn_step": cnn_times,
        **bench_larger(config, device),
        **bench_sequences(config, device),
        "per_op": bench_per_op(config, device),
        "chains": bench_chains(config, device),
    }
    times = results["times_seconds"]
    results["minigrad_over_floor"] = {
        name: ratios(times[name]["minigrad"], times[name]["floor"]) for name in WORKLOADS
    }
    short, long = (times["chains"][str(n)] for n in config.chain_lengths)
    results["chain_scaling"] = ratios(long[PAUSED], short[PAUSED])
    results["chain_scaling_collector_running"] = ratios(long["minigrad"], short["minigrad"])
    results["chain_scaling_floor"] = ratios(long["floor"], short["floor"])
    results["memory"] = {"mlp": mlp_memory, "cnn": cnn_memory}
    results["torch_imported_here"] = "torch" in sys.modules  # must stay False: see issue 15
    if args.torch_json:
        with open(args.torch_json) as file:
            torch_results = json.load(file)
        torch_results["loss_max_difference"] = torch_loss_differences(torch_results["losses"])
        results["torch"] = torch_results
        results["minigrad_over_torch"] = {
            name: ratio_of_medians(times[name]["minigrad"], torch_results["times_seconds"][name])
            for name in WORKLOADS
        }
        results["minigrad_over_torch"]["chains"] = {
            n: ratio_of_medians(times["chains"][n]["minigrad"], torch_times)
            for n, torch_times in torch_results["times_seconds"]["chains"].items()
        }
    print_report(config, results)

    if args.child_json:
        with open(args.child_json, "w") as file:
            json.dump(results, file, indent=1)
    return 0 if results["agreement"]["ok"] else 1


def run_torch_child(args: argparse.Namespace) -> int:
    """Time PyTorch on every workload, alone in this process, and write its times and the losses
    of its first training steps (for the agreement check) as JSON."""
    import torch_workloads  # here only: the process that times minigrad never imports torch

    torch = torch_workloads.torch
    if args.device == "cuda" and not torch.cuda.is_available():
        print("bench.py: PyTorch sees no GPU, so the table has no torch column", file=sys.stderr)
        return 2
    config = QUICK if args.quick else FULL
    fresh = torch_workloads.bench_sides(args.device)
    losses = {
        name: [fresh[name]() for _ in range(config.agreement_steps)]
        for name in WORKLOADS
        if name != "per_op"
    }
    calls = dict(
        mlp_step=config.mlp_steps,
        mlp_large_step=config.mlp_large_steps,
        mlp_large_b32_step=config.mlp_large_b32_steps,
        cnn_step=config.cnn_steps,
        cnn_b256_step=config.cnn_b256_steps,
        lstm_step=config.lstm_steps,
        gpt_step=config.gpt_steps,
        per_op=config.per_op_calls,
    )
    times = {}
    for name, side in torch_workloads.bench_sides(args.device).items():
        times[name] = compare({"torch": side}, calls[name], config.warmup, config.repeats)["torch"]
    times["per_op"] = [t / PER_OP_LENGTH for t in times["per_op"]]
    x = np.random.default_rng(0).standard_normal((4, 4))  # bench_chains' input
    times["chains"] = {
        str(n): compare(
            {"torch": torch_workloads.chain_torch(x, n, args.device)},
            1,
            warmup=1,
            repeats=config.chain_repeats,
        )["torch"]
        for n in config.chain_lengths
    }
    results = {
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "times_seconds": times,
        "losses": losses,
    }
    with open(args.child_json, "w") as file:
        json.dump(results, file, indent=1)
    return 0


def installed_version(package: str) -> str | None:
    """A package's version from its metadata, without importing it; None if not installed."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


IMPORT_CODE = (
    "import time; start = time.perf_counter(); import numpy; middle = time.perf_counter(); "
    "import minigrad; print(middle - start, time.perf_counter() - middle)"
)


def bench_import(repeats: int) -> tuple[list[float], list[float]]:
    """Seconds of ``import numpy``, and of ``import minigrad`` after it, each in a fresh
    interpreter, ``repeats`` times. Python caches compiled bytecode (__pycache__) unless told not
    to; a learner's Python does, so the children do too (PYTHONDONTWRITEBYTECODE dropped), after
    one import that fills the cache."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, "-c", IMPORT_CODE]
    subprocess.run(command, env=env, capture_output=True, check=True)
    numpy_times, minigrad_times = [], []
    for _ in range(repeats):
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
        numpy_seconds, minigrad_seconds = map(float, out.split())
        numpy_times.append(numpy_seconds)
        minigrad_times.append(minigrad_seconds)
    return numpy_times, minigrad_times


def run_parent(args: argparse.Namespace) -> int:
    """Per malloc setting (glibc reads it at start), one fresh process that times PyTorch alone,
    when it is installed, then one that times minigrad against the floor and prints the table."""
    settings = ["default", "tuned"] if args.malloc == "both" else [args.malloc]
    torch_version = installed_version("torch")
    print(
        f"minigrad benchmark: {'quick' if args.quick else 'full'} run, device {args.device}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs, torch "
        f"{torch_version + ' (timed in its own process)' if torch_version else 'not installed'}",
        flush=True,
    )
    numpy_times, minigrad_times = bench_import(5 if args.quick else 21)
    extra = [1e3 * t for t in minigrad_times]
    print(
        f"import: numpy {statistics.median(numpy_times) * 1e3:.1f} ms, then minigrad "
        f"{statistics.median(extra):.1f} ms [{min(extra):.1f}, {max(extra):.1f}] more (median "
        f"[min, max] of {len(extra)} fresh interpreters; target: at most 25 ms more)",
        flush=True,
    )
    status = 0
    all_results: dict[str, Any] = {}
    for setting in settings:
        env = {k: v for k, v in os.environ.items() if k not in MALLOC_TUNED}
        if setting == "tuned":
            env.update(MALLOC_TUNED)
        with tempfile.TemporaryDirectory() as folder:
            script = [sys.executable, os.path.abspath(__file__), "--malloc", setting]
            script += ["--device", args.device] + (["--quick"] if args.quick else [])
            child_json = os.path.join(folder, "results.json")
            command = script + ["--child", "--child-json", child_json]
            if torch_version:
                torch_json = os.path.join(folder, "torch.json")
                torch_command = script + ["--child-framework", "torch", "--child-json", torch_json]
                if subprocess.run(torch_command, env=env).returncode == 0:
                    command += ["--torch-json", torch_json]
                else:
                    print("bench.py: timing PyTorch failed; no torch column", flush=True)
            code = subprocess.run(command, env=env).returncode
            status = status or code
            if os.path.exists(child_json):
                with open(child_json) as file:
                    all_results[setting] = json.load(file)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(
                {
                    "quick": args.quick,
                    "device": args.device,
                    "import_seconds": {"numpy": numpy_times, "minigrad": minigrad_times},
                    "malloc": all_results,
                },
                file,
                indent=1,
            )
    return status


def enclosing_class(filename: str, line: int) -> str:
    """The class a function is defined in, as "Mul." (so that every op's ``forward`` in the
    profile says which op it is), or "" for a module-level function."""
    if not linecache.getline(filename, line).startswith(" "):
        return ""  # defined at the left margin: a module-level function
    for number in range(line - 1, 0, -1):
        text = linecache.getline(filename, number)
        if text.startswith("class "):
            return text[len("class ") :].split("(")[0].split(":")[0] + "."
        if text.startswith(("def ", "@")):
            return ""
    return ""


def run_profile(args: argparse.Namespace) -> int:
    """cProfile 200 calls of one workload's minigrad side and print where the time goes."""
    device, calls = args.device, 200
    if args.profile == "per-op":
        rng = np.random.default_rng(0)
        x_t = minigrad.tensor(rng.standard_normal((4, 4)), requires_grad=True, device=device)
        w_t = minigrad.tensor(rng.standard_normal((4, 4)), requires_grad=True, device=device)

        def run() -> float:
            return per_op_minigrad(x_t, w_t, PER_OP_LENGTH)

    elif args.profile == "mlp":
        run = mlp_workload(device)[0]["minigrad"]
    elif args.profile == "lstm":
        run = lstm_workload(device)["minigrad"]
    elif args.profile == "gpt":
        run = gpt_workload(device)["minigrad"]
    else:
        run = cnn_workload(device)["minigrad"]
    for _ in range(10):
        run()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        run()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(
        f"cProfile, {calls} calls of minigrad's {args.profile}: {total / calls * 1e3:.2f} ms/call"
    )
    print(" own %  cum %  calls/call  function (sorted by own time)")
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)
    for (filename, line, name), (_, count, own, cumulative, _) in rows[:25]:
        where = f"{os.path.basename(filename)}:{line}" if line else filename
        name = f"{enclosing_class(filename, line)}{name}"
        share, cumulative_share = 100 * own / total, 100 * cumulative / total
        print(f"{share:6.1f} {cumulative_share:6.1f} {count / calls:11.1f}  {name} ({where})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, small counts (CI)")
    parser.add_argument("--malloc", choices=["default", "tuned", "both"], default="both")
    parser.add_argument("--json", metavar="PATH", help="also write the results to PATH")
    parser.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        default="cpu",
        help="where minigrad and torch run; the floor is always NumPy on the CPU",
    )
    parser.add_argument(
        "--profile",
        choices=["mlp", "cnn", "lstm", "gpt", "per-op"],
        help="print a cProfile of minigrad's side of one workload and stop",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-framework", choices=["torch"], help=argparse.SUPPRESS)
    parser.add_argument("--child-json", help=argparse.SUPPRESS)
    parser.add_argument("--torch-json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.device == "cuda":
        try:
            minigrad.get_device("cuda")  # imports CuPy and looks for a GPU
        except RuntimeError as error:
            print(f"bench.py: --device cuda is not available here: {error}", file=sys.stderr)
            return 2
    if args.profile:
        return run_profile(args)
    if args.child_framework:
        return run_torch_child(args)
    return run_child(args) if args.child else run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
