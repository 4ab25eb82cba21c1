"""Scale: the reference against ``(x * scale + shift) ** power`` evaluated element by element in Python,
each coefficient picked by the mode's indexing rule, each step rounded to float32 as the reference's
reading of TensorRT computes; the defaults of empty coefficients; the error table."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, assert_close, call, expect_error, f32, run_layer

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.ir.types import Weights
from trtdsl.layers.scale import Scale, ScaleMode
from backend_rows import Row, FLOATS, tensorrt_expectation, Layer, randn, EMPTY

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]
POWERS = [-1.0, 0.0, 0.5, 1.0, 2.0, 3.0]


def coefficient_index(mode, index, shape, axis):
    """Which flat coefficient element ``index`` of x uses (NvInfer.h IScaleLayer::setChannelAxis)."""
    if mode == "uniform":
        return 0
    if mode == "channel":
        return index[axis]
    flat = 0
    for i, n in zip(index[axis:], shape[axis:]):
        flat = flat * n + i
    return flat


def expected(x, mode, axis, shift, scale, power):
    f32 = np.float32
    out = np.empty(x.shape, np.float32)
    with np.errstate(all="ignore"):
        for index in np.ndindex(x.shape):
            k = coefficient_index(mode, index, x.shape, axis)
            v = f32(x[index])
            if scale is not None:
                v = f32(v * f32(scale[k]))
            v = f32(v + (f32(shift[k]) if shift is not None else f32(0)))
            if power is not None:
                v = f32(np.power(np.float64(v), np.float64(f32(power[k]))))
            out[index] = v
    return out.astype(x.dtype)


@st.composite
def case(draw, dtype):
    rank = draw(st.sampled_from([4, 5]))
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    axis = draw(st.sampled_from([rank - 4, rank - 3]))
    mode = draw(st.sampled_from(["uniform", "channel", "elementwise"]))
    count = 1 if mode == "uniform" else shape[axis] if mode == "channel" else math.prod(shape[axis:])
    x = draw(arrays(dtype, shape, min_value=-10, max_value=10))

    def coefficient(values):
        return draw(st.one_of(st.none(), arrays(dtype, (count,), **values) if isinstance(values, dict)
                              else st.lists(st.sampled_from(values), min_size=count, max_size=count)
                              .map(lambda v: np.array(v, dtype))))

    shift = coefficient({"min_value": -3, "max_value": 3})
    scale = coefficient({"min_value": -3, "max_value": 3})
    power = coefficient(POWERS)
    return x, mode, axis, shift, scale, power


def shaped(values, mode, x, axis):
    """A flat coefficient in the shape td.scale takes for ``mode``."""
    if values is None or mode == "uniform":
        return values if values is None else values[0]
    return values.reshape(x.shape[axis:]) if mode == "elementwise" else values


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_scale_matches_the_formula(dtype, data):
    x, mode, axis, shift, scale, power = data.draw(case(dtype))
    given = {arg: shaped(v, mode, x, axis) for arg, v in (("shift", shift), ("scale", scale), ("power", power))}
    got = run_layer(lambda t: td.scale(t, **given, mode=mode, channel_axis=axis), x)
    tol = TOLERANCES[np.dtype(dtype)]
    assert_close(got, expected(x, mode, axis, shift, scale, power), rtol=tol, atol=tol)


def test_empty_coefficients_are_the_defaults():
    x = np.array([-1.5, -0.0, 0.0, np.nan, np.inf, 3.0], np.float32).reshape(1, 1, 2, 3)
    got = run_layer(lambda t: td.scale(t), x)
    np.testing.assert_array_equal(got, x)
    assert math.copysign(1.0, float(got.ravel()[1])) == 1.0  # the default shift 0 is added: -0.0 + 0 = +0.0


def test_power_follows_ieee_pow():
    x = np.array([-8.0, 0.0, np.nan, 1.0], np.float32).reshape(1, 1, 1, 4)
    got = run_layer(lambda t: td.scale(t, power=np.float32(1 / 3), mode="uniform"), x).ravel()
    assert math.isnan(got[0]) and got[1] == 0.0 and math.isnan(got[2]) and got[3] == 1.0
    got = run_layer(lambda t: td.scale(t, power=np.float32(-1), mode="uniform"), x).ravel()
    assert got[1] == math.inf and got[0] == np.float32(-0.125)
    got = run_layer(lambda t: td.scale(t, power=np.float32(0), mode="uniform"), x).ravel()
    np.testing.assert_array_equal(got, [1, 1, 1, 1])  # x ** 0 is 1, NaN included


def test_ir_holds_flat_weights_of_x_dtype():
    net = td.Network("s")
    x = net.input("x", td.float16, ("n", 2, 3, 4, 5))
    td.scale(x, scale=np.ones((3, 4, 5)), mode="elementwise", channel_axis=-3, name="sc")
    op = net.nodes[-1].op
    assert op == Scale(ScaleMode.ELEMENTWISE, None, Weights.of(np.ones(60, np.float16)), None, 2)
    assert "%sc : f16[n,2,3,4,5] = Scale[ELEMENTWISE](%x, shift=None, scale=<f16[60]>, power=None, " \
           "channel_axis=2)" in net.format(locations=False)


def test_float32_weights_are_accepted_for_16_bit_inputs():
    x = np.arange(8, dtype=np.float16).reshape(1, 2, 2, 2)
    op = Scale(ScaleMode.CHANNEL, scale=Weights.of(np.array([2.0, 0.5], np.float32)))
    got = run_layer(lambda t: t.network.add1(op, (t,)), x)
    np.testing.assert_array_equal(got.ravel(), [0, 2, 4, 6, 2, 2.5, 3, 3.5])


def _weights(*values, dtype=np.float32):
    return Weights.of(np.array(values, dtype))


def add(op, *specs):
    return call(lambda x: x.network.add1(op, (x,)), *specs)


ERRORS = [
    (DTypeError, "Scale[CHANNEL]: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda x: td.scale(x), (td.int32, (1, 2, 3, 4)))),
    (ShapeError, "scale: argument 'channel_axis' is 1; expected an axis with 2 or 3 dims after it in x of rank "
                 ">= 4 (x has shape (2, 3, 4))",
     call(lambda x: td.scale(x), f32(2, 3, 4))),
    (ShapeError, "scale: argument 'channel_axis' is 3; expected an axis with 2 or 3 dims after it in x of rank "
                 ">= 4 (x has shape (1, 2, 3, 4))",
     call(lambda x: td.scale(x, channel_axis=3), f32(1, 2, 3, 4))),
    (ArgumentError, "scale: argument 'channel_axis' is 1.0; expected an int",
     call(lambda x: td.scale(x, channel_axis=1.0), f32(1, 2, 3, 4))),
    (ArgumentError, "scale: argument 'mode' is 'per_channel'; expected one of UNIFORM, CHANNEL, ELEMENTWISE",
     call(lambda x: td.scale(x, mode="per_channel"), f32(1, 2, 3, 4))),
    (ShapeError, "scale: argument 'shift' is '<shape (3,)>'; expected shape (2,) for mode 'channel' on x "
                 "(1, 2, 3, 4) with channel_axis 1",
     call(lambda x: td.scale(x, shift=[1.0, 2.0, 3.0]), f32(1, 2, 3, 4))),
    (ShapeError, "scale: argument 'power' is '<shape (2,)>'; expected shape () for mode 'uniform' on x "
                 "(1, 2, 3, 4) with channel_axis 1",
     call(lambda x: td.scale(x, power=[1.0, 2.0], mode="uniform"), f32(1, 2, 3, 4))),
    (ShapeError, "scale: argument 'scale' is '<shape (2, 3)>'; expected shape (2, 3, 4) for mode "
                 "'elementwise' on x (1, 2, 3, 4) with channel_axis 1",
     call(lambda x: td.scale(x, scale=np.ones((2, 3)), mode="elementwise"), f32(1, 2, 3, 4))),
    (ShapeError, "scale: argument 'scale' has CHANNEL weights, which index dim 1 of x (1, c, 3, 4): those "
                 "dims must be static",
     call(lambda x: td.scale(x, scale=[1.0]), f32(1, "c", 3, 4))),
    (DTypeError, "scale: argument 'shift' is '%t1'; expected numbers or an array (Scale's coefficients are "
                 "weights: for a tensor, compute x * s + t)",
     call(lambda x, s: td.scale(x, shift=s), f32(1, 2, 3, 4), f32(2))),
    (DTypeError, "scale: argument 'x' is 2.0; expected a trtdsl Tensor; turn an array or a number into one with net.constant(...)", lambda: td.scale(2.0)),
    (ShapeError, "Scale[UNIFORM]: input 'x' has shape (2, 3); expected rank >= 4 (TensorRT's Scale layer)",
     add(Scale(ScaleMode.UNIFORM, channel_axis=0), f32(2, 3))),
    (ShapeError, "Scale[UNIFORM]: argument 'channel_axis' is -3; expected 0 or 1 for a rank-4 input (2 or 3 "
                 "spatial dims after it)",
     add(Scale(ScaleMode.UNIFORM, channel_axis=-3), f32(1, 2, 3, 4))),
    (ShapeError, "Scale[CHANNEL]: scale has 3 values; CHANNEL mode on x (1, 2, 3, 4) with channel_axis 1 "
                 "needs 2 (or none)",
     add(Scale(ScaleMode.CHANNEL, scale=_weights(1, 2, 3)), f32(1, 2, 3, 4))),
    (DTypeError, "Scale[UNIFORM]: shift weights have dtype float16; expected float32 for x of float32",
     add(Scale(ScaleMode.UNIFORM, shift=_weights(1, dtype=np.float16)), f32(1, 2, 3, 4))),
    (ArgumentError, "Scale[UNIFORM]: argument 'power' is 2.0; expected None or 1-D Weights",
     add(Scale(ScaleMode.UNIFORM, power=2.0), f32(1, 2, 3, 4))),
    (ShapeError, "Scale[ELEMENTWISE]: ELEMENTWISE weights need the dims of x (1, 2, h, 4) from dim 1 on to be "
                 "static",
     add(Scale(ScaleMode.ELEMENTWISE, scale=_weights(1, 2)), f32(1, 2, "h", 4))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:
        def scale(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 2, 3, 4))
            grid = np.linspace(-1.5, 1.5, 24, dtype=np.float32).reshape(2, 3, 4)
            net.output("uniform", td.scale(x, shift=-1.0, scale=0.5, power=2.0, mode="uniform",
                                           channel_axis=0))
            net.output("channel", td.scale(x, shift=[0.25, 1.0], scale=[1.5, -2.0], power=[1.0, 3.0]))
            powers = np.where(grid > 0, 0.5, 2.0).astype(np.float32)
            net.output("elementwise", td.scale(x, shift=grid, power=powers, mode="elementwise"))
            net.output("defaults", td.scale(x, mode="elementwise"))

        rows.append(Row(f"scale-{dtype.name}", scale))
    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
SCALE_SHIFT, SCALE_SCALE = randn(3, seed=11), randn(3, seed=12)


SCALE_POWER = np.array([1.0, 2.0, 0.5], np.float32)


@tensorrt_expectation("scale_channel", "NvInfer.h addScaleNd(input, mode, shift, scale, power, channelAxis): kCHANNEL, one "
     "coefficient per index of the channel axis",
     {"Scale": Layer("add_scale_nd", {"mode": "ScaleMode.CHANNEL", "shift": SCALE_SHIFT, "scale": SCALE_SCALE,
                                      "power": SCALE_POWER, "channel_axis": 2}, ("x",))})
def _(net):
    x = net.input("x", td.float32, ("n", 2, 3, 4, 5))
    net.output("y", td.scale(x, shift=SCALE_SHIFT, scale=SCALE_SCALE, power=SCALE_POWER, channel_axis=2))


SCALE_EW = randn(2, 3, 4, seed=13)


@tensorrt_expectation("scale_uniform_elementwise", "NvInfer.h IScaleLayer: kUNIFORM one value, kELEMENTWISE one per element "
     "of the dims from the channel axis on; an empty Weights takes the default",
     {"Scale#0": Layer("add_scale_nd", {"mode": "ScaleMode.UNIFORM", "shift": np.array([0.5], np.float32),
                                        "scale": EMPTY, "power": np.array([2.0], np.float32),
                                        "channel_axis": 1}, ("x",)),
      "Scale#1": Layer("add_scale_nd", {"mode": "ScaleMode.ELEMENTWISE", "shift": EMPTY, "scale": SCALE_EW,
                                        "power": EMPTY, "channel_axis": 1}, ("x",))})
def _(net):
    x = net.input("x", td.float32, ("n", 2, 3, 4))
    net.output("u", td.scale(x, shift=0.5, power=2.0, mode="uniform"))
    net.output("e", td.scale(x, scale=SCALE_EW, mode="elementwise"))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "scale": lambda e: dict(x=e.x, shift=np.ones((3,), np.float32), scale=np.ones((3,), np.float32), power=np.ones((3,), np.float32), mode="channel", channel_axis=1),
}
