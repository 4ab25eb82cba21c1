"""ONNX export of ILRNLayer: ONNX LRN with ``size=window, alpha, beta, bias=k``. Both divide alpha by the
window and sum over the window centred on each channel (see trtdsl/layers/lrn.py), so the parameters carry
over unchanged, as onnx-tensorrt's importer maps them back. ONNX LRN normalizes axis 1, TensorRT's layer
the third axis from the end: a rank-4 input is exported as is; other ranks are reshaped to ``(prod of the
leading dims, C, H, W)`` around the LRN (a rank-3 input gains a leading 1)."""

from __future__ import annotations

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.lrn import LRN, lrn

@exports(LRN)
def _lrn(ctx: NodeContext, op: LRN) -> str:
    x, rank = ctx.input(0), ctx.input_type(0).rank

    def lrn(value: str) -> str:
        return ctx.emit("LRN", [value], size=op.window, alpha=op.alpha, beta=op.beta, bias=op.k)

    if rank == 4:
        return lrn(x)
    if rank == 3:
        return ctx.emit("Squeeze", [lrn(ctx.emit("Unsqueeze", [x, ctx.ints([0])])), ctx.ints([0])])
    leading = ctx.reduce("ReduceProd", ctx.emit("Shape", [x], end=rank - 3), [0], keepdims=True)
    grouped = ctx.emit("Concat", [leading, ctx.emit("Shape", [x], start=rank - 3)], axis=0)
    return ctx.emit("Reshape", [lrn(ctx.emit("Reshape", [x, grouped])), ctx.emit("Shape", [x])])


# -- import ---------------------------------------------------------------------------------------------

@imports("LRN")
def _import_lrn(ctx: ImportContext) -> Tensor:
    """One LRN layer with ONNX's size, alpha, beta and bias."""
    return lrn(ctx.input(0), int(ctx.attr("size")), float(ctx.attr("alpha", 1e-4)),
               float(ctx.attr("beta", 0.75)),
               float(ctx.attr("bias", 1.0)))
