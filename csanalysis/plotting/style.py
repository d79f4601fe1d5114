"""The house style: Okabe-Ito colours (readable with every common colour-vision deficiency)."""

from __future__ import annotations

from contextlib import contextmanager

__all__ = ["PALETTE", "PROVENANCE_COLORS", "house_style", "new_axes", "RC"]

#: Okabe & Ito (2008) colour-blind-safe palette.
PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000", "grey": "#999999",
}
#: Group colours used across plots.
GROUP_COLORS = {"bad": PALETTE["vermillion"], "good": PALETTE["blue"], "baseline": PALETTE["grey"],
                "dissatisfied": PALETTE["vermillion"], "satisfied": PALETTE["blue"]}
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


@contextmanager
def house_style():
    """Context manager applying the house style to plots made inside it."""
    import matplotlib as mpl
    from cycler import cycler

    rc = dict(RC)
    rc["axes.prop_cycle"] = cycler(color=[PALETTE[c] for c in ("blue", "vermillion", "green", "orange",
                                                                "purple", "sky", "grey", "black")])
    with mpl.rc_context(rc):
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
