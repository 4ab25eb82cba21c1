"""Imports where ONNX's definition and the layers TensorRT's parser builds could disagree, checked against
onnxruntime on the original model: Range's length for float values and Clip with its bounds the wrong way
round (the parser's readings, which differ from onnxruntime's where documented), ScatterElements
reductions (TensorRT's plugin); and the import's messages (what to freeze, which opsets an op is read at,
the node a ShapeSyncWarning is about)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import trtdsl as td
from trtdsl.backends.onnx import importing
from trtdsl.plugins import definition


def model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def onnxruntime_run(m: onnx.ModelProto, feeds: dict) -> list[np.ndarray]:
    import onnxruntime

    session = onnxruntime.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


# -- Range ------------------------------------------------------------------------------------------------

def range_model(elem: int, triple: tuple[float, float, float] | None) -> onnx.ModelProto:
    """Range(s, l, d) of ``elem`` values: initializers holding ``triple``, or graph inputs when None."""
    names = ["s", "l", "d"]
    node = helper.make_node("Range", names, ["y"], name="rng")
    out = [helper.make_tensor_value_info("y", elem, ["k"])]
    if triple is None:
        return model([node], [helper.make_tensor_value_info(n, elem, []) for n in names], out)
    return model([node], [], out, [helper.make_tensor(n, elem, [], [v]) for n, v in zip(names, triple)])


# (start, limit, delta): float32 division rounds the quotient onto a whole number in the first ones, where
# ceil of the exact quotient is one more (onnxruntime: 4, 7, 4, 4); then exact quotients, empty ranges and
# long ones
TRIPLES = [(0, 0.3, 0.1), (1, 2.2, 0.2), (0, -0.3, -0.1), (0.5, 0.8, 0.1), (0, 1, 0.1), (0.1, 0.7, 0.2),
           (0.5, 2.9, 0.3), (-1, 1, 0.2), (0, 1, 0.25), (2, 1, 0.5), (1, 2, -0.5), (0, 1000, 0.1),
           (-7.3, 12.9, 0.7), (1e-8, 1, 1 / 3)]


def f32(values) -> list[np.float32]:
    return [np.float32(v) for v in values]


def parser_count(s: np.float32, l: np.float32, d: np.float32) -> int:
    """onnx-tensorrt's Range length: ``max(0 - floor_div(start - limit, delta), 0)``, each step rounded to
    float32 as TensorRT's float32 layers compute it."""
    return max(-int(np.floor(np.float32(np.float32(s - l) / d))), 0)


def linspace(start: np.float32, delta: np.float32, count: int) -> np.ndarray:
    """``start + i * delta`` rounded once to float32 (TensorRT's LINSPACE as the reference reads it, where
    onnxruntime adds ``delta`` ``i`` times in float32, which drifts in long ranges)."""
    return (float(start) + np.arange(count) * float(delta)).astype(np.float32)


def test_float32_range_has_the_parsers_length_for_constants_and_values_read_at_run_time():
    """The same length whether the three are constants or graph inputs: the parser's float32 arithmetic,
    which differs from onnxruntime's float64 one where the float32 quotient rounds onto a whole number
    (Range(0, 0.3, 0.1): 3 elements, 4 on onnxruntime); elsewhere the two agree."""
    runtime = range_model(TensorProto.FLOAT, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", td.ShapeSyncWarning)
        net = td.from_onnx(runtime)
    rng = np.random.default_rng(0)
    decimals = [tuple(rng.integers(-100, 100, 2) / 10) + (rng.choice([0.1, 0.2, 0.3, 0.7, -0.1, -0.3]),)
                for _ in range(100)]
    differs = 0
    for triple in TRIPLES + decimals:
        s, l, d = f32(triple)
        want = linspace(s, d, parser_count(s, l, d))
        constants = td.from_onnx(range_model(TensorProto.FLOAT, tuple(float(v) for v in (s, l, d))))
        np.testing.assert_array_equal(constants.run({})["y"], want, err_msg=str(triple))
        feeds = {"s": np.array(s), "l": np.array(l), "d": np.array(d)}
        np.testing.assert_array_equal(net.run(feeds)["y"], want, err_msg=str(triple))
        (onnxruntime,) = onnxruntime_run(runtime, feeds)
        differs += len(onnxruntime) != len(want)
        assert abs(len(onnxruntime) - len(want)) <= 1, triple
    tenths = {n: np.array(v) for n, v in zip("sld", f32((0, 0.3, 0.1)))}
    assert len(onnxruntime_run(runtime, tenths)[0]) == 4 and len(net.run(tenths)["y"]) == 3
    assert differs >= 4  # the documented difference was met


@pytest.mark.parametrize("elem, dtype", [(TensorProto.INT32, np.int32), (TensorProto.INT64, np.int64)])
def test_integer_range_has_onnxruntimes_length(elem, dtype):
    runtime = range_model(elem, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", td.ShapeSyncWarning)
        net = td.from_onnx(runtime)
    for triple in [(0, 10, 3), (10, 0, -3), (5, 5, 1), (-7, 8, 2), (3, 0, 1), (0, 1, 5)]:
        feeds = {n: np.array(v, dtype) for n, v in zip("sld", triple)}
        (want,) = onnxruntime_run(runtime, feeds)
        np.testing.assert_array_equal(net.run(feeds)["y"], want)
        constants = td.from_onnx(range_model(elem, triple)).run({})["y"]
        np.testing.assert_array_equal(constants, want)


def test_double_range_is_read_as_float32_values():
    """DOUBLE is read as float32, as the parser reads it: graph inputs become float32 inputs, and constants
    are rounded to float32 first, so their lengths are those of the float32 values."""
    m = range_model(TensorProto.DOUBLE, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", td.ShapeSyncWarning)
        net = td.from_onnx(m)
    assert [t.dtype for t in net.inputs.values()] == [td.float32] * 3
    for triple in TRIPLES:
        s, l, d = f32(triple)
        assert len(net.run({"s": np.array(s), "l": np.array(l), "d": np.array(d)})["y"]) == parser_count(s, l, d)
        got = td.from_onnx(range_model(TensorProto.DOUBLE, triple)).run({})["y"]
        np.testing.assert_array_equal(got, linspace(s, d, parser_count(s, l, d)), err_msg=str(triple))


def test_a_range_whose_length_is_read_when_the_network_runs_warns_about_its_node():
    m = range_model(TensorProto.FLOAT, None)
    with pytest.warns(td.ShapeSyncWarning) as caught:
        td.from_onnx(m)
    assert len(caught) == 1
    w = caught[0]
    assert str(w.message) == (
        "<ModelProto>: node rng (Range): the length of its output is computed from values known only when "
        "the network runs: TensorRT copies them from the GPU to the host and synchronizes before it "
        "computes the shape; they are computed from graph inputs 's', 'l', 'd': from_onnx(model, "
        "freeze={'s': array, 'l': array, 'd': array}) makes them constants, as when a model is exported "
        "with them fixed")
    assert w.filename == __file__
    frozen = td.from_onnx(m, freeze={"s": np.float32(0), "l": np.float32(0.3), "d": np.float32(0.1)})
    assert len(frozen.run({})["y"]) == 3  # the parser's float32 length


def test_without_a_users_line_the_warning_names_the_model_file(tmp_path, monkeypatch):
    """``trtdsl import model.onnx`` has no line of the user's: the warning is the model's."""
    path = tmp_path / "model.onnx"
    onnx.save(range_model(TensorProto.FLOAT, None), str(path))
    monkeypatch.setattr(importing, "user_location", lambda: None)
    with pytest.warns(td.ShapeSyncWarning, match=r"model\.onnx: node rng \(Range\): the length") as caught:
        td.from_onnx(str(path))
    assert [w.filename for w in caught] == [str(path)]


# -- Clip -------------------------------------------------------------------------------------------------

CLIP_X = np.array([-5, -1, 0, 0.5, 1, 1.5, 2, 7, np.inf, -np.inf], np.float32)


@pytest.mark.parametrize("elem", [TensorProto.FLOAT, TensorProto.FLOAT16])
@pytest.mark.parametrize("low, high", [(2.0, 1.0), (0.5, -3.0), (0.0, 1.0), (1.0, 1.0)])
def test_clip_with_constant_bounds_is_tensorrts_clip_activation(elem, low, high):
    """The parser's CLIP activation, TensorRT's ``max(low, min(high, x))``: onnxruntime's result where
    ``low <= high``; ``low`` everywhere where ``low > high``, where ONNX's ``min(max(x, low), high)`` gives
    ``high`` (a documented difference)."""
    dtype = np.float32 if elem == TensorProto.FLOAT else np.float16
    bounds = [numpy_helper.from_array(np.array(v, dtype), n) for n, v in (("lo", low), ("hi", high))]
    info = [helper.make_tensor_value_info(n, elem, [len(CLIP_X)]) for n in ("x", "y")]
    m = model([helper.make_node("Clip", ["x", "lo", "hi"], ["y"])], info[:1], info[1:], bounds, opset=13)
    x = CLIP_X.astype(dtype)
    got = td.from_onnx(m).run({"x": x})["y"]
    np.testing.assert_array_equal(got, np.maximum(dtype(low), np.minimum(dtype(high), x)))
    (onnxruntime,) = onnxruntime_run(m, {"x": x})
    if low <= high:
        np.testing.assert_array_equal(got, onnxruntime)
    else:
        assert onnxruntime.tolist() == [high] * len(x) and got.tolist() == [low] * len(x)


# -- ScatterElements reductions ----------------------------------------------------------------------------

def scatter_model(reduction: str) -> onnx.ModelProto:
    info = helper.make_tensor_value_info
    node = helper.make_node("ScatterElements", ["d", "i", "u"], ["y"], axis=1, reduction=reduction, name="sc")
    return model([node], [info("d", TensorProto.FLOAT, [2, 4]), info("i", TensorProto.INT64, [2, 3]),
                          info("u", TensorProto.FLOAT, [2, 3])], [info("y", TensorProto.FLOAT, [2, 4])],
                 opset=18)


def test_a_scatter_reduction_without_a_plugin_definition_says_what_the_parser_builds():
    with pytest.raises(td.BackendError) as info:
        td.from_onnx(scatter_model("add"))
    assert info.value.message == (
        "<ModelProto>: node sc (ScatterElements): reduction='add': TensorRT's Scatter layer has no "
        "reduction, and TensorRT's parser imports one as TensorRT's ScatterElements plugin (version 1), "
        "which trtdsl has no reference for; define it with @td.registry_plugin('ScatterElements') (fields "
        "axis: np.int32 and reduction: str, a shape rule and a NumPy reference) before importing")


@pytest.fixture
def scatter_plugin(monkeypatch):
    """TensorRT's ScatterElements plugin described for trtdsl, registered for one test."""
    monkeypatch.setattr(definition, "_DEFINITIONS", dict(definition._DEFINITIONS))

    @td.registry_plugin("ScatterElements")
    class ScatterReduce:
        axis: np.int32 = 0
        reduction: str = "add"

        def shape(self, data, indices, updates):
            return data

        def reference(self, data, indices, updates):
            out = data.copy()
            grid = list(np.indices(indices.shape))
            grid[self.axis] = np.where(indices < 0, indices + data.shape[self.axis], indices)
            ufunc = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}[self.reduction]
            ufunc.at(out, tuple(grid), updates)
            return out

    return ScatterReduce


@pytest.mark.parametrize("reduction", ["add", "mul", "max", "min"])
def test_a_scatter_reduction_is_the_registered_plugin_as_the_parser_builds_it(scatter_plugin, reduction):
    rng = np.random.default_rng(0)
    feeds = {"d": rng.standard_normal((2, 4)).astype(np.float32), "i": np.array([[0, 1, 1], [3, -1, 3]]),
             "u": rng.standard_normal((2, 3)).astype(np.float32)}
    m = scatter_model(reduction)
    net = td.from_onnx(m)
    (layer,) = [n for n in net.nodes if n.op.kind == "PluginV3"]
    assert layer.op.fields == (("axis", 1), ("reduction", reduction))
    np.testing.assert_array_equal(net.run(feeds)["y"], onnxruntime_run(m, feeds)[0])


# -- messages ---------------------------------------------------------------------------------------------

def test_a_value_needed_when_building_names_the_graph_inputs_to_freeze():
    info = helper.make_tensor_value_info
    m = model([helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=0, name="sum")],
              [info("x", TensorProto.FLOAT, [2, 3]), info("axes", TensorProto.INT64, [1])],
              [info("y", TensorProto.FLOAT, [2])])
    with pytest.raises(td.BackendError) as caught:
        td.from_onnx(m)
    assert caught.value.message == (
        "<ModelProto>: node sum (ReduceSum): input 1 (axes) must be a build-time constant (an initializer or "
        "a Constant node, or computed from them); it is computed at run time from graph input 'axes': "
        "from_onnx(model, freeze={'axes': array}) makes it a constant, as when a model is exported with it "
        "fixed")
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    frozen = td.from_onnx(m, freeze={"axes": np.array([1])})
    np.testing.assert_array_equal(frozen.run({"x": x})["y"], x.sum(axis=1))


def test_split_sizes_computed_from_two_graph_inputs_name_both():
    info = helper.make_tensor_value_info
    nodes = [helper.make_node("Concat", ["a", "b"], ["sizes"], axis=0),
             helper.make_node("Split", ["x", "sizes"], ["p", "q"], axis=0, name="split")]
    m = model(nodes, [info("x", TensorProto.FLOAT, [5]), info("a", TensorProto.INT64, [1]),
                      info("b", TensorProto.INT64, [1])],
              [info("p", TensorProto.FLOAT, [None]), info("q", TensorProto.FLOAT, [None])], opset=13)
    with pytest.raises(td.BackendError, match=re.escape(
            "it is computed at run time from graph inputs 'a', 'b': from_onnx(model, freeze={'a': array, "
            "'b': array}) makes them constants")):
        td.from_onnx(m)


def test_an_op_read_at_other_opsets_says_which():
    assert importing.unsupported("", "Gelu", 17) == (
        "op Gelu at opset 17 is not supported by the importer (TensorRT's parser); it reads it from opset 20")
    assert importing.unsupported("", "Softmax", 0).endswith("it reads it at opsets 1 to 12 and from opset 13")
    unknown = importing.unsupported("", "NoSuchOp", 17)
    assert unknown.startswith("op NoSuchOp is not supported by the importer (TensorRT's parser) at any "
                              "opset; supported ops: Abs, ")
    assert "NoSuchOp" not in unknown.split("supported ops: ")[1]
    info = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2]) for n in ("x", "y")]
    gelu = model([helper.make_node("Gelu", ["x"], ["y"], name="g")], info[:1], info[1:], opset=17)
    with pytest.raises(td.BackendError) as raised:
        td.from_onnx(gelu, check=False)  # (onnx's checker knows Gelu from opset 20 too)
    assert raised.value.message == ("from_onnx: <ModelProto>: node g (Gelu): op Gelu at opset 17 is not "
                                    "supported by the importer (TensorRT's parser); it reads it from opset 20")


def test_a_long_range_of_constants_is_a_fill_layer_and_an_endless_one_is_refused():
    """A constant array of every value would take the memory the engine's Fill layer spares; a length
    beyond a dim's is no network."""
    m = range_model(TensorProto.INT64, (0, 2**20 + 5, 1))
    net = td.from_onnx(m)
    assert "Fill" in [n.op.kind for n in net.nodes]
    assert all(n.op.weights.array.size <= 1 for n in net.nodes if n.op.kind == "Constant")
    np.testing.assert_array_equal(net.run({})["y"], np.arange(2**20 + 5))
    with pytest.raises(td.BackendError, match=r"node rng \(Range\): the length of Range\(0.0, "
                                              r"1.0000000150474662e\+30, 1.0\) is not a dim"):
        td.from_onnx(range_model(TensorProto.FLOAT, (0, 1e30, 1)))
