"""ONNX export of IConcatenationLayer: ONNX Concat along the layer's axis."""

from __future__ import annotations

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.concat import Concatenation, concatenate

@exports(Concatenation)
def _concatenation(ctx: NodeContext, op: Concatenation) -> str:
    return ctx.emit("Concat", [ctx.input(i) for i in range(len(ctx.node.inputs))], axis=op.axis)


# -- import ---------------------------------------------------------------------------------------------

@imports("Concat", since=4)
def _import_concat(ctx: ImportContext) -> Tensor:
    return concatenate(ctx.inputs(), int(ctx.attr("axis")))
