"""IOneHotLayer: a one-hot encoding of int32 indices along a new axis, with given off and on values.

With ``values = [off, on]`` and ``depth`` classes, the output has the indices' shape with ``depth`` inserted
at ``axis`` and, for ``axis=-1``, ``out[i, j, c] = on if indices[i, j] == c else off`` (NvInfer.h 10.16
L6182, 11.1 L6015): in NumPy, ``np.where(idx[..., None] == np.arange(depth), on, off)``. The output has the
values' dtype: int8, int32, int64, float16, float32, bfloat16 (the Operators reference's OneHot page) and
bool (TensorRT's ONNX parser docs and NVIDIA's TensorRT cookbook list it; the Operators page does not:
UNCONFIRMED). ``axis`` lies in ``[-rank - 1, rank]`` of the indices.

TensorRT takes the depth as a 0-D int32 shape tensor that must be a positive build-time constant; the IR
keeps it as an int parameter (the lowering adds that constant and raise folds it back).

Indices outside ``[0, depth)`` are not documented. trtdsl reads them as ONNX OneHot does: a negative index
wraps once (``-1`` is the last class) and one still outside the range gives only off values. TensorRT's
ONNX parser hands ONNX OneHot's indices to this layer unchanged, so the reading is what it needs
(UNCONFIRMED; an engine fed out-of-range indices would settle it).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("oh")
>>> labels = net.input("labels", td.int32, (4,))
>>> net.output("y", td.one_hot(labels, 3, values=(-1.0, 5.0)))
>>> net.run({"labels": np.array([0, 2, -1, 3], np.int32)})["y"]   # -1 is class 2; 3 is no class
array([[ 5., -1., -1.],
       [-1., -1.,  5.],
       [-1., -1.,  5.],
       [-1., -1., -1.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import DTypeError, ShapeError, bad_argument
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import as_array, expect_tensor, is_int

__all__ = ["OneHot", "one_hot"]

ONE_HOT_DTYPES = (dtypes.bool_, dtypes.int8, dtypes.int32, dtypes.int64) + dtypes.FLOATS
MAX_DEPTH = 2**31 - 1  # an int32 shape tensor holds it


@attrs.frozen
class OneHot(Op):
    """``np.where(np.expand_dims(idx, axis) == classes, on, off)`` with ``classes`` counting ``0..depth-1``
    along ``axis`` and negative indices wrapped once (see the module doc)."""

    kind = "OneHot"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.one_hot`",
        "`IOneHotLayer`",
        "`np.where(np.expand_dims(indices, axis) == classes, on, off)` (NvInfer.h `IOneHotLayer`): int32 "
        "indices only; `depth` is a positive int fixed when the network is built (a constant shape tensor "
        "in TensorRT); `values=(off, on)`, float32 by default, or a `(2,)` tensor whose dtype the output "
        "has. A negative index counts from `depth`, one outside `[-depth, depth)` gives only off values "
        "(ONNX OneHot's rule, which TensorRT's ONNX parser relies on: *UNCONFIRMED*).",
        "NvInfer.h `IOneHotLayer`, Operators reference",
    )
    input_names = ("indices", "values")
    input_dtypes = {"indices": (dtypes.int32,), "values": ONE_HOT_DTYPES}
    dtype_notes = {"indices": " (IOneHotLayer takes int32 indices)"}
    depth: int
    axis: int = -1

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        indices, values = inputs
        label = self.label()
        if values.shape != (2,):
            raise ShapeError(f"{label}: input 'values' has shape {values.shape_text}; expected (2,): [off, "
                             "on]")
        if not is_int(self.depth) or not 1 <= self.depth <= MAX_DEPTH:
            raise bad_argument(label, "depth", self.depth, f"an int in [1, {MAX_DEPTH}]")
        rank = indices.rank
        if not is_int(self.axis) or not -rank - 1 <= self.axis <= rank:
            raise bad_argument(label, "axis", self.axis, f"an int in [{-rank - 1}, {rank}] for rank-{rank} "
                                                         "indices", ShapeError)
        axis = self.axis % (rank + 1)
        return (TensorType(values.dtype, indices.shape[:axis] + (self.depth,) + indices.shape[axis:]),)

    def reference(self, indices: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
        axis = self.axis % (indices.ndim + 1)
        wide = indices.astype(np.int64)
        wrapped = np.where(wide < 0, wide + self.depth, wide)
        classes = np.arange(self.depth).reshape((self.depth,) + (1,) * (indices.ndim - axis))
        hot = np.expand_dims(wrapped, axis) == classes
        return (np.where(hot, values[1], values[0]).astype(values.dtype, copy=False),)


def _values_tensor(indices: Tensor, values: Any, dtype: DType | None) -> Tensor:
    """``values`` as a tensor: a Tensor as is, a pair of numbers as a constant of ``dtype`` (float32 by
    default)."""
    if isinstance(values, Tensor):
        if dtype is not None and values.dtype != dtype:
            raise DTypeError(f"one_hot: argument 'values' has dtype {values.dtype.name} but 'dtype' is "
                             f"{dtype.name}; give one of them (the output has the values' dtype)")
        return values
    array = as_array("one_hot", "values", values, dtype or dtypes.float32)
    if array.shape != (2,):
        raise bad_argument("one_hot", "values", values, "a pair (off, on), or a tensor of shape (2,)",
                           ShapeError)
    return indices.network.constant(array)


def one_hot(indices: Any, depth: int, values: Any = (0, 1), axis: int = -1, *, dtype: DType | None = None,
            name: str | None = None) -> Tensor:
    """One IOneHotLayer: ``np.where(np.expand_dims(indices, axis) == classes, on, off)`` where ``values`` is
    ``(off, on)`` and ``classes`` counts ``0..depth-1`` along the new ``axis`` of the output.

    ``indices`` is an int32 tensor; ``depth`` a positive int, fixed when the
    network is built. ``values`` is a pair of numbers, made a constant of ``dtype`` (float32 by default),
    or a tensor of shape ``(2,)``, whose dtype the output has. A negative index counts from ``depth`` and
    one outside ``[-depth, depth)`` gives only off values (ONNX's rule; UNCONFIRMED for TensorRT).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("oh")
    >>> idx = net.input("idx", td.int32, (2, 2))
    >>> net.output("y", td.one_hot(idx, 3, axis=0, dtype=td.int32))
    >>> net.run({"idx": np.array([[0, 1], [2, 1]], np.int32)})["y"]
    array([[[1, 0],
            [0, 0]],
    <BLANKLINE>
           [[0, 1],
            [0, 1]],
    <BLANKLINE>
           [[0, 0],
            [1, 0]]], dtype=int32)
    """
    indices = expect_tensor("one_hot", "indices", indices)
    if indices.dtype != dtypes.int32:
        raise DTypeError(f"one_hot: argument 'indices' has dtype {indices.dtype.name}; expected int32 "
                         "(IOneHotLayer takes int32 indices: cast with td.cast(indices, td.int32))")
    if not is_int(depth) or not 1 <= depth <= MAX_DEPTH:
        raise bad_argument("one_hot", "depth", depth, f"an int in [1, {MAX_DEPTH}] (TensorRT needs the depth "
                                                      "when the network is built)")
    if dtype is not None and not isinstance(dtype, DType):
        raise bad_argument("one_hot", "dtype", dtype, "a trtdsl dtype such as td.float32", DTypeError)
    values_t = _values_tensor(indices, values, dtype)
    rank = indices.ndim
    if not is_int(axis) or not -rank - 1 <= axis <= rank:
        expected = (f"an int in [{-rank - 1}, {rank}] for rank-{rank} indices (the new axis' position in the "
                    "output)")
        raise bad_argument("one_hot", "axis", axis, expected, ShapeError)
    return indices.network.add1(OneHot(int(depth), int(axis) % (rank + 1)), (indices, values_t), name=name)
