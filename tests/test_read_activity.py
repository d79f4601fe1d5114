"""Tests of read_activity: Shopify, Stripe and generic order exports as they really come."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import assert_balanced, rep_of, string_cells

from csanalysis.errors import ExportError
from csanalysis.io.activity import read_activity
from csanalysis.privacy import email_key
from csanalysis.schema import ACTIVITY

DATA = Path(__file__).parent / "data" / "activity"
CANON = [c.name for c in ACTIVITY]


# --------------------------------------------------------------------------- Shopify
def test_shopify_line_items_merged_once_and_counted():
    df = read_activity(DATA / "shopify_orders.csv")
    r = rep_of(df)
    assert r.source_format == "shopify_orders_csv"
    assert (r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_merged, r.rows_excluded) == (14, 5, 2, 3, 4)
    assert_balanced(df)
    assert list(df.columns[: len(CANON)]) == CANON
    assert df["order_id"].tolist() == ["#1001", "#1002", "#1005", "#1006", "#1009"]
    assert df["order_id"].is_unique
    one = df.set_index("order_id")
    # order total counted once, not once per line item
    assert one.loc["#1001", "amount"] == 54.5
    assert one.loc["#1001", "line_items"] == 2
    assert one.loc["#1006", "amount"] == 1250.0
    assert (df["currency"] == "EUR").all()
    assert str(df["at"].dtype) == "datetime64[ns, UTC]"


def test_shopify_at_is_paid_at_else_created_at():
    df = read_activity(DATA / "shopify_orders.csv").set_index("order_id")
    # Paid at 14:05:10 +0100, Created at 14:03:22 +0100
    assert df.loc["#1001", "at"] == pd.Timestamp("2024-03-05 13:05:10", tz="UTC")
    # pending: no Paid at, so Created at 16:30 +0100
    assert df.loc["#1006", "at"] == pd.Timestamp("2024-03-10 15:30:00", tz="UTC")


def test_shopify_exclusions_by_reason_and_rejections():
    r = rep_of(read_activity(DATA / "shopify_orders.csv"))
    ex = {k.split(" (")[0]: v for k, v in r.excluded.items()}
    assert ex == {"refunded order": 1, "voided order": 1, "test order": 2}
    reasons = r.rejected.set_index("row")["reason"].to_dict()
    assert "Paid at" in reasons[14] and "not a date" in reasons[14]
    assert reasons[15] == "neither a customer id nor an e-mail address"
    assert any("partially refunded" in n for n in r.notes)
    assert any("pending" in n for n in r.notes)


@pytest.mark.parametrize(
    "kwargs, extra",
    [
        ({"include_refunded": True}, {"#1003", "#1004"}),
        ({"include_test": True}, {"#1007", "#1008"}),
        ({"include_refunded": True, "include_test": True}, {"#1003", "#1004", "#1007", "#1008"}),
    ],
)
def test_shopify_exclusions_switchable(kwargs, extra):
    base = set(read_activity(DATA / "shopify_orders.csv")["order_id"])
    df = read_activity(DATA / "shopify_orders.csv", **kwargs)
    assert set(df["order_id"]) == base | extra
    assert_balanced(df)
    r = rep_of(df)
    assert r.rows_merged == 3
    if kwargs.get("include_refunded"):
        assert not any(k.startswith(("refunded", "voided")) for k in r.excluded)
        assert df.set_index("order_id").loc["#1003", "line_items"] == 2
    if kwargs.get("include_test"):
        assert not any(k.startswith("test") for k in r.excluded)


def test_shopify_personal_columns_dropped_and_notes_redacted():
    df = read_activity(DATA / "shopify_orders.csv")
    assert not any("@" in v for v in string_cells(df))
    for gone in ("email", "billing_name", "billing_street", "billing_phone", "lineitem_name"):
        assert gone not in df.columns
    assert df.set_index("order_id").loc["#1009", "notes"] == "please cc [email]"
    assert "Email" in rep_of(df).dropped_columns


def test_shopify_keep_pii_keeps_email_and_key_is_stable():
    df = read_activity(DATA / "shopify_orders.csv", keep_pii=True, key="secret")
    one = df.set_index("order_id")
    assert one.loc["#1001", "email"] == "anna.test1@example.com"
    assert one.loc["#1001", "billing_name"] == "Anna Example"
    assert one.loc["#1009", "notes"] == "please cc gift.test8@example.com"
    expected = email_key(pd.Series(["anna.test1@example.com"]), key="secret").iloc[0]
    assert one.loc["#1001", "email_key"] == expected == one.loc["#1005", "email_key"]
    assert one.loc["#1002", "email_key"] != expected


def test_shopify_many_orders_random_line_counts(tmp_path):
    rng = np.random.default_rng(7)
    n = 400
    lines = rng.integers(1, 5, size=n)
    totals = np.round(rng.uniform(5, 500, size=n), 2)
    order = np.repeat(np.arange(n), lines)
    first = np.r_[True, order[1:] != order[:-1]]
    rows = pd.DataFrame({
        "Name": [f"#{1000 + i}" for i in order],
        "Email": np.where(first, [f"buyer{i % 50}@example.com" for i in order], ""),
        "Financial Status": np.where(first, "paid", ""),
        "Paid at": np.where(first, "2024-01-02 03:04:05 +0000", ""),
        "Currency": np.where(first, "DKK", ""),
        "Total": np.where(first, [f"{t:.2f}" for t in totals[order]], ""),
        "Created at": "2024-01-02 03:00:00 +0000",
        "Lineitem quantity": "1",
        "Lineitem name": "Thing",
    })
    p = tmp_path / "orders_export.csv"
    rows.to_csv(p, index=False)
    df = read_activity(p)
    r = rep_of(df)
    assert len(df) == n
    assert r.rows_merged == int(lines.sum()) - n
    np.testing.assert_allclose(df["amount"].to_numpy(), totals)
    np.testing.assert_array_equal(df["line_items"].to_numpy(dtype=int), lines)
    assert df["email_key"].nunique() == 50


# --------------------------------------------------------------------------- European exports
def test_danish_semicolon_decimal_comma_cp1252():
    df = read_activity(DATA / "danish_shop_cp1252.csv", timezone="Europe/Copenhagen")
    r = rep_of(df)
    assert r.encoding == "cp1252" and r.delimiter == ";"
    assert r.date_order == "dayfirst"
    assert df["order_id"].tolist() == ["10001", "10002", "10006"]
    assert df["amount"].tolist() == [1234.5, 99.95, 2000.0]
    assert df["customer_id"].tolist() == ["K-001", "K-002", "K-004"]
    # 05-03-2024 14:03 in Copenhagen (CET, +1) is 13:03 UTC; 13-04-2024 08:30 (CEST, +2) is 06:30 UTC
    assert df["at"].iloc[0] == pd.Timestamp("2024-03-05 13:03", tz="UTC")
    assert df["at"].iloc[2] == pd.Timestamp("2024-04-13 06:30", tz="UTC")
    assert df["bemærkning"].iloc[2] == "Kunde ønsker gaveindpakning"
    reasons = set(r.rejected["reason"])
    assert reasons == {"amount in column 'Beløb' is not a number", "neither a customer id nor an e-mail address"}
    assert r.rejected.set_index("row").loc[6, "Beløb"] == "ukendt"
    assert "E-mail" not in r.rejected.columns
    assert sum(v for k, v in r.excluded.items() if k.startswith("negative amount")) == 1
    assert_balanced(df)


def test_danish_negative_amount_kept_with_include_refunded():
    df = read_activity(DATA / "danish_shop_cp1252.csv", timezone="Europe/Copenhagen", include_refunded=True)
    assert -99.95 in df["amount"].tolist()
    assert rep_of(df).rows_excluded == 0


def test_utf16_tab_separated_russian_export():
    df = read_activity(DATA / "russian_shop_utf16.txt")
    r = rep_of(df)
    assert r.encoding.startswith("utf-16") and r.delimiter == "\t"
    assert df["customer_id"].tolist() == ["КЛ-001", "КЛ-002", "КЛ-001"]
    assert df["amount"].tolist() == [12345.5, 990.0, 1000.0]
    assert df["order_id"].tolist() == ["A-1", "A-2", "A-3"]
    assert df["at"].iloc[0] == pd.Timestamp("2024-03-05", tz="UTC")
    assert (df["currency"] == "RUB").all()


# --------------------------------------------------------------------------- Stripe
def test_stripe_charges():
    df = read_activity(DATA / "stripe_payments.csv")
    r = rep_of(df)
    assert r.source_format == "stripe_payments_csv"
    assert df["order_id"].tolist() == ["ch_001", "ch_004", "ch_006"]
    assert df["amount"].tolist() == [12.5, 40.0, 1200.0]
    assert (df["currency"] == "USD").all()
    assert df["customer_id"].tolist()[:2] == ["cus_A", "cus_A"]
    assert pd.isna(df["customer_id"].iloc[2]) and df["email_key"].notna().all()
    assert df["at"].iloc[0] == pd.Timestamp("2024-03-05 14:03", tz="UTC")
    ex = {k.split(" (")[0]: v for k, v in r.excluded.items()}
    assert ex == {"failed or cancelled payment": 1, "refunded charge": 1, "test order": 1}
    # cardholder names and customer descriptions are personal
    assert "card_name" not in df.columns and "customer_description" not in df.columns
    assert df["description"].iloc[0] == "Payment from [email]"
    assert not any("@" in v for v in string_cells(df))
    assert_balanced(df)


def test_stripe_charges_include_flags():
    df = read_activity(DATA / "stripe_payments.csv", include_refunded=True, include_test=True)
    assert set(df["order_id"]) == {"ch_001", "ch_003", "ch_004", "ch_005", "ch_006"}
    # a failed payment is never a purchase
    assert rep_of(df).excluded == {"failed or cancelled payment": 1}


def test_stripe_invoices():
    df = read_activity(DATA / "stripe_invoices.csv")
    r = rep_of(df)
    assert r.source_format == "stripe_invoices_csv"
    assert df["order_id"].tolist() == ["in_001", "in_002", "in_006"]
    assert df["amount"].tolist() == [9.0, 9.0, 29.0]  # the open invoice with its amount due
    assert df["customer_id"].tolist() == ["cus_A", "cus_A", "cus_C"]
    assert (df["currency"] == "EUR").all()
    ex = {k.split(" (")[0]: v for k, v in r.excluded.items()}
    assert ex == {"void invoice": 1, "draft invoice": 1, "uncollectible invoice": 1}
    assert "customer_name" not in df.columns
    df2 = read_activity(DATA / "stripe_invoices.csv", include_refunded=True)
    assert set(df2["order_id"]) == {"in_001", "in_002", "in_003", "in_006"}


def test_explicit_source_overrides_detection():
    with pytest.raises(ValueError, match="source must be one of"):
        read_activity(DATA / "stripe_invoices.csv", source="paypal")
    df = read_activity(DATA / "stripe_invoices.csv", source="stripe_invoices")
    assert len(df) == 3


# --------------------------------------------------------------------------- generic
def test_generic_with_mapping_and_clear_error_without():
    with pytest.raises(ExportError) as err:
        read_activity(DATA / "custom_columns.csv")
    msg = str(err.value)
    assert "Buyer Ref" in msg and "mapping=" in msg and "amount" in msg
    df = read_activity(DATA / "custom_columns.csv",
                       mapping={"customer_id": "Buyer Ref", "at": "When", "amount": "Paid", "currency": "Cur"})
    assert df["customer_id"].tolist() == ["B-1", "B-2", "B-1"]
    assert df["amount"].sum() == 60.0
    assert df["channel"].tolist() == ["web", "app", "web"]
    assert rep_of(df).column_mapping["Buyer Ref"] == "customer_id"


def test_mapping_to_missing_column_is_an_export_error():
    with pytest.raises(ExportError, match="no such column"):
        read_activity(DATA / "custom_columns.csv", mapping={"amount": "Sum"})


def test_no_amount_column_is_a_clear_error():
    with pytest.raises(ExportError) as err:
        read_activity(DATA / "no_amount.csv")
    msg = str(err.value)
    assert "amount" in msg and "'product'" in msg and "mapping=" in msg
    assert "customer id" not in msg.split("Expected")[0].split("holds")[1]  # only the missing role is named


def test_online_retail_quantity_times_price_and_cancellations():
    df = read_activity(DATA / "online_retail.csv", dayfirst=False, currency="GBP")
    r = rep_of(df)
    assert df["order_id"].tolist() == ["536365", "536366"]
    assert df["customer_id"].tolist() == ["17850", "17850"]  # "17850.0" cleaned
    assert df["amount"].tolist() == pytest.approx([6 * 2.55 + 6 * 3.39, 6 * 1.85])
    assert (df["currency"] == "GBP").all()
    assert r.rows_merged == 1
    assert sum(v for k, v in r.excluded.items() if k.startswith("negative")) == 1
    assert r.rows_rejected == 1
    assert_balanced(df)


def test_xlsx_generic_with_line_rows(tmp_path):
    p = tmp_path / "orders.xlsx"
    pd.DataFrame({
        "Order ID": [5001, 5001, 5002, 5003],
        "Customer ID": [12345678901234, 12345678901234, 22, 33],
        "E-mail": ["x.one@example.com", "x.one@example.com", "x.two@example.com", ""],
        "Order Date": pd.to_datetime(["2024-06-01 10:00", "2024-06-01 10:00", "2024-06-02 00:00", "2024-06-03 00:00"]),
        "Total": [10.0, 15.5, 7.25, 3.0],
        "Currency": ["NOK"] * 4,
    }).to_excel(p, index=False)
    df = read_activity(p)
    r = rep_of(df)
    assert r.encoding == "xlsx"
    assert df["order_id"].tolist() == ["5001", "5002", "5003"]
    assert df["customer_id"].tolist() == ["12345678901234", "22", "33"]  # ids stay exact strings
    assert df["amount"].tolist() == [25.5, 7.25, 3.0]  # line amounts summed
    assert r.rows_merged == 1
    assert df["at"].iloc[0] == pd.Timestamp("2024-06-01 10:00", tz="UTC")
    assert not any("@" in v for v in string_cells(df))
    assert_balanced(df)


def test_generic_repeated_order_total_counted_once(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text("order_id,customer,date,total\nA,c1,2024-01-01,50\nA,c1,2024-01-01,50\nB,c2,2024-01-02,20\n"
                 "B,c2,2024-01-02,20\nC,c3,2024-01-03,5\n")
    df = read_activity(p)
    assert df["amount"].tolist() == [50.0, 20.0, 5.0]
    assert rep_of(df).rows_merged == 2
    assert any("counted once" in n for n in rep_of(df).notes)


def test_customer_column_holding_emails_becomes_email_key(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text("Customer,Date,Amount\nann.x@example.com,2024-01-01,5\nbob.x@example.com,2024-01-02,6\n")
    df = read_activity(p, key="k")
    assert df["customer_id"].isna().all()
    assert df["email_key"].tolist() == email_key(pd.Series(["ann.x@example.com", "bob.x@example.com"]),
                                                 key="k").tolist()
    assert not any("@" in v for v in string_cells(df))


def test_test_domains_in_generic_file(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text("email,date,amount\nreal.one@example.com,2024-01-01,5\nqa@shop.test,2024-01-02,6\n"
                 "dev@foo.invalid,2024-01-03,7\n")
    df = read_activity(p)
    assert len(df) == 1
    assert rep_of(df).rows_excluded == 2
    assert len(read_activity(p, include_test=True)) == 3


@pytest.mark.parametrize("name, kwargs", [
    ("shopify_orders.csv", {}),
    ("danish_shop_cp1252.csv", {}),
    ("stripe_payments.csv", {"include_test": True, "include_refunded": True}),
    ("stripe_invoices.csv", {}),
])
def test_no_email_anywhere_by_default(name, kwargs):
    df = read_activity(DATA / name, **kwargs)
    assert not any("@" in v for v in string_cells(df))
    rej = rep_of(df).rejected
    assert not any("@" in str(v) for v in rej.astype(str).to_numpy().ravel())
    assert "@" not in rep_of(df).to_json()


def test_report_to_dict_is_json_ready():
    import json

    d = rep_of(read_activity(DATA / "shopify_orders.csv")).to_dict()
    json.dumps(d)
    assert d["table"] == "activity" and d["rows_merged"] == 3
