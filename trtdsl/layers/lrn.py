"""ILRNLayer: local response normalization across channels, AlexNet's (and Caffe's, and ONNX's) form.

The channel axis is the third from last (``x.ndim - 3``: axis 1 of an ``(N, C, H, W)`` tensor). With
``h = (window - 1) // 2`` and ``C`` channels::

    s[..., c, :, :] = sum(x[..., j, :, :] ** 2 for j in range(max(0, c - h), min(C - 1, c + h) + 1))
    y = x / (k + alpha / window * s) ** beta

Sources. NvInfer.h (TensorRT 11.1, ILRNLayer, line 1536) gives the parameter ranges only: ``window`` odd
in [1, 15], ``alpha`` in [-1e20, 1e20], ``beta`` in [0.01, 1e5], ``k`` in [1e-5, 1e10]. The formula on
the TensorRT Operators reference's LRN page reads ``k + alpha * sum`` over ``[c - w, c + w]``, but the
example on that same page (``window=3, alpha=1, beta=1, k=0.1`` on channels holding 0, 1, 2, 3, 4)
expects 0.56603765 for channel 1, which is ``1 / (0.1 + 1/3 * (0 + 1 + 4))``: ``alpha`` is divided by
the window and the sum covers ``window`` channels centred on ``c``. This is also what both of
TensorRT's parsers rely on: onnx-tensorrt's LRN importer passes ONNX's ``size, alpha, beta, bias``
unchanged to ``addLRN`` (ONNX divides alpha by size), and TensorRT's former Caffe parser passed Caffe's
``local_size, alpha, beta, k`` unchanged (Caffe divides alpha by local_size). Sums of squares are
computed in float32. Only float32 inputs (the Operators reference's type list; NvInfer.h says int32 is
invalid). UNCONFIRMED: float16 and bfloat16 inputs, which that list leaves out (TensorRT would settle
it: build an LRN layer on a float16 input in a strongly typed network), and whether ranks other than 4
are accepted (the page's formula is written for any rank >= 3).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("lrn")
>>> x = net.input("x", td.float32, (1, 5, 1, 1))
>>> net.output("y", td.lrn(x, 3, alpha=1.0, beta=1.0, k=0.1))
>>> net.run({"x": np.arange(5, dtype=np.float32).reshape(1, 5, 1, 1)})["y"].ravel().round(6)
array([0.      , 0.566038, 0.41958 , 0.307167, 0.474308], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import bad_argument
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import expect_rank, expect_tensor, finite_float, is_int

__all__ = ["LRN", "lrn"]

LRN_DTYPES = (dtypes.float32,)
MAX_WINDOW = 15
# NvInfer.h's valid ranges of the float parameters (ILRNLayer::setAlpha, setBeta, setK).
RANGES = {"alpha": (-1e20, 1e20), "beta": (0.01, 1e5), "k": (1e-5, 1e10)}


def _check_window(fn: str, window: Any) -> int:
    if not is_int(window) or not 1 <= window <= MAX_WINDOW or window % 2 == 0:
        raise bad_argument(fn, "window", window, f"an odd int in [1, {MAX_WINDOW}]")
    return int(window)


def _check_range(fn: str, arg: str, value: Any) -> float:
    low, high = RANGES[arg]
    expected = f"a float in [{low:g}, {high:g}]"
    number = finite_float(fn, arg, value, expected)
    if not low <= number <= high:
        raise bad_argument(fn, arg, value, expected)
    return number


@attrs.frozen
class LRN(Op):
    """``x / (k + alpha / window * s) ** beta``, ``s`` the sum of squares over ``window`` channels centred
    on each channel of axis ``x.ndim - 3`` (see the module)."""

    kind = "LRN"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.lrn`",
        "`ILRNLayer`",
        "`x / (k + alpha / window * s) ** beta`, `s` the sum of squares over `window` channels centred on "
        "each channel of axis `ndim - 3` (ONNX LRN's scaling: alpha divided by the window, settled by the "
        "Operators reference's example and both TensorRT parsers passing alpha through). `window` odd in "
        "[1, 15], alpha in [-1e20, 1e20], beta in [0.01, 1e5], k in [1e-5, 1e10] (NvInfer.h). float32 "
        "only (*UNCONFIRMED*: float16, ranks other than 4).",
        "NvInfer.h `ILRNLayer`, Operators reference example, onnx-tensorrt LRN importer",
    )
    input_names = ("x",)
    input_dtypes = {"x": LRN_DTYPES}
    name_stem = "lrn"
    window: int
    alpha: float
    beta: float
    k: float

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        label = self.label()
        expect_rank(label, "x", x, lambda r: r >= 3, "rank >= 3 (channels are the third dim from the end)")
        _check_window(label, self.window)
        for arg in RANGES:
            _check_range(label, arg, getattr(self, arg))
        return (x,)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        axis = x.ndim - 3
        half = (self.window - 1) // 2
        squares = np.square(x.astype(np.float32))
        padded = np.pad(squares, [(half, half) if a == axis else (0, 0) for a in range(x.ndim)])
        channels = x.shape[axis]
        total = np.zeros_like(squares)
        for offset in range(self.window):
            total += np.take(padded, np.arange(offset, offset + channels), axis=axis)
        scale = np.float32(self.alpha) / np.float32(self.window)
        base = np.float32(self.k) + scale * total
        return ((x / base ** np.float32(self.beta)).astype(x.dtype),)


def lrn(x: Tensor, window: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0, *,
        name: str | None = None) -> Tensor:
    """Local response normalization across the channels (axis ``x.ndim - 3``) as one ILRNLayer:
    ``x / (k + alpha / window * s) ** beta`` with ``s`` the sum of ``x ** 2`` over the ``window`` channels
    centred on each one (ONNX LRN's ``size, alpha, beta, bias``, with ONNX's defaults). ``window`` is odd in
    [1, 15]; ``alpha``, ``beta``, ``k`` lie in TensorRT's ranges (see the module); float32 only.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("lrn")
    >>> x = net.input("x", td.float32, (1, 3, 1, 2))
    >>> net.output("y", td.lrn(x, 3, alpha=3.0, beta=1.0, k=1.0))
    >>> net.run({"x": np.ones((1, 3, 1, 2), np.float32)})["y"].ravel()   # 1 / (1 + 3/3 * count)
    array([0.33333334, 0.33333334, 0.25      , 0.25      , 0.33333334, 0.33333334],
          dtype=float32)
    """
    x = expect_tensor("lrn", "x", x)
    op = LRN(_check_window("lrn", window), *(_check_range("lrn", arg, v) for arg, v in
                                               (("alpha", alpha), ("beta", beta), ("k", k))))
    return x.network.add1(op, (x,), name=name)
