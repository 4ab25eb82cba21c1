"""Writing a whole network as an ONNX model: choose the opset, run each layer's entry, name the values
after the IR's tensors, declare every tensor's type and shape, and check the result.

The layers written are those the outputs need, in the reference interpreter's order; loops and
conditionals become ONNX Loop and If nodes (:mod:`trtdsl.backends.onnx.regions`).
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Iterator

import attrs
import onnx
from onnx import helper

from trtdsl._files import atomic_write
from trtdsl._version import __version__
from trtdsl.backends.onnx.graph import GraphBuilder, NodeContext, add_value_info, type_opset
from trtdsl.backends.onnx.registry import EXPORTERS, MAX_OPSET, MIN_OPSET, Entry, RegionBoundary
from trtdsl.errors import ArgumentError, BackendError, shown
from trtdsl.ir.dims import Dim
from trtdsl.ir.network import Network
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor


@attrs.frozen(eq=False)
class Exported:
    """An exported model and, for each ONNX node name, the IR node it was written for."""

    model: onnx.ModelProto
    origin: dict[str, Node]

    @property
    def opset(self) -> int:
        return self.model.opset_import[0].version


def export(
    network: Network,
    path: str | os.PathLike[str] | None = None,
    *,
    opset: int | None = None,
    check: bool = False,
) -> onnx.ModelProto:
    """The network as an ``onnx.ModelProto`` (saved to ``path`` too when given).

    ``opset=None`` picks the lowest opset from 17 that expresses every layer and dtype of the network
    (17 unless e.g. int4 needs 21); an explicit opset may be anything from 17 to 25. Named dynamic dims
    become ``dim_param`` s. The model passes ``onnx.checker.check_model(model, full_check=True)``, which
    ``check=True`` runs (it costs about twice the export itself, so it is asked for; ``trtdsl export``
    runs it). Layers with no faithful ONNX form raise a BackendError naming the layer.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("demo")
    >>> x = net.input("x", td.float32, ("batch", 4))
    >>> net.output("y", td.sigmoid(x) + 1.0)
    >>> model = net.to_onnx()
    >>> model.opset_import[0].version, [n.op_type for n in model.graph.node]
    (17, ['Sigmoid', 'Add'])
    >>> model.graph.input[0].type.tensor_type.shape.dim[0].dim_param
    'batch'
    """
    result = exported(network, opset, check=check)
    model = onnx.ModelProto()
    model.CopyFrom(result.model)
    if path is not None:
        atomic_write(path, model.SerializeToString(), fn="to_onnx")
    return model


def exported(network: Network, opset: int | None = None, *, check: bool = True) -> Exported:
    """The export of ``network`` with its node origins, cached on the network until it changes."""
    if opset is not None and (isinstance(opset, bool) or not isinstance(opset, int)
                              or not MIN_OPSET <= opset <= MAX_OPSET):
        raise ArgumentError(
            f"to_onnx: argument 'opset' is {shown(opset)}; expected an int in [{MIN_OPSET}, {MAX_OPSET}] or "
            "None"
        )
    return network.derived(("onnx", opset, check), lambda: _export(network, opset, check))


def _export(network: Network, opset: int | None, check: bool) -> Exported:
    from trtdsl.backends.onnx.regions import emit_steps
    from trtdsl.reference.interpreter import plan

    if not network.outputs:
        raise BackendError(
            f"onnx export: network {network.name!r} has no outputs; mark some with net.output(name, tensor)"
        )
    the_plan = plan(network)
    steps = the_plan.steps if network.regions else the_plan.nodes
    if network.regions:
        _check_nesting(network, 1 + max(info.depth for info in the_plan.structure.info.values()))
    version = _choose_opset(network, list(_layers(steps)), opset)
    taken = set(network.inputs) | {t.name for n in network.nodes for t in n.outputs}
    symbols: dict[str, tuple[str, int]] = {}
    for t in network.inputs.values():
        for axis, d in enumerate(t.shape):
            if isinstance(d, Dim) and d.is_symbol:
                symbols.setdefault(d.args[0], (t.name, axis))
    builder = GraphBuilder(version, taken, symbols=symbols)
    names: dict[Any, str] = {t: t.name for t in network.inputs.values()}
    outputs = set(network.outputs.values())
    emit_steps(builder, steps, names, outputs)
    opsets = [helper.make_opsetid("", version)]
    opsets += [helper.make_opsetid(domain, 1) for domain in sorted(_domains(builder.nodes) - {""})]
    model = helper.make_model(
        onnx.GraphProto(),
        opset_imports=opsets,
        ir_version=helper.find_min_ir_version_for(opsets, ignore_unknown=True),
        producer_name="trtdsl",
        producer_version=__version__,
        doc_string=f"trtdsl network {network.name!r}",
    )
    # the graph written in place, as helper.make_graph writes it (without copying it into the model)
    graph = model.graph
    graph.node.extend(builder.nodes)
    graph.name = network.name
    for t in network.inputs.values():
        add_value_info(graph.input, t.name, t.type)
    for name, t in network.outputs.items():
        add_value_info(graph.output, name, t.type)
    used = _read_names(builder.nodes) | set(network.outputs)
    # a layer's export may write a constant that its final form does not read (onnxruntime warns of each)
    graph.initializer.extend(i for i in builder.initializers if i.name in used)
    for t in builder.bound:
        if t not in outputs:
            add_value_info(graph.value_info, t.name, t.type)
    if check:
        try:
            onnx.checker.check_model(model, full_check=True)
        except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
            raise BackendError(
                f"onnx export of network {network.name!r} failed the ONNX checker: {exc}"
            ) from exc
    return Exported(model, builder.origin)


# Each nested loop or conditional adds three protobuf message levels (Node -> Attribute -> Graph); protobuf
# parses at most 100 (its default recursion limit), which onnx's checker and helpers reach at 32 regions.
MAX_NESTING = 31


def _read_names(nodes: list[onnx.NodeProto]) -> set[str]:
    """The value names that ``nodes`` read, with their subgraphs' nodes and outputs (a loop body or a branch
    reads values of the graphs around it by name)."""
    read: set[str] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        read.update(node.input)
        for attribute in node.attribute:
            for g in [attribute.g] if attribute.type == onnx.AttributeProto.GRAPH else attribute.graphs:
                stack.extend(g.node)
                read.update(o.name for o in g.output)
    return read


def _check_nesting(network: Network, depth: int) -> None:
    if depth > MAX_NESTING:
        raise BackendError(
            f"onnx export: network {network.name!r} nests loops and conditionals {depth} deep; an ONNX model "
            f"holds at most {MAX_NESTING} nested subgraphs (protobuf's parser stops at 100 nested messages)"
        )


def _domains(nodes: Iterable[onnx.NodeProto]) -> set[str]:
    """The op domains used by ``nodes`` and their subgraphs."""
    found = set()
    for node in nodes:
        found.add(node.domain)
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                found |= _domains(attribute.g.node)
    return found


def _layers(steps: list[Any]) -> Iterator[Node]:
    """Every layer of a plan's steps, those of loops and conditionals (boundary layers included) too."""
    for step in steps:
        if isinstance(step, Node):
            yield step
        elif step.region.is_loop:
            yield from (it[4] for it in step.iterators)
            yield from (out.producer for out, _, _ in step.recurrences)
            yield from step.outputs
            yield from _layers(step.cond_steps + step.body_steps)
        else:
            for branch_steps, _ in step.branches.values():
                yield from _layers(branch_steps)


def _choose_opset(network: Network, nodes: list[Node], opset: int | None) -> int:
    needed, why, where = MIN_OPSET, "", None
    # of each dtype met, by its name, worked out once (every layer's tensors ask; a str hashes without a call)
    type_opsets: dict[str, int] = {}
    for node in nodes:
        entry = EXPORTERS.lookup(node)
        own = MIN_OPSET if isinstance(entry, RegionBoundary) else entry.min_opset(node.op)
        if own > needed:
            needed, why, where = own, f"{node.op.label()} (layer {node.name})", node.location
        for t in node.outputs + node.inputs:
            if t is None:
                continue
            dtype = t.type.dtype
            found = type_opsets.get(dtype.name)
            if found is None:
                found = type_opsets[dtype.name] = type_opset(dtype)
            if found > needed:
                needed, why, where = found, f"dtype {dtype.name} (layer {node.name})", node.location
    for t in network.inputs.values():
        if type_opset(t.dtype) > needed:
            needed, why, where = type_opset(t.dtype), f"dtype {t.dtype.name} (input {t.name!r})", None
    # the error names the line that made the layer needing the opset, where there is one
    if opset is None:
        if needed > MAX_OPSET:
            raise BackendError(
                f"onnx export: {why} needs ONNX opset {needed}; trtdsl writes opsets up to {MAX_OPSET}",
                location=where)
        return needed
    if opset < needed:
        raise BackendError(f"onnx export: {why} needs ONNX opset {needed} or later; got opset={opset}",
                           location=where)
    return opset


def emit_node(
    builder: GraphBuilder, node: Node, names: dict[Any, str], outputs: set[Tensor], *, bind: bool = True
) -> None:
    """Write one layer through its export entry. ``bind`` gives its outputs the IR tensors' names (else
    they keep fresh names: a layer written a second time, e.g. a WHILE condition on the next values)."""
    entry = EXPORTERS.lookup(node)
    assert isinstance(entry, Entry), f"{node.op.label()} is written by its region, not by an entry"
    ctx = NodeContext(builder, node, names, outputs)
    result = entry.emit(ctx, node.op)
    results = (result,) if isinstance(result, str) else tuple(result)
    if len(results) != len(node.outputs):
        raise BackendError(
            f"internal error: the ONNX export of {node.op.label()} gave {len(results)} values for "
            f"{len(node.outputs)} outputs"
        )
    if not bind:
        names.update(zip(node.outputs, results))
        return
    renamed: dict[str, str] = {}
    for value, tensor in zip(results, node.outputs):
        names[tensor] = _bind(ctx, renamed.get(value, value), tensor, renamed)
        builder.bound.append(tensor)


def _bind(ctx: NodeContext, value: str, tensor: Tensor, renamed: dict[str, str]) -> str:
    """Give ``value`` the IR tensor's name: rename it where this node's ONNX nodes made it, or add an
    Identity when it is not theirs (an input passed through) or already carries another tensor's name."""
    target = tensor.name
    if value == target:
        return target
    builder = ctx.builder
    last = builder.nodes[-1] if len(builder.nodes) > ctx.first_node else None
    if (last is not None and len(last.output) == 1 and last.output[0] == value
            and value not in renamed.values()):
        last.output[0] = target  # the common case: the only output of the last ONNX node, used by none
        renamed[value] = target
        return target
    new_nodes = builder.nodes[ctx.first_node :]
    made_here = value not in renamed.values() and any(value in n.output for n in new_nodes)
    if not made_here:
        value = ctx.emit("Identity", [value])
        new_nodes = builder.nodes[ctx.first_node :]
    for n in new_nodes:
        for field in (n.input, n.output):
            if value in field:  # one protobuf call, where walking the field is one per name
                for i, name in enumerate(field):
                    if name == value:
                        field[i] = target
    renamed[value] = target
    return target
