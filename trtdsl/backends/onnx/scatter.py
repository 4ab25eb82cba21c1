"""ONNX export of IScatterLayer: ONNX ScatterElements (ELEMENT mode, with the axis) and ScatterND (ND mode,
its indices widened to int64, the only type it takes). Both wrap negative indices once, as the reference
reads TensorRT; writes to one element twice are undefined in ONNX as in TensorRT (onnxruntime, like the
reference, keeps the last)."""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.scatter import Scatter, ScatterMode, scatter_elements, scatter_nd

@exports(Scatter)
def _scatter(ctx: NodeContext, op: Scatter) -> str:
    data, indices, updates = ctx.input(0), ctx.input(1), ctx.input(2)
    if op.mode is ScatterMode.ELEMENT:
        return ctx.emit("ScatterElements", [data, indices, updates], axis=op.axis)
    if ctx.input_type(1).dtype is not dtypes.int64:
        indices = ctx.cast(indices, dtypes.int64)
    return ctx.emit("ScatterND", [data, indices, updates])


# -- import ---------------------------------------------------------------------------------------------

@imports("ScatterElements", "Scatter", since=9)
def _import_scatter_elements(ctx: ImportContext) -> Tensor:
    """One Scatter layer in ELEMENT mode; ``reduction`` other than none is refused."""
    ctx.one_of("reduction", ctx.attr("reduction", "none"), ("none",))
    data = ctx.input(0)
    axis = ctx.axis(int(ctx.attr("axis", 0)), len(data.shape))
    return scatter_elements(data, ctx.input(1), ctx.input(2), axis)


@imports("ScatterND", since=11)
def _import_scatter_nd(ctx: ImportContext) -> Tensor:
    """One Scatter layer in ND mode; ``reduction`` other than none is refused."""
    ctx.one_of("reduction", ctx.attr("reduction", "none"), ("none",))
    return scatter_nd(ctx.input(0), ctx.input(1), ctx.input(2))
