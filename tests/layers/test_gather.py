"""Gather in DEFAULT (e = 0 and 1), ELEMENT and ND modes against per-element Python formulas, with
TensorRT's rules: out-of-range indices read 0, negative ones wrap once (trtdsl's reading)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, expect_error, run_layer, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from backend_rows import Row, INTS, tensorrt_case, tensorrt_expectation, Layer, Const

DATA_TYPES = [np.float32, np.float16, td.bfloat16.numpy, np.int32, np.int64, np.bool_, np.int8]


def source(i, d):
    """The element an index reads on an axis of size d, or None (the output is 0 there)."""
    i = int(i)
    if i < 0:
        i += d
    return i if 0 <= i < d else None


def index_array(draw, shape, d):
    """Indices in [-d - 2, d + 1]: valid ones, negative ones and out-of-range ones."""
    dtype = draw(st.sampled_from([np.int32, np.int64]))
    return draw(arrays(dtype, shape, min_value=-d - 2, max_value=d + 1))


def assert_same(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
    np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))


@st.composite
def default_case(draw):
    dtype = draw(st.sampled_from(DATA_TYPES))
    e = draw(st.integers(0, 1))
    data_shape = draw(shapes(min_dims=1 + e, max_dims=3, max_side=3))
    axis = draw(st.integers(e, len(data_shape) - 1))
    idx_shape = draw(shapes(min_dims=e, max_dims=2, max_side=3))
    if e:
        # dim 0 pairs data and indices; either side may be 1 (broadcast)
        n = draw(st.sampled_from([data_shape[0], 1]))
        idx_shape = (n,) + idx_shape[1:]
        if n != 1 and draw(st.booleans()):
            data_shape = (1,) + data_shape[1:]
    data = draw(arrays(dtype, data_shape))
    idx = index_array(draw, idx_shape, data_shape[axis])
    return data, idx, axis, e


@given(case=default_case())
def test_default_mode(case):
    data, idx, axis, e = case
    negative = axis - data.ndim
    got = run_layer(lambda d, i: td.gather(d, i, axis=negative, num_elementwise_dims=e), data, idx)
    batch = (max(data.shape[0], idx.shape[0]) if 0 not in (data.shape[0], idx.shape[0]) else 0,) if e else ()
    pre, post = data.shape[e:axis], data.shape[axis + 1:]
    shape = batch + pre + idx.shape[e:] + post
    want = np.zeros(shape, data.dtype)
    for out in np.ndindex(*shape):
        b, rest = out[:e], out[e:]
        p, rest = rest[:len(pre)], rest[len(pre):]
        i, q = rest[:idx.ndim - e], rest[idx.ndim - e:]
        db = tuple(min(v, data.shape[0] - 1) for v in b)  # a dim of 1 is read at 0
        ib = tuple(min(v, idx.shape[0] - 1) for v in b)
        k = source(idx[ib + i], data.shape[axis])
        if k is not None:
            want[out] = data[db + p + (k,) + q]
    assert_same(got, want)


def test_take_is_gather_axis_0_by_default_and_indices_may_be_python():
    data = np.array([[1, 2], [3, 4], [5, 6]], np.float32)
    got = run_layer(lambda d: td.take(d, [[2, -3], [3, -4]]), data)
    assert got.tolist() == [[[5, 6], [1, 2]], [[0, 0], [0, 0]]]
    scalar = run_layer(lambda d: td.take(d, 1, axis=1), data)
    assert scalar.tolist() == [2, 4, 6]


@st.composite
def element_case(draw):
    dtype = draw(st.sampled_from(DATA_TYPES))
    data_shape = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    axis = draw(st.integers(0, len(data_shape) - 1))
    idx_shape = tuple(draw(st.integers(0, 4)) if k == axis else draw(st.integers(0, d))
                      for k, d in enumerate(data_shape))
    return draw(arrays(dtype, data_shape)), index_array(draw, idx_shape, data_shape[axis]), axis


@given(case=element_case())
def test_element_mode_is_take_along_axis(case):
    data, idx, axis = case
    got = run_layer(lambda d, i: td.take_along_axis(d, i, axis), data, idx)
    want = np.zeros(idx.shape, data.dtype)
    for j in np.ndindex(*idx.shape):
        k = source(idx[j], data.shape[axis])
        if k is not None:
            want[j] = data[j[:axis] + (k,) + j[axis + 1:]]
    assert_same(got, want)


@st.composite
def nd_case(draw):
    dtype = draw(st.sampled_from(DATA_TYPES))
    data_shape = draw(shapes(min_dims=1, max_dims=4, max_side=3))
    e = draw(st.integers(0, len(data_shape) - 1))
    k = draw(st.integers(1, len(data_shape) - e))
    middle = draw(shapes(min_dims=0, max_dims=2, max_side=3))
    idx_shape = data_shape[:e] + middle + (k,)
    dtype_i = draw(st.sampled_from([np.int32, np.int64]))
    bound = max(data_shape[e:e + k]) + 2
    idx = draw(arrays(dtype_i, idx_shape, min_value=-bound, max_value=bound))
    return draw(arrays(dtype, data_shape)), idx, e


@given(case=nd_case())
def test_nd_mode_is_gather_nd(case):
    data, idx, e = case
    got = run_layer(lambda d, i: td.gather_nd(d, i, batch_dims=e), data, idx)
    k = idx.shape[-1]
    shape = idx.shape[:-1] + data.shape[e + k:]
    want = np.zeros(shape, data.dtype)
    for j in np.ndindex(*idx.shape[:-1]):
        coords = [source(c, d) for c, d in zip(idx[j], data.shape[e:e + k])]
        if None not in coords:
            want[j] = data[j[:e] + tuple(coords)]
    assert_same(got, want)


def test_int64_indices_are_cast_to_int32_unless_the_data_is_int64():
    big = np.array([2**32 + 1], np.int64)  # int32(2**32 + 1) == 1
    assert run_layer(lambda d, i: td.take(d, i), np.array([10, 20, 30], np.float32), big).tolist() == [20]
    assert run_layer(lambda d, i: td.take(d, i), np.array([10, 20, 30], np.int64), big).tolist() == [0]


def test_dynamic_dims():
    net = td.Network("g")
    data = net.input("data", td.float32, ("n", 3))
    idx = net.input("idx", td.int32, ("m",))
    y = td.take(data, idx, axis=0)
    assert str(y.type) == "f32[m,3]"
    net.output("y", y)
    out = net.run({"data": np.arange(6, dtype=np.float32).reshape(2, 3), "idx": np.array([1, 1, 0, 2], np.int32)})
    assert out["y"].tolist() == [[3, 4, 5], [3, 4, 5], [0, 1, 2], [0, 0, 0]]


def test_textual_ir():
    net = td.Network("g")
    data = net.input("data", td.float32, (4, 3))
    idx = net.input("idx", td.int32, (4, 2))
    net.output("a", td.gather(data, idx, axis=1, num_elementwise_dims=1))
    net.output("b", td.gather_nd(data, idx))
    text = net.format(locations=False)
    assert "%a : f32[4,2] = Gather[DEFAULT](%data, %idx, axis=1, num_elementwise_dims=1)" in text
    assert "%b : f32[4] = Gather[ND](%data, %idx)" in text


def call(build, *specs):
    def run():
        net = td.Network("e")
        return build(*[net.input(f"t{i}", dt, shape) for i, (dt, shape) in enumerate(specs)])
    return run


F32, I32 = td.float32, td.int32
ROWS = [
    (DTypeError, "Gather[DEFAULT]: input 'indices' has dtype float32; expected one of int32, int64",
     call(lambda d, i: td.take(d, i), (F32, (3,)), (F32, (2,)))),
    (DTypeError, "Gather[DEFAULT]: input 'data' has dtype uint8; expected one of bool, int4, int8, int32, int64, "
                 "float8_e4m3, float32, float16, bfloat16",
     call(lambda d, i: td.take(d, i), (td.uint8, (3,)), (I32, (2,)))),
    (ShapeError, "Gather[DEFAULT]: input 'data' has shape (); expected rank >= 1",
     call(lambda d, i: td.take(d, i), (F32, ()), (I32, (2,)))),
    (ShapeError, "take: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda d, i: td.take(d, i, axis=2), (F32, (3, 2)), (I32, (2,)))),
    (ArgumentError, "Gather[DEFAULT]: argument 'num_elementwise_dims' is 2; expected 0 or 1 in DEFAULT mode",
     call(lambda d, i: td.gather(d, i, axis=2, num_elementwise_dims=2), (F32, (3, 2, 2)), (I32, (3, 2)))),
    (ShapeError, "Gather[DEFAULT]: argument 'axis' is 0; expected an int in [1, 1] for data of shape (3, 2) and "
                 "num_elementwise_dims=1",
     call(lambda d, i: td.gather(d, i, num_elementwise_dims=1), (F32, (3, 2)), (I32, (3,)))),
    (ShapeError, "Gather[DEFAULT]: shapes (3, 2) and (4,) do not broadcast: dims 3 and 4 differ and neither is 1",
     call(lambda d, i: td.gather(d, i, axis=1, num_elementwise_dims=1), (F32, (3, 2)), (I32, (4,)))),
    (ShapeError, "Gather[ELEMENT]: input 'indices' has shape (2,) but 'data' has (3, 2); ELEMENT mode needs equal ranks",
     call(lambda d, i: td.take_along_axis(d, i, 1), (F32, (3, 2)), (I32, (2,)))),
    (ShapeError, "Gather[ELEMENT]: dim 0 of 'indices' (shape (4, 1)) is larger than that of 'data' (shape (3, 2)); off "
                 "the gather axis, indices address data elements directly",
     call(lambda d, i: td.take_along_axis(d, i, 1), (F32, (3, 2)), (I32, (4, 1)))),
    (ShapeError, "Gather[ND]: the last dim of 'indices' (shape (2, 3)) is 3; expected 1 to 2 coordinates into data of "
                 "shape (3, 2) after 0 batch dims",
     call(lambda d, i: td.gather_nd(d, i), (F32, (3, 2)), (I32, (2, 3)))),
    (ShapeError, "Gather[ND]: the last dim of 'indices' (shape (2, k)) is dynamic; it must be static",
     call(lambda d, i: td.gather_nd(d, i), (F32, (3, 2)), (I32, (2, "k")))),
    (ShapeError, "Gather[ND]: argument 'num_elementwise_dims' is 2; expected an int in [0, 1] for data of shape (3, 2)",
     call(lambda d, i: td.gather_nd(d, i, batch_dims=2), (F32, (3, 2)), (I32, (3, 2, 1)))),
    (ShapeError, "Gather[ND]: input 'indices' has shape (1,); ND mode needs rank >= 2 (num_elementwise_dims=1 batch "
                 "dims, then the coordinates' dim)",
     call(lambda d, i: td.gather_nd(d, i, batch_dims=1), (F32, (3, 2)), (I32, (1,)))),
    (ShapeError, "Gather[ND]: batch dim 0 is 3 in 'data' (shape (3, 2)) but 2 in 'indices' (shape (2, 1)); ND mode "
                 "needs them equal",
     call(lambda d, i: td.gather_nd(d, i, batch_dims=1), (F32, (3, 2)), (I32, (2, 1)))),
    (ArgumentError, "gather: argument 'mode' is 'scatter'; expected one of 'default', 'element', 'nd'",
     call(lambda d, i: td.gather(d, i, mode="scatter"), (F32, (3,)), (I32, (2,)))),
    (ArgumentError, "gather_nd: argument 'batch_dims' is 0.5; expected an int",
     call(lambda d, i: td.gather_nd(d, i, batch_dims=0.5), (F32, (3,)), (I32, (2, 1)))),
    (DTypeError, "take: argument 'indices' ([0.5], float64) must hold integers",
     call(lambda d: td.take(d, [0.5]), (F32, (3,)))),
    (DTypeError, "take: argument 'data' is [1, 2]; expected a trtdsl Tensor"
                 "; turn an array or a number into one with net.constant(...)", lambda: td.take([1, 2], [0])),
]


@pytest.mark.parametrize("cls,message,build", ROWS, ids=[r[1][:60] for r in ROWS])
def test_errors(cls, message, build):
    expect_error(cls, message, build)


def test_the_layer_checks_what_the_functions_cannot():
    net = td.Network("e")
    d = net.input("d", F32, (3, 2))
    i = net.input("i", I32, (3, 1))
    expect_error(ArgumentError, "Gather[ND]: argument 'axis' is 1; expected 0 (ND mode has no gather axis)",
                 lambda: net.add1(td.ops.Gather(1, td.GatherMode.ND), (d, i)))
    expect_error(ArgumentError, "Gather[ELEMENT]: argument 'num_elementwise_dims' is 1; expected 0 in ELEMENT mode",
                 lambda: net.add1(td.ops.Gather(1, td.GatherMode.ELEMENT, 1), (d, i)))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- Gather ---------------------------------------------------------------------------------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in (td.float32, td.int64, td.bool_):
        for idx_type in INTS:

            def build(net, dtype=dtype, idx_type=idx_type):
                data = net.input("data", dtype, ("n", 4, 3))
                data4 = net.input("data4", dtype, ("n", 2, 4, 3))
                net.output("take", td.take(data, net.input("i_take", idx_type, ("m", 2)), axis=1))
                net.output(
                    "batched",
                    td.gather(
                        data4, net.input("i_batched", idx_type, (1, "m")), axis=2, num_elementwise_dims=1
                    ),
                )
                net.output(
                    "element", td.take_along_axis(data, net.input("i_element", idx_type, ("n", 3, 2)), axis=1)
                )
                net.output("nd", td.gather_nd(data, net.input("i_nd", idx_type, ("m", 2))))
                net.output(
                    "nd_batched",
                    td.gather_nd(data, net.input("i_nd_batched", idx_type, ("n", 2, 1)), batch_dims=1),
                )

            name = f"gather-{dtype.name}-{idx_type.name}"
            rows.append(Row(name, build))
            # beyond every axis here: TensorRT reads 0 there
            out_of_range = {f"i_{v}": (-7, 7) for v in ("take", "batched", "element", "nd", "nd_batched")}
            rows.append(Row(f"{name}-out-of-range", build, values=out_of_range))
    return rows


@tensorrt_case
def gathers() -> td.Network:
    net = td.Network("gathers")
    data = net.input("data", td.float32, (3, 4, 5))
    idx = net.input("idx", td.int32, (2,))
    net.output("take", td.take(data, idx, axis=-2))
    net.output("take_const", td.take(data, np.array([[0, 2]], np.int64), axis=2))
    net.output("along", td.take_along_axis(data, np.zeros((3, 4, 2), np.int32), axis=-1))
    net.output("nd", td.gather_nd(data, np.array([[0, 1], [2, 3]], np.int32)))
    net.output("nd_batch", td.gather_nd(data, np.zeros((3, 1), np.int32), batch_dims=1))
    net.output("elementwise", td.gather(data, np.zeros((3, 2), np.int32), axis=1, num_elementwise_dims=1))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
GATHER_IDX = np.array([[0, 2]], np.int32)


@tensorrt_expectation("gather_default", "NvInfer.h IGatherLayer: addGatherV2(data, indices, mode), setGatherAxis (kDEFAULT)",
     {"Gather": Layer("add_gather_v2", {"mode": "GatherMode.DEFAULT", "axis": 1, "num_elementwise_dims": 0},
                      ("data", "idx"))})
def _(net):
    data = net.input("data", td.float32, (3, 4, 5))
    net.output("y", td.take(data, net.input("idx", td.int32, (2,)), axis=-2))


@tensorrt_expectation("gather_element", "NvInfer.h IGatherLayer (kELEMENT: output[J] = data[J with J[axis] = indices[J]])",
     {"Gather": Layer("add_gather_v2", {"mode": "GatherMode.ELEMENT", "axis": 2, "num_elementwise_dims": 0},
                      ("data", "idx"))})
def _(net):
    data = net.input("data", td.float32, (3, 4, 5))
    net.output("y", td.take_along_axis(data, net.input("idx", td.int32, (3, 4, 2)), axis=-1))


@tensorrt_expectation("gather_nd", "NvInfer.h IGatherLayer (kND, nbElementwiseDims = the batch dims)",
     {"Gather": Layer("add_gather_v2", {"mode": "GatherMode.ND", "num_elementwise_dims": 1},
                      ("data", "idx"))})
def _(net):
    data = net.input("data", td.float32, (3, 4, 5))
    net.output("y", td.gather_nd(data, net.input("idx", td.int32, (3, 1)), batch_dims=1))


@tensorrt_expectation("gather_elementwise_dims", "NvInfer.h IGatherLayer (kDEFAULT with nbElementwiseDims = 1)",
     {"Gather": Layer("add_gather_v2", {"mode": "GatherMode.DEFAULT", "axis": 1, "num_elementwise_dims": 1},
                      ("data", Const(np.zeros((3, 2), np.int32))))})
def _(net):
    data = net.input("data", td.float32, (3, 4, 5))
    net.output("y", td.gather(data, np.zeros((3, 2), np.int32), axis=1, num_elementwise_dims=1))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "gather": lambda e: dict(data=e.m, indices=e.iv, axis=1),
    "gather_nd": lambda e: dict(data=e.m, indices=np.zeros((2, 2), np.int32)),
    "take": lambda e: dict(data=e.m, indices=e.iv, axis=1),
    "take_along_axis": lambda e: dict(data=e.m, indices=e.i, axis=1),
}
