"""Early exit: a classifier that skips its expensive refinement stage when the first stage is confident.

Stage 1 is a small linear classifier. If its top probability reaches a threshold, the network returns
stage 1's probabilities; otherwise a refinement stage (a wide two-layer MLP on the features and the
stage-1 logits) computes new ones. The choice is an if-conditional on a 0-D bool computed inside the
network, so TensorRT runs only the taken branch: confident inputs never pay for the refinement. The
NumPy reference does the same, which the timings below show.

The refinement's layers are written in ``branch.else_()``; the tensors they use from outside (the
features and the stage-1 logits) enter the conditional through IIfConditionalInputLayers that trtdsl
inserts, which is what makes the branch lazy in TensorRT. ``print(net)`` shows them.

Run: python examples/early_exit.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

import trtdsl as td

FEATURES, CLASSES, WIDE, THRESHOLD = 64, 10, 8192, 0.9


def make_weights(seed: int = 11) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def rand(*shape: int, scale: float) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    return {"w1": rand(FEATURES, CLASSES, scale=0.5), "r1": rand(FEATURES + CLASSES, WIDE, scale=0.1),
            "r2": rand(WIDE, CLASSES, scale=0.05)}


def classifier(w: dict[str, np.ndarray]) -> td.Network:
    net = td.Network("early_exit")
    k = {name: net.constant(value, name=name) for name, value in w.items()}
    x = net.input("features", td.float32, (FEATURES,))
    logits = x @ k["w1"]
    probs = td.softmax(logits, axis=0)
    confident = td.max(probs) >= THRESHOLD
    with td.If(confident) as branch:
        with branch.else_():  # refine: only when stage 1 is unsure
            hidden = td.relu(td.concatenate([x, logits], axis=0) @ k["r1"])
            refined = td.softmax(hidden @ k["r2"], axis=0)
        final = branch.output(probs, refined)
        refined_used = branch.output(np.bool_(False), np.bool_(True))
    net.output("probs", final)
    net.output("refined", refined_used)
    return net


def build_network() -> td.Network:
    """The classifier with this example's weights, for the command line (``trtdsl inspect/run/export``)."""
    return classifier(make_weights())


def numpy_classifier(w: dict[str, np.ndarray], x: np.ndarray) -> tuple[np.ndarray, bool]:
    def softmax(v: np.ndarray) -> np.ndarray:
        e = np.exp(v - v.max())
        return e / e.sum()

    logits = x @ w["w1"]
    probs = softmax(logits)
    if probs.max() >= THRESHOLD:
        return probs, False
    hidden = np.maximum(np.concatenate([x, logits]) @ w["r1"], 0)
    return softmax(hidden @ w["r2"]), True


def best_ms(run: Callable[[], object], repeats: int = 20) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def main() -> None:
    w = make_weights()
    net = classifier(w)
    print(net.format(locations=False))
    rng = np.random.default_rng(3)
    # a clear-cut input (aligned with class 3's weights) and an ambiguous one (small, random)
    inputs = {"clear": (w["w1"][:, 3] * 4).astype(np.float32),
              "ambiguous": (rng.standard_normal(FEATURES) * 0.05).astype(np.float32)}
    print()
    for label, x in inputs.items():
        out = net.run({"features": x})
        want, refined = numpy_classifier(w, x)
        np.testing.assert_allclose(out["probs"], want, rtol=1e-5, atol=1e-6)
        assert bool(out["refined"]) == refined
        ms = best_ms(lambda feeds={"features": x}: net.run(feeds))
        print(f"{label:9s} input: class {int(out['probs'].argmax())} with p={out['probs'].max():.3f}, "
              f"refinement {'ran' if refined else 'skipped'}: {ms:.2f} ms per run (same result as NumPy)")


if __name__ == "__main__":
    main()
