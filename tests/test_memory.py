"""No graph outlives its training step, and ``no_grad`` builds no graph at all.

The engine promises no reference cycles (a Function holds its output only by weak reference), so
plain reference counting frees a step's graph the moment the step's last tensor goes away. These
tests run with the cycle collector switched off (``gc.disable()``), so anything that relied on it
would pile up. ``Function.apply`` is wrapped to keep a weak reference to every op's output and to
every Function linked into a graph; every one of them must be dead when the step returns.
"""

import gc
import time
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd import Function
from minigrad.nn import functional as F
from minigrad.training import evaluate
from optim import Adam

STEPS = 500


class GraphRecorder:
    """What ``Function.apply`` made since the last ``clear()``, held by weak references only."""

    def __init__(self) -> None:
        self.calls = 0
        self.outputs: list[weakref.ref] = []  # every tensor an op returned
        self.functions: list[weakref.ref] = []  # every Function linked into a graph

    def clear(self) -> None:
        self.calls = 0
        self.outputs.clear()
        self.functions.clear()

    def alive(self) -> list:
        return [r() for r in self.outputs + self.functions if r() is not None]


@pytest.fixture
def recorder(monkeypatch):
    recorder = GraphRecorder()
    apply = Function.apply.__func__

    def recording_apply(cls, *inputs, **params):
        out = apply(cls, *inputs, **params)
        if not isinstance(out, mg.Tensor):
            return out  # a backward computing on raw arrays: no tensor, no graph
        recorder.calls += 1
        recorder.outputs.append(weakref.ref(out))
        if out._ctx is not None:
            recorder.functions.append(weakref.ref(out._ctx))
        return out

    monkeypatch.setattr(Function, "apply", classmethod(recording_apply))
    return recorder


@pytest.fixture
def without_cycle_collector():
    """Run with the cycle collector off (and on again afterwards, whatever happens)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def live(kind):
    """How many objects of ``kind`` exist right now (found through the garbage collector's list)."""
    return sum(isinstance(o, kind) for o in gc.get_objects())


def make_problem(seed=0):
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.normal(size=(32, 4)).astype(np.float32))
    y = mg.tensor(rng.integers(0, 3, size=32))
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
    return model, Adam(model.parameters(), lr=1e-2), x, y


def train_step(model, optimizer, x, y, recorder, check_graph=False):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    root = weakref.ref(loss._ctx)
    if check_graph:  # the tracking sees a real graph: it is alive while the loss is
        assert recorder.functions and all(r() is not None for r in recorder.functions)
    loss.backward()
    optimizer.step()
    value = loss.item()
    del loss
    assert root() is None, "the loss's graph outlived the step"
    return value


def test_500_training_steps_with_gc_disabled_leave_no_graph_behind(
    recorder, without_cycle_collector
):
    model, optimizer, x, y = make_problem()
    functions_before, tensors_before = live(Function), live(mg.Tensor)
    start = time.perf_counter()
    losses = []
    for step in range(STEPS):
        recorder.clear()
        losses.append(train_step(model, optimizer, x, y, recorder, check_graph=step == 0))
        assert recorder.calls > 0 and recorder.functions
        leftovers = recorder.alive()
        assert not leftovers, (
            f"step {step}: {len(leftovers)} graph objects survived, e.g. {leftovers[0]!r}"
        )
    elapsed = time.perf_counter() - start

    assert losses[-1] < losses[0]  # it did train
    optimizer.zero_grad()
    assert live(Function) == functions_before
    assert live(mg.Tensor) == tensors_before  # the parameters and the data, nothing more
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the cycle collector finds goes to gc.garbage
    try:
        gc.collect()
        cyclic = [o for o in gc.garbage if isinstance(o, (Function, mg.Tensor))]
        gc.garbage.clear()
    finally:
        gc.set_debug(0)
    assert not cyclic, f"{len(cyclic)} graph objects were only reclaimable by the cycle collector"
    assert elapsed < 10, f"{STEPS} steps took {elapsed:.1f} s"


def test_backward_frees_the_graph_though_the_loss_lives_on(recorder, without_cycle_collector):
    model, _, x, y = make_problem()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    # Kept for logging, the loss holds its own Function; everything behind it is already freed.
    assert [id(o) for o in recorder.alive()] == [id(loss), id(loss._ctx)]
    del loss
    assert not recorder.alive()


def test_retain_graph_keeps_the_graph_only_while_the_loss_lives(recorder, without_cycle_collector):
    model, _, x, y = make_problem()
    loss = F.cross_entropy(model(x), y)
    loss.backward(retain_graph=True)
    assert all(r() is not None for r in recorder.functions)  # kept for a second backward
    del loss  # ...but only as long as the loss
    assert not recorder.alive()


def test_evaluation_under_no_grad_records_no_graph(recorder, without_cycle_collector):
    model, optimizer, x, y = make_problem()
    train_step(model, optimizer, x, y, recorder)  # parameters that require grad, Adam state
    model.eval()
    functions_before = live(Function)
    recorder.clear()

    with mg.no_grad():
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        probabilities = mg.softmax(logits, axis=1)
        accuracy = (logits.argmax(axis=1) == y).astype(np.float32).mean()

    assert recorder.calls > 0  # the ops ran...
    assert recorder.functions == []  # ...and none was linked into a graph
    intermediates = [r() for r in recorder.outputs if r() is not None]
    assert intermediates and all(t._ctx is None and not t.requires_grad for t in intermediates)
    del intermediates
    assert live(Function) == functions_before  # no Function kept, though the outputs live on
    del logits, loss, probabilities, accuracy
    assert not recorder.alive()


def test_training_evaluate_runs_under_no_grad(recorder, without_cycle_collector):
    model, _, x, y = make_problem()
    loader = mg.data.DataLoader((x.numpy(), y.numpy()), batch_size=8)
    results = evaluate(model, loader, F.cross_entropy)
    assert np.isfinite(results["loss"])
    assert recorder.calls > 0 and recorder.functions == []
    assert all(p.grad is None for p in model.parameters())


def test_a_loss_kept_after_backward_holds_none_of_its_ops_saved_arrays():
    logits = mg.tensor(np.random.default_rng(0).standard_normal((256, 10)), requires_grad=True)
    loss = mg.nn.functional.cross_entropy(logits, mg.tensor(np.zeros(256, np.int64)))
    assert loss._ctx.probabilities.shape == (256, 10)  # saved by forward for backward
    loss.backward()
    assert vars(loss._ctx) == {"inputs": None}  # freed with the graph, though the loss is kept


def test_backward_with_create_graph_warns_about_the_reference_cycle_it_makes():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="reference cycle"):
        (x * x * x).sum().backward(create_graph=True)
    x.grad = None


@pytest.mark.parametrize("sequential", [False, True])
def test_an_optimizer_owning_its_scheduler_is_freed_without_the_cycle_collector(sequential):
    from optim import SGD
    from schedulers import CosineAnnealingLR, SequentialLR, StepLR

    gc.disable()
    try:
        model = nn.Linear(3, 2)
        if sequential:
            scheduler = SequentialLR(
                schedulers=[StepLR(step_size=2), CosineAnnealingLR(T_max=4)], milestones=[3]
            )
        else:
            scheduler = CosineAnnealingLR(T_max=10)
        optimizer = SGD(model.parameters(), lr=0.1, scheduler=scheduler)
        optimizer.step()
        watched = [weakref.ref(obj) for obj in (model, optimizer, scheduler)]
        del model, optimizer, scheduler
        assert [ref() for ref in watched] == [None, None, None], "kept alive by a cycle"
    finally:
        gc.enable()
