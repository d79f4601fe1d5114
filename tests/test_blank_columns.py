"""Columns without any text cost no memory, and read exactly as before (issue 13, memory).

Real exports carry many columns that are empty in every row (Shopify's Tax 2-5, Duties, ...). The fast CSV
path puts each block of such a column on one shared zero-filled buffer instead of 8 bytes of offset per cell;
``finish()`` gives an output column without text as a missing column on that buffer. The cells and the
tables must not change: a file read through the fast path equals the same table handed over as a DataFrame
(which takes the general path).
"""

import numpy as np
import pandas as pd
import pytest

from csanalysis.io import read_activity
from csanalysis.io._text import blank_text, missing_text, read_raw


def _orders(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "Order ID": [f"#{1000 + i}" for i in range(n)],
        "Customer ID": [f"C{i % 700}" for i in range(n)],
        "Created at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300 * 86400, n), unit="s"),
        "Total": rng.integers(500, 20000, n) / 100,
        "Currency": "EUR",
        "Tax 5 Name": "",
        "Duties": "",
        "Discount Code": np.where(np.arange(n) < 5, "SPRING", ""),
    })


def _buffer_address(col: pd.Series) -> set[int]:
    chunks = col.array._pa_array.chunks
    return {c.buffers()[1].address for c in chunks if len(c) > 1}


def test_blank_columns_share_one_buffer_in_the_raw_cells(tmp_path):
    p = tmp_path / "orders.csv"
    _orders().to_csv(p, index=False)
    cells = read_raw(p).cells
    header = cells.iloc[0].tolist()
    tax, duties, discount = (cells[header.index(c)] for c in ("Tax 5 Name", "Duties", "Discount Code"))
    assert tax.iloc[1:].eq("").all() and duties.iloc[1:].eq("").all()
    assert tax.iloc[0] == "Tax 5 Name" and duties.iloc[0] == "Duties"
    shared = _buffer_address(tax)
    assert shared and shared == _buffer_address(duties)  # one buffer for both
    assert not (_buffer_address(discount) & shared)  # a column with text keeps its own
    assert discount.iloc[1:6].eq("SPRING").all() and discount.iloc[6:].eq("").all()


def test_a_file_with_blank_columns_reads_like_the_same_table_as_a_dataframe(tmp_path):
    data = _orders()
    p = tmp_path / "orders.csv"
    data.to_csv(p, index=False)
    from_file = read_activity(p, timezone="UTC")
    from_frame = read_activity(pd.read_csv(p, dtype=str, keep_default_na=False), timezone="UTC")
    assert {"tax_5_name", "duties"} <= set(from_file.columns)
    assert from_file["tax_5_name"].isna().all() and from_file["duties"].isna().all()
    pd.testing.assert_frame_equal(from_file, from_frame)
    assert from_file.attrs["load_report"].rows_loaded == len(data)


def test_blank_text_and_missing_text():
    assert blank_text(pd.Series(["", None, ""], dtype="str"))
    assert not blank_text(pd.Series(["", "a"], dtype="str"))
    assert not blank_text(pd.Series([1.0, 2.0]))
    assert not blank_text(pd.Series(["", ""], dtype=object))  # only Arrow-backed text is read from offsets
    m = missing_text(4)
    assert str(m.dtype) == "str" and m.isna().all() and len(m) == 4
    assert blank_text(m)
    pd.testing.assert_series_equal(m, pd.Series([np.nan] * 4, dtype="str"))


@pytest.mark.parametrize("n", [0, 1])
def test_missing_text_of_tiny_lengths(n):
    m = missing_text(n)
    assert len(m) == n and m.isna().all()


def test_a_file_parsed_in_many_blocks_reads_like_one_block(tmp_path, monkeypatch):
    """pyarrow parses the fast path in blocks of ``_BLOCK_BYTES``: block borders change no cell."""
    from csanalysis.io import _text

    data = _orders()
    data.loc[data.index % 97 == 0, "Discount Code"] = 'LINE\nBREAK "quoted"'  # values over two lines
    p = tmp_path / "orders.csv"
    data.to_csv(p, index=False)
    whole = read_activity(p, timezone="UTC")
    monkeypatch.setattr(_text, "_BLOCK_BYTES", 1 << 12)  # about 60 rows per block
    raw = read_raw(p)
    assert raw.cells[0].array._pa_array.num_chunks > 20
    blocks = read_activity(p, timezone="UTC")
    pd.testing.assert_frame_equal(blocks, whole)
    assert blocks.attrs["load_report"].rows_loaded == len(data)
    assert blank_text(blocks["duties"]) and blocks["tax_5_name"].isna().all()
