"""Plots: ``ax=`` in, Axes out, never ``plt.show()``. One house style, colour-blind safe.

Estimator result objects plot themselves (``result.plot(ax=...)``); this package
holds the house style and the plots that combine results (the benchmark forest plot).
"""

from .benchmarks import plot_benchmarks
from .style import PALETTE, PROVENANCE_COLORS, house_style, new_axes

__all__ = ["PALETTE", "PROVENANCE_COLORS", "house_style", "new_axes", "plot_benchmarks"]
