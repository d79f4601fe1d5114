"""Kaplan-Meier curves: the step function S(t) with its confidence band."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .style import new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from csanalysis.stats.survival import KaplanMeierResult

__all__ = ["plot_survival"]


def plot_survival(km: KaplanMeierResult, ax: Axes | None = None, *, ci: bool = True, **kw: Any) -> Axes:
    """Step plot of S(t) with its confidence band.

    Parameters
    ----------
    km : KaplanMeierResult
        From :func:`csanalysis.stats.kaplan_meier`.
    ax : matplotlib Axes, optional
        Axes to draw on (default: a new Axes in the house style).
    ci : bool, default True
        Draw the confidence band.
    **kw
        Passed to ``ax.step`` (for example ``label=``, ``color=``).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from csanalysis.stats import kaplan_meier
    >>> km = kaplan_meier([5, 8, 8, 12, 20], [True, True, False, True, False])
    >>> ax = plot_survival(km, label="all")
    >>> ax.get_ylabel()
    'share without the event, S(t)'
    >>> plt.close(ax.figure)
    """
    ax = new_axes(ax)
    tl = km.timeline
    (line,) = ax.step(tl["time"], tl["survival"], where="post", **kw)
    if ci:
        ax.fill_between(
            tl["time"],
            tl["ci_low"],
            tl["ci_high"],
            step="post",
            alpha=0.25,
            color=line.get_color(),
            linewidth=0,
        )
    ax.set_xlabel("days")
    ax.set_ylabel("share without the event, S(t)")
    ax.set_ylim(-0.02, 1.02)
    return ax
