r"""Key drivers of CSAT, NPS, bad experiences and lost customers: relative importance and penalty-reward.

Which service attributes go with a bad experience, a low CSAT or NPS, or a
customer who buys nothing within two years? Operational measures (first-reply
and resolution minutes, reopens, handoffs) and survey items are correlated
with each other, so a regression's coefficients do not say which matters
most. :func:`key_drivers` gives every driver of every outcome an
**importance** (its share of the explained variance, summing to the model's
:math:`R^2`), a customer-level bootstrap interval, a rank, a comparison with
a driver of pure noise, and a **penalty-reward** (Kano-style) reading: does
the driver only hurt when it is bad (*basic*), only delight when it is good
(*excitement*), or both (*performance*)?

In :func:`csanalysis.analyse` the drivers are a ticket's operational
measures, for outcomes about the ticket (a bad rating, the rating score, the
survey's CSAT and NPS about it, no purchase within two years), and the
reasons a survey comment gives (0/1 each), for the same answer's bad
experience and CSAT among the answers with a comment (outcomes ``bad
(commented answers)`` and ``csat (commented answers)``): an association
between what the comment mentions and the score it was written with, not a
cause of that score.

A driver the outcome's own definition uses (the rating in a bad-experience
rule that says "rating 1-2 or reopened twice") explains it trivially: list it
in ``exclude`` and it is left out for that outcome, with a note saying so.

Method
------
**Relative weights (the default).** Johnson (2000) replaces the
:math:`p` standardized drivers :math:`X` by their closest orthonormal
counterparts :math:`Z = X R^{-1/2}`, where :math:`R` is the drivers'
correlation matrix and :math:`\Lambda = R^{1/2}` its symmetric square root
(eigen-decomposition; a singular :math:`R`, e.g. a duplicated driver, uses
the pseudo-inverse). :math:`\Lambda_{jk}` is the correlation of driver
:math:`j` with counterpart :math:`k`. The outcome is regressed on the
uncorrelated :math:`Z`, with standardized coefficients :math:`\beta =
\Lambda^{-1} r` (:math:`r` the drivers' correlations with the outcome), and
driver :math:`j`'s raw weight is :math:`\varepsilon_j = \sum_k
\Lambda_{jk}^2 \beta_k^2`. The weights are non-negative and sum to the
model's :math:`R^2` (:func:`relative_weights`).

**Binary outcomes** (bad experience, no purchase within two years): the
logistic variant of Tonidandel & LeBreton (2010). The outcome is regressed on
:math:`Z` by logistic regression (fitted by Newton-Raphson on the drivers'
orthonormal principal components, which gives the same fitted model); its
coefficients :math:`b_k` are standardized as Menard (2004) does,
:math:`\beta_k = b_k\, s_{Z_k} R_O / s_{\hat\eta}` (:math:`s_{\hat\eta}`
the standard deviation of the fitted log-odds, :math:`R_O` the correlation
of the outcome with the fitted probability), and :math:`\varepsilon_j =
\sum_k \Lambda_{jk}^2 \beta_k^2`. The weights sum to :math:`R^2_O`, the
squared correlation of outcome and fitted probability (a pseudo-:math:`R^2`).

**Shapley / LMG** (``method="lmg"``, continuous outcomes, at most
:data:`MAX_LMG_DRIVERS` drivers): driver :math:`j`'s average gain in
:math:`R^2` when it joins a subset of the other drivers, over all orders of
entry (Lindeman, Merenda & Gold 1980; Grömping 2006), from the
:math:`R^2` of all :math:`2^p` subsets, :math:`R^2_S = r_S' R_{SS}^{-1}
r_S` (:func:`lmg_weights`). Relative weights approximate LMG closely (their
ranks almost always agree) at a fraction of the cost and extend to binary
outcomes, hence the default.

**Intervals.** One customer gives several tickets and answers, and they are
alike: the customer is the sampling unit. In bootstrap replicate
:math:`b` every customer gets a Poisson(1) weight drawn from a hash of its
identifier (:func:`csanalysis.stats.bootstrap.poisson_weights`; a customer's
rows move together, and the weights do not depend on the row order), the
weighted correlation matrices (and, for binary outcomes, the weighted
logistic regression) are recomputed, and so are the importances. Intervals
are percentile intervals over the replicates. A test of "importance = 0"
means nothing for weights that cannot be negative; instead the table gives
the intervals, the **rank** (1 = largest) and ``versus_noise``: after
Tonidandel, LeBreton & Johnson (2009), a column of random normal noise is
added as one more driver, and a driver is ``above noise`` when the
percentile interval of its weight minus the noise's weight (in that
augmented model, every replicate) lies above 0.

Relative weights are biased upwards like :math:`R^2` (by about
:math:`(1-R^2)/n` per driver) and the percentile interval of a weight that is
truly 0 cannot reach 0: a weight near 0 is best read from ``versus_noise``,
not from its interval. ``validation/drivers.py`` measures the coverage and
rank agreement on planted data (``validation/drivers.md``).

**Rank stability.** Importances whose true values lie close together are
not ordered by a sample of a few hundred customers, and the ranks then
change from one sample to the next. The bootstrap shows it in the data at
hand: ``rank_stability`` is the share of the bootstrap replicates whose
importances have a Spearman rank correlation of at least
:data:`RANK_STABILITY_RHO` (0.8) with the point estimates, over the
outcome's drivers (:func:`rank_stability`). Below
:data:`RANK_STABILITY_SHARE` (90%) the outcome's ranks are *uncertain*: its
rows get the flag ``ranks_uncertain`` (:data:`RANKS_UNCERTAIN`, reason in
:data:`csanalysis.flags.FLAGS`) and the notes say so; read the intervals,
not the ranks. The diagnostic needs at least :data:`MIN_RANK_DRIVERS` (3)
drivers (with 2 a rank correlation is +1 or -1); with fewer it is empty.
The flag marks a world, not an unlucky sample: on planted data with close
importances and 500 customers it fires in about 70% of the replications,
and those it leaves unflagged reach a Spearman correlation >= 0.8 with the
population importances in 91-95% (against 85-88% over all); with 1,500
customers it seldom fires (``validation/drivers.md``).

**Penalty-reward (Kano-style).** Every driver is cut into *bad*, *neutral*
and *good*: by default the bottom and top terciles of its values at its bad
and good ends (a value's mid-rank percentile below 1/3 or above 2/3, so
ties stay together and a driver with few distinct values may have an empty
class), or at ``thresholds``. The outcome is regressed by least squares on
the two class dummies of every driver together (neutral the reference; a
linear probability model for 0/1 outcomes, so effects are in share points).
**penalty** = how much worse the outcome is when the driver is bad than when
it is neutral; **reward** = how much better it is when the driver is good;
both in the outcome's units and positive in the expected direction (a
penalty of 0.4 on CSAT: 0.4 points lower when bad; 0.06 on a bad-experience
outcome: 6 points more bad experiences when bad). The classes are fixed at
the full sample's cut points and the regression is refitted in every
bootstrap replicate. ``kano`` reads the intervals: *basic* (penalty only),
*performance* (both), *excitement* (reward only), *no effect* (neither),
*reversed* (an interval wholly below 0 and none above: the classes' order
contradicts ``higher_is_worse``), *not estimable* (a class with fewer than
:data:`MIN_CLASS_ROWS` rows).

**Direction convention.** The outcome's good direction is up for scores
(CSAT, NPS) and down for a 0/1 outcome (1 = the bad event); override with
``higher_is_better``. A driver's *bad end* is ``"high"`` when a higher value
is worse (first-reply minutes, reopens) and ``"low"`` when a lower value is
worse (a courtesy score). Give it per driver in ``higher_is_worse``; a
driver not given is read from the sign of its correlation with the outcome
(negative with a good outcome: high is bad), and the notes list which were
inferred. Importances do not depend on the direction (they are squares).

**Data.** Complete cases per outcome: rows missing the outcome or any of its
drivers are left out, and the table of fits counts them (``n``,
``n_dropped``). An outcome needs at least :data:`MIN_ROWS` complete rows, a
0/1 outcome at least :data:`MIN_EVENTS` rows of its rarer value (and is noted
as unstable below 10 per driver).

**Partitions.** Every step above is a sum, a count or an order statistic over
the rows, so the rows need not be in one place: :func:`key_drivers_from_parts`
asks partitions of them (:class:`DriversPart` each, on a Dask cluster or
anywhere else) in rounds and gives :func:`key_drivers`' result, up to the
order of floating-point sums (each customer's weights are a hash of its
identifier; the terciles' edges are exact order statistics; the noise is
drawn from the same seeded stream at each row's rank in the whole data).
:func:`key_drivers` is the same rounds with the data as its one partition.

References: Johnson, J. W. (2000), *Multivariate Behavioral Research* 35,
1-19. Tonidandel, S. & LeBreton, J. M. (2010), *Organizational Research
Methods* 13, 767-781. Tonidandel, S., LeBreton, J. M. & Johnson, J. W. (2009),
*Psychological Methods* 14, 387-399. Menard, S. (2004), *The American
Statistician* 58, 218-223. Grömping, U. (2006), *Journal of Statistical
Software* 17(1). Brandt, D. R. (1987), penalty-reward contrast analysis;
Mikulić, J. & Prebežac, D. (2011), *Managing Service Quality* 21, 46-66.
Chamandy, N. et al. (2012), Poisson bootstrap for data streams.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from math import factorial
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from csanalysis.checks import check_confidence, check_frame, check_positive_int, check_resamples
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.stats.arrays import HoldsArrays
from csanalysis.stats.bootstrap import DEFAULT_RESAMPLES, percentile_interval, poisson_weights_from_hash, unit_hash
from csanalysis.stats.clustered import as_units, hash_seed
from csanalysis.stats.passes import expit_inplace, logistic_pass, row_blocks
from csanalysis.stats.selection import order_keys, position_bits, ranks_among, select

__all__ = ["DRIVER_COLUMNS", "DRIVER_EXTRA_COLUMNS", "FIT_COLUMNS", "KANO", "MAX_LMG_DRIVERS", "METHODS",
           "MIN_CLASS_ROWS", "MIN_EVENTS", "MIN_RANK_DRIVERS", "MIN_ROWS", "RANKS_UNCERTAIN", "RANK_STABILITY_RHO",
           "RANK_STABILITY_SHARE", "TIE_TOLERANCE", "DriverResult", "DriversPart", "importance_ranks", "key_drivers",
           "key_drivers_from_parts", "lmg_weights",
           "rank_stability", "relative_weights"]

#: The contract columns of :attr:`DriverResult.table`, in this order and first.
DRIVER_COLUMNS: tuple[str, ...] = ("outcome", "driver", "importance", "ci_low", "ci_high", "n", "method", "penalty",
                                   "reward")
#: The further columns of :attr:`DriverResult.table`, after the contract columns.
DRIVER_EXTRA_COLUMNS: tuple[str, ...] = ("rank", "share", "versus_noise", "penalty_ci_low", "penalty_ci_high",
                                         "reward_ci_low", "reward_ci_high", "kano", "bad_end", "n_bad", "n_neutral",
                                         "n_good", "customers", "kind", "note", "rank_stability", "flags")
#: The columns of :attr:`DriverResult.fit` (one row per outcome).
FIT_COLUMNS: tuple[str, ...] = ("outcome", "kind", "r2", "r2_ci_low", "r2_ci_high", "n", "n_dropped", "customers",
                                "drivers", "excluded", "noise_weight", "resamples", "resamples_failed",
                                "rank_stability")
#: Values of ``kano``.
KANO: tuple[str, ...] = ("basic", "performance", "excitement", "no effect", "reversed", "not estimable")
#: importance method -> its name in the table's ``method`` column (continuous, binary outcome).
METHODS: dict[str, tuple[str, str]] = {
    "relative_weights": ("relative weights (Johnson 2000)",
                         "logistic relative weights (Tonidandel & LeBreton 2010)"),
    "lmg": ("Shapley/LMG R2 decomposition", ""),
}
#: The fewest complete rows (outcome and every driver present) an outcome needs.
MIN_ROWS = 30
#: The fewest rows a penalty-reward class (bad or good) needs; a smaller class has no effect estimate.
MIN_CLASS_ROWS = 10
#: The fewest rows with the rarer value a binary outcome needs (a logistic model of fewer events is not fitted).
MIN_EVENTS = 10
#: The most drivers ``method="lmg"`` takes (it fits all 2**p subsets in every replicate).
MAX_LMG_DRIVERS = 10
#: Rank stability: a bootstrap replicate keeps the drivers' order when the Spearman rank correlation of its
#: importances with the point estimates is at least this (the rank-recovery target of ``validation/drivers.py``).
RANK_STABILITY_RHO = 0.8
#: Rank stability: an outcome's ranks are uncertain (flag :data:`RANKS_UNCERTAIN`) when fewer than this share of
#: the bootstrap replicates keep the drivers' order (Spearman >= :data:`RANK_STABILITY_RHO`).
RANK_STABILITY_SHARE = 0.9
#: The fewest drivers the rank-stability diagnostic needs (with 2, a rank correlation is +1 or -1).
MIN_RANK_DRIVERS = 3
#: The flag code of an outcome whose importance ranks are uncertain (:data:`csanalysis.flags.FLAGS`).
RANKS_UNCERTAIN = "ranks_uncertain"

Kind = Literal["auto", "continuous", "binary"]
Method = Literal["relative_weights", "lmg"]
#: Eigenvalues below this share of the largest count as 0 (a singular correlation matrix).
_EIG_TOL = 1e-10
_LMG_HARD = 12
_RIDGE = 1e-9
#: A weak ridge penalty on the logistic coefficients of the (unit-variance) orthogonal drivers, a normal
#: prior with sd 1.4 per standard deviation: under (quasi-)separation, which a bootstrap replicate of a
#: small or lopsided sample easily shows, the maximum-likelihood fit does not exist; the penalty gives one,
#: and with hundreds of rows it moves no coefficient noticeably.
LOGIT_PENALTY = 0.5
_MAX_ITER = 50
#: Importances closer than this share of the largest one are equal (:func:`importance_ranks`): differences of
#: rounding, not of the data.
TIE_TOLERANCE = 1e-12
_STEP_TOL = 1e-9


# --------------------------------------------------------------------------- result
@dataclass(repr=False)
class DriverResult(Result):
    """Key drivers of one or several outcomes (see :func:`key_drivers`).

    Attributes
    ----------
    table : DataFrame
        One row per outcome and driver: the contract columns ``outcome,
        driver, importance, ci_low, ci_high, n, method, penalty, reward``
        first (:data:`DRIVER_COLUMNS`), then ``rank`` (1 = most important
        driver of the outcome), ``share`` (importance / R^2),
        ``versus_noise`` (``"above noise"`` / ``"not above noise"``, empty
        when not computed), ``penalty_ci_low``, ``penalty_ci_high``,
        ``reward_ci_low``, ``reward_ci_high``, ``kano`` (:data:`KANO`),
        ``bad_end`` (``"high"`` / ``"low"``), ``n_bad``, ``n_neutral``,
        ``n_good`` (rows per penalty-reward class), ``customers``, ``kind``,
        ``note``, ``rank_stability`` (the outcome's, see :func:`rank_stability`;
        NaN with fewer than :data:`MIN_RANK_DRIVERS` drivers) and ``flags``
        (a list of codes: ``["ranks_uncertain"]`` on the outcome's rows when
        its rank stability is below :data:`RANK_STABILITY_SHARE`, else
        empty). A driver left out for an outcome (``exclude``) keeps its row
        with no estimates, no flags and the reason in ``note``. Outcomes in
        the order given, drivers by rank.
    fit : DataFrame
        One row per outcome (:data:`FIT_COLUMNS`): ``kind``, the model's
        ``r2`` (R^2_O for binary outcomes) with its interval, ``n`` complete
        rows used, ``n_dropped`` rows left out for a missing value,
        ``customers``, ``drivers`` used, ``excluded`` (text), the noise
        driver's weight, the replicates and how many failed (a logistic
        fit that did not converge), and ``rank_stability``.
    confidence : float
    n_resamples : int
    seed : int
    method : str
        The method in words.
    notes : list of str
        Drivers left out, rows dropped, directions inferred, uncertain ranks, and other remarks.
    """

    table: pd.DataFrame
    fit: pd.DataFrame
    confidence: float
    n_resamples: int
    seed: int
    method: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:  # type: ignore[override]
        outs = ", ".join(dict.fromkeys(self.table["outcome"].astype("str"))) or "outcomes"
        return f"Key drivers of {outs}: importance with customer-bootstrap intervals, penalty and reward"

    def __repr__(self) -> str:
        parts = [f"{r.outcome} ({int(r.drivers)} drivers, R2 {r.r2:.3f}, n {int(r.n)})" for r in self.fit.itertuples()]
        return f"<DriverResult: {'; '.join(parts)}>"

    def summary(self) -> pd.DataFrame:
        """The table (a copy; the ``flags`` lists copied too)."""
        t = self.table.copy()
        if "flags" in t.columns:
            t["flags"] = [list(v) if isinstance(v, (list, tuple)) else [] for v in t["flags"]]
        return t

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"drivers": [records], "fit": [records], "method", "notes", ...}`` (NaN -> None)."""
        return jsonable({
            "drivers": frame_records(self.table), "fit": frame_records(self.fit), "confidence": self.confidence,
            "n_resamples": self.n_resamples, "seed": self.seed, "method": self.method, "notes": list(self.notes),
        })

    def plot(self, ax: Any = None, outcome: str | None = None) -> Any:
        """Importance per driver with intervals (see :func:`csanalysis.plotting.plot_drivers`)."""
        from csanalysis.plotting.findings import plot_drivers
        return plot_drivers(self, ax=ax, outcome=outcome)

    def footnote(self) -> str:
        """The intervals and the reading of penalty and reward in brief."""
        return (f"{self.confidence:.0%} percentile intervals from {self.n_resamples} customer-level bootstrap "
                "replicates; importances sum to the model's R2; penalty / reward: how much worse (better) the "
                "outcome is when the driver is in its bad (good) tercile than when neutral, in the outcome's units.")


# --------------------------------------------------------------------------- public building blocks
def importance_ranks(importance: Any) -> np.ndarray:
    """Ranks of importances, 1 the largest; importances within :data:`TIE_TOLERANCE` of the largest's size of each
    other tie (``"min"`` ranks: 1, 2, 2, 4).

    Two drivers of equal importance in the data (identical columns, or a symmetry of the design) get their
    values from sums whose rounding depends on the order of the rows and on the matrix library's threads;
    ranking them by that last digit would order them differently on another machine or engine.

    >>> importance_ranks([0.3, 0.1, 0.1 + 1e-17, 0.2]).tolist()
    [1, 3, 3, 2]
    """
    v = -np.asarray(importance, dtype=float)
    order = np.argsort(v, kind="stable")
    s = v[order]
    scale = float(np.max(np.abs(s))) if len(s) and np.all(np.isfinite(s)) else 0.0
    if not scale > 0:
        return stats.rankdata(v, method="min").astype(int)
    new = np.r_[True, np.diff(s) > TIE_TOLERANCE * scale]
    first = np.flatnonzero(new)  # the first position of each group of equal importances
    ranks = np.empty(len(v), dtype=int)
    ranks[order] = first[np.cumsum(new) - 1] + 1
    return ranks


def _tied_ranks(V: np.ndarray) -> np.ndarray:
    """Ranks within each row of ``V`` (finite), 1 the smallest, values within :data:`TIE_TOLERANCE` of the row's
    largest size of each other tied at their mean rank (as :func:`importance_ranks` ties them): drivers equal
    in the data rank alike whatever the rounding of their sums.

    >>> _tied_ranks(np.array([[0.3, 0.1, 0.1 + 1e-17, 0.2]])).tolist()
    [[4.0, 1.5, 1.5, 3.0]]
    """
    B, p = V.shape
    order = np.argsort(V, axis=1, kind="stable")
    s = np.take_along_axis(V, order, axis=1)
    scale = np.max(np.abs(s), axis=1, keepdims=True) if p else np.zeros((B, 1))
    new = np.concatenate([np.ones((B, 1), dtype=bool), np.diff(s, axis=1) > TIE_TOLERANCE * scale], axis=1)
    group = np.cumsum(new, axis=1) - 1 + (np.arange(B) * p)[:, None]  # each row's groups numbered apart
    pos = np.tile(np.arange(1.0, p + 1.0), B)
    mean = np.bincount(group.ravel(), weights=pos, minlength=B * p) / np.maximum(
        np.bincount(group.ravel(), minlength=B * p), 1)
    out = np.empty((B, p))
    np.put_along_axis(out, order, mean[group], axis=1)
    return out


def _sym_sqrt(R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric square root of (stacked) symmetric positive semi-definite matrices, and its pseudo-inverse."""
    ev, V = np.linalg.eigh(R)
    top = np.max(ev, axis=-1, keepdims=True)
    keep = ev > _EIG_TOL * np.where(top > 0, top, 1.0)
    s = np.where(keep, np.sqrt(np.where(keep, ev, 1.0)), 0.0)
    si = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0)
    Vt = np.swapaxes(V, -1, -2)
    return (V * s[..., None, :]) @ Vt, (V * si[..., None, :]) @ Vt


def _check_corr(corr: Any, r: Any) -> tuple[np.ndarray, np.ndarray]:
    R = np.asarray(corr, dtype=float)
    rr = np.asarray(r, dtype=float)
    if R.ndim < 2 or R.shape[-1] != R.shape[-2]:
        raise ValueError(f"`corr` must be a square correlation matrix (or a stack of them), got shape {R.shape}")
    if rr.shape[-1] != R.shape[-1]:
        raise ValueError(f"`r` must hold one correlation per driver ({R.shape[-1]}), got shape {rr.shape}")
    return R, rr


def relative_weights(corr: Any, r: Any) -> np.ndarray:
    """Johnson's (2000) relative weights from the drivers' correlations.

    Parameters
    ----------
    corr : array, shape (..., p, p)
        The drivers' correlation matrix (or a stack of them).
    r : array, shape (..., p)
        The drivers' correlations with the outcome.

    Returns
    -------
    ndarray, shape (..., p)
        Raw weights: non-negative, summing to the model's R^2. A singular
        ``corr`` (a driver that is a linear combination of others) uses the
        pseudo-inverse of its square root.

    Examples
    --------
    Uncorrelated drivers: each weight is the squared correlation.

    >>> relative_weights(np.eye(2), [0.3, 0.4]).round(3).tolist()
    [0.09, 0.16]

    Correlated drivers share the credit; the weights sum to R^2 = r' R^-1 r.

    >>> R = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])
    >>> r = np.array([0.5, 0.4, 0.1])
    >>> w = relative_weights(R, r)
    >>> w.round(4).tolist(), round(float(w.sum()), 4), round(float(r @ np.linalg.solve(R, r)), 4)
    ([0.1781, 0.0922, 0.0086], 0.279, 0.279)
    """
    R, rr = _check_corr(corr, r)
    L, Linv = _sym_sqrt(R)
    beta = np.einsum("...jk,...k->...j", Linv, rr)
    return np.einsum("...jk,...k->...j", L * L, beta * beta)


def rank_stability(point: Any, replicates: Any, threshold: float = RANK_STABILITY_RHO) -> float:
    """Share of bootstrap replicates that order the drivers like the point estimates.

    Parameters
    ----------
    point : array, shape (p,)
        The importances of the data (replicate 0).
    replicates : array, shape (B, p)
        The importances of the bootstrap replicates; a replicate with a
        missing value (a fit that failed) is left out.
    threshold : float, default :data:`RANK_STABILITY_RHO`
        The Spearman rank correlation a replicate needs.

    Returns
    -------
    float
        The share of the replicates whose Spearman rank correlation with
        ``point`` (Pearson correlation of the ranks, ties at their mean rank)
        is at least ``threshold``; NaN with fewer than
        :data:`MIN_RANK_DRIVERS` drivers, no usable replicate, or every
        point estimate tied. A replicate whose importances are all tied
        counts as not keeping the order.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> apart = np.array([0.20, 0.10, 0.05, 0.01])
    >>> rank_stability(apart, apart + rng.normal(0, 0.005, (200, 4)))
    1.0
    >>> close = np.array([0.050, 0.048, 0.046, 0.044])
    >>> float(rank_stability(close, close + rng.normal(0, 0.005, (200, 4)))) < 0.9
    True
    """
    pt = np.asarray(point, dtype=float)
    if pt.ndim != 1 or pt.size < MIN_RANK_DRIVERS or not np.all(np.isfinite(pt)):
        return float("nan")
    B = np.asarray(replicates, dtype=float).reshape(-1, pt.size)
    B = B[np.all(np.isfinite(B), axis=1)]
    rp = _tied_ranks(pt[None, :])[0]
    rp = rp - rp.mean()
    if not len(B) or not np.any(rp):
        return float("nan")
    rb = _tied_ranks(B)
    rb -= rb.mean(axis=1, keepdims=True)
    den = np.sqrt(np.sum(rb * rb, axis=1) * np.sum(rp * rp))
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (rb @ rp) / den
    # a small tolerance: a correlation of exactly `threshold` (e.g. 0.8 with 5 drivers) counts as reached
    return float(np.mean(np.nan_to_num(rho, nan=-1.0) >= threshold - 1e-9))


def _subset_r2(R: np.ndarray, r: np.ndarray, max_cells: int = 2_000_000) -> np.ndarray:
    """R^2 of every subset of the drivers (bit mask -> column), for a stack (b, p, p) of correlation matrices."""
    b, p = r.shape
    out = np.zeros((b, 2 ** p))
    eye = np.eye(p)
    for k in range(1, p + 1):
        combo = np.array(list(combinations(range(p), k)), dtype=np.int64)  # (C, k)
        masks = (np.int64(1) << combo).sum(axis=1)
        chunk = max(1, max_cells // max(1, len(combo) * k * k))
        for s in range(0, b, chunk):
            Rs = R[s:s + chunk][:, combo[:, :, None], combo[:, None, :]] + _RIDGE * eye[:k, :k]
            rs = r[s:s + chunk][:, combo]
            sol = np.linalg.solve(Rs, rs[..., None])[..., 0]
            out[s:s + chunk, masks] = np.sum(rs * sol, axis=-1)
    return out


def lmg_weights(corr: Any, r: Any) -> np.ndarray:
    """Shapley / LMG decomposition of R^2 (Lindeman, Merenda & Gold 1980), exact over all subsets.

    Parameters
    ----------
    corr : array, shape (..., p, p)
        The drivers' correlation matrix (or a stack); at most 12 drivers.
    r : array, shape (..., p)
        The drivers' correlations with the outcome.

    Returns
    -------
    ndarray, shape (..., p)
        Each driver's R^2 gain averaged over all orders of entry; the values
        sum to the full model's R^2.

    Examples
    --------
    >>> R = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])
    >>> lmg_weights(R, [0.5, 0.4, 0.1]).round(4).tolist()    # relative weights: [0.1781, 0.0922, 0.0086]
    [0.1766, 0.0919, 0.0105]
    >>> w = lmg_weights(np.eye(3), [0.3, 0.2, 0.1])
    >>> w.round(3).tolist()
    [0.09, 0.04, 0.01]
    """
    R, rr = _check_corr(corr, r)
    p = R.shape[-1]
    if p > _LMG_HARD:
        raise ValueError(f"LMG fits all 2**p subsets; {p} drivers are too many (at most {_LMG_HARD}); "
                         "use relative_weights, which approximates it closely")
    lead = rr.shape[:-1]
    Rf = np.broadcast_to(R, lead + (p, p)).reshape(-1, p, p) if lead else R.reshape(1, p, p)
    r2 = _subset_r2(Rf, rr.reshape(-1, p))
    masks = np.arange(2 ** p, dtype=np.int64)
    size = np.array([bin(m).count("1") for m in masks])
    wsize = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) if s < p else 0.0 for s in range(p + 1)])
    out = np.empty((r2.shape[0], p))
    for j in range(p):
        bit = np.int64(1) << j
        S = masks[(masks & bit) == 0]
        out[:, j] = (r2[:, S | bit] - r2[:, S]) @ wsize[size[S]]
    return out.reshape(lead + (p,))


# --------------------------------------------------------------------------- bootstrap engines
def _weighted_moments(V: np.ndarray, codes: np.ndarray, weights: Any, n_rep: int,
                      max_cells: int, flags: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted sums of 1, v and v v' per replicate, every customer's rows carrying the customer's weight.

    ``weights(customer_codes)`` returns the (n_rep, len(codes)) weights of those customers. The rows are
    summed per customer first (a replicate's sums are then one matrix product), in chunks of customers.
    ``flags`` (n, m) booleans: more columns of v after ``V``'s, as 0/1 (kept as booleans, made numbers a chunk
    at a time).
    """
    n, q = V.shape[0], V.shape[1] + (0 if flags is None else flags.shape[1])
    iu0, iu1 = np.triu_indices(q)
    k = 1 + q + len(iu0)
    if not n:  # (a partition without the outcome's rows)
        return np.zeros(n_rep), np.zeros((n_rep, q)), np.zeros((n_rep, q, q))
    order = np.argsort(codes, kind="stable")
    cs = codes[order]
    starts = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]])
    ends = np.r_[starts[1:], n]
    cust = cs[starts]
    G = len(starts)
    acc = np.zeros((n_rep, k))
    rows_cap = max(1, max_cells // k)
    cust_cap = max(1, max_cells // max(1, n_rep))
    g0 = 0
    while g0 < G:
        g1 = int(np.searchsorted(ends, starts[g0] + rows_cap, side="right"))
        g1 = min(max(g1, g0 + 1), g0 + cust_cap)
        r0, r1 = starts[g0], ends[g1 - 1]
        Vc = V[order[r0:r1]]
        if flags is not None:
            Vc = np.concatenate([Vc, flags[order[r0:r1]].astype(np.float64)], axis=1)
        F = np.empty((r1 - r0, k))
        F[:, 0] = 1.0
        F[:, 1:1 + q] = Vc
        F[:, 1 + q:] = Vc[:, iu0] * Vc[:, iu1]
        M = np.add.reduceat(F, starts[g0:g1] - r0, axis=0)
        acc += weights(cust[g0:g1]) @ M
        g0 = g1
    S2 = np.empty((n_rep, q, q))
    S2[:, iu0, iu1] = acc[:, 1 + q:]
    S2[:, iu1, iu0] = acc[:, 1 + q:]
    return acc[:, 0], acc[:, 1:1 + q], S2


def _covariances(S0: np.ndarray, S1: np.ndarray, S2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means and covariance matrices from the sums."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = S1 / S0[:, None]
        cov = S2 / S0[:, None, None] - mean[:, :, None] * mean[:, None, :]
    return mean, cov


def _corr(cov: np.ndarray, idx: np.ndarray, target: int) -> tuple[np.ndarray, np.ndarray]:
    """Correlation matrix of columns ``idx`` and their correlations with column ``target``."""
    C = cov[:, idx[:, None], idx[None, :]]
    sd = np.sqrt(np.clip(np.diagonal(C, axis1=1, axis2=2), 0.0, None))
    sy = np.sqrt(np.clip(cov[:, target, target], 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        R = C / (sd[:, :, None] * sd[:, None, :])
        r = cov[:, idx, target] / (sd * sy[:, None])
    return R, r


def _irls(passes: Callable[..., tuple[np.ndarray, np.ndarray | None]], k: int, reps: np.ndarray, g: np.ndarray,
          hessian0: np.ndarray | None = None) -> np.ndarray:
    """Weighted ridge-penalised logistic regressions (one per replicate of ``reps``, :data:`LOGIT_PENALTY`) by
    Newton-Raphson from ``g``; NaN rows did not converge.

    ``passes(coef, fits, hessian, width)`` makes one pass over the rows (every partition's, added up) and returns
    the scores and, when ``hessian``, the Hessians (without sign or penalty) of the replicates ``fits`` at
    ``coef`` (:func:`~csanalysis.stats.passes.logistic_pass`: each block's weights drawn when it is read, its
    scores and Hessians added for all replicates at once; ``width`` the cells per row of the pass's blocks). A
    Newton step of every replicate still being fitted is one such pass: no replicate's weights are held for all
    rows, and the cost grows linearly with the rows. ``hessian0`` (k x k, without the penalty), when given,
    stands for every fit's Hessian in the first step (the chord method: the full-data fit's, from which a
    bootstrap replicate differs little), which saves that step's pair products; the later steps are Newton's,
    and the root is the same. The steps are taken here, from the summed scores and Hessians: the fits are
    the same whatever the partition of the rows (up to the order of the sums).
    """
    g = g.copy()
    active = np.ones(len(reps), dtype=bool)
    failed = np.zeros(len(reps), dtype=bool)
    eye = np.eye(k)
    pen = np.full(k, LOGIT_PENALTY)
    pen[0] = 0.0  # the intercept is not penalised
    width = max(len(reps), k * (k + 1) // 2)  # replicates' and pair products' cells
    for it in range(_MAX_ITER):
        idx = np.flatnonzero(active)
        if not idx.size:
            break
        ga = g[idx]
        first = it == 0 and hessian0 is not None
        grad, H = passes(ga, reps[idx], not first, width)
        H = (np.broadcast_to(hessian0, (len(idx), k, k)) if first else H) + np.diag(pen)
        grad -= ga * pen
        scale = np.maximum(np.trace(H, axis1=1, axis2=2), 1.0)[:, None, None]
        try:
            step = np.linalg.solve(H + _RIDGE * scale * eye, grad[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = np.full_like(grad, np.nan)
        g[idx] += step
        size = np.max(np.abs(step), axis=1)
        bad = ~np.isfinite(size) | (np.max(np.abs(g[idx]), axis=1) > 50.0)
        failed[idx[bad]] = True
        active[idx[bad | (size < _STEP_TOL)]] = False
    failed |= active
    g[failed] = np.nan
    return g


def _gram(V: np.ndarray, cols: list[int], max_cells: int) -> np.ndarray:
    """The Gram matrix of the columns ``cols`` of ``V`` (a sum over the rows, in any order: partitions add up)."""
    cols = np.asarray(cols)
    if not (len(cols) and np.array_equal(cols, np.arange(cols[0], cols[0] + len(cols)))):
        raise ValueError("the design's columns must be a run of V's columns")
    at = slice(int(cols[0]), int(cols[0]) + len(cols))
    blocks = row_blocks(len(V), len(cols), max_cells)
    gram = np.zeros((len(cols), len(cols)))
    for a in blocks:
        B = V[a:a + blocks.step, at]
        gram += B.T @ B
    return gram


def _component_map(gram: np.ndarray, n: int) -> np.ndarray:
    """``T``, mapping standardized drivers to their principal components of unit variance (components = drivers @ T),
    from the drivers' Gram matrix over ``n`` rows; components of no variance are left out."""
    ev, E = np.linalg.eigh(gram / n)
    keep = ev > _EIG_TOL * max(float(ev.max()), 1e-300)
    return E[:, keep] / np.sqrt(ev[keep])


class _Components:
    """The logistic fits' design, made a block of rows at a time and never held whole: an intercept's ones and
    the principal components (``T``, :func:`_component_map`) of the standardized drivers ``V[:, cols]``, rows in
    ``order``.

    A block of a pass (:func:`~csanalysis.stats.passes.logistic_pass`, ``design[rows]``) is read from ``V`` as the
    pass reaches it, a small product beside the pass's replicates x rows work; the fit holds no copy of the rows
    besides ``V`` (at 15M rows and 6 drivers, the components, the drivers in ``order`` and the design held whole
    were 2 GB more on the worker fitting the outcome).
    """

    def __init__(self, V: np.ndarray, cols: list[int], order: np.ndarray, T: np.ndarray) -> None:
        self.V, self.order, self.T = V, order, T
        self.cols = slice(int(cols[0]), int(cols[0]) + len(cols))
        self.shape = (len(order), 1 + T.shape[1])

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: slice) -> np.ndarray:
        idx = self.order[rows]
        out = np.empty((len(idx), self.shape[1]))
        out[:, 0] = 1.0
        np.matmul(self.V[idx, self.cols], self.T, out=out[:, 1:])
        return out

    def __matmul__(self, g: np.ndarray) -> np.ndarray:
        blocks = row_blocks(self.shape[0], self.shape[1])
        return np.concatenate([self[a:a + blocks.step] @ g for a in blocks]) if len(self) else np.empty(0)


def _logistic_weights(each: Callable[..., list[Any]], name: str, cols: np.ndarray, n: int, y_mean: float,
                      n_rep: int, R: np.ndarray, sd: np.ndarray, max_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Logistic relative weights (n_rep, p) and R^2_O (n_rep,) of the outcome ``name`` for the replicates 0 ..
    ``n_rep`` - 1 (0: every weight 1), asked of the partitions (:class:`DriversPart`) in rounds.

    The drivers are the standardized columns ``cols`` of each partition's complete rows (``n`` in all, the
    outcome's mean ``y_mean``). ``R`` and ``sd`` are the drivers' weighted correlation matrices and standard
    deviations in the same replicates, from the moments. Every round is a sum over the rows (the components'
    Gram matrix, each Newton step's scores and Hessians, the centres and the moments of the fitted values), so
    the weights are the same whatever the partition of the rows.
    """
    cols = [int(c) for c in cols]
    T = _component_map(np.sum(each("gram", name=name, cols=cols, max_cells=max_cells), axis=0), n)
    k = 1 + T.shape[1]

    def passes(coef: np.ndarray, fits: np.ndarray, hessian: bool, width: int) -> tuple[np.ndarray, Any]:
        got = each("logistic_pass", name=name, cols=cols, T=T, coef=coef, reps=fits, hessian=hessian, width=width,
                   max_cells=max_cells)
        return (np.sum([s for s, _ in got], axis=0),
                np.sum([h for _, h in got], axis=0) if hessian else None)

    ybar = float(np.clip(y_mean, 1e-6, 1 - 1e-6))
    start = np.zeros(k)
    start[0] = special.logit(ybar)
    reps = np.arange(n_rep)
    g_point = _irls(passes, k, reps[:1], start[None, :])[0]
    if not np.all(np.isfinite(g_point)):
        g_point = start
    H0 = passes(g_point[None, :], reps[:1], True, k * (k + 1) // 2)[1][0]
    g = _irls(passes, k, reps, np.tile(g_point, (n_rep, 1)), hessian0=H0)
    ok = np.all(np.isfinite(g), axis=1)
    gz = np.where(ok[:, None], g, 0.0)
    # weighted moments of the linear predictor, the fitted probability and the outcome in one pass over the
    # rows, each shifted by its full-sample mean (so the variances do not lose digits to cancellation)
    c_eta, c_mu, c_y = np.sum(each("centres", name=name, cols=cols, T=T, coef=g_point), axis=0) / n
    sums = np.sum(each("fitted_moments", name=name, cols=cols, T=T, coef=gz, centres=(c_eta, c_mu, c_y),
                       max_cells=max_cells), axis=0)
    sw, sy, syy, sm, smy, smm, se, see = sums
    with np.errstate(divide="ignore", invalid="ignore"):
        m_y, m_mu, e_mean = sy / sw, sm / sw, se / sw
        v_eta = np.clip(see / sw - e_mean ** 2, 0.0, None)
        v_mu = smm / sw - m_mu ** 2
        v_y = syy / sw - m_y ** 2
        cov = smy / sw - m_mu * m_y
        r_o = np.where(ok, cov / np.sqrt(v_mu * v_y), np.nan)
        sd_eta = np.where(ok, np.sqrt(v_eta), np.nan)
    c = np.where(ok[:, None], g[:, 1:] @ T.T, np.nan)
    L, _ = _sym_sqrt(np.nan_to_num(R))
    ct = c * sd  # coefficients per weighted standard deviation of the drivers
    bz = np.einsum("bjk,bk->bj", L, ct)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = bz * (r_o / sd_eta)[:, None]
    w = np.einsum("bjk,bk->bj", L * L, beta * beta)
    bad = ~np.all(np.isfinite(R), axis=(1, 2))
    w[bad] = np.nan
    return w, r_o ** 2


# --------------------------------------------------------------------------- checks
def _numeric(s: pd.Series, col: str, role: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        raise ValueError(f"{role} {col!r} holds durations (timedelta); give it as a number, e.g. minutes: "
                         f"data[{col!r}].dt.total_seconds() / 60")
    if not pd.api.types.is_numeric_dtype(s.dtype):
        raise ValueError(f"{role} {col!r} must be numeric (minutes, counts, scores or 0/1), but it has dtype "
                         f"{s.dtype}; convert it first, e.g. pd.to_numeric(data[{col!r}], errors='coerce')")
    x = s.to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isfinite(x), x, np.nan)


def _per_outcome(value: Any, outcomes: list[str], name: str, default: Any = None) -> dict[str, Any]:
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in outcomes]
        if unknown:
            raise ValueError(f"`{name}` names {unknown}, which are not among the outcomes {outcomes}")
        return {o: value.get(o, default) for o in outcomes}
    return {o: value for o in outcomes}


def _exclusions(exclude: Any, outcomes: list[str]) -> dict[str, list[str]]:
    if exclude is None:
        return {o: [] for o in outcomes}
    if isinstance(exclude, str):
        return {o: [exclude] for o in outcomes}
    if isinstance(exclude, Mapping):
        out = _per_outcome(exclude, outcomes, "exclude")
        return {o: ([v] if isinstance(v, str) else list(v or [])) for o, v in out.items()}
    return {o: list(exclude) for o in outcomes}


def _directions(higher_is_worse: Any, drivers: list[str]) -> dict[str, bool]:
    if higher_is_worse is None:
        return {}
    if isinstance(higher_is_worse, str):
        higher_is_worse = [higher_is_worse]
    given = dict(higher_is_worse) if isinstance(higher_is_worse, Mapping) else {d: True for d in higher_is_worse}
    unknown = [d for d in given if d not in drivers]
    if unknown:
        raise ValueError(f"`higher_is_worse` names {unknown}, which are not among the drivers {drivers}")
    return {d: bool(v) for d, v in given.items()}


def _cut_points(thresholds: Any, drivers: list[str]) -> dict[str, tuple[float, float]]:
    if thresholds is None:
        return {}
    if not isinstance(thresholds, Mapping):
        raise ValueError("`thresholds` must map a driver to (bad_at, good_at), e.g. {'first_reply_min': (240, 30)}")
    out = {}
    for d, v in thresholds.items():
        if d not in drivers:
            raise ValueError(f"`thresholds` names {d!r}, which is not among the drivers {drivers}")
        try:
            a, b = (float(t) for t in v)
        except (TypeError, ValueError):
            raise ValueError(f"`thresholds[{d!r}]` must be two numbers (bad_at, good_at), but {v!r} was passed") \
                from None
        out[d] = (a, b)
    return out


# --------------------------------------------------------------------------- one partition's rows
def _noise_at(seed: int, ranks: np.ndarray, step: int = 1 << 20) -> np.ndarray:
    """``np.random.default_rng(seed).standard_normal(n)[ranks]``, the stream drawn ``step`` values at a time up to
    the largest rank and never held whole (numpy's generators give one stream whatever the chunks it is drawn
    in: ``tests/test_drivers_parts.py`` checks it)."""
    out = np.empty(len(ranks))
    if not len(ranks):
        return out
    order = np.argsort(ranks, kind="stable")
    sr = np.asarray(ranks, dtype=np.int64)[order]
    rng = np.random.default_rng(seed)
    start, i, end = 0, 0, int(sr[-1]) + 1
    while start < end:
        size = min(step, end - start)
        chunk = rng.standard_normal(size)
        j = int(np.searchsorted(sr, start + size, side="left"))
        out[order[i:j]] = chunk[sr[i:j] - start]
        i, start = j, start + size
    return out


class _SortedColumns:
    """Each of some columns' values sorted (as :func:`~csanalysis.stats.selection.order_keys`), answering
    :func:`~csanalysis.stats.selection.select`'s counts per column (its group): one sorted copy a column, not
    the stacked values, their groups and a sort of them all."""

    def __init__(self, columns: list[np.ndarray]) -> None:
        self.keys = []
        for z in columns:
            k = order_keys(z)
            k.sort()
            self.keys.append(k)

    def at_most(self, groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, dtype=np.uint64)
        return np.array([np.searchsorted(self.keys[g], keys[i], side="right")
                         for i, g in enumerate(np.asarray(groups, dtype=np.int64))],  # a loop over queries
                        dtype=np.int64).reshape(keys.shape)

    def between(self, groups: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> list[np.ndarray]:
        out = []
        for g, a, b in zip(np.asarray(groups, dtype=np.int64), np.asarray(lo, dtype=np.uint64),
                           np.asarray(hi, dtype=np.uint64)):
            seg = self.keys[g]
            out.append(seg[np.searchsorted(seg, a, side="left"):np.searchsorted(seg, b, side="right")])
        return out


def _places(p: int, versus_noise: bool) -> tuple[int, int]:
    """Where the moments' columns put the noise (-1: none) and the outcome, after ``p`` drivers."""
    return (p if versus_noise else -1), p + (1 if versus_noise else 0)


class _Fit:
    """One outcome's complete rows in a partition, as its rounds leave them (:class:`DriversPart`)."""

    ok: np.ndarray
    V: np.ndarray
    y: np.ndarray
    p: int
    i_noise: int
    i_y: int
    sorted: _SortedColumns | None = None
    bad: np.ndarray | None = None
    good: np.ndarray | None = None
    inv: np.ndarray | None = None
    h: np.ndarray | None = None
    by_unit: np.ndarray | None = None
    h_rows: np.ndarray | None = None
    y_unit: np.ndarray | None = None

    def row_weights(self, reps: np.ndarray, rows: slice) -> np.ndarray:
        """The weights (len(reps), rows) of replicates ``reps`` (0: the data themselves, every weight 1; r > 0 the
        Poisson bootstrap's r - 1) on a block of the rows in their units' order."""
        hr = self.h_rows[rows]
        boot = reps > 0
        if boot.all():
            return poisson_weights_from_hash(hr, reps - 1)
        w = np.ones((len(reps), len(hr)), dtype=np.uint8)
        if boot.any():
            w[boot] = poisson_weights_from_hash(hr, reps[boot] - 1)
        return w


class DriversPart(HoldsArrays):
    """One partition's rows for :func:`key_drivers_from_parts` (the whole data for :func:`key_drivers`): the
    drivers' and outcomes' numbers, the sampling units and each row's number in the whole data, answering each
    outcome's rounds where the rows are.

    Every round returns sums, counts or order statistics' counts over the partition's rows (a few kB to a few
    MB: the moments are replicates x columns^2), never rows. A sampling unit's rows may sit in several
    partitions (each unit's bootstrap weight is a hash of its identifier, so every weighted sum adds up
    whatever the partition), but the count of ``customers`` adds up only when each unit is in one.

    Parameters
    ----------
    data : DataFrame
        The partition's rows: the outcome and driver columns (numbers or booleans) and ``customer``.
    outcomes, drivers : list of str
    customer : str, optional
        The sampling unit's column; None: every row its own unit.
    rows : array of int, optional
        Each row's number in the whole data: distinct over all partitions and increasing in the data's order
        (positions in a larger table will do: only their order counts). Their ranks order the noise driver's
        draws and name the units of rows without one. Default 0 .. len(data) - 1.
    """

    def __init__(self, data: pd.DataFrame, outcomes: list[str], drivers: list[str], customer: str | None = None,
                 rows: np.ndarray | None = None) -> None:
        p = len(drivers)
        self.X = np.empty((len(data), p))
        for j, d in enumerate(drivers):  # (a column at a time)
            self.X[:, j] = _numeric(data[d], d, "driver")
        self.ys = {o: _numeric(data[o], o, "outcome") for o in outcomes}
        self.rows = (np.arange(len(data), dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64))
        if len(self.rows) != len(data):
            raise ValueError(f"`rows` has {len(self.rows)} numbers for {len(data)} rows")
        self.unit = None if customer is None else data[customer].reset_index(drop=True)
        self.codes = self.hashes = None
        self._fits: dict[str, _Fit] = {}

    # ---- the sampling units (once)
    def size(self) -> dict[str, int]:
        """Rows, rows without a sampling unit, and the end of the rows' numbers."""
        missing = len(self.rows) if self.unit is None else int(self.unit.isna().sum())
        return {"rows": len(self.rows), "missing": missing,
                "end": int(self.rows.max()) + 1 if len(self.rows) else 0}

    def row_bits(self, size: int, name: str | None = None) -> np.ndarray:
        """The rows' numbers (the outcome ``name``'s complete rows') as bits (:func:`~csanalysis.stats.selection.
        position_bits`)."""
        return position_bits(self.rows if name is None else self.rows[self._fits[name].ok], size)

    def units(self, seed: int, bits: np.ndarray | None = None) -> int:
        """Code the sampling units and hash them with ``seed`` (a row without one is the unit ``"\\x00row:<i>"``,
        ``i`` its rank among every partition's rows, ``bits``); the units' number."""
        numbers = None if bits is None else ranks_among(bits, self.rows)
        u = as_units(self.unit, n=len(self.rows), rows=numbers)
        self.codes, self.hashes, self.unit = u.codes, unit_hash(u.ids, seed), None
        return len(u.ids)

    # ---- one outcome's rounds
    def complete(self, name: str, used: list[int], versus_noise: bool) -> dict[str, Any]:
        """Keep the outcome's complete rows (its value and every driver of ``used``) as the moments' columns
        (the drivers raw, then the noise's and the outcome's places); their counts, sums and ranges."""
        y_all = self.ys[name]
        ok = np.isfinite(y_all)
        for j in used:  # (a column at a time: no copy of the drivers' rows before the complete ones are taken)
            ok &= np.isfinite(self.X[:, j])
        f = _Fit()
        f.ok, f.p = ok, len(used)
        f.i_noise, f.i_y = _places(f.p, versus_noise)
        n = int(ok.sum())
        f.V = np.empty((n, f.i_y + 1))
        for c, j in enumerate(used):
            f.V[:, c] = self.X[ok, j]
        f.y = y_all[ok]
        self._fits[name] = f
        X, y = f.V[:, :f.p], f.y
        other = y[(y != 0) & (y != 1)]
        return {"rows": n, "all": len(y_all),
                "missing": np.array([int((~np.isfinite(y_all)).sum()),
                                     *(int((~np.isfinite(self.X[:, j])).sum()) for j in used)]),
                "y_sum": float(y.sum()), "ones": int((y == 1).sum()), "zeros": int((y == 0).sum()),
                "y_min": float(y.min()) if n else np.inf, "y_max": float(y.max()) if n else -np.inf,
                "other_min": float(other.min()) if len(other) else np.inf,
                "x_sum": X.sum(axis=0), "x_min": X.min(axis=0) if n else np.full(f.p, np.inf),
                "x_max": X.max(axis=0) if n else np.full(f.p, -np.inf)}

    def spread(self, name: str, x_mean: np.ndarray, y_mean: float, orient: float) -> dict[str, Any]:
        """Sums of squares around the means (the standard deviations), and each driver's cross products with the
        outcome's goodness (``orient`` x outcome: the sign of their correlation)."""
        f = self._fits[name]
        dy = f.y - y_mean
        ssx, cross = np.empty(f.p), np.empty(f.p)
        for j in range(f.p):  # (a column at a time)
            d = f.V[:, j] - x_mean[j]
            ssx[j], cross[j] = d @ d, orient * (d @ dy)
        return {"ssx": ssx, "ssy": float(dy @ dy), "cross": cross}

    def sort_values(self, name: str, columns: list[int], high_bad: list[bool]) -> None:
        """Sort the drivers ``columns`` with their good end up (bad end high: negated) for the terciles' order
        statistics (:meth:`ask_sorted`)."""
        f = self._fits[name]
        # (+ 0.0: a negated 0 is -0.0, which order_keys would put below 0.0)
        f.sorted = _SortedColumns([(-f.V[:, j] if hb else f.V[:, j]) + 0.0 for j, hb in zip(columns, high_bad)])

    def ask_sorted(self, name: str, question: str, **kw: Any) -> Any:
        """:func:`~csanalysis.stats.selection.select`'s ``question`` (a method's name) of the sorted drivers."""
        return getattr(self._fits[name].sorted, question)(**kw)

    def classes(self, name: str, spec: list[tuple]) -> dict[str, np.ndarray]:
        """Each driver's bad and good class masks, from ``spec`` (per driver: ``("tercile", high_bad, bad_below,
        bad_at, good_above, good_at)``, the values at the terciles' edges and whether rows equal to them are in
        the class; or ``("cut", high_bad, bad_at, good_at)``); their counts, and whether a cut's classes overlap."""
        f = self._fits[name]
        n = len(f.y)
        f.bad, f.good = np.empty((n, f.p), dtype=bool), np.empty((n, f.p), dtype=bool)
        overlap = np.zeros(f.p, dtype=bool)
        for j, s in enumerate(spec):  # (a loop over drivers)
            x = f.V[:, j]
            if s[0] == "cut":
                _, high_bad, a, b = s
                bj, gj = (x >= a, x <= b) if high_bad else (x <= a, x >= b)
                overlap[j] = bool((bj & gj).any())
            else:
                _, high_bad, wb, beq, wg, geq = s
                z = (-x if high_bad else x) + 0.0
                bj = (z < wb) | ((z == wb) & beq)
                gj = (z > wg) | ((z == wg) & geq)
            f.bad[:, j], f.good[:, j] = bj, gj
        f.sorted = None
        return {"bad": f.bad.sum(axis=0), "good": f.good.sum(axis=0), "overlap": overlap}

    def moments(self, name: str, x_mean: np.ndarray, x_sd: np.ndarray, y_mean: float, y_sd: float,
                dummies: list[tuple[int, str]], noise: np.ndarray | None, seed: int, n_rep: int,
                max_cells: int) -> dict[str, Any]:
        """Standardize the rows in place, draw the noise (``noise``: every partition's complete rows as bits,
        whose ranks place each row in the seeded stream; None without a noise driver) and return the weighted
        sums of 1, v and v v' in replicate 0 (every weight 1) and the ``n_rep`` bootstrap replicates
        (:func:`_weighted_moments`), v the standardized drivers, the noise, the outcome and the ``dummies``
        (driver, "bad" or "good") as 0/1; and the units present."""
        f = self._fits[name]
        X = f.V[:, :f.p]
        np.divide(np.subtract(X, x_mean, out=X), x_sd, out=X)
        if noise is not None:
            f.V[:, f.i_noise] = _noise_at(seed, ranks_among(noise, self.rows[f.ok]))
        f.V[:, f.i_y] = (f.y - y_mean) / y_sd
        flags = (np.column_stack([(f.bad if cls == "bad" else f.good)[:, j] for j, cls in dummies])
                 if dummies else None)
        f.bad = f.good = None
        present, inv = np.unique(self.codes[f.ok], return_inverse=True)
        h = self.hashes[present]

        def cust_weights(idx: np.ndarray) -> np.ndarray:
            # replicate 0: the data themselves (every weight 1); 1..n_rep: the Poisson bootstrap
            w = np.empty((n_rep + 1, len(idx)))
            w[0] = 1.0
            w[1:] = poisson_weights_from_hash(h[idx], n_rep)
            return w

        S0, S1, S2 = _weighted_moments(f.V, inv, cust_weights, n_rep + 1, max_cells, flags)
        f.inv, f.h = inv, h
        return {"S0": S0, "S1": S1, "S2": S2, "customers": len(present)}

    def logistic_rows(self, name: str) -> None:
        """Order the complete rows by unit for the logistic fits (a customer's rows side by side, so that each
        block draws a customer's weights once: ``poisson_weights_from_hash``); each row's weight is its unit's."""
        f = self._fits[name]
        f.by_unit = np.argsort(f.inv, kind="stable")
        f.h_rows = f.h[f.inv[f.by_unit]]
        f.y_unit = f.y[f.by_unit]
        f.inv = f.h = None

    def gram(self, name: str, cols: list[int], max_cells: int) -> np.ndarray:
        """The Gram matrix of the standardized drivers ``cols`` (:func:`_gram`)."""
        return _gram(self._fits[name].V, cols, max_cells)

    def logistic_pass(self, name: str, cols: list[int], T: np.ndarray, coef: np.ndarray, reps: np.ndarray,
                      hessian: bool, width: int, max_cells: int) -> tuple[np.ndarray, np.ndarray | None]:
        """One pass of :func:`_irls` over the rows: the scores (and Hessians) of replicates ``reps`` at ``coef``
        (:func:`~csanalysis.stats.passes.logistic_pass`) on the components ``T`` of the drivers ``cols``."""
        f = self._fits[name]
        X1 = _Components(f.V, cols, f.by_unit, T)
        return logistic_pass(X1, f.y_unit, coef, lambda rows: f.row_weights(reps, rows),
                             row_blocks(len(X1), width, max_cells), hessian=hessian)

    def centres(self, name: str, cols: list[int], T: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """Sums of the linear predictor, the fitted probability and the outcome at the data's fit ``coef``."""
        f = self._fits[name]
        eta = _Components(f.V, cols, f.by_unit, T) @ coef
        return np.array([eta.sum(), special.expit(eta).sum(), f.y_unit.sum()])

    def fitted_moments(self, name: str, cols: list[int], T: np.ndarray, coef: np.ndarray,
                       centres: tuple[float, float, float], max_cells: int) -> np.ndarray:
        """Per replicate (``coef``, one row each; replicate 0 the data's), the weighted sums of 1, y, y^2, mu,
        mu y, mu^2, eta and eta^2 (eta the linear predictor, mu the fitted probability, each around its
        ``centres``): (8, replicates)."""
        f = self._fits[name]
        X1 = _Components(f.V, cols, f.by_unit, T)
        c_eta, c_mu, c_y = centres
        n_rep = len(coef)
        reps = np.arange(n_rep)
        sums = np.zeros((8, n_rep))
        blocks = row_blocks(len(X1), n_rep, max_cells)
        for a in blocks:
            rows = slice(a, a + blocks.step)
            W = f.row_weights(reps, rows)
            eta = coef @ X1[rows].T
            mu = expit_inplace(eta.copy())
            mu -= c_mu
            eta -= c_eta
            yc = f.y_unit[rows] - c_y
            sums[0] += W.sum(axis=1)
            sums[1] += W @ yc
            sums[2] += W @ (yc * yc)
            Wm = W * mu
            sums[3] += Wm.sum(axis=1)
            sums[4] += Wm @ yc
            sums[5] += np.einsum("bi,bi->b", Wm, mu)
            We = W * eta
            sums[6] += We.sum(axis=1)
            sums[7] += np.einsum("bi,bi->b", We, eta)
        return sums

    def drop(self, name: str) -> None:
        """Let the outcome's rows go."""
        self._fits.pop(name, None)


def _ask(part: DriversPart, method: str, **kw: Any) -> list[Any]:
    """``each`` of one part in this process (:func:`key_drivers`: the whole data the one partition)."""
    return [getattr(part, method)(**kw)]


# --------------------------------------------------------------------------- penalty-reward classes
def _class_spec(each: Callable[..., list[Any]], name: str, used: list[str], n: int, high_bad: list[bool],
                cuts: dict[str, tuple[float, float]]) -> list[tuple]:
    """Each driver's classes as :meth:`DriversPart.classes` reads them: at ``cuts``, else its terciles.

    A row is bad when its mid-rank percentile among the ``n`` complete rows, good end up, is below 1/3
    (``(rank - 0.5) / n``, ties sharing their average rank: ``scipy.stats.rankdata``), good when above 2/3. The
    percentile grows with the value, so the bad class is the values below one edge (and, depending on its
    ties, the edge itself): the edge is the order statistic of rank ``(n - 1) // 3`` (the last rank below n/3),
    its ties' count and the values below it decide (and the same from the top for the good class). The edges
    are exact order statistics over every partition (:func:`~csanalysis.stats.selection.select`), so the
    classes are those of the whole data's ranks, bit for bit.
    """
    spec: list[tuple] = [()] * len(used)
    terciles = [j for j, d in enumerate(used) if d not in cuts]
    if terciles:
        each("sort_values", name=name, columns=terciles, high_bad=[high_bad[j] for j in terciles])

        def ask(method: str, **kw: Any) -> list[Any]:
            return each("ask_sorted", name=name, question=method, **kw)

        m = (n - 1) // 3
        groups = np.repeat(np.arange(len(terciles)), 2)
        edges = select(ask, groups, np.tile([m, n - 1 - m], len(terciles)))
        keys = order_keys(edges)
        upto = np.sum(ask("at_most", groups=groups, keys=np.column_stack([keys - np.uint64(1), keys])), axis=0)
        below, ties = upto[:, 0], upto[:, 1] - upto[:, 0]
        pct = (0.5 * (2 * below + ties + 1) - 0.5) / n  # (rankdata's average rank, then the percentile)
        for i, j in enumerate(terciles):
            spec[j] = ("tercile", high_bad[j], float(edges[2 * i]), bool(pct[2 * i] < 1.0 / 3.0),
                       float(edges[2 * i + 1]), bool(pct[2 * i + 1] > 2.0 / 3.0))
    for j, d in enumerate(used):
        if d in cuts:
            spec[j] = ("cut", high_bad[j], *cuts[d])
    return spec


# --------------------------------------------------------------------------- one outcome
def _interval_columns(boot: np.ndarray, conf: float) -> tuple[np.ndarray, np.ndarray]:
    lo = np.full(boot.shape[1], np.nan)
    hi = np.full(boot.shape[1], np.nan)
    for j in range(boot.shape[1]):
        lo[j], hi[j] = percentile_interval(boot[:, j], conf)
    return lo, hi


def _kano(pen: float, pl: float, ph: float, rew: float, rl: float, rh: float) -> str:
    if not (np.isfinite(pen) and np.isfinite(rew) and np.isfinite(pl) and np.isfinite(rl)):
        return "not estimable"
    if pl > 0 and rl > 0:
        return "performance"
    if pl > 0:
        return "basic"
    if rl > 0:
        return "excitement"
    if ph < 0 or rh < 0:
        return "reversed"
    return "no effect"


@dataclass(frozen=True)
class _Settings:
    """:func:`key_drivers`' arguments, checked (one outcome's fit reads them: :func:`_one_outcome`)."""

    outcomes: list[str]
    names: list[str]
    kinds: dict[str, str]
    method: str
    goods: dict[str, Any]
    excluded: dict[str, list[str]]
    given: dict[str, bool]
    cuts: dict[str, tuple[float, float]]
    versus_noise: bool
    n_rep: int
    conf: float
    seed: int
    max_cells: int


def _settings(outcome: Any, drivers: Any, *, kind: Any, method: Any, exclude: Any, higher_is_better: Any,
              higher_is_worse: Any, thresholds: Any, versus_noise: Any, n_resamples: Any, confidence: Any, seed: Any,
              max_cells: Any) -> _Settings:
    conf = check_confidence(confidence)
    n_rep = check_resamples(n_resamples)
    max_cells = check_positive_int(max_cells, "max_cells")
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    if not outcomes:
        raise ValueError("`outcome` names no column; give the outcome column, e.g. 'csat' or 'bad_experience'")
    names = [drivers] if isinstance(drivers, str) else list(drivers)
    if len(names) < 2:
        raise ValueError(f"key drivers need at least 2 driver columns to compare, but {names} was passed")
    dup = sorted({d for d in names if names.count(d) > 1})
    if dup:
        raise ValueError(f"driver(s) {dup} listed more than once")
    dup_o = sorted({o for o in outcomes if outcomes.count(o) > 1})
    if dup_o:
        raise ValueError(f"outcome(s) {dup_o} listed more than once")
    both = [o for o in outcomes if o in names]
    if both:
        raise ValueError(f"{both} listed both as outcome and as driver; a driver cannot explain itself")
    if method not in METHODS:
        raise ValueError(f"The value for `method` must be one of {list(METHODS)}, but {method!r} was passed.")
    kinds = _per_outcome(kind, outcomes, "kind", "auto")
    for o, k in kinds.items():
        if k not in ("auto", "continuous", "binary"):
            raise ValueError(f"The value for `kind` must be one of ['auto', 'continuous', 'binary'], but {k!r} was "
                             f"passed (outcome {o!r}).")
    return _Settings(outcomes=outcomes, names=names, kinds=kinds, method=method,
                     goods=_per_outcome(higher_is_better, outcomes, "higher_is_better"),
                     excluded=_exclusions(exclude, outcomes), given=_directions(higher_is_worse, names),
                     cuts=_cut_points(thresholds, names), versus_noise=bool(versus_noise), n_rep=n_rep, conf=conf,
                     seed=hash_seed(seed), max_cells=max_cells)


def _units(each: Callable[..., list[Any]], seed: int) -> int:
    """Code and hash every partition's sampling units (:meth:`DriversPart.units`); the end of the rows' numbers."""
    sizes = each("size")
    end = max((s["end"] for s in sizes), default=0)
    bits = None
    if sum(s["missing"] for s in sizes):  # rows without a unit are named by their rank among all rows
        bits = np.bitwise_or.reduce(each("row_bits", size=end))
    each("units", seed=seed, bits=bits)
    return end


def _one_outcome(each: Callable[..., list[Any]], name: str, s: _Settings,
                 end: int) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    """The drivers of outcome ``name`` from the partitions' rows (:class:`DriversPart`, asked by ``each``),
    the outcome's rows let go at the end."""
    try:
        return _outcome_rounds(each, name, s, end)
    finally:
        each("drop", name=name)


def _outcome_rounds(each: Callable[..., list[Any]], name: str, s: _Settings,
                    end: int) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    names, excluded, kind, method, n_rep, conf = s.names, s.excluded[name], s.kinds[name], s.method, s.n_rep, s.conf
    notes: list[str] = []
    used = [d for d in names if d not in excluded]
    for d in names:
        if d in excluded:
            notes.append(f"{d!r} left out for {name!r}: the outcome's own definition uses it (a driver that "
                         "defines the outcome explains it trivially)")
    if len(used) < 2:
        raise ValueError(f"outcome {name!r} needs at least 2 drivers after `exclude`; it has {used}")
    uj = [names.index(d) for d in used]
    got = each("complete", name=name, used=uj, versus_noise=s.versus_noise)
    n, n_all = sum(g["rows"] for g in got), sum(g["all"] for g in got)
    miss = dict(zip([name, *used], (int(v) for v in np.sum([g["missing"] for g in got], axis=0))))
    if n < MIN_ROWS:
        worst = ", ".join(f"{k!r} {v}" for k, v in sorted(miss.items(), key=lambda kv: -kv[1]) if v)
        raise ValueError(f"outcome {name!r} has {n} complete rows (the outcome and every driver present) of "
                         f"{n_all}; at least {MIN_ROWS} are needed" + (f" (missing values: {worst})" if worst else ""))
    if n < n_all:
        detail = ", ".join(f"{k!r} {v}" for k, v in miss.items() if v)
        notes.append(f"{name!r}: {n_all - n:,} of {n_all:,} rows left out for a missing value (complete cases; "
                     f"missing: {detail})")
    p = len(used)
    ones, zeros = sum(g["ones"] for g in got), sum(g["zeros"] for g in got)
    y_min, y_max = min(g["y_min"] for g in got), max(g["y_max"] for g in got)
    is01 = ones + zeros == n
    if kind == "auto":
        kind = "binary" if is01 else "continuous"
        notes.append(f"{name!r} read as a {kind} outcome ({'0/1 values' if is01 else 'scores'}); set `kind` to "
                     "override")
    if kind == "binary":
        if not is01:
            raise ValueError(f"a binary outcome must be 0/1 or boolean; {name!r} has other values (e.g. "
                             f"{min(g['other_min'] for g in got):g}); use kind='continuous' for scores")
        if y_min == y_max:
            raise ValueError(f"binary outcome {name!r} is {int(y_min)} in every complete row; nothing to explain")
        if method == "lmg":
            raise ValueError("method='lmg' is for continuous outcomes (it would need a logistic fit per subset of "
                             f"drivers); use method='relative_weights' for the binary outcome {name!r}")
        rare = min(ones, n - ones)
        if rare < MIN_EVENTS:
            raise ValueError(f"binary outcome {name!r} has only {rare} complete row(s) with its rarer value "
                             f"({ones} ones of {n}); a logistic model needs at least {MIN_EVENTS}")
        if rare < 10 * len(used):
            notes.append(f"{name!r}: {rare} rows with the rarer value for {len(used)} drivers (fewer than 10 per "
                         "driver): the logistic weights are unstable; their intervals are wide")
    elif y_min == y_max:
        raise ValueError(f"outcome {name!r} is {y_min:g} in every complete row; nothing to explain")
    x_min = np.min([g["x_min"] for g in got], axis=0)
    x_max = np.max([g["x_max"] for g in got], axis=0)
    const = [j for j in range(p) if not x_max[j] > x_min[j]]
    if const:
        j = const[0]
        raise ValueError(f"driver {used[j]!r} is constant in the {n} complete rows of {name!r} (every value is "
                         f"{x_min[j]:g}): it cannot explain the outcome; leave it out")
    if method == "lmg" and p > MAX_LMG_DRIVERS:
        raise ValueError(f"method='lmg' takes at most {MAX_LMG_DRIVERS} drivers (it fits all 2**p subsets in "
                         f"every replicate); {name!r} has {p}; use method='relative_weights'")
    good_up = s.goods[name]
    if good_up is None:
        good_up = kind == "continuous"
    orient = 1.0 if good_up else -1.0
    x_mean = np.sum([g["x_sum"] for g in got], axis=0) / n
    y_mean = sum(g["y_sum"] for g in got) / n
    got = each("spread", name=name, x_mean=x_mean, y_mean=y_mean, orient=orient)
    sd_x = np.sqrt(np.sum([g["ssx"] for g in got], axis=0) / n)
    sy = float(np.sqrt(sum(g["ssy"] for g in got) / n))
    cross = np.sum([g["cross"] for g in got], axis=0)

    # penalty-reward classes, fixed at the full sample's cut points; a driver's bad end given, or read from the
    # sign of its correlation with the outcome's goodness
    high_bad = [s.given[d] if d in s.given else bool(cross[j] < 0) for j, d in enumerate(used)]
    inferred = [d for d in used if d not in s.given]
    spec = _class_spec(each, name, used, n, high_bad, s.cuts)
    got = each("classes", name=name, spec=spec)
    overlap = np.any([g["overlap"] for g in got], axis=0)
    for j in np.flatnonzero(overlap)[:1]:
        d, (a, b) = used[j], s.cuts[used[j]]
        raise ValueError(f"`thresholds[{d!r}]` = ({a:g}, {b:g}) puts rows in both the bad and the good "
                         f"class (bad end: {'high' if high_bad[j] else 'low'} values); give (bad_at, "
                         "good_at) with bad_at beyond good_at on the bad side")
    bad_end = ["high" if h else "low" for h in high_bad]
    if inferred:
        notes.append(f"{name!r}: bad end of {', '.join(repr(d) for d in inferred)} read from the sign of the "
                     "correlation with the outcome (give `higher_is_worse` to fix it)")
    n_bad = np.sum([g["bad"] for g in got], axis=0)
    n_good = np.sum([g["good"] for g in got], axis=0)
    dcols = []  # (the class masks that become the moments' 0/1 columns)
    for j, d in enumerate(used):
        for cls, cnt in (("bad", n_bad[j]), ("good", n_good[j])):
            if cnt >= MIN_CLASS_ROWS:
                dcols.append((j, cls))
            else:
                notes.append(f"{name!r}: the {cls} class of {d!r} has {int(cnt)} rows (fewer than "
                             f"{MIN_CLASS_ROWS}); its {'penalty' if cls == 'bad' else 'reward'} is not estimated"
                             + ("" if d in s.cuts else " (few distinct values? give `thresholds`)"))

    # the moments' columns: the standardized drivers, the noise, the outcome; then the class dummies
    i_noise, i_y = _places(p, s.versus_noise)
    noise = np.bitwise_or.reduce(each("row_bits", size=end, name=name)) if s.versus_noise else None
    got = each("moments", name=name, x_mean=x_mean, x_sd=sd_x, y_mean=y_mean, y_sd=sy, dummies=dcols, noise=noise,
               seed=s.seed, n_rep=n_rep, max_cells=s.max_cells)
    S0 = np.sum([g["S0"] for g in got], axis=0)
    S1 = np.sum([g["S1"] for g in got], axis=0)
    S2 = np.sum([g["S2"] for g in got], axis=0)
    G = sum(g["customers"] for g in got)
    del got
    i_d = np.arange(i_y + 1, i_y + 1 + len(dcols))
    _, cov = _covariances(S0, S1, S2)
    ix = np.arange(p)
    ixn = np.r_[ix, i_noise] if s.versus_noise else ix
    if kind == "continuous":
        R, r = _corr(cov, ix, i_y)
        fn = lmg_weights if method == "lmg" else relative_weights
        with np.errstate(invalid="ignore", divide="ignore"):
            good_rep = np.all(np.isfinite(R), axis=(1, 2)) & np.all(np.isfinite(r), axis=1)
            w = np.full((n_rep + 1, p), np.nan)
            w[good_rep] = fn(R[good_rep], r[good_rep])
            r2 = w.sum(axis=1)
            if s.versus_noise:
                Ra, ra = _corr(cov, ixn, i_y)
                wa = np.full((n_rep + 1, p + 1), np.nan)
                ga = np.all(np.isfinite(Ra), axis=(1, 2)) & np.all(np.isfinite(ra), axis=1)
                wa[ga] = fn(Ra[ga], ra[ga])
    else:
        each("logistic_rows", name=name)
        R, _ = _corr(cov, ix, i_y)
        sd = np.sqrt(np.clip(np.diagonal(cov[:, ix[:, None], ix[None, :]], axis1=1, axis2=2), 0.0, None))
        w, r2 = _logistic_weights(each, name, ix, n, y_mean, n_rep + 1, R, sd, s.max_cells)
        if s.versus_noise:
            Ra, _ = _corr(cov, ixn, i_y)
            sda = np.sqrt(np.clip(np.diagonal(cov[:, ixn[:, None], ixn[None, :]], axis1=1, axis2=2), 0.0, None))
            wa, _ = _logistic_weights(each, name, ixn, n, y_mean, n_rep + 1, Ra, sda, s.max_cells)
    failed = int((~np.all(np.isfinite(w[1:]), axis=1)).sum())
    if failed:
        notes.append(f"{name!r}: {failed} of {n_rep} bootstrap replicates gave no estimate (a logistic fit that did "
                     "not converge) and are left out of the intervals")
    if not np.all(np.isfinite(w[0])):
        raise ValueError(f"the model of {name!r} could not be fitted (the outcome is perfectly separated by the "
                         "drivers, or a driver has no variance left); check the drivers")

    # penalty-reward: least squares of the outcome on every driver's bad / good dummies (neutral the reference)
    pen = np.full((n_rep + 1, p), np.nan)
    rew = np.full((n_rep + 1, p), np.nan)
    if len(i_d):
        Cdd = cov[:, i_d[:, None], i_d[None, :]]
        Cdy = cov[:, i_d, i_y]
        scale = np.maximum(np.max(np.abs(np.diagonal(Cdd, axis1=1, axis2=2)), axis=1), 1e-300)
        with np.errstate(invalid="ignore", divide="ignore"):
            coef = np.linalg.solve(Cdd + _RIDGE * scale[:, None, None] * np.eye(len(i_d)), Cdy[..., None])[..., 0]
        coef *= sy
        empty = S1[:, i_d] <= 0  # a class with no weight in a replicate has no estimate there
        coef[empty] = np.nan
        for col, (j, cls) in enumerate(dcols):
            if cls == "bad":
                pen[:, j] = -orient * coef[:, col]
            else:
                rew[:, j] = orient * coef[:, col]
    lo, hi = _interval_columns(w[1:], conf)
    pl, ph = _interval_columns(pen[1:], conf)
    rl, rh = _interval_columns(rew[1:], conf)
    r2_lo, r2_hi = percentile_interval(r2[1:], conf)
    imp = w[0]
    rank = importance_ranks(imp)
    stab = rank_stability(imp, w[1:]) if p >= MIN_RANK_DRIVERS else float("nan")
    uncertain = bool(stab < RANK_STABILITY_SHARE)  # NaN (no diagnostic): False
    if uncertain:
        notes.append(f"{name!r}: the ranks of the drivers are uncertain (flag {RANKS_UNCERTAIN!r}): only "
                     f"{stab:.0%} of the bootstrap replicates order them like the estimates (Spearman rank "
                     f"correlation >= {RANK_STABILITY_RHO:g}; {RANK_STABILITY_SHARE:.0%} needed); drivers of close "
                     "importance are not ordered by the data: read the intervals, not the ranks")
    above: list[str] = [""] * p
    noise_w = np.nan
    if s.versus_noise:
        diff = wa[1:, :p] - wa[1:, [p]]
        dl, _ = _interval_columns(diff, conf)
        above = ["above noise" if v > 0 else "not above noise" for v in dl]
        noise_w = float(wa[0, p])
    mname = METHODS[method][0 if kind == "continuous" else 1]
    rows = []
    for j, d in enumerate(used):
        rows.append({
            "outcome": name, "driver": d, "importance": imp[j], "ci_low": lo[j], "ci_high": hi[j], "n": n,
            "method": mname, "penalty": pen[0, j], "reward": rew[0, j], "rank": int(rank[j]),
            "share": imp[j] / r2[0] if r2[0] > 0 else np.nan, "versus_noise": above[j],
            "penalty_ci_low": pl[j], "penalty_ci_high": ph[j], "reward_ci_low": rl[j], "reward_ci_high": rh[j],
            "kano": _kano(pen[0, j], pl[j], ph[j], rew[0, j], rl[j], rh[j]), "bad_end": bad_end[j],
            "n_bad": int(n_bad[j]), "n_neutral": int(n - n_bad[j] - n_good[j]), "n_good": int(n_good[j]),
            "customers": G, "kind": kind, "note": "", "rank_stability": stab,
            "flags": [RANKS_UNCERTAIN] if uncertain else [],
        })
    rows.sort(key=lambda r: (r["rank"], r["driver"]))
    for d in names:
        if d in excluded:
            rows.append({"outcome": name, "driver": d, "importance": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                         "n": n, "method": mname, "penalty": np.nan, "reward": np.nan, "rank": pd.NA,
                         "share": np.nan, "versus_noise": "", "penalty_ci_low": np.nan, "penalty_ci_high": np.nan,
                         "reward_ci_low": np.nan, "reward_ci_high": np.nan, "kano": "not estimable",
                         "bad_end": "", "n_bad": pd.NA, "n_neutral": pd.NA, "n_good": pd.NA, "customers": G,
                         "kind": kind, "note": "left out: the outcome's own definition uses it",
                         "rank_stability": stab, "flags": []})
    fit = {"outcome": name, "kind": kind, "r2": float(r2[0]), "r2_ci_low": r2_lo, "r2_ci_high": r2_hi, "n": n,
           "n_dropped": n_all - n, "customers": G, "drivers": p, "excluded": ", ".join(d for d in names
                                                                                      if d in excluded),
           "noise_weight": noise_w, "resamples": n_rep, "resamples_failed": failed, "rank_stability": stab}
    if G < 30:
        notes.append(f"{name!r}: only {G} customers; bootstrap intervals over so few sampling units are unreliable")
    return pd.DataFrame(rows), fit, notes


def _outcome_task(task: tuple) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    """:func:`_one_outcome` of one outcome of :func:`key_drivers` over its one part (a picklable function for
    ``workers``)."""
    name, part, settings, end = task
    return _one_outcome(functools.partial(_ask, part), name, settings, end)


def _driver_result(done: Iterable[tuple[pd.DataFrame, dict[str, Any], list[str]]], s: _Settings,
                   customer: str | None) -> DriverResult:
    """The outcomes' tables, fits and notes as one :class:`DriverResult`."""
    notes: list[str] = ["no customer column: every row counts as its own sampling unit"] if customer is None else []
    frames, fits = [], []
    for frame, fit, note in done:
        frames.append(frame)
        fits.append(fit)
        notes.extend(note)
    table = pd.concat(frames, ignore_index=True)
    table = table[list(DRIVER_COLUMNS) + list(DRIVER_EXTRA_COLUMNS)]
    table["n"] = table["n"].astype("int64")
    table["customers"] = table["customers"].astype("int64")
    table["rank_stability"] = table["rank_stability"].astype("float64")
    for c in ("rank", "n_bad", "n_neutral", "n_good"):
        table[c] = table[c].astype("Int64")
    fit_df = pd.DataFrame(fits, columns=list(FIT_COLUMNS))
    text = _method_text({f["kind"] for f in fits}, s.method, s.n_rep, s.conf, s.versus_noise, customer,
                        bool(s.cuts))
    return DriverResult(table=table, fit=fit_df, confidence=s.conf, n_resamples=s.n_rep, seed=s.seed, method=text,
                        notes=notes)


# --------------------------------------------------------------------------- method text
def _method_text(kinds: set[str], method: str, n_rep: int, conf: float, versus_noise: bool, customer: str | None,
                 cuts: bool) -> str:
    parts = []
    if method == "lmg":
        parts.append("Importance: Shapley/LMG decomposition of R2, each driver's R2 gain averaged over all orders "
                     "of entry (all subsets of the drivers); the importances sum to the model's R2.")
    else:
        if "continuous" in kinds:
            parts.append("Importance of a score: Johnson's relative weights: the drivers are replaced by their "
                         "closest uncorrelated counterparts, the outcome is regressed on these, and each driver's "
                         "weight adds up its squared correlation with every counterpart times that counterpart's "
                         "squared standardized coefficient; the weights sum to the model's R2.")
        if "binary" in kinds:
            parts.append("Importance of a 0/1 outcome: logistic relative weights (Tonidandel & LeBreton 2010): "
                         "logistic regression on the uncorrelated counterparts (with a weak ridge penalty, "
                         f"{LOGIT_PENALTY:g}, so that a fit exists under separation), coefficients standardized "
                         "(Menard), weights summing to R2_O, the squared correlation of outcome and fitted "
                         "probability.")
    unit = f"customers ({customer!r})" if customer else "rows (no customer column)"
    parts.append(f"Intervals: {conf:.0%} percentile intervals from {n_rep} Poisson bootstrap replicates over "
                 f"{unit}; a customer's rows share one weight and every replicate recomputes the importances. "
                 f"Rank 1 = most important; rank stability = the share of replicates whose importances have a "
                 f"Spearman rank correlation >= {RANK_STABILITY_RHO:g} with the estimates (3 drivers or more); "
                 f"below {RANK_STABILITY_SHARE:.0%} the ranks are flagged {RANKS_UNCERTAIN!r}.")
    if versus_noise:
        parts.append("Versus noise: a random normal driver is added; 'above noise' when the interval of a "
                     "driver's weight minus the noise's weight lies above 0 (Tonidandel, LeBreton & Johnson 2009).")
    cls = "at the given thresholds or terciles" if cuts else "at its terciles"
    parts.append(f"Penalty-reward: each driver cut {cls} into bad / neutral / good; the outcome regressed by least "
                 "squares on every driver's bad and good dummies together (a linear probability model for 0/1 "
                 "outcomes); penalty = how much worse the outcome is when the driver is bad than when neutral, "
                 "reward = how much better when good, in the outcome's units; basic = penalty only, performance "
                 "= both, excitement = reward only, no effect = neither (interval above 0). Complete cases per "
                 "outcome.")
    return " ".join(parts)


# --------------------------------------------------------------------------- entry point
def key_drivers(
    data: pd.DataFrame,
    outcome: str | Sequence[str],
    drivers: Sequence[str],
    *,
    kind: Kind | Mapping[str, Kind] = "auto",
    method: Method = "relative_weights",
    customer: str | None = None,
    exclude: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    higher_is_better: bool | Mapping[str, bool] | None = None,
    higher_is_worse: Mapping[str, bool] | Iterable[str] | None = None,
    thresholds: Mapping[str, tuple[float, float]] | None = None,
    versus_noise: bool = True,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: Any = 0,
    max_cells: int = 2_000_000,
    workers: Callable[..., Iterable[Any]] | None = None,
) -> DriverResult:
    """Key drivers of one or several outcomes: importance with customer-bootstrap intervals, penalty and reward.

    Parameters
    ----------
    data : DataFrame
        Tidy: one row per rated ticket or survey answer.
    outcome : str or sequence of str
        The outcome column(s): a score (CSAT, NPS) or 0/1 (bad experience,
        no purchase within 2 years). Several outcomes are analysed one after
        the other (each with its own complete cases) and stacked in one
        table.
    drivers : sequence of str
        Numeric driver columns (first-reply and resolution minutes, reopens,
        survey items); booleans count as 0/1. At least 2.
    kind : {"auto", "continuous", "binary"} or mapping outcome -> kind, default "auto"
        ``"auto"``: binary when the outcome's values are 0/1, else continuous.
    method : {"relative_weights", "lmg"}, default "relative_weights"
        Johnson's relative weights (logistic variant for binary outcomes) or
        the exact Shapley/LMG decomposition (continuous outcomes, at most
        :data:`MAX_LMG_DRIVERS` drivers).
    customer : str, optional
        The sampling-unit column (customer or account): the bootstrap
        resamples customers, a customer's rows together. Rows without one
        count as their own customer. ``None``: every row independent.
    exclude : sequence of str or mapping outcome -> sequence, optional
        Drivers the outcome's own definition uses (the rating in the
        bad-experience rule): left out for that outcome (all outcomes when a
        sequence), with a row and a note saying so. Names that are not
        drivers are ignored.
    higher_is_better : bool or mapping outcome -> bool, optional
        Whether a higher outcome is better; default True for scores, False
        for 0/1 outcomes (1 = the bad event). Sets the sign of penalty and
        reward.
    higher_is_worse : mapping driver -> bool, or names, optional
        Whether a driver's high values are its bad end (True for waiting
        minutes and reopens, False for a courtesy score); a list of names
        means True for those. Drivers not given are read from the sign of
        their correlation with the outcome (the notes say which).
    thresholds : mapping driver -> (bad_at, good_at), optional
        Penalty-reward classes on the driver's own scale instead of
        terciles: bad when at or beyond ``bad_at`` towards the bad end, good
        when at or beyond ``good_at`` towards the good end (``{"first_reply_min":
        (240, 30)}``: bad from 4 hours, good up to 30 minutes).
    versus_noise : bool, default True
        Compare each driver's weight with that of an added random-noise
        driver (Tonidandel, LeBreton & Johnson 2009); doubles the work for
        binary outcomes. The noise is drawn per row, in the data's order,
        from ``seed``.
    n_resamples : int, default 1000
        Bootstrap replicates.
    confidence : float, default 0.95
        Level of the intervals.
    seed : int, Generator or None, default 0
        Seed of the hashed Poisson weights (and of the noise driver); the
        same seed gives the same intervals whatever the order of the rows.
    max_cells : int, default 2_000_000
        Bounds the working matrices (replicates x rows) of the bootstrap.
    workers : map-like callable, optional
        Fits the outcomes side by side: ``workers(func, iterable)`` must
        return ``func`` of each item, in order (``multiprocessing.Pool.map``,
        ``concurrent.futures.Executor.map``, or what the Dask engine passes;
        scipy's ``workers=`` idiom). Each outcome is computed on its own from
        the same inputs, so the result is identical to the default (the
        outcomes one after another in this process).

    Returns
    -------
    DriverResult
        ``.table`` (contract columns :data:`DRIVER_COLUMNS`, then
        :data:`DRIVER_EXTRA_COLUMNS`), ``.fit`` (one row per outcome),
        ``.method``, ``.notes``, ``.summary()``, ``.to_dict()``.

    Raises
    ------
    ValueError
        For a missing or non-numeric column, fewer than 2 drivers, a
        constant driver, a binary outcome that is not 0/1 or has fewer than
        :data:`MIN_EVENTS` rows of its rarer value, fewer than
        :data:`MIN_ROWS` complete rows, or ``method="lmg"`` with a binary
        outcome or too many drivers.

    Examples
    --------
    Waiting over about 2.5 hours only hurts, a quick resolution only delights, courtesy works both ways:

    >>> rng = np.random.default_rng(7)
    >>> n = 1200
    >>> cust = rng.integers(0, 400, n)
    >>> wait = rng.gamma(2.0, 60.0, n)                                  # first-reply minutes
    >>> fix = 0.5 * wait + rng.gamma(2.0, 120.0, n)                     # resolution minutes
    >>> polite = np.clip(np.round(4 + rng.normal(0, 0.8, n)), 1, 5)     # courtesy item 1-5
    >>> csat = 3.5 - 0.8 * (wait > 150) + 0.6 * (fix < 200) + 0.4 * polite + rng.normal(0, 0.8, n)
    >>> t = pd.DataFrame({"customer": cust, "csat": csat, "first_reply_min": wait,
    ...                   "resolution_min": fix, "courtesy": polite})
    >>> drivers = ["first_reply_min", "resolution_min", "courtesy"]
    >>> r = key_drivers(t, "csat", drivers, customer="customer",
    ...                 higher_is_worse=["first_reply_min", "resolution_min"], n_resamples=200)
    >>> r.table[["driver", "importance", "ci_low", "ci_high", "n", "rank"]].round(3)
                driver  importance  ci_low  ci_high     n  rank
    0  first_reply_min       0.151   0.123    0.184  1200     1
    1         courtesy       0.094   0.067    0.128  1200     2
    2   resolution_min       0.037   0.021    0.057  1200     3
    >>> r.table[["driver", "penalty", "reward", "kano"]].round(2)
                driver  penalty  reward         kano
    0  first_reply_min     0.69    0.07        basic
    1         courtesy     0.37    0.35  performance
    2   resolution_min    -0.02    0.58   excitement
    >>> bool(np.isclose(r.table["importance"].sum(), r.fit["r2"].iloc[0]))     # the weights add up to R^2
    True

    A 0/1 outcome (bad experience) gets logistic relative weights; a driver
    the bad-experience rule uses is left out, and the notes say so:

    >>> t["bad"] = ((t["csat"] < 4.5) | (t["resolution_min"] > 900)).astype(int)
    >>> b = key_drivers(t, "bad", drivers, customer="customer", exclude=["resolution_min"], n_resamples=100)
    >>> b.table[["driver", "importance", "rank", "versus_noise", "kano"]].round(3)
                driver  importance  rank versus_noise           kano
    0  first_reply_min       0.131     1  above noise          basic
    1         courtesy       0.054     2  above noise    performance
    2   resolution_min         NaN  <NA>               not estimable
    >>> b.notes[0]
    "'resolution_min' left out for 'bad': the outcome's own definition uses it (a driver that defines the outcome explains it trivially)"
    """
    check_frame(data, "data")
    s = _settings(outcome, drivers, kind=kind, method=method, exclude=exclude, higher_is_better=higher_is_better,
                  higher_is_worse=higher_is_worse, thresholds=thresholds, versus_noise=versus_noise,
                  n_resamples=n_resamples, confidence=confidence, seed=seed, max_cells=max_cells)
    needed = [*s.outcomes, *s.names] + ([customer] if customer is not None else [])
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in the data; it has {list(data.columns)}")
    part = DriversPart(data, s.outcomes, s.names, customer)
    end = _units(functools.partial(_ask, part), s.seed)
    tasks = [(o, part, s, end) for o in s.outcomes]
    return _driver_result((map if workers is None else workers)(_outcome_task, tasks), s, customer)


def key_drivers_from_parts(
    each: Callable[..., list[Any]],
    outcome: str | Sequence[str],
    drivers: Sequence[str],
    *,
    kind: Kind | Mapping[str, Kind] = "auto",
    method: Method = "relative_weights",
    customer: str | None = None,
    exclude: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    higher_is_better: bool | Mapping[str, bool] | None = None,
    higher_is_worse: Mapping[str, bool] | Iterable[str] | None = None,
    thresholds: Mapping[str, tuple[float, float]] | None = None,
    versus_noise: bool = True,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: Any = 0,
    max_cells: int = 2_000_000,
) -> DriverResult:
    """:func:`key_drivers` of data held in partitions, each a :class:`DriversPart`, asked in rounds.

    ``each(method, **kw)`` calls ``method`` of every partition's :class:`DriversPart` (built with the same
    ``outcome`` and ``drivers``; ``rows`` numbering the rows of the whole data) where it is and returns their
    answers as a list: here for parts in this process, as tasks on a cluster for the Dask engine
    (``DaskRunner.drive_parts``). The other arguments are :func:`key_drivers`' (``customer``: the sampling
    unit column's name, for the method's text). Every round is a sum, a count or an order statistic's count
    over the partitions' rows, never their rows: the moments per bootstrap replicate (:func:`_weighted_moments`,
    each unit's weight a hash of its identifier), every Newton step of the logistic fits (scores and Hessians
    of all replicates), the terciles' edges (exact order statistics); the noise driver is drawn from the same
    seeded stream in the data's row order, each row at its rank among every partition's complete rows. So
    the result is :func:`key_drivers`' of the whole data, up to the order of floating-point sums
    (``tests/test_drivers_parts.py``: 1 to 6 partitions, to 1e-9), whatever the partition, as long as each
    sampling unit's rows are in one partition (else only ``customers`` counts a unit once per partition).

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> t = pd.DataFrame({"customer": rng.integers(0, 300, 900), "wait": rng.gamma(2.0, 60.0, 900),
    ...                   "polite": rng.integers(1, 6, 900).astype(float)})
    >>> t["csat"] = 4 - 0.004 * t["wait"] + 0.2 * t["polite"] + rng.normal(0, 0.7, 900)
    >>> whole = key_drivers(t, "csat", ["wait", "polite"], customer="customer", n_resamples=50)
    >>> side = t["customer"] % 3       # three partitions of customers
    >>> parts = [DriversPart(t[side == i], ["csat"], ["wait", "polite"], "customer",
    ...                      rows=np.flatnonzero(side == i)) for i in range(3)]
    >>> each = lambda method, **kw: [getattr(p, method)(**kw) for p in parts]
    >>> split = key_drivers_from_parts(each, "csat", ["wait", "polite"], customer="customer", n_resamples=50)
    >>> bool(np.allclose(split.table["ci_high"], whole.table["ci_high"], rtol=1e-9))
    True
    """
    s = _settings(outcome, drivers, kind=kind, method=method, exclude=exclude, higher_is_better=higher_is_better,
                  higher_is_worse=higher_is_worse, thresholds=thresholds, versus_noise=versus_noise,
                  n_resamples=n_resamples, confidence=confidence, seed=seed, max_cells=max_cells)
    end = _units(each, s.seed)
    return _driver_result((_one_outcome(each, o, s, end) for o in s.outcomes), s, customer)
