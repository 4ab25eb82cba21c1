"""Lesson 10's exercise: the RNN of lesson 5 exported to ONNX, run by onnxruntime."""

import numpy as np

import trtdsl as td
from trtdsl.testing import assert_networks_close

rng = np.random.default_rng(10)
w_x = (rng.normal(size=(3, 6)) * 0.5).astype(np.float32)
w_h = (rng.normal(size=(6, 6)) * 0.5).astype(np.float32)

net = td.Network("elman_rnn")
xs = net.input("xs", td.float32, ("T", 3))
_, hs = td.scan(lambda h, x: (td.tanh(x @ w_x + h @ w_h),) * 2, np.zeros(6, np.float32), xs)
net.output("hs", hs)

model = net.to_onnx()
assert "Loop" in [node.op_type for node in model.graph.node]
for steps in (1, 4, 9):
    feeds = {"xs": rng.normal(size=(steps, 3)).astype(np.float32)}
    assert_networks_close(net, feeds, backends=("reference", "onnxruntime"), atol=1e-5)
print("onnxruntime and the reference agree on the exported loop")
