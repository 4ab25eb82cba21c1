"""ONNX export of IOneHotLayer, as ``Gather(values, Or(Equal(u, c), Equal(u, c - depth)))`` with ``u`` the
indices unsqueezed at the new axis and ``c`` the classes ``0..depth-1`` along it: index ``c`` or
``c - depth`` (a negative index, wrapped once) selects ``values[1]``, anything else ``values[0]``.

ONNX OneHot has the same meaning, but onnxruntime's CPU kernels for int32 indices take float32 and float16
values only (none with an int64 depth); Equal on int32, Or and Gather run for every dtype.
"""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import cast
from trtdsl.layers.one_hot import OneHot, one_hot

@exports(OneHot)
def _one_hot(ctx: NodeContext, op: OneHot) -> str:
    rank = ctx.output_type().rank
    axis = op.axis % rank
    classes = np.arange(op.depth, dtype=np.int64).reshape((op.depth,) + (1,) * (rank - 1 - axis))
    indices = ctx.emit("Unsqueeze", [ctx.input(0), ctx.ints([axis])])
    hot = ctx.emit(
        "Or",
        [
            ctx.emit("Equal", [indices, ctx.const(classes, dtypes.int32)]),
            ctx.emit("Equal", [indices, ctx.const(classes - op.depth, dtypes.int32)]),
        ],
    )
    return ctx.emit("Gather", [ctx.input(1), ctx.cast(hot, dtypes.int32)], axis=0)


# -- import ---------------------------------------------------------------------------------------------

@imports("OneHot", since=9)
def _import_one_hot(ctx: ImportContext) -> Tensor:
    """One OneHot layer on the indices cast to int32, as the parser builds it (onnx-tensorrt
    ``onnxOpImporters.cpp``, OneHot: ``castHelper`` to INT32 for indices of another type, then
    ``addOneHot``; UINT8 indices, depth or values are rejected). ``depth`` must be a build-time constant,
    ``values`` is ``(off, on)``. The layer reads a negative index as counting from the end and one outside
    ``[-depth, depth)`` as all ``off``, as ONNX does."""
    indices = ctx.input(0)
    depth = ctx.static(1, "depth")
    values = ctx.input(2)
    for what, dtype in (("indices", indices.dtype), ("depth", depth.dtype), ("values", values.dtype)):
        ctx.check(dtype != np.uint8 and dtype is not dtypes.uint8,
                  f"{what} are uint8, which TensorRT's parser rejects for OneHot")
    if indices.dtype is not dtypes.int32:
        indices = cast(indices, dtypes.int32)
    return one_hot(indices, int(depth.reshape(-1)[0]), values, int(ctx.attr("axis", -1)))
