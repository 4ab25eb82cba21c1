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

from typing import Any

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.cast import converted
from trtdsl.backends.onnx.graph import NodeContext, onnx_type
from trtdsl.backends.onnx.importing import ImportContext, imports, known_dims
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.dims import Dim, is_static, static_shape
from trtdsl.ir.tensor import Tensor
from trtdsl.layers._shape_args import dim_scalar
from trtdsl.layers.cast import cast
from trtdsl.layers.concat import concatenate
from trtdsl.layers.elementwise import maximum, minimum
from trtdsl.layers.manipulation import split
from trtdsl.layers.padding import PAD_MODES, Padding, pad
from trtdsl.layers.select import where
from trtdsl.layers.shape import shape_of
from trtdsl.layers.shuffle import reshape
from trtdsl.layers.slice import SampleMode, Slice, slice as slice_layer

_M = SampleMode
_I64 = dtypes.int64


def _in_range(d: object, size: object, start: object, stride: object) -> bool:
    """Whether a static axis reads a progression inside [0, d) (or nothing)."""
    if not (isinstance(d, int) and isinstance(size, int)
            and isinstance(start, int) and isinstance(stride, int)):
        return False
    if size == 0:
        return True
    last = start + (size - 1) * stride
    return stride != 0 and 0 <= min(start, last) and max(start, last) < d


def _coordinates(ctx: NodeContext, op: Slice, axis: int, given: list[bool]) -> tuple[str, bool]:
    """``start + stride * arange(size)`` on ``axis`` as a 1-D int64 value: constants where the parameters
    are static, else computed from the shape tensors (inputs 1-3) or the input's dim; and whether they are
    known to be >= 0."""
    start, size, stride = op.start[axis], op.size[axis], op.stride[axis]
    if not any(given) and isinstance(start, int) and isinstance(size, int) and isinstance(stride, int):
        coordinates = start + stride * np.arange(size, dtype=np.int64)
        return ctx.ints(coordinates), bool((coordinates >= 0).all())
    begin, count, step = (_parameter(ctx, k, axis, v) for k, v in ((1, start), (2, size), (3, stride)))
    offsets = ctx.emit("Range", [ctx.const(0, _I64), count, ctx.const(1, _I64)])
    # the op's start and stride are the inputs' values as the IR knows them: an int start and stride >= 0
    # read coordinates >= 0 whatever the size
    nonnegative = isinstance(start, int) and isinstance(stride, int) and start >= 0 and stride >= 0
    return ctx.emit("Add", [begin, ctx.emit("Mul", [step, offsets])]), nonnegative


def _parameter(ctx: NodeContext, k: int, axis: int, value: object) -> str:
    """Start, size or stride (input ``k``) on ``axis`` as a 0-D int64 value."""
    if ctx.optional_input(k) is not None:
        return ctx.emit("Gather", [ctx.cast(ctx.input(k), _I64), ctx.const(axis, _I64)], axis=0)
    if isinstance(value, int):
        return ctx.const(value, _I64)
    return ctx.dim(0, axis)  # a size that is the input's own dim on its axis


def _sample(ctx: NodeContext, mode: SampleMode, coordinates: tuple[str, bool],
            d: str) -> tuple[str, str | None]:
    """(coordinates to read, mask of the in-range ones for FILL) for coordinates ``c`` on an axis of
    length ``d`` (and whether they are known to be >= 0). STRICT_BOUNDS fails on a coordinate outside
    ``[0, d)`` (:meth:`NodeContext.strict_indices`)."""
    c, nonnegative = coordinates
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
    return (c if nonnegative else ctx.strict_indices(c, d)), None


@exports(Slice)
def _slice(ctx: NodeContext, op: Slice) -> str:
    if ctx.input_type(0).rank == 0:
        return ctx.emit("Identity", [ctx.input(0)])
    # fp8 and int4 as float32: ONNX's Slice, Gather and Where take neither
    return ctx.moved(("Slice",), lambda x, dtype: _sliced(ctx, op, x, dtype))


def _sliced(ctx: NodeContext, op: Slice, x: str, dtype: dtypes.DType) -> str:
    """The slice of ``x``, the data (input 0) as values of ``dtype`` (float32 for quantized data)."""
    x_type = ctx.input_type(0)
    axes = range(x_type.rank)
    given = [ctx.optional_input(k) is not None for k in (1, 2, 3)]
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
        # nothing to read: all fill
        return ctx.emit("Expand", [_fill_value(ctx, dtype), ctx.ints(static_shape(op.size))])
    if simple:
        starts = static_shape(op.start[i] for i in simple)
        strides = [st or 1 for st in static_shape(op.stride[i] for i in simple)]  # (0 reads nothing here)
        ends = [start + size * stride for start, size, stride in
                zip(starts, static_shape(op.size[i] for i in simple), strides)]
        # ONNX reads a negative end from the back; "before index 0" is any end below -d
        ends = [e if e >= 0 else np.iinfo(np.int64).min for e in ends]
        x = ctx.emit(
            "Slice",
            [x, ctx.ints(starts), ctx.ints(ends), ctx.ints(simple), ctx.ints(strides)],
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
    return ctx.where(mask, x, _fill_value(ctx, dtype), dtype)


def _fill_value(ctx: NodeContext, dtype: dtypes.DType) -> str:
    """The fill value (input 4, converted to the data's type, or 0) as a value of ``dtype``."""
    data = ctx.input_type(0).dtype
    fill = ctx.optional_input(4)
    if fill is None:
        return ctx.const(0, dtype)
    source = ctx.input_type(4).dtype
    if source is data:
        value = fill
    elif data is dtypes.float8_e4m3 and source.is_float:
        # rounded to nearest, NaN beyond fp8's range, as the reference's astype (ONNX's default saturates)
        value = ctx.emit("Cast", [fill], to=onnx_type(data), saturate=0)
    else:
        value = converted(ctx, fill, source, data)
    return value if dtype is data else ctx.widened(value, data)


@exports(Padding)
def _padding(ctx: NodeContext, op: Padding) -> str:
    rank = ctx.input_type(0).rank
    pads = [0] * (rank - 2) + list(op.pre_padding) + [0] * (rank - 2) + list(op.post_padding)
    return ctx.emit("Pad", [ctx.input(0), ctx.ints(pads)], mode="constant")


# -- import ---------------------------------------------------------------------------------------------

_INT_MAX = 2**31 - 1  # ends at or beyond it (exporters write INT64_MAX) mean "to the end"


def _slice_axis(x: Tensor, axis: int, start: Any, end: Any, step: int) -> tuple[Any, Any]:
    """(start, size) of ONNX Slice's ``start:end:step`` on ``axis`` of ``x``, clamped as ONNX clamps and
    as onnx-tensorrt's ``decodeOnnxStartsAndEnds`` does: a negative start or end counts once from the
    back, then the start is clamped to ``[0, d]`` (``[0, d - 1]`` stepping backward) and the end to
    ``[0, d]`` (``[-1, d]`` backward); the size is ``max(0, ceil((end - start) / step))``. Backward from
    before the axis reads its first element (``-10::-1`` of 3 values is ``[x[0]]``), where Python's
    slices read nothing.

    On a dynamic axis of length ``n``, a slice forward from a non-negative start to the end or to a
    negative end (``1:``, ``2:-1``) and the whole axis backward (``::-1``) keep dim expressions (``n - 1``,
    ``n - 3``, ``n``), which other layers' dims can match; the first needs ``n`` at least as long as the
    slice's bounds when the network runs (the Slice layer's size would be negative: an error where ONNX
    gives an empty result). Any other slice of a dynamic axis, and a start or end computed when the network
    runs (a 0-D int64 tensor), is clamped when the network runs, by 0-D int64 tensors, with the same
    arithmetic."""
    dim = x.shape[axis]
    forward = step > 0
    if not (isinstance(start, Tensor) or isinstance(end, Tensor)):  # else clamped when the network runs
        if isinstance(dim, int):
            bounds = ((start, 0, dim if forward else dim - 1), (end, 0 if forward else -1, dim))
            first, last = (min(max(v + dim if v < 0 else v, low), high) for v, low, high in bounds)
            size = max(0, -(-(last - first) // step))
            return (first if size else 0), size
        from trtdsl.shapes.algebra import simplify

        if forward and 0 <= start < _INT_MAX and (end >= _INT_MAX or -_INT_MAX < end < 0):
            stop = dim if end >= _INT_MAX else dim + end
            return start, simplify((stop - start + (step - 1)) // step)
        if not forward and (start == -1 or start >= _INT_MAX) and end <= -_INT_MAX:
            return dim - 1, simplify((dim - step - 1) // -step)
    d = dim_scalar(x.network, dim)

    def bound(value: Any, low: Any, high: Any) -> Tensor:  # from the back where negative, then clamped
        if isinstance(value, Dim):  # a known dim beside a bound read when the network runs
            value = dim_scalar(x.network, value)
        if isinstance(value, Tensor):
            position = where(value < 0, d + value, value)
        else:
            position = d + value if value < 0 else x.network.constant(np.int64(value))
        return minimum(maximum(position, low), high)

    begin = bound(start, 0, d if forward else d - 1)
    finish = bound(end, 0 if forward else -1, d)
    span = maximum(finish - begin if forward else begin - finish, 0)
    return begin, (span + (abs(step) - 1)) // abs(step)


def _slice_bounds(ctx: ImportContext, i: int, what: str) -> list[Any]:
    """Slice's starts or ends (input ``i``): ints where they are build-time constants, else the dims they
    are where the IR knows them (``x[:, :n]`` with ``n`` read from another input's shape, GPT-2's
    ``bias[:T, :T]``), else each element as a 0-D int64 tensor read when the network runs (the parser
    computes the clamped bounds with shape-tensor layers)."""
    if ctx.peek(i) is None and i < len(ctx.node.input) and ctx.node.input[i]:
        given = ctx.input(i)
        dims = known_dims(given)
        if dims is not None:
            return [d if isinstance(d, Dim) else int(d) for d in dims]
        length = given.shape[0] if len(given.shape) == 1 else None
        if not isinstance(length, int):
            raise ctx.refuse(f"{what} must be a 1-D tensor of a length known when the network is built")
        given = cast(given, _I64) if given.dtype is not _I64 else given
        return [reshape(slice_layer(given, (j,), (1,)), ()) for j in range(length)]
    return [int(v) for v in ctx.static(i, what).reshape(-1)]


def _dim_bounds(x: Tensor, axis: int, start: Any, end: Any, step: int) -> tuple[Any, Any] | None:
    """(start, size) of a forward slice with a dim among its bounds, as a dim expression: the dim is a
    coordinate from the start, which must lie within the axis when the network runs (as the DSL's
    ``x[:n]``: an error there, where ONNX would clamp). An end that is the axis' own length less a constant
    (``x[:, :x.size(1) - 1]``) is read as that negative end (``x[:, :-1]``, the dim ``n - 1``, which needs
    ``n >= 1`` when the network runs). None where a bound could be negative otherwise (ONNX counts those
    from the back) or stepping backward: the caller clamps those when the network runs."""
    from trtdsl.shapes.algebra import never_negative, simplify

    dim = x.shape[axis]
    back = simplify(end - dim) if isinstance(end, Dim) and not never_negative(end) else None
    if isinstance(back, int) and back < 0:
        end = back
        if not isinstance(start, Dim):  # read as the same slice with its negative end
            return _slice_axis(x, axis, start, end, step)
    if step < 0 or any(isinstance(v, Dim) and not never_negative(v) for v in (start, end)):
        return None
    first = start if isinstance(start, Dim) else start if start >= 0 else dim + start
    stop = end if isinstance(end, Dim) else dim if end >= _INT_MAX else end if end >= 0 else dim + end
    return first, simplify((stop - first + (step - 1)) // step)


@imports("Slice")
def _import_slice(ctx: ImportContext) -> Tensor:
    """One Slice layer; starts, ends, axes and steps are attributes before opset 10 and inputs from it on:
    axes and steps build-time constants, starts and ends also dims the IR knows or values read when the
    network runs (see :func:`_slice_bounds`)."""
    x = ctx.input(0)
    rank = len(x.shape)
    if ctx.opset >= 10:
        starts, ends = _slice_bounds(ctx, 1, "starts"), _slice_bounds(ctx, 2, "ends")
        axes_given = ctx.optional_static(3, "axes")
        steps_given = ctx.optional_static(4, "steps")
        axes = list(range(len(starts))) if axes_given is None else [int(v) for v in axes_given.reshape(-1)]
        steps = [1] * len(starts) if steps_given is None else [int(v) for v in steps_given.reshape(-1)]
    else:
        starts, ends = ctx.ints("starts") or [], ctx.ints("ends") or []
        axes = ctx.ints("axes", list(range(len(starts)))) or []
        steps = [1] * len(starts)
    ctx.check(len(starts) == len(ends) == len(axes) == len(steps),
              "starts, ends, axes and steps have different lengths")
    begin: list[Any] = [0] * rank
    size: list[Any] = list(x.shape)
    stride: list[Any] = [1] * rank
    seen = set()
    for s, e, a, st in zip(starts, ends, axes, steps):
        axis = ctx.axis(a, rank)
        ctx.check(axis not in seen, f"axis {a} is repeated")
        seen.add(axis)
        ctx.check(st != 0, "steps must not be 0")
        runtime = isinstance(s, Tensor) or isinstance(e, Tensor)
        kept = _dim_bounds(x, axis, s, e, st) if (isinstance(s, Dim) or isinstance(e, Dim)) and not runtime \
            else None
        if kept is not None:
            begin[axis], size[axis] = kept
        else:  # a dim that may be negative is clamped when the network runs, as a bound from the data
            s, e = (dim_scalar(x.network, v) if isinstance(v, Dim) else v for v in (s, e))
            begin[axis], size[axis] = _slice_axis(x, axis, s, e, st)
        stride[axis] = st
    return slice_layer(x, begin, size, stride)


_PADS = {"constant": "constant", "reflect": "reflect", "edge": "edge", "wrap": "wrap"}


@imports("Pad", since=2)
def _import_pad(ctx: ImportContext) -> Tensor:
    """One Slice layer in FILL, REFLECT, CLAMP (edge) or WRAP mode (onnx-tensorrt
    ``DEFINE_BUILTIN_OP_IMPORTER(Pad)``). Pads and the constant value may be computed at run time; pads
    known when the network is built give static sizes, unless they pad a dynamic axis."""
    x = ctx.input(0)
    rank = len(x.shape)
    mode = ctx.attr("mode", "constant")
    ctx.one_of("mode", mode, tuple(_PADS))
    value: Any = 0
    if ctx.opset >= 11:
        given = ctx.optional(2)
        if given is not None:  # a value computed at run time is the Slice layer's fill input
            known = ctx.peek(2)
            value = reshape(given, ()) if known is None else known.reshape(())
        axes_given = ctx.optional_static(3, "axes")
        axes = list(range(rank)) if axes_given is None else [ctx.axis(int(a), rank) for a in axes_given]
        found = ctx.peek(1)
        if found is None:
            return _padded_at_run_time(ctx, x, ctx.input(1), axes, mode, value)
        pads = [int(v) for v in found.reshape(-1)]
    else:
        pads = ctx.ints("pads") or []
        value = float(ctx.attr("value", 0.0))
        axes = list(range(rank))
    ctx.check(len(pads) == 2 * len(axes), f"pads {pads} has {len(pads)} values; expected {2 * len(axes)}")
    if any(isinstance(x.shape[a], Dim) and (pads[i] or pads[i + len(axes)]) for i, a in enumerate(axes)):
        return _padded_at_run_time(ctx, x, ctx.constant(np.array(pads, np.int64)), axes, mode, value)
    width = [(0, 0)] * rank
    for i, axis in enumerate(axes):
        width[axis] = (pads[i], pads[i + len(axes)])
    if any(a < 0 or b < 0 for a, b in width):  # negative pads crop: a Slice first, then the padding
        x = _crop(ctx, x, width)
        width = [(max(a, 0), max(b, 0)) for a, b in width]
    if mode == "constant":
        fill = value if isinstance(value, Tensor) else np.asarray(value).astype(x.dtype.numpy)
        return pad(x, width, "constant", fill)
    return pad(x, width, _PADS[mode])


def _padded_at_run_time(ctx: ImportContext, x: Tensor, given: Tensor, axes: list[int], mode: str,
                        value: Any) -> Tensor:
    """ONNX Pad by the pads ``given`` (ONNX's order: the befores of ``axes``, then their afters) as one
    Slice layer whose start (``-before``) and size (``d + before + after``) are computed when the network
    runs (onnx-tensorrt's Pad importer does the same), in the mode's sample mode. Negative pads crop,
    before REFLECT and WRAP read the input (where cropping first changes what they read)."""
    rank = len(x.shape)
    pads = cast(reshape(given, (-1,)), dtypes.int64)
    ctx.check(pads.shape[0] == 2 * len(axes), f"pads has {pads.shape[0]} values; expected {2 * len(axes)}")
    zero = ctx.constant(np.zeros(1, np.int64))

    def side(first: int) -> Tensor:  # the pads before (first 0) or after (first len(axes)) each axis
        pieces = [pads[first + axes.index(a):first + axes.index(a) + 1] if a in axes else zero
                  for a in range(rank)]
        return pieces[0] if rank == 1 else concatenate(pieces)

    before, after = side(0), side(len(axes))
    if mode in ("reflect", "wrap"):  # they read the cropped input (ONNX crops first); FILL and CLAMP alike
        cut_before, cut_after = maximum(0 - before, 0), maximum(0 - after, 0)
        x = slice_layer(x, cut_before, cast(shape_of(x), dtypes.int64) - cut_before - cut_after)
        before, after = maximum(before, 0), maximum(after, 0)
    size = cast(shape_of(x), dtypes.int64) + before + after
    fill: Any = None  # FILL's default is 0
    if mode == "constant" and (isinstance(value, Tensor) or value != 0):
        fill = value if isinstance(value, Tensor) else np.asarray(value).astype(x.dtype.numpy)
    start = ctx.constant(np.zeros(rank, np.int64)) - before
    return slice_layer(x, start, size, None, PAD_MODES[mode], fill)


def _crop(ctx: ImportContext, x: Tensor, width: list[tuple[int, int]]) -> Tensor:
    begin = [-min(a, 0) for a, _ in width]
    size = [d + min(a, 0) + min(b, 0) for d, (a, b) in zip(x.shape, width)]
    return slice_layer(x, begin, size)


@imports("Split", since=2)
def _import_split(ctx: ImportContext) -> list[Tensor]:
    """One Slice layer per output; sizes from ``split`` (an attribute before opset 13, an input from
    it on) or ``num_outputs`` equal parts (the last smaller, opset 18)."""
    x = ctx.input(0)
    axis = ctx.axis(int(ctx.attr("axis", 0)), len(x.shape))
    sizes = ctx.axes(1, since=13, name="split")
    parts = int(ctx.attr("num_outputs", ctx.num_outputs))
    ctx.check(parts == ctx.num_outputs, f"num_outputs={parts} but the node has {ctx.num_outputs} outputs")
    length = x.shape[axis]
    if sizes is None:
        if not isinstance(length, int):
            # parts of ceil(length / parts), the last what remains (the parser's floorDiv on shape tensors);
            # an axis too short for that fails when the network runs
            chunk = (length + (parts - 1)) // parts
            return split(x, [chunk * i for i in range(1, parts)], axis) if parts > 1 else [x]
        chunk = -(-length // parts)
        sizes = [min(chunk, max(length - chunk * i, 0)) for i in range(parts)]
    ctx.check(len(sizes) == parts, f"split {sizes} gives {len(sizes)} parts for {parts} outputs")
    ctx.check(not isinstance(length, int) or sum(sizes) == length,
              f"split {sizes} does not add up to the axis length {length}")
    bounds = list(np.cumsum(sizes[:-1])) if len(sizes) > 1 else []
    if not bounds:
        return [slice_layer(x, [0] * len(x.shape), list(x.shape))]
    return split(x, [int(b) for b in bounds], axis)
