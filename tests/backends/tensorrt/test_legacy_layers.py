"""Layers made with TensorRT's legacy API forms, written by hand with the stand-ins of TensorRT 10.16 and
11.4 (as an older exporter or TensorRT's ONNX parser writes them), raise to the ops of the forms trtdsl
lowers to: ``add_gather`` (mode DEFAULT, NvInfer.h ``addGather``), ``add_scale`` (channel axis
``rank - 3``, NvInfer.h ``addScale``) and ``add_dynamic_quantize`` (an axis and a block size instead of a
block shape). Each raised network is also run on the reference and compared with NumPy."""

import numpy as np
import pytest
from support import expect_error

import trtdsl as td
from trtdsl.backends.tensorrt import raise_network, standin
from trtdsl.ir.types import Weights
from trtdsl.layers.gather import Gather, GatherMode
from trtdsl.layers.quantize import DynamicQuantize
from trtdsl.layers.scale import Scale, ScaleMode

VERSIONS = ("10.16", "11.4")


def written(version, write):
    """The stand-in module of ``version`` and a network ``write(trt, net)`` filled."""
    trt = standin.module(version)
    net = trt.Builder(trt.Logger()).create_network(0)
    write(trt, net)
    return trt, net


@pytest.mark.parametrize("version", VERSIONS)
def test_add_gather_raises_as_a_default_gather(version):
    def write(trt, net):
        x = net.add_input("x", trt.float32, (3, 4))
        indices = net.add_input("i", trt.int32, (2,))
        net.mark_output(net.add_gather(x, indices, 1).get_output(0))

    ir = raise_network(*reversed(written(version, write)))
    assert ir.nodes[0].op == Gather(1, GatherMode.DEFAULT, 0)
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    indices = np.array([3, 0], np.int32)
    (y,) = ir.run({"x": x, "i": indices}).values()
    np.testing.assert_array_equal(y, x[:, [3, 0]])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("rank", [4, 5])
def test_add_scale_raises_with_channel_axis_rank_minus_3(version, rank):
    shape = (1, 2, 3, 2, 2)[5 - rank:]
    channels = shape[-3]
    scale = np.arange(1, channels + 1, dtype=np.float32)
    shift = np.full(channels, 0.5, np.float32)

    def write(trt, net):
        x = net.add_input("x", trt.float32, shape)
        net.mark_output(net.add_scale(x, trt.ScaleMode.CHANNEL, shift=shift, scale=scale).get_output(0))

    ir = raise_network(*reversed(written(version, write)))
    assert ir.nodes[0].op == Scale(ScaleMode.CHANNEL, Weights.of(shift), Weights.of(scale), None, rank - 3)
    x = np.random.default_rng(0).uniform(-2, 2, shape).astype(np.float32)
    (y,) = ir.run({"x": x}).values()
    per_channel = (channels,) + (1, 1)
    np.testing.assert_allclose(y, x * scale.reshape(per_channel) + shift.reshape(per_channel), rtol=1e-6)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("axis, block", [(-1, (1, 16)), (0, (16, 1))])
def test_add_dynamic_quantize_raises_with_its_block_shape(version, axis, block):
    def write(trt, net):
        x = net.add_input("x", trt.float32, (32, 32))
        one = net.add_constant((), np.array(1.0, np.float32)).get_output(0)
        layer = net.add_dynamic_quantize(x, axis, 16, trt.DataType.FP4, trt.DataType.FP8)
        layer.set_input(1, one)
        net.mark_output(layer.get_output(0))
        net.mark_output(layer.get_output(1))

    ir = raise_network(*reversed(written(version, write)))
    node = next(n for n in ir.nodes if n.op.kind == "DynamicQuantize")
    assert node.op == DynamicQuantize(td.fp4, td.fp8, block, v1=True)
    assert [t.shape for t in node.outputs] == [(32, 32), (32 // block[0], 32 // block[1])]


@pytest.mark.parametrize("version", VERSIONS)
def test_scale_weights_the_python_api_cannot_read(version):
    def write(trt, net):
        x = net.add_input("x", trt.bfloat16, (1, 2, 2, 2))
        raw = np.zeros(2, np.uint16)
        layer = net.add_scale_nd(x, trt.ScaleMode.CHANNEL, trt.Weights(trt.DataType.BF16, raw.ctypes.data, 2),
                                 None, None, 1)
        layer.name = "sc"
        net.mark_output(layer.get_output(0))

    trt, net = written(version, write)
    expect_error(td.BackendError, "raise: scale layer 'sc' holds BF16 shift weights, which TensorRT's Python API "
                 "cannot read back", lambda: raise_network(net, trt))
