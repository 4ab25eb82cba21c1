"""ONNX export of IFillLayer.

LINSPACE ``alpha + sum_k beta[k] * i_k`` is written with Range per dim (int64 for integer outputs, which
then wrap into int32 as in the reference; float32 for float outputs, rounded per operation where the
reference rounds once). RANDOM_UNIFORM/RANDOM_NORMAL are ONNX RandomUniformLike/RandomNormalLike over a
tensor of the output's shape, scaled by alpha/beta when those are inputs: random values, like TensorRT's,
that differ from the reference's on every run (compare them by their statistics).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext, TensorProto, onnx_type
from trtdsl.backends.onnx.importing import ImportContext, element_dtype, imports, known_dims
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.dims import MAX_DIM, Dim, static_shape
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import cast
from trtdsl.layers.concat import concatenate
from trtdsl.layers.elementwise import ElementWise, ElementWiseOperation, elementwise, maximum
from trtdsl.layers.fill import Fill, FillOperation, arange, broadcast_to, fill, full
from trtdsl.layers.shape import shape_of
from trtdsl.layers.shuffle import reshape
from trtdsl.layers.squeeze import unsqueeze
from trtdsl.layers.unary import unary
from trtdsl.shapes.algebra import never_negative

_I64, _F32 = dtypes.int64, dtypes.float32


def _dims(ctx: NodeContext, op: Fill) -> str:
    """The output shape as a 1-D int64 value (input 0, or the static shape)."""
    shape = ctx.optional_input(0)
    if shape is not None:
        return ctx.cast(shape, _I64)
    return ctx.ints(static_shape(op.shape))


def _given(ctx: NodeContext, k: int) -> bool:
    return ctx.optional_input(k) is not None


def _linspace(ctx: NodeContext, op: Fill, shape: str) -> str:
    rank = len(op.shape)
    wide = _I64 if op.dtype.is_integer else _F32
    alpha = ctx.cast(ctx.input(1), wide) if _given(ctx, 1) else ctx.const(op.alpha, wide)
    total = alpha  # broadcast to the output's shape by the dims' indices (an Expand would hide that the
    # output's dims are the indices' lengths from an importer)
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
        assert op.alpha is not None and op.beta is not None, "Fill.infer: static alpha and beta"
        bounds: dict[str, Any] = (
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


# -- import ---------------------------------------------------------------------------------------------

@imports("ConstantOfShape", since=9)
def _import_constant_of_shape(ctx: ImportContext) -> Tensor:
    """A Fill layer of the shape input's value (float32 0 when ``value`` is not given)."""
    value = ctx.attr("value")
    array = np.zeros(1, np.float32) if value is None else np.asarray(value)
    ctx.check(array.size == 1, f"value has {array.size} elements; expected 1")
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    shape = ctx.input(0)
    dims: Any = known_dims(shape)
    if dims is not None and all(isinstance(d, int) for d in dims):
        return ctx.constant(np.full(dims, array.reshape(())), dtypes.dtype(array.dtype))
    return full(shape if dims is None else dims, array.reshape(()), array.dtype, like=shape)


_FOLDED = 2**20  # the longest Range of constants imported as a constant (a longer one is a Fill layer)


@imports("Range", since=11)
def _import_range(ctx: ImportContext) -> Tensor:
    """A Fill layer in LINSPACE mode of ``max(0 - floor_div(start - limit, delta), 0)`` elements, the length
    onnx-tensorrt's Range importer computes (a shape tensor of the Fill layer, whose alpha and beta are the
    start and delta tensors); where the three are build-time constants, the constant it computes, with
    the same arithmetic (TensorRT folds it when it builds). For integers that is ONNX's
    ``ceil((limit - start) / delta)``; for floats the difference and the quotient are rounded to float32
    before the floor, which can give one element fewer or more than onnxruntime's float64 arithmetic
    (Range(0, 0.3, 0.1) has 3 elements here and with TensorRT's parser, 4 on onnxruntime). DOUBLE values
    are read as float32, as the parser reads them."""
    start, limit, delta = ctx.input(0), ctx.input(1), ctx.input(2)
    values = [ctx.peek(i) for i in range(3)]
    if all(v is not None for v in values):
        dtype = start.dtype.numpy
        first, stop, step = (np.asarray(v).astype(dtype).reshape(()) for v in values)
        ctx.check(step != 0, "delta must not be 0")
        with np.errstate(all="ignore"):  # an overflowing or NaN bound: the count check below says so
            (folded,) = ElementWise(ElementWiseOperation.FLOOR_DIV).reference(first - stop, step)
        ctx.check(bool(np.isfinite(folded) and -folded <= MAX_DIM),
                  f"the length of Range({first}, {stop}, {step}) is not a dim (at most {MAX_DIM})")
        count = max(-int(folded), 0)
        if count > _FOLDED:  # a Fill layer of that length rather than a constant array of it
            return fill((count,), "linspace", first.item(), step.item(), start.dtype, like=start)
        return ctx.constant((first + np.arange(count) * step).astype(dtype), start.dtype)
    if not start.dtype.is_float and values[2] is not None:
        # ``torch.arange(x.size(0))``: a positive delta and a start at most 0 known when the network is built,
        # and a limit that cannot be negative (a number >= 0, a dim of the inputs such as Gather(Shape(x), 0),
        # their sums and products; not n - 3), make a length that cannot be negative, a dim expression (x's
        # first dim itself for that export)
        increment, lower, upper = int(values[2]), _bound(start, values[0]), _bound(limit, values[1])
        if increment > 0 and isinstance(lower, int) and lower <= 0 and not isinstance(upper, Tensor) \
                and never_negative(upper):
            return arange(lower, upper, increment, dtype=start.dtype, like=start)
    # start, limit or delta computed at run time: the parser reads int32, int64 and float32 and computes
    # the length as max(0 - int64(floor_div(start - limit, delta)), 0), a shape tensor of the Fill layer,
    # whose alpha and beta are then the start and delta tensors
    ctx.check(start.dtype in (dtypes.float32, dtypes.int32, dtypes.int64), f"start has dtype "
              f"{start.dtype.name}; TensorRT's parser reads int32, int64 and float32 for Range")
    with ctx.sync_warnings("the length of its output"):
        zero = ctx.constant(np.zeros(1, np.int64))
        quotient = cast(reshape(elementwise(start - limit, delta, "floor_div"), (1,)), dtypes.int64)
        length = maximum(zero - quotient, zero)
        return fill(length, "linspace", reshape(start, ()), reshape(delta, (1,)), start.dtype)


def _bound(t: Tensor, value: np.ndarray | None) -> Any:
    """A 0-D integer bound of Range as td.arange takes it: its value where it is known when the network is
    built, else the dim it holds where it is one of the inputs' dims, else the tensor."""
    if value is not None:
        return int(value)
    dims = known_dims(t)
    return t if dims is None or len(dims) != 1 else dims[0]


@imports("Expand", since=8)
def _import_expand(ctx: ImportContext) -> Tensor:
    """A Slice layer broadcasting the input to ``broadcast(x.shape, shape)`` (ONNX's Expand broadcasts
    both ways: a 1 in ``shape`` keeps the input's dim)."""
    x = ctx.input(0)
    dims = known_dims(ctx.input(1))
    if dims is None:
        return _expand_dynamic(ctx, x, ctx.input(1))
    target = list(dims)
    rank = max(len(target), len(x.shape))
    padded = [1] * (rank - len(x.shape)) + list(x.shape)
    target = [1] * (rank - len(target)) + target
    if any(isinstance(t, Dim) and p not in (1, t) for p, t in zip(padded, target)):
        # a target dim that may be 1 when the network runs keeps the input's: max of the two, as the parser
        return _expand_dynamic(ctx, x, ctx.input(1))
    out = [p if t == 1 else t for p, t in zip(padded, target)]
    return broadcast_to(x, out)


def _expand_dynamic(ctx: ImportContext, x: Tensor, shape: Tensor) -> Tensor:
    """Expand to a shape computed when the network runs: the output dims are ``max(x's dim, shape's)``
    (equal to broadcasting where the two broadcast), as the parser computes them with shape-tensor
    layers."""
    length = shape.shape[0] if len(shape.shape) == 1 else None
    if not isinstance(length, int):
        raise ctx.refuse("the shape input must be 1-D of static length")
    rank = max(length, len(x.shape))
    if len(x.shape) < rank:
        x = unsqueeze(x, tuple(range(rank - len(x.shape))))
    target = shape if length == rank else concatenate(
        [ctx.constant(np.ones(rank - length, np.int64)), cast(shape, dtypes.int64)], 0)
    return broadcast_to(x, maximum(cast(shape_of(x), dtypes.int64), cast(target, dtypes.int64)))


# the coefficients a_k of ONNX's windows as cosine sums, sum_k (-1)**k a_k cos(2 pi k n / N)
_COSINE_SUMS = {"HannWindow": (0.5, 0.5), "HammingWindow": (25 / 46, 21 / 46),
                "BlackmanWindow": (0.42, 0.5, 0.08)}


@imports(*_COSINE_SUMS, since=17)
def _import_window(ctx: ImportContext) -> Tensor:
    """ONNX's window ``sum_k (-1)**k a_k cos(2 pi k n / N)`` over ``n = arange(size)``, ``N = size`` (or
    ``size - 1`` with ``periodic=0``): Hann ``a = (0.5, 0.5)`` (ONNX's ``sin(pi n / N) ** 2``), Hamming
    ``(25/46, 21/46)``, Blackman ``(0.42, 0.5, 0.08)``; built as a LINSPACE Fill, Unary COS and
    ElementWise layers in float32, cast to ``output_datatype`` (a float type; DOUBLE is float32).
    UNCONFIRMED which layers TensorRT's parser builds (its window importers are not in the onnx-tensorrt
    source read here); the values are ONNX's. ``size`` must be a build-time constant.

    >>> import numpy as np, trtdsl as td
    >>> from onnx import helper, TensorProto
    >>> size = helper.make_tensor("size", TensorProto.INT64, [], [4])
    >>> graph = helper.make_graph([helper.make_node("HannWindow", ["size"], ["w"])], "g", [],
    ...     [helper.make_tensor_value_info("w", TensorProto.FLOAT, [4])], [size])
    >>> net = td.from_onnx(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    >>> np.round(net.run({})["w"], 6).tolist()     # sin(pi n / 4) ** 2
    [0.0, 0.5, 1.0, 0.5]
    """
    size_value = ctx.static(0, "size")
    ctx.check(size_value.size == 1, f"size has shape {size_value.shape}; expected a scalar")
    size = int(size_value.reshape(-1)[0])
    periodic = int(ctx.attr("periodic", 1))
    ctx.one_of("periodic", periodic, (0, 1))
    to = element_dtype(int(ctx.attr("output_datatype", TensorProto.FLOAT)),
                       f"{ctx.where}: attribute output_datatype")
    ctx.check(to.is_float, f"output_datatype {to.name}: expected a float type")
    period = size if periodic else size - 1
    ctx.check(period >= 1, f"size {size}: expected at least {2 - periodic} for a "
              f"{'periodic' if periodic else 'symmetric'} window")
    window = ctx.constant(np.float32(_COSINE_SUMS[ctx.op_type][0]), dtypes.float32)
    n = arange(0, size, 1, dtype=dtypes.float32, like=window)
    for k, a in enumerate(_COSINE_SUMS[ctx.op_type][1:], start=1):
        angle = n * ctx.constant(np.float32(2 * np.pi * k / period), dtypes.float32)
        term = unary(angle, "cos") * ctx.constant(np.float32(a), dtypes.float32)
        window = window - term if k % 2 else window + term
    return window if to == dtypes.float32 else cast(window, to)
