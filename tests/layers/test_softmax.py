"""SoftMax: along any axis, against a plain-Python formula per slice (with -inf entries, as masks make)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, call, expect_error, f32, run_layer, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.layers.softmax import SoftMax
from backend_rows import Row, FLOATS, each, tensorrt_expectation, Layer

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]


def softmax_row(row):
    """exp(v - max) / sum: a slice that is all -inf has no finite maximum and gives NaN."""
    top = max(row)
    if top == -math.inf:
        return [math.nan] * len(row)
    exps = [math.exp(v - top) for v in row]
    total = math.fsum(exps)
    return [e / total for e in exps]


def expected(x, axis):
    moved = np.moveaxis(x.astype(np.float64), axis, -1)
    rows = moved.reshape(-1, moved.shape[-1]) if moved.size else np.zeros((0, moved.shape[-1]))
    out = np.array([softmax_row(r) for r in rows.tolist()], np.float64).reshape(moved.shape)
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_softmax_matches_python(dtype, data):
    shape = data.draw(shapes(min_dims=1, max_dims=4, max_side=4))
    x = data.draw(arrays(dtype, shape, min_value=-60, max_value=60))
    mask = data.draw(arrays(np.bool_, shape))
    x = np.where(mask, -np.inf, x).astype(dtype)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    got = run_layer(lambda t: td.softmax(t, axis=axis), x)
    want = expected(x, axis % len(shape))
    assert got.dtype == np.dtype(dtype) and got.shape == x.shape
    tol = TOLERANCES[np.dtype(dtype)]
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=2 * tol, atol=2 * tol, equal_nan=True)


def test_large_inputs_stay_finite_and_rows_sum_to_one():
    x = np.array([[3e38, 3e38, 0.0], [-3e38, 0.0, 1.0]], np.float32)
    got = run_layer(lambda t: td.softmax(t, axis=-1), x)
    np.testing.assert_allclose(got, [[0.5, 0.5, 0.0], [0.0, 1 / (1 + math.e), math.e / (1 + math.e)]],
                               rtol=1e-6)


def test_default_axis_is_the_last_and_the_ir_stores_it():
    net = td.Network("s")
    x = net.input("x", td.float16, ("n", 3, 5))
    y = td.softmax(x)
    assert net.nodes[-1].op == SoftMax(2) and y.type == x.type
    assert "SoftMax(%x, axis=2)" in net.format(locations=False)


def test_zero_length_axis_gives_an_empty_result():
    got = run_layer(lambda t: td.softmax(t, axis=0), np.zeros((0, 2), np.float32))
    assert got.shape == (0, 2) and got.dtype == np.float32


ERRORS = [
    (DTypeError, "SoftMax: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(td.softmax, (td.int32, (2, 3)))),
    (ShapeError, "softmax: argument 'x' has shape (); expected rank >= 1 (softmax needs an axis)",
     call(td.softmax, f32())),
    (ShapeError, "softmax: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda x: td.softmax(x, axis=2), f32(2, 3))),
    (ArgumentError, "softmax: argument 'axis' is (0,); expected an int in [-2, 1]",
     call(lambda x: td.softmax(x, axis=(0,)), f32(2, 3))),
    (ArgumentError, "softmax: argument 'axis' is True; expected an int in [-1, 0]",
     call(lambda x: td.softmax(x, axis=True), f32(2))),
    (DTypeError, "softmax: argument 'x' is 1.0; expected a trtdsl Tensor"
                 "; turn an array or a number into one with net.constant(...)", lambda: td.softmax(1.0)),
    (ShapeError, "SoftMax: argument 'axis' is -1; expected an int in [0, 1] for a rank-2 input",
     call(lambda x: x.network.add1(SoftMax(-1), (x,)), f32(2, 3))),
    (ShapeError, "SoftMax: input 'x' has shape (); expected rank >= 1 (softmax needs an axis)",
     call(lambda x: x.network.add1(SoftMax(0), (x,)), f32())),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    empty_ok = {"n": (0, 2, 4)}
    for dtype in FLOATS:
        variants = {"axis0": lambda x: td.softmax(x, 0), "axis1": lambda x: td.softmax(x, 1)}
        rows.append(Row(f"softmax-{dtype.name}", each({"x": (dtype, ("n", 3))}, variants), dims=empty_ok))
    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("softmax", "NvInfer.h ISoftMaxLayer::setAxes: axes = 1 << axis, one bit",
     {"SoftMax": Layer("add_softmax", {"axes": 0b010}, ("x",))})
def _(net):
    net.output("y", td.softmax(net.input("x", td.float32, ("n", 4, 5)), axis=-2))


@tensorrt_expectation("softmax_axis0", "NvInfer.h ISoftMaxLayer::setAxes",
     {"SoftMax": Layer("add_softmax", {"axes": 0b001}, ("x",))})
def _(net):
    net.output("y", td.softmax(net.input("x", td.float32, (3, 4)), axis=0))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "softmax": lambda e: dict(x=e.m, axis=1),
}


@pytest.mark.parametrize("shape, axis", [
    ((3, 7, 5), 1), ((2, 9, 3, 4), 1), ((5, 3, 2, 2), 0), ((2, 4097, 3), 1), ((1, 600, 300), 1),
    ((3, 2, 255), 1), ((2, 3, 256), 1), ((40, 1, 8), 1), ((30, 50, 1, 1), 1),
])
def test_axes_before_the_last_match_the_formula_with_nan_and_inf_slices(shape, axis):
    """Narrow trailing parts (fewer than 256 values after the axis) take the blockwise path, wider ones
    NumPy's reductions: a slice holding NaN or +inf is NaN throughout, one with -inf entries is finite."""
    rng = np.random.default_rng(len(shape) + shape[axis])
    moved = (rng.standard_normal(shape[:axis] + shape[axis + 1:] + shape[axis:axis + 1]) * 10)
    slices = moved.reshape(-1, shape[axis])
    slices[0, -1], slices[-1, 0], slices[1, ::2] = np.nan, np.inf, -np.inf
    x = np.ascontiguousarray(np.moveaxis(moved, -1, axis), np.float32)
    v = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        e = np.exp(v - v.max(axis, keepdims=True))
        want = e / e.sum(axis, keepdims=True)
    got = run_layer(lambda t: td.softmax(t, axis=axis), x)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7, equal_nan=True)
    in_place = SoftMax(axis).in_place(0)(x.copy())[0]
    np.testing.assert_array_equal(in_place, got)
