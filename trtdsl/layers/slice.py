"""ISliceLayer, its SampleMode, and Python indexing of tensors (``x[...]``).

For every output coordinate ``y``, the slice reads input coordinate ``x_i = start_i + y_i * stride_i``
on each axis; the output shape is ``size``. ``start`` is a raw coordinate (not Python-normalized),
and strides may be negative or zero. Coordinates outside ``[0, d)`` (``d`` the input dim) are
handled by the mode:

=============  ====================================================================
STRICT_BOUNDS  an error (at definition time when the dims are static)
WRAP           ``x mod d`` (non-negative)
CLAMP          ``np.clip(x, 0, d - 1)``
FILL           the fill value (input 4: a 0-D tensor; 0 when absent, as TensorRT's ONNX
               importer implies)
REFLECT        ``c = |x| mod (2d - 2)``, then ``2d - 2 - c`` if ``c >= d`` else ``c``
               (mirrored about the edge element; ``d = 1`` repeats it)
=============  ====================================================================

CLAMP, WRAP and REFLECT cannot sample an empty dim (the output dim must then be 0).
The layer's inputs keep TensorRT's positions: ``(data, start, size, stride, fill)``. Start, size and
stride are static parameters, or 1-D int32/int64 shape tensors read when the network runs (inputs
1-3, made by ``td.slice`` from dynamic dims such as ``x.shape[0] - 1``); the parameter then holds the
values as the IR knows them (see :mod:`trtdsl.shapes`).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("sl")
>>> x = net.input("x", td.float32, (2, 3))
>>> net.output("y", td.slice(x, start=(1, 0), size=(1, 2), stride=(1, 2)))
>>> net.output("w", td.slice(x, start=(0, -2), size=(2, 7), mode="wrap"))
>>> out = net.run({"x": np.array([[0, 2, 4], [1, 3, 5]], np.float32)})
>>> out["y"]                          # x[1:2, 0:4:2]
array([[1., 5.]], dtype=float32)
>>> out["w"]                          # x[:, np.arange(-2, 5) % 3]
array([[2., 4., 0., 2., 4., 0., 2.],
       [3., 5., 1., 3., 5., 1., 3.]], dtype=float32)
"""

from __future__ import annotations

import builtins
import enum
import functools
import operator
from typing import Any, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import Dim, DimLike, dim_tuple, static_shape
from trtdsl.ir.functions import ir_function
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import as_array, expect_tensor, static_ints
from trtdsl.layers._shape_args import shape_arg
from trtdsl.layers.cast import converted

__all__ = ["SampleMode", "Slice", "slice"]

_PySlice = builtins.slice  # this module's ``slice`` is the DSL function


class SampleMode(enum.Enum):
    STRICT_BOUNDS = "strict_bounds"
    WRAP = "wrap"
    CLAMP = "clamp"
    FILL = "fill"
    REFLECT = "reflect"


_M = SampleMode
# The TensorRT Operators reference's Slice page: these types, and no int64 or bfloat16 for the
# CLAMP, FILL and REFLECT modes.
SLICE_DTYPES = (dtypes.bool_, dtypes.int4, dtypes.int8, dtypes.int32, dtypes.int64, dtypes.float8_e4m3) + dtypes.FLOATS
_NOT_INT64_BF16 = (_M.CLAMP, _M.FILL, _M.REFLECT)


def mode_refuses(mode: SampleMode, dtype: dtypes.DType) -> bool:
    """Whether a Slice in ``mode`` refuses data of ``dtype``: its CLAMP, FILL and REFLECT modes take no int64
    or bfloat16 (the Operators reference's Slice page)."""
    return mode in _NOT_INT64_BF16 and dtype in (dtypes.int64, dtypes.bfloat16)


# NvInfer.h: the fill value has the input's type or one implicitly convertible to it, among these.
_FILL_CONVERTIBLE = (dtypes.float32, dtypes.float16, dtypes.int8, dtypes.float8_e4m3)

@attrs.frozen
class Slice(Op):
    """``out[y] = x[start + y * stride]`` per axis, out-of-range coordinates handled by ``mode``.

    ``size`` holds ints, or a dynamic dim of the input on its own axis (a full slice of it). A parameter
    given as a tensor (input 1, 2 or 3) holds that tensor's values as the IR knows them (dims)."""

    kind = "Slice"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.slice`, `td.pad`, `x[...]` indexing, `td.broadcast_to`, `td.full`, `td.zeros`, `td.ones`, "
        "`td.full_like`, `td.zeros_like`, `td.ones_like`",
        "`ISliceLayer` (`SampleMode`)",
        "`out[y] = x[start + y * stride]` with a raw (not Python-normalised) start; out-of-range "
        "coordinates follow the mode: STRICT_BOUNDS (error), WRAP, CLAMP, FILL, REFLECT. Start, size and "
        "stride may be shape tensors (inputs 1-3) made from dynamic dims; indices and slice bounds may be "
        "dims (`x[:y.shape[0]]`, `x[n - 1]`), which count from the start and must lie within the axis "
        "when the network runs (nothing is clipped); a dim that is never positive (`x[-k:]`) is refused, "
        "where a negative int counts from the end. `td.pad` maps `np.pad`'s modes onto one Slice; "
        "`td.broadcast_to` (and `td.full` and friends, a broadcast constant) reads dims of 1 with stride "
        "0.",
        "NvInfer.h `ISliceLayer`, `SampleMode`; FILL value conversion *UNCONFIRMED*",
    )
    input_names = ("data", "start?", "size?", "stride?", "fill?")
    input_dtypes = {"data": SLICE_DTYPES}
    start: tuple[DimLike, ...] = attrs.field(converter=dim_tuple)
    size: tuple[DimLike, ...] = attrs.field(converter=dim_tuple)
    stride: tuple[DimLike, ...] = attrs.field(converter=dim_tuple)
    mode: SampleMode = attrs.field(default=SampleMode.STRICT_BOUNDS, metadata=ir(unless_default=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        label = self.label()
        (x,) = inputs
        dynamic = tuple(inputs.all[i] is not None for i in (1, 2, 3))
        for i in (1, 2, 3):
            given = inputs.all[i]
            if given is not None:
                given.check_shape_vector(f"{label}: input '{self.input_names[i].rstrip('?')}'", x.rank)
        if mode_refuses(self.mode, x.dtype):
            raise DTypeError(
                f"{label}: mode {self.mode.name} does not support dtype {x.dtype.name}; TensorRT's CLAMP, FILL and "
                "REFLECT modes exclude int64 and bfloat16"
            )
        self._check_params(label, x, dynamic)
        fill = inputs.all[4]
        if fill is not None:
            _check_fill(label, self.mode, x, fill)
        return (TensorType(x.dtype, self.size),)

    def _check_params(self, label: str, x: TensorType, dynamic: tuple[bool, ...] = (False,) * 3) -> None:
        for arg, values in (("start", self.start), ("size", self.size), ("stride", self.stride)):
            if len(values) != x.rank:
                raise bad_argument(label, arg, values, f"{x.rank} values, one per dim of input shape {x.shape_text}",
                                   ShapeError)
        start_given, size_given, stride_given = dynamic
        for axis, (d, s, b, st) in enumerate(zip(x.shape, self.size, self.start, self.stride)):
            # exact type checks: bools are not coordinates, and they keep this loop cheap
            if (type(b) is not int and not (start_given and isinstance(b, Dim))) or \
                    (type(st) is not int and not (stride_given and isinstance(st, Dim))):
                arg = "start" if type(b) is not int else "stride"
                raise bad_argument(label, arg, getattr(self, arg), "ints")
            if type(s) is int and s >= 0:
                if s and type(d) is int and type(b) is int and type(st) is int:
                    self._check_static_axis(label, x, axis, d, s, b, st)
            elif not isinstance(s, Dim):
                raise bad_argument(label, "size", self.size, "ints >= 0 (or dynamic dims of the input)")
            elif s != d and not size_given:
                raise ShapeError(
                    f"{label}: size[{axis}] is the dynamic dim {s}, which is not dim {axis} of input shape "
                    f"{x.shape_text}; a size computed from dynamic dims comes as input 2, a shape tensor "
                    "(td.slice makes it)"
                )

    def _check_static_axis(self, label: str, x: TensorType, axis: int, d: int, s: int, b: int,
                           st: int) -> None:
        if self.mode is _M.STRICT_BOUNDS:
            first, last = b, b + (s - 1) * st
            lo, hi = min(first, last), max(first, last)
            if lo < 0 or hi >= d:
                raise ShapeError(
                    f"{label}: axis {axis} reads coordinates {first} to {last} (start {first}, size {s}, stride "
                    f"{st}) but input shape {x.shape_text} has {d} there; STRICT_BOUNDS needs them in "
                    "[0, d) (modes WRAP, CLAMP, FILL and REFLECT handle out-of-range coordinates)"
                )
        elif d == 0 and self.mode is not _M.FILL:
            raise ShapeError(
                f"{label}: mode {self.mode.name} cannot sample axis {axis} of input shape {x.shape_text}, which is "
                f"empty; the output dim must be 0 there, not {s}"
            )

    def reference(self, x: np.ndarray, start: np.ndarray | None = None, size: np.ndarray | None = None,
                  stride: np.ndarray | None = None, fill: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        if x.ndim == 0:
            return (x.copy(),)
        if start is None and size is None and stride is None and self.mode is not _M.FILL:
            basic_index = _inside_index(self.start, self.size, self.stride, x.shape)
            if basic_index is not None:
                return (x[basic_index],)
        if size is not None:
            sizes = tuple(int(s) for s in size)
            if min(sizes) < 0:
                starts = static_shape(self.start) if start is None else tuple(int(b) for b in start)
                raise ExecutionError(f"{self.label()}: the size {list(sizes)} read when the network ran "
                                     f"(from start {list(starts)} on an input of shape {x.shape}) has a "
                                     "negative dim: a bound lies beyond the other end of its axis")
        else:
            sizes = tuple(d if isinstance(s, Dim) else s for s, d in zip(self.size, x.shape))
        starts = static_shape(self.start) if start is None else tuple(int(b) for b in start)
        strides = static_shape(self.stride) if stride is None else tuple(int(st) for st in stride)
        if self.mode is _M.FILL:
            # TensorRT converts a fill value of another of float32/float16/int8/fp8 "implicitly" without
            # saying how; Cast's conversion is trtdsl's reading (UNCONFIRMED: an engine run filling an int8
            # slice with 2.7 or 300.0 would settle it)
            fill_value = np.zeros((), x.dtype) if fill is None else converted(np.asarray(fill), x.dtype)
            return (fill_slice(x, sizes, starts, strides, fill_value),)
        if 0 in sizes:
            return (np.zeros(sizes, x.dtype),)
        basic: list[Any] = []
        takes: list[tuple[int, np.ndarray]] = []
        for axis, (d, s, b, st) in enumerate(zip(x.shape, sizes, starts, strides)):
            last = b + (s - 1) * st
            inside = 0 <= min(b, last) and max(b, last) < d
            if inside and st != 0:
                basic.append(_progression(b, last, st))
                continue
            basic.append(_PySlice(None))
            coords = b + st * np.arange(s, dtype=np.int64)
            takes.append((axis, coords if inside else _sample(self.label(), self.mode, axis, coords, d,
                                                              start is not None)))
        out = x[tuple(basic)]
        for axis, index in takes:
            out = np.take(out, index, axis=axis)
        return (out,)

    def reference_for(self, inputs: Sequence[tuple[np.dtype, tuple[int, ...]]]) -> Any:
        """For a slice of static parameters whose coordinates all lie inside its input (the mode playing no
        part), the basic index worked out once: ``lambda x: (x[index],)``, a view as :meth:`reference`
        gives. An LSTM's four gate slices per step took 1.4 us each in :meth:`reference`.

        >>> read = Slice((0, 1), (2, 2), (1, 2)).reference_for([(np.dtype(np.float32), (3, 4))])
        >>> read(np.arange(12, dtype=np.float32).reshape(3, 4))[0]
        array([[1., 3.],
               [5., 7.]], dtype=float32)
        """
        if len(inputs) != 1 or not inputs[0][1] or self.mode is _M.FILL:
            return None
        index = _inside_index(self.start, self.size, self.stride, inputs[0][1])
        if index is None:
            return None
        return lambda x: (x[index],)


@functools.lru_cache(maxsize=1024)
def _inside_index(start: tuple[DimLike, ...], size: tuple[DimLike, ...], stride: tuple[DimLike, ...],
                  shape: tuple[int, ...]) -> tuple[_PySlice, ...] | None:
    """The basic index reading a static slice of an input of ``shape`` when all its coordinates are inside
    the input (so the mode plays no part), or None; worked out once per slice and input shape.

    >>> _inside_index((0, 1), (2, 3), (1, 2), (3, 6))
    (slice(0, 2, 1), slice(1, 6, 2))
    """
    sizes = tuple(d if isinstance(s, Dim) else s for s, d in zip(size, shape))
    index = []
    for d, s, b, st in zip(shape, sizes, static_shape(start), static_shape(stride)):
        last = b + (s - 1) * st
        if s == 0 or st == 0 or min(b, last) < 0 or max(b, last) >= d:
            return None
        index.append(_progression(b, last, st))
    return tuple(index)


def _progression(first: int, last: int, step: int) -> _PySlice:
    """The Python slice reading first, first + step, ..., last (step != 0, all in range)."""
    stop = last + (1 if step > 0 else -1)
    return _PySlice(first, stop if stop >= 0 else None, step)


def fill_slice(x: np.ndarray, sizes: Sequence[int], starts: Sequence[int], strides: Sequence[int],
               fill_value: np.ndarray) -> np.ndarray:
    """FILL mode: ``out[y] = x[start + y * stride]`` where that is inside ``x``, else ``fill_value``.

    Coordinates are linear in ``y``, so the outputs that read ``x`` form one box: fill the output,
    then copy that box with basic slicing (no index arrays, no masks)."""
    out = np.full(sizes, fill_value, x.dtype)
    target, source = [], []
    for d, s, b, st in zip(x.shape, sizes, starts, strides):
        # the y in [lo, hi) with 0 <= b + st * y < d
        if st == 0:
            lo, hi = (0, s) if 0 <= b < d else (0, 0)
        elif st > 0:
            lo, hi = -(b // st), (d - 1 - b) // st + 1
        else:
            lo, hi = -((d - 1 - b) // -st), b // -st + 1
        lo, hi = max(lo, 0), min(hi, s)
        if hi <= lo:
            return out
        target.append(_PySlice(lo, hi))
        # a zero stride reads one coordinate, which the assignment broadcasts
        source.append(_PySlice(b, b + 1) if st == 0 else _progression(b + st * lo, b + st * (hi - 1), st))
    out[tuple(target)] = x[tuple(source)]
    return out


def _sample(label: str, mode: SampleMode, axis: int, coords: np.ndarray, d: int,
            computed: bool = False) -> np.ndarray:
    """The input coordinates that ``mode`` reads for raw coordinates ``coords`` (some out of range); the
    run fails (an ExecutionError naming the layer ``label``) where the mode reads none. ``computed``: the
    start was computed when the network ran (input 1)."""
    if mode is _M.STRICT_BOUNDS:
        why = ("; the start was computed as the network ran: a negative bound on a shorter axis (x[-3:] of "
               "2 values), or td.broadcast_to of a dim that is neither 1 nor the target's")
        why = why if computed else ""
        raise ExecutionError(f"{label}: axis {axis} has size {d} when the network runs but the slice reads "
                             f"coordinates {coords[0]} to {coords[-1]} (STRICT_BOUNDS: TensorRT fails on any "
                             f"outside the input){why}")
    if d == 0:
        raise ExecutionError(f"{label}: {mode.name}: axis {axis} is empty at run time, so it cannot be "
                             "sampled")
    if mode is _M.WRAP:
        return np.mod(coords, d)
    if mode is _M.CLAMP:
        return np.clip(coords, 0, d - 1)
    if d == 1:
        return np.zeros_like(coords)
    c = np.abs(coords) % (2 * d - 2)
    return np.where(c >= d, 2 * d - 2 - c, c)


def _check_fill(label: str, mode: SampleMode, x: TensorType, fill: TensorType) -> None:
    if mode is not _M.FILL:
        raise ShapeError(f"{label}: input 4 (the fill value) is only allowed in FILL mode, not {mode.name}")
    if fill.rank != 0:
        raise ShapeError(f"{label}: input 4 (the fill value) has shape {fill.shape_text}; expected a 0-D tensor")
    if fill.dtype != x.dtype and not (fill.dtype in _FILL_CONVERTIBLE and x.dtype in _FILL_CONVERTIBLE):
        raise DTypeError(
            f"{label}: input 4 (the fill value) has dtype {fill.dtype.name} but the data is {x.dtype.name}; "
            "expected the same dtype (or, among float32, float16, int8 and float8_e4m3, one TensorRT converts)"
        )


def _sample_mode(fn: str, mode: SampleMode | str) -> SampleMode:
    """``mode`` as a SampleMode: a member, or its name in any case (``"fill"``, ``"STRICT_BOUNDS"``)."""
    if isinstance(mode, SampleMode):
        return mode
    try:
        return SampleMode[str(mode).upper()]
    except KeyError:
        raise bad_argument(fn, "mode", mode, "one of " + ", ".join(repr(m.value) for m in SampleMode)) from None


def _slice_sizes(fn: str, x: Tensor, size: Any) -> tuple[DimLike, ...]:
    """``size`` as a tuple of ints >= 0 or dims of ``x.shape`` (one per dim of ``x``)."""
    items = (size,) if isinstance(size, (int, np.integer, Dim)) else size
    try:
        out = tuple(v if isinstance(v, Dim) else operator.index(v) for v in items)
    except TypeError:
        out = None
    if (out is None or len(out) != x.ndim or any(isinstance(v, (bool, np.bool_)) for v in items)
            or any(isinstance(v, int) and v < 0 for v in out)):
        raise bad_argument(fn, "size", size, f"{x.ndim} ints >= 0 (or dims of x.shape)")
    return out


def slice(x: Tensor, start: Any, size: Any, stride: Any = None, mode: SampleMode | str = "strict_bounds",
          fill: Any = None, *, name: str | None = None) -> Tensor:
    """One ISliceLayer: ``out[y] = x[start + y * stride]`` per axis, with ``size`` the output shape.

    ``stride`` defaults to 1s. ``mode`` ("strict_bounds", "wrap", "clamp", "fill", "reflect") says what
    out-of-range coordinates read (see the module doc). ``fill`` (FILL mode only) is a number, a 0-D
    array or a 0-D tensor; without it FILL uses 0. Start, size and stride may hold dynamic dims
    (``x.shape[0] - 1``) and 0-D integer tensors, or be 1-D integer shape tensors: they are then the
    layer's inputs 1-3, computed when the network runs (a ``size`` entry that is ``x``'s own dim on its
    axis stays a parameter).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("s")
    >>> x = net.input("x", td.int32, (4,))
    >>> net.output("r", td.slice(x, start=(-3,), size=(10,), mode="reflect"))
    >>> net.output("f", td.slice(x, start=(3,), size=(6,), stride=(-1,), mode="fill", fill=-1))
    >>> out = net.run({"x": np.array([10, 11, 12, 13], np.int32)})
    >>> out["r"]                      # np.pad(x, (3, 3), mode="reflect")
    array([13, 12, 11, 10, 11, 12, 13, 12, 11, 10], dtype=int32)
    >>> out["f"]                      # x[::-1] then two fill values
    array([13, 12, 11, 10, -1, -1], dtype=int32)
    >>> y = net.input("y", td.float32, ("n", 3))
    >>> tail = td.slice(y, (1, 0), (y.shape[0] - 1, 3))   # y[1:], computed when the network runs
    >>> tail.shape
    (Dim('n-1'), 3)
    """
    x = expect_tensor("slice", "x", x)
    sample = _sample_mode("slice", mode)
    params: list[tuple[DimLike, ...]] = []
    tensors: list[Tensor | None] = []
    for arg, value in (("start", start), ("size", size), ("stride", (1,) * x.ndim if stride is None else stride)):
        tensor, dims = _param(x, arg, value)
        params.append(dims)
        tensors.append(tensor)
    inputs: list[Tensor | None] = [x, *tensors]
    if fill is not None:
        if sample is not _M.FILL:
            raise bad_argument("slice", "fill", fill, f"None: only FILL mode takes a fill value (mode is {sample.name})")
        inputs.append(fill_tensor("slice", x, fill))
    while inputs[-1] is None:
        inputs.pop()
    return x.network.add1(Slice(params[0], params[1], params[2], sample), inputs, name=name)


def _param(x: Tensor, arg: str, value: Any) -> tuple[Tensor | None, tuple[DimLike, ...]]:
    """A slice parameter as (its shape tensor or None, its values as the IR knows them)."""
    dynamic = isinstance(value, (Tensor, Dim)) or (
        isinstance(value, (tuple, list)) and any(isinstance(v, (Tensor, Dim)) for v in value))
    if arg == "size" and dynamic and not isinstance(value, (Tensor, Dim)) and len(value) == x.ndim and all(
            not isinstance(v, Tensor) and (not isinstance(v, Dim) or v == d) for v, d in zip(value, x.shape)):
        return None, _slice_sizes("slice", x, value)  # dims of x on their own axes: TensorRT's own size
    if not dynamic:
        if arg == "size":
            return None, _slice_sizes("slice", x, value)
        return None, static_ints("slice", arg, value, x.ndim)
    from trtdsl.shapes.rules import use_as_shape

    found = shape_arg("slice", arg, value, x.network, length=x.ndim)
    if found.tensor is None:
        return None, found.dims
    use_as_shape("slice", found.tensor, arg)
    return found.tensor, found.dims


def fill_tensor(fn: str, x: Tensor, fill: Any) -> Tensor:
    """``fill`` as a 0-D tensor: a Tensor as is, a number or 0-D array as a constant of ``x``'s dtype."""
    if isinstance(fill, Tensor):
        return fill
    value = as_array(fn, "fill", fill, x.dtype)
    if value.ndim != 0:
        raise bad_argument(fn, "fill", fill, "a number, a 0-D array or a 0-D tensor", ShapeError)
    return x.network.constant(value)


# -- Python indexing --------------------------------------------------------------------------------


@ir_function
def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]`` with NumPy's meaning, as TensorRT layers.

    Ints (negative ones count from the end), slices (any step, negative too), ``...`` and ``None``
    (``np.newaxis``) give one Slice layer, then a Squeeze for the int-indexed axes and an Unsqueeze
    for the new ones (each only when needed). An out-of-range int is a ShapeError. On a dynamic dim,
    negative ints and bounds count from the end and the slice's start and size are computed when the
    network runs (shape tensors); there the bounds must lie within the dim (NumPy would clip them):
    ``x[5:]`` of an axis of 3 is an ExecutionError. Indices and slice bounds may also be dims and their
    arithmetic (``x[:y.shape[0]]``, ``x[n - 1]`` with ``n = x.shape[0]``), computed when the network runs
    under the same rule; a dim counts from the start, never from the end. Steps are ints. An integer
    tensor or array as the whole key gathers along axis 0 (``td.take(x, key, axis=0)``).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("ix")
    >>> x = net.input("x", td.int32, ("batch", 4))
    >>> y = x[:, ::-2, None]
    >>> y.shape
    (Dim('batch'), 2, 1)
    >>> net.output("y", y)
    >>> net.output("z", x[0, -1])
    >>> out = net.run({"x": np.arange(8, dtype=np.int32).reshape(2, 4)})
    >>> out["y"][..., 0]
    array([[3, 1],
           [7, 5]], dtype=int32)
    >>> out["z"]
    array(3, dtype=int32)
    >>> x[1:, :-1].shape, x[::-1].shape
    ((Dim('batch-1'), 3), (Dim('batch'), 4))
    >>> n = x.shape[0]
    >>> net.output("last", x[n - 1])                       # x[-1], written with the dim
    >>> net.output("head", x[:, :n])                       # as many columns as there are rows
    >>> out = net.run({"x": np.arange(8, dtype=np.int32).reshape(2, 4)})
    >>> out["last"], out["head"]
    (array([4, 5, 6, 7], dtype=int32), array([[0, 1],
           [4, 5]], dtype=int32))
    """
    if isinstance(key, (Tensor, list, np.ndarray)):
        from trtdsl.layers.gather import take

        if isinstance(key, Tensor) and key.dtype.is_bool or isinstance(key, np.ndarray) and key.dtype == bool:
            raise bad_argument("getitem", "key", key, "ints, slices or an integer index tensor, not a "
                               "boolean mask: keep x's shape with td.where(mask, x, 0), or take the selected "
                               "values as NumPy's x[mask] does with td.gather_nd(x, td.nonzero(mask).T)",
                               DTypeError)
        return take(x, key, axis=0)
    items = key if isinstance(key, tuple) else (key,)
    where = f"%{x.name}[{_key_text(items)}]"
    expanded = _expand(where, x, items)
    starts: list[DimLike] = []
    sizes: list[DimLike] = []
    strides: list[int] = []
    squeezed: list[int] = []
    new_axes: list[int] = []
    axis = 0  # the input axis the next item indexes
    out_axis = 0  # the output axis the next slice or None makes
    for item in expanded:
        if item is None:
            new_axes.append(out_axis)
            out_axis += 1
            continue
        d = x.shape[axis]
        if isinstance(item, _PySlice):
            b, s, st = _slice_axis(where, axis, d, item)
            out_axis += 1
        else:
            b, s, st = _int_axis(where, axis, d, item), 1, 1
            squeezed.append(axis)
        starts.append(b)
        sizes.append(s)
        strides.append(st)
        axis += 1
    out = x
    if any(b != 0 or s != d or st != 1 for b, s, st, d in zip(starts, sizes, strides, x.shape)):
        out = slice(x, starts, sizes, strides)
    if squeezed:
        from trtdsl.layers.squeeze import squeeze

        out = squeeze(out, squeezed)
    if new_axes:
        from trtdsl.layers.squeeze import unsqueeze

        out = unsqueeze(out, new_axes)
    return out


def _expand(where: str, x: Tensor, items: tuple) -> list:
    """The index items with ``...`` expanded and trailing ``:`` added: one item per input axis plus
    the ``None``s."""
    ellipses = sum(1 for k in items if k is Ellipsis)
    if ellipses > 1:
        raise ArgumentError(f"{where}: an index can have only one ellipsis ('...')")
    for k in items:
        if isinstance(k, (Tensor, list, np.ndarray)):
            raise ArgumentError(
                f"{where}: tensors and arrays are supported only as the whole index (x[idx], a gather on axis 0); "
                "use td.take, td.take_along_axis or td.gather_nd for other gathers"
            )
        if not (k is None or k is Ellipsis or isinstance(k, (_PySlice, Dim)) or _is_int(k)):
            raise ArgumentError(
                f"{where}: {k!r} is not a valid index; expected ints, dims, slices, '...', None (np.newaxis), "
                "or an integer tensor as the whole index"
            )
    used = sum(1 for k in items if k is not None and k is not Ellipsis)
    if used > x.ndim:
        raise ShapeError(f"{where}: too many indices for a tensor of shape {x.type.shape_text}: {used} were given")
    fill = [_PySlice(None)] * (x.ndim - used)
    if not ellipses:
        return list(items) + fill
    at = next(i for i, k in enumerate(items) if k is Ellipsis)
    return list(items[:at]) + fill + list(items[at + 1:])


def _is_int(k: Any) -> bool:
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def _from_start(where: str, axis: int, i: Dim) -> Dim:
    """``i``, a dim given as an index or slice bound: a coordinate from the start of the axis, checked when
    the network runs. One that is never positive (``-n``, meant from the end as a negative int is) but not
    always 0 is refused: it could only read before the axis."""
    from trtdsl.shapes.algebra import never_positive, simplify

    if never_positive(i) and simplify(i) != 0:
        raise ShapeError(f"{where}: index or bound {i} on axis {axis} is never positive: a dim counts from "
                         "the start of the axis (TensorRT's Slice), not from its end as a negative int does; "
                         f"count from the end with the axis's dim (x[x.shape[{axis}] - n:] for the last n)")
    return i


def _int_axis(where: str, axis: int, d: DimLike, i: Any) -> DimLike:
    if isinstance(i, Dim):
        return _from_start(where, axis, i)
    i = int(i)
    if isinstance(d, Dim):
        return i if i >= 0 else d + i  # checked when the network runs, as a coordinate of the slice
    if not -d <= i < d:
        raise ShapeError(f"{where}: index {i} is out of bounds for axis {axis} with size {d}")
    return i + d if i < 0 else i


def _slice_axis(where: str, axis: int, d: DimLike, item: _PySlice) -> tuple[DimLike, DimLike, int]:
    """(start, size, stride) of a Python slice on an axis of size ``d``."""
    for part in (item.start, item.stop):
        if part is not None and not _is_int(part) and not isinstance(part, Dim):
            hint = ("; a bound held in a tensor is a shape tensor for td.slice (x[:k] is "
                    "td.slice(x, (0,), (k,)))" if isinstance(part, Tensor) else "")
            raise ArgumentError(f"{where}: slice bounds must be ints, dims or None, not {part!r}{hint}")
    if item.step is not None and not _is_int(item.step):
        raise ArgumentError(f"{where}: slice steps must be ints or None, not {item.step!r}")
    if item.step == 0:
        raise ArgumentError(f"{where}: slice step cannot be zero")
    if isinstance(d, Dim) or isinstance(item.start, Dim) or isinstance(item.stop, Dim):
        return _dynamic_slice_axis(where, axis, d, item)
    b, e, st = item.indices(d)
    n = len(range(b, e, st))
    return (b if n else 0), n, st


def _dynamic_slice_axis(where: str, axis: int, d: DimLike,
                        item: _PySlice) -> tuple[DimLike, DimLike, int]:
    """(start, size, stride) of a Python slice on a dynamic axis, or with dims as bounds, without NumPy's
    clipping: the bounds must lie within the axis when the network runs (a negative size or an
    out-of-range read fails then). Bounds whose count is never positive (``x[5:1]``, ``x[n:n - 2]``) select
    nothing, as in NumPy, on any axis size."""
    from trtdsl.shapes.algebra import simplify

    step = 1 if item.step is None else int(item.step)

    def bound(value: Any, default: DimLike) -> DimLike:
        if value is None:
            return default
        if isinstance(value, Dim):
            return _from_start(where, axis, value)
        return int(value) if value >= 0 else d + int(value)

    if step > 0:
        b, e = bound(item.start, 0), bound(item.stop, d)
        size = simplify((e - b + (step - 1)) // step)
    else:
        b, e = bound(item.start, d - 1), bound(item.stop, -1)
        size = simplify((b - e + (-step - 1)) // -step)
    if isinstance(size, int) and size <= 0:  # x[5:1], x[n:n - 2]: empty whatever the axis's size, as in NumPy
        return 0, 0, step
    return b, size, step


def _key_text(items: tuple) -> str:
    """The index as Python writes it, e.g. ``0, ::-1, None, ...``."""
    parts = []
    for k in items:
        if isinstance(k, _PySlice):
            text = _part_text(k.start) + ":" + _part_text(k.stop)
            parts.append(text + ("" if k.step is None else ":" + _part_text(k.step)))
        elif k is Ellipsis:
            parts.append("...")
        elif _is_int(k):
            parts.append(str(int(k)))
        elif isinstance(k, Dim):
            parts.append(str(k))
        elif isinstance(k, Tensor):
            parts.append(f"%{k.name}")
        elif isinstance(k, np.ndarray):
            parts.append(f"<ndarray {k.dtype}{list(k.shape)}>")
        else:
            parts.append(repr(k))
    return ", ".join(parts)


def _part_text(part: Any) -> str:
    if part is None:
        return ""
    return str(int(part)) if _is_int(part) else str(part) if isinstance(part, Dim) else repr(part)
