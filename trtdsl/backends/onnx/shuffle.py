"""ONNX export of IShuffleLayer, ISqueezeLayer and IUnsqueezeLayer.

Shuffle is Transpose, Reshape, Transpose. TensorRT's reshape placeholder 0 (copy the input dim at the
same index) is ONNX Reshape's 0 with ``allowzero=0``; with ``zero_is_placeholder=False`` a 0 is a
zero-length dim, ONNX's ``allowzero=1``. ``-1`` is inferred in both. A dynamic reshape's dims (input 1,
a shape tensor) are Reshape's shape input.
"""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.shuffle import Shuffle
from trtdsl.layers.squeeze import Squeeze, Unsqueeze


@exports(Shuffle)
def _shuffle(ctx: NodeContext, op: Shuffle) -> str:
    x = ctx.input(0)
    if op.first_transpose is not None:
        x = ctx.emit("Transpose", [x], perm=list(op.first_transpose))
    allowzero = 0 if op.zero_is_placeholder else 1
    if len(ctx.node.inputs) > 1 and ctx.input(1) is not None:  # dims from a shape tensor, read at run time
        x = ctx.emit("Reshape", [x, ctx.cast(ctx.input(1), dtypes.int64)], allowzero=allowzero)
    elif op.reshape is not None:
        x = ctx.emit("Reshape", [x, ctx.ints(op.reshape)], allowzero=allowzero)
    if op.second_transpose is not None:
        x = ctx.emit("Transpose", [x], perm=list(op.second_transpose))
    return x


@exports(Squeeze)
def _squeeze(ctx: NodeContext, op: Squeeze) -> str:
    return ctx.emit("Squeeze", [ctx.input(0), ctx.ints(op.axes)])


@exports(Unsqueeze)
def _unsqueeze(ctx: NodeContext, op: Unsqueeze) -> str:
    return ctx.emit("Unsqueeze", [ctx.input(0), ctx.ints(op.axes)])
