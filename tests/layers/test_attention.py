"""Attention: grouped-query heads, bool and additive masks, the three causal kinds and both normalizations,
against attention written out per (batch, head, query) in plain Python over float64 values (NvInfer.h's
BMM1 -> mask -> normalization -> BMM2, no 1/sqrt(d) scale)."""

import math
import re

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, expect_error, f32

import trtdsl as td
from backend_rows import TENSORRT_11_ONLY, Row, FLOATS, tensorrt_11_only, tensorrt_case, tensorrt_expectation, Layer
from trtdsl.backends.tensorrt import lower, raise_network, standin
from trtdsl.errors import ArgumentError, BackendError, DTypeError, ShapeError
from trtdsl.layers.attention import Attention, AttentionNormalizationOp, CausalMaskKind

TOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float16): 4e-3, np.dtype(td.bfloat16.numpy): 3e-2}


def expected(q, k, v, mask, causal, softmax):
    """out[b, h, i] = sum_j p[j] v[b, h // g, j] with p the (softmax of the) masked scores q·k."""
    q, k, v = (a.astype(np.float64) for a in (q, k, v))
    batch, heads, sq, size = q.shape
    group, skv = heads // k.shape[1], k.shape[2]
    out = np.zeros(q.shape)
    for b in range(batch):
        for h in range(heads):
            kv = h // group
            for i in range(sq):
                scores = []
                for j in range(skv):
                    s = sum(q[b, h, i, d] * k[b, kv, j, d] for d in range(size))
                    if mask is not None:
                        m = mask[b % mask.shape[0], h % mask.shape[1], i, j]
                        s = s + float(m) if mask.dtype != np.bool_ else (s if m else -math.inf)
                    if causal == "upper_left" and j > i or causal == "lower_right" and j > i + skv - sq:
                        s = -math.inf
                    scores.append(s)
                if softmax and max(scores, default=-math.inf) == -math.inf:
                    scores = [0.0] * skv
                elif softmax:
                    top = max(scores)
                    weights = [math.exp(s - top) for s in scores]
                    scores = [w / sum(weights) for w in weights]
                for d in range(size):
                    out[b, h, i, d] = sum(scores[j] * v[b, kv, j, d] for j in range(skv))
    return out


def run(q, k, v, mask=None, **kw):
    net = td.Network("t")
    ts = [net.input(n, td.dtype(a.dtype), a.shape) for n, a in zip("qkv", (q, k, v))]
    m = None if mask is None else net.input("m", td.dtype(mask.dtype), mask.shape)
    net.output("y", td.attention(*ts, mask=m, **kw))
    feeds = {"q": q, "k": k, "v": v} | ({} if mask is None else {"m": mask})
    return net.run(feeds)["y"]


@st.composite
def qkv(draw, dtype):
    batch, kv_heads, group = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    sq, skv, size = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    q = draw(arrays(dtype, (batch, kv_heads * group, sq, size), min_value=-2, max_value=2))
    k = draw(arrays(dtype, (batch, kv_heads, skv, size), min_value=-2, max_value=2))
    v = draw(arrays(dtype, (batch, kv_heads, skv, size), min_value=-2, max_value=2))
    return q, k, v


def check(got, want, dtype, scale=2.0):
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=0, atol=TOL[np.dtype(dtype)] * 4 * scale)


DTYPES = [np.float32, np.float16, td.bfloat16.numpy]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("causal", ["none", "upper_left", "lower_right"])
@given(data=st.data())
def test_causal_kinds_with_grouped_heads(dtype, causal, data):
    q, k, v = data.draw(qkv(dtype))
    got = run(q, k, v, causal=causal)
    check(got, expected(q, k, v, None, causal, True), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_bool_masks_broadcast_over_batch_and_heads(dtype, data):
    q, k, v = data.draw(qkv(dtype))
    batch, heads, sq, _ = q.shape
    shape = (data.draw(st.sampled_from([1, batch])), data.draw(st.sampled_from([1, heads])), sq, k.shape[2])
    mask = data.draw(arrays(np.bool_, shape))
    check(run(q, k, v, mask), expected(q, k, v, mask, "none", True), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("normalization", ["softmax", "none"])
@given(data=st.data())
def test_additive_masks_are_added_to_the_scores(dtype, normalization, data):
    q, k, v = data.draw(qkv(dtype))
    shape = (1, q.shape[1], q.shape[2], k.shape[2])
    mask = data.draw(arrays(dtype, shape, min_value=-3, max_value=3))
    got = run(q, k, v, mask, normalization=normalization)
    softmax = normalization == "softmax"
    scale = 2.0 if softmax else 2.0 * k.shape[2] * (q.shape[3] * 4 + 3)
    check(got, expected(q, k, v, mask, "none", softmax), dtype, scale)


def test_no_built_in_scale_and_the_lower_right_diagonal():
    q = np.ones((1, 1, 2, 2), np.float32)
    k = np.array([[[[1, 0], [0, 1], [3, 3]]]], np.float32)
    v = np.array([[[[1, 0], [2, 0], [4, 0]]]], np.float32)
    got = run(q, k, v, causal="lower_right")
    # row 0 sees keys 0..1 (scores 1, 1); row 1 sees 0..2 (scores 1, 1, 6): unscaled q·k
    e = math.exp(5)
    np.testing.assert_allclose(got[..., 0].ravel(), [1.5, (1 + 2 + 4 * e) / (2 + e)], rtol=1e-6)
    upper = run(q, k, v, causal="upper_left")
    np.testing.assert_allclose(upper[..., 0].ravel(), [1.0, 1.5], rtol=1e-6)


def test_a_row_with_every_key_masked_is_zero():
    q = np.ones((1, 1, 2, 1), np.float32)
    mask = np.array([[[[True, False], [False, False]]]])
    assert run(q, q, q, mask).ravel().tolist() == [1.0, 0.0]
    k = np.ones((1, 1, 1, 1), np.float32)
    assert run(q, k, k, causal="lower_right").ravel().tolist() == [0.0, 1.0]


def test_ir_text_and_the_op():
    net = td.Network("a")
    q = net.input("q", td.float16, ("b", 4, "s", 8))
    kv = net.input("kv", td.float16, ("b", 2, "t", 8))
    td.attention(q, kv, kv, causal="lower_right", decomposable=True)
    assert net.nodes[-1].op == Attention(AttentionNormalizationOp.SOFTMAX, CausalMaskKind.LOWER_RIGHT, True)
    assert ("Attention[SOFTMAX](%q, %kv, %kv, causal=LOWER_RIGHT, decomposable=True)"
            in net.format(locations=False))


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_round_trip_through_tensorrt(version):
    net = td.Network("a")
    q = net.input("q", td.bfloat16, ("b", 6, "s", 4))
    kv = net.input("kv", td.bfloat16, ("b", 3, "t", 4))
    add = net.input("add", td.bfloat16, ("b", 1, "s", "t"))
    net.output("masked", td.attention(q, kv, kv, mask=add, normalization="none", decomposable=True))
    net.output("causal", td.attention(q, kv, kv, causal="upper_left"))
    if version == "11.4":
        net.output("decode", td.attention(q, kv, kv, causal="lower_right"))
    trt = standin.module(version)
    again = raise_network(lower(net, trt).network, trt)
    assert again.format(locations=False) == net.format(locations=False)


def test_tensorrt_10_has_no_lower_right_causal_kind():
    net = td.Network("a")
    q = net.input("q", td.float32, (1, 1, 2, 4))
    net.output("y", td.attention(q, q, q, causal="lower_right"))
    with pytest.raises(BackendError, match="TensorRT 10.16.1.11 has no lower-right causal attention"):
        lower(net, standin.module("10.16"))


def test_raise_refuses_several_ranks():
    net = td.Network("a")
    q = net.input("q", td.float32, (1, 1, 2, 4))
    net.output("y", td.attention(q, q, q))
    trt = standin.module("11.4")
    lowered = lower(net, trt)
    attention = lowered.network.get_layer(0)
    attention.__class__ = trt.IAttentionInputLayer
    attention.attention.num_ranks = 2
    with pytest.raises(BackendError, match="sets num_ranks 2; trtdsl's Attention runs on one device"):
        raise_network(lowered.network, trt)


# -- packed forms and lengths (TensorRT 11) ------------------------------------------------------------
def packed(x, lengths):
    """Padded [B, N, S, H] items, each cut to its length, as packed [T, N, H] rows."""
    return np.concatenate([np.swapaxes(x[b, :, :n], 0, 1) for b, n in enumerate(lengths)])


def run_packed(q, k, v, q_lengths, kv_lengths, **kw):
    net = td.Network("t")
    ts = [net.input(n, td.dtype(a.dtype), a.shape) for n, a in zip("qkv", (q, k, v))]
    feeds = {"q": q, "k": k, "v": v}
    lengths = {}
    for arg, value in (("query_lengths", q_lengths), ("key_value_lengths", kv_lengths)):
        if value is not None:
            lengths[arg] = net.input(arg, td.int32, value.shape)
            feeds[arg] = value
    net.output("y", td.attention(*ts, **lengths, **kw))
    return net.run(feeds)["y"]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("causal", ["none", "upper_left", "lower_right"])
@pytest.mark.parametrize("forms", ["packed_nhd/packed_nhd", "packed_nhd/padded_bhnd", "padded_bhnd/packed_nhd",
                                   "padded_bhnd/padded_bhnd"])
@given(data=st.data())
def test_packed_forms_and_lengths_attend_each_item_over_its_own_tokens(dtype, causal, forms, data):
    q, k, v = data.draw(qkv(dtype))
    batch, sq, skv = q.shape[0], q.shape[2], k.shape[2]
    q_len = data.draw(st.lists(st.integers(0, sq), min_size=batch, max_size=batch))
    kv_len = data.draw(st.lists(st.integers(0, skv), min_size=batch, max_size=batch))
    q_form, kv_form = forms.split("/")
    if q_form == "padded_bhnd":
        q_len = [sq] * batch
    spare = data.draw(st.integers(0, 2))  # packed rows past the last length
    qx = q if q_form == "padded_bhnd" else np.concatenate([packed(q, q_len), np.ones((spare,) + q.shape[1::2],
                                                                                   q.dtype)])
    kx, vx = (k, v) if kv_form == "padded_bhnd" else (packed(k, kv_len), packed(v, kv_len))
    cumulative = lambda n: np.array([0] + np.cumsum(n).tolist(), np.int32)  # noqa: E731
    got = run_packed(qx, kx, vx, None if q_form == "padded_bhnd" else cumulative(q_len),
                     np.array(kv_len, np.int32) if kv_form == "padded_bhnd" else cumulative(kv_len),
                     query_form=q_form, key_value_form=kv_form, causal=causal)
    # each item alone, padded to its own lengths: the causal diagonal on its own lengths
    items = [expected(q[b:b + 1, :, :q_len[b]], k[b:b + 1, :, :kv_len[b]], v[b:b + 1, :, :kv_len[b]], None,
                      causal, True)[0] for b in range(batch)]
    if q_form == "padded_bhnd":
        want = np.stack(items)
    else:
        want = np.concatenate([np.swapaxes(o, 0, 1) for o in items] + [np.zeros((spare,) + q.shape[1::2])])
    check(got, want, dtype)


def test_lengths_are_checked_when_the_network_runs():
    x = np.ones((3, 1, 2), np.float32)
    for lengths, shown in (([1, 2, 3], "[1, 2, 3]"), ([0, 2, 1], "[0, 2, 1]"), ([0, 1, 4], "[0, 1, 4]")):
        with pytest.raises(td.errors.ExecutionError, match=re.escape(
                f"query_lengths is {shown}; expected cumulative token counts from 0, non-decreasing, at most "
                "the 3 tokens (IAttention::setQueryLengths)")):
            run_packed(x, x, x, np.array(lengths, np.int32), np.array([0, 1, 3], np.int32),
                       query_form="packed_nhd", key_value_form="packed_nhd")
    q = np.ones((2, 1, 1, 2), np.float32)
    with pytest.raises(td.errors.ExecutionError, match=re.escape(
            "key_value_lengths has 2; expected lengths from 0 to the key/value tokens 1")):
        run_packed(q, q, q, None, np.array([1, 2], np.int32))


# -- the quantized normalization output --------------------------------------------------------------
def quantized(p, scale, to):
    """TensorRT's Q then DQ of ``p``: saturate(p / scale) to fp8 (±448, nearest even) or int8, times scale."""
    x = np.asarray(p, np.float32) / np.float32(scale)
    if to == "int8":
        q = np.clip(np.rint(x), -128, 127)
    else:
        q = np.clip(x, -448, 448).astype(ml_dtypes.float8_e4m3fn).astype(np.float32)
    return q.astype(np.float64) * np.float32(scale)


@pytest.mark.parametrize("to", ["int8", "fp8"])
@given(data=st.data())
def test_the_normalized_scores_are_quantized_before_the_second_product(to, data):
    q, k, v = data.draw(qkv(np.float32))
    scale = data.draw(st.sampled_from([1 / 127, 1 / 448, 0.01, 0.25]))
    net = td.Network("t")
    ts = [net.input(n, td.float32, a.shape) for n, a in zip("qkv", (q, k, v))]
    s = net.input("s", td.float32, (1,))
    net.output("y", td.attention(*ts, causal="upper_left", quantize_scale=s, quantize_to=to))
    got = net.run({"q": q, "k": k, "v": v, "s": np.array([scale], np.float32)})["y"]
    q64, k64, v64 = (a.astype(np.float64) for a in (q, k, v))
    group = q.shape[1] // k.shape[1]
    want = np.zeros(q.shape)
    for b, h, i in np.ndindex(q.shape[:3]):
        seen = range(min(i + 1, k.shape[2]))
        if not seen:
            continue
        scores = [q64[b, h, i] @ k64[b, h // group, j] for j in seen]
        weights = np.exp(np.array(scores) - max(scores))
        p = quantized(weights / weights.sum(), scale, to)
        want[b, h, i] = sum(p[j] * v64[b, h // group, j] for j in seen)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_a_quantize_scale_must_be_positive_when_the_network_runs():
    net = td.Network("t")
    q = net.input("q", td.float32, (1, 1, 1, 1))
    s = net.input("s", td.float32, ())
    net.output("y", td.attention(q, q, q, quantize_scale=s, quantize_to="int8"))
    with pytest.raises(td.errors.ExecutionError, match="scale coefficient 0.0 is not finite and positive"):
        net.run({"q": np.ones((1, 1, 1, 1), np.float32), "s": np.float32(0)})


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_the_quantized_normalization_round_trips_on_both_versions(version):
    net = td.Network("a")
    q = net.input("q", td.float16, ("b", 4, "s", 8))
    kv = net.input("kv", td.float16, ("b", 2, "s", 8))
    s = net.input("s", td.float16, ())
    net.output("y", td.attention(q, kv, kv, causal="upper_left", quantize_scale=s, quantize_to="fp8"))
    trt = standin.module(version)
    again = raise_network(lower(net, trt).network, trt)
    assert again.format(locations=False) == net.format(locations=False)


def test_tensorrt_10_has_no_packed_forms_or_lengths():
    for name in ("packed", "kv_lengths"):
        trt = standin.module("10.16")
        with pytest.raises(BackendError, match=re.escape(
                "TensorRT 10.16.1.11 has no packed attention forms or lengths (IAttention.query_form, "
                "key_value_form, query_lengths, key_value_lengths come with TensorRT 11)")):
            lower(CASES_11[name](), trt)


def test_onnx_export_refuses_what_onnx_attention_has_no_form_for():
    for name, what in (("packed", "a PACKED_NHD form, key/value lengths, a quantized normalization output"),
                       ("kv_lengths", "key/value lengths")):
        refused = f"sets {what}, which the ONNX export does not write: ONNX Attention"
        with pytest.raises(BackendError, match=re.escape(refused)):
            CASES_11[name]().to_onnx()


H = (td.float32, (1, 4, 3, 8))
KV = (td.float32, (1, 2, 5, 8))
PQ, PKV, LEN = (td.float32, (3, 4, 8)), (td.float32, (5, 2, 8)), (td.int32, (2,))
ERRORS = [
    (ShapeError, "Attention[SOFTMAX]: the query has 3 heads and the key 2; expected query heads that are a "
                 "multiple of the key/value heads (grouped-query attention)",
     call(lambda q, k: td.attention(q, k, k), f32(1, 3, 3, 8), KV)),
    (ShapeError, "Attention[SOFTMAX]: input 'query' has shape (4, 3, 8); expected rank 4: [batch, heads, tokens, "
                 "head size]",
     call(lambda q, k: td.attention(q, k, k), f32(4, 3, 8), KV)),
    (ShapeError, "Attention[SOFTMAX]: query (1, 4, 3, 8) and key (1, 2, 5, 6) differ in batch or head size; "
                 "expected [B, Nq, Sq, H] and [B, Nkv, Skv, H]",
     call(lambda q, k: td.attention(q, k, k), H, f32(1, 2, 5, 6))),
    (ShapeError, "Attention[SOFTMAX]: key (1, 2, 5, 8) and value (1, 2, 4, 8) differ; expected one shape "
                 "[batch, kv heads, kv tokens, head size]",
     call(lambda q, k, v: td.attention(q, k, v), H, KV, f32(1, 2, 4, 8))),
    (DTypeError, "Attention[SOFTMAX]: input 'key' has dtype float16; expected the query's dtype float32",
     call(lambda q, k: td.attention(q, k, k), H, (td.float16, (1, 2, 5, 8)))),
    (DTypeError, "Attention[SOFTMAX]: input 'query' has dtype int32; expected one of float32, float16, "
                 "bfloat16",
     call(lambda q: td.attention(q, q, q), (td.int32, (1, 1, 2, 2)))),
    (ArgumentError, "Attention[SOFTMAX]: a mask and causal=UPPER_LEFT cannot be used together "
                    "(IAttention::setCausalKind); put the causal condition into the mask",
     call(lambda q, k, m: td.attention(q, k, k, mask=m, causal="upper_left"), H, KV, (td.bool, (1, 1, 3, 5)))),
    (ShapeError, "Attention[SOFTMAX]: input 'mask' has shape (1, 1, 1, 5); expected [B or 1, Nq or 1, Sq, Skv] "
                 "= [1, 4, 3, 5]",
     call(lambda q, k, m: td.attention(q, k, k, mask=m), H, KV, (td.bool, (1, 1, 1, 5)))),
    (ShapeError, "Attention[SOFTMAX]: input 'mask' has shape (3, 5); expected [B or 1, Nq or 1, Sq, Skv] = "
                 "[1, 4, 3, 5]",
     call(lambda q, k, m: td.attention(q, k, k, mask=m), H, KV, (td.bool, (3, 5)))),
    (DTypeError, "Attention[SOFTMAX]: input 'mask' has dtype float16; expected bool or the query's dtype "
                 "float32 (an additive mask)",
     call(lambda q, k, m: td.attention(q, k, k, mask=m), H, KV, (td.float16, (1, 4, 3, 5)))),
    (ArgumentError, "Attention[NONE]: a bool mask with normalization NONE is not documented by TensorRT (its "
                    "-inf scores would reach the second product); use an additive mask",
     call(lambda q, k, m: td.attention(q, k, k, mask=m, normalization="none"), H, KV, (td.bool, (1, 4, 3, 5)))),
    (ArgumentError, "Attention[NONE]: a causal kind with normalization NONE is not documented by TensorRT (its "
                    "-inf scores would reach the second product); use SOFTMAX",
     call(lambda q, k: td.attention(q, k, k, causal="lower_right", normalization="none"), H, KV)),
    (ArgumentError, "attention: argument 'causal' is True; expected one of NONE, UPPER_LEFT, LOWER_RIGHT",
     call(lambda q, k: td.attention(q, k, k, causal=True), H, KV)),
    (ArgumentError, "attention: argument 'normalization' is 'relu'; expected one of NONE, SOFTMAX",
     call(lambda q, k: td.attention(q, k, k, normalization="relu"), H, KV)),
    (ArgumentError, "attention: argument 'decomposable' is 1; expected a bool",
     call(lambda q, k: td.attention(q, k, k, decomposable=1), H, KV)),
    (DTypeError, "attention: argument 'mask' is [[True]]; expected a trtdsl Tensor; turn an array or a number "
                 "into one with net.constant(...)",
     call(lambda q, k: td.attention(q, k, k, mask=[[True]]), H, KV)),
    (ShapeError, "Attention[SOFTMAX]: input 'query' has shape (1, 4, 3, 8); expected rank 3 (PACKED_NHD): "
                 "[tokens, heads, head size]",
     call(lambda q, k, n: td.attention(q, k, k, query_form="packed_nhd", query_lengths=n), H, KV, LEN)),
    (ArgumentError, "Attention[SOFTMAX]: a PACKED_NHD query needs 'query_lengths', the cumulative token counts "
                    "[B + 1] (IAttention::setQueryLengths)",
     call(lambda q, k: td.attention(q, k, k, query_form="packed_nhd"), PQ, KV)),
    (ArgumentError, "Attention[SOFTMAX]: PACKED_NHD key/value need 'key_value_lengths', the cumulative token "
                    "counts [B + 1] (IAttention::setKeyValueLengths)",
     call(lambda q, k: td.attention(q, k, k, key_value_form="packed_nhd"), H, PKV)),
    (ArgumentError, "Attention[SOFTMAX]: 'query_lengths' is given with a PADDED_BHND query, where TensorRT "
                    "ignores it (IAttention::setQueryLengths); leave it out or pack the query",
     call(lambda q, k, n: td.attention(q, k, k, query_lengths=n), H, KV, LEN)),
    (ShapeError, "Attention[SOFTMAX]: the inputs tell different batch sizes: query (1, 4, 3, 8) B = 1, key "
                 "(1, 2, 5, 8) B = 1, 'key_value_lengths' (2,) B = 2; expected one B",
     call(lambda q, k, n: td.attention(q, k, k, key_value_lengths=n), H, KV, LEN)),
    (ShapeError, "Attention[SOFTMAX]: the inputs tell different batch sizes: 'query_lengths' (2,) B = 1, "
                 "'key_value_lengths' (4,) B = 3; expected one B",
     call(lambda q, k, n, m: td.attention(q, k, k, query_form="packed_nhd", key_value_form="packed_nhd",
                                          query_lengths=n, key_value_lengths=m), PQ, PKV, LEN, (td.int32, (4,)))),
    (ShapeError, "Attention[SOFTMAX]: input 'query_lengths' has shape (0,); expected [B + 1], at least one "
                 "element",
     call(lambda q, k, n: td.attention(q, k, k, query_form="packed_nhd", query_lengths=n), PQ, KV,
          (td.int32, (0,)))),
    (ShapeError, "Attention[SOFTMAX]: the inputs tell different batch sizes: query (b, 4, 3, 8) B = b, key "
                 "(b, 2, 5, 8) B = b, 'key_value_lengths' (c,) B = c; expected one B",
     call(lambda q, k, n: td.attention(q, k, k, key_value_lengths=n), (td.float32, ("b", 4, 3, 8)),
          (td.float32, ("b", 2, 5, 8)), (td.int32, ("c",)))),
    (ShapeError, "Attention[SOFTMAX]: input 'key_value_lengths' has shape (1, 2); expected rank 1: [B]",
     call(lambda q, k, n: td.attention(q, k, k, key_value_lengths=n), H, KV, (td.int32, (1, 2)))),
    (DTypeError, "Attention[SOFTMAX]: input 'query_lengths' has dtype int64; expected one of int32",
     call(lambda q, k, n: td.attention(q, k, k, query_form="packed_nhd", query_lengths=n), PQ, KV,
          (td.int64, (2,)))),
    (ArgumentError, "Attention[SOFTMAX]: a mask with a PACKED_NHD form is not described by TensorRT (its shape "
                    "[B, Nq, Sq, Skv] is given for padded tensors); use padded forms",
     call(lambda q, k, n, m: td.attention(q, k, k, mask=m, key_value_form="packed_nhd", key_value_lengths=n),
          H, PKV, LEN, (td.bool, (1, 4, 3, 5)))),
    (ArgumentError, "attention: argument 'query_form' is 'packed'; expected one of PADDED_BHND, PACKED_NHD",
     call(lambda q, k: td.attention(q, k, k, query_form="packed"), H, KV)),
    (ArgumentError, "Attention[SOFTMAX]: the normalization quantize scale and type come together "
                    "(IAttention::setNormalizationQuantizeScale must be used with "
                    "setNormalizationQuantizeToType); give both or neither",
     call(lambda q, k, s: td.attention(q, k, k, quantize_scale=s), H, KV, f32())),
    (ArgumentError, "Attention[SOFTMAX]: the normalization quantize scale and type come together "
                    "(IAttention::setNormalizationQuantizeScale must be used with "
                    "setNormalizationQuantizeToType); give both or neither",
     call(lambda q, k: td.attention(q, k, k, quantize_to="fp8"), H, KV)),
    (DTypeError, "Attention[SOFTMAX]: argument 'quantize_to' is td.int4; expected fp8 or int8 "
                 "(IAttention::setNormalizationQuantizeToType)",
     call(lambda q, k, s: td.attention(q, k, k, quantize_scale=s, quantize_to="int4"), H, KV, f32())),
    (DTypeError, "attention: argument 'quantize_to' is 'fp7'; expected fp8 or int8",
     call(lambda q, k, s: td.attention(q, k, k, quantize_scale=s, quantize_to="fp7"), H, KV, f32())),
    (ShapeError, "Attention[SOFTMAX]: input 'quantize_scale' has shape (4,); expected one coefficient, shape () "
                 "or (1,)",
     call(lambda q, k, s: td.attention(q, k, k, quantize_scale=s, quantize_to="int8"), H, KV, f32(4))),
    (DTypeError, "Attention[SOFTMAX]: input 'quantize_scale' has dtype int32; expected one of float32, float16, "
                 "bfloat16",
     call(lambda q, k, s: td.attention(q, k, k, quantize_scale=s, quantize_to="int8"), H, KV, (td.int32, ()))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:

        def build(net, dtype=dtype):
            q = net.input("q", dtype, ("b", 4, 3, 8))
            kv = [net.input(n, dtype, ("b", 2, "s", 8)) for n in ("k", "v")]
            keep = net.input("keep", td.bool, (1, 4, 3, "s"))
            add = net.input("add", dtype, ("b", 1, 3, "s"))
            net.output("plain", td.attention(q, *kv, decomposable=True))
            net.output("upper_left", td.attention(q, *kv, causal="upper_left"))
            net.output("lower_right", td.attention(q, *kv, causal="lower_right"))
            net.output("bool_mask", td.attention(q, *kv, mask=keep))
            net.output("additive", td.attention(q, *kv, mask=add))
            net.output("unnormalized", td.attention(q, *kv, mask=add, normalization="none"))

        tol = {"float16": 1e-2, "bfloat16": 5e-2}
        rows.append(Row(f"attention-{dtype.name}", build, dims={"b": (1, 2), "s": (3, 5)},
                        values={n: (-2, 2) for n in ("q", "k", "v", "add")}, special=False, rtol=tol, atol=tol))
    return rows


# -- TensorRT round-trip cases (collected by tests/backends/tensorrt/test_roundtrip.py) ---------------
@tensorrt_case
def attentions() -> td.Network:
    net = td.Network("attentions")
    q = net.input("q", td.float16, ("b", 6, "s", 4))
    k, v = net.input("k", td.float16, ("b", 2, "t", 4)), net.input("v", td.float16, ("b", 2, "t", 4))
    keep = net.input("keep", td.bool, (1, 6, "s", "t"))
    net.output("causal", td.attention(q, k, v, causal="upper_left", decomposable=True))
    net.output("masked", td.attention(q, v, k, mask=keep))
    add = net.input("add", td.float16, ("b", 1, "s", "t"))
    net.output("unnormalized", td.attention(q, k, v, mask=add, normalization="none"))
    return net


@tensorrt_11_only
@tensorrt_case
def packed_attentions() -> td.Network:
    """TensorRT 11's forms and lengths; with the quantized normalization output (10.16 has that too)."""
    return CASES_11["packed"]()


def _packed() -> td.Network:
    net = td.Network("packed_attentions")
    q, kv = net.input("q", td.bfloat16, ("t", 6, 4)), net.input("kv", td.bfloat16, ("u", 2, 4))
    # constants: the runs of the shared checks feed inputs of 2 tokens per named dim, 0 or 1 per int
    ql, kl = net.constant(np.array([0, 1, 2], np.int32)), net.constant(np.array([0, 2, 2], np.int32))
    s = net.constant(np.array([0.02], np.float32))
    net.output("both", td.attention(q, kv, kv, query_form="packed_nhd", key_value_form="packed_nhd",
                                    query_lengths=ql, key_value_lengths=kl, causal="lower_right",
                                    quantize_scale=s, quantize_to="fp8"))
    padded = net.input("padded", td.bfloat16, ("b", 6, "s", 4))
    net.output("kv_packed", td.attention(padded, kv, kv, key_value_form="packed_nhd", key_value_lengths=kl,
                                         decomposable=True, quantize_scale=s, quantize_to="int8"))
    net.output("q_packed", td.attention(q, padded[:, :2], padded[:, 4:], query_form="packed_nhd",
                                        query_lengths=ql, causal="upper_left"))
    return net


def _kv_lengths() -> td.Network:
    net = td.Network("kv_lengths")
    q, kv = net.input("q", td.float16, ("b", 4, 1, 8)), net.input("kv", td.float16, ("b", 2, "s", 8))
    lengths = net.input("lengths", td.int32, ("b",))
    net.output("decode", td.attention(q, kv, kv, key_value_lengths=lengths, causal="lower_right"))
    return net


CASES_11 = {"packed": _packed, "kv_lengths": _kv_lengths}


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
# NvInfer.h 11.1 L6812-L6896: an IAttention puts an IAttentionInputLayer (query, key, value, then the mask at
# input 3, L6859-L6867) and an IAttentionOutputLayer into the network; its properties are read through
# IAttentionBoundaryLayer::getAttention. addAttentionV2 (11.x) or addAttention (10.x, causal=true is
# kUPPER_LEFT, L9614).
ATTENTION_ADDS = ("add_attention", "add_attention_v2")


@tensorrt_expectation("attention_mask", "NvInfer.h addAttention(V2)(query, key, value, normOp, causal), IAttention::setMask, "
     "setDecomposable; IAttentionInputLayer inputs 0-3",
     {"Attention": (Layer(ATTENTION_ADDS, {"attention.norm_op": "AttentionNormalizationOp.NONE",
                                           "attention.decomposable": True, "attention.causal": False},
                          ("q", "k", "v", "add")),
                    Layer(ATTENTION_ADDS, {"attention.norm_op": "AttentionNormalizationOp.NONE"}))})
def _(net):
    q, k, v = (net.input(n, td.float32, (2, 4, 3, 8) if n == "q" else (2, 2, 5, 8)) for n in "qkv")
    add = net.input("add", td.float32, (1, 4, 3, 5))
    net.output("y", td.attention(q, k, v, mask=add, normalization="none", decomposable=True))


@tensorrt_expectation("attention_causal", "NvInfer.h CausalMaskKind::kUPPER_LEFT = addAttention's causal=true; normOp kSOFTMAX",
     {"Attention": (Layer(ATTENTION_ADDS, {"attention.norm_op": "AttentionNormalizationOp.SOFTMAX",
                                           "attention.decomposable": False, "attention.causal": True},
                          ("q", "kv", "kv")),
                    Layer(ATTENTION_ADDS, {"attention.causal": True}))})
def _(net):
    q, kv = net.input("q", td.float32, (1, 2, 3, 4)), net.input("kv", td.float32, (1, 1, 3, 4))
    net.output("y", td.attention(q, kv, kv, causal="upper_left"))


@tensorrt_expectation("attention_packed", "NvInfer.h 11.1 IAttention::setQueryForm/setKeyValueForm "
     "(AttentionIOForm::kPACKED_NHD), setQueryLengths/setKeyValueLengths, setNormalizationQuantizeScale/"
     "setNormalizationQuantizeToType; IAttentionInputLayer inputs 0-2, 4-6 (L6859-L6867)",
     {"Attention": (Layer(ATTENTION_ADDS, {"attention.query_form": "AttentionIOForm.PACKED_NHD",
                                           "attention.key_value_form": "AttentionIOForm.PACKED_NHD",
                                           "attention.normalization_quantize_to_type": "DataType.INT8",
                                           "attention.causal_kind": "CausalMaskKind.LOWER_RIGHT"},
                          ("q", "kv", "kv", None, "s", "ql", "kl")),
                    Layer(ATTENTION_ADDS, {"attention.query_form": "AttentionIOForm.PACKED_NHD"}))})
def _(net):
    q, kv = net.input("q", td.float16, (7, 4, 8)), net.input("kv", td.float16, (9, 2, 8))
    ql, kl, s = net.input("ql", td.int32, (3,)), net.input("kl", td.int32, (3,)), net.input("s", td.float16, ())
    net.output("y", td.attention(q, kv, kv, query_form="packed_nhd", key_value_form="packed_nhd", query_lengths=ql,
                                 key_value_lengths=kl, causal="lower_right", quantize_scale=s, quantize_to="int8"))


TENSORRT_11_ONLY.add("attention_packed")


@tensorrt_expectation("attention_quantized_normalization", "NvInfer.h IAttention::setNormalizationQuantizeScale "
     "(input 4), setNormalizationQuantizeToType (kFP8) (10.16 and 11.1 L7190-L7241)",
     {"Attention": (Layer(ATTENTION_ADDS, {"attention.normalization_quantize_to_type": "DataType.FP8",
                                           "attention.causal": True}, ("q", "kv", "kv", None, "s")),
                    Layer(ATTENTION_ADDS, {"attention.normalization_quantize_to_type": "DataType.FP8"}))})
def _(net):
    q, kv, s = (net.input("q", td.float32, (1, 2, 3, 4)), net.input("kv", td.float32, (1, 1, 3, 4)),
                net.input("s", td.float32, (1,)))
    net.output("y", td.attention(q, kv, kv, causal="upper_left", quantize_scale=s, quantize_to="fp8"))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "attention": lambda e: dict(query=e.x, key=e.x, value=e.x, mask=None, causal="none",
                                normalization="softmax", decomposable=False, query_form="padded_bhnd",
                                key_value_form="padded_bhnd", query_lengths=None, key_value_lengths=None,
                                quantize_scale=e.s, quantize_to="fp8"),
}
