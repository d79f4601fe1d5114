"""Reading a large export in blocks (csanalysis.io.blocks) gives the whole file's table and load report."""

import numpy as np
import pandas as pd
import pytest
from fuzzing import HypothesisChooser, fuzz
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import csanalysis as cs
from csanalysis.datasets import sample_path
from csanalysis.errors import CsanalysisError
from csanalysis.io.blocks import (
    NotBlockSafe,
    combine_blocks,
    plan_blocks,
    read_block,
    read_in_blocks,
)


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert_frame_equal(got, want, check_exact=True)
    a, b = got.attrs["load_report"], want.attrs["load_report"]
    assert a.to_dict() == b.to_dict()
    assert_frame_equal(a.rejected, b.rejected)
    assert a.notes == b.notes


def _blocks(reader, path, n: int):
    size = path.stat().st_size if hasattr(path, "stat") else __import__("os").path.getsize(path)
    blocks = plan_blocks(reader, path, size // n)
    assert blocks is not None and len(blocks) >= n - 1
    return blocks, [read_block(reader, b) for b in blocks]


@pytest.mark.parametrize(("reader", "name"), [(cs.read_activity, "shopify_orders.csv"),
                                              (cs.read_tickets, "zendesk_tickets.csv")])
def test_the_sample_in_blocks_is_the_whole_file(reader, name):
    path = sample_path(name)
    blocks, reads = _blocks(reader, path, 6)
    assert [r.why for r in reads] == [None] * len(reads)
    assert blocks[0].row_offset == 0 and all(np.diff([b.row_offset for b in blocks]) > 0)
    _same(combine_blocks(reads, path), reader(path))  # combined without reading the file whole


def _orders(path, rows: list[str]) -> None:
    path.write_text("order_id,customer_id,created_at,amount,customer_name,note\n" + "".join(rows), encoding="utf-8")


def _row(i: int, *, amount: str | None = None, note: str = "", oid: str | None = None, name: str = "Al Bo",
         date: str | None = None) -> str:
    return (f"{oid or f'O{i}'},C{i % 37},{date or f'2024-0{1 + i % 9}-{1 + i % 27:02d} 10:00'},"
            f"{amount or f'{i % 90 + 1}.25'},{name},{note}\n")


def test_names_listed_in_a_later_block_are_masked_in_an_earlier_one(tmp_path):
    p = tmp_path / "orders.csv"
    rows = [_row(i) for i in range(600)]
    rows[3] = _row(3, note="called back by Zelda Quigley")
    rows[590] = _row(590, name="Zelda Quigley")
    _orders(p, rows)
    _, reads = _blocks(cs.read_activity, p, 4)
    got = combine_blocks(reads, p)
    _same(got, cs.read_activity(p))
    assert "Quigley" not in " ".join(got["note"].dropna())


def test_an_order_s_lines_across_a_cut_stay_in_one_block(tmp_path):
    p = tmp_path / "orders.csv"
    rows = [_row(i // 10, amount=f"{i % 7 + 1}.00") for i in range(800)]  # every order has ten line rows
    _orders(p, rows)
    _, reads = _blocks(cs.read_activity, p, 5)
    got = combine_blocks(reads, p)
    _same(got, cs.read_activity(p))
    assert got.attrs["load_report"].rows_merged == 720


def test_rejected_rows_keep_the_file_s_row_numbers_across_quoted_line_breaks(tmp_path):
    p = tmp_path / "orders.csv"
    rows = [_row(i, note='"two\nlines"' if i % 5 == 0 else "x") for i in range(600)]
    rows[500] = _row(500, date="9999-12-31 10:00")
    rows[20] = _row(20, date="1850-01-01 00:00")
    _orders(p, rows)
    _, reads = _blocks(cs.read_activity, p, 4)
    got = combine_blocks(reads, p)
    want = cs.read_activity(p)
    _same(got, want)
    assert len(want.attrs["load_report"].rejected) == 2


@pytest.mark.parametrize("trap", ["decimal comma later", "order id in two blocks", "dates day-first later"])
def test_a_block_that_would_read_differently_makes_the_file_read_whole(tmp_path, trap):
    p = tmp_path / "orders.csv"
    rows = [_row(i) for i in range(600)]
    if trap == "decimal comma later":
        rows = [_row(i, amount=str(i % 90 + 1)) for i in range(600)]
        rows[580] = _row(580, amount='"12,5"')
    elif trap == "order id in two blocks":
        rows[590] = _row(590, oid="O2")
    else:
        rows = [_row(i, date=f"{1 + i % 12:02d}/{1 + i % 12:02d}/2024") for i in range(600)]
        rows[590] = _row(590, date="25/03/2024")
    _orders(p, rows)
    _, reads = _blocks(cs.read_activity, p, 4)
    with pytest.raises(NotBlockSafe):
        combine_blocks(reads, p)
    _same(read_in_blocks(cs.read_activity, p, block_bytes=p.stat().st_size // 4), cs.read_activity(p))


def test_small_files_and_other_readers_are_read_whole(tmp_path):
    assert plan_blocks(cs.read_survey, sample_path("qualtrics_survey.csv"), 1000) is None
    assert plan_blocks(cs.read_activity, sample_path("shopify_orders.csv"), 1 << 30) is None


# ---------------------------------------------------------------- damaged exports: in blocks or whole, the same
def _outcome(fn):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(), None
        except CsanalysisError as exc:
            return None, str(exc)


@settings(max_examples=12, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), role=st.sampled_from(["tickets", "activity"]), n=st.integers(2, 7))
def test_damaged_exports_read_in_blocks_equal_the_whole_read(tmp_path_factory, data, role, n):
    # stray quotes, ragged rows, blank lines, bare CRs, other encodings and delimiters, duplicated rows ...:
    # read in blocks (or whole, when a block is not its part), the table, load report or error are the whole read's
    seed = data.draw(st.sampled_from(fuzz.all_seeds()[role]), label="seed")
    case = fuzz.generate(seed, HypothesisChooser(data), [0])
    note(f"seed {seed.path.name}, mutations {case.mutations}")
    path = tmp_path_factory.mktemp("fuzz") / case.name
    path.write_bytes(case.data)
    reader = fuzz.READERS[role]
    want, want_error = _outcome(lambda: reader(path, **case.kwargs))
    got, got_error = _outcome(lambda: read_in_blocks(reader, path, block_bytes=max(len(case.data) // n, 1),
                                                     **case.kwargs))
    assert got_error == want_error
    if want is not None:
        _same(got, want)


def test_a_fault_in_the_block_machinery_reads_the_file_whole(monkeypatch, caplog):
    # a block that cannot be finished (here: its categories fail) costs the blocks' work, not the file
    from csanalysis.io import blocks

    path = sample_path("shopify_orders.csv")

    def broken(read, agreement):
        raise MemoryError("no room")

    monkeypatch.setattr(blocks, "_finished", broken)
    with caplog.at_level("WARNING", logger="csanalysis.io.blocks"):
        got = read_in_blocks(cs.read_activity, path, block_bytes=path.stat().st_size // 4)
    assert "read whole" in caplog.text
    monkeypatch.undo()
    _same(got, cs.read_activity(path))


def _stores(path, store) -> None:
    rows = [f"O{i},C{i % 37},2024-0{1 + i % 9}-{1 + i % 27:02d} 10:00,{i % 90 + 1}.25,Al Bo,,"
            f"{'web' if i % 3 else 'pos'},{store(i)}\n" for i in range(4000)]
    path.write_text("order_id,customer_id,created_at,amount,customer_name,note,source,store\n" + "".join(rows),
                    encoding="utf-8")


def _summaries(path, n: int):
    from csanalysis.io.blocks import block_names, block_summary, mask_block
    from csanalysis.privacy import Names

    _, reads = _blocks(cs.read_activity, path, n)
    names = Names.union([block_names(r) for r in reads])
    reads = [mask_block(r, names) for r in reads]
    return reads, [block_summary(r, len(reads)) for r in reads]


def test_a_column_of_distinct_values_sends_its_sketch_not_its_values(tmp_path, monkeypatch):
    # a kept text column whose every value differs (timestamps, references) sent each block's values to the
    # task that checks the blocks: at 5M customers, 1.4 GB of ticket columns on one worker. A block now sends
    # its values only when they are at most a tenth of its rows, else their sketch, which counts the whole file
    from csanalysis.io.blocks import agree_blocks
    from csanalysis.stats.sketches import SKETCH_BITS

    monkeypatch.setattr("csanalysis.io.blocks.SENT_DISTINCT", 30)  # (blocks of 333 rows: 33 values at most)
    p = tmp_path / "orders.csv"
    _stores(p, lambda i: f"S{i}")
    reads, sums = _summaries(p, 12)
    assert all(s.distinct["store"] is None and s.n_distinct["store"] == s.rows for s in sums)
    assert all(len(s.sketches["store"]) == 1 << SKETCH_BITS for s in sums)
    assert all(sorted(s.distinct["source"].to_pylist()) == ["pos", "web"] and "source" not in s.sketches
               for s in sums)
    assert set(agree_blocks(sums, p).categories) == {"note", "source"}  # "store" stays text, as read whole
    whole = cs.read_activity(p)
    assert str(whole["store"].dtype) == "str"
    _same(combine_blocks(reads, p), whole)


def test_a_column_that_repeats_only_over_the_whole_file_makes_it_read_whole(tmp_path, monkeypatch):
    # 400 stores over 4,000 rows: categorical read whole, but more than a tenth of each block's rows are distinct,
    # so no block sent its values: the sketches say the file may repeat them, and the file is read whole
    from csanalysis.io.blocks import agree_blocks

    monkeypatch.setattr("csanalysis.io.blocks.SENT_DISTINCT", 30)
    p = tmp_path / "orders.csv"
    _stores(p, lambda i: f"S{i % 400}")
    _, sums = _summaries(p, 12)
    assert all(s.distinct["store"] is None for s in sums)
    with pytest.raises(NotBlockSafe, match="store"):
        agree_blocks(sums, p)
    whole = cs.read_activity(p)
    assert str(whole["store"].dtype) == "category"
    _same(read_in_blocks(cs.read_activity, p, block_bytes=p.stat().st_size // 12), whole)
