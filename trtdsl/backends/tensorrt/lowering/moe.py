"""TensorRT lowering of MoE: ``add_moe(hidden, selected_experts, scores)``, then ``set_gated_weights``
(the three weights and the activation), ``set_gated_biases`` when the op has biases, ``set_swiglu_params``
and, for a quantized op, ``set_quantization_static(scale, type)`` or
``set_quantization_dynamic_dbl_q(double_scale, type, block_shape, scale_type)``. Raise reads the
activation, SwiGLU and quantization properties back, and the weights, biases and scale as inputs 3-5, 6-8
and 9 (NvInfer.h numbers only inputs 0-2 of IMoELayer; the others' indices are UNCONFIRMED, an engine's
``get_input`` would settle them). ``add_moe`` came in TensorRT 10.16 (the same API in 10.16 and 11.4);
lowering a MoE on an older TensorRT is a BackendError naming it.
"""

from __future__ import annotations

from typing import Any

from trtdsl import dtypes
from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.layers.moe import MoE, MoEActType


def _lower_moe(ctx: LowerContext, node: Node, op: MoE) -> None:
    ctx.api.require("INetworkDefinition.add_moe", f"MoE layer {node.name}")
    given = [ctx.input(node, i) if i < len(node.inputs) else None for i in range(10)]
    layer = ctx.add(node, "add_moe", *given[:3])
    layer.set_gated_weights(*given[3:6], ctx.api.enum("MoEActType", op.activation))
    if given[6] is not None:
        layer.set_gated_biases(*given[6:9])
    layer.set_swiglu_params(op.swiglu_limit, op.swiglu_alpha, op.swiglu_beta)
    if op.quant_type is None:
        return
    if not op.quant_block_shape:
        layer.set_quantization_static(given[9], ctx.api.dtype(op.quant_type))
        return
    assert op.quant_scale_type is not None
    layer.set_quantization_dynamic_dbl_q(given[9], ctx.api.dtype(op.quant_type),
                                         ctx.trt.Dims(list(op.quant_block_shape)),
                                         ctx.api.dtype(op.quant_scale_type))


def _raise_moe(ctx: RaiseContext, layer: Any) -> Raised:
    activation = ctx.api.from_enum(MoEActType, layer.activation_type, layer.name)
    to_type = ctx.dtype(layer.quantization_to_type)
    block = ctx.api.optional_dims(layer.quantization_block_shape) or ()
    op = MoE(
        activation,
        ctx.api.float_param(layer.swiglu_param_limit),
        ctx.api.float_param(layer.swiglu_param_alpha),
        ctx.api.float_param(layer.swiglu_param_beta),
        None if to_type is dtypes.float32 else to_type,
        block,
        ctx.dtype(layer.dyn_q_output_scale_type) if block else None,
    )
    return Raised(op, ctx.inputs(layer))


register(MoE, "MOE", _lower_moe, _raise_moe)
