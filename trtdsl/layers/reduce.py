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

TensorRT documents no summation order. Here sums and products are NumPy's (pairwise along a last axis, row
by row elsewhere), but over the last run of consecutive reduced axes of an input of at least 2**13 values
(and then over the axes before it): there float32 sums of up to 4096 values each are BLAS products with a
vector of ones (sums in blocks, from +0, so a sum of only -0 is +0), and other reductions fold by halves
over axes followed by few values (:func:`fold_halves`), or column by column over a last axis of few
values (:func:`_fold_columns`). Results agree with NumPy's within float32 rounding (sums, products), or
bit for bit (integers; maxima and minima, but for which of -0 and +0 a tie gives). Near float32's limits
the other order can overflow where NumPy's did not, or the reverse: the sum of 1e38 and -1e38 alternating
along an axis of 2048 is NaN here (the partial sums of each sign overflow), 0 in NumPy's order; a
product of 1e30, 1e30, 1e-30, 1e-30 is 1 here, inf there.

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
    CACHED, SHORT_ROWS, axis_sums, enum_member, expect_bool, expect_dtype, expect_tensor, fold_halves,
    in_float, normalize_axes,
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


# NumPy reduces over an axis that is not the last one by running its inner loop along the axes after it,
# so a few values per call where those are short: td.sum(x, axis=1) of a (256, 1024, 8) float32 x took
# 3.4 ms, 14x NumPy's time for the same sum along a last axis. The paths below take the reduced axes as the
# middle axis of a (outer, n, inner) view instead. Up to this many inner values a fold by halves is faster.
_SHORT_INNER = 32
# values per product from which a stack of BLAS products (NumPy's matmul makes one call per matrix) beats
# a fold by halves; below it the calls cost more than the sums ((65536, 4, 8): 2.2 ms against 1.9 ms)
_BLAS_VALUES = 64
# Along a last axis NumPy's reduction calls its inner loop once per output: (2**20, 2) took 28 ms for a
# maximum. Up to this many values per output one pass per column is faster.
_FEW_COLUMNS = 16
# inputs from which the paths below pay for the 2 to 5 us they cost more than NumPy's reduction
_FAST_VALUES = 2**13
_Reducer = Callable[[np.ndarray, tuple[int, ...], bool], np.ndarray]


def _grouped(x: np.ndarray, run: tuple[int, ...]) -> tuple[int, int, int]:
    """``(outer, n, inner)`` for which ``x.reshape(outer, n, inner)`` has the consecutive axes ``run`` as its
    middle axis."""
    n = math.prod(x.shape[a] for a in run)
    outer = math.prod(x.shape[:run[0]])
    return outer, n, x.size // (outer * n)


def _last_run(axes: tuple[int, ...]) -> int:
    """Where the last run of consecutive axes in the increasing ``axes`` starts."""
    start = len(axes) - 1
    while start and axes[start - 1] == axes[start] - 1:
        start -= 1
    return start


def _fold_columns(fn: np.ufunc, v: np.ndarray) -> np.ndarray:
    """``fn.reduce(v, axis=1)`` for ``v`` of shape ``(outer, n)``, ``n >= 2``, column by column in NumPy's
    order: ``fn(fn(v[:, 0], v[:, 1]), v[:, 2])`` and so on, for a block of rows at a time that stays in
    cache while its columns pass. A fresh array."""
    outer, n = v.shape
    out = np.empty(outer, v.dtype)
    rows = CACHED // n
    for start in range(0, outer, rows):
        block, folded = v[start:start + rows], out[start:start + rows]
        fn(block[:, 0], block[:, 1], out=folded)
        for column in range(2, n):
            fn(folded, block[:, column], out=folded)
    return out


def _fast_run(fn: np.ufunc, x: np.ndarray, run: tuple[int, ...]) -> np.ndarray | None:
    """``fn.reduce(x, run, dtype=x.dtype)`` over the consecutive axes ``run`` of a C-contiguous ``x``, in
    some shape of as many values, where a path of the module doc fits, else None: float32 sums of up to
    4096 values each by :func:`axis_sums` (but a sum of all of ``x``, where NumPy's pairwise sum is as fast),
    the rest by
    :func:`fold_halves` where the values after the axes are few, or by :func:`_fold_columns` where there
    are none and each output reduces few values."""
    outer, n, inner = grouped = _grouped(x, run)
    if n < 2:
        return None
    v = x.reshape(grouped)
    # BLAS sums only up to SHORT_ROWS values, as row_sums: it falls behind pairwise summation above
    if fn is np.add and x.dtype == np.float32 and n <= SHORT_ROWS and (outer, inner) != (1, 1) and (
            1 in (outer, inner) or n * inner >= _BLAS_VALUES):
        return axis_sums(v)
    if 1 < inner <= _SHORT_INNER:
        return fold_halves(fn, v)
    if inner == 1 and n <= _FEW_COLUMNS:
        return _fold_columns(fn, v.reshape(outer, n))
    return None


def _fast(fn: np.ufunc, x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray | None:
    """``fn.reduce(x, axes, keepdims=keepdims, dtype=x.dtype)`` by :func:`_fast_run` for a C-contiguous
    ``x`` of at least ``_FAST_VALUES`` values where it fits the last run of consecutive axes in ``axes``,
    then the same (or NumPy's reduction) over the axes before that run; else None."""
    if x.size < _FAST_VALUES or not x.flags.c_contiguous:
        return None
    start = _last_run(axes)
    run, before = axes[start:], axes[:start]
    result = _fast_run(fn, x, run)
    if result is None:
        return None
    if before:
        # the axes before the run keep their numbers in its result, which is C-contiguous
        part = result.reshape(tuple(d for i, d in enumerate(x.shape) if i not in run))
        result = _fast(fn, part, before, False)
        if result is None:
            result = fn.reduce(part, axis=before, dtype=x.dtype)
    shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape)) if keepdims else \
        tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return result.reshape(shape)


def _reduce(fn: np.ufunc) -> _Reducer:
    """``fn.reduce`` over ``axes`` in ``x``'s own dtype (so integers wrap as TensorRT's do), by
    :func:`_fast` where it fits."""
    def reduce_(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
        fast = _fast(fn, x, axes, keepdims)
        if fast is not None:
            return fast
        return fn.reduce(x, axis=axes, keepdims=keepdims, dtype=x.dtype)
    return reduce_


def _extreme(fn: np.ufunc, largest: bool) -> _Reducer:
    """MAX/MIN folded from TensorRT's empty-volume result (-inf / INT_MIN for MAX), skipping NaN."""
    def reduce_(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
        if x.dtype.kind == "f":
            initial = -np.inf if largest else np.inf
        else:
            info = np.iinfo(x.dtype)
            initial = info.min if largest else info.max
        fast = _fast(fn, x, axes, keepdims)
        if fast is None:
            return fn.reduce(x, axis=axes, keepdims=keepdims, initial=initial)
        # the initial value counts only where every value was NaN (an integer's bound changes nothing)
        return fn(fast, x.dtype.type(initial), out=fast) if x.dtype.kind == "f" else fast
    return reduce_


_sum = _reduce(np.add)


def _avg(x: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    count = math.prod(x.shape[a] for a in axes)
    total = _sum(x, axes, keepdims)
    if count == 0:
        return np.full(total.shape, np.nan if x.dtype.kind == "f" else 0, x.dtype)
    if x.dtype.kind == "f":
        return total / x.dtype.type(count)
    quotient = total // count
    return quotient + ((total < 0) & (quotient * count != total)).astype(x.dtype)


_TABLE: dict[ReduceOperation, _Reducer] = {
    _R.SUM: _sum,
    _R.PROD: _reduce(np.multiply),
    _R.MAX: _extreme(np.fmax, largest=True),
    _R.MIN: _extreme(np.fmin, largest=False),
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
        "empty result; integer SUM/PROD wrap in the input dtype and integer AVG divides that wrapped sum, "
        "truncating (*UNCONFIRMED*); bool inputs are invalid.",
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
