"""Select (td.where): element by element against a Python conditional, with NumPy broadcasting."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from support import arrays, call, expect_error, run_layer

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ShapeError
from backend_rows import Row, tensorrt_case, tensorrt_expectation, Layer

DTYPES = [np.float32, np.float16, td.bfloat16.numpy, np.int32, np.int64, np.bool_]


def python_where(c, a, b):
    """``c ? a : b`` one element at a time over the broadcast shape."""
    c, a, b = np.broadcast_arrays(c, a, b)
    out = np.empty(c.shape, a.dtype)
    for idx in np.ndindex(c.shape):
        out[idx] = a[idx] if c[idx] else b[idx]
    return out


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_where_matches_a_python_conditional(dtype, data):
    s = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=4, max_side=4))
    c = data.draw(arrays(np.bool_, s.input_shapes[0]))
    a = data.draw(arrays(dtype, s.input_shapes[1], allow_nan=True, allow_inf=True))
    b = data.draw(arrays(dtype, s.input_shapes[2], allow_nan=True, allow_inf=True))
    got = run_layer(td.where, c, a, b)
    want = python_where(c, a, b)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))


def test_one_against_zero_broadcasts_to_zero():
    got = run_layer(td.where, np.zeros((1, 0), np.bool_), np.zeros((3, 1), np.float32),
                    np.zeros((1, 1), np.float32))
    assert got.shape == (3, 0)


@given(x=arrays(np.int32, (2, 3)), mask=arrays(np.bool_, (3,)))
def test_numbers_arrays_and_bool_masks_are_promoted(x, mask):
    got = run_layer(lambda t: td.where(mask, t, -1), x)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, python_where(mask, x, np.int32(-1)))


def test_both_values_constants():
    got = run_layer(lambda c: td.where(c, 1.5, [[0.0], [2.0]]), np.array([True, False]))
    assert got.dtype == np.float32
    assert got.tolist() == [[1.5, 0.0], [1.5, 2.0]]
    got = run_layer(lambda c: td.where(c, np.float16(1), np.zeros(2, np.float16)), np.array([True, False]))
    assert got.dtype == np.float16 and got.tolist() == [1.0, 0.0]


def test_rank_alignment_is_an_unsqueeze_in_the_ir():
    net = td.Network("w")
    c = net.input("c", td.bool, (3,))
    x = net.input("x", td.float32, (2, 3))
    net.output("y", td.where(c, x, x))
    text = net.format(locations=False)
    assert "Unsqueeze(%c, axes=(0,))" in text
    assert "%y : f32[2,3] = Select(%unsqueeze_0, %x, %x)" in text


F32, B = td.float32, td.bool
ROWS = [
    (DTypeError, "Select: input 'condition' has dtype float32; expected one of bool",
     call(lambda c, x: td.where(c, x, x), (F32, (2,)), (F32, (2,)))),
    (DTypeError, "Select: inputs 'then' and 'else' have dtypes float32 and int32; TensorRT networks are "
                 "strongly typed, so both must be the same (cast one with td.cast)",
     call(lambda c, x, y: td.where(c, x, y), (B, (2,)), (F32, (2,)), (td.int32, (2,)))),
    (DTypeError, "Select: input 'then' has dtype int8; expected one of float32, float16, bfloat16, int32, "
                 "int64, bool",
     call(lambda c, x: td.where(c, x, x), (B, (2,)), (td.int8, (2,)))),
    (ShapeError, "Select: shapes (2,) and (3,) and (3,) do not broadcast: dims 2 and 3 differ and neither is "
                 "1",
     call(lambda c, x: td.where(c, x, x), (B, (2,)), (F32, (3,)))),
    (DTypeError, "where: argument 'condition' ([1, 0], int64) cannot be used as bool: TensorRT networks are "
                 "strongly typed; convert it first (e.g. .astype) or cast the tensor with td.cast",
     call(lambda x: td.where([1, 0], x, x), (F32, (2,)))),
    (DTypeError, "where: argument 'y' (0.5, float64) cannot be used as int32: TensorRT networks are strongly "
                 "typed; convert it first (e.g. .astype) or cast the tensor with td.cast",
     call(lambda c, x: td.where(c, x, 0.5), (B, (2,)), (td.int32, (2,)))),
    (ArgumentError, "where: at least one argument must be a trtdsl Tensor (got only Python/NumPy values)"
                    "; turn an array or a number into one with net.constant(...)",
     lambda: td.where(True, 1.0, 2.0)),
]


@pytest.mark.parametrize("cls,message,build", ROWS, ids=[r[1][:60] for r in ROWS])
def test_errors(cls, message, build):
    expect_error(cls, message, build)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in (td.float32, td.float16, td.bfloat16, td.int32, td.int64, td.bool_):

        def select(net, dtype=dtype):
            c = net.input("c", td.bool_, ("n", 1))
            a = net.input("a", dtype, ("n", 3))
            b = net.input("b", dtype, (1, 3))
            net.output("y", td.where(c, a, b))

        rows.append(Row(f"select-{dtype.name}", select))
    return rows


@tensorrt_case
def selects_and_shapes() -> td.Network:
    net = td.Network("select")
    x = net.input("x", td.float32, ("n", 3))
    y = net.input("y", td.float32, (3,))
    net.output("where", td.where(x > y, x, y))
    net.output("where_scalar", td.where(x > 0, x, 0.0))
    net.output("shape", td.shape_of(x))
    net.output("shape_0d", td.shape_of(net.constant(np.array(1.0, np.float32))))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("select", "NvInfer.h INetworkDefinition::addSelect(condition, thenInput, elseInput)",
     {"Select": Layer("add_select", {}, ("c", "a", "b"))})
def _(net):
    c = net.input("c", td.bool, (2, 3))
    net.output("y", td.where(c, net.input("a", td.float32, (2, 3)), net.input("b", td.float32, (2, 3))))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "where": lambda e: dict(condition=e.b, x=e.m, y=e.m),
}


def _special(dtype, shape, rng):
    """Values of ``dtype`` and ``shape`` with zeros of both signs, infinities and NaNs among them."""
    values = rng.standard_normal(shape) * 10
    if np.dtype(dtype).kind == "b":
        return values > 0
    if np.dtype(dtype).kind in "iu":
        return values.astype(dtype)
    flat = values.reshape(-1)
    flat[::7], flat[1::7], flat[2::11], flat[3::13] = 0.0, -0.0, np.inf, -np.inf
    flat[4::17] = np.nan
    return values.astype(dtype)


LARGE_SHAPES = [((64, 100),) * 3, ((64, 1), (1, 100), (64, 100)), ((1, 100), (64, 100), ())]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shapes", LARGE_SHAPES, ids=["same", "broadcast", "scalar"])
def test_where_on_large_arrays_gives_the_bits_of_a_python_conditional(dtype, shapes):
    # from 4096 values on, the reference selects by bit operations: every bit must be the conditional's
    rng = np.random.default_rng(7)
    c = rng.random(shapes[0]) > 0.5
    a, b = _special(dtype, shapes[1], rng), _special(dtype, shapes[2], rng)
    got = run_layer(td.where, c, a, b)
    want = python_where(c, a, b)
    assert got.dtype == want.dtype and got.shape == want.shape
    width = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[want.dtype.itemsize]
    np.testing.assert_array_equal(got.view(width), want.view(width))
