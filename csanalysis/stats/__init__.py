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

from csanalysis.stats.bootstrap import MULTINOMIAL_MIN_N, bootstrap_ci, bootstrap_diff_ci
from csanalysis.stats.intervals import (
    grouped_quantile_ci,
    EXACT_MAX_N,
    mean_ci,
    mean_test,
    nps_ci,
    proportion_test,
    proportion_test_method,
    two_proportion_test,
    wilson_ci,
)
from csanalysis.stats.survival import (
    KaplanMeierResult,
    LogRankResult,
    SurvivalAt,
    cluster_bootstrap_survival_at,
    kaplan_meier,
    km_difference_ci,
    km_survival_bootstrap,
    logrank_test,
)

__all__ = [
    "grouped_quantile_ci",
    "EXACT_MAX_N",
    "MULTINOMIAL_MIN_N",
    "KaplanMeierResult",
    "LogRankResult",
    "SurvivalAt",
    "bootstrap_ci",
    "bootstrap_diff_ci",
    "cluster_bootstrap_survival_at",
    "kaplan_meier",
    "km_difference_ci",
    "km_survival_bootstrap",
    "logrank_test",
    "mean_ci",
    "mean_test",
    "nps_ci",
    "proportion_test",
    "proportion_test_method",
    "two_proportion_test",
    "wilson_ci",
]
