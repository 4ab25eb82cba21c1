"""Shape (td.shape_of): the dims of any tensor as a 1-D int64 tensor of static length."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, expect_error, run_layer, shapes

import trtdsl as td
from trtdsl.errors import DTypeError
from backend_rows import tensorrt_expectation, Layer, By


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.int64, np.bool_, np.int8],
                         ids=lambda d: np.dtype(d).name)
@given(x_shape=shapes(min_dims=0, max_dims=8, max_side=3))
def test_shape_of_is_the_list_of_dims(dtype, x_shape):
    x = np.zeros(x_shape, dtype)
    got = run_layer(td.shape_of, x)
    assert got.dtype == np.int64 and got.shape == (len(x_shape),)
    assert got.tolist() == list(x_shape)


@given(x=arrays(np.float32, shapes(min_dims=1, max_dims=3, max_side=4)), data=st.data())
def test_dynamic_dims_give_a_static_length_output(x, data):
    dynamic = data.draw(st.lists(st.booleans(), min_size=x.ndim, max_size=x.ndim))
    names = [f"d{i}" if dyn else n for i, (n, dyn) in enumerate(zip(x.shape, dynamic))]
    net = td.Network("s")
    t = net.input("x", td.float32, names)
    s = td.shape_of(t)
    assert s.shape == (x.ndim,) and s.dtype is td.int64
    net.output("s", s)
    assert net.run({"x": x})["s"].tolist() == list(x.shape)


def test_textual_ir():
    net = td.Network("s")
    x = net.input("x", td.float32, ("b", 2))
    net.output("s", td.shape_of(x))
    assert "%s : i64[2] = Shape(%x)" in net.format(locations=False)


def test_errors():
    expect_error(DTypeError, "shape_of: argument 'x' is (2, 3); expected a trtdsl "
                             "Tensor; turn an array or a number into one with "
                             "net.constant(...)", lambda: td.shape_of((2, 3)))


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("shape", "NvInfer.h IShapeLayer: its input is the tensor whose shape it gives",
     {"Shape": Layer("add_shape", {}, ("x",))})
def _(net):
    net.output("y", td.shape_of(net.input("x", td.float32, ("n", 3))))


@tensorrt_expectation("shape_output", "NvInfer.h markOutputForShapes: 'The tensor must be of type DataType::kINT32'; IShapeLayer: "
     "'The output tensor of this layer is of type DataType::kINT64' (so: a cast to kINT32 gives the output)",
     {"Shape": Layer("add_shape", {}, ("x",))},
     outputs={"dims": Layer("add_cast", {"to_type": "DataType.INT32"}, (By("add_shape"),))})
def _(net):
    net.mark_output_for_shapes("dims", td.shape_of(net.input("x", td.float32, ("n", 3))))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "shape_of": lambda e: dict(x=e.m),
}
