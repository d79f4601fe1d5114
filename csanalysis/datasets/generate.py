"""Generate the bundled sample data set: one simulated world, written as real exports.

The generator simulates customers of a small Danish web shop with a customer
service desk, over the full future (``as_of`` + 3 years), and writes what an
analyst would have on ``as_of``:

* ``zendesk_tickets.csv`` -- Zendesk Support CSV export (account time zone
  Europe/Copenhagen, no offset),
* ``qualtrics_survey.csv`` -- Qualtrics post-ticket survey, current 3-header-row
  CSV export (UTF-8 without BOM, CRLF, choice text),
* ``shopify_orders.csv`` -- Shopify orders export (one row per line item,
  order-level fields on the first row of each order),
* ``danish_survey.csv`` -- a short Danish relationship survey saved by Excel
  (Windows-1252, ``;``, ``dd-mm-yyyy HH:MM``, decimal comma),
* ``customer_snapshot.csv`` -- a customer table shaped like the IBM telco
  churn data,
* ``planted_truth.json`` and ``README.md`` -- the planted effects, measured on
  the simulated full future.

Everything is vectorised with numpy/pandas (the simulation loops over purchase
*rounds*, never over customers), so one million customers take minutes.

Examples
--------
>>> import tempfile
>>> from csanalysis.datasets.generate import generate_sample
>>> with tempfile.TemporaryDirectory() as d:
...     truth = generate_sample(d, n_customers=300, seed=1)
>>> sorted(truth)[:3]
['agents', 'as_of', 'avoidance']
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["BENCHMARK_RATES", "FILES", "Rates", "generate_sample", "main"]

#: The files :func:`generate_sample` writes (besides README.md and planted_truth.json).
FILES: dict[str, str] = {
    "tickets": "zendesk_tickets.csv",
    "survey": "qualtrics_survey.csv",
    "orders": "shopify_orders.csv",
    "danish": "danish_survey.csv",
    "snapshot": "customer_snapshot.csv",
}

TIME_ZONE = "Europe/Copenhagen"
DAY = 86_400  # seconds
NAT = np.iinfo(np.int64).min

# --------------------------------------------------------------------------
# Planted parameters (documented in README.md and returned in the truth dict)
# --------------------------------------------------------------------------

#: Zendesk ``Via`` values of customer-initiated tickets and their shares.
VIA_MAIN = ("Mail", "Web form", "Chat", "Phone call (incoming)", "Web service", "OutBound")
VIA_MIX = (0.37, 0.24, 0.22, 0.12, 0.02, 0.03)
VIA_CLOSED = "Closed Ticket"
VIA_ALL = VIA_MAIN + (VIA_CLOSED,)
I_OUTBOUND = VIA_ALL.index("OutBound")
I_CLOSED = VIA_ALL.index(VIA_CLOSED)

#: Latent experience score 1-5 by Via (rows follow VIA_ALL).
SCORE_PROBS = np.array(
    [
        [0.12, 0.12, 0.16, 0.28, 0.32],  # Mail: worst
        [0.07, 0.09, 0.14, 0.30, 0.40],  # Web form
        [0.03, 0.05, 0.10, 0.27, 0.55],  # Chat: best
        [0.05, 0.07, 0.12, 0.30, 0.46],  # Phone call (incoming)
        [0.07, 0.09, 0.14, 0.30, 0.40],  # Web service
        [0.06, 0.08, 0.14, 0.32, 0.40],  # OutBound (agent-initiated)
        [0.06, 0.08, 0.14, 0.32, 0.40],  # Closed Ticket (follow-up)
    ]
)
#: Score distribution of the service-recovery follow-up after a first bad rating.
RECOVERY_PROBS = np.array([0.06, 0.07, 0.12, 0.35, 0.40])

P_OFFERED = 0.90  # satisfaction survey offered on a solved ticket
P_ANSWER_BAD = 0.62  # answer rate when the experience was bad (score 1-2)
P_ANSWER_OTHER = 0.50
P_ANSWER_FOLLOWUP = 0.85
P_RECOVERY_ATTEMPT = 0.50  # follow-up contact after a customer's first bad rating
P_AVOID_UNRECOVERED = 0.30  # stop buying for good after the first bad rating...
P_AVOID_RECOVERED = 0.05  # ... unless the follow-up was rated good
P_SURVEY = 0.30 * 0.60  # Qualtrics invitation after a solved ticket x response rate
P_UNFINISHED = 0.07
LEGACY_CSAT_BEFORE = "2020-01-01"  # Good/Bad ratings for tickets solved earlier

#: Quiet-lapse multiplier by the (latent) expectation answer of the latest ticket.
EXPECTATION_LAPSE_MULT = np.array([2.0, 1.5, 1.0, 0.7, 0.45])

GAP_MEDIAN = 320.0  # median of the customers' mean inter-purchase gap (days)
LONG_CYCLE_SHARE = 0.15  # customers with a 450-1000 day mean gap

#: Word of mouth: negative binomial (mean, dispersion r) of people told, by CSAT band.
WOM_NB = {"dissatisfied": (9.0, 0.8), "neutral": (2.0, 1.0), "satisfied": (3.0, 1.0)}
#: Share who advised others not to buy, by CSAT band (only possible when told >= 1).
P_WARN = {"dissatisfied": 0.40, "neutral": 0.08, "satisfied": 0.02}

# --------------------------------------------------------------------------
# Vocabulary (obviously fake people)
# --------------------------------------------------------------------------

_FIRST = [
    ("Anna", "F"), ("Mette", "F"), ("Sofie", "F"), ("Ida", "F"), ("Camilla", "F"), ("Louise", "F"),
    ("Maria", "F"), ("Emma", "F"), ("Freja", "F"), ("Karen", "F"), ("Julie", "F"), ("Nanna", "F"),
    ("Lars", "M"), ("Jens", "M"), ("Peter", "M"), ("Mikkel", "M"), ("Anders", "M"), ("Søren", "M"),
    ("Rasmus", "M"), ("Frederik", "M"), ("Jonas", "M"), ("Mads", "M"), ("Henrik", "M"), ("Niels", "M"),
]
_LAST = [
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Møller",
    "Poulsen", "Johansen", "Mortensen", "Knudsen", "Eksempel", "Prøvesen",
]
_DOMAINS = ["example.com", "example.org", "example.net"]
_AGENTS = [
    "Mikkel S.", "Line K.", "Jonas P.", "Camilla H.", "Ahmed R.", "Sara L.", "Frederik B.",
    "Maja T.", "Oliver N.", "Emma V.", "Kasper D.", "Nadia F.",
]
_ORGS = ["Eksempel ApS", "Prøve Design A/S", "Demo Kontor I/S", "Fiktiv Handel ApS"]
_CITIES = [
    ("København K", "1050"), ("Aarhus C", "8000"), ("Odense C", "5000"), ("Aalborg", "9000"),
    ("Esbjerg", "6700"), ("Vejle", "7100"), ("Roskilde", "4000"), ("Frederiksberg C", "1850"),
]
_CITIES_DE = [("Hamburg", "20095"), ("Kiel", "24103"), ("Flensburg", "24937")]

# topic: (tag, group, subject template ({order} = order name), share)
_TOPICS = [
    ("order_status", "Support", "Where is my order {order}?", 0.34),
    ("returns", "Returns", "Return request for order {order}", 0.20),
    ("damaged_item", "Returns", "Item arrived damaged", 0.12),
    ("billing", "Billing", "Question about invoice for {order}", 0.12),
    ("address_change", "Support", "Change delivery address", 0.08),
    ("product_question", "Support", "Question about a product", 0.14),
]
_TOPIC_LABEL = ["Order status", "Return", "Damaged item", "Billing", "Address change", "Product question"]

_PRODUCTS = [
    # name, sku, price DKK, vendor, requires shipping
    ("Uldsokker 3-pak", "SOCK-W3", 149.0, "Nordisk Uld", True),
    ("Merino hue", "HAT-MER", 249.0, "Nordisk Uld", True),
    ("Regnjakke Classic", "RAIN-CL", 899.0, "Vejrfast", True),
    ("Regnbukser", "RAIN-PT", 449.0, "Vejrfast", True),
    ("Termokrus 0,5 l", "MUG-05", 179.0, "Hverdag", True),
    ("Madkasse bambus", "LUNCH-B", 129.0, "Hverdag", True),
    ("Strikket plaid", "THROW-K", 599.0, "Hjem & Hygge", True),
    ("Duftlys Skov", "CAND-SK", 99.0, "Hjem & Hygge", True),
    ("Vandreskoe Fjeld", "SHOE-FJ", 1299.0, "Vejrfast", True),
    ("Gavekort 250 kr.", "GIFT-250", 250.0, "Butikken", False),
    ("Cykelhandsker", "GLOVE-C", 199.0, "Vejrfast", True),
    ("Rygsæk 20 l", "BAG-20", 699.0, "Vejrfast", True),
]
_PRODUCT_POP = np.array([0.16, 0.10, 0.07, 0.06, 0.12, 0.10, 0.06, 0.13, 0.04, 0.03, 0.07, 0.06])

_ZENDESK_COLUMNS = [
    "Id", "Requester", "Requester id", "Requester external id", "Requester email",
    "Requester domain", "Submitter", "Assignee", "Group", "Subject", "Tags", "Status", "Priority",
    "Via", "Ticket type", "Created at", "Updated at", "Assigned at", "Organization", "Due date",
    "Initially assigned at", "Solved at", "Resolution time", "Satisfaction Score",
    "Group stations", "Assignee stations", "Reopens", "Replies", "First reply time in minutes",
    "First reply time in minutes within business hours", "First resolution time in minutes",
    "First resolution time in minutes within business hours", "Full resolution time in minutes",
    "Full resolution time in minutes within business hours", "Agent wait time in minutes",
    "Agent wait time in minutes within business hours", "Requester wait time in minutes",
    "Requester wait time in minutes within business hours", "On hold time in minutes",
    "On hold time in minutes within business hours", "Contact reason [list]",
]

_QUALTRICS_META = [
    ("StartDate", "Start Date", '{"ImportId":"startDate","timeZone":"Europe/Copenhagen"}'),
    ("EndDate", "End Date", '{"ImportId":"endDate","timeZone":"Europe/Copenhagen"}'),
    ("Status", "Response Type", '{"ImportId":"status"}'),
    ("IPAddress", "IP Address", '{"ImportId":"ipAddress"}'),
    ("Progress", "Progress", '{"ImportId":"progress"}'),
    ("Duration (in seconds)", "Duration (in seconds)", '{"ImportId":"duration"}'),
    ("Finished", "Finished", '{"ImportId":"finished"}'),
    ("RecordedDate", "Recorded Date", '{"ImportId":"recordedDate","timeZone":"Europe/Copenhagen"}'),
    ("ResponseId", "Response ID", '{"ImportId":"_recordId"}'),
    ("RecipientLastName", "Recipient Last Name", '{"ImportId":"recipientLastName"}'),
    ("RecipientFirstName", "Recipient First Name", '{"ImportId":"recipientFirstName"}'),
    ("RecipientEmail", "Recipient Email", '{"ImportId":"recipientEmail"}'),
    ("ExternalReference", "External Data Reference", '{"ImportId":"externalDataReference"}'),
    ("LocationLatitude", "Location Latitude", '{"ImportId":"locationLatitude"}'),
    ("LocationLongitude", "Location Longitude", '{"ImportId":"locationLongitude"}'),
    ("DistributionChannel", "Distribution Channel", '{"ImportId":"distributionChannel"}'),
    ("UserLanguage", "User Language", '{"ImportId":"userLanguage"}'),
]
_QUALTRICS_QUESTIONS = [
    ("Q1", "How satisfied were you with the support you received?", '{"ImportId":"QID1"}'),
    ("Q2", "How likely are you to recommend us to a friend or colleague?", '{"ImportId":"QID2"}'),
    ("Q3", "The company made it easy for me to handle my issue.", '{"ImportId":"QID3"}'),
    ("Q4", "Compared with what you expected, the service you received was...", '{"ImportId":"QID4"}'),
    ("Q5", "How many people have you told about this experience?", '{"ImportId":"QID5"}'),
    ("Q6", "Did you advise anyone not to buy from us?", '{"ImportId":"QID6"}'),
    ("Q7", "Is there anything else you would like to tell us?", '{"ImportId":"QID7_TEXT"}'),
    ("ticket_id", "ticket_id", '{"ImportId":"ticket_id"}'),
]
Q1_LABELS = np.array(["Extremely dissatisfied", "Somewhat dissatisfied",
                      "Neither satisfied nor dissatisfied", "Somewhat satisfied",
                      "Extremely satisfied"], dtype=object)
Q3_LABELS = np.array(["Strongly disagree", "Somewhat disagree", "Neither agree nor disagree",
                      "Somewhat agree", "Strongly agree"], dtype=object)
Q4_LABELS = np.array(["Much worse than expected", "Worse than expected", "About what I expected",
                      "Better than expected", "Much better than expected"], dtype=object)
Q5_BINS = np.array(["0", "1-5", "6-10", "11-20", "More than 20"], dtype=object)

# Survey comments. The Qualtrics survey is answered in seven languages (``UserLanguage``); every
# comment template carries the set of reasons (csanalysis.text.REASONS) a reader would tag it with:
# the planted reasons, written as customers write, not in the tagger's vocabulary. Per language:
# ``rude`` (bad answers, always with "rudeness"), ``bad`` (other bad answers: single and mixed
# reasons, negated rudeness, no reason at all), ``mid`` and ``good``.
_R, _W, _REP, _NR, _WI = "rudeness", "waiting", "repeat", "not_resolved", "wrong_information"
_DEL, _PQ, _BILL, _PRICE, _SELF = "delivery", "product_quality", "billing", "price", "self_service"

#: Qualtrics UserLanguage code -> the tagger's language code, and each code's share of the responses.
USER_LANGUAGES: dict[str, str] = {"EN": "en", "DA": "da", "SV": "sv", "NO": "no", "DE": "de", "RU": "ru",
                                  "PT-BR": "pt"}
USER_LANGUAGE_MIX = (0.22, 0.18, 0.12, 0.12, 0.12, 0.12, 0.12)

#: language -> kind -> [(comment, planted reasons)].
VERBATIM_TEMPLATES: dict[str, dict[str, list[tuple[str, tuple[str, ...]]]]] = {
    "en": {
        "rude": [
            ("Rude on the phone. Won't be back.", (_R,)),
            ("The woman I spoke to was rude and talked down to me.", (_R,)),
            ("Waited 40 minutes on hold and then the agent was condescending and hung up on me.", (_R, _W)),
            ("Your agent was arrogant, treated me like an idiot, and I'm still waiting for my money back.",
             (_R, _BILL)),
        ],
        "bad": [
            ("Nobody answered my e-mails for a week.", (_W,)),
            ("I had to explain the problem three times, to three different people.", (_REP,)),
            ("The parcel was lost and I had to chase you, not the other way round.", (_DEL,)),
            ("The agent closed the ticket\nbut nothing was fixed.", (_NR,)),
            ("Staff were not rude at all, but the blender broke after two weeks.", (_PQ,)),
            ("You told me the jacket would be back in stock on Monday. It wasn't.", (_WI,)),
            ("I was charged twice for the same order, \"we're looking into it\" they say.", (_BILL,)),
            ("Way too expensive for what you get.", (_PRICE,)),
            ("Couldn't log in to the website to return the item, the password reset never arrives.", (_SELF,)),
            ("Late delivery and nobody picked up the phone.", (_DEL, _W)),
            ("Very disappointed.", ()),
        ],
        "mid": [("OK.", ()), ("Fine", ()), ("Solved in the end.", ()),
                ("Friendly, but the delivery was a day late.", (_DEL,))],
        "good": [
            ("Quick and friendly, thank you!", ()),
            ("Sara sorted it out in five minutes.", ()),
            ("Great service, better than expected.", ()),
            ("Helpful, polite, fast.\nThanks, again!", ()),
            ("No waiting at all, and nobody was rude - thanks!", ()),
        ],
    },
    "da": {
        "rude": [
            ("Medarbejderen var uhøflig og talte ned til mig.", (_R,)),
            ("Han var arrogant og lagde bare på midt i samtalen.", (_R,)),
            ("Ventede en time i telefonkø, og så var hun direkte uforskammet.", (_R, _W)),
        ],
        "bad": [
            ("Pakken kom for sent; ingen svarede på mine mails", (_DEL, _W)),
            ("Dårlig service", ()),
            ("Jeg måtte ringe tre gange og forklare det hele forfra hver gang.", (_REP,)),
            ("Sagen blev lukket, men problemet er ikke løst.", (_NR,)),
            ("Hun var ikke uhøflig, men kaffemaskinen gik i stykker efter en uge.", (_PQ,)),
            ("I lovede, at varen var på lager. Det var den ikke.", (_WI,)),
            ("Jeg er blevet trukket to gange for den samme ordre.", (_BILL,)),
            ("Alt for dyrt, og fragten koster næsten lige så meget som varen.", (_PRICE,)),
            ("Jeg kan ikke logge ind på jeres hjemmeside, og nulstilling af kodeord virker ikke.", (_SELF,)),
            ("Meget skuffet.", ()),
        ],
        "mid": [("Det var ok.", ()), ("Fint nok", ()), ("Helt okay, ikke noget særligt.", ())],
        "good": [
            ("Hurtig og venlig betjening", ()),
            ("Super god service, tak!", ()),
            ("Alt gik glat", ()),
            ("Ingen ventetid, og meget venlige folk. Tak!", ()),
        ],
    },
    "sv": {
        "rude": [
            ("Personalen var otrevlig och nedlåtande.", (_R,)),
            ("Killen i telefon var oförskämd och lade på mitt i samtalet.", (_R,)),
            ("Fick vänta i 50 minuter och blev sedan dessutom otrevligt bemött.", (_R, _W)),
        ],
        "bad": [
            ("Ingen har svarat på mina mejl på över en vecka.", (_W,)),
            ("Jag fick förklara samma sak för fyra olika personer.", (_REP,)),
            ("Paketet kom aldrig fram.", (_DEL,)),
            ("Ärendet stängdes\nutan att problemet löstes.", (_NR,)),
            ("De var inte otrevliga alls, men skorna gick sönder efter en månad.", (_PQ,)),
            ("Kundtjänst gav mig fel information om garantin.", (_WI,)),
            ("Ni har dragit pengarna två gånger och jag har fortfarande inte fått tillbaka dem.", (_BILL,)),
            ("Alldeles för dyrt.", (_PRICE,)),
            ("Appen kraschar varje gång jag försöker logga in.", (_SELF,)),
            ("Besviken.", ()),
        ],
        "mid": [("Okej.", ()), ("Det fungerade.", ())],
        "good": [
            ("Snabb och trevlig hjälp.\nTack!", ()),
            ("Mycket nöjd med bemötandet.", ()),
            ("Smidigt och enkelt.", ()),
            ("Inget krångel alls, tack så mycket!", ()),
        ],
    },
    "no": {
        "rude": [
            ("Kundebehandleren var frekk og uhøflig.", (_R,)),
            ("Jeg ble snakket ned til og ledd av i telefonen.", (_R,)),
            ("Måtte vente i telefonkø i en time, og så ble jeg møtt med en arrogant holdning.", (_R, _W)),
        ],
        "bad": [
            ("Ingen svarte på e-postene mine på ti dager.", (_W,)),
            ("Måtte forklare alt på nytt hver gang jeg ringte.", (_REP,)),
            ("Pakken ble borte på veien.", (_DEL,)),
            ("Saken ble lukket,\nmen problemet er fortsatt ikke løst.", (_NR,)),
            ("Ingen var uhøflige, men støvsugeren sluttet å virke etter to uker.", (_PQ,)),
            ("Dere lovet at varen var på lager. Det var den ikke.", (_WI,)),
            ("Jeg har blitt belastet to ganger for samme bestilling.", (_BILL,)),
            ("Altfor dyrt, og frakten er helt vill.", (_PRICE,)),
            ("Nettsiden er umulig å bruke, jeg fikk ikke logget inn.", (_SELF,)),
            ("Skuffende.", ()),
        ],
        "mid": [("Greit nok.", ()), ("Helt ok.", ())],
        "good": [
            ("Rask og hyggelig hjelp, takk!", ()),
            ("Veldig fornøyd.", ()),
            ("Alt ordnet seg på fem minutter.", ()),
            ("Ingen ventetid i det hele tatt, tusen takk!", ()),
        ],
    },
    "de": {
        "rude": [
            ("Der Mitarbeiter war unfreundlich und herablassend.", (_R,)),
            ("Am Telefon wurde ich angeschrien und dann einfach aufgelegt.", (_R,)),
            ("Eine Stunde in der Warteschleife und dann noch eine patzige Antwort.", (_R, _W)),
        ],
        "bad": [
            ("Seit einer Woche keine Antwort auf meine E-Mails.", (_W,)),
            ("Ich musste mein Problem dreimal neu erklären.", (_REP,)),
            ("Das Paket ist nie angekommen.", (_DEL,)),
            ("Ticket geschlossen.\nProblem nicht gelöst.", (_NR,)),
            ("Niemand war unfreundlich, aber der Wasserkocher ist nach zwei Wochen kaputt gegangen.", (_PQ,)),
            ("Man hat mir eine falsche Auskunft zur Garantie gegeben.", (_WI,)),
            ("Mir wurde der Betrag doppelt abgebucht, die Erstattung fehlt immer noch.", (_BILL,)),
            ("Viel zu teuer, und die Versandkosten sind eine Frechheit.", (_PRICE,)),
            ("Die Webseite hängt ständig, ich konnte mein Passwort nicht zurücksetzen.", (_SELF,)),
            ("Sehr enttäuscht.", ()),
        ],
        "mid": [("Ganz ok.", ()), ("In Ordnung.", ())],
        "good": [
            ("Schnell und freundlich.\nDanke!", ()),
            ("Super Service, sehr zufrieden.", ()),
            ("Alles problemlos geklappt.", ()),
            ("Keine Wartezeit und sehr nett, danke!", ()),
        ],
    },
    "ru": {
        "rude": [
            ("Оператор был груб и разговаривал со мной свысока.", (_R,)),
            ("Мне нахамили по телефону и бросили трубку.", (_R,)),
            ("Сорок минут ждал ответа на линии, а потом ещё и нагрубили.", (_R, _W)),
        ],
        "bad": [
            ("Неделю никто не отвечал на мои письма.", (_W,)),
            ("Пришлось три раза объяснять одно и то же разным сотрудникам.", (_REP,)),
            ("Посылка так и не пришла.", (_DEL,)),
            ("Заявку закрыли,\nа проблему так и не решили.", (_NR,)),
            ("Никто не грубил, но чайник сломался через две недели.", (_PQ,)),
            ("Мне дали неверную информацию о гарантии.", (_WI,)),
            ("С карты списали деньги дважды, возврата до сих пор нет.", (_BILL,)),
            ("Слишком дорого, цены кусаются.", (_PRICE,)),
            ("Не могу войти в личный кабинет на сайте, сброс пароля не работает.", (_SELF,)),
            ("Очень разочарован.", ()),
        ],
        "mid": [("Нормально.", ()), ("В целом неплохо.", ())],
        "good": [
            ("Быстро и вежливо, спасибо!", ()),
            ("Отличный сервис, всё решили за пять минут.", ()),
            ("Всё прошло гладко.", ()),
            ("Ждать совсем не пришлось, спасибо!", ()),
        ],
    },
    "pt": {
        "rude": [
            ("O atendente foi grosso e me tratou com desprezo.", (_R,)),
            ("A atendente foi mal-educada e desligou na minha cara.", (_R,)),
            ("Esperei uma hora na linha e ainda fui tratado com arrogância.", (_R, _W)),
        ],
        "bad": [
            ("Ninguém respondeu meus e-mails durante uma semana.", (_W,)),
            ("Tive que explicar o problema três vezes para pessoas diferentes.", (_REP,)),
            ("O pacote nunca chegou.", (_DEL,)),
            ("Fecharam o chamado\nsem resolver nada.", (_NR,)),
            ("Ninguém foi grosseiro, mas o liquidificador quebrou em duas semanas.", (_PQ,)),
            ("Me passaram informação errada sobre a garantia.", (_WI,)),
            ("Fui cobrado duas vezes e o reembolso ainda não caiu.", (_BILL,)),
            ("Caro demais pelo que é.", (_PRICE,)),
            ("O site não funciona, não consigo entrar na minha conta.", (_SELF,)),
            ("Muito decepcionado.", ()),
        ],
        "mid": [("Ok.", ()), ("Razoável.", ())],
        "good": [
            ("Atendimento rápido e simpático, obrigado!", ()),
            ("Resolveram tudo em cinco minutos.", ()),
            ("Muito satisfeita, recomendo.", ()),
            ("Sem espera nenhuma, ótimo atendimento!", ()),
        ],
    },
}

#: Sizes of the comment lists the survey generators drew from before issue 15 (six bad, five good and
#: three neutral English comments; three bad and three good Danish ones). Their draws are kept, so
#: every other column is the same; the comments themselves now come from a separate generator.
_LEGACY_QUALTRICS_DRAWS = (6, 5, 3)
_LEGACY_DANISH_DRAWS = (3, 3)
#: Planted disrespect effect: a bad Qualtrics answer gets a rude comment with this probability when the
#: customer makes no purchase within 365 days after the ticket was solved, and with the other one when
#: the customer does (so a rude bad experience goes with fewer repeat purchases than another one).
P_RUDE_NO_REPEAT = 0.50
P_RUDE_REPEAT = 0.28
#: The Danish survey's bad comments are rude with this probability (no link to purchases: the export
#: has no response id, so those comments cannot enter no_return_after_disrespect).
P_RUDE_DANISH = 0.30
#: Seed suffix of the separate generator of the comments and languages: ``default_rng([seed, 15])``.
VERBATIM_STREAM = 15

#: Planted agent effects (issue 14): each agent's bad-rating share relative to the ordinary agents
#: (those not listed, multiplier 1). Rated tickets are re-assigned with their own generator (see
#: :data:`AGENT_STREAM`), given the rating, so that within each ``Via`` an agent's bad share is the
#: channel's bad share times the agent's multiplier over the mean multiplier; every agent keeps an equal
#: expected workload in every channel. Unrated tickets keep the uniform assignment.
AGENT_BAD_MULTIPLIER: dict[str, float] = {"Jonas P.": 2.0, "Maja T.": 2.0, "Sara L.": 1.0 / 3.0}
#: Seed suffix of the separate generator of the rated tickets' assignees: ``default_rng([seed, 14])``.
AGENT_STREAM = 14

_SHOPIFY_COLUMNS = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
    "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City", "Shipping Zip",
    "Shipping Province", "Shipping Country", "Shipping Phone", "Notes", "Note Attributes",
    "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor",
    "Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level",
    "Source", "Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value",
    "Tax 3 Name", "Tax 3 Value", "Tax 4 Name", "Tax 4 Value", "Tax 5 Name", "Tax 5 Value",
    "Phone", "Receipt Number", "Duties", "Billing Province Name", "Shipping Province Name",
    "Payment ID", "Payment Terms Name", "Next Payment Due At", "Payment References",
]
#: Shopify columns repeated on every line-item row; all others are filled on the first row only.
SHOPIFY_LINE_COLUMNS = (
    "Name", "Email", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
    "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable",
    "Lineitem fulfillment status", "Vendor", "Lineitem discount",
)

DANISH_COLUMNS = [
    "Tidsstempel",
    "E-mailadresse",
    "Hvor tilfreds var du med vores kundeservice?",
    "Hvor sandsynligt er det, at du vil anbefale os til en ven eller kollega?",
    "Hvor mange personer har du fortalt om din oplevelse?",
    "Har du frarådet andre at købe hos os?",
    "Beløb",
    "Kommentar",
]
DA_CSAT = np.array(["Meget utilfreds", "Utilfreds", "Hverken tilfreds eller utilfreds",
                    "Tilfreds", "Meget tilfreds"], dtype=object)
SNAPSHOT_COLUMNS = [
    "Customer ID", "Email", "Gender", "Age", "Tenure in Months", "Number of Referrals",
    "Satisfaction Score", "Complain", "Churn Label", "Churn Value", "Churn Category",
    "Churn Reason",
]
_CHURN_REASONS = {
    "Attitude": ["Attitude of support person", "Attitude of service provider"],
    "Dissatisfaction": ["Product dissatisfaction", "Service dissatisfaction",
                        "Poor expertise of online support"],
    "Competitor": ["Competitor made better offer", "Competitor offered more data"],
    "Price": ["Price too high"],
    "Other": ["Moved", "Don't know"],
}

# --------------------------------------------------------------------------
# Time helpers. Simulation time is float days since 1970-01-01 on the local
# (Europe/Copenhagen) wall clock; exports use int64 seconds on the same clock.
# --------------------------------------------------------------------------


#: Every comment template as ``(language, kind, text, planted reasons)``; a template's id is its row.
TEMPLATE_ROWS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = tuple(
    (lg, kind, text, planted) for lg, kinds in VERBATIM_TEMPLATES.items()
    for kind, rows in kinds.items() for text, planted in rows)


def planted_reasons(text: str, language: str) -> tuple[str, ...] | None:
    """The reasons planted in a sample comment (``None`` for a text that is no template of ``language``).

    Examples
    --------
    >>> planted_reasons("Nobody answered my e-mails for a week.", "en")
    ('waiting',)
    """
    return _PLANTED.get((language, text))


_PLANTED = {(lg, text): planted for lg, _, text, planted in TEMPLATE_ROWS}


def _pick_comments(vrng: np.random.Generator, lang: np.ndarray, kind: np.ndarray,
                   has: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A template per row of ``has`` (uniform within the row's language and kind): texts ('' where not
    ``has``) and template ids (-1)."""
    k = len(lang)
    pick = vrng.random(k)
    template = np.full(k, -1, dtype=np.int64)
    ids = pd.DataFrame(TEMPLATE_ROWS, columns=["lang", "kind", "text", "planted"])
    for (lg, kd), grp in ids.groupby(["lang", "kind"], sort=True):  # 7 languages x 4 kinds
        m = has & (lang == lg) & (kind == kd)
        rows = grp.index.to_numpy()
        template[m] = rows[np.minimum((pick[m] * rows.size).astype(np.int64), rows.size - 1)]
    texts = np.array([t[2] for t in TEMPLATE_ROWS] + [""], dtype=object)
    return texts[template], template


def _reason_counts(lang: np.ndarray, template: np.ndarray) -> dict:
    """Per language: comments written, and how many carry each planted reason (and none)."""
    out = {}
    for lg in USER_LANGUAGES.values():  # seven languages
        t = template[(lang == lg) & (template >= 0)]
        if not t.size:
            continue
        counts = {r: 0 for r in (_R, _W, _REP, _NR, _WI, _DEL, _PQ, _BILL, _PRICE, _SELF)}
        none = 0
        for i, n in zip(*np.unique(t, return_counts=True)):  # a few dozen templates
            planted = TEMPLATE_ROWS[i][3]
            none += int(n) if not planted else 0
            for r in planted:
                counts[r] += int(n)
        out[lg] = {"comments": int(t.size), "planted_reasons": counts, "no_reason": none}
    return out


def _days(date: str) -> float:
    return float((np.datetime64(date, "s") - np.datetime64("1970-01-01", "s")).astype(np.int64)) / DAY


def _last_sunday(year: int, month: int) -> _dt.date:
    d = _dt.date(year, month, 31)
    return d - _dt.timedelta(days=(d.weekday() + 1) % 7)


def _dst_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local wall-clock seconds of the EU DST switches, 1980-2100 (a loop over years)."""
    years = np.arange(1980, 2101)
    start = np.array([(_last_sunday(y, 3) - _dt.date(1970, 1, 1)).days * DAY + 2 * 3600 for y in years])
    end = np.array([(_last_sunday(y, 10) - _dt.date(1970, 1, 1)).days * DAY + 3 * 3600 for y in years])
    return years, start.astype(np.int64), end.astype(np.int64)


_DST_YEARS, _DST_START, _DST_END = _dst_table()


def _to_seconds(days: np.ndarray) -> np.ndarray:
    """Float days -> int64 wall-clock seconds, moving times that do not exist
    (the spring-forward hour) one hour later, as Zendesk/Shopify would show them."""
    sec = np.round(np.asarray(days, dtype="float64") * DAY).astype(np.int64)
    i = np.searchsorted(_DST_START, sec, side="right") - 1
    gap = (i >= 0) & (sec - _DST_START[np.clip(i, 0, None)] < 3600)
    return sec + 3600 * gap


def _offset(sec: np.ndarray) -> np.ndarray:
    """'+0200' in summer time, '+0100' otherwise (the repeated autumn hour counts as summer)."""
    i = np.clip(np.searchsorted(_DST_START, sec, side="right") - 1, 0, None)
    dst = (sec >= _DST_START[i]) & (sec < _DST_END[i])
    return np.where(dst, "+0200", "+0100").astype(object)


def _iso(sec: np.ndarray) -> pd.Series:
    """'YYYY-MM-DD HH:MM:SS' (missing -> '')."""
    sec = np.asarray(sec, dtype=np.int64)
    s = pd.Series(np.datetime_as_string(sec.astype("datetime64[s]"), unit="s"), dtype="str")
    s = s.str.replace("T", " ", regex=False)
    return s.where(sec != NAT, "")


def _money(x: np.ndarray) -> pd.Series:
    """Amounts as '1234.50' (no thousands separator)."""
    cents = np.round(np.asarray(x, dtype="float64") * 100).astype(np.int64)
    neg = cents < 0
    cents = np.abs(cents)
    s = pd.Series(cents // 100).astype("str") + "." + pd.Series(cents % 100).astype("str").str.zfill(2)
    return s.where(~neg, "-" + s)


def _money_da(x: np.ndarray) -> pd.Series:
    """Danish amounts: '1.234,50' (thousands '.', decimal ',')."""
    cents = np.round(np.clip(np.asarray(x, dtype="float64"), 0, 999_999.99) * 100).astype(np.int64)
    units = cents // 100
    th, rest = units // 1000, units % 1000
    tail = pd.Series(rest).astype("str")
    with_th = pd.Series(th).astype("str") + "." + tail.str.zfill(3)
    s = with_th.where(th > 0, tail)
    return s + "," + pd.Series(cents % 100).astype("str").str.zfill(2)


def _istr(x: np.ndarray, mask: np.ndarray | None = None) -> pd.Series:
    """Integers as strings; '' where mask is False."""
    s = pd.Series(np.asarray(x, dtype=np.int64)).astype("str")
    return s if mask is None else s.where(np.asarray(mask, dtype=bool), "")


def _daytime(x: np.ndarray, rng: np.random.Generator, lo: float = 8.0, hi: float = 23.0) -> np.ndarray:
    """Move each time to a plausible hour of day (between lo and hi), never earlier."""
    d = np.floor(x)
    y = d + (lo + (hi - lo) * rng.beta(2.0, 2.0, size=x.shape)) / 24.0
    return np.where(y < x, y + 1.0, y)


def _draw_cat(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per row from ``probs[rows]`` (categories 0..k-1), vectorised."""
    cum = np.cumsum(probs, axis=1)[rows]
    u = rng.random(len(rows))
    return (u[:, None] > cum[:, :-1]).sum(axis=1)


def _told(rng: np.random.Generator, band: np.ndarray) -> np.ndarray:
    """Exact number of people told, by CSAT band (0 dissatisfied, 1 neutral, 2 satisfied)."""
    out = np.zeros(len(band), dtype=np.int64)
    for b, key in enumerate(("dissatisfied", "neutral", "satisfied")):
        m = band == b
        mean, r = WOM_NB[key]
        out[m] = rng.negative_binomial(r, r / (r + mean), size=int(m.sum()))
    return out


def _warned(rng: np.random.Generator, band: np.ndarray, told: np.ndarray) -> np.ndarray:
    p = np.zeros(len(band))
    for b, key in enumerate(("dissatisfied", "neutral", "satisfied")):
        mean, r = WOM_NB[key]
        p_told = 1.0 - (r / (r + mean)) ** r
        p[band == b] = P_WARN[key] / p_told
    return (told > 0) & (rng.random(len(band)) < p)


def _band(csat: np.ndarray) -> np.ndarray:
    return np.where(csat <= 2, 0, np.where(csat == 3, 1, 2))


# --------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """Activity rates of the simulated world (the defaults give the bundled sample).

    Parameters
    ----------
    purchase_rate : float, default 1.0
        Divides every customer's mean gap between purchases (2.0 = twice as
        many purchases per year).
    ticket_rate : float, default 1.0
        Multiplies every customer's chance of a ticket after a purchase
        (capped at 1).
    survey_rate : float, default 1.0
        Multiplies the chance of a Qualtrics response after a solved
        customer-initiated ticket.
    extra_lines : float, default 0.3
        Poisson mean of the line items beyond the first in each order
        (capped at 6 lines).
    """

    purchase_rate: float = 1.0
    ticket_rate: float = 1.0
    survey_rate: float = 1.0
    extra_lines: float = 0.3

    def __post_init__(self) -> None:
        for name in ("purchase_rate", "ticket_rate", "survey_rate"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and np.isfinite(v) and v > 0):
                raise ValueError(f"Rates.{name} must be a positive number, got {v!r}.")
        if not (isinstance(self.extra_lines, (int, float)) and 0 <= self.extra_lines <= 5):
            raise ValueError(f"Rates.extra_lines must be a number between 0 and 5, got {self.extra_lines!r}.")
        if self.survey_rate * P_SURVEY > 1:
            raise ValueError(f"Rates.survey_rate must be at most {1 / P_SURVEY:.2f} (a probability), "
                             f"got {self.survey_rate!r}.")


#: Rates for benchmarks at scale: per customer about 3 tickets, 10 order lines and
#: 0.5 survey responses by as_of (1M customers: ~3M tickets, ~10M lines, ~0.5M responses).
BENCHMARK_RATES = Rates(purchase_rate=1.7, ticket_rate=2.3, survey_rate=1.0,
                        extra_lines=1.3)


@dataclass
class _World:
    n: int
    # customers
    first: np.ndarray
    mean_gap: np.ndarray
    q: np.ndarray
    stop_time: np.ndarray  # days; inf if still active at the horizon
    stop_reason: np.ndarray  # 0 active, 1 avoidance, 2 quiet lapse
    # purchases (full future)
    p_cust: np.ndarray
    p_time: np.ndarray
    # tickets (full future)
    tk: dict
    # surveys (full future)
    sv: dict


def _make_tickets(rng, cust, created, via, probs, p_answer=None, legacy_cut=0.0):
    k = len(cust)
    if probs.ndim == 1:
        s = 1 + _draw_cat(rng, probs[None, :], np.zeros(k, dtype=np.int64))
    else:
        s = 1 + _draw_cat(rng, probs, via)
    bad = s <= 2
    fr_med = np.array([240.0, 200.0, 2.0, 0.5, 300.0, 0.0, 180.0])[via]
    fr = np.where(fr_med > 0, fr_med * rng.lognormal(0.0, 0.9, k), 0.0) * np.where(bad, 2.5, 1.0)
    res_med = np.array([900.0, 800.0, 25.0, 12.0, 1000.0, 600.0, 700.0])[via]
    res = fr + res_med * rng.lognormal(0.0, 1.0, k) * np.where(bad, 3.0, 1.0) + 1.0
    solved = created + res / 1440.0
    offered = rng.random(k) < P_OFFERED
    if p_answer is None:
        p_answer = np.where(bad, P_ANSWER_BAD, P_ANSWER_OTHER)
    answered = offered & (rng.random(k) < p_answer)
    legacy = solved < legacy_cut
    coin = rng.random(k) < 0.5
    neutral = s == 3
    rbad = answered & (bad | (legacy & neutral & coin))
    rgood = answered & ((s >= 4) | (legacy & neutral & ~coin))
    e = np.clip(s + rng.choice(np.array([-1, 0, 1]), size=k, p=[0.2, 0.6, 0.2]), 1, 5)
    return {
        "cust": cust, "created": created, "solved": solved, "via": via, "s": s,
        "fr": fr, "res": res, "offered": offered, "answered": answered, "legacy": legacy,
        "rbad": rbad, "rgood": rgood, "e": e,
        "reopens": rng.poisson(np.where(bad, 0.7, 0.08)),
        "stations": 1 + rng.poisson(np.where(bad, 0.9, 0.15)),
    }


def _cat(parts: list[dict], keys) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) if parts else np.array([]) for k in keys}


def _simulate(rng: np.random.Generator, n: int, t_start: float, t_asof: float, horizon: float,
              rates: Rates | None = None) -> _World:
    rates = Rates() if rates is None else rates
    first = _daytime(t_start + rng.uniform(0.0, (t_asof - 45.0) - t_start, n), rng)
    mean_gap = np.clip(np.exp(rng.normal(np.log(GAP_MEDIAN), 0.6, n)), 30.0, 600.0)
    long_cycle = rng.random(n) < LONG_CYCLE_SHARE
    mean_gap[long_cycle] = rng.uniform(450.0, 1000.0, int(long_cycle.sum()))
    mean_gap = mean_gap / rates.purchase_rate  # exact no-op at the default 1.0
    q = np.clip(rng.beta(2.0, 9.0, n), 0.03, None)
    p_ticket = np.minimum(rng.beta(2.0, 4.0, n) * rates.ticket_rate, 1.0)
    p_survey = P_SURVEY * rates.survey_rate
    n_main = len(VIA_MAIN)
    pref = rng.choice(n_main, size=n, p=VIA_MIX)
    loyal = rng.random(n) < 0.6
    legacy_cut = _days(LEGACY_CSAT_BEFORE)

    had_bad = np.zeros(n, dtype=bool)
    qmult = np.ones(n)
    stop_time = np.full(n, np.inf)
    stop_reason = np.zeros(n, dtype=np.int8)

    purchases_c, purchases_t = [], []
    tickets: list[dict] = []
    surveys: list[dict] = []
    pid0 = 0
    tid0 = 0

    act = np.arange(n)
    t = first.copy()
    while act.size:
        m = act.size
        pids = pid0 + np.arange(m)
        pid0 += m
        purchases_c.append(act)
        purchases_t.append(t)
        last = t.copy()
        avoid = np.zeros(m, dtype=bool)

        sel = np.flatnonzero(rng.random(m) < p_ticket[act])
        if sel.size:
            c = act[sel]
            k = sel.size
            via = np.where(loyal[c] & (rng.random(k) < 0.7), pref[c], rng.choice(n_main, size=k, p=VIA_MIX))
            created = _daytime(t[sel] + 0.02 + np.minimum(rng.exponential(2.5, k), 14.0), rng, 7.0, 22.0)
            tk = _make_tickets(rng, c, created, via, SCORE_PROBS, legacy_cut=legacy_cut)
            tk["purchase"] = pids[sel]
            tk["topic"] = rng.choice(len(_TOPICS), size=k, p=[x[3] for x in _TOPICS])
            tk["followup"] = np.zeros(k, dtype=bool)
            tk["tid"] = tid0 + np.arange(k)
            tid0 += k
            tickets.append(tk)
            last[sel] = np.maximum(last[sel], tk["solved"])

            # post-ticket Qualtrics survey (customer-initiated tickets only)
            sv_m = (via != I_OUTBOUND) & (rng.random(k) < p_survey)
            if sv_m.any():
                j = np.flatnonzero(sv_m)
                rec = _daytime(tk["solved"][j] + 0.01 + rng.exponential(1.0, j.size), rng, 7.0, 23.0)
                surveys.append({"tid": tk["tid"][j], "cust": c[j], "recorded": rec,
                                "s": tk["s"][j], "e": tk["e"][j]})
                last[sel[j]] = np.maximum(last[sel[j]], rec)

            # first bad rating: service recovery, then the avoidance decision
            fb = tk["rbad"] & ~had_bad[c]
            if fb.any():
                fi = np.flatnonzero(fb)
                had_bad[c[fi]] = True
                recovered = np.zeros(fi.size, dtype=bool)
                att = rng.random(fi.size) < P_RECOVERY_ATTEMPT
                if att.any():
                    ai = fi[att]
                    fcreated = _daytime(tk["solved"][ai] + rng.uniform(0.05, 7.0, ai.size), rng, 8.0, 18.0)
                    fvia = np.where(rng.random(ai.size) < 0.6, I_OUTBOUND, I_CLOSED)
                    fu = _make_tickets(rng, c[ai], fcreated, fvia, RECOVERY_PROBS,
                                       p_answer=P_ANSWER_FOLLOWUP, legacy_cut=legacy_cut)
                    fu["purchase"] = tk["purchase"][ai]
                    fu["topic"] = tk["topic"][ai]
                    fu["followup"] = np.ones(ai.size, dtype=bool)
                    fu["tid"] = tid0 + np.arange(ai.size)
                    tid0 += ai.size
                    tickets.append(fu)
                    recovered[att] = fu["rgood"]
                    last[sel[ai]] = np.maximum(last[sel[ai]], fu["solved"])
                p_av = np.where(recovered, P_AVOID_RECOVERED, P_AVOID_UNRECOVERED)
                avoid[sel[fi]] = rng.random(fi.size) < p_av
            qmult[c] = EXPECTATION_LAPSE_MULT[tk["e"] - 1]

        lapse = rng.random(m) < np.minimum(q[act] * qmult[act], 0.95)
        stop = avoid | lapse
        gap = rng.gamma(2.0, mean_gap[act] / 2.0)
        t_next = _daytime(np.maximum(t + np.maximum(gap, 3.0), last + 0.25), rng)
        stop_time[act[stop]] = last[stop]
        stop_reason[act[stop]] = np.where(avoid[stop], 1, 2)
        keep = ~stop & (t_next < horizon)
        act = act[keep]
        t = t_next[keep]

    tk_keys = ["cust", "created", "solved", "via", "s", "fr", "res", "offered", "answered",
               "legacy", "rbad", "rgood", "e", "reopens", "stations", "purchase", "topic",
               "followup", "tid"]
    tk_all = _cat(tickets, tk_keys)
    order = np.argsort(tk_all["tid"], kind="stable")
    tk_all = {k: v[order] for k, v in tk_all.items()}
    sv_all = _cat(surveys, ["tid", "cust", "recorded", "s", "e"])
    p_cust = np.concatenate(purchases_c)
    p_time = np.concatenate(purchases_t)
    return _World(n, first, mean_gap, q, stop_time, stop_reason, p_cust, p_time, tk_all, sv_all)


# --------------------------------------------------------------------------
# Export writers
# --------------------------------------------------------------------------


def _people(rng: np.random.Generator, n: int, id_block: int = 0) -> dict:
    fi = rng.integers(0, len(_FIRST), n)
    li = rng.integers(0, len(_LAST), n)
    first = np.array([f for f, _ in _FIRST], dtype=object)[fi]
    gender = np.array(["Female" if g == "F" else "Male" for _, g in _FIRST], dtype=object)[fi]
    last = np.array(_LAST, dtype=object)[li]

    def ascii_(a):
        return (pd.Series(a, dtype="str").str.lower().str.replace("ø", "oe", regex=False)
                .str.replace("æ", "ae", regex=False).str.replace("å", "aa", regex=False))

    num = rng.permutation(n) + 1 + rng.integers(0, 9, n) * n + id_block * ID_BLOCK
    dom = np.array(_DOMAINS, dtype=object)[rng.choice(3, size=n, p=[0.6, 0.25, 0.15])]
    email = ascii_(first) + "." + ascii_(last) + pd.Series(num).astype("str") + "@" + pd.Series(dom, dtype="str")
    requester_id = 360_000_000_000 + rng.choice(9_000_000_000_000, size=n, replace=False) + id_block * 10**13
    org = np.where(rng.random(n) < 0.06, np.array(_ORGS, dtype=object)[rng.integers(0, len(_ORGS), n)], "")
    eur = rng.random(n) < 0.08
    city_i = rng.integers(0, len(_CITIES), n)
    city_de = rng.integers(0, len(_CITIES_DE), n)
    city = np.where(eur, np.array([c for c, _ in _CITIES_DE], dtype=object)[city_de],
                    np.array([c for c, _ in _CITIES], dtype=object)[city_i])
    zipc = np.where(eur, np.array([z for _, z in _CITIES_DE], dtype=object)[city_de],
                    np.array([z for _, z in _CITIES], dtype=object)[city_i])
    street = "Eksempelvej " + pd.Series(rng.integers(1, 120, n)).astype("str")
    return {
        "first": first, "last": last, "name": (pd.Series(first, dtype="str") + " " + pd.Series(last, dtype="str")).to_numpy(object),
        "gender": gender, "email": email.to_numpy(object),
        "domain": dom, "requester_id": pd.Series(requester_id).astype("str").to_numpy(object),
        "org": org, "eur": eur, "city": city, "zip": zipc, "street": street.to_numpy(object),
        "accepts_marketing": np.where(rng.random(n) < 0.55, "yes", "no").astype(object),
        "age": np.clip(np.round(rng.normal(44, 14, n)), 18, 85).astype(np.int64),
    }


def _write_csv(df: pd.DataFrame, path: Path, **kw) -> None:
    df.to_csv(path, index=False, **kw)


#: The stride between the ids of worlds generated with distinct ``id_block`` (:func:`generate_sample`): ticket
#: Ids, order numbers and the e-mails' numbers of block ``b`` start at ``b * ID_BLOCK`` (requester ids and
#: order ids, already 13-digit numbers, at ``b * 10**13`` and ``b * 10**14``).
ID_BLOCK = 10**9

#: Rows per chunk when writing the big exports (keeps memory flat at 1M customers).
CHUNK_ROWS = 200_000


def _write_chunks(path: Path, n_rows: int, make, chunk: int = CHUNK_ROWS, **kw) -> None:
    """Write ``make(a, b)`` for consecutive blocks of units; same bytes as one write."""
    if n_rows == 0:
        make(0, 0).to_csv(path, index=False, **kw)
        return
    for a in range(0, n_rows, chunk):
        df = make(a, min(a + chunk, n_rows))
        df.to_csv(path, index=False, header=(a == 0), mode="w" if a == 0 else "a", **kw)


def _agent_weights(pi: float) -> tuple[np.ndarray, np.ndarray]:
    """P(agent | rated bad) and P(agent | rated not bad) in a stratum whose bad share is ``pi``.

    With equal workloads and relative multipliers ``rel`` (mean 1), P(bad | agent) = ``pi * rel`` needs
    P(agent | bad) = rel / J and P(agent | not bad) = (1 - pi * rel) / (J (1 - pi)); the latter is cut at 0
    (only in a tiny stratum whose bad share exceeds 1 / max(rel)).
    """
    mult = np.array([AGENT_BAD_MULTIPLIER.get(a, 1.0) for a in _AGENTS], dtype=float)
    rel = mult / mult.mean()
    w_bad = rel / rel.sum()
    w_good = np.clip(1.0 - pi * rel, 0.0, None)
    w_good = w_good / w_good.sum() if w_good.sum() > 0 else np.full(rel.size, 1.0 / rel.size)
    return w_bad, w_good


def _plant_agents(seed: int, agent_i: np.ndarray, rated: np.ndarray, bad: np.ndarray,
                  stratum: np.ndarray) -> np.ndarray:
    """Re-assign the rated tickets given their rating (issue 14), with ``default_rng([seed, AGENT_STREAM])``.

    Within each stratum (the ticket's ``Via``) a rated bad ticket goes to an agent with probability
    proportional to the agent's multiplier, a rated other one so that every agent's expected share of the
    stratum's rated tickets stays 1 / J; unrated tickets keep ``agent_i``. One uniform per ticket is drawn,
    so the stream does not depend on which tickets are rated.
    """
    arng = np.random.default_rng([int(seed), AGENT_STREAM])
    u = arng.random(agent_i.size)
    out = agent_i.copy()
    for v in np.unique(stratum[rated]):
        m = rated & (stratum == v)
        w_bad, w_good = _agent_weights(float(bad[m].mean()))
        for sel, wt in ((m & bad, w_bad), (m & ~bad, w_good)):
            cum = np.cumsum(wt)
            out[sel] = np.minimum(np.searchsorted(cum / cum[-1], u[sel], side="right"), wt.size - 1)
    return out


def _nonresponse_truth(s: np.ndarray, offered: np.ndarray, answered: np.ndarray, rated_bad: np.ndarray,
                       customer_initiated: np.ndarray) -> dict:
    """The bad share among every customer-initiated ticket offered the survey (answered or not) against the
    answered ones: how far the raw rated share is from the truth the non-response weighting aims at."""
    pop = offered & customer_initiated
    ans = pop & answered
    latent_bad = s <= 2
    return {
        "definition": ("customer-initiated Zendesk tickets (Via not OutBound or Closed Ticket) solved on or before "
                       "as_of and offered the satisfaction survey; bad_share_all_offered: the latent experience "
                       "1-2 of all of them, answered or not (what a response-weighted bad share aims at); "
                       "bad_share_answered: the export's 1, 2 or Bad among the answered ones (the raw share). The "
                       f"answer rate depends on the experience itself (P_ANSWER_BAD {P_ANSWER_BAD}, P_ANSWER_OTHER "
                       f"{P_ANSWER_OTHER}), not only on what every ticket shows: missing not at random, so a "
                       "weighting on ticket attributes can correct only the part that resolution and reply "
                       "times carry"),
        "mechanism": "missing not at random (the answer rate depends on the experience)",
        "planted_p_answer_bad": P_ANSWER_BAD, "planted_p_answer_other": P_ANSWER_OTHER,
        "n_offered": int(pop.sum()), "n_answered": int(ans.sum()),
        "bad_share_all_offered": _f(latent_bad[pop].mean()) if pop.any() else None,
        "bad_share_answered": _f(rated_bad[ans].mean()) if ans.any() else None,
    }


def _agent_truth(agent_i: np.ndarray, rated: np.ndarray, bad: np.ndarray, customer_initiated: np.ndarray) -> dict:
    """Planted and realised bad-rating shares per agent, by name and by the sample's agent pseudonym."""
    from ..privacy import pseudonymise
    from . import SAMPLE_KEY

    names = list(_AGENTS)
    keys = pseudonymise(pd.Series(names, dtype=object), SAMPLE_KEY, prefix="agent_").astype("str").tolist()
    mult = np.array([AGENT_BAD_MULTIPLIER.get(a, 1.0) for a in names], dtype=float)
    rel = mult / mult.mean()

    def realised(m: np.ndarray) -> dict:
        n = np.bincount(agent_i[m], minlength=len(names))
        k = np.bincount(agent_i[m & bad], minlength=len(names))
        return {a: {"rated": int(n[j]), "bad": int(k[j]), "bad_share": _f(k[j] / n[j]) if n[j] else None}
                for j, a in enumerate(names)}

    ci = rated & customer_initiated
    pi_ci = float(bad[ci].mean()) if ci.any() else 0.0
    pi_all = float(bad[rated].mean()) if rated.any() else 0.0
    planted = {a: _f(pi_ci * rel[j]) for j, a in enumerate(names)}
    real_ci = realised(ci)
    verdict = {a: ("worse" if mult[j] > 1 else "better" if mult[j] < 1 else "equal") for j, a in enumerate(names)}
    return {
        "definition": ("the Assignee of every rated Zendesk ticket (Satisfaction Score 1-5, Good or Bad) is "
                       f"re-drawn given its rating, with its own random stream default_rng([seed, {AGENT_STREAM}]): "
                       "within each Via, P(bad | agent) = the Via's bad share among rated tickets x the agent's "
                       "multiplier / the mean multiplier, and every agent keeps an equal expected share of the "
                       "rated tickets; unrated tickets keep the uniform assignment; an OutBound ticket's "
                       "Submitter is its Assignee. bad = Satisfaction Score 1, 2 or Bad. planted_bad_share and "
                       "realised are over rated customer-initiated tickets (Via not OutBound or Closed Ticket), "
                       "the tickets the agent rankings use; realised_all_rated includes the agent-initiated ones. "
                       "agent_key = csanalysis.privacy.pseudonymise(name, csanalysis.datasets.SAMPLE_KEY, "
                       "prefix='agent_'), the tickets reader's agent_key with load_sample's default secret"),
        "planted_bad_multiplier": {a: _f(mult[j]) for j, a in enumerate(names)},
        "bad_share_rated_customer_initiated": _f(pi_ci),
        "bad_share_rated_all": _f(pi_all),
        "planted_bad_share": planted,
        "planted_bad_share_by_key": {keys[j]: planted[a] for j, a in enumerate(names)},
        "agent_key": dict(zip(names, keys)),
        "realised": real_ci,
        "realised_bad_share": {a: real_ci[a]["bad_share"] for a in names},
        "realised_bad_share_by_key": {keys[j]: real_ci[a]["bad_share"] for j, a in enumerate(names)},
        "realised_all_rated": realised(rated),
        "effect": verdict,
        "worse": [a for a in names if verdict[a] == "worse"],
        "better": [a for a in names if verdict[a] == "better"],
        "equal": [a for a in names if verdict[a] == "equal"],
        "worse_keys": [keys[j] for j, a in enumerate(names) if verdict[a] == "worse"],
        "better_keys": [keys[j] for j, a in enumerate(names) if verdict[a] == "better"],
        "equal_keys": [keys[j] for j, a in enumerate(names) if verdict[a] == "equal"],
    }


def _zendesk(rng, w: _World, ppl: dict, tA: int, ticket_sec: dict, order_name: np.ndarray,
             path: Path, *, seed: int, id_block: int = 0) -> tuple[np.ndarray, dict]:
    tk = w.tk
    created = ticket_sec["created"]
    solved = ticket_sec["solved"]
    exp = created < tA
    idx = np.flatnonzero(exp)
    idx = idx[np.argsort(created[idx], kind="stable")]
    k = idx.size
    first_id = 1001 + id_block * ID_BLOCK  # the export's first public ticket Id
    c = tk["cust"][idx]
    via = tk["via"][idx]
    cr = created[idx]
    so = solved[idx]
    is_solved = so < tA
    fr = np.round(tk["fr"][idx]).astype(np.int64)
    res = np.round(tk["res"][idx]).astype(np.int64)
    replied = cr + fr * 60 < tA
    # status
    closed = is_solved & (so + 4 * DAY <= tA)
    u = rng.random(k)
    open_status = np.where(u < 0.6, "Open", np.where(u < 0.9, "Pending", "Hold")).astype(object)
    status = np.where(closed, "Closed", np.where(is_solved, "Solved",
                      np.where(replied, open_status, "New"))).astype(object)
    # satisfaction score
    s = tk["s"][idx]
    offered = tk["offered"][idx] & is_solved
    answered = tk["answered"][idx] & is_solved
    legacy = tk["legacy"][idx]
    score = np.where(~offered, "", "Offered").astype(object)
    digits = pd.Series(s).astype("str").to_numpy(object)
    legacy_lab = np.where(tk["rbad"][idx], "Bad", "Good").astype(object)
    score = np.where(answered, np.where(legacy, legacy_lab, digits), score)

    agent_i = rng.integers(0, len(_AGENTS), k)
    # planted agent effects (issue 14): the rated tickets' assignees are re-drawn given the rating, from their
    # own stream, after the main stream's draw (so the main stream and every other column are unchanged)
    rated = answered
    rated_bad = answered & tk["rbad"][idx]  # what the export shows as 1, 2 or Bad
    agent_i = _plant_agents(seed, agent_i, rated, rated_bad, via)
    agents_truth = _agent_truth(agent_i, rated, rated_bad, (via != I_OUTBOUND) & (via != I_CLOSED))
    nonresponse_truth = _nonresponse_truth(s, offered, answered, rated_bad, (via != I_OUTBOUND) & (via != I_CLOSED))
    agents = np.array(_AGENTS, dtype=object)
    assignee = np.where(status == "New", "", agents[agent_i]).astype(object)
    outbound = via == I_OUTBOUND
    submitter = np.where(outbound, agents[agent_i], ppl["name"][c]).astype(object)
    topic = tk["topic"][idx]
    followup = tk["followup"][idx]
    tmpl = np.array([x[2] for x in _TOPICS], dtype=object)[topic]
    pre = np.array([x[2].split("{order}")[0] for x in _TOPICS], dtype=object)[topic]
    post = np.array([x[2].split("{order}")[-1] for x in _TOPICS], dtype=object)[topic]
    has_order = np.array(["{order}" in x[2] for x in _TOPICS])[topic]
    oname = order_name[tk["purchase"][idx]]
    subj = np.where(has_order, pre + oname + post, tmpl).astype(object)
    chat = via == VIA_ALL.index("Chat")
    phone = via == VIA_ALL.index("Phone call (incoming)")
    subj = np.where(chat, "Chat with " + ppl["name"][c], subj)
    subj = np.where(phone, "Call from customer", subj)
    subj = np.where(followup & outbound, "Following up on your recent case", subj)
    subj = np.where(followup & ~outbound, "Re: " + subj, subj)
    tags = np.array([x[0] for x in _TOPICS], dtype=object)[topic]
    tags = np.where(followup, tags + " service_recovery", tags)
    tags = np.where(chat, tags + " zopim_chat", tags)
    tags = np.where(phone, tags + " voice", tags)
    group = np.array([x[1] for x in _TOPICS], dtype=object)[topic]
    bad = s <= 2
    u = rng.random(k)
    priority = np.where(u < 0.10, "Low", np.where(u < 0.80 - 0.2 * bad, "Normal",
                        np.where(u < 0.95 - 0.05 * bad, "High", "Urgent"))).astype(object)
    u = rng.random(k)
    ttype = np.where(u < 0.45, "Question", np.where(u < 0.80, "Incident", np.where(
        u < 0.90, "Problem", np.where(u < 0.95, "Task", ""))))
    ttype = ttype.astype(object)
    init_assigned = np.minimum(cr + rng.integers(60, 1800, k), np.where(is_solved, so, tA - 1))
    stations = tk["stations"][idx]
    assigned = np.where(stations > 1, init_assigned + (np.maximum(so, init_assigned) - init_assigned) * 2 // 5,
                        init_assigned)
    assigned = np.where(is_solved, np.minimum(assigned, so), init_assigned)
    has_assignee = status != "New"
    updated = np.where(closed, so + 4 * DAY + rng.integers(0, 3600, k),
                       np.where(is_solved, so + rng.integers(0, 600, k),
                                np.where(replied, cr + fr * 60, cr)))
    updated = np.maximum(np.minimum(updated, tA - 1), np.where(has_assignee, assigned, cr))
    reopens = tk["reopens"][idx]
    replies = np.where(chat | phone, 1, stations + reopens + rng.poisson(1.0, k))
    bh = rng.uniform(0.3, 1.0, k)
    first_res = np.where(reopens == 0, res, np.round(res * rng.uniform(0.3, 0.8, k)).astype(np.int64))
    agent_wait = np.round(res * rng.uniform(0.2, 0.6, k)).astype(np.int64)
    req_wait = np.round(res * rng.uniform(0.05, 0.3, k)).astype(np.int64)
    hold = np.where(rng.random(k) < 0.05, np.round(res * 0.1), 0).astype(np.int64)

    contact = np.where(followup, "-", np.array(_TOPIC_LABEL, dtype=object)[topic])
    via_names = np.array(VIA_ALL, dtype=object)
    due = np.where(ttype == "Task", cr + 2 * DAY, NAT)
    assigned_x = np.where(has_assignee, assigned, NAT)
    init_x = np.where(has_assignee, init_assigned, NAT)
    solved_x = np.where(is_solved, so, NAT)
    res_h = np.round(res / 60.0)

    def make(a: int, b: int) -> pd.DataFrame:
        sl = slice(a, b)
        cc = c[sl]
        sv, rp = is_solved[sl], replied[sl]
        bhs = bh[sl]

        def bh_(x):
            return np.floor(x[sl] * bhs).astype(np.int64)

        return pd.DataFrame({
            "Id": pd.Series(np.arange(a, b) + first_id).astype("str"),
            "Requester": ppl["name"][cc],
            "Requester id": ppl["requester_id"][cc],
            "Requester external id": "",
            "Requester email": ppl["email"][cc],
            "Requester domain": ppl["domain"][cc],
            "Submitter": submitter[sl],
            "Assignee": assignee[sl],
            "Group": group[sl],
            "Subject": subj[sl],
            "Tags": tags[sl],
            "Status": status[sl],
            "Priority": priority[sl],
            "Via": via_names[via[sl]],
            "Ticket type": ttype[sl],
            "Created at": _iso(cr[sl]),
            "Updated at": _iso(updated[sl]),
            "Assigned at": _iso(assigned_x[sl]),
            "Organization": ppl["org"][cc],
            "Due date": _iso(due[sl]),
            "Initially assigned at": _iso(init_x[sl]),
            "Solved at": _iso(solved_x[sl]),
            "Resolution time": _istr(res_h[sl], sv),
            "Satisfaction Score": score[sl],
            "Group stations": _istr(1 + (stations[sl] > 2)),
            "Assignee stations": _istr(stations[sl], has_assignee[sl]),
            "Reopens": _istr(reopens[sl]),
            "Replies": _istr(replies[sl], rp),
            "First reply time in minutes": _istr(fr[sl], rp),
            "First reply time in minutes within business hours": _istr(bh_(fr), rp),
            "First resolution time in minutes": _istr(first_res[sl], sv),
            "First resolution time in minutes within business hours": _istr(bh_(first_res), sv),
            "Full resolution time in minutes": _istr(res[sl], sv),
            "Full resolution time in minutes within business hours": _istr(bh_(res), sv),
            "Agent wait time in minutes": _istr(agent_wait[sl], sv),
            "Agent wait time in minutes within business hours": _istr(bh_(agent_wait), sv),
            "Requester wait time in minutes": _istr(req_wait[sl], sv),
            "Requester wait time in minutes within business hours": _istr(bh_(req_wait), sv),
            "On hold time in minutes": _istr(hold[sl], sv),
            "On hold time in minutes within business hours": _istr(bh_(hold), sv),
            "Contact reason [list]": contact[sl],
        })[_ZENDESK_COLUMNS]

    _write_chunks(path, k, make, lineterminator="\n")
    # the export's view, for truths: original ticket index -> public Id
    public_id = np.full(len(created), -1, dtype=np.int64)
    public_id[idx] = np.arange(k) + first_id
    return public_id, agents_truth, nonresponse_truth


def _response_ids(rng: np.random.Generator, k: int, prefix: str = "R_") -> np.ndarray:
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
    chars = np.ascontiguousarray(alphabet[rng.integers(0, alphabet.size, size=(k, 15))])
    body = chars.view("<U15").ravel() if k else np.array([], dtype="<U15")
    return (prefix + pd.Series(body, dtype="str")).to_numpy(object)


def _fake_ip(rng: np.random.Generator, k: int) -> np.ndarray:
    nets = np.array(["192.0.2.", "198.51.100.", "203.0.113."], dtype=object)
    return (nets[rng.integers(0, 3, k)] + pd.Series(rng.integers(1, 255, k)).astype("str").to_numpy(object))


def _qualtrics(rng, w: _World, ppl: dict, tA: int, rec_sec: np.ndarray, public_id: np.ndarray,
               path: Path, *, seed: int, solved_sec: np.ndarray, p_sec: np.ndarray) -> dict:
    sv = w.sv
    keep = np.flatnonzero(rec_sec < tA)
    k = keep.size
    c = sv["cust"][keep]
    s = sv["s"][keep]
    # answers
    csat = np.clip(s + rng.choice(np.array([-1, 0, 1]), size=k, p=[0.075, 0.85, 0.075]), 1, 5)
    nps = np.clip(np.round(2.2 * s - 1.0 + rng.normal(0, 1.3, k)), 0, 10).astype(np.int64)
    agree = np.clip(s + rng.choice(np.array([-1, 0, 1]), size=k, p=[0.15, 0.7, 0.15]), 1, 5)
    e = sv["e"][keep]
    band = _band(csat)
    told = _told(rng, band)
    warned = _warned(rng, band, told)
    told_bin = np.searchsorted(np.array([0, 5, 10, 20]), told, side="left")
    finished = rng.random(k) >= P_UNFINISHED
    progress = np.where(finished, 100, rng.integers(5, 95, k))
    n_answered = np.where(finished, 7, np.floor(progress / 100 * 7).astype(np.int64))
    dur = np.round(np.exp(rng.normal(np.log(95), 0.6, k))).astype(np.int64) + 5
    dur = np.where(finished, dur, dur + rng.integers(3600, 7 * DAY, k))
    rec = rec_sec[keep]
    end = rec - np.where(finished, 1, 0)
    start = rec - dur
    u = rng.random(k)
    for size in _LEGACY_QUALTRICS_DRAWS:  # three draws kept so that the later columns stay the same
        rng.integers(0, size, k)
    has = ((band == 0) & (u < 0.6)) | ((band == 2) & (u < 0.35)) | ((band == 1) & (u < 0.3))
    # comments and languages from their own generator (issue 15): nothing else depends on them
    vrng = np.random.default_rng([int(seed), VERBATIM_STREAM])
    ui = np.array(list(USER_LANGUAGES), dtype=object)
    li = vrng.choice(len(ui), size=k, p=USER_LANGUAGE_MIX) if k else np.zeros(0, dtype=np.int64)
    lang = np.array([USER_LANGUAGES[x] for x in ui], dtype=object)[li]
    # the planted disrespect effect: rudeness is likelier when the customer does not buy again within
    # 365 days after the ticket was solved (purchases are not touched)
    solved = solved_sec[sv["tid"][keep]]
    nxt = _next_after(w.p_cust, p_sec, c, solved)
    no_repeat = (nxt - solved) > 365 * DAY
    rude = (band == 0) & (vrng.random(k) < np.where(no_repeat, P_RUDE_NO_REPEAT, P_RUDE_REPEAT))
    kind = np.select([rude, band == 0, band == 1], ["rude", "bad", "mid"], "good").astype(object)
    comment, template = _pick_comments(vrng, lang, kind, has)
    lat = 55.7 + rng.normal(0, 0.6, k)
    lon = 10.5 + rng.normal(0, 1.2, k)

    real = {
        "StartDate": _iso(start).to_numpy(object),
        "EndDate": _iso(end).to_numpy(object),
        "Status": np.full(k, "IP Address", dtype=object),
        "IPAddress": _fake_ip(rng, k),
        "Progress": _istr(progress).to_numpy(object),
        "Duration (in seconds)": _istr(dur).to_numpy(object),
        "Finished": np.where(finished, "True", "False").astype(object),
        "RecordedDate": _iso(rec).to_numpy(object),
        "ResponseId": _response_ids(rng, k),
        "RecipientLastName": ppl["last"][c],
        "RecipientFirstName": ppl["first"][c],
        "RecipientEmail": ppl["email"][c],
        "ExternalReference": ppl["requester_id"][c],
        "LocationLatitude": pd.Series(np.round(lat, 4)).astype("str").to_numpy(object),
        "LocationLongitude": pd.Series(np.round(lon, 4)).astype("str").to_numpy(object),
        "DistributionChannel": np.full(k, "email", dtype=object),
        "UserLanguage": ui[li],
        "Q1": Q1_LABELS[csat - 1],
        "Q2": _istr(nps).to_numpy(object),
        "Q3": Q3_LABELS[agree - 1],
        "Q4": Q4_LABELS[e - 1],
        "Q5": Q5_BINS[told_bin],
        "Q6": np.where(warned, "Yes", "No").astype(object),
        "Q7": comment,
        "ticket_id": pd.Series(public_id[sv["tid"][keep]]).astype("str").to_numpy(object),
    }
    for qi, q in enumerate(("Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7")):
        real[q] = np.where(n_answered > qi, real[q], "").astype(object)
    real_df = pd.DataFrame(real)

    # quirks: previews, tests and spam that a loader must drop
    n_prev = max(2, k // 250)
    n_test = max(2, k // 300)
    n_spam = max(1, k // 200)
    j = n_prev + n_test + n_spam
    when = np.sort(rng.choice(rec, size=j)) if k else np.full(j, tA - 30 * DAY)
    when = when - rng.integers(3600, 5 * DAY, j)
    dur_q = rng.integers(15, 200, j)
    status = np.array(["Survey Preview"] * n_prev + ["Survey Test"] * n_test + ["Spam"] * n_spam, dtype=object)
    chan = np.array(["preview"] * n_prev + ["test"] * n_test + ["anonymous"] * n_spam, dtype=object)
    qc = rng.integers(1, 6, j)
    extra = pd.DataFrame({
        "StartDate": _iso(when - dur_q).to_numpy(object),
        "EndDate": _iso(when - 1).to_numpy(object),
        "Status": status,
        "IPAddress": np.where(status == "Spam", _fake_ip(rng, j), "").astype(object),
        "Progress": "100",
        "Duration (in seconds)": _istr(dur_q).to_numpy(object),
        "Finished": "True",
        "RecordedDate": _iso(when).to_numpy(object),
        "ResponseId": _response_ids(rng, j),
        "RecipientLastName": "", "RecipientFirstName": "", "RecipientEmail": "",
        "ExternalReference": "",
        "LocationLatitude": "55.6761", "LocationLongitude": "12.5683",
        "DistributionChannel": chan,
        "UserLanguage": "EN",
        "Q1": Q1_LABELS[qc - 1],
        "Q2": _istr(rng.integers(0, 11, j)).to_numpy(object),
        "Q3": Q3_LABELS[rng.integers(0, 5, j)],
        "Q4": Q4_LABELS[rng.integers(0, 5, j)],
        "Q5": Q5_BINS[rng.integers(0, 5, j)],
        "Q6": np.where(rng.random(j) < 0.5, "Yes", "No").astype(object),
        "Q7": np.where(status == "Spam", "Best deals at www.example.net, click now!!!",
                       np.where(status == "Survey Test", "test", "")).astype(object),
        "ticket_id": "",
    })
    df = pd.concat([real_df, extra], ignore_index=True)
    df = df.iloc[np.argsort(df["RecordedDate"].to_numpy(dtype=str), kind="stable")]
    cols = [m[0] for m in _QUALTRICS_META] + [q[0] for q in _QUALTRICS_QUESTIONS]
    header = pd.DataFrame(
        [[m[1] for m in _QUALTRICS_META] + [q[1] for q in _QUALTRICS_QUESTIONS],
         [m[2] for m in _QUALTRICS_META] + [q[2] for q in _QUALTRICS_QUESTIONS]],
        columns=cols,
    )
    out = pd.concat([header, df[cols]], ignore_index=True)
    _write_csv(out, path, lineterminator="\r\n", encoding="utf-8")
    return {"keep": keep, "csat": csat, "told": told, "warned": warned, "finished": finished,
            "e": e, "rec": rec, "cust": c, "told_bin": told_bin, "rows": int(len(df)),
            "lang": lang, "template": np.where(n_answered > 6, template, -1), "rude": rude,
            "no_repeat": no_repeat, "solved": solved, "tid": sv["tid"][keep]}


def _orders(rng, w: _World, ppl: dict, tA: int, t_start: int, p_sec: np.ndarray,
            extra_lines: float = 0.3) -> dict:
    """Amounts and line items for every simulated purchase (full future)."""
    P = p_sec.size
    c = w.p_cust
    eur = ppl["eur"][c]
    n_lines = np.minimum(1 + rng.poisson(extra_lines, P), 6)
    line_order = np.repeat(np.arange(P), n_lines)
    L = line_order.size
    prod = rng.choice(len(_PRODUCTS), size=L, p=_PRODUCT_POP / _PRODUCT_POP.sum())
    qty = 1 + (rng.random(L) < 0.12)
    price_dkk = np.array([p[2] for p in _PRODUCTS])[prod]
    price = np.where(eur[line_order], np.floor(price_dkk / 7.46) + 0.95, price_dkk)
    on_sale = rng.random(L) < 0.1
    compare = np.where(on_sale, np.round(price * 1.25), np.nan)
    gross = np.bincount(line_order, weights=qty * price, minlength=P)
    has_disc = rng.random(P) < 0.10
    pct = np.where(rng.random(P) < 0.5, 0.10, 0.15)
    disc = np.where(has_disc, np.round(gross * pct, 2), 0.0)
    code = np.where(has_disc, np.where(pct == 0.10, "VELKOMMEN10", "SOMMER15"), "").astype(object)
    subtotal = gross - disc
    free = np.where(eur, subtotal >= 67.0, subtotal >= 499.0)
    shipping = np.where(free, 0.0, np.where(eur, 6.95, 49.0))
    total = subtotal + shipping
    return {"line_order": line_order, "prod": prod, "qty": qty, "price": price, "compare": compare,
            "gross": gross, "disc": disc, "code": code, "subtotal": subtotal, "shipping": shipping,
            "total": total, "eur": eur, "n_lines": n_lines}


def _shopify(rng, w: _World, ppl: dict, tA: int, t_first_real: int, p_sec: np.ndarray, od: dict,
             path: Path, id_block: int = 0) -> tuple[np.ndarray, dict]:
    P = p_sec.size
    c_real = w.p_cust
    # extra orders: a voided attempt or a refunded order shortly before a real purchase
    u = rng.random(P)
    extra_void = np.flatnonzero(u < 0.015)
    extra_ref = np.flatnonzero((u >= 0.015) & (u < 0.03))
    src = np.concatenate([np.arange(P), extra_void, extra_ref])
    kind = np.concatenate([np.zeros(P, np.int8), np.ones(extra_void.size, np.int8),
                           np.full(extra_ref.size, 2, np.int8)])
    shift = np.concatenate([np.zeros(P, np.int64), rng.integers(300, 3 * 3600, extra_void.size),
                            rng.integers(DAY // 2, 2 * DAY, extra_ref.size)])
    created = p_sec[src] - shift
    cust = c_real[src].astype(np.int64)
    # test orders (the first two before the shop opened for real, others scattered)
    n_test = 3 + w.n // 1500
    t_test = np.concatenate([t_first_real - np.array([9 * DAY + 3600, 9 * DAY]),
                             rng.integers(t_first_real, tA - DAY, n_test - 2)])
    created = np.concatenate([created, t_test])
    src = np.concatenate([src, np.full(n_test, -1)])
    kind = np.concatenate([kind, np.full(n_test, 3, np.int8)])
    cust = np.concatenate([cust, np.full(n_test, -1)])
    vis = np.flatnonzero(created < tA)
    vis = vis[np.argsort(created[vis], kind="stable")]
    O = vis.size
    number = np.arange(O) + 1001 + id_block * ID_BLOCK
    name = ("#" + pd.Series(number).astype("str")).to_numpy(object)
    # the public name of every real purchase (for ticket subjects)
    order_name = np.full(P, "", dtype=object)
    is_real = kind[vis] == 0
    order_name[src[vis][is_real]] = name[is_real]

    o_src = src[vis]
    o_kind = kind[vis]
    o_cust = cust[vis]
    o_created = created[vis]
    test = o_kind == 3
    # test orders borrow the amounts of the first purchase
    amt_src = np.where(test, 0, o_src)
    total = od["total"][amt_src]
    subtotal = od["subtotal"][amt_src]
    shipping = od["shipping"][amt_src]
    disc = od["disc"][amt_src]
    code = od["code"][amt_src]
    eur = np.where(test, False, od["eur"][amt_src])
    taxes = np.round(total * 0.2, 2)
    pending = (o_kind == 0) & (o_created > tA - 2 * DAY)
    partial = (o_kind == 0) & ~pending & (rng.random(O) < 0.02)
    fin = np.select([o_kind == 1, o_kind == 2, pending, partial, test],
                    ["voided", "refunded", "pending", "partially_refunded", "paid"], "paid").astype(object)
    paid_at = np.where((fin == "voided") | (fin == "pending"), NAT, o_created + rng.integers(2, 90, O))
    fulfilled_at = o_created + rng.integers(DAY // 3, 3 * DAY, O)
    fulfilled = (fin != "voided") & (fin != "pending") & (fulfilled_at < tA) & ~test
    fulfilled_at = np.where(fulfilled, fulfilled_at, NAT)
    cancelled = np.where(fin == "voided", o_created + rng.integers(60, 3600, O), NAT)
    refunded_amt = np.where(fin == "refunded", total, np.where(fin == "partially_refunded",
                            np.round(total * 0.4, 2), 0.0))
    pay = np.array(["Shopify Payments", "MobilePay", "PayPal Express Checkout"], dtype=object)
    pay_m = np.where(test, "bogus", pay[rng.choice(3, size=O, p=[0.6, 0.3, 0.1])])
    ship_m = np.array(["PostNord MyPack Collect", "GLS Pakkeshop", "DAO Hjemmelevering"], dtype=object)
    ship_method = np.where(eur, "DHL Paket", ship_m[rng.integers(0, 3, O)])
    order_id = 4_400_000_000_000 + np.cumsum(rng.integers(10_000, 2_000_000, O)) + id_block * 10**14
    safe = np.where(o_cust < 0, 0, o_cust)
    email = np.where(test, np.where(np.arange(O) % 2 == 0, "test@example.com", "shop.owner+test@example.org"),
                     ppl["email"][safe]).astype(object)
    country = np.where(eur, "DE", "DK").astype(object)

    def with_off(x):
        x = np.asarray(x, dtype=np.int64)
        return (_iso(x) + " " + pd.Series(_offset(x), dtype="str")).where(x != NAT, "")

    names = np.array([p[0] for p in _PRODUCTS], dtype=object)
    skus = np.array([p[1] for p in _PRODUCTS], dtype=object)
    vendors = np.array([p[3] for p in _PRODUCTS], dtype=object)
    req_ship = np.array(["true" if p[4] else "false" for p in _PRODUCTS], dtype=object)
    line_start = np.concatenate([[0], np.cumsum(od["n_lines"])[:-1]])[amt_src]
    nl = od["n_lines"][amt_src]
    rev = np.arange(O)[::-1]  # newest order first
    n_rows = [0]

    def make(a: int, b: int) -> pd.DataFrame:
        oo = rev[a:b]
        k_o = oo.size
        n_l = nl[oo]
        pos = np.repeat(np.arange(k_o), n_l)  # line -> position in this block
        within = np.arange(pos.size) - np.repeat(np.cumsum(n_l) - n_l, n_l)
        first = within == 0
        line_ix = line_start[oo][pos] + within
        prod = od["prod"][line_ix]
        compare = od["compare"][line_ix]
        sf = safe[oo]
        tst = test[oo]
        street_o = np.where(tst, "Testvej 1", ppl["street"][sf])
        company_o = np.where(tst, "", ppl["org"][sf])
        city_o = np.where(tst, "København K", ppl["city"][sf])
        zip_o = np.where(tst, "1050", ppl["zip"][sf])
        bname_o = np.where(tst, "Test Testesen", ppl["name"][sf])
        taxes_s = _money(taxes[oo]).to_numpy(object)
        order_cols = {
            "Financial Status": fin[oo],
            "Paid at": with_off(paid_at[oo]).to_numpy(object),
            "Fulfillment Status": np.where(fulfilled[oo], "fulfilled", "unfulfilled"),
            "Fulfilled at": with_off(fulfilled_at[oo]).to_numpy(object),
            "Accepts Marketing": np.where(tst, "no", ppl["accepts_marketing"][sf]),
            "Currency": np.where(eur[oo], "EUR", "DKK"),
            "Subtotal": _money(subtotal[oo]).to_numpy(object),
            "Shipping": _money(shipping[oo]).to_numpy(object),
            "Taxes": taxes_s,
            "Total": _money(total[oo]).to_numpy(object),
            "Discount Code": code[oo],
            "Discount Amount": _money(disc[oo]).to_numpy(object),
            "Shipping Method": ship_method[oo],
            "Billing Name": bname_o, "Billing Street": street_o, "Billing Address1": street_o,
            "Billing Address2": "", "Billing Company": company_o, "Billing City": city_o,
            "Billing Zip": zip_o, "Billing Province": "", "Billing Country": country[oo],
            "Billing Phone": "",
            "Shipping Name": bname_o, "Shipping Street": street_o, "Shipping Address1": street_o,
            "Shipping Address2": "", "Shipping Company": company_o, "Shipping City": city_o,
            "Shipping Zip": zip_o, "Shipping Province": "", "Shipping Country": country[oo],
            "Shipping Phone": "",
            "Notes": np.where(tst, "Test order - do not ship", ""), "Note Attributes": "",
            "Cancelled at": with_off(cancelled[oo]).to_numpy(object),
            "Payment Method": pay_m[oo], "Payment Reference": "",
            "Refunded Amount": _money(refunded_amt[oo]).to_numpy(object),
            "Outstanding Balance": "0.00", "Employee": "", "Location": "", "Device ID": "",
            "Id": pd.Series(order_id[oo]).astype("str").to_numpy(object),
            "Tags": np.where(tst, "test", ""), "Risk Level": "Low", "Source": "web",
            "Tax 1 Name": "Moms 25%", "Tax 1 Value": taxes_s,
            "Tax 2 Name": "", "Tax 2 Value": "", "Tax 3 Name": "", "Tax 3 Value": "",
            "Tax 4 Name": "", "Tax 4 Value": "", "Tax 5 Name": "", "Tax 5 Value": "",
            "Phone": "", "Receipt Number": "", "Duties": "", "Billing Province Name": "",
            "Shipping Province Name": "", "Payment ID": "", "Payment Terms Name": "",
            "Next Payment Due At": "", "Payment References": "",
        }
        data = {
            "Name": name[oo][pos],
            "Email": email[oo][pos],
            "Created at": with_off(o_created[oo]).to_numpy(object)[pos],
            "Lineitem quantity": _istr(od["qty"][line_ix]),
            "Lineitem name": names[prod],
            "Lineitem price": _money(od["price"][line_ix]),
            "Lineitem compare at price": _money(np.nan_to_num(compare)).where(~np.isnan(compare), ""),
            "Lineitem sku": skus[prod],
            "Lineitem requires shipping": req_ship[prod],
            "Lineitem taxable": "true",
            "Lineitem fulfillment status": np.where(fulfilled[oo][pos], "fulfilled", "pending"),
            "Vendor": vendors[prod],
            "Lineitem discount": "0.00",
        }
        for col, val in order_cols.items():
            if isinstance(val, str):
                data[col] = np.where(first, val, "")
            else:
                data[col] = np.where(first, np.asarray(val, dtype=object)[pos], "")
        n_rows[0] += pos.size
        return pd.DataFrame(data, index=pd.RangeIndex(pos.size))[_SHOPIFY_COLUMNS]

    _write_chunks(path, O, make, chunk=CHUNK_ROWS // 2, lineterminator="\n")
    nrow = n_rows[0]
    info = {"kind": o_kind, "created": o_created, "cust": o_cust, "fin": fin, "total": total,
            "eur": eur, "src": o_src, "lines": int(nrow)}
    return order_name, info


def _danish(rng, w: _World, ppl: dict, tA: int, p_sec: np.ndarray, ticket_created: np.ndarray,
            od: dict, path: Path, *, seed: int) -> dict:
    n = w.n
    has = np.zeros(n, dtype=bool)
    has[w.p_cust[p_sec < tA]] = True
    cand = np.flatnonzero(has)
    k = min(cand.size, max(1, int(round(n * 0.1))))
    if k == 0:
        return {"n": 0}
    who = np.sort(rng.choice(cand, size=k, replace=False))
    first_sec = np.round(w.first[who] * DAY).astype(np.int64)
    lo = first_sec + 3600
    hi = np.maximum(np.minimum(tA - 3600, first_sec + 3 * 365 * DAY), lo + 1)
    when = lo + np.floor(rng.random(k) * (hi - lo)).astype(np.int64)
    when = np.minimum(_to_seconds(_daytime(when / DAY, rng, 7.0, 23.0)), tA - 60)
    order = np.argsort(when, kind="stable")
    who, when = who[order], when[order]
    # latest ticket before the response (if any) sets the satisfaction
    tk = w.tk
    tdf = pd.DataFrame({"cust": tk["cust"].astype(np.int64), "at": ticket_created, "s": tk["s"]})
    tdf = tdf[tdf["at"] < tA].sort_values("at", kind="stable")
    rdf = pd.DataFrame({"cust": who.astype(np.int64), "at": when, "row": np.arange(k)})
    m = pd.merge_asof(rdf, tdf, on="at", by="cust", direction="backward")
    m = m.sort_values("row")
    base = 1 + rng.choice(5, size=k, p=[0.02, 0.05, 0.18, 0.40, 0.35])
    s = np.where(m["s"].isna().to_numpy(), base, m["s"].fillna(3).to_numpy().astype(np.int64))
    csat = np.clip(s + rng.choice(np.array([-1, 0, 1]), size=k, p=[0.075, 0.85, 0.075]), 1, 5)
    nps = np.clip(np.round(2.2 * s - 1.0 + rng.normal(0, 1.3, k)), 0, 10).astype(np.int64)
    band = _band(csat)
    told = _told(rng, band)
    warned = _warned(rng, band, told)
    # free-text answers to "how many people"
    u = rng.random(k)
    ts = pd.Series(told).astype("str")
    txt = ts.copy()
    txt = txt.where(~((told >= 1) & (told <= 10) & (u < 0.3)), "ca. " + ts)
    txt = txt.where(~((told == 0) & (u < 0.7)), "ingen")
    txt = txt.where(~((told >= 6) & (told <= 10) & (u >= 0.6)), "6-10")
    txt = txt.where(~((told == 5) & (u >= 0.7)), "5+")
    txt = txt.where(~((told > 20) & (u < 0.5)), "over 20")
    txt = txt.where(~((told > 20) & (u >= 0.5)), "mere end 20")
    # amount of the latest order before the response, in DKK
    pdf = pd.DataFrame({"cust": w.p_cust.astype(np.int64), "at": p_sec,
                        "amt": np.where(od["eur"], od["total"] * 7.46, od["total"])})
    pdf = pdf[pdf["at"] < tA].sort_values("at", kind="stable")
    ma = pd.merge_asof(rdf, pdf, on="at", by="cust", direction="backward").sort_values("row")
    amount = ma["amt"].fillna(0.0).to_numpy()
    u = rng.random(k)
    for size in _LEGACY_DANISH_DRAWS:  # two draws kept so that the later columns stay the same
        rng.integers(0, size, k)
    has = ((band == 0) & (u < 0.7)) | ((band == 2) & (u < 0.3))
    vrng = np.random.default_rng([int(seed), VERBATIM_STREAM, 1])
    rude = (band == 0) & (vrng.random(k) < P_RUDE_DANISH)
    kind = np.select([rude, band == 0, band == 1], ["rude", "bad", "mid"], "good").astype(object)
    comment, template = _pick_comments(vrng, np.full(k, "da", dtype=object), kind, has)
    iso = _iso(when)
    # make sure at least one day is above 12, so that day-first can be decided
    day = iso.str.slice(8, 10).astype(int).to_numpy()
    if not (day > 12).any():
        when = when.copy()
        when[0] = when[0] + (13 - day[0]) * DAY if when[0] + (13 - day[0]) * DAY < tA else when[0]
        iso = _iso(when)
    stamp = (iso.str.slice(8, 10) + "-" + iso.str.slice(5, 7) + "-" + iso.str.slice(0, 4) + " "
             + iso.str.slice(11, 16))
    df = pd.DataFrame({
        DANISH_COLUMNS[0]: stamp,
        DANISH_COLUMNS[1]: ppl["email"][who],
        DANISH_COLUMNS[2]: DA_CSAT[csat - 1],
        DANISH_COLUMNS[3]: _istr(nps),
        DANISH_COLUMNS[4]: txt,
        DANISH_COLUMNS[5]: np.where(warned, "Ja", "Nej").astype(object),
        DANISH_COLUMNS[6]: _money_da(amount),
        DANISH_COLUMNS[7]: comment,
    })
    _write_csv(df, path, sep=";", encoding="cp1252", lineterminator="\r\n")
    dis = band == 0
    return {
        "n": int(k),
        "dissatisfied_n": int(dis.sum()),
        "dissatisfied_mean_told": _f(told[dis].mean()) if dis.any() else None,
        "dissatisfied_share_told_gt20": _f((told[dis] > 20).mean()) if dis.any() else None,
        "dissatisfied_share_warned": _f(warned[dis].mean()) if dis.any() else None,
        "comments": _reason_counts(np.full(k, "da", dtype=object), template),
    }


def _snapshot(rng, w: _World, ppl: dict, tA: int, p_sec: np.ndarray, ticket_created: np.ndarray,
              path: Path) -> dict:
    n = w.n
    has = np.zeros(n, dtype=bool)
    has[w.p_cust[p_sec < tA]] = True
    cand = np.flatnonzero(has)
    k = min(cand.size, max(1, int(round(n / 3))))
    who = np.sort(rng.choice(cand, size=k, replace=False)) if k else np.array([], dtype=np.int64)
    # last purchase before as_of, and whether the customer never buys again
    last_p = np.full(n, NAT, dtype=np.int64)
    vis = p_sec < tA
    np.maximum.at(last_p, w.p_cust[vis], p_sec[vis])
    future = np.zeros(n, dtype=bool)
    future[w.p_cust[~vis]] = True
    churned = ~future[who] & (last_p[who] < tA - 90 * DAY)
    reason_kind = w.stop_reason[who]
    first_sec = np.round(w.first[who] * DAY).astype(np.int64)
    end = np.where(churned, last_p[who], tA)
    tenure = np.maximum((end - first_sec) // int(30.44 * DAY), 1)
    # satisfaction: mean latent experience of tickets before as_of
    tk = w.tk
    vt = ticket_created < tA
    sums = np.bincount(tk["cust"][vt], weights=tk["s"][vt], minlength=n)
    cnts = np.bincount(tk["cust"][vt], minlength=n)
    worst = np.full(n, 9)
    np.minimum.at(worst, tk["cust"][vt], tk["s"][vt])
    base = 1 + rng.choice(5, size=k, p=[0.03, 0.07, 0.25, 0.40, 0.25])
    mean_s = np.where(cnts[who] > 0, sums[who] / np.maximum(cnts[who], 1), base)
    sat = np.clip(np.round(mean_s + rng.normal(0, 0.5, k)), 1, 5).astype(np.int64)
    complain = (worst[who] <= 2).astype(np.int64)
    referrals = rng.poisson(np.where(sat >= 4, 1.2, 0.2))
    # churn category: avoiders cite service, quiet lapsers cite other things
    u = rng.random(k)
    cat_avoid = np.where(u < 0.5, "Attitude", np.where(u < 0.9, "Dissatisfaction", "Competitor"))
    cat_lapse = np.where(u < 0.45, "Competitor", np.where(u < 0.7, "Price", np.where(
        u < 0.85, "Other", "Dissatisfaction")))
    cat = np.where(reason_kind == 1, cat_avoid, cat_lapse).astype(object)
    reason = np.full(k, "", dtype=object)
    v = rng.random(k)
    for key, opts in _CHURN_REASONS.items():  # a handful of categories
        o = np.array(opts, dtype=object)
        reason = np.where(cat == key, o[np.minimum((v * o.size).astype(int), o.size - 1)], reason)
    cat = np.where(churned, cat, "").astype(object)
    reason = np.where(churned, reason, "").astype(object)
    # IBM-style ids: 4 digits, dash, 5 capital letters
    code = rng.choice(10_000 * 26**5, size=k, replace=False) if k else np.array([], dtype=np.int64)
    digits = pd.Series(code // 26**5).astype("str").str.zfill(4)
    letters = pd.Series([""] * k, dtype="str")
    rest = code % 26**5
    for _ in range(5):  # five letters
        letters = pd.Series(np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), dtype=object)[rest % 26], dtype="str") + letters
        rest //= 26
    cid = digits + "-" + letters
    df = pd.DataFrame({
        "Customer ID": cid,
        "Email": ppl["email"][who],
        "Gender": ppl["gender"][who],
        "Age": _istr(ppl["age"][who]),
        "Tenure in Months": _istr(tenure),
        "Number of Referrals": _istr(referrals),
        "Satisfaction Score": _istr(sat),
        "Complain": _istr(complain),
        "Churn Label": np.where(churned, "Yes", "No").astype(object),
        "Churn Value": _istr(churned.astype(np.int64)),
        "Churn Category": cat,
        "Churn Reason": reason,
    }).sort_values("Customer ID", kind="stable")
    _write_csv(df, path, lineterminator="\n")
    return {
        "n": int(k),
        "churn_rate": _f(churned.mean()) if k else None,
        "churn_rate_complained": _f(churned[complain == 1].mean()) if (complain == 1).any() else None,
        "churn_rate_not_complained": _f(churned[complain == 0].mean()) if (complain == 0).any() else None,
        "churned_by_avoidance": int((churned & (reason_kind == 1)).sum()),
    }


# --------------------------------------------------------------------------
# Truths
# --------------------------------------------------------------------------


def _f(x) -> float | None:
    x = float(x)
    return None if not np.isfinite(x) else round(x, 6)


def _next_after(p_cust: np.ndarray, p_sec: np.ndarray, cust: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Seconds of each customer's first purchase strictly after ``at`` (inf-like if none)."""
    key = (p_cust.astype(np.int64) << 32) | p_sec.astype(np.int64)
    order = np.argsort(key, kind="stable")
    key = key[order]
    q = (cust.astype(np.int64) << 32) | at.astype(np.int64)
    pos = np.searchsorted(key, q, side="right")
    ok = pos < key.size
    nxt = np.full(cust.size, np.iinfo(np.int64).max, dtype=np.int64)
    hit = key[np.minimum(pos, key.size - 1)]
    same = ok & ((hit >> 32) == cust.astype(np.int64))
    nxt[same] = hit[same] & 0xFFFFFFFF
    return nxt


def _rate(mask: np.ndarray) -> float | None:
    return _f(mask.mean()) if mask.size else None


def _truths(w: _World, tA: int, p_sec: np.ndarray, tsec: dict, public_id: np.ndarray, qa: dict) -> dict:
    W2, W1 = 730 * DAY, 365 * DAY
    tk = w.tk
    vis = (tsec["created"] < tA) & (tsec["solved"] < tA) & tk["answered"]
    bad = vis & tk["rbad"]
    good = vis & tk["rgood"]
    cust = tk["cust"].astype(np.int64)
    big = np.iinfo(np.int64).max
    first_bad = np.full(w.n, big, dtype=np.int64)
    np.minimum.at(first_bad, cust[bad], tsec["solved"][bad])
    first_good = np.full(w.n, big, dtype=np.int64)
    np.minimum.at(first_good, cust[good], tsec["solved"][good])

    # 1. avoidance after the first bad / first good rating
    cb = np.flatnonzero(first_bad < big)
    ib = first_bad[cb]
    nb = _next_after(w.p_cust, p_sec, cb, ib)
    gap_b = nb - ib  # huge if never
    no2y = gap_b > W2
    seen = np.minimum(ib + W2, tA)
    naive = ~(nb <= seen)
    short = ib > tA - W2
    cg = np.flatnonzero((first_good < big) & (first_good < first_bad))
    ig = first_good[cg]
    ng = _next_after(w.p_cust, p_sec, cg, ig)
    no2y_g = (ng - ig) > W2
    naive_g = ~(ng <= np.minimum(ig + W2, tA))
    avoidance = {
        "definition": ("customers whose first bad-rated Zendesk ticket (Satisfaction Score 1-2 or "
                       "Bad) was solved on or before as_of; index = its Solved at; outcome = no "
                       "purchase (order) in (index, index + 730 days], from the full future"),
        "planted_p_stop_after_first_bad_unrecovered": P_AVOID_UNRECOVERED,
        "planted_p_stop_after_first_bad_recovered": P_AVOID_RECOVERED,
        "n_bad_index": int(cb.size),
        "avoid_2y_after_bad": _rate(no2y),
        "naive_avoid_2y_after_bad": _rate(naive),
        "share_bad_index_followup_lt_730d": _rate(short),
        "avoid_2y_after_bad_complete_followup_only": _rate(no2y[~short]),
        "n_bad_index_complete_followup": int((~short).sum()),
        "next_purchase_split_after_bad": {
            "lt_365d": _rate(gap_b < W1),
            "365_729d": _rate((gap_b >= W1) & (gap_b <= W2)),
            "ge_730d": _rate(no2y),
        },
        "n_good_index": int(cg.size),
        "avoid_2y_after_good": _rate(no2y_g),
        "naive_avoid_2y_after_good": _rate(naive_g),
        "excess_avoid_2y_bad_minus_good": _f(no2y.mean() - no2y_g.mean()) if cb.size and cg.size else None,
    }

    # 3. service recovery (repeat purchase within 365 days)
    bad_df = pd.DataFrame({"cust": cb, "ib": ib})
    gd = pd.DataFrame({"cust": cust[good], "gc": tsec["created"][good]})
    mm = bad_df.merge(gd, on="cust", how="inner")
    rec_c = mm.loc[(mm["gc"] > mm["ib"]) & (mm["gc"] <= mm["ib"] + 30 * DAY), "cust"].unique()
    recovered = np.isin(cb, rec_c)
    rep_b = gap_b <= W1
    never = np.flatnonzero((first_good < big) & (first_bad == big))
    in_ = first_good[never]
    rep_n = (_next_after(w.p_cust, p_sec, never, in_) - in_) <= W1
    recovery = {
        "definition": ("repeat purchase within 365 days of the index: never-bad = customers with a "
                       "good-rated ticket and no bad-rated ticket (index = first good Solved at); "
                       "recovered = first bad-rated ticket followed by a good-rated ticket created "
                       "within 30 days of its Solved at; unrecovered = the other first-bad customers "
                       "(index = first bad Solved at); ratings visible on or before as_of"),
        "planted_p_recovery_contact": P_RECOVERY_ATTEMPT,
        "repeat_365_never_bad": _rate(rep_n),
        "repeat_365_bad_recovered": _rate(rep_b[recovered]),
        "repeat_365_bad_unrecovered": _rate(rep_b[~recovered]),
        "n_never_bad": int(never.size),
        "n_bad_recovered": int(recovered.sum()),
        "n_bad_unrecovered": int((~recovered).sum()),
    }

    # 4. channels
    channels = {}
    for i, v in enumerate(VIA_ALL):
        m = vis & (tk["via"] == i)
        channels[v] = {
            "n_rated": int(m.sum()),
            "bad_rate": _rate(tk["rbad"][m]),
            "planted_p_bad_experience": _f(SCORE_PROBS[i, :2].sum()),
        }

    # 2. word of mouth (finished responses recorded on or before as_of)
    fin = qa["finished"]
    csat, told, warned = qa["csat"][fin], qa["told"][fin], qa["warned"][fin]
    band = _band(csat)

    def wom(mask):
        t = told[mask]
        return {
            "n": int(mask.sum()),
            "mean_told": _f(t.mean()) if t.size else None,
            "median_told": _f(np.median(t)) if t.size else None,
            "share_told_any": _rate(t > 0),
            "share_told_gt5": _rate(t > 5),
            "share_told_gt20": _rate(t > 20),
            "share_warned": _rate(warned[mask]),
            "answer_shares": {lab: _rate(qa["told_bin"][fin][mask] == j) for j, lab in enumerate(Q5_BINS)},
        }

    word_of_mouth = {
        "definition": ("finished Qualtrics responses (Status 'IP Address') recorded on or before "
                       "as_of; bands by Q1: dissatisfied = Extremely/Somewhat dissatisfied, "
                       "satisfied = Somewhat/Extremely satisfied; counts are the simulated exact "
                       "numbers behind the binned Q5 answers"),
        "planted_negative_binomial_mean_r": {k: list(v) for k, v in WOM_NB.items()},
        "planted_p_warned": dict(P_WARN),
        "dissatisfied": wom(band == 0),
        "neutral": wom(band == 1),
        "satisfied": wom(band == 2),
    }

    # 5. expectations (Q4) and repeat purchase within 365 days of the response
    e = qa["e"][fin]
    rc = qa["cust"][fin].astype(np.int64)
    rt = qa["rec"][fin]
    rep = (_next_after(w.p_cust, p_sec, rc, rt) - rt) <= W1
    expectations = {
        "definition": ("finished responses recorded on or before as_of; outcome = a purchase within "
                       "365 days after RecordedDate (full future)"),
        "planted_quiet_lapse_multiplier": {lab: float(EXPECTATION_LAPSE_MULT[j]) for j, lab in enumerate(Q4_LABELS)},
        "repeat_365_by_answer": {lab: {"n": int((e == j + 1).sum()), "rate": _rate(rep[e == j + 1])}
                                 for j, lab in enumerate(Q4_LABELS)},
    }
    return {"avoidance": avoidance, "recovery": recovery, "channels": channels,
            "word_of_mouth": word_of_mouth, "expectations": expectations}


def _verbatim_truth(w: _World, tA: int, tsec: dict, qa: dict) -> dict:
    """Languages, planted reasons and the planted disrespect effect of the Qualtrics comments."""
    tk = w.tk
    band = _band(qa["csat"])
    shown = qa["template"] >= 0
    # each customer's first bad experience: a ticket rated bad in Zendesk or answered 1-2 in Qualtrics,
    # dated by its Solved at (the Danish survey's answers, about no ticket, are left out)
    bad_t = (tsec["created"] < tA) & (tsec["solved"] < tA) & tk["answered"] & tk["rbad"]
    bad_t[qa["tid"][qa["csat"] <= 2]] = True
    bi = np.flatnonzero(bad_t)
    order = np.lexsort((bi, tsec["solved"][bi], tk["cust"][bi]))
    bi = bi[order]
    cust_b = tk["cust"][bi]
    first_t = np.full(w.n, -1, dtype=np.int64)
    head = np.r_[True, cust_b[1:] != cust_b[:-1]] if bi.size else np.zeros(0, dtype=bool)
    first_t[cust_b[head]] = bi[head]
    is_first = first_t[qa["cust"]] == qa["tid"]

    def effect(m: np.ndarray) -> dict:
        r, o = m & qa["rude"], m & ~qa["rude"]
        nr, no = qa["no_repeat"][r], qa["no_repeat"][o]
        return {"n_rude": int(r.sum()), "n_other": int(o.sum()),
                "no_repeat_365_rude": _rate(nr), "no_repeat_365_other": _rate(no),
                "difference_rude_minus_other": _f(nr.mean() - no.mean()) if nr.size and no.size else None}

    langs = {code: lg for code, lg in USER_LANGUAGES.items()}
    return {
        "definition": ("finished Qualtrics responses recorded on or before as_of answer in one of seven "
                       "languages (UserLanguage); each comment is a template with planted reasons "
                       "(csanalysis.datasets.generate.VERBATIM_TEMPLATES); comments and languages come "
                       "from their own random stream, so no other column depends on them"),
        "user_languages": langs,
        "planted_user_language_mix": dict(zip(USER_LANGUAGES, USER_LANGUAGE_MIX)),
        "responses_by_language": {lg: int((qa["lang"] == lg).sum()) for lg in USER_LANGUAGES.values()},
        "qualtrics_comments": _reason_counts(qa["lang"], qa["template"]),
        "disrespect": {
            "definition": ("Qualtrics comments of bad answers (Q1 Extremely/Somewhat dissatisfied) recorded "
                           "on or before as_of; rude = a planted 'rudeness' template; outcome = no purchase "
                           "within 365 days after the ticket's Solved at (full future); first_bad = the "
                           "response's ticket is the customer's first bad experience (rated bad in Zendesk "
                           "or answered 1-2 in Qualtrics), the index of no_return_after_disrespect"),
            "planted_p_rude_given_no_repeat_365": P_RUDE_NO_REPEAT,
            "planted_p_rude_given_repeat_365": P_RUDE_REPEAT,
            "bad_comments": effect(shown & (band == 0)),
            "first_bad_comments": effect(shown & (band == 0) & is_first),
            "first_bad_with_any_comment": int((shown & is_first).sum()),
        },
    }


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------


def _pct(x) -> str:
    """0.534483 -> '53.4%' (None -> 'n/a')."""
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _num(x) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def _readme(truth: dict) -> str:
    a, r, wm, ex = truth["avoidance"], truth["recovery"], truth["word_of_mouth"], truth["expectations"]
    d = wm["dissatisfied"]
    s = wm["satisfied"]
    ch_rows = "\n".join(
        f"| {v} | {c['n_rated']} | {_pct(c['bad_rate'])} | {_pct(c['planted_p_bad_experience'])} |"
        for v, c in truth["channels"].items()
    )
    ex_rows = "\n".join(
        f"| {lab} | {x['n']} | {_pct(x['rate'])} | {ex['planted_quiet_lapse_multiplier'][lab]} |"
        for lab, x in ex["repeat_365_by_answer"].items())
    sp = a["next_purchase_split_after_bad"]
    vb = truth["verbatims"]
    dis = vb["disrespect"]
    db, df_ = dis["bad_comments"], dis["first_bad_comments"]
    reasons = ("rudeness", "waiting", "repeat", "not_resolved", "wrong_information", "delivery",
               "product_quality", "billing", "price", "self_service")
    comm = {**{f"{lg} (Qualtrics)": (vb["responses_by_language"][lg], x) for lg, x in vb["qualtrics_comments"].items()},
            **{f"{lg} (Danish survey)": (truth["danish"]["n"], x)
               for lg, x in truth.get("danish", {}).get("comments", {}).items()}}
    vb_rows = "\n".join(
        f"| {name} | {n_resp} | {x['comments']} | " + " | ".join(str(x["planted_reasons"][r]) for r in reasons)
        + f" | {x['no_reason']} |" for name, (n_resp, x) in comm.items())
    ag = truth["agents"]
    ag_rows = "\n".join(
        f"| {a} | `{ag['agent_key'][a]}` | {ag['effect'][a]} | {ag['planted_bad_multiplier'][a]:.2f} | "
        f"{_pct(ag['planted_bad_share'][a])} | {x['rated']} | {x['bad']} | {_pct(x['bad_share'])} |"
        for a, x in ag["realised"].items())
    nr = truth["nonresponse"]
    n = truth["counts"]
    return f"""# csanalysis sample data

A simulated Danish web shop with a customer-service desk: {truth['n_customers']} customers,
first purchases from {truth['start']} to shortly before the extraction date {truth['as_of']}.
Everything here is **synthetic**: names are common Danish names combined at random, e-mail
addresses use the reserved `example.com/.org/.net` domains, IP addresses come from the
documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24). Generated by
`python -m csanalysis.datasets.generate OUT_DIR --customers {truth['n_customers']} --seed {truth['seed']}`
(deterministic: the same seed gives byte-identical files).

The world is simulated up to {truth['horizon']} (as_of + 3 years) and then cut at as_of, the
way a real export is. The planted truths below are measured on the **full future**, so an
estimator that handles censoring (Kaplan-Meier) should recover them from the files, and a
naive count should not.

## Files

| file | format | rows |
|---|---|---|
| `zendesk_tickets.csv` | Zendesk Support CSV export: header case of real files (`Id`, `Requester id`), dates `YYYY-MM-DD HH:MM:SS` in the account time zone Europe/Copenhagen without offset, `Satisfaction Score` blank / `Offered` / `1`-`5` (legacy `Good`/`Bad` for tickets solved before {LEGACY_CSAT_BEFORE}), one custom field `Contact reason [list]` (`-` when empty) | {n['zendesk_tickets']} tickets |
| `qualtrics_survey.csv` | Qualtrics current CSV export: 3 header rows (export tags, question text, ImportId JSON with `"timeZone":"Europe/Copenhagen"`), UTF-8 without BOM, CRLF, choice text; includes `Survey Preview`, `Survey Test` and `Spam` rows and unfinished responses (`Finished` False, `Progress` < 100); `ExternalReference` = Zendesk `Requester id`, embedded data `ticket_id` = Zendesk `Id`; some comments contain commas, quotes and line breaks | {n['qualtrics_rows']} responses ({n['qualtrics_real']} real) |
| `shopify_orders.csv` | Shopify orders export: one row per line item; `Name`, `Email`, `Created at` and the `Lineitem ...`/`Vendor` columns on every row, all order-level fields on the first row of each order only; dates `2024-03-05 14:03:22 +0100`; newest order first; DKK, some EUR; `voided`/`refunded` orders and test orders (`Tags` = `test`, `test@example.com`) to be excluded | {n['shopify_orders']} orders, {n['shopify_lines']} lines |
| `danish_survey.csv` | a Danish relationship survey saved by Excel: Windows-1252, `;`, CRLF, `dd-mm-yyyy HH:MM`, decimal comma with `.` thousands (`Beløb`), free-text answers to "how many people" (`ingen`, `ca. 5`, `6-10`, `5+`, `over 20`, `mere end 20`); same customers (same e-mails) | {n['danish_rows']} |
| `customer_snapshot.csv` | a customer table in the shape of the IBM telco churn data; `Email` links it to the other files; churn = no purchase after as_of and none in the last 90 days before it | {n['snapshot_rows']} |
| `planted_truth.json` | everything below, machine-readable | |

Linking: e-mail is the key across all files (`Requester email`, `RecipientEmail`, `Email`,
`E-mailadresse`); Zendesk `Requester id` = Qualtrics `ExternalReference`; Qualtrics `ticket_id`
= Zendesk `Id`; ticket subjects quote the Shopify order `Name` (`Where is my order #1234?`).

## How the world works

* Each customer has a buying rhythm (gamma gaps; a customer-specific mean, log-normal around
  {GAP_MEDIAN:g} days and kept within 30-600; {LONG_CYCLE_SHARE:.0%} are
  long-cycle buyers with a 450-1000 day mean) and a quiet-lapse chance after every purchase
  (Beta(2, 9), at least 3%, so some customers stop with no service failure at all).
* Each purchase raises a ticket with a customer-specific probability. The latent experience
  (1-5) depends on the channel; when the satisfaction survey is offered ({P_OFFERED:.0%}) the
  customer answers with probability {P_ANSWER_BAD} (bad) or {P_ANSWER_OTHER} (otherwise).
* **Avoidance** (effect 1). After a customer's *first bad-rated* ticket the company contacts the
  customer again in {P_RECOVERY_ATTEMPT:.0%} of cases (`OutBound` or `Closed Ticket` follow-up).
  The customer then stops buying for good with probability {P_AVOID_UNRECOVERED} (no good-rated
  follow-up) or {P_AVOID_RECOVERED} (follow-up rated good); otherwise the rhythm continues.
* **Word of mouth** (effect 2). Survey respondents' exact number of people told is negative
  binomial by CSAT band (dissatisfied mean 9, r = 0.8: about 12% over 20; neutral mean 2;
  satisfied mean 3); the survey only shows the bins `0`, `1-5`, `6-10`, `11-20`, `More than 20`.
  Dissatisfied respondents advise others not to buy with probability 0.40.
* **Service recovery** (effect 3): the recovered stop with {P_AVOID_RECOVERED}, not {P_AVOID_UNRECOVERED}.
* **Channels** (effect 4): bad experiences are most common by e-mail and least common in chat.
* **Service levels** (effect 5): the expectation answer of a customer's latest ticket multiplies
  the quiet-lapse chance (2.0, 1.5, 1.0, 0.75, 0.5 from "Much worse" to "Much better than
  expected"), i.e. meeting expectations keeps customers, exceeding and delighting keeps more.
* **Agents** (effect 8): two agents get about twice the bad ratings of the others, one a third;
  the rating itself does not depend on the agent (see 8 below).

## Planted truths (this sample)

**1. Avoidance after one bad experience** (benchmark: "39% avoid the company for two years").
Among the {a['n_bad_index']} customers with a first bad-rated ticket solved by as_of:

* true share with no purchase within 730 days (full future): **{_pct(a['avoid_2y_after_bad'])}**
  (after a first good rating, among customers not rated bad before: {_pct(a['avoid_2y_after_good'])};
  difference {_num(100 * a['excess_avoid_2y_bad_minus_good'])} percentage points). It is above the planted 30% because quiet
  lapses and long buying cycles also leave two-year gaps;
* naive share from the files (no purchase seen before as_of counts as avoidance):
  {_pct(a['naive_avoid_2y_after_bad'])}, biased upwards because {_pct(a['share_bad_index_followup_lt_730d'])}
  of the index dates have less than 730 days of follow-up;
* share among index dates with complete follow-up only: {_pct(a['avoid_2y_after_bad_complete_followup_only'])}
  (n = {a['n_bad_index_complete_followup']});
* next purchase within < 365 / 365-729 / >= 730 days (or never): {_pct(sp['lt_365d'])} /
  {_pct(sp['365_729d'])} / {_pct(sp['ge_730d'])} (the survey's 47 / 14 / 39).

**2. Word of mouth** (benchmarks: "9-15 people", "13% tell more than 20", "40% warn others").
Dissatisfied respondents (n = {d['n']}): true mean told {_num(d['mean_told'])}, median {_num(d['median_told'])},
share over 20 {_pct(d['share_told_gt20'])}, share over 5 {_pct(d['share_told_gt5'])}, share who advised
others not to buy {_pct(d['share_warned'])}. Satisfied respondents (n = {s['n']}): mean told
{_num(s['mean_told'])}, over 20 {_pct(s['share_told_gt20'])}, warned {_pct(s['share_warned'])}. The survey
only shows the bins, so the mean must be estimated from interval-censored answers.

**3. Service recovery**: repeat purchase within 365 days: never bad {_pct(r['repeat_365_never_bad'])}
(n = {r['n_never_bad']}), bad then recovered {_pct(r['repeat_365_bad_recovered'])} (n = {r['n_bad_recovered']}),
bad and not recovered {_pct(r['repeat_365_bad_unrecovered'])} (n = {r['n_bad_unrecovered']}).

**4. Channels**: share of rated tickets rated bad, by `Via`:

| Via | rated tickets | bad rate | planted P(bad experience) |
|---|---|---|---|
{ch_rows}

**5. Service levels**: repeat purchase within 365 days of the survey, by Q4 answer:

| Q4 answer | n | repeat rate | planted lapse multiplier |
|---|---|---|---|
{ex_rows}

**6. Comments in seven languages** (issue 15). Each real Qualtrics response has a `UserLanguage`
({', '.join(truth['verbatims']['user_languages'])}) and its comment (`Q7`) is written in that language; the
Danish survey's `Kommentar` is Danish. Every comment is one of a few templates per language, each with a
planted set of reasons (`VERBATIM_TEMPLATES` in `csanalysis/datasets/generate.py`: single and mixed
reasons, negated rudeness such as "not rude at all" / "ikke uhøflig", and comments giving no reason).
Comments and languages come from their own random stream, so no other column depends on them.

| language | responses | comments | rude | waiting | repeat | not resolved | wrong info | delivery | product | billing | price | self-service | no reason |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
{vb_rows}

**7. No return after disrespect**: a bad answer's comment is rude with probability
{dis['planted_p_rude_given_no_repeat_365']} when the customer makes no purchase within 365 days after the
ticket was solved and {dis['planted_p_rude_given_repeat_365']} when the customer does (purchases are not
changed). Among commented bad answers: no purchase within 365 days after a rude comment
{_pct(db['no_repeat_365_rude'])} (n = {db['n_rude']}), after another comment {_pct(db['no_repeat_365_other'])}
(n = {db['n_other']}); among those that are the customer's first bad experience (the index of
`no_return_after_disrespect`): {_pct(df_['no_repeat_365_rude'])} (n = {df_['n_rude']}) and
{_pct(df_['no_repeat_365_other'])} (n = {df_['n_other']}), difference
{_num(None if df_['difference_rude_minus_other'] is None else 100 * df_['difference_rude_minus_other'])}
percentage points (unweighted). The Danish survey has no response id, so its comments cannot enter that figure.

**8. Agents** (issue 14). Every ticket's `Assignee` is first drawn uniformly from the
{len(ag['agent_key'])} agents; then the assignee of every *rated* ticket (`Satisfaction Score` 1-5, `Good`
or `Bad`) is drawn again, from its own random stream, given the rating. Within each `Via`, an agent's
chance of a bad rating (1, 2 or `Bad`) is the channel's bad share times the agent's multiplier over the
mean multiplier: worse {' and '.join(f"{a} ({ag['planted_bad_multiplier'][a]:.2f})" for a in ag['worse'])},
better {' and '.join(f"{a} ({ag['planted_bad_multiplier'][a]:.2f})" for a in ag['better'])}, the other
{len(ag['equal'])} agents 1; every agent keeps an equal expected share of each channel's rated tickets.
The ratings do not change, unrated tickets keep the uniform draw, no other column changes, and an
`OutBound` ticket's `Submitter` is its `Assignee`. Of the rated customer-initiated tickets (the ones the
agent rankings use; `OutBound` and `Closed Ticket` are agent-initiated)
{_pct(ag['bad_share_rated_customer_initiated'])} are bad, so the planted bad shares are twice the ordinary
agents' for the worse two and a third of it for the better one. The readers show agents as keyed
pseudonyms (`agent_key`); the keys below are those of `load_sample()` (secret
`csanalysis.datasets.SAMPLE_KEY`). Counts are rated customer-initiated tickets.

| agent | agent_key | planted | multiplier | planted bad share | rated tickets | bad | realised bad share |
|---|---|---|---|---|---|---|---|
{ag_rows}

**9. Survey non-response** (issue 14). Of the {nr['n_offered']} customer-initiated tickets offered the
satisfaction survey, {nr['n_answered']} were answered. Customers answer more often after a bad experience
({nr['planted_p_answer_bad']:.0%} against {nr['planted_p_answer_other']:.0%}), so the rated tickets overstate
the bad share: {_pct(nr['bad_share_answered'])} among the answered ones, {_pct(nr['bad_share_all_offered'])}
among all offered ones (latent experience 1-2). The answer depends on the experience itself, not only on
what every ticket shows (missing not at random): a response weighting on resolution and reply times can
correct only the part those times carry, and the report says so.

Exact definitions are in `planted_truth.json` under each effect's `definition`.
"""


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def generate_sample(
    out_dir: str | os.PathLike,
    *,
    n_customers: int = 3000,
    seed: int = 20261122,
    start: str = "2019-01-01",
    as_of: str = "2025-12-31",
    danish: bool = True,
    snapshot: bool = True,
    rates: Rates | None = None,
    id_block: int = 0,
) -> dict:
    """Simulate one world and write it as real export files.

    Parameters
    ----------
    out_dir : str or PathLike
        Directory to write into (created if needed). Existing files of the same
        names are overwritten.
    n_customers : int, default 3000
        Number of simulated customers.
    seed : int, default 20261122
        Seed; the same seed gives byte-identical files.
    start : str, default "2019-01-01"
        First day customers can make their first purchase.
    as_of : str, default "2025-12-31"
        Extraction date: the exports contain what happened up to the end of
        this day (Europe/Copenhagen). The world is simulated 3 years further.
    danish, snapshot : bool, default True
        Also write ``danish_survey.csv`` / ``customer_snapshot.csv``.
    rates : Rates, optional
        Purchase, ticket, survey and line-item rates (default :class:`Rates`,
        which gives the bundled sample); :data:`BENCHMARK_RATES` gives about
        3 tickets, 10 order lines and 0.5 survey responses per customer.
    id_block : int, default 0
        Numbers the world's ids from ``id_block * ID_BLOCK`` (tickets, orders,
        the e-mails' numbers; requester and order ids likewise): worlds of
        distinct blocks share no customer, ticket or order, so their exports
        can be written one after the other as one larger export (the
        benchmarks generate their largest scenarios so, a block at a time).
        Block 0 is the world as before.

    Returns
    -------
    dict
        The planted truth (JSON-ready), also written to
        ``out_dir/planted_truth.json``, with keys ``avoidance``,
        ``word_of_mouth``, ``recovery``, ``channels``, ``expectations``, ``agents``,
        ``counts``, ``files`` and the run parameters.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     truth = generate_sample(d, n_customers=200, seed=7)
    >>> truth["n_customers"], truth["as_of"]
    (200, '2025-12-31')
    """
    if rates is None:
        rates = Rates()
    elif not isinstance(rates, Rates):
        raise TypeError(f"rates must be a csanalysis.datasets.generate.Rates, got {type(rates).__name__}.")
    if int(n_customers) < 1:
        raise ValueError(f"n_customers must be a positive integer, got {n_customers!r}.")
    n = int(n_customers)
    if isinstance(id_block, bool) or int(id_block) != id_block or id_block < 0:
        raise ValueError(f"id_block must be a whole number >= 0, got {id_block!r}.")
    try:
        t_start = _days(start)
        t_asof = _days(as_of) + 1.0  # exclusive: through the end of the as_of day
    except ValueError as exc:
        raise ValueError(f"start and as_of must be ISO dates like '2019-01-01' ({exc}).") from None
    if t_asof - t_start < 180:
        raise ValueError(f"as_of ({as_of}) must be at least 180 days after start ({start}).")
    horizon = t_asof + 3 * 365.25
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    ss = np.random.SeedSequence(int(seed))
    r_sim, r_ppl, r_zen, r_qual, r_shop, r_dan, r_snap = (np.random.default_rng(s) for s in ss.spawn(7))
    w = _simulate(r_sim, n, t_start, t_asof, horizon, rates)
    ppl = _people(r_ppl, n, int(id_block))
    tA = int(round(t_asof * DAY))

    p_sec = _to_seconds(w.p_time)
    tsec = {"created": _to_seconds(w.tk["created"]), "solved": _to_seconds(w.tk["solved"])}
    rec_sec = _to_seconds(w.sv["recorded"])
    od = _orders(r_shop, w, ppl, tA, int(round(t_start * DAY)), p_sec, rates.extra_lines)
    first_real = int(p_sec.min()) if p_sec.size else int(round(t_start * DAY))
    order_name, oinfo = _shopify(r_shop, w, ppl, tA, first_real, p_sec, od, out / FILES["orders"],
                                int(id_block))
    public_id, agents_truth, nonresponse_truth = _zendesk(r_zen, w, ppl, tA, tsec, order_name, out / FILES["tickets"],
                                                      seed=int(seed), id_block=int(id_block))
    qa = _qualtrics(r_qual, w, ppl, tA, rec_sec, public_id, out / FILES["survey"], seed=int(seed),
                    solved_sec=tsec["solved"], p_sec=p_sec)
    truth = _truths(w, tA, p_sec, tsec, public_id, qa)
    truth["verbatims"] = _verbatim_truth(w, tA, tsec, qa)
    truth["nonresponse"] = nonresponse_truth
    truth["agents"] = agents_truth
    files = [FILES["tickets"], FILES["survey"], FILES["orders"]]
    if danish:
        truth["danish"] = _danish(r_dan, w, ppl, tA, p_sec, tsec["created"], od, out / FILES["danish"],
                                  seed=int(seed))
        files.append(FILES["danish"])
    if snapshot:
        truth["snapshot"] = _snapshot(r_snap, w, ppl, tA, p_sec, tsec["created"], out / FILES["snapshot"])
        files.append(FILES["snapshot"])

    n_q_real = int(qa["keep"].size)
    truth.update({
        "generator": "csanalysis.datasets.generate",
        **({} if rates == Rates() else {"rates": asdict(rates)}),
        "seed": int(seed),
        "n_customers": n,
        **({"id_block": int(id_block)} if id_block else {}),
        "start": start,
        "as_of": as_of,
        "horizon": str(np.datetime64(int(round(horizon * DAY)), "s").astype("datetime64[D]")),
        "time_zone": TIME_ZONE,
        "files": files,
        "counts": {
            "customers_with_purchase_by_as_of": int(np.unique(w.p_cust[p_sec < tA]).size),
            "purchases_by_as_of": int((p_sec < tA).sum()),
            "purchases_full_future": int(p_sec.size),
            "zendesk_tickets": int((tsec["created"] < tA).sum()),
            "tickets_full_future": int(tsec["created"].size),
            "qualtrics_real": n_q_real,
            "qualtrics_rows": qa["rows"],
            "shopify_orders": int(oinfo["kind"].size),
            "shopify_lines": oinfo["lines"],
            "shopify_test_orders": int((oinfo["kind"] == 3).sum()),
            "shopify_voided_or_refunded_extra_orders": int(((oinfo["kind"] == 1) | (oinfo["kind"] == 2)).sum()),
            "danish_rows": truth.get("danish", {}).get("n", 0),
            "snapshot_rows": truth.get("snapshot", {}).get("n", 0),
            "customers_stopped_by_avoidance": int((w.stop_reason == 1).sum()),
            "customers_stopped_by_quiet_lapse": int((w.stop_reason == 2).sum()),
        },
        "purchase_definition": ("a purchase is an order with Financial Status paid, pending or "
                                "partially_refunded; voided and refunded orders are extra orders "
                                "placed shortly before a real purchase, and test orders are not "
                                "purchases"),
    })
    (out / "planted_truth.json").write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(truth), encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m csanalysis.datasets.generate OUT_DIR [--customers N] [--seed S]``."""
    ap = argparse.ArgumentParser(prog="python -m csanalysis.datasets.generate",
                                 description="Generate the csanalysis sample data set.")
    ap.add_argument("out_dir")
    ap.add_argument("--customers", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--start", default="2019-01-01")
    ap.add_argument("--as-of", default="2025-12-31")
    ap.add_argument("--benchmark-rates", action="store_true",
                    help="about 3 tickets, 10 order lines and 0.5 survey responses per customer")
    args = ap.parse_args(argv)
    truth = generate_sample(args.out_dir, n_customers=args.customers, seed=args.seed,
                            start=args.start, as_of=args.as_of,
                            rates=BENCHMARK_RATES if args.benchmark_rates else None)
    c = truth["counts"]
    print(f"wrote {args.out_dir}: {c['zendesk_tickets']} tickets, {c['shopify_orders']} orders, "
          f"{c['qualtrics_real']} survey responses")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
