"""trtdsl: write TensorRT networks in Python, run them anywhere on a NumPy reference that follows
TensorRT's semantics, and build them into TensorRT engines where TensorRT is installed.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("demo")
>>> x = net.input("x", td.float32, ("batch", 4))
>>> y = td.relu(x @ np.ones((4, 3), np.float32) + 1.0)
>>> net.output("y", y)
>>> net.run({"x": np.ones((2, 4), np.float32)})["y"]
array([[5., 5., 5.],
       [5., 5., 5.]], dtype=float32)

``td.`` holds what a network is written with: :class:`Network` and :class:`Tensor`, the dtypes, the
errors, the DSL functions of every layer family and their enums, loops and conditionals (``td.Loop``,
``td.If``, ``td.scan``, ``td.cond``, ...) and plugins (``td.plugin``). The op classes are in
:mod:`trtdsl.ops`; ``td.quantization``, ``td.shapes`` and ``td.regions`` are tools over networks. The
package is layered (``docs/architecture.md``, "Layers"): a module imports only from its own layer or those
below it.
"""

import builtins

from trtdsl import nn, ops, quantization, regions, shapes
from trtdsl._version import __version__ as __version__  # "as": exported to type checkers
from trtdsl.dtypes import (
    DType, bfloat16, bool_, dtype, e8m0, float16, float32, float4_e2m1, float8_e4m3, int32, int4, int64,
    int8, uint8,
)
from trtdsl.errors import (
    ArgumentError, BackendError, DSLError, DTypeError, ExecutionError, InputError, RegionError, ShapeError,
)
from trtdsl.ir.dims import Dim
from trtdsl.ir.network import Network
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.loops import Carry, Loop, LoopOutput, TripLimit, fori_loop, scan, while_loop
from trtdsl.conditionals import If, cond
from trtdsl.plugins import AOTKernel, data_dependent_dim, plugin, registry_plugin
from trtdsl.shapes import ShapeSyncWarning


def _layer_names() -> dict[str, object]:
    """The DSL functions and enums of every layer family: each module's ``__all__`` less its op classes
    (those are in :mod:`trtdsl.ops`). A new layer module's public names join ``td`` by being listed there."""
    from trtdsl.ir.op import Op
    from trtdsl.ir.table import import_package

    names: dict[str, object] = {}
    for module in import_package("trtdsl.layers"):
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, Op):
                continue
            if names.setdefault(name, value) is not value:
                raise ImportError(f"trtdsl.layers: two modules export different objects as {name!r}")
    return names


_LAYER_NAMES = _layer_names()
globals().update(_LAYER_NAMES)


def from_onnx(model: object, *, name: str | None = None, freeze: object = None,
              check: builtins.bool = True) -> Network:
    """The network that TensorRT's ONNX parser builds for ``model`` (an ``onnx.ModelProto``, a path to a
    ``.onnx`` file, or its bytes); see :mod:`trtdsl.backends.onnx.reader` (needs the ``onnx`` package).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("m")
    >>> net.output("y", td.relu(net.input("x", td.float32, ("n", 3))) * 2.0)
    >>> again = td.from_onnx(net.to_onnx())
    >>> again.run({"x": np.array([[-1.0, 0.5, 2.0]], np.float32)})["y"]
    array([[0., 1., 4.]], dtype=float32)
    """
    from trtdsl.backends.onnx.reader import from_onnx as read

    return read(model, name=name, freeze=freeze, check=check)  # type: ignore[arg-type]


bool = bool_  # noqa: A001  (td.bool, like np.bool)
fp8 = float8_e4m3
fp4 = float4_e2m1

__all__ = [
    # the IR
    "Dim", "Network", "Tensor", "TensorType",
    # dtypes
    "DType", "bfloat16", "bool", "bool_", "dtype", "e8m0", "float16", "float32", "float4_e2m1",
    "float8_e4m3", "fp4", "fp8", "int32", "int4", "int64", "int8", "uint8",
    # errors and warnings
    "ArgumentError", "BackendError", "DSLError", "DTypeError", "ExecutionError", "InputError",
    "RegionError", "ShapeError", "ShapeSyncWarning",
    # the layer families' functions and enums (each layer module's __all__, less its op classes)
    *sorted(_LAYER_NAMES),
    # loops, conditionals and plugins
    "AOTKernel", "Carry", "If", "Loop", "LoopOutput", "TripLimit", "cond", "data_dependent_dim",
    "fori_loop", "plugin", "registry_plugin", "scan", "while_loop",
    # tools over networks, the op classes, and reading ONNX models
    "from_onnx", "ops", "quantization", "regions", "shapes",
    # modules, parameters and checkpoints
    "nn",
]
