"""Assertion: a run fails exactly when some element of the condition is false (checked against Python's
``all`` over drawn shape values), with the message and the line that made it; every assertion runs
although no output needs it; the shape-tensor rules at definition time; the error table."""

import inspect
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import call, error_line, expect_error, f32, run_with

import trtdsl as td
from trtdsl.errors import ArgumentError, BackendError, DTypeError, ExecutionError, RegionError, ShapeError
from trtdsl.layers.assertion import Assertion
from backend_rows import tensorrt_expectation, Layer


def guarded(limit):
    """A network whose output needs nothing of the assertion ``dims < limit`` on a shape-tensor input."""
    net = td.Network("guarded")
    dims = net.input("dims", td.int32, (3,), shape_tensor=True)
    x = net.input("x", td.float32, ("n",))
    td.assert_(dims < limit, "dims below the limit")
    net.output("y", x * 2.0)
    return net


@given(st.lists(st.integers(-10, 10), min_size=3, max_size=3), st.integers(-10, 10))
def test_a_run_fails_exactly_when_an_element_is_false(values, limit):
    net = guarded(limit)
    feeds = {"dims": np.array(values, np.int32), "x": np.ones(2, np.float32)}
    if all(v < limit for v in values):
        np.testing.assert_array_equal(net.run(feeds)["y"], [2.0, 2.0])
    else:
        with pytest.raises(ExecutionError) as info:
            net.run(feeds)
        assert info.value.message == (
            "Assertion (layer assertion_0): 'dims below the limit' failed: the condition is "
            f"{[v < limit for v in values]}"
        )


def test_the_error_names_the_line_that_made_the_assertion():
    net = td.Network("rows")
    a = net.input("a", td.float32, ("n", 3))
    b = net.input("b", td.float32, ("m", 3))
    line = inspect.currentframe().f_lineno + 1
    td.assert_(td.shape_of(a)[0] == td.shape_of(b)[0], "a and b need as many rows")
    net.output("y", a + 1.0)
    net.run({"a": np.ones((2, 3), np.float32), "b": np.ones((2, 3), np.float32)})
    with pytest.raises(ExecutionError) as info:
        net.run({"a": np.ones((2, 3), np.float32), "b": np.ones((3, 3), np.float32)})
    assert info.value.location.line == line and info.value.location.file == __file__


def test_every_assertion_runs_in_a_network_with_a_loop():
    net = td.Network("loop")
    xs = net.input("xs", td.int32, ("n",))
    small = td.shape_of(xs)[0] < 3
    with td.Loop(trip_count=2, network=net) as loop:
        total = loop.carry(np.int32(0))
        total.update(total + loop.iterate(xs))
        td.assert_(small, "at most 2 items")
        final = loop.last(total)
    net.output("final", final)
    assert net.run({"xs": np.array([4, 5], np.int32)})["final"] == 9
    with pytest.raises(ExecutionError, match="'at most 2 items' failed"):
        net.run({"xs": np.array([4, 5, 6], np.int32)})


def test_the_ir_shows_a_layer_without_outputs():
    net = guarded(4)
    node = next(n for n in net.nodes if n.op.kind == "Assertion")
    assert node.op == Assertion("dims below the limit") and node.outputs == ()
    assert "  Assertion(%less_0, message=dims below the limit)" in net.format(locations=False)


def test_a_condition_computed_on_the_gpu_warns():
    net = td.Network("gpu")
    x = net.input("x", td.float32, (4,))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        td.assert_(td.max(x) < 1.0, "small values")
    assert [w.category for w in caught] == [td.ShapeSyncWarning]
    net.output("y", x)
    with pytest.raises(ExecutionError, match="'small values' failed: the condition is False"):
        net.run({"x": np.array([0, 0, 2, 0], np.float32)})


def test_onnx_has_no_assertion():
    with pytest.raises(BackendError, match="Assertion.*no ONNX form: ONNX has no operator that stops a run"):
        guarded(4).to_onnx()


def assert_(message="m"):
    return lambda c: td.assert_(c, message)


def in_loop(xs):
    """An assertion on the loop's index, inside the loop (the index is computed on the GPU: a
    ShapeSyncWarning comes before the RegionError)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", td.ShapeSyncWarning)
        td.fori_loop(0, 2, lambda i, c: (td.assert_(i < 5, "m"), c)[1], xs)


ERRORS = [
    (ArgumentError, "assert_: 'rank' fails when the network is built: the condition is False, which TensorRT "
                    "rejects",
     call(lambda x: td.assert_(td.shape_of(x)[0] == 4, "rank"), f32(3, 2))),
    (ArgumentError, "assert_: 'ones' fails when the network is built: the condition is [True, False], which "
                    "TensorRT rejects",
     call(lambda x: td.assert_(x.network.constant(np.array([True, False])), "ones"), f32(1))),
    (DTypeError, "Assertion: input 'condition' has dtype int32; expected one of bool (a bool shape tensor)",
     call(assert_(), (td.int32, ()))),
    (ShapeError, "Assertion: input 'condition' has shape (2, 2); expected rank 0 or 1 (a bool shape tensor)",
     call(assert_(), (td.bool, (2, 2)))),
    (ShapeError, "Assertion: input 'condition' has shape (n,); a shape tensor has a static shape of at most 64 "
                 "elements",
     call(assert_(), (td.bool, ("n",)))),
    (ShapeError, "Assertion: input 'condition' has shape (65,); a shape tensor has a static shape of at most 64 "
                 "elements",
     call(assert_(), (td.bool, (65,)))),
    (ShapeError, "assert_: argument 'condition' depends on input 't0' (i32[2]), which TensorRT then makes a "
                 "shape-tensor input whose values every optimization profile must give: declare it with "
                 "net.input('t0', td.int32, (2,), shape_tensor=True) and give its (min, opt, max) values in "
                 "net.add_profile",
     call(lambda d: td.assert_(d > 0, "m"), (td.int32, (2,)))),
    (ArgumentError, "assert_: argument 'message' is 3; expected a str", call(assert_(3), (td.bool, ()))),
    (DTypeError, "assert_: argument 'condition' is True; expected a trtdsl Tensor; turn an array or a number into one with net.constant(...)", lambda: td.assert_(True, "m")),
    (RegionError, "Assertion: a Assertion layer cannot be inside loop 'loop_0': its input must be a shape "
                  "tensor, known before the loop or branch runs",
     call(in_loop, f32(3))),
    (ArgumentError, "Assertion: argument 'message' is None; expected a str",
     call(lambda c: c.network.add(Assertion(None), (c,)), (td.bool, ()))),
    (ExecutionError, "Assertion (layer assertion_0): 'shape' failed: the condition is [False, True]",
     run_with(lambda x: (td.assert_(td.shape_of(x) > 1, "shape"), x)[1], {"t0": np.ones((1, 2), np.float32)},
              f32("n", 2))),
]


@pytest.mark.parametrize("cls, message, call_", ERRORS, ids=[f"{i:02d}" for i in range(len(ERRORS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_, line=error_line(call_))


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("assertion", "NvInfer.h addAssertion(condition, message): a bool shape tensor, "
     "IAssertionLayer::getMessage",
     {"Assertion": Layer("add_assertion", {"message": "at most 2 rows"}, ("fits",))})
def _(net):
    x = net.input("x", td.float32, ("n", 4))
    td.assert_(td.less(td.shape_of(x)[0], np.int64(3), name="fits"), "at most 2 rows")
    net.output("y", x)


# -- adversarial calls: a valid call's arguments (tests/test_adversarial.py gives each bad values) --------
ADVERSARIAL_CALLS = {
    "assert_": lambda e: dict(condition=td.shape_of(e.m) > 0, message="no empty dims"),
}
