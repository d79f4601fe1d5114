"""Statistics core of csanalysis: intervals, tests, bootstrap and survival.

Submodules
----------
intervals
    Wilson, t and NPS intervals; one-sample and two-sample proportion tests.
grouped
    The same statistics for many groups at once (means, shares, NPS,
    quantiles with their intervals), vectorised over integer group codes.
clustered
    The same with the customer (or account) as the sampling unit:
    cluster-robust Wilson-type intervals for shares and bounded means,
    Woodruff intervals for quantiles, a hashed Poisson cluster bootstrap.
bootstrap
    Vectorised, memory-bounded percentile bootstrap; partition-independent
    Poisson(1) weights from a hash of the unit.
selection
    Exact order statistics (medians, percentiles, Woodruff's bounds) of
    values spread over partitions, found in rounds of counts.
passes
    Passes over the rows in cache-sized blocks for many bootstrap replicates
    at once (the refits of the key drivers and the survey non-response model).
sketches
    Distinct-value sketches (HyperLogLog): how many distinct values the
    parts of a column hold together (the blocks of a file), without them.
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
    poisson_weights,
    poisson_weights_from_hash,
    resolve_statistic,
    unit_hash,
)
from csanalysis.stats.clustered import (
    Units,
    as_units,
    clustered_bootstrap_sums,
    clustered_mean_ci,
    clustered_nps_ci,
    clustered_quantile_ci,
    clustered_share_ci,
    hash_seed,
    wilson_effective_ci,
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
    StratifiedSurvival,
    SurvivalAt,
    cluster_bootstrap_survival_at,
    kaplan_meier,
    km_difference_ci,
    km_survival_bootstrap,
    logrank_test,
    merge_strata,
    stratified_survival,
)

__all__ = [
    "Units",
    "as_units",
    "clustered_bootstrap_sums",
    "clustered_mean_ci",
    "clustered_nps_ci",
    "clustered_quantile_ci",
    "clustered_share_ci",
    "hash_seed",
    "poisson_weights",
    "poisson_weights_from_hash",
    "unit_hash",
    "wilson_effective_ci",
    "grouped_mean_ci",
    "grouped_nps_ci",
    "grouped_quantile_ci",
    "grouped_share_ci",
    "EXACT_MAX_N",
    "MULTINOMIAL_MIN_N",
    "KaplanMeierResult",
    "LogRankResult",
    "StratifiedSurvival",
    "SurvivalAt",
    "bootstrap_ci",
    "bootstrap_diff_ci",
    "cluster_bootstrap_survival_at",
    "kaplan_meier",
    "km_difference_ci",
    "km_survival_bootstrap",
    "logrank_test",
    "merge_strata",
    "stratified_survival",
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
