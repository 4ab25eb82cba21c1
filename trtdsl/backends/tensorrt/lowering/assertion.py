"""TensorRT lowering of Assertion: ``add_assertion(condition, message)``, a layer with no output (the
engine keeps it and fails a run where the condition is false)."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.assertion import Assertion


def _lower_assertion(ctx: LowerContext, node: Node, op: Assertion) -> None:
    ctx.add(node, "add_assertion", ctx.input(node, 0), op.message)


def _raise_assertion(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(Assertion(str(layer.message)), ctx.inputs(layer))


register(Assertion, "ASSERTION", _lower_assertion, _raise_assertion)
