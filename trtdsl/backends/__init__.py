"""Backends that run a network: ``reference`` (NumPy), ``onnxruntime`` and ``tensorrt``.

Each backend is a module with ``run(network, inputs, **options) -> dict[str, np.ndarray]``; heavy
dependencies are imported only inside the backend that needs them. The table of their names is
:mod:`trtdsl.ir.backends`, where ``Network.run`` finds them.
"""

from trtdsl.ir.backends import BACKENDS, get_backend

__all__ = ["BACKENDS", "get_backend"]
