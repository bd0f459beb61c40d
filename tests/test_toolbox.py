"""The training toolbox together: RMSprop / Adagrad, the new schedulers and gradient clipping in
one training loop, stopped, saved with minigrad.save and resumed bit for bit.

Each run has dropout and a shuffling DataLoader (so the random state must be saved too), clips
its gradients at every step, and steps its scheduler as a user would: ReduceLROnPlateau once per
epoch with the validation loss, the closed-form ones by the optimizer that owns them.
"""

import numpy as np
import pytest

import minigrad as mg
import optim
import schedulers
from minigrad import nn
from minigrad.data import DataLoader
from minigrad.nn import functional as F
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_

EPOCHS, STOP_AFTER = 5, 2


def _data():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 5)).astype(np.float32)
    y = (x[:, 0] - x[:, 2] > 0).astype(np.int64)
    return x, y


SETUPS = {
    # name: (optimizer, scheduler handed to it or None, scheduler stepped with the metric or None)
    "RMSprop+plateau": lambda params: (
        optim.RMSprop(params, lr=0.01, momentum=0.5, centered=True),
        None,
        lambda opt: schedulers.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.5),
    ),
    "Adagrad+multistep": lambda params: (
        optim.Adagrad(
            params, lr=0.1, lr_decay=0.01, scheduler=schedulers.MultiStepLR(milestones=[6, 12])
        ),
        "owned",
        None,
    ),
    "RMSprop+lambda": lambda params: (
        optim.RMSprop(params, lr=0.01, scheduler=schedulers.LambdaLR(lr_lambda=lambda t: 0.9**t)),
        "owned",
        None,
    ),
}


def _build(name):
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    optimizer, _, make_plateau = SETUPS[name](model.parameters())
    plateau = make_plateau(optimizer) if make_plateau else None
    loader = DataLoader(_data(), batch_size=8, shuffle=True)
    return model, optimizer, plateau, loader


def _train_epoch(model, optimizer, plateau, loader):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        clip_grad_norm_(model.parameters(), max_norm=0.5)
        clip_grad_value_(model.parameters(), 0.2)
        optimizer.step()
    with mg.no_grad():
        model.eval()
        x, y = _data()
        val_loss = F.cross_entropy(model(mg.tensor(x)), mg.tensor(y))
    if plateau is not None:
        plateau.step(val_loss)


@pytest.mark.parametrize("name", SETUPS)
def test_a_run_with_the_toolbox_resumes_bitwise(tmp_path, name):
    mg.manual_seed(7)
    straight = _build(name)
    lrs = []
    for _ in range(EPOCHS):
        _train_epoch(*straight)
        lrs.append(straight[1].param_groups[0]["lr"])
    assert len(set(lrs)) > 1  # the schedule really moved the lr in this run

    mg.manual_seed(7)
    first = _build(name)
    for _ in range(STOP_AFTER):
        _train_epoch(*first)
    model, optimizer, plateau, _ = first
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "plateau": plateau.state_dict() if plateau else {},
        "rng": mg.get_rng_state(),
    }
    mg.save(checkpoint, tmp_path / "checkpoint.npz")
    del first, model, optimizer, plateau
    mg.manual_seed(123)  # whatever happens in between must not matter

    resumed = _build(name)
    state = mg.load(tmp_path / "checkpoint.npz")
    resumed[0].load_state_dict(state["model"])
    resumed[1].load_state_dict(state["optimizer"])
    if resumed[2] is not None:
        resumed[2].load_state_dict(state["plateau"])
    mg.set_rng_state(state["rng"])
    for _ in range(STOP_AFTER, EPOCHS):
        _train_epoch(*resumed)

    for (key, a), (_, b) in zip(
        straight[0].state_dict().items(), resumed[0].state_dict().items(), strict=True
    ):
        assert np.array_equal(a, b), f"parameter {key} differs after resume"
    assert resumed[1].param_groups[0]["lr"] == straight[1].param_groups[0]["lr"]
