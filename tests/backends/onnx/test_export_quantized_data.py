"""The export of layers that move fp8 and int4 data (Slice, Gather, Shuffle, Squeeze, Unsqueeze), which
ONNX's Slice, Gather and Where take at no opset (Transpose, Squeeze and Unsqueeze take fp8 from opset 21):
the data is moved as float32 between a DequantizeLinear and a QuantizeLinear of scale 1, exactly, so the
model passes ONNX's checker and onnxruntime gives the values NumPy gives on the quantized values."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import onnx
import pytest
from support import error_line, expect_error

import trtdsl as td
from trtdsl.backends.onnx import graph
from trtdsl.errors import BackendError

# fp8 values with the cases a conversion could lose: signed zeros, NaN, the extremes, subnormals
X = np.array([[0.0, -0.0, np.nan, 448.0, 1.5],
              [-448.0, 2.0**-9, -2.0**-9, 1.125, -6.5],
              [3.0, -0.5, 240.0, -13.0, 0.0625]], np.float32)
FP8 = X.astype(ml_dtypes.float8_e4m3fn).astype(np.float32)  # what quantizing with scale 1 keeps
INDICES = np.array([2, -1, 0, 5], np.int32)  # -1 from the back; 5 is out of range: TensorRT reads 0

# (name, how the fp8 tensor is moved, the same on the float32 values in NumPy)
FP8_MOVES = [
    ("slice", lambda q: q[:, 1:4], lambda v: v[:, 1:4]),
    ("reversed", lambda q: q[::-1, ::-2], lambda v: v[::-1, ::-2]),
    ("transpose", lambda q: td.transpose(q, (1, 0)), lambda v: v.T),
    ("unsqueeze", lambda q: td.unsqueeze(q, (1,)), lambda v: v[:, None]),
    ("squeeze", lambda q: td.squeeze(q[1:2], (0,)), lambda v: v[1]),
    ("take", lambda q: td.take(q, INDICES, axis=1),
     lambda v: np.where(INDICES < 5, v[:, np.minimum(INDICES, 4)], 0)),
    ("take_along_axis", lambda q: td.take_along_axis(q, np.array([[4, 0], [1, 1], [3, 2]], np.int32), 1),
     lambda v: np.take_along_axis(v, np.array([[4, 0], [1, 1], [3, 2]]), 1)),
    ("gather_nd", lambda q: td.gather_nd(q, np.array([[2, 1], [0, 3]], np.int32)),
     lambda v: v[[2, 0], [1, 3]]),
    ("fill", lambda q: td.slice(q, (-1, 3), (5, 3), (1, 1), mode="fill"),
     lambda v: np.pad(v, ((1, 1), (0, 1)))[:, 3:6]),
]


def fp8_network(move) -> td.Network:
    net = td.Network("fp8")
    x = net.input("x", td.float32, X.shape)
    one = net.constant(np.float32(1.0))
    net.output("y", td.dequantize(move(td.quantize(x, one, td.float8_e4m3)), one))
    return net


def checked(net: td.Network, **kwargs) -> onnx.ModelProto:
    model = net.to_onnx(**kwargs)
    onnx.checker.check_model(model, full_check=True)
    return model


@pytest.mark.parametrize("name, move, expected", FP8_MOVES, ids=[m[0] for m in FP8_MOVES])
def test_fp8_data_is_moved_as_float32_at_opset_19(name, move, expected):
    net = fp8_network(move)
    model = checked(net)
    assert model.opset_import[0].version == 19
    got = net.run({"x": X}, backend="onnxruntime")["y"]
    want = expected(FP8).astype(np.float32)
    assert got.tobytes() == want.tobytes()  # NaN and -0.0 included
    assert net.run({"x": X})["y"].tobytes() == want.tobytes()


def test_from_opset_21_fp8_goes_through_transpose_as_it_is():
    net = fp8_network(lambda q: td.transpose(q, (1, 0)))
    ops = [n.op_type for n in checked(net, opset=21).graph.node]
    assert ops == ["QuantizeLinear", "Transpose", "DequantizeLinear"]
    assert [n.op_type for n in checked(net).graph.node].count("QuantizeLinear") == 2  # opset 19


def test_an_fp8_fill_value_beyond_fp8_is_nan_as_on_the_reference():
    """A float32 fill value is converted as the reference converts (to nearest, NaN beyond fp8's range),
    not saturated as ONNX's Cast does by default."""
    def build(value):
        net = td.Network("fill")
        x = net.input("x", td.float32, (1, 2))
        one = net.constant(np.float32(1.0))
        q = td.quantize(x, one, td.float8_e4m3)
        fill = net.constant(np.float32(value))
        net.output("y", td.dequantize(td.slice(q, (0, -1), (1, 4), (1, 1), mode="fill", fill=fill), one))
        return net

    for value, converted in [(1000.0, np.nan), (0.3, 0.3125), (-460.0, -448.0)]:
        got = build(value).run({"x": np.array([[1.0, 2.0]], np.float32)}, backend="onnxruntime")["y"]
        np.testing.assert_array_equal(got, [[converted, 1.0, 2.0, converted]])


def int4_network(move) -> td.Network:
    net = td.Network("int4")
    weights = net.constant(np.arange(-8, 8, dtype=np.float32).reshape(4, 4))
    one = net.constant(np.float32(1.0))
    net.output("y", td.dequantize(move(td.quantize(weights, one, td.int4)), one))
    return net


@pytest.mark.parametrize("move, expected", [
    (lambda q: q[:, 1:3], lambda w: w[:, 1:3]),
    (lambda q: td.take(q, np.array([3, 0, -1], np.int32), axis=0), lambda w: w[[3, 0, -1]]),
    (lambda q: td.transpose(q, (1, 0)), lambda w: w.T),
], ids=["slice", "take", "transpose"])
def test_int4_weights_are_moved_at_opset_21(move, expected):
    net = int4_network(move)
    assert checked(net).opset_import[0].version == 21
    weights = np.arange(-8, 8, dtype=np.float32).reshape(4, 4)
    np.testing.assert_array_equal(net.run({}, backend="onnxruntime")["y"], expected(weights))


def test_a_dtype_that_onnx_cannot_move_is_an_export_error(monkeypatch):
    """A dtype an ONNX op does not take and that is not quantized (here float16, as if Slice did not take
    it) has no exact float32 detour: a BackendError naming the layer, the dtype and the user's line."""
    real = graph.accepts
    monkeypatch.setattr(graph, "accepts",
                        lambda op, opset, dtype, i=0: op != "Slice" and real(op, opset, dtype, i))

    def call():
        net = td.Network("e")
        x = net.input("x", td.float16, (4,))
        net.output("y", x[1:3])  # located
        return net.to_onnx()

    line = error_line(call)
    expect_error(BackendError, f"onnx export: Slice (layer slice_0, created at {__file__}:{line}) has dtype "
                 "float16, which ONNX Slice (opset 17) does not take", call, line=line)
