"""Loops against plain Python loops over NumPy: random trip counts, axes, directions, carries and
results; while loops, nested loops, and the functional forms with nested carries."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, assert_close

import trtdsl as td
from trtdsl.errors import RegionError
from trtdsl.regions import analyze
from backend_rows import Row, tensorrt_case, tensorrt_expectation, Layer, Const

small = {"min_value": -6, "max_value": 6}


def take(x, i, axis):
    return np.take(x, i, axis=axis)


def stack(items, axis, element_shape, dtype=np.float32):
    """np.stack that also stacks zero items."""
    if not items:
        return np.moveaxis(np.zeros((0,) + element_shape, dtype), 0, axis)
    return np.stack(items, axis)


@st.composite
def counted_loops(draw):
    n = draw(st.integers(0, 4))
    slice_shape = draw(st.lists(st.integers(1, 3), max_size=2).map(tuple))
    xs = []
    for _ in range(draw(st.integers(1, 3))):
        axis = draw(st.integers(0, len(slice_shape)))
        extent = n + draw(st.integers(0, 2))
        shape = slice_shape[:axis] + (extent,) + slice_shape[axis:]
        xs.append((draw(arrays(np.float32, shape, **small)), axis, draw(st.booleans())))
    carries = [(draw(arrays(np.float32, slice_shape, **small)), draw(st.sampled_from([-1.0, 0.5, 2.0])),
                draw(st.integers(0, len(xs) - 1))) for _ in range(draw(st.integers(0, 3)))]
    kinds = ["x"] + (["carry", "next"] if carries else [])
    axes = st.integers(-len(slice_shape) - 1, len(slice_shape))
    collects = [(draw(st.sampled_from(kinds)), draw(st.integers(0, 2)), draw(axes), draw(st.booleans()))
                for _ in range(draw(st.integers(0 if carries else 1, 3)))]
    return n, slice_shape, xs, carries, collects, draw(st.booleans())


@given(counted_loops())
def test_counted_loop_matches_a_python_loop(case):
    n, slice_shape, xs, carries, collects, count_is_input = case
    net = td.Network("loop")
    x_in = [net.input(f"x{j}", td.float32, x.shape) for j, (x, _, _) in enumerate(xs)]
    c_in = [net.input(f"c{k}", td.float32, c.shape) for k, (c, _, _) in enumerate(carries)]
    count = net.input("n", td.int32, ()) if count_is_input else n
    with td.Loop(trip_count=count, network=net) as loop:
        slices = [loop.iterate(t, axis, reverse) for t, (_, axis, reverse) in zip(x_in, xs)]
        cs = [loop.carry(t) for t in c_in]
        nexts = [c * w + slices[j] for c, (_, w, j) in zip(cs, carries)]
        for c, nxt in zip(cs, nexts):
            c.update(nxt)
        sources = {"x": slices, "carry": cs, "next": nexts}
        outs = [loop.collect(sources[kind][i % len(sources[kind])], axis, reverse=rev)
                for kind, i, axis, rev in collects]
        lasts = [loop.last(c) for c in cs]
    for i, t in enumerate(outs + lasts):
        net.output(f"out{i}", t)
    feeds = {f"x{j}": x for j, (x, _, _) in enumerate(xs)}
    feeds |= {f"c{k}": c for k, (c, _, _) in enumerate(carries)}
    if count_is_input:
        feeds["n"] = np.int32(n)
    got = net.run(feeds)

    values = [c for c, _, _ in carries]
    seen = {"x": [], "carry": [], "next": []}
    for i in range(n):
        sl = [take(x, n - 1 - i if rev else i, axis) for x, axis, rev in xs]
        new = [v * np.float32(w) + sl[j] for v, (_, w, j) in zip(values, carries)]
        seen["x"].append(sl)
        seen["carry"].append(values)
        seen["next"].append(new)
        values = new
    for i, (kind, which, axis, rev) in enumerate(collects):
        per_iter = [step[which % len(step)] for step in seen[kind]]
        want = stack(per_iter[::-1] if rev else per_iter, axis % (len(slice_shape) + 1), slice_shape)
        assert_close(got[f"out{i}"], want)
    for k, v in enumerate(values):
        assert_close(got[f"out{len(collects) + k}"], v.astype(np.float32))


@given(start=st.integers(-5, 20), limit=st.integers(-5, 40), step=st.integers(1, 4),
       count=st.none() | st.integers(0, 6), extra=st.integers(0, 3), reverse=st.booleans())
def test_while_loop_matches_a_python_while(start, limit, step, count, extra, reverse):
    net = td.Network("while")
    k0 = net.input("k0", td.int32, ())
    with td.Loop(trip_count=count, network=net) as loop:
        k = loop.carry(k0)
        total = loop.carry(np.int32(0))
        loop.while_(k < limit)
        k.update(k + step)
        total.update(total + k)
        length = 60 + extra
        ks = loop.collect(k, reverse=reverse, length=length)
        last_k, last_total = loop.last(k), loop.last(total)
    net.output("ks", ks)
    net.output("k", last_k)
    net.output("total", last_total)
    got = net.run({"k0": np.int32(start)})

    kv, tv, seen, i = start, 0, [], 0
    while (count is None or i < count) and kv < limit:
        seen.append(kv)
        kv, tv = kv + step, tv + kv
        i += 1
    pad = [0] * (length - len(seen))
    want = (pad + seen[::-1]) if reverse else (seen + pad)
    assert got["ks"].tolist() == want
    assert int(got["k"]) == kv and int(got["total"]) == tv


@given(a=arrays(np.float32, st.tuples(st.integers(0, 3), st.integers(0, 4)), **small),
       h0=arrays(np.float32, (), **small))
def test_nested_loops_match_nested_python_loops(a, h0):
    """The outer loop walks the rows; the inner loop walks a row's items, reading the outer carry
    directly (so it is nested by data flow) and collecting its partial sums."""
    rows, cols = a.shape
    net = td.Network("nested")
    a_in = net.input("a", td.float32, a.shape)
    h_in = net.input("h", td.float32, ())
    with td.Loop(trip_count=rows) as outer:
        row = outer.iterate(a_in)
        h = outer.carry(h_in)
        with td.Loop(trip_count=cols) as inner:
            item = inner.iterate(row)
            acc = inner.carry(np.float32(0))
            acc.update(acc + item * h)
            partial = inner.collect(acc + item * h)
            row_total = inner.last(acc)
        h.update(h * 0.5 + row_total)
        partials = outer.collect(partial)
        final = outer.last(h)
    net.output("partials", partials)
    net.output("h_out", final)
    got = net.run({"a": a, "h": h0})

    hv, all_partials = np.float32(h0), []
    for r in range(rows):
        acc, row_partials = np.float32(0), []
        for c in range(cols):
            acc = acc + a[r, c] * hv
            row_partials.append(acc)
        all_partials.append(np.array(row_partials, np.float32).reshape(cols))
        hv = hv * np.float32(0.5) + acc
    assert_close(got["partials"], stack(all_partials, 0, (cols,)), rtol=1e-4, atol=1e-3)
    assert_close(got["h_out"], np.asarray(hv, np.float32), rtol=1e-4, atol=1e-3)
    inner_region = net.regions[1]
    s = analyze(net)
    assert s.info[inner_region].parent == (net.regions[0], None)


@given(xs=arrays(np.float32, st.tuples(st.integers(0, 4), st.just(2)), **small),
       a0=arrays(np.float32, (2,), **small), b0=arrays(np.int32, (), min_value=-5, max_value=5),
       reverse=st.booleans())
def test_scan_with_nested_carries_matches_a_python_scan(xs, a0, b0, reverse):
    net = td.Network("scan")
    x_in = net.input("xs", td.float32, xs.shape)
    a_in = net.input("a", td.float32, (2,))
    b_in = net.input("b", td.int32, ())

    def f(carry, x):
        a, (b,) = carry["a"], carry["rest"]
        return {"a": a * 0.5 + x, "rest": (b + 1,)}, (a + x, {"b": b})

    carry, ys = td.scan(f, {"a": a_in, "rest": (b_in,)}, x_in, reverse=reverse)
    net.output("a_out", carry["a"])
    net.output("b_out", carry["rest"][0])
    net.output("y0", ys[0])
    net.output("y1", ys[1]["b"])
    got = net.run({"xs": xs, "a": a0, "b": b0})

    a, b, y0, y1 = a0, b0, [], []
    for x in (xs[::-1] if reverse else xs):
        y0.append(a + x)
        y1.append(b)
        a, b = a * np.float32(0.5) + x, b + 1
    if reverse:
        y0, y1 = y0[::-1], y1[::-1]
    assert_close(got["a_out"], a)
    assert int(got["b_out"]) == int(b)
    assert_close(got["y0"], stack(y0, 0, (2,)))
    assert got["y1"].tolist() == [int(v) for v in y1]


@given(lower=st.integers(-3, 5), upper=st.integers(-3, 8), bounds_as_inputs=st.booleans(),
       v0=arrays(np.float32, (3,), **small))
def test_fori_loop_matches_python_range(lower, upper, bounds_as_inputs, v0):
    net = td.Network("fori")
    v_in = net.input("v", td.float32, (3,))
    lo = net.input("lo", td.int32, ()) if bounds_as_inputs else lower
    hi = net.input("hi", td.int32, ()) if bounds_as_inputs else upper
    out = td.fori_loop(lo, hi, lambda i, v: [v[0] + td.cast(i, td.float32), v[1] * 2], [v_in, v_in])
    net.output("s", out[0])
    net.output("p", out[1])
    feeds = {"v": v0} | ({"lo": np.int32(lower), "hi": np.int32(upper)} if bounds_as_inputs else {})
    got = net.run(feeds)
    s, p = v0, v0
    for i in range(lower, upper):
        s, p = s + np.float32(i), p * np.float32(2)
    assert_close(got["s"], s)
    assert_close(got["p"], p)


def test_fori_loop_counts_in_int64_past_int32():
    net = td.Network("wide")
    last = td.fori_loop(2**31 - 2, 2**31 + 1, lambda i, v: i, np.int64(0), network=net)
    net.output("last", last)
    value = 0
    for i in range(2**31 - 2, 2**31 + 1):
        value = i
    assert net.run({})["last"] == np.int64(value)


@given(x0=st.integers(1, 60))
def test_while_loop_function_matches_python(x0):
    net = td.Network("collatz")
    x = net.input("x", td.int32, ())
    steps, last = td.while_loop(lambda c: c[1] != 1,
                                lambda c: (c[0] + 1, td.where(c[1] % 2 == 0, c[1] // 2, 3 * c[1] + 1)),
                                (np.int32(0), x))
    net.output("steps", steps)
    net.output("last", last)
    got = net.run({"x": np.int32(x0)})
    n, v = 0, x0
    while v != 1:
        n, v = n + 1, (v // 2 if v % 2 == 0 else 3 * v + 1)
    assert int(got["steps"]) == n and int(got["last"]) == 1


def test_scan_over_a_dynamic_dim_counts_from_the_shape():
    net = td.Network("dyn")
    xs = net.input("xs", td.float32, ("T", 2))
    _, running = td.scan(lambda c, x: (c + x, c * 2), np.zeros(2, np.float32), xs)
    net.output("running", running)
    assert running.shape[0] == td.Dim.symbol("T")
    data = np.arange(10, dtype=np.float32).reshape(5, 2)
    got = net.run({"xs": data})["running"]
    want, c = [], np.zeros(2, np.float32)
    for x in data:
        want.append(c * 2)
        c = c + x
    assert_close(got, np.stack(want))


def test_loop_invariant_layers_in_the_body_are_computed_once_before_the_loop():
    net = td.Network("hoist")
    xs = net.input("xs", td.float32, (3,))
    w = net.input("w", td.float32, ())
    with td.Loop(trip_count=3) as loop:
        x = loop.iterate(xs)
        w2 = w * 2.0  # depends on no iterator or carry
        ys = loop.collect(x * w2)
    net.output("ys", ys)
    s = analyze(net)
    assert s.frame_of(w2.producer) is None
    assert s.frame_of(ys.producer.inputs[0].producer) == (net.regions[0], None)
    got = net.run({"xs": np.array([1, 2, 3], np.float32), "w": np.float32(1.5)})["ys"]
    assert got.tolist() == [3.0, 6.0, 9.0]


def test_only_the_results_the_outputs_need_are_computed(monkeypatch):
    """Lazy semantics: a loop result nobody uses, and the body layers only it needs, do not run."""
    from trtdsl.layers.unary import Unary

    calls = []
    original = Unary.reference

    def counting(self, *args):
        calls.append(self.op.name)
        return original(self, *args)

    monkeypatch.setattr(Unary, "reference", counting)
    net = td.Network("lazy")
    xs = net.input("xs", td.float32, (4,))
    with td.Loop(trip_count=4) as loop:
        x = loop.iterate(xs)
        used = loop.collect(x * 2.0)
        unused = loop.collect(td.exp(x))
    net.output("used", used)
    assert unused.shape == (4,)
    assert net.run({"xs": np.ones(4, np.float32)})["used"].tolist() == [2.0] * 4
    assert calls == []


def test_recurrences_update_together():
    """Swapping two carries reads both old values (TensorRT updates recurrences simultaneously)."""
    net = td.Network("swap")
    a0 = net.input("a", td.int32, ())
    b0 = net.input("b", td.int32, ())
    with td.Loop(trip_count=3) as loop:
        a, b = loop.carry(a0), loop.carry(b0)
        a.update(b)
        b.update(a)
        ra, rb = loop.last(a), loop.last(b)
    net.output("a_out", ra)
    net.output("b_out", rb)
    got = net.run({"a": np.int32(1), "b": np.int32(2)})
    assert (int(got["a_out"]), int(got["b_out"])) == (2, 1)


def test_zero_iterations_give_initial_values_and_empty_stacks():
    net = td.Network("zero")
    n = net.input("n", td.int32, ())
    xs = net.input("xs", td.float32, (2, 3))
    with td.Loop(trip_count=n) as loop:
        x = loop.iterate(xs, axis=1)
        c = loop.carry(np.full(2, 7, np.float32))
        c.update(c + x)
        ys = loop.collect(x, axis=1)
        last = loop.last(c)
    net.output("ys", ys)
    net.output("c", last)
    got = net.run({"n": np.int32(0), "xs": np.zeros((2, 3), np.float32)})
    assert got["ys"].shape == (2, 0) and got["c"].tolist() == [7.0, 7.0]


def test_defining_region_is_true_only_inside_a_with_block():
    from trtdsl.regions import defining_region

    net = td.Network("scopes")
    xs = net.input("xs", td.float32, (3,))
    assert not defining_region(net)
    with td.Loop(trip_count=3) as loop:
        x = loop.iterate(xs)  # an int trip count: the loop joins the network at its first tensor
        inside = defining_region(net)
        ys = loop.collect(x)
    assert inside and not defining_region(net) and net._scopes  # the bookkeeping stays
    net.output("ys", ys)


def test_same_construction_gives_equal_ops():
    """Regions are values: the boundary ops of two identical builds compare equal."""
    def build():
        net = td.Network("n")
        xs = net.input("xs", td.float32, (3,))
        with td.Loop(trip_count=3) as loop:
            ys = loop.collect(loop.iterate(xs) * 2.0)
        net.output("ys", ys)
        return net
    a, b = build(), build()
    assert [n.op for n in a.nodes] == [n.op for n in b.nodes]
    assert a.regions == b.regions


@pytest.mark.parametrize("rows", [0, 1, 5])
def test_iterating_past_the_extent_at_run_time_names_the_iterator(rows):
    net = td.Network("past")
    n = net.input("n", td.int32, ())
    xs = net.input("xs", td.float32, (rows,))
    with td.Loop(trip_count=n) as loop:
        ys = loop.collect(loop.iterate(xs) + 1.0)
    net.output("ys", ys)
    assert net.run({"n": np.int32(rows), "xs": np.zeros(rows, np.float32)})["ys"].shape == (rows,)
    with pytest.raises(td.ExecutionError, match=r"Iterator \(layer iterator_0\) of loop 'loop_0': iteration "
                                                rf"{rows} "
                                                rf"reads index {rows} along axis 0 of a tensor of shape "
                                                rf"\({rows},\)"):
        net.run({"n": np.int32(rows + 1), "xs": np.zeros(rows, np.float32)})


# -- ONNX cross-check rows (collected by tests/backends/onnx/test_crosscheck.py) --------------------
def onnx_rows() -> list[Row]:
    def loops(net):
        xs = net.input("xs", td.float32, ("n", 3))
        x = net.input("x", td.int32, ())
        total, running = td.scan(lambda c, v: (c + v, c * 2.0 + v), np.zeros(3, np.float32), xs)
        net.output("total", total)
        net.output("running", running)
        net.output(
            "reversed", td.scan(lambda c, v: (c + v, c - v), np.zeros(3, np.float32), xs, reverse=True)[1]
        )
        net.output("factorial", td.fori_loop(1, x + 1, lambda i, acc: acc * i, np.int32(1)))
        steps, _ = td.while_loop(
            lambda c: c[1] > 1,
            lambda c: (c[0] + 1, td.where(c[1] % 2 == 0, c[1] // 2, 3 * c[1] + 1)),
            (np.int32(0), x),
        )
        net.output("collatz_steps", steps)
        with td.Loop(trip_count=2) as loop:  # both limits, a padded and a reversed collection on axis 1
            k = loop.carry(x)
            row = loop.iterate(xs, axis=1, reverse=True)
            loop.while_(k < 5)
            k.update(k + 2)
            padded = loop.collect(row * 1.5, axis=1, length=4)
            backwards = loop.collect(td.cast(k, td.float32), reverse=True, length=3)
            final = loop.last(k)
        net.output("padded", padded)
        net.output("backwards", backwards)
        net.output("final", final)

    return [Row("loops", loops, values={"xs": (-4, 4), "x": (-3, 40)}, special=False)]


@tensorrt_case
def loops() -> td.Network:
    net = td.Network("loops")
    xs = net.input("xs", td.float32, (3, "n"))
    ys = net.input("ys", td.float32, (4, 3))
    with td.Loop(trip_count=3) as loop:
        x = loop.iterate(xs)
        back = loop.iterate(ys, axis=1, reverse=True)
        acc = loop.carry(np.zeros(1, np.float32))
        acc.update(acc + x.sum(keepdims=True) * back.max(keepdims=True))
        total = loop.last(acc)
        stacked = loop.collect(x * 2.0, axis=1)
        backwards = loop.collect(back - 1.0, axis=1, reverse=True)
    net.output("total", total)
    net.output("stacked", stacked)
    net.output("backwards", backwards)
    n = net.input("count", td.int32, ())
    with td.Loop() as countdown:
        k = countdown.carry(n)
        steps = countdown.carry(np.int32(0))
        countdown.while_(k > 0)
        k.update(k - 1)
        steps.update(steps + 1)
        counted = countdown.last(steps)
    net.output("steps", counted)
    carry, ys = td.scan(lambda c, x: (c + x, c * x), xs[0] * 0.0, xs)
    net.output("scan_carry", carry)
    net.output("scan_ys", ys)
    return net


# -- TensorRT expectations (checked by tests/backends/tensorrt/test_expectations.py) ------------
LOOP_INIT = np.array([0.5, -1.0, 2.0], np.float32)


@tensorrt_expectation("loop_count", "NvInfer.h ILoop: addTripLimit(tensor, kCOUNT), addIterator(tensor, axis, reverse), "
     "addRecurrence(initial) with input 1 the next value, addLoopOutput(tensor, kind, axis) with input 1 the "
     "concatenation length (a 0-D shape tensor)",
     {"TripLimit": Layer("add_trip_limit", {"kind": "TripLimit.COUNT"},
                         (Const(np.array(3), int_dtypes=("int32", "int64")),)),
      "Iterator#0": Layer("add_iterator", {"axis": 1, "reverse": False}, ("xs",)),
      "Iterator#1": Layer("add_iterator", {"axis": 0, "reverse": True}, ("zs",)),
      "Recurrence": Layer("add_recurrence", {}, (Const(LOOP_INIT), "next_acc")),
      "LoopOutput#0": Layer("add_loop_output", {"kind": "LoopOutput.LAST_VALUE"}, ("recurrence_0",)),
      "LoopOutput#1": Layer("add_loop_output", {"kind": "LoopOutput.CONCATENATE", "axis": 1},
                            ("iterator_0", Const(np.array(3), int_dtypes=("int32", "int64")))),
      "LoopOutput#2": Layer("add_loop_output", {"kind": "LoopOutput.REVERSE", "axis": 0},
                            ("iterator_1", Const(np.array(3), int_dtypes=("int32", "int64"))))})
def _(net):
    xs, zs = net.input("xs", td.float32, (3, 4)), net.input("zs", td.float32, (4, 3))
    with td.Loop(trip_count=3) as loop:
        a = loop.iterate(xs, axis=1)
        b = loop.iterate(zs, axis=0, reverse=True)
        acc = loop.carry(LOOP_INIT)
        acc.update(td.add(acc, a * b, name="next_acc"))
        last, stacked, backwards = loop.last(acc), loop.collect(a, axis=1), loop.collect(b, reverse=True)
    net.output("last", last)
    net.output("stacked", stacked)
    net.output("reversed", backwards)


@tensorrt_expectation("loop_while", "NvInfer.h TripLimit::kWHILE: the trip limit tensor is the 0-D bool condition",
     {"TripLimit": Layer("add_trip_limit", {"kind": "TripLimit.WHILE"}, ("keep_going",))})
def _(net):
    n = net.input("n", td.int32, ())
    with td.Loop() as loop:
        k = loop.carry(n)
        loop.while_(td.greater(k, np.int32(0), name="keep_going"))
        k.update(k - 1)
        last = loop.last(k)
    net.output("k", last)


def test_a_dim_is_a_trip_count_a_scan_length_and_a_fori_bound():
    """x.shape[0] (and dims made from it) count iterations where ints and 0-D tensors do, as reshape and
    slicing take dims: the int64 the dim is when the network runs."""
    net = td.Network("dims")
    xs = net.input("xs", td.float32, ("T", 3))
    t = xs.shape[0]
    with td.Loop(trip_count=t) as loop:
        count = loop.carry(np.float32(0))
        count.update(count + 1.0)
        last = loop.last(count)
    net.output("loop", last)
    net.output("fori", td.fori_loop(1, t * 2, lambda i, a: a + td.cast(i, td.float32), np.float32(0)))
    _, steps = td.scan(lambda c, _: (c + 1.0, c), np.float32(0), None, length=t)
    net.output("steps", steps)
    _, sums = td.scan(lambda c, x: (c + x, c + x), np.zeros(3, np.float32), xs, length=t)
    net.output("sums", sums)
    assert str(steps.type) == "f32[T]"
    with pytest.raises(RegionError, match=r"the leading dims of xs and length differ \(T, T\+1\)"):
        td.scan(lambda c, x: (c + x, c), np.zeros(3, np.float32), xs, length=t + 1)
    for n in (0, 1, 4):
        values = np.arange(3 * n, dtype=np.float32).reshape(n, 3)
        out = net.run({"xs": values})
        assert out["loop"] == n and out["fori"] == sum(range(1, 2 * n))
        np.testing.assert_array_equal(out["steps"], np.arange(n, dtype=np.float32))
        np.testing.assert_array_equal(out["sums"], np.cumsum(values, axis=0))
