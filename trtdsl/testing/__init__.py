"""Property testing for trtdsl networks: input strategies, backend comparison, first-divergence search.

- :func:`compare` / :func:`assert_networks_close`: run a network on several backends (or against your
  own NumPy formula) and report, per output, the largest errors, where they are, the mismatch count and
  NaN/inf differences.
- :func:`first_divergence`: when two backends disagree, find the first layer whose output differs
  while its inputs agree, by bisection over the network's layers.
- :mod:`trtdsl.testing.strategies` (imports hypothesis): ``inputs(net, dims=..., values=...)`` draws
  valid inputs -- shapes within each named dim's range, edge values, indices in range.
- :func:`random_inputs`: one input set with NumPy only.
- :mod:`trtdsl.testing.networks` (imports hypothesis): ``networks(...)`` draws whole valid networks for
  differential tests; :mod:`trtdsl.testing.fuzz` runs them on two backends and shrinks a disagreement
  (``trtdsl fuzz``; docs/differential-testing.md).

See docs/testing.md for a worked example.
"""

from trtdsl.testing.bisect import Divergence, first_divergence
from trtdsl.testing.compare import (
    DEFAULT_TOLERANCES,
    ComparisonReport,
    OutputReport,
    Tolerance,
    assert_networks_close,
    compare,
    compare_arrays,
    tolerance_for,
)
from trtdsl.testing.specs import DEFAULT_DIM_RANGE, DimRange, random_inputs

__all__ = [
    "DEFAULT_DIM_RANGE",
    "DEFAULT_TOLERANCES",
    "ComparisonReport",
    "DimRange",
    "Divergence",
    "OutputReport",
    "Tolerance",
    "assert_networks_close",
    "compare",
    "compare_arrays",
    "first_divergence",
    "random_inputs",
    "tolerance_for",
]
