"""The interpreter writes a layer's result into its first input's array only when nothing else can see it:
results against NumPy formulas written here, with intermediate values kept alive as outputs and views."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import trtdsl as td
from trtdsl.layers.elementwise import ElementWise

FORMULAS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply}


@pytest.fixture
def outs_given(monkeypatch):
    """For each ElementWise reference call, in order, whether it was given an ``out`` array."""
    given_to: list[bool] = []
    reference = ElementWise.reference

    def spy(self, a, b, *, out=None):
        given_to.append(out is not None)
        return reference(self, a, b, out=out)

    monkeypatch.setattr(ElementWise, "reference", spy)
    return given_to


@given(data=st.data())
def test_chains_with_values_kept_alive_match_numpy(data):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=5))
    x = data.draw(hnp.arrays(np.float32, shape, elements=st.floats(-4, 4, width=32)))
    steps = data.draw(st.lists(st.tuples(st.sampled_from(sorted(FORMULAS)), st.floats(-2, 2, width=32),
                                         st.sampled_from(["", "output", "view", "twice"])),
                               min_size=1, max_size=8))
    net = td.Network("chain")
    h = net.input("x", td.float32, shape)
    want: dict[str, np.ndarray] = {}
    value = x
    for i, (fn, c, keep) in enumerate(steps):
        if keep == "twice":  # the same value as both operands
            h, value = getattr(td, fn)(h, h), FORMULAS[fn](value, value)
        else:
            h, value = getattr(td, fn)(h, np.float32(c)), FORMULAS[fn](value, np.float32(c))
        if keep == "output":
            net.output(f"y{i}", h)
            want[f"y{i}"] = value
        elif keep == "view":  # a reshaped view of the value, read after the next layer
            net.output(f"y{i}", td.reshape(h, (-1,)))
            want[f"y{i}"] = value.reshape(-1)
    net.output("last", h)
    want["last"] = value
    before = x.copy()
    got = net.run({"x": x})
    for name, expected in want.items():
        np.testing.assert_array_equal(got[name], expected, err_msg=name)
    np.testing.assert_array_equal(x, before)  # the input is never written


def test_a_dead_intermediate_receives_the_next_result(outs_given):
    net = td.Network("n")
    x = net.input("x", td.float32, (2, 3))
    net.output("y", (x * 2.0 + 1.0) - 0.5)
    x_value = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = net.run({"x": x_value})["y"]
    np.testing.assert_array_equal(y, x_value * np.float32(2) + np.float32(1) - np.float32(0.5))
    assert outs_given == [False, True, True]  # x belongs to the caller; the others are the interpreter's


def test_a_value_seen_through_a_live_view_is_not_written(outs_given):
    net = td.Network("n")
    x = net.input("x", td.float32, (2, 3))
    t = x * 2.0
    net.output("flat", td.reshape(t, (6,)))
    net.output("y", t + 1.0)
    x_value = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = net.run({"x": x_value})
    np.testing.assert_array_equal(out["flat"], (x_value * np.float32(2)).reshape(6))
    np.testing.assert_array_equal(out["y"], x_value * np.float32(2) + np.float32(1))
    assert outs_given == [False, False]
