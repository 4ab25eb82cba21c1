"""The NumPy reference interpreter: the meaning of a trtdsl network, following TensorRT's semantics."""

from trtdsl.reference.interpreter import run
from trtdsl.reference.ranks import run_ranks

__all__ = ["run", "run_ranks"]
