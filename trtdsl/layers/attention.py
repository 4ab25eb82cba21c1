"""IAttention: ``norm(Q @ Kᵀ [masked]) @ V`` over 4-D query, key and value heads, as one fused layer.

NvInfer.h (11.1 L6898-L6957, 10.16 L7024-L7073) describes the layer as two matrix multiplies around a
normalization: BMM1 ``Q @ Kᵀ``, then the mask, then the normalization (softmax over the key axis, or
none), then BMM2 with ``V``. For query ``q[B, Nq, Sq, H]`` and key/value ``k, v[B, Nkv, Skv, H]``::

    g = Nq // Nkv                                   # grouped-query attention: g query heads per kv head
    kk, vv = np.repeat(k, g, axis=1), np.repeat(v, g, axis=1)
    s = q @ np.swapaxes(kk, -1, -2)                 # [B, Nq, Sq, Skv]; no 1/sqrt(H) scale
    s = np.where(mask, s, -np.inf)                  # a bool mask: True may attend
    s = s + mask                                    # any other mask is added ("add mask")
    s = np.where(keep, s, -np.inf)                  # causal: keep = j <= i (UPPER_LEFT)
                                                    #      or j <= i + Skv - Sq (LOWER_RIGHT)
    p = softmax(s, axis=-1)                         # normalization SOFTMAX; NONE leaves s as it is
    out = p @ vv                                    # [B, Nq, Sq, H]: the query's shape and dtype

Sources, each an NvInfer.h line of 11.1 (main @ a892d222) unless said otherwise:

- TensorRT applies no ``1/sqrt(H)`` scale: the header's graph (L6908-L6922) has BMM1, the mask and the
  normalization and nothing else; scale the query (or key) first, as in the example below (the TensorRT
  guide's fused-attention page says the same).
- Types: query, key and value are float32, float16 or bfloat16 (L6926-L6937); the output has the query's
  shape and type (L6947). The mask is bool or the type of BMM1's output, i.e. the query's (L6938-L6942).
- The mask has shape ``[B, Nq, Sq, Skv]`` with ``B`` and ``Nq`` broadcastable (L6938-L6940, L6987-L6990).
- Causal kinds (``CausalMaskKind``, L6748-L6773): UPPER_LEFT keeps ``j <= i``, LOWER_RIGHT keeps
  ``j <= i + (Skv - Sq)`` (the kind a decoder step with a KV cache needs: ``Sq = 1`` attends to every
  cached key). A causal kind and a mask cannot be used together (L7015, L7051-L7052).
- ``decomposable`` (default false, L7078-L7101) lets TensorRT use several kernels; it does not change the
  result.
- Grouped-query heads: key and value have ``Nkv`` heads (L6930-L6937), ``Nq`` a multiple of ``Nkv``
  (TensorRT's fused-attention guide: MHA, GQA with ``N_q % N_kv == 0``, MQA). Query head ``h`` reads kv
  head ``h // (Nq // Nkv)``, ONNX Attention's grouping; neither the header nor the guide states it
  (UNCONFIRMED).

Read by trtdsl, UNCONFIRMED in TensorRT's text:

- 16-bit inputs are computed in float32 (both products, the mask and the softmax) and the output rounded
  once: fused kernels accumulate in float32, but where they round ``p`` before BMM2 is not documented.
- A row whose every score is masked (a bool mask of all False, or LOWER_RIGHT with ``Sq > Skv``) gives
  0, as onnxruntime's Attention and flash-attention-style kernels do (they skip a row with no weight);
  the softmax written out would give NaN instead. An engine run would settle it.
- With normalization NONE, a bool mask or a causal kind would put ``-inf`` scores into BMM2; what TensorRT
  does then is not documented, so trtdsl accepts only additive masks with NONE.

Not modelled: the packed NHD forms with query / key-value lengths (TensorRT 11), the quantized
normalization output (``setNormalizationQuantizeScale``/``ToType``) and multi-device ranks; a TensorRT
network that uses them does not raise to trtdsl.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("attn")
>>> q = net.input("q", td.float32, (1, 2, 1, 4))
>>> kv = net.input("kv", td.float32, (1, 1, 3, 4))
>>> net.output("y", td.attention(q * 0.5, kv, kv, causal="lower_right"))   # 0.5 = 1/sqrt(4)
>>> ones = np.ones((1, 1, 3, 4), np.float32) * np.array([[[[1], [2], [3]]]], np.float32)
>>> net.run({"q": np.zeros((1, 2, 1, 4), np.float32), "kv": ones})["y"]   # equal scores: the mean of V
array([[[[2., 2., 2., 2.]],
<BLANKLINE>
        [[2., 2., 2., 2.]]]], dtype=float32)
"""

from __future__ import annotations

import enum

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ArgumentError, DTypeError, ShapeError, bad_argument
from trtdsl.ir.dims import DimLike
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import enum_member, expect_bool, expect_rank, expect_tensor, in_float

__all__ = ["Attention", "AttentionNormalizationOp", "CausalMaskKind", "attention"]


class AttentionNormalizationOp(enum.Enum):
    NONE = "none"
    SOFTMAX = "softmax"


class CausalMaskKind(enum.Enum):
    NONE = "none"
    UPPER_LEFT = "upper_left"
    LOWER_RIGHT = "lower_right"


def _same_dim(a: DimLike, b: DimLike) -> bool:
    """Whether two dims may be equal: equal, or an int against a named dim (known at run time)."""
    return a == b or isinstance(a, int) != isinstance(b, int)


@attrs.frozen
class Attention(Op):
    """``norm(q @ kᵀ [mask | causal]) @ v`` with grouped kv heads and no built-in scale (see the module
    doc)."""

    kind = "Attention"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.attention`",
        "`IAttention` (`addAttentionV2` with `CausalMaskKind` on TensorRT 11; `addAttention` on 10.x, whose "
        "`causal=True` is UPPER_LEFT) and its two boundary layers `ATTENTION_INPUT` / `ATTENTION_OUTPUT`",
        "`softmax(q @ kᵀ [+ mask]) @ v` per head over 4-D `[B, N, S, H]` query/key/value, with **no** "
        "`1/sqrt(H)` scale (scale the query yourself); `Nq // Nkv` query heads share each kv head "
        "(grouped-query, *UNCONFIRMED* grouping: ONNX's and TensorRT's guide's). The mask is bool (True may "
        "attend) or the query's dtype (added), shaped `[B or 1, Nq or 1, Sq, Skv]`, never with a causal kind; "
        "UPPER_LEFT keeps `j <= i`, LOWER_RIGHT `j <= i + Skv - Sq` (TensorRT 11 only: lowering it for 10.x "
        "is a `BackendError`). Normalization NONE takes additive masks only (bool/causal with NONE "
        "undocumented). 16-bit inputs computed in float32, rounded once; a row with every key masked gives 0 "
        "(*UNCONFIRMED*; onnxruntime's choice). Packed NHD forms, the quantized normalization output and "
        "multi-device ranks are not modelled.",
        "NvInfer.h `IAttention`, `CausalMaskKind`, `addAttention`/`addAttentionV2` (10.16 and 11.1); ONNX "
        "Attention (opset 23)",
    )
    input_names = ("query", "key", "value", "mask?")
    input_dtypes = {"query": dtypes.FLOATS, "key": dtypes.FLOATS, "value": dtypes.FLOATS}
    normalization: AttentionNormalizationOp = attrs.field(default=AttentionNormalizationOp.SOFTMAX,
                                                          metadata=ir(label=True))
    causal: CausalMaskKind = CausalMaskKind.NONE
    decomposable: bool = False

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        q, k, v = inputs
        mask = inputs.all[3]
        label = self.label()
        if not isinstance(self.normalization, AttentionNormalizationOp):
            raise bad_argument(label, "normalization", self.normalization, "an AttentionNormalizationOp")
        if not isinstance(self.causal, CausalMaskKind):
            raise bad_argument(label, "causal", self.causal, "a CausalMaskKind")
        if not isinstance(self.decomposable, bool):
            raise bad_argument(label, "decomposable", self.decomposable, "a bool")
        for arg, t in (("query", q), ("key", k), ("value", v)):
            expect_rank(label, arg, t, (4,), "rank 4: [batch, heads, tokens, head size]")
        for arg, t in (("key", k), ("value", v)):
            if t.dtype != q.dtype:
                raise DTypeError(f"{label}: input '{arg}' has dtype {t.dtype.name}; expected the query's "
                                 f"dtype {q.dtype.name}")
        if not all(_same_dim(a, b) for a, b in zip(k.shape, v.shape)):
            raise ShapeError(f"{label}: key {k.shape_text} and value {v.shape_text} differ; expected one "
                             "shape [batch, kv heads, kv tokens, head size]")
        (b, nq, sq, h), (bk, nkv, skv, hk) = q.shape, k.shape
        if not (_same_dim(b, bk) and _same_dim(h, hk)):
            raise ShapeError(f"{label}: query {q.shape_text} and key {k.shape_text} differ in batch or head "
                             "size; expected [B, Nq, Sq, H] and [B, Nkv, Skv, H]")
        if isinstance(nq, int) and isinstance(nkv, int) and (nkv == 0 or nq % nkv):
            raise ShapeError(f"{label}: the query has {nq} heads and the key {nkv}; expected query heads that "
                             "are a multiple of the key/value heads (grouped-query attention)")
        if mask is not None:
            self._check_mask(label, mask, q, (b, nq, sq, skv))
        elif self.causal is not CausalMaskKind.NONE and self.normalization is AttentionNormalizationOp.NONE:
            raise ArgumentError(f"{label}: a causal kind with normalization NONE is not documented by TensorRT "
                                "(its -inf scores would reach the second product); use SOFTMAX")
        return (q,)

    def _check_mask(self, label: str, mask: TensorType, q: TensorType, full: tuple[DimLike, ...]) -> None:
        if self.causal is not CausalMaskKind.NONE:
            raise ArgumentError(f"{label}: a mask and causal={self.causal.name} cannot be used together "
                                "(IAttention::setCausalKind); put the causal condition into the mask")
        if mask.dtype not in (dtypes.bool_, q.dtype):
            raise DTypeError(f"{label}: input 'mask' has dtype {mask.dtype.name}; expected bool or the "
                             f"query's dtype {q.dtype.name} (an additive mask)")
        if mask.dtype is dtypes.bool_ and self.normalization is AttentionNormalizationOp.NONE:
            raise ArgumentError(f"{label}: a bool mask with normalization NONE is not documented by TensorRT "
                                "(its -inf scores would reach the second product); use an additive mask")
        wanted = "[B or 1, Nq or 1, Sq, Skv] = [" + ", ".join(str(d) for d in full) + "]"
        if mask.rank != 4:
            raise ShapeError(f"{label}: input 'mask' has shape {mask.shape_text}; expected {wanted}")
        ok = [m == 1 or _same_dim(m, d) for m, d in zip(mask.shape[:2], full[:2])]
        ok += [_same_dim(m, d) for m, d in zip(mask.shape[2:], full[2:])]
        if not all(ok):
            raise ShapeError(f"{label}: input 'mask' has shape {mask.shape_text}; expected {wanted}")

    def reference(self, q: np.ndarray, k: np.ndarray, v: np.ndarray,
                  mask: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        if mask is None or mask.dtype == np.bool_:
            return (in_float(lambda q, k, v: self._attend(q, k, v, mask), q.dtype, q, k, v),)
        return (in_float(self._attend, q.dtype, q, k, v, mask),)

    def _attend(self, q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        group = q.shape[1] // k.shape[1]
        k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
        scores = q @ np.swapaxes(k, -1, -2)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf) if mask.dtype == np.bool_ else scores + mask
        if self.causal is not CausalMaskKind.NONE:
            sq, skv = scores.shape[-2:]
            offset = skv - sq if self.causal is CausalMaskKind.LOWER_RIGHT else 0
            keep = np.arange(skv)[None, :] <= np.arange(sq)[:, None] + offset
            scores = np.where(keep, scores, -np.inf)
        if self.normalization is AttentionNormalizationOp.SOFTMAX:
            top = scores.max(axis=-1, keepdims=True, initial=-np.inf)
            seen = top > -np.inf  # a row with every key masked gives 0 (see the module doc)
            scores = np.exp(scores - np.where(seen, top, 0))
            scores = np.where(seen, scores / np.where(seen, scores.sum(axis=-1, keepdims=True), 1), 0)
        return scores @ v


def attention(query: Tensor, key: Tensor, value: Tensor, *, mask: Tensor | None = None,
              causal: CausalMaskKind | str = CausalMaskKind.NONE,
              normalization: AttentionNormalizationOp | str = AttentionNormalizationOp.SOFTMAX,
              decomposable: bool = False, name: str | None = None) -> Tensor:
    """TensorRT's fused attention of ``query [B, Nq, Sq, H]`` over ``key``/``value [B, Nkv, Skv, H]``:
    ``softmax(query @ keyᵀ [+ mask]) @ value`` per head, with ``Nq // Nkv`` query heads sharing each kv
    head. There is no ``1/sqrt(H)`` scale: multiply the query by it first. ``mask`` is bool (True may
    attend) or the query's dtype (added to the scores), shaped ``[B or 1, Nq or 1, Sq, Skv]``; ``causal``
    is ``"none"``, ``"upper_left"`` (key ``j`` seen by query ``i`` when ``j <= i``) or ``"lower_right"``
    (``j <= i + Skv - Sq``), never together with a mask; ``normalization="none"`` leaves the scores
    unnormalized; ``decomposable=True`` lets TensorRT use unfused kernels.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> q = net.input("q", td.float32, (1, 1, 2, 1))
    >>> net.output("y", td.attention(q, q, q, causal="upper_left"))
    >>> net.run({"q": np.array([[[[1.0], [0.0]]]], np.float32)})["y"].ravel()   # row 1: mean of 1 and 0
    array([1. , 0.5], dtype=float32)
    """
    fn = "attention"
    query = expect_tensor(fn, "query", query)
    key = expect_tensor(fn, "key", key)
    value = expect_tensor(fn, "value", value)
    mask_t = None if mask is None else expect_tensor(fn, "mask", mask)
    op = Attention(enum_member(fn, "normalization", normalization, AttentionNormalizationOp),
                   enum_member(fn, "causal", causal, CausalMaskKind),
                   expect_bool(fn, "decomposable", decomposable))
    inputs = (query, key, value) if mask_t is None else (query, key, value, mask_t)
    return query.network.add1(op, inputs, name=name)
