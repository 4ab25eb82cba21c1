"""ReverseSequence: the reference against the definition evaluated element by element in Python (output
element at sequence position s < len reads position len - 1 - s of its batch slice, the rest is copied),
lengths outside the sequence refused when the network runs, and the error table."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, error_line, expect_error, f32, run_layer, run_with, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from trtdsl.layers.reverse_sequence import ReverseSequence
from backend_rows import Row, FLOATS, INTS, tensorrt_expectation, Layer, Const

DTYPES = [np.float32, np.float16, td.bfloat16.numpy, np.int8, np.int32, np.int64, np.bool_]


def expected(x, lens, batch_axis, sequence_axis):
    out = np.empty_like(x)
    for index in np.ndindex(x.shape):
        n = int(lens[index[batch_axis]])
        s = index[sequence_axis]
        source = list(index)
        if s < n:
            source[sequence_axis] = n - 1 - s
        out[index] = x[tuple(source)]
    return out


@st.composite
def case(draw, dtype):
    shape = draw(shapes(min_dims=2, max_dims=4, max_side=4))
    rank = len(shape)
    batch_axis, sequence_axis = draw(st.permutations(range(rank)))[:2]
    x = draw(arrays(dtype, shape, allow_nan=True, allow_inf=True))
    lens_dtype = draw(st.sampled_from([np.int32, np.int64]))
    lens = draw(arrays(lens_dtype, (shape[batch_axis],), min_value=0, max_value=shape[sequence_axis]))
    negative = draw(st.booleans())  # the DSL takes negative axes as NumPy does
    axes = (batch_axis - rank, sequence_axis - rank) if negative else (batch_axis, sequence_axis)
    return x, lens, batch_axis, sequence_axis, axes


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_reverse_sequence_matches_the_definition(dtype, data):
    x, lens, batch_axis, sequence_axis, (b, s) = data.draw(case(dtype))
    got = run_layer(lambda t, n: td.reverse_sequence(t, n, batch_axis=b, sequence_axis=s), x, lens)
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, expected(x, lens, batch_axis, sequence_axis))


def test_defaults_are_time_major():
    x = np.arange(12, dtype=np.int32).reshape(4, 3)  # (time, batch)
    got = run_layer(lambda t: td.reverse_sequence(t, [4, 0, 2]), x)
    np.testing.assert_array_equal(got, [[9, 1, 5], [6, 4, 2], [3, 7, 8], [0, 10, 11]])


def test_ir_keeps_both_axes():
    net = td.Network("r")
    x = net.input("x", td.float32, ("b", 5, 3))
    lens = net.input("lens", td.int64, ("b",))
    td.reverse_sequence(x, lens, batch_axis=0, sequence_axis=-2, name="rev")
    assert net.nodes[-1].op == ReverseSequence(0, 1)
    assert "%rev : f32[b,5,3] = ReverseSequence(%x, %lens, batch_axis=0, sequence_axis=1)" in \
        net.format(locations=False)


LENS = (td.int32, (2,))

ERRORS = [
    (ExecutionError, "ReverseSequence (layer reverse_sequence_0): sequence_lens[1] is 4; expected a length in "
                     "[0, 3] (the sequence axis 0 of x (3, 2))",
     run_with(lambda x, n: td.reverse_sequence(x, n), {"t0": np.zeros((3, 2), np.float32),
                                                       "t1": np.array([1, 4], np.int32)}, f32(3, 2), LENS)),
    (ExecutionError, "ReverseSequence (layer reverse_sequence_0): sequence_lens[0] is -1; expected a length in "
                     "[0, 3] (the sequence axis 0 of x (3, 2))",
     run_with(lambda x, n: td.reverse_sequence(x, n), {"t0": np.zeros((3, 2), np.float32),
                                                       "t1": np.array([-1, 0], np.int32)}, f32(3, 2), LENS)),
    (ExecutionError, "ReverseSequence (layer reverse_sequence_0): sequence_lens has shape (3,); the batch axis "
                     "1 of x (2, 2) has 2 indices",
     run_with(lambda x, n: td.reverse_sequence(x, n), {"t0": np.zeros((2, 2), np.float32),
                                                       "t1": np.array([1, 1, 1], np.int32)},
              f32(2, 2), (td.int32, ("n",)))),
    (ShapeError, "reverse_sequence: argument 'x' has shape (3,); expected rank >= 2 (a batch axis and a "
                 "sequence axis)",
     call(lambda x: td.reverse_sequence(x, [1]), f32(3))),
    (ShapeError, "reverse_sequence: argument 'sequence_axis' is -1; expected an axis other than batch_axis 1 "
                 "(both are dim 1 of x (3, 2))",
     call(lambda x: td.reverse_sequence(x, [1, 1], sequence_axis=-1), f32(3, 2))),
    (ShapeError, "reverse_sequence: argument 'batch_axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda x: td.reverse_sequence(x, [1, 1], batch_axis=2), f32(3, 2))),
    (ArgumentError, "reverse_sequence: argument 'sequence_axis' is None; expected an int in [-2, 1]",
     call(lambda x: td.reverse_sequence(x, [1, 1], sequence_axis=None), f32(3, 2))),
    (ShapeError, "ReverseSequence: input 'sequence_lens' has shape (3,); expected (2,), one length per index "
                 "of the batch axis 1 of x (3, 2)",
     call(lambda x: td.reverse_sequence(x, [1, 1, 1]), f32(3, 2))),
    (ShapeError, "ReverseSequence: input 'sequence_lens' has shape (1, 2); expected (2,), one length per index "
                 "of the batch axis 1 of x (3, 2)",
     call(lambda x: td.reverse_sequence(x, [[1, 1]]), f32(3, 2))),
    (DTypeError, "ReverseSequence: input 'sequence_lens' has dtype float32; expected one of int32, int64",
     call(lambda x, n: td.reverse_sequence(x, n), f32(3, 2), f32(2))),
    (DTypeError, "reverse_sequence: argument 'sequence_lens' ([1.5, 2.0], float64) cannot be used as int32: "
                 "TensorRT networks are strongly typed; convert it first (e.g. .astype) or cast the tensor "
                 "with td.cast",
     call(lambda x: td.reverse_sequence(x, [1.5, 2.0]), f32(3, 2))),
    (DTypeError, "ReverseSequence: input 'x' has dtype uint8; expected one of bool, int8, int32, int64, "
                 "float32, float16, bfloat16",
     call(lambda x: td.reverse_sequence(x, [1, 1]), (td.uint8, (3, 2)))),
    (DTypeError, "reverse_sequence: argument 'x' is [[1, 2]]; expected a trtdsl Tensor; turn an array or a number into one with net.constant(...)",
     lambda: td.reverse_sequence([[1, 2]], [1])),
    (ShapeError, "ReverseSequence: argument 'batch_axis' is -1; expected an int in [0, 1] for a rank-2 input",
     call(lambda x, n: x.network.add1(ReverseSequence(-1, 0), (x, n)), f32(3, 2), LENS)),
    (ShapeError, "ReverseSequence: argument 'sequence_axis' is 0; expected an axis other than batch_axis 0",
     call(lambda x, n: x.network.add1(ReverseSequence(0, 0), (x, n)), f32(2, 3), LENS)),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_, line=error_line(call_))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    for i, dtype in enumerate(FLOATS + INTS + (td.int8, td.bool_)):

        def reverse(net, dtype=dtype, lens_dtype=INTS[i % 2]):
            x = net.input("x", dtype, (4, "n", 3))
            lens = net.input("lens", lens_dtype, ("n",))
            net.output("time_major", td.reverse_sequence(x, lens))
            net.output("last_axis", td.reverse_sequence(x, lens, sequence_axis=2))

        rows.append(Row(f"reverse-sequence-{dtype.name}", reverse, values={"lens": (0, 3)}))
    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("reverse_sequence", "NvInfer.h addReverseSequence(input, sequenceLens), IReverseSequenceLayer::"
     "setBatchAxis/setSequenceAxis (defaults 1 and 0)",
     {"ReverseSequence": Layer("add_reverse_sequence", {"batch_axis": 2, "sequence_axis": 1}, ("x", "lens"))})
def _(net):
    x, lens = net.input("x", td.float32, (2, 5, 3)), net.input("lens", td.int64, (3,))
    net.output("y", td.reverse_sequence(x, lens, batch_axis=2, sequence_axis=1))


@tensorrt_expectation("reverse_sequence_constant", "NvInfer.h IReverseSequenceLayer: sequenceLens a 1-D Int32/Int64 tensor of "
     "length dim[batchAxis]",
     {"ReverseSequence": Layer("add_reverse_sequence", {"batch_axis": 0, "sequence_axis": 2},
                               ("x", Const(np.array([3, 1]), int_dtypes=("int32", "int64"))))})
def _(net):
    net.output("y", td.reverse_sequence(net.input("x", td.float32, (2, 4, 3)), [3, 1], batch_axis=0, sequence_axis=2))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "reverse_sequence": lambda e: dict(x=e.m, sequence_lens=np.array([1, 2, 2], np.int32), batch_axis=1,
                                       sequence_axis=0),
}
