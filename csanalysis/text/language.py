"""Language codes of free texts and an offline language detection for short texts.

The reason tagger (:func:`csanalysis.text.tag_reasons`) works in seven
languages, :data:`LANGUAGES`. A text's language comes, in this order of
preference, from

1. the caller (``language=``: one code for all texts, or one per text),
2. the export's language column where there is one (Qualtrics ``UserLanguage``
   holds codes such as ``EN``, ``DA``, ``NO``/``NB``, ``PT-BR``; pass the column
   as ``language=``; :func:`language_code` maps them),
3. :func:`detect_language`, documented below with its measured error rate.

Detection method
----------------
No model and no download: a text is scored per language by

* **words**: each lowercased word found in a language's list of frequent words
  (function words and common customer-service words, about 100-150 per
  language, :data:`WORDS`) adds ``1 / k`` to each of the ``k`` languages whose
  list holds it (so ``og`` adds 0.5 to Danish and 0.5 to Norwegian, ``af`` 1 to
  Danish only); each word of a language's reason vocabulary (the shipped TOML
  file: terms, phrases, negators, compound parts) adds
  :data:`VOCABULARY_WEIGHT` ``/ k`` the same way (Danish ``logge ind``,
  Norwegian ``logge inn``);
* **letters**: characteristic letters and spellings add once per text (not per
  occurrence): ``æ``/``ø`` Danish and Norwegian, ``ä``/``ö`` Swedish and German,
  ``å`` Swedish (1) and Danish/Norwegian (0.5 each), ``ü``/``ß`` German,
  ``ã``/``õ``/``ç`` and accented vowels Portuguese, ``øy``, ``sjon``, ``kj``
  and a final ``kk`` Norwegian, ``øj`` and words ending in ``-hed``/``-ede``/
  ``-erne`` Danish, ``-ade`` and ``-arna``/``-erna``/``-orna`` Swedish;
* **script**: a text with more Cyrillic than Latin letters is Russian.

The masks of :func:`csanalysis.privacy.mask_text` (``[email]``, ``[phone]``,
``[name]``) are no words of the text and are left out. The best-scoring
language wins when it has at least 1 point and strictly more than the
runner-up; otherwise the text is undecided (``None``). Danish and Norwegian
Bokmål share most of their frequent words, so a short text with only shared
words (``Pakken kom ikke``) is undecided rather than guessed.

Measured error rate
-------------------
Measured on the developer's own short texts in ``tests/test_text_reasons.py``
(customer-service complaints and praise, 2-20 words, written for the tests;
not an independent sample, and checked there against these figures):

* the 112 texts written to tune it: 0 wrong and 4 undecided (3.6 %);
* 70 texts written after tuning: 0 wrong and 5 undecided (7.1 %); 10 per
  language, many of 2-5 words; undecided were short praise (``Bästa
  butiken``, ``Bester Laden``, ``Super god oplevelse``) and a Norwegian text
  whose listed words are all Danish too.

Expect more errors on real exports: one- and two-word texts (``Ventetid``,
``Too slow``) are often undecided, Danish/Norwegian mix-ups are the main
confusion, and texts mixing languages get the language with more words in the
lists. Where the export has a language column, pass it instead. Texts are a
few thousand, not millions: the word scoring is vectorised with pandas
(``str.findall`` + ``explode`` + a table lookup).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from importlib.resources import files

import numpy as np
import pandas as pd

from ..errors import CsanalysisError

__all__ = ["LANGUAGES", "WORDS", "LETTERS", "VOCABULARY_WEIGHT", "language_code", "language_codes",
           "detect_language"]

#: The languages of the reason vocabulary, as ISO 639-1 codes (``no`` is Norwegian Bokmål).
LANGUAGES: tuple[str, ...] = ("en", "da", "sv", "no", "de", "ru", "pt")

_NAMES = {
    "english": "en", "danish": "da", "dansk": "da", "swedish": "sv", "svenska": "sv",
    "norwegian": "no", "norsk": "no", "bokmal": "no", "bokmål": "no", "nynorsk": "no",
    "german": "de", "deutsch": "de", "russian": "ru", "русский": "ru", "portuguese": "pt",
    "português": "pt", "portugues": "pt",
}
# ISO 639-1 and -2 codes and Qualtrics' UserLanguage codes (EN, EN-GB, DA, SV, NO, NB, DE, RU, PT, PT-BR).
_CODES = {
    "en": "en", "eng": "en", "da": "da", "dan": "da", "sv": "sv", "swe": "sv",
    "no": "no", "nb": "no", "nn": "no", "nor": "no", "nob": "no", "nno": "no",
    "de": "de", "deu": "de", "ger": "de", "ru": "ru", "rus": "ru", "pt": "pt", "por": "pt",
}
# Country codes people put where a language code belongs: named in the error, never guessed.
_LOOKALIKES = {"dk": "da", "se": "sv", "uk": "en", "gb": "en", "br": "pt"}


def language_code(value: object) -> str | None:
    """The tagger's code (one of :data:`LANGUAGES`) for a language code or name, ``None`` for a missing one.

    Accepts ISO 639-1/-2 codes in any case, with a region (``en-GB``, ``pt_BR``,
    ``PT-BR``), Qualtrics ``UserLanguage`` codes (``NO`` and ``NB`` are both
    Norwegian Bokmål; ``NN`` Nynorsk is tagged with the Bokmål vocabulary) and
    English or native names (``Danish``, ``dansk``).

    Raises
    ------
    csanalysis.errors.CsanalysisError
        For any other value, naming the accepted codes.

    Examples
    --------
    >>> [language_code(v) for v in ["EN", "pt-BR", "NB", "Deutsch", None]]
    ['en', 'pt', 'no', 'de', None]
    >>> language_code("fr")
    Traceback (most recent call last):
    ...
    csanalysis.errors.CsanalysisError: unknown language 'fr': the reason vocabulary has en, da, sv, no, de, ru, pt (codes such as 'EN', 'en-GB', 'PT-BR', 'NB' and names such as 'Danish' are accepted too)
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if not isinstance(value, str):
        raise CsanalysisError(f"a language code is text such as 'en' or 'PT-BR', not {value!r}")
    v = value.strip().lower()
    if not v:
        return None
    if v in _NAMES:
        return _NAMES[v]
    base = re.split(r"[-_]", v, maxsplit=1)[0]
    if base in _CODES:
        return _CODES[base]
    hint = ""
    if base in _LOOKALIKES:
        hint = f" ({value!r} looks like a country code; the language code is {_LOOKALIKES[base]!r})"
    raise CsanalysisError(
        f"unknown language {value!r}: the reason vocabulary has {', '.join(LANGUAGES)} (codes such as "
        f"'EN', 'en-GB', 'PT-BR', 'NB' and names such as 'Danish' are accepted too){hint}")


def language_codes(values: Iterable[object]) -> list[str | None]:
    """:func:`language_code` of each value (missing values stay ``None``).

    One error names every unknown value (with how many texts have it), so a
    whole export's language column is checked in one go.

    Examples
    --------
    >>> language_codes(["EN", "DA", None, "pt-BR"])
    ['en', 'da', None, 'pt']
    """
    values = list(values)
    cache: dict[object, str | None] = {}
    bad: dict[str, int] = {}
    for v in values:
        key = v if isinstance(v, str) else repr(v)
        if key in cache:
            if key in bad:
                bad[key] += 1
            continue
        try:
            cache[key] = language_code(v)
        except CsanalysisError:
            cache[key] = None
            bad[key] = 1
    if bad:
        listed = ", ".join(f"{k!r} ({n} text{'s' if n > 1 else ''})" for k, n in bad.items())
        raise CsanalysisError(
            f"unknown language code(s) {listed}: the reason vocabulary has {', '.join(LANGUAGES)}. "
            "Set the language of those texts to None to have it detected, or leave those texts out")
    return [cache[v if isinstance(v, str) else repr(v)] for v in values]


# -- detection ----------------------------------------------------------------------------------

#: Frequent words per language (lowercase): function words and common customer-service words.
WORDS: dict[str, str] = {
    "en": """
        the a an and or but is was were are be been being i me my mine you your we our they them their
        he she it its this that these those to of in on at for with from by as not no never very too so
        just have has had do does did don't didn't can't couldn't won't wasn't isn't doesn't haven't
        would could should will what when where why how who which there here after again still only all
        any some about than then out up get got because if also even ever one two time times day days
        week weeks hour hours minutes order ordered service customer support staff agent i've i'm it's
        email call called phone help helpful rude wait waited waiting slow delivery delivered package
        parcel arrived refund charged price expensive website app item product received answer reply
        account money back please thanks thank nobody nothing someone told said asked
        """,
    "da": """
        i og ikke jeg det er en et at til på med for af har var min mit mine de den der som men meget
        nogen noget nogle hvad hvis efter kun også blev havde kunne skulle ville være bare igen stadig
        aldrig mig dig sig jer hvor hvorfor hvordan hvornår nu dag dage uge uger måned timer penge tak
        godt dårlig dårligt ingen intet ingenting hende ham han hun vi vores jeres deres dem selv fik
        gik tog kom sagde spurgte svarede ventede ventetid længe lang pakke pakken pakker varen
        kundeservice kundeservicen hjemmeside hjemmesiden svar ned op ud hjem her nej ja så skal vil kan
        mere mest lidt mange hver fordi altså heller eller sådan sådanne blevet fået købt købte
        modtaget modtog aldrig leveret betalt pengene refusion faktura opkald ringede medarbejder
        """,
    "no": """
        i og ikke jeg det er en et å til på med for av har var min mitt mine de den der som men mye noen
        noe hva hvis etter bare også ble hadde kunne skulle ville være igjen fortsatt aldri meg deg seg
        dere hvor hvorfor hvordan når nå dag dager uke uker måned timer penger takk godt dårlig dårlige
        ingen ingenting henne ham han hun vi vår våre deres dem selv fikk gikk tok kom sa spurte svarte
        ventet venta ventetid lenge lang pakke pakken pakker varen kundeservice kundeservicen nettside
        nettsiden svar ned opp ut hjem her nei ja så skal vil kan mer mest litt mange hver fordi altså
        heller eller sånn blitt fått kjøpt kjøpte mottatt mottok levert betalt pengene refusjon faktura
        ringte ansatt veldig ikkje eg kva noko kjempe enda
        """,
    "sv": """
        i och inte jag det är en ett att till på med för av har var min mitt mina de den som men mycket
        någon något några vad om efter bara också blev hade kunde skulle ville vara igen fortfarande
        aldrig mig dig sig er hur varför när nu dag dagar vecka veckor månad timmar pengar tack bra
        dålig dåligt ingen inget inga ingenting utan henne honom han hon vi vår våra deras dem själv
        fick gick tog kom sa sade frågade svarade väntade väntetid länge lång paket paketet varan
        kundtjänst kundservice hemsidan hemsida svar ner upp ut hem här nej ja så ska vill kan mer mest
        lite många varje eftersom alltså heller eller sådan blivit fått köpt köpte mottagit levererat
        betalt pengarna återbetalning faktura ringde personal väldigt jätte redan även trots helt dom
        """,
    "de": """
        und nicht ich das die der den dem des ist ein eine einen einem zu auf mit für von hat habe hatte
        war waren wurde wurden mein meine meinen sie es wie aber sehr kein keine keinen nach nur auch
        konnte sollte wollte sein wieder immer noch nie mich mir dich warum jetzt tage tagen wochen
        wartezeit lange paket kundenservice kundendienst antwort danke schlecht unfreundlich lieferung
        bestellung bis seit schon dass mal man wird werden bin sind gibt gar leider bitte ware geld
        zurück obwohl weil oder bei über vom zum zur doch nichts niemand ohne im um an er wir ihr uns
        euch stunden minuten bekommen erhalten gewartet bestellt geliefert rechnung mitarbeiter
        hotline freundlich hilfsbereit
        """,
    "pt": """
        e não eu o a os as é um uma que de do da dos das para pra com por em no na nos meu minha foi
        era mas muito muita nenhum nenhuma nada depois só também ficou tinha ainda nunca me você vocês
        como porque agora dias semanas atendimento atendente resposta obrigado obrigada ruim péssimo
        péssima entrega produto pedido demora estou está estava são tem ter já sem isso esse essa até
        mesmo quando fiz disse recebi comprei loja dinheiro site aplicativo cliente mais pelo pela ao
        à aos se ele ela eles nem mal bem bom boa hoje ontem horas minutos chegou veio fui falar
        reembolso cobrança fatura
        """,
}

#: Characteristic letters and spellings: (regex, {language: points}), counted once per text.
LETTERS: tuple[tuple[str, dict[str, float]], ...] = (
    (r"[æø]", {"da": 1.0, "no": 1.0}),
    (r"[äö]", {"sv": 1.0, "de": 1.0}),
    (r"å", {"sv": 1.0, "da": 0.5, "no": 0.5}),
    (r"[üß]", {"de": 1.5}),
    (r"[ãõç]", {"pt": 1.5}),
    (r"[áéíóúâêôà]", {"pt": 1.0}),
    (r"øy", {"no": 1.0}),
    (r"øj", {"da": 1.0}),
    (r"\w\w(?:hed|heden|ede)\b", {"da": 0.5}),
    (r"\w\w(?:ade|ades)\b", {"sv": 0.5}),
    (r"\w(?:arna|erna|orna)\b", {"sv": 1.0}),
    (r"\w\w(?<!gj)erne\b", {"da": 0.5}),
    (r"sjon|kj|kk\b", {"no": 1.0}),
)

_SCORED = ("en", "da", "no", "sv", "de", "pt")


#: Points of a word of a language's reason vocabulary (its terms, phrases and rules), shared like WORDS.
VOCABULARY_WEIGHT = 0.5


def _vocabulary_words(language: str) -> set[str]:
    """The words of the shipped reason vocabulary of ``language`` (markers stripped, 2+ letters)."""
    path = files("csanalysis.text") / "vocabulary" / f"{language}.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = [e for spec in raw.get("reasons", {}).values() for key in ("terms", "phrases") for e in spec.get(key, [])]
    rules = raw.get("rules", {})
    for key in ("negators", "clause_breaks", "pseudo_negations", "neutral", "compound_parts"):
        entries += rules.get(key, [])
    words = set()
    for e in entries:
        for w in re.findall(r"[^\W\d_]+", e.lower()):
            if len(w) >= 2:
                words.add(w)
    return words


def _word_table() -> pd.DataFrame:
    points: dict[str, dict[str, float]] = {}
    for source, weight in ((lambda lang: set(WORDS[lang].split()), 1.0),
                           (_vocabulary_words, VOCABULARY_WEIGHT)):
        langs_of: dict[str, list[str]] = {}
        for lang in _SCORED:
            for w in source(lang):
                langs_of.setdefault(w, []).append(lang)
        for w, langs in langs_of.items():
            row = points.setdefault(w, {})
            for lang in langs:
                row[lang] = row.get(lang, 0.0) + weight / len(langs)
    return pd.DataFrame.from_dict(points, orient="index", columns=list(_SCORED)).fillna(0.0).sort_index()


_TABLE: pd.DataFrame | None = None


def detect_language(texts) -> pd.Series:
    """The language of each text: one of :data:`LANGUAGES`, or ``None`` when undecided.

    Offline scoring by frequent words, the words of the reason vocabularies,
    characteristic letters and script; see the module docstring for the method
    and its measured error rate (0 wrong and 3.6-7.1 % undecided on the
    developer's own short texts; Danish/Norwegian texts with only shared words
    are undecided).

    Parameters
    ----------
    texts : sequence of str or pandas.Series
        Missing and empty texts are undecided.

    Returns
    -------
    pandas.Series
        Object dtype, the codes or ``None``; the index of ``texts`` when it is a
        Series, else positions.

    Examples
    --------
    >>> detect_language(["The agent was rude", "Jeg har ventet i tre uger på svar",
    ...                  "Jag har väntat länge", "Jeg har ventet lenge på svar", "Die Wartezeit war lang",
    ...                  "Оператор мне нахамил", "O pedido não chegou", "Pakken kom ikke", None]).tolist()
    ['en', 'da', 'sv', 'no', 'de', 'ru', 'pt', None, None]
    """
    global _TABLE
    if _TABLE is None:
        _TABLE = _word_table()
    s = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype="object")
    low = (s.astype("object").where(s.notna(), "").astype(str).str.lower().str.replace("’", "'")
           .str.replace(r"\[(?:email|phone|name)\]", " ", regex=True))  # masks are no words of the text
    n = len(low)
    pos = pd.RangeIndex(n)
    low.index = pos
    scores = pd.DataFrame(0.0, index=pos, columns=list(_SCORED))
    words = low.str.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?").explode().dropna()
    if len(words):
        hit = _TABLE.reindex(words.to_numpy()).fillna(0.0)
        hit.index = words.index
        scores = scores.add(hit.groupby(level=0).sum(), fill_value=0.0)
    for pattern, points in LETTERS:
        present = low.str.contains(pattern, regex=True).to_numpy(dtype=bool)
        for lang, p in points.items():
            scores.loc[present, lang] += p
    values = scores.to_numpy()
    order = np.argsort(-values, axis=1, kind="stable")
    best = values[np.arange(n), order[:, 0]] if n else np.array([])
    second = values[np.arange(n), order[:, 1]] if n else np.array([])
    decided = (best >= 1.0) & (best > second)
    out = np.where(decided, np.asarray(_SCORED, dtype=object)[order[:, 0]] if n else [], None).astype(object)
    cyr = low.str.count(r"[а-яё]").to_numpy()
    lat = low.str.count(r"[a-zà-ÿæøåß]").to_numpy()
    out[(cyr > lat) & (cyr > 0)] = "ru"
    out[~decided & ~((cyr > lat) & (cyr > 0))] = None
    return pd.Series(out, index=s.index, dtype="object", name="language")
