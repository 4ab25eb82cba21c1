"""IConcatenationLayer: ``np.concatenate(inputs, axis)``.

All inputs share one dtype and one rank; every dim other than ``axis`` must agree. The output's
``axis`` dim is the sum of the inputs' (a dynamic dim gives a symbolic sum). TensorRT's own default
axis is ``max(0, rank - 3)``; trtdsl's function uses NumPy's ``axis=0`` and always sets it.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("cat")
>>> a = net.input("a", td.float32, ("n", 2))
>>> y = td.concatenate([a, np.zeros((1, 2), np.float32), a], axis=0)
>>> y.type.shape
(Dim('n+1+n'), 2)
>>> net.output("y", y)
>>> net.run({"a": np.array([[1, 2]], np.float32)})["y"]   # np.concatenate([a, zeros, a])
array([[1., 2.],
       [0., 0.],
       [1., 2.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ShapeError, UnequalDimsError, bad_argument
from trtdsl.ir.dims import DimLike, combine
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.shapes.algebra import same_dim
from trtdsl.layers._common import as_tensor, expect_dtype, network_of, normalize_axis

__all__ = ["Concatenation", "concatenate"]

MAX_INPUTS = 10000  # the TensorRT Operators reference's limit for Concatenation
CONCAT_DTYPES = (dtypes.bool_, dtypes.int8, dtypes.int32, dtypes.int64) + dtypes.FLOATS


@attrs.frozen
class Concatenation(Op):
    """``np.concatenate(inputs, axis)``: equal dtypes and ranks, equal dims except along ``axis``."""

    kind = "Concatenation"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.concatenate`",
        "`IConcatenationLayer`",
        "`axis=0` by default (TensorRT's own default is `max(0, rank - 3)`); equal dtypes and ranks "
        "required.",
        "Operators reference, Concatenation",
    )
    axis: int

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        label = self.label()
        if not 1 <= len(inputs) <= MAX_INPUTS:
            raise ShapeError(f"{label}: got {len(inputs)} inputs; expected 1 to {MAX_INPUTS}")
        first = inputs[0]
        types: list[TensorType] = list(inputs)
        expect_dtype(label, "inputs[0]", first, CONCAT_DTYPES)
        if first.rank == 0:
            raise ShapeError(f"{label}: inputs are 0-D (shape ()); concatenation needs rank >= 1")
        if not 0 <= self.axis < first.rank:
            raise bad_argument(label, "axis", self.axis, f"an int in [0, {first.rank - 1}] for rank-{first.rank} inputs",
                               ShapeError)
        shape: list[DimLike] = list(first.shape)
        for i, t in enumerate(types[1:], 1):
            if t.dtype != first.dtype:
                raise DTypeError(
                    f"{label}: inputs[{i}] has dtype {t.dtype.name} but inputs[0] has {first.dtype.name}; TensorRT "
                    "networks are strongly typed, so all inputs must have the same dtype (cast with td.cast)"
                )
            if t.rank != first.rank:
                raise ShapeError(
                    f"{label}: inputs[{i}] has shape {t.shape_text} but inputs[0] has {first.shape_text}; all "
                    "inputs must have the same rank"
                )
            for k, (a, b) in enumerate(zip(shape, t.shape)):
                if k == self.axis:
                    shape[k] = combine("+", a, b)
                else:
                    shape[k] = _same_dim(label, k, i, a, b, types)
        return (TensorType(first.dtype, shape),)

    def reference(self, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
        return (np.concatenate(arrays, axis=self.axis),)


def _same_dim(label: str, k: int, i: int, a: DimLike, b: DimLike, types: Sequence[TensorType]) -> DimLike:
    """A dim that must agree across inputs: equal, or one static and one dynamic (checked when run)."""
    if a == b:
        return a
    if isinstance(a, int) and isinstance(b, int):
        raise ShapeError(
            f"{label}: dim {k} of inputs[{i}] (shape {types[i].shape_text}) is {b} but {a} in inputs[0] "
            f"(shape {types[0].shape_text}); only the concatenation axis may differ"
        )
    if isinstance(a, int) or isinstance(b, int):
        return a if isinstance(a, int) else b
    if same_dim(a, b):
        return a
    raise UnequalDimsError(
        f"{label}: dim {k} is {a} in inputs[0] but {b} in inputs[{i}], which may differ; only the concatenation "
        "axis may differ (give dims that must agree the same dim name)", dims=(a, b)
    )


def concatenate(tensors: Sequence[Any], axis: int = 0, *, name: str | None = None) -> Tensor:
    """``np.concatenate(tensors, axis)`` as one IConcatenationLayer.

    ``tensors`` may mix trtdsl Tensors with Python numbers, nested lists and NumPy arrays, which
    become constants of the first Tensor's dtype. ``axis`` may be negative.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("c")
    >>> x = net.input("x", td.int32, (2, 1))
    >>> net.output("y", td.concatenate([x, [[7, 8], [9, 10]]], axis=-1))
    >>> net.run({"x": np.array([[1], [2]], np.int32)})["y"]
    array([[ 1,  7,  8],
           [ 2,  9, 10]], dtype=int32)
    """
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, Sequence) or not tensors:
        raise bad_argument("concatenate", "tensors", tensors if not isinstance(tensors, np.ndarray) else "<ndarray>",
                           "a non-empty list or tuple of tensors")
    network_of("concatenate", tensors)
    like = next(t for t in tensors if isinstance(t, Tensor))
    inputs = [as_tensor("concatenate", f"tensors[{i}]", t, like) for i, t in enumerate(tensors)]
    rank = inputs[0].ndim
    # a 0-D input is reported by the layer itself, which names the inputs' shapes
    op = Concatenation(normalize_axis("concatenate", axis, rank) if rank else axis)
    return like.network.add1(op, inputs, name=name)
