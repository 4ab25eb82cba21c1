"""ONNX export of IReverseSequenceLayer: ONNX ReverseSequence, whose batch and time axes are 0 and 1 (in
either order); other axes are moved there by a Transpose and back by its inverse. The lengths become
int64, ONNX's type. bfloat16, which ONNX ReverseSequence does not take, goes through float32 (exact
both ways)."""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext, accepts
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.reverse_sequence import ReverseSequence, reverse_sequence

@exports(ReverseSequence)
def _reverse_sequence(ctx: NodeContext, op: ReverseSequence) -> str:
    x_type, lens_type, lens = ctx.input_type(0), ctx.input_type(1), ctx.input(1)
    assert x_type is not None and lens_type is not None and lens is not None
    if lens_type.dtype is not dtypes.int64:
        lens = ctx.cast(lens, dtypes.int64)
    batch, sequence = op.batch_axis, op.sequence_axis

    def build(x: str) -> str:
        if {batch, sequence} == {0, 1}:
            return ctx.emit("ReverseSequence", [x, lens], batch_axis=batch, time_axis=sequence)
        perm = [batch, sequence] + [a for a in range(x_type.rank) if a not in (batch, sequence)]
        moved = ctx.emit("Transpose", [x], perm=perm)
        reversed_ = ctx.emit("ReverseSequence", [moved, lens], batch_axis=0, time_axis=1)
        return ctx.emit("Transpose", [reversed_], perm=[perm.index(a) for a in range(x_type.rank)])

    if accepts("ReverseSequence", ctx.opset, x_type.dtype):
        return build(ctx.input(0))
    return ctx.in_float32(x_type.dtype, build, ctx.input(0))


# -- import ---------------------------------------------------------------------------------------------

@imports("ReverseSequence", since=10)
def _import_reverse_sequence(ctx: ImportContext) -> Tensor:
    return reverse_sequence(ctx.input(0), ctx.input(1), batch_axis=int(ctx.attr("batch_axis", 1)),
                            sequence_axis=int(ctx.attr("time_axis", 0)))
