"""Reduce: every operation over drawn axes, against plain-Python formulas per reduced row, with TensorRT's
empty-volume table and integer wrap-around."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, call, expect_error, f32, run_layer, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.layers.reduce import Reduce, ReduceOperation
from backend_rows import Row, INTS, each, tensorrt_case, tensorrt_expectation, Layer

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]
INT_TYPES = [np.int32, np.int64]
FUNCTIONS = {"SUM": td.sum, "PROD": td.prod, "MAX": td.max, "MIN": td.min, "AVG": td.mean}


def wrap(value, dtype):
    bits = np.dtype(dtype).itemsize * 8
    return (value + 2 ** (bits - 1)) % 2**bits - 2 ** (bits - 1)


def float_formula(op, row):
    if op == "SUM":
        return math.fsum(row)
    if op == "PROD":
        return math.prod(row)
    if op == "AVG":
        return math.fsum(row) / len(row) if row else math.nan
    numbers = [v for v in row if not math.isnan(v)]  # MAX/MIN skip NaN (an all-NaN row is empty)
    if op == "MAX":
        return max(numbers, default=-math.inf)
    return min(numbers, default=math.inf)


def int_formula(op, row, dtype):
    info = np.iinfo(dtype)
    if op == "SUM":
        return wrap(sum(row), dtype)
    if op == "PROD":
        return wrap(math.prod(row), dtype)
    if op == "MAX":
        return max(row, default=info.min)
    if op == "MIN":
        return min(row, default=info.max)
    if not row:
        return 0
    total = wrap(sum(row), dtype)
    return abs(total) // len(row) * (1 if total >= 0 else -1)


def expected(x, op, axes, keepdims, formula):
    """Apply ``formula`` to the values of each reduced row, in Python, and shape the result like NumPy."""
    kept = [i for i in range(x.ndim) if i not in axes]
    out_shape = tuple(x.shape[i] for i in kept)
    count = math.prod(x.shape[a] for a in axes)
    values = x.astype(np.float64) if x.dtype.kind == "f" or x.dtype == td.bfloat16.numpy else x
    rows = np.transpose(values, kept + list(axes)).reshape(math.prod(out_shape), count).tolist()
    out = np.array([formula(op, row) for row in rows], dtype=object).reshape(out_shape)
    if keepdims:
        out = out.reshape(tuple(1 if i in axes else d for i, d in enumerate(x.shape)))
    return out


@st.composite
def axis_spec(draw, rank):
    """What a user passes as ``axis``: None, one int, or a tuple, possibly negative, in any order."""
    if rank == 0:
        return None
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-rank, rank - 1))
    chosen = draw(st.lists(st.integers(0, rank - 1), min_size=1, max_size=rank, unique=True))
    return tuple(a - rank if draw(st.booleans()) else a for a in chosen)


def normalized(spec, rank):
    if spec is None:
        return tuple(range(rank))
    items = spec if isinstance(spec, tuple) else (spec,)
    return tuple(sorted(a % rank for a in items))


@pytest.mark.parametrize("op", sorted(FUNCTIONS))
@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_float_reductions_match_python(op, dtype, data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=4))
    special = op in ("MAX", "MIN")
    bound = 2 if op == "PROD" else 100
    x = data.draw(arrays(dtype, shape, min_value=-bound, max_value=bound, allow_nan=special,
                         allow_inf=special))
    spec = data.draw(axis_spec(len(shape)))
    keepdims = data.draw(st.booleans())
    got = run_layer(lambda t: FUNCTIONS[op](t, axis=spec, keepdims=keepdims), x)
    axes = normalized(spec, len(shape))
    want = expected(x, op, axes, keepdims, float_formula).astype(np.float64).astype(dtype)
    assert got.dtype == np.dtype(dtype) and got.shape == want.shape
    tol = TOLERANCES[np.dtype(dtype)]
    if special:
        np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))
    elif op == "PROD":
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=2 * tol, atol=1e-30)
    else:
        scale = expected(np.abs(x), "SUM", axes, keepdims, float_formula).astype(np.float64)
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=0,
                                   atol=1e-6 + 2 * tol * np.max(scale, initial=0))


@pytest.mark.parametrize("op", sorted(FUNCTIONS))
@pytest.mark.parametrize("dtype", INT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_integer_reductions_wrap_and_truncate(op, dtype, data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=4))
    x = data.draw(arrays(dtype, shape))
    spec = data.draw(axis_spec(len(shape)))
    keepdims = data.draw(st.booleans())
    got = run_layer(lambda t: td.reduce(t, op, axis=spec, keepdims=keepdims), x)
    want = expected(x, op, normalized(spec, len(shape)), keepdims, lambda o, r: int_formula(o, r, dtype))
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, want.astype(dtype))


# TensorRT's documented results of reducing an empty volume (ReduceOperation in NvInfer.h).
EMPTY = {
    "SUM": (0.0, 0, 0), "PROD": (1.0, 1, 1), "MAX": (-np.inf, -(2**31), -(2**63)),
    "MIN": (np.inf, 2**31 - 1, 2**63 - 1), "AVG": (np.nan, 0, 0),
}


@pytest.mark.parametrize("op", sorted(EMPTY))
@pytest.mark.parametrize("dtype", FLOAT_TYPES + INT_TYPES, ids=lambda d: np.dtype(d).name)
def test_empty_volume_results_follow_the_table(op, dtype):
    x = np.zeros((2, 0, 3), dtype)
    got = run_layer(lambda t: td.reduce(t, op, axis=1), x)
    column = 0 if np.dtype(dtype).kind == "f" or dtype == td.bfloat16.numpy else INT_TYPES.index(dtype) + 1
    want = np.full((2, 3), EMPTY[op][column]).astype(dtype)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))


def test_tensor_methods_and_numpy_defaults():
    x = np.arange(-3, 9, dtype=np.float32).reshape(3, 4)
    got = run_layer(lambda t: (t.sum(), t.mean(axis=0), t.max(axis=-1, keepdims=True), t.min(),
                               t.prod(axis=(0, 1))), x)
    assert got[0].shape == () and float(got[0]) == 30.0
    np.testing.assert_array_equal(got[1], [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(got[2], [[0.0], [4.0], [8.0]])
    assert float(got[3]) == -3.0 and float(got[4]) == 0.0


def test_no_axes_is_a_copy():
    net = td.Network("r")
    x = net.input("x", td.float32, ())
    net.output("y", td.sum(x))
    net.output("z", td.max(net.input("v", td.int32, (2,)), axis=()))
    assert [n.op.kind for n in net.nodes] == ["Identity", "Identity"]
    out = net.run({"x": np.array(2.5, np.float32), "v": np.array([1, 2], np.int32)})
    assert float(out["y"]) == 2.5 and out["z"].tolist() == [1, 2]


def test_ir_stores_sorted_non_negative_axes():
    net = td.Network("r")
    x = net.input("x", td.float32, ("n", 3, 4))
    y = td.mean(x, axis=(-1, 0), keepdims=True)
    assert net.nodes[-1].op == Reduce(ReduceOperation.AVG, (0, 2), True)
    assert y.shape == (1, 3, 1)
    assert "Reduce[AVG](%x, axes=(0,2), keepdims=True)" in net.format(locations=False)


# Inputs of at least 2**13 values take the module's faster paths over their last run of consecutive reduced
# axes, by what follows it: (shape, axes, whether float32 SUM/AVG take a BLAS product, whether the other
# reductions fold by halves or column by column).
FAST_CASES = [
    ((32, 129, 8), (1,), True, True),           # a stack of products; odd halves at several levels
    ((1100, 3, 4), (1,), False, True),          # too few values per product: folds by halves
    ((30, 5, 7, 4, 3), (1, 2), True, True),     # two middle axes
    ((2048, 5), (1,), True, True),              # last axis, few values: column by column
    ((66000, 2), (1,), True, True),             # ... in two blocks of rows
    ((1024, 16), (1,), True, True),
    ((1024, 17), (1,), True, False),            # too many for columns: NumPy's reduction
    ((8, 2048 // 8, 7, 7), (2, 3), True, False),  # global average pooling's axes
    ((65, 130), (0,), True, False),             # leading axis, 130 values after it
    ((4, 40, 64), (1,), True, False),           # 64 values after the axis
    ((40, 300), (0, 1), False, False),          # all axes: NumPy's pairwise sum
    ((32, 129, 8), (0, 2), True, True),         # axes not consecutive: the last run first, then NumPy's
    ((32, 32, 8, 16), (1, 3), True, True),      # ... then a fast path again
    ((8, 16, 8, 64), (0, 2, 3), True, False),   # ... the last run by NumPy's reduction: all of it
    ((4, 8, 64, 4), (0, 1, 3), True, True),     # two axes before the run
    ((16, 4, 32, 4, 4), (0, 2, 4), True, True),  # three runs, two of them fast
    ((16, 16, 31), (1,), False, False),         # under 2**13 values
    ((3, 5000), (1,), False, False),            # sums of over 4096 values: NumPy's pairwise sum
    ((5000, 4, 2), (0,), False, True),          # ... or folds by halves
]
FAST_IDS = ["x".join(map(str, c[0])) + "-" + "".join(map(str, c[1])) for c in FAST_CASES]


def fast_input(dtype, shape, op, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "i":
        low, high = (-3, 4) if op == "PROD" else (-(2**30), 2**30)  # sums wrap around
        return rng.integers(low, high, shape).astype(dtype)
    values = rng.uniform(0.9, 1.1, shape) if op == "PROD" else rng.standard_normal(shape) * 10
    return values.astype(np.float32).astype(dtype)


@pytest.mark.parametrize("op", sorted(FUNCTIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.int64],
                         ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape, axes, blas, fold", FAST_CASES, ids=FAST_IDS)
def test_large_reductions_match_python(op, dtype, shape, axes, blas, fold):
    x = fast_input(dtype, shape, op)
    keepdims = len(axes) == 2
    got = run_layer(lambda t: FUNCTIONS[op](t, axis=axes, keepdims=keepdims), x)
    if np.dtype(dtype).kind == "i":
        want = expected(x, op, axes, keepdims, lambda o, r: int_formula(o, r, dtype)).astype(dtype)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        return
    want = expected(x, op, axes, keepdims, float_formula).astype(np.float64).astype(dtype).astype(np.float64)
    assert got.dtype == np.dtype(dtype) and got.shape == want.shape
    if op in ("MAX", "MIN"):
        np.testing.assert_array_equal(got.astype(np.float64), want)
    elif op == "PROD":
        # a rounding per float32 product, then the result's own
        rtol = TOLERANCES[np.dtype(dtype)] + math.prod(x.shape[a] for a in axes) * np.finfo(np.float32).eps
        np.testing.assert_allclose(got.astype(np.float64), want, rtol=rtol, atol=1e-30)
    else:
        count = math.prod(x.shape[a] for a in axes) if op == "AVG" else 1
        scale = expected(np.abs(x), "SUM", axes, keepdims, float_formula).astype(np.float64) / count
        # float16 results round once at the end: float32 sums, then a float16 cast
        atol = (2e-3 * np.abs(want) if dtype == np.float16 else 0) + 1e-6 * scale
        np.testing.assert_array_less(np.abs(got.astype(np.float64) - want), atol + 1e-12)


@pytest.mark.parametrize("shape, axes, blas, fold", FAST_CASES, ids=FAST_IDS)
def test_large_reductions_take_the_paths_the_module_names(shape, axes, blas, fold):
    """Which inputs the fast paths take (a change of the limits should be a decision, not an accident)."""
    from trtdsl.layers.reduce import _fast

    x = fast_input(np.float32, shape, "PROD")
    assert (_fast(np.add, x, axes, False) is not None) == (blas or fold)
    assert (_fast(np.fmax, x, axes, False) is not None) == fold
    assert (_fast(np.add, x.astype(np.int32), axes, False) is not None) == fold
    assert (_fast(np.multiply, x, axes, False) is not None) == fold
    assert _fast(np.add, np.asfortranarray(x), axes, False) is None  # not C-contiguous


@pytest.mark.parametrize("shape, axes", [((64, 129, 8), (1,)), ((1100, 3, 4), (1,)), ((129, 65), (1,)),
                                         ((4096, 7), (1,))])
def test_large_reductions_keep_nan_and_inf(shape, axes):
    x = fast_input(np.float32, shape, "SUM")
    rows = np.moveaxis(x, axes[0], -1)  # a view: writes land in x, rows[i, ...] along the reduced axis
    rows[0] = np.nan                           # only NaN
    rows[1, ..., 1] = np.inf
    rows[2, ..., 0], rows[2, ..., -1] = np.inf, -np.inf
    rows[3, ..., 2] = np.nan                   # one NaN among numbers
    rows[4] = -np.inf
    got = run_layer(lambda t: (td.sum(t, axis=axes), td.max(t, axis=axes), td.min(t, axis=axes)), x)
    values = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        want = np.sum(values, axis=axes)
    np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-3)  # NaN and inf where NumPy has them
    assert np.isnan(got[0][:4]).any() and np.isinf(got[0][:5]).any()
    np.testing.assert_array_equal(got[1], np.max(np.where(np.isnan(values), -np.inf, values), axis=axes))
    np.testing.assert_array_equal(got[2], np.min(np.where(np.isnan(values), np.inf, values), axis=axes))
    assert np.isneginf(got[1][0]).all() and np.isposinf(got[2][0]).all()


def test_large_float32_sum_of_negative_zeros_is_positive_zero():
    """BLAS sums from +0 (the module doc); NumPy's reduction would keep -0."""
    got = run_layer(lambda t: td.sum(t, axis=1), np.full((64, 200), -0.0, np.float32))
    assert (got == 0).all() and not np.signbit(got).any()


def raw(op, axes, keepdims=False):
    return lambda x: x.network.add1(Reduce(ReduceOperation[op], axes, keepdims), (x,))


ERRORS = [
    (DTypeError, "Reduce[SUM]: input 'x' has dtype bool; expected one of float32, float16, bfloat16, int32, "
                 "int64",
     call(lambda x: td.sum(x), (td.bool, (2,)))),
    (DTypeError, "Reduce[MAX]: input 'x' has dtype int8; expected one of float32, float16, bfloat16, int32, "
                 "int64 (int8 is a quantized type in TensorRT: dequantize it "
                 "first)", call(td.max, (td.int8, (2,)))),
    (ShapeError, "sum: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda x: x.sum(axis=2), f32(2, 3))),
    (ArgumentError, "mean: argument 'axis' is (0, -2); expected unique "
                    "axes", call(lambda x: td.mean(x, (0, -2)), f32(2, 3))),
    (ArgumentError, "min: argument 'axis' is 1.0; expected an int in [-2, "
                    "1]", call(lambda x: td.min(x, 1.0), f32(2, 3))),
    (ArgumentError, "max: argument 'keepdims' is 'yes'; expected a bool",
     call(lambda x: td.max(x, keepdims="yes"), f32(2))),
    (ArgumentError, "reduce: argument 'op' is 'median'; expected one of SUM, PROD, MAX, MIN, AVG",
     call(lambda x: td.reduce(x, "median"), f32(2))),
    (DTypeError, "prod: argument 'x' is [1, 2]; expected a trtdsl Tensor"
                 "; turn an array or a number into one with net.constant(...)", lambda: td.prod([1, 2])),
    (ShapeError, "Reduce[SUM]: argument 'axes' is (); expected at least one axis (TensorRT does not define "
                 "an empty axes mask)", call(raw("SUM", ()), f32(2))),
    (ShapeError, "Reduce[MAX]: argument 'axes' is (1, 0); expected increasing axes in [0, 1] for a rank-2 "
                 "input",
     call(raw("MAX", (1, 0)), f32(2, 3))),
    (ShapeError, "Reduce[AVG]: argument 'axes' is (0, 2); expected increasing axes in [0, 1] for a rank-2 "
                 "input",
     call(raw("AVG", (0, 2)), f32(2, 3))),
    (ShapeError, "Reduce[MIN]: argument 'axes' is (-1,); expected increasing axes in [0, 1] for a rank-2 "
                 "input",
     call(raw("MIN", (-1,)), f32(2, 3))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    from trtdsl.layers.reduce import ReduceOperation

    rows = []
    empty_ok = {"n": (0, 2, 4)}
    for op in ReduceOperation:
        for dtype in (td.float32, td.float16, td.bfloat16, td.int32, td.int64):
            values = None
            if dtype in INTS:
                # int PROD, and int64 SUM beyond 2**53, overflow differently in onnxruntime (docs/onnx.md)
                values = (
                    {"x": (-3, 3)}
                    if op is ReduceOperation.PROD
                    else ({"x": (-(2**31), 2**31 - 1)} if dtype is td.int32 else None)
                )
            tol = {"float16": 1e-2, "bfloat16": 5e-2} if op is not ReduceOperation.MAX else None
            variants = {
                "axis1": lambda x, o=op: td.reduce(x, o, 1),
                "axes02-keep": lambda x, o=op: td.reduce(x, o, (0, 2), True),
            }
            rows.append(
                Row(
                    f"reduce-{op.name}-{dtype.name}",
                    each({"x": (dtype, ("n", 3, 2))}, variants),
                    values=values,
                    dims=empty_ok,
                    rtol=tol,
                    atol=tol,
                )
            )
    return rows


@tensorrt_case
def reductions() -> td.Network:
    net = td.Network("reductions")
    x = net.input("x", td.float32, ("n", 4, 5))
    net.output("sum", x.sum(axis=(-1, 1)))
    net.output("mean_keep", x.mean(axis=1, keepdims=True))
    net.output("max", x.max(axis=-1))
    net.output("min", x.min())
    net.output("prod", x.prod(axis=(0, 2), keepdims=True))
    net.output("softmax", td.softmax(x, axis=-2))
    v, i = td.topk(x, 2, axis=-1)
    net.output("top_v", v)
    net.output("top_i", i)
    v2, i2 = td.topk(x, 3, axis=1, largest=False, indices_dtype=td.int64)
    net.output("bottom_v", v2)
    net.output("bottom_i", i2)
    k = net.input("k", td.int32, (), shape_tensor=True)
    v3, _ = td.topk(x, k, axis=1)  # k read when the network runs: input 1
    net.output("run_time_k", v3)
    i = net.input("i", td.int32, (6,))
    net.add_profile({"n": (1, 2, 4), "k": (1, 2, 4)})  # a shape-tensor input's values, for building
    net.output("cumsum", td.cumsum(i, 0))
    net.output("cumsum_rev_excl", td.cumsum(x, -2, exclusive=True, reverse=True))
    net.output("cumsum_excl", td.cumsum(x, 2, exclusive=True))
    net.output("cumsum_rev", td.cumsum(x, -1, reverse=True))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("reduce_sum", "NvInfer.h addReduce: 'The bit in position i of bitmask reduceAxes corresponds to "
     "explicit dimension i'",
     {"Reduce": Layer("add_reduce", {"op": "ReduceOperation.SUM", "axes": 0b101, "keep_dims": False},
                      ("x",))})
def _(net):
    net.output("y", net.input("x", td.float32, ("n", 4, 5)).sum(axis=(-1, 0)))


@tensorrt_expectation("reduce_mean_keepdims", "NvInfer.h addReduce, ReduceOperation::kAVG, keepDimensions",
     {"Reduce": Layer("add_reduce", {"op": "ReduceOperation.AVG", "axes": 0b010, "keep_dims": True}, ("x",))})
def _(net):
    net.output("y", net.input("x", td.float32, ("n", 4, 5)).mean(axis=-2, keepdims=True))


@tensorrt_expectation("reduce_others", "NvInfer.h ReduceOperation::kMAX, kMIN, kPROD",
     {"Reduce#0": Layer("add_reduce", {"op": "ReduceOperation.MAX", "axes": 0b100, "keep_dims": False}),
      "Reduce#1": Layer("add_reduce", {"op": "ReduceOperation.MIN", "axes": 0b111, "keep_dims": False}),
      "Reduce#2": Layer("add_reduce", {"op": "ReduceOperation.PROD", "axes": 0b011, "keep_dims": True})})
def _(net):
    x = net.input("x", td.float32, ("n", 4, 5))
    net.output("max", x.max(axis=2))
    net.output("min", x.min())
    net.output("prod", x.prod(axis=(1, 0), keepdims=True))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "max": lambda e: dict(x=e.m, axis=1, keepdims=False),
    "min": lambda e: dict(x=e.m, axis=1, keepdims=False),
    "mean": lambda e: dict(x=e.m, axis=1, keepdims=False),
    "sum": lambda e: dict(x=e.m, axis=1, keepdims=False),
    "prod": lambda e: dict(x=e.m, axis=1, keepdims=False),
    "reduce": lambda e: dict(x=e.m, op="sum", axis=1, keepdims=False),
}
