"""Train a tiny GPT on characters: token and position embeddings, causal self-attention, an MLP.

The model is the decoder-only transformer of GPT (Radford et al. 2018), small enough to train
on a laptop CPU in under a minute:

    x = token_embedding[c_t] + position_embedding[t]          for each character c_t
    then n_layer blocks, each (pre-LayerNorm, with residuals):
        x = x + MultiheadAttention(LN(x))     causal: position t sees positions 0..t only
        x = x + MLP(LN(x))                    Linear(E, 4E), GELU, Linear(4E, E)
    logits = LN(x) W^T                        W may be the token embedding itself (--tie)

It learns to predict the next character of Python's own documentation (``pydoc_data.topics``,
about 465,000 characters that every Python installation carries), with AdamW, a linear warm-up
into a cosine decay (minigrad's schedulers), the gradient's norm clipped to 1
(``nn.utils.clip_grad_norm_``), and cross-entropy on every position at once.

    python examples/tiny_gpt.py                   # about 40 s on a laptop CPU
    python examples/tiny_gpt.py --quick           # a few seconds, what the smoke test runs
    python examples/tiny_gpt.py --device cuda     # the same run on the GPU (CuPy)

Figures: runs/tiny_gpt_loss.png (training and validation loss, the learning rate and the
gradient's norm before clipping, per step)
and runs/tiny_gpt_attention.png (what one head of the first block attends to, on one sample).
Printed: the parameter count, the losses, and text sampled from the trained model.
"""

from __future__ import annotations

import argparse
import math
import time

import common
import matplotlib.pyplot as plt
import numpy as np

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from optim import AdamW
from schedulers import CosineAnnealingLR, LinearLR, SequentialLR


def build_parser() -> argparse.ArgumentParser:
    p = common.parser(__doc__)
    p.add_argument("--steps", type=int, help="training steps (default: 600, 40 with --quick)")
    p.add_argument("--block-size", type=int, help="context length (default: 64, 32 with --quick)")
    p.add_argument("--n-layer", type=int, default=2, help="blocks (default: %(default)s)")
    p.add_argument("--n-embd", type=int, help="embedding size E (default: 64, 32 with --quick)")
    p.add_argument("--n-head", type=int, default=4, help="attention heads (default: %(default)s)")
    p.add_argument("--batch-size", type=int, help="sequences (default: 32, 16 with --quick)")
    p.add_argument("--lr", type=float, default=3e-3, help="peak lr (default: %(default)s)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout (default: %(default)s)")
    p.add_argument("--tie", action="store_true", help="one matrix for the input and output layers")
    return p


# ---- data ------------------------------------------------------------------------------------
def load_text() -> str:
    """The corpus: Python's documentation topics, bundled with every Python. (One function, so
    another corpus, such as the bundled one of ``minigrad.datasets``, can take its place.)"""
    from pydoc_data.topics import topics

    return "\n".join(topics[name] for name in sorted(topics))


class CharTokenizer:
    """Characters to integers and back: one id per distinct character, in sorted order."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.ids = {c: i for i, c in enumerate(self.chars)}

    def encode(self, text: str) -> np.ndarray:
        return np.array([self.ids[c] for c in text], dtype=np.int64)

    def decode(self, ids: list[int]) -> str:
        return "".join(self.chars[i] for i in ids)


def random_blocks(
    data: np.ndarray, block_size: int, batch_size: int, device: minigrad.Device
) -> tuple[minigrad.Tensor, minigrad.Tensor]:
    """A batch of (context, next characters): targets are the inputs shifted by one."""
    starts = minigrad.randint(0, len(data) - block_size - 1, (batch_size,), device="cpu").numpy()
    rows = np.stack([data[s : s + block_size + 1] for s in starts])
    return minigrad.tensor(rows[:, :-1], device=device), minigrad.tensor(rows[:, 1:], device=device)


# ---- the model -------------------------------------------------------------------------------
class Block(nn.Module):
    """x + attention(LN(x)), then x + MLP(LN(x)): the pre-LayerNorm transformer block."""

    def __init__(self, n_embd: int, n_head: int, dropout: float) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = nn.MultiheadAttention(n_embd, n_head, dropout=dropout, batch_first=True)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(  # GELU's tanh form, as GPT-2: a third the cost of erf here
            nn.Linear(n_embd, 4 * n_embd),
            nn.GELU("tanh"),
            nn.Linear(4 * n_embd, n_embd),
            nn.Dropout(dropout),
        )

    def forward(self, x: minigrad.Tensor, future: minigrad.Tensor) -> minigrad.Tensor:
        h = self.ln_1(x)
        # future: True above the diagonal, where position t would see t' > t (masked out)
        x = x + self.attn(h, h, h, attn_mask=future, need_weights=False, is_causal=True)[0]
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(
        self,
        vocab_size: int,
        block_size: int,
        n_layer: int = 2,
        n_embd: int = 64,
        n_head: int = 4,
        dropout: float = 0.0,
        tie: bool = False,
    ) -> None:
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([Block(n_embd, n_head, dropout) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        for module in self.modules():  # GPT-2's initialisation: N(0, 0.02) weights, zero biases
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, 0.0, 0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)
        if tie:  # one matrix both reads characters in and scores them out (Press & Wolf 2017)
            self.head.weight = self.tok_emb.weight

    def forward(self, ids: minigrad.Tensor) -> minigrad.Tensor:
        """(B, T) character ids -> (B, T, vocab) logits for the character after each one."""
        length = ids.shape[1]
        positions = minigrad.arange(length, device=ids.device)
        x = self.drop(self.tok_emb(ids) + self.pos_emb(positions))
        future = minigrad.ones(length, length, dtype=minigrad.bool_, device=ids.device).triu(1)
        for block in self.blocks:
            x = block(x, future)
        return self.head(self.ln_f(x))

    def loss(self, ids: minigrad.Tensor, targets: minigrad.Tensor) -> minigrad.Tensor:
        logits = self(ids)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    @minigrad.no_grad()
    def generate(self, ids: minigrad.Tensor, count: int, temperature: float = 0.8, top_k: int = 10):
        """Append ``count`` characters, each drawn from the model's next-character distribution,
        sharpened by ``temperature`` and cut to the ``top_k`` most likely characters."""
        for _ in range(count):
            logits = self(ids[:, -self.block_size :])[:, -1] * (1.0 / temperature)
            kth = logits.topk(top_k, dim=-1).values[:, -1:]
            logits = logits.masked_fill(logits < kth, -math.inf)
            next_id = minigrad.multinomial(F.softmax(logits, -1), 1)
            ids = minigrad.cat([ids, next_id], dim=1)
        return ids


def attention_of_one_head(model: GPT, ids: minigrad.Tensor, head: int = 0) -> np.ndarray:
    """The (T, T) attention weights of one head of the first block, for one sample."""
    with minigrad.no_grad():
        length = ids.shape[1]
        x = model.tok_emb(ids) + model.pos_emb(minigrad.arange(length, device=ids.device))
        h = model.blocks[0].ln_1(x)
        future = minigrad.ones(length, length, dtype=minigrad.bool_, device=ids.device).triu(1)
        _, weights = model.blocks[0].attn(h, h, h, attn_mask=future, average_attn_weights=False)
    return weights.numpy()[0, head]


# ---- training --------------------------------------------------------------------------------
def make_optimizer(model: GPT, lr: float, steps: int) -> AdamW:
    """AdamW owning its schedule: a linear warm-up over the first tenth of the steps, from lr / 100
    to ``lr``, then a cosine down to lr / 10 (stepped by ``optimizer.step()`` itself, so a
    checkpoint of the optimizer holds the schedule's place too)."""
    warmup = max(1, steps // 10)
    schedule = SequentialLR(
        schedulers=[
            LinearLR(start_factor=0.01, total_iters=warmup),
            CosineAnnealingLR(T_max=max(1, steps - warmup), eta_min=lr / 10),
        ],
        milestones=[warmup],
    )
    # Weight decay on the matrices only: biases, LayerNorm gains and embeddings are left alone.
    decay = [p for p in model.parameters() if p.ndim == 2 and p is not model.tok_emb.weight]
    others = [p for p in model.parameters() if all(p is not q for q in decay)]
    return AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": others, "weight_decay": 0.0}],
        lr=lr,
        betas=(0.9, 0.99),
        scheduler=schedule,
    )


def train_step(
    model: GPT, optimizer: AdamW, x: minigrad.Tensor, y: minigrad.Tensor
) -> tuple[float, float]:
    """One step on one batch; returns its loss and the gradient's norm before clipping."""
    loss = model.loss(x, y)
    optimizer.zero_grad()
    loss.backward()
    # Clip the gradient's norm to 1 (GPT-2 and most transformer recipes do): one unlucky batch
    # early in training cannot throw the weights far. The norm before clipping is returned.
    norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()  # also advances the schedule
    return loss.item(), norm.item()


def main() -> None:
    args = build_parser().parse_args()
    device = common.setup(args)
    args.block_size = args.block_size or (32 if args.quick else 64)
    args.n_embd = args.n_embd or (32 if args.quick else 64)
    args.batch_size = args.batch_size or (16 if args.quick else 32)
    steps = args.steps or (40 if args.quick else 600)

    text = load_text()
    tokenizer = CharTokenizer(text)
    data = tokenizer.encode(text)
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    print(f"corpus: {len(text):,} characters, {len(tokenizer.chars)} distinct")

    model = GPT(
        len(tokenizer.chars),
        args.block_size,
        args.n_layer,
        args.n_embd,
        args.n_head,
        args.dropout,
        args.tie,
    ).to(device)
    parameter_count = sum(p.numel() for p in model.parameters())
    print(f"model: {parameter_count:,} parameters, {args.n_layer} blocks, E={args.n_embd}")

    optimizer = make_optimizer(model, args.lr, steps)

    # A fixed set of validation batches, so the curve's wiggles are the model's, not the sample's.
    val_batches = [
        random_blocks(val, args.block_size, args.batch_size, device)
        for _ in range(2 if args.quick else 4)
    ]

    def val_loss() -> float:
        model.eval()
        with minigrad.no_grad():
            total = sum(model.loss(x, y).item() for x, y in val_batches) / len(val_batches)
        model.train()
        return total

    history: dict[str, list] = {
        "step": [], "train": [], "val_step": [], "val": [], "lr": [], "grad_norm": []
    }  # fmt: skip
    every = max(1, steps // (5 if args.quick else 10))  # how often to measure validation loss
    start = time.perf_counter()
    for step in range(steps):
        x, y = random_blocks(train, args.block_size, args.batch_size, device)
        history["lr"].append(optimizer.param_groups[0]["lr"])  # the lr this step uses
        loss, norm = train_step(model, optimizer, x, y)
        history["train"].append(loss)
        history["grad_norm"].append(norm)
        history["step"].append(step)
        if step % every == 0 or step == steps - 1:
            history["val_step"].append(step)
            history["val"].append(val_loss())
            print(f"step {step:4d}  train {history['train'][-1]:.3f}  val {history['val'][-1]:.3f}")
    seconds = time.perf_counter() - start
    print(f"trained {steps} steps in {seconds:.1f} s ({1000 * seconds / steps:.0f} ms per step)")
    clipped = sum(norm > 1.0 for norm in history["grad_norm"])
    print(f"the gradient's norm was over 1, and clipped, in {clipped} of {steps} steps")
    uniform = math.log(len(tokenizer.chars))

    fig, (ax_loss, ax_lr, ax_norm) = plt.subplots(1, 3, figsize=(14, 3.5))
    ax_loss.plot(history["step"], history["train"], lw=0.8, alpha=0.6, label="training batch")
    ax_loss.plot(history["val_step"], history["val"], "o-", label="validation")
    ax_loss.axhline(
        uniform, color="gray", ls=":", label=f"uniform guess, ln {len(tokenizer.chars)}"
    )
    ax_loss.set(xlabel="step", ylabel="cross-entropy (nats per character)", title="Loss")
    ax_loss.legend()
    ax_lr.plot(history["step"], history["lr"])
    ax_lr.set(xlabel="step", ylabel="learning rate", title="Warm-up, then cosine decay")
    ax_norm.semilogy(history["step"], history["grad_norm"], lw=0.8)
    ax_norm.axhline(1.0, color="gray", ls=":", label="max_norm = 1: longer ones are scaled to 1")
    ax_norm.set(xlabel="step", ylabel="gradient norm before clipping", title="Clipping")
    ax_norm.legend()
    fig.tight_layout()
    common.save_figure(fig, args, "tiny_gpt_loss.png")

    sample_text = val[:48] if not args.quick else val[:24]
    weights = attention_of_one_head(model, minigrad.tensor(sample_text[None], device=device))
    labels = [repr(c)[1:-1] for c in tokenizer.decode(sample_text.tolist())]
    fig, ax = plt.subplots(figsize=(7, 6.5))
    ax.imshow(weights, cmap="viridis")
    ax.set_xticks(range(len(labels)), labels, fontsize=7, family="monospace")
    ax.set_yticks(range(len(labels)), labels, fontsize=7, family="monospace")
    ax.set(
        xlabel="key (the character looked at)",
        ylabel="query (the character predicting the next)",
        title="Block 1, head 1: attention weights on one validation sample",
    )
    common.save_figure(fig, args, "tiny_gpt_attention.png")

    prompt = minigrad.tensor(tokenizer.encode("The ")[None], device=device)
    generated = model.generate(prompt, 30 if args.quick else 120).numpy()[0]
    print(f"\nsampled text:\n{tokenizer.decode(generated.tolist())}\n")

    common.notice(
        f"validation loss went from {history['val'][0]:.2f} (about ln {len(tokenizer.chars)} = "
        f"{uniform:.2f}, a uniform guess) to {history['val'][-1]:.2f} nats per character",
        "the attention map is lower-triangular: the causal mask lets each character see only "
        "itself and what came before it",
        "the learning rate climbs for the first tenth of the steps (warm-up), then follows a "
        "cosine down to a tenth of its peak",
        "the sample has the documentation's shape: word-sized groups of letters, spaces, quotes "
        "and indented line breaks, and short common words spelled right; longer training and a "
        "larger model spell more of them",
    )


if __name__ == "__main__":
    main()
