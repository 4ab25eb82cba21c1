"""ISoftMaxLayer: ``np.exp(x - m) / np.sum(np.exp(x - m), axis, keepdims=True)`` with
``m = np.max(x, axis, keepdims=True)``, along exactly one axis.

TensorRT's own default axis is ``rank - 3`` (0 below rank 3), the channel dim of NCHW; :func:`softmax`
instead takes NumPy's/SciPy's convention, ``axis=-1`` by default, and always sets the axis explicitly.
Float types only; 16-bit floats are computed in float32. Subtracting the maximum keeps the exponentials
finite; a slice whose maximum is +inf or -inf (all of it -inf) gives NaN, as the formula does.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("sm")
>>> x = net.input("x", td.float32, (2, 3))
>>> net.output("y", td.softmax(x, axis=1))
>>> net.run({"x": np.array([[0.0, 0.0, 0.0], [1000.0, 1000.0, -np.inf]], np.float32)})["y"]
array([[0.33333334, 0.33333334, 0.33333334],
       [0.5       , 0.5       , 0.        ]], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ShapeError, bad_argument
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    CACHED, SHORT_ROWS, axis_sums, blocks, expect_rank, expect_tensor, fold_halves, in_float, normalize_axis,
    row_sums,
)

__all__ = ["SoftMax", "softmax"]


@attrs.frozen
class SoftMax(Op):
    """Softmax of ``x`` along ``axis`` (a non-negative dim index; TensorRT's mask is ``1 << axis``)."""

    kind = "SoftMax"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.softmax`",
        "`ISoftMaxLayer`",
        "One axis, `axis=-1` by default (TensorRT's own default is `rank - 3`); floats only; a slice "
        "whose maximum is ±inf gives NaN.",
        "NvInfer.h `ISoftMaxLayer`",
    )
    input_names = ("x",)
    input_dtypes = {"x": dtypes.FLOATS}
    name_stem = "softmax"
    axis: int

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        expect_rank(self.label(), "x", x, lambda r: r >= 1, "rank >= 1 (softmax needs an axis)")
        if not 0 <= self.axis < x.rank:
            raise bad_argument(self.label(), "axis", self.axis, f"an int in [0, {x.rank - 1}] for a "
                               f"rank-{x.rank} input", ShapeError)
        return (x,)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (in_float(self._softmax, x.dtype, x),)

    def _softmax(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        out = np.empty_like(x) if out is None else out
        if x.flags.c_contiguous and x.size:
            inner = math.prod(x.shape[self.axis + 1:])
            if inner == 1:  # the last axis, or one followed by dims of 1 only
                return _last_axis(x.reshape(-1, x.shape[self.axis]), out)
            if inner < _NARROW:
                return _inner_axis(x.reshape(math.prod(x.shape[:self.axis]), x.shape[self.axis], -1), out)
        # initial= gives an empty axis a maximum instead of an error; the result is empty anyway.
        e = np.subtract(x, np.max(x, axis=self.axis, keepdims=True, initial=-np.inf), out=out)
        np.exp(e, out=e)
        e /= np.sum(e, axis=self.axis, keepdims=True)
        return e

    def in_place(self, index: int) -> Callable[[np.ndarray], tuple[np.ndarray]]:
        """For a float32 input, :meth:`reference` computed into the input (whose value nothing reads
        afterwards: the interpreter decides it from the plan) with the same operations in the same
        order."""
        return lambda x: (self._softmax(x, x),)


def _last_axis(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The softmax along the last axis of a C-contiguous ``x`` into ``out`` (which may be ``x``), in
    blocks of rows of about ``CACHED`` values: the block's five passes (maximum, difference, exponential,
    sums, quotient) then read what the previous pass left in cache (on (4096, 128) float32, 0.62 ms
    against 0.95 ms for the whole array at once). The maximum is ``np.fmax``'s, which skips NaN where
    ``np.max`` returns it: either way a row holding NaN sums to NaN and is NaN throughout, and ``fmax``
    is about 1.6x faster along rows of 128. The sums are :func:`row_sums`. Each row's values are the
    same however the rows are blocked."""
    rows = x.reshape(-1, x.shape[-1])
    result = out.reshape(rows.shape)
    for these in blocks(*rows.shape):
        block = rows[these]
        e = np.subtract(block, np.fmax.reduce(block, axis=1, keepdims=True, initial=-np.inf),
                        out=result[these])
        np.exp(e, out=e)
        e /= row_sums(e)[:, None]
    return out


# the values after the softmax axis up to which _inner_axis is faster than NumPy's own reductions over the
# axis, which run along them (255 at most)
_NARROW = 256


def _inner_axis(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The softmax along axis 1 of a C-contiguous ``(n, length, inner)`` array ``x`` (an axis other than
    the last, with the dims before it and after it merged; ``inner < _NARROW``) into ``out`` (C-contiguous,
    of any shape holding as many values; it may be ``x``), in blocks of about ``CACHED`` values along axis
    0, as :func:`_last_axis` does with rows. NumPy's reductions over such an axis run an inner loop of only
    ``inner`` values per step (on (64, 1000, 16) float32, 1.1 ms for the maximum and 1.0 ms for the sums,
    of 3.9 ms in all), so the maximum is folded by halves (:func:`fold_halves`, each call along half the
    axis times ``inner`` values) and the sums, where a slice holds at most ``CACHED`` values and at most
    4096 along the axis, are products by a vector of ones (BLAS, :func:`axis_sums`; in another order than
    NumPy's, which changes them within float32 rounding; on larger slices that product was erratically
    100x slower). Either way a slice holding NaN is NaN throughout, as in :func:`_last_axis`. 2x faster
    than the general path on (64, 1000, 16)."""
    result = out.reshape(x.shape)
    sums_by_blas = x.dtype == np.float32 and x.shape[1] <= SHORT_ROWS and x[0].size <= CACHED
    for these in blocks(x.shape[0], x[0].size):
        block = x[these]
        e = np.subtract(block, fold_halves(np.fmax, block)[:, None], out=result[these])
        np.exp(e, out=e)
        e /= axis_sums(e)[:, None] if sums_by_blas else np.add.reduce(e, 1, keepdims=True)
    return out


def softmax(x: Tensor, axis: int = -1, *, name: str | None = None) -> Tensor:
    """``np.exp(x - m) / np.sum(np.exp(x - m), axis, keepdims=True)`` with ``m`` the maximum along ``axis``
    (``scipy.special.softmax(x, axis)``), as one ISoftMaxLayer. ``axis`` defaults to the last dim, unlike
    TensorRT's layer (whose default is ``rank - 3``).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("sm")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("p", td.softmax(x))
    >>> net.run({"x": np.array([1.0, 2.0, 3.0], np.float32)})["p"].round(4)
    array([0.09  , 0.2447, 0.6652], dtype=float32)
    """
    x = expect_tensor("softmax", "x", x)
    if x.ndim == 0:
        raise ShapeError("softmax: argument 'x' has shape (); expected rank >= 1 (softmax needs an axis)")
    return x.network.add1(SoftMax(normalize_axis("softmax", axis, x.ndim)), (x,), name=name)
