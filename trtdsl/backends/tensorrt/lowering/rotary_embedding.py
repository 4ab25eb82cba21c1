"""TensorRT lowering of RotaryEmbedding: ``add_rotary_embedding(x, cos, sin, interleaved,
rotary_embedding_dim)`` (0 for the whole head, as in the IR), the position ids set as input 3."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.rotary_embedding import RotaryEmbedding


def _lower_rotary_embedding(ctx: LowerContext, node: Node, op: RotaryEmbedding) -> None:
    inputs = [ctx.input(node, i) for i in range(3)]
    layer = ctx.add(node, "add_rotary_embedding", *inputs, op.interleaved, op.rotary_dim)
    ctx.set_inputs(node, layer, 3)


def _raise_rotary_embedding(ctx: RaiseContext, layer: Any) -> Raised:
    op = RotaryEmbedding(bool(layer.interleaved), int(layer.rotary_embedding_dim))
    return Raised(op, ctx.inputs(layer))


register(RotaryEmbedding, "ROTARY_EMBEDDING", _lower_rotary_embedding, _raise_rotary_embedding)
