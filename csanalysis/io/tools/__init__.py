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

from typing import Any

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

__all__ = ["MODULES", "TOOLS", "LABEL_SCALES", "NONRESPONSE_LABELS", "Header", "Tool", "TicketTool", "SurveyTool",
           "ActivityTool", "SurveyLayout", "formats", "named", "detect", "sources", "titles"]

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
