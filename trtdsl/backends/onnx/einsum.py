"""ONNX export of IEinsumLayer: ONNX Einsum with the equation written explicitly (implicit mode resolved,
spaces removed), computed in float32 for 16-bit floats as TensorRT computes them."""

from __future__ import annotations

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.einsum import Einsum, einsum

@exports(Einsum)
def _einsum(ctx: NodeContext, op: Einsum) -> str:
    count = len(ctx.node.inputs)
    equation = op.subscripts(count).text()
    names = [ctx.input(i) for i in range(count)]
    def build(*xs: str) -> str:
        return ctx.emit("Einsum", list(xs), equation=equation)

    return ctx.in_float32(ctx.output_type().dtype, build, *names)


# -- import ---------------------------------------------------------------------------------------------

@imports("Einsum", since=12)
def _import_einsum(ctx: ImportContext) -> Tensor:
    return einsum(str(ctx.attr("equation")), *ctx.inputs())
