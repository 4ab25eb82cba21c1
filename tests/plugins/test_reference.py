"""Networks with plugins run on the NumPy reference: each plugin here is checked against a formula
written independently in the test (plain Python over the elements), alone, combined with other layers,
with dynamic dims and with data-dependent output sizes."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from support import TOLERANCES, arrays, assert_close, run_layer, shapes

import trtdsl as td
from trtdsl.layers._erf import erf


@td.plugin("ref::clamp_gelu")
class ClampGelu:
    limit: float = 6.0
    input_dtypes = {"x": (td.float32, td.float16)}

    def shape(self, x):
        return x

    def reference(self, x):
        v = x.astype(np.float32)
        return np.minimum(0.5 * v * (1 + erf(v / np.float32(math.sqrt(2)))), np.float32(self.limit)).astype(
            x.dtype
        )


@td.plugin("ref::polyval")
class Polyval:
    coeffs: tuple[float, ...] = (0.0, 1.0)

    def shape(self, x):
        return x

    def reference(self, x):
        acc = np.zeros_like(x)
        for c in reversed(self.coeffs):
            acc = (acc * x + np.float32(c)).astype(x.dtype)
        return acc


@td.plugin("ref::divmod")
class DivMod:
    input_dtypes = {"a": (td.int32, td.int64), "b": "same as a"}

    def shape(self, a, b):
        return a, a

    def reference(self, a, b):
        return np.floor_divide(a, b), np.mod(a, b)


@td.plugin("ref::tile_rows")
class TileRows:
    times: int = 2

    def shape(self, x):
        return td.TensorType(x.dtype, (x.shape[0] * self.times,) + x.shape[1:])

    def reference(self, x):
        return np.concatenate([x] * self.times, axis=0)


@td.plugin("ref::select_above")
class SelectAbove:
    """The elements above a threshold (in row-major order) and their flat indices."""

    threshold: float = 0.0

    def shape(self, x):
        count = td.data_dependent_dim(x.shape[0] * x.shape[1], name="count")
        return td.TensorType(x.dtype, (count,)), td.TensorType(td.int32, (count,))

    def reference(self, x):
        flat = x.reshape(-1)
        (index,) = np.nonzero(flat > self.threshold)
        return flat[index], index.astype(np.int32)


def gelu_formula(v):
    return 0.5 * v * (1 + math.erf(v / math.sqrt(2)))


@given(data=st.data())
def test_clamp_gelu_matches_the_formula(data):
    dtype = data.draw(st.sampled_from([np.float32, np.float16]))
    x = data.draw(arrays(dtype, shapes(max_dims=3), min_value=-10, max_value=10))
    limit = data.draw(st.floats(-2, 8))
    got = run_layer(lambda t: ClampGelu(limit=limit)(t), x)
    want = np.array([min(gelu_formula(float(v)), limit) for v in x.ravel().astype(np.float64)]).reshape(
        x.shape
    )
    tol = TOLERANCES[np.dtype(dtype)] * 4
    assert_close(got, want.astype(dtype), rtol=tol, atol=tol)


@given(data=st.data())
def test_tuple_attributes_reach_the_reference(data):
    coeffs = tuple(data.draw(st.lists(st.integers(-3, 3), max_size=4)))
    x = data.draw(arrays(np.float32, shapes(max_dims=2), min_value=-2, max_value=2))
    got = run_layer(lambda t: Polyval(coeffs=coeffs)(t), x)
    want = np.array([sum(c * float(v) ** i for i, c in enumerate(coeffs)) for v in x.ravel()]).reshape(
        x.shape
    )
    assert_close(got, want.astype(np.float32), rtol=1e-5, atol=1e-4)


@given(data=st.data())
def test_two_inputs_two_outputs(data):
    dtype = data.draw(st.sampled_from([np.int32, np.int64]))
    shape = data.draw(shapes(max_dims=3))
    a = data.draw(arrays(dtype, shape, min_value=-1000, max_value=1000))
    b = data.draw(arrays(dtype, shape, min_value=1, max_value=50))
    q, r = run_layer(lambda x, y: DivMod()(x, y), a, b)
    pairs = [divmod(int(u), int(v)) for u, v in zip(a.ravel(), b.ravel())]
    assert_close(q, np.array([p[0] for p in pairs], dtype).reshape(shape))
    assert_close(r, np.array([p[1] for p in pairs], dtype).reshape(shape))


@given(data=st.data())
def test_plugin_between_other_layers_with_dynamic_dims(data):
    times = data.draw(st.integers(1, 3))
    rows = data.draw(st.integers(0, 4))
    x = data.draw(arrays(np.float32, (rows, 3), min_value=-5, max_value=5))
    net = td.Network("mix")
    t = net.input("x", td.float32, ("rows", 3))
    y = TileRows(times=times)(td.relu(t)) * 2.0
    assert y.shape[0] == td.Dim.symbol("rows") * times
    net.output("y", y)
    got = net.run({"x": x})["y"]
    want = [[max(float(v), 0.0) * 2.0 for v in x[i % rows]] for i in range(rows * times)] if rows else []
    assert_close(got, np.array(want, np.float32).reshape(rows * times, 3))


@given(data=st.data())
def test_data_dependent_outputs_feed_later_layers(data):
    x = data.draw(arrays(np.float32, shapes(min_dims=2, max_dims=2), min_value=-3, max_value=3))
    threshold = data.draw(st.floats(-1, 1, width=32))
    net = td.Network("dd")
    t = net.input("x", td.float32, ("r", "c"))
    values, index = SelectAbove(threshold=threshold)(t)
    net.output("values", values + 1.0)
    net.output("index", index)
    out = net.run({"x": x})
    flat = [float(v) for v in x.ravel()]
    chosen = [i for i, v in enumerate(flat) if v > threshold]
    assert_close(out["index"], np.array(chosen, np.int32))
    assert_close(out["values"], np.array([flat[i] + 1.0 for i in chosen], np.float32))


def test_several_uses_of_a_data_dependent_plugin_have_separate_sizes():
    net = td.Network("dd2")
    t = net.input("x", td.float32, (2, 3))
    low, _ = SelectAbove(threshold=-10.0)(t)
    high, _ = SelectAbove(threshold=10.0)(t)
    assert low.shape != high.shape
    net.output("low", low)
    net.output("high", high)
    out = net.run({"x": np.arange(6, dtype=np.float32).reshape(2, 3)})
    assert out["low"].shape == (6,) and out["high"].shape == (0,)
