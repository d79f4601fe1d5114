"""Data-driven customer clusters from purchase and service features.

Features per customer (:func:`customer_features`):

==========================  ==========================================================
``recency``                 days from the last purchase to ``as_of``
``frequency``               number of orders
``monetary``                total amount (one currency, as in :func:`~csanalysis.segments.rfm`)
``tenure``                  days from the first purchase to ``as_of``
``contact_rate``            service experiences per order (no orders counts as one)
``bad_share``               share of rated experiences that were bad
``mean_csat``               mean CSAT (1-5) of the experiences
``median_resolution_hours`` median resolution time of the customer's tickets
==========================  ==========================================================

Preparation: ``recency``, ``frequency``, ``monetary``, ``tenure``,
``contact_rate`` and ``median_resolution_hours`` are skewed counts, amounts and
durations and are taken as ``log1p``; every feature is then standardised,
robustly by default (``(x - median) / (IQR / 1.349)``, so that a normal
feature gets unit scale; the standard deviation when the IQR is 0), or with
z-scores (``scaling="zscore"``). A feature that is constant is dropped.
Missing values (no purchase: recency and tenure; no rating: bad share and
CSAT; no ticket: resolution time) are imputed with the median (0 after
scaling) and flagged in :attr:`ClusterResult.features` (``<feature>_imputed``);
the flags do not enter the distances.

Clustering: :func:`scipy.cluster.vq.kmeans2` (k-means++ start, ``n_init``
starts, the lowest within-cluster sum of squares kept) on a random sample of
at most ``fit_sample`` customers (all of them when fewer); every customer is
then assigned to the nearest centre with :func:`scipy.cluster.vq.vq`, so 1M
customers cost one vector-quantisation pass. The number of clusters is the
``k`` in ``k_range`` (2..8) with the highest mean silhouette on a random
sample of ``silhouette_sample`` customers (computed with a vectorised
distance matrix; ties go to the smaller k). Everything is reproducible with
``seed``. Clusters are numbered by size (cluster 1 is the largest).

The profile gives each cluster's mean of every (transformed, imputed)
feature as a z-score over all customers, so 0 is the average customer. Each
cluster is described in plain words by the (up to three) features whose
z-score is furthest from 0, at least ``describe_threshold`` away (e.g.
"frequent buyers, many contacts, many bad ratings").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.cluster.vq import ClusterError, kmeans2, vq

from csanalysis.checks import check_confidence, check_frame
from csanalysis.results import Result, frame_records, jsonable
from csanalysis.segments.common import (
    DAY,
    STR,
    Key,
    as_utc,
    link_activity_to,
    prepare_experiences,
    share_counts,
    utc_as_of,
    with_customer,
)
from csanalysis.stats.arrays import HoldsArrays
from csanalysis.stats.selection import (
    SortedGroups,
    SortedRows,
    column_ranges,
    combined_ranges,
    select,
    select_rows,
)

__all__ = ["FEATURES", "ClusterResult", "FeatureRows", "cluster_customers", "clusters_from_parts", "customer_features",
           "features_end"]

#: Features :func:`customer_features` computes, in order.
FEATURES: tuple[str, ...] = ("recency", "frequency", "monetary", "tenure", "contact_rate", "bad_share",
                             "mean_csat", "median_resolution_hours")
_LOG = {"recency", "frequency", "monetary", "tenure", "contact_rate", "median_resolution_hours"}
#: Words for a cluster whose standardised mean is (high, low).
_WORDS: dict[str, tuple[str, str]] = {
    "recency": ("long since last purchase", "bought recently"),
    "frequency": ("frequent buyers", "rare buyers"),
    "monetary": ("high spend", "low spend"),
    "tenure": ("long-standing customers", "new customers"),
    "contact_rate": ("many contacts", "few contacts"),
    "bad_share": ("many bad ratings", "few bad ratings"),
    "mean_csat": ("high satisfaction", "low satisfaction"),
    "median_resolution_hours": ("slow resolutions", "fast resolutions"),
}


# =========================================================================== features
def customer_features(
    activity: pd.DataFrame | None = None,
    experiences: pd.DataFrame | None = None,
    *,
    as_of: Any = None,
    currency: str | None = None,
    customer: str = "customer",
    key: Key = "auto",
) -> pd.DataFrame:
    """One row per customer with the clustering features (missing where unknown).

    Parameters
    ----------
    activity : DataFrame, optional
        Canonical activity (linked on its own with ``key`` when it has no
        customer column).
    experiences : DataFrame, optional
        From :func:`csanalysis.experiences.experiences`. At least one of the
        two tables.
    as_of : date-like, optional
        Date recency and tenure are measured to; default the latest purchase
        or experience. Later events are left out.
    currency : str, optional
        Currency of ``monetary``; required when the activity has several.
        Customers who paid only in other currencies are left out (their
        spend cannot be compared without conversion; counted in
        ``attrs["other_currency_customers"]``).
    customer : str, default "customer"
    key : {"auto", "customer_id", "email_key"}

    Returns
    -------
    DataFrame
        Index ``customer``; columns :data:`FEATURES` (those the tables
        allow).

    Examples
    --------
    >>> t = lambda s: pd.Timestamp(s, tz="UTC")
    >>> act = pd.DataFrame({"customer": ["a", "a", "b"], "at": [t("2024-01-01"), t("2024-03-01"),
    ...                     t("2024-02-01")], "amount": [10.0, 30.0, 5.0], "currency": "EUR"})
    >>> exp = pd.DataFrame({"customer": ["a", "c"], "at": [t("2024-01-02"), t("2024-01-05")],
    ...                     "bad": [True, False], "good": [False, True], "rated": [True, True],
    ...                     "csat": [1.0, 5.0], "resolution_minutes": [120.0, 30.0]})
    >>> customer_features(act, exp)[["recency", "frequency", "contact_rate", "bad_share"]]
    ... # doctest: +NORMALIZE_WHITESPACE
              recency  frequency  contact_rate  bad_share
    customer
    a             0.0          2           0.5        1.0
    b            29.0          1           0.0        NaN
    c             NaN          0           1.0        0.0
    """
    exp, raw, pur = _feature_inputs(activity, experiences, customer, key)
    latest = _latest(exp, pur)
    if latest is None:
        raise ValueError("activity and experiences hold no customer with a time; no features to compute.")
    end = utc_as_of(as_of, latest)
    parts = []
    if pur is not None:
        pur = pur.loc[pur["at"] <= end]
        priced = pur["amount"].notna()
        currencies = pur.loc[priced, "currency"].dropna().unique()
        if currency is None and len(currencies) > 1:
            raise ValueError(f"activity carries amounts in {len(currencies)} currencies; amounts are never added "
                             "across currencies: pass currency='<code>' or convert the amounts first.")
        in_money = priced if currency is None else priced & (pur["currency"] == currency).fillna(False).astype(bool)
        money = pur["amount"].where(in_money)
        # customers who paid only in other currencies: no comparable spend, left out (not scored as 0)
        paid = pur.assign(_in=in_money, _other=priced & ~in_money).groupby("customer", sort=False)[["_in", "_other"]]
        paid = paid.any()
        other_only = paid.index[paid["_other"] & ~paid["_in"]]
        g = pur.assign(money=money).groupby("customer", sort=False)
        parts.append(pd.DataFrame({
            "recency": ((end - g["at"].max()) // DAY).astype("float64"),  # whole days (exact, unlike / and floor)
            "frequency": g.size().astype("int64"),
            "monetary": g["money"].sum(min_count=1),  # no order in `currency`: missing, not 0
            "tenure": ((end - g["at"].min()) // DAY).astype("float64"),
        }))
    if exp is not None:
        e = exp.dropna(subset=["customer", "at"])
        e = e.loc[e["at"] <= end]
        rated = (raw.loc[e.index, "rated"].astype("boolean").fillna(False).astype(bool)
                 if "rated" in raw.columns else (e["bad"] | e["good"]))
        csat = (pd.to_numeric(raw.loc[e.index, "csat"], errors="coerce") if "csat" in raw.columns
                else pd.Series(np.nan, index=e.index))
        res = (pd.to_numeric(raw.loc[e.index, "resolution_minutes"], errors="coerce")
               if "resolution_minutes" in raw.columns else pd.Series(np.nan, index=e.index))
        d = pd.DataFrame({"customer": e["customer"], "bad": (e["bad"] & rated).astype("int64"),
                          "rated": rated.astype("int64"), "csat": csat, "res": res / 60.0})
        g = d.groupby("customer", sort=False)
        n_rated = g["rated"].sum()
        parts.append(pd.DataFrame({
            "_contacts": g.size(),
            "bad_share": (g["bad"].sum() / n_rated).where(n_rated > 0),
            "mean_csat": g["csat"].mean(),
            "median_resolution_hours": g["res"].median(),
        }))
    out = pd.concat(parts, axis=1, sort=False) if len(parts) > 1 else parts[0]
    if pur is not None and len(other_only):
        out = out.drop(index=other_only)
    out.index = out.index.astype(STR)
    out.attrs["other_currency_customers"] = 0 if pur is None else int(len(other_only))
    out.index.name = "customer"
    out = out.sort_index()
    if pur is not None:
        out["frequency"] = out["frequency"].fillna(0).astype("int64")
        out["monetary"] = out["monetary"].fillna(0.0).astype("float64")
    if exp is not None:
        contacts = out.pop("_contacts").fillna(0)
        orders = out["frequency"].clip(lower=1) if pur is not None else 1
        out["contact_rate"] = (contacts / orders).astype("float64")
    return out[[c for c in FEATURES if c in out.columns]]


def _feature_inputs(activity: pd.DataFrame | None, experiences: pd.DataFrame | None, customer: str,
                    key: Key) -> tuple[pd.DataFrame | None, pd.DataFrame | None, pd.DataFrame | None]:
    """The experiences (prepared, and as given) and the purchases (``customer, at, amount, currency``, rows
    with a customer and a time) :func:`customer_features` reads."""
    if activity is None and experiences is None:
        raise ValueError("customer_features needs activity, experiences or both.")
    exp = raw = None
    if experiences is not None:
        exp = prepare_experiences(experiences)
        raw = experiences
    act = None
    if activity is not None:
        act = (link_activity_to(exp, activity, customer, key) if exp is not None
               else with_customer(activity, "activity", customer, key))
    pur = None
    if act is not None:
        if "at" not in act.columns:
            raise ValueError("activity has no 'at' column (purchase time); read it with a csanalysis reader "
                             "or name the column 'at'.")
        amount = (pd.to_numeric(act["amount"], errors="coerce") if "amount" in act.columns
                  else pd.Series(np.nan, index=act.index))
        cur = (act["currency"].astype(STR) if "currency" in act.columns
               else pd.Series(np.nan, index=act.index, dtype=STR))
        p = pd.DataFrame({"customer": act["customer"].astype(STR),
                          "at": as_utc(act["at"], "activity 'at'"), "amount": amount, "currency": cur})
        pur = p.dropna(subset=["customer", "at"])
    return exp, raw, pur


def _latest(exp: pd.DataFrame | None, pur: pd.DataFrame | None) -> pd.Timestamp | None:
    times = []
    if pur is not None and len(pur):
        times.append(pur["at"].max())
    if exp is not None:
        ok = exp.dropna(subset=["customer", "at"])
        if len(ok):
            times.append(ok["at"].max())
    return max(times) if times else None


def features_end(activity: pd.DataFrame | None = None, experiences: pd.DataFrame | None = None, *,
                 customer: str = "customer", key: Key = "auto") -> pd.Timestamp | None:
    """The latest purchase or experience (None without any): :func:`customer_features`' default ``as_of``.

    The parts of tables split by customer each give theirs, and the latest of
    them is the whole tables' (for :func:`customer_features` of each part
    with that ``as_of``).

    Examples
    --------
    >>> act = pd.DataFrame({"customer": ["a"], "at": [pd.Timestamp("2024-03-01", tz="UTC")]})
    >>> features_end(act)
    Timestamp('2024-03-01 00:00:00+0000', tz='UTC')
    """
    exp, _, pur = _feature_inputs(activity, experiences, customer, key)
    return _latest(exp, pur)


# =========================================================================== maths
def _distances(x: np.ndarray) -> np.ndarray:
    """m x m Euclidean distance matrix of the rows of ``x``."""
    sq = np.einsum("ij,ij->i", x, x)
    return np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * (x @ x.T), 0.0))


def _silhouette(x: np.ndarray, labels: np.ndarray, d: np.ndarray | None = None) -> float:
    """Mean silhouette width (Euclidean), vectorised over an m x m distance matrix.

    ``d``, the :func:`_distances` of ``x``, can be passed when several labellings of the same
    rows are scored (it does not depend on the labels).
    """
    m = x.shape[0]
    ks, lab = np.unique(labels, return_inverse=True)
    if ks.size < 2 or m < 3:
        return np.nan
    if d is None:
        d = _distances(x)
    onehot = np.zeros((m, ks.size))
    onehot[np.arange(m), lab] = 1.0
    sums = d @ onehot
    counts = onehot.sum(axis=0)
    own = counts[lab]
    a = sums[np.arange(m), lab] / np.maximum(own - 1.0, 1.0)
    mean_other = sums / counts[None, :]
    mean_other[np.arange(m), lab] = np.inf
    b = mean_other.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.where(own > 1, (b - a) / np.maximum(a, b), 0.0)
    return float(np.nanmean(s))


def _kmeans2_converged(x: np.ndarray, k: int, rng: np.random.Generator, n_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """``kmeans2(x, k, iter=n_iter, minit="++", missing="raise", rng=rng)``, stopped at its fixed point.

    ``kmeans2`` always runs all ``iter`` Lloyd steps. Once a step assigns every point to the same
    centre as the step before, the centres it computes are the previous ones exactly (the same
    means of the same points), so every later step repeats it: stopping there returns the very same
    centres and labels, bit for bit, and draws the same random numbers (only the k-means++ start
    uses ``rng``).
    """
    centres, lab = kmeans2(x, k, iter=1, minit="++", missing="raise", rng=rng)
    for _ in range(n_iter - 1):  # Lloyd steps, until nothing moves
        new_centres, new_lab = kmeans2(x, centres, iter=1, minit="matrix", missing="raise", check_finite=False)
        if np.array_equal(new_lab, lab):
            return new_centres, new_lab
        centres, lab = new_centres, new_lab
    return centres, lab


def _kmeans(x: np.ndarray, k: int, rng: np.random.Generator, n_init: int, n_iter: int) -> tuple[np.ndarray, float]:
    """Best of ``n_init`` k-means++ runs (lowest within-cluster sum of squares)."""
    best, best_inertia = None, np.inf
    for _ in range(n_init):  # a handful of restarts
        try:
            centres, lab = _kmeans2_converged(x, k, rng, n_iter)
        except ClusterError:
            continue
        inertia = float(((x - centres[lab]) ** 2).sum())
        if inertia < best_inertia:
            best, best_inertia = centres, inertia
    if best is None:
        raise ValueError(f"k-means could not form {k} non-empty clusters; the data have too few distinct "
                         "customers for that many clusters.")
    return best, best_inertia


# =========================================================================== result
@dataclass(repr=False)
class ClusterResult(Result):
    """Result of :func:`cluster_customers`.

    Attributes
    ----------
    labels : Series
        Customer -> cluster number (1 = largest cluster).
    features : DataFrame
        Raw features per customer, ``<feature>_imputed`` flags and ``cluster``.
    centres : DataFrame
        Cluster centres in standardised units (rows = clusters, columns =
        features used).
    k : int
        Number of clusters.
    k_scores : DataFrame
        ``k, silhouette, inertia`` for every k tried.
    used : list of str
        Features that entered the distances.
    dropped : dict
        Feature -> why it was left out.
    scaling : DataFrame
        ``feature, log1p, centre, scale`` of the standardisation.
    z_means : DataFrame
        Each cluster's mean of every standardised feature as a z-score over
        all customers (rows = clusters).
    sizes : Series
        Customers per cluster (index ``cluster``).
    medians : DataFrame
        Each cluster's median of every feature in its own units (rows =
        clusters; missing values left out).
    kept : dict or None
        Without the rows (:meth:`~csanalysis.results.Result.without_rows`:
        ``labels`` and ``features`` None): the summary, the profile and the
        number of customers.
    """

    labels: pd.Series | None
    features: pd.DataFrame | None
    centres: pd.DataFrame
    k: int
    k_scores: pd.DataFrame
    used: list[str]
    dropped: dict[str, str]
    scaling: pd.DataFrame
    z_means: pd.DataFrame
    sizes: pd.Series
    medians: pd.DataFrame
    describe_threshold: float = 0.5
    seed: int | None = 0
    confidence: float = 0.95
    notes: list[str] = field(default_factory=list)
    title: str = "Customer clusters"
    kept: dict[str, Any] | None = field(default=None, repr=False)

    row_fields = ("labels", "features")

    def _row_facts(self) -> dict[str, Any]:
        return {"summary": self.summary(), "profile": self.profile(), "customers": self.n_customers}

    @property
    def n_customers(self) -> int:
        """Customers clustered (the rows of :attr:`labels`)."""
        return int(self.sizes.sum())

    def __repr__(self) -> str:
        return f"ClusterResult({self.n_customers} customers, k={self.k}, features={self.used})"

    def _descriptions(self) -> list[str]:
        out = []
        for i in self.z_means.index:  # one per cluster (k <= a handful)
            z = self.z_means.loc[i]
            z = z[z.abs() >= self.describe_threshold]
            top = z.abs().sort_values(ascending=False, kind="stable").index[:3]
            words = [_WORDS[f][0] if z[f] > 0 else _WORDS[f][1] for f in top]
            out.append(", ".join(words) if words else "close to the typical customer")
        return out

    def profile(self) -> pd.DataFrame:
        """Per cluster: ``cluster, segment, n, share, description``, the standardised mean of each
        feature (``z_<feature>``) and its median in original units (``median_<feature>``)."""
        return self._kept("profile", self._profile)

    def _profile(self) -> pd.DataFrame:
        counts = self.sizes.reindex(self.z_means.index, fill_value=0)
        out = pd.DataFrame({"cluster": self.z_means.index.to_numpy(),
                            "segment": pd.Series([f"cluster {i}" for i in self.z_means.index], dtype=STR),
                            "n": counts.to_numpy(dtype="int64"),
                            "share": counts.to_numpy() / max(int(counts.sum()), 1),
                            "description": pd.Series(self._descriptions(), dtype=STR)})
        for f in self.used:
            out[f"z_{f}"] = self.z_means[f].to_numpy()
        for f in self.medians.columns:
            out[f"median_{f}"] = self.medians[f].reindex(self.z_means.index).to_numpy(dtype=float)
        return out

    def summary(self) -> pd.DataFrame:
        """``segment, n, share, share_ci_low, share_ci_high, description`` per cluster."""
        return self._kept("summary", self._summary)

    def _summary(self) -> pd.DataFrame:
        names = [f"cluster {i}" for i in self.z_means.index]
        out = share_counts(self.sizes.reindex(self.z_means.index, fill_value=0).to_numpy(), names, self.confidence)
        out["description"] = pd.Series(self._descriptions(), dtype=STR)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"segments": [...], "k", "k_scores", "features", "profile", ...}``."""
        return jsonable({"segments": frame_records(self.summary()), "k": self.k,
                         "k_scores": frame_records(self.k_scores), "features": list(self.used),
                         "dropped": dict(self.dropped), "profile": frame_records(self.profile()),
                         "seed": self.seed, "notes": list(self.notes)})

    def plot(self, ax: Any = None) -> Any:
        """Heatmap of standardised cluster means (see :func:`csanalysis.plotting.plot_clusters`)."""
        from csanalysis.plotting.segments import plot_clusters
        return plot_clusters(self, ax=ax)


def _check_options(k: Any, k_range: Any, scaling: Any, fit_sample: Any, silhouette_sample: Any, n_init: Any,
                   n_iter: Any, confidence: Any) -> tuple[float, int, int]:
    """``(confidence, lowest k, highest k)`` of :func:`cluster_customers`'s options, or ``ValueError``."""
    confidence = check_confidence(confidence)
    if scaling not in ("robust", "zscore"):
        raise ValueError(f"scaling must be 'robust' or 'zscore', got {scaling!r}.")
    lo_k, hi_k = (int(k_range[0]), int(k_range[1]))
    if lo_k < 2 or hi_k < lo_k:
        raise ValueError(f"k_range must be (low, high) with 2 <= low <= high, got {k_range!r}.")
    if k is not None and (isinstance(k, bool) or int(k) != k or k < 1):
        raise ValueError(f"k must be a whole number >= 1 or None, got {k!r}.")
    for name, v in (("fit_sample", fit_sample), ("silhouette_sample", silhouette_sample), ("n_init", n_init),
                    ("n_iter", n_iter)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive whole number, got {v!r}.")
    return confidence, lo_k, hi_k


# =========================================================================== main function
def cluster_customers(
    activity: pd.DataFrame | None = None,
    experiences: pd.DataFrame | None = None,
    *,
    k: int | None = None,
    k_range: tuple[int, int] = (2, 8),
    features: list[str] | tuple[str, ...] | None = None,
    scaling: Literal["robust", "zscore"] = "robust",
    seed: int | None = 0,
    as_of: Any = None,
    currency: str | None = None,
    fit_sample: int = 100_000,
    silhouette_sample: int = 2_000,
    n_init: int = 4,
    n_iter: int = 30,
    describe_threshold: float = 0.5,
    customer: str = "customer",
    key: Key = "auto",
    confidence: float = 0.95,
) -> ClusterResult:
    """Cluster customers on their purchase and service features with k-means.

    Parameters
    ----------
    activity, experiences : DataFrame, optional
        Canonical activity and :func:`csanalysis.experiences.experiences`
        output (at least one). A DataFrame of features indexed by customer
        (columns from :data:`FEATURES`) can be passed as ``activity`` when it
        has no ``at`` column.
    k : int, optional
        Number of clusters; default chosen by silhouette in ``k_range``.
    k_range : (int, int), default (2, 8)
        Smallest and largest k tried.
    features : list of str, optional
        Subset of :data:`FEATURES` to use; default all available.
    scaling : {"robust", "zscore"}
        Median/IQR (default) or mean/standard deviation, after ``log1p`` of
        the skewed features.
    seed : int or None, default 0
        Seed of the samples and k-means starts.
    as_of, currency, customer, key
        As in :func:`customer_features`.
    fit_sample : int, default 100000
        Fit k-means on at most this many customers, then assign all.
    silhouette_sample : int, default 2000
        Customers the silhouette is computed on.
    n_init, n_iter : int
        k-means restarts and iterations.
    describe_threshold : float, default 0.5
        Smallest standardised distance from 0 a feature needs to describe a
        cluster.
    confidence : float, default 0.95
        Confidence level of the share intervals.

    Returns
    -------
    ClusterResult

    Raises
    ------
    ValueError
        No customers, unknown features, bad options.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"frequency": np.r_[rng.poisson(1, 50), rng.poisson(20, 50)],
    ...                   "contact_rate": np.r_[rng.uniform(0, .1, 50), rng.uniform(1, 2, 50)]},
    ...                  index=pd.Index([f"c{i}" for i in range(100)], name="customer"))
    >>> res = cluster_customers(f, seed=1)
    >>> res.k, sorted(res.summary()["n"].tolist())
    (2, [50, 50])
    """
    _check_options(k, k_range, scaling, fit_sample, silhouette_sample, n_init, n_iter, confidence)
    if activity is not None and experiences is None and "at" not in activity.columns:
        check_frame(activity, "activity")
        feats = activity.copy()
        unknown = [c for c in feats.columns if c not in FEATURES]
        if unknown:
            raise ValueError(f"feature table has unknown column(s) {', '.join(map(str, unknown))}; features are "
                             f"{', '.join(FEATURES)}.")
        feats.index = feats.index.astype(STR)
    else:
        feats = customer_features(activity, experiences, as_of=as_of, currency=currency, customer=customer,
                                  key=key)
    if features is not None:
        bad = [f for f in features if f not in FEATURES]
        if bad:
            raise ValueError(f"unknown feature(s) {', '.join(map(str, bad))}; choose from {', '.join(FEATURES)}.")
        missing = [f for f in features if f not in feats.columns]
        if missing:
            raise ValueError(f"feature(s) {', '.join(missing)} cannot be computed from the tables given.")
        feats = feats[list(features)]
    part = FeatureRows(feats)
    res = clusters_from_parts(lambda method, **kw: [getattr(part, method)(**kw)], k=k, k_range=k_range,
                              scaling=scaling, seed=seed, currency=currency, fit_sample=fit_sample,
                              silhouette_sample=silhouette_sample, n_init=n_init, n_iter=n_iter,
                              describe_threshold=describe_threshold, confidence=confidence)
    res.labels, res.features = part.rows()
    res.kept = None
    return res


# =========================================================================== asked of parts
class FeatureRows(HoldsArrays):
    """One part's customer features (:func:`customer_features` of a partition of customers) where they are,
    answering :func:`clusters_from_parts`'s rounds: counts, sums and order statistics of each feature, the
    standardised rows at given ranks of their lexicographic order, the customers and sums per cluster. No
    customer's row leaves it but the few the k-means sample draws.

    Parameters
    ----------
    features : DataFrame or None
        Indexed by customer, columns from :data:`FEATURES` (None: no customer).
    """

    def __init__(self, features: pd.DataFrame | None) -> None:
        self.features = features
        self.values: SortedGroups | None = None
        self.sorted_rows: SortedRows | None = None

    def _raw(self, columns: list[str]) -> np.ndarray:
        f = self.features
        if f is None or not columns:
            return np.zeros((0 if f is None else len(f), len(columns)))
        return np.column_stack([pd.to_numeric(f[c], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
                                for c in columns])

    def head(self) -> dict[str, Any]:
        """The customers, the feature columns, each feature's values, smallest and largest value, and the
        customers left out for paying only in other currencies."""
        f = self.features
        if f is None:
            return {"customers": 0, "columns": None, "ranges": None, "other_currency_customers": 0}
        return {"customers": len(f), "columns": list(f.columns), "ranges": column_ranges(self._raw(list(f.columns))),
                "other_currency_customers": int(f.attrs.get("other_currency_customers", 0))}

    def prepare(self, *, columns: list[str], logs: list[bool]) -> np.ndarray:
        """Each feature of ``columns`` transformed (``log1p`` where ``logs``), kept sorted for
        :func:`~csanalysis.stats.selection.select`: the sums of its values."""
        t = np.ascontiguousarray(self._raw(columns).T)  # one feature per row: its sums as numpy sums a column
        for i, use_log in enumerate(logs):  # a handful of features
            if use_log:
                t[i] = np.log1p(t[i])
        self._columns, self._t = list(columns), t
        self.values = SortedGroups(t.ravel(), np.repeat(np.arange(len(columns)), t.shape[1]), len(columns))
        return np.nansum(t, axis=1)

    def at_most(self, **kw: Any) -> np.ndarray:
        return self.values.at_most(**kw)

    def between(self, **kw: Any) -> list[np.ndarray]:
        return self.values.between(**kw)

    def spread(self, *, means: np.ndarray) -> np.ndarray:
        """Per transformed feature the sum of squared deviations of its values from ``means``."""
        return np.nansum((self._t - np.asarray(means)[:, None]) ** 2, axis=1)

    def standardise(self, *, keep: list[bool], centre: np.ndarray, scale: np.ndarray) -> dict[str, np.ndarray]:
        """The kept features standardised, missing values imputed with 0 (the median), kept in lexicographic
        order (:class:`~csanalysis.stats.selection.SortedRows`): each column's range
        (:func:`~csanalysis.stats.selection.column_ranges`) and its sum."""
        t = self._t[np.asarray(keep, dtype=bool)] if len(keep) else self._t
        self._kept_columns = [c for c, k in zip(self._columns, keep) if k]
        z = (t - np.asarray(centre)[:, None]) / np.asarray(scale)[:, None]
        self.missing = np.isnan(t).T
        x = np.column_stack(list(z)) if len(z) else np.zeros((t.shape[1], 0))  # one customer per row
        x[self.missing] = 0.0
        self.x, self._t, self.values = x, None, None
        self.sorted_rows = SortedRows(x) if x.shape[1] else None  # (no feature: one cluster, no sample)
        return {"ranges": column_ranges(x), "sums": x.sum(axis=0)}

    def row_sample(self, **kw: Any) -> np.ndarray:
        return self.sorted_rows.row_sample(**kw)

    def row_counts(self, **kw: Any) -> np.ndarray:
        return self.sorted_rows.row_counts(**kw)

    def rows_between(self, **kw: Any) -> list[np.ndarray]:
        return self.sorted_rows.rows_between(**kw)

    def assign(self, *, centres: np.ndarray, means: np.ndarray) -> dict[str, np.ndarray]:
        """Each customer's nearest centre (:func:`scipy.cluster.vq.vq`): the customers and the sums of the
        standardised features per centre, and the sum of squared deviations of each feature from ``means``."""
        self.sorted_rows = None
        k = len(centres)
        self.cluster = (vq(self.x, centres)[0] if k > 1 and len(self.x) else np.zeros(len(self.x), dtype=np.int64))
        return {"n": np.bincount(self.cluster, minlength=k),
                "sums": np.stack([np.bincount(self.cluster, weights=self.x[:, i], minlength=k)
                                  for i in range(self.x.shape[1])], axis=1) if self.x.shape[1] else np.zeros((k, 0)),
                "spread": ((self.x - np.asarray(means)) ** 2).sum(axis=0),
                "total": float(((self.x - np.asarray(means)) ** 2).sum())}

    def number(self, *, rank: np.ndarray, columns: list[str]) -> np.ndarray:
        """Clusters numbered by size (``rank`` of each centre), the values of every feature of ``columns`` kept
        sorted per cluster for its medians: the values per (cluster, feature)."""
        self.cluster = np.asarray(rank)[self.cluster]
        cols = list(columns)
        raw = self._raw(cols)
        g = (self.cluster[:, None] - 1) * len(cols) + np.arange(len(cols))[None, :]
        self.values = SortedGroups(raw.ravel(), g.ravel(), len(rank) * len(cols))
        return self.values.counts()

    def rows(self) -> tuple[pd.Series, pd.DataFrame]:
        """The customers' clusters and their features table (``<feature>_imputed`` flags and ``cluster``)."""
        idx = pd.Index(self.features.index, name="customer")
        labels = pd.Series(self.cluster, index=idx, name="cluster", dtype="int64")
        table = self.features.copy()
        for i, f in enumerate(self._kept_columns):
            table[f"{f}_imputed"] = self.missing[:, i]
        table["cluster"] = labels.to_numpy()
        return labels, table


def _percentile_of(n: int, q: float, at: dict[int, float]) -> float:
    """``np.percentile`` (linear) of ``n`` sorted values at ``q`` in [0, 1], from the values at the two ranks
    around it (:func:`_percentile_ranks`), as numpy computes it."""
    virtual = (n - 1) * q
    below = int(np.floor(virtual))
    pair = np.array([at[below], at[min(below + 1, n - 1)]])
    return float(np.quantile(pair, virtual - below))  # numpy's own interpolation between the two


def _percentile_ranks(n: int, q: float) -> list[int]:
    below = int(np.floor((n - 1) * q))
    return [below, min(below + 1, n - 1)]


def _median_ranks(n: int) -> list[int]:
    return [(n - 1) // 2, n // 2]


def _median_of(n: int, at: dict[int, float]) -> float:
    """The median of ``n`` sorted values (the mean of the two middle ones when ``n`` is even), as numpy and
    pandas compute it."""
    a, b = at[(n - 1) // 2], at[n // 2]
    return a if n % 2 else (a + b) / 2


def _order_statistics(each: Any, n: np.ndarray, wanted: list[list[int]], fetch: int) -> list[dict[int, float]]:
    """For each group ``g`` the values at ranks ``wanted[g]`` (:func:`~csanalysis.stats.selection.select`)."""
    groups = np.repeat(np.arange(len(wanted)), [len(w) for w in wanted])
    ranks = np.array([r for w in wanted for r in w], dtype=np.int64)
    found = select(each, groups, ranks, fetch=fetch) if len(ranks) else np.zeros(0)
    out: list[dict[int, float]] = [{} for _ in wanted]
    for g, r, v in zip(groups.tolist(), ranks.tolist(), found.tolist()):
        out[g][r] = v
    return out


def clusters_from_parts(
    each: Any,
    *,
    k: int | None = None,
    k_range: tuple[int, int] = (2, 8),
    scaling: Literal["robust", "zscore"] = "robust",
    seed: int | None = 0,
    currency: str | None = None,
    fit_sample: int = 100_000,
    silhouette_sample: int = 2_000,
    n_init: int = 4,
    n_iter: int = 30,
    describe_threshold: float = 0.5,
    confidence: float = 0.95,
    fetch: int = 4096,
    sample: int = 1024,
) -> ClusterResult:
    """:func:`cluster_customers` of the customer features of every part, asked where they are (the map-reduce
    of the clusters): a :class:`ClusterResult` without its rows.

    Rounds: each feature's values and smallest value, its exact median and quartiles
    (:func:`~csanalysis.stats.selection.select`; its sums when the standard deviation is needed), the
    standardised features' ranges and sums; the k-means samples are ranks of the customers in the
    lexicographic order of their standardised features, drawn here and fetched as those rows
    (:func:`~csanalysis.stats.selection.select_rows`); k-means runs here on them; each part assigns its
    customers to the nearest centre and sends the customers and sums per centre; the clusters' medians are
    order statistics per cluster. :func:`cluster_customers` is these rounds with its one table as the only
    part, so both give the same clusters.

    Parameters
    ----------
    each : callable
        ``each(method, **kw)`` calls ``method`` of every part's :class:`FeatureRows` and returns the answers
        (a list).
    k, k_range, scaling, seed, currency, fit_sample, silhouette_sample, n_init, n_iter, describe_threshold, confidence
        As in :func:`cluster_customers`.
    fetch : int, default 4096
        As in :func:`~csanalysis.stats.selection.select`.
    sample : int, default 1024
        As in :func:`~csanalysis.stats.selection.select_rows`.

    Returns
    -------
    ClusterResult
        ``labels`` and ``features`` None.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"frequency": np.r_[rng.poisson(1, 50), rng.poisson(20, 50)],
    ...                   "contact_rate": np.r_[rng.uniform(0, .1, 50), rng.uniform(1, 2, 50)]},
    ...                  index=pd.Index([f"c{i}" for i in range(100)], name="customer"))
    >>> parts = [FeatureRows(f.iloc[::2]), FeatureRows(f.iloc[1::2])]
    >>> res = clusters_from_parts(lambda m, **kw: [getattr(p, m)(**kw) for p in parts], seed=1)
    >>> res.summary()["n"].tolist() == cluster_customers(f, seed=1).summary()["n"].tolist()
    True
    """
    confidence, lo_k, hi_k = _check_options(k, k_range, scaling, fit_sample, silhouette_sample, n_init, n_iter,
                                            confidence)
    heads = each("head")
    n = sum(h["customers"] for h in heads)
    if n == 0:
        raise ValueError("no customers to cluster (the tables are empty).")
    columns = next(h["columns"] for h in heads if h["columns"] is not None)
    if any(h["columns"] is not None and h["columns"] != columns for h in heads):
        raise ValueError("the parts' customer features have different columns; every part needs the same.")
    counts, lowest, highest = combined_ranges([h["ranges"] for h in heads if h["ranges"] is not None])
    notes: list[str] = []
    other = sum(h["other_currency_customers"] for h in heads)
    if other:
        notes.append(f"{other} customer(s) who paid only in other currencies than {currency} left out "
                     "(incomparable units; no conversion)")
    # ---- transform, scale, impute
    dropped: dict[str, str] = {f: "no values" for f, c in zip(columns, counts) if c == 0}
    some = counts > 0
    cols = [f for f, u in zip(columns, some) if u]
    m, lowest, highest = counts[some].astype(np.int64), lowest[some], highest[some]
    logs = [bool(f in _LOG and low >= 0) for f, low in zip(cols, lowest)]
    sums = np.sum(each("prepare", columns=cols, logs=logs), axis=0)
    means = sums / np.maximum(m, 1)
    centre, scale = np.full(len(cols), np.nan), np.full(len(cols), np.nan)
    if scaling == "robust" and cols:
        at = _order_statistics(each, m, [_median_ranks(int(c)) + _percentile_ranks(int(c), 0.25)
                                         + _percentile_ranks(int(c), 0.75) for c in m], fetch)
        for i, c in enumerate(m.tolist()):  # a handful of features
            centre[i] = _median_of(c, at[i])
            scale[i] = (_percentile_of(c, 0.75, at[i]) - _percentile_of(c, 0.25, at[i])) / 1.349
    else:
        centre = means.copy()
    need = ~(scale > 0)
    if need.any():  # the standard deviation (zscore, or an interquartile range of 0)
        sd = np.sqrt(np.sum(each("spread", means=means), axis=0) / np.maximum(m, 1))
        scale = np.where(need, sd, scale)
    # constant: one value for everyone (its range, not a standard deviation whose sums' rounding may leave a
    # few units in the last place of a constant)
    keep = (scale > 0) & (lowest < highest)
    rows = []
    for i, f in enumerate(cols):  # a handful of features
        if not keep[i]:
            dropped[f] = "constant"
            continue
        rows.append({"feature": f, "log1p": logs[i], "centre": float(centre[i]), "scale": float(scale[i])})
        if m[i] < n:
            notes.append(f"{f}: {n - int(m[i])} missing value(s) imputed with the median")
    dropped = {f: dropped[f] for f in columns if f in dropped}  # (in the features' order)
    for f, why in dropped.items():
        notes.append(f"{f} left out ({why})")
    used = [f for i, f in enumerate(cols) if keep[i]]
    scaling_tab = pd.DataFrame(rows, columns=["feature", "log1p", "centre", "scale"])
    ranges = each("standardise", keep=keep.tolist(), centre=centre[keep], scale=scale[keep])
    _, lo, hi = combined_ranges([r["ranges"] for r in ranges])
    mean_x = np.sum([r["sums"] for r in ranges], axis=0) / n
    rng = np.random.default_rng(seed)
    if not used or np.all(lo == hi) or k == 1:
        notes.append("fewer than two distinct customers (or k=1): one cluster")
        centres = mean_x[None, :]
        got = each("assign", centres=centres, means=mean_x)
        k_scores = pd.DataFrame({"k": [1], "silhouette": [np.nan],
                                 "inertia": [float(np.sum([g["total"] for g in got]))]})
        k_final = 1
    else:
        # the samples: ranks of the customers in the order of their features, not of their keys (the samples
        # and starts, and so the clusters, do not move with the pseudonymisation secret or the partitions)
        fit_idx = rng.choice(n, size=fit_sample, replace=False) if n > fit_sample else np.arange(n)
        sil_idx = rng.choice(n, size=silhouette_sample, replace=False) if n > silhouette_sample else np.arange(n)
        wanted = np.unique(np.concatenate([fit_idx, sil_idx]))
        drawn = select_rows(each, wanted, len(used), sample=sample)
        Xf, Xs = drawn[np.searchsorted(wanted, fit_idx)], drawn[np.searchsorted(wanted, sil_idx)]
        n_fit_distinct = np.unique(Xf, axis=0).shape[0] if len(Xf) <= 50_000 else len(Xf)
        ks = [int(k)] if k is not None else [j for j in range(lo_k, hi_k + 1) if j <= n_fit_distinct]
        if not ks:
            ks = [min(2, n_fit_distinct)]
        fits, scores = {}, []
        d_s = _distances(Xs) if len(Xs) >= 3 else None  # the same rows for every k: computed once
        for j in ks:  # at most seven values of k
            centres_j, inertia = _kmeans(Xf, j, rng, int(n_init), int(n_iter))
            lab_s, _ = vq(Xs, centres_j)
            scores.append({"k": j, "silhouette": _silhouette(Xs, lab_s, d_s), "inertia": inertia})
            fits[j] = centres_j
        k_scores = pd.DataFrame(scores)
        sil = k_scores["silhouette"].to_numpy(dtype=float)
        k_final = int(ks[int(np.nanargmax(sil))]) if np.isfinite(sil).any() else int(ks[0])
        centres = fits[k_final]
        got = each("assign", centres=centres, means=mean_x)
        if n > fit_sample:
            notes.append(f"k-means fitted on a random sample of {fit_sample} customers, then all assigned")
    # number clusters by size, largest first
    sizes = np.sum([g["n"] for g in got], axis=0)
    order = np.argsort(-sizes, kind="stable")  # the centres in cluster order
    rank = np.empty(k_final, dtype="int64")
    rank[order] = np.arange(1, k_final + 1)
    centres = centres[order]
    cl_index = pd.Index(np.arange(1, k_final + 1), name="cluster")
    # profile: z-scores over all customers (0 = the average customer), whatever the scaling
    sd = np.sqrt(np.sum([g["spread"] for g in got], axis=0) / n)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = ((np.sum([g["sums"] for g in got], axis=0)[order] / sizes[order][:, None]) - mean_x) \
            / np.where(sd > 0, sd, 1.0)
    z_means = pd.DataFrame(np.where(sizes[order][:, None] > 0, z, np.nan), index=cl_index, columns=used)
    # each cluster's median of every feature in its own units
    med_cols = [c for c in FEATURES if c in columns]
    per = np.sum(each("number", rank=rank, columns=med_cols), axis=0)
    at = _order_statistics(each, per, [_median_ranks(int(c)) if c else [] for c in per], fetch)
    med = np.array([_median_of(int(c), at[g]) if c else np.nan for g, c in enumerate(per.tolist())])
    medians = pd.DataFrame(med.reshape(k_final, len(med_cols)), index=cl_index, columns=med_cols)
    return ClusterResult(labels=None, features=None, centres=pd.DataFrame(centres, index=cl_index, columns=used),
                         k=k_final, k_scores=k_scores, used=used, dropped=dropped, scaling=scaling_tab,
                         z_means=z_means, sizes=pd.Series(sizes[order], index=cl_index, name="n"),
                         medians=medians, describe_threshold=float(describe_threshold), seed=seed,
                         confidence=confidence, notes=notes)
