"""Named dims and optimization profiles: declared with net.add_profile, checked on every run (naming the
input, the dim and the range), built into TensorRT profiles, and drawn across by trtdsl.testing."""

import numpy as np
import pytest
from hypothesis import given, settings
from support import expect_error

import trtdsl as td
from trtdsl.backends.tensorrt import build_options, lower, standin
from trtdsl.backends.tensorrt.build import configure
from trtdsl.errors import ArgumentError, InputError
from trtdsl.ir.profiles import check_feeds
from trtdsl.shapes import Profile, Range
from trtdsl.testing import strategies as tst


def network():
    net = td.Network("p")
    x = net.input("x", td.float32, ("batch", "seq", 4))
    mask = net.input("mask", td.bool, ("batch", "seq"))
    k = net.input("k", td.int32, (2,), shape_tensor=True)
    net.output("y", td.where(td.unsqueeze(mask, 2), x, 0.0))
    net.output("z", td.reshape(x, k))
    return net


def feeds(batch, seq, k=None):
    return {
        "x": np.zeros((batch, seq, 4), np.float32),
        "mask": np.ones((batch, seq), bool),
        "k": np.array(k if k is not None else [batch * seq, 4], np.int32),
    }


def test_a_profile_holds_a_range_per_dim_and_per_shape_input_element():
    net = network()
    p = net.add_profile({"batch": (1, 8, 64), "seq": (1, 128, 1024), "k": ([1, 4], [1024, 4], [65536, 4])})
    assert net.profiles == (p,)
    assert p.dim("batch") == Range(1, 8, 64) and p.value("k") == (Range(1, 1024, 65536), Range(4, 4, 4))
    assert p == Profile(
        (("batch", Range(1, 8, 64)), ("seq", Range(1, 128, 1024))),
        (("k", (Range(1, 1024, 65536), Range(4, 4, 4))),),
    )
    assert p.as_dict() == {"batch": (1, 8, 64), "seq": (1, 128, 1024), "k": ([1, 4], [1024, 4], [65536, 4])}


def test_runs_inside_a_profile_pass_and_others_name_the_input_dim_and_range():
    net = network()
    net.add_profile({"batch": (1, 2, 4), "seq": (8, 16, 32), "k": ([8, 4], [32, 4], [128, 4])})
    assert net.run(feeds(4, 32))["z"].shape == (128, 4)
    expect_error(
        InputError,
        "run: input 'x' dim 0 (batch) is 5; profile 0 allows batch in [1, 4]",
        lambda: net.run(feeds(5, 8)),
    )
    expect_error(
        InputError,
        "run: input 'x' dim 1 (seq) is 7; profile 0 allows seq in [8, 32]",
        lambda: net.run(feeds(1, 7)),
    )
    expect_error(
        InputError,
        "run: element 0 of shape-tensor input 'k' is 4; profile 0 allows element 0 in [8, 128]",
        lambda: net.run(feeds(1, 8, [4, 8])),
    )


def test_several_profiles_one_of_which_must_fit_every_input():
    net = network()
    net.add_profile({"batch": (1, 1, 1), "seq": (1, 64, 512), "k": ([1, 4], [64, 4], [512, 4])})
    net.add_profile({"batch": (2, 8, 32), "seq": (1, 8, 64), "k": ([2, 4], [64, 4], [2048, 4])})
    assert net.run(feeds(1, 300))["y"].shape == (1, 300, 4)
    assert net.run(feeds(16, 64))["y"].shape == (16, 64, 4)
    expect_error(
        InputError,
        "run: the inputs fit no optimization profile (profile 0: input 'x' dim 0 (batch) is 2, "
        "outside batch in [1, 1]; profile 1: input 'x' dim 1 (seq) is 300, outside seq in [1, 64])",
        lambda: net.run(feeds(2, 300)),
    )


@pytest.mark.parametrize("backend", ["reference", "onnxruntime"])
def test_inputs_that_share_a_dim_name_must_agree_on_every_backend(backend):
    if backend == "onnxruntime":
        pytest.importorskip("onnxruntime")
    net = network()
    bad = dict(feeds(2, 3), mask=np.ones((2, 4), bool))
    expect_error(
        InputError,
        "run: dim 'seq' is 3 in input 'x' but 4 in input 'mask' (shape (2, 4)); inputs that "
        "share a dim name must agree",
        lambda: net.run(bad, backend=backend),
    )


@pytest.mark.parametrize("backend", ["reference", "onnxruntime"])
def test_profiles_are_checked_on_every_backend(backend):
    if backend == "onnxruntime":
        pytest.importorskip("onnxruntime")
    net = network()
    net.add_profile({"batch": (1, 2, 4), "seq": (1, 2, 4), "k": ([1, 4], [4, 4], [16, 4])})
    expect_error(
        InputError,
        "run: input 'x' dim 1 (seq) is 5; profile 0 allows seq in [1, 4]",
        lambda: net.run(feeds(1, 5), backend=backend),
    )


def test_tensorrt_builds_one_optimization_profile_per_declared_profile():
    net = network()
    net.add_profile({"batch": (1, 2, 4), "seq": (8, 16, 32), "k": ([8, 4], [32, 4], [128, 4])})
    net.add_profile({"batch": (5, 6, 8), "seq": (1, 1, 8), "k": ([5, 4], [6, 4], [64, 4])})
    options = build_options(net)
    assert options.profiles == (
        {"batch": (1, 2, 4), "seq": (8, 16, 32), "k": ([8, 4], [32, 4], [128, 4])},
        {"batch": (5, 6, 8), "seq": (1, 1, 8), "k": ([5, 4], [6, 4], [64, 4])},
    )
    trt = standin.module("11.4")
    lowered = lower(net, trt)
    config = configure(lowered.api, lowered.builder, net, options, progress=None)
    assert config.num_optimization_profiles == 2
    calls = [(c.member, c.args) for c in trt.calls if c.owner == "IOptimizationProfile"]
    assert calls.count(("set_shape", ("input", "min", "opt", "max"))) == 4  # x and mask, twice
    assert calls.count(("set_shape_input", ("input", "min", "opt", "max"))) == 2
    assert build_options(
        net, profiles={"batch": (1, 1, 1), "seq": (2, 2, 2), "k": ([2, 4], [2, 4], [2, 4])}
    ).profiles == ({"batch": (1, 1, 1), "seq": (2, 2, 2), "k": ([2, 4], [2, 4], [2, 4])},)
    expect_error(
        ArgumentError,
        "build: profiles[0] has no (min, opt, max) values for shape-tensor input 'k'",
        lambda: build_options(net, profiles={"batch": (1, 1, 1), "seq": (2, 2, 2)}),
    )


def test_drawn_inputs_fit_a_declared_profile():
    net = network()
    net.add_profile({"batch": (1, 2, 3), "seq": (4, 5, 6), "k": ([1, 4], [10, 4], [18, 4])})
    net.add_profile({"batch": (7, 7, 7), "seq": (1, 1, 2), "k": ([7, 4], [7, 4], [14, 4])})

    @settings(database=None)
    @given(drawn=tst.inputs(net))
    def fits(drawn):
        batch, seq, _ = drawn["x"].shape
        k = drawn["k"].tolist()
        assert (1 <= batch <= 3 and 4 <= seq <= 6 and 1 <= k[0] <= 18) or (
            batch == 7 and seq <= 2 and 7 <= k[0] <= 14
        )
        assert k[1] == 4
        check_feeds(net, drawn)

    fits()


def _net():
    net = td.Network("e")
    net.input("x", td.float32, ("batch", 4))
    net.input("k", td.int64, (), shape_tensor=True)
    return net


ERRORS = [
    (
        ArgumentError,
        "add_profile: 'seq' is not a named dim or shape-tensor input of network 'e' (named dims: batch; "
        "shape-tensor inputs: k); declare the inputs before their profiles",
        lambda net: net.add_profile({"seq": (1, 2, 3)}),
    ),
    (
        ArgumentError,
        "add_profile: argument 'batch' is (4, 2, 8); expected (min, opt, max) ints with 0 <= min <= opt "
        "<= max",
        lambda net: net.add_profile({"batch": (4, 2, 8)}),
    ),
    (
        ArgumentError,
        "add_profile: argument 'batch' is (1, 8); expected (min, opt, max) ints with 0 <= min <= opt <= max",
        lambda net: net.add_profile({"batch": (1, 8)}),
    ),
    (
        ArgumentError,
        "add_profile: argument 'k' is (1, 2); expected (min, opt, max) ints with min <= opt <= max "
        "element by element",
        lambda net: net.add_profile({"k": (1, 2)}),
    ),
    (
        ArgumentError,
        "add_profile: argument 'ranges' is ['batch']; expected a dict of dim or shape-tensor input name -> "
        "(min, opt, max)",
        lambda net: net.add_profile(["batch"]),
    ),
    (
        ArgumentError,
        "run: profile 0 of network 'e' has no (min, opt, max) for shape-tensor input 'k'; every profile "
        "covers every named dim and shape-tensor input",
        lambda net: (
            net.add_profile({"batch": (1, 1, 1)}),
            net.output("y", net.inputs["x"] * 2.0),
            net.run({"x": np.zeros((1, 4), np.float32), "k": np.int64(1)}),
        ),
    ),
]


@pytest.mark.parametrize("cls, message, build", ERRORS, ids=[m[:60] for _, m, _ in ERRORS])
def test_errors(cls, message, build):
    expect_error(cls, message, lambda: build(_net()))
