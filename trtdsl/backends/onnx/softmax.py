"""ONNX export of ISoftMaxLayer: ONNX Softmax along the layer's one axis (opset 13's definition,
``exp(x - max) / sum(exp(x - max))`` along that axis only)."""

from __future__ import annotations

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.softmax import SoftMax


@exports(SoftMax)
def _softmax(ctx: NodeContext, op: SoftMax) -> str:
    return ctx.compute("Softmax", [ctx.input(0)], ctx.input_type(0).dtype, axis=op.axis)
