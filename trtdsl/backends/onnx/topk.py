"""ONNX export of ITopKLayer: ONNX TopK (sorted; equal values keep the lower index first, as in the
reference). For floats, TopK runs on keys where NaN is +inf, so that NaN counts as the largest value,
and the values are then read from the input at the returned indices (restoring the NaNs). ONNX has no
key above +inf, so within one slice a NaN and a +inf tie (lower index first), where the reference puts
NaN above +inf (see docs/onnx.md). 16-bit floats are ranked by their exact float32 values."""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.topk import TopK, TopKOperation


@exports(TopK)
def _topk(ctx: NodeContext, op: TopK) -> tuple[str, str]:
    x, dtype = ctx.input(0), ctx.input_type(0).dtype
    largest = int(op.op is TopKOperation.MAX)
    k = ctx.ints([op.k])
    if not dtype.is_float:
        values, indices = ctx.emit("TopK", [x, k], outputs=2, axis=op.axis, largest=largest, sorted=1)
    else:
        keys = x if dtype is dtypes.float32 else ctx.cast(x, dtypes.float32)
        keys = ctx.emit("Where", [ctx.emit("IsNaN", [keys]), ctx.const(float("inf"), dtypes.float32), keys])
        _, indices = ctx.emit("TopK", [keys, k], outputs=2, axis=op.axis, largest=largest, sorted=1)
        values = ctx.emit("GatherElements", [x, indices], axis=op.axis)
    if op.indices_dtype is not dtypes.int64:
        indices = ctx.cast(indices, op.indices_dtype)
    return values, indices
