"""The float32 erf and GELU kernels against math.erf (float64): a dense sweep in ulps, special values,
and GELU's formula."""

import math

import numpy as np
from hypothesis import given
from support import arrays, assert_close, shapes

from trtdsl.layers._erf import erf, gelu

exact_erf = np.frompyfunc(math.erf, 1, 1)


def ulp_errors(x: np.ndarray) -> np.ndarray:
    want = np.asarray(exact_erf(x.astype(np.float64)), np.float64)
    ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    return np.abs(erf(x).astype(np.float64) - want) / ulp


def test_erf_is_within_2_2_ulp_over_a_sweep_of_float32():
    # every 4999th float32 from 0 to 5 (erf is odd; the sign is copied exactly), both signs
    positive = np.arange(0, np.float32(5).view(np.int32), 4999, dtype=np.int32).view(np.float32)
    x = np.concatenate([positive, -positive])
    errors = ulp_errors(x)
    assert errors.max() <= 2.2, (errors.max(), x[np.argmax(errors)])


def test_erf_of_special_values():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-38, 3.92, 4.0, 10.0, -1e30], np.float32)
    got = erf(x)
    assert got.dtype == np.float32
    assert np.isnan(got[0])
    tiny = np.float32(-1e-38 * 2 / math.sqrt(math.pi))
    assert got[1:].tolist() == [1.0, -1.0, 0.0, -0.0, np.float32(1e-45), tiny, 1.0, 1.0, 1.0, -1.0]
    assert math.copysign(1, got[4]) == -1


def test_erf_keeps_the_shape_and_handles_empty_and_0d():
    assert erf(np.zeros((2, 0, 3), np.float32)).shape == (2, 0, 3)
    assert erf(np.float32(0.5)).shape == ()
    x = np.linspace(-3, 3, 40000, dtype=np.float32).reshape(200, 200)  # more than one block
    assert ulp_errors(x.ravel()).max() <= 2.2
    np.testing.assert_array_equal(erf(x).ravel(), erf(x.ravel()))


@given(x=arrays(np.float32, shapes(max_dims=3), min_value=-30, max_value=30))
def test_gelu_matches_the_float64_formula(x):
    v = x.astype(np.float64)
    want = (0.5 * v * (1 + np.asarray(exact_erf(v / math.sqrt(2)), np.float64))).astype(np.float32)
    # below x = -5.66 GELU is -0.0, an absolute error under |x| * 7.4e-9
    assert_close(gelu(x), want, rtol=1e-6, atol=1e-8 * float(np.abs(x).max(initial=0)) + 1e-38)
