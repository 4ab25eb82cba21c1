"""IShuffleLayer (transpose, reshape, transpose), ISqueezeLayer and IUnsqueezeLayer.

Shuffle applies ``first_transpose``, then ``reshape``, then ``second_transpose``. Permutations follow
``np.transpose`` (output dim i is input dim ``perm[i]``). In reshape dims, ``-1`` is inferred and ``0``
copies the input dim at the same index (``zero_is_placeholder=True``, TensorRT's default).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("sh")
>>> x = net.input("x", td.float32, (3, 4))
>>> net.output("y", td.shuffle(x, first_transpose=(1, 0), reshape=(2, 6)))
>>> a = np.array([[1, 2, 3, 4], [10, 20, 30, 40], [100, 200, 300, 400]], np.float32)
>>> net.run({"x": a})["y"]       # np.transpose(a, (1, 0)).reshape(2, 6)
array([[  1.,  10., 100.,   2.,  20., 200.],
       [  3.,  30., 300.,   4.,  40., 400.]], dtype=float32)
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

import attrs
import numpy as np

from trtdsl.errors import ShapeError, bad_argument
from trtdsl.ir.dims import Dim, DimLike, combine, volume
from trtdsl.ir.op import InputTypes, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_tensor, normalize_axes


def _opt_tuple(value: Any) -> tuple[int, ...] | None:
    return None if value is None else tuple(operator.index(v) for v in value)


def _check_perm(label: str, arg: str, perm: tuple[int, ...], rank: int) -> None:
    if sorted(perm) != list(range(rank)):
        raise ShapeError(
            f"{label}: argument '{arg}' is {perm}; expected a permutation of {tuple(range(rank))} for a rank-{rank} input"
        )


def reshape_dims(label: str, in_shape: tuple[DimLike, ...], dims: tuple[int, ...], zero_is_placeholder: bool) -> tuple[DimLike, ...]:
    """The output shape of TensorRT's reshape of ``in_shape`` to ``dims`` (0 and -1 resolved)."""
    out: list[DimLike] = []
    infer_at = None
    for i, d in enumerate(dims):
        if d == -1:
            if infer_at is not None:
                raise ShapeError(f"{label}: reshape dims {dims} have more than one -1")
            infer_at = i
            out.append(-1)
        elif d == 0 and zero_is_placeholder:
            if i >= len(in_shape):
                raise ShapeError(f"{label}: reshape dims {dims} have 0 at index {i}, past the input's rank {len(in_shape)}")
            out.append(in_shape[i])
        elif d < 0:
            raise ShapeError(f"{label}: reshape dims {dims} contain {d}; expected dims >= 0 or a single -1")
        else:
            out.append(d)
    vin = volume(in_shape)
    known = volume(tuple(d for d in out if not (isinstance(d, int) and d == -1)))
    if infer_at is not None:
        if known == 0:
            raise ShapeError(f"{label}: cannot infer the -1 in reshape dims {dims}: the other dims have volume 0")
        if isinstance(vin, int) and isinstance(known, int) and vin % known:
            raise ShapeError(f"{label}: cannot reshape {_text(in_shape)} to {dims}: volume {vin} is not a multiple of {known}")
        out[infer_at] = combine("//", vin, known)
    elif isinstance(vin, int) and isinstance(known, int) and vin != known:
        raise ShapeError(f"{label}: cannot reshape {_text(in_shape)} (volume {vin}) to {dims} (volume {known})")
    return tuple(out)


def _text(shape: tuple[DimLike, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


@attrs.frozen
class Shuffle(Op):
    """``np.transpose(np.transpose(x, first).reshape(dims), second)`` with TensorRT's 0/-1 rules."""

    kind = "Shuffle"
    first_transpose: tuple[int, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    reshape: tuple[int, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    second_transpose: tuple[int, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    zero_is_placeholder: bool = True

    def attributes(self) -> dict[str, object]:
        shown = {k: v for k, v in super().attributes().items() if v is not None}
        if self.zero_is_placeholder:
            shown.pop("zero_is_placeholder")
        return shown

    def infer(self, inputs: InputTypes) -> tuple[TensorType, ...]:
        x = inputs[0]
        assert x is not None
        shape = x.shape
        if self.first_transpose is not None:
            _check_perm(self.label(), "first_transpose", self.first_transpose, len(shape))
            shape = tuple(shape[p] for p in self.first_transpose)
        if self.reshape is not None:
            shape = reshape_dims(self.label(), shape, self.reshape, self.zero_is_placeholder)
        if self.second_transpose is not None:
            _check_perm(self.label(), "second_transpose", self.second_transpose, len(shape))
            shape = tuple(shape[p] for p in self.second_transpose)
        return (TensorType(x.dtype, shape),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        if self.first_transpose is not None:
            x = np.transpose(x, self.first_transpose)
        if self.reshape is not None:
            dims = [x.shape[i] if d == 0 and self.zero_is_placeholder else d for i, d in enumerate(self.reshape)]
            x = x.reshape(dims)
        if self.second_transpose is not None:
            x = np.transpose(x, self.second_transpose)
        return (x,)


@attrs.frozen
class Squeeze(Op):
    """``np.squeeze(x, axes)``; every listed dim must be 1."""

    kind = "Squeeze"
    axes: tuple[int, ...] = attrs.field(converter=tuple)

    def infer(self, inputs: InputTypes) -> tuple[TensorType, ...]:
        (x,) = inputs
        assert x is not None
        axes = normalize_axes(self.label(), self.axes, x.rank, "axes")
        for a in axes:
            if x.shape[a] != 1:
                raise ShapeError(f"{self.label()}: dim {a} of input shape {x.shape_text} is {x.shape[a]}; squeezed dims must be 1")
        return (TensorType(x.dtype, tuple(d for i, d in enumerate(x.shape) if i not in axes)),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (np.squeeze(x, self.axes),)


@attrs.frozen
class Unsqueeze(Op):
    """``np.expand_dims(x, axes)``; axes index the output (rank + len(axes))."""

    kind = "Unsqueeze"
    axes: tuple[int, ...] = attrs.field(converter=tuple)

    def infer(self, inputs: InputTypes) -> tuple[TensorType, ...]:
        (x,) = inputs
        assert x is not None
        rank = x.rank + len(self.axes)
        axes = normalize_axes(self.label(), self.axes, rank, "axes")
        dims = iter(x.shape)
        return (TensorType(x.dtype, tuple(1 if i in axes else next(dims) for i in range(rank))),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return (np.expand_dims(x, self.axes),)


def shuffle(x: Tensor, first_transpose: Sequence[int] | None = None, reshape: Sequence[int] | None = None,
            second_transpose: Sequence[int] | None = None, *, zero_is_placeholder: bool = True,
            name: str | None = None) -> Tensor:
    """One IShuffleLayer: transpose, reshape, transpose (each optional)."""
    x = expect_tensor("shuffle", "x", x)
    try:
        op = Shuffle(first_transpose, reshape, second_transpose, bool(zero_is_placeholder))
    except TypeError:
        raise bad_argument("shuffle", "reshape/first_transpose/second_transpose",
                           (first_transpose, reshape, second_transpose), "sequences of ints") from None
    return x.network.add1(op, (x,), name=name)


def reshape(x: Tensor, shape: Sequence[int | DimLike], *, name: str | None = None) -> Tensor:
    """``x.reshape(shape)`` with NumPy's meaning: ``-1`` is inferred and ``0`` is a zero-length dim.
    A dim of ``x.shape`` at its own index is kept through TensorRT's 0 placeholder, so dynamic dims
    reshape without shape tensors."""
    x = expect_tensor("reshape", "x", x)
    items = (shape,) if isinstance(shape, (int, np.integer, Dim)) else tuple(shape)
    dynamic = [i for i, d in enumerate(items) if isinstance(d, Dim)]
    for i, d in enumerate(items):
        if not isinstance(d, Dim) and (isinstance(d, bool) or not isinstance(d, (int, np.integer))):
            raise bad_argument("reshape", "shape", items, "ints (and -1 once) or dims of x.shape")
        if isinstance(d, Dim) and not (i < x.ndim and x.shape[i] == d):
            raise ShapeError(
                f"reshape: dim {i} of {items!r} is the dynamic expression {d}, which is not input dim {i}; "
                "reshape to computed sizes needs a shape tensor: td.reshape(x, td.shape_of(...)...)"
            )
    has_zero = any(not isinstance(d, Dim) and d == 0 for d in items)
    if has_zero and dynamic:
        raise ShapeError(f"reshape: shape {items!r} mixes a 0-length dim with dynamic dims; give static ints")
    dims = tuple(0 if isinstance(d, Dim) else int(d) for d in items)
    return x.network.add1(Shuffle(reshape=dims, zero_is_placeholder=not has_zero), (x,), name=name)


def transpose(x: Tensor, perm: Sequence[int] | None = None, *, name: str | None = None) -> Tensor:
    """``np.transpose(x, perm)`` (reversed dims when ``perm`` is None)."""
    x = expect_tensor("transpose", "x", x)
    order = tuple(reversed(range(x.ndim))) if perm is None else tuple(perm)
    return shuffle(x, first_transpose=order, name=name)


def squeeze(x: Tensor, axis: int | Sequence[int] | None = None, *, name: str | None = None) -> Tensor:
    """``np.squeeze(x, axis)``; ``axis=None`` squeezes every static dim of 1."""
    x = expect_tensor("squeeze", "x", x)
    if axis is None:
        axes = tuple(i for i, d in enumerate(x.shape) if d == 1)
    else:
        axes = normalize_axes("squeeze", axis, x.ndim)
    return x.network.add1(Squeeze(axes), (x,), name=name)


def unsqueeze(x: Tensor, axis: int | Sequence[int], *, name: str | None = None) -> Tensor:
    """``np.expand_dims(x, axis)``: new dims of 1 at ``axis`` (indices into the output)."""
    x = expect_tensor("unsqueeze", "x", x)
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    axes = normalize_axes("unsqueeze", items, x.ndim + len(items))
    return x.network.add1(Unsqueeze(axes), (x,), name=name)


expand_dims = unsqueeze
