"""ONNX export of IScaleLayer as its formula: ``Pow(Add(Mul(x, scale), shift), power)``, the coefficients
as float32 initializers shaped to broadcast along the channel axis (16-bit inputs computed in float32,
as the reference reads TensorRT). An empty scale or power is left out (``x * 1`` and ``x ** 1`` are
exact); the shift is always added, 0 when empty, as the reference does."""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.types import Weights
from trtdsl.layers.scale import Scale, coefficient_shape


@exports(Scale)
def _scale(ctx: NodeContext, op: Scale) -> str:
    x_type = ctx.input_type(0)
    assert x_type is not None
    shape = coefficient_shape(op.mode, x_type.shape, op.channel_axis)

    def coefficient(weights: Weights | None, default: float) -> str:
        values = np.float32(default) if weights is None else weights.array.astype(np.float32).reshape(shape)
        return ctx.const(values, dtypes.float32)

    def build(x: str) -> str:
        y = ctx.emit("Mul", [x, coefficient(op.scale, 1.0)]) if op.scale is not None else x
        y = ctx.emit("Add", [y, coefficient(op.shift, 0.0)])
        return ctx.emit("Pow", [y, coefficient(op.power, 1.0)]) if op.power is not None else y

    return ctx.in_float32(x_type.dtype, build, ctx.input(0))
