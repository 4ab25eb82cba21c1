"""TensorRT lowering of NMS: ``addNMS(boxes, scores, maxOutputBoxesPerClass, indicesType)`` (the form
that is not deprecated since 10.14), the thresholds set as inputs 3 and 4 when present, and the box
format and top-k limit always set, so raise never reads a default (TensorRT's top-k default depends on
the GPU). Raise names the count after the inputs again (:func:`trtdsl.layers.nms.nms_count_symbol`)."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.nms import NMS, BoundingBoxFormat, nms_count_symbol


def _lower_nms(ctx: LowerContext, node: Node, op: NMS) -> None:
    layer = ctx.add(
        node,
        "add_nms",
        ctx.input(node, 0),
        ctx.input(node, 1),
        ctx.input(node, 2),
        ctx.api.dtype(op.indices_dtype),
    )
    layer.bounding_box_format = ctx.api.enum("BoundingBoxFormat", op.box_format)
    layer.topk_box_limit = op.topk_box_limit
    ctx.set_inputs(node, layer, 3)


def _raise_nms(ctx: RaiseContext, layer: Any) -> Raised:
    inputs = ctx.inputs(layer)
    while len(inputs) > 3 and inputs[-1] is None:
        inputs.pop()
    box_format = ctx.api.from_enum(BoundingBoxFormat, layer.bounding_box_format, layer.name)
    limit = int(layer.topk_box_limit)
    op = NMS(nms_count_symbol(inputs, box_format, limit), box_format, limit, ctx.dtype(layer.indices_type))
    return Raised(op, inputs)


register(NMS, "NMS", _lower_nms, _raise_nms)
