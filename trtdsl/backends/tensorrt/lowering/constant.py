"""TensorRT lowering of Constant.

IConstantLayer takes neither BOOL nor UINT8 weights, and BF16 weights cannot be read back through the
Python API; such constants are stored widened (int32, int32, float32: exact for every value) and cast
to their type by a helper Cast layer. The constant layer's metadata marks it, so raise folds the pair
back into one Constant of the original type; a widened constant + cast written by hand (without the
mark) stays two layers. FP8, INT4, FP4 and E8M0 weights are written directly (4-bit ones packed two per
byte); TensorRT's Python API cannot read them back, so raising them is an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trtdsl.backends.tensorrt.api import WIDENED_CONSTANTS, WIDENED_MARK
from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.ir.types import Weights
from trtdsl.layers.constant import Constant


def _lower_constant(ctx: LowerContext, node: Node, op: Constant) -> None:
    weights = op.weights
    dims = ctx.api.dims(weights.shape)
    wide = WIDENED_CONSTANTS.get(weights.dtype.trt)
    if wide is None:
        ctx.add(node, "add_constant", dims, ctx.weights(weights.array))
        return
    stored = ctx.helper(node, "widened", "add_constant", dims, ctx.weights(weights.array.astype(wide.numpy)))
    stored.metadata = WIDENED_MARK
    ctx.add(node, "add_cast", stored.get_output(0), ctx.api.dtype(weights.dtype))


def _raise_constant(ctx: RaiseContext, layer: Any) -> Raised:
    values = ctx.weights_of(layer)
    out = layer.get_output(0)
    users = ctx.consumers_of(out)
    if (
        layer.metadata == WIDENED_MARK
        and len(users) == 1
        and ctx.api.layer_type(users[0][0]) == "CAST"
        and not out.is_network_output
    ):
        cast = users[0][0]
        ctx.absorb(cast)
        target = ctx.dtype(cast.to_type)
        return Raised(Constant(Weights.of(values.astype(target.numpy))), [], [cast.get_output(0)])
    return Raised(Constant(Weights.of(np.asarray(values))), [])


register(Constant, "CONSTANT", _lower_constant, _raise_constant)
