"""csanalysis.text.tag_reasons: explainable reason tags in seven languages, and the language detection.

Every example here is written for these tests (development examples, not a labelled validation set): per
language each reason with its evidence, compounds and inflections, negations that must not tag, phrases
whose negator is part of the complaint, mixed reasons and masked personal data. The detection is measured
on all these texts and on a second set of short texts (``HELD_OUT``) written after the detection was
tuned, and the figures must equal what the docstring of ``csanalysis/text/language.py`` states.
"""

from __future__ import annotations

import re
import tomllib

import numpy as np
import pandas as pd
import pytest

import csanalysis.text.language as language_module
from csanalysis.errors import CsanalysisError
from csanalysis.text import (
    COLUMNS,
    LANGUAGES,
    REASONS,
    detect_language,
    language_code,
    load_vocabulary,
    tag_reasons,
    vocabulary_path,
)

# (text, {reason: a piece of its evidence}); an empty dict means "no reason at all".
EXAMPLES: dict[str, list[tuple[str, dict[str, str]]]] = {
    "en": [
        ("The agent was rude and hung up on me.", {"rudeness": "hung up on me"}),
        ("I waited over an hour on hold and nobody replied to my emails.",
         {"waiting": "on hold"}),
        ("I had to explain everything again because I was transferred three times.",
         {"repeat": "explain everything again"}),
        ("The problem is still not resolved and they closed my ticket without asking.",
         {"not_resolved": "closed my ticket"}),
        ("They gave me wrong information about the return and promised to call back.",
         {"wrong_information": "wrong information"}),
        ("The delivery was late and the box arrived damaged.", {"delivery": "arrived damaged"}),
        ("My parcel never arrived.", {"delivery": "never arrived"}),
        ("The kettle stopped working after a week, really poor quality.",
         {"product_quality": "poor quality"}),
        ("I was charged twice and I am still waiting for my refund.", {"billing": "charged twice"}),
        ("Way too expensive and the shipping costs are ridiculous.", {"price": "too expensive"}),
        ("The app keeps crashing and I can't log in.", {"self_service": "can't log in"}),
        ("Not rude at all, and there was no wait.", {}),
        ("The agent was rude, and the parcel never arrived.", {"rudeness": "rude", "delivery": "never arrived"}),
        ("Great service, thank you!", {}),
        ("Price went up again and the website is down.", {"price": "Price went up", "self_service": "website is down"}),
        ("Short wait and a friendly agent.", {}),
    ],
    "da": [
        ("Medarbejderen var uhøflig og lagde røret på midt i samtalen.", {"rudeness": "uhøflig"}),
        ("Ventetiden var over en time, og ingen svarede på mine mails.",
         {"waiting": "Ventetiden"}),
        ("Jeg måtte forklare det hele igen, fordi jeg blev viderestillet tre gange.",
         {"repeat": "forklare det hele igen"}),
        ("Problemet er stadig ikke løst, og de lukkede sagen uden at spørge mig.",
         {"not_resolved": "ikke løst"}),
        ("De gav mig forkerte oplysninger om returretten og lovede at ringe tilbage.",
         {"wrong_information": "forkerte oplysninger"}),
        ("Leveringen var forsinket, og pakken ankom beskadiget.", {"delivery": "ankom beskadiget"}),
        ("Pakken er aldrig kommet frem.", {"delivery": "aldrig kommet frem"}),
        ("Jakken gik i stykker efter en uge, elendig kvalitet.", {"product_quality": "i stykker"}),
        ("Jeg er blevet trukket to gange og venter stadig på min refusion.", {"billing": "trukket to gange"}),
        ("Alt for dyrt, og fragten koster en formue.", {"price": "dyrt"}),
        ("Appen går ned hele tiden, og jeg kan ikke logge ind.", {"self_service": "kan ikke logge ind"}),
        ("Ingen ventetid, og personalet var slet ikke uhøfligt.", {}),
        ("Jeg ventede ikke længe, meget god service.", {}),
        ("Kort ventetid og god hjælp.", {}),
        ("Tusind tak for hjælpen!", {}),
        ("Prisstigningen er urimelig, og hjemmesiden virker ikke.",
         {"price": "Prisstigningen", "self_service": "hjemmesiden virker ikke"}),
    ],
    "sv": [
        ("Personalen i kundtjänst var otrevlig och lade på luren mitt i samtalet.",
         {"rudeness": "otrevlig"}),
        ("Väntetiden var över en timme och ingen svarade på mina mejl.",
         {"waiting": "Väntetiden"}),
        ("Jag fick förklara mitt ärende igen för tredje gången eftersom jag kopplades vidare hela tiden.",
         {"repeat": "kopplades vidare"}),
        ("Problemet är fortfarande inte löst och de stängde ärendet utan att fråga mig.",
         {"not_resolved": "inte löst"}),
        ("De gav mig fel information om returrätten och lovade att ringa tillbaka.",
         {"wrong_information": "fel information"}),
        ("Leveransen var försenad en vecka och paketet kom fram trasigt.",
         {"delivery": "Leveransen var försenad"}),
        ("Paketet kom aldrig och spårningen uppdateras inte.", {"delivery": "kom aldrig"}),
        ("Jackan gick sönder efter två tvätter, usel kvalitet.", {"product_quality": "gick sönder"}),
        ("Jag har blivit dubbeldebiterad och väntar fortfarande på återbetalningen.",
         {"billing": "dubbeldebiterad"}),
        ("Alldeles för dyrt, och fraktkostnaden på 99 kr är ett skämt.", {"price": "för dyrt"}),
        ("Appen kraschar hela tiden och jag kan inte logga in.", {"self_service": "kan inte logga in"}),
        ("Ingen väntetid alls och personalen var inte otrevlig.", {}),
        ("Jag väntade inte länge, mycket bra service.", {}),
        ("Leveransförseningen var irriterande men personalen var trevlig.",
         {"delivery": "Leveransförseningen"}),
        ("Vantetiden hos kundtjanst var alldeles for lang.", {"waiting": "Vantetiden"}),
        ("Leveransen kom aldrig fram och ingen i kundtjänst svarade.",
         {"delivery": "kom aldrig fram", "waiting": "ingen i kundtjänst svarade"}),
    ],
    "no": [
        ("Kundebehandleren var frekk og la på røret midt i samtalen.", {"rudeness": "frekk"}),
        ("Ventetiden på telefonen var over en time, og ingen svarte på e-posten min.",
         {"waiting": "Ventetiden"}),
        ("Jeg måtte forklare alt på nytt hver gang jeg ble satt over til en ny avdeling.",
         {"repeat": "forklare alt på nytt"}),
        ("Saken ble lukket uten at problemet ble løst, det er fortsatt ikke løst.",
         {"not_resolved": "fortsatt ikke løst"}),
        ("De ga meg feil informasjon om angreretten og lovet å ringe tilbake.",
         {"wrong_information": "feil informasjon"}),
        ("Pakken kom aldri, og sporingen har ikke blitt oppdatert på to uker.", {"delivery": "kom aldri"}),
        ("Leveringen var forsinket og pakken var skadet da den kom.", {"delivery": "forsinket"}),
        ("Jakken gikk i stykker etter en uke, elendig kvalitet.", {"product_quality": "gikk i stykker"}),
        ("Jeg ble trukket to ganger og venter fortsatt på refusjonen.", {"billing": "trukket to ganger"}),
        ("Altfor dyrt, og fraktkostnadene er helt urimelige.", {"price": "dyrt"}),
        ("Appen krasjer hele tiden og jeg får ikke logget inn.", {"self_service": "får ikke logget inn"}),
        ("Ingen ventetid, og de var ikke uhøflige i det hele tatt.", {}),
        ("Jeg ventet ikke lenge, veldig god service.", {}),
        ("Ventetiden var lang men damen var hyggelig.", {"waiting": "Ventetiden"}),
        ("Pakken kom ikke frem og ingen svar på mailen.",
         {"delivery": "Pakken kom ikke frem", "waiting": "ingen svar"}),
        ("Kort ventetid og god hjelp fra kundeservice.", {}),
    ],
    "de": [
        ("Der Kundenservicemitarbeiter war extrem unfreundlich und hat einfach aufgelegt.",
         {"rudeness": "unfreundlich"}),
        ("Die Wartezeit in der Hotline war über eine Stunde und auf meine E-Mail kam keine Antwort.",
         {"waiting": "keine Antwort"}),
        ("Ich musste alles noch einmal erklären, weil ich dreimal weitergeleitet wurde.",
         {"repeat": "dreimal weitergeleitet"}),
        ("Das Problem ist bis heute nicht gelöst, das Ticket wurde einfach geschlossen.",
         {"not_resolved": "nicht gelöst"}),
        ("Man hat mir falsche Informationen gegeben und einen Rückruf versprochen.",
         {"wrong_information": "falsche Informationen"}),
        ("Wegen der Lieferverzögerung kam das Paket zwei Wochen zu spät.", {"delivery": "Lieferverzögerung"}),
        ("Das Paket ist nie angekommen.", {"delivery": "nie angekommen"}),
        ("Die Jacke ist nach einer Woche kaputt gegangen, schlechte Qualität.",
         {"product_quality": "schlechte Qualität"}),
        ("Ich warte immer noch auf meine Rückerstattung, obwohl mir zweimal abgebucht wurde.",
         {"billing": "zweimal abgebucht"}),
        ("Viel zu teuer und die Versandkosten sind unverschämt.", {"price": "zu teuer"}),
        ("Die App stürzt ständig ab und ich kann mich nicht einloggen.",
         {"self_service": "kann mich nicht einloggen"}),
        ("Keine Wartezeit und die Mitarbeiterin war überhaupt nicht unfreundlich.", {}),
        ("Die Wartezeit war kurz und alles wurde gelöst.", {}),
        ("Ich musste nicht lange warten.", {}),
        ("Die Telefonwartezeit ist eine Zumutung.", {"waiting": "Telefonwartezeit"}),
        ("Der Mitarbeiter war unverschämt und das Paket kam nicht an.",
         {"rudeness": "unverschämt", "delivery": "kam nicht an"}),
    ],
    "ru": [
        ("Оператор мне нахамил и бросил трубку.", {"rudeness": "бросил трубку"}),
        ("Ждал ответа на линии больше часа, на письма никто не отвечает.",
         {"waiting": "никто не отвечает"}),
        ("Пришлось объяснять всё заново каждому оператору, меня переключали с одного на другого.",
         {"repeat": "Пришлось объяснять всё заново"}),
        ("Проблема так и не решена, заявку закрыли без объяснений.", {"not_resolved": "заявку закрыли"}),
        ("Мне дали неверную информацию о сроках и обещали перезвонить.",
         {"wrong_information": "неверную информацию"}),
        ("Посылка так и не пришла, с доставкой постоянные проблемы.", {"delivery": "не пришла"}),
        ("Заказ пришёл с опозданием на две недели, коробка была мятая.", {"delivery": "с опозданием"}),
        ("Чайник сломался через неделю, качество ужасное.", {"product_quality": "сломался"}),
        ("С карты списали деньги дважды, а возврат средств до сих пор не сделали.",
         {"billing": "дважды"}),
        ("Слишком дорого, цены подняли уже второй раз за год.", {"price": "Слишком дорого"}),
        ("Приложение постоянно вылетает, не могу войти в личный кабинет.", {"self_service": "не могу войти"}),
        ("Оператор был не груб и ответил быстро, ждать не пришлось.", {}),
        ("Доставкой доволен, курьер вежливый.", {}),
        ("Недовольна доставкой: курьер опоздал на три часа.", {"delivery": "курьер опоздал"}),
        ("Спасибо, всё отлично.", {}),
        ("Сотрудники нахамили, а заказ так и не пришёл.", {"rudeness": "нахамили", "delivery": "не пришёл"}),
    ],
    "pt": [
        ("O atendente foi grosseiro e desligou na minha cara.", {"rudeness": "desligou na minha cara"}),
        ("Fiquei mais de uma hora esperando na linha e ninguém respondeu meus e-mails.",
         {"waiting": "ninguém respondeu"}),
        ("Tive que explicar tudo de novo porque fui transferido três vezes.",
         {"repeat": "explicar tudo de novo"}),
        ("O problema não foi resolvido e fecharam o chamado sem me avisar.",
         {"not_resolved": "não foi resolvido"}),
        ("Me deram informação errada sobre a troca e prometeram retornar.",
         {"wrong_information": "informação errada"}),
        ("Entrega atrasada e a caixa chegou amassada.", {"delivery": "Entrega atrasada"}),
        ("O pedido não chegou até hoje.", {"delivery": "não chegou"}),
        ("O produto quebrou depois de uma semana, péssima qualidade.", {"product_quality": "péssima qualidade"}),
        ("Fui cobrado duas vezes e até agora nada do reembolso.", {"billing": "cobrado duas vezes"}),
        ("Muito caro, e o frete é um absurdo.", {"price": "Muito caro"}),
        ("O aplicativo trava o tempo todo e não consigo fazer login.", {"self_service": "não consigo fazer login"}),
        ("O atendimento não demorou e a atendente não foi grosseira.", {}),
        ("Cobrança em dobro no cartão, já pedi o estorno.", {"billing": "Cobrança em dobro"}),
        ("Nao chegou ate hoje e a cobranca veio duplicada.", {"delivery": "Nao chegou", "billing": "cobranca"}),
        ("Ótimo atendimento, recomendo!", {}),
        ("A encomenda demorou imenso a chegar e a aplicação não funciona.",
         {"delivery": "demorou", "self_service": "aplicação não funciona"}),
    ],
}

# Short texts written after the detection was tuned on EXAMPLES, for the detection only.
HELD_OUT: dict[str, list[str]] = {
    "en": ["Still waiting for my money back", "Nobody ever picks up the phone", "Lovely staff, quick help",
           "My order came broken and nobody cares", "Why is it so hard to cancel online?",
           "The invoice was wrong again", "Delivery took three weeks", "Too slow", "I want a refund now",
           "Best shop in town"],
    "da": ["Jeg har ventet i tre uger på svar", "Varen var i stykker da jeg åbnede pakken",
           "Hvorfor er det så svært at få fat i jer?", "Fakturaen var forkert igen",
           "Medarbejderen var meget hjælpsom og sød", "Jeg fik aldrig mine penge tilbage",
           "Det tog alt for lang tid", "Super god oplevelse", "Hjemmesiden er helt umulig at finde rundt på",
           "Pakken blev leveret til den forkerte adresse"],
    "sv": ["Jag har väntat i tre veckor på svar", "Varan var trasig när jag öppnade paketet",
           "Varför är det så svårt att nå er?", "Fakturan var fel igen", "Personalen var jättetrevlig",
           "Jag fick aldrig pengarna tillbaka", "Det tog alldeles för lång tid", "Bästa butiken",
           "Hemsidan är helt omöjlig att hitta på", "Paketet levererades till fel adress"],
    "no": ["Jeg har ventet i tre uker på svar", "Varen var ødelagt da jeg åpnet pakken",
           "Hvorfor er det så vanskelig å nå dere?", "Fakturaen var feil igjen",
           "De ansatte var kjempehyggelige", "Jeg fikk aldri pengene tilbake", "Det tok altfor lang tid",
           "Beste butikken", "Nettsiden er helt umulig å finne frem på", "Pakken ble levert til feil adresse"],
    "de": ["Ich warte seit drei Wochen auf eine Antwort", "Die Ware war kaputt, als ich das Paket öffnete",
           "Warum ist es so schwer, Sie zu erreichen?", "Die Rechnung war schon wieder falsch",
           "Sehr nette Mitarbeiter", "Ich habe mein Geld nie zurückbekommen", "Es hat viel zu lange gedauert",
           "Bester Laden", "Auf der Webseite findet man nichts", "Das Paket ging an die falsche Adresse"],
    "ru": ["Жду ответа уже три недели", "Товар был сломан, когда я открыл посылку",
           "Почему так сложно с вами связаться?", "Счёт снова неправильный", "Очень милые сотрудники",
           "Деньги мне так и не вернули", "Всё заняло слишком много времени", "Лучший магазин",
           "На сайте ничего невозможно найти", "Посылку доставили не по тому адресу"],
    "pt": ["Estou esperando resposta há três semanas", "O produto estava quebrado quando abri a caixa",
           "Por que é tão difícil falar com vocês?", "A fatura veio errada de novo",
           "Os funcionários foram muito simpáticos", "Nunca recebi meu dinheiro de volta",
           "Demorou demais", "Melhor loja", "No site não se encontra nada",
           "A encomenda foi entregue na morada errada"],
}


def _cases():
    for lang, examples in EXAMPLES.items():
        for k, (text, expected) in enumerate(examples):
            yield pytest.param(lang, text, expected, id=f"{lang}-{k}")


def _as_dict(result: pd.DataFrame) -> dict[str, str]:
    return dict(zip(result["reason"], result["evidence"]))


# -- every language, every reason -------------------------------------------------------------------


@pytest.mark.parametrize("lang, text, expected", list(_cases()))
def test_each_example_gets_exactly_its_reasons_with_evidence(lang, text, expected):
    got = _as_dict(tag_reasons([text], language=lang))
    assert set(got) == set(expected), got
    for reason, piece in expected.items():
        assert piece.lower() in got[reason].lower(), (reason, got[reason])
        assert got[reason] in text or all(e in text for e in got[reason].split("; "))


def test_every_reason_is_found_in_every_language():
    for lang, examples in EXAMPLES.items():
        found = {r for _, expected in examples for r in expected}
        assert found == set(REASONS), (lang, set(REASONS) - found)


def test_evidence_is_the_text_as_written():
    out = tag_reasons(["Die Rueckerstattung kam nie, die Wartezeit war eine Frechheit."], language="de")
    assert _as_dict(out) == {"waiting": "Wartezeit", "billing": "Rueckerstattung"}
    # overlapping matches of one reason are one piece of evidence
    out = tag_reasons(["The agent was rude and I waited 40 minutes on hold."], language="en")
    assert _as_dict(out) == {"rudeness": "rude", "waiting": "waited 40 minutes on hold"}


# -- compounds and inflections ----------------------------------------------------------------------


@pytest.mark.parametrize("lang, text, reason, evidence", [
    ("sv", "Väntetiden var orimlig.", "waiting", "Väntetiden"),
    ("sv", "Leveransen var försenad.", "delivery", "Leveransen var försenad"),
    ("sv", "Leveransförseningen förstörde allt.", "delivery", "Leveransförseningen"),
    ("sv", "Telefonköerna är för långa.", "waiting", "Telefonköerna"),
    ("no", "Ventetiden var helt håpløs.", "waiting", "Ventetiden"),
    ("no", "Pakken kom aldri.", "delivery", "kom aldri"),
    ("no", "Telefonkøen var uendelig.", "waiting", "Telefonkøen"),
    ("da", "Telefonkøen var uendelig.", "waiting", "Telefonkøen"),
    ("da", "Ventetiden var latterlig.", "waiting", "Ventetiden"),
    ("de", "Die Wartezeit war eine Katastrophe.", "waiting", "Wartezeit"),
    ("de", "Die Wartezeiten sind inakzeptabel.", "waiting", "Wartezeiten"),
    ("de", "Eine Lieferverzögerung nach der anderen.", "delivery", "Lieferverzögerung"),
    ("de", "Die Rückerstattung fehlt seit Wochen.", "billing", "Rückerstattung"),
    ("de", "Die Kundenservicemitarbeiterin war unfreundlich.", "rudeness", "unfreundlich"),
    ("de", "Die Hotlinewarteschleife ist endlos.", "waiting", "Hotlinewarteschleife"),
    ("ru", "Проблемы с доставкой.", "delivery", "Проблемы с доставкой"),
    ("ru", "Задержка в доставке уже неделю.", "delivery", "Задержка в доставке"),
    ("ru", "Доставку задержали на месяц.", "delivery", "Доставку задержали"),
    ("ru", "Менеджеры нахамили.", "rudeness", "нахамили"),
    ("ru", "Сотрудница бросила трубку.", "rudeness", "бросила трубку"),
    ("ru", "Хамство и грубость.", "rudeness", "Хамство; грубость"),
    ("pt", "Demorou muito.", "waiting", "Demorou muito"),
    ("pt", "Atendente grosseiro.", "rudeness", "Atendente grosseiro"),
    ("pt", "Entrega atrasada.", "delivery", "Entrega atrasada"),
    ("pt", "Quero o reembolso.", "billing", "reembolso"),
    ("pt", "Houve cobrança em dobro.", "billing", "cobrança em dobro"),
    ("pt", "Fui cobrada duas vezes.", "billing", "cobrada duas vezes"),
    ("pt", "Cobraram duas vezes no cartão.", "billing", "Cobraram duas vezes"),
])
def test_compounds_and_inflections(lang, text, reason, evidence):
    got = _as_dict(tag_reasons([text], language=lang))
    assert got.get(reason) == evidence, got


def test_a_compound_is_not_read_into_a_vocabulary_word():
    # forventning ("expectation") holds "vent" but is no "vent|ning" compound of known parts
    assert tag_reasons(["Det levede op til mine forventninger"], language="da").empty
    assert tag_reasons(["Kundenservice und Kundenkonto"], language="de").empty


# -- negation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, text", [
    ("en", "Not rude at all."),
    ("en", "I didn't have to wait."),
    ("en", "Never had a problem with delivery, nothing broken."),
    ("da", "Ingen ventetid."),
    ("da", "Medarbejderen var ikke uhøflig."),
    ("da", "Jeg ventede ikke længe."),
    ("sv", "Ingen väntetid."),
    ("sv", "Personalen var inte otrevlig."),
    ("sv", "Jag väntade inte länge."),
    ("no", "Ingen ventetid."),
    ("no", "Hun var ikke frekk."),
    ("no", "Jeg ventet ikke lenge."),
    ("de", "Keine Wartezeit."),
    ("de", "Die Mitarbeiterin war nicht unfreundlich."),
    ("de", "Ich wartete nicht lange."),
    ("de", "Die Wartezeit war nicht lang."),
    ("ru", "Не грубо."),
    ("ru", "Оператор был не груб."),
    ("ru", "Ждать не пришлось."),
    ("pt", "Não demorou."),
    ("pt", "A atendente não foi grosseira."),
    ("pt", "Sem demora nenhuma."),
])
def test_negated_terms_are_not_tagged(lang, text):
    assert tag_reasons([text], language=lang).empty


@pytest.mark.parametrize("lang, text, reason, evidence", [
    ("en", "The parcel never arrived.", "delivery", "never arrived"),
    ("en", "No, they were rude.", "rudeness", "rude"),
    ("en", "Not cheap but rude staff.", "rudeness", "rude"),
    ("da", "Pakken kom aldrig.", "delivery", "kom aldrig"),
    ("da", "Ingen svar på tre uger.", "waiting", "Ingen svar"),
    ("sv", "Paketet kom aldrig.", "delivery", "kom aldrig"),
    ("sv", "Inget svar på tre veckor.", "waiting", "Inget svar"),
    ("no", "Pakken kom aldri.", "delivery", "kom aldri"),
    ("no", "Ingen svar på tre uker.", "waiting", "Ingen svar"),
    ("de", "Das Paket ist nie angekommen.", "delivery", "nie angekommen"),
    ("de", "Keine Antwort seit Wochen.", "waiting", "Keine Antwort"),
    ("de", "Ich habe bis heute keine Rückerstattung bekommen.", "billing", "keine Rückerstattung"),
    ("ru", "Посылка не пришла.", "delivery", "не пришла"),
    ("ru", "Никто мне не ответил.", "waiting", "Никто мне не ответил"),
    ("ru", "Они ничего не сделали.", "not_resolved", "ничего не сделали"),
    ("pt", "O pedido não chegou.", "delivery", "não chegou"),
    ("pt", "Ninguém me respondeu.", "waiting", "Ninguém me respondeu"),
    ("pt", "Continua sem solução.", "not_resolved", "Continua sem solução"),
])
def test_phrases_holding_their_negator_are_tagged(lang, text, reason, evidence):
    got = _as_dict(tag_reasons([text], language=lang))
    assert got == {reason: evidence}


def test_a_negator_reaches_only_its_own_clause():
    out = tag_reasons(["Ikke billigt, men personalet var uhøfligt.",
                       "Kein Problem, aber die Hotline war unfreundlich."], language=["da", "de"])
    assert out["reason"].tolist() == ["rudeness", "rudeness"]


def test_wait_next_to_a_parcel_word_is_delivery_not_waiting():
    out = tag_reasons(["Venter stadig på min pakke", "I am still waiting for my parcel", "Ich warte auf mein Paket"],
                      language=["da", "en", "de"])
    assert out["reason"].tolist() == ["delivery", "delivery", "delivery"]


# -- privacy ---------------------------------------------------------------------------------------------


def test_emails_and_phone_numbers_are_masked_in_the_evidence():
    texts = ["They charged anna.berg@example.com twice for one order.",
             "Niemand hat 0171 2345678 zurückgerufen.",
             "Personalen var oförskämd, ring mig på 070-123 45 67 eller skriv till sven@exempel.se."]
    out = tag_reasons(texts, language=["en", "de", "sv"])
    ev = _as_dict(out.iloc[:1])
    assert list(ev) == ["billing"] and ev["billing"].startswith("charged [email] twice")
    assert out.loc[out["text_index"] == 1, "evidence"].tolist() == ["Niemand hat [phone] zurückgerufen"]
    joined = " ".join(out["evidence"])
    assert "@" not in joined and "2345678" not in joined and "070" not in joined
    assert out.loc[out["text_index"] == 2, "reason"].tolist() == ["rudeness"]


# -- languages -----------------------------------------------------------------------------------------


def test_language_codes_of_qualtrics_exports():
    codes = ["EN", "EN-GB", "DA", "SV", "NO", "NB", "NN", "DE", "RU", "PT-BR", "PT", "pt_PT", "Deutsch", None]
    assert [language_code(c) for c in codes] == ["en", "en", "da", "sv", "no", "no", "no", "de", "ru", "pt", "pt",
                                                 "pt", "de", None]


def test_per_text_languages_from_a_language_column():
    survey = pd.DataFrame({
        "Comment": ["Pakken kom aldri", "Pakken kom aldrig", "O pedido não chegou", "Paket kam nie an",
                    "Посылка не пришла", "Paketet kom aldrig", "The parcel never arrived"],
        "UserLanguage": ["NB", "DA", "PT-BR", "DE", "RU", "SV", "EN"],
    }, index=[10, 11, 12, 13, 14, 15, 16])
    out = tag_reasons(survey["Comment"], language=survey["UserLanguage"])
    assert out["text_index"].tolist() == [10, 11, 12, 13, 14, 15, 16]
    assert out["language"].tolist() == ["no", "da", "pt", "de", "ru", "sv", "en"]
    assert set(out["reason"]) == {"delivery"}


def test_string_dtypes_and_missing_codes_in_a_language_column():
    texts = pd.Series(["The agent was rude", None, "Pakken kom aldri"], dtype="str", index=["a", "b", "c"])
    codes = pd.Series(["EN", pd.NA, "NB"], dtype="string", index=["a", "b", "c"])
    out = tag_reasons(texts, language=codes)
    assert out[["text_index", "language", "reason"]].values.tolist() == [["a", "en", "rudeness"],
                                                                         ["c", "no", "delivery"]]
    with pytest.raises(CsanalysisError, match="index of the texts"):
        tag_reasons(texts, language=codes.reset_index(drop=True))


def test_the_language_argument_overrides_detection():
    text = ["Pakken kom ikke frem"]  # Danish and Norwegian alike: undecided, so tagged only when told
    assert tag_reasons(text).empty
    assert tag_reasons(text, language="no")[["language", "reason"]].values.tolist() == [["no", "delivery"]]
    assert tag_reasons(text, language="DA")[["language", "reason"]].values.tolist() == [["da", "delivery"]]
    assert tag_reasons(["Pakken kom aldrig frem"])["language"].tolist() == ["da"]
    # a text in another language than the code gets that language's vocabulary: nothing here
    assert tag_reasons(["The parcel never arrived"], language="de").empty


def test_missing_codes_are_detected_per_text():
    out = tag_reasons(["The agent was rude", "Der Mitarbeiter war unfreundlich"], language=[None, "DE"])
    assert out["language"].tolist() == ["en", "de"]


def test_detection_without_a_language_column():
    texts = [t for lang in LANGUAGES for t, _ in EXAMPLES[lang][1:5]]
    out = tag_reasons(texts)
    assert out.groupby("text_index")["language"].first().tolist() == [lang for lang in LANGUAGES for _ in range(4)]
    assert out.groupby("text_index")["reason"].first().tolist() == [
        r for lang in LANGUAGES for _, expected in EXAMPLES[lang][1:5] for r in list(expected)[:1]]


def _detection_figures(texts_by_language):
    texts = [t for lang in LANGUAGES for t in texts_by_language[lang]]
    truth = [lang for lang in LANGUAGES for _ in texts_by_language[lang]]
    got = detect_language(texts).tolist()
    wrong = sum(g is not None and g != t for g, t in zip(got, truth))
    undecided = sum(g is None for g in got)
    return len(texts), wrong, undecided


def test_detection_accuracy_is_what_the_docstring_of_language_py_states():
    examples = {lang: [t for t, _ in EXAMPLES[lang]] for lang in LANGUAGES}
    n1, wrong1, und1 = _detection_figures(examples)
    n2, wrong2, und2 = _detection_figures(HELD_OUT)
    # stated threshold: at most 2 % wrong and 5 % undecided on the tuning texts, 5 % and 15 % held out
    assert wrong1 <= 0.02 * n1 and und1 <= 0.05 * n1
    assert wrong2 <= 0.05 * n2 and und2 <= 0.15 * n2
    doc = " ".join(language_module.__doc__.split())
    stated = re.search(r"(\d+) texts written to tune it: (\d+) wrong and (\d+) undecided", doc)
    held = re.search(r"(\d+) texts written after tuning: (\d+) wrong and (\d+) undecided", doc)
    assert stated and held, "the docstring of csanalysis/text/language.py states both figures"
    assert tuple(map(int, stated.groups())) == (n1, wrong1, und1)
    assert tuple(map(int, held.groups())) == (n2, wrong2, und2)


def test_detection_of_scripts_masks_and_empty_texts():
    out = detect_language(pd.Series(["Оператор нахамил", "[email] [phone] [name]", "", None, "OK"],
                                    index=list("abcde")))
    assert out.index.tolist() == list("abcde")
    assert out.tolist() == ["ru", None, None, None, None]


# -- inputs and output -------------------------------------------------------------------------------------


def test_empty_and_missing_texts_give_no_rows():
    out = tag_reasons(["", None, np.nan, "   ", pd.NA, "The agent was rude"], language="en")
    assert out["text_index"].tolist() == [5]
    assert tag_reasons([], language="en").empty
    assert tag_reasons(pd.Series([None, np.nan], dtype=object)).empty


def test_the_output_columns_and_their_order():
    out = tag_reasons(["The agent was rude and the parcel never arrived"], language="en")
    assert tuple(out.columns) == COLUMNS == ("text_index", "language", "reason", "evidence")
    assert out["reason"].tolist() == ["rudeness", "delivery"]  # the order of REASONS
    empty = tag_reasons(["Great!"], language="en")
    assert tuple(empty.columns) == COLUMNS and empty.empty


def test_an_unknown_language_code_is_an_error():
    with pytest.raises(CsanalysisError, match="unknown language 'fr'.*en, da, sv, no, de, ru, pt"):
        tag_reasons(["Le colis n'est jamais arrivé"], language="fr")
    with pytest.raises(CsanalysisError, match="'DK'.*country code.*'da'"):
        tag_reasons(["Pakken kom aldrig"], language="DK")
    with pytest.raises(CsanalysisError, match=r"'XX' \(2 texts\)"):
        tag_reasons(["a", "b", "c"], language=["XX", "EN", "XX"])


def test_malformed_calls_are_errors():
    with pytest.raises(CsanalysisError, match="one code for all texts or one per text"):
        tag_reasons(["a", "b"], language=["en"])
    with pytest.raises(CsanalysisError, match="for one text pass"):
        tag_reasons("The agent was rude", language="en")
    with pytest.raises(CsanalysisError, match="reason id"):
        tag_reasons(["x"], language="en", vocabulary={"en": {"Bad Id": ["x"]}})
    with pytest.raises(CsanalysisError, match="list of words or phrases"):
        tag_reasons(["x"], language="en", vocabulary={"en": {"billing": "direct debit"}})


# -- the vocabulary ----------------------------------------------------------------------------------------


def test_user_vocabulary_adds_terms_and_new_reasons():
    texts = ["Far too much plastic in the box", "The direct debit bounced", "The agent was rude"]
    out = tag_reasons(texts, language="en",
                      vocabulary={"en": {"packaging": ["too much plastic"], "billing": ["debit bounced"]}})
    assert list(zip(out["text_index"], out["reason"], out["evidence"])) == [
        (0, "packaging", "too much plastic"), (1, "billing", "direct debit bounced"), (2, "rudeness", "rude")]
    # a user's word is stemmed and negated like the shipped ones
    out = tag_reasons(["Zu viel Plastikmüll", "Kein Plastikmüll"], language="de",
                      vocabulary={"DE": {"packaging": ["Plastikmüll"]}})
    assert out["reason"].tolist() == ["packaging"] and out["text_index"].tolist() == [0]


def test_user_vocabulary_can_replace_a_reason():
    out = tag_reasons(["The agent was rude", "The agent was grumpy"], language="en",
                      vocabulary={"en": {"rudeness": ["grumpy"]}}, extend=False)
    assert out["text_index"].tolist() == [1]


def test_every_language_has_every_reason_with_enough_terms():
    for lang in LANGUAGES:
        v = load_vocabulary(lang)
        assert list(v) == list(REASONS), lang
        for reason, entries in v.items():
            assert len(entries) >= 15, (lang, reason, len(entries))
        raw = tomllib.loads(vocabulary_path(lang).read_text(encoding="utf-8"))
        assert raw["language"] == lang
        for key in ("negation_window", "negation_after", "phrase_gap", "compounds", "negators",
                    "clause_breaks", "pseudo_negations"):
            assert key in raw["rules"], (lang, key)


def test_loading_a_vocabulary_checks_the_code():
    assert load_vocabulary("PT-BR") == load_vocabulary("pt")
    with pytest.raises(CsanalysisError):
        load_vocabulary("fr")


def test_discover_themes_finds_the_planted_words_and_leaves_names_out():
    from csanalysis.text import THEME_COLUMNS, discover_themes

    rng = np.random.default_rng(1)
    base = ["good service thanks", "the agent helped me", "quick answer, thank you", "fine", "ok experience"]
    bad = ["the app keeps crashing when I pay", "app crashed again", "your app is crashing",
           "Peter never called back", "Peter did not call, mail me at a.b@example.com"]
    texts = list(rng.choice(base, 300)) + list(rng.choice(bad, 60))
    focus = np.r_[np.zeros(300, bool), np.ones(60, bool)]
    th = discover_themes(texts, focus, language="en")
    assert list(th.columns) == list(THEME_COLUMNS)
    assert {"app", "crash"} <= set(th["stem"])
    assert "peter" not in set(th["stem"]) and not th["word"].str.contains("example|mail me", regex=True).any()
    assert (th["comments"] >= 5).all() and (th["z"] > 2.5).all()
    # a word over-represented only by chance in few comments is not a theme
    assert discover_themes(texts, focus, language="en", min_comments=40).empty
    # nothing sets the focus apart when it is a random half
    half = rng.random(len(texts)) < 0.5
    assert len(discover_themes(list(rng.choice(base, 400)), half[:400] if len(half) >= 400 else
                               np.r_[half, half][:400], language="en")) <= 1
