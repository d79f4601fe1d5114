"""Readers: exports as analysts really have them -> the canonical tables.

Each reader returns one canonical table (:mod:`csanalysis.schema`) with its
:class:`~csanalysis.io.report.LoadReport` attached (:func:`load_report`).
"""

from ._dates import AMBIGUOUS_TZ_ABBREVIATIONS, TZ_ABBREVIATIONS
from .activity import read_activity
from .batch import Exports, concat_tables, read_exports
from .customers import read_customers
from .report import LoadReport, load_report
from .surveys import read_survey
from .tickets import TICKET_SOURCES, read_tickets

__all__ = ["LoadReport", "load_report", "read_tickets", "read_survey", "read_activity", "read_customers",
           "read_exports", "Exports", "concat_tables", "TICKET_SOURCES", "TZ_ABBREVIATIONS",
           "AMBIGUOUS_TZ_ABBREVIATIONS"]
