"""The benchmark forest plot: each own figure with its CI against the cited figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .style import PALETTE, PROVENANCE_COLORS, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_benchmarks", "plot_comparison"]

_DIRECTION_COLORS = {"worse": PALETTE["vermillion"], "better": PALETTE["blue"]}
_UNIT_AXIS = {"share": ("percent", 100.0), "people": ("people", 1.0)}


def plot_benchmarks(table: pd.DataFrame, ax: Axes | None = None, *, unit: str = "share",
                    include_unsupported: bool = False) -> Axes:
    """Forest plot of the comparisons (:attr:`csanalysis.Analysis.comparisons`).

    Each row: the observed value with its 95% CI (dot and line) and the cited
    figure (diamond; a band for a cited range), the diamond coloured by
    provenance level (P1 dark blue, P2 light blue, S orange, U grey =
    folklore). The verdict is written at the right. Figures whose definitions
    cannot meet the cited one ("not comparable", "too few", "too uncertain")
    are drawn hollow and grey, so that the eye does not compare them. The
    verdict at the right is coloured by what it means for the company
    (``direction``: worse vermillion, better blue).

    Parameters
    ----------
    table : DataFrame
        The comparisons (columns ``id, label, unit, cited, cited_low,
        cited_high, observed, ci_low, ci_high, verdict, direction,
        provenance``).
    ax : matplotlib Axes, optional
    unit : str
        The rows of this unit (``share`` is drawn in percent).
    include_unsupported : bool
        Also list the figures the data cannot support.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"id": ["a"], "label": ["a figure"], "unit": ["share"], "cited": [0.39],
    ...                   "cited_low": [None], "cited_high": [None], "observed": [0.5], "ci_low": [0.45],
    ...                   "ci_high": [0.55], "verdict": ["above"], "direction": ["worse"],
    ...                   "provenance": ["P1 (primary, verified)"]})
    >>> ax = plot_benchmarks(t)
    >>> ax.get_yticklabels()[0].get_text().startswith("a")
    True
    """
    t = table[table["unit"] == unit].copy()
    if not include_unsupported:
        t = t[t["verdict"] != "not supported"]
    ax = new_axes(ax, figsize=(8, 0.42 * max(len(t), 3) + 1.3))
    xlabel, scale = _UNIT_AXIS.get(unit, (unit, 1.0))
    y = np.arange(len(t))[::-1]
    for yi, (_, r) in zip(y, t.iterrows()):
        prov = str(r["provenance"]) if pd.notna(r["provenance"]) else "U"
        level = prov.split()[0]
        color = PROVENANCE_COLORS.get(level, PALETTE["grey"])
        if pd.notna(r.get("cited_low")) and pd.notna(r.get("cited_high")):
            ax.fill_betweenx([yi - 0.25, yi + 0.25], r["cited_low"] * scale, r["cited_high"] * scale,
                             color=color, alpha=0.25, lw=0)
        if pd.notna(r["cited"]):
            ax.plot(r["cited"] * scale, yi, marker="D", ms=7, mfc="white", mec=color, mew=2, ls="none")
        comparable = r["verdict"] in ("above", "below", "consistent")
        dot = PALETTE["black"] if comparable else PALETTE["grey"]
        if pd.notna(r["observed"]):
            if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]):
                ax.plot([r["ci_low"] * scale, r["ci_high"] * scale], [yi, yi], color=dot, lw=2,
                        ls="-" if comparable else ":")
            ax.plot(r["observed"] * scale, yi, "o", ms=6, color=dot, mfc=dot if comparable else "white")
        direction = r.get("direction") or ""
        if r["verdict"] in ("above", "below"):
            text = (f"{direction} than cited" if direction in ("worse", "better")
                    else ("higher" if r["verdict"] == "above" else "lower") + " than cited")
        else:
            text = {"consistent": "consistent with cited"}.get(r["verdict"], str(r["verdict"]))
        ax.annotate(text, xy=(1.01, yi), xycoords=("axes fraction", "data"), va="center", fontsize=8,
                    color=_DIRECTION_COLORS.get(direction, PALETTE["grey"]), annotation_clip=False)
    labels = [f"{r.get('label') or r['id']}  [{str(r['provenance']).split()[0]}"
              f"{' folklore' if 'folklore' in str(r['provenance']) else ''}]" for _, r in t.iterrows()]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(t) - 0.3)
    ax.set_xlabel(xlabel)
    ax.set_title("Own figures (dot, 95% CI) against cited figures (diamond)")
    return ax


def plot_comparison(comparisons: list, ax: Axes | None = None, **kwargs) -> Axes:
    """Observed intervals against cited values or ranges, for :class:`csanalysis.registry.Comparison` objects.

    The provenance level is part of the label; an untraceable figure is drawn
    dashed and labelled folklore.

    Parameters
    ----------
    comparisons : list of Comparison
    ax : matplotlib Axes, optional
    **kwargs
        Passed to ``Axes.errorbar``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import math

    ax = new_axes(ax)
    for i, c in enumerate(comparisons):
        y = len(comparisons) - 1 - i
        color = PALETTE["grey"] if c.folklore else PALETTE["vermillion"]
        ls = "--" if c.folklore else "-"
        if math.isfinite(c.cited_low) and math.isfinite(c.cited_high):
            ax.fill_betweenx([y - 0.3, y + 0.3], c.cited_low, c.cited_high, alpha=0.2, color=color)
        else:
            ax.vlines(c.cited, y - 0.3, y + 0.3, linestyles=ls, colors=color)
        if math.isfinite(c.observed):
            lo = c.observed - c.ci_low if math.isfinite(c.ci_low) else 0.0
            hi = c.ci_high - c.observed if math.isfinite(c.ci_high) else 0.0
            ax.errorbar([c.observed], [y], xerr=[[lo], [hi]], fmt="o", color=PALETTE["blue"], capsize=3, **kwargs)
    ax.set_yticks(range(len(comparisons)))
    ax.set_yticklabels([f"{c.id}\n[{c.provenance}] {c.verdict}" for c in reversed(comparisons)], fontsize=8)
    ax.set_xlabel("observed (dot, CI) vs cited (line or band; dashed = folklore)")
    return ax
