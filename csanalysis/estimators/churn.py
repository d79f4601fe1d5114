"""Service-attributable churn: the honest analogue of "47% switched because of poor service".

Two views:

* :func:`attributable_churn` works from behaviour (experiences and purchases
  over time): among customers who lapsed, how many had a bad experience near
  the lapse, compared with customers who stayed; and the risk of lapsing
  within 12 months after a bad versus a good experience, censoring-aware.
* :func:`snapshot_churn` works from a customer snapshot with a churn flag,
  satisfaction, a complaint flag and stated churn reasons (telco-style
  tables): churn rate by satisfaction band and by complaint, and the share of
  churners whose stated reason is about service.

Neither produces "the share of customers who left *because of* poor service";
a cause needs an experiment or a stated reason. The figures here are
associations, with the comparison group that makes them readable.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from csanalysis.checks import check_frame
from csanalysis.display import show
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.stats.arrays import distinct, factorize, n_distinct
from csanalysis.stats.bootstrap import DEFAULT_RESAMPLES, PERCENTILE_METHOD, poisson_weights_from_hash, unit_hash
from csanalysis.stats.intervals import two_proportion_test, wilson_ci
from csanalysis.stats.survival import kaplan_meier

__all__ = [
    "SNAPSHOT_COLUMNS",
    "snapshot_churn_combine",
    "snapshot_churn_part",
    "attributable_churn_combine",
    "attributable_churn_part",
    "experience_span",
    "attributable_churn",
    "AttributableChurnResult",
    "snapshot_churn",
    "SnapshotChurnResult",
    "classify_churn_reason",
    "REASON_CLASSES",
    "REASON_RULES",
    "VOCABULARY_CLASSES",
    "TENURE_BANDS",
    "FREQUENCY_BANDS",
]

SUMMARY_COLUMNS = ["id", "group", "estimate", "ci_low", "ci_high", "n", "p_value", "method"]
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


# =========================================================================== helpers
def _need(df: Any, name: str, cols: list[str], hint: str) -> None:
    check_frame(df, name)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {missing}; expected {cols}. {hint}")


def _days(s: pd.Series, name: str) -> np.ndarray:
    """Timestamps as float days since 1970-01-01 UTC (naive times are taken as UTC)."""
    try:
        t = pd.to_datetime(s, utc=True)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold timestamps; some values could not be read as dates") from None
    return ((t - _EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype="float64", na_value=np.nan)


def _flag(s: pd.Series, name: str) -> np.ndarray:
    """Boolean column as float 1/0/NaN."""
    if pd.api.types.is_bool_dtype(s.dtype) or s.dtype == object:
        try:
            return s.astype("boolean").astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        except (TypeError, ValueError):
            pass
    elif pd.api.types.is_numeric_dtype(s.dtype):
        x = s.to_numpy(dtype="float64", na_value=np.nan)
        if np.all(np.isnan(x) | (x == 0) | (x == 1)):
            return x
    raise ValueError(f"{name} must be boolean (True/False or 1/0); found other values")


def _wilson(k: float, n: float, confidence: float) -> tuple[float, float, float]:
    if n <= 0:
        return math.nan, math.nan, math.nan
    lo, hi = wilson_ci(k, n, confidence)
    return k / n, float(lo), float(hi)


def _row(id_: str, group: str, est: float, lo: float, hi: float, n: float, p: float, method: str) -> dict:
    return {"id": id_, "group": group, "estimate": est, "ci_low": lo, "ci_high": hi, "n": int(n),
            "p_value": p, "method": method}


# =========================================================================== lapse risk, stratified
#: Bound on the (resamples x customers) bootstrap weights held at once.
_BOOT_CELLS = 4_000_000
#: Tenure bands at the index (days since the first purchase), for the lapse-risk strata.
TENURE_BANDS: tuple[float, ...] = (180.0, 730.0)
#: Purchase-count bands in the lapse window before the index (1; 2-3; 4 or more), for the lapse-risk strata.
FREQUENCY_BANDS: tuple[float, ...] = (2.0, 4.0)


def _reaches(d: np.ndarray, ev: np.ndarray, h: float) -> bool:
    """Whether a Kaplan-Meier curve of (d, ev) is defined at ``h``: someone at risk there, or S already 0."""
    if d.size == 0:
        return False
    if (d >= h).any():
        return True
    return bool(ev[d == d.max()].all())


def _lapse_strata(first: pd.DataFrame, h: float, *, stratify: bool, min_n: int) -> np.ndarray:
    """Stratum code of each index customer (-1: left out), from information at or before the index.

    Cells are tenure band x purchase-count band (:data:`TENURE_BANDS`,
    :data:`FREQUENCY_BANDS`), split by entry cohort (first purchase before /
    after the median) when both halves are usable. A cell is usable when each
    group has at least ``min_n`` customers and a Kaplan-Meier curve defined
    at ``h``. Unusable cells of one tenure band are pooled; a pool still
    unusable is left out. Without ``stratify`` every customer is in stratum 0.
    """
    n = len(first)
    if not stratify:
        return np.zeros(n, dtype=np.int64)
    tenure = np.searchsorted(np.asarray(TENURE_BANDS), (first["e"] - first["joined"]).to_numpy(), side="right")
    freq = np.searchsorted(np.asarray(FREQUENCY_BANDS), first["bought"].to_numpy(), side="right")
    joined = first["joined"].to_numpy()
    cohort = (joined > np.median(joined)).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    cell = tenure * (len(FREQUENCY_BANDS) + 1) + freq
    bad = (first["group"] == "bad").to_numpy()
    d, ev = first["duration"].to_numpy(dtype=float), first["event"].to_numpy(dtype=bool)

    def usable(m: np.ndarray) -> bool:
        return all(int((m & g).sum()) >= min_n and _reaches(d[m & g], ev[m & g], h) for g in (bad, ~bad))

    out = np.full(n, -1, dtype=np.int64)
    for c in distinct(cell):  # a handful of cells
        m = cell == c
        halves = [m & (cohort == k) for k in (0, 1)]
        if all(usable(x) for x in halves):
            out[halves[0]], out[halves[1]] = 2 * c, 2 * c + 1
        elif usable(m):
            out[m] = 2 * c
    for t in distinct(tenure):  # pool what is left of a tenure band
        m = (tenure == t) & (out < 0)
        if m.any() and usable(m):
            out[m] = 10_000 + t
    return out


@dataclass(frozen=True)
class _KMOrder:
    """What :func:`_km_grid` needs of a group's durations, whatever its weights: computed once per group."""

    rows: np.ndarray  # the group's rows, ordered by duration (stable)
    ev: np.ndarray  # their events, in that order
    times: np.ndarray  # distinct durations
    start: np.ndarray  # where each distinct duration starts in that order
    at_grid: np.ndarray  # per grid time, the last distinct duration at or before it (-1: none)

    @classmethod
    def of(cls, rows: np.ndarray, d: np.ndarray, ev: np.ndarray, grid: np.ndarray) -> _KMOrder:
        o = np.argsort(d[rows], kind="stable")
        rows = rows[o]
        u, start = np.unique(d[rows], return_index=True)
        return cls(rows=rows, ev=ev[rows], times=u, start=start, at_grid=np.searchsorted(u, grid, side="right") - 1)


def _km_grid(order: _KMOrder, W: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Weighted Kaplan-Meier S(t) at the ``grid`` times, one row per row of weights ``W`` (resamples x the
    subjects ``order.rows``, in that order)."""
    if order.rows.size == 0:
        return np.ones((W.shape[0], grid.size))
    ev, start, idx = order.ev, order.start, order.at_grid
    # at risk at each distinct duration: the weights from its first subject on, summed per duration and then
    # from the last duration back (whole-number weights: the same sums in any order)
    at_risk = np.cumsum(np.add.reduceat(W, start, axis=1)[:, ::-1], axis=1)[:, ::-1]
    events = np.add.reduceat(W * ev, start, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(at_risk > 0, 1.0 - events / at_risk, 1.0)
    S = np.cumprod(q, axis=1)
    return np.where(idx >= 0, S[:, np.maximum(idx, 0)], 1.0)


def _logrank_parts(d: np.ndarray, ev: np.ndarray, a: np.ndarray) -> tuple[float, float]:
    """Observed minus expected events of group ``a`` and the hypergeometric variance (log-rank)."""
    times, inv = np.unique(d, return_inverse=True)
    m = times.size
    dA = np.bincount(inv, weights=ev * a, minlength=m)
    dd = np.bincount(inv, weights=ev.astype(float), minlength=m)
    rA = np.bincount(inv, weights=a.astype(float), minlength=m)
    r = np.bincount(inv, minlength=m).astype(float)
    nA = a.sum() - np.concatenate(([0.0], np.cumsum(rA)[:-1]))
    n = d.size - np.concatenate(([0.0], np.cumsum(r)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        expA = np.where(n > 0, dd * nA / n, 0.0)
        ratio = np.where(n > 1, (n - dd) / (n - 1), 1.0)
        var = np.where(n > 0, nA * (n - nA) * dd * ratio / n**2, 0.0)
    return float(dA.sum() - expA.sum()), float(var.sum())


def _standardised_risk(first: pd.DataFrame, h: float, *, n_resamples: int, seed: Any, ids: Any,
                       confidence: float) -> dict[str, Any]:
    """Lapse risks at ``h`` after bad / good, stratified Kaplan-Meier standardised to the bad group's strata mix.

    Row 0 of the weights is the data itself; rows 1.. are customer-level
    Poisson(1) bootstrap weights (:func:`csanalysis.stats.poisson_weights`,
    from the customer identifiers, so the interval does not depend on the
    order of the customers).
    """
    use = first[first["stratum"] >= 0]
    bad = (use["group"] == "bad").to_numpy()
    strata = use["stratum"].to_numpy()
    d, ev = use["duration"].to_numpy(dtype=float), use["event"].to_numpy(dtype=bool)
    n_dropped = {g: int(((first["stratum"] < 0) & (first["group"] == g)).sum()) for g in ("bad", "good")}
    diag = {"strata_used": n_distinct(strata), "bad_left_out_by_strata": n_dropped["bad"],
            "good_left_out_by_strata": n_dropped["good"]}
    grid = np.linspace(0.0, h, 41)
    out: dict[str, Any] = {"diagnostics": diag, "n": {"bad": int(bad.sum()), "good": int((~bad).sum())},
                           "reason": None, "curves": pd.DataFrame()}
    nan3 = (math.nan, math.nan, math.nan)
    if not (bad.any() and (~bad).any()):
        out.update({"bad": nan3, "good": nan3, "difference": (math.nan,) * 5, "logrank": (math.nan, math.nan),
                    "reason": "no stratum holds enough bad and good customers followed to the horizon"})
        return out
    seed_int = int(seed) if isinstance(seed, (int, np.integer)) else int(np.random.default_rng(seed).integers(2**31))
    cust = np.asarray(ids, dtype=object)[use["customer"].to_numpy()]
    levels = distinct(strata)
    # each stratum's groups ordered by duration once, not once per chunk of resamples
    orders = [{g: _KMOrder.of(np.flatnonzero((strata == k) & sel), d, ev, grid) for g, sel in (("bad", bad),
                                                                                                ("good", ~bad))}
              for k in levels]

    # every curve's subjects next to each other, in its order: the resamples' weights are drawn in that order and
    # each curve takes a slice of them (gathering every resample's weights per curve was a quarter of the time)
    curves = [o[g] for o in orders for g in ("bad", "good")]
    perm = np.concatenate([c.rows for c in curves])
    cut = np.cumsum([0] + [c.rows.size for c in curves])

    def risks(W: np.ndarray) -> dict[str, np.ndarray]:
        """Standardised risk curves (rows of W x grid); NaN rows where a used stratum lost a whole group.

        ``W``: weights (resamples x subjects, in the order of ``perm``), as whole numbers of any dtype.
        """
        S = {g: np.zeros((W.shape[0], grid.size)) for g in ("bad", "good")}
        tot = np.zeros(W.shape[0])
        ok = np.ones(W.shape[0], dtype=bool)
        for i, o in enumerate(orders):  # a handful of strata
            Wb = W[:, cut[2 * i]:cut[2 * i + 1]].astype(float)
            Wg = W[:, cut[2 * i + 1]:cut[2 * i + 2]].astype(float)
            wb, wg = Wb.sum(axis=1), Wg.sum(axis=1)  # (whole-number weights: exact in any order)
            ok &= ~((wb > 0) & (wg == 0))
            tot += wb
            S["bad"] += wb[:, None] * _km_grid(o["bad"], Wb, grid)
            S["good"] += wb[:, None] * _km_grid(o["good"], Wg, grid)
        ok &= tot > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            out_ = {g: 1.0 - S[g] / tot[:, None] for g in S}
        for g in out_:
            out_[g][~ok] = np.nan
        return out_

    # resamples in chunks of at most _BOOT_CELLS weights
    chunk = max(1, _BOOT_CELLS // max(len(use), 1))
    parts = [risks(np.ones((1, perm.size)))]
    hashes = unit_hash(cust, seed_int)[perm]  # once, not per chunk of resamples
    parts += [risks(poisson_weights_from_hash(hashes, np.arange(r0, min(r0 + chunk, n_resamples))))
              for r0 in range(0, n_resamples, chunk)]
    risk = {g: np.vstack([p[g] for p in parts]) for g in ("bad", "good")}
    ok = np.isfinite(risk["bad"][:, -1]) & np.isfinite(risk["good"][:, -1])
    o_all = v_all = 0.0
    for k in levels:  # the stratified log-rank test
        m = strata == k
        oe, v = _logrank_parts(d[m], ev[m], bad[m])
        o_all, v_all = o_all + oe, v_all + v
    a = (1.0 - confidence) / 2.0
    ok = ok[1:]

    def ci(x: np.ndarray) -> np.ndarray:
        """Percentile interval of each column of the resamples (rows 1..)."""
        if not ok.any():
            return np.full((2,) + x.shape[1:], np.nan)
        return np.quantile(x[1:][ok], [a, 1 - a], axis=0, method=PERCENTILE_METHOD)

    bands = {g: ci(risk[g]) for g in risk}
    for g in ("bad", "good"):
        out[g] = (float(risk[g][0, -1]), float(bands[g][0, -1]), float(bands[g][1, -1]))
    diff = risk["bad"][:, -1] - risk["good"][:, -1]
    sd = float(np.nanstd(diff[1:], ddof=1)) if np.isfinite(diff[1:]).sum() > 1 else math.nan
    z = float(diff[0] / sd) if sd > 0 else math.nan
    p = float(2 * stats.norm.sf(abs(z))) if sd > 0 else math.nan
    out["difference"] = (float(diff[0]), *map(float, ci(diff)), p, z)
    stat = o_all**2 / v_all if v_all > 0 else math.nan
    out["logrank"] = (stat, float(stats.chi2.sf(stat, 1)) if v_all > 0 else math.nan)
    out["curves"] = pd.concat([pd.DataFrame({"group": g, "time": grid, "risk": risk[g][0], "ci_low": bands[g][0],
                                             "ci_high": bands[g][1]}) for g in ("bad", "good")], ignore_index=True)
    return out


# =========================================================================== attributable churn
@dataclass
class AttributableChurnResult(Result):
    """Result of :func:`attributable_churn`.

    Attributes
    ----------
    table : DataFrame
        See :meth:`summary`.
    diagnostics : dict
        Customer counts at each step (lapsed, retained, excluded and why).
    settings : dict
        Definitions and arguments used.
    tests_table : DataFrame
        See :meth:`tests`.
    standardised : DataFrame
        The standardised lapse-risk curves drawn by :meth:`plot`: ``group``
        (``"bad"`` / ``"good"``), ``time`` (days after the index, 0 to the
        horizon), ``risk`` and its pointwise bootstrap ``ci_low``,
        ``ci_high``.
    """

    table: pd.DataFrame
    diagnostics: dict[str, Any]
    settings: dict[str, Any]
    tests_table: pd.DataFrame = field(default_factory=pd.DataFrame)
    _curves: dict[str, Any] = field(default_factory=dict, repr=False)
    standardised: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    title: str = "Service-attributable churn"

    def summary(self) -> pd.DataFrame:
        """id, group, estimate, ci_low, ci_high, n, p_value, method.

        Rows: ``attributable_churn_share`` (lapsed customers with a bad
        experience near the lapse), ``bad_experience_share_retained`` (the
        same window around a purchase of customers who came back),
        ``attributable_excess`` (the difference), ``lapse_risk_after_bad``,
        ``lapse_risk_after_good`` and ``lapse_risk_difference``.
        """
        return self.table.copy()

    def tests(self) -> pd.DataFrame:
        """The tests behind the p-values (and the log-rank test of the whole curves)."""
        return self.tests_table.copy()

    @property
    def curves(self) -> dict[str, Any]:
        """Crude (unstratified) Kaplan-Meier curves of the time to a lapse after a ``"bad"`` / ``"good"`` first
        rated experience; the figures come from :attr:`standardised`."""
        return dict(self._curves)

    def get(self, id: str) -> dict[str, Any]:
        hit = self.table[self.table["id"] == id]
        if hit.empty:
            raise KeyError(f"no figure {id!r}; available: {self.table['id'].tolist()}")
        return jsonable(hit.iloc[0].to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {"summary": frame_records(self.table), "tests": frame_records(self.tests_table),
                "diagnostics": jsonable(self.diagnostics), "settings": jsonable(self.settings)}

    def footnote(self) -> str:
        """The lapse definition, the window around the last purchase and the end of the data."""
        s = self.settings
        return (f"Lapse = no purchase for {s['lapse_days']} days; window = {s['lookback_days']} days before to "
                f"{s['after_days']} days after the last purchase; as of {s['as_of']}.")

    def plot(self, ax: Any = None) -> Any:
        """Lapse risk after a bad vs a good experience (see :func:`csanalysis.plotting.plot_attributable_churn`)."""
        from csanalysis.plotting.churn import plot_attributable_churn
        return plot_attributable_churn(self, ax=ax)


def attributable_churn(
    experiences: pd.DataFrame,
    activity: pd.DataFrame,
    *,
    lapse_days: float = 365,
    lookback_days: float = 90,
    after_days: float | None = None,
    horizon_days: float = 365,
    risk_method: Literal["km", "complete"] = "km",
    as_of: Any = None,
    experiences_since: Any = None,
    confidence: float = 0.95,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: Any = 0,
    stratify: bool = True,
    min_stratum_n: int = 5,
) -> AttributableChurnResult:
    """Share of lapsed customers with a bad experience near the lapse, and lapse risk after bad vs good.

    Parameters
    ----------
    experiences : DataFrame
        One row per experience: ``customer``, ``at`` (timestamp), ``bad``,
        ``good`` (booleans) and optionally ``rated`` (boolean; defaults to
        ``bad | good``), for example rated tickets from the linked tables.
    activity : DataFrame
        One row per purchase: ``customer``, ``at``.
    lapse_days : float, default 365
        A customer has lapsed when they made no purchase for this many days
        after a purchase.
    lookback_days : float, default 90
        Window before the last purchase in which a bad experience counts.
    after_days : float, optional
        Window after the last purchase in which a bad experience counts
        (default ``lookback_days``; at most ``lapse_days``).
    horizon_days : float, default 365
        Horizon of the lapse risk ("within 12 months").
    risk_method : {"km", "complete"}
        ``"km"``: Kaplan-Meier, every customer followed as long as the data
        allows. ``"complete"``: only customers followed for the whole horizon,
        plain proportions.
    as_of : timestamp, optional
        End of the data (default: the latest ``at`` in either table).
    experiences_since : timestamp, optional
        Start of the experience data (default: the earliest experience).
        Customers whose window starts earlier are left out, since a bad
        experience there could not have been recorded.
    confidence : float, default 0.95
    n_resamples : int, default 1000
        Bootstrap resamples of the lapse-risk intervals.
    seed : int or None, default 0
        Seed of the bootstrap weights.
    stratify : bool, default True
        Stratify the lapse risks by tenure, buying frequency and entry cohort
        (see the notes); ``False`` uses one stratum.
    min_stratum_n : int, default 5
        Customers each group needs in a stratum for it to be used.

    Returns
    -------
    AttributableChurnResult

    Notes
    -----
    **Attributable share.** ``cutoff = as_of - lapse_days``. A customer has
    *lapsed* when their last purchase ``L`` is at or before the cutoff (so
    ``lapse_days`` without a purchase were observed); the lapse begins the day
    after ``L``. The customer counts as *service-attributable* when a bad
    experience falls in ``[L - lookback_days, L + after_days]``: the 90 days
    before the last purchase, and the 90 days after it, because a service
    contact usually follows the order it is about. A raw share means little
    alone (if 30% of all customers have a bad experience in any 180-day
    window, 30% of lapsers will too), so the same window is measured for
    *retained* customers, around their last purchase on or before the cutoff
    that was followed by another purchase within ``lapse_days``; the
    difference (Newcombe interval, pooled z-test) is the excess.
    Customers who lapsed and later came back are in neither group. Customers
    whose window starts before ``experiences_since`` (default: the first
    experience on record) are left out: their window is not covered by the
    experience data.

    **Lapse risk after bad versus good.** Each customer's *first rated
    experience* is time zero (bad or good; neutral ones are left out), so
    the two groups are disjoint customers and nothing after time zero decides
    the group (a good-first customer with a later bad experience stays in
    the good group). Eligibility uses purchases at or before time zero only:
    a purchase in the ``lapse_days`` before it (customers already lapsed are
    left out). From time zero ``e``, a lapse starts at the first anchor
    (``e`` itself or a later purchase) followed by ``lapse_days`` without a
    purchase. A lapse start can only be confirmed up to the cutoff, so every
    customer is followed until ``cutoff - e`` (administrative censoring);
    customers indexed after the cutoff are left out.

    That censoring depends on when a customer was indexed, hence on when
    they joined, and lapsing depends on tenure and on how often they buy; a
    pooled Kaplan-Meier curve would mix early, short-tenure customers (long
    follow-up) with late ones. So the risk is estimated **within strata**
    fixed at time zero: tenure band (:data:`TENURE_BANDS`: under 180 days,
    180-729, 730 or more since the first purchase) x purchases in the
    ``lapse_days`` before time zero (:data:`FREQUENCY_BANDS`: 1, 2-3, 4 or more)
    x entry cohort (first purchase before or after the median), the cohort
    split kept only where both halves are usable. A stratum is usable when
    each group has at least ``min_stratum_n`` customers and a Kaplan-Meier
    curve reaching the horizon; the unusable cells of a tenure band are
    pooled, and a pool still unusable is left out (counted in
    ``diagnostics``). The risks ``1 - S(horizon)`` of both groups are
    standardised to the bad group's mix of strata, so ``lapse_risk_after_bad``
    is the bad group's own risk and ``lapse_risk_after_good`` what good-first
    customers with that mix of tenure, buying frequency and entry cohort
    experienced. Intervals: percentile intervals of a customer-level Poisson
    bootstrap (:func:`csanalysis.stats.poisson_weights`; ``n_resamples``
    resamples, every stratum curve refitted); the difference's p-value is
    the z-test with the bootstrap standard error; the log-rank test in
    :meth:`~AttributableChurnResult.tests` is stratified the same way.
    ``stratify=False`` uses one stratum (plain Kaplan-Meier). With
    ``risk_method="complete"`` only customers indexed at least
    ``horizon_days`` before the cutoff count (nothing is censored before the
    horizon, so the stratum curves are plain proportions).

    Examples
    --------
    >>> d = pd.Timestamp("2022-01-01", tz="UTC")
    >>> act = pd.DataFrame({"customer": ["a", "a", "b", "b", "b"],
    ...     "at": [d, d + pd.Timedelta(days=100), d, d + pd.Timedelta(days=300), d + pd.Timedelta(days=700)]})
    >>> exp = pd.DataFrame({"customer": ["a", "b"], "at": [d + pd.Timedelta(days=110), d + pd.Timedelta(days=5)],
    ...     "bad": [True, False], "good": [False, True]})
    >>> r = attributable_churn(exp, act, as_of=d + pd.Timedelta(days=800), n_resamples=50)
    >>> r.get("attributable_churn_share")["estimate"], r.diagnostics["lapsed"]
    (1.0, 1)
    """
    after, lapse, look, h = _lapse_options(lapse_days, lookback_days, after_days, horizon_days, risk_method)
    ex, ac, uniq = _lapse_tables(experiences, activity)
    if ac.empty:
        raise ValueError("activity has no purchases with a customer and a timestamp; lapses cannot be observed")
    if as_of is None:
        asof = float(np.nanmax([ac["t"].max(), ex["t"].max() if len(ex) else np.nan]))
    else:
        asof = float(_days(pd.Series([as_of]), "as_of")[0])
    if experiences_since is not None:
        exp_start = float(_days(pd.Series([experiences_since]), "experiences_since")[0])
    else:
        exp_start = float(ex["t"].min()) if len(ex) else math.nan
    part = _lapse_part(ex, ac, uniq, asof=asof, exp_start=exp_start, lapse=lapse, look=look, after=after, h=h,
                       risk_method=risk_method)
    return attributable_churn_combine([part], as_of=asof, experiences_since=exp_start, lapse_days=lapse,
                                      lookback_days=look, after_days=after, horizon_days=h,
                                      risk_method=risk_method, confidence=confidence, n_resamples=n_resamples,
                                      seed=seed, stratify=stratify, min_stratum_n=min_stratum_n)


def _lapse_options(lapse_days: float, lookback_days: float, after_days: float | None, horizon_days: float,
                   risk_method: str) -> tuple[float, float, float, float]:
    after = float(lookback_days if after_days is None else after_days)
    lapse, look, h = float(lapse_days), float(lookback_days), float(horizon_days)
    for nm, v in (("lapse_days", lapse), ("lookback_days", look), ("after_days", after), ("horizon_days", h)):
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{nm} must be a non-negative number of days, got {v!r}")
    if lapse <= 0:
        raise ValueError("lapse_days must be positive")
    if after > lapse:
        raise ValueError(f"after_days ({after:g}) cannot exceed lapse_days ({lapse:g}): the window after the last "
                         "purchase must lie inside the observed lapse")
    if risk_method not in ("km", "complete"):
        raise ValueError(f"risk_method must be 'km' or 'complete', got {risk_method!r}")
    return after, lapse, look, h


def _lapse_tables(experiences: pd.DataFrame, activity: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """The experiences (``customer`` code, ``t`` days, ``bad, good, rated``) and purchases (``customer, t``)
    with a customer and a time, and the customers of the codes."""
    hint = "Link the tables first (csanalysis.link.link_customers) so both carry a `customer` column."
    _need(experiences, "experiences", ["customer", "at", "bad", "good"], hint)
    _need(activity, "activity", ["customer", "at"], hint)

    # customers as integer codes shared by both tables: sorting, merging and isin stay fast
    codes, uniq = factorize(pd.concat([experiences["customer"], activity["customer"]], ignore_index=True)
                            .astype("str"))
    codes = codes.astype("int64")
    ex_codes, ac_codes = codes[: len(experiences)], codes[len(experiences):]
    ex = pd.DataFrame({"customer": ex_codes,
                       "t": _days(experiences["at"], "experiences['at']"),
                       "bad": _flag(experiences["bad"], "experiences['bad']"),
                       "good": _flag(experiences["good"], "experiences['good']")})
    ex["rated"] = (_flag(experiences["rated"], "experiences['rated']") if "rated" in experiences.columns
                   else ((ex["bad"] == 1) | (ex["good"] == 1)).astype(float))
    ex = ex[(ex["customer"] >= 0) & ~np.isnan(ex["t"].to_numpy())]
    ac = pd.DataFrame({"customer": ac_codes, "t": _days(activity["at"], "activity['at']")})
    ac = ac[(ac["customer"] >= 0) & ~np.isnan(ac["t"].to_numpy())]
    return ex, ac, uniq


def experience_span(experiences: pd.DataFrame) -> tuple[float, float]:
    """The first and last experience (days since 1970-01-01 UTC) with a customer and a time: what
    :func:`attributable_churn` takes from the whole table before its parts (NaN when none).

    Examples
    --------
    >>> experience_span(pd.DataFrame({"customer": ["a", None], "at": pd.to_datetime(["1970-01-03", "1970-01-01"],
    ...                                                                               utc=True)}))
    (2.0, 2.0)
    """
    t = _days(experiences["at"], "experiences['at']")[experiences["customer"].notna().to_numpy()]
    t = t[~np.isnan(t)]
    return (float(t.min()), float(t.max())) if t.size else (math.nan, math.nan)


def attributable_churn_part(experiences: pd.DataFrame | None, activity: pd.DataFrame, *, as_of: Any,
                            experiences_since: float, lapse_days: float = 365, lookback_days: float = 90,
                            after_days: float | None = None, horizon_days: float = 365,
                            risk_method: Literal["km", "complete"] = "km") -> dict[str, Any]:
    """One partition's contribution to :func:`attributable_churn`: its customers' counts and index rows.

    ``experiences`` and ``activity`` hold every row of the partition's
    customers (each customer in one partition); ``as_of`` (a timestamp) and
    ``experiences_since`` (days since 1970-01-01 UTC) are resolved over the
    whole tables (:func:`attributable_churn`'s defaults: the latest time in
    either table; the first experience, :func:`experience_span`); the other
    options are :func:`attributable_churn`'s. :func:`attributable_churn_combine`
    of every part equals :func:`attributable_churn` of the whole: the
    attributable share is counts, and the lapse risks are refitted on the
    index customers' rows gathered there (the bootstrap weights are a hash
    of the customer, and the weighted Kaplan-Meier sums whole numbers, so
    neither depends on the rows' order).
    """
    after, lapse, look, h = _lapse_options(lapse_days, lookback_days, after_days, horizon_days, risk_method)
    if experiences is None:
        experiences = pd.DataFrame({"customer": pd.Series(dtype="str"), "at": pd.Series(dtype="datetime64[ns, UTC]"),
                                    "bad": pd.Series(dtype=bool), "good": pd.Series(dtype=bool)})
    ex, ac, uniq = _lapse_tables(experiences, activity)
    return _lapse_part(ex, ac, uniq, asof=_as_of_days(as_of), exp_start=float(experiences_since), lapse=lapse,
                       look=look, after=after, h=h, risk_method=risk_method)


def _as_of_days(as_of: Any) -> float:
    if isinstance(as_of, (float, np.floating)):  # (days already)
        return float(as_of)
    return float(_days(pd.Series([as_of]), "as_of")[0])


def _lapse_part(ex: pd.DataFrame, ac: pd.DataFrame, uniq: Any, *, asof: float, exp_start: float, lapse: float,
                look: float, after: float, h: float, risk_method: str) -> dict[str, Any]:
    """:func:`attributable_churn_part` of the tables :func:`_lapse_tables` made."""
    cutoff = asof - lapse
    diag: dict[str, Any] = {}

    # ---------------------------------------------------------------- attributable share
    ac = ac.sort_values(["customer", "t"], kind="stable")
    ac["next_t"] = ac.groupby("customer", sort=False)["t"].shift(-1)
    ref = ac[ac["t"] <= cutoff].groupby("customer", sort=False).tail(1)
    gap = ref["next_t"] - ref["t"]
    status = np.where(ref["next_t"].isna(), "lapsed", np.where(gap <= lapse, "retained", "returned"))
    ref = ref.assign(status=status)
    covered = (ref["t"] - look >= exp_start) if math.isfinite(exp_start) else pd.Series(False, index=ref.index)
    diag["lapsed"] = int(((ref["status"] == "lapsed") & covered).sum())
    diag["retained"] = int(((ref["status"] == "retained") & covered).sum())
    diag["lapsed_not_covered_by_experience_data"] = int(((ref["status"] == "lapsed") & ~covered).sum())
    diag["retained_not_covered_by_experience_data"] = int(((ref["status"] == "retained") & ~covered).sum())
    diag["lapsed_then_returned_excluded"] = int((ref["status"] == "returned").sum())
    diag["customers_with_first_purchase_after_cutoff"] = int(ac["customer"].nunique() - ref["customer"].nunique())
    ref = ref[covered & (ref["status"] != "returned")]
    bad = ex.loc[ex["bad"] == 1, ["customer", "t"]].rename(columns={"t": "te"})
    m = ref[["customer", "t"]].merge(bad, on="customer", how="inner")
    hit = m.loc[(m["te"] >= m["t"] - look) & (m["te"] <= m["t"] + after), "customer"].unique()
    ref_hit = ref["customer"].isin(hit)
    share = {"k_l": int((ref_hit & (ref["status"] == "lapsed")).sum()), "n_l": int((ref["status"] == "lapsed").sum()),
             "k_r": int((ref_hit & (ref["status"] == "retained")).sum()),
             "n_r": int((ref["status"] == "retained").sum())}

    # ---------------------------------------------------------------- lapse risk after bad vs good
    first = (ex[ex["rated"] == 1].sort_values(["customer", "t"], kind="stable")
             .groupby("customer", sort=False).head(1))
    first = first.assign(group=np.where(first["bad"] == 1, "bad", np.where(first["good"] == 1, "good", "neutral")))
    diag["first_rated_neutral_excluded"] = int((first["group"] == "neutral").sum())
    first = first[first["group"] != "neutral"][["customer", "t", "group"]].rename(columns={"t": "e"})
    mp = first.merge(ac[["customer", "t"]], on="customer", how="inner")
    # eligibility and strata from purchases at or before the index only
    pre = mp[mp["t"] <= mp["e"]]
    recent = pre[pre["t"] >= pre["e"] - lapse]
    n_before = len(first)
    first = first[first["customer"].isin(recent["customer"].unique())]
    diag["index_customers_already_lapsed_or_no_purchases"] = int(n_before - len(first))
    first = first.assign(follow=cutoff - first["e"],
                         joined=first["customer"].map(pre.groupby("customer", sort=False)["t"].min()),
                         bought=first["customer"].map(recent.groupby("customer", sort=False).size()))
    diag["index_after_cutoff_excluded"] = int((first["follow"] < 0).sum())
    first = first[first["follow"] >= 0]
    after_p = mp.loc[(mp["t"] >= mp["e"]) & mp["customer"].isin(first["customer"]), ["customer", "t"]]
    anchors = pd.concat([first[["customer", "e"]].rename(columns={"e": "t"}).assign(k=0),
                         after_p.assign(k=1)], ignore_index=True).sort_values(["customer", "t", "k"], kind="stable")
    nxt = anchors.groupby("customer", sort=False)["t"].shift(-1)
    is_lapse = ((nxt - anchors["t"]) > lapse) | (nxt.isna() & (asof - anchors["t"] >= lapse))
    first_lapse = anchors.loc[is_lapse].groupby("customer", sort=False)["t"].min()
    first = first.assign(lapse_at=first["customer"].map(first_lapse))
    event = first["lapse_at"].notna().to_numpy()
    dur = np.where(event, first["lapse_at"].to_numpy() - first["e"].to_numpy(), first["follow"].to_numpy())
    dur = np.minimum(np.maximum(dur, 0.0), first["follow"].to_numpy())
    first = first.assign(duration=dur, event=event & (dur <= first["follow"].to_numpy()))
    diag["index_bad"] = int((first["group"] == "bad").sum())
    diag["index_good"] = int((first["group"] == "good").sum())
    if risk_method == "complete":
        diag["index_followed_less_than_horizon_excluded"] = int((first["follow"] < h).sum())
        first = first[first["follow"] >= h]
    first = first.assign(customer=pd.array(np.asarray(uniq, dtype=object)[first["customer"].to_numpy()], dtype="str"))
    return {"purchases": len(ac), "diagnostics": diag, "share": share,
            "first": first[["customer", "e", "group", "follow", "joined", "bought", "lapse_at", "duration", "event"]]}


def attributable_churn_combine(parts: list[dict[str, Any]], *, as_of: Any, experiences_since: float,
                               lapse_days: float = 365, lookback_days: float = 90, after_days: float | None = None,
                               horizon_days: float = 365, risk_method: Literal["km", "complete"] = "km",
                               confidence: float = 0.95, n_resamples: int = DEFAULT_RESAMPLES, seed: Any = 0,
                               stratify: bool = True, min_stratum_n: int = 5) -> AttributableChurnResult:
    """:func:`attributable_churn` of the whole tables from every partition's :func:`attributable_churn_part`
    (the same options, ``as_of`` and ``experiences_since`` as the parts were given)."""
    after, lapse, look, h = _lapse_options(lapse_days, lookback_days, after_days, horizon_days, risk_method)
    if not sum(p["purchases"] for p in parts):
        raise ValueError("activity has no purchases with a customer and a timestamp; lapses cannot be observed")
    asof, exp_start = _as_of_days(as_of), float(experiences_since)
    cutoff = asof - lapse
    diag: dict[str, Any] = {}
    for p in parts:  # a loop over parts: the counts added up, in the order of their names
        for k, v in p["diagnostics"].items():
            diag[k] = diag.get(k, 0) + v
    k_l, n_l, k_r, n_r = (float(sum(p["share"][k] for p in parts)) for k in ("k_l", "n_l", "k_r", "n_r"))
    window = f"bad experience from {look:g} days before to {after:g} days after the reference purchase"
    rows = [
        _row("attributable_churn_share", "lapsed customers", *_wilson(k_l, n_l, confidence), n_l, math.nan,
             f"Wilson score interval; lapsed = last purchase at least {lapse:g} days before as_of; {window} (the last purchase)"),
        _row("bad_experience_share_retained", "retained customers", *_wilson(k_r, n_r, confidence), n_r, math.nan,
             f"Wilson score interval; retained = bought again within {lapse:g} days of their last purchase on or "
             f"before the cutoff; {window}"),
    ]
    tests_rows = []
    if n_l > 0 and n_r > 0:
        d, lo, hi, p = two_proportion_test(k_l, n_l, k_r, n_r, confidence)
    else:
        d = lo = hi = p = math.nan
    rows.append(_row("attributable_excess", "lapsed - retained", d, lo, hi, n_l + n_r, p,
                     "difference of proportions; Newcombe hybrid score interval; pooled two-proportion z-test"))
    tests_rows.append({"test": "attributable_excess", "statistic": math.nan, "p_value": p,
                       "method": "pooled two-proportion z-test (= Pearson chi-square on the 2x2 table, no correction)"})
    got = [p["first"] for p in parts if len(p["first"])] or [parts[0]["first"]]
    first = got[0] if len(got) == 1 else pd.concat(got, ignore_index=True)
    codes, uniq = factorize(first["customer"])
    first = first.assign(customer=np.asarray(codes, dtype=np.int64))
    # crude Kaplan-Meier curves (drawn for reference; the figures are stratified)
    curves: dict[str, Any] = {}
    for g in ("bad", "good"):
        df = first[first["group"] == g]
        curves[g] = kaplan_meier(df["duration"].to_numpy(), df["event"].to_numpy(), confidence=confidence) \
            if len(df) else None
    first = first.assign(stratum=_lapse_strata(first, h, stratify=stratify, min_n=min_stratum_n))
    risk = _standardised_risk(first, h, n_resamples=int(n_resamples), seed=seed, ids=uniq, confidence=confidence)
    diag.update(risk["diagnostics"])
    std_curves = risk["curves"]
    zero = f"time zero: the first rated experience; eligible: a purchase in the {lapse:g} days before it"
    how = f"risk that a {lapse:g}-day lapse starts within {h:g} days after time zero ({zero})"
    strat_text = (f"stratified Kaplan-Meier within {risk['diagnostics']['strata_used']} strata of entry cohort x tenure "
                  f"x purchases in the year before, standardised to the bad group's mix"
                  if stratify else "Kaplan-Meier (one stratum)")
    if risk_method == "complete":
        strat_text += f"; customers indexed at least {h:g} days before the cutoff only (no censoring)"
    boot = f"customer-level Poisson bootstrap percentile interval ({int(n_resamples)} resamples)"
    for g in ("bad", "good"):
        est, lo, hi = risk[g]
        meth = f"1 - S({h:g}); {strat_text}; {boot}; {how}"
        if risk["reason"]:
            meth += f"; not estimable: {risk['reason']}"
        rows.append(_row(f"lapse_risk_after_{g}", f"customers whose first rated experience was {g} ({zero})",
                         est, lo, hi, risk["n"][g], math.nan, meth))
    diff, dlo, dhi, p, zstat = risk["difference"]
    rows.append(_row("lapse_risk_difference", f"first rated experience bad minus good ({zero})", diff, dlo, dhi,
                     risk["n"]["bad"] + risk["n"]["good"], p,
                     f"difference of the standardised risks at {h:g} days; {strat_text}; {boot}; p from the "
                     f"bootstrap z-test (difference over its bootstrap standard deviation); {how}"))
    tests_rows.append({"test": "lapse_risk_difference", "statistic": zstat, "p_value": p,
                       "method": f"z-test of the standardised risk difference at {h:g} days, bootstrap standard error"})
    lr = risk["logrank"]
    tests_rows.append({"test": "lapse_curves_logrank", "statistic": lr[0], "p_value": lr[1],
                       "method": "log-rank test stratified by the same strata (Mantel-Haenszel, hypergeometric "
                                 "variance, summed over strata), chi-square with 1 df"})
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    settings = {"lapse_days": lapse, "lookback_days": look, "after_days": after, "horizon_days": h,
                "risk_method": risk_method, "as_of": (_EPOCH + pd.Timedelta(days=asof)).isoformat(),
                "cutoff": (_EPOCH + pd.Timedelta(days=cutoff)).isoformat(),
                "experiences_since": (_EPOCH + pd.Timedelta(days=exp_start)).isoformat()
                if math.isfinite(exp_start) else None, "confidence": confidence,
                "n_resamples": int(n_resamples), "seed": seed if isinstance(seed, (int, type(None))) else str(seed),
                "stratify": bool(stratify), "min_stratum_n": int(min_stratum_n),
                "tenure_bands_days": list(TENURE_BANDS), "frequency_bands": list(FREQUENCY_BANDS)}
    return AttributableChurnResult(table=table, diagnostics=diag, settings=settings,
                                   tests_table=pd.DataFrame(tests_rows, columns=["test", "statistic", "p_value", "method"]),
                                   _curves=curves, standardised=std_curves)


# =========================================================================== churn reasons
#: Classes a churn reason is mapped to.
REASON_CLASSES: tuple[str, ...] = ("service", "product", "price", "competitor", "other")

#: Default keyword rules, tried in this order on the lower-cased reason (then
#: on the category when the reason matches none). English, Danish, Swedish,
#: Norwegian, German and Russian stems. Service is split in two passes: words
#: that always mean customer service (support, attitude, staff, self-service)
#: come before product words, and the bare word "service" comes after them,
#: so that "Limited range of services" is a product reason and "Service
#: dissatisfaction" a service reason. Rudeness has no keyword here: the
#: comments' vocabulary (:data:`VOCABULARY_CLASSES`, tried before these rules)
#: finds it in all seven languages with negations handled, so "not rude at
#: all" is not a service reason.
REASON_RULES: tuple[tuple[str, str], ...] = (
    ("competitor", r"competitor|competition|better offer|\bkonkurrent|\bwettbewerb|\bmitbewerb|конкурент"),
    ("price", (r"\bprice|\bpricing|\bcharge|\bcost|expensive|\bafford|\bfees?\b|\bpris|\bdyr|\bpreis|\bteuer"
              r"|\bgebühr|\bkosten|\bцен|дорог|тариф|стоимост")),
    ("service", (r"support|attitude|self-service|self service|customer service"
                r"|customer care|expertise|\bstaff|\bagent|help ?desk|call cent|hotline|complaint handling"
                r"|on hold|waiting time|kundeservice|kundservice|kundtjänst|kundestøtte|kundenservice|kundendienst"
                r"|betjening|bemötande|holdning|personale|personalen|mitarbeiter|beratung"
                r"|selbstbedienung|selvbetjening|självbetjäning|поддержк|обслуживан|персонал|отношени")),
    ("product", (r"product|network|range of services|device|speed|reliab|quality|coverage|outage|\bproduk"
                r"|netværk|nätverk|nettverk|\bnetz|qualität|kvalitet|dækning|täckning|dekning|gerät"
                r"|скорост|качеств|связ|устройств|продукт|покрыти")),
    ("service", r"\bservice|\bservic|сервис"),
)


#: The class of each reason of the comments' vocabulary (:data:`csanalysis.text.REASONS`): the snapshot's churn
#: reasons are read with the same words, negations and inflections as the survey comments.
VOCABULARY_CLASSES: dict[str, str] = {
    "rudeness": "service", "waiting": "service", "repeat": "service", "not_resolved": "service",
    "wrong_information": "service", "self_service": "service", "delivery": "product", "product_quality": "product",
    "billing": "price", "price": "price",
}


def _classify_vocabulary(s: pd.Series) -> pd.Series:
    """The class of the reasons :func:`csanalysis.text.tag_reasons` finds in each text (published reason-language
    pairs only; price before service before product, as the rules, when a text gives several); NaN where none."""
    from csanalysis.text import tag_reasons

    from .verbatims import published_tags, validated_reasons

    out = pd.Series(np.nan, index=s.index, dtype="object")
    ok = s.notna().to_numpy()
    if not ok.any():
        return out
    tags = tag_reasons(s[ok].astype("str").reset_index(drop=True))
    ver = validated_reasons()
    if tags.empty or ver.empty:
        return out
    tags = tags[published_tags(tags, ver[ver["published"].astype(bool)])]
    order = list(dict.fromkeys(c for c, _ in REASON_RULES))  # competitor, price, service, product
    best = tags["reason"].map(VOCABULARY_CLASSES).map(order.index).groupby(tags["text_index"].to_numpy()).min()
    pos = np.flatnonzero(ok)[best.index.to_numpy(dtype=np.int64)]
    out.iloc[pos] = np.asarray(order, dtype="object")[best.to_numpy(dtype=np.int64)]
    return out


def _classify_text(s: pd.Series) -> pd.Series:
    """Classes of a Series of distinct texts; NaN where nothing matches.

    A competitor first (the comments' vocabulary has no such reason), then the comments' reason vocabulary
    (:func:`_classify_vocabulary`), then the keyword rules of :data:`REASON_RULES` (categories and short labels
    such as "Attitude", "Network reliability" that the vocabulary leaves untagged).
    """
    low = s.astype("str").str.lower()
    out = pd.Series(np.nan, index=s.index, dtype="object")
    out[low.str.contains(REASON_RULES[0][1], regex=True, na=False)] = REASON_RULES[0][0]
    vocab = _classify_vocabulary(s.where(out.isna()))
    out = out.where(out.notna(), vocab)
    for cls, pat in REASON_RULES:
        hitm = low.str.contains(pat, regex=True, na=False) & out.isna()
        out[hitm] = cls
    return out


def classify_churn_reason(
    reason: pd.Series,
    category: pd.Series | None = None,
    *,
    reason_map: dict[str, str] | Callable[[Any, Any], str] | None = None,
) -> pd.Series:
    """Map stated churn reasons to service / product / price / competitor / other.

    Parameters
    ----------
    reason : Series of str
        Stated churn reason (free text, any of en/da/sv/no/de/ru).
    category : Series of str, optional
        Churn category (e.g. telco ``Attitude``, ``Competitor``,
        ``Dissatisfaction``, ``Price``, ``Other``), used when the reason is
        missing or matches no rule.
    reason_map : dict or callable, optional
        Overrides. A dict maps a reason or category text (matched
        case-insensitively, whitespace-trimmed) to a class; the reason is
        looked up first, then the category; texts not in the dict fall back
        to the default classification: a competitor keyword, then the
        reasons :func:`csanalysis.text.tag_reasons` finds (the survey
        comments' vocabulary, negations and inflections handled; only
        reason-language pairs that passed validation;
        :data:`VOCABULARY_CLASSES`), then the keyword rules
        (:data:`REASON_RULES`). A callable
        ``f(reason, category) -> class`` replaces the rules entirely; it is
        called once per distinct (reason, category) pair.

    Returns
    -------
    Series
        One of :data:`REASON_CLASSES` per row; missing where both reason and
        category are missing.

    Examples
    --------
    >>> r = pd.Series(["Attitude of support person", "Limited range of services", "Service dissatisfaction",
    ...                "Competitor made better offer", "Price too high", "Moved", "Dårlig kundeservice",
    ...                "Хамство оператора", None])
    >>> c = pd.Series(["Attitude", "Other", "Dissatisfaction", "Competitor", "Price", "Other", None, None, "Attitude"])
    >>> classify_churn_reason(r, c).tolist()
    ['service', 'product', 'service', 'competitor', 'price', 'other', 'service', 'service', 'service']
    """
    reason = pd.Series(reason).reset_index(drop=True) if not isinstance(reason, pd.Series) else reason
    if category is None:
        category = pd.Series(np.nan, index=reason.index, dtype="object")
    elif not isinstance(category, pd.Series):
        category = pd.Series(category, index=reason.index)
    if len(category) != len(reason):
        raise ValueError(f"category has {len(category)} values but reason has {len(reason)}")
    r = reason.astype("object").where(reason.notna(), None)
    c = category.astype("object").where(category.notna(), None)
    cr, ur = pd.factorize(r, use_na_sentinel=True)
    cc_, uc = pd.factorize(c, use_na_sentinel=True)
    codes, upair = pd.factorize((cr + 1).astype("int64") * (len(uc) + 1) + (cc_ + 1))
    ir, ic = upair // (len(uc) + 1) - 1, upair % (len(uc) + 1) - 1
    up = pd.DataFrame({"r": np.where(ir >= 0, np.asarray(ur, dtype="object")[np.maximum(ir, 0)] if len(ur) else None, None),
                       "c": np.where(ic >= 0, np.asarray(uc, dtype="object")[np.maximum(ic, 0)] if len(uc) else None, None)},
                      dtype="object")
    if callable(reason_map):
        vals = []
        for rr, cc in zip(up["r"], up["c"]):  # once per distinct pair, not per customer
            rr = None if pd.isna(rr) else rr
            cc = None if pd.isna(cc) else cc
            v = None if rr is None and cc is None else reason_map(rr, cc)
            if v is not None and v not in REASON_CLASSES:
                raise ValueError(f"reason_map returned {v!r}; it must return one of {list(REASON_CLASSES)}")
            vals.append(v)
        cls = pd.Series(vals, dtype="object")
    else:
        if reason_map is not None and not isinstance(reason_map, dict):
            raise TypeError(f"reason_map must be a dict or a callable, got {type(reason_map).__name__}")
        cls = pd.Series(np.nan, index=up.index, dtype="object")
        if reason_map:
            bad = {k: v for k, v in reason_map.items() if v not in REASON_CLASSES}
            if bad:
                raise ValueError(f"reason_map values must be one of {list(REASON_CLASSES)}; got {sorted(set(bad.values()))}")
            norm = {str(k).strip().lower(): v for k, v in reason_map.items()}
            for col in ("r", "c"):
                key = up[col].astype("str").str.strip().str.lower()
                mapped = key.map(norm).where(up[col].notna())
                cls = cls.where(cls.notna(), mapped)
        for col in ("r", "c"):
            cls = cls.where(cls.notna(), _classify_text(up[col]).where(up[col].notna()))
        anything = up["r"].notna() | up["c"].notna()
        cls = cls.where(cls.notna() | ~anything, "other")
    out = cls.to_numpy(dtype="object")[codes]
    return pd.Series(out, index=reason.index, dtype="object")


# =========================================================================== snapshot churn
@dataclass
class SnapshotChurnResult(Result):
    """Result of :func:`snapshot_churn`."""

    table: pd.DataFrame
    tests_table: pd.DataFrame
    reasons_table: pd.DataFrame
    settings: dict[str, Any]
    title: str = "Churn by satisfaction and complaints (snapshot)"

    def summary(self) -> pd.DataFrame:
        """id, group, estimate, ci_low, ci_high, n, p_value, method.

        Rows: ``churn_rate`` per satisfaction band and per complaint flag,
        ``churn_rate_difference`` (complained - not), ``service_reason_share``.
        """
        return self.table.copy()

    def tests(self) -> pd.DataFrame:
        """Chi-square tests of churn against satisfaction band and complaint flag."""
        return self.tests_table.copy()

    def reasons(self) -> pd.DataFrame:
        """Churners per reason class: class, count, share (of churners with a stated reason)."""
        return self.reasons_table.copy()

    def get(self, id: str, group: str | None = None) -> dict[str, Any]:
        t = self.table[self.table["id"] == id]
        if group is not None:
            t = t[t["group"] == group]
        if t.empty:
            raise KeyError(f"no figure {id!r} / {group!r}; available: {sorted(set(self.table['id']))}")
        return jsonable(t.iloc[0].to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {"summary": frame_records(self.table), "tests": frame_records(self.tests_table),
                "reasons": frame_records(self.reasons_table), "settings": jsonable(self.settings)}

    def _repr_html_(self) -> str:
        return super()._repr_html_() + show(self.tests_table, "Tests")._repr_html_()

    def plot(self, ax: Any = None) -> Any:
        """Churn rate by satisfaction band and complaint (see :func:`csanalysis.plotting.plot_snapshot_churn`)."""
        from csanalysis.plotting.churn import plot_snapshot_churn
        return plot_snapshot_churn(self, ax=ax)


def _chi2(table: np.ndarray, name: str) -> dict:
    keep_r = table.sum(axis=1) > 0
    tab = table[keep_r]
    if tab.shape[0] < 2 or np.any(tab.sum(axis=0) == 0):
        return {"test": name, "statistic": math.nan, "dof": math.nan, "p_value": math.nan,
                "method": "Pearson chi-square test of independence: not computable (a row or column is empty)"}
    res = stats.chi2_contingency(tab, correction=False)
    return {"test": name, "statistic": float(res.statistic), "dof": int(res.dof), "p_value": float(res.pvalue),
            "method": "Pearson chi-square test of independence (scipy.stats.chi2_contingency, no continuity correction)"}


def snapshot_churn(
    customers: pd.DataFrame,
    *,
    reason_map: dict[str, str] | Callable[[Any, Any], str] | None = None,
    confidence: float = 0.95,
) -> SnapshotChurnResult:
    """Churn by satisfaction band and complaint, and the share of churners citing service.

    Parameters
    ----------
    customers : DataFrame
        Canonical customers table: ``churned`` (boolean, required),
        ``satisfaction`` (1-5), ``complained`` (boolean), ``churn_reason``,
        ``churn_category``; the optional columns may be absent.
    reason_map : dict or callable, optional
        Overrides of the reason vocabulary; see :func:`classify_churn_reason`.
    confidence : float, default 0.95

    Returns
    -------
    SnapshotChurnResult

    Notes
    -----
    Satisfaction bands: ``1-2`` (``satisfaction <= 2``), ``3`` (between 2 and
    4), ``4-5`` (``>= 4``). Churn rates get Wilson intervals; churn against
    band (3 x 2 table) and against complaint (2 x 2) is tested with Pearson's
    chi-square test of independence (``scipy.stats.chi2_contingency``,
    without continuity correction, so the 2 x 2 p-value equals the pooled
    two-proportion z-test of ``churn_rate_difference``). The service share is
    churners whose reason (or, failing that, category) is classed
    ``service``, over churners with any reason or category; a snapshot says
    nothing about order in time, so this is what churners *say*, not what
    caused their churn.

    Examples
    --------
    >>> cust = pd.DataFrame({"churned": [True, True, False, False, True, False],
    ...     "satisfaction": [1, 2, 5, 4, 3, 3], "complained": [True, False, False, False, True, False],
    ...     "churn_reason": ["Attitude of support person", "Price too high", None, None, "Network reliability", None]})
    >>> r = snapshot_churn(cust)
    >>> r.get("churn_rate", "satisfaction 1-2")["estimate"], round(r.get("service_reason_share")["estimate"], 3)
    (1.0, 0.333)
    """
    return snapshot_churn_combine([snapshot_churn_part(customers, reason_map=reason_map)], reason_map=reason_map,
                                  confidence=confidence)


#: The columns of the customers table :func:`snapshot_churn` reads.
SNAPSHOT_COLUMNS: tuple[str, ...] = ("churned", "satisfaction", "complained", "churn_reason", "churn_category")


def snapshot_churn_part(customers: pd.DataFrame, *,
                        reason_map: dict[str, str] | Callable[[Any, Any], str] | None = None,
                        positions: np.ndarray | None = None) -> dict[str, Any]:
    """One part's counts for :func:`snapshot_churn` (a customers table or any part of its rows): churners and
    customers per satisfaction band and complaint flag, churners per reason class. Every figure of
    :func:`snapshot_churn_combine` is a function of these sums."""
    _need(customers, "customers", ["churned"], "Read the snapshot with csanalysis.io or name the churn flag `churned`.")
    churn = _flag(customers["churned"], "customers['churned']")
    has_c = ~np.isnan(churn)
    out: dict[str, Any] = {"rows": len(customers), "churners": int((churn == 1).sum())}
    if "satisfaction" in customers.columns:
        sat = pd.to_numeric(customers["satisfaction"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        fin = sat[~np.isnan(sat)]
        out["satisfaction_range"] = (float(fin.min()), float(fin.max())) if fin.size else None
        bands = (sat <= 2, (sat > 2) & (sat < 4), sat >= 4)
        out["satisfaction"] = [(float(churn[m & has_c].sum()), float((m & has_c).sum())) for m in bands]
    if "complained" in customers.columns:
        comp = _flag(customers["complained"], "customers['complained']")
        out["complained"] = [(float(churn[(comp == v) & has_c].sum()), float(((comp == v) & has_c).sum()))
                             for v in (1.0, 0.0)]
    reason = customers["churn_reason"] if "churn_reason" in customers.columns else None
    category = customers["churn_category"] if "churn_category" in customers.columns else None
    churners = churn == 1
    if reason is not None or category is not None:
        base = reason if reason is not None else category
        cls = classify_churn_reason(base[churners] if reason is not None else pd.Series(np.nan, index=base.index[churners]),
                                    category[churners] if category is not None else None, reason_map=reason_map)
        stated = cls.notna()
        out["reasons"] = cls[stated].value_counts().reindex(list(REASON_CLASSES), fill_value=0).to_numpy(dtype="int64")
        out["unstated"] = int((~stated).sum())
    return out


def snapshot_churn_combine(parts: list[dict[str, Any]], *,
                           reason_map: dict[str, str] | Callable[[Any, Any], str] | None = None,
                           confidence: float = 0.95) -> SnapshotChurnResult:
    """:func:`snapshot_churn` of a customers table from the :func:`snapshot_churn_part` of its parts."""
    rows: list[dict] = []
    tests_rows: list[dict] = []
    first = parts[0]
    if "satisfaction" in first:
        ranges = [p["satisfaction_range"] for p in parts if p["satisfaction_range"] is not None]
        if ranges:
            lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
            if lo < 1 or hi > 5:
                raise ValueError(f"satisfaction must be on 1-5; found values from {lo:g} to {hi:g}")
        tab = []
        for i, label in enumerate(("satisfaction 1-2", "satisfaction 3", "satisfaction 4-5")):
            k, n = sum(p["satisfaction"][i][0] for p in parts), sum(p["satisfaction"][i][1] for p in parts)
            rows.append(_row("churn_rate", label, *_wilson(k, n, confidence), n, math.nan, "Wilson score interval"))
            tab.append([k, n - k])
        tests_rows.append(_chi2(np.array(tab), "churn_by_satisfaction_band"))
    if "complained" in first:
        kn = []
        for i, label in enumerate(("complained", "did not complain")):
            k, n = sum(p["complained"][i][0] for p in parts), sum(p["complained"][i][1] for p in parts)
            rows.append(_row("churn_rate", label, *_wilson(k, n, confidence), n, math.nan, "Wilson score interval"))
            kn.append((k, n))
        t = _chi2(np.array([[k, n - k] for k, n in kn]), "churn_by_complaint")
        tests_rows.append(t)
        (k1, n1), (k2, n2) = kn
        if n1 > 0 and n2 > 0:
            d, lo, hi, _ = two_proportion_test(k1, n1, k2, n2, confidence)
        else:
            d = lo = hi = math.nan
        rows.append(_row("churn_rate_difference", "complained - did not complain", d, lo, hi, n1 + n2, t["p_value"],
                         "difference of proportions; Newcombe hybrid score interval; p from the Pearson chi-square test"))
    if "reasons" in first:
        counts = np.sum([p["reasons"] for p in parts], axis=0)
        k, n = float(counts[list(REASON_CLASSES).index("service")]), float(counts.sum())
        unstated = sum(p["unstated"] for p in parts)
        rows.append(_row("service_reason_share", "churners with a stated reason", *_wilson(k, n, confidence), n,
                         math.nan, "Wilson score interval; reason classed 'service' by the reason vocabulary "
                         f"({'custom reason_map, then ' if reason_map is not None else ''}the comments' reason vocabulary, "
                         "then keyword rules); "
                         f"{unstated} churner(s) without a reason left out"))
        reasons = pd.DataFrame({"class": list(REASON_CLASSES), "count": counts.astype("int64"),
                                "share": counts.astype(float) / n if n else np.nan})
    else:
        rows.append(_row("service_reason_share", "churners with a stated reason", math.nan, math.nan, math.nan, 0,
                         math.nan, "not supported: no churn_reason or churn_category column"))
        reasons = pd.DataFrame({"class": list(REASON_CLASSES), "count": 0, "share": np.nan})
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    tests = pd.DataFrame(tests_rows, columns=["test", "statistic", "dof", "p_value", "method"])
    return SnapshotChurnResult(table=table, tests_table=tests, reasons_table=reasons,
                               settings={"confidence": confidence, "n_customers": sum(p["rows"] for p in parts),
                                         "n_churners": sum(p["churners"] for p in parts),
                                         "reason_map": "custom" if reason_map is not None else "default"})
