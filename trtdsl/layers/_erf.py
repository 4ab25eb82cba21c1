"""erf in NumPy (no SciPy in the core): a Taylor series near 0 and a Chebyshev fit of erfc elsewhere.

Absolute error below 1.3e-7 everywhere and relative error below 1e-9 for |x| < 0.5 (float64
arithmetic), which is within float32 rounding of the exact value.
"""

from __future__ import annotations

import numpy as np

# erfc(z) = t * exp(-z*z + P(t)), t = 1 / (1 + z/2)  (Numerical Recipes, fractional error < 1.2e-7)
_ERFC_COEFFS = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
                0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277)


def erf(x: np.ndarray) -> np.ndarray:
    """``erf(x)`` computed in float64 (``2/sqrt(pi) * integral_0^x exp(-t**2) dt``)."""
    x = np.asarray(x, dtype=np.float64)
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.zeros_like(t)
    for c in reversed(_ERFC_COEFFS):
        poly = poly * t + c
    far = np.sign(x) * (1.0 - t * np.exp(-z * z + poly))
    x2 = x * x
    # Taylor series: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)), terms to n = 7
    series = np.zeros_like(x)
    term = x.copy()
    for n in range(8):
        series += term / (2 * n + 1)
        term = -term * x2 / (n + 1)
    near = series * (2.0 / np.sqrt(np.pi))
    return np.where(z < 0.5, near, far)
