"""The benchmark runs end to end (``--quick``) and minigrad computes what the NumPy floor computes.

Timing is never asserted: CI machines are too noisy for that. The benchmark itself exits non-zero
when minigrad's losses differ from the floor's by more than 1e-5.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # runs the benchmark itself, twice

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "benchmarks", "bench.py")

# The ratio lines, e.g. "MLP step (ms)   2.4   2.9   1.23x [1.17, 1.25]".
RATIO = r"\d+\.\d+x \[\d+\.\d+, \d+\.\d+\]"
RATIO_LINES = {
    "MLP step": rf"^MLP step .*{RATIO}",
    "MLP 784-1024-512-10, batch 512": rf"^MLP 784-1024-512-10, batch 512 .*{RATIO}",
    "MLP 784-1024-512-10, batch 32": rf"^MLP 784-1024-512-10, batch 32 .*{RATIO}",
    "CNN step": rf"^CNN step .*{RATIO}",
    "CNN step, batch 256": rf"^CNN step, batch 256 .*{RATIO}",
    "LSTM step": rf"^LSTM step .*{RATIO}",
    "tiny-GPT step": rf"^tiny-GPT step .*{RATIO}",
    "per-op": rf"^per-op .*{RATIO}",
    "chain scaling": rf"^chain scaling .*{RATIO}",
}


@pytest.mark.slow
def test_quick_benchmark_runs_and_prints_every_ratio_for_each_malloc_setting(tmp_path):
    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, BENCH, "--quick", "--json", str(results)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sections = done.stdout.split("== malloc: ")[1:]
    assert [section.split()[0] for section in sections] == ["default", "tuned"]
    for section in sections:
        for name, pattern in RATIO_LINES.items():
            assert re.search(pattern, section, re.MULTILINE), f"no {name} ratio line in:\n{section}"
        assert "check, minigrad vs floor: agree" in section
        if importlib.util.find_spec("torch") is not None:
            for name in (RATIO_LINES.keys() - {"chain scaling"}) | {"chain of"}:
                torch_column = rf"^{name} .*{RATIO} +\d+\.\d+x$"
                assert re.search(torch_column, section, re.MULTILINE), section
            assert "check, torch vs floor: agree" in section
    # PyTorch, when installed, runs in a process of its own, never beside minigrad (issue 15)
    for setting in json.loads(results.read_text())["malloc"].values():
        assert setting["torch_imported_here"] is False
