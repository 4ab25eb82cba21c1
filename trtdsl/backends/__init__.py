"""Backends that run a network: ``reference`` (NumPy), ``onnxruntime`` and ``tensorrt``.

Each backend is a module with ``run(network, inputs, **options) -> dict[str, np.ndarray]``; heavy
dependencies are imported only inside the backend that needs them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from trtdsl.errors import BackendError, shown

BACKENDS = {
    "reference": "trtdsl.reference",
    "onnxruntime": "trtdsl.backends.onnxruntime",
    "tensorrt": "trtdsl.backends.tensorrt",
}


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
    module = BACKENDS.get(name) if isinstance(name, str) else None
    if module is None:
        raise BackendError(f"run: argument 'backend' is {shown(name)}; expected one of {sorted(BACKENDS)}")
    return importlib.import_module(module)
