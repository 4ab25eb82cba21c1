"""``gemm``: NumPy's OpenBLAS adding products into existing arrays, on strided views."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trtdsl.layers._blas import _agrees, gemm, gemm_available

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
