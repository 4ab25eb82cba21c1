"""Unary: every UnaryOperation against a NumPy/math formula written here."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, assert_close, run_layer, shapes

import trtdsl as td
from trtdsl.layers.unary import UnaryOperation
from backend_rows import Row, FLOATS, INTS, one_input, each, variant_rows, tensorrt_case, tensorrt_expectation, Layer

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]

FORMULAS = {
    "exp": (np.exp, {}), "log": (np.log, {"min_value": 1e-3}), "sqrt": (np.sqrt, {"min_value": 0.0}),
    "reciprocal": (lambda x: 1.0 / x, {}), "abs": (np.abs, {}), "negative": (lambda x: -x, {}),
    "sin": (np.sin, {"min_value": -100, "max_value": 100}),
    "cos": (np.cos, {"min_value": -100, "max_value": 100}),
    "tan": (np.tan, {"min_value": -1.5, "max_value": 1.5}),
    "sinh": (np.sinh, {"min_value": -10, "max_value": 10}),
    "cosh": (np.cosh, {"min_value": -10, "max_value": 10}),
    "arcsin": (np.arcsin, {"min_value": -1, "max_value": 1}),
    "arccos": (np.arccos, {"min_value": -1, "max_value": 1}), "arctan": (np.arctan, {}),
    "arcsinh": (np.arcsinh, {}), "arccosh": (np.arccosh, {"min_value": 1}),
    "arctanh": (np.arctanh, {"min_value": -0.99, "max_value": 0.99}), "ceil": (np.ceil, {}),
    "floor": (np.floor, {}),
    "erf": (np.vectorize(math.erf, otypes=[np.float64]), {"min_value": -6, "max_value": 6}),
    "sign": (np.sign, {}), "round": (np.rint, {}),
}


@pytest.mark.parametrize("fn", sorted(FORMULAS))
@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_unary_float(fn, dtype, data):
    formula, bounds = FORMULAS[fn]
    x = data.draw(arrays(dtype, shapes(max_dims=3), **bounds))
    got = run_layer(getattr(td, fn), x)
    with np.errstate(all="ignore"):
        want = np.asarray(formula(x.astype(np.float64))).astype(dtype)
    tol = TOLERANCES[np.dtype(dtype)] * (4 if fn in ("tan", "sinh", "cosh", "exp") else 1)
    assert_close(got, want, rtol=tol, atol=tol)


@given(x=arrays(np.float32, shapes(), allow_nan=True, allow_inf=True))
def test_isinf_isnan_and_nan_propagation(x):
    inf, nan, ab = run_layer(lambda t: (td.isinf(t), td.isnan(t), td.abs(t)), x)
    np.testing.assert_array_equal(inf, np.array([math.isinf(v) for v in x.ravel()], bool).reshape(x.shape))
    np.testing.assert_array_equal(nan, np.array([math.isnan(v) for v in x.ravel()], bool).reshape(x.shape))
    np.testing.assert_array_equal(ab,
                                  np.array([math.fabs(v) for v in x.ravel()], np.float32).reshape(x.shape))


def test_round_is_half_to_even():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4999], np.float32)
    got = run_layer(td.round, x)
    assert got.tolist() == [-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 4.0, 2.0]


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@given(data=st.data())
def test_integer_abs_sign_negative(dtype, data):
    info = np.iinfo(dtype)
    x = data.draw(arrays(dtype, shapes(), min_value=info.min + 1, max_value=info.max))
    ab, sg, ng = run_layer(lambda t: (td.abs(t), td.sign(t), -t), x)
    vals = x.ravel().tolist()
    np.testing.assert_array_equal(ab, np.array([abs(v) for v in vals], dtype).reshape(x.shape))
    np.testing.assert_array_equal(sg, np.array([(v > 0) - (v < 0) for v in vals], dtype).reshape(x.shape))
    np.testing.assert_array_equal(ng, np.array([-v for v in vals], dtype).reshape(x.shape))


def test_integer_negative_is_built_as_subtraction():
    net = td.Network("neg")
    x = net.input("x", td.int32, (2,))
    net.output("y", -x)
    assert [n.op.label() for n in net.nodes] == ["Constant", "ElementWise[SUB]"]


@given(x=arrays(np.bool_, shapes()))
def test_not(x):
    got = run_layer(td.logical_not, x)
    np.testing.assert_array_equal(got, np.array([not v for v in x.ravel()], bool).reshape(x.shape))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- Unary ----------------------------------------------------------------------------------------------
_U = UnaryOperation
# Inputs inside the op's domain, where both libraries are accurate (outside it, NaN or overflow, is
# checked by the "outside" row, which draws from the default range with NaN and ±inf).
UNARY_DOMAIN: dict[UnaryOperation, tuple[float, float]] = {
    _U.TAN: (-1.5, 1.5),
    _U.SINH: (-10.0, 10.0),
    _U.COSH: (-10.0, 10.0),
    _U.EXP: (-20.0, 20.0),
    _U.ASIN: (-1.0, 1.0),
    _U.ACOS: (-1.0, 1.0),
    _U.ATANH: (-0.99, 0.99),
    _U.ACOSH: (1.0, 100.0),
    _U.LOG: (1e-3, 100.0),
    _U.SQRT: (0.0, 100.0),
}


def onnx_rows() -> list[Row]:
    rows = []
    float_ops = [op for op in UnaryOperation if op is not _U.NOT]
    free = {op.name: (lambda x, o=op: td.unary(x, o)) for op in float_ops if op not in UNARY_DOMAIN}
    for dtype in FLOATS:
        x = {"x": (dtype, ("n", 3))}
        rows += variant_rows("unary", dtype, x, free)
        in_domain = {
            op.name: (lambda *xs, o=op, i=i: td.unary(xs[i], o)) for i, op in enumerate(UNARY_DOMAIN)
        }
        inputs = {f"x_{op.name}": (dtype, ("n", 3)) for op in UNARY_DOMAIN}
        values = {f"x_{op.name}": domain for op, domain in UNARY_DOMAIN.items()}
        if dtype is td.bfloat16:
            rows += [
                Row(
                    f"unary-{op.name}-in-domain-{dtype.name}",
                    one_input(dtype, lambda t, o=op: td.unary(t, o)),
                    values={"x": domain},
                    special=False,
                )
                for op, domain in UNARY_DOMAIN.items()
            ]
        else:
            rows.append(
                Row(f"unary-in-domain-{dtype.name}", each(inputs, in_domain), values=values, special=False)
            )
    bounded = {op.name: (lambda x, o=op: td.unary(x, o)) for op in UNARY_DOMAIN}
    rows.append(Row("unary-outside-domains-float32", each({"x": (td.float32, ("n", 3))}, bounded)))
    for dtype in INTS:
        rows.append(
            Row(
                f"unary-ABS-SIGN-{dtype.name}",
                each({"x": (dtype, ("n", 3))}, {"ABS": td.abs, "SIGN": td.sign}),
            )
        )
    rows.append(Row("unary-NOT-bool", one_input(td.bool_, td.logical_not)))
    return rows


@tensorrt_case
def unary_ops() -> td.Network:
    net = td.Network("unary")
    x = net.input("x", td.float32, (2, "n"))
    for op in UnaryOperation:
        if op is UnaryOperation.NOT:
            net.output("not", td.logical_not(x > 0))
        else:
            net.output(op.name.lower(), td.unary(x, op))
    i = net.input("i", td.int64, (4,))
    net.output("abs_i", td.abs(i))
    net.output("sign_i", td.sign(i))
    net.output("neg_i", -i)
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
UNARIES = [
    (td.exp, "EXP"), (td.log, "LOG"), (td.sqrt, "SQRT"), (td.reciprocal, "RECIP"), (td.abs, "ABS"),
    (td.negative, "NEG"), (td.sin, "SIN"), (td.cos, "COS"), (td.tan, "TAN"), (td.sinh, "SINH"),
    (td.cosh, "COSH"), (td.arcsin, "ASIN"), (td.arccos, "ACOS"), (td.arctan, "ATAN"), (td.arcsinh, "ASINH"),
    (td.arccosh, "ACOSH"), (td.arctanh, "ATANH"), (td.ceil, "CEIL"), (td.floor, "FLOOR"), (td.erf, "ERF"),
    (td.sign, "SIGN"), (td.round, "ROUND"), (td.isinf, "ISINF"), (td.isnan, "ISNAN"),
]


for _fn, _member in UNARIES:
    tensorrt_expectation(f"unary_{_member.lower()}", "NvInfer.h UnaryOperation, INetworkDefinition::addUnary",
        {"Unary": Layer("add_unary", {"op": f"UnaryOperation.{_member}"}, ("x",))})(
        lambda net, fn=_fn: net.output("y", fn(net.input("x", td.float32, (2, 3))))
    )


tensorrt_expectation("unary_not", "NvInfer.h UnaryOperation::kNOT (bool input)",
    {"Unary": Layer("add_unary", {"op": "UnaryOperation.NOT"}, ("b",))})(
    lambda net: net.output("y", td.logical_not(net.input("b", td.bool, (3,))))
)


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "abs": lambda e: dict(x=e.m),
    "arccos": lambda e: dict(x=e.m),
    "arccosh": lambda e: dict(x=e.m),
    "arcsin": lambda e: dict(x=e.m),
    "arcsinh": lambda e: dict(x=e.m),
    "arctan": lambda e: dict(x=e.m),
    "arctanh": lambda e: dict(x=e.m),
    "ceil": lambda e: dict(x=e.m),
    "cos": lambda e: dict(x=e.m),
    "cosh": lambda e: dict(x=e.m),
    "erf": lambda e: dict(x=e.m),
    "exp": lambda e: dict(x=e.m),
    "floor": lambda e: dict(x=e.m),
    "isinf": lambda e: dict(x=e.m),
    "isnan": lambda e: dict(x=e.m),
    "log": lambda e: dict(x=e.m),
    "negative": lambda e: dict(x=e.m),
    "reciprocal": lambda e: dict(x=e.m),
    "round": lambda e: dict(x=e.m),
    "sign": lambda e: dict(x=e.m),
    "sin": lambda e: dict(x=e.m),
    "sinh": lambda e: dict(x=e.m),
    "sqrt": lambda e: dict(x=e.m),
    "tan": lambda e: dict(x=e.m),
    "logical_not": lambda e: dict(x=e.b),
    "unary": lambda e: dict(x=e.m, op="exp"),
}
