"""ONNX export of ISoftMaxLayer: ONNX Softmax along the layer's one axis (opset 13's definition,
``exp(x - max) / sum(exp(x - max))`` along that axis only)."""

from __future__ import annotations

import numpy as np

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.backends.onnx.shuffle import flattened_2d
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.neural import log_softmax
from trtdsl.layers.one_hot import one_hot
from trtdsl.layers.shuffle import reshape
from trtdsl.layers.softmax import SoftMax, softmax
from trtdsl.layers.squeeze import squeeze
from trtdsl.layers.topk import topk

@exports(SoftMax)
def _softmax(ctx: NodeContext, op: SoftMax) -> str:
    return ctx.compute("Softmax", [ctx.input(0)], ctx.input_type(0).dtype, axis=op.axis)


# -- import ---------------------------------------------------------------------------------------------

@imports("Softmax", "LogSoftmax", since=13)
def _import_softmax(ctx: ImportContext) -> Tensor:
    """One SoftMax layer on ``axis`` (LogSoftmax: ``x - max - log(sum(exp(x - max)))``, the stable form
    of onnx-tensorrt's LogSoftmax importer)."""
    x = ctx.input(0)
    axis = ctx.axis(int(ctx.attr("axis", -1)), max(len(x.shape), 1))
    return softmax(x, axis) if ctx.op_type == "Softmax" else log_softmax(x, axis)


@imports("Softmax", "LogSoftmax", since=1, until=12)
def _import_softmax_2d(ctx: ImportContext) -> Tensor:
    """Before opset 13 the input is read as 2-D, ``(prod(shape[:axis]), prod(shape[axis:]))``, and
    normalized over its second dim: a Shuffle to 2-D, the softmax on axis 1, a Shuffle back."""
    x = ctx.input(0)
    flat = flattened_2d(ctx, x)
    y = softmax(flat, 1) if ctx.op_type == "Softmax" else log_softmax(flat, 1)
    return reshape(y, x.shape)


@imports("Hardmax", since=13)
def _import_hardmax(ctx: ImportContext) -> Tensor:
    """1 at the first maximum along ``axis``, else 0: a TopK layer (MAX, k=1) and a OneHot layer of its
    indices (the axis must be static)."""
    x = ctx.input(0)
    axis = ctx.axis(int(ctx.attr("axis", -1)), len(x.shape))
    return _hardmax(ctx, x, axis, "the axis")


@imports("Hardmax", since=1, until=12)
def _import_hardmax_2d(ctx: ImportContext) -> Tensor:
    """Before opset 13 the input is read as 2-D at ``axis`` (default 1), ``(prod(shape[:axis]),
    prod(shape[axis:]))``, and the maximum found along its second dim, as onnx-tensorrt's Hardmax importer
    builds it below opset 13: a Shuffle to 2-D, the opset-13 layers on axis 1, a Shuffle back. The
    flattened length must be static."""
    x = ctx.input(0)
    return reshape(_hardmax(ctx, flattened_2d(ctx, x), 1, "each row of the 2-D view"), x.shape)


def _hardmax(ctx: ImportContext, x: Tensor, axis: int, what: str) -> Tensor:
    depth = x.shape[axis]
    if not isinstance(depth, int):
        raise ctx.refuse(f"{what} has the dynamic length {depth}; OneHot needs a static depth")
    _, indices = topk(x, 1, axis)
    values = ctx.constant(np.array([0, 1], x.dtype.numpy), x.dtype)
    return one_hot(squeeze(indices, axis), depth, values, axis)
