"""Modules without parameters (``torch.nn.ReLU``, ``MaxPool2d``, ``Upsample``, ...): each calls one trtdsl
function, with PyTorch's arguments and defaults. They hold nothing, but they count in a
:class:`~trtdsl.nn.Sequential`'s numbering as in PyTorch's: torchvision's VGG ``features`` is
``Conv2d, ReLU, Conv2d, ReLU, MaxPool2d, ...``, whose checkpoint names the convolutions ``features.0``,
``features.2``, ``features.5``, ...

>>> import numpy as np, trtdsl as td
>>> model = td.nn.Sequential(td.nn.Conv2d(1, 2, 3, padding=1), td.nn.ReLU(), td.nn.MaxPool2d(2))
>>> list(model.state_dict())
['0.weight', '0.bias']
>>> net = td.Network("features")
>>> net.output("y", model(net.input("x", td.float32, ("n", 1, 4, 4))))
>>> net.run({"x": np.ones((1, 1, 4, 4), np.float32)})["y"].shape
(1, 2, 2, 2)
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from trtdsl.errors import bad_argument
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.activation import gelu, relu, sigmoid, tanh
from trtdsl.layers.manipulation import flatten
from trtdsl.layers.neural import silu
from trtdsl.layers.pooling import avg_pool, max_pool
from trtdsl.layers.resize import resize
from trtdsl.nn.layers import flag, int_pair
from trtdsl.nn.module import Module

__all__ = ["AvgPool2d", "Dropout", "Flatten", "GELU", "Identity", "MaxPool2d", "ReLU", "SiLU", "Sigmoid",
           "Tanh", "Upsample"]


class ReLU(Module):
    """``td.relu`` (``torch.nn.ReLU``); ``inplace`` is accepted and means nothing in a network."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        flag("ReLU", "inplace", inplace)

    def forward(self, x: Tensor) -> Tensor:
        return relu(x)


class GELU(Module):
    """``td.gelu`` with ``approximate`` ``"none"`` (erf) or ``"tanh"`` (``torch.nn.GELU``)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise bad_argument("GELU", "approximate", approximate, "'none' or 'tanh'")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return gelu(x, self.approximate)


class SiLU(Module):
    """``td.silu``, ``x * sigmoid(x)`` (``torch.nn.SiLU``)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        flag("SiLU", "inplace", inplace)

    def forward(self, x: Tensor) -> Tensor:
        return silu(x)


class Sigmoid(Module):
    """``td.sigmoid`` (``torch.nn.Sigmoid``)."""

    def forward(self, x: Tensor) -> Tensor:
        return sigmoid(x)


class Tanh(Module):
    """``td.tanh`` (``torch.nn.Tanh``)."""

    def forward(self, x: Tensor) -> Tensor:
        return tanh(x)


class Identity(Module):
    """``x`` itself, no layer (``torch.nn.Identity``); any arguments are accepted and ignored, as there."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Dropout(Module):
    """``x`` itself, no layer: dropout at inference (``torch.nn.Dropout`` in ``eval()``), which is what a
    TensorRT engine runs. ``p`` is checked as PyTorch checks it."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise bad_argument("Dropout", "p", p, "a probability in [0, 1]")
        flag("Dropout", "inplace", inplace)
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        return x


class Flatten(Module):
    """``td.flatten(x, start_dim, end_dim)`` with PyTorch's defaults, which keep dim 0 (the batch):
    ``torch.nn.Flatten(start_dim=1, end_dim=-1)``."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return flatten(x, self.start_dim, self.end_dim)


class _Pool2d(Module):
    """What MaxPool2d and AvgPool2d share: PyTorch's window, stride (the window by default) and padding;
    ``ceil_mode`` is refused, as TensorRT's rounding up (EXPLICIT_ROUND_UP, ``td.max_pool``'s
    ``ceil_mode``) keeps a last window that starts in the padding, which PyTorch drops."""

    def __init__(self, fn: str, kernel_size: Any, stride: Any, padding: Any, ceil_mode: bool) -> None:
        super().__init__()
        self.kernel_size = int_pair(fn, "kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else int_pair(fn, "stride", stride, 1)
        self.padding = int_pair(fn, "padding", padding, 0)
        if flag(fn, "ceil_mode", ceil_mode):
            raise bad_argument(fn, "ceil_mode", ceil_mode, "False (TensorRT rounds the output size up "
                                                           "otherwise than PyTorch: use td.max_pool or "
                                                           "td.avg_pool with ceil_mode=True for its rule)")
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise bad_argument(fn, "padding", padding, f"at most half the window {self.kernel_size} "
                                                       "(PyTorch's rule)")


class MaxPool2d(_Pool2d):
    """``td.max_pool`` (``torch.nn.MaxPool2d``: padding with -inf, ``dilation`` 1 only).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("pool")
    >>> net.output("y", td.nn.MaxPool2d(3, stride=2, padding=1)(net.input("x", td.float32, (1, 1, 4, 4))))
    >>> net.run({"x": np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)})["y"][0, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__("MaxPool2d", kernel_size, stride, padding, ceil_mode)
        if int_pair("MaxPool2d", "dilation", dilation, 1) != (1, 1):
            raise bad_argument("MaxPool2d", "dilation", dilation, "1 (TensorRT's pooling has no dilation)")
        if flag("MaxPool2d", "return_indices", return_indices):
            raise bad_argument("MaxPool2d", "return_indices", return_indices, "False")

    def forward(self, x: Tensor) -> Tensor:
        return max_pool(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """``td.avg_pool`` (``torch.nn.AvgPool2d``): the padding counts in the average by default
    (``count_include_pad=True``, PyTorch's default, where ``td.avg_pool``'s is TensorRT's, False).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("pool")
    >>> net.output("y", td.nn.AvgPool2d(2, padding=1)(net.input("x", td.float32, (1, 1, 2, 2))))
    >>> net.run({"x": np.full((1, 1, 2, 2), 4, np.float32)})["y"][0, 0]
    array([[1., 1.],
           [1., 1.]], dtype=float32)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: Any = None) -> None:
        super().__init__("AvgPool2d", kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = flag("AvgPool2d", "count_include_pad", count_include_pad)
        if divisor_override is not None:
            raise bad_argument("AvgPool2d", "divisor_override", divisor_override, "None (TensorRT's average "
                                                                                  "divides by the window)")

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool(x, self.kernel_size, self.stride, self.padding,
                        count_include_pad=self.count_include_pad)


class Upsample(Module):
    """``torch.nn.Upsample`` of 4-D ``(N, C, H, W)`` inputs as one Resize layer: to ``size`` (H, W), or by
    ``scale_factor`` (a number or a pair, the output ``floor(H * scale)``: a scale whose products with H
    and W are whole numbers, where PyTorch's mapping of coordinates by ``1 / scale_factor`` is TensorRT's
    by the sizes' ratio, or any with ``align_corners`` or ``recompute_scale_factor``, where PyTorch maps by
    the sizes too); ``mode`` ``"nearest"``
    (PyTorch's: ``src = floor(dst * H / H_out)``, TensorRT's ASYMMETRIC coordinates rounded down) or
    ``"bilinear"`` (HALF_PIXEL coordinates, ALIGN_CORNERS where ``align_corners=True``; TensorRT's LINEAR
    clamps the coordinates before the first pixel to it, as PyTorch does).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("up")
    >>> x = net.input("x", td.float32, (1, 1, 1, 3))
    >>> net.output("y", td.nn.Upsample(scale_factor=(1, 2), mode="bilinear")(x))
    >>> net.run({"x": np.float32([[[[0, 1, 2]]]])})["y"][0, 0, 0]
    array([0.  , 0.25, 0.75, 1.25, 1.75, 2.  ], dtype=float32)
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise bad_argument("Upsample", "size", size, "either size or scale_factor (one of the two)")
        if mode not in ("nearest", "bilinear"):
            raise bad_argument("Upsample", "mode", mode, "'nearest' or 'bilinear'")
        if align_corners is not None and mode == "nearest":
            raise bad_argument("Upsample", "align_corners", align_corners, "None for mode 'nearest' "
                                                                           "(PyTorch's rule)")
        self.size = None if size is None else int_pair("Upsample", "size", size, 1)
        self.scale_factor = None if scale_factor is None else _scales(scale_factor)
        self.mode = mode
        self.align_corners = align_corners is not None and flag("Upsample", "align_corners", align_corners)
        # PyTorch maps coordinates by the sizes' ratio, as TensorRT does, with aligned corners or a
        # recomputed scale; by 1 / scale_factor otherwise
        recompute = recompute_scale_factor is not None and flag("Upsample", "recompute_scale_factor",
                                                               recompute_scale_factor)
        self._by_ratio = self.align_corners or recompute

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4:
            raise bad_argument("Upsample", "x", x, "a 4-D (N, C, H, W) tensor")
        n, c, h, w = x.shape
        if self.scale_factor is None:
            shape: tuple[Any, ...] = (n, c) + cast("tuple[int, int]", self.size)
        else:
            # PyTorch maps coordinates by 1 / scale_factor, TensorRT by the sizes' ratio: one where the
            # output size is the input's times the scale exactly
            scaled = []
            for d, s in zip((h, w), self.scale_factor):
                exact = d * s if isinstance(d, int) else s
                if isinstance(d, int) and self._by_ratio:
                    exact = math.floor(exact)
                if not float(exact).is_integer():
                    raise bad_argument("Upsample", "scale_factor", self.scale_factor,
                                       f"scales whose products with the input's H and W ({h}, {w}) are whole "
                                       "numbers (PyTorch maps coordinates by 1 / scale_factor, TensorRT by "
                                       "the ratio of the sizes: they agree there); or give size")
                scaled.append(int(exact) if isinstance(d, int) else d * int(s))
            shape = (n, c) + tuple(scaled)
        if self.mode == "nearest":
            return resize(x, shape, mode="nearest", coordinate_transformation="asymmetric",
                          nearest_rounding="floor")
        return resize(x, shape, mode="linear",
                      coordinate_transformation="align_corners" if self.align_corners else "half_pixel")


def _scales(value: Any) -> tuple[float, float]:
    single = isinstance(value, (int, float, np.integer, np.floating)) \
        and not isinstance(value, (bool, np.bool_))
    try:
        pair = tuple(float(v) for v in ((value, value) if single else value))
    except (TypeError, ValueError):
        pair = ()
    if len(pair) != 2 or not all(0 < v < math.inf for v in pair):
        raise bad_argument("Upsample", "scale_factor", value, "a finite number > 0 or a pair of them")
    return pair[0], pair[1]
