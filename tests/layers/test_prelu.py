"""ParametricReLU: the reference against the definition evaluated element by element in Python (the slope
broadcast to x, ``slope * x`` where x is negative, else x), NaN and -0.0 kept, and the error table."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, assert_close, call, expect_error, f32, run_layer, shapes

import trtdsl as td
from trtdsl.errors import DTypeError, ShapeError
from trtdsl.layers.prelu import ParametricReLU
from backend_rows import Row, FLOATS, one_input, two_inputs, tensorrt_case, randn, tensorrt_expectation, Layer, Const

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]


def expected(x, slope):
    """``slope * x`` where ``x < 0``, else ``x``, one element at a time in float64 (slope dims of 1
    repeat)."""
    out = np.empty(x.shape, np.float64)
    for index in np.ndindex(x.shape):
        s = slope[tuple(i if n != 1 else 0 for i, n in zip(index, slope.shape))]
        v = float(x[index])
        out[index] = float(s) * v if v < 0 else v
    return out


@st.composite
def case(draw, dtype):
    shape = draw(shapes(min_dims=0, max_dims=4, max_side=4))
    slope_shape = tuple(draw(st.sampled_from([1, n])) for n in shape)
    x = draw(arrays(dtype, shape, min_value=-100, max_value=100, allow_nan=True, allow_inf=True))
    slope = draw(arrays(dtype, slope_shape, min_value=-4, max_value=4))
    return x, slope


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_prelu_matches_the_definition(dtype, data):
    x, slope = data.draw(case(dtype))
    got = run_layer(td.prelu, x, slope)
    want = expected(x, slope).astype(dtype)
    tol = TOLERANCES[np.dtype(dtype)]
    assert_close(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
def test_nan_and_negative_zero_pass_through(dtype):
    x = np.array([np.nan, -0.0, -np.inf, 2.0], dtype)
    got = run_layer(lambda t: td.prelu(t, np.array([-3.0], dtype)), x)
    assert math.isnan(float(got[0]))
    assert math.copysign(1.0, float(got[1])) == -1.0  # -0.0 is not negative: kept, not multiplied by -3
    assert float(got[2]) == math.inf and float(got[3]) == 2.0


def test_lower_rank_slopes_get_leading_ones():
    net = td.Network("p")
    x = net.input("x", td.float32, ("n", 2, 3))
    s = net.input("s", td.float32, (3,))
    y = td.prelu(x, s)
    assert [n.op.kind for n in net.nodes] == ["Unsqueeze", "ParametricReLU"]
    assert y.producer.inputs[1].shape == (1, 1, 3)
    td.prelu(x, np.ones((2, 1), np.float32))
    assert net.nodes[-2].op.weights.shape == (1, 2, 1)


def test_ir_and_layer():
    net = td.Network("p")
    x = net.input("x", td.float16, (2, 3))
    td.prelu(x, np.float16(0.5), name="act")
    assert net.nodes[-1].op == ParametricReLU()
    assert "%act : f16[2,3] = ParametricReLU(%x, %constant_0)" in net.format(locations=False)


ERRORS = [
    (DTypeError, "ParametricReLU: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda x: td.prelu(x, 1), (td.int32, (3,)))),
    (DTypeError, "ParametricReLU: input 'slope' has dtype float16 but x has float32; TensorRT networks are "
                 "strongly typed, so they must be the same",
     call(lambda x, s: td.prelu(x, s), f32(3), (td.float16, (3,)))),
    (ShapeError, "ParametricReLU: input 'slope' has shape (2, 1); expected rank 2 with each dim 1 or equal "
                 "to that of x (3, 4)",
     call(lambda x: td.prelu(x, np.ones((2, 1), np.float32)), f32(3, 4))),
    (ShapeError, "prelu: argument 'slope' has shape (1, 1, 3); expected at most the rank of x (3,) (1), "
                 "broadcasting to x",
     call(lambda x: td.prelu(x, np.ones((1, 1, 3), np.float32)), f32(3))),
    (ShapeError, "prelu: argument 'slope' has shape (1, 3); expected at most the rank of x (3,) (1), "
                 "broadcasting to x",
     call(lambda x, s: td.prelu(x, s), f32(3), f32(1, 3))),
    (ShapeError, "ParametricReLU: input 'slope' has shape (m,); expected rank 1 with each dim 1 or equal to "
                 "that of x (n,)",
     call(lambda x, s: td.prelu(x, s), f32("n"), f32("m"))),
    (DTypeError, "prelu: argument 'x' is [1.0]; expected a trtdsl Tensor; turn an array or a number into one with net.constant(...)", lambda: td.prelu([1.0], 0.5)),
    (DTypeError, "prelu: argument 'slope' ('a', <U1) cannot be used as float32: TensorRT networks are "
                 "strongly typed; convert it first (e.g. .astype) or cast the tensor with td.cast",
     call(lambda x: td.prelu(x, "a"), f32(1))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:
        slopes = np.array([[-2.0], [0.0], [0.5]], np.float32).astype(dtype.numpy)
        prelu = one_input(dtype, lambda x, s=slopes: td.prelu(x, s), ("n", 3, 4))
        rows.append(Row(f"prelu-{dtype.name}", prelu))
        # slopes drawn too, finite: ONNX leaves x = 0 with an infinite slope to the runtime
        rows.append(Row(f"prelu-slope-input-{dtype.name}", two_inputs(dtype, td.prelu, (1, 3)),
                        special=False))
    return rows


@tensorrt_case
def prelu_scale_reverse_assert() -> td.Network:
    net = td.Network("prelu_scale_reverse_assert")
    x = net.input("x", td.float32, ("n", 3, 4, 5))
    slope = net.input("slope", td.float32, (1, 3, 1, 5))
    net.output("prelu", td.prelu(x, slope))
    h = net.input("h", td.float16, (2, 3))
    net.output("prelu_h", td.prelu(h, np.array([[0.5], [-2.0]], np.float16)))
    net.output("scale_channel", td.scale(x, shift=randn(3), scale=randn(3, seed=1)))
    net.output("scale_uniform", td.scale(x, power=np.float32(2), mode="uniform", channel_axis=0))
    v = net.input("v", td.float16, (2, 3, 2, 4, 5))
    half = {"scale": randn(2, 4, 5, dtype=np.float16), "shift": randn(2, 4, 5, dtype=np.float16, seed=2),
            "power": np.full((2, 4, 5), 2, np.float16)}
    net.output("scale_elementwise", td.scale(v, **half, mode="elementwise", channel_axis=2))
    lens = net.input("lens", td.int32, (4,))
    net.output("reversed", td.reverse_sequence(x, lens, batch_axis=2, sequence_axis=3))
    net.output("reversed_time_major", td.reverse_sequence(h, np.array([1, 2, 0], np.int64)))
    td.assert_(td.shape_of(x)[0] < 100, "batch below 100")
    td.assert_(td.shape_of(x) > 0, "no empty dims")
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
PRELU_SLOPE = np.array([0.1, -0.5, 3.0], np.float32).reshape(3, 1, 1)


@tensorrt_expectation("parametric_relu", "NvInfer.h addParametricReLU(input, slope): the slope unidirectionally broadcastable "
     "to the input (the same rank)",
     {"ParametricReLU": Layer("add_parametric_relu", {}, ("x", Const(PRELU_SLOPE.reshape(1, 3, 1, 1))),
                              input_ranks=(4, 4))})
def _(net):
    net.output("y", td.prelu(net.input("x", td.float32, ("n", 3, 2, 2)), PRELU_SLOPE))


@tensorrt_expectation("parametric_relu_tensor", "NvInfer.h addParametricReLU(input, slope): input 0 the data, 1 the slope",
     {"ParametricReLU": Layer("add_parametric_relu", {}, ("x", "s"))})
def _(net):
    net.output("y", td.prelu(net.input("x", td.float32, (2, 3)), net.input("s", td.float32, (1, 3))))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "prelu": lambda e: dict(x=e.m, slope=np.ones((1, 3), np.float32)),
}
