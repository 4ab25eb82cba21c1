"""IActivationLayer: one function per ActivationType, with its alpha/beta.

Formulas (TensorRT's, see ``docs/semantics.md``), alpha = ``a``, beta = ``b``:

==================  =============================================
RELU                ``np.fmax(x, 0)``
SIGMOID             ``1 / (1 + np.exp(-x))``
TANH                ``np.tanh(x)``
LEAKY_RELU          ``np.where(x >= 0, x, a * x)``
ELU                 ``np.where(x >= 0, x, a * (np.exp(x) - 1))``
SELU                ``np.where(x > 0, b * x, b * (a * np.exp(x) - a))``
SOFTSIGN            ``x / (1 + np.abs(x))``
SOFTPLUS            ``a * np.log(np.exp(b * x) + 1)``
CLIP                ``np.fmax(a, np.minimum(b, x))``
HARD_SIGMOID        ``np.fmax(0, np.minimum(1, a * x + b))``
SCALED_TANH         ``a * np.tanh(b * x)``
THRESHOLDED_RELU    ``np.where(x > a, x, 0)``
GELU_ERF            ``0.5 * x * (1 + erf(x / np.sqrt(2)))``
GELU_TANH           ``0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))``
==================  =============================================

The formulas are NvInfer.h's (``enum class ActivationType``). Where they take a maximum, a NaN gives the
other operand, as ``np.fmax`` does: RELU, CLIP and HARD_SIGMOID map a NaN to their lower bound (0,
``a``, 0). For CLIP this is observed: a TensorRT 10.16.1 engine turns a NaN input of ONNX Clip, which
onnx-tensorrt lowers to kCLIP when the bounds are constants, into the lower bound (NVIDIA/TensorRT#4773;
NVIDIA's legacy Clip plugin kernel, ``x > min ? x : min``, does the same). For RELU and HARD_SIGMOID it is
inferred from CLIP and from elementwise MAX (NVIDIA/TensorRT#4758); an engine run on NaN would settle it.

TensorRT does not document default alpha/beta; trtdsl's functions always set both explicitly,
with ONNX's defaults (e.g. LEAKY_RELU alpha=0.01, SELU alpha=1.67326..., beta=1.0507...).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("act")
>>> x = net.input("x", td.float32, (3,))
>>> net.output("y", td.leaky_relu(x, alpha=0.1))
>>> net.run({"x": np.array([-2.0, 0.0, 3.0], np.float32)})["y"]
array([-0.2,  0. ,  3. ], dtype=float32)
"""

from __future__ import annotations

import enum
import math
from typing import Any, Callable, Sequence

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import bad_argument
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    FLOAT32_MAX, UfuncForm, enum_member, expect_dtype, expect_tensor, finite_float, in_float, select,
)
from trtdsl.layers._erf import gelu as _gelu_erf

__all__ = [
    "Activation", "ActivationType", "activation", "clip", "elu", "gelu", "hard_sigmoid",
    "leaky_relu", "relu", "scaled_tanh", "selu", "sigmoid", "softplus", "softsign", "tanh",
    "thresholded_relu",
]


class ActivationType(enum.Enum):
    RELU = "relu"
    SIGMOID = "sigmoid"
    TANH = "tanh"
    LEAKY_RELU = "leaky_relu"
    ELU = "elu"
    SELU = "selu"
    SOFTSIGN = "softsign"
    SOFTPLUS = "softplus"
    CLIP = "clip"
    HARD_SIGMOID = "hard_sigmoid"
    SCALED_TANH = "scaled_tanh"
    THRESHOLDED_RELU = "thresholded_relu"
    GELU_ERF = "gelu_erf"
    GELU_TANH = "gelu_tanh"


_A = ActivationType
_SQRT_2_OVER_PI = np.float32(math.sqrt(2.0 / math.pi))
_FLOAT32 = np.dtype(np.float32)
_ONE = np.ones((), np.float32)  # a 0-d array is the cheapest operand for a ufunc


def _sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``1 / (1 + np.exp(-x))``, the same operations in one buffer (``out``, or a new one)."""
    e = np.negative(x, out=out)
    if e.__class__ is not np.ndarray:  # a 0-d input gives a NumPy scalar
        return 1 / (1 + np.exp(e))
    np.exp(e, out=e)
    np.add(e, _ONE, out=e)
    return np.divide(_ONE, e, out=e)


_GELU_BLOCK = 32768  # values per block: its temporaries stay in cache (as for GELU_ERF, see _erf.py)
_CUBIC = np.float32(0.044715)
_HALF, _ONE_F32 = np.float32(0.5), np.float32(1)


def _gelu_tanh(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))`` into ``out`` (which may be
    ``x``) or a new array, with the cube as ``x * x * x``: NumPy's float32 ``x**3`` calls ``pow`` per value,
    75x slower. The two cubes differ by about an ulp, which moves 0.23% of the results (normal values of
    standard deviation 4); where ``1 + tanh(...)`` cancels (x below about -2) a result may move by many of
    its own ulps, but stays within the formula's float32 error there (about ``|x| * 2**-23``). The passes go
    block by block through one scratch block kept in cache: 1.2 ms on 2**20 float32 values, against 3.0 ms
    for the formula's whole-array passes."""
    if out is not None and not out.flags.c_contiguous:  # its flat view would be a copy
        out[...] = _gelu_tanh(x)
        return out
    flat = x.reshape(-1)
    result = np.empty_like(flat) if out is None else out.reshape(-1)
    scratch = np.empty(min(flat.size, _GELU_BLOCK), x.dtype)
    for start in range(0, flat.size, _GELU_BLOCK):
        v = flat[start:start + _GELU_BLOCK]
        t = scratch[:v.size]
        np.multiply(v, v, out=t)
        t *= v
        t *= _CUBIC
        t += v
        t *= _SQRT_2_OVER_PI
        np.tanh(t, out=t)
        t += _ONE_F32
        y = np.multiply(v, _HALF, out=result[start:start + _GELU_BLOCK])  # 0.5 * x first: x * 2 may overflow
        y *= t
    return result.reshape(x.shape) if out is None else out


def _leaky_relu(x: np.ndarray, a: Any) -> np.ndarray:
    """``np.where(x >= 0, x, a * x)``; for ``0 < a <= 1``, where ``a * x`` lies between 0 and ``x``, as
    ``np.maximum(x, a * x)``, which gives the same bits (``-0.0``, infinities and NaN included) without
    ``where``'s branch per value (2**20 values: 0.56 ms against 4.2 ms)."""
    if 0 < a <= 1:
        ax = np.multiply(x, a)
        return np.maximum(x, ax, out=ax) if ax.__class__ is np.ndarray else np.maximum(x, ax)
    return select(x >= 0, x, a * x)


def _log_one_plus_exp(v: np.ndarray) -> np.ndarray:
    """``np.logaddexp(v, 0)``, i.e. ``np.log(np.exp(v) + 1)`` without overflow, as NumPy computes it:
    ``np.maximum(v, 0) + np.log1p(np.exp(-np.abs(v)))``, here as whole-array passes (NumPy's float32
    ``logaddexp`` calls ``expf`` and ``log1pf`` per value: 18 ms against 1.9 ms on 2**20 values). NumPy's
    vectorised ``exp`` rounds less closely than the C library's: within 2.9 ulp of the float64 value, against
    1.5 ulp (2**18 normal values of standard deviation 5), as the other activations' ``np.exp`` does."""
    t = np.abs(v, out=np.empty_like(v))  # an array even for a 0-d v, which ufuncs make a scalar
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    return np.add(t, np.maximum(v, 0), out=t)


# Each formula takes (x, alpha, beta) with x in float32 or float64.
_FORMULAS: dict[ActivationType, Callable[[np.ndarray, float, float], np.ndarray]] = {
    _A.RELU: lambda x, a, b: np.fmax(x, 0),
    _A.SIGMOID: lambda x, a, b: _sigmoid(x),
    _A.TANH: lambda x, a, b: np.tanh(x),
    _A.LEAKY_RELU: lambda x, a, b: _leaky_relu(x, a),
    _A.ELU: lambda x, a, b: select(x >= 0, x, a * np.expm1(x)),
    _A.SELU: lambda x, a, b: select(x > 0, b * x, b * (a * np.exp(x) - a)),
    _A.SOFTSIGN: lambda x, a, b: x / (1 + np.abs(x)),
    _A.SOFTPLUS: lambda x, a, b: a * _log_one_plus_exp(b * x),
    _A.CLIP: lambda x, a, b: np.fmax(a, np.minimum(b, x)),
    _A.HARD_SIGMOID: lambda x, a, b: np.fmax(0, np.minimum(1, a * x + b)),
    _A.SCALED_TANH: lambda x, a, b: a * np.tanh(b * x),
    _A.THRESHOLDED_RELU: lambda x, a, b: select(x > a, x, np.zeros((), x.dtype)),
    _A.GELU_ERF: lambda x, a, b: _gelu_erf(x),
    _A.GELU_TANH: lambda x, a, b: _gelu_tanh(x),
}
# Activation.in_place's functions: each computes its formula's float32 value into x
_IN_PLACE: dict[str, Callable[[np.ndarray], tuple[np.ndarray]]] = {
    "RELU": UfuncForm(np.fmax, 0, zeros=True),
    "SIGMOID": lambda x: (_sigmoid(x, x),),
    "TANH": UfuncForm(np.tanh, 0),
    "GELU_ERF": lambda x: (_gelu_erf(x, x),),
    "GELU_TANH": lambda x: (_gelu_tanh(x, x),),
}
# the same keyed by member name: a str hashes in C, an Enum member in Python (this runs per layer)
_FORMULAS_BY_NAME = {kind._name_: fn for kind, fn in _FORMULAS.items()}
_NO_PARAMETERS = frozenset({"RELU", "SIGMOID", "TANH", "SOFTSIGN", "GELU_ERF", "GELU_TANH"})
_ZERO = np.float32(0)


_RELU_DTYPES = dtypes.FLOATS + dtypes.INTEGERS


@attrs.frozen(cache_hash=True)  # the default ops are made once: a memo key (Network._add)
class Activation(Op):
    """``type(x; alpha, beta)`` elementwise; int32/int64 inputs only for RELU."""

    kind = "Activation"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.activation`, `td.relu`, `td.sigmoid`, `td.tanh`, `td.leaky_relu`, `td.elu`, `td.selu`, "
        "`td.softsign`, `td.softplus`, `td.clip`, `td.hard_sigmoid`, `td.scaled_tanh`, "
        "`td.thresholded_relu`, `td.gelu`",
        "`IActivationLayer` (`ActivationType`)",
        "Formulas are TensorRT's with explicit alpha/beta (ONNX defaults); `leaky_relu`/`elu` use `x >= "
        "0`, `thresholded_relu` uses `x > alpha`. Only RELU accepts int32/int64. CLIP maps NaN to its "
        "lower bound, RELU and HARD_SIGMOID to 0 (`np.fmax`).",
        "NvInfer.h `ActivationType`, `addActivation`; CLIP NaN: NVIDIA/TensorRT#4773 (*observed*); "
        "RELU/HARD_SIGMOID NaN: *inferred*",
    )
    input_names = ("x",)
    type: ActivationType = attrs.field(metadata=ir(names=True))
    alpha: float = 0.0
    beta: float = 0.0

    def __attrs_post_init__(self) -> None:
        alpha, beta = self.alpha, self.beta
        if (alpha.__class__ is float and beta.__class__ is float and -FLOAT32_MAX <= alpha <= FLOAT32_MAX
                and -FLOAT32_MAX <= beta <= FLOAT32_MAX):  # the common case, checked fast (as finite_float)
            return
        for arg in ("alpha", "beta"):
            value = getattr(self, arg)
            if not isinstance(value, float):
                raise bad_argument(self.type.name.lower(), arg, value, "a finite float")
            finite_float(self.type.name.lower(), arg, value)

    def attributes(self) -> dict[str, object]:
        return {"alpha": self.alpha, "beta": self.beta} if self.alpha or self.beta else {}

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        allowed = _RELU_DTYPES if self.type is _A.RELU else dtypes.FLOATS
        expect_dtype(self, "x", x, allowed)
        return (x,)

    def _formula(self) -> tuple[Callable[[np.ndarray, float, float], np.ndarray], Any, Any]:
        """The formula of the type, with alpha and beta as float32."""
        name = self.type._name_
        if name in _NO_PARAMETERS:  # np.float32(v) costs as much as a small layer's arithmetic
            return _FORMULAS_BY_NAME[name], _ZERO, _ZERO
        return _FORMULAS_BY_NAME[name], np.float32(self.alpha), np.float32(self.beta)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        fn, alpha, beta = self._formula()
        if x.dtype is _FLOAT32:  # float32 formulas give float32 (the interpreter checks it)
            return (fn(x, alpha, beta),)
        if x.dtype.kind in "iu":
            return (np.maximum(x, 0).astype(x.dtype),)
        return (in_float(lambda v: fn(v, alpha, beta), x.dtype, x),)

    def reference_for(self, inputs: Sequence[tuple[np.dtype, tuple[int, ...]]]) -> Any:
        """For a float32 input, :meth:`reference` with its formula and parameters looked up once.

        >>> Activation(ActivationType.RELU).reference_for([(np.dtype(np.float32), (2,))])(
        ...     np.array([-1.0, 2.0], np.float32))[0]
        array([0., 2.], dtype=float32)
        """
        if len(inputs) != 1 or inputs[0][0] != _FLOAT32:
            return None
        fn, alpha, beta = self._formula()
        return lambda x: (fn(x, alpha, beta),)

    def in_place(self, index: int) -> Callable[[np.ndarray], tuple[np.ndarray]] | None:
        """For a float32 input, :meth:`reference` computed into the input (whose value nothing reads
        afterwards: the interpreter decides it from the plan) with the same operations in the same order,
        or None for the types without such a form here."""
        return _IN_PLACE.get(self.type._name_)


# the default alpha and beta, recognized by identity: with both, a layer's op is its type's shared one
_DEFAULT = 0.0


def activation(x: Tensor, type: ActivationType | str, alpha: float = _DEFAULT, beta: float = _DEFAULT, *,
               name: str | None = None) -> Tensor:
    """``type(x; alpha, beta)`` as one IActivationLayer (see the module's table of formulas).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.activation(x, "hard_sigmoid", 0.5, 0.5))   # np.clip(0.5 * x + 0.5, 0, 1)
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([0. , 0.5, 1. ], dtype=float32)
    """
    return _activation(x, type, alpha, beta, name, 1)


def _activation(x: Tensor, type: ActivationType | str, alpha: float, beta: float, name: str | None,
                callers: int) -> Tensor:
    """:func:`activation`, for trtdsl's functions: ``callers`` is how many of the frames calling it are
    trtdsl's own, its caller's first (which that caller knows), for the layer's location (the search for
    the user's line skips them, see :meth:`Network._add`)."""
    kind = type if type.__class__ is ActivationType else enum_member("activation", "type", type,
                                                                       ActivationType)
    if x.__class__ is not Tensor or alpha.__class__ is not float or beta.__class__ is not float:
        fn = kind.name.lower()
        x = expect_tensor(fn, "x", x)
        alpha, beta = finite_float(fn, "alpha", alpha), finite_float(fn, "beta", beta)
    # else Activation checks that the floats are finite, with finite_float's message
    if alpha is _DEFAULT and beta is _DEFAULT:
        return x.network._add(_DEFAULT_OPS[kind._name_], (x,), name, 1 + callers, memo=True)[0]
    return x.network._add(Activation(kind, alpha, beta), (x,), name, 1 + callers)[0]


# one op per type with the default parameters, made once: ops are frozen values, which layers share
_DEFAULT_OPS = {kind._name_: Activation(kind) for kind in ActivationType}


def relu(x: Tensor, *, name: str | None = None) -> Tensor:
    """``np.fmax(x, 0)`` (NaN gives 0, see the module); floats, int32, int64.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.relu(x))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([0., 0., 2.], dtype=float32)
    """
    return _activation(x, _A.RELU, _DEFAULT, _DEFAULT, name, 1)


def sigmoid(x: Tensor, *, name: str | None = None) -> Tensor:
    """``1 / (1 + np.exp(-x))``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.sigmoid(x))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([0.26894, 0.5    , 0.8808 ], dtype=float32)
    """
    return _activation(x, _A.SIGMOID, _DEFAULT, _DEFAULT, name, 1)


def tanh(x: Tensor, *, name: str | None = None) -> Tensor:
    """``np.tanh(x)``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.tanh(x))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([-0.7615942,  0.       ,  0.9640276], dtype=float32)
    """
    return _activation(x, _A.TANH, _DEFAULT, _DEFAULT, name, 1)


def leaky_relu(x: Tensor, alpha: float = 0.01, *, name: str | None = None) -> Tensor:
    """``np.where(x >= 0, x, alpha * x)``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.leaky_relu(x))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([-0.01,  0.  ,  2.  ], dtype=float32)
    """
    return _activation(x, _A.LEAKY_RELU, alpha, _DEFAULT, name, 1)


def elu(x: Tensor, alpha: float = 1.0, *, name: str | None = None) -> Tensor:
    """``np.where(x >= 0, x, alpha * (np.exp(x) - 1))``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.elu(x))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([-0.63212055,  0.        ,  2.        ], dtype=float32)
    """
    return _activation(x, _A.ELU, alpha, _DEFAULT, name, 1)


def selu(x: Tensor, alpha: float = 1.6732632423543772, gamma: float = 1.0507009873554805, *,
         name: str | None = None) -> Tensor:
    """``np.where(x > 0, gamma * x, gamma * (alpha * np.exp(x) - alpha))`` (beta = gamma).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.selu(x))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([-1.1113307,  0.       ,  2.101402 ], dtype=float32)
    """
    return _activation(x, _A.SELU, alpha, gamma, name, 1)


def softsign(x: Tensor, *, name: str | None = None) -> Tensor:
    """``x / (1 + np.abs(x))``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.softsign(x))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([-0.5      ,  0.       ,  0.6666667], dtype=float32)
    """
    return _activation(x, _A.SOFTSIGN, _DEFAULT, _DEFAULT, name, 1)


def softplus(x: Tensor, alpha: float = 1.0, beta: float = 1.0, *, name: str | None = None) -> Tensor:
    """``alpha * np.log(np.exp(beta * x) + 1)``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.softplus(x))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([0.31326163, 0.6931472 , 2.126928  ], dtype=float32)
    """
    return _activation(x, _A.SOFTPLUS, alpha, beta, name, 1)


def clip(x: Tensor, low: float, high: float, *, name: str | None = None) -> Tensor:
    """``np.clip(x, low, high)`` but NaN gives ``low`` (CLIP with alpha = low, beta = high; NaN: observed on
    TensorRT 10.16.1, NVIDIA/TensorRT#4773).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (4,))
    >>> net.output("y", td.clip(x, -0.5, 1.0))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0, np.nan], np.float32)})["y"]
    array([-0.5,  0. ,  1. , -0.5], dtype=float32)
    """
    if finite_float("clip", "low", low) > finite_float("clip", "high", high):
        raise bad_argument("clip", "high", high, f"a value >= low ({low})")
    return _activation(x, _A.CLIP, low, high, name, 1)


def hard_sigmoid(x: Tensor, alpha: float = 0.2, beta: float = 0.5, *, name: str | None = None) -> Tensor:
    """``np.fmax(0, np.minimum(1, alpha * x + beta))`` (NaN gives 0, see the module).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.hard_sigmoid(x))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([0.3, 0.5, 0.9], dtype=float32)
    """
    return _activation(x, _A.HARD_SIGMOID, alpha, beta, name, 1)


def scaled_tanh(x: Tensor, alpha: float = 1.0, beta: float = 1.0, *, name: str | None = None) -> Tensor:
    """``alpha * np.tanh(beta * x)``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.scaled_tanh(x, 2.0, 0.5))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([-0.92423,  0.     ,  1.52319], dtype=float32)
    """
    return _activation(x, _A.SCALED_TANH, alpha, beta, name, 1)


def thresholded_relu(x: Tensor, alpha: float = 1.0, *, name: str | None = None) -> Tensor:
    """``np.where(x > alpha, x, 0)`` (strictly greater).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("y", td.thresholded_relu(x))
    >>> net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})["y"]
    array([0., 0., 2.], dtype=float32)
    """
    return _activation(x, _A.THRESHOLDED_RELU, alpha, _DEFAULT, name, 1)


def gelu(x: Tensor, approximate: str = "none", *, name: str | None = None) -> Tensor:
    """GELU: ``0.5 * x * (1 + erf(x / sqrt(2)))``, or with ``approximate="tanh"`` the tanh form.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("a")
    >>> x = net.input("x", td.float32, (3,))
    >>> net.output("erf", td.gelu(x))
    >>> net.output("tanh", td.gelu(x, approximate="tanh"))
    >>> out = net.run({"x": np.array([-1.0, 0.0, 2.0], np.float32)})
    >>> out["erf"]
    array([-0.158655,  0.      ,  1.9545  ], dtype=float32)
    >>> out["tanh"]
    array([-0.158808 ,  0.       ,  1.9545977], dtype=float32)
    """
    if not isinstance(approximate, str) or approximate not in ("none", "tanh"):
        raise bad_argument("gelu", "approximate", approximate, "'none' or 'tanh'")
    return _activation(x, _A.GELU_TANH if approximate == "tanh" else _A.GELU_ERF, _DEFAULT, _DEFAULT, name, 1)
