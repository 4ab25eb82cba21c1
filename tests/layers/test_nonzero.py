"""NonZero (td.nonzero): indices of the non-zero elements, with a count known only when the network runs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, expect_error, run_layer, shapes

import trtdsl as td
from trtdsl.errors import DTypeError, ExecutionError
from backend_rows import Row, tensorrt_expectation, Layer


def indices_by_loops(x):
    """Every index of a non-zero element in row-major order, as columns: written with Python loops."""
    columns = [index for index in np.ndindex(*x.shape) if x[index] != 0]
    return np.array(columns, dtype=np.int64).reshape(len(columns), x.ndim).T


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float16, np.int32, np.bool_], ids=lambda d: np.dtype(d).name
)
@pytest.mark.parametrize("indices", [td.int32, td.int64], ids=lambda d: d.name)
@given(data=st.data())
def test_nonzero_lists_the_indices_in_row_major_order(dtype, indices, data):
    shape = data.draw(shapes(min_dims=1, max_dims=4, max_side=4))
    # small values, so that zeros are common
    x = (
        data.draw(arrays(dtype, shape, min_value=-1, max_value=1))
        if dtype is not np.bool_
        else data.draw(arrays(dtype, shape))
    )
    got = run_layer(lambda t: td.nonzero(t, indices), x)
    want = indices_by_loops(x)
    assert got.dtype == indices.numpy and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_negative_zero_and_nan():
    x = np.array([0.0, -0.0, np.nan, 1e-30, -2.0], np.float32)
    np.testing.assert_array_equal(run_layer(td.nonzero, x), [[2, 3, 4]])


@pytest.mark.parametrize("backend", ["reference", "onnxruntime"])
def test_a_0d_input_gives_a_0_by_count_result(backend):
    if backend == "onnxruntime":
        pytest.importorskip("onnxruntime")
    net = td.Network("nz")
    net.output("y", td.nonzero(net.input("x", td.float32, ())))
    assert net.run({"x": np.float32(3)}, backend=backend)["y"].shape == (0, 1)
    assert net.run({"x": np.float32(0)}, backend=backend)["y"].shape == (0, 0)


def test_the_count_is_a_dim_named_after_the_input():
    net = td.Network("nz")
    x = net.input("x", td.float32, ("n", 2))
    a, b = td.nonzero(x), td.nonzero(x, td.int64)
    assert a.shape == (2, td.Dim.symbol("nonzero(%x)")) and a.shape[1] == b.shape[1]
    assert "%non_zero_0 : i32[2,nonzero(%x)] = NonZero(%x)" in net.format(locations=False)


@given(x=arrays(np.int32, shapes(min_dims=1, max_dims=1, max_side=8), min_value=0, max_value=2))
def test_the_count_sizes_later_layers(x):
    """The count, bound when the network runs, sizes what is computed from it (a ShapeSyncWarning says
    TensorRT copies it to the host)."""
    net = td.Network("count")
    t = net.input("x", td.int32, ("n",))
    where = td.nonzero(t)
    with pytest.warns(td.ShapeSyncWarning):
        counter = td.arange(where.shape[1], like=t)
    net.output("taken", td.take(t, where[0]))
    net.output("counter", counter)
    out = net.run({"x": x})
    np.testing.assert_array_equal(out["taken"], x[x != 0])
    np.testing.assert_array_equal(out["counter"], np.arange(np.count_nonzero(x)))


def test_a_count_used_by_two_layers_must_agree_when_it_runs():
    net = td.Network("agree")
    x = net.input("x", td.float32, (4,))
    y = net.input("y", td.float32, (4,))
    a, b = td.nonzero(x)[0], td.nonzero(y)[0]
    with pytest.raises(td.ShapeError):  # different inputs: counts that may differ
        a + b
    same = td.nonzero(x)[0]
    net.output("sum", a + same)
    np.testing.assert_array_equal(
        net.run({"x": np.array([0, 1, 0, 2], np.float32), "y": np.zeros(4, np.float32)})["sum"], [2, 6]
    )


def test_errors():
    net = td.Network("e")
    x = net.input("x", td.int64, (3,))
    expect_error(
        DTypeError,
        "NonZero: input 'x' has dtype int64; expected one of float32, float16, int32, bool",
        lambda: td.nonzero(x),
    )
    f = net.input("f", td.float32, (3,))
    expect_error(
        DTypeError,
        "NonZero: argument 'indices_dtype' is float32; expected int32 or int64",
        lambda: td.nonzero(f, td.float32),
    )
    expect_error(
        DTypeError, "nonzero: argument 'x' is [1, 0]; expected a trtdsl Tensor"
                    "; turn an array or a number into one with net.constant(...)", lambda: td.nonzero([1, 0])
    )


def test_a_count_that_contradicts_a_static_dim_is_an_error_when_it_runs():
    net = td.Network("count")
    x = net.input("x", td.float32, (3,))
    # the sum assumes the count is 3 (a dynamic dim against a static one), which only the run can check
    net.output("y", td.nonzero(x)[0] + td.arange(3, like=x).astype(td.int32))
    np.testing.assert_array_equal(net.run({"x": np.ones(3, np.float32)})["y"], [0, 2, 4])
    with pytest.raises(ExecutionError):
        net.run({"x": np.array([1, 0, 1], np.float32)})


@pytest.mark.parametrize("backend", ["reference", "onnxruntime"])
@given(x=arrays(np.float32, st.tuples(st.integers(1, 4), st.integers(1, 5)), min_value=-1, max_value=1))
def test_a_count_that_changes_from_one_loop_iteration_to_the_next(backend, x):
    """Inside a scan, each row has its own count (a size bound anew in every iteration)."""
    if backend == "onnxruntime":
        pytest.importorskip("onnxruntime")
    net = td.Network("rows")
    rows = net.input("x", td.float32, ("n", "m"))

    def body(total, row):
        positions = td.sum(td.cast(td.nonzero(row > 0), td.float32) + 1.0)  # 1-based positions of positives
        return total + positions, positions

    total, each = td.scan(body, net.constant(np.float32(0)), rows)
    net.output("total", total)
    net.output("each", each)
    out = net.run({"x": x}, backend=backend)
    want = [float(sum(i + 1 for i in np.flatnonzero(row > 0))) for row in x]
    np.testing.assert_array_equal(out["each"], np.array(want, np.float32))
    assert out["total"] == np.float32(sum(want))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    def nonzeros(net):
        x = net.input("x", td.float32, ("n", 3))
        b = net.input("b", td.bool_, (2, "m"))
        net.output("int32", td.nonzero(x))
        net.output("int64", td.nonzero(b, td.int64))

    rows.append(Row("nonzero", nonzeros, values={"x": (-1, 1)}))
    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("nonzero", "NvInfer.h INonZeroLayer::setIndicesType (kINT32 or kINT64)",
     {"NonZero#0": Layer("add_non_zero", {"indices_type": "DataType.INT64"}, ("b",)),
      "NonZero#1": Layer("add_non_zero", {"indices_type": "DataType.INT32"}, ("b",))})
def _(net):
    b = net.input("b", td.bool, (2, 3))
    net.output("i64", td.nonzero(b, td.int64))
    net.output("i32", td.nonzero(b))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "count_symbol": lambda e: dict(x=e.m),
    "nonzero": lambda e: dict(x=e.m),
}
