"""Slice (every SampleMode) against a per-element Python formula; Python indexing against NumPy's."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, expect_error, run_layer, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from backend_rows import Row, one_input, each, tensorrt_case, tensorrt_expectation, Layer, Const, ANY

MODES = ["strict_bounds", "wrap", "clamp", "fill", "reflect"]


def source_coordinate(mode, x, d):
    """The input coordinate read for raw coordinate x on an axis of size d (None: the fill value).
    REFLECT is computed by folding at the edges until inside, one bounce at a time."""
    if mode == "wrap":
        return x % d
    if mode == "clamp":
        return min(max(x, 0), d - 1)
    if mode == "reflect":
        if d == 1:
            return 0
        while not 0 <= x < d:
            x = -x if x < 0 else 2 * (d - 1) - x
        return x
    return x if 0 <= x < d else None


def python_slice(x, start, size, stride, mode, fill):
    out = np.empty(size, x.dtype)
    for y in np.ndindex(*size):
        coords = [source_coordinate(mode, b + i * s, d) for b, i, s, d in zip(start, y, stride, x.shape)]
        out[y] = fill if None in coords else x[tuple(coords)]
    return out


@st.composite
def slice_case(draw):
    mode = draw(st.sampled_from(MODES))
    dtypes = [np.float32, np.float16, np.int32, np.bool_, np.int8]
    if mode in ("strict_bounds", "wrap"):
        dtypes += [np.int64, td.bfloat16.numpy]
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    start, size, stride = [], [], []
    for d in shape:
        st_ = draw(st.integers(-3, 3))
        n = draw(st.integers(0, 5))
        if mode == "strict_bounds":
            # only in-range reads: pick the first coordinate, then a size that stays inside
            if d == 0:
                b, n = 0, 0
            else:
                b = draw(st.integers(0, d - 1))
                room = (d - 1 - b) // st_ + 1 if st_ > 0 else b // -st_ + 1 if st_ < 0 else 5
                n = min(n, room)
        else:
            b = draw(st.integers(-6, 6))
            if d == 0 and mode != "fill":
                n = 0
        start.append(b)
        size.append(n)
        stride.append(st_)
    if dtype == np.int8:
        x = draw(arrays(np.int32, shape, min_value=-128, max_value=127)).astype(np.int8)
    else:
        x = draw(arrays(dtype, shape))
    fill = None
    if mode == "fill" and draw(st.booleans()):
        fill = np.asarray(draw(arrays(dtype, ()) if dtype != np.int8 else st.just(np.int8(-7)))).astype(dtype)
    return x, tuple(start), tuple(size), tuple(stride), mode, fill


@given(case=slice_case())
def test_slice_matches_the_per_element_formula(case):
    x, start, size, stride, mode, fill = case
    got = run_layer(lambda t: td.slice(t, start, size, stride, mode=mode, fill=fill), x)
    want = python_slice(x, start, size, stride, mode, np.zeros((), x.dtype) if fill is None else fill)
    assert got.dtype == x.dtype and got.shape == size
    np.testing.assert_array_equal(got.astype(np.float64), want.astype(np.float64))


def test_documented_examples():
    x = np.array([[0, 2, 4], [1, 3, 5]], np.float32)
    assert run_layer(lambda t: td.slice(t, (1, 0), (1, 2), (1, 2)), x).tolist() == [[1, 5]]
    # reflection repeats indefinitely, and a single pixel repeats itself
    y = run_layer(lambda t: td.slice(t, (-9,), (20,), mode="reflect"), np.array([1, 2, 3], np.int32))
    assert y.tolist() == [2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3]
    z = run_layer(lambda t: td.slice(t, (-2,), (5,), mode="reflect"), np.array([7], np.int32))
    assert z.tolist() == [7] * 5


def test_zero_stride_repeats_a_coordinate():
    got = run_layer(lambda t: td.slice(t, (1, 0), (3, 2), (0, 1)), np.arange(6, dtype=np.int32).reshape(3, 2))
    assert got.tolist() == [[2, 3]] * 3


def test_fill_value_from_a_tensor_of_a_convertible_type():
    def build(x, f):
        return td.slice(x, (-1,), (4,), mode="fill", fill=f)
    got = run_layer(build, np.array([1, 2], np.float32), np.array(9.5, np.float16))
    assert got.dtype == np.float32 and got.tolist() == [9.5, 1, 2, 9.5]


@pytest.mark.parametrize("backend", ["reference", "onnxruntime"])
@pytest.mark.parametrize("value, want", [(300.7, 127), (1e10, 127), (-np.inf, -128), (np.nan, 0), (-2.7, -2),
                                         (126.9, 126)])
def test_a_float_fill_value_for_int8_data_converts_as_cast_does(backend, value, want):
    """Truncated toward zero, saturated to int8's range, NaN to 0 (not NumPy's astype, whose result for
    values out of range depends on the platform), on the reference and in the ONNX export."""
    net = td.Network("s")
    x = net.input("x", td.int8, (2,))
    f = net.input("f", td.float32, ())
    net.output("y", td.slice(x, (0,), (3,), mode="fill", fill=f))
    got = net.run({"x": np.array([1, -1], np.int8), "f": np.float32(value)}, backend=backend)["y"]
    assert got.dtype == np.int8 and got.tolist() == [1, -1, want]


def test_dynamic_full_slice_and_runtime_bounds():
    net = td.Network("s")
    x = net.input("x", td.float32, ("n", 3))
    y = td.slice(x, (0, 1), (x.shape[0], 2))
    assert str(y.type) == "f32[n,2]"
    net.output("y", y)
    net.output("z", td.slice(x, (2, 0), (1, 3)))
    data = np.arange(9, dtype=np.float32).reshape(3, 3)
    out = net.run({"x": data})
    np.testing.assert_array_equal(out["y"], data[:, 1:])
    np.testing.assert_array_equal(out["z"], data[2:3])
    with pytest.raises(ExecutionError, match=r"Slice \(layer slice_1\): axis 0 has size 2 when the network runs "
                                             r"but the slice reads coordinates 2 to 2 \(STRICT_BOUNDS"):
        net.run({"x": data[:2]})


def test_modes_fail_on_a_dim_that_is_empty_at_run_time():
    net = td.Network("s")
    x = net.input("x", td.float32, ("n",))
    net.output("y", td.slice(x, (0,), (2,), mode="clamp"))
    with pytest.raises(ExecutionError, match=r"Slice \(layer slice_0\): CLAMP: axis 0 is empty at run time"):
        net.run({"x": np.zeros(0, np.float32)})


def test_textual_ir_shows_the_mode_unless_strict_and_keeps_input_positions():
    net = td.Network("s")
    x = net.input("x", td.float32, (4,))
    net.output("a", td.slice(x, (1,), (2,)))
    net.output("b", td.slice(x, (-1,), (6,), mode="fill", fill=2.0))
    text = net.format(locations=False)
    assert "%a : f32[2] = Slice(%x, start=(1,), size=(2,), stride=(1,))" in text
    assert ("%b : f32[6] = Slice(%x, None, None, None, %constant_0, start=(-1,), size=(6,), stride=(1,), mode=FILL)"
            in text)


# -- Python indexing ------------------------------------------------------------------------------

def index_items(d):
    ints = st.integers(-d, d - 1) if d else st.nothing()
    bound = st.one_of(st.none(), st.integers(-d - 2, d + 2))
    slices = st.builds(slice, bound, bound, st.one_of(st.none(), st.integers(-3, 3).filter(bool)))
    return st.one_of(ints, slices)


@st.composite
def index_case(draw):
    x = draw(arrays(np.int32, shapes(min_dims=0, max_dims=4, max_side=4)))
    items = [draw(index_items(d)) for d in x.shape]
    head = draw(st.integers(0, len(items)))
    if draw(st.booleans()):
        # '...' stands for the axes between a leading and a trailing group of items
        tail = draw(st.integers(head, len(items)))
        items = items[:head] + [Ellipsis] + items[tail:]
    else:
        items = items[:head]
    for _ in range(draw(st.integers(0, 2))):
        items.insert(draw(st.integers(0, len(items))), None)
    key = items[0] if len(items) == 1 and draw(st.booleans()) else tuple(items)
    return x, key


@given(case=index_case())
def test_indexing_matches_numpy(case):
    x, key = case
    got = run_layer(lambda t: t[key], x)
    want = np.asarray(x[key])
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_indexing_builds_one_slice_then_squeeze_then_unsqueeze():
    net = td.Network("ix")
    x = net.input("x", td.float32, (3, 4, 5))
    y = x[1, ::2, None, -1]
    assert y.shape == (2, 1)
    kinds = [n.op.kind for n in net.nodes]
    assert kinds == ["Slice", "Squeeze", "Unsqueeze"]
    assert net.nodes[0].op == td.ops.Slice((1, 0, 4), (1, 2, 1), (1, 2, 1))
    assert x[:, ...] is x and len(net.nodes) == 3
    x[None]
    assert [n.op.kind for n in net.nodes][3:] == ["Unsqueeze"]


def test_indexing_dynamic_dims():
    net = td.Network("ix")
    x = net.input("x", td.int32, ("b", 3))
    y = x[:, 1]
    z = x[0]
    assert str(y.type) == "i32[b]" and str(z.type) == "i32[3]"
    net.output("y", y)
    net.output("z", z)
    data = np.arange(6, dtype=np.int32).reshape(2, 3)
    out = net.run({"x": data})
    np.testing.assert_array_equal(out["y"], data[:, 1])
    np.testing.assert_array_equal(out["z"], data[0])


@pytest.mark.parametrize("static", [True, False], ids=["static-axis", "dynamic-axis"])
@given(n=st.integers(1, 6), data=st.data())
def test_dims_as_indices_and_slice_bounds(static, n, data):
    """Bounds read from another input's shape, against Python's own slicing of a list."""
    m = data.draw(st.integers(1, n))
    k = data.draw(st.integers(0, m))
    x = np.arange(n * 2, dtype=np.int32).reshape(n, 2)
    net = td.Network("dims")
    t = net.input("x", td.int32, (n, 2) if static else ("n", 2))
    a = net.input("a", td.float32, ("m",))
    b = net.input("b", td.float32, ("k",))
    mm, kk = a.shape[0], b.shape[0]
    built = {
        "head": t[:mm], "tail": t[mm:], "mid": t[kk:mm], "last": t[mm - 1], "back": t[mm - 1::-1],
        "stride": t[kk::2, 1],
    }
    if k <= n - 1:  # else the size is negative when the network runs
        built["mixed"] = t[kk:-1 if static else t.shape[0] - 1]
    for name, y in built.items():
        net.output(name, y)
    out = net.run({"x": x, "a": np.zeros(m, np.float32), "b": np.zeros(k, np.float32)})
    rows = [list(r) for r in x]
    want = {
        "head": rows[:m], "tail": rows[m:], "mid": rows[k:m], "last": rows[m - 1], "back": rows[m - 1::-1],
        "stride": [r[1] for r in rows[k::2]], "mixed": rows[k:n - 1],
    }
    for name in built:
        rows_want = want[name]
        expected = np.array(rows_want, np.int32).reshape(out[name].shape)
        assert out[name].shape[0] == len(rows_want), name
        np.testing.assert_array_equal(out[name], expected, err_msg=name)


def test_dim_bounds_outside_the_axis_fail_when_the_network_runs():
    net = td.Network("dims")
    x = net.input("x", td.float32, (3, 2))
    a = net.input("a", td.float32, ("m",))
    net.output("y", x[:a.shape[0]])
    assert net.run({"x": np.ones((3, 2), np.float32), "a": np.ones(3, np.float32)})["y"].shape == (3, 2)
    with pytest.raises(ExecutionError, match="axis 0 has size 3 when the network runs but the slice reads coordinates 0 to 3"):
        net.run({"x": np.ones((3, 2), np.float32), "a": np.ones(4, np.float32)})


def test_a_dim_index_of_the_same_axis_adds_no_layer_for_full_slices():
    net = td.Network("dims")
    x = net.input("x", td.float32, ("n", 2))
    assert x[:x.shape[0]] is x and x[0:x.shape[0]:1, :] is x


@given(x=arrays(np.float32, shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)), data=st.data())
def test_indexing_with_an_integer_tensor_gathers_axis_0(x, data):
    idx = data.draw(arrays(np.int32, shapes(min_dims=0, max_dims=2, max_side=3), min_value=-x.shape[0],
                           max_value=x.shape[0] - 1))
    got = run_layer(lambda t, i: t[i], x, idx)
    want = np.array([x[int(i)] for i in idx.ravel()], x.dtype).reshape(idx.shape + x.shape[1:])
    np.testing.assert_array_equal(got, want)
    listed = run_layer(lambda t: t[[0, -1]], x)
    np.testing.assert_array_equal(listed, np.stack([x[0], x[-1]]))


# -- errors ---------------------------------------------------------------------------------------

def call(build, *specs):
    def run():
        net = td.Network("e")
        return build(*[net.input(f"t{i}", dt, shape) for i, (dt, shape) in enumerate(specs)])
    return run


F32 = td.float32
ROWS = [
    (ShapeError, "Slice: axis 1 reads coordinates 2 to 4 (start 2, size 2, stride 2) but input shape (2, 4) has 4 "
                 "there; STRICT_BOUNDS needs them in [0, d) (modes WRAP, CLAMP, FILL and REFLECT handle out-of-range "
                 "coordinates)",
     call(lambda x: td.slice(x, (0, 2), (1, 2), (1, 2)), (F32, (2, 4)))),
    (ShapeError, "Slice: axis 0 reads coordinates -1 to -1 (start -1, size 1, stride 1) but input shape (3,) has 3 "
                 "there; STRICT_BOUNDS needs them in [0, d) (modes WRAP, CLAMP, FILL and REFLECT handle out-of-range "
                 "coordinates)",
     call(lambda x: td.slice(x, (-1,), (1,)), (F32, (3,)))),
    (ShapeError, "Slice: mode REFLECT cannot sample axis 0 of input shape (0,), which is empty; the output dim must be "
                 "0 there, not 2",
     call(lambda x: td.slice(x, (0,), (2,), mode="reflect"), (F32, (0,)))),
    (DTypeError, "Slice: mode CLAMP does not support dtype int64; TensorRT's CLAMP, FILL and REFLECT modes exclude "
                 "int64 and bfloat16",
     call(lambda x: td.slice(x, (0,), (2,), mode="clamp"), (td.int64, (2,)))),
    (DTypeError, "Slice: input 'data' has dtype uint8; expected one of bool, int4, int8, int32, int64, float8_e4m3, "
                 "float32, float16, bfloat16",
     call(lambda x: td.slice(x, (0,), (1,)), (td.uint8, (2,)))),
    (ShapeError, "slice: argument 'size' (%t1) has the dynamic length n; TensorRT needs a shape tensor's length when the "
                 "network is built (it is the rank of a result)",
     call(lambda x, y: td.slice(x, (0,), y), (F32, ("n",)), (td.int32, ("n",)))),
    (DTypeError, "Slice: input 4 (the fill value) has dtype int32 but the data is float32; expected the same dtype "
                 "(or, among float32, float16, int8 and float8_e4m3, one TensorRT converts)",
     call(lambda x, f: td.slice(x, (0,), (3,), mode="fill", fill=f), (F32, (2,)), (td.int32, ()))),
    (ShapeError, "Slice: input 4 (the fill value) has shape (1,); expected a 0-D tensor",
     call(lambda x, f: td.slice(x, (0,), (3,), mode="fill", fill=f), (F32, (2,)), (F32, (1,)))),
    (ArgumentError, "slice: argument 'fill' is 1.0; expected None: only FILL mode takes a fill value (mode is CLAMP)",
     call(lambda x: td.slice(x, (0,), (3,), mode="clamp", fill=1.0), (F32, (2,)))),
    (ShapeError, "slice: argument 'fill' is [1.0, 2.0]; expected a number, a 0-D array or a 0-D tensor",
     call(lambda x: td.slice(x, (0,), (3,), mode="fill", fill=[1.0, 2.0]), (F32, (2,)))),
    (ArgumentError, "slice: argument 'mode' is 'nearest'; expected one of 'strict_bounds', 'wrap', 'clamp', 'fill', "
                    "'reflect'",
     call(lambda x: td.slice(x, (0,), (1,), mode="nearest"), (F32, (2,)))),
    (ArgumentError, "slice: argument 'start' is (0, 0); expected 1 ints",
     call(lambda x: td.slice(x, (0, 0), (1,)), (F32, (2,)))),
    (ArgumentError, "slice: argument 'size' is (-1,); expected 1 ints >= 0 (or dims of x.shape)",
     call(lambda x: td.slice(x, (0,), (-1,)), (F32, (2,)))),
    (ArgumentError, "slice: argument 'size' is 2.5; expected 1 ints >= 0 (or dims of x.shape)",
     call(lambda x: td.slice(x, (0,), 2.5), (F32, (2,)))),
    (ArgumentError, "slice: argument 'stride' is ('a',); expected a sequence of ints",
     call(lambda x: td.slice(x, (0,), (1,), ("a",)), (F32, (2,)))),
    # indexing
    (ShapeError, "%t0[3]: index 3 is out of bounds for axis 0 with size 3", call(lambda x: x[3], (F32, (3, 2)))),
    (ShapeError, "%t0[:, -3]: index -3 is out of bounds for axis 1 with size 2", call(lambda x: x[:, -3], (F32, (3, 2)))),
    (ShapeError, "%t0[0, 0, 0]: too many indices for a tensor of shape (3, 2): 3 were given",
     call(lambda x: x[0, 0, 0], (F32, (3, 2)))),
    (ArgumentError, "%t0[..., 0, ...]: an index can have only one ellipsis ('...')",
     call(lambda x: x[..., 0, ...], (F32, (3, 2)))),
    (ArgumentError, "%t0[::0]: slice step cannot be zero", call(lambda x: x[::0], (F32, (3,)))),
    (ArgumentError, "%t0[0.5]: 0.5 is not a valid index; expected ints, dims, slices, '...', None "
                    "(np.newaxis), or an integer tensor as the whole index",
     call(lambda x: x[0.5], (F32, (3,)))),
    (ArgumentError, "%t0[True]: True is not a valid index; expected ints, dims, slices, '...', None "
                    "(np.newaxis), or an integer tensor as the whole index",
     call(lambda x: x[True], (F32, (3,)))),
    (ArgumentError, "%t0[:'a']: slice bounds must be ints, dims or None, not 'a'",
     call(lambda x: x[:"a"], (F32, (3,)))),
    (ArgumentError, "%t0[:Tensor(%t1: i32[])]: slice bounds must be ints, dims or None, not "
                    "Tensor(%t1: i32[]); "
                    "a bound held "
                    "in a tensor is a shape tensor for td.slice (x[:k] is td.slice(x, (0,), (k,)))",
     call(lambda x, k: x[:k], (F32, ("n",)), (td.int32, ()))),
    (ArgumentError, "%t0[::n]: slice steps must be ints or None, not Dim('n')",
     call(lambda x: x[::x.shape[0]], (F32, ("n",)))),
    (ArgumentError, "%t0[0.5:n]: slice bounds must be ints, dims or None, not 0.5",
     call(lambda x: x[0.5:x.shape[0]], (F32, ("n",)))),
    (ArgumentError, "%t0[0, %t1]: tensors and arrays are supported only as the whole index (x[idx], a gather on axis "
                    "0); use td.take, td.take_along_axis or td.gather_nd for other gathers",
     call(lambda x, i: x[0, i], (F32, (3, 2)), (td.int32, (2,)))),
    (DTypeError, "getitem: argument 'key' is array([ True, False]); expected ints, slices or an integer "
                 "index tensor, not a boolean mask: keep x's shape with td.where(mask, x, 0), or take the "
                 "selected values as NumPy's x[mask] does with td.gather_nd(x, td.nonzero(mask).T)",
     call(lambda x: x[np.array([True, False])], (F32, (2,)))),
]


@pytest.mark.parametrize("cls,message,build", ROWS, ids=[r[1][:60] for r in ROWS])
def test_errors(cls, message, build):
    expect_error(cls, message, build)


def test_the_layer_checks_what_the_function_cannot():
    net = td.Network("e")
    x = net.input("x", F32, (2, 3))
    i = net.input("i", td.int32, (2,))
    expect_error(DTypeError, "Slice: input 'start' has dtype float32; a shape tensor is int32 or int64",
                 lambda: net.add1(td.ops.Slice((0, 0), (1, 1), (1, 1)), (x, i.astype(td.float32))))
    expect_error(ShapeError, "Slice: size[0] is the dynamic dim m, which is not dim 0 of input shape (2, 3); a size "
                             "computed from dynamic dims comes as input 2, a shape tensor (td.slice makes it)",
                 lambda: net.add1(td.ops.Slice((0, 0), (td.Dim.symbol("m"), 1), (1, 1)), (x,)))
    expect_error(ShapeError, "Slice: input 4 (the fill value) is only allowed in FILL mode, not WRAP",
                 lambda: net.add1(td.ops.Slice((0, 0), (1, 1), (1, 1), td.SampleMode.WRAP),
                                  (x, None, None, None, x[0, 0])))
    expect_error(ShapeError, "Slice: argument 'size' is (1,); expected 2 values, one per dim of input shape (2, 3)",
                 lambda: net.add1(td.ops.Slice((0, 0), (1,), (1, 1)), (x,)))
    expect_error(ArgumentError, "Slice: argument 'stride' is (1, True); expected ints",
                 lambda: net.add1(td.ops.Slice((0, 0), (1, 1), (1, True)), (x,)))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    from trtdsl.layers.slice import SampleMode

    rows = []
    for mode in SampleMode:
        if mode is SampleMode.STRICT_BOUNDS:
            params = [((1, 0), (1, 2), (1, 2)), ((2, 2), (3, 2), (-1, -2)), ((0, 1), (3, 1), (0, 1))]
        else:
            params = [((-2, -1), (7, 5), (1, 1)), ((4, 3), (5, 4), (-2, -1)), ((1, -3), (2, 6), (0, 2))]
        variants = {
            f"start{a}_size{b}_stride{c}".replace(" ", ""): (
                lambda x, a=a, b=b, c=c, m=mode: td.slice(x, a, b, c, mode=m)
            )
            for a, b, c in params
        }
        for dtype in (td.float32, td.int32, td.bool_):
            rows.append(Row(f"slice-{mode.name}-{dtype.name}", each({"x": (dtype, (3, 3))}, variants)))
            rows.append(
                Row(
                    f"slice-{mode.name}-{dtype.name}-dynamic",
                    one_input(
                        dtype,
                        lambda x, m=mode: (
                            td.slice(x, (0, -1), (x.shape[0], 4), (1, 1), mode=m)
                            if m is not SampleMode.STRICT_BOUNDS
                            else x[:, 1:]
                        ),
                        ("n", 3),
                    ),
                    dims={"n": (1, 2, 4)},
                )
            )
    rows.append(
        Row(
            "slice-FILL-fill-input-float32",
            lambda net: net.output(
                "y",
                td.slice(
                    net.input("x", td.float32, ("n", 3)),
                    (-1, 1),
                    (net.inputs["x"].shape[0], 4),
                    mode="fill",
                    fill=net.input("f", td.float32, ()),
                ),
            ),
        )
    )
    rows.append(
        Row(
            "slice-FILL-empty-float32",
            one_input(td.float32, lambda x: td.slice(x, (0, -1), (2, 2), mode="fill", fill=2.5), (3, 0)),
        )
    )
    return rows


@tensorrt_case
def slices() -> td.Network:
    net = td.Network("slices")
    x = net.input("x", td.float32, ("n", 6, 5))
    net.output("basic", x[:, 1:5:2, ::-1])
    net.output("index", x[:, 2])
    for mode in ("wrap", "clamp", "reflect"):
        net.output(mode, td.slice(x, (0, -2, 1), (2, 9, 3), (1, 1, 2), mode=mode))
    net.output("fill", td.slice(x, (0, -1, 0), (1, 8, 5), mode="fill", fill=7.0))
    net.output("full_dynamic", td.slice(x, (0, 1, 0), (x.shape[0], 4, 5)))
    y = net.input("y", td.int32, (4, 4, 4, 4))
    net.output("pad_const", td.pad(y, ((0, 0), (1, 2), (0, 0), (3, 0)), constant_values=-1))
    net.output("pad_edge", td.pad(y, ((0, 0), (2, 1), (1, 0), (0, 3)), mode="edge"))
    net.output("padding_nd", td.padding_nd(y, (1, -1), (0, 2)))
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
def slice_parameters(shape: tuple[int, ...], index: tuple[slice, ...]) -> dict[str, tuple[int, ...]]:
    """ISliceLayer's start, size and stride for ``x[index]`` (output[i] = input[start + i * stride]), from
    Python's own slice rules."""
    start, size, stride = [], [], []
    for n, s in zip(shape, index):
        first, stop, step = s.indices(n)
        start.append(first)
        size.append(len(range(first, stop, step)))
        stride.append(step)
    return {"start": tuple(start), "shape": tuple(size), "stride": tuple(stride)}


SLICED = (slice(1, None), slice(1, 5, 2), slice(None, None, -1))


@tensorrt_expectation("slice_strided", "NvInfer.h ISliceLayer: output[i] = input[start + i*stride] per dim (kSTRICT_BOUNDS)",
     {"Slice": Layer("add_slice", {**slice_parameters((4, 6, 5), SLICED), "mode": "SampleMode.STRICT_BOUNDS"},
                     ("x",))})
def _(net):
    net.output("y", net.input("x", td.float32, (4, 6, 5))[SLICED])


@tensorrt_expectation("slice_wrap", "NvInfer.h ISliceLayer, SampleMode::kWRAP",
     {"Slice": Layer("add_slice", {"start": (0, -2, 1), "shape": (2, 9, 3), "stride": (1, 1, 2),
                                   "mode": "SampleMode.WRAP"}, ("x",))})
def _(net):
    net.output("y", td.slice(net.input("x", td.float32, (3, 6, 5)), (0, -2, 1), (2, 9, 3), (1, 1, 2), mode="wrap"))


@tensorrt_expectation("slice_fill", "NvInfer.h ISliceLayer, SampleMode::kFILL: the fill value is input 4 (np.pad's "
     "pre-padding p is start -p)",
     {"Slice": Layer("add_slice", {"start": (0, -1, 0, -3), "shape": (4, 7, 4, 7), "stride": (1, 1, 1, 1),
                                   "mode": "SampleMode.FILL"},
                     ("x", None, None, None, Const(np.array(-1, np.int32))))})
def _(net):
    x = net.input("x", td.int32, (4, 4, 4, 4))
    net.output("y", td.pad(x, ((0, 0), (1, 2), (0, 0), (3, 0)), constant_values=-1))


@tensorrt_expectation("slice_clamp", "NvInfer.h SampleMode::kCLAMP (np.pad's edge mode)",
     {"Slice": Layer("add_slice", {"start": (-2, -1), "shape": (5, 4), "stride": (1, 1),
                                   "mode": "SampleMode.CLAMP"}, ("x",))})
def _(net):
    net.output("y", td.pad(net.input("x", td.float32, (2, 3)), ((2, 1), (1, 0)), mode="edge"))


@tensorrt_expectation("slice_reflect", "NvInfer.h SampleMode::kREFLECT",
     {"Slice": Layer("add_slice", {"start": (0, -2), "shape": (2, 6), "stride": (1, 1),
                                   "mode": "SampleMode.REFLECT"}, ("x",))})
def _(net):
    net.output("y", td.pad(net.input("x", td.float32, (2, 3)), ((0, 0), (2, 1)), mode="reflect"))


@tensorrt_expectation("slice_dynamic_size", "NvInfer.h ISliceLayer: a size computed at run time is input 2 (a 1-D shape "
     "tensor)",
     {"Slice": Layer("add_slice", {"start": (0, 1), "stride": (1, 1), "mode": "SampleMode.STRICT_BOUNDS"},
                     ("x", None, ANY))})
def _(net):
    net.output("y", net.input("x", td.float32, ("n", 6))[:, 1:4])


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "slice": lambda e: dict(x=e.m, start=(0, 0), size=(1, 2), stride=(1, 1)),
}


def test_a_dim_that_is_never_positive_is_refused_as_an_index_or_bound():
    """-k of a dynamic dim k (x[-k:], NumPy's last k) would read before the axis: dims count from the start
    (TensorRT's Slice). A difference that may be positive (n - k) stays, and so does -k + k."""
    net = td.Network("neg")
    x = net.input("x", td.float32, ("n", 3))
    k = net.input("y", td.float32, ("k",)).shape[0]
    for index in (np.s_[-k:], np.s_[:-k], np.s_[-k - 1:], -k, np.s_[0 - k::2]):
        with pytest.raises(ShapeError, match=r"is never positive: a dim counts from the start of the axis"):
            x[index]
    last = x[x.shape[0] - k:]
    assert str(last.type) == "f32[k,3]" and str(x[-k + k:].type) == "f32[n,3]"
    net.output("last", last)
    values = np.arange(15, dtype=np.float32).reshape(5, 3)
    np.testing.assert_array_equal(net.run({"x": values, "y": np.ones(2, np.float32)})["last"], values[-2:])


def test_bounds_that_cross_on_a_short_dynamic_axis_name_the_size_and_start():
    net = td.Network("s")
    x = net.input("x", td.float32, ("n",))
    y = x[1:-1]
    net.output("y", y)
    with pytest.raises(ExecutionError) as info:
        net.run({"x": np.ones(1, np.float32)})
    assert info.value.message == ("Slice (layer slice_0): the size [-1] read when the network ran (from start [1] "
                                  "on an input of shape (1,)) has a negative dim: a bound lies beyond the other "
                                  "end of its axis")
    assert info.value.location == y.producer.location
    np.testing.assert_array_equal(net.run({"x": np.arange(4, dtype=np.float32)})["y"], [1, 2])


@pytest.mark.parametrize("n", [1, 3, 7])
def test_slices_empty_on_every_axis_size_are_empty_on_a_dynamic_axis(n):
    """Bounds whose count is never positive (both of one sign, start past stop) select nothing, on a dynamic
    axis of any size as on a static one and in NumPy, rather than failing as a negative size."""
    net = td.Network("s")
    x = net.input("x", td.float32, ("n",))
    d = x.shape[0]
    keys = {"ascending": np.s_[5:1], "descending": np.s_[1:5:-1], "negative": np.s_[-1:-3],
            "dims": np.s_[d:d - 2]}
    for name, key in keys.items():
        y = x[key]
        assert y.shape == (0,), name
        net.output(name, y)
    data = np.arange(n, dtype=np.float32)
    out = net.run({"x": data})
    assert {name: out[name].tolist() for name in keys} == {
        "ascending": data[5:1].tolist(), "descending": data[1:5:-1].tolist(), "negative": data[-1:-3].tolist(),
        "dims": data[n:n - 2].tolist()}


@pytest.mark.parametrize("backend", ["reference", "onnxruntime"])
def test_an_fp8_fill_value_for_int8_data_saturates_as_a_float_does(backend):
    """fp8 is a float (ml_dtypes gives it NumPy's kind 'V'): 288 saturates to 127, as float32 288 does."""
    import ml_dtypes

    net = td.Network("s")
    x = net.input("x", td.int8, (2,))
    f = net.input("f", td.float8_e4m3, ())
    net.output("y", td.slice(x, (0,), (3,), mode="fill", fill=f))
    for value, want in ((288.0, 127), (-448.0, -128), (2.5, 2)):
        feeds = {"x": np.array([1, -1], np.int8), "f": np.array(value, ml_dtypes.float8_e4m3fn)}
        assert net.run(feeds, backend=backend)["y"].tolist() == [1, -1, want]
