"""A small decoder-only transformer built from td.nn modules, its weights loaded from a checkpoint file.

The model is GPT/Llama-shaped: an embedding, two causal pre-norm transformer blocks (RMSNorm, multi-head
attention through TensorRT's attention layer, a SwiGLU MLP), a final RMSNorm and a linear head. Its
parameters have PyTorch-style names (``blocks.0.attn.q_proj.weight``, ...), which become the names of
the network's constants, the ONNX initializers and the TensorRT weights. The example draws the weights
itself (a fixed seed), writes them to an ``.npz`` checkpoint, loads that file into a freshly made model
(strict: every name, shape and dtype is checked), and runs the network on the NumPy reference for a
prompt of any length (the sequence length is a dynamic dim).

Run it:  python examples/transformer_from_checkpoint.py
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import trtdsl as td
from trtdsl import nn

VOCAB, DIM, HEADS, HIDDEN, LAYERS = 32, 16, 2, 32, 2


class TinyTransformer(nn.Module):
    """``head(norm(blocks(embed(ids))))``: logits of the next token at every position."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.blocks = nn.Sequential(*[
            nn.TransformerBlock(DIM, HEADS, HIDDEN, norm="rms", mlp="swiglu", causal=True, bias=False)
            for _ in range(LAYERS)])
        self.norm = nn.RMSNorm(DIM, eps=1e-5)
        self.head = nn.Linear(DIM, VOCAB, bias=False)

    def forward(self, ids: td.Tensor) -> td.Tensor:
        y: td.Tensor = self.head(self.norm(self.blocks(self.embed(ids))))
        return y


def checkpoint(seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded weights for every parameter: norm scales near 1, the rest small and zero-centred."""
    rng = np.random.default_rng(seed)
    weights = {}
    for name, value in TinyTransformer().state_dict().items():
        noise = rng.standard_normal(value.shape).astype(np.float32)
        weights[name] = 1.0 + 0.1 * noise if "norm" in name else 0.3 * noise
    return weights


def build_network(path: str | None = None) -> td.Network:
    """The model with the checkpoint at ``path`` loaded (one written with :func:`checkpoint` if None)."""
    model = TinyTransformer()
    if path is None:
        model.load_state_dict(checkpoint())
    else:
        model.load_state_dict(path)
    net = td.Network("tiny_transformer")
    net.output("logits", model(net.input("ids", td.int32, (1, "seq"))))
    return net


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "tiny_transformer.npz")
        nn.save(path, checkpoint())
        print(f"wrote a checkpoint of {len(checkpoint())} arrays; loaded it strictly into the model")
        net = build_network(path)
    kinds = sorted({node.op.kind for node in net.nodes})
    print(f"{len(net.nodes)} layers of {len(kinds)} kinds: {', '.join(kinds)}")
    names = set(checkpoint())
    named = [node.name for node in net.nodes if node.name in names][:3]
    print(f"constants named after the parameters: {', '.join(named)}, ...")
    ids = np.array([[3, 14, 15, 9, 2, 6]], np.int32)
    logits = net.run({"ids": ids})["logits"]
    print(f"prompt {ids[0].tolist()}: logits {logits.shape}, next-token guesses {logits[0].argmax(-1).tolist()}")


if __name__ == "__main__":
    main()
