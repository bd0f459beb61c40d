"""What every example shares: the same four flags, the device check, saving a figure, and a
few helpers for ticks and wording.

    --device cpu|cuda   where tensors live (cuda needs CuPy and an NVIDIA GPU; docs/gpu.md)
    --out DIR           where figures go (default runs/, which git ignores)
    --quick             a few seconds instead of up to a minute (what the smoke test runs)
    --seed N            one seed for minigrad (init, dropout, shuffling) and the example's data

Nothing here is needed to understand an example: it only keeps the scripts free of plumbing.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

# Examples are run as scripts (`python examples/x.py`); make the checkout importable even when
# minigrad is not installed, the way tests/conftest.py does.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # the examples write PNG files; they never open a window

import minigrad  # noqa: E402

FIGURE_DPI = 80  # small files that still read well in the guide


def parser(description: str) -> argparse.ArgumentParser:
    """An ArgumentParser with the shared flags; add the example's own flags to it.

    Every flag needs a help text; write its default into it with ``%(default)s`` where it has one
    (a default that depends on other flags is spelled out instead, so none is shown twice).
    """
    p = argparse.ArgumentParser(description=description.strip().splitlines()[0])
    p.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        default="cpu",
        help="where to compute (default: %(default)s)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("runs"),
        help="folder for the figures (default: %(default)s)",
    )
    p.add_argument("--quick", action="store_true", help="a few-second version for smoke tests")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    return p


def setup(args: argparse.Namespace) -> minigrad.Device:
    """Check the device (a clear message and exit 1 if it is unusable), seed, create --out."""
    try:
        device = minigrad.get_device(args.device)
    except (RuntimeError, ValueError) as error:
        sys.exit(f"error: {error}")  # e.g. "device 'cuda' needs CuPy, which is not installed..."
    minigrad.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    return device


def save_figure(fig: Any, args: argparse.Namespace, name: str) -> Path:
    """Save ``fig`` as ``<out>/<name>``, close it, and say where it went."""
    import matplotlib.pyplot as plt

    path = args.out / name
    fig.savefig(path, dpi=FIGURE_DPI, bbox_inches="tight")
    plt.close(fig)
    shrink_png(path)
    print(f"saved {path}")
    return path


def shrink_png(path: Path) -> None:
    """Store a PNG with a 64-colour palette: plots use a handful of colours, so this takes a
    third of the size with no visible difference (the guide commits these files)."""
    from PIL import Image  # Pillow comes with matplotlib

    with Image.open(path) as image:
        palette = image.convert("RGB").quantize(
            colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    palette.save(path, optimize=True)


def integer_epoch_ticks(*axes: Any) -> None:
    """Tick the x axes (epochs) at whole numbers only: a short run would show 0.25, 0.5, ..."""
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def plural(count: int, noun: str) -> str:
    """'1 seed', '3 seeds'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def tied_best(scores: dict[str, float]) -> list[str]:
    """The names with the highest score; more than one when several share it (a tie)."""
    top = max(scores.values())
    # Means of the same accuracies summed in another order may differ in the last bit.
    return [name for name, score in scores.items() if math.isclose(score, top, abs_tol=1e-9)]


def join_names(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class Timed:
    """Wrap a callable and add up the seconds spent in it (``.seconds``), e.g. a transform, to
    say what share of an epoch it takes."""

    def __init__(self, function: Any) -> None:
        self.function, self.seconds = function, 0.0

    def __call__(self, *args: Any) -> Any:
        start = time.perf_counter()
        result = self.function(*args)
        self.seconds += time.perf_counter() - start
        return result


def notice(*points: str) -> None:
    """Print the lesson: what the learner should notice in the output and the figures."""
    print("\nWhat to notice:")
    for point in points:
        print(f"  - {point}")
