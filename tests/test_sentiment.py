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
]


def one(text, language):
    out = score_sentiment([text], language=language)
    assert len(out) == 1
    return out.iloc[0]


def test_columns_and_every_language_listed():
    out = score_sentiment(["good"], language="en")
    assert tuple(out.columns) == SENTIMENT_COLUMNS
    assert set(SENTIMENT_LEXICONS) == set(LANGUAGES)
    assert set(SHIPPED) == {"en", "da", "sv", "no", "pt"}


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
])
def test_negation_flips_the_sign(lang, negated_good, negated_bad):
    good = one(negated_good, lang)
    bad = one(negated_bad, lang)
    assert good["score"] < 0 and good["label"] == "negative"
    assert bad["score"] >= 0
    # the negator is part of the evidence
    neg = {"en": "not", "da": "ikke", "sv": "inte", "no": "ikke", "pt": "não"}[lang]
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


def test_language_without_lexicon_is_nan_with_an_explicit_lexicon_value():
    out = score_sentiment(["Der Service war nicht gut", "Оператор был очень груб"], language=["de", "ru"])
    assert out["score"].isna().all() and out["label"].isna().all()
    assert (out["n_hits"] == 0).all()
    assert out["lexicon"].tolist() == ["none: no openly licensed lexicon for de",
                                       "none: no openly licensed lexicon for ru"]


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
    for lic in ("LICENSE-VADER.txt", "LICENSE-AFINN.txt", "LICENSE-asent.txt"):
        assert (folder / lic).read_text(encoding="utf-8").strip()
        assert lic in sources
