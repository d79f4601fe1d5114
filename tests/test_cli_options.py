"""Every option of ``cs.analyse`` on the command line, an example each in ``--help``, progress on stderr."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import csanalysis as cs
import csanalysis.report.run as run
from csanalysis.analysis import DEFAULT_RESAMPLES
from csanalysis.cli import ANALYSE_OPTIONS, NOT_ON_THE_COMMAND_LINE, RULE_OPTIONS, build_parser, main
from csanalysis.errors import CsanalysisError
from csanalysis.experiences import BadExperienceRule


def _report_parser() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["report"]


def _flags() -> dict[str, argparse.Action]:
    return {s: a for a in _report_parser()._actions for s in a.option_strings}


def test_every_analyse_option_has_a_flag():
    params = set(inspect.signature(cs.analyse).parameters)
    # the documented allow-list: parameters that do not belong on a command line, each with its reason
    assert set(NOT_ON_THE_COMMAND_LINE) == {"secret", "progress", "keep_tables", "keep_rows"}
    assert all(len(why) > 20 for why in NOT_ON_THE_COMMAND_LINE.values())
    assert params - set(NOT_ON_THE_COMMAND_LINE) == set(ANALYSE_OPTIONS), "an analyse() option without a flag"
    flags = _flags()
    for param, flag in ANALYSE_OPTIONS.items():
        assert flag in flags, (param, flag)
    # the bad-experience rule: every field of the class has its option
    assert {f.name for f in dataclasses.fields(BadExperienceRule)} == set(RULE_OPTIONS)
    for field, flag in RULE_OPTIONS.items():
        assert flags[flag].dest == field, (field, flag)


def test_help_has_an_example_per_option(capsys):
    for action in _report_parser()._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help and "e.g." in action.help, action.option_strings
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = capsys.readouterr().out
    for flag in [*ANALYSE_OPTIONS.values(), *RULE_OPTIONS.values(), "--format", "--map"]:
        assert f"e.g. {flag}" in re.sub(r"\s+", " ", text), flag
    assert "CSANALYSIS_KEY" in text and "examples:" in text


def test_one_default_number_of_resamples():
    assert inspect.signature(cs.analyse).parameters["n_resamples"].default == DEFAULT_RESAMPLES
    assert inspect.signature(run.run_report).parameters["n_resamples"].default == DEFAULT_RESAMPLES
    assert _flags()["--resamples"].default == DEFAULT_RESAMPLES


class _Stop(CsanalysisError):
    pass


def test_the_options_reach_analyse(monkeypatch, capsys, tmp_path):
    seen = {}

    def fake(*args, **kwargs):
        seen.update(kwargs)
        raise _Stop("stopped after the options arrived")

    monkeypatch.setattr(run, "analyse", fake)
    argv = ["report", "--quiet", "--out", str(tmp_path), "--tickets", "t.xlsx", "--survey", "s.csv",
            "--activity", "o.csv", "--customers", "c.csv", "--question", "csat=Q1", "--map",
            "activity:customer_id=Buyer Ref", "--sheet", "tickets=Export", "--timezone", "Europe/Copenhagen",
            "--tz-abbreviation", "IST=Asia/Kolkata", "--dayfirst", "--link-on", "customer_id", "--as-of",
            "2024-12-31", "--window", "365", "--resamples", "77", "--seed", "7", "--confidence", "0.9",
            "--currency", "EUR", "--scorecard-freq", "M", "--cluster", "customer", "--override",
            "avoid_2y_after_bad", "--no-bad-rating", "--bad-csat-max", "3", "--good-csat-min", "5",
            "--bad-ces-min", "6", "--bad-nps-max", "6", "--bad-reopens-min", "2", "--bad-first-reply-minutes",
            "1440", "--include-agent-initiated"]
    assert main(argv) == 2
    assert "stopped after the options arrived" in capsys.readouterr().err
    assert seen["tickets"] == ["t.xlsx"] and seen["customers"] == ["c.csv"]
    assert seen["mapping"] == {"activity": {"customer_id": "Buyer Ref"}}
    assert seen["sheet"] == {"tickets": "Export"} and seen["questions"] == {"csat": "Q1"}
    assert seen["tz_abbreviations"] == {"IST": "Asia/Kolkata"} and seen["dayfirst"] is True
    assert (seen["timezone"], seen["link_on"], seen["as_of"]) == ("Europe/Copenhagen", "customer_id", "2024-12-31")
    assert (seen["window"], seen["n_resamples"], seen["seed"], seen["confidence"]) == (365, 77, 7, 0.9)
    assert (seen["currency"], seen["scorecard_freq"], seen["cluster"]) == ("EUR", "M", "customer")
    assert seen["override"] == {"avoid_2y_after_bad"}
    assert seen["rule"] == BadExperienceRule(use_ticket_rating=False, csat_at_most=3, csat_good_at_least=5,
                                             ces_at_least=6, nps_at_most=6, reopens_at_least=2,
                                             first_reply_sla_minutes=1440, include_agent_initiated=True)
    # defaults: the default rule, no override, the account when tickets carry one
    seen.clear()
    assert main(["report", "--quiet", "--out", str(tmp_path), "--tickets", "t.csv", "--cluster", "none",
                 "--override", "--bad-ces-min", "none"]) == 2
    assert seen["rule"] == BadExperienceRule() and seen["override"] is True and seen["cluster"] is None
    assert seen["n_resamples"] == DEFAULT_RESAMPLES and seen["mapping"] is None
    seen.clear()
    assert main(["report", "--quiet", "--out", str(tmp_path), "--tickets", "t.csv"]) == 2
    assert seen["rule"] is None and seen["override"] is False and seen["cluster"] == "auto"


@pytest.mark.parametrize(("argv", "said"), [
    (["--bad-csat-max", "9"], "--bad-csat-max"),
    (["--no-bad-rating", "--bad-csat-max", "none"], "keep --bad-rating"),
    (["--map", "orders:customer_id=Buyer Ref"], "ROLE:COLUMN=FILE_COLUMN"),
    (["--map", "activity:customer_id"], "e.g. --map"),
    (["--format", "html,pdf"], "unknown pdf"),
])
def test_bad_options_exit_2_with_one_line_that_teaches(argv, said, tmp_path, capsys):
    assert main(["report", "--quiet", "--out", str(tmp_path / "r"), "--sample", *argv]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()


@pytest.fixture()
def renamed_customers(tmp_path) -> Path:
    df = pd.read_csv(cs.datasets.sample_path("customer_snapshot.csv"), dtype=str).head(300)
    path = tmp_path / "crm.csv"
    df.rename(columns={"Customer ID": "Buyer Ref"}).to_csv(path, index=False)
    return path


def test_map_reaches_the_reader_and_progress_goes_to_stderr(renamed_customers, tmp_path, capsys, monkeypatch):
    import csanalysis.report.inputs as inputs

    monkeypatch.setattr(inputs, "LONG_RUN_SECONDS", 0.0)  # every run counts as long: the stage times are shown
    out = tmp_path / "r"
    assert main(["report", "--customers", str(renamed_customers), "--map", "customers:customer_id=Buyer Ref",
                 "--format", "json,xlsx", "--resamples", "20", "--out", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err and all(re.match(r"\[csanalysis +\d+\.\d s\] \S", line) for line in err), err
    assert any("reading customers: crm.csv" in line for line in err)
    assert any("writing report.xlsx" in line for line in err)
    timing = err[-1]
    assert "time per stage:" in timing and re.search(r"reading \d+\.\d s", timing)
    assert re.search(r"writing report\.xlsx \d+\.\d s; total \d+\.\d s$", timing)
    assert sorted(p.name for p in out.iterdir()) == ["report.xlsx", "results.json"]
    rows = list(openpyxl.load_workbook(out / "report.xlsx")["load report"].iter_rows(values_only=True))
    rec = dict(zip(rows[0], rows[1]))
    assert rec["file"] == "crm.csv" and "Buyer Ref: customer_id" in rec["column_mapping"]
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert res["options"]["n_resamples"] == 20
    # --quiet: nothing on stderr
    assert main(["report", "--customers", str(renamed_customers), "--map", "customers:customer_id=Buyer Ref",
                 "--format", "json", "--resamples", "20", "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("argv", [["report", "--sample", "--window", "abc"], ["repor"],
                                  ["report", "--sample", "--bad-reopens-min", "1.5"]])
def test_usage_errors_are_one_line_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and len(err.strip().splitlines()) == 1 and "--help" in err
