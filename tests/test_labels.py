"""Tests of csanalysis.io.labels: answer labels, scales and question roles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from csanalysis.errors import CsanalysisWarning
from csanalysis.io.labels import (
    ScaleMapping,
    ces_direction,
    detect_question_role,
    detect_question_roles,
    map_scale,
    map_spss_labels,
    normalise_label,
    parse_told_count,
    parse_yes_no,
    question_roles_table,
    to_ces_effort,
    unparsed_told_counts,
)

FIXTURES = Path(__file__).parent / "data" / "fixtures"
NAN = float("nan")


def codes_of(labels, kind=None, **kw) -> tuple[ScaleMapping, list]:
    m = map_scale(pd.Series(labels, dtype="str"), kind, **kw)
    return m, m.codes.tolist()


def same(a, b) -> bool:
    return len(a) == len(b) and all((x == y) or (pd.isna(x) and pd.isna(y)) for x, y in zip(a, b))


# --------------------------------------------------------------------------- normalise_label


def test_normalise_label_cleans_every_variant():
    s = pd.Series([
        "5 – Mycket  Nöjd\n\n",       # en dash numbering, double space, Qualtrics newlines
        "1 -Very dissatisfied",
        "5) Extremely satisfied",
        "(3) Neutral",
        "2. Unzufrieden",
        "4 = Tilfreds",
        "\u201cVery satisfied\u201d",    # curly quotes
        "«Очень доволен»",
        "Ёлка",
        "ＶＥＲＹ　ＥＡＳＹ",               # full width letters and space (NFKC)
        "Meget\u00a0tilfreds",          # no-break space
        "STRASSE Straße",
        "6—10",
        "5",
        "5.5",
        "   ",
        None,
    ], dtype="str")
    assert same(normalise_label(s).tolist(), [
        "mycket nöjd", "very dissatisfied", "extremely satisfied", "neutral", "unzufrieden",
        "tilfreds", "very satisfied", "очень доволен", "елка", "very easy", "meget tilfreds",
        "strasse strasse", "6-10", "5", "5.5", NAN, NAN,
    ])


def test_normalise_label_keeps_index_and_missing():
    s = pd.Series(["A", np.nan, "B "], index=[10, 20, 30], dtype="str")
    out = normalise_label(s)
    assert list(out.index) == [10, 20, 30]
    assert out.isna().tolist() == [False, True, False]
    assert out.iloc[2] == "b"


# --------------------------------------------------------------------------- satisfaction per language

SAT5 = {
    "en": ["Extremely dissatisfied", "Somewhat dissatisfied", "Neither satisfied nor dissatisfied",
           "Somewhat satisfied", "Extremely satisfied"],
    "en_b": ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"],
    "da": ["Meget utilfreds", "Utilfreds", "Hverken tilfreds eller utilfreds", "Tilfreds",
           "Meget tilfreds"],
    "sv": ["Mycket missnöjd", "Ganska missnöjd", "Varken nöjd eller missnöjd", "Ganska nöjd",
           "Mycket nöjd"],
    "sv_b": ["Väldigt missnöjd", "Missnöjd", "Varken nöjd eller missnöjd", "Nöjd", "Väldigt nöjd"],
    "no": ["Svært misfornøyd", "Misfornøyd", "Verken fornøyd eller misfornøyd", "Fornøyd",
           "Svært fornøyd"],
    "de": ["Sehr unzufrieden", "Unzufrieden", "Weder zufrieden noch unzufrieden", "Zufrieden",
           "Sehr zufrieden"],
    "ru": ["Очень недоволен", "Недоволен", "Нейтрально", "Доволен", "Очень доволен"],
}


@pytest.mark.parametrize("variant", list(SAT5))
def test_satisfaction_5_point_each_language(variant):
    labels = SAT5[variant]
    rng = np.random.default_rng(len(variant))
    order = rng.permutation(5)
    m, codes = codes_of([labels[i] for i in order])
    assert m.kind == "satisfaction"
    assert m.points == 5
    assert m.language == variant.split("_")[0]
    assert codes == [float(i + 1) for i in order]
    assert m.unmapped == []


@pytest.mark.parametrize("variant", list(SAT5))
def test_satisfaction_capitalisation_numbering_and_newlines(variant):
    labels = SAT5[variant]
    messy = [labels[4].upper(), f"5 – {labels[4]}", f"{labels[0]}\n\n", f"1 - {labels[0].lower()}",
             f"3) {labels[2].title()}", f"  {labels[3]}  "]
    m, codes = codes_of(messy, "satisfaction")
    assert codes == [5.0, 5.0, 1.0, 1.0, 3.0, 4.0]
    assert m.unmapped == []


def test_danish_variants_from_real_code():
    m, codes = codes_of(["Meget Tilfreds", "Ikke tilfreds", "Tilfreds", "Meget utilfreds"])
    assert (m.kind, m.points, m.language) == ("satisfaction", 5, "da")
    assert codes == [5.0, 2.0, 4.0, 1.0]


def test_swedish_numbered_labels_from_malmo_survey():
    m, codes = codes_of(["5 – Mycket nöjd", "3 – Varken nöjd eller missnöjd", "1 – Mycket missnöjd",
                         "4", "2"])
    assert (m.kind, m.points, m.language) == ("satisfaction", 5, "sv")
    # the numbered labels show that the bare numbers are the codes
    assert codes == [5.0, 3.0, 1.0, 4.0, 2.0]
    assert m.unmapped == []


def test_bare_numbers_in_a_label_column_are_not_guessed_without_numbered_labels():
    m, codes = codes_of(["Mycket nöjd", "Mycket missnöjd", "4"])
    assert codes[:2] == [5.0, 1.0]
    assert np.isnan(codes[2])
    assert m.unmapped == ["4"]


def test_numbering_that_contradicts_the_text_follows_the_text_and_is_noted():
    m, codes = codes_of(["1 - Very satisfied", "5 - Very dissatisfied", "3 - Neutral"])
    assert codes == [5.0, 1.0, 3.0]
    assert any("numbers on the labels" in n for n in m.notes)


def test_german_gerne_scale_from_spss_fixture():
    df, meta = pyreadstat.read_sav(FIXTURES / "spss" / "ispss_iSpssData.sav", user_missing=True)
    m = map_spss_labels(df["nudelmag"], meta.variable_value_labels["nudelmag"])
    assert (m.kind, m.points, m.language) == ("satisfaction", 4, "de")
    # SPSS code 1 = "sehr gerne" is the top of the scale: reversed onto 1..4
    expected = df["nudelmag"].map({1.0: 4.0, 2.0: 3.0, 3.0: 2.0, 4.0: 1.0})
    pd.testing.assert_series_equal(m.codes, expected, check_names=False)
    assert m.unmapped == []


def test_spss_yes_no_with_user_missing_code_is_reported():
    df, meta = pyreadstat.read_sav(FIXTURES / "spss" / "ispss_iSpssData.sav", user_missing=True)
    m = map_spss_labels(df["nudelso"], meta.variable_value_labels["nudelso"])
    assert m.kind == "yes_no"
    ja = df["nudelso"] == 1
    nein = df["nudelso"] == 2
    assert (m.codes[ja] == 1).all() and (m.codes[nein] == 0).all()
    assert m.codes[~(ja | nein)].isna().all()
    assert (df["nudelso"] == -9).any()  # the fixture has one user-missing answer
    assert m.unmapped == ["MFR"]


def test_spss_qualtrics_recodes_11_to_15():
    labels = {11.0: "Extremely dissatisfied", 12.0: "Somewhat dissatisfied",
              13.0: "Neither satisfied nor dissatisfied", 14.0: "Somewhat satisfied",
              15.0: "Extremely satisfied"}
    codes = pd.Series([15.0, 11.0, 13.0, np.nan, 14.0, 12.0, 999.0])
    m = map_spss_labels(codes, labels, "satisfaction")
    assert same(m.codes.tolist(), [5.0, 1.0, 3.0, NAN, 4.0, 2.0, NAN])
    assert m.unmapped == ["999"]


def test_qualtrics_fixture_columns():
    path = FIXTURES / "qualtrics" / "qualtRics_BeskarArmor_export-responses_2025.csv"
    df = pd.read_csv(path, skiprows=[1, 2], dtype="str")
    m = map_scale(df["Q16"])
    assert (m.kind, m.points, m.language) == ("satisfaction", 5, "en")
    assert m.unmapped == []
    table = {"Extremely dissatisfied": 1.0, "Somewhat dissatisfied": 2.0,
             "Neither satisfied nor dissatisfied": 3.0, "Somewhat satisfied": 4.0,
             "Extremely satisfied": 5.0}
    pd.testing.assert_series_equal(m.codes, df["Q16"].map(table).astype("float64"))
    # choice labels with trailing "\n\n" and yes/no answers that are sentences
    q18 = parse_yes_no(df["Q18"])
    assert q18[df["Q18"].str.startswith("Yes", na=False)].all()
    assert (~q18[df["Q18"].str.startswith("No", na=False)]).all()
    assert q18.attrs["unmapped"] == []
    assert parse_yes_no(df["Finished"]).sum() == (df["Finished"] == "True").sum()


# --------------------------------------------------------------------------- seven-point scales


def test_english_seven_point_is_chosen_when_labels_would_collide_on_five():
    labels = ["Very dissatisfied", "Dissatisfied", "Somewhat dissatisfied", "Neutral",
              "Somewhat satisfied", "Satisfied", "Very satisfied"]
    m, codes = codes_of(labels)
    assert (m.kind, m.points) == ("satisfaction", 7)
    assert codes == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


def test_qualtrics_seven_point_satisfaction():
    labels = ["Extremely dissatisfied", "Moderately dissatisfied", "Slightly dissatisfied",
              "Neither satisfied nor dissatisfied", "Slightly satisfied", "Moderately satisfied",
              "Extremely satisfied"]
    m, codes = codes_of(labels[::-1])
    assert m.points == 7 and m.scale == "satisfaction_7_en_qualtrics"
    assert codes == [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]


def test_swedish_seven_point_and_partial_column_reports_alternative():
    labels = ["Mycket missnöjd", "Missnöjd", "Ganska missnöjd", "Varken nöjd eller missnöjd",
              "Ganska nöjd", "Nöjd", "Mycket nöjd"]
    m, codes = codes_of(labels)
    assert m.points == 7 and codes == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    part, _ = codes_of(["Mycket nöjd", "Mycket missnöjd"])
    assert part.points == 5 and "satisfaction_7_sv" in part.alternatives


# --------------------------------------------------------------------------- Russian gendered forms


def test_russian_gendered_forms():
    m, codes = codes_of(["Очень доволен(на)", "Доволен(на)", "Средне", "довольна", "Недовольна",
                         "Очень недовольна", "очень довольна", "Удовлетворена", "Доволен (-на)"])
    assert (m.kind, m.points, m.language) == ("satisfaction", 5, "ru")
    assert codes == [5.0, 4.0, 3.0, 4.0, 2.0, 1.0, 5.0, 4.0, 4.0]
    assert m.unmapped == []


def test_russian_seven_point_slash_forms():
    labels = ["Очень доволен/льна", "Доволен/льна", "Скорее доволен/льна", "В среднем доволен/льна",
              "Скорее недоволен/льна", "Недоволен/льна", "Очень недоволен/льна"]
    m, codes = codes_of(labels)
    assert (m.points, m.language) == (7, "ru")
    assert codes == [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]


def test_russian_yo_and_insomnia_index_wording():
    _, codes = codes_of(["Очень доволен", "Умеренно", "Неудовлетворён", "Удовлетворён"])
    assert codes == [5.0, 3.0, 2.0, 4.0]


# --------------------------------------------------------------------------- unknown labels


def test_unknown_labels_are_reported_not_guessed():
    m, codes = codes_of(["Meget tilfreds", "Sort of okay-ish", "Tilfreds", None, "Sort of okay-ish"])
    assert same(codes, [5.0, NAN, 4.0, NAN, NAN])
    assert m.unmapped == ["Sort of okay-ish"]
    s = m.summary()
    row = s[s["label"] == "Sort of okay-ish"].iloc[0]
    assert row["status"] == "unmapped" and row["n"] == 2


def test_nothing_recognised():
    m, codes = codes_of(["blue", "green"])
    assert m.kind is None and m.points is None
    assert all(np.isnan(codes)) and sorted(m.unmapped) == ["blue", "green"]


def test_nonresponse_labels_are_missing_but_not_unmapped():
    m, codes = codes_of(["Mycket nöjd", "Vet ej", "Don't know", "Weiß nicht", "Затрудняюсь ответить"])
    assert same(codes, [5.0, NAN, NAN, NAN, NAN])
    assert m.unmapped == []
    assert len(m.nonresponse) == 4


def test_mixed_language_column():
    m, codes = codes_of(["Meget tilfreds", "Tilfreds", "Very dissatisfied", "Utilfreds"])
    assert m.kind == "satisfaction" and m.points == 5
    assert m.language == "da+en"
    assert codes == [5.0, 4.0, 1.0, 2.0]


def test_kind_restricts_and_validates():
    m, codes = codes_of(["Strongly agree", "Very satisfied"], "csat")
    assert m.kind == "satisfaction" and same(codes, [NAN, 5.0])
    assert m.unmapped == ["Strongly agree"]
    with pytest.raises(ValueError, match="kind='likeness'"):
        map_scale(pd.Series(["a"]), "likeness")


# --------------------------------------------------------------------------- other families


@pytest.mark.parametrize("labels,lang", [
    (["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"], "en"),
    (["Helt uenig", "Uenig", "Hverken enig eller uenig", "Enig", "Helt enig"], "da"),
    (["Helt uenig", "Uenig", "Verken enig eller uenig", "Enig", "Helt enig"], "no"),
    (["Instämmer inte alls", "Instämmer inte", "Varken eller", "Instämmer delvis", "Instämmer helt"],
     "sv"),
    (["Håller inte alls med", "Håller inte med", "Varken eller", "Håller med", "Håller helt med"], "sv"),
    (["Stimme überhaupt nicht zu", "Stimme eher nicht zu", "Weder noch", "Stimme eher zu",
      "Stimme voll zu"], "de"),
    (["Полностью не согласен", "Не согласна", "Нейтрально", "Согласен(на)", "Полностью согласна"], "ru"),
])
def test_agreement_scales(labels, lang):
    m, codes = codes_of(labels[::-1])
    assert (m.kind, m.points, m.language) == ("agreement", 5, lang)
    assert codes == [5.0, 4.0, 3.0, 2.0, 1.0]


@pytest.mark.parametrize("labels,lang", [
    (["Very easy", "Easy", "Neither easy nor difficult", "Difficult", "Very difficult"], "en"),
    (["Meget let", "Let", "Hverken let eller svært", "Svært", "Meget svært"], "da"),
    (["Mycket lätt", "Lätt", "Varken lätt eller svårt", "Svårt", "Mycket svårt"], "sv"),
    (["Svært lett", "Lett", "Verken lett eller vanskelig", "Vanskelig", "Svært vanskelig"], "no"),
    (["Sehr einfach", "Einfach", "Weder einfach noch schwierig", "Schwierig", "Sehr schwierig"], "de"),
    (["Очень легко", "Легко", "Ни легко, ни сложно", "Сложно", "Очень трудно"], "ru"),
])
def test_effort_scales_one_is_very_easy(labels, lang):
    m, codes = codes_of(labels)
    assert (m.kind, m.points, m.language) == ("effort", 5, lang)
    assert codes == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert "1 = very easy" in m.direction


@pytest.mark.parametrize("labels,lang", [
    (["Much worse than expected", "Worse than expected", "As expected", "Better than expected",
      "Much better than expected"], "en"),
    (["Meget dårligere end forventet", "Dårligere end forventet", "Som forventet",
      "Bedre end forventet", "Meget bedre end forventet"], "da"),
    (["Mycket sämre än förväntat", "Sämre än förväntat", "Som förväntat", "Bättre än förväntat",
      "Mycket bättre än förväntat"], "sv"),
    (["Mye dårligere enn forventet", "Dårligere enn forventet", "Som forventet",
      "Bedre enn forventet", "Mye bedre enn forventet"], "no"),
    (["Viel schlechter als erwartet", "Schlechter als erwartet", "Wie erwartet",
      "Besser als erwartet", "Viel besser als erwartet"], "de"),
    (["Намного хуже, чем ожидалось", "Хуже, чем ожидалось", "Как и ожидалось",
      "Лучше, чем ожидалось", "Намного лучше, чем ожидалось"], "ru"),
])
def test_expectation_scales(labels, lang):
    m, codes = codes_of(labels)
    assert (m.kind, m.points, m.language) == ("expectation", 5, lang)
    assert codes == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_recommend_endpoints_parse_to_their_numbers():
    vals = ["10 - Extremely likely", "0 - Not at all likely", "7", "9", None, "5"]
    m, codes = codes_of(vals)
    assert (m.kind, m.points) == ("recommend", 11)
    assert same(codes, [10.0, 0.0, 7.0, 9.0, NAN, 5.0])
    m2, codes2 = codes_of(["Meget sandsynligt", "Slet ikke sandsynligt", "8"])
    assert m2.kind == "recommend" and m2.language == "da" and codes2 == [10.0, 0.0, 8.0]
    m3, codes3 = codes_of(["10 – Sehr wahrscheinlich", "3", "12"], "nps")
    assert same(codes3, [10.0, 3.0, NAN]) and m3.unmapped == ["12"]


def test_verbal_likelihood_scale_is_not_read_as_nps():
    m, codes = codes_of(["Very likely", "Likely", "Neutral", "Unlikely", "Very unlikely"])
    assert (m.kind, m.points) == ("recommend", 5)
    assert codes == [5.0, 4.0, 3.0, 2.0, 1.0]


@pytest.mark.parametrize("labels,scale,expected", [
    (["Terrible", "Bad", "OK", "Great", "Amazing"], "rating_5_intercom", [1.0, 2.0, 3.0, 4.0, 5.0]),
    (["Great", "Okay", "Not Good"], "rating_3_helpscout", [3.0, 2.0, 1.0]),
    (["Extremely Happy", "Very Happy", "Happy", "Neutral", "Unhappy", "Very Unhappy",
      "Extremely Unhappy"], "rating_7_freshdesk", [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]),
    (["Good", "Bad", "Offered"], "rating_2_zendesk", [2.0, 1.0, NAN]),
])
def test_rating_family(labels, scale, expected):
    m, codes = codes_of(labels)
    assert m.kind == "rating" and m.scale == scale
    assert same(codes, expected)
    assert m.unmapped == []


def test_numbers_with_unknown_labels_are_not_put_on_a_0_10_scale():
    m = map_scale(pd.Series(["a", 5, 3.0, None], dtype=object))
    assert m.kind == "numeric" and m.scale is None
    assert same(m.codes.tolist(), [NAN, 5.0, 3.0, NAN]) and m.unmapped == ["a"]
    m = map_scale(pd.Series(["Very satisfied", "5", "3"]))
    assert m.kind == "satisfaction" and same(m.codes.tolist(), [5.0, NAN, NAN])
    assert m.unmapped == ["5", "3"]


def test_numeric_columns():
    m = map_scale(pd.Series([1, 5, 3, np.nan]))
    assert m.kind == "numeric" and same(m.codes.tolist(), [1.0, 5.0, 3.0, NAN])
    m, codes = codes_of(["1", "5", "3,5"])
    assert m.kind == "numeric" and codes == [1.0, 5.0, 3.5]
    # numbers with a kind need the scale length
    m = map_scale(pd.Series([1, 5, 3]), "satisfaction")
    assert m.codes.isna().all() and m.unmapped == ["1", "3", "5"]
    m = map_scale(pd.Series([1, 5, 3, 7]), "satisfaction", points=5)
    assert same(m.codes.tolist(), [1.0, 5.0, 3.0, NAN]) and m.unmapped == ["7"]
    m = map_scale(pd.Series([0, 10, 11]), "nps")
    assert same(m.codes.tolist(), [0.0, 10.0, NAN]) and m.points == 11


# --------------------------------------------------------------------------- yes / no


def test_parse_yes_no_all_languages():
    vals = pd.Series(["Yes", "no", "Ja", "Nej", "nei", "Nein", "Да", "нет", "TRUE", "false", "1", "0",
                      "Yes, I did", "Nej, aldrig", "maybe", None], index=range(100, 116))
    out = parse_yes_no(vals)
    assert str(out.dtype) == "boolean"
    assert list(out.index) == list(range(100, 116))
    assert out.iloc[:14].tolist() == [True, False, True, False, False, False, True, False, True,
                                      False, True, False, True, False]
    assert out.iloc[14:].isna().all()
    assert out.attrs["unmapped"] == ["maybe"]


def test_parse_yes_no_bool_input():
    out = parse_yes_no(pd.Series([True, False]))
    assert out.tolist() == [True, False] and str(out.dtype) == "boolean"


# --------------------------------------------------------------------------- result object


def test_scale_mapping_summary_and_to_dict_are_json_ready():
    m, _ = codes_of(["Meget tilfreds", "Tilfreds", "x", "Meget tilfreds", None, "Ved ikke"])
    s = m.summary()
    assert list(s.columns) == ["label", "code", "status", "n"]
    assert s["status"].tolist() == ["mapped", "mapped", "nonresponse", "unmapped"]
    assert s.loc[s["label"] == "Meget tilfreds", "n"].item() == 2
    d = m.to_dict()
    assert json.loads(json.dumps(d))["unmapped"] == ["x"]
    assert "<table" in m._repr_html_()


def test_map_scale_is_aligned_with_input_index():
    rng = np.random.default_rng(7)
    labels = np.array(SAT5["de"], dtype=object)
    idx = rng.permutation(2000) + 5000
    pick = rng.integers(0, 5, 2000)
    s = pd.Series(labels[pick], index=idx, dtype="str")
    m = map_scale(s)
    assert list(m.codes.index) == list(idx)
    assert (m.codes.to_numpy() == pick + 1).all()


# --------------------------------------------------------------------------- question roles

ROLE_TEXTS = {
    "csat": [
        "Overall, how satisfied are you with your beskar armor?",
        "How satisfied were you with the support you received?",
        "Hvor tilfreds er du samlet set med vores kundeservice?",
        "Hvor tilfreds var du med hjælpen?",
        "Hur nöjd är du med vår kundtjänst?",
        "Hur nöjd var du med bemötandet?",
        "Hvor fornøyd er du med kundeservicen?",
        "Alt i alt, hvor fornøyd er du med oss?",
        "Wie zufrieden sind Sie insgesamt mit unserem Service?",
        "Wie zufrieden waren Sie mit der Bearbeitung Ihres Anliegens?",
        "Насколько вы довольны нашим обслуживанием?",
        "Насколько вы удовлетворены работой службы поддержки?",
    ],
    "nps": [
        "How likely are you to recommend us to a friend or colleague?",
        "Would you recommend our company to others?",
        "Hvor sandsynligt er det, at du vil anbefale os til en ven?",
        "Vil du anbefale os til andre?",
        "Hur sannolikt är det att du skulle rekommendera oss till en vän?",
        "Skulle du rekommendera företaget?",
        "Hvor sannsynlig er det at du vil anbefale oss til en venn?",
        "Ville du anbefalt oss til andre?",
        "Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?",
        "Würden Sie uns einem Freund empfehlen?",
        "Насколько вероятно, что вы порекомендуете нас другу?",
        "Порекомендуете ли вы нашу компанию знакомым?",
    ],
    "told_count": [
        "How many people did you tell about this experience?",
        "How many people have you told about the problem?",
        "Hvor mange personer har du fortalt om oplevelsen?",
        "Hvor mange har du fortalt det til?",
        "Hur många personer har du berättat om upplevelsen för?",
        "Hur många har du pratat med om det?",
        "Hvor mange har du fortalt om opplevelsen?",
        "Hvor mange personer har du fortalt det til?",
        "Wie vielen Personen haben Sie davon erzählt?",
        "Wie viele Leute haben Sie von dem Erlebnis erzählt?",
        "Скольким людям вы рассказали об этом?",
        "Скольким знакомым вы рассказали о проблеме?",
    ],
    "warned_others": [
        "Did you advise others not to buy from us?",
        "Have you warned friends about our product?",
        "Har du frarådet andre at købe hos os?",
        "Har du advaret andre?",
        "Har du avrått andra från att köpa?",
        "Har du varnat andra?",
        "Har du frarådet andre å kjøpe?",
        "Har du advart andre mot oss?",
        "Haben Sie anderen vom Kauf abgeraten?",
        "Haben Sie andere gewarnt?",
        "Вы отговаривали других от покупки?",
        "Вы предостерегли знакомых?",
    ],
    "ces": [
        "How easy was it to get your issue resolved?",
        "The company made it easy for me to handle my issue.",
        "Hvor let var det at få hjælp?",
        "Det var nemt at få løst mit problem.",
        "Hur lätt var det att få hjälp?",
        "Det var lätt att få hjälp.",
        "Hvor lett var det å få hjelp?",
        "Det var enkelt å løse saken.",
        "Wie einfach war es, Hilfe zu bekommen?",
        "Wie viel Aufwand hatten Sie?",
        "Насколько легко было решить ваш вопрос?",
        "Сколько усилий вам пришлось приложить?",
    ],
    "expectation": [
        "Compared with what you expected, how was the service?",
        "How did the service compare to your expectations?",
        "Sammenlignet med hvad du forventede, hvordan var servicen?",
        "Jämfört med vad du förväntade dig, hur var servicen?",
        "Sammenlignet med hva du forventet, hvordan var servicen?",
        "Im Vergleich zu dem, was Sie erwartet haben, wie war der Service?",
        "По сравнению с тем, что вы ожидали, как было обслуживание?",
    ],
}


@pytest.mark.parametrize("role,text", [(r, t) for r, ts in ROLE_TEXTS.items() for t in ts])
def test_detect_question_role(role, text):
    assert detect_question_role(text) == role


@pytest.mark.parametrize("text", [
    "Why did you give this score?",
    "Warum würden Sie uns weiterempfehlen?",
    "Hvorfor er du tilfreds?",
    "Почему вы порекомендуете нас?",
    "Please explain why you would recommend us.",
    "Q2 - Topics",
    "How satisfied are you? - Display Order - 1",
    "Have you ever contacted customer service about your beskar armor?",
    "What is your age?",
    "",
    None,
])
def test_detect_question_role_ignores_follow_ups_and_others(text):
    assert detect_question_role(text) is None


def test_detect_question_roles_on_qualtrics_fixture_row_two():
    path = FIXTURES / "qualtrics" / "qualtRics_BeskarArmor_export-responses_2025.csv"
    head = pd.read_csv(path, nrows=1, dtype="str")
    texts = dict(zip(head.columns, head.iloc[0]))
    # Q16 (overall satisfaction) and Q18 (resolved to your satisfaction) are both csat-like;
    # the overall one wins and that is not ambiguous.
    assert detect_question_roles(texts) == {"csat": "Q16"}
    tab = question_roles_table(texts)
    assert set(tab.loc[tab["role"] == "csat", "column"]) == {"Q16", "Q18"}
    assert not tab["ambiguous"].any()


def test_detect_question_roles_picks_one_per_role_and_reports_ties():
    texts = {
        "Q1": "Hur nöjd är du med personalen?",
        "Q2": "Hur nöjd är du med väntetiden?",
        "Q3": "Hur sannolikt är det att du skulle rekommendera oss?",
        "Q4": "Hur många personer har du berättat för?",
        "Q5": "Har du avrått någon från att köpa?",
        "Q6": "Hur lätt var det att få hjälp?",
        "Q7": "Jämfört med vad du förväntade dig?",
    }
    with pytest.warns(CsanalysisWarning, match="csat: Q1, Q2"):
        roles = detect_question_roles(texts)
    assert roles == {"csat": "Q1", "nps": "Q3", "ces": "Q6", "told_count": "Q4",
                     "warned_others": "Q5", "expectation": "Q7"}
    assert detect_question_roles(texts, on_ambiguous="first")["csat"] == "Q1"
    with pytest.raises(ValueError, match="several columns"):
        detect_question_roles(texts, on_ambiguous="raise")
    # reordering the mapping changes the deterministic pick accordingly
    flipped = {"Q2": texts["Q2"], "Q1": texts["Q1"]}
    assert detect_question_roles(flipped, on_ambiguous="first") == {"csat": "Q2"}


# --------------------------------------------------------------------------- CES


@pytest.mark.parametrize("text,kind,expected", [
    ("The company made it easy for me to handle my issue.", "agreement", "ease"),
    ("Det var let at få hjælp.", "agreement", "ease"),
    ("Det var lätt att få hjälp.", "agreement", "ease"),
    ("Es war einfach, mein Anliegen zu klären.", "agreement", "ease"),
    ("Решить вопрос было легко.", "agreement", "ease"),
    ("I had to put in a lot of effort to get my issue resolved.", "agreement", "effort"),
    ("Es war schwierig, Hilfe zu bekommen.", "agreement", "effort"),
    ("How easy was it to get help?", "effort", "effort"),
    ("Hvor lett var det å få hjelp?", "ces", "effort"),
])
def test_ces_direction(text, kind, expected):
    assert ces_direction(text, kind) == expected


def test_ces_direction_refuses_to_guess():
    with pytest.raises(ValueError, match="neither"):
        ces_direction("Rate your experience", "agreement")
    with pytest.raises(ValueError, match="both"):
        ces_direction("How easy or difficult was it?", "numeric")
    with pytest.raises(ValueError, match="no effort direction"):
        ces_direction("How easy was it?", "satisfaction")


def test_ces_reversal_end_to_end():
    labels = pd.Series(["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree",
                        "Strongly disagree", None])
    text = "The company made it easy for me to handle my issue."
    m = map_scale(labels)
    direction = ces_direction(text, m.kind)
    effort = to_ces_effort(m.codes, m.points, direction)
    # strongly agree that it was easy = very easy = 1; strongly disagree = 7
    assert same(effort.tolist(), [1.0, 2.5, 4.0, 5.5, 7.0, NAN])


def test_to_ces_effort_rescales_and_validates():
    assert to_ces_effort(pd.Series([1.0, 3.0, 5.0]), 5, "effort").tolist() == [1.0, 4.0, 7.0]
    assert to_ces_effort(pd.Series([1.0, 4.0, 7.0]), 7, "ease").tolist() == [7.0, 4.0, 1.0]
    with pytest.raises(ValueError, match="outside 1-5"):
        to_ces_effort(pd.Series([0.0, 3.0]), 5, "effort")
    with pytest.raises(ValueError, match="direction"):
        to_ces_effort(pd.Series([1.0]), 5, "up")


# --------------------------------------------------------------------------- told count

TOLD = [
    ("0", 0, 0), ("none", 0, 0), ("Nobody", 0, 0), ("ingen", 0, 0), ("Ingen", 0, 0),
    ("keine", 0, 0), ("никому", 0, 0),
    ("5", 5, 5), ("ca. 5", 5, 5), ("about 5", 5, 5), ("approx. 5", 5, 5), ("~5", 5, 5),
    ("omkring 5", 5, 5), ("cirka 5", 5, 5), ("etwa 5", 5, 5), ("около 5", 5, 5),
    ("примерно 5", 5, 5), ("5 personer", 5, 5), ("5 people", 5, 5),
    ("5+", 5, NAN), ("5 or more", 5, NAN), ("5 eller flere", 5, NAN), ("at least 5", 5, NAN),
    ("6-10", 6, 10), ("6–10", 6, 10), ("6 - 10", 6, 10), ("6 to 10", 6, 10), ("6 til 10", 6, 10),
    ("6 till 10", 6, 10), ("6 bis 10", 6, 10), ("от 6 до 10", 6, 10), ("6-10 people", 6, 10),
    ("6-10 personer", 6, 10), ("between 6 and 10", 6, 10), ("ca. 6-10", 6, 10),
    ("20+", 20, NAN),
    ("more than 20", 21, NAN), ("over 20", 21, NAN), (">20", 21, NAN), ("> 20", 21, NAN),
    ("mere end 20", 21, NAN), ("flere end 20", 21, NAN), ("fler än 20", 21, NAN),
    ("mer än 20", 21, NAN), ("flere enn 20", 21, NAN), ("mehr als 20", 21, NAN),
    ("über 20", 21, NAN), ("более 20", 21, NAN), ("больше 20", 21, NAN),
    ("fewer than 5", 0, 4), ("less than 5", 0, 4), ("up to 5", 0, 5),
]


@pytest.mark.parametrize("text,low,high", TOLD)
def test_parse_told_count_forms(text, low, high):
    out = parse_told_count(pd.Series([text]))
    assert list(out.columns) == ["told_count_low", "told_count_high"]
    assert same(out.iloc[0].tolist(), [float(low), float(high)])


def test_parse_told_count_vectorised_with_unparsed_list():
    rng = np.random.default_rng(3)
    texts = np.array([t for t, _, _ in TOLD] + ["lots", "5 years ago", "-2"], dtype=object)
    pick = rng.integers(0, len(texts), 3000)
    s = pd.Series(texts[pick], index=np.arange(3000) * 2, dtype="str")
    out = parse_told_count(s)
    assert list(out.index) == list(s.index)
    lows = {t: lo for t, lo, _ in TOLD}
    expected = s.map(lows).astype("float64")
    pd.testing.assert_series_equal(out["told_count_low"], expected, check_names=False)
    assert sorted(out.attrs["unparsed"]) == sorted({"lots", "5 years ago", "-2"} & set(s))
    assert sorted(unparsed_told_counts(s)) == sorted(out.attrs["unparsed"])
    assert (out.dtypes == "float64").all()


def test_parse_told_count_numeric_input():
    out = parse_told_count(pd.Series([0, 3, -1, 2.5, np.nan]))
    assert same(out["told_count_low"].tolist(), [0.0, 3.0, NAN, NAN, NAN])
    assert same(out["told_count_high"].tolist(), [0.0, 3.0, NAN, NAN, NAN])
    assert out.attrs["unparsed"] == ["-1", "2.5"]


@pytest.mark.parametrize("text", [
    "Did you tell anyone not to buy from us?",
    "Har du bedt andre om ikke at købe hos os?",
    "Did you advise anyone not to buy from us?",
])
def test_warned_others_without_the_word_warn(text):
    assert detect_question_role(text) == "warned_others"


def test_question_text_normalisation_equals_the_vectorised_one():
    """The scalar twin used for question texts gives what normalise_label gives a Series."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from csanalysis.io.labels import _norm_text

    alphabet = st.sampled_from(list("ab Z5 .-:=()[]\"'«»–—\u00a0\n\tёЁÆ?10") + ["9", "Q"])

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.text(alphabet, max_size=25))
    def check(text):
        v = normalise_label(pd.Series([text], dtype="str")).iloc[0]
        assert _norm_text(text) == ("" if not isinstance(v, str) else v)

    check()
