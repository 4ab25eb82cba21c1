"""The MNIST network of mnist_from_scratch.py quantized to INT8 and to FP8 with explicit Q/DQ layers, and
the accuracy each keeps, all on trtdsl's NumPy reference.

TensorRT 11 quantizes only what the network says: a Quantize/Dequantize (Q/DQ) pair in front of each
input of a convolution or matrix multiply lets TensorRT fuse them into an int8 (or fp8) kernel. This
example places them the way TensorRT's Developer Guide recommends, with td.quantization.insert_qdq:

- activations: one scale per tensor, amax / 127 (fp8: amax / 448), amax measured on calibration digits;
- weights: one scale per output channel, from the weights themselves;
- outputs and biases stay in float (TensorRT folds the bias in itself).

The reference computes Q/DQ exactly as TensorRT documents it (round half to even, saturation), so the
accuracy printed here is what the quantization itself costs. td.quantization.check then confirms the
placement, and shows what it reports for a placement TensorRT would not fuse.

Run it:  python examples/int8_cnn.py
"""

from __future__ import annotations

import numpy as np

import trtdsl as td
from mnist_from_scratch import fit_last_layer, hidden_features, lenet, random_weights, render, run_batched


def trained_weights(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The LeNet weights of mnist_from_scratch.py: random convolutions and first dense layer, the last
    layer fitted in closed form on the features of rendered digits."""
    weights = random_weights(rng)
    trunk = td.Network("mnist_features")
    trunk.output("features", hidden_features(trunk.input("image", td.float32, ("batch", 1, 28, 28)), weights))
    labels = np.tile(np.arange(10), 150)
    features = run_batched(trunk, render(labels, rng), "features")
    weights["dense2"], weights["dense2_bias"] = fit_last_layer(features, labels)
    return weights


def quantized(weights: dict[str, np.ndarray], calibration: np.ndarray, dtype: td.DType) -> td.Network:
    """The LeNet with Q/DQ pairs on the inputs of its convolutions and matmuls."""
    net = lenet(weights)
    net.name = f"mnist_{dtype.name}"
    batches = [{"image": calibration[i:i + 50]} for i in range(0, len(calibration), 50)]
    td.quantization.insert_qdq(net, batches, dtype=dtype)
    return net


def naive(weights: dict[str, np.ndarray]) -> td.Network:
    """A placement TensorRT would not fuse: only the image is quantized, the kernels stay float."""
    net = td.Network("mnist_naive")
    image = net.input("image", td.float32, ("batch", 1, 28, 28))
    features = hidden_features(td.fake_quant(image, 4.0 / 127), weights)
    net.output("prob", td.softmax(features @ weights["dense2"] + weights["dense2_bias"], axis=1))
    return net


def calibration_digits(rng: np.random.Generator) -> np.ndarray:
    """200 rendered digits to measure the activations' ranges on (their labels are not used)."""
    return render(np.tile(np.arange(10), 20), rng)


def build_network() -> td.Network:
    """The INT8 network of this example, for the command line (``trtdsl inspect/run/export``)."""
    rng = np.random.default_rng(2024)
    weights = trained_weights(rng)
    return quantized(weights, calibration_digits(rng), td.int8)


def main() -> dict[str, float]:
    rng = np.random.default_rng(2024)
    weights = trained_weights(rng)
    calibration = calibration_digits(rng)
    nets = {"float32": lenet(weights), "int8": quantized(weights, calibration, td.int8),
            "fp8": quantized(weights, calibration, td.fp8)}

    print("The MNIST LeNet with INT8 Q/DQ pairs placed by td.quantization.insert_qdq:\n")
    print(nets["int8"].format(locations=False))
    print(f"\ntd.quantization.check on it: {td.quantization.check(nets['int8'])}")
    print("\ntd.quantization.check on a naive placement (only the image quantized):\n")
    for finding in td.quantization.check(naive(weights)):
        print(f"  {finding.severity}[{finding.rule}] {finding.node}: {finding.message}")

    labels = rng.permutation(np.tile(np.arange(10), 50))
    images = render(labels, rng)
    prob = {name: run_batched(net, images, "prob") for name, net in nets.items()}
    predicted = {name: p.argmax(axis=1) for name, p in prob.items()}
    accuracy = {name: float((p == labels).mean()) for name, p in predicted.items()}

    print(f"\nOn {len(labels)} fresh noisy digits (the same for all three):\n")
    print(f"  {'network':<9}{'accuracy':>10}{'agrees with float':>20}{'max |prob - float|':>21}")
    for name in nets:
        agree = float((predicted[name] == predicted["float32"]).mean())
        error = float(np.abs(prob[name] - prob["float32"]).max())
        print(f"  {name:<9}{accuracy[name]:>10.1%}{agree:>20.1%}{error:>21.4f}")
    print()
    for name in ("int8", "fp8"):
        change = accuracy[name] - accuracy["float32"]
        print(f"{name}: accuracy {accuracy[name]:.1%}, {change * 100:+.1f} points against float32")
    return accuracy


if __name__ == "__main__":
    main()
