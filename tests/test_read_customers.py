"""Tests of read_customers: the churn tables analysts learn on, and CRM exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import assert_balanced, rep_of, string_cells

from csanalysis.errors import ExportError
from csanalysis.io.customers import read_customers
from csanalysis.privacy import email_key
from csanalysis.schema import CUSTOMERS

DATA = Path(__file__).parent / "data" / "customers"
CANON = [c.name for c in CUSTOMERS]


def bools(s):
    return [None if pd.isna(v) else bool(v) for v in s]


def test_ibm_telco():
    df = read_customers(DATA / "ibm_telco.csv")
    r = rep_of(df)
    assert r.source_format == "ibm_telco"
    assert list(df.columns[: len(CANON)]) == CANON
    assert df["customer_id"].tolist() == ["0001-FAKEA", "0002-FAKEB", "0003-FAKEC", "0004-FAKED", "0005-FAKEE"]
    assert bools(df["churned"]) == [True, True, False, False, True]
    assert df["satisfaction"].tolist() == [3.0, 3.0, 5.0, 4.0, 1.0]
    assert df["referrals"].tolist() == [0.0, 1.0, 3.0, 0.0, 2.0]
    assert df["churn_category"].tolist()[:2] == ["Competitor", "Dissatisfaction"]
    assert df["churn_reason"].iloc[4] == "Attitude of support person"
    assert pd.isna(df["churn_reason"].iloc[2])
    assert df["complained"].isna().all()
    assert str(df["complained"].dtype) == "boolean" and str(df["churned"].dtype) == "boolean"
    # locations are personal; numbers become numbers
    for gone in ("lat_long", "latitude", "longitude", "zip_code"):
        assert gone not in df.columns
    assert df["tenure_in_months"].dtype == "float64" and df["tenure_in_months"].iloc[2] == 62.0
    assert r.column_mapping["Churn Value"] == "churned"
    assert_balanced(df)


def test_ibm_telco_churn_from_customer_status_alone(tmp_path):
    p = tmp_path / "telco_status.csv"
    p.write_text("Customer ID,Customer Status,Churn Category,Satisfaction Score\n"
                 "A,Churned,Price,2\nB,Stayed,,4\nC,Joined,,5\n")
    df = read_customers(p)
    assert bools(df["churned"]) == [True, False, False]
    assert rep_of(df).source_format == "ibm_telco"


def test_kaggle_telco_yes_no(tmp_path):
    p = tmp_path / "WA_Fn-UseC_-Telco-Customer-Churn.csv"
    p.write_text("customerID,gender,SeniorCitizen,tenure,InternetService,Contract,MonthlyCharges,Churn\n"
                 "7590-VHVEG,Female,0,1,DSL,Month-to-month,29.85,No\n"
                 "5575-GNVDE,Male,0,34,DSL,One year,56.95,No\n"
                 "3668-QPYBK,Male,0,2,DSL,Month-to-month,53.85,Yes\n")
    df = read_customers(p)
    assert rep_of(df).source_format == "telco_churn"
    assert bools(df["churned"]) == [False, False, True]
    assert df["satisfaction"].isna().all()
    assert df["monthlycharges"].tolist() == [29.85, 56.95, 53.85]


def test_ecommerce_churn():
    df = read_customers(DATA / "ecommerce_churn.csv")
    assert rep_of(df).source_format == "ecommerce_churn"
    assert df["customer_id"].tolist() == ["50001", "50002", "50003", "50004"]
    assert bools(df["churned"]) == [True, True, False, False]
    assert bools(df["complained"]) == [True, True, False, False]
    assert df["satisfaction"].tolist() == [2.0, 3.0, 3.0, 5.0]
    assert np.isnan(df["tenure"].iloc[1]) and df["tenure"].iloc[3] == 0.0
    assert df["daysincelastorder"].tolist() == [5.0, 0.0, 3.0, 3.0]


def test_bank_churn_duplicates_and_surname():
    df = read_customers(DATA / "bank_churn.csv")
    r = rep_of(df)
    assert r.source_format == "bank_churn"
    assert df["customer_id"].tolist() == ["15600001", "15600002", "15600003", "15600004"]
    assert bools(df["churned"]) == [True, False, True, False]
    assert bools(df["complained"]) == [True, True, True, False]
    assert df["satisfaction"].tolist() == [2.0, 3.0, 3.0, 5.0]
    assert r.rows_merged == 1
    assert any("repeat an earlier customer" in n for n in r.notes)
    assert "surname" not in df.columns and "Surname" in r.dropped_columns
    assert not any(v in ("Fakename", "Testperson") for v in string_cells(df))
    assert df["rownumber"].tolist() == [1.0, 2.0, 3.0, 5.0]  # the first row of a repeated customer is kept
    assert_balanced(df)


def test_danish_crm_ja_nej_rescaled_rejects_and_redacts():
    df = read_customers(DATA / "danish_crm.csv")
    r = rep_of(df)
    assert r.delimiter == ";" and r.encoding == "utf-8-sig"
    assert df["customer_id"].tolist()[:3] == ["K-1", "K-2", "K-3"]
    assert pd.isna(df["customer_id"].iloc[3]) and df["email_key"].iloc[3].startswith("ek_")
    assert bools(df["complained"]) == [False, True, False, True]
    assert bools(df["churned"]) == [False, True, False, True]
    # 1-10 inferred from a maximum of 10: 1 + 4 (x - 1) / 9
    np.testing.assert_allclose(df["satisfaction"], [5.0, 1 + 8 / 9, 1 + 24 / 9, 1.0])
    assert any("1-10 scale" in n and "inferred" in n for n in r.notes)
    assert (r.rows_rejected, r.rows_merged) == (1, 1)
    assert r.rejected["reason"].tolist() == ["neither a customer id nor an e-mail address"]
    assert df["kommentar"].iloc[1] == "Skriv til [email]"
    assert not any("@" in v for v in string_cells(df))
    assert "@" not in r.to_json()
    assert_balanced(df)


def test_explicit_satisfaction_scale():
    df = read_customers(DATA / "danish_crm.csv", satisfaction_scale=(0, 10))
    np.testing.assert_allclose(df["satisfaction"], [5.0, 1 + 1.2, 1 + 2.8, 1.4])
    assert any("as given by satisfaction_scale=" in n for n in rep_of(df).notes)
    with pytest.raises(ValueError, match="high > low"):
        read_customers(DATA / "danish_crm.csv", satisfaction_scale=(5, 1))


def test_keep_pii_keeps_email(tmp_path):
    df = read_customers(DATA / "danish_crm.csv", keep_pii=True, key="k")
    assert df["e_mail"].iloc[0] == "kunde.a@example.com"
    assert df["kommentar"].iloc[1] == "Skriv til kunde.b@example.com"
    assert df["email_key"].iloc[0] == email_key(pd.Series(["kunde.a@example.com"]), key="k").iloc[0]
    bank = read_customers(DATA / "bank_churn.csv", keep_pii=True)
    assert bank["surname"].iloc[0] == "Fakename"


def test_xlsx_booleans_and_ten_point_satisfaction(tmp_path):
    p = tmp_path / "crm.xlsx"
    pd.DataFrame({
        "Customer ID": ["C1", "C2", "C3", "C1"],
        "Churned": [True, False, False, True],
        "Complaints": [0, 2, 5, 0],
        "Satisfaction": [1, 10, 7, 1],
        "Plan": ["basic", "pro", "pro", "basic"],
    }).to_excel(p, index=False)
    df = read_customers(p)
    assert rep_of(df).encoding == "xlsx"
    assert df["customer_id"].tolist() == ["C1", "C2", "C3"]
    assert bools(df["churned"]) == [True, False, False]
    assert bools(df["complained"]) == [False, True, True]  # counts: complained when above zero
    np.testing.assert_allclose(df["satisfaction"], [1.0, 5.0, 1 + 4 * 6 / 9])
    assert df["plan"].tolist() == ["basic", "pro", "pro"]
    assert rep_of(df).rows_merged == 1


def test_unknown_boolean_labels_left_missing_and_noted(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("CustomerID,Churn\n1,Yes\n2,maybe\n3,Nej\n4,\n")
    df = read_customers(p)
    assert bools(df["churned"]) == [True, None, False, None]
    assert any("neither yes nor no" in n and "maybe" in n for n in rep_of(df).notes)


def test_no_customer_column_is_a_clear_error(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("Plan,Churn\nbasic,1\n")
    with pytest.raises(ExportError) as err:
        read_customers(p)
    assert "'Plan'" in str(err.value) and "mapping=" in str(err.value)


def test_mapping(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("Ref,Left us,Happiness\nr1,ja,4\nr2,nej,5\n")
    df = read_customers(p, mapping={"customer_id": "Ref", "churned": "Left us", "satisfaction": "Happiness"})
    assert df["customer_id"].tolist() == ["r1", "r2"]
    assert bools(df["churned"]) == [True, False]
    assert df["satisfaction"].tolist() == [4.0, 5.0]


def test_many_customers_with_duplicates(tmp_path):
    rng = np.random.default_rng(11)
    n = 500
    ids = rng.integers(0, 300, size=n)
    churn = rng.integers(0, 2, size=n)
    sat = rng.integers(1, 6, size=n)
    p = tmp_path / "big.csv"
    pd.DataFrame({"CustomerID": ids, "Exited": churn, "Satisfaction Score": sat}).to_csv(p, index=False)
    df = read_customers(p)
    first = pd.DataFrame({"id": ids, "c": churn, "s": sat}).drop_duplicates("id", keep="first")
    assert df["customer_id"].tolist() == first["id"].astype(str).tolist()
    assert bools(df["churned"]) == (first["c"] == 1).tolist()
    assert df["satisfaction"].tolist() == first["s"].astype(float).tolist()
    assert rep_of(df).rows_merged == n - len(first)
    assert_balanced(df)
