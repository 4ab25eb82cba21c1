"""ONNX export of IActivationLayer.

Where ONNX has the same function as one op (Relu, LeakyRelu, Selu, ThresholdedRelu, ...), that op is
written (its attributes are TensorRT's alpha/beta). SOFTPLUS and SCALED_TANH with scales, and GELU
before opset 20, are a few ops computed in float32 for 16-bit inputs, as TensorRT's kernel rounds once.

RELU, CLIP and HARD_SIGMOID map NaN to their lower bound in TensorRT, where onnxruntime's Relu, Clip
and HardSigmoid keep it: they are written in float32 as ``Where(IsNaN(v), low, Max(low, Min(high, v)))``
(NvInfer.h's CLIP formula, which ONNX Clip differs from when alpha > beta), with
``v = alpha * x + beta`` for HARD_SIGMOID.
"""

from __future__ import annotations

import math
from typing import Callable

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.activation import Activation, ActivationType

_A = ActivationType
_F32 = dtypes.float32
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)

_Emit = Callable[[NodeContext, Activation, str], str]


def _single(op_type: str, **attrs: Callable[[float, float], float]) -> _Emit:
    """An activation that is one ONNX op; ``attrs`` give its attributes from (alpha, beta)."""

    def emit(ctx: NodeContext, op: Activation, x: str) -> str:
        values = {k: f(op.alpha, op.beta) for k, f in attrs.items()}
        return ctx.compute(op_type, [x], ctx.input_type(0).dtype, **values)

    return emit


def _mul(ctx: NodeContext, x: str, scale: float) -> str:
    return x if scale == 1.0 else ctx.emit("Mul", [x, ctx.const(scale, _F32)])


def _scaled(inner: str) -> _Emit:
    """``alpha * inner(beta * x)`` (SOFTPLUS, SCALED_TANH)."""

    def emit(ctx: NodeContext, op: Activation, x: str) -> str:
        return ctx.in_float32(
            ctx.input_type(0).dtype,
            lambda v: _mul(ctx, ctx.emit(inner, [_mul(ctx, v, op.beta)]), op.alpha),
            x,
        )

    return emit


def _clamped(
    bounds: Callable[[float, float], tuple[float, float]],
    inner: Callable[[NodeContext, Activation, str], str],
) -> _Emit:
    """``max(low, min(high, inner(x)))`` in float32 (NvInfer.h's CLIP formula), with a NaN ``inner(x)``
    mapped to ``low``; ``bounds(alpha, beta)`` gives ``(low, high)``."""

    def emit(ctx: NodeContext, op: Activation, x: str) -> str:
        dtype = ctx.input_type(0).dtype
        if not dtype.is_float:  # int32/int64 RELU: no NaN
            return ctx.compute("Relu", [x], dtype)
        low, high = bounds(op.alpha, op.beta)

        def build(v: str) -> str:
            y = inner(ctx, op, v)
            capped = y if high == math.inf else ctx.emit("Min", [ctx.const(high, _F32), y])
            clamped = ctx.emit("Max", [ctx.const(low, _F32), capped])
            return ctx.emit("Where", [ctx.emit("IsNaN", [y]), ctx.const(low, _F32), clamped])

        return ctx.in_float32(dtype, build, x)

    return emit


def _gelu(approximate: str) -> _Emit:
    """ONNX Gelu from opset 20; before it, TensorRT's formula in float32."""

    def formula(ctx: NodeContext, v: str) -> str:
        if approximate == "none":
            inner = ctx.emit("Erf", [_mul(ctx, v, math.sqrt(0.5))])
        else:
            cube = ctx.emit("Mul", [ctx.emit("Mul", [v, v]), v])
            poly = ctx.emit("Add", [v, _mul(ctx, cube, 0.044715)])
            inner = ctx.emit("Tanh", [_mul(ctx, poly, _SQRT_2_OVER_PI)])
        half_x = _mul(ctx, v, 0.5)
        return ctx.emit("Mul", [half_x, ctx.emit("Add", [inner, ctx.const(1.0, _F32)])])

    def emit(ctx: NodeContext, op: Activation, x: str) -> str:
        dtype = ctx.input_type(0).dtype
        if ctx.opset >= 20:
            return ctx.compute("Gelu", [x], dtype, approximate=approximate)
        return ctx.in_float32(dtype, lambda v: formula(ctx, v), x)

    return emit


_EMIT: dict[ActivationType, _Emit] = {
    _A.RELU: _clamped(lambda a, b: (0.0, math.inf), lambda ctx, op, v: v),
    _A.SIGMOID: _single("Sigmoid"),
    _A.TANH: _single("Tanh"),
    _A.LEAKY_RELU: _single("LeakyRelu", alpha=lambda a, b: a),
    _A.ELU: _single("Elu", alpha=lambda a, b: a),
    _A.SELU: _single("Selu", alpha=lambda a, b: a, gamma=lambda a, b: b),
    _A.SOFTSIGN: _single("Softsign"),
    _A.SOFTPLUS: _scaled("Softplus"),
    _A.CLIP: _clamped(lambda a, b: (a, b), lambda ctx, op, v: v),
    _A.HARD_SIGMOID: _clamped(
        lambda a, b: (0.0, 1.0),
        lambda ctx, op, v: ctx.emit("Add", [_mul(ctx, v, op.alpha), ctx.const(op.beta, _F32)]),
    ),
    _A.SCALED_TANH: _scaled("Tanh"),
    _A.THRESHOLDED_RELU: _single("ThresholdedRelu", alpha=lambda a, b: a),
    _A.GELU_ERF: _gelu("none"),
    _A.GELU_TANH: _gelu("tanh"),
}


@exports(Activation)
def _activation(ctx: NodeContext, op: Activation) -> str:
    return _EMIT[op.type](ctx, op, ctx.input(0))
