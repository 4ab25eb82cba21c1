"""Build TensorRT's "network from scratch" MNIST network into a TensorRT engine and run it.

Where TensorRT (the ``tensorrt`` package with its libraries), cuda-python and a GPU exist, this builds an
engine with a dynamic batch (one optimization profile), shows the build's progress, saves the engine to a
file and loads it back, runs it on rendered digits and compares the result with trtdsl's NumPy reference.

Where they do not, it says so, and shows what it can check without them: the network is lowered into
strict stand-ins of the TensorRT 10.16 and 11.4 Python APIs (made from the real bindings' manifests, they
reject any call TensorRT does not have), the layer names TensorRT would report are printed, and the
lowered network, raised back, is checked to be the same network. It exits 0 either way.

Run it:  python examples/build_mnist_engine.py
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

import trtdsl as td
from mnist_from_scratch import render, trained_lenet
from trtdsl.backends.tensorrt import Engine, cuda, lower, raise_network, standin


def tensorrt_status() -> str | None:
    """Why an engine cannot be built here (None when it can)."""
    try:
        import tensorrt  # noqa: F401  (only checking that it imports)
    except ImportError as exc:
        return f"the tensorrt package cannot be imported ({exc})"
    if cuda.device_count() == 0:
        return "there is no CUDA GPU (or cuda-python is missing)"
    return None


def build_and_run(net: td.Network, rng: np.random.Generator) -> None:
    engine = net.build(profiles={"batch": (1, 64, 256)}, workspace=1 << 30, progress=True)
    path = os.path.join(tempfile.mkdtemp(), "mnist.engine")
    engine.save(path)
    engine = Engine.load(path)
    print(
        f"Built and saved {path} ({os.path.getsize(path)} bytes); "
        f"inputs {engine.inputs}, outputs {engine.outputs}"
    )

    labels = rng.permutation(np.tile(np.arange(10), 20))
    images = render(labels, rng)
    got = engine(image=images)["prob"]
    want = net.run({"image": images})["prob"]
    print(f"TensorRT vs reference: largest difference of probabilities {np.abs(got - want).max():.2e}")
    print(
        f"Accuracy on {len(labels)} fresh digits: TensorRT {(got.argmax(1) == labels).mean():.1%}, "
        f"reference {(want.argmax(1) == labels).mean():.1%}"
    )
    print(f"{engine.benchmark({'image': images[:64]}, iterations=50):.3f} ms per batch of 64 (CUDA events)")


def check_without_tensorrt(net: td.Network) -> None:
    for version in ("10.16", "11.4"):
        trt = standin.module(version)
        lowered = lower(net, trt)
        definition = lowered.network
        again = raise_network(definition, trt)
        same = again.format(locations=False) == net.format(locations=False)
        print(
            f"TensorRT {trt.__version__} stand-in: {definition.num_layers} layers, "
            f"{len(trt.calls)} API calls, "
            f"all in the manifest; raised back: {'the same network' if same else 'DIFFERENT'}"
        )
    print("\nLayer names TensorRT would report (they point at the lines that made the layers):")
    for i in range(definition.num_layers):
        layer = definition.get_layer(i)
        print(f"  {layer.name:45s} -> {layer.get_output(0).name if layer.num_outputs else '(no output)'}")


def build_network() -> td.Network:
    """The network this example builds, for the command line (``trtdsl inspect/run/export/build``)."""
    return trained_lenet(np.random.default_rng(7), per_digit=40)


def main() -> None:
    net = build_network()
    why = tensorrt_status()
    if why is None:
        build_and_run(net, np.random.default_rng(8))
        return
    print(f"No TensorRT engine is built here: {why}.")
    print(
        "Install TensorRT (pip install tensorrt) and cuda-python on a machine with an NVIDIA GPU "
        "to build one."
    )
    print("What can be checked without TensorRT:\n")
    check_without_tensorrt(net)


if __name__ == "__main__":
    main()
