"""The region mechanism loops and conditionals share: the DSL's scopes, nested containers of tensors, and
(from :mod:`trtdsl.ir.region` and :mod:`trtdsl.ir.structure`) regions in the IR and TensorRT's data-flow
rule for which layers are inside them."""

from trtdsl.ir.region import Region
from trtdsl.ir.structure import Structure, analyze
from trtdsl.regions.scope import defining_region

__all__ = ["Region", "Structure", "analyze", "defining_region"]
