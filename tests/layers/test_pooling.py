"""Pooling against a plain-Python formula written here from TensorRT's documentation: output sizes from
NvInfer.h's PaddingMode table, MAX padding with -inf, AVERAGE dividing by the real elements (or the
padded-input elements) in the window, MAX_AVERAGE_BLEND mixing the two."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, assert_close, call, expect_error, f32, run_layer

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.layers.convolution import PaddingMode
from trtdsl.layers.pooling import Pooling, PoolingType, _window_counts
from backend_rows import Row, FLOATS, tensorrt_case, tensorrt_expectation, Layer

MODES = ["explicit_round_down", "explicit_round_up", "same_upper", "same_lower"]


def geometry(mode, size, pre, post, stride, window):
    """(output size, pre padding, post padding) of one spatial dim, from NvInfer.h's table for pooling."""
    if mode.startswith("same"):
        total = max((size - 1) // stride * stride + window - size, 0)
        half = total // 2
        before, after = (half, total - half) if mode == "same_upper" else (total - half, half)
        return -(-size // stride), before, after
    span = size + pre + post - window
    out = span // stride + 1 if mode == "explicit_round_down" else -(-span // stride) + 1
    return out, pre, post


def naive_pool(x, kind, window, stride, pre, post, mode, excludes_padding, blend):
    n_, c_, *sizes = x.shape
    geo = [geometry(mode, *args) for args in zip(sizes, pre, post, stride, window)]
    out = [o for o, _, _ in geo]
    y = np.zeros([n_, c_] + out, np.float64)
    for n, c in itertools.product(range(n_), range(c_)):
        for o in itertools.product(*(range(v) for v in out)):
            best, total, real, padded = -math.inf, 0.0, 0, 0
            for r in itertools.product(*(range(v) for v in window)):
                pos = [oi * s + ri - b for oi, s, ri, (_, b, _) in zip(o, stride, r, geo)]
                inside = all(0 <= q < i for q, i in zip(pos, sizes))
                in_padded = all(-b <= q < i + a for q, i, (_, b, a) in zip(pos, sizes, geo))
                if inside:
                    v = float(x[(n, c, *pos)])
                    best = best if math.isnan(v) else max(best, v)  # MAX skips NaN
                    total, real = total + v, real + 1
                padded += in_padded
            count = real if excludes_padding else padded
            avg = total / count if count else math.nan
            y[(n, c, *o)] = {"max": best, "average": avg,
                             "max_average_blend": (1 - blend) * best + blend * avg}[kind]
    return y


@st.composite
def pool_case(draw):
    nb = draw(st.sampled_from([2, 2, 3]))
    side = 6 if nb == 2 else 4
    ints = lambda lo, hi: draw(st.lists(st.integers(lo, hi), min_size=nb, max_size=nb))
    sizes, window, stride, pre, post = ints(1, side), ints(1, 3), ints(1, 3), ints(0, 2), ints(0, 2)
    mode = draw(st.sampled_from(MODES))
    if mode.startswith("same"):
        pre = post = [0] * nb
    assume(all(geometry(mode, *a)[0] >= 1 for a in zip(sizes, pre, post, stride, window)))
    x = draw(arrays(np.float32, (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + tuple(sizes),
                    min_value=-100, max_value=100, allow_nan=True))
    kind = draw(st.sampled_from(["max", "average", "max_average_blend"]))
    blend = draw(st.floats(0, 1, width=32)) if kind == "max_average_blend" else 0.0
    return x, {"kind": kind, "window": window, "stride": stride, "pre": pre, "post": post, "mode": mode,
               "excludes_padding": draw(st.booleans()), "blend": blend}


def run_pool(x, p):
    padding = 0 if p["mode"].startswith("same") else tuple(zip(p["pre"], p["post"]))
    return run_layer(lambda t: td.pool(
        t, p["kind"], tuple(p["window"]), tuple(p["stride"]), padding, padding_mode=p["mode"],
        average_count_excludes_padding=p["excludes_padding"], blend_factor=p["blend"]), x)


@given(case=pool_case())
def test_pool_matches_window_formula(case):
    x, p = case
    want = naive_pool(x, **p).astype(np.float32)
    assert_close(run_pool(x, p), want, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float16, td.bfloat16.numpy], ids=lambda d: np.dtype(d).name)
@given(case=pool_case())
def test_16_bit_floats(dtype, case):
    x, p = case
    x = x.astype(dtype)
    tol = TOLERANCES[np.dtype(dtype)]
    assert_close(run_pool(x, p), naive_pool(x, **p).astype(dtype), rtol=tol, atol=tol)


# Geometries past the property test's (windows up to 5, strides up to 4, padding up to 4, several blocks of
# N * C, input rows past the last window): the reference folds each axis through 2-D views whose rows run
# into the next block or past the buffer's end, which must reach no output it keeps.
WIDE = [
    ((2, 3, 9, 11), (3, 3), (1, 1), (1, 1), (1, 1), "explicit_round_down"),   # avg_pool(x, 3, 1, 1)
    ((2, 3, 10, 12), (2, 2), (2, 2), (0, 0), (0, 0), "explicit_round_down"),  # avg_pool(x, 2)
    ((2, 3, 11, 10), (3, 3), (2, 2), (1, 1), (1, 1), "explicit_round_down"),  # ResNet's stem pool
    ((2, 3, 11, 10), (3, 3), (2, 2), (1, 1), (1, 1), "explicit_round_up"),    # with ceil_mode
    ((1, 2, 9, 8), (5, 4), (3, 4), (4, 0), (2, 3), "explicit_round_up"),
    ((3, 1, 7, 13), (2, 5), (4, 3), (0, 2), (3, 4), "explicit_round_down"),
    ((2, 2, 12, 9), (3, 2), (3, 2), (1, 2), (0, 0), "explicit_round_down"),  # input past the last window
    ((2, 2, 8, 9), (5, 3), (3, 2), (0, 0), (0, 0), "same_upper"),
    ((2, 2, 8, 9), (4, 5), (1, 4), (0, 0), (0, 0), "same_lower"),
    ((1, 2, 5, 6, 7), (3, 3, 3), (1, 1, 1), (1, 1, 1), (1, 1, 1), "explicit_round_down"),
    ((2, 1, 6, 5, 7), (2, 3, 4), (2, 1, 3), (1, 0, 2), (0, 2, 1), "explicit_round_up"),
]


@pytest.mark.parametrize("kind", ["max", "average", "max_average_blend"])
@pytest.mark.parametrize("shape, window, stride, pre, post, mode", WIDE,
                         ids=lambda v: str(v).replace(" ", ""))
def test_wide_geometries_match_window_formula(kind, shape, window, stride, pre, post, mode):
    x = np.random.default_rng(len(shape) + sum(window)).standard_normal(shape).astype(np.float32) * 10
    if kind == "max":
        x.flat[::7] = np.nan  # skipped
    for excludes in (True, False):
        p = {"kind": kind, "window": window, "stride": stride, "pre": pre, "post": post, "mode": mode,
             "excludes_padding": excludes, "blend": 0.25 if kind == "max_average_blend" else 0.0}
        want = naive_pool(x, **p).astype(np.float32)
        assert_close(run_pool(x, p), want, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("kind", list(PoolingType))
@pytest.mark.parametrize("window, stride, pre", [((1, 1), (1, 1), (0, 0)), ((2, 2), (2, 2), (0, 0)),
                                                 ((3, 3), (1, 1), (1, 1))])
def test_reference_returns_a_new_array(kind, window, stride, pre):
    # with a 1x1 window and stride 1 no pass runs, and an exact fit needs no padded copy: the result is
    # still a new array (MAX then writes into it), the input untouched
    wide = np.arange(2 * 3 * 4 * 6, dtype=np.float32).reshape(2, 3, 4, 6)
    for x in (wide[:, :, :, :4].copy(), wide[:, :, :, ::2]):  # contiguous, then not
        kept = x.copy()
        (y,) = Pooling(kind, window, stride, pre, pre).reference(x)
        assert not np.shares_memory(x, y) and y.flags.writeable and y.flags.c_contiguous
        np.testing.assert_array_equal(x, kept)


def test_average_divisors_count_the_input_positions_each_window_covers():
    counts = _window_counts((5, 6), ((1, 1), (0, 2)), (3, 3), (2, 2), (3, 3), True)
    # rows: windows from 2i - 1 (pre-padding 1), 3 long, inside 0..4; columns from 2j, 3 long, inside 0..5
    want = [[(min(2 * i + 2, 5) - max(2 * i - 1, 0)) * (min(2 * j + 3, 6) - 2 * j) for j in range(3)]
            for i in range(3)]
    np.testing.assert_array_equal(counts, np.array(want, np.float32))


def test_average_sums_axis_by_axis_within_float32_rounding():
    # the sum of each window is added axis by axis, not in one go: float32 rounding apart, it is the
    # float64 mean
    x = np.random.default_rng(3).standard_normal((1, 4, 16, 16)).astype(np.float32) * 1e4
    y = run_layer(lambda t: td.avg_pool(t, 5, stride=1, padding=2), x)
    want = naive_pool(x, "average", (5, 5), (1, 1), (2, 2), (2, 2), "explicit_round_down", True, 0.0)
    np.testing.assert_allclose(y, want, rtol=0, atol=np.abs(x).max() * 25 * 2**-23)


def test_nvinfer_pooling_example_1():
    # NvInfer.h: I=6, B=3, A=2, S=2, F=3 gives O=5 for both EXPLICIT modes; SAME_* gives O=3 with P=1,
    # after the data for SAME_UPPER and before it for SAME_LOWER.
    x = np.arange(36, dtype=np.float32).reshape(1, 1, 6, 6)
    down, up, upper, lower = run_layer(lambda t: (
        td.pool(t, "max", 3, 2, ((3, 2), (3, 2))),
        td.pool(t, "max", 3, 2, ((3, 2), (3, 2)), padding_mode="explicit_round_up"),
        td.pool(t, "max", 3, 2, padding_mode="same_upper"),
        td.pool(t, "max", 3, 2, padding_mode="same_lower")), x)
    assert down.shape == up.shape == (1, 1, 5, 5)
    assert upper.shape == lower.shape == (1, 1, 3, 3)
    # window 0 covers padded rows 0..2 = input rows -3..-1: all padding
    assert np.isneginf(down[0, 0, 0]).all() and np.isneginf(down[0, 0, :, 0]).all()
    np.testing.assert_array_equal(upper[0, 0], [[14, 16, 17], [26, 28, 29], [32, 34, 35]])
    np.testing.assert_array_equal(lower[0, 0], [[7, 9, 11], [19, 21, 23], [31, 33, 35]])


def test_average_divisors():
    x = np.ones((1, 1, 1, 4), np.float32)
    # window 3, stride 2, pre = post = 1, ROUND_UP: the padded input has 6 positions (1 + 4 + 1) and
    # O = ceil((6 - 3) / 2) + 1 = 3 windows, covering padded positions 0-2, 2-4 and 4-6; the last one
    # holds x[3], the post-padding, and a position past the padded input, which is never counted.
    excl, incl = run_layer(lambda t: (
        td.avg_pool(t, (1, 3), (1, 2), padding=((0, 0), (1, 1)), ceil_mode=True),
        td.avg_pool(t, (1, 3), (1, 2), padding=((0, 0), (1, 1)), ceil_mode=True, count_include_pad=True)), x)
    np.testing.assert_array_equal(excl, [[[[1, 1, 1]]]])
    assert_close(incl, np.array([[[[2 / 3, 1, 1 / 2]]]], np.float32))


def test_empty_windows_follow_the_documented_reading():
    x = np.full((1, 1, 1, 1), 3.0, np.float32)
    mx, avg, incl = run_layer(lambda t: (
        td.max_pool(t, 1, padding=((0, 0), (0, 1))),
        td.avg_pool(t, 1, padding=((0, 0), (0, 1))),
        td.avg_pool(t, 1, padding=((0, 0), (0, 1)), count_include_pad=True)), x)
    np.testing.assert_array_equal(mx, [[[[3, -np.inf]]]])
    np.testing.assert_array_equal(avg, [[[[3, np.nan]]]])
    np.testing.assert_array_equal(incl, [[[[3, 0]]]])


def test_max_skips_nan_and_average_propagates_it():
    x = np.array([[[[1, np.nan, 3, 4, np.nan, np.nan]]]], np.float32)
    mx, avg = run_layer(lambda t: (td.max_pool(t, (1, 2)), td.avg_pool(t, (1, 2))), x)
    np.testing.assert_array_equal(mx, [[[[1, 4, -np.inf]]]])
    np.testing.assert_array_equal(avg, [[[[np.nan, 3.5, np.nan]]]])


def test_pooling_over_dynamic_dims():
    net = td.Network("dyn")
    x = net.input("x", td.float32, ("n", 3, "h", "w"))
    y = td.max_pool(x, 2, ceil_mode=True)
    assert str(y.type) == "f32[n,3,(h-1)//2+1,(w-1)//2+1]"
    net.output("y", y)
    xv = np.random.default_rng(1).standard_normal((2, 3, 5, 4)).astype(np.float32)
    want = naive_pool(xv, "max", (2, 2), (2, 2), (0, 0), (0, 0), "explicit_round_up", True, 0.0)
    assert_close(net.run({"x": xv})["y"], want.astype(np.float32))


def test_textual_ir_and_names():
    net = td.Network("ir")
    x = net.input("x", td.float32, (1, 2, 6, 6))
    net.output("a", td.max_pool(x, 2))
    net.output("b", td.avg_pool(x, 3, stride=1, padding=1, count_include_pad=True))
    net.output("c",
               td.pool(x, PoolingType.MAX_AVERAGE_BLEND, (2, 3), padding_mode="same_lower", blend_factor=0.5))
    text = net.format(locations=False)
    assert "%a : f32[1,2,3,3] = Pooling[MAX](%x, window_size=(2,2), stride=(2,2))" in text
    assert ("%b : f32[1,2,6,6] = Pooling[AVERAGE](%x, window_size=(3,3), stride=(1,1), pre_padding=(1,1), "
            "post_padding=(1,1), average_count_excludes_padding=False)") in text
    assert ("%c : f32[1,2,3,2] = Pooling[MAX_AVERAGE_BLEND](%x, window_size=(2,3), stride=(2,3), "
            "padding_mode=SAME_LOWER, blend_factor=0.5)") in text
    assert [n.name for n in net.nodes] == ["max_pool_0", "avg_pool_0", "blend_pool_0"]


# -- invalid calls ---------------------------------------------------------------------------------


def raw(op):
    return call(lambda x: x.network.add1(op, (x,)), f32(1, 1, 4, 4))


def op(kind=PoolingType.MAX, window=(2, 2), stride=(1, 1), pre=(0, 0), post=(0, 0),
       mode=PaddingMode.EXPLICIT_ROUND_DOWN, excludes=True, blend=0.0):
    return Pooling(kind, window, stride, pre, post, mode, excludes, blend)


X = f32(1, 1, 4, 4)

ROWS = [
    (ArgumentError, "pool: argument 'type' is 'min'; expected one of MAX, AVERAGE, MAX_AVERAGE_BLEND",
     call(lambda x: td.pool(x, "min", 2), X)),
    (DTypeError, "max_pool: argument 'x' is [1, 2]; expected a trtdsl "
                 "Tensor; turn an array or a number into one with "
                 "net.constant(...)", lambda: td.max_pool([1, 2], 2)),
    (ArgumentError, "max_pool: argument 'window' is 2.0; expected an int or 2 ints",
     call(lambda x: td.max_pool(x, 2.0), X)),
    (ArgumentError, "avg_pool: argument 'stride' is (1, 1, 1); expected an int or 2 ints",
     call(lambda x: td.avg_pool(x, 2, (1, 1, 1)), X)),
    (ArgumentError, "avg_pool: argument 'padding' is 'same'; expected an int, 2 ints, or 2 (pre, post) "
                    "pairs; for 'same' give padding_mode='same_upper' (the extra padding after, as PyTorch "
                    "pads), for 'valid' padding=0",
     call(lambda x: td.avg_pool(x, 2, 1, "same"), X)),
    (ArgumentError, "pool: argument 'padding' is (1, 0); expected 0 with padding_mode 'same_lower', which "
                    "computes the padding",
     call(lambda x: td.pool(x, "max_average_blend", 2, padding=(1, 0), padding_mode="same_lower"), X)),
    (ArgumentError, "pool: argument 'padding_mode' is 'valid'; expected one of EXPLICIT_ROUND_DOWN, "
                    "EXPLICIT_ROUND_UP, SAME_UPPER, SAME_LOWER",
     call(lambda x: td.pool(x, "max", 2, padding_mode="valid"), X)),
    (ArgumentError, "max_pool: argument 'ceil_mode' is 'yes'; expected a bool",
     call(lambda x: td.max_pool(x, 2, ceil_mode="yes"), X)),
    (ArgumentError, "pool: argument 'blend_factor' is 1e+39; expected a float in [0, 1] within float32's "
                    "range (at most 3.4028235e+38 in magnitude)",
     call(lambda x: td.pool(x, "max_average_blend", 2, blend_factor=1e39), X)),
    (ArgumentError, "pool: argument 'average_count_excludes_padding' is 1; expected a bool",
     call(lambda x: td.pool(x, "average", 2, average_count_excludes_padding=1), X)),
    (ArgumentError, "avg_pool: argument 'count_include_pad' is 'yes'; expected a bool",
     call(lambda x: td.avg_pool(x, 2, count_include_pad="yes"), X)),
    (ArgumentError, "pool: argument 'blend_factor' is nan; expected a float in [0, 1]",
     call(lambda x: td.pool(x, "max_average_blend", 2, blend_factor=float("nan")), X)),
    (ArgumentError, "pool: argument 'blend_factor' is 0.5; expected 0.0 unless type is 'max_average_blend'",
     call(lambda x: td.pool(x, "max", 2, blend_factor=0.5), X)),
    (ArgumentError, "Pooling[MAX_AVERAGE_BLEND]: argument 'blend_factor' is 1.5; expected a float in [0, 1]",
     call(lambda x: td.pool(x, "max_average_blend", 2, blend_factor=1.5), X)),
    (ShapeError, "Pooling[MAX]: input 'x' has shape (1, 4, 4); expected a 4-D tensor (N, C, H, W) for a 2-D "
                 "window",
     call(lambda x: td.max_pool(x, (2, 2)), f32(1, 4, 4))),
    (ShapeError, "Pooling[AVERAGE]: input 'x' has shape (1, 1, 4, 4); expected a 5-D tensor (N, C, D, H, W) "
                 "for a 3-D window",
     call(lambda x: td.avg_pool(x, (2, 2, 2)), X)),
    (ShapeError, "Pooling[MAX]: the window is 1-D; TensorRT supports 2-D and 3-D only",
     call(lambda x: td.max_pool(x, (2,)), f32(1, 1, 4))),
    (DTypeError, "Pooling[MAX]: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda x: td.max_pool(x, 2), (td.int32, (1, 1, 4, 4)))),
    (ArgumentError, "Pooling[MAX]: argument 'window_size' is (0, 2); expected 2 ints >= 1",
     call(lambda x: td.max_pool(x, (0, 2), 1), X)),
    (ArgumentError, "Pooling[AVERAGE]: argument 'stride' is (1, 0); expected 2 ints >= 1",
     call(lambda x: td.avg_pool(x, 2, (1, 0)), X)),
    (ArgumentError, "Pooling[MAX]: argument 'pre_padding' is (0, -1); expected 2 ints >= 0",
     call(lambda x: td.max_pool(x, 2, padding=(0, -1)), X)),
    (ShapeError, "Pooling[MAX]: spatial dim 0 of the output would be 0 for input shape (1, 1, 4, 4); the "
                 "window does not fit in the padded input",
     call(lambda x: td.max_pool(x, (5, 2)), X)),
    # the layer itself, as a network raised from TensorRT would give it
    (ArgumentError, "Pooling[MAX]: argument 'stride' is (1,); expected 2 ints >= 1", raw(op(stride=(1,)))),
    (ArgumentError, "Pooling[max]: argument 'type' is 'max'; expected a PoolingType", raw(op(kind="max"))),
    (ArgumentError, "Pooling[MAX]: argument 'padding_mode' is 'same_upper'; expected a PaddingMode",
     raw(op(mode="same_upper"))),
    (ArgumentError, "Pooling[AVERAGE]: argument 'average_count_excludes_padding' is None; expected a bool",
     raw(op(PoolingType.AVERAGE, excludes=None))),
    (ArgumentError, "Pooling[MAX_AVERAGE_BLEND]: argument 'blend_factor' is 1; expected a float in [0, 1]",
     raw(op(PoolingType.MAX_AVERAGE_BLEND, blend=1))),
]


@pytest.mark.parametrize("cls, message, build", ROWS, ids=[r[1][:60] for r in ROWS])
def test_invalid_calls(cls, message, build):
    expect_error(cls, message, build)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    modes = ("explicit_round_down", "explicit_round_up", "same_upper", "same_lower")
    for dtype in FLOATS:

        def pools(net, dtype=dtype, dynamic=False):
            x = net.input("x", dtype, ("n", 2, "h", 6) if dynamic else ("n", 2, 5, 6))
            for mode in modes:
                pad = 0 if mode.startswith("same") else ((1, 0), (2, 1))
                for kind in ("max", "average", "max_average_blend"):
                    for excludes in (True, False) if kind != "max" else (True,):
                        net.output(
                            f"{kind}_{mode}_{excludes}",
                            td.pool(
                                x,
                                kind,
                                (3, 2),
                                stride=(2, 3),
                                padding=pad,
                                padding_mode=mode,
                                average_count_excludes_padding=excludes,
                                blend_factor=0.25 if kind == "max_average_blend" else 0.0,
                            ),
                        )
            net.output("max_pad_not_smaller", td.max_pool(x, 2, stride=2, padding=((2, 0), (0, 2))))
            net.output("avg_pad_not_smaller", td.avg_pool(x, 2, stride=2, padding=((2, 0), (0, 2))))

        tol = {"float16": 5e-3, "bfloat16": 3e-2}
        rows.append(Row(f"pooling-{dtype.name}", pools, rtol=tol, atol=tol))
        if dtype is td.float32:
            rows.append(
                Row(
                    "pooling-dynamic-float32",
                    lambda net: pools(net, td.float32, True),
                    dims={"h": (3, 5, 7)},
                    rtol=tol,
                    atol=tol,
                )
            )
    return rows


@tensorrt_case
def poolings() -> td.Network:
    net = td.Network("pools")
    x = net.input("x", td.float32, ("n", 2, 7, 7))
    net.output("max", td.max_pool(x, (2, 3)))
    net.output("max_ceil", td.max_pool(x, (3, 2), stride=(2, 1), padding=((1, 0), (0, 1)), ceil_mode=True))
    net.output("avg", td.avg_pool(x, (2, 3), padding=((1, 0), (0, 2))))
    net.output("avg_incl", td.avg_pool(x, (3, 2), (1, 2), padding=((0, 1), (1, 0)), count_include_pad=True))
    net.output("blend", td.pool(x, "max_average_blend", (2, 3), (2, 1), blend_factor=0.25))
    net.output("same", td.pool(x, "average", (3, 2), (1, 2), padding_mode="same_lower"))
    net.output("same_upper", td.pool(x, "max", (2, 3), (2, 1), padding_mode="same_upper"))
    v = net.input("v", td.float32, (1, 1, 4, 4, 4))
    net.output("max3d", td.max_pool(v, (2, 1, 3), (1, 2, 1), padding=((1, 0), (0, 0), (0, 2))))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("pooling_max", "NvInfer.h IPoolingLayer: window, stride, pre/post padding per dim; ceil mode is "
     "kEXPLICIT_ROUND_UP",
     {"Pooling": Layer("add_pooling_nd", {
         "type": "PoolingType.MAX", "window_size_nd": (3, 2), "stride_nd": (2, 1), "pre_padding": (1, 0),
         "post_padding": (0, 1), "padding_mode": "PaddingMode.EXPLICIT_ROUND_UP"}, ("x",))})
def _(net):
    x = net.input("x", td.float32, ("n", 2, 7, 6))
    net.output("y", td.max_pool(x, (3, 2), (2, 1), ((1, 0), (0, 1)), ceil_mode=True))


@tensorrt_expectation("pooling_average", "NvInfer.h IPoolingLayer::setAverageCountExcludesPadding (count_include_pad = False)",
     {"Pooling": Layer("add_pooling_nd", {
         "type": "PoolingType.AVERAGE", "window_size_nd": (2, 3), "stride_nd": (2, 3), "pre_padding": (0, 1),
         "post_padding": (1, 2), "average_count_excludes_padding": False,
         "padding_mode": "PaddingMode.EXPLICIT_ROUND_DOWN"}, ("x",))})
def _(net):
    x = net.input("x", td.float32, ("n", 2, 7, 6))
    net.output("y", td.avg_pool(x, (2, 3), padding=((0, 1), (1, 2)), count_include_pad=True))


@tensorrt_expectation("pooling_blend", "NvInfer.h IPoolingLayer::setBlendFactor (kMAX_AVERAGE_BLEND), kSAME_LOWER",
     {"Pooling": Layer("add_pooling_nd", {
         "type": "PoolingType.MAX_AVERAGE_BLEND", "window_size_nd": (2, 2, 3), "stride_nd": (1, 2, 1),
         "blend_factor": 0.25, "average_count_excludes_padding": True,
         "padding_mode": "PaddingMode.SAME_LOWER"}, ("x",))})
def _(net):
    x = net.input("x", td.float32, (1, 1, 4, 4, 5))
    net.output("y", td.pool(x, "max_average_blend", (2, 2, 3), (1, 2, 1), padding_mode="same_lower",
                            blend_factor=0.25))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "avg_pool": lambda e: dict(x=e.x, window=2, stride=1, padding=0, ceil_mode=False,
                               count_include_pad=False),
    "max_pool": lambda e: dict(x=e.x, window=2, stride=1, padding=0, ceil_mode=False),
    "pool": lambda e: dict(x=e.x, type="max", window=2, stride=1, padding=0, blend_factor=0.0),
}


@pytest.mark.parametrize("pool", [td.max_pool, td.avg_pool])
def test_a_dynamic_dim_shorter_than_the_window_fails_when_the_network_runs(pool):
    """As a static one is refused when the network is defined (and as a convolution fails): no empty
    output (onnxruntime's export, which pads it, would give one value)."""
    net = td.Network("late")
    x = net.input("x", td.float32, (1, 1, "h", 3))
    net.output("y", pool(x, 3))
    assert net.run({"x": np.ones((1, 1, 3, 3), np.float32)})["y"].shape == (1, 1, 1, 1)
    with pytest.raises(td.ExecutionError, match=r"ValueError: input shape \(1, 1, 2, 3\) gives output spatial "
                                                r"dims \(0, 1\); the window does not fit in the padded input"):
        net.run({"x": np.ones((1, 1, 2, 3), np.float32)})
