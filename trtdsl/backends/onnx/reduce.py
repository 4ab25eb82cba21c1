"""ONNX export of IReduceLayer.

- MAX/MIN: ONNX ReduceMax/ReduceMin give -inf/+inf (INT_MIN/INT_MAX) for empty reductions, as TensorRT
  does, but onnxruntime drops NaNs or keeps them depending on where they are; TensorRT's MAX/MIN skip
  NaN (the reference's reading), so NaNs are replaced by the empty result (-inf for MAX, +inf for MIN)
  before reducing: a row of only NaNs gives that result too.
- SUM/PROD: ReduceSum/ReduceProd. Integer overflow is the runtime's in ONNX (onnxruntime saturates, and
  sums int64 through double): int32 SUM is summed in int64 and cast back, which wraps as TensorRT's
  int32 sum does; int32/int64 PROD and int64 SUM that overflow are not pinned (see docs/onnx.md).
- AVG: the sum divided by the element count (ONNX ReduceMean gives 0, not NaN, for an empty float
  reduction); integers divide truncating toward zero and give 0 when empty, as in the reference.
"""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import identity
from trtdsl.layers.reduce import Reduce, ReduceOperation, reduce
from trtdsl.layers.unary import unary

_R = ReduceOperation
_ONNX = {_R.SUM: "ReduceSum", _R.PROD: "ReduceProd", _R.MAX: "ReduceMax", _R.MIN: "ReduceMin"}


def _sum(ctx: NodeContext, op: Reduce, x: str, dtype: dtypes.DType, op_type: str = "ReduceSum") -> str:
    axes, keepdims = op.axes, op.keepdims
    if dtype is dtypes.int32 and op_type == "ReduceSum":
        return ctx.cast(ctx.reduce(op_type, ctx.cast(x, dtypes.int64), axes, keepdims), dtypes.int32)
    return ctx.reduce(op_type, x, axes, keepdims)


def _extreme(ctx: NodeContext, op: Reduce, x: str, dtype: dtypes.DType) -> str:
    op_type = _ONNX[op.op]
    if not dtype.is_float:
        return ctx.reduce(op_type, x, op.axes, op.keepdims)
    empty = ctx.const(float("-inf") if op.op is _R.MAX else float("inf"), dtypes.float32)

    def build(v: str) -> str:
        numbers = ctx.emit("Where", [ctx.emit("IsNaN", [v]), empty, v])
        return ctx.reduce(op_type, numbers, op.axes, op.keepdims)

    return ctx.in_float32(dtype, build, x)


def _average(ctx: NodeContext, op: Reduce, x: str, dtype: dtypes.DType) -> str:
    shape = ctx.emit("Shape", [x])
    count = ctx.reduce("ReduceProd", ctx.emit("Gather", [shape, ctx.ints(op.axes)], axis=0), [0], False)
    if dtype.is_float:
        return ctx.in_float32(
            dtype,
            lambda v: ctx.emit("Div", [_sum(ctx, op, v, dtypes.float32), ctx.cast(count, dtypes.float32)]),
            x,
        )
    empty = ctx.emit("Equal", [count, ctx.const(0, dtypes.int64)])
    divisor = ctx.cast(ctx.emit("Max", [count, ctx.const(1, dtypes.int64)]), dtype)
    quotient = ctx.emit("Div", [_sum(ctx, op, x, dtype), divisor])
    return ctx.emit("Where", [empty, ctx.const(0, dtype), quotient])


@exports(Reduce)
def _reduce(ctx: NodeContext, op: Reduce) -> str:
    x, dtype = ctx.input(0), ctx.input_type(0).dtype
    if op.op is _R.AVG:
        return _average(ctx, op, x, dtype)
    if op.op in (_R.MAX, _R.MIN):
        return _extreme(ctx, op, x, dtype)
    return _sum(ctx, op, x, dtype, _ONNX[op.op])


# -- import ---------------------------------------------------------------------------------------------

# ONNX op -> (the Reduce operation, what is applied before it, after it, and the opset where axes
# became an input)
_REDUCES: dict[str, tuple[ReduceOperation, str | None, str | None, int]] = {
    "ReduceSum": (_R.SUM, None, None, 13),
    "ReduceMean": (_R.AVG, None, None, 18),
    "ReduceMax": (_R.MAX, None, None, 18),
    "ReduceMin": (_R.MIN, None, None, 18),
    "ReduceProd": (_R.PROD, None, None, 18),
    "ReduceL1": (_R.SUM, "abs", None, 18),
    "ReduceL2": (_R.SUM, "square", "sqrt", 18),
    "ReduceSumSquare": (_R.SUM, "square", None, 18),
    "ReduceLogSum": (_R.SUM, None, "log", 18),
    "ReduceLogSumExp": (_R.SUM, "exp", "log", 18),
}


@imports(*_REDUCES)
def _import_reduce(ctx: ImportContext) -> Tensor:
    """One Reduce layer, with Unary/ElementWise layers before and after it for the composite reductions
    (onnx-tensorrt ``reduceTensor`` and the ReduceL1/L2/LogSum/LogSumExp/SumSquare importers). No axes
    reduce all, or nothing with ``noop_with_empty_axes``: then the layers before and after it still apply,
    as the parser's importers apply them around ``reduceTensor`` (ReduceSumSquare of ``x`` is ``x * x``,
    ReduceLogSum ``log(x)``, as the ONNX reference and onnxruntime compute them too)."""
    x = ctx.input(0)
    operation, before, after, since = _REDUCES[ctx.op_type]
    axes = ctx.axes(1, since=since)
    keepdims = bool(ctx.attr("keepdims", 1))
    noop = not axes and bool(ctx.attr("noop_with_empty_axes", 0))
    if before == "abs":
        x = unary(x, "abs")
    elif before == "square":
        x = x * x
    elif before == "exp":
        x = unary(x, "exp")
    if noop:
        y = identity(x) if before is None else x
    else:
        every = range(len(x.shape)) if not axes else (ctx.axis(a, len(x.shape)) for a in axes)
        y = reduce(x, operation, tuple(every), keepdims)
    return unary(y, after) if after is not None else y
