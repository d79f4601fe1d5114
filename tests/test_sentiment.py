"""csanalysis.text.score_sentiment: signs per shipped language, negation, evidence, privacy, missing texts."""

from __future__ import annotations

import math
import re
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from csanalysis.errors import CsanalysisError
from csanalysis.text import LANGUAGES, SENTIMENT_COLUMNS, SENTIMENT_LEXICONS, score_sentiment

SHIPPED = [lang for lang, lex in SENTIMENT_LEXICONS.items() if lex is not None]

# (language, clearly positive, clearly negative, a word of the positive evidence, of the negative evidence)
CLEAR = [
    ("en", "The agent was friendly and very helpful, great service", "Rude staff, terrible service, I hate it",
     "helpful", "rude"),
    ("da", "Super god service, meget tilfreds", "Elendig kundeservice, jeg er meget utilfreds", "god", "elendig"),
    ("sv", "Bra service och trevlig personal, mycket nöjd", "Dålig service, missnöjd och besviken", "trevlig",
     "besviken"),
    ("no", "Veldig god service, jeg er fornøyd", "Elendig service, jeg er skuffet", "fornøyd", "skuffet"),
    ("pt", "Ótimo atendimento, excelente produto", "Atendimento péssimo, produto horrível", "excelente",
     "péssimo"),
    ("de", "Sehr freundliche Mitarbeiterin, hervorragende Beratung", "Unfreundlicher Mitarbeiter, schrecklicher Service",
     "hervorragende", "unfreundlicher"),
    ("ru", "Отличный сервис, очень вежливый оператор", "Ужасное обслуживание, грубый оператор", "вежливый", "грубый"),
]


def one(text, language):
    out = score_sentiment([text], language=language)
    assert len(out) == 1
    return out.iloc[0]


def test_columns_and_every_language_listed():
    out = score_sentiment(["good"], language="en")
    assert tuple(out.columns) == SENTIMENT_COLUMNS
    assert set(SENTIMENT_LEXICONS) == set(LANGUAGES)
    assert set(SHIPPED) == {"en", "da", "sv", "no", "de", "ru", "pt"}


@pytest.mark.parametrize("lang, pos, neg, pos_word, neg_word", CLEAR)
def test_clear_sentences_have_the_right_sign(lang, pos, neg, pos_word, neg_word):
    p, n = one(pos, lang), one(neg, lang)
    assert p["score"] > 0.3 and p["label"] == "positive"
    assert n["score"] < -0.3 and n["label"] == "negative"
    assert pos_word in p["evidence"].lower() and neg_word in n["evidence"].lower()
    assert p["lexicon"] == n["lexicon"] == SENTIMENT_LEXICONS[lang]


@pytest.mark.parametrize("lang, negated_good, negated_bad", [
    ("en", "The service was not good", "The service was not bad"),
    ("da", "Maden var ikke god", "Maden var ikke dårlig"),
    ("sv", "Maten var inte bra", "Maten var inte dålig"),
    ("no", "Maten var ikke god", "Maten var ikke dårlig"),
    ("pt", "O produto não é bom", "O produto não é ruim"),
    ("de", "Der Mitarbeiter war nicht freundlich", "Der Service war nicht schlecht"),
    ("ru", "Сотрудники не помогли", "Сервис не плохой"),
])
def test_negation_flips_the_sign(lang, negated_good, negated_bad):
    good = one(negated_good, lang)
    bad = one(negated_bad, lang)
    assert good["score"] < 0 and good["label"] == "negative"
    assert bad["score"] >= 0
    # the negator is part of the evidence
    neg = {"en": "not", "da": "ikke", "sv": "inte", "no": "ikke", "pt": "não", "de": "nicht", "ru": "не"}[lang]
    assert neg in good["evidence"].lower() and neg in bad["evidence"].lower()


def test_negation_stays_in_its_clause_and_not_only_negates_nothing():
    assert one("No, they were rude", "en")["score"] < 0  # the comma ends the negator's clause
    assert one("Not only rude but also slow", "en")["score"] < 0
    assert one("Jeg anbefaler ikke butikken", "da")["score"] < 0  # V2: the negator after the verb


def test_evidence_lists_words_with_signed_values():
    row = one("The agent was rude and not helpful.", "en")
    assert row["n_hits"] == 2
    items = row["evidence"].split("; ")
    assert items[0] == "rude(-2.0)"
    word, value = re.fullmatch(r"(.+)\((-?\d+\.\d+)\)", items[1]).groups()
    assert word == "not helpful" and float(value) < 0
    # boosters strengthen, and are quoted with their word
    very = one("very helpful", "en")
    assert very["evidence"].startswith("very helpful(") and very["score"] > one("helpful", "en")["score"]


def test_diacritics_are_folded():
    assert one("Vaerste kundeservice", "da")["score"] < 0
    assert one("Pessimo atendimento, nao gostei", "pt")["score"] < 0
    assert "nao gostei" in one("Pessimo atendimento, nao gostei", "pt")["evidence"]


def test_personal_data_never_in_evidence():
    texts = ["Write to anna.jensen@example.com, the agent was rude and awful",
             "Ring til mig på +45 12 34 56 78, elendig og dårlig service",
             "Hi Anna, great help, thanks!"]
    out = score_sentiment(texts, language=["en", "da", "en"])
    assert (out["score"] != 0).all()
    joined = " ".join(out["evidence"])
    for secret in ("anna", "Anna", "example", "@", "45", "12 34", "78"):
        assert secret not in joined


def test_german_and_russian_are_scored_with_csanalysis_own_lexicons():
    out = score_sentiment(["Der Service war nicht gut", "Оператор был очень груб"], language=["de", "ru"])
    assert np.isfinite(out["score"]).all() and (out["score"] < 0).all()
    assert out["label"].tolist() == ["negative", "negative"]
    assert (out["n_hits"] == 1).all()
    assert out["evidence"].tolist()[0].startswith("nicht gut(")
    assert out["evidence"].tolist()[1].startswith("очень груб(")  # a short adjective, with its booster
    assert out["lexicon"].tolist() == [SENTIMENT_LEXICONS["de"], SENTIMENT_LEXICONS["ru"]]
    assert all("BSD-3-Clause" in lex and not lex.startswith("none") for lex in out["lexicon"])


def test_negation_in_german_and_russian():
    # "nicht freundlich", "не помогли": the negator before the word
    nf = one("Der Mitarbeiter war nicht freundlich", "de")
    assert nf["score"] < 0 and nf["evidence"].startswith("nicht freundlich(-")
    assert one("Der Mitarbeiter war freundlich", "de")["score"] > 0
    np_ = one("Мне не помогли", "ru")
    assert np_["score"] < 0 and np_["evidence"].startswith("не помогли(-")
    assert one("Мне помогли", "ru")["score"] > 0
    assert one("Никто не помог", "ru")["score"] < 0
    assert one("Ничем не помогли, никому не советую", "ru")["score"] < 0
    # German V2: "nicht" right after the verb, and the phrases for a "nicht" further on
    assert one("Ich empfehle nicht", "de")["score"] < 0
    assert one("Ich empfehle den Laden nicht", "de")["score"] < 0
    assert one("Das Produkt gefällt mir nicht", "de")["score"] < 0
    assert one("Nicht zu empfehlen", "de")["score"] < 0
    # negated complaints are praise; "nicht nur" and "не только" negate nothing
    assert one("Keine Probleme, nichts zu meckern", "de")["score"] > 0
    assert one("Без проблем, претензий нет", "ru")["score"] > 0
    assert one("Nicht nur unfreundlich, sondern auch langsam", "de")["score"] < 0
    assert one("Не только грубо, но и медленно", "ru")["score"] < 0
    # the negator ends with its clause
    assert one("Nein, sie waren unfreundlich", "de")["score"] < 0


def test_russian_inflected_forms_meet_their_entries_by_stem():
    for text in ("Сотрудник был грубым", "Товар ужасного качества", "Мне помогли", "Он помог", "Сервис помогает",
                 "Грубая девушка", "Ужасно долго"):
        assert one(text, "ru")["score"] != 0, text
    assert one("Сотрудник был грубым", "ru")["evidence"] == "грубым(-2.0)"
    assert "ужасного" in one("Товар ужасного качества", "ru")["evidence"]
    for pos in ("вежливого", "вежливым", "отличного", "помогла", "доволен", "довольна"):
        assert one(f"Оператор {pos}", "ru")["score"] > 0, pos
    for neg in ("грубого", "хамство", "хамством", "некомпетентного", "разочарована", "недовольны", "мошенниками"):
        assert one(f"Оператор {neg}", "ru")["score"] < 0, neg
    # ё and е are one letter; idioms are phrases
    assert one("Вопрос решен", "ru")["score"] > 0
    assert one("Доставка на высоте", "ru")["evidence"] == "на высоте(2.5)"
    assert one("Сервис из рук вон плохо", "ru")["evidence"].startswith("из рук вон плохо(-")


def test_german_inflection_compounds_and_umlaut_spellings():
    for pos in ("freundlichen", "hilfsbereiten", "kundenfreundlich", "kundenfreundlichen", "Spitzenservice",
                "Topservice", "empfehlenswert", "weiterempfehlen", "reibungslosen", "grossartig", "ueberragend"):
        assert one(f"Der Service war {pos}", "de")["score"] > 0, pos
    for neg in ("unfreundlichen", "Unfreundlichkeit", "unhoeflich", "unhofliche", "enttaeuscht", "Enttäuschung",
                "Saftladen", "Servicewueste", "Katastrophenservice", "Abzocke", "Frechheit", "kundenunfreundlich"):
        assert one(f"Der Laden: {neg}", "de")["score"] < 0, neg
    assert one("Eine Frechheit", "de")["evidence"] == "Frechheit(-2.5)"
    # idioms; a negated positive idiom is negative
    assert one("Unter aller Sau", "de")["score"] < 0
    assert one("Das ist nicht das Gelbe vom Ei", "de")["evidence"].startswith("nicht das Gelbe vom Ei(-")
    # greetings and sign-offs count nothing
    greet = one("Guten Tag, mit freundlichen Grüßen", "de")
    assert greet["score"] == 0 and greet["label"] == "neutral"
    assert one("С уважением, Анна", "ru")["score"] == 0
    # boosters strengthen, dampeners weaken
    assert one("sehr freundlich", "de")["score"] > one("freundlich", "de")["score"] > one("etwas freundlich", "de")["score"]
    assert one("очень грубо", "ru")["score"] < one("грубо", "ru")["score"] < one("немного грубо", "ru")["score"]


@pytest.mark.parametrize("lang", ["de", "ru"])
def test_every_own_entry_scores_with_its_own_sign(lang):
    # each word and phrase of csanalysis's own lexicons, read alone, gets the sign of its value (no folding or
    # stem clash turns it around), and no booster shadows a scored word
    text = (files("csanalysis.text") / "lexicons" / f"{lang}.tsv").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("# ")][1:]
    words = [w for w, _ in rows]
    values = np.array([float(v) for _, v in rows])
    out = score_sentiment(words, language=lang)
    assert (np.sign(out["score"].to_numpy()) == np.sign(values)).all(), [
        w for w, v, s in zip(words, values, out["score"]) if np.sign(s) != np.sign(v)]
    boosters = (files("csanalysis.text") / "lexicons" / f"{lang}_boosters.tsv").read_text(encoding="utf-8")
    boosted = {line.split("\t")[0] for line in boosters.splitlines()[1:] if line and not line.startswith("# ")}
    assert not boosted & set(words)


def test_per_text_language_sequence_and_detection():
    texts = ["rude and slow", "elendig service", "O pedido não chegou, péssimo", "Pakken kom ikke"]
    out = score_sentiment(texts, language=["EN", "DA", "PT-BR", None])
    assert out["language"].tolist()[:3] == ["en", "da", "pt"]
    assert (out["score"].iloc[:3] < 0).all()
    # the last text is detected: Danish and Norwegian share its words, so it stays undecided
    assert pd.isna(out["language"].iloc[3]) and out["lexicon"].iloc[3] == "none: language not detected"
    detected = score_sentiment(["The agent was rude and unhelpful", "Jag är mycket nöjd med hjälpen"])
    assert detected["language"].tolist() == ["en", "sv"]
    assert detected["label"].tolist() == ["negative", "positive"]


def test_series_index_is_kept_and_language_series_must_align():
    s = pd.Series(["great", "awful"], index=[7, 9])
    out = score_sentiment(s, language="en")
    assert out["text_index"].tolist() == [7, 9]
    ok = score_sentiment(s, language=pd.Series(["en", "en"], index=[7, 9]))
    assert ok["score"].tolist() == out["score"].tolist()
    with pytest.raises(CsanalysisError, match="index of the texts"):
        score_sentiment(s, language=pd.Series(["en", "en"]))
    with pytest.raises(CsanalysisError, match="2 codes for 3 texts"):
        score_sentiment(["a", "b", "c"], language=["en", "da"])
    with pytest.raises(CsanalysisError, match="unknown language"):
        score_sentiment(["a"], language="fr")
    with pytest.raises(CsanalysisError, match="for one text pass"):
        score_sentiment("just one text", language="en")


def test_empty_missing_texts_give_nan_rows_without_crash():
    texts = [None, "", "   ", np.nan, pd.NA, "great", "nothing to see here 123"]
    out = score_sentiment(pd.Series(texts, dtype="object"), language="en")
    assert len(out) == len(texts)
    assert out["score"].iloc[:5].isna().all()
    assert (out["lexicon"].iloc[:5] == "none: no text").all()
    assert out["label"].iloc[5] == "positive"
    assert out["score"].iloc[6] == 0.0 and out["label"].iloc[6] == "neutral" and out["n_hits"].iloc[6] == 0
    assert score_sentiment([], language="en").shape == (0, len(SENTIMENT_COLUMNS))
    assert score_sentiment([None, None]).shape[0] == 2


def test_row_count_and_score_range():
    rng = np.random.default_rng(3)
    words = ["good", "great", "bad", "awful", "not", "very", "service", "the", "but", ",", "never", "love", "hate"]
    texts = [" ".join(rng.choice(words, size=rng.integers(1, 40))) for _ in range(300)]
    out = score_sentiment(texts, language="en")
    assert len(out) == len(texts)
    assert out["text_index"].tolist() == list(range(len(texts)))
    assert out["score"].between(-1, 1).all()
    expected = np.where(out["score"] >= 0.05, "positive", np.where(out["score"] <= -0.05, "negative", "neutral"))
    assert (out["label"].to_numpy() == expected).all()


def test_compound_formula():
    # one word: s / sqrt(s^2 + 15) with VADER's valence of "rude", -2.0
    assert one("rude", "en")["score"] == round(-2.0 / math.sqrt(4 + 15), 4)
    # AFINN (-5..+5) is scaled by 0.8: "elendig" is -3 in AFINN-da
    assert one("elendig", "da")["evidence"] == "elendig(-2.4)"


def test_shipped_files_have_sources_and_licences():
    folder = files("csanalysis.text") / "lexicons"
    sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
    for lang in SHIPPED:
        for name in (f"{lang}.tsv", f"{lang}_boosters.tsv"):
            assert f"`{name}`" in sources
            text = (folder / name).read_text(encoding="utf-8")
            assert text.startswith("# ") and "License" in text.split("\n", 1)[0]
            if lang in ("de", "ru"):  # csanalysis's own, written for it
                assert "csanalysis's own" in text.split("\n", 1)[0] and "BSD-3-Clause" in text.split("\n", 1)[0]
    for lic in ("LICENSE-VADER.txt", "LICENSE-AFINN.txt", "LICENSE-asent.txt"):
        assert (folder / lic).read_text(encoding="utf-8").strip()
        assert lic in sources
