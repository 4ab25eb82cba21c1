"""ONNX export of IGatherLayer.

TensorRT reads 0 for an out-of-range index, where ONNX's Gather, GatherElements and GatherND fail, so the
export wraps negative indices once by the axis length, reads index 0 in place of every index still out of
range, and writes 0 (false) there afterwards; constant indices all in range on a static axis are a plain
Gather. int64 indices of data that is not int64 are cast to int32 first, as TensorRT does (wrapping).
DEFAULT mode with one elementwise dim becomes GatherND with ``batch_dims=1`` on data whose gather axis is
moved next to the batch dim, both inputs broadcast along dim 0 first.
"""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.dims import static_dim
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.gather import Gather, GatherMode, gather, gather_nd, take_along_axis

_G = GatherMode


def _indices(ctx: NodeContext) -> tuple[str, dtypes.DType]:
    idx, idx_type = ctx.input(1), ctx.input_type(1).dtype
    if idx_type is dtypes.int64 and ctx.input_type(0).dtype is not dtypes.int64:
        return ctx.cast(idx, dtypes.int32), dtypes.int32
    return idx, idx_type


def _wrap(ctx: NodeContext, idx: str, length: str, dtype: dtypes.DType) -> tuple[str, str]:
    """(indices to read with, mask of the valid ones): negatives wrap once; the rest read index 0."""
    zero = ctx.const(0, dtype)
    wrapped = ctx.emit("Where", [ctx.emit("Less", [idx, zero]), ctx.emit("Add", [idx, length]), idx])
    valid = ctx.emit(
        "And", [ctx.emit("Not", [ctx.emit("Less", [wrapped, zero])]), ctx.emit("Less", [wrapped, length])]
    )
    return ctx.emit("Where", [valid, wrapped, zero]), valid


def _int64(ctx: NodeContext, idx: str) -> str:
    """GatherND takes int64 indices only (widening is exact)."""
    return (
        idx
        if ctx.input_type(1).dtype is dtypes.int64 and ctx.input_type(0).dtype is dtypes.int64
        else ctx.cast(idx, dtypes.int64)
    )


def _masked(ctx: NodeContext, values: str, valid: str, dtype: dtypes.DType) -> str:
    """``values`` (of ``dtype``) with 0 (false) where ``valid`` (broadcast to it) is false."""
    if dtype.is_bool:
        return ctx.emit("And", [values, valid])
    return ctx.where(valid, values, ctx.const(0, dtype), dtype)


def _unsqueezed(ctx: NodeContext, valid: str, before: int, after: int, rank: int) -> str:
    """``valid`` with ``before`` leading and ``after`` trailing unit dims."""
    axes = list(range(before)) + list(range(rank - after, rank))
    return ctx.emit("Unsqueeze", [valid, ctx.ints(axes)]) if axes else valid


def _default(ctx: NodeContext, op: Gather, data: str, dtype: dtypes.DType) -> str:
    axis = op.axis
    known, length_d = ctx.constant_input(1), ctx.input_type(0).shape[axis]
    if op.num_elementwise_dims == 0 and known is not None and isinstance(length_d, int) and known.size \
            and -length_d <= known.min() and known.max() < length_d:
        # constant indices all in range (``Gather(Shape(x), 0)`` reading a dim): ONNX's Gather as it is, which
        # an importer reads as the same values (the dim itself, not a value computed at run time)
        return ctx.emit("Gather", [data, ctx.input(1)], axis=axis)
    idx, idx_type = _indices(ctx)
    length = ctx.cast(ctx.dim(0, axis), idx_type)
    safe, valid = _wrap(ctx, idx, length, idx_type)
    rank_out = ctx.output_type().rank
    post = ctx.input_type(0).rank - axis - 1
    if op.num_elementwise_dims == 0:
        values = ctx.emit("Gather", [data, safe], axis=axis)
        return _masked(ctx, values, _unsqueezed(ctx, valid, axis, post, rank_out), dtype)
    # Batched: out[b, pre..., I..., post...] = data[b, pre..., safe[b, I...], post...]
    data_rank, idx_rank = ctx.input_type(0).rank, ctx.input_type(1).rank
    batch = ctx.emit("Max", [ctx.emit("Shape", [data], end=1), ctx.emit("Shape", [idx], end=1)])
    moved = list(range(data_rank))
    moved.insert(1, moved.pop(axis))  # data as [b, d, pre..., post...]
    data_b = ctx.emit(
        "Expand",
        [
            ctx.emit("Transpose", [data], perm=moved),
            ctx.emit("Concat", [batch, ctx.ints([1] * (data_rank - 1))], axis=0),
        ],
    )
    idx_shape = ctx.emit("Concat", [batch, ctx.ints([1] * (idx_rank - 1))], axis=0)
    safe_b = ctx.emit("Unsqueeze", [ctx.emit("Expand", [_int64(ctx, safe), idx_shape]), ctx.ints([-1])])
    got = ctx.emit("GatherND", [data_b, safe_b], batch_dims=1)  # [b, I..., pre..., post...]
    n_idx, n_pre = idx_rank - 1, axis - 1
    order = [
        0,
        *range(1 + n_idx, 1 + n_idx + n_pre),
        *range(1, 1 + n_idx),
        *range(1 + n_idx + n_pre, rank_out),
    ]
    values = ctx.emit("Transpose", [got], perm=order)
    mask = _unsqueezed(
        ctx,
        ctx.emit("Unsqueeze", [valid, ctx.ints(list(range(1, 1 + n_pre)))]) if n_pre else valid,
        0,
        post,
        rank_out,
    )
    return _masked(ctx, values, mask, dtype)


def _element(ctx: NodeContext, op: Gather, data: str, dtype: dtypes.DType) -> str:
    idx, idx_type = _indices(ctx)
    length = ctx.cast(ctx.dim(0, op.axis), idx_type)
    safe, valid = _wrap(ctx, idx, length, idx_type)
    return _masked(ctx, ctx.emit("GatherElements", [data, safe], axis=op.axis), valid, dtype)


def _nd(ctx: NodeContext, op: Gather, data: str, dtype: dtypes.DType) -> str:
    e = op.num_elementwise_dims
    idx, idx_type = _indices(ctx)
    k = static_dim(ctx.input_type(1).shape[-1])
    data_shape = ctx.emit("Shape", [data], start=e, end=e + k)
    safe, valid = _wrap(ctx, idx, ctx.cast(data_shape, idx_type), idx_type)
    # a coordinate tuple is valid when all its coordinates are
    all_valid = ctx.emit(
        "Equal",
        [ctx.reduce("ReduceMin", ctx.cast(valid, dtypes.int32), [-1], False), ctx.const(1, dtypes.int32)],
    )
    safe = ctx.emit(
        "Where", [ctx.emit("Unsqueeze", [all_valid, ctx.ints([-1])]), safe, ctx.const(0, idx_type)]
    )
    values = ctx.emit("GatherND", [data, _int64(ctx, safe)], batch_dims=e)
    rest = ctx.input_type(0).rank - e - k
    return _masked(ctx, values, _unsqueezed(ctx, all_valid, 0, rest, ctx.output_type().rank), dtype)


_MODES = {_G.DEFAULT: _default, _G.ELEMENT: _element, _G.ND: _nd}


@exports(Gather)
def _gather(ctx: NodeContext, op: Gather) -> str:
    gathered = _MODES[op.mode]
    # fp8 and int4 as float32: ONNX's Gather, GatherElements, GatherND and Where take neither
    return ctx.moved(("Gather",), lambda data, dtype: gathered(ctx, op, data, dtype))


# -- import ---------------------------------------------------------------------------------------------

@imports("Gather")
def _import_gather(ctx: ImportContext) -> Tensor:
    """One Gather layer in DEFAULT mode (negative indices wrap, as the parser passes them)."""
    x = ctx.input(0)
    return gather(x, ctx.input(1), ctx.axis(int(ctx.attr("axis", 0)), len(x.shape)))


@imports("GatherElements", since=11)
def _import_gather_elements(ctx: ImportContext) -> Tensor:
    """One Gather layer in ELEMENT mode."""
    x = ctx.input(0)
    return take_along_axis(x, ctx.input(1), ctx.axis(int(ctx.attr("axis", 0)), len(x.shape)))


@imports("GatherND", since=11)
def _import_gather_nd(ctx: ImportContext) -> Tensor:
    """One Gather layer in ND mode with ``batch_dims`` element-wise dims."""
    return gather_nd(ctx.input(0), ctx.input(1), int(ctx.attr("batch_dims", 0)))
