"""A tiny Llama-style decoder generating text greedily, with TensorRT's transformer layers: the KV cache
is a carry of a ``td.while_loop`` that IKVCacheUpdateLayer writes one token into per step, IAttention reads
it with grouped-query heads, and IRotaryEmbeddingLayer rotates queries and keys by their positions.

The model: a token embedding (a gather), ``LAYERS`` blocks of RMSNorm -> attention (``HEADS`` query heads
sharing ``KV_HEADS`` key/value heads, RoPE) -> RMSNorm -> SwiGLU MLP, each with a residual, a final
RMSNorm and the LM head tied to the embedding. The weights are seeded random numbers (the model is
untrained, so the tokens it writes mean nothing).

One network does it all:

* the prompt (any length ``P``) runs through the blocks at once: its keys and values are written into
  empty caches ``[1, KV_HEADS, MAX_TOKENS, HEAD]`` at position 0, and each prompt token attends to the
  cached keys up to its own position (a bool mask: ``key position <= query position``);
* a ``td.while_loop`` then feeds back the most likely next token, one per step: the step's key and value
  are written at its position and its query attends to every cached key up to it. The loop stops after
  ``NEW_TOKENS`` tokens; the generated ids are written into a carried buffer.

TensorRT has no built-in 1/sqrt(HEAD) in its attention: the queries are scaled first.

Run: python examples/tiny_llm_decoder.py
"""

from __future__ import annotations

import time

import numpy as np

import trtdsl as td

VOCAB, DIM, HEADS, KV_HEADS, HEAD, FFN, LAYERS = 64, 32, 4, 2, 8, 64, 2
MAX_TOKENS, NEW_TOKENS, EPS, ROPE_BASE = 32, 16, 1e-5, 10000.0


def make_weights(seed: int = 11) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def rand(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32)

    # a small embedding: with the head tied to it, a large one makes every token predict itself
    w = {"embedding": (0.5 * rng.standard_normal((VOCAB, DIM))).astype(np.float32),
         "final_norm": np.ones(DIM, np.float32)}
    for i in range(LAYERS):
        w |= {f"attn_norm{i}": (1 + 0.1 * rng.standard_normal(DIM)).astype(np.float32),
              f"wq{i}": rand(DIM, HEADS * HEAD), f"wk{i}": rand(DIM, KV_HEADS * HEAD),
              f"wv{i}": rand(DIM, KV_HEADS * HEAD), f"wo{i}": rand(HEADS * HEAD, DIM),
              f"mlp_norm{i}": (1 + 0.1 * rng.standard_normal(DIM)).astype(np.float32),
              f"w_gate{i}": rand(DIM, FFN), f"w_up{i}": rand(DIM, FFN), f"w_down{i}": rand(FFN, DIM)}
    return w


def rope_tables() -> tuple[np.ndarray, np.ndarray]:
    """cos and sin of ``position * ROPE_BASE ** (-2k / HEAD)``, one row per position: ``[MAX_TOKENS, HEAD/2]``."""
    angles = np.arange(MAX_TOKENS)[:, None] * ROPE_BASE ** (-np.arange(0, HEAD, 2) / HEAD)
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


def rms_norm(x: td.Tensor, weight: td.Tensor) -> td.Tensor:
    return x / td.sqrt(td.mean(x * x, axis=-1, keepdims=True) + EPS) * weight


def decode(k: dict[str, td.Tensor], tokens: td.Tensor, start: td.Tensor,
           caches: list[td.Tensor]) -> tuple[td.Tensor, list[td.Tensor]]:
    """The next token after ``tokens`` (int32 ``[S]``, at positions ``start..start+S-1``), and the caches
    with their keys and values written in."""
    x = td.reshape(td.take(k["embedding"], tokens), (1, -1, DIM))  # [1, S, DIM]
    positions = td.reshape(start + td.arange(0, td.shape_of(tokens)[0], dtype=td.int64), (1, -1))  # [1, S]
    # query i may read cached key j when j <= its position: [1, 1, S, MAX_TOKENS]
    mask = k["cache_positions"] <= td.reshape(positions, (1, 1, -1, 1))
    written = []
    for i in range(LAYERS):
        h = rms_norm(x, k[f"attn_norm{i}"])
        q, key, value = (td.split_heads(h @ k[f"w{n}{i}"], heads)
                         for n, heads in (("q", HEADS), ("k", KV_HEADS), ("v", KV_HEADS)))
        q = td.rotary_embedding(q, k["cos"], k["sin"], position_ids=positions)
        key = td.rotary_embedding(key, k["cos"], k["sin"], position_ids=positions)
        k_cache = td.kv_cache_update(caches[2 * i], key, td.reshape(start, (1,)))
        v_cache = td.kv_cache_update(caches[2 * i + 1], value, td.reshape(start, (1,)))
        written += [k_cache, v_cache]
        attended = td.attention(q * float(1 / np.sqrt(HEAD)), k_cache, v_cache, mask=mask)
        x = x + td.merge_heads(attended) @ k[f"wo{i}"]
        h = rms_norm(x, k[f"mlp_norm{i}"])
        x = x + (td.silu(h @ k[f"w_gate{i}"]) * (h @ k[f"w_up{i}"])) @ k[f"w_down{i}"]
    last = rms_norm(x[0, -1], k["final_norm"])
    logits = td.matmul(k["embedding"], last)  # the LM head is the embedding, transposed
    return td.argmax(logits, axis=0), written


def build_network(w: dict[str, np.ndarray] | None = None) -> td.Network:
    w = make_weights() if w is None else w
    net = td.Network("tiny_llm_decoder")
    cos, sin = rope_tables()
    tables = {"cos": cos, "sin": sin, "slots": np.arange(NEW_TOKENS, dtype=np.int32),
              "cache_positions": np.arange(MAX_TOKENS).reshape(1, 1, 1, MAX_TOKENS)}
    k = {name: net.constant(value, name=name) for name, value in (w | tables).items()}
    prompt = net.input("prompt", td.int32, ("P",))
    empty = [np.zeros((1, KV_HEADS, MAX_TOKENS, HEAD), np.float32)] * (2 * LAYERS)
    first, caches = decode(k, prompt, net.constant(np.int64(0)), [net.constant(c) for c in empty])
    generated = td.where(k["slots"] == 0, first, np.int32(-1))

    def step(carry: tuple) -> tuple:
        token, count, position, ids, *kv = carry
        nxt, kv = decode(k, td.reshape(token, (1,)), position, kv)
        ids = td.where(k["slots"] == count, nxt, ids)
        return (nxt, count + 1, position + 1, ids, *kv)

    start = td.cast(td.shape_of(prompt)[0], td.int64)
    final = td.while_loop(lambda c: c[1] < NEW_TOKENS, step, (first, np.int32(1), start, generated, *caches))
    net.output("tokens", final[3])
    return net


def main() -> None:
    net = build_network()
    counts: dict[str, int] = {}
    for node in net.nodes:
        counts[node.op.kind] = counts.get(node.op.kind, 0) + 1
    print(f"network {net.name!r}: {len(net.nodes)} layers, of them " + ", ".join(
        f"{counts[kind]} {kind}" for kind in ("Attention", "RotaryEmbedding", "KVCacheUpdate")))
    prompt = np.array([3, 14, 15, 9, 26], np.int32)
    net.run({"prompt": prompt})  # warm-up: the first run also checks the network
    began = time.perf_counter()
    tokens = net.run({"prompt": prompt})["tokens"]
    seconds = time.perf_counter() - began
    print("prompt:", prompt.tolist())
    print("generated token ids:", tokens.tolist())
    print(f"time per token on the reference: {seconds / NEW_TOKENS * 1000:.1f} ms "
          f"({NEW_TOKENS} tokens, prompt of {len(prompt)})")


if __name__ == "__main__":
    main()
