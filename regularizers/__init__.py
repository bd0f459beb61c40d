"""Regularizers: ways to close the gap between training and generalisation error.

* Penalty terms (:mod:`regularizers.penalties`): ``L1`` (Lasso), ``L2`` (Ridge) and their mix,
  ``ElasticNet``. Add one to the loss, or hand it to an optimizer (``SGD(..., penalty=...)``),
  which applies the L1 part as a proximal step so that weights reach exactly zero.
* ``EarlyStopping`` (:mod:`regularizers.early_stopping`): stop when the validation metric stops
  improving, and go back to the best epoch's weights.

The guide chapter is ``docs/regularization.md``. This package uses only minigrad's public API;
it imports neither ``optim`` nor ``schedulers`` (an optimizer uses a penalty through its methods).
"""

from .early_stopping import EarlyStopping
from .penalties import L1, L2, ElasticNet

__all__ = ["L1", "L2", "ElasticNet", "EarlyStopping"]
