"""IMatrixMultiplyLayer: batched matrix and vector products, ``np.matmul`` as TensorRT states it.

Each input carries a :class:`MatrixOperation`: ``NONE`` (the last two dims are the matrix), ``TRANSPOSE``
(the same, transposed) or ``VECTOR`` (the last dim is a vector). A ``VECTOR`` first input ``[..., K]`` acts as
row vectors ``[..., 1, K]`` and a ``VECTOR`` second input as column vectors ``[..., K, 1]``; their unit dim is
not in the result, so matrix·vector gives a vector and vector·vector a scalar. The remaining (batch) dims
broadcast (equal, or one of them 1), and TensorRT requires both inputs to have the same number of them:
:func:`matmul` adds the leading 1s NumPy implies (an Unsqueeze layer, or a reshaped constant).

Only float types are valid (TensorRT rejects int32 inputs); 16-bit floats are computed in float32. TensorRT
may run float32 products in TF32 (on by default), so compare its results with a tolerance.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("mm")
>>> a = net.input("a", td.float32, ("batch", 2, 3))
>>> v = net.input("v", td.float32, (3,))
>>> net.output("y", a @ v)                       # np.matmul(a, v): VECTOR for v
>>> net.output("z", td.matmul(a, a, transpose_b=True))  # a @ np.swapaxes(a, -1, -2)
>>> out = net.run({"a": np.arange(6, dtype=np.float32).reshape(1, 2, 3), "v": np.ones(3, np.float32)})
>>> out["y"]
array([[ 3., 12.]], dtype=float32)
>>> out["z"]
array([[[ 5., 14.],
        [14., 50.]]], dtype=float32)
"""

from __future__ import annotations

import math

import enum
from typing import Any, Callable

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import DTypeError, ShapeError, UnequalDimsError, bad_argument
from trtdsl.ir.dims import Dim, DimLike
from trtdsl.ir.functions import ir_function
from trtdsl.ir.op import Inputs, Op, ir
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.shapes.algebra import same_dim
from trtdsl.layers._blas import gemm, gemm_available, gemm_batched
from trtdsl.layers._common import (
    as_tensor, broadcast_dim, expect_bool, expect_dtype, in_float, ndim_of, network_of,
)

__all__ = ["MatrixMultiply", "MatrixOperation", "matmul"]


class MatrixOperation(enum.Enum):
    NONE = "none"
    TRANSPOSE = "transpose"
    VECTOR = "vector"


_M = MatrixOperation


def _operand_dims(op: MatrixOperation, ty: TensorType,
                  first: bool) -> tuple[tuple[DimLike, ...], DimLike | None, DimLike]:
    """``(batch dims, kept dim, contracted dim)`` of one operand; the kept dim (M or N) is None for a
    vector."""
    shape = ty.shape
    if op is _M.VECTOR:
        return shape[:-1], None, shape[-1]
    rows, cols = shape[-2], shape[-1]
    if (op is _M.TRANSPOSE) == first:  # op(A) is [M, K]; op(B) is [K, N]
        rows, cols = cols, rows
    return shape[:-2], rows, cols


@attrs.frozen
class MatrixMultiply(Op):
    """``np.matmul(op0(a), op1(b))`` with VECTOR operands' unit dims dropped from the result."""

    kind = "MatrixMultiply"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.matmul`, `@`",
        "`IMatrixMultiplyLayer` (`MatrixOperation` NONE / TRANSPOSE / VECTOR)",
        "`np.matmul` with 1-D operands as VECTOR; both inputs need the same number of batch dims (leading "
        "1s are inserted); floats only; TensorRT may compute float32 in TF32 (build with `tf32=False` to "
        "prevent it).",
        "NvInfer.h `IMatrixMultiplyLayer`, `BuilderFlag::kTF32`",
    )
    input_names = ("a", "b")
    name_stem = "matmul"
    op0: MatrixOperation = attrs.field(default=MatrixOperation.NONE, metadata=ir(label=True))
    op1: MatrixOperation = attrs.field(default=MatrixOperation.NONE, metadata=ir(label=True))

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        a, b = inputs
        label = self.label()
        for arg, ty, op in (("a", a, self.op0), ("b", b, self.op1)):
            note = " (TensorRT's matrix multiply takes float types only; cast integers with td.cast)"
            expect_dtype(label, arg, ty, dtypes.FLOATS, note)
            least = 1 if op is _M.VECTOR else 2
            if ty.rank < least:
                what = "a vector" if least == 1 else "a matrix"
                raise ShapeError(f"{label}: input '{arg}' has shape {ty.shape_text}; {op.name} needs rank >= "
                                 f"{least} ({what} in the last {'dim' if least == 1 else 'two dims'})")
        if a.dtype != b.dtype:
            raise DTypeError(f"{label}: inputs have dtypes {a.dtype.name} and {b.dtype.name}; TensorRT "
                             "networks are strongly typed, so both must be the same (cast one with td.cast)")
        batch_a, m, k_a = _operand_dims(self.op0, a, True)
        batch_b, n, k_b = _operand_dims(self.op1, b, False)
        if len(batch_a) != len(batch_b):
            raise ShapeError(f"{label}: inputs {a.shape_text} and {b.shape_text} have {len(batch_a)} and "
                             f"{len(batch_b)} batch dims; TensorRT requires the same number (td.matmul adds "
                             "leading 1s for you)")
        if isinstance(k_a, Dim) == isinstance(k_b, Dim) and not same_dim(k_a, k_b):
            if isinstance(k_a, Dim):
                raise UnequalDimsError(f"{label}: the contracted dims {k_a} (of {a.shape_text}) and {k_b} "
                                       f"(of {b.shape_text}) may differ; give inputs that must agree the "
                                       "same dim name", dims=(k_a, k_b))
            raise ShapeError(f"{label}: the contracted dims {k_a} (of {a.shape_text}) and {k_b} (of "
                             f"{b.shape_text}) differ")
        batch = tuple(broadcast_dim(label, x, y, (a, b)) for x, y in zip(batch_a, batch_b))
        kept = tuple(d for d in (m, n) if d is not None)
        return (TensorType(a.dtype, batch + kept),)

    def reference(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
        try:
            if self.op0 is _M.NONE and self.op1 is _M.NONE and a.dtype == np.float32:
                return (_matmul(a, b),)
            return (in_float(self._product, a.dtype, a, b),)
        except ValueError as exc:  # dims that could not be compared before run time (an int and a named dim)
            mismatch = self._mismatch(a.shape, b.shape)
            if mismatch is None:
                raise
            raise mismatch from exc

    def _mismatch(self, a: tuple[int, ...], b: tuple[int, ...]) -> ShapeError | None:
        """The error for inputs of shapes ``a`` and ``b`` whose contracted dims or batch dims disagree (known
        only at run time where one is an int and the other a named dim), or None where they agree.

        >>> MatrixMultiply()._mismatch((2, 5), (4, 3)).message.split(": ")[1]
        'at run time the contracted dims 5 (of a, shape (2, 5)) and 4 (of b, shape (4, 3)) differ'
        """
        batch_a, _, k_a = _operand_dims(self.op0, TensorType(dtypes.float32, a), True)
        batch_b, _, k_b = _operand_dims(self.op1, TensorType(dtypes.float32, b), False)
        pairs = [(k_a, k_b, "contracted dims", "")] if k_a != k_b else []
        pairs += [(x, y, "batch dims", " and neither is 1") for x, y in zip(batch_a, batch_b)
                  if x != y and 1 not in (x, y)]
        if not pairs:
            return None
        x, y, what, tail = pairs[0]
        return ShapeError(f"{self.label()}: at run time the {what} {x} (of a, shape {a}) and {y} (of b, "
                          f"shape {b}) differ{tail}")

    def with_fixed_b(self, b: np.ndarray,
                     rows: int) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray]] | None:
        """:meth:`reference` for many products ``a @ b`` of one float32 matrix ``b`` (a loop's weight) by
        ``rows``-row matrices ``a``, or None where it would not be faster. With few rows and a large
        ``b``, ``(b.T @ a.T).T`` with ``b.T`` copied once is about 20% faster in OpenBLAS than ``a @ b``
        (measured at 16 x 512 times 512 x 1024), whose every call packs all of ``b``. Each element is
        still one dot product of length ``K``; BLAS may sum it in another order, so results agree with
        :meth:`reference`'s within float32 rounding. The result is a Fortran-ordered view.

        >>> b = np.arange(2**18, dtype=np.float32).reshape(512, 512) % 7
        >>> a = np.ones((2, 512), np.float32)
        >>> product = MatrixMultiply().with_fixed_b(b, 2)
        >>> product(a, b)[0][:, :4], MatrixMultiply().with_fixed_b(b[:8, :8], 2)
        (array([[1533., 1534., 1535., 1536.],
               [1533., 1534., 1535., 1536.]], dtype=float32), None)
        """
        if self.op0 is not _M.NONE or self.op1 is not _M.NONE or b.dtype != np.float32 or b.ndim != 2 \
                or rows > _FEW_ROWS or b.size < _LARGE_B:
            return None
        transposed = np.ascontiguousarray(b.T)
        return lambda a, _: (np.matmul(transposed, a.T).T,)

    def with_bias(self, bias: np.ndarray) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray]] | None:
        """:meth:`reference` followed by the ElementWise SUM of ``bias``, a float32 constant of one row
        (``(1, ..., 1, N)``, the output's rank) that the product's only reader adds (a dense layer's bias),
        or None where it does not apply: the output holds the bias first and BLAS adds the product into it
        (:func:`gemm`), where a batch of rows times one matrix lands. This spares the addition's pass over
        the output, which reads and writes it (on 256 x 784 times 784 x 1024, 1.15 ms against 1.27 ms with
        a ReLU after it). Elsewhere (several matrices, a layout BLAS cannot read) it adds the bias after the
        product; so it does for one row or one column, a product NumPy gives to BLAS's ``gemv``, which
        reads the matrix once where ``gemm`` packs all of it first (ResNet-50's classifier, 1 x 2048 times
        2048 x 1000: 0.13 ms against 0.56 ms). Each element's bias is the first term of its sum rather than
        added after it, so results agree within float32 rounding.

        >>> product = MatrixMultiply(MatrixOperation.NONE, MatrixOperation.TRANSPOSE)
        >>> product.with_bias(np.full((1, 2), 0.5, np.float32))(np.ones((3, 4), np.float32),
        ...                                                      np.ones((2, 4), np.float32))[0]
        array([[4.5, 4.5],
               [4.5, 4.5],
               [4.5, 4.5]], dtype=float32)
        """
        if self.op0 is not _M.NONE or self.op1 not in (_M.NONE, _M.TRANSPOSE) or bias.dtype != np.float32 \
                or bias.shape[:-1] != (1,) * (bias.ndim - 1) or not gemm_available():
            return None
        row = bias.reshape(-1)

        def form(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray]:
            if a.dtype == b.dtype == np.float32 and b.shape[:-2] == (1,) * (b.ndim - 2) \
                    and b.ndim <= a.ndim == bias.ndim and a.size and b.size:
                matrix: np.ndarray = b.reshape(b.shape[-2:])
                matrix = matrix.T if self.op1 is _M.TRANSPOSE else matrix
                if matrix.shape[-1] == row.size > 1 and a.size > a.shape[-1]:
                    y = np.empty(a.shape[:-1] + matrix.shape[-1:], np.float32)
                    rows = y.reshape(-1, row.size)
                    rows[...] = row
                    if gemm(a.reshape(-1, a.shape[-1]), matrix, rows, True):
                        return (y,)
            return (self.reference(a, b)[0] + bias,)

        return form

    def _product(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if self.op0 is _M.TRANSPOSE:
            a = np.swapaxes(a, -1, -2)
        elif self.op0 is _M.VECTOR:
            a = a[..., None, :]
        if self.op1 is _M.TRANSPOSE:
            b = np.swapaxes(b, -1, -2)
        elif self.op1 is _M.VECTOR:
            b = b[..., None]
        out = _matmul(a, b)
        if self.op1 is _M.VECTOR:
            out = out[..., 0]
        if self.op0 is _M.VECTOR:
            out = out[..., 0] if self.op1 is _M.VECTOR else out[..., 0, :]
        return out


_FEW_ROWS = 64  # with_fixed_b's limits (below 256 x 256 or above 64 rows it was not faster)
_LARGE_B = 2**18


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b)``; a batch of matrices ``a`` times one matrix ``b`` (whose batch dims are all 1)
    is one product of ``a``'s rows stacked, ``(B * M, K) @ (K, N)``, rather than ``B`` small ones, and
    float32 stacks of one batch shape go to BLAS as one batch (:func:`gemm_batched`: attention's products
    per head) where it takes them. Each element is still one dot product of length ``K``; BLAS picks its
    summation order either way.

    >>> _matmul(np.ones((2, 3, 4), np.float32), np.ones((1, 4, 5), np.float32)).shape
    (2, 3, 5)
    """
    if a.ndim > 2 and b.shape[:-2] == (1,) * (b.ndim - 2):
        rows = a.reshape(math.prod(a.shape[:-1]), a.shape[-1]) @ b.reshape(b.shape[-2:])
        return rows.reshape((b.ndim - a.ndim) * (1,) + a.shape[:-1] + b.shape[-1:])
    batched = gemm_batched(a, b) if a.ndim > 2 and a.shape[:-2] == b.shape[:-2] else None
    return np.matmul(a, b) if batched is None else batched


@ir_function
def matmul(a: Any, b: Any, *, transpose_a: bool = False, transpose_b: bool = False,
           name: str | None = None) -> Tensor:
    """``np.matmul(a, b)`` as one IMatrixMultiplyLayer, optionally transposing the last two dims of either
    operand first (``np.matmul(np.swapaxes(a, -1, -2), b)`` for ``transpose_a=True``).

    As in NumPy, a 1-D operand is a vector (``MatrixOperation.VECTOR``, whose dim is not in the result),
    and batch dims broadcast; the operand with fewer batch dims gets leading 1s. Numbers and arrays become
    constants of the other operand's dtype. Float types only.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("mm")
    >>> x = net.input("x", td.float32, (2, 3))
    >>> net.output("y", td.matmul(np.array([1.0, 2.0]), x))   # vector @ matrix -> vector
    >>> net.run({"x": np.arange(6, dtype=np.float32).reshape(2, 3)})["y"]
    array([ 6.,  9., 12.], dtype=float32)
    """
    network_of("matmul", a, b)
    like = a if isinstance(a, Tensor) else b
    ranks = [ndim_of("matmul", "a", a), ndim_of("matmul", "b", b)]
    for arg, rank, flag, flag_name in (("a", ranks[0], transpose_a, "transpose_a"),
                                       ("b", ranks[1], transpose_b, "transpose_b")):
        flag = expect_bool("matmul", flag_name, flag)
        if rank == 0:
            raise ShapeError(f"matmul: argument '{arg}' has shape (); expected rank >= 1 (np.matmul does not "
                             "take scalars; use td.multiply)")
        if rank == 1 and flag:
            raise bad_argument("matmul", flag_name, True, "False for a 1-D operand (a vector has no "
                                                          "transpose)")
    ops = [_M.VECTOR if r == 1 else (_M.TRANSPOSE if t else _M.NONE)
           for r, t in zip(ranks, (transpose_a, transpose_b))]
    batch = max(r - (1 if op is _M.VECTOR else 2) for r, op in zip(ranks, ops))
    targets = [batch + (1 if op is _M.VECTOR else 2) for op in ops]
    ta = _with_rank(as_tensor("matmul", "a", a, like, targets[0]), targets[0])
    tb = _with_rank(as_tensor("matmul", "b", b, like, targets[1]), targets[1])
    return like.network.add1(MatrixMultiply(ops[0], ops[1]), (ta, tb), name=name)


def _with_rank(t: Tensor, rank: int) -> Tensor:
    """``t`` with leading 1s up to ``rank`` (an Unsqueeze layer: TensorRT needs equal batch ranks)."""
    if t.ndim == rank:
        return t
    from trtdsl.layers.squeeze import unsqueeze

    return unsqueeze(t, tuple(range(rank - t.ndim)))

