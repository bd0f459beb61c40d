"""Data parallelism: minigrad.distributed, DistributedDataParallel and DistributedSampler.

Two parts. The single-process tests run everywhere (the ``single`` backend needs no MPI). The
tests marked ``mpi`` start ``mpiexec -n 2 python tests/distributed_worker.py`` once per group of
scenarios, with a timeout, and compare what each rank wrote; they are skipped where mpi4py or
mpiexec is missing (``pip install -e ".[dist]"`` brings both).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad
import minigrad.distributed as dist
import minigrad.nn as nn
from minigrad.autograd import run_after_backward
from minigrad.data import DataLoader, DistributedSampler
from minigrad.nn.parallel import DistributedDataParallel
from minigrad.training import evaluate, fit
from optim import SGD

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "tests" / "distributed_worker.py"


@pytest.fixture
def single():
    """A process group of one, left again afterwards whatever the test did."""
    dist.init_process_group("single")
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


# ---- the process group, one process -------------------------------------------------------------


def test_single_backend_is_rank_0_of_1_and_its_collectives_leave_tensors_as_they_are(single):
    assert dist.is_initialized() and dist.get_backend() == "single"
    assert (dist.get_rank(), dist.get_world_size()) == (0, 1)
    t = minigrad.tensor([1.0, -2.0, 3.5])
    for op in dist.ReduceOp:
        dist.all_reduce(t, op=op)
    dist.broadcast(t, src=0)
    dist.barrier()
    np.testing.assert_array_equal(t.numpy(), [1.0, -2.0, 3.5])
    gathered = [None]
    dist.all_gather_object(gathered, {"rank": 0})
    assert gathered == [{"rank": 0}]


def test_destroy_leaves_the_group_and_a_new_one_can_start(single):
    with pytest.raises(RuntimeError, match="already initialised"):
        dist.init_process_group("single")
    dist.destroy_process_group()
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match=r"get_rank: no process group; call .*init_process"):
        dist.get_rank()
    dist.init_process_group("single")  # a new group after the old one was left
    assert dist.get_world_size() == 1


def test_a_collective_bumps_the_version_so_a_graph_that_read_the_old_values_refuses(single):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with minigrad.no_grad():
        dist.all_reduce(x)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_run_after_backward_runs_once_after_the_next_backward_only():
    calls = []
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    run_after_backward(lambda: calls.append(x.grad.numpy().copy()))
    minigrad.grad((x * x).sum(), [x])  # writes no .grad: not the moment
    assert calls == []
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert len(calls) == 1
    np.testing.assert_array_equal(calls[0], [2.0, 4.0])  # it saw the finished .grad


# ---- DistributedDataParallel, one process -------------------------------------------------------


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def test_ddp_on_one_process_gives_the_gradients_of_the_module_alone(single):
    minigrad.manual_seed(0)
    alone, wrapped = mlp(), mlp()
    wrapped.load_state_dict(alone.state_dict())
    model = DistributedDataParallel(wrapped)
    x = minigrad.randn(5, 3)
    (alone(x) ** 2).sum().backward()
    (model(x) ** 2).sum().backward()
    for a, b in zip(alone.parameters(), wrapped.parameters()):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    assert list(model.state_dict()) == ["module." + name for name in alone.state_dict()]


def test_buckets_follow_reverse_parameter_order_and_the_size_cap(single):
    model = DistributedDataParallel(mlp(), bucket_cap_mb=60 / 2**20)  # 60 bytes
    # reversed: bias 2 (8 bytes), weight 4x2 (32), bias 4 (16) fit in 60; weight 3x4 (48) not
    shapes = [[tuple(p.shape) for p in bucket] for bucket in model.buckets]
    assert shapes == [[(2,), (2, 4), (4,)], [(4, 3)]]
    assert len(DistributedDataParallel(mlp()).buckets) == 1  # 25 MB by default


def test_a_parameter_with_no_gradient_anywhere_keeps_none(single):
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(2, 1), nn.Linear(2, 1)

        def forward(self, x):
            return self.used(x)

    inner = TwoHeads()
    DistributedDataParallel(inner)(minigrad.randn(3, 2)).sum().backward()
    assert inner.used.weight.grad is not None
    assert inner.unused.weight.grad is None and inner.unused.bias.grad is None


def test_ddp_forward_queues_one_average_per_backward_and_none_under_no_grad_or_no_sync(single):
    model = DistributedDataParallel(mlp())
    with minigrad.no_grad():
        model(minigrad.randn(2, 3))
    assert not model._queued
    with model.no_sync():
        model(minigrad.randn(2, 3))
    assert not model._queued
    out = model(minigrad.randn(2, 3)) + model(minigrad.randn(2, 3))  # two forwards, one backward
    assert model._queued
    out.sum().backward()
    assert not model._queued


def test_ddp_refuses_gradients_recorded_with_create_graph(single):
    model = DistributedDataParallel(mlp())
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="create_graph"):
        model(minigrad.randn(2, 3)).sum().backward(create_graph=True)


def test_evaluate_and_fit_run_on_a_ddp_model_and_fit_sets_the_samplers_epoch(single):
    X = np.random.default_rng(0).normal(size=(12, 3))
    y = X @ np.ones((3, 2))
    epochs_seen = []

    class Recording(DistributedSampler):
        def set_epoch(self, epoch):
            epochs_seen.append(epoch)
            super().set_epoch(epoch)

    model = DistributedDataParallel(mlp().double())
    loader = DataLoader((X, y), batch_size=4, sampler=Recording((X, y)))
    history = fit(
        model,
        loader,
        SGD(model.parameters(), lr=0.1),
        nn.MSELoss(),
        3,
        loader,
        progress=False,
        metrics={},
        start_epoch=1,
    )
    assert epochs_seen == [1, 2]
    assert len(history["val_loss"]) == 2
    assert evaluate(model, loader, nn.MSELoss(), metrics={})["loss"] == pytest.approx(
        evaluate(model.module, loader, nn.MSELoss(), metrics={})["loss"]
    )


# ---- DistributedSampler (num_replicas and rank given: no process group needed) -----------------


def shares(n: int, replicas: int, **options) -> list[list[int]]:
    return [
        list(DistributedSampler(range(n), replicas, rank, **options)) for rank in range(replicas)
    ]


def test_sampler_pads_with_the_first_indices_as_pytorch_does():
    assert shares(10, 3, shuffle=False) == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    assert shares(10, 3, shuffle=False, drop_last=True) == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    assert shares(2, 4, shuffle=False) == [[0], [1], [0], [1]]  # padding longer than the data


@pytest.mark.parametrize("n, replicas", [(37, 2), (10, 3), (5, 5), (3, 4), (64, 8)])
def test_sampler_shares_are_equal_disjoint_but_for_padding_and_cover_the_data(n, replicas):
    for epoch in range(2):
        found = []
        for rank in range(replicas):
            sampler = DistributedSampler(range(n), replicas, rank, seed=1)
            sampler.set_epoch(epoch)
            found.append(list(sampler))
        assert {len(share) for share in found} == {-(-n // replicas)}
        every = [i for share in found for i in share]
        assert set(every) == set(range(n))
        assert len(every) - len(set(every)) == len(every) - n  # only the padding repeats


def test_sampler_order_changes_with_set_epoch_and_repeats_with_the_seed():
    sampler = DistributedSampler(range(50), 2, 0, seed=4)
    first = list(sampler)
    assert list(sampler) == first  # the same epoch: the same order
    sampler.set_epoch(1)
    assert list(sampler) != first
    again = DistributedSampler(range(50), 2, 0, seed=4)
    again.set_epoch(1)
    assert list(again) == list(sampler)
    assert list(DistributedSampler(range(50), 2, 0, seed=5)) != first


def test_sampler_counts_a_tuple_of_arrays_by_rows_and_drives_a_dataloader():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    sampler = DistributedSampler((X, y), num_replicas=3, rank=1, shuffle=False)
    loader = DataLoader((X, y), batch_size=3, sampler=sampler)
    assert len(sampler) == 4 and len(loader) == 2
    assert [int(i) for _, yb in loader for i in yb.numpy()] == [1, 4, 7, 0]


def test_sampler_defaults_to_the_process_groups_rank_and_size(single):
    sampler = DistributedSampler(range(5))
    assert (sampler.num_replicas, sampler.rank, len(sampler)) == (1, 0, 5)


# ---- two ranks under mpiexec ------------------------------------------------------------------


def find_mpiexec() -> str | None:
    beside_python = Path(sys.executable).parent / "mpiexec"  # pip's mpich puts it in the venv
    return str(beside_python) if beside_python.exists() else shutil.which("mpiexec")


MPIEXEC = find_mpiexec()
mpi = pytest.mark.skipif(
    not dist.is_available() or MPIEXEC is None,
    reason='needs mpi4py and mpiexec: pip install -e ".[dist]"',
)


def mpiexec_2(*command: str, timeout: float = 120) -> str:
    """Run ``command`` on 2 ranks and return its output; kill every process if it hangs."""
    environment = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "examples")]),
        MPLBACKEND="Agg",
        OMP_NUM_THREADS="1",  # two ranks on a small machine: one BLAS thread each
        OPENBLAS_NUM_THREADS="1",
    )
    process = subprocess.Popen(
        [MPIEXEC, "-n", "2", sys.executable, *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # mpiexec and both ranks: they share a session
        output, _ = process.communicate()
        pytest.fail(f"mpiexec -n 2 {' '.join(command)} hung for {timeout} s:\n{output[-3000:]}")
    assert process.returncode == 0, output[-3000:]
    return output


def launch(out: Path, device: str, *scenarios: str) -> None:
    """The worker's scenarios on 2 ranks, each rank writing its results into ``out``."""
    mpiexec_2(str(WORKER), str(out), device, *scenarios)


def ranks(out: Path, scenario: str) -> list[dict[str, np.ndarray]]:
    return [dict(np.load(out / f"{scenario}_rank{rank}.npz")) for rank in range(2)]


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory, device):
    """One mpiexec launch for every scenario but the resumed run (each launch costs seconds)."""
    if not dist.is_available() or MPIEXEC is None:
        pytest.skip('needs mpi4py and mpiexec: pip install -e ".[dist]"')
    out = tmp_path_factory.mktemp("two_ranks")
    scenarios = ["gradients", "steps", "sampler", "early_stopping", "errors", "resume_before"]
    launch(out, device, *scenarios)
    return out


@mpi
def test_two_ranks_of_16_samples_give_the_gradient_of_one_process_of_32(two_ranks, device):
    rank0, rank1 = ranks(two_ranks, "gradients")
    assert str(rank0["device"]) == device  # on the stand-in GPU, collectives go through the host
    assert rank0["batches"] == 1 and list(rank0["buckets"]) == [3, 1]  # a bucket of 3, then 1
    for i in range(4):
        np.testing.assert_array_equal(rank0[f"grad{i}"], rank1[f"grad{i}"])
        np.testing.assert_allclose(rank0[f"grad{i}"], rank0[f"reference{i}"], rtol=0, atol=1e-12)


@mpi
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_parameters_after_steps_are_identical_on_every_rank_and_match_one_process(
    two_ranks, optimizer
):
    rank0, rank1 = ranks(two_ranks, "steps")
    for i in range(4):
        name = f"{optimizer}{i}"
        np.testing.assert_array_equal(rank0[name], rank1[name])
        reference = rank0[f"{optimizer}_reference{i}"]
        np.testing.assert_allclose(rank0[name], reference, rtol=0, atol=1e-12)


@mpi
def test_sampler_shares_across_ranks_are_disjoint_cover_and_change_with_the_epoch(two_ranks):
    rank0, rank1 = ranks(two_ranks, "sampler")
    for epoch in ("epoch0", "epoch1"):
        assert len(rank0[epoch]) == len(rank1[epoch]) == 19  # 37 samples, padded to 38
        together = np.concatenate([rank0[epoch], rank1[epoch]])
        assert set(together.tolist()) == set(range(37))  # cover; 38 slots, so one repeat
    assert not np.array_equal(rank0["epoch0"], rank0["epoch1"])


@mpi
def test_early_stopping_stops_every_rank_at_the_same_epoch(two_ranks):
    rank0, rank1 = ranks(two_ranks, "early_stopping")
    # Each rank's own validation shard would have stopped it at a different epoch...
    assert int(rank0["local_stop"]) != int(rank1["local_stop"])
    # ...but fit all-reduces the validation loss, so both see one number and stop together.
    np.testing.assert_array_equal(rank0["val_loss"], rank1["val_loss"])
    assert int(rank0["stopped_epoch"]) == int(rank1["stopped_epoch"]) >= 0


@mpi
def test_mismatched_tensors_or_models_raise_on_every_rank(two_ranks):
    for found in ranks(two_ranks, "errors"):
        reduce_error, broadcast_error, model_error = found["messages"]
        assert "all_reduce: the tensors differ across ranks" in reduce_error
        assert "broadcast: the tensors differ across ranks" in broadcast_error
        assert "DistributedDataParallel: the model differs between ranks" in model_error


@mpi
def test_a_rank_0_checkpoint_resumes_a_two_rank_run_bit_for_bit(two_ranks, device):
    launch(two_ranks, device, "resume_after")  # new processes, from the interrupted run's file
    uninterrupted, resumed = ranks(two_ranks, "uninterrupted"), ranks(two_ranks, "resumed")
    for rank in range(2):
        assert uninterrupted[rank].keys() == resumed[rank].keys()
        for name, value in uninterrupted[rank].items():
            np.testing.assert_array_equal(resumed[rank][name], value, err_msg=f"rank {rank} {name}")
    # The ranks' own state really differs, so restoring rank 0's everywhere would have failed:
    differs = [
        k for k in uninterrupted[0] if not np.array_equal(uninterrupted[0][k], uninterrupted[1][k])
    ]
    assert "1.running_mean" in differs and "rng" in differs
    assert "4.weight" not in differs


@mpi
@pytest.mark.slow
@pytest.mark.host_only("the example's own --device flag chooses; one run is enough")
def test_the_example_trains_on_two_ranks_and_resumes_from_its_checkpoint(tmp_path):
    script, checkpoint = str(ROOT / "examples" / "train_distributed.py"), str(tmp_path / "run.npz")
    common = ["--quick", "--out", str(tmp_path), "--save", checkpoint]
    first = mpiexec_2(script, *common, "--stop-after", "1")
    assert "rank 1: 629 training samples per epoch" in first
    assert "stopping after epoch 1" in first
    second = mpiexec_2(script, *common, "--resume", checkpoint)
    assert "resumed" in second and "epoch 2: loss" in second
    assert "parameters identical on every rank: True" in second
    assert (tmp_path / "train_distributed.png").is_file()
