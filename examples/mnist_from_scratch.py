"""TensorRT's "network from scratch" MNIST sample, written with trtdsl and run on the NumPy reference.

The network is the sample's LeNet:

    image (N, 1, 28, 28) -> conv 5x5, 20 maps -> max-pool 2 -> conv 5x5, 50 maps -> max-pool 2
        -> flatten (N, 800) -> dense 500 -> relu -> dense 10 -> softmax

No data set is downloaded and nothing is trained by gradient descent. Digits are drawn from a small
built-in 5x7 bitmap font, scaled up and moved around, with noise. The convolutions and the first dense
layer keep random (seeded) weights; the last dense layer is fitted in closed form (ridge regression) on
the 500 hidden features that the network itself computes for a training set. The network then
classifies fresh noisy digits it has never seen. Everything is seeded, so every run prints the same.

Run it:  python examples/mnist_from_scratch.py
"""

from __future__ import annotations

import numpy as np

import trtdsl as td

# A 5x7 bitmap font: one string of 7 rows of 5 pixels per digit.
FONT = {
    0: "01110 10001 10011 10101 11001 10001 01110",
    1: "00100 01100 00100 00100 00100 00100 01110",
    2: "01110 10001 00001 00010 00100 01000 11111",
    3: "11111 00010 00100 00010 00001 10001 01110",
    4: "00010 00110 01010 10010 11111 00010 00010",
    5: "11111 10000 11110 00001 00001 10001 01110",
    6: "00110 01000 10000 11110 10001 10001 01110",
    7: "11111 00001 00010 00100 01000 01000 01000",
    8: "01110 10001 10001 01110 10001 10001 01110",
    9: "01110 10001 10001 01111 00001 00010 01100",
}
GLYPHS = {digit: np.array([[c == "1" for c in row] for row in rows.split()], np.float32)
          for digit, rows in FONT.items()}
SCALE = 3          # a glyph becomes 15 x 21 pixels
MAX_SHIFT = 3      # pixels, in each direction
NOISE = 0.3        # standard deviation of the added Gaussian noise


def render(digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """28x28 float32 images (N, 1, 28, 28) of ``digits``: scaled glyphs, randomly shifted, plus noise."""
    images = np.zeros((len(digits), 1, 28, 28), np.float32)
    for i, d in enumerate(digits):
        glyph = np.kron(GLYPHS[int(d)], np.ones((SCALE, SCALE), np.float32))
        top = (28 - glyph.shape[0]) // 2 + rng.integers(-MAX_SHIFT, MAX_SHIFT + 1)
        left = (28 - glyph.shape[1]) // 2 + rng.integers(-MAX_SHIFT, MAX_SHIFT + 1)
        images[i, 0, top:top + glyph.shape[0], left:left + glyph.shape[1]] = glyph
    return images + rng.normal(0, NOISE, images.shape).astype(np.float32)


def random_weights(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The sample's layer shapes, with He-scaled random values."""
    def he(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    return {
        "conv1": he((20, 1, 5, 5), 25), "conv1_bias": np.zeros(20, np.float32),
        "conv2": he((50, 20, 5, 5), 500), "conv2_bias": np.zeros(50, np.float32),
        "dense1": he((800, 500), 800), "dense1_bias": np.zeros(500, np.float32),
    }


def hidden_features(image: td.Tensor, w: dict[str, np.ndarray]) -> td.Tensor:
    """Everything up to the first dense layer's relu: (N, 500) features."""
    h = td.conv(image, w["conv1"], w["conv1_bias"], name="conv1")          # (N, 20, 24, 24)
    h = td.max_pool(h, 2, name="pool1")                                     # (N, 20, 12, 12)
    h = td.conv(h, w["conv2"], w["conv2_bias"], name="conv2")              # (N, 50, 8, 8)
    h = td.max_pool(h, 2, name="pool2")                                     # (N, 50, 4, 4)
    h = h.reshape(h.shape[0], 800)                                          # (N, 800)
    return td.relu(h @ w["dense1"] + w["dense1_bias"], name="relu1")       # (N, 500)


def lenet(w: dict[str, np.ndarray]) -> td.Network:
    """The whole network, with the fitted last layer."""
    net = td.Network("mnist")
    image = net.input("image", td.float32, ("batch", 1, 28, 28))
    logits = hidden_features(image, w) @ w["dense2"] + w["dense2_bias"]    # (N, 10)
    net.output("prob", td.softmax(logits, axis=1))
    return net


def run_batched(net: td.Network, images: np.ndarray, output: str, batch: int = 250) -> np.ndarray:
    """Run the reference in batches (the batch dim is dynamic) to keep memory small."""
    starts = range(0, len(images), batch)
    return np.concatenate([net.run({"image": images[i:i + batch]})[output] for i in starts])


def fit_last_layer(features: np.ndarray, labels: np.ndarray, ridge: float = 1.0,
                   margin: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """Ridge regression on [features, 1] of logits that are ``margin`` for the right digit and 0 for the
    others (so the softmax of a clear answer is close to 1): the dense2 weights (500, 10) and bias (10,)."""
    x = np.hstack([features, np.ones((len(features), 1), np.float32)]).astype(np.float64)
    targets = margin * np.eye(10)[labels]
    solution = np.linalg.solve(x.T @ x + ridge * np.eye(x.shape[1]), x.T @ targets)
    return solution[:-1].astype(np.float32), solution[-1].astype(np.float32)


def ascii_art(image: np.ndarray) -> list[str]:
    """A 28x28 image as 14 lines of 14 characters (2x2 pixels each)."""
    small = image.reshape(14, 2, 14, 2).mean(axis=(1, 3))
    return ["".join(" .:#"[int(np.clip(v * 4, 0, 3))] for v in row) for row in small]


def trained_lenet(rng: np.random.Generator, per_digit: int = 150) -> td.Network:
    """The LeNet with random convolutions and first dense layer, and the last layer fitted on the hidden
    features that the network itself computes for ``per_digit`` rendered images of each digit."""
    weights = random_weights(rng)
    trunk = td.Network("mnist_features")
    trunk.output("features", hidden_features(trunk.input("image", td.float32, ("batch", 1, 28, 28)), weights))
    labels = np.tile(np.arange(10), per_digit)
    features = run_batched(trunk, render(labels, rng), "features")
    weights["dense2"], weights["dense2_bias"] = fit_last_layer(features, labels)
    return lenet(weights)


def build_network() -> td.Network:
    """The trained network of this example, for the command line (``trtdsl inspect/run/export``)."""
    return trained_lenet(np.random.default_rng(2024))


def main() -> float:
    rng = np.random.default_rng(2024)
    net = trained_lenet(rng)
    print("TensorRT's MNIST \"network from scratch\", built with trtdsl and run on its NumPy reference:\n")
    print(net)

    # 3. Fresh noisy digits, never seen while fitting.
    test_labels = rng.permutation(np.tile(np.arange(10), 50))
    test_images = render(test_labels, rng)
    prob = run_batched(net, test_images, "prob")
    predicted = prob.argmax(axis=1)

    shown = 6
    print(f"\nThe first {shown} test images, and what the network says:\n")
    arts = [ascii_art(test_images[i, 0]) for i in range(shown)]
    for row in zip(*arts):
        print("   ".join(row))
    print("   ".join(f"digit {test_labels[i]}".ljust(14) for i in range(shown)))
    print("   ".join(f"says {predicted[i]} ({prob[i, predicted[i]]:.0%})".ljust(14) for i in range(shown)))

    accuracy = float((predicted == test_labels).mean())
    print(f"\nAccuracy on {len(test_labels)} fresh noisy digits: {accuracy:.1%}")
    print("(conv and first dense weights random; last layer fitted by ridge regression on 1500 rendered "
          "digits)")
    return accuracy


if __name__ == "__main__":
    main()
