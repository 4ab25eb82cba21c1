"""TensorRT lowering of ParametricReLU: ``add_parametric_relu(x, slope)``, the slope an input in both."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.prelu import ParametricReLU


def _lower_prelu(ctx: LowerContext, node: Node, op: ParametricReLU) -> None:
    ctx.add(node, "add_parametric_relu", ctx.input(node, 0), ctx.input(node, 1))


def _raise_prelu(ctx: RaiseContext, layer: Any) -> Raised:
    return Raised(ParametricReLU(), ctx.inputs(layer))


register(ParametricReLU, "PARAMETRIC_RELU", _lower_prelu, _raise_prelu)
