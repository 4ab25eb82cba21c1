"""TensorRT lowering of Attention: an IAttention (``add_attention_v2`` with its CausalMaskKind on TensorRT 11,
``add_attention`` on 10.x, see :meth:`TensorRT.add_attention`), with the mask, ``decomposable``, the
query and key-value forms and lengths (TensorRT 11 only) and the normalization quantization (scale and
to-type, 10.16 and 11.x) set on it.

An IAttention is not a layer: TensorRT puts two boundary layers into the network, an IAttentionInputLayer
(LayerType ATTENTION_INPUT, reading query, key, value and the optional inputs: mask 3, normalization
quantize scale 4, query lengths 5, key-value lengths 6) and an IAttentionOutputLayer (ATTENTION_OUTPUT,
computing the result) (NvInfer.h 11.1 L6812-L6896). Raise reads the attention through whichever boundary
layer it meets first (``IAttentionBoundaryLayer.attention``) and absorbs the other one. Multi-device ranks
have no trtdsl op yet: a network that sets them does not raise.
"""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.errors import BackendError
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.attention import PADDED, Attention, AttentionIOForm, AttentionNormalizationOp, CausalMaskKind

# IAttention's optional tensors, by the input index trtdsl's op (and IAttentionInputLayer) gives them
_OPTIONAL = {3: "mask", 4: "normalization_quantize_scale", 5: "query_lengths", 6: "key_value_lengths"}


def _lower_attention(ctx: LowerContext, node: Node, op: Attention) -> None:
    packed = op.query_form is not PADDED or op.key_value_form is not PADDED
    lengths = any(i < len(node.inputs) and node.inputs[i] is not None for i in (5, 6))
    forms = hasattr(ctx.trt.IAttention, "query_form")
    if (packed or lengths) and not forms:
        raise BackendError(f"TensorRT {ctx.api.version} has no packed attention forms or lengths "
                           "(IAttention.query_form, key_value_form, query_lengths, key_value_lengths come with "
                           "TensorRT 11); use padded [B, N, S, H] tensors and a mask",
                           location=node.location)
    inputs = [ctx.input(node, i) for i in range(3)]
    attention = ctx.api.add_attention(ctx.network, inputs, op.normalization, op.causal)
    if forms:
        attention.query_form = ctx.api.enum("AttentionIOForm", op.query_form)
        attention.key_value_form = ctx.api.enum("AttentionIOForm", op.key_value_form)
    for index, prop in _OPTIONAL.items():
        if index < len(node.inputs) and node.inputs[index] is not None:
            setattr(attention, prop, ctx.input(node, index))
    if op.quantize_to is not None:
        attention.normalization_quantize_to_type = ctx.api.dtype(op.quantize_to)
    attention.decomposable = op.decomposable
    ctx.finish(node, attention)


def _raise_attention(ctx: RaiseContext, layer: Any) -> Raised:
    attention = layer.attention
    if int(attention.num_ranks) != 1:
        raise BackendError(
            f"raise: attention {attention.name!r} sets num_ranks {int(attention.num_ranks)}; trtdsl's "
            "Attention runs on one device"
        )
    output = attention.get_output(0)
    exit_ = ctx.producers.get(output)  # the output layer, after the input layer that is raised here
    if exit_ is not None and exit_ is not layer:
        ctx.absorb(exit_)
    if hasattr(attention, "causal_kind"):
        causal = ctx.api.from_enum(CausalMaskKind, attention.causal_kind, attention.name)
    else:
        causal = CausalMaskKind.UPPER_LEFT if attention.causal else CausalMaskKind.NONE
    forms = [ctx.api.from_enum(AttentionIOForm, getattr(attention, name), attention.name)
             if hasattr(attention, name) else PADDED for name in ("query_form", "key_value_form")]
    optional = [getattr(attention, prop, None) for prop in _OPTIONAL.values()]
    quantized = optional[1] is not None
    to = ctx.dtype(attention.normalization_quantize_to_type) if quantized else None
    op = Attention(ctx.api.from_enum(AttentionNormalizationOp, attention.norm_op, attention.name), causal,
                   bool(attention.decomposable), forms[0], forms[1], to)
    inputs: list[Tensor | None] = [ctx.tensors[attention.get_input(i)] for i in range(3)]
    inputs += [None if t is None else ctx.tensors[t] for t in optional]
    while inputs[-1] is None:
        inputs.pop()
    return Raised(op, inputs, outputs=[output])


register(Attention, "ATTENTION_INPUT", _lower_attention, _raise_attention, also=("ATTENTION_OUTPUT",))
