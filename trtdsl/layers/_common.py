"""What the layer modules share: turning Python/NumPy values into tensors, axis handling, dtype
checks and NumPy-style broadcasting made explicit (TensorRT needs equal ranks)."""

from __future__ import annotations

import enum
import functools
import inspect
import math
import operator
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import ml_dtypes
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import (
    ArgumentError, DTypeError, ShapeError, UnequalDimsError, Where, bad_argument, constant_hint, outward,
    shown,
)
from trtdsl.ir.dims import DimLike
from trtdsl.ir.functions import tensor_function
from trtdsl.ir.network import Network
from trtdsl.ir.op import expect_dtype as expect_dtype  # "as": re-exported to the layer modules
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.shapes.algebra import same_dim

E = TypeVar("E", bound=enum.Enum)
FLOAT32_MAX = float(np.finfo(np.float32).max)
_FLOAT32_OVERFLOW = 2.0**128 - 2.0**103  # the numbers from which float32 rounding gives an infinity
# the scalars of ndim_of's and as_tensor's fast paths, by exact type (an np.float64 is a float too)
FLOAT_SCALARS = (float, np.float32)


def network_of(fn: str, *values: Any) -> Network:
    """The network of the first Tensor among ``values``."""
    for v in values:
        if isinstance(v, Tensor):
            return v.network
        if isinstance(v, (list, tuple)):
            for item in v:
                if isinstance(item, Tensor):
                    return item.network
    raise ArgumentError(f"{fn}: at least one argument must be a trtdsl Tensor (got only Python/NumPy "
                        f"values){constant_hint(values)}")


def expect_tensor(fn: str, arg: str, value: Any) -> Tensor:
    """``value`` if it is a Tensor, else a DTypeError naming ``fn``'s argument ``arg``."""
    if not isinstance(value, Tensor):
        raise bad_argument(fn, arg, _short(value), f"a trtdsl Tensor{constant_hint(value)}", DTypeError)
    return value


class _Shown(str):
    """Text shown as is where a message shows values with repr()."""

    def __repr__(self) -> str:
        return str(self)


def _short(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return _Shown(f"<ndarray {value.dtype}{list(value.shape)}>")
    return value


def as_array(fn: str, arg: str, value: Any, dtype: DType) -> np.ndarray:
    """``value`` (a Python number, nested list or ndarray) as an array of ``dtype``, refusing
    conversions that would change its meaning (a float into an int tensor, an int that does not fit)."""
    array = array_of(fn, arg, value)
    target = dtype.numpy
    if array.dtype == target:
        return array
    kind = array.dtype.kind
    ok = (
        (dtype.is_float and kind in "fiub")
        or (dtype.name in ("int32", "int64", "int8", "uint8") and kind in "iub")
        or (dtype.is_bool and kind == "b")
    )
    if ok and kind in "iu" and array.size and not dtype.is_float:
        info = np.iinfo(target)
        ok = bool(array.min() >= info.min and array.max() <= info.max)
    if not ok and kind == "O":  # NumPy found no number type for it: None, an int beyond 64 bits, ...
        given = _short(value) if array.size > 8 else shown(value)
        raise DTypeError(f"{fn}: argument '{arg}' is {given}, which is no {dtype.name} value (NumPy gives it "
                         "no number type); expected numbers")
    if not ok:
        raise DTypeError(
            f"{fn}: argument '{arg}' ({_short(value) if array.size > 8 else shown(value)}, {array.dtype}) "
            f"cannot be used as {dtype.name}: TensorRT networks are strongly typed; convert it first (e.g. "
            ".astype) or cast the tensor with td.cast"
        )
    limit = _overflow_from(array.dtype, target) if dtype.is_float and kind != "b" else None
    if limit is None:  # every finite value of the array's dtype fits
        return array.astype(target)
    if array.size <= _CHECKED_AS_NUMBERS:  # a number or a short list: faster in Python than NumPy's passes
        for number in array.ravel().tolist():
            if abs(number) >= limit and not math.isinf(number):
                raise _too_large(fn, arg, number, dtype)
        return array.astype(target)
    with np.errstate(over="ignore"):  # a value beyond the dtype's range is refused below
        converted = array.astype(target)
    if array.size and not np.isfinite(converted).all():
        too_large = np.isinf(converted) & np.isfinite(array)
        if too_large.any():
            raise _too_large(fn, arg, array[too_large].flat[0], dtype)
    return converted


_CHECKED_AS_NUMBERS = 16


@functools.lru_cache(maxsize=None)
def _overflow_from(source: np.dtype, target: np.dtype) -> float | None:
    """The magnitude from which values of ``source`` round to an infinity in the float dtype ``target``
    (its largest value plus half an ulp there, which rounds to even, up), or None where every finite value
    of ``source`` fits (an int32 in float32, a float16 in float32).

    >>> _overflow_from(np.dtype(np.float64), np.dtype(np.float16))
    65520.0
    >>> _overflow_from(np.dtype(np.int32), np.dtype(np.float32)) is None
    True
    """
    info = ml_dtypes.finfo(target)
    limit = float(info.max) + 2.0 ** (int(info.maxexp) - 2 - int(info.nmant))
    largest = float(np.iinfo(source).max) if source.kind in "iu" else float(ml_dtypes.finfo(source).max)
    return limit if largest >= limit else None


def _too_large(fn: str, arg: str, value: Any, dtype: DType) -> DTypeError:
    """A number that ``dtype`` would hold as an infinity: an error, never a silent inf."""
    largest = float(ml_dtypes.finfo(dtype.numpy).max)
    return DTypeError(
        f"{fn}: argument '{arg}' holds {float(value):.9g}, beyond {dtype.name}'s range (largest magnitude "
        f"{largest:.9g}): it would become an infinity; give a value within the range, or an infinity itself "
        "(float('inf'), -np.inf) where that is what is meant"
    )


def array_of(fn: str, arg: str, value: Any) -> np.ndarray:
    """``np.asarray(value)`` for a number, nested list or array given as argument ``arg`` of ``fn``; a list
    holding Tensors, a ragged or too deeply nested list, or a value NumPy cannot hold is a DTypeError.

    >>> array_of("add", "b", [[1, 2], [3, 4]]).shape
    (2, 2)
    """
    if value.__class__ is np.ndarray:
        return value
    if isinstance(value, np.ma.MaskedArray):  # converting it would silently use the masked values
        shown = _Shown(f"<masked array {value.dtype}{list(value.shape)}>")
        raise bad_argument(fn, arg, shown, "an array without a mask (a masked array's mask has no "
                           "meaning in a network): give m.filled(value), or m.data", DTypeError)
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple)):
        _no_tensors_inside(fn, arg, value)
    try:
        return np.asarray(value)
    except (ValueError, TypeError, OverflowError, RecursionError):
        raise bad_argument(fn, arg, value, "a number, an array, or a nested list of numbers with the same "
                           "length at each level", DTypeError) from None


_NESTING = 64  # NumPy's maximum rank: deeper lists are refused by array_of anyway


def _no_tensors_inside(fn: str, arg: str, value: Any, depth: int = 0) -> None:
    """NumPy cannot make an array of a list holding Tensors: say so, instead of its own error."""
    if isinstance(value, (list, tuple)) and depth < _NESTING:
        for v in value:
            if isinstance(v, Tensor):
                raise bad_argument(fn, arg, value, "numbers or an array, not a list holding Tensors (combine "
                                   "tensors with td.concatenate)", DTypeError)
            if isinstance(v, (list, tuple)):
                _no_tensors_inside(fn, arg, v, depth + 1)


def ndim_of(fn: str, arg: str, value: Any) -> int:
    """The rank of a Tensor, or of the array :func:`as_array` makes of a number, list or array.

    >>> ndim_of("add", "b", [[1.0, 2.0]])
    2
    """
    if isinstance(value, Tensor):
        return value.ndim
    if type(value) in FLOAT_SCALARS:
        return 0
    return array_of(fn, arg, value).ndim


def as_tensor(fn: str, arg: str, value: Any, like: Tensor, rank: int | None = None,
              callers: Where = 1) -> Tensor:
    """``value`` as a Tensor of ``like``'s network: a Tensor is returned as is; a number or array becomes
    a constant of ``like``'s dtype, reshaped with leading 1s to ``rank`` if given. ``callers``: how many
    of the frames calling it are trtdsl's own, its caller's first (at least that one: it is private to
    trtdsl's layer functions), for the constant's location (see :func:`owned_constant`), or that location
    where the caller found it already (see :data:`~trtdsl.errors.Where`)."""
    if isinstance(value, Tensor):
        return value
    if type(value) in FLOAT_SCALARS and like.type.dtype is dtypes.float32:
        # the common ``x * 1.5``: the very array of the path below, made in one step, for the constant alone
        if value.__class__ is float and abs(value) >= _FLOAT32_OVERFLOW and not math.isinf(value):
            raise _too_large(fn, arg, value, dtypes.float32)
        array = np.array(value, np.float32, ndmin=rank or 0)
    else:
        array = as_array(fn, arg, value, like.dtype)
        if rank is not None and array.ndim < rank:
            array = array.reshape((1,) * (rank - array.ndim) + array.shape)
        array = np.array(array, copy=True, order="C")  # the constant's copy of the values
    # net.constant's layer, of an array of like's dtype: its checks would change nothing
    return tensor_function("owned_constant")(like.network, array, callers=outward(callers))


def normalize_axis(fn: str, axis: Any, rank: int, arg: str = "axis", of: str = "input") -> int:
    """``axis`` in [-rank, rank-1] as a non-negative int; ``of`` says whose rank ``rank`` is (an axis of
    the result, say, where the function adds one)."""
    if not is_int(axis):
        raise bad_argument(fn, arg, axis, f"an int in [{-rank}, {rank - 1}]")
    if not -rank <= axis < rank:
        raise bad_argument(fn, arg, axis, f"an int in [{-rank}, {rank - 1}] for a rank-{rank} {of}",
                           ShapeError)
    return int(axis) % rank


def normalize_axes(fn: str, axis: Any, rank: int, arg: str = "axis") -> tuple[int, ...]:
    """``axis`` (None = all, an int, or a sequence of unique ints) as sorted non-negative ints."""
    if axis is None:
        return tuple(range(rank))
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    axes = tuple(normalize_axis(fn, a, rank, arg) for a in items)
    if len(set(axes)) != len(axes):
        raise bad_argument(fn, arg, axis, "unique axes")
    return tuple(sorted(axes))


def axes_to_mask(axes: Iterable[int]) -> int:
    """TensorRT's axes bitmask: bit i selects dim i."""
    mask = 0
    for a in axes:
        mask |= 1 << a
    return mask


def mask_to_axes(mask: int) -> tuple[int, ...]:
    """The axes a TensorRT bitmask selects (the inverse of :func:`axes_to_mask`).

    >>> mask_to_axes(0b101)
    (0, 2)
    """
    return tuple(i for i in range(64) if mask >> i & 1)


def expect_rank(label: str, arg: str, ty: TensorType, ranks: Iterable[int] | Callable[[int], bool],
                expected: str) -> None:
    """A ShapeError unless input ``arg``'s rank is in ``ranks`` (or satisfies it, if callable)."""
    ok = ranks(ty.rank) if callable(ranks) else ty.rank in tuple(ranks)
    if not ok:
        raise ShapeError(f"{label}: input '{arg}' has shape {ty.shape_text}; expected {expected}")


def broadcast_dim(label: str, a: DimLike, b: DimLike, shapes: Sequence[TensorType]) -> DimLike:
    """TensorRT's rule for one dim: equal, or one of them is 1 (the other wins, so 1 vs 0 gives 0)."""
    if a == b:
        return a
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        raise ShapeError(
            f"{label}: shapes {' and '.join(t.shape_text for t in shapes)} do not broadcast: dims {a} and "
            f"{b} differ and neither is 1"
        )
    if isinstance(a, int):
        return a
    if isinstance(b, int):
        return b
    if same_dim(a, b):
        return a
    raise UnequalDimsError(
        f"{label}: shapes {' and '.join(t.shape_text for t in shapes)} do not broadcast: dims {a} and {b} "
        "may differ; give inputs that must agree the same dim name", dims=(a, b)
    )


def broadcasts_to(s: DimLike, d: DimLike) -> bool:
    """Whether a dim of a tensor broadcast to another (a slope, a scale) fits the other's dim ``d``: 1,
    equal, or not comparable before run time (an int against a named dim).

    >>> from trtdsl.ir.dims import Dim
    >>> broadcasts_to(1, 5), broadcasts_to(3, 5), broadcasts_to(3, Dim.symbol("n"))
    (True, False, True)
    """
    return s == 1 or s == d or isinstance(s, int) != isinstance(d, int)


def broadcast_types(label: str, types: Sequence[TensorType]) -> tuple[DimLike, ...]:
    """The broadcast shape of equal-rank types (TensorRT has no implicit rank padding)."""
    ranks = {t.rank for t in types}
    if len(ranks) != 1:
        raise ShapeError(
            f"{label}: inputs have ranks {', '.join(str(t.rank) for t in types)} (shapes "
            f"{', '.join(t.shape_text for t in types)}); TensorRT requires equal ranks"
        )
    shape = list(types[0].shape)
    for t in types[1:]:
        shape = [broadcast_dim(label, a, b, types) for a, b in zip(shape, t.shape)]
    return tuple(shape)


def in_float(fn: Callable[..., np.ndarray], dtype: np.dtype, *arrays: np.ndarray) -> np.ndarray:
    """Apply ``fn`` computing in float32 for 16-bit floats (as TensorRT kernels do), cast to ``dtype``."""
    if dtype in _HALF_FLOATS:
        return np.asarray(fn(*(a.astype(np.float32) for a in arrays))).astype(dtype)
    result = fn(*arrays)
    if result.__class__ is np.ndarray and result.dtype == dtype:  # the common case, without two calls
        return result
    return np.asarray(result).astype(dtype, copy=False)


# values per block of a kernel working block by block, whose passes then find their operands in cache
# (a core's L2 cache here is 2 MB; 2**15 to 2**17 values measured best for softmax and GELU)
CACHED = 2**17


# zeros for the maximum of a block with 0: np.fmax of two arrays of one memory order is about twice as
# fast as of an array and a 0-d zero, which NumPy does not vectorise (and gives the same bits)
_ZEROS = np.zeros(CACHED, np.float32)
_ZEROS.flags.writeable = False
_ZERO = np.zeros((), np.float32)


def zeros_for(x: np.ndarray) -> np.ndarray:
    """float32 zeros to pair with ``x`` in a ufunc: a read-only array of ``x``'s shape and memory order
    where ``x`` is C- or Fortran-contiguous and holds at most ``CACHED`` values, else a 0-d zero.

    >>> zeros_for(np.ones((2, 3), np.float32)).shape, zeros_for(np.ones((2, 3), np.float32)[:, ::2]).shape
    ((2, 3), ())
    """
    if x.size <= CACHED:
        if x.flags.c_contiguous:
            return _ZEROS[:x.size].reshape(x.shape)
        if x.flags.f_contiguous:
            return _ZEROS[:x.size].reshape(x.shape, order="F")
    return _ZERO


# unsigned integers of each item size: select works on the values' bits
_BITS: dict[int, np.dtype[Any]] = {
    1: np.dtype(np.uint8), 2: np.dtype(np.uint16), 4: np.dtype(np.uint32), 8: np.dtype(np.uint64),
}
_SELECTED_BY_BITS = 4096  # the size from which select's bit operations beat np.where (measured, see select)
_BOOL = np.dtype(np.bool_)


def select(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.where(mask, a, b)`` for a bool ``mask`` and arrays ``a`` and ``b`` of one dtype, broadcast as
    ``np.where`` does, bit for bit (signed zeros and NaNs included). From 4096 values on it selects by the
    values' bits, as unsigned integers: ``((a ^ b) * mask) ^ b``.
    NumPy's ``where`` branches on every value, which costs about 4 ns per value when the CPU cannot predict
    the mask (the signs of data, say); the bit operations take about 1.3 ns (2**20 float32 values: 1.32 ms
    against 3.98 ms; 65536 values: 31 us against 259 us). Where the mask is predictable (all true, or in
    long runs) ``where`` is faster on arrays beyond the cache (2**20 values: 0.58 ms), as fast below it.

    >>> select(np.array([True, False]), np.array([1.0, -0.0]), np.array([2.0, 3.0]))
    array([1., 3.])
    """
    if a.__class__ is not np.ndarray or b.__class__ is not np.ndarray or a.dtype != b.dtype \
            or mask.dtype != _BOOL or a.dtype.itemsize not in _BITS or a.dtype.hasobject \
            or max(mask.size, a.size, b.size) < _SELECTED_BY_BITS:
        return np.where(mask, a, b)
    bits = _BITS[a.dtype.itemsize]
    a_bits, b_bits = a.view(bits), b.view(bits)
    # one array for it all: a few fresh temporaries of a large x make glibc hand memory back and fault it in
    # again on the next call (2276 page faults a call on 2**20 float32 values, twice the time)
    out = np.empty(np.broadcast_shapes(mask.shape, a.shape, b.shape), bits)
    np.bitwise_xor(a_bits, b_bits, out=out)
    np.multiply(out, mask, out=out)  # a ^ b where mask holds, 0 elsewhere
    np.bitwise_xor(out, b_bits, out=out)
    return out.view(a.dtype)


class UfuncForm:
    """An op's in-place form that is one ufunc: ``ufunc(*inputs, out=inputs[index])``, or where ``zeros``
    is set (a unary layer taking its maximum with 0) ``ufunc(x, zeros_for(x), out=x)``. Callable as
    such; the interpreter's chains call ``ufunc`` themselves, without this object's call between.

    >>> x = np.array([-1.0, 2.0], np.float32)
    >>> UfuncForm(np.fmax, 0, zeros=True)(x), x
    ((array([0., 2.], dtype=float32),), array([0., 2.], dtype=float32))
    """

    __slots__ = ("ufunc", "index", "zeros")

    def __init__(self, ufunc: np.ufunc, index: int, *, zeros: bool = False) -> None:
        self.ufunc, self.index, self.zeros = ufunc, index, zeros

    def __call__(self, *inputs: np.ndarray) -> tuple[np.ndarray]:
        if self.zeros:
            (x,) = inputs
            return (self.ufunc(x, zeros_for(x), out=x),)
        return (self.ufunc(*inputs, out=inputs[self.index]),)


def blocks(rows: int, row_size: int) -> Iterator[slice]:
    """Slices of ``rows`` consecutive rows of ``row_size`` values each, taking about ``CACHED`` values at a
    time (at least one row), for the kernels that work block by block.

    >>> list(blocks(5, 2**16))
    [slice(0, 2, None), slice(2, 4, None), slice(4, 6, None)]
    """
    step = max(1, CACHED // max(row_size, 1))
    return (slice(start, start + step) for start in range(0, rows, step))


SHORT_ROWS = 4096  # the longest rows that row_sums (and normalization's sums of squares) sum by BLAS


def row_sums(x: np.ndarray) -> np.ndarray:
    """``np.add.reduce(x, axis=1)`` for a float matrix: for rows of up to 4096, its product by a vector of
    ones (BLAS), about 3x faster than NumPy's per-row reduction on rows of 128 to 256. Its float32
    accumulation is as accurate as pairwise summation there (2e-7 relative over 4096 squares of standard
    normal values) and falls behind above, where this sums pairwise.

    >>> row_sums(np.arange(6, dtype=np.float32).reshape(2, 3))
    array([ 3., 12.], dtype=float32)
    """
    if x.shape[1] > SHORT_ROWS:
        return np.add.reduce(x, axis=1)
    return np.matmul(x, np.ones(x.shape[1], x.dtype))


def fold_halves(fn: np.ufunc, v: np.ndarray) -> np.ndarray:
    """``fn.reduce(v, axis=1)`` for ``v`` of shape ``(outer, n, inner)``, by halves:
    ``a = fn(v[:, :h], v[:, h:2 * h])`` with ``h = n // 2`` (an odd last row folded into ``a[:, h - 1]``),
    then the same on ``a`` until one row is left. Each pass runs along whole rows of ``h * inner``
    values, where NumPy's reduction runs ``inner`` values at a time. Values combine pairwise, ``h`` rows
    apart: for a sum or product the order differs from NumPy's, for a maximum only which of -0 and +0
    comes out (which NumPy's own loops leave to SIMD). The result is a fresh C-contiguous array (for
    ``n = 1``, ``v[:, 0]`` itself)."""
    a = v
    while (n := a.shape[1]) > 1:
        h = n // 2
        # the first pass and the last write new arrays, the others into the first pass's
        folded = fn(a[:, :h], a[:, h:2 * h], out=a[:, :h] if a is not v and h > 1 else None)
        if n % 2:
            fn(folded[:, h - 1], a[:, 2 * h], out=folded[:, h - 1])
        a = folded
    return a[:, 0]


def axis_sums(v: np.ndarray) -> np.ndarray:
    """``v.sum(axis=1)`` (shape ``(outer, inner)``) for a float32 ``v`` of shape ``(outer, n, inner)``, ``n``
    at most ``SHORT_ROWS``, as products with a vector of ones (exact): BLAS's ``gemv`` sums the values of
    each output in blocks, with several accumulators, from a +0 (so a sum of only -0 is +0)."""
    outer, n, inner = v.shape
    if inner == 1:
        return row_sums(v.reshape(outer, n)).reshape(outer, 1)
    ones = np.ones(n, np.float32)
    if outer == 1:
        return (ones @ v.reshape(n, inner)).reshape(1, inner)
    return np.matmul(ones, v)


_HALF_FLOATS = frozenset({np.dtype(np.float16), np.dtype(dtypes.bfloat16.numpy)})


def static_ints(fn: str, arg: str, values: Any, length: int | None = None) -> tuple[int, ...]:
    """A sequence of Python ints (e.g. strides), checked for type (bools are not ints) and length.

    >>> static_ints("padding_nd", "pre_padding", (np.int64(1), 2), 2)
    (1, 2)
    """
    try:
        if isinstance(values, Tensor):  # its values exist only when the network runs
            raise TypeError("a Tensor is not a sequence of ints here")
        items: list[Any] = [values] if isinstance(values, (int, np.integer, np.bool_)) else list(values)
        if any(isinstance(v, (bool, np.bool_)) for v in items):
            raise TypeError("a bool is not an int here")
        out = tuple(operator.index(v) for v in items)
    except TypeError:
        raise bad_argument(fn, arg, values, "a sequence of ints") from None
    if length is not None and len(out) != length:
        raise bad_argument(fn, arg, values, f"{length} ints")
    return out


def is_int(value: Any) -> bool:
    """Whether ``value`` is a Python or NumPy integer (bools are not).

    >>> is_int(np.int64(3)), is_int(True), is_int(3.0)
    (True, False, False)
    """
    if value.__class__ is int:  # the common case, checked fast
        return True
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def expect_bool(fn: str, arg: str, value: Any) -> bool:
    """``value`` (a Python or NumPy bool) as a bool; anything else, 0 and 1 included, is an ArgumentError.

    >>> expect_bool("topk", "largest", np.bool_(False))
    False
    """
    if not isinstance(value, (bool, np.bool_)):
        raise bad_argument(fn, arg, value, "a bool")
    return bool(value)


def expect_callable(fn: str, arg: str, value: Any,
                    parameters: tuple[str, ...] | None = None) -> Callable[..., Any]:
    """``value`` if it can be called (a loop body, a branch function), else an ArgumentError; with
    ``parameters``, also if it takes that many positional arguments (their names say what they are, for
    the error), where its signature can be read.

    >>> expect_callable("cond", "true_fn", len)
    <built-in function len>
    >>> try:
    ...     expect_callable("scan", "f", lambda c: c, ("carry", "x"))
    ... except ArgumentError as e:
    ...     print(e.message)
    scan: argument 'f' takes (c); expected a function of (carry, x)
    """
    if not callable(value):
        raise bad_argument(fn, arg, value, "a function")
    if parameters is not None:
        try:
            signature = inspect.signature(value)
        except (TypeError, ValueError):  # a builtin or extension without one: its call will say
            return value
        try:
            signature.bind(*parameters)
        except TypeError:
            wanted = f"({', '.join(parameters)})" if parameters else "no arguments"
            raise ArgumentError(f"{fn}: argument '{arg}' takes {str(signature).split(' ->')[0]}; expected a "
                                f"function of {wanted}") from None
    return value


def finite_float(fn: str, arg: str, value: Any, expected: str = "a finite float") -> float:
    """``value`` (a Python or NumPy number, not a bool) as a float. TensorRT keeps layer parameters such as
    alpha, beta and epsilon as 32-bit floats, so the value must be finite in float32.

    >>> finite_float("elu", "alpha", np.int64(2)), finite_float("elu", "alpha", 0.5)
    (2.0, 0.5)
    """
    if value.__class__ is float and -FLOAT32_MAX <= value <= FLOAT32_MAX:  # the common case, checked fast
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise bad_argument(fn, arg, value, expected)
    try:
        number = float(value)
    except OverflowError:  # an int beyond float64
        number = float("inf")
    if not math.isfinite(number):
        raise bad_argument(fn, arg, value, expected)
    if abs(number) > FLOAT32_MAX:
        raise bad_argument(fn, arg, value, f"{expected} within float32's range (at most {FLOAT32_MAX:.8g} in "
                                           "magnitude)")
    return number


def enum_member(fn: str, arg: str, value: Any, kind: type[E]) -> E:
    """``value`` as a member of the enum ``kind``: a member, or its name in any case.

    >>> from trtdsl.layers.reduce import ReduceOperation
    >>> enum_member("reduce", "op", "avg", ReduceOperation)
    <ReduceOperation.AVG: 'avg'>
    """
    if isinstance(value, kind):
        return value
    if isinstance(value, str) and value.upper() in kind.__members__:
        return kind[value.upper()]
    raise bad_argument(fn, arg, value, "one of " + ", ".join(kind.__members__))
