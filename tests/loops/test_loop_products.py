"""Matrix products inside loops: by a weight from outside the loop (which the reference multiplies in a
form made once per run of the loop, and whose iterator slices' share it computes before the loop) and by
a matrix the loop changes, against NumPy loops written here."""

import numpy as np
import pytest

import trtdsl as td


def test_a_product_by_an_outside_weight_and_by_a_changing_matrix():
    steps, rows, k = 3, 4, 512
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((k, k)) / np.sqrt(k)).astype(np.float32)
    net = td.Network("products")
    xs = net.input("xs", td.float32, (steps, rows, k))
    weight = net.input("w", td.float32, (k, k))

    def step(carry, x):
        h, m = carry
        h = td.tanh(x @ weight + h @ m)  # weight: fixed; m: changes every iteration
        m = m * np.float32(0.5)
        return (h, m), h

    _, hs = td.scan(step, (np.zeros((rows, k), np.float32), np.eye(k, dtype=np.float32)), xs)
    net.output("hs", hs)
    xv = rng.standard_normal((steps, rows, k)).astype(np.float32)
    for feeds_w in (w, w * np.float32(-2)):  # a second run with another weight: made again per run
        got = net.run({"xs": xv, "w": feeds_w})["hs"]
        h, m, want = np.zeros((rows, k)), np.eye(k), []
        for x in xv.astype(np.float64):
            h = np.tanh(x @ feeds_w + h @ m)
            m = m * 0.5
            want.append(h)
        np.testing.assert_allclose(got, np.array(want), rtol=1e-4, atol=1e-5)


def _hoisted(net):
    """The products the reference's plan computes before each loop of ``net`` (after a run)."""
    from trtdsl.reference.interpreter import plan

    return [h.product.name for step in plan(net).steps if hasattr(step, "body_fast") and step.body_fast.last
            for h, _, _ in step.body_fast.last[2].hoisted]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _lstm_net(steps, batch, hidden, reverse):
    rng = np.random.default_rng(1)
    w = (rng.standard_normal((2 * hidden, 4 * hidden)) / np.sqrt(2 * hidden)).astype(np.float32)
    b = (rng.standard_normal(4 * hidden) * 0.1).astype(np.float32)
    net = td.Network("lstm")
    xs = net.input("xs", td.float32, (steps, batch, hidden))

    def step(carry, x):
        h, c = carry
        gates = td.concatenate([x, h], axis=1) @ w + b
        i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = td.sigmoid(f) * c + td.sigmoid(i) * td.tanh(g)
        h = td.sigmoid(o) * td.tanh(c)
        return (h, c), h

    zeros = np.zeros((batch, hidden), np.float32)
    (h, c), hs = td.scan(step, (zeros, zeros), xs, reverse=reverse)
    net.output("hs", hs)
    net.output("c", c)
    return net, w, b


def test_an_lstm_scan_whose_input_projection_is_hoisted_matches_numpy():
    steps, batch, hidden = 4, 3, 256  # h @ w[hidden:] large enough for its transposed form
    xv = np.random.default_rng(2).standard_normal((steps, batch, hidden)).astype(np.float32)
    for reverse in (False, True):
        net, w, b = _lstm_net(steps, batch, hidden, reverse)
        got = net.run({"xs": xv})
        assert len(_hoisted(net)) == 1
        h = c = np.zeros((batch, hidden))
        hs = [None] * steps
        for t in (reversed(range(steps)) if reverse else range(steps)):
            gates = np.concatenate([xv[t], h], axis=1).astype(np.float64) @ w + b
            i, f, g, o = np.split(gates, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            hs[t] = h
        np.testing.assert_allclose(got["hs"], np.array(hs), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got["c"], c, rtol=1e-4, atol=1e-5)


def test_a_gru_loop_over_axis_1_in_reverse_whose_projection_feeds_several_layers():
    # xs is (batch, steps, features), iterated along axis 1 from the end; x @ wx + bx is hoisted and its
    # three column blocks are read by three layers; h @ wh (a product of the carry) is not hoisted
    batch, steps, features, hidden = 2, 4, 8, 6
    rng = np.random.default_rng(3)
    wx, wh = (rng.standard_normal((n, 3 * hidden)).astype(np.float32) for n in (features, hidden))
    bx, bh = (rng.standard_normal((1, 3 * hidden)).astype(np.float32) for _ in range(2))
    net = td.Network("gru")
    xs = net.input("xs", td.float32, (batch, steps, features))
    with td.Loop(trip_count=steps) as loop:
        x = loop.iterate(xs, axis=1, reverse=True)
        h = loop.carry(np.zeros((batch, hidden), np.float32))
        gx, gh = x @ wx + bx, h @ wh + bh
        r = td.sigmoid(gx[:, :hidden] + gh[:, :hidden])
        z = td.sigmoid(gx[:, hidden:2 * hidden] + gh[:, hidden:2 * hidden])
        n = td.tanh(gx[:, 2 * hidden:] + r * gh[:, 2 * hidden:])
        new = (np.float32(1) - z) * n + z * h
        h.update(new)
        out = loop.collect(new, axis=1)
    net.output("out", out)
    xv = rng.standard_normal((batch, steps, features)).astype(np.float32)
    got = net.run({"xs": xv})["out"]
    assert len(_hoisted(net)) == 1
    h, want = np.zeros((batch, hidden)), []
    for t in reversed(range(steps)):
        gx, gh = xv[:, t].astype(np.float64) @ wx + bx, h @ wh + bh
        r = _sigmoid(gx[:, :hidden] + gh[:, :hidden])
        z = _sigmoid(gx[:, hidden:2 * hidden] + gh[:, hidden:2 * hidden])
        n = np.tanh(gx[:, 2 * hidden:] + r * gh[:, 2 * hidden:])
        h = (1 - z) * n + z * h
        want.append(h)
    np.testing.assert_allclose(got, np.stack(want, axis=1), rtol=1e-4, atol=1e-5)


def test_a_hoisted_product_written_into_by_later_layers_and_a_count_below_the_extent():
    # relu(q) writes into the product's buffer, a slice of the hoisted array, which no other iteration
    # reads; p is also collected; 3 iterations over 5 slices
    rng = np.random.default_rng(4)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    net = td.Network("reuse")
    xs = net.input("xs", td.float32, (5, 2, 4))
    with td.Loop(trip_count=3) as loop:
        x = loop.iterate(xs)
        acc = loop.carry(np.zeros((2, 3), np.float32))
        p = x @ w
        acc.update(acc + td.relu(x @ w) + p * np.float32(2))
        last = loop.last(acc)
        each = loop.collect(p)
    net.output("last", last)
    net.output("each", each)
    xv = rng.standard_normal((5, 2, 4)).astype(np.float32)
    got = net.run({"xs": xv})
    assert len(_hoisted(net)) == 2
    p = xv[:3].astype(np.float64) @ w
    np.testing.assert_allclose(got["each"], p, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["last"], (np.maximum(p, 0) + 2 * p).sum(0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bias_shape", [(512,), (1, 512), (2, 512), (2, 1)], ids=str)
@pytest.mark.parametrize("with_carry", [False, True])  # True: the products' transposed form
def test_a_hoisted_product_adds_its_bias_of_any_shape(bias_shape, with_carry):
    """A bias that is one row goes into the hoisted product (a row of ``w`` more); one per row, or one
    per column of the product, is added after it. Both against NumPy."""
    rng = np.random.default_rng(7)
    n = 512  # h @ w[4:] (512 x 512) large enough for with_fixed_b's transposed form
    w = (rng.standard_normal((4 + n * with_carry, n)) / np.sqrt(4 + n * with_carry)).astype(np.float32)
    b = rng.standard_normal(bias_shape).astype(np.float32)
    net = td.Network("bias")
    xs = net.input("xs", td.float32, (3, 2, 4))
    with td.Loop(trip_count=3) as loop:
        x = loop.iterate(xs)
        h = loop.carry(np.zeros((2, n), np.float32))
        new = td.tanh((td.concatenate([x, h], axis=1) if with_carry else x) @ w + b)
        h.update(new)
        out = loop.collect(new)
    net.output("out", out)
    xv = rng.standard_normal((3, 2, 4)).astype(np.float32)
    got = net.run({"xs": xv})["out"]
    assert len(_hoisted(net)) == 1
    h, want = np.zeros((2, n)), []
    for x in xv.astype(np.float64):
        h = np.tanh((np.concatenate([x, h], axis=1) if with_carry else x) @ w + b)
        want.append(h)
    np.testing.assert_allclose(got, np.array(want), rtol=1e-4, atol=1e-5)


def test_products_of_values_computed_in_the_loop_are_not_hoisted():
    # (x * h) @ w reads the carry; concatenate([x, h]) @ m multiplies by a matrix the loop changes;
    # p + h adds a carry, so p = x @ w2 is hoisted without that add
    rng = np.random.default_rng(5)
    w, w2 = (rng.standard_normal((3, 3)).astype(np.float32) * np.float32(0.5) for _ in range(2))
    net = td.Network("unhoisted")
    xs = net.input("xs", td.float32, (4, 2, 3))
    with td.Loop(trip_count=4) as loop:
        x = loop.iterate(xs)
        h = loop.carry(np.ones((2, 3), np.float32))
        m = loop.carry(np.ones((6, 3), np.float32) * np.float32(0.25))
        y = td.tanh((x * h) @ w + td.concatenate([x, h], axis=1) @ m)
        new = y + x @ w2 + h
        h.update(new)
        m.update(m * np.float32(0.5))
        out = loop.collect(new)
    net.output("out", out)
    xv = rng.standard_normal((4, 2, 3)).astype(np.float32)
    got = net.run({"xs": xv})["out"]
    assert len(_hoisted(net)) == 1  # x @ w2 only
    h, m, want = np.ones((2, 3)), np.full((6, 3), 0.25), []
    for x in xv.astype(np.float64):
        y = np.tanh((x * h) @ w + np.concatenate([x, h], axis=1) @ m)
        h = y + x @ w2 + h
        m = m * 0.5
        want.append(h)
    np.testing.assert_allclose(got, np.array(want), rtol=1e-4, atol=1e-5)


def test_a_hoisted_reverse_iteration_with_a_count_from_an_input():
    # with n = 3 of 5 slices, a reverse iterator reads slices 2, 1, 0; with n = 6 it reads past the end
    rng = np.random.default_rng(6)
    w, b = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((1, 3)).astype(np.float32)
    net = td.Network("reverse")
    xs = net.input("xs", td.float32, (5, 2, 4))
    n = net.input("n", td.int32, ())
    with td.Loop(trip_count=n) as loop:
        out = loop.collect(loop.iterate(xs, reverse=True) @ w + b)
    net.output("out", out)
    xv = rng.standard_normal((5, 2, 4)).astype(np.float32)
    got = net.run({"xs": xv, "n": np.int32(3)})["out"]
    assert len(_hoisted(net)) == 1
    np.testing.assert_allclose(got, xv[2::-1].astype(np.float64) @ w + b, rtol=1e-5, atol=1e-6)
    with pytest.raises(td.ExecutionError, match="iteration 0 reads index 5"):
        net.run({"xs": xv, "n": np.int32(6)})


def test_forms_made_for_a_weight_never_outlive_its_values():
    """The faster forms of products by outside weights (hoisted or not) may be kept across runs only
    for a constant's read-only array: weights fed as inputs and changed in place between runs, directly
    or through the base of a read-only view, give the new values' results."""
    steps, rows, k = 3, 4, 512  # weights large enough for the transposed copies of with_fixed_b
    rng = np.random.default_rng(1)
    net = td.Network("weights")
    xs = net.input("xs", td.float32, (steps, rows, k))
    w = net.input("w", td.float32, (2 * k, k))
    v = net.input("v", td.float32, (k, k))
    const_value = (rng.standard_normal((k, k)) / np.sqrt(k)).astype(np.float32)
    const = net.constant(const_value)

    def step(h, x):
        h = td.tanh(td.concatenate([x, h], axis=1) @ w) @ v  # hoisted x part; h parts by fixed weights
        h = td.tanh(h @ const)
        return h, h

    _, hs = td.scan(step, np.zeros((rows, k), np.float32), xs)
    net.output("hs", hs)
    xv = rng.standard_normal((steps, rows, k)).astype(np.float32)
    wv = (rng.standard_normal((2 * k, k)) / np.sqrt(2 * k)).astype(np.float32)
    vv = (rng.standard_normal((k, k)) / np.sqrt(k)).astype(np.float32)
    w_view, v_view = wv.view(), vv.view()
    w_view.flags.writeable = v_view.flags.writeable = False
    for fed in [(wv, vv), (wv, vv), (w_view, v_view), (w_view, v_view)]:
        wv *= np.float32(-1.25)  # in place, before every run: seen through the views too
        vv *= np.float32(0.8)
        got = net.run({"xs": xv, "w": fed[0], "v": fed[1]})["hs"]
        h, want = np.zeros((rows, k)), []
        for x in xv.astype(np.float64):
            h = np.tanh(np.tanh(np.concatenate([x, h], axis=1) @ fed[0]) @ fed[1] @ const_value)
            want.append(h)
        np.testing.assert_allclose(got, np.array(want), rtol=1e-4, atol=1e-5)


def _bodies(net):
    from trtdsl.reference.interpreter import plan

    return [step.body_fast for step in plan(net).steps if hasattr(step, "body_fast")]


def _lstm_numpy(xv, w, b, hidden):
    h = c = np.zeros(xv.shape[1:2] + (hidden,))
    hs = []
    for x in xv.astype(np.float64):
        gates = np.concatenate([x, h], axis=1) @ w + b
        i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        hs.append(h)
    return np.array(hs)


def test_a_loop_prepared_for_constant_weights_serves_the_next_run_of_the_same_sizes():
    hidden = 256
    net, w, b = _lstm_net(3, 2, hidden, False)
    rng = np.random.default_rng(3)
    first, second = (rng.standard_normal((3, 2, hidden)).astype(np.float32) for _ in range(2))
    np.testing.assert_allclose(net.run({"xs": first})["hs"], _lstm_numpy(first, w, b, hidden), atol=2e-5)
    (body,) = _bodies(net)
    prepared = body.last[2]
    np.testing.assert_allclose(net.run({"xs": second})["hs"], _lstm_numpy(second, w, b, hidden), atol=2e-5)
    assert body.last[2] is prepared  # the same sizes and constant weights: prepared once


def test_a_loop_whose_weight_is_an_input_is_prepared_for_each_run():
    steps, rows, k = 2, 3, 512
    rng = np.random.default_rng(4)
    net = td.Network("input weight")
    xs = net.input("xs", td.float32, (steps, rows, "k"))
    weight = net.input("w", td.float32, ("k", "k"))
    _, hs = td.scan(lambda h, x: (td.tanh(x @ weight + h), h), np.zeros((rows, k), np.float32), xs)
    net.output("hs", hs)
    xv = rng.standard_normal((steps, rows, k)).astype(np.float32)
    for scale in (1, -2):  # each weight read-only and owning its memory, as a constant's is
        wv = (rng.standard_normal((k, k)) * scale / np.sqrt(k)).astype(np.float32)
        wv.flags.writeable = False
        h, want = np.zeros((rows, k)), []
        for x in xv.astype(np.float64):
            want.append(h)
            h = np.tanh(x @ wv + h)
        np.testing.assert_allclose(net.run({"xs": xv, "w": wv})["hs"], np.array(want), rtol=1e-4, atol=1e-5)
