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

Packed forms and lengths (TensorRT 11: ``AttentionIOForm``, ``setQueryForm``/``setKeyValueForm``,
``setQueryLengths``/``setKeyValueLengths``, 11.1 L6786-L6798 and L7305-L7437): ``query_form`` and
``key_value_form`` are PADDED_BHND (``[B, N, S, H]``, the default) or PACKED_NHD (every batch item's
tokens one after the other, ``[T, N, H]``). A packed tensor needs its lengths: cumulative token counts
``[B + 1]`` (int32, ``lengths[0] == 0``), batch item ``b`` being tokens ``lengths[b]:lengths[b + 1]``.
Padded key/value may take per-item lengths ``[B]`` (``kv_len[b] <= Skv``): keys from ``kv_len[b]`` on are
not attended. Each batch item is then the attention above over its own tokens::

    for b in range(B):
        qb = q[b] if padded_q else q[ql[b]:ql[b + 1]].transpose(1, 0, 2)      # [Nq, sq_b, H]
        kb = k[b, :, :kv_len[b]] if padded_kv else k[kl[b]:kl[b + 1]].transpose(1, 0, 2)
        ob = attend(qb, kb, vb)            # causal kinds measured on sq_b and skv_b
        out[b] = ob                        # packed: out[ql[b]:ql[b + 1]] = ob.transpose(1, 0, 2)

Read by trtdsl, UNCONFIRMED (the header is silent): LOWER_RIGHT's diagonal uses each item's own
lengths (``j <= i + skv_b - sq_b``, as varlen flash-attention kernels align it); a packed query's rows past
``lengths[B]`` are 0; a mask with a packed form is refused (the header gives the mask's shape in padded
terms only); query lengths with a padded query are refused (TensorRT ignores them); lengths whose first
element is not 0 (undefined behaviour in the header), that decrease, or that exceed the tokens are an
ExecutionError of the run. TensorRT 10.x has neither forms nor lengths: lowering them there is a
BackendError.

Quantized normalization output (``setNormalizationQuantizeScale``/``setNormalizationQuantizeToType``,
11.1 L6943-L6944, L7190-L7241; both 10.16 and 11.x): the normalized scores are quantized to FP8 or INT8
with a 0-d or one-element float scale before BMM2, TensorRT's quantize rule (see ``td.quantize``)::

    p = dequantize(quantize(p, scale, to), scale)   # saturate(p / scale, to) * scale, in float32

UNCONFIRMED: that BMM2 reads the quantized ``p`` times the scale (the header only names the scale as the
normalization output's), and what a longer 1-D scale would mean (trtdsl takes one coefficient).

Not modelled: multi-device ranks (``setNbRanks``); a TensorRT network that sets them does not raise.

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
from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import ArgumentError, DSLError, DTypeError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import DimLike
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import enum_member, expect_bool, expect_rank, expect_tensor, in_float, select
from trtdsl.layers.quantize import _runtime_scale, saturate

__all__ = ["Attention", "AttentionIOForm", "AttentionNormalizationOp", "CausalMaskKind", "attention"]


class AttentionNormalizationOp(enum.Enum):
    NONE = "none"
    SOFTMAX = "softmax"


class CausalMaskKind(enum.Enum):
    NONE = "none"
    UPPER_LEFT = "upper_left"
    LOWER_RIGHT = "lower_right"


class AttentionIOForm(enum.Enum):
    PADDED_BHND = "padded_bhnd"
    PACKED_NHD = "packed_nhd"


PADDED, PACKED = AttentionIOForm.PADDED_BHND, AttentionIOForm.PACKED_NHD
QUANTIZE_TO: tuple[DType, ...] = (dtypes.float8_e4m3, dtypes.int8)  # setNormalizationQuantizeToType


def _same_dim(a: DimLike | None, b: DimLike | None) -> bool:
    """Whether two dims may be equal: equal, an int against a named dim (known at run time), or one not
    known before the run (None)."""
    return a is None or b is None or a == b or isinstance(a, int) != isinstance(b, int)


@attrs.frozen
class Attention(Op):
    """``norm(q @ kᵀ [mask | causal]) @ v`` with grouped kv heads and no built-in scale, per batch item of
    padded or packed query/key/value (see the module doc)."""

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
        "(*UNCONFIRMED*; onnxruntime's choice). TensorRT 11's PACKED_NHD forms (`[T, N, H]` with cumulative "
        "int32 lengths `[B + 1]`) and per-item key/value lengths `[B]` attend each batch item over its own "
        "tokens (LOWER_RIGHT on each item's lengths, a packed query's rows past the last length 0: "
        "*UNCONFIRMED*; no mask with a packed form). The quantized normalization output (`quantize_scale`, "
        "`quantize_to` fp8/int8) rounds the normalized scores through TensorRT's Q/DQ before the second "
        "product (*UNCONFIRMED* reading). Multi-device ranks are not modelled.",
        "NvInfer.h `IAttention`, `CausalMaskKind`, `AttentionIOForm`, `addAttention`/`addAttentionV2` (10.16 "
        "and 11.1); ONNX Attention (opset 23)",
    )
    input_names = ("query", "key", "value", "mask?", "quantize_scale?", "query_lengths?", "key_value_lengths?")
    input_dtypes = {"query": dtypes.FLOATS, "key": dtypes.FLOATS, "value": dtypes.FLOATS,
                    "quantize_scale": dtypes.FLOATS, "query_lengths": (dtypes.int32,),
                    "key_value_lengths": (dtypes.int32,)}
    normalization: AttentionNormalizationOp = attrs.field(default=AttentionNormalizationOp.SOFTMAX,
                                                          metadata=ir(label=True))
    causal: CausalMaskKind = CausalMaskKind.NONE
    decomposable: bool = False
    query_form: AttentionIOForm = attrs.field(default=PADDED, metadata=ir(unless_default=True))
    key_value_form: AttentionIOForm = attrs.field(default=PADDED, metadata=ir(unless_default=True))
    quantize_to: DType | None = attrs.field(default=None, metadata=ir(unless_none=True, by_name=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        q, k, v = inputs
        mask, scale, q_lengths, kv_lengths = inputs.all[3:7] + (None,) * (7 - len(inputs.all))
        label = self.label()
        self._check_fields(label)
        for arg, t, form in (("query", q, self.query_form), ("key", k, self.key_value_form),
                             ("value", v, self.key_value_form)):
            if form is PACKED:
                expect_rank(label, arg, t, (3,), "rank 3 (PACKED_NHD): [tokens, heads, head size]")
            else:
                expect_rank(label, arg, t, (4,), "rank 4: [batch, heads, tokens, head size]")
        for arg, t in (("key", k), ("value", v)):
            if t.dtype != q.dtype:
                raise DTypeError(f"{label}: input '{arg}' has dtype {t.dtype.name}; expected the query's "
                                 f"dtype {q.dtype.name}")
        if not all(_same_dim(a, b) for a, b in zip(k.shape, v.shape)):
            raise ShapeError(f"{label}: key {k.shape_text} and value {v.shape_text} differ; expected one "
                             "shape [batch, kv heads, kv tokens, head size]")
        b, nq, sq, h = self._bhnd(q, self.query_form)
        bk, nkv, skv, hk = self._bhnd(k, self.key_value_form)
        padded = self.query_form is PADDED and self.key_value_form is PADDED
        if not (_same_dim(h, hk) and (not padded or _same_dim(b, bk))):
            raise ShapeError(f"{label}: query {q.shape_text} and key {k.shape_text} differ in batch or head "
                             "size; expected [B, Nq, Sq, H] and [B, Nkv, Skv, H]")
        if isinstance(nq, int) and isinstance(nkv, int) and (nkv == 0 or nq % nkv):
            raise ShapeError(f"{label}: the query has {nq} heads and the key {nkv}; expected query heads that "
                             "are a multiple of the key/value heads (grouped-query attention)")
        batch = self._check_lengths(label, q, k, q_lengths, kv_lengths)
        if mask is not None:
            self._check_mask(label, mask, q, (batch, nq, sq, skv))
        elif self.causal is not CausalMaskKind.NONE and self.normalization is AttentionNormalizationOp.NONE:
            raise ArgumentError(f"{label}: a causal kind with normalization NONE is not documented by TensorRT "
                                "(its -inf scores would reach the second product); use SOFTMAX")
        if (scale is None) != (self.quantize_to is None):
            raise ArgumentError(f"{label}: the normalization quantize scale and type come together "
                                "(IAttention::setNormalizationQuantizeScale must be used with "
                                "setNormalizationQuantizeToType); give both or neither")
        if scale is not None and not (scale.rank == 0 or scale.shape == (1,)):
            raise ShapeError(f"{label}: input 'quantize_scale' has shape {scale.shape_text}; expected one "
                             "coefficient, shape () or (1,)")
        return (q,)

    def _check_fields(self, label: str) -> None:
        if not isinstance(self.normalization, AttentionNormalizationOp):
            raise bad_argument(label, "normalization", self.normalization, "an AttentionNormalizationOp")
        if not isinstance(self.causal, CausalMaskKind):
            raise bad_argument(label, "causal", self.causal, "a CausalMaskKind")
        if not isinstance(self.decomposable, bool):
            raise bad_argument(label, "decomposable", self.decomposable, "a bool")
        for arg in ("query_form", "key_value_form"):
            if not isinstance(getattr(self, arg), AttentionIOForm):
                raise bad_argument(label, arg, getattr(self, arg), "an AttentionIOForm")
        if self.quantize_to is not None and self.quantize_to not in QUANTIZE_TO:
            raise bad_argument(label, "quantize_to", self.quantize_to, "fp8 or int8 "
                               "(IAttention::setNormalizationQuantizeToType)", DTypeError)

    @staticmethod
    def _bhnd(t: TensorType, form: AttentionIOForm) -> tuple[DimLike, DimLike, DimLike, DimLike]:
        """``(batch, heads, tokens, head size)`` of a padded tensor; a packed one's batch and tokens are
        its (total) token count."""
        if form is PACKED:
            return t.shape[0], t.shape[1], t.shape[0], t.shape[2]
        b, n, s, h = t.shape
        return b, n, s, h

    def _check_lengths(self, label: str, q: TensorType, k: TensorType, q_lengths: TensorType | None,
                       kv_lengths: TensorType | None) -> DimLike | None:
        """Check the lengths against the forms, and that every input tells one batch size ``B``; returns
        it (a named dim, or None where only lengths tell it and not statically)."""
        if self.query_form is PACKED and q_lengths is None:
            raise ArgumentError(f"{label}: a PACKED_NHD query needs 'query_lengths', the cumulative token "
                                "counts [B + 1] (IAttention::setQueryLengths)")
        if self.query_form is PADDED and q_lengths is not None:
            raise ArgumentError(f"{label}: 'query_lengths' is given with a PADDED_BHND query, where TensorRT "
                                "ignores it (IAttention::setQueryLengths); leave it out or pack the query")
        if self.key_value_form is PACKED and kv_lengths is None:
            raise ArgumentError(f"{label}: PACKED_NHD key/value need 'key_value_lengths', the cumulative "
                                "token counts [B + 1] (IAttention::setKeyValueLengths)")
        told: list[tuple[str, DimLike | None]] = []  # (what, B)
        if self.query_form is PADDED:
            told.append((f"query {q.shape_text}", q.shape[0]))
        if self.key_value_form is PADDED:
            told.append((f"key {k.shape_text}", k.shape[0]))
        for arg, t, cumulative in (("query_lengths", q_lengths, True),
                                   ("key_value_lengths", kv_lengths, self.key_value_form is PACKED)):
            if t is None:
                continue
            if t.rank != 1:
                raise ShapeError(f"{label}: input '{arg}' has shape {t.shape_text}; expected rank 1: "
                                 f"{'[B + 1]' if cumulative else '[B]'}")
            n = t.shape[0]
            if cumulative and isinstance(n, int) and n < 1:
                raise ShapeError(f"{label}: input '{arg}' has shape {t.shape_text}; expected [B + 1], at "
                                 "least one element")
            told.append((f"'{arg}' {t.shape_text}", n - 1 if cumulative and isinstance(n, int) else
                         n if not cumulative else None))
        known = [(what, b) for what, b in told if isinstance(b, int)]
        named = [(what, b) for what, b in told if b is not None and not isinstance(b, int)]
        if len({b for _, b in known or named}) > 1:  # named dims are compared where no int is told
            raise ShapeError(f"{label}: the inputs tell different batch sizes: "
                             + ", ".join(f"{what} B = {b}" for what, b in known or named) + "; expected one B")
        return (known or named or [("", None)])[0][1]

    def _check_mask(self, label: str, mask: TensorType, q: TensorType, full: tuple[DimLike | None, ...]) -> None:
        if self.causal is not CausalMaskKind.NONE:
            raise ArgumentError(f"{label}: a mask and causal={self.causal.name} cannot be used together "
                                "(IAttention::setCausalKind); put the causal condition into the mask")
        if PACKED in (self.query_form, self.key_value_form):
            raise ArgumentError(f"{label}: a mask with a PACKED_NHD form is not described by TensorRT (its "
                                "shape [B, Nq, Sq, Skv] is given for padded tensors); use padded forms")
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

    # -- reference ----------------------------------------------------------------------------------
    def reference(self, q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None,
                  quantize_scale: np.ndarray | None = None, query_lengths: np.ndarray | None = None,
                  key_value_lengths: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        scale = None if quantize_scale is None else _runtime_scale(self.label(), quantize_scale, zero_ok=False)
        items = self._items(q, k, query_lengths, key_value_lengths)

        def run(q: np.ndarray, k: np.ndarray, v: np.ndarray, *added: np.ndarray) -> np.ndarray:
            m = added[0] if added else mask
            if items is None:
                return self._attend(q, k, v, m, scale)
            out = np.zeros(q.shape, np.result_type(q, np.float32))
            for b, (qs, ks) in enumerate(items):
                qb = q[b:b + 1, :, qs] if self.query_form is PADDED else np.swapaxes(q[qs], 0, 1)[None]
                kb, vb = ((t[b:b + 1, :, ks] if self.key_value_form is PADDED else np.swapaxes(t[ks], 0, 1)[None])
                          for t in (k, v))
                mb = None if m is None else m[b % m.shape[0]:b % m.shape[0] + 1, :, :, ks]
                ob = self._attend(qb, kb, vb, mb, scale)
                if self.query_form is PADDED:
                    out[b] = ob[0]
                else:
                    out[qs] = np.swapaxes(ob[0], 0, 1)
            return out

        if mask is None or mask.dtype == np.bool_:
            return (in_float(run, q.dtype, q, k, v),)
        return (in_float(run, q.dtype, q, k, v, mask),)

    def _items(self, q: np.ndarray, k: np.ndarray, q_lengths: np.ndarray | None,
               kv_lengths: np.ndarray | None) -> list[tuple[slice, slice]] | None:
        """Each batch item's query and key/value tokens (slices of the token axis), or None for padded
        tensors without lengths (one computation over the whole batch)."""
        if q_lengths is None and kv_lengths is None:
            return None
        queries = (self._cumulative("query_lengths", q_lengths, q.shape[0]) if q_lengths is not None
                   else None)
        if kv_lengths is None:
            keys = [slice(0, k.shape[2])] * k.shape[0]
        elif self.key_value_form is PACKED:
            keys = self._cumulative("key_value_lengths", kv_lengths, k.shape[0])
        else:
            if ((kv_lengths < 0) | (kv_lengths > k.shape[2])).any():
                bad = int(kv_lengths[(kv_lengths < 0) | (kv_lengths > k.shape[2])][0])
                raise ExecutionError(f"{self.label()}: key_value_lengths has {bad}; expected lengths from 0 to "
                                     f"the key/value tokens {k.shape[2]} (IAttention::setKeyValueLengths)")
            keys = [slice(0, int(n)) for n in kv_lengths]
        if queries is None:
            queries = [slice(0, q.shape[2])] * q.shape[0]
        if len(queries) != len(keys):
            raise ExecutionError(f"{self.label()}: the query has {len(queries)} batch items and the key/value "
                                 f"{len(keys)}; expected one batch size")
        return list(zip(queries, keys))

    def _cumulative(self, arg: str, lengths: np.ndarray, tokens: int) -> list[slice]:
        """The token slices of cumulative lengths, checked: from 0, non-decreasing, within ``tokens``."""
        ends = lengths.astype(np.int64).tolist()
        if ends[0] != 0 or any(b < a for a, b in zip(ends, ends[1:])) or ends[-1] > tokens:
            raise ExecutionError(f"{self.label()}: {arg} is {ends}; expected cumulative token counts from 0, "
                                 f"non-decreasing, at most the {tokens} tokens (IAttention::set"
                                 f"{'QueryLengths' if arg == 'query_lengths' else 'KeyValueLengths'})")
        return [slice(a, b) for a, b in zip(ends, ends[1:])]

    def _attend(self, q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None,
                scale: np.ndarray | None) -> np.ndarray:
        group = q.shape[1] // k.shape[1]
        k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
        scores = q @ np.swapaxes(k, -1, -2)
        if mask is not None:
            scores = select(mask, scores, np.array(-np.inf, scores.dtype)) if mask.dtype == np.bool_ \
                else scores + mask
        if self.causal is not CausalMaskKind.NONE:
            sq, skv = scores.shape[-2:]
            offset = skv - sq if self.causal is CausalMaskKind.LOWER_RIGHT else 0
            keep = np.arange(skv)[None, :] <= np.arange(sq)[:, None] + offset
            scores = select(keep, scores, np.array(-np.inf, scores.dtype))
        if self.normalization is AttentionNormalizationOp.SOFTMAX:
            top = scores.max(axis=-1, keepdims=True, initial=-np.inf)
            seen = top > -np.inf  # a row with every key masked gives 0 (see the module doc)
            scores = np.exp(scores - np.where(seen, top, 0))
            scores = np.where(seen, scores / np.where(seen, scores.sum(axis=-1, keepdims=True), 1), 0)
        if scale is not None and self.quantize_to is not None:
            s = scale.reshape(())
            scores = saturate(scores.astype(np.float32) / s, self.quantize_to).astype(np.float32) * s
        return scores @ v


def attention(query: Tensor, key: Tensor, value: Tensor, *, mask: Tensor | None = None,
              causal: CausalMaskKind | str = CausalMaskKind.NONE,
              normalization: AttentionNormalizationOp | str = AttentionNormalizationOp.SOFTMAX,
              decomposable: bool = False, query_form: AttentionIOForm | str = PADDED,
              key_value_form: AttentionIOForm | str = PADDED, query_lengths: Tensor | None = None,
              key_value_lengths: Tensor | None = None, quantize_scale: Tensor | None = None,
              quantize_to: Any = None, name: str | None = None) -> Tensor:
    """TensorRT's fused attention of ``query [B, Nq, Sq, H]`` over ``key``/``value [B, Nkv, Skv, H]``:
    ``softmax(query @ keyᵀ [+ mask]) @ value`` per head, with ``Nq // Nkv`` query heads sharing each kv
    head. There is no ``1/sqrt(H)`` scale: multiply the query by it first. ``mask`` is bool (True may
    attend) or the query's dtype (added to the scores), shaped ``[B or 1, Nq or 1, Sq, Skv]``; ``causal``
    is ``"none"``, ``"upper_left"`` (key ``j`` seen by query ``i`` when ``j <= i``) or ``"lower_right"``
    (``j <= i + Skv - Sq``), never together with a mask; ``normalization="none"`` leaves the scores
    unnormalized; ``decomposable=True`` lets TensorRT use unfused kernels.

    ``query_form`` / ``key_value_form`` ``"packed_nhd"`` take ``[T, N, H]`` tensors holding every batch
    item's tokens one after the other, with ``query_lengths`` / ``key_value_lengths`` the cumulative
    int32 token counts ``[B + 1]`` (from 0); padded key/value may take ``key_value_lengths [B]``, the keys
    each item attends (TensorRT 11). ``quantize_scale`` (one float coefficient) with ``quantize_to``
    (fp8 or int8) quantizes the normalized scores before the second product.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> q = net.input("q", td.float32, (1, 1, 2, 1))
    >>> net.output("y", td.attention(q, q, q, causal="upper_left"))
    >>> net.run({"q": np.array([[[[1.0], [0.0]]]], np.float32)})["y"].ravel()   # row 1: mean of 1 and 0
    array([1. , 0.5], dtype=float32)

    Two sequences of 1 and 2 tokens packed into 3 rows, each attending only its own tokens:

    >>> net = td.Network("packed")
    >>> x = net.input("x", td.float32, (3, 1, 1))
    >>> lengths = net.constant(np.array([0, 1, 3], np.int32))
    >>> net.output("y", td.attention(x * 0.0, x, x, query_form="packed_nhd", key_value_form="packed_nhd",
    ...                              query_lengths=lengths, key_value_lengths=lengths))
    >>> net.run({"x": np.array([[[2.0]], [[4.0]], [[6.0]]], np.float32)})["y"].ravel()
    array([2., 5., 5.], dtype=float32)
    """
    fn = "attention"
    query = expect_tensor(fn, "query", query)
    key = expect_tensor(fn, "key", key)
    value = expect_tensor(fn, "value", value)
    optional = [None if t is None else expect_tensor(fn, arg, t) for arg, t in
                (("mask", mask), ("quantize_scale", quantize_scale), ("query_lengths", query_lengths),
                 ("key_value_lengths", key_value_lengths))]
    to = None
    if quantize_to is not None:
        try:
            to = dtypes.dtype(quantize_to)
        except DSLError:
            raise bad_argument(fn, "quantize_to", quantize_to, "fp8 or int8", DTypeError) from None
    op = Attention(enum_member(fn, "normalization", normalization, AttentionNormalizationOp),
                   enum_member(fn, "causal", causal, CausalMaskKind),
                   expect_bool(fn, "decomposable", decomposable),
                   enum_member(fn, "query_form", query_form, AttentionIOForm),
                   enum_member(fn, "key_value_form", key_value_form, AttentionIOForm), to)
    while optional and optional[-1] is None:
        optional.pop()
    return query.network.add1(op, (query, key, value, *optional), name=name)
