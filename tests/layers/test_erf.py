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


def test_erf_is_within_1_9_ulp_over_a_sweep_of_float32():
    # every 4999th float32 from 0 to 5 (erf is odd; the sign is copied exactly), both signs
    positive = np.arange(0, np.float32(5).view(np.int32), 4999, dtype=np.int32).view(np.float32)
    x = np.concatenate([positive, -positive])
    errors = ulp_errors(x)
    assert errors.max() <= 1.9, (errors.max(), x[np.argmax(errors)])


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
    assert ulp_errors(x.ravel()).max() <= 1.9
    np.testing.assert_array_equal(erf(x).ravel(), erf(x.ravel()))


@given(x=arrays(np.float32, shapes(max_dims=3), min_value=-30, max_value=30))
def test_gelu_matches_the_float64_formula(x):
    v = x.astype(np.float64)
    want = (0.5 * v * (1 + np.asarray(exact_erf(v / math.sqrt(2)), np.float64))).astype(np.float32)
    # the relative error grows in the far negative tail, where the absolute one stays below 3e-8
    assert_close(gelu(x), want, rtol=1e-6, atol=3e-8)


def exact_gelu(x: np.ndarray) -> np.ndarray:
    v = x.astype(np.float64)
    return v * 0.5 * np.asarray(np.frompyfunc(math.erfc, 1, 1)(-v / math.sqrt(2)), np.float64)


def test_gelu_is_within_its_stated_errors_over_a_sweep_of_float32():
    # every 13499th float32 bit pattern with magnitude in (1e-30, 30]
    x = np.arange(0, 2**32, 13499, dtype=np.uint64).astype(np.uint32).view(np.float32)
    x = x[np.isfinite(x) & (np.abs(x) > 1e-30) & (np.abs(x) <= 30)]
    want = exact_gelu(x)
    got = gelu(x).astype(np.float64)
    error = np.abs(got - want)
    relative = error / np.abs(want)
    assert relative[x > 0].max() <= 2e-7
    assert relative[(x <= 0) & (x >= -2)].max() <= 4e-7
    assert relative[(x < -2) & (x >= -5.66)].max() <= 1e-5
    assert error.max() <= 3e-8 * np.maximum(1, np.abs(x)).max()
    assert error[x < 0].max() <= 3e-8


def test_gelu_of_special_values_and_in_place():
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e30, -1e30, -11.0, 11.0], np.float32)
    got = gelu(x)
    assert got[0] == np.inf and np.isnan(got[1]) and np.isnan(got[2])
    assert got[3:].tolist() == [0.0, 0.0, float(np.float32(1e30)), 0.0, 0.0, 11.0]
    assert [math.copysign(1, v) for v in got[3:8]] == [1, -1, 1, -1, -1]
    y = np.linspace(-8, 8, 70000, dtype=np.float32)  # more than one block
    want = gelu(y.copy())
    assert gelu(y, y) is y
    np.testing.assert_array_equal(y, want)
