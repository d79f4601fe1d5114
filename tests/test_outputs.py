"""Outputs people use: the Excel workbook, SVG figures, and ``--format`` (issue 12 point 3)."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import csanalysis as cs
from csanalysis.errors import CsanalysisError
from csanalysis.flags import flags_text
from csanalysis.report.page import make_figures
from csanalysis.report.run import parse_formats, write_report
from csanalysis.report.workbook import SHEETS, excel_ready, workbook_sheets, write_workbook

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
ZONE = "Europe/Copenhagen"
SVG_READY = "fmt" in inspect.signature(make_figures).parameters


@pytest.fixture(scope="module")
def analysis():
    return cs.analyse(cs.datasets.load_sample(), n_resamples=20, timezone=ZONE)


@pytest.fixture(scope="module")
def written(analysis, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("outputs")
    write_report(analysis, out, formats="html,json,xlsx" + (",svg" if SVG_READY else ""))
    return out


@pytest.fixture(scope="module")
def book(written):
    return openpyxl.load_workbook(written / "report.xlsx")


def _frame(ws) -> pd.DataFrame:
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_workbook_has_the_sheets_with_a_bold_frozen_header(book):
    assert book.sheetnames == list(SHEETS)
    for ws in book:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1] if c.value is not None), ws.title
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        assert all(8 <= w <= 60 for w in widths), (ws.title, widths)


def test_figure_values_equal_analysis_figures(book, analysis):
    got = _frame(book["figures"])
    f = analysis.figures.reset_index(drop=True)
    assert list(got.columns) == list(f.columns) and len(got) == len(f)
    for c in ("id", "group", "unit", "method"):
        assert got[c].fillna("").astype(str).tolist() == f[c].fillna("").astype(str).tolist(), c
    for c in ("estimate", "ci_low", "ci_high", "n", "p_value", "change"):
        np.testing.assert_allclose(pd.to_numeric(got[c]).to_numpy(dtype=float), f[c].to_numpy(dtype=float),
                                   rtol=1e-14, err_msg=c)  # Excel keeps 15-17 digits
    assert got["flags"].fillna("").tolist() == [flags_text(v) for v in f["flags"]]
    assert any(": " in t for t in got["flags"].dropna())  # codes with their reasons


def test_the_workbook_agrees_with_results_json(book, written):
    res = json.loads((written / "results.json").read_text(encoding="utf-8"))
    got = _frame(book["comparisons"])
    assert got["id"].tolist() == [r["id"] for r in res["comparisons"]]
    assert got["verdict"].tolist() == [r["verdict"] for r in res["comparisons"]]
    obs = pd.to_numeric(got["observed"]).to_numpy(dtype=float)
    want = np.array([np.nan if r["observed"] is None else r["observed"] for r in res["comparisons"]], dtype=float)
    np.testing.assert_allclose(obs, want, rtol=1e-14)
    summary = _frame(book["summary"])
    assert list(summary.columns)[:4] == ["id", "label", "cited", "observed"]


def test_no_cell_carries_a_time_zone_and_times_are_local(book, analysis):
    stamps = []
    for ws in book:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, (dt.datetime, dt.time)):
                    assert v.tzinfo is None, (ws.title, v)
                    stamps.append(v)
                if isinstance(v, str):
                    assert not re.search(r"\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}\b", v), (ws.title, v)
    assert stamps
    notes = {r["item"]: r["value"] for r in _frame(book["notes"]).to_dict("records")}
    assert notes["time zone of every time stamp"] == ZONE
    want = analysis.as_of.tz_convert(ZONE).tz_localize(None).to_pydatetime()
    assert notes["as_of (end of follow-up)"] == want


def test_segments_scorecard_and_load_report_sheets(book, analysis):
    seg = _frame(book["segments"])
    assert set(seg["source"]) <= {"rfm", "journeys", "recovery", "service_levels", "clusters"}
    assert len(seg) == analysis.figures["source"].isin(["rfm", "journeys", "recovery", "service_levels",
                                                           "clusters"]).sum()
    sc = _frame(book["scorecard"])
    assert {"period", "measure", "value"} <= set(sc.columns) and len(sc) > 0
    assert all(isinstance(p, str) for p in sc["period"])
    lr = _frame(book["load report"])
    n_files = sum(len(v) for v in analysis.load_reports.values())
    assert len(lr) == n_files
    assert lr["file"].tolist() == [r.name for reps in analysis.load_reports.values() for r in reps]
    assert not lr["file"].str.contains(r"[\\/]").any()  # file names only, never folders


def test_no_personal_data_or_folders_in_the_workbook(book):
    here = str(Path.cwd())
    for ws in book:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, str):
                    assert not EMAIL.search(v), (ws.title, v)
                    assert here not in v and "/datasets/sample" not in v, (ws.title, v)


def test_excel_ready_makes_times_local_and_naive_and_containers_text():
    df = pd.DataFrame({
        "at": pd.to_datetime(["2024-01-15 12:00", None]).tz_localize("UTC"),
        "mixed": [pd.Timestamp("2024-07-01 10:00", tz="UTC"), "text"],
        "flags": [["small_n"], []],
        "extra": [{"a": 1}, ("x", "y")],
        "period": pd.period_range("2024Q1", periods=2, freq="Q"),
    })
    out = excel_ready(df, ZONE)
    assert out["at"].dt.tz is None and out.loc[0, "at"] == pd.Timestamp("2024-01-15 13:00")
    assert out.loc[0, "mixed"] == dt.datetime(2024, 7, 1, 12, 0) and out.loc[0, "mixed"].tzinfo is None
    assert out["flags"].tolist() == [flags_text(["small_n"]), ""]
    assert out["extra"].tolist() == ["a: 1", "x; y"]
    assert out["period"].tolist() == ["2024Q1", "2024Q2"]


def test_workbook_sheets_from_an_analysis_without_zone(analysis, tmp_path):
    import copy

    a = copy.copy(analysis)
    a.options = {**analysis.options, "timezone": None}
    sheets = workbook_sheets(a)
    notes = sheets["notes"].set_index("item")["value"]
    assert notes["time zone of every time stamp"] == "UTC"
    assert notes["as_of (end of follow-up)"] == analysis.as_of.tz_localize(None)
    with pytest.raises(CsanalysisError, match=r"\.xlsx"):
        write_workbook(a, tmp_path / "report.csv")


@pytest.mark.skipif(not SVG_READY, reason="csanalysis.report.page.make_figures cannot draw SVG yet (fmt=)")
def test_svg_figures_parse_and_match_the_pngs(written):
    svgs = sorted((written / "figures").glob("*.svg"))
    pngs = sorted((written / "figures").glob("*.png"))
    assert svgs and [p.stem for p in svgs] == [p.stem for p in pngs]
    for p in svgs:
        root = ET.parse(p).getroot()
        assert root.tag.endswith("svg"), p.name


def test_formats(analysis, tmp_path):
    assert parse_formats("json , XLSX,html") == ("html", "json", "xlsx")
    assert parse_formats(["svg", "png"]) == ("svg", "png")
    for bad in ("pdf", "", "html;json"):
        with pytest.raises(CsanalysisError, match="choose from html, json, xlsx, svg, png"):
            parse_formats(bad)
    path = write_report(analysis, tmp_path, formats="json")
    assert path == tmp_path / "results.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_text_that_looks_like_a_formula_stays_text(analysis, tmp_path):
    import copy

    a = copy.copy(analysis)
    a.notes = [*analysis.notes, "=HYPERLINK(\"http://example.invalid\")"]
    ws = openpyxl.load_workbook(write_workbook(a, tmp_path / "report.xlsx"))["notes"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)


def test_analysis_shows_the_later_tables_by_their_fixed_names(analysis):
    """Analysis.drivers / rankings / nonresponse / power: the fixed columns of results.json, as DataFrames."""
    from csanalysis.analysis import results_dict

    a = analysis
    doc = results_dict(a)
    fixed = {"drivers": ["outcome", "driver", "importance", "ci_low", "ci_high", "n", "method", "penalty", "reward"],
             "rankings": ["unit_type", "unit_name", "estimate", "ci_low", "ci_high", "n", "versus_rest"],
             "nonresponse": ["measure", "raw", "raw_ci_low", "raw_ci_high", "weighted", "weighted_ci_low",
                             "weighted_ci_high", "n", "effective_n"],
             "power": ["measure", "n", "mde", "observed_change", "significant", "within_noise"]}
    for key, cols in fixed.items():
        table = getattr(a, key)
        assert list(table.columns[: len(cols)]) == cols, key
        assert len(table) == len(doc[key]) > 0, key
