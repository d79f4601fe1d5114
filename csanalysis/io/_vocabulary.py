"""Answer-label vocabularies of survey scales, in six languages.

This module holds data only. :mod:`csanalysis.io.labels` keys every label with
the same normalisation it applies to survey answers, so the labels can be
written here as a survey author would write them (any case, ``/`` or ``-``,
Russian ``(на)`` forms, ``ё``).

Each scale is ``(name, kind, language, points, {code: (label, synonym, ...)})``.
Codes run from the negative end upward:

* satisfaction: 1 = most dissatisfied ... points = most satisfied;
* agreement: 1 = strongly disagree ... points = strongly agree;
* effort: 1 = very easy ... points = very difficult (higher = more effort);
* expectation: 1 = much worse than expected ... points = much better;
* rating (ticket ratings): 1 = worst ... points = best (the tools' own rating
  scales live with their tools, :data:`csanalysis.io.tools.LABEL_SCALES`);
* yes_no: 0 = no, 1 = yes;
* recommend (likelihood to recommend, 0-10): 0 = not at all likely,
  10 = extremely likely; only the endpoints (and a midpoint) carry labels, the
  numbers between are the answers themselves.

Where one language has several scales of the same length whose labels sit at
different positions (e.g. English 7-point "Very / Satisfied / Somewhat"
against "Extremely / Moderately / Slightly"), they are separate scales; the
matcher picks the one that explains the labels present without two labels
landing on one position.

Sources: ``/work/shared/formats.md`` section 15 (labels found in real code and
forms), Qualtrics default scale wordings (survey wordings any tool's survey
may use); the remaining translations are standard survey wording in each
language. The vendor rating enums (Intercom, Help Scout, Freshdesk, Zendesk)
are tool vocabulary and live in :mod:`csanalysis.io.tools`.
"""

from __future__ import annotations

Scale = tuple[str, str, str, int, dict[int, tuple[str, ...]]]

# ---------------------------------------------------------------- satisfaction
SATISFACTION: list[Scale] = [
    ("satisfaction_5_en", "satisfaction", "en", 5, {
        1: ("Extremely dissatisfied", "Very dissatisfied", "Completely dissatisfied",
            "Highly dissatisfied", "Very unsatisfied", "Not at all satisfied"),
        2: ("Somewhat dissatisfied", "Dissatisfied", "Slightly dissatisfied",
            "Fairly dissatisfied", "Unsatisfied", "Not satisfied"),
        3: ("Neither satisfied nor dissatisfied", "Neither satisfied or dissatisfied",
            "Neither dissatisfied nor satisfied", "Neutral", "Neither"),
        4: ("Somewhat satisfied", "Satisfied", "Fairly satisfied", "Quite satisfied",
            "Slightly satisfied"),
        5: ("Extremely satisfied", "Very satisfied", "Completely satisfied",
            "Highly satisfied"),
    }),
    ("satisfaction_7_en_qualtrics", "satisfaction", "en", 7, {
        1: ("Extremely dissatisfied",), 2: ("Moderately dissatisfied",),
        3: ("Slightly dissatisfied",),
        4: ("Neither satisfied nor dissatisfied", "Neither satisfied or dissatisfied", "Neutral"),
        5: ("Slightly satisfied",), 6: ("Moderately satisfied",), 7: ("Extremely satisfied",),
    }),
    ("satisfaction_7_en", "satisfaction", "en", 7, {
        1: ("Very dissatisfied", "Extremely dissatisfied"), 2: ("Dissatisfied",),
        3: ("Somewhat dissatisfied", "Slightly dissatisfied"),
        4: ("Neither satisfied nor dissatisfied", "Neither satisfied or dissatisfied", "Neutral"),
        5: ("Somewhat satisfied", "Slightly satisfied"), 6: ("Satisfied",),
        7: ("Very satisfied", "Extremely satisfied"),
    }),
    ("satisfaction_7_en_completely", "satisfaction", "en", 7, {
        1: ("Completely dissatisfied",), 2: ("Mostly dissatisfied",),
        3: ("Somewhat dissatisfied",),
        4: ("Neither satisfied nor dissatisfied", "Neither satisfied or dissatisfied", "Neutral"),
        5: ("Somewhat satisfied",), 6: ("Mostly satisfied",), 7: ("Completely satisfied",),
    }),
    ("satisfaction_5_da", "satisfaction", "da", 5, {
        1: ("Meget utilfreds", "Slet ikke tilfreds", "Yderst utilfreds"),
        2: ("Utilfreds", "Ikke tilfreds", "Mindre tilfreds", "Overvejende utilfreds"),
        3: ("Hverken tilfreds eller utilfreds", "Hverken eller", "Neutral"),
        4: ("Tilfreds", "Overvejende tilfreds"),
        5: ("Meget tilfreds", "Yderst tilfreds"),
    }),
    ("satisfaction_7_da", "satisfaction", "da", 7, {
        1: ("Meget utilfreds", "Ekstremt utilfreds"), 2: ("Utilfreds", "Moderat utilfreds"),
        3: ("Lidt utilfreds",), 4: ("Hverken tilfreds eller utilfreds", "Hverken eller", "Neutral"),
        5: ("Lidt tilfreds",), 6: ("Tilfreds", "Moderat tilfreds"),
        7: ("Meget tilfreds", "Ekstremt tilfreds"),
    }),
    ("satisfaction_5_sv", "satisfaction", "sv", 5, {
        1: ("Mycket missnöjd", "Väldigt missnöjd", "Helt missnöjd"),
        2: ("Ganska missnöjd", "Något missnöjd", "Missnöjd", "Inte nöjd"),
        3: ("Varken nöjd eller missnöjd", "Varken eller", "Neutral"),
        4: ("Ganska nöjd", "Något nöjd", "Nöjd"),
        5: ("Mycket nöjd", "Väldigt nöjd", "Helt nöjd"),
    }),
    ("satisfaction_7_sv", "satisfaction", "sv", 7, {
        1: ("Mycket missnöjd", "Väldigt missnöjd"), 2: ("Missnöjd",),
        3: ("Ganska missnöjd", "Något missnöjd"),
        4: ("Varken nöjd eller missnöjd", "Varken eller", "Neutral"),
        5: ("Ganska nöjd", "Något nöjd"), 6: ("Nöjd",), 7: ("Mycket nöjd", "Väldigt nöjd"),
    }),
    ("satisfaction_5_no", "satisfaction", "no", 5, {
        1: ("Svært misfornøyd", "Veldig misfornøyd", "Meget misfornøyd"),
        2: ("Misfornøyd", "Ikke fornøyd", "Ganske misfornøyd"),
        3: ("Verken fornøyd eller misfornøyd", "Hverken fornøyd eller misfornøyd",
            "Verken eller", "Nøytral"),
        4: ("Fornøyd", "Ganske fornøyd"),
        5: ("Svært fornøyd", "Veldig fornøyd", "Meget fornøyd"),
    }),
    ("satisfaction_7_no", "satisfaction", "no", 7, {
        1: ("Svært misfornøyd", "Veldig misfornøyd"), 2: ("Misfornøyd",),
        3: ("Litt misfornøyd",),
        4: ("Verken fornøyd eller misfornøyd", "Hverken fornøyd eller misfornøyd", "Nøytral"),
        5: ("Litt fornøyd",), 6: ("Fornøyd",), 7: ("Svært fornøyd", "Veldig fornøyd"),
    }),
    ("satisfaction_5_de", "satisfaction", "de", 5, {
        1: ("Sehr unzufrieden", "Überhaupt nicht zufrieden", "Gar nicht zufrieden",
            "Völlig unzufrieden", "Äußerst unzufrieden"),
        2: ("Unzufrieden", "Eher unzufrieden", "Nicht zufrieden", "Weniger zufrieden"),
        3: ("Weder zufrieden noch unzufrieden", "Weder noch", "Teils/teils", "Teils, teils",
            "Neutral", "Mittelmäßig"),
        4: ("Zufrieden", "Eher zufrieden", "Ziemlich zufrieden"),
        5: ("Sehr zufrieden", "Äußerst zufrieden", "Völlig zufrieden", "Vollkommen zufrieden",
            "Voll und ganz zufrieden"),
    }),
    ("satisfaction_7_de", "satisfaction", "de", 7, {
        1: ("Sehr unzufrieden",), 2: ("Unzufrieden",), 3: ("Eher unzufrieden",),
        4: ("Weder zufrieden noch unzufrieden", "Weder noch", "Teils/teils", "Neutral"),
        5: ("Eher zufrieden",), 6: ("Zufrieden",), 7: ("Sehr zufrieden",),
    }),
    ("satisfaction_7_de_qualtrics", "satisfaction", "de", 7, {
        1: ("Äußerst unzufrieden",), 2: ("Mäßig unzufrieden",),
        3: ("Etwas unzufrieden", "Leicht unzufrieden"),
        4: ("Weder zufrieden noch unzufrieden", "Weder noch", "Neutral"),
        5: ("Etwas zufrieden", "Leicht zufrieden"), 6: ("Mäßig zufrieden",),
        7: ("Äußerst zufrieden",),
    }),
    # German liking scale found in a real SPSS file (ispss): 4 points.
    ("satisfaction_4_de_gerne", "satisfaction", "de", 4, {
        1: ("Überhaupt nicht gerne", "Gar nicht gerne"), 2: ("Geht so",),
        3: ("Gerne",), 4: ("Sehr gerne",),
    }),
    ("satisfaction_5_ru", "satisfaction", "ru", 5, {
        1: ("Очень недоволен", "Крайне недоволен", "Совершенно недоволен",
            "Совсем не доволен", "Очень неудовлетворен", "Полностью неудовлетворен",
            "Совершенно не удовлетворен"),
        2: ("Недоволен", "Не доволен", "Скорее недоволен", "Неудовлетворен", "Не удовлетворен",
            "Скорее не удовлетворен"),
        3: ("Нейтрально", "Средне", "Умеренно", "Ни доволен, ни недоволен", "Так себе",
            "В среднем"),
        4: ("Доволен", "Скорее доволен", "Удовлетворен", "Скорее удовлетворен"),
        5: ("Очень доволен", "Полностью доволен", "Совершенно доволен", "Очень удовлетворен",
            "Полностью удовлетворен"),
    }),
    ("satisfaction_7_ru", "satisfaction", "ru", 7, {
        1: ("Очень недоволен", "Крайне недоволен"), 2: ("Недоволен", "Не доволен"),
        3: ("Скорее недоволен",),
        4: ("В среднем доволен", "Нейтрально", "Средне", "Ни доволен, ни недоволен"),
        5: ("Скорее доволен",), 6: ("Доволен",), 7: ("Очень доволен", "Крайне доволен"),
    }),
    # Swedish 11-point: only the ends are labelled, the numbers 0-10 are the answers.
    ("satisfaction_11_sv", "satisfaction", "sv", 11, {
        0: ("Helt och hållet missnöjd",), 10: ("Helt och hållet nöjd",),
    }),
]

# ------------------------------------------------------------------- agreement
_NEITHER_EN = ("Neither agree nor disagree", "Neither agree or disagree",
               "Neither disagree nor agree", "Neutral", "Undecided")
AGREEMENT: list[Scale] = [
    ("agreement_5_en", "agreement", "en", 5, {
        1: ("Strongly disagree", "Completely disagree", "Totally disagree"),
        2: ("Disagree", "Somewhat disagree", "Tend to disagree", "Slightly disagree"),
        3: _NEITHER_EN,
        4: ("Agree", "Somewhat agree", "Tend to agree", "Slightly agree"),
        5: ("Strongly agree", "Completely agree", "Totally agree"),
    }),
    ("agreement_7_en", "agreement", "en", 7, {
        1: ("Strongly disagree", "Completely disagree"), 2: ("Disagree",),
        3: ("Somewhat disagree", "Slightly disagree"), 4: _NEITHER_EN,
        5: ("Somewhat agree", "Slightly agree"), 6: ("Agree",),
        7: ("Strongly agree", "Completely agree"),
    }),
    ("agreement_5_da", "agreement", "da", 5, {
        1: ("Helt uenig", "Meget uenig"), 2: ("Uenig", "Delvis uenig", "Overvejende uenig"),
        3: ("Hverken enig eller uenig", "Hverken eller", "Neutral"),
        4: ("Enig", "Delvis enig", "Overvejende enig"), 5: ("Helt enig", "Meget enig"),
    }),
    ("agreement_7_da", "agreement", "da", 7, {
        1: ("Helt uenig",), 2: ("Uenig",), 3: ("Delvis uenig",),
        4: ("Hverken enig eller uenig", "Hverken eller", "Neutral"),
        5: ("Delvis enig",), 6: ("Enig",), 7: ("Helt enig",),
    }),
    ("agreement_5_no", "agreement", "no", 5, {
        1: ("Helt uenig", "Svært uenig"), 2: ("Uenig", "Delvis uenig", "Litt uenig"),
        3: ("Verken enig eller uenig", "Hverken enig eller uenig", "Verken eller", "Nøytral"),
        4: ("Enig", "Delvis enig", "Litt enig"), 5: ("Helt enig", "Svært enig"),
    }),
    ("agreement_7_no", "agreement", "no", 7, {
        1: ("Helt uenig",), 2: ("Uenig",), 3: ("Delvis uenig", "Litt uenig"),
        4: ("Verken enig eller uenig", "Hverken enig eller uenig", "Nøytral"),
        5: ("Delvis enig", "Litt enig"), 6: ("Enig",), 7: ("Helt enig",),
    }),
    ("agreement_5_sv", "agreement", "sv", 5, {
        1: ("Instämmer inte alls", "Tar helt avstånd", "Håller inte alls med", "Helt oenig"),
        2: ("Instämmer inte", "Tar delvis avstånd", "Håller inte med", "Oenig",
            "Instämmer delvis inte"),
        3: ("Varken eller", "Instämmer varken eller", "Varken enig eller oenig",
            "Varken instämmer eller tar avstånd", "Neutral"),
        4: ("Instämmer delvis", "Håller med", "Håller delvis med", "Enig", "Instämmer"),
        5: ("Instämmer helt", "Håller helt med", "Helt enig", "Instämmer helt och hållet"),
    }),
    ("agreement_5_sv_grad", "agreement", "sv", 5, {
        1: ("Instämmer inte alls",), 2: ("Instämmer i låg grad",), 3: ("Instämmer delvis",),
        4: ("Instämmer i hög grad",), 5: ("Instämmer helt",),
    }),
    ("agreement_5_de", "agreement", "de", 5, {
        1: ("Stimme überhaupt nicht zu", "Stimme gar nicht zu", "Lehne voll ab",
            "Lehne völlig ab", "Trifft überhaupt nicht zu", "Trifft gar nicht zu"),
        2: ("Stimme nicht zu", "Stimme eher nicht zu", "Lehne eher ab", "Trifft eher nicht zu",
            "Trifft nicht zu"),
        3: ("Weder noch", "Teils/teils", "Teils, teils", "Neutral",
            "Stimme weder zu noch nicht zu", "Weder Zustimmung noch Ablehnung"),
        4: ("Stimme zu", "Stimme eher zu", "Trifft eher zu", "Trifft zu"),
        5: ("Stimme voll zu", "Stimme voll und ganz zu", "Stimme völlig zu",
            "Stimme vollkommen zu", "Stimme vollständig zu", "Trifft voll zu",
            "Trifft voll und ganz zu", "Trifft völlig zu"),
    }),
    ("agreement_7_de", "agreement", "de", 7, {
        1: ("Stimme überhaupt nicht zu",), 2: ("Stimme nicht zu",), 3: ("Stimme eher nicht zu",),
        4: ("Weder noch", "Teils/teils", "Neutral", "Stimme weder zu noch nicht zu"),
        5: ("Stimme eher zu",), 6: ("Stimme zu",),
        7: ("Stimme voll und ganz zu", "Stimme voll zu", "Stimme völlig zu"),
    }),
    ("agreement_5_ru", "agreement", "ru", 5, {
        1: ("Полностью не согласен", "Совершенно не согласен", "Категорически не согласен",
            "Абсолютно не согласен", "Совсем не согласен"),
        2: ("Не согласен", "Скорее не согласен"),
        3: ("Ни согласен, ни не согласен", "Нейтрально", "Ни да, ни нет", "И да, и нет"),
        4: ("Согласен", "Скорее согласен"),
        5: ("Полностью согласен", "Совершенно согласен", "Абсолютно согласен"),
    }),
    ("agreement_7_ru", "agreement", "ru", 7, {
        1: ("Полностью не согласен", "Совершенно не согласен"), 2: ("Не согласен",),
        3: ("Скорее не согласен", "Отчасти не согласен"),
        4: ("Ни согласен, ни не согласен", "Нейтрально"),
        5: ("Скорее согласен", "Отчасти согласен"), 6: ("Согласен",),
        7: ("Полностью согласен", "Совершенно согласен"),
    }),
]

# ---------------------------------------------------------------------- effort
EFFORT: list[Scale] = [
    ("effort_5_en", "effort", "en", 5, {
        1: ("Very easy", "Extremely easy", "Very low effort"),
        2: ("Easy", "Somewhat easy", "Fairly easy", "Low effort"),
        3: ("Neither easy nor difficult", "Neither easy or difficult", "Neither easy nor hard",
            "Neutral", "Moderate effort"),
        4: ("Difficult", "Somewhat difficult", "Fairly difficult", "Hard", "High effort"),
        5: ("Very difficult", "Extremely difficult", "Very hard", "Very high effort"),
    }),
    ("effort_7_en", "effort", "en", 7, {
        1: ("Very easy", "Extremely easy"), 2: ("Easy",), 3: ("Somewhat easy",),
        4: ("Neither easy nor difficult", "Neither easy or difficult", "Neutral"),
        5: ("Somewhat difficult",), 6: ("Difficult",), 7: ("Very difficult", "Extremely difficult"),
    }),
    ("effort_5_da", "effort", "da", 5, {
        1: ("Meget let", "Meget nemt", "Meget nem"),
        2: ("Let", "Nemt", "Nem", "Forholdsvis let", "Forholdsvis nemt"),
        3: ("Hverken let eller svært", "Hverken nemt eller svært", "Hverken eller", "Neutral"),
        4: ("Svært", "Svær", "Besværligt", "Vanskeligt", "Forholdsvis svært"),
        5: ("Meget svært", "Meget svær", "Meget besværligt", "Meget vanskeligt"),
    }),
    ("effort_5_sv", "effort", "sv", 5, {
        1: ("Mycket lätt", "Mycket enkelt", "Väldigt lätt", "Väldigt enkelt"),
        2: ("Lätt", "Ganska lätt", "Enkelt", "Ganska enkelt"),
        3: ("Varken lätt eller svårt", "Varken enkelt eller svårt", "Varken eller", "Neutral"),
        4: ("Svårt", "Ganska svårt"),
        5: ("Mycket svårt", "Väldigt svårt"),
    }),
    ("effort_5_no", "effort", "no", 5, {
        1: ("Svært lett", "Veldig lett", "Meget lett", "Svært enkelt", "Veldig enkelt"),
        2: ("Lett", "Ganske lett", "Enkelt", "Ganske enkelt"),
        3: ("Verken lett eller vanskelig", "Hverken lett eller vanskelig", "Verken eller",
            "Nøytral"),
        4: ("Vanskelig", "Ganske vanskelig"),
        5: ("Svært vanskelig", "Veldig vanskelig", "Meget vanskelig"),
    }),
    ("effort_5_de", "effort", "de", 5, {
        1: ("Sehr einfach", "Sehr leicht", "Äußerst einfach"),
        2: ("Einfach", "Eher einfach", "Leicht", "Eher leicht"),
        3: ("Weder einfach noch schwierig", "Weder leicht noch schwer", "Weder noch",
            "Teils/teils", "Neutral"),
        4: ("Schwierig", "Eher schwierig", "Schwer", "Eher schwer"),
        5: ("Sehr schwierig", "Sehr schwer", "Äußerst schwierig"),
    }),
    ("effort_5_ru", "effort", "ru", 5, {
        1: ("Очень легко", "Очень просто"),
        2: ("Легко", "Скорее легко", "Просто", "Довольно легко"),
        3: ("Ни легко, ни сложно", "Ни легко, ни трудно", "Нейтрально", "Средне"),
        4: ("Сложно", "Трудно", "Скорее сложно", "Скорее трудно", "Довольно сложно"),
        5: ("Очень сложно", "Очень трудно"),
    }),
]

# ----------------------------------------------------------------- expectation
EXPECTATION: list[Scale] = [
    ("expectation_5_en", "expectation", "en", 5, {
        1: ("Much worse than expected", "Far below expectations", "Much worse than I expected",
            "Far worse than expected"),
        2: ("Worse than expected", "Below expectations", "Worse than I expected",
            "Somewhat worse than expected", "Did not meet expectations",
            "Did not meet my expectations"),
        3: ("As expected", "About as expected", "About what I expected", "Met expectations",
            "Met my expectations", "Meets expectations", "As I expected"),
        4: ("Better than expected", "Above expectations", "Better than I expected",
            "Somewhat better than expected", "Exceeded expectations",
            "Exceeded my expectations"),
        5: ("Much better than expected", "Far above expectations", "Much better than I expected",
            "Far better than expected", "Far exceeded expectations",
            "Far exceeded my expectations"),
    }),
    ("expectation_3_en", "expectation", "en", 3, {
        1: ("Below expectations", "Did not meet expectations", "Did not meet my expectations",
            "Worse than expected"),
        2: ("Met expectations", "Met my expectations", "As expected", "Meets expectations"),
        3: ("Exceeded expectations", "Exceeded my expectations", "Above expectations",
            "Better than expected"),
    }),
    ("expectation_5_da", "expectation", "da", 5, {
        1: ("Meget dårligere end forventet", "Meget værre end forventet"),
        2: ("Dårligere end forventet", "Værre end forventet", "Lidt dårligere end forventet"),
        3: ("Som forventet", "Som jeg forventede", "Nogenlunde som forventet"),
        4: ("Bedre end forventet", "Lidt bedre end forventet"),
        5: ("Meget bedre end forventet",),
    }),
    ("expectation_5_sv", "expectation", "sv", 5, {
        1: ("Mycket sämre än förväntat", "Mycket sämre än jag förväntade mig"),
        2: ("Sämre än förväntat", "Något sämre än förväntat", "Sämre än jag förväntade mig"),
        3: ("Som förväntat", "Ungefär som förväntat", "Som jag förväntade mig"),
        4: ("Bättre än förväntat", "Något bättre än förväntat", "Bättre än jag förväntade mig"),
        5: ("Mycket bättre än förväntat", "Mycket bättre än jag förväntade mig"),
    }),
    ("expectation_5_no", "expectation", "no", 5, {
        1: ("Mye dårligere enn forventet", "Mye verre enn forventet",
            "Mye dårligere enn ventet"),
        2: ("Dårligere enn forventet", "Verre enn forventet", "Litt dårligere enn forventet",
            "Dårligere enn ventet"),
        3: ("Som forventet", "Som ventet", "Omtrent som forventet"),
        4: ("Bedre enn forventet", "Litt bedre enn forventet", "Bedre enn ventet"),
        5: ("Mye bedre enn forventet", "Mye bedre enn ventet"),
    }),
    ("expectation_5_de", "expectation", "de", 5, {
        1: ("Viel schlechter als erwartet", "Deutlich schlechter als erwartet"),
        2: ("Schlechter als erwartet", "Etwas schlechter als erwartet"),
        3: ("Wie erwartet", "Genau wie erwartet", "Etwa wie erwartet", "So wie erwartet",
            "Entsprach den Erwartungen"),
        4: ("Besser als erwartet", "Etwas besser als erwartet"),
        5: ("Viel besser als erwartet", "Deutlich besser als erwartet"),
    }),
    ("expectation_5_ru", "expectation", "ru", 5, {
        1: ("Намного хуже, чем ожидалось", "Намного хуже ожиданий", "Гораздо хуже, чем ожидалось",
            "Значительно хуже, чем ожидалось"),
        2: ("Хуже, чем ожидалось", "Хуже ожиданий", "Немного хуже, чем ожидалось"),
        3: ("Как и ожидалось", "Как ожидалось", "Соответствует ожиданиям",
            "Соответствовало ожиданиям"),
        4: ("Лучше, чем ожидалось", "Лучше ожиданий", "Немного лучше, чем ожидалось"),
        5: ("Намного лучше, чем ожидалось", "Намного лучше ожиданий",
            "Гораздо лучше, чем ожидалось", "Значительно лучше, чем ожидалось"),
    }),
]

# ---------------------------------------------------------------------- yes/no
YES_NO: list[Scale] = [
    ("yes_no", "yes_no", "multi", 2, {
        0: ("no", "n", "nej", "nei", "nein", "нет", "false", "falsch", "falsk", "falskt",
            "usant", "ложь", "no, i did not", "no, i didn't", "no i did not", "no, never",
            "no, not yet"),
        1: ("yes", "y", "ja", "j", "jo", "да", "true", "wahr", "sand", "sandt", "sant", "истина",
            "yes, i did", "yes i did", "yes, i have"),
    }),
]
#: Languages of the yes/no words (for reporting only).
YES_NO_LANGUAGE: dict[str, str] = {
    "yes": "en", "no": "en", "y": "en", "n": "en", "true": "en", "false": "en",
    "ja": "da/sv/no/de", "nej": "da/sv", "nei": "no", "nein": "de", "j": "de", "jo": "sv",
    "да": "ru", "нет": "ru", "wahr": "de", "falsch": "de", "sand": "da", "sandt": "da",
    "falsk": "da/no", "sant": "sv/no", "falskt": "sv", "usant": "no", "истина": "ru",
    "ложь": "ru",
}
#: A label that starts with one of these words (followed by more words) is yes/no.
YES_PREFIXES: tuple[str, ...] = ("yes", "ja", "jo", "да", "jawohl", "yep", "yeah")
NO_PREFIXES: tuple[str, ...] = ("no", "nej", "nei", "nein", "нет", "nope")

# ------------------------------------------------------------------- recommend
RECOMMEND: list[Scale] = [
    ("recommend_11", "recommend", "multi", 11, {
        0: ("Not at all likely", "Not likely at all", "Extremely unlikely", "Not at all",
            "Slet ikke sandsynligt", "Overhovedet ikke sandsynligt", "Meget usandsynligt",
            "Inte alls sannolikt", "Inte sannolikt alls", "Mycket osannolikt",
            "Helt osannolikt", "Ikke sannsynlig i det hele tatt",
            "Ikke i det hele tatt sannsynlig", "Svært usannsynlig", "Svært lite sannsynlig",
            "Lite sannsynlig", "Overhovedet ikke", "Überhaupt nicht wahrscheinlich",
            "Sehr unwahrscheinlich", "Äußerst unwahrscheinlich", "Extrem unwahrscheinlich",
            "Крайне маловероятно", "Совершенно маловероятно", "Совсем маловероятно",
            "Точно не порекомендую", "Ни в коем случае", "Совершенно не вероятно"),
        5: ("Neutral", "Neither likely nor unlikely"),
        10: ("Extremely likely", "Very likely", "Meget sandsynligt", "Yderst sandsynligt",
             "Ekstremt sandsynligt", "Mycket sannolikt", "Extremt sannolikt",
             "Högst sannolikt", "Svært sannsynlig", "Veldig sannsynlig",
             "Ekstremt sannsynlig", "Sehr wahrscheinlich", "Äußerst wahrscheinlich",
             "Extrem wahrscheinlich", "Очень вероятно", "Крайне вероятно",
             "Обязательно порекомендую", "Точно порекомендую", "Наверняка порекомендую"),
    }),
    # A verbal 5-point likelihood scale (not the 0-10 NPS question): kept so that its
    # labels are not read as NPS endpoints.
    ("likelihood_5_en", "recommend", "en", 5, {
        1: ("Very unlikely", "Extremely unlikely"), 2: ("Unlikely", "Somewhat unlikely"),
        3: ("Neither likely nor unlikely", "Neutral"), 4: ("Likely", "Somewhat likely"),
        5: ("Very likely", "Extremely likely"),
    }),
]
#: Language of each recommend endpoint label, for reporting.
RECOMMEND_LANGUAGE: dict[str, tuple[str, ...]] = {
    "en": ("Not at all likely", "Not likely at all", "Extremely unlikely", "Not at all",
           "Neutral", "Neither likely nor unlikely", "Extremely likely", "Very likely"),
    "da": ("Slet ikke sandsynligt", "Overhovedet ikke sandsynligt", "Meget usandsynligt",
           "Overhovedet ikke", "Meget sandsynligt", "Yderst sandsynligt", "Ekstremt sandsynligt"),
    "sv": ("Inte alls sannolikt", "Inte sannolikt alls", "Mycket osannolikt", "Helt osannolikt",
           "Mycket sannolikt", "Extremt sannolikt", "Högst sannolikt"),
    "no": ("Ikke sannsynlig i det hele tatt", "Ikke i det hele tatt sannsynlig",
           "Svært usannsynlig", "Svært lite sannsynlig", "Lite sannsynlig", "Svært sannsynlig",
           "Veldig sannsynlig", "Ekstremt sannsynlig"),
    "de": ("Überhaupt nicht wahrscheinlich", "Sehr unwahrscheinlich", "Äußerst unwahrscheinlich",
           "Extrem unwahrscheinlich", "Sehr wahrscheinlich", "Äußerst wahrscheinlich",
           "Extrem wahrscheinlich"),
    "ru": ("Крайне маловероятно", "Совершенно маловероятно", "Совсем маловероятно",
           "Точно не порекомендую", "Ни в коем случае", "Совершенно не вероятно",
           "Очень вероятно", "Крайне вероятно", "Обязательно порекомендую",
           "Точно порекомендую", "Наверняка порекомендую"),
}

#: The tool-independent scales. The ticket tools' own rating scales (kind ``rating``) are in their
#: modules of :mod:`csanalysis.io.tools` (:data:`csanalysis.io.tools.LABEL_SCALES`).
ALL_SCALES: list[Scale] = SATISFACTION + AGREEMENT + EFFORT + EXPECTATION + YES_NO + RECOMMEND

# ---------------------------------------------------------------- non-response
#: Answers that mean "no answer on the scale"; they become missing and are
#: reported separately from unmapped labels. Tool states that are no answer
#: (Zendesk's "Offered") are in :data:`csanalysis.io.tools.NONRESPONSE_LABELS`.
NONRESPONSE: tuple[str, ...] = (
    # en
    "Don't know", "Do not know", "Dont know", "Not sure", "Unsure", "No opinion", "No idea",
    "N/A", "NA", "Not applicable", "Prefer not to say", "Prefer not to answer",
    "Can't say", "Cannot say", "Decline to answer",
    # da
    "Ved ikke", "Ikke relevant", "Ønsker ikke at svare", "Kan ikke svare", "Ingen mening",
    # sv
    "Vet ej", "Vet inte", "Ej aktuellt", "Inte aktuellt", "Ingen åsikt", "Vill inte svara",
    "Kan inte svara",
    # no
    "Vet ikke", "Ønsker ikke å svare", "Kan ikke svare", "Ikke aktuelt",
    # de
    "Weiß nicht", "Weiss nicht", "Keine Angabe", "k.A.", "Nicht zutreffend", "Keine Meinung",
    "Kann ich nicht beurteilen", "Nicht beurteilbar",
    # ru
    "Не знаю", "Затрудняюсь ответить", "Нет ответа", "Не применимо", "Без ответа",
    "Трудно сказать",
)
