"""Import an ONNX model, quantize it to INT8 with the DSL, check it, and export it again.

The model is a small CNN written with onnx.helper (as exporters write one: Conv, BatchNormalization,
Relu, MaxPool, GlobalAveragePool, Flatten, Gemm), saved to a file. td.from_onnx reads it as TensorRT's
ONNX parser does -- BatchNormalization folded into a Scale layer, each layer located at its ONNX node --
and the network is then edited like any trtdsl network:

1. td.quantization.insert_qdq puts INT8 Q/DQ pairs in front of the convolution and the matrix multiply,
   with activation scales calibrated on random images;
2. td.quantization.check confirms that TensorRT can fuse the placement;
3. trtdsl.testing compares the quantized network on the reference and on onnxruntime (its export), and
   the float network against the original model run by onnxruntime;
4. the quantized network is exported to ONNX again, with its QuantizeLinear/DequantizeLinear nodes.

Run it:  python examples/onnx_import_quantize.py
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

import trtdsl as td
from trtdsl.testing import compare, random_inputs


def cnn_model(rng: np.random.Generator) -> onnx.ModelProto:
    """A 3x16x16 -> 10 classifier as an ONNX model."""

    def init(name: str, values: np.ndarray) -> onnx.TensorProto:
        return numpy_helper.from_array(values.astype(np.float32), name)

    inits = [
        init("w1", rng.standard_normal((8, 3, 3, 3)) * 0.3), init("b1", rng.standard_normal(8) * 0.1),
        init("gamma", rng.uniform(0.5, 1.5, 8)), init("beta", rng.standard_normal(8) * 0.1),
        init("mean", rng.standard_normal(8) * 0.1), init("var", rng.uniform(0.5, 1.5, 8)),
        init("w2", rng.standard_normal((10, 8)) * 0.3), init("b2", rng.standard_normal(10) * 0.1),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "w1", "b1"], ["conv"], pads=[1, 1, 1, 1], name="conv1"),
        helper.make_node("BatchNormalization", ["conv", "gamma", "beta", "mean", "var"], ["bn"], name="bn1"),
        helper.make_node("Relu", ["bn"], ["act"], name="relu1"),
        helper.make_node("MaxPool", ["act"], ["pool"], kernel_shape=[2, 2], strides=[2, 2], name="pool1"),
        helper.make_node("GlobalAveragePool", ["pool"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "w2", "b2"], ["logits"], transB=1, name="fc"),
    ]
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, 16, 16])
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])
    graph = helper.make_graph(nodes, "small_cnn", [image], [logits], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def calibration_batches(rng: np.random.Generator) -> list[dict[str, np.ndarray]]:
    return [{"image": rng.standard_normal((8, 3, 16, 16)).astype(np.float32)} for _ in range(4)]


def build_network() -> td.Network:
    """The imported network with its INT8 Q/DQ pairs, for the command line (``trtdsl inspect/run``)."""
    rng = np.random.default_rng(0)
    net = td.from_onnx(cnn_model(rng))
    td.quantization.insert_qdq(net, calibration_batches(rng))
    return net


def main() -> None:
    rng = np.random.default_rng(0)
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "small_cnn.onnx")
    onnx.save(cnn_model(rng), path)

    net = td.from_onnx(path)
    print(f"Imported {os.path.basename(path)} as TensorRT's parser reads it:\n")
    print(net)

    images = {"image": rng.standard_normal((4, 3, 16, 16)).astype(np.float32)}
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    original = session.run(["logits"], images)[0]
    imported = net.run(images)["logits"]
    print(f"\nimported network vs the original model on onnxruntime: max |difference| "
          f"{np.max(np.abs(imported - original)):.2e}")

    quantized = td.quantization.insert_qdq(net, calibration_batches(rng))
    print(f"\nQ/DQ pairs in front of {', '.join(node.name for node in quantized)}")
    print(f"td.quantization.check: {td.quantization.check(net)}")

    report = compare(net, [random_inputs(net, dims={"batch": 2}, seed=s) for s in range(3)],
                     backends=("reference", "onnxruntime"))
    print(f"trtdsl.testing, quantized network on the reference vs onnxruntime: "
          f"{'all outputs match' if report.ok else report}")
    drift = np.max(np.abs(net.run(images)["logits"] - original))
    print(f"INT8 logits vs float logits: max |difference| {drift:.3f}")

    exported = net.to_onnx(os.path.join(folder, "small_cnn_int8.onnx"))
    ops = sorted({node.op_type for node in exported.graph.node})
    print(f"\nexported again: {len(exported.graph.node)} ONNX nodes, including "
          f"{', '.join(op for op in ops if op.endswith('Linear'))}")


if __name__ == "__main__":
    main()
