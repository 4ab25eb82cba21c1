"""ONNX export of INormalizationLayer.

Layer normalization (the trailing dims, scale and bias constant along the others) is ONNX
LayerNormalization with ``stash_type=1``: statistics in float32, TensorRT's default compute precision.
Every other configuration -- instance and group normalization, non-trailing axes -- is the formula,
``(x - mean) / sqrt(var + eps) * scale + bias`` with the biased variance, computed in float32 for 16-bit
inputs; for ``num_groups != 1`` the channels are reshaped to ``[N, G, C/G, ...]`` for the statistics.
"""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.normalization import Normalization


def _layer_norm_axis(ctx: NodeContext, op: Normalization) -> int | None:
    """The first normalized axis when ONNX LayerNormalization expresses the layer (else None)."""
    x, scale = ctx.input_type(0), ctx.input_type(1)
    first = op.axes[0]
    trailing = op.axes == tuple(range(first, x.rank))
    leading_ones = all(d == 1 for d in scale.shape[:first])
    return first if op.num_groups == 1 and trailing and leading_ones else None


def _statistics(ctx: NodeContext, op: Normalization, x: str, axes: list[int]) -> str:
    mean = ctx.reduce("ReduceMean", x, axes, True)
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
