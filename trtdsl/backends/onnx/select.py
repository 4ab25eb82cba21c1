"""ONNX export of ISelectLayer (ONNX Where) and IShapeLayer (ONNX Shape, int64 as in TensorRT)."""

from __future__ import annotations

import math

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import cast
from trtdsl.layers.fill import arange
from trtdsl.layers.reduce import prod
from trtdsl.layers.select import Select, where
from trtdsl.layers.shape import Shape, shape_of
from trtdsl.layers.shuffle import reshape
from trtdsl.layers.slice import slice as slice_layer

@exports(Select)
def _select(ctx: NodeContext, op: Select) -> str:
    return ctx.emit("Where", [ctx.input(0), ctx.input(1), ctx.input(2)])


@exports(Shape)
def _shape(ctx: NodeContext, op: Shape) -> str:
    return ctx.emit("Shape", [ctx.input(0)])


# -- import ---------------------------------------------------------------------------------------------

@imports("Where", since=9)
def _import_where(ctx: ImportContext) -> Tensor:
    return where(ctx.input(0), ctx.input(1), ctx.input(2))


@imports("Shape")
def _import_shape(ctx: ImportContext) -> Tensor:
    """A Shape layer (int64), sliced by ``start``/``end`` (opset 15)."""
    x = ctx.input(0)
    rank = len(x.shape)
    start, end = int(ctx.attr("start", 0)), ctx.attr("end")
    first, last, _ = slice(start, None if end is None else int(end)).indices(rank)
    shape = shape_of(x)
    if (first, last) == (0, rank):
        return shape
    return slice_layer(shape, (first,), (max(last - first, 0),))


@imports("Size")
def _import_size(ctx: ImportContext) -> Tensor:
    """The product of the input's shape, a 0-D int64: a constant where every dim is static (the parser's
    shape-tensor product folds known values, onnx-tensorrt ``DEFINE_BUILTIN_OP_IMPORTER(Size)``), else a
    Reduce layer of its Shape."""
    x = ctx.input(0)
    if all(isinstance(d, int) for d in x.shape):
        return ctx.constant(np.array(math.prod(x.shape), np.int64), dtypes.int64)
    return prod(shape_of(x), axis=0)


@imports("Trilu", since=14)
def _import_trilu(ctx: ImportContext) -> Tensor:
    """A Select layer keeping the upper (``j - i >= k``) or lower (``j - i <= k``) triangle of the last two
    dims, zeros elsewhere, as onnx-tensorrt ``DEFINE_BUILTIN_OP_IMPORTER(Trilu)`` builds it (a comparison
    of row and column iotas, ``k`` subtracted from the columns, then a Select): a constant mask where the
    two dims and ``k`` are known when the network is built; else the positions are Fill layers
    (``td.arange``) of the dims read when the network runs (``torch.tril(torch.ones(L, L))``) and ``k``
    the run-time value of input 1. ``upper`` defaults to 1, as ONNX defines it."""
    x = ctx.input(0)
    ctx.check(len(x.shape) >= 2, f"the input has rank {len(x.shape)}; expected at least 2")
    rows, cols = x.shape[-2], x.shape[-1]
    upper = bool(ctx.attr("upper", 1))
    known, given = ctx.peek(1), ctx.optional(1)
    k: int | Tensor = 0 if given is None else int(known.reshape(-1)[0]) if known is not None else given
    if isinstance(k, Tensor):
        ctx.check(k.shape in ((), (1,)), f"k has shape {k.type.shape_text}; expected one value")
        k = reshape(cast(k, dtypes.int64), ())
    positions: np.ndarray | Tensor  # j - i
    if isinstance(rows, int) and isinstance(cols, int):
        positions = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    else:  # from the dims read when the network runs
        positions = arange(cols, dtype=dtypes.int64, like=x)[None, :] - \
            arange(rows, dtype=dtypes.int64, like=x)[:, None]
    if isinstance(positions, np.ndarray) and isinstance(k, int):
        mask: Tensor = ctx.constant(positions >= k if upper else positions <= k)
    else:
        if isinstance(positions, np.ndarray):
            positions = ctx.constant(positions.astype(np.int64))
        bound = ctx.constant(np.asarray(k, np.int64)) if isinstance(k, int) else k
        mask = positions >= bound if upper else positions <= bound
    return where(mask, x, ctx.constant(np.zeros((), x.dtype.numpy), x.dtype))


@imports("EyeLike", since=9)
def _import_eye_like(ctx: ImportContext) -> Tensor:
    """A constant ``np.eye(rows, cols, k)`` of the input's static 2-D shape."""
    from trtdsl.backends.onnx.importing import element_dtype

    x = ctx.input(0)
    code = ctx.attr("dtype")
    dtype = x.dtype if code is None else element_dtype(int(code), f"{ctx.where}: dtype")
    static = [d for d in x.shape if isinstance(d, int)]
    if len(x.shape) != 2 or len(static) != 2:
        raise ctx.refuse(f"the input is {x.type.shape_text}; expected a static 2-D shape")
    rows, cols = static
    return ctx.constant(np.eye(rows, cols, int(ctx.attr("k", 0))).astype(dtype.numpy), dtype)
