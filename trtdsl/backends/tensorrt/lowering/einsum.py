"""TensorRT lowering of Einsum: ``add_einsum(inputs, equation)`` with the equation as the IR holds it."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.einsum import Einsum


def _lower_einsum(ctx: LowerContext, node: Node, op: Einsum) -> None:
    ctx.add(node, "add_einsum", [ctx.input(node, i) for i in range(len(node.inputs))], op.equation)


def _raise_einsum(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(Einsum(str(layer.equation)), ctx.inputs(layer))


register(Einsum, "EINSUM", _lower_einsum, _raise_einsum)
