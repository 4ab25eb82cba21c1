"""Concatenation: pieces of the output are the inputs, in order; constants mixed in; dynamic dims; errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, expect_error, run_layer, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from backend_rows import Row, tensorrt_case, tensorrt_expectation, Layer

DTYPES = [np.float32, np.float16, td.bfloat16.numpy, np.int32, np.int64, np.bool_, np.int8]


@st.composite
def concat_case(draw, dtype):
    base = draw(shapes(min_dims=1, max_dims=4, max_side=4))
    axis = draw(st.integers(0, len(base) - 1))
    count = draw(st.integers(1, 4))
    lengths = draw(st.lists(st.integers(0, 3), min_size=count, max_size=count))
    parts = []
    for n in lengths:
        shape = list(base)
        shape[axis] = n
        parts.append(draw(arrays(dtype, tuple(shape))) if dtype != np.int8 else
                     draw(arrays(np.int32, tuple(shape), min_value=-128, max_value=127)).astype(np.int8))
    return parts, axis


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_output_is_the_inputs_laid_end_to_end(dtype, data):
    parts, axis = data.draw(concat_case(dtype))
    negative = data.draw(st.booleans())
    got = run_layer(lambda *ts: td.concatenate(ts, axis=axis - parts[0].ndim if negative else axis), *parts)
    shape = list(parts[0].shape)
    shape[axis] = sum(p.shape[axis] for p in parts)
    assert got.dtype == parts[0].dtype and got.shape == tuple(shape)
    offset = 0
    for p in parts:
        index = [slice(None)] * p.ndim
        index[axis] = slice(offset, offset + p.shape[axis])
        np.testing.assert_array_equal(got[tuple(index)], p)
        offset += p.shape[axis]


def test_numbers_and_arrays_become_constants_of_the_tensor_dtype():
    x = np.array([[1.5], [2.5]], np.float32)
    got = run_layer(lambda t: td.concatenate([[[0], [0]], t, np.array([[9], [8]])], axis=1), x)
    assert got.dtype == np.float32
    assert got.tolist() == [[0, 1.5, 9], [0, 2.5, 8]]


def test_dynamic_dims_sum_symbolically_and_run():
    net = td.Network("c")
    a = net.input("a", td.float32, ("n", 3))
    b = net.input("b", td.float32, ("m", 3))
    y = td.concatenate([a, b, a], axis=0)
    assert str(y.type) == "f32[n+m+n,3]"
    net.output("y", y)
    va, vb = np.ones((2, 3), np.float32), np.zeros((1, 3), np.float32)
    out = net.run({"a": va, "b": vb})["y"]
    assert out.tolist() == [[1] * 3, [1] * 3, [0] * 3, [1] * 3, [1] * 3]


def test_a_static_and_a_dynamic_dim_off_the_axis_take_the_static_one():
    net = td.Network("c")
    a = net.input("a", td.float32, ("n", 2))
    y = td.concatenate([a, np.zeros((3, 1), np.float32)], axis=1)
    assert y.shape == (3, 3)


def test_textual_ir():
    net = td.Network("c")
    a = net.input("a", td.float32, (2, 3))
    net.output("y", td.concatenate([a, a], axis=1))
    assert "%y : f32[2,6] = Concatenation(%a, %a, axis=1)" in net.format(locations=False)


def net_with(*specs):
    net = td.Network("e")
    return [net.input(f"t{i}", dt, shape) for i, (dt, shape) in enumerate(specs)]


def call(build, *specs):
    return lambda: build(*net_with(*specs))


F32 = td.float32
ROWS = [
    (ShapeError, "Concatenation: dim 0 of inputs[1] (shape (3, 4)) is 3 but 2 in inputs[0] (shape (2, 3)); only the "
                 "concatenation axis may differ",
     call(lambda a, b: td.concatenate([a, b], axis=1), (F32, (2, 3)), (F32, (3, 4)))),
    (ShapeError, "Concatenation: dim 1 is a in inputs[0] but b in inputs[1], which may differ; only the concatenation "
                 "axis may differ (give dims that must agree the same dim name)",
     call(lambda a, b: td.concatenate([a, b]), (F32, (2, "a")), (F32, (2, "b")))),
    (ShapeError, "Concatenation: inputs[1] has shape (2,) but inputs[0] has (2, 3); all inputs must have the same rank",
     call(lambda a, b: td.concatenate([a, b]), (F32, (2, 3)), (F32, (2,)))),
    (DTypeError, "Concatenation: inputs[1] has dtype int32 but inputs[0] has float32; TensorRT networks are strongly "
                 "typed, so all inputs must have the same dtype (cast with td.cast)",
     call(lambda a, b: td.concatenate([a, b]), (F32, (2,)), (td.int32, (2,)))),
    (DTypeError, "Concatenation: input 'inputs[0]' has dtype float8_e4m3; expected one of bool, int8, int32, int64, "
                 "float32, float16, bfloat16",
     call(lambda a: td.concatenate([a, a]), (td.float8_e4m3, (2,)))),
    (ShapeError, "Concatenation: inputs are 0-D (shape ()); concatenation needs rank >= 1",
     call(lambda a: td.concatenate([a, a]), (F32, ()))),
    (ShapeError, "concatenate: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda a: td.concatenate([a, a], axis=2), (F32, (2, 2)))),
    (ArgumentError, "concatenate: argument 'axis' is 0.0; expected an int in [-1, 0]",
     call(lambda a: td.concatenate([a], axis=0.0), (F32, (2,)))),
    (ArgumentError, "concatenate: argument 'tensors' is []; expected a non-empty list or tuple of tensors",
     lambda: td.concatenate([])),
    (ArgumentError, "concatenate: argument 'tensors' is Tensor(%t0: f32[2]); expected a non-empty list or tuple of "
                    "tensors",
     call(lambda a: td.concatenate(a), (F32, (2,)))),
    (ArgumentError, "concatenate: at least one argument must be a trtdsl Tensor (got only Python/NumPy values)"
                    "; turn an array or a number into one with net.constant(...)",
     lambda: td.concatenate([np.ones(2), np.ones(2)])),
    (DTypeError, "concatenate: argument 'tensors[1]' ([0.5], float64) cannot be used as int32: TensorRT networks are "
                 "strongly typed; convert it first (e.g. .astype) or cast the tensor with td.cast",
     call(lambda a: td.concatenate([a, [0.5]]), (td.int32, (2,)))),
]


@pytest.mark.parametrize("cls,message,build", ROWS, ids=[r[1][:60] for r in ROWS])
def test_errors(cls, message, build):
    expect_error(cls, message, build)


def test_the_layer_checks_what_the_function_cannot():
    net = td.Network("e")
    a = net.input("a", F32, (2, 3))
    expect_error(ShapeError, "Concatenation: argument 'axis' is 2; expected an int in [0, 1] for rank-2 inputs",
                 lambda: net.add1(td.ops.Concatenation(2), (a, a)))
    expect_error(ShapeError, "Concatenation: got 0 inputs; expected 1 to 10000",
                 lambda: net.add1(td.ops.Concatenation(0), ()))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in (td.float32, td.float16, td.bfloat16, td.int32, td.int64, td.bool_):

        def build(net, dtype=dtype):
            a = net.input("a", dtype, ("n", 3))
            b = net.input("b", dtype, ("m", 3))
            net.output("concat0", td.concatenate([a, b, a], axis=0))
            net.output("concat1", td.concatenate([a, a], axis=1))
            net.output("shape", td.shape_of(b))

        rows.append(Row(f"concat-shape-{dtype.name}", build))
    return rows


@tensorrt_case
def concatenations() -> td.Network:
    net = td.Network("concat")
    a = net.input("a", td.float32, ("n", 2))
    b = net.input("b", td.float32, ("n", 3))
    net.output("axis1", td.concatenate([a, b, a], axis=-1))
    net.output("axis0", td.concatenate([a, np.zeros((1, 2), np.float32)], axis=0))
    net.output("single", td.concatenate([b], axis=1))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("concatenation", "NvInfer.h IConcatenationLayer::setAxis (the user's axis -1 of rank-2 inputs is 1)",
     {"Concatenation": Layer("add_concatenation", {"axis": 1}, ("a", "b", "a"))})
def _(net):
    a, b = net.input("a", td.float32, ("n", 2)), net.input("b", td.float32, ("n", 3))
    net.output("y", td.concatenate([a, b, a], axis=-1))


@tensorrt_expectation("concatenation_axis0", "NvInfer.h IConcatenationLayer::setAxis",
     {"Concatenation": Layer("add_concatenation", {"axis": 0}, ("b", "a"))})
def _(net):
    a, b = net.input("a", td.float32, (1, 3)), net.input("b", td.float32, (2, 3))
    net.output("y", td.concatenate([b, a], axis=0))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "concatenate": lambda e: dict(tensors=[e.m, e.m], axis=0),
}
