"""The region mechanism loops and conditionals share: regions in the IR, TensorRT's data-flow rule
for which layers are inside them, the DSL's scopes, and nested containers of tensors."""

from trtdsl.ir.region import Region
from trtdsl.ir.structure import Structure, analyze
from trtdsl.regions.scope import defining_region
from trtdsl.regions.values import known_value, length_dim

__all__ = ["Region", "Structure", "analyze", "defining_region", "known_value", "length_dim"]
