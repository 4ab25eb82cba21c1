"""Lesson 4's exercise: the mean over the last half of a dynamic sequence."""

import numpy as np

import trtdsl as td

net = td.Network("last_half_mean")
x = net.input("x", td.float32, ("batch", "seq", 4))
seq = x.shape[1]
tail = x[:, seq - seq // 2:]
net.output("y", td.mean(tail, axis=1))

rng = np.random.default_rng(4)
for length in (2, 5, 8):
    value = rng.normal(size=(3, length, 4)).astype(np.float32)
    got = net.run({"x": value})["y"]
    assert np.allclose(got, value[:, length - length // 2:].mean(axis=1), atol=1e-6), length
print("last-half means match NumPy")
