"""ITopKLayer: the ``k`` largest (MAX) or smallest (MIN) elements along one axis, sorted, with their indices.

The layer has two outputs of the same shape (``x``'s, with ``k`` at ``axis``): the values, and their
positions along ``axis`` (int32 by default, or int64). TensorRT requires ``k <= 3840``, ``k`` at most the
axis' size, and the axis to be one of the last four dims. Inputs: float types, int32, int64; and
optionally input 1, ``k`` as a 0-D int32 shape tensor read when the network runs, which overrides the
static ``k`` (NvInfer.h ``ITopKLayer``; onnx-tensorrt sets it for a TopK whose K is not a constant). The
op's ``k`` is then that input's value as the IR knows it (a dim), so that the outputs' shapes say it.

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
from trtdsl.errors import ArgumentError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import Dim, DimLike, static_dim
from trtdsl.ir.network import foreign_tensor
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    blocks, expect_bool, expect_rank, expect_tensor, is_int, normalize_axis,
)
from trtdsl.layers._shape_args import dim_scalar
from trtdsl.layers.cast import cast
from trtdsl.layers.shuffle import reshape
from trtdsl.shapes.rules import use_as_shape
from trtdsl.shapes.values import value_of

__all__ = ["TopK", "TopKOperation", "topk"]

MAX_K = 3840  # TensorRT's limit on k


class TopKOperation(enum.Enum):
    MAX = "max"
    MIN = "min"


def _leading(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """The first ``k`` entries along ``axis``."""
    return a[(slice(None),) * axis + (slice(0, k),)]


_PACKED_FROM = 512  # values; on fewer, the packed keys' dozen NumPy calls take longer than a stable sort
# the shortest axis the keys are faster on: a stable sort of 2**18 values along axes of 3 took 2.4 ms against
# 2.6 ms for the keys, of 4, 2.3 ms against 2.0 ms
_PACKED_AXIS = 4
_SIGN = np.int32(-(2**31))
_INDEX_BITS = np.uint64(0xFFFF_FFFF)  # the index's half of a packed key


def _packed_keys(v: np.ndarray, largest: bool) -> np.ndarray:
    """uint64 keys, one per element of ``v`` (a float type or int32, the axis last), all distinct, whose
    ascending order along the last axis is the module's order: the value's rank in the high 32 bits (NaNs
    all alike and above every number, ``-0.0`` and ``+0.0`` alike, ranks reversed for MAX so that larger
    comes first), the index in the low 32 bits, so that equal values keep the lower index first.

    The rank is ``bits ^ 0x8000_0000`` for int32 and floats of sign 0, ``~bits`` for floats of sign 1
    (whose bits grow with their magnitude), the bits of 16-bit floats being those of their float32 value."""
    if v.dtype == np.int32:
        rank = np.bitwise_xor(v, _SIGN, order="C")
    else:
        f = np.add(v, np.float32(0), dtype=np.float32, order="C")  # -0.0 + 0.0 is +0.0: the zeros tie
        np.copyto(f, np.float32(np.nan), where=np.isnan(f))  # one NaN, above +inf: the NaNs tie
        bits = f.view(np.int32)
        rank = bits >> 31
        rank |= _SIGN
        rank ^= bits
    if largest:
        np.invert(rank, out=rank)
    packed = rank.view(np.uint32).astype(np.uint64)
    packed <<= np.uint64(32)
    packed |= np.arange(v.shape[-1], dtype=np.uint64)
    return packed


def _selected_by_packed_keys(v: np.ndarray, k: int, largest: bool) -> np.ndarray:
    """The indices of the first ``k`` along the last axis of ``v`` (a float type or int32, at most 2**32 long)
    in the module's order: the ``k`` least packed keys (:func:`_packed_keys`) of each row, sorted; the keys
    are distinct, so any selection and sort give the stable sort's order. The rows go in blocks of about
    ``CACHED`` values, whose keys stay in cache and in memory the allocator reuses (on (256, 1000) float32,
    k = 5: 0.67 ms against 1.0 ms for the whole array at once, which faults in fresh pages each call)."""
    n = v.shape[-1]
    rows = v.reshape(-1, n)
    chosen = np.empty((rows.shape[0], k), np.intp)
    for these in blocks(*rows.shape):
        packed = _packed_keys(rows[these], largest)
        if k < n:
            packed.partition(k - 1, axis=-1)
        chosen[these] = np.sort(packed[:, :k], axis=-1) & _INDEX_BITS
    return chosen.reshape(v.shape[:-1] + (k,))


def _selected_by_stable_sort(x: np.ndarray, k: int, axis: int, largest: bool) -> np.ndarray:
    """The indices of the first ``k`` along ``axis`` of ``x`` in the module's order, by a stable sort of
    the whole axis: for int64, whose values leave no room for an index in a 64-bit key, small inputs and
    axes of fewer than ``_PACKED_AXIS`` values."""
    keys = x.astype(np.float32) if x.dtype.itemsize == 2 else x  # 16-bit floats sort exactly in float32
    if not largest:
        return _leading(np.argsort(keys, axis=axis, kind="stable"), k, axis)
    # Descending with ties (and NaNs) in increasing index order: a stable ascending sort of the reversed
    # axis, read from its end; position j of the reversed axis is index n-1-j.
    ascending = np.argsort(np.flip(keys, axis), axis=axis, kind="stable")
    return (x.shape[axis] - 1) - _leading(np.flip(ascending, axis), k, axis)


@attrs.frozen
class TopK(Op):
    """``k`` extreme values of ``x`` along ``axis`` and their indices (see the module's ordering rules)."""

    kind = "TopK"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.topk`",
        "`ITopKLayer` (`TopKOperation` MAX / MIN)",
        "Returns sorted values and int32 (or int64) indices; `k <= 3840` and the axis must be one of the "
        "last four; `k` may be known only at run time (a dim or a 0-D int tensor: input 1, a 0-D int32 "
        "shape tensor); ties keep the lower index; NaN counts as the largest (*UNCONFIRMED*).",
        "NvInfer.h `addTopK`; ties: onnx-tensorrt's ArgMax (*indirect*)",
    )
    input_names = ("x", "k?")
    input_dtypes = {"x": dtypes.FLOATS + dtypes.INTEGERS}
    name_stem = "topk"
    op: TopKOperation = attrs.field(metadata=ir(label=True))
    k: DimLike
    axis: int
    indices_dtype: DType = attrs.field(default=dtypes.int32, metadata=ir(unless_default=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, k = inputs[0], inputs.all[1]
        label = self.label()
        expect_rank(label, "x", x, lambda r: r >= 1, "rank >= 1 (top-k needs an axis)")
        if self.indices_dtype not in dtypes.INTEGERS:
            raise bad_argument(label, "indices_dtype", self.indices_dtype, "td.int32 or td.int64")
        if k is not None:
            if k.dtype is not dtypes.int32 or k.rank != 0:
                raise ArgumentError(f"{label}: input 'k' is {k}; TensorRT's k tensor is a 0-D int32 shape "
                                    "tensor")
            if not isinstance(self.k, Dim):
                raise bad_argument(label, "k", self.k, "a Dim (the value of input 'k' as the IR knows it)")
        elif isinstance(self.k, bool) or not isinstance(self.k, int) or not 1 <= self.k <= MAX_K:
            raise bad_argument(label, "k", self.k, f"an int in [1, {MAX_K}]")
        first = max(x.rank - 4, 0)
        if not first <= self.axis < x.rank:
            raise bad_argument(label, "axis", self.axis, f"one of the last four dims ({first} to "
                               f"{x.rank - 1}) of a rank-{x.rank} input", ShapeError)
        size = x.shape[self.axis]
        if isinstance(size, int) and isinstance(self.k, int) and self.k > size:
            raise bad_argument(label, "k", self.k, f"at most {size}, the size of axis {self.axis} of input "
                               f"shape {x.shape_text}", ShapeError)
        shape = x.shape[: self.axis] + (self.k,) + x.shape[self.axis + 1:]
        return (TensorType(x.dtype, shape), TensorType(self.indices_dtype, shape))

    def reference(self, x: np.ndarray, k_value: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        axis = self.axis
        n = x.shape[axis]
        k = static_dim(self.k) if k_value is None else int(k_value)
        if k_value is not None and not 0 <= k <= MAX_K:
            raise ExecutionError(f"{self.label()}: k={k}, read from input 'k' when the network ran, is "
                                 f"outside [0, {MAX_K}]")
        if k > n:
            raise ExecutionError(f"{self.label()}: k={k} exceeds the size {n} of axis {axis} of the input "
                                 f"(shape {x.shape})")
        if k == 0:  # a run-time k of 0 (min(k, n) of an empty axis): empty results (UNCONFIRMED, as ONNX)
            empty = x.shape[:axis] + (0,) + x.shape[axis + 1:]
            return np.empty(empty, x.dtype), np.empty(empty, self.indices_dtype.numpy)
        largest = self.op is TopKOperation.MAX
        if x.dtype.itemsize <= 4 and x.size >= _PACKED_FROM and _PACKED_AXIS <= n <= 2**32:
            order = _selected_by_packed_keys(x.swapaxes(axis, -1), k, largest).swapaxes(axis, -1)
        else:
            order = _selected_by_stable_sort(x, k, axis, largest)
        values = np.take_along_axis(x, order, axis=axis)
        return (values, order.astype(self.indices_dtype.numpy, copy=False))


def topk(x: Tensor, k: int | Dim | Tensor, axis: int = -1, *, largest: bool = True,
         indices_dtype: DType | str = dtypes.int32, name: str | None = None) -> tuple[Tensor, Tensor]:
    """``(values, indices)``: the ``k`` largest elements along ``axis`` in descending order, or with
    ``largest=False`` the ``k`` smallest in ascending order (ONNX's TopK / ``torch.topk``), as one ITopKLayer.
    Ties: lower index first; NaN counts as the largest value (UNCONFIRMED); see the module.

    ``k`` is an int, or known only when the network runs: a dim (``x.shape[1] // 2``, ``td.minimum`` of
    dims) or a 0-D or one-element integer tensor. TensorRT then reads it from the layer's input 1, a 0-D
    int32 shape tensor (made here: a reshape and a cast where needed); a ``k`` below 0, above 3840 or
    above the axis' size fails when the network runs, and a ``k`` of 0 (``min(k, n)`` of an empty axis)
    gives empty results, as in ONNX (UNCONFIRMED for TensorRT).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("topk")
    >>> x = net.input("x", td.int32, (6,))
    >>> values, indices = td.topk(x, 3, largest=False, indices_dtype=td.int64)
    >>> net.output("v", values)
    >>> net.output("i", indices)
    >>> out = net.run({"x": np.array([4, 1, 7, 1, 0, 9], np.int32)})
    >>> out["v"], out["i"]
    (array([0, 1, 1], dtype=int32), array([4, 1, 3]))
    >>> y = net.input("y", td.float32, ("n",))
    >>> half, _ = td.topk(y, y.shape[0] // 2)       # np.sort(y)[::-1][:n // 2]
    >>> half.shape
    (Dim('n//2'),)
    >>> net.output("half", half)
    >>> net.run({"x": np.zeros(6, np.int32), "y": np.array([3, 1, 4, 1, 5], np.float32)})["half"]
    array([5., 4.], dtype=float32)
    """
    x = expect_tensor("topk", "x", x)
    largest = expect_bool("topk", "largest", largest)
    if x.ndim == 0:
        raise ShapeError("topk: argument 'x' has shape (); expected rank >= 1 (top-k needs an axis)")
    operation = TopKOperation.MAX if largest else TopKOperation.MIN
    axis = normalize_axis("topk", axis, x.ndim)
    indices_dtype = dtypes.dtype(indices_dtype)
    known: DimLike
    if isinstance(k, Dim):
        known = k
    elif isinstance(k, Tensor) and k.dtype in (dtypes.int32, dtypes.int64) and k.shape in ((), (1,)):
        if k.network is not x.network:
            raise ArgumentError(f"topk: argument 'k' is {foreign_tensor(k, x.network)}")
        value = value_of(k)
        assert value is not None  # an int32/int64 tensor of at most one element holds a shape value
        (known,) = value
    elif is_int(k) and not isinstance(k, Tensor):
        known = int(k)
    else:
        raise bad_argument("topk", "k", k, "an int, a dim or a 0-D (or one-element) int32/int64 tensor")
    inputs: tuple[Tensor, ...] = (x,)
    if isinstance(known, int):
        op = TopK(operation, known, axis, indices_dtype)
    else:
        k_tensor = (k if k.ndim == 0 else reshape(k, ())) if isinstance(k, Tensor) \
            else dim_scalar(x.network, known)
        k_tensor = k_tensor if k_tensor.dtype is dtypes.int32 else cast(k_tensor, dtypes.int32)
        use_as_shape("topk", k_tensor, "k")  # TensorRT's k input is a shape tensor
        op, inputs = TopK(operation, known, axis, indices_dtype), (x, k_tensor)
    values, indices = x.network.add(op, inputs, name=name)
    return values, indices
