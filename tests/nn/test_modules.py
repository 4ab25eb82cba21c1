"""Each module of td.nn, with random parameters loaded through load_state_dict, against a NumPy formula
written here (computed in float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import assert_close

import trtdsl as td
from trtdsl import nn

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 4)


def randomize(module: nn.Module, seed: int) -> dict[str, np.ndarray]:
    """Load random values into every float parameter (variances positive) and return them as float64."""
    rng = np.random.default_rng(seed)
    state = {}
    for name, value in module.state_dict().items():
        if value.dtype.kind != "f":
            state[name] = value
            continue
        drawn = rng.standard_normal(value.shape)
        if name.endswith("running_var"):
            drawn = np.abs(drawn) + 0.5
        state[name] = drawn.astype(value.dtype)
    module.load_state_dict(state)
    return {k: v.astype(np.float64) for k, v in state.items()}


def run(module: nn.Module, x: np.ndarray, shape: tuple | None = None, **kwargs) -> np.ndarray:
    net = td.Network("module")
    t = net.input("x", td.dtype(x.dtype), x.shape if shape is None else shape)
    net.output("y", module(t, **kwargs))
    return net.run({"x": x})["y"]


def inputs(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed + 1).standard_normal(shape).astype(np.float32)


def close(got: np.ndarray, want: np.ndarray) -> None:
    assert_close(got, want.astype(np.float32), rtol=1e-4, atol=1e-4)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


_erf = np.vectorize(math.erf)


# -- the classic modules -----------------------------------------------------------------------------------
@given(seeds, sizes, sizes, sizes, st.booleans())
def test_linear_is_x_at_w_transposed_plus_b(seed, batch, fin, fout, bias):
    fc = nn.Linear(fin, fout, bias=bias)
    p = randomize(fc, seed)
    x = inputs(seed, batch, 2, fin)
    want = x @ p["weight"].T + (p["bias"] if bias else 0)
    close(run(fc, x, ("batch", 2, fin)), want)


def conv2d(x, w, b, stride, pad, dilation, groups):
    n, c, h, wd = x.shape
    k, cg, r, s = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    ho = (h + 2 * pad[0] - dilation[0] * (r - 1) - 1) // stride[0] + 1
    wo = (wd + 2 * pad[1] - dilation[1] * (s - 1) - 1) // stride[1] + 1
    y = np.zeros((n, k, ho, wo))
    kg = k // groups
    for g in range(groups):
        for i in range(r):
            for j in range(s):
                patch = xp[:, g * cg:(g + 1) * cg,
                           i * dilation[0]:i * dilation[0] + stride[0] * (ho - 1) + 1:stride[0],
                           j * dilation[1]:j * dilation[1] + stride[1] * (wo - 1) + 1:stride[1]]
                kernel = w[g * kg:(g + 1) * kg, :, i, j]
                y[:, g * kg:(g + 1) * kg] += np.einsum("nchw,kc->nkhw", patch, kernel)
    return y + (0 if b is None else b[None, :, None, None])


@given(seeds, st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1),
       st.integers(1, 2), st.booleans())
def test_conv2d_is_a_grouped_cross_correlation(seed, groups, cin, cout, stride, pad, dilation, bias):
    conv = nn.Conv2d(cin * groups, cout * groups, (2, 3), stride, pad, dilation, groups, bias)
    p = randomize(conv, seed)
    x = inputs(seed, 2, cin * groups, 6, 7)
    want = conv2d(x, p["weight"], p.get("bias"), (stride,) * 2, (pad,) * 2, (dilation,) * 2, groups)
    close(run(conv, x), want)


def test_conv2d_same_padding_puts_the_odd_pixel_after():
    conv = nn.Conv2d(1, 1, 2, padding="same", bias=False)
    p = randomize(conv, 3)
    x = inputs(3, 1, 1, 4, 4)
    padded = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 1)))  # PyTorch: total padding 1, all of it after
    close(run(conv, x), conv2d(padded, p["weight"], None, (1, 1), (0, 0), (1, 1), 1))


def test_conv2d_padding_names_every_form_it_takes():
    with pytest.raises(td.ArgumentError) as info:
        nn.Conv2d(4, 8, 3, padding="full")
    assert info.value.message == ("Conv2d: argument 'padding' is 'full'; expected an int >= 0, a pair of them, "
                                  "'valid' or 'same'")


def conv_transpose2d(x, w, b, stride, pad, output_padding, dilation, groups):
    n, c, h, wd = x.shape
    _, kg, r, s = w.shape
    cg = c // groups
    hf, wf = (h - 1) * stride + dilation * (r - 1) + 1, (wd - 1) * stride + dilation * (s - 1) + 1
    full = np.zeros((n, kg * groups, hf, wf))
    for g in range(groups):
        for i in range(r):
            for j in range(s):
                full[:, g * kg:(g + 1) * kg, i * dilation:i * dilation + stride * (h - 1) + 1:stride,
                     j * dilation:j * dilation + stride * (wd - 1) + 1:stride] += np.einsum(
                    "nchw,ck->nkhw", x[:, g * cg:(g + 1) * cg], w[g * cg:(g + 1) * cg, :, i, j])
    y = full[:, :, pad:hf - pad + output_padding, pad:wf - pad + output_padding]
    return y + (0 if b is None else b[None, :, None, None])


@given(seeds, st.integers(1, 2), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 1),
       st.integers(0, 1), st.integers(1, 2), st.booleans())
def test_conv_transpose2d_scatters_each_input_pixel(seed, groups, cin, cout, stride, pad, out_pad, dilation,
                                                    bias):
    out_pad = min(out_pad, pad)
    up = nn.ConvTranspose2d(cin * groups, cout * groups, 2, stride, pad, out_pad, groups, bias, dilation)
    p = randomize(up, seed)
    x = inputs(seed, 1, cin * groups, 3, 4)
    want = conv_transpose2d(x, p["weight"], p.get("bias"), stride, pad, out_pad, dilation, groups)
    close(run(up, x), want)


@given(seeds, sizes, st.booleans())
def test_batch_norm_2d_uses_the_running_statistics(seed, channels, affine):
    bn = nn.BatchNorm2d(channels, eps=1e-3, affine=affine)
    p = randomize(bn, seed)
    x = inputs(seed, 2, channels, 3, 2)
    per_channel = (lambda v: v[None, :, None, None])
    want = (x - per_channel(p["running_mean"])) / np.sqrt(per_channel(p["running_var"]) + 1e-3)
    if affine:
        want = want * per_channel(p["weight"]) + per_channel(p["bias"])
    close(run(bn, x), want)


@given(seeds, sizes, sizes)
def test_batch_norm_folded_into_the_convolution_computes_both(seed, cin, cout):
    conv, bn = nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout)
    p, q = randomize(conv, seed), randomize(bn, seed + 7)
    folded = bn.fold_into(conv)
    x = inputs(seed, 1, cin, 4, 4)
    y = conv2d(x, p["weight"], p["bias"], (1, 1), (1, 1), (1, 1), 1)
    want = (y - q["running_mean"][:, None, None]) / np.sqrt(q["running_var"][:, None, None] + 1e-5) \
        * q["weight"][:, None, None] + q["bias"][:, None, None]
    close(run(folded, x), want)
    assert len(folded.state_dict()) == 2


@given(seeds, sizes, sizes, st.booleans(), st.booleans())
def test_layer_norm_normalizes_the_trailing_dims(seed, rows, cols, two_dims, bias):
    shape = (rows, cols) if two_dims else (cols,)
    ln = nn.LayerNorm(shape, eps=1e-5, bias=bias)
    p = randomize(ln, seed)
    x = inputs(seed, 2, rows, cols)
    axes = (-2, -1) if two_dims else (-1,)
    m = x.mean(axes, keepdims=True)
    v = ((x - m) ** 2).mean(axes, keepdims=True)
    close(run(ln, x), (x - m) / np.sqrt(v + 1e-5) * p["weight"] + (p["bias"] if bias else 0.0))


@given(seeds, sizes, st.sampled_from([None, 1e-6]))
def test_rms_norm_divides_by_the_root_mean_square(seed, dim, eps):
    norm = nn.RMSNorm(dim, eps=eps)
    p = randomize(norm, seed)
    x = inputs(seed, 2, 3, dim)
    epsilon = np.finfo(np.float32).eps if eps is None else eps
    rms = np.sqrt((x.astype(np.float64) ** 2).mean(-1, keepdims=True) + epsilon)
    close(run(norm, x), x / rms * p["weight"])


@pytest.mark.parametrize("dtype", [td.float16, td.bfloat16])
@given(seed=seeds, scale=st.sampled_from([1e-3, 1.0, 300.0, 1e4]))
def test_rms_norm_of_16_bit_floats_is_computed_in_float32(dtype, seed, scale):
    """Squares of float16 values from 256 on overflow, and small ones underflow: the statistics are
    float32's (as Hugging Face's LlamaRMSNorm computes them), the result rounded once to the dtype."""
    norm = nn.RMSNorm(8, eps=1e-6, dtype=dtype)
    x = np.clip(inputs(seed, 2, 8) * scale, -6e4, 6e4).astype(dtype.numpy)  # finite in float16
    wide = x.astype(np.float64)
    want = wide / np.sqrt((wide ** 2).mean(-1, keepdims=True) + 1e-6)
    got = run(norm, x)
    assert got.dtype == dtype.numpy
    rtol = 2 * float(np.finfo(dtype.numpy).eps)
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol, atol=0)


@given(seeds, st.integers(1, 3), st.integers(1, 3))
def test_group_norm_normalizes_each_group_of_channels(seed, groups, per_group):
    channels = groups * per_group
    gn = nn.GroupNorm(groups, channels)
    p = randomize(gn, seed)
    x = inputs(seed, 2, channels, 2, 3)
    g = x.reshape(2, groups, -1)
    normed = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)).reshape(x.shape)
    close(run(gn, x), normed * p["weight"][:, None, None] + p["bias"][:, None, None])


@given(seeds, st.integers(1, 6), sizes, st.sampled_from([np.int32, np.int64]))
def test_embedding_looks_up_rows(seed, count, dim, index_dtype):
    emb = nn.Embedding(count, dim)
    p = randomize(emb, seed)
    ids = np.random.default_rng(seed).integers(0, count, (2, 3)).astype(index_dtype)
    close(run(emb, ids), p["weight"][ids])


# -- transformer modules -------------------------------------------------------------------------------------
def attention(x, c, p, heads, mask=None, causal=False, prefix=""):
    """Multi-head attention in NumPy: (batch, seq, dim) in and out."""
    def proj(t, name):
        return t @ p[f"{prefix}{name}.weight"].T + p.get(f"{prefix}{name}.bias", 0)

    def split(t):
        b, s, d = t.shape
        return t.reshape(b, s, heads, d // heads).transpose(0, 2, 1, 3)

    q, k, v = split(proj(x, "q_proj")), split(proj(c, "k_proj")), split(proj(c, "v_proj"))
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(q.shape[-1])
    if causal:
        scores = np.where(np.tril(np.ones(scores.shape[-2:], bool)), scores, -np.inf)
    if mask is not None:
        scores = scores + mask
    y = (softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(x.shape[0], x.shape[1], -1)
    return proj(y, "out_proj")


@given(seeds, st.integers(1, 3), st.integers(1, 2), st.integers(1, 4), st.integers(1, 4), st.booleans())
def test_multi_head_attention_attends_per_head(seed, heads, head_dim, sq, sk, cross):
    dim = heads * head_dim
    attn = nn.MultiHeadAttention(dim, heads, kv_dim=3 if cross else None)
    p = randomize(attn, seed)
    x = inputs(seed, 2, sq, dim)
    if not cross:
        close(run(attn, x), attention(x, x, p, heads))
        return
    c = inputs(seed + 5, 2, sk, 3)
    net = td.Network("cross")
    y = attn(net.input("x", td.float32, x.shape), context=net.input("c", td.float32, c.shape))
    net.output("y", y)
    close(net.run({"x": x, "c": c})["y"], attention(x, c, p, heads))


@given(seeds, st.integers(1, 5))
def test_causal_attention_sees_no_later_key(seed, seq):
    attn = nn.MultiHeadAttention(4, 2)
    p = randomize(attn, seed)
    x = inputs(seed, 1, seq, 4)
    close(run(attn, x, causal=True), attention(x, x, p, 2, causal=True))


@given(seeds)
def test_attention_masks_add_or_select(seed):
    attn = nn.MultiHeadAttention(4, 2)
    p = randomize(attn, seed)
    x = inputs(seed, 1, 3, 4)
    additive = np.random.default_rng(seed).standard_normal((3, 3)).astype(np.float32)
    close(run(attn, x, mask=additive), attention(x, x, p, 2, mask=additive))
    keep = np.array([[True, False, False], [True, True, False], [False, True, True]])
    close(run(attn, x, mask=keep), attention(x, x, p, 2, mask=np.where(keep, 0, -np.inf)))


@given(seeds, st.sampled_from([3, "seq"]))
def test_a_padding_mask_of_one_query_row_broadcasts_over_the_queries(seed, seq):
    """Hugging Face's (B, 1, 1, Sk) key-padding mask: the attention layer takes its mask whole in Sq, so
    the module broadcasts it (also where Sq is known only at run time)."""
    attn = nn.MultiHeadAttention(4, 2)
    p = randomize(attn, seed)
    x = inputs(seed, 2, 3, 4)
    keep = np.ones((2, 1, 1, 3), bool)
    keep[1, ..., 2:] = False
    additive = np.random.default_rng(seed).standard_normal((2, 1, 1, 3)).astype(np.float32)
    for mask, added in ((keep, np.where(keep, 0, -np.inf)), (additive, additive)):
        close(run(attn, x, (2, seq, 4), mask=mask), attention(x, x, p, 2, mask=added))


@pytest.mark.parametrize("rank", [3, 4])
@pytest.mark.parametrize("causal", [False, True])
def test_a_query_whose_keys_are_all_masked_attends_nothing_on_every_path(rank, causal):
    """0 for a fully masked query, whether the attention layer computes it (4-D, no causal with a mask) or
    the written-out products and softmax (other ranks, or a mask with causal)."""
    shape = (1, 2, 4, 8)[-rank:]
    mask = np.ones(shape[:-1] + (4,), bool)
    mask[..., 1, :] = False
    net = td.Network("masked")
    q = net.input("q", td.float32, shape)
    net.output("y", nn.scaled_dot_product_attention(q, q, q, mask=mask, causal=causal))
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    y = net.run({"q": x})["y"]
    np.testing.assert_array_equal(y[..., 1, :], 0)
    scores = np.where(mask & (np.tril(np.ones((4, 4), bool)) if causal else mask), x @ np.swapaxes(x, -1, -2)
                      / np.sqrt(8), -np.inf)
    keep = [0, 2, 3]
    weights = np.exp(scores[..., keep, :] - scores[..., keep, :].max(-1, keepdims=True))
    np.testing.assert_allclose(y[..., keep, :], (weights / weights.sum(-1, keepdims=True)) @ x, rtol=1e-5,
                               atol=1e-6)


@given(seeds, sizes, sizes, st.sampled_from(["gelu", "gelu_tanh", "relu", "silu"]))
def test_mlp_is_two_linears_around_the_activation(seed, dim, hidden, activation):
    mlp = nn.MLP(dim, hidden, activation=activation)
    p = randomize(mlp, seed)
    x = inputs(seed, 2, dim)
    h = x @ p["fc1.weight"].T + p["fc1.bias"]
    act = {
        "gelu": lambda z: 0.5 * z * (1 + _erf(z / np.sqrt(2))),
        "gelu_tanh": lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z ** 3))),
        "relu": lambda z: np.maximum(z, 0),
        "silu": lambda z: z / (1 + np.exp(-z)),
    }[activation]
    close(run(mlp, x), act(h) @ p["fc2.weight"].T + p["fc2.bias"])


@given(seeds, sizes, sizes)
def test_swiglu_gates_with_silu(seed, dim, hidden):
    ff = nn.SwiGLU(dim, hidden)
    p = randomize(ff, seed)
    x = inputs(seed, 2, dim)
    gate = x @ p["gate_proj.weight"].T
    close(run(ff, x), (gate / (1 + np.exp(-gate)) * (x @ p["up_proj.weight"].T)) @ p["down_proj.weight"].T)


@given(seeds, st.sampled_from(["layer", "rms"]), st.sampled_from(["gelu", "swiglu"]), st.booleans())
def test_transformer_block_is_pre_norm_residual(seed, norm, mlp, causal):
    block = nn.TransformerBlock(4, 2, 6, norm=norm, mlp=mlp, causal=causal, eps=1e-5)
    p = randomize(block, seed)
    x = inputs(seed, 2, 3, 4)

    def normed(t, name):
        if norm == "layer":
            m = t.mean(-1, keepdims=True)
            return (t - m) / np.sqrt(((t - m) ** 2).mean(-1, keepdims=True) + 1e-5) * p[f"{name}.weight"] \
                + p[f"{name}.bias"]
        return t / np.sqrt((t ** 2).mean(-1, keepdims=True) + 1e-5) * p[f"{name}.weight"]

    def feed_forward(t):
        if mlp == "swiglu":
            gate = t @ p["mlp.gate_proj.weight"].T
            gated = gate / (1 + np.exp(-gate)) * (t @ p["mlp.up_proj.weight"].T)
            return gated @ p["mlp.down_proj.weight"].T
        h = t @ p["mlp.fc1.weight"].T + p["mlp.fc1.bias"]
        return 0.5 * h * (1 + _erf(h / np.sqrt(2))) @ p["mlp.fc2.weight"].T + p["mlp.fc2.bias"]

    h = x + attention(normed(x, "norm1"), normed(x, "norm1"), p, 2, causal=causal, prefix="attn.")
    close(run(block, x), h + feed_forward(normed(h, "norm2")))


@given(seeds)
def test_sequential_applies_its_modules_in_order(seed):
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2, bias=False))
    p = randomize(model, seed)
    x = inputs(seed, 5, 3)
    h = x @ p["0.weight"].T + p["0.bias"]
    m = h.mean(-1, keepdims=True)
    h = (h - m) / np.sqrt(((h - m) ** 2).mean(-1, keepdims=True) + 1e-5) * p["1.weight"] + p["1.bias"]
    close(run(model, x), h @ p["2.weight"].T)


@pytest.mark.parametrize("dtype", [td.float16, td.bfloat16])
def test_modules_of_16_bit_floats_hold_parameters_of_that_type(dtype):
    fc = nn.Linear(2, 2, dtype=dtype)
    assert {v.dtype for v in fc.state_dict().values()} == {np.dtype(dtype.numpy)}
    x = np.ones((1, 2), dtype.numpy)
    assert run(fc, x).dtype == dtype.numpy


# -- modules without parameters: PyTorch's formulas, written here ------------------------------------------

def _windows(xp, k, s, out_h, out_w):
    """The (k, k) windows of padded ``xp`` at stride ``s``, as (N, C, out_h, out_w, k, k)."""
    return np.stack([np.stack([xp[:, :, i * s:i * s + k, j * s:j * s + k] for j in range(out_w)], 2)
                     for i in range(out_h)], 2)


@pytest.mark.parametrize("k, s, p", [(2, 2, 0), (3, 2, 1), (3, 1, 1), (3, 3, 0)])
def test_pooling_modules_are_pytorchs(k, s, p):
    x = inputs(7, 2, 3, 7, 6)
    out_h, out_w = (7 + 2 * p - k) // s + 1, (6 + 2 * p - k) // s + 1
    pad = ((0, 0), (0, 0), (p, p), (p, p))
    biggest = _windows(np.pad(x, pad, constant_values=-np.inf), k, s, out_h, out_w).max(axis=(-2, -1))
    close(run(nn.MaxPool2d(k, s, p), x), biggest)
    sums = _windows(np.pad(x.astype(np.float64), pad), k, s, out_h, out_w).sum(axis=(-2, -1))
    close(run(nn.AvgPool2d(k, s, p), x), sums / (k * k))  # PyTorch's count_include_pad=True
    counts = _windows(np.pad(np.ones_like(x, np.float64), pad), k, s, out_h, out_w).sum(axis=(-2, -1))
    close(run(nn.AvgPool2d(k, s, p, count_include_pad=False), x), sums / counts)


def _source(out, size, scale, align_corners):
    """PyTorch's source coordinate of each output index (upsample_bilinear2d, area_pixel_compute_source_index)."""
    dst = np.arange(out, dtype=np.float64)
    if align_corners:
        return dst * ((size - 1) / (out - 1) if out > 1 else 0.0)
    return np.maximum((dst + 0.5) * scale - 0.5, 0.0)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("size", [(6, 8), (5, 11), (2, 3)])
def test_bilinear_upsample_is_pytorchs(size, align_corners):
    x = inputs(8, 1, 2, 3, 4)
    got = run(nn.Upsample(size=size, mode="bilinear", align_corners=align_corners), x)
    want = x.astype(np.float64)
    for axis, out in ((2, size[0]), (3, size[1])):
        n = want.shape[axis]
        src = _source(out, n, n / out, align_corners)
        lo = np.minimum(np.floor(src).astype(int), n - 1)
        hi = np.minimum(lo + 1, n - 1)
        w = (src - lo).reshape((-1,) + (1,) * (3 - axis))
        want = np.take(want, lo, axis) * (1 - w) + np.take(want, hi, axis) * w
    close(got, want)


@pytest.mark.parametrize("module, size", [(nn.Upsample(scale_factor=2), (6, 8)),
                                          (nn.Upsample(scale_factor=(1, 3)), (3, 12)),
                                          (nn.Upsample(size=(5, 7)), (5, 7))])
def test_nearest_upsample_is_pytorchs(module, size):
    x = inputs(9, 1, 2, 3, 4)
    rows = np.minimum(np.floor(np.arange(size[0]) * (3 / size[0])).astype(int), 2)
    cols = np.minimum(np.floor(np.arange(size[1]) * (4 / size[1])).astype(int), 3)
    np.testing.assert_array_equal(run(module, x), x[:, :, rows][:, :, :, cols])


@pytest.mark.parametrize("kwargs", [{"align_corners": True}, {"align_corners": False,
                                                             "recompute_scale_factor": True}])
def test_a_scale_pytorch_maps_by_the_sizes_may_be_any(kwargs):
    """With aligned corners or a recomputed scale, PyTorch maps coordinates by the sizes (5 -> 7 by 1.5):
    the bilinear formula of the sizes, written above, is TensorRT's too."""
    x = inputs(12, 1, 1, 5, 5)
    got = run(nn.Upsample(scale_factor=1.5, mode="bilinear", **kwargs), x)
    assert got.shape == (1, 1, 7, 7)
    want = x.astype(np.float64)
    for axis in (2, 3):
        src = _source(7, 5, 5 / 7, kwargs["align_corners"])
        lo = np.minimum(np.floor(src).astype(int), 4)
        hi = np.minimum(lo + 1, 4)
        w = (src - lo).reshape((-1,) + (1,) * (3 - axis))
        want = np.take(want, lo, axis) * (1 - w) + np.take(want, hi, axis) * w
    close(got, want)


def test_modules_without_parameters_count_in_a_sequentials_names():
    """torchvision's VGG features: the convolutions are features.0, features.2, features.5."""
    features = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(2, 2, 3, padding=1),
                             nn.ReLU(inplace=True), nn.MaxPool2d(2, 2), nn.Conv2d(2, 3, 1), nn.Dropout(0.5),
                             nn.Identity(), nn.Flatten())
    assert [k for k in features.state_dict() if k.endswith("weight")] == ["0.weight", "2.weight", "5.weight"]
    p = randomize(features, 10)
    x = inputs(11, 2, 1, 4, 4)
    h = np.maximum(conv2d(x, p["0.weight"], p["0.bias"], (1, 1), (1, 1), (1, 1), 1), 0)
    h = np.maximum(conv2d(h, p["2.weight"], p["2.bias"], (1, 1), (1, 1), (1, 1), 1), 0)
    h = h.reshape(2, 2, 2, 2, 2, 2).max(axis=(3, 5))
    h = conv2d(h, p["5.weight"], p["5.bias"], (1, 1), (0, 0), (1, 1), 1)
    close(run(features, x), h.reshape(2, -1))


@pytest.mark.parametrize("make, message", [
    (lambda: nn.MaxPool2d(2, ceil_mode=True), "MaxPool2d: argument 'ceil_mode' is True; expected False"),
    (lambda: nn.MaxPool2d(2, dilation=2), "MaxPool2d: argument 'dilation' is 2; expected 1"),
    (lambda: nn.AvgPool2d(3, padding=2), "AvgPool2d: argument 'padding' is 2; expected at most half"),
    (lambda: nn.Upsample(), "Upsample: argument 'size' is None; expected either size or scale_factor"),
    (lambda: nn.Upsample(scale_factor=2, mode="bicubic"), "Upsample: argument 'mode' is 'bicubic'"),
    (lambda: nn.GELU("fast"), "GELU: argument 'approximate' is 'fast'"),
    (lambda: nn.Dropout(1.5), "Dropout: argument 'p' is 1.5; expected a probability in [0, 1]"),
    (lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners="no"),
     "Upsample: argument 'align_corners' is 'no'; expected True or False"),
    (lambda: nn.Upsample(scale_factor=float("inf")), "Upsample: argument 'scale_factor' is inf; expected a "
                                                     "finite number > 0"),
])
def test_modules_without_parameters_check_their_arguments(make, message):
    with pytest.raises(td.ArgumentError) as info:
        make()
    assert info.value.message.startswith(message)


def test_an_upsample_scale_that_pytorch_and_tensorrt_map_apart_is_refused():
    net = td.Network("up")
    x = net.input("x", td.float32, (1, 1, 5, 4))
    with pytest.raises(td.ArgumentError, match="products with the input's H and W \\(5, 4\\) are whole"):
        nn.Upsample(scale_factor=1.5)(x)
