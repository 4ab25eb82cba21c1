"""Plugins: layers TensorRT lacks, defined once in Python with a NumPy reference (see
``docs/plugins.md``). Networks that use them run on the reference, get property tests, export to ONNX
and build into engines through TensorRT's Python plugin API."""

from trtdsl.plugins.definition import AOTKernel, PluginV3, data_dependent_dim, plugin, registry_plugin

__all__ = ["AOTKernel", "PluginV3", "data_dependent_dim", "plugin", "registry_plugin"]
