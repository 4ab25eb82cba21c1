"""IPoolingLayer: max, average and max-average blend over 2-D or 3-D windows.

The input is ``(N, C, H, W)`` or ``(N, C, D, H, W)``. Padding and output sizes follow the same
:class:`~trtdsl.PaddingMode` table as convolution (with no dilation). Where TensorRT differs from what
NumPy/PyTorch users may expect:

- MAX pads with ``-inf``; AVERAGE pads with 0. MAX skips NaN, as Reduce MAX does (``np.fmax`` folded
  from ``-inf``: a window of only NaN and padding gives ``-inf``). Inferred, like Reduce's reading, from
  elementwise MIN on a TensorRT 10.16.1 engine (NVIDIA/TensorRT#4758) and CUDA's ``fmaxf``; an engine run
  of a max pool over a window holding NaN would settle it. A NaN makes its AVERAGE NaN.
- ``average_count_excludes_padding`` is True by default (TensorRT's default, ``count_include_pad=False``
  in PyTorch terms): the divisor is the number of real input elements in the window. When False, it is
  the overlap of the window with the *padded* input (positions a ROUND_UP window reaches past the padded
  input are never counted).
- MAX_AVERAGE_BLEND is ``(1 - blend_factor) * max + blend_factor * average``, ``blend_factor`` in [0, 1].
- TensorRT does not document windows that hold no input element (padding >= window, or ROUND_UP with
  stride > window; PyTorch drops such a last window, TensorRT's output-size formula keeps it). trtdsl
  keeps TensorRT's output size; such a window gives ``-inf`` for MAX and ``0 / 0 = nan`` for an average
  that excludes padding (UNCONFIRMED; an engine run with padding as large as the window would settle
  it).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("pool")
>>> x = net.input("x", td.float32, (1, 1, 4, 4))
>>> net.output("max", td.max_pool(x, 2))
>>> net.output("avg", td.avg_pool(x, 3, stride=2, padding=1))
>>> out = net.run({"x": np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)})
>>> out["max"][0, 0]
array([[ 5.,  7.],
       [13., 15.]], dtype=float32)
>>> out["avg"][0, 0]      # the padding is not counted: the corner window averages 0, 1, 4, 5
array([[ 2.5,  4. ],
       [ 8.5, 10. ]], dtype=float32)
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from trtdsl.errors import bad_argument
from trtdsl.ir.dims import int_tuple, static_shape
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import enum_member, expect_bool, expect_tensor, finite_float, in_float
from trtdsl.layers.convolution import (
    PaddingMode, as_padding_mode, check_fits, check_output_dims, check_padding_args, check_spatial_input,
    check_window_params, explicit_padding, spatial_ints, window_output_dim, window_pads,
)


class PoolingType(enum.Enum):
    MAX = "max"
    AVERAGE = "average"
    MAX_AVERAGE_BLEND = "max_average_blend"


_T = PoolingType


def _window_counts(sizes: Sequence[int], pads: Sequence[tuple[int, int]], window: Sequence[int],
                   strides: Sequence[int], out: Sequence[int], excludes_padding: bool) -> np.ndarray:
    """The divisor of each average: the product over spatial dims of how many counted positions the
    window covers (real input positions, or positions of the padded input); an array of the output's
    spatial shape.

    >>> _window_counts((4,), ((1, 1),), (3,), (2,), (2,), True)   # windows over -1..1 and 1..3
    array([2., 3.], dtype=float32)
    """
    total = np.ones((), np.float32)
    for i, (b, a), f, s, o in zip(sizes, pads, window, strides, out):
        lo, hi = (b, b + i) if excludes_padding else (0, b + i + a)
        start = np.arange(o) * s
        count = np.clip(np.minimum(start + f, hi) - np.maximum(start, lo), 0, None)
        total = np.multiply.outer(total, count.astype(np.float32))
    return total


def _separable(x: np.ndarray, pads: Sequence[tuple[int, int]], window: Sequence[int],
               strides: Sequence[int], out: Sequence[int], fill: float, fold: np.ufunc) -> np.ndarray:
    """``fold`` (``np.add`` or ``np.fmax``) over each window of ``x`` (``(N, C, *sizes)``) padded with
    ``fill`` (positions a ROUND_UP window reaches past the padded input read as ``fill`` too): a new
    C-contiguous ``(N, C, *out)`` array, never a view of ``x``.

    The reduction is separable: one pass per spatial axis, the last axis first, each folding the window's
    positions in order into one accumulator, ``((v0 + v1) + v2) + ...``. For a sum this is not the order of
    a sum over each whole window at once: results agree within float32 rounding, not bit for bit (the
    maximum is exact in any order). ``x`` is first copied into a buffer holding the padding, each axis
    ``length`` long, a multiple of its stride that holds every window (``x`` cropped to it, and no copy
    where that is ``x`` itself). Seen as a 2-D array of ``lead * length / stride`` rows of ``stride *
    trail`` values (``lead`` and ``trail``: the sizes of the axes before and after this one), window
    position ``k = m * stride + r`` of the output at row ``i`` is block ``r`` (``trail`` values) of row ``i +
    m``: one 2-D view per window position, each folded into a C-contiguous ``(rows, trail)`` accumulator
    by one ufunc call (with stride 1, every operand is contiguous). Where a view runs into the next block
    of ``lead``, or past the last row, it only touches outputs at or past ``out`` along this axis, which
    the result leaves out. NumPy's ufuncs are slow on small trailing axes and on operands that are all
    strided, which this avoids. Times on (1, 256, 28, 28), 3x3 windows, stride 1, padding 1: average
    0.36 ms against 7.7 ms for ``.sum`` over a windows view's trailing axes, max 0.33 ms against 0.54 ms
    for ``np.fmax`` per window position over windows views, axis by axis; on (1, 64, 112, 112), 3x3
    windows, stride 2, padding 1: max 0.86 ms against 1.06 ms, average 0.96 ms against 7.7 ms (the last
    axis first: 0.83 ms against 0.87 ms first axis first, for the max).

    >>> x = np.arange(5.0).reshape(1, 1, 5)
    >>> _separable(x, ((1, 1),), (3,), (2,), (3,), 0.0, np.add)   # windows over -1..1, 1..3, 3..5
    array([[[1., 6., 7.]]])
    >>> _separable(np.array([[[1.0, np.nan, np.nan, np.nan]]]), ((0, 0),), (2,), (2,), (2,), -np.inf, np.fmax)
    array([[[ 1., nan]]])
    """
    sizes = x.shape[2:]
    # each axis as long as its windows reach, rounded up to a multiple of the stride
    lengths = tuple(s * -(-((o - 1) * s + f) // s) for o, s, f in zip(out, strides, window))
    kept = tuple(max(min(n, length - b), 0) for n, length, (b, _) in zip(sizes, lengths, pads))
    owned = lengths != sizes or any(b for b, _ in pads)  # whether buf is a copy, free to be returned
    if owned:
        buf = np.empty(x.shape[:2] + lengths, x.dtype)
        spatial: tuple[slice, ...] = ()
        for (b, _), k, length in zip(pads, kept, lengths):  # the padding, then the input inside it
            buf[(slice(None), slice(None)) + spatial + (slice(0, b),)] = fill
            buf[(slice(None), slice(None)) + spatial + (slice(b + k, length),)] = fill
            spatial += (slice(b, b + k),)
        buf[(slice(None), slice(None)) + spatial] = x[(Ellipsis,) + tuple(slice(0, k) for k in kept)]
    else:
        buf = np.ascontiguousarray(x)
    shape = list(buf.shape)
    for d in reversed(range(len(sizes))):
        axis, s, f = 2 + d, strides[d], window[d]
        if f == 1 and s == 1:
            continue
        length, trail = shape[axis], math.prod(shape[axis + 1:])
        rows = math.prod(shape[:axis]) * length // s
        src = buf.reshape(rows, s * trail)
        acc = np.empty((rows, trail), buf.dtype)
        if f == 1:
            np.copyto(acc, src[:, :trail])
        else:  # the first two positions in one call; the rows the second's view misses take the first's
            m, r = divmod(1, s)
            fold(src[:rows - m, :trail], src[m:, r * trail:(r + 1) * trail], out=acc[:rows - m])
            acc[rows - m:] = src[rows - m:, :trail]
        for k in range(2, f):
            m, r = divmod(k, s)
            part = acc[:rows - m]
            fold(part, src[m:, r * trail:(r + 1) * trail], out=part)
        shape[axis] = length // s
        buf, owned = acc.reshape(shape), True
    if tuple(shape[2:]) == tuple(out) and owned:
        return buf
    return buf[(slice(None), slice(None)) + tuple(slice(0, o) for o in out)].copy()


@attrs.frozen
class Pooling(Op):
    """``y[n, c, o] = reduce(x_padded[n, c, o*stride : o*stride + window])`` per spatial dim, with
    ``reduce`` max skipping NaN (padding ``-inf``), average (padding 0, see
    ``average_count_excludes_padding``) or ``(1 - blend_factor) * max + blend_factor * average``.

    The reference reduces each window one spatial axis at a time (the last first): an average's sum is
    then added in another order than over the whole window at once, and agrees with it within float32
    rounding, not bit for bit (TensorRT's kernels fix no order either); the maximum is exact."""

    kind = "Pooling"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.max_pool`, `td.avg_pool`, `td.pool`",
        "`IPoolingLayer` (`PoolingType` MAX / AVERAGE / MAX_AVERAGE_BLEND)",
        "2-D/3-D windows on `(N, C, ...)`; stride defaults to the window. MAX skips NaN (*inferred*) and "
        "pads with -inf, AVERAGE with 0 and by default divides by the number of **real** elements "
        "(`count_include_pad=False`, TensorRT's default); with padding counted, positions past the padded "
        "input (ROUND_UP) are not. Windows holding no input element give -inf / NaN (*UNCONFIRMED*; "
        "PyTorch would drop them). `ceil_mode` is `EXPLICIT_ROUND_UP`.",
        "NvInfer.h `IPoolingLayer`, `PaddingMode`; NaN: *inferred* from NVIDIA/TensorRT#4758",
    )
    input_names = ("x",)
    type: PoolingType
    window_size: tuple[int, ...] = attrs.field(converter=int_tuple)
    stride: tuple[int, ...] = attrs.field(converter=int_tuple)
    pre_padding: tuple[int, ...] = attrs.field(converter=int_tuple)
    post_padding: tuple[int, ...] = attrs.field(converter=int_tuple)
    padding_mode: PaddingMode = PaddingMode.EXPLICIT_ROUND_DOWN
    average_count_excludes_padding: bool = True
    blend_factor: float = 0.0

    def label(self) -> str:
        return f"Pooling[{getattr(self.type, 'name', self.type)}]"

    def name_hint(self) -> str:
        return {_T.MAX: "max_pool", _T.AVERAGE: "avg_pool"}.get(self.type, "blend_pool")

    def attributes(self) -> dict[str, object]:
        shown: dict[str, object] = {"window_size": self.window_size, "stride": self.stride}
        if any(self.pre_padding + self.post_padding):
            shown["pre_padding"] = self.pre_padding
            shown["post_padding"] = self.post_padding
        if self.padding_mode is not PaddingMode.EXPLICIT_ROUND_DOWN:
            shown["padding_mode"] = self.padding_mode
        if self.type is not _T.MAX and not self.average_count_excludes_padding:
            shown["average_count_excludes_padding"] = False
        if self.type is _T.MAX_AVERAGE_BLEND:
            shown["blend_factor"] = self.blend_factor
        return shown

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        if not isinstance(self.type, PoolingType):
            raise bad_argument(self.label(), "type", self.type, "a PoolingType")
        nb = len(self.window_size)
        check_spatial_input(self, x, nb, "window")
        check_window_params(self, nb, (
            ("window_size", self.window_size, 1), ("stride", self.stride, 1),
            ("pre_padding", self.pre_padding, 0), ("post_padding", self.post_padding, 0)))
        if not isinstance(self.padding_mode, PaddingMode):
            raise bad_argument(self.label(), "padding_mode", self.padding_mode, "a PaddingMode")
        if not isinstance(self.average_count_excludes_padding, bool):
            raise bad_argument(self.label(), "average_count_excludes_padding",
                               self.average_count_excludes_padding, "a bool")
        blend = self.blend_factor
        if not isinstance(blend, float) or not (0.0 <= blend <= 1.0):
            raise bad_argument(self.label(), "blend_factor", blend, "a float in [0, 1]")
        out = tuple(window_output_dim(self.padding_mode, i, b, a, s, f) for i, b, a, s, f
                    in zip(x.shape[2:], self.pre_padding, self.post_padding, self.stride, self.window_size))
        check_output_dims(self, x, out)
        return (TensorType(x.dtype, x.shape[:2] + out),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        sizes = x.shape[2:]
        pads = window_pads(self.padding_mode, sizes, self.pre_padding, self.post_padding, self.stride,
                           self.window_size)
        out = static_shape(window_output_dim(self.padding_mode, i, b, a, s, f)
                           for i, (b, a), s, f in zip(sizes, pads, self.stride, self.window_size))
        check_fits(x, out)  # a dynamic dim shorter than the window (a static one is refused when defined)

        def maximum(x: np.ndarray) -> np.ndarray:
            y = _separable(x, pads, self.window_size, self.stride, out, -np.inf, np.fmax)
            return np.fmax(y, -np.inf, out=y)  # a window of only NaN and padding gives -inf

        def average(x: np.ndarray) -> np.ndarray:
            total = _separable(x, pads, self.window_size, self.stride, out, 0.0, np.add)
            counts = _window_counts(sizes, pads, self.window_size, self.stride, out,
                                    self.average_count_excludes_padding)
            return np.divide(total, counts, out=total)

        def pool(x: np.ndarray) -> np.ndarray:
            if self.type is _T.MAX:
                return maximum(x)
            if self.type is _T.AVERAGE:
                return average(x)
            blend = np.float32(self.blend_factor)
            return (1 - blend) * maximum(x) + blend * average(x)

        return (in_float(pool, x.dtype, x),)


def pool(x: Tensor, type: PoolingType | str, window: int | Sequence[int],
         stride: int | Sequence[int] | None = None, padding: Any = 0, *,
         padding_mode: PaddingMode | str | None = None, average_count_excludes_padding: bool = True,
         blend_factor: float = 0.0, name: str | None = None) -> Tensor:
    """2-D or 3-D pooling as one IPoolingLayer; ``type`` is a :class:`PoolingType` or its name
    (``"max"``, ``"average"``, ``"max_average_blend"``).

    ``window`` and ``stride`` (default: the window) are an int or one int per spatial dim; ``padding`` an
    int, one int per dim, or ``(pre, post)`` pairs; ``padding_mode`` as for :func:`conv`. In NumPy, for
    one output element of a 2-D AVERAGE pooling with ``average_count_excludes_padding``::

        win = xp[n, c, oh*sh : oh*sh + R, ow*sw : ow*sw + S]         # xp: x padded with 0
        y[n, c, oh, ow] = win.sum() / (number of elements of x inside the window)

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("p")
    >>> x = net.input("x", td.float32, (1, 1, 1, 4))
    >>> net.output("y", td.pool(x, "max_average_blend", (1, 2), blend_factor=0.25))
    >>> net.run({"x": np.array([[[[1, 3, -2, 2]]]], np.float32)})["y"]   # 0.75 * max + 0.25 * mean
    array([[[[2.75, 1.5 ]]]], dtype=float32)
    """
    kind = enum_member("pool", "type", type, PoolingType)
    return _pool("pool", x, kind, window, stride, padding, padding_mode, average_count_excludes_padding,
                 blend_factor, name)


def _pool(fn: str, x: Tensor, kind: PoolingType, window: Any, stride: Any, padding: Any, mode: Any,
          average_count_excludes_padding: Any, blend_factor: Any, name: str | None) -> Tensor:
    x = expect_tensor(fn, "x", x)
    nb = len(window) if isinstance(window, (tuple, list)) else x.ndim - 2 if x.ndim in (4, 5) else 2
    mode = as_padding_mode(fn, mode)
    pre, post = explicit_padding(fn, padding, nb)
    check_padding_args(fn, mode, pre, post, padding)
    size = spatial_ints(fn, "window", window, nb)
    steps = size if stride is None else spatial_ints(fn, "stride", stride, nb)
    excludes = expect_bool(fn, "average_count_excludes_padding", average_count_excludes_padding)
    blend = finite_float(fn, "blend_factor", blend_factor, "a float in [0, 1]")
    if blend and kind is not _T.MAX_AVERAGE_BLEND:
        raise bad_argument(fn, "blend_factor", blend_factor, "0.0 unless type is 'max_average_blend'")
    op = Pooling(kind, size, steps, pre, post, mode, excludes, blend)
    return x.network.add1(op, (x,), name=name)


def max_pool(x: Tensor, window: int | Sequence[int], stride: int | Sequence[int] | None = None,
             padding: Any = 0, *, ceil_mode: bool = False, name: str | None = None) -> Tensor:
    """Max pooling (PyTorch's ``max_pool2d``/``max_pool3d`` arguments): the maximum of each window of
    ``x`` padded with ``-inf``, NaN skipped (see the module); ``stride`` defaults to the window;
    ``ceil_mode`` rounds the output size up (EXPLICIT_ROUND_UP). In NumPy, for 2-D::

        y[n, c, i, j] = np.fmax.reduce(xp[n, c, i*sh : i*sh + R, j*sw : j*sw + S], axis=None)

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("m")
    >>> x = net.input("x", td.float32, (1, 1, 1, 5))
    >>> net.output("y", td.max_pool(x, (1, 2), ceil_mode=True))
    >>> net.run({"x": np.array([[[[1, 5, 2, 0, 7]]]], np.float32)})["y"]
    array([[[[5., 2., 7.]]]], dtype=float32)
    """
    mode = PaddingMode.EXPLICIT_ROUND_UP if expect_bool("max_pool", "ceil_mode", ceil_mode) else None
    return _pool("max_pool", x, _T.MAX, window, stride, padding, mode, True, 0.0, name)


def avg_pool(x: Tensor, window: int | Sequence[int], stride: int | Sequence[int] | None = None,
             padding: Any = 0, *, ceil_mode: bool = False, count_include_pad: bool = False,
             name: str | None = None) -> Tensor:
    """Average pooling (PyTorch's ``avg_pool2d``/``avg_pool3d`` arguments, but ``count_include_pad``
    defaults to False, TensorRT's default): the mean of each window, the divisor counting only real
    input elements unless ``count_include_pad``; ``stride`` defaults to the window; ``ceil_mode`` rounds
    the output size up. In NumPy, for 2-D without padding:
    ``y[n, c, i, j] = x[n, c, i*sh : i*sh + R, j*sw : j*sw + S].mean()``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (1, 1, 1, 3))
    >>> net.output("excl", td.avg_pool(x, (1, 2), padding=(0, 1)))
    >>> net.output("incl", td.avg_pool(x, (1, 2), padding=(0, 1), count_include_pad=True))
    >>> out = net.run({"x": np.array([[[[2, 4, 6]]]], np.float32)})
    >>> out["excl"], out["incl"]
    (array([[[[2., 5.]]]], dtype=float32), array([[[[1., 5.]]]], dtype=float32))
    """
    count_include_pad = expect_bool("avg_pool", "count_include_pad", count_include_pad)
    mode = PaddingMode.EXPLICIT_ROUND_UP if expect_bool("avg_pool", "ceil_mode", ceil_mode) else None
    return _pool("avg_pool", x, _T.AVERAGE, window, stride, padding, mode, not count_include_pad, 0.0, name)


__all__ = ["Pooling", "PoolingType", "avg_pool", "max_pool", "pool"]
