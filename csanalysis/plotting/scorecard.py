"""The service scorecard: one measure over the periods, significant changes marked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import textwrap

import numpy as np

from csanalysis.segments.scorecard import MEASURES

from .style import GROUP_COLORS, PALETTE, bounded_band, new_axes, percent_axis, scale_bounds

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.segments.scorecard import Scorecard

__all__ = ["plot_scorecard", "measure_bounds", "is_share"]


def plot_scorecard(result: Scorecard, ax: Axes | None = None, measure: str | None = None) -> Axes:
    """Line chart of one measure over the periods, with its interval and significant changes marked.

    Parameters
    ----------
    result : Scorecard
        From :func:`csanalysis.segments.scorecard`.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new Axes in the house style).
    measure : str, optional
        Defaults to the first measure (the first lead measure with a preset).

    Returns
    -------
    matplotlib Axes
        Significant improvements are marked with an upward triangle,
        significant worsenings with a downward one.
    """
    have = list(dict.fromkeys(result.table["measure"]))
    m = have[0] if measure is None else measure
    if m not in have:
        raise ValueError(f"measure {m!r} is not in this scorecard; it has: {', '.join(have)}")
    ax = new_axes(ax, figsize=(9.0, 3.8))
    rows = result.table.loc[result.table["measure"] == m]
    x = np.arange(len(rows))
    v = rows["value"].to_numpy(float)
    lo, hi = rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float)
    complete = rows["complete"].to_numpy(bool) if "complete" in rows.columns else np.ones(len(rows), bool)
    share = is_share(m)
    band = bounded_band(ax, x, lo, hi, bounds=measure_bounds(m), color=PALETTE["blue"], alpha=0.15, lw=0,
                        label=f"{result.confidence:.0%} interval")
    del band
    ax.plot(np.where(complete, x, np.nan), np.where(complete, v, np.nan), "-o", color=PALETTE["blue"], ms=3,
            lw=1.8, label="complete period")
    if (~complete).any():
        # the line runs on, dashed and hollow, into the incomplete periods
        first = int(np.argmax(~complete))
        k = slice(max(first - 1, 0), None)
        ax.plot(x[k], v[k], "--", color=PALETTE["blue"], lw=1.2)
        ax.plot(x[~complete], v[~complete], "o", mfc="white", color=PALETTE["blue"], ms=5,
                label="incomplete period")
    sig = rows["significant"].to_numpy(bool)
    better = rows["improved"].fillna(False).to_numpy(dtype=bool)
    if (sig & better).any():
        ax.plot(x[sig & better], v[sig & better], "^", color=GROUP_COLORS["better"], ms=9,
                label="significant improvement")
    if (sig & ~better).any():
        ax.plot(x[sig & ~better], v[sig & ~better], "v", color=GROUP_COLORS["worse"], ms=9,
                label="significant worsening")
    step = max(1, int(np.ceil(len(rows) / 16)))
    ax.set_xticks(x[::step])
    ax.set_xticklabels(rows["period"].astype("str").to_numpy()[::step], rotation=45, ha="right")
    d, good = MEASURES.get(m, (m, ""))
    if share:
        percent_axis(ax, "y")
    ax.set_ylabel(m.replace("_", " "))
    ax.set_title(textwrap.fill(f"{d[:1].upper()}{d[1:]}" + (f" ({good} is good)" if good else ""), 80))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=5, fontsize="small")
    return ax


def is_share(measure: str) -> bool:
    """Whether a scorecard measure is a share (drawn in percent, bounded by 0 and 1)."""
    return measure.endswith(("_share", "_rate")) or measure in ("fcr",)


def measure_bounds(measure: str) -> tuple[float, float]:
    """The values a scorecard measure can take: its interval band is clipped to them.

    Examples
    --------
    >>> measure_bounds("reopen_rate"), measure_bounds("csat_mean"), measure_bounds("first_reply_p50")
    ((0.0, 1.0), (1.0, 5.0), (0.0, inf))
    """
    return (0.0, 1.0) if is_share(measure) else scale_bounds(measure)
