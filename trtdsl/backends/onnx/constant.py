"""ONNX export of IConstantLayer: an initializer with the tensor's name, or a Constant node when the
tensor is a network output (graph outputs must be produced by nodes)."""

from __future__ import annotations

from onnx import numpy_helper

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.constant import Constant


@exports(Constant)
def _constant(ctx: NodeContext, op: Constant) -> str:
    weights = op.weights
    if ctx.is_network_output():
        return ctx.emit("Constant", [], value=numpy_helper.from_array(weights.array))
    return ctx.const(weights.array, weights.dtype, name=ctx.node.outputs[0].name)
