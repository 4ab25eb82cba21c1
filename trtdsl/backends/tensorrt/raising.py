"""Raising a TensorRT ``INetworkDefinition`` to a trtdsl network.

Each layer is viewed as its class (by its LayerType) and read by the table entry of that LayerType
(:mod:`.lowering`): its parameters, inputs and outputs become one IR node, which the IR checks as it
checks the DSL's own layers. Constants that only carry parameters (Squeeze axes, ...) fold into the op
that reads them. With a real TensorRT this lets any network, e.g. one from ``trt.OnnxParser``, run on the
NumPy reference:

    net = raise_network(parsed_network)          # a td.Network
    net.run({"input": x})

A trtdsl network lowered and raised again is the same IR (same ops with the same parameters, wiring,
inputs and outputs); layer names come back without the ``(file:line)`` the lowering adds.
"""

from __future__ import annotations

import re
from typing import Any

from trtdsl.backends.tensorrt.api import TensorRT, import_tensorrt
from trtdsl.backends.tensorrt.lowering import RAISERS, RaiseContext, strip_location
from trtdsl.backends.tensorrt.lowering.context import SHAPE_OUTPUT_MARK
from trtdsl.errors import BackendError, DSLError
from trtdsl.ir.network import Network
from trtdsl.ir.node import Node
from trtdsl.shapes.rules import shape_input_names

_UNNAMED = re.compile(r"^\(Unnamed Layer\* \d+\)")


def raise_network(definition: Any, trt: Any = None, *, name: str | None = None) -> Network:
    """The trtdsl network equal to the TensorRT network ``definition`` (of module ``trt``: ``tensorrt`` by
    default, or the :mod:`.standin` it was written with).

    >>> import numpy as np, trtdsl as td
    >>> from trtdsl.backends.tensorrt import standin, lower
    >>> net = td.Network("demo")
    >>> x = net.input("x", td.float32, ("batch", 3))
    >>> net.output("y", td.squeeze(td.unsqueeze(td.relu(x), 0), 0))
    >>> trt = standin.module("10.16")
    >>> again = raise_network(lower(net, trt).network, trt)
    >>> print(again.format(locations=False))
    network "demo" {
      input %x : f32[batch,3]
      %relu_0 : f32[batch,3] = Activation[RELU](%x)
      %unsqueeze_0 : f32[1,batch,3] = Unsqueeze(%relu_0, axes=(0,))
      %y : f32[batch,3] = Squeeze(%unsqueeze_0, axes=(0,))
      output %y : f32[batch,3]
    }
    """
    api = TensorRT(trt if trt is not None else import_tensorrt())
    ir = Network(name if name is not None else definition.name)
    ctx = RaiseContext(api, definition, ir)
    for i in range(definition.num_inputs):
        itensor = definition.get_input(i)
        ctx.tensors[itensor] = ir.input(itensor.name, ctx.dtype(itensor.dtype), _input_shape(itensor))
    ctx.layers = [ctx.view(definition.get_layer(i)) for i in range(definition.num_layers)]
    for layer in ctx.layers:
        for i in range(layer.num_outputs):
            ctx.producers[layer.get_output(i)] = layer
        for i, itensor in enumerate(ctx.layer_inputs(layer)):
            if itensor is not None:
                ctx.consumers.setdefault(itensor, []).append((layer, i))
    _absorb_parameters(ctx)
    outputs = [_shape_output_source(ctx, definition.get_output(i)) for i in range(definition.num_outputs)]
    taken: set[str] = set()
    later: list[tuple[Node, int, Any]] = []
    for layer in ctx.layers:
        if id(layer) not in ctx.absorbed:
            _raise_layer(ctx, layer, taken, later)
    for node, index, itensor in later:
        ir.set_input(node, index, ctx.tensors[itensor])
    ir.shape_inputs.update(shape_input_names(ir))  # TensorRT infers them from their uses
    for i, source in enumerate(outputs):
        itensor = definition.get_output(i)
        tensor = ctx.tensors[source]
        if tensor.producer is not None and not any(t is tensor for t in ir.outputs.values()):
            tensor.user_named = False  # the output's own name replaces the layer's
        if itensor.is_shape_tensor:  # an output marked with mark_output_for_shapes
            ir.mark_output_for_shapes(itensor.name, tensor)
        else:
            ir.output(itensor.name, tensor)
    return ir


def _shape_output_source(ctx: RaiseContext, itensor: Any) -> Any:
    """The tensor a network output shows: the int64 tensor behind the int32 Cast the lowering puts in front
    of an int64 shape output (the Cast is absorbed), else the output itself."""
    cast = ctx.producers.get(itensor)
    if cast is None or cast.metadata != SHAPE_OUTPUT_MARK:
        return itensor
    ctx.absorb(cast)
    return cast.get_input(0)


def _input_shape(itensor: Any) -> tuple[int | str, ...]:
    """The input's shape for ``Network.input``: ints, and dim names for TensorRT's -1 dims."""
    dims: list[int | str] = []
    for axis, d in enumerate(itensor.shape):
        if d >= 0:
            dims.append(int(d))
            continue
        named = itensor.get_dimension_name(axis)
        dims.append(named if named and named.isidentifier() else re.sub(r"\W", "_", f"{itensor.name}_{axis}"))
    return tuple(dims)


def _absorb_parameters(ctx: RaiseContext) -> None:
    """The layers that only compute parameters of other layers (Squeeze's axes, a Slice's size tensor)
    or put an input in the form TensorRT needs (a Cast to float32) become part of the ops reading them:
    the helper layers the lowering marked, wherever they feed, and constants whose output feeds nothing
    but parameter inputs."""

    def is_parameter_use(user: Any, index: int) -> bool:
        return index in getattr(RAISERS.get(ctx.api.layer_type(user)), "param_inputs", ())

    def absorb(itensor: Any) -> None:
        source = ctx.producers.get(itensor)
        if source is None or id(source) in ctx.absorbed:
            return
        if ctx.is_helper(source):
            ctx.absorb(source)
            for t in ctx.layer_inputs(source):
                if t is not None:
                    absorb(t)
        elif (
            ctx.api.layer_type(source) == "CONSTANT"
            and not itensor.is_network_output
            and all(is_parameter_use(user, index) for user, index in ctx.consumers_of(itensor))
        ):
            ctx.absorb(source)

    for layer in ctx.layers:
        params = getattr(RAISERS.get(ctx.api.layer_type(layer)), "param_inputs", ())
        for index, itensor in enumerate(ctx.layer_inputs(layer)):
            source = ctx.producers.get(itensor)
            if itensor is not None and (index in params or (source is not None and ctx.is_helper(source))):
                absorb(itensor)


def _raise_layer(ctx: RaiseContext, layer: Any, taken: set[str], later: list[tuple[Node, int, Any]]) -> None:
    layer_type = ctx.api.layer_type(layer)
    entry = RAISERS.get(layer_type)
    if entry is None:
        raise BackendError(
            f"raise: layer {layer.name!r} is a TensorRT {layer_type} layer, which trtdsl has no op for"
        )
    try:
        raised = entry.raise_(ctx, layer)
    except DSLError:
        raise
    except Exception as exc:  # TensorRT's (or the stand-in's) own errors: name the layer being read
        raise BackendError(
            f"raise: reading layer {layer.name!r} ({layer_type}) failed: {type(exc).__name__}: {exc}"
        ) from exc
    itensors = (
        list(raised.outputs)
        if raised.outputs is not None
        else [layer.get_output(i) for i in range(layer.num_outputs)]
    )
    named_by = ctx.producers.get(itensors[0], layer) if itensors else layer
    stem = strip_location(named_by.name)
    name = None if _UNNAMED.match(stem) or stem in taken else stem
    try:
        outputs = ctx.ir.add(raised.op, raised.inputs, name=name)
    except DSLError as exc:
        raise BackendError(
            f"raise: layer {layer.name!r} ({layer_type}) is not a valid trtdsl "
            f"{raised.op.label()}: {exc.message}"
        ) from exc
    if name is not None:
        taken.add(name)
    if len(outputs) != len(itensors):
        raise BackendError(
            f"raise: layer {layer.name!r} has {len(itensors)} outputs but {raised.op.label()} has "
            f"{len(outputs)}"
        )
    for itensor, tensor in zip(itensors, outputs):
        ctx.tensors[itensor] = tensor
    node = outputs[0].producer if outputs else ctx.ir.nodes[-1]
    later.extend((node, index, itensor) for index, itensor in raised.later.items())
