"""INormalizationLayer (``addNormalizationV2``): layer, instance and group normalization.

``Y = (X - mean) / np.sqrt(var + eps) * scale + bias`` with ``mean = X.mean(axes, keepdims=True)`` and the
biased variance ``var = ((X - mean) ** 2).mean(axes, keepdims=True)``. ``scale`` and ``bias`` have the same
shape, the same rank as ``X``, and broadcast to it one way (each dim 1 or equal to ``X``'s).

With ``num_groups = G != 1`` (group normalization) dim 1 holds C channels split into G groups of C/G, the
statistics are taken over each group's channels and all dims after dim 1 (which ``axes`` must be exactly),
and ``scale``/``bias`` are per channel, ``[1, C, 1, ...]``, as ``addNormalizationV2`` expects (the older
``addNormalization`` took them per group). Float types only; the statistics of 16-bit inputs are computed
in float32, which the TensorRT lowering makes true by casting such inputs to float32 around the layer (a
strongly typed network normalizes in its input's type: NvInfer.h 10.16, ``setComputePrecision``).

The mean is computed in two passes, ``m = x.sum(axes) / n; m += (x - m).sum(axes) / n`` (the corrected
two-pass mean), so that it is exact where ``x`` is constant along ``axes`` and the output there is exactly
``bias``: with a rounded mean, ``(x - m) / sqrt(eps)`` would turn one rounding step of ``x`` into an error of
about 1e-4 of ``|x|``. How TensorRT's kernels sum is UNCONFIRMED (not documented; a TensorRT engine run on a
constant input would settle whether it gives exactly ``bias`` too).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("ln")
>>> x = net.input("x", td.float32, (2, 4))
>>> net.output("y", td.layer_norm(x, np.ones(4), np.zeros(4), eps=0.0))
>>> net.run({"x": np.array([[1, 2, 3, 4], [5, 5, 7, 7]], np.float32)})["y"].round(4)
array([[-1.3416, -0.4472,  0.4472,  1.3416],
       [-1.    , -1.    ,  1.    ,  1.    ]], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import Dim, DimLike, int_tuple, is_static, static_shape
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    SHORT_ROWS, as_array, blocks, broadcast_dim, broadcasts_to, expect_tensor, finite_float, in_float,
    normalize_axes, row_sums,
)
from trtdsl.layers.reduce import check_axes
from trtdsl.layers.squeeze import unsqueeze

__all__ = ["Normalization", "group_norm", "instance_norm", "layer_norm", "normalization"]


@attrs.frozen
class Normalization(Op):
    """``(x - mean) / sqrt(var + epsilon) * scale + bias`` over ``axes`` (per group when
    ``num_groups != 1``)."""

    kind = "Normalization"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.layer_norm`, `td.instance_norm`, `td.group_norm`, `td.normalization`",
        "`INormalizationLayer` (`addNormalizationV2`)",
        "`(x - mean) / sqrt(var + eps) * scale + bias` with the biased variance; scale and bias have the "
        "input's rank (per channel `[1, C, 1, ...]` for group norm, as `addNormalizationV2` expects); "
        "statistics of 16-bit inputs in float32 (the TensorRT lowering casts such inputs to float32 "
        "around the layer); floats only.",
        "NvInfer.h `INormalizationLayer`, `addNormalizationV2`, `setComputePrecision` (10.16)",
    )
    input_names = ("x", "scale", "bias")
    input_dtypes = {"x": dtypes.FLOATS}
    axes: tuple[int, ...] = attrs.field(converter=int_tuple)
    epsilon: float = 1e-5
    num_groups: int = attrs.field(default=1, metadata=ir(unless_default=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        x, scale, bias = inputs
        label = self.label()
        for arg, ty in (("scale", scale), ("bias", bias)):
            if ty.dtype != x.dtype:
                raise DTypeError(f"{label}: input '{arg}' has dtype {ty.dtype.name} but x has "
                                 f"{x.dtype.name}; TensorRT networks are strongly typed, so they must be the "
                                 "same")
        if scale.shape != bias.shape:
            raise ShapeError(f"{label}: scale {scale.shape_text} and bias {bias.shape_text} must have the "
                             "same shape")
        if scale.rank != x.rank or not all(broadcasts_to(s, d) for s, d in zip(scale.shape, x.shape)):
            raise ShapeError(f"{label}: scale and bias have shape {scale.shape_text}; expected rank {x.rank} "
                             f"with each dim 1 or equal to that of x {x.shape_text}")
        if not isinstance(self.epsilon, float) or finite_float(label, "epsilon", self.epsilon,
                                                                "a finite float >= 0") < 0:
            raise bad_argument(label, "epsilon", self.epsilon, "a finite float >= 0")
        check_axes(label, self.axes, x.rank)
        if isinstance(self.num_groups, bool) or not isinstance(self.num_groups, int) or self.num_groups < 1:
            raise bad_argument(label, "num_groups", self.num_groups, "an int >= 1")
        if self.num_groups != 1:
            spatial = tuple(range(2, x.rank))
            if self.axes != spatial:
                raise bad_argument(label, "axes", self.axes, f"{spatial}, every dim after the channel dim 1, "
                                   "when num_groups is not 1", ShapeError)
            channels = x.shape[1]
            if isinstance(channels, int) and channels % self.num_groups:
                raise bad_argument(label, "num_groups", self.num_groups, f"a divisor of the {channels} "
                                   f"channels (dim 1 of x {x.shape_text})", ShapeError)
        return (x,)

    def reference(self, x: np.ndarray, scale: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, ...]:
        return (in_float(self._normalize, x.dtype, x, scale, bias),)

    def _normalize(self, x: np.ndarray, scale: np.ndarray, bias: np.ndarray) -> np.ndarray:
        shape, axes, groups = x.shape, self.axes, self.num_groups
        if groups != 1:
            if shape[1] % groups:
                raise ExecutionError(f"{self.label()}: num_groups={groups} does not divide the {shape[1]} "
                                     f"channels of x (shape {shape})")
            x = _grouped(x, groups)
            axes = tuple(range(2, x.ndim))
        # An empty reduction only happens when x itself is empty, so the count's value does not matter then.
        count = max(math.prod(x.shape[a] for a in axes), 1)
        if axes == tuple(range(x.ndim - len(axes), x.ndim)):
            operands = (scale, bias) if groups == 1 else (_grouped(scale, groups), _grouped(bias, groups))
            affine = _per_row(*operands, x.shape, x.ndim - len(axes))
            y = _trailing(x.reshape(-1, count), self.epsilon, affine).reshape(shape)
            if affine is not None:
                return y
        else:
            mean = np.add.reduce(x, axis=axes, keepdims=True) / count
            # The second pass takes the sum's rounding error out of the mean (x - mean is exact near the
            # mean). Left in, a constant x would give (x - mean) / sqrt(eps), up to ~1e-4 * |x|, instead of 0.
            mean += np.add.reduce(x - mean, axis=axes, keepdims=True) / count
            y = x - mean
            variance = np.add.reduce(y * y, axis=axes, keepdims=True) / count
            y /= np.sqrt(variance + np.float32(self.epsilon))
        y = y.reshape(shape)
        y *= scale
        y += bias
        return y


def _grouped(a: np.ndarray, groups: int) -> np.ndarray:
    """``a`` (``x``, or a ``scale`` or ``bias`` broadcasting to it) with dim 1 split into ``groups`` groups of
    its channels (a dim of 1 into 1 and 1)."""
    split = (groups, a.shape[1] // groups) if a.shape[1] != 1 else (1, 1)
    return a.reshape(a.shape[:1] + split + a.shape[2:])


def _per_row(scale: np.ndarray, bias: np.ndarray, shape: tuple[int, ...],
             leading: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``scale`` and ``bias`` (of one shape, broadcasting to an ``x`` of ``shape``) in the form that
    :func:`_trailing` applies to the rows of ``x.reshape(rows, -1)``, ``rows = prod(shape[:leading])``,
    each row viewed as ``(a, b)``: ``(1, a * b)``, a whole row, where they are the same for every row
    (layer norm); ``(rows, a, 1)`` where they vary from row to row but are constant along the last dims of
    ``shape`` (``b`` values; per row for instance norm, ``a = 1``; per channel for group norm, ``a``
    channels a group); else None, and None for an empty ``x``. Either form is a small array, where
    broadcasting them to ``x`` after :func:`_trailing` took two more passes over it (on (8, 64, 56, 56)
    float32, 0.7 ms of 2.6 ms). Rows the same for every row stay whole even where they vary per channel
    only: their products run along whole rows (per channel, along ``b`` values at a time: on
    (2048, 256, 2), 4.0 ms against 1.8 ms)."""
    varying = [i for i, d in enumerate(scale.shape) if d != 1]
    split = max(max(varying, default=0) + 1, leading)
    per_row = bool(varying) and varying[0] < leading
    if math.prod(shape) == 0 or (per_row and split == len(shape)):
        return None
    if not per_row:
        row = (1,) * leading + shape[leading:]
        return np.broadcast_to(scale, row).reshape(1, -1), np.broadcast_to(bias, row).reshape(1, -1)
    form = (math.prod(shape[:leading]), math.prod(shape[leading:split]), 1)
    ends = tuple(d if i < split else 1 for i, d in enumerate(shape))
    return np.broadcast_to(scale, ends).reshape(form), np.broadcast_to(bias, ends).reshape(form)


def _trailing(x: np.ndarray, epsilon: float, affine: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """``(x - m) / np.sqrt(v + eps)`` over the rows of a matrix (the statistics' axes are the trailing
    ones), then ``* scale + bias`` where ``affine`` gives them (in :func:`_per_row`'s form). The same
    two-pass mean and biased variance as the general case, with the row sums of :func:`row_sums` (whose
    rounding the mean's second pass takes out, as it does there) and, for rows of up to 4096, the sums of
    squares as ``np.einsum`` (one pass, no temporary; as accurate as pairwise summation there). On (1024, 256)
    float32 this is about 1.6x faster than the general case. The rows go in blocks of about ``CACHED``
    values, each block's passes reading what the previous one left in cache (on (4096, 256), 1.70 ms
    against 1.94 ms at once); each row's values are the same however the rows are blocked."""
    count = x.shape[1]
    n, eps = x.dtype.type(count), x.dtype.type(epsilon)
    out = np.empty_like(x)
    for these in blocks(*x.shape):
        rows = x[these]
        mean = row_sums(rows)
        mean /= n
        y = np.subtract(rows, mean[:, None], out=out[these])
        correction = row_sums(y)
        correction /= n
        mean += correction
        np.subtract(rows, mean[:, None], out=y)
        variance = np.einsum("ij,ij->i", y, y) if count <= SHORT_ROWS else np.add.reduce(y * y, axis=1)
        variance /= n
        variance += eps
        y /= np.sqrt(variance, out=variance)[:, None]
        if affine is not None:
            scale, bias = affine
            if scale.ndim == 3:  # per row: (rows, a, 1), this block's rows
                scale, bias = scale[these], bias[these]
                y = y.reshape(len(y), scale.shape[1], -1)
            y *= scale
            y += bias
    return out


def normalization(x: Tensor, scale: Any, bias: Any, axes: int | tuple[int, ...], eps: float = 1e-5,
                  num_groups: int = 1, *, name: str | None = None) -> Tensor:
    """``(x - m) / np.sqrt(v + eps) * scale + bias`` with ``m = x.mean(axes, keepdims=True)`` and
    ``v = ((x - m) ** 2).mean(axes, keepdims=True)``, as one INormalizationLayer (see the module for
    ``num_groups``). ``scale`` and ``bias`` are tensors or arrays that broadcast to ``x`` as in NumPy; lower
    ranks get leading 1s (arrays become constants of ``x``'s dtype), and where their shapes differ they are
    broadcast to one (TensorRT's layer takes them of one shape).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("n")
    >>> x = net.input("x", td.float32, (2, 2))
    >>> net.output("y", td.normalization(x, 2.0, 1.0, axes=0, eps=0.0))   # per column
    >>> net.run({"x": np.array([[1, 10], [3, 30]], np.float32)})["y"]
    array([[-1., -1.],
           [ 3.,  3.]], dtype=float32)
    """
    x = expect_tensor("normalization", "x", x)
    return _add(x, *_scale_and_bias("normalization", scale, bias, x),
                normalize_axes("normalization", axes, x.ndim, "axes"), "normalization", eps, num_groups, name)


def layer_norm(x: Tensor, scale: Any, bias: Any, axis: int | tuple[int, ...] = -1, eps: float = 1e-5, *,
               name: str | None = None) -> Tensor:
    """Layer normalization over the trailing dims ``axis`` (an int or a tuple ending at the last dim):
    ``(x - m) / np.sqrt(v + eps) * scale + bias`` with the mean ``m`` and biased variance ``v`` over
    ``axis``. ``scale`` and ``bias`` broadcast as in NumPy (typically shaped like the normalized dims).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("ln")
    >>> x = net.input("x", td.float32, (1, 2, 2))
    >>> net.output("y", td.layer_norm(x, np.array([1.0, 2.0]), np.array([0.0, 0.5]), axis=(1, 2), eps=0.0))
    >>> net.run({"x": np.array([[[1, 1], [3, 3]]], np.float32)})["y"]
    array([[[-1. , -1.5],
            [ 1. ,  2.5]]], dtype=float32)
    """
    x = expect_tensor("layer_norm", "x", x)
    axes = normalize_axes("layer_norm", axis, x.ndim)
    if axes != tuple(range(x.ndim - len(axes), x.ndim)):
        raise bad_argument("layer_norm", "axis", axis, f"trailing dims of the rank-{x.ndim} input, such as "
                           "-1 or (-2, -1)")
    return _add(x, *_scale_and_bias("layer_norm", scale, bias, x), axes, "layer_norm", eps, 1, name)


def _scale_and_bias(fn: str, scale: Any, bias: Any, x: Tensor) -> tuple[Tensor, Tensor]:
    """``scale`` and ``bias`` (tensors, or arrays made constants of ``x``'s dtype) with NumPy's leading 1s
    up to ``x``'s rank and broadcast to one shape, as TensorRT's layer takes them."""
    scale_v, bias_v = (_padded(fn, arg, v, x) for arg, v in (("scale", scale), ("bias", bias)))
    shapes = [TensorType(x.dtype, v.shape) if isinstance(v, np.ndarray) else v.type
              for v in (scale_v, bias_v)]
    both = tuple(broadcast_dim(fn, a, b, shapes) for a, b in zip(shapes[0].shape, shapes[1].shape))
    scale_t, bias_t = (_broadcast_to(v, both, x) for v in (scale_v, bias_v))
    return scale_t, bias_t


def _padded(fn: str, arg: str, value: Any, x: Tensor) -> Tensor | np.ndarray:
    """``value`` (a Tensor, or an array of ``x``'s dtype) with NumPy's leading 1s up to ``x``'s rank."""
    if isinstance(value, Tensor):
        shape = value.type.shape_text
        if value.ndim <= x.ndim:
            return value if value.ndim == x.ndim else unsqueeze(value, tuple(range(x.ndim - value.ndim)))
    else:
        array = as_array(fn, arg, value, x.dtype)
        shape = str(array.shape)
        if array.ndim <= x.ndim:
            return array.reshape((1,) * (x.ndim - array.ndim) + array.shape)
    raise ShapeError(f"{fn}: argument '{arg}' has shape {shape}, of higher rank than x {x.type.shape_text}")


def _broadcast_to(value: Tensor | np.ndarray, shape: tuple[DimLike, ...], x: Tensor) -> Tensor:
    """``value`` broadcast to ``shape`` as a tensor of ``x``'s network: an array's values broadcast into a
    constant where ``shape`` is static, anything else by a Slice (:func:`~trtdsl.layers.fill.broadcast_to`)
    where its shape differs."""
    if isinstance(value, np.ndarray):
        if value.shape == shape or not is_static(shape):
            value = x.network.constant(value)
        else:
            return x.network.constant(np.broadcast_to(value, static_shape(shape)))
    if value.shape == shape:
        return value
    from trtdsl.layers.fill import broadcast_to

    return broadcast_to(value, shape)


def instance_norm(x: Tensor, scale: Any, bias: Any, eps: float = 1e-5, *, name: str | None = None) -> Tensor:
    """Instance normalization of an ``[N, C, ...]`` tensor: the mean and biased variance over every dim
    after C, then ``* scale + bias`` per channel (shape ``(C,)``, or ``[1, C, 1, ...]``).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("in")
    >>> x = net.input("x", td.float32, (1, 2, 2))
    >>> net.output("y", td.instance_norm(x, np.array([1.0, 3.0]), np.array([0.0, 1.0]), eps=0.0))
    >>> net.run({"x": np.array([[[0, 2], [5, 7]]], np.float32)})["y"]
    array([[[-1.,  1.],
            [-2.,  4.]]], dtype=float32)
    """
    x = _channels_first("instance_norm", x)
    return _add(x, _per_channel("instance_norm", "scale", scale, x),
                _per_channel("instance_norm", "bias", bias, x),
                tuple(range(2, x.ndim)), "instance_norm", eps, 1, name)


def group_norm(x: Tensor, num_groups: int, scale: Any, bias: Any, eps: float = 1e-5, *,
               name: str | None = None) -> Tensor:
    """Group normalization of an ``[N, C, ...]`` tensor: the C channels form ``num_groups`` groups; each
    group of each sample is normalized by its mean and biased variance, then ``* scale + bias`` per channel
    (shape ``(C,)``, or ``[1, C, 1, ...]``). In NumPy:
    ``g = x.reshape(N, G, C // G, -1)``, ``y = ((g - g.mean((2, 3), keepdims=True)) / np.sqrt(g.var((2, 3),
    keepdims=True) + eps)).reshape(x.shape) * scale + bias``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("gn")
    >>> x = net.input("x", td.float32, (1, 4, 1))
    >>> net.output("y", td.group_norm(x, 2, np.ones(4), np.zeros(4), eps=0.0))
    >>> net.run({"x": np.array([[[1], [3], [10], [30]]], np.float32)})["y"][0, :, 0]
    array([-1.,  1., -1.,  1.], dtype=float32)
    """
    x = _channels_first("group_norm", x)
    # TensorRT's grouped form reduces over the spatial dims; one group is plain normalization over C and them.
    first = 1 if isinstance(num_groups, (int, np.integer)) and num_groups == 1 else 2
    return _add(x, _per_channel("group_norm", "scale", scale, x), _per_channel("group_norm", "bias", bias, x),
                tuple(range(first, x.ndim)), "group_norm", eps, num_groups, name)


def _add(x: Tensor, scale: Tensor, bias: Tensor, axes: tuple[int, ...], fn: str, eps: Any, num_groups: Any,
         name: str | None) -> Tensor:
    epsilon = finite_float(fn, "eps", eps, "a finite float >= 0")
    if isinstance(num_groups, np.integer):
        num_groups = int(num_groups)
    return x.network.add1(Normalization(axes, epsilon, num_groups), (x, scale, bias), name=name)


def _channels_first(fn: str, x: Any) -> Tensor:
    x = expect_tensor(fn, "x", x)
    if x.ndim < 3:
        raise ShapeError(f"{fn}: argument 'x' has shape {x.type.shape_text}; expected rank >= 3 ([N, C, ...] "
                         "with at least one dim after C)")
    return x


def _per_channel(fn: str, arg: str, value: Any, x: Tensor) -> Tensor:
    """``value`` of shape ``(C,)`` as ``[1, C, 1, ...]``; one of ``x``'s rank as it is."""
    spatial = tuple(range(2, x.ndim))
    if isinstance(value, Tensor):
        if value.ndim == 1:
            return unsqueeze(value, (0,) + spatial)
        if value.ndim == x.ndim:
            return value
        shape = value.type.shape_text
    else:
        array = as_array(fn, arg, value, x.dtype)
        if array.ndim == 0:
            array = array.reshape(1)
        if array.ndim == 1:
            return x.network.constant(array.reshape((1, array.shape[0]) + (1,) * len(spatial)))
        if array.ndim == x.ndim:
            return x.network.constant(array)
        shape = str(array.shape)
    raise ShapeError(f"{fn}: argument '{arg}' has shape {shape}; expected one value per channel, shape (C,), "
                     f"or the rank of x {x.type.shape_text}")
