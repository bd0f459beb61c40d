"""Exploding gradients in an RNN on long sequences, and gradient clipping (clip_grad_norm_).

Backpropagation through time multiplies the gradient by one Jacobian per step,

    dh_t / dh_(t-1) = diag(1 - h_t^2) W_hh

so over T steps it is scaled by a product of T such matrices. When W_hh is large (here its
spectral radius starts near --gain = 1.7), that product can grow geometrically: now and then a batch
gives a gradient hundreds of times longer than usual, and one plain SGD step along it throws the
weights off everything learned so far (the "cliffs" of Pascanu, Mikolov and Bengio, ICML 2013).

Clipping caps the step, not the direction: ``nn.utils.clip_grad_norm_(params, max_norm)``
rescales all the gradients together, g <- g * min(1, max_norm / ||g||), so every step is at most
lr * max_norm long, and a short gradient passes untouched.

The same RNN language model (nn.RNN(16, 64), tanh, on blocks of 128 characters of the bundled
names) trains twice, from the same weights on the same batches with the same SGD: once without
clipping, once with max_norm = 1. Each step's gradient norm (before clipping) is recorded.

Figure runs/exploding_gradients.png: the gradient norm per step of both runs (log scale, the
clipping threshold dotted) and their training loss.

    python examples/exploding_gradients.py            # about 10 s on a laptop CPU
    python examples/exploding_gradients.py --quick    # a few seconds (what the tests run)
"""

from __future__ import annotations

import math
import time

import common
import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.data import DataLoader
from minigrad.text import CharTokenizer, NextTokenDataset, load_names
from optim import SGD


class CharRNN(nn.Module):
    """Embedding, nn.RNN over the block (batch first), a linear read-out at every step."""

    def __init__(self, vocab: int, gain: float, embed: int = 16, hidden: int = 64) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.rnn = nn.RNN(embed, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)
        # N(0, gain^2 / H) entries give W_hh a spectral radius near `gain` (a random matrix's
        # eigenvalues fill a disc of radius std * sqrt(H)); PyTorch's default gives about 0.58.
        nn.init.normal_(self.rnn.weight_hh_l0, 0.0, gain / math.sqrt(hidden))

    def forward(self, ids: minigrad.Tensor) -> minigrad.Tensor:
        states, _ = self.rnn(self.embedding(ids))
        return self.out(states)


def train(model, batches, lr: float, max_norm: float) -> dict[str, list[float]]:
    """SGD over ``batches``; returns each step's loss and gradient norm (before clipping).
    ``max_norm=inf`` measures the norm and clips nothing."""
    optimizer = SGD(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"loss": [], "norm": []}
    for ids, targets in batches:
        logits = model(ids)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        optimizer.step()
        history["loss"].append(loss.item())
        history["norm"].append(norm.item())
    return history


def main() -> None:
    p = common.parser(__doc__)
    p.add_argument("--steps", type=int, help="SGD steps per run (default: 150, 15 with --quick)")
    p.add_argument(
        "--seq-len", type=int, help="characters per block (default: 128, 48 with --quick)"
    )
    p.add_argument("--lr", type=float, default=0.5, help="SGD's lr (default: %(default)s)")
    p.add_argument(
        "--max-norm", type=float, default=1.0, help="the clipping threshold (default: %(default)s)"
    )
    p.add_argument(
        "--gain",
        type=float,
        default=1.7,
        help="W_hh's spectral radius at the start (default: %(default)s)",
    )
    args = p.parse_args()
    device = common.setup(args)
    steps = args.steps or (15 if args.quick else 150)
    seq_len = args.seq_len or (48 if args.quick else 128)

    text = "\n".join(load_names()) + "\n"
    tokenizer = CharTokenizer(text)
    dataset = NextTokenDataset(tokenizer.encode(text), seq_len)
    loader = DataLoader(dataset, batch_size=32, shuffle=True, device=device)
    batches = []  # one fixed list of batches, so that both runs see the same ones in order
    while len(batches) < steps:
        batches += [batch for _, batch in zip(range(steps - len(batches)), loader)]
    runs = {}
    for label, max_norm in (
        ("no clipping", math.inf),
        (f"clipped at {args.max_norm:g}", args.max_norm),
    ):
        minigrad.manual_seed(args.seed)  # the same initial weights for both runs
        model = CharRNN(tokenizer.vocab_size, args.gain).to(device)
        start = time.perf_counter()
        runs[label] = train(model, batches, args.lr, max_norm)
        norms = np.array(runs[label]["norm"])
        losses = runs[label]["loss"]
        over = int((norms > args.max_norm).sum())
        print(
            f"{label:>15}: gradient norm median {np.median(norms):.2f}, largest {norms.max():.1f}, "
            f"over {args.max_norm:g} in {over} of {steps} steps; loss {losses[0]:.3f} -> "
            f"{losses[-1]:.3f} (lowest {min(losses):.3f}; {time.perf_counter() - start:.1f} s)"
        )

    fig, (ax_norm, ax_loss) = plt.subplots(1, 2, figsize=(11, 3.8))
    for label, history in runs.items():
        ax_norm.semilogy(history["norm"], lw=1, label=label)
        ax_loss.plot(history["loss"], lw=1, label=label)
    ax_norm.axhline(args.max_norm, color="gray", ls=":", label=f"max_norm = {args.max_norm:g}")
    ax_norm.set(
        xlabel="SGD step",
        ylabel="gradient norm (before clipping)",
        title=f"nn.RNN over {seq_len} characters, W_hh gain {args.gain:g}",
    )
    ax_loss.axhline(math.log(tokenizer.vocab_size), color="gray", ls=":", label="uniform guess")
    ax_loss.set(xlabel="SGD step", ylabel="training loss (nats per character)", title="Loss")
    ax_norm.legend()
    ax_loss.legend()
    fig.tight_layout()
    common.save_figure(fig, args, "exploding_gradients.png")

    plain, clipped = runs.values()
    spikes = int((np.array(plain["norm"]) > args.max_norm).sum())
    common.notice(
        f"without clipping the gradient norm spikes again and again ({spikes} of {steps} steps "
        f"over {args.max_norm:g}, the largest {max(plain['norm']):.0f} against a median of "
        f"{np.median(plain['norm']):.2f}): each spike is a product of many steps' Jacobians, "
        "diag(1 - h^2) W_hh, that happened to grow",
        "SGD walks lr x ||g|| along a spike, far past where the gradient was measured: the "
        "unclipped loss jumps up after the spikes and spends steps recovering",
        f"clip_grad_norm_ scaled each gradient longer than {args.max_norm:g} down to "
        f"{args.max_norm:g}, keeping its direction; same start, same batches, and the last "
        f"loss is {clipped['loss'][-1]:.3f} against {plain['loss'][-1]:.3f} without clipping",
        "clipping bounds the step, it does not carry information further back: that is what "
        "the LSTM's gates do (docs/sequence-models.md, why LSTMs gate)",
    )


if __name__ == "__main__":
    main()
