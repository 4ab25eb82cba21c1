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
from trtdsl.ir.op import InputTypes, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import enum_member, expect_dtype, expect_tensor, in_float
from trtdsl.layers._erf import erf as _erf


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
    input_names = ("x",)
    op: UnaryOperation

    def label(self) -> str:
        return f"Unary[{self.op.name}]"

    def name_hint(self) -> str:
        return self.op.name.lower()

    def attributes(self) -> dict[str, object]:
        return {}

    def infer(self, inputs: InputTypes) -> tuple[TensorType, ...]:
        (x,) = inputs
        assert x is not None
        _, allowed, out = _TABLE[self.op]
        note = " (for integers use 0 - x)" if self.op is _U.NEG else ""
        expect_dtype(self.label(), "x", x, allowed, note)
        return (TensorType(out or x.dtype, x.shape),)

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        fn, _, out = _TABLE[self.op]
        if out is not None:
            return (np.asarray(fn(x), dtype=out.numpy),)
        if x.dtype.kind in "iub":
            return (np.asarray(fn(x), dtype=x.dtype),)
        return (in_float(fn, x.dtype, x),)


def unary(x: Tensor, op: UnaryOperation | str, *, name: str | None = None) -> Tensor:
    """``op(x)`` as one IUnaryLayer; ``op`` is a :class:`UnaryOperation` or its name."""
    operation = enum_member("unary", "op", op, UnaryOperation)
    x = expect_tensor(operation.name.lower(), "x", x)
    return x.network.add1(Unary(operation), (x,), name=name)


def _unary(operation: UnaryOperation, doc: str) -> Callable[..., Tensor]:
    def fn(x: Tensor, *, name: str | None = None) -> Tensor:
        return unary(x, operation, name=name)

    fn.__doc__ = doc
    return fn


exp = _unary(_U.EXP, "``np.exp(x)``.")
log = _unary(_U.LOG, "``np.log(x)`` (natural logarithm).")
sqrt = _unary(_U.SQRT, "``np.sqrt(x)``.")
reciprocal = _unary(_U.RECIP, "``1 / x``.")
abs = _unary(_U.ABS, "``np.abs(x)``; floats, int32, int64.")
sin = _unary(_U.SIN, "``np.sin(x)``.")
cos = _unary(_U.COS, "``np.cos(x)``.")
tan = _unary(_U.TAN, "``np.tan(x)``.")
sinh = _unary(_U.SINH, "``np.sinh(x)``.")
cosh = _unary(_U.COSH, "``np.cosh(x)``.")
arcsin = _unary(_U.ASIN, "``np.arcsin(x)``.")
arccos = _unary(_U.ACOS, "``np.arccos(x)``.")
arctan = _unary(_U.ATAN, "``np.arctan(x)``.")
arcsinh = _unary(_U.ASINH, "``np.arcsinh(x)``.")
arccosh = _unary(_U.ACOSH, "``np.arccosh(x)``.")
arctanh = _unary(_U.ATANH, "``np.arctanh(x)``.")
ceil = _unary(_U.CEIL, "``np.ceil(x)``.")
floor = _unary(_U.FLOOR, "``np.floor(x)``.")
erf = _unary(_U.ERF, "``erf(x)``, the Gauss error function.")
logical_not = _unary(_U.NOT, "``~x`` for a bool tensor.")
sign = _unary(_U.SIGN, "``np.sign(x)`` (+1, -1 or 0); floats, int32, int64.")
round = _unary(_U.ROUND, "``np.rint(x)``: round half to even.")
isinf = _unary(_U.ISINF, "``np.isinf(x)``, a bool tensor.")
isnan = _unary(_U.ISNAN, "``np.isnan(x)``, a bool tensor.")


def negative(x: Tensor, *, name: str | None = None) -> Tensor:
    """``-x``: unary NEG for floats; ``0 - x`` (an ElementWise SUB) for int32/int64."""
    x = expect_tensor("negative", "x", x)
    if x.dtype in dtypes.INTEGERS:
        from trtdsl.layers.elementwise import subtract

        return subtract(0, x, name=name)
    return unary(x, _U.NEG, name=name)

