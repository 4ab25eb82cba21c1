"""Lesson 3's exercise: convolution, ReLU and max-pooling, against the same in NumPy."""

import numpy as np

import trtdsl as td

rng = np.random.default_rng(1)
kernel = rng.normal(size=(20, 1, 5, 5)).astype(np.float32)
bias = rng.normal(size=20).astype(np.float32)
images = rng.normal(size=(2, 1, 28, 28)).astype(np.float32)

net = td.Network("conv_relu_pool")
x = net.input("image", td.float32, ("batch", 1, 28, 28))
net.output("pooled", td.max_pool(td.relu(td.conv(x, kernel, bias)), 2))
got = net.run({"image": images})["pooled"]


def numpy_conv_relu_pool(image: np.ndarray) -> np.ndarray:
    windows = np.lib.stride_tricks.sliding_window_view(image[0], (5, 5))           # (24, 24, 5, 5)
    maps = np.einsum("ijkl,ckl->cij", windows, kernel[:, 0]) + bias[:, None, None]  # (20, 24, 24)
    return np.maximum(maps, 0).reshape(20, 12, 2, 12, 2).max(axis=(2, 4))


expected = np.stack([numpy_conv_relu_pool(image) for image in images])
assert got.shape == (2, 20, 12, 12)
assert np.allclose(got, expected, atol=1e-4)
print("conv + relu + max-pool match NumPy")
