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
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

from trtdsl._files import atomic_write
from trtdsl.errors import BackendError, bad_argument
from trtdsl.ir.network import Network, expect_network


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'


def to_dot(network: Network) -> str:
    """The network as a Graphviz digraph: inputs and outputs as ellipses, layers as boxes, edges labelled
    with the tensor types."""
    expect_network("to_dot", network)
    lines = [f"digraph {_quote(network.name)} {{", "  rankdir=TB;",
             '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    ids = {}
    for name in network.inputs:
        lines.append(f'  {_quote("in:" + name)} [label={_quote(name)}, shape=ellipse, fillcolor="#d9f2d9"];')
    for i, node in enumerate(network.nodes):
        ids[node] = f"n{i}"
        label = f'"{_escape(node.op.label())}\\n{_escape(node.name)}"'  # \n is DOT's line break
        lines.append(f"  {_quote(ids[node])} [label={label}];")
    for node in network.nodes:
        for t in node.inputs:
            if t is None:
                continue
            src = ids[t.producer] if t.producer is not None else "in:" + t.name
            lines.append(f"  {_quote(src)} -> {_quote(ids[node])} [label={_quote(str(t.type))}];")
    for name, t in network.outputs.items():
        lines.append(f'  {_quote("out:" + name)} [label={_quote(name)}, shape=ellipse, fillcolor="#fde2c8"];')
        src = ids[t.producer] if t.producer is not None else "in:" + t.name
        lines.append(f"  {_quote(src)} -> {_quote('out:' + name)} [label={_quote(str(t.type))}];")
    lines.append("}")
    return "\n".join(lines)


def draw(network: Network, path: str | pathlib.Path) -> pathlib.Path:
    """Write the picture to ``path``: ``.dot`` writes the DOT text; ``.svg``/``.png``/``.pdf`` run
    Graphviz's ``dot`` (a BackendError says so if it is not installed). The file is written atomically
    (see :mod:`trtdsl._files`)."""
    expect_network("draw", network)
    if not isinstance(path, (str, os.PathLike)):
        raise bad_argument("draw", "path", path, "a .dot, .svg, .png or .pdf file path")
    target = pathlib.Path(path)
    text = to_dot(network)
    if target.suffix == ".dot":
        return atomic_write(target, (text + "\n").encode(), fn="draw")
    fmt = target.suffix.lstrip(".")
    if fmt not in ("svg", "png", "pdf"):
        raise BackendError(f"draw: argument 'path' is {str(path)!r}; expected a .dot, .svg, .png or .pdf "
                           "file")
    exe = shutil.which("dot")
    if exe is None:
        raise BackendError(
            f"draw: rendering {target.name} needs Graphviz's 'dot' program, which is not installed "
            "(e.g. apt-get install graphviz); write a .dot file instead"
        )
    rendered = subprocess.run([exe, f"-T{fmt}"], input=text.encode(), capture_output=True, check=False)
    if rendered.returncode != 0:
        raise BackendError(f"draw: Graphviz's dot failed on network {network.name!r}: "
                           f"{rendered.stderr.decode(errors='replace').strip()}")
    return atomic_write(target, rendered.stdout, fn="draw")
