"""Lesson 10's exercise: the RNN of lesson 5 exported to ONNX, run by onnxruntime; a Gemm + Softmax model
written with onnx.helper, imported as TensorRT's parser reads it."""

import numpy as np
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

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

w = rng.normal(size=(5, 4)).astype(np.float32)     # Gemm's transB=1: w is (out, in), as PyTorch stores it
b = rng.normal(size=5).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("Gemm", ["x", "w", "b"], ["logits"], transB=1, name="fc"),
     helper.make_node("Softmax", ["logits"], ["probs"], axis=-1, name="softmax")],
    "classifier",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
    [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 5])],
    [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
classifier = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])

imported = td.from_onnx(classifier)
print(imported)
x = rng.normal(size=(3, 4)).astype(np.float32)
got = imported.run({"x": x})["probs"]
by_onnxruntime = onnxruntime.InferenceSession(classifier.SerializeToString(),
                                              providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
logits = x.astype(np.float64) @ w.T + b
want = np.exp(logits - logits.max(-1, keepdims=True))
want /= want.sum(-1, keepdims=True)
assert np.allclose(got, by_onnxruntime, atol=1e-6)
assert np.allclose(got, want, atol=1e-6)
print("the imported Gemm + Softmax matches onnxruntime and the NumPy formula")
