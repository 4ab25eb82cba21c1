"""The neural-network helpers people otherwise write by hand, built from existing layers: linear,
inference batch norm (and folding it into a convolution's weights), log_softmax, silu, hard_swish, and
the attention-head reshapes split_heads/merge_heads.

None of these is a TensorRT layer kind: each adds ordinary layers, which the IR shows and every backend
handles as those layers.

===========  ========================================================  ======================================
function     NumPy                                                     layers
===========  ========================================================  ======================================
linear       ``x @ w.T + b`` (``w`` is ``(out, in)``, PyTorch's)         MatrixMultiply (TRANSPOSE), ElementWise
batch_norm   ``(x - mean) / np.sqrt(var + eps) * scale + bias``        one Scale (CHANNEL) where it fits, else
                                                                       ElementWise PROD and SUM
log_softmax  ``z - np.log(np.sum(np.exp(z), axis, keepdims=True))``,   Reduce MAX, SUB, Unary EXP, Reduce SUM,
             ``z = x - np.max(x, axis, keepdims=True)``                Unary LOG, SUB
silu         ``x / (1 + np.exp(-x))``                                  Activation SIGMOID, ElementWise PROD
hard_swish   ``x * np.clip(x / 6 + 0.5, 0, 1)``                        Activation HARD_SIGMOID, ElementWise
                                                                       PROD
split_heads  ``x.reshape(*b, s, h, d).swapaxes(-2, -3)``               one Shuffle
merge_heads  ``x.swapaxes(-2, -3).reshape(*b, s, h * d)``              one Shuffle
===========  ========================================================  ======================================

:func:`fold_batch_norm` adds no layer: it returns new NumPy weights for a convolution. GELU and its tanh
approximation are one Activation layer each: ``td.gelu(x, approximate="tanh")``.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("block")
>>> x = net.input("x", td.float32, ("batch", "seq", 4))
>>> w = np.eye(4, dtype=np.float32)
>>> heads = td.split_heads(td.linear(x, w), num_heads=2)
>>> heads.shape
(Dim('batch'), 2, Dim('seq'), 2)
>>> net.output("y", td.merge_heads(td.silu(heads)))
>>> net.run({"x": np.array([[[0, 1, -1, 2]]], np.float32)})["y"].round(4)
array([[[ 0.    ,  0.7311, -0.2689,  1.7616]]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trtdsl import dtypes
from trtdsl.errors import ArgumentError, DTypeError, ShapeError, bad_argument
from trtdsl.ir.dims import combine
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import Weights
from trtdsl.layers._common import (
    array_of, as_array, as_tensor, expect_bool, expect_tensor, finite_float, is_int, ndim_of, normalize_axis,
)
from trtdsl.layers.activation import hard_sigmoid, sigmoid
from trtdsl.layers.elementwise import add, multiply, subtract
from trtdsl.layers.matmul import matmul
from trtdsl.layers.reduce import max as reduce_max
from trtdsl.layers.reduce import sum as reduce_sum
from trtdsl.layers.scale import Scale, ScaleMode, scale_fits
from trtdsl.layers.shuffle import reshape, shuffle
from trtdsl.layers.unary import exp, log, sqrt

__all__ = [
    "batch_norm", "fold_batch_norm", "hard_swish", "linear", "log_softmax", "merge_heads", "silu", "split_heads",
]


def _float_tensor(fn: str, x: Any) -> Tensor:
    """``x`` if it is a Tensor of a float type, else the error naming ``fn``."""
    x = expect_tensor(fn, "x", x)
    if x.dtype not in dtypes.FLOATS:
        raise DTypeError(f"{fn}: argument 'x' has dtype {x.dtype.name}; expected one of "
                         f"{', '.join(d.name for d in dtypes.FLOATS)}")
    return x


def _shape_of(fn: str, arg: str, value: Any) -> tuple:
    """The shape of a Tensor or of the array a number, list or array makes (for messages and checks)."""
    return value.shape if isinstance(value, Tensor) else array_of(fn, arg, value).shape


def _shape_text(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def linear(x: Tensor, w: Any, b: Any = None, *, name: str | None = None) -> Tensor:
    """``x @ w.T + b``: a fully connected layer with PyTorch's weight layout, ``w`` of shape
    ``(out_features, in_features)`` and ``b`` of shape ``(out_features,)`` (``torch.nn.functional.linear``).
    One MatrixMultiply that transposes ``w`` (TensorRT's ``MatrixOperation.TRANSPOSE``, so the IR keeps
    the weights as given), then one ElementWise SUM for the bias. ``w`` and ``b`` are tensors or arrays
    (constants of ``x``'s dtype); ``x`` is ``(..., in_features)`` of a float type.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("linear")
    >>> x = net.input("x", td.float32, ("batch", 3))
    >>> w = np.array([[1, 0, 0], [1, 1, 1]], np.float32)   # 2 outputs, 3 inputs
    >>> net.output("y", td.linear(x, w, np.array([0.5, -1], np.float32)))
    >>> net.run({"x": np.array([[1, 2, 3]], np.float32)})["y"]
    array([[1.5, 5. ]], dtype=float32)
    """
    x = _float_tensor("linear", x)
    if x.ndim == 0:
        raise ShapeError("linear: argument 'x' has shape (); expected rank >= 1, (..., in_features)")
    if ndim_of("linear", "w", w) != 2:
        raise bad_argument("linear", "w", f"<shape {_shape_text(_shape_of('linear', 'w', w))}>",
                           "a 2-D (out_features, in_features) matrix, PyTorch's layout", ShapeError)
    weights = as_tensor("linear", "w", w, x)
    out_features, in_features = weights.shape
    features = x.shape[-1]
    if isinstance(in_features, int) and isinstance(features, int) and in_features != features:
        raise ShapeError(f"linear: argument 'w' has shape {weights.type.shape_text}; expected (out_features, "
                         f"{features}): its dim 1 is x's last dim (x has shape {x.type.shape_text}; PyTorch's "
                         "layout is (out, in))")
    if b is None:
        return matmul(x, weights, transpose_b=True, name=name)
    bias_shape = _shape_of("linear", "b", b)
    if len(bias_shape) != 1 or (isinstance(out_features, int) and isinstance(bias_shape[0], int)
                                and bias_shape[0] != out_features):
        raise bad_argument("linear", "b", f"<shape {_shape_text(bias_shape)}>",
                           f"shape ({out_features},), one value per output feature", ShapeError)
    y = matmul(x, weights, transpose_b=True)
    return add(y, as_tensor("linear", "b", b, x, y.ndim), name=name)


# -- batch norm -----------------------------------------------------------------------------------------

_BN_PARAMS = ("mean", "var", "scale", "bias")


def batch_norm(x: Tensor, mean: Any, var: Any, scale: Any, bias: Any, eps: float = 1e-5, axis: int = 1, *,
               name: str | None = None) -> Tensor:
    """Inference batch normalization: ``(x - mean) / np.sqrt(var + eps) * scale + bias`` per channel, the
    channels along ``axis`` (1: NCHW), with the running statistics ``mean`` and ``var``
    (``torch.nn.functional.batch_norm(..., training=False)``, ONNX BatchNormalization).

    When every parameter is a number or an array, ``s = scale / np.sqrt(var + eps)`` and
    ``t = bias - mean * s`` are computed here (in float64, rounded once to ``x``'s dtype) and the batch
    norm is ``x * s + t``: one Scale layer in CHANNEL mode with ``s`` and ``t`` as its weights, as
    TensorRT's ONNX parser folds BatchNormalization (onnx-tensorrt ``onnxOpImporters.cpp``,
    ``batchnormWeightHelper``), where a Scale layer takes ``x`` (rank >= 4, 2 or 3 dims after ``axis``,
    a static channel dim; see :func:`td.scale <trtdsl.scale>`), else an elementwise pair (ElementWise
    PROD, then SUM) with two constants shaped ``(1, C, 1, ...)``. Parameters given as 1-D tensors are
    combined by layers, as the parser's ``batchnormFallback`` does for inputs that are not weights.
    Variances must be >= 0 and ``var + eps`` > 0.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("bn")
    >>> x = net.input("x", td.float32, ("n", 2, 1, 1))
    >>> y = td.batch_norm(x, mean=[1.0, 0.0], var=[4.0, 1.0], scale=[1.0, 2.0], bias=[0.0, 0.5], eps=0.0)
    >>> net.output("y", y)
    >>> net.run({"x": np.array([3, 3], np.float32).reshape(1, 2, 1, 1)})["y"].ravel()
    array([1. , 6.5], dtype=float32)
    """
    x = _float_tensor("batch_norm", x)
    if x.ndim == 0:
        raise ShapeError("batch_norm: argument 'x' has shape (); expected rank >= 1 (channels along axis)")
    ax = normalize_axis("batch_norm", axis, x.ndim)
    channels = x.shape[ax]
    values = dict(zip(_BN_PARAMS, (mean, var, scale, bias)))
    for arg, value in values.items():
        shape = _shape_of("batch_norm", arg, value) if isinstance(value, Tensor) else np.shape(
            as_array("batch_norm", arg, value, x.dtype))
        if len(shape) != 1 or (isinstance(channels, int) and isinstance(shape[0], int) and shape[0] != channels):
            raise bad_argument("batch_norm", arg, f"<shape {_shape_text(shape)}>",
                               f"shape ({channels},), one value per channel (axis {ax} of x, shape "
                               f"{x.type.shape_text})", ShapeError)
    epsilon = finite_float("batch_norm", "eps", eps)
    if epsilon < 0:
        raise bad_argument("batch_norm", "eps", eps, "a finite float >= 0")
    per_channel = tuple(-1 if a == ax else 1 for a in range(x.ndim))
    if not any(isinstance(v, Tensor) for v in values.values()):
        s, t = _scale_shift("batch_norm", {k: np.asarray(v, np.float64) for k, v in values.items()}, epsilon)
        network = x.network
        if isinstance(channels, int) and scale_fits(x.type, ax):
            shift, factor = (Weights.of(w.astype(x.dtype.numpy)) for w in (t, s))
            return network.add1(Scale(ScaleMode.CHANNEL, shift, factor, None, ax), (x,), name=name)
        s_t = network.constant(s.reshape(per_channel).astype(x.dtype.numpy))
        t_t = network.constant(t.reshape(per_channel).astype(x.dtype.numpy))
        return add(multiply(x, s_t), t_t, name=name)
    m, v, g, b = (as_tensor("batch_norm", k, values[k], x) for k in _BN_PARAMS)
    scaled = g / sqrt(v + epsilon)
    offset = b - m * scaled
    return add(multiply(x, reshape(scaled, per_channel)), reshape(offset, per_channel), name=name)


def _scale_shift(fn: str, params: dict[str, np.ndarray], eps: float) -> tuple[np.ndarray, np.ndarray]:
    """``(scale / sqrt(var + eps), bias - mean * that)`` in float64, after checking the values."""
    for arg, values in params.items():
        if not np.all(np.isfinite(values)):
            raise bad_argument(fn, arg, _short(values), "finite values")
    if np.any(params["var"] < 0):
        raise bad_argument(fn, "var", _short(params["var"]), "variances >= 0")
    denominator = params["var"] + eps
    if np.any(denominator == 0):
        channel = int(np.flatnonzero(denominator == 0)[0])
        raise ArgumentError(f"{fn}: var + eps is 0 at channel {channel}; expected > 0 (give eps > 0)")
    s = params["scale"] / np.sqrt(denominator)
    return s, params["bias"] - params["mean"] * s


def _short(values: np.ndarray) -> Any:
    return values.tolist() if values.size <= 8 else f"<ndarray {values.dtype}{list(values.shape)}>"


def fold_batch_norm(conv_weights: Any, conv_bias: Any, mean: Any, var: Any, scale: Any, bias: Any,
                    eps: float = 1e-5, *, transposed: bool = False, groups: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The weights and bias of a convolution followed by an inference batch norm, folded into one
    convolution: ``(w * s, (b - mean) * s + bias)`` with ``s = scale / np.sqrt(var + eps)`` applied per
    output channel. Returns NumPy arrays of ``conv_weights``' dtype (computed in float64) for
    :func:`td.conv <trtdsl.conv>`; ``conv_bias`` may be None (zeros).

    For ``td.conv`` the kernel is ``(K, C / groups, *k)`` and output channel ``k`` is ``w[k]``. For
    ``td.conv_transpose`` (``transposed=True``) the kernel is ``(C, K / groups, *k)``, so output channel
    ``g * K / groups + j`` is ``w[g * C / groups:(g + 1) * C / groups, j]``: give the same ``groups``.

    >>> import numpy as np, trtdsl as td
    >>> w, b = np.ones((2, 1, 1, 1), np.float32), np.array([1, 2], np.float32)
    >>> w2, b2 = td.fold_batch_norm(w, b, mean=[1, 0], var=[4, 1], scale=[1, 2], bias=[0, 0.5], eps=0.0)
    >>> w2.ravel(), b2
    (array([0.5, 2. ], dtype=float32), array([0. , 4.5], dtype=float32))
    >>> net = td.Network("folded")
    >>> x = net.input("x", td.float32, (1, 1, 1, 1))
    >>> net.output("conv_bn", td.batch_norm(td.conv(x, w, b), [1, 0], [4, 1], [1, 2], [0, 0.5], eps=0.0))
    >>> net.output("folded", td.conv(x, w2, b2))
    >>> out = net.run({"x": np.full((1, 1, 1, 1), 3, np.float32)})
    >>> out["conv_bn"].ravel(), out["folded"].ravel()
    (array([ 1.5, 10.5], dtype=float32), array([ 1.5, 10.5], dtype=float32))
    """
    fn = "fold_batch_norm"
    weights = _numpy_argument(fn, "conv_weights", conv_weights)
    if weights.dtype.kind != "f" and weights.dtype != dtypes.bfloat16.numpy:
        raise bad_argument(fn, "conv_weights", _short(weights), "an array of floats", DTypeError)
    if weights.ndim < 3:
        raise bad_argument(fn, "conv_weights", f"<shape {_shape_text(weights.shape)}>",
                           "a kernel of rank >= 3: (K, C / groups, *kernel), or (C, K / groups, *kernel) when "
                           "transposed", ShapeError)
    transposed = expect_bool(fn, "transposed", transposed)
    if not is_int(groups) or groups < 1:
        raise bad_argument(fn, "groups", groups, "an int >= 1")
    groups = int(groups)
    if transposed and weights.shape[0] % groups:
        raise bad_argument(fn, "groups", groups, f"a divisor of the kernel's dim 0 ({weights.shape[0]}, the input "
                                                 "channels of a transposed convolution)", ShapeError)
    if not transposed and weights.shape[0] % groups:
        raise bad_argument(fn, "groups", groups, f"a divisor of the kernel's dim 0 ({weights.shape[0]}, the output "
                                                 "channels)", ShapeError)
    channels = weights.shape[1] * groups if transposed else weights.shape[0]
    params: dict[str, np.ndarray] = {}
    given = {"conv_bias": np.zeros(channels) if conv_bias is None else conv_bias, "mean": mean, "var": var,
             "scale": scale, "bias": bias}
    for arg, value in given.items():
        array = _numpy_argument(fn, arg, value).astype(np.float64)
        if array.shape != (channels,):
            raise bad_argument(fn, arg, f"<shape {_shape_text(array.shape)}>",
                               f"shape ({channels},), one value per output channel", ShapeError)
        params[arg] = array
    epsilon = finite_float(fn, "eps", eps)
    if epsilon < 0:
        raise bad_argument(fn, "eps", eps, "a finite float >= 0")
    conv_b = params.pop("conv_bias")
    s, t = _scale_shift(fn, params, epsilon)
    wide = weights.astype(np.float64)
    if transposed:
        grouped = wide.reshape(groups, weights.shape[0] // groups, *weights.shape[1:])
        per_channel = s.reshape(groups, 1, weights.shape[1], *(1,) * (weights.ndim - 2))
        folded = (grouped * per_channel).reshape(weights.shape)
    else:
        folded = wide * s.reshape(channels, *(1,) * (weights.ndim - 1))
    return folded.astype(weights.dtype), (conv_b * s + t).astype(weights.dtype)


def _numpy_argument(fn: str, arg: str, value: Any) -> np.ndarray:
    """``value`` as a NumPy array; a Tensor is refused, as folding happens before the network exists."""
    if isinstance(value, Tensor):
        raise bad_argument(fn, arg, value, "a NumPy array or numbers (folding computes new weights before the "
                                           "network is built, so tensors cannot be folded)")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):
        array = np.asarray(None)
    if array.dtype.kind not in "fiub" and array.dtype != dtypes.bfloat16.numpy:
        raise bad_argument(fn, arg, value, "a NumPy array or numbers", DTypeError)
    return array


# -- activations made of two layers ---------------------------------------------------------------------


def log_softmax(x: Tensor, axis: int = -1, *, name: str | None = None) -> Tensor:
    """``z - np.log(np.sum(np.exp(z), axis, keepdims=True))`` with ``z = x - np.max(x, axis, keepdims=True)``
    (``scipy.special.log_softmax``): subtracting the maximum keeps it finite where ``log(softmax(x))``
    would give -inf. Six layers: Reduce MAX, ElementWise SUB, Unary EXP, Reduce SUM, Unary LOG,
    ElementWise SUB. As for :func:`td.softmax <trtdsl.softmax>`, a slice whose maximum is ±inf gives NaN.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("lsm")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.log_softmax(x))
    >>> net.run({"x": np.array([0, 0, 200], np.float32)})["y"]
    array([-200., -200.,    0.], dtype=float32)
    """
    x = _float_tensor("log_softmax", x)
    if x.ndim == 0:
        raise ShapeError("log_softmax: argument 'x' has shape (); expected rank >= 1 (log_softmax needs an axis)")
    ax = normalize_axis("log_softmax", axis, x.ndim)
    z = x - reduce_max(x, ax, keepdims=True)
    return subtract(z, log(reduce_sum(exp(z), ax, keepdims=True)), name=name)


def silu(x: Tensor, *, name: str | None = None) -> Tensor:
    """SiLU (swish): ``x * sigmoid(x)`` = ``x / (1 + np.exp(-x))``, as an Activation SIGMOID and an
    ElementWise PROD.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("silu")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.silu(x))
    >>> net.run({"x": np.array([-1, 0, 2], np.float32)})["y"]
    array([-0.2689414,  0.       ,  1.761594 ], dtype=float32)
    """
    x = _float_tensor("silu", x)
    return multiply(x, sigmoid(x), name=name)


def hard_swish(x: Tensor, *, name: str | None = None) -> Tensor:
    """Hard swish: ``x * np.clip(x / 6 + 0.5, 0, 1)`` = ``x * relu6(x + 3) / 6`` (``torch.nn.functional.
    hardswish``, ONNX HardSwish), as an Activation HARD_SIGMOID (alpha 1/6, beta 0.5) and an ElementWise
    PROD.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("hswish")
    >>> x = net.input("x", td.float32, (4,))
    >>> net.output("y", td.hard_swish(x))
    >>> net.run({"x": np.array([-4, -1, 1, 4], np.float32)})["y"]
    array([-0.       , -0.3333333,  0.6666667,  4.       ], dtype=float32)
    """
    x = _float_tensor("hard_swish", x)
    return multiply(x, hard_sigmoid(x, 1.0 / 6.0, 0.5), name=name)


# -- attention heads ------------------------------------------------------------------------------------


def split_heads(x: Tensor, num_heads: int, *, name: str | None = None) -> Tensor:
    """``(..., seq, heads * head_dim) -> (..., heads, seq, head_dim)``:
    ``x.reshape(*x.shape[:-1], heads, -1).swapaxes(-2, -3)``, as one Shuffle (a reshape with TensorRT's 0
    placeholders for the leading dims, then a transpose), so dynamic batch and sequence dims need no
    shape tensor (a dynamic last dim does). The last dim must be divisible by ``num_heads`` (checked when
    it is static).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("heads")
    >>> x = net.input("x", td.float32, ("batch", "seq", 6))
    >>> q = td.split_heads(x, 3)
    >>> q.shape
    (Dim('batch'), 3, Dim('seq'), 2)
    >>> net.output("q", q)
    >>> net.run({"x": np.arange(12, dtype=np.float32).reshape(1, 2, 6)})["q"][0, 1]   # head 1
    array([[2., 3.],
           [8., 9.]], dtype=float32)
    """
    x = expect_tensor("split_heads", "x", x)
    if x.ndim < 2:
        raise ShapeError(f"split_heads: argument 'x' has shape {x.type.shape_text}; expected rank >= 2, "
                         "(..., seq, heads * head_dim)")
    if not is_int(num_heads) or num_heads < 1:
        raise bad_argument("split_heads", "num_heads", num_heads, "an int >= 1")
    heads = int(num_heads)
    last = x.shape[-1]
    if isinstance(last, int) and last % heads:
        raise ShapeError(f"split_heads: the last dim of x (shape {x.type.shape_text}) is {last}, which "
                         f"num_heads={heads} does not divide")
    rank = x.ndim
    order = tuple(range(rank - 2)) + (rank - 1, rank - 2, rank)
    # an explicit head_dim, not -1, which TensorRT cannot infer when another dim is 0
    head_dim = combine("//", last, heads)
    return shuffle(x, reshape=(0,) * (rank - 1) + (heads, head_dim), second_transpose=order, name=name)


def merge_heads(x: Tensor, *, name: str | None = None) -> Tensor:
    """``(..., heads, seq, head_dim) -> (..., seq, heads * head_dim)``, the inverse of :func:`split_heads`:
    ``x.swapaxes(-2, -3).reshape(*x.shape[:-3], seq, -1)``, as one Shuffle (a transpose, then a reshape
    with TensorRT's 0 placeholders for the leading dims).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("heads")
    >>> x = net.input("x", td.float32, ("batch", 2, "seq", 3))
    >>> y = td.merge_heads(x)
    >>> y.shape
    (Dim('batch'), Dim('seq'), 6)
    >>> net.output("y", y)
    >>> net.run({"x": np.arange(12, dtype=np.float32).reshape(1, 2, 2, 3)})["y"]
    array([[[ 0.,  1.,  2.,  6.,  7.,  8.],
            [ 3.,  4.,  5.,  9., 10., 11.]]], dtype=float32)
    """
    x = expect_tensor("merge_heads", "x", x)
    if x.ndim < 3:
        raise ShapeError(f"merge_heads: argument 'x' has shape {x.type.shape_text}; expected rank >= 3, "
                         "(..., heads, seq, head_dim)")
    rank = x.ndim
    merged = combine("*", x.shape[-3], x.shape[-1])
    order = tuple(range(rank - 3)) + (rank - 2, rank - 3, rank - 1)
    return shuffle(x, first_transpose=order, reshape=(0,) * (rank - 2) + (merged,), name=name)
