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
from typing import Any, Callable

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.activation import Activation, ActivationType, activation, gelu
from trtdsl.layers.elementwise import maximum, minimum
from trtdsl.layers.select import where
from trtdsl.layers.unary import unary

_A = ActivationType
_F32 = dtypes.float32
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)

_Emit = Callable[[NodeContext, Activation, str], str]


def _single(op_type: str, **attrs: Callable[[float, float], float]) -> _Emit:
    """An activation that is one ONNX op; ``attrs`` give its attributes from (alpha, beta)."""

    def emit(ctx: NodeContext, op: Activation, x: str) -> str:
        values: dict[str, Any] = {k: f(op.alpha, op.beta) for k, f in attrs.items()}
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

# -- import ---------------------------------------------------------------------------------------------

# ONNX op -> (ActivationType, its attributes with their ONNX defaults as (alpha, beta))
_ACTIVATIONS: dict[str, tuple[ActivationType, tuple[tuple[str, float], ...]]] = {
    "Relu": (_A.RELU, ()),
    "Sigmoid": (_A.SIGMOID, ()),
    "Tanh": (_A.TANH, ()),
    "LeakyRelu": (_A.LEAKY_RELU, (("alpha", 0.01),)),
    "Elu": (_A.ELU, (("alpha", 1.0),)),
    "Selu": (_A.SELU, (("alpha", 1.67326319217681884765625), ("gamma", 1.05070102214813232421875))),
    "Softsign": (_A.SOFTSIGN, ()),
    "Softplus": (_A.SOFTPLUS, ()),
    "HardSigmoid": (_A.HARD_SIGMOID, (("alpha", 0.2), ("beta", 0.5))),
    "ThresholdedRelu": (_A.THRESHOLDED_RELU, (("alpha", 1.0),)),
}


@imports(*_ACTIVATIONS)
def _import_activation(ctx: ImportContext) -> Tensor:
    """One Activation layer with the op's attributes as alpha and beta (Softplus is SOFTPLUS with
    alpha = beta = 1; onnx-tensorrt ``activationHelper``)."""
    kind, attributes = _ACTIVATIONS[ctx.op_type]
    params = [float(ctx.attr(name, default)) for name, default in attributes]
    if kind is _A.SOFTPLUS:
        params = [1.0, 1.0]
    return activation(ctx.input(0), kind, *params)


@imports("Gelu", since=20)
def _import_gelu(ctx: ImportContext) -> Tensor:
    """GELU_ERF or GELU_TANH by ``approximate``."""
    approximate = ctx.attr("approximate", "none")
    ctx.one_of("approximate", approximate, ("none", "tanh"))
    return gelu(ctx.input(0), approximate)


@imports("HardSwish", since=14)
def _import_hard_swish(ctx: ImportContext) -> Tensor:
    """``x * HARD_SIGMOID(x; alpha=1/6, beta=0.5)``."""
    x = ctx.input(0)
    return x * activation(x, _A.HARD_SIGMOID, 1.0 / 6.0, 0.5)


@imports("Mish", since=18)
def _import_mish(ctx: ImportContext) -> Tensor:
    """``x * tanh(softplus(x))``."""
    x = ctx.input(0)
    return x * activation(activation(x, _A.SOFTPLUS, 1.0, 1.0), _A.TANH)


@imports("Clip", since=1, until=10)
def _import_clip_attributes(ctx: ImportContext) -> Tensor:
    """CLIP with the ``min``/``max`` attributes."""
    finfo = np.finfo(np.float32)
    return _clip(ctx, ctx.input(0), ctx.attr("min", float(finfo.min)), ctx.attr("max", float(finfo.max)))


@imports("Clip", since=11)
def _import_clip(ctx: ImportContext) -> Tensor:
    """CLIP when the bounds are build-time constants (onnx-tensorrt: ``min``/``max`` inputs as the
    activation's alpha and beta), else MAX and MIN ElementWise layers."""
    x = ctx.input(0)
    low, high = ctx.optional(1), ctx.optional(2)
    known = [None if t is None else ctx.peek(i) for i, t in ((1, low), (2, high))]
    if not x.dtype.is_float or any(t is not None and k is None for t, k in zip((low, high), known)):
        result = x
        if low is not None:
            result = maximum(result, low)
        if high is not None:
            result = minimum(result, high)
        return result
    finfo = np.finfo(np.float32)
    lo = float(finfo.min) if low is None else float(ctx.static(1, "min"))
    hi = float(finfo.max) if high is None else float(ctx.static(2, "max"))
    return _clip(ctx, x, lo, hi)


def _clip(ctx: ImportContext, x: Tensor, low: float, high: float) -> Tensor:
    ctx.check(not (math.isnan(low) or math.isnan(high)), "Clip bounds are NaN")
    return activation(x, _A.CLIP, low, high)


@imports("Celu", since=12)
def _import_celu(ctx: ImportContext) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`` with ElementWise and Unary layers."""
    x = ctx.input(0)
    alpha = float(ctx.attr("alpha", 1.0))
    ctx.check(alpha != 0.0, "alpha must not be 0")
    a = ctx.constant(np.array(alpha, x.dtype.numpy), x.dtype)
    zero = ctx.constant(np.zeros((), x.dtype.numpy), x.dtype)
    one = ctx.constant(np.ones((), x.dtype.numpy), x.dtype)
    return maximum(zero, x) + minimum(zero, a * (unary(x / a, "exp") - one))


@imports("Shrink", since=9)
def _import_shrink(ctx: ImportContext) -> Tensor:
    """``x + bias`` below ``-lambd``, ``x - bias`` above ``lambd``, else 0 (Select layers)."""
    x = ctx.input(0)
    bias, lambd = float(ctx.attr("bias", 0.0)), float(ctx.attr("lambd", 0.5))

    def const(v: float) -> Tensor:
        return ctx.constant(np.array(v, x.dtype.numpy), x.dtype)

    return where(x < const(-lambd), x + const(bias), where(x > const(lambd), x - const(bias), const(0.0)))
