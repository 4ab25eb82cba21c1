"""Normalization: layer, instance and group normalization and arbitrary axes, against float64 formulas
written here (loops over samples, channels and groups), with error bounds from float32 statistics."""

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, call, error_line, expect_error, f32, run_layer, run_with

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from trtdsl.layers.normalization import Normalization
from backend_rows import Row, FLOATS, tensorrt_case, randn, tensorrt_expectation, Layer, Const, By

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]


def standardize(values, eps):
    """(v - mean) / sqrt(biased variance + eps) in float64, and the scale of its rounding error."""
    v = np.asarray(values, np.float64)
    mean = v.sum() / v.size
    denom = np.sqrt(((v - mean) ** 2).sum() / v.size + eps)
    return (v - mean) / denom, np.abs(v).max(initial=0) / denom


def check(got, want, error_scale, dtype):
    """Within float32-statistics error (relative to max|x| / sqrt(var + eps)) plus rounding to ``dtype``."""
    tol = TOLERANCES[np.dtype(dtype)]
    assert got.dtype == np.dtype(dtype) and got.shape == want.shape
    bound = 1e-6 + 2e-5 * error_scale + 2 * tol * np.abs(want)
    error = np.abs(got.astype(np.float64) - want)
    assert np.all(error <= bound), np.max(error - bound)


def normalize_over(x, axes, eps):
    """Standardize each slice of ``x`` over ``axes`` by iterating the other positions in Python."""
    x64 = x.astype(np.float64)
    out, scale = np.zeros_like(x64), np.zeros_like(x64)
    kept = [i for i in range(x.ndim) if i not in axes]
    for position in itertools.product(*(range(x.shape[i]) for i in kept)):
        index = [slice(None)] * x.ndim
        for i, p in zip(kept, position):
            index[i] = p
        out[tuple(index)], scale[tuple(index)] = standardize(x64[tuple(index)], eps)
    return out, scale


@st.composite
def layer_norm_case(draw, dtype):
    rank = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    n_axes = draw(st.integers(1, rank))
    # scale/bias: each the normalized dims, each dim possibly 1, with or without leading 1s (NumPy
    # broadcasts them to one another; TensorRT's layer takes them of one shape)
    param_shapes = []
    for _ in range(2):
        param_shape = tuple(d if draw(st.booleans()) else 1 for d in shape[rank - n_axes:])
        if draw(st.booleans()):
            param_shape = (1,) * (rank - n_axes) + param_shape
        param_shapes.append(param_shape)
    x = draw(arrays(dtype, shape, min_value=-50, max_value=50))
    scale = draw(arrays(dtype, param_shapes[0], min_value=-3, max_value=3))
    bias = draw(arrays(dtype, param_shapes[1], min_value=-3, max_value=3))
    eps = draw(st.sampled_from([1e-5, 1e-3, 0.5]))
    return x, scale, bias, n_axes, eps


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_layer_norm_matches_formula(dtype, data):
    x, scale, bias, n_axes, eps = data.draw(layer_norm_case(dtype))
    axis = -1 if n_axes == 1 and data.draw(st.booleans()) else tuple(range(-n_axes, 0))
    as_arrays = data.draw(st.booleans())  # scale/bias as NumPy constants, or as network inputs
    if as_arrays:
        got = run_layer(lambda t: td.layer_norm(t, scale, bias, axis=axis, eps=eps), x)
    else:
        got = run_layer(lambda t, s, b: td.layer_norm(t, s, b, axis=axis, eps=eps), x, scale, bias)
    normalized, error_scale = normalize_over(x, tuple(range(x.ndim - n_axes, x.ndim)), eps)
    s64, b64 = scale.astype(np.float64), bias.astype(np.float64)
    check(got, normalized * s64 + b64, error_scale * np.abs(s64), dtype)


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_any_axes_with_full_rank_scale(dtype, data):
    rank = data.draw(st.integers(1, 4))
    shape = tuple(data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    axes = tuple(sorted(data.draw(st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank,
                                           unique=True))))
    param_shape = tuple(d if data.draw(st.booleans()) else 1 for d in shape)
    x = data.draw(arrays(dtype, shape, min_value=-50, max_value=50))
    scale = data.draw(arrays(dtype, param_shape, min_value=-3, max_value=3))
    bias = data.draw(arrays(dtype, param_shape, min_value=-3, max_value=3))
    got = run_layer(lambda t, s, b: td.normalization(t, s, b, axes=axes, eps=1e-3), x, scale, bias)
    normalized, error_scale = normalize_over(x, axes, 1e-3)
    s64 = scale.astype(np.float64)
    check(got, normalized * s64 + bias.astype(np.float64), error_scale * np.abs(s64), dtype)


def grouped(x, groups, eps):
    """Standardize each (sample, group): the group's channels and every spatial position together."""
    x64 = x.astype(np.float64)
    out, scale = np.zeros_like(x64), np.zeros_like(x64)
    per = x.shape[1] // groups
    for n in range(x.shape[0]):
        for g in range(groups):
            block = (n, slice(g * per, (g + 1) * per))
            out[block], scale[block] = standardize(x64[block], eps)
    return out, scale


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_group_and_instance_norm_match_loops(dtype, data):
    groups = data.draw(st.integers(1, 3))
    channels = groups * data.draw(st.integers(1, 3))
    spatial = tuple(data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    shape = (data.draw(st.integers(1, 2)), channels) + spatial
    x = data.draw(arrays(dtype, shape, min_value=-50, max_value=50))
    scale = data.draw(arrays(dtype, (channels,), min_value=-3, max_value=3))
    bias = data.draw(arrays(dtype, (channels,), min_value=-3, max_value=3))
    instance = data.draw(st.booleans())
    if instance:
        got = run_layer(lambda t, s, b: td.instance_norm(t, s, b, eps=1e-3), x, scale, bias)
        normalized, error_scale = grouped(x, channels, 1e-3)
    else:
        got = run_layer(lambda t: td.group_norm(t, groups, scale, bias, eps=1e-3), x)
        normalized, error_scale = grouped(x, groups, 1e-3)
    per_channel = (1, channels) + (1,) * len(spatial)
    s64 = scale.astype(np.float64).reshape(per_channel)
    check(got, normalized * s64 + bias.astype(np.float64).reshape(per_channel), error_scale * np.abs(s64),
          dtype)


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_slices_constant_over_the_axes_give_exactly_the_bias(dtype, data):
    """x - mean is 0 there, so the output is 0 * scale + bias: a rounding error left in the mean would
    show, divided by sqrt(eps), as an error of about 1e-4 of |x|."""
    rank = data.draw(st.integers(1, 4))
    shape = tuple(data.draw(st.lists(st.integers(1, 6), min_size=rank, max_size=rank)))
    axes = tuple(sorted(data.draw(st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank,
                                           unique=True))))
    per_slice = tuple(1 if i in axes else d for i, d in enumerate(shape))
    x = np.broadcast_to(data.draw(arrays(dtype, per_slice)), shape).copy()
    param_shape = tuple(d if data.draw(st.booleans()) else 1 for d in shape)
    scale = data.draw(arrays(dtype, param_shape, min_value=-3, max_value=3))
    bias = data.draw(arrays(dtype, param_shape, min_value=-3, max_value=3))
    got = run_layer(lambda t, s, b: td.normalization(t, s, b, axes=axes), x, scale, bias)
    np.testing.assert_array_equal(got, np.broadcast_to(bias, shape))


def test_ir_shapes_of_scale_and_bias():
    net = td.Network("n")
    x = net.input("x", td.float16, ("n", 6, 4, 4))
    s = net.input("s", td.float16, (6,))
    y = td.group_norm(x, 3, s, np.zeros(6))
    node = net.nodes[-1]
    assert node.op == Normalization((2, 3), 1e-5, 3) and y.type == x.type
    assert [t.shape for t in node.inputs[1:]] == [(1, 6, 1, 1), (1, 6, 1, 1)]
    assert [n.op.kind for n in net.nodes] == ["Unsqueeze", "Constant", "Normalization"]
    z = td.layer_norm(x, np.ones(4, np.float16), np.zeros((1, 4)), axis=(-2, -1))
    assert [t.shape for t in z.producer.inputs[1:]] == [(1, 1, 1, 4), (1, 1, 1, 4)]
    assert z.producer.op == Normalization((2, 3))
    line = "Normalization(%x, %unsqueeze_0, %constant_0, axes=(2,3), epsilon=1e-05, num_groups=3)"
    assert line in net.format(locations=False)


def test_empty_input_gives_an_empty_result():
    got = run_layer(lambda t: td.layer_norm(t, 1.0, 0.0), np.zeros((0, 3), np.float32))
    assert got.shape == (0, 3)


def raw(*args):
    return lambda x, s, b: x.network.add1(Normalization(*args), (x, s, b))


ERRORS = [
    (DTypeError, "Normalization: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda x: td.layer_norm(x, 1, 0), (td.int32, (2, 3)))),
    (DTypeError, "Normalization: input 'scale' has dtype float16 but x has float32; TensorRT networks are "
                 "strongly typed, so they must be the same",
     call(lambda x, s: td.layer_norm(x, s, np.zeros(3)), f32(2, 3), (td.float16, (3,)))),
    (ShapeError, "Normalization: scale (1, 3) and bias (2, 3) must have the same shape",
     call(lambda x, s, b: x.network.add1(Normalization((1,)), (x, s, b)), f32(2, 3), f32(1, 3), f32(2, 3))),
    (ShapeError, "layer_norm: shapes (1, 3) and (1, 4) do not broadcast: dims 3 and 4 differ and neither is "
                 "1",
     call(lambda x: td.layer_norm(x, np.ones(3), np.zeros(4)), f32(2, 3))),
    (ShapeError, "Normalization: scale and bias have shape (1, 4); expected rank 2 with each dim 1 or equal "
                 "to that of x (2, 3)", call(lambda x: td.layer_norm(x, np.ones(4), np.zeros(4)), f32(2, 3))),
    (ShapeError, "layer_norm: argument 'scale' has shape (1, 2, 3), of higher rank than x (2, 3)",
     call(lambda x, s: td.layer_norm(x, s, 0.0), f32(2, 3), f32(1, 2, 3))),
    (ShapeError, "layer_norm: argument 'scale' has shape (1, 2, 3), of higher rank than x (2, 3)",
     call(lambda x: td.layer_norm(x, np.ones((1, 2, 3)), 0.0), f32(2, 3))),
    (ArgumentError, "layer_norm: argument 'axis' is 0; expected trailing dims of the rank-2 input, such as "
                    "-1 or (-2, -1)", call(lambda x: td.layer_norm(x, 1.0, 0.0, axis=0), f32(2, 3))),
    (ShapeError, "layer_norm: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda x: td.layer_norm(x, 1.0, 0.0, axis=2), f32(2, 3))),
    (ArgumentError, "Normalization: argument 'epsilon' is -1.0; expected a finite float >= 0",
     call(lambda x: td.layer_norm(x, 1.0, 0.0, eps=-1), f32(2, 3))),
    (ArgumentError, "layer_norm: argument 'eps' is nan; expected a finite float >= 0",
     call(lambda x: td.layer_norm(x, 1.0, 0.0, eps=float("nan")), f32(2, 3))),
    (ArgumentError, "layer_norm: argument 'eps' is 1e+39; expected a finite float >= 0 within float32's "
                    "range (at most 3.4028235e+38 in magnitude)",
     call(lambda x: td.layer_norm(x, 1.0, 0.0, eps=1e39), f32(2, 3))),
    (ArgumentError, "Normalization: argument 'epsilon' is nan; expected a finite float >= 0",
     call(raw((1,), float("nan")), f32(2, 3), f32(1, 3), f32(1, 3))),
    (ArgumentError, "layer_norm: argument 'eps' is '1e-5'; expected a finite float >= 0",
     call(lambda x: td.layer_norm(x, 1.0, 0.0, eps="1e-5"), f32(2, 3))),
    (ShapeError, "Normalization: argument 'num_groups' is 4; expected a divisor of the 6 channels (dim 1 of "
                 "x (2, 6, 5))", call(lambda x: td.group_norm(x, 4, np.ones(6), np.zeros(6)), f32(2, 6, 5))),
    (ArgumentError, "Normalization: argument 'num_groups' is 0; expected an int >= 1",
     call(lambda x: td.group_norm(x, 0, np.ones(6), np.zeros(6)), f32(2, 6, 5))),
    (ArgumentError, "Normalization: argument 'num_groups' is 2.0; expected an int >= 1",
     call(lambda x: td.group_norm(x, 2.0, np.ones(6), np.zeros(6)), f32(2, 6, 5))),
    (ShapeError, "group_norm: argument 'x' has shape (2, 6); expected rank >= 3 ([N, C, ...] with at least "
                 "one dim after C)", call(lambda x: td.group_norm(x, 2, np.ones(6), np.zeros(6)), f32(2, 6))),
    (ShapeError, "instance_norm: argument 'scale' has shape (2, 6); expected one value per channel, shape "
                 "(C,), or the rank of x (2, 6, 5)",
     call(lambda x: td.instance_norm(x, np.ones((2, 6)), np.zeros(6)), f32(2, 6, 5))),
    (ShapeError, "Normalization: scale and bias have shape (1, 4, 1); expected rank 3 with each dim 1 or "
                 "equal to that of x (2, 6, "
                 "5)", call(lambda x: td.instance_norm(x, np.ones(4), np.zeros(4)), f32(2, 6, 5))),
    (ArgumentError, "normalization: argument 'axes' is (0, 0); expected unique axes",
     call(lambda x: td.normalization(x, 1.0, 0.0, axes=(0, 0)), f32(2, 3))),
    (DTypeError, "instance_norm: argument 'x' is 3.0; expected a trtdsl "
                 "Tensor; turn an array or a number into one with "
                 "net.constant(...)", lambda: td.instance_norm(3.0, 1, 0)),
    (ShapeError, "Normalization: argument 'axes' is (1, 2); expected (2,), every dim after the channel dim "
                 "1, when num_groups is not "
                 "1", call(raw((1, 2), 1e-5, 2), f32(2, 4, 3), f32(1, 4, 1), f32(1, 4, 1))),
    (ShapeError, "Normalization: argument 'axes' is (); expected at least one axis (TensorRT does not define "
                 "an empty axes mask)", call(raw((), 1e-5), f32(2, 3), f32(1, 3), f32(1, 3))),
    (ExecutionError, "Normalization (layer normalization_0): num_groups=2 does not divide the 3 channels of "
                     "x (shape (1, 3, 2))",
     run_with(lambda x, s: td.group_norm(x, 2, s, s), {"t0": np.zeros((1, 3, 2), np.float32),
                                                       "t1": np.ones((1, 3, 1), np.float32)},
              f32(1, "c", 2), f32(1, "c", 1))),
    (ShapeError, "Normalization: scale and bias have shape (1, 1); expected rank 3 with each dim 1 or equal "
                 "to that of x (2, 4, 3)", call(raw((2,), 1e-5), f32(2, 4, 3), f32(1, 1), f32(1, 1))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_, line=error_line(call_))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- Normalization --------------------------------------------------------------------------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:

        def build(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 4, 3, 2))
            scale = net.input("scale", dtype, (1, 4, 1, 1))
            bias = net.input("bias", dtype, (1, 4, 1, 1))
            gamma = net.input("gamma", dtype, (3, 2))
            beta = net.input("beta", dtype, (3, 2))
            net.output("layer", td.layer_norm(x, gamma, beta, axis=(2, 3)))
            net.output("layer_last", td.layer_norm(x, gamma[0], beta[0], eps=1e-3))
            net.output("instance", td.instance_norm(x, scale, bias))
            net.output("group", td.group_norm(x, 2, scale, bias))
            net.output("axes_0_2", td.normalization(x, scale, bias, (0, 2)))

        tol = {"float32": 1e-4, "float16": 1e-2, "bfloat16": 6e-2}
        rows.append(
            Row(
                f"normalization-{dtype.name}",
                build,
                values={k: (-3, 3) for k in ("x", "scale", "bias", "gamma", "beta")},
                special=False,
                rtol=tol,
                atol=tol,
            )
        )
    return rows


@tensorrt_case
def normalizations() -> td.Network:
    net = td.Network("norms")
    x = net.input("x", td.float32, ("n", 4, 3, 3))
    net.output("layer", td.layer_norm(x, np.ones((3, 3), np.float32), np.zeros((3, 3), np.float32), eps=1e-3))
    net.output("instance", td.instance_norm(x, randn(4), randn(4, seed=1), eps=1e-4))
    net.output("group", td.group_norm(x, 2, randn(4), randn(4, seed=2), eps=2e-3))
    half = x.astype(td.float16)
    net.output("group_f16", td.group_norm(half, 2, randn(4, dtype=np.float16), randn(4, dtype=np.float16, seed=1)))
    bf16 = td.bfloat16.numpy
    bf = x.astype(td.bfloat16)
    net.output("layer_bf16", td.layer_norm(bf, randn(3, dtype=bf16), randn(3, dtype=bf16, seed=1)))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
LN_SCALE, LN_BIAS = randn(3, 3, seed=1), randn(3, 3, seed=2)


GN_SCALE, GN_BIAS = randn(4, seed=3), randn(4, seed=4)


@tensorrt_expectation("layer_norm", "NvInfer.h addNormalizationV2: axesMask bit i = dim i; scale and bias of the input's rank",
     {"Normalization": Layer("add_normalization_v2", {"axes": 0b1100, "epsilon": 1e-3, "num_groups": 1},
                             ("x", Const(LN_SCALE.reshape(1, 1, 3, 3)), Const(LN_BIAS.reshape(1, 1, 3, 3))),
                             input_ranks=(4, 4, 4))})
def _(net):
    x = net.input("x", td.float32, ("n", 4, 3, 3))
    net.output("y", td.layer_norm(x, LN_SCALE, LN_BIAS, axis=(-2, -1), eps=1e-3))


@tensorrt_expectation("instance_norm", "NvInfer.h addNormalizationV2: InstanceNorm's scale and bias are [1, C, 1, 1]",
     {"Normalization": Layer("add_normalization_v2", {"axes": 0b1100, "num_groups": 1},
                             ("x", Const(GN_SCALE.reshape(1, 4, 1, 1)), Const(GN_BIAS.reshape(1, 4, 1, 1))))})
def _(net):
    net.output("y", td.instance_norm(net.input("x", td.float32, ("n", 4, 3, 3)), GN_SCALE, GN_BIAS))


@tensorrt_expectation("group_norm", "NvInfer.h INormalizationLayer::setNbGroups: with groups, the axes are every dim after C; "
     "addNormalizationV2: scale and bias [1, C, 1, 1]",
     {"Normalization": Layer("add_normalization_v2", {"axes": 0b11100, "num_groups": 2, "epsilon": 1e-4},
                             ("x", Const(GN_SCALE.reshape(1, 4, 1, 1, 1)),
                              Const(GN_BIAS.reshape(1, 4, 1, 1, 1))))})
def _(net):
    net.output("y", td.group_norm(net.input("x", td.float32, ("n", 4, 3, 2, 2)), 2, GN_SCALE, GN_BIAS, eps=1e-4))


GN_SCALE_F16, GN_BIAS_F16 = GN_SCALE.astype(np.float16), GN_BIAS.astype(np.float16)


LN_SCALE_BF16 = LN_SCALE.astype(td.bfloat16.numpy)


LN_BIAS_BF16 = LN_BIAS.astype(td.bfloat16.numpy)


def _in_float32(x: str, scale: Any, bias: Any, back: str, **properties: Any) -> tuple:
    """A 16-bit normalization of ``x`` computed in float32: its data, scale and bias (input expectations)
    cast to kFLOAT, the layer, and a cast back to ``back``."""
    to_float = {"to_type": "DataType.FLOAT"}
    return (Layer("add_cast", to_float, (x,)), Layer("add_cast", to_float, (scale,)),
            Layer("add_cast", to_float, (bias,)),
            Layer("add_normalization_v2", properties, (By("add_cast"), By("add_cast"), By("add_cast"))),
            Layer("add_cast", {"to_type": back}, (By("add_normalization_v2"),)))


@tensorrt_expectation("normalization_16_bit", "NvInfer.h INormalizationLayer::setComputePrecision: in a strongly typed network "
     "'the compute precision is typically controlled by casting the input tensors' (so: casts to kFLOAT, "
     "the layer, a cast back)",
     {"Normalization#0": _in_float32("h", Const(GN_SCALE_F16.reshape(1, 4, 1, 1)),
                                     Const(GN_BIAS_F16.reshape(1, 4, 1, 1)), "DataType.HALF", axes=0b1100,
                                     num_groups=2, epsilon=1e-3),
      # bfloat16 weights are stored as float32 constants cast to BF16 (kBF16 weights cannot be read back)
      "Normalization#1": _in_float32("b", By("add_cast"), By("add_cast"), "DataType.BF16", axes=0b110,
                                     num_groups=1)},
     outputs={"gn": Layer("add_cast", {"to_type": "DataType.HALF"}, (By("add_normalization_v2"),)),
              "ln": Layer("add_cast", {"to_type": "DataType.BF16"}, (By("add_normalization_v2"),))})
def _(net):
    h = net.input("h", td.float16, ("n", 4, 3, 3))
    net.output("gn", td.group_norm(h, 2, GN_SCALE_F16, GN_BIAS_F16, eps=1e-3))
    b = net.input("b", td.bfloat16, ("n", 3, 3))
    net.output("ln", td.layer_norm(b, LN_SCALE_BF16, LN_BIAS_BF16, axis=(-2, -1)))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "group_norm": lambda e: dict(x=e.x, num_groups=3, scale=np.ones((1, 3, 1, 1), np.float32), bias=np.ones((1, 3, 1, 1), np.float32)),
    "instance_norm": lambda e: dict(x=e.x, scale=np.ones((1, 3, 1, 1), np.float32), bias=np.ones((1, 3, 1, 1), np.float32)),
    "layer_norm": lambda e: dict(x=e.m, scale=np.ones((1, 3), np.float32), bias=np.ones((1, 3), np.float32), axis=-1, eps=1e-5),
    "normalization": lambda e: dict(x=e.m, scale=np.ones((1, 3), np.float32), bias=np.ones((1, 3), np.float32), axes=1, eps=1e-5),
}


@pytest.mark.parametrize("length", [4096, 4097, 20000])
def test_long_rows_on_both_sides_of_the_einsum_limit_match_the_formula(length):
    """Sums of squares switch from einsum to pairwise summation above 4096 values per row."""
    rng = np.random.default_rng(length)
    x = (rng.standard_normal((3, length)) * 5 + 100).astype(np.float32)
    scale, bias = rng.standard_normal(length), rng.standard_normal(length)
    got = run_layer(lambda t: td.layer_norm(t, scale, bias), x)
    v = x.astype(np.float64)
    want = (v - v.mean(1, keepdims=True)) / np.sqrt(v.var(1, keepdims=True) + 1e-5) * scale + bias
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_many_rows_each_give_their_own_values_and_the_formula():
    """More rows than one block of the reference holds: blocking must not change a row's values."""
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((1500, 300)) * 3 + 10).astype(np.float32)
    scale, bias = rng.standard_normal(300).astype(np.float32), rng.standard_normal(300).astype(np.float32)
    got = run_layer(lambda t: td.layer_norm(t, scale, bias), x)
    for rows in (slice(0, 1), slice(436, 437), slice(1499, 1500)):
        alone = run_layer(lambda t: td.layer_norm(t, scale, bias), x[rows].copy())
        np.testing.assert_array_equal(got[rows].view(np.int32), alone.view(np.int32))
    v = x.astype(np.float64)
    want = (v - v.mean(1, keepdims=True)) / np.sqrt(v.var(1, keepdims=True) + 1e-5) * scale + bias
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("groups, param_shape", [
    (1, (1, 6, 1, 1)), (1, (2, 6, 1, 1)), (1, (1, 1, 1, 1)), (1, (1, 6, 1, 5)), (1, (2, 6, 4, 5)),
    (3, (1, 6, 1, 1)), (3, (2, 6, 1, 1)), (3, (1, 1, 1, 1)), (3, (1, 6, 4, 5)), (3, (2, 6, 4, 5)),
])
def test_instance_and_group_norm_scale_and_bias_of_each_shape_match_the_formula(groups, param_shape):
    """Per channel (and per sample and channel) scale and bias go with each row of the statistics; those
    varying along the spatial dims too take the general form: both against the formula."""
    rng = np.random.default_rng(groups)
    x = (rng.standard_normal((2, 6, 4, 5)) * 3 + 10).astype(np.float32)
    scale = rng.standard_normal(param_shape).astype(np.float32)
    bias = rng.standard_normal(param_shape).astype(np.float32)
    got = run_layer(lambda t, s, b: td.normalization(t, s, b, axes=(2, 3), num_groups=groups), x, scale, bias)
    g = x.astype(np.float64).reshape(2, 6 if groups == 1 else groups, -1)  # one group: instance norm
    normalized = ((g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)).reshape(x.shape)
    np.testing.assert_allclose(got, normalized * scale + bias, rtol=1e-5, atol=1e-5)
