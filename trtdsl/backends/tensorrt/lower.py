"""Lowering a trtdsl network into a TensorRT ``INetworkDefinition``.

Every IR node becomes the layers its table entry writes (:mod:`.lowering`), in the IR's order. Shapes and
types come from the IR, never from TensorRT. Inputs are declared with -1 for named dynamic dims and
``ITensor.set_dimension_name`` so TensorRT knows which dims are equal; every layer and tensor is named
after the IR (see :mod:`.lowering.context`). An int64 shape output (``mark_output_for_shapes``) is cast
to int32 first, as ``markOutputForShapes`` takes only int32 tensors.
"""

from __future__ import annotations

from typing import Any

import attrs

from trtdsl import dtypes
from trtdsl.backends.tensorrt.api import TensorRT, import_tensorrt
from trtdsl.backends.tensorrt.lowering import LOWERINGS, LowerContext
from trtdsl.backends.tensorrt.lowering.context import SHAPE_OUTPUT_MARK
from trtdsl.errors import BackendError, DSLError
from trtdsl.ir.network import Network
from trtdsl.ir.tensor import Tensor


@attrs.frozen(eq=False)
class Lowered:
    """A network written into TensorRT: the ``INetworkDefinition``, the builder that owns it, the
    ITensor of every IR tensor, and the arrays backing its weights (alive until the engine is built)."""

    api: TensorRT
    builder: Any
    network: Any
    tensors: dict[Tensor, Any]
    keepalive: list[Any]


def lower(network: Network, trt: Any = None, *, builder: Any = None, logger: Any = None) -> Lowered:
    """Write ``network`` into a new strongly typed ``INetworkDefinition`` of ``trt`` (the ``tensorrt``
    module by default; a :mod:`.standin` module also works).

    >>> import numpy as np, trtdsl as td
    >>> from trtdsl.backends.tensorrt import standin
    >>> net = td.Network("demo")
    >>> x = net.input("x", td.float32, ("batch", 4))
    >>> net.output("y", td.relu(x, name="act"))
    >>> lowered = lower(net, standin.module("11.4"))
    >>> layer = lowered.network.get_layer(0)
    >>> layer.name.split(" ")[0], lowered.network.get_output(0).name
    ('act', 'y')
    >>> lowered.network.get_input(0).get_dimension_name(0)
    'batch'
    """
    if not network.outputs:
        raise BackendError(
            f"tensorrt: network {network.name!r} has no outputs; mark some with net.output(name, tensor)"
        )
    api = TensorRT(trt if trt is not None else import_tensorrt())
    if builder is None:
        from trtdsl.backends.tensorrt.build import LoggingLogger

        builder = api.trt.Builder(logger if logger is not None else LoggingLogger(api.trt))
    definition = api.create_network(builder)
    definition.name = network.name
    ctx = LowerContext(api, definition, network)
    for name, tensor in network.inputs.items():
        itensor = definition.add_input(name, api.dtype(tensor.dtype), api.dims(tensor.shape))
        for axis, dim in enumerate(tensor.shape):
            if not isinstance(dim, int):
                itensor.set_dimension_name(axis, str(dim))
        ctx.tensors[tensor] = itensor
    for node in network.nodes:
        entry = LOWERINGS.lookup(node)
        try:
            entry.lower(ctx, node, node.op)
        except DSLError:
            raise
        except Exception as exc:
            raise BackendError(
                f"tensorrt: lowering {node.op.label()} (layer {node.name}) failed: "
                f"{type(exc).__name__}: {exc}",
                location=node.location,
            ) from exc
    for layer, index, tensor in ctx.back_edges:
        layer.set_input(index, ctx.tensors[tensor])
    for name, tensor in network.outputs.items():
        if name not in network.shape_outputs:
            definition.mark_output(ctx.tensors[tensor])
        elif tensor.dtype is dtypes.int64:
            definition.mark_output_for_shapes(_int32_shape_output(api, definition, name, ctx.tensors[tensor]))
        else:
            definition.mark_output_for_shapes(ctx.tensors[tensor])
    return Lowered(api, builder, definition, ctx.tensors, ctx.keepalive)


def _int32_shape_output(api: TensorRT, definition: Any, name: str, itensor: Any) -> Any:
    """The int64 shape output ``name`` cast to int32: NvInfer.h's markOutputForShapes says "The tensor must
    be of type DataType::kINT32" (10.16 and 11.1 alike, and the Python docstring). The cast is exact for
    values below 2**31 (shape values are sizes); it is marked so that raise folds it away again, and it
    takes the output's name (the int64 tensor becomes ``<name>.int64``)."""
    cast = definition.add_cast(itensor, api.dtype(dtypes.int32))
    cast.name = f"{name}.int32"
    cast.metadata = SHAPE_OUTPUT_MARK
    itensor.name = f"{name}.int64"
    out = cast.get_output(0)
    out.name = name
    return out
