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
    """One OneHot layer; ``depth`` must be a build-time constant, ``values`` is ``(off, on)``. Negative
    indices count from the end (ONNX), as the parser adds ``depth`` to them."""
    indices = ctx.input(0)
    depth = int(ctx.static(1, "depth").reshape(-1)[0])
    values = ctx.input(2)
    if indices.dtype.is_float:
        from trtdsl.layers.cast import cast

        indices = cast(indices, "int64")
    from trtdsl.layers.select import where

    wrapped = where(indices < ctx.constant(np.zeros((), indices.dtype.numpy)),
                    indices + ctx.constant(np.array(depth, indices.dtype.numpy)), indices)
    return one_hot(wrapped, depth, values, int(ctx.attr("axis", -1)))
