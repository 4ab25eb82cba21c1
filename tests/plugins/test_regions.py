"""Plugins inside loop bodies and conditional branches: they run on the reference once per iteration and
only in the taken branch, against plain Python loops and ifs written here; the networks also go through
the TensorRT stand-in and back."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from support import arrays, assert_close

import trtdsl as td
from backends.tensorrt.irmatch import assert_same_ir
from trtdsl.backends.tensorrt import lower, raise_network, standin
from trtdsl.backends.tensorrt.standin_plugins import install

CALLS = {"softclip": 0}


@td.plugin("regt::softclip")
class SoftClip:
    """``limit * tanh(x / limit)``."""

    limit: float = 3.0

    def shape(self, x):
        return x

    def reference(self, x):
        CALLS["softclip"] += 1
        limit = np.float32(self.limit)
        return (limit * np.tanh(x / limit)).astype(x.dtype)


@td.plugin("regt::positives")
class Positives:
    """The elements above zero, and how many there are."""

    def shape(self, x):
        count = td.data_dependent_dim(x.shape[0], name="count")
        return td.TensorType(x.dtype, (count,))

    def reference(self, x):
        return x[x > 0]


def softclip(v, limit):
    return limit * math.tanh(v / limit)


def test_a_plugin_in_a_scan_over_a_vector_gets_0d_arrays():
    """An iterator over a 1-D tensor gives each iteration a 0-D array (as a 0-D tensor outside a loop
    has), never a NumPy scalar, whose flags a plugin's reference view could not set."""
    net = td.Network("scan")
    xs = net.input("xs", td.float32, (3,))
    total, _ = td.scan(lambda c, x: (c + SoftClip(limit=10.0)(x), x), np.float32(0), xs)
    net.output("total", total)
    values = np.array([1, -2, 4], np.float32)
    assert_close(net.run({"xs": values})["total"], np.float32(sum(softclip(float(v), 10.0) for v in values)),
                 rtol=1e-6, atol=1e-6)


@given(data=st.data())
def test_plugin_in_a_scan_body(data):
    xs = data.draw(
        arrays(np.float32, st.tuples(st.integers(0, 5), st.integers(1, 4)), min_value=-10, max_value=10)
    )
    limit = data.draw(st.floats(0.5, 5))
    net = td.Network("scan")
    t = net.input("xs", td.float32, ("steps", "width"))
    init = net.input("init", td.float32, ("width",))

    def body(carry, x):
        clipped = SoftClip(limit=limit)(carry + x)
        return clipped, clipped * 2.0

    final, ys = td.scan(body, init, t)
    net.output("final", final)
    net.output("ys", ys)
    start = np.zeros(xs.shape[1], np.float32)
    out = net.run({"xs": xs, "init": start})
    carry, seen = [0.0] * xs.shape[1], []
    lim = float(np.float32(limit))
    for row in xs:
        carry = [softclip(c + float(v), lim) for c, v in zip(carry, row)]
        seen.append([2 * c for c in carry])
    assert_close(out["final"], np.array(carry, np.float32), rtol=1e-5, atol=1e-5)
    assert_close(out["ys"], np.array(seen, np.float32).reshape(xs.shape), rtol=1e-5, atol=1e-5)


@given(n=st.integers(0, 6), x=st.floats(-20, 20, width=32))
def test_plugin_in_a_fori_loop(n, x):
    net = td.Network("fori")
    count = net.input("n", td.int32, ())
    value = net.input("x", td.float32, ())
    net.output("y", td.fori_loop(0, count, lambda i, v: SoftClip(limit=2.0)(v * 3.0), value))
    got = net.run({"n": np.int32(n), "x": np.float32(x)})["y"]
    want = float(np.float32(x))
    for _ in range(n):
        want = softclip(float(np.float32(want * 3.0)), 2.0)
    assert_close(got, np.array(want, np.float32), rtol=1e-5, atol=1e-6)


@given(x=arrays(np.float32, (3,), min_value=-5, max_value=5), flag=st.booleans())
def test_plugin_in_a_branch_runs_only_when_taken(x, flag):
    net = td.Network("branch")
    t = net.input("x", td.float32, (3,))
    p = net.input("p", td.bool, ())
    net.output("y", td.cond(p, lambda: SoftClip(limit=1.5)(t), lambda: t * 2.0))
    before = CALLS["softclip"]
    got = net.run({"x": x, "p": np.bool_(flag)})["y"]
    want = [softclip(float(v), 1.5) if flag else 2.0 * float(v) for v in x]
    assert_close(got, np.array(want, np.float32), rtol=1e-5, atol=1e-6)
    assert CALLS["softclip"] - before == int(flag)


@given(xs=arrays(np.float32, st.tuples(st.integers(0, 5), st.integers(0, 6)), min_value=-3, max_value=3))
def test_data_dependent_plugin_in_a_loop_body(xs):
    """Each iteration's selection has its own size."""
    net = td.Network("dd_scan")
    t = net.input("xs", td.float32, ("steps", "width"))
    total, sums = td.scan(
        lambda c, row: (c + td.sum(Positives()(row)), td.sum(Positives()(row))), np.float32(0), t
    )
    net.output("total", total)
    net.output("sums", sums)
    out = net.run({"xs": xs})
    row_sums = [sum(float(v) for v in row if v > 0) for row in xs]
    assert_close(out["sums"], np.array(row_sums, np.float32).reshape(len(xs)), rtol=1e-5, atol=1e-5)
    assert_close(out["total"], np.array(sum(row_sums), np.float32), rtol=1e-5, atol=1e-5)


def test_loop_and_branch_with_plugins_survive_lowering_and_raise():
    net = td.Network("regions")
    xs = net.input("xs", td.float32, (4, 3))
    p = net.input("p", td.bool, ())
    final, _ = td.scan(lambda c, x: (SoftClip(limit=2.0)(c + x), c), np.zeros(3, np.float32), xs)
    net.output("y", td.cond(p, lambda: SoftClip(limit=1.0)(final), lambda: final))
    rows = np.arange(12, dtype=np.float32).reshape(4, 3) - 6
    carry = [0.0] * 3
    for row in rows:
        carry = [softclip(c + float(v), 2.0) for c, v in zip(carry, row)]
    for version in ("10.16", "11.4"):
        trt = install(standin.module(version))
        again = raise_network(lower(net, trt).network, trt)
        assert_same_ir(net, again)
        for taken in (True, False):
            got = again.run({"xs": rows, "p": np.bool_(taken)})["y"]
            want = [softclip(c, 1.0) for c in carry] if taken else carry
            assert_close(got, np.array(want, np.float32), rtol=1e-5, atol=1e-5)
