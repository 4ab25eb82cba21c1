"""TensorRT lowering of plugin layers (PluginV3): the plugin is created from TensorRT's plugin registry,
with the attributes as plugin fields, and added with ``add_plugin_v3`` (LayerType PLUGIN_V3), or with
``add_plugin_v2`` (PLUGIN_V2) where the registry's creator of a ``@td.registry_plugin`` is a legacy
``IPluginCreator``; the raise reads the fields back. Registering trtdsl plugins with ``tensorrt.plugin``
is in :mod:`trtdsl.backends.tensorrt.plugins`.

A PLUGIN_V2 layer (``IPluginV2Layer``, from ``add_plugin_v2``, as TensorRT's ONNX parser writes a
plugin whose creator is an ``IPluginCreator``) raises to the same op when trtdsl has a definition of its
plugin (``plugin_type``, ``plugin_version``, ``plugin_namespace``) and that plugin has no attributes:
an ``IPluginV2`` keeps its field values only in its own ``serialize()`` format (NvInfer.h
``IPluginV2::serialize``; the Python API has no field read-back for it), so the raise of one with
attributes is a BackendError naming the layer and the plugin. LayerType PLUGIN (the IPluginExt layer of
TensorRT 7 and older) has no class and no ``add_*`` method in TensorRT 10 or 11 (NvInfer.h 11.1 keeps
only ``LayerType::kPLUGIN``): no network of theirs holds one, and trtdsl neither writes nor reads it."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.backends.tensorrt.plugins import ensure_registered
from trtdsl.errors import ArgumentError, BackendError
from trtdsl.plugins.attributes import AttrType
from trtdsl.plugins.definition import PluginDefinition, PluginV3, definition_of, lookup

_FIELD_TYPES = {
    "int8": "INT8",
    "int16": "INT16",
    "int32": "INT32",
    "int64": "INT64",
    "float16": "FLOAT16",
    "float32": "FLOAT32",
    "float64": "FLOAT64",
}


# -- plugin fields ----------------------------------------------------------------------------------------
def field_type(definition: PluginDefinition, kind: AttrType) -> str:
    """The PluginFieldType member of an attribute: what ``tensorrt.plugin`` uses for its own attribute types
    (INT64 / FLOAT64 / INT8 for bools / CHAR), and for registry plugins INT32 / FLOAT32 (as TensorRT's ONNX
    parser sends them) unless a NumPy type says otherwise.

    >>> import trtdsl as td
    >>> @td.plugin("doc::typed")
    ... class Typed:
    ...     count: int = 1
    ...     sizes: tuple[np.int32, ...] = ()
    ...     def shape(self, x):
    ...         return x
    ...     def reference(self, x):
    ...         return x.copy()
    >>> definition = definition_of(Typed)
    >>> [field_type(definition, t) for t in definition.attributes.values()]
    ['INT64', 'INT32']
    >>> field_data(definition, "count", 3)
    (array([3]), 'INT64')
    """
    if kind.python is str:
        return "CHAR"
    if kind.numpy is not None:
        return _FIELD_TYPES[kind.numpy.name]
    if definition.registry:
        return "FLOAT32" if kind.python is float else "INT32"
    return {int: "INT64", float: "FLOAT64", bool: "INT8"}[kind.python]


def field_data(definition: PluginDefinition, name: str, value: Any) -> tuple[Any, str]:
    """The buffer of one plugin field and its PluginFieldType member (``tensorrt.plugin`` reads float16
    arrays from untyped bytes)."""
    kind = definition.attributes[name]
    if kind.python is str:
        return value.encode(), "CHAR"
    if kind.numpy is not None:
        dtype = kind.numpy
    elif definition.registry:
        dtype = np.dtype(np.float32 if kind.python is float else np.int32)
    else:
        dtype = np.dtype({int: np.int64, float: np.float64, bool: np.bool_}[kind.python])
    array = np.ascontiguousarray(np.asarray(value if kind.array else [value], dtype=dtype))
    if dtype == np.float16 and not definition.registry:
        return array.tobytes(), "UNKNOWN"
    return array, field_type(definition, kind)


def fields(
    trt: Any, definition: PluginDefinition, values: Sequence[tuple[str, Any]]
) -> tuple[Any, list[Any]]:
    """The ``PluginFieldCollection_`` of attribute values (what plugin creators take), and the objects it
    points into (keep them alive until the plugin is created).

    >>> import trtdsl as td
    >>> from trtdsl.backends.tensorrt import standin
    >>> from trtdsl.backends.tensorrt.standin_plugins import install     # the stand-in's plugin API
    >>> @td.registry_plugin("DocFields_TRT")
    ... class DocFields:
    ...     eps: np.float32 = 1e-3
    ...     label: str = "a"
    ...     def shape(self, x):
    ...         return x
    ...     def reference(self, x):
    ...         return x.copy()
    >>> definition = definition_of(DocFields)
    >>> trt = install(standin.module("11.4"))
    >>> collection, keep = fields(trt, definition, [("eps", 0.5), ("label", "b")])
    >>> [(collection[i].name, collection[i].type.name) for i in range(len(collection))]
    [('eps', 'FLOAT32'), ('label', 'CHAR')]
    >>> values_from_fields(definition, collection)
    {'eps': 0.5, 'label': 'b'}
    """
    collection = trt.PluginFieldCollection()
    buffers: list[Any] = [collection]
    for name, value in values:
        data, kind = field_data(definition, name, value)
        field = trt.PluginField(name, data, getattr(trt.PluginFieldType, kind))
        collection.append(field)
        buffers += [data, field]
    return trt.PluginFieldCollection_(collection), buffers


def values_from_fields(definition: PluginDefinition, collection: Any) -> dict[str, Any]:
    """Attribute values read back from plugin fields (``PluginField`` objects: name, data, type), as
    :func:`fields` wrote them (its example reads them back); fields of other names are left out."""
    values = {}
    for i in range(len(collection)):
        field = collection[i]
        kind = definition.attributes.get(field.name)
        if kind is None:
            continue
        data = np.asarray(field.data)
        if kind.python is str:
            values[field.name] = data.tobytes().decode().rstrip("\0")
            continue
        if field.type.name == "UNKNOWN":
            data = np.frombuffer(data.tobytes(), kind.numpy if kind.numpy is not None else np.float16)
        items = data.reshape(-1).tolist()
        values[field.name] = items if kind.array else kind.python(items[0])
    return values


# -- lowering and raise --------------------------------------------------------------------------------------
def lower_plugin(ctx: Any, node: Any, op: PluginV3) -> None:
    """Add the plugin layer of IR node ``node`` (whose op is ``op``) to ``ctx.network``."""
    definition = op.definition
    trt = ctx.trt
    if not hasattr(trt, "get_plugin_registry"):  # the stand-in's plugin API is installed apart
        raise BackendError(
            f"tensorrt: plugin {definition.label} needs the module's plugin registry, which this one lacks; "
            "for the TensorRT stand-in, install its plugin API first: "
            "trtdsl.backends.tensorrt.standin_plugins.install(trt)",
            location=node.location,
        )
    registry = trt.get_plugin_registry()
    creator = registry.get_creator(op.name, op.version, op.namespace)
    if creator is None and not definition.registry:
        ensure_registered(definition, trt)
        creator = registry.get_creator(op.name, op.version, op.namespace)
    if creator is None:
        raise BackendError(
            f"tensorrt: plugin {definition.label} is not in TensorRT's plugin registry; load the library "
            "that provides it (trt.get_plugin_registry().load_library(path), or trt.init_libnvinfer_plugins "
            "for TensorRT's own plugins)",
            location=node.location,
        )
    collection, buffers = fields(trt, definition, op.fields)
    ctx.keepalive.extend(buffers)
    inputs = [ctx.input(node, i) for i in range(len(node.inputs))]
    if not definition.registry:
        request = (
            trt.QuickPluginCreationRequest.STRICT_AOT
            if definition.aot_fn is not None
            else trt.QuickPluginCreationRequest.STRICT_JIT
        )
        plugin = creator.create_plugin(op.name, op.namespace, collection, trt.TensorRTPhase.BUILD, request)
    elif isinstance(creator, trt.IPluginCreator):
        ctx.add(node, "add_plugin_v2", inputs, creator.create_plugin(node.name, collection))
        return
    else:
        plugin = creator.create_plugin(node.name, collection, trt.TensorRTPhase.BUILD)
    ctx.add(node, "add_plugin_v3", inputs, [], plugin)


def raise_plugin(ctx: Any, layer: Any) -> Any:
    """The PluginV3 op of an IPluginV3Layer (or, see the module doc, IPluginV2Layer) whose plugin trtdsl
    has a definition for."""
    trt = ctx.trt
    plugin = layer.plugin
    if ctx.api.layer_type(layer) == "PLUGIN_V2":
        return _raise_plugin_v2(ctx, layer, plugin)
    core = plugin.get_capability_interface(trt.PluginCapabilityType.CORE)
    name, namespace, version = core.plugin_name, core.plugin_namespace, core.plugin_version
    try:
        definition = lookup(name, namespace, version)
    except ArgumentError as exc:
        raise BackendError(f"raise: layer {layer.name!r}: {exc.message}") from None
    # tensorrt.plugin's own plugins keep their attribute values; other plugins serialize them as fields
    held = getattr(plugin, "attrs", None)
    if isinstance(held, dict):
        values = dict(held)
    else:
        runtime = plugin.get_capability_interface(trt.PluginCapabilityType.RUNTIME)
        values = values_from_fields(definition, runtime.get_fields_to_serialize())
    op = definition.op(values)
    inputs = ctx.inputs(layer)
    declared = definition.declare(op.instance(), [t.type for t in inputs])
    return Raised(op, inputs, [layer.get_output(i) for i in range(len(declared.outputs))])


def _raise_plugin_v2(ctx: Any, layer: Any, plugin: Any) -> Any:
    name, namespace, version = plugin.plugin_type, plugin.plugin_namespace, plugin.plugin_version
    try:
        definition = lookup(name, namespace, version)
    except ArgumentError as exc:
        raise BackendError(f"raise: layer {layer.name!r} (PLUGIN_V2): {exc.message}") from None
    if definition.attributes:
        raise BackendError(
            f"raise: layer {layer.name!r} is a PLUGIN_V2 layer of plugin {definition.label}, whose field values "
            f"({', '.join(definition.attributes)}) an IPluginV2 keeps only in its own serialization "
            "(IPluginV2.serialize), which trtdsl cannot read; build the network with the plugin's IPluginV3 "
            "creator (add_plugin_v3) to raise it"
        )
    op = definition.op({})
    inputs = ctx.inputs(layer)
    declared = definition.declare(op.instance(), [t.type for t in inputs])
    return Raised(op, inputs, [layer.get_output(i) for i in range(len(declared.outputs))])


register(PluginV3, "PLUGIN_V3", lower_plugin, raise_plugin, also=("PLUGIN_V2",))
