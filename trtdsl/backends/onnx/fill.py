"""ONNX export of IFillLayer.

LINSPACE ``alpha + sum_k beta[k] * i_k`` is written with Range per dim (int64 for integer outputs, which
then wrap into int32 as in the reference; float32 for float outputs, rounded per operation where the
reference rounds once). RANDOM_UNIFORM/RANDOM_NORMAL are ONNX RandomUniformLike/RandomNormalLike over a
tensor of the output's shape, scaled by alpha/beta when those are inputs: random values, like TensorRT's,
that differ from the reference's on every run (compare them by their statistics).
"""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext, onnx_type
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.fill import Fill, FillOperation

_I64, _F32 = dtypes.int64, dtypes.float32


def _dims(ctx: NodeContext, op: Fill) -> str:
    """The output shape as a 1-D int64 value (input 0, or the static shape)."""
    if ctx.input(0) is not None:
        return ctx.cast(ctx.input(0), _I64)
    return ctx.ints(op.shape)


def _given(ctx: NodeContext, k: int) -> bool:
    return len(ctx.node.inputs) > k and ctx.input(k) is not None


def _linspace(ctx: NodeContext, op: Fill, shape: str) -> str:
    rank = len(op.shape)
    wide = _I64 if op.dtype.is_integer else _F32
    alpha = ctx.cast(ctx.input(1), wide) if _given(ctx, 1) else ctx.const(op.alpha, wide)
    total = ctx.emit("Expand", [alpha, shape])
    for k in range(rank):
        length = ctx.emit("Gather", [shape, ctx.const(k, _I64)], axis=0)
        steps = ctx.emit("Range", [ctx.const(0, _I64), length, ctx.const(1, _I64)])
        others = [a for a in range(rank) if a != k]
        index = (
            ctx.emit("Unsqueeze", [ctx.cast(steps, wide), ctx.ints(others)])
            if others
            else ctx.cast(steps, wide)
        )
        if _given(ctx, 2):
            beta = ctx.emit("Gather", [ctx.cast(ctx.input(2), wide), ctx.const(k, _I64)], axis=0)
        else:
            beta = ctx.const(op.beta, wide)
        total = ctx.emit("Add", [total, ctx.emit("Mul", [index, beta])])
    return total if wide is op.dtype else ctx.cast(total, op.dtype)


def _random(ctx: NodeContext, op: Fill, shape: str) -> str:
    uniform = op.operation is FillOperation.RANDOM_UNIFORM
    like = ctx.emit("ConstantOfShape", [shape])  # float32 zeros of the output's shape
    kind = "RandomUniformLike" if uniform else "RandomNormalLike"
    if not _given(ctx, 1):
        bounds = (
            {"low": float(op.alpha), "high": float(op.beta)}
            if uniform
            else {"mean": float(op.alpha), "scale": float(op.beta)}
        )
        return ctx.emit(kind, [like], dtype=onnx_type(op.dtype), **bounds)
    unit = ctx.emit(kind, [like], dtype=onnx_type(_F32))
    alpha, beta = ctx.cast(ctx.input(1), _F32), ctx.cast(ctx.input(2), _F32)
    spread = ctx.emit("Sub", [beta, alpha]) if uniform else beta
    return ctx.cast(ctx.emit("Add", [alpha, ctx.emit("Mul", [unit, spread])]), op.dtype)


@exports(Fill)
def _fill(ctx: NodeContext, op: Fill) -> str:
    shape = _dims(ctx, op)
    return _linspace(ctx, op, shape) if op.operation is FillOperation.LINSPACE else _random(ctx, op, shape)
