"""examples/custom_plugin.py: it runs, its plugins' references agree with formulas written here, and
its registry plugin (TensorRT's InstanceNormalization_TRT) computes instance normalization."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from plugins.helpers import example
from support import arrays, assert_close, expect_error

import trtdsl as td


def test_example_runs(capsys):
    example().main()
    printed = capsys.readouterr().out
    assert "property test: the reference matches the NumPy formula" in printed
    assert "ONNX: clamp_gelu in domain trt.plugins" in printed


@given(
    x=arrays(
        np.float32,
        st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)),
        min_value=-5,
        max_value=5,
    ),
    relu=st.booleans(),
    alpha=st.floats(0, 0.5, width=32),
)
def test_instance_normalization_reference(x, relu, alpha):
    channels = x.shape[1]
    scales = tuple(float(np.float32(1 + c)) for c in range(channels))
    bias = tuple(float(np.float32(0.5 * c - 1)) for c in range(channels))
    net = td.Network("in")
    t = net.input("x", td.float32, ("n", channels, "h", "w"))
    plugin = example().InstanceNormalization(
        scales=scales, bias=bias, relu=int(relu), alpha=alpha, epsilon=1e-3
    )
    net.output("y", plugin(t))
    got = net.run({"x": x})["y"]
    want = np.empty(x.shape)
    for n in range(x.shape[0]):
        for c in range(channels):
            values = [float(v) for v in x[n, c].ravel()]
            mean = sum(values) / len(values)
            var = sum((v - mean) ** 2 for v in values) / len(values)
            for index, v in np.ndenumerate(x[n, c]):
                y = scales[c] * (float(v) - mean) / math.sqrt(var + float(np.float32(1e-3))) + bias[c]
                want[(n, c) + index] = y if (y > 0 or not relu) else float(np.float32(alpha)) * y
    assert_close(got, want.astype(np.float32), rtol=1e-4, atol=1e-4)


def test_rms_norm_checks_gamma_against_x():
    net = td.Network("rms")
    x = net.input("x", td.float32, ("b", 8))
    gamma = net.input("gamma", td.float32, (4,))
    expect_error(
        td.ShapeError,
        "mylib::rms_norm: gamma has shape (4,); expected (8,)",
        lambda: example().RmsNorm()(x, gamma),
    )
