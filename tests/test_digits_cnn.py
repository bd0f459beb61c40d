"""The done-when of the nn issue: a small CNN learns the bundled digits in a few epochs
(8 here, about 0.3 s)."""

import optim
from minigrad import manual_seed, nn
from minigrad.data import DataLoader, load_digits, train_val_test_split
from minigrad.nn import functional as F
from minigrad.training import fit


def test_small_cnn_reaches_90_percent_validation_accuracy_on_the_digits():
    manual_seed(0)
    images, labels = load_digits(as_images=True)
    train, val, _ = train_val_test_split(images, labels, seed=0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 4 * 4, 10),
    )  # fmt: skip
    optimizer = optim.Adam(model.parameters(), lr=0.003)
    history = fit(
        model,
        DataLoader(train, batch_size=32, shuffle=True),
        optimizer,
        F.cross_entropy,
        epochs=8,
        val_loader=DataLoader(val, batch_size=256),
        progress=False,
    )
    assert history["val_accuracy"][-1] > 0.90, history["val_accuracy"]
    assert history["train_loss"][-1] < history["train_loss"][0]
