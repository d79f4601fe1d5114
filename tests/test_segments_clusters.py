"""Data-driven customer clusters: planted groups, silhouette, descriptions, edge cases."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csanalysis.segments import FEATURES, cluster_customers, customer_features
from csanalysis.segments.clusters import _silhouette

END = pd.Timestamp("2024-06-30", tz="UTC")


def ari(a, b) -> float:
    """Adjusted Rand index from the contingency table."""
    ct = pd.crosstab(np.asarray(a), np.asarray(b)).to_numpy().astype(float)

    def c2(x):
        return (x * (x - 1) / 2).sum()

    n = ct.sum()
    s, sa, sb = c2(ct), c2(ct.sum(axis=1)), c2(ct.sum(axis=0))
    expected = sa * sb / (n * (n - 1) / 2)
    return float((s - expected) / ((sa + sb) / 2 - expected))


def _world(rng: np.random.Generator, n_per: int = 300) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Three planted groups.

    loyal: frequent recent buyers, few contacts, good ratings;
    troubled: rare buyers with many contacts, bad ratings and slow resolutions;
    dormant: a few orders long ago, no contact at all.
    """
    spec = {"loyal": {"orders": (15, 30), "last": (0, 20), "spread": 700, "contacts": (1, 3), "bad": 0.05,
                      "csat": (4, 6), "res": (1, 4)},
            "troubled": {"orders": (2, 4), "last": (30, 120), "spread": 60, "contacts": (6, 12), "bad": 0.9,
                         "csat": (1, 3), "res": (48, 200)},
            "dormant": {"orders": (2, 5), "last": (500, 800), "spread": 300}}
    acts, exps, truth = [], [], {}
    for g, sp in spec.items():  # three groups
        cust = np.array([f"{g}{i:04d}" for i in range(n_per)])
        truth.update(dict.fromkeys(cust, g))
        k = rng.integers(*sp["orders"], n_per)
        ids = np.repeat(np.arange(n_per), k)
        last = rng.uniform(*sp["last"], n_per)
        lag = last[ids] + rng.uniform(0, sp["spread"], ids.size) * (np.r_[False, ids[1:] == ids[:-1]])
        acts.append(pd.DataFrame({"customer": cust[ids], "at": END - pd.to_timedelta(lag, unit="D"),
                                  "amount": rng.gamma(3.0, 20.0, ids.size), "currency": "EUR"}))
        if g == "dormant":
            continue  # no contacts at all
        m = rng.integers(*sp["contacts"], n_per)
        cid = np.repeat(np.arange(n_per), m)
        bad = rng.random(cid.size) < sp["bad"]
        exps.append(pd.DataFrame({
            "customer": cust[cid], "at": END - pd.to_timedelta(rng.uniform(0, 300, cid.size), unit="D"),
            "bad": bad, "good": ~bad, "rated": True,
            "csat": np.where(bad, 1.0, rng.integers(*sp["csat"], cid.size)).astype(float),
            "resolution_minutes": 60 * rng.uniform(*sp["res"], cid.size)}))
    return pd.concat(acts, ignore_index=True), pd.concat(exps, ignore_index=True), pd.Series(truth)


def test_recovers_three_planted_groups(rng):
    act, exp, truth = _world(rng)
    res = cluster_customers(act, exp, seed=7)
    assert res.k == 3
    assert ari(res.labels, truth.reindex(res.labels.index)) > 0.95
    ks = res.k_scores.set_index("k")
    assert list(ks.index) == list(range(2, 9))
    assert ks["silhouette"].idxmax() == 3
    # descriptions name what distinguishes each planted group
    prof = res.profile().set_index("cluster")
    majority = pd.crosstab(res.labels, truth.reindex(res.labels.index)).idxmax(axis=1)
    loyal = prof.loc[majority.index[majority == "loyal"][0], "description"]
    troubled = prof.loc[majority.index[majority == "troubled"][0], "description"]
    dormant = prof.loc[majority.index[majority == "dormant"][0], "description"]
    assert "frequent buyers" in loyal or "bought recently" in loyal
    assert "many contacts" in troubled or "many bad ratings" in troubled or "slow resolutions" in troubled
    assert "long since last purchase" in dormant
    # z columns are the standardised means, medians in original units
    assert prof.loc[majority.index[majority == "loyal"][0], "median_frequency"] >= 15
    assert {f"z_{f}" for f in res.used} <= set(prof.columns)
    # clusters are numbered by size
    assert prof["n"].is_monotonic_decreasing


def test_reproducible_and_sampled_fit(rng):
    act, exp, truth = _world(rng, n_per=200)
    a = cluster_customers(act, exp, seed=1)
    b = cluster_customers(act, exp, seed=1)
    assert a.labels.equals(b.labels) and a.k_scores.equals(b.k_scores)
    # fit on a sample of 150 customers, silhouette on 100, then every customer is assigned
    s = cluster_customers(act, exp, seed=2, fit_sample=150, silhouette_sample=100)
    assert len(s.labels) == len(truth) and s.labels.notna().all()
    assert ari(s.labels, truth.reindex(s.labels.index)) > 0.9
    assert any("sample of 150" in x for x in s.notes)
    fixed = cluster_customers(act, exp, k=5, seed=2)
    assert fixed.k == 5 and len(fixed.k_scores) == 1 and fixed.labels.nunique() == 5


def test_features_imputation_and_flags():
    t = lambda s: pd.Timestamp(s, tz="UTC")
    act = pd.DataFrame({"customer": ["a", "a", "b", "d"], "at": [t("2024-01-01"), t("2024-06-01"),
                        t("2024-02-01"), t("2023-06-01")], "amount": [10.0, 30.0, 5.0, 1.0], "currency": "EUR"})
    exp = pd.DataFrame({"customer": ["a", "a", "c"], "at": [t("2024-01-02"), t("2024-01-03"), t("2024-01-05")],
                        "bad": [True, False, False], "good": [False, True, False], "rated": [True, True, False],
                        "csat": [1.0, 5.0, NAN], "resolution_minutes": [120.0, 60.0, 30.0]})
    f = customer_features(act, exp, as_of="2024-06-30")
    assert list(f.columns) == list(FEATURES)
    assert f.loc["a", "contact_rate"] == 1.0 and f.loc["a", "bad_share"] == 0.5 and f.loc["a", "mean_csat"] == 3.0
    assert f.loc["a", "median_resolution_hours"] == 1.5 and f.loc["a", "tenure"] == 181
    assert f.loc["c", "frequency"] == 0 and np.isnan(f.loc["c", "recency"])  # a customer with no activity
    assert f.loc["c", "contact_rate"] == 1.0 and np.isnan(f.loc["c", "bad_share"])  # unrated contact
    assert f.loc["b", "contact_rate"] == 0.0 and np.isnan(f.loc["b", "mean_csat"])
    more = pd.concat([exp, pd.DataFrame({"customer": ["b"], "at": [t("2024-03-01")], "bad": [True],
                                         "good": [False], "rated": [True], "csat": [2.0]})], ignore_index=True)
    res = cluster_customers(act, more, as_of="2024-06-30", k_range=(2, 3))
    flags = res.features
    assert flags.loc["c", "recency_imputed"] and flags.loc["d", "bad_share_imputed"]
    assert not flags.loc["a", "bad_share_imputed"] and not flags.loc["b", "bad_share_imputed"]
    assert res.features.loc["b", "bad_share"] == 1.0
    assert any("imputed" in x for x in res.notes)
    only_exp = customer_features(None, exp)
    assert "recency" not in only_exp.columns and only_exp.loc["a", "contact_rate"] == 2.0


NAN = np.nan


def test_silhouette_matches_a_direct_computation(rng):
    x = rng.normal(size=(40, 3)) + np.repeat(np.eye(3)[:2] * 4, 20, axis=0)
    lab = np.repeat([0, 1], 20)
    lab[0] = 2  # a singleton cluster has silhouette 0
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    s = []
    for i in range(40):  # reference, small
        own = lab == lab[i]
        if own.sum() == 1:
            s.append(0.0)
            continue
        a = d[i, own].sum() / (own.sum() - 1)
        b = min(d[i, lab == c].mean() for c in set(lab) - {lab[i]})
        s.append((b - a) / max(a, b))
    assert np.isclose(_silhouette(x, lab), np.mean(s))


def test_one_segment_and_empty_inputs():
    same = pd.DataFrame({"frequency": [3, 3, 3], "monetary": [10.0, 10.0, 10.0]},
                        index=pd.Index(["a", "b", "c"], name="customer"))
    res = cluster_customers(same)
    assert res.k == 1 and set(res.labels) == {1}
    assert res.summary()["share"].tolist() == [1.0]
    assert res.dropped == {"frequency": "constant", "monetary": "constant"}
    with pytest.raises(ValueError, match="no customers"):
        cluster_customers(same.iloc[:0])
    with pytest.raises(ValueError, match="no customer with a time"):
        cluster_customers(pd.DataFrame({"customer": pd.Series([], dtype="str"),
                                        "at": pd.Series([], dtype="datetime64[ns, UTC]")}))
    with pytest.raises(ValueError, match="needs activity"):
        customer_features()
    with pytest.raises(ValueError, match="unknown feature"):
        cluster_customers(same, features=["shoe_size"])
    with pytest.raises(ValueError, match="k_range"):
        cluster_customers(same, k_range=(1, 4))
    with pytest.raises(ValueError, match="currencies"):
        customer_features(pd.DataFrame({"customer": ["a", "b"], "at": [END, END], "amount": [1.0, 2.0],
                                        "currency": ["EUR", "USD"]}))


def test_outputs(rng):
    act, exp, truth = _world(rng, n_per=80)
    res = cluster_customers(act, exp, seed=3)
    s = res.summary()
    assert list(s.columns) == ["segment", "n", "share", "share_ci_low", "share_ci_high", "description"]
    assert s["n"].sum() == len(truth) and np.isclose(s["share"].sum(), 1)
    d = res.to_dict()
    json.dumps(d)
    assert {"segment", "n", "share", "description"} <= set(d["segments"][0])
    assert d["k"] == res.k and len(d["profile"]) == res.k
    assert "cluster 1" in res._repr_html_()
    ax = res.plot()
    assert len(ax.get_yticklabels()) == len(res.used)
    assert len(ax.texts) == len(res.used) * res.k
    z = cluster_customers(act, exp, seed=3, scaling="zscore")
    assert ari(z.labels, truth.reindex(z.labels.index)) > 0.9
    assert np.allclose(z.scaling.set_index("feature").loc["mean_csat", "centre"],
                       res.features["mean_csat"].mean())
