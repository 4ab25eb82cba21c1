"""Lesson 7's exercise: a half-quantized matmul, reported by the placement check, computed exactly."""

import numpy as np

import trtdsl as td

rng = np.random.default_rng(7)
w1 = rng.normal(size=(8, 16)).astype(np.float32)
w2 = rng.normal(size=(16, 4)).astype(np.float32)
batches = [rng.normal(size=(32, 8)).astype(np.float32) for _ in range(8)]
scale = np.float32(max(np.abs(b).max() for b in batches) / 127)

net = td.Network("input_only")
x = net.input("x", td.float32, ("batch", 8))
net.output("y", td.relu(td.fake_quant(x, scale) @ w1) @ w2)
report = td.quantization.check(net)
print(report)
assert report.rules(), "expected a finding: the weights of the matmul are not quantized"

test = rng.normal(size=(64, 8)).astype(np.float32)
quantized_input = (np.clip(np.rint(test / scale), -128, 127) * scale).astype(np.float32)
expected = np.maximum(quantized_input @ w1, 0) @ w2
assert np.allclose(net.run({"x": test})["y"], expected, atol=1e-4)
print("the half-quantized network computes what NumPy does")
