"""The textual IR: ``print(network)``.

One line per layer, in creation order::

    %relu_0 : f32[batch,3] = Activation[RELU](%add_0)        # model.py:12

Inputs and outputs are listed first and last; constants show their values when small.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from trtdsl.ir.types import Weights

if TYPE_CHECKING:
    from trtdsl.ir.network import Network
    from trtdsl.ir.node import Node

_COMMENT_COLUMN = 72


def format_value(value: object) -> str:
    if isinstance(value, Weights):
        return repr(value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, tuple):
        return "(" + ",".join(format_value(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def format_node(node: Node, *, locations: bool = True, indent: str = "") -> str:
    outs = ", ".join(f"%{t.name} : {t.type}" for t in node.outputs)
    args = [("%" + t.name) if t is not None else "None" for t in node.inputs]
    args += [f"{k}={format_value(v)}" for k, v in node.op.attributes().items()]
    line = f"{indent}{outs} = {node.op.label()}({', '.join(args)})"
    if locations and node.location is not None:
        line = f"{line.ljust(_COMMENT_COLUMN)}  # {node.location.short}"
    if node.user_named and len(node.outputs) != 1:
        line += f"  [layer {node.name}]"
    return line


def format_network(network: Network, *, locations: bool = True) -> str:
    lines = [f'network "{network.name}" {{']
    for name, t in network.inputs.items():
        lines.append(f"  input %{name} : {t.type}")
    for node in network.nodes:
        lines.append(format_node(node, locations=locations, indent="  "))
    for name, t in network.outputs.items():
        lines.append(f"  output %{name} : {t.type}")
    lines.append("}")
    return "\n".join(lines)
