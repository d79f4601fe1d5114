"""The house style: Okabe-Ito colours (readable with every common colour-vision deficiency)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .._palette import GROUP_COLORS, PALETTE

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["PALETTE", "GROUP_COLORS", "PROVENANCE_COLORS", "house_style", "set_house_style", "new_axes", "RC",
           "bounded_band", "percent_axis", "scale_bounds"]

#: Provenance level -> colour (P1 strongest ... U folklore).
PROVENANCE_COLORS = {"P1": PALETTE["blue"], "P2": PALETTE["sky"], "S": PALETTE["orange"], "U": PALETTE["grey"]}

RC = {
    "figure.figsize": (7.0, 4.2),
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.prop_cycle": None,  # set below
    "legend.frameon": False,
}


def _rc() -> dict:
    from cycler import cycler

    rc = dict(RC)
    rc["axes.prop_cycle"] = cycler(color=[PALETTE[c] for c in ("blue", "vermillion", "green", "orange",
                                                                "purple", "sky", "grey", "black")])
    return rc


def set_house_style() -> None:
    """Apply the house style to every later plot of this session (an explicit opt-in, e.g. in a notebook).

    Examples
    --------
    >>> import matplotlib as mpl
    >>> set_house_style(); mpl.rcParams["axes.spines.top"]
    False
    >>> mpl.rcdefaults()
    """
    import matplotlib as mpl

    mpl.rcParams.update(_rc())


@contextmanager
def house_style() -> Iterator[None]:
    """Context manager applying the house style to plots made inside it.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with house_style():
    ...     fig, ax = plt.subplots()
    >>> ax.spines["top"].get_visible()
    False
    """
    import matplotlib as mpl

    with mpl.rc_context(_rc()):
        yield


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax`` or a fresh Axes in the house style.

    Examples
    --------
    >>> ax = new_axes(figsize=(4, 3))
    >>> new_axes(ax) is ax
    True
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    with house_style():
        fig, ax = plt.subplots(figsize=figsize or RC["figure.figsize"])
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def bounded_band(ax: Axes, x, low, high, bounds: tuple[float, float] = (-float("inf"), float("inf")), **kw):
    """An interval band clipped to the scale's possible values (a share never beyond 0-100%, CSAT within 1-5).

    Parameters
    ----------
    ax : matplotlib Axes
    x, low, high : array-like
        Positions and the band's ends; missing ends leave a gap.
    bounds : (float, float)
        The lowest and highest value the measure can take.
    **kw
        Passed to ``Axes.fill_between``.

    Returns
    -------
    The ``PolyCollection`` drawn, or ``None`` when no end is finite.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> band = bounded_band(ax, [0, 1], [0.9, 4.0], [3.0, 5.6], bounds=(1, 5))
    >>> float(band.get_paths()[0].vertices[:, 1].min()), float(band.get_paths()[0].vertices[:, 1].max())
    (1.0, 5.0)
    >>> plt.close(fig)
    """
    import numpy as np

    lo = np.asarray(low, dtype=float)
    hi = np.asarray(high, dtype=float)
    ok = np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return None
    lo = np.clip(lo, bounds[0], bounds[1])
    hi = np.clip(hi, bounds[0], bounds[1])
    return ax.fill_between(np.asarray(x), np.where(ok, lo, np.nan), np.where(ok, hi, np.nan), **kw)


def percent_axis(ax: Axes, axis: str = "y") -> None:
    """Show a share axis in percent (the page's one percentage style: 52%, not 0.52)."""
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def scale_bounds(name: str) -> tuple[float, float]:
    """The values a metric or measure (by its name) can take; interval bands are clipped to them.

    Examples
    --------
    >>> scale_bounds("reopen_rate"), scale_bounds("csat_mean"), scale_bounds("nps"), scale_bounds("resolution_p50")
    ((0.0, 1.0), (1.0, 5.0), (-100.0, 100.0), (0.0, inf))
    """
    n = name.lower()
    if n.endswith(("_share", "_rate", "_top2")) or n in ("fcr", "share"):
        return (0.0, 1.0)
    if n.startswith("csat"):
        return (1.0, 5.0)
    if n.startswith("ces"):
        return (1.0, 7.0)
    if n.startswith("nps"):
        return (-100.0, 100.0)
    return (0.0, float("inf"))
