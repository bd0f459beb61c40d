"""PyTorch's side of bench.py's workloads: the same models, from the same weights and data.

Imported by the process that times PyTorch (``bench.py --child-framework torch``) and by
bench_gpu.py, never by the process that times minigrad against the NumPy floor: on a small CPU,
PyTorch's OpenMP threads and NumPy's BLAS threads spin against each other when one process calls
both in turn, which slowed the floor's MLP step from 1.7 ms to 4 ms, and importing torch
multiplies the objects Python's cycle collector walks (21k to 167k), which slows minigrad's deep
chains (issue 15). On a GPU neither applies, so bench_gpu.py times both frameworks in one process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the sizes, hyperparameters, weights and data live there)


def torch_train_step(
    model: Any, optimizer: Any, x: np.ndarray, labels: np.ndarray, device: str
) -> Callable[[], float]:
    """What a PyTorch user writes in a training loop; a call trains one step, returns its loss."""
    x_t, labels_t = torch.from_numpy(x).to(device), torch.from_numpy(labels).to(device)

    def step() -> float:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x_t), labels_t)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def mlp_torch(weights: list[np.ndarray], x, labels, device: str) -> Callable[[], float]:
    """bench.mlp_minigrad in PyTorch: nn layers sized by the floor's initial weights and holding
    them, and Adam."""
    linears = [torch.nn.Linear(w.shape[1], w.shape[0]) for w in weights[0::2]]
    with torch.no_grad():
        for layer, w, b in zip(linears, weights[0::2], weights[1::2]):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    nn = torch.nn
    model = nn.Sequential(linears[0], nn.ReLU(), linears[1], nn.ReLU(), linears[2]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=bench.ADAM["lr"])
    return torch_train_step(model, optimizer, x, labels, device)


def cnn_torch(weights: list[np.ndarray], x, labels, device: str) -> Callable[[], float]:
    """bench.cnn_minigrad in PyTorch: nn layers with the floor's initial weights, and SGD."""
    kernel, kernel_bias, w, b = weights
    nn = torch.nn
    conv = nn.Conv2d(bench.CNN_INPUT[1], bench.CNN_CHANNELS, 3, padding=1)
    linear = nn.Linear(w.shape[0], bench.CLASSES)
    with torch.no_grad():
        for param, value in [(conv.weight, kernel), (conv.bias, kernel_bias), (linear.bias, b)]:
            param.copy_(torch.from_numpy(value))
        linear.weight.copy_(torch.from_numpy(w.T.copy()))
    model = nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), linear).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=bench.SGD_LR)
    return torch_train_step(model, optimizer, x, labels, device)


class LSTMClassifier(torch.nn.Module):
    """bench.LSTMClassifier in PyTorch: nn.LSTM, then nn.Linear on the last hidden state."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = torch.nn.LSTM(bench.LSTM_INPUT, bench.LSTM_HIDDEN)
        self.out = torch.nn.Linear(bench.LSTM_HIDDEN, bench.CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, (h_n, _) = self.lstm(x)
        return self.out(h_n[0])


def load_weights(model: torch.nn.Module, weights: dict[str, np.ndarray]) -> None:
    """Copy NumPy arrays into a model's parameters by their state_dict names (minigrad's too)."""
    model.load_state_dict({name: torch.from_numpy(value) for name, value in weights.items()})


def lstm_torch(weights: list[np.ndarray], x, labels, device: str) -> Callable[[], float]:
    """bench.lstm_minigrad in PyTorch: the same weights under the same names, and Adam."""
    model = LSTMClassifier()
    names = ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0"]
    load_weights(model, dict(zip(names + ["out.weight", "out.bias"], weights)))
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=bench.ADAM["lr"])
    return torch_train_step(model, optimizer, x, labels, device)


class GPTBlock(torch.nn.Module):
    """bench.GPTBlock in PyTorch: the same modules under the same names."""

    def __init__(self) -> None:
        super().__init__()
        nn, width = torch.nn, bench.GPT_WIDTH
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, bench.GPT_HEADS, batch_first=True)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(approximate="tanh"), nn.Linear(4 * width, width)
        )

    def forward(self, x: torch.Tensor, future: torch.Tensor) -> torch.Tensor:
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, attn_mask=future, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class TinyGPT(torch.nn.Module):
    """bench.TinyGPT in PyTorch: (N*T, vocab) scores, one row per position."""

    def __init__(self) -> None:
        super().__init__()
        nn = torch.nn
        self.tok_emb = nn.Embedding(bench.GPT_VOCAB, bench.GPT_WIDTH)
        self.pos_emb = nn.Embedding(bench.GPT_CONTEXT, bench.GPT_WIDTH)
        self.blocks = nn.ModuleList([GPTBlock() for _ in range(bench.GPT_BLOCKS)])
        self.ln_f = nn.LayerNorm(bench.GPT_WIDTH)
        self.head = nn.Linear(bench.GPT_WIDTH, bench.GPT_VOCAB, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        steps = ids.shape[1]
        x = self.tok_emb(ids) + self.pos_emb(torch.arange(steps, device=ids.device))
        future = torch.ones(steps, steps, dtype=torch.bool, device=ids.device).triu(1)
        for block in self.blocks:
            x = block(x, future)
        return self.head(self.ln_f(x)).reshape(-1, bench.GPT_VOCAB)


def gpt_torch(weights: dict[str, np.ndarray], ids, targets, device: str) -> Callable[[], float]:
    """bench.gpt_minigrad in PyTorch: the same weights under the same names, and Adam."""
    model = TinyGPT()
    load_weights(model, weights)
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=bench.ADAM["lr"])
    return torch_train_step(model, optimizer, ids, targets.reshape(-1), device)


def per_op_torch(x: np.ndarray, w: np.ndarray, length: int, device: str) -> Callable[[], float]:
    """bench.per_op_minigrad in PyTorch: the chain forward and backward; a call returns the loss."""
    x_t = torch.tensor(x, requires_grad=True, device=device)
    w_t = torch.tensor(w, requires_grad=True, device=device)

    def run() -> float:
        x_t.grad = w_t.grad = None
        y = x_t
        for i in range(length):
            op = bench.PER_OP_CYCLE[i % 3]
            if op == "mul":
                y = y * w_t
            elif op == "add":
                y = y + w_t
            else:
                y = torch.tanh(y)
        loss = y.sum()
        loss.backward()
        return loss.item()

    return run


def chain_torch(x: np.ndarray, length: int, device: str) -> Callable[[], float]:
    """bench.chain_minigrad in PyTorch: the deep chain forward and backward; returns the loss."""
    x_t = torch.tensor(x, requires_grad=True, device=device)

    def run() -> float:
        x_t.grad = None
        y = x_t
        for i in range(length):
            y = y * 1.0001 if i % 2 == 0 else y + 0.0001
        loss = y.sum()
        loss.backward()
        return loss.item()

    return run


def bench_sides(device: str) -> dict[str, Callable[[], float]]:
    """A fresh PyTorch side of each workload bench.py times against torch, keyed as bench.py's
    results are, each from the seeded weights and data that minigrad and the floor start from."""
    wide = bench.MLP_LARGE_SIZES
    return {
        "mlp_step": mlp_torch(*bench.mlp_start(), device),
        "mlp_large_step": mlp_torch(*bench.mlp_start(wide, bench.MLP_LARGE_BATCH), device),
        "mlp_large_b32_step": mlp_torch(*bench.mlp_start(wide, bench.MLP_SMALL_BATCH), device),
        "cnn_step": cnn_torch(*bench.cnn_start(), device),
        "cnn_b256_step": cnn_torch(*bench.cnn_start(bench.CNN_LARGE_BATCH), device),
        "lstm_step": lstm_torch(*bench.lstm_start(), device),
        "gpt_step": gpt_torch(*bench.gpt_start(), device),
        "per_op": per_op_torch(*bench.per_op_start(), bench.PER_OP_LENGTH, device),
    }
