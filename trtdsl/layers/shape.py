"""IShapeLayer: a tensor's dims as a 1-D int64 tensor.

The output has shape ``(rank,)``, always static, even when the dims themselves are dynamic; a 0-D
input gives an empty 1-D tensor. It is how a network computes with dynamic sizes (shape tensors).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("s")
>>> x = net.input("x", td.float16, ("batch", 3))
>>> s = td.shape_of(x)
>>> s.type
TensorType(dtype=td.int64, shape=(2,))
>>> net.output("s", s)
>>> net.run({"x": np.zeros((5, 3), np.float16)})["s"]   # np.array(x.shape, np.int64)
array([5, 3])
"""

from __future__ import annotations

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_tensor

__all__ = ["Shape", "shape_of"]


@attrs.frozen
class Shape(Op):
    """``np.array(x.shape, np.int64)`` for an input of any dtype."""

    kind = "Shape"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.shape_of`",
        "`IShapeLayer`",
        "A 1-D **int64** tensor of the dims (a shape tensor); static shape `(rank,)` even for dynamic "
        "dims.",
        "NvInfer.h `IShapeLayer`",
    )
    input_names = ("x",)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        return (TensorType(dtypes.int64, (x.rank,)),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (np.array(x.shape, dtype=np.int64),)


def shape_of(x: Tensor, *, name: str | None = None) -> Tensor:
    """``np.array(x.shape, np.int64)``: the dims of ``x`` as a 1-D int64 tensor of length ``x.ndim``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("s")
    >>> x = net.input("x", td.bool, ())
    >>> net.output("s", td.shape_of(x))
    >>> net.run({"x": np.array(True)})["s"]
    array([], dtype=int64)
    """
    x = expect_tensor("shape_of", "x", x)
    return x.network.add1(Shape(), (x,), name=name)
