"""IUnaryLayer: one function per UnaryOperation.

``ROUND`` rounds half to even (``np.rint``); ``ISINF``/``ISNAN`` give bool; ``NOT`` takes bool only;
``ABS``/``SIGN`` also take int32/int64; ``NEG`` on integers is built as ``0 - x`` (TensorRT's unary
NEG takes floats only, as its ONNX importer also works around).

>>> import numpy as np, trtdsl as td
>>> net = td.Network("u")
>>> x = net.input("x", td.float32, (4,))
>>> net.output("r", td.round(x))          # np.rint(x)
>>> net.run({"x": np.array([0.5, 1.5, 2.5, -0.5], np.float32)})["r"]
array([ 0.,  2.,  2., -0.], dtype=float32)
"""

from __future__ import annotations

import enum
from typing import Callable

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.ir.functions import ir_function
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import enum_member, expect_dtype, expect_tensor, in_float
from trtdsl.layers._erf import erf as _erf

__all__ = [
    "Unary", "UnaryOperation", "abs", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh",
    "ceil", "cos", "cosh", "erf", "exp", "floor", "isinf", "isnan", "log", "logical_not", "negative",
    "reciprocal", "round", "sign", "sin", "sinh", "sqrt", "tan", "unary",
]


class UnaryOperation(enum.Enum):
    EXP = "exp"
    LOG = "log"
    SQRT = "sqrt"
    RECIP = "recip"
    ABS = "abs"
    NEG = "neg"
    SIN = "sin"
    COS = "cos"
    TAN = "tan"
    SINH = "sinh"
    COSH = "cosh"
    ASIN = "asin"
    ACOS = "acos"
    ATAN = "atan"
    ASINH = "asinh"
    ACOSH = "acosh"
    ATANH = "atanh"
    CEIL = "ceil"
    FLOOR = "floor"
    ERF = "erf"
    NOT = "not"
    SIGN = "sign"
    ROUND = "round"
    ISINF = "isinf"
    ISNAN = "isnan"


_U = UnaryOperation
_F = dtypes.FLOATS
_FI = dtypes.FLOATS + dtypes.INTEGERS
# (numpy function, allowed input dtypes, output dtype or None for "same as input")
_TABLE: dict[UnaryOperation, tuple[Callable[[np.ndarray], np.ndarray], tuple, dtypes.DType | None]] = {
    _U.EXP: (np.exp, _F, None),
    _U.LOG: (np.log, _F, None),
    _U.SQRT: (np.sqrt, _F, None),
    _U.RECIP: (np.reciprocal, _F, None),
    _U.ABS: (np.abs, _FI, None),
    _U.NEG: (np.negative, _F, None),
    _U.SIN: (np.sin, _F, None),
    _U.COS: (np.cos, _F, None),
    _U.TAN: (np.tan, _F, None),
    _U.SINH: (np.sinh, _F, None),
    _U.COSH: (np.cosh, _F, None),
    _U.ASIN: (np.arcsin, _F, None),
    _U.ACOS: (np.arccos, _F, None),
    _U.ATAN: (np.arctan, _F, None),
    _U.ASINH: (np.arcsinh, _F, None),
    _U.ACOSH: (np.arccosh, _F, None),
    _U.ATANH: (np.arctanh, _F, None),
    _U.CEIL: (np.ceil, _F, None),
    _U.FLOOR: (np.floor, _F, None),
    _U.ERF: (_erf, _F, None),
    _U.NOT: (np.logical_not, (dtypes.bool_,), None),
    _U.SIGN: (np.sign, _FI, None),
    _U.ROUND: (np.rint, _F, None),
    _U.ISINF: (np.isinf, _F, dtypes.bool_),
    _U.ISNAN: (np.isnan, _F, dtypes.bool_),
}


@attrs.frozen
class Unary(Op):
    """``op(x)`` elementwise."""

    kind = "Unary"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.exp`, `td.log`, `td.sqrt`, `td.reciprocal`, `td.abs`, `td.negative`, `td.sin`, `td.cos`, "
        "`td.tan`, `td.sinh`, `td.cosh`, `td.arcsin`, `td.arccos`, `td.arctan`, `td.arcsinh`, "
        "`td.arccosh`, `td.arctanh`, `td.ceil`, `td.floor`, `td.round`, `td.sign`, `td.erf`, `td.isinf`, "
        "`td.isnan`, `td.logical_not`, `td.unary`; operators `-x`, `abs(x)`, `~x`",
        "`IUnaryLayer` (`UnaryOperation`)",
        "ROUND is half to even (`np.rint`); NOT takes bool only; ABS/SIGN also take int32/int64; integer "
        "negation is built as `0 - x` (TensorRT's NEG is float-only).",
        "NvInfer.h `UnaryOperation`; integer NEG: onnx-tensorrt",
    )
    input_names = ("x",)
    op: UnaryOperation = attrs.field(metadata=ir(names=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        (x,) = inputs
        _, allowed, out = _TABLE[self.op]
        note = ""
        if self.op is _U.NEG:
            note = " (for bool, ~x is the logical NOT)" if x.dtype is dtypes.bool_ else \
                " (for integers use 0 - x)"
        expect_dtype(self, "x", x, allowed, note)
        return (TensorType(out or x.dtype, x.shape),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        fn, _, out = _TABLE[self.op]
        if out is not None:
            return (np.asarray(fn(x), dtype=out.numpy),)
        if x.dtype.kind in "iub":
            return (np.asarray(fn(x), dtype=x.dtype),)
        return (in_float(fn, x.dtype, x),)


def unary(x: Tensor, op: UnaryOperation | str, *, name: str | None = None) -> Tensor:
    """``op(x)`` as one IUnaryLayer; ``op`` is a :class:`UnaryOperation` or its name.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("u")
    >>> x = net.input("x", td.float32, (2,))
    >>> net.output("y", td.unary(x, "floor"))
    >>> net.run({"x": np.array([-0.5, 1.5], np.float32)})["y"]
    array([-1.,  1.], dtype=float32)
    """
    operation = enum_member("unary", "op", op, UnaryOperation)
    x = expect_tensor(operation.name.lower(), "x", x)
    return x.network.add1(Unary(operation), (x,), name=name)


def _unary(operation: UnaryOperation, formula: str, example: tuple[str, str, str]) -> Callable[..., Tensor]:
    """The DSL function of one operation, documented by ``formula`` and a run ``example``: the input
    dtype, the input's values as Python source, and the printed result."""
    fn_name = "logical_not" if operation is _U.NOT else _NAMES.get(operation, operation.name.lower())

    def fn(x: Tensor, *, name: str | None = None) -> Tensor:
        return unary(x, operation, name=name)

    dtype, values, result = example
    fn.__name__ = fn.__qualname__ = fn_name
    fn.__doc__ = f"""{formula} ({operation.name}), as one IUnaryLayer.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("u")
    >>> x = net.input("x", td.{dtype}, ({values.count(",") + 1},))
    >>> net.output("y", td.{fn_name}(x))
    >>> net.run({{"x": np.array({values}, np.{dtype})}})["y"]
    {result}
    """
    return fn


_NAMES = {_U.RECIP: "reciprocal", _U.ASIN: "arcsin", _U.ACOS: "arccos", _U.ATAN: "arctan",
          _U.ASINH: "arcsinh", _U.ACOSH: "arccosh", _U.ATANH: "arctanh"}

exp = _unary(_U.EXP, "``np.exp(x)``", ("float32", "[0.0, 1.0]", "array([1.      , 2.718282], dtype=float32)"))
log = _unary(_U.LOG, "``np.log(x)`` (natural logarithm)",
             ("float32", "[1.0, 4.0]", "array([0.       , 1.3862944], dtype=float32)"))
sqrt = _unary(_U.SQRT, "``np.sqrt(x)``",
              ("float32", "[4.0, 2.0]", "array([2.       , 1.4142135], dtype=float32)"))
reciprocal = _unary(_U.RECIP, "``1 / x``", ("float32", "[2.0, -4.0]", "array([ 0.5 , -0.25], dtype=float32)"))
abs = _unary(_U.ABS, "``np.abs(x)``; floats, int32, int64",
             ("int32", "[-3, 2]", "array([3, 2], dtype=int32)"))
sin = _unary(_U.SIN, "``np.sin(x)``",
             ("float32", "[0.0, 0.5]", "array([0.        , 0.47942555], dtype=float32)"))
cos = _unary(_U.COS, "``np.cos(x)``",
             ("float32", "[0.0, 0.5]", "array([1.        , 0.87758255], dtype=float32)"))
tan = _unary(_U.TAN, "``np.tan(x)``",
             ("float32", "[0.0, 0.5]", "array([0.       , 0.5463025], dtype=float32)"))
sinh = _unary(_U.SINH, "``np.sinh(x)``",
              ("float32", "[0.0, 0.5]", "array([0.       , 0.5210953], dtype=float32)"))
cosh = _unary(_U.COSH, "``np.cosh(x)``",
              ("float32", "[0.0, 0.5]", "array([1.       , 1.1276261], dtype=float32)"))
arcsin = _unary(_U.ASIN, "``np.arcsin(x)``",
                ("float32", "[0.0, 0.5]", "array([0.       , 0.5235988], dtype=float32)"))
arccos = _unary(_U.ACOS, "``np.arccos(x)``",
                ("float32", "[0.0, 0.5]", "array([1.5707964, 1.0471976], dtype=float32)"))
arctan = _unary(_U.ATAN, "``np.arctan(x)``",
                ("float32", "[0.0, 0.5]", "array([0.       , 0.4636476], dtype=float32)"))
arcsinh = _unary(_U.ASINH, "``np.arcsinh(x)``",
                 ("float32", "[0.0, 0.5]", "array([0.       , 0.4812118], dtype=float32)"))
arccosh = _unary(_U.ACOSH, "``np.arccosh(x)``",
                 ("float32", "[1.0, 2.0]", "array([0.      , 1.316958], dtype=float32)"))
arctanh = _unary(_U.ATANH, "``np.arctanh(x)``",
                 ("float32", "[0.0, 0.5]", "array([0.        , 0.54930615], dtype=float32)"))
ceil = _unary(_U.CEIL, "``np.ceil(x)``", ("float32", "[-1.5, 1.2]", "array([-1.,  2.], dtype=float32)"))
floor = _unary(_U.FLOOR, "``np.floor(x)``", ("float32", "[-1.5, 1.2]", "array([-2.,  1.], dtype=float32)"))
erf = _unary(_U.ERF, "``scipy.special.erf(x)``, the Gauss error function",
             ("float32", "[0.0, 1.0]", "array([0.       , 0.8427008], dtype=float32)"))
logical_not = _unary(_U.NOT, "``~x`` for a bool tensor", ("bool", "[True, False]", "array([False,  True])"))
sign = _unary(_U.SIGN, "``np.sign(x)`` (+1, -1 or 0); floats, int32, int64",
              ("int32", "[-5, 0, 3]", "array([-1,  0,  1], dtype=int32)"))
round = _unary(_U.ROUND, "``np.rint(x)``: round half to even",
               ("float32", "[0.5, 1.5, 2.5]", "array([0., 2., 2.], dtype=float32)"))
isinf = _unary(_U.ISINF, "``np.isinf(x)``, a bool tensor",
               ("float32", "[np.inf, 1.0]", "array([ True, False])"))
isnan = _unary(_U.ISNAN, "``np.isnan(x)``, a bool tensor",
               ("float32", "[np.nan, 1.0]", "array([ True, False])"))
ir_function(abs)  # abs(x) on Tensors
ir_function(logical_not)  # ~x on Tensors


@ir_function
def negative(x: Tensor, *, name: str | None = None) -> Tensor:
    """``-x``: unary NEG for floats; ``0 - x`` (an ElementWise SUB) for int32/int64.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("n")
    >>> i = net.input("i", td.int32, (2,))
    >>> net.output("y", -i)                      # 0 - i
    >>> [n.op.label() for n in net.nodes]
    ['Constant', 'ElementWise[SUB]']
    >>> net.run({"i": np.array([3, -4], np.int32)})["y"]
    array([-3,  4], dtype=int32)
    """
    x = expect_tensor("negative", "x", x)
    if x.dtype in dtypes.INTEGERS:
        from trtdsl.layers.elementwise import subtract

        return subtract(0, x, name=name)
    return unary(x, _U.NEG, name=name)

