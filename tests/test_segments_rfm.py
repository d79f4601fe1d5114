"""RFM segmentation: scores, segments, currencies and edge cases."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csanalysis.schema import conform
from csanalysis.segments import RFM_SEGMENT_GRID, RFM_SEGMENTS, rfm
from csanalysis.stats import wilson_ci

END = pd.Timestamp("2024-06-30", tz="UTC")


def _activity(rng: np.random.Generator, n_champions: int = 40, n_other: int = 260) -> pd.DataFrame:
    """Planted champions: recent, frequent, big spenders; the rest buy rarely, long ago, little."""
    rows = []
    champ_orders = rng.integers(12, 25, n_champions)
    other_orders = rng.integers(1, 4, n_other)
    for group, counts, lag_hi, amount in (("champ", champ_orders, 20, 400.0), ("other", other_orders, 700, 40.0)):
        ids = np.repeat(np.arange(len(counts)), counts)
        m = ids.size
        # the last purchase of champions is at most 20 days before the end
        lag = rng.uniform(0, lag_hi, len(counts))[ids] + rng.uniform(0, 300, m) * (rng.random(m) < 0.9)
        lag = np.where(np.r_[True, ids[1:] != ids[:-1]], rng.uniform(0, lag_hi, len(counts))[ids], lag)
        if group == "other":
            lag = lag + 60
        rows.append(pd.DataFrame({
            "customer_id": [f"{group}{i:03d}" for i in ids],
            "at": END - pd.to_timedelta(lag, unit="D"),
            "amount": rng.gamma(4.0, amount / 4.0, m),
            "currency": "DKK",
            "order_id": [f"{group}-o{j}" for j in range(m)],
        }))
    return conform(pd.concat(rows, ignore_index=True), "activity")


def test_planted_champions_are_found(rng):
    act = _activity(rng)
    res = rfm(act, as_of=END)
    t = res.table.set_index("customer")
    champs = t.index.str.startswith("champ")
    assert (t.loc[champs, "segment"] == "Champions").mean() >= 0.9
    assert (t.loc[~champs, "segment"] == "Champions").mean() <= 0.05
    # other customers are never scored above the champions on frequency
    assert t.loc[champs, "f_score"].min() >= t.loc[~champs, "f_score"].max() - 1


def test_table_values_and_scores():
    t = lambda s: pd.Timestamp(s, tz="UTC")
    act = pd.DataFrame({"customer": ["a", "a", "b", "c", "c", "c", "d", "e"],
                        "at": [t("2024-01-01"), t("2024-06-01"), t("2023-06-01"), t("2024-05-01"),
                               t("2024-05-15"), t("2024-06-20"), t("2022-01-01"), t("2024-06-29")],
                        "amount": [10, 20, 5, 100, 100, 100, 1, 50.0], "currency": "EUR",
                        "order_id": list("12345678")})
    res = rfm(act, as_of="2024-06-30", bins=5)
    t_ = res.table.set_index("customer")
    assert t_.loc["a", "recency"] == 29
    assert t_.loc["c", "frequency"] == 3 and t_.loc["c", "monetary"] == 300
    assert t_.loc["d", "recency"] == (pd.Timestamp("2024-06-30") - pd.Timestamp("2022-01-01")).days
    # five customers, five bins: every distinct value its own score; tied frequencies share the lowest
    for col in ("r_score", "m_score"):
        assert sorted(t_[col].tolist()) == [1, 2, 3, 4, 5]
    assert t_["f_score"].to_dict() == {"a": 4, "b": 1, "c": 5, "d": 1, "e": 1}
    assert t_.loc["e", "r_score"] == 5 and t_.loc["d", "r_score"] == 1
    assert t_.loc["c", "m_score"] == 5 and t_.loc["d", "m_score"] == 1
    # fm = ceil((f + m) / 2) and the segment is the grid cell
    fm = np.ceil((t_["f_score"] + t_["m_score"].astype(float)) / 2)
    assert (t_["fm_score"] == fm).all()
    for cust, row in t_.iterrows():  # one purchase: the FM 1 column
        fm_col = row["fm_score"] if row["frequency"] > 1 else 1
        assert row["segment"] == RFM_SEGMENT_GRID.loc[row["r_score"], fm_col]
    assert t_.loc["c", "rfm_score"] == f"{t_.loc['c', 'r_score']}{t_.loc['c', 'f_score']}5"


def test_ties_share_a_score_and_recent_one_time_buyers_are_new():
    # issue 12: 100 customers with one order each: frequency ties everywhere, and no tie is broken by date
    act = pd.DataFrame({"customer": [f"c{i:03d}" for i in range(100)],
                        "at": END - pd.to_timedelta(np.arange(100), unit="D"), "amount": 10.0,
                        "currency": "SEK"})
    res = rfm(act)
    assert res.table["f_score"].nunique() == 1 and res.table["m_score"].nunique() == 1
    t = res.table.sort_values("recency")
    assert (t.head(20)["segment"] == "New customers").all()
    assert (t.iloc[20:40]["segment"] == "Promising").all()
    assert not t["segment"].isin(["Champions", "Loyal", "Potential loyalists"]).any()
    # a few repeat buyers among many one-time buyers: only repeat buyers can be Champions
    rep = pd.concat([act, act.head(2).assign(at=END - pd.Timedelta(days=1))], ignore_index=True)
    t2 = rfm(rep).table
    assert set(t2.loc[t2["segment"] == "Champions", "customer"]) <= {"c000", "c001"}


def test_summary_shares_cis_and_outputs(rng):
    act = _activity(rng)
    res = rfm(act)
    s = res.summary()
    assert s["segment"].tolist()[: len(RFM_SEGMENTS)] == list(RFM_SEGMENTS)
    assert s["n"].sum() == len(res.table)
    assert np.isclose(s["share"].sum(), 1.0)
    lo, hi = wilson_ci(s["n"].to_numpy(), len(res.table))
    assert np.allclose(s["share_ci_low"], lo) and np.allclose(s["share_ci_high"], hi)
    champ = s.set_index("segment").loc["Champions"]
    assert champ["mean_frequency"] > s.set_index("segment").loc["Lost", "mean_frequency"]
    d = res.to_dict()
    json.dumps(d)
    assert {"segment", "n", "share"} <= set(d["segments"][0])
    assert d["customers"] == len(res.table)
    assert "Champions" in res._repr_html_()
    ax = res.plot()
    assert len(ax.patches) == int((s["n"] > 0).sum())  # empty segments are not drawn
    assert "RFM" in ax.get_title()


def test_mixed_currencies_need_a_choice():
    act = pd.DataFrame({"customer": ["a", "a", "b"],
                        "at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"], utc=True),
                        "amount": [100.0, 50.0, 70.0], "currency": ["DKK", "EUR", "DKK"]})
    with pytest.raises(ValueError, match="currencies.*currency="):
        rfm(act)
    res = rfm(act, currency="DKK")
    t = res.table.set_index("customer")
    assert t.loc["a", "monetary"] == 100.0 and t.loc["a", "frequency"] == 2
    assert res.currency == "DKK"
    assert any("other currencies" in n for n in res.notes)
    with pytest.raises(ValueError, match="no amount in currency"):
        rfm(act, currency="USD")


def test_no_amounts_uses_frequency_only():
    act = pd.DataFrame({"customer": ["a", "b", "b"],
                        "at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"], utc=True)})
    res = rfm(act)
    assert res.table["monetary"].isna().all()
    assert res.table["m_score"].isna().all()
    assert (res.table["fm_score"] == res.table["f_score"]).all()
    assert res.table["rfm_score"].str.endswith("-").all()


def test_empty_activity_raises():
    with pytest.raises(ValueError, match="no purchase"):
        rfm(conform(pd.DataFrame({"customer_id": pd.Series([], dtype="str")}), "activity"))
    with pytest.raises(ValueError, match="no purchase on or before"):
        rfm(pd.DataFrame({"customer": ["a"], "at": [END]}), as_of="2020-01-01")


def test_one_customer_is_one_segment():
    res = rfm(pd.DataFrame({"customer": ["solo"], "at": [END], "amount": [5.0], "currency": "EUR"}))
    s = res.summary()
    assert s["n"].sum() == 1
    assert (s["n"] > 0).sum() == 1
    assert s.loc[s["n"] == 1, "share"].item() == 1.0
    assert res.table["r_score"].item() == 3  # the middle score


def test_single_period_and_as_of_cut():
    # every purchase on one day: recency is 0 for everyone, so everyone gets the middle R score
    act = pd.DataFrame({"customer": [f"c{i}" for i in range(10)], "at": END,
                        "amount": np.arange(10.0), "currency": "EUR"})
    res = rfm(act)
    assert (res.table["recency"] == 0).all()
    assert (res.table["r_score"] == 3).all()
    assert sorted(res.table["m_score"].value_counts().tolist()) == [2] * 5
    # purchases after as_of are left out
    later = pd.concat([act, pd.DataFrame({"customer": ["c0"], "at": [END + pd.Timedelta(days=5)],
                                          "amount": [1000.0], "currency": "EUR"})], ignore_index=True)
    res2 = rfm(later, as_of=END)
    assert res2.table.set_index("customer").loc["c0", "monetary"] == 0.0
    assert any("after as_of" in n for n in res2.notes)


def test_links_itself_and_dedupes_orders():
    act = conform(pd.DataFrame({"customer_id": ["1", "1", "1", "2"], "email_key": ["k1", None, "k1", "k2"],
                                "at": ["2024-01-01", "2024-02-01", "2024-02-01", "2024-03-01"],
                                "amount": [1.0, 2.0, 2.0, 3.0], "currency": "EUR",
                                "order_id": ["o1", "o2", "o2", "o3"]}), "activity")
    res = rfm(act)
    t = res.table.set_index("customer")
    assert t.loc["1", "frequency"] == 2 and t.loc["1", "monetary"] == 3.0
    assert any("repeated order" in n for n in res.notes)


def test_bins_and_bad_options():
    act = pd.DataFrame({"customer": [f"c{i}" for i in range(30)],
                        "at": END - pd.to_timedelta(np.arange(30), unit="D"), "amount": 1.0 + np.arange(30)})
    res = rfm(act, bins=3)
    assert set(res.table["r_score"]) == {1, 2, 3}
    # on the five-point grid, bins=3 maps to 1, 3, 5: the most recent third are R=5
    newest = res.table.sort_values("recency").head(10)
    assert (newest["segment"].isin(["Champions", "Potential loyalists", "New customers"])).all()
    with pytest.raises(ValueError, match="bins"):
        rfm(act, bins=1)
    with pytest.raises(ValueError, match="customer="):
        rfm(act.rename(columns={"customer": "cid"}), customer="buyer")
    with pytest.raises(ValueError, match="grid"):
        rfm(act, grid=RFM_SEGMENT_GRID.iloc[:3])
