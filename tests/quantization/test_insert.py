"""td.quantization.calibrate and insert_qdq: scales computed here with NumPy, the network's quantized
result against a NumPy simulation of Q/DQ, and the placement check on the result."""

import io
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, expect_error

import trtdsl as td
from trtdsl.errors import ArgumentError


def fake_quant(x: np.ndarray, scale: np.ndarray, limit: float) -> np.ndarray:
    """Symmetric integer fake quantization, written out: round half to even, clamp to [-limit-1, limit]."""
    q = np.clip(np.rint(x.astype(np.float32) / scale), -limit - 1, limit)
    return (q * scale).astype(np.float32)


def mlp(weights_1: np.ndarray, weights_2: np.ndarray):
    net = td.Network("mlp")
    x = net.input("x", td.float32, ("n", weights_1.shape[0]))
    h = td.relu(x @ weights_1)
    net.output("y", td.matmul(h, weights_2, transpose_b=True))
    return net, x, h


@given(data=st.data())
def test_quantized_mlp_matches_a_numpy_simulation(data):
    n, k, m, o = (data.draw(st.integers(1, 4)) for _ in range(4))
    w1 = data.draw(arrays(np.float32, (k, m), min_value=-2, max_value=2))
    w2 = data.draw(arrays(np.float32, (o, m), min_value=-2, max_value=2))  # used transposed
    batches = [data.draw(arrays(np.float32, (n, k), min_value=-10, max_value=10)) for _ in range(2)]
    net, _, _ = mlp(w1, w2)
    quantized = td.quantization.insert_qdq(net, [{"x": b} for b in batches])
    assert [node.op.kind for node in quantized] == ["MatrixMultiply", "MatrixMultiply"]

    amax_x = max(np.abs(b).max() for b in batches)
    amax_h = max(np.abs(np.maximum(b @ w1, 0)).max() for b in batches)
    tiny = 2.0**-126  # the smallest normal float32: scales never round to 0

    def scale(amax):
        return np.where(amax > 0, np.maximum(amax / 127, tiny), 1.0).astype(np.float32)

    sx, sh = scale(np.float64(amax_x)), scale(np.float64(amax_h))
    s1 = scale(np.abs(w1).max(axis=0).astype(np.float64))  # per output channel: the columns of x @ w1
    s2 = scale(np.abs(w2).max(axis=1).astype(np.float64))  # ... and the rows of w2, used as w2.T
    probe = batches[0]
    hidden = np.maximum(fake_quant(probe, sx, 127) @ fake_quant(w1, s1[None, :], 127), 0)
    want = fake_quant(hidden, sh, 127) @ fake_quant(w2, s2[:, None], 127).T
    got = net.run({"x": probe})["y"]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * (1 + np.abs(want).max()))
    assert td.quantization.check(net).rules() == []


def test_the_ir_stays_in_topological_order_and_pairs_are_shared():
    net = td.Network("shared")
    x = net.input("x", td.float32, (2, 3))
    w = np.ones((3, 3), np.float32)
    net.output("a", x @ w)
    net.output("b", x @ (2 * w))
    td.quantization.insert_qdq(net, amax={"x": 1.27})
    seen = set(net.inputs.values())
    for node in net.nodes:
        assert all(t in seen for t in node.inputs if t is not None), node
        seen.update(node.outputs)
    quantize = [n for n in net.nodes if n.op.kind == "Quantize"]
    assert len([n for n in quantize if n.inputs[0] is x]) == 1  # one pair on x for both matmuls
    scale = [n for n in quantize if n.inputs[0] is x][0].inputs[1].producer.op.weights.array
    assert scale == np.float32(0.01)
    out = net.run({"x": np.array([[0.5, -0.004, 2.0], [0.0, 0.0, 0.0]], np.float32)})
    np.testing.assert_allclose(out["a"][0], [0.5 + 1.27] * 3, rtol=1e-6)  # 2.0 saturates at 1.27


def test_fp8_scales_and_convolution_weights_per_output_channel():
    rng = np.random.default_rng(1)
    kernel = rng.normal(size=(3, 1, 2, 2)).astype(np.float32)
    kernel[1] = 0  # an all-zero channel gets scale 1
    net = td.Network("conv")
    x = net.input("x", td.float32, (1, 1, 4, 4))
    net.output("y", td.conv(x, kernel))
    td.quantization.insert_qdq(net, [{"x": np.full((1, 1, 4, 4), -3.5, np.float32)}], dtype=td.fp8)
    q_kernel = next(n for n in net.nodes if n.op.kind == "Quantize" and n.inputs[0] is not x)
    assert q_kernel.op.to_type is td.fp8 and q_kernel.op.axis == 0
    expected = np.abs(kernel).max(axis=(1, 2, 3)) / 448
    expected[1] = 1.0
    np.testing.assert_array_equal(q_kernel.inputs[1].producer.op.weights.array, expected.astype(np.float32))
    q_x = next(n for n in net.nodes if n.op.kind == "Quantize" and n.inputs[0] is x)
    assert q_x.inputs[1].producer.op.weights.array == np.float32(3.5 / 448)


def test_deconvolution_weights_per_output_channel():
    """A deconvolution's kernel is CKRS (NvInfer.h IDeconvolutionLayer::setKernelWeights): its output
    channels are axis 1. On a 1x1 input with stride 1 the output is ``einsum("c,ckrs->krs", x, w)``."""
    rng = np.random.default_rng(2)
    kernel = rng.normal(size=(2, 3, 2, 2)).astype(np.float32) * np.array([1, 10, 100], np.float32)[:, None, None]
    net = td.Network("deconv")
    x = net.input("x", td.float32, (1, 2, 1, 1))
    net.output("y", td.conv_transpose(x, kernel))
    td.quantization.insert_qdq(net, amax={"x": 2.54}, kinds=("Deconvolution",))
    q_kernel = next(n for n in net.nodes if n.op.kind == "Quantize" and n.inputs[0] is not x)
    scales = (np.abs(kernel).max(axis=(0, 2, 3)) / 127).astype(np.float32)
    assert q_kernel.op.axis == 1
    np.testing.assert_array_equal(q_kernel.inputs[1].producer.op.weights.array, scales)
    probe = np.array([1.3, -0.7], np.float32)
    got = net.run({"x": probe.reshape(1, 2, 1, 1)})["y"][0]
    want = np.einsum("c,ckrs->krs", fake_quant(probe, np.float32(0.02), 127),
                     fake_quant(kernel, scales[None, :, None, None], 127))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert td.quantization.check(net).rules() == []


def test_grouped_deconvolution_weights_per_tensor():
    """With groups, axis 1 of a CKRS kernel holds the output channels of one group only (K/groups): no
    axis is the output channels, so the scale is per tensor."""
    kernel = np.arange(16, dtype=np.float32).reshape(4, 1, 2, 2) - 8
    net = td.Network("grouped")
    x = net.input("x", td.float32, (1, 4, 3, 3))
    net.output("y", td.conv_transpose(x, kernel, groups=2))
    td.quantization.insert_qdq(net, amax={"x": 1.0}, kinds=("Deconvolution",))
    q_kernel = next(n for n in net.nodes if n.op.kind == "Quantize" and n.inputs[0] is not x)
    assert q_kernel.op.axis == -1
    assert q_kernel.inputs[1].producer.op.weights.array == np.float32(8 / 127)


def test_layers_already_quantized_are_left_alone():
    net = td.Network("done")
    x = net.input("x", td.float32, (2, 2))
    w = td.fake_quant(net.constant(np.eye(2, dtype=np.float32)), [0.01, 0.01], axis=1)
    net.output("y", td.fake_quant(x, 0.1) @ w)
    before = len(net.nodes)
    assert td.quantization.insert_qdq(net) == []
    assert len(net.nodes) == before


def test_calibrate_is_max_abs_over_batches():
    net, x, h = mlp(np.array([[1.0, -1.0]], np.float32), np.ones((1, 2), np.float32))
    batches = [{"x": np.array([[2.0]], np.float32)}, {"x": np.array([[-3.0]], np.float32)}]
    assert td.quantization.calibrate(net, batches, [x, h]) == [3.0, 3.0]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_calibrate_counts_its_batches_on_a_terminal_only(monkeypatch, terminal):
    net, x, h = mlp(np.array([[1.0, -1.0]], np.float32), np.ones((1, 2), np.float32))
    batches = [{"x": np.full((1, 1), i, np.float32)} for i in range(5)]
    screen = Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", screen)
    assert td.quantization.calibrate(net, batches, [x]) == [4.0]
    if terminal:
        assert screen.getvalue().startswith("\r\x1b[Kcalibrate: 0/5 batches")
        assert screen.getvalue().endswith("\r\x1b[Kcalibrate: 5/5 batches done\n")
    else:
        assert screen.getvalue() == ""


ROWS = [
    (ArgumentError, "insert_qdq: no amax for the activation %x (input 0 of layer matmul_0); pass "
                    "calibration batches or amax={'x': ...}",
     lambda: td.quantization.insert_qdq(mlp(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))[0])),
    (ArgumentError, "insert_qdq: argument 'dtype' is td.int4; expected td.int8 or td.float8_e4m3 (TensorRT "
                    "quantizes activations to int4 never, and to fp4 only with td.dynamic_quantize)",
     lambda: td.quantization.insert_qdq(td.Network(), dtype=td.int4)),
    (ArgumentError, "calibrate: argument 'network' is None; expected a td.Network",
     lambda: td.quantization.calibrate(None, [], [])),
    (ArgumentError, "calibrate: argument 'tensors' is 'x'; expected a list of Tensors of the network",
     lambda: td.quantization.calibrate(td.Network(), [], "x")),
    (ArgumentError, "insert_qdq: argument 'amax' is [1.0]; expected a dict of tensor name -> largest "
                    "magnitude",
     lambda: td.quantization.insert_qdq(td.Network(), amax=[1.0])),
    (ArgumentError, "insert_qdq: argument 'kinds' is 'Convolution'; expected layer kinds, such as "
                    "('Convolution', 'MatrixMultiply')",
     lambda: td.quantization.insert_qdq(td.Network(), [], kinds="Convolution")),
    (ArgumentError, "check: argument 'network' is 'net'; expected a td.Network",
     lambda: td.quantization.check("net")),
    (ArgumentError, "calibrate: argument 'batches' is None; expected an iterable of {input name: array} "
                    "dicts",
     lambda: td.quantization.calibrate(td.Network(), None, [])),
    (ArgumentError, "calibrate: argument 'batches' is {'x': 1}; expected an iterable of {input name: array} "
                    "dicts",
     lambda: td.quantization.calibrate(td.Network(), {"x": 1}, [])),
    (ArgumentError, "insert_qdq: an amax is inf; calibration data and weights must be finite",
     lambda: td.quantization.insert_qdq(mlp(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))[0],
                                        [{"x": np.array([[np.inf, 1.0]], np.float32)}])),
]


@pytest.mark.parametrize("cls, message, call_", ROWS, ids=[f"{i:02d}" for i in range(len(ROWS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


def test_layers_inside_a_loop_are_left_alone():
    net = td.Network("rnn")
    xs = net.input("xs", td.float32, (3, 2, 4))
    w = np.eye(4, dtype=np.float32)
    with td.Loop(trip_count=3) as loop:
        x = loop.iterate(xs)
        h = loop.carry(np.zeros((2, 4), np.float32))
        h.update(td.relu(x @ w + h))
        last = loop.last(h)
    net.output("y", last @ w)
    with pytest.warns(td.quantization.QuantizationWarning) as warned:
        quantized = td.quantization.insert_qdq(net, amax={last.name: 2.54})  # the line warned about
    assert [n.name for n in quantized] == [net.outputs["y"].producer.name]
    (warning,) = warned
    assert str(warning.message) == (
        "insert_qdq: 1 layer(s) of kinds ('Convolution', 'MatrixMultiply') inside loops or conditionals stay "
        "in high precision, matmul_0 of loop 'loop_0' first; quantize them with td.fake_quant on their "
        "inputs in the region's block")
    assert warning.filename == __file__ and warning.lineno == quantized[0].location.line + 2
    (finding,) = td.quantization.check(net)  # the layer left in float, with the advice that applies there
    assert (finding.rule, finding.node) == ("not-quantized", "matmul_0")
    assert finding.message.endswith("so this layer runs in float; to run it in int8/fp8, quantize them with "
                                    "td.fake_quant in the block of its loop or conditional (insert_qdq leaves "
                                    "layers there in float)")
    value = np.full((3, 2, 4), 0.5, np.float32)
    np.testing.assert_allclose(net.run({"xs": value})["y"], np.full((2, 4), 1.5), rtol=1e-6)


def test_calibration_through_a_loop_and_of_unused_tensors():
    net = td.Network("loop")
    xs = net.input("xs", td.float32, (3, 2))
    with td.Loop(trip_count=3) as loop:
        x = loop.iterate(xs)
        acc = loop.carry(np.zeros(2, np.float32))
        acc.update(acc + x)
        total = loop.last(acc)
    unused = td.relu(xs)
    net.output("y", total * 2.0)
    feeds = [{"xs": np.array([[1, -2], [3, 4], [-5, 0]], np.float32)}]
    assert td.quantization.calibrate(net, feeds, [xs, total]) == [5.0, 2.0]
    expect_error(ArgumentError, f"calibrate: %{unused.name} is not computed when the network runs (no output "
                                "depends on it, or it is inside a loop or conditional)",
                 lambda: td.quantization.calibrate(net, feeds, [unused]))
