"""ONNX export of trtdsl networks, written to reproduce TensorRT's semantics (see docs/onnx.md).

``export(network, path=None, *, opset=None)`` (also ``network.to_onnx()``) gives an
``onnx.ModelProto``. The export is a table keyed by ``Op.kind`` (:data:`EXPORTERS`), filled by one
module per layer family; adding a layer kind means adding one entry with :func:`exports` (or
:func:`not_expressible` with the reason).
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
    NotExpressible,
    RegionBoundary,
    exports,
    not_expressible,
    region_boundary,
)

# Each family module registers its entries when imported.
from trtdsl.backends.onnx import (  # noqa: E402,F401
    activation,
    cast,
    concat,
    constant,
    convolution,
    cumulative,
    elementwise,
    fill,
    gather,
    matmul,
    nonzero,
    normalization,
    quantize,
    reduce,
    regions,
    resize,
    select,
    shuffle,
    slice,
    softmax,
    topk,
    unary,
)
from trtdsl.backends.onnx import plugins as _plugins  # noqa: E402,F401

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
