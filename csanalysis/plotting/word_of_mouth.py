"""Word of mouth: the estimated distribution of people told, per group, and the mean's range."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from csanalysis.estimators.word_of_mouth import GROUPS, TOLD_BINS

from .style import GROUP_COLORS, PALETTE, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.estimators.word_of_mouth import WordOfMouthResult

__all__ = ["plot_word_of_mouth"]


def plot_word_of_mouth(result: WordOfMouthResult, ax: Axes | None = None,
                       cited_band: tuple[float, float] | None = None, *, cited_label: str | None = None,
                       groups: tuple[str, ...] = GROUPS, bins: tuple = TOLD_BINS) -> Axes:
    """The Turnbull estimate of people told per group, with the dissatisfied mean's range and a cited band.

    Bars span their bands on a numeric axis with *area* equal to the band's
    estimated probability (:meth:`~csanalysis.estimators.word_of_mouth.WordOfMouthResult.distribution`),
    so wide bands are not inflated; the open top band is hatched and drawn
    as wide as its floor (its true extent is unknown). For the dissatisfied
    group the dashed line is the central mean (``wom_told_mean``) and the
    shaded strip the sensitivity range of the mean, from the lower bound
    (answers at their low ends) to the upper sensitivity.

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
        The bands to draw, as :data:`csanalysis.estimators.word_of_mouth.TOLD_BINS`.

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
    >>> sorted(ax.get_legend_handles_labels()[1])  # doctest: +NORMALIZE_WHITESPACE
    ['cited 5-8 people', 'dissatisfied (n=2)', 'dissatisfied mean 4.0', 'dissatisfied mean: range 3.0-5.0',
     'satisfied (n=2)']
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    dist = result.distribution(bins)
    left = np.array([b[0] for b in bins], dtype=float)
    right = np.array([b[1] + 1 if math.isfinite(b[1]) else 2 * max(b[0], 1) for b in bins], dtype=float)
    width = np.maximum(right - left, 1.0)
    for g in groups:
        color = GROUP_COLORS.get(g)
        d = dist[dist["group"] == g]
        n = len(result.answers(g))
        height = np.nan_to_num(d["share"].to_numpy(dtype=float)) / width
        bars = ax.bar(left, height, width=width, align="edge", alpha=0.45, color=color, edgecolor=color,
                      label=f"{g} (n={n})")
        if not math.isfinite(bins[-1][1]):
            bars[-1].set_hatch("//")
    if cited_band is not None:
        lo, hi = cited_band
        ax.axvspan(lo, hi, color=PALETTE["grey"], alpha=0.25,
                   label=cited_label if cited_label is not None else f"cited {lo:g}-{hi:g} people")
    if "dissatisfied" in groups:
        r = result.get("wom_told_mean")
        lb = result.get("wom_told_mean_lower_bound")["estimate"]
        ub = result.get("wom_told_mean_upper_sensitivity")["estimate"]
        color = GROUP_COLORS["dissatisfied"]
        if r["estimate"] is not None:
            ax.axvline(r["estimate"], color=color, ls="--", label=f"dissatisfied mean {r['estimate']:.1f}")
        if lb is not None and ub is not None:
            ax.axvspan(lb, ub, ymin=0.0, ymax=0.04, color=color, alpha=0.8,
                       label=f"dissatisfied mean: range {lb:.1f}-{ub:.1f}")
    ax.set_xlabel("people told")
    ax.set_ylabel("probability per person-count (bar area = probability)")
    ax.legend(fontsize=8)
    return ax
