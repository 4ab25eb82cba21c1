"""ONNX export of ITopKLayer: ONNX TopK (sorted; equal values keep the lower index first, as in the
reference). For floats, TopK runs on keys where NaN is +inf, so that NaN counts as the largest value,
and the values are then read from the input at the returned indices (restoring the NaNs). ONNX has no
key above +inf, so within one slice a NaN and a +inf tie (lower index first), where the reference puts
NaN above +inf (see docs/onnx.md). 16-bit floats are ranked by their exact float32 values."""

from __future__ import annotations

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.dims import static_dim
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.gather import gather
from trtdsl.layers.shape import shape_of
from trtdsl.layers.slice import slice
from trtdsl.layers.squeeze import squeeze
from trtdsl.layers.topk import TopK, TopKOperation, topk

@exports(TopK)
def _topk(ctx: NodeContext, op: TopK) -> tuple[str, str]:
    x, dtype = ctx.input(0), ctx.input_type(0).dtype
    largest = int(op.op is TopKOperation.MAX)
    if ctx.optional_input(1) is not None:  # k read when the network runs; ONNX's K is a 1-D int64 tensor
        k = ctx.emit("Reshape", [ctx.cast(ctx.input(1), dtypes.int64), ctx.ints([1])])
    else:
        k = ctx.ints([static_dim(op.k)])
    if not dtype.is_float:
        values, indices = ctx.emit("TopK", [x, k], outputs=2, axis=op.axis, largest=largest, sorted=1)
    else:
        keys = x if dtype is dtypes.float32 else ctx.cast(x, dtypes.float32)
        keys = ctx.emit("Where", [ctx.emit("IsNaN", [keys]), ctx.const(float("inf"), dtypes.float32), keys])
        _, indices = ctx.emit("TopK", [keys, k], outputs=2, axis=op.axis, largest=largest, sorted=1)
        values = ctx.emit("GatherElements", [x, indices], axis=op.axis)
    if op.indices_dtype is not dtypes.int64:
        indices = ctx.cast(indices, op.indices_dtype)
    return values, indices


# -- import ---------------------------------------------------------------------------------------------

@imports("TopK")
def _import_topk(ctx: ImportContext) -> list[Tensor]:
    """One TopK layer with int64 indices. From opset 10, k from input K: an int where it is a constant,
    else the tensor (onnx-tensorrt sets it as the layer's input 1, a 0-D int32 shape tensor); before, the
    attribute ``k``, and the largest values (the parser reads the attribute below opset 10). TensorRT's
    TopK always sorts, which ``sorted=0`` (any order) allows: the parser reads no ``sorted``."""
    x = ctx.input(0)
    k: int | Tensor
    if ctx.opset < 10:
        given_k = ctx.attr("k")
        ctx.check(given_k is not None, "TopK before opset 10 needs the attribute k")
        k = int(given_k)
    else:
        given = ctx.peek(1)
        k = ctx.input(1) if given is None else int(given.reshape(-1)[0])
    axis = ctx.axis(int(ctx.attr("axis", -1)), len(x.shape))
    ctx.one_of("sorted", ctx.attr("sorted", 1), (0, 1))
    values, indices = topk(x, k, axis, largest=bool(ctx.attr("largest", 1)), indices_dtype=dtypes.int64)
    return [values, indices]


@imports("ArgMax", "ArgMin")
def _import_arg(ctx: ImportContext) -> Tensor:
    """A TopK layer (MAX or MIN, k=1) keeping its int64 indices, squeezed unless ``keepdims``
    (onnx-tensorrt ``argMinMaxHelper``). With ``select_last_index=1`` the parser runs TopK on the input
    flipped along the axis (a Slice of stride -1) and maps each index ``i`` back to ``dim - 1 - i``, so
    the last of equal values is found (TopK returns the first)."""
    x = ctx.input(0)
    axis = ctx.axis(int(ctx.attr("axis", 0)), len(x.shape))
    last = int(ctx.attr("select_last_index", 0))
    ctx.one_of("select_last_index", last, (0, 1))
    if last:
        dim = x.shape[axis]
        start = tuple(dim - 1 if a == axis else 0 for a in range(len(x.shape)))
        stride = tuple(-1 if a == axis else 1 for a in range(len(x.shape)))
        x = slice(x, start, x.shape, stride)
    _, indices = topk(x, 1, axis, largest=ctx.op_type == "ArgMax", indices_dtype=dtypes.int64)
    if last:
        # shape(x)[axis] - 1 - indices, the dim read when the network runs where it is dynamic
        dim_t = gather(shape_of(x), ctx.constant(np.asarray(axis, np.int64)))
        indices = dim_t - ctx.constant(np.asarray(1, np.int64)) - indices
    return indices if ctx.attr("keepdims", 1) else squeeze(indices, axis)
