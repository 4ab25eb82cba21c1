"""ONNX export of IMoELayer, a faithful decomposition (ONNX has no mixture-of-experts operator): the
selected experts' weights and biases are gathered per token (``Gather`` on axis 0), the gate and up
projections are batched MatMuls of ``(B, S, 1, 1, H)`` by ``(B, S, K, H, I)``, then ``Min``/``Clip`` by
the SwiGLU limit, ``gate * Sigmoid(alpha * gate) * (up + beta)``, the down projection the same way, and
``ReduceSum`` over the K experts of ``scores * expert_output``. Computed in float32 (16-bit inputs widened,
the result cast back), as the reference does. A quantized MoE (the product quantized before the down
projection) is not exported: ONNX has no dynamic block quantization, and trtdsl exports only the
unquantized form."""

from __future__ import annotations

import math

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.moe import MoE, MoEActType


@exports(MoE)
def _moe(ctx: NodeContext, op: MoE) -> str:
    if op.quant_type is not None:
        raise ctx.fail(f"quantizes to {op.quant_type.name} before the down projection, which the ONNX export "
                       "does not express (it exports unquantized MoE layers only)")
    # an expert id outside [0, E) fails, as in the reference (E: gate_weights' dim 0)
    experts = ctx.strict_indices(ctx.cast(ctx.input(1), dtypes.int64), ctx.dim(3, 0))
    has_biases = ctx.optional_input(6) is not None
    floats = [ctx.input(i) for i in (0, 2, 3, 4, 5)] + ([ctx.input(i) for i in (6, 7, 8)] if has_biases else [])

    def build(x: str, scores: str, gate_w: str, up_w: str, down_w: str, *biases: str) -> str:
        def project(rows: str, w: str, b: str | None) -> str:
            chosen = ctx.emit("Gather", [w, experts], axis=0)                  # (B, S, K, in, out)
            y = ctx.emit("Squeeze", [ctx.emit("MatMul", [rows, chosen]), ctx.ints([3])])
            return y if b is None else ctx.emit("Add", [y, ctx.emit("Gather", [b, experts], axis=0)])

        bg, bu, bd = biases if biases else (None, None, None)
        rows = ctx.emit("Unsqueeze", [x, ctx.ints([2, 3])])                    # (B, S, 1, 1, H)
        gate, up = project(rows, gate_w, bg), project(rows, up_w, bu)
        if math.isfinite(op.swiglu_limit):
            limit = ctx.const(op.swiglu_limit, dtypes.float32)
            gate = ctx.emit("Min", [gate, limit])
            up = ctx.emit("Clip", [up, ctx.const(-op.swiglu_limit, dtypes.float32), limit])
        if op.activation is MoEActType.SILU:
            scaled = ctx.emit("Mul", [gate, ctx.const(op.swiglu_alpha, dtypes.float32)])
            gate = ctx.emit("Mul", [gate, ctx.emit("Sigmoid", [scaled])])
        product = ctx.emit("Mul", [gate, ctx.emit("Add", [up, ctx.const(op.swiglu_beta, dtypes.float32)])])
        down = project(ctx.emit("Unsqueeze", [product, ctx.ints([3])]), down_w, bd)  # (B, S, K, H)
        weighted = ctx.emit("Mul", [ctx.emit("Unsqueeze", [scores, ctx.ints([3])]), down])
        return ctx.reduce("ReduceSum", weighted, [2], False)

    return ctx.in_float32(ctx.input_type(0).dtype, build, *floats)
