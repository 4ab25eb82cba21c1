"""TensorRT lowering of Quantize, Dequantize and DynamicQuantize (explicit quantization).

The scale (and the optional zero point) are inputs in both the IR and TensorRT; the output type, the
per-channel axis and the block shape are the layer's properties. A block shape is set only for block
quantization (TensorRT's default is none). A per-tensor scale of shape ``(1,)`` (or of the input's rank,
one coefficient) goes through a helper Shuffle to 0-D, as NvInfer.h's IQuantizeLayer says "The scale value
must be a scalar for per-tensor quantization"; raise reads the scale behind it. DynamicQuantize lowers to
``add_dynamic_quantize_v2``, or for a ``v1`` op (``td.dynamic_quantize_v1``) to the deprecated
``add_dynamic_quantize`` (an axis and a block size instead of a block shape; in both 10.16 and 11.4, since
10.8); raise reads a layer without a block shape as a ``v1`` op.
"""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import LowerFn, Raised, RaiseFn, register
from trtdsl.ir.node import Node
from trtdsl.layers.quantize import Dequantize, DynamicQuantize, Quantize


def _lower_scaled(method: str) -> LowerFn[Quantize | Dequantize]:
    def lower(ctx: LowerContext, node: Node, op: Quantize | Dequantize) -> None:
        x, scale = node.inputs[0], node.inputs[1]
        assert x is not None and scale is not None
        scalar = op.granularity(x.type, scale.type) == "tensor" and scale.type.rank > 0
        # the scale and the zero point (inputs 1 and 2), 0-D for a per-tensor scale
        given = [ctx.input(node, i) for i in range(1, len(node.inputs))]
        params = [
            ctx.helper(node, f"{role}.scalar", "add_shuffle", t) if scalar else t
            for t, role in zip(given, ("scale", "zero_point"))
            if t is not None
        ]
        if scalar:
            for shuffle in params:
                shuffle.reshape_dims = ctx.trt.Dims([])
            params = [shuffle.get_output(0) for shuffle in params]
        layer = ctx.add(node, method, ctx.input(node, 0), params[0], ctx.api.dtype(op.to_type))
        # -1 (per tensor) is set too: NvInfer.h needs a valid axis only for scales of several coefficients
        layer.axis = op.axis
        if op.block_shape:
            layer.block_shape = ctx.trt.Dims(list(op.block_shape))
        if len(params) > 1:
            layer.set_input(2, params[1])

    return lower


def _raise_scaled(cls: type[Quantize] | type[Dequantize]) -> RaiseFn:
    def raise_(ctx: RaiseContext, layer: Any) -> Raised:
        block = tuple(int(d) for d in layer.block_shape)
        inputs = [ctx.behind_helper(layer, i) for i in range(layer.num_inputs)]
        return Raised(cls(ctx.dtype(layer.to_type), int(layer.axis), block), inputs)

    return raise_


def _lower_dynamic_quantize(ctx: LowerContext, node: Node, op: DynamicQuantize) -> None:
    to_type, scale_type = ctx.api.dtype(op.to_type), ctx.api.dtype(op.scale_type)
    if op.v1:
        axis = op.blocked_axis()
        block = op.block_shape[axis]
        layer = ctx.add(node, "add_dynamic_quantize", ctx.input(node, 0), axis, block, to_type, scale_type)
    else:
        blocks = ctx.trt.Dims(list(op.block_shape))
        layer = ctx.add(node, "add_dynamic_quantize_v2", ctx.input(node, 0), blocks, to_type, scale_type)
    ctx.set_inputs(node, layer, 1)


def _raise_dynamic_quantize(ctx: RaiseContext, layer: Any) -> Raised:
    given = ctx.api.optional_dims(layer.block_shape)
    block = given or _legacy_block_shape(ctx, layer)
    op = DynamicQuantize(ctx.dtype(layer.to_type), ctx.dtype(layer.scale_type), block, v1=not given)
    return Raised(op, ctx.inputs(layer))


def _legacy_block_shape(ctx: RaiseContext, layer: Any) -> tuple[int, ...]:
    """The block shape of a layer made by the deprecated ``add_dynamic_quantize`` (no block shape): blocks
    of ``block_size`` elements along ``axis``, one element along every other dim (NvInfer.h
    ``addDynamicQuantize``: "the axis that is sliced into blocks")."""
    x = ctx.input(layer, 0)
    assert x is not None
    axis = int(layer.axis) % x.ndim if x.ndim else 0
    return tuple(int(layer.block_size) if i == axis else 1 for i in range(x.ndim))


register(Quantize, "QUANTIZE", _lower_scaled("add_quantize"), _raise_scaled(Quantize))
register(Dequantize, "DEQUANTIZE", _lower_scaled("add_dequantize"), _raise_scaled(Dequantize))
register(DynamicQuantize, "DYNAMIC_QUANTIZE", _lower_dynamic_quantize, _raise_dynamic_quantize)
