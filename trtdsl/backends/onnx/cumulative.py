"""ONNX export of ICumulativeLayer: ONNX CumSum with the same ``exclusive``/``reverse`` meaning. Float
sums then add +0.0, because TensorRT's sums start from +0.0 (a leading -0.0 becomes +0.0; nothing else
changes); 16-bit floats accumulate in float32, as TensorRT's do."""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cumulative import Cumulative, cumsum

@exports(Cumulative)
def _cumulative(ctx: NodeContext, op: Cumulative) -> str:
    dtype = ctx.input_type(0).dtype
    axis = ctx.const(op.axis, dtypes.int64)

    def build(x: str) -> str:
        y = ctx.emit("CumSum", [x, axis], exclusive=int(op.exclusive), reverse=int(op.reverse))
        return ctx.emit("Add", [y, ctx.const(0.0, dtypes.float32)]) if dtype.is_float else y

    return ctx.in_float32(dtype, build, ctx.input(0))


# -- import ---------------------------------------------------------------------------------------------

@imports("CumSum", since=11)
def _import_cumsum(ctx: ImportContext) -> Tensor:
    """One Cumulative layer (SUM) on the constant axis."""
    x = ctx.input(0)
    axis = ctx.axis(int(ctx.static(1, "axis").reshape(-1)[0]), len(x.shape))
    return cumsum(x, axis, exclusive=bool(ctx.attr("exclusive", 0)), reverse=bool(ctx.attr("reverse", 0)))
