"""IReduceLayer: SUM, PROD, MAX, MIN and AVG over a set of axes, ``np.sum(x, axis, keepdims=...)`` style.

TensorRT's results where NumPy would differ or fail:

====  =============================  ============================
op    empty reduction (float types)  empty reduction (int32/int64)
====  =============================  ============================
SUM   0                              0
PROD  1                              1
MAX   -inf                           the dtype's minimum (INT_MIN)
MIN   +inf                           the dtype's maximum (INT_MAX)
AVG   NaN                            0
====  =============================  ============================

Integer SUM and PROD wrap around in the input's dtype (NumPy would accumulate int32 in int64). Integer AVG is
the wrapped sum divided by the count, truncated toward zero: TensorRT documents neither its rounding nor its
accumulator, so this is trtdsl's reading (UNCONFIRMED; an engine run of int32 AVG over ``[-3, 0]`` would
settle it). MAX and MIN skip NaN: ``np.fmax.reduce(x, axes, initial=-inf)`` (``np.fmin`` from +inf), so a
reduction of only NaNs gives the empty result. This is inferred, not observed: it is what a reduction
starting from the empty result above and folding with CUDA's ``fmaxf`` (which treats NaN as missing
data) computes, and it agrees with elementwise MAX/MIN (a TensorRT 10.16.1 engine's MIN returns the
non-NaN operand, NVIDIA/TensorRT#4758); an engine run of kMAX over ``[NaN, 1]`` and ``[NaN, NaN]`` would
settle it. 16-bit floats are reduced in float32. Bool inputs are invalid, and a reduction needs at least
one axis (TensorRT does not define an empty axes mask; the functions here give a copy of ``x`` for it).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("r")
>>> x = net.input("x", td.int32, (2, 3))
>>> net.output("s", td.sum(x, axis=1))
>>> net.output("m", x.mean(axis=0, keepdims=True))   # truncates toward zero
>>> out = net.run({"x": np.array([[1, 2, 4], [-4, 0, 7]], np.int32)})
>>> out["s"], out["m"]
(array([7, 3], dtype=int32), array([[-1,  1,  5]], dtype=int32))
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Callable

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ShapeError, bad_argument
from trtdsl.ir.dims import int_tuple
from trtdsl.ir.functions import ir_function
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    enum_member, expect_bool, expect_dtype, expect_tensor, in_float, normalize_axes,
)
from trtdsl.layers.cast import identity

__all__ = ["Reduce", "ReduceOperation", "max", "mean", "min", "prod", "reduce", "sum"]


class ReduceOperation(enum.Enum):
    # TensorRT's kNONE exists only for IDistCollectiveLayer; it is not a valid IReduceLayer operation.
    SUM = "sum"
    PROD = "prod"
    MAX = "max"
    MIN = "min"
    AVG = "avg"


_R = ReduceOperation


def check_axes(label: str, axes: tuple[int, ...], rank: int) -> None:
    """IR axes are the bits of TensorRT's mask: increasing, in [0, rank), at least one."""
    if not axes:
        raise bad_argument(label, "axes", axes, "at least one axis (TensorRT does not define an empty axes "
                                                "mask)",
                           ShapeError)
    if any(not 0 <= a < rank for a in axes) or any(a >= b for a, b in itertools.pairwise(axes)):
        raise bad_argument(label, "axes", axes, f"increasing axes in [0, {rank - 1}] for a rank-{rank} input",
                           ShapeError)


def _extreme(fn: Callable[..., np.ndarray], largest: bool) -> Callable[..., np.ndarray]:
    """MAX/MIN folded from TensorRT's empty-volume result (-inf / INT_MIN for MAX), skipping NaN."""
    def reduce_(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
        if x.dtype.kind == "f":
            initial = -np.inf if largest else np.inf
        else:
            info = np.iinfo(x.dtype)
            initial = info.min if largest else info.max
        return fn(x, axis=axes, keepdims=keepdims, initial=initial)
    return reduce_


def _avg(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    count = math.prod(x.shape[a] for a in axes)
    # numpy's stubs type ufunc.reduce's keepdims as Literal[True] or Literal[False], never bool
    total = np.add.reduce(x, axis=axes, keepdims=keepdims, dtype=x.dtype)  # type: ignore[call-overload]
    if count == 0:
        return np.full(total.shape, np.nan if x.dtype.kind == "f" else 0, x.dtype)
    if x.dtype.kind == "f":
        return total / x.dtype.type(count)
    quotient = total // count
    return quotient + ((total < 0) & (quotient * count != total)).astype(x.dtype)


_TABLE: dict[ReduceOperation, Callable[[np.ndarray, tuple[int, ...], bool], np.ndarray]] = {
    # dtype= keeps integers in their own width, so they wrap as TensorRT's do. (numpy's stubs type
    # ufunc.reduce's keepdims as Literal[True] or Literal[False], never bool.)
    _R.SUM: lambda x, axes, keepdims: np.add.reduce(  # type: ignore[call-overload]
        x, axis=axes, keepdims=keepdims, dtype=x.dtype),
    _R.PROD: lambda x, axes, keepdims: np.multiply.reduce(  # type: ignore[call-overload]
        x, axis=axes, keepdims=keepdims, dtype=x.dtype),
    _R.MAX: _extreme(np.fmax.reduce, largest=True),
    _R.MIN: _extreme(np.fmin.reduce, largest=False),
    _R.AVG: _avg,
}


@attrs.frozen
class Reduce(Op):
    """``np.<op>(x, axis=axes, keepdims=keepdims)`` with TensorRT's empty-volume results (module table)."""

    kind = "Reduce"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.sum`, `td.prod`, `td.max`, `td.min`, `td.mean`, `td.reduce`; `Tensor.sum/prod/max/min/mean`",
        "`IReduceLayer` (`ReduceOperation`)",
        "Empty reductions give TensorRT's values (SUM 0, PROD 1, MAX -inf / INT_MIN, MIN +inf / INT_MAX, "
        "AVG NaN / 0) where NumPy raises; MAX/MIN skip NaN (*inferred*), a slice of only NaN giving the "
        "empty result; integer SUM/PROD wrap in the input dtype and integer AVG truncates "
        "(*UNCONFIRMED*); bool inputs are invalid.",
        "NvInfer.h `ReduceOperation`; NaN: *inferred* from NVIDIA/TensorRT#4758",
    )
    input_names = ("x",)
    op: ReduceOperation = attrs.field(metadata=ir(label=True))
    axes: tuple[int, ...] = attrs.field(converter=int_tuple)
    keepdims: bool = False

    def name_hint(self) -> str:
        return f"reduce_{self.op.name.lower()}"

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        note = ""
        if x.dtype == dtypes.int8:
            note = " (int8 is a quantized type in TensorRT: dequantize it first)"
        expect_dtype(self, "x", x, dtypes.FLOATS + dtypes.INTEGERS, note)
        check_axes(self.label(), self.axes, x.rank)
        if self.keepdims:
            shape = tuple(1 if i in self.axes else d for i, d in enumerate(x.shape))
        else:
            shape = tuple(d for i, d in enumerate(x.shape) if i not in self.axes)
        return (TensorType(x.dtype, shape),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        fn = _TABLE[self.op]
        return (in_float(lambda v: fn(v, self.axes, self.keepdims), x.dtype, x),)


def reduce(x: Tensor, op: ReduceOperation | str, axis: int | tuple[int, ...] | None = None,
           keepdims: bool = False, *, name: str | None = None) -> Tensor:
    """``np.<op>(x, axis=axis, keepdims=keepdims)`` as one IReduceLayer; ``op`` is a
    :class:`ReduceOperation` or its name. ``axis=None`` reduces every dim. With no axes to reduce (a 0-d
    ``x``, or ``axis=()``) the result is a copy of ``x`` (an Identity layer), as in NumPy.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("r")
    >>> x = net.input("x", td.float32, (2, 0))
    >>> net.output("y", td.reduce(x, "max", axis=1))  # an empty max is -inf in TensorRT
    >>> net.run({"x": np.zeros((2, 0), np.float32)})["y"]
    array([-inf, -inf], dtype=float32)
    """
    operation = enum_member("reduce", "op", op, ReduceOperation)
    fn = _function_name(operation)
    x = expect_tensor(fn, "x", x)
    keep = expect_bool(fn, "keepdims", keepdims)
    axes = normalize_axes(fn, axis, x.ndim)
    if not axes:
        return identity(x, name=name)
    return x.network.add1(Reduce(operation, axes, keep), (x,), name=name)


def _function_name(operation: ReduceOperation) -> str:
    return "mean" if operation is _R.AVG else operation.name.lower()


def _reduction(operation: ReduceOperation, formula: str, note: str, result: str) -> Callable[..., Tensor]:
    fn_name = _function_name(operation)

    def fn(x: Tensor, axis: int | tuple[int, ...] | None = None, keepdims: bool = False, *,
           name: str | None = None) -> Tensor:
        return reduce(x, operation, axis, keepdims, name=name)

    fn.__name__ = fn.__qualname__ = fn_name
    fn.__doc__ = f"""``{formula}`` ({operation.name}); {note}

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("r")
    >>> x = net.input("x", td.float32, (2, 3))
    >>> net.output("y", td.{fn_name}(x, axis=1))
    >>> net.run({{"x": np.array([[1, 2, 3], [4, 5, -6]], np.float32)}})["y"]
    {result}
    """
    return fn


sum = _reduction(_R.SUM, "np.sum(x, axis, keepdims=keepdims)", "integers wrap in their own dtype.",
                 "array([6., 3.], dtype=float32)")
prod = _reduction(_R.PROD, "np.prod(x, axis, keepdims=keepdims)", "integers wrap in their own dtype.",
                  "array([   6., -120.], dtype=float32)")
max = _reduction(_R.MAX, "np.fmax.reduce(x, axis, keepdims=keepdims, initial=-np.inf)",
                 "NaN is skipped; empty or only NaN: -inf, or the int dtype's minimum.",
                 "array([3., 5.], dtype=float32)")
min = _reduction(_R.MIN, "np.fmin.reduce(x, axis, keepdims=keepdims, initial=np.inf)",
                 "NaN is skipped; empty or only NaN: +inf, or the int dtype's maximum.",
                 "array([ 1., -6.], dtype=float32)")
mean = _reduction(_R.AVG, "np.mean(x, axis, keepdims=keepdims)", "integers: the wrapped sum divided by the "
                  "count, truncated toward zero (UNCONFIRMED); empty: NaN, or 0 for integers.",
                  "array([2., 1.], dtype=float32)")
for _fn in (sum, prod, max, min, mean):
    ir_function(_fn)  # the Tensor methods x.sum(), ...
