"""NumPy's array helpers built from existing layers: stack, split, flatten, tile, repeat, flip, argmax, argmin.

None of these is a TensorRT layer kind. Each function adds the ordinary layers below, so the IR shows them,
and the reference, the ONNX export and the TensorRT lowering handle them as those layers:

===========  ==========================================  ===============================================
function     NumPy                                       layers
===========  ==========================================  ===============================================
stack        ``np.stack(tensors, axis)``                 one Unsqueeze per input, one Concatenation
split        ``np.split(x, indices_or_sections, axis)``  one Slice per part (none for a part that is ``x``)
flatten      ``torch.flatten(x, start_dim, end_dim)``    one Shuffle
tile         ``np.tile(x, reps)``                        one Slice in WRAP mode (after an Unsqueeze when
                                                         ``reps`` is longer than ``x``'s rank)
repeat       ``np.repeat(x, repeats, axis)``             Unsqueeze, Slice (stride 0), Shuffle
flip         ``np.flip(x, axis)``                        one Slice with stride -1 on the flipped axes
argmax       ``np.argmax(x, axis, keepdims=keepdims)``   TopK (MAX, k=1), then Squeeze (or Shuffle)
argmin       ``np.argmin(x, axis, keepdims=keepdims)``   TopK (MIN, k=1), then Squeeze (or Shuffle)
===========  ==========================================  ===============================================

Dynamic dims work wherever the layers take them: the sizes and starts they need are computed when the
network runs (see :mod:`trtdsl.shapes`).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("helpers")
>>> x = net.input("x", td.float32, ("n", 4))
>>> left, right = td.split(x, [1], axis=1)
>>> net.output("y", td.stack([td.flip(right, 1), td.tile(left, (1, 3))], axis=0))
>>> net.output("i", td.argmax(x, axis=1))
>>> out = net.run({"x": np.array([[0, 1, 2, 3], [7, 6, 5, 4]], np.float32)})
>>> out["y"]
array([[[3., 2., 1.],
        [4., 5., 6.]],
<BLANKLINE>
       [[0., 0., 0.],
        [7., 7., 7.]]], dtype=float32)
>>> out["i"]
array([3, 0], dtype=int32)
"""

from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ShapeError, bad_argument
from trtdsl.ir.dims import Dim, DimLike, combine, volume
from trtdsl.ir.tensor import Tensor
from trtdsl.layers._common import (
    as_tensor, expect_bool, expect_tensor, is_int, network_of, normalize_axes, normalize_axis, static_ints,
)
from trtdsl.layers.cast import identity
from trtdsl.layers.concat import concatenate
from trtdsl.layers.fill import broadcast_to
from trtdsl.layers.shuffle import reshape, transpose
from trtdsl.layers.squeeze import squeeze, unsqueeze
from trtdsl.layers.slice import slice
from trtdsl.layers.topk import topk
from trtdsl.shapes.algebra import simplify

__all__ = ["argmax", "argmin", "flatten", "flip", "repeat", "split", "stack", "tile"]

_PySlice = builtins.slice  # this module uses the DSL's ``slice``


def _unchanged(x: Tensor, name: str | None) -> Tensor:
    """``x`` itself when a helper has nothing to do; a named copy (an Identity layer) if a name is given."""
    return x if name is None else identity(x, name=name)


def stack(tensors: Sequence[Any], axis: int = 0, *, name: str | None = None) -> Tensor:
    """``np.stack(tensors, axis)``: the tensors, of equal shapes and dtypes, joined along a new axis ``axis``
    (an Unsqueeze per tensor, then one Concatenation). Numbers and arrays among them become constants of
    the first Tensor's dtype.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("stack")
    >>> a = net.input("a", td.int32, (2,))
    >>> net.output("y", td.stack([a, [7, 8], a * 2], axis=1))   # np.stack([a, [7, 8], a * 2], axis=1)
    >>> net.run({"a": np.array([1, 2], np.int32)})["y"]
    array([[1, 7, 2],
           [2, 8, 4]], dtype=int32)
    """
    if isinstance(tensors, (Tensor, np.ndarray, str)) or not isinstance(tensors, Sequence) or not tensors:
        shown = "<ndarray>" if isinstance(tensors, np.ndarray) else tensors
        raise bad_argument("stack", "tensors", shown, "a non-empty list or tuple of tensors")
    network_of("stack", tensors)
    like = next(t for t in tensors if isinstance(t, Tensor))
    inputs = [as_tensor("stack", f"tensors[{i}]", t, like) for i, t in enumerate(tensors)]
    first = inputs[0]
    for i, t in enumerate(inputs[1:], 1):
        if t.dtype != first.dtype:
            raise DTypeError(f"stack: tensors[{i}] has dtype {t.dtype.name} but tensors[0] has {first.dtype.name}; "
                             "expected equal dtypes (cast with td.cast)")
        if t.ndim != first.ndim or any(isinstance(a, int) and isinstance(b, int) and a != b
                                       for a, b in zip(t.shape, first.shape)):
            raise ShapeError(f"stack: tensors[{i}] has shape {t.type.shape_text} but tensors[0] has "
                             f"{first.type.shape_text}; expected equal shapes")
    ax = normalize_axis("stack", axis, first.ndim + 1,
                        of=f"result (rank-{first.ndim} inputs with the new axis)")
    if len(inputs) == 1:
        return unsqueeze(first, ax, name=name)
    return concatenate([unsqueeze(t, ax) for t in inputs], ax, name=name)


def split(x: Tensor, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """``np.split(x, indices_or_sections, axis)``: a list of parts of ``x`` along ``axis``, one Slice each.

    An int ``n`` cuts the axis into ``n`` equal parts; the axis must be static and divisible by ``n`` (as in
    NumPy). A list of indices ``[i, j, ...]`` gives ``x[:i], x[i:j], ..., x[k:]`` along the axis: on a static
    axis with Python's meaning (negative indices count from the end, out-of-range ones are clipped); indices
    may be dims (``y.shape[0]``), and on a dynamic axis they must lie within it when the network runs
    (as for indexing: nothing is clipped, an out-of-range part is an ExecutionError).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("split")
    >>> x = net.input("x", td.float32, ("n", 6))
    >>> q, k, v = td.split(x, 3, axis=1)
    >>> head, rest = td.split(x, [1])                       # x[:1], x[1:] on the dynamic axis
    >>> rest.shape
    (Dim('n-1'), 6)
    >>> net.output("k", k)
    >>> net.output("rest", rest)
    >>> out = net.run({"x": np.arange(12, dtype=np.float32).reshape(2, 6)})
    >>> out["k"], out["rest"]
    (array([[2., 3.],
           [8., 9.]], dtype=float32), array([[ 6.,  7.,  8.,  9., 10., 11.]], dtype=float32))
    """
    x = expect_tensor("split", "x", x)
    if x.ndim == 0:
        raise ShapeError("split: argument 'x' has shape (); expected rank >= 1 (a split needs an axis)")
    ax = normalize_axis("split", axis, x.ndim)
    d = x.shape[ax]
    bounds: list[DimLike]
    if is_int(indices_or_sections):
        n = int(indices_or_sections)
        if n < 1:
            raise bad_argument("split", "indices_or_sections", n, "a number of sections >= 1, or a list of "
                               "split indices")
        if not isinstance(d, int):
            raise ShapeError(f"split: axis {ax} of x (shape {x.type.shape_text}) has the dynamic size {d}; equal "
                             "sections need a static size (give split indices instead)")
        if d % n:
            raise ShapeError(f"split: axis {ax} of x (shape {x.type.shape_text}) has size {d}, which {n} equal "
                             "sections do not divide")
        bounds = [i * (d // n) for i in range(1, n)]
    elif isinstance(indices_or_sections, (list, tuple)) and all(
            is_int(i) or isinstance(i, Dim) for i in indices_or_sections):
        bounds = [i if isinstance(i, Dim) else int(i) for i in indices_or_sections]
    else:
        raise bad_argument("split", "indices_or_sections", indices_or_sections,
                           "an int (a number of equal sections) or a list of ints and dims (split indices)")
    edges: list[DimLike | None] = [None, *bounds, None]
    lead = (_PySlice(None),) * ax
    return [x[lead + (_PySlice(a, b),)] for a, b in zip(edges, edges[1:])]


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1, *, name: str | None = None) -> Tensor:
    """``torch.flatten(x, start_dim, end_dim)``: dims ``start_dim`` to ``end_dim`` (both included) merged
    into one, as one Shuffle: ``x.reshape(*x.shape[:s], np.prod(x.shape[s:e + 1]), *x.shape[e + 1:])``
    (with dynamic dims, the reshape dims are a shape tensor computed when the network runs). The defaults flatten
    everything (``np.ravel``); ``flatten(x, 1)`` keeps the batch dim (a CNN's head). A 0-D ``x`` gives
    shape ``(1,)``, as in PyTorch; when there is nothing to merge ``x`` is returned as it is.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("flatten")
    >>> x = net.input("x", td.float32, ("n", 2, 3, 4))
    >>> y = td.flatten(x, 1)
    >>> y.shape, td.flatten(x, 1, 2).shape, td.flatten(x).shape
    ((Dim('n'), 24), (Dim('n'), 6, 4), (Dim('n*24'),))
    >>> net.output("y", y)
    >>> net.run({"x": np.zeros((5, 2, 3, 4), np.float32)})["y"].shape
    (5, 24)
    """
    x = expect_tensor("flatten", "x", x)
    if x.ndim == 0:
        for arg, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            normalize_axis("flatten", value, 1, arg)
        return reshape(x, (1,), name=name)
    s = normalize_axis("flatten", start_dim, x.ndim, "start_dim")
    e = normalize_axis("flatten", end_dim, x.ndim, "end_dim")
    if s > e:
        raise bad_argument("flatten", "end_dim", end_dim, f"a dim at or after start_dim ({start_dim}) of a "
                                                          f"rank-{x.ndim} input")
    if s == e:
        return _unchanged(x, name)
    # the merged size itself, not -1, which TensorRT cannot infer when another dim is 0
    return reshape(x, (*x.shape[:s], simplify(volume(x.shape[s:e + 1])), *x.shape[e + 1:]), name=name)


def tile(x: Tensor, reps: Any, *, name: str | None = None) -> Tensor:
    """``np.tile(x, reps)``: ``x`` repeated ``reps[i]`` times along each axis, as one Slice in WRAP mode
    (``out[y] = x[y % x.shape]``). As in NumPy, a short ``reps`` is padded with leading 1s and a long one
    gives ``x`` leading dims of 1 (an Unsqueeze) first.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("tile")
    >>> x = net.input("x", td.int32, ("n",))
    >>> y = td.tile(x, (2, 2))
    >>> y.shape
    (2, Dim('n*2'))
    >>> net.output("y", y)
    >>> net.run({"x": np.array([1, 2, 3], np.int32)})["y"]
    array([[1, 2, 3, 1, 2, 3],
           [1, 2, 3, 1, 2, 3]], dtype=int32)
    """
    x = expect_tensor("tile", "x", x)
    counts = static_ints("tile", "reps", reps)
    if any(r < 0 for r in counts):
        raise bad_argument("tile", "reps", reps, "ints >= 0")
    if len(counts) > x.ndim:
        x = unsqueeze(x, tuple(range(len(counts) - x.ndim)))
    counts = (1,) * (x.ndim - len(counts)) + counts
    if all(r == 1 for r in counts):
        return _unchanged(x, name)
    size = tuple(combine("*", d, r) for d, r in zip(x.shape, counts))
    return slice(x, (0,) * x.ndim, size, mode="wrap", name=name)


def repeat(x: Tensor, repeats: int, axis: int | None = None, *, name: str | None = None) -> Tensor:
    """``np.repeat(x, repeats, axis)`` with one count for every element: each element ``repeats`` times in a
    row along ``axis`` (of the flattened ``x`` when ``axis`` is None). Built as an Unsqueeze after
    ``axis``, a Slice broadcasting the new dim to ``repeats`` (stride 0), and a Shuffle merging the two.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("repeat")
    >>> x = net.input("x", td.int32, (2, "n"))
    >>> net.output("y", td.repeat(x, 2, axis=1))
    >>> net.output("flat", td.repeat(x, 3))
    >>> out = net.run({"x": np.array([[1, 2], [3, 4]], np.int32)})
    >>> out["y"]
    array([[1, 1, 2, 2],
           [3, 3, 4, 4]], dtype=int32)
    >>> out["flat"]
    array([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4], dtype=int32)
    """
    x = expect_tensor("repeat", "x", x)
    if not is_int(repeats) or repeats < 0:
        raise bad_argument("repeat", "repeats", repeats, "an int >= 0 (one count for every element)")
    if axis is None:
        x, ax = flatten(x), 0
    elif x.ndim == 0:
        raise bad_argument("repeat", "axis", axis, "None for a 0-D input (it has no axis)", ShapeError)
    else:
        ax = normalize_axis("repeat", axis, x.ndim)
    if repeats == 1:
        return _unchanged(x, name)
    expanded = unsqueeze(x, ax + 1)
    widened = broadcast_to(expanded, (*x.shape[:ax + 1], int(repeats), *x.shape[ax + 1:]))
    return flatten(widened, ax, ax + 1, name=name)


def flip(x: Tensor, axis: int | Sequence[int] | None = None, *, name: str | None = None) -> Tensor:
    """``np.flip(x, axis)``: the order of elements reversed along ``axis`` (every axis when None), as one
    Slice that starts at the last element with stride -1 (the start is computed when the network runs
    for a dynamic dim).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("flip")
    >>> x = net.input("x", td.int32, ("n", 3))
    >>> net.output("y", td.flip(x, 1))
    >>> net.output("all", td.flip(x))
    >>> out = net.run({"x": np.array([[1, 2, 3], [4, 5, 6]], np.int32)})
    >>> out["y"], out["all"]
    (array([[3, 2, 1],
           [6, 5, 4]], dtype=int32), array([[6, 5, 4],
           [3, 2, 1]], dtype=int32))
    """
    x = expect_tensor("flip", "x", x)
    axes = normalize_axes("flip", axis, x.ndim)
    if not axes:
        return _unchanged(x, name)
    start = tuple(combine("-", d, 1) if a in axes else 0 for a, d in enumerate(x.shape))
    stride = tuple(-1 if a in axes else 1 for a in range(x.ndim))
    return slice(x, start, x.shape, stride, name=name)


# -- argmax / argmin --------------------------------------------------------------------------------------


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False, *, dtype: Any = dtypes.int32,
           name: str | None = None) -> Tensor:
    """``np.argmax(x, axis, keepdims=keepdims)``: the index of the largest element along ``axis`` (in the
    flattened ``x`` when ``axis`` is None), as a TopK layer (MAX, k=1) keeping its indices output.

    Ties give the lowest index, as NumPy. That is trtdsl's reading of TopK (UNCONFIRMED in NvInfer.h);
    TensorRT's ONNX parser relies on it, mapping ONNX ArgMax/ArgMin (first index among ties) to TopK k=1
    and flipping the axis only for ``select_last_index=1`` (onnx-tensorrt ``importerUtils.cpp``,
    ``argMinMaxHelper``). NaN counts as the largest value (TopK's reading, UNCONFIRMED): the first NaN
    wins, as in NumPy. The result is int32, TopK's index type (NumPy gives int64); ``dtype=td.int64``
    asks TopK for int64 indices. An axis outside TopK's last four dims is moved last first (a Shuffle).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("argmax")
    >>> x = net.input("x", td.float32, (2, "n"))
    >>> net.output("rows", td.argmax(x, axis=1))
    >>> net.output("flat", td.argmax(x))
    >>> net.output("kept", td.argmax(x, axis=0, keepdims=True))
    >>> out = net.run({"x": np.array([[1, 5, 5], [7, 0, 7]], np.float32)})
    >>> out["rows"], out["flat"], out["kept"]
    (array([1, 0], dtype=int32), array(3, dtype=int32), array([[1, 0, 1]], dtype=int32))
    """
    return _arg_extreme("argmax", x, axis, keepdims, dtype, True, name)


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False, *, dtype: Any = dtypes.int32,
           name: str | None = None) -> Tensor:
    """``np.argmin(x, axis, keepdims=keepdims)``: the index of the smallest element, as a TopK layer (MIN,
    k=1); see :func:`argmax` for ties, the index dtype and the sources. One difference from NumPy: as TopK
    counts NaN as the largest value, argmin returns the smallest number and a NaN only when every element
    along the axis is NaN, where ``np.argmin`` returns the first NaN.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("argmin")
    >>> x = net.input("x", td.float32, (4,))
    >>> net.output("i", td.argmin(x))
    >>> net.run({"x": np.array([3, np.nan, -1, -1], np.float32)})["i"]
    array(2, dtype=int32)
    """
    return _arg_extreme("argmin", x, axis, keepdims, dtype, False, name)


def _arg_extreme(fn: str, x: Tensor, axis: int | None, keepdims: bool, dtype: Any, largest: bool,
                 name: str | None) -> Tensor:
    x = expect_tensor(fn, "x", x)
    keep = expect_bool(fn, "keepdims", keepdims)
    index_type = dtypes.dtype(dtype)
    if index_type not in dtypes.INTEGERS:
        raise bad_argument(fn, "dtype", index_type, "td.int32 or td.int64 (TopK's index types)", DTypeError)
    allowed = dtypes.FLOATS + dtypes.INTEGERS
    if x.dtype not in allowed:
        raise DTypeError(f"{fn}: argument 'x' has dtype {x.dtype.name}; expected one of "
                         f"{', '.join(d.name for d in allowed)} (TopK's input types)")
    if axis is None:
        if volume(x.shape) == 0:
            raise ShapeError(f"{fn}: x (shape {x.type.shape_text}) has no elements; expected at least one")
        _, index = topk(x if x.ndim == 1 else reshape(x, (-1,)), 1, 0, largest=largest, indices_dtype=index_type)
        return reshape(index, (1,) * x.ndim if keep else (), name=name)
    if x.ndim == 0:
        raise bad_argument(fn, "axis", axis, "None for a 0-D input (it has no axis)", ShapeError)
    ax = normalize_axis(fn, axis, x.ndim)
    if x.shape[ax] == 0:
        raise ShapeError(f"{fn}: x (shape {x.type.shape_text}) has no elements along axis {ax}; expected at "
                         "least one")
    if ax >= x.ndim - 4:
        if keep:
            return topk(x, 1, ax, largest=largest, indices_dtype=index_type, name=name)[1]
        return squeeze(topk(x, 1, ax, largest=largest, indices_dtype=index_type)[1], ax, name=name)
    # TopK takes one of the last four dims: move the axis last, and back if it is kept
    order = tuple(a for a in range(x.ndim) if a != ax) + (ax,)
    _, index = topk(transpose(x, order), 1, -1, largest=largest, indices_dtype=index_type)
    if keep:
        return transpose(index, tuple(int(i) for i in np.argsort(order)), name=name)
    return squeeze(index, -1, name=name)

