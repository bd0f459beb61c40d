"""The framework's random numbers: one generator, seeded by ``manual_seed``.

Initialisation, dropout masks and DataLoader shuffling all draw from ``generator()``, so one
seed makes a run reproducible and ``get_rng_state``/``set_rng_state`` can checkpoint it. Random
numbers are drawn on the host and moved to the tensor's device, so a seed gives the same values
on the CPU and on the GPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed every random source minigrad uses."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed!r}")
    _generator = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    """The generator every random draw in minigrad uses."""
    return _generator


def get_rng_state() -> dict[str, Any]:
    """The generator's state as plain data (a dict of ints and strings), for checkpoints."""
    return _generator.bit_generator.state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state from ``get_rng_state``: the following draws repeat exactly."""
    if not isinstance(state, dict) or "bit_generator" not in state:
        raise ValueError("set_rng_state: expected the dict that get_rng_state() returned")
    fresh = np.random.default_rng()
    if state["bit_generator"] != type(fresh.bit_generator).__name__:
        raise ValueError(f"set_rng_state: unknown generator {state['bit_generator']!r}")
    fresh.bit_generator.state = state
    global _generator
    _generator = fresh
