"""The region mechanism loops and conditionals share: regions in the IR, TensorRT's data-flow rule
for which layers are inside them, the DSL's scopes, and nested containers of tensors."""

from trtdsl.regions.region import Region
from trtdsl.regions.scope import defining_region
from trtdsl.regions.structure import Structure, analyze

__all__ = ["Region", "Structure", "analyze", "defining_region"]
