"""TensorRT lowering of KVCacheUpdate: ``add_kv_cache_update(cache, update, write_indices, KVCacheMode)``.
TensorRT 11's packed update form (``update_form`` PACKED_NHD with ``update_lengths``) has no trtdsl op yet:
a layer that sets it does not raise."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.errors import BackendError
from trtdsl.ir.node import Node
from trtdsl.layers.kv_cache_update import KVCacheMode, KVCacheUpdate


def _lower_kv_cache_update(ctx: LowerContext, node: Node, op: KVCacheUpdate) -> None:
    inputs = [ctx.input(node, i) for i in range(3)]
    ctx.add(node, "add_kv_cache_update", *inputs, ctx.api.enum("KVCacheMode", op.mode))


def _raise_kv_cache_update(ctx: RaiseContext, layer: Any) -> Raised:
    packed = hasattr(layer, "update_form") and layer.update_form.name != "PADDED_BHND"  # TensorRT 11 only
    if packed or ctx.input_is_set(layer, 3):
        raise BackendError(
            f"raise: KV cache update {layer.name!r} has a packed update with lengths; trtdsl's KVCacheUpdate "
            "takes the padded [B, N, S, H] form"
        )
    op = KVCacheUpdate(ctx.api.from_enum(KVCacheMode, layer.cache_mode, layer.name))
    return Raised(op, ctx.inputs(layer))


register(KVCacheUpdate, "KV_CACHE_UPDATE", _lower_kv_cache_update, _raise_kv_cache_update)
