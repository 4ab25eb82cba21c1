"""TensorRT lowering of OneHot. The depth is a parameter in the IR and, in TensorRT, a 0-D int32 constant
shape tensor (input 2; int32, the type every TensorRT version and the Python API's doc accept): the
lowering adds that constant and raise folds it back."""

from __future__ import annotations

from typing import Any

import numpy as np

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.one_hot import OneHot


def _lower_one_hot(ctx: LowerContext, node: Node, op: OneHot) -> None:
    depth = np.asarray(op.depth, np.int32)
    constant = ctx.helper(node, "depth", "add_constant", ctx.api.dims(()), ctx.weights(depth))
    ctx.add(node, "add_one_hot", ctx.input(node, 0), ctx.input(node, 1), constant.get_output(0), op.axis)


def _raise_one_hot(ctx: RaiseContext, layer: Any) -> Raised:
    depth = int(ctx.constant(layer, 2, "depth"))
    return Raised(OneHot(depth, int(layer.axis)), [ctx.input(layer, 0), ctx.input(layer, 1)])


register(OneHot, "ONE_HOT", _lower_one_hot, _raise_one_hot, param_inputs=(2,))
