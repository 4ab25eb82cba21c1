"""NumPy's own OpenBLAS, called directly for the one product NumPy cannot ask of it: ``c = a @ b + c`` into
an existing array (BLAS's ``beta = 1``), on operands that are strided views.

``np.matmul`` always writes a product afresh, so a sum of products costs a temporary and a pass of
``np.add`` per term; BLAS adds each product into ``c`` as it writes it. :func:`gemm` takes only NumPy
arrays, whose shapes, dtypes and strides it checks against what it passes to BLAS, so that every address
it hands over lies inside an array NumPy made.

The library is the OpenBLAS NumPy loaded (its path read from ``/proc/self/maps``), through its 64-bit
integer CBLAS interface: ``scipy_cblas_sgemm64_`` (NumPy 2 wheels) or ``cblas_sgemm64_`` (NumPy 1
wheels). It is checked once against ``np.matmul`` on small products of every layout before use. Where it
is missing (another BLAS, no ``/proc``) :func:`gemm_available` is false and callers keep their NumPy path.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

_GEMMS = ("scipy_cblas_sgemm64_", "cblas_sgemm64_")
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_FLOAT32 = np.dtype(np.float32)


@functools.cache
def openblas_libraries() -> tuple[ctypes.CDLL, ...]:
    """The OpenBLAS libraries this process has loaded, by the paths ``/proc/self/maps`` lists (none where
    it does not exist)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return ()
    found = []
    for path in sorted(paths):
        try:
            found.append(ctypes.CDLL(path))
        except OSError:
            continue
    return tuple(found)


def _layout(x: np.ndarray) -> tuple[bool, int] | None:
    """How BLAS reads the 2-D float32 array ``x``: (transposed, leading dimension), as a row-major matrix
    (unit stride along its rows) or a transposed one (unit stride down its columns), or None if neither."""
    rows, cols = x.shape
    s0, s1 = x.strides
    if (s1 == 4 or cols == 1) and s0 % 4 == 0 and (rows == 1 or s0 // 4 >= max(cols, 1)):
        return False, max(s0 // 4 if rows > 1 else cols, 1)
    if (s0 == 4 or rows == 1) and s1 % 4 == 0 and (cols == 1 or s1 // 4 >= max(rows, 1)):
        return True, max(s1 // 4 if cols > 1 else rows, 1)
    return None


class _Gemm:
    """CBLAS ``sgemm`` (``fn``, of the 64-bit integer interface) on NumPy arrays."""

    def __init__(self, fn: Any) -> None:
        i64, ptr = ctypes.c_int64, ctypes.c_void_p
        fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i64, i64, i64, ctypes.c_float, ptr, i64,
                       ptr, i64, ctypes.c_float, ptr, i64]
        fn.restype = None
        self.fn = fn

    def __call__(self, a: np.ndarray, b: np.ndarray, c: np.ndarray, add: bool) -> bool:
        """``c[...] = a @ b (+ c if add)``; False (nothing done) where a layout does not suit BLAS."""
        if not (a.dtype == b.dtype == c.dtype == _FLOAT32 and a.ndim == b.ndim == c.ndim == 2):
            return False
        m, k = a.shape
        n = b.shape[1]
        if b.shape[0] != k or c.shape != (m, n) or not c.flags.writeable \
                or not (a.flags.aligned and b.flags.aligned and c.flags.aligned) \
                or np.may_share_memory(c, a) or np.may_share_memory(c, b):  # BLAS reads what it writes
            return False
        la, lb, lc = _layout(a), _layout(b), _layout(c)
        if la is None or lb is None or lc is None:
            return False
        if lc[0]:  # c is column-major: c.T = b.T @ a.T is row-major
            a, b, la, lb, m, n = b, a, (not lb[0], lb[1]), (not la[0], la[1]), n, m
        self.fn(_ROW_MAJOR, _TRANS if la[0] else _NO_TRANS, _TRANS if lb[0] else _NO_TRANS, m, n, k, 1.0,
                a.ctypes.data, la[1], b.ctypes.data, lb[1], 1.0 if add else 0.0, c.ctypes.data, lc[1])
        return True


def _agrees(gemm: Callable[[np.ndarray, np.ndarray, np.ndarray, bool], bool]) -> bool:
    """Whether ``gemm`` computes what ``np.matmul`` does, on small products of every layout."""
    rng = np.random.default_rng(0)
    for transposed in range(8):
        a = rng.standard_normal((5, 3)).astype(np.float32)
        b = rng.standard_normal((3, 4)).astype(np.float32)
        c = rng.standard_normal((5, 4)).astype(np.float32)
        a = np.asfortranarray(a) if transposed & 1 else a
        b = np.asfortranarray(b) if transposed & 2 else b
        c = np.asfortranarray(c) if transposed & 4 else c
        expected = np.matmul(a, b) + c
        if not gemm(a, b, c, True) or not np.allclose(c, expected, rtol=1e-5, atol=1e-5):
            return False
    return True


@functools.cache
def _gemm() -> _Gemm | None:
    for library in openblas_libraries():
        for name in _GEMMS:
            fn = getattr(library, name, None)
            if fn is not None:
                gemm = _Gemm(fn)
                return gemm if _agrees(gemm) else None
    return None


def gemm_available() -> bool:
    """Whether :func:`gemm` can call NumPy's OpenBLAS here."""
    return _gemm() is not None


def gemm(a: np.ndarray, b: np.ndarray, c: np.ndarray, add: bool) -> bool:
    """``c[...] = a @ b``, or ``c[...] += a @ b`` if ``add``, for 2-D float32 arrays of which each has unit
    stride along its rows or down its columns (strided views of larger arrays included; ``c`` apart from
    ``a`` and ``b``), by NumPy's OpenBLAS
    (``sgemm``, ``beta = 1`` to add). Returns False, having done nothing, where BLAS cannot take them or is
    not available (see :func:`gemm_available`); each element is one dot product, summed in BLAS's order.

    >>> a, b = np.ones((2, 3), np.float32), np.ones((3, 2), np.float32)
    >>> c = np.full((2, 2), 10, np.float32)
    >>> if gemm(a, b, c, True): print(c)
    ... else: print(a @ b + 10)
    [[13. 13.]
     [13. 13.]]
    """
    fn = _gemm()
    return fn is not None and fn(a, b, c, add)

