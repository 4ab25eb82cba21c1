"""TensorRT lowering of the data-movement layers: Concatenation, Gather, Select, Shape, Slice, Padding.

A Slice whose size keeps a dynamic dim of its input (a full slice of that axis) gets its size as a
tensor (``set_input(2, ...)``): ``shape(x) * mask + static``, from helper layers that raise folds back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.errors import BackendError
from trtdsl.ir.node import Node
from trtdsl.layers.concat import Concatenation
from trtdsl.layers.gather import Gather, GatherMode
from trtdsl.layers.padding import Padding
from trtdsl.layers.select import Select
from trtdsl.layers.shape import Shape
from trtdsl.layers.slice import SampleMode, Slice
from trtdsl.shapes.values import value_of


def _lower_concatenation(ctx: LowerContext, node: Node, op: Concatenation) -> None:
    layer = ctx.add(node, "add_concatenation", [ctx.input(node, i) for i in range(len(node.inputs))])
    layer.axis = op.axis


def _raise_concatenation(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(Concatenation(int(layer.axis)), ctx.inputs(layer))


def _lower_gather(ctx: LowerContext, node: Node, op: Gather) -> None:
    layer = ctx.add(
        node, "add_gather_v2", ctx.input(node, 0), ctx.input(node, 1), ctx.api.enum("GatherMode", op.mode)
    )
    if op.mode is not GatherMode.ND:  # TensorRT leaves the axis of ND gathers undefined
        layer.axis = op.axis
    layer.num_elementwise_dims = op.num_elementwise_dims


def _raise_gather(ctx: RaiseContext, layer: Any) -> Raised:
    mode = ctx.api.from_enum(GatherMode, layer.mode, layer.name)
    axis = 0 if mode is GatherMode.ND else int(layer.axis)
    return Raised(Gather(axis, mode, int(layer.num_elementwise_dims)), ctx.inputs(layer))


def _lower_select(ctx: LowerContext, node: Node, op: Select) -> None:
    ctx.add(node, "add_select", ctx.input(node, 0), ctx.input(node, 1), ctx.input(node, 2))


def _raise_select(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(Select(), ctx.inputs(layer))


def _lower_shape(ctx: LowerContext, node: Node, op: Shape) -> None:
    ctx.add(node, "add_shape", ctx.input(node, 0))


def _raise_shape(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(Shape(), ctx.inputs(layer))


def _lower_padding(ctx: LowerContext, node: Node, op: Padding) -> None:
    ctx.add(
        node,
        "add_padding_nd",
        ctx.input(node, 0),
        ctx.trt.Dims(list(op.pre_padding)),
        ctx.trt.Dims(list(op.post_padding)),
    )


def _raise_padding(ctx: RaiseContext, layer: Any) -> Raised:
    pre = tuple(int(d) for d in layer.pre_padding_nd)
    post = tuple(int(d) for d in layer.post_padding_nd)
    return Raised(Padding(pre, post), ctx.inputs(layer))


def _lower_slice(ctx: LowerContext, node: Node, op: Slice) -> None:
    x = ctx.input(node, 0)
    static = [s if isinstance(s, int) else 0 for s in op.size]
    dims = ctx.trt.Dims
    layer = ctx.add(node, "add_slice", x, dims(_ints(op.start)), dims(static), dims(_ints(op.stride)))
    layer.mode = ctx.api.enum("SampleMode", op.mode)
    ctx.set_inputs(node, layer, 1)
    if len(node.inputs) > 2 and node.inputs[2] is not None:
        return  # the size is a shape tensor of the IR (input 2)
    if any(not isinstance(s, int) for s in op.size):
        mask = [0 if isinstance(s, int) else 1 for s in op.size]
        shape = ctx.helper(node, "size.shape", "add_shape", x).get_output(0)
        kept = ctx.helper(
            node,
            "size.kept",
            "add_elementwise",
            shape,
            ctx.shape_constant(node, "size.mask", mask),
            ctx.trt.ElementWiseOperation.PROD,
        ).get_output(0)
        size = ctx.helper(
            node,
            "size",
            "add_elementwise",
            kept,
            ctx.shape_constant(node, "size.static", static),
            ctx.trt.ElementWiseOperation.SUM,
        ).get_output(0)
        layer.set_input(2, size)


def _raise_slice(ctx: RaiseContext, layer: Any) -> Raised:
    x = ctx.input(layer, 0)
    assert x is not None
    inputs: list[Any] = [x]
    params = []
    for index, static in ((1, layer.start), (2, layer.shape), (3, layer.stride)):
        tensor, values = _slice_parameter(ctx, layer, index, static, x.shape)
        inputs.append(tensor)
        params.append(values)
    start, size, stride = params
    if ctx.input_is_set(layer, 5):
        raise BackendError(
            f"raise: slice layer {layer.name!r} takes its axes (input 5) as a tensor; trtdsl's Slice covers "
            "every axis, with axes as a parameter"
        )
    axes = ctx.api.optional_dims(layer.axes)
    if axes is not None:
        start, size, stride = _full_rank(x.shape, axes, start, size, stride)
    mode = ctx.api.from_enum(SampleMode, layer.mode, layer.name)
    inputs.append(ctx.input(layer, 4))
    while inputs[-1] is None:
        inputs.pop()
    return Raised(Slice(start, size, stride, mode), inputs)


def _slice_parameter(
    ctx: RaiseContext, layer: Any, index: int, static: Any, shape: tuple
) -> tuple[Any, tuple]:
    """Start, size or stride (input ``index``) as (the IR tensor giving it or None, its values as the IR
    knows them): the static Dims, a constant or the lowering's size helpers folded in, or a shape tensor of
    the IR."""
    if not ctx.input_is_set(layer, index):
        return None, tuple(int(d) for d in static)
    source = ctx.producer(layer, index)
    if source is not None and id(source) in ctx.absorbed:
        if ctx.is_helper(source):
            mask, values = _size_parts(ctx, layer)
            return None, tuple(shape[i] if m else int(v) for i, (m, v) in enumerate(zip(mask, values)))
        return None, tuple(int(v) for v in ctx.constant(layer, index, "slice parameter"))
    tensor = ctx.input(layer, index)
    return tensor, value_of(tensor)


def _ints(values: tuple) -> list[int]:
    """Static slice parameters for ``add_slice`` (0 where a shape tensor, set as an input, gives them)."""
    return [v if isinstance(v, int) else 0 for v in values]


def _size_parts(ctx: RaiseContext, layer: Any) -> tuple[np.ndarray, np.ndarray]:
    """The mask and static sizes of a size tensor the lowering built as ``shape(x) * mask + static``."""
    total = ctx.producer(layer, 2)
    kept = ctx.producer(total, 0) if total is not None and ctx.is_helper(total) else None
    if kept is None or not ctx.is_helper(kept):
        raise BackendError(
            f"raise: slice layer {layer.name!r} takes its size as a computed tensor; trtdsl's Slice holds "
            "the size as ints or as dynamic dims of its input"
        )
    return ctx.constant(kept, 1, "size mask"), ctx.constant(total, 1, "static sizes")


def _full_rank(
    shape: tuple, axes: tuple[int, ...], start: tuple, size: tuple, stride: tuple
) -> tuple[tuple, tuple, tuple]:
    """Per-axis slice parameters over the listed ``axes`` as full-rank ones (the others whole)."""
    full_start, full_size, full_stride = [0] * len(shape), list(shape), [1] * len(shape)
    for k, axis in enumerate(a % len(shape) for a in axes):
        full_start[axis], full_size[axis], full_stride[axis] = start[k], size[k], stride[k]
    return tuple(full_start), tuple(d for d in full_size), tuple(full_stride)


register(Concatenation, "CONCATENATION", _lower_concatenation, _raise_concatenation)
register(Gather, "GATHER", _lower_gather, _raise_gather)
register(Select, "SELECT", _lower_select, _raise_select)
register(Shape, "SHAPE", _lower_shape, _raise_shape)
register(Padding, "PADDING", _lower_padding, _raise_padding)
register(Slice, "SLICE", _lower_slice, _raise_slice, param_inputs=(2,))
