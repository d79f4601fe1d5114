"""Address and phone columns are not parsed past the first block, and the orders read exactly as before
(issue 13: a reader reads only the columns its canonical table keeps).

``read_activity`` lets go of address, postcode, city and phone columns (:meth:`Frame.release_personal`). On the
fast CSV path, the columns whose fate the file's first block already decides
(:func:`csanalysis.io._common.released_in_block`) are left out of the parse of the rest; they come back as their
header over ``''``, which the reader lets go as before. Nothing else may change: every table and load report
equals the one read with every column parsed, also for files where the shortcut must not be taken (a value
deciding otherwise later, invalid UTF-8 or a line break inside a skipped column).
"""

import json

import pandas as pd
import pytest

import csanalysis.io._text as text_module
from csanalysis.io import read_activity
from csanalysis.io._common import released_in_block
from csanalysis.io._text import read_raw
from csanalysis.datasets import sample_path

_BLOCK = 1 << 21  # the sample's first ~5,000 lines (~3,500 orders); its 13,320 lines span three blocks


def _lines(n: int = 13320) -> list[str]:
    with open(sample_path("shopify_orders.csv"), encoding="utf-8") as f:
        return [next(f) for _ in range(n + 1)]


def _write(path, lines) -> str:
    path.write_text("".join(lines), encoding="utf-8", newline="")
    return str(path)


@pytest.fixture
def spy(monkeypatch):
    """Small parse blocks, and a record of what the shortcut did: the columns let go, and whether it held."""
    monkeypatch.setattr(text_module, "_BLOCK_BYTES", _BLOCK)
    seen = {"gone": [], "used": []}
    parse = text_module._parse_letting_go

    def recording(p, names, skip, let_go, open_blocks, parse_all):
        def noting(cells):
            gone = list(let_go(cells))
            seen["gone"].append(gone)
            return gone

        table, lines = parse(p, names, skip, noting, open_blocks, parse_all)
        seen["used"].append(table is not None)
        return table, lines

    monkeypatch.setattr(text_module, "_parse_letting_go", recording)
    return seen


def _read_both(path, monkeypatch, **kw):
    """read_activity with the shortcut, then with every column parsed."""
    df = read_activity(path, key="k", **kw)
    with monkeypatch.context() as m:
        m.setattr(text_module, "_parse_letting_go", lambda *a: (None, None))
        full = read_activity(path, key="k", **kw)
    return df, full


def _assert_same(df, full):
    rep, rep_full = df.attrs.pop("load_report"), full.attrs.pop("load_report")
    pd.testing.assert_frame_equal(df, full, check_exact=True)
    assert json.loads(rep.to_json()) == json.loads(rep_full.to_json())
    return rep


def test_dense_address_columns_are_let_go_at_parse_and_the_table_is_unchanged(tmp_path, spy, monkeypatch):
    path = _write(tmp_path / "orders.csv", _lines())
    df, full = _read_both(path, monkeypatch)
    header = _lines(0)[0].rstrip("\n").split(",")
    gone = [header[i] for i in spy["gone"][0]]
    assert spy["used"] == [True]
    assert {"Billing Street", "Billing City", "Billing Zip", "Shipping Street"} <= set(gone)
    rep = _assert_same(df, full)
    assert set(gone) <= set(rep.dropped_columns)
    assert not set(gone) & set(df.columns)


def test_the_raw_cells_keep_every_column_in_place(tmp_path, spy):
    path = _write(tmp_path / "orders.csv", _lines())
    header = _lines(0)[0].rstrip("\n").split(",")
    gone = released_in_block(read_raw(path).cells.head(4000))
    raw = read_raw(path, let_go=lambda cells: gone)
    assert spy["used"] == [True]
    assert list(raw.cells.iloc[0]) == header
    assert (raw.cells.iloc[1:, gone] == "").all().all()
    full = read_raw(path)
    kept = [i for i in range(len(header)) if i not in gone]
    pd.testing.assert_frame_equal(raw.cells[kept], full.cells[kept], check_exact=True)


def test_a_column_whose_first_block_says_no_phone_is_parsed_whole(tmp_path, spy, monkeypatch):
    lines = _lines()
    header = lines[0].rstrip("\n").split(",")
    phone = header.index("Billing Phone")
    rows = []
    for i, line in enumerate(lines[1:]):  # yes/no in the first block (not a phone), numbers later
        cells = line.rstrip("\n").split(",")
        if len(cells) == len(header):
            cells[phone] = ("yes" if i % 2 else "no") if i < 6000 else f"+45 20 {i % 100:02d} {i % 97:02d} 11"
        rows.append(",".join(cells) + "\n")
    path = _write(tmp_path / "orders.csv", [lines[0]] + rows)
    df, full = _read_both(path, monkeypatch)
    assert phone not in spy["gone"][0]
    _assert_same(df, full)


@pytest.mark.parametrize("damage", ["invalid utf-8", "line break"])
def test_a_skipped_column_it_cannot_check_sends_the_file_down_the_old_route(tmp_path, spy, monkeypatch, damage):
    lines = _lines()
    header = lines[0].rstrip("\n").split(",")
    street = header.index("Billing Street")
    cells = lines[12000].rstrip("\n").split(",")
    cells[street] = '"Vej 1\nBagerst"' if damage == "line break" else "Vej 1"
    lines[12000] = ",".join(cells) + "\n"
    path = tmp_path / "orders.csv"
    data = "".join(lines).encode("utf-8")
    if damage == "invalid utf-8":
        data = data.replace(b"Vej 1", b"Vej \xff1", 1)
    path.write_bytes(data)
    df, full = _read_both(str(path), monkeypatch)
    assert street in spy["gone"][0]
    assert spy["used"] == [False]
    _assert_same(df, full)


def test_a_mapped_column_and_keep_pii_are_parsed_whole(tmp_path, spy, monkeypatch):
    path = _write(tmp_path / "orders.csv", _lines())
    df, full = _read_both(path, monkeypatch, mapping={"order_id": "Billing Zip"})
    header = _lines(0)[0].rstrip("\n").split(",")
    assert header.index("Billing Zip") not in spy["gone"][0]
    _assert_same(df, full)
    spy["gone"].clear()
    df, full = _read_both(path, monkeypatch, keep_pii=True)
    assert spy["gone"] == []
    _assert_same(df, full)


def test_released_in_block_follows_the_readers_naming_and_rules():
    n = 2500
    cells = pd.DataFrame(
        [["Billing Zip", "Billing Zip", "", "Phone", "IP Address", "Note"]]
        + [["2100", "8000", "x", "yes" if i % 2 else "no", "", "hi"] for i in range(n)], dtype="str")
    # two postcodes (the second named 'Billing Zip (2)'), not an unnamed column, not a yes/no 'phone'
    assert released_in_block(cells) == [0, 1, 4]
    assert released_in_block(cells, keep={"Billing Zip (2)"}) == [0, 4]
    assert released_in_block(cells.head(100)) == [4]  # too few values decide a postcode; a header an IP
    headerless = pd.DataFrame([["1001", "20240101", "11.5"]] * 3, dtype="str")
    assert released_in_block(headerless, headerless_ok=True) == []
