"""ONNX import of Attention (opset 23): ``softmax(Q @ K^T * scale + bias) @ V`` built from MatrixMultiply,
ElementWise, Unary, SoftMax and Select layers, as TensorRT's parser builds it where no fused attention
layer is used (UNCONFIRMED which layers TensorRT 10's parser picks; the values are ONNX's).

Read: 3-D inputs with ``q_num_heads``/``kv_num_heads`` (split into heads and merged back), 4-D inputs,
grouped-query attention (each group of ``q_heads / kv_heads`` query heads shares a key/value head),
``scale`` (default ``1 / sqrt(head size)``), ``softcap``, a boolean (True attends) or additive
``attn_mask`` (padded with masked positions to the key length), ``is_causal`` (query ``i`` attends key
``j <= i``, after a cache of ``P`` keys ``j <= i + P``); past key/value caches (concatenated before the
new keys and values, which are the present outputs); a query whose keys are all masked gets 0, as in
ONNX; the ``qk_matmul_output`` output in each of its modes (the scaled scores, after the softcap, after
the bias, after the softmax). Refused: ``nonpad_kv_seqlen``, sliding windows and ``softmax_precision``.
"""

from __future__ import annotations

import math

import numpy as np

from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.activation import activation
from trtdsl.layers.concat import concatenate
from trtdsl.layers.manipulation import repeat
from trtdsl.layers.matmul import matmul
from trtdsl.layers.padding import pad
from trtdsl.layers.reduce import reduce
from trtdsl.layers.select import where
from trtdsl.layers.shuffle import reshape, transpose
from trtdsl.layers.softmax import softmax

def _heads(ctx: ImportContext, x: Tensor, heads: int | None, what: str) -> Tensor:
    """A 3-D ``(B, S, heads * D)`` input as ``(B, heads, S, D)``; a 4-D one as it is."""
    if len(x.shape) == 4:
        return x
    ctx.check(len(x.shape) == 3 and heads is not None and heads > 0, f"{what} has shape {x.shape}; expected "
              "4-D, or 3-D with q_num_heads and kv_num_heads")
    hidden = x.shape[2]
    if not (isinstance(hidden, int) and heads and hidden % heads == 0):
        raise ctx.refuse(f"{what}'s last dim {hidden} is not a static multiple of {heads} heads")
    return transpose(reshape(x, (x.shape[0], x.shape[1], heads, hidden // heads)), (0, 2, 1, 3))


def _bias(ctx: ImportContext, q: Tensor, mask: Tensor | None, causal: bool, length: object,
          offset: int) -> Tensor | None:
    """The additive bias of the scores: the mask (a boolean one as 0 / -inf, padded with -inf to the key
    length) plus, with ``is_causal``, -inf where key ``j > query i + offset`` (the cached length)."""
    dtype = q.dtype
    minus_inf = ctx.constant(np.array(-np.inf, dtype.numpy), dtype)
    bias = None
    if mask is not None:
        if mask.dtype.name == "bool":
            mask = where(mask, ctx.constant(np.zeros((), dtype.numpy), dtype), minus_inf)
        short = mask.shape[-1]
        if short != length:
            if not (isinstance(short, int) and isinstance(length, int) and short < length):
                raise ctx.refuse(f"attn_mask's last dim {short} does not fit the key length {length}")
            width = [(0, 0)] * (len(mask.shape) - 1) + [(0, length - short)]
            mask = pad(mask, width, "constant", np.array(-np.inf, dtype.numpy))
        bias = mask
    if causal:
        rows = q.shape[2]
        if not (isinstance(rows, int) and isinstance(length, int)):
            raise ctx.refuse(f"is_causal needs static query and key lengths (here {rows} and {length})")
        allowed = np.arange(length)[None, :] <= np.arange(rows)[:, None] + offset
        tri = ctx.constant(np.where(allowed, 0.0, -np.inf).astype(dtype.numpy), dtype)
        bias = tri if bias is None else bias + tri
    return bias


@imports("Attention", since=23)
def _import_attention(ctx: ImportContext) -> list[Tensor | None]:
    """Scaled dot-product attention (see the module)."""
    ctx.check(ctx.optional(6) is None, "the nonpad_kv_seqlen input is not supported")
    past_key, past_value = ctx.optional(4), ctx.optional(5)
    ctx.check((past_key is None) == (past_value is None), "past_key and past_value come together")
    mode = int(ctx.attr("qk_matmul_output_mode", 0))
    ctx.one_of("qk_matmul_output_mode", mode, (0, 1, 2, 3))
    ctx.check(ctx.attr("softmax_precision") is None, "softmax_precision is not supported")
    ctx.one_of("left_window_size", ctx.attr("left_window_size", -1), (-1,))
    ctx.one_of("right_window_size", ctx.attr("right_window_size", -1), (-1,))
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
    if not (isinstance(hq, int) and isinstance(hk, int) and hq % hk == 0 and v.shape[1] == hk):
        raise ctx.refuse(f"{hq} query heads and {hk} key/value heads: expected static counts, the first a "
                         "multiple of the second")
    head_size = q.shape[3]
    scale = ctx.attr("scale")
    if scale is None:
        if not isinstance(head_size, int):
            raise ctx.refuse("the default scale needs a static head size")
        scale = 1.0 / math.sqrt(head_size)
    root = ctx.constant(np.array(math.sqrt(float(scale)), q.dtype.numpy), q.dtype)
    keys, values = (k, v) if hq == hk else (repeat(k, hq // hk, axis=1), repeat(v, hq // hk, axis=1))
    scores = matmul(q * root, keys * root, transpose_b=True)
    stages = [scores]  # what qk_matmul_output_mode 0, 1, 2 and 3 give
    softcap = float(ctx.attr("softcap", 0.0))
    if softcap > 0:
        cap = ctx.constant(np.array(softcap, q.dtype.numpy), q.dtype)
        scores = activation(scores / cap, "tanh") * cap
    stages.append(scores)
    bias = _bias(ctx, q, ctx.optional(3), bool(ctx.attr("is_causal", 0)), k.shape[2], offset)
    if bias is not None:
        scores = scores + bias
    stages.append(scores)
    probs = softmax(scores, -1)
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
