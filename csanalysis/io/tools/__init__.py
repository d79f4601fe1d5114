"""What each export tool is: one module per tool family, and the registry the readers ask.

Every module describes the exports of one tool (what they look like, how they
are recognised, their header vocabulary, quirks and time-zone convention) as
plain data in a descriptor (:mod:`csanalysis.io.tools.base`), plus small
functions where a quirk needs code. The readers
(:func:`~csanalysis.io.read_tickets`, :func:`~csanalysis.io.read_survey`,
:func:`~csanalysis.io.read_activity`, :func:`~csanalysis.io.read_customers`)
are generic: they ask this registry which tool wrote a file and apply its
descriptor.

==================  ==========  ==================================================
module              table       formats (``source=``)
==================  ==========  ==================================================
``zendesk``         tickets     ``zendesk_csv``, ``zendesk_json``
``freshdesk``       tickets     ``freshdesk_csv``
``intercom``        tickets     ``intercom_csv``
``helpscout``       tickets     ``helpscout_csv``
``jira``            tickets     ``jira_csv``
``salesforce``      tickets     ``salesforce_csv``
``qualtrics``       responses   ``qualtrics``, ``qualtrics_legacy``
``spss``            responses   ``spss``
``surveymonkey``    responses   ``surveymonkey``
``typeform``        responses   ``typeform``
``google_forms``    responses   ``google_forms``
``shopify``         activity    ``shopify``
``stripe``          activity    ``stripe_charges``, ``stripe_invoices``
``churn_tables``    customers   ``ibm_telco``, ``telco_churn``, ``bank_churn``,
                                ``ecommerce_churn``, ``bank_churners``
==================  ==========  ==================================================

The order of :data:`TOOLS` is the order of detection within a table: the
first tool whose signature (``detect``) matches wins; weak signatures
(``detect_weak``) are tried after every tool's signature failed.

The same signatures, with simple evidence from column names (an order id and
an amount; a ticket id with ticket fields), tell a reader when it was given
another table (:func:`looks_like`, :func:`refusal`), which worksheet of a
workbook fits it (:func:`sheet_fit`), and which of an order table's time
columns is its purchase time (:func:`order_time`).

Examples
--------
>>> [t.name for t in formats("tickets")][:3]
['zendesk_csv', 'zendesk_json', 'freshdesk_csv']
>>> tool, header_rows = detect("responses", Header((("StartDate", "Q1"), ("Start Date", "How?"),
...                                                 ('{"ImportId":"startDate"}', '{"ImportId":"QID1"}'))))
>>> tool.name, tool.family, header_rows
('qualtrics', 'qualtrics', 3)
>>> detect("activity", Header.of_columns(["Date", "Amount"])) is None
True
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from .._common import header_key
from . import (
    churn_tables,
    freshdesk,
    google_forms,
    helpscout,
    intercom,
    jira,
    qualtrics,
    salesforce,
    shopify,
    spss,
    stripe,
    surveymonkey,
    typeform,
    zendesk,
)
from .base import ActivityTool, Header, SurveyLayout, SurveyTool, TicketTool, Tool

__all__ = ["MODULES", "TOOLS", "LABEL_SCALES", "NONRESPONSE_LABELS", "READERS", "Header", "Tool", "TicketTool",
           "SurveyTool", "ActivityTool", "SurveyLayout", "formats", "named", "detect", "sources", "titles",
           "looks_like", "order_columns", "order_time", "refusal", "sheet_fit", "is_data_dictionary",
           "shown_columns", "DATE_VALUE"]

#: The tool modules, in the order of detection.
MODULES = (
    zendesk, freshdesk, intercom, helpscout, jira, salesforce,
    qualtrics, spss, surveymonkey, typeform, google_forms,
    shopify, stripe,
    churn_tables,
)
#: Every format of every tool, by table, in the order of detection.
TOOLS: tuple[Tool, ...] = tuple(t for m in MODULES for t in m.FORMATS)

#: The ticket tools' rating enums as answer-label scales (for :mod:`csanalysis.io.labels`), in the
#: order that breaks ties between equally good scales (Help Scout's 3 points before Freshdesk's).
LABEL_SCALES: tuple = (*intercom.LABEL_SCALES, *helpscout.LABEL_SCALES, *freshdesk.LABEL_SCALES,
                       *zendesk.LABEL_SCALES)
#: Tool states in a rating column that are no answer on a scale.
NONRESPONSE_LABELS: tuple[str, ...] = zendesk.NONRESPONSE_LABELS


def formats(table: str) -> tuple[Tool, ...]:
    """The formats of ``table`` (``"tickets"``, ``"responses"``, ``"activity"``, ``"customers"``)."""
    return tuple(t for t in TOOLS if t.table == table)


def sources(table: str) -> tuple[str, ...]:
    """The ``source=`` names of ``table``'s formats, in registry order."""
    return tuple(t.name for t in formats(table))


def named(table: str, name: str) -> Tool | None:
    """The format of ``table`` called ``name`` (None if no tool has it)."""
    return next((t for t in formats(table) if t.name == name), None)


def titles(table: str) -> str:
    """The tool families of ``table`` in words: ``"Zendesk, Freshdesk, ... or Salesforce"``."""
    names = list(dict.fromkeys(_TITLES[t.family] for t in formats(table)))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def detect(table: str, header: Header, among: tuple[Tool, ...] | None = None) -> tuple[Tool, Any] | None:
    """Which tool wrote a file with this ``header``: ``(tool, what its signature returned)`` or None.

    Every tool's ``detect`` is tried in registry order, then every tool's
    ``detect_weak``. ``among`` restricts the candidates (e.g. to the format
    ``source=`` names).
    """
    candidates = formats(table) if among is None else among
    for attr in ("detect", "detect_weak"):
        for t in candidates:
            sig = getattr(t, attr)
            if sig is None:
                continue
            found = sig(header)
            if found:
                return t, found
    return None


_TITLES = {m.__name__.rsplit(".", 1)[1]: m.TITLE for m in MODULES}


# ----------------------------------------------------------------------------- which table a file is
#: The reader (and the command-line option) of each table.
READERS: dict[str, str] = {
    "tickets": "read_tickets() (csanalysis report --tickets)",
    "responses": "read_survey() (csanalysis report --survey)",
    "activity": "read_activity() (csanalysis report --activity)",
    "customers": "read_customers() (csanalysis report --customers)",
}
_KIND = {"tickets": "a helpdesk ticket export", "responses": "a survey export",
         "activity": "an orders / payments export", "customers": "a customer table"}

# Column names (reduced to letters and digits by header_key) that make a generic table an order table or a
# ticket table: the simple evidence used to refuse a file given to the wrong reader.
_ORDER_ID = re.compile(r"^(?:customer)?(?:order|invoice|transaction|ordre|bestell|bestellung|faktura|rechnung|заказ)"
                       r"(?:id|no|nr|number|nummer|num|номер)?$|^(?:номерзаказа|idзаказа)$")
_AMOUNT = re.compile(r"amount|total|price|revenue|sales|subtotal|dollarvalue|ordervalue|beløb|belob|belopp|betrag"
                     r"|summe|summa|сумма|стоимость|итого|цена")
_TIME = re.compile(r"date|time|dato|datum|дата|время|createdat|paidat|purchasedat|timestamp")
_TICKET_ID = re.compile(r"^(?:ticket|case|conversation|issue|incident|sag|ärende|обращение)"
                        r"(?:id|no|nr|number|key|nummer)?$")
_TICKET_FIELD = re.compile(r"^(?:status|priority|assignee|requester\w*|via|channel|subject|solvedat|resolvedat"
                           r"|firstreplytime\w*|agent|group)$")


def order_columns(columns) -> dict[str, str]:
    """The columns that make a table an order table: ``order_id``, ``amount``, ``at`` (those found).

    Examples
    --------
    >>> order_columns(["Order ID", "Customer", "Order Date", "Total"])
    {'order_id': 'Order ID', 'amount': 'Total', 'at': 'Order Date'}
    """
    out: dict[str, str] = {}
    for c in columns:
        k = header_key(c)
        if "order_id" not in out and _ORDER_ID.search(k):
            out["order_id"] = str(c)
        elif "amount" not in out and _AMOUNT.search(k):
            out["amount"] = str(c)
        elif "at" not in out and _TIME.search(k):
            out["at"] = str(c)
    return {k: out[k] for k in ("order_id", "amount", "at") if k in out}


# ----------------------------------------------------------------------------- quoting a file's columns
#: Header words beyond the tools' own vocabulary (the generic readers' names, common export words).
_COMMON_HEADER_WORDS = frozenset("""
id no nr key number code name first last full date time day month year created updated modified closed solved
resolved opened submitted recorded start end at on in of by to from the and per hrs hours minutes min mins sec
email mail phone mobile address city state country region zip postal code company organization organisation
account customer client user requester assignee agent group team owner contact status type priority channel
source via subject description tags tag comment comments note notes reason category product order invoice
amount total price revenue sales value quantity qty currency payment method count score rating satisfaction
recommend nps csat ces effort survey response respondent question answer churn churned tenure gender age
update last due initial resolution interactions tracked association every
results level service support buyer seller ref reference when where what who how paid cur curr ccy net gross tax
vat discount shipping billing bill ship item items sku line unit units qty store shop site web page url link
visit session event action activity transaction transactions purchase purchased purchases sale refund refunds
return returns subscription plan tier segment cohort region market language locale source medium campaign
referral referrals complaint complaints feedback review reviews stars star text body message reply replies
answered assigned requested reopened reopens escalated sla breach breached handle handling wait waiting
minutes seconds days weeks duration elapsed internal external public private is has was flag yes
kunde kundenummer kunden datum zeit betrag bestellung navn dato beløb ordre kund belopp nummer
""".split())


@functools.cache
def _header_words() -> frozenset[str]:
    """Every word of every tool's column names, the canonical names and :data:`_COMMON_HEADER_WORDS`."""
    words = set(_COMMON_HEADER_WORDS)

    def take(v):
        if isinstance(v, str):
            words.update(_WORD.findall(v.lower()))
        elif isinstance(v, (tuple, list, frozenset, set)):
            for x in v:
                take(x)
        elif isinstance(v, Mapping):
            for k, x in v.items():
                take(k)
                take(x)

    for module in MODULES:  # the modules' signature and vocabulary lists
        for v in vars(module).values():
            if isinstance(v, (tuple, frozenset)) and v and all(isinstance(x, str) for x in v):
                take(v)
    for tool in TOOLS:
        for f in dataclasses.fields(tool):
            if f.name.endswith(("columns", "cols", "_text")) or f.name == "columns":
                take(getattr(tool, f.name))
    return frozenset(words)


_WORD = re.compile(r"[^\W\d_]+")


def shown_columns(columns, limit: int = 15) -> str:
    """A file's column names for a message, quoting only names made of known header words.

    When a reader does not recognise a file its first row may be a record (the
    header row missing), so an unknown name may be a customer's name or any
    other value: such names are counted, never quoted.

    Examples
    --------
    >>> shown_columns(["Ticket ID", "Subject", "Anna Jensen", "1003"])
    "'Ticket ID', 'Subject' and 2 more not quoted (unknown names: if they are values, the header row is missing)"
    """
    names = [str(c) for c in columns]
    vocab = _header_words()

    def known(name: str) -> bool:
        w = _WORD.findall(name.lower())
        return bool(w) and all(x in vocab for x in w)

    ok = [n for n in names if known(n)]
    quoted = ", ".join(repr(n) for n in ok[:limit]) + (f" ... ({len(ok) - limit} more)" if len(ok) > limit else "")
    hidden = len(names) - len(ok)
    if not hidden:
        return quoted
    rest = (f"{hidden} more not quoted" if ok else f"{hidden} columns, none quoted") + \
        " (unknown names: if they are values, the header row is missing)"
    return f"{quoted} and {rest}" if ok else rest


def looks_like(columns, but_not: str) -> tuple[str, str] | None:
    """Which *other* table a file with these columns is: ``(table, what it is, in words)``, or None.

    A tool's signature (:func:`detect`) decides first; then simple evidence:
    an order table has an order id and an amount column, a ticket table a
    ticket id with ticket fields (status, priority, assignee, via ...). The
    caller decides whether the evidence outweighs its own (a survey that
    also has an order id is still a survey).

    Examples
    --------
    >>> looks_like(["Id", "Requester id", "Status", "Via", "Created at", "Satisfaction Score"], "responses")[1]
    "a Zendesk Support CSV export (columns 'Id', 'Requester id', 'Status', 'Via', 'Created at' ...)"
    >>> looks_like(["Order ID", "Customer ID", "Order Date", "Total"], "responses")
    ('activity', "an orders table (order id 'Order ID', amount 'Total', date 'Order Date')")
    """
    names = [str(c) for c in columns]
    shown = ", ".join(repr(c) for c in names[:5]) + (" ..." if len(names) > 5 else "")
    header = Header.of_columns(names)
    for table in ("tickets", "activity", "customers", "responses"):
        if table == but_not:
            continue
        found = detect(table, header)
        if found:
            return table, f"a {found[0].title} (columns {shown})"
    if but_not != "activity":
        oc = order_columns(names)
        if "order_id" in oc and "amount" in oc:
            what = ", ".join(f"{w} {oc[k]!r}" for k, w in (("order_id", "order id"), ("amount", "amount"),
                                                          ("at", "date")) if k in oc)
            return "activity", f"an orders table ({what})"
    if but_not != "tickets":
        keys = [header_key(c) for c in names]
        tid = next((c for c, k in zip(names, keys) if _TICKET_ID.search(k)), None)
        fields = [c for c, k in zip(names, keys) if _TICKET_FIELD.search(k)]
        if tid is not None and len(fields) >= 2:
            return "tickets", f"a ticket table (ticket id {tid!r}, {', '.join(map(repr, fields[:3]))})"
    return None


def refusal(table: str, other: tuple[str, str]) -> tuple[str, str]:
    """``(problem, expected)`` of an :class:`~csanalysis.errors.ExportError` refusing a file of another table."""
    kind, what = other
    return (f"this looks like {what}, not {_KIND[table]}",
            f"{_KIND[table]} here; read this file with {READERS[kind]}")


# ----------------------------------------------------------------------------- workbooks: which sheet
_DICTIONARY_WORDS = frozenset({
    "variable", "variablename", "variables", "field", "fieldname", "column", "columnname", "description",
    "label", "type", "datatype", "values", "valuelabels", "definition", "meaning", "question", "questiontext",
    "code", "codes", "format", "notes", "beskrivelse", "beschreibung", "feld", "variabel", "описание",
    "переменная", "поле",
})
_TABLE_WORDS = {
    "responses": re.compile(r"respon|submit|recorded|timestamp|satisf|recommend|nps|csat|ces|rating|score"),
    "tickets": re.compile(r"ticket|case|status|priority|assignee|requester|via|channel|subject|solved|resolved"),
    "activity": re.compile(r"order|invoice|amount|total|price|revenue|quantity|qty|currency|sales"),
    "customers": re.compile(r"customer|client|churn|exited|attrition|tenure|satisf|complain|referr|kunde"),
}


def is_data_dictionary(names) -> bool:
    """Whether a sheet's first row is a data dictionary's (``Variable, Description, Type`` ...).

    Examples
    --------
    >>> is_data_dictionary(["Variable", "Description", "Type"]), is_data_dictionary(["Customer ID", "Churn"])
    (True, False)
    """
    names = [n for n in (str(x).strip() for x in names) if n and n.lower() != "nan"]
    hits = sum(header_key(n) in _DICTIONARY_WORDS for n in names)
    return 0 < len(names) <= 8 and hits >= 2


def sheet_fit(table: str) -> Callable[[pd.DataFrame], float]:
    """How well a worksheet's content fits the reader of ``table``: a score, higher is better.

    Given to :func:`csanalysis.io._text.read_raw` as ``sheet=`` when the
    caller named no sheet: the workbook's sheet with the highest score is
    read. A tool's signature scores 10, each column name of the table's
    vocabulary 1 (a question text, for surveys), a data dictionary -10, and
    more rows break ties.

    Examples
    --------
    >>> fit = sheet_fit("customers")
    >>> dictionary = pd.DataFrame([["Variable", "Description"], ["Churn", "Whether the customer left"]])
    >>> data = pd.DataFrame([["Customer ID", "Churn"], ["C-1", "Yes"]])
    >>> fit(data) > fit(dictionary)
    True
    """
    words = _TABLE_WORDS[table]

    def fit(cells: pd.DataFrame) -> float:
        rows = tuple(tuple("" if pd.isna(v) else str(v).strip() for v in cells.iloc[i].tolist())
                     for i in range(min(3, len(cells))))
        header = Header(rows)
        names = [n for n in header.row(0) if n]
        if not names:
            return -20.0
        score = 10.0 if detect(table, header) else 0.0
        if is_data_dictionary(names):
            score -= 10.0
        if table == "responses":
            from ..labels import detect_question_role

            score += sum(n.endswith("?") or detect_question_role(n) is not None for n in names)
        score += sum(bool(words.search(header_key(n))) for n in names)
        other = looks_like(names, table)
        if other is not None and not detect(table, header):
            score -= 5.0
        return score + min(len(cells), 10_000) / 100_000

    return fit


# ----------------------------------------------------------------------------- an order's time
#: Values that look like dates: 2024-03-05, 05.03.2024, 3/5/24 14:03, compact 20240305, epoch seconds.
DATE_VALUE = r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|^\d{8}(?:\D|$)|^\d{10}(?:\.\d+)?$"
_NOT_PURCHASE: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(rx, re.IGNORECASE), why) for rx, why in (
    (r"deliver|ship|dispatch|carrier|fulfil|lever|liefer|доставк|отправ", "a delivery time"),
    (r"approv|updat|modif|refund|cancel|return|review|answer|respon", "a later event's time"),
    (r"estimat|due|expir|deadline|birth|signup|sign_up|regist|joined", "another date"),
))
_PURCHASE = re.compile(r"purchas|paid|payment|order|checkout|transaction|invoice|købs|ordre|köp|kauf|bestell|faktura"
                       r"|rechnung|заказ|покуп|оплат", re.IGNORECASE)
_TIMEISH = re.compile(r"date|time|_at$|\bat$|dato|datum|дата|время|creat|paid|purchas", re.IGNORECASE)


def order_time(columns, data: pd.DataFrame, found: str | None) -> tuple[str | None, str | None]:
    """An order table's time column and a note naming the alternatives: its purchase time, never a later event.

    ``found`` is the column the reader's own vocabulary found (kept); without
    one, a column whose name says purchase, payment or order time wins over a
    plain date or creation time, and delivery, approval, update, review or
    estimated times are never taken. The note lists the file's other time
    columns and why each was not taken.

    Examples
    --------
    >>> d = pd.DataFrame({"order_delivered_at": ["2024-01-09"], "order_purchase_timestamp": ["2024-01-02 10:00"],
    ...                   "price": ["9.5"]})
    >>> col, note = order_time(d.columns, d, None)
    >>> col, note.split(";")[1].strip()
    ('order_purchase_timestamp', "the file's other time columns: 'order_delivered_at' (a delivery time)")
    """
    cands: dict[str, tuple[int | None, str]] = {}
    for c in columns:
        name = str(c)
        if not _TIMEISH.search(name) or c == found:
            continue
        v = data[c].dropna().head(500).astype(str).str.strip()
        v = v[v != ""]
        if not len(v) or float(v.str.contains(DATE_VALUE, regex=True).mean()) < 0.5:
            continue
        why = next((w for rx, w in _NOT_PURCHASE if rx.search(name)), None)
        if why is not None:
            cands[c] = (None, why)
        elif _PURCHASE.search(name):
            cands[c] = (1, "its name says when the order was bought or paid")
        else:
            cands[c] = (2, "a plain date or creation time")
    chosen, how = found, "the export's date column"
    if chosen is None:
        fitting = [(rank, i, c) for i, (c, (rank, _)) in enumerate(cands.items()) if rank is not None]
        if not fitting:
            return None, None
        _, _, chosen = min(fitting)
        how = cands.pop(chosen)[1]
    if not cands:
        return chosen, None
    others = ", ".join(f"{c!r} ({why})" for c, (_, why) in cands.items())
    return chosen, f"at = {chosen!r} ({how}); the file's other time columns: {others}"
