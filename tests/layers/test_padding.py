"""Padding (IPaddingLayer) against a per-element formula; td.pad (one Slice layer) against np.pad."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, error_line, expect_error, run_layer, run_with, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from backend_rows import Row, one_input, tensorrt_expectation, Layer


def draw_array(draw, dtype, shape):
    if dtype == np.int8:
        return draw(arrays(np.int32, shape, min_value=-128, max_value=127)).astype(np.int8)
    return draw(arrays(dtype, shape))


@st.composite
def padding_case(draw):
    dtype = draw(st.sampled_from([np.float32, np.float16, np.int32, np.int8]))
    x = draw_array(draw, dtype, draw(shapes(min_dims=4, max_dims=5, max_side=3)))
    pre, post = [], []
    for d in x.shape[-2:]:
        a = draw(st.integers(-3, 3))
        b = draw(st.integers(max(-3, -d - a), 3))
        pre.append(a)
        post.append(b)
    return x, tuple(pre), tuple(post)


@given(case=padding_case())
def test_padding_nd_pads_or_crops_the_last_two_dims(case):
    x, pre, post = case
    got = run_layer(lambda t: td.padding_nd(t, pre, post), x)
    h, w = (x.shape[-2 + k] + pre[k] + post[k] for k in (0, 1))
    want = np.zeros(x.shape[:-2] + (h, w), x.dtype)
    for idx in np.ndindex(*want.shape):
        i, j = idx[-2] - pre[0], idx[-1] - pre[1]
        if 0 <= i < x.shape[-2] and 0 <= j < x.shape[-1]:
            want[idx] = x[idx[:-2] + (i, j)]
    assert got.dtype == x.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_padding_documented_example():
    x = np.array([[[[-3, -2, -1, 10, -25], [-4, -9, -1, 10, -25], [0, 1, 2, -2, -1]]]], np.float32)
    got = run_layer(lambda t: td.padding_nd(t, (-1, 3), (3, -2)), x)
    assert got[0, 0].tolist() == [[0, 0, 0, -4, -9, -1], [0, 0, 0, 0, 1, 2]] + [[0] * 6] * 3


def test_padding_keeps_dynamic_dims_symbolic():
    net = td.Network("p")
    x = net.input("x", td.float32, (1, "c", "h", "w"))
    y = td.padding_nd(x, (1, -1), (2, 0))
    assert str(y.type) == "f32[1,c,h+3,w-1]"
    net.output("y", y)
    assert net.run({"x": np.ones((1, 2, 2, 2), np.float32)})["y"].shape == (1, 2, 5, 1)


MODES = ["constant", "reflect", "edge", "wrap"]


@st.composite
def pad_case(draw):
    mode = draw(st.sampled_from(MODES))
    dtype = draw(st.sampled_from([np.float32, np.float16, np.int32, np.int8, np.bool_]))
    x = draw_array(draw, dtype, draw(shapes(min_dims=0, max_dims=3, max_side=3)))
    widths = [(0, 0) if d == 0 and mode != "constant" else (draw(st.integers(0, 4)), draw(st.integers(0, 4)))
              for d in x.shape]
    form = draw(st.sampled_from(["pairs", "pair", "int"]))
    if form == "pair" or form == "int":
        b, a = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        if mode != "constant" and 0 in x.shape:
            b = a = 0
        widths = [(b, a)] * x.ndim
        pad_width = b if form == "int" and b == a else (b, a)
    else:
        pad_width = tuple(widths) if x.ndim else 0  # np.pad rejects an empty pad_width as non-integral
    value = None
    if mode == "constant" and draw(st.booleans()):
        value = draw_array(draw, dtype, ())[()]
    return x, pad_width, mode, value


@given(case=pad_case())
def test_pad_matches_numpy(case):
    x, pad_width, mode, value = case
    kwargs = {} if value is None else {"constant_values": value}
    got = run_layer(lambda t: td.pad(t, pad_width, mode, **kwargs), x)
    want = np.pad(x, pad_width, mode, **kwargs)
    assert got.dtype == x.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))


def test_pad_is_one_slice_with_a_fill_input_only_for_nonzero_constants():
    net = td.Network("p")
    x = net.input("x", td.float32, ("n", 3))
    net.output("a", td.pad(x, ((0, 0), (1, 2))))
    net.output("b", td.pad(x, ((0, 0), (1, 0)), constant_values=5.0))
    net.output("c", td.pad(x, ((0, 0), (2, 2)), mode="edge"))
    text = net.format(locations=False)
    assert "%a : f32[n,6] = Slice(%x, start=(0,-1), size=(n,6), stride=(1,1), mode=FILL)" in text
    assert "%b : f32[n,4] = Slice(%x, None, None, None, %constant_0, start=(0,-1), size=(n,4)" in text
    assert "%c : f32[n,7] = Slice(%x, start=(0,-2), size=(n,7), stride=(1,1), mode=CLAMP)" in text
    out = net.run({"x": np.array([[1, 2, 3], [4, 5, 6]], np.float32)})
    assert out["b"].tolist() == [[5, 1, 2, 3], [5, 4, 5, 6]]
    assert out["c"].tolist() == [[1, 1, 1, 2, 3, 3, 3], [4, 4, 4, 5, 6, 6, 6]]


def test_pad_value_from_a_tensor():
    got = run_layer(lambda x, v: td.pad(x, 1, constant_values=v), np.array([1, 2], np.int32),
                    np.array(-9, np.int32))
    assert got.tolist() == [-9, 1, 2, -9]


F32 = td.float32
ROWS = [
    (ShapeError, "Padding: input 'x' has shape (2, 3, 4); expected rank >= 4 (it pads the last two dims)",
     call(lambda x: td.padding_nd(x, (1, 1), (1, 1)), (F32, (2, 3, 4)))),
    (DTypeError, "Padding: input 'x' has dtype bfloat16; expected one of int8, int32, float16, float32",
     call(lambda x: td.padding_nd(x, (1, 1), (1, 1)), (td.bfloat16, (1, 1, 2, 2)))),
    (ShapeError, "Padding: dim 3 of input shape (1, 1, 2, 2) would become -1 with pre_padding -2 and "
                 "post_padding -1; cropping cannot exceed the dim",
     call(lambda x: td.padding_nd(x, (0, -2), (0, -1)), (F32, (1, 1, 2, 2)))),
    (ExecutionError, "Padding (layer padding_0): the padding makes the last two dims (1, -1) for an input of "
                     "shape (1, 1, 1, 2); cropping cannot exceed the dim",
     run_with(lambda x: td.padding_nd(x, (0, -3), (0, 0)), {"t0": np.zeros((1, 1, 1, 2), np.float32)},
              (F32, (1, 1, 1, "w")))),
    (ArgumentError, "padding_nd: argument 'pre_padding' is (True, 1); expected a sequence of ints",
     call(lambda x: td.padding_nd(x, (True, 1), (1, 1)), (F32, (1, 1, 2, 2)))),
    (ArgumentError, "padding_nd: argument 'post_padding' is 1.0; expected a sequence of ints",
     call(lambda x: td.padding_nd(x, (1, 1), 1.0), (F32, (1, 1, 2, 2)))),
    (ArgumentError, "padding_nd: argument 'pre_padding' is (1, 1, 1); expected 2 ints",
     call(lambda x: td.padding_nd(x, (1, 1, 1), (1, 1)), (F32, (1, 1, 2, 2)))),
    (ArgumentError, "pad: argument 'mode' is 'symmetric'; expected one of 'constant', 'reflect', 'edge', "
                    "'wrap'",
     call(lambda x: td.pad(x, 1, "symmetric"), (F32, (2,)))),
    (ArgumentError, "pad: argument 'pad_width' is -1; expected ints >= 0: n, (before, after), or one "
                    "(before, after) pair per axis of shape (2,)",
     call(lambda x: td.pad(x, -1), (F32, (2,)))),
    (ArgumentError, "pad: argument 'pad_width' is ((1, 1), (1, 1), (1, 1)); expected ints >= 0: n, (before, "
                    "after), or one (before, after) pair per axis of shape (2, 2)",
     call(lambda x: td.pad(x, ((1, 1), (1, 1), (1, 1))), (F32, (2, 2)))),
    (ArgumentError, "pad: argument 'pad_width' is 1.5; expected ints >= 0: n, (before, after), or one "
                    "(before, after) pair per axis of shape (2,)",
     call(lambda x: td.pad(x, 1.5), (F32, (2,)))),
    (ShapeError, "pad: axis 0 has the dynamic size n; padding it needs a static dim (axes that are not "
                 "padded may be dynamic)",
     call(lambda x: td.pad(x, 1), (F32, ("n",)))),
    (ShapeError, "pad: axis 1 of shape (2, 0) is empty; mode 'reflect' cannot extend it",
     call(lambda x: td.pad(x, ((0, 0), (1, 0)), "reflect"), (F32, (2, 0)))),
    (ArgumentError, "pad: argument 'constant_values' is only used with mode 'constant', not 'edge'",
     call(lambda x: td.pad(x, 1, "edge", constant_values=3), (F32, (2,)))),
    (ArgumentError, "pad: argument 'constant_values' is ((1, 2),); expected a single number (TensorRT's FILL "
                    "mode has one fill value)",
     call(lambda x: td.pad(x, 1, constant_values=((1, 2),)), (F32, (2,)))),
    (DTypeError, "pad: argument 'constant_values' (0.5, float64) cannot be used as int32: TensorRT networks "
                 "are strongly typed; convert it first (e.g. .astype) or cast the tensor with td.cast",
     call(lambda x: td.pad(x, 1, constant_values=0.5), (td.int32, (2,)))),
    (DTypeError, "pad: mode 'constant' does not take int64 values: TensorRT's Slice layer, which pads, "
                 "excludes int64 and bfloat16 from its FILL mode; td.cast x to int32 first (mode 'wrap' takes "
                 "them)",
     call(lambda x: td.pad(x, 1), (td.int64, (2,)))),
    (DTypeError, "pad: mode 'reflect' does not take bfloat16 values: TensorRT's Slice layer, which pads, "
                 "excludes int64 and bfloat16 from its REFLECT mode; td.cast x to float32 first (mode 'wrap' "
                 "takes them)",
     call(lambda x: td.pad(x, 1, "reflect"), (td.bfloat16, (2,)))),
]


@pytest.mark.parametrize("cls,message,build", ROWS, ids=[r[1][:60] for r in ROWS])
def test_errors(cls, message, build):
    expect_error(cls, message, build, line=error_line(build))


def test_the_layer_checks_what_the_function_cannot():
    net = td.Network("e")
    x = net.input("x", F32, (1, 1, 2, 2))
    expect_error(ArgumentError, "Padding: argument 'pre_padding' is (1,); expected 2 ints, for the last two "
                                "dims (TensorRT pads only those)",
                 lambda: net.add1(td.ops.Padding((1,), (1, 1)), (x,)))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in (td.float32, td.float16, td.int32, td.int8):
        rows.append(
            Row(
                f"padding-{dtype.name}",
                one_input(dtype, lambda x: td.padding_nd(x, (1, -1), (0, 2)), ("n", 1, 3, 3)),
            )
        )
    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("padding_nd", "NvInfer.h IPaddingLayer: pre/post padding of the last two dims, negative crops",
     {"Padding": Layer("add_padding_nd", {"pre_padding_nd": (1, -1), "post_padding_nd": (0, 2)}, ("x",))})
def _(net):
    net.output("y", td.padding_nd(net.input("x", td.int32, (4, 4, 4, 4)), (1, -1), (0, 2)))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "pad": lambda e: dict(x=e.m, pad_width=((0, 1), (1, 0)), mode="constant", constant_values=0),
    "padding_nd": lambda e: dict(x=e.x, pre_padding=(1, 1), post_padding=(1, 1)),
}
