"""Reverse-mode autodiff by hand on one tiny graph, checked against minigrad's .grad.

A neuron with a skip connection, loss against a target of 1:

    m = w * x          x = 0.5 is data (no grad); w and b are parameters
    z = m + b
    h = tanh(z)
    o = h + z          z is used twice: its gradient has two parts that must be added
    d = o - 1
    L = d ** 2

The script prints the forward values, the order in which backward visits the ops (the engine's
own topological order), and each op's local gradient as the chain rule applies it, with plain
Python floats. Then it calls ``L.backward()`` and checks every number against minigrad. The
graph is drawn with ``minigrad.viz`` (runs/autograd_graph.png, and the DOT text beside it).
docs/engine.md walks another small graph the same way, with pointers into the engine's code.

    python examples/autograd_from_scratch.py
"""

from __future__ import annotations

import math

import common

import minigrad
import minigrad.viz
from minigrad.autograd import topological_order  # the engine's own order, to study


def main() -> None:
    args = common.parser(__doc__).parse_args()
    device = common.setup(args)

    def leaf(value: float, grad: bool) -> minigrad.Tensor:
        return minigrad.tensor(value, dtype=minigrad.float64, device=device, requires_grad=grad)

    # ---- forward: every value, as minigrad computes it while recording the graph -------------
    x, w, b = leaf(0.5, False), leaf(-1.5, True), leaf(2.0, True)
    m = w * x
    z = m + b
    h = z.tanh()
    o = h + z
    d = o - 1
    L = d**2
    names = dict(x=x, w=w, b=b, m=m, z=z, h=h, o=o, d=d, L=L)
    value = {name: t.item() for name, t in names.items()}
    print("1. Forward pass")
    for name in ("m", "z", "h", "o", "d", "L"):
        print(f"   {name} = {value[name]:+.6f}")

    # ---- the order backward will use --------------------------------------------------------
    name_of = {id(t): name for name, t in names.items()}
    made_by = {id(t._ctx): name for name, t in names.items() if t._ctx is not None}  # op -> output
    order = topological_order(L._ctx)
    print("\n2. Backward order (each op after every op that uses its output):")
    print("   " + " -> ".join(f"{type(fn).__name__}({made_by[id(fn)]})" for fn in order))

    # ---- the chain rule by hand, one op at a time, in that order -----------------------------
    # For each op: its output's name, and the local rule giving (input name, contribution).
    v = value
    local_rules = {
        "L": lambda g: [("d", 2 * v["d"] * g)],  # L = d**2     dL/dd = 2d
        "d": lambda g: [("o", g)],  # d = o - 1    dd/do = 1
        "o": lambda g: [("h", g), ("z", g)],  # o = h + z   both get g
        "h": lambda g: [("z", (1 - v["h"] ** 2) * g)],  # h = tanh z   dh/dz = 1 - h**2
        "z": lambda g: [("m", g), ("b", g)],  # z = m + b
        "m": lambda g: [("w", v["x"] * g)],  # m = w * x    dm/dw = x (x needs no grad)
    }
    grad = {"L": 1.0}  # dL/dL = 1 starts it
    print("\n3. Local gradients, applied in that order (g = dL/d(output), complete by now):")
    for fn in order:
        out = made_by[id(fn)]
        g = grad[out]
        for name, contribution in local_rules[out](g):
            grad[name] = grad.get(name, 0.0) + contribution  # add: a tensor may have many uses
            print(f"   {type(fn).__name__:>9}({out}): dL/d{name} += {contribution:+.6f}")

    # ---- the same numbers from minigrad -------------------------------------------------------
    intermediates = [m, z, h, o, d]
    engine_grads = minigrad.grad(L, intermediates, retain_graph=True)
    L.backward(retain_graph=True)  # fills w.grad and b.grad; keep the graph to draw it
    print("\n4. Checked against minigrad:")
    checks = {"w": w.grad.item(), "b": b.grad.item()}
    checks.update({name_of[id(t)]: g.item() for t, g in zip(intermediates, engine_grads)})
    for name, engine in checks.items():
        ok = math.isclose(grad[name], engine, rel_tol=1e-12, abs_tol=1e-15)
        print(
            f"   dL/d{name}: by hand {grad[name]:+.10f}   minigrad {engine:+.10f}   "
            f"{'ok' if ok else 'MISMATCH'}"
        )
        assert ok, name

    dot_path = args.out / "autograd_graph.dot"
    dot_path.write_text(minigrad.viz.to_dot(L, names=names, show_values=True))
    png = args.out / "autograd_graph.png"
    engine = minigrad.viz.render(L, png, names=names, show_values=True)
    common.shrink_png(png)
    print(f"saved {png} (drawn with {engine}) and {dot_path}")

    common.notice(
        "Backward visits Pow, Sub, the second Add, Tanh, the first Add, Mul: the reverse of the "
        "forward order, so each tensor's gradient is complete before it is passed on.",
        f"z is used twice (by tanh and by o = h + z), so dL/dz is a sum of two parts: "
        f"{grad['o']:+.4f} straight through the Add, plus {(1 - v['h'] ** 2) * grad['h']:+.4f} "
        "through tanh. Forgetting to add is the classic bug; the engine adds as it goes.",
        "Each op needs only its own derivative (the local rule) and the gradient arriving from "
        "above; the chain rule is nothing more than multiplying these along every path.",
        "x is data (no grad): no gradient flows into it, and the white box in the drawing says "
        "so. The constant 1 of d = o - 1 and the exponent 2 are not differentiated either.",
    )


if __name__ == "__main__":
    main()
