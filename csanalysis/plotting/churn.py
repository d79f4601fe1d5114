"""Churn: lapse risk after bad and good experiences, churn rate by satisfaction and complaint."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .style import GROUP_COLORS, PALETTE, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.estimators.churn import AttributableChurnResult, SnapshotChurnResult

__all__ = ["plot_attributable_churn", "plot_snapshot_churn"]


def plot_attributable_churn(result: AttributableChurnResult, ax: Axes | None = None) -> Axes:
    """Lapse risk after a bad versus a good first rated experience, standardised over the strata.

    Parameters
    ----------
    result : AttributableChurnResult
        From :func:`csanalysis.estimators.attributable_churn`.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new Axes in the house style).

    Returns
    -------
    matplotlib Axes
        The standardised cumulative risk curves (``result.standardised``:
        stratified Kaplan-Meier, the good group reweighted to the bad group's
        mix of tenure, buying frequency and entry cohort) with pointwise
        bootstrap bands, from time zero to the horizon (dotted line).
    """
    ax = new_axes(ax)
    curves = result.standardised
    n = {g: r["n"] for g, r in zip(("bad", "good"), (result.get("lapse_risk_after_bad"),
                                                      result.get("lapse_risk_after_good")))}
    for g in ("bad", "good"):
        c = curves[curves["group"] == g] if len(curves) else curves
        if c.empty or not np.isfinite(c["risk"].to_numpy(dtype=float)).any():
            continue
        color = GROUP_COLORS[g]
        ax.plot(c["time"], c["risk"], color=color, label=f"after a {g} experience (n={n[g]})")
        ax.fill_between(c["time"], c["ci_low"], c["ci_high"], color=color, alpha=0.2)
    ax.axvline(result.settings["horizon_days"], color=PALETTE["grey"], ls=":")
    ax.set_xlabel("days since the first rated experience (time zero)")
    ax.set_ylabel(f"share lapsed ({result.settings['lapse_days']:g} days without purchase)")
    ax.legend(fontsize=8)
    return ax


def plot_snapshot_churn(result: SnapshotChurnResult, ax: Axes | None = None) -> Axes:
    """Churn rate (with its Wilson interval) by satisfaction band and complaint flag.

    Parameters
    ----------
    result : SnapshotChurnResult
        From :func:`csanalysis.estimators.snapshot_churn`.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new Axes in the house style).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from csanalysis.estimators import snapshot_churn
    >>> cust = pd.DataFrame({"churned": [True, False, True, False], "satisfaction": [1, 5, 2, 4],
    ...                      "complained": [True, False, False, False]})
    >>> ax = plot_snapshot_churn(snapshot_churn(cust))
    >>> ax.get_ylabel()
    'churn rate (95% Wilson CI)'
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    t = result.table[result.table["id"] == "churn_rate"].reset_index(drop=True)
    x = np.arange(len(t))
    est = t["estimate"].to_numpy(dtype=float)
    err = np.vstack([est - t["ci_low"].to_numpy(dtype=float), t["ci_high"].to_numpy(dtype=float) - est])
    colors = [PALETTE["blue"] if g.startswith("satisfaction") else PALETTE["orange"] for g in t["group"]]
    ax.bar(x, est, color=colors, alpha=0.7)
    ax.errorbar(x, est, yerr=np.nan_to_num(err), fmt="none", color="k", capsize=3)
    ax.set_xticks(x)
    ax.set_xticklabels([f"{g}\n(n={n})" for g, n in zip(t["group"], t["n"])], fontsize=8)
    ax.set_ylabel("churn rate (95% Wilson CI)")
    return ax
