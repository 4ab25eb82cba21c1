"""The TensorRT table: every IR op class's lowering to ``INetworkDefinition`` calls and its raise back.

The modules of this package register their entries (see :mod:`.registry`); each is imported, none is
listed. Adding a layer kind means adding one entry, with :func:`register` (or :func:`not_expressible` and
the reason).
"""

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext, layer_name, strip_location
from trtdsl.backends.tensorrt.lowering.registry import (
    LOWERINGS,
    RAISERS,
    Entry,
    Raised,
    not_expressible,
    register,
)
from trtdsl.ir.table import NotExpressible, import_package

# Every module of this package is imported, so each registers its entries.
import_package(__name__)

__all__ = [
    "LOWERINGS",
    "RAISERS",
    "Entry",
    "LowerContext",
    "NotExpressible",
    "RaiseContext",
    "Raised",
    "layer_name",
    "not_expressible",
    "register",
    "strip_location",
]
