"""ITopKLayer: the ``k`` largest (MAX) or smallest (MIN) elements along one axis, sorted, with their indices.

The layer has two outputs of the same shape (``x``'s, with ``k`` at ``axis``): the values, and their
positions along ``axis`` (int32 by default, or int64). TensorRT requires ``k <= 3840``, ``k`` at most the
axis' size, and the axis to be one of the last four dims. Inputs: float types, int32, int64.

Two orderings TensorRT does not document, and trtdsl's reading of them:

- ties keep the lower index first (a stable sort, as ONNX's TopK specifies). TensorRT's ONNX parser
  relies on it: it builds ArgMax with ``select_last_index`` by flipping the data and running TopK with
  ``k = 1`` (onnx-tensorrt, importerUtils.cpp), which needs the first of equal values;
- NaN counts as larger than every number (as in ``torch.topk``): MAX returns NaNs first, MIN last
  (UNCONFIRMED; an engine run of TopK over ``[1, NaN, 3]`` would settle it).

With ``v = np.moveaxis(x, axis, -1)``, MIN is ``i = np.argsort(v, kind="stable")[..., :k]``,
``values = np.take_along_axis(v, i, -1)`` (then moved back); MAX is the same with the order reversed.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("topk")
>>> x = net.input("x", td.float32, (2, 5))
>>> values, indices = td.topk(x, 3)
>>> net.output("values", values)
>>> net.output("indices", indices)
>>> out = net.run({"x": np.array([[-3, -2, -1, 10, -25], [0, 1, 2, -2, -1]], np.float32)})
>>> out["values"], out["indices"]
(array([[10., -1., -2.],
       [ 2.,  1.,  0.]], dtype=float32), array([[3, 2, 1],
       [2, 1, 0]], dtype=int32))
"""

from __future__ import annotations

import enum

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import ExecutionError, ShapeError, bad_argument
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    expect_bool, expect_rank, expect_tensor, is_int, normalize_axis,
)

__all__ = ["TopK", "TopKOperation", "topk"]

MAX_K = 3840  # TensorRT's limit on k


class TopKOperation(enum.Enum):
    MAX = "max"
    MIN = "min"


def _leading(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """The first ``k`` entries along ``axis``."""
    return a[(slice(None),) * axis + (slice(0, k),)]


@attrs.frozen
class TopK(Op):
    """``k`` extreme values of ``x`` along ``axis`` and their indices (see the module's ordering rules)."""

    kind = "TopK"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.topk`",
        "`ITopKLayer` (`TopKOperation` MAX / MIN)",
        "Returns sorted values and int32 (or int64) indices; `k <= 3840` and the axis must be one of the "
        "last four; ties keep the lower index; NaN counts as the largest (*UNCONFIRMED*).",
        "NvInfer.h `addTopK`; ties: onnx-tensorrt's ArgMax (*indirect*)",
    )
    input_names = ("x",)
    input_dtypes = {"x": dtypes.FLOATS + dtypes.INTEGERS}
    name_stem = "topk"
    op: TopKOperation = attrs.field(metadata=ir(label=True))
    k: int
    axis: int
    indices_dtype: DType = attrs.field(default=dtypes.int32, metadata=ir(unless_default=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        label = self.label()
        expect_rank(label, "x", x, lambda r: r >= 1, "rank >= 1 (top-k needs an axis)")
        if self.indices_dtype not in dtypes.INTEGERS:
            raise bad_argument(label, "indices_dtype", self.indices_dtype, "td.int32 or td.int64")
        if isinstance(self.k, bool) or not isinstance(self.k, int) or not 1 <= self.k <= MAX_K:
            raise bad_argument(label, "k", self.k, f"an int in [1, {MAX_K}]")
        first = max(x.rank - 4, 0)
        if not first <= self.axis < x.rank:
            raise bad_argument(label, "axis", self.axis, f"one of the last four dims ({first} to "
                               f"{x.rank - 1}) of a rank-{x.rank} input", ShapeError)
        size = x.shape[self.axis]
        if isinstance(size, int) and self.k > size:
            raise bad_argument(label, "k", self.k, f"at most {size}, the size of axis {self.axis} of input "
                               f"shape {x.shape_text}", ShapeError)
        shape = x.shape[: self.axis] + (self.k,) + x.shape[self.axis + 1:]
        return (TensorType(x.dtype, shape), TensorType(self.indices_dtype, shape))

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        k, axis = self.k, self.axis
        n = x.shape[axis]
        if k > n:
            raise ExecutionError(f"{self.label()}: k={k} exceeds the size {n} of axis {axis} of the input "
                                 f"(shape {x.shape})")
        keys = x.astype(np.float32) if x.dtype.itemsize == 2 else x  # 16-bit floats sort exactly in float32
        if self.op is TopKOperation.MIN:
            order = _leading(np.argsort(keys, axis=axis, kind="stable"), k, axis)
        else:
            # Descending with ties (and NaNs) in increasing index order: a stable ascending sort of the
            # reversed axis, read from its end; position j of the reversed axis is index n-1-j.
            ascending = np.argsort(np.flip(keys, axis), axis=axis, kind="stable")
            order = (n - 1) - _leading(np.flip(ascending, axis), k, axis)
        values = np.take_along_axis(x, order, axis=axis)
        return (values, order.astype(self.indices_dtype.numpy, copy=False))


def topk(x: Tensor, k: int, axis: int = -1, *, largest: bool = True,
         indices_dtype: DType | str = dtypes.int32, name: str | None = None) -> tuple[Tensor, Tensor]:
    """``(values, indices)``: the ``k`` largest elements along ``axis`` in descending order, or with
    ``largest=False`` the ``k`` smallest in ascending order (ONNX's TopK / ``torch.topk``), as one ITopKLayer.
    Ties: lower index first; NaN counts as the largest value (UNCONFIRMED); see the module.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("topk")
    >>> x = net.input("x", td.int32, (6,))
    >>> values, indices = td.topk(x, 3, largest=False, indices_dtype=td.int64)
    >>> net.output("v", values)
    >>> net.output("i", indices)
    >>> out = net.run({"x": np.array([4, 1, 7, 1, 0, 9], np.int32)})
    >>> out["v"], out["i"]
    (array([0, 1, 1], dtype=int32), array([4, 1, 3]))
    """
    x = expect_tensor("topk", "x", x)
    if not is_int(k):
        raise bad_argument("topk", "k", k, "an int")
    largest = expect_bool("topk", "largest", largest)
    if x.ndim == 0:
        raise ShapeError("topk: argument 'x' has shape (); expected rank >= 1 (top-k needs an axis)")
    operation = TopKOperation.MAX if largest else TopKOperation.MIN
    op = TopK(operation, int(k), normalize_axis("topk", axis, x.ndim), dtypes.dtype(indices_dtype))
    values, indices = x.network.add(op, (x,), name=name)
    return values, indices
