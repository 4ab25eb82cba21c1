"""TensorRT lowering of Shuffle, Squeeze and Unsqueeze.

Squeeze's and Unsqueeze's axes are parameters in the IR but an input in TensorRT (a constant int64
shape tensor): the lowering adds that constant and raise folds it back. TensorRT cannot tell an identity
transpose from none, so raise reads an identity permutation as None (no transpose).
"""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.shuffle import Shuffle, dynamic_reshape_dims
from trtdsl.layers.squeeze import Squeeze, Unsqueeze


def _lower_shuffle(ctx: LowerContext, node: Node, op: Shuffle) -> None:
    layer = ctx.add(node, "add_shuffle", ctx.input(node, 0))
    if op.first_transpose is not None:
        layer.first_transpose = ctx.api.permutation(op.first_transpose)
    if op.reshape is not None and len(node.inputs) < 2:  # else the dims are input 1, a shape tensor
        layer.reshape_dims = ctx.trt.Dims(list(op.reshape))
    if op.second_transpose is not None:
        layer.second_transpose = ctx.api.permutation(op.second_transpose)
    layer.zero_is_placeholder = op.zero_is_placeholder
    ctx.set_inputs(node, layer, 1)


def _permutation(value: Any, rank: int) -> tuple[int, ...] | None:
    perm = tuple(int(value[i]) for i in range(rank))
    return None if perm == tuple(range(rank)) else perm


def _raise_shuffle(ctx: RaiseContext, layer: Any) -> Raised:
    inputs = ctx.inputs(layer)
    rank = inputs[0].ndim if inputs[0] is not None else 0
    first = _permutation(layer.first_transpose, rank)
    if len(inputs) < 2:
        reshape = ctx.api.optional_dims(layer.reshape_dims)
    else:  # the reshaped dims as the IR knows them, from the shape tensor's values
        moved = inputs[0].shape if first is None else tuple(inputs[0].shape[p] for p in first)
        reshape = dynamic_reshape_dims(
            "Shuffle", moved, inputs[1], bool(layer.zero_is_placeholder), inputs[0].name
        )
    after = len(reshape) if reshape is not None else rank
    second = _permutation(layer.second_transpose, after)
    return Raised(Shuffle(first, reshape, second, bool(layer.zero_is_placeholder)), inputs)


def _axes_entry(cls: type[Squeeze] | type[Unsqueeze], layer_type: str, method: str) -> None:
    """Register Squeeze or Unsqueeze: the axes are a constant shape tensor (input 1) in TensorRT."""

    def lower(ctx: LowerContext, node: Node, op: Squeeze | Unsqueeze) -> None:
        axes = ctx.shape_constant(node, "axes", op.axes)
        ctx.add(node, method, ctx.input(node, 0), axes)

    def raise_(ctx: RaiseContext, layer: Any) -> Raised:
        axes = tuple(int(a) for a in ctx.constant(layer, 1, "axes"))
        return Raised(cls(axes), [ctx.input(layer, 0)])

    register(cls, layer_type, lower, raise_, param_inputs=(1,))


register(Shuffle, "SHUFFLE", _lower_shuffle, _raise_shuffle)
_axes_entry(Squeeze, "SQUEEZE", "add_squeeze")
_axes_entry(Unsqueeze, "UNSQUEEZE", "add_unsqueeze")
