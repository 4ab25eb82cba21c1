"""OneHot against its definition evaluated per output element: on where the element's class along the new
axis is the index (a negative index counting from the depth), off elsewhere."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, expect_error, f32, run_layer, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.layers.one_hot import OneHot
from backend_rows import Row, FLOATS, INTS, tensorrt_case, tensorrt_expectation, Layer, Const

VALUE_TYPES = [np.float32, np.float16, td.bfloat16.numpy, np.int32, np.int64, np.int8, np.bool_]


def expected(indices, depth, off, on, axis):
    """Each output element: its class c is its coordinate on ``axis``, its index the indices' element at
    the other coordinates; on when index == c, or index == c - depth (a negative index)."""
    axis %= indices.ndim + 1
    shape = indices.shape[:axis] + (depth,) + indices.shape[axis:]
    out = np.empty(shape, np.asarray(on).dtype)
    for position in itertools.product(*(range(n) for n in shape)):
        c = position[axis]
        index = int(indices[position[:axis] + position[axis + 1:]])
        out[position] = on if index in (c, c - depth) else off
    return out


@st.composite
def case(draw):
    dtype = draw(st.sampled_from(VALUE_TYPES))
    shape = draw(shapes(max_dims=3, max_side=3))
    depth = draw(st.integers(1, 5))
    indices = draw(arrays(np.int32, shape, min_value=-depth - 2, max_value=depth + 2))
    if dtype == np.int8:
        values = draw(arrays(np.int32, (2,), min_value=-128, max_value=127)).astype(np.int8)
    else:
        values = draw(arrays(dtype, (2,)))
    return indices, values, depth, draw(st.integers(-len(shape) - 1, len(shape)))


@given(case=case())
def test_one_hot_matches_the_definition(case):
    indices, values, depth, axis = case
    got = run_layer(lambda i, v: td.one_hot(i, depth, v, axis), indices, values)
    want = expected(indices, depth, values[0], values[1], axis)
    assert got.dtype == values.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_values_given_as_numbers_become_a_constant_of_dtype():
    got = run_layer(lambda i: td.one_hot(i, 3, (2, 7), dtype=td.int64), np.array([1, -3, 3], np.int32))
    np.testing.assert_array_equal(got, np.array([[2, 7, 2], [7, 2, 2], [2, 2, 2]], np.int64))
    assert got.dtype == np.int64


def test_the_ir_keeps_depth_and_a_non_negative_axis():
    net = td.Network("oh")
    i = net.input("i", td.int32, ("n", 2))
    y = td.one_hot(i, 4, axis=-2)
    assert net.nodes[-1].op == OneHot(4, 1) and y.shape == (i.shape[0], 4, 2) and y.dtype is td.float32
    assert "OneHot(%i, %constant_0, depth=4, axis=1)" in net.format(locations=False)


def test_the_layer_accepts_a_negative_axis():
    indices = np.array([[0, 2]], np.int32)
    got = run_layer(lambda i, v: i.network.add1(OneHot(3, -3), (i, v)), indices, np.array([0, 1], np.float32))
    np.testing.assert_array_equal(got, expected(indices, 3, 0.0, 1.0, 0))


ERRORS = [
    (DTypeError, "one_hot: argument 'indices' has dtype int64; expected int32 (IOneHotLayer takes int32 "
                 "indices: cast with td.cast(indices, td.int32))",
     call(lambda i: td.one_hot(i, 3), (td.int64, (2,)))),
    (DTypeError, "one_hot: argument 'indices' is [0, 1]; expected a trtdsl Tensor; turn an array or a number into one with net.constant(...)",
     lambda: td.one_hot([0, 1], 3)),
    (ArgumentError, "one_hot: argument 'depth' is 0; expected an int in [1, 2147483647] (TensorRT needs the "
                    "depth when the network is built)",
     call(lambda i: td.one_hot(i, 0), (td.int32, (2,)))),
    (ArgumentError, "one_hot: argument 'depth' is 3.0; expected an int in [1, 2147483647] (TensorRT needs "
                    "the depth when the network is built)",
     call(lambda i: td.one_hot(i, 3.0), (td.int32, (2,)))),
    (ShapeError, "one_hot: argument 'axis' is 2; expected an int in [-2, 1] for rank-1 indices (the new "
                 "axis' position in the output)",
     call(lambda i: td.one_hot(i, 3, axis=2), (td.int32, (2,)))),
    (ShapeError, "one_hot: argument 'values' is (0, 1, 2); expected a pair (off, on), or a tensor of shape "
                 "(2,)",
     call(lambda i: td.one_hot(i, 3, (0, 1, 2)), (td.int32, (2,)))),
    (DTypeError, "one_hot: argument 'values' ((0.5, 1.0), float64) cannot be used as int32: TensorRT "
                 "networks are strongly typed; convert it first (e.g. .astype) or cast the tensor with "
                 "td.cast",
     call(lambda i: td.one_hot(i, 3, (0.5, 1.0), dtype=td.int32), (td.int32, (2,)))),
    (DTypeError, "one_hot: argument 'values' has dtype float32 but 'dtype' is float16; give one of them (the "
                 "output has the values' dtype)",
     call(lambda i, v: td.one_hot(i, 3, v, dtype=td.float16), (td.int32, (2,)), f32(2))),
    (DTypeError, "one_hot: argument 'dtype' is 'float32'; expected a trtdsl dtype such as td.float32",
     call(lambda i: td.one_hot(i, 3, dtype="float32"), (td.int32, (2,)))),
    (ShapeError, "OneHot: input 'values' has shape (3,); expected (2,): [off, on]",
     call(lambda i, v: td.one_hot(i, 3, v), (td.int32, (2,)), f32(3))),
    (DTypeError, "OneHot: input 'values' has dtype uint8; expected one of bool, int8, int32, int64, float32, "
                 "float16, bfloat16",
     call(lambda i, v: td.one_hot(i, 3, v), (td.int32, (2,)), (td.uint8, (2,)))),
    (DTypeError, "OneHot: input 'indices' has dtype int64; expected one of int32 (IOneHotLayer takes int32 "
                 "indices)",
     call(lambda i, v: i.network.add1(OneHot(3), (i, v)), (td.int64, (2,)), f32(2))),
    (ShapeError, "OneHot: argument 'axis' is -3; expected an int in [-2, 1] for rank-1 indices",
     call(lambda i, v: i.network.add1(OneHot(3, -3), (i, v)), (td.int32, (2,)), f32(2))),
    (ArgumentError, "OneHot: argument 'depth' is 0; expected an int in [1, 2147483647]",
     call(lambda i, v: i.network.add1(OneHot(0), (i, v)), (td.int32, (2,)), f32(2))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS + INTS + (td.int8, td.bool_):

        def build(net, dtype=dtype):
            i = net.input("i", td.int32, ("n", 3))
            values = net.input("values", dtype, (2,))
            net.output("last", td.one_hot(i, 4, values))
            net.output("first", td.one_hot(i, 5, values, axis=0))
            net.output("middle", td.one_hot(i, 3, values, axis=1))

        # indices in [-6, 6] against depths 3 to 5: negatives that wrap, and indices of no class
        rows.append(Row(f"one-hot-{dtype.name}", build, values={"i": (-6, 6)}))
    return rows


@tensorrt_case
def one_hots() -> td.Network:
    net = td.Network("one_hots")
    i = net.input("i", td.int32, ("n", 3))
    values = net.input("values", td.float16, (2,))
    net.output("last", td.one_hot(i, 4, values=(-1.0, 2.5)))
    net.output("first", td.one_hot(i, 5, values, axis=0))
    net.output("middle", td.one_hot(i, 3, (7, 9), axis=1, dtype=td.int64))
    net.output("bool", td.one_hot(i, 2, (False, True), axis=-2, dtype=td.bool))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
ONE_HOT_VALUES = np.array([-1.5, 2.0], np.float32)


@tensorrt_expectation("one_hot", "NvInfer.h addOneHot(indices, values, depth, axis): values [off, on] (input 1), depth a 0-D "
     "Int32/Int64 build-time constant (input 2); IOneHotLayer::setAxis in [-rank-1, rank]",
     {"OneHot": Layer("add_one_hot", {"axis": 1},
                      ("idx", Const(ONE_HOT_VALUES), Const(np.array(5), int_dtypes=("int32", "int64"))))})
def _(net):
    idx = net.input("idx", td.int32, ("n", 3))
    net.output("y", td.one_hot(idx, 5, values=(-1.5, 2.0), axis=1))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "one_hot": lambda e: dict(indices=e.iv, depth=4, values=(0.0, 1.0), axis=-1),
}
