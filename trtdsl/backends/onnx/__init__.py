"""ONNX export of trtdsl networks, written to reproduce TensorRT's semantics (see docs/onnx.md).

``export(network, path=None, *, opset=None, check=False)`` (also ``network.to_onnx()``) gives an
``onnx.ModelProto``. The export is a table keyed by op class (:data:`EXPORTERS`), filled by the
modules of this package (each is imported, none is listed); adding a layer kind means adding one entry
with :func:`exports` (or :func:`not_expressible` with the reason).
"""

from trtdsl.errors import BackendError

try:
    import onnx  # noqa: F401  (the export's one dependency; checked here to say how to install it)
except ImportError as _missing:
    raise BackendError(
        f"ONNX export needs the onnx package (pip install 'trtdsl[onnx]'), which could not be imported: "
        f"{_missing}"
    ) from None

from trtdsl.backends.onnx.export import Exported, export, exported  # noqa: E402
from trtdsl.backends.onnx.registry import (  # noqa: E402
    EXPORTERS,
    MAX_OPSET,
    MIN_OPSET,
    Entry,
    RegionBoundary,
    exports,
    not_expressible,
    region_boundary,
)
from trtdsl.ir.table import NotExpressible, import_package  # noqa: E402

# Every module of this package is imported, so each registers its entries.
import_package(__name__)

__all__ = [
    "EXPORTERS",
    "Entry",
    "Exported",
    "MAX_OPSET",
    "MIN_OPSET",
    "NotExpressible",
    "RegionBoundary",
    "export",
    "exported",
    "exports",
    "not_expressible",
    "region_boundary",
]
