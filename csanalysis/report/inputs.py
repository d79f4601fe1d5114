"""Loading the files a report is asked to read (the bundled sample by default)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..io import LoadReport, load_report, read_activity, read_customers, read_survey, read_tickets

__all__ = ["Inputs", "load_inputs"]


@dataclass
class Inputs:
    """Canonical tables read for a report, with one load report per file."""

    tickets: pd.DataFrame | None
    responses: pd.DataFrame | None
    activity: pd.DataFrame | None
    customers: pd.DataFrame | None
    reports: dict[str, list[LoadReport]] = field(default_factory=dict)
    sample: bool = False


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    frames = [f for f in frames if f is not None]
    if not frames:
        return None
    attrs = {}
    for f in frames:  # keep question texts / free-text lists of every file
        for k in ("questions",):
            attrs.setdefault(k, {}).update(f.attrs.get(k, {}) or {})
        attrs.setdefault("free_text_columns", []).extend(f.attrs.get("free_text_columns", []) or [])
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    out.attrs = {k: v for k, v in attrs.items()}
    return out


def load_inputs(
    *,
    tickets: list = (),
    survey: list = (),
    activity: list = (),
    customers: list = (),
    questions: dict | None = None,
    timezone: str | None = None,
    dayfirst: bool | None = None,
    key: str | bytes | None = None,
    progress=None,
) -> Inputs:
    """Read every file with the matching reader; the bundled sample when no file is given."""
    say = progress or (lambda msg: None)
    sample = not (tickets or survey or activity or customers)
    if sample:
        from ..datasets import SAMPLE_FILES, SAMPLE_KEY, SAMPLE_TIMEZONE, sample_path

        tickets = [sample_path(f) for f in SAMPLE_FILES["tickets"]]
        survey = [sample_path(f) for f in SAMPLE_FILES["survey"]]
        activity = [sample_path(f) for f in SAMPLE_FILES["activity"]]
        customers = [sample_path(f) for f in SAMPLE_FILES["customers"]]
        timezone = timezone or SAMPLE_TIMEZONE
        key = key or SAMPLE_KEY
        say("no input files given: using the bundled sample")
    common = {"timezone": timezone, "dayfirst": dayfirst, "key": key}
    out: dict[str, list[pd.DataFrame]] = {"tickets": [], "survey": [], "activity": [], "customers": []}
    for role, paths, reader, kw in (
        ("tickets", tickets, read_tickets, common),
        ("survey", survey, read_survey, {**common, "questions": questions or None}),
        ("activity", activity, read_activity, common),
        ("customers", customers, read_customers, {"key": key}),
    ):
        for p in paths:
            say(f"reading {role}: {Path(p).name}")
            out[role].append(reader(p, **kw))
    reports = {role: [load_report(df) for df in dfs] for role, dfs in out.items()}
    return Inputs(_concat(out["tickets"]), _concat(out["survey"]), _concat(out["activity"]),
                  _concat(out["customers"]), reports, sample)


def stderr_progress(quiet: bool = False):
    """A progress printer for the command line."""
    if quiet:
        return lambda msg: None
    return lambda msg: print(f"[csanalysis] {msg}", file=sys.stderr, flush=True)
