"""TensorRT lowering of loops and if-conditionals: their boundary layers.

An IR region (:class:`~trtdsl.regions.Region`) becomes one ``ILoop`` / ``IIfConditional``, made when its
first boundary layer is lowered and named after the region; each boundary op becomes the layer the
region object adds (``add_trip_limit``, ``add_iterator``, ``add_recurrence``, ``add_loop_output``;
``set_condition``, ``add_input``, ``add_output``). The other layers of a body or branch are ordinary
layers: TensorRT, like the IR, tells what is inside a region from data flow. A recurrence's next value
is computed after the recurrence, so it is connected (``set_input(1, ...)``) once every layer exists,
in the lowering and in raise.
"""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.conditionals.ops import ConditionalInputLayer, ConditionalOutputLayer, ConditionLayer
from trtdsl.ir.node import Node
from trtdsl.ir.region import Region, new_region
from trtdsl.loops.ops import (
    IteratorLayer,
    LoopOutput,
    LoopOutputLayer,
    RecurrenceLayer,
    TripLimit,
    TripLimitLayer,
)
from trtdsl.shapes.values import length_dim


def _region(ctx: LowerContext, region: Region) -> Any:
    """The ILoop / IIfConditional of ``region``, made on first use."""
    made = ctx.regions.get(region)
    if made is None:
        made = ctx.network.add_loop() if region.is_loop else ctx.network.add_if_conditional()
        made.name = region.name
        ctx.regions[region] = made
    return made


def _raised_region(ctx: RaiseContext, owner: Any, kind: str) -> Region:
    """The IR region of a TensorRT ILoop / IIfConditional, registered on first sight (in layer order,
    which keeps the regions' order)."""
    for obj, region in ctx.regions:
        if obj is owner:
            return region
    name = owner.name
    taken = any(r.name == name for r in ctx.ir.regions)
    region = new_region(ctx.ir, kind, None if taken or not name else name)
    ctx.regions.append((owner, region))
    return region


def _lower_trip_limit(ctx: LowerContext, node: Node, op: TripLimitLayer) -> None:
    loop = _region(ctx, op.region)
    ctx.finish(node, loop.add_trip_limit(ctx.input(node, 0), ctx.api.enum("TripLimit", op.trip_limit)))


def _raise_trip_limit(ctx: RaiseContext, layer: Any) -> Raised:
    region = _raised_region(ctx, layer.loop, "loop")
    return Raised(
        TripLimitLayer(region, ctx.api.from_enum(TripLimit, layer.kind, layer.name)), ctx.inputs(layer)
    )


def _lower_iterator(ctx: LowerContext, node: Node, op: IteratorLayer) -> None:
    loop = _region(ctx, op.region)
    ctx.finish(node, loop.add_iterator(ctx.input(node, 0), op.axis, op.reverse))


def _raise_iterator(ctx: RaiseContext, layer: Any) -> Raised:
    region = _raised_region(ctx, layer.loop, "loop")
    return Raised(IteratorLayer(region, int(layer.axis), bool(layer.reverse)), ctx.inputs(layer))


def _lower_recurrence(ctx: LowerContext, node: Node, op: RecurrenceLayer) -> None:
    layer = _region(ctx, op.region).add_recurrence(ctx.input(node, 0))
    ctx.finish(node, layer)
    if len(node.inputs) > 1 and node.inputs[1] is not None:
        ctx.back_edges.append((layer, 1, node.inputs[1]))


def _raise_recurrence(ctx: RaiseContext, layer: Any) -> Raised:
    region = _raised_region(ctx, layer.loop, "loop")
    later = {1: layer.get_input(1)} if ctx.input_is_set(layer, 1) else {}
    return Raised(RecurrenceLayer(region), [ctx.input(layer, 0)], later=later)


def _lower_loop_output(ctx: LowerContext, node: Node, op: LoopOutputLayer) -> None:
    loop = _region(ctx, op.region)
    layer = loop.add_loop_output(ctx.input(node, 0), ctx.api.enum("LoopOutput", op.loop_output), op.axis)
    ctx.finish(node, layer)
    ctx.set_inputs(node, layer, 1)


def _raise_loop_output(ctx: RaiseContext, layer: Any) -> Raised:
    region = _raised_region(ctx, layer.loop, "loop")
    kind = ctx.api.from_enum(LoopOutput, layer.kind, layer.name)
    inputs = ctx.inputs(layer)
    length = (
        None
        if kind is LoopOutput.LAST_VALUE or len(inputs) < 2 or inputs[1] is None
        else length_dim(inputs[1])
    )
    return Raised(LoopOutputLayer(region, kind, int(layer.axis), length), inputs)


def _lower_condition(ctx: LowerContext, node: Node, op: ConditionLayer) -> None:
    conditional = _region(ctx, op.region)
    ctx.finish(node, conditional.set_condition(ctx.input(node, 0)))


def _raise_condition(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(ConditionLayer(_raised_region(ctx, layer.conditional, "if")), ctx.inputs(layer))


def _lower_conditional_input(ctx: LowerContext, node: Node, op: ConditionalInputLayer) -> None:
    conditional = _region(ctx, op.region)
    ctx.finish(node, conditional.add_input(ctx.input(node, 0)))


def _raise_conditional_input(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(ConditionalInputLayer(_raised_region(ctx, layer.conditional, "if")), ctx.inputs(layer))


def _lower_conditional_output(ctx: LowerContext, node: Node, op: ConditionalOutputLayer) -> None:
    conditional = _region(ctx, op.region)
    ctx.finish(node, conditional.add_output(ctx.input(node, 0), ctx.input(node, 1)))


def _raise_conditional_output(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(ConditionalOutputLayer(_raised_region(ctx, layer.conditional, "if")), ctx.inputs(layer))


register(TripLimitLayer, "TRIP_LIMIT", _lower_trip_limit, _raise_trip_limit)
register(IteratorLayer, "ITERATOR", _lower_iterator, _raise_iterator)
register(RecurrenceLayer, "RECURRENCE", _lower_recurrence, _raise_recurrence)
register(LoopOutputLayer, "LOOP_OUTPUT", _lower_loop_output, _raise_loop_output)
register(ConditionLayer, "CONDITION", _lower_condition, _raise_condition)
register(ConditionalInputLayer, "CONDITIONAL_INPUT", _lower_conditional_input, _raise_conditional_input)
register(ConditionalOutputLayer, "CONDITIONAL_OUTPUT", _lower_conditional_output, _raise_conditional_output)
