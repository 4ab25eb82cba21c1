"""ONNX export of INormalizationLayer.

Layer normalization (the trailing dims, scale and bias constant along the others) is ONNX
LayerNormalization with ``stash_type=1``: statistics in float32, TensorRT's default compute precision.
Every other configuration -- instance and group normalization, non-trailing axes -- is the formula,
``(x - mean) / sqrt(var + eps) * scale + bias`` with the biased variance and the reference's corrected
two-pass mean, computed in float32 for 16-bit inputs; for ``num_groups != 1`` the channels are reshaped to
``[N, G, C/G, ...]`` for the statistics.
"""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import cast
from trtdsl.layers.normalization import Normalization, group_norm, instance_norm, layer_norm
from trtdsl.layers.reduce import reduce
from trtdsl.layers.select import where
from trtdsl.layers.unary import unary

def _layer_norm_axis(ctx: NodeContext, op: Normalization) -> int | None:
    """The first normalized axis when ONNX LayerNormalization expresses the layer (else None)."""
    x, scale = ctx.input_type(0), ctx.input_type(1)
    first = op.axes[0]
    trailing = op.axes == tuple(range(first, x.rank))
    leading_ones = all(d == 1 for d in scale.shape[:first])
    return first if op.num_groups == 1 and trailing and leading_ones else None


def _statistics(ctx: NodeContext, op: Normalization, x: str, axes: list[int]) -> str:
    mean = ctx.reduce("ReduceMean", x, axes, True)
    # the reference's corrected two-pass mean (trtdsl/layers/normalization.py)
    mean = ctx.emit("Add", [mean, ctx.reduce("ReduceMean", ctx.emit("Sub", [x, mean]), axes, True)])
    centered = ctx.emit("Sub", [x, mean])
    variance = ctx.reduce("ReduceMean", ctx.emit("Mul", [centered, centered]), axes, True)
    eps = ctx.const(op.epsilon, dtypes.float32)
    return ctx.emit("Div", [centered, ctx.emit("Sqrt", [ctx.emit("Add", [variance, eps])])])


def _formula(ctx: NodeContext, op: Normalization, x: str, scale: str, bias: str) -> str:
    if op.num_groups == 1:
        y = _statistics(ctx, op, x, list(op.axes))
    else:
        shape = ctx.emit("Shape", [x])
        grouped = ctx.emit(
            "Concat",
            [ctx.emit("Shape", [x], end=1), ctx.ints([op.num_groups, -1]), ctx.emit("Shape", [x], start=2)],
            axis=0,
        )
        rank = ctx.input_type(0).rank
        y = _statistics(ctx, op, ctx.emit("Reshape", [x, grouped]), list(range(2, rank + 1)))
        y = ctx.emit("Reshape", [y, shape])
    return ctx.emit("Add", [ctx.emit("Mul", [y, scale]), bias])


@exports(Normalization)
def _normalization(ctx: NodeContext, op: Normalization) -> str:
    x, scale, bias = ctx.input(0), ctx.input(1), ctx.input(2)
    dtype = ctx.input_type(0).dtype
    axis = _layer_norm_axis(ctx, op)
    if axis is None:
        return ctx.in_float32(dtype, lambda *v: _formula(ctx, op, *v), x, scale, bias)
    # LayerNormalization's scale and bias have the normalized dims' shape
    leading = ctx.ints(list(range(axis)))
    scale_n, bias_n = (ctx.emit("Squeeze", [v, leading]) if axis else v for v in (scale, bias))
    return ctx.compute(
        "LayerNormalization", [x, scale_n, bias_n], dtype, axis=axis, epsilon=op.epsilon, stash_type=1
    )


# -- import ---------------------------------------------------------------------------------------------

@imports("LayerNormalization", since=17)
def _import_layer_norm(ctx: ImportContext) -> Tensor | list[Tensor]:
    """One Normalization layer over the dims from ``axis`` on (TensorRT 10's parser maps
    LayerNormalization onto INormalizationLayer); the Mean and InvStdDev outputs, where used, are
    computed beside it in float32."""
    x = ctx.input(0)
    rank = len(x.shape)
    axis = ctx.axis(int(ctx.attr("axis", -1)), rank)
    ctx.one_of("stash_type", ctx.attr("stash_type", 1), (1,))
    eps = float(ctx.attr("epsilon", 1e-5))
    axes = tuple(range(axis, rank))
    bias = ctx.optional(2)  # absent: 0, which layer_norm broadcasts to the scale's shape
    y = layer_norm(x, ctx.input(1), 0.0 if bias is None else bias, axes, eps)
    if not (ctx.output_used(1) or ctx.output_used(2)):
        return y
    # the statistics outputs, in float32 (stash_type 1), from Reduce and ElementWise layers
    xf = x if x.dtype == dtypes.float32 else cast(x, dtypes.float32)
    mean = reduce(xf, "avg", axes, keepdims=True)
    centred = xf - mean
    variance = reduce(centred * centred, "avg", axes, keepdims=True)
    inv_std = unary(unary(variance + ctx.constant(np.float32(eps)), "sqrt"), "recip")
    return [y, mean, inv_std]


@imports("RMSNormalization", since=23)
def _import_rms_norm(ctx: ImportContext) -> Tensor:
    """``x / sqrt(mean(x ** 2 over the dims from axis) + epsilon) * scale`` computed in float32
    (stash_type 1) with Reduce, Unary and ElementWise layers."""
    x = ctx.input(0)
    rank = len(x.shape)
    axes = tuple(range(ctx.axis(int(ctx.attr("axis", -1)), rank), rank))
    ctx.one_of("stash_type", ctx.attr("stash_type", 1), (1,))
    eps = float(ctx.attr("epsilon", 1e-5))
    xf = x if x.dtype == dtypes.float32 else cast(x, dtypes.float32)
    mean_square = reduce(xf * xf, "avg", axes, keepdims=True)
    normalized = xf / unary(mean_square + ctx.constant(np.float32(eps)), "sqrt")
    y = normalized if x.dtype == dtypes.float32 else cast(normalized, x.dtype)
    return y * ctx.input(1)


@imports("LpNormalization")
def _import_lp_norm(ctx: ImportContext) -> Tensor:
    """``x / norm`` with the L1 or L2 norm over ``axis`` (0 where the norm is 0)."""
    x = ctx.input(0)
    axis = ctx.axis(int(ctx.attr("axis", -1)), len(x.shape))
    p = int(ctx.attr("p", 2))
    ctx.one_of("p", p, (1, 2))
    norm = reduce(unary(x, "abs"), "sum", axis, keepdims=True) if p == 1 else \
        unary(reduce(x * x, "sum", axis, keepdims=True), "sqrt")
    zero = ctx.constant(np.zeros((), x.dtype.numpy))
    is_zero = norm == zero
    return where(is_zero, zero, x / where(is_zero, ctx.constant(np.ones((), x.dtype.numpy)), norm))


@imports("InstanceNormalization", since=6)
def _import_instance_norm(ctx: ImportContext) -> Tensor:
    return instance_norm(ctx.input(0), ctx.input(1), ctx.input(2), float(ctx.attr("epsilon", 1e-5)))


@imports("GroupNormalization", since=21)
def _import_group_norm(ctx: ImportContext) -> Tensor:
    """One Normalization layer with ``num_groups`` groups and per-channel scale and bias (opset 21; the
    per-group scale of opset 18 is refused)."""
    return group_norm(ctx.input(0), int(ctx.attr("num_groups")), ctx.input(1), ctx.input(2),
                      float(ctx.attr("epsilon", 1e-5)))


@imports("MeanVarianceNormalization", since=9)
def _import_mean_variance_norm(ctx: ImportContext) -> Tensor:
    """``(x - mean) / (sqrt(mean((x - mean) ** 2)) + 1e-9)`` over ``axes`` (default 0, 2, 3) with Reduce,
    ElementWise and Unary layers, as the parser builds it (onnx-tensorrt
    ``DEFINE_BUILTIN_OP_IMPORTER(MeanVarianceNormalization)``: epsilon 1e-9 added to the standard
    deviation)."""
    x = ctx.input(0)
    ctx.check(x.dtype.is_float, f"input has dtype {x.dtype.name}; TensorRT's parser reads float32, float16 "
              "and bfloat16")
    rank = len(x.shape)
    axes = tuple(sorted({ctx.axis(a, rank) for a in ctx.ints("axes", [0, 2, 3]) or []}))
    centred = x - reduce(x, "avg", axes, keepdims=True)
    std = unary(reduce(centred * centred, "avg", axes, keepdims=True), "sqrt")
    return centred / (std + ctx.constant(np.asarray(1e-9, x.dtype.numpy)))
