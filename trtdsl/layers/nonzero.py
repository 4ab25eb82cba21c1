"""INonZeroLayer: the indices of the non-zero elements, ``np.array(np.nonzero(x))``.

The output has shape ``(rank, count)``: one column per non-zero element (true for bool), in row-major
order. ``count`` depends on the data: the IR names it ``nonzero(%x)`` after the input tensor (the same
input always has the same count), and it is bound when the network runs, like a dim of an input. It
can be used as any dim (``td.zeros((y.shape[1],), like=y)``); computing a shape from it makes
TensorRT copy the count to the host (a ShapeSyncWarning says where). Inputs are float32, float16,
int32 or bool (NvInfer.h); indices are int32 (TensorRT's default) or int64.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("nz")
>>> x = net.input("x", td.float32, (2, 3))
>>> i = td.nonzero(x)
>>> i.shape
(2, Dim('nonzero(%x)'))
>>> net.output("i", i)
>>> net.run({"x": np.array([[0, 1, 0], [2, 0, 3]], np.float32)})["i"]
array([[0, 1, 1],
       [1, 0, 2]], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import DTypeError, bad_argument
from trtdsl.ir.dims import Dim
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_tensor

__all__ = ["NonZero", "count_symbol", "nonzero"]

NONZERO_DTYPES = (dtypes.float32, dtypes.float16, dtypes.int32, dtypes.bool_)
INDEX_DTYPES = (dtypes.int32, dtypes.int64)


def count_symbol(x: Tensor) -> Dim:
    """The dim the IR gives the number of non-zero elements of ``x``: ``nonzero(%x)``.

    >>> import trtdsl as td
    >>> count_symbol(td.Network("c").input("mask", td.bool, (8,)))
    Dim('nonzero(%mask)')
    """
    return Dim.symbol(f"nonzero(%{expect_tensor('count_symbol', 'x', x).name})")


@attrs.frozen
class NonZero(Op):
    """``np.array(np.nonzero(x)).astype(indices_dtype)``: shape ``(rank, count)``.

    ``count`` is not a TensorRT parameter: it is the dim the IR gives the data-dependent count
    (:func:`count_symbol` of the input)."""

    kind = "NonZero"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.nonzero`",
        "`INonZeroLayer`",
        "Returns `np.array(np.nonzero(x))` as one `(rank, count)` tensor of int32 (or int64) indices; the "
        "count is the data-dependent dim `nonzero(%x)`. Inputs float32, float16, int32, bool.",
        "NvInfer.h `INonZeroLayer`",
    )
    input_names = ("x",)
    input_dtypes = {"x": NONZERO_DTYPES}
    count: Dim = attrs.field(metadata=ir(hidden=True))
    indices_dtype: DType = attrs.field(default=dtypes.int32, metadata=ir(unless_default=True, by_name=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        if self.indices_dtype not in INDEX_DTYPES:
            raise DTypeError(
                f"{self.label()}: argument 'indices_dtype' is {self.indices_dtype.name}; expected int32 or "
                "int64"
            )
        if not isinstance(self.count, Dim) or not self.count.is_symbol:
            raise bad_argument(self.label(), "count", self.count, "a named dim (the count's symbol)")
        return (TensorType(self.indices_dtype, (x.rank, self.count)),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        found = np.nonzero(x) if x.ndim else np.nonzero(x.reshape(1))[:0]
        count = len(found[0]) if found else int(x.reshape(-1)[0] != 0)
        return (np.array(found, dtype=self.indices_dtype.numpy).reshape(x.ndim, count),)


def nonzero(x: Tensor, dtype: Any = dtypes.int32, *, name: str | None = None) -> Tensor:
    """``np.array(np.nonzero(x))`` as one INonZeroLayer: a ``(x.ndim, count)`` tensor of ``dtype``
    (int32 or int64) indices, one column per non-zero element in row-major order.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("nz")
    >>> x = net.input("x", td.bool, (4,))
    >>> net.output("i", td.nonzero(x, td.int64)[0])          # np.flatnonzero(x)
    >>> net.run({"x": np.array([True, False, True, True])})["i"]
    array([0, 2, 3])
    """
    x = expect_tensor("nonzero", "x", x)
    return x.network.add1(NonZero(count_symbol(x), dtypes.dtype(dtype)), (x,), name=name)
