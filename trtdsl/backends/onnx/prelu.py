"""ONNX export of IParametricReLULayer: ONNX PRelu (``slope * x`` where ``x < 0``, else ``x``), with the
slope already of ``x``'s rank; 16-bit floats are computed in float32, as TensorRT does."""

from __future__ import annotations

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.prelu import ParametricReLU, prelu

@exports(ParametricReLU)
def _prelu(ctx: NodeContext, op: ParametricReLU) -> str:
    dtype = ctx.input_type(0).dtype
    return ctx.in_float32(dtype, lambda x, s: ctx.emit("PRelu", [x, s]), ctx.input(0), ctx.input(1))


# -- import ---------------------------------------------------------------------------------------------

@imports("PRelu")
def _import_prelu(ctx: ImportContext) -> Tensor:
    """One ParametricReLU layer."""
    return prelu(ctx.input(0), ctx.input(1))
