"""TensorRT lowering of plugin layers (PluginV3): the plugin is created from TensorRT's plugin registry
and added with ``add_plugin_v3`` (``add_plugin_v2`` for IPluginCreator plugins). The work is in
:mod:`trtdsl.plugins.tensorrt`, next to the plugins' TensorRT registration; it is imported when a plugin
layer is lowered or raised."""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.ir.node import Node
from trtdsl.plugins.definition import PluginV3


def _lower_plugin(ctx: LowerContext, node: Node, op: PluginV3) -> None:
    from trtdsl.plugins.tensorrt import lower_plugin as lower

    lower(ctx, node, op)


def _raise_plugin(ctx: RaiseContext, layer: Any) -> Raised:
    from trtdsl.plugins.tensorrt import raise_plugin as raise_

    return raise_(ctx, layer)


register(PluginV3, "PLUGIN_V3", _lower_plugin, _raise_plugin)
