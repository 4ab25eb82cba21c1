"""Quantize, Dequantize and DynamicQuantize against formulas written here from TensorRT's documentation.

The expected values never go through ml_dtypes' float encoders: FP8 (E4M3) and FP4 (E2M1) values are
decoded from their bit fields below, and rounding to them is a nearest-value search with ties going to
the even code (the even mantissa), as TensorRT's round-to-nearest-even."""

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, error_line, expect_error, f32, run_layer, run_with

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from trtdsl.layers.quantize import Dequantize, Quantize
from backend_rows import Row, FLOATS, tensorrt_case, randn, tensorrt_expectation, Layer, Const, By, ANY

FLOAT_TYPES = [np.float32, np.float16, ml_dtypes.bfloat16]
OUT_TYPES = [td.float32, td.float16, td.bfloat16]


def e4m3(code: int) -> float:
    """The value of a non-negative E4M3 code (bias 7, no infinities, 0x7F is NaN)."""
    exponent, mantissa = code >> 3, code & 7
    if exponent == 0:
        return mantissa / 8 * 2.0**-6
    return (1 + mantissa / 8) * 2.0 ** (exponent - 7)


FP8_GRID = [(e4m3(c), c) for c in range(0x7F)]
FP4_GRID = [(0.0, 0), (0.5, 1), (1.0, 2), (1.5, 3), (2.0, 4), (3.0, 5), (4.0, 6), (6.0, 7)]  # E2M1
INT_RANGE = {"int8": (-128, 127), "int4": (-8, 7)}


def nearest_even(value: float, grid: list) -> float:
    """The grid value nearest ``|value|`` (ties: the even code), with value's sign."""
    magnitude = abs(value)
    best = min(grid, key=lambda vc: (abs(vc[0] - magnitude), vc[1] & 1))
    return math.copysign(best[0], value)


def quantize_one(value: float, to: td.DType) -> float:
    """TensorRT's Q of one float32 ``x / s`` (already divided)."""
    if to.name in INT_RANGE:
        low, high = INT_RANGE[to.name]
        if math.isnan(value):
            return 0.0
        return float(round(min(max(value, low), high)))  # Python rounds half to even
    if to is td.fp8:
        return value if math.isnan(value) else nearest_even(min(max(value, -448.0), 448.0), FP8_GRID)
    return 0.0 if math.isnan(value) else nearest_even(min(max(value, -6.0), 6.0), FP4_GRID)


def expected_q(x: np.ndarray, s: np.ndarray, to: td.DType) -> np.ndarray:
    """``quantize_one(float32(x) / float32(s))`` elementwise, as float64 (s broadcast to x)."""
    ratio = x.astype(np.float32) / np.broadcast_to(s.astype(np.float32), x.shape)
    return np.array([quantize_one(float(v), to) for v in ratio.ravel()], np.float64).reshape(x.shape)


def assert_quantized(got: np.ndarray, want: np.ndarray, to: td.DType) -> None:
    assert got.dtype == to.numpy and got.shape == want.shape
    np.testing.assert_array_equal(got.astype(np.float64), want)


def grid_of(to: td.DType) -> list[float]:
    if to.name in INT_RANGE:
        return [float(v) for v in range(INT_RANGE[to.name][1] + 1)]
    return [v for v, _ in (FP8_GRID if to is td.fp8 else FP4_GRID)]


def specials(to: td.DType, scale: float) -> list[float]:
    """Multiples of the scale at grid values, exact midpoints (ties) and just past the saturation edges."""
    grid = grid_of(to)
    limit = grid[-1] + (1 if to.name in INT_RANGE else 0)  # -128 / -8 sit one further on the negative side
    points = grid + [(a + b) / 2 for a, b in zip(grid, grid[1:])] + [limit, limit + 0.5, limit + 1, 2 * limit]
    return [sign * p * scale for p in points for sign in (1.0, -1.0)] + [math.inf, -math.inf, math.nan]


@st.composite
def data_and_scale(draw, dtype, to, shape=None):
    """An array mixing special values (ties, edges, inf, NaN) and ordinary floats, with a power-of-two
    scale (so ties stay exact) or an arbitrary positive one."""
    scale = draw(st.one_of(st.sampled_from([0.25, 0.5, 1.0, 2.0, 0.0625]),
                           st.floats(2.0**-10, 1024.0, width=32)))
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)) if shape is None else shape
    elements = st.one_of(st.sampled_from(specials(to, scale)), st.floats(-1e4, 1e4, width=32))
    values = draw(st.lists(elements, min_size=math.prod(shape), max_size=math.prod(shape)))
    return np.array(values, np.float32).reshape(shape).astype(dtype), scale


QTYPES = [td.int8, td.int4, td.fp8, td.fp4]


@pytest.mark.parametrize("to", QTYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_per_tensor_quantize_rounds_half_to_even_and_saturates(to, dtype, data):
    x, scale = data.draw(data_and_scale(dtype, to))
    if to is td.int4:  # int4 is for weights only: quantize a constant
        got = run_weights(lambda w: td.quantize(w, scale, to), x)
    else:
        got = run_layer(lambda t: td.quantize(t, scale, to), x)
    assert_quantized(got, expected_q(x, np.float32(scale), to), to)


def run_weights(build, *values):
    """Like ``run_layer``, on constants holding ``values`` (weights, which per-channel and int4 scales
    need)."""
    net = td.Network("weights")
    result = build(*(net.constant(v) for v in values))
    outs = result if isinstance(result, tuple) else (result,)
    for i, o in enumerate(outs):
        net.output(f"out{i}", o)
    got = net.run({})
    return tuple(got[f"out{i}"] for i in range(len(outs))) if isinstance(result, tuple) else got["out0"]


@pytest.mark.parametrize("to", QTYPES, ids=lambda d: d.name)
@given(data=st.data())
def test_per_channel_quantize_of_weights(to, data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    w, _ = data.draw(data_and_scale(np.float32, to, shape))
    scales = np.array(data.draw(st.lists(st.sampled_from([0.125, 0.5, 1.0, 3.0, 1e-3]), min_size=shape[axis],
                                         max_size=shape[axis])), np.float32)
    got, back = run_weights(lambda c: _pair(c, scales, to, axis), w)
    along = [1] * len(shape)
    along[axis] = -1
    want = expected_q(w, scales.reshape(along), to)
    assert_quantized(got, want, to)
    np.testing.assert_array_equal(back, want.astype(np.float32) * scales.reshape(along))


def _pair(x, scales, to, axis=None, block_shape=None):
    q = td.quantize(x, scales, to, axis=axis, block_shape=block_shape)
    return q, td.dequantize(q, scales, axis=axis, block_shape=block_shape)


@st.composite
def blocked(draw, to):
    """An input of rank 2 or 3, a block shape along the last and/or second-to-last dim, and scales."""
    rank = draw(st.integers(2, 3))
    blocks = [1] * rank
    shape = [draw(st.integers(1, 3)) for _ in range(rank)]
    for dim in draw(st.sampled_from([(rank - 1,), (rank - 2,), (rank - 2, rank - 1)])):
        blocks[dim] = draw(st.sampled_from([1, 2, 4, -1]))
        shape[dim] *= blocks[dim] if blocks[dim] > 0 else 1
    x, _ = draw(data_and_scale(np.float32, to, tuple(shape)))
    sizes = [n if b == -1 else b for n, b in zip(shape, blocks)]
    scale_shape = tuple(n // b for n, b in zip(shape, sizes))
    scales = np.array(draw(st.lists(st.sampled_from([0.25, 1.0, 2.0, 0.1]), min_size=math.prod(scale_shape),
                                    max_size=math.prod(scale_shape))), np.float32).reshape(scale_shape)
    return x, tuple(blocks), sizes, scales


def block_expand(scales: np.ndarray, sizes: list, shape: tuple) -> np.ndarray:
    """s[i, j, ...] = scales[i // b0, j // b1, ...] written as an index loop."""
    out = np.empty(shape, np.float32)
    for index in np.ndindex(*shape):
        out[index] = scales[tuple(i // b for i, b in zip(index, sizes))]
    return out


@pytest.mark.parametrize("to", QTYPES, ids=lambda d: d.name)
@given(data=st.data())
def test_block_quantize_and_dequantize(to, data):
    x, blocks, sizes, scales = data.draw(blocked(to))
    full = block_expand(scales, sizes, x.shape)
    want = expected_q(x, full, to)

    run = run_weights if to is td.int4 else run_layer
    got, back = run(lambda t: _pair(t, scales, to, block_shape=blocks), x)
    assert_quantized(got, want, to)
    np.testing.assert_array_equal(back, want.astype(np.float32) * full)


def quantized_values(to: td.DType, shape: tuple) -> st.SearchStrategy[np.ndarray]:
    """Arrays of every value of ``to`` (fp8 codes except NaN)."""
    n = math.prod(shape)
    if to.name in INT_RANGE:
        low, high = INT_RANGE[to.name]
        return st.lists(st.integers(low, high), min_size=n, max_size=n).map(
            lambda v: np.array(v, np.int8).reshape(shape).astype(to.numpy))
    codes = [c for c in range(256) if c & 0x7F != 0x7F] if to is td.fp8 else list(range(16))
    return st.lists(st.sampled_from(codes), min_size=n, max_size=n).map(
        lambda v: np.array(v, np.uint8).reshape(shape).view(to.numpy))


def decode(q: np.ndarray, to: td.DType) -> np.ndarray:
    """The value of each element, from its code (not through ml_dtypes' conversions)."""
    if to.name in INT_RANGE:
        return np.array([int(v) for v in q.ravel()], np.float64).reshape(q.shape)
    codes = q.view(np.uint8).ravel().tolist()
    if to is td.fp8:
        values = [(-1.0 if c & 0x80 else 1.0) * e4m3(c & 0x7F) for c in codes]
    else:
        values = [(-1.0 if c & 0x8 else 1.0) * FP4_GRID[c & 0x7][0] for c in codes]
    return np.array(values, np.float64).reshape(q.shape)


@pytest.mark.parametrize("to", OUT_TYPES, ids=lambda d: d.name)
@pytest.mark.parametrize("src", QTYPES, ids=lambda d: d.name)
@given(data=st.data())
def test_dequantize_multiplies_in_float32(src, to, data):
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    q = data.draw(quantized_values(src, shape))
    scale = data.draw(st.floats(2.0**-10, 1024.0, width=32))
    if src is td.int4:
        got = run_weights(lambda c: td.dequantize(c, scale, to), q)
    else:
        got = run_layer(lambda t: td.dequantize(t, scale, to), q)
    product = decode(q, src).astype(np.float32) * np.float32(scale)  # in float32, rounded once to the output
    assert got.dtype == to.numpy
    np.testing.assert_array_equal(got, product.astype(to.numpy))


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_fake_quant_is_within_half_a_step(dtype, data):
    x, scale = data.draw(data_and_scale(dtype, td.int8))
    x = np.where(np.isfinite(x.astype(np.float32)), x, 0).astype(dtype)
    got = run_layer(lambda t: td.fake_quant(t, scale), x)
    assert got.dtype == dtype
    want = (expected_q(x, np.float32(scale), td.int8).astype(np.float32) * np.float32(scale)).astype(dtype)
    np.testing.assert_array_equal(got, want)
    inside = np.abs(x.astype(np.float64)) <= 127 * scale
    half_ulp = {np.dtype(np.float32): 2.0**-24, np.dtype(np.float16): 2.0**-11,
                np.dtype(ml_dtypes.bfloat16): 2.0**-8}
    # half a step, plus the rounding of x / s in float32 and of the result to the output type
    magnitude_x, magnitude_y = np.abs(x.astype(np.float64)), np.abs(want.astype(np.float64))
    step = scale / 2 + magnitude_x * 2.0**-23 + magnitude_y * half_ulp[np.dtype(dtype)]
    assert np.all(np.abs(got.astype(np.float64) - x.astype(np.float64))[inside] <= step[inside])


def test_ties_and_edges_by_hand():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 126.5, 127.5, -127.5, -128.5, 1e9], np.float32)
    np.testing.assert_array_equal(run_layer(lambda t: td.quantize(t, 1.0), x),
                                  [0, 2, 2, 0, -2, 126, 127, -128, -128, 127])
    f = np.array([17.0, 19.0, 448.0, 464.0, 1e6, -1e6, 0.0009765625, 0.0029296875], np.float32)
    got = run_layer(lambda t: td.quantize(t, 1.0, td.fp8), f).astype(np.float32)
    np.testing.assert_array_equal(got, [16.0, 20.0, 448.0, 448.0, 448.0, -448.0, 0.0, 0.00390625])
    h = np.array([0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0, 7.0, -100.0], np.float32)
    got = run_layer(lambda t: td.quantize(t, 1.0, td.fp4), h).astype(np.float32)
    np.testing.assert_array_equal(got, [0.0, 1.0, 1.0, 2.0, 2.0, 4.0, 4.0, 6.0, -6.0])


def test_nan_readings():
    x = np.array([np.nan, 1.0], np.float32)
    q8, f8, f4 = run_layer(lambda t: tuple(td.quantize(t, 1.0, to) for to in (td.int8, td.fp8, td.fp4)), x)
    np.testing.assert_array_equal(q8, [0, 1])
    assert np.isnan(f8.astype(np.float32)[0]) and f4.astype(np.float32).tolist() == [0.0, 1.0]


def test_float16_scale_matches_float16_data_and_zero_point_of_zeros_is_accepted():
    x = np.array([1.0, -3.0, 300.0], np.float16)
    got = run_layer(lambda t: td.quantize(t, t.network.constant(np.array(0.5, np.float16)), zero_point=0), x)
    np.testing.assert_array_equal(got, [2, -6, 127])
    net = td.Network("zp")
    t = net.input("t", td.float32, (2,))
    zp = td.cast(net.constant(np.zeros((), np.float32)), td.int8)  # Constant -> Cast -> Q is allowed
    net.output("q", td.quantize(t, 1.0, zero_point=zp))
    np.testing.assert_array_equal(net.run({"t": np.array([1.5, 2.5], np.float32)})["q"], [2, 2])


def test_per_channel_on_weights_through_shape_layers():
    net = td.Network("w")
    w = td.transpose(net.constant(np.arange(6, dtype=np.float32).reshape(2, 3)))
    net.output("q", td.quantize(w, [1.0, 2.0], axis=1))
    np.testing.assert_array_equal(net.run({})["q"], [[0, 2], [1, 2], [2, 2]])


def test_runtime_scale_tensor():
    net = td.Network("s")
    x = net.input("x", td.float32, (3,))
    s = net.input("s", td.float32, ())
    net.output("q", td.quantize(x, s))
    got = net.run({"x": np.array([1.0, 2.0, 3.0], np.float32), "s": np.array(2.0, np.float32)})["q"]
    np.testing.assert_array_equal(got, [0, 1, 2])


@st.composite
def dynamic_case(draw):
    rank = draw(st.integers(2, 3))
    block = draw(st.sampled_from([2, 4, 16]))
    last = draw(st.booleans())
    shape = [draw(st.integers(1, 3)) for _ in range(rank)]
    shape[-1 if last else -2] *= block
    blocks = [1] * rank
    blocks[-1 if last else -2] = block
    values = draw(st.lists(st.one_of(st.floats(-500, 500, width=32), st.sampled_from([0.0, 6.0, -3.0])),
                           min_size=math.prod(shape), max_size=math.prod(shape)))
    x = np.array(values, np.float32).reshape(shape)
    if draw(st.booleans()):
        x[..., :block] = 0  # all-zero blocks
    return x, tuple(blocks), draw(st.sampled_from([1.0, 0.5, 3.0]))


def scale_of_block(amax: float, d: float, to: td.DType, scale_type: td.DType) -> float:
    """The block scale: fp8(amax / (qmax * d)), that ratio in float32, or the e8m0 power of two."""
    qmax = {"float4_e2m1": 6.0, "float8_e4m3": 448.0, "int8": 127.0}[to.name]
    if scale_type is td.e8m0:
        ratio = float(np.float32(amax) / np.float32(d))
        if ratio == 0:
            return 2.0**-127
        return 2.0 ** min(max(math.floor(math.log2(ratio)) - math.floor(math.log2(qmax)), -127), 127)
    raw = float(np.float32(amax) / (np.float32(qmax) * np.float32(d)))
    return quantize_one(raw, td.fp8) if scale_type is td.fp8 else raw


@pytest.mark.parametrize("to, scale_type", [(td.fp4, td.fp8), (td.fp8, td.e8m0), (td.int8, td.float32),
                                            (td.fp4, td.e8m0), (td.fp8, td.fp8)], ids=str)
@given(case=dynamic_case())
def test_dynamic_quantize_against_block_loop(to, scale_type, case):
    x, blocks, d = case
    q, s = run_layer(lambda t: td.dynamic_quantize(t, blocks, to, scale_type, d), x)
    sizes = blocks
    scale_shape = tuple(n // b for n, b in zip(x.shape, sizes))
    want_s = np.empty(scale_shape, np.float64)
    for index in np.ndindex(*scale_shape):
        block = x[tuple(slice(i * b, (i + 1) * b) for i, b in zip(index, sizes))]
        want_s[index] = scale_of_block(float(np.abs(block).max()), d, to, scale_type)
    assert s.dtype == scale_type.numpy
    np.testing.assert_array_equal(s.astype(np.float64), want_s)
    step = block_expand(want_s.astype(np.float32) * np.float32(d), list(sizes), x.shape)
    ratio = np.where(step == 0, 0, x / np.where(step == 0, 1, step)).astype(np.float32)
    assert_quantized(q, np.array([quantize_one(float(v), to) for v in ratio.ravel()]).reshape(x.shape), to)


@pytest.mark.parametrize("block, to, scale_type", [(16, td.fp4, td.fp8), (32, td.fp8, td.e8m0)], ids=str)
@given(data=st.data())
def test_dynamic_quantize_v1_blocks_one_of_the_last_two_axes(block, to, scale_type, data):
    """addDynamicQuantize's blocks: ``block`` elements along ``axis``, each block scaled by itself."""
    rank, axis = data.draw(st.integers(2, 3)), data.draw(st.sampled_from([-1, -2]))
    shape = [data.draw(st.integers(1, 2)) for _ in range(rank)]
    shape[axis] *= block
    x = data.draw(arrays(np.float32, tuple(shape), min_value=-500, max_value=500))
    d = data.draw(st.sampled_from([1.0, 0.25]))
    q, s = run_layer(lambda t: td.dynamic_quantize_v1(t, axis, block, to, scale_type, d), x)
    moved = np.moveaxis(x, axis, -1)
    want_s = np.empty(moved.shape[:-1] + (moved.shape[-1] // block,), np.float64)
    want_q = np.empty(moved.shape, np.float64)
    for index in np.ndindex(*want_s.shape):
        lead, j = index[:-1], index[-1]
        values = moved[lead][j * block:(j + 1) * block]
        scale = scale_of_block(float(np.abs(values).max()), d, to, scale_type)
        want_s[index] = scale
        step = np.float32(scale) * np.float32(d)
        for i, v in enumerate(values):
            want_q[lead + (j * block + i,)] = quantize_one(float(v / step) if step else 0.0, to)
    np.testing.assert_array_equal(np.moveaxis(s.astype(np.float64), axis, -1), want_s)
    assert_quantized(np.moveaxis(q, axis, -1), want_q, to)


def test_dynamic_quantize_v1_prints_its_form():
    net = td.Network("v1")
    q, _ = td.dynamic_quantize_v1(net.input("x", td.float32, ("n", 32)), name="dq")
    net.output("q", q)
    assert "DynamicQuantize[fp4,fp8](%x, %constant_0, block_shape=(1,16), v1=True)" in net.format(locations=False)


def test_nvfp4_round_trip_is_close():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 64)).astype(np.float32)

    def build(t):
        q, s = td.dynamic_quantize(t, 16, double_quant_scale=0.01)
        return td.dequantize(q, td.dequantize(s, 0.01), block_shape=(1, 16))

    y = run_layer(build, x)
    amax = np.abs(x.reshape(4, 4, 16)).max(axis=-1, keepdims=True)
    # fp4 keeps one mantissa bit: the error is at most a quarter of the block's amax (plus the fp8 scale's)
    assert np.all(np.abs(y - x).reshape(4, 4, 16) <= amax * 0.25 * (1 + 2**-3) + 1e-6)


def test_quantized_tensors_print_their_layers():
    net = td.Network("p")
    x = net.input("x", td.float32, ("n", 8))
    q = td.quantize(x, 0.5, td.fp8, name="q8")
    net.output("y", td.dequantize(q, 0.5, td.float16))
    w = net.constant(np.ones((2, 8), np.float32))
    net.output("w", td.fake_quant(w, [1.0, 2.0], axis=0, name="wq"))
    d, _ = td.dynamic_quantize(x, (1, 4), name="dyn")
    net.output("d", d)
    text = net.format(locations=False)
    assert "%q8 : fp8[n,8] = Quantize[fp8](%x, %constant_0)" in text
    assert "= Dequantize[f16](%q8, %constant_1)" in text
    assert "%wq_q : i8[2,8] = Quantize[i8](%constant_2, %constant_3, axis=0)" in text
    assert "%wq : f32[2,8] = Dequantize[f32](%wq_q, %constant_3, axis=0)" in text
    assert ("%dyn:0 : fp4[n,8], %dyn:1 : fp8[n,2] = DynamicQuantize[fp4,fp8](%x, %constant_4, "
            "block_shape=(1,4))"
            in text)


# -- invalid calls -------------------------------------------------------------------------------------


def on_constant(build, value):
    def run():
        net = td.Network("e")
        return build(net.constant(value), net)
    return run


def run_bad_scale(value: float):
    """A quantization whose scale arrives at run time, run with scale ``value``."""
    def run():
        net = td.Network("e")
        x = net.input("x", td.float32, (3,))
        s = net.input("s", td.float32, ())
        net.output("q", td.quantize(x, s))  # located
        return net.run({"x": np.array([1.0, -1.0, 0.0], np.float32), "s": np.array(value, np.float32)})
    return run


def bad_scale_row(value: float) -> tuple:
    # NvInfer.h IQuantizeLayer: "All scale coefficients must have strictly positive values"
    return (ExecutionError, f"Quantize[i8] (layer quantize_0): scale coefficient {value!r} is not finite and "
                            "positive; TensorRT requires strictly positive scales (NvInfer.h IQuantizeLayer)",
            run_bad_scale(value))


W = np.ones((2, 3), np.float32)
PER_TENSOR = ("a per-tensor scale has one coefficient (give axis for per-channel or block_shape for block "
              "scales)")
ROWS = [
    (DTypeError, "Quantize[f16]: to_type is td.float16; expected one of int8, float8_e4m3, int4, float4_e2m1",
     call(lambda a: td.quantize(a, 1.0, td.float16), f32(2))),
    (DTypeError, "Quantize[i8]: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda a: td.quantize(a, 1.0), (td.int32, (2,)))),
    (DTypeError, "Dequantize[f32]: input 'x' has dtype float32; expected one of int8, float8_e4m3, int4, "
                 "float4_e2m1",
     call(lambda a: td.dequantize(a, 1.0), f32(2))),
    (DTypeError, "Dequantize[i32]: to_type is td.int32; expected one of float32, float16, bfloat16",
     call(lambda a: td.dequantize(a, 1.0, td.int32), (td.int8, (2,)))),
    (ArgumentError, "quantize: argument 'scale' is 0.0; expected finite, strictly positive coefficients",
     call(lambda a: td.quantize(a, 0.0), f32(2))),
    (ArgumentError, "quantize: argument 'scale' is nan; expected finite, strictly positive coefficients",
     call(lambda a: td.quantize(a, float("nan")), f32(2))),
    (ArgumentError, "dequantize: argument 'scale' is inf; expected finite, strictly positive coefficients",
     call(lambda a: td.dequantize(a, float("inf")), (td.int8, (2,)))),
    (ArgumentError, "quantize: argument 'scale' is [0.5, -1.0]; expected finite, strictly positive "
                    "coefficients",
     on_constant(lambda w, net: td.quantize(w, [0.5, -1.0], axis=0), W)),
    (ArgumentError, "quantize: argument 'scale' is 1e-50; expected finite, strictly positive coefficients",
     call(lambda a: td.quantize(a, 1e-50), f32(2))),
    (ArgumentError, "quantize: argument 'scale' is 0.0; expected finite, strictly positive coefficients",
     on_constant(lambda w, net: td.quantize(w, net.constant(np.zeros((), np.float32))), W)),
    (ArgumentError, "fake_quant: argument 'scale' is -2.0; expected finite, strictly positive coefficients",
     call(lambda a: td.fake_quant(a, -2.0), f32(2))),
    (DTypeError, "quantize: argument 'scale' is 'big'; expected a positive float, an array of them, or a "
                 "Tensor",
     call(lambda a: td.quantize(a, "big"), f32(2))),
    (DTypeError, "quantize: argument 'x' is [1.0, 2.0]; expected a trtdsl Tensor"
                 "; turn an array or a number into one with net.constant(...)",
     lambda: td.quantize([1.0, 2.0], 1.0)),
    (ArgumentError, "quantize: argument 'axis' is 1; expected None (a per-tensor scale) for %t0, which is "
                    "computed from network inputs: TensorRT allows per-channel scales only on weights "
                    "(inputs computed from constants)",
     call(lambda a: td.quantize(a, [1.0, 2.0, 3.0], axis=1), f32(2, 3))),
    (ArgumentError, "dequantize: argument 'axis' is 0; expected None (a per-tensor scale) for %t0, which is "
                    "computed from network inputs: TensorRT allows per-channel scales only on weights "
                    "(inputs computed from constants)",
     call(lambda a: td.dequantize(a, [1.0, 2.0], axis=0), (td.int8, (2, 3)))),
    (ShapeError, "Quantize[i8]: input 'scale' has shape (3,); per-channel scales along axis 0 of (2, 3) "
                 "need shape (2,)",
     on_constant(lambda w, net: td.quantize(w, [1.0, 2.0, 3.0], axis=0), W)),
    (ShapeError, f"Quantize[i8]: input 'scale' has shape (3,) but no axis is set; {PER_TENSOR}",
     on_constant(lambda w, net: td.quantize(w, [1.0, 2.0, 3.0]), W)),
    (ShapeError, "quantize: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     on_constant(lambda w, net: td.quantize(w, [1.0, 2.0], axis=2), W)),
    (ArgumentError, "quantize: argument 'axis' is 0; expected None when block_shape is given (a scale is "
                    "per-channel or blocked, not both)",
     call(lambda a: td.quantize(a, np.ones((2, 2)), td.fp8, axis=0, block_shape=(1, 4)), f32(2, 8))),
    (ArgumentError, "quantize: argument 'block_shape' is 'ab'; expected a sequence of ints",
     call(lambda a: td.quantize(a, 1.0, td.fp8, block_shape="ab"), f32(2, 8))),
    (ShapeError, "Quantize[fp8]: block_shape (4,) has 1 dims; expected one per dim of the input (2, 8)",
     call(lambda a: td.quantize(a, np.ones((2, 2)), td.fp8, block_shape=(4,)), f32(2, 8))),
    (ShapeError, "Quantize[fp8]: dim 1 of the input (2, 8) is 8, not a multiple of its block size 3",
     call(lambda a: td.quantize(a, np.ones((2, 2)), td.fp8, block_shape=(1, 3)), f32(2, 8))),
    (ShapeError, "Quantize[fp8]: block_shape (2, 1, 1) blocks dim 0 of (4, 2, 8); TensorRT blocks only the "
                 "last two dims (use 1 for the others)",
     call(lambda a: td.quantize(a, np.ones((2, 2, 8)), td.fp8, block_shape=(2, 1, 1)), f32(4, 2, 8))),
    (ShapeError, "Quantize[fp8]: input 'scale' has shape (2, 4); block_shape (1, 4) on an input of shape "
                 "(2, 8) needs (2, 2)",
     call(lambda a: td.quantize(a, np.ones((2, 4)), td.fp8, block_shape=(1, 4)), f32(2, 8))),
    (ShapeError, "Quantize[fp8]: dim 1 of the input (2, n) is dynamic; blocked dims must be static",
     call(lambda a: td.quantize(a, np.ones((2, 2)), td.fp8, block_shape=(1, 4)), f32(2, "n"))),
    (ShapeError, "Quantize[fp8]: block_shape (1, 0) has 0 at dim 1; expected a positive int or -1 (the "
                 "whole dim)",
     call(lambda a: td.quantize(a, np.ones((2, 2)), td.fp8, block_shape=(1, 0)), f32(2, 8))),
    (ShapeError, "Quantize[i8]: input 'scale' has shape (2, 3), which does not divide dim 1 of the input "
                 "(2, 8) into blocks",
     call(lambda a: td.quantize(a, np.ones((2, 3))), f32(2, 8))),
    (ShapeError, f"Quantize[i8]: input 'scale' has shape (n,) but no axis is set; {PER_TENSOR}",
     call(lambda a, s: td.quantize(a, s), f32(2), f32("n"))),
    (ShapeError, "Dequantize[f32]: input 'scale' has shape (m, 2); block_shape (1, 4) on an input of shape "
                 "(n, 8) needs (n, 2)",
     call(lambda a, s: td.dequantize(a, s, block_shape=(1, 4)), (td.int8, ("n", 8)), f32("m", 2))),
    (ShapeError, "Quantize[i8]: input 'x' is a scalar; TensorRT quantizes tensors of rank >= 1 (reshape it "
                 "to (1,))",
     call(lambda a: td.quantize(a, 1.0), f32())),
    (DTypeError, "Quantize[i8]: input 'scale' has dtype float16; expected one of float32 (16-bit scales "
                 "must match the float32 data; e8m0 is for block-quantized fp8/fp4)",
     call(lambda a: td.quantize(a, np.float16(0.5)), f32(2))),
    (DTypeError, "Dequantize[f16]: input 'scale' has dtype bfloat16; expected one of float32, float16 "
                 "(16-bit scales must match the float16 data; e8m0 is for block-quantized fp8/fp4)",
     call(lambda a: td.dequantize(a, np.array(0.5, ml_dtypes.bfloat16), td.float16), (td.int8, (2,)))),
    (DTypeError, "Dequantize[f32]: input 'scale' has dtype e8m0; expected one of float32 (16-bit scales "
                 "must match the float32 data; e8m0 is for block-quantized fp8/fp4)",
     call(lambda a: td.dequantize(a, np.ones((2, 2), ml_dtypes.float8_e8m0fnu), block_shape=(1, 4)),
          (td.int8, (2, 8)))),
    (ArgumentError, "quantize: argument 'zero_point' is 3; expected zeros: TensorRT supports symmetric "
                    "quantization only",
     call(lambda a: td.quantize(a, 1.0, zero_point=3), f32(2))),
    (ArgumentError, "quantize: argument 'zero_point' is [0, 2]; expected zeros: TensorRT supports symmetric "
                    "quantization only",
     on_constant(lambda w, net: td.quantize(w, [1.0, 1.0], axis=0,
                                            zero_point=net.constant(np.array([0, 2], np.int8))), W)),
    (ArgumentError, "dequantize: argument 'zero_point' is '%t1'; expected a Constant (or a Cast of one): "
                    "TensorRT needs zero points known when the engine is built",
     call(lambda a, z: td.dequantize(a, 1.0, zero_point=z), (td.int8, (2,)), (td.int8, ()))),
    (DTypeError, "Quantize[i8]: input 'zero_point' has dtype float32; expected int8, the quantized type",
     call(lambda a: td.quantize(a, 1.0, zero_point=a.network.constant(np.float32(0))), f32(2))),
    (ShapeError, "Quantize[fp8]: input 'zero_point' has shape (2,); it must have the scale's shape ()",
     call(lambda a: td.quantize(a, 1.0, td.fp8, zero_point=np.zeros(2)), f32(2))),
    (DTypeError, "quantize: argument 'zero_point' is 'none'; expected zeros (a number, an array or a Tensor)",
     call(lambda a: td.quantize(a, 1.0, zero_point="none"), f32(2))),
    (ArgumentError, "quantize: argument 'x' is '%t0'; expected weights (a tensor computed from constants): "
                    "TensorRT quantizes only weights to int4",
     call(lambda a: td.quantize(a, 1.0, td.int4), f32(2))),
    (ArgumentError, "dequantize: argument 'x' is '%t0'; expected weights (a tensor computed from constants): "
                    "TensorRT quantizes only weights to int4",
     call(lambda a: td.dequantize(a, 1.0), (td.int4, (2,)))),
    (DTypeError, "DynamicQuantize[i4,fp8]: to_type is td.int4; expected one of float4_e2m1, float8_e4m3, "
                 "int8",
     call(lambda a: td.dynamic_quantize(a, 16, td.int4), f32(2, 16))),
    (DTypeError, "DynamicQuantize[fp4,f16]: scale_type is td.float16; expected one of float8_e4m3, e8m0, "
                 "float32",
     call(lambda a: td.dynamic_quantize(a, 16, td.fp4, td.float16), f32(2, 16))),
    (DTypeError, "DynamicQuantize[fp4,fp8]: input 'x' has dtype int32; expected one of float32, float16, "
                 "bfloat16",
     call(lambda a: td.dynamic_quantize(a), (td.int32, (2, 16)))),
    (ShapeError, "DynamicQuantize[fp4,fp8]: input 'x' has shape (16,); TensorRT quantizes 2-D or 3-D tensors "
                 "dynamically",
     call(lambda a: td.dynamic_quantize(a), f32(16))),
    (ShapeError, "DynamicQuantize[fp4,fp8]: dim 1 of the input (2, 20) is 20, not a multiple of its block "
                 "size 16",
     call(lambda a: td.dynamic_quantize(a), f32(2, 20))),
    (ShapeError, "dynamic_quantize_v1: argument 'axis' is 0; expected the last or second-to-last dim (2 or 1, "
                 "or -1 or -2) of a rank-3 x: NvInfer.h addDynamicQuantize",
     call(lambda a: td.dynamic_quantize_v1(a, axis=0), f32(16, 2, 16))),
    (ArgumentError, "dynamic_quantize_v1: argument 'block_size' is 8; expected 16 (NVFP4) or 32 (MXFP8)",
     call(lambda a: td.dynamic_quantize_v1(a, block_size=8), f32(2, 16))),
    (ShapeError, "dynamic_quantize_v1: argument 'x' has shape (2, 2, 2, 16); expected a 2-D or 3-D tensor "
                 "(NvInfer.h addDynamicQuantize)",
     call(lambda a: td.dynamic_quantize_v1(a), f32(2, 2, 2, 16))),
    (DTypeError, "DynamicQuantize[i8,f32]: addDynamicQuantize (v1) quantizes to float4_e2m1, float8_e4m3 with "
                 "float8_e4m3, e8m0 scales; got int8 and float32",
     call(lambda a: td.dynamic_quantize_v1(a, -1, 16, td.int8, td.float32), f32(2, 16))),
    (ShapeError, "DynamicQuantize[fp4,fp8]: block_shape (2, 16) is not an addDynamicQuantize (v1) block: one "
                 "axis, the last or second-to-last, in blocks of 16 or 32 elements",
     call(lambda a, d: a.network.add(td.ops.DynamicQuantize(td.fp4, td.fp8, (2, 16), True), (a, d)), f32(4, 16),
          f32())),
    (ShapeError, "DynamicQuantize[fp4,fp8]: input 'double_quant_scale' has shape (1,); expected a scalar "
                 "(shape ())",
     call(lambda a: td.dynamic_quantize(a, double_quant_scale=[0.5]), f32(2, 16))),
    (DTypeError, "DynamicQuantize[fp4,fp8]: input 'double_quant_scale' has dtype float16; expected one of "
                 "float32",
     call(lambda a: td.dynamic_quantize(a, double_quant_scale=np.float16(1)), f32(2, 16))),
    (ArgumentError, "dynamic_quantize: argument 'double_quant_scale' is -1.0; expected finite, strictly "
                    "positive coefficients",
     call(lambda a: td.dynamic_quantize(a, double_quant_scale=-1.0), f32(2, 16))),
    (ArgumentError, "dynamic_quantize: argument 'double_quant_scale' is '%t1'; expected a build-time "
                    "constant (TensorRT needs it when the engine is built)",
     call(lambda a, d: td.dynamic_quantize(a, double_quant_scale=d), f32(2, 16), f32())),
    bad_scale_row(-1.0),
    bad_scale_row(0.0),
    bad_scale_row(-0.0),
    bad_scale_row(float("nan")),
    bad_scale_row(float("inf")),
    (ArgumentError, "dynamic_quantize: argument 'double_quant_scale' is 0.0; expected finite, strictly "
                    "positive coefficients",
     call(lambda a: td.dynamic_quantize(a, double_quant_scale=a.network.constant(np.float32(1)) * 0.0),
          f32(2, 16))),
    (ShapeError, "Quantize[i8]: axis 2 is out of range for the input (2, 3)",
     call(lambda x, s: x.network.add1(Quantize(td.int8, 2), (x, s)), f32(2, 3), f32(3))),
    (ExecutionError, "Quantize[i8] (layer quantize_0): the zero point holds non-zero values; TensorRT "
                     "supports symmetric quantization only",
     run_with(lambda x, s, z: x.network.add1(Quantize(td.int8), (x, s, z)),
              {"t0": np.ones(2, np.float32), "t1": np.float32(1), "t2": np.int8(3)},
              f32(2), f32(), (td.int8, ()))),
]


@pytest.mark.parametrize("cls, message, call_", ROWS, ids=[f"{i:02d}" for i in range(len(ROWS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_, line=error_line(call_))


def test_blocks_read_from_the_scale_shape_as_tensorrt_does():
    x = np.arange(-8, 8, dtype=np.float32).reshape(2, 8) * 1.5
    scales = np.array([[1.0, 2.0], [0.5, 4.0]], np.float32)
    net = td.Network("b")
    t = net.input("x", td.float32, (2, 8))
    implied = td.quantize(t, scales, td.fp8)  # the DSL writes the implied block shape into the IR
    assert implied.producer.op.block_shape == (1, 4)
    s = net.constant(scales)
    bare = net.add1(Quantize(td.fp8), (t, s))  # as raised from TensorRT: no block shape set
    back = net.add1(Dequantize(td.float32), (bare, s))
    for name, out in (("implied", implied), ("bare", bare), ("back", back)):
        net.output(name, out)
    got = net.run({"x": x})
    full = np.repeat(scales, 4, axis=1)
    want = expected_q(x, full, td.fp8)
    assert_quantized(got["implied"], want, td.fp8)
    assert_quantized(got["bare"], want, td.fp8)
    np.testing.assert_array_equal(got["back"], want.astype(np.float32) * full)


def test_block_scales_with_a_dynamic_batch():
    net = td.Network("dyn")
    x = net.input("x", td.float32, ("tokens", 32))
    q, scales = td.dynamic_quantize(x, 16)
    y = td.dequantize(q, td.dequantize(scales, 1.0), block_shape=(1, 16))
    assert scales.shape == y.shape[:1] + (2,)
    net.output("y", y)
    value = np.concatenate([np.full((2, 16), 6.0, np.float32), np.full((2, 16), 0.75, np.float32)], axis=1)
    np.testing.assert_array_equal(net.run({"x": value})["y"], value)  # both blocks are exact in fp4 * fp8


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- Quantize, Dequantize -------------------------------------------------------------------------------
def onnx_rows() -> list[Row]:

    rows = []
    for dtype in FLOATS:
        for to in (td.int8, td.float8_e4m3, td.int4, td.float4_e2m1):
            limit = {"int8": 127.0, "float8_e4m3": 448.0, "int4": 7.0, "float4_e2m1": 6.0}[to.name]

            def build(net, dtype=dtype, to=to, limit=limit):
                x = net.input("x", dtype, ("n", 4, 6))
                x2 = net.input("x2", dtype, (4, 6))
                w = net.constant(
                    np.linspace(-1.5 * limit, 1.5 * limit, 24, dtype=np.float32)
                    .reshape(4, 6)
                    .astype(dtype.numpy)
                )
                if to is td.int4:  # TensorRT quantizes only weights to int4
                    x, x2 = td.unsqueeze(w, 0), w
                half = np.array(0.5, np.float32)
                per_tensor = td.quantize(x, half, to)
                net.output("q_tensor", per_tensor)
                net.output("dq_tensor", td.dequantize(per_tensor, half, dtype))
                one = np.full((1, 1), 0.25, np.float32)  # one element of the data's rank: per tensor too
                net.output("q_tensor_1x1", td.dequantize(td.quantize(x2, one, to), one, dtype))
                net.output("q_tensor_1x1_axis",
                           td.dequantize(td.quantize(x2, one, to, axis=1), one, dtype, axis=1))
                channel = np.array([0.25, 0.5, 1.0, 2.0], np.float32)
                q_channel = td.quantize(w, channel, to, axis=0)
                net.output("q_channel", q_channel)
                net.output("dq_channel", td.dequantize(q_channel, channel, dtype, axis=0))
                block = np.array([[0.5, 1.0, 0.25]], np.float32).repeat(4, axis=0)
                q_block = td.quantize(x2, block, to, block_shape=(1, 2))
                net.output("q_block", q_block)
                net.output("dq_block", td.dequantize(q_block, block, dtype, block_shape=(1, 2)))
                block2 = np.array([[0.5, 2.0, 1.0], [0.25, 1.0, 4.0]], np.float32)
                q_block2 = td.quantize(x2, block2, to, block_shape=(2, 2))
                net.output("q_block2", q_block2)
                net.output("dq_block2", td.dequantize(q_block2, block2, dtype, block_shape=(2, 2)))
                if dtype is not td.float32:
                    net.output("q_native_scale", td.quantize(x, np.array(0.5, dtype.numpy), to))

            rows.append(
                Row(
                    f"quantize-{to.name}-{dtype.name}",
                    build,
                    dims={"n": (1, 2, 4)},
                    values={"x": (-2 * limit, 2 * limit), "x2": (-2 * limit, 2 * limit)},
                    nan_only=True,
                )
            )
    return rows


@tensorrt_case
def quantizations() -> td.Network:
    net = td.Network("qdq")
    x = net.input("x", td.float32, ("n", 4))
    net.output("fake_int8", td.fake_quant(x, 0.05))
    net.output("fake_fp8", td.fake_quant(x, 0.5, td.fp8))
    w = net.constant(randn(3, 4))
    channel_scales = np.array([0.1, 0.2, 0.3], np.float32)
    net.output("per_channel", td.dequantize(td.quantize(w, channel_scales, axis=-2), channel_scales, axis=0))
    row_scales = np.array([0.5, 0.25, 0.125, 1.0], np.float32)
    net.output("per_row", td.dequantize(td.quantize(w, row_scales, td.fp8, axis=1), row_scales, axis=-1))
    blocks = np.full((3, 2), 0.25, np.float32)
    net.output(
        "int4_blocks",
        td.dequantize(
            td.quantize(w, blocks, td.int4, block_shape=(1, 2)), blocks, td.float32, block_shape=(1, 2)
        ),
    )
    net.output("zero_point", td.dequantize(td.quantize(x, 0.1, zero_point=0), 0.1, zero_point=0))
    y = net.input("y", td.float32, (4, 32))
    q, s = td.dynamic_quantize(y, 16)
    scales = td.dequantize(s, 1.0)
    net.output("dyn_scales", scales)
    net.output("dyn_q", td.dequantize(q, scales, block_shape=(1, 16)))
    z = net.input("z", td.float32, (2, 64, 3))
    mx_q, mx_s = td.dynamic_quantize(z, (1, 32, 1), td.fp8, td.e8m0, 0.5)
    v1_q, v1_s = td.dynamic_quantize_v1(z, -2, 32, td.fp8, td.e8m0, 0.25)
    net.output("v1_q", v1_q)
    net.output("v1_s", v1_s)
    net.output("mx_q", mx_q)
    net.output("mx_s", mx_s)
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
Q_W = randn(3, 4, seed=10)


Q_CHANNEL = np.array([0.1, 0.2, 0.3, 0.4], np.float32)


Q_BLOCKS = np.full((3, 2), 0.25, np.float32)


@tensorrt_expectation("quantize_per_tensor", "NvInfer.h IQuantizeLayer: input 0 the data, 1 the scale (scalar for "
     "per-tensor), addQuantize(input, scale, outputType)",
     {"Quantize": Layer("add_quantize", {"to_type": "DataType.INT8"}, ("x", ANY)),
      "Dequantize": Layer("add_dequantize", {"to_type": "DataType.HALF"})})
def _(net):
    x = net.input("x", td.float16, ("n", 4))
    net.output("y", td.dequantize(td.quantize(x, np.float16(0.05)), np.float16(0.05), td.float16))


Q_ONE = np.array([0.05], np.float32)


@tensorrt_expectation("quantize_scale_1d", "NvInfer.h IQuantizeLayer, IDequantizeLayer: the scale is a scalar for per-tensor "
     "quantization (so: a (1,) scale reshaped to 0-D by an IShuffleLayer)",
     {"Quantize": (Layer("add_shuffle", {"reshape_dims": ()}, (Const(Q_ONE),)),
                   Layer("add_quantize", {"to_type": "DataType.INT8"}, ("x", By("add_shuffle")))),
      "Dequantize": (Layer("add_shuffle", {"reshape_dims": ()}, (Const(Q_ONE),)),
                     Layer("add_dequantize", {"to_type": "DataType.FLOAT"},
                           (By("add_quantize"), By("add_shuffle"))))})
def _(net):
    x = net.input("x", td.float32, ("n", 4))
    net.output("y", td.dequantize(td.quantize(x, Q_ONE), Q_ONE))


@tensorrt_expectation("quantize_per_channel", "NvInfer.h IQuantizeLayer::setAxis: the quantization axis of per-channel scales "
     "(the user's -1 of a rank-2 tensor is 1)",
     {"Quantize": Layer("add_quantize", {"to_type": "DataType.FP8", "axis": 1},
                        (Const(Q_W), Const(Q_CHANNEL))),
      "Dequantize": Layer("add_dequantize", {"to_type": "DataType.FLOAT", "axis": 1},
                          (ANY, Const(Q_CHANNEL)))})
def _(net):
    w = net.constant(Q_W)
    net.output("y", td.dequantize(td.quantize(w, Q_CHANNEL, td.fp8, axis=-1), Q_CHANNEL, axis=-1))


@tensorrt_expectation("quantize_blocks", "NvInfer.h IQuantizeLayer::setBlockShape; kINT4",
     {"Quantize": Layer("add_quantize", {"to_type": "DataType.INT4", "block_shape": (1, 2)},
                        (Const(Q_W), Const(Q_BLOCKS))),
      "Dequantize": Layer("add_dequantize", {"to_type": "DataType.FLOAT", "block_shape": (1, 2)})})
def _(net):
    w = net.constant(Q_W)
    q = td.quantize(w, Q_BLOCKS, td.int4, block_shape=(1, 2))
    net.output("y", td.dequantize(q, Q_BLOCKS, td.float32, block_shape=(1, 2)))


@tensorrt_expectation("quantize_zero_point", "NvInfer.h IQuantizeLayer: input 2 is the zero point, of the output type",
     {"Quantize": Layer("add_quantize", {"to_type": "DataType.INT8"},
                        ("x", ANY, Const(np.array(0, np.int8))))})
def _(net):
    x = net.input("x", td.float32, ("n", 4))
    net.output("y", td.quantize(x, 0.1, zero_point=0))


@tensorrt_expectation("dynamic_quantize", "NvInfer.h addDynamicQuantizeV2(input, blockShape, outputType, scaleType); input 1 "
     "the double-quantization scale (0-D)",
     {"DynamicQuantize": Layer("add_dynamic_quantize_v2", {"block_shape": (1, 16), "to_type": "DataType.FP4",
                                                           "scale_type": "DataType.FP8"},
                               ("x", Const(np.array(1.0, np.float32))))})
def _(net):
    q, s = td.dynamic_quantize(net.input("x", td.float32, (4, 32)), 16)
    net.output("q", td.dequantize(q, td.dequantize(s, 1.0), block_shape=(1, 16)))


@tensorrt_expectation("dynamic_quantize_mx", "NvInfer.h IDynamicQuantizeLayer: MXFP8 (FP8 data, E8M0 scales), blocks along "
     "the second-to-last dim",
     {"DynamicQuantize": Layer("add_dynamic_quantize_v2", {"block_shape": (1, 32, 1),
                                                           "to_type": "DataType.FP8",
                                                           "scale_type": "DataType.E8M0"},
                               ("x", Const(np.array(0.5, np.float32))))})
def _(net):
    q, s = td.dynamic_quantize(net.input("x", td.float32, (2, 64, 3)), (1, 32, 1), td.fp8, td.e8m0, 0.5)
    net.output("q", q)
    net.output("s", s)


@tensorrt_expectation("dynamic_quantize_v1", "NvInfer.h addDynamicQuantize(input, axis, blockSize, outputType, scaleType): the axis "
     "the last or second-to-last dim, blockSize 16 (NVFP4) or 32 (MXFP8); input 1 the double-quantization scale",
     {"DynamicQuantize": Layer("add_dynamic_quantize", {"axis": 1, "block_size": 32, "to_type": "DataType.FP8",
                                                        "scale_type": "DataType.E8M0"},
                               ("x", Const(np.float32(0.5))))})
def _(net):
    q, s = td.dynamic_quantize_v1(net.input("x", td.float32, (2, 64, 3)), -2, 32, td.fp8, td.e8m0, 0.5)
    net.output("q", q)
    net.output("s", s)


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "dequantize": lambda e: dict(q=td.quantize(e.m, 0.5), scale=0.5, dtype=td.float32),
    "quantize": lambda e: dict(x=e.m, scale=0.5, dtype=td.int8),
    "fake_quant": lambda e: dict(x=e.m, scale=0.5, dtype=td.int8),
    "dynamic_quantize": lambda e: dict(x=td.reshape(e.x, (2, 3, 20))[..., :16], block_shape=16),
    "dynamic_quantize_v1": lambda e: dict(x=td.reshape(e.x, (2, 3, 20))[..., :16], axis=-1, block_size=16,
                                          dtype=td.fp4, scale_dtype=td.fp8, double_quant_scale=1.0),
}
