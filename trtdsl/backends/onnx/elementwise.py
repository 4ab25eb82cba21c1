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
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.elementwise import ElementWise, ElementWiseOperation

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


_EXTREMES = {_E.MAX: "Max", _E.MIN: "Min"}


def _nan_skipping(ctx: NodeContext, op_type: str, a: str, b: str) -> str:
    """``np.fmax``/``np.fmin`` of float ``a`` and ``b`` from ONNX ``op_type`` (Max or Min)."""
    a_nan, b_nan = ctx.emit("IsNaN", [a]), ctx.emit("IsNaN", [b])
    return ctx.emit(op_type, [ctx.emit("Where", [a_nan, b, a]), ctx.emit("Where", [b_nan, a, b])])


@exports(ElementWise)
def _elementwise(ctx: NodeContext, op: ElementWise) -> str:
    a, b = ctx.input(0), ctx.input(1)
    dtype = ctx.input_type(0).dtype
    operation = op.op
    if operation in _EXTREMES:
        if not dtype.is_float:
            return ctx.compute(_EXTREMES[operation], [a, b], dtype)
        return ctx.in_float32(dtype, lambda x, y: _nan_skipping(ctx, _EXTREMES[operation], x, y), a, b)
    if operation in ONNX_OPS:
        return ctx.compute(
            ONNX_OPS[operation], [a, b], dtype, same_type_output=ctx.output_type().dtype == dtype
        )
    if dtype in dtypes.INTEGERS:
        return _integer_division(ctx, a, b, floor=operation is _E.FLOOR_DIV)
    if operation is _E.DIV:
        return ctx.compute("Div", [a, b], dtype)
    return ctx.in_float32(dtype, lambda x, y: ctx.emit("Floor", [ctx.emit("Div", [x, y])]), a, b)
