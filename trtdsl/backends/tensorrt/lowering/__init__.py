"""The TensorRT table: every IR op kind's lowering to ``INetworkDefinition`` calls and its raise back.

One module per layer family registers its entries (see :mod:`.registry`); adding a layer kind means
adding one entry there, with :func:`register` (or :func:`not_expressible` and the reason).
"""

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext, layer_name, strip_location
from trtdsl.backends.tensorrt.lowering.registry import (
    LOWERINGS,
    RAISERS,
    Entry,
    NotExpressible,
    Raised,
    not_expressible,
    register,
)

# Each family module registers its entries when imported.
from trtdsl.backends.tensorrt.lowering import (  # noqa: E402,F401,I001
    constant,
    data,
    kernel,
    plugins,
    pointwise,
    quantize,
    reduction,
    regions,
    shapes,
    shuffle,
)

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
