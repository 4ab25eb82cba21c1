"""Shape values: what the IR knows about small integer tensors (value_of), and dims made into shape
tensors (shape_tensor), against Python arithmetic on the sizes the network runs with."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import trtdsl as td
from trtdsl.ir.dims import Dim, combine, evaluate
from trtdsl.layers._shape_args import shape_tensor
from trtdsl.shapes.algebra import never_equal, same_dim, simplify
from trtdsl.shapes.values import fold_constant, value_of

N, M = Dim.symbol("n"), Dim.symbol("m")


def network():
    net = td.Network("v")
    return net, net.input("x", td.float32, ("n", "m", 4))


def test_folding_rules():
    net, x = network()
    s = td.shape_of(x)
    cases = [
        (s, (N, M, 4)),
        (net.constant(np.array([3, -1], np.int32)), (3, -1)),
        (td.take(s, [2, -1, 0, 7]), (4, 4, N, 0)),  # negative indices wrap, out of range reads 0
        (td.concatenate([s[1:], s[:1]]), (M, 4, N)),
        (td.cast(td.take(s, 0), td.int32), (N,)),
        (td.squeeze(td.take(s, [1]), 0), (M,)),
        (td.unsqueeze(td.take(s, 1), 0), (M,)),
        (s * 2 - 1, (N * 2 - 1, M * 2 - 1, 7)),
        (s[:2] * s[1:], (N * M, M * 4)),
        (s // 2, (N // 2, M // 2, 2)),
        (td.maximum(s, 5)[2:], (5,)),
        (td.divide(net.constant(np.array([-7], np.int64)), 2), (-3,)),  # DIV truncates
        (td.floor_divide(net.constant(np.array([-7], np.int64)), 0), (0,)),  # the reference's division by 0
    ]
    for t, want in cases:
        assert value_of(t) == want, (t, value_of(t), want)


def test_elements_no_rule_folds_are_named_after_the_tensor():
    net, x = network()
    s = td.shape_of(x)
    y = td.maximum(s, s[::-1])  # MAX of dims: not a Dim expression
    assert value_of(y) == tuple(Dim.symbol(f"%{y.name}[{i}]") for i in range(3))
    n = net.input("n", td.int64, ())
    assert value_of(n) == (Dim.symbol("%n"),)
    assert value_of(n + 1) == (Dim.symbol("%n") + 1,)
    assert value_of(x) is None and value_of(td.cast(s, td.float32)) is None  # not integer shape values


@st.composite
def dim_expression(draw, depth=3):
    """A random expression over the dims n and m with small constants."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from([N, M, N, M, 1, 2, 3, 5]))
    op = draw(st.sampled_from(["+", "-", "*", "//", "%"]))
    a = draw(dim_expression(depth - 1))
    b = (
        draw(st.integers(1, 4))
        if op in ("//", "%") and draw(st.booleans())
        else draw(dim_expression(depth - 1))
    )
    if op in ("//", "%") and b == 0:
        b = 1  # a constant divisor of 0 (a dim that is 0 at some sizes is skipped by the tests)
    return combine(op, a, b)


@given(exprs=st.lists(dim_expression(), min_size=1, max_size=4), n=st.integers(1, 9), m=st.integers(1, 9))
def test_materialized_dims_compute_python_arithmetic(exprs, n, m):
    """A shape tensor made from dims holds, when the network runs, what Python computes from the sizes
    (// and % floor, as TensorRT's FLOOR_DIV), and the IR folds it back to the same values."""
    sizes = {"n": n, "m": m}
    try:
        want = [evaluate(e, sizes) for e in exprs]
    except ZeroDivisionError:
        return  # a divisor that is 0 at these sizes
    net, x = network()
    t = shape_tensor(net, exprs)
    assert [evaluate(d, sizes) for d in value_of(t)] == want
    net.output("s", t)
    got = net.run({"x": np.zeros((n, m, 4), np.float32)})["s"]
    assert got.dtype == np.int64 and got.tolist() == want


@given(expr=dim_expression(), n=st.integers(-20, 20), m=st.integers(-20, 20))
def test_simplify_keeps_the_value(expr, n, m):
    try:
        want = evaluate(expr, {"n": n, "m": m})
    except ZeroDivisionError:
        return
    assert evaluate(simplify(expr), {"n": n, "m": m}) == want


@given(a=dim_expression(), b=dim_expression())
def test_same_dim_only_where_the_values_agree_everywhere(a, b):
    """``same_dim`` says two dims are equal only where they agree at every size tried (never a guess); two
    ways of writing one sum or product are the same (``n + n`` and ``n * 2``)."""
    values = []
    for n in range(-6, 7):
        for m in range(-6, 7):
            try:
                values.append(evaluate(a, {"n": n, "m": m}) == evaluate(b, {"n": n, "m": m}))
            except ZeroDivisionError:
                pass
    if same_dim(a, b):
        assert all(values)
    assert same_dim(a * 2 + b, b + a + a) and same_dim((a + 1) * (b - 1), a * b - a + b - 1)


@given(a=dim_expression(), b=st.integers(-3, 40))
def test_never_equal_only_where_no_size_makes_them_equal(a, b):
    """``never_equal`` refuses a dim against an int only where no sizes of the symbols (0 to 6 tried,
    where the product's coefficient allows any multiple) make them equal."""
    if never_equal(a, b):
        for n in range(0, 7):
            for m in range(0, 7):
                try:
                    assert evaluate(a, {"n": n, "m": m}) != b
                except ZeroDivisionError:
                    pass
    assert never_equal(N * M * 4, 18) and not never_equal(N * M * 4, 16) and not never_equal(N * 4, 0)


def test_layers_match_dims_written_two_ways():
    """A concatenation writes ``n + n``, a reshape ``n * 2``: broadcasting, concatenation, products and
    einsum take them as the one dim they are."""
    net, x = network()  # x: f32[n, m, 4]
    a = td.concatenate([x, x], 0)  # (n+n, m, 4)
    b = td.concatenate([x, x], 2).reshape(x.shape[0] * 2, x.shape[1], 4)  # (n*2, m, 4)
    net.output("sum", a + b)
    net.output("cat", td.concatenate([a, b], 2))
    net.output("mm", td.transpose(a.reshape(a.shape[0], -1), (1, 0)) @ b.reshape(b.shape[0], -1))
    net.output("es", td.einsum("ijk,ijk->i", a, b))
    feeds = {"x": np.arange(24, dtype=np.float32).reshape(2, 3, 4)}
    out = net.run(feeds)
    xx = np.concatenate([feeds["x"]] * 2, 0)
    yy = np.concatenate([feeds["x"]] * 2, 2).reshape(4, 3, 4)
    np.testing.assert_array_equal(out["sum"], xx + yy)
    np.testing.assert_array_equal(out["es"], np.einsum("ijk,ijk->i", xx, yy))
    np.testing.assert_allclose(out["mm"], xx.reshape(4, 12).T @ yy.reshape(4, 12))
    assert out["cat"].shape == (4, 3, 8)


def test_dims_are_made_once_per_network():
    net, x = network()
    first = shape_tensor(net, (x.shape[0] * 2, x.shape[1]))
    count = len(net.nodes)
    second = shape_tensor(net, (x.shape[1], x.shape[0] * 2))
    kinds = [node.op.kind for node in net.nodes[count:]]
    assert kinds == ["Concatenation"]  # the Shape, the gathers and the product are reused
    assert first is not second and value_of(second) == (M, N * 2)


def test_dims_of_layer_outputs_and_of_shape_tensor_inputs():
    net = td.Network("src")
    x = net.input("x", td.float32, ("n",))
    k = net.input("k", td.int32, (2,), shape_tensor=True)
    nz = td.nonzero(x)
    y = td.reshape(x, (k[1], -1))
    net.output("s", shape_tensor(net, (nz.shape[1], k[0] * 1 + 0, y.shape[0])))
    net.output("y", y)
    with pytest.warns(td.ShapeSyncWarning):
        td.reshape(x, (nz.shape[1], -1))  # the count is computed on the GPU
    out = net.run({"x": np.array([0, 1, 2, 0, 3, 4], np.float32), "k": np.array([7, 3], np.int32)})
    assert out["s"].tolist() == [4, 7, 3]


def test_value_symbols_keep_their_tensor_when_names_change():
    """A user may claim a name trtdsl gave automatically; the symbols of the tensor that had it still
    stand for that tensor's value, and the new holder gets its own."""
    net = td.Network("names")
    x = net.input("x", td.float32, (12,))
    with pytest.warns(td.ShapeSyncWarning):
        high = td.cast(td.max(x), td.int64)
        rows = td.reshape(x, (high, -1))
        low = td.cast(td.min(x), td.int64, name=high.name)
        assert value_of(low) != value_of(high)
        net.output("y", td.reshape(td.reshape(x, rows.shape), (low, -1)))
    values = np.array([2] + [3] * 11, np.float32)
    assert net.run({"x": values})["y"].shape == (2, 6)  # min 2 rows, after a reshape to max 3 rows


def test_values_follow_set_input():
    """``value_of`` is an analysis of the network as it is: replacing a layer's input changes the values
    of the tensors computed from it, as running the network does."""
    net = td.Network("rewired")
    a = net.constant(np.array([2, 3], np.int32))
    b = net.constant(np.array([5, 7], np.int32))
    y = td.identity(a)
    doubled = y * 2
    assert value_of(y) == (2, 3) and value_of(doubled) == (4, 6)
    net.set_input(y.producer, 0, b)
    net.output("y", y)
    net.output("doubled", doubled)
    out = net.run({})
    assert value_of(y) == (5, 7) and out["y"].tolist() == [5, 7]
    assert value_of(doubled) == (10, 14) and out["doubled"].tolist() == [10, 14]


def test_a_tensor_keeps_its_value_symbols_when_its_name_is_claimed():
    """Shapes refer to value symbols, so a tensor keeps them when a user takes its automatic name and
    the network changes: a later reshape by the tensor gives the same dims as an earlier one."""
    net = td.Network("stable")
    x = net.input("x", td.float32, (12,))
    with pytest.warns(td.ShapeSyncWarning):
        rows = td.cast(td.max(x), td.int64)
        automatic = rows.name
        first = td.reshape(x, (rows, -1))
        td.cast(td.min(x), td.int64, name=automatic)
        second = td.reshape(x, (rows, -1))
    assert rows.name != automatic and value_of(rows) == (Dim.symbol(f"%{automatic}"),)
    assert second.shape == first.shape
    net.output("y", first + second)
    values = np.array([3.0] + [1.0] * 11, np.float32)
    assert net.run({"x": values})["y"].tolist() == (2 * values).reshape(3, 4).tolist()


def test_a_loop_length_the_ir_cannot_tell_is_a_dim_named_after_it():
    """A collect length computed from an int input: the new dim is named after the length tensor and
    is read from the loop output's shape when a layer needs it (the input stays an execution input)."""
    net = td.Network("length")
    n = net.input("n", td.int32, ())
    with td.Loop(trip_count=n, network=net) as loop:
        count = loop.carry(np.float32(0))
        count.update(count + 1.0)
        length = n + 1
        collected = loop.collect(count, length=length)
    assert collected.shape == (Dim.symbol(f"%{length.name}"),)
    net.output("y", td.reshape(collected, (1, collected.shape[0])))
    for trips in (0, 3):
        want = [float(i) for i in range(trips)] + [0.0]  # the length is one more than the trip count
        assert net.run({"n": np.int32(trips)})["y"].tolist() == [want]


@given(values=st.lists(st.floats(-100, 100, width=32), min_size=1, max_size=6))
def test_fold_constant_runs_the_layers_on_constants(values):
    net = td.Network("fold")
    a = np.array(values, np.float32)
    w = net.constant(a)
    folded = fold_constant(td.relu(w) * 2.0 - td.concatenate([w[1:], w[:1]]))
    want = np.maximum(a, np.float32(0)) * np.float32(2) - np.roll(a, -1)
    np.testing.assert_array_equal(folded, want)
    assert fold_constant(w + net.input("x", td.float32, a.shape)) is None
