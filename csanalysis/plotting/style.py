"""The house style: Okabe-Ito colours (readable with every common colour-vision deficiency)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .._palette import GROUP_COLORS, PALETTE

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["PALETTE", "GROUP_COLORS", "PROVENANCE_COLORS", "house_style", "set_house_style", "new_axes", "RC"]

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
