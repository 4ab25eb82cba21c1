"""The ONNX import (``td.from_onnx``, ``trtdsl import``): names, dims, locations, the model's forms
(proto, path, bytes, external data), bad models, custom domains as plugins, If and Loop as regions,
round trips through the export, and whole models against onnxruntime."""

from __future__ import annotations

import enum
import fnmatch
import io
import os
import subprocess
import sys

import attrs
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from support import expect_error
from backend_rows import onnx_rows

import trtdsl as td
from trtdsl.backends.onnx.importing import IMPORTERS
from trtdsl.ir.dims import Dim
from trtdsl.ir.region import Region
from trtdsl.ir.types import Weights
from trtdsl.testing import random_inputs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def model(nodes, inputs, outputs, initializers=(), opset=17, name="g"):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def small_cnn() -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), "b1")
    bn = [numpy_helper.from_array(a.astype(np.float32), n) for n, a in
          (("s", rng.uniform(0.5, 2, 8)), ("b", rng.standard_normal(8)), ("m", rng.standard_normal(8)),
           ("v", rng.uniform(0.5, 2, 8)))]
    w2 = numpy_helper.from_array(rng.standard_normal((10, 8)).astype(np.float32), "w2")
    b2 = numpy_helper.from_array(rng.standard_normal(10).astype(np.float32), "b2")
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c"], pads=[1, 1, 1, 1], name="conv"),
        helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["n"], epsilon=1e-3, name="bn"),
        helper.make_node("Relu", ["n"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2], name="pool"),
        helper.make_node("GlobalAveragePool", ["p"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", "w2", "b2"], ["logits"], transB=1, name="fc"),
        helper.make_node("Softmax", ["logits"], ["y"], axis=1, name="softmax"),
    ]
    return model(nodes, [f32("x", ["batch", 3, 16, 16])], [f32("y", ["batch", 10])], [w1, b1, *bn, w2, b2],
                 name="cnn")


def small_transformer() -> onnx.ModelProto:
    """One pre-norm self-attention block with a GELU feed-forward, as exporters write it."""
    rng = np.random.default_rng(1)
    d, heads = 16, 2

    def weight(name, *shape):
        return numpy_helper.from_array((rng.standard_normal(shape) * 0.3).astype(np.float32), name)

    def ints(name, values):
        return numpy_helper.from_array(np.array(values, np.int64), name)

    inits = [weight("ln_s", d), weight("ln_b", d), weight("wq", d, d), weight("wk", d, d), weight("wv", d, d),
             weight("wo", d, d), weight("w1", d, 4 * d), weight("w2", 4 * d, d),
             ints("split_heads", [0, 0, heads, d // heads]), ints("merge", [0, 0, d]),
             numpy_helper.from_array(np.array(1 / np.sqrt(d // heads), np.float32), "scale")]
    n = helper.make_node
    nodes = [
        n("LayerNormalization", ["x", "ln_s", "ln_b"], ["h"], axis=-1, epsilon=1e-5),
        n("MatMul", ["h", "wq"], ["q0"]), n("MatMul", ["h", "wk"], ["k0"]), n("MatMul", ["h", "wv"], ["v0"]),
        n("Reshape", ["q0", "split_heads"], ["q1"]), n("Transpose", ["q1"], ["q"], perm=[0, 2, 1, 3]),
        n("Reshape", ["k0", "split_heads"], ["k1"]), n("Transpose", ["k1"], ["kt"], perm=[0, 2, 3, 1]),
        n("Reshape", ["v0", "split_heads"], ["v1"]), n("Transpose", ["v1"], ["v"], perm=[0, 2, 1, 3]),
        n("MatMul", ["q", "kt"], ["s0"]), n("Mul", ["s0", "scale"], ["s1"]),
        n("Softmax", ["s1"], ["a"], axis=-1), n("MatMul", ["a", "v"], ["o0"]),
        n("Transpose", ["o0"], ["o1"], perm=[0, 2, 1, 3]), n("Reshape", ["o1", "merge"], ["o2"]),
        n("MatMul", ["o2", "wo"], ["o3"]), n("Add", ["x", "o3"], ["r1"]),
        n("MatMul", ["r1", "w1"], ["f0"]), n("Gelu", ["f0"], ["f1"]), n("MatMul", ["f1", "w2"], ["f2"]),
        n("Add", ["r1", "f2"], ["y"]),
    ]
    return model(nodes, [f32("x", ["batch", "seq", d])], [f32("y", ["batch", "seq", d])], inits, opset=20,
                 name="block")


def onnxruntime_outputs(m: onnx.ModelProto, feeds: dict) -> dict:
    import onnxruntime

    session = onnxruntime.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in m.graph.output]
    return dict(zip(names, session.run(names, feeds)))


# -- structure -------------------------------------------------------------------------------------------

def test_names_dims_constants_and_locations():
    m = model([helper.make_node("Relu", ["x"], ["r"], name="act"),
               helper.make_node("Add", ["r", "bias"], ["y"], name="plus")],
              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", None, 4])],
              [f32("y", ["batch", None, 4])], [numpy_helper.from_array(np.ones(4, np.float32), "bias")])
    net = td.from_onnx(m)
    x = net.inputs["x"]
    assert [str(d) for d in x.shape[:2]] == ["batch", "x_d1"] and x.shape[2] == 4
    assert list(net.outputs) == ["y"]
    assert any(t.name == "r" for n in net.nodes for t in n.outputs)  # ONNX value names are kept
    assert {str(n.location) for n in net.nodes} == {"<ModelProto>: node act (Relu)",
                                                     "<ModelProto>: node plus (Add)"}
    bias = [n for n in net.nodes if n.op.kind == "Constant"]
    assert [n.outputs[0].name for n in bias] == ["bias"]
    feeds = {"x": np.array([[[-1, 0, 1, 2]]], np.float32)}
    np.testing.assert_array_equal(net.run(feeds)["y"], np.maximum(feeds["x"], 0) + 1)


def test_layers_are_named_after_their_nodes_as_the_parser_names_them():
    """onnx-tensorrt names each layer after its node (``getNodeName``: ``node_of_OUTPUT`` for a node
    without a name) and makes a taken name unique with ``_N``, one counter for the import."""
    m = model([helper.make_node("Add", ["x", "bias"], ["s"], name="dup"),     # Unsqueeze + ElementWise
               helper.make_node("Relu", ["s"], ["r"]),                        # no name
               helper.make_node("Mod", ["i", "k"], ["q"], name="dup"),        # a second "dup"
               helper.make_node("Neg", ["r"], ["y"], name="bias")],           # the initializer's name
              [f32("x", [2, 3]), helper.make_tensor_value_info("i", TensorProto.INT32, [3]),
               helper.make_tensor_value_info("k", TensorProto.INT32, [3])],
              [f32("y", [2, 3]), helper.make_tensor_value_info("q", TensorProto.INT32, [3])],
              [numpy_helper.from_array(np.ones(3, np.float32), "bias")])
    net = td.from_onnx(m)
    by_node: dict = {}
    for n in net.nodes:
        by_node.setdefault(str(n.location), []).append(n)
    adds = by_node["<ModelProto>: node dup (Add)"]
    constant, = [n for n in adds if n.op.kind == "Constant"]
    assert constant.name == "bias" and constant.outputs[0].name == "bias"
    assert [n.op.kind for n in adds if n is not constant] == ["Unsqueeze", "ElementWise"]
    assert [n.name for n in adds if n is not constant] == ["dup_0", "dup"]  # the node's own layer first
    relu, = by_node["<ModelProto>: node node_of_r (Relu)"]
    assert relu.name == "node_of_r"
    mods = by_node["<ModelProto>: node dup (Mod)"]
    assert len(mods) > 1 and mods[0].name != "dup"
    assert sorted(n.name for n in mods) == [f"dup_{i}" for i in range(1, len(mods) + 1)]
    neg, = by_node["<ModelProto>: node bias (Neg)"]
    assert neg.name == f"bias_{len(mods) + 1}"
    names = [n.name for n in net.nodes]
    assert len(set(names)) == len(names) and all(n.user_named for n in net.nodes)
    feeds = {"x": np.array([[-2, 0, 1], [1, -5, 3]], np.float32), "i": np.array([-7, 7, 5], np.int32),
             "k": np.array([2, -2, 5], np.int32)}
    got = net.run(feeds)
    np.testing.assert_array_equal(got["y"], -np.maximum(feeds["x"] + 1, 0))
    np.testing.assert_array_equal(got["q"], np.mod(feeds["i"], feeds["k"]))


def test_layer_names_survive_an_export_and_a_python_layer_may_not_take_one():
    net = td.Network("named")
    x = net.input("x", td.float32, (2,))
    net.output("y", td.relu(x, name="act") * 2.0)
    again = td.from_onnx(net.to_onnx())
    assert "act" in [n.name for n in again.nodes]
    with pytest.raises(td.ArgumentError, match=r"a layer named 'act' already exists in network 'named' "
                       r"\(created at <ModelProto>: node act \("):
        td.relu(again.outputs["y"], name="act")


def test_path_bytes_and_external_data(tmp_path):
    path = tmp_path / "cnn.onnx"
    onnx.save(small_cnn(), path, save_as_external_data=True, all_tensors_to_one_file=True,
              location="weights.bin", size_threshold=0)
    assert (tmp_path / "weights.bin").stat().st_size > 0
    feeds = {"x": np.random.default_rng(2).standard_normal((2, 3, 16, 16)).astype(np.float32)}
    cnn = small_cnn()
    want = onnxruntime_outputs(cnn, feeds)["y"]
    from_path = td.from_onnx(str(path))
    assert str(from_path.nodes[0].location).startswith(f"{path}: node ")
    for net in (from_path, td.from_onnx(path), td.from_onnx(cnn.SerializeToString())):
        np.testing.assert_allclose(net.run(feeds)["y"], want, rtol=1e-4, atol=1e-5)


def test_bad_models_are_clear_errors(tmp_path):
    data = small_cnn().SerializeToString()
    truncated = tmp_path / "cut.onnx"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(td.BackendError, match=r"cut.onnx is not an ONNX model \(malformed or truncated\)"):
        td.from_onnx(str(truncated))
    with pytest.raises(td.BackendError, match="not an ONNX model"):
        td.from_onnx(b"\xff\xff\xff garbage")
    bad = model([helper.make_node("Relu", ["missing"], ["y"])], [f32("x", [2])], [f32("y", [2])])
    with pytest.raises(td.BackendError, match="fails onnx's checker"):
        td.from_onnx(bad)
    squeeze = model([helper.make_node("Squeeze", ["x"], ["y"])], [f32("x", ["B", 1, "H", 1])],
                    [f32("y", [None, None])], opset=18)
    with pytest.raises(td.BackendError, match=r"Squeeze without axes needs a static shape; the input is "
                       r"\(B, 1, H, 1\)$"):
        td.from_onnx(squeeze)
    with pytest.raises(td.BackendError, match=r"value 'missing' is read but nothing before defines it: no "
                       r"graph input, initializer or earlier node output has that name \(an initializer"):
        td.from_onnx(bad, check=False)
    missing = str(tmp_path / "none.onnx")
    expect_error(td.ArgumentError, f"from_onnx: argument 'model' is '{missing}'; expected a path to an "
                 "existing .onnx file", lambda: td.from_onnx(missing))


def test_nothing_is_half_imported_and_unread_attributes_are_refused():
    m = model([helper.make_node("Relu", ["x"], ["r"]),
               helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[2, 2], dilations=[2, 2], name="p")],
              [f32("x", [1, 1, 8, 8])], [f32("y", [1, 1, 6, 6])])
    with pytest.raises(td.BackendError, match=r"node p \(MaxPool\): dilations \[2, 2\]; TensorRT's pooling"):
        td.from_onnx(m)
    odd = model([helper.make_node("Relu", ["x"], ["y"], name="r", flavour=3)], [f32("x", [2])],
                [f32("y", [2])])
    with pytest.raises(td.BackendError, match=r"node r \(Relu\): attribute flavour is not supported"):
        td.from_onnx(odd, check=False)
    strings = model([helper.make_node("Identity", ["x"], ["y"])],
                    [helper.make_tensor_value_info("x", TensorProto.STRING, [2])],
                    [helper.make_tensor_value_info("y", TensorProto.STRING, [2])])
    with pytest.raises(td.BackendError, match="graph input 'x' has ONNX type STRING, which TensorRT has no"):
        td.from_onnx(strings)


def test_custom_domains_are_registered_plugins():
    @td.plugin("onnximport::scaled")
    class Scaled:
        factor: float = 1.0

        def shape(self, x):
            return x

        def reference(self, x):
            return x * np.float32(self.factor)

    node = helper.make_node("scaled", ["x"], ["y"], domain="trt.plugins", factor=3.0,
                            plugin_namespace="onnximport", plugin_version="1")
    m = helper.make_model(helper.make_graph([node], "p", [f32("x", [2])], [f32("y", [2])]),
                          opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("trt.plugins", 1)])
    net = td.from_onnx(m)
    np.testing.assert_array_equal(net.run({"x": np.array([1, 2], np.float32)})["y"], [3, 6])
    unknown = helper.make_node("nothing", ["x"], ["y"], domain="trt.plugins", name="n")
    m.graph.ClearField("node")
    m.graph.node.append(unknown)
    with pytest.raises(td.BackendError, match=r"node n \(nothing\): op trt.plugins::nothing is not an ONNX "
                                              "op and no trtdsl definition for plugin nothing"):
        td.from_onnx(m)


def test_if_and_loop_are_regions():
    then_graph = helper.make_graph([helper.make_node("Mul", ["x", "two"], ["t"])], "then", [],
                                   [f32("t", [3])], [numpy_helper.from_array(np.float32(2), "two")])
    else_graph = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [], [f32("e", [3])])
    body = helper.make_graph(
        [helper.make_node("Add", ["acc_in", "x"], ["acc_out"]),
         helper.make_node("Identity", ["c_in"], ["c_out"]),
         helper.make_node("Cast", ["i"], ["i_f"], to=TensorProto.FLOAT)],
        "body", [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                 helper.make_tensor_value_info("c_in", TensorProto.BOOL, []), f32("acc_in", [3])],
        [helper.make_tensor_value_info("c_out", TensorProto.BOOL, []), f32("acc_out", [3]), f32("i_f", [])])
    m = model([helper.make_node("If", ["flag"], ["chosen"], then_branch=then_graph, else_branch=else_graph),
               helper.make_node("Loop", ["n", "", "zeros"], ["total", "steps"], body=body)],
              [f32("x", [3]), helper.make_tensor_value_info("flag", TensorProto.BOOL, []),
               helper.make_tensor_value_info("n", TensorProto.INT64, [])],
              [f32("chosen", [3]), f32("total", [3]), f32("steps", ["k"])],
              [numpy_helper.from_array(np.zeros(3, np.float32), "zeros")])
    net = td.from_onnx(m)
    assert len(net.regions) == 2
    x = np.array([1, -2, 3], np.float32)
    for flag in (True, False):
        feeds = {"x": x, "flag": np.array(flag), "n": np.array(4, np.int64)}
        got = net.run(feeds)
        want = onnxruntime_outputs(m, feeds)
        for name in ("chosen", "total", "steps"):
            np.testing.assert_array_equal(got[name], want[name])


@pytest.mark.parametrize("op,gates", [("RNN", 1), ("GRU", 3), ("LSTM", 4)])
@pytest.mark.parametrize("direction", ["forward", "reverse", "bidirectional"])
def test_recurrent_layers_are_loops_matching_onnxruntime(op, gates, direction):
    rng = np.random.default_rng(1)
    d, h, i = 2 if direction == "bidirectional" else 1, 3, 2
    inits = [numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)
             for name, shape in (("W", (d, gates * h, i)), ("R", (d, gates * h, h)), ("B", (d, 2 * gates * h)))]
    outputs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
    m = model([helper.make_node(op, ["x", "W", "R", "B"], outputs, hidden_size=h, direction=direction)],
              [f32("x", [4, 2, i])], [f32(n, [4, d, 2, h] if n == "Y" else [d, 2, h]) for n in outputs],
              inits, opset=14)
    net = td.from_onnx(m)
    assert len(net.regions) == 1
    feeds = {"x": rng.standard_normal((4, 2, i)).astype(np.float32)}
    got, want = net.run(feeds), onnxruntime_outputs(m, feeds)
    for name in outputs:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op,gates", [("RNN", 1), ("GRU", 3)])
@pytest.mark.parametrize("direction", ["forward", "bidirectional"])
def test_batch_first_rnn_and_gru_are_transposed_around_the_loop(op, gates, direction):
    rng = np.random.default_rng(5)
    d, h, i, seq, batch = 2 if direction == "bidirectional" else 1, 3, 2, 4, 2
    inits = [numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)
             for name, shape in (("W", (d, gates * h, i)), ("R", (d, gates * h, h)), ("B", (d, 2 * gates * h)))]

    def rnn(layout: int) -> onnx.ModelProto:
        x, h0 = ([batch, seq, i], [batch, d, h]) if layout else ([seq, batch, i], [d, batch, h])
        y, y_h = ([batch, seq, d, h], [batch, d, h]) if layout else ([seq, d, batch, h], [d, batch, h])
        node = helper.make_node(op, ["x", "W", "R", "B", "", "h0"], ["Y", "Y_h"], hidden_size=h,
                                direction=direction, layout=layout)
        return model([node], [f32("x", x), f32("h0", h0)], [f32("Y", y), f32("Y_h", y_h)], inits, opset=14)

    x = rng.standard_normal((batch, seq, i)).astype(np.float32)
    h0 = rng.standard_normal((batch, d, h)).astype(np.float32)
    want = onnxruntime_outputs(rnn(0), {"x": x.transpose(1, 0, 2), "h0": h0.transpose(1, 0, 2)})
    got = td.from_onnx(rnn(1)).run({"x": x, "h0": h0})
    np.testing.assert_allclose(got["Y"], want["Y"].transpose(2, 0, 1, 3), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["Y_h"], want["Y_h"].transpose(1, 0, 2), rtol=1e-5, atol=1e-6)


def window_model(op: str, size: int, **attrs) -> onnx.ModelProto:
    out = helper.make_tensor_value_info("w", attrs.get("output_datatype", TensorProto.FLOAT), [size])
    return model([helper.make_node(op, ["size"], ["w"], name="win", **attrs)], [], [out],
                 [helper.make_tensor("size", TensorProto.INT64, [], [size])])


def test_windows_are_cosine_sums_of_a_fill():
    n = np.arange(7)
    hann = td.from_onnx(window_model("HannWindow", 7, periodic=0))
    np.testing.assert_allclose(hann.run({})["w"], np.hanning(7), atol=1e-6)
    assert {node.op.kind for node in hann.nodes} >= {"Fill", "Unary"}
    blackman = td.from_onnx(window_model("BlackmanWindow", 7, periodic=0)).run({})["w"]
    np.testing.assert_allclose(blackman, np.blackman(7), atol=1e-6)
    hamming = td.from_onnx(window_model("HammingWindow", 7, output_datatype=TensorProto.FLOAT16)).run({})["w"]
    assert hamming.dtype == np.float16
    np.testing.assert_allclose(hamming, 25 / 46 - 21 / 46 * np.cos(2 * np.pi * n / 7), atol=1e-3)
    with pytest.raises(td.BackendError, match=r"node win \(HannWindow\): output_datatype int32: expected a "
                                              "float type"):
        td.from_onnx(window_model("HannWindow", 4, output_datatype=TensorProto.INT32))
    with pytest.raises(td.BackendError, match=r"size 1: expected at least 2 for a symmetric window"):
        td.from_onnx(window_model("HannWindow", 1, periodic=0))


@pytest.mark.parametrize("elem", [TensorProto.INT64, TensorProto.FLOAT])
def test_one_hot_casts_indices_to_int32_and_wraps_negatives_once(elem):
    depth = 3
    m = model([helper.make_node("OneHot", ["i", "depth", "values"], ["y"], axis=-1)],
              [helper.make_tensor_value_info("i", elem, [8])], [f32("y", [8, depth])],
              [numpy_helper.from_array(np.array(depth, np.int64), "depth"),
               numpy_helper.from_array(np.array([-1.0, 5.0], np.float32), "values")])
    net = td.from_onnx(m)
    assert [n.op.kind for n in net.nodes if n.op.kind != "Constant"] == ["Cast", "OneHot"]
    i = np.array([0, 2, 3, -1, -3, -4, -6, 7])
    wrapped = np.where(i < 0, i + depth, i)  # ONNX: [-depth, depth) counts from the end, the rest is off
    want = np.where((wrapped[:, None] == np.arange(depth)) & (i[:, None] >= -depth), 5.0, -1.0)
    np.testing.assert_array_equal(net.run({"i": i.astype(net.inputs["i"].dtype.numpy)})["y"], want)


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_space_to_depth_modes(mode):
    m = model([helper.make_node("SpaceToDepth", ["x"], ["y"], blocksize=2, mode=mode)],
              [f32("x", [1, 3, 4, 6])], [f32("y", [1, 12, 2, 3])], opset=28)
    x = np.arange(72, dtype=np.float32).reshape(1, 3, 4, 6)
    blocks = x.reshape(1, 3, 2, 2, 3, 2)  # n, c, h', bh, w', bw
    order = (0, 3, 5, 1, 2, 4) if mode == "DCR" else (0, 1, 3, 5, 2, 4)
    want = blocks.transpose(order).reshape(1, 12, 2, 3)
    np.testing.assert_array_equal(td.from_onnx(m).run({"x": x})["y"], want)


@pytest.mark.parametrize("attrs", [{"output_padding": [1, 2], "strides": [2, 3]},
                                   {"output_shape": [7, 13], "strides": [2, 3]},
                                   {"output_padding": [1], "strides": [2]}])
def test_conv_transpose_appends_the_output_padding_the_layer_cannot_make(attrs):
    rng = np.random.default_rng(6)
    spatial = len(attrs["strides"])
    x_shape, w_shape = [2, 3, 3, 4][:2 + spatial], [3, 2, 2, 3][:2 + spatial]
    inits = [numpy_helper.from_array(rng.standard_normal(w_shape).astype(np.float32), "w"),
             numpy_helper.from_array(rng.standard_normal(2).astype(np.float32), "b")]
    node = helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], name="up", **attrs)
    m = model([node], [f32("x", x_shape)], [f32("y", [None] * len(x_shape))], inits)
    net = td.from_onnx(m)
    assert "Slice" in {n.op.kind for n in net.nodes}
    feeds = {"x": rng.standard_normal(x_shape).astype(np.float32)}
    np.testing.assert_allclose(net.run(feeds)["y"], onnxruntime_outputs(m, feeds)["y"], rtol=1e-5, atol=1e-5)


def test_scan_is_a_loop_with_directions_and_axes():
    body = helper.make_graph(
        [helper.make_node("Add", ["s_in", "x_t"], ["s_out"]), helper.make_node("Identity", ["s_out"], ["y_t"])],
        "body", [f32("s_in", [3]), f32("x_t", [3])], [f32("s_out", [3]), f32("y_t", [3])])
    m = model([helper.make_node("Scan", ["init", "xs"], ["final", "ys"], body=body, num_scan_inputs=1,
                                scan_input_axes=[1], scan_input_directions=[1], scan_output_axes=[1])],
              [f32("init", [3]), f32("xs", [3, 5])], [f32("final", [3]), f32("ys", [3, 5])], opset=16)
    xs = np.arange(15, dtype=np.float32).reshape(3, 5)
    got = td.from_onnx(m).run({"init": np.zeros(3, np.float32), "xs": xs})
    np.testing.assert_array_equal(got["ys"], np.cumsum(xs[:, ::-1], axis=1))
    np.testing.assert_array_equal(got["final"], xs.sum(axis=1))


@pytest.mark.parametrize("mask_dtype", [None, TensorProto.BOOL, TensorProto.FLOAT])
def test_attention_is_the_attention_layer_where_it_fits(mask_dtype):
    rng = np.random.default_rng(4)
    b, sq, skv, nq, nkv, h = 2, 3, 5, 4, 2, 8
    inputs = ["q", "k", "v"] + (["m"] if mask_dtype is not None else [])
    infos = [f32("q", [b, sq, nq * h]), f32("k", [b, skv, nkv * h]), f32("v", [b, skv, nkv * h])]
    if mask_dtype is not None:
        infos.append(helper.make_tensor_value_info("m", mask_dtype, [sq, skv]))
    node = helper.make_node("Attention", inputs, ["y"], q_num_heads=nq, kv_num_heads=nkv, name="attn",
                            is_causal=int(mask_dtype is None))
    m = model([node], infos, [f32("y", [b, sq, nq * h])], opset=23)
    net = td.from_onnx(m)
    fused, = [n for n in net.nodes if n.op.kind == "Attention"]
    assert fused.name.startswith("attn_") and fused.op.causal.name == ("UPPER_LEFT" if mask_dtype is None else "NONE")
    feeds = {"q": rng.standard_normal((b, sq, nq * h)).astype(np.float32),
             "k": rng.standard_normal((b, skv, nkv * h)).astype(np.float32),
             "v": rng.standard_normal((b, skv, nkv * h)).astype(np.float32)}
    if mask_dtype == TensorProto.BOOL:
        feeds["m"] = rng.random((sq, skv)) < 0.7
        feeds["m"][:, 0] = True
    elif mask_dtype == TensorProto.FLOAT:
        feeds["m"] = rng.standard_normal((sq, skv)).astype(np.float32)
    # ONNX Attention written in NumPy: heads split, scale 1/sqrt(h), kv heads shared by nq // nkv queries
    q = feeds["q"].reshape(b, sq, nq, h).transpose(0, 2, 1, 3)
    k, v = (feeds[n].reshape(b, skv, nkv, h).transpose(0, 2, 1, 3).repeat(nq // nkv, axis=1) for n in "kv")
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(h)
    if mask_dtype is None:
        scores = np.where(np.tril(np.ones((sq, skv), bool)), scores, -np.inf)
    elif mask_dtype == TensorProto.BOOL:
        scores = np.where(feeds["m"], scores, -np.inf)
    else:
        scores = scores + feeds["m"]
    p = np.exp(scores - scores.max(-1, keepdims=True))
    want = (p / p.sum(-1, keepdims=True) @ v).transpose(0, 2, 1, 3).reshape(b, sq, nq * h)
    np.testing.assert_allclose(net.run(feeds)["y"], want, rtol=1e-5, atol=1e-5)


def test_attention_with_a_softcap_is_written_out():
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], softcap=2.0)
    m = model([node], [f32(n, [1, 2, 3, 4]) for n in "qkv"], [f32("y", [1, 2, 3, 4])], opset=23)
    kinds = {n.op.kind for n in td.from_onnx(m).nodes}
    assert "Attention" not in kinds and {"MatrixMultiply", "SoftMax"} <= kinds


@pytest.mark.parametrize("kv_heads", ["h", 1])
def test_attention_of_a_dynamic_head_count_is_written_out(kv_heads):
    """As many key/value heads as query heads, however many (or static counts, one a multiple of the
    other): the matrix products and softmax, compared with onnxruntime."""
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"])
    m = model([node], [f32("q", [1, "h", 3, 4])] + [f32(n, [1, kv_heads, 5, 4]) for n in "kv"],
              [f32("y", [1, "h", 3, 4])], opset=23)
    if kv_heads == 1:
        with pytest.raises(td.BackendError, match="expected as many, or static counts"):
            td.from_onnx(m)
        return
    rng = np.random.default_rng(0)
    feeds = {n: rng.standard_normal((1, 2, 3 if n == "q" else 5, 4)).astype(np.float32) for n in "qkv"}
    np.testing.assert_allclose(td.from_onnx(m).run(feeds)["y"], onnxruntime_outputs(m, feeds)["y"],
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("nonpad", [False, True])
def test_causal_attention_of_dynamic_lengths_makes_its_mask_when_the_network_runs(nonpad):
    """The causal mask, and the padding mask of nonpad_kv_seqlen (opset 24), of query and key lengths
    known only when the network runs."""
    inputs = ["q", "k", "v"] + (["", "", "", "nonpad"] if nonpad else [])
    node = helper.make_node("Attention", inputs, ["y"], is_causal=1)
    m = model([node], [f32("q", [2, "h", "s", 4])] + [f32(n, [2, "h", "t", 4]) for n in "kv"]
              + ([helper.make_tensor_value_info("nonpad", TensorProto.INT64, [2])] if nonpad else []),
              [f32("y", [2, "h", "s", 4])], opset=24 if nonpad else 23)
    net = td.from_onnx(m)
    assert "Fill" in {n.op.kind for n in net.nodes}  # the positions, as td.arange of the lengths
    rng = np.random.default_rng(2)
    for s, t in [(3, 5), (4, 4), (5, 2)]:
        feeds = {n: rng.standard_normal((2, 2, s if n == "q" else t, 4)).astype(np.float32) for n in "qkv"}
        if nonpad:
            feeds["nonpad"] = np.array([t, t - 1], np.int64)
        np.testing.assert_allclose(net.run(feeds)["y"], onnxruntime_outputs(m, feeds)["y"],
                                   rtol=1e-5, atol=1e-6)


def test_upsample_attribute_scales_and_refusals_name_the_node():
    m = model([helper.make_node("Upsample", ["x"], ["y"], scales=[1.0, 2.0, 3.0], name="up")],
              [f32("x", [1, 2, 2])], [f32("y", [1, 4, 6])], opset=7)
    x = np.arange(4, dtype=np.float32).reshape(1, 2, 2)
    y = td.from_onnx(m).run({"x": x})["y"]
    np.testing.assert_array_equal(y, x.repeat(2, axis=1).repeat(3, axis=2))
    lstm = model([helper.make_node("LSTM", ["x", "W", "R", "", "lens"], ["", "Y_h"], hidden_size=1, name="rnn")],
                 [f32("x", [3, 2, 1]), f32("W", [1, 4, 1]), f32("R", [1, 4, 1]),
                  helper.make_tensor_value_info("lens", TensorProto.INT32, [2])], [f32("Y_h", [1, 2, 1])])
    with pytest.raises(td.BackendError, match=r"node rnn \(LSTM\): sequence_lens \[3 1\] differ from the "
                       "sequence length 3; masking"):
        td.from_onnx(lstm, freeze={"lens": np.array([3, 1], np.int32)})
    nms = model([helper.make_node("NonMaxSuppression", ["b", "s"], ["i"], name="nms")],
                [f32("b", [1, 4, 4]), f32("s", [1, 2, 4])],
                [helper.make_tensor_value_info("i", TensorProto.INT64, [None, 3])], opset=11)
    with pytest.raises(td.BackendError, match=r"node nms \(NonMaxSuppression\): scores have 2 classes"):
        td.from_onnx(nms)


# -- dynamic dims: lengths, slices and pads computed when the network runs --------------------------------

INT64_MAX, INT64_MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min


def ints(name, values):
    return numpy_helper.from_array(np.asarray(values, np.int64), name)


def first_dim(into="n"):
    """Nodes writing ``into``, x's first dim as a 0-D int64 (as ``torch.arange(x.size(0))`` exports it)."""
    return [helper.make_node("Shape", ["x"], ["shape"]),
            helper.make_node("Gather", ["shape", "zero"], [into])]


def agrees_with_onnxruntime(m, feeds):
    got, want = td.from_onnx(m).run(feeds), onnxruntime_outputs(m, feeds)
    for name, expected in want.items():
        assert got[name].dtype == expected.dtype and got[name].shape == expected.shape, name
        np.testing.assert_array_equal(got[name], expected, err_msg=name)


@pytest.mark.parametrize("start, delta", [(0, 1), (-2, 3), (3, 2), (6, -1)])
def test_range_to_a_dynamic_dim_with_a_constant_delta(start, delta):
    """``torch.arange(x.size(0))`` and its kin: a dim expression where the length cannot be negative (a
    start at most 0, a positive delta), else a length computed as ``max(0, ceil((n - start) / delta))``."""
    m = model(first_dim() + [helper.make_node("Range", ["start", "n", "delta"], ["y"])],
              [f32("x", ["n", 4])], [helper.make_tensor_value_info("y", TensorProto.INT64, ["k"])],
              [ints("zero", 0), ints("start", start), ints("delta", delta)])
    length = td.from_onnx(m).outputs["y"].shape[0]
    if start <= 0:  # x's first dim itself, and ceil((n + 2) / 3)
        assert [length.evaluate({"n": n}) for n in (0, 1, 5)] == [-(-(n - start) // delta) for n in (0, 1, 5)]
    else:
        assert "n" not in length.symbols()  # a value computed when the network runs
    for n in (0, 1, 5):
        agrees_with_onnxruntime(m, {"x": np.zeros((n, 4), np.float32)})


def test_range_to_a_product_of_dims_keeps_its_dim_expression():
    """Range(0, 2 * n, 1): a length that cannot be negative, the dim expression n * 2, which other layers'
    dims match (a Fill of that shape added to a reshape of x)."""
    nodes = first_dim() + [helper.make_node("Mul", ["n", "two"], ["limit"]),
                           helper.make_node("Range", ["zero", "limit", "one"], ["r"]),
                           helper.make_node("Reshape", ["x", "flat"], ["f"]),
                           helper.make_node("Cast", ["r"], ["rf"], to=TensorProto.FLOAT),
                           helper.make_node("Add", ["f", "rf"], ["y"])]
    m = model(nodes, [f32("x", ["n", 2])], [f32("y", ["k"])],
              [ints("zero", 0), ints("two", 2), ints("one", 1), ints("flat", [-1])])
    for n in (1, 3):
        agrees_with_onnxruntime(m, {"x": np.ones((n, 2), np.float32)})


def test_range_to_a_dim_expression_that_may_be_negative_is_clamped_when_it_runs():
    """Range(0, n - 3, 1) is empty for n < 3, as in onnxruntime (a dim expression n - 3 would be negative)."""
    nodes = first_dim() + [helper.make_node("Sub", ["n", "three"], ["limit"]),
                           helper.make_node("Range", ["zero", "limit", "one"], ["y"])]
    m = model(nodes, [f32("x", ["n", 4])], [helper.make_tensor_value_info("y", TensorProto.INT64, ["k"])],
              [ints("zero", 0), ints("three", 3), ints("one", 1)])
    for n in (0, 2, 3, 6):
        agrees_with_onnxruntime(m, {"x": np.zeros((n, 4), np.float32)})


@pytest.mark.parametrize("start, limit, sign", [(0, 10, 1), (10, 0, -1), (-3, 4, 1)])
def test_range_with_a_delta_computed_at_run_time(start, limit, sign):
    """Range's delta x's first dim (times ``sign``): a Fill layer whose length, start and delta are computed
    when the network runs."""
    nodes = first_dim("n") + [helper.make_node("Mul", ["n", "sign"], ["delta"]),
                              helper.make_node("Range", ["start", "limit", "delta"], ["y"])]
    m = model(nodes, [f32("x", ["n", 4])], [helper.make_tensor_value_info("y", TensorProto.INT64, ["k"])],
              [ints("zero", 0), ints("sign", sign), ints("start", start), ints("limit", limit)])
    for n in (1, 3, 4):
        agrees_with_onnxruntime(m, {"x": np.zeros((n, 4), np.float32)})


# (start, end, step) on a dynamic axis: the first four keep dim expressions, the rest are clamped at run time
SLICES = [(0, INT64_MAX, 2), (1, -1, 1), (-1, INT64_MIN, -1), (5, INT64_MAX, 1), (0, 10, 1),
          (-2, INT64_MAX, 1), (2, -10, -1), (-10, 10, 3), (INT64_MAX, -3, -2), (3, 1, 1)]


@pytest.mark.parametrize("start, end, step", SLICES)
def test_slices_of_a_dynamic_axis_are_clamped_as_onnx_clamps(start, end, step):
    m = model([helper.make_node("Slice", ["x", "s", "e", "a", "st"], ["y"])], [f32("x", ["n", 4])],
              [f32("y", ["k", 4])],
              [ints("s", [start]), ints("e", [end]), ints("a", [0]), ints("st", [step])])
    kept = SLICES.index((start, end, step)) < 4
    length = td.from_onnx(m).outputs["y"].shape[0]
    assert ("n" in length.symbols()) == kept
    for n in (5, 7) if kept else (0, 1, 3, 7):
        agrees_with_onnxruntime(m, {"x": np.arange(n * 4, dtype=np.float32).reshape(n, 4)})


@pytest.mark.parametrize("start, end, step", [(-10, INT64_MIN, -1), (-10, 1, -2), (10, -10, -1), (1, 10, 2),
                                              (-2, -1, 1), (5, -5, -1), (INT64_MIN, INT64_MAX, 1)])
@pytest.mark.parametrize("shape", [[3, 2], ["n", 2]])
def test_slices_clamp_as_the_parser_and_onnxruntime_do(start, end, step, shape):
    """Backward from before the axis reads its first element (ONNX clamps a backward start to [0, d - 1],
    as the parser's decodeOnnxStartsAndEnds does), where Python's slices read nothing."""
    m = model([helper.make_node("Slice", ["x", "s", "e", "a", "st"], ["y"])], [f32("x", shape)],
              [f32("y", ["k", 2])],
              [ints("s", [start]), ints("e", [end]), ints("a", [0]), ints("st", [step])])
    agrees_with_onnxruntime(m, {"x": np.arange(6, dtype=np.float32).reshape(3, 2)})


def test_a_slice_keeping_a_dim_expression_needs_the_axis_long_enough():
    m = model([helper.make_node("Slice", ["x", "s", "e", "a"], ["y"])], [f32("x", ["n", 4])],
              [f32("y", ["k", 4])], [ints("s", [1]), ints("e", [-1]), ints("a", [0])])
    net = td.from_onnx(m)
    assert net.outputs["y"].shape[0].evaluate({"n": 5}) == 3
    with pytest.raises(td.ExecutionError, match="negative dim"):
        net.run({"x": np.zeros((1, 4), np.float32)})


def dynamic_pads(first, rest):
    """Nodes writing ``p``, pads whose first value is x's first dim minus ``first`` (computed when the
    network runs) and whose others are the initializer ``rest``."""
    return first_dim("n") + [helper.make_node("Sub", ["n", "first"], ["d"]),
                             helper.make_node("Unsqueeze", ["d", "axis"], ["d1"]),
                             helper.make_node("Concat", ["d1", "rest"], ["p"], axis=0)], \
        [ints("first", first), ints("rest", rest), ints("axis", [0])]


@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "wrap"])
@pytest.mark.parametrize("pads", [[1, 0, 2, 1], [0, -1, 1, 2], [1, 1, -1, 0]])
@pytest.mark.parametrize("known", [True, False], ids=["initializer", "computed"])
def test_pads_of_a_dynamic_axis_or_computed_at_run_time(mode, pads, known):
    """Pads as an initializer (padding the dynamic axis 0) or computed from x's first dim: one Slice layer
    whose start and size are computed when the network runs; negative pads crop first."""
    nodes, weights = ([], [ints("p", pads)]) if known else dynamic_pads(3 - pads[0], pads[1:])
    m = model(nodes + [helper.make_node("Pad", ["x", "p", "v"], ["y"], mode=mode)], [f32("x", ["n", 4])],
              [f32("y", ["a", "b"])], [numpy_helper.from_array(np.array(2.5, np.float32), "v"), *weights,
                                       ints("zero", 0)])
    net = td.from_onnx(m)
    assert net.outputs["y"].producer.op.kind == "Slice"
    agrees_with_onnxruntime(m, {"x": np.arange(12, dtype=np.float32).reshape(3, 4)})


def test_pads_computed_at_run_time_along_given_axes():
    nodes, weights = dynamic_pads(1, [-1])
    m = model(nodes + [helper.make_node("Pad", ["x", "p", "", "axes"], ["y"], mode="constant")],
              [f32("x", ["n", 4])], [f32("y", ["a", "b"])], [*weights, ints("zero", 0), ints("axes", [1])],
              opset=18)
    agrees_with_onnxruntime(m, {"x": np.ones((3, 4), np.float32)})


@pytest.mark.parametrize("op", ["ReduceSum", "ReduceMax", "ReduceL1", "ReduceL2", "ReduceSumSquare",
                                "ReduceLogSum", "ReduceLogSumExp"])
@pytest.mark.parametrize("noop", [0, 1])
def test_reductions_over_no_axes_keep_what_they_apply_before_and_after(op, noop):
    """With ``noop_with_empty_axes`` nothing is reduced, but ReduceSumSquare still squares, ReduceLogSum
    still takes the log, ..., as the parser's importers and onnxruntime do."""
    m = model([helper.make_node(op, ["x", "axes"], ["y"], noop_with_empty_axes=noop)], [f32("x", [2, 3])],
              [f32("y", ["a", "b"])], [ints("axes", np.zeros(0, np.int64))], opset=18)
    x = np.array([[2, -3, 0.5], [4, 1.5, -0.25]], np.float32)
    x = np.abs(x) if op == "ReduceLogSum" else x
    got, want = td.from_onnx(m).run({"x": x})["y"], onnxruntime_outputs(m, {"x": x})["y"]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("shape", [["n", 3], ["n", 3, 5], ["n", 3, 2, 5]])
def test_batch_normalization_of_every_rank(shape):
    """(N, C), (N, C, L) and (N, C, H, W) with constant statistics: a rank-3 input is made 4-D around the
    Scale layer, as the parser's scaleHelper does."""
    rng = np.random.default_rng(1)
    stats = [numpy_helper.from_array((rng.random(3) + 0.5).astype(np.float32), n) for n in "sbmv"]
    m = model([helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])], [f32("x", shape)],
              [f32("y", shape)], stats, opset=15)
    x = rng.standard_normal([2] + shape[1:]).astype(np.float32)
    np.testing.assert_allclose(td.from_onnx(m).run({"x": x})["y"], onnxruntime_outputs(m, {"x": x})["y"],
                               rtol=1e-6, atol=1e-6)


def test_a_dynamic_arange_slice_and_scan_round_trip():
    """What the export writes with Range, Gather and a Pad of a computed length (``x + arange(n)``,
    ``x[1:]``, x's dims read inside a conditional, a reversed scan) imports, with the dims of the network
    where it keeps them."""
    net = td.Network("dynamic")
    x = net.input("x", td.float32, ("n", 2))
    net.output("shifted", x + td.arange(x.shape[0], dtype=td.float32)[:, None])
    net.output("tail", x[1:] * 2.0)
    zeroed = td.cond(x.sum() > 0, lambda: x + td.zeros(x.shape), lambda: x * 3.0)  # its dims read in a branch
    net.output("zeroed", zeroed)
    total, running = td.scan(lambda c, row: (c + row, c + row), x[0] * 0.0, x, reverse=True)
    net.output("total", total)
    net.output("running", running)
    again = td.from_onnx(net.to_onnx())
    assert again.outputs["shifted"].shape == net.outputs["shifted"].shape
    for n in (1, 4):
        feeds = {"x": np.arange(2 * n, dtype=np.float32).reshape(n, 2)}
        want, got = net.run(feeds), again.run(feeds)
        for name in want:
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)


# -- round trips and whole models ------------------------------------------------------------------------

ROWS = [row for row in onnx_rows() if row.values is None]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_export_then_import_computes_the_same(row):
    """``from_onnx(net.to_onnx())`` computes what ``net`` computes, or refuses with a DSLError."""
    net = row.network()
    m = net.to_onnx(opset=row.opset)
    try:
        again = td.from_onnx(m)
    except td.DSLError as e:
        assert e.message.startswith("from_onnx: <ModelProto>: ") or "<ModelProto>: node" in e.message
        return
    feeds = random_inputs(net, dims=row.dims, seed=1)
    want, got = net.run(feeds), again.run(feeds)
    assert set(got) == set(want)
    for name in want:
        a, b = np.asarray(got[name]), np.asarray(want[name])
        assert a.dtype == b.dtype and a.shape == b.shape, name
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=1e-3, atol=1e-3,
                                   equal_nan=True, err_msg=name)


def canonical(net: td.Network, table: dict) -> tuple:
    """The structure of ``net`` without its names: each output as a number that ``table`` (shared by the
    networks compared) gives each distinct layer, by its op (kind and every parameter: constants' values,
    regions numbered as they are met) and what its inputs are, recursively; inputs by position. Layers
    are compared as the values they compute, so their order in ``net.nodes`` does not matter; a loop's
    back edge is the position of the layer it comes back to on the path from the output."""
    inputs = {id(t): i for i, t in enumerate(net.inputs.values())}
    regions: dict = {}
    done: dict = {}
    path: list = []

    def value(v):
        if isinstance(v, Weights):
            return ("weights", v.dtype.name, v.shape, v.array.tobytes())
        if isinstance(v, np.ndarray):
            return ("array", str(v.dtype), v.shape, v.tobytes())
        if isinstance(v, Region):
            return ("region", v.kind, regions.setdefault(v, len(regions)))
        if isinstance(v, Dim):
            return ("dim", str(v))
        if isinstance(v, enum.Enum):
            return v.name
        if isinstance(v, (tuple, list)):
            return tuple(value(x) for x in v)
        if isinstance(v, float):  # TensorRT's and ONNX's float parameters are float32
            return repr(np.float32(v))
        if attrs.has(type(v)):
            return (type(v).__name__, tuple((f.name, value(getattr(v, f.name))) for f in attrs.fields(type(v))))
        return v

    def tensor(t):
        if t is None:
            return None
        if id(t) in inputs:
            return ("input", inputs[id(t)])
        return (layer(t.producer), t.index)

    def layer(node):
        if id(node) in done:
            return done[id(node)]
        if any(n is node for n in path):
            return ("back", next(i for i, n in enumerate(path) if n is node))
        path.append(node)
        key = (value(node.op), tuple(tensor(t) for t in node.inputs))
        path.pop()
        done[id(node)] = table.setdefault(key, len(table))
        return done[id(node)]

    ins = tuple(str(t.type) for t in net.inputs.values())
    outs = tuple(tensor(t) for t in net.outputs.values())
    return ins, outs


# Outputs of export rows (``row id/output name`` patterns) whose export is a composition of ONNX ops (see
# docs/onnx.md, "Where TensorRT and ONNX differ"), which TensorRT's parser, and so the import, reads back
# as several layers; every other output comes back as the same layers.
COMPOSED = {
    "NaN handling written around the op (Where(IsNaN), NaN replaced by -inf/+inf)": [
        "activation-*/RELU-0-0", "activation-*/CLIP-*", "activation-*/HARD_SIGMOID-*",
        "elementwise-*float*/MAX", "elementwise-*float*/MIN", "reduce-MAX-*float*/*", "reduce-MIN-*float*/*",
        "unary-*float*/SIGN", "topk-nan-*/*", "pooling-*/max_*", "helpers-arg-extremes-nan-*/*",
        "topk-*float*/*", "topk-run-time-k/*"],
    "no ONNX op with TensorRT's parameters or definition: a formula of several ops": [
        "activation-*/SOFTPLUS-1.5-0.5", "activation-*/SCALED_TANH-*", "activation-*/GELU_*-0-0",
        "elementwise-*/FLOOR_DIV", "elementwise-int*/DIV", "elementwise-broadcast-int*/DIV",
        "elementwise-division-full-range-*/DIV", "reduce-AVG-*/*", "scale-*/*", "cumsum-*float*/*",
        "pooling-*/avg*", "pooling-*/average_*", "cast-saturating-*/int*", "cast-saturating-*/uint8",
        "cast-from-*float*/int*", "cast-from-*float*/uint8", "one-hot-*/*", "ragged-softmax-*/*",
        "moe-*/*", "reduce-SUM-int32/*", "convolution-*/*_explicit_round_up", "convolution-*/*_same_*",
        "helpers-neural-*/log_softmax", "helpers-neural-*/hard_swish", "helpers-neural-*/gelu_tanh",
        "helpers-neural-*/conv_bn", "attention-float32/plain",  # ONNX's Attention has no decomposable
        "attention-float32/lower_right", "attention-float32/unnormalized", "kv-cache-update-*/y"],
    "16-bit floats computed in float32 between Casts (the op's schema lacks the type, or the layer is "
    "several ops rounded once)": [
        "activation-float16/SOFTPLUS-1-1", "activation-SOFTPLUS-1-1-bfloat16/*", "activation-ELU-*-bfloat16/*",
        "activation-SELU-*-bfloat16/*", "activation-SOFTSIGN-*-bfloat16/*",
        "activation-THRESHOLDED_RELU-*-bfloat16/*", "unary-*-bfloat16/SIN", "unary-*-bfloat16/COS",
        "unary-*-bfloat16/ATAN", "unary-*-bfloat16/ASINH", "unary-*-bfloat16/ROUND", "unary-*16/ISINF",
        "prelu-*16/*", "einsum-*16-*/*", "grid-sample-*16/*", "rotary-embedding-*16/*",
        "unary-A*-in-domain-bfloat16/y0", "unary-TAN-in-domain-bfloat16/y0", "unary-*H-in-domain-bfloat16/y0",
        "reverse-sequence-bfloat16/*", "attention-*16/*"],
    "the parser builds other layers for the ONNX op": [
        "padding-*/*",                      # Pad is a Slice in FILL mode (and a Slice cropping first)
        "slice-WRAP-*/*", "slice-CLAMP-*/*", "slice-FILL-*/*", "slice-REFLECT-*/*",  # Gather at coordinates
        "slice-STRICT_BOUNDS-*/*stride(0,1)",
        "dynamic-shapes/strided",           # a WRAP slice reading inside the axis: an ONNX Slice, read back
                                            # in the default mode
        "dynamic-shapes/by_dims",           # Reshape to an input's values: their 0s (ONNX: copy the dim)
                                            # resolved by shape-tensor layers
        "shuffle-*/all_three",              # Transpose, Reshape, Transpose: one Shuffle each
        "cast-from-int32/int32", "cast-from-int64/int64", "cast-from-int8/int8", "cast-from-uint8/uint8",
        "cast-from-bool/bool", "cast-from-float32/float32", "cast-from-float16/float16",
        "cast-from-bfloat16/bfloat16",      # a Cast to the input's own type is an Identity
        "matmul-*/*TRANSPOSE*", "matmul-*/*VECTOR*", "helpers-neural-*/linear", "helpers-neural-*/heads",
        "helpers-neural-*/merged",          # MatMul: operations as Shuffle/Unsqueeze layers around it
        "einsum-*/implicit_spaces",         # the equation written explicitly
        "normalization-*/*",                # LayerNormalization's scale and bias reshaped to the input's rank
        "resize-*/scaled",                  # sizes computed from the scales when the network runs
        "resize-*/*_ALIGN_CORNERS_UPPER_*", "resize-*/*_ASYMMETRIC_UPPER_*",  # the selector, which ONNX
                                            # has no attribute for (only pytorch_half_pixel's UPPER)
        "reverse-sequence-*/last_axis",     # ReverseSequence takes axes 0 and 1: Transposes around it
        "reverse-sequence-float32/time_major", "reverse-sequence-int64/time_major",
        "reverse-sequence-bool/time_major",  # int32 lengths cast to int64
        "topk-int*/*_int32",                # ONNX TopK's int64 indices cast to int32
        "nonzero/int32",                    # ONNX NonZero's int64 indices cast to int32
        "scatter-*-int32/nd_rows", "scatter-*-int32/nd_elements",  # int32 indices cast to int64
        "attention-float32/bool_mask", "attention-float32/additive",  # the mask reshaped to four dims
        "conditionals/*", "loops/*"],       # If/Loop bodies as ONNX writes them: Identity outputs, Loop's
                                            # counter and condition as carried values
    "shapes and coordinates computed from dynamic dims (Shape, Gather, Range, Where, as the export writes "
    "TensorRT's clamping and wrapping), which the import reads back as those layers": [
        "helpers-arrays-*/rows", "helpers-arrays-*/tile", "helpers-arrays-*/repeat", "dynamic-shapes/tail",
        "helpers-arrays-*/flip", "helpers-arrays-*/last", "helpers-arrays-*/head", "helpers-arrays-*/argmax",
        "helpers-arrays-*/argmin", "helpers-arrays-*/zeros", "scatter-*/put"],
}


def test_export_then_import_is_the_same_ir_where_the_export_is_one_op():
    """``from_onnx(net.to_onnx())`` is ``net`` up to names (the structure of :func:`canonical`), output by
    output, except the outputs in :data:`COMPOSED`, which must differ (so that list cannot keep an entry
    that round-trips)."""
    same, composed, matched = [], [], set()
    for row in onnx_rows():
        net = row.network()
        try:
            again = td.from_onnx(net.to_onnx(opset=row.opset))
        except td.DSLError:
            continue  # refused with a clear error: test_export_then_import_computes_the_same
        table: dict = {}
        (ins, outs), (ins2, outs2) = canonical(net, table), canonical(again, table)
        assert ins == ins2 and list(net.outputs) == list(again.outputs), row.id
        for name, a, b in zip(net.outputs, outs, outs2):
            key = f"{row.id}/{name}"
            listed = [p for ps in COMPOSED.values() for p in ps if fnmatch.fnmatchcase(key, p)]
            matched.update(listed)
            if listed:
                assert a != b, f"{key} round-trips to the same layers; remove {listed} from COMPOSED"
                composed.append(key)
            else:
                assert a == b, f"{key}: the import differs from the network:\n{net.format()}\n{again.format()}"
                same.append(key)
    unused = [p for ps in COMPOSED.values() for p in ps if p not in matched]
    assert not unused, f"COMPOSED entries matching no exported output: {unused}"
    assert same and composed
    print(f"\nexport then import: {len(same)} outputs the same IR, {len(composed)} composed")


# The exported rows the import refuses (each id pattern with the words of its refusal): the parser has no
# RandomNormalLike; a batched Gather's export broadcasts the batch dims of data and indices by two Expands of
# one computed shape, dims the import cannot prove equal.
REFUSED = {
    "fill-random-normal-*": "op RandomNormalLike is not supported by the importer (TensorRT's parser) at any",
    "gather-*": "Gather[ND]: batch dim 0 is",
}


def test_exported_rows_import_but_the_known_refusals():
    refused, matched = [], set()
    for row in ROWS:
        try:
            m = row.network().to_onnx(opset=row.opset)
        except td.BackendError:
            continue
        try:
            td.from_onnx(m)
        except td.DSLError as e:
            known = [p for p, words in REFUSED.items()
                     if fnmatch.fnmatchcase(row.id, p) and words in e.message]
            matched.update(known)
            if not known:
                refused.append((row.id, e.message[:300]))
    assert not refused
    assert matched == set(REFUSED), f"REFUSED entries no row is refused for: {sorted(set(REFUSED) - matched)}"


@pytest.mark.parametrize("build", [small_cnn, small_transformer])
def test_whole_models_match_onnxruntime_and_export_again(build):
    m = build()
    net = td.from_onnx(m)
    rng = np.random.default_rng(3)
    shape = (2, 3, 16, 16) if build is small_cnn else (2, 5, 16)
    feeds = {"x": rng.standard_normal(shape).astype(np.float32)}
    want = onnxruntime_outputs(m, feeds)["y"]
    np.testing.assert_allclose(net.run(feeds)["y"], want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(onnxruntime_outputs(net.to_onnx(), feeds)["y"], want, rtol=1e-4, atol=1e-4)


def test_every_import_entry_reads_a_registered_opset_range():
    for (domain, op_type), entries in IMPORTERS.items():
        assert entries and all(e.until is None or e.since <= e.until for e in entries), op_type


# -- the command line ------------------------------------------------------------------------------------

def test_cli_prints_and_compares(tmp_path):
    path = tmp_path / "cnn.onnx"
    onnx.save(small_cnn(), path)
    env = dict(os.environ, PYTHONPATH=ROOT)
    shown = subprocess.run([sys.executable, "-m", "trtdsl", "import", str(path)], capture_output=True,
                           text=True, env=env, check=True).stdout
    assert shown.startswith('network "cnn" {\n  input %x : f32[batch,3,16,16]\n')
    assert "# cnn.onnx: node conv (Conv)" in shown
    compared = subprocess.run([sys.executable, "-m", "trtdsl", "import", str(path), "--compare", "reference",
                               "onnxruntime", "--dim", "batch=2"], capture_output=True, text=True, env=env)
    assert compared.returncode == 0, compared.stderr
    assert "all outputs match" in compared.stdout
    bad = subprocess.run([sys.executable, "-m", "trtdsl", "import", str(tmp_path / "none.onnx")],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "expected a path to an existing .onnx file" in bad.stderr


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_import_counts_the_nodes_it_reads_on_a_terminal_only(monkeypatch, terminal):
    net = td.Network("progress")
    y = net.input("x", td.float32, ("n", 3))
    for _ in range(4):
        y = td.relu(y) * 2.0
    net.output("y", y)
    model = net.to_onnx()
    nodes = len(model.graph.node)
    screen = Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", screen)
    imported = td.from_onnx(model)
    x = np.array([[-1.0, 0.5, 2.0]], np.float32)
    np.testing.assert_array_equal(imported.run({"x": x})["y"], np.maximum(x, 0) * 16)
    if terminal:
        assert screen.getvalue().startswith("\r\x1b[Kimport ")
        assert screen.getvalue().endswith(f" {nodes}/{nodes} nodes done\n")
    else:
        assert screen.getvalue() == ""


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_resize_of_dynamic_dims_by_whole_scales_keeps_dim_expressions(mode):
    """F.interpolate(scale_factor=2) with a dynamic batch: d * 2 is whole for every d, so the length ratio
    TensorRT maps coordinates with is ONNX's scale (the parser's setScales); 0.5 of a dynamic dim is not."""
    def resized(scales, dims):
        return model([helper.make_node("Resize", ["x", "", "s"], ["y"], mode=mode)], [f32("x", dims)],
                     [f32("y", [None] * 4)], [numpy_helper.from_array(np.array(scales, np.float32), "s")],
                     opset=18)

    m = resized([1, 1, 2, 3], ["N", 3, "H", "W"])
    net = td.from_onnx(m)
    assert str(net.outputs["y"].type) == "f32[N,3,H*2,W*3]"
    for shape in [(1, 3, 8, 8), (2, 3, 5, 7)]:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(net.run({"x": x})["y"], onnxruntime_outputs(m, {"x": x})["y"], atol=2e-6)
    with pytest.raises(td.BackendError, match=r"scale 0.5 of a dim of H: .* a dynamic one by a whole scale"):
        td.from_onnx(resized([1, 1, 0.5, 1], ["N", 3, "H", "W"]))


def test_layer_normalization_without_a_bias_adds_zeros_of_the_scales_shape():
    w = numpy_helper.from_array(np.array([1, 2, 3, 4], np.float32), "w")
    m = model([helper.make_node("LayerNormalization", ["x", "w"], ["y"], axis=-1)], [f32("x", ["N", 4])],
              [f32("y", ["N", 4])], [w], opset=18)
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(td.from_onnx(m).run({"x": x})["y"], onnxruntime_outputs(m, {"x": x})["y"],
                               atol=1e-6)


@pytest.mark.parametrize("parts", [2, 3])
def test_split_into_num_outputs_of_a_dynamic_axis(parts):
    """Parts of ceil(C / parts), the last what remains (opset 18), as dim expressions: the parser computes
    them with floorDiv on shape tensors."""
    m = model([helper.make_node("Split", ["x"], [f"y{i}" for i in range(parts)], axis=1, num_outputs=parts)],
              [f32("x", ["N", "C"])], [f32(f"y{i}", [None, None]) for i in range(parts)], opset=18)
    net = td.from_onnx(m)
    assert str(net.outputs["y0"].type) == f"f32[N,(C+{parts - 1})//{parts}]"
    for c in (6, 7, 8):
        agrees_with_onnxruntime(m, {"x": np.arange(2 * c, dtype=np.float32).reshape(2, c)})


def test_slice_to_a_dim_read_from_a_shape_keeps_the_dim():
    """GPT-2's bias[:T, :T]: ends from Shape(x) are the dim T, so the mask adds to scores of (B, T, T); a
    bound that may be negative (counted from the back in ONNX) is clamped when the network runs."""
    mask = numpy_helper.from_array(np.tril(np.ones((16, 16), np.float32)), "bias")
    nodes = [helper.make_node("Shape", ["x"], ["t"], start=1, end=2),
             helper.make_node("Concat", ["t", "t"], ["ends"], axis=0),
             helper.make_node("Slice", ["bias", "zeros", "ends", "axes"], ["m"]),
             helper.make_node("Add", ["scores", "m"], ["y"])]
    inputs = [f32("x", ["B", "T", 8]), f32("scores", ["B", "T", "T"])]
    m = model(nodes, inputs, [f32("y", ["B", "T", "T"])],
              [mask, ints("zeros", [0, 0]), ints("axes", [0, 1])], opset=18)
    net = td.from_onnx(m)
    assert str(net.outputs["y"].type) == "f32[B,T,T]"
    for t in (1, 5, 16):
        agrees_with_onnxruntime(m, {"x": np.ones((2, t, 8), np.float32),
                                    "scores": np.arange(2 * t * t, dtype=np.float32).reshape(2, t, t)})
    nodes[1:2] = [helper.make_node("Sub", ["t", "three"], ["ends1"]),
                  helper.make_node("Concat", ["ends1", "ends1"], ["ends"], axis=0)]
    shorter = model(nodes[:-1], inputs[:1], [f32("m", [None, None])],
                    [mask, ints("zeros", [0, 0]), ints("axes", [0, 1]), ints("three", [3])], opset=18)
    for t in (1, 2, 3, 5, 16):  # T - 3 < 0 counts from the back of the 16 rows, as ONNX counts it
        agrees_with_onnxruntime(shorter, {"x": np.ones((2, t, 8), np.float32)})


def test_topk_of_a_k_computed_when_the_network_runs():
    """mmdeploy's TopK rewrite, ``k = min(k, x.shape[axis])``: K computed from Shape is the layer's input
    1; a K given as a graph input too."""
    nodes = [helper.make_node("Shape", ["x"], ["s"], start=1, end=2),
             helper.make_node("Min", ["s", "five"], ["k"]),
             helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=1),
             helper.make_node("TopK", ["x", "k_in"], ["w", "j"], axis=1, largest=0)]
    m = model(nodes, [f32("x", ["B", "N"]), helper.make_tensor_value_info("k_in", TensorProto.INT64, [1])],
              [f32("v", [None, None]), helper.make_tensor_value_info("i", TensorProto.INT64, [None, None]),
               f32("w", [None, None]), helper.make_tensor_value_info("j", TensorProto.INT64, [None, None])],
              [ints("five", [5])])
    net = td.from_onnx(m)
    assert [str(net.outputs[name].type) for name in "vw"] == ["f32[B,%k[0]]", "f32[B,%k_in[0]]"]
    assert net.shape_inputs == {"k_in"}  # TensorRT's k input is a shape tensor
    rng = np.random.default_rng(0)
    for n in (2, 5, 9):
        agrees_with_onnxruntime(m, {"x": rng.standard_normal((3, n)).astype(np.float32),
                                    "k_in": np.array([min(n, 2)], np.int64)})


def _stopping_loop(count: str) -> onnx.ModelProto:
    """``a += 1`` while ``a < lim``, at most ``M`` times, scanning each ``a``."""
    vi = helper.make_tensor_value_info
    body = helper.make_graph(
        [helper.make_node("Add", ["a_in", "one"], ["a_out"]),
         helper.make_node("Less", ["a_out", "lim"], ["c_out"]),
         helper.make_node("Identity", ["a_out"], ["y"])], "body",
        [vi("i", TensorProto.INT64, []), vi("c_in", TensorProto.BOOL, []), f32("a_in", [])],
        [vi("c_out", TensorProto.BOOL, []), f32("a_out", []), f32("y", [])])
    return model([helper.make_node("Loop", [count, "c0", "a0"], ["af", "ys"], body=body)],
                 [vi("M", TensorProto.INT64, []), vi("c0", TensorProto.BOOL, []), f32("a0", []),
                  f32("lim", [])],
                 [f32("af", []), f32("ys", ["n"])], [numpy_helper.from_array(np.array(1, np.float32), "one")])


def test_a_loop_that_stops_early_has_scan_outputs_of_its_trip_count():
    """The parser's CONCATENATE loop output is M long; rows past the last iteration are zeros in the
    reference, where ONNX stacks only the iterations run (docs/onnx.md)."""
    m = _stopping_loop("M")
    feeds = {"M": np.array(6, np.int64), "c0": np.array(True), "a0": np.array(0, np.float32),
             "lim": np.array(3, np.float32)}
    got, want = td.from_onnx(m).run(feeds), onnxruntime_outputs(m, feeds)
    np.testing.assert_array_equal(want["ys"], [1, 2, 3])
    np.testing.assert_array_equal(got["ys"], [1, 2, 3, 0, 0, 0])
    assert got["af"] == want["af"] == 3
    with pytest.raises(td.BackendError, match="the body has 1 scan outputs but the Loop has no trip count M"):
        td.from_onnx(_stopping_loop(""))


def test_an_if_whose_branches_differ_in_dims_is_imported():
    """ONNX's If and TensorRT's conditional take outputs whose dims differ between the branches."""
    then_graph = helper.make_graph([helper.make_node("Slice", ["x", "zero", "two"], ["t"])], "then", [],
                                   [f32("t", [2])])
    else_graph = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [], [f32("e", [3])])
    m = model([helper.make_node("If", ["flag"], ["y"], then_branch=then_graph, else_branch=else_graph)],
              [f32("x", [3]), helper.make_tensor_value_info("flag", TensorProto.BOOL, [])], [f32("y", ["k"])],
              [ints("zero", [0]), ints("two", [2])])
    net = td.from_onnx(m)
    x = np.array([1, -2, 3], np.float32)
    for flag in (True, False):
        agrees_with_onnxruntime(m, {"x": x, "flag": np.array(flag)})
    assert net.run({"x": x, "flag": np.array(False)})["y"].tolist() == [-1, 2, -3]


def test_expand_to_a_dim_that_may_be_1_keeps_the_inputs_dim():
    """ONNX's Expand broadcasts both ways: Expand(x[3], Shape(y[b, c])) is (b, 3) where c is 1, as the
    parser computes it (the max of the two shapes)."""
    m = model([helper.make_node("Shape", ["y"], ["s"]), helper.make_node("Expand", ["x", "s"], ["z"])],
              [f32("x", [3]), f32("y", ["b", "c"])], [f32("z", [None, None])])
    for c in (1, 3):
        agrees_with_onnxruntime(m, {"x": np.arange(3, dtype=np.float32), "y": np.zeros((2, c), np.float32)})


@pytest.mark.parametrize("step", [1, 2, -1, -2])
def test_slice_bounds_computed_when_the_network_runs_clamp_as_onnx_does(step):
    """Starts and ends read from the data (a GPU value TensorRT synchronizes on, as the parser computes
    them): counted from the back where negative, then clamped, with every combination matching
    onnxruntime, on an axis that may be empty."""
    inits = [ints("axes", [1]), ints("steps", [step])]
    nodes = [helper.make_node("Cast", ["sf"], ["s"], to=TensorProto.INT64),
             helper.make_node("Cast", ["ef"], ["e"], to=TensorProto.INT64),
             helper.make_node("Slice", ["x", "s", "e", "axes", "steps"], ["y"])]
    m = model(nodes, [f32("x", ["a", "b"]), f32("sf", [1]), f32("ef", [1])], [f32("y", [None, None])], inits)
    with pytest.warns(td.ShapeSyncWarning):
        net = td.from_onnx(m)
    for n in (0, 1, 5):
        for start in (-7, -2, 0, 3, 9):
            for end in (-9, -1, 2, 1e9, -1e9):
                feeds = {"x": np.arange(2 * n, dtype=np.float32).reshape(2, n),
                         "sf": np.array([start], np.float32), "ef": np.array([end], np.float32)}
                np.testing.assert_array_equal(net.run(feeds)["y"], onnxruntime_outputs(m, feeds)["y"])


def test_a_graph_input_that_a_shape_is_computed_from_is_a_shape_tensor_input():
    """As TensorRT's builder makes it one: a Reshape's target and a Slice's bounds read from graph inputs."""
    nodes = [helper.make_node("Reshape", ["x", "s"], ["y"]),
             helper.make_node("Slice", ["x", "b", "e"], ["z"])]
    i64 = [helper.make_tensor_value_info(name, TensorProto.INT64, [n])
           for name, n in (("s", 2), ("b", 1), ("e", 1))]
    m = model(nodes, [f32("x", ["a"]), *i64], [f32("y", [None, None]), f32("z", [None])])
    net = td.from_onnx(m)
    assert net.shape_inputs == {"s", "b", "e"}
    for begin, end in ((-4, 100), (1, -1), (9, 2)):
        agrees_with_onnxruntime(m, {"x": np.arange(6, dtype=np.float32), "s": np.array([2, 3]),
                                    "b": np.array([begin]), "e": np.array([end])})


@pytest.mark.filterwarnings("ignore::trtdsl.ShapeSyncWarning")  # the comparison's own import warns again
def test_each_warning_of_an_import_that_declares_shape_inputs_is_given_once():
    """The graph is read again for each graph input found to be a shape-tensor input; only the read that
    completes warns (one ShapeSyncWarning for the Slice reading its start from the data)."""
    nodes = [helper.make_node("Cast", ["sf"], ["s"], to=TensorProto.INT64),
             helper.make_node("Slice", ["x", "s", "e"], ["y"]),
             helper.make_node("Reshape", ["x", "shape"], ["z"]),
             helper.make_node("Reshape", ["x", "shape2"], ["w"])]
    i64 = [helper.make_tensor_value_info(n, TensorProto.INT64, [k]) for n, k in (("e", 1), ("shape", 2),
                                                                                  ("shape2", 3))]
    m = model(nodes, [f32("x", ["a"]), f32("sf", [1]), *i64],
              [f32("y", [None]), f32("z", [None, None]), f32("w", [None, None, None])])
    with pytest.warns(td.ShapeSyncWarning) as warned:
        net = td.from_onnx(m)
    assert len([w for w in warned if issubclass(w.category, td.ShapeSyncWarning)]) == 1
    assert net.shape_inputs == {"e", "shape", "shape2"}
    x = np.arange(12, dtype=np.float32)
    agrees_with_onnxruntime(m, {"x": x, "sf": np.array([2], np.float32), "e": np.array([-1]),
                                "shape": np.array([3, 4]), "shape2": np.array([2, 2, 3])})
