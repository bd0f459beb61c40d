"""The suite's one device switch: ``pytest --device=cpu|fakegpu|cuda``.

Every test runs with minigrad's default device set to the chosen one (``set_default_device``), so
the tensors, layers and batches it makes without naming a device land there: ``--device=fakegpu``
runs the suite on the stand-in GPU of ``fake_device.py`` (CPU CI does), ``--device=cuda`` on a
real one (``scripts/gpu-check`` does). Tests that exercise the host itself are marked
``host_only`` and skipped on other devices; tests that want the device's name take the ``device``
fixture.
"""

import os
import sys

import pytest

# Tests import the packages from this checkout even when it is not installed.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import minigrad  # noqa: E402

DEVICES = ("cpu", "fakegpu", "cuda")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--device",
        default="cpu",
        choices=DEVICES,
        help="the device every device-generic test runs on (default: cpu)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "host_only(reason): tests the host itself; skipped when --device is not cpu"
    )
    name = config.getoption("--device")
    if name == "fakegpu":
        import fake_device  # noqa: F401  (registers the stand-in device)
    elif name == "cuda" and not minigrad.cuda.is_available():
        raise pytest.UsageError("--device=cuda: CuPy or a CUDA GPU is missing on this machine")


@pytest.fixture(scope="session")
def device(request: pytest.FixtureRequest) -> str:
    """The name of the device the suite runs on (``--device``)."""
    return request.config.getoption("--device")


@pytest.fixture(autouse=True)
def _on_the_chosen_device(request: pytest.FixtureRequest, device: str):
    marker = request.node.get_closest_marker("host_only")
    if marker is not None and device != "cpu":
        pytest.skip(f"host only: {marker.args[0] if marker.args else 'tests the CPU itself'}")
    minigrad.set_default_device(device)
    try:
        yield
    finally:
        minigrad.set_default_device(None)
