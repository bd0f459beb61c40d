"""The framework's random numbers: one generator, seeded by ``manual_seed``.

Initialisation, dropout masks and DataLoader shuffling all draw from ``generator()``, so one
seed makes a run reproducible and ``get_rng_state``/``set_rng_state`` can checkpoint it.
Initial weights and shuffles are drawn on the host (once, or once per epoch). Dropout needs a
fresh mask at every step, so ``random_bits`` makes it where the tensor lives: one 64-bit key is
drawn from the host generator and every element's bits are a hash of (key, element index), a
counter-based generator like the Philox streams of GPU frameworks. Nothing is copied to the
device, the mask is the same on the CPU and the GPU, and the host generator's state alone still
resumes a run exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Made on first use: importing numpy.random is about a quarter of `import minigrad`'s own time,
# and a script that never draws a random number need not pay it (docs/performance.md).
_generator: np.random.Generator | None = None


def manual_seed(seed: int) -> None:
    """Seed every random source minigrad uses."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative int, got {seed!r}")
    _generator = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    """The generator every random draw in minigrad uses."""
    global _generator
    if _generator is None:
        _generator = np.random.default_rng()
    return _generator


def get_rng_state() -> dict[str, Any]:
    """The generator's state as plain data (a dict of ints and strings), for checkpoints."""
    return dict(generator().bit_generator.state)


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state from ``get_rng_state``: the following draws repeat exactly."""
    if not isinstance(state, dict) or "bit_generator" not in state:
        raise ValueError("set_rng_state: expected the dict that get_rng_state() returned")
    fresh = np.random.default_rng()
    if state["bit_generator"] != type(fresh.bit_generator).__name__:
        raise ValueError(f"set_rng_state: unknown generator {state['bit_generator']!r}")
    try:
        fresh.bit_generator.state = state
    except (KeyError, TypeError, ValueError) as error:  # NumPy's words would be a bare 'state'
        raise ValueError(
            f"set_rng_state: the state is incomplete or damaged ({type(error).__name__}: "
            f"{error}); pass the dict that get_rng_state() returned"
        ) from None
    global _generator
    _generator = fresh


# splitmix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
# a Weyl sequence step, then a finaliser that mixes every input bit into every output bit.
_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def random_bits(xp: Any, shape: tuple[int, ...]) -> Any:
    """64 uniformly random bits per element, computed by the array module ``xp`` on its device.

    z = key + (i + 1) * gamma, for element i; then z ^= z >> 30; z *= m1; z ^= z >> 27; z *= m2;
    z ^= z >> 31. The key is one draw from ``generator()``, so the bits follow the seed.
    """
    key = np.uint64(generator().integers(0, 2**64, dtype=np.uint64))
    count = int(np.prod(shape, dtype=np.int64))
    z = (xp.arange(1, count + 1, dtype=np.uint64) * _GOLDEN_GAMMA + key).reshape(shape)
    z ^= z >> np.uint64(30)
    z *= _MIX_1
    z ^= z >> np.uint64(27)
    z *= _MIX_2
    z ^= z >> np.uint64(31)
    return z
