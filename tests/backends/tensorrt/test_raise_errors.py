"""Raising TensorRT networks trtdsl cannot read: each is a BackendError naming the layer and saying why,
never an exception of TensorRT's bindings. The networks are written by hand with the stand-ins of
TensorRT 10.16 and 11.4, as a user's (or TensorRT's ONNX parser's) network would be."""

import numpy as np
import pytest
from support import expect_error

import trtdsl as td
from trtdsl.backends.tensorrt import raise_network, standin


def ragged_softmax_2d(trt, net):
    x = net.add_input("x", trt.float32, (3, 4))
    bounds = net.add_input("bounds", trt.int32, (3, 1))
    net.mark_output(net.add_ragged_softmax(x, bounds).get_output(0))


def grid_sample_wrap(trt, net):
    x, grid = net.add_input("x", trt.float32, (1, 1, 2, 2)), net.add_input("grid", trt.float32, (1, 2, 2, 2))
    layer = net.add_grid_sample(x, grid)
    layer.interpolation_mode = trt.InterpolationMode.LINEAR
    layer.align_corners = False
    layer.sample_mode = trt.SampleMode.WRAP  # IGridSampleLayer refuses it (NvInfer.h); the stand-in does not
    net.mark_output(layer.get_output(0))


def unset_property(trt, net):
    x = net.add_input("x", trt.float32, (2,))
    net.mark_output(net.add_activation(x, trt.ActivationType.ELU).get_output(0))


def computed_squeeze_axes(trt, net):
    x = net.add_input("x", trt.float32, (1, 2))
    layer = net.add_squeeze(x, net.add_input("axes", trt.int64, (1,)))
    layer.name = "sq"
    net.mark_output(layer.get_output(0))


def softmax_over_two_axes(trt, net):
    layer = net.add_softmax(net.add_input("x", trt.float32, (2, 3)))
    layer.axes = 0b11
    layer.name = "sm"
    net.mark_output(layer.get_output(0))


def fp8_constant(trt, net):
    raw = np.zeros(2, np.uint8)
    layer = net.add_constant((2,), trt.Weights(trt.DataType.FP8, raw.ctypes.data, 2))
    layer.name = "k"
    net.mark_output(layer.get_output(0))


def group_normalization_v1(trt, net):
    x = net.add_input("x", trt.float32, (1, 4, 2))
    scale = net.add_input("s", trt.float32, (1, 2, 1))
    layer = net.add_normalization(x, scale, scale, 1 << 2)
    layer.epsilon = 1e-5
    layer.num_groups = 2
    layer.name = "gn"
    net.mark_output(layer.get_output(0))


def mixed_dtypes(trt, net):
    a, b = net.add_input("a", trt.float32, (2,)), net.add_input("b", trt.int32, (2,))
    layer = net.add_elementwise(a, b, trt.ElementWiseOperation.SUM)
    layer.name = "add"
    net.mark_output(layer.get_output(0))


ERRORS = [
    (ragged_softmax_2d, "raise: layer '(Unnamed Layer* 0) [RAGGED_SOFTMAX]' (RAGGED_SOFTMAX) is not a valid "
                        "trtdsl RaggedSoftMax: RaggedSoftMax: input 'x' has shape (3, 4); expected rank 3 (B, Z, "
                        "S): NvInfer.h addRaggedSoftMax"),
    (grid_sample_wrap, "(Unnamed Layer* 0) [GRID_SAMPLE]: TensorRT's SampleMode.WRAP has no trtdsl equivalent"),
    (
        unset_property,
        "raise: reading layer '(Unnamed Layer* 0) [ACTIVATION]' (ACTIVATION) failed: StandInError: "
        "IActivationLayer.alpha was read before it was set; the stand-in does not know TensorRT {version}'s "
        "default for it",
    ),
    (
        computed_squeeze_axes,
        "raise: layer 'sq' takes its axes (input 1) from a computed tensor; trtdsl holds the axes as a "
        "parameter of the op, read from a constant layer",
    ),
    (
        softmax_over_two_axes,
        "raise: softmax layer 'sm' has axes mask 0b11; trtdsl's op takes exactly one axis",
    ),
    (
        fp8_constant,
        "raise: constant layer 'k' holds FP8 weights, which TensorRT's Python API cannot read back "
        "(Weights.numpy() supports only the types NumPy has)",
    ),
    (
        group_normalization_v1,
        "raise: normalization layer 'gn' was added with addNormalization (V1), whose group normalization "
        "takes per-group scale and bias; trtdsl's op is addNormalizationV2's (per channel)",
    ),
    (
        mixed_dtypes,
        "raise: layer 'add' (ELEMENTWISE) is not a valid trtdsl ElementWise[SUM]: ElementWise[SUM]: inputs "
        "have dtypes float32 and int32; TensorRT networks are strongly typed, so both must be the same (cast "
        "one with td.cast)",
    ),
]


@pytest.mark.parametrize("version", ["10.16", "11.4"])
@pytest.mark.parametrize("write, message", ERRORS, ids=[e[0].__name__ for e in ERRORS])
def test_unreadable_networks(version, write, message):
    trt = standin.module(version)
    net = trt.Builder(trt.Logger()).create_network(0)
    write(trt, net)
    expect_error(td.BackendError, message.format(version=trt.__version__), lambda: raise_network(net, trt))
