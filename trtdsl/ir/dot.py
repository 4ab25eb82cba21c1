"""A picture of a network: Graphviz DOT text, rendered to SVG/PNG when Graphviz's ``dot`` exists.

>>> import trtdsl as td
>>> net = td.Network("tiny")
>>> x = net.input("x", td.float32, (2,))
>>> net.output("y", td.relu(x))
>>> print(to_dot(net))  # doctest: +ELLIPSIS
digraph "tiny" {
  rankdir=TB;
...
  "in:x" -> "n0" [label="f32[2]"];
...
}

A loop is a cluster holding its boundary layers and its body; the recurrence's next value is a dashed
back edge:

>>> import numpy as np
>>> net = td.Network("acc")
>>> xs = net.input("xs", td.float32, (3,))
>>> total, _ = td.scan(lambda c, x: (c + x, None), np.float32(0), xs)
>>> net.output("total", total)
>>> print(to_dot(net))  # doctest: +ELLIPSIS
digraph "acc" {
...
  subgraph "cluster_r0" {
    label="loop loop_0";
    style="rounded,filled"; fillcolor="#f4f0fa";
    "n2" [label="TripLimit[COUNT]\\ntrip_limit_0", fillcolor="#fff2b3"];
    "n3" [label="Recurrence\\nrecurrence_0\\nf32[]", fillcolor="#fff2b3"];
    "n4" [label="Iterator\\niterator_0\\nf32[]", fillcolor="#fff2b3"];
    "n5" [label="ElementWise[SUM]\\nsum_0\\nf32[]"];
    "n6" [label="LoopOutput[LAST_VALUE]\\nloop_output_0\\nf32[]", fillcolor="#fff2b3"];
  }
...
  "n5" -> "n3" [label="next: f32[]", style=dashed, constraint=false, color="#7b52ab"];
...
}
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

from trtdsl._files import atomic_write
from trtdsl.errors import BackendError, bad_argument
from trtdsl.ir.network import Network, expect_network
from trtdsl.ir.node import Node
from trtdsl.ir.printer import displayed_structure
from trtdsl.ir.region import Region
from trtdsl.ir.structure import BOUNDARY_KINDS, Frame, Structure
from trtdsl.ir.tensor import Tensor


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'


def to_dot(network: Network) -> str:
    """The network as a Graphviz digraph: inputs and outputs as ellipses, layers as boxes labelled with
    their kind, name and output types, edges labelled with the tensor types. Each loop and conditional
    is a labelled cluster holding its boundary layers (trip limits and condition included) and its
    layers, nested as the regions are; a conditional's branches are clusters inside it. A recurrence's
    next value is a dashed back edge, and a conditional output's two inputs are labelled ``then`` and
    ``else``. A network whose regions TensorRT would reject is drawn flat, as the textual IR prints it."""
    expect_network("to_dot", network)
    lines = [f"digraph {_quote(network.name)} {{", "  rankdir=TB;",
             '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    ids = {node: f"n{i}" for i, node in enumerate(network.nodes)}
    for name in network.inputs:
        lines.append(f'  {_quote("in:" + name)} [label={_quote(name)}, shape=ellipse, fillcolor="#d9f2d9"];')
    structure = displayed_structure(network)
    if structure is None:
        lines += [_node_line(node, ids, "  ") for node in network.nodes]
    else:
        _block(structure, None, ids, "  ", lines)
    for node in network.nodes:
        lines += [_edge_line(node, k, t, ids) for k, t in enumerate(node.inputs) if t is not None]
    for name, t in network.outputs.items():
        lines.append(f'  {_quote("out:" + name)} [label={_quote(name)}, shape=ellipse, fillcolor="#fde2c8"];')
        lines.append(f"  {_quote(_source(t, ids))} -> {_quote('out:' + name)} [label={_quote(str(t.type))}];")
    lines.append("}")
    return "\n".join(lines)


# Colours of the clusters and of the boundary layers, which make the regions TensorRT sees.
_LOOP_FILL, _IF_FILL, _BRANCH_FILL, _BOUNDARY_FILL = "#f4f0fa", "#fbf5e6", "#ffffff", "#fff2b3"


def _source(t: Tensor, ids: dict[Node, str]) -> str:
    return ids[t.producer] if t.producer is not None else "in:" + t.name


def _node_line(node: Node, ids: dict[Node, str], indent: str) -> str:
    """A layer's box: kind and parameters, name, and the types of its outputs (one line each; \\n is
    DOT's line break)."""
    label = "\\n".join(_escape(text) for text in
                        [node.op.label(), node.name, *(str(t.type) for t in node.outputs)])
    fill = f", fillcolor={_quote(_BOUNDARY_FILL)}" if node.op.kind in BOUNDARY_KINDS else ""
    return f'{indent}{_quote(ids[node])} [label="{label}"{fill}];'


def _edge_line(node: Node, k: int, t: Tensor, ids: dict[Node, str]) -> str:
    label, style = str(t.type), ""
    if node.op.kind == "Recurrence" and k == 1:  # the back edge: drawn upward, not ranking the layers
        label, style = f"next: {label}", ", style=dashed, constraint=false, color=\"#7b52ab\""
    elif node.op.kind == "ConditionalOutput":
        label = f"{'then' if k == 0 else 'else'}: {label}"
    return f"  {_quote(_source(t, ids))} -> {_quote(ids[node])} [label={_quote(label)}{style}];"


def _block(structure: Structure, frame: Frame, ids: dict[Node, str], indent: str, lines: list[str]) -> None:
    for item in structure.ordered(frame):
        if isinstance(item, Region):
            _cluster(structure, item, ids, indent, lines)
        else:
            lines.append(_node_line(item, ids, indent))


def _cluster(structure: Structure, region: Region, ids: dict[Node, str], indent: str,
             lines: list[str]) -> None:
    """A region as a cluster (``cluster_r<index>``): its own layers, and a conditional's branches as
    clusters ``cluster_r<index>_then``/``_else`` inside it."""
    kind, fill = ("loop", _LOOP_FILL) if region.is_loop else ("if", _IF_FILL)
    lines += [f"{indent}subgraph {_quote(f'cluster_r{region.index}')} {{",
              f"{indent}  label={_quote(f'{kind} {region.name}')};",
              f'{indent}  style="rounded,filled"; fillcolor={_quote(fill)};']
    _block(structure, (region, None), ids, indent + "  ", lines)
    if not region.is_loop:
        for which in (True, False):
            branch = "then" if which else "else"
            lines += [f"{indent}  subgraph {_quote(f'cluster_r{region.index}_{branch}')} {{",
                      f"{indent}    label={_quote(branch)}; style=\"rounded,filled\"; "
                      f"fillcolor={_quote(_BRANCH_FILL)};"]
            _block(structure, (region, which), ids, indent + "    ", lines)
            lines.append(f"{indent}  }}")
    lines.append(f"{indent}}}")


def render(network: Network, fmt: str) -> bytes:
    """The picture in Graphviz output format ``fmt`` (``"svg"``, ``"png"`` or ``"pdf"``); a BackendError
    with the install command where Graphviz's ``dot`` is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        raise BackendError(
            f"draw: a .{fmt} picture needs Graphviz's 'dot' program, which is not installed (install it "
            "with 'apt-get install graphviz', 'brew install graphviz' or 'conda install graphviz'); "
            "write a .dot file instead, or print the network for its textual IR"
        )
    rendered = subprocess.run([exe, f"-T{fmt}"], input=to_dot(network).encode(), capture_output=True,
                              check=False)
    if rendered.returncode != 0:
        raise BackendError(f"draw: Graphviz's dot failed on network {network.name!r}: "
                           f"{rendered.stderr.decode(errors='replace').strip()}")
    return rendered.stdout


def draw(network: Network, path: str | os.PathLike[str]) -> pathlib.Path:
    """Write the picture to ``path``: ``.dot`` writes the DOT text; ``.svg``/``.png``/``.pdf`` run
    Graphviz's ``dot`` (a BackendError says so if it is not installed). The file is written atomically
    (see :mod:`trtdsl._files`)."""
    expect_network("draw", network)
    if not isinstance(path, (str, os.PathLike)):
        raise bad_argument("draw", "path", path, "a .dot, .svg, .png or .pdf file path")
    target = pathlib.Path(path)
    if target.suffix == ".dot":
        return atomic_write(target, (to_dot(network) + "\n").encode(), fn="draw")
    fmt = target.suffix.lstrip(".")
    if fmt not in ("svg", "png", "pdf"):
        raise BackendError(f"draw: argument 'path' is {str(path)!r}; expected a .dot, .svg, .png or .pdf "
                           "file")
    return atomic_write(target, render(network, fmt), fn="draw")
