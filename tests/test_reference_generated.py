"""A program that has run GENERATE_AFTER times runs as generated code (a function of straight-line code with
a local per slot): every kind of step it holds (a layer's reference, a form, a chain written in place, a
layer needing the full check, an assertion without outputs), its constants and its outputs give the values
they gave before, checked against NumPy formulas; errors still name the layer; large programs never
generate."""

import gc
import weakref

import numpy as np
import pytest

import trtdsl as td
from trtdsl.layers.unary import Unary
from trtdsl.reference import interpreter
from trtdsl.reference.interpreter import GENERATE_AFTER, GENERATED_STEPS, plan
from trtdsl.reference.regions import LoopStep


def mixed():
    """A network whose program holds every kind of step, and a NumPy formula of its outputs."""
    net = td.Network("mixed")
    x = net.input("x", td.float32, (3, 4))
    c = net.constant(np.arange(12, dtype=np.float32).reshape(3, 4))
    h = td.tanh(td.exp(x * np.float32(0.5)) + c)  # a chain, written in place
    values, indices = td.topk(h - np.float32(1), 2, axis=1)  # two outputs: the full check
    td.assert_(td.shape_of(x)[0] < 4, "at most 3 rows")  # no output
    net.output("values", values)
    net.output("indices", indices)
    net.output("same", x)  # an input handed back
    net.output("c", c)  # a constant handed back

    def want(v):
        h = np.tanh(np.exp(v * np.float32(0.5)) + np.arange(12, dtype=np.float32).reshape(3, 4)) - 1
        order = np.argsort(-h, axis=1, kind="stable")[:, :2]
        return np.take_along_axis(h, order, axis=1), order

    return net, want


def test_a_program_gives_the_same_values_before_and_after_it_is_generated():
    net, want = mixed()
    rng = np.random.default_rng(0)
    program = plan(net).program({})
    for run in range(GENERATE_AFTER + 4):
        assert (program.generated is not None) == (run >= GENERATE_AFTER)
        v = rng.standard_normal((3, 4)).astype(np.float32)
        got = net.run({"x": v})
        values, indices = want(v)
        np.testing.assert_allclose(got["values"], values, rtol=1e-6)
        np.testing.assert_array_equal(got["indices"], indices)
        np.testing.assert_array_equal(got["same"], v)
        np.testing.assert_array_equal(got["c"], np.arange(12, dtype=np.float32).reshape(3, 4))


def run_until_generated(net, feeds):
    for _ in range(GENERATE_AFTER):
        net.run(feeds)
    assert plan(net).program({}).generated is not None


def test_generated_code_names_the_layer_that_failed(monkeypatch):
    net = td.Network("n")
    x = net.input("x", td.float32, (3,))
    net.output("y", td.exp(x) * np.float32(2))
    feeds = {"x": np.zeros(3, np.float32)}
    run_until_generated(net, feeds)

    def broken(self, v):
        raise FloatingPointError("no exp today")

    monkeypatch.setattr(Unary, "reference", broken)
    message = (r"Unary\[EXP\] \(layer exp_0\) failed on the NumPy reference on inputs of shapes \(3,\) "
               r"\(typed f32\[3\]\): FloatingPointError: no exp today")
    with pytest.raises(td.ExecutionError, match=message):
        net.run(feeds)
    monkeypatch.setattr(Unary, "reference", lambda self, v: (v.astype(np.float64),))
    with pytest.raises(td.ExecutionError, match=r"reference gave dtype float64 for %exp_0 \(f32\["):
        net.run(feeds)


def test_generated_code_runs_assertions():
    net = td.Network("guard")
    x = net.input("x", td.float32, (2,))
    with pytest.warns(td.ShapeSyncWarning):  # a condition on values: TensorRT syncs for it
        td.assert_(td.max(x, axis=0) < np.float32(3), "every value below 3")
    net.output("y", td.relu(x))
    run_until_generated(net, {"x": np.ones(2, np.float32)})
    with pytest.raises(td.ExecutionError, match="every value below 3"):
        net.run({"x": np.array([1, 5], np.float32)})
    np.testing.assert_array_equal(net.run({"x": np.array([-1, 2], np.float32)})["y"], [0, 2])


def test_a_loop_body_switches_to_generated_code_within_a_run():
    """The body runs as a program once per iteration: iterations past GENERATE_AFTER run generated code,
    and the recurrence carries on across the switch."""
    steps = GENERATE_AFTER + 8
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 3)).astype(np.float32) * np.float32(0.5)
    net = td.Network("rnn")
    xs = net.input("xs", td.float32, (steps, 2, 3))

    def step(h, x):
        h = td.tanh(x + h @ w)
        return h, h * np.float32(2)

    _, ys = td.scan(step, np.zeros((2, 3), np.float32), xs)
    net.output("ys", ys)
    xv = rng.standard_normal((steps, 2, 3)).astype(np.float32)
    got = net.run({"xs": xv})["ys"]
    (loop,) = [s for s in plan(net).steps if isinstance(s, LoopStep)]
    assert loop.body_fast.last[2].program.generated is not None  # the body's program, kept for the next run
    h, want = np.zeros((2, 3)), []
    for x in xv.astype(np.float64):
        h = np.tanh(x + h @ w)
        want.append(2 * h)
    np.testing.assert_allclose(got, np.array(want), rtol=1e-5, atol=1e-6)


def test_a_program_of_many_steps_is_never_generated():
    net = td.Network("long")
    x = net.input("x", td.float32, (2,))
    h = x
    for _ in range(GENERATED_STEPS):  # two steps each: tanh reads a value read again, so makes a new one
        h = td.tanh(h) + h
    net.output("y", h)
    program = plan(net).program({})
    assert len(program.steps) > GENERATED_STEPS
    v = np.array([0.5, -1.0], np.float32)
    for _ in range(GENERATE_AFTER + 1):
        got = net.run({"x": v})["y"]
    assert program.generated is None
    want = v.astype(np.float64)
    for _ in range(GENERATED_STEPS):
        want = np.tanh(want) + want
    np.testing.assert_allclose(got, want, rtol=1e-4)


def test_generated_code_is_compiled_once_per_program_shape():
    """Two networks of the same structure share the compiled code (the code names only slots and
    steps), each with its own values."""
    nets = []
    for scale in (2, 3):
        net = td.Network(f"n{scale}")
        x = net.input("x", td.float32, (2,))
        net.output("y", td.exp(x) * np.float32(scale))
        nets.append(net)
    for net in nets:
        run_until_generated(net, {"x": np.zeros(2, np.float32)})
    first, second = (plan(net).program({}).generated for net in nets)
    assert first.__code__ is second.__code__
    for scale, net in zip((2, 3), nets):
        np.testing.assert_allclose(net.run({"x": np.ones(2, np.float32)})["y"], scale * np.e, rtol=1e-6)
    assert interpreter._program_code.cache_info().hits >= 1


def test_a_discarded_program_is_freed_without_the_garbage_collector():
    """The generated function keeps no reference to its namespace (which holds the program's constants and
    forms, such as a transposed copy of a loop's weights): a program and its function go as soon as nothing
    holds them, as before generation, rather than at the next garbage collection."""
    net = td.Network("n")
    x = net.input("x", td.float32, (2,))
    net.output("y", td.exp(x) + np.ones(2, np.float32))
    run_until_generated(net, {"x": np.zeros(2, np.float32)})
    programs = plan(net)._programs  # a network's nodes and tensors hold each other: only its plan is let go
    program = weakref.ref(programs[()])
    generated = weakref.ref(program().generated)
    gc.disable()
    try:
        programs.clear()  # as the plan does past its number of kept input sizes
        assert program() is None and generated() is None
    finally:
        gc.enable()
