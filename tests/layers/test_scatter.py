"""Scatter in ELEMENT and ND modes against the writes done one by one in Python, in the row-major order of
the indices (so the last of several writes to one element wins: trtdsl's reading), and put_along_axis
against np.put_along_axis."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, error_line, expect_error, f32, run_layer, run_with, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from trtdsl.layers.scatter import Scatter, ScatterMode
from backend_rows import Row, FLOATS, INTS, tensorrt_case, tensorrt_expectation, Layer

DATA_TYPES = [np.float32, np.float16, td.bfloat16.numpy, np.int32, np.int64, np.int8, np.bool_]


def index_array(draw, shape, d):
    """Indices in [-d, d - 1], repeats likely; int32 or int64."""
    dtype = draw(st.sampled_from([np.int32, np.int64]))
    return draw(arrays(dtype, shape, min_value=-d, max_value=d - 1))


def positions(shape):
    return itertools.product(*(range(n) for n in shape))


def scatter_elements_loop(data, indices, updates, axis):
    out = data.copy()
    for j in positions(indices.shape):
        target = list(j)
        target[axis] = int(indices[j]) % data.shape[axis]
        out[tuple(target)] = updates[j]
    return out


def scatter_nd_loop(data, indices, updates):
    out = data.copy()
    for b in positions(indices.shape[:-1]):
        target = tuple(int(i) % n for i, n in zip(indices[b], data.shape))
        out[target] = updates[b]
    return out


def assert_same(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
    np.testing.assert_array_equal(got, want)


@st.composite
def element_case(draw):
    dtype = draw(st.sampled_from(DATA_TYPES))
    data_shape = draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    axis = draw(st.integers(0, len(data_shape) - 1))
    idx_shape = tuple(draw(st.integers(0, n)) for n in data_shape)
    data = draw(arrays(dtype, data_shape))
    return data, index_array(draw, idx_shape, data_shape[axis]), draw(arrays(dtype, idx_shape)), axis


@given(case=element_case())
def test_element_mode_writes_in_order(case):
    data, indices, updates, axis = case
    got = run_layer(lambda d, i, u: td.scatter_elements(d, i, u, axis - data.ndim), data, indices, updates)
    assert_same(got, scatter_elements_loop(data, indices, updates, axis))


@st.composite
def nd_case(draw):
    dtype = draw(st.sampled_from(DATA_TYPES))
    data_shape = draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    k = draw(st.integers(1, len(data_shape)))
    batch = draw(shapes(max_dims=2, max_side=3))
    columns = [index_array(draw, batch + (1,), n) for n in data_shape[:k]]
    indices = np.concatenate([c.astype(np.int64) for c in columns], axis=-1).astype(columns[0].dtype)
    updates = draw(arrays(dtype, batch + data_shape[k:]))
    return draw(arrays(dtype, data_shape)), indices, updates


@given(case=nd_case())
def test_nd_mode_writes_in_order(case):
    data, indices, updates = case
    got = run_layer(td.scatter_nd, data, indices, updates)
    assert_same(got, scatter_nd_loop(data, indices, updates))


@st.composite
def put_case(draw):
    arr_shape = draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    axis = draw(st.integers(0, len(arr_shape) - 1))
    # one index per line along the axis, so no element is written twice; dims of 1 broadcast
    idx_shape = tuple(1 if k == axis or draw(st.booleans()) else n for k, n in enumerate(arr_shape))
    indices = draw(arrays(np.int64, idx_shape, min_value=-arr_shape[axis], max_value=arr_shape[axis] - 1))
    target = tuple(1 if k == axis else n for k, n in enumerate(arr_shape))
    values_shape = draw(st.sampled_from([target, target[1:], (), (1,) * len(target)]))
    return draw(arrays(np.float32, arr_shape)), indices, draw(arrays(np.float32, values_shape)), axis


@given(case=put_case())
def test_put_along_axis_matches_numpy(case):
    arr, indices, values, axis = case
    got = run_layer(lambda a, v: td.put_along_axis(a, indices, v, axis), arr, values)
    want = arr.copy()
    np.put_along_axis(want, indices, values, axis)
    assert_same(got, want)


def test_the_ir_shows_mode_and_axis():
    net = td.Network("s")
    data = net.input("data", td.float32, ("n", 3))
    td.scatter_elements(data, np.zeros((1, 3), np.int32), np.ones((1, 3), np.float32), axis=-1)
    td.scatter_nd(data, np.zeros((1, 1), np.int32), np.ones((1, 3), np.float32))
    assert [node.op for node in net.nodes if node.op.kind == "Scatter"] == [
        Scatter(ScatterMode.ELEMENT, 1), Scatter(ScatterMode.ND, 0)]
    text = net.format(locations=False)
    assert "Scatter[ELEMENT](%data, %constant_0, %constant_1, axis=1)" in text
    assert "Scatter[ND](%data, %constant_2, %constant_3)" in text


def test_put_along_axis_broadcasts_with_layers():
    net = td.Network("p")
    arr = net.input("arr", td.float32, (3, 4))
    y = td.put_along_axis(arr, np.array([[1]]), 0.0, axis=1)
    assert [node.op.label() for node in net.nodes] == [
        "Constant", "Slice", "Constant", "Unsqueeze", "Slice", "Scatter[ELEMENT]"]
    assert y.type == arr.type


def op_call(mode, axis, upd_shape):
    """A row's call adding the Scatter op itself, on float32 data (2, 2) and index [[0]]."""
    def build(d):
        index = d.network.constant(np.zeros((1, 1), np.int32))
        updates = d.network.constant(np.zeros(upd_shape, np.float32))
        return d.network.add1(Scatter(mode, axis), (d, index, updates))
    return call(build, f32(2, 2))


ERRORS = [
    (DTypeError, "Scatter[ELEMENT]: input 'data' has dtype uint8; expected one of bool, int8, int32, int64, "
                 "float32, float16, bfloat16",
     call(lambda d: td.scatter_elements(d, [[0]], np.zeros((1, 1), np.uint8)), (td.uint8, (2, 2)))),
    (DTypeError, "scatter_elements: argument 'indices' ([[0.5]], float64) must hold integers",
     call(lambda d: td.scatter_elements(d, [[0.5]], [[1.0]]), f32(2, 2))),
    (DTypeError, "Scatter[ND]: input 'updates' has dtype float16 but 'data' has float32; they must be the "
                 "same (cast with td.cast)",
     call(lambda d, u: td.scatter_nd(d, [[0]], u), f32(2, 2), (td.float16, (1, 2)))),
    (DTypeError, "scatter_nd: argument 'updates' ([[0.5, 1.0]], float64) cannot be used as int32: "
                 "TensorRT networks are strongly typed; convert it first (e.g. .astype) or cast the tensor "
                 "with td.cast",
     call(lambda d: td.scatter_nd(d, [[0]], [[0.5, 1.0]]), (td.int32, (2, 2)))),
    (ShapeError, "scatter_elements: argument 'data' has shape (); expected rank >= 1",
     call(lambda d: td.scatter_elements(d, [0], [1.0]), f32())),
    (ShapeError, "scatter_elements: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda d: td.scatter_elements(d, [[0]], [[1.0]], axis=2), f32(2, 2))),
    (ShapeError, "Scatter[ELEMENT]: input 'indices' has shape (1,) but 'data' has (2, 2); ELEMENT mode needs "
                 "equal ranks",
     call(lambda d: td.scatter_elements(d, [0], [1.0]), f32(2, 2))),
    (ShapeError, "Scatter[ELEMENT]: dim 1 of 'indices' (shape (1, 3)) is larger than that of 'data' (shape "
                 "(2, 2)); expected dims no larger than data's",
     call(lambda d: td.scatter_elements(d, [[0, 1, 0]], [[1.0, 2.0, 3.0]]), f32(2, 2))),
    (ShapeError, "Scatter[ELEMENT]: input 'updates' has shape (1, 2); expected (1, 1) (the shape of "
                 "'indices': one update per index)",
     call(lambda d: td.scatter_elements(d, [[0]], [[1.0, 2.0]]), f32(2, 2))),
    (ShapeError, "Scatter[ND]: the last dim of 'indices' (shape (1, 3)) is 3; expected 1 to 2 coordinates "
                 "into data of shape (2, 2)",
     call(lambda d: td.scatter_nd(d, [[0, 0, 0]], [1.0]), f32(2, 2))),
    (ShapeError, "Scatter[ND]: the last dim of 'indices' (shape (1, k)) is dynamic; it must be static",
     call(lambda d, i: td.scatter_nd(d, i, [1.0]), f32(2, 2), (td.int32, (1, "k")))),
    (ShapeError, "Scatter[ND]: input 'indices' has shape (); ND mode needs rank >= 1 (the last dim holds the "
                 "coordinates)",
     call(lambda d: td.scatter_nd(d, 0, [1.0, 2.0]), f32(2, 2))),
    (ShapeError, "Scatter[ND]: input 'updates' has shape (2,); expected (1, 2) (indices.shape[:-1] + "
                 "data.shape[k:], k = indices.shape[-1])",
     call(lambda d: td.scatter_nd(d, [[1]], [1.0, 2.0]), f32(2, 2))),
    (ArgumentError, "Scatter[ND]: argument 'axis' is 1; expected 0 (ND mode has no scatter axis)",
     op_call(ScatterMode.ND, 1, (1, 2))),
    (ShapeError, "Scatter[ELEMENT]: argument 'axis' is -1; expected an int in [0, 1] for data of shape "
                 "(2, 2)",
     op_call(ScatterMode.ELEMENT, -1, (1, 1))),
    (ArgumentError, "put_along_axis: argument 'axis' is None; expected an int (axis=None, NumPy's flattened "
                    "form, is not supported)",
     call(lambda a: td.put_along_axis(a, [[0]], 1.0, None), f32(2, 2))),
    (ShapeError, "put_along_axis: argument 'indices' has shape (1,) but 'arr' has (2, 2); expected the same "
                 "rank (NumPy's rule)",
     call(lambda a: td.put_along_axis(a, [0], 1.0, 1), f32(2, 2))),
    (ShapeError, "put_along_axis: shapes (3, 2) and (2, 1) do not broadcast: dims 3 and 2 differ and "
                 "neither is 1",
     call(lambda a: td.put_along_axis(a, [[0], [1]], 1.0, 1), f32(3, 2))),
    (ShapeError, "put_along_axis: argument 'values' has shape (3,); expected one that broadcasts to (2, 1) "
                 "(the shape of the indices, broadcast against 'arr')",
     call(lambda a: td.put_along_axis(a, [[0], [1]], [1.0, 2.0, 3.0], 1), f32(2, 2))),
    (ExecutionError, "Scatter[ELEMENT] (layer scatter_0): an index is 3 for an axis of length 3; expected "
                     "[-3, 2] (TensorRT leaves out-of-range scatter indices undefined)",
     run_with(lambda d: td.scatter_elements(d, [[0, 3]], [[1.0, 2.0]], axis=1),
              {"t0": np.zeros((2, 3), np.float32)}, f32(2, 3))),
    (ExecutionError, "Scatter[ND] (layer scatter_0): an index is -3 for an axis of length 2; expected "
                     "[-2, 1] (TensorRT leaves out-of-range scatter indices undefined)",
     run_with(lambda d: td.scatter_nd(d, [[1, -3]], [1.0]), {"t0": np.zeros((2, 2), np.float32)}, f32(2, 2))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_, line=error_line(call_))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    # constant indices without repeats: writes to one element twice are undefined in TensorRT and ONNX
    element = np.array([[[2, -1, 0, 1]], [[0, 1, -2, 3]]])
    rows = []
    for dtype in FLOATS + INTS + (td.int8, td.bool_):
        for idx_type in (np.int32, np.int64):

            def build(net, dtype=dtype, idx_type=idx_type):
                data = net.input("data", dtype, (2, "n", 4))
                net.output("axis2", td.scatter_elements(data, element.astype(idx_type),
                                                        net.input("u_axis2", dtype, (2, 1, 4)), axis=2))
                net.output("axis0", td.scatter_elements(data, np.array([[[1, 0, -1, 0]]], idx_type),
                                                        net.input("u_axis0", dtype, (1, 1, 4))))
                net.output("nd_rows", td.scatter_nd(data, np.array([[1], [-2]], idx_type),
                                                    net.input("u_rows", dtype, (2, "n", 4))))
                net.output("nd_elements", td.scatter_nd(data, np.array([[[0, 0, 3], [1, -1, 0]]], idx_type),
                                                        net.input("u_elements", dtype, (1, 2))))
                net.output("put", td.put_along_axis(data, np.array([[[3]], [[-4]]], idx_type),
                                                    net.input("u_put", dtype, ()), axis=2))

            rows.append(Row(f"scatter-{dtype.name}-{np.dtype(idx_type).name}", build, dims={"n": (1, 3)}))
    return rows


@tensorrt_case
def scatters() -> td.Network:
    net = td.Network("scatters")
    data = net.input("data", td.float32, (3, "n", 4))
    idx = net.input("idx", td.int32, (3, 1, 2))
    upd = net.input("upd", td.float32, (3, 1, 2))
    net.output("element_axis2", td.scatter_elements(data, idx, upd, axis=2))
    ones = np.ones((1, 1, 2), np.float32)
    net.output("element_axis0", td.scatter_elements(data, np.array([[[2, 0]]]), ones))
    rows = np.zeros((2, 2, 4), np.float32)
    net.output("nd_rows", td.scatter_nd(data, np.array([[1], [0]], np.int32), rows))
    net.output("nd_elements", td.scatter_nd(data, np.array([[2, 1, 3]]), np.array([5.0], np.float32)))
    net.output("put", td.put_along_axis(data, np.array([[[3]], [[0]], [[1]]]), -4.0, axis=-1))
    flags = net.input("flags", td.bool, (2, 3))
    net.output("bool", td.scatter_elements(flags, np.array([[1, 0, 1]]), np.ones((1, 3), np.bool_), axis=0))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("scatter_element", "NvInfer.h addScatter(data, indices, updates, ScatterMode::kELEMENT), "
     "IScatterLayer::setAxis",
     {"Scatter": Layer("add_scatter", {"mode": "ScatterMode.ELEMENT", "axis": 1}, ("data", "idx", "upd"))})
def _(net):
    data = net.input("data", td.float32, (3, 4, 5))
    idx, upd = net.input("idx", td.int32, (3, 2, 5)), net.input("upd", td.float32, (3, 2, 5))
    net.output("y", td.scatter_elements(data, idx, upd, axis=1))


@tensorrt_expectation("scatter_nd", "NvInfer.h ScatterMode::kND: inputs data, indices, updates",
     {"Scatter": Layer("add_scatter", {"mode": "ScatterMode.ND"}, ("data", "idx", "upd"))})
def _(net):
    data = net.input("data", td.float32, (3, 4, 5))
    idx, upd = net.input("idx", td.int64, (2, 2)), net.input("upd", td.float32, (2, 5))
    net.output("y", td.scatter_nd(data, idx, upd))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "put_along_axis": lambda e: dict(arr=e.m, indices=e.i, values=e.m, axis=1),
    "scatter_elements": lambda e: dict(data=e.m, indices=e.i, updates=e.m, axis=1),
    "scatter_nd": lambda e: dict(data=e.m, indices=np.zeros((2, 2), np.int32), updates=np.ones((2,), np.float32)),
}
