"""Activation: every ActivationType with alpha/beta, against formulas written here from TensorRT's
documentation (not from the implementation)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, assert_close, run_layer, shapes

import trtdsl as td
from trtdsl.layers.activation import Activation, ActivationType
from backend_rows import Row, FLOATS, INTS, one_input, each, variant_rows, tensorrt_case, tensorrt_expectation, Layer


def scalar(f):
    return lambda x, a, b: np.array([f(float(v), a, b) for v in x.ravel()], np.float64).reshape(x.shape)


def softplus(v, a, b):
    return a * (b * v + math.log1p(math.exp(-b * v)) if b * v > 0 else math.log1p(math.exp(b * v)))


FORMULAS = {
    "RELU": scalar(lambda v, a, b: v if v > 0 else 0.0),
    "SIGMOID": scalar(lambda v, a, b: 1 / (1 + math.exp(-v)) if v > -700 else 0.0),
    "TANH": scalar(lambda v, a, b: math.tanh(v)),
    "LEAKY_RELU": scalar(lambda v, a, b: v if v >= 0 else a * v),
    "ELU": scalar(lambda v, a, b: v if v >= 0 else a * (math.exp(v) - 1)),
    "SELU": scalar(lambda v, a, b: b * v if v > 0 else b * (a * math.exp(v) - a)),
    "SOFTSIGN": scalar(lambda v, a, b: v / (1 + abs(v))),
    "SOFTPLUS": scalar(softplus),
    "CLIP": scalar(lambda v, a, b: min(max(v, a), b)),
    "HARD_SIGMOID": scalar(lambda v, a, b: max(0.0, min(1.0, a * v + b))),
    "SCALED_TANH": scalar(lambda v, a, b: a * math.tanh(b * v)),
    "THRESHOLDED_RELU": scalar(lambda v, a, b: v if v > a else 0.0),
    "GELU_ERF": scalar(lambda v, a, b: 0.5 * v * (1 + math.erf(v / math.sqrt(2)))),
    "GELU_TANH": scalar(lambda v, a, b: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi)
                                                                   * (v + 0.044715 * v**3)))),
}


@pytest.mark.parametrize("kind", sorted(FORMULAS))
@pytest.mark.parametrize("dtype", [np.float32, np.float16, td.bfloat16.numpy], ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_activation_matches_formula(kind, dtype, data):
    x = data.draw(arrays(dtype, shapes(max_dims=3), min_value=-20, max_value=20))
    alpha = data.draw(st.floats(-2, 2, width=32))
    beta = data.draw(st.floats(-2, 2, width=32))
    if kind == "CLIP":
        alpha, beta = min(alpha, beta), max(alpha, beta)
    if kind == "SOFTPLUS":
        beta = abs(beta) + 0.1
    got = run_layer(lambda t: td.activation(t, kind, alpha, beta), x)
    a, b = float(np.float32(alpha)), float(np.float32(beta))
    want = FORMULAS[kind](x.astype(np.float64), a, b).astype(dtype)
    tol = TOLERANCES[np.dtype(dtype)] * 4
    assert_close(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@given(data=st.data())
def test_relu_on_integers(dtype, data):
    x = data.draw(arrays(dtype, shapes()))
    got = run_layer(td.relu, x)
    np.testing.assert_array_equal(got, np.array([max(int(v), 0) for v in x.ravel()], dtype).reshape(x.shape))


@pytest.mark.parametrize("dtype", [np.float32, np.float16, td.bfloat16.numpy], ids=lambda d: np.dtype(d).name)
def test_clamping_activations_map_nan_to_their_lower_bound(dtype):
    # CLIP: observed on a TensorRT 10.16.1 engine (NVIDIA/TensorRT#4773); RELU and HARD_SIGMOID: the same
    # reading (their maximum takes the non-NaN operand)
    x = np.array([np.nan, -np.inf, np.inf, 0.25], dtype)
    relu, clip, hard, leaky = run_layer(lambda t: (
        td.relu(t), td.clip(t, -0.5, 2.0), td.hard_sigmoid(t, 0.5, 0.25), td.leaky_relu(t, 0.1)), x)
    np.testing.assert_array_equal(relu.astype(np.float64), [0, 0, np.inf, 0.25])
    np.testing.assert_array_equal(clip.astype(np.float64), [-0.5, -0.5, 2.0, 0.25])
    np.testing.assert_array_equal(hard.astype(np.float64), [0, 0, 1, 0.375])
    np.testing.assert_array_equal(leaky.astype(np.float64), [np.nan, -np.inf, np.inf, 0.25])


def test_named_helpers_set_documented_defaults():
    x = np.array([-1.0, 0.5, 2.0], np.float32)
    leaky, elu, selu, clip, hs = run_layer(
        lambda t: (td.leaky_relu(t), td.elu(t), td.selu(t), td.clip(t, -0.5, 1.0), td.hard_sigmoid(t)), x)
    np.testing.assert_allclose(leaky, [-0.01, 0.5, 2.0], rtol=1e-6)
    np.testing.assert_allclose(elu, [math.exp(-1) - 1, 0.5, 2.0], rtol=1e-6)
    np.testing.assert_allclose(selu[2], 1.0507009873554805 * 2.0, rtol=1e-6)
    np.testing.assert_allclose(clip, [-0.5, 0.5, 1.0])
    np.testing.assert_allclose(hs, [0.3, 0.6, 0.9], rtol=1e-6)


def test_gelu_approximations_differ_slightly():
    x = np.linspace(-4, 4, 41, dtype=np.float32)
    exact, approx = run_layer(lambda t: (td.gelu(t), td.gelu(t, approximate="tanh")), x)
    assert 0 < np.max(np.abs(exact - approx)) < 1e-3


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- Activation -----------------------------------------------------------------------------------------
_A = ActivationType
ACTIVATION_PARAMS: dict[ActivationType, list[tuple[float, float]]] = {
    _A.RELU: [(0.0, 0.0)],
    _A.SIGMOID: [(0.0, 0.0)],
    _A.TANH: [(0.0, 0.0)],
    _A.LEAKY_RELU: [(0.1, 0.0)],
    _A.ELU: [(0.7, 0.0)],
    _A.SELU: [(1.6732632423543772, 1.0507009873554805)],
    _A.SOFTSIGN: [(0.0, 0.0)],
    _A.SOFTPLUS: [(1.0, 1.0), (1.5, 0.5)],
    _A.CLIP: [(-0.5, 2.0)],
    _A.HARD_SIGMOID: [(0.2, 0.5)],
    _A.SCALED_TANH: [(1.7, 0.6)],
    _A.THRESHOLDED_RELU: [(0.5, 0.0)],
    _A.GELU_ERF: [(0.0, 0.0)],
    _A.GELU_TANH: [(0.0, 0.0)],
}


def onnx_rows() -> list[Row]:
    layers = {
        f"{kind.name}-{alpha:g}-{beta:g}": (lambda x, k=kind, a=alpha, b=beta: td.activation(x, k, a, b))
        for kind, params in ACTIVATION_PARAMS.items()
        for alpha, beta in params
    }
    rows = []
    for dtype in FLOATS:
        rows += variant_rows("activation", dtype, {"x": (dtype, ("n", 3))}, layers)
    rows += [Row(f"activation-RELU-{dtype.name}", one_input(dtype, td.relu)) for dtype in INTS]
    gelu = {kind.name: (lambda x, k=kind: td.activation(x, k)) for kind in (_A.GELU_ERF, _A.GELU_TANH)}
    rows.append(Row("activation-GELU-opset20-float32", each({"x": (td.float32, ("n", 3))}, gelu), opset=20))
    return rows


@tensorrt_case
def activations() -> td.Network:
    net = td.Network("activations")
    x = net.input("x", td.float32, ("n", 5))
    for kind in ActivationType:
        net.output(kind.name.lower(), td.activation(x, kind, 0.25, 1.5))
    h = net.input("h", td.float16, (3,))
    net.output("h_relu", td.relu(h))
    b = net.input("b", td.bfloat16, (3,))
    net.output("b_gelu", td.gelu(b))
    i = net.input("i", td.int32, (3,))
    net.output("i_relu", td.relu(i))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
# NvInfer.h ActivationType: which parameter each function reads (LeakyRelu x>=0 ? x : alpha*x; Selu
# beta*(alpha*exp(x)-alpha); Softplus alpha*log(exp(beta*x)+1); Clip max(alpha, min(beta, x)); HardSigmoid
# max(0, min(1, alpha*x+beta)); ScaledTanh alpha*tanh(beta*x); ThresholdedRelu x>alpha ? x : 0).
ACTIVATIONS = [
    ("relu", lambda x: td.relu(x), "RELU", {}),
    ("sigmoid", lambda x: td.sigmoid(x), "SIGMOID", {}),
    ("tanh", lambda x: td.tanh(x), "TANH", {}),
    ("softsign", lambda x: td.softsign(x), "SOFTSIGN", {}),
    ("leaky_relu", lambda x: td.leaky_relu(x, 0.3), "LEAKY_RELU", {"alpha": 0.3}),
    ("elu", lambda x: td.elu(x, 0.4), "ELU", {"alpha": 0.4}),
    ("selu", lambda x: td.selu(x, 1.5, 0.75), "SELU", {"alpha": 1.5, "beta": 0.75}),
    ("softplus", lambda x: td.softplus(x, 2.0, 0.5), "SOFTPLUS", {"alpha": 2.0, "beta": 0.5}),
    ("clip", lambda x: td.clip(x, -1.5, 2.5), "CLIP", {"alpha": -1.5, "beta": 2.5}),
    ("hard_sigmoid", lambda x: td.hard_sigmoid(x, 0.3, 0.6), "HARD_SIGMOID", {"alpha": 0.3, "beta": 0.6}),
    ("scaled_tanh", lambda x: td.scaled_tanh(x, 1.5, 0.5), "SCALED_TANH", {"alpha": 1.5, "beta": 0.5}),
    ("thresholded_relu", lambda x: td.thresholded_relu(x, 0.7), "THRESHOLDED_RELU", {"alpha": 0.7}),
    ("gelu", lambda x: td.gelu(x), "GELU_ERF", {}),
    ("gelu_tanh", lambda x: td.gelu(x, "tanh"), "GELU_TANH", {}),
]


for _name, _fn, _member, _params in ACTIVATIONS:
    tensorrt_expectation(f"activation_{_name}", "NvInfer.h ActivationType, IActivationLayer::setAlpha/setBeta",
        {"Activation": Layer("add_activation", {"type": f"ActivationType.{_member}", **_params}, ("x",))})(
        lambda net, fn=_fn: net.output("y", fn(net.input("x", td.float32, ("n", 3))))
    )


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "tanh": lambda e: dict(x=e.m),
    "relu": lambda e: dict(x=e.m),
    "sigmoid": lambda e: dict(x=e.m),
    "softsign": lambda e: dict(x=e.m),
    "activation": lambda e: dict(x=e.m, type="relu", alpha=0.0, beta=0.0),
    "clip": lambda e: dict(x=e.m, low=0.0, high=1.0),
    "elu": lambda e: dict(x=e.m, alpha=1.0),
    "gelu": lambda e: dict(x=e.m, approximate="tanh"),
    "hard_sigmoid": lambda e: dict(x=e.m, alpha=0.2, beta=0.5),
    "leaky_relu": lambda e: dict(x=e.m, alpha=0.1),
    "scaled_tanh": lambda e: dict(x=e.m, alpha=1.0, beta=1.0),
    "selu": lambda e: dict(x=e.m, alpha=1.0, gamma=1.0),
    "softplus": lambda e: dict(x=e.m, alpha=1.0, beta=1.0),
    "thresholded_relu": lambda e: dict(x=e.m, alpha=1.0),
}


@pytest.mark.parametrize("kind, alpha, beta", [
    ("LEAKY_RELU", 0.1, 0.0), ("LEAKY_RELU", 1.0, 0.0), ("LEAKY_RELU", 1.5, 0.0), ("LEAKY_RELU", -0.5, 0.0),
    ("LEAKY_RELU", 0.0, 0.0), ("ELU", 0.7, 0.0), ("SELU", 1.6732632, 1.0507009),
    ("THRESHOLDED_RELU", 0.5, 0.0), ("THRESHOLDED_RELU", -1.0, 0.0),
])
def test_selecting_activations_keep_signed_zeros_infinities_and_nan_on_large_inputs(kind, alpha, beta):
    # 8192 values: the reference selects by bits (or, for LEAKY_RELU with 0 < alpha <= 1, by a maximum)
    x = np.random.default_rng(5).standard_normal(8192).astype(np.float32) * 5
    x[::7], x[1::7], x[2::11], x[3::13], x[4::17] = 0.0, -0.0, np.inf, -np.inf, np.nan
    a, b = np.float32(alpha), np.float32(beta)
    with np.errstate(all="ignore"):
        want = {
            "LEAKY_RELU": lambda: np.where(x >= 0, x, a * x),
            "ELU": lambda: np.where(x >= 0, x, a * np.expm1(x)),
            "SELU": lambda: np.where(x > 0, b * x, b * (a * np.exp(x) - a)),
            "THRESHOLDED_RELU": lambda: np.where(x > a, x, np.float32(0)),
        }[kind]()
    got = run_layer(lambda t: td.activation(t, kind, alpha, beta), x)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    np.testing.assert_array_equal(got, want)  # NaN where NaN; infinities and zeros equal


def test_gelu_tanh_over_several_blocks_matches_the_formula_in_place_too():
    # 100005 values: GELU_TANH runs in blocks of 32768 through a scratch block, the last one partial
    x = (np.random.default_rng(11).standard_normal((3, 33335)) * 4).astype(np.float32)
    x.reshape(-1)[:6] = [0.0, -0.0, np.inf, -np.inf, 3e38, -3e38]  # 0.5 * x comes first: 2 * 3e38 overflows
    got = run_layer(lambda t: td.gelu(t, approximate="tanh"), x)
    v = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        want = 0.5 * v * (1 + np.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3)))
    want.reshape(-1)[3] = np.nan  # -inf * (1 + tanh(-inf)) = -inf * 0
    # for x < 0, 1 + tanh(...) cancels: float32 leaves an absolute error up to about |x| * 2**-23
    moderate = np.abs(x) < 1e3
    assert_close(got[moderate], want[moderate].astype(np.float32), rtol=4e-6,
                 atol=np.abs(x[moderate]).max() * 2.0**-22)
    np.testing.assert_array_equal(got[~moderate], want[~moderate].astype(np.float32))
    in_place = x.copy()
    with np.errstate(invalid="ignore", over="ignore"):  # -inf * 0, x**3 of 3e38: the interpreter allows them
        (y,) = Activation(ActivationType.GELU_TANH).in_place(0)(in_place)
    assert y is in_place and np.array_equal(y.view(np.uint32), got.view(np.uint32))
