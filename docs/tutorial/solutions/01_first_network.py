"""Lesson 1's exercise: a softmax layer, checked against NumPy."""

import numpy as np

import trtdsl as td

W = np.arange(12, dtype=np.float32).reshape(4, 3) / 10

net = td.Network("softmax_layer")
x = net.input("x", td.float32, ("batch", 4))
net.output("p", td.softmax(x @ W, axis=-1))

rows = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
z = rows @ W
expected = np.exp(z - z.max(1, keepdims=True))
expected /= expected.sum(1, keepdims=True)
assert np.allclose(net.run({"x": rows})["p"], expected, atol=1e-6)
print("softmax_layer matches NumPy")
