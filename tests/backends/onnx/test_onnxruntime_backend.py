"""The onnxruntime backend: the backend interface, inputs and outputs of every dtype onnxruntime can move,
the session cache, and errors that name the trtdsl layer."""

import ml_dtypes
import numpy as np
import onnx
import pytest
from support import expect_error

import trtdsl as td
from trtdsl.backends import get_backend, nibbles
from trtdsl.backends import onnxruntime as ort_backend
from trtdsl.backends.onnxruntime import MissingKernel
from trtdsl.errors import ExecutionError, InputError


def identity_network(dtype):
    net = td.Network("io")
    net.output("y", td.identity(net.input("x", dtype, ("n",))))
    return net


@pytest.mark.parametrize(
    "dtype",
    [td.float32, td.float16, td.bfloat16, td.int32, td.int64, td.bool_, td.int8, td.uint8, td.float8_e4m3],
    ids=str,
)
def test_values_of_every_movable_dtype_round_trip_bit_for_bit(dtype):
    values = np.array([1, -2, 0.5, 3, -1, 0, 7], np.float32)
    if dtype.numpy.kind in "iub":
        values = np.abs(values) if dtype is td.uint8 else values
    x = values.astype(dtype.numpy)
    got = identity_network(dtype).run({"x": x}, backend="onnxruntime")["y"]
    assert got.dtype == x.dtype and got.shape == x.shape
    assert got.tobytes() == x.tobytes()


def test_packed_4_bit_values_match_onnxs_own_packing():
    for dtype in (ml_dtypes.int4, ml_dtypes.float4_e2m1fn):
        values = np.array([1, -2, 0.5, 3, -1, 0, 6], np.float32).astype(dtype)
        stored = np.frombuffer(onnx.numpy_helper.from_array(values).raw_data, np.uint8)
        assert nibbles.pack(values).tobytes() == stored.tobytes()
        assert nibbles.unpack(stored, values.size).view(dtype).tolist() == values.tolist()


def test_int4_outputs_are_unpacked():
    net = td.Network("q")
    x = net.input("x", td.float32, (1,))
    w = net.constant(np.array([1, -2, 0.5, 3.4, -9, 7, 2], np.float32))
    net.output("q4", td.quantize(w, np.float32(1.0), td.int4))
    net.output("y", x + 1.0)
    got = net.run({"x": np.zeros(1, np.float32)}, backend="onnxruntime")["q4"]
    assert got.dtype == ml_dtypes.int4 and got.tolist() == [1, -2, 0, 3, -8, 7, 2]  # 0.5 rounds half to even


def test_scalars_keep_their_rank():
    net = td.Network("s")
    a = net.input("a", td.int32, ())
    net.output("y", a * 2)
    assert net.run({"a": np.int32(4)}, backend="onnxruntime")["y"].shape == ()


def test_backend_interface_and_session_cache():
    net = identity_network(td.float32)
    module = get_backend("onnxruntime")
    assert module is ort_backend
    x = np.arange(3, dtype=np.float32)
    assert module.run(net, {"x": x})["y"].tolist() == [0.0, 1.0, 2.0]
    exported, session = ort_backend._session(net, None, 1, False)
    module.run(net, {"x": x})
    assert ort_backend._session(net, None, 1, False) == (exported, session)
    net.output("z", td.exp(net.inputs["x"]))  # a change makes a new export
    assert ort_backend._session(net, None, 1, False)[0] is not exported


def test_inputs_are_checked_as_the_reference_checks_them():
    net = identity_network(td.float32)
    expect_error(
        InputError,
        "run: input 'x' has dtype float64; expected float32 (td.float32). Convert it with .astype('float32')",
        lambda: net.run({"x": np.zeros(2)}, backend="onnxruntime"),
    )


def test_an_unknown_option_is_named():
    net = identity_network(td.float32)
    expect_error(
        td.ArgumentError,
        "run: backend 'onnxruntime' has no option 'opsett'; its options are opset, threads and optimize",
        lambda: net.run({"x": np.zeros(2, np.float32)}, backend="onnxruntime", opsett=18),
    )


def test_a_missing_kernel_names_the_op_the_dtype_and_the_layer():
    net = td.Network("bf")
    x = net.input("x", td.bfloat16, (2,))
    net.output("y", x + x)
    with pytest.raises(MissingKernel) as info:
        net.run({"x": np.zeros(2, ml_dtypes.bfloat16)}, backend="onnxruntime")
    gap = info.value
    assert (gap.op_type, gap.dtype, gap.layer.name) == ("Add", "bfloat16", "sum_0")
    assert (
        gap.message
        == "onnxruntime has no CPU kernel for ONNX Add on bfloat16, written for layer sum_0 "
        "(ElementWise[SUM])"
    )


def test_a_missing_kernel_inside_an_onnx_function_names_the_function_op():
    net = td.Network("fn")
    net.output("y", td.leaky_relu(net.input("x", td.bfloat16, (2,))))
    with pytest.raises(MissingKernel) as info:
        net.run({"x": np.zeros(2, ml_dtypes.bfloat16)}, backend="onnxruntime")
    assert (info.value.op_type, info.value.dtype) == ("LeakyRelu", "bfloat16")
    assert "expands it to Less" in info.value.message


@td.plugin("ortgap::doubled")
class _Doubled:
    def shape(self, x):
        return x

    def reference(self, x):
        return x * 2


def test_a_plugin_inside_a_loop_body_is_a_missing_kernel_naming_its_layer():
    net = td.Network("plugin_in_loop")
    rows = net.input("rows", td.float32, (3, 2))
    total = td.scan(lambda carry, row: (carry + _Doubled()(row), carry), net.constant(np.zeros(2, np.float32)),
                    rows)[0]
    net.output("y", total)
    with pytest.raises(MissingKernel) as info:
        net.run({"rows": np.ones((3, 2), np.float32)}, backend="onnxruntime")
    assert info.value.layer.op.kind == "PluginV3"
    assert info.value.message == ("onnxruntime has no kernel for trt.plugins:doubled (written for layer "
                                  "doubled_0, PluginV3[ortgap::doubled])")


def test_a_failure_while_running_names_the_layer():
    net = td.Network("it")
    xs = net.input("xs", td.float32, ("n", 3))
    with td.Loop(trip_count=3) as loop:  # iterates past the extent of xs when n < 3
        row = loop.iterate(xs)
        out = loop.collect(row + 1.0)
    net.output("y", out)
    with pytest.raises(ExecutionError) as info:
        net.run({"xs": np.zeros((2, 3), np.float32)}, backend="onnxruntime")
    assert info.value.message.startswith("onnxruntime failed in layer ")
