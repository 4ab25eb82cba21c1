"""A hypothesis strategy that draws whole networks, valid by construction, for differential tests (this
module imports hypothesis).

``networks()`` draws inputs (float and int tensors, static sizes and named dynamic dims with an optimization
profile), then a chain of layers, each on tensors drawn earlier: elementwise and unary ops, activations
(every ActivationType), comparisons and selects, matrix multiplies, reductions, softmax, transposes,
reshapes, shuffles, concatenations, slices, gathers, scatters, casts, identities, cumulative sums, paddings,
2-D convolutions and deconvolutions, max and average pooling, top-k values, layer norms, sequence reversals,
einsums, LINSPACE fills, resizes (nearest and linear), one-hots, attentions, rotary embeddings, KV-cache
updates, grid samples (linear and cubic), Q/DQ pairs, loops (``td.scan``) and conditionals (``td.cond``)
holding layers of their own (nested up to ``max_depth``), and the user's plugins. Every layer is chosen
among those valid on its operand, so no draw is rejected. Shrinking removes layers, lowers ranks and sizes,
and moves toward the simplest ops (``ops`` lists them simplest first).

Each drawn :class:`DrawnNetwork` comes with ``inputs``, a strategy of its feeds (see
:func:`trtdsl.testing.strategies.inputs`) that leaves out what TensorRT leaves undefined: the layers
keep values where two implementations must agree exactly -- integer results stay far from overflow,
a comparison, floor, cast to int or quantization sees only values computed by correctly rounded IEEE
operations (never after a sum of many terms or a transcendental function, whose last bit may differ),
gather indices are in range, and no input is NaN or infinite unless ``allow_nan`` / ``allow_inf``.
Float values that went through inexact layers stay small, so ``rtol``/``atol`` of 1e-4 compare them.
Activations, convolutions, pooling, layer norms, einsums, resizes, attentions and grid samples are drawn on
float32 tensors only (onnxruntime's CPU kernels of most of them take no float16); convolutions, pooling and
attentions on tensors of rank 2 to 4, seen as ``(1, C, H, W)``. Kinds the reference runs that no rule draws
yet: scatter_nd, non-zero, NMS, LRN, PReLU, scale, instance and group norms, arg-max/min and top-k indices
(tie-dependent), NEAREST grid samples (their rounding meets ties), ragged softmax, MoE and the collectives.

>>> import trtdsl as td
>>> from hypothesis import given, settings, strategies as st
>>> from trtdsl.testing import assert_networks_close
>>> from trtdsl.testing.networks import networks
>>> @settings(max_examples=10, deadline=None)
... @given(networks(max_layers=4), st.data())
... def test_reference_is_deterministic(case, data):
...     feeds = data.draw(case.inputs)
...     assert_networks_close(case.network, feeds, backends=("reference", "reference"))
>>> test_reference_is_deterministic()
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Sequence, TypeGuard

import attrs
import numpy as np
from hypothesis import strategies as st

from trtdsl import dtypes as td_dtypes
from trtdsl.conditionals import cond
from trtdsl.dtypes import DType
from trtdsl.errors import bad_argument
from trtdsl.ir.network import Network
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.activation import (
    clip, elu, gelu, hard_sigmoid, leaky_relu, relu, scaled_tanh, selu, sigmoid, softplus, softsign, tanh,
    thresholded_relu,
)
from trtdsl.layers.attention import attention
from trtdsl.layers.cast import cast, identity
from trtdsl.layers.concat import concatenate
from trtdsl.layers.convolution import conv, conv_transpose
from trtdsl.layers.cumulative import cumsum
from trtdsl.layers.einsum import einsum
from trtdsl.layers.elementwise import equal, greater, less, maximum, minimum
from trtdsl.layers.fill import fill
from trtdsl.layers.gather import take
from trtdsl.layers.grid_sample import grid_sample
from trtdsl.layers.kv_cache_update import kv_cache_update
from trtdsl.layers.matmul import matmul
from trtdsl.layers.normalization import layer_norm
from trtdsl.layers.one_hot import one_hot
from trtdsl.layers.padding import PADDING_DTYPES, pad, padding_nd
from trtdsl.layers.pooling import avg_pool, max_pool
from trtdsl.layers.quantize import dequantize, quantize
from trtdsl.layers.reduce import max as reduce_max, mean as reduce_mean, min as reduce_min, sum as reduce_sum
from trtdsl.layers.resize import resize
from trtdsl.layers.reverse_sequence import reverse_sequence
from trtdsl.layers.rotary_embedding import rotary_embedding
from trtdsl.layers.scatter import scatter_elements
from trtdsl.layers.select import where
from trtdsl.layers.shuffle import reshape, shuffle, transpose
from trtdsl.layers.softmax import softmax
from trtdsl.layers.squeeze import squeeze, unsqueeze
from trtdsl.layers.topk import topk
from trtdsl.layers.unary import cos, exp, floor, sin
from trtdsl.loops import scan
from trtdsl.testing.strategies import inputs as input_strategy

# The largest magnitude a value may reach: integers stay far from int32 overflow; floats computed
# inexactly stay small enough that an absolute tolerance of 1e-4 covers their rounding.
_INT_LIMIT = 2**24
_EXACT_FLOAT_LIMIT = 1e6
_INEXACT_FLOAT_LIMIT = 64.0
_INPUT_RANGES = {"float": (-4.0, 4.0), "int": (-50, 50)}
_DTYPES = ("float32", "float16", "int32", "int64")
# What drawn networks are compared with: float32 within 1e-4 (16-bit floats keep their defaults).
RTOL = ATOL = {"float32": 1e-4}


@attrs.frozen(eq=False, repr=False)
class DrawnNetwork:
    """A drawn network and the strategy of its inputs. Its repr is the network as trtdsl code
    (``network.to_python()``), which is what hypothesis shows for a failing example."""

    network: Network
    inputs: st.SearchStrategy[dict[str, np.ndarray]]

    def __repr__(self) -> str:
        return self.network.to_python()


@attrs.define(eq=False)
class _Value:
    """A tensor of the network being drawn: whether two IEEE implementations give it bit for bit (every
    layer on its way rounds correctly: no sum of many terms, no transcendental function), and a bound of
    its magnitude."""

    tensor: Tensor
    exact: bool
    bound: float

    @property
    def dtype(self) -> DType:
        return self.tensor.dtype

    @property
    def is_float(self) -> bool:
        return self.tensor.dtype.category == "float"

    def fits(self, bound: float, exact: bool | None = None) -> bool:
        """Whether a result of magnitude ``bound`` computed from this value stays within the limits."""
        exact = self.exact if exact is None else exact
        if not self.is_float:
            return bound <= _INT_LIMIT
        return bound <= (_EXACT_FLOAT_LIMIT if exact else _INEXACT_FLOAT_LIMIT)


class _Drawer:
    def __init__(self, draw: Any, options: _Options, network: Network) -> None:
        self.draw = draw
        self.options = options
        self.net = network
        self.names = itertools.count()

    def integer(self, low: int, high: int) -> int:
        return int(self.draw(st.integers(low, high)))

    def pick(self, items: Sequence[Any]) -> Any:
        return items[self.integer(0, len(items) - 1)]

    def layers(self, pool: list[_Value], count: int, depth: int, keep: _Value | None = None) -> list[_Value]:
        """``count`` layers, each on values of ``pool`` (which grows); with ``keep``, only layers whose
        result has ``keep``'s dtype and shape (a loop body's or branch's chain)."""
        made: list[_Value] = []
        for _ in range(count):
            candidates = [v for v in pool if not v.dtype.is_bool]
            if keep is not None:
                candidates = [v for v in candidates if _same_type(v.tensor, keep.tensor)]
            x = self.pick(candidates)
            rules = [r for r in self.options.rules if r.applies(self, x, depth, keep is not None)]
            rule = self.pick(rules)
            result = rule.build(self, x, pool, depth)
            pool.append(result)
            made.append(result)
        return made

    def constant(self, values: np.ndarray, like: _Value) -> _Value:
        array = values.astype(like.dtype.numpy)
        return _Value(self.net.constant(array), True, float(np.max(np.abs(values), initial=0)))

    def partner(self, x: _Value, pool: list[_Value], low: float, high: float) -> _Value:
        """Another value of ``x``'s type from the pool (x itself at least), or a constant that broadcasts."""
        same = [v for v in pool if _same_type(v.tensor, x.tensor)]
        if self.draw(st.booleans()):
            return self.pick(same)
        shape = tuple(1 for _ in x.tensor.shape)
        values = np.array(self.draw(st.lists(st.integers(int(low), int(high)), min_size=1, max_size=1)))
        return self.constant(values.reshape(shape), x)


def _same_type(a: Tensor, b: Tensor) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape


def _static(d: Any) -> TypeGuard[int]:
    return isinstance(d, int)


def _size(d: Any) -> int:
    """A dim that the rule's ``applies`` found static."""
    assert _static(d), "the rule applies to static dims only"
    return d


@attrs.frozen
class _Rule:
    """One kind of layer: ``applies(drawer, x, depth, keep_shape)`` and ``build(drawer, x, pool, depth)``."""

    name: str
    applies: Callable[[_Drawer, _Value, int, bool], bool]
    build: Callable[[_Drawer, _Value, list[_Value], int], _Value]


# -- the rules, simplest first -------------------------------------------------------------------------
def _always(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return True


def _unary(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    if not x.is_float:
        return _Value(-x.tensor if d.draw(st.booleans()) else abs(x.tensor), x.exact, x.bound)
    choices: list[tuple[Callable[[Tensor], Tensor], bool, float]] = [
        (relu, x.exact, x.bound), (lambda t: -t, x.exact, x.bound), (abs, x.exact, x.bound),
        (tanh, False, 1.0), (sigmoid, False, 1.0),
    ]
    if x.exact:
        choices.append((floor, True, x.bound + 1))
    if x.bound <= 100:
        choices += [(sin, False, 1.0), (cos, False, 1.0)]
    if x.bound <= 4:
        choices.append((exp, False, float(np.exp(x.bound))))
    fn, exact, bound = d.pick(choices)
    return _Value(fn(x.tensor), exact, bound)


_BINARY: list[tuple[str, Callable[[Tensor, Tensor], Tensor]]] = [
    ("+", lambda a, b: a + b), ("-", lambda a, b: a - b), ("max", maximum), ("min", minimum),
    ("*", lambda a, b: a * b),
]


def _binary_bound(op: str, a: float, b: float) -> float:
    return a * b if op == "*" else a + b if op in "+-" else max(a, b)


def _binary_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return x.fits(_binary_bound("+", x.bound, max(x.bound, 3)))


def _binary(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    y = d.partner(x, pool, -3, 3)
    exact = x.exact and y.exact
    ops = [(n, f) for n, f in _BINARY if n in ("max", "min") or x.fits(_binary_bound(n, x.bound, y.bound), exact)]
    name, fn = d.pick(ops)
    a, b = (x, y) if d.draw(st.booleans()) else (y, x)
    return _Value(fn(a.tensor, b.tensor), exact, _binary_bound(name, x.bound, y.bound))


def _select_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return x.exact


def _select(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """``where(x OP c, x, y)``: the comparison sees exact values only."""
    c = d.constant(np.array(d.integer(-2, 2)).reshape((1,) * x.tensor.ndim), x)
    compare = d.pick([less, greater, equal])(x.tensor, c.tensor)
    y = d.partner(x, pool, -3, 3)
    return _Value(where(compare, x.tensor, y.tensor), x.exact and y.exact, max(x.bound, y.bound))


def _rank_at_least(n: int, static_last: bool = False) -> Callable[[_Drawer, _Value, int, bool], bool]:
    def applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
        return not keep and x.tensor.ndim >= n and (not static_last or _static(x.tensor.shape[-1]))

    return applies


def _matmul_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    k = x.tensor.shape[-1] if x.tensor.ndim else None
    return (_rank_at_least(1, True)(d, x, depth, keep) and x.is_float and isinstance(k, int)
            and x.fits(k * 2 * x.bound, False))


def _matmul(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    k = x.tensor.shape[-1]
    assert isinstance(k, int), "matmul applies to a static last dim"
    n = d.integer(1, d.options.max_size)
    w = np.array(d.draw(st.lists(st.integers(-2, 2), min_size=k * n, max_size=k * n))).reshape(k, n)
    weights = d.constant(w, x)
    return _Value(matmul(x.tensor, weights.tensor), False, k * 2 * x.bound)


def _reduce_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return not keep and x.tensor.ndim >= 1


def _reduce(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    axis = d.integer(0, x.tensor.ndim - 1)
    keepdims = bool(d.draw(st.booleans()))
    dim = x.tensor.shape[axis]
    summed = x.bound * (dim if _static(dim) else d.options.max_size)
    choices = [(reduce_max, x.exact, x.bound), (reduce_min, x.exact, x.bound)]
    if x.fits(summed, not x.is_float and x.exact):
        choices.append((reduce_sum, not x.is_float and x.exact, summed))
    if x.is_float:
        choices.append((reduce_mean, False, x.bound))
    fn, exact, bound = d.pick(choices)
    return _Value(fn(x.tensor, axis, keepdims=keepdims), exact, bound)


def _softmax_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return x.is_float and x.tensor.ndim >= 1 and x.bound <= 64


def _softmax(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    return _Value(softmax(x.tensor, axis=d.integer(0, x.tensor.ndim - 1)), False, 1.0)


def _transpose(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    order = _permutation(d, x.tensor.ndim) or tuple(reversed(range(x.tensor.ndim)))
    return _Value(transpose(x.tensor, order), x.exact, x.bound)


def _reshape_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return not keep and (x.tensor.ndim < d.options.max_rank or x.tensor.ndim >= 2
                         or any(s == 1 for s in x.tensor.shape))


def _reshape(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    t = x.tensor
    ways: list[Callable[[], Tensor]] = []
    if t.ndim < d.options.max_rank:
        ways.append(lambda: unsqueeze(t, d.integer(0, t.ndim)))
    ones = [i for i, s in enumerate(t.shape) if s == 1]
    if ones:
        ways.append(lambda: squeeze(t, d.pick(ones)))
    if t.ndim >= 2:
        ways.append(lambda: reshape(t, (-1,)))
    return _Value(d.pick(ways)(), x.exact, x.bound)


def _concat(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    y = d.pick([v for v in pool if _same_type(v.tensor, x.tensor)])
    return _Value(concatenate([x.tensor, y.tensor], axis=d.integer(0, x.tensor.ndim - 1)),
                  x.exact and y.exact, max(x.bound, y.bound))


def _static_axes(x: _Value) -> list[int]:
    return [i for i, s in enumerate(x.tensor.shape) if _static(s) and s >= 1]


def _slice_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return not keep and bool(_static_axes(x))


def _slice(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    axis = d.pick(_static_axes(x))
    length = int(x.tensor.shape[axis])
    start = d.integer(0, length - 1)
    stop = d.integer(start + 1, length)
    step = d.integer(1, max(1, stop - start))
    key = tuple(slice(None) for _ in range(axis)) + (slice(start, stop, step),)
    return _Value(x.tensor[key], x.exact, x.bound)


def _gather(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    axis = d.pick(_static_axes(x))
    length = int(x.tensor.shape[axis])
    count = d.integer(1, d.options.max_size)
    indices = np.array(d.draw(st.lists(st.integers(-length, length - 1), min_size=count, max_size=count)))
    return _Value(take(x.tensor, d.net.constant(indices.astype(np.int32)), axis=axis), x.exact, x.bound)


def _cast_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return not keep and (not x.is_float or x.exact) and x.bound <= _INT_LIMIT


def _cast(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """Floats to int32 after a floor (the cast of an integral value is exact), ints to float32."""
    if x.is_float:
        return _Value(cast(floor(x.tensor), td_dtypes.int32), True, x.bound + 1)
    return _Value(cast(x.tensor, td_dtypes.float32), x.exact, x.bound)


def _cumsum_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return x.tensor.ndim >= 1 and x.fits(x.bound * d.options.max_size, not x.is_float and x.exact)


def _cumsum(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    axis = d.integer(0, x.tensor.ndim - 1)
    return _Value(cumsum(x.tensor, axis=axis, exclusive=bool(d.draw(st.booleans())),
                         reverse=bool(d.draw(st.booleans()))),
                  not x.is_float and x.exact, x.bound * d.options.max_size)


def _qdq_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return (d.options.quantize and x.is_float and x.exact and x.dtype == td_dtypes.float32
            and x.tensor.ndim >= 1)


def _qdq(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """quantize -> dequantize with a power-of-two scale: x / scale is exact, rounding ties to even."""
    scale = np.float32(2.0 ** d.integer(-3, 2))
    q = quantize(x.tensor, scale)
    return _Value(dequantize(q, scale), True, 128 * float(scale))


def _activation_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return x.dtype == td_dtypes.float32 and x.bound <= 16


def _activation(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """The ActivationType kinds not drawn by "unary"; CLIP and THRESHOLDED_RELU only compare and copy, so
    they keep exact values exact."""
    b = x.bound
    choices: list[tuple[Callable[[Tensor], Tensor], bool, float]] = [
        (lambda t: clip(t, -2.0, 1.5), x.exact, min(b, 2.0)),
        (lambda t: thresholded_relu(t, 1.0), x.exact, b),
        (lambda t: leaky_relu(t, 0.1), False, b), (elu, False, max(b, 1.0)), (selu, False, 1.76 * b),
        (softplus, False, b + 1.0), (softsign, False, 1.0), (lambda t: hard_sigmoid(t), False, 1.0),
        (lambda t: scaled_tanh(t, 1.5, 0.5), False, 1.5), (gelu, False, b),
        (lambda t: gelu(t, "tanh"), False, b),
    ]
    fn, exact, bound = d.pick(choices)
    return _Value(fn(x.tensor), exact, bound)


def _pad_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return not keep and bool(_static_axes(x)) and x.fits(max(x.bound, 2))


def _pad(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """``pad`` (constant, reflect, edge or wrap) of static axes, or IPaddingLayer's zero padding (and
    cropping) of the last two dims when they are static."""
    t = x.tensor
    if (t.ndim >= 2 and all(_static(s) for s in t.shape[-2:]) and x.dtype in PADDING_DTYPES
            and d.draw(st.booleans())):
        pre = [d.integer(-(_size(s) - 1) // 2, 2) for s in t.shape[-2:]]
        post = [d.integer(-(_size(s) - 1 + min(p, 0)), 2) for s, p in zip(t.shape[-2:], pre)]
        out = padding_nd(_as_image(x), pre, post)
        for _ in range(max(0, 4 - t.ndim)):
            out = squeeze(out, 0)
        return _Value(out, x.exact, x.bound)
    # TensorRT's FILL, CLAMP and REFLECT slice modes exclude int64
    mode = d.pick(["wrap"] if x.dtype == td_dtypes.int64 else ["constant", "edge", "reflect", "wrap"])
    widths = [(0, 0)] * t.ndim
    for axis in _static_axes(x):
        size = _size(t.shape[axis])
        most = size - 1 if mode == "reflect" else size if mode == "wrap" else 2
        widths[axis] = (d.integer(0, min(2, most)), d.integer(0, min(2, most)))
    fill = d.integer(-2, 2) if mode == "constant" else 0
    return _Value(pad(t, widths, mode, fill), x.exact, max(x.bound, abs(fill)))


def _spatial_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    """Conv, deconv and pooling see x as ``(1, C, H, W)``: its rank is 2 to 4, its dims static."""
    return (not keep and x.dtype == td_dtypes.float32 and 2 <= x.tensor.ndim <= 4
            and all(_static(s) for s in x.tensor.shape) and (x.tensor.ndim < 4 or x.tensor.shape[0] == 1)
            and x.fits(x.bound * 0.5 * 4, False))


def _as_image(x: _Value) -> Tensor:
    t = x.tensor
    while t.ndim < 4:
        t = unsqueeze(t, 0)
    return t


def _weights(d: _Drawer, shape: tuple[int, ...], like: _Value) -> _Value:
    """Weights of ``shape``, multiples of 1/4 in [-1/2, 1/2]."""
    count = int(np.prod(shape))
    w = np.array(d.draw(st.lists(st.integers(-2, 2), min_size=count, max_size=count))).reshape(shape) / 4
    return d.constant(w, like)


def _conv(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """conv or conv_transpose of small kernels (groups, padding, stride, dilation), output ``(K, H', W')``:
    the kernel is kept small enough that every output sums at most ``64 / (2 * bound)`` terms."""
    image = _as_image(x)
    _, c, h, w = (_size(s) for s in image.shape)
    # a value bounded by 0 is all zeros, whatever the number of terms
    terms = int((_INEXACT_FLOAT_LIMIT - 0.5) // (max(x.bound, 2.0**-20) * 0.5))
    groups = d.pick([g for g in range(1, c + 1) if c % g == 0 and c // g <= terms])
    k = groups * d.integer(1, max(1, 4 // groups))
    kernel = [d.integer(1, 3), d.integer(1, 3)]
    while (c // groups) * kernel[0] * kernel[1] > terms:
        kernel[kernel.index(max(kernel))] -= 1
    stride = [d.integer(1, 2), d.integer(1, 2)]
    dilation = [d.integer(1, 2) if r > 1 else 1 for r in kernel]
    span = [dl * (r - 1) + 1 for dl, r in zip(dilation, kernel)]
    bias = _weights(d, (k,), x).tensor if d.draw(st.booleans()) else None
    bound = x.bound * 0.5 * (c // groups) * kernel[0] * kernel[1] + 0.5
    if d.draw(st.booleans()):
        # output (I + pre + post - span) // stride + 1 >= 1; pads smaller than the kernel's span
        pads = []
        for size, s in zip((h, w), span):
            pre = d.integer(0, s - 1)
            pads.append((pre, d.integer(max(0, s - size - pre), s - 1)))
        weights = _weights(d, (k, c // groups, *kernel), x)
        out = conv(image, weights.tensor, bias, stride=stride, padding=pads, dilation=dilation, groups=groups)
    else:
        # output (I - 1) * stride + span - pre - post >= 1
        pads = []
        for size, st_, s in zip((h, w), stride, span):
            full = (size - 1) * st_ + s
            pre = d.integer(0, min(s - 1, full - 1))
            pads.append((pre, d.integer(0, min(s - 1, full - 1 - pre))))
        weights = _weights(d, (c, k // groups, *kernel), x)
        out = conv_transpose(image, weights.tensor, bias, stride=stride, padding=pads, dilation=dilation,
                             groups=groups)
    return _Value(squeeze(out, 0), False, bound)


def _pool(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """max or average pooling, windows up to 3x3 with padding smaller than the window; a maximum does not
    depend on which of equal elements it picks, so max pooling keeps exact values exact."""
    image = _as_image(x)
    sizes = [_size(s) for s in image.shape[2:]]
    window = [d.integer(1, min(3, s + 1)) for s in sizes]
    stride = [d.integer(1, 2) for _ in sizes]
    padding = [d.integer(max(0, r - s), r - 1) for r, s in zip(window, sizes)]
    if d.draw(st.booleans()):
        out = max_pool(image, window, stride, padding)
        exact = x.exact
    else:
        out = avg_pool(image, window, stride, padding, count_include_pad=bool(d.draw(st.booleans())))
        exact = False
    return _Value(squeeze(out, 0), exact, x.bound)


def _identity(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    return _Value(identity(x.tensor), x.exact, x.bound)


def _shuffle(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """One IShuffleLayer: a transpose, two adjacent dims merged (0 placeholders before them, -1 for
    them, the dims themselves after), and another transpose."""
    t = x.tensor
    first = _permutation(d, t.ndim)
    moved = [t.shape[i] for i in first or range(t.ndim)]
    at = d.integer(0, t.ndim - 2)
    dims = [0] * at + [-1] + moved[at + 2:]
    return _Value(shuffle(t, first, dims, _permutation(d, t.ndim - 1)), x.exact, x.bound)


def _permutation(d: _Drawer, rank: int) -> tuple[int, ...] | None:
    """A permutation of ``range(rank)``, None for the identity (TensorRT cannot tell them apart)."""
    perm = tuple(d.draw(st.permutations(range(rank))))
    return None if perm == tuple(range(rank)) else perm


def _topk_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return not keep and x.tensor.ndim >= 1 and x.dtype != td_dtypes.float16


def _topk(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """The values of a top-k along one of the last four axes: which of equal elements comes first
    changes the indices only, so they are not drawn."""
    axis = d.integer(max(0, x.tensor.ndim - 4), x.tensor.ndim - 1)
    size = x.tensor.shape[axis]
    k = d.integer(1, size) if _static(size) else 1
    values, _ = topk(x.tensor, k, axis, largest=bool(d.draw(st.booleans())))
    return _Value(values, x.exact, x.bound)


def _layer_norm_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return x.dtype == td_dtypes.float32 and x.tensor.ndim >= 1 and _static(x.tensor.shape[-1]) and x.bound <= 16


def _layer_norm(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """Layer norm over the last axis with eps = 1: (x - mean) is rounded differently by two
    implementations, and a small eps would magnify that on nearly constant rows past the tolerance."""
    n = _size(x.tensor.shape[-1])
    scale = _weights(d, (n,), x)
    bias = _weights(d, (n,), x)
    return _Value(layer_norm(x.tensor, scale.tensor, bias.tensor, eps=1.0), False, x.bound + 1)


def _all_static(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return not keep and x.tensor.ndim >= 1 and all(_static(s) for s in x.tensor.shape)


def _scatter(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """scatter_elements of the first ``m`` rows along ``axis`` of a partner into ``x``; the indices along
    the axis are distinct, so no element is written twice."""
    t = x.tensor
    axis = d.integer(0, t.ndim - 1)
    shape = [_size(s) for s in t.shape]
    m = d.integer(1, shape[axis])
    rows = np.array(d.draw(st.permutations(range(shape[axis]))))[:m]
    indices = np.broadcast_to(rows.reshape([-1 if i == axis else 1 for i in range(t.ndim)]),
                              shape[:axis] + [m] + shape[axis + 1:])
    y = d.pick([v for v in pool if _same_type(v.tensor, t)])
    updates = y.tensor[(slice(None),) * axis + (slice(0, m),)]
    return _Value(scatter_elements(t, d.net.constant(indices.astype(np.int32)), updates, axis),
                  x.exact and y.exact, max(x.bound, y.bound))


def _reverse_sequence_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return x.tensor.ndim >= 2 and all(_static(s) for s in x.tensor.shape[:2])


def _reverse_sequence(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """reverse_sequence over axes 0 and 1 (onnxruntime takes no others), lengths 1 to the axis' size."""
    batch_axis = d.integer(0, 1)
    batch, steps = (_size(x.tensor.shape[i]) for i in (batch_axis, 1 - batch_axis))
    lens = [d.integer(1, steps) for _ in range(batch)]
    return _Value(reverse_sequence(x.tensor, lens, batch_axis=batch_axis, sequence_axis=1 - batch_axis),
                  x.exact, x.bound)


def _einsum_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return (not keep and x.dtype == td_dtypes.float32 and x.tensor.ndim >= 1
            and _static(x.tensor.shape[-1]) and x.fits(x.bound * _size(x.tensor.shape[-1]), False))


def _einsum(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """einsum of x alone (a permutation, maybe summing one axis) or of x and weights over its last axis."""
    rank = x.tensor.ndim
    letters = "abcdef"[:rank]
    n = _size(x.tensor.shape[-1])
    order = "".join(d.draw(st.permutations(letters)))
    if d.draw(st.booleans()):
        can_sum = rank > 1 and x.fits(x.bound * d.options.max_size, False)
        kept = order[:-1] if can_sum and d.draw(st.booleans()) else order
        summed = len(kept) < rank
        out = einsum(f"{letters}->{kept}", x.tensor)
        return _Value(out, x.exact and not summed, x.bound * (d.options.max_size if summed else 1))
    m = d.integer(1, d.options.max_size)
    weights = _weights(d, (n, m), x)
    out = einsum(f"{letters},{letters[-1]}z->{order.replace(letters[-1], 'z')}", x.tensor, weights.tensor)
    return _Value(out, False, x.bound * n)


def _fill_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return (x.tensor.ndim >= 1 and x.dtype != td_dtypes.float16
            and x.fits(x.bound + 2 + x.tensor.ndim * d.options.max_size))


def _fill(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """``x + alpha + sum_k beta[k] * i_k``: a LINSPACE fill of x's shape (dynamic dims read when it runs)."""
    alpha = d.integer(-2, 2)
    beta = [d.integer(-1, 1) for _ in x.tensor.shape]
    ramp = fill(x.tensor.shape, "linspace", alpha, beta, x.dtype, like=x.tensor)
    return _Value(x.tensor + ramp, x.exact, x.bound + 2 + x.tensor.ndim * d.options.max_size)


def _resize_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return (not keep and x.dtype == td_dtypes.float32 and x.tensor.ndim >= 2
            and all(_static(s) for s in x.tensor.shape[-2:]))


def _resize(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """Resize of the last two dims. LINEAR is continuous in the sampling coordinates, so any sizes,
    coordinate transformations and selectors agree within the tolerance. NEAREST rounds the coordinates:
    it is drawn with ASYMMETRIC or HALF_PIXEL and lengths scaled by powers of two, where every coordinate
    is a binary fraction both implementations compute exactly, halves included."""
    t = x.tensor
    sizes = [_size(s) for s in t.shape[-2:]]
    if d.draw(st.booleans()):
        out = [d.integer(1, 2 * d.options.max_size) for _ in sizes]
        y = resize(t, t.shape[:-2] + tuple(out), mode="linear",
                   coordinate_transformation=d.pick(["asymmetric", "half_pixel", "align_corners"]),
                   selector=d.pick(["formula", "upper"]))
        return _Value(y, False, x.bound)
    out = [s * 2 ** d.integer(0, 1) if s % 2 or d.draw(st.booleans()) else s // 2 for s in sizes]
    y = resize(t, t.shape[:-2] + tuple(out), mode="nearest",
               coordinate_transformation=d.pick(["asymmetric", "half_pixel"]),
               nearest_rounding=d.pick(["floor", "ceil", "half_up", "half_down"]))
    return _Value(y, x.exact, x.bound)


def _one_hot_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return not keep and x.dtype == td_dtypes.int32 and x.tensor.ndim < d.options.max_rank


def _one_hot(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """one_hot of an int32 value, any index: a negative one counts from the end, one out of range gives
    no class (both implementations agree, see the ONNX cross-check of td.one_hot)."""
    off, on = d.integer(-2, 2), d.integer(-2, 2)
    axis = d.integer(-x.tensor.ndim - 1, x.tensor.ndim)
    y = one_hot(x.tensor, d.integer(1, d.options.max_size), (off, on), axis,
                dtype=d.pick([td_dtypes.float32, td_dtypes.int32]))
    return _Value(y, True, max(abs(off), abs(on)))


def _heads_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    """Attention and rotary embeddings see x as ``(1, N, S, H)``, with a static H."""
    return (not keep and x.dtype == td_dtypes.float32 and 2 <= x.tensor.ndim <= 4 and x.bound <= 4
            and _static(x.tensor.shape[-1]) and (x.tensor.ndim < 4 or x.tensor.shape[0] == 1))


def _attention(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """Attention of x over a partner of its type (keys and values): softmax logits stay below
    ``bound**2 * sqrt(H)``, small enough that rounding them differently stays within the tolerance.
    Queries and keys have equal lengths, where the lower-right causal mask is the upper-left one, the
    only one TensorRT 10 has."""
    q = _as_image(x)
    k, v = (d.pick([p for p in pool if _same_type(p.tensor, x.tensor) and p.bound <= 4]) for _ in range(2))
    y = attention(q, _as_image(k), _as_image(v), causal=d.pick(["none", "upper_left"]),
                  decomposable=bool(d.draw(st.booleans())))
    for _ in range(max(0, 4 - x.tensor.ndim)):
        y = squeeze(y, 0)
    return _Value(y, False, v.bound)


def _rows_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    """Rotary embeddings and KV-cache updates: x seen as ``(1, N, S, H)`` with static S and H."""
    return _heads_applies(d, x, depth, keep) and _static(x.tensor.shape[-2])


def _rotary_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return _rows_applies(d, x, depth, keep) and _size(x.tensor.shape[-1]) >= 2


def _rotary(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """rotary_embedding with cos/sin constants ``(1, S, R/2)`` of multiples of 1/4 in [-1, 1]."""
    image = _as_image(x)
    s, h = _size(image.shape[2]), _size(image.shape[3])
    r = 2 * d.integer(1, h // 2)
    cos, sin = (d.constant(np.array(d.draw(st.lists(st.integers(-4, 4), min_size=s * r // 2,
                                                    max_size=s * r // 2))).reshape(1, s, r // 2) / 4, x)
                for _ in range(2))
    y = rotary_embedding(image, cos.tensor, sin.tensor, interleaved=bool(d.draw(st.booleans())),
                         rotary_dim=None if r == h else r)
    for _ in range(max(0, 4 - x.tensor.ndim)):
        y = squeeze(y, 0)
    return _Value(y, False, 2 * x.bound)


def _kv_cache(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """kv_cache_update of x (the cache) with the first rows of a partner, written at any position, past
    either end included (both implementations agree, see the ONNX cross-check of td.kv_cache_update)."""
    y = d.pick([p for p in pool if _same_type(p.tensor, x.tensor) and p.bound <= 4])
    s = _size(x.tensor.shape[-2])
    update = _as_image(y)[:, :, : d.integer(1, s)]
    at = d.net.constant(np.array([d.integer(-s, 2 * s)], np.int32))
    out = kv_cache_update(_as_image(x), update, at)
    for _ in range(max(0, 4 - x.tensor.ndim)):
        out = squeeze(out, 0)
    return _Value(out, x.exact and y.exact, max(x.bound, y.bound))


def _grid_sample(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """grid_sample with LINEAR or CUBIC interpolation (continuous in the sampling locations, unlike
    NEAREST's rounding) at constant locations, multiples of 1/16 in [-1.25, 1.25], any sample mode."""
    image = _as_image(x)
    rows, cols = d.integer(1, d.options.max_size), d.integer(1, d.options.max_size)
    count = rows * cols * 2
    grid = np.array(d.draw(st.lists(st.integers(-20, 20), min_size=count, max_size=count))) / 16
    y = grid_sample(image, d.constant(grid.reshape(1, rows, cols, 2), x).tensor,
                    interpolation=d.pick(["linear", "cubic"]), sample_mode=d.pick(["fill", "clamp", "reflect"]),
                    align_corners=bool(d.draw(st.booleans())))
    return _Value(squeeze(y, 0), False, 2 * x.bound)


# What a conditional's outputs may be (ConditionalOutput's dtypes; loops are kept to the same)
_REGION_DTYPES = ("int32", "float16", "float32", "bfloat16")


def _region_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return d.options.regions and depth < d.options.max_depth and x.dtype.name in _REGION_DTYPES


def _loop_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    # the carry (x[0]) and the slices must have equal shapes: dims that are sums or products of named
    # dims may be written two ways, so only ints and named dims
    plain = all(_static(s) or s.is_symbol for s in x.tensor.shape[1:])  # type: ignore[union-attr]
    return _region_applies(d, x, depth, keep) and plain and not keep and x.tensor.ndim >= 1 and x.fits(
        x.bound * (d.options.max_size + 1) * 3, False)


def _loop(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """``scan`` over x's first axis: ``carry = chain(carry + x_t)``, the carries stacked."""
    first = x.tensor[0]
    chain = d.integer(1, 2)

    def body(carry: Tensor, item: Tensor) -> tuple[Tensor, Tensor]:
        start = _Value(carry + item, x.exact, x.bound * (d.options.max_size + 1))
        inner = [start, _Value(item, x.exact, x.bound)]
        last = d.layers(inner, chain, depth + 1, keep=start)[-1]
        return last.tensor, last.tensor

    _, ys = scan(body, first, x.tensor)
    return _Value(ys, False, _INEXACT_FLOAT_LIMIT if x.is_float else _INT_LIMIT)


def _cond_applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
    return _region_applies(d, x, depth, keep) and x.exact


def _cond(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
    """``cond(max(x) > c, chain_a, chain_b, x)``: the predicate sees exact values only."""
    c = d.constant(np.array(d.integer(-2, 2)), x)
    pred = greater(reduce_max(x.tensor, tuple(range(x.tensor.ndim))) if x.tensor.ndim else x.tensor, c.tensor)
    made: list[_Value] = []

    def branch(operand: Tensor) -> Tensor:
        start = _Value(operand, x.exact, x.bound)
        result = d.layers([start], d.integer(1, 2), depth + 1, keep=start)[-1]
        made.append(result)
        return result.tensor

    out = cond(pred, branch, branch, x.tensor)
    return _Value(out, all(v.exact for v in made), max(v.bound for v in made))


def _plugin_rule(index: int, fn: Callable[[Tensor], Tensor]) -> _Rule:
    def applies(d: _Drawer, x: _Value, depth: int, keep: bool) -> bool:
        return x.is_float and x.bound <= _INEXACT_FLOAT_LIMIT

    def build(d: _Drawer, x: _Value, pool: list[_Value], depth: int) -> _Value:
        result = fn(x.tensor)
        if not isinstance(result, Tensor) or not result.dtype.category == "float":
            raise bad_argument("networks", f"plugins[{index}]", result,
                               "a function returning one float Tensor for a float Tensor")
        return _Value(result, False, _INEXACT_FLOAT_LIMIT)

    return _Rule(f"plugin{index}", applies, build)


RULES: dict[str, _Rule] = {
    r.name: r
    for r in (
        _Rule("unary", _always, _unary),
        _Rule("elementwise", _binary_applies, _binary),
        _Rule("select", _select_applies, _select),
        _Rule("transpose", _rank_at_least(2), _transpose),
        _Rule("reshape", _reshape_applies, _reshape),
        _Rule("slice", _slice_applies, _slice),
        _Rule("concat", _rank_at_least(1), _concat),
        _Rule("gather", _slice_applies, _gather),
        _Rule("cast", _cast_applies, _cast),
        _Rule("reduce", _reduce_applies, _reduce),
        _Rule("softmax", _softmax_applies, _softmax),
        _Rule("matmul", _matmul_applies, _matmul),
        _Rule("cumsum", _cumsum_applies, _cumsum),
        _Rule("activation", _activation_applies, _activation),
        _Rule("pad", _pad_applies, _pad),
        _Rule("pooling", _spatial_applies, _pool),
        _Rule("conv", _spatial_applies, _conv),
        _Rule("identity", _always, _identity),
        _Rule("shuffle", _rank_at_least(2), _shuffle),
        _Rule("topk", _topk_applies, _topk),
        _Rule("layer_norm", _layer_norm_applies, _layer_norm),
        _Rule("scatter", _all_static, _scatter),
        _Rule("reverse_sequence", _reverse_sequence_applies, _reverse_sequence),
        _Rule("einsum", _einsum_applies, _einsum),
        _Rule("fill", _fill_applies, _fill),
        _Rule("resize", _resize_applies, _resize),
        _Rule("one_hot", _one_hot_applies, _one_hot),
        _Rule("attention", _heads_applies, _attention),
        _Rule("rotary_embedding", _rotary_applies, _rotary),
        _Rule("kv_cache_update", _rows_applies, _kv_cache),
        _Rule("grid_sample", _spatial_applies, _grid_sample),
        _Rule("qdq", _qdq_applies, _qdq),
        _Rule("loop", _loop_applies, _loop),
        _Rule("cond", _cond_applies, _cond),
    )
}
OPS = tuple(RULES)


@attrs.frozen
class _Options:
    rules: tuple[_Rule, ...]
    dtypes: tuple[DType, ...]
    max_layers: int
    max_inputs: int
    max_rank: int
    max_size: int
    dynamic: bool
    regions: bool
    max_depth: int
    quantize: bool


def networks(
    *,
    ops: Sequence[str] = OPS,
    dtypes: Sequence[Any] = ("float32", "int32"),
    max_layers: int = 8,
    max_inputs: int = 2,
    max_rank: int = 3,
    max_size: int = 4,
    dynamic_dims: bool = True,
    max_depth: int = 1,
    plugins: Sequence[Callable[[Tensor], Tensor]] = (),
    allow_nan: bool = False,
    allow_inf: bool = False,
) -> st.SearchStrategy[DrawnNetwork]:
    """Valid networks with their input strategies (see the module docs). ``ops`` names the layer kinds
    to draw from (:data:`OPS`; "loop" and "cond" are the regions, nested up to ``max_depth``, "qdq" a
    quantize/dequantize pair), ``dtypes`` the inputs' dtypes (of float32, float16, int32, int64),
    ``dynamic_dims`` lets input dims be named (``d0``, ``d1``; sizes 1 to ``max_size``, one profile).
    ``plugins`` are functions adding a layer to a float tensor, e.g. ``lambda x: MyPlugin(k=2)(x)``: each
    is one more kind to draw (the result is treated as inexact, like a transcendental function)."""
    unknown = [o for o in ops if not isinstance(o, str) or o not in RULES] if isinstance(ops, (list, tuple)) else None
    if unknown is None or unknown or not ops and not plugins:
        raise bad_argument("networks", "ops", ops, f"a list of some of {list(OPS)}")
    kinds: list[DType] = []
    listed: list[Any] = list(dtypes) if isinstance(dtypes, (list, tuple)) else [dtypes]
    for given in listed:
        dt = td_dtypes.dtype(given)
        if dt.name not in _DTYPES:
            raise bad_argument("networks", "dtypes", given, f"some of {list(_DTYPES)}")
        kinds.append(dt)
    if not kinds:
        raise bad_argument("networks", "dtypes", dtypes, f"some of {list(_DTYPES)}")
    for arg, value, low, high in (("max_layers", max_layers, 1, 200), ("max_inputs", max_inputs, 1, 8),
                                  ("max_rank", max_rank, 1, 6), ("max_size", max_size, 1, 16),
                                  ("max_depth", max_depth, 0, 4)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise bad_argument("networks", arg, value, f"an int from {low} to {high}")
    for arg, flag in (("dynamic_dims", dynamic_dims), ("allow_nan", allow_nan), ("allow_inf", allow_inf)):
        if not isinstance(flag, (bool, np.bool_)):
            raise bad_argument("networks", arg, flag, "a bool")
    if not isinstance(plugins, (list, tuple)) or not all(callable(p) for p in plugins):
        raise bad_argument("networks", "plugins", plugins, "a list of functions Tensor -> Tensor")
    rules = tuple(RULES[o] for o in ops) + tuple(_plugin_rule(i, p) for i, p in enumerate(plugins))
    options = _Options(rules, tuple(kinds), max_layers, max_inputs, max_rank, max_size, bool(dynamic_dims),
                       "loop" in ops or "cond" in ops, max_depth, "qdq" in ops)
    if not any(r is _ALWAYS_RULE for r in rules):
        rules = (_ALWAYS_RULE,) + rules  # some layer applies to every value
        options = attrs.evolve(options, rules=rules)

    @st.composite
    def draw_network(draw: Any) -> DrawnNetwork:
        net = Network("drawn")
        d = _Drawer(draw, options, net)
        names = [f"d{i}" for i in range(2)] if options.dynamic else []
        pool = []
        values = {}
        for i in range(d.integer(1, max_inputs)):
            dtype = d.pick(options.dtypes)
            rank = d.integer(1, max_rank)
            shape = tuple(
                d.pick(names) if names and draw(st.integers(0, 3)) == 3 else d.integer(1, max_size)
                for _ in range(rank)
            )
            x = net.input(f"x{i}", dtype, shape)
            low, high = _INPUT_RANGES[dtype.category]
            values[x.name] = (low, high)
            pool.append(_Value(x, True, max(abs(low), abs(high))))
        used = net.dim_names()
        if used:
            net.add_profile({n: (1, 2, max_size) for n in used})
        made = d.layers(pool, d.integer(1, max_layers), 0)
        outputs = [made[-1]] + [v for v in made[:-1] if draw(st.integers(0, 3)) == 3]
        for i, v in enumerate(outputs):
            net.output(f"y{i}", v.tensor)
        feeds = input_strategy(net, values=values, allow_nan=allow_nan, allow_inf=allow_inf)
        return DrawnNetwork(net, feeds)

    return draw_network()


_ALWAYS_RULE = RULES["unary"]

__all__ = ["ATOL", "DrawnNetwork", "OPS", "RTOL", "networks"]
