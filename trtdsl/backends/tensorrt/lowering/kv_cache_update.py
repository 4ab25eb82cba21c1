"""TensorRT lowering of KVCacheUpdate: ``add_kv_cache_update(cache, update, write_indices, KVCacheMode)``, and
on TensorRT 11 its ``update_form`` and ``update_lengths`` (input 3, NvInfer.h 11.1 L7566-L7660); 10.x has
neither, so a packed update is refused there."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.errors import BackendError
from trtdsl.ir.node import Node
from trtdsl.layers.attention import PADDED, AttentionIOForm
from trtdsl.layers.kv_cache_update import KVCacheMode, KVCacheUpdate


def _lower_kv_cache_update(ctx: LowerContext, node: Node, op: KVCacheUpdate) -> None:
    forms = hasattr(ctx.trt.IKVCacheUpdateLayer, "update_form")
    if op.update_form is not PADDED and not forms:
        raise BackendError(f"TensorRT {ctx.api.version} has no packed KV cache update (IKVCacheUpdateLayer."
                           "update_form and update_lengths come with TensorRT 11); use a padded [B, N, S, H] "
                           "update", location=node.location)
    inputs = [ctx.input(node, i) for i in range(3)]
    layer = ctx.add(node, "add_kv_cache_update", *inputs, ctx.api.enum("KVCacheMode", op.mode))
    if forms:
        layer.update_form = ctx.api.enum("AttentionIOForm", op.update_form)
    if len(node.inputs) > 3 and node.inputs[3] is not None:
        layer.update_lengths = ctx.input(node, 3)


def _raise_kv_cache_update(ctx: RaiseContext, layer: Any) -> Raised:
    form = (ctx.api.from_enum(AttentionIOForm, layer.update_form, layer.name) if hasattr(layer, "update_form")
            else PADDED)  # TensorRT 11 only
    op = KVCacheUpdate(ctx.api.from_enum(KVCacheMode, layer.cache_mode, layer.name), form)
    inputs = ctx.inputs(layer)
    while len(inputs) > 3 and inputs[-1] is None:
        inputs.pop()
    return Raised(op, inputs)


register(KVCacheUpdate, "KV_CACHE_UPDATE", _lower_kv_cache_update, _raise_kv_cache_update)
