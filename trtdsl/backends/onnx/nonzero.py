"""ONNX export of INonZeroLayer: ONNX NonZero (the indices of the non-zero elements in row-major order,
``[rank, count]`` int64), cast to int32 when that is the layer's index type; of a 0-D input, its rows sliced
to none, as onnxruntime gives a scalar one row (``[1, count]``, NumPy's old reading of a 0-D array)."""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.nonzero import NonZero, nonzero

@exports(NonZero)
def _nonzero(ctx: NodeContext, op: NonZero) -> str:
    found = ctx.emit("NonZero", [ctx.input(0)])
    if ctx.input_type(0).rank == 0:  # onnxruntime treats a scalar as one element, rows [1, count]: keep none
        found = ctx.emit("Slice", [found, ctx.ints([0]), ctx.ints([0]), ctx.ints([0])])
    return found if op.indices_dtype is dtypes.int64 else ctx.cast(found, op.indices_dtype)


# -- import ---------------------------------------------------------------------------------------------

@imports("NonZero", since=9)
def _import_nonzero(ctx: ImportContext) -> Tensor:
    """One NonZero layer with int64 indices."""
    return nonzero(ctx.input(0), dtypes.int64)
