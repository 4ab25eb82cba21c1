"""TensorRT lowering of Reduce, SoftMax, TopK, Cumulative, MatrixMultiply and Normalization.

Axes are tuples (or one int) in the IR and bitmasks in TensorRT (``axes_to_mask``). Cumulative's axis is
a parameter in the IR and a 0-D constant shape tensor in TensorRT: the lowering adds that constant and
raise folds it back.
"""

from __future__ import annotations

from typing import Any

from trtdsl import dtypes
from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.errors import BackendError
from trtdsl.ir.node import Node
from trtdsl.layers._common import axes_to_mask, mask_to_axes
from trtdsl.layers.cumulative import Cumulative, CumulativeOperation
from trtdsl.layers.matmul import MatrixMultiply, MatrixOperation
from trtdsl.layers.normalization import Normalization
from trtdsl.layers.reduce import Reduce, ReduceOperation
from trtdsl.layers.softmax import SoftMax
from trtdsl.layers.topk import TopK, TopKOperation


def _one_axis(layer: Any, what: str) -> int:
    axes = mask_to_axes(int(layer.axes))
    if len(axes) != 1:
        raise BackendError(
            f"raise: {what} layer {layer.name!r} has axes mask {int(layer.axes):#b}; trtdsl's op "
            "takes exactly one axis"
        )
    return axes[0]


def _lower_reduce(ctx: LowerContext, node: Node, op: Reduce) -> None:
    ctx.add(
        node,
        "add_reduce",
        ctx.input(node, 0),
        ctx.api.enum("ReduceOperation", op.op),
        axes_to_mask(op.axes),
        op.keepdims,
    )


def _raise_reduce(ctx: RaiseContext, layer: Any) -> Raised:
    op = ctx.api.from_enum(ReduceOperation, layer.op, layer.name)
    return Raised(Reduce(op, mask_to_axes(int(layer.axes)), bool(layer.keep_dims)), ctx.inputs(layer))


def _lower_softmax(ctx: LowerContext, node: Node, op: SoftMax) -> None:
    layer = ctx.add(node, "add_softmax", ctx.input(node, 0))
    layer.axes = axes_to_mask((op.axis,))


def _raise_softmax(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(SoftMax(_one_axis(layer, "softmax")), ctx.inputs(layer))


def _lower_topk(ctx: LowerContext, node: Node, op: TopK) -> None:
    # The five-argument addTopK (TensorRT 10.14): NvInfer.h deprecates the four-argument one in 10.14. A k
    # known only at run time is input 1, a 0-D int32 shape tensor that overrides the static k (set to 1).
    layer = ctx.add(
        node,
        "add_topk",
        ctx.input(node, 0),
        ctx.api.enum("TopKOperation", op.op),
        op.k if isinstance(op.k, int) else 1,
        axes_to_mask((op.axis,)),
        ctx.api.dtype(op.indices_dtype),
    )
    ctx.set_inputs(node, layer, 1)


def _raise_topk(ctx: RaiseContext, layer: Any) -> Raised:
    op = ctx.api.from_enum(TopKOperation, layer.op, layer.name)
    inputs = ctx.inputs(layer)
    k = ctx.shape_value(layer, 1)[1][0] if len(inputs) > 1 and inputs[1] is not None else int(layer.k)
    if isinstance(k, int):  # input 1 of a value known when the network is built (a constant): a static k
        inputs = inputs[:1]
    return Raised(TopK(op, k, _one_axis(layer, "top-k"), ctx.dtype(layer.indices_type)), inputs)


def _lower_cumulative(ctx: LowerContext, node: Node, op: Cumulative) -> None:
    axis = ctx.shape_constant(node, "axis", [op.axis], scalar=True)
    ctx.add(
        node,
        "add_cumulative",
        ctx.input(node, 0),
        axis,
        ctx.api.enum("CumulativeOperation", op.op),
        op.exclusive,
        op.reverse,
    )


def _raise_cumulative(ctx: RaiseContext, layer: Any) -> Raised:
    axis = int(ctx.constant(layer, 1, "axis"))
    op = ctx.api.from_enum(CumulativeOperation, layer.op, layer.name)
    return Raised(Cumulative(axis, bool(layer.exclusive), bool(layer.reverse), op), [ctx.input(layer, 0)])


def _lower_matmul(ctx: LowerContext, node: Node, op: MatrixMultiply) -> None:
    op0, op1 = (ctx.api.enum("MatrixOperation", o) for o in (op.op0, op.op1))
    ctx.add(node, "add_matrix_multiply", ctx.input(node, 0), op0, ctx.input(node, 1), op1)


def _raise_matmul(ctx: RaiseContext, layer: Any) -> Raised:
    ops = [ctx.api.from_enum(MatrixOperation, o, layer.name) for o in (layer.op0, layer.op1)]
    return Raised(MatrixMultiply(*ops), ctx.inputs(layer))


register(Reduce, "REDUCE", _lower_reduce, _raise_reduce)
register(SoftMax, "SOFTMAX", _lower_softmax, _raise_softmax)
register(TopK, "TOPK", _lower_topk, _raise_topk)
register(Cumulative, "CUMULATIVE", _lower_cumulative, _raise_cumulative, param_inputs=(1,))
register(MatrixMultiply, "MATRIX_MULTIPLY", _lower_matmul, _raise_matmul)


def _lower_normalization(ctx: LowerContext, node: Node, op: Normalization) -> None:
    # A strongly typed network computes a normalization in its input's type: NvInfer.h (10.16)
    # INormalizationLayer::setComputePrecision is for weakly typed networks only, "since the compute
    # precision is typically controlled by casting the input tensors". The reference computes the
    # statistics of 16-bit inputs in float32, and a float16 variance overflows once |x| > 256, so 16-bit
    # normalizations are lowered as Cast to float32, the layer, Cast back.
    inputs = [ctx.input(node, i) for i in range(3)]
    mask = axes_to_mask(op.axes)
    if node.outputs[0].dtype in (dtypes.float16, dtypes.bfloat16):
        layer = ctx.add_in_float32(node, "add_normalization_v2", inputs, mask)
    else:
        layer = ctx.add(node, "add_normalization_v2", *inputs, mask)
    layer.epsilon = op.epsilon
    layer.num_groups = op.num_groups


def _raise_normalization(ctx: RaiseContext, layer: Any) -> Raised:
    groups = int(layer.num_groups)
    if groups != 1 and not layer.is_v2:
        raise BackendError(
            f"raise: normalization layer {layer.name!r} was added with addNormalization (V1), whose "
            "group normalization takes per-group scale and bias; trtdsl's op is addNormalizationV2's "
            "(per channel)"
        )
    back = ctx.cast_back(layer)  # a 16-bit normalization the lowering computed in float32
    return Raised(
        Normalization(mask_to_axes(int(layer.axes)), ctx.api.float_param(layer.epsilon), groups),
        [ctx.behind_helper(layer, i) for i in range(3)] if back is not None else ctx.inputs(layer),
        None if back is None else [back.get_output(0)],
    )


register(Normalization, "NORMALIZATION", _lower_normalization, _raise_normalization)
