r"""When has a monitored metric improved? EarlyStopping's rule.

``regularizers.EarlyStopping`` watches a validation metric and stops training when it stops
improving. ``schedulers.ReduceLROnPlateau`` keeps PyTorch's own test instead (its 'abs' mode is
this one; its 'rel' mode multiplies by best itself, see below), so that its lrs are PyTorch's:

    margin   = threshold           threshold_mode 'abs'
               threshold * |best|  threshold_mode 'rel'
    improved = metric < best - margin    mode 'min' (a loss: lower is better)
               metric > best + margin    mode 'max' (an accuracy: higher is better)

The comparison is strict: a metric that beats the best by exactly the margin has not improved
(Keras's min_delta, PyTorch's threshold). Before there is a best (``best`` is None) any finite
metric improves; a NaN or infinite metric never does.

EarlyStopping's ``min_delta`` is the 'abs' margin. PyTorch writes the 'rel' test as
metric < best * (1 - threshold) (mode 'min'), the same as this one for best >= 0; for a
negative best its bar lies above the best, so a slightly worse metric counts as an
improvement there, and scaling by |best| here avoids that.
"""

from __future__ import annotations

import math

__all__ = ["is_improvement", "MODES", "THRESHOLD_MODES"]

MODES = ("min", "max")
THRESHOLD_MODES = ("rel", "abs")


def is_improvement(
    metric: float,
    best: float | None,
    *,
    mode: str,
    threshold: float,
    threshold_mode: str = "abs",
) -> bool:
    """Whether ``metric`` beats ``best`` by more than the margin (see the module docstring)."""
    if not math.isfinite(metric):
        return False
    if best is None:
        return True
    margin = threshold if threshold_mode == "abs" else threshold * abs(best)
    # Compared as PyTorch's ReduceLROnPlateau does ('abs'), metric < best - margin rather than
    # best - metric > margin: the two round differently, and then 1.01 would beat 1.02 by more
    # than 0.01 here and not there.
    return metric < best - margin if mode == "min" else metric > best + margin
