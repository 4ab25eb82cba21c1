"""ONNX export of IAttention.

With SOFTMAX normalization it is ONNX Attention (opset 23) with ``scale=1`` (TensorRT has no built-in
``1/sqrt(H)``; ONNX's default scale is that, so it is set), 4-D BHND inputs and ONNX's own grouped-query
rule (query head ``h`` reads kv head ``h // (Nq // Nkv)``, as trtdsl reads TensorRT). ONNX's ``attn_mask``
has TensorRT's meaning: bool True may attend, any other type is added to the scores. ``is_causal=1`` keeps
``j <= i`` (the upper-left diagonal, opset 23's ``tril``); LOWER_RIGHT becomes a bool ``attn_mask``
``j <= i + Skv - Sq`` built from the inputs' shapes.

With normalization NONE (additive masks only, see the layer) ONNX Attention has no form, so it is written
out: the query reshaped to ``[B, Nkv, g, Sq, H]`` so that one MatMul against the key broadcasts over the
``g`` query heads of each kv head, the mask added in ``[B, Nq, Sq, Skv]``, and the same reshape around the
product with the value.

16-bit inputs are computed in float32, as the reference computes them.
"""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.attention import Attention, AttentionNormalizationOp, CausalMaskKind


def _opset(op: Attention) -> int:
    return 23 if op.normalization is AttentionNormalizationOp.SOFTMAX else 17


@exports(Attention, opset=_opset)
def _attention(ctx: NodeContext, op: Attention) -> str:
    dtype = ctx.input_type(0).dtype
    q, k, v = (ctx.input(i) for i in range(3))
    mask = ctx.optional_input(3)
    additive = mask is not None and ctx.input_type(3).dtype is not dtypes.bool_
    build = _fused if op.normalization is AttentionNormalizationOp.SOFTMAX else _written_out

    def run(*names: str) -> str:  # an additive mask is computed in float32 too, a bool one is not
        return build(ctx, op, names[0], names[1], names[2], names[3] if additive else mask)

    return ctx.in_float32(dtype, run, q, k, v, *([mask] if additive and mask is not None else []))


def _written_out(ctx: NodeContext, op: Attention, q: str, k: str, v: str, mask: str | None) -> str:
    q_shape, k_shape = ctx.emit("Shape", [q]), ctx.emit("Shape", [k])

    def part(shape: str, start: int, end: int) -> str:
        return ctx.emit("Slice", [shape, ctx.ints([start]), ctx.ints([end])])

    grouped = ctx.emit("Concat", [part(k_shape, 0, 2), ctx.ints([-1]), part(q_shape, 2, 3)], axis=0)
    kv5 = [ctx.emit("Unsqueeze", [t, ctx.ints([2])]) for t in (k, v)]
    q5 = ctx.emit("Reshape", [q, ctx.emit("Concat", [grouped, part(q_shape, 3, 4)], axis=0)])
    scores5 = ctx.emit("MatMul", [q5, ctx.emit("Transpose", [kv5[0]], perm=[0, 1, 2, 4, 3])])
    if mask is not None:
        heads = ctx.emit("Concat", [part(q_shape, 0, 3), part(k_shape, 2, 3)], axis=0)
        scores = ctx.emit("Add", [ctx.emit("Reshape", [scores5, heads]), mask])
        scores5 = ctx.emit("Reshape", [scores, ctx.emit("Concat", [grouped, part(k_shape, 2, 3)], axis=0)])
    return ctx.emit("Reshape", [ctx.emit("MatMul", [scores5, kv5[1]]), q_shape])


def _fused(ctx: NodeContext, op: Attention, q: str, k: str, v: str, mask: str | None) -> str:
    if op.causal is CausalMaskKind.LOWER_RIGHT:
        sq, skv = ctx.dim(0, 2), ctx.dim(1, 2)
        zero, one = ctx.const(0, dtypes.int64), ctx.const(1, dtypes.int64)
        rows = ctx.emit("Unsqueeze", [ctx.emit("Range", [zero, sq, one]), ctx.ints([1])])
        last = ctx.emit("Add", [rows, ctx.emit("Sub", [skv, sq])])
        mask = ctx.emit("LessOrEqual", [ctx.emit("Range", [zero, skv, one]), last])
    causal = int(op.causal is CausalMaskKind.UPPER_LEFT)
    return ctx.emit("Attention", [q, k, v, mask], scale=1.0, is_causal=causal)
