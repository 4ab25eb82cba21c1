"""ONNX forms that TensorRT's parser (onnx-tensorrt ``onnxOpImporters.cpp``) reads and the import reads as
it does: values it computes from shapes when the network runs (Trilu masks, Squeeze, Slice bounds, Tile
repeats, DepthToSpace/SpaceToDepth), older opsets' forms (TopK's attribute k, Resize-10, Hardmax before
13) and input types a layer lacks (NonZero). Each model is imported, run on the reference and compared
with onnxruntime running the original model."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import trtdsl as td

INT64_MAX = np.iinfo(np.int64).max
node = helper.make_node


def model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def i64(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.INT64, shape)


def ints(name, values):
    return numpy_helper.from_array(np.asarray(values, np.int64), name)


def onnxruntime_outputs(m: onnx.ModelProto, feeds: dict) -> dict:
    import onnxruntime

    session = onnxruntime.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in m.graph.output]
    return dict(zip(names, session.run(names, feeds)))


def agrees_with_onnxruntime(m, feeds, net=None, exact=True):
    got, want = (net or td.from_onnx(m)).run(feeds), onnxruntime_outputs(m, feeds)
    for name, expected in want.items():
        assert got[name].dtype == expected.dtype and got[name].shape == expected.shape, name
        if exact:
            np.testing.assert_array_equal(got[name], expected, err_msg=name)
        else:
            np.testing.assert_allclose(got[name], expected, rtol=1e-6, atol=1e-6, err_msg=name)


def random(*shape):
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


# -- Trilu ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("upper", [0, 1])
def test_trilu_of_dims_read_when_the_network_runs(upper):
    """``torch.tril(torch.ones(L, L))``: Shape -> ConstantOfShape([L, L]) -> Trilu, the mask's positions
    Fill layers of L (the parser's iotas of the input's shape)."""
    one = helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])
    nodes = [node("Shape", ["x"], ["l"], start=1, end=2), node("Concat", ["l", "l"], ["ll"], axis=0),
             node("ConstantOfShape", ["ll"], ["ones"], value=one),
             node("Trilu", ["ones"], ["mask"], upper=upper), node("Trilu", ["x"], ["y"], upper=upper)]
    m = model(nodes, [f32("x", ["N", "L", "C"])], [f32("mask", [None, None]), f32("y", [None, None, None])],
              opset=15)
    net = td.from_onnx(m)
    assert str(net.outputs["mask"].type) == "f32[L,L]"
    assert "Fill" in {n.op.kind for n in net.nodes}
    for n, rows, cols in ((2, 5, 3), (1, 1, 4), (3, 0, 2), (1, 4, 6)):
        agrees_with_onnxruntime(m, {"x": random(n, rows, cols)}, net)


@pytest.mark.parametrize("upper", [0, 1])
@pytest.mark.parametrize("shape", [[2, 3, 4], ["b", "r", "c"]])
def test_trilu_of_a_k_read_when_the_network_runs(upper, shape):
    """k a graph input: the comparison of the positions with k is made when the network runs (the parser
    subtracts k from its column iota)."""
    m = model([node("Trilu", ["x", "k"], ["y"], upper=upper)], [f32("x", shape), i64("k", [])],
              [f32("y", [None, None, None])], opset=14)
    net = td.from_onnx(m)
    for k in (-9, -2, 0, 1, 3, 9):
        agrees_with_onnxruntime(m, {"x": random(2, 3, 4), "k": np.array(k, np.int64)}, net)


# -- Squeeze ----------------------------------------------------------------------------------------------

def last_token(start):
    """x[:, start:] of a dynamic axis (clamped when the network runs), then Squeeze(axes=[1])."""
    return model([node("Slice", ["x", "s", "e", "a"], ["t"]), node("Squeeze", ["t", "a"], ["y"])],
                 [f32("x", ["N", "L", 4])], [f32("y", [None, None])],
                 [ints("s", [start]), ints("e", [INT64_MAX]), ints("a", [1])])


def test_squeeze_of_a_dim_the_import_cannot_prove_is_1_reshapes_when_the_network_runs():
    """The last-token pattern: the sliced dim is 1 when the network runs, which the IR cannot prove; the
    parser reshapes to the other dims (``squeezeTensor``), as the import does."""
    m = last_token(-1)
    net = td.from_onnx(m)
    assert str(net.outputs["y"].type) == "f32[N,4]"
    assert net.outputs["y"].producer.op.kind == "Shuffle"
    for n, length in ((1, 1), (3, 5), (2, 16)):
        agrees_with_onnxruntime(m, {"x": random(n, length, 4)}, net)


def test_squeeze_of_a_dim_that_is_not_1_fails_when_the_network_runs():
    net = td.from_onnx(last_token(-2))
    with pytest.raises(td.ExecutionError, match=r"node node_of_y \(Squeeze\): Shuffle .* inputs of shapes "
                       r"\(3, 2, 4\) .* cannot reshape"):
        net.run({"x": random(3, 5, 4)})


# -- Slice bounds from shape arithmetic --------------------------------------------------------------------

def bound_from_length(start, end, axis):
    """x sliced on ``axis`` with ``start`` or ``end`` (whichever is "b") x's length L less 3."""
    nodes = [node("Shape", ["x"], ["s"]), node("Gather", ["s", "one"], ["l"]),
             node("Sub", ["l", "three"], ["b0"]), node("Unsqueeze", ["b0", "zero"], ["b"]),
             node("Slice", ["x", start, end, "axis"], ["y"])]
    return model(nodes, [f32("x", ["N", "L", 4])], [f32("y", [None, None, None])],
                 [ints("one", 1), ints("three", 3), ints("zero", [0]), ints("axis", [axis]),
                  ints("begin", [0]), ints("end", [INT64_MAX])])


@pytest.mark.parametrize("start, end, axis", [("b", "end", 1), ("begin", "b", 0), ("b", "end", 0)])
def test_slice_bounds_from_shape_arithmetic_are_clamped_as_onnx_clamps(start, end, axis):
    """x[:, x.size(1) - 3:] and x[:x.size(1) - 3]: a bound that may be negative (counted from the back in
    ONNX) is clamped when the network runs, as the parser computes it, and as bounds from the data are."""
    m = bound_from_length(start, end, axis)
    net = td.from_onnx(m)
    for n in (0, 1, 4):
        for length in (0, 1, 2, 3, 5):
            agrees_with_onnxruntime(m, {"x": random(n, length, 4)}, net)


def test_an_end_that_is_the_axis_length_less_a_constant_keeps_its_dim():
    """x[:, :x.size(1) - 1] is read as x[:, :-1]: the dim L - 1, which needs L >= 1 when the network runs."""
    nodes = [node("Shape", ["x"], ["s"]), node("Gather", ["s", "one"], ["l"]),
             node("Sub", ["l", "one"], ["e0"]), node("Unsqueeze", ["e0", "zero"], ["e"]),
             node("Slice", ["x", "zero", "e", "axis"], ["y"])]
    m = model(nodes, [f32("x", ["N", "L", 4])], [f32("y", [None, None, None])],
              [ints("one", 1), ints("zero", [0]), ints("axis", [1])])
    net = td.from_onnx(m)
    assert str(net.outputs["y"].type) == "f32[N,L-1,4]"
    for n, length in ((2, 1), (1, 5), (0, 3)):
        agrees_with_onnxruntime(m, {"x": random(n, length, 4)}, net)


# -- Tile -------------------------------------------------------------------------------------------------

def test_tile_of_repeats_read_when_the_network_runs():
    """Repeats Concat(2, Shape(z)): the dims they are (``x.shape * repeats``), and repeats given as a graph
    input, a shape-tensor input read when the network runs (the parser's WRAP Slice of that size)."""
    nodes = [node("Shape", ["z"], ["m"]), node("Concat", ["two", "m"], ["r"], axis=0),
             node("Tile", ["x", "r"], ["y"]), node("Tile", ["x", "given"], ["w"])]
    m = model(nodes, [f32("x", ["A", 3]), f32("z", ["M"]), i64("given", [2])],
              [f32("y", [None, None]), f32("w", [None, None])], [ints("two", [2])])
    net = td.from_onnx(m)
    assert str(net.outputs["y"].type) == "f32[A*2,3*M]"
    assert net.shape_inputs == {"given"}
    for a, length, given in ((2, 3, [1, 2]), (1, 0, [3, 1]), (0, 2, [2, 0])):
        agrees_with_onnxruntime(m, {"x": random(a, 3), "z": random(length), "given": np.array(given)}, net)


# -- DepthToSpace / SpaceToDepth --------------------------------------------------------------------------

@pytest.mark.parametrize("op, mode", [("DepthToSpace", "DCR"), ("DepthToSpace", "CRD"),
                                      ("SpaceToDepth", None)])
def test_depth_and_space_of_dynamic_dims(op, mode):
    """Reshape dims computed from the input's shape, as the parser computes them; a dim that is not a
    multiple of the block fails when the network runs."""
    attrs = {"blocksize": 2} | ({"mode": mode} if mode else {})
    m = model([node(op, ["x"], ["y"], **attrs)], [f32("x", ["N", "C", "H", "W"])], [f32("y", [None] * 4)])
    net = td.from_onnx(m)
    shapes = [(1, 8, 3, 5), (2, 4, 1, 2)] if op == "DepthToSpace" else [(1, 3, 4, 6), (2, 1, 2, 8)]
    for shape in shapes:
        agrees_with_onnxruntime(m, {"x": random(*shape)}, net)
    with pytest.raises(td.ExecutionError, match="cannot reshape"):
        net.run({"x": random(1, 6, 3, 3)})


# -- TopK, Resize, Hardmax of other opsets ----------------------------------------------------------------

def test_topk_with_sorted_0_is_sorted():
    """TensorRT's TopK sorts, which ``sorted=0`` (any order) allows: the same values and indices as
    onnxruntime's, in another order."""
    m = model([node("TopK", ["x", "k"], ["v", "i"], axis=1, sorted=0)], [f32("x", ["n", 6])],
              [f32("v", [None, 3]), i64("i", [None, 3])], [ints("k", [3])], opset=11)
    x = random(4, 6)
    got, want = td.from_onnx(m).run({"x": x}), onnxruntime_outputs(m, {"x": x})
    np.testing.assert_array_equal(got["v"], -np.sort(-x, axis=1)[:, :3])
    np.testing.assert_array_equal(np.sort(got["v"], axis=1), np.sort(want["v"], axis=1))
    np.testing.assert_array_equal(np.sort(got["i"], axis=1), np.sort(want["i"], axis=1))


@pytest.mark.parametrize("shape, axis", [([3, 5], -1), ([7], 0), (["n", 4, 2], 1)])
def test_topk_before_opset_10_reads_the_attribute_k(shape, axis):
    m = model([node("TopK", ["x"], ["v", "i"], k=2, axis=axis)], [f32("x", shape)],
              [f32("v", [None] * len(shape)), i64("i", [None] * len(shape))], opset=9)
    concrete = [3 if isinstance(d, str) else d for d in shape]
    agrees_with_onnxruntime(m, {"x": random(*concrete)})


@pytest.mark.parametrize("mode", ["nearest", "linear"])
@pytest.mark.parametrize("scales", [[1, 1, 2, 3], [1, 1, 0.5, 1], [1, 1, 3, 0.5]])
def test_resize_at_opset_10_is_asymmetric_with_floor(mode, scales):
    shape = [1, 2, 4, 6]
    out = [int(d * s) for d, s in zip(shape, scales)]
    m = model([node("Resize", ["x", "scales"], ["y"], mode=mode)], [f32("x", shape)], [f32("y", out)],
              [numpy_helper.from_array(np.array(scales, np.float32), "scales")], opset=10)
    agrees_with_onnxruntime(m, {"x": random(*shape)}, exact=mode == "nearest")


@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1])
def test_hardmax_before_opset_13_works_on_the_2d_view(axis):
    """Hardmax-11 finds one maximum in each row of the input read as 2-D at ``axis`` (default 1), not
    along the axis alone: ties keep the first. The rows must have a static length (OneHot's depth)."""
    attrs = {} if axis is None else {"axis": axis}
    shape = [2, 3, 4] if axis == 0 else ["n", 3, 4]
    m = model([node("Hardmax", ["x"], ["y"], **attrs)], [f32("x", shape)], [f32("y", [None, 3, 4])],
              opset=11)
    x = random(2, 3, 4)
    x[0, 0, 1] = x[0, 0, 2] = x[1, 2, 3] = x[1, 1, 0] = 9.0
    agrees_with_onnxruntime(m, {"x": x})
    if axis == 0:
        dynamic = model([node("Hardmax", ["x"], ["y"], axis=0)], [f32("x", ["n", 3])], [f32("y", [None, 3])],
                        opset=11)
        with pytest.raises(td.BackendError, match=r"node node_of_y \(Hardmax\): each row of the 2-D view has "
                           r"the dynamic length n\*3; OneHot needs a static depth"):
            td.from_onnx(dynamic)


# -- NonZero of types the layer lacks ---------------------------------------------------------------------

def test_nonzero_of_int64_is_of_a_comparison_with_0():
    m = model([node("NonZero", ["x"], ["y"])], [i64("x", [3, 4])], [i64("y", [2, None])], opset=13)
    x = np.array([[0, 2**40, 0, -1], [0, 0, 0, 0], [5, -2**62, 0, 7]], np.int64)
    agrees_with_onnxruntime(m, {"x": x})


@pytest.mark.parametrize("elem, dtype", [(TensorProto.INT8, np.int8),
                                         (TensorProto.BFLOAT16, ml_dtypes.bfloat16)])
def test_nonzero_of_int8_and_bfloat16_is_of_an_exact_cast(elem, dtype):
    """onnxruntime has no NonZero of these types: compared with ONNX's definition, ``np.nonzero``."""
    m = model([node("NonZero", ["x"], ["y"])], [helper.make_tensor_value_info("x", elem, [3, 4])],
              [i64("y", [2, None])], opset=13)
    values = [[0, -128, 1, 0], [0, 0, 0, 0], [127, 0, -1, 3]] if dtype is np.int8 else \
        [[0, -0.0, np.nan, 1e-30], [0, 0, 0, 0], [-np.inf, 0, 2.5, 1e38]]
    x = np.array(values, np.float64).astype(dtype)
    got = td.from_onnx(m).run({"x": x})["y"]
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.array(np.nonzero(x)))
