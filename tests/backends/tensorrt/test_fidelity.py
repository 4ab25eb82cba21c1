"""Where the TensorRT lowering departs from a one-to-one mapping to follow TensorRT's documented rules:
each case is lowered into the stand-in of TensorRT 10.16 and 11.4 and the layers it wrote are read back
(the round trip to the same IR is tests/backends/tensorrt/test_roundtrip.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends.tensorrt.irmatch import assert_same_ir
from support import expect_error, line_of

import trtdsl as td
from trtdsl.backends.tensorrt import api, lower, raise_network, standin
from trtdsl.backends.tensorrt.api import TensorRT

VERSIONS = ("10.16", "11.4")


def layers(lowered) -> list:
    """The layers of a lowered network, each viewed as its own class."""
    network, api = lowered.network, lowered.api
    found = [network.get_layer(i) for i in range(network.num_layers)]
    for layer in found:
        layer.__class__ = api.layer_class(api.layer_type(layer))
    return found


def kind(trt, layer) -> str:
    return TensorRT(trt).layer_type(layer)


@pytest.mark.parametrize("version", VERSIONS)
def test_an_int64_shape_output_is_cast_to_int32(version):
    # NvInfer.h (10.16 and 11.1), markOutputForShapes: "The tensor must be of type DataType::kINT32"
    trt = standin.module(version)
    net = td.Network("s")
    x = net.input("x", td.float32, ("n", 3))
    net.mark_output_for_shapes("dims", td.shape_of(x))
    net.mark_output_for_shapes("dims32", td.cast(td.shape_of(x), td.int32))
    lowered = lower(net, trt)
    outputs = [lowered.network.get_output(i).name for i in range(lowered.network.num_outputs)]
    assert outputs == ["dims", "dims32"]
    producers = {layer.get_output(0).name: layer for layer in layers(lowered)}
    cast = producers["dims"]
    assert kind(trt, cast) == "CAST" and cast.to_type == trt.int32
    assert cast.get_input(0).name == "dims.int64" and kind(trt, producers["dims.int64"]) == "SHAPE"
    assert kind(trt, producers["dims32"]) == "CAST"  # the user's own cast, not a second one
    assert [kind(trt, layer) for layer in producers.values()].count("CAST") == 2


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("dtype", [td.float16, td.bfloat16])
def test_a_16_bit_normalization_is_computed_in_float32(version, dtype):
    # strongly typed networks normalize in the input's type (NvInfer.h 10.16, setComputePrecision)
    trt = standin.module(version)
    net = td.Network("n")
    x = net.input("x", dtype, (2, 4))
    scale = net.input("scale", dtype, (1, 4))
    net.output("y", td.normalization(x, scale, scale, axes=1))
    written = [(kind(trt, layer), layer) for layer in layers(lower(net, trt))]
    assert [k for k, _ in written] == ["CAST", "CAST", "CAST", "NORMALIZATION", "CAST"]
    assert all(layer.to_type == trt.float32 for _, layer in written[:3])
    assert written[4][1].to_type == TensorRT(trt).dtype(dtype)
    assert written[4][1].get_output(0).name == "y"


@pytest.mark.parametrize("version", VERSIONS)
def test_a_float32_normalization_is_one_layer(version):
    trt = standin.module(version)
    net = td.Network("n")
    x = net.input("x", td.float32, (2, 4))
    net.output("y", td.layer_norm(x, np.ones(4, np.float32), np.zeros(4, np.float32)))
    written = [kind(trt, layer) for layer in layers(lower(net, trt))]
    assert written == ["CONSTANT", "CONSTANT", "NORMALIZATION"]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_resize_by_scales_gets_its_output_dims(version):
    # how TensorRT uses a scale where in * scale is not an integer is undocumented: the dims are given
    trt = standin.module(version)
    net = td.Network("r")
    x = net.input("x", td.float32, (1, 1, 5, 7))
    net.output("y", td.resize(x, scales=(1, 1, 1.1, 0.3), mode="linear"))
    (resize,) = layers(lower(net, trt))
    assert tuple(resize.shape) == (1, 1, 5, 2) and list(resize.scales) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_dynamic_dims_resized_by_scales_are_computed_exactly(version):
    trt = standin.module(version)
    net = td.Network("r")
    x = net.input("x", td.float32, (1, 1, "h", "w"))
    scales = (1.0, 1.0, 1.1, 2.5)
    net.output("y", td.resize(x, scales=scales))
    written = {layer.name.split(" ")[0]: layer for layer in layers(lower(net, trt))}
    resize = next(layer for layer in written.values() if kind(trt, layer) == "RESIZE")
    node = resize.name.split(" ")[0]
    assert list(resize.scales) == [] and resize.get_input(1).name == f"{node}.dims"
    assert kind(trt, written[f"{node}.dims"]) == "ELEMENTWISE"
    numerators = written[f"{node}.dims.numerators"].weights
    denominators = written[f"{node}.dims.denominators"].weights
    for h in range(0, 40):
        dims = np.array([1, 1, h, h + 3], np.int64)
        want = [int(np.floor(np.float64(d) * np.float64(np.float32(s)))) for d, s in zip(dims, scales)]
        assert list(dims * numerators // denominators) == want


def test_the_version_floor_is_the_newest_api_and_the_package_requirement():
    floor = ".".join(map(str, api.MINIMUM_VERSION))
    assert api.MINIMUM_VERSION == (10, 15) == max(api.API_SINCE.values())
    pyproject = (Path(__file__).parents[3] / "pyproject.toml").read_text()
    assert f'"tensorrt>={floor}"' in pyproject


def test_an_older_tensorrt_is_refused_naming_what_it_lacks():
    trt = standin.module("10.16")
    trt.__version__ = "10.14.1.48"
    net = td.Network("n")
    net.output("y", td.relu(net.input("x", td.float32, (2,))))
    expect_error(
        td.BackendError,
        "TensorRT 10.14.1.48 is too old: trtdsl's TensorRT backend needs TensorRT 10.15 or newer, for "
        "IDequantizeLayer.block_shape, IDynamicQuantizeLayer.block_shape, "
        "INetworkDefinition.add_dynamic_quantize_v2, INetworkDefinition.add_kv_cache_update, "
        "INetworkDefinition.add_normalization_v2, INetworkDefinition.add_rotary_embedding, "
        "INormalizationLayer.is_v2, IQuantizeLayer.block_shape (pip install 'tensorrt>=10.15')",
        lambda: lower(net, trt),
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_static_fill_parameters_keep_their_type(version):
    # the bindings set int64 alpha/beta for a Python int (exact past 2**53) and double for a float
    trt = standin.module(version)
    net = td.Network("f")
    x = net.input("x", td.float32, (2,))
    net.output("ints", td.fill((3,), "linspace", 2**53 + 1, 2, td.int64, like=x))
    net.output("floats", td.fill((3,), "linspace", 1, 2, td.float32, like=x))
    ints, floats = layers(lower(net, trt))[:2]
    assert (type(ints.alpha), ints.alpha, type(ints.beta)) == (int, 2**53 + 1, int)
    assert (type(floats.alpha), type(floats.beta)) == (float, float)


@pytest.mark.parametrize("version", VERSIONS)
def test_topk_uses_the_five_argument_add_topk(version):
    # NvInfer.h (10.14 on) deprecates the four-argument addTopK
    trt = standin.module(version)
    net = td.Network("t")
    values, indices = td.topk(net.input("x", td.float32, (2, 5)), 3, axis=1, indices_dtype=td.int64)
    net.output("v", values)
    net.output("i", indices)
    lower(net, trt)
    (call,) = [c for c in trt.calls if c.member == "add_topk"]
    assert call.args == ("input", "op", "k", "axes", "indices_type")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_per_tensor_scale_of_shape_1_is_given_as_a_scalar(version):
    # NvInfer.h IQuantizeLayer: "The scale value must be a scalar for per-tensor quantization"
    trt = standin.module(version)
    net = td.Network("q")
    w = net.constant(np.ones((2, 4), np.float32))
    scale = net.constant(np.array([0.5], np.float32))
    zero = net.constant(np.zeros(1, np.int8))
    net.output("y", td.dequantize(td.quantize(w, scale, zero_point=zero), scale, zero_point=zero))
    lowered = lower(net, trt)
    written = {layer.name.split(" ")[0]: layer for layer in layers(lowered)}
    shuffles = {name: layer for name, layer in written.items() if kind(trt, layer) == "SHUFFLE"}
    assert sorted(shuffles) == [f"{q}.{role}.scalar" for q in ("dequantize_0", "quantize_0")
                                for role in ("scale", "zero_point")]
    assert all(tuple(layer.reshape_dims) == () for layer in shuffles.values())
    quantize = written["quantize_0"]
    names = [quantize.get_input(i).name for i in (1, 2)]
    assert names == ["quantize_0.scale.scalar", "quantize_0.zero_point.scalar"]
    assert_same_ir(net, raise_network(lowered.network, trt))


@pytest.mark.parametrize("dtype", [td.float8_e4m3, td.int4, td.float4_e2m1])
def test_quantized_constants_are_only_dequantize_data(dtype):
    # TensorRT's Explicit Quantization guide: pre-quantized weights need an IDequantizeLayer
    trt = standin.module("11.4")
    values = np.ones((2, 4), np.float32).astype(dtype.numpy)
    net = td.Network("w")
    w = net.constant(values, name="w")
    net.output("y", td.dequantize(w, np.float32(0.5)))
    lower(net, trt)
    net.output("moved", td.reshape(w, (4, 2)))  # the reshape
    expect_error(
        td.BackendError,
        f"tensorrt: constant w ({dtype.name}) is input 0 of Shuffle (layer shuffle_0); TensorRT takes "
        f"{dtype.name} weights only as input 0 of Dequantize (dequantize them first with td.dequantize)",
        lambda: lower(net, trt),
        line=line_of("the reshape"),
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_branches_of_different_lengths_lower_and_raise(version):
    # NvInfer.h IIfConditional: the outputs of the two subgraphs have "the same type and rank"
    trt = standin.module(version)
    net = td.Network("lengths")
    x = net.input("x", td.float32, (3,))
    with td.If(net.input("go", td.bool, ())) as branch:
        with branch.then_():
            t = x * 2.0
        with branch.else_():
            f = x[:2] + 1.0
        y = branch.output(t, f)
    net.output("y", y)
    again = raise_network(lower(net, trt).network, trt)
    assert_same_ir(net, again)
    assert str(again.outputs["y"].type) == "f32[if_0#3|2]"
