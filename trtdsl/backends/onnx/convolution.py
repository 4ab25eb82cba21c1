"""ONNX export of IConvolutionLayer, IDeconvolutionLayer and IPoolingLayer.

Padding: explicit padding is ONNX's ``pads``; SAME_UPPER/SAME_LOWER split the padding as ONNX's
``auto_pad`` does (both clamp a negative total to 0). ONNX has no EXPLICIT_ROUND_UP for Conv, and its
pooling ``ceil_mode`` drops a last window that starts in the padding, which TensorRT keeps: ROUND_UP
becomes extra post-padding that completes the last window (computed in the graph when the input's
spatial dims are dynamic). Deconvolution's pre/post padding trims the output, as ConvTranspose's pads do.

Pooling: MAX pads with -inf in both and skips NaN (TensorRT's reading: NaNs become -inf before
MaxPool, and a window holding nothing above -inf gives -inf, where onnxruntime starts its maxima from the
lowest finite float). AVERAGE is ONNX AveragePool (``count_include_pad`` = not
``average_count_excludes_padding``) where the padding is smaller than the window and there is no
ROUND_UP extra; otherwise the window sums divided by the counted positions, both computed with
AveragePool over explicitly padded tensors, so windows past the padded input count as TensorRT does.
MAX_AVERAGE_BLEND is ``(1 - blend) * max + blend * average`` in float32.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from trtdsl import dtypes
from trtdsl.backends.onnx.graph import NodeContext
from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.backends.onnx.registry import exports
from trtdsl.ir.dims import is_static
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.convolution import Convolution, Deconvolution, PaddingMode, conv, conv_transpose, same_pads
from trtdsl.layers.padding import pad
from trtdsl.layers.pooling import Pooling, PoolingType, pool
from trtdsl.layers.reduce import ReduceOperation, reduce
from trtdsl.layers.shuffle import reshape
from trtdsl.layers.squeeze import squeeze, unsqueeze
from trtdsl.layers.unary import unary

_P = PaddingMode
_I64 = dtypes.int64


class WindowPads:
    """The spatial padding of a window layer on its input: ``pre``/``post`` (TensorRT's padding, or
    SAME's split) and ``extra`` (ROUND_UP's completion of the last window), each a list of ints or, when
    it depends on dynamic dims, a 1-D int64 value the graph computes. ONNX's ``auto_pad`` is not used:
    onnxruntime rejects the negative totals SAME gives when the stride exceeds the window, which TensorRT
    (and ONNX's own definition) clamp to 0."""

    def __init__(
        self,
        ctx: NodeContext,
        mode: PaddingMode,
        pre: Sequence[int],
        post: Sequence[int],
        strides: Sequence[int],
        extents: Sequence[int],
    ) -> None:
        sizes = ctx.input_type(0).shape[2:]
        self.pre: list[int] | str = list(pre)
        self.post: list[int] | str = list(post)
        self.extra: list[int] | str = [0] * len(sizes)
        if mode in (_P.SAME_UPPER, _P.SAME_LOWER):
            if is_static(sizes):
                split = [
                    same_pads(mode, (i - 1) // s * s + dk - i) for i, s, dk in zip(sizes, strides, extents)
                ]
                self.pre, self.post = [b for b, _ in split], [a for _, a in split]
            else:
                self.pre, self.post = self._same(ctx, mode, strides, extents)
        elif mode is _P.EXPLICIT_ROUND_UP:
            if is_static(sizes):
                self.extra = [
                    max(math.ceil((i + b + a - dk) / s) * s + dk - (i + b + a), 0)
                    for i, b, a, s, dk in zip(sizes, pre, post, strides, extents)
                ]
            else:
                self.extra = self._round_up(ctx, pre, post, strides, extents)

    def _pads(self) -> list[int] | None:
        """ONNX's ``pads`` where that attribute expresses the padding (static, no ROUND_UP extra)."""
        if isinstance(self.pre, list) and isinstance(self.post, list) and self.extra == [0] * len(self.pre):
            return self.pre + self.post
        return None

    @property
    def fixed(self) -> bool:
        """Whether ONNX's ``pads`` attribute expresses the padding (static, no ROUND_UP extra)."""
        return self._pads() is not None

    def smaller_than(self, window: Sequence[int]) -> bool:
        """Whether every pad is smaller than the window, as onnxruntime's pooling requires."""
        pads = self._pads()
        return pads is not None and all(p < w for p, w in zip(pads, tuple(window) * 2))

    def attributes(self) -> dict[str, Any]:
        pads = self._pads()
        assert pads is not None, "attributes() of padding that ONNX's pads do not express"
        return {"pads": pads}

    def padded(
        self, ctx: NodeContext, x: str, value: float, dtype: dtypes.DType, extra_value: float | None = None
    ) -> str:
        """``x`` padded explicitly on its spatial dims with ``value`` (the ROUND_UP extra with
        ``extra_value``, default ``value``), for a window op without pads."""
        if extra_value is None:
            return self._pad(ctx, x, self.pre, _add(ctx, self.post, self.extra), value, dtype)
        y = self._pad(ctx, x, self.pre, self.post, value, dtype)
        zeros = [0] * _count(self.pre, ctx)
        return y if self.extra == zeros else self._pad(ctx, y, zeros, self.extra, extra_value, dtype)

    @staticmethod
    def _pad(
        ctx: NodeContext,
        x: str,
        begins: list[int] | str,
        ends: list[int] | str,
        value: float,
        dtype: dtypes.DType,
    ) -> str:
        parts = [ctx.ints([0, 0]), _value(ctx, begins), ctx.ints([0, 0]), _value(ctx, ends)]
        return ctx.emit(
            "Pad", [x, ctx.emit("Concat", parts, axis=0), ctx.const(value, dtype)], mode="constant"
        )

    @staticmethod
    def _same(
        ctx: NodeContext, mode: PaddingMode, strides: Sequence[int], extents: Sequence[int]
    ) -> tuple[str, str]:
        sizes = ctx.emit("Shape", [ctx.input(0)], start=2)
        s, dk, one = ctx.ints(strides), ctx.ints(extents), ctx.ints([1] * len(strides))
        out = ctx.emit("Div", [ctx.emit("Sub", [ctx.emit("Add", [sizes, s]), one]), s])
        reach = ctx.emit("Add", [ctx.emit("Mul", [ctx.emit("Sub", [out, one]), s]), dk])
        total = ctx.emit("Max", [ctx.emit("Sub", [reach, sizes]), ctx.ints([0] * len(strides))])
        small = ctx.emit("Div", [total, ctx.ints([2] * len(strides))])
        large = ctx.emit("Sub", [total, small])
        return (small, large) if mode is _P.SAME_UPPER else (large, small)

    @staticmethod
    def _round_up(
        ctx: NodeContext,
        pre: Sequence[int],
        post: Sequence[int],
        strides: Sequence[int],
        extents: Sequence[int],
    ) -> str:
        sizes = ctx.emit("Shape", [ctx.input(0)], start=2)
        padded = ctx.emit("Add", [sizes, ctx.ints([b + a for b, a in zip(pre, post)])])
        s, dk = ctx.ints(strides), ctx.ints(extents)
        windows = ctx.emit(
            "Div", [ctx.emit("Add", [ctx.emit("Sub", [padded, dk]), ctx.ints([v - 1 for v in strides])]), s]
        )
        last = ctx.emit("Add", [ctx.emit("Mul", [windows, s]), dk])
        return ctx.emit("Max", [ctx.emit("Sub", [last, padded]), ctx.ints([0] * len(strides))])


def _value(ctx: NodeContext, v: list[int] | str) -> str:
    return ctx.ints(v) if isinstance(v, list) else v


def _add(ctx: NodeContext, a: list[int] | str, b: list[int] | str) -> list[int] | str:
    if isinstance(a, list) and isinstance(b, list):
        return [x + y for x, y in zip(a, b)]
    return ctx.emit("Add", [_value(ctx, a), _value(ctx, b)])


def _count(v: list[int] | str, ctx: NodeContext) -> int:
    return len(v) if isinstance(v, list) else ctx.input_type(0).rank - 2


def _kernel_attributes(op: Convolution | Deconvolution) -> dict[str, Any]:
    return {
        "kernel_shape": list(op.kernel_size),
        "strides": list(op.stride),
        "dilations": list(op.dilation),
        "group": op.num_groups,
    }


@exports(Convolution)
def _convolution(ctx: NodeContext, op: Convolution) -> str:
    pads = WindowPads(ctx, op.padding_mode, op.pre_padding, op.post_padding, op.stride, op.extents)
    x = ctx.input(0)
    attrs = _kernel_attributes(op)
    dtype = ctx.input_type(0).dtype
    if pads.fixed:
        attrs.update(pads.attributes())
    else:
        x = pads.padded(ctx, x, 0.0, dtype)
    inputs = [x, ctx.input(1)] + ([ctx.input(2)] if ctx.optional_input(2) else [])
    return ctx.compute("Conv", inputs, dtype, **attrs)


@exports(Deconvolution)
def _deconvolution(ctx: NodeContext, op: Deconvolution) -> str:
    if op.padding_mode in (_P.SAME_UPPER, _P.SAME_LOWER):  # a fixed trim of DK - S, split as for convolution
        trims = [same_pads(op.padding_mode, dk - s) for dk, s in zip(op.extents, op.stride)]
    else:
        trims = list(zip(op.pre_padding, op.post_padding))
    attrs = _kernel_attributes(op)
    attrs["pads"] = [b for b, _ in trims] + [a for _, a in trims]
    inputs = [ctx.input(0), ctx.input(1)] + (
        [ctx.input(2)] if ctx.optional_input(2) else []
    )
    return ctx.compute("ConvTranspose", inputs, ctx.input_type(0).dtype, **attrs)


def _max(ctx: NodeContext, op: Pooling, x: str, pads: WindowPads) -> str:
    """MaxPool of float32 ``x``, NaN skipped and -inf where a window holds nothing above -inf
    (onnxruntime starts its maxima from the lowest finite float)."""
    window: dict[str, Any] = {"kernel_shape": list(op.window_size), "strides": list(op.stride)}

    def pool(v: str, pad_value: float) -> str:
        if pads.smaller_than(op.window_size) and pad_value == float("-inf"):
            return ctx.emit("MaxPool", [v], **window, **pads.attributes())
        return ctx.emit("MaxPool", [pads.padded(ctx, v, pad_value, dtypes.float32)], **window)

    def indicator(mask: str) -> str:
        """Whether each window holds a true element of ``mask`` (padding counts as false)."""
        hits = pool(ctx.cast(mask, dtypes.float32), 0.0)
        return ctx.emit("Greater", [hits, ctx.const(0.0, dtypes.float32)])

    lowest = ctx.const(float("-inf"), dtypes.float32)
    y = pool(ctx.emit("Where", [ctx.emit("IsNaN", [x]), lowest, x]), float("-inf"))
    above = indicator(ctx.emit("Greater", [x, lowest]))  # false for NaN
    return ctx.emit("Where", [above, y, lowest])


def _average(ctx: NodeContext, op: Pooling, x: str, pads: WindowPads) -> str:
    """The window averages of float32 ``x``."""
    window: dict[str, Any] = {"kernel_shape": list(op.window_size), "strides": list(op.stride)}
    excludes = op.average_count_excludes_padding
    if pads.smaller_than(op.window_size):
        return ctx.emit(
            "AveragePool", [x], **window, **pads.attributes(), count_include_pad=int(not excludes)
        )
    volume = ctx.const(float(math.prod(op.window_size)), dtypes.float32)
    sums = ctx.emit(
        "Mul", [ctx.emit("AveragePool", [pads.padded(ctx, x, 0.0, dtypes.float32)], **window), volume]
    )
    spatial = ctx.emit("Shape", [x], start=2)
    ones = ctx.emit(
        "Expand", [ctx.const(1.0, dtypes.float32), ctx.emit("Concat", [ctx.ints([1, 1]), spatial], axis=0)]
    )
    counted = (
        pads.padded(ctx, ones, 0.0, dtypes.float32)
        if excludes
        else pads.padded(ctx, ones, 1.0, dtypes.float32, extra_value=0.0)
    )
    counts = ctx.emit("Mul", [ctx.emit("AveragePool", [counted], **window), volume])
    return ctx.emit("Div", [sums, counts])


@exports(Pooling)
def _pooling(ctx: NodeContext, op: Pooling) -> str:
    pads = WindowPads(ctx, op.padding_mode, op.pre_padding, op.post_padding, op.stride, op.window_size)
    if op.type is PoolingType.MAX:
        build = lambda v: _max(ctx, op, v, pads)  # noqa: E731
    elif op.type is PoolingType.AVERAGE:
        build = lambda v: _average(ctx, op, v, pads)  # noqa: E731
    else:
        blend = op.blend_factor

        def build(v: str) -> str:
            high = ctx.emit("Mul", [_max(ctx, op, v, pads), ctx.const(1.0 - blend, dtypes.float32)])
            return ctx.emit(
                "Add", [high, ctx.emit("Mul", [_average(ctx, op, v, pads), ctx.const(blend, dtypes.float32)])]
            )

    return ctx.in_float32(ctx.input_type(0).dtype, build, ctx.input(0))

# -- import ---------------------------------------------------------------------------------------------
# Conv, ConvTranspose and the pools: auto_pad SAME_UPPER/SAME_LOWER are the padding modes of the same
# names, NOTSET takes ``pads`` (begins then ends) as explicit padding, VALID none. TensorRT's layers are
# 2-D or 3-D: a 1-D node is computed as 2-D on an input unsqueezed to (N, C, L, 1), as the parser does
# (onnx-tensorrt ``convMultiInput`` / ``poolingHelper`` unsqueeze 1-D inputs).


def _padding(ctx: ImportContext, spatial: int) -> tuple[Any, PaddingMode | None]:
    """The ``padding`` and ``padding_mode`` of td.conv/td.pool for the node's auto_pad and pads."""
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    ctx.one_of("auto_pad", auto_pad, ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"))
    pads = ctx.ints("pads", [0] * (2 * spatial)) or []
    ctx.check(len(pads) == 2 * spatial, f"pads {pads} has {len(pads)} values; expected {2 * spatial}")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        return 0, _P(auto_pad.lower())
    if auto_pad == "VALID":
        return 0, None
    return [(pads[i], pads[i + spatial]) for i in range(spatial)], None


def _one_d(ctx: ImportContext, x: Tensor, spatial: int) -> tuple[Tensor, bool]:
    ctx.check(spatial in (1, 2, 3), f"{spatial} spatial dims; TensorRT's layers take 1 (as 2-D), 2 or 3")
    return (unsqueeze(x, -1), True) if spatial == 1 else (x, False)


def _widen(values: list[int], one_d: bool, fill: int) -> list[int]:
    return values + [fill] if one_d else values


def _widen_pads(padding: Any, one_d: bool) -> Any:
    return padding + [(0, 0)] if one_d and isinstance(padding, list) else padding


@imports("Conv")
def _import_conv(ctx: ImportContext) -> Tensor:
    """One Convolution layer (weights and bias may be tensors)."""
    x, w, b = ctx.input(0), ctx.input(1), ctx.optional(2)
    spatial = len(x.shape) - 2
    kernel = ctx.ints("kernel_shape")
    ctx.check(kernel is None or list(kernel) == list(w.shape[2:]),
              f"kernel_shape {kernel} differs from the weights' shape {w.shape}")
    padding, mode = _padding(ctx, spatial)
    strides = ctx.ints("strides", [1] * spatial) or []
    dilations = ctx.ints("dilations", [1] * spatial) or []
    x, one_d = _one_d(ctx, x, spatial)
    if one_d:
        w = unsqueeze(w, -1)
    y = conv(x, w, b, stride=_widen(strides, one_d, 1), padding=_widen_pads(padding, one_d),
             dilation=_widen(dilations, one_d, 1), groups=int(ctx.attr("group", 1)), padding_mode=mode)
    return squeeze(y, -1) if one_d else y


@imports("ConvTranspose")
def _import_conv_transpose(ctx: ImportContext) -> Tensor:
    """One Deconvolution layer. ``output_padding`` is taken from the end padding, and ``output_shape``
    becomes explicit padding where the input's spatial dims are static; output rows beyond what the layer
    makes (output padding larger than the end padding, or a larger ``output_shape``) are appended as
    zeros by a FILL Slice, the bias then added by an ElementWise layer instead of the Deconvolution, as
    the parser builds them (onnx-tensorrt ``onnxOpImporters.cpp``, ConvTranspose: "There is still output
    padding. Add a padding layer to handle it.")."""
    x, w, b = ctx.input(0), ctx.input(1), ctx.optional(2)
    spatial = len(x.shape) - 2
    kernel = ctx.ints("kernel_shape")
    ctx.check(kernel is None or list(kernel) == list(w.shape[2:]),
              f"kernel_shape {kernel} differs from the weights' shape {w.shape}")
    strides = ctx.ints("strides", [1] * spatial) or []
    dilations = ctx.ints("dilations", [1] * spatial) or []
    extra = ctx.ints("output_padding", [0] * spatial) or []
    output_shape = ctx.ints("output_shape")
    padding, mode = _padding(ctx, spatial)
    if output_shape is not None:
        sizes = x.shape[2:]
        ctx.check(is_static(sizes) and len(output_shape) == spatial,
                  "output_shape needs static spatial input dims (one output size per spatial dim)")
        totals = [s * (int(i) - 1) + e + (int(k) - 1) * d + 1 - o for i, s, e, k, d, o in
                  zip(sizes, strides, extra, w.shape[2:], dilations, output_shape)]
        upper = ctx.attr("auto_pad", "NOTSET") == "SAME_UPPER"
        padding = [(t // 2, t - t // 2) if upper else (t - t // 2, t // 2) for t in totals]
        ctx.check(all(p[0] >= 0 for p in padding), f"output_shape {output_shape} is larger than the op makes "
                  "with its start padding")
        mode = None
    appended = [0] * spatial  # output rows the Deconvolution layer cannot make
    if any(extra) or isinstance(padding, list) and any(p[1] < 0 for p in padding):
        ctx.check(mode is None and isinstance(padding, list),
                  f"output_padding {extra} with auto_pad {ctx.attr('auto_pad', 'NOTSET')}: expected explicit pads")
        ends = [p[1] - e for p, e in zip(padding, extra)]
        appended = [max(-end, 0) for end in ends]
        padding = [(p[0], max(end, 0)) for p, end in zip(padding, ends)]
    x, one_d = _one_d(ctx, x, spatial)
    if one_d:
        w = unsqueeze(w, -1)
    y = conv_transpose(x, w, None if any(appended) else b, stride=_widen(strides, one_d, 1),
                       padding=_widen_pads(padding, one_d), dilation=_widen(dilations, one_d, 1),
                       groups=int(ctx.attr("group", 1)), padding_mode=mode)
    if any(appended):
        y = pad(y, [(0, 0), (0, 0)] + [(0, a) for a in _widen(appended, one_d, 0)])
        if b is not None:
            y = y + reshape(b, (1, b.shape[0]) + (1,) * (len(y.shape) - 2))
    return squeeze(y, -1) if one_d else y


@imports("MaxPool", "AveragePool")
def _import_pool(ctx: ImportContext) -> Tensor:
    """One Pooling layer; ``ceil_mode`` is EXPLICIT_ROUND_UP, ``count_include_pad`` the opposite of
    ``average_count_excludes_padding``. Dilated windows and MaxPool's Indices output are refused (the
    parser has no layer for them)."""
    ctx.check(not ctx.output_used(1), "the Indices output of MaxPool is not supported")
    ctx.one_of("storage_order", ctx.attr("storage_order", 0), (0,))
    include_pad = bool(ctx.attr("count_include_pad", 0)) if ctx.op_type == "AveragePool" else False
    kind = PoolingType.MAX if ctx.op_type == "MaxPool" else PoolingType.AVERAGE
    return _pooled(ctx, ctx.input(0), kind, include_pad)[0]


def _pooled(ctx: ImportContext, x: Tensor, kind: PoolingType, include_pad: bool) -> tuple[Tensor, int]:
    """One Pooling layer of ``x`` with the node's kernel_shape, strides, pads, auto_pad and ceil_mode
    (onnx-tensorrt ``getKernelParams``), and the number of elements in its window."""
    spatial = len(x.shape) - 2
    window = ctx.ints("kernel_shape") or []
    ctx.check(len(window) == spatial, f"kernel_shape {window} has {len(window)} dims; expected {spatial}")
    dilations = ctx.ints("dilations", [1] * spatial) or []
    ctx.check(all(d == 1 for d in dilations), f"dilations {dilations}; TensorRT's pooling has none")
    strides = ctx.ints("strides", [1] * spatial) or []
    padding, mode = _padding(ctx, spatial)
    if ctx.attr("ceil_mode", 0):
        ctx.check(mode is None, "ceil_mode with auto_pad SAME is not supported")
        _check_last_window(ctx, x, window, strides, padding)
        mode = _P.EXPLICIT_ROUND_UP
    x, one_d = _one_d(ctx, x, spatial)
    y = pool(x, kind, _widen(window, one_d, 1), _widen(strides, one_d, 1), _widen_pads(padding, one_d),
             padding_mode=mode, average_count_excludes_padding=not include_pad)
    return (squeeze(y, -1) if one_d else y), math.prod(window)


@imports("LpPool", since=2)
def _import_lp_pool(ctx: ImportContext) -> Tensor:
    """``(sum of |x| ** p over each window) ** (1 / p)`` for p = 1 and 2 as the parser builds it
    (onnx-tensorrt ``DEFINE_BUILTIN_OP_IMPORTER(LpPool)``): ``|x|`` (p=1) or ``x * x`` (p=2), an AVERAGE
    Pooling layer counting the padding, times the window's size, then a square root for p=2. The parser
    computes no other p (its importer sets the tensor to pool only for p = 1 and 2): other p are refused."""
    x = ctx.input(0)
    p = int(ctx.attr("p", 2))
    ctx.one_of("p", p, (1, 2))
    ctx.check(x.dtype in (dtypes.float32, dtypes.float16),
              f"input has dtype {x.dtype.name}; TensorRT's parser reads float32 and float16")
    powered = unary(x, "abs") if p == 1 else x * x
    pooled, size = _pooled(ctx, powered, PoolingType.AVERAGE, include_pad=True)
    total = pooled * ctx.constant(np.asarray(size, x.dtype.numpy))
    return total if p == 1 else unary(total, "sqrt")


def _check_last_window(ctx: ImportContext, x: Tensor, window: list[int], strides: list[int],
                       padding: Any) -> None:
    """ONNX's ceil_mode drops a last window that would start in the end padding; TensorRT's
    EXPLICIT_ROUND_UP (what the parser sets) keeps it. Where the input's dims show that the two differ,
    the node is refused; on dynamic dims the parser's reading is kept."""
    pads = padding if isinstance(padding, list) else [(0, 0)] * len(window)
    for size, k, s, (pre, post) in zip(x.shape[2:], window, strides, pads):
        if not isinstance(size, int):
            continue
        count = -(-(size + pre + post - k) // s) + 1
        ctx.check((count - 1) * s < size + pre,
                  f"with ceil_mode the last window of an axis of {size} starts in the padding: ONNX drops "
                  "it, TensorRT's EXPLICIT_ROUND_UP keeps it")


@imports("GlobalAveragePool", "GlobalMaxPool")
def _import_global_pool(ctx: ImportContext) -> Tensor:
    """A Reduce layer over the spatial dims, keeping them (onnx-tensorrt ``globalPoolingHelper``)."""
    x = ctx.input(0)
    operation = ReduceOperation.AVG if ctx.op_type == "GlobalAveragePool" else ReduceOperation.MAX
    return reduce(x, operation, tuple(range(2, len(x.shape))), keepdims=True)
