"""If-conditionals: TensorRT's IIfConditional as ``td.If`` (a with block) and JAX's ``cond``."""

from trtdsl.conditionals.builder import If
from trtdsl.conditionals.functional import cond
from trtdsl.conditionals.ops import ConditionalInputLayer, ConditionalOutputLayer, ConditionLayer

__all__ = ["If", "cond", "ConditionLayer", "ConditionalInputLayer", "ConditionalOutputLayer"]
