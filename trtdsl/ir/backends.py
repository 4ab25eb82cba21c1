"""The backends by name, as module names imported on first use: ``net.run(inputs, backend=name)``,
``net.to_onnx()`` and ``net.build()`` find them here, so the IR imports no backend."""

from __future__ import annotations

import importlib
from types import ModuleType

from trtdsl.errors import BackendError

BACKENDS = {
    "reference": "trtdsl.reference",
    "onnxruntime": "trtdsl.backends.onnxruntime",
    "tensorrt": "trtdsl.backends.tensorrt",
}
# The module that defines export(network, path, *, opset): the package's attribute ``export`` may be
# this module rather than the function, once the submodule is imported after the package
ONNX_EXPORT = "trtdsl.backends.onnx.export"


def get_backend(name: str) -> ModuleType:
    """The backend module called ``name``: ``"reference"``, ``"onnxruntime"`` or ``"tensorrt"`` (imported
    on first use, with its dependencies).

    >>> get_backend("reference").__name__
    'trtdsl.reference'
    >>> try:
    ...     get_backend("cuda")
    ... except BackendError as e:
    ...     print(e.message)
    run: argument 'backend' is 'cuda'; expected one of ['onnxruntime', 'reference', 'tensorrt']
    """
    module = BACKENDS.get(name)
    if module is None:
        raise BackendError(f"run: argument 'backend' is {name!r}; expected one of {sorted(BACKENDS)}")
    return importlib.import_module(module)


__all__ = ["BACKENDS", "ONNX_EXPORT", "get_backend"]
