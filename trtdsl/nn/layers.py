"""The classic modules: Linear, Conv2d, ConvTranspose2d, BatchNorm2d, LayerNorm, RMSNorm, GroupNorm,
Embedding and Sequential, with PyTorch's constructor arguments, parameter names and layouts (a PyTorch
``state_dict`` loads as it is).

=================  ==============================================  ===========================================
module             NumPy (``x`` the input)                         parameters
=================  ==============================================  ===========================================
Linear             ``x @ weight.T + bias``                         weight (out, in), bias (out,)
Conv2d             ``td.conv`` with ``weight``, ``bias``           weight (out, in / groups, kh, kw), bias
ConvTranspose2d    ``td.conv_transpose``                           weight (in, out / groups, kh, kw), bias
BatchNorm2d        ``(x - mean) / sqrt(var + eps) * weight + bias``  weight, bias, running_mean, running_var
                   per channel (axis 1)                            (C,); num_batches_tracked () int64
LayerNorm          ``(x - m) / sqrt(v + eps) * weight + bias``,    weight, bias (normalized_shape)
                   ``m``, ``v`` over the trailing dims
RMSNorm            ``x / sqrt(mean(x ** 2) + eps) * weight``       weight (normalized_shape)
GroupNorm          ``td.group_norm``                               weight, bias (C,)
Embedding          ``weight[ids]``                                 weight (num_embeddings, embedding_dim)
=================  ==============================================  ===========================================

Parameters start as PyTorch's deterministic initial values (ones and zeros of the norms, zero running
mean, unit running variance) and as zeros where PyTorch draws random ones: load a checkpoint.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import ArgumentError, bad_argument
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.cast import cast
from trtdsl.layers.convolution import conv, conv_transpose
from trtdsl.layers.elementwise import divide, multiply
from trtdsl.layers.gather import gather
from trtdsl.layers.neural import batch_norm, fold_batch_norm, linear
from trtdsl.layers.normalization import group_norm, layer_norm
from trtdsl.layers.reduce import mean
from trtdsl.layers.unary import sqrt
from trtdsl.nn.module import Module, Parameter, _shape, network_of

__all__ = [
    "BatchNorm2d", "Conv2d", "ConvTranspose2d", "Embedding", "GroupNorm", "LayerNorm", "Linear", "RMSNorm",
    "Sequential",
]


def positive(fn: str, arg: str, value: Any) -> int:
    """``value`` if it is an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value < 2**31:
        raise bad_argument(fn, arg, value, "an int >= 1")
    return int(value)


def flag(fn: str, arg: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise bad_argument(fn, arg, value, "True or False")
    return bool(value)


def epsilon(fn: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not np.isfinite(value) or value < 0:
        raise bad_argument(fn, "eps", value, "a finite float >= 0")
    return float(value)


def float_dtype(fn: str, value: Any) -> DType:
    dt = dtypes.dtype(value)
    if dt not in dtypes.FLOATS:
        raise bad_argument(fn, "dtype", value, f"a float dtype ({', '.join(d.name for d in dtypes.FLOATS)})")
    return dt


def int_pair(fn: str, arg: str, value: Any, low: int) -> tuple[int, int]:
    """An int or a pair of ints >= ``low``, as a pair (PyTorch's ``_pair``)."""
    items = (value, value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        pair = tuple(items)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                 and low <= v < 2**31 for v in pair):
        raise bad_argument(fn, arg, value, f"an int >= {low} or a pair of them")
    return int(pair[0]), int(pair[1])


def _bias(module: Module, fn: str, bias: Any, features: int, dtype: DType) -> None:
    module.bias = Parameter((features,), dtype) if flag(fn, "bias", bias) else None


class Linear(Module):
    """``x @ weight.T + bias`` (``torch.nn.Linear``): ``weight`` is ``(out_features, in_features)``,
    ``bias`` ``(out_features,)`` (None with ``bias=False``); see :func:`td.linear <trtdsl.linear>`.

    >>> import numpy as np, trtdsl as td
    >>> fc = td.nn.Linear(3, 2)
    >>> fc.load_state_dict({"weight": np.float32([[1, 0, 0], [1, 1, 1]]), "bias": np.float32([0.5, -1])})
    <All keys matched successfully>
    >>> net = td.Network("fc")
    >>> net.output("y", fc(net.input("x", td.float32, ("batch", 3))))
    >>> net.run({"x": np.float32([[1, 2, 3]])})["y"]
    array([[1.5, 5. ]], dtype=float32)
    """

    weight: Parameter
    bias: Parameter | None

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__()
        self.in_features = positive("Linear", "in_features", in_features)
        self.out_features = positive("Linear", "out_features", out_features)
        dt = float_dtype("Linear", dtype)
        self.weight = Parameter((self.out_features, self.in_features), dt)
        _bias(self, "Linear", bias, self.out_features, dt)

    def forward(self, x: Tensor) -> Tensor:
        network = network_of("Linear", x)
        w = self.weight.constant(network)
        return linear(x, w, None if self.bias is None else self.bias.constant(network))


class _ConvNd(Module):
    """What Conv2d and ConvTranspose2d share: channels, kernel, stride, padding, dilation, groups."""

    transposed = False
    weight: Parameter
    bias: Parameter | None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
                 dilation: Any, groups: int, bias: bool, dtype: Any) -> None:
        super().__init__()
        fn = type(self).__name__
        self.in_channels = positive(fn, "in_channels", in_channels)
        self.out_channels = positive(fn, "out_channels", out_channels)
        self.kernel_size = int_pair(fn, "kernel_size", kernel_size, 1)
        self.stride = int_pair(fn, "stride", stride, 1)
        self.dilation = int_pair(fn, "dilation", dilation, 1)
        self.groups = positive(fn, "groups", groups)
        for arg, channels in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            if channels % self.groups:
                raise bad_argument(fn, "groups", groups, f"a divisor of {arg} ({channels})")
        self.padding = self._padding(fn, padding)
        dt = float_dtype(fn, dtype)
        first, second = ((self.in_channels, self.out_channels) if self.transposed
                         else (self.out_channels, self.in_channels))
        self.weight = Parameter((first, second // self.groups) + self.kernel_size, dt)
        _bias(self, fn, bias, self.out_channels, dt)

    def _padding(self, fn: str, padding: Any) -> Any:
        return int_pair(fn, "padding", padding, 0)

    def _arguments(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        network = network_of(type(self).__name__, x)
        return self.weight.constant(network), None if self.bias is None else self.bias.constant(network)


class Conv2d(_ConvNd):
    """2-D convolution (``torch.nn.Conv2d``, zero padding): ``weight`` is ``(out_channels, in_channels /
    groups, kh, kw)``; ``padding`` is an int, a pair, ``"valid"`` (0) or ``"same"`` (stride 1; the odd
    pixel after, TensorRT's SAME_UPPER, as PyTorch pads). See :func:`td.conv <trtdsl.conv>`.

    >>> import numpy as np, trtdsl as td
    >>> c = td.nn.Conv2d(1, 1, 3, padding="same", bias=False)
    >>> c.weight.assign(np.ones((1, 1, 3, 3), np.float32))
    >>> net = td.Network("c")
    >>> net.output("y", c(net.input("x", td.float32, (1, 1, 3, 3))))
    >>> net.run({"x": np.ones((1, 1, 3, 3), np.float32)})["y"][0, 0]
    array([[4., 6., 4.],
           [6., 9., 6.],
           [4., 6., 4.]], dtype=float32)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True, *,
                 dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         dtype)

    def _padding(self, fn: str, padding: Any) -> Any:
        if isinstance(padding, str) and padding == "valid":
            return (0, 0)
        if isinstance(padding, str) and padding == "same":
            if self.stride != (1, 1):
                raise bad_argument(fn, "padding", padding, "an int or a pair with stride > 1 (PyTorch's rule "
                                                           "for 'same')")
            return padding
        if isinstance(padding, str):
            raise bad_argument(fn, "padding", padding, "an int >= 0, a pair of them, 'valid' or 'same'")
        return super()._padding(fn, padding)

    def forward(self, x: Tensor) -> Tensor:
        w, b = self._arguments(x)
        if self.padding == "same":
            return conv(x, w, b, stride=self.stride, dilation=self.dilation, groups=self.groups,
                        padding_mode="same_upper")
        return conv(x, w, b, stride=self.stride, padding=self.padding, dilation=self.dilation,
                    groups=self.groups)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution (``torch.nn.ConvTranspose2d``): ``weight`` is ``(in_channels,
    out_channels / groups, kh, kw)``; ``padding`` trims each side of the output and ``output_padding``
    (at most ``padding``) gives back that much at the end. See :func:`td.conv_transpose
    <trtdsl.conv_transpose>`.

    >>> import numpy as np, trtdsl as td
    >>> up = td.nn.ConvTranspose2d(1, 1, 2, stride=2, bias=False)
    >>> up.weight.assign(np.ones((1, 1, 2, 2), np.float32))
    >>> net = td.Network("up")
    >>> net.output("y", up(net.input("x", td.float32, (1, 1, 1, 2))))
    >>> net.run({"x": np.float32([[[[1, 2]]]])})["y"][0, 0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]], dtype=float32)
    """

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, *, dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         dtype)
        self.output_padding = int_pair("ConvTranspose2d", "output_padding", output_padding, 0)
        if any(o > p for o, p in zip(self.output_padding, self.padding)):
            raise bad_argument("ConvTranspose2d", "output_padding", output_padding,
                               f"at most padding {self.padding} (TensorRT's deconvolution trims, it cannot "
                               "add)")

    def forward(self, x: Tensor) -> Tensor:
        w, b = self._arguments(x)
        pads = tuple((p, p - o) for p, o in zip(self.padding, self.output_padding))
        return conv_transpose(x, w, b, stride=self.stride, padding=pads, dilation=self.dilation,
                              groups=self.groups)


class BatchNorm2d(Module):
    """Inference batch normalization of ``(N, C, H, W)`` (``torch.nn.BatchNorm2d`` in eval mode): ``(x -
    running_mean) / np.sqrt(running_var + eps) * weight + bias`` per channel, with layers on the four
    constants (so each stays a named, refittable weight; TensorRT folds them when it builds). PyTorch's
    ``num_batches_tracked`` is kept (int64, unused) so its checkpoints load strictly; ``momentum`` is
    accepted and unused (inference only). :meth:`fold_into` folds the batch norm into the convolution
    before it instead.

    >>> import numpy as np, trtdsl as td
    >>> bn = td.nn.BatchNorm2d(2, eps=0.0)
    >>> bn.running_var.assign(np.float32([4, 1]))
    >>> net = td.Network("bn")
    >>> net.output("y", bn(net.input("x", td.float32, (1, 2, 1, 1))))
    >>> net.run({"x": np.float32([6, 6]).reshape(1, 2, 1, 1)})["y"].ravel()
    array([3., 6.], dtype=float32)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, *, dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__()
        self.num_features = positive("BatchNorm2d", "num_features", num_features)
        self.eps = epsilon("BatchNorm2d", eps)
        self.momentum = momentum
        dt = float_dtype("BatchNorm2d", dtype)
        shape = (self.num_features,)
        affine = flag("BatchNorm2d", "affine", affine)
        self.weight = Parameter(shape, dt, fill=1.0) if affine else None
        self.bias = Parameter(shape, dt) if affine else None
        self.running_mean = Parameter(shape, dt)
        self.running_var = Parameter(shape, dt, fill=1.0)
        self.num_batches_tracked = Parameter((), dtypes.int64)

    def forward(self, x: Tensor) -> Tensor:
        network = network_of("BatchNorm2d", x)
        channels = x.shape[1] if x.ndim >= 2 else None
        if x.ndim < 2 or isinstance(channels, int) and channels != self.num_features:
            raise ArgumentError(f"BatchNorm2d: x has shape {x.type.shape_text}; expected {self.num_features} "
                                "channels (dim 1), this module's num_features")
        ones = np.ones(self.num_features, self.running_mean.dtype.numpy)
        scale = ones if self.weight is None else self.weight.constant(network)
        shift = ones * 0 if self.bias is None else self.bias.constant(network)
        return batch_norm(x, self.running_mean.constant(network), self.running_var.constant(network), scale,
                          shift, self.eps, axis=1)

    def fold_into(self, conv: Conv2d | ConvTranspose2d) -> Conv2d | ConvTranspose2d:
        """A new convolution like ``conv`` (same arguments) computing ``conv`` then this batch norm: its
        weights are :func:`td.fold_batch_norm <trtdsl.fold_batch_norm>` of the current values, so the
        network has one convolution layer where it had a convolution and a batch norm.

        >>> import numpy as np, trtdsl as td
        >>> conv, bn = td.nn.Conv2d(1, 2, 1), td.nn.BatchNorm2d(2, eps=0.0)
        >>> conv.weight.assign(np.ones((2, 1, 1, 1), np.float32))
        >>> bn.running_var.assign(np.float32([4, 1]))
        >>> folded = bn.fold_into(conv)
        >>> folded.weight.value.ravel(), folded.bias.value
        (array([0.5, 1. ], dtype=float32), array([0., 0.], dtype=float32))
        """
        if not isinstance(conv, _ConvNd):
            raise bad_argument("BatchNorm2d.fold_into", "conv", conv,
                               "a td.nn.Conv2d or td.nn.ConvTranspose2d")
        if conv.out_channels != self.num_features:
            raise ArgumentError(f"BatchNorm2d.fold_into: conv has {conv.out_channels} output channels; this "
                                f"batch norm normalizes {self.num_features}")
        ones = np.ones(self.num_features)
        w, b = fold_batch_norm(conv.weight.value, None if conv.bias is None else conv.bias.value,
                               self.running_mean.value, self.running_var.value,
                               ones if self.weight is None else self.weight.value,
                               ones * 0 if self.bias is None else self.bias.value, self.eps,
                               transposed=conv.transposed, groups=conv.groups)
        folded: Conv2d | ConvTranspose2d
        if isinstance(conv, ConvTranspose2d):
            folded = ConvTranspose2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                                     conv.padding, conv.output_padding, conv.groups, True, conv.dilation,
                                     dtype=conv.weight.dtype)
        else:
            folded = Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                            conv.dilation, conv.groups, True, dtype=conv.weight.dtype)
        folded.weight.assign(w)
        assert folded.bias is not None, "made with bias=True"
        folded.bias.assign(b.astype(conv.weight.dtype.numpy))
        return folded


def _normalized_shape(fn: str, value: Any) -> tuple[int, ...]:
    shape = _shape(fn, "normalized_shape", value)
    if not shape or 0 in shape:
        raise bad_argument(fn, "normalized_shape", value, "a non-empty shape of ints >= 1")
    return shape


def _trailing(fn: str, x: Tensor, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of ``x`` that ``shape`` names (its trailing dims), after checking they match."""
    trailing = x.shape[-len(shape):] if x.ndim >= len(shape) else ()
    if len(trailing) != len(shape) or any(isinstance(d, int) and d != s for d, s in zip(trailing, shape)):
        raise ArgumentError(f"{fn}: x has shape {x.type.shape_text}; expected its trailing dims to be the "
                            f"normalized_shape {shape}")
    return tuple(range(x.ndim - len(shape), x.ndim))


class LayerNorm(Module):
    """Layer normalization over the trailing ``normalized_shape`` dims (``torch.nn.LayerNorm``): one
    INormalizationLayer, see :func:`td.layer_norm <trtdsl.layer_norm>`.

    >>> import numpy as np, trtdsl as td
    >>> ln = td.nn.LayerNorm(2, eps=0.0)
    >>> net = td.Network("ln")
    >>> net.output("y", ln(net.input("x", td.float32, (1, 2))))
    >>> net.run({"x": np.float32([[1, 3]])})["y"]
    array([[-1.,  1.]], dtype=float32)
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, *, dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__()
        self.normalized_shape = _normalized_shape("LayerNorm", normalized_shape)
        self.eps = epsilon("LayerNorm", eps)
        dt = float_dtype("LayerNorm", dtype)
        affine = flag("LayerNorm", "elementwise_affine", elementwise_affine)
        self.weight = Parameter(self.normalized_shape, dt, fill=1.0) if affine else None
        with_bias = affine and flag("LayerNorm", "bias", bias)
        self.bias = Parameter(self.normalized_shape, dt) if with_bias else None

    def forward(self, x: Tensor) -> Tensor:
        network = network_of("LayerNorm", x)
        axes = _trailing("LayerNorm", x, self.normalized_shape)
        scale = 1.0 if self.weight is None else self.weight.constant(network)
        shift = 0.0 if self.bias is None else self.bias.constant(network)
        return layer_norm(x, scale, shift, axis=axes, eps=self.eps)


class RMSNorm(Module):
    """Root-mean-square normalization over the trailing ``normalized_shape`` dims (``torch.nn.RMSNorm``):
    ``x / np.sqrt(np.mean(x ** 2, axes, keepdims=True) + eps) * weight``; ``eps=None`` is the machine
    epsilon of ``x``'s dtype, as in PyTorch. Layers: ElementWise PROD, Reduce AVG, SUM, Unary SQRT,
    ElementWise DIV and PROD; a 16-bit float ``x`` is normalized in float32 (Casts around those layers,
    as Hugging Face's ``LlamaRMSNorm`` upcasts: ``x * x`` overflows float16 from 256 on) and the weight
    applied in ``x``'s dtype.

    >>> import numpy as np, trtdsl as td
    >>> norm = td.nn.RMSNorm(2, eps=0.0)
    >>> net = td.Network("rms")
    >>> net.output("y", norm(net.input("x", td.float32, (1, 2))))
    >>> net.run({"x": np.float32([[3, 4]])})["y"].round(4)
    array([[0.8485, 1.1314]], dtype=float32)
    """

    def __init__(self, normalized_shape: Any, eps: float | None = None, elementwise_affine: bool = True, *,
                 dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__()
        self.normalized_shape = _normalized_shape("RMSNorm", normalized_shape)
        self.eps = None if eps is None else epsilon("RMSNorm", eps)
        dt = float_dtype("RMSNorm", dtype)
        affine = flag("RMSNorm", "elementwise_affine", elementwise_affine)
        self.weight = Parameter(self.normalized_shape, dt, fill=1.0) if affine else None

    def forward(self, x: Tensor) -> Tensor:
        network = network_of("RMSNorm", x)
        axes = _trailing("RMSNorm", x, self.normalized_shape)
        eps = float(np.finfo(x.dtype.numpy).eps) if self.eps is None else self.eps
        # 16-bit floats are normalized in float32 (Hugging Face's LlamaRMSNorm, ONNX's stash_type 1):
        # in float16, x * x overflows from |x| = 256 on, and the mean of small squares underflows
        wide = x if x.dtype is dtypes.float32 else cast(x, dtypes.float32)
        y = divide(wide, sqrt(mean(wide * wide, axes, keepdims=True) + eps))
        y = y if x.dtype is dtypes.float32 else cast(y, x.dtype)
        return y if self.weight is None else multiply(y, self.weight.constant(network))


class GroupNorm(Module):
    """Group normalization of ``(N, C, ...)`` (``torch.nn.GroupNorm``): one INormalizationLayer, see
    :func:`td.group_norm <trtdsl.group_norm>`; ``weight`` and ``bias`` are ``(C,)``.

    >>> import numpy as np, trtdsl as td
    >>> gn = td.nn.GroupNorm(2, 4, eps=0.0)
    >>> net = td.Network("gn")
    >>> net.output("y", gn(net.input("x", td.float32, (1, 4, 1))))
    >>> net.run({"x": np.float32([1, 3, 10, 30]).reshape(1, 4, 1)})["y"].ravel()
    array([-1.,  1., -1.,  1.], dtype=float32)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True, *,
                 dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__()
        self.num_groups = positive("GroupNorm", "num_groups", num_groups)
        self.num_channels = positive("GroupNorm", "num_channels", num_channels)
        if self.num_channels % self.num_groups:
            raise bad_argument("GroupNorm", "num_groups", num_groups, f"a divisor of num_channels "
                                                                      f"({self.num_channels})")
        self.eps = epsilon("GroupNorm", eps)
        dt = float_dtype("GroupNorm", dtype)
        affine = flag("GroupNorm", "affine", affine)
        self.weight = Parameter((self.num_channels,), dt, fill=1.0) if affine else None
        self.bias = Parameter((self.num_channels,), dt) if affine else None

    def forward(self, x: Tensor) -> Tensor:
        network = network_of("GroupNorm", x)
        ones = np.ones(self.num_channels, np.float32)
        scale = ones if self.weight is None else self.weight.constant(network)
        shift = ones * 0 if self.bias is None else self.bias.constant(network)
        return group_norm(x, self.num_groups, scale, shift, self.eps)


class Embedding(Module):
    """A lookup table (``torch.nn.Embedding``): ``weight[ids]`` for int32 or int64 ``ids`` of any shape,
    one IGatherLayer on axis 0; ``weight`` is ``(num_embeddings, embedding_dim)``.

    >>> import numpy as np, trtdsl as td
    >>> emb = td.nn.Embedding(3, 2)
    >>> emb.weight.assign(np.float32([[0, 0], [1, 1], [2, 4]]))
    >>> net = td.Network("emb")
    >>> net.output("y", emb(net.input("ids", td.int32, (1, 2))))
    >>> net.run({"ids": np.int32([[2, 1]])})["y"]
    array([[[2., 4.],
            [1., 1.]]], dtype=float32)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, *, dtype: DType | str | Any = dtypes.float32
                 ) -> None:
        super().__init__()
        self.num_embeddings = positive("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = positive("Embedding", "embedding_dim", embedding_dim)
        self.weight = Parameter((self.num_embeddings, self.embedding_dim), float_dtype("Embedding", dtype))

    def forward(self, ids: Tensor) -> Tensor:
        network = network_of("Embedding", ids)
        if ids.dtype not in (dtypes.int32, dtypes.int64):
            raise bad_argument("Embedding", "ids", ids, "a Tensor of int32 or int64 indices")
        return gather(self.weight.constant(network), ids, axis=0)


class ModuleList(Module):
    """Modules held in order, named ``"0"``, ``"1"``, ... (``torch.nn.ModuleList``): their parameters are
    the parent's (in its ``state_dict``, named ``layers.0.weight``, ...), where a plain list of modules
    would hide them. Indexable, iterable and grown with :meth:`append`; call its modules, not the list.

    >>> import trtdsl as td
    >>> layers = td.nn.ModuleList(td.nn.Linear(2, 2) for _ in range(3))
    >>> len(layers), layers[-1].weight.name
    (3, '2.weight')
    """

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end, named by its position; returns the list."""
        if not isinstance(module, Module):
            raise bad_argument(type(self).__name__, f"modules[{len(self)}]", module, "a td.nn.Module")
        setattr(self, str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int) -> Module:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
                or not -len(self) <= index < len(self):
            raise bad_argument(type(self).__name__, "index", index, f"an int in [-{len(self)}, {len(self)})")
        return list(self._modules.values())[index]


class Sequential(ModuleList):
    """Modules applied in order, named ``"0"``, ``"1"``, ... (``torch.nn.Sequential``); indexable.

    >>> import trtdsl as td
    >>> model = td.nn.Sequential(td.nn.Linear(2, 3), td.nn.Linear(3, 1))
    >>> len(model), model[1].weight.name
    (2, '1.weight')
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__(modules)

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x
