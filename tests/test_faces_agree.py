"""One figure, one value: the page, results.json, benchmark_table and the notebooks show the same numbers.

Runs the report once on the bundled sample and once on the real-format Zendesk fixture (with the sample's
orders), then reads every number the page tags with ``data-figure-id`` back at display precision and checks
it against ``Analysis.figures``; checks that ``results.json`` holds exactly the figure and comparison rows;
that ``benchmark_table`` on the same tables gives the same comparisons; and that every tagged number in the
committed notebooks' stored outputs equals the sample analysis' figure.
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.display import DECIMALS, parse_value
from csanalysis.report.run import write_report

ROOT = Path(__file__).resolve().parents[1]
TAG = re.compile(r"<td data-figure-id='([^']*)' data-group='([^']*)' data-field='([^']*)'>([^<]*)</td>")


def tagged(markup: str) -> list[tuple[str, str, str, str]]:
    """(figure id, group, field, shown text) of every tagged number in some HTML."""
    return [tuple(html.unescape(x) for x in m) for m in TAG.findall(markup)]


def check_against(figures: pd.DataFrame, cells, where: str) -> int:
    """Assert each shown number equals its figure-table value at display precision; return how many."""
    f = figures.set_index(["id", "group"])
    for fid, group, field, text in cells:
        assert (fid, group) in f.index, f"{where}: {fid} [{group}] is not a row of Analysis.figures"
        row = f.loc[(fid, group)]
        value = float(row[field])
        shown = parse_value(text)
        if math.isnan(value):
            assert math.isnan(shown), f"{where}: {fid} [{group}] {field} shows {text!r} for a missing value"
            continue
        if field == "n":
            tol = 0.5
        else:
            d = DECIMALS.get(row["unit"], 3)
            tol = 0.5 * 10.0 ** (-d) * (0.01 if row["unit"] == "share" else 1) * 1.0001
        assert abs(shown - value) <= tol, f"{where}: {fid} [{group}] {field} shows {text!r}, the figure is {value!r}"
    return len(cells)


def json_frame(records: list[dict], like: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame(records, columns=like.columns)
    for c in like.columns:
        if like[c].dtype == "float64":
            df[c] = pd.to_numeric(df[c]).astype("float64")
    return df


def assert_json_is_the_tables(res: dict, a: cs.Analysis) -> None:
    for key, table in (("figures", a.figures), ("comparisons", a.comparisons)):
        got = json_frame(res[key], table)
        assert len(got) == len(table)
        for c in table.columns:
            if table[c].dtype == "float64":
                np.testing.assert_array_equal(got[c].to_numpy(), table[c].to_numpy(), err_msg=f"{key}.{c}")
            elif c == "flags":
                assert got[c].map(list).tolist() == table[c].map(list).tolist()
            else:
                assert got[c].fillna("").astype(str).tolist() == table[c].fillna("").astype(str).tolist(), c


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    s = cs.datasets.load_sample()
    a = cs.analyse(s)
    out = tmp_path_factory.mktemp("sample-report")
    write_report(a, out)
    return s, a, out


def test_sample_page_shows_the_figure_table(sample_run):
    _, a, out = sample_run
    page = (out / "index.html").read_text(encoding="utf-8")
    cells = tagged(page)
    assert check_against(a.figures, cells, "page") > 300
    shown = {(fid, g) for fid, g, _, _ in cells}
    # the headline's compared figures and the overall service metrics are on the page
    for r in a.comparisons[a.comparisons["verdict"] != "not supported"].itertuples():
        assert (r.own_id, r.own_group) in shown, r.id
    for fid in ("csat_mean", "nps", "bad_rating_share", "first_reply_p50", "reopen_rate"):
        assert (fid, "all") in shown


def test_sample_json_and_benchmark_table_are_the_same_rows(sample_run):
    s, a, out = sample_run
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert res["schema_version"] == 2
    assert_json_is_the_tables(res, a)
    t = cs.benchmark_table(s.tickets, s.responses, s.activity, customers=s.customers)
    pd.testing.assert_frame_equal(t, a.comparisons)
    # the schema-1 views are read from the same rows
    m = res["metrics"]["csat"]
    assert m["value"] == a.figure("csat_mean")["estimate"] and m["n"] == a.figure("csat_mean")["n"]
    bench = {r["id"]: r for r in res["benchmarks"]}
    for r in a.comparisons.itertuples():
        assert bench[r.id]["verdict"] == r.verdict
        assert (bench[r.id]["observed"] is None) == (r.observed != r.observed)


def test_notebooks_stored_outputs_show_the_sample_figures(sample_run):
    _, a, _ = sample_run
    total = 0
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells = []
        for cell in nb.cells:
            for o in cell.get("outputs", []):
                markup = o.get("data", {}).get("text/html", "")
                cells += tagged(markup if isinstance(markup, str) else "".join(markup))
        total += check_against(a.figures, cells, path.name)
    assert total > 50, "the notebooks should show figure-table rows through csanalysis.display"


def test_zendesk_fixture_with_sample_orders(tmp_path):
    tickets = ROOT / "tests" / "data" / "tickets" / "zendesk_export.csv"
    orders = cs.datasets.sample_path("shopify_orders.csv")
    a = cs.analyse(tickets=tickets, activity=orders, n_resamples=200, link_on="email_key")
    write_report(a, tmp_path)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert check_against(a.figures, tagged(page), "zendesk page") > 20
    res = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert_json_is_the_tables(res, a)
    t = cs.benchmark_table(a.linked.tickets.drop(columns="customer"), None,
                           a.linked.activity.drop(columns="customer"), link_on="email_key", n_resamples=200)
    pd.testing.assert_frame_equal(t, a.comparisons)
    # CSAT, when the export has it, is one number wherever it appears
    csat = a.figure("csat_mean")
    shown = res["metrics"]["csat"]["value"]
    assert (shown is None and math.isnan(csat["estimate"])) or shown == csat["estimate"]
