"""examples/transformer_from_checkpoint.py: the decoder of td.nn modules, loaded from the checkpoint file
the example writes, computes what a plain NumPy decoder written here computes from the same weights."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from support import ROOT

import trtdsl as td
from trtdsl import nn

spec = importlib.util.spec_from_file_location("transformer_example",
                                              ROOT / "examples" / "transformer_from_checkpoint.py")
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)


def rms_norm(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x, -1, keepdims=True) + 1e-5) * weight


def attention(x: np.ndarray, p: dict, name: str) -> np.ndarray:
    """Causal multi-head attention, one head at a time, in float64."""
    seq, dim = x.shape
    head = dim // example.HEADS
    q, k, v = (x @ p[f"{name}.{n}_proj.weight"].T for n in "qkv")
    out = np.zeros_like(x)
    for h in range(example.HEADS):
        part = slice(h * head, (h + 1) * head)
        scores = q[:, part] @ k[:, part].T / np.sqrt(head)
        scores[np.triu_indices(seq, 1)] = -np.inf  # query i sees keys 0..i
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        out[:, part] = (weights / weights.sum(-1, keepdims=True)) @ v[:, part]
    return out @ p[f"{name}.out_proj.weight"].T


def numpy_decoder(p: dict, ids: np.ndarray) -> np.ndarray:
    x = p["embed.weight"][ids]
    for i in range(example.LAYERS):
        b = f"blocks.{i}"
        x = x + attention(rms_norm(x, p[f"{b}.norm1.weight"]), p, f"{b}.attn")
        h = rms_norm(x, p[f"{b}.norm2.weight"])
        gate = h @ p[f"{b}.mlp.gate_proj.weight"].T
        up = h @ p[f"{b}.mlp.up_proj.weight"].T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ p[f"{b}.mlp.down_proj.weight"].T
    return rms_norm(x, p["norm.weight"]) @ p["head.weight"].T


@pytest.mark.parametrize("ids", [[5], [3, 14, 15, 9, 2, 6], list(range(31, 19, -1))])
def test_the_loaded_decoder_matches_a_numpy_decoder(tmp_path, ids):
    path = tmp_path / "weights.npz"
    nn.save(path, example.checkpoint(seed=1))
    net = example.build_network(str(path))
    tokens = np.array([ids], np.int32)
    got = net.run({"ids": tokens})["logits"][0]
    weights = {k: v.astype(np.float64) for k, v in nn.load(path).items()}
    np.testing.assert_allclose(got, numpy_decoder(weights, tokens[0]), rtol=1e-4, atol=1e-4)


def test_a_checkpoint_of_another_model_is_refused_with_every_mismatch(tmp_path):
    weights = example.checkpoint()
    weights["head.weight"] = weights["head.weight"][:, :8]
    del weights["norm.weight"]
    path = tmp_path / "weights.npz"
    nn.save(path, weights)
    with pytest.raises(td.ArgumentError) as info:
        example.build_network(str(path))
    message = str(info.value)
    assert "norm.weight" in message and "head.weight" in message
