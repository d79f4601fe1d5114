"""Word of mouth: how many people the respondents told, per group."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from csanalysis.estimators.word_of_mouth import GROUPS, SPANS, TOLD_BINS

from .style import GROUP_COLORS, PALETTE, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.estimators.word_of_mouth import WordOfMouthResult

__all__ = ["plot_word_of_mouth"]


def plot_word_of_mouth(result: WordOfMouthResult, ax: Axes | None = None,
                       cited_band: tuple[float, float] | None = None, *, cited_label: str | None = None,
                       groups: tuple[str, ...] = GROUPS, bins: tuple = TOLD_BINS) -> Axes:
    """Histogram of people told per group, optionally with a cited band shaded.

    Bars span their bands on a numeric axis with *area* equal to the share
    of answers (so wide bands are not inflated); the open top band is
    hatched and drawn up to twice the midpoint of its low end. Answers
    that span bands are left out of the bars (see
    :meth:`~csanalysis.estimators.word_of_mouth.WordOfMouthResult.distribution`).
    The dashed line is the dissatisfied mean (midpoint estimate).

    Parameters
    ----------
    result : WordOfMouthResult
        From :func:`csanalysis.estimators.word_of_mouth`.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new Axes in the house style).
    cited_band : (low, high), optional
        A cited range to shade, taken from the registry by the caller (for
        example ``cited_low`` / ``cited_high`` of
        ``csanalysis.registry.get_benchmark("wom_told_mean")``); default: no
        band.
    cited_label : str, optional
        Legend text of the band, e.g. with its provenance; default
        ``"cited <low>-<high> people"``.
    groups : tuple of str
        Which groups to draw.
    bins : tuple
        The answer bands, as :data:`csanalysis.estimators.word_of_mouth.TOLD_BINS`.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> from csanalysis.estimators import word_of_mouth
    >>> r = word_of_mouth(pd.DataFrame({"csat": [1, 2, 5, 4], "told_count_low": [6, 0, 1, 0],
    ...     "told_count_high": [10, 0, 5, 0]}), n_resamples=50)
    >>> ax = plot_word_of_mouth(r, cited_band=(5, 8))
    >>> sorted(ax.get_legend_handles_labels()[1])
    ['cited 5-8 people', 'dissatisfied (n=2)', 'dissatisfied mean (midpoint) 4.0', 'satisfied (n=2)']
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    dist = result.distribution(bins)
    m = result.settings["open_multiplier"]
    edges = []
    for a, b, _ in bins:
        right = b + 1 if math.isfinite(b) else a + 2 * (a * m - a)
        edges.append((a, max(right, a + 1)))
    for g in groups:
        color = GROUP_COLORS.get(g)
        in_group = dist[dist["group"] == g]
        d = in_group[in_group["band"] != SPANS]
        left = np.array([e[0] for e in edges], dtype=float)
        width = np.array([e[1] - e[0] for e in edges], dtype=float)
        height = d["share"].to_numpy(dtype=float) / width
        bars = ax.bar(left, height, width=width, align="edge", alpha=0.45, color=color, edgecolor=color,
                      label=f"{g} (n={int(in_group['count'].sum())})")
        if not math.isfinite(bins[-1][1]):
            bars[-1].set_hatch("//")
    if cited_band is not None:
        lo, hi = cited_band
        ax.axvspan(lo, hi, color=PALETTE["grey"], alpha=0.25,
                   label=cited_label if cited_label is not None else f"cited {lo:g}-{hi:g} people")
    if "dissatisfied" in groups:
        r = result.get("wom_told_mean")
        if r["estimate"] is not None:
            ax.axvline(r["estimate"], color=GROUP_COLORS["dissatisfied"], ls="--",
                       label=f"dissatisfied mean (midpoint) {r['estimate']:.1f}")
    ax.set_xlabel("people told")
    ax.set_ylabel("share of answers per person-count (bar area = share)")
    ax.legend(fontsize=8)
    return ax
