"""The textual IR: ``print(network)``.

One line per layer, in creation order::

    %relu_0 : f32[batch,3] = Activation[RELU](%add_0)        # model.py:12

Inputs and outputs are listed first and last; constants show their values when small. Loops and
conditionals are indented blocks (``loop loop_0 { ... }``, ``if if_0 { ... then { ... } else { ... } }``)
holding the layers that are inside them by TensorRT's data-flow rule, in an order where every value is
shown before it is used (except a recurrence's next value, the loop's back edge).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from trtdsl.ir.types import Weights

from trtdsl.ir.node import Node
from trtdsl.ir.region import Region

if TYPE_CHECKING:
    from trtdsl.ir.network import Network
    from trtdsl.ir.structure import Frame, Structure

_COMMENT_COLUMN = 72


def format_value(value: object) -> str:
    """A parameter as the textual IR shows it: weights by type and values, enums by name, tuples compact,
    text as it is unless it could be misread (empty, spaces at an end, a comma, ``=`` or parentheses, which
    separate parameters) or holds a newline or another unprintable character (then as Python writes it, so
    that one layer stays one line).

    >>> format_value((1, 2)), format_value((3,)), format_value(0.5), format_value("a\\nb")
    ('(1,2)', '(3,)', '0.5', "'a\\\\nb'")
    >>> format_value("no limit"), format_value(""), format_value("a, b=1")
    ('no limit', "''", "'a, b=1'")
    """
    if isinstance(value, Weights):
        return repr(value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, tuple):
        return "(" + ",".join(format_value(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, float) or isinstance(value, str) and _misread(value):
        return repr(value)
    return str(value)


def _misread(text: str) -> bool:
    """Whether ``text`` as it is would read as something else in a layer's line."""
    return not text.isprintable() or not text or text != text.strip() or any(c in text for c in ",=()")


def format_node(node: Node, *, locations: bool = True, indent: str = "") -> str:
    """One layer's line: ``%out : type = Label(%inputs, params)``, with ``# file:line`` if ``locations``."""
    outs = ", ".join(f"%{t.name} : {t.type}" for t in node.outputs)
    args = [("%" + t.name) if t is not None else "None" for t in node.inputs]
    args += [f"{k}={format_value(v)}" for k, v in node.op.attributes().items()]
    call = f"{node.op.label()}({', '.join(args)})"
    line = f"{indent}{outs} = {call}" if node.outputs else f"{indent}{call}"
    if locations and node.location is not None:
        line = f"{line.ljust(_COMMENT_COLUMN)}  # {node.location.short}"
    if node.user_named and len(node.outputs) != 1:
        line += f"  [layer {node.name}]"
    return line


def format_network(network: Network, *, locations: bool = True) -> str:
    """The whole textual IR (``print(network)``): inputs, layers (regions as indented blocks), outputs."""
    lines = [f'network "{network.name}" {{']
    for name, t in network.inputs.items():
        lines.append(f"  input %{name} : {t.type}")
    structure = displayed_structure(network)
    if structure is None:
        for node in network.nodes:
            lines.append(format_node(node, locations=locations, indent="  "))
    else:
        _format_block(structure, None, "  ", lines, locations)
    for name, t in network.outputs.items():
        lines.append(f"  output %{name} : {t.type}")
    lines.append("}")
    return "\n".join(lines)


def displayed_structure(network: Network) -> Structure | None:
    """The network's regions as the textual IR and the pictures show them, or None to show it flat (no
    regions, or regions TensorRT would reject: the layers are then shown as they are, and the error says
    what is wrong)."""
    if not network.regions:
        return None
    from trtdsl.errors import RegionError
    from trtdsl.ir.structure import analyze

    try:
        return analyze(network)
    except RegionError:
        return None


def _format_block(structure: Structure, frame: Frame, indent: str, lines: list[str], locations: bool) -> None:
    for item in structure.ordered(frame):
        if isinstance(item, Region):
            _format_region(structure, item, indent, lines, locations)
        else:
            lines.append(format_node(item, locations=locations, indent=indent))


def _format_region(structure: Structure, region: Region, indent: str, lines: list[str],
                   locations: bool) -> None:
    """A region as a block: ``loop loop_0 { ... }`` or ``if if_0 { ... then { } else { } ... }``, its
    boundary layers first (trip limits, condition and inputs) and last (outputs)."""
    inner = indent + "  "
    lines.append(f"{indent}{'loop' if region.is_loop else 'if'} {region.name} {{")
    own = structure.ordered((region, None))
    first = ("TripLimit", "Condition", "ConditionalInput")
    last = ("LoopOutput", "ConditionalOutput")
    for item in own:
        if isinstance(item, Node) and item.op.kind in first:
            lines.append(format_node(item, locations=locations, indent=inner))
    for item in own:
        if isinstance(item, Region):
            _format_region(structure, item, inner, lines, locations)
        elif item.op.kind not in first + last:
            lines.append(format_node(item, locations=locations, indent=inner))
    if not region.is_loop:
        for which in (True, False):
            lines.append(f"{inner}{'then' if which else 'else'} {{")
            _format_block(structure, (region, which), inner + "  ", lines, locations)
            lines.append(f"{inner}}}")
    for item in own:
        if isinstance(item, Node) and item.op.kind in last:
            lines.append(format_node(item, locations=locations, indent=inner))
    lines.append(f"{indent}}}")
