"""``gemm``: NumPy's OpenBLAS adding products into existing arrays, on strided views; ``gemm_batched``: a
stack of products as one BLAS call."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trtdsl.layers import _blas
from trtdsl.layers._blas import _agrees, _batch_agrees, _batched, gemm, gemm_available, gemm_batched

needs_blas = pytest.mark.skipif(not gemm_available(), reason="NumPy's BLAS here is not an OpenBLAS with a "
                                "64-bit CBLAS interface; callers keep their NumPy path")


def laid_out(rng, shape, how):
    """A float32 array of ``shape`` in the layout ``how`` (row-major, column-major, or a view with unit
    stride along its rows or down its columns inside a larger array), the array holding its memory, and
    the part of that array that is the view."""
    rows, cols = shape
    if how in ("C", "F"):
        x = rng.standard_normal(shape).astype(np.float32, order=how)
        return x, x, (slice(None), slice(None))
    if how == "row view":
        base = rng.standard_normal((rows + 2, cols + 3)).astype(np.float32)
        part = (slice(1, rows + 1), slice(2, cols + 2))
        return base[part], base, part
    base = rng.standard_normal((cols + 3, rows + 2)).astype(np.float32)
    part = (slice(2, cols + 2), slice(1, rows + 1))
    return base[part].T, base, part


LAYOUTS = st.sampled_from(["C", "F", "row view", "column view"])


@needs_blas
@given(m=st.integers(1, 9), k=st.integers(1, 9), n=st.integers(1, 9), a_how=LAYOUTS, b_how=LAYOUTS,
       c_how=LAYOUTS, add=st.booleans(), seed=st.integers(0, 2**16))
def test_products_of_every_layout_match_the_dot_products(m, k, n, a_how, b_how, c_how, add, seed):
    rng = np.random.default_rng(seed)
    a, b = laid_out(rng, (m, k), a_how)[0], laid_out(rng, (k, n), b_how)[0]
    c, base, part = laid_out(rng, (m, n), c_how)
    want = np.einsum("ik,kj->ij", a.astype(np.float64), b.astype(np.float64))
    if add:
        want += c
    around = np.ones(base.shape, bool)
    around[part] = False
    before = base[around]
    assert gemm(a, b, c, add)
    np.testing.assert_allclose(c, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(base[around], before)  # nothing written around a view


@needs_blas
def test_what_blas_cannot_take_is_refused_and_left_alone():
    a, b = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
    c = np.zeros((2, 4), np.float32)
    strided = np.ones((4, 6), np.float32)[::2, ::2]  # no unit stride either way
    read_only = np.zeros((2, 4), np.float32)
    read_only.setflags(write=False)
    refused = [
        (a.astype(np.float64), b, c),  # another dtype
        (a, np.ones((2, 4), np.float32), c),  # the inner dims differ
        (a, b, np.zeros((2, 5), np.float32)),  # the output's shape
        (strided, b, c),
        (a, b, read_only),
        (a[None], b, c),  # not a matrix
        (np.zeros(25, np.uint8)[1:].view(np.float32).reshape(2, 3), b, c),  # not aligned
    ]
    for x, y, out in refused:
        before = out.copy()
        assert not gemm(x, y, out, True)
        np.testing.assert_array_equal(out, before)


def test_a_blas_that_disagrees_with_numpy_is_not_used():
    def wrong(a, b, c, add):  # a product that writes nothing
        return True

    def right(a, b, c, add):
        c[...] = a @ b + (c if add else 0)
        return True

    assert not _agrees(wrong) and _agrees(right)


@needs_blas
def test_an_output_sharing_memory_with_an_operand_is_refused():
    x = np.arange(16, dtype=np.float32).reshape(4, 4)
    before = x.copy()
    assert not gemm(x, x, x, False)
    assert not gemm(x[:, :2], np.ones((2, 2), np.float32), x[:, 2:], True)  # the same array's columns
    np.testing.assert_array_equal(x, before)


needs_batch = pytest.mark.skipif(_batched() is None, reason="NumPy's BLAS here has no strided batch call "
                                 "(an OpenBLAS of the versions known here); matmul keeps np.matmul")


def stack(rng, shape, interleaved, transposed):
    """A float32 stack of ``shape`` (batch, heads, rows, cols): its heads interleaved with its rows in
    memory (a transposed view, as splitting heads leaves them) and/or each matrix column-major."""
    b, h, rows, cols = shape
    x = rng.standard_normal((b, rows, h, cols) if interleaved else shape).astype(np.float32)
    x = x.transpose(0, 2, 1, 3) if interleaved else x
    return np.ascontiguousarray(x.swapaxes(-1, -2)).swapaxes(-1, -2) if transposed else x


@needs_batch
@pytest.mark.parametrize("a_how", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("b_how", [(False, False), (True, True)])
def test_a_batch_of_products_of_every_layout_matches_the_dot_products(a_how, b_how):
    rng = np.random.default_rng(0)
    a, b = stack(rng, (3, 2, 128, 72), *a_how), stack(rng, (3, 2, 72, 112), *b_how)
    got = gemm_batched(a, b)
    assert got is not None and got.flags.c_contiguous
    want = np.einsum("bhik,bhkj->bhij", a.astype(np.float64), b.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


@needs_batch
def test_what_the_batch_call_does_not_take_is_left_to_numpy():
    rng = np.random.default_rng(1)
    a, b = stack(rng, (2, 2, 128, 72), False, False), stack(rng, (2, 2, 72, 112), False, False)
    refused = [
        (a[..., :100, :], b),  # at most 100**3 multiply-adds: OpenBLAS's small kernels, not called here
        (a, b[:1]),  # batch shapes that broadcast
        (a.astype(np.float64), b.astype(np.float64)),  # another dtype
        (a[..., ::2], b[..., ::2, :]),  # no unit stride in a's matrices
        (a[::-1], b[::-1]),  # a negative batch stride
        (a[0, 0], b[0, 0]),  # a single matrix
        (a[..., :1, :], np.ones((2, 2, 72, 20000), np.float32)),  # one row: NumPy's gemv reads b once
        (np.ones((2, 2, 20000, 72), np.float32), b[..., :1]),  # one column
    ]
    for x, y in refused:
        assert gemm_batched(x, y) is None


def test_a_batch_call_that_disagrees_with_numpy_is_not_used():
    class Wrong:
        def __call__(self, a, b):
            return np.zeros(a.shape[:-1] + b.shape[-1:], np.float32)

    class Right:
        def __call__(self, a, b):
            return np.matmul(a, b)

    assert not _batch_agrees(Wrong()) and _batch_agrees(Right())


def test_an_openblas_of_an_unknown_version_is_not_asked_for_batches(monkeypatch):
    monkeypatch.setattr(_blas, "_version", lambda library: (0, 3, 28))
    _batched.cache_clear()
    try:
        assert _batched() is None
    finally:
        _batched.cache_clear()


@needs_blas
def test_the_openblas_numpy_loaded_says_what_it_is_and_its_version():
    """openblas_config: what bench_vs_onnxruntime prints of NumPy's BLAS, the version the batch call is
    known for read from it."""
    config = _blas.openblas_config()
    assert config is not None and config.startswith("OpenBLAS ") and "  " not in config
    numbers = config.split()[1].split(".")
    assert _blas._version(_blas.openblas_libraries()[0]) == tuple(int(n) for n in numbers[:3])


def test_no_openblas_means_no_config(monkeypatch):
    monkeypatch.setattr(_blas, "openblas_libraries", lambda: ())
    assert _blas.openblas_config() is None
