"""Hypothesis profiles, chosen with HYPOTHESIS_PROFILE:

- ``ci``, the default: 25 examples per property test, derandomized: every run draws the same examples, so
  the test command gives the same result each time it runs (the README says how long it takes).
- ``dev``: 60 examples, drawn afresh each run; ``--hypothesis-seed=N`` repeats a run.
- ``thorough``: 1000 examples, drawn afresh: a deeper search after changing a layer or before a release.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                          derandomize=True, print_blob=True)
settings.register_profile("dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                          print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
