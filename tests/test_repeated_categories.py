"""Kept source columns whose values repeat are categorical: the same values in a fraction of the memory (issue 13).

A status, a shipping method, a country or a tax name repeats down millions of rows; as Arrow text each cell
costs its bytes and an 8-byte offset. ``finish()`` (tickets and orders) turns such a kept column into a
categorical of its sorted distinct values once the personal data in it is masked. Ids, keys and free text stay
text; the values never change; a column without text costs nothing; tables of several files stay categorical.
"""

import numpy as np
import pandas as pd
import pytest

from csanalysis.io import read_activity, read_tickets
from csanalysis.io._text import CATEGORY_RATIO, blank_text, repeated_as_categories
from csanalysis.io.batch import concat_tables


def _orders(n: int = 2000, methods=("Standard", "Express", "Pickup")) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.DataFrame({
        "Order ID": [f"#{1000 + i}" for i in range(n)],
        "Customer ID": [f"C{i % 500}" for i in range(n)],
        "Created at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300 * 86400, n), unit="s"),
        "Total": rng.integers(500, 20000, n) / 100,
        "Currency": "EUR",
        "Shipping Method": rng.choice(list(methods), n),
        # a repeated column with an e-mail address in some cells: masked before it becomes categorical
        "Sales Contact": np.where(np.arange(n) % 7 == 0, "help desk ole.hansen@example.com", "web shop"),
        "Payment Reference": [f"R{i:06d}" for i in range(n)],  # an id: stays text
        "Gift Note": [f"thanks for order {i}" for i in range(n)],  # distinct text: stays text
        "Cancelled at": "",
    })


@pytest.mark.parametrize("values, categorical", [
    (["paid", "paid", None, "refunded"] * 10, True),
    ([f"v{i}" for i in range(40)], False),
    (["a", "b"] * 5 + [f"u{i}" for i in range(10)], False),  # 12 distinct of 20: above one per CATEGORY_RATIO
])
def test_repeated_values_become_categories_with_the_same_values(values, categorical):
    s = pd.Series(values, dtype="str", name="x", index=np.arange(100, 100 + len(values)))
    out = repeated_as_categories(s)
    assert isinstance(out.dtype, pd.CategoricalDtype) is categorical
    assert out.name == "x" and out.index.equals(s.index)
    pd.testing.assert_series_equal(out.astype("str"), s)
    if categorical:
        assert list(out.cat.categories) == sorted({v for v in values if v is not None})
        assert out.cat.codes.dtype == np.int8


def test_a_column_without_text_costs_nothing_and_other_dtypes_stay_as_they_are():
    s = pd.Series([None] * 50, dtype="str", index=np.arange(50, 100))
    out = repeated_as_categories(s)
    assert out.isna().all() and out.index.equals(s.index) and blank_text(out)
    for other in (pd.Series([1, 1, 1] * 20), pd.Series(["a"] * 30, dtype="object")):
        assert repeated_as_categories(other) is other


def test_the_threshold_is_one_distinct_value_per_ratio_rows():
    n = 10 * CATEGORY_RATIO
    at = pd.Series([f"v{i % 10}" for i in range(n)], dtype="str")
    over = pd.Series([f"v{i % 11}" for i in range(n)], dtype="str")
    assert isinstance(repeated_as_categories(at).dtype, pd.CategoricalDtype)
    assert not isinstance(repeated_as_categories(over).dtype, pd.CategoricalDtype)


@pytest.mark.parametrize("where", ["first", "last", "spread"])
def test_the_decision_from_the_first_rows_is_the_decision_from_all(where):
    # a column with too many distinct values in its first rows is left as text without hashing the rest; the
    # decision equals the one from every row, wherever the distinct values sit
    rng = np.random.default_rng(3)
    for n in (50, 999, 5_000):
        for k in (1, n // CATEGORY_RATIO - 1, n // CATEGORY_RATIO, n // CATEGORY_RATIO + 1, n // 3, n):
            k = max(k, 1)
            vals = np.array([f"v{i}" for i in range(k)] + ["v0"] * (n - k), dtype=object)
            if where == "last":
                vals = vals[::-1]
            elif where == "spread":
                vals = vals[rng.permutation(n)]
            s = pd.Series(vals, dtype="str")
            out = repeated_as_categories(s)
            assert isinstance(out.dtype, pd.CategoricalDtype) is (k * CATEGORY_RATIO <= n), (n, k, where)
            pd.testing.assert_series_equal(out.astype("str"), s)


def test_orders_keep_repeated_columns_as_categories_masked_and_ids_and_free_text_as_text(tmp_path):
    data = _orders()
    p = tmp_path / "orders.csv"
    data.to_csv(p, index=False)
    df = read_activity(p, timezone="UTC")
    assert isinstance(df["shipping_method"].dtype, pd.CategoricalDtype)
    assert list(df["shipping_method"].cat.categories) == ["Express", "Pickup", "Standard"]
    assert df["shipping_method"].astype("str").tolist() == data["Shipping Method"].tolist()
    contact = df["sales_contact"]
    assert isinstance(contact.dtype, pd.CategoricalDtype)
    assert not any("@" in str(c) for c in contact.cat.categories)  # masked before it became categorical
    assert set(contact.astype("str")) == {"help desk [email]", "web shop"}
    for c in ("payment_reference", "gift_note", "order_id", "email_key", "source_format"):
        if c in df.columns:
            assert not isinstance(df[c].dtype, pd.CategoricalDtype), c
    assert df["cancelled_at"].isna().all() and blank_text(df["cancelled_at"])
    # the same table handed over as a DataFrame (the general path) reads the same
    pd.testing.assert_frame_equal(df, read_activity(pd.read_csv(p, dtype=str, keep_default_na=False),
                                                    timezone="UTC"))


def test_tickets_keep_repeated_columns_as_categories_and_the_subject_as_text():
    from pathlib import Path

    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "zendesk_tickets.csv"
    src = pd.read_csv(sample, dtype=str, keep_default_na=False)
    df = read_tickets(sample, timezone="UTC")
    cats = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
    assert {"ticket_type", "tags", "requester_domain"} <= set(cats)
    for c in ("subject", "ticket_id", "customer_id", "email_key", "agent_key"):
        assert c not in cats, c
    kept = df["ticket_id"].astype("str")
    by_id = src.set_index(src["Id"].str.strip())["Ticket type"].replace("", np.nan)
    assert df["ticket_type"].astype("str").tolist() == by_id.reindex(kept).astype("str").tolist()


def test_tables_of_several_files_stay_categorical_on_the_union_of_their_categories(tmp_path):
    a, b = _orders(600, ("Standard", "Express")), _orders(600, ("Pickup", "Standard"))
    b["Order ID"] = [f"#{9000 + i}" for i in range(len(b))]
    pa_, pb = tmp_path / "a.csv", tmp_path / "b.csv"
    a.to_csv(pa_, index=False)
    b.to_csv(pb, index=False)
    one, two = read_activity(pa_, timezone="UTC"), read_activity(pb, timezone="UTC")
    assert one["shipping_method"].dtype != two["shipping_method"].dtype
    both = concat_tables([one, two])
    assert isinstance(both["shipping_method"].dtype, pd.CategoricalDtype)
    assert list(both["shipping_method"].cat.categories) == ["Express", "Pickup", "Standard"]
    assert both["shipping_method"].astype("str").tolist() == (a["Shipping Method"].tolist()
                                                              + b["Shipping Method"].tolist())
