"""ICastLayer and IIdentityLayer.

Cast follows TensorRT: float to integer truncates toward zero (``np.trunc``; TensorRT's Python docs,
DataType: "by truncating towards zero"), float to bool is ``x != 0``. Out-of-range float to integer and
NaN are undocumented; the reference saturates to the integer range and maps NaN to 0, which is what a
TensorRT 10.16.1 engine was observed to do for float32 to int32 (NaN to 0, +inf to INT32_MAX,
NVIDIA/TensorRT#4775). Integer narrowing wraps (two's complement): UNCONFIRMED, an engine run casting
2**31 from int64 to int32 would settle it. FP8/FP4/INT4 are not Cast targets: use td.quantize.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("cast")
>>> x = net.input("x", td.float32, (4,))
>>> net.output("i", td.cast(x, td.int32))
>>> net.run({"x": np.array([-1.7, -0.5, 0.5, 5.6], np.float32)})["i"]
array([-1,  0,  0,  5], dtype=int32)
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.ir.functions import ir_function
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_tensor

__all__ = ["Cast", "Identity", "cast", "identity"]

CASTABLE: tuple[DType, ...] = dtypes.FLOATS + (
    dtypes.int32, dtypes.int64, dtypes.int8, dtypes.uint8, dtypes.bool_,
)


@attrs.frozen
class Cast(Op):
    """``x.astype(to)`` with TensorRT's conversion rules."""

    kind = "Cast"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.cast`, `Tensor.astype`",
        "`ICastLayer`",
        "Float to int truncates toward zero; out-of-range floats saturate and NaN gives 0; int narrowing "
        "wraps (*UNCONFIRMED*). FP8/FP4/INT4 are not cast targets: use `td.quantize`.",
        "Python docs `DataType`; saturation and NaN: NVIDIA/TensorRT#4775 (*observed*)",
    )
    input_names = ("x",)
    input_dtypes = {"x": CASTABLE}
    dtype_notes = {"x": " (use td.quantize/td.dequantize for fp8, fp4 and int4)"}
    to: DType = attrs.field(metadata=ir(label=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        if self.to not in CASTABLE:
            from trtdsl.errors import DTypeError

            raise DTypeError(f"cast: argument 'dtype' is {self.to!r}; expected one of "
                             f"{', '.join(d.name for d in CASTABLE)}{self.dtype_notes['x']}")
        return (TensorType(self.to, x.shape),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (converted(x, self.to.numpy),)


# float types that NumPy's kind does not call floats (ml_dtypes' are kind "V")
_OTHER_FLOATS = (dtypes.bfloat16.numpy, dtypes.float8_e4m3.numpy)


def converted(x: np.ndarray, target: np.dtype[Any]) -> np.ndarray:
    """``x`` converted to the NumPy dtype ``target`` as the reference's Cast converts: ``x != 0`` to bool; a
    float to an integer type truncated toward zero, saturated to the type's range and NaN to 0; otherwise
    ``x.astype(to)`` (integers wrap, floats round to nearest even).

    >>> converted(np.array([300.7, -1e10, np.nan, -2.5], np.float32), np.dtype(np.int8))
    array([ 127, -128,    0,   -2], dtype=int8)
    """
    if target == np.bool_:
        return x != 0
    if (x.dtype.kind == "f" or x.dtype in _OTHER_FLOATS) and target.kind in "iu":
        info = np.iinfo(target)
        wide = np.trunc(x.astype(np.float64))
        high, low = wide >= float(info.max), wide <= float(info.min)
        inside = np.where(high | low | np.isnan(wide), 0, wide).astype(target)
        return np.where(high, info.max, np.where(low, info.min, inside)).astype(target)
    return x.astype(target)


@attrs.frozen
class Identity(Op):
    """A copy of the input."""

    kind = "Identity"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.identity`",
        "`IIdentityLayer`",
        "A copy; also what `net.output` inserts to give an output its own name.",
        "NvInfer.h `IIdentityLayer`",
    )
    input_names = ("x",)

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        return (x,)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (x,)


@ir_function
def cast(x: Tensor, dtype: Any, *, name: str | None = None) -> Tensor:
    """``x.astype(dtype)`` as one ICastLayer (TensorRT's rules: see the module doc).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("c")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.cast(x, td.int32))   # truncates toward zero
    >>> net.run({"x": np.array([-2.5, 0.9, 7.2], np.float32)})["y"]
    array([-2,  0,  7], dtype=int32)
    """
    x = expect_tensor("cast", "x", x)
    return x.network.add1(Cast(dtypes.dtype(dtype)), (x,), name=name)


@ir_function
def identity(x: Tensor, *, name: str | None = None) -> Tensor:
    """A copy of ``x`` (IIdentityLayer).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("i")
    >>> x = net.input("x", td.int32, (2,))
    >>> net.output("y", td.identity(x))
    >>> net.run({"x": np.array([4, 5], np.int32)})["y"]
    array([4, 5], dtype=int32)
    """
    x = expect_tensor("identity", "x", x)
    return x.network.add1(Identity(), (x,), name=name)
