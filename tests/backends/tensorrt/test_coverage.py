"""How many of TensorRT's layer kinds trtdsl lowers and raises, counted against the API manifests.

What the counts mean:

- **raised**: a layer of the kind, as TensorRT's network holds it, reads back into a trtdsl op (or, for a
  PLUGIN_V2 layer whose plugin has attributes, into a BackendError naming the layer: an IPluginV2 keeps
  its fields in its own serialization, see trtdsl.backends.tensorrt.lowering.plugins);
- **lowered**: some trtdsl op writes a layer of the kind. Plugins are written as PLUGIN_V3 layers
  (``add_plugin_v3``), and as PLUGIN_V2 only where TensorRT's registry holds a legacy ``IPluginCreator``
  for a ``@td.registry_plugin`` (checked below with the stand-in's legacy creator);
- PLUGIN (the IPluginExt layer of TensorRT 7 and older) is in neither: NvInfer.h 10.16 and 11.1 keep
  ``LayerType::kPLUGIN`` but no class or ``add_*`` method for it, so no TensorRT 10/11 network holds one.

So the count is 56 of TensorRT's 57 LayerType members, the 56 that a TensorRT 10.16 or 11.4 network can
hold, lowered and raised.
"""

from __future__ import annotations

import numpy as np
import pytest

import trtdsl as td
import trtdsl.backends.tensorrt.lowering  # noqa: F401  (fills the tables)
from trtdsl.backends.tensorrt import lower, manifest, raise_network, standin
from trtdsl.backends.tensorrt.lowering import LOWERINGS, RAISERS, NotExpressible
from trtdsl.backends.tensorrt.standin_plugins import LEGACY_CREATORS, install
from trtdsl.errors import BackendError
from trtdsl.plugins.definition import PluginV3

NO_API = {"PLUGIN"}  # a LayerType member that no TensorRT 10/11 API creates (see the module doc)
# the kinds raised but written only in some cases (PLUGIN_V2: registry plugins with a legacy creator)
WRITTEN_SOMETIMES = {"PLUGIN_V2"}


def layer_kinds(version: str) -> set[str]:
    return set(manifest.load(version).classes["LayerType"].enum)


@pytest.mark.parametrize("version", ["10", "11"])
def test_every_layer_kind_a_network_can_hold_is_raised(version):
    kinds = layer_kinds(version)
    assert len(kinds) == 57
    assert kinds - set(RAISERS) == NO_API
    assert len(kinds & set(RAISERS)) == 56


@pytest.mark.parametrize("version", ["10", "11"])
def test_every_layer_kind_a_network_can_hold_is_lowered(version):
    """The kinds the lowerings write: each entry's own layer type, ATTENTION_OUTPUT (which IAttention adds
    with ATTENTION_INPUT) and PLUGIN_V2 (see the module doc and the test below)."""
    written = {entry.layer_type for entry in LOWERINGS.values() if not isinstance(entry, NotExpressible)}
    assert layer_kinds(version) - written == NO_API | WRITTEN_SOMETIMES | {"ATTENTION_OUTPUT"}


@td.registry_plugin("LegacyDouble_TRT", version="1", namespace="legacy")
class LegacyDouble:
    def shape(self, x):
        return x

    def reference(self, x):
        return x * 2


@td.registry_plugin("LegacyScaled_TRT", version="1", namespace="legacy")
class LegacyScaled:
    factor: np.float32 = 2.0

    def shape(self, x):
        return x

    def reference(self, x):
        return x * self.factor


@pytest.fixture
def legacy_creators():
    keys = {("LegacyDouble_TRT", "1", "legacy"), ("LegacyScaled_TRT", "1", "legacy")}
    LEGACY_CREATORS.update(keys)
    yield
    LEGACY_CREATORS.difference_update(keys)


def plugin_network(cls) -> td.Network:
    net = td.Network("legacy")
    x = net.input("x", td.float32, (2, 3))
    net.output("y", cls()(x) if cls is LegacyDouble else cls(factor=3.0)(x))
    return net


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_a_plugin_with_a_legacy_creator_is_a_plugin_v2_layer_and_raises_back(version, legacy_creators):
    trt = install(standin.module(version))
    net = plugin_network(LegacyDouble)
    lowered = lower(net, trt).network
    layer = lowered.get_layer(0)
    assert trt.ILayer.type.fget(layer).name == "PLUGIN_V2"
    again = raise_network(lowered, trt)
    assert isinstance(again.nodes[0].op, PluginV3)
    assert again.format(locations=False) == net.format(locations=False)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(again.run({"x": x})["y"], x * 2)


def test_a_plugin_v2_layer_with_fields_does_not_raise(legacy_creators):
    trt = install(standin.module("11.4"))
    lowered = lower(plugin_network(LegacyScaled), trt).network
    with pytest.raises(BackendError, match="is a PLUGIN_V2 layer of plugin legacy::LegacyScaled_TRT.*whose field "
                                           r"values \(factor\) an IPluginV2 keeps only in its own serialization"):
        raise_network(lowered, trt)
