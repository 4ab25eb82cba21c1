"""ONNX export of IRotaryEmbeddingLayer: ONNX RotaryEmbedding (opset 23) with the same inputs (a 4-D
``[B, N, S, H]`` input; caches ``[B, S, R/2]``, or ``[positions, R/2]`` with int64 ``position_ids``), the
same ``interleaved`` flag and ``rotary_embedding_dim`` (0: the whole head, in both). 16-bit inputs are
computed in float32, as the reference computes them."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.rotary_embedding import RotaryEmbedding, rotary_embedding
from trtdsl.layers.shuffle import reshape, transpose


@exports(RotaryEmbedding, opset=23)
def _rotary_embedding(ctx: NodeContext, op: RotaryEmbedding) -> str:
    ids = ctx.optional_input(3)

    def build(x: str, cos: str, sin: str) -> str:
        return ctx.emit("RotaryEmbedding", [x, cos, sin, ids], interleaved=int(op.interleaved),
                        rotary_embedding_dim=op.rotary_dim)

    return ctx.in_float32(ctx.input_type(0).dtype, build, *(ctx.input(i) for i in range(3)))


# -- import ---------------------------------------------------------------------------------------------

@imports("RotaryEmbedding", since=23)
def _import_rotary_embedding(ctx: ImportContext) -> Tensor:
    """One RotaryEmbedding layer (TensorRT's parser maps RotaryEmbedding onto IRotaryEmbeddingLayer) with
    the same caches, ``position_ids``, ``interleaved`` and ``rotary_embedding_dim``. A 3-D input
    ``[B, S, num_heads * H]`` is read as ONNX defines it: reshaped to ``[B, S, num_heads, H]`` and
    transposed to the layer's ``[B, N, S, H]`` (Shuffle layers), and the result is brought back."""
    x = ctx.input(0)
    heads = int(ctx.attr("num_heads", 0))
    options: dict[str, Any] = dict(position_ids=ctx.optional(3), interleaved=bool(ctx.attr("interleaved", 0)),
                   rotary_dim=int(ctx.attr("rotary_embedding_dim", 0)) or None)
    if len(x.shape) != 3:
        return rotary_embedding(x, ctx.input(1), ctx.input(2), **options)
    batch, seq, hidden = x.shape
    ctx.check(heads > 0 and isinstance(hidden, int) and hidden % heads == 0,
              f"a 3-D input of hidden size {hidden} needs num_heads (given {heads}) dividing it")
    split = transpose(reshape(x, (batch, seq, heads, hidden // heads)), (0, 2, 1, 3))
    y = rotary_embedding(split, ctx.input(1), ctx.input(2), **options)
    return reshape(transpose(y, (0, 2, 1, 3)), (batch, seq, hidden))
