"""trtdsl.testing.first_divergence: a divergence planted in the ONNX export of one layer of a test network
is found on onnxruntime (the reference against onnxruntime), with its agreeing inputs, in about log2(n)
runs that each probe only a frontier of tensors; loops and conditionals count as one step."""

import math

import numpy as np
import pytest
from support import expect_error

import trtdsl as td
from trtdsl.backends.onnx import EXPORTERS, Entry
from trtdsl.errors import ArgumentError
from trtdsl.layers.activation import Activation
from trtdsl.testing import first_divergence


def chain(length: int = 12) -> td.Network:
    """A chain of layers with side branches that rejoin, so frontiers hold more than one tensor."""
    net = td.Network("chain")
    x = net.input("x", td.float32, ("n", 4))
    h = x
    for i in range(length):
        side = td.tanh(h, name=f"side{i}")
        h = td.sigmoid(h + side, name=f"step{i}")
    net.output("y", h * 3.0)
    return net


@pytest.fixture
def planted(monkeypatch):
    """The ONNX export of the layer named ``step7`` writes Tanh instead of Sigmoid; every other layer
    exports as it should."""
    original = EXPORTERS[Activation]

    def wrong(ctx, op):
        if ctx.node.name == "step7":
            return ctx.emit("Tanh", [ctx.input(0)])
        return original.emit(ctx, op)

    monkeypatch.setitem(EXPORTERS, Activation, Entry(wrong))


FEEDS = {"x": np.linspace(-2, 2, 8, dtype=np.float32).reshape(2, 4)}


def test_the_planted_divergence_is_found(planted):
    net = chain()
    found = first_divergence(net, FEEDS)
    assert found is not None and found.node.name == "step7" and found.region is None
    assert all(not r.ok for r in found.outputs) and found.outputs[0].name == "step7"
    # the layer's inputs were compared and agree: the difference starts here
    assert [r.name for r in found.inputs] == ["sum_7"] and all(r.ok for r in found.inputs)
    assert found.runs <= math.ceil(math.log2(found.steps)) + 1
    text = str(found)
    assert text.startswith(
        "first divergence: layer step7 (Activation[SIGMOID]); its inputs agree, its outputs differ"
    )
    assert "test_bisect.py:" in text  # the layer's line in the user's code


def test_probes_mark_only_frontiers(planted, monkeypatch):
    from trtdsl.backends import onnxruntime as ort_backend

    marked = []
    original = ort_backend.run

    def counting(network, feeds, **options):
        marked.append(len(network.outputs))
        return original(network, feeds, **options)

    monkeypatch.setattr(ort_backend, "run", counting)
    net = chain()
    first_divergence(net, FEEDS)
    tensors = sum(len(n.outputs) for n in net.nodes)
    assert marked and max(marked) <= 2 < tensors  # the chain's frontier is at most h and its side branch


def test_agreeing_backends_give_none():
    assert first_divergence(chain(4), FEEDS) is None


def test_a_function_backend_and_a_divergence_in_a_region():
    net = td.Network("r")
    x = net.input("x", td.float32, ("n",))
    before = td.exp(x, name="before")
    total, _ = td.scan(lambda c, v: (c + v, c), np.float32(0), before)
    net.output("y", td.relu(total - 1.0, name="after"))

    def double_loop_results(network, feeds):
        """The reference, except that the loop's result is doubled."""
        from trtdsl.reference.interpreter import bind_inputs, plan
        from trtdsl.reference.regions import run_steps

        values, bindings = bind_inputs(network, feeds)
        for step in plan(network).steps:
            run_steps([step], values, bindings)
            if not hasattr(step, "op") and step.region.is_loop:
                for result in step.results:
                    values[result] = values[result] * 2
        return {name: values[t] for name, t in network.outputs.items()}

    found = first_divergence(
        net, {"x": np.array([0.5, 1.0], np.float32)}, backends=("reference", double_loop_results)
    )
    assert found.node is None and found.region.is_loop
    assert "before" in [r.name for r in found.inputs] and all(r.ok for r in found.inputs)
    assert str(found).startswith("first divergence: loop 'loop_0'; its inputs agree, its outputs differ")


def test_a_formula_of_the_outputs_cannot_be_bisected():
    """A function that computes the network's outputs itself gives no value for the layers bisection
    probes: an error saying so, not a divergence reported at the first layer."""
    net = td.Network("f")
    x = net.input("x", td.float32, (3,))
    net.output("y", td.relu(x) * 2.0 + 1.0)

    def formula(network, feeds):
        return {"y": np.maximum(feeds["x"], 0) * 2 + 1.5}

    with pytest.raises(td.ArgumentError, match="bisecting needs backends that run the network"):
        first_divergence(net, {"x": np.ones(3, np.float32)}, backends=("reference", formula))


def test_invalid_calls():
    expect_error(
        ArgumentError,
        "first_divergence: argument 'backends' is ('reference',); expected two backends",
        lambda: first_divergence(chain(2), FEEDS, backends=("reference",)),
    )


@pytest.mark.parametrize("outputs", [("y",), ("y", "z")])
def test_a_formula_of_the_outputs_cannot_be_bisected(outputs):
    """With one output the probes' values are missing; with two, a probe frontier holding one output gets
    the other too, which is no layer output it asked for."""
    net = td.Network("c")
    x = net.input("x", td.float32, (2, 3))
    if "z" in outputs:
        net.output("y", td.relu(x))
        net.output("z", td.exp(x))
    else:
        net.output("y", td.exp(td.relu(x)))
    formulas = {"y": lambda f: np.exp(np.maximum(f["x"], 0)) + 1, "z": lambda f: np.exp(f["x"]) + 1}

    def formula(network, feeds):
        return {name: formulas[name](feeds) for name in outputs}

    with pytest.raises(ArgumentError, match=r"first_divergence: backend formula did not give the layer outputs "
                       r"it is asked to compute \(.*\); bisecting needs backends that run the network they "
                       r"are given .* not a formula of the outputs"):
        first_divergence(net, {"x": np.ones((2, 3), np.float32)}, backends=("reference", formula))
