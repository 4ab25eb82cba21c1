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

TensorRT 11's packed update (``setUpdateForm(kPACKED_NHD)`` with ``setUpdateLengths``, 11.1 L7603-L7660):
``update[T, N, H]`` holds every batch item's new tokens one after the other, ``update_lengths [B + 1]`` the
cumulative int32 token counts (first 0, as the attention's lengths): item ``b`` writes its
``lengths[b + 1] - lengths[b]`` tokens from ``write_indices[b]`` on::

    for b in range(B):
        rows = update[lengths[b]:lengths[b + 1]]              # [n_b, N, H]
        for s in range(len(rows)):
            if 0 <= write_indices[b] + s < Smax:
                out[b, :, write_indices[b] + s, :] = rows[s]

Lengths whose first element is not 0 (undefined behaviour in the header), that decrease or that exceed
``T`` are an ExecutionError of the run (trtdsl's reading). TensorRT 10.x has no update form: lowering a
packed update there is a BackendError.

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
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import DimLike
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.shapes.algebra import same_dim
from trtdsl.layers._common import as_array, enum_member, expect_rank, expect_tensor
from trtdsl.layers.attention import PACKED, PADDED, AttentionIOForm

__all__ = ["KVCacheMode", "KVCacheUpdate", "kv_cache_update"]


class KVCacheMode(enum.Enum):
    LINEAR = "linear"


def _fits(a: DimLike, b: DimLike) -> bool:
    """Whether two dims may be equal: equal, or an int against a named dim (known at run time)."""
    return same_dim(a, b) or isinstance(a, int) != isinstance(b, int)


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
        "decoder's recurrence). TensorRT 11's packed update (`update_form=\"packed_nhd\"`: `[T, N, H]` with "
        "cumulative int32 `update_lengths [B + 1]`) writes item `b`'s tokens from `write_indices[b]` on. "
        "ONNX: ScatterElements into a cache padded with `S` spare positions, sliced off again (a packed "
        "update is refused).",
        "NvInfer.h `IKVCacheUpdateLayer` (`setUpdateForm`, `setUpdateLengths`), `addKVCacheUpdate`",
    )
    input_names = ("cache", "update", "write_indices", "update_lengths?")
    input_dtypes = {"cache": dtypes.FLOATS, "write_indices": (dtypes.int32, dtypes.int64),
                    "update_lengths": (dtypes.int32,)}
    name_stem = "kv_cache_update"
    mode: KVCacheMode = attrs.field(default=KVCacheMode.LINEAR, metadata=ir(label=True))
    update_form: AttentionIOForm = attrs.field(default=PADDED, metadata=ir(unless_default=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        cache, update, indices = inputs
        lengths = inputs.all[3] if len(inputs.all) > 3 else None
        label = self.label()
        if not isinstance(self.mode, KVCacheMode):
            raise bad_argument(label, "mode", self.mode, "a KVCacheMode")
        if not isinstance(self.update_form, AttentionIOForm):
            raise bad_argument(label, "update_form", self.update_form, "an AttentionIOForm")
        if update.dtype != cache.dtype:
            raise DTypeError(f"{label}: input 'update' has dtype {update.dtype.name}; expected the cache's dtype "
                             f"{cache.dtype.name}")
        expect_rank(label, "cache", cache, (4,), "rank 4: [batch, heads, max tokens, head size]")
        if self.update_form is PACKED:
            expect_rank(label, "update", update, (3,), "rank 3 (PACKED_NHD): [tokens, heads, head size]")
            if lengths is None:
                raise ArgumentError(f"{label}: a PACKED_NHD update needs 'update_lengths', the cumulative token "
                                    "counts [B + 1] (IKVCacheUpdateLayer::setUpdateLengths)")
            fits = _fits(cache.shape[1], update.shape[1]) and _fits(cache.shape[3], update.shape[2])
            wanted = "[B, N, Smax, H] and [T, N, H]"
        else:
            expect_rank(label, "update", update, (4,), "rank 4: [batch, heads, tokens, head size]")
            if lengths is not None:
                raise ArgumentError(f"{label}: 'update_lengths' is given with a PADDED_BHND update; TensorRT takes "
                                    "them only for a PACKED_NHD one (IKVCacheUpdateLayer::setUpdateLengths)")
            fits = all(_fits(cache.shape[i], update.shape[i]) for i in (0, 1, 3))
            wanted = "[B, N, Smax, H] and [B, N, S, H]"
        if not fits:
            raise ShapeError(f"{label}: cache {cache.shape_text} and update {update.shape_text} differ in batch, "
                             f"heads or head size; expected {wanted}")
        if indices.rank != 1 or not _fits(indices.shape[0], cache.shape[0]):
            raise ShapeError(f"{label}: input 'write_indices' has shape {indices.shape_text}; expected [B] = "
                             f"[{cache.shape[0]}]")
        b = cache.shape[0]
        if lengths is not None and (lengths.rank != 1 or isinstance(b, int) and not _fits(lengths.shape[0], b + 1)):
            raise ShapeError(f"{label}: input 'update_lengths' has shape {lengths.shape_text}; expected [B + 1] "
                             f"with B = {b}")
        return (cache,)

    def reference(self, cache: np.ndarray, update: np.ndarray, write_indices: np.ndarray,
                  update_lengths: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        out = cache.copy()
        size = cache.shape[2]
        items = self._items(update, update_lengths)
        for b, start in enumerate(write_indices.astype(np.int64).tolist()):
            rows = items[b]  # [N, n, H]
            first, last = max(start, 0), min(start + rows.shape[1], size)
            if first < last:
                out[b, :, first:last] = rows[:, first - start:last - start]
        return (out,)

    def _items(self, update: np.ndarray, lengths: np.ndarray | None) -> list[np.ndarray] | np.ndarray:
        """Each batch item's update ``[N, n_b, H]``."""
        if lengths is None:
            return update
        ends = lengths.astype(np.int64).tolist()
        if ends[0] != 0 or any(b < a for a, b in zip(ends, ends[1:])) or ends[-1] > update.shape[0]:
            raise ExecutionError(f"{self.label()}: update_lengths is {ends}; expected cumulative token counts "
                                 f"from 0, non-decreasing, at most the {update.shape[0]} tokens "
                                 "(IKVCacheUpdateLayer::setUpdateLengths)")
        return [np.swapaxes(update[a:b], 0, 1) for a, b in zip(ends, ends[1:])]


def kv_cache_update(cache: Tensor, update: Tensor, write_indices: Any, *,
                    update_form: AttentionIOForm | str = PADDED, update_lengths: Tensor | None = None,
                    name: str | None = None) -> Tensor:
    """``cache [B, N, Smax, H]`` with ``update [B, N, S, H]`` written from position ``write_indices[b]`` on
    along the token axis of each batch item (TensorRT's LINEAR KV cache mode); positions past ``Smax`` are
    not written. ``write_indices`` is an int32/int64 ``[B]`` tensor, or ints (an int32 constant).
    ``update_form="packed_nhd"`` (TensorRT 11) takes ``update [T, N, H]``, every item's tokens one after the
    other, with ``update_lengths`` the cumulative int32 token counts ``[B + 1]`` (from 0).

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
    op = KVCacheUpdate(KVCacheMode.LINEAR, enum_member(fn, "update_form", update_form, AttentionIOForm))
    lengths = () if update_lengths is None else (expect_tensor(fn, "update_lengths", update_lengths),)
    return cache.network.add1(op, (cache, update, write_indices, *lengths), name=name)
