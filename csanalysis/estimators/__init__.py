"""Estimators: service metrics, avoidance after a bad experience, word of mouth, churn, and issue 14's
key drivers, survey non-response weighting, rankings of units and power.

Each returns a result object (a :class:`csanalysis.results.Result`) with
``.summary()``, ``.to_dict()``, a notebook face and ``.plot(ax=None)``, which
delegates to :mod:`csanalysis.plotting`. Estimators compute and return data:
they import neither matplotlib nor the report, and carry no cited figures
(comparisons with those happen in :mod:`csanalysis.registry`).
"""

from .avoidance import AvoidanceResult, ChangedRule, avoidance
from .channel_use import ChannelUseResult, channel_use
from .drivers import DriverResult, key_drivers
from .nonresponse import NonresponseResult, nonresponse_weighted
from .power import PowerResult, minimum_detectable_change, power_table, sample_size
from .rankings import RankingResult, rank_units
from .churn import AttributableChurnResult, SnapshotChurnResult, attributable_churn, classify_churn_reason, snapshot_churn
from .metrics import ServiceMetrics, quantile_ci, service_metrics
from .word_of_mouth import ReachResult, WordOfMouthResult, reach_model, word_of_mouth

__all__ = [
    "AvoidanceResult", "ChangedRule", "avoidance",
    "AttributableChurnResult", "SnapshotChurnResult", "attributable_churn", "classify_churn_reason", "snapshot_churn",
    "ServiceMetrics", "quantile_ci", "service_metrics",
    "ReachResult", "WordOfMouthResult", "reach_model", "word_of_mouth",
    "DriverResult", "key_drivers", "NonresponseResult", "nonresponse_weighted", "ChannelUseResult", "channel_use",
    "PowerResult", "minimum_detectable_change", "power_table", "sample_size", "RankingResult", "rank_units",
]
