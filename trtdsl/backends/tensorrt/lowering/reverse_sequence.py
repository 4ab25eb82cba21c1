"""TensorRT lowering of ReverseSequence: ``add_reverse_sequence(x, sequence_lens)``, then both axes set
(TensorRT's defaults are batch 1 and sequence 0; the lowering never relies on them)."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.reverse_sequence import ReverseSequence


def _lower_reverse_sequence(ctx: LowerContext, node: Node, op: ReverseSequence) -> None:
    layer = ctx.add(node, "add_reverse_sequence", ctx.input(node, 0), ctx.input(node, 1))
    layer.batch_axis = op.batch_axis
    layer.sequence_axis = op.sequence_axis


def _raise_reverse_sequence(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(ReverseSequence(int(layer.batch_axis), int(layer.sequence_axis)), ctx.inputs(layer))


register(ReverseSequence, "REVERSE_SEQUENCE", _lower_reverse_sequence, _raise_reverse_sequence)
