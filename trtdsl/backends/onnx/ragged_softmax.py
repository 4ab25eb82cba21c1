"""ONNX export of IRaggedSoftMaxLayer, a faithful decomposition: ``inside = Range(0, S) < bounds``;
``Softmax(Where(inside, x, -inf))`` along the last axis, then ``Where(inside, ., 0)`` (a zero bound gives
a row of NaN from Softmax, which the second Where turns into zeros, as the reference does). 16-bit floats
are computed in float32."""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.ragged_softmax import RaggedSoftMax


@exports(RaggedSoftMax)
def _ragged_softmax(ctx: NodeContext, op: RaggedSoftMax) -> str:
    steps = ctx.dim(0, 2)
    positions = ctx.emit("Range", [ctx.const(0, dtypes.int64), steps, ctx.const(1, dtypes.int64)])
    inside = ctx.emit("Less", [positions, ctx.cast(ctx.input(1), dtypes.int64)])

    def build(x: str) -> str:
        masked = ctx.emit("Where", [inside, x, ctx.const(-np.inf, dtypes.float32)])
        soft = ctx.emit("Softmax", [masked], axis=-1)
        return ctx.emit("Where", [inside, soft, ctx.const(0.0, dtypes.float32)])

    return ctx.in_float32(ctx.input_type(0).dtype, build, ctx.input(0))
