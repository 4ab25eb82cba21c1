"""TensorRT's data types, each mapped to the NumPy dtype that holds its values.

Every ``trt.DataType`` of TensorRT 11 has one :class:`DType` here. The exotic ones are held in NumPy
through ``ml_dtypes`` (bfloat16, float8_e4m3fn, int4, float4_e2m1fn, float8_e8m0fnu).

>>> import trtdsl as td
>>> td.float32, td.float32.numpy
(td.float32, dtype('float32'))
>>> td.dtype("bf16") is td.bfloat16
True
>>> td.dtype(np.int64)
td.int64
"""

from __future__ import annotations

from typing import Any

import attrs
import ml_dtypes
import numpy as np

from trtdsl.errors import DTypeError, shown


@attrs.frozen(repr=False, cache_hash=True)  # hashed for every lookup keyed by a dtype (or a tensor type)
class DType:
    """One TensorRT data type.

    ``name`` is trtdsl's (NumPy-style) name, ``short`` the form used in the textual IR and ``trt`` the
    member name of ``tensorrt.DataType``. ``category`` is one of ``"float"`` (float32/16, bfloat16),
    ``"int"`` (integers usable in arithmetic), ``"bool"`` or ``"quantized"`` (types only Q/DQ, casts of
    I/O or scales produce: int8, int4, fp8, fp4, e8m0, uint8).
    """

    name: str
    short: str
    trt: str
    bits: int
    category: str
    numpy: np.dtype = attrs.field(eq=False, converter=np.dtype)

    def __repr__(self) -> str:
        return f"td.{self.name}"

    def __str__(self) -> str:
        return self.short

    @property
    def is_float(self) -> bool:
        return self.category == "float"

    @property
    def is_integer(self) -> bool:
        return self.name in _INTEGER_NAMES

    @property
    def is_bool(self) -> bool:
        return self.category == "bool"


float32 = DType("float32", "f32", "FLOAT", 32, "float", np.float32)
float16 = DType("float16", "f16", "HALF", 16, "float", np.float16)
bfloat16 = DType("bfloat16", "bf16", "BF16", 16, "float", ml_dtypes.bfloat16)
int32 = DType("int32", "i32", "INT32", 32, "int", np.int32)
int64 = DType("int64", "i64", "INT64", 64, "int", np.int64)
bool_ = DType("bool", "bool", "BOOL", 8, "bool", np.bool_)
int8 = DType("int8", "i8", "INT8", 8, "quantized", np.int8)
uint8 = DType("uint8", "u8", "UINT8", 8, "quantized", np.uint8)
int4 = DType("int4", "i4", "INT4", 4, "quantized", ml_dtypes.int4)
float8_e4m3 = DType("float8_e4m3", "fp8", "FP8", 8, "quantized", ml_dtypes.float8_e4m3fn)
float4_e2m1 = DType("float4_e2m1", "fp4", "FP4", 4, "quantized", ml_dtypes.float4_e2m1fn)
e8m0 = DType("e8m0", "e8m0", "E8M0", 8, "quantized", ml_dtypes.float8_e8m0fnu)

ALL: tuple[DType, ...] = (
    float32, float16, bfloat16, int32, int64, bool_, int8, uint8, int4, float8_e4m3, float4_e2m1, e8m0,
)
FLOATS: tuple[DType, ...] = (float32, float16, bfloat16)
INTEGERS: tuple[DType, ...] = (int32, int64)
_INTEGER_NAMES = frozenset({"int32", "int64", "int8", "uint8", "int4"})

_BY_KEY: dict[Any, DType] = {}
for _d in ALL:
    _BY_KEY[_d.name] = _d
    _BY_KEY[_d.short] = _d
    _BY_KEY[_d.trt] = _d
    _BY_KEY[_d.numpy] = _d
_BY_KEY.update({"fp8": float8_e4m3, "fp4": float4_e2m1, "bool_": bool_, "half": float16, "float": float32})


def dtype(value: DType | str | np.dtype | type) -> DType:
    """The :class:`DType` named by ``value``: a DType, a name (``"float32"``, ``"f16"``, ``"FP8"``), or a
    NumPy dtype/scalar type that TensorRT has (float64 is not one).

    >>> dtype("f16"), dtype(np.int32), dtype(ml_dtypes.bfloat16), dtype("INT8")
    (td.float16, td.int32, td.bfloat16, td.int8)
    """
    if isinstance(value, DType):
        return value
    key: Any = value
    if not isinstance(value, str):
        try:
            key = np.dtype(value)
        except (TypeError, ValueError, RecursionError):  # not a dtype (a Tensor's .dtype is not NumPy's)
            key = None
    found = _BY_KEY.get(key)
    if found is None:
        hint = ("; NumPy reads it as float64, which TensorRT does not have: use td.float32"
                if key == np.float64 and not isinstance(value, str) else "")
        raise DTypeError(
            f"dtype: {shown(value)} is not a TensorRT data type; expected one of "
            + ", ".join(d.name for d in ALL) + hint
        )
    return found


def of_array(array: np.ndarray) -> DType | None:
    """The DType whose NumPy dtype is ``array.dtype``, or None (e.g. float64).

    >>> of_array(np.zeros(2, np.float16)), of_array(np.zeros(2))
    (td.float16, None)
    """
    return _BY_KEY.get(array.dtype)
