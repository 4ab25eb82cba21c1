"""Dynamic shapes: a network whose reshape, slices and resize depend on its inputs' sizes, run at every
size TensorRT would be built for.

Token sequences of any length are pooled in windows of 4: the tail that does not fill a window is
sliced off, the rest reshaped to ``(batch, seq // 4, 4, features)`` and averaged, then the pooled
sequence is resized back to the used length. Positions count the tokens; the first token is dropped
with Python indexing. Every size comes from ``x.shape`` (named dims ``batch`` and ``seq``), so trtdsl
builds the shape tensors TensorRT needs (IShapeLayer, gathers, arithmetic) and knows each output's
shape symbolically. Two optimization profiles say which sizes the engine serves; each run is checked
against them, and NumPy recomputes every output at each profile's min, opt and max.

Run it:  python examples/dynamic_shapes.py
"""

from __future__ import annotations

import warnings

import numpy as np

import trtdsl as td
from trtdsl.testing import random_inputs

WINDOW = 4
FEATURES = 8


def build_network() -> td.Network:
    net = td.Network("windows")
    x = net.input("tokens", td.float32, ("batch", "seq", FEATURES))
    batch, seq = x.shape[0], x.shape[1]
    used = seq // WINDOW * WINDOW
    kept = td.slice(x, (0, 0, 0), (batch, used, FEATURES))  # size computed when the network runs
    windows = td.reshape(kept, (batch, seq // WINDOW, WINDOW, FEATURES))
    pooled = td.mean(windows, axis=2)
    net.output("pooled", pooled)
    net.output("smoothed", td.resize(pooled, (batch, used, FEATURES), mode="nearest"))
    net.output("positions", td.arange(seq, like=x))
    net.output("tail", x[:, 1:])
    net.add_profile({"batch": (1, 1, 4), "seq": (4, 64, 256)})  # interactive: short batches
    net.add_profile({"batch": (8, 32, 64), "seq": (4, 16, 32)})  # bulk: many short sequences
    return net


def numpy_outputs(tokens: np.ndarray) -> dict[str, np.ndarray]:
    """The same computation written with NumPy."""
    batch, seq, features = tokens.shape
    used = seq // WINDOW * WINDOW
    pooled = tokens[:, :used].reshape(batch, seq // WINDOW, WINDOW, features).mean(axis=2)
    return {
        "pooled": pooled,
        "smoothed": np.repeat(pooled, WINDOW, axis=1),
        "positions": np.arange(seq),
        "tail": tokens[:, 1:],
    }


def main() -> None:
    net = build_network()
    print(net.format(locations=False))
    print()
    for name, t in net.outputs.items():
        print(f"{name:>9}: {t.type}")
    kinds = td.shapes.classify(net)
    shape_tensors = [t.name for t, k in kinds.items() if td.shapes.SHAPE in k]
    print(f"\nshape tensors (computed on the host): {', '.join(shape_tensors)}")

    print("\nevery profile at min, opt and max, against NumPy:")
    for index, profile in enumerate(net.profiles):
        for at in ("min", "opt", "max"):
            feeds = random_inputs(net, profile=index, at=at, seed=index)
            got = net.run(feeds)
            want = numpy_outputs(feeds["tokens"])
            # float32 means of 4 tokens, summed in another order than NumPy's: within a few ulps of the tokens
            close = 4 * np.finfo(np.float32).eps * float(np.abs(feeds["tokens"]).max(initial=0))
            for name, value in want.items():
                np.testing.assert_allclose(got[name], value, rtol=1e-5, atol=close, err_msg=name)
            print(
                f"  profile {index} {at:>3}: tokens {feeds['tokens'].shape} -> pooled {got['pooled'].shape}, "
                f"smoothed {got['smoothed'].shape}  ok"
            )

    try:
        net.run({"tokens": np.zeros((4, 300, FEATURES), np.float32)})
    except td.InputError as error:
        print(f"\noutside every profile:\n  {error.message}")

    # A shape taken from values the GPU computes makes TensorRT synchronize: trtdsl says where.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", td.ShapeSyncWarning)
        x = net.inputs["tokens"]
        positive = td.nonzero(x > 0)
        td.arange(positive.shape[1], like=x)
    print(f"\nwarning: {caught[0].message}")


if __name__ == "__main__":
    main()
