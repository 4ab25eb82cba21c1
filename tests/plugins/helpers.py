"""What several plugin test modules share: the example's module, loaded once, and a plugin registry for
TensorRT's bindings running without the TensorRT library."""

from __future__ import annotations

import importlib.util
import pathlib
import sys
from types import ModuleType

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "custom_plugin.py"


def example() -> ModuleType:
    """examples/custom_plugin.py as the module ``custom_plugin`` (loaded once: its plugins are defined
    once per process)."""
    module = sys.modules.get("custom_plugin")
    if module is None:
        spec = importlib.util.spec_from_file_location("custom_plugin", EXAMPLE)
        module = importlib.util.module_from_spec(spec)
        sys.modules["custom_plugin"] = module
        spec.loader.exec_module(module)
    return module


class _Registry:
    """TensorRT's plugin registry where the bindings run without the TensorRT library (stub libraries)."""

    def __init__(self) -> None:
        self.creators: dict = {}

    def register_creator(self, creator, namespace=""):
        self.creators[(creator.name, creator.plugin_version, namespace)] = creator
        return True

    def get_creator(self, name, version, namespace=""):
        return self.creators.get((name, version, namespace))


REGISTRY = _Registry()  # one per process, as TensorRT's (tensorrt.plugin registers each plugin once)
