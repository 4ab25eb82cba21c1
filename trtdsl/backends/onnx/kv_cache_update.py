"""ONNX export of IKVCacheUpdateLayer, written out with ScatterElements along the token axis.

ONNX has no KV-cache op before TensorScatter (opset 24, which onnxruntime 1.32 does not run), and
ScatterElements refuses indices outside the data, where TensorRT ignores the write. So the cache is padded
with ``S`` spare positions (``[B, N, Smax + S, H]``): position ``w[b] + s`` is written where it lies in
``[0, Smax)``, else at spare position ``Smax + s`` (one per ``s``, so no two writes meet), and the spare
positions are sliced off again.

A packed update (TensorRT 11's PACKED_NHD with update lengths) is not written: scattering each item's
run of tokens needs the item of every token, computed from the lengths at run time, which trtdsl does not
write; exporting one is a BackendError that says so.
"""

from __future__ import annotations

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.registry import exports
from trtdsl.layers.attention import PADDED
from trtdsl.layers.kv_cache_update import KVCacheUpdate


@exports(KVCacheUpdate)
def _kv_cache_update(ctx: NodeContext, op: KVCacheUpdate) -> str:
    if op.update_form is not PADDED:
        raise ctx.fail("has a PACKED_NHD update with update lengths, whose per-item scatter trtdsl does not "
                       "write in ONNX; export a padded [B, N, S, H] update")
    size, tokens = ctx.dim(0, 2), ctx.dim(1, 2)
    zero, one = ctx.const(0, dtypes.int64), ctx.const(1, dtypes.int64)
    steps = ctx.emit("Range", [zero, tokens, one])  # [S]
    start = ctx.emit("Unsqueeze", [ctx.cast(ctx.input(2), dtypes.int64), ctx.ints([1])])  # [B, 1]
    position = ctx.emit("Add", [start, steps])  # [B, S]
    inside = ctx.emit("And", [ctx.emit("GreaterOrEqual", [position, zero]), ctx.emit("Less", [position, size])])
    target = ctx.emit("Where", [inside, position, ctx.emit("Add", [steps, size])])
    update_shape = ctx.emit("Shape", [ctx.input(1)])
    indices = ctx.emit("Expand", [ctx.emit("Unsqueeze", [target, ctx.ints([1, 3])]), update_shape])
    padded = ctx.emit("Concat", [ctx.input(0), ctx.input(1)], axis=2)
    written = ctx.emit("ScatterElements", [padded, indices, ctx.input(1)], axis=2)
    return ctx.emit("Slice", [written, ctx.ints([0]), ctx.emit("Unsqueeze", [size, ctx.ints([0])]), ctx.ints([2])])
