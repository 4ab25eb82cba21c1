"""The NumPy reference interpreter: the meaning of a trtdsl network, following TensorRT's semantics."""

from trtdsl.reference.interpreter import run

__all__ = ["run"]
