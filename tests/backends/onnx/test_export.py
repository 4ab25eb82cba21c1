"""The ONNX export itself: the model's structure (names, dim_params, value_info, opsets, origins), the
path form, the checker with strict shape inference, the forms chosen to reproduce TensorRT's semantics,
and the table of invalid calls."""

import numpy as np
import onnx
import pytest
from support import error_line, expect_error

import trtdsl as td
from trtdsl.backends.onnx import EXPORTERS, MAX_OPSET, MIN_OPSET, NotExpressible, RegionBoundary
from trtdsl.errors import ArgumentError, BackendError


def demo() -> td.Network:
    net = td.Network("demo")
    x = net.input("x", td.float32, ("batch", 4))
    h = td.sigmoid(x, name="h")
    net.output("y", td.concatenate([h, h], axis=0) * 2.0)
    return net


def strictly_checked(model: onnx.ModelProto) -> onnx.ModelProto:
    onnx.checker.check_model(model, full_check=True)
    return onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)


def dims(value: onnx.ValueInfoProto) -> list:
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]


def test_names_types_and_dynamic_dims():
    model = strictly_checked(demo().to_onnx())
    graph = model.graph
    assert [(v.name, dims(v)) for v in graph.input] == [("x", ["batch", 4])]
    assert [(v.name, dims(v)) for v in graph.output] == [("y", ["batch+batch", 4])]
    declared = {v.name: dims(v) for v in graph.value_info}
    assert declared["h"] == ["batch", 4]  # every intermediate IR tensor keeps its name and shape
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT


def test_nodes_are_named_after_layers_and_carry_the_users_line():
    model = demo().to_onnx()
    sigmoid = next(n for n in model.graph.node if n.op_type == "Sigmoid")
    assert sigmoid.name == "h" and list(sigmoid.output) == ["h"]
    assert sigmoid.doc_string.startswith("Activation[SIGMOID] at ")
    assert "test_export.py:" in sigmoid.doc_string


def test_opset_is_the_lowest_that_expresses_the_network():
    assert demo().to_onnx().opset_import[0].version == MIN_OPSET == 17
    net = td.Network("q")
    w = net.constant(np.ones((2, 4), np.float32))
    net.output("y", td.dequantize(td.quantize(w, np.float32(0.5), td.int4), np.float32(0.5)))
    assert net.to_onnx().opset_import[0].version == 21  # int4
    model = demo().to_onnx(opset=MAX_OPSET)
    assert model.opset_import[0].version == 25
    strictly_checked(model)


def test_gelu_is_the_onnx_op_from_opset_20_and_the_formula_before():
    net = td.Network("g")
    net.output("y", td.gelu(net.input("x", td.float32, (3,))))
    assert "Gelu" not in [n.op_type for n in net.to_onnx().graph.node]
    assert [n.op_type for n in net.to_onnx(opset=20).graph.node] == ["Gelu"]


def test_path_form_saves_the_model(tmp_path):
    net = demo()
    path = tmp_path / "demo.onnx"
    model = net.to_onnx(path)
    assert onnx.load(str(path)) == model


def test_the_returned_model_is_a_copy():
    net = demo()
    net.to_onnx().graph.node[0].op_type = "Tanh"
    assert net.to_onnx().graph.node[0].op_type == "Sigmoid"


def test_integer_division_guards_only_divisors_that_may_be_zero_or_minus_one():
    net = td.Network("d")
    a = net.input("a", td.int32, (3,))
    b = net.input("b", td.int32, (3,))
    net.output("q", a / b)
    net.output("k", a / 3)
    ops = [n.op_type for n in net.to_onnx().graph.node]
    assert ops.count("Div") == 2 and ops.count("Where") == 3  # safe divisor, then -1 and 0 for a / b only
    feeds = {"a": np.array([-7, -(2**31), 9], np.int32), "b": np.array([0, -1, -2], np.int32)}
    got = net.run(feeds, backend="onnxruntime")
    # C division for b not in (0, -1); 0 for b == 0 (the reference's reading); wrap-around for INT_MIN / -1
    assert got["q"].tolist() == [0, -(2**31), -4] and got["k"].tolist() == [-2, -715827882, 3]


def test_float_to_int_cast_saturates_and_maps_nan_to_zero():
    net = td.Network("c")
    x = net.input("x", td.float32, (6,))
    net.output("i", td.cast(x, td.int32))
    net.output("u", td.cast(x, td.uint8))
    values = np.array([3e9, -3e9, np.nan, np.inf, -2.7, 255.9], np.float32)
    got = net.run({"x": values}, backend="onnxruntime")
    assert got["i"].tolist() == [2**31 - 1, -(2**31), 0, 2**31 - 1, -2, 255]
    assert got["u"].tolist() == [255, 0, 0, 255, 0, 255]


def test_no_where_chooses_among_8_bit_integers():
    """TensorRT's parser makes a Where into a Select layer, which takes no int8 or uint8: casts to them
    saturate in float32, and the masks of FILL slices and gathers of 8-bit data choose as int32."""
    net = td.Network("int8")
    x = net.input("x", td.float32, (6,))
    q = net.input("q", td.int8, (6,))
    net.output("i8", td.cast(x, td.int8))
    net.output("u8", td.cast(x, td.uint8))
    net.output("padded", td.pad(q, (2, 1), constant_values=-7))
    net.output("taken", td.gather(q, np.array([5, -1, 9], np.int32), 0))
    model = onnx.shape_inference.infer_shapes(net.to_onnx())
    types = {v.name: v.type.tensor_type.elem_type for v in [*model.graph.value_info, *model.graph.output]}
    wheres = [types.get(n.output[0]) for n in model.graph.node if n.op_type == "Where"]
    assert wheres and not set(wheres) & {onnx.TensorProto.INT8, onnx.TensorProto.UINT8}
    feeds = {"x": np.array([300.5, -300, np.nan, -np.inf, -2.7, 127.9], np.float32),
             "q": np.arange(-3, 3, dtype=np.int8)}
    got, want = net.run(feeds, backend="onnxruntime"), net.run(feeds)
    assert got["i8"].tolist() == [127, -128, 0, -128, -2, 127]
    assert got["u8"].tolist() == [255, 0, 0, 0, 0, 127]
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    assert td.from_onnx(model).run(feeds)["taken"].tolist() == want["taken"].tolist() == [2, 2, 0]


def test_constants_are_initializers_named_after_their_tensors_or_nodes_when_outputs():
    net = td.Network("k")
    x = net.input("x", td.float32, (2,))
    c = net.constant(np.array([1.0, 2.0], np.float32), name="c")
    net.output("y", x + c)
    net.output("z", net.constant(np.array([5], np.int32)))
    model = strictly_checked(net.to_onnx())
    assert "c" in [t.name for t in model.graph.initializer]
    assert any(n.op_type == "Constant" and list(n.output) == ["z"] for n in model.graph.node)
    assert net.run({"x": np.array([1, 1], np.float32)}, backend="onnxruntime")["z"].tolist() == [5]


def test_a_tensor_marked_twice_and_an_input_marked_as_output():
    net = td.Network("twice")
    x = net.input("x", td.float32, (2,))
    y = td.exp(x)
    net.output("a", y)
    net.output("b", y)
    net.output("c", x)
    got = net.run({"x": np.array([0.0, 1.0], np.float32)}, backend="onnxruntime")
    strictly_checked(net.to_onnx())
    np.testing.assert_allclose(got["a"], [1.0, np.e], rtol=1e-6)
    assert got["b"].tolist() == got["a"].tolist() and got["c"].tolist() == [0.0, 1.0]


def test_loops_and_conditionals_are_onnx_loop_and_if():
    net = td.Network("r")
    xs = net.input("xs", td.float32, ("n", 2))
    total, _ = td.scan(lambda c, v: (c + v, c), np.zeros(2, np.float32), xs)
    net.output("total", td.cond(td.max(total) > 0, lambda: total, lambda: -total))
    model = strictly_checked(net.to_onnx())
    assert [n.op_type for n in model.graph.node if n.op_type in ("Loop", "If")] == ["Loop", "If"]


def test_every_kind_is_in_the_table():
    from trtdsl.ir.table import all_op_types

    assert EXPORTERS.missing(all_op_types()) == []
    kinds = {cls.kind: type(EXPORTERS[cls]).__name__ for cls in all_op_types()}
    assert kinds["Iterator"] == "RegionBoundary" and kinds["DynamicQuantize"] == "NotExpressible"
    assert kinds["TripLimit"] == "RegionBoundary" and kinds["Constant"] == "Entry"
    assert all(entry.reason for entry in EXPORTERS.values() if isinstance(entry, NotExpressible))


def no_outputs():
    net = td.Network("e")
    net.input("x", td.float32, (2,))
    return net.to_onnx()


def with_opset(opset):
    def call():
        net = td.Network("e")
        x = net.input("x", td.float32, (2,))
        net.output("y", x + 1.0)
        return net.to_onnx(opset=opset)

    return call


def int4_at_opset_17():
    net = td.Network("e")
    w = net.constant(np.ones((2, 4), np.float32))
    net.output("y", td.dequantize(td.quantize(w, np.float32(0.5), td.int4), np.float32(0.5)))  # located
    return net.to_onnx(opset=17)


def dynamic_quantize():
    net = td.Network("e")
    q, _ = td.dynamic_quantize(net.input("x", td.float32, (2, 16)))  # located
    net.output("q", q)
    return net.to_onnx()


ERRORS = [
    (
        BackendError,
        "onnx export: network 'e' has no outputs; mark some with net.output(name, tensor)",
        no_outputs,
    ),
    (ArgumentError, "to_onnx: argument 'opset' is 16; expected an int in [17, 25] or None", with_opset(16)),
    (ArgumentError, "to_onnx: argument 'opset' is 26; expected an int in [17, 25] or None", with_opset(26)),
    (
        ArgumentError,
        "to_onnx: argument 'opset' is '17'; expected an int in [17, 25] or None",
        with_opset("17"),
    ),
    (
        BackendError,
        "onnx export: Quantize[i4] (layer quantize_0) needs ONNX opset 21 or later; got opset=17",
        int4_at_opset_17,
    ),
    (
        BackendError,
        "onnx export: DynamicQuantize[fp4,fp8] (layer dynamic_quantize_0) has no ONNX form: ONNX has no "
        "operator for block quantization with scales computed from the data in fp8/e8m0 (NVFP4/MXFP8); "
        "DynamicQuantizeLinear is per-tensor asymmetric uint8",
        dynamic_quantize,
    ),
]


@pytest.mark.parametrize("cls, message, call", ERRORS, ids=[e[1][:50] for e in ERRORS])
def test_invalid_exports(cls, message, call):
    expect_error(cls, message, call, line=error_line(call))


def test_without_the_onnx_package_export_says_what_to_install():
    """In a fresh interpreter where ``import onnx`` fails, to_onnx raises a BackendError, not ImportError."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'onnx':\n"
        "            raise ImportError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import trtdsl as td\n"
        "net = td.Network('n')\n"
        "net.output('y', td.relu(net.input('x', td.float32, (2,))))\n"
        "try:\n"
        "    net.to_onnx()\n"
        "except td.BackendError as e:\n"
        "    print(e.message)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout == (
        "ONNX export needs the onnx package (pip install 'trtdsl[onnx]'), which could not be imported: "
        "No module named 'onnx'\n"
    )


@pytest.mark.parametrize("index, n", [(slice(-3, None), 2), (slice(-3, None, 2), 2), (-3, 2), (slice(-4, -2), 3)])
def test_a_strict_slice_past_either_end_of_a_dynamic_axis_fails_on_onnxruntime_too(index, n):
    """TensorRT's STRICT_BOUNDS fails on a coordinate outside the axis: so do the reference and the export,
    whose Gather would read a negative coordinate from the back."""
    net = td.Network("n")
    x = net.input("x", td.float32, ("n",))
    net.output("y", x[index] * 1.0)
    for backend in ("reference", "onnxruntime"):
        with pytest.raises(td.ExecutionError):
            net.run({"x": np.arange(n, dtype=np.float32)}, backend=backend)
    values = np.arange(5, dtype=np.float32)
    np.testing.assert_array_equal(net.run({"x": values}, backend="onnxruntime")["y"], values[index])
