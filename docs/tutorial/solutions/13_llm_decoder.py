"""Lesson 13's exercise: the decoder block with grouped-query attention (4 query heads sharing 2
key/value heads), checked against NumPy on a whole prompt, and decoded token by token with KV caches."""

import numpy as np

import trtdsl as td

DIM, HEADS, KV_HEADS, HEAD, FFN, MAX = 16, 4, 2, 4, 32, 8
rng = np.random.default_rng(13)


def rand(*shape):
    return (rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32)


w = {"wq": rand(DIM, HEADS * HEAD), "wk": rand(DIM, KV_HEADS * HEAD), "wv": rand(DIM, KV_HEADS * HEAD),
     "wo": rand(HEADS * HEAD, DIM), "w_gate": rand(DIM, FFN), "w_up": rand(DIM, FFN), "w_down": rand(FFN, DIM)}
angles = np.arange(MAX)[:, None] * 10000.0 ** (-np.arange(0, HEAD, 2) / HEAD)
cos, sin = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


def rms_norm(x):
    return x / td.sqrt(td.mean(x * x, axis=-1, keepdims=True) + 1e-5)


def decoder_block(x, positions, attend):
    h = rms_norm(x)
    q = td.split_heads(h @ w["wq"], HEADS)
    k, v = (td.split_heads(h @ w[n], KV_HEADS) for n in ("wk", "wv"))
    q = td.rotary_embedding(q, cos, sin, position_ids=positions)
    k = td.rotary_embedding(k, cos, sin, position_ids=positions)
    x = x + td.merge_heads(attend(q * float(1 / np.sqrt(HEAD)), k, v)) @ w["wo"]
    h = rms_norm(x)
    return x + (td.silu(h @ w["w_gate"]) * (h @ w["w_up"])) @ w["w_down"]


def decoder_block_numpy(x):
    def rms(x):
        return x / np.sqrt(np.mean(x * x, -1, keepdims=True) + 1e-5)

    def heads(t, n):
        return t.reshape(1, -1, n, HEAD).transpose(0, 2, 1, 3)

    def rope(t, positions):
        a, b = np.split(t, 2, axis=-1)
        c, s = cos[positions], sin[positions]
        return np.concatenate([a * c - b * s, b * c + a * s], axis=-1)

    at = np.arange(x.shape[1])
    h = rms(x)
    q = rope(heads(h @ w["wq"], HEADS), at)
    k = np.repeat(rope(heads(h @ w["wk"], KV_HEADS), at), HEADS // KV_HEADS, axis=1)
    v = np.repeat(heads(h @ w["wv"], KV_HEADS), HEADS // KV_HEADS, axis=1)
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(HEAD)
    scores = np.where(np.tril(np.ones(scores.shape[-2:], bool)), scores, -np.inf)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    y = p / p.sum(-1, keepdims=True) @ v
    x = x + y.transpose(0, 2, 1, 3).reshape(1, -1, HEADS * HEAD) @ w["wo"]
    h = rms(x)
    gate = h @ w["w_gate"]
    return x + (gate / (1 + np.exp(-gate)) * (h @ w["w_up"])) @ w["w_down"]


prompt = td.Network("gqa_block")
x = prompt.input("x", td.float32, (1, "S", DIM))
positions = prompt.input("positions", td.int64, (1, "S"))
prompt.output("y", decoder_block(x, positions, lambda q, k, v: td.attention(q, k, v, causal="upper_left")))

xs = rng.normal(size=(1, 7, DIM)).astype(np.float32)
full = prompt.run({"x": xs, "positions": np.arange(7)[None]})["y"]
assert np.allclose(full, decoder_block_numpy(xs.astype(np.float64)), atol=1e-4)

step = td.Network("gqa_decode_step")
x = step.input("x", td.float32, (1, 1, DIM))
position = step.input("position", td.int64, (1,))
k_cache, v_cache = (step.input(n, td.float32, (1, KV_HEADS, MAX, HEAD)) for n in ("k_cache", "v_cache"))
slots = step.constant(np.arange(MAX).reshape(1, 1, 1, MAX))


def attend_to_the_cache(q, k, v):
    keys = td.kv_cache_update(k_cache, k, position)
    values = td.kv_cache_update(v_cache, v, position)
    step.output("new_k_cache", keys)
    step.output("new_v_cache", values)
    return td.attention(q, keys, values, mask=slots <= td.reshape(position, (1, 1, 1, 1)))


step.output("y", decoder_block(x, td.reshape(position, (1, 1)), attend_to_the_cache))

caches = {n: np.zeros((1, KV_HEADS, MAX, HEAD), np.float32) for n in ("k_cache", "v_cache")}
for t in range(7):
    out = step.run({"x": xs[:, t:t + 1], "position": np.array([t]), **caches})
    caches = {"k_cache": out["new_k_cache"], "v_cache": out["new_v_cache"]}
    assert np.allclose(out["y"], full[:, t:t + 1], atol=1e-5)
assert not caches["k_cache"][:, :, 7:].any()      # the slot after the last token is still empty
print("grouped-query block: NumPy, the whole prompt and the cached decoding agree")
