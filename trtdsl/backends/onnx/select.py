"""ONNX export of ISelectLayer (ONNX Where) and IShapeLayer (ONNX Shape, int64 as in TensorRT)."""

from __future__ import annotations

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.select import Select
from trtdsl.layers.shape import Shape


@exports(Select)
def _select(ctx: NodeContext, op: Select) -> str:
    return ctx.emit("Where", [ctx.input(0), ctx.input(1), ctx.input(2)])


@exports(Shape)
def _shape(ctx: NodeContext, op: Shape) -> str:
    return ctx.emit("Shape", [ctx.input(0)])
