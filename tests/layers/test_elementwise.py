"""ElementWise: every operation against NumPy formulas written here, with TensorRT's integer rules."""

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import TOLERANCES, arrays, assert_close, expect_error, run_layer

import trtdsl as td
from trtdsl.layers.elementwise import ElementWiseOperation
from backend_rows import Row, FLOATS, INTS, each, variant_rows, tensorrt_case, tensorrt_expectation, Layer

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]
INT_TYPES = [np.int32, np.int64]


def trunc_div(a, b):
    """C integer division, written digit-free: |a|//|b| with the sign of a*b."""
    q = np.abs(np.asarray(a, dtype=object)) // np.where(b == 0, 1, np.abs(np.asarray(b, dtype=object)))
    return np.asarray(np.where(b == 0, 0, q * np.sign(a) * np.sign(b))).astype(a.dtype)


def floor_div_int(a, b):
    pairs = zip(a.astype(object).ravel(), b.astype(object).ravel())
    out = np.array([x // y if y != 0 else 0 for x, y in pairs], dtype=object)
    return out.reshape(a.shape).astype(a.dtype)


FLOAT_FORMULAS = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
    # a NaN operand gives the other one (TensorRT's MIN on a 10.16.1 engine, NVIDIA/TensorRT#4758)
    "maximum": lambda a, b: np.where(np.isnan(a), b, np.where(np.isnan(b), a, np.maximum(a, b))),
    "minimum": lambda a, b: np.where(np.isnan(a), b, np.where(np.isnan(b), a, np.minimum(a, b))),
    "floor_divide": lambda a, b: np.floor(a / b),
    "power": lambda a, b: np.power(a, b),
}


@st.composite
def broadcast_pair(draw, dtype, **kw):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4))
    a = draw(arrays(dtype, shapes.input_shapes[0], **kw))
    b = draw(arrays(dtype, shapes.input_shapes[1], **kw))
    return a, b


@pytest.mark.parametrize("fn", sorted(FLOAT_FORMULAS))
@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_float_ops_match_numpy(fn, dtype, data):
    kw = {"min_value": 0.1, "max_value": 4.0} if fn == "power" else {"allow_nan": True, "allow_inf": True}
    a, b = data.draw(broadcast_pair(dtype, **kw))
    got = run_layer(getattr(td, fn), a, b)
    with np.errstate(all="ignore"):
        want = FLOAT_FORMULAS[fn](a.astype(np.float32), b.astype(np.float32)).astype(dtype)
    tol = TOLERANCES[np.dtype(dtype)]
    assert_close(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", INT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_integer_division_truncates_and_floor_division_floors(dtype, data):
    a, b = data.draw(broadcast_pair(dtype, min_value=-1000, max_value=1000))
    b = np.where(b == 0, 7, b).astype(dtype)
    div, fdiv = run_layer(lambda x, y: (td.divide(x, y), td.floor_divide(x, y)), a, b)
    aa, bb = np.broadcast_arrays(a, b)
    np.testing.assert_array_equal(div, trunc_div(aa, bb))
    np.testing.assert_array_equal(fdiv, floor_div_int(aa, bb))
    assert div.dtype == dtype and fdiv.dtype == dtype


@pytest.mark.parametrize("dtype", INT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_integer_arithmetic_wraps_and_compares(dtype, data):
    a, b = data.draw(broadcast_pair(dtype))
    s, d, p, mx, mn, eq, gt, lt = run_layer(
        lambda x, y: (x + y, x - y, x * y, td.maximum(x, y), td.minimum(x, y), x == y, x > y, x < y), a, b)
    bits = np.dtype(dtype).itemsize * 8
    def wrap(v):
        return np.asarray((v + 2 ** (bits - 1)) % 2**bits - 2 ** (bits - 1), dtype=object).astype(dtype)

    aa, bb = (np.asarray(v, dtype=object) for v in np.broadcast_arrays(a, b))
    np.testing.assert_array_equal(s, wrap(aa + bb))
    np.testing.assert_array_equal(d, wrap(aa - bb))
    np.testing.assert_array_equal(p, wrap(aa * bb))
    np.testing.assert_array_equal(mx, np.where(aa >= bb, aa, bb).astype(dtype))
    np.testing.assert_array_equal(mn, np.where(aa <= bb, aa, bb).astype(dtype))
    np.testing.assert_array_equal(eq, (aa == bb).astype(bool))
    np.testing.assert_array_equal(gt, (aa > bb).astype(bool))
    np.testing.assert_array_equal(lt, (aa < bb).astype(bool))


@given(data=st.data())
def test_comparisons_on_floats_with_nan(data):
    a, b = data.draw(broadcast_pair(np.float32, allow_nan=True, allow_inf=True))
    got = run_layer(lambda x, y: (x == y, x != y, x > y, x >= y, x < y, x <= y), a, b)
    aa, bb = np.broadcast_arrays(a, b)
    pairs = list(zip(aa.ravel().tolist(), bb.ravel().tolist()))
    formulas = [lambda u, v: u == v, lambda u, v: u != v, lambda u, v: u > v, lambda u, v: u >= v,
                lambda u, v: u < v, lambda u, v: u <= v]
    for g, f in zip(got, formulas):
        np.testing.assert_array_equal(g, np.array([f(u, v) for u, v in pairs], bool).reshape(aa.shape))


@given(data=st.data())
def test_logical_ops(data):
    a, b = data.draw(broadcast_pair(np.bool_))
    got = run_layer(lambda x, y: (x & y, x | y, x ^ y, ~x & y, x == y), a, b)
    aa, bb = np.broadcast_arrays(a, b)
    pairs = list(zip(aa.ravel().tolist(), bb.ravel().tolist()))
    for g, f in zip(got, [lambda u, v: u and v, lambda u, v: u or v, lambda u, v: u != v,
                          lambda u, v: (not u) and v, lambda u, v: u == v]):
        assert g.dtype == np.bool_
        np.testing.assert_array_equal(g, np.array([f(u, v) for u, v in pairs], bool).reshape(aa.shape))


@given(data=st.data())
def test_mod_follows_python(data):
    a, b = data.draw(broadcast_pair(np.int32, min_value=-500, max_value=500))
    b = np.where(b == 0, 3, b).astype(np.int32)
    got = run_layer(lambda x, y: x % y, a, b)
    aa, bb = np.broadcast_arrays(a, b)
    want = np.array([int(u) % int(v) for u, v in zip(aa.ravel(), bb.ravel())], np.int32).reshape(aa.shape)
    np.testing.assert_array_equal(got, want)


def test_scalars_and_arrays_promote_to_the_tensor_dtype():
    x = np.array([[1.5, -2.0]], np.float32)
    got = run_layer(lambda t: (2 * t, t - np.array([1.0, 2.0]), 1.0 / t, 2 ** t), x)
    np.testing.assert_allclose(got[0], [[3.0, -4.0]])
    np.testing.assert_allclose(got[1], [[0.5, -4.0]])
    np.testing.assert_allclose(got[2], [[1 / 1.5, -0.5]])
    np.testing.assert_allclose(got[3], [[2**1.5, 0.25]], rtol=1e-6)
    assert all(g.dtype == np.float32 for g in got)


@pytest.mark.parametrize("dtype, value, shown", [
    (td.float32, 1e40, "1e+40"), (td.float32, -3.5e38, "-3.5e+38"), (td.float16, 70000.0, "70000"),
    (td.float16, np.array([1.0, -1e5], np.float32), "-100000"), (td.float16, np.int32(65520), "65520"),
    (td.bfloat16, 1e39, "1e+39"), (td.float32, np.array([1e40, 1.0]), "1e+40"),
    (td.float16, np.arange(40.0) * 2000, "66000")])  # more values than are checked one by one
def test_a_number_beyond_the_tensors_range_is_an_error_not_an_infinity(dtype, value, shown):
    """A value that the tensor's dtype would round to an infinity is refused at the user's line (the dtype's
    largest magnitude said); an infinity given as such, and the largest finite value, are kept."""
    x = td.Network("n").input("x", dtype, (2,))
    largest = f"{float(ml_dtypes.finfo(dtype.numpy).max):.9g}"
    expect_error(td.DTypeError, f"add: argument 'b' holds {shown}, beyond {dtype.name}'s range (largest "
                 f"magnitude {largest}): it would become an infinity; give a value within the range, or an "
                 "infinity itself (float('inf'), -np.inf) where that is what is meant", lambda: x + value)


def test_float32_scalars_convert_without_a_warning(recwarn):
    x = td.Network("n").input("x", td.float32, (2,))
    x * np.float32(0.5) + np.float32(3.4e38) - np.float64(1e-50)
    assert not recwarn.list


def test_infinities_and_the_largest_values_are_kept():
    got = run_layer(lambda h: (h + float("inf"), h * 65504.0, h - np.array([-np.inf, 65504.0], np.float32)),
                    np.array([1.0, -1.0], np.float16))
    np.testing.assert_array_equal(got[0], [np.inf, np.inf])
    np.testing.assert_array_equal(got[1], [65504.0, -65504.0])
    np.testing.assert_array_equal(got[2], [np.inf, -65504.0])  # -65505 rounds to float16's largest


def test_rank_broadcast_is_explicit_in_the_ir():
    net = td.Network("b")
    x = net.input("x", td.float32, ("n", 3))
    v = net.input("v", td.float32, (3,))
    net.output("y", x + v)
    assert [n.op.kind for n in net.nodes] == ["Unsqueeze", "ElementWise"]
    out = net.run({"x": np.ones((2, 3), np.float32), "v": np.arange(3, dtype=np.float32)})["y"]
    np.testing.assert_array_equal(out, [[1, 2, 3], [1, 2, 3]])


def test_zero_length_broadcast_gives_zero():
    got = run_layer(lambda a, b: a + b, np.ones((1, 3), np.float32), np.ones((0, 1), np.float32))
    assert got.shape == (0, 3)


def test_exact_division_identity_holds_for_large_int64():
    a = np.array([2**62 + 1, -(2**62) - 1], np.int64)
    b = np.array([3, 3], np.int64)
    got = run_layer(td.divide, a, b)
    assert got.tolist() == [(2**62 + 1) // 3, -((2**62 + 1) // 3)]
    assert math.isclose(float(got[0]) * 3, 2**62, rel_tol=1e-12)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- ElementWise ----------------------------------------------------------------------------------------
_E = ElementWiseOperation
_FLOAT_OPS = (
    _E.SUM,
    _E.SUB,
    _E.PROD,
    _E.MAX,
    _E.MIN,
    _E.DIV,
    _E.POW,
    _E.FLOOR_DIV,
    _E.EQUAL,
    _E.GREATER,
    _E.LESS,
)
_INT_OPS = (_E.SUM, _E.SUB, _E.PROD, _E.MAX, _E.MIN, _E.DIV, _E.FLOOR_DIV, _E.EQUAL, _E.GREATER, _E.LESS)
_BOOL_OPS = (_E.AND, _E.OR, _E.XOR, _E.EQUAL)


def onnx_rows() -> list[Row]:
    rows = []
    for dtype, ops in (
        [(d, _FLOAT_OPS) for d in FLOATS] + [(d, _INT_OPS) for d in INTS] + [(td.bool_, _BOOL_OPS)]
    ):
        layers = {op.name: (lambda a, b, o=op: td.elementwise(a, b, o)) for op in ops}
        rows += variant_rows("elementwise", dtype, {"a": (dtype, ("n", 3)), "b": (dtype, ("n", 3))}, layers)
        if dtype in (td.float32, td.int32, td.bool_):
            rows.append(
                Row(
                    f"elementwise-broadcast-{dtype.name}",
                    each({"a": (dtype, ("n", 3)), "b": (dtype, (1, 3))}, layers),
                )
            )
        if dtype in INTS:
            info = np.iinfo(dtype.numpy)
            full = (int(info.min), int(info.max))
            division = {op.name: layers[op.name] for op in (_E.DIV, _E.FLOOR_DIV)}
            rows.append(
                Row(
                    f"elementwise-division-full-range-{dtype.name}",
                    each({"a": (dtype, ("n", 3)), "b": (dtype, ("n", 3))}, division),
                    values={"a": full, "b": full},
                )
            )
            constant = {
                op.name: (lambda x, o=op, d=dtype: td.elementwise(x, np.array([3, -4, 7], d.numpy), o))
                for op in (_E.DIV, _E.FLOOR_DIV)
            }
            rows.append(
                Row(
                    f"elementwise-constant-divisor-{dtype.name}",
                    each({"x": (dtype, ("n", 3))}, constant),
                    values={"x": full},
                )
            )
    return rows


@tensorrt_case
def elementwise_ops() -> td.Network:
    net = td.Network("elementwise")
    a = net.input("a", td.float32, ("n", 3))
    b = net.input("b", td.float32, (3,))
    for op in ElementWiseOperation:
        if op.name in ("AND", "OR", "XOR"):
            net.output(op.name.lower(), td.elementwise(a > 0, b > 0, op))
        else:
            net.output(op.name.lower(), td.elementwise(a, b, op))
    i = net.input("i", td.int32, (3,))
    net.output("idiv", i / 2)
    net.output("ifloordiv", i // 3)
    net.output("imod", i % 4)
    net.output("ne", a != b)
    net.output("ge", a >= 1.0)
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
# the operands are different tensors, so that swapping input1 and input2 is seen
ELEMENTWISE = [
    (td.add, "SUM"), (td.multiply, "PROD"), (td.maximum, "MAX"), (td.minimum, "MIN"), (td.subtract, "SUB"),
    (td.divide, "DIV"), (td.power, "POW"), (td.floor_divide, "FLOOR_DIV"), (td.equal, "EQUAL"),
    (td.greater, "GREATER"), (td.less, "LESS"),
]


for _fn, _member in ELEMENTWISE:
    tensorrt_expectation(f"elementwise_{_member.lower()}", "NvInfer.h IElementWiseLayer: inputs of the same rank",
        {"ElementWise": Layer("add_elementwise", {"op": f"ElementWiseOperation.{_member}"}, ("a", "b"),
                              input_ranks=(2, 2))})(
        lambda net, fn=_fn: net.output(
            "y", fn(net.input("a", td.float32, ("n", 3)), net.input("b", td.float32, ("n", 3)))
        )
    )


for _fn, _member in [(td.logical_and, "AND"), (td.logical_or, "OR"), (td.logical_xor, "XOR")]:
    tensorrt_expectation(f"elementwise_{_member.lower()}", "NvInfer.h ElementWiseOperation (bool inputs)",
        {"ElementWise": Layer("add_elementwise", {"op": f"ElementWiseOperation.{_member}"}, ("p", "q"))})(
        lambda net, fn=_fn: net.output("y", fn(net.input("p", td.bool, (3,)), net.input("q", td.bool, (3,))))
    )


@tensorrt_expectation("elementwise_broadcast_rank", "NvInfer.h IElementWiseLayer: 'The input tensors must have the same rank'",
     {"ElementWise": Layer("add_elementwise", {"op": "ElementWiseOperation.SUB"}, input_ranks=(3, 3))})
def _(net):
    net.output("y", net.input("a", td.float32, ("n", 2, 3)) - net.input("b", td.float32, (3,)))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "add": lambda e: dict(a=e.m, b=e.m),
    "divide": lambda e: dict(a=e.m, b=e.m),
    "equal": lambda e: dict(a=e.m, b=e.m),
    "floor_divide": lambda e: dict(a=e.m, b=e.m),
    "greater": lambda e: dict(a=e.m, b=e.m),
    "greater_equal": lambda e: dict(a=e.m, b=e.m),
    "less": lambda e: dict(a=e.m, b=e.m),
    "less_equal": lambda e: dict(a=e.m, b=e.m),
    "maximum": lambda e: dict(a=e.m, b=e.m),
    "minimum": lambda e: dict(a=e.m, b=e.m),
    "mod": lambda e: dict(a=e.m, b=e.m),
    "multiply": lambda e: dict(a=e.m, b=e.m),
    "not_equal": lambda e: dict(a=e.m, b=e.m),
    "power": lambda e: dict(a=e.m, b=e.m),
    "subtract": lambda e: dict(a=e.m, b=e.m),
    "logical_and": lambda e: dict(a=e.b, b=e.b),
    "logical_or": lambda e: dict(a=e.b, b=e.b),
    "logical_xor": lambda e: dict(a=e.b, b=e.b),
    "elementwise": lambda e: dict(a=e.m, b=e.m, op="sum"),
}


@pytest.mark.parametrize("dtype", INT_TYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("divisor_shape", [(64, 128), (1, 128), ()], ids=["same", "row", "scalar"])
def test_integer_division_by_zero_gives_zero_among_many_values(dtype, divisor_shape):
    # 8192 quotients, some of zero divisors: the zeros are put in by bit operations from 4096 values on
    rng = np.random.default_rng(3)
    info = np.iinfo(dtype)
    a = rng.integers(info.min + 1, info.max, (64, 128), dtype=dtype)
    a[::5] = rng.integers(-9, 10, a[::5].shape)
    b = rng.integers(-12, 13, divisor_shape).astype(dtype)
    b = np.zeros((), dtype) if divisor_shape == () else b
    div, fdiv = run_layer(lambda x, y: (td.divide(x, y), td.floor_divide(x, y)), a, b)
    aa, bb = np.broadcast_arrays(a, b)
    np.testing.assert_array_equal(div, trunc_div(aa, bb))
    np.testing.assert_array_equal(fdiv, floor_div_int(aa, bb))


@pytest.mark.parametrize("exponent", [np.float32(0.5), np.full(6, 0.5, np.float32)])
def test_power_of_a_half_is_cs_powf_at_signed_zeros_and_infinities(exponent):
    """C99 Annex F: pow(±0, y) = +0 and pow(-inf, y) = +inf for y > 0 not an odd integer. NumPy takes a
    square root for a broadcast exponent of 0.5 (-0.0 and NaN there); onnxruntime follows powf."""
    net = td.Network("pow")
    x = net.input("x", td.float32, (6,))
    net.output("y", x ** exponent)
    values = np.array([-np.inf, -0.0, 0.0, np.inf, 4.0, -1.0], np.float32)
    y = net.run({"x": values})["y"]
    np.testing.assert_array_equal(y, [np.inf, 0.0, 0.0, np.inf, 2.0, np.nan])
    assert not np.signbit(y[:3]).any()
    np.testing.assert_array_equal(y, net.run({"x": values}, backend="onnxruntime")["y"])
