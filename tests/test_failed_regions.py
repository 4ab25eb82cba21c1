"""A loop or conditional whose definition fails leaves the network as it was before it: no half-made
layers, regions, names or records that a later run, export or definition would meet."""

from __future__ import annotations

import numpy as np
import pytest

import trtdsl as td


def start() -> tuple[td.Network, td.Tensor]:
    net = td.Network("n")
    x = net.input("x", td.float32, ("n", 3))
    net.output("doubled", x * 2.0)
    return net, x


def state(net: td.Network) -> tuple:
    """What the network holds: its text, its names and regions."""
    return (net.format(), sorted(net._node_names), sorted(net._tensor_names), [r.name for r in net.regions],
            list(net.outputs))


def unknown_name() -> td.Tensor:
    raise NameError("name 'undefined' is not defined")  # a bug in the user's loop body


FAILURES = {
    "scan body raises": lambda x, _: td.scan(lambda c, row: (c + row + unknown_name(), c),
                                             np.zeros(3, np.float32), x),
    "scan carry changes shape": lambda x, _: td.scan(lambda c, row: (td.concatenate([c, row]), c),
                                                     np.zeros(3, np.float32), x),
    "cond branches differ": lambda x, condition: td.cond(condition, lambda: x * 2.0, lambda: x[0]),
    "fori_loop body raises": lambda x, _: td.fori_loop(0, 3, lambda i, c: c * unknown_name(), x),
    "while_loop condition not bool": lambda x, _: td.while_loop(lambda c: c.sum(), lambda c: c, x),
}


@pytest.mark.parametrize("name", FAILURES)
def test_a_failed_functional_region_is_undone(name):
    net, x = start()
    condition = x.sum() > 0  # made before the region: kept
    before = state(net)
    with pytest.raises((td.DSLError, NameError)):
        FAILURES[name](x, condition)
    after = state(net)
    assert after[1:] == before[1:] and after[0] == before[0], name
    feeds = {"x": np.arange(6, dtype=np.float32).reshape(2, 3)}
    np.testing.assert_array_equal(net.run(feeds)["doubled"], feeds["x"] * 2)
    # the network goes on: the same code, fixed, makes the region with the names the failed one had
    total, rows = td.scan(lambda c, row: (c + row, c), np.zeros(3, np.float32), x)
    net.output("total", total)
    picked = td.cond(condition, lambda: x[0], lambda: x[1])
    net.output("picked", picked)
    assert [r.name for r in net.regions] == ["loop_0", "if_0"]
    out = net.run(feeds)
    np.testing.assert_array_equal(out["total"], feeds["x"].sum(0))
    np.testing.assert_array_equal(out["picked"], feeds["x"][0])
    assert td.from_onnx(net.to_onnx()).run(feeds)["total"].tolist() == out["total"].tolist()


def test_a_failed_with_block_is_undone_and_an_incomplete_one_too():
    net, x = start()
    before = state(net)
    with pytest.raises(td.ShapeError):
        with td.If(x.sum() > 0) as branch:
            with branch.then_():
                t = x * 2.0
            with branch.else_():
                e = x[0]
            branch.output(t, e)
    condition = ["reduce_sum_0", "constant_1", "greater_0"]  # made before the conditional: kept
    assert state(net)[1:] == (sorted(before[1] + condition), sorted(before[2] + condition), [], ["doubled"])
    with pytest.raises(td.RegionError, match="has no output"):
        with td.If(x.sum() > 1):
            pass
    assert net.regions == [] and not any("ondition" in n.op.kind for n in net.nodes)
    with pytest.raises(ZeroDivisionError):
        with td.Loop(3) as loop:
            c = loop.carry(x)
            c.update(c * (1 / 0))
    assert net.regions == [] and not any(n.op.kind in ("TripLimit", "Recurrence") for n in net.nodes)


def test_a_nested_failure_caught_in_the_body_undoes_only_the_inner_region():
    net, x = start()
    with td.Loop(2) as outer:
        c = outer.carry(x)
        with pytest.raises(td.DSLError):
            td.cond(c.sum() > 0, lambda: c, lambda: c[0])
        c.update(c + 1.0)
        result = outer.last(c)
    net.output("result", result)
    assert [r.name for r in net.regions] == ["loop_0"]
    feeds = {"x": np.zeros((2, 3), np.float32)}
    np.testing.assert_array_equal(net.run(feeds)["result"], np.full((2, 3), 2, np.float32))


def test_an_outer_conditional_forgets_the_inputs_a_failed_nested_region_brought_in():
    def build(fail: bool) -> td.Network:
        net, x = start()
        z = net.input("z", td.float32, ("n", 3))
        with td.If(x.sum() > 0) as outer:
            with outer.then_():
                inner = x.sum() > 1
                if fail:
                    with pytest.raises(td.RegionError):  # z first enters the outer conditional in here
                        td.cond(inner, lambda: z, lambda: z[0])
                then_value = z * 2.0  # and enters again, through a new ConditionalInput
            with outer.else_():
                else_value = z
            result = outer.output(then_value, else_value)
        net.output("result", result)
        return net

    net = build(fail=True)
    assert [n.op.label() for n in net.nodes] == [n.op.label() for n in build(fail=False).nodes]
    feeds = {"x": np.ones((2, 3), np.float32), "z": np.arange(6, dtype=np.float32).reshape(2, 3)}
    np.testing.assert_array_equal(net.run(feeds)["result"], feeds["z"] * 2)
    np.testing.assert_array_equal(net.run({**feeds, "x": -feeds["x"]})["result"], feeds["z"])


def test_an_input_declared_in_a_failed_block_is_removed_with_it():
    net, x = start()
    with pytest.raises(ZeroDivisionError):
        with td.Loop(2) as loop:
            c = loop.carry(x)
            step = net.input("step", td.float32, (3,))
            c.update(c + step * (1 / 0))
    assert list(net.inputs) == ["x"] and "step" not in net._tensor_names
    step = net.input("step", td.float32, (3,))  # the name is free again
    net.output("stepped", x + step)
    out = net.run({"x": np.zeros((2, 3), np.float32), "step": np.ones(3, np.float32)})
    np.testing.assert_array_equal(out["stepped"], np.ones((2, 3), np.float32))


def test_a_tensor_of_an_undone_region_is_refused_where_it_is_used():
    net, x = start()
    with pytest.raises(NameError):
        with td.Loop(2) as loop:
            c = loop.carry(x)
            tripled = c * 3.0
            c.update(c + unknown_name())
    message = ("a tensor made by loop 'loop_0' of network 'n', whose definition failed and was undone (the "
               "network is as it was before it), is used; make it again")
    for use in (lambda: tripled + 1.0, lambda: net.output("z", tripled), lambda: td.relu(tripled)):
        with pytest.raises(td.RegionError) as info:
            use()
        assert info.value.message == message


def test_parameters_and_outputs_of_an_undone_region():
    """A module's parameter whose constant a failed region made is made again where it is used next; an
    output named in the failed block is gone, and the tensor it renamed has an automatic name again."""
    net, x = start()
    linear = td.nn.Linear(3, 3)
    linear.load_state_dict({"weight": np.eye(3, dtype=np.float32), "bias": np.ones(3, np.float32)})
    doubled = net.outputs["doubled"]
    t = x * 5.0
    with pytest.raises(NameError):
        td.scan(lambda c, row: (linear(c) + row + unknown_name(), c), np.zeros(3, np.float32), x)
    with pytest.raises(NameError):
        with td.Loop(2) as loop:
            c = loop.carry(x)
            net.output("five", t)
            c.update(c + unknown_name())
    assert list(net.outputs) == ["doubled"] and net.outputs["doubled"] is doubled
    assert not t.user_named and "five" not in net._tensor_names
    net.output("y", linear(x))
    linear.load_state_dict({"weight": 2 * np.eye(3, dtype=np.float32), "bias": np.zeros(3, np.float32)})
    feeds = {"x": np.arange(6, dtype=np.float32).reshape(2, 3)}
    np.testing.assert_array_equal(net.run(feeds)["y"], 2 * feeds["x"])
