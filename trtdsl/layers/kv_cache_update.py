"""IKVCacheUpdateLayer: the key or value cache of an attention with new tokens written into it.

For ``cache[B, N, Smax, H]``, ``update[B, N, S, H]`` and ``write_indices[B]``, LINEAR mode (TensorRT's only
one) copies each batch item's update into the cache from its write index on::

    out = cache.copy()
    for b in range(B):
        for s in range(S):
            if 0 <= write_indices[b] + s < Smax:          # other writes are ignored
                out[b, :, write_indices[b] + s, :] = update[b, :, s, :]

Sources: NvInfer.h (11.1 L7526-L7672 and L9693-L9725; 10.16 L7465-L7546 and L9590-L9622): the formula
``output[i, :, writeIndices[i] + s, :] = update[i, :, s, :]`` for ``s < sequenceLength`` (L7549-L7555), the
shapes, cache and update of one type (float32, float16, bfloat16; no quantized types), int32 or int64
write indices, and "each update must satisfy ``writeIndices[i] + sequenceLength <= maxSequenceLength``.
Out-of-bound updates will be ignored silently" (L9714-L9715). K and V take one layer each.

Read by trtdsl, UNCONFIRMED: "ignored" is read per position (the positions that fit are written, the rest
dropped), not as dropping the batch item's whole update; a negative position is ignored likewise. An engine
run with ``writeIndices[i] + S > Smax`` would settle it.

TensorRT updates the cache in place: the output must be bound to the cache's memory (NvInfer.h L9710-L9712;
``ICudaEngine.get_aliased_input_tensor`` names the input an output aliases). The IR is functional, as the
reference and ONNX are: the output is a new tensor, and a decoder carries it as a loop's recurrence.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("kv")
>>> cache = net.input("cache", td.float32, (2, 1, 4, 1))
>>> new = net.input("new", td.float32, (2, 1, 2, 1))
>>> net.output("y", td.kv_cache_update(cache, new, np.array([1, 3], np.int32)))
>>> out = net.run({"cache": np.zeros((2, 1, 4, 1), np.float32), "new": np.ones((2, 1, 2, 1), np.float32)})
>>> out["y"][:, 0, :, 0]          # item 1 writes position 3 only: position 4 is past the cache
array([[0., 1., 1., 0.],
       [0., 0., 0., 1.]], dtype=float32)
"""

from __future__ import annotations

import enum
from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ShapeError, bad_argument
from trtdsl.ir.dims import DimLike
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import as_array, expect_rank, expect_tensor

__all__ = ["KVCacheMode", "KVCacheUpdate", "kv_cache_update"]


class KVCacheMode(enum.Enum):
    LINEAR = "linear"


def _fits(a: DimLike, b: DimLike) -> bool:
    """Whether two dims may be equal: equal, or an int against a named dim (known at run time)."""
    return a == b or isinstance(a, int) != isinstance(b, int)


@attrs.frozen
class KVCacheUpdate(Op):
    """``cache`` with ``update[b, :, s]`` written at position ``write_indices[b] + s`` of each batch item,
    writes outside the cache ignored (see the module doc)."""

    kind = "KVCacheUpdate"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.kv_cache_update`",
        "`IKVCacheUpdateLayer` (`KVCacheMode` LINEAR)",
        "`cache [B, N, Smax, H]` with `update [B, N, S, H]` written at positions `write_indices[b] + s` "
        "(int32/int64 `[B]`), a new tensor in the IR (TensorRT writes in place: the output shares the cache's "
        "memory). Writes past `Smax` are ignored (NvInfer.h), read per position: the positions that fit are "
        "written (*UNCONFIRMED*; negative positions likewise). Inside a loop the cache is a carry (the "
        "decoder's recurrence). ONNX: ScatterElements into a cache padded with `S` spare positions, sliced "
        "off again.",
        "NvInfer.h `IKVCacheUpdateLayer`, `addKVCacheUpdate`",
    )
    input_names = ("cache", "update", "write_indices")
    input_dtypes = {"cache": dtypes.FLOATS, "write_indices": (dtypes.int32, dtypes.int64)}
    name_stem = "kv_cache_update"
    mode: KVCacheMode = attrs.field(default=KVCacheMode.LINEAR, metadata=ir(label=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        cache, update, indices = inputs
        label = self.label()
        if not isinstance(self.mode, KVCacheMode):
            raise bad_argument(label, "mode", self.mode, "a KVCacheMode")
        if update.dtype != cache.dtype:
            raise DTypeError(f"{label}: input 'update' has dtype {update.dtype.name}; expected the cache's dtype "
                             f"{cache.dtype.name}")
        expect_rank(label, "cache", cache, (4,), "rank 4: [batch, heads, max tokens, head size]")
        expect_rank(label, "update", update, (4,), "rank 4: [batch, heads, tokens, head size]")
        if not all(_fits(cache.shape[i], update.shape[i]) for i in (0, 1, 3)):
            raise ShapeError(f"{label}: cache {cache.shape_text} and update {update.shape_text} differ in batch, "
                             "heads or head size; expected [B, N, Smax, H] and [B, N, S, H]")
        if indices.rank != 1 or not _fits(indices.shape[0], cache.shape[0]):
            raise ShapeError(f"{label}: input 'write_indices' has shape {indices.shape_text}; expected [B] = "
                             f"[{cache.shape[0]}]")
        return (cache,)

    def reference(self, cache: np.ndarray, update: np.ndarray, write_indices: np.ndarray) -> tuple[np.ndarray, ...]:
        out = cache.copy()
        size = cache.shape[2]
        for b, start in enumerate(write_indices.astype(np.int64).tolist()):
            first, last = max(start, 0), min(start + update.shape[2], size)
            if first < last:
                out[b, :, first:last] = update[b, :, first - start:last - start]
        return (out,)


def kv_cache_update(cache: Tensor, update: Tensor, write_indices: Any, *, name: str | None = None) -> Tensor:
    """``cache [B, N, Smax, H]`` with ``update [B, N, S, H]`` written from position ``write_indices[b]`` on
    along the token axis of each batch item (TensorRT's LINEAR KV cache mode); positions past ``Smax`` are
    not written. ``write_indices`` is an int32/int64 ``[B]`` tensor, or ints (an int32 constant).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("kv")
    >>> cache = net.input("cache", td.float32, (1, 1, 3, 2))
    >>> step = net.input("step", td.float32, (1, 1, 1, 2))
    >>> pos = net.input("pos", td.int64, (1,))
    >>> net.output("y", td.kv_cache_update(cache, step, pos))
    >>> net.run({"cache": np.zeros((1, 1, 3, 2), np.float32), "step": np.full((1, 1, 1, 2), 7, np.float32),
    ...          "pos": np.array([1])})["y"][0, 0]
    array([[0., 0.],
           [7., 7.],
           [0., 0.]], dtype=float32)
    """
    fn = "kv_cache_update"
    cache = expect_tensor(fn, "cache", cache)
    update = expect_tensor(fn, "update", update)
    if not isinstance(write_indices, Tensor):
        write_indices = cache.network.constant(as_array(fn, "write_indices", write_indices, dtypes.int32))
    return cache.network.add1(KVCacheUpdate(), (cache, update, write_indices), name=name)
