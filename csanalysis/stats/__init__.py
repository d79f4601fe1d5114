"""Statistics core of csanalysis: intervals, tests, bootstrap and survival.

Submodules
----------
intervals
    Wilson, t and NPS intervals; one-sample and two-sample proportion tests.
grouped
    The same statistics for many groups at once (means, shares, NPS,
    quantiles with their intervals), vectorised over integer group codes.
bootstrap
    Vectorised, memory-bounded percentile bootstrap.
survival
    Kaplan-Meier with Greenwood / log(-log) intervals, log-rank test,
    vectorised (cluster) bootstrap of S(t).
"""

from __future__ import annotations

from csanalysis.stats.bootstrap import (
    MULTINOMIAL_MIN_N,
    bootstrap_ci,
    bootstrap_diff_ci,
    percentile_interval,
    resolve_statistic,
)
from csanalysis.stats.grouped import grouped_mean_ci, grouped_nps_ci, grouped_quantile_ci, grouped_share_ci
from csanalysis.stats.intervals import (
    EXACT_MAX_N,
    mean_ci,
    mean_test,
    nps_ci,
    proportion_test,
    proportion_test_method,
    two_proportion_test,
    wilson_ci,
    z_critical,
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
    "grouped_mean_ci",
    "grouped_nps_ci",
    "grouped_quantile_ci",
    "grouped_share_ci",
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
    "percentile_interval",
    "proportion_test",
    "proportion_test_method",
    "resolve_statistic",
    "two_proportion_test",
    "wilson_ci",
    "z_critical",
]
