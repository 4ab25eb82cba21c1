"""from_onnx's ``dims``: the graph inputs' dynamic dims renamed as one, or fixed to a size; what an exporter's
dims named apart (``torch.onnx.export``'s ``dynamic_axes``) give without it."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import trtdsl as td

pytest.importorskip("onnxruntime")


def _model(op: str, **attributes: int) -> onnx.ModelProto:
    """``y = op(a, b)``, each input with a dynamic first dim of its own name, as dynamic_axes names them."""
    graph = helper.make_graph(
        [helper.make_node(op, ["a", "b"], ["y"], **attributes)], "g",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["a_dynamic_axes_1", 3]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, ["b_dynamic_axes_1", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["y_0", "y_1"])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("op, attributes", [("Add", {}), ("Concat", {"axis": 1})])
def test_dims_named_apart_are_refused_with_the_dims_that_make_them_one(op, attributes):
    with pytest.raises(td.BackendError) as info:
        td.from_onnx(_model(op, **attributes))
    assert info.value.message.endswith("; where they are one dim, from_onnx(..., dims={'b_dynamic_axes_1': "
                                       "'a_dynamic_axes_1'}) says so")


@pytest.mark.parametrize("op, attributes", [("Add", {}), ("Concat", {"axis": 1})])
def test_renamed_dims_are_one_dim_and_the_network_agrees_with_onnxruntime(op, attributes):
    import onnxruntime as ort

    model = _model(op, **attributes)
    net = td.from_onnx(model, dims={"b_dynamic_axes_1": "a_dynamic_axes_1"})
    assert net.inputs["a"].shape == net.inputs["b"].shape == (td.Dim.symbol("a_dynamic_axes_1"), 3)
    rng = np.random.default_rng(0)
    feeds = {k: rng.standard_normal((4, 3)).astype(np.float32) for k in "ab"}
    (want,) = ort.InferenceSession(model.SerializeToString()).run(None, feeds)
    np.testing.assert_array_equal(net.run(feeds)["y"], want)


def test_a_dim_fixed_to_a_size_broadcasts():
    net = td.from_onnx(_model("Add"), dims={"b_dynamic_axes_1": 1})
    assert net.inputs["b"].shape == (1, 3)
    a, b = np.arange(6, dtype=np.float32).reshape(2, 3), np.float32([[10, 20, 30]])
    np.testing.assert_array_equal(net.run({"a": a, "b": b})["y"], a + b)


def test_a_dim_without_a_name_is_named_after_its_input():
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["y_0", "y_1"])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    assert td.from_onnx(model).inputs["x"].shape == (td.Dim.symbol("x_d0"), 3)
    assert td.from_onnx(model, dims={"x_d0": "batch"}).inputs["x"].shape == (td.Dim.symbol("batch"), 3)


@pytest.mark.parametrize("dims, message", [
    ({"c": "x"}, "from_onnx: argument 'dims' is 'c'; expected names of the graph inputs' dynamic dims "
                 "(a_dynamic_axes_1, b_dynamic_axes_1)"),
    ({"b_dynamic_axes_1": "1x"}, "from_onnx: argument 'dims['b_dynamic_axes_1']' is '1x'; expected a dim name "
                                 "(an identifier) or a size in [0, 9223372036854775807]"),
    ({"b_dynamic_axes_1": True}, "from_onnx: argument 'dims['b_dynamic_axes_1']' is True; expected a dim name "
                                 "(an identifier) or a size in [0, 9223372036854775807]"),
    (["x"], "from_onnx: argument 'dims' is ['x']; expected a mapping of dim names (a_dynamic_axes_1, "
            "b_dynamic_axes_1) to dim names or sizes"),
])
def test_bad_dims_name_what_is_expected(dims, message):
    with pytest.raises(td.ArgumentError) as info:
        td.from_onnx(_model("Add"), dims=dims)
    assert info.value.message == message


def test_renames_in_a_chain_end_at_the_last():
    net = td.from_onnx(_model("Add"), dims={"b_dynamic_axes_1": "a_dynamic_axes_1", "a_dynamic_axes_1": 4})
    assert net.inputs["a"].shape == net.inputs["b"].shape == (4, 3)
    with pytest.raises(td.ArgumentError, match="expected renames without a cycle"):
        td.from_onnx(_model("Add"), dims={"b_dynamic_axes_1": "a_dynamic_axes_1",
                                          "a_dynamic_axes_1": "b_dynamic_axes_1"})
