"""Intervals the validation scripts put on their coverage and rejection rates.

One home for what every script reports over its replications (``from intervals import clopper_pearson``: the
scripts run with ``validation/`` on ``sys.path``, as ``python validation/<script>.py`` puts it there).
"""

from __future__ import annotations

from scipy import stats


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson (exact binomial) interval of ``k`` successes in ``n`` trials; NaNs when ``n`` is 0.

    Examples
    --------
    >>> lo, hi = clopper_pearson(190, 200)
    >>> round(lo, 3), round(hi, 3)
    (0.91, 0.976)
    >>> clopper_pearson(0, 10)[0], clopper_pearson(10, 10)[1]
    (0.0, 1.0)
    """
    if n == 0:
        return float("nan"), float("nan")
    a = (1 - confidence) / 2
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a, k + 1, n - k))
    return lo, hi
