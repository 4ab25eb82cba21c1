"""IScatterLayer: a copy of ``data`` with ``updates`` written at ``indices``, in two modes (NvInfer.h 10.16
L6079, 11.1 L5910):

- ELEMENT, ONNX ScatterElements (``td.scatter_elements``, ``td.put_along_axis``):
  ``out[J with J[axis] := indices[J]] = updates[J]`` for every position ``J`` of ``indices``. Data, indices
  and updates have one rank; indices and updates one shape, no larger than the data's.
- ND, ONNX ScatterND (``td.scatter_nd``): ``out[tuple(indices[B])] = updates[B]`` for every position ``B``
  of ``indices[..., 0]``. The last dim ``k`` of indices (static) holds coordinates into the data's first
  ``k`` dims, and ``updates.shape == indices.shape[:-1] + data.shape[k:]``.

Data and updates share a dtype: int8, int32, int64, float16, float32, bfloat16 (the Operators reference's
Scatter page) or bool (NVIDIA's TensorRT cookbook lists it, the Operators page does not: UNCONFIRMED);
indices are int32 or int64. ND mode has no axis (the IR keeps 0).

Three cases TensorRT leaves open, and trtdsl's readings:

- Two writes to one element are undefined (NvInfer.h: "Writes to the same output element cause undefined
  behavior"). The reference writes in the row-major order of the indices, so the **last** write wins, as
  NVIDIA's cookbook's sequential loop and onnxruntime do. UNCONFIRMED: a GPU kernel may keep any of them;
  do not rely on it.
- A negative index wraps once by the axis length (``-1`` is the last element), as ONNX ScatterElements
  and ScatterND specify: TensorRT's ONNX parser hands ONNX's indices to this layer unchanged (UNCONFIRMED).
- An index still out of range is an error on the reference (TensorRT does not say what it writes).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("sc")
>>> data = net.input("data", td.float32, (2, 3))
>>> net.output("y", td.scatter_elements(data, np.array([[2, 0]]), np.array([[7.0, 8.0]]), axis=1))
>>> net.run({"data": np.zeros((2, 3), np.float32)})["y"]
array([[8., 0., 7.],
       [0., 0., 0.]], dtype=float32)
"""

from __future__ import annotations

import enum
import math
from typing import Any, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import Dim, DimLike
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    as_tensor, broadcast_dim, expect_tensor, is_int, normalize_axis,
)
from trtdsl.layers.fill import broadcast_to
from trtdsl.layers.gather import _index_tensor

__all__ = ["Scatter", "ScatterMode", "put_along_axis", "scatter_elements", "scatter_nd"]

# The TensorRT Operators reference's Scatter page, and bool (see the module doc).
SCATTER_DTYPES = (dtypes.bool_, dtypes.int8, dtypes.int32, dtypes.int64) + dtypes.FLOATS


class ScatterMode(enum.Enum):
    ELEMENT = "element"
    ND = "nd"


def _same_shape(label: str, what: str, got: TensorType, want: Sequence[DimLike], why: str) -> None:
    """A ShapeError unless ``got``'s shape is ``want``: equal ranks, and dims equal or one of them dynamic
    with the other static (they must agree when the network runs)."""
    ok = got.rank == len(want) and all(
        a == b or isinstance(a, Dim) != isinstance(b, Dim) for a, b in zip(got.shape, want)
    )
    if not ok:
        shown = TensorType(got.dtype, tuple(want)).shape_text
        raise ShapeError(f"{label}: input '{what}' has shape {got.shape_text}; expected {shown} ({why})")


@attrs.frozen
class Scatter(Op):
    """``data`` with ``updates`` written at ``indices`` by ``mode`` (see the module doc)."""

    kind = "Scatter"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.scatter_elements`, `td.scatter_nd`, `td.put_along_axis`",
        "`IScatterLayer` (`ScatterMode` ELEMENT / ND)",
        "ONNX ScatterElements / ScatterND without reduction (NvInfer.h `IScatterLayer`), returning a new "
        "tensor (`np.put_along_axis` writes in place; its indices and values broadcast with Slice "
        "layers). ELEMENT indices are no larger than the data. Writes to one element twice are undefined "
        "in TensorRT: the reference keeps the last in the indices' row-major order (*UNCONFIRMED*). "
        "Negative indices wrap once (ONNX's rule, *UNCONFIRMED*); indices still out of range are an error "
        "on the reference.",
        "NvInfer.h `IScatterLayer`, Operators reference, onnx-tensorrt ScatterElements/ScatterND "
        "importers",
    )
    input_names = ("data", "indices", "updates")
    input_dtypes = {"data": SCATTER_DTYPES, "indices": dtypes.INTEGERS}
    mode: ScatterMode = attrs.field(default=ScatterMode.ELEMENT, metadata=ir(label=True))
    axis: int = 0

    def attributes(self) -> dict[str, object]:
        return {"axis": self.axis} if self.mode is ScatterMode.ELEMENT else {}

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        data, idx, upd = inputs
        label = self.label()
        if upd.dtype != data.dtype:
            raise DTypeError(f"{label}: input 'updates' has dtype {upd.dtype.name} but 'data' has "
                             f"{data.dtype.name}; they must be the same (cast with td.cast)")
        if data.rank == 0:
            raise ShapeError(f"{label}: input 'data' has shape (); expected rank >= 1")
        if not is_int(self.axis):
            raise bad_argument(label, "axis", self.axis, "an int")
        if self.mode is ScatterMode.ELEMENT:
            self._check_element(label, data, idx, upd)
        else:
            self._check_nd(label, data, idx, upd)
        return (data,)

    def _check_element(self, label: str, data: TensorType, idx: TensorType, upd: TensorType) -> None:
        if not 0 <= self.axis < data.rank:
            raise bad_argument(label, "axis", self.axis, f"an int in [0, {data.rank - 1}] for data of shape "
                                                         f"{data.shape_text}", ShapeError)
        if idx.rank != data.rank:
            raise ShapeError(f"{label}: input 'indices' has shape {idx.shape_text} but 'data' has "
                             f"{data.shape_text}; ELEMENT mode needs equal ranks")
        # TensorRT's ONNX parser checks this before adding the layer (onnx-tensorrt addScatterLayer)
        for k, (i, d) in enumerate(zip(idx.shape, data.shape)):
            if isinstance(i, int) and isinstance(d, int) and i > d:
                raise ShapeError(f"{label}: dim {k} of 'indices' (shape {idx.shape_text}) is larger than "
                                 f"that of 'data' (shape {data.shape_text}); expected dims no larger than "
                                 "data's")
        _same_shape(label, "updates", upd, idx.shape, "the shape of 'indices': one update per index")

    def _check_nd(self, label: str, data: TensorType, idx: TensorType, upd: TensorType) -> None:
        if self.axis != 0:
            raise bad_argument(label, "axis", self.axis, "0 (ND mode has no scatter axis)")
        if idx.rank == 0:
            raise ShapeError(f"{label}: input 'indices' has shape (); ND mode needs rank >= 1 (the last dim "
                             "holds the coordinates)")
        k = idx.shape[-1]
        if not isinstance(k, int):
            raise ShapeError(f"{label}: the last dim of 'indices' (shape {idx.shape_text}) is dynamic; it "
                             "must be static")
        if not 1 <= k <= data.rank:
            raise ShapeError(f"{label}: the last dim of 'indices' (shape {idx.shape_text}) is {k}; expected "
                             f"1 to {data.rank} coordinates into data of shape {data.shape_text}")
        _same_shape(label, "updates", upd, idx.shape[:-1] + data.shape[k:],
                    "indices.shape[:-1] + data.shape[k:], k = indices.shape[-1]")

    def reference(self, data: np.ndarray, idx: np.ndarray, upd: np.ndarray) -> tuple[np.ndarray, ...]:
        out = data.copy()
        if self.mode is ScatterMode.ELEMENT:
            if idx.shape != upd.shape or any(i > d for i, d in zip(idx.shape, data.shape)):
                raise ValueError(f"indices of shape {idx.shape} and updates of shape {upd.shape} do not fit "
                                 f"data of shape {data.shape}")
            grid: list[np.ndarray] = list(np.indices(idx.shape, sparse=True))
            grid[self.axis] = self._wrapped(idx, data.shape[self.axis])
            positions = np.ravel_multi_index(tuple(np.broadcast_arrays(*grid)), data.shape).reshape(-1)
            _write_last(out.reshape(-1, 1), positions, upd.reshape(-1, 1))
            return (out,)
        k = idx.shape[-1]
        if upd.shape != idx.shape[:-1] + data.shape[k:]:
            raise ValueError(f"updates of shape {upd.shape} do not fit indices of shape {idx.shape} and data "
                             f"of shape {data.shape}")
        coords = idx.reshape(-1, k)
        columns = [self._wrapped(coords[:, j], data.shape[j]) for j in range(k)]
        if coords.shape[0]:
            positions = np.ravel_multi_index(columns, data.shape[:k])
            rows = coords.shape[0]
            _write_last(out.reshape(math.prod(data.shape[:k]), -1), positions, upd.reshape(rows, -1))
        return (out,)

    def _wrapped(self, idx: np.ndarray, length: int) -> np.ndarray:
        """``idx`` with negatives wrapped once by ``length``; an index still out of range is an error."""
        wide = idx.astype(np.int64)
        wrapped = np.where(wide < 0, wide + length, wide)
        bad = (wrapped < 0) | (wrapped >= length)
        if bad.any():
            raise ExecutionError(f"{self.label()}: an index is {int(wide[bad][0])} for an axis of length "
                                 f"{length}; expected [-{length}, {length - 1}] (TensorRT leaves "
                                 "out-of-range scatter indices undefined)")
        return wrapped


def _write_last(target: np.ndarray, positions: np.ndarray, rows: np.ndarray) -> None:
    """``target[positions[i]] = rows[i]`` for every i in order, so the last write to a position wins."""
    unique, first_from_end = np.unique(positions[::-1], return_index=True)
    target[unique] = rows[len(positions) - 1 - first_from_end]


def _scatter(fn: str, data: Any, indices: Any, updates: Any, mode: ScatterMode, axis: int,
             name: str | None) -> Tensor:
    data = expect_tensor(fn, "data", data)
    idx = _index_tensor(fn, data, indices)
    upd = as_tensor(fn, "updates", updates, data)
    return data.network.add1(Scatter(mode, axis), (data, idx, upd), name=name)


def _element_axis(fn: str, data: Tensor, axis: Any) -> int:
    if data.ndim == 0:
        raise ShapeError(f"{fn}: argument '{'arr' if fn == 'put_along_axis' else 'data'}' has shape (); "
                         "expected rank >= 1")
    return normalize_axis(fn, axis, data.ndim)


def scatter_elements(data: Tensor, indices: Any, updates: Any, axis: int = 0, *,
                     name: str | None = None) -> Tensor:
    """ONNX ``ScatterElements(data, indices, updates, axis)`` (ELEMENT mode): a copy of ``data`` with
    ``out[J with J[axis] := indices[J]] = updates[J]`` for every position ``J`` of ``indices``.

    ``indices`` (int32/int64, or ints made a constant) and ``updates`` (numbers and arrays become constants
    of the data's dtype) have the data's rank and one shape, no larger than the data's. A negative index
    counts from the end of the axis; when two indices hit one element the last wins (UNCONFIRMED, see the
    module doc).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("se")
    >>> data = net.input("data", td.int32, (3, 2))
    >>> net.output("y", td.scatter_elements(data, [[1, -1]], [[5, 6]]))   # rows 1 and 2
    >>> net.run({"data": np.zeros((3, 2), np.int32)})["y"]
    array([[0, 0],
           [5, 0],
           [0, 6]], dtype=int32)
    """
    data = expect_tensor("scatter_elements", "data", data)
    axis = _element_axis("scatter_elements", data, axis)
    return _scatter("scatter_elements", data, indices, updates, ScatterMode.ELEMENT, axis, name)


def scatter_nd(data: Tensor, indices: Any, updates: Any, *, name: str | None = None) -> Tensor:
    """ONNX ``ScatterND(data, indices, updates)`` (ND mode): a copy of ``data`` with
    ``out[tuple(indices[B])] = updates[B]`` for every position ``B`` of ``indices[..., 0]``; the static last
    dim ``k`` of ``indices`` addresses the data's first ``k`` dims, so each update is a slice
    ``data.shape[k:]``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("snd")
    >>> data = net.input("data", td.float32, (3, 2))
    >>> net.output("rows", td.scatter_nd(data, [[2], [0]], np.ones((2, 2), np.float32)))
    >>> net.run({"data": np.zeros((3, 2), np.float32)})["rows"]
    array([[1., 1.],
           [0., 0.],
           [1., 1.]], dtype=float32)
    """
    return _scatter("scatter_nd", data, indices, updates, ScatterMode.ND, 0, name)


def put_along_axis(arr: Tensor, indices: Any, values: Any, axis: int, *, name: str | None = None) -> Tensor:
    """``np.put_along_axis(arr, indices, values, axis)``, returning the result (NumPy writes into ``arr``):
    one ELEMENT Scatter, ``out[J with J[axis] := indices[J]] = values[J]``.

    As in NumPy, ``indices`` has the rank of ``arr`` and broadcasts against it off ``axis`` (a dim of 1
    is repeated), and ``values`` broadcasts to the indices' shape; the broadcasts are Slice layers
    (``td.broadcast_to``). ``axis`` must be an int (NumPy's ``axis=None``, on the flattened array, is not
    supported). When two indices hit one element the last wins (UNCONFIRMED, see the module doc).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("put")
    >>> arr = net.input("arr", td.float32, (2, 3))
    >>> net.output("y", td.put_along_axis(arr, np.array([[0], [2]]), 9.0, axis=1))
    >>> net.run({"arr": np.zeros((2, 3), np.float32)})["y"]
    array([[9., 0., 0.],
           [0., 0., 9.]], dtype=float32)
    """
    arr = expect_tensor("put_along_axis", "arr", arr)
    if axis is None:
        raise bad_argument("put_along_axis", "axis", None, "an int (axis=None, NumPy's flattened form, is "
                                                           "not supported)")
    axis = _element_axis("put_along_axis", arr, axis)
    idx = _index_tensor("put_along_axis", arr, indices)
    if idx.ndim != arr.ndim:
        raise ShapeError(f"put_along_axis: argument 'indices' has shape {idx.type.shape_text} but 'arr' has "
                         f"{arr.type.shape_text}; expected the same rank (NumPy's rule)")
    target = tuple(
        i if k == axis else broadcast_dim("put_along_axis", a, i, (arr.type, idx.type))
        for k, (a, i) in enumerate(zip(arr.shape, idx.shape))
    )
    if idx.shape != target:
        idx = broadcast_to(idx, target)
    upd = as_tensor("put_along_axis", "values", values, arr)
    if upd.shape != target:
        pairs = zip(reversed(upd.shape), reversed(target))
        if upd.ndim > len(target) or any(isinstance(v, int) and isinstance(t, int) and v not in (1, t)
                                         for v, t in pairs):
            wanted = TensorType(arr.dtype, target).shape_text
            raise ShapeError(f"put_along_axis: argument 'values' has shape {upd.type.shape_text}; expected "
                             f"one that broadcasts to {wanted} (the shape of the indices, broadcast against "
                             "'arr')")
        upd = broadcast_to(upd, target)
    return arr.network.add1(Scatter(ScatterMode.ELEMENT, axis), (arr, idx, upd), name=name)
