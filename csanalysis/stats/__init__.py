"""Statistics core of csanalysis: intervals, tests, bootstrap and survival.

Submodules
----------
intervals
    Wilson, t and NPS intervals; one-sample and two-sample proportion tests.
bootstrap
    Vectorised, memory-bounded percentile bootstrap.
survival
    Kaplan-Meier with Greenwood / log(-log) intervals, log-rank test,
    vectorised (cluster) bootstrap of S(t).
"""

from __future__ import annotations

from csanalysis.stats.intervals import (
    EXACT_MAX_N,
    mean_ci,
    mean_test,
    nps_ci,
    proportion_test,
    proportion_test_method,
    two_proportion_test,
    wilson_ci,
)

__all__ = [
    "EXACT_MAX_N",
    "mean_ci",
    "mean_test",
    "nps_ci",
    "proportion_test",
    "proportion_test_method",
    "two_proportion_test",
    "wilson_ci",
]
