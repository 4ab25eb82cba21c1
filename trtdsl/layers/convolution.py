"""IConvolutionLayer and IDeconvolutionLayer, and the sliding-window machinery they share with pooling.

Layouts are TensorRT's (and ONNX's): the input is ``(N, C, H, W)`` or ``(N, C, D, H, W)``; the
convolution kernel is ``(K, C/groups, *kernel)`` (TensorRT's GKCRS order), the deconvolution kernel
``(C, K/groups, *kernel)`` (CKRS, ONNX ConvTranspose's layout), the bias ``(K,)``. The kernel is input 1
and the bias input 2 of the layer; NumPy arrays given for them become constants.

Differences from what NumPy users may expect:

- Convolution is cross-correlation (the kernel is not flipped), as in every deep-learning framework.
- Pre/post padding pads the input of a convolution but *trims* the output of a deconvolution.
- A padding mode (``SAME_UPPER``/``SAME_LOWER``) overrides the explicit padding and derives it from
  the input size; ``EXPLICIT_ROUND_UP`` rounds the output size up (ONNX/PyTorch ``ceil_mode``).
  Output sizes follow TensorRT's table (``I`` input size, ``B``/``A`` pre/post padding, ``S`` stride,
  ``DK = 1 + dilation * (kernel - 1)``, ``M = I + B + A``):

  ====================  =========================  ===================================
  mode                  convolution / pooling      deconvolution
  ====================  =========================  ===================================
  EXPLICIT_ROUND_DOWN   ``(M - DK) // S + 1``      ``(I - 1) * S + DK - (B + A)``
  EXPLICIT_ROUND_UP     ``ceil((M - DK) / S) + 1`` same as ROUND_DOWN
  SAME_UPPER/LOWER      ``ceil(I / S)``            ``min(I * S, (I - 1) * S + DK)``
  ====================  =========================  ===================================

  With SAME modes the total padding is ``P = (I - 1) // S * S + DK - I`` (deconvolution:
  ``max(DK - S, 0)``); SAME_UPPER puts the larger half after the data, SAME_LOWER before it.
  TensorRT does not say what happens when ``P`` is negative (stride > kernel); trtdsl reads it as 0,
  as ONNX does. When ROUND_UP makes the last window reach past the padded input, the positions past
  it read as padding too (zero for convolution).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("conv")
>>> x = net.input("x", td.float32, (1, 1, 3, 4))
>>> w = np.array([[[[1, -1]]]], np.float32)        # (K=1, C=1, 1, 2): right-minus-left difference
>>> net.output("y", td.conv(x, w, np.array([0.5], np.float32)))
>>> net.run({"x": np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4) ** 2})["y"]
array([[[[ -0.5,  -2.5,  -4.5],
         [ -8.5, -10.5, -12.5],
         [-16.5, -18.5, -20.5]]]], dtype=float32)
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import attrs
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ShapeError, bad_argument, user_location
from trtdsl.ir.dims import DimLike, int_tuple, static_shape
from trtdsl.ir.op import Inputs, Op, label_of
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._blas import gemm, gemm_available
from trtdsl.layers._common import (
    array_of, as_tensor, enum_member, expect_dtype, expect_tensor, in_float, is_int,
)


class PaddingMode(enum.Enum):
    """How convolution, deconvolution and pooling derive their padding and output size."""

    EXPLICIT_ROUND_DOWN = "explicit_round_down"
    EXPLICIT_ROUND_UP = "explicit_round_up"
    SAME_UPPER = "same_upper"
    SAME_LOWER = "same_lower"


_P = PaddingMode
_SAME = (_P.SAME_UPPER, _P.SAME_LOWER)
Pads = tuple[tuple[int, int], ...]


# -- the window arithmetic shared by convolution, deconvolution and pooling ----------------------------

def as_padding_mode(fn: str, value: PaddingMode | str | None) -> PaddingMode:
    """``value`` (a PaddingMode, its name in any case, or None for EXPLICIT_ROUND_DOWN) as a PaddingMode."""
    return _P.EXPLICIT_ROUND_DOWN if value is None else enum_member(fn, "padding_mode", value, PaddingMode)


def spatial_ints(fn: str, arg: str, value: Any, nb: int) -> tuple[int, ...]:
    """An int (the same for every spatial dim) or ``nb`` ints, as a tuple of ``nb`` ints."""
    if value.__class__ is int:  # the common case, checked fast (every window layer has two or three)
        return (value,) * nb
    if is_int(value):
        return (int(value),) * nb
    if isinstance(value, (tuple, list)) and len(value) == nb and all(is_int(v) for v in value):
        return tuple(int(v) for v in value)
    raise bad_argument(fn, arg, value, f"an int or {nb} ints")


def explicit_padding(fn: str, value: Any, nb: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``padding`` as (pre, post): an int, ``nb`` ints (symmetric per dim) or ``nb`` (pre, post) pairs."""
    if is_int(value):
        pads = (int(value),) * nb
        return pads, pads
    if isinstance(value, (tuple, list)) and len(value) == nb:
        if all(is_int(v) for v in value):
            return tuple(int(v) for v in value), tuple(int(v) for v in value)
        if all(isinstance(p, (tuple, list)) and len(p) == 2 and all(is_int(v) for v in p) for p in value):
            return tuple(int(p[0]) for p in value), tuple(int(p[1]) for p in value)
    hint = ""
    if isinstance(value, str) and value.lower() in ("same", "valid"):  # PyTorch's and Keras's words
        hint = ("; for 'same' give padding_mode='same_upper' (the extra padding after, as PyTorch pads), "
                "for 'valid' padding=0")
    raise bad_argument(fn, "padding", value, f"an int, {nb} ints, or {nb} (pre, post) pairs{hint}")


def check_padding_args(fn: str, mode: PaddingMode, pre: tuple[int, ...], post: tuple[int, ...],
                       value: Any) -> None:
    """The DSL refuses explicit padding together with a SAME mode (TensorRT would silently ignore it)."""
    if mode in _SAME and any(pre + post):
        expected = f"0 with padding_mode {mode.value!r}, which computes the padding"
        raise bad_argument(fn, "padding", value, expected)


def check_window_params(label: str | Op, nb: int,
                        params: tuple[tuple[str, tuple[int, ...], int], ...]) -> None:
    """Every parameter, given as (name, values, minimum), is a tuple of ``nb`` ints >= its minimum (``label``:
    see :func:`~trtdsl.ir.op.label_of`)."""
    for arg, values, low in params:
        if len(values) == nb:
            for v in values:  # a loop rather than all(...), which costs a generator: every layer checks these
                if v.__class__ is not int and not is_int(v) or v < low:
                    break
            else:
                continue
        raise bad_argument(label_of(label), arg, values, f"{nb} ints >= {low}")


def check_spatial_input(label: str | Op, x: TensorType, nb: int, what: str) -> None:
    """``x`` is a float tensor of rank ``nb + 2`` (N, C, *spatial) with 2 or 3 spatial dims (``label``: see
    :func:`~trtdsl.ir.op.label_of`)."""
    expect_dtype(label, "x", x, dtypes.FLOATS)
    if nb not in (2, 3):
        raise ShapeError(f"{label_of(label)}: the {what} is {nb}-D; TensorRT supports 2-D and 3-D only")
    if x.rank != nb + 2:
        layout = "(N, C, H, W)" if nb == 2 else "(N, C, D, H, W)"
        raise ShapeError(
            f"{label_of(label)}: input 'x' has shape {x.shape_text}; expected a {nb + 2}-D tensor {layout} "
            f"for a {nb}-D {what}"
        )


def same_pads(mode: PaddingMode, total: int) -> tuple[int, int]:
    """SAME padding ``total`` split in (pre, post): SAME_UPPER puts the larger half after the data."""
    # a negative P (stride > kernel) is clamped as ONNX does: UNCONFIRMED in TensorRT, whose PaddingMode
    # formula has no clamp; an engine run of SAME padding with stride > kernel would settle it
    total = max(total, 0)
    small = total // 2
    return (small, total - small) if mode is _P.SAME_UPPER else (total - small, small)


def window_output_dim(mode: PaddingMode, size: DimLike, pre: int, post: int, stride: int,
                      extent: int) -> DimLike:
    """Convolution/pooling output size of one spatial dim (``extent`` = DK, the dilated kernel)."""
    if mode in _SAME:
        return (size + (stride - 1)) // stride
    slack = pre + post - extent
    if mode is _P.EXPLICIT_ROUND_UP:
        slack += stride - 1
    if stride == 1:
        return offset(size, slack + 1)
    return offset(size, slack) // stride + 1


def offset(size: DimLike, amount: int) -> DimLike:
    """``size + amount``, as ``size - k`` for negative amounts (dynamic dims print as users write them)."""
    return size + amount if amount >= 0 else size - (-amount)


def window_pads(mode: PaddingMode, sizes: Sequence[int], pre: Sequence[int], post: Sequence[int],
                strides: Sequence[int], extents: Sequence[int]) -> Pads:
    """The (pre, post) padding actually applied to each spatial dim of an input of ``sizes``."""
    if mode not in _SAME:
        return tuple(zip(pre, post))
    return tuple(same_pads(mode, (i - 1) // s * s + dk - i) for i, s, dk in zip(sizes, strides, extents))


def check_output_dims(label: str | Op, x: TensorType, out: Sequence[DimLike],
                      reason: str = "the window does not fit in the padded input") -> None:
    """Static output dims must be at least 1 (``label``: see :func:`~trtdsl.ir.op.label_of`)."""
    for axis, d in enumerate(out):
        if isinstance(d, int) and d < 1:
            raise ShapeError(
                f"{label_of(label)}: spatial dim {axis} of the output would be {d} for input shape "
                f"{x.shape_text}; {reason}"
            )


def pad_spatial(x: np.ndarray, pads: Pads, value: float = 0.0) -> np.ndarray:
    """``x`` padded with ``value`` on its spatial dims (2:); negative padding crops."""
    crop = (slice(None), slice(None)) + tuple(
        slice(max(-b, 0), x.shape[2 + i] - max(-a, 0)) for i, (b, a) in enumerate(pads))
    x = x[crop]
    widths = ((0, 0), (0, 0)) + tuple((max(b, 0), max(a, 0)) for b, a in pads)
    if any(b or a for b, a in widths):
        x = np.pad(x, widths, constant_values=value)
    return x


def reach(pads: Pads, out: Sequence[int], strides: Sequence[int], extents: Sequence[int],
          sizes: Sequence[int]) -> Pads:
    """``pads`` with each post padding widened to where the last window (of ``extents`` positions, dilation
    included) ends: ROUND_UP's windows may reach past the padded input.

    >>> reach(((1, 1),), (3,), (2,), (3,), (5,))   # windows from -1, 1, 3: the last covers 3..5
    ((1, 1),)
    >>> reach(((0, 0),), (3,), (2,), (3,), (5,))   # windows from 0, 2, 4: the last covers 4..6
    ((0, 2),)
    """
    return tuple((b, max(a, (o - 1) * s + dk - (i + b))) for (b, a), o, s, dk, i
                 in zip(pads, out, strides, extents, sizes))


def check_fits(x: np.ndarray, out: Sequence[int]) -> None:
    """A ValueError where the output dims ``out`` of windows over ``x`` are not all at least 1."""
    for o in out:
        if o < 1:
            raise ValueError(f"input shape {x.shape} gives output spatial dims {tuple(out)}; the window does "
                             "not fit in the padded input")


def windows(x: np.ndarray, pads: Pads, kernel: Sequence[int], strides: Sequence[int],
            dilations: Sequence[int], out: Sequence[int], value: float = 0.0) -> np.ndarray:
    """A view ``(N, C, *out, *kernel)`` of the windows of ``x`` padded by ``pads`` with ``value``.

    Positions a ROUND_UP window reaches past the padded input read as ``value`` as well."""
    check_fits(x, out)
    extents = [d * (k - 1) + 1 for k, d in zip(kernel, dilations)]
    pads = reach(pads, out, strides, extents, x.shape[2:])
    view = sliding_window_view(pad_spatial(x, pads, value), extents, axis=tuple(range(2, x.ndim)))
    index = ((slice(None), slice(None)) + tuple(slice(0, (o - 1) * s + 1, s) for o, s in zip(out, strides))
             + tuple(slice(None, None, d) for d in dilations))
    return view[index]


def _convolve(x: np.ndarray, w: np.ndarray, groups: int, pads: Pads, strides: Sequence[int],
              dilations: Sequence[int], out: Sequence[int]) -> np.ndarray:
    """Grouped cross-correlation of ``x (N, C, *I)`` with ``w (K, C/groups, *kernel)`` as one matrix
    product per group and image: ``w (G, K/G, C/G * R) @ cols (N, G, C/G * R, P)`` with ``R`` the kernel
    positions and ``P`` the output positions, so the product lands in ``(N, K, *out)`` order as it is.

    ``cols`` is the input itself for an unpadded 1x1 kernel with stride 1 (no copy), otherwise the
    windows copied once in ``(C, *kernel, *out)`` order (im2col). Each output element is one dot product
    of length ``C/G * R``; BLAS picks its summation order, as before this layout."""
    n = x.shape[0]
    k, cg = w.shape[:2]
    kernel = w.shape[2:]
    depth = cg * math.prod(kernel)
    if _is_pointwise(kernel, strides, pads):
        cols = x.reshape(n, groups, depth, -1)
    else:
        cols = _windows_in_columns(x, kernel, pads, strides, dilations, out).reshape(n, groups, depth, -1)
    y = np.matmul(w.reshape(groups, k // groups, depth), cols)  # (N, G, K/G, P)
    return y.reshape((n, k) + tuple(out))


class _FlatRows:
    """The stride-1 windows of an input of spatial dims ``sizes``, read along its flat padded form.

    Each output row is computed as wide as a padded row (``length`` values in all, ``out[0]`` such rows),
    so that what kernel tap ``r`` reads for all the outputs, in row-major order, is one stretch of ``span``
    values of the flat padded input from ``offsets[r]`` on (``span`` reaching from the first output to the
    last); the columns past each output row are dropped as the results are stored (:meth:`store`).
    """

    def __init__(self, sizes: Sequence[int], kernel: Sequence[int], pads: Pads, dilations: Sequence[int],
                 out: Sequence[int]) -> None:
        nb = len(kernel)
        extents = [d * (r - 1) + 1 for r, d in zip(kernel, dilations)]
        pads = reach(pads, out, (1,) * nb, extents, sizes)
        self.padded = tuple(i + p + q for i, (p, q) in zip(sizes, pads))
        steps = [math.prod(self.padded[axis + 1:]) for axis in range(nb)]  # flat distance of neighbours
        self.offsets = [sum(r * d * step for r, d, step in zip(tap, dilations, steps))
                        for tap in itertools.product(*(range(r) for r in kernel))]
        self.span = sum((o - 1) * step for o, step in zip(out, steps)) + 1
        self.length = out[0] * steps[0]
        self.inside = (slice(None),) + tuple(slice(p, p + i) for i, (p, _) in zip(sizes, pads))
        self.kept = (slice(None), slice(None)) + tuple(slice(o) for o in out[1:])
        self.out = tuple(out)

    def blocks(self, x: np.ndarray, block: int) -> Iterator[tuple[int, int, np.ndarray]]:
        """(image, first channel, flat padded channels ``(count, values)``) for each image of ``x`` and
        each block of ``block`` channels, padded into one buffer kept in cache, whose padding stays zero."""
        buffer = np.zeros((min(block, x.shape[1]),) + self.padded, x.dtype)
        for image in range(x.shape[0]):
            for first in range(0, x.shape[1], block):
                count = min(block, x.shape[1] - first)
                buffer[self.inside][:count] = x[image, first:first + count]
                yield image, first, buffer[:count].reshape(count, -1)

    def store(self, rows: np.ndarray, b: np.ndarray | None, into: np.ndarray) -> None:
        """``into (K', *out)`` = the outputs of ``rows (K', length)`` (their padded rows' columns dropped),
        plus the bias ``b (K',)``, added to ``rows`` in place first: along whole rows rather than the
        outputs' short ones, which makes the two passes faster than one."""
        if b is not None:  # the columns past the outputs' span hold whatever the buffer held
            rows[:, :self.span] += b.reshape(-1, 1)
        into[...] = rows.reshape((rows.shape[0], self.out[0]) + self.padded[1:])[self.kept]


_FLAT_3D_POSITIONS = 4096  # the output positions from which a 3-D convolution reads its input flat


def _convolve_flat(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, groups: int, pads: Pads,
                   dilations: Sequence[int], out: Sequence[int]) -> np.ndarray:
    """:func:`_convolve` with stride 1, plus the bias, by blocks of groups whose values (about 2**18) stay
    in cache, each block's columns copied from stretches of the flat padded input (:class:`_FlatRows`).

    With several groups of several channels, every kernel tap is copied and the block is one stacked
    product, ``w (G', K/G, C/G * R) @ cols (G', C/G * R, span)``: the products are small, and fewer of them
    pay. With one channel per group (depthwise), a product per group would be a dot product of the ``R``
    taps for every output, and with one group the columns of every tap would be large: only the taps of
    the kernel's last dim are copied, and each tap ``t`` of the other dims adds a product of its weights by
    these columns shifted to it, ``w[:, :, :, t] (G', K/G, C/G * S) @ cols (G', C/G * S, t's offset +
    span)``, as many products as the kernel has rows. Where a block holds one group, BLAS adds each product
    into the sums as it writes it (:func:`gemm`) rather than a pass of NumPy's adding it (a 3x3x3
    convolution of 16 channels at 16x32x32: 3.0 ms against 3.7 ms).

    Each output is the sum, in tap order, of one dot product of BLAS's per product, then the bias, where
    :func:`_convolve` took one dot product of all the taps: results agree within float32 rounding.

    >>> x = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)
    >>> w = np.array([1, -1], np.float32).reshape(2, 1, 1, 1) * np.ones((2, 1, 2, 1), np.float32)
    >>> _convolve_flat(x, w, None, 2, ((0, 0), (0, 0)), (1, 1), (1, 2))   # each channel's column sums
    array([[[[  2.,   4.]],
    <BLANKLINE>
            [[-10., -12.]]]], dtype=float32)
    """
    check_fits(x, out)
    n = x.shape[0]
    k, cg = w.shape[:2]
    kg = k // groups
    kernel = w.shape[2:]
    flat = _FlatRows(x.shape[2:], kernel, pads, dilations, out)
    copied = kernel[-1] if cg == 1 or groups == 1 else math.prod(kernel)  # the products' depth per channel
    shifts = flat.offsets[::copied]  # where each product reads the columns
    width = shifts[-1] + flat.span  # of each copied tap
    per_block = max(1, 2**18 // ((cg * copied + 2 * kg) * width))
    count = min(per_block, groups)
    cols = np.empty((count, cg * copied, width), x.dtype)
    kernels = w.reshape(groups, kg, cg, len(shifts), copied).transpose(3, 0, 1, 2, 4)
    kernels = np.ascontiguousarray(kernels).reshape(len(shifts), groups, kg, cg * copied)
    sums = np.empty((count, kg, flat.length), x.dtype)
    term = np.empty((count, kg, flat.span), x.dtype)
    y = np.empty((n, k) + tuple(out), x.dtype)
    for image, first, inputs in flat.blocks(x, per_block * cg):
        count, group = len(inputs) // cg, first // cg
        columns, stacked = cols[:count], inputs.reshape(count, cg, -1)
        for tap, start in enumerate(flat.offsets[:copied]):
            columns.reshape(count, cg, copied, width)[:, :, tap] = stacked[:, :, start:start + width]
        into = sums[:count, :, :flat.span]
        for row, shift in enumerate(shifts):
            reads = columns[..., shift:shift + flat.span]
            if count == 1 and gemm(kernels[row, group], reads[0], into[0], row > 0):
                continue
            part = term[:count] if row else into
            np.matmul(kernels[row, group:group + count], reads, out=part)
            if row:
                into += part
        maps = slice(group * kg, (group + count) * kg)
        flat.store(sums[:count].reshape(-1, flat.length), None if b is None else b[maps], y[image, maps])
    return y


def _is_pointwise(kernel: Sequence[int], strides: Sequence[int], pads: Pads) -> bool:
    """Whether the windows are the input itself: an unpadded 1x1 kernel with stride 1."""
    return all(r == 1 for r in kernel) and all(s == 1 for s in strides) and not any(b or a for b, a in pads)


def _windows_in_columns(x: np.ndarray, kernel: Sequence[int], pads: Pads, strides: Sequence[int],
                        dilations: Sequence[int], out: Sequence[int]) -> np.ndarray:
    """The windows of ``x`` as a view ``(N, C, *kernel, *out)``, whose copy as ``(N, C * R, P)`` is the
    im2col matrix."""
    view = windows(x, pads, kernel, strides, dilations, out)  # (N, C, *out, *kernel)
    nb = len(kernel)
    return view.transpose((0, 1) + tuple(range(2 + nb, 2 + 2 * nb)) + tuple(range(2, 2 + nb)))


def _convolve_biased(x: np.ndarray, kernel_and_bias: np.ndarray, kernel: Sequence[int], pads: Pads,
                     strides: Sequence[int], dilations: Sequence[int], out: Sequence[int]) -> np.ndarray:
    """:func:`_convolve` (one group) plus the bias, in the product: ``kernel_and_bias`` is the kernel as a
    ``(K, C * R)`` matrix with the bias as one more column, and the columns get a row of ones, so each
    output element is ``dot(w[k], window) + b[k]`` as one dot product of length ``C * R + 1``.

    >>> x = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)
    >>> kb = np.array([[1, 1, 0.5]], np.float32)   # a 1x1 kernel summing both channels, bias 0.5
    >>> _convolve_biased(x, kb, (1, 1), ((0, 0), (0, 0)), (1, 1), (1, 1), (2, 2))
    array([[[[ 4.5,  6.5],
             [ 8.5, 10.5]]]], dtype=float32)
    """
    n = x.shape[0]
    depth = kernel_and_bias.shape[1] - 1
    cols = np.empty((n, depth + 1, math.prod(out)), x.dtype)
    cols[:, depth] = 1
    if _is_pointwise(kernel, strides, pads):
        cols[:, :depth] = x.reshape(n, depth, -1)
    else:
        view = _windows_in_columns(x, kernel, pads, strides, dilations, out)
        cols[:, :depth].reshape(view.shape)[...] = view
    y = np.matmul(kernel_and_bias, cols)  # (N, K, P)
    return y.reshape((n, kernel_and_bias.shape[0]) + tuple(out))


def _taps(w: np.ndarray) -> np.ndarray:
    """A 2-D kernel ``(K, C, R, S)`` as one ``(K, C)`` matrix per kernel position: ``(R * S, K, C)``."""
    k, c = w.shape[:2]
    return np.ascontiguousarray(w.reshape(k, c, -1).transpose(2, 0, 1))


def _convolve_shifted(x: np.ndarray, taps: np.ndarray, kernel: Sequence[int], b: np.ndarray | None,
                      pads: Pads, strides: Sequence[int], dilations: Sequence[int],
                      out: Sequence[int]) -> np.ndarray | None:
    """:func:`_convolve` (one group, 2-D, float32) plus the bias, without copying the windows: one product
    per kernel position, each added into the output by BLAS (:func:`gemm`), of that position's
    ``(K, C)`` matrix of ``taps`` by the input shifted to it, read in place.

    The input is padded into rows of ``W' = Wo + max(q * dw // sw)`` values (and split by its rows' and
    columns' remainders modulo the stride into ``sh * sw`` phases, each again such rows, where the stride
    is not 1), so that the values position ``(r, q)`` reads for the outputs, in row-major order, lie at
    one stride along a flat phase: ``phase[(r*dh % sh, q*dw % sw)].flat[off + i * W' + j]`` with
    ``off = (r*dh // sh) * W' + q*dw // sw``. The products fill ``(K, Ho, W')``, which holds the bias
    first; the ``W' - Wo`` columns past each output row are dropped as the result is copied out. Each
    output is one sum of ``R * S`` partial dot products of length ``C``, so results agree with
    :func:`_convolve`'s within float32 rounding. Returns None where BLAS is not available (:func:`gemm`
    did nothing), for :func:`_convolve` to do the work.

    >>> x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    >>> w = np.ones((1, 1, 2, 2), np.float32)
    >>> y = _convolve_shifted(x, _taps(w), (2, 2), None, ((0, 0), (0, 0)), (2, 2), (1, 1), (2, 2))
    >>> y if y is not None else _convolve(x, w, 1, ((0, 0), (0, 0)), (2, 2), (1, 1), (2, 2))
    array([[[[10., 18.],
             [42., 50.]]]], dtype=float32)
    """
    n, c, h, w = x.shape
    k = taps.shape[1]
    (sh, sw), (dh, dw), (ho, wo) = strides, dilations, out
    shifts = [((r * dh % sh, q * dw % sw), (r * dh // sh, q * dw // sw))
              for r in range(kernel[0]) for q in range(kernel[1])]
    width = wo + max(dq for _, (_, dq) in shifts)
    # a row more: the last product's reads run past the end of its last row
    rows = ho + max(dr for _, (dr, _) in shifts) + 1
    (top, _), (left, _) = pads
    padded = np.zeros((c, rows * sh, width * sw), x.dtype)
    cut_h, cut_w = max(0, min(h, rows * sh - top)), max(0, min(w, width * sw - left))
    y = np.empty((n, k, ho, wo), x.dtype)
    products = np.empty((k, ho * width), x.dtype)
    for image in range(n):
        padded[:, top:top + cut_h, left:left + cut_w] = x[image, :, :cut_h, :cut_w]
        phases = {phase: np.ascontiguousarray(padded[:, phase[0]::sh, phase[1]::sw]).reshape(c, -1)
                  for phase in {phase for phase, _ in shifts}}
        if b is not None:  # the bias first (a pass that writes), each product added to it
            products[...] = b.reshape(k, 1)
        for tap, (phase, (dr, dq)) in enumerate(shifts):
            start = dr * width + dq
            shifted = phases[phase][:, start:start + ho * width]
            if not gemm(taps[tap], shifted, products, b is not None or tap > 0):
                return None
        y[image] = products.reshape(k, ho, width)[:, :, :wo]
    return y


def _add_bias(y: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """``y + b`` over the channel dim, added in place (``y`` is a fresh product)."""
    if b is not None:
        y += b.reshape((1, -1) + (1,) * (y.ndim - 2))
    return y


# -- the ops -----------------------------------------------------------------------------------------

@attrs.frozen
class _KernelOp(Op):
    """What convolution and deconvolution have in common: the parameters of a TensorRT kernel layer."""

    input_names = ("x", "kernel", "bias?")
    num_output_maps: int
    kernel_size: tuple[int, ...] = attrs.field(converter=int_tuple)
    stride: tuple[int, ...] = attrs.field(converter=int_tuple)
    pre_padding: tuple[int, ...] = attrs.field(converter=int_tuple)
    post_padding: tuple[int, ...] = attrs.field(converter=int_tuple)
    dilation: tuple[int, ...] = attrs.field(converter=int_tuple)
    num_groups: int = 1
    padding_mode: PaddingMode = PaddingMode.EXPLICIT_ROUND_DOWN

    def attributes(self) -> dict[str, object]:
        shown: dict[str, object] = {"num_output_maps": self.num_output_maps, "kernel_size": self.kernel_size}
        nb = len(self.kernel_size)
        if self.stride != (1,) * nb:
            shown["stride"] = self.stride
        if any(self.pre_padding + self.post_padding):
            shown["pre_padding"] = self.pre_padding
            shown["post_padding"] = self.post_padding
        if self.dilation != (1,) * nb:
            shown["dilation"] = self.dilation
        if self.num_groups != 1:
            shown["num_groups"] = self.num_groups
        if self.padding_mode is not _P.EXPLICIT_ROUND_DOWN:
            shown["padding_mode"] = self.padding_mode
        return shown

    @property
    def extents(self) -> tuple[int, ...]:
        """The dilated kernel size DK of each spatial dim."""
        dilation = self.dilation
        if dilation.count(1) == len(dilation):  # undilated, most kernels: DK is the kernel size
            return self.kernel_size
        return tuple([d * (k - 1) + 1 for k, d in zip(self.kernel_size, dilation)])

    def _check(self, inputs: Inputs, kernel_shape: str) -> tuple[TensorType, TensorType | None]:
        """Validate what both layers share; return (x, bias type)."""
        x, w = inputs
        b = inputs.all[2]
        nb = len(self.kernel_size)
        check_spatial_input(self, x, nb, "kernel")
        dtype = x.dtype
        # each check below first as one condition that every valid layer passes (every convolution is
        # checked), then item by item for the message
        if w.dtype is not dtype or b is not None and b.dtype is not dtype:  # `is`: the common case, fast
            for arg, t in (("kernel", w), ("bias", b)):
                if t is not None and t.dtype != dtype:
                    raise DTypeError(
                        f"{self.label()}: input '{arg}' has dtype {t.dtype.name} but 'x' has {dtype.name}; "
                        "TensorRT networks are strongly typed, so they must be the same"
                    )
        check_window_params(self, nb, (
            ("kernel_size", self.kernel_size, 1), ("stride", self.stride, 1), ("dilation", self.dilation, 1),
            ("pre_padding", self.pre_padding, 0), ("post_padding", self.post_padding, 0)))
        maps, g = self.num_output_maps, self.num_groups
        if maps.__class__ is not int or g.__class__ is not int or maps < 1 or g < 1:
            for arg, value in (("num_output_maps", maps), ("num_groups", g)):
                if not is_int(value) or value < 1:
                    raise bad_argument(self.label(), arg, value, "an int >= 1")
        if not isinstance(self.padding_mode, PaddingMode):
            raise bad_argument(self.label(), "padding_mode", self.padding_mode, "a PaddingMode")
        c = x.shape[1]
        if not isinstance(c, int):
            raise ShapeError(
                f"{self.label()}: input 'x' has shape {x.shape_text}; its channel dim (1) must be a static "
                "int")
        if c % g or maps % g:
            for what, count in (("the input channel count", c), ("num_output_maps", maps)):
                if count % g:
                    raise ShapeError(f"{self.label()}: {what} {count} is not a multiple of num_groups {g}")
        want = self._kernel_shape(c)
        if w.shape != want:
            raise ShapeError(
                f"{self.label()}: input 'kernel' has shape {w.shape_text}; expected {_shape_text(want)} = "
                f"{kernel_shape}"
            )
        if b is not None and b.shape != (self.num_output_maps,):
            raise ShapeError(
                f"{self.label()}: input 'bias' has shape {b.shape_text}; expected ({self.num_output_maps},) "
                "= (num_output_maps,)"
            )
        return x, b

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        raise NotImplementedError


def _shape_text(shape: Sequence[DimLike]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


@attrs.frozen
class Convolution(_KernelOp):
    """``y[n, k, o] = b[k] + sum(x_padded[n, g*Cg + c, o*stride + r*dilation] * w[k, c, r])`` over ``c`` in
    the group ``g = k // (K/num_groups)`` and kernel positions ``r`` (cross-correlation)."""

    kind = "Convolution"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.conv`",
        "`IConvolutionLayer`",
        "Cross-correlation (no kernel flip) over `(N, C, H, W)`/`(N, C, D, H, W)`; kernel `(K, C/groups, "
        "*k)` (GKCRS) as input 1, bias `(K,)` input 2. `padding_mode` uses TensorRT's `PaddingMode` "
        "output-size table; SAME modes derive the padding from the input size (negative padding clamped "
        "to 0, *UNCONFIRMED*); ROUND_UP windows that reach past the padded input read zeros. Floats only.",
        "NvInfer.h `PaddingMode`, `IConvolutionLayer`",
    )
    name_stem = "conv"

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return (self.num_output_maps, channels // self.num_groups) + self.kernel_size

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, _ = self._check(inputs, "(num_output_maps, C/num_groups, *kernel_size)")
        mode = self.padding_mode
        out = tuple([  # a list first: cheaper than a generator
            window_output_dim(mode, i, b, a, s, dk) for i, b, a, s, dk
            in zip(x.shape[2:], self.pre_padding, self.post_padding, self.stride, self.extents)])
        check_output_dims(self, x, out)
        return (TensorType(x.dtype, x.shape[:1] + (self.num_output_maps,) + out),)

    def _geometry(self, sizes: Sequence[int]) -> tuple[Pads, tuple[int, ...]]:
        """The padding and the output's spatial dims for an input of spatial dims ``sizes``."""
        pads = window_pads(self.padding_mode, sizes, self.pre_padding, self.post_padding, self.stride,
                           self.extents)
        out = static_shape(
            window_output_dim(self.padding_mode, i, p[0], p[1], s, dk)
            for i, p, s, dk in zip(sizes, pads, self.stride, self.extents))
        return pads, out

    def reference(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        pads, out = self._geometry(x.shape[2:])
        if x.shape[0] == 0:  # no image (the products below reshape per image, which an empty batch cannot)
            check_fits(x, out)
            return (np.zeros((0, w.shape[0]) + tuple(out), x.dtype),)

        def compute(x: np.ndarray, w: np.ndarray, *bias: np.ndarray) -> np.ndarray:
            b = bias[0] if bias else None
            if self._reads_flat(out):
                return _convolve_flat(x, w, b, self.num_groups, pads, self.dilation, out)
            y = _convolve(x, w, self.num_groups, pads, self.stride, self.dilation, out)
            return _add_bias(y, b)

        return (in_float(compute, x.dtype, x, w, *(() if b is None else (b,))),)

    def _reads_flat(self, out: Sequence[int]) -> bool:
        """Whether :meth:`reference` reads the flat padded input (:func:`_convolve_flat`) for outputs of
        spatial dims ``out``: stride 1 and a kernel of several taps, with groups, or 3-D with at least 4096
        output positions (on fewer, a product per kernel row is too thin: a 3x3x3 kernel of 512 channels at
        2x7x7 took 22.6 ms there against 9.5 ms by columns). 2-D convolutions of one group keep their columns
        (and the shifted products of :meth:`with_fixed_weights`); a kernel of one tap reads its input as it
        is (2 groups of 8 channels at 64x64: 0.05 ms against 0.10 ms flat)."""
        kernel = self.kernel_size
        return self.stride.count(1) == len(kernel) and math.prod(kernel) > 1 and (
            self.num_groups > 1 or len(kernel) == 3 and math.prod(out) >= _FLAT_3D_POSITIONS)

    def with_fixed_weights(self, w: np.ndarray, b: np.ndarray | None,
                           out: Sequence[int]) -> Callable[..., tuple[np.ndarray]] | None:
        """:meth:`reference` for many inputs with one float32 kernel ``w`` and bias ``b`` (a network's
        constants; ``b`` None for a layer without one) giving outputs of spatial dims ``out``, or None where
        no faster form pays. The forms copy the kernel once, here: only where the output has at least as
        many positions as the kernel has weights per output channel (half as many for shifted products), so
        that the memory they take stays small next to the time they save (on ResNet-50, 4 MB of its 100 MB
        of weights). Not for groups, other dtypes, or the 3-D kernels of stride 1 that :meth:`reference`
        reads flat (:meth:`_reads_flat`; a 3x3x3 convolution of 16 channels at 16x32x32 took 3.4 ms there
        against 4.6 ms for the biased product). Results agree with :meth:`reference`'s within float32
        rounding: each output is still one sum over the window, in another order.

        - **Shifted products** (:func:`_convolve_shifted`), where BLAS can add products into an array
          (:func:`gemm_available`): a 2-D kernel of several positions, stride 1, at least 16 input channels
          (fewer make thin products), and an output at least 7 times as wide as the kernel's reach past its
          first column (the columns computed past each row and dropped). A 3x3 convolution of 64 channels
          at 56x56 took 0.95 ms against 1.45 ms for the biased product; 128 at 28x28, 0.95 against 1.12 ms.
          Wider strides gained nothing (each phase of the input is a copy).
        - **Biased product** (:func:`_convolve_biased`), with a bias: the bias added in the product, as one
          more column of the kernel times a row of ones under the windows' columns, rather than by a pass
          of its own over the output, which costs about as much as the copy of the windows (a 3x3
          convolution of 64 channels at 56x56: 1.47 ms against 1.61 ms; 64 to 256 channels 1x1: 0.41 ms
          against 0.68 ms). A 1x1 kernel reading its input as it is would need that input copied for the
          row of ones: only where the input has fewer channels than the output. Each element's bias is
          the last term of its dot product rather than added after it.

        >>> op = Convolution(1, (2, 2), (1, 1), (0, 0), (0, 0), (1, 1))
        >>> kernel, bias = np.full((1, 1, 2, 2), 2, np.float32), np.full(1, 0.5, np.float32)
        >>> op.with_fixed_weights(kernel, bias, (2, 2))(np.ones((1, 1, 3, 3), np.float32), kernel, bias)
        (array([[[[8.5, 8.5],
                 [8.5, 8.5]]]], dtype=float32),)
        >>> op.with_fixed_weights(kernel, bias, (1, 3)) is None   # fewer positions than weights per channel
        True
        """
        positions = math.prod(out)
        if self.num_groups != 1 or self._reads_flat(out) or w.dtype != np.float32 \
                or b is not None and b.dtype != np.float32 or 2 * positions < w[0].size:
            return None
        kernel, stride, dilation = self.kernel_size, self.stride, self.dilation
        if len(kernel) == 2 and stride == (1, 1) and math.prod(kernel) > 1 and w.shape[1] >= 16 \
                and 7 * (kernel[1] - 1) * dilation[1] <= out[1] and gemm_available():
            taps = _taps(w)

            def shifted(x: np.ndarray, *fixed: np.ndarray) -> tuple[np.ndarray]:
                pads, dims = self._geometry(x.shape[2:])
                y = _convolve_shifted(x, taps, kernel, b, pads, stride, dilation, dims) if len(x) else None
                return (self.reference(x, *fixed)[0] if y is None else y,)

            return shifted
        explicit = tuple(zip(self.pre_padding, self.post_padding))  # a 1x1 kernel's SAME padding is 0 too
        if b is None or positions < w[0].size \
                or _is_pointwise(kernel, stride, explicit) and w.shape[1] >= w.shape[0]:
            return None
        kernel_and_bias = np.concatenate([w.reshape(w.shape[0], -1), b.reshape(-1, 1)], axis=1)

        def form(x: np.ndarray, *fixed: np.ndarray) -> tuple[np.ndarray]:
            if not len(x):  # no image: reference's empty output
                return (self.reference(x, *fixed)[0],)
            pads, dims = self._geometry(x.shape[2:])
            return (_convolve_biased(x, kernel_and_bias, kernel, pads, stride, dilation, dims),)

        return form


@attrs.frozen
class Deconvolution(_KernelOp):
    """Transposed convolution: every ``x[n, c, i]`` adds ``x[n, c, i] * w[c, k, r]`` to
    ``y_full[n, g*Kg + k, i*stride + r*dilation]`` (``g`` the group of ``c``); the output is ``y_full``
    trimmed by the pre/post padding, plus the bias."""

    kind = "Deconvolution"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.conv_transpose`",
        "`IDeconvolutionLayer`",
        "Transposed convolution with kernel `(C, K/groups, *k)` (CKRS, ONNX ConvTranspose's layout); "
        "padding **trims** the output: `(I - 1) * S + DK - (pre + post)`; SAME modes give `min(I * S, (I "
        "- 1) * S + DK)`. No `output_padding`. Floats only.",
        "NvInfer.h `PaddingMode`, `IDeconvolutionLayer`",
    )
    name_stem = "deconv"

    def _kernel_shape(self, channels: int) -> tuple[int, ...]:
        return (channels, self.num_output_maps // self.num_groups) + self.kernel_size

    def _trims(self) -> Pads:
        """The (pre, post) trim of each spatial dim of the full output."""
        if self.padding_mode in _SAME:
            return tuple(same_pads(self.padding_mode, dk - s) for dk, s in zip(self.extents, self.stride))
        return tuple(zip(self.pre_padding, self.post_padding))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, _ = self._check(inputs, "(C, num_output_maps/num_groups, *kernel_size)")
        pads = self._trims()
        out = tuple(offset(i * s, dk - s - b - a)
                    for i, s, dk, (b, a) in zip(x.shape[2:], self.stride, self.extents, pads))
        check_output_dims(self, x, out, "the padding trims more than the whole output")
        return (TensorType(x.dtype, x.shape[:1] + (self.num_output_maps,) + out),)

    def reference(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        def compute(x: np.ndarray, w: np.ndarray, *bias: np.ndarray) -> np.ndarray:
            return self._transposed(x, w, bias[0] if bias else None)

        return (in_float(compute, x.dtype, x, w, *(() if b is None else (b,))),)

    def _transposed(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        """The transposed convolution plus the bias, in its direct form: one matrix product per group and
        image gives every input position's contribution to each kernel tap (:func:`_tap_contributions`), and
        each tap's contributions are added into the full output at ``i * stride + r * dilation``
        (:func:`_scatter_taps`), which is then trimmed (:func:`_interleave`).

        Each output element is a sum over the taps reaching it, in tap order, of dot products over the
        group's channels, then the bias; the convolution of a zero-spread input computed before summed the
        same terms (and stride ** nb times as many zeros) in one dot product: results agree within float32
        rounding."""
        n = x.shape[0]
        sizes = x.shape[2:]
        trims = self._trims()
        out = tuple((i - 1) * s + dk - b - a
                    for i, s, dk, (b, a) in zip(sizes, self.stride, self.extents, trims))
        if min(out) < 1:
            raise ValueError(f"input shape {x.shape} gives output spatial dims {out}; the padding trims more "
                             "than the whole output")
        if not all(sizes):
            return _add_bias(np.zeros((n, self.num_output_maps) + out, x.dtype), b)
        sums = _scatter_taps(x, w, self.num_groups, self.stride, self.dilation)
        return _interleave(sums, [p for p, _ in trims], out, b)


def _tap_contributions(x: np.ndarray, w: np.ndarray, groups: int) -> np.ndarray:
    """What each position of ``x (N, C, *I)`` gives each output channel through each tap of the CKRS kernel
    ``w (C, K/G, *kernel)``: ``(N, K, *kernel, P)`` (``P`` the positions, flat), as one product per group and
    image of the group's kernel, transposed, by its channels: ``w (G, K/G * R, C/G).T @ x (N, G, C/G, P)``."""
    n, c = x.shape[:2]
    kg = w.shape[1]
    positions = math.prod(x.shape[2:])  # not -1 in the reshapes: N may be 0
    taps = w.reshape(groups, c // groups, -1).transpose(0, 2, 1)
    cols = np.matmul(taps, x.reshape(n, groups, c // groups, positions))  # (N, G, K/G * R, P)
    return cols.reshape((n, groups * kg) + w.shape[2:] + (positions,))


def _scatter_taps(x: np.ndarray, w: np.ndarray, groups: int, strides: Sequence[int],
                  dilations: Sequence[int]) -> np.ndarray:
    """The untrimmed transposed convolution of ``x (N, C, *I)`` by ``w (C, K/G, *kernel)`` by phase: each
    tap's contributions (:func:`_tap_contributions`) added in at ``i * stride + r * dilation`` along each
    spatial dim (col2im), as ``(N, K, *stride, *Q)``: ``[n, k, *p, *q]`` is the output at ``q * stride +
    p``.

    Tap ``r`` lands on the outputs of phase ``r * dilation % stride``, shifted by ``a = r * dilation //
    stride`` strides, so ``Q = I + max(a)``. The input's dims past the first are padded with zeros to ``Q``
    first, so that each tap's contributions, flat, are added to one flat stretch of its phase (the padding's
    zeros land where the stretch wraps past a row).

    >>> x, w = np.array([[[[1, 2]]]], np.float32), np.array([[[[1, 10, 100]]]], np.float32)
    >>> _scatter_taps(x, w, 1, (1, 2), (1, 1))[0, 0, 0]   # kernel 1x3, stride 2: 1*w, then 2*w two on
    array([[[  1., 102., 200.]],
    <BLANKLINE>
           [[ 10.,  20.,   0.]]], dtype=float32)
    """
    n, nb = x.shape[0], x.ndim - 2
    kernel, sizes = w.shape[2:], x.shape[2:]
    reaches = [(r - 1) * d // s for r, d, s in zip(kernel, dilations, strides)]
    phases = tuple(i + a for i, a in zip(sizes, reaches))
    padded = pad_spatial(x, ((0, 0),) + tuple((0, a) for a in reaches[1:]))
    steps = [math.prod(phases[axis + 1:]) for axis in range(nb)]
    span = sum((i - 1) * step for i, step in zip(sizes, steps)) + 1  # from the first position to the last
    cols = _tap_contributions(padded, w, groups)
    sums = np.zeros((n, cols.shape[1]) + tuple(strides) + (math.prod(phases),), x.dtype)
    for tap in itertools.product(*(range(r) for r in kernel)):
        landing = [r * d for r, d in zip(tap, dilations)]
        start = sum(at // s * step for at, s, step in zip(landing, strides, steps))
        phase = tuple(at % s for at, s in zip(landing, strides))
        sums[(slice(None), slice(None)) + phase + (slice(start, start + span),)] \
            += cols[(slice(None), slice(None)) + tap + (slice(span),)]
    return sums.reshape(sums.shape[:2 + nb] + phases)


def _interleave(sums: np.ndarray, pre: Sequence[int], out: Sequence[int], b: np.ndarray | None) -> np.ndarray:
    """The outputs ``pre .. pre + out - 1`` of a transposed convolution kept by phase, ``sums (N, K, *stride,
    *Q)`` (:func:`_scatter_taps`, contiguous), plus the bias: ``y[n, k, o] = sums[n, k, (o + pre) % stride,
    (o + pre) // stride] + b[k]`` along each spatial dim, as one strided copy per phase; the bias is added
    to ``sums`` in place.

    >>> sums = np.array([[[[1, 2, 3], [10, 20, 30]]]], np.float32)   # phases of stride 2
    >>> _interleave(sums, [1], [4], None)
    array([[[10.,  2., 20.,  3.]]], dtype=float32)
    """
    nb = len(out)
    strides = sums.shape[2:2 + nb]
    y = np.empty(sums.shape[:2] + tuple(out), sums.dtype)
    if b is not None:  # in place, along whole channels: faster than along the copies' short rows
        sums.reshape(sums.shape[:2] + (math.prod(sums.shape[2:]),))[...] += b.reshape(-1, 1)
    for phase in itertools.product(*(range(s) for s in strides)):
        firsts = [(p - a) % s for p, a, s in zip(phase, pre, strides)]  # the first output of the phase
        into = y[(slice(None), slice(None)) + tuple(slice(f, None, s) for f, s in zip(firsts, strides))]
        take = tuple(slice((f + a) // s, (f + a) // s + count)
                     for f, a, s, count in zip(firsts, pre, strides, into.shape[2:]))
        into[...] = sums[(slice(None), slice(None)) + phase + take]
    return y


# -- the DSL -----------------------------------------------------------------------------------------

def _static_shape(fn: str, arg: str, value: Any) -> tuple[int, ...]:
    """The shape of a kernel given as a Tensor or an array; it must be static, with rank 4 or 5."""
    if isinstance(value, Tensor):
        shape = value.type.shape
        if not all(isinstance(d, int) for d in shape):
            raise ShapeError(
                f"{fn}: argument '{arg}' has shape {_shape_text(shape)}; a kernel's dims must be static ints")
    else:
        shape = array_of(fn, arg, value).shape  # an array's dims are ints
    if len(shape) not in (4, 5):
        raise ShapeError(
            f"{fn}: argument '{arg}' has shape {_shape_text(shape)}; expected a 4-D or 5-D kernel for a "
            "2-D or 3-D convolution"
        )
    return cast("tuple[int, ...]", shape)  # every dim an int, as checked


def _kernel_layer(fn: str, cls: type[_KernelOp], x: Any, w: Any, b: Any, stride: Any, padding: Any,
                  dilation: Any, groups: Any, mode: Any, name: str | None) -> Tensor:
    x = expect_tensor(fn, "x", x)
    shape = _static_shape(fn, "w", w)
    nb = len(shape) - 2
    mode = as_padding_mode(fn, mode)
    pre, post = explicit_padding(fn, padding, nb)
    check_padding_args(fn, mode, pre, post, padding)
    if not is_int(groups) or groups < 1:
        raise bad_argument(fn, "groups", groups, "an int >= 1")
    maps = shape[0] if cls is Convolution else shape[1] * int(groups)
    op = cls(maps, shape[2:], spatial_ints(fn, "stride", stride, nb), pre, post,
             spatial_ints(fn, "dilation", dilation, nb), int(groups), mode)
    # the user's line, beyond this frame and its caller's (conv's or conv_transpose's), found once for the
    # layer and its constants
    at = user_location(skip=2)
    kernel = as_tensor(fn, "w", w, x, None, at)
    bias = None if b is None else as_tensor(fn, "b", b, x, None, at)
    # the op's fields are ints and a PaddingMode, as checked above: its inference may be looked up
    return x.network._add(op, (x, kernel, bias), name, at, memo=True)[0]


def conv(x: Tensor, w: Tensor | np.ndarray, b: Tensor | np.ndarray | None = None, *,
         stride: int | Sequence[int] = 1, padding: Any = 0, dilation: int | Sequence[int] = 1,
         groups: int = 1, padding_mode: PaddingMode | str | None = None, name: str | None = None) -> Tensor:
    """2-D or 3-D convolution (cross-correlation) as one IConvolutionLayer.

    ``x`` is ``(N, C, H, W)`` or ``(N, C, D, H, W)``; ``w`` is ``(K, C/groups, *kernel)`` (a Tensor, or an
    array that becomes a constant); ``b`` is ``(K,)`` or None. ``padding`` is an int, one int per spatial
    dim, or one ``(pre, post)`` pair per spatial dim; ``padding_mode`` is None (explicit, rounding the
    output size down), ``"explicit_round_up"``, ``"same_upper"`` or ``"same_lower"``. In NumPy, for one
    output element::

        xp = np.pad(x, [(0, 0), (0, 0)] + pads)
        y[n, k, oh, ow] = b[k] + np.sum(xp[n, g*Cg:(g+1)*Cg, oh*sh : oh*sh + dh*(R-1) + 1 : dh,
                                               ow*sw : ow*sw + dw*(S-1) + 1 : dw] * w[k])

    where ``g = k // (K // groups)`` and ``Cg = C // groups``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("c")
    >>> x = net.input("x", td.float32, ("n", 2, 4, 4))
    >>> y = td.conv(x, np.ones((2, 1, 3, 3), np.float32), groups=2, stride=2, padding_mode="same_upper")
    >>> y.shape
    (Dim('n'), 2, 2, 2)
    >>> net.output("y", y)
    >>> net.run({"x": np.ones((1, 2, 4, 4), np.float32)})["y"][0, 0]   # 3x3 sums; SAME_UPPER pads after
    array([[9., 6.],
           [6., 4.]], dtype=float32)
    """
    return _kernel_layer("conv", Convolution, x, w, b, stride, padding, dilation, groups, padding_mode, name)


def conv_transpose(x: Tensor, w: Tensor | np.ndarray, b: Tensor | np.ndarray | None = None, *,
                   stride: int | Sequence[int] = 1, padding: Any = 0, dilation: int | Sequence[int] = 1,
                   groups: int = 1, padding_mode: PaddingMode | str | None = None,
                   name: str | None = None) -> Tensor:
    """2-D or 3-D transposed convolution as one IDeconvolutionLayer (ONNX ConvTranspose without
    ``output_padding``).

    ``x`` is ``(N, C, *I)``; ``w`` is ``(C, K/groups, *kernel)``; ``b`` is ``(K,)`` or None. ``padding``
    (an int, one int per dim, or ``(pre, post)`` pairs) trims the output. In NumPy, for 1 spatial dim::

        full = np.zeros((N, K, (I - 1) * s + d * (R - 1) + 1))
        for i, r: full[:, g*Kg:(g+1)*Kg, i*s + r*d] += x[:, group g, i] @ w[group g, :, r]
        y = full[:, :, pre : full.shape[2] - post] + b[:, None]

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("d")
    >>> x = net.input("x", td.float32, (1, 1, 2, 2))
    >>> net.output("y", td.conv_transpose(x, np.ones((1, 1, 2, 2), np.float32), stride=2))
    >>> net.run({"x": np.array([[[[1, 2], [3, 4]]]], np.float32)})["y"][0, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]], dtype=float32)
    """
    return _kernel_layer("conv_transpose", Deconvolution, x, w, b, stride, padding, dilation, groups,
                         padding_mode, name)


__all__ = ["Convolution", "Deconvolution", "PaddingMode", "conv", "conv_transpose"]
