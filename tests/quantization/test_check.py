"""td.quantization.check: each rule on a network that breaks it, with its layer and the user's line, and
no findings on the placement TensorRT's Developer Guide recommends."""

import inspect

import numpy as np

import trtdsl as td
from trtdsl.layers.quantize import Dequantize, Quantize

RNG = np.random.default_rng(0)
KERNEL = RNG.normal(size=(4, 2, 3, 3)).astype(np.float32)
KERNEL_SCALES = np.abs(KERNEL).max(axis=(1, 2, 3)) / 127


def line_of(marker: str) -> int:
    """The line number of the line in this file that ends with ``# marker``."""
    lines, _ = inspect.getsourcelines(inspect.getmodule(line_of))
    return next(number for number, text in enumerate(lines, 1) if text.rstrip().endswith(f"# {marker}"))


def only(report, rule):
    found = [f for f in report if f.rule == rule]
    assert len(found) == 1, str(report)
    return found[0]


def net_with_input(shape=(1, 2, 6, 6)):
    net = td.Network("c")
    return net, net.input("x", td.float32, shape)


def test_recommended_placement_has_no_findings():
    net, x = net_with_input()
    w = td.fake_quant(net.constant(KERNEL), KERNEL_SCALES, axis=0)
    y = td.relu(td.conv(td.fake_quant(x, 0.05), w, np.zeros(4, np.float32), padding=1))
    skip = td.fake_quant(net.constant(np.ones((1, 4, 6, 6), np.float32)), 0.01)
    pointwise = td.fake_quant(net.constant(np.ones((4, 4, 1, 1), np.float32)), [0.01] * 4, axis=0)
    z = td.conv(td.fake_quant(y, 0.1), pointwise)
    out = td.quantize(z + skip, 0.2)  # conv + add with both add inputs quantized, then Q: fuses
    flat = td.dequantize(out, 0.2).reshape(1, -1)  # the DQ reaches the matmul through the reshape
    weights = td.fake_quant(net.constant(np.ones((144, 3), np.float32)), [0.01] * 3, axis=1)
    net.output("y", flat @ weights)
    report = td.quantization.check(net)
    assert report.rules() == [], str(report)
    assert str(report) == "no Q/DQ placement findings"


def test_float_network_has_no_findings():
    net, x = net_with_input()
    net.output("y", td.conv(x, KERNEL))
    assert len(td.quantization.check(net)) == 0


def test_per_channel_scales_on_an_activation_are_an_error():
    net, x = net_with_input((2, 3))
    scale = net.constant(np.array([1.0, 2.0, 3.0], np.float32))
    q = net.add1(Quantize(td.int8, 1), (x, scale))  # marker: per-channel
    net.output("y", net.add1(Dequantize(td.float32, 1), (q, scale)))
    report = td.quantization.check(net)
    assert report.rules() == ["per-channel-activation", "per-channel-activation"]
    first = report.findings[0]
    assert (first.severity, first.node, first.location.line) == ("error", q.producer.name, line_of("marker: "
                                                                                                   "per-channel"))
    assert first.message == ("axis is 1; expected None (a per-tensor scale) for %x, which is computed from "
                             "network inputs: TensorRT allows per-channel scales only on weights (inputs "
                             "computed from constants)")
    assert str(first).startswith(f"{__file__}:{first.location.line}: error[per-channel-activation] layer "
                                 "quantize_0: ")
    assert report.errors == report.findings


def test_int4_activation_and_bad_constant_scale_and_zero_points_are_errors():
    net, x = net_with_input((2, 64))
    zero = net.constant(np.array(0.0, np.float32))
    q = net.add1(Quantize(td.int4, -1, (1, 64)), (x, net.constant(np.ones((2, 1), np.float32))))
    bad = net.add1(Quantize(td.int8), (x, zero))
    zp_input = net.input("zp", td.int8, ())
    from_input = net.add1(Quantize(td.int8), (x, net.constant(np.float32(1)), zp_input))
    three = net.constant(np.array(3, np.int8))
    nonzero = net.add1(Quantize(td.int8), (x, net.constant(np.float32(1)), three))
    for t in (q, bad, from_input, nonzero):
        net.output(t.name + "_out", t)
    report = td.quantization.check(net)
    assert [(f.rule, f.node) for f in report] == [
        ("int4-activation", q.producer.name),
        ("scale-not-positive", bad.producer.name),
        ("zero-point-not-constant", from_input.producer.name),
        ("zero-point-not-zero", nonzero.producer.name),
    ]
    assert report.findings[1].message == "scale is 0.0; expected finite, strictly positive coefficients"
    assert report.findings[3].message == ("zero_point is 3; expected zeros: TensorRT supports symmetric "
                                          "quantization only")


def test_scale_from_a_network_input_is_a_warning_but_dynamic_scales_are_not():
    net, x = net_with_input((2, 32))
    s = net.input("s", td.float32, ())
    net.output("q", td.quantize(x, s))  # marker: runtime scale
    q, scales = td.dynamic_quantize(x, 16)
    net.output("y", td.dequantize(q, td.dequantize(scales, 1.0), block_shape=(1, 16)))
    finding = only(td.quantization.check(net), "scale-not-constant")
    assert (finding.severity, finding.location.line) == ("warning", line_of("marker: runtime scale"))
    assert finding.message == ("the scale %s is computed from network inputs; TensorRT documents Q/DQ "
                               "scales as build-time constants (dynamic scales come from "
                               "td.dynamic_quantize)")


def test_convolution_with_one_input_quantized():
    net, x = net_with_input()
    y = td.conv(td.fake_quant(x, 0.05), KERNEL)  # marker: partial
    net.output("y", y)
    finding = only(td.quantization.check(net), "partially-quantized")
    assert (finding.severity, finding.node) == ("warning", "conv_0")
    assert finding.location.line == line_of("marker: partial")
    assert finding.message.startswith("input %constant_1 does not come through Q/DQ while the other input "
                                      "does")


def test_float_layer_in_a_quantized_network_is_advice():
    net, x = net_with_input()
    w = td.fake_quant(net.constant(KERNEL), KERNEL_SCALES, axis=0)
    h = td.conv(td.fake_quant(x, 0.05), w, padding=1)
    net.output("y", td.conv(h, np.ones((1, 4, 3, 3), np.float32)))
    finding = only(td.quantization.check(net), "not-quantized")
    assert (finding.severity, finding.node) == ("info", "conv_1")
    assert finding.message.startswith("inputs %conv_0 and %constant_3 do not come through Q/DQ")


def test_weight_scales_along_the_reduced_axis():
    net, x = net_with_input((5, 8))
    w = np.ones((8, 3), np.float32)
    along_k = td.fake_quant(net.constant(w), [0.01] * 8, axis=0)
    along_n = td.fake_quant(net.constant(w), [0.01] * 3, axis=1)
    transposed = td.fake_quant(net.constant(w.T.copy()), [0.01] * 3, axis=0)
    a = td.fake_quant(x, 0.1)
    net.output("k", a @ along_k)  # marker: reduced axis
    net.output("n", a @ along_n)
    net.output("t", td.matmul(a, transposed, transpose_b=True))
    finding = only(td.quantization.check(net), "weights-axis")
    assert (finding.severity, finding.location.line) == ("warning", line_of("marker: reduced axis"))
    assert finding.message == ("the weights %constant_0 are scaled per channel along axis 0, which "
                               "MatrixMultiply reduces over; per-channel weight scales must be along the "
                               "output channels (axis 1) to be folded into the output")


def test_per_tensor_weights_are_advice_unless_there_is_one_channel():
    net, x = net_with_input()
    a = td.fake_quant(x, 0.05)
    net.output("y", td.conv(a, td.fake_quant(net.constant(KERNEL), 0.02)))
    net.output("z", td.conv(a, td.fake_quant(net.constant(KERNEL[:1]), 0.02)))
    finding = only(td.quantization.check(net), "weights-per-tensor")
    assert (finding.severity, finding.node) == ("info", "conv_0")


def test_dequantize_then_quantize():
    net, x = net_with_input((4,))
    q = td.quantize(x, 0.5)
    same = td.quantize(td.dequantize(q, 0.5), 0.5)  # marker: redundant
    other = td.quantize(td.dequantize(q, 0.5), 0.25, td.fp8)  # marker: requantize
    net.output("a", same)
    net.output("b", other)
    report = td.quantization.check(net)
    redundant, requantize = only(report, "redundant-dq-q"), only(report, "requantize")
    assert (redundant.severity, redundant.location.line) == ("info", line_of("marker: redundant"))
    assert (requantize.severity, requantize.location.line) == ("warning", line_of("marker: requantize"))
    assert redundant.node == same.producer.name and requantize.node == other.producer.name


def test_quantize_then_dequantize_with_another_scale():
    net, x = net_with_input((4,))
    net.output("y", td.dequantize(td.quantize(x, 0.5), 0.25))  # marker: mismatch
    net.output("z", td.dequantize(td.quantize(x, 0.5), 0.5))
    finding = only(td.quantization.check(net), "q-dq-scale-mismatch")
    assert (finding.severity, finding.location.line) == ("warning", line_of("marker: mismatch"))


def test_qdq_between_convolution_and_add():
    net, x = net_with_input()
    a = td.fake_quant(x, 0.05)
    w = td.fake_quant(net.constant(KERNEL), KERNEL_SCALES, axis=0)
    skip = td.fake_quant(net.input("skip", td.float32, (1, 4, 6, 6)), 0.1)
    y = td.fake_quant(td.conv(a, w, padding=1), 0.1, name="split")  # marker: split
    net.output("y", y + skip)
    finding = only(td.quantization.check(net), "qdq-splits-add-fusion")
    assert (finding.severity, finding.node) == ("warning", "split_q")
    assert finding.location.line == line_of("marker: split")
    assert finding.message == ("this Q/DQ pair sits between %conv_0 and the add %sum_0, so TensorRT cannot "
                               "fuse the add into the Convolution; quantize the add's other input instead")


def test_float_residual_before_a_quantized_add():
    net, x = net_with_input()
    a = td.fake_quant(x, 0.05)
    w = td.fake_quant(net.constant(KERNEL), KERNEL_SCALES, axis=0)
    skip = net.input("skip", td.float32, (1, 4, 6, 6))
    total = td.conv(a, w, padding=1) + skip  # marker: residual
    net.output("y", td.fake_quant(total, 0.1))
    biased = td.conv(a, w, padding=1) + np.ones((1, 4, 1, 1), np.float32)  # a constant bias is not a residual
    net.output("z", td.fake_quant(biased, 0.1))
    finding = only(td.quantization.check(net), "residual-not-quantized")
    assert (finding.severity, finding.node, finding.location.line) == ("warning", "sum_0", line_of("marker: "
                                                                                                   "residual"))
    assert finding.message == ("its input %skip is float, so the fused Convolution + add writes float and "
                               "the Quantize after the add does not fuse; put a Q/DQ pair on %skip")


def test_int4_blocks_of_other_sizes():
    net = td.Network("w")
    weights = net.constant(np.ones((2, 128), np.float32))
    net.output("a", td.fake_quant(weights, np.ones((2, 4), np.float32), td.int4, block_shape=(1, 32)))
    net.output("b", td.fake_quant(weights, np.ones((2, 2), np.float32), td.int4, block_shape=(1, 64)))
    net.output("c", td.fake_quant(weights, np.ones((2, 1), np.float32), td.int4, block_shape=(1, 128)))
    bare = net.add1(Dequantize(td.float32), (net.constant(np.ones((2, 128), td.int4.numpy)),
                                             net.constant(np.ones((2, 8), np.float32))))
    net.output("d", bare)  # blocks of 16 read from the scale's shape, as TensorRT does with no block shape
    report = td.quantization.check(net)
    flagged = [f.node for f in report if f.rule == "int4-block-size"]
    assert flagged == ["quantize_0", "dequantize_0", bare.producer.name]
    assert report.rules() == ["int4-block-size"] * 3
    assert report.findings[0].message == ("block_shape is (1, 32); TensorRT documents INT4 with block "
                                          "scales of 64 or 128 elements along one dim")
