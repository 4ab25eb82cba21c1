"""ONNX export of ISliceLayer and IPaddingLayer.

Slice reads ``x[start + y * stride]`` per axis with TensorRT's SampleMode for coordinates outside the
input; start, size and stride are static or 1-D shape tensors (inputs 1-3). Axes that read an in-range
progression become one ONNX Slice (ONNX's own Slice clamps, which is none of TensorRT's modes, so it is
only used where nothing is out of range). Every other axis becomes a Gather at coordinates the graph
computes from the input's (possibly dynamic) length with the mode's formula: WRAP ``c mod d``, CLAMP
``clip(c, 0, d-1)``, REFLECT ``m = |c| mod max(2d-2, 1)``, then ``2d-2-m`` where ``m >= d``. FILL reads
clamped coordinates and writes the fill value (input 4, cast to the data's type, or 0) wherever a
coordinate is outside on any axis.

IPaddingLayer is ONNX Pad (constant 0) on the last two dims; negative pads crop, in both.
"""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.dims import Dim
from trtdsl.layers.padding import Padding
from trtdsl.layers.slice import SampleMode, Slice

_M = SampleMode
_I64 = dtypes.int64


def _in_range(d: object, size: object, start: int, stride: int) -> bool:
    """Whether a static axis reads a progression inside [0, d) (or nothing)."""
    if not (isinstance(d, int) and isinstance(size, int)):
        return False
    if size == 0:
        return True
    last = start + (size - 1) * stride
    return stride != 0 and 0 <= min(start, last) and max(start, last) < d


def _coordinates(ctx: NodeContext, op: Slice, axis: int, given: list[bool]) -> str:
    """``start + stride * arange(size)`` on ``axis`` as a 1-D int64 value: constants where the parameters
    are static, else computed from the shape tensors (inputs 1-3) or the input's dim."""
    start, size, stride = op.start[axis], op.size[axis], op.stride[axis]
    if not any(given) and all(isinstance(v, int) for v in (start, size, stride)):
        return ctx.ints(start + stride * np.arange(size, dtype=np.int64))
    begin, count, step = (_parameter(ctx, k, axis, v) for k, v in ((1, start), (2, size), (3, stride)))
    offsets = ctx.emit("Range", [ctx.const(0, _I64), count, ctx.const(1, _I64)])
    return ctx.emit("Add", [begin, ctx.emit("Mul", [step, offsets])])


def _parameter(ctx: NodeContext, k: int, axis: int, value: object) -> str:
    """Start, size or stride (input ``k``) on ``axis`` as a 0-D int64 value."""
    if len(ctx.node.inputs) > k and ctx.input(k) is not None:
        return ctx.emit("Gather", [ctx.cast(ctx.input(k), _I64), ctx.const(axis, _I64)], axis=0)
    if isinstance(value, int):
        return ctx.const(value, _I64)
    return ctx.dim(0, axis)  # a size that is the input's own dim on its axis


def _sample(ctx: NodeContext, mode: SampleMode, c: str, d: str) -> tuple[str, str | None]:
    """(coordinates to read, mask of the in-range ones for FILL) for coordinates ``c`` on an axis of
    length ``d``."""
    zero, one = ctx.const(0, _I64), ctx.const(1, _I64)
    if mode is _M.WRAP:
        return ctx.emit("Mod", [c, d], fmod=0), None
    if mode is _M.CLAMP:
        return ctx.emit("Max", [ctx.emit("Min", [c, ctx.emit("Sub", [d, one])]), zero]), None
    if mode is _M.REFLECT:
        period = ctx.emit(
            "Max", [ctx.emit("Sub", [ctx.emit("Mul", [d, ctx.const(2, _I64)]), ctx.const(2, _I64)]), one]
        )
        m = ctx.emit("Mod", [ctx.emit("Abs", [c]), period], fmod=0)
        beyond = ctx.emit("Not", [ctx.emit("Less", [m, d])])
        return ctx.emit("Where", [beyond, ctx.emit("Sub", [period, m]), m]), None
    if mode is _M.FILL:
        inside = ctx.emit("And", [ctx.emit("Not", [ctx.emit("Less", [c, zero])]), ctx.emit("Less", [c, d])])
        return ctx.emit("Where", [inside, c, zero]), inside
    return c, None


@exports(Slice)
def _slice(ctx: NodeContext, op: Slice) -> str:
    x_type = ctx.input_type(0)
    if x_type.rank == 0:
        return ctx.emit("Identity", [ctx.input(0)])
    axes = range(x_type.rank)
    given = [len(ctx.node.inputs) > k and ctx.input(k) is not None for k in (1, 2, 3)]
    static = not any(given)
    whole = [
        i for i in axes if static and isinstance(op.size[i], Dim) and (op.start[i], op.stride[i]) == (0, 1)
    ]
    simple = [
        i
        for i in axes
        if static and i not in whole and _in_range(x_type.shape[i], op.size[i], op.start[i], op.stride[i])
    ]
    if op.mode is _M.FILL and static and any(x_type.shape[i] == 0 and op.size[i] != 0 for i in axes):
        return ctx.emit("Expand", [_fill_value(ctx), ctx.ints(op.size)])  # nothing to read: all fill
    x = ctx.input(0)
    if simple:
        starts = [op.start[i] for i in simple]
        ends = [op.start[i] + op.size[i] * op.stride[i] for i in simple]
        # ONNX reads a negative end from the back; "before index 0" is any end below -d
        ends = [e if e >= 0 else np.iinfo(np.int64).min for e in ends]
        x = ctx.emit(
            "Slice",
            [x, ctx.ints(starts), ctx.ints(ends), ctx.ints(simple), ctx.ints([op.stride[i] for i in simple])],
        )
    masks = []
    for i in axes:
        if i in whole or i in simple:
            continue
        index, inside = _sample(ctx, op.mode, _coordinates(ctx, op, i, given), ctx.dim(0, i))
        x = ctx.emit("Gather", [x, index], axis=i)
        if inside is not None:
            others = [k for k in axes if k != i]
            masks.append(ctx.emit("Unsqueeze", [inside, ctx.ints(others)]) if others else inside)
    if not masks:
        return x
    mask = masks[0]
    for m in masks[1:]:
        mask = ctx.emit("And", [mask, m])
    return ctx.emit("Where", [mask, x, _fill_value(ctx)])


def _fill_value(ctx: NodeContext) -> str:
    dtype = ctx.input_type(0).dtype
    fill = ctx.input(4) if len(ctx.node.inputs) == 5 else None
    if fill is None:
        return ctx.const(0, dtype)
    return fill if ctx.input_type(4).dtype is dtype else ctx.cast(fill, dtype)


@exports(Padding)
def _padding(ctx: NodeContext, op: Padding) -> str:
    rank = ctx.input_type(0).rank
    pads = [0] * (rank - 2) + list(op.pre_padding) + [0] * (rank - 2) + list(op.post_padding)
    return ctx.emit("Pad", [ctx.input(0), ctx.ints(pads)], mode="constant")
