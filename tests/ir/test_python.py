"""``net.to_python()`` rebuilds the same network: every op kind (the TensorRT cases cover each), every
example, plugins, and networks drawn by ``trtdsl.testing.strategies.networks``."""

from __future__ import annotations

import numpy as np
import pytest

import trtdsl as td
from backends.tensorrt.cases import CASES, ROOT
from backends.tensorrt.irmatch import assert_same_ir
from plugins.helpers import example
from trtdsl.ir.table import all_op_types


def rebuilt(net: td.Network) -> td.Network:
    namespace: dict = {}
    exec(compile(net.to_python(), "<to_python>", "exec"), namespace)
    again = namespace["build_network"]()
    assert isinstance(again, td.Network)
    return again


def assert_identical(net: td.Network, again: td.Network) -> None:
    assert_same_ir(net, again)
    assert again.format(locations=False) == net.format(locations=False)
    # a layer whose automatic name has a gap before it (layers were removed) is given its name
    assert [n.name for n in again.nodes] == [n.name for n in net.nodes]
    assert again.profiles == net.profiles
    assert (again.shape_inputs, again.shape_outputs) == (net.shape_inputs, net.shape_outputs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_case_round_trips(name):
    net = CASES[name]()
    assert_identical(net, rebuilt(net))


def test_the_cases_cover_every_op_kind_but_plugins():
    covered = {node.op.kind for fn in CASES.values() for node in fn().nodes}
    assert {cls.kind for cls in all_op_types()} - covered == {"PluginV3"}


def test_a_plugin_layer_round_trips():
    net = td.Network("plugged")
    x = net.input("x", td.float32, ("n", 3))
    net.output("y", example().ClampGelu(limit=2.5)(x))
    assert "custom_plugin.ClampGelu" in net.to_python()
    assert_identical(net, rebuilt(net))


def test_weights_keep_their_bytes():
    net = td.Network("w")
    values = np.array([np.nan, -0.0, np.inf, 1.5] * 20, np.float32)
    net.output("a", net.constant(values))
    net.output("b", net.constant(np.arange(6, dtype=np.int64).reshape(2, 3)))
    net.output("c", net.constant(np.array([0.5, -2.0], td.bfloat16.numpy)))
    again = rebuilt(net)
    assert_identical(net, again)
    for name in ("a", "b", "c"):
        want, got = net.outputs[name].producer, again.outputs[name].producer
        assert got.op.weights.array.tobytes() == want.op.weights.array.tobytes()


def test_outputs_of_inputs_and_named_tensors_keep_their_identity_layers():
    net = td.Network("ids")
    x = net.input("x", td.float32, (2,))
    y = td.relu(x, name="act")
    net.output("x_again", x)
    net.output("y", y)
    net.output("y_twice", y)
    net.output("z", td.sigmoid(y))
    assert_identical(net, rebuilt(net))


def test_the_code_runs_as_a_script(tmp_path):
    import os
    import subprocess
    import sys

    net = CASES["loops"]()
    path = tmp_path / "rebuilt.py"
    path.write_text(net.to_python())
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    shown = [line.split("  #")[0].rstrip() for line in done.stdout.splitlines()]
    assert shown == net.format(locations=False).splitlines()
