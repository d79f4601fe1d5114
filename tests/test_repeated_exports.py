"""Repeated exports: the same tickets, answers or orders in two files are merged, never counted twice."""

from __future__ import annotations

import pandas as pd

import csanalysis as cs
from csanalysis.datasets import SAMPLE_TIMEZONE, sample_path


def _halves(tmp_path, name: str, overlap: int):
    """Two files that overlap by ``overlap`` data rows (the whole header kept in both)."""
    lines = sample_path(name).read_text(encoding="utf-8").splitlines(keepends=True)
    head, body = lines[:1], lines[1:]
    mid = len(body) // 2
    a, b = tmp_path / "month1.csv", tmp_path / "month2.csv"
    a.write_text("".join(head + body[:mid + overlap]), encoding="utf-8")
    b.write_text("".join(head + body[mid:]), encoding="utf-8")
    return a, b


def test_overlapping_ticket_exports_count_each_ticket_once(tmp_path):
    a, b = _halves(tmp_path, "zendesk_tickets.csv", overlap=200)
    ex = cs.read_exports(tickets=[a, b], timezone=SAMPLE_TIMEZONE, secret="k")
    one = cs.read_tickets(sample_path("zendesk_tickets.csv"), timezone=SAMPLE_TIMEZONE, key="k")
    assert len(ex.tickets) == len(one) and ex.tickets["ticket_id"].is_unique
    ra, rb = ex.reports["tickets"]
    assert ra.rows_merged + rb.rows_merged == 200
    for r in (ra, rb):
        assert r.rows_read == r.rows_loaded + r.rows_rejected + r.rows_merged + r.rows_excluded
    assert any("repeated exports" in n for n in ra.notes)


def test_analysis_of_overlapping_files_equals_the_single_file(tmp_path):
    a, b = _halves(tmp_path, "zendesk_tickets.csv", overlap=300)
    orders = sample_path("shopify_orders.csv")
    two = cs.analyse(tickets=[a, b], activity=orders, timezone=SAMPLE_TIMEZONE, secret="k", n_resamples=50)
    one = cs.analyse(tickets=sample_path("zendesk_tickets.csv"), activity=orders, timezone=SAMPLE_TIMEZONE,
                     secret="k", n_resamples=50)
    cols = ["id", "group", "estimate", "n"]
    f2, f1 = (x.figures[~x.figures["source"].isin(["load_reports"])][cols].reset_index(drop=True)
              for x in (two, one))
    pd.testing.assert_frame_equal(f2, f1)


def test_the_newer_version_of_a_row_wins():
    a = pd.DataFrame({"ticket_id": ["1", "2"], "source_format": "zendesk_csv", "status": ["open", "open"],
                      "updated_at": pd.to_datetime(["2025-01-05", "2025-01-05"], utc=True)})
    b = pd.DataFrame({"ticket_id": ["2", "1"], "source_format": "zendesk_csv", "status": ["solved", "pending"],
                      "updated_at": pd.to_datetime(["2025-02-01", "2024-12-01"], utc=True)})
    out = cs.io.batch.concat_tables([a, b]).set_index("ticket_id")["status"]
    assert out.to_dict() == {"1": "open", "2": "solved"}  # ticket 1: the first file's row is newer
    c = b.assign(source_format="freshdesk_csv")  # another tool's ids never meet
    assert len(cs.io.batch.concat_tables([a, c])) == 4


def test_files_are_read_largest_first_and_the_result_does_not_depend_on_it():
    paths = {role: sample_path(f) for role, f in (("tickets", "zendesk_tickets.csv"),
                                                  ("survey", "qualtrics_survey.csv"),
                                                  ("activity", "shopify_orders.csv"))}
    said: list[str] = []
    ex = cs.read_exports(**paths, timezone=SAMPLE_TIMEZONE, secret="k", progress=said.append)
    sizes = {role: p.stat().st_size for role, p in paths.items()}
    read = [m.split(":")[0].removeprefix("reading ") for m in said]
    assert read == sorted(sizes, key=lambda r: -sizes[r])
    # the tables come back by role whatever the order, as each reader gives them alone
    for role, table, reader in (("tickets", ex.tickets, cs.read_tickets), ("survey", ex.responses, cs.read_survey),
                                ("activity", ex.activity, cs.read_activity)):
        alone = reader(paths[role], timezone=SAMPLE_TIMEZONE, key="k")
        pd.testing.assert_frame_equal(table, alone)
        assert len(ex.reports[role]) == 1
