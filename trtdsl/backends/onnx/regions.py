"""ONNX export of loops and if-conditionals: ONNX Loop and If nodes with their bodies as subgraphs.

Conditional: ``If(condition)`` whose then/else subgraphs compute the ConditionalOutputs' true/false
values; only the taken branch runs, in both. ConditionalInput layers are the outer values themselves
(subgraphs read outer values by name).

Loop: ``Loop(M, cond, recurrences' initial values...)``. M is the COUNT trip limit (absent without one).
TensorRT checks a WHILE condition before each iteration on the current recurrence values; ONNX reads
``cond`` before the first iteration and the body's ``cond_out`` before each next one. So the condition's
layers are written three times: outside the loop on the initial values (``cond``), at the start of the
body on the current values (for body layers that use them), and at its end on the next values
(``cond_out``). Iterators are Gathers at the iteration number (``M - 1 - i`` when reversed); recurrences
are loop-carried values; LAST_VALUE is a carried value's final value. CONCATENATE/REVERSE are scan
outputs stacked along a new dim 0 (reversed for REVERSE), zero-padded to the length input as in the
reference (REVERSE pads first), then moved to the output's axis.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import onnx
from onnx import helper

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import GraphBuilder, NodeContext, onnx_type, value_info
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import region_boundary
from trtdsl.conditionals.builder import If
from trtdsl.conditionals.ops import ConditionalInputLayer, ConditionalOutputLayer, ConditionLayer
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.gather import gather
from trtdsl.layers.shape import shape_of
from trtdsl.layers.shuffle import reshape
from trtdsl.loops.builder import Loop
from trtdsl.loops.ops import IteratorLayer, LoopOutputLayer, RecurrenceLayer, TripLimitLayer
from trtdsl.shapes.values import fold_constant

for _op_cls, _role in {
    TripLimitLayer: "the Loop's trip count M (COUNT) or its cond and cond_out (WHILE)",
    IteratorLayer: "a Gather at the Loop's iteration number",
    RecurrenceLayer: "a loop-carried value of the Loop",
    LoopOutputLayer: "a loop-carried final value (LAST_VALUE) or a scan output (CONCATENATE/REVERSE)",
    ConditionLayer: "the If's condition",
    ConditionalInputLayer: "the outer value itself, read by name in the If's branches",
    ConditionalOutputLayer: "an output of the If: the then/else subgraphs' outputs",
}.items():
    region_boundary(_op_cls, _role)

_I64 = dtypes.int64


def emit_steps(
    builder: GraphBuilder, steps: list[Any], names: dict[Any, str], outputs: set[Tensor], *, bind: bool = True
) -> None:
    """Write the steps of a reference plan (layers, loops, conditionals) into ``builder``'s graph."""
    from trtdsl.backends.onnx.export import emit_node

    for step in steps:
        if not isinstance(step, Node):
            (_loop if step.region.is_loop else _if)(builder, step, names, outputs)
        elif step.op.kind == "ConditionalInput":
            names[step.outputs[0]] = names[step.inputs[0]]
        else:
            emit_node(builder, step, names, outputs, bind=bind)


def _origin(step: Any) -> Node:
    """The IR layer an ONNX Loop/If node is reported as (its region's first boundary layer)."""
    nodes = [it[4] for it in step.iterators] + list(step.outputs) if step.region.is_loop else []
    nodes += [t.producer for t in getattr(step, "results", []) if t.producer is not None]
    return nodes[0]


def _identity(builder: GraphBuilder, value: str, stem: str, origin: Node) -> str:
    """A copy of ``value`` under a fresh name made in ``builder``'s graph (subgraph outputs must be)."""
    name = builder.fresh(stem)
    builder.add_node("Identity", [value], [name], origin)
    return name


def _graph(
    builder: GraphBuilder, name: str, inputs: list[onnx.ValueInfoProto], outputs: list[onnx.ValueInfoProto]
) -> onnx.GraphProto:
    return helper.make_graph(
        builder.nodes, name, inputs, outputs, value_info=[value_info(t.name, t.type) for t in builder.bound]
    )


def _if(builder: GraphBuilder, step: Any, names: dict[Any, str], outputs: set[Tensor]) -> None:
    origin = _origin(step)
    branches = {}
    for which in (True, False):
        sub = builder.child()
        scope = dict(names)
        steps, pairs = step.branches[which]
        emit_steps(sub, steps, scope, outputs)
        outs = [
            value_info(_identity(sub, scope[value], result.name, origin), result.type)
            for result, value in pairs
        ]
        branches[which] = _graph(sub, f"{step.region.name}_{'then' if which else 'else'}", [], outs)
    builder.add_node(
        "If",
        [names[step.condition]],
        [r.name for r in step.results],
        origin,
        name=builder.fresh(step.region.name),
        then_branch=branches[True],
        else_branch=branches[False],
    )
    for r in step.results:
        names[r] = r.name
        builder.bound.append(r)


def _loop(builder: GraphBuilder, step: Any, names: dict[Any, str], outputs: set[Tensor]) -> None:
    origin = _origin(step)
    ctx = _Emitter(builder, origin)
    count = None
    if step.count is not None:
        count = (
            names[step.count]
            if step.count.dtype is dtypes.int64
            else ctx.cast(names[step.count], dtypes.int64)
        )
    recurrences = step.recurrences
    cond = ""
    if step.condition is not None:
        initial = dict(names)
        initial.update({out: names[init] for out, init, _ in recurrences})
        emit_steps(builder, step.cond_steps, initial, outputs, bind=False)
        cond = initial[step.condition]

    body = builder.child()
    scope = dict(names)
    iteration, cond_in = body.fresh("iteration"), body.fresh("cond")
    inputs = [
        helper.make_tensor_value_info(iteration, onnx.TensorProto.INT64, []),
        helper.make_tensor_value_info(cond_in, onnx.TensorProto.BOOL, []),
    ]
    for out, _, _ in recurrences:
        scope[out] = out.name
        inputs.append(value_info(out.name, out.type))
    inner = _Emitter(body, origin)
    for out, src, axis, reverse, node in step.iterators:
        index = iteration
        if reverse:
            index = inner.emit("Sub", [inner.emit("Sub", [count, inner.const(1)]), iteration])
        body.add_node("Gather", [scope[src], index], [out.name], node, axis=axis)
        scope[out] = out.name
        body.bound.append(out)
    emit_steps(body, step.cond_steps, scope, outputs)
    emit_steps(body, step.body_steps, scope, outputs)
    if step.condition is not None:
        following = dict(scope)
        following.update({out: scope[nxt] for out, _, nxt in recurrences})
        emit_steps(body, step.cond_steps, following, outputs, bind=False)
        cond_out = following[step.condition]
    else:
        cond_out = cond_in
    body_outputs = [
        helper.make_tensor_value_info(
            _identity(body, cond_out, "cond_out", origin), onnx.TensorProto.BOOL, []
        )
    ]
    body_outputs += [
        value_info(_identity(body, scope[nxt], out.name, origin), out.type) for out, _, nxt in recurrences
    ]
    body_outputs += [_scan_info(_identity(body, scope[v], v.name, origin), v) for v in step.collected]
    finals = [builder.fresh(out.name) for out, _, _ in recurrences]
    scans = [builder.fresh(v.name) for v in step.collected]
    builder.add_node(
        "Loop",
        [count, cond] + [names[init] for _, init, _ in recurrences],
        finals + scans,
        origin,
        name=builder.fresh(step.region.name),
        body=_graph(body, f"{step.region.name}_body", inputs, body_outputs),
    )
    carried = {out: final for (out, _, _), final in zip(recurrences, finals)}
    stacked = iter(scans)
    for node in step.outputs:
        result = node.outputs[0]
        if node.op.loop_output.name == "LAST_VALUE":
            value = carried[node.inputs[0]]
        else:
            value = _stacked(_Emitter(builder, node), next(stacked), node, names)
        builder.add_node("Identity", [value], [result.name], node)
        names[result] = result.name
        builder.bound.append(result)


def _scan_info(name: str, value: Tensor) -> onnx.ValueInfoProto:
    """A scan output's declaration: the per-iteration value's type (ONNX stacks it)."""
    return value_info(name, value.type)


def _stacked(ctx: _Emitter, scan: str, node: Node, names: dict[Any, str]) -> str:
    """CONCATENATE/REVERSE: the scan output reversed for REVERSE, zero-padded to the length, its
    iteration dim moved to the output's axis."""
    op, value = node.op, node.input(0)
    assert isinstance(op, LoopOutputLayer)
    rank = value.type.rank + 1
    reverse = op.loop_output.name == "REVERSE"
    value_shape = NodeContext(ctx.builder, node, names, set()).shape_value(value.shape)
    if value_shape is not None:  # after no iteration onnxruntime cannot know a scan output's other dims
        dims = ctx.emit("Concat", [ctx.emit("Shape", [scan], end=1), value_shape], axis=0)
        scan = ctx.emit("Reshape", [scan, dims], allowzero=1)
    if reverse:
        scan = ctx.emit(
            "Slice", [scan, ctx.ints([-1]), ctx.ints([np.iinfo(np.int64).min]), ctx.ints([0]), ctx.ints([-1])]
        )
    length = ctx.emit("Reshape", [ctx.cast(names[node.inputs[1]], _I64), ctx.ints([1])])
    missing = ctx.emit("Sub", [length, ctx.emit("Shape", [scan], end=1)])
    zeros = ctx.ints([0] * (rank - 1))
    begins, ends = (
        ([missing, zeros], [ctx.ints([0]), zeros]) if reverse else ([ctx.ints([0]), zeros], [missing, zeros])
    )
    pads = ctx.emit("Concat", begins + ends, axis=0)
    padded = ctx.emit("Pad", [scan, pads, ctx.const(0, value.dtype)], mode="constant")
    perm = list(range(1, op.axis + 1)) + [0] + list(range(op.axis + 1, rank))
    return padded if op.axis == 0 else ctx.emit("Transpose", [padded], perm=perm)


class _Emitter:
    """Small helpers for the ONNX nodes a region writes around its Loop (attributed to ``origin``)."""

    def __init__(self, builder: GraphBuilder, origin: Node) -> None:
        self.builder = builder
        self.origin = origin

    def emit(self, op_type: str, inputs: Sequence[str | None], **attrs: Any) -> str:
        out = self.builder.fresh(self.origin.name)
        self.builder.add_node(op_type, inputs, [out], self.origin, **attrs)
        return out

    def const(self, value: Any, dtype: dtypes.DType = _I64) -> str:
        from onnx import numpy_helper

        name = self.builder.fresh(self.origin.name)
        self.builder.initializers.append(numpy_helper.from_array(np.asarray(value).astype(dtype.numpy), name))
        return name

    def ints(self, values: list[int]) -> str:
        return self.const(np.asarray(values, np.int64).reshape(-1))

    def cast(self, value: str, to: dtypes.DType) -> str:
        return self.emit("Cast", [value], to=onnx_type(to))


# -- import ---------------------------------------------------------------------------------------------


def _scalar(t: Tensor) -> Tensor:
    """A one-element condition or count as the 0-D tensor TensorRT's regions take."""
    return t if len(t.shape) == 0 else reshape(t, ())


@imports("If")
def _import_if(ctx: ImportContext) -> list[Tensor]:
    """An if-conditional with the branches' graphs as its branches (onnx-tensorrt
    ``DEFINE_BUILTIN_OP_IMPORTER(If)``, IIfConditional), whose outputs may differ in their dims (not in
    dtype or rank); a build-time constant condition imports only the branch it takes, as the parser
    does."""
    condition = _scalar(ctx.input(0))
    known = fold_constant(condition)
    then_graph, else_graph = ctx.attr("then_branch"), ctx.attr("else_branch")
    if known is not None:
        return ctx.subgraph("then_branch" if bool(known) else "else_branch", [])
    ctx.check(len(then_graph.output) == len(else_graph.output), "the branches have different output counts")
    with If(condition) as branch:  # dims may differ between the branches (an output of the same rank)
        with branch.then_():
            then_values = ctx.subgraph("then_branch", [])
        with branch.else_():
            else_values = ctx.subgraph("else_branch", [])
        outputs = [branch.output(a, b) for a, b in zip(then_values, else_values)]
    return outputs


@imports("Loop")
def _import_loop(ctx: ImportContext) -> list[Tensor]:
    """A loop (onnx-tensorrt ``DEFINE_BUILTIN_OP_IMPORTER(Loop)``, ILoop): the trip count ``M`` as its
    trip limit, the condition as a carried value read by ``while_``, the loop-carried values as carries
    (their last values are the node's first outputs) and the scan outputs collected along a new axis 0.
    The body's iteration number is an int64 carry counting from 0."""
    count = ctx.optional(0)
    initial_condition = ctx.optional(1)
    initial = [ctx.input(i) for i in range(2, ctx.num_inputs)]
    body = ctx.attr("body")
    ctx.check(len(body.input) == 2 + len(initial), f"the body has {len(body.input)} inputs; expected "
              f"{2 + len(initial)} (iteration number, condition, {len(initial)} loop-carried values)")
    ctx.check(len(body.output) >= 1 + len(initial), "the body has too few outputs")
    if initial_condition is not None:
        known = fold_constant(initial_condition)
        ctx.check(count is not None or known is None or bool(known.reshape(-1)[0]),
                  "the condition is constant false and no trip count is given")
    ctx.check(count is not None or len(body.output) == 1 + len(initial),
              f"the body has {len(body.output) - 1 - len(initial)} scan outputs but the Loop has no trip "
              "count M: TensorRT's loop output that stacks them needs its length when the network runs (give "
              "M, the most iterations)")
    trip_count = None if count is None else _scalar(count)
    with Loop(trip_count, network=ctx.network) as loop:
        iteration = loop.carry(ctx.constant(np.zeros((), np.int64)))
        carries = [loop.carry(v) for v in initial]
        condition = None if initial_condition is None else loop.carry(_scalar(initial_condition))
        if condition is not None:
            loop.while_(condition)
        given_condition = condition if condition is not None else ctx.constant(np.ones((), np.bool_))
        outputs = ctx.subgraph("body", [iteration, given_condition, *carries])
        next_condition, values, scans = outputs[0], outputs[1:1 + len(initial)], outputs[1 + len(initial):]
        iteration.update(iteration + ctx.constant(np.ones((), np.int64)))
        for carry, value in zip(carries, values):
            carry.update(value)
        if condition is not None:
            condition.update(_scalar(next_condition))
        finals = [loop.last(carry) for carry in carries]
        stacked = [loop.collect(scan) for scan in scans]
    return finals + stacked


@imports("Scan", since=9)
def _import_scan(ctx: ImportContext) -> list[Tensor]:
    """A loop (onnx-tensorrt ``DEFINE_BUILTIN_OP_IMPORTER(Scan)``, ILoop): a COUNT trip limit of the last
    scan input's length on its axis, the state variables as carries (their last values are the node's
    first outputs), the scan inputs as iterators on ``scan_input_axes`` (reversed where
    ``scan_input_directions`` is 1) and the scan outputs collected on ``scan_output_axes`` (REVERSE where
    ``scan_output_directions`` is 1). Scan-8 (a batch axis and sequence_lens) is not read."""
    n_scan = int(ctx.attr("num_scan_inputs"))
    inputs = ctx.inputs()
    ctx.check(0 < n_scan <= len(inputs), f"num_scan_inputs {n_scan} for {len(inputs)} inputs")
    states, scanned = inputs[:len(inputs) - n_scan], inputs[len(inputs) - n_scan:]
    n_out = ctx.num_outputs - len(states)
    in_axes = ctx.ints("scan_input_axes", [0] * n_scan) or []
    in_dirs = ctx.ints("scan_input_directions", [0] * n_scan) or []
    out_axes = ctx.ints("scan_output_axes", [0] * n_out) or []
    out_dirs = ctx.ints("scan_output_directions", [0] * n_out) or []
    ctx.check(len(in_axes) == len(in_dirs) == n_scan and len(out_axes) == len(out_dirs) == n_out,
              "the scan axes and directions must give one value per scan input and output")
    in_axes = [ctx.axis(a, len(x.shape)) for a, x in zip(in_axes, scanned)]
    last = scanned[-1]
    length = last.shape[in_axes[-1]]
    count = length if isinstance(length, int) else _scalar(
        gather(shape_of(last), ctx.constant(np.asarray(in_axes[-1], np.int64))))
    with Loop(count, network=ctx.network) as loop:
        carries = [loop.carry(v) for v in states]
        slices = [loop.iterate(x, axis, reverse=bool(d)) for x, axis, d in zip(scanned, in_axes, in_dirs)]
        outputs = ctx.subgraph("body", [*carries, *slices])
        ctx.check(len(outputs) == len(states) + n_out, f"the body has {len(outputs)} outputs; expected "
                  f"{len(states) + n_out}")
        for carry, value in zip(carries, outputs):
            carry.update(value)
        finals = [loop.last(carry) for carry in carries]
        stacked = [loop.collect(v, ctx.axis(axis, len(v.shape) + 1), reverse=bool(d))
                   for v, axis, d in zip(outputs[len(states):], out_axes, out_dirs)]
    return finals + stacked
