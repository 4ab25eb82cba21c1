"""A program runs some layers in a form made once for their inputs' dtypes and shapes (Op.reference_for): a
static slice as its basic index, a float32 activation with its formula looked up. The values are those of
the layers' references, checked here against NumPy formulas."""

import numpy as np
import pytest

import trtdsl as td
from trtdsl.reference.interpreter import Form, plan


def forms(net, bindings=None):
    """The kinds of the layers a run of ``net`` evaluates in another form than their op's reference."""
    return sorted(step[5].op.kind for step in plan(net).program(bindings or {}).steps
                  if step and isinstance(step[0], Form))


def test_a_static_slice_reads_its_basic_index():
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    net = td.Network("slice")
    t = net.input("x", td.float32, x.shape)
    doubled = t * np.float32(2)
    net.output("rows", td.slice(doubled, (1, 0), (2, 3), (1, 2)))
    net.output("back", td.slice(doubled, (3, 5), (2, 2), (-1, -2)))
    assert forms(net) == ["Slice", "Slice"]
    for _ in range(2):  # the form serves every run alike
        got = net.run({"x": x})
        np.testing.assert_array_equal(got["rows"], (2 * x)[1:3, 0:6:2])
        np.testing.assert_array_equal(got["back"], (2 * x)[3:1:-1, 5:1:-2])


@pytest.mark.parametrize("mode", ["wrap", "clamp", "fill"])
def test_a_slice_reaching_past_its_input_keeps_its_reference(mode):
    x = np.arange(5, dtype=np.float32)
    net = td.Network("past")
    t = net.input("x", td.float32, x.shape)
    net.output("y", td.slice(t + np.float32(1), (3,), (4,), mode=mode))
    assert forms(net) == []
    coords = np.arange(3, 7)
    y = x + 1
    want = {"wrap": y[coords % 5], "clamp": y[np.minimum(coords, 4)],
            "fill": np.where(coords < 5, y[np.minimum(coords, 4)], 0)}[mode]
    np.testing.assert_array_equal(net.run({"x": x})["y"], want)


def test_a_dynamic_slice_keeps_its_reference():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    net = td.Network("dynamic")
    t = net.input("x", td.float32, ("n", 4))
    h = t * np.float32(3)
    net.output("tail", td.slice(h, (1, 0), (h.shape[0] - 1, 4)))
    np.testing.assert_array_equal(net.run({"x": x})["tail"], 3 * x[1:])


def test_float32_activations_take_their_formula_once():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 5)) * 4).astype(np.float32)
    net = td.Network("activations")
    t = net.input("x", td.float32, x.shape) * np.float32(1)  # a layer's output: its shape is in the plan
    net.output("s", td.sigmoid(t))
    net.output("e", td.elu(t, 0.5))
    net.output("h", td.hard_sigmoid(t, 0.25, 0.5))
    net.output("half", td.tanh(td.cast(t, td.float16)))
    assert forms(net) == ["Activation"] * 3  # the float16 tanh keeps the op's reference
    got = net.run({"x": x})
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(got["s"], 1 / (1 + np.exp(-x64)), rtol=1e-6)
    np.testing.assert_allclose(got["e"], np.where(x64 >= 0, x64, 0.5 * np.expm1(x64)), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got["h"], np.clip(0.25 * x64 + 0.5, 0, 1), rtol=1e-6)
    assert got["half"].dtype == np.float16
    np.testing.assert_allclose(got["half"], np.tanh(x64.astype(np.float16).astype(np.float64)), rtol=1e-3)
