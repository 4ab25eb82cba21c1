"""Shape values, dynamic shapes and TensorRT's shape-tensor rules.

- :mod:`~trtdsl.shapes.values`: what the IR knows about the values of small integer tensors
  (``value_of(td.shape_of(x) * 2)`` is ``(batch*2, 8)``) and of tensors computed from constants
  (``fold_constant``);
- :mod:`~trtdsl.shapes.rules`: TensorRT's shape-tensor and execution-tensor rules, what they reject and
  where they make TensorRT synchronize (:class:`ShapeSyncWarning`).

Optimization profiles (``net.add_profile``, :class:`Profile`) are the network's own
(:mod:`trtdsl.ir.profiles`). Dims made into shape tensors when a layer needs them (reshape, slice, fill,
resize and broadcast_to take dynamic dims directly) are in :mod:`trtdsl.layers._shape_args`. See
docs/dynamic_shapes.md.
"""

from trtdsl.ir.profiles import Profile, Range
from trtdsl.shapes.rules import EXECUTION, SHAPE, ShapeSyncWarning, classify, shape_input_names, sync_points
from trtdsl.shapes.values import value_of

__all__ = [
    "EXECUTION",
    "SHAPE",
    "Profile",
    "Range",
    "ShapeSyncWarning",
    "classify",
    "shape_input_names",
    "sync_points",
    "value_of",
]
