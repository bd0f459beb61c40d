"""Draw the computation graph behind a tensor: as Graphviz DOT text, or as a PNG.

Every result of a recorded op points to the Function that made it (``tensor._ctx``), and that
Function points to its inputs (``fn.inputs``). Following those links backwards from a tensor
visits the whole graph that ``backward()`` will walk. This module collects that graph once
(:func:`graph`, with an explicit stack, so a deep graph cannot overflow Python's recursion
limit) and then writes it out two ways:

* :func:`to_dot` gives Graphviz DOT text: tensors are rounded boxes (shape, dtype, whether they
  require grad; blue when they do), ops are grey boxes named after their Function class.
* :func:`render` writes a PNG: with Graphviz's ``dot`` program when it is installed, and
  otherwise with a plain matplotlib drawing of the same graph (inputs on the left, the output on
  the right), so the lesson works on any machine.

::

    x = minigrad.tensor(2.0, requires_grad=True)
    y = (x * x + x).sum()
    print(minigrad.viz.to_dot(y, names={"x": x, "y": y}))
    minigrad.viz.render(y, "graph.png", names={"x": x, "y": y}, show_values=True)

Draw the graph *before* calling ``backward()``: backward frees it (the ops drop their inputs),
and a freed op is drawn without its inputs, marked "freed".
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .tensor import Tensor

__all__ = ["graph", "to_dot", "render"]

_GRAD_COLOR = "#cfe2ff"  # tensors that require grad
_CONST_COLOR = "#ffffff"  # tensors that do not (data, constants)
_OP_COLOR = "#e6e6e6"


@dataclass
class Node:
    """One box of the drawing: a tensor or an op."""

    key: str  # unique within one graph: "t0", "t1", ... for tensors, "op0", ... for ops
    kind: str  # "tensor" or "op"
    label: str  # the text in the box, lines separated by "\n"
    requires_grad: bool = False
    is_output: bool = False


def _describe(tensor: Tensor, name: str | None, show_values: bool) -> str:
    shape = "scalar" if tensor.ndim == 0 else "x".join(str(n) for n in tensor.shape)
    lines = [name] if name else []
    lines.append(f"{shape} {tensor.dtype}")
    lines.append("requires grad" if tensor.requires_grad else "no grad")
    if show_values and tensor.numel() <= 4:  # .numpy() copies to the host: fine for a few numbers
        lines.append("value " + _format(tensor))
        if tensor.grad is not None:
            lines.append("grad " + _format(tensor.grad))
    return "\n".join(lines)


def _format(tensor: Tensor) -> str:
    values = tensor.numpy().ravel().tolist()
    text = ", ".join(f"{v:.4g}" for v in values)
    return text if len(values) == 1 else f"[{text}]"


def graph(
    tensor: Tensor, names: Mapping[str, Tensor] | None = None, show_values: bool = False
) -> tuple[list[Node], list[tuple[str, str]]]:
    """The graph that produced ``tensor``: its nodes and its edges ``(from_key, to_key)``.

    Edges run in the direction of the forward computation: input tensor -> op -> output tensor.
    An input used twice (``x * x``) gives two edges. ``names`` labels tensors
    (``{"x": x}``); ``show_values`` adds the value (and ``.grad``) of tensors of up to 4 elements.
    """
    labels = {id(t): name for name, t in (names or {}).items()}
    keys: dict[int, str] = {}  # id(tensor or Function) -> its key, numbered in order of discovery

    def key_of(thing: Any, prefix: str) -> str:
        return keys.setdefault(id(thing), f"{prefix}{len(keys)}")

    nodes: dict[str, Node] = {}
    edges: list[tuple[str, str]] = []
    stack = [tensor]  # an explicit stack, not recursion: any depth works
    while stack:
        t = stack.pop()
        key = key_of(t, "t")
        if key in nodes:
            continue  # reached again through another path
        label = _describe(t, labels.get(id(t)), show_values)
        nodes[key] = Node(key, "tensor", label, t.requires_grad, is_output=t is tensor)
        fn = t._ctx
        if fn is None:
            continue  # a leaf: made by the user, not by an op
        op_key = key_of(fn, "op")
        freed = fn.inputs is None  # backward() already ran and dropped the inputs
        nodes[op_key] = Node(op_key, "op", type(fn).__name__ + ("\n(freed)" if freed else ""))
        edges.append((op_key, key))
        for parent in fn.inputs or ():
            edges.append((key_of(parent, "t"), op_key))
            stack.append(parent)
    return list(nodes.values()), edges


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


def to_dot(
    tensor: Tensor, names: Mapping[str, Tensor] | None = None, show_values: bool = False
) -> str:
    """The graph of ``tensor`` as Graphviz DOT text (see :func:`graph` for the arguments)."""
    nodes, edges = graph(tensor, names, show_values)
    lines = [
        "digraph minigrad {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10];',
    ]
    for node in nodes:
        if node.kind == "op":
            style = f'shape=box, style=filled, fillcolor="{_OP_COLOR}"'
        else:
            color = _GRAD_COLOR if node.requires_grad else _CONST_COLOR
            style = f'shape=box, style="rounded,filled", fillcolor="{color}"'
            if node.is_output:
                style += ", penwidth=2"
        lines.append(f"  {node.key} [{style}, label={_quote(node.label)}];")
    lines += [f"  {a} -> {b};" for a, b in edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(
    tensor: Tensor,
    path: str | Path,
    names: Mapping[str, Tensor] | None = None,
    show_values: bool = False,
    engine: str = "auto",
) -> str:
    """Write the graph of ``tensor`` to the PNG file ``path``; return the engine used.

    ``engine``: ``"dot"`` (Graphviz must be installed), ``"matplotlib"``, or ``"auto"`` (dot
    when the ``dot`` program is on the PATH, else matplotlib).
    """
    if engine not in ("auto", "dot", "matplotlib"):
        raise ValueError(f"engine must be 'auto', 'dot' or 'matplotlib', got {engine!r}")
    dot_program = shutil.which("dot")
    if engine == "dot" and dot_program is None:
        raise RuntimeError("render(engine='dot'): the Graphviz 'dot' program is not installed")
    if engine == "matplotlib" or dot_program is None:
        _draw_with_matplotlib(*graph(tensor, names, show_values), Path(path))
        return "matplotlib"
    source = to_dot(tensor, names, show_values)
    subprocess.run(
        [dot_program, "-Tpng", "-Gdpi=90", "-o", str(path)],
        input=source.encode("utf-8"),
        check=True,
    )
    return "dot"


def _columns(nodes: list[Node], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Each node's column: the length of the longest path reaching it from an input.

    Kahn's algorithm: a node is placed once every node feeding it has been placed. Inputs are
    then moved right, next to the first op that uses them, so their arrows stay short.
    """
    feeds: dict[str, list[str]] = {node.key: [] for node in nodes}
    waiting = {node.key: 0 for node in nodes}
    for a, b in edges:
        feeds[a].append(b)
        waiting[b] += 1
    column = {key: 0 for key in waiting}
    ready = [key for key, count in waiting.items() if count == 0]
    while ready:
        key = ready.pop()
        for after in feeds[key]:
            column[after] = max(column[after], column[key] + 1)
            waiting[after] -= 1
            if waiting[after] == 0:
                ready.append(after)
    for key, users in feeds.items():
        if users and all(b != key for _, b in edges):  # an input: nothing feeds it
            column[key] = min(column[user] for user in users) - 1
    return column


def _draw_with_matplotlib(nodes: list[Node], edges: list[tuple[str, str]], path: Path) -> None:
    """The same drawing as Graphviz would make, laid out in columns, inputs on the left."""
    # A Figure with its own Agg canvas, not pyplot: no window, and the user's backend and
    # current figure are left alone.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    column = _columns(nodes, edges)
    by_column: dict[int, list[Node]] = {}
    for node in reversed(nodes):  # reversed: the walk found the output first
        by_column.setdefault(column[node.key], []).append(node)
    width = max(by_column) + 1
    height = max(len(column_nodes) for column_nodes in by_column.values())
    dpi = 90
    fig = Figure(figsize=(1.4 + 1.5 * width, 0.6 + 0.95 * height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    boxes: dict[str, Any] = {}
    for x, column_nodes in by_column.items():
        for row, node in enumerate(column_nodes):
            y = (len(column_nodes) - 1) / 2 - row  # centred vertically
            if node.kind == "op":
                box: dict[str, Any] = dict(
                    boxstyle="square,pad=0.4", facecolor=_OP_COLOR, edgecolor="0.3"
                )
            else:
                color = _GRAD_COLOR if node.requires_grad else _CONST_COLOR
                line = 2.0 if node.is_output else 1.0
                box = dict(boxstyle="round,pad=0.4", facecolor=color, edgecolor="0.2", lw=line)
            text = ax.text(
                x, y, node.label, ha="center", va="center", fontsize=8, bbox=box, zorder=3
            )
            boxes[node.key] = text
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-height / 2, height / 2 + 0.6)  # room above for arcs
    ax.axis("off")
    fig.canvas.draw()  # lay the boxes out first, so the arrows can start and stop at their edges
    to_data = ax.transData.inverted()
    extent = {
        key: to_data.transform(box.get_bbox_patch().get_window_extent())
        for key, box in boxes.items()
    }  # [[x0, y0], [x1, y1]] of each box, in data coordinates
    for a, b in edges:  # from the right edge of a to the left edge of b (columns go left->right)
        (_, a_y0), (a_x1, a_y1) = extent[a]
        (b_x0, b_y0), (_, b_y1) = extent[b]
        # An arrow that skips columns arcs over the boxes in between instead of hiding behind them.
        # The longer the arrow, the gentler the bend needed to clear the boxes' height.
        span = column[b] - column[a]
        bend = 0.0 if span == 1 else -min(0.6, 1.35 / span)
        ax.annotate(
            "",
            xy=(b_x0, (b_y0 + b_y1) / 2),
            xytext=(a_x1, (a_y0 + a_y1) / 2),
            arrowprops=dict(
                arrowstyle="-|>",
                color="0.35",
                shrinkA=0,
                shrinkB=0,
                connectionstyle=f"arc3,rad={bend}",
            ),
            zorder=1,
        )
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
