"""TensorRT lowering of Attention: an IAttention (``add_attention_v2`` with its CausalMaskKind on TensorRT 11,
``add_attention`` on 10.x, see :meth:`TensorRT.add_attention`), with the mask and ``decomposable`` set on it.

An IAttention is not a layer: TensorRT puts two boundary layers into the network, an IAttentionInputLayer
(LayerType ATTENTION_INPUT, reading query, key, value and the optional inputs) and an
IAttentionOutputLayer (ATTENTION_OUTPUT, computing the result) (NvInfer.h 11.1 L6812-L6896). Raise reads
the attention through whichever boundary layer it meets first (``IAttentionBoundaryLayer.attention``)
and absorbs the other one. The forms, lengths and quantized normalization output of TensorRT 11 have no
trtdsl op yet: a network that sets them does not raise.
"""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.errors import BackendError
from trtdsl.ir.node import Node
from trtdsl.layers.attention import Attention, AttentionNormalizationOp, CausalMaskKind


def _lower_attention(ctx: LowerContext, node: Node, op: Attention) -> None:
    inputs = [ctx.input(node, i) for i in range(3)]
    attention = ctx.api.add_attention(ctx.network, inputs, op.normalization, op.causal)
    if node.inputs[3:] and node.inputs[3] is not None:
        attention.mask = ctx.input(node, 3)
    attention.decomposable = op.decomposable
    ctx.finish(node, attention)


def _raise_attention(ctx: RaiseContext, layer: Any) -> Raised:
    attention = layer.attention
    unsupported = [name for name in ("normalization_quantize_scale", "query_lengths", "key_value_lengths")
                   if getattr(attention, name, None) is not None]
    unsupported += [name for name in ("query_form", "key_value_form")  # TensorRT 11 only
                    if hasattr(attention, name) and getattr(attention, name).name != "PADDED_BHND"]
    if unsupported or int(attention.num_ranks) != 1:
        raise BackendError(
            f"raise: attention {attention.name!r} sets {', '.join(unsupported) or 'num_ranks'}; trtdsl's "
            "Attention has the padded BHND form on one device, without a quantized normalization output"
        )
    output = attention.get_output(0)
    exit_ = ctx.producers.get(output)  # the output layer, after the input layer that is raised here
    if exit_ is not None and exit_ is not layer:
        ctx.absorb(exit_)
    if hasattr(attention, "causal_kind"):
        causal = ctx.api.from_enum(CausalMaskKind, attention.causal_kind, attention.name)
    else:
        causal = CausalMaskKind.UPPER_LEFT if attention.causal else CausalMaskKind.NONE
    op = Attention(ctx.api.from_enum(AttentionNormalizationOp, attention.norm_op, attention.name), causal,
                   bool(attention.decomposable))
    inputs = [ctx.tensors[attention.get_input(i)] for i in range(3)]
    mask = attention.mask
    return Raised(op, inputs + ([ctx.tensors[mask]] if mask is not None else []), outputs=[output])


register(Attention, "ATTENTION_INPUT", _lower_attention, _raise_attention, also=("ATTENTION_OUTPUT",))
