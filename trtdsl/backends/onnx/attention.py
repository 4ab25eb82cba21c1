"""ONNX export of IAttention, and import of ONNX Attention.

With SOFTMAX normalization it is ONNX Attention (opset 23) with ``scale=1`` (TensorRT has no built-in
``1/sqrt(H)``; ONNX's default scale is that, so it is set), 4-D BHND inputs and ONNX's own grouped-query
rule (query head ``h`` reads kv head ``h // (Nq // Nkv)``, as trtdsl reads TensorRT). ONNX's ``attn_mask``
has TensorRT's meaning: bool True may attend, any other type is added to the scores. ``is_causal=1`` keeps
``j <= i`` (the upper-left diagonal, opset 23's ``tril``); LOWER_RIGHT becomes a bool ``attn_mask``
``j <= i + Skv - Sq`` built from the inputs' shapes.

With normalization NONE (additive masks only, see the layer) ONNX Attention has no form, so it is written
out: the query reshaped to ``[B, Nkv, g, Sq, H]`` so that one MatMul against the key broadcasts over the
``g`` query heads of each kv head, the mask added in ``[B, Nq, Sq, Skv]``, and the same reshape around the
product with the value.

16-bit inputs are computed in float32, as the reference computes them.

Not written: TensorRT 11's packed forms and lengths (ONNX Attention has no packed layout, and its
``nonpad_kv_seqlen`` aligns the causal diagonal to each item's length for every causal kind, which
UPPER_LEFT does not; the per-item computation would take an ONNX Loop over the batch items, which trtdsl
does not write), and the quantized normalization output (ONNX Attention has no quantization between its
softmax and second product; written out, it would need the softmax, the mask and the causal kinds of
the fused op rebuilt from MatMul, Softmax and QuantizeLinear/DequantizeLinear, which trtdsl does not
write). Exporting either is a BackendError naming what is set.

Import (the ``Attention`` ONNX op, opset 23): an Attention layer (``td.attention``) where the node fits
it, as TensorRT 11's parser maps ONNX Attention onto IAttention (UNCONFIRMED: the parser's Attention
importer is not in the onnx-tensorrt sources read here; the values are ONNX's either way):

- the query multiplied by ``scale`` (default ``1 / sqrt(head size)``; the layer has no scale; none
  for 1), then
  one Attention layer with SOFTMAX normalization over 4-D ``[B, N, S, H]`` heads; 3-D inputs with
  ``q_num_heads``/``kv_num_heads`` split into heads before it and merged after it;
- grouped-query heads as the layer groups them (query head ``h`` reads kv head ``h // (Nq // Nkv)``);
- ``attn_mask`` bool (True attends) or of the query's type (added), of rank 2 to 4, as the layer's
  ``[B or 1, Nq or 1, Sq, Skv]`` mask (leading dims of 1 added); ``is_causal`` without a mask as
  UPPER_LEFT;
- only the output ``Y``; no ``softcap``, ``softmax_precision``, sliding window, past key/value,
  ``nonpad_kv_seqlen``, a mask together with ``is_causal``, a mask shorter than the keys, a value head
  size other than the key's, or types that differ.

Any other node is ``softmax(Q @ K^T * scale + bias) @ V`` built from MatrixMultiply, ElementWise, Unary,
SoftMax and Select layers (UNCONFIRMED which layers TensorRT's parser builds for these forms; the values
are ONNX's). It reads: 3-D inputs with ``q_num_heads``/``kv_num_heads`` (split into heads and merged back), 4-D inputs,
grouped-query attention (each group of ``q_heads / kv_heads`` query heads shares a key/value head),
``scale`` (default ``1 / sqrt(head size)``), ``softcap``, a boolean (True attends) or additive
``attn_mask`` (padded with masked positions to the key length), ``is_causal`` (query ``i`` attends key
``j <= i``, after a cache of ``P`` keys ``j <= i + P``); past key/value caches (concatenated before the
new keys and values, which are the present outputs); a query whose keys are all masked gets 0, as in
ONNX; the ``qk_matmul_output`` output in each of its modes (the scaled scores, after the softcap, after
the bias, after the softmax); ``nonpad_kv_seqlen`` (keys from ``nonpad_kv_seqlen[b]`` on are masked, and
the causal and window frontiers of batch item ``b`` are offset by ``nonpad_kv_seqlen[b] - Sq``), sliding
windows (``left_window_size``/``right_window_size``, each -1 for unbounded) and ``softmax_precision``
(the softmax computed in that type). These masks are built as ONNX defines them (opset 24 and on);
UNCONFIRMED which layers TensorRT's parser builds for them.
"""

from __future__ import annotations

import math

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, element_dtype, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers._shape_args import dim_scalar
from trtdsl.layers.activation import activation
from trtdsl.layers.attention import PACKED, Attention, AttentionNormalizationOp, CausalMaskKind, attention
from trtdsl.layers.cast import cast
from trtdsl.layers.concat import concatenate
from trtdsl.layers.fill import arange
from trtdsl.layers.manipulation import repeat
from trtdsl.layers.matmul import matmul
from trtdsl.layers.padding import pad
from trtdsl.layers.reduce import reduce
from trtdsl.layers.select import where
from trtdsl.layers.shuffle import reshape, transpose
from trtdsl.layers.softmax import softmax
from trtdsl.shapes.algebra import same_dim


def _opset(op: Attention) -> int:
    return 23 if op.normalization is AttentionNormalizationOp.SOFTMAX else 17


@exports(Attention, opset=_opset)
def _attention(ctx: NodeContext, op: Attention) -> str:
    unwritten = [what for what, given in (
        ("a PACKED_NHD form", PACKED in (op.query_form, op.key_value_form)),
        ("key/value lengths", ctx.optional_input(6) is not None),
        ("a quantized normalization output", op.quantize_to is not None)) if given]
    if unwritten:
        raise ctx.fail(f"sets {', '.join(unwritten)}, which the ONNX export does not write: ONNX Attention "
                       "has no packed layout, its nonpad_kv_seqlen (opset 24) moves the causal diagonal "
                       "with each item's length where TensorRT's lengths do not, and it has no quantization "
                       "inside; export padded attention without lengths or quantization")
    dtype = ctx.input_type(0).dtype
    q, k, v = (ctx.input(i) for i in range(3))
    mask = ctx.optional_input(3)
    additive = mask is not None and ctx.input_type(3).dtype is not dtypes.bool_
    build = _fused if op.normalization is AttentionNormalizationOp.SOFTMAX else _written_out

    def run(*names: str) -> str:  # an additive mask is computed in float32 too, a bool one is not
        return build(ctx, op, names[0], names[1], names[2], names[3] if additive else mask)

    return ctx.in_float32(dtype, run, q, k, v, *([mask] if additive and mask is not None else []))


def _written_out(ctx: NodeContext, op: Attention, q: str, k: str, v: str, mask: str | None) -> str:
    q_shape, k_shape = ctx.emit("Shape", [q]), ctx.emit("Shape", [k])

    def part(shape: str, start: int, end: int) -> str:
        return ctx.emit("Slice", [shape, ctx.ints([start]), ctx.ints([end])])

    grouped = ctx.emit("Concat", [part(k_shape, 0, 2), ctx.ints([-1]), part(q_shape, 2, 3)], axis=0)
    kv5 = [ctx.emit("Unsqueeze", [t, ctx.ints([2])]) for t in (k, v)]
    q5 = ctx.emit("Reshape", [q, ctx.emit("Concat", [grouped, part(q_shape, 3, 4)], axis=0)])
    scores5 = ctx.emit("MatMul", [q5, ctx.emit("Transpose", [kv5[0]], perm=[0, 1, 2, 4, 3])])
    if mask is not None:
        heads = ctx.emit("Concat", [part(q_shape, 0, 3), part(k_shape, 2, 3)], axis=0)
        scores = ctx.emit("Add", [ctx.emit("Reshape", [scores5, heads]), mask])
        scores5 = ctx.emit("Reshape", [scores, ctx.emit("Concat", [grouped, part(k_shape, 2, 3)], axis=0)])
    return ctx.emit("Reshape", [ctx.emit("MatMul", [scores5, kv5[1]]), q_shape])


def _fused(ctx: NodeContext, op: Attention, q: str, k: str, v: str, mask: str | None) -> str:
    if op.causal is CausalMaskKind.LOWER_RIGHT:
        sq, skv = ctx.dim(0, 2), ctx.dim(1, 2)
        zero, one = ctx.const(0, dtypes.int64), ctx.const(1, dtypes.int64)
        rows = ctx.emit("Unsqueeze", [ctx.emit("Range", [zero, sq, one]), ctx.ints([1])])
        last = ctx.emit("Add", [rows, ctx.emit("Sub", [skv, sq])])
        mask = ctx.emit("LessOrEqual", [ctx.emit("Range", [zero, skv, one]), last])
    causal = int(op.causal is CausalMaskKind.UPPER_LEFT)
    return ctx.emit("Attention", [q, k, v, mask], scale=1.0, is_causal=causal)


def _heads(ctx: ImportContext, x: Tensor, heads: int | None, what: str) -> Tensor:
    """A 3-D ``(B, S, heads * D)`` input as ``(B, heads, S, D)``; a 4-D one as it is."""
    if len(x.shape) == 4:
        return x
    ctx.check(len(x.shape) == 3 and heads is not None and heads > 0,
              f"{what} has shape {x.type.shape_text}; expected 4-D, or 3-D with q_num_heads and kv_num_heads")
    hidden = x.shape[2]
    if not (isinstance(hidden, int) and heads and hidden % heads == 0):
        raise ctx.refuse(f"{what}'s last dim {hidden} is not a static multiple of {heads} heads")
    return transpose(reshape(x, (x.shape[0], x.shape[1], heads, hidden // heads)), (0, 2, 1, 3))


def _bias(ctx: ImportContext, q: Tensor, mask: Tensor | None, length: object) -> Tensor | None:
    """The additive bias of the scores from the mask (a boolean one as 0 / -inf, padded with -inf to the
    key length)."""
    dtype = q.dtype
    if mask is None:
        return None
    if mask.dtype.name == "bool":
        mask = where(mask, ctx.constant(np.zeros((), dtype.numpy), dtype),
                     ctx.constant(np.array(-np.inf, dtype.numpy), dtype))
    short = mask.shape[-1]
    if short != length:
        if not (isinstance(short, int) and isinstance(length, int) and short < length):
            raise ctx.refuse(f"attn_mask's last dim {short} does not fit the key length {length}")
        width = [(0, 0)] * (len(mask.shape) - 1) + [(0, length - short)]
        mask = pad(mask, width, "constant", np.array(-np.inf, dtype.numpy))
    return mask


def _softmax(ctx: ImportContext, scores: Tensor, precision: int | None) -> Tensor:
    """The softmax over the keys, in ``softmax_precision`` (an ONNX type code) where it is given: the
    scores cast to it and the probabilities back to their type (ONNX's reading); the same type as the
    scores is one SoftMax layer."""
    if precision is None:
        return softmax(scores, -1)
    to = element_dtype(int(precision), f"{ctx.where}: softmax_precision")
    ctx.check(to.is_float, f"softmax_precision {to.name}: expected a float type")
    if to == scores.dtype:
        return softmax(scores, -1)
    return cast(softmax(cast(scores, to), -1), scores.dtype)


def _position_bias(ctx: ImportContext, q: Tensor, length: object, offset: int | Tensor, causal: bool,
                   window: tuple[int, int], valid: Tensor | None) -> Tensor | None:
    """The additive 0 / -inf bias of the key positions ``j`` each query ``i`` may attend (ONNX
    Attention's reading): with ``is_causal`` ``j <= i + offset``, with a window ``left``/``right`` (-1:
    unbounded) ``i + offset - left <= j <= i + offset + right``, and with ``nonpad_kv_seqlen`` (``valid``,
    ``[B]``) ``j < valid[b]``. ``offset`` is the cached length, or ``valid[b] - Sq`` per batch item (a
    ``[B, 1, 1, 1]`` tensor) for an external cache. Query and key lengths known only when the network runs
    make the positions with Fill layers (td.arange) rather than constants."""
    rows = q.shape[2]
    left, right = window
    if not (causal or left >= 0 or right >= 0 or valid is not None):
        return None
    dtype = q.dtype
    zero = ctx.constant(np.zeros((), dtype.numpy), dtype)
    minus_inf = ctx.constant(np.array(-np.inf, dtype.numpy), dtype)
    base: np.ndarray | Tensor  # i - j for the query positions i and the key positions j
    if isinstance(rows, int) and isinstance(length, int):
        base = np.arange(rows)[:, None] - np.arange(length)[None, :]
    else:
        keys = arange(length, dtype=dtypes.int64, like=q)
        base = arange(rows, dtype=dtypes.int64, like=q)[:, None] - keys[None, :]
    # bounds on i + offset - j, each (bound, is_upper)
    bounds = ([(0, False)] if causal else []) + ([(left, True)] if left >= 0 else []) + \
        ([(-right, False)] if right >= 0 else [])
    bias = None
    if isinstance(offset, int) and bounds and isinstance(base, np.ndarray):
        diff = base + offset
        allowed = np.ones(base.shape, bool)
        for bound, upper in bounds:
            allowed &= diff <= bound if upper else diff >= bound
        bias = ctx.constant(np.where(allowed, 0.0, -np.inf).astype(dtype.numpy), dtype)
    elif bounds:
        diff_t = (ctx.constant(base.astype(np.int64)) if isinstance(base, np.ndarray) else base) + offset
        for bound, upper in bounds:
            limit = ctx.constant(np.asarray(bound, np.int64))
            term = where(diff_t <= limit if upper else diff_t >= limit, zero, minus_inf)
            bias = term if bias is None else bias + term
    if valid is not None:
        if isinstance(base, np.ndarray):
            keys = ctx.constant(np.arange(base.shape[1], dtype=np.int64))
        padding = where(reshape(keys, (1, 1, 1, length)) < reshape(valid, (valid.shape[0], 1, 1, 1)), zero,
                        minus_inf)
        bias = padding if bias is None else bias + padding
    return bias


def _head_dims(x: Tensor, heads: int | None) -> tuple[object, object, object] | None:
    """(heads, tokens, head size) of a 4-D ``[B, N, S, H]`` input or a 3-D ``[B, S, N * H]`` one of
    ``heads`` heads; None for another rank or a hidden size that is not a static multiple of ``heads``."""
    if len(x.shape) == 4:
        return x.shape[1], x.shape[2], x.shape[3]
    hidden = x.shape[-1]
    if len(x.shape) != 3 or not heads or not isinstance(hidden, int) or hidden % heads:
        return None
    return heads, x.shape[1], hidden // heads


def _fused_import(ctx: ImportContext) -> Tensor | None:
    """The node as the query scaled and one Attention layer, or None where it does not fit the layer (see
    the module)."""
    q_in, k_in, v_in = ctx.input(0), ctx.input(1), ctx.input(2)
    mask = ctx.optional(3)
    causal = bool(ctx.attr("is_causal", 0))
    extras = any(ctx.output_used(i) for i in (1, 2, 3)) or any(ctx.optional(i) is not None for i in (4, 5, 6))
    settings = (float(ctx.attr("softcap", 0.0)) != 0 or ctx.attr("softmax_precision") is not None
                or int(ctx.attr("left_window_size", -1)) != -1 or int(ctx.attr("right_window_size", -1)) != -1)
    if extras or settings or not q_in.dtype == k_in.dtype == v_in.dtype or q_in.dtype not in dtypes.FLOATS:
        return None
    if mask is not None and (causal or mask.dtype not in (dtypes.bool_, q_in.dtype)
                             or not 2 <= len(mask.shape) <= 4):
        return None
    q_heads, kv_heads = ctx.attr("q_num_heads"), ctx.attr("kv_num_heads")
    q_dims, k_dims, v_dims = _head_dims(q_in, q_heads), _head_dims(k_in, kv_heads), _head_dims(v_in, kv_heads)
    if q_dims is None or k_dims is None or v_dims is None or len({len(q_in.shape), len(k_in.shape)}) != 1:
        return None
    (hq, _, head_size), (hk, skv, _) = q_dims, k_dims
    if not (isinstance(hq, int) and isinstance(hk, int) and hk and hq % hk == 0 and k_dims == v_dims
            and isinstance(head_size, int) and head_size == k_dims[2]):
        return None
    if mask is not None and mask.shape[-1] != skv:
        return None
    q, k, v = _heads(ctx, q_in, q_heads, "Q"), _heads(ctx, k_in, kv_heads, "K"), _heads(ctx, v_in, kv_heads, "V")
    if mask is not None:
        mask = reshape(mask, (1,) * (4 - len(mask.shape)) + tuple(mask.shape))
    scale = ctx.attr("scale")
    factor = 1.0 / math.sqrt(head_size) if scale is None else float(scale)
    # x * 1 is x: the export's scale=1 (TensorRT has no scale) comes back as the layer alone
    scaled = q if factor == 1.0 else q * ctx.constant(np.array(factor, q.dtype.numpy), q.dtype)
    y = attention(scaled, k, v, mask=mask, causal="upper_left" if causal else "none")
    if len(q_in.shape) == 3:
        y = transpose(y, (0, 2, 1, 3))
        y = reshape(y, (y.shape[0], y.shape[1], y.shape[2] * y.shape[3]))
    return y


@imports("Attention", since=23)
def _import_attention(ctx: ImportContext) -> list[Tensor | None]:
    """Scaled dot-product attention: one Attention layer where the node fits it, else written out (see
    the module)."""
    fused = _fused_import(ctx)
    if fused is not None:
        ctx.attr("qk_matmul_output_mode")  # it only selects output 3, which is not asked for
        return [fused]
    valid = ctx.optional(6)
    past_key, past_value = ctx.optional(4), ctx.optional(5)
    ctx.check((past_key is None) == (past_value is None), "past_key and past_value come together")
    ctx.check(valid is None or past_key is None, "nonpad_kv_seqlen and past_key/past_value exclude each other")
    ctx.check(valid is None or valid.dtype is dtypes.int64 and len(valid.shape) == 1,
              "nonpad_kv_seqlen must be a 1-D int64 tensor")
    mode = int(ctx.attr("qk_matmul_output_mode", 0))
    ctx.one_of("qk_matmul_output_mode", mode, (0, 1, 2, 3))
    precision = ctx.attr("softmax_precision")
    window = (int(ctx.attr("left_window_size", -1)), int(ctx.attr("right_window_size", -1)))
    ctx.check(min(window) >= -1, f"window sizes {window}: expected -1 (unbounded) or non-negative")
    q_in, k_in, v_in = ctx.input(0), ctx.input(1), ctx.input(2)
    q_heads, kv_heads = ctx.attr("q_num_heads"), ctx.attr("kv_num_heads")
    q = _heads(ctx, q_in, q_heads, "Q")
    k = _heads(ctx, k_in, kv_heads, "K")
    v = _heads(ctx, v_in, kv_heads, "V")
    offset = 0
    if past_key is not None and past_value is not None:  # the cache, then the new keys and values
        past = past_key.shape[2]
        if not isinstance(past, int):
            raise ctx.refuse(f"the past length {past} must be static")
        offset = past
        k, v = concatenate([past_key, k], 2), concatenate([past_value, v], 2)
    hq, hk = q.shape[1], k.shape[1]
    # query heads per key/value head: 1 where there are as many, however many that is
    groups = 1 if same_dim(hq, hk) else hq // hk if isinstance(hq, int) and isinstance(hk, int) and hk \
        and hq % hk == 0 else 0
    if not groups or not same_dim(v.shape[1], hk):
        raise ctx.refuse(f"{hq} query heads and {hk} key/value heads: expected as many, or static counts, "
                         "the first a multiple of the second")
    head_size = q.shape[3]
    scale = ctx.attr("scale")
    if scale is None:
        if not isinstance(head_size, int):
            raise ctx.refuse("the default scale needs a static head size")
        scale = 1.0 / math.sqrt(head_size)
    root = ctx.constant(np.array(math.sqrt(float(scale)), q.dtype.numpy), q.dtype)
    keys, values = (k, v) if groups == 1 else (repeat(k, groups, axis=1), repeat(v, groups, axis=1))
    scores = matmul(q * root, keys * root, transpose_b=True)
    stages = [scores]  # what qk_matmul_output_mode 0, 1, 2 and 3 give
    softcap = float(ctx.attr("softcap", 0.0))
    if softcap > 0:
        cap = ctx.constant(np.array(softcap, q.dtype.numpy), q.dtype)
        scores = activation(scores / cap, "tanh") * cap
    stages.append(scores)
    bias = _bias(ctx, q, ctx.optional(3), k.shape[2])
    position_offset: int | Tensor = offset
    if valid is not None:  # an external cache: the queries are the last Sq of the valid keys
        queries = q.shape[2]
        length = ctx.constant(np.asarray(queries, np.int64)) if isinstance(queries, int) else \
            dim_scalar(q.network, queries)
        position_offset = reshape(valid, (valid.shape[0], 1, 1, 1)) - length
    positions = _position_bias(ctx, q, k.shape[2], position_offset, bool(ctx.attr("is_causal", 0)), window,
                               valid)
    if positions is not None:
        bias = positions if bias is None else bias + positions
    if bias is not None:
        scores = scores + bias
    stages.append(scores)
    probs = _softmax(ctx, scores, precision)
    if bias is not None:  # a query whose keys are all masked attends nothing: 0, as in ONNX
        minus_inf = ctx.constant(np.array(-np.inf, q.dtype.numpy), q.dtype)
        masked = reduce(bias, "max", -1, keepdims=True) == minus_inf
        probs = where(masked, ctx.constant(np.zeros((), q.dtype.numpy), q.dtype), probs)
    stages.append(probs)
    y = matmul(probs, values)
    if len(q_in.shape) == 3:
        y = transpose(y, (0, 2, 1, 3))
        y = reshape(y, (y.shape[0], y.shape[1], y.shape[2] * y.shape[3]))
    return [y, k, v, stages[mode]]
