"""NumPy's own OpenBLAS, called directly for the two products NumPy cannot ask of it: ``c = a @ b + c`` into
an existing array (BLAS's ``beta = 1``), on operands that are strided views, and a stack of products as
one call (BLAS's strided batch).

``np.matmul`` always writes a product afresh, so a sum of products costs a temporary and a pass of
``np.add`` per term; BLAS adds each product into ``c`` as it writes it. For a stack of matrices,
``np.matmul`` makes one BLAS call per matrix, each split between BLAS's threads, which synchronise every
time; the batch call gives each thread whole matrices (attention's 32 products of 128 x 64 by 64 x 128:
0.30 ms against 0.63 ms). :func:`gemm` and :func:`gemm_batched` take only NumPy arrays, whose shapes,
dtypes and strides they check against what they pass to BLAS, so that every address they hand over lies
inside an array NumPy made.

The library is the OpenBLAS NumPy loaded (its path read from ``/proc/self/maps``), through its 64-bit
integer CBLAS interface: ``scipy_cblas_sgemm64_`` (NumPy 2 wheels) or ``cblas_sgemm64_`` (NumPy 1
wheels), and ``cblas_sgemm_batch_strided`` (of the OpenBLAS versions ``_BATCH_VERSIONS`` names). Each is
checked once against ``np.matmul`` on products of every layout before use. Where one is missing (another
BLAS, another OpenBLAS, no ``/proc``) :func:`gemm_available` is false or :func:`gemm_batched` returns None,
and callers keep their NumPy path.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

_GEMMS = ("scipy_cblas_sgemm64_", "cblas_sgemm64_")
# The strided batch, where OpenBLAS has it: its integers are BLAS's (64-bit in these builds), passed as
# 64-bit values, which a 32-bit parameter would read alike on x86-64 and AArch64 (all are small and >= 0)
_BATCHES = ("scipy_cblas_sgemm_batch_strided64_", "cblas_sgemm_batch_strided64_", "cblas_sgemm_batch_strided")
_CONFIGS = ("scipy_openblas_get_config64_", "openblas_get_config64_", "openblas_get_config")
# The OpenBLAS versions whose batch entry point (interface/gemm_batch_strided.c) is known here (0.3.31, the
# one NumPy 2.4's wheels load, and the source of that file as it stands): it sends products of at most
# 100**3 multiply-adds to the CPU's small-matrix kernels without asking, as sgemm does, whether the CPU has
# them (on SkylakeX, 64 x 32 times 32 x 48 crashed the process), and larger ones to the usual kernels. Only
# those larger ones are batched, and only by these versions: another keeps np.matmul.
_BATCH_VERSIONS = ((0, 3, 31), (0, 3, 31))
_SMALL_KERNELS = 100**3
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


_T = TypeVar("_T")


def _checked(names: tuple[str, ...], wrap: Callable[[Any], _T], agrees: Callable[[_T], bool],
             usable: Callable[[ctypes.CDLL], bool] = lambda library: True) -> _T | None:
    """The first function of ``names`` in a loaded OpenBLAS that is ``usable``, wrapped, if it ``agrees``
    with NumPy; else None."""
    for library in openblas_libraries():
        if not usable(library):
            continue
        for name in names:
            fn = getattr(library, name, None)
            if fn is not None:
                wrapped = wrap(fn)
                return wrapped if agrees(wrapped) else None
    return None


@functools.cache
def _gemm() -> _Gemm | None:
    return _checked(_GEMMS, _Gemm, _agrees)


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


class _BatchedGemm:
    """CBLAS ``sgemm_batch_strided`` (``fn``) on stacks of matrices held in NumPy arrays."""

    def __init__(self, fn: Any) -> None:
        i64, ptr, f32, enum = ctypes.c_int64, ctypes.c_void_p, ctypes.c_float, ctypes.c_int
        # order, transposes, m, n, k, alpha, a, lda, stride, b, ldb, stride, beta, c, ldc, stride, batch
        fn.argtypes = [enum, enum, enum, i64, i64, i64, f32, ptr, i64, i64, ptr, i64, i64, f32, ptr, i64,
                       i64, i64]
        fn.restype = None
        self.fn = fn

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
        """``np.matmul(a, b)`` for float32 stacks of one batch shape, as a new C-ordered array; None (nothing
        done) where a layout does not suit BLAS."""
        if not (a.dtype == b.dtype == _FLOAT32 and a.ndim == b.ndim >= 3 and a.shape[:-2] == b.shape[:-2]):
            return None
        m, k = a.shape[-2:]
        n = b.shape[-1]
        batch = a.shape[:-2]
        if b.shape[-2] != k or 0 in a.shape or n == 0 or not (a.flags.aligned and b.flags.aligned):
            return None
        first = (0,) * len(batch)
        la, lb = _layout(a[first]), _layout(b[first])
        if la is None or lb is None or any(s < 0 or s % 4 for s in a.strides[:-2] + b.strides[:-2]):
            return None
        out = np.empty(batch + (m, n), _FLOAT32)
        axis = batch.index(max(batch))  # each call runs along the longest batch axis, the others in turn
        rest = batch[:axis] + batch[axis + 1:]
        ta, tb = _TRANS if la[0] else _NO_TRANS, _TRANS if lb[0] else _NO_TRANS
        for index in np.ndindex(*rest):
            at = index[:axis] + (slice(None),) + index[axis:]
            x, y, z = a[at], b[at], out[at]
            self.fn(_ROW_MAJOR, ta, tb, m, n, k, 1.0, x.ctypes.data, la[1], x.strides[0] // 4, y.ctypes.data,
                    lb[1], y.strides[0] // 4, 0.0, z.ctypes.data, n, z.strides[0] // 4, batch[axis])
        return out


def _batch_agrees(batched: _BatchedGemm) -> bool:
    """Whether ``batched`` computes what ``np.matmul`` does, on stacks of every layout (the batch axes of
    the operands interleaved with their rows, as a transposed view leaves them), of matrices above
    ``_SMALL_KERNELS``."""
    rng = np.random.default_rng(0)
    for transposed in range(4):
        a = rng.standard_normal((3, 128, 2, 96)).astype(np.float32).transpose(0, 2, 1, 3)  # (3, 2, 128, 96)
        b = rng.standard_normal((3, 2, 96, 128)).astype(np.float32)
        a = np.ascontiguousarray(a.swapaxes(-1, -2)).swapaxes(-1, -2) if transposed & 1 else a
        b = np.ascontiguousarray(b.swapaxes(-1, -2)).swapaxes(-1, -2) if transposed & 2 else b
        got = batched(a, b)
        if got is None or not np.allclose(got, np.matmul(a, b), rtol=1e-5, atol=1e-5):
            return False
    return True


def openblas_config() -> str | None:
    """What NumPy's OpenBLAS says of itself (``openblas_get_config``): its version, build options and the
    kernels it chose for this CPU, e.g. ``OpenBLAS 0.3.31.188.0 USE64BITINT DYNAMIC_ARCH NO_AFFINITY Haswell
    MAX_THREADS=64``; None where the BLAS NumPy loaded is not an OpenBLAS found here."""
    for library in openblas_libraries():
        config = _config(library)
        if config is not None:
            return config
    return None


def _config(library: ctypes.CDLL) -> str | None:
    """:func:`openblas_config` of one library, with its runs of spaces made one."""
    for name in _CONFIGS:
        fn = getattr(library, name, None)
        if fn is not None:
            fn.restype, fn.argtypes = ctypes.c_char_p, []
            config = " ".join((fn() or b"").decode("ascii", "replace").split())
            if config.startswith("OpenBLAS "):
                return config
    return None


def _version(library: ctypes.CDLL) -> tuple[int, ...] | None:
    """The OpenBLAS version ``library`` reports (``openblas_get_config``), or None."""
    config = _config(library)
    if config is None:
        return None
    parts = config.split()[1].split(".")[:3]
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None


def _known_version(library: ctypes.CDLL) -> bool:
    version = _version(library)
    return version is not None and _BATCH_VERSIONS[0] <= version <= _BATCH_VERSIONS[1]


@functools.cache
def _batched() -> _BatchedGemm | None:
    return _checked(_BATCHES, _BatchedGemm, _batch_agrees, _known_version)


def gemm_batched(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``np.matmul(a, b)`` for float32 stacks of matrices of one batch shape (no broadcasting), each matrix
    with unit stride along its rows or down its columns, as one BLAS batch call per index of the other
    batch axes, each running along the longest batch axis (:class:`_BatchedGemm`), or None where BLAS
    cannot take them, a product has at most ``_SMALL_KERNELS`` multiply-adds (see ``_BATCH_VERSIONS``) or
    one row or column (8 products of 1 x 2048 by 2048 x 1000: 2.0-2.2 ms batched, 1.1 ms by NumPy's gemv),
    or the batch call is not available.
    Each element is one dot product summed by BLAS's kernels: bit for bit ``np.matmul``'s on attention's
    products, within float32 rounding of it where NumPy's own call takes another kernel.

    >>> a, b = np.ones((4, 2, 128, 64), np.float32), np.ones((4, 2, 64, 128), np.float32)
    >>> out = gemm_batched(a, b)
    >>> (np.matmul(a, b) if out is None else out)[3, 1, :2, :2]
    array([[64., 64.],
           [64., 64.]], dtype=float32)
    """
    if a.ndim < 3 or b.ndim < 2:
        return None
    m, n = a.shape[-2], b.shape[-1]
    # one row or one column: NumPy's gemv reads the matrix once, where gemm packs it (twice as fast)
    if m < 2 or n < 2 or m * a.shape[-1] * n <= _SMALL_KERNELS:
        return None
    fn = _batched()
    return None if fn is None else fn(a, b)

