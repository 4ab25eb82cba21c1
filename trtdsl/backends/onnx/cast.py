"""ONNX export of ICastLayer and IIdentityLayer.

ONNX Cast from float to integer truncates in range but leaves NaN and out-of-range values to the
runtime (onnxruntime gives INT_MIN or wraps). trtdsl's reference saturates them to the integer range
and maps NaN to 0 (its reading of TensorRT's undefined result, see trtdsl.layers.cast), so the export
writes that: values at or beyond the bounds select the bound, NaN selects 0, and only the rest go
through Cast (to int8 and uint8, whose bounds are exact in float32, a Clip to them and NaN to 0 before
the Cast, so that no Where chooses among 8-bit integers, which TensorRT's Select layer does not take).
Float to bool (``x != 0``, NaN is true), integer narrowing (wraps) and float narrowing (round to
nearest even) are ONNX Cast as is.
"""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, element_dtype, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import Cast, Identity, cast, identity
from trtdsl.layers.fill import full_like

@exports(Cast)
def _cast(ctx: NodeContext, op: Cast) -> str:
    return converted(ctx, ctx.input(0), ctx.input_type(0).dtype, op.to)


def converted(ctx: NodeContext, x: str, source: dtypes.DType, target: dtypes.DType) -> str:
    """``x`` (of ``source``) converted to ``target`` as the reference's Cast converts
    (:func:`trtdsl.layers.cast.converted`), in ONNX nodes (see the module)."""
    if not ((source.is_float or source is dtypes.float8_e4m3) and target.numpy.kind in "iu"):
        return ctx.cast(x, target)
    if source is not dtypes.float32:  # 16-bit and fp8: exact in float32, which onnxruntime compares
        x, source = ctx.cast(x, dtypes.float32), dtypes.float32
    info = np.iinfo(target.numpy)
    if info.max < 2**24:  # int8 and uint8: the bounds are exact in float32, which the values saturate in
        # (Where between 8-bit integers would be a Select layer that TensorRT does not have)
        clipped = ctx.emit("Clip", [x, ctx.const(info.min, source), ctx.const(info.max, source)])
        return ctx.cast(ctx.emit("Where", [ctx.emit("IsNaN", [x]), ctx.const(0, source), clipped]), target)
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


# -- import ---------------------------------------------------------------------------------------------

@imports("Cast")
def _import_cast(ctx: ImportContext) -> Tensor:
    """One Cast layer (to DOUBLE is to float32, as the parser does); a cast to the input's own dtype is
    an Identity. ``saturate=0`` and ``round_mode`` other than ``up`` are refused."""
    to = element_dtype(int(ctx.attr("to")), f"{ctx.where}: attribute to")
    ctx.one_of("saturate", ctx.attr("saturate", 1), (1,))
    ctx.one_of("round_mode", ctx.attr("round_mode", "up"), ("up",))
    x = ctx.input(0)
    return identity(x) if x.dtype == to else cast(x, to)


@imports("CastLike", since=15)
def _import_cast_like(ctx: ImportContext) -> Tensor:
    ctx.one_of("saturate", ctx.attr("saturate", 1), (1,))
    ctx.one_of("round_mode", ctx.attr("round_mode", "up"), ("up",))
    x, like = ctx.input(0), ctx.input(1)
    return identity(x) if x.dtype == like.dtype else cast(x, like.dtype)


@imports("Identity")
def _import_identity(ctx: ImportContext) -> Tensor:
    return identity(ctx.input(0))


@imports("Dropout")
def _import_dropout(ctx: ImportContext) -> Tensor | list[Tensor]:
    """Inference: the input unchanged (an Identity) and a mask of True; training mode is refused."""
    ctx.attr("seed")
    ctx.attr("ratio")
    ctx.attr("is_test")
    training = ctx.optional(2)
    if training is not None:
        ctx.check(not bool(ctx.static(2, "training_mode")), "training_mode=True is not supported")
    x = ctx.input(0)
    if not ctx.output_used(1):
        return identity(x)
    return [identity(x), full_like(x, True, dtypes.bool_)]
