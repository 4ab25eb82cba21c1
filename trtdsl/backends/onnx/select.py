"""ONNX export of ISelectLayer (ONNX Where) and IShapeLayer (ONNX Shape, int64 as in TensorRT)."""

from __future__ import annotations

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.select import Select
from trtdsl.layers.shape import Shape
import numpy as np

from trtdsl import dtypes
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.reduce import prod
from trtdsl.layers.select import where
from trtdsl.layers.shape import shape_of
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
    """The product of the input's shape, a 0-D int64."""
    x = ctx.input(0)
    if not x.shape:
        return ctx.constant(np.array(1, np.int64), dtypes.int64)
    return prod(shape_of(x), axis=0)
