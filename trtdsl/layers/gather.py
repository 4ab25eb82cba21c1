"""IGatherLayer in its three modes, and the NumPy-named functions built on them.

=========  ===========================================================  ======================
mode       meaning (e = num_elementwise_dims)                           function
=========  ===========================================================  ======================
DEFAULT    e=0: ``np.take(data, indices, axis)``; e=1: the same for      ``td.take``,
           each pair ``data[b], indices[b]`` (dim 0 broadcasts)          ``td.gather``
ELEMENT    ``np.take_along_axis(data, indices, axis)``, indices of the   ``td.take_along_axis``
           data's rank with dims no larger than the data's (e=0)
ND         ONNX GatherND with ``batch_dims=e``: the last dim of indices  ``td.gather_nd``
           (static) holds coordinates into ``data[b]``'s leading dims
=========  ===========================================================  ======================

Indices are int32 or int64. Two rules differ from NumPy, as TensorRT documents them:

- an index out of range gives **0** (TensorRT stores 0 for out-of-bounds reads) instead of raising;
- int64 indices with data that is not int64 are cast to int32 first (the TensorRT Operators reference).

Negative indices wrap by adding the axis length (``-1`` is the last element), as in NumPy and ONNX.
TensorRT's ONNX parser passes ONNX's indices, which may be negative, to addGather unchanged
(onnx-tensorrt, Gather importer), so static axes wrap; NvInfer.h calls a negative index on a
*dynamic*-length axis undefined, so wrapping there too is harmless. Indices still out of range after
it give 0.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("g")
>>> data = net.input("data", td.float32, (2, 3))
>>> net.output("y", td.take(data, np.array([2, -1, 3, 0]), axis=1))
>>> net.run({"data": np.array([[1, 2, 3], [4, 5, 6]], np.float32)})["y"]   # index 3 is out of range
array([[3., 3., 0., 1.],
       [6., 6., 0., 4.]], dtype=float32)
"""

from __future__ import annotations

import enum
import math
import operator
from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ShapeError, bad_argument, shown
from trtdsl.ir.dims import DimLike
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.shapes.algebra import same_dim
from trtdsl.layers._common import array_of, broadcast_dim, expect_tensor, normalize_axis

__all__ = ["GatherMode", "Gather", "gather", "take", "take_along_axis", "gather_nd"]


class GatherMode(enum.Enum):
    DEFAULT = "default"
    ELEMENT = "element"
    ND = "nd"


_G = GatherMode
# The TensorRT Operators reference's Gather page.
GATHER_DTYPES = (dtypes.bool_, dtypes.int4, dtypes.int8, dtypes.int32, dtypes.int64, dtypes.float8_e4m3) + dtypes.FLOATS


@attrs.frozen
class Gather(Op):
    """Gather from ``data`` (rank >= 1) at ``indices`` (int32/int64), by ``mode`` (see the module doc)."""

    kind = "Gather"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.take`, `td.take_along_axis`, `td.gather_nd`, `td.gather`",
        "`IGatherLayer` (`GatherMode` DEFAULT / ELEMENT / ND)",
        "An index out of range reads **0** instead of raising; negative indices wrap on every axis "
        "(undefined in TensorRT for dynamic axes); int64 indices with non-int64 data are cast to int32.",
        "NvInfer.h `IGatherLayer`; Operators reference, Gather; negative indices: onnx-tensorrt "
        "(*indirect*)",
    )
    input_names = ("data", "indices")
    input_dtypes = {"data": GATHER_DTYPES, "indices": dtypes.INTEGERS}
    axis: int = 0
    mode: GatherMode = attrs.field(default=GatherMode.DEFAULT, metadata=ir(label=True))
    num_elementwise_dims: int = 0

    def attributes(self) -> dict[str, object]:
        shown: dict[str, object] = {} if self.mode is _G.ND else {"axis": self.axis}
        if self.num_elementwise_dims:
            shown["num_elementwise_dims"] = self.num_elementwise_dims
        return shown

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        data, idx = inputs
        label = self.label()
        if data.rank == 0:
            raise ShapeError(f"{label}: input 'data' has shape (); expected rank >= 1")
        e = self.num_elementwise_dims
        if type(e) is not int or type(self.axis) is not int:  # exact: bools are not axes
            raise bad_argument(label, "axis/num_elementwise_dims", (self.axis, e), "ints")
        if self.mode is _G.DEFAULT:
            shape = self._default_shape(label, data, idx)
        elif self.mode is _G.ELEMENT:
            shape = self._element_shape(label, data, idx)
        else:
            shape = self._nd_shape(label, data, idx)
        return (TensorType(data.dtype, shape),)

    def _default_shape(self, label: str, data: TensorType, idx: TensorType) -> tuple[DimLike, ...]:
        e, axis, r = self.num_elementwise_dims, self.axis, data.rank
        if e not in (0, 1):
            raise bad_argument(label, "num_elementwise_dims", e, "0 or 1 in DEFAULT mode")
        if not e <= axis < r:
            raise bad_argument(label, "axis", axis, f"an int in [{e}, {r - 1}] for data of shape {data.shape_text}"
                               + (" and num_elementwise_dims=1" if e else ""), ShapeError)
        if idx.rank < e:
            raise ShapeError(f"{label}: input 'indices' has shape (); num_elementwise_dims=1 needs rank >= 1")
        batch = (broadcast_dim(label, data.shape[0], idx.shape[0], (data, idx)),) if e else ()
        return batch + data.shape[e:axis] + idx.shape[e:] + data.shape[axis + 1:]

    def _element_shape(self, label: str, data: TensorType, idx: TensorType) -> tuple[DimLike, ...]:
        if self.num_elementwise_dims != 0:
            raise bad_argument(label, "num_elementwise_dims", self.num_elementwise_dims, "0 in ELEMENT mode")
        if not 0 <= self.axis < data.rank:
            raise bad_argument(label, "axis", self.axis, f"an int in [0, {data.rank - 1}] for data of shape "
                               f"{data.shape_text}", ShapeError)
        if idx.rank != data.rank:
            raise ShapeError(
                f"{label}: input 'indices' has shape {idx.shape_text} but 'data' has {data.shape_text}; ELEMENT "
                "mode needs equal ranks"
            )
        for k, (i, d) in enumerate(zip(idx.shape, data.shape)):
            if k != self.axis and isinstance(i, int) and isinstance(d, int) and i > d:
                raise ShapeError(
                    f"{label}: dim {k} of 'indices' (shape {idx.shape_text}) is larger than that of 'data' (shape "
                    f"{data.shape_text}); off the gather axis, indices address data elements directly"
                )
        return idx.shape

    def _nd_shape(self, label: str, data: TensorType, idx: TensorType) -> tuple[DimLike, ...]:
        e, r = self.num_elementwise_dims, data.rank
        if self.axis != 0:
            raise bad_argument(label, "axis", self.axis, "0 (ND mode has no gather axis)")
        # NvInfer.h gives both "0 <= e < rank(data) - 1" and "between 0 and one less than rank(data)"; the
        # stricter one would forbid 1-D data, which GatherND accepts, so trtdsl takes 0 <= e < rank(data).
        if not 0 <= e < r:
            raise bad_argument(label, "num_elementwise_dims", e, f"an int in [0, {r - 1}] for data of shape "
                               f"{data.shape_text}", ShapeError)
        if idx.rank < e + 1:
            raise ShapeError(
                f"{label}: input 'indices' has shape {idx.shape_text}; ND mode needs rank >= {e + 1} "
                f"(num_elementwise_dims={e} batch dims, then the coordinates' dim)"
            )
        k = idx.shape[-1]
        if not isinstance(k, int):
            raise ShapeError(f"{label}: the last dim of 'indices' (shape {idx.shape_text}) is dynamic; it must be static")
        if not 1 <= k <= r - e:
            raise ShapeError(
                f"{label}: the last dim of 'indices' (shape {idx.shape_text}) is {k}; expected 1 to {r - e} "
                f"coordinates into data of shape {data.shape_text} after {e} batch dims"
            )
        batch = tuple(_same_batch_dim(label, b, data, idx) for b in range(e))
        return batch + idx.shape[e:-1] + data.shape[e + k:]

    def reference(self, data: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, ...]:
        if idx.dtype == np.int64 and data.dtype != np.int64:
            idx = idx.astype(np.int32)  # TensorRT casts such indices to int32 (the Operators reference)
        if self.mode is _G.DEFAULT:
            return (_take(data, idx, self.axis, self.num_elementwise_dims),)
        if self.mode is _G.ELEMENT:
            return (_take_along_axis(data, idx, self.axis),)
        return (_gather_nd(data, idx, self.num_elementwise_dims),)


def _same_batch_dim(label: str, b: int, data: TensorType, idx: TensorType) -> DimLike:
    """ND mode's batch dims must be equal in data and indices (no broadcasting)."""
    d, i = data.shape[b], idx.shape[b]
    if same_dim(d, i):
        return d
    if isinstance(d, int) and isinstance(i, int) or not (isinstance(d, int) or isinstance(i, int)):
        raise ShapeError(
            f"{label}: batch dim {b} is {d} in 'data' (shape {data.shape_text}) but {i} in 'indices' (shape "
            f"{idx.shape_text}); ND mode needs them equal"
        )
    return d if isinstance(d, int) else i


def _wrap(idx: np.ndarray, dims: Any) -> tuple[np.ndarray, np.ndarray]:
    """(indices safe to read with, mask of the valid ones): negatives wrap once by the axis length;
    what is still out of range reads index 0 and is masked out."""
    # idx + dims cannot overflow: it is computed only where idx is negative
    wrapped = np.where(idx < 0, idx + np.asarray(dims, idx.dtype), idx)
    valid = (wrapped >= 0) & (wrapped < dims)
    return np.where(valid, wrapped, 0), valid


def _masked(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``values`` (a fresh array) with 0 where ``valid`` (broadcast to it) is false: TensorRT stores 0
    for out-of-bounds reads."""
    if not valid.all():
        np.copyto(values, np.zeros((), values.dtype), where=~valid)
    return values


def _take(data: np.ndarray, idx: np.ndarray, axis: int, e: int) -> np.ndarray:
    """DEFAULT mode; with e=1, dim 0 of data and indices pair up (one of them may be 1)."""
    if e == 0:
        d = data.shape[axis]
        shape = data.shape[:axis] + idx.shape + data.shape[axis + 1:]
        if d == 0 or math.prod(shape) == 0:
            return np.zeros(shape, data.dtype)
        safe, valid = _wrap(idx, d)
        return _masked(np.asarray(np.take(data, safe, axis)), valid.reshape((1,) * axis + idx.shape + (1,) * (data.ndim - axis - 1)))
    n, m = data.shape[0], idx.shape[0]
    if n != m and 1 not in (n, m):
        raise ValueError(f"dim 0 of data ({n}) and of indices ({m}) do not broadcast")
    batch = m if n == 1 else n
    d = data.shape[axis]
    pre, post = data.shape[1:axis], data.shape[axis + 1:]
    shape = (batch,) + pre + idx.shape[1:] + post
    if d == 0 or math.prod(shape) == 0:
        return np.zeros(shape, data.dtype)
    data = np.broadcast_to(data, (batch,) + data.shape[1:])
    safe, valid = _wrap(np.broadcast_to(idx, (batch,) + idx.shape[1:]), d)
    rows = np.arange(batch).reshape((batch,) + (1,) * (idx.ndim - 1))
    # advanced indices on axes 0 and `axis` put their dims (batch, indices...) first, then the sliced ones
    got = data[(rows,) + (slice(None),) * (axis - 1) + (safe,)]
    ni, npre = idx.ndim - 1, len(pre)
    order = [0, *range(1 + ni, 1 + ni + npre), *range(1, 1 + ni), *range(1 + ni + npre, got.ndim)]
    got = got.transpose(order)
    return _masked(got, valid.reshape((batch,) + (1,) * npre + idx.shape[1:] + (1,) * len(post)))


def _take_along_axis(data: np.ndarray, idx: np.ndarray, axis: int) -> np.ndarray:
    """ELEMENT mode: ``out[J] = data[J with J[axis] := idx[J]]``."""
    if any(i > d for k, (i, d) in enumerate(zip(idx.shape, data.shape)) if k != axis):
        raise ValueError(f"indices of shape {idx.shape} are larger than data of shape {data.shape} off axis {axis}")
    d = data.shape[axis]
    if d == 0 or idx.size == 0:
        return np.zeros(idx.shape, data.dtype)
    data = data[tuple(slice(None) if k == axis else slice(0, i) for k, i in enumerate(idx.shape))]
    safe, valid = _wrap(idx, d)
    return _masked(np.take_along_axis(data, safe, axis), valid)


def _gather_nd(data: np.ndarray, idx: np.ndarray, e: int) -> np.ndarray:
    """ND mode (ONNX GatherND with batch_dims=e): a whole slice reads 0 if any coordinate is out of range."""
    if data.shape[:e] != idx.shape[:e]:
        raise ValueError(f"batch dims of data {data.shape} and indices {idx.shape} differ")
    k = idx.shape[-1]
    dims = np.array(data.shape[e:e + k], np.int64)
    shape = idx.shape[:-1] + data.shape[e + k:]
    if 0 in data.shape[e:e + k] or math.prod(shape) == 0:
        return np.zeros(shape, data.dtype)
    batch = math.prod(data.shape[:e])
    safe, valid = _wrap(idx.reshape(batch, -1, k), dims)
    valid = np.all(valid, axis=-1)
    safe = np.where(valid[..., None], safe, 0)
    rows = np.arange(batch)[:, None]
    got = data.reshape((batch,) + data.shape[e:])[(rows,) + tuple(safe[..., j] for j in range(k))]
    rest = data.ndim - e - k
    return _masked(got, valid.reshape(valid.shape + (1,) * rest)).reshape(shape)


def _gather_mode(fn: str, mode: GatherMode | str) -> GatherMode:
    if isinstance(mode, GatherMode):
        return mode
    try:
        return GatherMode[str(mode).upper()]
    except KeyError:
        raise bad_argument(fn, "mode", mode, "one of " + ", ".join(repr(m.value) for m in GatherMode)) from None


def _index_tensor(fn: str, like: Tensor, indices: Any) -> Tensor:
    """``indices`` as a tensor: a Tensor as is; ints, lists and integer arrays as an int32 constant
    (int64 when the values do not fit)."""
    if isinstance(indices, Tensor):
        return indices
    array = array_of(fn, "indices", indices)
    if array.dtype.kind not in "iu":
        what = shown(indices) if array.size <= 8 else repr(f"<{array.dtype}{list(array.shape)}>")
        raise DTypeError(f"{fn}: argument 'indices' ({what}, {array.dtype}) must hold integers")
    if array.dtype not in (np.int32, np.int64):
        fits = array.size == 0 or (array.min() >= np.iinfo(np.int32).min and array.max() <= np.iinfo(np.int32).max)
        array = array.astype(np.int32 if fits else np.int64)
    return like.network.constant(array)


def _gather(fn: str, data: Any, indices: Any, axis: Any, mode: GatherMode, e: Any, name: str | None) -> Tensor:
    data = expect_tensor(fn, "data", data)
    idx = _index_tensor(fn, data, indices)
    try:
        elementwise = operator.index(e)
    except TypeError:
        raise bad_argument(fn, "num_elementwise_dims" if fn == "gather" else "batch_dims", e, "an int") from None
    if mode is not _G.ND and data.ndim:
        axis = normalize_axis(fn, axis, data.ndim)
    return data.network.add1(Gather(axis, mode, elementwise), (data, idx), name=name)


def gather(data: Tensor, indices: Any, axis: int = 0, mode: GatherMode | str = "default",
           num_elementwise_dims: int = 0, *, name: str | None = None) -> Tensor:
    """One IGatherLayer with every parameter (see the module doc for the modes).

    ``indices`` is an int32/int64 tensor, or ints / an integer array (made a constant). ``axis`` may be
    negative; ND mode has no axis (leave it 0).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("g")
    >>> data = net.input("data", td.int32, (2, 3))
    >>> idx = net.input("idx", td.int32, (2, 2))
    >>> net.output("y", td.gather(data, idx, axis=1, num_elementwise_dims=1))   # row b: data[b][idx[b]]
    >>> net.run({"data": np.array([[1, 2, 3], [4, 5, 6]], np.int32),
    ...          "idx": np.array([[0, 2], [1, 1]], np.int32)})["y"]
    array([[1, 3],
           [5, 5]], dtype=int32)
    """
    return _gather("gather", data, indices, axis, _gather_mode("gather", mode), num_elementwise_dims, name)


def take(data: Tensor, indices: Any, axis: int = 0, *, name: str | None = None) -> Tensor:
    """``np.take(data, indices, axis)`` (DEFAULT mode), except that out-of-range indices give 0.
    Negative indices wrap by the axis length (as onnx-tensorrt relies on; see the module).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("t")
    >>> data = net.input("data", td.float32, (3, 2))
    >>> net.output("y", td.take(data, [[2, 0], [-1, 5]]))
    >>> net.run({"data": np.array([[1, 2], [3, 4], [5, 6]], np.float32)})["y"]
    array([[[5., 6.],
            [1., 2.]],
    <BLANKLINE>
           [[5., 6.],
            [0., 0.]]], dtype=float32)
    """
    return _gather("take", data, indices, axis, _G.DEFAULT, 0, name)


def take_along_axis(data: Tensor, indices: Any, axis: int, *, name: str | None = None) -> Tensor:
    """``np.take_along_axis(data, indices, axis)`` (ELEMENT mode): ``out[J] = data[J with J[axis] :=
    indices[J]]``. ``indices`` has the data's rank and, off ``axis``, dims no larger than the data's
    (TensorRT does not broadcast them); out-of-range indices give 0.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("ta")
    >>> data = net.input("data", td.float32, (2, 3))
    >>> net.output("y", td.take_along_axis(data, np.array([[2, 0], [1, 1]]), axis=1))
    >>> net.run({"data": np.array([[1, 2, 3], [4, 5, 6]], np.float32)})["y"]
    array([[3., 1.],
           [5., 5.]], dtype=float32)
    """
    return _gather("take_along_axis", data, indices, axis, _G.ELEMENT, 0, name)


def gather_nd(data: Tensor, indices: Any, batch_dims: int = 0, *, name: str | None = None) -> Tensor:
    """ONNX ``GatherND(data, indices, batch_dims)`` (ND mode): with ``b = batch_dims``,
    ``out[B, I] = data[(*B, *indices[B, I])]`` where ``indices.shape[-1]`` (static) coordinates address
    the data's dims after the batch dims. A coordinate out of range makes its whole slice 0.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("nd")
    >>> data = net.input("data", td.int32, (2, 2))
    >>> net.output("y", td.gather_nd(data, [[0, 1], [1, 0], [2, 0]]))
    >>> net.run({"data": np.array([[1, 2], [3, 4]], np.int32)})["y"]
    array([2, 3, 0], dtype=int32)
    """
    return _gather("gather_nd", data, indices, 0, _G.ND, batch_dims, name)
