"""TensorRT lowering of RaggedSoftMax: ``add_ragged_softmax(x, bounds)``, both inputs in the IR and in
TensorRT; the layer has no parameters."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.ragged_softmax import RaggedSoftMax


def _lower_ragged_softmax(ctx: LowerContext, node: Node, op: RaggedSoftMax) -> None:
    ctx.add(node, "add_ragged_softmax", ctx.input(node, 0), ctx.input(node, 1))


def _raise_ragged_softmax(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(RaggedSoftMax(), ctx.inputs(layer))


register(RaggedSoftMax, "RAGGED_SOFTMAX", _lower_ragged_softmax, _raise_ragged_softmax)
