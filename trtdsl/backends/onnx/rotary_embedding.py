"""ONNX export of IRotaryEmbeddingLayer: ONNX RotaryEmbedding (opset 23) with the same inputs (a 4-D
``[B, N, S, H]`` input; caches ``[B, S, R/2]``, or ``[positions, R/2]`` with int64 ``position_ids``), the
same ``interleaved`` flag and ``rotary_embedding_dim`` (0: the whole head, in both). 16-bit inputs are
computed in float32, as the reference computes them."""

from __future__ import annotations

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.rotary_embedding import RotaryEmbedding


@exports(RotaryEmbedding, opset=23)
def _rotary_embedding(ctx: NodeContext, op: RotaryEmbedding) -> str:
    ids = ctx.optional_input(3)

    def build(x: str, cos: str, sin: str) -> str:
        return ctx.emit("RotaryEmbedding", [x, cos, sin, ids], interleaved=int(op.interleaved),
                        rotary_embedding_dim=op.rotary_dim)

    return ctx.in_float32(ctx.input_type(0).dtype, build, *(ctx.input(i) for i in range(3)))
