"""Tests of csanalysis.io.surveys.read_survey on real and synthetic survey exports."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csanalysis.errors import ExportError
from csanalysis.io.report import load_report
from csanalysis.io.surveys import read_survey
from csanalysis.schema import RESPONSES

DATA = Path(__file__).parent / "data"
FIX = DATA / "fixtures"
SURV = DATA / "surveys"
BESKAR = FIX / "qualtrics" / "qualtRics_BeskarArmor_export-responses_2025.csv"
SUBSET = FIX / "qualtrics" / "qualtRics_BeskarArmor_export-responses_subset_2025.csv"
SAMPLE = FIX / "qualtrics" / "qualtRics_sample.csv"
LEGACY = FIX / "qualtrics" / "qualtRics_sample_legacy.csv"
ISPSS = FIX / "spss" / "ispss_iSpssData.sav"
CODEX = FIX / "european" / "codexjl_2020-08_responses_second.csv"
CANON = [c.name for c in RESPONSES]


def check(df: pd.DataFrame, *, pii: bool = False) -> pd.DataFrame:
    """Invariants every loaded survey must satisfy."""
    rep = load_report(df)
    assert rep.rows_read == rep.rows_loaded + rep.rows_rejected + rep.rows_merged + rep.rows_excluded
    assert rep.rows_loaded == len(df)
    assert list(df.columns[: len(CANON)]) == CANON
    assert str(df["responded_at"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(df.attrs["questions"], dict)
    assert set(df.attrs["free_text_columns"]) <= set(df.columns)
    for col, text in df.attrs["questions"].items():
        assert col in df.columns, col
        assert isinstance(text, str) and text
    if not pii:
        for c in df.columns:
            if df[c].dtype == object or str(df[c].dtype) in ("str", "string"):
                vals = df[c].dropna().astype(str)
                assert not vals.str.contains(r"[\w.+-]+@[\w-]+\.", regex=True).any(), c
        rej = rep.rejected.astype(str)
        for c in rej.columns:
            assert not rej[c].str.contains(r"[\w.+-]+@[\w-]+\.", regex=True).any(), c
    return df


def raw_qualtrics(path: Path) -> pd.DataFrame:
    """The data rows of a 3-header-row Qualtrics CSV, read independently with plain pandas."""
    return pd.read_csv(path, header=0, skiprows=[1, 2], dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------- shared fixtures
def test_beskar_armor_counts_previews_tests_and_unfinished():
    df = check(read_survey(BESKAR))
    rep = load_report(df)
    raw = raw_qualtrics(BESKAR)
    assert rep.rows_read == len(raw) == 44
    preview = raw["Status"].isin(["Survey Preview", "Survey Test"]) | raw["DistributionChannel"].isin(
        ["preview", "test"])
    unfinished = ~preview & (raw["Finished"] == "False")
    assert rep.excluded["survey preview or test"] == int(preview.sum()) > 0
    assert rep.excluded.get("unfinished response", 0) == int(unfinished.sum())
    assert len(df) == 44 - int(preview.sum()) - int(unfinished.sum())
    assert rep.source_format == "qualtrics" and rep.header_rows == 3
    kept = raw[~preview & ~unfinished]
    assert df["response_id"].tolist() == kept["ResponseId"].tolist()


def test_beskar_armor_pii_dropped_and_csat_mapped():
    df = check(read_survey(BESKAR))
    rep = load_report(df)
    for c in df.columns:
        assert not any(w in c for w in ("ip", "latitude", "longitude", "recipient")), c
    assert {"IP Address", "Location Latitude", "Location Longitude"} <= set(rep.dropped_columns)
    assert not df.astype(str).apply(lambda s: s.str.contains(r"\b98\.14\.36\.23\b")).any().any()
    raw = raw_qualtrics(BESKAR).set_index("ResponseId")
    scale = {"Extremely dissatisfied": 1, "Somewhat dissatisfied": 2, "Neither satisfied nor dissatisfied": 3,
             "Somewhat satisfied": 4, "Extremely satisfied": 5}
    expected = raw.loc[df["response_id"], "Q16"].map(scale).to_numpy(dtype=float)
    np.testing.assert_array_equal(df["csat"].to_numpy(), expected)
    assert rep.column_mapping["Q16"] == "csat"
    assert df.attrs["questions"]["csat"].startswith("Overall, how satisfied")
    assert any("role csat" in n and "Q16" in n for n in rep.notes)
    # trailing "\n\n" of Qualtrics choice labels are stripped
    assert "Yes, by me or someone outside the tribe" in set(df["q18"].dropna())
    assert {"q19", "q22"} <= set(df.attrs["free_text_columns"])
    # America/Denver (row 3) -> UTC: 2020-02-19 18:34:38 MST = 2020-02-20 01:34:38 UTC
    row = df.set_index("response_id").loc["R_1ozQ0AYNCrc2hXQ"]
    assert row["responded_at"] == pd.Timestamp("2020-02-20 01:34:38", tz="UTC")
    assert rep.timezone == "America/Denver"


def test_beskar_armor_switches_and_keep_pii():
    base = read_survey(BESKAR)
    with_prev = check(read_survey(BESKAR, include_previews=True))
    assert len(with_prev) > len(base)
    assert "survey preview or test" not in load_report(with_prev).excluded
    with_unf = check(read_survey(BESKAR, include_unfinished=True))
    assert len(with_unf) == len(base) + load_report(base).excluded["unfinished response"]
    pii = check(read_survey(BESKAR, keep_pii=True), pii=True)
    assert {"ip_address", "location_latitude", "location_longitude"} <= set(pii.columns)
    assert pii["ip_address"].notna().any()


def test_beskar_subset_and_timezone_from_row3():
    df = check(read_survey(SUBSET))
    assert len(df) == 15
    assert load_report(df).column_mapping["End Date"] == "responded_at"
    assert df["responded_at"].iloc[0] == pd.Timestamp("2020-02-20 01:17:19", tz="UTC")
    # the file states its zone: timezone= does not override it
    df2 = read_survey(SUBSET, timezone="Europe/Berlin")
    assert df2["responded_at"].equals(df["responded_at"])
    assert any("Europe/Berlin" in n and "ignored" in n for n in load_report(df2).notes)
    assert df["csat"].tolist()[:3] == [4.0, 2.0, 3.0]


def test_qualtrics_sample_german_labels_numeric_values():
    df = check(read_survey(SAMPLE))
    rep = load_report(df)
    assert rep.source_format == "qualtrics" and len(df) == 1
    assert df["response_id"].tolist() == ["R_2YPOQ602ER1jkf1"]
    assert df["responded_at"].iloc[0] == pd.Timestamp("2017-07-18 08:28:48", tz="UTC")
    assert df["q1"].iloc[0] == 2.0
    assert df.attrs["questions"]["status"] == "Antworttyp"
    assert df.attrs["questions"]["q2"] == "This is a free text question."
    assert "q2" in df.attrs["free_text_columns"]
    assert "column_21" not in df.columns  # the trailing empty column
    assert not any("latitude" in c or c.startswith("ip") for c in df.columns)
    assert any("no question role" in n for n in rep.notes)
    # a role named by hand: numeric code 2, 1-5 inferred
    df2 = check(read_survey(SAMPLE, questions={"csat": "Q1"}))
    assert df2["csat"].iloc[0] == 2.0 and "q1" not in df2.columns


def test_qualtrics_legacy():
    df = check(read_survey(LEGACY))
    rep = load_report(df)
    assert rep.source_format == "qualtrics_legacy" and rep.header_rows == 2
    assert df["response_id"].tolist() == ["R_2YPOQ602ER1jkf1"]
    assert df["responded_at"].iloc[0] == pd.Timestamp("2017-07-18 08:28:48", tz="UTC")
    assert df["q2"].iloc[0] == "Hello World!"
    assert "name" not in df.columns and "Name" in rep.dropped_columns
    assert df.attrs["questions"]["q1"] == "This is a multiple choice question."


def test_ispss_demo_data_loads_as_generic_spss():
    df = check(read_survey(ISPSS))
    rep = load_report(df)
    assert rep.source_format == "spss" and len(df) == 11
    assert df[["csat", "nps", "ces"]].isna().all().all()
    assert any("no question role" in n for n in rep.notes)
    # value labels replace codes; user-missing codes become missing with a note
    assert set(df["nudelmag"].dropna()) <= {"sehr gerne", "gerne", "geht so", "überhaupt nicht gerne"}
    assert df["alter"].isna().sum() == 2 and (df["alter"].dropna() >= 0).all()
    assert any("alter" in n and "user-missing" in n for n in rep.notes)
    assert df.attrs["questions"]["groe"] == "Größe"
    assert "state" in df.attrs["free_text_columns"]
    assert df["responded_at"].iloc[0] == pd.Timestamp("2024-06-02", tz="UTC")


def test_ispss_liking_scale_as_csat_rescaled_from_4_points():
    df = check(read_survey(ISPSS, questions={"csat": "nudelmag"}))
    import pyreadstat

    codes, _ = pyreadstat.read_sav(str(ISPSS))
    # codes: 1 sehr gerne ... 4 ueberhaupt nicht gerne -> position 4..1 -> 1-5
    pos = 5 - codes["nudelmag"]
    np.testing.assert_allclose(df["csat"].to_numpy(), 1 + (pos - 1) * 4 / 3)
    assert any("rescaled linearly to 1-5" in n for n in load_report(df).notes)


def test_codexjl_european_needs_dayfirst():
    with pytest.raises(ExportError) as err:
        read_survey(CODEX)
    msg = str(err.value)
    assert "codexjl" in msg and "dayfirst" in msg and "completed_at" in msg
    df = check(read_survey(CODEX, dayfirst=True))
    rep = load_report(df)
    assert rep.delimiter == ";" and rep.source_format == "generic" and len(df) == 5
    assert df["response_id"].tolist() == ["40", "53", "66", "79", "92"]
    assert df["responded_at"].iloc[2] == pd.Timestamp("2019-09-10 08:13:32", tz="UTC")
    assert df["responded_at"].isna().sum() == 2
    assert df["opened_at"].iloc[2] == pd.Timestamp("2019-09-10 07:53:55", tz="UTC")
    assert df["v1"].tolist()[2:] == ["D", "D", "D"]


# --------------------------------------------------------------------------- synthetic exports
def test_surveymonkey_two_header_rows():
    df = check(read_survey(SURV / "surveymonkey_2row.csv"))
    rep = load_report(df)
    assert rep.source_format == "surveymonkey" and rep.header_rows == 2
    assert df["response_id"].iloc[0] == "11887401001"
    assert rep.date_order == "monthfirst"
    assert df["responded_at"].iloc[1] == pd.Timestamp("2025-03-15 13:20:05", tz="UTC")
    assert df["csat"].tolist() == [5.0, 2.0, 3.0, 1.0, 4.0]
    assert df["nps"].tolist() == [10.0, 3.0, 7.0, 0.0, 9.0]
    assert df["told_count_low"].tolist() == [0.0, 2.0, 1.0, 21.0, 6.0]
    hi = df["told_count_high"].tolist()
    assert hi[:3] == [0.0, 5.0, 1.0] and math.isnan(hi[3]) and hi[4] == 10.0
    assert df["warned_others"].tolist() == [False, True, False, True, False]
    # question text spans the checkbox columns; checkbox choices are not personal data
    assert {"which_channels_did_you_use_email", "which_channels_did_you_use_chat",
            "which_channels_did_you_use_phone"} <= set(df.columns)
    assert df.attrs["questions"]["which_channels_did_you_use_chat"] == "Which channels did you use? - Chat"
    assert not {"first_name", "last_name", "ip_address", "email_address"} & set(df.columns)
    assert df["email_key"].str.startswith("ek_").all()
    assert "<e-mail removed>" in df["anything_else_you_would_like_to_tell_us"].iloc[1]
    assert df.attrs["free_text_columns"] == ["anything_else_you_would_like_to_tell_us"]


def test_keep_pii_keeps_emails_and_email_key_is_keyed():
    path = SURV / "surveymonkey_2row.csv"
    pii = check(read_survey(path, keep_pii=True, key="k1"), pii=True)
    assert pii["email_address"].str.contains("@example.com").all()
    assert "bob.test@example.com" in pii["anything_else_you_would_like_to_tell_us"].iloc[1]
    assert {"first_name", "last_name"} <= set(pii.columns)
    a = read_survey(path, key="k1")["email_key"]
    b = read_survey(path, key="k2")["email_key"]
    assert a.equals(pii["email_key"]) and not a.equals(b)


def test_typeform_utc_hidden_fields_and_ces_reversal():
    df = check(read_survey(SURV / "typeform.csv", timezone="America/New_York"))
    rep = load_report(df)
    assert rep.source_format == "typeform"
    assert rep.excluded == {"unfinished response": 1}
    assert df["response_id"].iloc[0].startswith("a1b2")
    assert df["customer_id"].tolist() == ["CUST-01", "CUST-02", "CUST-03"]
    assert df["ticket_id"].tolist() == ["48211", "48212", "48213"]
    # "(UTC)" in the column name wins over timezone=
    assert df["responded_at"].iloc[1] == pd.Timestamp("2024-05-01 23:31:10", tz="UTC")
    # agreement that it was easy, 1-7: reversed so that 7 (strongly agree) = 1 (very easy)
    assert df["ces"].tolist() == [1.0, 7.0, 4.0]
    assert any("direction: ease" in n for n in rep.notes)
    assert df["csat"].tolist() == [5.0, 2.0, 4.0]
    assert df["nps"].tolist() == [10.0, 4.0, 8.0]
    full = check(read_survey(SURV / "typeform.csv", include_unfinished=True))
    assert len(full) == 4 and pd.isna(full["responded_at"].iloc[3])


def test_google_forms_english_month_first_and_timezone():
    df = check(read_survey(SURV / "google_forms_en.csv", timezone="Europe/Copenhagen"))
    rep = load_report(df)
    assert rep.source_format == "google_forms" and rep.date_order == "monthfirst"
    assert df["responded_at"].iloc[1] == pd.Timestamp("2024-04-13 12:40:10", tz="UTC")
    assert df["csat"].tolist() == [5.0, 2.0, 3.0]
    assert df["ces"].tolist() == [1.0, 5.5, 4.0]  # effort scale, 5 points -> 1-7
    assert df["told_count_low"].tolist()[:2] == [0.0, 3.0]
    assert df["email_key"].notna().all() and "email_address" not in df.columns
    assert df["response_id"].isna().all()


def test_google_forms_gmt_offset_in_values():
    df = check(read_survey(SURV / "google_forms_gmt3.csv", timezone="America/Chicago"))
    assert df["responded_at"].tolist() == [
        pd.Timestamp("2026-09-27 12:00:00", tz="UTC"),
        pd.Timestamp("2026-09-28 08:30:00", tz="UTC"),
        pd.Timestamp("2026-09-28 20:59:59", tz="UTC"),
    ]
    assert df["csat"].tolist() == [5.0, 2.0, 1.0]
    assert df["nps"].tolist() == [10.0, 5.0, 0.0]


def test_danish_semicolon_cp1252_decimal_comma():
    df = check(read_survey(SURV / "danish_semicolon_cp1252.csv"))
    rep = load_report(df)
    assert rep.encoding == "cp1252" and rep.delimiter == ";" and rep.date_order == "dayfirst"
    assert df["response_id"].tolist() == ["1001", "1002", "1003", "1004"]
    assert df["responded_at"].iloc[2] == pd.Timestamp("2024-04-02 09:30", tz="UTC")
    assert df["csat"].tolist() == [5.0, 2.0, 3.0, 1.0]
    assert df["nps"].tolist() == [10.0, 3.0, 7.0, 0.0]
    np.testing.assert_allclose(df["ordrebeløb_kr"], [1234.5, 99.95, 250.0, 12.0])
    assert "Hurtig og venlig betjening" in df["kommentar"].iloc[0]
    assert "kommentar" in df.attrs["free_text_columns"]
    assert any("da" in n and "csat" in n for n in rep.notes)


def test_russian_cp1251_google_forms_dotted_dates():
    df = check(read_survey(SURV / "russian_cp1251.csv"))
    rep = load_report(df)
    assert rep.encoding == "cp1251" and rep.source_format == "google_forms"
    assert df["responded_at"].iloc[0] == pd.Timestamp("2024-03-01 10:15", tz="UTC")
    assert df["csat"].tolist() == [5.0, 4.0, 2.0, 3.0]  # Довольна, Недоволен(на) handled
    assert df["nps"].tolist() == [10.0, 8.0, 2.0, 6.0]
    assert df["email_key"].notna().all()


def test_utf16_tab_swedish():
    df = check(read_survey(SURV / "swedish_utf16.txt", timezone="Europe/Stockholm"))
    rep = load_report(df)
    assert rep.encoding.startswith("utf-16") and rep.delimiter == "\t"
    assert df["response_id"].tolist() == ["S-1", "S-2", "S-3"]
    assert df["responded_at"].iloc[0] == pd.Timestamp("2024-06-03 06:15", tz="UTC")  # CEST
    assert df["csat"].tolist() == [5.0, 2.0, 3.0]
    assert df["nps"].tolist() == [9.0, 4.0, 7.0]


def test_german_semicolon_bom_decimal_comma_effort():
    df = check(read_survey(SURV / "german_semicolon_utf8bom.csv"))
    rep = load_report(df)
    assert rep.encoding == "utf-8-sig" and rep.delimiter == ";"
    assert df["csat"].tolist() == [5.0, 2.0, 3.0]
    assert df["ces"].tolist() == [1.0, 5.5, 4.0]
    assert df["nps"].tolist() == [10.0, 2.0, 7.0]
    np.testing.assert_allclose(df["bestellwert_eur"], [1299.90, 49.99, 5.0])
    assert df["responded_at"].iloc[2] == pd.Timestamp("2024-03-07 18:45", tz="UTC")


def test_qualtrics_xlsx_choice_text():
    df = check(read_survey(SURV / "qualtrics_choice_text.xlsx", questions={"warned_others": "Q4"}))
    rep = load_report(df)
    assert rep.source_format == "qualtrics" and rep.encoding == "xlsx"
    assert rep.excluded == {"survey preview or test": 1, "spam": 1, "unfinished response": 1}
    assert df["response_id"].tolist() == ["R_x000000000001", "R_x000000000002", "R_x000000000006"]
    assert df["customer_id"].tolist() == ["C-1", "C-2", "C-4"]
    assert df["ticket_id"].tolist() == ["5001", "5002", "5004"]
    assert df["csat"].tolist() == [5.0, 2.0, 3.0]  # "Somewhat dissatisfied\n\n" included
    assert df["nps"].tolist() == [10.0, 3.0, 7.0]  # "10 - Extremely likely"
    # agreement that it was easy, 5 points: reversed, then 1-7
    assert df["ces"].tolist() == [1.0, 5.5, 4.0]
    assert df["warned_others"].tolist() == [False, True, False]
    assert rep.column_mapping["Q4"] == "warned_others"
    # Europe/Copenhagen from row 3: CET in March before the switch, CEST after
    assert df["responded_at"].tolist()[:2] == [pd.Timestamp("2024-03-10 08:03:01", tz="UTC"),
                                               pd.Timestamp("2024-03-31 01:10:00", tz="UTC")]
    assert df["q7"].tolist() == ["Router", "Modem", "Cable"]
    assert df.attrs["questions"]["q7"] == "Which product did you contact us about?"
    assert df.attrs["questions"]["warned_others"] == "Did you tell anyone not to buy from us?"
    assert "<e-mail removed>" in df["q5"].iloc[1]


def test_qualtrics_numeric_codes_exclusions_and_rejects():
    df = check(read_survey(SURV / "qualtrics_numeric.csv"))
    rep = load_report(df)
    assert rep.rows_read == 6
    assert rep.excluded == {"survey preview or test": 1, "spam": 1, "unfinished response": 1}
    assert rep.rows_rejected == 1
    rej = rep.rejected.iloc[0]
    assert rej["row"] == 9 and "Recorded Date" in rej["reason"]
    assert df["response_id"].tolist() == ["R_num0000000001", "R_num0000000002"]
    assert df["csat"].tolist() == [5.0, 2.0] and df["nps"].tolist() == [10.0, 4.0]
    assert df["customer_id"].tolist() == ["CUST-9001", "CUST-9002"]
    assert df["ticket_id"].tolist() == ["70001", "70002"]
    assert df["responded_at"].iloc[0] == pd.Timestamp("2024-02-01 10:03:01", tz="UTC")


def test_qualtrics_spss_value_labels_and_user_missing():
    df = check(read_survey(SURV / "qualtrics_labels.sav"))
    rep = load_report(df)
    assert rep.source_format == "spss"
    assert rep.excluded == {"survey preview or test": 1, "unfinished response": 1}
    assert df["response_id"].tolist() == ["R_sav00000001", "R_sav00000002", "R_sav00000004"]
    assert df["customer_id"].tolist() == ["K-1", "K-2", "K-4"]
    # 35-41 (7-point satisfaction) through the labels, then rescaled to 1-5
    np.testing.assert_allclose(df["csat"], [5.0, 1.0, 1 + 4 * 4 / 6])
    # 11-15 agreement that it was easy: reversed and rescaled to 1-7
    np.testing.assert_allclose(df["ces"], [1.0, 7.0, 2.5])
    assert df["nps"].tolist()[:2] == [10.0, 2.0] and math.isnan(df["nps"].iloc[2])  # -99 user-missing
    assert any("Q3" in n and "user-missing" in n for n in rep.notes)
    assert df["responded_at"].iloc[0] == pd.Timestamp("2024-01-05 08:05", tz="UTC")
    assert df.attrs["questions"]["ces"].startswith("How much do you agree")


def test_questions_override_validation():
    with pytest.raises(ExportError) as err:
        read_survey(BESKAR, questions={"csat": "Q99"})
    msg = str(err.value)
    assert "Q99" in msg and "Q16" in msg and BESKAR.name in msg
    with pytest.raises(ValueError, match="not a question role"):
        read_survey(BESKAR, questions={"happiness": "Q16"})
    # an override wins over detection; None switches a role off; QIDs and snake_case names work
    df = read_survey(BESKAR, questions={"csat": None})
    assert df["csat"].isna().all() and "q16" in df.columns
    df = read_survey(BESKAR, questions={"csat": "QID16"})
    assert df["csat"].notna().all()
    df = read_survey(SURV / "typeform.csv", questions={"nps": "customer_id", "csat": None})
    assert df["nps"].isna().all()


def test_mapping_override_and_errors():
    df = check(read_survey(SURV / "typeform.csv", mapping={"responded_at": "Start Date (UTC)"}))
    assert df["responded_at"].iloc[0] == pd.Timestamp("2024-05-01 10:00:00", tz="UTC")
    with pytest.raises(ExportError, match="no such column"):
        read_survey(SURV / "typeform.csv", mapping={"customer_id": "nope"})


def test_ambiguous_dates_ask_for_dayfirst():
    path = SURV / "ambiguous_dates.csv"
    with pytest.raises(ExportError, match="dayfirst"):
        read_survey(path)
    d = read_survey(path, dayfirst=True)
    m = read_survey(path, dayfirst=False)
    assert d["responded_at"].iloc[0] == pd.Timestamp("2024-04-03 10:00", tz="UTC")
    assert m["responded_at"].iloc[0] == pd.Timestamp("2024-03-04 10:00", tz="UTC")
    assert load_report(d).date_order == "dayfirst" and load_report(m).date_order == "monthfirst"


def test_unparseable_timestamps_rejected_with_reason():
    df = check(read_survey(SURV / "bad_dates.csv"))
    rep = load_report(df)
    assert len(df) == 2 and rep.rows_rejected == 1
    assert rep.rejected["row"].tolist() == [3]
    assert "not a timestamp" in rep.rejected["reason"].iloc[0]


@pytest.mark.parametrize("content,expected", [
    (b"%PDF-1.4 binary stuff", "PDF"),
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n....", "PNG"),
])
def test_not_a_survey_export(tmp_path, content, expected):
    p = tmp_path / "export.csv"
    p.write_bytes(content)
    with pytest.raises(ExportError) as err:
        read_survey(p)
    assert expected in str(err.value) and "export.csv" in str(err.value)


def test_sav_detected_by_signature(tmp_path):
    p = tmp_path / "export.dat"
    p.write_bytes((SURV / "qualtrics_labels.sav").read_bytes())
    df = check(read_survey(p))
    assert load_report(df).source_format == "spss" and len(df) == 3


def test_bad_arguments_and_broken_sav(tmp_path):
    with pytest.raises(ValueError, match="source="):
        read_survey(BESKAR, source="limesurvey")
    with pytest.raises(ExportError, match="not an SPSS"):
        read_survey(BESKAR, source="spss")
    with pytest.raises(ExportError, match="SPSS"):
        read_survey(ISPSS, source="qualtrics")
    broken = tmp_path / "broken.sav"
    broken.write_bytes(b"$FL2" + bytes(range(40)))
    with pytest.raises(ExportError, match="broken.sav"):
        read_survey(broken)
    with pytest.raises(ExportError, match="no such file"):
        read_survey(tmp_path / "missing.csv")
    with pytest.raises(ExportError, match="timezone"):
        read_survey(SURV / "bad_dates.csv", timezone="Mars/Olympus")


def test_explicit_source_matches_detection():
    for path, src in [(SAMPLE, "qualtrics"), (LEGACY, "qualtrics_legacy"),
                      (SURV / "surveymonkey_2row.csv", "surveymonkey"), (SURV / "typeform.csv", "typeform"),
                      (SURV / "google_forms_en.csv", "google_forms"), (ISPSS, "spss")]:
        auto = read_survey(path)
        forced = read_survey(path, source=src)
        assert load_report(auto).source_format == src
        pd.testing.assert_frame_equal(auto.drop(columns="email_key"), forced.drop(columns="email_key"))
    g = check(read_survey(SURV / "google_forms_en.csv", source="generic"))
    assert load_report(g).source_format == "generic" and g["csat"].tolist() == [5.0, 2.0, 3.0]


def test_qualtrics_without_importid_rows(tmp_path):
    """An analyst deleted rows 2-3: still Qualtrics, 1 header row, zone from timezone=."""
    lines = BESKAR.read_bytes().split(b"\r\n")
    p = tmp_path / "cut.csv"
    p.write_bytes(b"\r\n".join(lines[:1] + lines[3:]))
    df = check(read_survey(p, timezone="America/Denver"))
    ref = read_survey(BESKAR)
    rep = load_report(df)
    assert rep.source_format == "qualtrics" and rep.header_rows == 1
    assert df["response_id"].tolist() == ref["response_id"].tolist()
    assert df["responded_at"].equals(ref["responded_at"])


def test_excel_mangled_ids_noted(tmp_path):
    p = tmp_path / "mangled.csv"
    p.write_text("Respondent ID,Collector ID,Start Date,End Date,How satisfied are you?\n"
                 ",,,,Response\n"
                 "1.18874E+11,4312,14/03/2025 09:01,14/03/2025 09:05,Very satisfied\n"
                 "11887401002,4312,15/03/2025 13:15,15/03/2025 13:20,Satisfied\n", encoding="utf-8")
    df = check(read_survey(p))
    rep = load_report(df)
    assert rep.date_order == "dayfirst"
    assert any("Excel-mangled" in n for n in rep.notes)
    assert df["response_id"].tolist() == ["1.18874E+11", "11887401002"]


def test_unmapped_labels_listed_and_role_notes(tmp_path):
    p = tmp_path / "form.csv"
    p.write_text("Timestamp,How satisfied are you with our support?\n"
                 "2024-05-01 10:00:00,Very satisfied\n"
                 "2024-05-02 10:00:00,Super duper\n"
                 "2024-05-03 10:00:00,Dissatisfied\n", encoding="utf-8")
    df = check(read_survey(p))
    rep = load_report(df)
    assert df["csat"].tolist()[0] == 5.0 and math.isnan(df["csat"].iloc[1]) and df["csat"].iloc[2] == 2.0
    assert any("unmapped" in n and "Super duper" in n for n in rep.notes)
    assert any(n.startswith("role csat:") for n in rep.notes)
    assert rep.column_mapping == {"Timestamp": "responded_at",
                                  "How satisfied are you with our support?": "csat"}
    assert df.attrs["questions"]["responded_at"] == "Timestamp"


def test_a_comment_column_with_stock_answers_is_free_text(tmp_path):
    """Answers that repeat ("Fast and friendly") under a header asking for a comment are still free text."""
    import csanalysis as cs

    p = tmp_path / "s.csv"
    rows = ["Timestamp,How satisfied were you?,Any other comments?,Segment"]
    rows += [f"2024-01-{d:02d} 10:00:00,{1 + d % 5},{'Fast and friendly' if d % 2 else 'Had to call twice'},"
             f"{'A B' if d % 3 else 'C D'}" for d in range(1, 29)]
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    t = cs.read_survey(p, key="k")
    assert t.attrs["free_text_columns"] == ["any_other_comments"]  # "Segment" repeats too, but asks for no comment
