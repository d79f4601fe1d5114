"""Customer segmentation: RFM, experience journeys, service levels and data-driven clusters.

Every function takes canonical tables (see :mod:`csanalysis.schema`), linked
per customer with :func:`csanalysis.link.link_customers` (they link the tables
themselves when no ``customer`` column is present), and returns a small
result object with ``.summary()`` (one row per segment: ``segment, n, share``
with a Wilson interval, and more), ``.to_dict()`` (``{"segments": [...]}``),
``.plot(ax=None)`` (drawn by :mod:`csanalysis.plotting.segments`) and a notebook
face (:class:`csanalysis.results.Result`). Helpers the segmentations share live
in :mod:`csanalysis.segments.common`.

* :func:`rfm`: recency / frequency / monetary quintiles and the usual named
  segments (Champions ... Lost);
* :func:`experience_journeys`, :func:`service_recovery_test`: no contact,
  good only, bad then recovered, bad not recovered, and repeat purchase,
  avoidance and lapse after the last service event;
* :func:`service_levels`: fails / meets / exceeds / delights / amazes from
  CSAT, the expectation question, NPS and effort, and later behaviour per level;
* :func:`cluster_customers`: k-means clusters on purchase and service
  features, described in plain words;
* :func:`compare_segments`: any metric per segment with the right test and
  false-discovery-rate correction;
* :func:`channel_consistency`: the same experience on every channel?
* :func:`scorecard`: the service scorecard, period over period, with presets
  for the nine service styles.
"""

from csanalysis.segments.channels import ChannelConsistency, channel_consistency
from csanalysis.segments.clusters import (
    FEATURES,
    ClusterResult,
    FeatureRows,
    cluster_customers,
    clusters_from_parts,
    customer_features,
    features_end,
)
from csanalysis.segments.journeys import (
    JOURNEYS,
    JourneyPart,
    JourneyResult,
    ServiceRecoveryResult,
    experience_journeys,
    experience_journeys_from_parts,
    journey_part,
    service_recovery_from_parts,
    service_recovery_test,
)
from csanalysis.segments.compare import SegmentComparison, adjust_pvalues, compare_segments
from csanalysis.segments.rfm import (
    RFM_SEGMENT_GRID,
    RFM_SEGMENTS,
    RFMPart,
    RFMResult,
    RFMRows,
    rfm,
    rfm_combine,
    rfm_from_parts,
    rfm_part,
)
from csanalysis.segments.scorecard import PRESETS, Scorecard, scorecard
from csanalysis.segments.service_levels import (
    LEVELS,
    ServiceLevelResult,
    ServiceLevelRule,
    service_levels,
)

__all__ = [
    "ChannelConsistency",
    "PRESETS",
    "Scorecard",
    "SegmentComparison",
    "adjust_pvalues",
    "channel_consistency",
    "compare_segments",
    "scorecard",
    "FEATURES",
    "JOURNEYS",
    "LEVELS",
    "RFM_SEGMENTS",
    "RFM_SEGMENT_GRID",
    "ClusterResult",
    "FeatureRows",
    "JourneyPart",
    "JourneyResult",
    "RFMPart",
    "RFMRows",
    "RFMResult",
    "ServiceLevelResult",
    "ServiceLevelRule",
    "ServiceRecoveryResult",
    "cluster_customers",
    "clusters_from_parts",
    "customer_features",
    "features_end",
    "experience_journeys",
    "experience_journeys_from_parts",
    "journey_part",
    "rfm",
    "rfm_combine",
    "rfm_from_parts",
    "rfm_part",
    "service_levels",
    "service_recovery_from_parts",
    "service_recovery_test",
]
