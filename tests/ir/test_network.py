"""Network: naming authority, textual IR (golden files), dims, pruning and provenance."""

import gc
import inspect
import os
import pathlib

import numpy as np
import pytest

import trtdsl as td
from trtdsl.ir.dims import Dim

GOLDEN = pathlib.Path(__file__).parent / "golden"


def demo_network():
    net = td.Network("demo")
    x = net.input("x", td.float32, ("batch", 4))
    w = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
    h = td.relu(td.shuffle(x, reshape=(0, 2, 2)).reshape(x.shape[0], 4) * 2.0 + 1.0)
    y = td.sigmoid(h, name="probs")
    net.output("y", y)
    net.output("scaled", (h * w[:, 0]).astype(td.float16))
    return net


def check_golden(name: str, text: str) -> None:
    """Compare with tests/ir/golden/<name>; TRTDSL_UPDATE_GOLDEN=1 rewrites it (review the diff)."""
    path = GOLDEN / name
    if os.environ.get("TRTDSL_UPDATE_GOLDEN"):
        path.write_text(text + "\n")
    assert text + "\n" == path.read_text()


def test_textual_ir_is_stable():
    check_golden("demo.txt", demo_network().format(locations=False))


def test_print_shows_the_users_lines():
    text = str(demo_network())
    assert "# test_network.py:" in text.splitlines()[2]


def test_constants_made_of_arrays_are_located_at_the_users_line_with_their_layer():
    net = td.Network("n")
    x = net.input("x", td.float32, (1, 2, 3, 3))
    frame = inspect.currentframe()
    assert frame is not None
    y = td.conv(x, np.ones((2, 2, 1, 1), np.float32), np.zeros(2, np.float32))
    conv_line = frame.f_lineno - 1
    z = y * 1.5
    scale_line = frame.f_lineno - 1
    td.maximum(np.zeros((3, 3), np.float32), z)
    max_line = frame.f_lineno - 1
    lines = [node.location.line for node in net.nodes]
    assert [node.op.kind for node in net.nodes] == ["Constant", "Constant", "Convolution", "Constant",
                                                    "ElementWise", "Constant", "ElementWise"]
    assert lines == [conv_line] * 3 + [scale_line] * 2 + [max_line] * 2
    assert {node.location.file for node in net.nodes} == {__file__}


def test_user_names_are_kept_and_auto_names_step_aside():
    net = td.Network("n")
    x = net.input("x", td.float32, (2,))
    a = td.exp(x)
    assert a.name == "exp_0"
    b = td.exp(x, name="exp_0")  # the user's name wins; the automatic one is renamed
    assert b.name == "exp_0" and a.name != "exp_0"
    with pytest.raises(td.ArgumentError, match="a layer named 'exp_0' already exists"):
        td.exp(x, name="exp_0")


def test_output_renames_auto_tensor_or_inserts_identity():
    net = td.Network("n")
    x = net.input("x", td.float32, (2,))
    y = td.exp(x)
    net.output("y", y)
    assert y.name == "y"
    net.output("x_copy", x)
    net.output("y_again", y)
    assert [n.op.kind for n in net.nodes] == ["Unary", "Identity", "Identity"]
    out = net.run({"x": np.zeros(2, np.float32)})
    assert out["y"].tolist() == out["y_again"].tolist() == [1.0, 1.0] and out["x_copy"].tolist() == [0.0, 0.0]


def test_unused_layers_are_not_run():
    net = td.Network("n")
    x = net.input("x", td.int32, (2,))
    _unused = td.cast(x, td.float32) / 0.0
    net.output("y", x + 1)
    from trtdsl.reference.interpreter import plan

    assert [n.op.label() for n in plan(net).nodes] == ["Constant", "ElementWise[SUM]"]


def test_dims_fold_and_evaluate():
    b = Dim.symbol("b")
    assert b * 1 is b and b + 0 is b and (b * 4) // 4 is b
    assert str((b - 1) * 2) == "(b-1)*2"
    assert ((b + 3) // 2).evaluate({"b": 7}) == 5


def test_dims_combine_only_with_ints():
    b = Dim.symbol("b")
    assert b * np.int64(2) == b * 2 and isinstance((b * np.int64(2)).args[1], int)
    assert str(7 % b) == "7%b"
    for other in (True, "2"):
        with pytest.raises(TypeError):
            b + other
    with pytest.raises(td.ShapeError, match="'b \\+ 1.5' is no dim"):
        b + 1.5
    net = td.Network("n")
    x = net.input("x", td.float32, ("b",))
    with pytest.raises(td.DTypeError):  # a dim is not a value of the network (it used to add an EQUAL layer)
        x.shape[0] + x
    assert net.nodes == []


def test_shape_mismatch_at_run_time_names_the_layer():
    net = td.Network("n")
    x = net.input("x", td.float32, ("n",))
    y = net.input("y", td.float32, (3,))
    net.output("z", x + y)
    with pytest.raises(td.ExecutionError,
                       match=r"test_network.py:\d+: ElementWise\[SUM\] \(layer sum_0\) failed on the NumPy "
                             r"reference on inputs of shapes \(2,\) and \(3,\) \(typed f32\[n\] and "
                             r"f32\[3\]\): ValueError: operands could not be broadcast"):
        net.run({"x": np.ones(2, np.float32), "y": np.ones(3, np.float32)})


@pytest.mark.parametrize("dims", [(3,), ("n",)], ids=["static", "named"])
def test_a_reference_result_of_the_wrong_dtype_or_shape_is_caught_on_every_run(monkeypatch, dims):
    from trtdsl.layers.unary import Unary

    net = td.Network("n")
    x = net.input("x", td.float32, dims)
    net.output("y", td.exp(x) * 2.0)
    feeds = {"x": np.zeros(3, np.float32)}
    assert net.run(feeds)["y"].tolist() == [2.0, 2.0, 2.0]  # the plan and its expected results are cached
    monkeypatch.setattr(Unary, "reference", lambda self, v: (v.astype(np.float64),))
    with pytest.raises(td.ExecutionError, match=r"reference gave dtype float64 for %exp_0 \(f32\["):
        net.run(feeds)
    monkeypatch.setattr(Unary, "reference", lambda self, v: (v[:2],))
    with pytest.raises(td.ExecutionError, match=r"Unary\[EXP\] produced shape \(2,\) for %exp_0"):
        net.run(feeds)


def _networks_remembered(t: td.Tensor) -> set[str]:
    """The names of the networks that the dims of ``t``'s type (and the dims they are made of) remember."""
    found: set[str] = set()

    def walk(d: object) -> None:
        if isinstance(d, Dim):
            if d.owner is not None:
                found.add(d.owner().name)
            for a in d.args:
                walk(a)

    for d in t.type.shape:
        walk(d)
    return found


def test_a_layer_inferred_in_one_network_gives_another_its_own_dims():
    """Output types are kept by op and input types, shared between networks where every dim is an int; a
    symbolic dim may remember the network it was read from, so another network with an equal layer infers
    its own (it used to get the first network's dims, which failed once that network was gone)."""
    nets, sums = [], []
    for name in ("first", "second"):
        net = td.Network(name)
        x = net.input("x", td.float32, ("n", 3))
        y = td.reshape(x, (x.shape[0] * 3,))  # a dim read from x.shape: it remembers net
        sums.append(y + y)
        nets.append(net)
    assert [_networks_remembered(s) for s in sums] == [{"first"}, {"second"}]
    del nets[0], sums[0]
    gc.collect()
    nets[0].output("y", td.reshape(sums[0], (-1, 3)))  # combines the sum's dims
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(nets[0].run({"x": x})["y"], 2 * x)


def test_what_is_derived_while_the_network_changes_is_not_kept():
    """A plan or export made while another thread changed the network (a layer added, weights loaded) may be
    of the network before: it is returned to its caller but not kept, so the next run makes it anew."""
    net = td.Network("n")
    x = net.input("x", td.float32, (2,))
    net.output("y", td.relu(x))

    def change_meanwhile():
        td.exp(x)  # another thread adding a layer while the value is made
        return "made before the change"

    assert net.derived("plan", change_meanwhile) == "made before the change"
    assert net.derived("plan", lambda: "made after") == "made after"
    assert net.derived("plan", lambda: "not made again") == "made after"


def test_a_run_after_a_layer_rewired_during_the_first_run_runs_the_new_network(monkeypatch):
    """The reference plan of a run during which a layer's input was replaced (another thread) is not kept:
    the next run follows the new wiring."""
    from trtdsl.reference import interpreter

    net = td.Network("n")
    x = net.input("x", td.float32, (3,))
    magnitude = td.abs(x)
    y = td.negative(x)
    net.output("y", y)
    made = interpreter.Plan

    class RewiredMeanwhile(made):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            net.set_input(y.producer, 0, magnitude)

    monkeypatch.setattr(interpreter, "Plan", RewiredMeanwhile)
    try:
        net.run({"x": np.float32([1, -2, 3])})  # the run during the change: what it gives is undefined
    except Exception:  # noqa: BLE001
        pass
    monkeypatch.setattr(interpreter, "Plan", made)
    np.testing.assert_array_equal(net.run({"x": np.float32([1, -2, 3])})["y"], [-1, -2, -3])
