"""ONNX export of IMatrixMultiplyLayer: MatMul, with TRANSPOSE operands transposed first and VECTOR
operands given their unit dim (``[..., 1, K]`` for the first, ``[..., K, 1]`` for the second), which is
squeezed from the result again. onnxruntime and TensorRT both accumulate 16-bit products in float32."""

from __future__ import annotations

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.matmul import MatrixMultiply, MatrixOperation, matmul

_M = MatrixOperation


def _operand(ctx: NodeContext, i: int, op: MatrixOperation, unit_axis: int) -> str:
    x = ctx.input(i)
    rank = ctx.input_type(i).rank
    if op is _M.TRANSPOSE:
        return ctx.emit("Transpose", [x], perm=list(range(rank - 2)) + [rank - 1, rank - 2])
    if op is _M.VECTOR:
        return ctx.emit("Unsqueeze", [x, ctx.ints([unit_axis])])
    return x


@exports(MatrixMultiply)
def _matmul(ctx: NodeContext, op: MatrixMultiply) -> str:
    op0, op1 = op.op0, op.op1
    a = _operand(ctx, 0, op0, -2)
    b = _operand(ctx, 1, op1, -1)
    y = ctx.compute("MatMul", [a, b], ctx.input_type(0).dtype)
    unit = [axis for axis, operation in ((-2, op0), (-1, op1)) if operation is _M.VECTOR]
    return ctx.emit("Squeeze", [y, ctx.ints(unit)]) if unit else y

# -- import ---------------------------------------------------------------------------------------------


@imports("MatMul")
def _import_matmul(ctx: ImportContext) -> Tensor:
    """One MatrixMultiply layer (1-D operands as vectors)."""
    return matmul(ctx.input(0), ctx.input(1))


@imports("Gemm", since=7)
def _import_gemm(ctx: ImportContext) -> Tensor:
    """``alpha * op(A) @ op(B) + beta * C``: a MatrixMultiply with the transposes as its operations,
    scaled and added with ElementWise layers where alpha or beta is not 1 (onnx-tensorrt
    ``DEFINE_BUILTIN_OP_IMPORTER(Gemm)``)."""
    alpha, beta = float(ctx.attr("alpha", 1.0)), float(ctx.attr("beta", 1.0))
    a, b, c = ctx.input(0), ctx.input(1), ctx.optional(2)
    product = matmul(a, b, transpose_a=bool(ctx.attr("transA", 0)), transpose_b=bool(ctx.attr("transB", 0)))
    if alpha != 1.0:
        product = product * ctx.constant(alpha, product.dtype)
    if c is None:
        return product
    if beta != 1.0:
        c = c * ctx.constant(beta, c.dtype)
    return product + c
