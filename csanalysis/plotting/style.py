"""The house style: Okabe-Ito colours (readable with every common colour-vision deficiency)."""

from __future__ import annotations

from contextlib import contextmanager

__all__ = ["PALETTE", "GROUP_COLORS", "PROVENANCE_COLORS", "house_style", "set_house_style", "new_axes", "RC"]

from .._palette import GROUP_COLORS, PALETTE  # noqa: E402

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
    """Apply the house style to every later plot of this session (an explicit opt-in, e.g. in a notebook)."""
    import matplotlib as mpl

    mpl.rcParams.update(_rc())


@contextmanager
def house_style():
    """Context manager applying the house style to plots made inside it."""
    import matplotlib as mpl

    with mpl.rc_context(_rc()):
        yield


def new_axes(ax=None, figsize=None):
    """Return ``ax`` or a fresh Axes in the house style."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    with house_style():
        fig, ax = plt.subplots(figsize=figsize or RC["figure.figsize"])
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return ax
