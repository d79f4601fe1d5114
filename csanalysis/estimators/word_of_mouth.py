"""Word of mouth: how many people do dissatisfied customers tell?

The press cites "a dissatisfied customer tells 9 to 15 people" and "13% tell
more than 20" (untraceable folklore, see the registry), and "54% of those who
share a bad experience tell more than five people" (Dimensional Research
2013). Word of mouth cannot be seen in ticket or purchase data; it needs a
survey item such as "How many people did you tell? 0 / 1-5 / 6-10 / 11-20 /
more than 20". :func:`word_of_mouth` estimates the figures from such answers,
honouring that an answer is an *interval*.

Estimator
---------
Each answer is an interval ``[told_count_low, told_count_high]``: an exact
answer has ``low == high``, a range answer ``6-10`` is ``[6, 10]``, an open
answer "more than 20" is ``[21, NaN]`` (the readers' convention: the low end
is inclusive, a missing high end means open).

* **Lower bound** (``*_lower_bound`` rows): every answer at its low end. The
  mean of the low ends can never exceed the true mean of the respondents'
  counts, whatever they really were.
* **Midpoint estimate** (the headline): every closed interval at its midpoint
  ``(low + high) / 2``; an open interval at ``open_multiplier x low``
  (default 1.5, so "more than 20" counts as 31.5). The multiplier is a
  modelling choice, not data: a heavy tail may well be heavier. Report the
  lower bound alongside, and vary ``open_multiplier`` to see how much the mean
  depends on it.

Means and medians get percentile bootstrap intervals
(:func:`csanalysis.stats.bootstrap.bootstrap_ci`); the midpoint and
lower-bound figures use the same seed and therefore the same resamples.

Shares above a threshold (``wom_told_over_20``: more than 20 people;
``share_bad_gt5``: more than 5 people) use every answer: an answer is *surely*
above ``t`` when its low end exceeds ``t``, *possibly* above when its high end
does (or it is open), and counted in the point estimate when its midpoint
does. An answer that straddles the threshold (e.g. "11-30" against 20) is thus
counted in the upper bound only, and in the point estimate by its midpoint.
The interval runs from the Wilson lower limit of the sure count to the Wilson
upper limit of the possible count; when no answer straddles the threshold (the
usual case for bands 0 / 1-5 / 6-10 / 11-20 / more than 20) both counts agree
and this is exactly the Wilson interval. The ``*_lower_bound`` and
``*_upper_bound`` rows give the two counts' own Wilson intervals.

Denominators
------------
* ``wom_told_*``: respondents of the group who answered the "how many" item,
  zeros included.
* ``share_bad_any`` (``share_good_any``): the same respondents; "told anyone"
  means a low end of at least 1 (a lower bound when a range starts at 0).
* ``share_bad_gt5`` (``share_good_gt5``): respondents who told anyone.
* ``told_others_not_to_buy_after_bad`` (``..._after_good``): respondents of
  the group who answered the warned-others item.

Groups: *dissatisfied* is ``csat <= dissatisfied_max_csat`` (default 1-2 on
the 1-5 scale), *satisfied* is ``csat >= satisfied_min_csat`` (4-5); the
satisfied figures are the contrast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from csanalysis.checks import check_confidence, check_frame, check_resamples, numeric_sample
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.stats.bootstrap import MULTINOMIAL_MIN_N, bootstrap_ci, percentile_interval, resolve_statistic
from csanalysis.stats.intervals import wilson_ci

__all__ = ["word_of_mouth", "reach_model", "prepare_responses", "WordOfMouthResult", "ReachResult", "TOLD_BINS",
           "GROUPS", "SPANS"]

#: Answer bands of the distribution table: (first count, last count, label).
TOLD_BINS: tuple[tuple[float, float, str], ...] = (
    (0, 0, "0"),
    (1, 5, "1-5"),
    (6, 10, "6-10"),
    (11, 20, "11-20"),
    (21, math.inf, "more than 20"),
)
SPANS = "spans bands"
GROUPS = ("dissatisfied", "satisfied")
SUMMARY_COLUMNS = ["id", "group", "estimate", "ci_low", "ci_high", "n", "method"]

_IDS = {
    "dissatisfied": {"any": "share_bad_any", "gt5": "share_bad_gt5", "warned": "told_others_not_to_buy_after_bad"},
    "satisfied": {"any": "share_good_any", "gt5": "share_good_gt5", "warned": "told_others_not_to_buy_after_good"},
}


# --------------------------------------------------------------------------- input
def _num(df: pd.DataFrame, col: str) -> np.ndarray:
    s = df[col]
    if pd.api.types.is_bool_dtype(s.dtype) or not (pd.api.types.is_numeric_dtype(s.dtype)):
        conv = pd.to_numeric(s, errors="coerce")
        bad = int((conv.isna() & s.notna()).sum())
        if bad:
            raise ValueError(f"column {col!r} must be numeric; {bad} value(s) could not be read as numbers. "
                             "Read the survey with csanalysis.io (which parses answers such as '6-10') "
                             "or convert the column first")
        s = conv
    return s.to_numpy(dtype="float64", na_value=np.nan)


def _bool(df: pd.DataFrame, col: str) -> np.ndarray:
    """Float array: 1.0 / 0.0 / NaN."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean").astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    if pd.api.types.is_numeric_dtype(s.dtype):
        x = s.to_numpy(dtype="float64", na_value=np.nan)
        ok = np.isnan(x) | (x == 0) | (x == 1)
        if not ok.all():
            raise ValueError(f"column {col!r} must be boolean (True/False, or 1/0); "
                             f"found {int((~ok).sum())} other value(s)")
        return x
    try:
        b = s.astype("boolean")
    except (TypeError, ValueError):
        raise ValueError(f"column {col!r} must be boolean (True/False); got dtype {s.dtype} with values that are "
                         "not True/False. Read the survey with csanalysis.io, which maps yes/no answers in "
                         "several languages") from None
    return b.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def prepare_responses(responses: pd.DataFrame, csat: str, told_low: str, told_high: str, warned: str,
                      open_multiplier: float) -> dict[str, np.ndarray]:
    """The answers :func:`word_of_mouth` reads, checked: one array per item, aligned with ``responses``.

    Parameters
    ----------
    responses : DataFrame
    csat, told_low, told_high, warned : str
        Column names (``warned`` may be absent).
    open_multiplier : float
        An open answer ("more than 20") counts as ``open_multiplier x low``.

    Returns
    -------
    dict
        ``csat``, ``low``, ``high`` (``inf`` for open answers), ``mid``
        (interval midpoints), ``warned`` (1 / 0 / NaN) and
        ``has_warned_col``.

    Examples
    --------
    >>> v = prepare_responses(pd.DataFrame({"csat": [1, 5], "told_count_low": [6, 21],
    ...     "told_count_high": [10, None]}), "csat", "told_count_low", "told_count_high", "warned_others", 1.5)
    >>> v["mid"].tolist(), v["high"].tolist()
    ([8.0, 31.5], [10.0, inf])
    """
    check_frame(responses, "responses")
    need = [csat, told_low, told_high]
    missing = [c for c in need if c not in responses.columns]
    if missing:
        raise ValueError(f"responses lacks the column(s) {missing}; expected the canonical responses table "
                         f"with {need} (and optionally {warned!r}), or pass the column names as arguments")
    c = _num(responses, csat)
    lo = _num(responses, told_low)
    hi = _num(responses, told_high)
    fin = ~np.isnan(c)
    if np.any((c[fin] < 1) | (c[fin] > 5)):
        raise ValueError(f"column {csat!r} must be satisfaction on 1-5; found values from {c[fin].min():g} "
                         f"to {c[fin].max():g}. Rescale it to 1-5 first")
    if np.any(lo[~np.isnan(lo)] < 0):
        raise ValueError(f"column {told_low!r} has negative counts; people told must be >= 0")
    both = ~np.isnan(lo) & ~np.isnan(hi)
    if np.any(hi[both] < lo[both]):
        raise ValueError(f"{int((hi[both] < lo[both]).sum())} answer(s) have {told_high!r} < {told_low!r}; "
                         "the high end of an interval must not be below its low end")
    if not (math.isfinite(open_multiplier) and open_multiplier >= 1):
        raise ValueError(f"open_multiplier must be a number >= 1, got {open_multiplier!r}")
    high_eff = np.where(np.isnan(hi), np.inf, hi)  # open answers: unbounded above
    mid = np.where(np.isinf(high_eff), lo * open_multiplier, (lo + high_eff) / 2.0)
    w = _bool(responses, warned) if warned in responses.columns else np.full(len(responses), np.nan)
    return {"csat": c, "low": lo, "high": high_eff, "mid": mid, "warned": w,
            "has_warned_col": np.array(warned in responses.columns)}




# --------------------------------------------------------------------------- pieces
def _wilson_row(id_: str, group: str, k: float, n: float, confidence: float, method: str) -> dict:
    if n > 0:
        lo, hi = wilson_ci(k, n, confidence)
        est = k / n
    else:
        est = lo = hi = math.nan
    return {"id": id_, "group": group, "estimate": est, "ci_low": lo, "ci_high": hi, "n": int(n), "method": method}


def _threshold_rows(id_: str, group: str, low: np.ndarray, high: np.ndarray, mid: np.ndarray, t: float,
                    confidence: float, what: str) -> list[dict]:
    n = low.size
    sure = float(np.sum(low > t))
    possible = float(np.sum(high > t))
    point = float(np.sum(mid > t))
    straddle = int(possible - sure)
    if n > 0:
        lo_s, _ = wilson_ci(sure, n, confidence)
        _, hi_p = wilson_ci(possible, n, confidence)
        est = point / n
    else:
        lo_s = hi_p = est = math.nan
    head = (f"share of {what} telling more than {t:g} people; midpoint rule for the estimate; CI = Wilson lower limit of "
            f"the sure count (low end > {t:g}) to Wilson upper limit of the possible count (high end > {t:g} or open); "
            + ("no answer straddles the threshold, so this is the exact Wilson interval" if straddle == 0
               else f"{straddle} answer(s) straddle {t:g}"))
    return [
        {"id": id_, "group": group, "estimate": est, "ci_low": lo_s, "ci_high": hi_p, "n": n, "method": head},
        _wilson_row(id_ + "_lower_bound", group, sure, n, confidence,
                    f"Wilson score interval; answers whose low end exceeds {t:g} (straddling answers not counted)"),
        _wilson_row(id_ + "_upper_bound", group, possible, n, confidence,
                    f"Wilson score interval; answers whose high end exceeds {t:g} or is open (straddling answers counted)"),
    ]


_MAX_CELLS = 2_000_000  # bootstrap_ci's default chunk bound, which the shared draws must follow


def _shared_boot(xs: dict[str, np.ndarray], n_resamples: int, confidence: float,
                 seed: Any) -> dict[tuple[str, str], tuple[float, float, float]] | None:
    """``bootstrap_ci(x, stat, seed=seed)`` for every x in ``xs`` and stat in mean / median, drawn once.

    With an integer seed, every one of those calls draws the same resample indices when the samples
    have the same size and take the index-resampling path of :func:`bootstrap_ci` (at most
    ``MULTINOMIAL_MIN_N`` values, or many distinct ones); then the indices are drawn once and each
    resample is gathered once for both statistics: the same numbers, a quarter of the draws. ``None``
    when that does not hold (the caller then calls :func:`bootstrap_ci` as usual).
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        return None
    arrs = {k: numeric_sample(x, "x") for k, x in xs.items()}
    sizes = {a.size for a in arrs.values()}
    if len(sizes) != 1:
        return None
    n = sizes.pop()
    if n == 0:
        return None
    check_resamples(n_resamples)
    check_confidence(confidence)
    for a in arrs.values():  # the index path of bootstrap._distribution
        if n > MULTINOMIAL_MIN_N and np.unique(a).size <= n // 2:
            return None
    fns = {stat: resolve_statistic(stat)[1] for stat in ("mean", "median")}
    n_res = int(n_resamples)
    dist = {(k, stat): np.empty(n_res) for k in arrs for stat in fns}
    rng = np.random.default_rng(seed)
    chunk = int(max(1, min(n_res, _MAX_CELLS // n)))
    for start in range(0, n_res, chunk):  # chunks of resamples
        rows = min(chunk, n_res - start)
        idx = rng.integers(0, n, size=(rows, n))
        for k, a in arrs.items():  # two samples
            xi = a[idx]
            for stat, fn in fns.items():
                dist[(k, stat)][start : start + rows] = fn(xi)
    out = {}
    for (k, stat), d in dist.items():
        lo, hi = percentile_interval(d, confidence)
        out[(k, stat)] = (float(fns[stat](arrs[k][np.newaxis, :])[0]), lo, hi)
    return out


def _boot_rows(group: str, low: np.ndarray, mid: np.ndarray, n_resamples: int, confidence: float, seed: Any,
               open_multiplier: float) -> list[dict]:
    rows = []
    boot = f"percentile bootstrap CI, {n_resamples} resamples, seed {seed}"
    shared = _shared_boot({"mid": mid, "low": low}, n_resamples, confidence, seed)
    for stat in ("mean", "median"):
        for suffix, x, how in (("", mid, f"interval midpoints, open answers at {open_multiplier:g} x low end"),
                               ("_lower_bound", low, "interval low ends (a lower bound)")):
            if shared is not None:
                est, lo, hi = shared[("mid" if x is mid else "low", stat)]
            elif x.size:
                est, lo, hi = bootstrap_ci(x, stat, n_resamples=n_resamples, confidence=confidence, seed=seed)
            else:
                est = lo = hi = math.nan
            rows.append({"id": f"wom_told_{stat}{suffix}", "group": group, "estimate": est, "ci_low": lo,
                         "ci_high": hi, "n": int(x.size), "method": f"{stat} of {how}; {boot}"})
    return rows


def _bin_index(v: np.ndarray, bins: tuple) -> np.ndarray:
    starts = np.array([b[0] for b in bins], dtype=float)
    return np.searchsorted(starts, v, side="right") - 1


# --------------------------------------------------------------------------- results
@dataclass
class WordOfMouthResult(Result):
    """Result of :func:`word_of_mouth`.

    Attributes
    ----------
    table : DataFrame
        The tidy summary (see :meth:`summary`).
    settings : dict
        The arguments used (thresholds, resamples, seed, open multiplier).
    """

    table: pd.DataFrame
    settings: dict[str, Any]
    _values: dict[str, dict[str, np.ndarray]] = field(repr=False, default_factory=dict)
    title: str = "Word of mouth after dissatisfying and satisfying experiences"

    def summary(self) -> pd.DataFrame:
        """One row per figure and group: id, group, estimate, ci_low, ci_high, n, method.

        The headline rows are ``wom_told_mean`` (midpoint estimate),
        ``wom_told_over_20``, ``share_bad_gt5`` and
        ``told_others_not_to_buy_after_bad`` of the dissatisfied group; the
        ``*_lower_bound`` rows belong beside them.
        """
        return self.table.copy()

    def get(self, id: str, group: Literal["dissatisfied", "satisfied"] = "dissatisfied") -> dict[str, Any]:
        """One summary row as a dict.

        Examples
        --------
        >>> r = word_of_mouth(pd.DataFrame({"csat": [1, 2, 5], "told_count_low": [6, 0, 1],
        ...     "told_count_high": [10, 0, 5], "warned_others": [True, False, False]}), n_resamples=50)
        >>> r.get("wom_told_mean")["estimate"]
        4.0
        """
        t = self.table
        hit = t[(t["id"] == id) & (t["group"] == group)]
        if hit.empty:
            raise KeyError(f"no figure {id!r} for group {group!r}; available ids: {sorted(t['id'].unique())}")
        return jsonable(hit.iloc[0].to_dict())

    def distribution(self, bins: tuple = TOLD_BINS) -> pd.DataFrame:
        """Counts and shares of answers per band of people told, per group.

        An answer is put in the band that contains its whole interval; an
        interval that reaches into two bands (e.g. "11-30") is counted under
        ``"spans bands"`` rather than guessed into one.

        Returns
        -------
        DataFrame
            ``group``, ``band`` (ordered categorical), ``count``, ``share``
            (of the group's answers).
        """
        labels = [b[2] for b in bins] + [SPANS]
        frames = []
        for g in GROUPS:
            v = self._values[g]
            i_lo = _bin_index(v["low"], bins)
            i_hi = _bin_index(v["high"], bins)
            i_hi = np.where(np.isinf(v["high"]), len(bins) - 1, i_hi)
            ends = np.array([b[1] for b in bins], dtype=float)
            ok = (i_lo == i_hi) & (i_lo >= 0) & (v["high"] <= ends[np.clip(i_hi, 0, len(bins) - 1)])
            idx = np.where(ok, i_lo, len(bins))
            counts = np.bincount(idx, minlength=len(labels))
            n = counts.sum()
            frames.append(pd.DataFrame({
                "group": g, "band": pd.Categorical(labels, categories=labels, ordered=True),
                "count": counts.astype("int64"),
                "share": counts / n if n else np.full(len(labels), np.nan)}))
        return pd.concat(frames, ignore_index=True)

    def answers(self, group: Literal["dissatisfied", "satisfied"] = "dissatisfied") -> pd.DataFrame:
        """The group's answers to the "how many people" item: ``low``, ``high`` (``inf`` when open), ``mid``.

        ``mid`` is the value the midpoint estimates use (open answers at
        ``open_multiplier x low``); a test of the mean against a cited figure
        uses it.

        Examples
        --------
        >>> r = word_of_mouth(pd.DataFrame({"csat": [1, 2, 5], "told_count_low": [6, 0, 1],
        ...     "told_count_high": [10, 0, 5]}), n_resamples=50)
        >>> r.answers()["mid"].tolist()
        [8.0, 0.0]
        """
        if group not in GROUPS:
            raise ValueError(f"group must be one of {list(GROUPS)}, got {group!r}")
        return pd.DataFrame({k: self._values[group][k] for k in ("low", "high", "mid")})

    def to_dict(self) -> dict[str, Any]:
        """Summary, distribution and settings, JSON-ready."""
        return {"summary": frame_records(self.table), "distribution": frame_records(self.distribution()),
                "settings": jsonable(self.settings)}

    def footnote(self) -> str:
        """How the groups are defined."""
        return (f"Dissatisfied: csat <= {self.settings['dissatisfied_max_csat']}; "
                f"satisfied: csat >= {self.settings['satisfied_min_csat']}.")

    def plot(self, ax: Any = None, cited_band: tuple[float, float] | None = None, **kwargs: Any) -> Any:
        """Histogram of people told per group (see :func:`csanalysis.plotting.plot_word_of_mouth`)."""
        from csanalysis.plotting.word_of_mouth import plot_word_of_mouth
        return plot_word_of_mouth(self, ax=ax, cited_band=cited_band, **kwargs)


#: Default multiplier of an open top band's floor ("more than 20" -> 31.5 with the floor read as 21).
OPEN_MULTIPLIER = 1.5


def word_of_mouth(
    responses: pd.DataFrame,
    *,
    dissatisfied_max_csat: float = 2,
    satisfied_min_csat: float = 4,
    n_resamples: int = 1000,
    seed: Any = 0,
    confidence: float = 0.95,
    open_multiplier: float = OPEN_MULTIPLIER,
    csat: str = "csat",
    told_low: str = "told_count_low",
    told_high: str = "told_count_high",
    warned: str = "warned_others",
) -> WordOfMouthResult:
    """Distribution of people told after dissatisfying (and satisfying) experiences.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses table: ``csat`` (1-5), ``told_count_low``,
        ``told_count_high`` (missing high = open answer such as "more than
        20"), ``warned_others`` (boolean, optional).
    dissatisfied_max_csat : float, default 2
        Respondents with ``csat`` at or below this are dissatisfied.
    satisfied_min_csat : float, default 4
        Respondents with ``csat`` at or above this are satisfied (contrast).
    n_resamples : int, default 1000
        Bootstrap resamples for means and medians.
    seed : int or None, default 0
        Bootstrap seed (fixed by default so results are reproducible).
    confidence : float, default 0.95
        Confidence level of every interval.
    open_multiplier : float, default 1.5
        An open answer ("more than 20" = ``[21, open]``) counts as this
        times its low end in the midpoint estimate. See the module notes.
    csat, told_low, told_high, warned : str
        Column names.

    Returns
    -------
    WordOfMouthResult
        ``.summary()`` has, per group, ``wom_told_mean`` (midpoint, the
        headline), ``wom_told_mean_lower_bound``, ``wom_told_median`` (+
        lower bound), ``wom_told_over_20`` (+ lower / upper bound),
        ``share_bad_any``, ``share_bad_gt5`` (+ bounds) and
        ``told_others_not_to_buy_after_bad`` (``good`` in place of ``bad``
        for the satisfied group).

    See Also
    --------
    reach_model : people reached by negative word of mouth per month.

    Examples
    --------
    >>> resp = pd.DataFrame({
    ...     "csat": [1, 1, 2, 2, 2, 5, 4],
    ...     "told_count_low": [0, 1, 6, 21, 11, 1, 0],
    ...     "told_count_high": [0, 5, 10, None, 20, 5, 0],
    ...     "warned_others": [False, True, True, True, None, False, False]})
    >>> r = word_of_mouth(resp, n_resamples=200)
    >>> r.get("wom_told_mean")["estimate"], r.get("wom_told_mean_lower_bound")["estimate"]
    (11.6, 7.8)
    >>> r.get("wom_told_over_20")["estimate"], r.get("told_others_not_to_buy_after_bad")["estimate"]
    (0.2, 0.75)
    """
    if not dissatisfied_max_csat < satisfied_min_csat:
        raise ValueError(f"dissatisfied_max_csat ({dissatisfied_max_csat}) must be below satisfied_min_csat "
                         f"({satisfied_min_csat}); the groups must not overlap")
    v = prepare_responses(responses, csat, told_low, told_high, warned, float(open_multiplier))
    has_w = bool(v["has_warned_col"])
    masks = {"dissatisfied": v["csat"] <= dissatisfied_max_csat, "satisfied": v["csat"] >= satisfied_min_csat}
    rows: list[dict] = []
    values: dict[str, dict[str, np.ndarray]] = {}
    for g, m in masks.items():
        ans = m & ~np.isnan(v["low"])
        low, high, mid = v["low"][ans], v["high"][ans], v["mid"][ans]
        values[g] = {"low": low, "high": high, "mid": mid}
        ids = _IDS[g]
        rows += _boot_rows(g, low, mid, n_resamples, confidence, seed, float(open_multiplier))
        rows += _threshold_rows("wom_told_over_20", g, low, high, mid, 20, confidence,
                                f"{g} respondents who answered (zeros included)")
        tellers = low >= 1
        rows.append(_wilson_row(ids["any"], g, float(tellers.sum()), float(low.size), confidence,
                                "Wilson score interval; told anyone = low end >= 1 (a lower bound when a range starts at 0)"))
        rows += _threshold_rows(ids["gt5"], g, low[tellers], high[tellers], mid[tellers], 5, confidence,
                                f"{g} respondents who told anyone")
        w = v["warned"][m]
        w = w[~np.isnan(w)]
        if has_w:
            rows.append(_wilson_row(ids["warned"], g, float(w.sum()), float(w.size), confidence,
                                    "Wilson score interval; respondents of the group who answered the warned-others item"))
        else:
            rows.append({"id": ids["warned"], "group": g, "estimate": math.nan, "ci_low": math.nan,
                         "ci_high": math.nan, "n": 0, "method": f"not supported: no {warned!r} column"})
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    table["n"] = table["n"].astype("int64")
    settings = {"dissatisfied_max_csat": dissatisfied_max_csat, "satisfied_min_csat": satisfied_min_csat,
                "n_resamples": int(n_resamples), "seed": seed if isinstance(seed, (int, type(None))) else str(seed),
                "confidence": confidence, "open_multiplier": float(open_multiplier)}
    return WordOfMouthResult(table=table, settings=settings, _values=values)


# --------------------------------------------------------------------------- reach
@dataclass
class ReachResult(Result):
    """Result of :func:`reach_model`: people reached by negative word of mouth."""

    table: pd.DataFrame
    settings: dict[str, Any]
    title: str = "People reached by negative word of mouth per month"

    def summary(self) -> pd.DataFrame:
        """One row per component: component, estimate, ci_low, ci_high, method."""
        return self.table.copy()

    @property
    def people_reached_per_month(self) -> float:
        t = self.table.set_index("component")
        return float(t.loc["people_reached_per_month", "estimate"])

    def to_dict(self) -> dict[str, Any]:
        return {"summary": frame_records(self.table), "settings": jsonable(self.settings)}


def _joint_means(x: np.ndarray, R: int, rng: np.random.Generator, max_cells: int = 2_000_000):
    """Bootstrap means of x and of (x > 0), the same resamples; vectorised in chunks."""
    n = x.size
    vals, counts = np.unique(x, return_counts=True)
    mx, mt = np.empty(R), np.empty(R)
    if vals.size <= 1000:  # multinomial counts over distinct values: same law as index resampling
        p = counts / n
        chunk = max(1, min(R, max_cells // vals.size))
        for s in range(0, R, chunk):
            M = rng.multinomial(n, p, size=min(chunk, R - s))
            mx[s:s + M.shape[0]] = (M @ vals) / n
            mt[s:s + M.shape[0]] = (M @ (vals > 0)) / n
        return mx, mt
    chunk = max(1, min(R, max_cells // n))
    for s in range(0, R, chunk):
        rows = min(chunk, R - s)
        xs = x[rng.integers(0, n, size=(rows, n))]
        mx[s:s + rows] = xs.mean(axis=1)
        mt[s:s + rows] = (xs > 0).mean(axis=1)
    return mx, mt


def reach_model(
    result: WordOfMouthResult,
    bad_experiences_per_month: float,
    *,
    estimator: Literal["midpoint", "lower_bound"] = "midpoint",
    rate_uncertainty: Literal["none", "poisson"] = "none",
    n_resamples: int | None = None,
    seed: Any = None,
    confidence: float | None = None,
) -> ReachResult:
    """People reached by negative word of mouth per month.

    ``reach = bad experiences per month x share of dissatisfied customers who
    tell anyone x mean people told among those who tell``. The product of the
    last two factors is the mean people told per dissatisfied respondent
    (zeros included), so ``reach = bad experiences x mean told``.

    Parameters
    ----------
    result : WordOfMouthResult
        From :func:`word_of_mouth` (its dissatisfied answers are used).
    bad_experiences_per_month : float
        Bad experiences per month (for example bad-rated tickets per month).
    estimator : {"midpoint", "lower_bound"}
        Which reading of interval answers to use (see the module notes).
    rate_uncertainty : {"none", "poisson"}
        ``"none"`` treats the monthly count as known. ``"poisson"`` treats it
        as one month's observation of a Poisson rate and propagates that
        uncertainty too.
    n_resamples, seed, confidence : optional
        Default to the settings of ``result``.

    Returns
    -------
    ReachResult
        Rows ``bad_experiences_per_month``, ``share_telling_anyone``,
        ``mean_told_among_tellers``, ``people_told_per_bad_experience``,
        ``people_reached_per_month``.

    Notes
    -----
    Uncertainty: a joint percentile bootstrap of the dissatisfied respondents
    (both factors come from the same resample, so their correlation is kept);
    with ``rate_uncertainty="poisson"`` every resample also draws the monthly
    count from Poisson(``bad_experiences_per_month``). "Tells anyone" here
    means a value above 0 under the chosen estimator, so that the two factors
    multiply to the mean exactly. The reach counts contacts, not distinct
    people (one person told by two customers counts twice), and assumes that
    survey respondents tell as much as dissatisfied customers who do not
    answer surveys.

    Examples
    --------
    >>> resp = pd.DataFrame({"csat": [1, 1, 2, 2], "told_count_low": [0, 1, 6, 11],
    ...                      "told_count_high": [0, 5, 10, 20]})
    >>> reach = reach_model(word_of_mouth(resp, n_resamples=100), 200)
    >>> round(reach.people_reached_per_month, 1)
    1325.0
    """
    if not isinstance(result, WordOfMouthResult):
        raise TypeError(f"result must be a WordOfMouthResult from word_of_mouth(), got {type(result).__name__}")
    B = float(bad_experiences_per_month)
    if not (math.isfinite(B) and B >= 0):
        raise ValueError(f"bad_experiences_per_month must be a non-negative number, got {bad_experiences_per_month!r}")
    if estimator not in ("midpoint", "lower_bound"):
        raise ValueError(f"estimator must be 'midpoint' or 'lower_bound', got {estimator!r}")
    if rate_uncertainty not in ("none", "poisson"):
        raise ValueError(f"rate_uncertainty must be 'none' or 'poisson', got {rate_uncertainty!r}")
    R = int(n_resamples if n_resamples is not None else result.settings["n_resamples"])
    conf = float(confidence if confidence is not None else result.settings["confidence"])
    seed = result.settings["seed"] if seed is None else seed
    x = result._values["dissatisfied"]["mid" if estimator == "midpoint" else "low"]
    a = (1.0 - conf) / 2.0

    def q(v: np.ndarray) -> tuple[float, float]:
        v = v[np.isfinite(v)]
        return (math.nan, math.nan) if v.size == 0 else tuple(float(t) for t in np.quantile(v, [a, 1 - a]))

    boot = f"joint percentile bootstrap of dissatisfied respondents, {R} resamples"
    if x.size == 0:
        nan = (math.nan, math.nan, math.nan)
        ests = {"share_telling_anyone": nan, "mean_told_among_tellers": nan,
                "people_told_per_bad_experience": nan, "people_reached_per_month": nan}
    else:
        rng = np.random.default_rng(seed if isinstance(seed, (int, type(None))) else None)
        mx, mt = _joint_means(x, R, rng)
        Bs = rng.poisson(B, size=R).astype(float) if rate_uncertainty == "poisson" else np.full(R, B)
        with np.errstate(divide="ignore", invalid="ignore"):
            among = np.where(mt > 0, mx / mt, np.nan)
        tell = x > 0
        ests = {
            "share_telling_anyone": (float(tell.mean()), *q(mt)),
            "mean_told_among_tellers": (float(x[tell].mean()) if tell.any() else math.nan, *q(among)),
            "people_told_per_bad_experience": (float(x.mean()), *q(mx)),
            "people_reached_per_month": (B * float(x.mean()), *q(Bs * mx)),
        }
    b_lo, b_hi = (B, B)
    if rate_uncertainty == "poisson":
        from scipy import stats

        b_lo = float(stats.chi2.ppf(a, 2 * B) / 2) if B > 0 else 0.0
        b_hi = float(stats.chi2.ppf(1 - a, 2 * (B + 1)) / 2)
    rows = [{"component": "bad_experiences_per_month", "estimate": B, "ci_low": b_lo, "ci_high": b_hi,
             "method": "given, treated as known" if rate_uncertainty == "none"
             else "one month's count as a Poisson observation; exact (Garwood) interval"}]
    how = f"{estimator} reading of interval answers; {boot}"
    for comp, (e, lo, hi) in ests.items():
        method = how + ("; x Poisson draws of the monthly count" if comp == "people_reached_per_month"
                        and rate_uncertainty == "poisson" else "")
        rows.append({"component": comp, "estimate": e, "ci_low": lo, "ci_high": hi, "method": method})
    table = pd.DataFrame(rows, columns=["component", "estimate", "ci_low", "ci_high", "method"])
    return ReachResult(table=table, settings={"estimator": estimator, "rate_uncertainty": rate_uncertainty,
                                              "n_resamples": R, "confidence": conf,
                                              "n_dissatisfied": int(x.size)})
