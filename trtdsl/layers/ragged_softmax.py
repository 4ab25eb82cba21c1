"""IRaggedSoftMaxLayer: a softmax over the first ``bounds[z]`` elements of each row of ``x``.

NvInfer.h (``IRaggedSoftMaxLayer``, ``INetworkDefinition::addRaggedSoftMax``): "takes a ZxS input tensor
and an additional Zx1 bounds tensor holding the lengths of the Z sequences" and "computes a softmax across
each of the Z sequences"; "the input and bounds tensors should be 3D tensors", "the bounds tensor cannot
have the last dimension be the wildcard character" and "Int32 tensors are not valid input tensors". So
``x`` is ``(B, Z, S)`` (float32, float16 or bfloat16) and ``bounds`` ``(B, Z, 1)`` (int32); with
``L = bounds[b, z, 0]``::

    y[b, z, :L] = softmax(x[b, z, :L])
    y[b, z, L:] = 0

The header is silent on three points, read here as follows (UNCONFIRMED: an engine run with a short
bound, a zero bound and a bound above S would settle them): the elements past the bound are 0; a zero
bound gives a row of zeros; a bound outside ``[0, S]`` is an error of the run (the reference raises an
ExecutionError; TensorRT's result is unknown). 16-bit floats are computed in float32.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("rs")
>>> x = net.input("x", td.float32, (1, 2, 3))
>>> bounds = net.input("bounds", td.int32, (1, 2, 1))
>>> net.output("y", td.ragged_softmax(x, bounds))
>>> net.run({"x": np.zeros((1, 2, 3), np.float32), "bounds": np.array([[[2], [3]]], np.int32)})["y"]
array([[[0.5       , 0.5       , 0.        ],
        [0.33333334, 0.33333334, 0.33333334]]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ExecutionError, ShapeError
from trtdsl.ir.dims import Dim
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import as_array, expect_rank, expect_tensor, in_float

__all__ = ["RaggedSoftMax", "ragged_softmax"]


def _fits(a: Any, b: Any) -> bool:
    """Two dims agree: equal, or not comparable before run time (an int and a named dim)."""
    return a == b or isinstance(a, Dim) != isinstance(b, Dim)


@attrs.frozen
class RaggedSoftMax(Op):
    """Softmax of each row ``x[b, z, :bounds[b, z, 0]]``, zeros past the bound (see the module)."""

    kind = "RaggedSoftMax"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.ragged_softmax`",
        "`IRaggedSoftMaxLayer`",
        "Softmax of each row `x[b, z, :L]`, `L = bounds[b, z, 0]`; `x` `(B, Z, S)` float, `bounds` "
        "`(B, Z, 1)` int32 (its last dim a static 1). Elements past the bound are 0, a zero bound gives "
        "zeros, a bound outside `[0, S]` fails the run (*UNCONFIRMED*).",
        "NvInfer.h `IRaggedSoftMaxLayer`, `addRaggedSoftMax`",
    )
    input_names = ("x", "bounds")
    input_dtypes = {"x": dtypes.FLOATS, "bounds": (dtypes.int32,)}
    name_stem = "ragged_softmax"

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, bounds = inputs
        label = self.label()
        expect_rank(label, "x", x, (3,), "rank 3 (B, Z, S): NvInfer.h addRaggedSoftMax")
        want = f"({x.shape[0]}, {x.shape[1]}, 1), one length per row of x {x.shape_text}"
        if bounds.rank != 3 or not all(_fits(b, d) for b, d in zip(bounds.shape[:2], x.shape[:2])):
            raise ShapeError(f"{label}: input 'bounds' has shape {bounds.shape_text}; expected {want}")
        if bounds.shape[2] != 1:
            raise ShapeError(f"{label}: input 'bounds' has shape {bounds.shape_text}; expected {want} (its "
                             "last dim a static 1: NvInfer.h forbids a wildcard there)")
        return (x,)

    def reference(self, x: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, ...]:
        steps = x.shape[-1]
        bad = (bounds < 0) | (bounds > steps)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ExecutionError(f"{self.label()}: bounds{list(where)} is {int(bounds[where])}; expected a "
                                 f"length in [0, {steps}] (the last dim of x {x.shape})")
        inside = np.arange(steps) < bounds
        return (in_float(lambda v: _ragged_softmax(v, inside), x.dtype, x),)


def _ragged_softmax(x: np.ndarray, inside: np.ndarray) -> np.ndarray:
    masked = np.where(inside, x, -np.inf)
    top = np.max(masked, axis=-1, keepdims=True, initial=-np.inf)
    e = np.where(inside, np.exp(masked - np.where(np.isfinite(top), top, 0)), 0)
    total = np.sum(e, axis=-1, keepdims=True)
    return np.where(inside, e / np.where(total == 0, 1, total), 0).astype(x.dtype)


def ragged_softmax(x: Tensor, bounds: Any, *, name: str | None = None) -> Tensor:
    """Softmax of each row of ``x`` over its first ``bounds`` elements, zeros after them, as one
    IRaggedSoftMaxLayer. ``x`` is ``(B, Z, S)``; ``bounds`` is an int32 ``(B, Z, 1)`` tensor, or ints (an
    int32 constant)::

        L = bounds[b, z, 0]
        y[b, z, :L] = np.exp(x[b, z, :L] - m) / np.sum(np.exp(x[b, z, :L] - m))   # m = max(x[b, z, :L])
        y[b, z, L:] = 0

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("rs")
    >>> x = net.input("x", td.float32, (1, 1, 4))
    >>> net.output("y", td.ragged_softmax(x, [[[3]]]))
    >>> net.run({"x": np.log(np.array([[[1, 2, 1, 9]]], np.float32))})["y"]
    array([[[0.25, 0.5 , 0.25, 0.  ]]], dtype=float32)
    """
    x = expect_tensor("ragged_softmax", "x", x)
    b = bounds if isinstance(bounds, Tensor) else x.network.constant(
        as_array("ragged_softmax", "bounds", bounds, dtypes.int32))
    return x.network.add1(RaggedSoftMax(), (x, b), name=name)
