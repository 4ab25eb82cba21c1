"""LRN: ONNX's definition (alpha divided by the window, the window centred on each channel) evaluated
with Python loops, the example of TensorRT's Operators reference, and the parameter ranges of NvInfer.h."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, expect_error, f32, run_layer

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from trtdsl.layers.lrn import LRN
from backend_rows import Row, tensorrt_expectation, Layer


def expected(x, window, alpha, beta, k):
    """``x / (k + alpha / window * s) ** beta``, ``s`` the squares summed over channels
    ``max(0, c - h) .. min(C - 1, c + h)`` of axis ``ndim - 3``, ``h = (window - 1) // 2``."""
    moved = np.moveaxis(x.astype(np.float64), x.ndim - 3, 0)
    channels = moved.shape[0]
    half = (window - 1) // 2
    out = np.empty_like(moved)
    for c in range(channels):
        for index in np.ndindex(moved.shape[1:]):
            s = sum(moved[(j,) + index] ** 2 for j in range(max(0, c - half), min(channels - 1, c + half) + 1))
            out[(c,) + index] = moved[(c,) + index] / (k + alpha / window * s) ** beta
    return np.moveaxis(out, 0, x.ndim - 3)


@given(
    x=st.integers(3, 5).flatmap(lambda rank: arrays(np.float32, st.tuples(
        *[st.integers(1, 3)] * (rank - 3), st.integers(0, 7), st.integers(1, 3), st.integers(1, 3)),
        min_value=-50, max_value=50)),
    window=st.sampled_from(range(1, 16, 2)),
    alpha=st.floats(0, 10),
    beta=st.floats(0.01, 3),
    k=st.floats(1e-5, 100),
)
def test_lrn_matches_the_onnx_definition(x, window, alpha, beta, k):
    got = run_layer(lambda t: td.lrn(t, window, alpha, beta, k), x)
    assert got.dtype == np.float32 and got.shape == x.shape
    np.testing.assert_allclose(got, expected(x, window, alpha, beta, k), rtol=1e-4, atol=1e-30)


def test_the_example_of_tensorrts_operators_reference():
    """window=3, alpha=1, beta=1, k=0.1 on channels holding 0..4 gives the page's expected values: alpha is
    divided by the window (``k + alpha * sum`` would give 1 / 5.1 = 0.196 for channel 1)."""
    x = np.repeat(np.arange(5, dtype=np.float32), 4).reshape(1, 5, 2, 2)
    got = run_layer(lambda t: td.lrn(t, 3, alpha=1, beta=1, k=0.1), x)
    page = [0.0, 0.56603765, 0.4195804, 0.3071672, 0.47430828]
    np.testing.assert_allclose(got, np.broadcast_to(np.array(page, np.float32).reshape(1, 5, 1, 1), x.shape),
                               rtol=1e-6)


def test_onnx_defaults_and_the_ir():
    net = td.Network("l")
    x = net.input("x", td.float32, ("n", 8, 4, 4))
    y = td.lrn(x, 5)
    assert net.nodes[-1].op == LRN(5, 1e-4, 0.75, 1.0) and y.type == x.type
    assert "%lrn_0 : f32[n,8,4,4] = LRN(%x, window=5, alpha=0.0001, beta=0.75, k=1.0)" in net.format(
        locations=False)


def test_an_empty_channel_axis_gives_an_empty_result():
    got = run_layer(lambda t: td.lrn(t, 3), np.zeros((2, 0, 3, 3), np.float32))
    assert got.shape == (2, 0, 3, 3)


def test_the_bounds_of_the_ranges_are_accepted():
    x = np.full((1, 2, 1, 1), 2.0, np.float32)
    got = run_layer(lambda t: td.lrn(t, 15, alpha=1e20, beta=0.01, k=1e10), x)
    assert math.isclose(got.ravel()[0], 2 / (1e10 + 1e20 / 15 * 8) ** 0.01, rel_tol=1e-5)
    run_layer(lambda t: td.lrn(t, 1, alpha=-1e20, beta=1e5, k=1e-5), x)


ERRORS = [
    (ArgumentError, "lrn: argument 'window' is 4; expected an odd int in [1, 15]",
     call(lambda x: td.lrn(x, 4), f32(1, 3, 2, 2))),
    (ArgumentError, "lrn: argument 'window' is 17; expected an odd int in [1, 15]",
     call(lambda x: td.lrn(x, 17), f32(1, 3, 2, 2))),
    (ArgumentError, "lrn: argument 'window' is True; expected an odd int in [1, 15]",
     call(lambda x: td.lrn(x, True), f32(1, 3, 2, 2))),
    (ArgumentError, "lrn: argument 'window' is 3.0; expected an odd int in [1, 15]",
     call(lambda x: td.lrn(x, 3.0), f32(1, 3, 2, 2))),
    (ArgumentError, "lrn: argument 'alpha' is 2e+20; expected a float in [-1e+20, 1e+20]",
     call(lambda x: td.lrn(x, 3, alpha=2e20), f32(1, 3, 2, 2))),
    (ArgumentError, "lrn: argument 'beta' is 0.005; expected a float in [0.01, 100000]",
     call(lambda x: td.lrn(x, 3, beta=0.005), f32(1, 3, 2, 2))),
    (ArgumentError, "lrn: argument 'k' is 0.0; expected a float in [1e-05, 1e+10]",
     call(lambda x: td.lrn(x, 3, k=0.0), f32(1, 3, 2, 2))),
    (ArgumentError, "lrn: argument 'k' is nan; expected a float in [1e-05, 1e+10]",
     call(lambda x: td.lrn(x, 3, k=float("nan")), f32(1, 3, 2, 2))),
    (ArgumentError, "lrn: argument 'alpha' is '1'; expected a float in [-1e+20, 1e+20]",
     call(lambda x: td.lrn(x, 3, alpha="1"), f32(1, 3, 2, 2))),
    (DTypeError, "LRN: input 'x' has dtype float16; expected one of float32",
     call(lambda x: td.lrn(x, 3), (td.float16, (1, 3, 2, 2)))),
    (ShapeError, "LRN: input 'x' has shape (3, 2); expected rank >= 3 (channels are the third dim from the "
                 "end)",
     call(lambda x: td.lrn(x, 3), f32(3, 2))),
    (DTypeError, "lrn: argument 'x' is [1.0]; expected a trtdsl Tensor; turn an array or a number into one with net.constant(...)", lambda: td.lrn([1.0], 3)),
    (ArgumentError, "LRN: argument 'window' is 0; expected an odd int in [1, 15]",
     call(lambda x: x.network.add1(LRN(0, 1.0, 1.0, 1.0), (x,)), f32(1, 3, 2, 2))),
    (ArgumentError, "LRN: argument 'beta' is 200000.0; expected a float in [0.01, 100000]",
     call(lambda x: x.network.add1(LRN(3, 1.0, 2e5, 1.0), (x,)), f32(1, 3, 2, 2))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    def lrns(net):
        x = net.input("x", td.float32, ("n", 6, 2, 3))
        for window, alpha, beta, k in ((1, 1e-4, 0.75, 1.0), (3, 0.5, 0.6, 2.0), (5, 2.0, 1.5, 0.5),
                                       (15, 3.0, 0.01, 1e-5)):
            net.output(f"lrn_{window}", td.lrn(x, window, alpha, beta, k))
        net.output("rank3", td.lrn(net.input("y", td.float32, (5, "h", 2)), 3, 0.1, 0.5, 1.0))
        net.output("rank5", td.lrn(net.input("z", td.float32, ("n", 2, 4, 2, 2)), 3, 0.1, 0.5, 1.0))

    # onnxruntime's LRN keeps a running sum of squares along the channels (adding the one entering the window,
    # subtracting the one leaving): relative errors of 1e-5 and more where large squares leave, and NaN for
    # a 0 whose window holds an infinity (inf - inf), where the formula gives 0; so no ±inf, and rtol 1e-4
    rows.append(Row("lrn-float32", lrns, values={"x": (-20, 20), "y": (-20, 20), "z": (-20, 20)}, special=False,
                    rtol=1e-4))
    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("lrn", "NvInfer.h addLRN(input, window, alpha, beta, k); ILRNLayer::getWindowSize/getAlpha/getBeta/getK",
     {"LRN": Layer("add_lrn", {"window_size": 5, "alpha": 2e-3, "beta": 0.6, "k": 1.5}, ("x",))})
def _(net):
    net.output("y", td.lrn(net.input("x", td.float32, ("n", 7, 3, 2)), 5, alpha=2e-3, beta=0.6, k=1.5))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "lrn": lambda e: dict(x=e.x, window=3, alpha=1e-4, beta=0.75, k=1.0),
}
