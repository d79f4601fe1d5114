"""Avoidance after a bad experience: Kaplan-Meier curves and the censoring trap."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .style import GROUP_COLORS, PALETTE, new_axes
from .survival import plot_survival

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.estimators.avoidance import AvoidanceResult

__all__ = ["plot_avoidance", "plot_censoring_trap"]

_NAMES = {"bad": "after a bad experience", "good": "after a good experience",
          "baseline": "weighted customers not contacted yet"}


def plot_avoidance(result: AvoidanceResult, ax: Axes | None = None) -> Axes:
    """Kaplan-Meier curves (share still without a purchase) for bad / good / baseline.

    The baseline is the weighted Kaplan-Meier curve of the controls of the
    no-contact comparison (customers not contacted yet at the bad-experience
    customers' calendar time, weighted to their purchase history); its ``n``
    in the legend is the number of control rows.

    Parameters
    ----------
    result : AvoidanceResult
        From :func:`csanalysis.estimators.avoidance`.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new Axes in the house style).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from csanalysis.estimators.avoidance import avoidance, simulate_avoidance_scenario
    >>> exp, act, truth = simulate_avoidance_scenario(600, seed=1)
    >>> ax = plot_avoidance(avoidance(exp, act, baseline="none", n_resamples=50))
    >>> ax.get_xlabel()
    'days since the index experience'
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    for g in ("bad", "good", "baseline"):
        km = result.curves.get(g)
        if km is not None and km.n > 0:
            n = result.episode_counts()["baseline"] if g == "baseline" else int(round(km.n))
            plot_survival(km, ax=ax, label=f"{_NAMES[g]} (n={n:,})", color=GROUP_COLORS[g])
    ax.axvline(result.window, color="k", linestyle="--", linewidth=1)
    ax.annotate(f"{result.window:g} days", xy=(result.window, 1.0), xytext=(3, -12),
                textcoords="offset points", fontsize="small")
    ax.set_xlabel("days since the index experience")
    ax.set_ylabel("share still without a purchase")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize="small")
    return ax


def plot_censoring_trap(result: AvoidanceResult, ax: Axes | None = None, truth: float | None = None) -> Axes:
    """Bars: the naive count and the Kaplan-Meier estimate (95% CI), and the truth where known.

    Parameters
    ----------
    result : AvoidanceResult
    ax : matplotlib Axes, optional
    truth : float, optional
        The true share, where it is known (simulated data with a full future).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from csanalysis.estimators.avoidance import avoidance, simulate_avoidance_scenario
    >>> exp, act, truth = simulate_avoidance_scenario(600, seed=1)
    >>> res = avoidance(exp, act, baseline="none", n_resamples=50)
    >>> ax = plot_censoring_trap(res, truth=truth["avoid_2y_after_bad"])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['naive count', 'Kaplan-Meier']
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    t = result.censoring_trap(truth)
    ax.barh(["naive count", "Kaplan-Meier"], t["estimate"].fillna(0).to_numpy(), height=0.5,
            color=[PALETTE["grey"], PALETTE["blue"]])
    km = t.loc["Kaplan-Meier"]
    if np.isfinite(km["ci_low"]):
        ax.errorbar(km["estimate"], 1, xerr=[[km["estimate"] - km["ci_low"]], [km["ci_high"] - km["estimate"]]],
                    color="black", capsize=4)
    if np.isfinite(t.attrs["truth"]):
        ax.axvline(t.attrs["truth"], color=GROUP_COLORS["bad"], ls="--", lw=2, label="true share (full future)")
        ax.legend(loc="lower right", fontsize="small")
    short = t.attrs["followed_less_than_window"]
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter("{x:.0%}")
    ax.set_xlabel(f"share without a purchase {result.window:g} days after a bad experience")
    if np.isfinite(short):
        ax.annotate(f"{short:.0%} of them followed for less than the window", xy=(0.99, 0.5),
                    xycoords="axes fraction", ha="right", va="center", fontsize="small")
    return ax
