"""The benchmark forest plot: each own figure with its CI against the cited figure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from .style import PALETTE, PROVENANCE_COLORS, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_benchmarks"]

_VERDICT_COLORS = {"below": PALETTE["blue"], "above": PALETTE["vermillion"], "consistent": PALETTE["green"],
                   "not comparable": PALETTE["grey"], "not supported": PALETTE["grey"]}


def plot_benchmarks(table: pd.DataFrame, ax: Axes | None = None, *, unit: Literal["share", "count"] = "share",
                    include_unsupported: bool = False) -> Axes:
    """Forest plot of a :func:`csanalysis.benchmark_table`.

    Each row: the observed value with its 95% CI (dot and line) and the cited
    figure (diamond; a band for a cited range), the diamond coloured by
    provenance level (P1 dark blue, P2 light blue, S orange, U grey =
    folklore). The verdict is written at the right. Figures whose definitions
    cannot meet the cited one ("not comparable") are drawn hollow and grey, so
    that the eye does not compare them.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`csanalysis.benchmark_table`.
    ax : matplotlib Axes, optional
    unit : {"share", "count"}
        ``share`` plots the rows whose figures are fractions (shown as %);
        ``count`` plots the rest (e.g. people told).
    include_unsupported : bool
        Also list the figures the data cannot support.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"id": ["a"], "cited": [0.39], "cited_low": [None], "cited_high": [None],
    ...                   "observed": [0.5], "ci_low": [0.45], "ci_high": [0.55], "verdict": ["above"],
    ...                   "provenance": ["P1 (primary, verified)"]})
    >>> ax = plot_benchmarks(t)
    >>> ax.get_yticklabels()[0].get_text().startswith("a")
    True
    """
    t = table.copy()
    is_share = t["cited"].abs().le(1) | (t["cited"].isna() & t["observed"].abs().le(1))
    t = t[is_share] if unit == "share" else t[~is_share]
    if not include_unsupported:
        t = t[t["verdict"] != "not supported"]
    ax = new_axes(ax, figsize=(8, 0.42 * max(len(t), 3) + 1.3))
    scale = 100.0 if unit == "share" else 1.0
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
        comparable = r["verdict"] not in ("not comparable", "not supported")
        dot = PALETTE["black"] if comparable else PALETTE["grey"]
        if pd.notna(r["observed"]):
            if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]):
                ax.plot([r["ci_low"] * scale, r["ci_high"] * scale], [yi, yi], color=dot, lw=2,
                        ls="-" if comparable else ":")
            ax.plot(r["observed"] * scale, yi, "o", ms=6, color=dot, mfc=dot if comparable else "white")
        ax.annotate(str(r["verdict"]), xy=(1.01, yi), xycoords=("axes fraction", "data"), va="center",
                    fontsize=8, color=_VERDICT_COLORS.get(r["verdict"], PALETTE["grey"]), annotation_clip=False)
    labels = [f"{r['id']}  [{str(r['provenance']).split()[0]}{' folklore' if 'folklore' in str(r['provenance']) else ''}]"
              for _, r in t.iterrows()]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(-0.7, len(t) - 0.3)
    ax.set_xlabel("percent" if unit == "share" else "people")
    ax.set_title("Own figures (dot, 95% CI) against cited figures (diamond)")
    return ax
