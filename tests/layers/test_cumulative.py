"""Cumulative: the four SUM variants along any axis, against the index-range definitions of TensorRT's
documentation evaluated in Python (integers wrap, floats start from +0.0)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, call, expect_error, f32, run_layer, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.layers.cumulative import Cumulative
from backend_rows import Row, FLOATS, INTS, each, tensorrt_expectation, Layer, Axes

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]
INT_TYPES = [np.int32, np.int64]


def summed_range(n, j, exclusive, reverse):
    """The indices whose sum is y[j]: x[0..j], x[0..j-1], x[j..n-1] or x[j+1..n-1]."""
    if reverse:
        return range(j + 1 if exclusive else j, n)
    return range(j if exclusive else j + 1)


def expected(x, axis, exclusive, reverse, total):
    moved = np.moveaxis(x, axis, -1)
    values = moved.astype(np.float64) if moved.dtype.kind != "i" else moved
    n = moved.shape[-1]
    rows = values.reshape(math.prod(moved.shape[:-1]), n).tolist()
    ranges = [summed_range(n, j, exclusive, reverse) for j in range(n)]
    out = [[total([row[i] for i in summed]) for summed in ranges] for row in rows]
    return np.moveaxis(np.array(out, dtype=object).reshape(moved.shape), -1, axis)


def wrapped_sum(dtype):
    bits = np.dtype(dtype).itemsize * 8
    return lambda items: (sum(items) + 2 ** (bits - 1)) % 2**bits - 2 ** (bits - 1)


@st.composite
def case(draw, dtype, **kw):
    shape = draw(shapes(min_dims=1, max_dims=4, max_side=5))
    x = draw(arrays(dtype, shape, **kw))
    return x, draw(st.integers(-len(shape), len(shape) - 1)), draw(st.booleans()), draw(st.booleans())


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_float_cumsum_matches_the_definitions(dtype, data):
    x, axis, exclusive, reverse = data.draw(case(dtype, min_value=-100, max_value=100))
    got = run_layer(lambda t: td.cumsum(t, axis, exclusive=exclusive, reverse=reverse), x)
    want = expected(x, axis, exclusive, reverse, math.fsum).astype(np.float64)
    scale = expected(np.abs(x), axis, exclusive, reverse, math.fsum).astype(np.float64)
    assert got.dtype == np.dtype(dtype) and got.shape == x.shape
    tol = TOLERANCES[np.dtype(dtype)]
    np.testing.assert_allclose(got.astype(np.float64), want, rtol=0,
                               atol=1e-6 + 2 * tol * np.max(scale, initial=0))


@pytest.mark.parametrize("dtype", INT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_integer_cumsum_wraps(dtype, data):
    x, axis, exclusive, reverse = data.draw(case(dtype))
    got = run_layer(lambda t: td.cumsum(t, axis, exclusive=exclusive, reverse=reverse), x)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got,
                                  expected(x, axis, exclusive, reverse, wrapped_sum(dtype)).astype(dtype))


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
def test_sums_start_from_positive_zero(dtype):
    x = np.array([-0.0, -0.0, 1.0], dtype)
    got = run_layer(lambda t: (td.cumsum(t, 0), td.cumsum(t, 0, reverse=True, exclusive=True)), x)
    assert [math.copysign(1.0, float(v)) for v in got[0]] == [1.0, 1.0, 1.0]
    assert [math.copysign(1.0, float(v)) for v in got[1]] == [1.0, 1.0, 1.0]


def test_ir_keeps_the_axis_and_flags():
    net = td.Network("c")
    x = net.input("x", td.int64, ("n", 3))
    y = td.cumsum(x, -1, reverse=True)
    assert net.nodes[-1].op == Cumulative(1, False, True) and y.type == x.type
    assert "Cumulative[SUM](%x, axis=1, exclusive=False, reverse=True)" in net.format(locations=False)


def test_the_layer_accepts_a_negative_axis_as_tensorrt_does():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    got = run_layer(lambda t: t.network.add1(Cumulative(-2, exclusive=True), (t,)), x)
    np.testing.assert_array_equal(got, [[0, 0, 0], [0, 1, 2]])


ERRORS = [
    (DTypeError, "Cumulative[SUM]: input 'x' has dtype bool; expected one of float32, float16, bfloat16, "
                 "int32, int64",
     call(lambda x: td.cumsum(x, 0), (td.bool, (3,)))),
    (ShapeError, "cumsum: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda x: td.cumsum(x, 2), f32(2, 3))),
    (ArgumentError, "cumsum: argument 'axis' is None; expected an int in [-2, 1]",
     call(lambda x: td.cumsum(x, None), f32(2, 3))),
    (ShapeError, "cumsum: argument 'x' has shape (); expected rank >= 1 (a cumulative sum needs an axis)",
     call(lambda x: td.cumsum(x, 0), f32())),
    (ArgumentError, "cumsum: argument 'exclusive' is 1; expected a bool",
     call(lambda x: td.cumsum(x, 0, exclusive=1), f32(3))),
    (ArgumentError, "cumsum: argument 'reverse' is 'yes'; expected a bool",
     call(lambda x: td.cumsum(x, 0, reverse="yes"), f32(3))),
    (DTypeError, "cumsum: argument 'x' is (1, 2); expected a trtdsl Tensor"
                 "; turn an array or a number into one with net.constant(...)", lambda: td.cumsum((1, 2), 0)),
    (ShapeError, "Cumulative[SUM]: argument 'axis' is -3; expected an int in [-2, 1] for a rank-2 input",
     call(lambda x: x.network.add1(Cumulative(-3), (x,)), f32(2, 3))),
    (ShapeError, "Cumulative[SUM]: input 'x' has shape (); expected rank >= 1 (a cumulative sum needs an "
                 "axis)",
     call(lambda x: x.network.add1(Cumulative(0), (x,)), f32())),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS + INTS:
        variants = {
            f"{'exclusive' if e else 'inclusive'}_{'reverse' if r else 'forward'}": (
                lambda x, e=e, r=r: td.cumsum(x, 1, exclusive=e, reverse=r)
            )
            for e in (False, True)
            for r in (False, True)
        }
        tol = {"float16": 1e-2, "bfloat16": 5e-2}
        rows.append(
            Row(
                f"cumsum-{dtype.name}",
                each({"x": (dtype, ("n", 4))}, variants),
                values={"x": (-(2**31), 2**31 - 1)} if dtype is td.int32 else None,
                rtol=tol,
                atol=tol,
            )
        )
    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("cumulative", "NvInfer.h addCumulative: the axis is a build-time constant 0-D shape tensor in "
     "[-rank, rank-1] (input 1)",
     {"Cumulative": Layer("add_cumulative", {"op": "CumulativeOperation.SUM", "exclusive": True,
                                             "reverse": False}, ("x", Axes((1,), 3, scalar=True)))})
def _(net):
    net.output("y", td.cumsum(net.input("x", td.float32, ("n", 4, 5)), -2, exclusive=True))


@tensorrt_expectation("cumulative_reverse", "NvInfer.h ICumulativeLayer (reverse, inclusive)",
     {"Cumulative": Layer("add_cumulative", {"op": "CumulativeOperation.SUM", "exclusive": False,
                                             "reverse": True}, ("i", Axes((0,), 1, scalar=True)))})
def _(net):
    net.output("y", td.cumsum(net.input("i", td.int32, (6,)), 0, reverse=True))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "cumsum": lambda e: dict(x=e.m, axis=1, exclusive=False, reverse=False),
}
