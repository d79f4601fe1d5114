"""Readers: exports as analysts really have them -> the canonical tables.

Each reader returns one canonical table (:mod:`csanalysis.schema`) with its
:class:`~csanalysis.io.report.LoadReport` attached (:func:`load_report`).
"""

from .report import LoadReport, load_report
from .tickets import TICKET_SOURCES, read_tickets

__all__ = ["LoadReport", "load_report", "read_tickets", "TICKET_SOURCES"]

try:  # readers written in parallel; exported when present
    from .surveys import read_survey  # noqa: F401

    __all__.append("read_survey")
except ImportError:  # pragma: no cover
    pass
try:
    from .activity import read_activity  # noqa: F401

    __all__.append("read_activity")
except ImportError:  # pragma: no cover
    pass
try:
    from .customers import read_customers  # noqa: F401

    __all__.append("read_customers")
except ImportError:  # pragma: no cover
    pass
