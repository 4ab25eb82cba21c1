"""What the TensorRT table's entries work with: the lowering context (IR node → layers) and the raise
context (layers → IR node).

Names: a layer made for IR node ``relu_0`` created at ``model.py:12`` is called ``relu_0 (model.py:12)``,
so TensorRT's messages point to the user's line; its output tensors are called after the IR's tensors.
Helper layers (a constant holding Squeeze's axes, the cast of a widened constant) are called
``relu_0.<role> (model.py:12)``. Raise strips the ``(file:line)`` part again.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.tensorrt.api import TensorRT
from trtdsl.dtypes import DType
from trtdsl.errors import BackendError, Location
from trtdsl.shapes.values import MAX_SHAPE_VOLUME, Value, value_of

if TYPE_CHECKING:
    from trtdsl.ir.network import Network
    from trtdsl.ir.region import Region
    from trtdsl.ir.node import Node
    from trtdsl.ir.tensor import Tensor

_LOCATION_SUFFIX = re.compile(r" \([^()]*:\d+\)$")
# The metadata of helper layers: layers that exist only to give an op a parameter or an input in the form
# TensorRT needs (a constant holding Squeeze's axes, a Cast to float32 in front of a layer).
HELPER_MARK = "trtdsl:helper"
# The metadata of the Cast that brings a layer computed in float32 back to the IR's 16-bit type; it is
# named after the IR node and its output is the node's output.
CAST_BACK_MARK = "trtdsl:cast-back"
# The metadata of the Cast to int32 in front of an int64 shape output (markOutputForShapes takes int32).
SHAPE_OUTPUT_MARK = "trtdsl:shape-output-cast"
# The metadata of a Resize layer given output dims for the IR's scales: the scales, to raise them back.
SCALES_MARK = "trtdsl:scales="


def layer_name(name: str, node: Node) -> str:
    """``name`` followed by the node's user line: ``relu_0 (model.py:12)``.

    >>> import trtdsl as td
    >>> net = td.Network("n")
    >>> y = td.relu(net.input("x", td.float32, (2,)))
    >>> layer_name("relu_0", y.producer).startswith("relu_0 (")
    True
    """
    return f"{name} ({node.location.short})" if node.location is not None else name


def strip_location(name: str) -> str:
    """A TensorRT layer name without the ``(file:line)`` trtdsl adds.

    >>> strip_location("relu_0 (model.py:12)"), strip_location("conv1")
    ('relu_0', 'conv1')
    """
    return _LOCATION_SUFFIX.sub("", name)


class LowerContext:
    """The state of one lowering: the TensorRT network being written and the IR tensor → ITensor map."""

    def __init__(self, api: TensorRT, network: Any, ir: Network) -> None:
        self.api = api
        self.trt = api.trt
        self.network = network
        self.ir = ir
        self.tensors: dict[Tensor, Any] = {}
        # Arrays that back Weights: TensorRT reads them when the engine is built, not when they are set.
        self.keepalive: list[np.ndarray] = []
        self.regions: dict[Region, Any] = {}  # ILoop / IIfConditional of each IR region
        # (layer, input index, IR tensor): inputs computed after their layer (recurrence back edges)
        self.back_edges: list[tuple[Any, int, Tensor]] = []
        self._consumers: dict[Tensor, list[tuple[Node, int]]] | None = None
        self._empty_weights: dict[str, Any] = {}  # by TensorRT dtype name (see empty_weights)
        # the " (file:line)" ending the names of the layers made for the nodes created at a Location, by
        # its id (every layer is named: a Location's hash is a Python call); the Location is kept with it,
        # so that the id stays its own
        self._suffixes: dict[int, tuple[Location, str]] = {}

    def layer_name(self, name: str, node: Node) -> str:
        """:func:`layer_name`, the user line's text worked out once per Location."""
        location = node.location
        if location is None:
            return name
        found = self._suffixes.get(id(location))
        if found is None:
            found = self._suffixes[id(location)] = (location, layer_name("", node))
        return name + found[1]

    def consumers(self, tensor: Tensor) -> list[tuple[Node, int]]:
        """The IR nodes reading ``tensor``, each with the input index it reads it at."""
        if self._consumers is None:
            self._consumers = {}
            for node in self.ir.nodes:
                for index, t in enumerate(node.inputs):
                    if t is not None:
                        self._consumers.setdefault(t, []).append((node, index))
        return self._consumers.get(tensor, [])

    def input(self, node: Node, index: int) -> Any:
        """The ITensor of the node's input ``index`` (None for an absent optional input)."""
        t = node.inputs[index]
        return None if t is None else self.tensors[t]

    def add(self, node: Node, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call ``INetworkDefinition.<method>`` for the node's main layer: the layer is named after the node
        and its outputs are the node's outputs, named after them."""
        layer = getattr(self.network, method)(*args, **kwargs)
        self.finish(node, layer)
        return layer

    def finish(self, node: Node, layer: Any) -> None:
        """Make ``layer`` the node's main layer (names and outputs), for layers made by other objects
        (loops, conditionals)."""
        layer.name = self.layer_name(node.name, node)
        outputs = node.outputs
        if len(outputs) == 1:  # most layers: without the loop
            out = layer.get_output(0)
            out.name = outputs[0].name
            self.tensors[outputs[0]] = out
            return
        for i, tensor in enumerate(outputs):
            out = layer.get_output(i)
            out.name = tensor.name
            self.tensors[tensor] = out

    def add_in_float32(self, node: Node, method: str, inputs: list[Any], *args: Any) -> Any:
        """``INetworkDefinition.<method>(*inputs, *args)`` computed in float32 for a node of a 16-bit float
        type: helper Casts to float32 in front of ``inputs`` (named ``<node>.<i>.float32``), the layer
        (named ``<node>.float32``), and a Cast back to the node's type that is the node's main layer
        (marked with ``CAST_BACK_MARK``). Returns the float32 layer, for its properties."""
        float32 = self.api.dtype(dtypes.float32)
        wide = [
            self.helper(node, f"{i}.float32", "add_cast", t, float32).get_output(0)
            for i, t in enumerate(inputs)
        ]
        layer = getattr(self.network, method)(*wide, *args)
        layer.name = self.layer_name(f"{node.name}.float32", node)
        layer.get_output(0).name = f"{node.name}.float32"
        back = self.add(node, "add_cast", layer.get_output(0), self.api.dtype(node.outputs[0].dtype))
        back.metadata = CAST_BACK_MARK
        return layer

    def helper(self, node: Node, role: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """A layer the node needs besides its main one, named ``<node>.<role>`` and marked as a helper in
        its metadata; its outputs are named ``<node>.<role>`` (``:<i>`` after the first)."""
        layer = getattr(self.network, method)(*args, **kwargs)
        layer.name = self.layer_name(f"{node.name}.{role}", node)
        layer.metadata = HELPER_MARK
        for i in range(layer.num_outputs):
            layer.get_output(i).name = f"{node.name}.{role}" + (f":{i}" if i else "")
        return layer

    def empty_weights(self, dtype: DType) -> Any:
        """Empty TensorRT Weights of ``dtype``, for the layers that take their weights as inputs: one object
        for the whole network (a layer keeps a copy of the Weights it is given)."""
        found = self._empty_weights.get(dtype.trt)
        if found is None:
            found = self._empty_weights[dtype.trt] = self.trt.Weights(self.api.dtype(dtype))
        return found

    def weights(self, array: np.ndarray) -> Any:
        weights, buffer = self.api.weights(array)
        self.keepalive.append(buffer)
        return weights

    def shape_constant(self, node: Node, role: str, values: Iterable[int], scalar: bool = False) -> Any:
        """A helper constant layer holding ``values`` as an int64 1-D (or 0-D) shape tensor."""
        array = np.asarray(list(values), np.int64)
        if scalar:
            array = array.reshape(())
        layer = self.helper(node, role, "add_constant", self.api.dims(array.shape), self.weights(array))
        return layer.get_output(0)

    def set_inputs(self, node: Node, layer: Any, start: int) -> None:
        """``layer.set_input(i, ...)`` for the node's inputs from ``start`` on that are present (the
        tensor forms of parameters: dynamic shapes, slice bounds, fill values)."""
        inputs = node.inputs
        for index in range(start, len(inputs)):
            tensor = inputs[index]
            if tensor is not None:
                layer.set_input(index, self.tensors[tensor])


class RaiseContext:
    """The state of one raise: the IR network being built and the ITensor → IR tensor map."""

    def __init__(self, api: TensorRT, network: Any, ir: Network) -> None:
        self.api = api
        self.trt = api.trt
        self.network = network
        self.ir = ir
        self.tensors: dict[Any, Tensor] = {}
        self.producers: dict[Any, Any] = {}
        self.consumers: dict[Any, list[tuple[Any, int]]] = {}
        self.absorbed: set[int] = set()
        self.layers: list[Any] = []
        self.regions: list[tuple[Any, Region]] = []  # (ILoop / IIfConditional, its IR region), in order

    def view(self, layer: Any) -> Any:
        """``layer`` (an ILayer from ``get_layer``) as an object of its own class."""
        kind = self.api.layer_type(layer)
        layer.__class__ = self.api.layer_class(kind)
        return layer

    def layer_inputs(self, layer: Any) -> list[Any]:
        return [layer.get_input(i) for i in range(layer.num_inputs)]

    def input(self, layer: Any, index: int) -> Tensor | None:
        """The IR tensor of the layer's input ``index`` (None when the input is absent)."""
        if index >= layer.num_inputs:
            return None
        itensor = layer.get_input(index)
        if itensor is None:
            return None
        if itensor not in self.tensors:
            raise BackendError(
                f"raise: input {index} of layer {layer.name!r} ({itensor.name!r}) is not produced by "
                "an earlier layer or a network input"
            )
        return self.tensors[itensor]

    def shape_value(self, layer: Any, index: int) -> tuple[Tensor, Value]:
        """The IR tensor of the layer's input ``index``, a shape tensor, and its values as the IR knows
        them (see :func:`trtdsl.shapes.values.value_of`)."""
        tensor = self.input(layer, index)
        values = None if tensor is None else value_of(tensor)
        if tensor is None or values is None:
            raise BackendError(
                f"raise: input {index} of layer {layer.name!r} is not a shape tensor (an integer tensor of "
                f"static rank 0 or 1 with at most {MAX_SHAPE_VOLUME} elements)"
            )
        return tensor, values

    def input_is_set(self, layer: Any, index: int) -> bool:
        return index < layer.num_inputs and layer.get_input(index) is not None

    def is_helper(self, layer: Any) -> bool:
        """Whether ``layer`` is a helper the lowering added for a parameter (see LowerContext.helper)."""
        return layer.metadata == HELPER_MARK

    def behind_helper(self, layer: Any, index: int) -> Tensor | None:
        """The IR tensor of input ``index``, seen through a one-input helper the lowering put in front of
        the layer (a Cast to float32, see LowerContext.add_in_float32; a Shuffle to 0-D)."""
        source = self.producer(layer, index) if self.input_is_set(layer, index) else None
        if source is not None and self.is_helper(source) and source.num_inputs == 1:
            return self.input(source, 0)
        return self.input(layer, index)

    def cast_back(self, layer: Any) -> Any:
        """The Cast the lowering added after ``layer`` to bring it back to a 16-bit type (marked with
        ``CAST_BACK_MARK``), absorbed into the op being raised; None when there is none."""
        out = layer.get_output(0)
        users = self.consumers_of(out)
        if len(users) != 1 or out.is_network_output or users[0][0].metadata != CAST_BACK_MARK:
            return None
        self.absorb(users[0][0])
        return users[0][0]

    def inputs(self, layer: Any, start: int = 0) -> list[Tensor | None]:
        return [self.input(layer, i) for i in range(start, layer.num_inputs)]

    def producer(self, layer: Any, index: int) -> Any:
        """The layer that computes input ``index`` of ``layer`` (None for a network input)."""
        return self.producers.get(layer.get_input(index))

    def constant(self, layer: Any, index: int, what: str) -> np.ndarray:
        """The values of input ``index`` of ``layer``, which must come from a constant layer (e.g. the axes
        of a Squeeze, a shape tensor)."""
        source = self.producer(layer, index) if index < layer.num_inputs else None
        if source is None or self.api.layer_type(source) != "CONSTANT":
            raise BackendError(
                f"raise: layer {layer.name!r} takes its {what} (input {index}) from a computed tensor; "
                f"trtdsl holds the {what} as a parameter of the op, read from a constant layer"
            )
        return self.weights_of(source)

    def weights_of(self, layer: Any) -> np.ndarray:
        """The values of an IConstantLayer, shaped as its output."""
        values = layer.weights
        if not isinstance(values, np.ndarray):
            raise BackendError(
                f"raise: constant layer {layer.name!r} holds {values.dtype.name} weights, which "
                "TensorRT's Python API cannot read back (Weights.numpy() supports only the types NumPy has)"
            )
        return values.reshape(tuple(layer.shape))

    def consumers_of(self, itensor: Any) -> list[tuple[Any, int]]:
        return self.consumers.get(itensor, [])

    def absorb(self, layer: Any) -> None:
        """Mark ``layer`` as part of an op being raised (it is not raised on its own)."""
        self.absorbed.add(id(layer))

    def dtype(self, trt_dtype: Any) -> dtypes.DType:
        return self.api.from_dtype(trt_dtype)
