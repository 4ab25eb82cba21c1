"""Layers that only view constants (a reshape, a transpose, a slice) are evaluated once per program, their
results kept as constants; the values are those of the layers run each time."""

import numpy as np

import trtdsl as td
from trtdsl.reference.interpreter import plan


def steps(net, bindings):
    """The kinds of the layers a run of ``net`` evaluates (a chain counts as its last layer)."""
    return [step[5].op.kind for step in plan(net).program(bindings).steps if step]


def test_views_of_constants_are_computed_once_and_agree():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    w, b = rng.standard_normal((5, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    table = rng.standard_normal((6, 4)).astype(np.float32)
    net = td.Network("views")
    t = net.input("x", td.float32, x.shape)
    net.output("dense", td.linear(t, w, b))  # the weight gets a leading 1: an Unsqueeze of a constant
    rows = td.slice(net.constant(table), (1, 0), (3, 4))  # a Slice of a constant
    net.output("shifted", t + td.reshape(rows, (1, 3, 4)))  # and a Shuffle of that view
    net.output("viewed", td.transpose(net.constant(table), (1, 0)))  # a view that is itself an output

    kinds = steps(net, {})
    assert "Unsqueeze" not in kinds and "Slice" not in kinds and "Shuffle" not in kinds
    for _ in range(2):  # the kept views serve every run alike
        got = net.run({"x": x})
        np.testing.assert_allclose(got["dense"], x.astype(np.float64) @ w.T.astype(np.float64) + b,
                                   rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(got["shifted"], x + table[1:4][None])
        np.testing.assert_array_equal(got["viewed"], table.T)
    got["viewed"][...] = 0  # a copy of the constant's view, as every output is an array of its own
    np.testing.assert_array_equal(net.run({"x": x})["viewed"], table.T)


def test_a_layer_of_constants_that_copies_runs_each_time():
    table = np.arange(12, dtype=np.float32).reshape(3, 4)
    net = td.Network("copy")
    t = net.input("x", td.float32, (2, 6))
    # a transpose then a reshape cannot be a view: the layer makes a new array, left to the run
    net.output("y", t + td.shuffle(net.constant(table), first_transpose=(1, 0), reshape=(2, 6)))
    assert steps(net, {}).count("Shuffle") == 1
    x = np.ones((2, 6), np.float32)
    np.testing.assert_array_equal(net.run({"x": x})["y"], x + table.T.reshape(2, 6))
