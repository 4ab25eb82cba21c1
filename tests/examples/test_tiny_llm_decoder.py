"""examples/tiny_llm_decoder.py generates, token by token, what the same model written in plain NumPy
generates: no KV cache there, every step runs the whole sequence again with a causal softmax per head, and
RoPE is computed from its definition (half-split pairs rotated by ``position * base ** (-2k / head)``)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("tiny_llm_decoder", ROOT / "examples" / "tiny_llm_decoder.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rms_norm(x, weight, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def rope(x, head, base):
    """x [tokens, head]: pair (k, k + head/2) of token t rotated by t * base ** (-2k / head)."""
    out = x.copy()
    half = head // 2
    for t in range(x.shape[0]):
        for k in range(half):
            angle = t * base ** (-2 * k / head)
            a, b = x[t, k], x[t, k + half]
            out[t, k], out[t, k + half] = a * np.cos(angle) - b * np.sin(angle), b * np.cos(angle) + a * np.sin(angle)
    return out


def next_token(m, w, tokens):
    x = w["embedding"][tokens].astype(np.float64)
    n = len(tokens)
    for i in range(m.LAYERS):
        h = rms_norm(x, w[f"attn_norm{i}"], m.EPS)
        q, k, v = (h @ w[f"w{name}{i}"] for name in "qkv")
        heads = []
        for head in range(m.HEADS):
            group = head // (m.HEADS // m.KV_HEADS)
            qh = rope(q[:, head * m.HEAD:(head + 1) * m.HEAD], m.HEAD, m.ROPE_BASE)
            kh = rope(k[:, group * m.HEAD:(group + 1) * m.HEAD], m.HEAD, m.ROPE_BASE)
            vh = v[:, group * m.HEAD:(group + 1) * m.HEAD]
            scores = qh @ kh.T / np.sqrt(m.HEAD)
            scores[np.triu_indices(n, 1)] = -np.inf  # token i sees tokens 0..i
            p = np.exp(scores - scores.max(axis=1, keepdims=True))
            heads.append((p / p.sum(axis=1, keepdims=True)) @ vh)
        x = x + np.concatenate(heads, axis=1) @ w[f"wo{i}"]
        h = rms_norm(x, w[f"mlp_norm{i}"], m.EPS)
        gate = h @ w[f"w_gate{i}"]
        x = x + (gate / (1 + np.exp(-gate)) * (h @ w[f"w_up{i}"])) @ w[f"w_down{i}"]
    logits = w["embedding"] @ rms_norm(x[-1], w["final_norm"], m.EPS)
    ranked = np.sort(logits)
    assert ranked[-1] - ranked[-2] > 1e-3, "a near tie: float32 and float64 could pick different tokens"
    return int(np.argmax(logits))


@pytest.mark.parametrize("prompt", [[3, 14, 15, 9, 26], [42]])
def test_generated_tokens_match_numpy(example, prompt):
    w = example.make_weights()
    tokens = example.build_network(w).run({"prompt": np.array(prompt, np.int32)})["tokens"].tolist()
    sequence = list(prompt)
    for i in range(example.NEW_TOKENS):
        sequence.append(next_token(example, w, sequence))
        assert tokens[i] == sequence[-1], f"token {i}: the network says {tokens[i]}, NumPy {sequence[-1]}"
