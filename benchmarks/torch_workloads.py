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
    """bench.mlp_minigrad in PyTorch: nn layers with the floor's initial weights, and Adam."""
    linears = [torch.nn.Linear(i, o) for i, o in zip(bench.MLP_SIZES[:-1], bench.MLP_SIZES[1:])]
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


def bench_sides(device: str) -> dict[str, Callable[[], float]]:
    """A fresh PyTorch side of each workload bench.py times against torch, keyed as bench.py's
    results are, each from the seeded weights and data that minigrad and the floor start from."""
    mlp_weights, x, labels = bench.mlp_start()
    cnn_weights, images, image_labels = bench.cnn_start()
    return {
        "mlp_step": mlp_torch(mlp_weights, x, labels, device),
        "cnn_step": cnn_torch(cnn_weights, images, image_labels, device),
        "per_op": per_op_torch(*bench.per_op_start(), bench.PER_OP_LENGTH, device),
    }
