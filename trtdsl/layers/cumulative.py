"""ICumulativeLayer: running sums along one axis, inclusive or exclusive, forward or reversed.

For a 1-D ``x`` of length n, TensorRT's four variants are:

=================  ===========================  =====================================================
forward inclusive  ``y[j] = sum(x[0..j])``      ``np.cumsum(x)``
forward exclusive  ``y[j] = sum(x[0..j-1])``    ``np.concatenate([[0], np.cumsum(x)[:-1]])``
reverse inclusive  ``y[j] = sum(x[j..n-1])``    ``np.flip(np.cumsum(np.flip(x)))``
reverse exclusive  ``y[j] = sum(x[j+1..n-1])``  the exclusive form of the flipped ``x``, flipped back
=================  ===========================  =====================================================

SUM is TensorRT's only CumulativeOperation. The sums start from +0.0 (so a prefix of -0.0s sums to +0.0)
or 0; integers wrap in their own dtype; 16-bit floats accumulate in float32. Types: float32, float16,
bfloat16, int32, int64. TensorRT takes the axis as a build-time constant 0-D shape tensor; the IR keeps it
as an int in [-rank, rank-1].

>>> import numpy as np, trtdsl as td
>>> net = td.Network("cs")
>>> x = net.input("x", td.int32, (4,))
>>> net.output("inclusive", td.cumsum(x, 0))
>>> net.output("reverse_exclusive", td.cumsum(x, 0, exclusive=True, reverse=True))
>>> out = net.run({"x": np.array([1, 2, 3, 4], np.int32)})
>>> out["inclusive"], out["reverse_exclusive"]
(array([ 1,  3,  6, 10], dtype=int32), array([9, 7, 4, 0], dtype=int32))
"""

from __future__ import annotations

import enum

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ShapeError, bad_argument
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    expect_bool, expect_rank, expect_tensor, in_float, normalize_axis,
)

__all__ = ["Cumulative", "CumulativeOperation", "cumsum"]


class CumulativeOperation(enum.Enum):
    SUM = "sum"


@attrs.frozen
class Cumulative(Op):
    """Cumulative ``op`` of ``x`` along ``axis`` (see the module's table)."""

    kind = "Cumulative"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.cumsum`",
        "`ICumulativeLayer` (`CumulativeOperation.SUM`)",
        "Also exclusive and reversed forms; sums start from +0.0; integers wrap in their own dtype (NumPy "
        "widens int32 to int64; *UNCONFIRMED*).",
        "NvInfer.h `CumulativeOperation`",
    )
    input_names = ("x",)
    input_dtypes = {"x": dtypes.FLOATS + dtypes.INTEGERS}
    name_stem = "cumsum"
    axis: int
    exclusive: bool = False
    reverse: bool = False
    op: CumulativeOperation = attrs.field(default=CumulativeOperation.SUM, metadata=ir(label=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        label = self.label()
        expect_rank(label, "x", x, lambda r: r >= 1, "rank >= 1 (a cumulative sum needs an axis)")
        if isinstance(self.axis, bool) or not isinstance(self.axis, int) or not -x.rank <= self.axis < x.rank:
            raise bad_argument(label, "axis", self.axis, f"an int in [{-x.rank}, {x.rank - 1}] for a "
                               f"rank-{x.rank} input", ShapeError)
        return (x,)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (in_float(self._cumsum, x.dtype, x),)

    def _cumsum(self, x: np.ndarray) -> np.ndarray:
        axis = self.axis % x.ndim
        if self.reverse:
            x = np.flip(x, axis)
        if self.exclusive:
            out = np.zeros_like(x)
            before = (slice(None),) * axis
            np.cumsum(x[before + (slice(0, x.shape[axis] - 1),)], axis=axis, dtype=x.dtype,
                      out=out[before + (slice(1, None),)])
        else:
            out = np.cumsum(x, axis=axis, dtype=x.dtype)
        if x.dtype.kind == "f":
            out += 0.0  # TensorRT starts from +0.0: NumPy keeps a leading -0.0, and -0.0 + 0.0 is +0.0
        return np.flip(out, axis) if self.reverse else out


def cumsum(x: Tensor, axis: int, *, exclusive: bool = False, reverse: bool = False,
           name: str | None = None) -> Tensor:
    """``np.cumsum(x, axis)`` as one ICumulativeLayer; ``exclusive=True`` leaves each element out of its own
    sum (the first is 0), ``reverse=True`` sums from the end of the axis. ``axis`` is required (TensorRT has
    no flattening form).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("cs")
    >>> x = net.input("x", td.float32, (2, 3))
    >>> net.output("y", td.cumsum(x, axis=1, exclusive=True))
    >>> net.run({"x": np.array([[1, 2, 3], [4, 5, 6]], np.float32)})["y"]
    array([[0., 1., 3.],
           [0., 4., 9.]], dtype=float32)
    """
    x = expect_tensor("cumsum", "x", x)
    exclusive = expect_bool("cumsum", "exclusive", exclusive)
    reverse = expect_bool("cumsum", "reverse", reverse)
    if x.ndim == 0:
        raise ShapeError("cumsum: argument 'x' has shape (); expected rank >= 1 (a cumulative sum needs an "
                         "axis)")
    op = Cumulative(normalize_axis("cumsum", axis, x.ndim), exclusive, reverse)
    return x.network.add1(op, (x,), name=name)
