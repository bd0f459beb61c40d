r"""When has a monitored metric improved? One rule for EarlyStopping and ReduceLROnPlateau.

Both watch a validation metric and act when it stops improving: ``regularizers.EarlyStopping``
stops training, ``schedulers.ReduceLROnPlateau`` lowers the learning rate. They must agree on
what "improved" means, so the rule lives here, once:

    gain     = best - metric       mode 'min' (a loss: lower is better)
               metric - best       mode 'max' (an accuracy: higher is better)
    margin   = threshold           threshold_mode 'abs'
               threshold * |best|  threshold_mode 'rel'
    improved = gain > margin

The comparison is strict: a metric that beats the best by exactly the margin has not improved
(Keras's min_delta, PyTorch's threshold). Before there is a best (``best`` is None) any finite
metric improves; a NaN or infinite metric never does.

EarlyStopping's ``min_delta`` is the 'abs' margin. PyTorch writes the 'rel' test as
metric < best * (1 - threshold) (mode 'min'), the same as this one for best >= 0; for a
negative best its bar lies above the best, so a slightly worse metric would count as an
improvement, and scaling by |best| avoids that.
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
    gain = best - metric if mode == "min" else metric - best
    margin = threshold if threshold_mode == "abs" else threshold * abs(best)
    return gain > margin
