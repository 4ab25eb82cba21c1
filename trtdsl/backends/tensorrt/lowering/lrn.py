"""TensorRT lowering of LRN: ``addLRN(input, window, alpha, beta, k)``, the parameters as the IR holds
them (TensorRT divides alpha by the window itself, see trtdsl/layers/lrn.py)."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.lrn import LRN


def _lower_lrn(ctx: LowerContext, node: Node, op: LRN) -> None:
    ctx.add(node, "add_lrn", ctx.input(node, 0), op.window, op.alpha, op.beta, op.k)


def _raise_lrn(ctx: RaiseContext, layer: Any) -> Raised:
    op = LRN(int(layer.window_size), ctx.api.float_param(layer.alpha), ctx.api.float_param(layer.beta),
             ctx.api.float_param(layer.k))
    return Raised(op, ctx.inputs(layer))


register(LRN, "LRN", _lower_lrn, _raise_lrn)
