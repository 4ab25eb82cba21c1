"""TensorRT lowering of Scatter: ``add_scatter(data, indices, updates, mode)``, and the axis in ELEMENT
mode (TensorRT ignores it in ND mode, so it is neither set nor read there)."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.scatter import Scatter, ScatterMode


def _lower_scatter(ctx: LowerContext, node: Node, op: Scatter) -> None:
    layer = ctx.add(
        node,
        "add_scatter",
        ctx.input(node, 0),
        ctx.input(node, 1),
        ctx.input(node, 2),
        ctx.api.enum("ScatterMode", op.mode),
    )
    if op.mode is ScatterMode.ELEMENT:
        layer.axis = op.axis


def _raise_scatter(ctx: RaiseContext, layer: Any) -> Raised:
    mode = ctx.api.from_enum(ScatterMode, layer.mode, layer.name)
    axis = int(layer.axis) if mode is ScatterMode.ELEMENT else 0
    return Raised(Scatter(mode, axis), ctx.inputs(layer))


register(Scatter, "SCATTER", _lower_scatter, _raise_scatter)
