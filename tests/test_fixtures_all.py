"""Every shared real-world fixture loads, or is refused with the package's clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from csanalysis.errors import ExportError
from csanalysis.io import load_report, read_survey, read_tickets

FIXTURES = Path(__file__).parent / "data" / "fixtures"
FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.name != "SOURCES.md")

# what each fixture is; refused files name the reason in the error
EXPECT = {
    "zendesk_api_client_rb_tickets.json": ("tickets", {}),
    "zendesk_api_client_rb_satisfaction_ratings.json": ("refused", {}),
    "codexjl_2020-08_responses_second.csv": ("survey", {"dayfirst": True}),
}


def test_every_fixture_is_listed():
    assert len(FILES) == 8  # the eight files of SOURCES.md


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fixture_loads_or_is_refused_clearly(path):
    kind, kw = EXPECT.get(path.name, ("survey", {}))
    if kind == "refused":
        with pytest.raises(ExportError) as exc:
            read_tickets(path)
        assert path.name in str(exc.value)
        return
    reader = read_tickets if kind == "tickets" else read_survey
    df = reader(path, **kw)
    rep = load_report(df)
    assert rep.rows_read == rep.rows_loaded + rep.rows_rejected + rep.rows_merged + rep.rows_excluded
    assert rep.rows_read > 0
    # no raw e-mail address in any loaded column by default
    for c in df.columns:
        if df[c].dtype == object or str(df[c].dtype).startswith(("str", "string")):
            assert not df[c].astype("str").str.contains(r"[\w.+-]+@[\w-]+\.\w", regex=True).any(), c
