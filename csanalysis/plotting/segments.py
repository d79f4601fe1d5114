"""Segments: rates per segment, recovery differences, clusters, segment comparisons and channels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from csanalysis.segments.channels import CHANNEL_MEASURES

from .style import PALETTE, new_axes, percent_axis

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.segments import (
        ChannelConsistency,
        ClusterResult,
        JourneyResult,
        RFMResult,
        SegmentComparison,
        ServiceLevelResult,
        ServiceRecoveryResult,
    )

__all__ = ["plot_channel_consistency", "plot_clusters", "plot_journeys", "plot_rates", "plot_recovery", "plot_rfm",
           "plot_segment_comparison", "plot_service_levels"]


def plot_rates(summary: pd.DataFrame, value: str, low: str, high: str, *, ax: Axes | None = None, title: str = "",
               xlabel: str = "", percent: bool = True, hide_empty: bool = True) -> Axes:
    """Horizontal bars of ``value`` per segment with ``[low, high]`` error bars.

    Segments with no one in them (``n`` = 0) or no value are left out when
    ``hide_empty`` (they are named in the segment tables); a share axis is
    drawn in percent when ``percent``.

    Parameters
    ----------
    summary : DataFrame
        A segment summary with ``segment``, ``n`` and the three columns named.
    value, low, high : str
        Columns of the rate and its interval.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new Axes in the house style).
    title, xlabel : str
    percent : bool
        The values are shares: label the axis in percent.
    hide_empty : bool
        Leave out segments with ``n`` = 0 or no value.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> s = pd.DataFrame({"segment": ["a", "b"], "n": [10, 20], "share": [0.4, 0.6],
    ...                   "lo": [0.2, 0.4], "hi": [0.6, 0.8]})
    >>> ax = plot_rates(s, "share", "lo", "hi", title="Shares")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['b (n=20)', 'a (n=10)']
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    s = summary.iloc[::-1]
    if hide_empty:
        s = s[pd.to_numeric(s["n"], errors="coerce").fillna(0).gt(0) & s[value].notna()]
        if s.empty:
            raise ValueError("every segment is empty")
    v = s[value].to_numpy(dtype=float, na_value=np.nan)
    lo = s[low].to_numpy(dtype=float, na_value=np.nan)
    hi = s[high].to_numpy(dtype=float, na_value=np.nan)
    err = np.vstack([np.nan_to_num(v - lo), np.nan_to_num(hi - v)])
    y = np.arange(len(s))
    ax.barh(y, np.nan_to_num(v), xerr=err, color=PALETTE["blue"], ecolor=PALETTE["black"], capsize=3)
    ax.set_yticks(y, labels=[f"{seg} (n={n})" for seg, n in zip(s["segment"], s["n"])])
    if percent:
        percent_axis(ax, "x")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return ax


def plot_rfm(result: RFMResult, ax: Axes | None = None) -> Axes:
    """Bar chart of RFM segment shares with their Wilson intervals.

    Parameters
    ----------
    result : RFMResult
        From :func:`csanalysis.segments.rfm`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    return plot_rates(result.summary(), "share", "share_ci_low", "share_ci_high", ax=ax,
                      title=f"RFM segments (as of {result.as_of.date()})", xlabel="share of customers")


def plot_journeys(result: JourneyResult, ax: Axes | None = None, *,
                  what: Literal["repeat", "share", "avoid", "lapse"] = "repeat") -> Axes:
    """Bar chart per journey with Wilson intervals: repeat rate (default), share, avoid or lapse rate.

    Parameters
    ----------
    result : JourneyResult
        From :func:`csanalysis.segments.experience_journeys`.
    ax : matplotlib Axes, optional
    what : {"repeat", "share", "avoid", "lapse"}

    Returns
    -------
    matplotlib Axes
    """
    w = f"{result.window:g}"
    cols = {"repeat": ("repeat_rate", "repeat_ci_low", "repeat_ci_high", f"bought again within {w} days"),
            "avoid": ("avoid_rate", "avoid_ci_low", "avoid_ci_high", f"no purchase within {w} days"),
            "lapse": ("lapse_rate", "lapse_ci_low", "lapse_ci_high", f"earlier buyers lost within {w} days"),
            "share": ("share", "share_ci_low", "share_ci_high", "share of customers")}
    if what not in cols:
        raise ValueError(f"what must be one of {', '.join(cols)}, got {what!r}.")
    v, lo, hi, label = cols[what]
    return plot_rates(result.summary(), v, lo, hi, ax=ax, title="Experience journeys", xlabel=label)


def plot_recovery(result: ServiceRecoveryResult, ax: Axes | None = None) -> Axes:
    """Differences in repeat rate after the recovery (time zero) against each reference, with their intervals.

    Parameters
    ----------
    result : ServiceRecoveryResult
        From :func:`csanalysis.segments.service_recovery_test`: overlap-weighted
        differences with customer-clustered intervals.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax)
    c = result.comparisons.iloc[::-1]
    d = c["difference"].to_numpy(dtype=float, na_value=np.nan)
    err = np.vstack([np.nan_to_num(d - c["ci_low"].to_numpy(dtype=float, na_value=np.nan)),
                     np.nan_to_num(c["ci_high"].to_numpy(dtype=float, na_value=np.nan) - d)])
    y = np.arange(len(c))
    ax.errorbar(np.nan_to_num(d), y, xerr=err, fmt="o", color=PALETTE["vermillion"], capsize=4)
    ax.axvline(0.0, color=PALETTE["grey"], lw=1)
    ax.set_yticks(y, labels=list(c["comparison"]))
    ax.set_xlabel(f"difference in repeat rate within {result.journeys.window:g} days after time zero")
    ax.set_title("Service recovery (time zero: the recovery)")
    return ax


def plot_service_levels(result: ServiceLevelResult, ax: Axes | None = None, *,
                        what: Literal["share", "repeat", "avoid"] = "share") -> Axes:
    """Bars per service level with Wilson intervals: share of customers (default), repeat or avoid rate.

    Parameters
    ----------
    result : ServiceLevelResult
        From :func:`csanalysis.segments.service_levels`.
    ax : matplotlib Axes, optional
    what : {"share", "repeat", "avoid"}
        The rates need activity (later purchases).

    Returns
    -------
    matplotlib Axes
    """
    s = result.summary()
    if what == "share":
        return plot_rates(s, "share", "share_ci_low", "share_ci_high", ax=ax, title="Service levels",
                          xlabel="share of customers")
    if what not in ("repeat", "avoid"):
        raise ValueError(f"what must be 'share', 'repeat' or 'avoid', got {what!r}.")
    if "repeat_rate" not in s.columns:
        raise ValueError("no activity was given, so there is no behaviour to plot; use what='share'.")
    word = "bought again" if what == "repeat" else "no purchase"
    return plot_rates(s, f"{what}_rate", f"{what}_ci_low", f"{what}_ci_high", ax=ax,
                      title="Service levels", xlabel=f"{word} within {result.window:g} days")


def plot_clusters(result: ClusterResult, ax: Axes | None = None) -> Axes:
    """Heatmap of standardised cluster means (features x clusters).

    Parameters
    ----------
    result : ClusterResult
        From :func:`csanalysis.segments.cluster_customers`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax)
    z = result.z_means[result.used].to_numpy(dtype=float).T
    lim = max(1.0, float(np.nanmax(np.abs(z))) if z.size else 1.0)
    im = ax.imshow(z, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(np.arange(z.shape[1]), labels=[f"cluster {i}" for i in result.z_means.index])
    ax.set_yticks(np.arange(z.shape[0]), labels=list(result.used))
    for (r, c), v in np.ndenumerate(z):
        ax.text(c, r, f"{v:+.1f}", ha="center", va="center", fontsize=8)
    ax.figure.colorbar(im, ax=ax, label="standardised mean")
    ax.set_title(f"Customer clusters (k={result.k})")
    return ax


def plot_segment_comparison(result: SegmentComparison, ax: Axes | None = None) -> Axes:
    """Estimate and interval per segment (horizontal); segments that differ from the rest filled.

    Parameters
    ----------
    result : SegmentComparison
        From :func:`csanalysis.segments.compare_segments`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = new_axes(ax)
    t = result.table
    y = np.arange(len(t))
    est = t["estimate"].to_numpy(float)
    sig = t["significant"].to_numpy(bool)
    ax.hlines(y, t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float), color=PALETTE["blue"], lw=2)
    ax.plot(est[~sig], y[~sig], "o", mfc="white", color=PALETTE["blue"], label="not significant")
    ax.plot(est[sig], y[sig], "o", color=PALETTE["vermillion"], label=f"differs from rest ({result.correction})")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{s} (n={int(n)})" for s, n in zip(t["segment"].astype("str"), t["n"])])
    ax.set_ylim(len(t) - 0.5, -0.5)
    unit = f" [{result.unit}]" if result.unit else ""
    ax.set_xlabel(f"{result.metric}{unit}: {result.estimator}")
    p = result.omnibus.p_value
    ax.set_title(f"{result.omnibus.test}: p = {p:.3g}" if np.isfinite(p) else f"{result.omnibus.test}: n/a")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_channel_consistency(result: ChannelConsistency, ax: Axes | None = None,
                             measure: Literal["bad_share", "csat_mean", "resolution_p50"] = "bad_share") -> Axes:
    """Estimate and interval per channel; for ``bad_share`` the range of the consistency figure is shaded.

    Parameters
    ----------
    result : ChannelConsistency
        From :func:`csanalysis.segments.channel_consistency`.
    ax : matplotlib Axes, optional
    measure : {"bad_share", "csat_mean", "resolution_p50"}

    Returns
    -------
    matplotlib Axes
    """
    if measure not in ("bad_share", "csat_mean", "resolution_p50"):
        raise ValueError(f"The value for `measure` must be one of ['bad_share', 'csat_mean', "
                         f"'resolution_p50'], but {measure!r} was passed.")
    ax = new_axes(ax)
    rows = result.table.loc[result.table["measure"] == measure]
    rows = rows[pd.to_numeric(rows["n"], errors="coerce").fillna(0).gt(0) & rows["value"].notna()]  # no empty ones
    if rows.empty:
        raise ValueError(f"no channel has a value for {measure}")
    share = measure == "bad_share"
    y = np.arange(len(rows))
    ax.hlines(y, rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float), color=PALETTE["blue"], lw=2)
    ax.plot(rows["value"].to_numpy(float), y, "o", color=PALETTE["blue"])
    ax.set_yticks(y)
    ax.set_yticklabels([f"{c} (n={int(n)})" for c, n in zip(rows["channel"].astype("str"), rows["n"])])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    what = CHANNEL_MEASURES[measure][0]
    ax.set_xlabel(what[:1].upper() + what[1:])
    if share:
        percent_axis(ax, "x")
    f: dict[str, Any] = result.consistency
    if measure == "bad_share" and np.isfinite(f["value"]):
        inc = rows.loc[rows["channel"].astype("str").isin(f["channels"]), "value"]
        if len(inc):
            ax.axvspan(float(inc.min()), float(inc.max()), color=PALETTE["orange"], alpha=0.15,
                       label=f"spread across channels {100 * f['value']:.1f}% "
                             f"(95% CI {100 * f['ci_low']:.1f}% to {100 * f['ci_high']:.1f}%)")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), fontsize="small")
    p = result.tests.set_index("measure").loc[measure, "p_value"]
    name = {"bad_share": "Bad-rating share", "csat_mean": "CSAT (mean)", "resolution_p50": "Resolution time "
            "(median)"}[measure]
    ax.set_title(f"{name} by channel" + (f" (test of equality p {'< 0.0001' if p < 0.0001 else f'= {p:.4f}'})"
                                         if np.isfinite(p) else ""))
    return ax
