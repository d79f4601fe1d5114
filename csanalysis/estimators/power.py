r"""Power of the scorecard's change tests: the smallest change each could detect, and survey sizes.

A scorecard change that is not significant means little on its own: with 40
rated tickets a month, the bad-rating share could double unnoticed. Beside
each measure's observed change, :func:`power_table` puts the **minimum
detectable change** (MDE): the smallest change, up or down, that the
scorecard's own test for that measure (:mod:`csanalysis.segments.scorecard`)
finds at the scorecard's ``alpha`` (two-sided, default 0.05) with the given
power (default 0.8), for the volumes of the two periods compared. A change
that is not significant is **within noise**. :func:`sample_size` turns it
round for a planned survey: the answers per period needed to detect a given
change.

One rule
--------
The scorecard flags a change ``significant`` when its test's two-sided
p-value is below ``alpha`` (not adjusted for multiplicity). The power table
copies ``significant`` from the scorecard and computes the MDE for the same
test at the same ``alpha``, so the two cannot disagree.

Tests and their power
---------------------
Shares (``kind="share"``; referral, promoter, repeat-purchase, reopen and
first-contact-resolution shares): the pooled two-proportion z-test
(:func:`csanalysis.stats.intervals.two_proportion_test`). With :math:`p_1`
the previous share, :math:`p_2 = p_1 + \delta`, :math:`\bar p` the pooled
share, :math:`\sigma_0^2 = \bar p(1-\bar p)(1/n_1 + 1/n_2)` and
:math:`\sigma_1^2 = p_1(1-p_1)/n_1 + p_2(1-p_2)/n_2`, its power is
:math:`\Phi((\delta - z\sigma_0)/\sigma_1) + \Phi((-\delta -
z\sigma_0)/\sigma_1)`, :math:`z = \Phi^{-1}(1-\alpha/2)` (Fleiss, Levin &
Paik 2003, ch. 4).

Rates (``kind="rate"``; complaints per 1,000 tickets, tickets per agent,
contacts per order): the exact conditional Poisson test. Given :math:`K`
events over exposures :math:`e_1, e_2`, :math:`k_2 \sim
\mathrm{Binomial}(K, \pi)`, :math:`\pi_0 = e_2/(e_1+e_2)` under equal
rates and :math:`\pi_1 = \lambda_2 e_2/(\lambda_1 e_1 + \lambda_2 e_2)`
otherwise. The power is the normal approximation of that binomial test at
the expected :math:`K = \lambda_1 e_1 + \lambda_2 e_2`, the same formula
as for a share with :math:`\sigma_0^2 = \pi_0(1-\pi_0)/K` and
:math:`\sigma_1^2 = \pi_1(1-\pi_1)/K`. Rates are per ``scale`` units of
exposure (1,000 for complaints per 1,000 tickets).

Means and medians (``kind="mean"``; CSAT, reply and resolution times): the
two-sided Mann-Whitney U test. Under a location shift :math:`\delta` of a
normal distribution with standard deviation :math:`\sigma`, the
probability that a new value beats an old one is :math:`\theta =
\Phi(\delta/(\sigma\sqrt 2))`, and Noether's (1987) power is
:math:`\Phi(c\,|\theta - 1/2| - z) + \Phi(-c\,|\theta - 1/2| - z)` with
:math:`c = \sqrt{12 n_1 n_2/(n_1 + n_2 + 1)}` (for normal data this is the
t-test's power at :math:`3/\pi` of the sample size). Skewed times (where the
U test is more powerful than for normal data) get an MDE on the large side.

The MDE solves power = target for :math:`|\delta|` (bisection, vectorised);
in ``direction="either"`` it is the larger of the upward and downward MDE,
so a change of that size either way is detected with at least the target
power. :func:`sample_size` finds the smallest whole ``n`` with power at
least the target. ``design_effect`` divides every ``n`` (customers with
several answers); the scorecard's own tests treat rows as independent, so
the power table uses 1.

What the power table assumes
----------------------------
The two periods compared are the latest complete period (or ``period=``)
and the one before it, with their own ``n``; without a previous period, one
of the same volume and value. The standard deviation behind a mean or a
median is read from the scorecard's interval for each period (the mean's
:math:`\sigma = \mathrm{se}\sqrt n`; the median's :math:`\sigma =
\mathrm{se}\sqrt{n}\sqrt{2/\pi}`, its normal equivalent, with
:math:`\mathrm{se}` the interval's width over :math:`2z`). Those intervals
carry the customer design effect, so :math:`\sigma` and the MDE err on the
large side when customers answer several times; pass ``sd=`` to use known
values. The channel spread's bootstrap test gets the normal approximation
:math:`(z + z_{\text{power}})\sqrt{\mathrm{se}_1^2 + \mathrm{se}_2^2}` with
the standard errors its intervals imply. A measure without a test (the
customers snapshot) gets none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from csanalysis.checks import check_alpha
from csanalysis.results import Result, frame_records, jsonable

__all__ = ["DEFAULT_POWER", "POWER_COLUMNS", "TESTS", "PowerResult", "detection_power", "minimum_detectable_change",
           "power_table", "sample_size"]

#: The default power of the minimum detectable change.
DEFAULT_POWER = 0.8
#: The contract columns of :attr:`PowerResult.table`, in this order and first.
POWER_COLUMNS: tuple[str, ...] = ("measure", "n", "mde", "observed_change", "significant", "within_noise")
#: kind -> the scorecard's test of a change for that kind (the names its ``test`` column uses).
TESTS: dict[str, str] = {
    "share": "two-proportion z-test (pooled)",
    "mean": "Mann-Whitney U test (two-sided)",
    "rate": "Poisson rate test (exact conditional binomial)",
}

Kind = Literal["share", "mean", "rate"]
Direction = Literal["either", "up", "down"]
_MAX_N = 10**12


# --------------------------------------------------------------------------- power of one change
def _norm_power(d: np.ndarray, s0: np.ndarray, s1: np.ndarray, z: float) -> np.ndarray:
    """Two-sided power of a z-test whose statistic has sd ``s0`` under H0 and mean ``d``, sd ``s1`` under H1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        up = special.ndtr((d - z * s0) / s1)
        down = special.ndtr((-d - z * s0) / s1)
        out = up + down
    # a statistic without spread under H1: rejected for sure when it lies beyond the critical value
    sure = np.where(np.abs(d) > z * s0, 1.0, 0.0)
    out = np.where(s1 > 0, out, sure)
    out = np.where(s0 > 0, out, np.where((s0 == 0) & (np.abs(d) > 0) & (s1 > 0), 1.0, 0.0))
    return np.where(np.isnan(d), np.nan, out)


def _share_power(p1: Any, p2: Any, n1: Any, n2: Any, z: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
        s0 = np.sqrt(pbar * (1.0 - pbar) * (1.0 / n1 + 1.0 / n2))
        s1 = np.sqrt(p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2)
    return _norm_power(p2 - p1, s0, s1, z)


def _rate_power(l1: Any, l2: Any, e1: Any, e2: Any, z: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        K = l1 * e1 + l2 * e2
        pi0 = e2 / (e1 + e2)
        pi1 = np.where(K > 0, l2 * e2 / K, pi0)
        s0 = np.sqrt(pi0 * (1.0 - pi0) / K)
        s1 = np.sqrt(pi1 * (1.0 - pi1) / K)
    return np.where(K > 0, _norm_power(pi1 - pi0, s0, s1, z), 0.0)


def _mwu_power(delta: Any, sd: Any, n1: Any, n2: Any, z: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = special.ndtr(delta / (sd * np.sqrt(2.0)))
        c = np.sqrt(12.0 * n1 * n2 / (n1 + n2 + 1.0))
        e = c * np.abs(theta - 0.5)
        return special.ndtr(e - z) + special.ndtr(-e - z)


def _check_kind(kind: str) -> None:
    if kind not in TESTS:
        raise ValueError(f"The value for `kind` must be one of {list(TESTS)}, but {kind!r} was passed.")


def _check_power(power: Any) -> float:
    try:
        p = float(power)
    except (TypeError, ValueError):
        p = np.nan
    if not 0.0 < p < 1.0:
        raise ValueError(f"`power` must be strictly between 0 and 1 (for example 0.8), but {power!r} was passed.")
    return p


def _inputs(kind: str, baseline: Any, sd: Any, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(baseline on the per-unit scale, sd) as arrays, checked for the kind."""
    _check_kind(kind)
    if kind == "mean":
        if sd is None:
            raise ValueError("kind='mean' needs `sd`, the standard deviation of one answer (e.g. 1.1 for CSAT 1-5)")
        s = np.asarray(sd, dtype=float)
        if np.any(~(s > 0)):
            raise ValueError(f"`sd` must be positive, but {sd!r} was passed.")
        return np.zeros_like(s), s
    if baseline is None:
        raise ValueError(f"kind={kind!r} needs `baseline`, the previous period's value (e.g. 0.12 for a 12% share)")
    b = np.asarray(baseline, dtype=float)
    if kind == "share" and np.any(~((b >= 0) & (b <= 1))):
        raise ValueError(f"a share `baseline` must lie between 0 and 1, but {baseline!r} was passed.")
    if kind == "rate":
        if not scale > 0:
            raise ValueError(f"`scale` must be positive, but {scale!r} was passed.")
        if np.any(~(b >= 0)):
            raise ValueError(f"a rate `baseline` must be 0 or more, but {baseline!r} was passed.")
        b = b / scale
    return b, np.ones_like(b)


def _power_fn(kind: str, base: np.ndarray, sd: np.ndarray, n1: Any, n2: Any,
              z: float) -> Callable[[np.ndarray], np.ndarray]:
    """Power as a function of the signed change on the per-unit scale."""
    if kind == "share":
        return lambda d: _share_power(base, base + d, n1, n2, z)
    if kind == "rate":
        return lambda d: _rate_power(base, base + d, n1, n2, z)
    return lambda d: _mwu_power(d, sd, n1, n2, z)


def _sizes(n: Any, n_previous: Any, design_effect: float) -> tuple[np.ndarray, np.ndarray]:
    if not design_effect >= 1.0:
        raise ValueError(f"`design_effect` must be 1 or more, but {design_effect!r} was passed.")
    n2 = np.asarray(n, dtype=float)
    n1 = n2 if n_previous is None else np.asarray(n_previous, dtype=float)
    if np.any(~(n2 > 0)) or np.any(~(n1 > 0)):
        raise ValueError("`n` and `n_previous` must be positive")
    return n1 / design_effect, n2 / design_effect


def _out(x: np.ndarray, scalar: bool) -> Any:
    return float(x) if scalar else x


def detection_power(change: Any, n: Any, *, kind: Kind = "share", baseline: Any = None, sd: Any = None,
                    n_previous: Any = None, scale: float = 1.0, alpha: float = 0.05,
                    design_effect: float = 1.0) -> Any:
    """Power of the scorecard's test to detect ``change`` between two periods.

    Parameters
    ----------
    change : float or array
        The true change, current minus previous, in the measure's units
        (share points as a fraction, rate per ``scale``, CSAT points).
    n : float or array
        The current period's rows (rated tickets, answers) or, for rates,
        exposure (tickets, agents, orders).
    kind : {"share", "mean", "rate"}, default "share"
        Which test (see the module notes): pooled z-test, Mann-Whitney U
        (normal location shift), exact conditional Poisson test.
    baseline : float or array
        The previous period's value (shares and rates).
    sd : float or array
        Standard deviation of one answer (means).
    n_previous : float or array, optional
        The previous period's rows or exposure; default ``n``.
    scale : float, default 1.0
        Exposure units a rate is expressed per (1000 for complaints per
        1,000 tickets).
    alpha : float, default 0.05
        Two-sided significance level.
    design_effect : float, default 1.0
        Divides both periods' ``n``.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> round(detection_power(0.05, 400, baseline=0.10), 3)              # 10% -> 15% with 400 a period
    0.571
    >>> round(detection_power(0.3, 200, kind="mean", sd=1.1), 3)         # CSAT up 0.3
    0.753
    """
    scalar = all(np.ndim(v) == 0 for v in (change, n, baseline, sd, n_previous))
    a = check_alpha(alpha)
    base, s = _inputs(kind, baseline, sd, scale)
    n1, n2 = _sizes(n, n_previous, design_effect)
    d = np.asarray(change, dtype=float) / (scale if kind == "rate" else 1.0)
    z = float(stats.norm.ppf(1.0 - a / 2.0))
    if kind == "share":
        d = np.where((base + d >= 0) & (base + d <= 1), d, np.nan)
    elif kind == "rate":
        d = np.where(base + d >= 0, d, np.nan)
    return _out(_power_fn(kind, base, s, n1, n2, z)(d), scalar)


# --------------------------------------------------------------------------- minimum detectable change
def _bisect_change(f: Callable[[np.ndarray], np.ndarray], hi: np.ndarray, target: float, sign: float,
                   bounded: bool) -> np.ndarray:
    """Smallest magnitude m in (0, hi] with f(sign * m) >= target (NaN when none), vectorised."""
    hi = np.asarray(hi, dtype=float).copy()
    if not bounded:  # grow the bracket until the power is reached (or give up)
        for _ in range(80):
            short = f(sign * hi) < target
            if not short.any():
                break
            hi = np.where(short, hi * 2.0, hi)
    ok = f(sign * hi) >= target
    lo = np.zeros_like(hi)
    for _ in range(64):
        mid = (lo + hi) / 2.0
        above = f(sign * mid) >= target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return np.where(ok & np.isfinite(hi), hi, np.nan)


def minimum_detectable_change(n: Any, *, kind: Kind = "share", baseline: Any = None, sd: Any = None,
                              n_previous: Any = None, scale: float = 1.0, alpha: float = 0.05,
                              power: float = DEFAULT_POWER, design_effect: float = 1.0,
                              direction: Direction = "either") -> Any:
    """The smallest change the scorecard's test detects with the given power.

    Parameters
    ----------
    n : float or array
        The current period's rows (or exposure, for rates).
    kind : {"share", "mean", "rate"}, default "share"
        The test (see the module notes).
    baseline : float or array
        The previous period's value (shares: a fraction; rates: per
        ``scale``). Not used for means.
    sd : float or array
        Standard deviation of one answer (means only).
    n_previous : float or array, optional
        The previous period's rows or exposure; default ``n``.
    scale : float, default 1.0
        Exposure units a rate is per (1000 for complaints per 1,000 tickets).
    alpha : float, default 0.05
        Two-sided significance level of the test.
    power : float, default 0.8
    design_effect : float, default 1.0
        Divides both ``n`` (customers answering several times).
    direction : {"either", "up", "down"}, default "either"
        MDE of a rise, of a fall, or the larger of the two (a direction
        without room, such as a fall from 0, is left aside).

    Returns
    -------
    float or ndarray
        The MDE as a positive magnitude in the measure's units; NaN when no
        change of that direction reaches the power (e.g. a share cannot
        fall below 0).

    Examples
    --------
    >>> round(minimum_detectable_change(400, baseline=0.10), 4)           # bad share 10%, 400 rated a period
    0.0673
    >>> round(minimum_detectable_change(400, baseline=0.10, direction="down"), 4)
    0.0518
    >>> round(minimum_detectable_change(250, kind="mean", sd=1.1), 3)     # CSAT points
    0.284
    >>> round(minimum_detectable_change(2000, kind="rate", baseline=120, scale=1000), 1)   # per 1,000 tickets
    32.6
    """
    scalar = all(np.ndim(v) == 0 for v in (n, baseline, sd, n_previous))
    a = check_alpha(alpha)
    target = _check_power(power)
    if direction not in ("either", "up", "down"):
        raise ValueError(f"The value for `direction` must be 'either', 'up' or 'down', but {direction!r} was passed.")
    base, s = _inputs(kind, baseline, sd, scale)
    n1, n2 = _sizes(n, n_previous, design_effect)
    base, s, n1, n2 = np.broadcast_arrays(base, s, n1, n2)
    z = float(stats.norm.ppf(1.0 - a / 2.0))
    f = _power_fn(kind, base, s, n1, n2, z)
    res = []
    for sign in ((1.0, -1.0) if direction == "either" else (1.0,) if direction == "up" else (-1.0,)):
        if kind == "share":
            m = _bisect_change(f, np.where(sign > 0, 1.0 - base, base), target, sign, bounded=True)
        elif kind == "rate":
            if sign > 0:
                start = np.fmax(base, 1.0 / np.fmin(n1, n2))
                m = _bisect_change(f, start, target, sign, bounded=False)
            else:
                m = _bisect_change(f, base, target, sign, bounded=True)
        else:
            m = _bisect_change(f, s, target, sign, bounded=False)
        res.append(m)
    mde = res[0]
    if len(res) == 2:
        # the larger of the two; a direction without room (a share or rate at 0 cannot fall) is left aside,
        # a direction with room that never reaches the power makes the MDE missing
        room_up = np.ones(base.shape, dtype=bool) if kind != "share" else base < 1
        room_down = base > 0 if kind != "mean" else np.ones(base.shape, dtype=bool)
        up = np.where(room_up, res[0], -np.inf)
        down = np.where(room_down, res[1], -np.inf)
        mde = np.fmax(up, down)
        mde = np.where((room_up & np.isnan(res[0])) | (room_down & np.isnan(res[1])) | ~np.isfinite(mde), np.nan,
                       mde)
    mde = mde * (scale if kind == "rate" else 1.0)
    return _out(mde, scalar)


def sample_size(change: Any, *, kind: Kind = "share", baseline: Any = None, sd: Any = None, n_previous: Any = None,
                scale: float = 1.0, alpha: float = 0.05, power: float = DEFAULT_POWER,
                design_effect: float = 1.0) -> Any:
    """Rows (answers, rated tickets) per period a planned survey needs to detect ``change``.

    The inverse of :func:`minimum_detectable_change`: the smallest whole
    ``n`` at which the scorecard's test detects ``change`` with the given
    power, so that ``minimum_detectable_change(sample_size(d), ...) <= d``.

    Parameters
    ----------
    change : float or array
        The change to detect, signed (current minus previous), in the
        measure's units.
    kind, baseline, sd, scale, alpha, power, design_effect
        As for :func:`minimum_detectable_change`; with ``design_effect`` the
        answer counts every row, the effective size being ``n /
        design_effect``.
    n_previous : float or array, optional
        Rows of a previous period already collected; default: the two
        periods get ``n`` each.

    Returns
    -------
    int or ndarray
        Rows (or exposure, for rates) for the current period; NaN when no
        size suffices (``n_previous`` too small, or a change outside the
        scale).

    Examples
    --------
    >>> sample_size(0.05, baseline=0.10)                    # detect 10% -> 15%
    686
    >>> sample_size(-0.2, kind="mean", sd=1.1)              # CSAT down 0.2 points
    501
    >>> sample_size(-0.2, kind="mean", sd=1.1, design_effect=1.3)
    651
    >>> bool(minimum_detectable_change(686, baseline=0.10) <= 0.05 < minimum_detectable_change(685, baseline=0.10))
    True
    """
    scalar = all(np.ndim(v) == 0 for v in (change, baseline, sd, n_previous))
    a = check_alpha(alpha)
    target = _check_power(power)
    base, s = _inputs(kind, baseline, sd, scale)
    if not design_effect >= 1.0:
        raise ValueError(f"`design_effect` must be 1 or more, but {design_effect!r} was passed.")
    d = np.asarray(change, dtype=float) / (scale if kind == "rate" else 1.0)
    prev = None if n_previous is None else np.asarray(n_previous, dtype=float)
    d, base, s = np.broadcast_arrays(d, base, s)
    if prev is not None:
        d, base, s, prev = np.broadcast_arrays(d, base, s, prev)
    z = float(stats.norm.ppf(1.0 - a / 2.0))
    if kind == "share":
        d = np.where((base + d >= 0) & (base + d <= 1), d, np.nan)
    elif kind == "rate":
        d = np.where(base + d >= 0, d, np.nan)

    def pw(n: np.ndarray) -> np.ndarray:
        n2 = n / design_effect
        n1 = n2 if prev is None else prev / design_effect
        return _power_fn(kind, base, s, n1, n2, z)(d)

    hi = np.full(d.shape, 2.0)
    for _ in range(45):  # double up to ~10^13
        short = (pw(hi) < target) & (hi < _MAX_N)
        if not short.any():
            break
        hi = np.where(short, hi * 2.0, hi)
    ok = pw(hi) >= target
    lo = np.zeros(d.shape)
    for _ in range(60):
        if not np.any(hi - lo > 1):
            break
        mid = np.floor((lo + hi) / 2.0)
        above = pw(np.fmax(mid, 1.0)) >= target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    out = np.where(ok & (d != 0), np.fmax(hi, 1.0), np.nan)
    if scalar:
        v = float(out)
        return int(v) if np.isfinite(v) else np.nan
    return out


# --------------------------------------------------------------------------- the scorecard's power table
@dataclass(repr=False)
class PowerResult(Result):
    """The minimum detectable change of each scorecard measure (see :func:`power_table`).

    Attributes
    ----------
    table : DataFrame
        One row per measure: ``measure, n, mde, observed_change, significant,
        within_noise`` first, then ``test``, ``period``,
        ``previous_period``, ``value``, ``baseline`` (the previous value),
        ``n_previous``, ``p_value``, ``mde_basis`` (how the MDE was
        computed) and ``note``.
    period, previous_period : str
        The periods compared (``previous_period`` empty when there is none).
    alpha : float
        The scorecard's significance level.
    power : float
        Power of the MDE.
    rule : str
        The significance rule in words.
    """

    table: pd.DataFrame
    period: str
    previous_period: str
    alpha: float
    power: float
    rule: str
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:  # type: ignore[override]
        prev = f" against {self.previous_period}" if self.previous_period else ""
        return f"Minimum detectable change, {self.period}{prev} (power {self.power:.0%}, alpha {self.alpha:g})"

    def __repr__(self) -> str:
        noise = int(self.table["within_noise"].fillna(False).sum())
        return (f"<PowerResult {self.period} vs {self.previous_period or '-'}: {len(self.table)} measures, "
                f"{int(self.table['significant'].sum())} significant, {noise} within noise>")

    def summary(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"power": [records], "period", "previous_period", "alpha", "power_target", "rule"}``."""
        tab = self.table.assign(within_noise=self.table["within_noise"].astype("object"))
        return jsonable({"power": frame_records(tab), "period": self.period, "previous_period": self.previous_period,
                         "alpha": self.alpha, "power_target": self.power, "rule": self.rule,
                         "notes": list(self.notes)})

    def footnote(self) -> str:
        """The significance rule."""
        return self.rule


def _period_pair(tab: pd.DataFrame, period: Any) -> tuple[Any, Any]:
    per = pd.Index(tab["period"].drop_duplicates()).sort_values()
    if period is None:
        complete = tab.groupby("period", sort=True)["complete"].all().reindex(per).to_numpy(dtype=bool)
        cands = np.flatnonzero(complete & (np.arange(len(per)) >= 1))
        i = int(cands[-1]) if len(cands) else len(per) - 1
    else:
        hit = np.flatnonzero(per.astype("str") == str(period))
        if not len(hit):
            raise ValueError(f"period {period!r} is not in the scorecard; it has {list(per.astype('str'))}")
        i = int(hit[0])
    return per[i], (per[i - 1] if i >= 1 else None)


def power_table(scorecard: Any, *, period: Any = None, power: float = DEFAULT_POWER,
                sd: Mapping[str, float] | None = None) -> PowerResult:
    """Minimum detectable change beside each scorecard measure's observed change.

    Parameters
    ----------
    scorecard : Scorecard
        A :func:`csanalysis.segments.scorecard` result.
    period : str or Period, optional
        The current period (e.g. ``"2024Q2"``); default the latest complete
        period that has a previous one (else the latest).
    power : float, default 0.8
        Power of the minimum detectable change.
    sd : mapping, optional
        Measure -> standard deviation of one row in the measure's units
        (e.g. ``{"csat_mean": 1.1}``), instead of the one read from the
        scorecard's intervals (means and medians).

    Returns
    -------
    PowerResult
        ``.table``: ``measure, n, mde, observed_change, significant,
        within_noise`` (the contract), then ``test``, ``period``,
        ``previous_period``, ``value``, ``baseline``, ``n_previous``,
        ``p_value``, ``mde_basis``, ``note``. ``significant`` is the
        scorecard's; ``within_noise`` is its negation where the change was
        tested (missing where there is no test or no change).

    Examples
    --------
    >>> from csanalysis.schema import conform
    >>> from csanalysis.segments.scorecard import scorecard
    >>> rng = np.random.default_rng(0)
    >>> t = conform(pd.DataFrame({"ticket_id": [str(i) for i in range(800)],
    ...     "created_at": np.repeat(["2024-01-15", "2024-02-15"], 400),
    ...     "rating": np.where(rng.random(800) < np.repeat([0.10, 0.17], 400), "bad", "good"),
    ...     "first_reply_minutes": rng.exponential(60, 800)}), "tickets")
    >>> pt = power_table(scorecard(t))
    >>> pt.table[["measure", "n", "mde", "observed_change", "significant", "within_noise"]].round(1)
                   measure    n   mde  observed_change  significant  within_noise
    0  complaints_per_1000  400  73.9             37.5        False          True
    1      first_reply_p50  400  10.3             -4.6        False          True
    >>> pt.period, pt.previous_period, pt.table["test"].iloc[0]
    ('2024-02', '2024-01', 'Poisson rate test (exact conditional binomial)')
    """
    from csanalysis.segments.scorecard import T_BOOT, T_MWU, T_RATE, T_SHARE  # the scorecard's own test names

    target = _check_power(power)
    tab = scorecard.summary() if hasattr(scorecard, "summary") else pd.DataFrame(scorecard)
    a = float(scorecard.alpha)
    conf = float(getattr(scorecard, "confidence", 0.95))
    cur, prev = _period_pair(tab, period)
    c = tab[tab["period"] == cur].drop_duplicates("measure").set_index("measure")
    if prev is not None:
        p = tab[tab["period"] == prev].drop_duplicates("measure").set_index("measure").reindex(c.index)
    else:
        p = c.iloc[0:0].reindex(c.index)
    notes: list[str] = []
    n2 = c["n"].to_numpy(dtype=float)
    val = c["value"].to_numpy(dtype=float)
    n1_raw = p["n"].to_numpy(dtype=float)
    base_raw = p["value"].to_numpy(dtype=float)
    no_prev = ~(np.isfinite(n1_raw) & (n1_raw > 0) & np.isfinite(base_raw))
    n1 = np.where(no_prev, n2, n1_raw)
    base = np.where(no_prev, val, base_raw)
    test = c["test"].astype("str").to_numpy(dtype=object)
    measure = c.index.astype("str").to_numpy(dtype=object)
    z = float(stats.norm.ppf(1.0 - a / 2.0))
    zc = float(stats.norm.ppf(0.5 + conf / 2.0))
    usable = (n2 > 0) & (n1 > 0) & np.isfinite(base)
    mde = np.full(len(c), np.nan)
    basis = np.full(len(c), "no test of the change, so no MDE", dtype=object)

    share = (test == T_SHARE) & usable
    if share.any():
        mde[share] = minimum_detectable_change(n2[share], kind="share", baseline=np.clip(base[share], 0, 1),
                                               n_previous=n1[share], alpha=a, power=target)
        basis[test == T_SHARE] = "pooled two-proportion z-test, normal-approximation power"
    rate = (test == T_RATE) & usable
    if rate.any():
        scale = np.where(pd.Series(measure[rate]).str.endswith("_per_1000").to_numpy(), 1000.0, 1.0)
        mde[rate] = minimum_detectable_change(n2[rate], kind="rate", baseline=base[rate] / scale,
                                              n_previous=n1[rate], alpha=a, power=target) * scale
        basis[test == T_RATE] = "exact conditional Poisson test, normal approximation of its power"
    se_c = (c["ci_high"].to_numpy(dtype=float) - c["ci_low"].to_numpy(dtype=float)) / (2.0 * zc)
    se_p = (p["ci_high"].to_numpy(dtype=float) - p["ci_low"].to_numpy(dtype=float)) / (2.0 * zc)
    se_p = np.where(no_prev, se_c, se_p)
    mwu = (test == T_MWU) & usable
    if mwu.any():
        median = pd.Series(measure).str.endswith(("_p50", "_median")).to_numpy()
        k = np.where(median, np.sqrt(2.0 / np.pi), 1.0)  # a median's se -> sd of the normal equivalent
        sd2, sd1 = se_c * np.sqrt(n2) * k, se_p * np.sqrt(n1) * k
        with np.errstate(invalid="ignore", divide="ignore"):
            pooled = np.sqrt((n1 * sd1 ** 2 + n2 * sd2 ** 2) / (n1 + n2))
        given = pd.Series(measure).map(dict(sd or {})).to_numpy(dtype=float, na_value=np.nan)
        s = np.where(np.isfinite(given), given, pooled)
        ok = mwu & np.isfinite(s) & (s > 0)
        if ok.any():
            mde[ok] = minimum_detectable_change(n2[ok], kind="mean", sd=s[ok], n_previous=n1[ok], alpha=a,
                                                power=target)
        basis[test == T_MWU] = np.where(np.isfinite(given[test == T_MWU]),
                                        "Mann-Whitney U, Noether's power under a normal shift; sd given",
                                        "Mann-Whitney U, Noether's power under a normal shift; sd from the "
                                        "intervals (customer design effect included: on the large side)")
    boot = (test == T_BOOT) & usable
    if boot.any():
        zb = float(stats.norm.ppf(target))
        mde[boot] = (z + zb) * np.sqrt(se_c[boot] ** 2 + se_p[boot] ** 2)
        basis[test == T_BOOT] = "normal approximation with the standard errors of the bootstrap intervals"
    note = np.where(no_prev & (basis != "no test of the change, so no MDE"),
                    "no previous period: MDE against a previous period of the same volume and value", "")
    if no_prev.all():
        notes.append(f"{cur} has no previous period in the scorecard: the MDE is against a period of the same "
                     "volume and value")
    change = c["change"].to_numpy(dtype=float)
    pv = c["p_value"].to_numpy(dtype=float)
    sig = c["significant"].to_numpy(dtype=bool)
    tested = np.isfinite(pv) & np.isfinite(change)
    within = pd.array(~sig, dtype="boolean")
    within[~tested] = pd.NA
    table = pd.DataFrame({
        "measure": measure, "n": c["n"].to_numpy(dtype=np.int64), "mde": mde, "observed_change": change,
        "significant": sig, "within_noise": within, "test": test, "period": str(cur),
        "previous_period": "" if prev is None else str(prev), "value": val,
        "baseline": np.where(no_prev, np.nan, base_raw), "n_previous": np.where(no_prev, np.nan, n1_raw),
        "p_value": pv, "mde_basis": basis.astype(str), "note": note.astype(str),
    })
    for col in ("measure", "test", "period", "previous_period", "mde_basis", "note"):
        table[col] = table[col].astype("str")
    rule = (f"A change is significant when the two-sided p-value of the scorecard's test for that measure is below "
            f"{a:g} (each measure on its own, not adjusted for multiplicity); otherwise it is within noise. The "
            f"MDE is the smallest change, up or down, that test detects with {target:.0%} power at these volumes.")
    return PowerResult(table=table, period=str(cur), previous_period="" if prev is None else str(prev), alpha=a,
                       power=target, rule=rule, notes=notes)
