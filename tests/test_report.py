"""``csanalysis report``: the page, the JSON contract, the figures, privacy, and bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import csanalysis as cs
from csanalysis.cli import main
from csanalysis.datasets import generate

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert main(["report", "--sample", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def results(report_dir) -> dict:
    return json.loads((report_dir / "results.json").read_text(encoding="utf-8"))


def _names() -> set[str]:
    """Every person name the sample generator can write (first, last and agent names)."""
    first = {f for f, _ in generate._FIRST}
    last = set(generate._LAST)
    agents = set(generate._AGENTS)
    return {n for n in first | last | agents if len(n) > 3}


def test_files_written(report_dir):
    assert (report_dir / "index.html").stat().st_size > 10_000
    figs = sorted(p.name for p in (report_dir / "figures").glob("*.png"))
    for name in ("benchmarks_shares.png", "avoidance_curves.png", "word_of_mouth.png", "rfm.png", "scorecard.png"):
        assert name in figs


def test_results_json_contract(results):
    assert results["schema_version"] == 2
    assert results["figures"] and results["comparisons"]
    assert all({"id", "label", "unit", "group", "estimate", "ci_low", "ci_high", "n", "method", "definition",
                "flags"} <= set(r) for r in results["figures"])
    assert all({"own_id", "label", "unit", "direction", "flags", "verdict"} <= set(r) for r in results["comparisons"])
    assert results["verbatims"] and all(list(r) == ["reason", "language", "group", "share", "ci_low", "ci_high", "n"]
                                        for r in results["verbatims"])
    assert {r["measure"] for r in results["nonresponse"]} == {"csat", "bad_share", "good_share"}
    assert all({"measure", "raw", "raw_ci_low", "raw_ci_high", "weighted", "weighted_ci_low", "weighted_ci_high",
                "n", "effective_n"} <= set(r) for r in results["nonresponse"])
    # key drivers of a bad rating and of the rating score: one row per outcome and driver
    assert results["drivers"] and all({"outcome", "driver", "importance", "ci_low", "ci_high", "n", "method", "penalty",
                                     "reward"} <= set(r) for r in results["drivers"])
    assert {r["outcome"] for r in results["drivers"]} == {"bad", "rating_score", "csat", "nps", "no_purchase_2y"}
    # issue 14's contract columns: rankings of agents, groups, channels and months; power per scorecard measure
    assert results["rankings"] and all({"unit_type", "unit_name", "estimate", "ci_low", "ci_high", "n",
                                      "versus_rest"} <= set(r) for r in results["rankings"])
    assert {r["versus_rest"] for r in results["rankings"]} <= {"worse", "better", "indistinguishable", "not ranked"}
    assert results["power"] and all({"measure", "n", "mde", "observed_change", "significant", "within_noise"} <= set(r)
                                  for r in results["power"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", results["as_of"])
    for role in ("tickets", "survey", "activity", "customers"):
        assert results["inputs"][role], role
        for rec in results["inputs"][role]:
            for k in ("path", "format", "rows_read", "rows_loaded", "rows_rejected", "rows_merged", "rows_excluded"):
                assert k in rec
            assert rec["rows_read"] == (rec["rows_loaded"] + rec["rows_rejected"] + rec["rows_merged"]
                                        + rec["rows_excluded"])
    cols = ["id", "cited", "cited_low", "cited_high", "observed", "ci_low", "ci_high", "n", "p_value", "verdict",
            "provenance", "definition"]
    assert all(list(r) == cols for r in results["benchmarks"])
    for m in ("csat", "nps", "ces", "bad_rating_share", "first_reply_p50", "resolution_p50", "reopen_rate", "fcr"):
        assert set(results["metrics"][m]) >= {"value", "ci_low", "ci_high", "n", "method"}
    for seg in ("rfm", "journeys", "service_levels", "clusters"):
        recs = results["segments"][seg]
        assert recs and all({"segment", "n", "share"} <= set(r) for r in recs), seg
    assert results["scorecard"]
    for r in results["scorecard"]:
        assert {"period", "measure", "value", "change", "good_direction", "significant"} <= set(r)


def test_json_has_no_nan(report_dir):
    text = (report_dir / "results.json").read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_page_is_self_contained_and_offline(report_dir):
    page = (report_dir / "index.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") >= 8
    assert not re.search(r"""(src|href)=['"]https?://""", page)
    assert "<script" not in page
    for section in ("headline", "avoidance", "word-of-mouth", "segments", "scorecard", "data-quality"):
        assert f"id='{section}'" in page
    assert "folklore" in page


def test_no_personal_data_in_page_json_or_figures(report_dir):
    page = (report_dir / "index.html").read_text(encoding="utf-8")
    text = (report_dir / "results.json").read_text(encoding="utf-8")
    assert not EMAIL.search(page) and not EMAIL.search(text)
    names = _names()
    assert names, "the generator's name lists should be found"
    for n in names:
        assert not re.search(rf"\b{re.escape(n)}\b", page), n
        assert not re.search(rf"\b{re.escape(n)}\b", text), n


def test_bad_input_exits_2_naming_the_file(tmp_path):
    bad = tmp_path / "tickets.csv"
    bad.write_bytes(b"%PDF-1.4 not a csv")
    proc = subprocess.run([sys.executable, "-m", "csanalysis", "report", "--tickets", str(bad), "--out",
                           str(tmp_path / "r"), "--quiet"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "tickets.csv" in proc.stderr and "PDF" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_as_of_and_question(tmp_path, capsys):
    assert main(["report", "--sample", "--as-of", "yesterday-ish", "--out", str(tmp_path), "--quiet"]) == 2
    assert "yesterday-ish" in capsys.readouterr().err
    assert main(["report", "--sample", "--question", "csat", "--out", str(tmp_path), "--quiet"]) == 2


def test_no_inputs_exits_2_and_suggests_the_sample(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path), "--quiet"]) == 2
    assert "--sample" in capsys.readouterr().err
    assert not (tmp_path / "index.html").exists()


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    f = tmp_path / "taken"
    f.write_text("x")
    assert main(["report", "--sample", "--resamples", "20", "--out", str(f), "--quiet"]) == 2
    assert "is a file" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and cs.__version__ in capsys.readouterr().out


def test_own_files_on_the_command_line(tmp_path):
    files = cs.datasets.sample_files()
    out = tmp_path / "own"
    argv = ["report", "--out", str(out), "--quiet", "--timezone", "Europe/Copenhagen",
            "--tickets", str(files["tickets"][0]), "--survey", str(files["survey"][0]),
            "--activity", str(files["activity"][0]), "--question", "csat=Q1", "--resamples", "100"]
    assert main(argv) == 0
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert res["inputs"]["customers"] == [] and len(res["inputs"]["survey"]) == 1
    # results.json names the file, never the folders it sits in
    assert res["inputs"]["tickets"][0]["path"] == Path(files["tickets"][0]).name


DATA = Path(__file__).parent / "data"


def test_sheet_and_zone_abbreviations_on_the_command_line(tmp_path, capsys):
    book = DATA / "roles" / "workbook_dictionary.xlsx"
    ist = DATA / "layouts" / "google_forms_ist.csv"
    base = ["report", "--quiet", "--resamples", "20"]
    # an ambiguous abbreviation: exit 2 naming the file and the option that settles it
    assert main([*base, "--out", str(tmp_path / "a"), "--survey", str(ist)]) == 2
    err = capsys.readouterr().err
    assert "google_forms_ist.csv" in err and "Traceback" not in err
    assert main([*base, "--out", str(tmp_path / "b"), "--survey", str(ist),
                 "--tz-abbreviation", "IST=Asia/Kolkata"]) == 0
    for sheet in (["--sheet", "Responses"], ["--sheet", "survey=1"]):
        out = tmp_path / sheet[1].replace("=", "_")
        assert main([*base, "--out", str(out), "--survey", str(book), *sheet]) == 0
        res = json.loads((out / "results.json").read_text(encoding="utf-8"))
        assert res["inputs"]["survey"][0]["path"] == book.name
    assert main([*base, "--out", str(tmp_path / "c"), "--survey", str(book), "--sheet", "Answers"]) == 2
    assert "Answers" in capsys.readouterr().err
    assert main([*base, "--out", str(tmp_path / "d"), "--survey", str(book), "--sheet", "a", "--sheet", "b"]) == 2
    assert main([*base, "--out", str(tmp_path / "e"), "--survey", str(ist), "--tz-abbreviation", "IST"]) == 2


def test_unexpected_error_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import csanalysis.report.run as run

    def boom(*args, **kwargs):
        raise ZeroDivisionError("anna@example.com broke it")

    monkeypatch.setattr(run, "analyse", boom)
    assert main(["report", "--sample", "--quiet", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "anna@example.com" not in err and "Traceback" not in err
    with pytest.raises(ZeroDivisionError):
        main(["report", "--sample", "--quiet", "--debug", "--out", str(tmp_path)])
