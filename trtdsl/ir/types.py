"""Values the IR is made of: a tensor's type (dtype + shape) and constant weights."""

from __future__ import annotations

import hashlib

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import DTypeError, ShapeError
from trtdsl.ir.dims import DimLike, dim_tuple, format_shape, is_static


@attrs.frozen(cache_hash=True)
class TensorType:
    """A tensor's dtype and shape; dims are ints or symbolic :class:`~trtdsl.ir.dims.Dim`."""

    dtype: DType
    shape: tuple[DimLike, ...] = attrs.field(converter=dim_tuple)

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def is_static(self) -> bool:
        return is_static(self.shape)

    @property
    def shape_text(self) -> str:
        """The shape as users write it, e.g. ``(batch, 4)``."""
        return "(" + ", ".join(str(d) for d in self.shape) + ("," if len(self.shape) == 1 else "") + ")"

    def check_shape_vector(self, what: str, length: int | None = None) -> None:
        """Raise unless this is the type of a shape tensor that a layer reads as a list of dims: int32 or
        int64, 1-D, of a length known when the network is built (``length`` if given). ``what`` names
        the tensor in the message.

        >>> TensorType(dtypes.int64, (3,)).check_shape_vector("reshape: argument 'shape' (%s)", 3)
        >>> try:
        ...     TensorType(dtypes.int32, ("n",)).check_shape_vector("Fill: input 'dims'")
        ... except ShapeError as e:
        ...     print(e.message)
        Fill: input 'dims' has the dynamic length n; TensorRT needs a shape tensor's length when the network
        is built (it is the rank of a result)
        """
        if self.dtype not in (dtypes.int32, dtypes.int64):
            raise DTypeError(f"{what} has dtype {self.dtype.name}; a shape tensor is int32 or int64")
        if self.rank != 1:
            raise ShapeError(f"{what} has shape {self.shape_text}; a shape tensor is 1-D")
        if not isinstance(self.shape[0], int):
            raise ShapeError(
                f"{what} has the dynamic length {self.shape[0]}; TensorRT needs a shape tensor's length when "
                "the network is built (it is the rank of a result)"
            )
        if length is not None and self.shape[0] != length:
            raise ShapeError(f"{what} has {self.shape[0]} elements; expected {length}")

    def __str__(self) -> str:
        return f"{self.dtype.short}{format_shape(self.shape)}"


@attrs.frozen(eq=False, repr=False)
class Weights:
    """An immutable copy of a NumPy array, compared by dtype, shape and contents (NaNs included)."""

    array: np.ndarray
    dtype: DType  # the array's, found once by Weights.of (every constant's type asks)

    @staticmethod
    def of(values: np.ndarray) -> Weights:
        """A read-only C-ordered copy of ``values``, which must have a TensorRT data type.

        >>> Weights.of(np.arange(3, dtype=np.int32))
        i32[3] [0, 1, 2]
        """
        return Weights.owning(np.array(values, copy=True, order="C"))

    @staticmethod
    def owning(array: np.ndarray) -> Weights:
        """Weights holding ``array`` itself, made read-only: a C-ordered array of a TensorRT data type that
        nothing else holds (made for these weights, so that copying it would change nothing).

        >>> Weights.owning(np.zeros((1, 1), np.float32)).array.flags.writeable
        False
        """
        dtype = dtypes.of_array(array)
        if dtype is None:
            raise DTypeError(f"Weights: values have dtype {array.dtype}, which TensorRT does not have; "
                             "convert them first (e.g. .astype(np.float32))")
        array.setflags(write=False)
        return Weights(array, dtype)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    def _key(self) -> tuple[str, tuple[int, ...], bytes]:
        return (self.array.dtype.str, self.array.shape, hashlib.sha1(self.array.tobytes()).digest())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Weights) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        if self.array.size <= 8:
            values = np.array2string(self.array.astype(np.float64) if self.dtype.category == "quantized"
                                     else self.array, separator=", ").replace("\n", "")
            return f"{self.dtype.short}{format_shape(self.shape)} {values}"
        return f"<{self.dtype.short}{format_shape(self.shape)}>"
