"""ISelectLayer: ``np.where(condition, x, y)``.

TensorRT needs the three inputs to have equal ranks and broadcasts dims that are equal or 1 (1
against 0 gives 0). ``td.where`` accepts NumPy-style inputs: lower-rank tensors get leading dims
of 1 (an Unsqueeze layer the IR shows), and numbers or arrays become constants.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("w")
>>> x = net.input("x", td.float32, (2, 3))
>>> net.output("y", td.where(x > 0, x, 0.0))      # np.where(x > 0, x, 0)
>>> net.run({"x": np.array([[-1, 2, -3], [4, -5, 6]], np.float32)})["y"]
array([[0., 2., 0.],
       [4., 0., 6.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import as_array, as_tensor, broadcast_types, ndim_of, network_of, select
from trtdsl.layers.squeeze import align_ranks

__all__ = ["Select", "where"]

# The data types of the TensorRT Operators reference's Select page (int8, a quantized type, is not one).
SELECT_DTYPES = dtypes.FLOATS + dtypes.INTEGERS + (dtypes.bool_,)


@attrs.frozen
class Select(Op):
    """``np.where(condition, then, else)`` over equal-rank inputs; condition is bool."""

    kind = "Select"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.where`",
        "`ISelectLayer`",
        "`np.where` with equal ranks (Unsqueeze inserted) and TensorRT broadcasting (1 against 0 gives "
        "0).",
        "NvInfer.h `ISelectLayer`",
    )
    input_names = ("condition", "then", "else")
    input_dtypes = {"condition": (dtypes.bool_,), "then": SELECT_DTYPES, "else": SELECT_DTYPES}

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        cond, then, other = inputs
        label = self.label()
        if then.dtype != other.dtype:
            raise DTypeError(
                f"{label}: inputs 'then' and 'else' have dtypes {then.dtype.name} and {other.dtype.name}; "
                "TensorRT networks are strongly typed, so both must be the same (cast one with td.cast)"
            )
        return (TensorType(then.dtype, broadcast_types(label, (cond, then, other))),)

    def reference(self, cond: np.ndarray, then: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, ...]:
        return (select(cond, then, other),)


def where(condition: Any, x: Any, y: Any, *, name: str | None = None) -> Tensor:
    """``np.where(condition, x, y)`` as one ISelectLayer.

    ``condition`` is a bool tensor (or bool array). ``x`` and ``y`` are tensors, numbers or arrays of
    one dtype: numbers and arrays take the dtype of the tensor among them, and when both are
    numbers or arrays they become constants with trtdsl's defaults (float32, or int32 for ints).
    Inputs of lower rank get leading dims of 1, as in NumPy.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("w")
    >>> c = net.input("c", td.bool, (3,))
    >>> net.output("y", td.where(c, 1, [[10], [20]]))
    >>> net.run({"c": np.array([True, False, True])})["y"]
    array([[ 1, 10,  1],
           [ 1, 20,  1]], dtype=int32)
    """
    network = network_of("where", condition, x, y)
    rank = max(ndim_of("where", arg, v) for arg, v in (("condition", condition), ("x", x), ("y", y)))
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        like = x if isinstance(x, Tensor) else y
        tx = as_tensor("where", "x", x, like, rank)
    else:
        tx = network.constant(_lead_ones(x, rank))
    ty = as_tensor("where", "y", y, tx, rank)
    if isinstance(condition, Tensor):
        tc = condition
    else:
        mask = as_array("where", "condition", condition, dtypes.bool_)
        tc = network.constant(_lead_ones(mask, rank))
    tc, tx, ty = align_ranks((tc, tx, ty))
    return network.add1(Select(), (tc, tx, ty), name=name)


def _lead_ones(value: Any, rank: int) -> Any:
    """``value`` with leading dims of 1 up to ``rank``; Python values stay Python lists so that
    constants give them trtdsl's default dtypes."""
    if isinstance(value, (np.ndarray, np.generic)):
        array = np.asarray(value)
        return array.reshape((1,) * (rank - array.ndim) + array.shape)
    for _ in range(rank - np.ndim(value)):
        value = [value]
    return value
