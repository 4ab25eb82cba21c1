"""ONNX export of IElementWiseLayer.

Most operations are the ONNX op of the same name. Integer DIV truncates toward zero in TensorRT and in
onnxruntime's Div (C++ division), but ONNX leaves division by 0 and ``INT_MIN / -1`` to the runtime
(onnxruntime fails or traps), so the export guards them: ``b == 0`` gives 0 (the reference's reading of
TensorRT's undefined result) and ``b == -1`` gives ``0 - a`` (wrapping). Integer FLOOR_DIV is the
truncated quotient minus 1 where the remainder is nonzero and its sign differs from ``b``'s; float
FLOOR_DIV is ``Floor(Div)`` computed in float32 for 16-bit inputs, rounded once as TensorRT does.
Guards are left out when ``b`` is a constant without 0 or -1.

TensorRT's float MAX/MIN return the other operand where one is NaN (``np.fmax``/``np.fmin``), while ONNX
Max/Min propagate NaN in onnxruntime: each operand's NaNs are replaced by the other operand first, so
Max/Min see a NaN only where both are NaN.
"""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.elementwise import (
    ElementWise, ElementWiseOperation, elementwise, greater_equal, less_equal, mod,
)
from trtdsl.layers.select import where
from trtdsl.layers.unary import unary

_E = ElementWiseOperation
ONNX_OPS: dict[ElementWiseOperation, str] = {
    _E.SUM: "Add",
    _E.SUB: "Sub",
    _E.PROD: "Mul",
    _E.POW: "Pow",
    _E.AND: "And",
    _E.OR: "Or",
    _E.XOR: "Xor",
    _E.EQUAL: "Equal",
    _E.GREATER: "Greater",
    _E.LESS: "Less",
}
# the same by the operation's name, as export looks them up (a str hashes without calling Enum.__hash__)
_ONNX_OPS_BY_NAME = {operation._name_: op_type for operation, op_type in ONNX_OPS.items()}


def _integer_division(ctx: NodeContext, a: str, b: str, floor: bool) -> str:
    dtype = ctx.input_type(0).dtype
    known = ctx.constant_input(1)
    guard_zero = known is None or bool(np.any(known == 0))
    guard_minus_one = known is None or bool(np.any(known == -1))
    divisor = b
    if guard_zero or guard_minus_one:
        bad = [
            ctx.emit("Equal", [b, ctx.const(v, dtype)])
            for v, g in ((0, guard_zero), (-1, guard_minus_one))
            if g
        ]
        unsafe = bad[0] if len(bad) == 1 else ctx.emit("Or", bad)
        divisor = ctx.emit("Where", [unsafe, ctx.const(1, dtype), b])
    q = ctx.emit("Div", [a, divisor])
    if floor:
        remainder = ctx.emit("Sub", [a, ctx.emit("Mul", [q, divisor])])
        signs_differ = ctx.emit(
            "Xor",
            [
                ctx.emit("Less", [remainder, ctx.const(0, dtype)]),
                ctx.emit("Less", [divisor, ctx.const(0, dtype)]),
            ],
        )
        inexact = ctx.emit("Not", [ctx.emit("Equal", [remainder, ctx.const(0, dtype)])])
        q = ctx.emit("Sub", [q, ctx.cast(ctx.emit("And", [inexact, signs_differ]), dtype)])
    if guard_minus_one:
        q = ctx.emit("Where", [ctx.emit("Equal", [b, ctx.const(-1, dtype)]), ctx.emit("Neg", [a]), q])
    if guard_zero:
        q = ctx.emit("Where", [ctx.emit("Equal", [b, ctx.const(0, dtype)]), ctx.const(0, dtype), q])
    return q


_EXTREMES = {_E.MAX._name_: "Max", _E.MIN._name_: "Min"}  # by the operation's name, as _ONNX_OPS_BY_NAME


def _nan_skipping(ctx: NodeContext, op_type: str, a: str, b: str) -> str:
    """``np.fmax``/``np.fmin`` of float ``a`` and ``b`` from ONNX ``op_type`` (Max or Min)."""
    a_nan, b_nan = ctx.emit("IsNaN", [a]), ctx.emit("IsNaN", [b])
    return ctx.emit(op_type, [ctx.emit("Where", [a_nan, b, a]), ctx.emit("Where", [b_nan, a, b])])


@exports(ElementWise)
def _elementwise(ctx: NodeContext, op: ElementWise) -> str:
    a, b = ctx.input(0), ctx.input(1)
    dtype = ctx.input_type(0).dtype
    operation = op.op
    extreme = _EXTREMES.get(operation._name_)
    if extreme is not None:
        if not dtype.is_float:
            return ctx.compute(extreme, [a, b], dtype)
        return ctx.in_float32(dtype, lambda x, y: _nan_skipping(ctx, extreme, x, y), a, b)
    op_type = _ONNX_OPS_BY_NAME.get(operation._name_)
    if op_type is not None:
        return ctx.compute(op_type, [a, b], dtype, same_type_output=ctx.output_type().dtype == dtype)
    if dtype in dtypes.INTEGERS:
        return _integer_division(ctx, a, b, floor=operation is _E.FLOOR_DIV)
    if operation is _E.DIV:
        return ctx.compute("Div", [a, b], dtype)
    return ctx.in_float32(dtype, lambda x, y: ctx.emit("Floor", [ctx.emit("Div", [x, y])]), a, b)

# -- import ---------------------------------------------------------------------------------------------

_BINARY = {
    "Add": _E.SUM, "Sub": _E.SUB, "Mul": _E.PROD, "Div": _E.DIV, "Pow": _E.POW, "And": _E.AND,
    "Or": _E.OR, "Xor": _E.XOR, "Equal": _E.EQUAL, "Greater": _E.GREATER, "Less": _E.LESS,
}


@imports(*_BINARY)
def _import_binary(ctx: ImportContext) -> Tensor:
    """One ElementWise layer (onnx-tensorrt ``elementwiseHelper``: the lower-rank operand is unsqueezed
    to the other's rank, as td's functions do)."""
    return elementwise(ctx.input(0), ctx.input(1), _BINARY[ctx.op_type])


@imports("GreaterOrEqual", "LessOrEqual", since=12)
def _import_or_equal(ctx: ImportContext) -> Tensor:
    """``OR(GREATER, EQUAL)`` / ``OR(LESS, EQUAL)``, as the parser builds them."""
    compare = greater_equal if ctx.op_type == "GreaterOrEqual" else less_equal
    return compare(ctx.input(0), ctx.input(1))


_VARIADIC = {"Max": _E.MAX, "Min": _E.MIN, "Sum": _E.SUM, "Mean": _E.SUM}


@imports(*_VARIADIC, since=8)
def _import_variadic(ctx: ImportContext) -> Tensor:
    """A chain of ElementWise layers over the inputs; Mean divides the sum by the input count."""
    inputs = ctx.inputs()
    result = inputs[0]
    for other in inputs[1:]:
        result = elementwise(result, other, _VARIADIC[ctx.op_type])
    if ctx.op_type == "Mean" and len(inputs) > 1:
        result = elementwise(result, ctx.constant(np.array(len(inputs)), result.dtype), _E.DIV)
    return result


@imports("Mod", since=10)
def _import_mod(ctx: ImportContext) -> Tensor:
    """``fmod=0``: ``a - b * FLOOR_DIV(a, b)`` (integers only); ``fmod=1``: ``a - b * trunc(a / b)`` with
    the quotient truncated toward zero (onnx-tensorrt ``DEFINE_BUILTIN_OP_IMPORTER(Mod)``)."""
    a, b = ctx.input(0), ctx.input(1)
    fmod = ctx.attr("fmod", 0)
    ctx.one_of("fmod", fmod, (0, 1))
    if fmod == 0:
        ctx.check(not a.dtype.is_float, "fmod=0 needs integer inputs (ONNX requires fmod=1 for floats)")
        return mod(a, b)
    if a.dtype.is_float:
        quotient = elementwise(a, b, _E.DIV)
        truncated = where(quotient < 0.0, unary(quotient, "ceil"), unary(quotient, "floor"))
    else:
        truncated = elementwise(a, b, _E.DIV)
    return a - elementwise(truncated, b, _E.PROD)
