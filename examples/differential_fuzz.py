"""Differential testing: random valid networks run on the reference and on onnxruntime must agree; random
networks using a custom plugin run on a deliberately wrong runtime of the plugin are caught, and the
smallest network showing it is printed as trtdsl code.

Run it:  python examples/differential_fuzz.py
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import trtdsl as td
from trtdsl.testing import compare
from trtdsl.testing.fuzz import fuzz
from trtdsl.testing.networks import ATOL, RTOL, networks


@td.plugin("fuzzdemo::soft_clip")
class SoftClip:
    """``limit * tanh(x / limit)``: a smooth clamp to (-limit, limit)."""

    limit: float = 2.0

    def shape(self, x):
        return x

    def reference(self, x):
        return (self.limit * np.tanh(x.astype(np.float32) / self.limit)).astype(x.dtype)


def build_network() -> td.Network:
    """A small network using the plugin (what ``trtdsl inspect`` and ``trtdsl run`` show of this file)."""
    net = td.Network("soft_clip_demo")
    x = net.input("x", td.float32, ("batch", 4))
    net.output("y", SoftClip(limit=2.0)(x * 3.0))
    return net


def with_plugin(x: td.Tensor) -> td.Tensor:
    return SoftClip(limit=2.0)(x)


DRAWN = networks(plugins=[with_plugin], max_layers=6)


@settings(max_examples=50, deadline=None, database=None)
@given(networks(max_layers=6), st.data())
def test_reference_and_onnxruntime_agree(case, data):
    feeds = data.draw(case.inputs)
    report = compare(case.network, feeds, backends=("reference", "onnxruntime"), rtol=RTOL, atol=ATOL)
    assert report.ok, f"{report}\n{case!r}"


def soft_clip_off_by_a_bit(network: td.Network, feeds: dict) -> dict:
    """A runtime whose soft_clip is wrong: it clips at 2.1 instead of 2.0."""
    outputs = network.run(feeds)
    if not any(n.op.kind == "PluginV3" for n in network.nodes):
        return outputs
    namespace: dict = {}
    exec(network.to_python(), namespace)
    copy = namespace["build_network"]()
    for node in copy.nodes:
        if node.op.kind == "PluginV3":
            node.op = type(node.op)(node.op.name, node.op.namespace, node.op.version, (("limit", 2.1),))
    return copy.run(feeds)


def main() -> None:
    test_reference_and_onnxruntime_agree()
    print("50 random networks: the reference and onnxruntime agree")
    result = fuzz("reference", soft_clip_off_by_a_bit, count=500, seed=0, strategy=DRAWN)
    assert result.failure is not None
    print(f"a wrong soft_clip runtime is caught after {result.count} networks; the smallest network showing "
          f"it has {len(result.failure.network.nodes)} layers:\n")
    print(result.failure.network.to_python())


if __name__ == "__main__":
    main()
