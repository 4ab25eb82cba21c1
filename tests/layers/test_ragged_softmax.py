"""RaggedSoftMax: the reference against the softmax of each row's first ``bound`` elements computed with
math.exp in Python (zeros after the bound), bounds outside the row refused when the network runs, and
the error table."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, call, error_line, expect_error, f32, run_layer, run_with

import trtdsl as td
from backend_rows import Row, FLOATS, tensorrt_case, tensorrt_expectation, Layer
from trtdsl.errors import DTypeError, ExecutionError, ShapeError
from trtdsl.layers.ragged_softmax import RaggedSoftMax

FLOAT_TYPES = [np.float32, np.float16, td.bfloat16.numpy]


def expected(x, bounds):
    out = np.zeros(x.shape, np.float64)
    for b, z in np.ndindex(x.shape[:2]):
        n = int(bounds[b, z, 0])
        row = [float(v) for v in x[b, z, :n]]
        if not row:
            continue
        top = max(row)
        weights = [math.exp(v - top) for v in row]
        total = math.fsum(weights)
        out[b, z, :n] = [w / total for w in weights]
    return out


@st.composite
def case(draw, dtype):
    batch, rows, steps = (draw(st.integers(1, 3)) for _ in range(3))
    x = draw(arrays(dtype, (batch, rows, steps), min_value=-20, max_value=20))
    bounds = draw(arrays(np.int32, (batch, rows, 1), min_value=0, max_value=steps))
    return x, bounds


@pytest.mark.parametrize("dtype", FLOAT_TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_each_row_is_a_softmax_of_its_first_bound_elements(dtype, data):
    x, bounds = data.draw(case(dtype))
    got = run_layer(td.ragged_softmax, x, bounds)
    assert got.dtype == np.dtype(dtype) and got.shape == x.shape
    np.testing.assert_allclose(got.astype(np.float64), expected(x, bounds), rtol=0,
                               atol=4 * TOLERANCES[np.dtype(dtype)])


def test_constant_bounds_and_the_ir():
    net = td.Network("r")
    x = net.input("x", td.float32, ("b", 2, 4))
    td.ragged_softmax(x, [[[1], [4]]], name="rs")
    assert net.nodes[-1].op == RaggedSoftMax()
    assert "%rs : f32[b,2,4] = RaggedSoftMax(%x, %constant_0)" in net.format(locations=False)


SPEC = (td.int32, (1, 2, 1))

ERRORS = [
    (ExecutionError, "RaggedSoftMax (layer ragged_softmax_0): bounds[0, 1, 0] is 4; expected a length in "
                     "[0, 3] (the last dim of x (1, 2, 3))",
     run_with(lambda x, n: td.ragged_softmax(x, n),
              {"t0": np.zeros((1, 2, 3), np.float32), "t1": np.array([[[1], [4]]], np.int32)}, f32(1, 2, 3), SPEC)),
    (ExecutionError, "RaggedSoftMax (layer ragged_softmax_0): bounds[0, 0, 0] is -1; expected a length in "
                     "[0, 3] (the last dim of x (1, 2, 3))",
     run_with(lambda x, n: td.ragged_softmax(x, n),
              {"t0": np.zeros((1, 2, 3), np.float32), "t1": np.array([[[-1], [0]]], np.int32)}, f32(1, 2, 3),
              SPEC)),
    (ShapeError, "RaggedSoftMax: input 'x' has shape (2, 3); expected rank 3 (B, Z, S): NvInfer.h "
                 "addRaggedSoftMax",
     call(lambda x: td.ragged_softmax(x, [[1], [2]]), f32(2, 3))),
    (ShapeError, "RaggedSoftMax: input 'bounds' has shape (1, 3, 1); expected (1, 2, 1), one length per row "
                 "of "
                 "x (1, 2, 3)",
     call(lambda x: td.ragged_softmax(x, [[[1], [1], [1]]]), f32(1, 2, 3))),
    (ShapeError, "RaggedSoftMax: input 'bounds' has shape (1, 2); expected (1, 2, 1), one length per row of "
                 "x (1, 2, 3)",
     call(lambda x: td.ragged_softmax(x, [[1, 1]]), f32(1, 2, 3))),
    (ShapeError, "RaggedSoftMax: input 'bounds' has shape (1, 2, k); expected (1, 2, 1), one length per row "
                 "of x (1, 2, 3) (its last dim a static 1: NvInfer.h forbids a wildcard there)",
     call(lambda x, n: td.ragged_softmax(x, n), f32(1, 2, 3), (td.int32, (1, 2, "k")))),
    (DTypeError, "RaggedSoftMax: input 'bounds' has dtype int64; expected one of int32",
     call(lambda x, n: td.ragged_softmax(x, n), f32(1, 2, 3), (td.int64, (1, 2, 1)))),
    (DTypeError, "RaggedSoftMax: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(lambda x: td.ragged_softmax(x, [[[1], [1]]]), (td.int32, (1, 2, 3)))),
    (DTypeError, "ragged_softmax: argument 'bounds' ([[[1.5]]], float64) cannot be used as int32: TensorRT "
                 "networks are strongly typed; convert it first (e.g. .astype) or cast the tensor with "
                 "td.cast",
     call(lambda x: td.ragged_softmax(x, [[[1.5]]]), f32(1, 1, 3))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_, line=error_line(call_))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for dtype in FLOATS:
        def build(net, dtype=dtype):
            x = net.input("x", dtype, ("n", 3, 5))
            net.output("y", td.ragged_softmax(x, net.input("bounds", td.int32, ("n", 3, 1))))

        rows.append(Row(f"ragged-softmax-{dtype.name}", build, values={"bounds": (0, 5)}, special=False))
    return rows


# -- TensorRT round-trip cases (collected by tests/backends/tensorrt/test_roundtrip.py) ---------------
@tensorrt_case
def ragged_softmax() -> td.Network:
    net = td.Network("ragged_softmax")
    x = net.input("x", td.float16, ("n", 3, 5))
    net.output("y", td.ragged_softmax(x, net.input("bounds", td.int32, ("n", 3, 1))))
    net.output("constant_bounds", td.ragged_softmax(x[:1], [[[4], [0], [1]]]))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("ragged_softmax", "NvInfer.h addRaggedSoftMax(input, bounds): input 0 the ZxS data, 1 the Zx1 bounds; "
     "IRaggedSoftMaxLayer has no parameters",
     {"RaggedSoftMax": Layer("add_ragged_softmax", {}, ("x", "bounds"))})
def _(net):
    x, bounds = net.input("x", td.float32, (2, 3, 4)), net.input("bounds", td.int32, (2, 3, 1))
    net.output("y", td.ragged_softmax(x, bounds))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "ragged_softmax": lambda e: dict(x=e.x[0], bounds=np.full((3, 4, 1), 2, np.int32)),
}
