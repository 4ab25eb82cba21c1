"""IElementWiseLayer: binary arithmetic, comparison and logic, with TensorRT's semantics.

TensorRT differs from NumPy in three ways that matter here: integer ``DIV`` truncates toward zero
(C semantics; ``FLOOR_DIV`` floors, like Python's ``//``), ``MAX``/``MIN`` return the other operand where
one is NaN (``np.fmax``/``np.fmin``, not ``np.maximum``/``np.minimum``), and both inputs must have equal
rank.
trtdsl's functions accept NumPy-style broadcasting and insert the Unsqueeze that TensorRT needs, so the
IR shows it. Python numbers and NumPy arrays are turned into constants of the tensor's dtype.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("ew")
>>> a = net.input("a", td.int32, (4,))
>>> net.output("div", td.divide(a, 3))            # np.trunc(a / 3)
>>> net.output("floor_div", td.floor_divide(a, 3))  # a // 3
>>> out = net.run({"a": np.array([-7, -1, 5, 9], np.int32)})
>>> out["div"], out["floor_div"]
(array([-2,  0,  1,  3], dtype=int32), array([-3, -1,  1,  3], dtype=int32))
"""

from __future__ import annotations

import enum
from typing import Any, Callable

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, user_location
from trtdsl.ir.functions import ir_function
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    FLOAT_SCALARS, UfuncForm, as_tensor, broadcast_types, enum_member, expect_dtype, in_float, ndim_of,
    network_of, select,
)
from trtdsl.layers.squeeze import align_ranks

__all__ = [
    "ElementWise", "ElementWiseOperation", "add", "divide", "elementwise", "equal", "floor_divide",
    "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or", "logical_xor",
    "maximum", "minimum", "mod", "multiply", "not_equal", "power", "subtract",
]


class ElementWiseOperation(enum.Enum):
    SUM = "sum"
    PROD = "prod"
    MAX = "max"
    MIN = "min"
    SUB = "sub"
    DIV = "div"
    POW = "pow"
    FLOOR_DIV = "floor_div"
    AND = "and"
    OR = "or"
    XOR = "xor"
    EQUAL = "equal"
    GREATER = "greater"
    LESS = "less"


def _int_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer division truncating toward zero; division by zero (undefined in TensorRT) gives 0. The floor
    division's quotient is one too low where the division is inexact (``q * b != a``, which spares
    ``np.remainder`` a second division: 6.5 ms against 1 ms on 2**20 int32 values) and the signs differ."""
    q = np.floor_divide(a, b)
    q = q + ((q * b != a) & ((a < 0) != (b < 0)))
    return _zero_where_zero(b, q.astype(a.dtype, copy=False))


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _int_div(a, b) if a.dtype.kind in "iu" else np.divide(a, b)


def _floor_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu":
        return _zero_where_zero(b, np.floor_divide(a, b).astype(a.dtype, copy=False))
    return np.floor(np.divide(a, b))


def _zero_where_zero(b: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.where(b == 0, 0, q)``: the quotients ``q`` with 0 where the divisor ``b`` is 0."""
    zero = b == 0
    return select(zero, np.zeros((), q.dtype), np.asarray(q)) if zero.any() else q


def _power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.power(a, b)`` with C's ``powf`` at every element. NumPy computes an exponent of 0.5 that it
    broadcasts (a constant's single value) as a square root, which gives ``-0.0`` for ``-0.0`` and NaN for
    ``-inf``, where ``powf`` gives ``+0.0`` and ``+inf`` (C99 Annex F, ``pow(±0, y)`` and ``pow(-inf, y)``
    for ``y > 0`` not an odd integer; CUDA's ``powf`` and onnxruntime follow it, TensorRT's POW *inferred*
    to).

    >>> with np.errstate(invalid="ignore"):  # NumPy's square root of -inf, which the reference silences
    ...     _power(np.array([-np.inf, -0.0, 4.0], np.float32), np.full(1, 0.5, np.float32))
    array([inf,  0.,  2.], dtype=float32)
    """
    y = np.power(a, b)
    half = b == 0.5
    if half.any():
        fix = half & ((a == -np.inf) | (a == 0))
        if fix.any():
            np.copyto(y, np.abs(a), where=fix)  # powf's +inf and +0.0: |a| at both
    return y


_E = ElementWiseOperation
_FLOAT32 = np.dtype(np.float32)
_NUMERIC = dtypes.FLOATS + dtypes.INTEGERS
_CMP_IN = _NUMERIC
# (numpy function, allowed input dtypes, output is bool)
_TABLE: dict[ElementWiseOperation, tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], tuple, bool]] = {
    _E.SUM: (np.add, _NUMERIC, False),
    _E.PROD: (np.multiply, _NUMERIC, False),
    _E.MAX: (np.fmax, _NUMERIC, False),
    _E.MIN: (np.fmin, _NUMERIC, False),
    _E.SUB: (np.subtract, _NUMERIC, False),
    _E.DIV: (_div, _NUMERIC, False),
    _E.POW: (_power, dtypes.FLOATS, False),
    _E.FLOOR_DIV: (_floor_div, _NUMERIC, False),
    _E.AND: (np.logical_and, (dtypes.bool_,), False),
    _E.OR: (np.logical_or, (dtypes.bool_,), False),
    _E.XOR: (np.logical_xor, (dtypes.bool_,), False),
    _E.EQUAL: (np.equal, _CMP_IN + (dtypes.bool_,), True),
    _E.GREATER: (np.greater, _CMP_IN, True),
    _E.LESS: (np.less, _CMP_IN, True),
}
# the same keyed by member name: a str hashes in C, an Enum member in Python (this runs per layer)
_TABLE_BY_NAME = {op._name_: row for op, row in _TABLE.items()}


_FN_NAMES = {
    _E.SUM: "add", _E.PROD: "multiply", _E.MAX: "maximum", _E.MIN: "minimum", _E.SUB: "subtract",
    _E.DIV: "divide", _E.POW: "power", _E.FLOOR_DIV: "floor_divide", _E.AND: "logical_and",
    _E.OR: "logical_or", _E.XOR: "logical_xor", _E.EQUAL: "equal", _E.GREATER: "greater", _E.LESS: "less",
}
_FN_NAMES_BY_NAME = {op._name_: name for op, name in _FN_NAMES.items()}  # as _TABLE_BY_NAME


@attrs.frozen(cache_hash=True)  # one op per operation, made once: a memo key (Network._add)
class ElementWise(Op):
    """``op(a, b)`` elementwise with broadcasting over equal-rank inputs (dims equal or 1)."""

    kind = "ElementWise"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.add`, `td.subtract`, `td.multiply`, `td.divide`, `td.floor_divide`, `td.power`, "
        "`td.maximum`, `td.minimum`, `td.logical_and`, `td.logical_or`, `td.logical_xor`, `td.equal`, "
        "`td.greater`, `td.less`, `td.elementwise`; operators `+ - * / // ** & \\| ^ == < >`; composites "
        "`td.not_equal`, `td.greater_equal`, `td.less_equal`, `td.mod` (`!= >= <= %`)",
        "`IElementWiseLayer` (`ElementWiseOperation`)",
        "Integer `/` truncates toward zero (C), `//` floors; MAX/MIN return the other operand where one "
        "is NaN (`np.fmax`/`np.fmin`); integer division by zero gives 0 (undefined in TensorRT); integer "
        "arithmetic wraps (*UNCONFIRMED*); `POW` is float-only (stricter than TensorRT, which also lists "
        "integers) and C's `powf` at zeros and infinities (`(-0.0) ** 0.5` is `+0.0`, `(-inf) ** 0.5` is "
        "`+inf`, where NumPy's square root for a scalar 0.5 gives `-0.0` and NaN); logic ops take bool only. "
        "`!=`, `>=`, `<=`, `%` are built from several layers, as TensorRT has no such operations.",
        "NvInfer.h `ElementWiseOperation`; onnx/onnx#4016 and onnx-tensorrt (DIV, FLOOR_DIV); MIN NaN: "
        "NVIDIA/TensorRT#4758 (*observed*), MAX: *inferred*; POW: C99 Annex F `pow` (*inferred*)",
    )
    input_names = ("a", "b")
    op: ElementWiseOperation = attrs.field(metadata=ir(names=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        a, b = inputs
        _, allowed, is_cmp = _TABLE_BY_NAME[self.op._name_]
        if a.dtype is b.dtype and a.dtype in allowed:  # the common cases, checked fast
            if a.shape == b.shape:
                return (TensorType(dtypes.bool_, a.shape) if is_cmp else a,)
            if len(a.shape) == len(b.shape):
                dims = []
                for p, q in zip(a.shape, b.shape):  # a loop, not generators: most layers come this way
                    if p == q or q == 1:
                        dims.append(p)
                    elif p == 1:
                        dims.append(q)  # as broadcast_dim has it
                    else:
                        break
                else:
                    shape = tuple(dims)
                    if is_cmp or shape != a.shape:
                        return (TensorType(dtypes.bool_ if is_cmp else a.dtype, shape),)
                    return (a,)  # b broadcast to a (x * 1.5): a's type, already made
        note = ""
        if dtypes.int8 in (a.dtype, b.dtype):
            note = " (int8 is a quantized type in TensorRT: dequantize it with td.dequantize first)"
        elif self.op is _E.POW and a.dtype in dtypes.INTEGERS:
            note = " (integer POW is not supported by TensorRT's ONNX importer; cast to float)"
        expect_dtype(self, "a", a, allowed, note)
        expect_dtype(self, "b", b, allowed, note)
        if a.dtype != b.dtype:
            raise DTypeError(
                f"{self.label()}: inputs have dtypes {a.dtype.name} and {b.dtype.name}; TensorRT networks "
                "are strongly typed, so both must be the same (cast one with td.cast)"
            )
        shape = broadcast_types(self.label(), (a, b))
        return (TensorType(dtypes.bool_ if is_cmp else a.dtype, shape),)

    def reference(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
        fn, _, is_cmp = _TABLE_BY_NAME[self.op._name_]
        if a.dtype is _FLOAT32 and not is_cmp:  # float32 in, float32 out (the interpreter checks it)
            return (fn(a, b),)
        if is_cmp:
            return (np.asarray(fn(a, b), dtype=np.bool_),)
        return (in_float(fn, a.dtype, a, b),)

    def in_place(self, index: int) -> UfuncForm | None:
        """For float32 inputs, :meth:`reference` computed into input ``index`` (whose value nothing reads
        afterwards: the interpreter decides it from the plan), ``fn(a, b, out=(a, b)[index])``: the same
        ufunc, the same value per element. None where the operation has no such form (comparisons,
        division, which has an integer form, floor division)."""
        fn, _, is_cmp = _TABLE_BY_NAME[self.op._name_]
        if is_cmp or not isinstance(fn, np.ufunc):
            return None
        return UfuncForm(fn, index)


# one op per operation, made once: ops are frozen values, which the layers using them share
_OPS = {operation._name_: ElementWise(operation) for operation in _E}  # keyed as _TABLE_BY_NAME


def elementwise(a: Any, b: Any, op: ElementWiseOperation | str, *, name: str | None = None) -> Tensor:
    """``op(a, b)`` as one IElementWiseLayer; ``op`` is an :class:`ElementWiseOperation` or its name.

    NumPy-style broadcasting: a lower-rank input gets leading 1s (an Unsqueeze layer, or a reshaped
    constant); numbers and arrays become constants of the other input's dtype.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("ew")
    >>> a = net.input("a", td.float32, (2, 3))
    >>> net.output("y", td.elementwise(a, [1.0, 2.0, 3.0], "max"))   # np.maximum: b gets a leading 1
    >>> net.run({"a": np.array([[0, 5, 0], [9, 0, 9]], np.float32)})["y"]
    array([[1., 5., 3.],
           [9., 2., 9.]], dtype=float32)
    """
    operation = op if isinstance(op, ElementWiseOperation) else enum_member("elementwise", "op", op,
                                                                             ElementWiseOperation)
    return _elementwise(a, b, operation, name, 1)


def _elementwise(a: Any, b: Any, operation: ElementWiseOperation, name: str | None, callers: int) -> Tensor:
    """:func:`elementwise`, for trtdsl's functions: ``callers`` is how many of the frames calling it are
    trtdsl's own, its caller's first (which that caller knows), for the locations of the layers it makes
    (the search for the user's line skips them, see :meth:`Network._add`)."""
    skip = 1 + callers  # this frame and its callers'
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.network is b.network and a.ndim == b.ndim:
        return a.network._add(_OPS[operation._name_], (a, b), name, skip, memo=True)[0]
    fn = _FN_NAMES_BY_NAME[operation._name_]
    if a.__class__ is Tensor and b.__class__ in FLOAT_SCALARS:  # x * 1.5: the steps below, known in advance
        at = user_location(skip=skip)  # found once for the layer and its constant
        tb = as_tensor(fn, "b", b, a, a.ndim, at)
        return a.network._add(_OPS[operation._name_], (a, tb), name, at, memo=True)[0]
    network_of(fn, a, b)
    like = a if isinstance(a, Tensor) else b
    rank = max(ndim_of(fn, "a", a), ndim_of(fn, "b", b))
    at = user_location(skip=skip)  # found once for the layer and its constants
    ta = as_tensor(fn, "a", a, like, rank, at)
    tb = as_tensor(fn, "b", b, like, rank, at)
    if ta.ndim != tb.ndim:  # a tensor of lower rank than the other input (constants are made of its rank)
        ta, tb = align_ranks((ta, tb))
    return like.network._add(_OPS[operation._name_], (ta, tb), name, at, memo=True)[0]


def _binary(operation: ElementWiseOperation, formula: str, example: tuple[str, list, Any, str]
            ) -> Callable[..., Tensor]:
    """The DSL function of one operation, documented by ``formula`` and a run ``example``: the input
    dtype, ``a``'s values, ``b`` and the printed result."""
    fn_name = _FN_NAMES[operation]

    def fn(a: Any, b: Any, *, name: str | None = None) -> Tensor:
        return _elementwise(a, b, operation, name, 1)

    dtype, a, b, result = example
    fn.__name__ = fn.__qualname__ = fn_name
    fn.__doc__ = f"""{formula} ({operation.name}), as one IElementWiseLayer (see :func:`elementwise`).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("ew")
    >>> a = net.input("a", td.{dtype}, (3,))
    >>> net.output("y", td.{fn_name}(a, {b!r}))
    >>> net.run({{"a": np.array({a!r}, np.{dtype.rstrip("_")})}})["y"]
    {result}
    """
    return fn


# Sources of the readings (docs/semantics.md has them all):
# - MAX/MIN skip a NaN operand (np.fmax/np.fmin). Observed for MIN: a TensorRT 10.16.1 engine returns the
#   non-NaN operand of ONNX Min (NVIDIA/TensorRT#4758), which onnx-tensorrt maps straight to kMIN
#   (onnxOpImporters.cpp, Min). Inferred for MAX, by symmetry and because CUDA's fmaxf/fminf treat a NaN
#   argument as missing data (CUDA libdevice guide, __nv_fmaxf); a NaN-operand run of kMAX would settle it.
# - EQUAL also takes bools: onnx-tensorrt passes bool Equal straight to kEQUAL (importerUtils.cpp,
#   "Equal supports all types").
# - POW takes float types only: stricter than TensorRT >= 10.8, whose Operators page lists int8/int32/
#   int64 too; onnx-tensorrt rejects integer POW.
# - UNCONFIRMED, undefined in TensorRT: integer results wrap (two's complement) and integer division by
#   zero gives 0 (a maintainer calls division-by-zero results undefined, NVIDIA/TensorRT#3448); an engine
#   run of int32 overflow would settle the first.
add = _binary(_E.SUM, "``a + b``; integers wrap",
              ("float32", [1, 2, 3], 0.5, "array([1.5, 2.5, 3.5], dtype=float32)"))
subtract = _binary(_E.SUB, "``a - b``; integers wrap",
                   ("float32", [1, 2, 3], 0.5, "array([0.5, 1.5, 2.5], dtype=float32)"))
multiply = _binary(_E.PROD, "``a * b``; integers wrap",
                   ("float32", [1, 2, 3], 2.0, "array([2., 4., 6.], dtype=float32)"))
divide = _binary(_E.DIV, "``a / b``: IEEE division for floats; for integers ``np.trunc(a / b)`` (toward "
                         "zero, unlike NumPy), and 0 for a division by zero (undefined in TensorRT)",
                 ("int32", [-7, 7, 9], 2, "array([-3,  3,  4], dtype=int32)"))
floor_divide = _binary(_E.FLOOR_DIV, "``np.floor(a / b)``; for integers Python's ``a // b``, and 0 for a "
                                     "division by zero (undefined in TensorRT)",
                       ("int32", [-7, 7, 9], 2, "array([-4,  3,  4], dtype=int32)"))
power = _binary(_E.POW, "``a ** b``, float types only",
                ("float32", [1, 2, 3], 2.0, "array([1., 4., 9.], dtype=float32)"))
maximum = _binary(_E.MAX, "``np.fmax(a, b)``: where one operand is NaN, the other (NaN only if both are)",
                  ("float32", [-1, 0, 2], 0.5, "array([0.5, 0.5, 2. ], dtype=float32)"))
minimum = _binary(_E.MIN, "``np.fmin(a, b)``: where one operand is NaN, the other (NaN only if both are)",
                  ("float32", [-1, 0, 2], 0.5, "array([-1. ,  0. ,  0.5], dtype=float32)"))
logical_and = _binary(_E.AND, "``a & b`` for bool tensors",
                      ("bool_", [True, False, True], [True, True, False], "array([ True, False, False])"))
logical_or = _binary(_E.OR, "``a | b`` for bool tensors",
                     ("bool_", [True, False, False], [True, True, False], "array([ True,  True, False])"))
logical_xor = _binary(_E.XOR, "``a ^ b`` for bool tensors",
                      ("bool_", [True, False, True], [True, True, False], "array([False,  True,  True])"))
equal = _binary(_E.EQUAL, "``a == b``, a bool tensor (inputs: numbers or bools)",
                ("float32", [1, 2, 3], 2.0, "array([False,  True, False])"))
greater = _binary(_E.GREATER, "``a > b``, a bool tensor",
                  ("float32", [1, 2, 3], 2.0, "array([False, False,  True])"))
less = _binary(_E.LESS, "``a < b``, a bool tensor",
               ("float32", [1, 2, 3], 2.0, "array([ True, False, False])"))
_OPERATIONS_BY_FN_NAME = {name: operation for operation, name in _FN_NAMES.items()}


@ir_function
def binary_operator(a: Any, b: Any, fn_name: str) -> Tensor:
    """``a <op> b`` written with an operator of :class:`~trtdsl.Tensor`: the function called ``fn_name``
    (``x * 2`` is ``td.multiply(x, 2)``). Only the operators call it: their frame and this one are trtdsl's,
    which the search for the layers' location (the operator's caller) skips.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("o")
    >>> x = net.input("x", td.float32, (2,))
    >>> net.output("y", 2.0 * x)   # binary_operator(2.0, x, "multiply")
    >>> net.run({"x": np.array([1, 2], np.float32)})["y"]
    array([2., 4.], dtype=float32)
    """
    return _elementwise(a, b, _OPERATIONS_BY_FN_NAME[fn_name], None, 2)


@ir_function
def not_equal(a: Any, b: Any, *, name: str | None = None) -> Tensor:
    """``a != b``: TensorRT has no NOT_EQUAL, so this is ``NOT(EQUAL(a, b))``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("ne")
    >>> a = net.input("a", td.float32, (3,))
    >>> net.output("y", a != 1.0)
    >>> net.run({"a": np.array([1.0, 2.0, np.nan], np.float32)})["y"]
    array([False,  True,  True])
    """
    from trtdsl.layers.unary import logical_not

    return logical_not(equal(a, b), name=name)


@ir_function
def greater_equal(a: Any, b: Any, *, name: str | None = None) -> Tensor:
    """``a >= b`` as ``OR(GREATER(a, b), EQUAL(a, b))`` (false when either is NaN, as in NumPy).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("ge")
    >>> a = net.input("a", td.float32, (3,))
    >>> net.output("y", a >= 1.0)
    >>> net.run({"a": np.array([1.0, 0.5, np.nan], np.float32)})["y"]
    array([ True, False, False])
    """
    return logical_or(greater(a, b), equal(a, b), name=name)


@ir_function
def less_equal(a: Any, b: Any, *, name: str | None = None) -> Tensor:
    """``a <= b`` as ``OR(LESS(a, b), EQUAL(a, b))``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("le")
    >>> a = net.input("a", td.int32, (3,))
    >>> net.output("y", a <= 1)
    >>> net.run({"a": np.array([1, 2, -3], np.int32)})["y"]
    array([ True, False,  True])
    """
    return logical_or(less(a, b), equal(a, b), name=name)


@ir_function
def mod(a: Any, b: Any, *, name: str | None = None) -> Tensor:
    """Python/NumPy modulo ``a - floor_divide(a, b) * b`` (the sign follows ``b``), built from
    FLOOR_DIV, PROD and SUB as TensorRT's ONNX importer does for ``Mod(fmod=0)``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("m")
    >>> a = net.input("a", td.int32, (4,))
    >>> net.output("y", a % 3)
    >>> net.run({"a": np.array([-4, -1, 5, 6], np.int32)})["y"]
    array([2, 2, 2, 0], dtype=int32)
    """
    return subtract(a, multiply(floor_divide(a, b), b), name=name)
