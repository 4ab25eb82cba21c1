"""ONNX export of ICastLayer and IIdentityLayer.

ONNX Cast from float to integer truncates in range but leaves NaN and out-of-range values to the
runtime (onnxruntime gives INT_MIN or wraps). trtdsl's reference saturates them to the integer range
and maps NaN to 0 (its reading of TensorRT's undefined result, see trtdsl.layers.cast), so the export
writes that: values at or beyond the bounds select the bound, NaN selects 0, and only the rest go
through Cast. Float to bool (``x != 0``, NaN is true), integer narrowing (wraps) and float narrowing
(round to nearest even) are ONNX Cast as is.
"""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.cast import Cast, Identity


@exports(Cast)
def _cast(ctx: NodeContext, op: Cast) -> str:
    x = ctx.input(0)
    source, target = ctx.input_type(0).dtype, op.to
    if not (source.is_float and target.numpy.kind in "iu"):
        return ctx.cast(x, target)
    if source in (dtypes.float16, dtypes.bfloat16):
        x, source = ctx.cast(x, dtypes.float32), dtypes.float32  # exact, and onnxruntime compares float32
    info = np.iinfo(target.numpy)
    # The bounds rounded to the source type round away from zero (e.g. INT32_MAX -> 2**31 in float32),
    # and no float lies between a bound and its rounding, so "x >= bound" selects exactly the saturated
    # values.
    high = ctx.emit("GreaterOrEqual", [x, ctx.const(info.max, source)])
    low = ctx.emit("LessOrEqual", [x, ctx.const(info.min, source)])
    outside = ctx.emit("Or", [ctx.emit("Or", [high, low]), ctx.emit("IsNaN", [x])])
    inside = ctx.cast(ctx.emit("Where", [outside, ctx.const(0, source), x]), target)
    saturated = ctx.emit("Where", [low, ctx.const(info.min, target), inside])
    return ctx.emit("Where", [high, ctx.const(info.max, target), saturated])


@exports(Identity)
def _identity(ctx: NodeContext, op: Identity) -> str:
    return ctx.emit("Identity", [ctx.input(0)])
