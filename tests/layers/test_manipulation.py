"""The array helpers (stack, split, flatten, tile, repeat, flip, argmax, argmin) against NumPy, with static
and dynamic dims, the layers they add, and the table of bad calls."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, call, expect_error, f32, layer_labels, run_layer, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from backend_rows import tensorrt_case, randn

TYPES = [np.float32, np.int32, np.bool_]


def dynamic(shape, prefix="d"):
    """The shape with every dim a named dynamic dim (``d0, d1, ...``)."""
    return tuple(f"{prefix}{i}" for i in range(len(shape)))


# -- stack ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_stack_matches_numpy(dtype, data):
    shape = data.draw(shapes(max_dims=3, max_side=3))
    count = data.draw(st.integers(1, 4))
    xs = [data.draw(arrays(dtype, shape)) for _ in range(count)]
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    declared = data.draw(st.sampled_from([None, [dynamic(shape)] * count]))
    got = run_layer(lambda *ts: td.stack(list(ts), axis=axis), *xs, shapes=declared)
    np.testing.assert_array_equal(got, np.stack(xs, axis=axis))


def test_stack_adds_an_unsqueeze_per_input_and_one_concatenation_and_takes_arrays():
    net = td.Network("s")
    a = net.input("a", td.float32, ("n", 2))
    y = td.stack([a, np.ones((1, 2)), a], axis=-1)
    assert y.shape[1:] == (2, 3)
    assert layer_labels(net)[-4:] == ["Unsqueeze", "Unsqueeze", "Unsqueeze", "Concatenation"]


# -- split ------------------------------------------------------------------------------------------------


@given(data=st.data())
def test_split_matches_numpy_on_a_static_axis(data):
    """Equal sections, or indices with NumPy's meaning: negative ones count from the end, out-of-range ones
    clip, decreasing ones give empty parts."""
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=4))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    d = shape[axis]
    sections = st.sampled_from([n for n in range(1, 7) if d % n == 0])
    how = data.draw(st.one_of(sections, st.lists(st.integers(-d - 2, d + 2), max_size=4)))
    x = data.draw(arrays(np.int32, shape))
    parts = run_layer(lambda t: tuple(td.split(t, how, axis)), x)
    want = np.split(x, how, axis)
    assert len(parts) == len(want)
    for got, expected in zip(parts, want):
        np.testing.assert_array_equal(got, expected)


@given(n=st.integers(0, 6), data=st.data())
def test_split_at_indices_and_dims_on_a_dynamic_axis(n, data):
    m = data.draw(st.integers(0, n))
    cut = data.draw(st.integers(0, m))
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    net = td.Network("split")
    t = net.input("x", td.float32, ("n", 2))
    k = net.input("k", td.float32, ("m",))
    parts = td.split(t, [cut, k.shape[0]])
    assert parts[2].shape == (t.shape[0] - k.shape[0], 2)
    for i, p in enumerate(parts):
        net.output(f"p{i}", p)
    out = net.run({"x": x, "k": np.zeros(m, np.float32)})
    for i, expected in enumerate(np.split(x, [cut, m])):
        np.testing.assert_array_equal(out[f"p{i}"], expected)


def test_split_of_a_dynamic_axis_fails_when_an_index_is_outside_it():
    net = td.Network("split")
    x = net.input("x", td.float32, ("n",))
    for i, p in enumerate(td.split(x, [3])):
        net.output(f"p{i}", p)
    with pytest.raises(ExecutionError):
        net.run({"x": np.zeros(2, np.float32)})


def test_split_adds_one_slice_per_part_and_none_for_the_whole():
    net = td.Network("split")
    x = net.input("x", td.float32, (4, 6))
    q, k, v = td.split(x, 3, axis=-1)
    assert layer_labels(net) == ["Slice", "Slice", "Slice"] and q.shape == (4, 2)
    (whole,) = td.split(x, 1)
    assert whole is x


# -- flatten ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("declare", ["static", "dynamic"])
@given(data=st.data())
def test_flatten_matches_a_reshape(declare, data):
    shape = data.draw(shapes(min_dims=0, max_dims=5, max_side=3))
    rank = max(len(shape), 1)
    start = data.draw(st.integers(-rank, rank - 1))
    end = data.draw(st.integers(start % rank, rank - 1))
    end = data.draw(st.sampled_from([end, end - rank]))
    x = data.draw(arrays(np.float32, shape))
    got = run_layer(lambda t: td.flatten(t, start, end), x,
                    shapes=[dynamic(shape)] if declare == "dynamic" else None)
    s, e = start % rank, end % rank
    want = x.reshape(x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:]) if x.ndim else x.reshape(1)
    np.testing.assert_array_equal(got, want)


def test_flatten_is_one_shuffle_and_keeps_dynamic_dims_symbolic():
    net = td.Network("f")
    x = net.input("x", td.float32, ("n", 3, "m", 2))
    assert str(td.flatten(x, 2).type) == "f32[n,3,m*2]"
    assert td.flatten(x, 1, 1) is x
    assert layer_labels(net)[-1] == "Shuffle"
    assert str(td.flatten(td.flatten(x, 0, 2), 1).type) == "f32[m*n*3,2]"


# -- tile, repeat, flip -----------------------------------------------------------------------------------


def tile_args(data, shape):
    return (tuple(data.draw(st.lists(st.integers(0, 3), max_size=4))),)


def repeat_args(data, shape):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1))) if shape else None
    return data.draw(st.integers(0, 3)), axis


def flip_args(data, shape):
    axes = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), unique_by=lambda a: a % len(shape),
                              max_size=len(shape))) if shape else []
    return (data.draw(st.sampled_from([None, tuple(axes)] + ([axes[0]] if axes else []))),)


REARRANGEMENTS = [(td.tile, np.tile, tile_args), (td.repeat, np.repeat, repeat_args), (td.flip, np.flip, flip_args)]


@pytest.mark.parametrize("fn, numpy_fn, draw_args", REARRANGEMENTS, ids=["tile", "repeat", "flip"])
@pytest.mark.parametrize("dtype", TYPES, ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_rearrangements_match_numpy(fn, numpy_fn, draw_args, dtype, data):
    shape = data.draw(shapes(max_dims=4, max_side=3))
    args = draw_args(data, shape)
    x = data.draw(arrays(dtype, shape))
    declared = data.draw(st.sampled_from([None, [dynamic(shape)]]))
    got = run_layer(lambda t: fn(t, *args), x, shapes=declared)
    np.testing.assert_array_equal(got, numpy_fn(x, *args))


def test_tile_is_one_wrapping_slice():
    net = td.Network("t")
    x = net.input("x", td.float32, ("n", 3))
    y = td.tile(x, (2, 1))
    assert y.shape == (x.shape[0] * 2, 3)
    assert layer_labels(net)[-1] == "Slice" and net.nodes[-1].op.mode is td.SampleMode.WRAP
    assert td.tile(x, (1, 1)) is x


def test_flip_is_one_slice_starting_at_the_last_element():
    net = td.Network("f")
    x = net.input("x", td.float32, ("n", 3))
    td.flip(x, 1)
    assert layer_labels(net) == ["Slice"] and net.nodes[0].op.start == (0, 2) and net.nodes[0].op.stride == (1, -1)


# -- argmax, argmin ---------------------------------------------------------------------------------------


def python_arg(row, largest):
    """The index of the largest (smallest) value, the first among ties; NaN counts as larger than every
    number, so argmax picks the first NaN and argmin ignores NaNs unless all are NaN."""
    def key(i):
        v = row[i]
        nan = isinstance(v, float) and math.isnan(v)
        if largest:
            return (0 if nan else 1, 0 if nan else -v, i)
        return (1 if nan else 0, 0 if nan else v, i)

    return min(range(len(row)), key=key)


def expected_arg(x, axis, keepdims, largest):
    values = x.astype(np.float64) if x.dtype.kind == "f" else x.astype(np.int64)
    if axis is None:
        index = np.array(python_arg(values.ravel().tolist(), largest))
        return index.reshape((1,) * x.ndim) if keepdims else index
    moved = np.moveaxis(values, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1]).tolist()
    index = np.array([python_arg(r, largest) for r in rows], np.int64).reshape(moved.shape[:-1])
    return np.expand_dims(index, axis) if keepdims else index


@pytest.mark.parametrize("fn", [td.argmax, td.argmin], ids=["argmax", "argmin"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int32, np.int64], ids=lambda d: np.dtype(d).name)
@given(data=st.data())
def test_arg_extremes_match_python(fn, dtype, data):
    rank = data.draw(st.integers(0, 6))
    shape = tuple(data.draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank)))
    is_float = np.dtype(dtype).kind == "f"
    # a small range of values makes ties common
    x = data.draw(arrays(dtype, shape, min_value=-2, max_value=2, allow_nan=is_float, allow_inf=is_float))
    axis = data.draw(st.one_of(st.none(), st.integers(-rank, rank - 1))) if rank else None
    keepdims = data.draw(st.booleans())
    index_type = data.draw(st.sampled_from([td.int32, td.int64]))
    declared = data.draw(st.sampled_from([None, [dynamic(shape)]]))
    got = run_layer(lambda t: fn(t, axis, keepdims, dtype=index_type), x, shapes=declared)
    want = expected_arg(x, None if axis is None else axis % rank, keepdims, fn is td.argmax)
    assert got.dtype == index_type.numpy and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_arg_extremes_agree_with_numpy_without_nans():
    x = np.array([[3, 1, 3], [0, 0, -1]], np.float32)
    for fn, ref in ((td.argmax, np.argmax), (td.argmin, np.argmin)):
        for axis in (None, 0, 1, -1):
            for keepdims in (False, True):
                got = run_layer(lambda t: fn(t, axis, keepdims), x)
                np.testing.assert_array_equal(got, ref(x, axis, keepdims=keepdims))


def test_argmax_layers_topk_then_squeeze_and_a_transpose_beyond_the_last_four_dims():
    net = td.Network("a")
    x = net.input("x", td.float32, (2, 3, 4, 5, 6))
    assert td.argmax(x, 1).shape == (2, 4, 5, 6)
    assert layer_labels(net) == ["TopK[MAX]", "Squeeze"]
    assert td.argmin(x, 0, keepdims=True).shape == (1, 3, 4, 5, 6)
    assert layer_labels(net)[2:] == ["Shuffle", "TopK[MIN]", "Shuffle"]
    assert td.argmax(x).shape == ()
    assert layer_labels(net)[5:] == ["Shuffle", "TopK[MAX]", "Shuffle"]


def test_argmax_of_an_axis_empty_at_run_time_fails_then():
    net = td.Network("a")
    x = net.input("x", td.float32, (2, "n"))
    net.output("i", td.argmax(x, 1))
    with pytest.raises(ExecutionError, match="k=1 exceeds the size 0"):
        net.run({"x": np.zeros((2, 0), np.float32)})


# -- errors -----------------------------------------------------------------------------------------------

ERRORS = [
    (ArgumentError, "stack: argument 'tensors' is []; expected a non-empty list or tuple of tensors",
     lambda: td.stack([])),
    (ArgumentError, "stack: at least one argument must be a trtdsl Tensor (got only Python/NumPy values); turn an array or a number into one with net.constant(...)",
     lambda: td.stack([[1.0], [2.0]])),
    (ShapeError, "stack: tensors[1] has shape (3,) but tensors[0] has (2,); expected equal shapes",
     call(lambda a, b: td.stack([a, b]), f32(2), f32(3))),
    (ShapeError, "stack: tensors[1] has shape (2, 1) but tensors[0] has (2,); expected equal shapes",
     call(lambda a, b: td.stack([a, b]), f32(2), f32(2, 1))),
    (DTypeError, "stack: tensors[1] has dtype int32 but tensors[0] has float32; expected equal dtypes (cast with "
                 "td.cast)",
     call(lambda a, b: td.stack([a, b]), f32(2), (td.int32, (2,)))),
    (ShapeError, "stack: argument 'axis' is 3; expected an int in [-3, 2] for a rank-3 result (rank-2 inputs "
                 "with the new axis)",
     call(lambda a: td.stack([a, a], axis=3), f32(2, 2))),
    (ShapeError, "split: argument 'x' has shape (); expected rank >= 1 (a split needs an axis)",
     call(lambda x: td.split(x, 1), f32())),
    (ShapeError, "split: axis 0 of x (shape (5, 2)) has size 5, which 2 equal sections do not divide",
     call(lambda x: td.split(x, 2), f32(5, 2))),
    (ShapeError, "split: axis 1 of x (shape (2, n)) has the dynamic size n; equal sections need a static size (give "
                 "split indices instead)",
     call(lambda x: td.split(x, 2, axis=1), f32(2, "n"))),
    (ArgumentError, "split: argument 'indices_or_sections' is 0; expected a number of sections >= 1, or a list of "
                    "split indices",
     call(lambda x: td.split(x, 0), f32(4))),
    (ArgumentError, "split: argument 'indices_or_sections' is [1.5]; expected an int (a number of equal sections) "
                    "or a list of ints and dims (split indices)",
     call(lambda x: td.split(x, [1.5]), f32(4))),
    (ArgumentError, "split: argument 'indices_or_sections' is True; expected an int (a number of equal sections) "
                    "or a list of ints and dims (split indices)",
     call(lambda x: td.split(x, True), f32(4))),
    (ShapeError, "split: argument 'axis' is 1; expected an int in [-1, 0] for a rank-1 input",
     call(lambda x: td.split(x, 2, axis=1), f32(4))),
    (DTypeError, "split: argument 'x' is [1, 2]; expected a trtdsl Tensor; turn an array or a number into one with net.constant(...)", lambda: td.split([1, 2], 2)),
    (ShapeError, "flatten: argument 'start_dim' is 3; expected an int in [-3, 2] for a rank-3 input",
     call(lambda x: td.flatten(x, 3), f32(2, 3, 4))),
    (ArgumentError, "flatten: argument 'end_dim' is 0; expected a dim at or after start_dim (1) of a rank-3 input",
     call(lambda x: td.flatten(x, 1, 0), f32(2, 3, 4))),
    (ShapeError, "flatten: argument 'end_dim' is 1; expected an int in [-1, 0] for a rank-1 input",
     call(lambda x: td.flatten(x, 0, 1), f32())),
    (ArgumentError, "tile: argument 'reps' is (2, -1); expected ints >= 0", call(lambda x: td.tile(x, (2, -1)), f32(2))),
    (ArgumentError, "tile: argument 'reps' is 2.0; expected a sequence of ints", call(lambda x: td.tile(x, 2.0), f32(2))),
    (ArgumentError, "repeat: argument 'repeats' is [1, 2]; expected an int >= 0 (one count for every element)",
     call(lambda x: td.repeat(x, [1, 2], 0), f32(2))),
    (ArgumentError, "repeat: argument 'repeats' is -1; expected an int >= 0 (one count for every element)",
     call(lambda x: td.repeat(x, -1), f32(2))),
    (ShapeError, "repeat: argument 'axis' is 0; expected None for a 0-D input (it has no axis)",
     call(lambda x: td.repeat(x, 2, axis=0), f32())),
    (ArgumentError, "flip: argument 'axis' is (0, 0); expected unique axes", call(lambda x: td.flip(x, (0, 0)), f32(2))),
    (ShapeError, "flip: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda x: td.flip(x, 2), f32(2, 2))),
    (DTypeError, "argmax: argument 'x' has dtype bool; expected one of float32, float16, bfloat16, int32, int64 "
                 "(TopK's input types)",
     call(lambda x: td.argmax(x), (td.bool_, (2,)))),
    (DTypeError, "argmin: argument 'dtype' is td.float32; expected td.int32 or td.int64 (TopK's index types)",
     call(lambda x: td.argmin(x, dtype=td.float32), f32(2))),
    (ArgumentError, "argmax: argument 'keepdims' is 1; expected a bool", call(lambda x: td.argmax(x, 0, 1), f32(2))),
    (ShapeError, "argmax: argument 'axis' is 0; expected None for a 0-D input (it has no axis)",
     call(lambda x: td.argmax(x, 0), f32())),
    (ShapeError, "argmin: argument 'axis' is -3; expected an int in [-2, 1] for a rank-2 input",
     call(lambda x: td.argmin(x, -3), f32(2, 2))),
    (ShapeError, "argmax: x (shape (2, 0)) has no elements along axis 1; expected at least one",
     call(lambda x: td.argmax(x, 1), f32(2, 0))),
    (ShapeError, "argmin: x (shape (0, n)) has no elements; expected at least one",
     call(lambda x: td.argmin(x), f32(0, "n"))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


@tensorrt_case
def helpers() -> td.Network:
    """The helpers built from layers (td.stack, td.linear, ...): they lower as the layers they are made of."""
    net = td.Network("helpers")
    x = net.input("x", td.float32, ("n", 4, 6))
    n = x.shape[0]
    net.output("stack", td.stack([x, x * 2.0], axis=-1))
    for i, part in enumerate(td.split(x, [2, n], axis=2)):
        net.output(f"split{i}", part)
    net.output("flatten", td.flatten(x, 1))
    net.output("tile", td.tile(x, (1, 2, 1)))
    net.output("repeat", td.repeat(x, 2, axis=1))
    net.output("flip", td.flip(x, (0, 2)))
    net.output("argmax", td.argmax(x, 1))
    net.output("argmin", td.argmin(x, keepdims=True, dtype=td.int64))
    net.output("last", x[n - 1, :n])
    net.output("zeros", td.zeros(x.shape))
    heads = td.split_heads(td.linear(x, randn(6, 6), randn(6)), 2)
    net.output("attention", td.merge_heads(td.silu(heads)))
    images = net.input("images", td.float32, ("n", 4, 3, 3))
    net.output("batch_norm", td.batch_norm(images, *(np.linspace(0.5, 1.5, 4) for _ in range(4))))
    net.output("log_softmax", td.log_softmax(x))
    net.output("hard_swish", td.hard_swish(x))
    return net


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "argmax": lambda e: dict(x=e.m, axis=1, keepdims=False, dtype=td.int32),
    "argmin": lambda e: dict(x=e.m, axis=1, keepdims=False, dtype=td.int32),
    "stack": lambda e: dict(tensors=[e.m, e.m], axis=0),
    "split": lambda e: dict(x=e.m, indices_or_sections=3, axis=1),
    "flatten": lambda e: dict(x=e.x, start_dim=1, end_dim=-1),
    "flip": lambda e: dict(x=e.m, axis=1),
    "repeat": lambda e: dict(x=e.m, repeats=2, axis=1),
    "tile": lambda e: dict(x=e.m, reps=(1, 2)),
}
