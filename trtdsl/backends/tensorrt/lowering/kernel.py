"""TensorRT lowering of Convolution, Deconvolution and Pooling.

The kernel and bias are inputs 1 and 2 in the IR: the layer is added with empty weights and gets them
with ``set_input(1, kernel)`` / ``set_input(2, bias)``. Raise also reads layers whose kernel and bias are
weights (as TensorRT's ONNX parser may write them): they become Constant layers in the IR.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext, strip_location
from trtdsl.backends.tensorrt.lowering.registry import LowerFn, Raised, RaiseFn, register
from trtdsl.errors import BackendError
from trtdsl.ir.dims import static_dim
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.convolution import Convolution, Deconvolution, PaddingMode
from trtdsl.layers.pooling import Pooling, PoolingType


def _dims(layer: Any, prop: str) -> tuple[int, ...]:
    return tuple(int(d) for d in getattr(layer, prop))


def _set_window(ctx: LowerContext, layer: Any, op: Any) -> None:
    # tuples of ints for Dims, which the bindings convert implicitly (as everywhere in this module)
    layer.stride_nd = op.stride
    layer.pre_padding = op.pre_padding
    layer.post_padding = op.post_padding
    layer.padding_mode = ctx.api.enum("PaddingMode", op.padding_mode)


def _lower_kernel(method: str) -> LowerFn[Convolution | Deconvolution]:
    def lower(ctx: LowerContext, node: Node, op: Convolution | Deconvolution) -> None:
        x = node.inputs[0]
        assert x is not None
        empty = ctx.empty_weights(x.dtype)
        layer = ctx.add(node, method, ctx.input(node, 0), op.num_output_maps, op.kernel_size, empty)
        _set_window(ctx, layer, op)
        layer.dilation_nd = op.dilation
        layer.num_groups = op.num_groups
        ctx.set_inputs(node, layer, 1)

    return lower


def _raise_kernel(cls: type[Convolution] | type[Deconvolution]) -> RaiseFn:
    def raise_(ctx: RaiseContext, layer: Any) -> Raised:
        x = ctx.input(layer, 0)
        assert x is not None
        op = cls(
            int(layer.num_output_maps),
            _dims(layer, "kernel_size_nd"),
            _dims(layer, "stride_nd"),
            _dims(layer, "pre_padding"),
            _dims(layer, "post_padding"),
            _dims(layer, "dilation_nd"),
            int(layer.num_groups),
            ctx.api.from_enum(PaddingMode, layer.padding_mode, layer.name),
        )
        if ctx.input_is_set(layer, 1):
            kernel = ctx.input(layer, 1)
        else:
            kernel = _weights(ctx, layer, "kernel", op._kernel_shape(static_dim(x.shape[1])))
        if ctx.input_is_set(layer, 2):
            bias = ctx.input(layer, 2)
        else:
            bias = _weights(ctx, layer, "bias", (op.num_output_maps,))
        return Raised(op, [x, kernel, bias])

    return raise_


def _weights(ctx: RaiseContext, layer: Any, prop: str, shape: tuple[int, ...]) -> Tensor | None:
    """A constant holding the layer's ``kernel``/``bias`` weights (None when they are empty)."""
    values = getattr(layer, prop)
    if values is None or len(values) == 0:
        return None
    if not isinstance(values, np.ndarray):
        raise BackendError(
            f"raise: layer {layer.name!r} holds {values.dtype.name} {prop} weights, which TensorRT's Python "
            "API cannot read back"
        )
    return ctx.ir.constant(values.reshape(shape), name=f"{strip_location(layer.name)}.{prop}")


def _lower_pooling(ctx: LowerContext, node: Node, op: Pooling) -> None:
    layer = ctx.add(
        node,
        "add_pooling_nd",
        ctx.input(node, 0),
        ctx.api.enum("PoolingType", op.type),
        op.window_size,
    )
    _set_window(ctx, layer, op)
    layer.average_count_excludes_padding = op.average_count_excludes_padding
    layer.blend_factor = op.blend_factor


def _raise_pooling(ctx: RaiseContext, layer: Any) -> Raised:
    op = Pooling(
        ctx.api.from_enum(PoolingType, layer.type, layer.name),
        _dims(layer, "window_size_nd"),
        _dims(layer, "stride_nd"),
        _dims(layer, "pre_padding"),
        _dims(layer, "post_padding"),
        ctx.api.from_enum(PaddingMode, layer.padding_mode, layer.name),
        bool(layer.average_count_excludes_padding),
        ctx.api.float_param(layer.blend_factor),
    )
    return Raised(op, ctx.inputs(layer))


register(Convolution, "CONVOLUTION", _lower_kernel("add_convolution_nd"), _raise_kernel(Convolution))
register(
    Deconvolution, "DECONVOLUTION", _lower_kernel("add_deconvolution_nd"), _raise_kernel(Deconvolution)
)
register(Pooling, "POOLING", _lower_pooling, _raise_pooling)
