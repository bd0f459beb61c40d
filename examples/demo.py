"""A first run: fit a line y = 3x - 1 with gradient descent, written out by hand.

What to notice: the loss falls, and w and b approach 3 and -1. Each step records a graph,
backward() fills .grad, and the update happens under no_grad so it is not recorded.
"""

import numpy as np

import minigrad as mg


def main() -> None:
    mg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.uniform(-1, 1, size=(64, 1)).astype(np.float32))
    y = 3 * x - 1 + mg.tensor(rng.normal(0, 0.05, size=(64, 1)).astype(np.float32))
    w = mg.tensor([[0.0]], requires_grad=True)
    b = mg.tensor([0.0], requires_grad=True)
    for step in range(201):
        loss = ((x @ w + b - y) ** 2).mean()
        w.zero_grad()
        b.zero_grad()
        loss.backward()
        with mg.no_grad():
            w.data -= 0.1 * w.grad.data
            b.data -= 0.1 * b.grad.data
        if step % 50 == 0:
            print(f"step {step:3d}  loss {loss.item():.5f}  w {w.item():+.3f}  b {b.item():+.3f}")
    print("w and b should be close to +3 and -1.")


if __name__ == "__main__":
    main()
