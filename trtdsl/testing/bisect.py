"""First-divergence search: which layer makes two backends disagree.

The layers run in creation order (a topological order). For a prefix of k layers, the *frontier* is the
set of tensors the prefix produced that later layers or the outputs still need. ``first_divergence``
bisects on "the frontier after layer k differs between the backends": before the first layer nothing
differs (the inputs are the same), after the last layer the outputs differ. Bisection ends at a layer k
whose frontier before it agrees and whose frontier after it differs: every input of layer k agrees
and one of its outputs differs, so layer k is where the backends part ways. Each probe runs both
backends once on a view of the network whose outputs are only that frontier (never every tensor), so a
network of n layers takes about log2(n) runs. Loops and conditionals are single steps.

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

import copy
from typing import Any, Mapping, Sequence

import attrs

from trtdsl.errors import ArgumentError, bad_argument
from trtdsl.ir.network import Network, expect_network
from trtdsl.ir.node import Node
from trtdsl.ir.region import Region
from trtdsl.ir.tensor import Tensor
from trtdsl.testing.compare import (
    Backend, OutputReport, _unique_names, backend_runners, compare_outputs, results_of,
)


@attrs.frozen
class Divergence:
    """Where two backends part ways: a layer (or a whole loop or conditional, ``region``) whose inputs
    agree and some of whose outputs differ."""

    node: Node | None  # the layer, or None when the step is a region
    region: Region | None  # the loop or conditional, when the step is one
    outputs: tuple[OutputReport, ...]  # the step's outputs (some differ)
    inputs: tuple[OutputReport, ...]  # the step's inputs made by earlier steps (all agree)
    runs: int  # how many times each backend ran
    steps: int  # how many steps (layers and top-level regions) the search covered

    def __str__(self) -> str:
        from trtdsl.ir.printer import format_node

        if self.node is not None:
            what = f"layer {self.node.name} ({self.node.op.label()})"
            shown = "  " + format_node(self.node, locations=True)
        else:
            assert self.region is not None
            what = f"{'loop' if self.region.is_loop else 'conditional'} {self.region.name!r}"
            shown = "  (a region is compared as a whole: its results against its inputs)"
        lines = [f"first divergence: {what}; its inputs agree, its outputs differ", shown]
        lines += ["  " + str(r).replace("\n", "\n  ") for r in self.outputs + self.inputs]
        lines.append(f"  found with {self.runs} runs of each backend over {self.steps} steps")
        return "\n".join(lines)


def first_divergence(
    network: Network,
    inputs: Mapping[str, Any],
    *,
    backends: Sequence[Backend] = ("reference", "onnxruntime"),
    rtol: Any = None,
    atol: Any = None,
) -> Divergence | None:
    """The layer where ``backends`` (two names or run functions) first disagree on ``inputs``, or None
    when the network's outputs agree. Tolerances as in :func:`~trtdsl.testing.compare`. Loops and
    conditionals count as one step each (their boundary and body layers are not probed).

    The layer found always has agreeing inputs and a differing output. It is the earliest such layer when
    differences, once they appear, reach every later frontier; a difference that a later layer masks (a
    comparison, a max, a clamp) and that reappears further on may be found at its later appearance."""
    from trtdsl.reference.interpreter import plan

    expect_network("first_divergence", network)
    if not isinstance(inputs, Mapping):
        raise bad_argument("first_divergence", "inputs", inputs, "a dict of input name -> array")
    runners = backend_runners("first_divergence", backends, lambda n: n == 2, "two backends")
    names = _unique_names([name for name, _ in runners])
    the_plan = plan(network)
    steps = the_plan.steps if network.regions else the_plan.nodes
    checks: dict[int, dict[Tensor, OutputReport]] = {}

    def frontier_reports(last: int) -> dict[Tensor, OutputReport]:
        if last not in checks:
            view = _probing(network, _frontier(network, steps, last))
            outs = [results_of(name, run, view, inputs) for name, run in runners]
            for name, results in zip(names, outs):
                missing = [t for t in view.outputs if t not in results]
                extra = [t for t in results if t not in view.outputs]
                if (missing or extra) and last < len(steps) - 1:  # the probes: a run of the network given
                    wrong = "; ".join(f"{what} {', '.join(ts[:3])}{', ...' if len(ts) > 3 else ''}"
                                      for what, ts in (("without", missing), ("with", extra)) if ts)
                    raise ArgumentError(
                        f"first_divergence: backend {name} did not give the layer outputs it is asked to "
                        f"compute ({wrong}); "
                        "bisecting needs backends that run the network they are given (a backend name, or "
                        "a function of (network, inputs) such as a runner), not a formula of the outputs")
            reports = compare_outputs(view, outs[0], [outs[1]], names, rtol, atol)
            checks[last] = {view.outputs[r.name]: r for r in reports}
        return checks[last]

    if all(r.ok for r in frontier_reports(len(steps) - 1).values()):
        return None
    agree, differ = -1, len(steps) - 1
    while differ - agree > 1:
        middle = (agree + differ) // 2
        if all(r.ok for r in frontier_reports(middle).values()):
            agree = middle
        else:
            differ = middle
    step = steps[differ]
    after, before = frontier_reports(differ), checks.get(agree, {})
    made, used = _made(step), _used(step)
    return Divergence(
        step if isinstance(step, Node) else None,
        None if isinstance(step, Node) else step.region,
        tuple(after[t] for t in made if t in after),
        tuple(before[t] for t in used if t in before),
        len(checks),
        len(steps),
    )


def _made(step: Any) -> list[Tensor]:
    return list(step.outputs) if isinstance(step, Node) else list(step.results)


def _used(step: Any) -> list[Tensor]:
    return [t for t in step.inputs if t is not None] if isinstance(step, Node) else list(step.uses)


def _frontier(network: Network, steps: list[Any], last: int) -> list[Tensor]:
    """Tensors made by ``steps[:last + 1]`` that later steps or the network's outputs need."""
    needed = {t for s in steps[last + 1 :] for t in _used(s)} | set(network.outputs.values())
    return [t for s in steps[: last + 1] for t in _made(s) if t in needed]


def _probing(network: Network, probes: list[Tensor]) -> Network:
    """The network with ``probes`` (named after themselves) as its only outputs: a view that shares its
    layers, so nothing is rebuilt, and that the backends run and export like any network."""
    view = copy.copy(network)
    view.name = f"{network.name}[probes]"
    view.outputs = {t.name: t for t in probes}
    view._cache = {}
    return view
