"""Estimators: service metrics, avoidance after a bad experience, word of mouth, churn.

Each returns a result object with ``.summary()``, ``.to_dict()``, ``_repr_html_``
and ``.plot(ax=None)``. Estimators never import the report or notebooks.
"""

from .metrics import ServiceMetrics, quantile_ci, service_metrics

__all__ = ["ServiceMetrics", "quantile_ci", "service_metrics"]
