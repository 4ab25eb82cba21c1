"""Python indexing of dynamic dims (x[1:], x[-1], x[::-2], ...): NumPy's results wherever the bounds lie
within the dim when the network runs; outside it (where NumPy would clip) an error, not a wrong result."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import trtdsl as td
from trtdsl.errors import ExecutionError


@st.composite
def index_within(draw, n):
    """An int or a slice of an axis of length ``n`` whose bounds need no clipping (NumPy's own result)."""
    if draw(st.booleans()):
        i = draw(st.integers(-n, n - 1))
        return i
    step = draw(st.sampled_from([1, 1, 2, 3, -1, -2]))
    start = draw(st.none() | st.integers(-n, n - 1))
    stop = draw(st.none() | st.integers(-n, n))
    item = slice(start, stop, step)
    b, e, _ = item.indices(n)
    raw_b = b if start is None or start >= 0 else n + start
    raw_e = (n if step > 0 else -1) if stop is None else (stop if stop >= 0 else n + stop)
    assume(raw_b == b and raw_e == e)  # NumPy clipped nothing
    assume((e - b) * step >= 0)  # a non-negative size
    return item


@given(data=st.data(), n=st.integers(1, 6), m=st.integers(1, 5))
def test_indexing_a_dynamic_dim_matches_numpy(data, n, m):
    first = data.draw(index_within(n))
    second = data.draw(index_within(m))
    net = td.Network("ix")
    x = net.input("x", td.int32, ("n", "m"))
    net.output("y", x[first, second])
    a = np.arange(n * m, dtype=np.int32).reshape(n, m)
    np.testing.assert_array_equal(net.run({"x": a})["y"], a[first, second])


def test_the_ir_knows_the_sizes():
    net = td.Network("ix")
    x = net.input("x", td.float32, ("n", 4))
    assert x[1:].shape == (td.Dim.symbol("n") - 1, 4)
    assert x[::2].shape[0] == (td.Dim.symbol("n") + 1) // 2
    assert x[-1].shape == (4,) and x[:-2, None].shape == (td.Dim.symbol("n") - 2, 1, 4)


@pytest.mark.parametrize(
    "index, n",
    [(slice(5, None), 3), (slice(None, 5), 3), (-4, 3), (3, 3)],
    ids=["start past the end", "stop past the end", "negative past the start", "past the end"],
)
def test_bounds_outside_the_dim_fail_when_the_network_runs(index, n):
    net = td.Network("ix")
    x = net.input("x", td.float32, ("n",))
    net.output("y", x[index])
    with pytest.raises(ExecutionError):
        net.run({"x": np.zeros(n, np.float32)})
