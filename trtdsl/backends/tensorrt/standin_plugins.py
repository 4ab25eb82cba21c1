"""The plugin API in the strict TensorRT stand-in (:mod:`trtdsl.backends.tensorrt.standin`), so that plugin
layers are lowered and raised against the manifests like every other layer.

It adds behaviours for what the lowering and raise of plugin layers call, each checked against the
manifest by the stand-in: ``trt.get_plugin_registry()``, ``IPluginRegistry.get_creator``, plugin fields and
their collections, the creators' ``create_plugin`` and the plugin's capability interfaces. The registry
holds a creator for every plugin trtdsl has a definition of, as TensorRT's holds one once
``tensorrt.plugin`` registered it (an ``IPluginCreatorV3Quick``) or the plugin's library is loaded (an
``IPluginCreatorV3One``). A created plugin has the outputs its shape rule declares (and its size tensors).

``tensorrt.plugin``'s plugins are Python objects that keep their attribute values; the stand-in's
plugins give them back through ``IPluginV3OneRuntime.get_fields_to_serialize``, as C++ plugins do.

A registry may instead hold a legacy ``IPluginCreator`` for a plugin (TensorRT's older built-in plugins):
name its key in :data:`LEGACY_CREATORS` and the registry gives one, whose ``create_plugin`` makes an
``IPluginV2`` (added with ``add_plugin_v2``). As with TensorRT, an ``IPluginV2``'s field values cannot be
read back through the Python API (only its own ``serialize()`` bytes hold them).

>>> from trtdsl.backends.tensorrt import standin
>>> trt = install(standin.module("11.4"))
>>> trt.get_plugin_registry().get_creator("no_such_plugin", "1", "") is None
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trtdsl.backends.tensorrt import standin
from trtdsl.backends.tensorrt.manifest import Signature
from trtdsl.backends.tensorrt.standin import Call, StandIn, behaviour, sequence_behaviours
from trtdsl.errors import ArgumentError
from trtdsl.plugins.definition import lookup

def install(si: StandIn) -> StandIn:
    """Give the stand-in ``si`` TensorRT's module function ``get_plugin_registry`` (checked against the
    manifest and recorded like the methods); returns ``si``."""
    signature = si.manifest.functions["get_plugin_registry"]
    registry = si.new("IPluginRegistry")

    def get_plugin_registry(*args: Any, **kwargs: Any) -> Any:
        si.bind("get_plugin_registry", signature.overloads, args, kwargs)
        si.calls.append(Call("", "get_plugin_registry", "call", ()))
        return registry

    si.get_plugin_registry = get_plugin_registry  # type: ignore[attr-defined]
    return si


LEGACY_CREATORS: set[tuple[str, str, str]] = set()
"""(name, version, namespace) of the registry plugins whose creator is a legacy ``IPluginCreator``."""


@behaviour("IPluginRegistry", "get_creator")
def _get_creator(si: StandIn, registry: Any, sig: Signature, a: dict) -> Any:
    name, version, namespace = a["type"], a["version"], a.get("plugin_namespace", "")
    try:
        definition = lookup(name, namespace, version)
    except ArgumentError:
        return None
    cls = "IPluginCreatorV3One" if definition.registry else "IPluginCreatorV3Quick"
    if definition.registry and (name, version, namespace) in LEGACY_CREATORS:
        cls = "IPluginCreator"
    return si.new(cls, name=name, plugin_version=version, plugin_namespace=namespace)


@behaviour("IPluginCreator", "create_plugin")
def _create_plugin_v2(si: StandIn, creator: Any, sig: Signature, a: dict) -> Any:
    state = creator._state
    definition = lookup(state["name"], state["plugin_namespace"], state["plugin_version"])
    return si.new("IPluginV2", plugin_type=state["name"], plugin_version=state["plugin_version"],
                  plugin_namespace=state["plugin_namespace"], num_outputs=(definition.counts or (1, 0))[0])


@behaviour("PluginField", "__init__")
def _field_init(si: StandIn, field: Any, sig: Signature, a: dict) -> None:
    data = a.get("data", b"")
    array = (
        np.frombuffer(bytes(data), np.int8)
        if isinstance(data, (bytes, bytearray, memoryview))
        else np.array(data)
    )
    kind = a.get("type", si.PluginFieldType.UNKNOWN)
    field._state.update(name=a["name"], data=array, type=kind, size=int(array.size))


@behaviour("PluginFieldCollection", "__init__")
def _collection_init(si: StandIn, collection: Any, sig: Signature, a: dict) -> None:
    collection._state["fields"] = list(a["arg0"]._state["fields"]) if "arg0" in a else []


@behaviour("PluginFieldCollection", "append")
def _collection_append(si: StandIn, collection: Any, sig: Signature, a: dict) -> None:
    collection._state["fields"].append(a["x"])


@behaviour("PluginFieldCollection_", "__init__")
def _collection_view_init(si: StandIn, view: Any, sig: Signature, a: dict) -> None:
    view._state["fields"] = list(a["arg0"]._state["fields"])


sequence_behaviours(
    ("PluginFieldCollection", "PluginFieldCollection_"), "fields", "index out of range", slices=False
)


@behaviour("IPluginCreatorV3Quick", "create_plugin")
@behaviour("IPluginCreatorV3One", "create_plugin")
def _create_plugin(si: StandIn, creator: Any, sig: Signature, a: dict) -> Any:
    state = creator._state
    definition = lookup(state["name"], state["plugin_namespace"], state["plugin_version"])
    if "namespace" in a and a["namespace"] != state["plugin_namespace"]:
        raise standin.StandInError(f"create_plugin: namespace {a['namespace']!r} is not the creator's")
    counts = definition.counts or (1, 0)
    fields = list(a["field_collection"]._state["fields"])
    quick = type(creator)._name == "IPluginCreatorV3Quick"
    return si.new(
        "IPluginV3",
        name=state["name"],
        namespace=state["plugin_namespace"],
        version=state["plugin_version"],
        fields=fields,
        quick=quick,
        num_outputs=counts[0] + (counts[1] if quick else 0),
    )


@behaviour("IPluginV3", "get_capability_interface")
def _capability(si: StandIn, plugin: Any, sig: Signature, a: dict) -> Any:
    state = plugin._state
    kind = a["type"].name
    if kind == "CORE":
        cls = "IPluginV3QuickCore" if state["quick"] else "IPluginV3OneCore"
        return si.new(
            cls,
            plugin_name=state["name"],
            plugin_namespace=state["namespace"],
            plugin_version=state["version"],
        )
    if kind == "RUNTIME":
        return si.new("IPluginV3OneRuntime", fields=state["fields"])
    return si.new("IPluginV3OneBuild")


@behaviour("IPluginV3OneRuntime", "get_fields_to_serialize")
def _fields_to_serialize(si: StandIn, runtime: Any, sig: Signature, a: dict) -> Any:
    return si.new("PluginFieldCollection_", fields=list(runtime._state["fields"]))


@behaviour("INetworkDefinition", "add_plugin_v2")
@behaviour("INetworkDefinition", "add_plugin_v3")
def _add_plugin(si: StandIn, network: Any, sig: Signature, a: dict) -> Any:
    layer = standin._add_layer(si, network, sig, a)
    outputs = layer._state["outputs"]
    for i in range(len(outputs), a["plugin"]._state["num_outputs"]):
        outputs.append(
            si.new("ITensor", output=i, producer=layer, network=network)
        )
    return layer


__all__ = ["LEGACY_CREATORS", "install"]
