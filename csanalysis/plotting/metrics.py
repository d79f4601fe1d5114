"""Service metrics: one metric per group, estimate and interval."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from csanalysis.estimators.metrics import DEFINITIONS, METHODS, METRICS

from .style import PALETTE, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.estimators.metrics import ServiceMetrics

__all__ = ["plot_service_metrics"]


def plot_service_metrics(result: ServiceMetrics, ax: Axes | None = None, metric: str = "csat_mean") -> Axes:
    """Point-and-interval chart of one metric per group (horizontal).

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
    ax = new_axes(ax)
    rows = result.table.loc[result.table["metric"] == metric]
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
