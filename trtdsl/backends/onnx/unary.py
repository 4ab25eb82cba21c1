"""ONNX export of IUnaryLayer: each UnaryOperation is the ONNX op of the same meaning (ROUND is ONNX
Round, half to even, as in TensorRT). ONNX leaves ``Sign(NaN)`` open (onnxruntime's float16 kernel gives
0), so float SIGN passes NaN through explicitly, as ``np.sign`` and the reference do."""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.elementwise import logical_and
from trtdsl.layers.unary import Unary, UnaryOperation, unary

_U = UnaryOperation
ONNX_OPS: dict[UnaryOperation, str] = {
    _U.EXP: "Exp",
    _U.LOG: "Log",
    _U.SQRT: "Sqrt",
    _U.RECIP: "Reciprocal",
    _U.ABS: "Abs",
    _U.NEG: "Neg",
    _U.SIN: "Sin",
    _U.COS: "Cos",
    _U.TAN: "Tan",
    _U.SINH: "Sinh",
    _U.COSH: "Cosh",
    _U.ASIN: "Asin",
    _U.ACOS: "Acos",
    _U.ATAN: "Atan",
    _U.ASINH: "Asinh",
    _U.ACOSH: "Acosh",
    _U.ATANH: "Atanh",
    _U.CEIL: "Ceil",
    _U.FLOOR: "Floor",
    _U.ERF: "Erf",
    _U.NOT: "Not",
    _U.SIGN: "Sign",
    _U.ROUND: "Round",
    _U.ISINF: "IsInf",
    _U.ISNAN: "IsNaN",
}


@exports(Unary)
def _unary(ctx: NodeContext, op: Unary) -> str:
    dtype = ctx.input_type(0).dtype
    x = ctx.input(0)
    y = ctx.compute(ONNX_OPS[op.op], [x], dtype, same_type_output=ctx.output_type().dtype == dtype)
    if op.op is _U.SIGN and dtype.is_float:
        return ctx.emit("Where", [ctx.emit("IsNaN", [x]), x, y])
    return y

# -- import ---------------------------------------------------------------------------------------------

_IMPORTED = {name: operation for operation, name in ONNX_OPS.items()}


@imports(*_IMPORTED)
def _import_unary(ctx: ImportContext) -> Tensor:
    """One Unary layer of the same meaning; integer Neg is ``0 - x`` (an ElementWise SUB), as TensorRT's
    NEG takes floats and int8 only. IsInf with ``detect_negative`` or ``detect_positive`` 0 is ISINF
    and'ed with ``x < 0`` or ``x > 0`` (both 0: ``x > 0 and x < 0``, always false), as the parser builds
    it (onnx-tensorrt ``DEFINE_BUILTIN_OP_IMPORTER(IsInf)``)."""
    x = ctx.input(0)
    if ctx.op_type == "Neg" and x.dtype in (dtypes.int32, dtypes.int64):
        return ctx.constant(np.zeros((), x.dtype.numpy), x.dtype) - x
    if ctx.op_type == "IsInf":
        negative, positive = (bool(ctx.attr(f"detect_{side}", 1)) for side in ("negative", "positive"))
        if not (negative and positive):
            zero = ctx.constant(np.zeros((), x.dtype.numpy), x.dtype)
            if negative or positive:
                return logical_and(x < zero if negative else x > zero, unary(x, "isinf"))
            return logical_and(x > zero, x < zero)
    return unary(x, _IMPORTED[ctx.op_type])
