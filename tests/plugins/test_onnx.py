"""ONNX export of plugin layers: one node in the trt.plugins domain, named and attributed as TensorRT's
ONNX parser reads plugins; onnxruntime cannot run it and says so."""

import numpy as np
import onnx
import pytest
from onnx import AttributeProto, helper, numpy_helper
from support import expect_error, line_of

import trtdsl as td
from trtdsl.backends.onnxruntime import MissingKernel
from trtdsl.errors import BackendError
from backend_rows import Row, one_input


@td.plugin("onnxt::mixed")
class Mixed:
    count: int = 3
    scale: float = 0.5
    flag: bool = True
    mode: str = "fast"
    sizes: tuple[int, ...] = ()
    weights: tuple[float, ...] = (1.0, 2.5)
    halves: tuple[np.float16, ...] = (0.5,)

    def shape(self, x, y):
        return x, td.TensorType(td.int32, y.shape)

    def reference(self, x, y):
        return x.copy(), np.zeros(y.shape, np.int32)


@td.registry_plugin("OnnxReg_TRT", version="3", namespace="vendor")
class Registry:
    eps: np.float32 = 1e-5
    relu: np.int32 = 0
    half: np.float16 = 0.25
    small: tuple[np.int8, ...] = (1, 2)
    wide: np.int64 = 7

    def shape(self, x):
        return x

    def reference(self, x):
        return x.copy()


@td.plugin("onnxt::above")
class Above:
    def shape(self, x):
        n = td.data_dependent_dim(x.shape[0], name="n")
        return td.TensorType(x.dtype, (n,))

    def reference(self, x):
        return x[x > 0]


def attributes(node):
    return {a.name: (a.type, helper.get_attribute_value(a)) for a in node.attribute}


def test_plugin_node_carries_the_name_namespace_version_and_typed_attributes():
    net = td.Network("mixed")
    x = net.input("x", td.float32, ("b", 2))
    y = net.input("y", td.float16, (4,))
    a, b = Mixed(count=5, sizes=(1, 2))(td.sigmoid(x), y, name="mix")
    net.output("a", a)
    net.output("b", b)
    model = net.to_onnx()
    sigmoid, node = model.graph.node[:2]
    assert (node.domain, node.op_type, node.name) == ("trt.plugins", "mixed", "mix")
    assert list(node.input) == [sigmoid.output[0], "y"] and list(node.output) == ["mix:0", "mix:1"]
    got = attributes(node)
    halves = got.pop("halves")
    assert got == {
        "count": (AttributeProto.INT, 5),
        "scale": (AttributeProto.FLOAT, 0.5),
        "flag": (AttributeProto.INT, 1),
        "mode": (AttributeProto.STRING, b"fast"),
        "sizes": (AttributeProto.INTS, [1, 2]),
        "weights": (AttributeProto.FLOATS, [1.0, 2.5]),
        "plugin_namespace": (AttributeProto.STRING, b"onnxt"),
        "plugin_version": (AttributeProto.STRING, b"1"),
    }
    assert halves[0] == AttributeProto.TENSOR
    assert numpy_helper.to_array(halves[1]).dtype == np.float16
    assert {(o.domain, o.version) for o in model.opset_import} == {("", 17), ("trt.plugins", 1)}
    outputs = {v.name: v.type.tensor_type for v in model.graph.output}
    assert outputs["b"].elem_type == onnx.TensorProto.INT32
    assert [d.dim_param or d.dim_value for d in outputs["a"].shape.dim] == ["b", 2]


def test_empty_tuples_keep_their_type():
    net = td.Network("empty")
    a, _ = Mixed()(net.input("x", td.float32, (2,)), net.input("y", td.float32, (2,)))
    net.output("a", a)
    assert attributes(net.to_onnx().graph.node[0])["sizes"] == (AttributeProto.INTS, [])


def test_registry_plugin_fields_use_the_types_the_parser_passes_on():
    net = td.Network("reg")
    x = net.input("x", td.float32, (2,))
    node_out = Registry()(x)
    net.output("y", node_out)
    with pytest.raises(BackendError) as info:
        net.to_onnx()
    assert info.value.message.endswith(
        "has attribute 'wide' of type int64, which TensorRT's ONNX parser cannot pass to a plugin (it has "
        "no INT64 plugin fields)"
    )

    @td.registry_plugin("OnnxReg32_TRT")
    class Registry32:
        eps: np.float32 = 1e-5
        relu: np.int32 = 1
        half: np.float16 = 0.25
        small: tuple[np.int8, ...] = (1, 2)

        def shape(self, x):
            return x

        def reference(self, x):
            return x.copy()

    net = td.Network("reg32")
    net.output("y", Registry32()(net.input("x", td.float32, (2,))))
    got = attributes(net.to_onnx().graph.node[0])
    assert got["eps"] == (AttributeProto.FLOAT, pytest.approx(1e-5))
    assert got["relu"] == (AttributeProto.INT, 1)
    assert got["plugin_namespace"] == (AttributeProto.STRING, b"") and got["plugin_version"][1] == b"1"
    for name, dtype, values in (("half", np.float16, [0.25]), ("small", np.int8, [1, 2])):
        kind, tensor = got[name]
        assert kind == AttributeProto.TENSOR
        array = numpy_helper.to_array(tensor)
        assert array.dtype == dtype and array.tolist() == values


def test_data_dependent_sizes_are_extra_outputs_of_the_node():
    net = td.Network("dd")
    net.output("y", Above()(net.input("x", td.float32, (5,))))
    node = net.to_onnx().graph.node[0]
    assert len(node.output) == 2 and node.output[0] == "y"


def test_a_plugin_with_data_dependent_sizes_imports_back_with_them():
    """The import makes the node's size outputs from the plugin's outputs' run-time dims, so that a model
    using them (here as a graph output) reads them back."""
    net = td.Network("dd")
    net.output("y", Above()(net.input("x", td.float32, (5,))) * 2.0)
    model = net.to_onnx()
    plugin = model.graph.node[0]
    model.graph.output.append(helper.make_tensor_value_info(plugin.output[1], onnx.TensorProto.INT32, []))
    again = td.from_onnx(model)
    feeds = {"x": np.array([3, -1, 0, 4, 2], np.float32)}
    got, want = again.run(feeds), net.run(feeds)
    np.testing.assert_array_equal(got["y"], want["y"])
    assert got[plugin.output[1]] == len(want["y"])


def test_onnxruntime_reports_the_plugin_as_a_missing_kernel():
    net = td.Network("ort")
    net.output("y", Above()(net.input("x", td.float32, (5,)), name="above"))  # the plugin layer
    expect_error(
        MissingKernel,
        "onnxruntime has no kernel for trt.plugins:above (written for layer above, PluginV3[onnxt::above])",
        lambda: net.run({"x": np.ones(5, np.float32)}, backend="onnxruntime"),
        line=line_of("the plugin layer"),
    )
    with pytest.raises(MissingKernel) as info:
        net.run({"x": np.ones(5, np.float32)}, backend="onnxruntime")
    assert info.value.op_type == "above" and info.value.dtype == "float32"


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
@td.plugin("crosscheck::offset")
class _Offset:
    delta: float = 1.0

    def shape(self, x):
        return x

    def reference(self, x):
        return x + np.float32(self.delta)


def onnx_rows() -> list[Row]:
    """A plugin layer: exported for TensorRT's parser, which onnxruntime cannot run (the test skips it)."""
    return [Row("plugin-float32", one_input(td.float32, lambda x: _Offset(delta=0.5)(x)))]
