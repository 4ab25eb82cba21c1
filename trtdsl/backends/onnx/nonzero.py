"""ONNX export of INonZeroLayer: ONNX NonZero (the indices of the non-zero elements in row-major order,
``[rank, count]`` int64), cast to int32 when that is the layer's index type; of a 0-D input, its rows sliced
to none, as onnxruntime gives a scalar one row (``[1, count]``, NumPy's old reading of a 0-D array)."""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import cast
from trtdsl.layers.elementwise import not_equal
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
    """One NonZero layer with int64 indices. onnx-tensorrt's NonZero importer also takes int64, int8 and
    bfloat16 inputs, which the layer here does not: those are first made an input it takes with the same
    zeros, ``x != 0`` (bool) for int64, an exact Cast to int32 for int8 and to float32 for bfloat16
    (NaN stays non-zero, -0.0 zero)."""
    x = ctx.input(0)
    if x.dtype is dtypes.int64:
        x = not_equal(x, ctx.constant(np.zeros((), np.int64)))
    elif x.dtype is dtypes.int8:
        x = cast(x, dtypes.int32)
    elif x.dtype is dtypes.bfloat16:
        x = cast(x, dtypes.float32)
    return nonzero(x, dtypes.int64)
