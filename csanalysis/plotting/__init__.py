"""Plots: ``ax=`` in, Axes out, never ``plt.show()``. One house style, colour-blind safe.

Every drawing lives here: a result object's ``plot`` method only delegates to
the function of this package that draws it (``result.plot(ax=...)`` is
``plot_<result>(result, ax=...)``). Each function takes the result (or its
tidy table) and ``ax=None`` (a new Axes in the house style of
:mod:`csanalysis.plotting.style`) and returns the Axes. Cited figures are
drawn only when the caller passes them (from the registry).

Modules: :mod:`~csanalysis.plotting.avoidance`, :mod:`~csanalysis.plotting.churn`,
:mod:`~csanalysis.plotting.findings` (drivers, rankings, non-response),
:mod:`~csanalysis.plotting.metrics`, :mod:`~csanalysis.plotting.scorecard`,
:mod:`~csanalysis.plotting.segments`, :mod:`~csanalysis.plotting.survival`,
:mod:`~csanalysis.plotting.word_of_mouth` and :mod:`~csanalysis.plotting.benchmarks`
(the benchmark forest plot).
"""

from .avoidance import plot_avoidance, plot_censoring_trap
from .benchmarks import plot_benchmarks
from .churn import plot_attributable_churn, plot_snapshot_churn
from .findings import plot_channel_mix, plot_drivers, plot_nonresponse, plot_rankings
from .metrics import plot_service_metrics
from .scorecard import plot_scorecard
from .segments import (
    plot_channel_consistency,
    plot_clusters,
    plot_journeys,
    plot_rates,
    plot_recovery,
    plot_rfm,
    plot_segment_comparison,
    plot_service_levels,
)
from .style import GROUP_COLORS, PALETTE, PROVENANCE_COLORS, house_style, new_axes, set_house_style
from .survival import plot_survival
from .word_of_mouth import plot_word_of_mouth

__all__ = ["PALETTE", "GROUP_COLORS", "PROVENANCE_COLORS", "house_style", "set_house_style", "new_axes",
           "plot_benchmarks", "plot_channel_mix", "plot_drivers", "plot_nonresponse", "plot_rankings",
           "plot_attributable_churn", "plot_avoidance", "plot_censoring_trap", "plot_channel_consistency",
           "plot_clusters", "plot_journeys", "plot_rates", "plot_recovery", "plot_rfm", "plot_scorecard",
           "plot_segment_comparison", "plot_service_levels", "plot_service_metrics", "plot_snapshot_churn",
           "plot_survival", "plot_word_of_mouth"]
