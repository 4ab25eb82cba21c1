"""ONNX import: an ONNX model as a trtdsl Network, read the way TensorRT's ONNX parser reads it.

``from_onnx(model)`` (``td.from_onnx``) takes an ``onnx.ModelProto``, a path (external data is read
from the model's folder) or the serialized bytes. The model is checked with ``onnx.checker`` first;
then each node is imported by its entry in the import table
(:mod:`trtdsl.backends.onnx.importing`), in the graph's order:

- ONNX value names become the network's tensor names; the graph's inputs and outputs keep theirs;
- a ``dim_param`` becomes a named dim; a dim with neither a value nor a name becomes a fresh named
  dim ``INPUT_dN``;
- initializers become constant layers (DOUBLE ones float32, as the parser converts them);
- each layer is named after its ONNX node, as the parser names the layers it builds (a node without a
  name is ``node_of_OUTPUT``; a name already taken gets a suffix ``_N``, see :class:`LayerNames`);
  a constant made for an initializer is named after the initializer;
- each layer's location is ``model.onnx: node NAME (OpType)``, where layers written in Python show
  ``file:line``;
- a node of another domain than ONNX's is a trtdsl plugin registered under its op type
  (``@td.plugin``, ``td.registry_plugin``), as the parser falls back to TensorRT's plugin registry.

Anything the parser would reject (an op or opset without an entry, an attribute value, a dtype, a
malformed or truncated file, a graph the checker rejects) raises a BackendError naming the node, the
op and what is supported; no network is returned half-imported.

>>> import numpy as np, onnx, trtdsl as td
>>> from onnx import helper, TensorProto
>>> graph = helper.make_graph(
...     [helper.make_node("Relu", ["x"], ["r"], name="act"), helper.make_node("Add", ["r", "b"], ["y"])],
...     "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2])],
...     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])],
...     [helper.make_tensor("b", TensorProto.FLOAT, [2], [1.0, 2.0])])
>>> net = td.from_onnx(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
>>> net.run({"x": np.array([[-1.0, 1.0]], np.float32)})["y"]
array([[1., 3.]], dtype=float32)
>>> str(net.nodes[0].location), [n.name for n in net.nodes]
('<ModelProto>: node act (Relu)', ['act', 'b', 'node_of_y_0', 'node_of_y'])
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import attrs
import numpy as np

from trtdsl._progress import counted
from trtdsl.backends.onnx.importing import ImportContext, element_dtype, find_entry, unsupported
from trtdsl.errors import (
    ArgumentError, BackendError, DSLError, Location, UnequalDimsError, bad_argument, check_name, shown,
)
from trtdsl.ir.dims import MAX_DIM, Dim
from trtdsl.ir.network import Network
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.shapes.rules import UndeclaredShapeInput

if TYPE_CHECKING:
    import onnx

_ONNX_DOMAINS = ("", "ai.onnx")


@attrs.frozen(str=False)
class NodeLocation(Location):
    """Where an imported layer comes from: the model and the ONNX node (shown as
    ``model.onnx: node NAME (OpType)``)."""

    node: str = ""
    op_type: str = ""

    def __str__(self) -> str:
        return f"{self.file}: node {self.node} ({self.op_type})"

    @property
    def short(self) -> str:
        return f"{os.path.basename(self.file)}: node {self.node} ({self.op_type})"


class LayerNames:
    """The names of an import's layers, made unique as TensorRT's ONNX parser makes them
    (onnx-tensorrt ``ImporterContext::registerLayer`` with ``getNodeName`` of ``importerUtils.cpp``, and
    ``generateUniqueName`` of ``weightUtils.cpp``): every layer built for a node is named after the node
    (``node_of_`` and the node's first output for a node without a name); a name already taken becomes
    ``NAME_N``, ``N`` one counter for the whole import, advanced on each name tried.

    The parser names the helper layers of its utility functions ``ONNXTRT_...`` and helper constants
    ``tmp_weight_N``, and advances the same counter on clashes of tensor names; here every layer of a node
    is named after the node, and the counter counts layer names only (ONNX names each value once).

    >>> import trtdsl as td
    >>> net = td.Network("n")
    >>> x = net.input("x", td.float32, (2,))
    >>> layers = [td.relu(x).producer for _ in range(4)]
    >>> names = LayerNames(net)
    >>> for layer, basename in zip(layers, ["conv", "conv", "conv", "conv_0"]):
    ...     names.name(layer, basename)
    >>> [layer.name for layer in layers]
    ['conv', 'conv_0', 'conv_1', 'conv_0_2']
    """

    def __init__(self, network: Network) -> None:
        self.network = network  # its user-named layers are the names taken (every imported layer is one)
        self.counter = 0

    def claim(self, basename: str) -> str:
        """``basename``, or ``basename_N`` with the next ``N`` that makes a name not taken."""
        candidate = basename
        while self._taken(candidate):
            candidate = f"{basename}_{self.counter}"
            self.counter += 1
        return candidate

    def _taken(self, name: str) -> bool:
        holder = self.network._node_names.get(name)
        return holder is not None and holder.user_named

    def name(self, layer: Node, basename: str) -> None:
        """Name ``layer`` after ``basename``, made unique."""
        self.network._rename_layer(layer, self.claim(_checked(basename)))


def node_name(node: onnx.NodeProto) -> str:
    """What TensorRT's parser calls ``node`` (onnx-tensorrt ``importerUtils.cpp``, ``getNodeName``): its
    name, or ``node_of_`` and its first output's name when it has none ("" with neither)."""
    if not node.name and node.output:
        return f"node_of_{node.output[0]}"
    return str(node.name)


def from_onnx(model: Any, *, name: str | None = None, freeze: Mapping[str, Any] | None = None,
              dims: Mapping[str, str | int] | None = None, check: bool = True) -> Network:
    """The network that TensorRT's ONNX parser builds for ``model`` (an ``onnx.ModelProto``, a path to a
    ``.onnx`` file, or its bytes). ``freeze`` gives values for some graph inputs, which become constants
    (as when a model is exported with them fixed). ``dims`` renames the dynamic dims of the graph inputs
    (their ``dim_param``, or ``INPUT_dI`` for a dim without one) or fixes their sizes: exporters name the
    dims of each input apart (``torch.onnx.export``'s ``dynamic_axes`` gives ``x_dynamic_axes_1`` and
    ``y_dynamic_axes_1``), and trtdsl refuses to add or concatenate values whose dims only may agree, so
    ``dims={"y_dynamic_axes_1": "x_dynamic_axes_1"}`` says they are one dim, ``dims={"x_d0": 1}`` that it
    is 1. ``check=False`` skips ``onnx.checker``. A graph input that a shape is computed from (a Reshape's
    target, a Slice's bounds) is a shape-tensor input, as TensorRT's builder makes it one: the graph is
    read again with it declared so."""
    import onnx

    if not isinstance(check, (bool, np.bool_)):
        raise bad_argument("from_onnx", "check", check, "a bool")
    proto, label, folder = _load(model)
    if name is not None:
        check_name("from_onnx", name)
    frozen = _check_freeze(freeze)
    if check:
        try:
            onnx.checker.check_model(proto)
        except (onnx.checker.ValidationError, ValueError) as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise BackendError(f"from_onnx: {label} fails onnx's checker: {first}") from None
    opsets = {("" if o.domain in _ONNX_DOMAINS else o.domain): int(o.version) for o in proto.opset_import}
    graph = proto.graph
    known_inputs = {i.name for i in graph.initializer}
    unknown = sorted(set(frozen) - {i.name for i in graph.input if i.name not in known_inputs})
    if unknown:
        raise bad_argument("from_onnx", "freeze", unknown,
                           f"names of graph inputs ({sorted(i.name for i in graph.input)})")
    renamed = _check_dims(dims, [v for v in graph.input if v.name not in known_inputs])
    shape_inputs: set[str] = set()
    while True:  # TensorRT makes an input a shape-tensor input where a shape is computed from it
        network = Network(name if name is not None else _network_name(graph.name))
        reader = _GraphReader(network, label, opsets, folder, None, LayerNames(network))
        reader.output_names = {v.name for v in graph.output}
        reader.dims = renamed
        for value in graph.input:
            if value.name in known_inputs:
                continue
            if value.name in frozen:
                reader.freeze(value, frozen[value.name])
            else:
                reader.declare_input(value, value.name in shape_inputs)
        reader.add_initializers(graph.initializer)
        with warnings.catch_warnings(record=True) as warned:  # shown once, from the read that completes
            warnings.simplefilter("always")
            try:
                reader.read_nodes(graph.node, progress=f"import {label}" if not shape_inputs else None)
            except UndeclaredShapeInput as e:
                if set(e.input_names) <= shape_inputs:  # declared, and still refused: not for want of that
                    raise BackendError(f"from_onnx: {label}: {e.message}", location=e.location) from None
                shape_inputs.update(e.input_names)
                continue
        break
    for w in warned:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for value in graph.output:
        reader.output(value)
    return network


def _network_name(graph_name: str) -> str:
    cleaned = "".join(c if c.isprintable() else "_" for c in graph_name)
    return cleaned or "onnx"


def _check_freeze(freeze: Any) -> dict[str, np.ndarray]:
    if freeze is None:
        return {}
    if not isinstance(freeze, Mapping) or not all(isinstance(k, str) for k in freeze):
        raise bad_argument("from_onnx", "freeze", freeze, "a mapping of graph input names to arrays")
    result = {}
    for k, v in freeze.items():
        try:
            result[k] = np.asarray(v)
        except (ValueError, TypeError):
            raise bad_argument("from_onnx", f"freeze[{k!r}]", v, "an array") from None
        if result[k].dtype == object:
            raise bad_argument("from_onnx", f"freeze[{k!r}]", v, "an array of numbers")
    return result


def _check_dims(dims: Any, inputs: Sequence[onnx.ValueInfoProto]) -> dict[str, str | int]:
    """``from_onnx``'s ``dims``: names of the inputs' dynamic dims, each to a dim name or a size."""
    if dims is None:
        return {}
    names = sorted({d for value in inputs for d in _dim_names(value) if isinstance(d, str)})
    if not isinstance(dims, Mapping) or not all(isinstance(k, str) for k in dims):
        raise bad_argument("from_onnx", "dims", dims, f"a mapping of dim names ({', '.join(names)}) to dim "
                                                      "names or sizes")
    for key, value in dims.items():
        if key not in names:
            raise bad_argument("from_onnx", "dims", key, f"names of the graph inputs' dynamic dims "
                                                         f"({', '.join(names) or 'none'})")
        named = isinstance(value, str) and value.isidentifier()
        sized = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value <= MAX_DIM
        if not (named or sized):
            raise bad_argument("from_onnx", f"dims[{key!r}]", value,
                               f"a dim name (an identifier) or a size in [0, {MAX_DIM}]")
    resolved: dict[str, str | int] = {}
    for key in dims:  # to the last of a chain (y_d -> x_d -> 4): every dim of it is one
        target, seen = dims[key], {key}
        while isinstance(target, str) and target in dims:
            if target in seen:
                raise bad_argument("from_onnx", "dims", dict(dims), "renames without a cycle")
            seen.add(target)
            target = dims[target]
        resolved[key] = target if isinstance(target, str) else int(target)
    return resolved


def _dim_names(value: onnx.ValueInfoProto) -> list[str | int]:
    """Each dim of the graph input ``value``: its size, or its name (its ``dim_param``, else
    ``INPUT_dI``)."""
    found: list[str | int] = []
    for i, d in enumerate(value.type.tensor_type.shape.dim):
        if d.HasField("dim_value"):
            found.append(int(d.dim_value))
        elif d.HasField("dim_param") and d.dim_param.isidentifier():
            found.append(d.dim_param)
        else:
            found.append(f"{_identifier(value.name)}_d{i}")
    return found


def _load(model: Any) -> tuple[onnx.ModelProto, str, str | None]:
    """The model, the label its locations show, and the folder its external data is in."""
    import onnx

    if isinstance(model, onnx.ModelProto):
        return model, "<ModelProto>", None
    if isinstance(model, (bytes, bytearray, memoryview)):
        proto = onnx.ModelProto()
        try:
            proto.ParseFromString(bytes(model))
        except Exception as e:  # noqa: BLE001  (protobuf's DecodeError, of a module without type stubs)
            raise BackendError(f"from_onnx: the bytes given are not an ONNX model (malformed or truncated): "
                               f"{e}") from None
        return proto, "<bytes>", None
    if not isinstance(model, (str, os.PathLike)):
        raise bad_argument("from_onnx", "model", model,
                           "an onnx.ModelProto, a path to a .onnx file, or bytes")
    path = os.fspath(model)
    if not isinstance(path, str) or not os.path.isfile(path):
        raise ArgumentError(f"from_onnx: argument 'model' is {shown(model)}; expected a path to an existing "
                            ".onnx file")
    try:
        proto = onnx.load(path, load_external_data=False)
        folder = os.path.dirname(os.path.abspath(path))
        onnx.external_data_helper.load_external_data_for_model(proto, folder)
    except OSError as e:
        raise BackendError(f"from_onnx: {path}: its external data could not be read: {e}") from None
    except Exception as e:  # noqa: BLE001  (protobuf's DecodeError, of a module without type stubs)
        raise BackendError(f"from_onnx: {path} is not an ONNX model (malformed or truncated): {e}") from None
    return proto, path, folder


class _GraphReader:
    """Imports one graph (the model's, or a Loop/If body) into the network: the ONNX values by name,
    with a parent graph's for the outer-scope names of a body."""

    def __init__(self, network: Network, label: str, opsets: dict[str, int], folder: str | None,
                 parent: _GraphReader | None, names: LayerNames) -> None:
        self.network = network
        self.names = names
        self.label = label
        self.opsets = opsets
        self.folder = folder
        self.parent = parent
        self.values: dict[str, Tensor] = {}
        self.initializers: dict[str, Any] = {}
        self.output_names: set[str] = set()  # named by net.output, which renames a layer's tensor
        self.dims: Mapping[str, str | int] = {}  # from_onnx's renaming of the graph inputs' dims

    def value(self, name: str) -> Tensor:
        reader: _GraphReader | None = self
        while reader is not None:
            if name in reader.values:
                return reader.values[name]
            if name in reader.initializers:
                # made here, in the region being defined when this is a body: a constant of an outer
                # graph made inside a region could not be used outside it
                tensor = self.constant_initializer(reader.initializers[name])
                if reader is self:
                    del self.initializers[name]
                self.values[name] = tensor
                return tensor
            reader = reader.parent
        raise BackendError(f"from_onnx: {self.label}: value {name!r} is read but nothing before defines it: "
                           "no graph input, initializer or earlier node output has that name (an initializer "
                           "left out, or nodes out of topological order)")

    def initializer_value(self, name: str) -> np.ndarray | None:
        """The value of initializer ``name`` (of this graph or an outer one) not yet made a layer."""
        reader: _GraphReader | None = self
        while reader is not None:
            if name in reader.values:
                return None
            proto = reader.initializers.get(name)
            if proto is not None:
                dtype = element_dtype(proto.data_type, f"{self.label}: initializer {name!r}")
                return _as_dtype(self._array(proto), dtype)
            reader = reader.parent
        return None

    def _array(self, proto: onnx.TensorProto) -> np.ndarray:
        from onnx import numpy_helper

        try:
            return numpy_helper.to_array(proto, base_dir=self.folder or "")
        except (OSError, ValueError) as e:
            raise BackendError(f"from_onnx: {self.label}: initializer {proto.name!r} could not be read: "
                               f"{e}") from None

    def constant_initializer(self, proto: onnx.TensorProto) -> Tensor:
        name = proto.name
        dtype = element_dtype(proto.data_type, f"{self.label}: initializer {name!r}")
        array = self._array(proto)
        return self._named_constant(_as_dtype(array, dtype), dtype, name, self.parent is None)

    def _named_constant(self, array: np.ndarray, dtype: Any, name: str, name_tensor: bool) -> Tensor:
        """A constant layer named after ``name`` (made unique, as the parser names an initializer's
        constant layer after its weights: ``importerUtils.cpp``, ``convertToTensor``), its tensor named
        ``name`` if ``name_tensor`` (a body's constants keep fresh tensor names: a body may have an
        initializer of the name of an outer graph's)."""
        tensor = self.network.constant(array, dtype)
        assert tensor.producer is not None
        self.names.name(tensor.producer, name)
        if name_tensor:
            self.network._rename_output(tensor, _checked(name))
        return tensor

    def add_initializers(self, initializers: Sequence[onnx.TensorProto]) -> None:
        for proto in initializers:
            self.initializers[proto.name] = proto

    def declare_input(self, value: onnx.ValueInfoProto, shape_tensor: bool = False) -> None:
        dtype, shape = self._type_of(value, "graph input")
        self.values[value.name] = self.network.input(_checked(value.name), dtype, shape,
                                                     shape_tensor=shape_tensor)

    def freeze(self, value: onnx.ValueInfoProto, array: np.ndarray) -> None:
        dtype, shape = self._type_of(value, "graph input")
        if len(shape) != array.ndim or any(isinstance(d, int) and d != n for d, n in zip(shape, array.shape)):
            raise bad_argument("from_onnx", f"freeze[{value.name!r}]", array,
                               f"an array of the input's shape {tuple(shape)}")
        self.values[value.name] = self._named_constant(_as_dtype(array, dtype), dtype, value.name, True)

    def _unequal_dims(self, ctx: ImportContext, error: UnequalDimsError) -> BackendError:
        """``error`` as the node's, saying how ``from_onnx``'s ``dims`` makes the two dims one where both
        are graph inputs' dims (exporters name each input's dims apart)."""
        wrapped = ctx.wrap(error)
        declared = {str(d) for t in self.network.inputs.values() for d in t.shape if isinstance(d, Dim)}
        names = [str(d) for d in error.dims]
        if len(names) != 2 or not set(names) <= declared:
            return wrapped
        return BackendError(f"{wrapped.message}; where they are one dim, from_onnx(..., "
                            f"dims={{{names[1]!r}: {names[0]!r}}}) says so", location=wrapped.location)

    def _type_of(self, value: onnx.ValueInfoProto, what: str) -> tuple[Any, list[Any]]:
        ty = value.type
        if not ty.HasField("tensor_type"):
            raise BackendError(f"from_onnx: {self.label}: {what} {value.name!r} is not a tensor (it is "
                               f"{ty.WhichOneof('value')}); TensorRT's inputs are tensors")
        dtype = element_dtype(ty.tensor_type.elem_type, f"{self.label}: {what} {value.name!r}")
        if not ty.tensor_type.HasField("shape"):
            raise BackendError(f"from_onnx: {self.label}: {what} {value.name!r} has no shape; TensorRT needs "
                               "each input's rank")
        return dtype, [self.dims.get(d, d) if isinstance(d, str) else d for d in _dim_names(value)]

    def read_nodes(self, nodes: Sequence[onnx.NodeProto], *, progress: str | None = None) -> None:
        """Read ``nodes`` in order; with ``progress`` (the top-level graph), counting them on a terminal
        (a large model takes seconds)."""
        listed = enumerate(nodes) if progress is None else counted(list(enumerate(nodes)), progress, "nodes")
        for index, node in listed:
            self.read_node(index, node)

    def read_node(self, index: int, node: onnx.NodeProto) -> None:
        basename = node_name(node)
        shown_name = basename or f"#{index}"
        where = f"{self.label}: node {shown_name} ({node.op_type})"
        domain = "" if node.domain in _ONNX_DOMAINS else node.domain
        opset = self.opsets.get(domain, 1)
        first = len(self.network.nodes)
        entry = find_entry(domain, node.op_type, opset)
        ctx = ImportContext(node, opset, self.value, self.network, where, self._subgraph,
                            self.initializer_value)
        outputs: list[Tensor | None]
        if entry is None:
            if domain:
                outputs = self._plugin(ctx)
            else:
                raise BackendError(f"from_onnx: {where}: {unsupported(domain, node.op_type, opset)}")
        else:
            try:
                result = entry.fn(ctx)
            except UndeclaredShapeInput:
                raise  # from_onnx declares the input a shape-tensor input and reads the graph again
            except BackendError as e:
                if e.message.startswith(self.label) or e.message.startswith("from_onnx"):
                    raise
                raise ctx.wrap(e) from None
            except UnequalDimsError as e:
                raise self._unequal_dims(ctx, e) from None
            except DSLError as e:
                raise ctx.wrap(e) from None
            unread = ctx.unread()
            if unread:
                raise ctx.refuse(f"attribute {unread[0]} is not supported by the importer (TensorRT's "
                                 "parser)")
            outputs = [result] if isinstance(result, Tensor) else list(result)
        self._bind_outputs(ctx, outputs, first)
        location = NodeLocation(self.label, 0, shown_name, node.op_type)
        created = self.network.nodes[first:]
        for layer in created:
            if not isinstance(layer.location, NodeLocation):  # a body's layers keep their own node
                layer.location = location
        if basename:
            for layer in _naming_order(created, outputs):
                if not layer.user_named:  # named already: a body's layers, initializers' constants
                    self.names.name(layer, basename)

    def _plugin(self, ctx: ImportContext) -> list[Tensor | None]:
        from trtdsl.backends.onnx.plugins import import_plugin

        return list(import_plugin(ctx))

    def _bind_outputs(self, ctx: ImportContext, outputs: list[Tensor | None], first: int) -> None:
        names = list(ctx.node.output)
        if len(outputs) < len([n for n in names if n]):
            raise ctx.refuse(f"the node has {len(names)} outputs; the importer makes {len(outputs)}")
        created = {id(n) for n in self.network.nodes[first:]}
        for onnx_name, tensor in zip(names, outputs):
            if not onnx_name:
                continue
            if tensor is None:
                raise ctx.refuse(f"output {onnx_name!r} is not supported by the importer")
            fresh = tensor.producer is not None and id(tensor.producer) in created and not tensor.user_named
            if fresh and onnx_name not in self.output_names:
                self.network._rename_output(tensor, _checked(onnx_name))
            self.values[onnx_name] = tensor

    def output(self, value: onnx.ValueInfoProto) -> None:
        self.network.output(_checked(value.name), self.value(value.name))

    def _subgraph(self, graph: onnx.GraphProto, inputs: list[Tensor], where: str) -> list[Tensor]:
        """Import body ``graph`` with ``inputs`` bound to its inputs; its outputs."""
        reader = _GraphReader(self.network, self.label, self.opsets, self.folder, self, self.names)
        if len(inputs) != len(graph.input):
            raise BackendError(f"from_onnx: {where}: body {graph.name!r} has {len(graph.input)} inputs; "
                               f"expected {len(inputs)}")
        for value, tensor in zip(graph.input, inputs):
            reader.values[value.name] = tensor
        reader.add_initializers(graph.initializer)
        reader.read_nodes(graph.node)
        return [reader.value(v.name) for v in graph.output]


def _naming_order(created: list[Node], outputs: list[Tensor | None]) -> list[Node]:
    """The layers built for a node in the order they take its name: those making its outputs first
    (the parser names its helper layers, e.g. a broadcast's reshape, ``ONNXTRT_...``, so the node's
    name goes to the layer that computes the node), then the others as they were built."""
    ids = {id(layer) for layer in created}
    first = [t.producer for t in outputs if t is not None and t.producer is not None and id(t.producer) in ids]
    return list({id(layer): layer for layer in [*first, *created]}.values())


def _identifier(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"v{cleaned}"


def _checked(name: str) -> str:
    """An ONNX name as a trtdsl name; a BackendError if it cannot be one (unprintable characters)."""
    try:
        check_name("from_onnx", name)
    except DSLError as e:
        raise BackendError(f"from_onnx: ONNX name {shown(name)} cannot name a tensor: {e.message}") from None
    return name


def _as_dtype(array: np.ndarray, dtype: Any) -> np.ndarray:
    if array.dtype == np.float64:
        return array.astype(np.float32)
    return array
