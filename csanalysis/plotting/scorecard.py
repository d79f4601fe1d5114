"""The service scorecard: one measure over the periods, significant changes marked."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from csanalysis.segments.scorecard import MEASURES

from .style import GROUP_COLORS, PALETTE, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.segments.scorecard import Scorecard

__all__ = ["plot_scorecard"]


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
    ax = new_axes(ax)
    rows = result.table.loc[result.table["measure"] == m]
    x = np.arange(len(rows))
    v = rows["value"].to_numpy(float)
    ax.plot(x, v, "-o", color=PALETTE["blue"], ms=4, label=m)
    lo, hi = rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float)
    ok = np.isfinite(lo) & np.isfinite(hi)
    if ok.any():
        ax.fill_between(x, np.where(ok, lo, np.nan), np.where(ok, hi, np.nan), color=PALETTE["blue"], alpha=0.15,
                        label=f"{result.confidence:.0%} interval")
    sig = rows["significant"].to_numpy(bool)
    better = rows["improved"].fillna(False).to_numpy(dtype=bool)
    if (sig & better).any():
        ax.plot(x[sig & better], v[sig & better], "^", color=GROUP_COLORS["better"], ms=10,
                label="significant improvement")
    if (sig & ~better).any():
        ax.plot(x[sig & ~better], v[sig & ~better], "v", color=GROUP_COLORS["worse"], ms=10,
                label="significant worsening")
    ax.set_xticks(x)
    ax.set_xticklabels(rows["period"].astype("str"), rotation=45, ha="right")
    d, good = MEASURES[m]
    ax.set_ylabel(m)
    ax.set_title(f"{d} ({good} is good)")
    ax.legend(loc="best", fontsize="small")
    return ax
