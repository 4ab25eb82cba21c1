"""Cast, Identity and Constant."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, expect_error, f32, run_layer, shapes

import trtdsl as td
from trtdsl.layers.cast import CASTABLE
import ml_dtypes
from backend_rows import Row, FLOATS, INTS, one_input, each, tensorrt_case, randn, tensorrt_expectation, Layer, Const

NUMPY_FLOATS = [np.float32, np.float16, td.bfloat16.numpy]


def c_trunc_saturate(v: float, lo: int, hi: int) -> int:
    if math.isnan(v):
        return 0
    if math.isinf(v):
        return hi if v > 0 else lo
    return min(max(int(v), lo), hi)  # int() truncates toward zero


@pytest.mark.parametrize("src", NUMPY_FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dst", [np.int32, np.int64, np.int8, np.uint8])
@given(data=st.data())
def test_float_to_int_truncates_toward_zero(src, dst, data):
    x = data.draw(arrays(src, shapes(max_dims=3), min_value=-300, max_value=300, allow_nan=True,
                         allow_inf=True))
    got = run_layer(lambda t: td.cast(t, dst), x)
    info = np.iinfo(dst)
    want = np.array([c_trunc_saturate(float(v), info.min, info.max) for v in x.ravel()], dst).reshape(x.shape)
    np.testing.assert_array_equal(got, want)


@given(x=arrays(np.float32, shapes(), allow_nan=True, allow_inf=True))
def test_float_to_bool_is_nonzero_and_back(x):
    b, f = run_layer(lambda t: (td.cast(t, td.bool), td.cast(td.cast(t, td.bool), td.float32)), x)
    want = np.array([v != 0 for v in x.ravel().tolist()], bool).reshape(x.shape)
    np.testing.assert_array_equal(b, want)
    np.testing.assert_array_equal(f, want.astype(np.float32))


@given(x=arrays(np.int64, shapes()))
def test_int64_to_int32_wraps(x):
    got = run_layer(lambda t: t.astype(td.int32), x)
    want = np.array([(int(v) + 2**31) % 2**32 - 2**31 for v in x.ravel()], np.int32).reshape(x.shape)
    np.testing.assert_array_equal(got, want)


@given(x=arrays(np.float32, shapes(), allow_inf=True))
def test_float32_to_half_rounds_to_nearest(x):
    h, bf = run_layer(lambda t: (td.cast(t, td.float16), td.cast(t, td.bfloat16)), x)
    np.testing.assert_array_equal(h, x.astype(np.float16))
    np.testing.assert_array_equal(bf.astype(np.float32), x.astype(td.bfloat16.numpy).astype(np.float32))


@given(x=arrays(np.int32, shapes()))
def test_identity_copies(x):
    np.testing.assert_array_equal(run_layer(td.identity, x), x)


def test_constant_copies_and_freezes_values():
    values = np.array([1.0, 2.0], np.float32)
    net = td.Network("c")
    c = net.constant(values)
    values[0] = 99.0
    net.output("c", c)
    assert net.run({})["c"].tolist() == [1.0, 2.0]
    with pytest.raises(ValueError):
        c.producer.op.weights.array[0] = 5


def test_constant_dtypes():
    net = td.Network("c")
    assert net.constant(1.5).dtype is td.float32
    assert net.constant([1, 2]).dtype is td.int32
    assert net.constant(np.arange(3, dtype=np.int64)).dtype is td.int64
    assert net.constant([True, False]).dtype is td.bool
    assert net.constant([1, 2], td.float16).dtype is td.float16


def test_numpy_scalars_keep_their_dtype():
    net = td.Network("c")
    assert net.constant(np.int64(1)).dtype is td.int64
    assert net.constant(np.float16(1)).dtype is td.float16
    assert net.constant(np.float64(1)).dtype is td.float32  # a Python float


ROWS = [
    (td.ArgumentError, "constant: argument 'values' is Tensor(%t0: f32[2]); expected numbers or an array (a "
                       "Tensor is already a network value: combine tensors with td.concatenate)",
     call(lambda x: x.network.constant(x), f32(2))),
    (td.DTypeError, "add: argument 'b' is [Tensor(%t0: f32[2])]; expected numbers or an array, not a list "
                    "holding Tensors (combine tensors with td.concatenate)",
     call(lambda x: x + [x], f32(2))),
    (td.ShapeError, "constant: values have rank 9; TensorRT allows at most 8",
     lambda: td.Network().constant(np.zeros((1,) * 9, np.float32))),
    (td.DTypeError, "Cast[f32]: input 'x' has dtype float8_e4m3; expected one of float32, float16, bfloat16, "
                    "int32, int64, int8, uint8, bool (use td.quantize/td.dequantize for fp8, fp4 and int4)",
     call(lambda x: td.cast(x, td.float32), (td.float8_e4m3, (2,)))),
    (td.DTypeError, "identity: argument 'x' is 1.0; expected a trtdsl Tensor"
                    "; turn an array or a number into one with net.constant(...)", lambda: td.identity(1.0)),
]


@pytest.mark.parametrize("cls, message, call_", ROWS, ids=[f"{i:02d}" for i in range(len(ROWS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
# -- Cast, Identity, Constant ---------------------------------------------------------------------------
def onnx_rows() -> list[Row]:
    rows = []
    for source in CASTABLE:
        x = {"x": (source, ("n", 3))}
        rows.append(
            Row(
                f"cast-from-{source.name}",
                each(x, {t.name: (lambda v, t=t: td.cast(v, t)) for t in CASTABLE}),
            )
        )
        if source.is_float:
            for target in (td.int32, td.int64, td.int8, td.uint8):
                info = np.iinfo(target.numpy)
                wide = (float(info.min) * 1.5 - 2, float(info.max) * 1.5 + 2)
                rows.append(
                    Row(
                        f"cast-saturating-{source.name}-to-{target.name}",
                        each(x, {target.name: lambda v, t=target: td.cast(v, t)}),
                        values={"x": wide},
                    )
                )
    identity_types = FLOATS + INTS + (td.bool_, td.int8, td.uint8)
    rows.append(
        Row(
            "identity",
            each(
                {f"x_{d.name}": (d, ("n", 3)) for d in identity_types},
                {d.name: (lambda *xs, i=i: td.identity(xs[i])) for i, d in enumerate(identity_types)},
            ),
        )
    )
    rows.append(
        Row(
            "constant-output",
            lambda net: (
                net.input("x", td.float32, (2,)),
                net.output("y", net.constant(np.array([1.5, -2.0], np.float32))),
            ),
        )
    )
    rows.append(
        Row(
            "constant-operand-int64",
            one_input(td.int64, lambda x: x * x.network.constant(np.array([[2, -3, 5]], np.int64))),
        )
    )
    return rows


@tensorrt_case
def casts() -> td.Network:
    net = td.Network("casts")
    x = net.input("x", td.float32, (4,))
    for to in (td.float16, td.bfloat16, td.int32, td.int64, td.int8, td.uint8, td.bool):
        net.output(f"to_{to.name}", td.cast(x, to))
    i = net.input("i", td.int64, (4,))
    net.output("i_to_f16", td.cast(i, td.float16))
    return net


@tensorrt_case
def identities_and_outputs() -> td.Network:
    net = td.Network("outputs")
    x = net.input("x", td.float32, (2, 2))
    y = td.relu(x, name="act")
    net.output("same_as_input", x)
    net.output("first", y)
    net.output("second", y)
    net.output("copy", td.identity(td.exp(x)))
    return net


@tensorrt_case
def constants() -> td.Network:
    net = td.Network("constants")
    x = net.input("x", td.float32, (2, 3))
    net.output("f32", x + net.constant(randn(2, 3)))
    net.output("scalar", x * 2.5)
    net.output("f16", net.constant(np.array([[1.5, -2]], np.float16)))
    net.output("bf16", net.constant(np.array([1.5, -2, 3.25], ml_dtypes.bfloat16)))
    net.output("i32", net.constant(np.arange(6, dtype=np.int32).reshape(2, 3)))
    net.output("i64", net.constant(np.array([2**40, -1], np.int64)))
    net.output("bool", net.constant(np.array([[True, False], [False, True]])))
    net.output("i8", net.constant(np.array([-128, 0, 127], np.int8)))
    net.output("u8", net.constant(np.array([0, 7, 255], np.uint8)))
    net.output("empty", net.constant(np.zeros((0, 3), np.float32)))
    net.output("zero_d", net.constant(np.array(4.0, np.float32)))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
for _dtype, _member in [(td.float16, "HALF"), (td.int8, "INT8"), (td.bool, "BOOL"), (td.int64, "INT64")]:
    tensorrt_expectation(f"cast_{_member.lower()}", "NvInfer.h ICastLayer::setToType",
        {"Cast": Layer("add_cast", {"to_type": f"DataType.{_member}"}, ("x",))})(
        lambda net, dt=_dtype: net.output("y", td.cast(net.input("x", td.float32, (4,)), dt))
    )


tensorrt_expectation("identity", "NvInfer.h INetworkDefinition::addIdentity",
    {"Identity": Layer("add_identity", {}, ("x",))})(
    lambda net: net.output("y", td.identity(net.input("x", td.float32, (2, 3))))
)


CONSTANT_F32 = randn(2, 3)


CONSTANT_I64 = np.array([2**40, -1, 7], np.int64)


CONSTANT_F16 = np.array([[1.5, -2.0]], np.float16)


CONSTANT_BOOL = np.array([[True, False, False], [False, True, True]])


BOOL_AS_INT32 = CONSTANT_BOOL.astype(np.int32)


@tensorrt_expectation("constant_f32", "NvInfer.h IConstantLayer: setDimensions, setWeights (the output type is the weights')",
     {"Constant": Layer("add_constant", {"shape": (2, 3), "weights": CONSTANT_F32.ravel()})})
def _(net):
    net.output("y", net.constant(CONSTANT_F32))


@tensorrt_expectation("constant_i64_f16_scalar", "NvInfer.h IConstantLayer (INT64, HALF and 0-D weights)",
     {"Constant#0": Layer("add_constant", {"shape": (3,), "weights": CONSTANT_I64}),
      "Constant#1": Layer("add_constant", {"shape": (1, 2), "weights": CONSTANT_F16.ravel()}),
      "Constant#2": Layer("add_constant", {"shape": (), "weights": np.array([4.0], np.float32)})})
def _(net):
    net.output("i64", net.constant(CONSTANT_I64))
    net.output("f16", net.constant(CONSTANT_F16))
    net.output("zero_d", net.constant(np.array(4.0, np.float32)))


@tensorrt_expectation("constant_bool", "NvInfer.h IConstantLayer: 'This layer does not support boolean types' (so: an integer "
     "constant and a cast to BOOL)",
     {"Constant": (Layer("add_constant", {"shape": (2, 3), "weights": BOOL_AS_INT32.ravel()}),
                   Layer("add_cast", {"to_type": "DataType.BOOL"}, (Const(BOOL_AS_INT32),)))})
def _(net):
    net.output("y", net.constant(CONSTANT_BOOL))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "identity": lambda e: dict(x=e.m),
    "cast": lambda e: dict(x=e.m, dtype=td.int32),
}
