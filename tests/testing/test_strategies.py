"""trtdsl.testing.strategies and random_inputs: drawn inputs fit the network (named dims shared across
inputs, within their ranges or profiles, min/opt/max all reached), values within their ranges with edge
values among them, indices within the axis they index; and the invalid calls."""

import sys
import subprocess

import numpy as np
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from support import expect_error

import trtdsl as td
from trtdsl.errors import ArgumentError
from trtdsl.testing import DEFAULT_DIM_RANGE, random_inputs
from trtdsl.testing import strategies as tst


def two_inputs() -> td.Network:
    net = td.Network("two")
    a = net.input("a", td.float32, ("batch", 3))
    b = net.input("b", td.int32, ("batch", "seq"))
    net.output("y", td.cast(b, td.float32).sum(axis=1, keepdims=True) + a)
    return net


@settings(max_examples=40)
@given(tst.inputs(two_inputs(), dims={"batch": (2, 4, 8), "seq": 5}, values={"a": (-1.5, 2.0)}))
def test_inputs_share_named_dims_within_their_ranges(feeds):
    a, b = feeds["a"], feeds["b"]
    assert a.dtype == np.float32 and b.dtype == np.int32
    assert a.shape[0] == b.shape[0] and 2 <= a.shape[0] <= 8 and a.shape[1] == 3 and b.shape[1] == 5
    assert np.all((-1.5 <= a) & (a <= 2.0))
    lo, hi = -100, 100  # the default range of integers
    assert np.all((lo <= b) & (b <= hi))
    two_inputs().run(feeds)  # they are valid inputs of the network


def test_min_opt_and_max_are_drawn():
    strategy = tst.inputs(two_inputs(), dims={"batch": (2, 4, 8)})
    for size in (2, 4, 8):
        found = find(
            strategy, lambda f, size=size: f["a"].shape[0] == size, settings=settings(max_examples=500)
        )
        assert found["a"].shape[0] == size
    unlisted = find(tst.inputs(two_inputs()), lambda f: f["b"].shape[1] == DEFAULT_DIM_RANGE.max)
    assert unlisted["b"].shape[1] == DEFAULT_DIM_RANGE.max


@pytest.mark.parametrize("edge", [-0.0, 0.0, 1.0, -1.0, 100.0, -100.0, float(np.finfo(np.float32).tiny)])
def test_edge_values_are_drawn(edge):
    net = td.Network("e")
    net.output("y", net.input("x", td.float32, (4,)) * 2.0)
    found = find(
        tst.inputs(net), lambda f: any(v == edge and np.signbit(v) == np.signbit(edge) for v in f["x"])
    )
    assert edge in found["x"].tolist()


def test_nan_and_inf_only_when_asked():
    net = td.Network("e")
    net.output("y", net.input("x", td.float16, (4,)) * np.float16(2))
    find(
        tst.inputs(net, allow_nan=True, allow_inf=True),
        lambda f: np.isnan(f["x"]).any() and np.isinf(f["x"]).any(),
    )

    @given(tst.inputs(net))
    def finite(feeds):
        assert np.isfinite(feeds["x"]).all()

    finite()


def gather_network() -> td.Network:
    net = td.Network("g")
    data = net.input("data", td.float32, ("n", "m"))
    idx = net.input("idx", td.int32, ("k",))
    flat = net.input("flat", td.int64, ("k", 2))
    net.output("y", td.take(data, td.reshape(idx, (-1,)), axis=1))  # through a reshape: still an index
    net.output("z", td.gather_nd(data, flat))
    return net


@settings(max_examples=40)
@given(tst.inputs(gather_network(), dims={"m": (1, 3, 6), "n": (2, 4)}))
def test_index_inputs_stay_within_the_axis_they_index(feeds):
    n, m = feeds["data"].shape
    assert np.all((-m <= feeds["idx"]) & (feeds["idx"] < m))
    bound = min(n, m)  # each coordinate of gather_nd indexes one of the two dims
    assert np.all((-bound <= feeds["flat"]) & (feeds["flat"] < bound))


def test_index_range_can_be_overridden():
    strategy = tst.inputs(gather_network(), values={"idx": (50, 60)})
    found = find(strategy, lambda f: f["idx"].size > 0)
    assert np.all(found["idx"] >= 50)


def profiled() -> td.Network:
    net = td.Network("p")
    x = net.input("x", td.float32, ("batch", 2))
    dims = net.input("dims", td.int64, (2,), shape_tensor=True)
    net.output("y", x * 2.0)
    net.output("d", dims + 0)
    net.add_profile({"batch": (1, 2, 3), "dims": ([1, 1], [2, 2], [4, 2])})
    net.add_profile({"batch": (10, 12, 16), "dims": ([6, 7], [6, 7], [9, 7])})
    return net


def test_drawing_follows_the_networks_profiles():
    net = profiled()
    seen = set()

    @settings(max_examples=60)
    @given(tst.inputs(net))
    def fits(feeds):
        batch, dims = feeds["x"].shape[0], feeds["dims"].tolist()
        first = 1 <= batch <= 3 and 1 <= dims[0] <= 4 and 1 <= dims[1] <= 2
        second = 10 <= batch <= 16 and 6 <= dims[0] <= 9 and dims[1] == 7
        assert first or second
        seen.add(first)
        net.run(feeds)  # the network's own profile check accepts them

    fits()
    assert seen == {True, False}
    assert random_inputs(net, profile=1, at="max")["dims"].tolist() == [9, 7]
    assert random_inputs(net, at="min")["x"].shape == (1, 2)


def test_random_inputs_are_reproducible_numpy_draws():
    net = two_inputs()
    first = random_inputs(net, seed=3, dims={"batch": (1, 2, 5)}, at="max")
    assert first["a"].shape == (5, 3) and first["b"].shape == (5, DEFAULT_DIM_RANGE.max)
    again = random_inputs(net, seed=3, dims={"batch": (1, 2, 5)}, at="max")
    assert all(np.array_equal(first[k], again[k]) for k in first)


def test_dims_may_be_strategies_and_dtypes_are_drawn_by_category():
    strategy = tst.inputs(two_inputs(), dims={"batch": st.just(7)})
    assert find(strategy, lambda f: True)["a"].shape[0] == 7
    assert find(tst.dtypes("int"), lambda d: True) in (td.int32, td.int64)


def test_importing_the_kit_does_not_import_hypothesis_or_onnx():
    code = (
        "import sys, trtdsl, trtdsl.testing; "
        "print([m for m in ('hypothesis', 'onnx', 'onnxruntime') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


ERRORS = [
    (
        ArgumentError,
        "inputs: argument 'dims' names 'time', which is not a named dim of network 'two'; its named dims "
        "are ['batch', 'seq']",
        lambda: tst.inputs(two_inputs(), dims={"time": 3}),
    ),
    (
        ArgumentError,
        "inputs: argument 'dims' gives 'batch' = (4, 2); expected an int >= 0, (min, max) or (min, opt, "
        "max) with 0 <= min <= opt <= max",
        lambda: tst.inputs(two_inputs(), dims={"batch": (4, 2)}),
    ),
    (
        ArgumentError,
        "inputs: argument 'dims' gives 'batch' = 'big'; expected an int >= 0, (min, max) or (min, opt, "
        "max) with 0 <= min <= opt <= max",
        lambda: tst.inputs(two_inputs(), dims={"batch": "big"}),
    ),
    (
        ArgumentError,
        "inputs: argument 'dims' gives 'batch' = just(3); expected an int >= 0, (min, max) or (min, opt, "
        "max) with 0 <= min <= opt <= max",
        lambda: random_inputs(two_inputs(), dims={"batch": st.just(3)}),  # strategies need hypothesis
    ),
    (
        ArgumentError,
        "random_inputs: argument 'seed' is 'a'; expected an int >= 0",
        lambda: random_inputs(two_inputs(), seed="a"),
    ),
    (
        ArgumentError,
        "inputs: argument 'values' names 'c', which is not an input of network 'two'; its inputs are "
        "['a', 'b']",
        lambda: tst.inputs(two_inputs(), values={"c": (0, 1)}),
    ),
    (
        ArgumentError,
        "inputs: argument 'values' gives 'a' = (2, 1); expected (low, high), finite numbers with low <= high",
        lambda: random_inputs(two_inputs(), values={"a": (2, 1)}),
    ),
    (
        ArgumentError,
        "random_inputs: argument 'at' is 'mid'; expected 'min', 'opt' or 'max'",
        lambda: random_inputs(two_inputs(), at="mid"),
    ),
    (
        ArgumentError,
        "random_inputs: argument 'profile' is 2; expected an int in [0, 1] (network 'p' has 2 profiles)",
        lambda: random_inputs(profiled(), profile=2),
    ),
    (
        ArgumentError,
        "random_inputs: argument 'profile' is 'bogus'; expected 0 (network 'two' declares no optimization "
        "profiles)",
        lambda: random_inputs(two_inputs(), profile="bogus"),
    ),
    (
        ArgumentError,
        "inputs: argument 'dims' gives 'batch' the sizes 2 to 5, outside 1 to 3, its range in the network's "
        "optimization profile (which a run checks)",
        lambda: tst.inputs(profiled(), dims={"batch": (2, 5)}),
    ),
    (
        ArgumentError,
        "arrays: min_value 3 is greater than max_value 1",
        lambda: tst.arrays(td.int32, (2,), min_value=3, max_value=1),
    ),
    (
        ArgumentError,
        "dtypes: categories ['complex'] are unknown; expected some of ['bool', 'float', 'int', 'quantized']",
        lambda: tst.dtypes("complex"),
    ),
]


@pytest.mark.parametrize("cls, message, call", ERRORS, ids=[e[1][:50] for e in ERRORS])
def test_invalid_calls(cls, message, call):
    expect_error(cls, message, call)


def test_a_dim_strategy_drawing_no_size_names_the_dim_and_the_line_that_gave_it():
    strategy = tst.inputs(two_inputs(), dims={"seq": st.just(-2)})  # the line named
    with pytest.raises(ArgumentError) as info:
        strategy.example()
    assert info.value.message == ("inputs: the strategy given for dim 'seq' drew -2; a dim's size is an int "
                                  ">= 0")
    assert info.value.location.file == __file__
