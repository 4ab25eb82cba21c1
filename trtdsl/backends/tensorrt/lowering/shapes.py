"""TensorRT lowering of the layers that make or read shapes: Fill, Resize and NonZero.

Their shape tensors (Fill's dims, Resize's output dims) are ordinary IR tensors, lowered as layers and
set as inputs (``set_input``); raise reads the IR's view of their values back with
:func:`trtdsl.shapes.values.value_of`, so a lowered and raised network has the same ops. A Resize
always gets every property set (TensorRT's defaults included), so raise never reads one that was not.

A Resize by scales is lowered with explicit output dims, never with ``IResizeLayer.scales``: the
reference maps coordinates with the length ratio ``L_in / L_out``, which is what NvInfer.h's
ResizeCoordinateTransformation formulas say, while how TensorRT uses a given scale where ``L_in * scale``
is not an integer is undocumented. The dims are ``floor(L_in * s)`` with ``s`` the scale as float32,
computed exactly (:func:`trtdsl.layers.resize.scaled_dim`): static dims as ``IResizeLayer.shape``,
dynamic ones as input 1, ``shape(x) * p // q`` with ``s = p / q`` (helper layers). The layer's metadata
keeps the scales, so raise gives the same op back.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from trtdsl.backends.tensorrt.lowering.context import SCALES_MARK, LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.fill import Fill, FillOperation
from trtdsl.layers.nonzero import NonZero, count_symbol
from trtdsl.layers.resize import (
    InterpolationMode,
    Resize,
    ResizeCoordinateTransformation,
    ResizeRoundMode,
    ResizeSelector,
)
from trtdsl.shapes.values import value_of


def _static_dims(ctx: LowerContext, dims: tuple) -> Any:
    """Dims for a parameter TensorRT also takes as an input: the static values (0 where an input gives
    them)."""
    return ctx.trt.Dims([d if isinstance(d, int) else 0 for d in dims])


def _lower_fill(ctx: LowerContext, node: Node, op: Fill) -> None:
    layer = ctx.add(
        node,
        "add_fill",
        _static_dims(ctx, op.shape),
        ctx.api.enum("FillOperation", op.operation),
        ctx.api.dtype(op.dtype),
    )
    if op.alpha is not None and op.beta is not None:  # both static, or both inputs (Fill.infer)
        # The bindings' alpha/beta setters (pyGraph.cpp, set_alpha) call setAlpha(double) and then, for a
        # Python int, setAlphaInt64: ints keep int64 LINSPACE exact past 2**53, floats keep float fills
        # in double (NvInfer.h: "Return true if alpha/beta have type int64, false if they have type double")
        convert = int if op.dtype.is_integer else float
        layer.alpha = convert(op.alpha)
        layer.beta = convert(op.beta)
    ctx.set_inputs(node, layer, 0)


def _raise_fill(ctx: RaiseContext, layer: Any) -> Raised:
    operation = ctx.api.from_enum(FillOperation, layer.operation, layer.name)
    dtype = ctx.dtype(layer.to_type)
    inputs = ctx.inputs(layer)
    dims = inputs[0] if inputs else None
    shape = ctx.shape_value(layer, 0)[1] if dims is not None else tuple(int(d) for d in layer.shape)
    if len(inputs) > 1 and inputs[1] is not None:
        return Raised(Fill(shape, operation, dtype, None, None), inputs)
    convert = int if dtype.is_integer else float
    return Raised(Fill(shape, operation, dtype, convert(layer.alpha), convert(layer.beta)), inputs[:1])


def _lower_resize(ctx: LowerContext, node: Node, op: Resize) -> None:
    x = ctx.input(node, 0)
    layer = ctx.add(node, "add_resize", x)
    layer.resize_mode = ctx.api.enum("InterpolationMode", op.mode)
    layer.coordinate_transformation = ctx.api.enum(
        "ResizeCoordinateTransformation", op.coordinate_transformation
    )
    layer.selector_for_single_pixel = ctx.api.enum("ResizeSelector", op.selector)
    layer.nearest_rounding = ctx.api.enum("ResizeRoundMode", op.nearest_rounding)
    layer.cubic_coeff = op.cubic_coeff
    layer.exclude_outside = op.exclude_outside
    if op.scales is not None:
        layer.metadata = SCALES_MARK + ",".join(repr(scale) for scale in op.scales)
        dims = node.outputs[0].shape
        if all(isinstance(d, int) for d in dims):
            layer.shape = ctx.trt.Dims(list(dims))
        else:
            layer.set_input(1, _scaled_dims(ctx, node, x, op.scales))
    elif len(node.inputs) < 2:
        layer.shape = ctx.trt.Dims(list(op.shape))  # type: ignore[arg-type]
    ctx.set_inputs(node, layer, 1)


def _scaled_dims(ctx: LowerContext, node: Node, x: Any, scales: tuple[float, ...]) -> Any:
    """``floor(shape(x) * scales)`` as an int64 shape tensor: ``shape(x) * p // q`` with each scale, as
    float32, the fraction ``p / q`` (exact for dims >= 0)."""
    fractions = [Fraction(float(np.float32(s))) for s in scales]
    shape = ctx.helper(node, "dims.shape", "add_shape", x).get_output(0)
    scaled = ctx.helper(
        node,
        "dims.scaled",
        "add_elementwise",
        shape,
        ctx.shape_constant(node, "dims.numerators", [f.numerator for f in fractions]),
        ctx.trt.ElementWiseOperation.PROD,
    ).get_output(0)
    return ctx.helper(
        node,
        "dims",
        "add_elementwise",
        scaled,
        ctx.shape_constant(node, "dims.denominators", [f.denominator for f in fractions]),
        ctx.trt.ElementWiseOperation.FLOOR_DIV,
    ).get_output(0)


def _raise_resize(ctx: RaiseContext, layer: Any) -> Raised:
    options = dict(
        mode=ctx.api.from_enum(InterpolationMode, layer.resize_mode, layer.name),
        coordinate_transformation=ctx.api.from_enum(
            ResizeCoordinateTransformation, layer.coordinate_transformation, layer.name
        ),
        selector=ctx.api.from_enum(ResizeSelector, layer.selector_for_single_pixel, layer.name),
        nearest_rounding=ctx.api.from_enum(ResizeRoundMode, layer.nearest_rounding, layer.name),
        cubic_coeff=ctx.api.float_param(layer.cubic_coeff),
        exclude_outside=bool(layer.exclude_outside),
    )
    if layer.metadata.startswith(SCALES_MARK):  # lowered from scales: the dims were computed from them
        given = tuple(float(v) for v in layer.metadata[len(SCALES_MARK) :].split(","))
        return Raised(Resize(scales=given, **options), [ctx.input(layer, 0)])
    inputs = ctx.inputs(layer)
    if len(inputs) > 1 and inputs[1] is not None:
        return Raised(Resize(value_of(inputs[1]), **options), inputs)
    scales = list(layer.scales or [])
    if scales:
        return Raised(Resize(scales=tuple(float(s) for s in scales), **options), inputs[:1])
    return Raised(Resize(tuple(int(d) for d in layer.shape), **options), inputs[:1])


def _lower_nonzero(ctx: LowerContext, node: Node, op: NonZero) -> None:
    ctx.add(node, "add_non_zero", ctx.input(node, 0), ctx.api.dtype(op.indices_dtype))


def _raise_nonzero(ctx: RaiseContext, layer: Any) -> Raised:
    x = ctx.input(layer, 0)
    assert x is not None
    return Raised(NonZero(count_symbol(x), ctx.dtype(layer.indices_type)), [x])


register(Fill, "FILL", _lower_fill, _raise_fill)
register(Resize, "RESIZE", _lower_resize, _raise_resize)
register(NonZero, "NON_ZERO", _lower_nonzero, _raise_nonzero)
