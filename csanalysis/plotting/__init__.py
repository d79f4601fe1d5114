"""Plots: ``ax=`` in, Axes out, never ``plt.show()``. One house style, colour-blind safe.

Estimator result objects plot themselves (``result.plot(ax=...)``); this package
holds the house style and the plots that combine results (the benchmark forest plot).
"""

from .benchmarks import plot_benchmarks
from .style import GROUP_COLORS, PALETTE, PROVENANCE_COLORS, house_style, new_axes, set_house_style

__all__ = ["PALETTE", "GROUP_COLORS", "PROVENANCE_COLORS", "house_style", "set_house_style", "new_axes",
           "plot_benchmarks"]
