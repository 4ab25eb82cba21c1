"""Fill (td.fill, td.arange, random fills) and the constructors built on Slice (td.full, td.zeros, td.ones,
their _like forms, td.broadcast_to), with static and dynamic shapes."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, expect_error, run_layer, shapes

import trtdsl as td
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError
from backend_rows import Row, one_input, tensorrt_expectation, Layer, Const, ANY


@pytest.fixture(autouse=True)
def no_synchronization():
    """None of these shapes needs values computed on the GPU."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", td.ShapeSyncWarning)
        yield


def linspace_formula(shape, alpha, beta, dtype):
    """alpha + sum_k beta[k] * i_k, element by element in Python (exact integers, float64 floats)."""
    out = np.empty(shape, dtype)
    for index in np.ndindex(*shape):
        value = alpha + sum(b * i for b, i in zip(beta, index))
        out[index] = np.array(value).astype(np.int64).astype(dtype) if np.dtype(dtype).kind == "i" else value
    return out


@pytest.mark.parametrize("dtype", [td.int32, td.int64, td.float32], ids=lambda d: d.name)
@given(data=st.data())
def test_linspace_is_an_affine_function_of_the_index(dtype, data):
    shape = data.draw(shapes(min_dims=1, max_dims=4, max_side=4))
    number = st.integers(-1000, 1000) if dtype.is_integer else st.floats(-1000, 1000, width=32)
    alpha = data.draw(number)
    beta = tuple(data.draw(number) for _ in shape)
    got = run_layer(lambda x: td.fill(shape, "linspace", alpha, beta, dtype, like=x), np.zeros(1, np.float32))
    want = linspace_formula(shape, alpha, beta, dtype.numpy)
    assert got.dtype == dtype.numpy and got.shape == shape
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=1e-6, atol=1e-3)


def test_linspace_documented_example():
    got = run_layer(
        lambda x: td.fill((3, 4), "linspace", 1, (100, 10), td.int32, like=x), np.zeros(1, np.float32)
    )
    assert got.tolist() == [[1, 11, 21, 31], [101, 111, 121, 131], [201, 211, 221, 231]]


def test_int32_linspace_wraps():
    got = run_layer(
        lambda x: td.fill((3,), "linspace", 2**31 - 2, 1, td.int32, like=x), np.zeros(1, np.float32)
    )
    assert got.tolist() == [2**31 - 2, 2**31 - 1, -(2**31)]


@given(n=st.integers(0, 7), alpha=st.integers(-5, 5), data=st.data())
def test_linspace_with_dynamic_dims_and_tensor_parameters(n, alpha, data):
    beta = data.draw(st.lists(st.integers(-5, 5), min_size=2, max_size=2))
    net = td.Network("f")
    x = net.input("x", td.int64, ("n",))
    a = net.input("a", td.int64, ())
    b = net.input("b", td.int64, (2,))
    net.output("y", td.fill((x.shape[0], 3), "linspace", a, b, td.int64))
    got = net.run({"x": np.zeros(n, np.int64), "a": np.int64(alpha), "b": np.array(beta, np.int64)})["y"]
    np.testing.assert_array_equal(got, linspace_formula((n, 3), alpha, beta, np.int64))


@given(start=st.integers(-20, 20), stop=st.integers(-20, 20), step=st.integers(-5, 5).filter(bool))
def test_arange_matches_numpy(start, stop, step):
    got = run_layer(lambda x: td.arange(start, stop, step, like=x), np.zeros(1, np.float32))
    np.testing.assert_array_equal(got, np.arange(start, stop, step))
    assert got.dtype == np.int64


@given(n=st.integers(0, 30), start=st.integers(-5, 5), step=st.integers(-3, 3).filter(bool))
def test_arange_to_a_dynamic_stop(n, start, step):
    """Up to a dim or a 0-D tensor; the length must not be negative then (NumPy would give an empty range)."""
    net = td.Network("a")
    x = net.input("x", td.float32, ("n",))
    count = net.input("count", td.int32, (), shape_tensor=True)
    net.output("by_dim", td.arange(start, x.shape[0], step, like=x))
    net.output("by_tensor", td.arange(start, count, step))
    feeds = {"x": np.zeros(n, np.float32), "count": np.int32(n)}
    if math.ceil((n - start) / step) < 0:
        with pytest.raises(ExecutionError):
            net.run(feeds)
        return
    out = net.run(feeds)
    np.testing.assert_array_equal(out["by_dim"], np.arange(start, n, step))
    np.testing.assert_array_equal(out["by_tensor"], np.arange(start, n, step))


@given(start=st.floats(-10, 10), length=st.integers(0, 20), step=st.sampled_from([0.25, -0.5, 1.5, 0.1]))
def test_float_arange(start, length, step):
    stop = start + length * step
    got = run_layer(lambda x: td.arange(start, stop, step, like=x), np.zeros(1, np.float32))
    want = np.arange(start, stop, step)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("dtype", [td.float32, td.float16], ids=lambda d: d.name)
def test_random_fills_have_the_right_statistics(dtype):
    net = td.Network("r")
    x = net.input("x", td.float32, ("n",))
    net.output("u", td.random_uniform((x.shape[0],), -3.0, 5.0, dtype, like=x))
    net.output("g", td.random_normal((x.shape[0], 2), 10.0, 2.0, dtype, like=x))
    a = net.run({"x": np.zeros(20000, np.float32)})
    b = net.run({"x": np.zeros(20000, np.float32)})
    u, g = a["u"].astype(np.float64), a["g"].astype(np.float64)
    assert a["u"].dtype == dtype.numpy and g.shape == (20000, 2)
    assert (
        -3 <= u.min() and u.max() <= 5 and abs(u.mean() - 1) < 0.1 and abs(u.std() - 8 / math.sqrt(12)) < 0.1
    )
    assert abs(g.mean() - 10) < 0.1 and abs(g.std() - 2) < 0.1
    assert not np.array_equal(a["u"], b["u"])  # new values on every run, as in TensorRT


def test_random_fill_with_tensor_bounds():
    net = td.Network("r")
    low, high = net.input("low", td.float32, ()), net.input("high", td.float32, ())
    net.output("u", td.random_uniform((1000,), low, high))
    u = net.run({"low": np.float32(2), "high": np.float32(2.5)})["u"]
    assert 2 <= u.min() and u.max() <= 2.5


@given(x=arrays(np.float32, shapes(min_dims=0, max_dims=4, max_side=4)), value=st.integers(-100, 100))
def test_full_zeros_ones_and_like(x, value):
    names = [f"d{i}" for i in range(x.ndim)]
    net = td.Network("full")
    t = net.input("x", td.float32, names)
    net.output("full", td.full(t.shape, value, like=t))
    net.output("zeros", td.zeros(t.shape + (2,), td.int64, like=t))
    net.output("ones", td.ones(t.shape, like=t))
    net.output("full_like", td.full_like(t, 0.5))
    net.output("zeros_like", td.zeros_like(t, td.bool))
    net.output("ones_like", td.ones_like(t))
    out = net.run({"x": x})
    for key, want in [
        ("full", np.full(x.shape, value, np.int32)),
        ("zeros", np.zeros(x.shape + (2,), np.int64)),
        ("ones", np.ones(x.shape, np.float32)),
        ("full_like", np.full_like(x, 0.5)),
        ("zeros_like", np.zeros_like(x, bool)),
        ("ones_like", np.ones_like(x)),
    ]:
        assert out[key].dtype == want.dtype, key
        np.testing.assert_array_equal(out[key], want, err_msg=key)


@given(n=st.integers(0, 4))
def test_constructors_find_the_network_from_its_dims(n):
    """Two networks with a dim of the same name: each constructor builds in the network its dims came from."""
    other = td.Network("other")
    elsewhere = other.input("x", td.float32, ("n", 2))
    net = td.Network("own")
    x = net.input("x", td.float32, ("n", 2))
    assert x.shape == elsewhere.shape and td.zeros(elsewhere.shape).network is other
    s = net.input("s", td.float32, (3,))
    built = {
        "zeros": td.zeros(x.shape), "static": td.ones(s.shape, td.int32), "full": td.full((x.shape[0] + 1, 2), 7),
        "arange": td.arange(x.shape[0]), "linspace": td.fill(x.shape[:1], "linspace", 2, 3, td.int64),
    }
    for name, t in built.items():
        assert t.network is net, name
        net.output(name, t)
    out = net.run({"x": np.ones((n, 2), np.float32), "s": np.ones(3, np.float32)})
    np.testing.assert_array_equal(out["zeros"], np.zeros((n, 2), np.float32))
    np.testing.assert_array_equal(out["static"], np.ones(3, np.int32))
    np.testing.assert_array_equal(out["full"], np.full((n + 1, 2), 7, np.int32))
    np.testing.assert_array_equal(out["arange"], np.arange(n))
    np.testing.assert_array_equal(out["linspace"], 2 + 3 * np.arange(n))


def test_a_dim_remembers_its_network_only_while_it_lives():
    net = td.Network("gone")
    dim = net.input("x", td.float32, ("n",)).shape[0]
    del net
    import gc

    gc.collect()
    expect_error(ArgumentError, "full: no argument is a trtdsl Tensor or a dim of one (x.shape), so the network "
                 "is unknown; pass like=<a tensor of the network> (as NumPy's like=)", lambda: td.full((dim,), 0))


@st.composite
def broadcast_case(draw):
    target = draw(shapes(min_dims=0, max_dims=4, min_side=0, max_side=4))
    rank = draw(st.integers(0, len(target)))
    source = tuple(1 if draw(st.booleans()) else d for d in target[len(target) - rank :])
    return draw(arrays(np.int32, source)), target, draw(st.booleans()), draw(st.booleans())


@given(case=broadcast_case())
def test_broadcast_to_matches_numpy(case):
    """Static or dynamic dims in the target and in the input (a dynamic input dim of 1 gets stride 0 when
    the network runs)."""
    x, target, dynamic_target, dynamic_input = case
    net = td.Network("b")
    t = net.input("x", td.int32, [f"x{i}" for i in range(x.ndim)] if dynamic_input else x.shape)
    sizes = net.input("sizes", td.float32, [f"t{i}" for i in range(len(target))])
    shape = sizes.shape if dynamic_target else target
    net.output("y", td.broadcast_to(t, shape))
    got = net.run({"x": x, "sizes": np.zeros(target, np.float32)})["y"]
    np.testing.assert_array_equal(got, np.broadcast_to(x, target))


@given(data=st.data())
def test_broadcast_to_fails_where_numpy_does(data):
    """Source dims that may be neither 1 nor the target's: where NumPy refuses, the definition does (both
    dims static) or the run does, on the reference and on onnxruntime; never part of the input. (An empty
    target reads nothing: its empty result is no error.)"""
    target = data.draw(shapes(min_dims=1, max_dims=3, min_side=0, max_side=4))
    # each dim 1 or the target's, but one that may be anything (so that its failure is the only one)
    odd = data.draw(st.integers(0, len(target) - 1))
    source = tuple(data.draw(st.integers(0, 5) if i == odd else st.sampled_from([1, d]))
                   for i, d in enumerate(target))
    dynamic_input, dynamic_target = data.draw(st.booleans()), data.draw(st.booleans())
    x = np.arange(math.prod(source), dtype=np.float32).reshape(source)
    try:
        want = np.broadcast_to(x, target)
    except ValueError:
        want = None
    net = td.Network("b")
    t = net.input("x", td.float32, [f"x{i}" for i in range(x.ndim)] if dynamic_input else x.shape)
    sizes = net.input("sizes", td.float32, [f"t{i}" for i in range(len(target))])
    if want is None and not dynamic_input and not dynamic_target:
        with pytest.raises(ShapeError, match="which is neither 1 nor"):
            td.broadcast_to(t, target)
        return
    net.output("y", td.broadcast_to(t, sizes.shape if dynamic_target else target) * 1.0)
    feeds = {"x": x, "sizes": np.zeros(target, np.float32)}
    # onnxruntime checks each axis' coordinates even where another axis leaves the result empty
    for backend in ("reference",) if want is None and 0 in target else ("reference", "onnxruntime"):
        if want is None and 0 in target:  # an empty result reads nothing, so nothing fails (nor in TensorRT)
            assert net.run(feeds, backend=backend)["y"].shape == target
        elif want is None:
            with pytest.raises(ExecutionError):
                net.run(feeds, backend=backend)
        else:
            np.testing.assert_array_equal(net.run(feeds, backend=backend)["y"], want)


def test_broadcast_to_checks_static_dims_and_the_run_checks_dynamic_ones():
    net = td.Network("b")
    x = net.input("x", td.float32, ("n",))
    y = td.broadcast_to(x, (2, 3))
    net.output("y", y)
    np.testing.assert_array_equal(net.run({"x": np.ones(3, np.float32)})["y"], np.ones((2, 3)))
    for n in (2, 4):  # shorter, or longer (not a part of it)
        with pytest.raises(ExecutionError, match="slice reads coordinates .*the start was computed as the "
                                                 "network ran: .* or td.broadcast_to of a dim that is "
                                                 "neither 1 nor the target's"):
            net.run({"x": np.ones(n, np.float32)})


def test_a_static_dim_broadcast_to_a_dynamic_one_fails_unless_they_are_equal():
    """(3,) to (m,): m must be 3 when the network runs; a shorter m would crop x, a longer one read past it."""
    net = td.Network("b")
    x = net.input("x", td.float32, (3,))
    m = net.input("m", td.float32, ("m",))
    net.output("y", td.broadcast_to(x, m.shape))
    values = np.arange(3, dtype=np.float32)
    np.testing.assert_array_equal(net.run({"x": values, "m": np.zeros(3, np.float32)})["y"], values)
    for length in (1, 2, 4):
        for backend in ("reference", "onnxruntime"):
            with pytest.raises(ExecutionError):
                net.run({"x": values, "m": np.zeros(length, np.float32)}, backend=backend)


def test_textual_ir():
    net = td.Network("f")
    x = net.input("x", td.float32, ("n",))
    net.output("i", td.arange(x.shape[0], like=x))
    net.output("c", td.fill((4,), "linspace", 0.5, 2.0, like=x))
    text = net.format(locations=False)
    assert "%i : i64[n] = Fill[LINSPACE](%gather_0, shape=(n,), dtype=int64, alpha=0, beta=1)" in text
    assert "%c : f32[4] = Fill[LINSPACE](shape=(4,), dtype=float32, alpha=0.5, beta=2.0)" in text


def _net():
    net = td.Network("e")
    return net, net.input("x", td.float32, ("n", 3))


ERRORS = [
    (
        ArgumentError,
        "fill: no argument is a trtdsl Tensor or a dim of one (x.shape), so the network is unknown; "
        "pass like=<a tensor of the network> (as NumPy's like=)",
        lambda x: td.fill((2,), "linspace"),
    ),
    (
        ArgumentError,
        "fill: argument 'operation' is 'ramp'; expected one of 'linspace', 'random_uniform', 'random_normal'",
        lambda x: td.fill((2,), "ramp", like=x),
    ),
    (
        DTypeError,
        "Fill[RANDOM_UNIFORM]: argument 'dtype' is int32; RANDOM_UNIFORM fills float32, float16",
        lambda x: td.random_uniform((2,), 0, 1, td.int32, like=x),
    ),
    (
        DTypeError,
        "Fill[LINSPACE]: argument 'dtype' is float16; LINSPACE fills int32, int64, float32",
        lambda x: td.fill((2,), dtype=td.float16, like=x),
    ),
    (
        ShapeError,
        "fill: argument 'beta' is 2; expected 2 numbers, one delta per output dim",
        lambda x: td.fill((2, 2), "linspace", 0, 2, like=x),
    ),
    (
        DTypeError,
        "fill: argument 'alpha' (0.5, float64) cannot be used as int32: TensorRT networks are strongly "
        "typed; convert it first (e.g. .astype) or cast the tensor with td.cast",
        lambda x: td.fill((2,), "linspace", 0.5, 1, td.int32, like=x),
    ),
    (
        DTypeError,
        "Fill[LINSPACE]: input 'alpha' has dtype float32; expected int32, the output's dtype",
        lambda x: td.fill((2,), "linspace", x[0, 0], [1], td.int32),
    ),
    (
        ShapeError,
        "Fill[LINSPACE]: input 'alpha' has shape (3,); expected a 0-D tensor",
        lambda x: td.fill((2,), "linspace", x[0], [1.0]),
    ),
    (
        ShapeError,
        "fill: argument 'shape' (%s) has the dynamic length n; TensorRT needs a shape tensor's length "
        "when the network is built (it is the rank of a result)",
        lambda x: td.fill(x.network.input("s", td.int32, ("n",)), like=x),
    ),
    (
        ArgumentError,
        "arange: argument 'step' is 0; expected a finite non-zero number",
        lambda x: td.arange(0, 3, 0, like=x),
    ),
    (
        ArgumentError,
        "arange: argument 'stop' is '5'; expected a number, a dynamic dim or a 0-D integer tensor",
        lambda x: td.arange(x.shape[0], "5", like=x),
    ),
    (
        ArgumentError,
        "arange: argument 'start/stop/step' is (0, Dim('n'), 0.5); expected ints when start or stop is "
        "dynamic",
        lambda x: td.arange(0, x.shape[0], 0.5, like=x),
    ),
    (
        ShapeError,
        "broadcast_to: cannot broadcast shape (n, 3) to (n, 4): dim 1 is 3, which is neither 1 nor 4",
        lambda x: td.broadcast_to(x, (x.shape[0], 4)),
    ),
    (
        ShapeError,
        "broadcast_to: cannot broadcast shape (n, 3) to (3,): the target has fewer dims",
        lambda x: td.broadcast_to(x, (3,)),
    ),
    (
        ShapeError,
        "full: argument 'fill_value' is [1, 2]; expected a number or a 0-D tensor",
        lambda x: td.full((2,), [1, 2], like=x),
    ),
    (
        ShapeError,
        'Fill[LINSPACE]: a static alpha and beta fill only 1-D outputs (TensorRT: "Alpha and beta tensor '
        'should be set when output an ND tensor"); shape (2, 2) needs them as inputs 1 and 2',
        lambda x: x.network.add1(td.ops.Fill((2, 2)), ()),
    ),
    (
        DTypeError,
        "full: values of dtype uint8 cannot be broadcast: TensorRT's Slice layer, which broadcasts them, takes "
        "bool, int4, int8, int32, int64, float8_e4m3, float32, float16, bfloat16; broadcast int32 values and "
        "td.cast the result to uint8",
        lambda x: td.full((x.shape[0],), 200, td.uint8),
    ),
    (
        ArgumentError,
        "Fill[LINSPACE]: inputs 1 (alpha) and 2 (beta) are both given or both absent",
        lambda x: x.network.add1(td.ops.Fill((3,), alpha=None, beta=None), (None, x[0, 0])),
    ),
]


@pytest.mark.parametrize("cls, message, build", ERRORS, ids=[m for _, m, _ in ERRORS])
def test_errors(cls, message, build):
    _, x = _net()
    expect_error(cls, message, lambda: build(x))


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    rows = []
    def fills(net):
        x = net.input("x", td.float32, ("n", 3))
        a = net.input("a", td.int32, ())
        net.output("arange", td.arange(x.shape[0], like=x))
        net.output("arange_f32", td.arange(0.5, 4.0, 0.75, td.float32, like=x))
        net.output("zeros", td.zeros((x.shape[0], 2), td.int32, like=x))
        net.output("grid_int32", td.fill((2, 3), "linspace", a, (100, -10), td.int32, like=x))
        net.output("grid_int64", td.fill((x.shape[0], 3), "linspace", np.int64(-4), (7, 2), td.int64, like=x))
        uniform = td.fill(x.shape, "random_uniform", 2.0, 3.0, like=x)
        net.output("uniform_in_bounds", td.logical_and(td.min(uniform) >= 2.0, td.max(uniform) <= 3.0))
        normal = td.fill((x.shape[0], 4), "random_normal", 1.0, 0.5, td.float32, like=x)
        net.output("normal_finite", td.max(td.abs(td.cast(normal, td.float32))) < 1e4)

    rows.append(Row("fill", fills, values={"a": (-1000, 1000)}))
    rows.append(
        Row(
            "fill-random-normal-float16",
            one_input(
                td.float32,
                lambda x: (
                    td.max(
                        td.abs(
                            td.cast(td.fill(x.shape, "random_normal", dtype=td.float16, like=x), td.float32)
                        )
                    )
                    < 1e4
                ),
            ),
        )
    )

    return rows


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("fill_linspace", "NvInfer.h FillOperation::kLINSPACE: alpha is the start, beta the delta",
     {"Fill": Layer("add_fill", {"shape": (4,), "operation": "FillOperation.LINSPACE",
                                 "to_type": "DataType.INT32", "alpha": 3, "beta": 2})})
def _(net):
    net.output("y", td.fill((4,), "linspace", 3, 2, td.int32, like=net.input("x", td.float32, (2,))))


@tensorrt_expectation("fill_uniform", "NvInfer.h IFillLayer::setAlpha/setBeta: kRANDOM_UNIFORM's minimum and maximum",
     {"Fill": Layer("add_fill", {"shape": (2, 3), "operation": "FillOperation.RANDOM_UNIFORM",
                                 "to_type": "DataType.FLOAT", "alpha": 1.5, "beta": 4.0})})
def _(net):
    net.output("y", td.random_uniform((2, 3), 1.5, 4.0, like=net.input("x", td.float32, (2,))))


@tensorrt_expectation("fill_normal", "NvInfer.h IFillLayer::setAlpha/setBeta: kRANDOM_NORMAL's mean and standard deviation",
     {"Fill": Layer("add_fill", {"shape": (3, 2), "operation": "FillOperation.RANDOM_NORMAL",
                                 "to_type": "DataType.HALF", "alpha": 0.5, "beta": 2.0})})
def _(net):
    net.output("y", td.random_normal((3, 2), 0.5, 2.0, td.float16, like=net.input("x", td.float32, (2,))))


@tensorrt_expectation("fill_dynamic", "NvInfer.h IFillLayer::setInput: 0 the shape, 1 the start (0-D), 2 the delta per dim "
     "(1-D)",
     {"Fill": Layer("add_fill", {"operation": "FillOperation.LINSPACE", "to_type": "DataType.FLOAT"},
                    (ANY, Const(np.array(1.0, np.float32)), Const(np.array([10.0, 0.5], np.float32))))})
def _(net):
    x = net.input("x", td.float32, ("n", 3))
    net.output("y", td.fill((x.shape[0], 3), "linspace", 1.0, (10.0, 0.5), like=x))


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "arange": lambda e: dict(start=0, stop=5, step=1, dtype=td.int32, like=e.m),
    "broadcast_to": lambda e: dict(x=e.v, shape=(2, 3)),
    "fill": lambda e: dict(shape=(4,), operation="linspace", alpha=0.0, beta=1.0, dtype=td.float32, like=e.m),
    "full": lambda e: dict(shape=(2, 3), fill_value=1.0, dtype=td.float32, like=e.m),
    "full_like": lambda e: dict(x=e.m, fill_value=1.0),
    "zeros": lambda e: dict(shape=(2, 3), dtype=td.float32, like=e.m),
    "ones": lambda e: dict(shape=(2, 3), dtype=td.float32, like=e.m),
    "zeros_like": lambda e: dict(x=e.m),
    "ones_like": lambda e: dict(x=e.m),
    "random_normal": lambda e: dict(shape=(2, 3), mean=0.0, std=1.0, like=e.m),
    "random_uniform": lambda e: dict(shape=(2, 3), low=0.0, high=1.0, like=e.m),
}
