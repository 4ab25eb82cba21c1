"""Structural equality of two IR networks: the same inputs (names, types), the same ops in the same order
with equal frozen parameters, the same wiring (each input of each node is the same network input or the
same output of the same earlier node), the same output types, the same outputs (names, types, tensors)
and the same regions. Layer and intermediate tensor names are not compared."""

from __future__ import annotations

from typing import Any

import trtdsl as td


def structure(net: td.Network) -> dict[str, Any]:
    where: dict[td.Tensor, Any] = {t: ("input", name) for name, t in net.inputs.items()}
    for i, node in enumerate(net.nodes):
        for j, t in enumerate(node.outputs):
            where[t] = ("node", i, j)
    nodes = []
    for node in net.nodes:
        wiring = tuple(None if t is None else where[t] for t in node.inputs)
        nodes.append((node.op, wiring, tuple(t.type for t in node.outputs)))
    return {
        "inputs": [(name, t.type) for name, t in net.inputs.items()],
        "nodes": nodes,
        "outputs": [(name, where[t], t.type) for name, t in net.outputs.items()],
        "regions": list(getattr(net, "regions", [])),
    }


def differences(a: td.Network, b: td.Network) -> list[str]:
    """What differs between ``a`` and ``b`` (empty when they are structurally equal)."""
    sa, sb = structure(a), structure(b)
    found = []
    for key in ("inputs", "outputs", "regions"):
        if sa[key] != sb[key]:
            found.append(f"{key}: {sa[key]} != {sb[key]}")
    if len(sa["nodes"]) != len(sb["nodes"]):
        found.append(f"{len(sa['nodes'])} nodes != {len(sb['nodes'])} nodes")
    for i, (x, y) in enumerate(zip(sa["nodes"], sb["nodes"])):
        if x != y:
            found.append(f"node {i}: {a.nodes[i]} != {b.nodes[i]}\n    {x}\n    {y}")
            break
    return found


def assert_same_ir(a: td.Network, b: td.Network) -> None:
    found = differences(a, b)
    assert not found, (
        "networks differ:\n"
        + "\n".join(found)
        + "\n\n"
        + a.format(locations=False)
        + "\n\n"
        + b.format(locations=False)
    )
