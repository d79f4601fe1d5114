"""Service metrics: one metric per group, estimate and interval."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from csanalysis.estimators.metrics import DEFINITIONS, METHODS, METRICS, SHARE_CI

from .style import PALETTE, bounded_band, new_axes, percent_axis, scale_bounds

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.estimators.metrics import ServiceMetrics

__all__ = ["plot_service_metrics"]


def plot_service_metrics(result: ServiceMetrics, ax: Axes | None = None, metric: str = "csat_mean") -> Axes:
    """Point-and-interval chart of one metric per group (horizontal); over time, a line with its band.

    Groups with no one in them are left out. When the metric is grouped by
    one time column (a period, month, week ... or dates) it is drawn as a
    line over time with its interval as a band clipped to the values the
    metric can take (:func:`csanalysis.plotting.style.scale_bounds`), not as
    one row per period.

    Parameters
    ----------
    result : ServiceMetrics
        From :func:`csanalysis.estimators.service_metrics`.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new Axes in the house style).
    metric : str, default "csat_mean"
        One of :data:`csanalysis.estimators.metrics.METRICS`.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from csanalysis.estimators import service_metrics
    >>> from csanalysis.schema import conform
    >>> t = conform(pd.DataFrame({"ticket_id": ["1", "2", "3"], "channel": ["email", "chat", "email"],
    ...     "rating": ["bad", "good", "good"]}), "tickets")
    >>> ax = plot_service_metrics(service_metrics(t), metric="bad_rating_share")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['all']
    >>> plt.close(ax.figure)
    """
    if metric not in METHODS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    rows = result.table.loc[result.table["metric"] == metric]
    if result.by:  # empty groups are left out (they are named in the tables)
        rows = rows[pd.to_numeric(rows["n"], errors="coerce").fillna(0).gt(0) & rows["value"].notna()]
    by = list(result.by or [])
    if len(by) == 1 and _is_time(rows[by[0]]) and len(rows) > 2:
        return _plot_over_time(result, rows, by[0], metric, ax)
    ax = new_axes(ax)
    if result.by:
        labels = rows[list(result.by)].astype("str").agg(" / ".join, axis=1).tolist()
    else:
        labels = ["all"]
    y = np.arange(len(rows))
    ax.hlines(y, rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float), color=PALETTE["blue"], lw=2)
    ax.plot(rows["value"].to_numpy(float), y, "o", color=PALETTE["blue"])
    ax.set_yticks(y)
    ax.set_yticklabels(labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel(f"{metric} ({DEFINITIONS[metric]})" if len(DEFINITIONS[metric]) < 60 else metric)
    ax.set_title(f"{metric}: {METHODS[metric]}, {result.confidence:.0%}")
    return ax


_TIME_NAMES = ("period", "month", "week", "quarter", "year", "day", "date")


def _is_time(col: pd.Series) -> bool:
    """A grouping column that is time: dates, periods, or named like one (month, week, period ...)."""
    if isinstance(col.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(col):
        return True
    return str(col.name).lower().startswith(_TIME_NAMES)


def _plot_over_time(result: ServiceMetrics, rows: pd.DataFrame, col: str, metric: str, ax: Axes | None) -> Axes:
    """A metric over time as a line with its interval band, clipped to the scale the metric can take."""
    ax = new_axes(ax, figsize=(9.0, 3.6))
    rows = rows.sort_values(col)
    x = np.arange(len(rows))
    v = rows["value"].to_numpy(float)
    bounded_band(ax, x, rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float), bounds=scale_bounds(metric),
                 color=PALETTE["blue"], alpha=0.15, lw=0, label=f"{result.confidence:.0%} interval")
    ax.plot(x, v, "-o", color=PALETTE["blue"], ms=3, lw=1.8, label=metric.replace("_", " "))
    step = max(1, int(np.ceil(len(rows) / 16)))
    ax.set_xticks(x[::step])
    ax.set_xticklabels(rows[col].astype("str").to_numpy()[::step], rotation=45, ha="right")
    if METHODS[metric] == SHARE_CI:
        percent_axis(ax, "y")
    ax.set_ylabel(metric.replace("_", " "))
    ax.set_title(f"{metric.replace('_', ' ')} per {col}: {DEFINITIONS[metric][:70]}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, fontsize="small")
    return ax
