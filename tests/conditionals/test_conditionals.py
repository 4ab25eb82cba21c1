"""Conditionals against Python ``if`` over NumPy: branches with several outputs, nested conditionals,
conditionals in loops and loops in branches; only the taken branch runs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, assert_close

import trtdsl as td
from trtdsl.regions import analyze
from backend_rows import Row, tensorrt_case, tensorrt_expectation, Layer

small = {"min_value": -6, "max_value": 6}
shapes = st.lists(st.integers(1, 3), max_size=2).map(tuple)


@given(data=st.data(), shape=shapes, pred=st.booleans())
def test_if_matches_python_if(data, shape, pred):
    x = data.draw(arrays(np.float32, shape, **small))
    y = data.draw(arrays(np.float32, shape, **small))
    net = td.Network("if")
    xi, yi = net.input("x", td.float32, shape), net.input("y", td.float32, shape)
    p = net.input("p", td.bool, ())
    with td.If(p) as branch:
        with branch.then_():
            t1, t2 = xi + yi, td.cast(xi > yi, td.int32)
        with branch.else_():
            f1, f2 = xi - yi, td.cast(xi < yi, td.int32)
        out1 = branch.output(t1, f1)
        out2 = branch.output(t2, f2)
        out3 = branch.output(xi, yi)  # values from outside, passed through
    net.output("o1", out1)
    net.output("o2", out2)
    net.output("o3", out3)
    got = net.run({"x": x, "y": y, "p": np.bool_(pred)})
    if pred:
        want = (x + y, (x > y).astype(np.int32), x)
    else:
        want = (x - y, (x < y).astype(np.int32), y)
    assert_close(got["o1"], want[0])
    assert got["o2"].tolist() == want[1].tolist() and got["o2"].dtype == np.int32
    assert_close(got["o3"], want[2])


@given(x=arrays(np.float32, (3,), **small), a=st.booleans(), b=st.booleans())
def test_nested_conditionals_match_nested_python_ifs(x, a, b):
    net = td.Network("nested")
    xi = net.input("x", td.float32, (3,))
    pa, pb = net.input("a", td.bool, ()), net.input("b", td.bool, ())

    def inner(v):
        return td.cond(pb, lambda: v * 2.0, lambda: v * 3.0)

    out = td.cond(pa, lambda: inner(xi + 1.0), lambda: xi - 1.0)
    net.output("y", out)
    got = net.run({"x": x, "a": np.bool_(a), "b": np.bool_(b)})["y"]
    if a:
        want = (x + 1) * 2 if b else (x + 1) * 3
    else:
        want = x - 1
    assert_close(got, want.astype(np.float32))
    s = analyze(net)
    outer_if, inner_if = net.regions
    assert s.info[inner_if].parent == (outer_if, True)


@given(items=arrays(np.float32, st.integers(0, 6), min_value=-9, max_value=9).map(np.round))
def test_sum_of_even_items_matches_python(items):
    """The developer guide's example: a loop containing a conditional."""
    net = td.Network("sum_even")
    xs = net.input("items", td.float32, items.shape)
    with td.Loop(trip_count=items.shape[0], network=net) as loop:
        c = loop.iterate(xs) if items.shape[0] else None
        s = loop.carry(np.float32(0))
        if c is None:
            s.update(s)
        else:
            s.update(td.cond(c % 2 == 0, lambda: s + c, lambda: s))
        total = loop.last(s)
    net.output("s", total)
    got = net.run({"items": items})["s"]
    want = np.float32(0)
    for c in items:
        if c % 2 == 0:
            want += c
    assert_close(got, np.asarray(want, np.float32))


@given(x=arrays(np.float32, st.tuples(st.integers(0, 4), st.just(2)), **small), go=st.booleans())
def test_loop_inside_a_branch_runs_only_when_taken(x, go):
    net = td.Network("loop_in_if")
    xi = net.input("x", td.float32, x.shape)
    p = net.input("p", td.bool, ())

    def cumulative():
        _, running = td.scan(lambda c, r: (c + r, c + r), np.zeros(2, np.float32), xi)
        return running

    out = td.cond(p, cumulative, lambda: xi * 0.0)
    net.output("y", out)
    got = net.run({"x": x, "p": np.bool_(go)})["y"]
    want = np.cumsum(x, axis=0) if go else x * 0
    assert_close(got, want.astype(np.float32), atol=1e-5)
    s = analyze(net)
    loop, cond = sorted(net.regions, key=lambda r: r.kind)[1], sorted(net.regions, key=lambda r: r.kind)[0]
    assert s.info[loop].parent == (cond, True)


def failing_unary(monkeypatch):
    """Make every Unary layer's reference raise, and count the calls."""
    from trtdsl.layers.unary import Unary

    calls = []

    def fail(self, *args):
        calls.append(self.op.name)
        raise RuntimeError("this layer must not run")

    monkeypatch.setattr(Unary, "reference", fail)
    return calls


@pytest.mark.parametrize("taken", [True, False])
def test_only_the_taken_branch_runs(monkeypatch, taken):
    calls = failing_unary(monkeypatch)
    net = td.Network("lazy")
    x = net.input("x", td.float32, (2,))
    p = net.input("p", td.bool, ())
    with td.If(p) as branch:
        with branch.then_():
            bad = td.exp(x)  # its reference raises if it runs
        with branch.else_():
            good = x + 1.0
        out = branch.output(bad, good)
    net.output("y", out)
    feeds = {"x": np.zeros(2, np.float32), "p": np.bool_(taken)}
    if taken:
        with pytest.raises(td.ExecutionError, match=r"Unary\[EXP\] \(layer exp_0\) failed on the NumPy "
                                                    r"reference"):
            net.run(feeds)
        assert calls == ["EXP"]
    else:
        assert net.run(feeds)["y"].tolist() == [1.0, 1.0]
        assert calls == []


@pytest.mark.parametrize("taken", [True, False])
def test_an_out_of_range_loop_in_the_untaken_branch_does_not_run(taken):
    """The branch's loop iterates 4 times over a 3-item tensor, which is an error only if it runs."""
    net = td.Network("lazy_loop")
    x = net.input("x", td.float32, (3,))
    n = net.input("n", td.int32, ())
    p = net.input("p", td.bool, ())
    with td.If(p) as branch:
        with branch.then_():
            with td.Loop(trip_count=n) as loop:
                ys = loop.collect(loop.iterate(x) * 2.0, length=4)
        with branch.else_():
            zs = td.concatenate([x, x[:1]])
        out = branch.output(ys, zs)
    net.output("y", out)
    feeds = {"x": np.arange(3, dtype=np.float32), "n": np.int32(4), "p": np.bool_(taken)}
    if taken:
        with pytest.raises(td.ExecutionError, match=r"iteration 3 reads index 3 along axis 0"):
            net.run(feeds)
    else:
        assert net.run(feeds)["y"].tolist() == [0.0, 1.0, 2.0, 0.0]


def test_outer_tensors_enter_branches_through_conditional_inputs():
    net = td.Network("inputs")
    x = net.input("x", td.float32, (2,))
    y = net.input("y", td.float32, (2,))
    p = net.input("p", td.bool, ())
    with td.If(p) as branch:
        with branch.then_():
            t = x * y
        with branch.else_():
            f = x + y
        out = branch.output(t, f)
    net.output("z", out)
    inputs = [n for n in net.nodes if n.op.kind == "ConditionalInput"]
    # one input layer per tensor, shared by both branches
    assert len(inputs) == 2 and inputs[0].inputs[0] is x and inputs[1].inputs[0] is y
    s = analyze(net)
    region = net.regions[0]
    assert s.frame_of(t.producer) == (region, True) and s.frame_of(f.producer) == (region, False)


def test_eager_computes_outside_the_conditional(monkeypatch):
    net = td.Network("eager")
    x = net.input("x", td.float32, (2,))
    p = net.input("p", td.bool, ())
    with td.If(p) as branch:
        with branch.then_():
            with branch.eager():
                e = td.exp(x)  # computed whatever the condition
            t = e + 1.0
        out = branch.output(t, x)
    net.output("y", out)
    s = analyze(net)
    assert s.frame_of(e.producer) is None
    assert s.frame_of(t.producer) == (net.regions[0], True)
    calls = failing_unary(monkeypatch)
    with pytest.raises(td.ExecutionError, match="this layer must not run"):
        net.run({"x": np.zeros(2, np.float32), "p": np.bool_(False)})
    assert calls == ["EXP"]


def test_textual_ir_shows_the_conditional_as_a_block():
    net = td.Network("simple_if")
    x = net.input("x", td.float32, (5,))
    y = net.input("y", td.float32, (5,))
    p = net.input("p", td.bool, ())
    with td.If(p) as branch:
        with branch.then_():
            t = x + y
        with branch.else_():
            f = x - y
        net_out = branch.output(t, f)
    net.output("out", net_out)
    assert net.format(locations=False) == """network "simple_if" {
  input %x : f32[5]
  input %y : f32[5]
  input %p : bool[]
  if if_0 {
    Condition(%p)
    %cond_input_0 : f32[5] = ConditionalInput(%x)
    %cond_input_1 : f32[5] = ConditionalInput(%y)
    then {
      %sum_0 : f32[5] = ElementWise[SUM](%cond_input_0, %cond_input_1)
    }
    else {
      %sub_0 : f32[5] = ElementWise[SUB](%cond_input_0, %cond_input_1)
    }
    %out : f32[5] = ConditionalOutput(%sum_0, %sub_0)
  }
  output %out : f32[5]
}"""


def branch_lengths() -> td.Network:
    """Branches giving 3 and 2 elements; the output's length is known when the conditional runs."""
    net = td.Network("lengths")
    x = net.input("x", td.float32, (3,))
    go = net.input("go", td.bool, ())
    with td.If(go) as branch:
        with branch.then_():
            t = x * 2.0
        with branch.else_():
            f = x[:2] + 1.0
        y = branch.output(t, f)
    net.output("y", y)
    net.output("total", td.sum(y * 10.0))
    return net


@pytest.mark.parametrize("go", [True, False])
def test_branches_may_give_different_lengths(go):
    # NvInfer.h: the two values of an output have "the same type and rank"
    net = branch_lengths()
    assert str(net.outputs["y"].type) == "f32[if_0#3|2]"
    x = np.array([1.0, 2.0, 4.0], np.float32)
    want = x * 2.0 if go else x[:2] + 1.0
    out = net.run({"x": x, "go": np.array(go)})
    np.testing.assert_array_equal(out["y"], want)
    assert out["total"] == np.float32(np.sum(want * 10.0))


@pytest.mark.parametrize("go", [True, False])
def test_branches_of_different_lengths_on_onnxruntime(go):
    pytest.importorskip("onnxruntime")
    net = branch_lengths()
    feeds = {"x": np.array([1.0, 2.0, 4.0], np.float32), "go": np.array(go)}
    want, got = net.run(feeds), net.run(feeds, backend="onnxruntime")
    for key in want:
        np.testing.assert_array_equal(got[key], want[key])


def test_branch_lengths_change_from_one_iteration_to_the_next():
    net = td.Network("loop")
    x = net.input("x", td.float32, (3,))
    with td.Loop(trip_count=4, network=net) as loop:
        i = loop.carry(np.int32(0))
        i.update(i + 1)
        with td.If(i % 2 == 0) as branch:
            with branch.then_():
                t = x * 1.0
            with branch.else_():
                f = x[:1] * 1.0
            y = branch.output(t, f)
        total = loop.carry(np.float32(0))
        total.update(total + td.sum(y))
        final = loop.last(total)
    net.output("total", final)
    x_value = np.array([1.0, 2.0, 4.0], np.float32)
    assert net.run({"x": x_value})["total"] == np.float32(2 * 7.0 + 2 * 1.0)


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    def conditionals(net):
        a = net.input("a", td.int32, ())
        b = net.input("b", td.int32, ())
        v = net.input("v", td.float32, ("n",))
        lo, hi = td.cond(a < b, lambda: (a * 2, b), lambda: (b, a - 1))
        net.output("lo", lo)
        net.output("hi", hi)
        inner = td.cond(a > 0, lambda: td.cond(b > 0, lambda: td.exp(v), lambda: v * 2.0), lambda: -v)
        net.output("nested", inner)
        summed = td.cond(a == b, lambda: td.fori_loop(0, 3, lambda i, acc: acc + v, v), lambda: v)
        net.output("loop_in_branch", summed)

    return [Row("conditionals", conditionals, values={"a": (-3, 3), "b": (-3, 3)})]


@tensorrt_case
def conditionals() -> td.Network:
    net = td.Network("conditionals")
    a = net.input("a", td.int32, ())
    b = net.input("b", td.int32, ())
    lo, hi = td.cond(a < b, lambda: (a, b), lambda: (b, a))
    net.output("lo", lo)
    net.output("hi", hi)
    x = net.input("x", td.float32, (2,))
    with td.If(td.max(x) > 1.0) as branch:
        with branch.then_():
            then_value = td.exp(x)
        with branch.else_():
            else_value = x * 3.0
        chosen = branch.output(then_value, else_value)
    net.output("branch", chosen)
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
@tensorrt_expectation("conditional", "NvInfer.h IIfConditional: setCondition(0-D bool), addInput(tensor), "
     "addOutput(trueSubgraphOutput, falseSubgraphOutput)",
     {"Condition": Layer("set_condition", {}, ("p",)),
      "ConditionalInput#0": Layer("add_input", {}, ("x",)),
      "ConditionalOutput": Layer("add_output", {}, ("then_v", "else_v"))})
def _(net):
    x, p = net.input("x", td.float32, (3,)), net.input("p", td.bool, ())
    net.output("y", td.cond(p, lambda: td.multiply(x, 2.0, name="then_v"),
                            lambda: td.add(x, 1.0, name="else_v")))
