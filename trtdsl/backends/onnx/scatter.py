"""ONNX export of IScatterLayer: ONNX ScatterElements (ELEMENT mode, with the axis) and ScatterND (ND mode,
its indices widened to int64, the only type it takes). Both wrap negative indices once, as the reference
reads TensorRT; writes to one element twice are undefined in ONNX as in TensorRT (onnxruntime, like the
reference, keeps the last)."""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.scatter import Scatter, ScatterMode


@exports(Scatter)
def _scatter(ctx: NodeContext, op: Scatter) -> str:
    data, indices, updates = ctx.input(0), ctx.input(1), ctx.input(2)
    if op.mode is ScatterMode.ELEMENT:
        return ctx.emit("ScatterElements", [data, indices, updates], axis=op.axis)
    if ctx.input_type(1).dtype is not dtypes.int64:
        indices = ctx.cast(indices, dtypes.int64)
    return ctx.emit("ScatterND", [data, indices, updates])
