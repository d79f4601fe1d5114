"""Tests of the sample-data generator (csanalysis.datasets.generate)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csanalysis.datasets import generate as g

SAMPLE = Path(g.__file__).parent / "sample"
ALL_FILES = list(g.FILES.values()) + ["README.md", "planted_truth.json"]

ZENDESK_DOCUMENTED = [
    "Id", "Requester", "Requester id", "Requester external id", "Requester email",
    "Requester domain", "Submitter", "Assignee", "Group", "Subject", "Tags", "Status", "Priority",
    "Via", "Ticket type", "Created at", "Updated at", "Assigned at", "Organization", "Due date",
    "Initially assigned at", "Solved at", "Resolution time", "Satisfaction Score",
    "Group stations", "Assignee stations", "Reopens", "Replies", "First reply time in minutes",
    "First reply time in minutes within business hours", "First resolution time in minutes",
    "First resolution time in minutes within business hours", "Full resolution time in minutes",
    "Full resolution time in minutes within business hours",
]
QUALTRICS_ROW1 = [
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
    "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
    "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel",
    "UserLanguage", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "ticket_id",
]
SHOPIFY_FIRST = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name",
]
ZD_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
SHOP_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0[12]00$")


def _read(path: Path, **kw) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kw)


def _bytes(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    truth = g.generate_sample(d, n_customers=900, seed=5)
    return d, truth


@pytest.fixture(scope="module")
def sample_truth():
    return json.loads((SAMPLE / "planted_truth.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes(tmp_path):
    t1 = g.generate_sample(tmp_path / "a", n_customers=300, seed=11)
    t2 = g.generate_sample(tmp_path / "b", n_customers=300, seed=11)
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert sorted(a) == sorted(ALL_FILES)
    assert a == b
    assert t1 == t2


def test_different_seed_gives_different_files(tmp_path):
    g.generate_sample(tmp_path / "a", n_customers=300, seed=11)
    g.generate_sample(tmp_path / "b", n_customers=300, seed=12)
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    for name in g.FILES.values():
        assert a[name] != b[name], name


def test_chunked_writing_gives_the_same_bytes(tmp_path, monkeypatch):
    g.generate_sample(tmp_path / "a", n_customers=300, seed=3)
    monkeypatch.setattr(g, "CHUNK_ROWS", 37)
    g.generate_sample(tmp_path / "b", n_customers=300, seed=3)
    assert _bytes(tmp_path / "a") == _bytes(tmp_path / "b")


def test_shipped_sample_is_what_the_generator_makes(tmp_path):
    truth = g.generate_sample(tmp_path)
    assert _bytes(tmp_path) == _bytes(SAMPLE)
    assert truth == json.loads((SAMPLE / "planted_truth.json").read_text(encoding="utf-8"))


def _ids(d: Path) -> dict[str, set]:
    """Every id and e-mail of a world's three exports (the shop's test orders' shared e-mails left out)."""
    zd = pd.read_csv(d / g.FILES["tickets"], dtype=str, keep_default_na=False)
    sh = pd.read_csv(d / g.FILES["orders"], dtype=str, keep_default_na=False)
    qu = pd.read_csv(d / g.FILES["survey"], dtype=str, keep_default_na=False, skiprows=[1, 2])
    sh = sh[~sh["Email"].str.contains("test@", regex=False)]  # (the shop's own test orders, in every block)
    return {"ticket": set(zd["Id"]) | (set(qu["ticket_id"]) - {""}),
            "order": set(sh["Name"]), "order_id": set(sh["Id"]) - {""},
            "requester": set(zd["Requester id"]) | (set(qu["ExternalReference"]) - {""}),
            "email": set(zd["Requester email"]) | (set(sh["Email"]) - {""}) | (set(qu["RecipientEmail"]) - {""})}


def test_worlds_of_distinct_id_blocks_share_no_id(tmp_path):
    # the same seed: the same world, numbered apart (the benchmarks append such worlds as one export)
    g.generate_sample(tmp_path / "a", n_customers=400, seed=3, danish=False, snapshot=False)
    g.generate_sample(tmp_path / "b", n_customers=400, seed=3, danish=False, snapshot=False, id_block=1)
    a, b = _ids(tmp_path / "a"), _ids(tmp_path / "b")
    for kind in a:
        assert a[kind] and len(a[kind]) == len(b[kind]), kind
        assert not a[kind] & b[kind], kind
    # the survey's ticket ids are the same world's tickets, in either block
    qb = pd.read_csv(tmp_path / "b" / g.FILES["survey"], dtype=str, keep_default_na=False, skiprows=[1, 2])
    zb = pd.read_csv(tmp_path / "b" / g.FILES["tickets"], dtype=str, keep_default_na=False)
    linked = set(qb["ticket_id"]) - {""}
    assert linked and linked <= set(zb["Id"])
    assert min(int(x) for x in zb["Id"]) == 1001 + g.ID_BLOCK
    # only the ids differ: the times are the same world's
    za = pd.read_csv(tmp_path / "a" / g.FILES["tickets"], dtype=str, keep_default_na=False)
    pd.testing.assert_series_equal(za["Created at"], zb["Created at"])


@pytest.mark.parametrize("bad", [-1, 1.5, True, "x"])
def test_id_block_must_be_a_whole_number(tmp_path, bad):
    with pytest.raises((ValueError, TypeError), match="id_block|invalid literal"):
        g.generate_sample(tmp_path, n_customers=100, id_block=bad)


def test_optional_files_can_be_left_out(tmp_path):
    truth = g.generate_sample(tmp_path, n_customers=200, seed=1, danish=False, snapshot=False)
    names = {p.name for p in tmp_path.iterdir()}
    assert g.FILES["danish"] not in names and g.FILES["snapshot"] not in names
    assert "danish" not in truth and truth["files"] == [g.FILES[k] for k in ("tickets", "survey", "orders")]


def test_cli_writes_the_files(tmp_path, capsys):
    assert g.main([str(tmp_path), "--customers", "150", "--seed", "4"]) == 0
    assert {p.name for p in tmp_path.iterdir()} == set(ALL_FILES)
    assert "tickets" in capsys.readouterr().out
    assert json.loads((tmp_path / "planted_truth.json").read_text())["n_customers"] == 150


@pytest.mark.parametrize("kw", [{"n_customers": 0}, {"start": "yesterday"},
                                {"start": "2025-01-01", "as_of": "2025-02-01"}])
def test_bad_arguments_raise_value_error(tmp_path, kw):
    with pytest.raises(ValueError):
        g.generate_sample(tmp_path, **kw)


# ---------------------------------------------------------------- shipped sample


def test_shipped_sample_exists_and_is_small():
    sizes = {name: (SAMPLE / name).stat().st_size for name in ALL_FILES}
    assert all(s > 0 for s in sizes.values())
    assert sum(sizes.values()) < 8 * 1024 * 1024


def test_readme_documents_every_effect_with_the_numbers(sample_truth):
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    for word in ("Avoidance", "Word of mouth", "Service recovery", "Channels", "Service levels"):
        assert word in readme
    a = sample_truth["avoidance"]
    assert f"**{100 * a['avoid_2y_after_bad']:.1f}%**" in readme
    assert f"{100 * a['naive_avoid_2y_after_bad']:.1f}%" in readme
    assert f"mean told {sample_truth['word_of_mouth']['dissatisfied']['mean_told']:.2f}" in readme


# ---------------------------------------------------------------- formats


def test_zendesk_header_and_values(small):
    d, _ = small
    z = _read(d / g.FILES["tickets"])
    assert list(z.columns[: len(ZENDESK_DOCUMENTED)]) == ZENDESK_DOCUMENTED
    assert list(z.columns) == g._ZENDESK_COLUMNS
    for col in ("Created at", "Updated at"):
        assert z[col].str.match(ZD_DATE).all()
    solved = z["Solved at"][z["Solved at"] != ""]
    assert solved.str.match(ZD_DATE).all()
    assert (z["Solved at"] == "").sum() > 0 or (z["Status"].isin(["Solved", "Closed"])).all()
    score = set(z["Satisfaction Score"])
    assert score <= {"", "Offered", "1", "2", "3", "4", "5", "Good", "Bad"}
    assert {"", "Offered", "1", "5", "Good", "Bad"} <= score
    assert set(z["Status"]) <= {"New", "Open", "Pending", "Hold", "Solved", "Closed"}
    assert set(z["Priority"]) <= {"Low", "Normal", "High", "Urgent"}
    assert {"Mail", "Web form", "Chat", "Phone call (incoming)", "Closed Ticket", "OutBound"} <= set(z["Via"])
    assert z["Id"].is_unique and z["Requester id"].str.fullmatch(r"\d{12,13}").all()
    assert z["Requester email"].str.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.(com|org|net)").all()
    # the score only appears on solved tickets
    assert (z.loc[z["Solved at"] == "", "Satisfaction Score"] == "").all()
    # legacy Good/Bad only for tickets solved before the switch
    legacy = z["Satisfaction Score"].isin(["Good", "Bad"])
    assert (z.loc[legacy, "Solved at"] < g.LEGACY_CSAT_BEFORE).all()
    assert (z.loc[z["Satisfaction Score"].isin(list("12345")), "Solved at"] >= g.LEGACY_CSAT_BEFORE).all()


def test_qualtrics_three_header_rows_crlf_no_bom(small):
    d, _ = small
    raw = (d / g.FILES["survey"]).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == QUALTRICS_ROW1
    assert rows[1][17] == "How satisfied were you with the support you received?"
    assert rows[1][19] == "The company made it easy for me to handle my issue."
    meta = [json.loads(x) for x in rows[2]]
    assert all("ImportId" in m for m in meta)
    for i in (0, 1, 7):
        assert meta[i]["timeZone"] == "Europe/Copenhagen"
    assert meta[23]["ImportId"] == "QID7_TEXT"
    # every record ends with CRLF; line breaks inside comments stay bare LF
    assert text.count("\r\n") == len(rows)
    assert any("\n" in cell for r in rows[3:] for cell in r)
    body = pd.DataFrame(rows[3:], columns=rows[0])
    assert {"IP Address", "Survey Preview", "Survey Test", "Spam"} == set(body["Status"])
    unfinished = body[body["Finished"] == "False"]
    assert len(unfinished) > 0 and (unfinished["Progress"].astype(int) < 100).all()
    done = body[(body["Finished"] == "True") & (body["Status"] == "IP Address")]
    assert set(done["Q1"]) <= set(g.Q1_LABELS) and set(done["Q3"]) <= set(g.Q3_LABELS)
    assert set(done["Q4"]) <= set(g.Q4_LABELS) and set(done["Q5"]) == set(g.Q5_BINS)
    assert set(done["Q6"]) == {"Yes", "No"}
    assert done["Q2"].astype(int).between(0, 10).all()
    assert body["StartDate"].str.match(ZD_DATE).all()
    assert (body["StartDate"] <= body["EndDate"]).all()


def test_shopify_order_fields_only_on_first_row(small):
    d, _ = small
    s = _read(d / g.FILES["orders"])
    assert list(s.columns[: len(SHOPIFY_FIRST)]) == SHOPIFY_FIRST
    assert {"Id", "Tags", "Notes", "Payment Method"} <= set(s.columns)
    first = ~s["Name"].duplicated()
    assert (~first).sum() > 0  # there are multi-line orders
    order_level = [c for c in s.columns if c not in g.SHOPIFY_LINE_COLUMNS]
    rest = s.loc[~first, order_level]
    assert (rest == "").all().all()
    assert (s.loc[first, "Financial Status"] != "").all() and (s.loc[first, "Total"] != "").all()
    for c in g.SHOPIFY_LINE_COLUMNS:
        assert (s[c] != "").all() or c == "Lineitem compare at price", c
    # rows of one order are contiguous
    runs = (s["Name"] != s["Name"].shift()).sum()
    assert runs == s["Name"].nunique()
    assert s["Created at"].str.match(SHOP_DATE).all()
    fo = s[first]
    assert {"paid", "refunded", "voided", "pending", "partially_refunded"} <= set(fo["Financial Status"])
    assert {"DKK", "EUR"} == set(fo["Currency"])
    assert (fo["Tags"] == "test").sum() >= 3
    assert fo["Name"].str.fullmatch(r"#\d+").all()
    assert fo["Name"].str.slice(1).astype(int).min() == 1001
    # totals add up
    tot = fo["Subtotal"].astype(float) + fo["Shipping"].astype(float)
    assert np.allclose(tot, fo["Total"].astype(float))
    assert {"+0100", "+0200"} == set(s["Created at"].str.slice(-5))


def test_danish_file_is_cp1252_semicolon_day_first(small):
    d, truth = small
    raw = (d / g.FILES["danish"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "\r\n" in text
    df = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    assert list(df.columns) == g.DANISH_COLUMNS
    assert len(df) == truth["danish"]["n"] > 0
    stamp = df["Tidsstempel"]
    assert stamp.str.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}").all()
    assert (stamp.str.slice(0, 2).astype(int) > 12).any()
    assert df["Beløb"].str.fullmatch(r"\d{1,3}(\.\d{3})*,\d{2}").all()
    assert df["Beløb"].str.contains(".", regex=False).any()
    assert set(df["Hvor tilfreds var du med vores kundeservice?"]) <= set(g.DA_CSAT)
    assert set(df["Har du frarådet andre at købe hos os?"]) <= {"Ja", "Nej"}
    told = set(df["Hvor mange personer har du fortalt om din oplevelse?"])
    assert "ingen" in told and any(t.startswith("ca. ") for t in told)
    shop = _read(d / g.FILES["orders"])
    assert set(df["E-mailadresse"]) <= set(shop["Email"])


def test_snapshot_shape_and_links(small):
    d, truth = small
    c = _read(d / g.FILES["snapshot"])
    assert list(c.columns) == g.SNAPSHOT_COLUMNS
    assert len(c) == truth["snapshot"]["n"] == 300
    assert c["Customer ID"].str.fullmatch(r"\d{4}-[A-Z]{5}").all() and c["Customer ID"].is_unique
    assert ((c["Churn Label"] == "Yes") == (c["Churn Value"] == "1")).all()
    churned = c["Churn Value"] == "1"
    assert (c.loc[churned, "Churn Category"] != "").all() and (c.loc[~churned, "Churn Category"] == "").all()
    assert set(c.loc[churned, "Churn Category"]) <= {"Competitor", "Dissatisfaction", "Attitude", "Price", "Other"}
    assert c["Satisfaction Score"].astype(int).between(1, 5).all()
    assert set(c["Complain"]) == {"0", "1"}
    shop = _read(d / g.FILES["orders"])
    assert set(c["Email"]) <= set(shop["Email"])


def test_ids_link_across_files(small):
    d, _ = small
    z = _read(d / g.FILES["tickets"])
    q = _read(d / g.FILES["survey"], skiprows=[1, 2])
    real = q[q["Status"] == "IP Address"]
    assert len(real) > 0
    m = real.merge(z, left_on="ticket_id", right_on="Id", how="left", validate="one_to_one")
    assert m["Id"].notna().all()
    assert (m["ExternalReference"] == m["Requester id"]).all()
    assert (m["RecipientEmail"] == m["Requester email"]).all()
    assert (m["RecordedDate"] > m["Solved at"]).all()
    # one requester id per e-mail
    assert z.groupby("Requester email")["Requester id"].nunique().max() == 1
    # subjects quote real order numbers of the same customer
    shop = _read(d / g.FILES["orders"])
    first = shop[~shop["Name"].duplicated()]
    ref = z["Subject"].str.extract(r"(#\d+)")[0]
    has = ref.notna()
    assert has.sum() > 0
    owner = dict(zip(first["Name"], first["Email"]))
    assert (ref[has].map(owner) == z.loc[has, "Requester email"]).all()


# ---------------------------------------------------------------- planted truths


def _naive_from_files(d: Path, as_of: str) -> tuple[int, float, float]:
    """Recompute the naive avoidance share from the exported files alone."""
    z = _read(d / g.FILES["tickets"])
    s = _read(d / g.FILES["orders"])
    first = s[~s["Name"].duplicated()]
    buy = first[first["Financial Status"].isin(["paid", "pending", "partially_refunded"]) & (first["Tags"] != "test")]
    buys = pd.DataFrame({"email": buy["Email"], "at": pd.to_datetime(buy["Created at"].str.slice(0, 19))})
    bad = z[z["Satisfaction Score"].isin(["1", "2", "Bad"])]
    idx = (bad.assign(at=pd.to_datetime(bad["Solved at"])).groupby("Requester email")["at"].min()
           .rename("idx").reset_index().rename(columns={"Requester email": "email"}))
    m = idx.merge(buys, on="email", how="left")
    within = (m["at"] > m["idx"]) & (m["at"] <= m["idx"] + pd.Timedelta(days=730))
    bought = within.groupby(m["email"]).any()
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    short = (idx["idx"] > end - pd.Timedelta(days=730)).mean()
    return len(idx), float((~bought).mean()), float(short)


@pytest.mark.parametrize("which", ["small", "sample"])
def test_naive_share_recomputed_from_files_matches_truth(which, small, sample_truth):
    d, truth = (small if which == "small" else (SAMPLE, sample_truth))
    n, naive, short = _naive_from_files(d, truth["as_of"])
    a = truth["avoidance"]
    assert n == a["n_bad_index"]
    assert naive == pytest.approx(a["naive_avoid_2y_after_bad"], abs=1e-6)
    assert short == pytest.approx(a["share_bad_index_followup_lt_730d"], abs=1e-6)


def test_avoidance_truth_is_censoring_sensitive(sample_truth):
    a = sample_truth["avoidance"]
    assert a["share_bad_index_followup_lt_730d"] >= 0.30
    assert a["naive_avoid_2y_after_bad"] - a["avoid_2y_after_bad"] >= 0.04
    # the planted 30% sits on top of quiet lapses, so the truth exceeds it, and bad > good
    assert a["avoid_2y_after_bad"] > a["planted_p_stop_after_first_bad_unrecovered"]
    assert a["avoid_2y_after_bad"] - a["avoid_2y_after_good"] > 0.15
    split = a["next_purchase_split_after_bad"]
    assert sum(split.values()) == pytest.approx(1.0, abs=1e-5)
    assert split["ge_730d"] == a["avoid_2y_after_bad"]
    assert a["n_bad_index"] >= 150


def test_recovery_rate_lies_between(sample_truth):
    r = sample_truth["recovery"]
    assert r["repeat_365_never_bad"] > r["repeat_365_bad_recovered"] > r["repeat_365_bad_unrecovered"]
    assert min(r["n_never_bad"], r["n_bad_recovered"], r["n_bad_unrecovered"]) >= 50


def test_channel_truth_matches_file_and_planted_order(small, sample_truth):
    d, truth = small
    z = _read(d / g.FILES["tickets"])
    rated = z[z["Satisfaction Score"].isin(["1", "2", "3", "4", "5", "Good", "Bad"])]
    rate = rated["Satisfaction Score"].isin(["1", "2", "Bad"]).groupby(rated["Via"]).mean()
    for via, row in truth["channels"].items():
        if row["n_rated"]:
            assert rate[via] == pytest.approx(row["bad_rate"], abs=1e-6)
    ch = sample_truth["channels"]
    assert ch["Chat"]["bad_rate"] < ch["Web form"]["bad_rate"] < ch["Mail"]["bad_rate"]


def test_word_of_mouth_truth_matches_binned_answers(small, sample_truth):
    d, truth = small
    q = _read(d / g.FILES["survey"], skiprows=[1, 2])
    done = q[(q["Status"] == "IP Address") & (q["Finished"] == "True")]
    dis = done[done["Q1"].isin(["Extremely dissatisfied", "Somewhat dissatisfied"])]
    w = truth["word_of_mouth"]["dissatisfied"]
    assert len(dis) == w["n"] > 0
    assert (dis["Q5"] == "More than 20").mean() == pytest.approx(w["share_told_gt20"], abs=1e-6)
    assert (dis["Q6"] == "Yes").mean() == pytest.approx(w["share_warned"], abs=1e-6)
    assert (dis["Q5"] == "0").mean() == pytest.approx(1 - w["share_told_any"], abs=1e-6)
    s = sample_truth["word_of_mouth"]
    assert s["dissatisfied"]["mean_told"] > 2 * s["satisfied"]["mean_told"]
    assert s["dissatisfied"]["share_told_gt20"] > s["satisfied"]["share_told_gt20"]
    assert 0.25 < s["dissatisfied"]["share_warned"] < 0.55
    assert s["dissatisfied"]["share_warned"] > 5 * s["satisfied"]["share_warned"]


def test_expectations_go_with_repeat_purchase(sample_truth):
    by = sample_truth["expectations"]["repeat_365_by_answer"]

    def pooled(labels):
        n = sum(by[lab]["n"] for lab in labels)
        return sum(by[lab]["n"] * by[lab]["rate"] for lab in labels) / n

    low = pooled(["Much worse than expected", "Worse than expected"])
    high = pooled(["Better than expected", "Much better than expected"])
    assert high - low > 0.05


def test_truth_is_json_ready_and_counts_match_files(small):
    d, truth = small
    assert json.loads(json.dumps(truth)) == truth
    c = truth["counts"]
    assert len(_read(d / g.FILES["tickets"])) == c["zendesk_tickets"]
    s = _read(d / g.FILES["orders"])
    assert len(s) == c["shopify_lines"] and s["Name"].nunique() == c["shopify_orders"]
    assert len(_read(d / g.FILES["survey"], skiprows=[1, 2])) == c["qualtrics_rows"]


def test_comments_come_from_their_own_stream(tmp_path, monkeypatch):
    """Issue 15: the comments and languages use a separate generator, so no other column depends on them."""
    a, b = tmp_path / "a", tmp_path / "b"
    g.generate_sample(a, n_customers=400, seed=3)
    monkeypatch.setattr(g, "VERBATIM_STREAM", 16)
    g.generate_sample(b, n_customers=400, seed=3)
    for name in (g.FILES["tickets"], g.FILES["orders"], g.FILES["snapshot"]):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    for name, kw, free in ((g.FILES["survey"], {}, {"UserLanguage", "Q7"}),
                           (g.FILES["danish"], {"sep": ";", "encoding": "cp1252"}, {"Kommentar"})):
        x, y = _read(a / name, **kw), _read(b / name, **kw)
        assert list(x.columns) == list(y.columns)
        assert x.drop(columns=list(free)).equals(y.drop(columns=list(free)))
        assert not x[list(free)].equals(y[list(free)])  # the stream is used
