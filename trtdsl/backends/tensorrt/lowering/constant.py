"""TensorRT lowering of Constant.

IConstantLayer takes neither BOOL nor UINT8 weights, and BF16 weights cannot be read back through the
Python API; such constants are stored widened (int32, int32, float32: exact for every value) and cast
to their type by a helper Cast layer. The constant layer's metadata marks it, so raise folds the pair
back into one Constant of the original type; a widened constant + cast written by hand (without the
mark) stays two layers. FP8, INT4, FP4 and E8M0 weights are written directly (4-bit ones packed two per
byte); TensorRT's Python API cannot read them back, so raising them is an error.

The weights of a constant the user named (as :mod:`trtdsl.nn` names parameters) take its name
(``set_weights_name``), by which they are refitted; widened weights are refitted widened.

TensorRT takes quantized weights only through a Dequantize layer: "When using pre-quantized weights, an
IDequantizeLayer is required between the weights and the linear operator that uses them" (TensorRT's
Explicit Quantization guide), and E8M0 is "exponent-only 8-bit floating point type for quantization
scales" (NvInferRuntimeBase.h, DataType). So an FP8, INT4 or FP4 constant may only be the data of
Dequantize layers (input 0), and an E8M0 constant only the scale of Quantize or Dequantize layers
(input 1); anything else is a BackendError naming the use.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trtdsl.backends.tensorrt.api import WIDENED_CONSTANTS, WIDENED_MARK
from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.dtypes import DType
from trtdsl.errors import BackendError
from trtdsl.ir.node import Node
from trtdsl.ir.types import Weights
from trtdsl.layers.constant import Constant


# The uses TensorRT allows of constants of each quantized type: (op kind, input index).
_QUANTIZED_USES = {
    "FP8": {("Dequantize", 0)},
    "INT4": {("Dequantize", 0)},
    "FP4": {("Dequantize", 0)},
    "E8M0": {("Quantize", 1), ("Dequantize", 1)},
}


def _check_quantized_uses(ctx: LowerContext, node: Node, dtype: DType) -> None:
    allowed = _QUANTIZED_USES.get(dtype.trt)
    if allowed is None:
        return
    out = node.outputs[0]
    wanted = " or ".join(f"input {i} of {kind}" for kind, i in sorted(allowed))
    for user, index in ctx.consumers(out):
        if (user.op.kind, index) not in allowed:
            raise BackendError(
                f"tensorrt: constant {node.name} ({dtype.name}) is input {index} of {user.op.label()} (layer "
                f"{user.name}); TensorRT takes {dtype.name} weights only as {wanted} (dequantize them "
                "first with td.dequantize)",
                location=user.location,
            )
    if any(t is out for t in ctx.ir.outputs.values()):
        raise BackendError(
            f"tensorrt: constant {node.name} ({dtype.name}) is a network output; TensorRT takes {dtype.name} "
            f"weights only as {wanted}",
            location=node.location,
        )


def _lower_constant(ctx: LowerContext, node: Node, op: Constant) -> None:
    weights = op.weights
    dtype = weights.dtype
    _check_quantized_uses(ctx, node, dtype)
    dims = weights.shape  # ints, which the bindings convert to Dims
    wide = WIDENED_CONSTANTS.get(dtype.trt)
    if wide is None:
        values = ctx.weights(weights.array)
        ctx.add(node, "add_constant", dims, values)
    else:
        values = ctx.weights(weights.array.astype(wide.numpy))
        stored = ctx.helper(node, "widened", "add_constant", dims, values)
        stored.metadata = WIDENED_MARK
        ctx.add(node, "add_cast", stored.get_output(0), ctx.api.dtype(dtype))
    if node.user_named:
        _name_weights(ctx, node, values)


def _name_weights(ctx: LowerContext, node: Node, weights: Any) -> None:
    """Give the weights of a constant the user named (a td.nn parameter's path) that name, as TensorRT's
    ONNX parser names an initializer's weights (onnx-tensorrt ``importerUtils.cpp``: ``addConstant``, then
    ``setWeightsName(weights, weights.getName())``; TensorRT's developer guide, "Refitting an Engine"):
    the refitter's ``set_named_weights`` knows them by it. NvInfer.h, setWeightsName: "The name must be
    set after the Weights are used in the network"."""
    if not ctx.network.set_weights_name(weights, node.name):
        raise BackendError(f"tensorrt: TensorRT refused the weights name {node.name!r} (other weights have "
                           "it)", location=node.location)


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
