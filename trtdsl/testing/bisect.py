"""First-divergence search: which layer makes two backends disagree.

The layers run in creation order (a topological order). For a prefix of k layers, the *frontier* is the
set of tensors the prefix produced that later layers or the outputs still need. ``first_divergence``
bisects on "the frontier after layer k differs between the backends": before the first layer nothing
differs (the inputs are the same), after the last layer the outputs differ. Bisection ends at a layer k
whose frontier before it agrees and whose frontier after it differs: every input of layer k agrees
and one of its outputs differs, so layer k is where the backends part ways. Each step runs both
backends once on a copy of the prefix that marks only the frontier as outputs (never every tensor), so
a network of n layers takes about log2(n) runs.

>>> import numpy as np, trtdsl as td
>>> from trtdsl.testing import first_divergence
>>> net = td.Network("demo")
>>> x = net.input("x", td.float32, (4,))
>>> h = td.exp(x)
>>> net.output("y", td.relu(h - 2.0) * 3.0)
>>> from trtdsl.reference.interpreter import bind_inputs, plan
>>> def broken(network, feeds):  # the reference, except that exp is off by one
...     values, _ = bind_inputs(network, feeds)
...     for node in plan(network).nodes:
...         out = node.op.reference(*[values[t] for t in node.inputs])
...         values.update(zip(node.outputs, (out[0] + 1,) if node.op.label() == "Unary[EXP]" else out))
...     return {name: values[t] for name, t in network.outputs.items()}
>>> found = first_divergence(net, {"x": np.ones(4, np.float32)}, backends=("reference", broken))
>>> found.node.name
'exp_0'
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import attrs

from trtdsl.errors import ArgumentError
from trtdsl.ir.dims import Dim
from trtdsl.ir.network import Network
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.testing.compare import Backend, OutputReport, _unique_names, backend_runner, compare_outputs


@attrs.frozen
class Divergence:
    """The layer where two backends part ways: its inputs agree, these outputs differ."""

    node: Node
    outputs: tuple[OutputReport, ...]  # the node's outputs (some differ)
    inputs: tuple[OutputReport, ...]  # the node's inputs produced by layers (all agree)
    runs: int  # how many times each backend ran
    layers: int  # how many layers the search covered

    def __str__(self) -> str:
        from trtdsl.ir.printer import format_node

        lines = [f"first divergence: layer {self.node.name} ({self.node.op.label()}); its inputs agree, "
                 "its outputs differ", "  " + format_node(self.node, locations=True)]
        lines += ["  " + str(r).replace("\n", "\n  ") for r in self.outputs + self.inputs]
        lines.append(f"  found with {self.runs} runs of each backend over {self.layers} layers")
        return "\n".join(lines)


def first_divergence(network: Network, inputs: Mapping[str, Any], *,
                     backends: Sequence[Backend] = ("reference", "onnxruntime"), rtol: Any = None,
                     atol: Any = None) -> Divergence | None:
    """The layer where ``backends`` (two names or run functions) first disagree on ``inputs``, or None
    when the network's outputs agree. Tolerances as in :func:`~trtdsl.testing.compare`."""
    from trtdsl.reference.interpreter import plan

    if len(backends) != 2:
        raise ArgumentError(f"first_divergence: argument 'backends' is {tuple(backends)!r}; expected two backends")
    runners = [backend_runner(b) for b in backends]
    names = _unique_names([name for name, _ in runners])
    nodes = plan(network).nodes
    checks: dict[int, dict[Tensor, OutputReport]] = {}

    def frontier_reports(last: int) -> dict[Tensor, OutputReport]:
        if last not in checks:
            probes = _frontier(network, nodes, last)
            sub, by_name = _prefix(network, nodes[:last + 1], probes)
            outs = [run(sub, inputs) for _, run in runners]
            reports = compare_outputs(sub, outs[0], [outs[1]], names, rtol, atol)
            checks[last] = {by_name[r.name]: r for r in reports}
        return checks[last]

    if all(r.ok for r in frontier_reports(len(nodes) - 1).values()):
        return None
    agree, differ = -1, len(nodes) - 1
    while differ - agree > 1:
        middle = (agree + differ) // 2
        if all(r.ok for r in frontier_reports(middle).values()):
            agree = middle
        else:
            differ = middle
    node = nodes[differ]
    after = frontier_reports(differ)
    before = checks.get(agree, {})
    return Divergence(
        node,
        tuple(after[t] for t in node.outputs if t in after),
        tuple(before[t] for t in node.inputs if t is not None and t in before),
        len(checks),
        len(nodes),
    )


def _frontier(network: Network, nodes: list[Node], last: int) -> list[Tensor]:
    """Tensors made by ``nodes[:last + 1]`` that later nodes or the network's outputs need."""
    needed = {t for n in nodes[last + 1:] for t in n.inputs if t is not None}
    needed |= set(network.outputs.values())
    return [t for n in nodes[:last + 1] for t in n.outputs if t in needed]


def _prefix(network: Network, nodes: list[Node], probes: list[Tensor]) -> tuple[Network, dict[str, Tensor]]:
    """A copy of the network's first layers whose outputs are ``probes`` (named as in the network);
    also maps each output name to the original tensor."""
    sub = Network(f"{network.name}[:{nodes[-1].name}]")
    copies: dict[Tensor, Tensor] = {}
    for name, t in network.inputs.items():
        copies[t] = sub.input(name, t.dtype, tuple(d.args[0] if isinstance(d, Dim) else d for d in t.shape))
    for node in nodes:
        made = sub.add(node.op, [copies[t] if t is not None else None for t in node.inputs])
        copies.update(zip(node.outputs, made))
    by_name = {}
    for t in probes:
        sub.output(t.name, copies[t])
        by_name[t.name] = t
    return sub, by_name
