"""A two-layer MLP as one network, and as a 2-rank tensor-parallel network (Megatron-LM's split): the
first layer's weight is cut by columns (each rank computes half of the hidden units), the second's by rows
(each rank gives a partial sum of the output), and one all-reduce adds the partial sums.

    one network:   y = gelu(x @ w1 + b1) @ w2 + b2
    rank r of 2:   y = all_reduce(gelu(x @ w1[:, cols_r] + b1[cols_r]) @ w2[cols_r, :]) + b2

Every rank runs the same network on its own inputs; here each rank's weight shards are inputs of the
network, so one network serves both ranks (a TensorRT engine of rank r would hold its shards as
constants). The reference runs both ranks in one process and exchanges the partial sums at the
all-reduce; the two networks give the same output. docs/tensorrt.md describes how such a network is
built and run on several GPUs with TensorRT (one engine per rank, NCCL).

Run: python examples/tensor_parallel_mlp.py
"""

from __future__ import annotations

import numpy as np

import trtdsl as td

RANKS = 2
FEATURES, HIDDEN = 8, 32


def weights(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "w1": (rng.standard_normal((FEATURES, HIDDEN)) / np.sqrt(FEATURES)).astype(np.float32),
        "b1": (0.1 * rng.standard_normal(HIDDEN)).astype(np.float32),
        "w2": (rng.standard_normal((HIDDEN, FEATURES)) / np.sqrt(HIDDEN)).astype(np.float32),
        "b2": (0.1 * rng.standard_normal(FEATURES)).astype(np.float32),
    }


def mlp(w: dict[str, np.ndarray]) -> td.Network:
    net = td.Network("mlp")
    x = net.input("x", td.float32, ("tokens", FEATURES))
    net.output("y", td.gelu(x @ w["w1"] + w["b1"]) @ w["w2"] + w["b2"])
    return net


def tensor_parallel_mlp(b2: np.ndarray) -> td.Network:
    """The MLP of one rank of ``RANKS``: its column shard of w1 and b1 and its row shard of w2 are inputs."""
    shard = HIDDEN // RANKS
    net = td.Network("mlp_tp")
    x = net.input("x", td.float32, ("tokens", FEATURES))
    w1 = net.input("w1_shard", td.float32, (FEATURES, shard))
    b1 = net.input("b1_shard", td.float32, (shard,))
    w2 = net.input("w2_shard", td.float32, (shard, FEATURES))
    partial = td.gelu(x @ w1 + b1) @ w2                 # column-parallel, then row-parallel
    net.output("y", td.all_reduce(partial, "sum", ranks=RANKS) + b2)
    return net


def shards(w: dict[str, np.ndarray], rank: int) -> dict[str, np.ndarray]:
    cols = slice(rank * HIDDEN // RANKS, (rank + 1) * HIDDEN // RANKS)
    return {"w1_shard": w["w1"][:, cols], "b1_shard": w["b1"][cols], "w2_shard": w["w2"][cols, :]}


def build_network() -> td.Network:
    """The single-network MLP (for ``trtdsl inspect``/``run``: the tensor-parallel one needs two ranks)."""
    return mlp(weights())


def main() -> None:
    w = weights()
    single, parallel = mlp(w), tensor_parallel_mlp(w["b2"])
    print(parallel)
    x = np.random.default_rng(1).standard_normal((5, FEATURES)).astype(np.float32)
    want = single.run({"x": x})["y"]
    per_rank = parallel.run([{"x": x, **shards(w, r)} for r in range(RANKS)], ranks=RANKS)
    for r, out in enumerate(per_rank):
        difference = float(np.max(np.abs(out["y"] - want)))
        print(f"rank {r}: max |tensor-parallel - single network| = {difference:.2e}")
        assert difference < 1e-5, difference
    print(f"The {RANKS}-rank tensor-parallel MLP equals the single network on every rank.")


if __name__ == "__main__":
    main()
