"""Readers let go of personal source columns no reader reads before they parse the rest (issue 13, memory).

An order export's addresses and phone numbers are dropped from the table anyway; holding them while the reader
parses dates and amounts made them about a third of the source table at 300,000 customers. The order table, the
load report (dropped columns in the file's order, notes, rejected rows) and the masking must not change.
"""

import numpy as np
import pandas as pd

from csanalysis.io import read_activity
from csanalysis.io._common import Frame
from csanalysis.io.report import LoadReport


def _shop(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    first = np.array(["Ole", "Kari", "Jens", "Mette"])[np.arange(n) % 4]
    return pd.DataFrame({
        "Name": [f"#{1000 + i // 2}" for i in range(n)],  # two lines per order
        "Email": [f"kunde{i // 6}@example.org" for i in range(n)],
        "Financial Status": "paid",
        "Paid at": [f"2024-03-{1 + (i // 2) % 28:02d} 10:00:00 +0100" for i in range(n)],
        "Total": np.where(np.arange(n) == 8, "not a number", (rng.integers(100, 900, n) / 10).astype(str)),
        "Currency": "DKK",
        "Lineitem name": "Mug",
        "Billing Name": [f"{f} Hansen" for f in first],
        "Billing Street": [f"Storgata {i}" for i in range(n)],
        "Billing City": "Oslo",
        "Billing Zip": "0155",
        "Billing Phone": [f"+47 9{i:07d}" for i in range(n)],
        "Customer ID": [f"{40000000 + i // 6}" for i in range(n)],  # phone-like ids: not personal by header
        "Notes": np.where(np.arange(n) % 50 == 0, "call Ole Hansen", ""),
    })


def test_personal_columns_go_early_and_the_rest_stays():
    d = _shop()
    frame = Frame(d.astype(str), np.arange(1, len(d) + 1), LoadReport("x.csv", "activity"))
    gone = frame.release_personal(keep={"Billing Zip"})
    assert gone == ["Billing Street", "Billing City", "Billing Phone"]
    assert {"Email", "Billing Name", "Customer ID", "Billing Zip", "Notes"} <= set(frame.data.columns)
    assert frame.released == {"Billing Street": "address", "Billing City": "city", "Billing Phone": "phone"}
    assert frame.columns == list(d.columns)  # the file's order is remembered


def test_an_order_table_and_its_report_read_as_before(tmp_path):
    d = _shop()
    p = tmp_path / "orders.csv"
    d.to_csv(p, index=False)
    df = read_activity(p, timezone="Europe/Oslo")
    rep = df.attrs["load_report"]
    personal = ["Email", "Billing Name", "Billing Street", "Billing City", "Billing Zip", "Billing Phone"]
    assert rep.dropped_columns == personal  # in the file's order, the e-mail column first as before
    assert not {"billing_street", "billing_city", "billing_zip", "billing_phone"} & set(df.columns)
    assert df["customer_id"].notna().all()  # phone-like ids are ids
    assert rep.rows_loaded + len(rep.rejected) + rep.rows_merged + sum(rep.excluded.values()) == rep.rows_read
    assert len(rep.rejected) == 1 and not set(personal) & set(rep.rejected.columns)
    notes = df["notes"].dropna().astype("str")
    assert len(notes) and not notes.str.contains("Hansen").any()  # the billing names still mask the notes
    keep = read_activity(p, timezone="Europe/Oslo", keep_pii=True)
    assert {"billing_street", "billing_phone"} <= set(keep.columns)


def test_finish_takes_the_live_rows_of_the_canonical_columns_one_by_one_and_consumes_them():
    from csanalysis.io._common import finish

    d = pd.DataFrame({"Id": ["1", "2", "3", "4"], "Status": ["a", "b", "a", "c"], "Amount": ["1", "x", "3", "4"]})
    rep = LoadReport("x.csv", "activity")
    rep.rows_read = 4
    frame = Frame(d, np.arange(1, 5), rep)
    frame.reject(np.array([False, True, False, False]), "amount is not a number")
    frame.exclude(np.array([False, False, False, True]), "test order")
    canonical = {"order_id": frame.data["Id"].copy(), "amount": pd.Series([1.0, np.nan, 3.0, 4.0]),
                 "at": pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"], utc=True))}
    df = finish(frame, canonical, "activity", used={"Id", "Amount"})
    assert canonical == {}  # consumed: the full-length columns go as their live rows are taken
    assert df["order_id"].tolist() == ["1", "3"] and df["amount"].tolist() == [1.0, 3.0]
    assert df["at"].dt.day.tolist() == [1, 3] and isinstance(df.index, pd.RangeIndex)
    assert df["status"].tolist() == ["a", "a"] and "id" not in df.columns and "amount_src" not in df.columns
    assert df.attrs["load_report"] is rep
    assert rep.rows_loaded == 2 and rep.rejected["row"].tolist() == [2] and rep.excluded == {"test order": 1}
