"""The reference interpreter writes a float32 elementwise or activation result into a dead input's
buffer. These tests build networks where a wrong liveness decision would overwrite a value still read
(a view of it, a later layer, the caller's outputs, the inputs, the constants, a loop's values) and
compare every output with NumPy formulas written here."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import trtdsl as td
from trtdsl.layers._common import blocks
from trtdsl.layers.activation import Activation, ActivationType
from trtdsl.layers.softmax import SoftMax
from trtdsl.reference.interpreter import free_after, needed_nodes, plan, writable_inputs


def values(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def decisions(net, feeds):
    """{layer name: the input index it writes into} for the layers that write in place."""
    net.run(feeds)
    needed = needed_nodes(net)
    layers = [n for n in net.nodes if n in needed and n.op.kind != "Constant"]
    outputs = list(net.outputs.values())
    (bindings,) = [dict(key) for key in plan(net)._programs]
    chosen = writable_inputs(layers, free_after([n.inputs for n in layers], outputs),
                             plan(net).expected(bindings))
    return {n.name: i for n, i in zip(layers, chosen) if i is not None}


def test_a_product_dead_after_its_bias_takes_the_sum_and_the_activation():
    net = td.Network("dense")
    x = net.input("x", td.float32, (4, 3))
    w, b = values((3, 5), 1), values((5,), 2)
    h = td.relu(td.matmul(x, w, name="mm") + b)
    net.output("y", h)
    xv = values((4, 3), 3)
    got = net.run({"x": xv})["y"]
    np.testing.assert_allclose(got, np.maximum(xv.astype(np.float64) @ w + b, 0), rtol=1e-5, atol=1e-6)
    chosen = decisions(net, {"x": xv})
    assert sorted(chosen.values()) == [0, 0] and len(chosen) == 2


def test_a_value_still_read_later_is_not_overwritten():
    net = td.Network("twice")
    x = net.input("x", td.float32, (3, 4))
    t = x * np.float32(2)
    u = td.sigmoid(t)  # t is read again below: u must not take its buffer
    v = t + u  # t's and u's last use: one of them may take the sum
    net.output("v", v)
    xv = values((3, 4))
    t_ = xv.astype(np.float64) * 2
    want = t_ + 1 / (1 + np.exp(-t_))
    np.testing.assert_allclose(net.run({"x": xv})["v"], want, rtol=1e-6, atol=1e-6)
    assert "sigmoid" not in " ".join(decisions(net, {"x": xv}))


def test_a_view_of_a_value_keeps_the_value_from_being_overwritten():
    net = td.Network("view")
    x = net.input("x", td.float32, (2, 6))
    t = x + np.float32(1)
    r = td.reshape(t, (3, 4))  # may be a view of t's buffer
    u = td.tanh(t)  # t's last use, but r still reads its buffer
    net.output("r", r)
    net.output("u", u)
    xv = values((2, 6))
    out = net.run({"x": xv})
    np.testing.assert_array_equal(out["r"], (xv + np.float32(1)).reshape(3, 4))
    np.testing.assert_allclose(out["u"], np.tanh(xv.astype(np.float64) + 1), rtol=1e-6, atol=1e-7)
    assert not decisions(net, {"x": xv})


def test_outputs_inputs_and_constants_are_never_written():
    net = td.Network("kept")
    x = net.input("x", td.float32, (5,))
    c = np.arange(5, dtype=np.float32)
    y = x + c  # an output that a later layer reads last
    z = td.relu(y)
    w = td.relu(x)  # x is the caller's array
    net.output("y", y)
    net.output("z", z)
    net.output("w", w)
    xv = np.array([-2, -1, 0, 1, 2], np.float32)
    before = xv.copy()
    first = net.run({"x": xv})
    kept = {k: v.copy() for k, v in first.items()}
    second = net.run({"x": xv * np.float32(3)})  # a later run does not reuse the first run's arrays
    for k in kept:
        np.testing.assert_array_equal(first[k], kept[k])
    np.testing.assert_array_equal(xv, before)
    np.testing.assert_array_equal(first["y"], before + c)
    np.testing.assert_array_equal(first["z"], np.maximum(before + c, 0))
    np.testing.assert_array_equal(first["w"], np.maximum(before, 0))
    np.testing.assert_array_equal(second["z"], np.maximum(before * 3 + c, 0))
    assert not decisions(net, {"x": xv})


def test_each_output_is_a_writable_array_of_its_own():
    """Outputs that are views of an input (identity, reshape, slice, the input itself), of one another or of
    a constant are copies: writing into one changes neither the caller's input, nor another output, nor
    the next run."""
    net = td.Network("views")
    x = net.input("x", td.float32, (2, 3))
    same = td.identity(x)
    net.output("same", same)
    net.output("flat", x.reshape((6,)))
    net.output("row", x[1])
    net.output("again", td.identity(same))
    net.output("ones", td.identity(net.constant(np.ones(3, np.float32))))
    made = td.relu(x)  # a value of the run's own, given whole and as a view of it
    net.output("made_flat", made.reshape((6,)))
    net.output("made", made)
    xv = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = net.run({"x": xv})
    for k, array in enumerate(out.values()):  # each its own value: a shared buffer would show another's
        assert array.flags.writeable
        array[...] = -1 - k
    assert [float(array.flat[0]) for array in out.values()] == [-1.0 - k for k in range(len(out))]
    np.testing.assert_array_equal(xv, np.arange(6).reshape(2, 3))
    again = net.run({"x": xv})
    np.testing.assert_array_equal(again["same"], np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(again["again"], np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(again["row"], [3, 4, 5])
    np.testing.assert_array_equal(again["ones"], np.ones(3))


def test_a_loops_values_keep_their_own_buffers():
    steps, n = 4, 3
    net = td.Network("loop")
    xs = net.input("xs", td.float32, (steps, n))

    def step(h, x):
        h = td.tanh(h * np.float32(0.5) + x)
        return h, h

    last, hs = td.scan(step, np.zeros(n, np.float32), xs)
    net.output("hs", hs)
    net.output("last", td.relu(last + np.float32(0)))
    xv = values((steps, n))
    out = net.run({"xs": xv})
    h = np.zeros(n)
    want = []
    for x in xv.astype(np.float64):
        h = np.tanh(h * 0.5 + x)
        want.append(h)
    np.testing.assert_allclose(out["hs"], np.array(want), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(out["last"], np.maximum(want[-1], 0), rtol=1e-6, atol=1e-6)


def test_a_loop_body_keeps_what_the_loop_reads_after_it():
    """Values the loop collects or carries are read again in the body by layers that could write in
    place; the loop's results must still be theirs."""
    steps, n = 5, 4
    net = td.Network("body")
    xs = net.input("xs", td.float32, (steps, n))

    def step(carry, x):
        h, c = carry
        t = td.tanh(h + x)  # collected, then read by a layer that could take its buffer
        c2 = td.sigmoid(c * np.float32(0.5) + t)  # carried, then read likewise
        h2 = td.relu(t * np.float32(2)) - c2
        return (h2, c2), t

    (h, c), ts = td.scan(step, (np.zeros(n, np.float32), np.ones(n, np.float32)), xs)
    net.output("ts", ts)
    net.output("h", h)
    net.output("c", c)
    xv = values((steps, n))
    out = net.run({"xs": xv})
    h_, c_, want = np.zeros(n), np.ones(n), []
    for x in xv.astype(np.float64):
        t = np.tanh(h_ + x)
        c_ = 1 / (1 + np.exp(-(c_ * 0.5 + t)))
        h_ = np.maximum(t * 2, 0) - c_
        want.append(t)
    np.testing.assert_allclose(out["ts"], np.array(want), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(out["h"], h_, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(out["c"], c_, rtol=1e-6, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["relu", "sigmoid", "tanh", "gelu", "add", "mul", "sub", "square",
                                           "reshape"]), st.booleans()), min_size=1, max_size=12),
       hnp.arrays(np.float32, (2, 3), elements=st.floats(-5, 5, width=32)))
def test_chains_of_layers_match_numpy(ops, xv):
    """Each layer reads the previous result (``add``: and the one before, read after the buffer it
    was in may have been written); a drawn subset of the intermediates are outputs too."""
    net = td.Network("chain")
    x = net.input("x", td.float32, (2, 3))
    h, ref, seen = x, xv.astype(np.float64), []
    for i, (op, shown) in enumerate(ops):
        k = np.float32(0.25 * (i + 1))
        if op == "relu":
            h, ref = td.relu(h), np.maximum(ref, 0)
        elif op == "sigmoid":
            h, ref = td.sigmoid(h), 1 / (1 + np.exp(-ref))
        elif op == "tanh":
            h, ref = td.tanh(h), np.tanh(ref)
        elif op == "gelu":
            h, ref = td.gelu(h), 0.5 * ref * (1 + np.vectorize(math.erf)(ref / math.sqrt(2)))
        elif op == "add":
            h, ref = h + seen[-1][0] if seen else h + k, ref + (seen[-1][1] if seen else k)
        elif op == "mul":
            h, ref = h * k, ref * k
        elif op == "sub":
            h, ref = k - h, k - ref
        elif op == "square":
            h, ref = h * h, ref * ref
        else:
            h, ref = td.reshape(td.reshape(h, (3, 2)), (2, 3)), ref
        seen.append((h, ref))
    shown = sorted({i for i, (_, show) in enumerate(ops) if show} | {len(ops) - 1})
    for i in shown:  # outputs: none may be overwritten by a later layer
        net.output(f"y{i}", seen[i][0])
    out = net.run({"x": xv})
    for i in shown:
        np.testing.assert_allclose(out[f"y{i}"], seen[i][1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", ["RELU", "SIGMOID", "TANH", "GELU_ERF"])
def test_activation_in_place_forms_give_the_references_bits(kind):
    # tiled: NumPy's vectorised loops, not only their scalar tails (ReLU pairs the buffer with zeros)
    special = [-np.inf, -50, -3, -1, -0.0, 0.0, 1e-30, -1e-45, 0.5, 2, 30, np.inf, np.nan, -np.nan]
    x = np.tile(np.array(special, np.float32), 37)
    op = Activation(ActivationType[kind])
    buffer = x.copy()
    with np.errstate(all="ignore"):  # as the interpreter runs layers
        (want,) = op.reference(x)
        (got,) = op.in_place(0)(buffer)
    assert got is buffer
    np.testing.assert_array_equal(got.view(np.int32), want.view(np.int32))


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_softmax_in_place_gives_the_references_bits_and_a_formula_of_its_own(axis):
    x = values((3, 5, 7)) * 4
    x[1, 2, 3] = np.nan
    op = SoftMax(axis)
    buffer = x.copy()
    with np.errstate(all="ignore"):
        (want,) = op.reference(x)
        (got,) = op.in_place(0)(buffer)
        e = np.exp(x.astype(np.float64) - x.max(axis, keepdims=True))
        formula = e / e.sum(axis, keepdims=True)
    assert got is buffer
    np.testing.assert_array_equal(got.view(np.int32), want.view(np.int32))
    np.testing.assert_allclose(got, formula, rtol=1e-6, atol=1e-7)  # NaN where the slice holds one


def test_softmax_writes_into_the_dead_scores():
    net = td.Network("attention scores")
    x = net.input("x", td.float32, (2, 3, 4))
    scores = td.matmul(x, x, transpose_b=True) * np.float32(0.5)
    net.output("p", td.softmax(scores, name="sm"))
    xv = values((2, 3, 4))
    s = np.matmul(xv.astype(np.float64), np.swapaxes(xv, -1, -2)) * 0.5
    e = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(net.run({"x": xv})["p"], e / e.sum(-1, keepdims=True), rtol=1e-5, atol=1e-7)
    assert decisions(net, {"x": xv})["sm"] == 0


def test_gelu_into_a_strided_buffer():
    from trtdsl.layers._erf import gelu

    x = values((4, 6))
    buffer = np.asfortranarray(x)
    got = gelu(buffer, buffer)
    want = 0.5 * x.astype(np.float64) * (1 + np.vectorize(math.erf)(x.astype(np.float64) / math.sqrt(2)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert got is buffer


def test_a_chain_of_layers_in_one_buffer(monkeypatch):
    net = td.Network("chain")
    x = net.input("x", td.float32, (3, 4))
    c = values((3, 4), 1)
    t = x * np.float32(2)
    side = td.tanh(t + np.float32(0))  # read from outside the chain below
    h = td.relu(t + c)
    h = td.sigmoid(h * h - side)
    net.output("y", td.gelu(h) + side)
    xv = values((3, 4), 2)
    t_ = xv.astype(np.float64) * 2
    s_ = np.tanh(t_)
    r = np.maximum(t_ + c, 0)
    h_ = 1 / (1 + np.exp(-(r * r - s_)))
    want = 0.5 * h_ * (1 + np.vectorize(math.erf)(h_ / math.sqrt(2))) + s_
    np.testing.assert_allclose(net.run({"x": xv})["y"], want, rtol=1e-5, atol=1e-6)
    chosen = decisions(net, {"x": xv})
    assert len(chosen) >= 6

    def broken(self, index):  # a failing layer inside a chain is named in the error
        def fail(x):
            raise FloatingPointError("boom")
        return fail if self.type is ActivationType.SIGMOID else real(self, index)

    real = Activation.in_place
    monkeypatch.setattr(Activation, "in_place", broken)
    net2 = td.Network("chain2")
    x = net2.input("x", td.float32, (3,))
    net2.output("y", td.tanh(td.sigmoid(td.relu(x * np.float32(2)), name="the_sigmoid")))
    with pytest.raises(td.ExecutionError, match=r"layer the_sigmoid\) failed .*FloatingPointError: boom"):
        net2.run({"x": np.ones(3, np.float32)})


def test_softmax_of_many_rows_is_each_rows_own_softmax():
    # more rows than one block holds: blocks must not change any row's values
    x = values((20, 100, 128)) * 4
    x[3, 7, 5] = np.nan
    (got,) = SoftMax(2).reference(x)
    for i in (0, 3, 19):
        (alone,) = SoftMax(2).reference(x[i:i + 1].copy())
        np.testing.assert_array_equal(got[i:i + 1].view(np.int32), alone.view(np.int32))
    with np.errstate(invalid="ignore"):
        e = np.exp(x.astype(np.float64) - x.max(2, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(2, keepdims=True), rtol=1e-6, atol=1e-7)
    assert np.isnan(got[3, 7]).all() and not np.isnan(np.delete(got[3], 7, axis=0)).any()


@pytest.mark.parametrize("lead, axis, blocked", [((), 0, False), ((), 2, True), ((1,), 1, False),
                                                  ((1,), 3, True)])
def test_a_long_chain_runs_block_by_block_with_the_values_of_one_pass(monkeypatch, lead, axis, blocked):
    """A chain over more than ``CACHED`` values runs block by block along its first axis longer than 1
    (unless a softmax mixes values along it): the outputs equal, bit for bit, those of the whole buffer
    at once, and the formula."""
    from trtdsl.reference import interpreter

    shape = lead + (16, 64, 160)
    w, full = values((160, 160), 1) * np.float32(0.1), values(shape, 2)
    row = values((1,) * len(shape[:-1]) + (160,), 3)
    xv = values(shape, 4)

    def run():
        net = td.Network("blocked")
        x = net.input("x", td.float32, shape)
        h = td.matmul(x, w) * np.float32(0.5) + row  # broadcast along the blocked axis: not sliced
        h = td.softmax(td.tanh(h) * full, axis=axis)  # full: sliced with the buffer
        net.output("y", td.relu(h - np.float32(0.001)))
        return net.run({"x": xv})["y"]

    sliced = []
    monkeypatch.setattr(interpreter, "blocks", lambda n, size: sliced.append(n) or blocks(n, size))
    got = run()
    assert sliced == ([16] if blocked else [])
    monkeypatch.setattr(interpreter, "CACHED", 2**40)  # one block
    whole = run()
    np.testing.assert_array_equal(got.view(np.int32), whole.view(np.int32))

    s = np.tanh(xv.astype(np.float64) @ w * 0.5 + row) * full
    e = np.exp(s - s.max(axis, keepdims=True))
    want = np.maximum(e / e.sum(axis, keepdims=True) - 0.001, 0)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
