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
    share_table,
    utc_as_of,
    with_customer,
)

__all__ = ["FEATURES", "ClusterResult", "cluster_customers", "customer_features", "features_end"]

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
        return self._kept("customers", lambda: len(self.labels))

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
        counts = self.labels.value_counts().reindex(self.z_means.index, fill_value=0)
        out = pd.DataFrame({"cluster": self.z_means.index.to_numpy(),
                            "segment": pd.Series([f"cluster {i}" for i in self.z_means.index], dtype=STR),
                            "n": counts.to_numpy(dtype="int64"),
                            "share": counts.to_numpy() / max(int(counts.sum()), 1),
                            "description": pd.Series(self._descriptions(), dtype=STR)})
        for f in self.used:
            out[f"z_{f}"] = self.z_means[f].to_numpy()
        med = self.features.groupby("cluster")[[c for c in FEATURES if c in self.features.columns]].median()
        for f in med.columns:
            out[f"median_{f}"] = med[f].reindex(self.z_means.index).to_numpy(dtype=float)
        return out

    def summary(self) -> pd.DataFrame:
        """``segment, n, share, share_ci_low, share_ci_high, description`` per cluster."""
        return self._kept("summary", self._summary)

    def _summary(self) -> pd.DataFrame:
        names = [f"cluster {i}" for i in self.z_means.index]
        out = share_table("cluster " + self.labels.astype(STR), names, self.confidence)
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
    n = len(feats)
    if n == 0:
        raise ValueError("no customers to cluster (the tables are empty).")
    notes: list[str] = []
    if feats.attrs.get("other_currency_customers"):
        notes.append(f"{feats.attrs['other_currency_customers']} customer(s) who paid only in other currencies "
                     f"than {currency} left out (incomparable units; no conversion)")
    # ---- transform, scale, impute
    cols, dropped, rows = [], {}, []
    mats = []
    flags = {}
    for f in feats.columns:  # a handful of features
        x = pd.to_numeric(feats[f], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        miss = np.isnan(x)
        if miss.all():
            dropped[f] = "no values"
            continue
        use_log = f in _LOG and np.nanmin(x) >= 0
        if use_log:
            x = np.log1p(x)
        if scaling == "robust":
            centre = float(np.nanmedian(x))
            q1, q3 = np.nanpercentile(x, [25, 75])
            scale = float(q3 - q1) / 1.349
            if not scale > 0:
                scale = float(np.nanstd(x))
        else:
            centre, scale = float(np.nanmean(x)), float(np.nanstd(x))
        if not scale > 0:
            dropped[f] = "constant"
            continue
        z = (x - centre) / scale
        z[miss] = 0.0
        mats.append(z)
        cols.append(f)
        flags[f"{f}_imputed"] = miss
        rows.append({"feature": f, "log1p": use_log, "centre": centre, "scale": scale})
        if miss.any():
            notes.append(f"{f}: {int(miss.sum())} missing value(s) imputed with the median")
    for f, why in dropped.items():
        notes.append(f"{f} left out ({why})")
    table = feats.copy()
    for name, fl in flags.items():
        table[name] = fl
    scaling_tab = pd.DataFrame(rows, columns=["feature", "log1p", "centre", "scale"])
    rng = np.random.default_rng(seed)
    X = np.column_stack(mats) if mats else np.zeros((n, 0))
    distinct = np.unique(X[: min(n, 50_000)], axis=0).shape[0] if X.shape[1] else 1
    if X.shape[1] == 0 or distinct < 2 or k == 1:
        notes.append("fewer than two distinct customers (or k=1): one cluster")
        labels = np.ones(n, dtype="int64")
        centres = X.mean(axis=0, keepdims=True) if X.shape[1] else np.zeros((1, 0))
        k_scores = pd.DataFrame({"k": [1], "silhouette": [np.nan], "inertia": [float(((X - centres) ** 2).sum())]})
        k_final = 1
    else:
        # customers in the order of their features, not of their keys: the samples and starts (and so the
        # clusters) do not move with the pseudonymisation secret
        Xo = X[np.lexsort(X.T[::-1])]
        fit_idx = rng.choice(n, size=fit_sample, replace=False) if n > fit_sample else np.arange(n)
        Xf = Xo[fit_idx]
        sil_idx = rng.choice(n, size=silhouette_sample, replace=False) if n > silhouette_sample else np.arange(n)
        Xs = Xo[sil_idx]
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
        lab, _ = vq(X, centres)
        # number clusters by size, largest first
        sizes = np.bincount(lab, minlength=k_final)
        order = np.argsort(-sizes, kind="stable")
        rank = np.empty(k_final, dtype="int64")
        rank[order] = np.arange(1, k_final + 1)
        labels = rank[lab]
        centres = centres[order]
        if n > fit_sample:
            notes.append(f"k-means fitted on a random sample of {fit_sample} customers, then all assigned")
    idx = pd.Index(feats.index, name="customer")
    lab_s = pd.Series(labels, index=idx, name="cluster", dtype="int64")
    table["cluster"] = lab_s.to_numpy()
    cl_index = pd.Index(np.arange(1, k_final + 1), name="cluster")
    # profile: z-scores over all customers (0 = the average customer), whatever the scaling
    sd = X.std(axis=0) if n else np.ones(len(cols))
    zdf = pd.DataFrame((X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0), columns=cols)
    z_means = zdf.groupby(labels).mean().reindex(cl_index)
    z_means.columns = cols
    centres_df = pd.DataFrame(centres, index=cl_index, columns=cols)
    return ClusterResult(labels=lab_s, features=table, centres=centres_df, k=k_final, k_scores=k_scores,
                         used=cols, dropped=dropped, scaling=scaling_tab, z_means=z_means,
                         describe_threshold=float(describe_threshold), seed=seed, confidence=confidence,
                         notes=notes)
